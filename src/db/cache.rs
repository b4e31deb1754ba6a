//! An in-process cache of user rows with bounded staleness.
//!
//! WordPress keeps `WP_User` data in its object cache and drops it in `clean_user_cache()`
//! whenever a user changes. wpgate, a separate process, cannot hear that call directly: it
//! serves a cached user for at most the TTL (`user_cache_ttl`, default 5 s), and drops a user
//! at once when the site announces `user:U` on the Redis events channel
//! (docs/redis-layout.md), which calls [`CachedUsers::invalidate`].
//!
//! # Layout
//!
//! The user rows live in one map by ID; logins and e-mail addresses are *aliases* that point
//! at the very same row (`Arc`). An alias is served only while the ID map still holds that
//! same row, so dropping one ID entry retires every alias of the user at once, and a row is
//! never older than the TTL however it is reached. Stale aliases are left to expire.
//!
//! # Misses
//!
//! Unknown logins, e-mails and IDs are **not cached**: a user created in WordPress can log in
//! through wpgate at once, and a stream of made-up logins cannot fill the cache and push real
//! users out. Concurrent misses for the same key are coalesced into one query (single-flight,
//! errors included), so a burst of requests for one user or one unknown login costs one
//! database round trip.
//!
//! A load that overlaps an invalidation is returned to its caller but not kept: it may have
//! read the row just before the change that caused the invalidation.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::future::Cache;
use wpgate_core::password::PasswordHash;
use wpgate_core::users::SanitizeRules;

use super::{Db, DbError, Users, WpUser};

/// The most users (and, separately, logins and e-mails) kept by default.
pub const DEFAULT_CAPACITY: u64 = 10_000;

/// How long a thread takes the ID map's word that a row is current, unless an invalidation
/// came since (at most half the TTL). Entries live that much less than the TTL, so no row is
/// served past it. Under load the same rows are asked about many times a millisecond, and
/// asking the ID map costs about a microsecond.
pub const CONFIRMED_FOR: Duration = Duration::from_millis(1);

/// Rows confirmed per thread before the notes are emptied (memory stays bounded).
const CONFIRMED_CAPACITY: usize = 256;

/// Tells caches apart (tests run several in one process, on the same threads).
static NEXT_CACHE: AtomicU64 = AtomicU64::new(1);

/// A row [`Caches::is_current`] confirmed on this thread.
struct Confirmed {
    cache: u64,
    row: Arc<WpUser>,
    epoch: u64,
    at: Instant,
}

thread_local! {
    /// By user ID: one row per user, the last one confirmed.
    static CONFIRMED: RefCell<HashMap<u64, Confirmed>> = RefCell::new(HashMap::new());
}

/// [`Users`] behind a cache whose entries are served for at most a TTL.
///
/// Cheap to clone (clones share the cache).
#[derive(Clone)]
pub struct CachedUsers {
    users: Users,
    caches: Option<Arc<Caches>>,
}

struct Caches {
    ttl: Duration,
    /// [`CONFIRMED_FOR`], or half the TTL when that is shorter.
    confirm_for: Duration,
    ids: Cache<u64, Arc<WpUser>>,
    logins: Cache<String, Arc<WpUser>>,
    emails: Cache<String, Arc<WpUser>>,
    /// Bumped by every invalidation, so that loads overlapping one are not kept (and rows
    /// confirmed before it are asked about again).
    epoch: AtomicU64,
    /// This cache among the per-thread notes of confirmed rows.
    id: u64,
}

/// Why a load gave no user (shared between coalesced callers).
enum Miss {
    NotFound,
    Failed(DbError),
}

impl CachedUsers {
    /// A cache of at most [`DEFAULT_CAPACITY`] users serving entries for at most `ttl`; a
    /// zero `ttl` disables caching (every lookup queries the database).
    pub fn new(users: Users, ttl: Duration) -> CachedUsers {
        CachedUsers::with_capacity(users, ttl, DEFAULT_CAPACITY)
    }

    /// The users of `db` as the service reads them: rows *and* registered role names served
    /// for at most `ttl` (the `user_cache_ttl` setting), so one staleness bound covers both.
    pub fn for_site(db: Db, rules: SanitizeRules, ttl: Duration) -> CachedUsers {
        CachedUsers::new(Users::new(db, rules).with_role_names_ttl(ttl), ttl)
    }

    /// As [`CachedUsers::new`] with at most `capacity` users (least recently used go first).
    pub fn with_capacity(users: Users, ttl: Duration, capacity: u64) -> CachedUsers {
        let caches = (!ttl.is_zero()).then(|| {
            // A row confirmed at the end of its entry's life is served for `confirm_for` more
            // (`is_current`): the entries live that much less, and the TTL holds.
            let confirm_for = CONFIRMED_FOR.min(ttl / 2);
            let live = ttl - confirm_for;
            Arc::new(Caches {
                ttl,
                confirm_for,
                ids: Cache::builder().max_capacity(capacity).time_to_live(live).build(),
                logins: Cache::builder().max_capacity(capacity).time_to_live(live).build(),
                emails: Cache::builder().max_capacity(capacity).time_to_live(live).build(),
                epoch: AtomicU64::new(0),
                id: NEXT_CACHE.fetch_add(1, Ordering::Relaxed),
            })
        });
        CachedUsers { users, caches }
    }

    /// The uncached repository.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// How long an entry may be served; zero when caching is off.
    pub fn ttl(&self) -> Duration {
        self.caches.as_ref().map_or(Duration::ZERO, |c| c.ttl)
    }

    /// [`Users::by_login`], served from the cache when a fresh entry exists.
    ///
    /// # Errors
    /// As [`Users::by_login`].
    #[doc(alias = "get_user_by")]
    pub async fn by_login(&self, login: &str) -> Result<Option<Arc<WpUser>>, DbError> {
        let Some(caches) = &self.caches else {
            return Ok(Box::pin(self.users.by_login(login)).await?.map(Arc::new));
        };
        let Some(key) = self.users.login_key(login) else { return Ok(None) };
        caches
            .aliased(&caches.logins, key, |key| async move { self.users.by_login_key(&key).await })
            .await
    }

    /// Whether `user` is still the row cached under its ID: what a lookup by ID would answer
    /// without reading the database. Always `false` without a cache.
    pub async fn is_current(&self, user: &Arc<WpUser>) -> bool {
        match &self.caches {
            Some(caches) => caches.is_current(user).await,
            None => false,
        }
    }

    /// [`Users::by_email`], served from the cache when a fresh entry exists.
    ///
    /// # Errors
    /// As [`Users::by_email`].
    pub async fn by_email(&self, email: &str) -> Result<Option<Arc<WpUser>>, DbError> {
        let Some(caches) = &self.caches else {
            return Ok(Box::pin(self.users.by_email(email)).await?.map(Arc::new));
        };
        // The alias key is what by_email searches for; the same trimming decides.
        let key = email.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B']).to_owned();
        if key.is_empty() || key == "0" {
            return Ok(None);
        }
        caches
            .aliased(&caches.emails, key, |key| async move { self.users.by_email(&key).await })
            .await
    }

    /// [`Users::by_id`], served from the cache when a fresh entry exists.
    ///
    /// # Errors
    /// As [`Users::by_id`].
    pub async fn by_id(&self, id: u64) -> Result<Option<Arc<WpUser>>, DbError> {
        let Some(caches) = &self.caches else {
            return Ok(Box::pin(self.users.by_id(id)).await?.map(Arc::new));
        };
        if id == 0 {
            return Ok(None);
        }
        if let Some(user) = caches.ids.get(&id).await {
            return Ok(Some(user));
        }
        let epoch = caches.epoch.load(Ordering::SeqCst);
        let loaded = AtomicBool::new(false);
        // The load's future (the database query's) is large: boxed, so that a cache hit
        // does not build and move it (docs/performance.md, "Service").
        let result = Box::pin(caches.ids.try_get_with(id, async {
            loaded.store(true, Ordering::Relaxed);
            match self.users.by_id(id).await {
                Ok(Some(user)) => Ok(Arc::new(user)),
                Ok(None) => Err(Miss::NotFound),
                Err(e) => Err(Miss::Failed(e)),
            }
        }))
        .await;
        caches.settle(result, epoch, loaded.load(Ordering::Relaxed)).await
    }

    /// [`Users::set_password_hash`], then drops the user from this cache.
    ///
    /// # Errors
    /// As [`Users::set_password_hash`].
    #[doc(alias = "wp_set_password")]
    pub async fn set_password_hash(&self, id: u64, hash: &PasswordHash) -> Result<(), DbError> {
        let result = self.users.set_password_hash(id, hash).await;
        // Even a failed write may have reached the database (a timeout after the UPDATE).
        self.invalidate(id).await;
        result
    }

    /// Drops everything cached about user `id` (its row, and so every login and e-mail alias
    /// of it); the next lookup reads the database. Called when `user:U` is announced.
    pub async fn invalidate(&self, id: u64) {
        if let Some(caches) = &self.caches {
            caches.epoch.fetch_add(1, Ordering::SeqCst);
            caches.ids.invalidate(&id).await;
        }
    }

    /// Drops every cached user (for example after the events subscription was interrupted and
    /// announcements may have been missed).
    pub fn invalidate_all(&self) {
        if let Some(caches) = &self.caches {
            caches.epoch.fetch_add(1, Ordering::SeqCst);
            caches.ids.invalidate_all();
            caches.logins.invalidate_all();
            caches.emails.invalidate_all();
        }
    }
}

impl Caches {
    /// A lookup through an alias map (login or e-mail → the row in `ids`).
    async fn aliased<F, Fut>(
        &self,
        aliases: &Cache<String, Arc<WpUser>>,
        key: String,
        load: F,
    ) -> Result<Option<Arc<WpUser>>, DbError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Option<WpUser>, DbError>>,
    {
        if let Some(user) = aliases.get(&key).await {
            if self.is_current(&user).await {
                return Ok(Some(user));
            }
            // The user was invalidated or reloaded since: this alias is retired.
            Box::pin(aliases.invalidate(&key)).await;
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let loaded = AtomicBool::new(false);
        // Every step after the hit is boxed, as in `by_id`: `async_trait` boxes this whole
        // future on each lookup, and with those steps inline it was over 1 KiB, past glibc's
        // per-thread cache, so every hit took malloc's slow path (docs/performance.md).
        let result = Box::pin(aliases.try_get_with(key.clone(), async {
            loaded.store(true, Ordering::Relaxed);
            match load(key).await {
                Ok(Some(user)) => {
                    // A row the ID map already holds (reached by another alias, or by ID)
                    // is kept and shared: replacing it would retire its other aliases.
                    let id = user.id;
                    Ok(self.ids.entry(id).or_insert(Arc::new(user)).await.into_value())
                }
                Ok(None) => Err(Miss::NotFound),
                Err(e) => Err(Miss::Failed(e)),
            }
        }))
        .await;
        Box::pin(self.settle(result, epoch, loaded.load(Ordering::Relaxed))).await
    }

    /// Whether `user` is still the row cached under its ID. A row the ID map confirmed on
    /// this thread less than `confirm_for` ago, with no invalidation since, is taken as
    /// confirmed without asking again.
    async fn is_current(&self, user: &Arc<WpUser>) -> bool {
        // Read before the map: an invalidation after this read makes the note stale.
        let epoch = self.epoch.load(Ordering::SeqCst);
        let now = Instant::now();
        let noted = CONFIRMED.with_borrow(|notes| {
            notes.get(&user.id).is_some_and(|c| {
                c.cache == self.id
                    && c.epoch == epoch
                    && Arc::ptr_eq(&c.row, user)
                    && now.saturating_duration_since(c.at) < self.confirm_for
            })
        });
        if noted {
            return true;
        }
        let current =
            self.ids.get(&user.id).await.is_some_and(|current| Arc::ptr_eq(&current, user));
        if current {
            let note = Confirmed { cache: self.id, row: Arc::clone(user), epoch, at: now };
            CONFIRMED.with_borrow_mut(|notes| {
                crate::memo::insert_bounded(notes, CONFIRMED_CAPACITY, user.id, note);
            });
        }
        current
    }

    /// Turns a load's result into the answer, forgetting a row loaded across an invalidation.
    async fn settle(
        &self,
        result: Result<Arc<WpUser>, Arc<Miss>>,
        epoch: u64,
        loaded: bool,
    ) -> Result<Option<Arc<WpUser>>, DbError> {
        match result {
            Ok(user) => {
                if loaded && self.epoch.load(Ordering::SeqCst) != epoch {
                    self.ids.invalidate(&user.id).await;
                }
                Ok(Some(user))
            }
            Err(miss) => match &*miss {
                Miss::NotFound => Ok(None),
                Miss::Failed(e) => Err(e.clone()),
            },
        }
    }
}

impl fmt::Debug for CachedUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("CachedUsers");
        s.field("users", &self.users).field("ttl", &self.ttl());
        if let Some(c) = &self.caches {
            s.field("cached_users", &c.ids.entry_count());
        }
        s.finish()
    }
}
