//! [`PhpSessionStore`]: PHP sessions in Redis, read and written with the commands phpredis
//! 5.3.7 sends (redis_session.c), so PHP and Rust share sessions.
//!
//! | PHP | here | commands |
//! |---|---|---|
//! | `session_start()` | [`PhpSessionStore::open`] | (`SET <key>_LOCK <secret> NX [PX ms]`) `GET <key>` |
//! | `session_start()`, strict mode, new id | [`PhpSessionStore::start`], [`PhpSessionStore::create`] | `EXISTS <key>` |
//! | `session_write_close()` | [`PhpSession::save`] | (`GET <key>_LOCK`) `SETEX <key> <ttl> <data>`, or `EXPIRE <key> <ttl>` for unchanged data with `lazy_write` (`EVALSHA` unlock) |
//! | `session_abort()` | [`PhpSession::close`] | (`EVALSHA` unlock) |
//! | `session_destroy()` | [`PhpSession::destroy`] | `DEL <key>` (`EVALSHA` unlock) |
//! | `session_regenerate_id()` | [`PhpSession::regenerate`] | new id locked, `SETEX <new>`, `DEL <old>` or keep it |
//! | `session_start(['read_and_close' => true])` | [`PhpSessionStore::read`] | `GET <key>` |
//!
//! Parenthesised commands only run with `redis.session.locking_enabled`. phpredis 5.3.x sends
//! `SELECT <db>` before every operation; here the connection selects its database once
//! (as phpredis 6 does), which changes nothing for the data.

use std::sync::Arc;
use std::time::Duration;

use rand::TryRngCore;
use rand::rngs::OsRng;
use redis::Value;
use tokio::sync::OwnedMutexGuard;
use wpgate_core::php_session::{
    SaveHandler as IdHandler, Session, SessionError, SessionId, StartDecision, is_valid_key,
    start_decision,
};

use super::PhpSessionError;
use super::backend::{Backend, Conn};
use super::lock::{self, HeldLock, LocalLocks};
use super::settings::{PhpSessionConfig, SaveHandler};

/// PHP sessions in Redis, shared with PHP's phpredis session handler. Cheap to clone.
#[derive(Clone)]
pub struct PhpSessionStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: PhpSessionConfig,
    backend: Backend,
    secret: String,
    local: LocalLocks,
}

/// An open session: its data, and (with locking) the Redis lock, held until
/// [`save`](PhpSession::save), [`close`](PhpSession::close) or
/// [`destroy`](PhpSession::destroy). Dropping it releases the lock in the background.
pub struct PhpSession {
    store: PhpSessionStore,
    id: String,
    key: Vec<u8>,
    read: Option<Vec<u8>>,
    data: Session,
    decode_error: Option<SessionError>,
    lock: Option<HeldLock>,
    local: Option<OwnedMutexGuard<()>>,
}

/// What [`PhpSessionStore::start`] did.
#[derive(Debug)]
pub struct Started {
    /// The open session.
    pub session: PhpSession,
    /// The `Set-Cookie` value to send when the id is new (PHP sends none for an adopted id).
    pub set_cookie: Option<String>,
}

impl PhpSessionStore {
    /// A store for `config` (pools are created, no connection is made yet). The lock secret
    /// is `<hostname>|<pid>`, as phpredis writes it.
    ///
    /// # Errors
    /// [`PhpSessionError::Config`] when a pool cannot be built.
    pub fn new(config: PhpSessionConfig) -> Result<PhpSessionStore, PhpSessionError> {
        PhpSessionStore::with_secret(config, lock::php_lock_secret())
    }

    /// [`PhpSessionStore::new`] with an explicit lock secret (tests, or several wpgate
    /// processes that share a pid namespace and host name).
    ///
    /// # Errors
    /// As [`PhpSessionStore::new`].
    pub fn with_secret(
        config: PhpSessionConfig,
        secret: String,
    ) -> Result<PhpSessionStore, PhpSessionError> {
        let backend = Backend::new(&config.save_path, 16)?;
        Ok(PhpSessionStore {
            inner: Arc::new(Inner { config, backend, secret, local: LocalLocks::default() }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PhpSessionConfig {
        &self.inner.config
    }

    /// The value this store writes into lock keys.
    pub fn lock_secret(&self) -> &str {
        &self.inner.secret
    }

    /// The Redis key of session `id` (`prefix + id`, on the server phpredis would pick).
    pub fn key(&self, id: &str) -> Vec<u8> {
        self.inner.backend.route(id.as_bytes()).key(id.as_bytes())
    }

    /// Opens session `id` for reading and writing, as `session_start()` does with an adopted
    /// id: takes the lock (when locking is on) and reads the data. A missing key is an empty,
    /// new session ([`PhpSession::exists`] is false). Undecodable data gives an empty session
    /// with [`PhpSession::decode_error`] set; unlike PHP nothing is deleted.
    ///
    /// # Errors
    /// [`PhpSessionError::InvalidId`] for an id PHP's `files` handler would refuse;
    /// [`PhpSessionError::Locked`] when the lock stays taken; Redis failures.
    #[doc(alias = "session_start")]
    pub async fn open(&self, id: &str) -> Result<PhpSession, PhpSessionError> {
        check_id(id)?;
        let mut session = self.lock_new_handle(id).await?;
        let route = self.inner.backend.route(id.as_bytes());
        let mut conn = route.conn().await?;
        let read = match conn.run::<Option<Vec<u8>>>(redis::cmd("GET").arg(&session.key)).await {
            Ok(r) => r,
            Err(e) => {
                session.release(&mut conn).await;
                return Err(e);
            }
        };
        session.set_read(read);
        Ok(session)
    }

    /// A new session with a fresh id (`php_session_create_id()`), locked and read (`GET`)
    /// as phpredis does for a new id; an id whose key exists is drawn again (at most three
    /// draws, as PHP's strict mode).
    ///
    /// # Errors
    /// As [`PhpSessionStore::open`]; [`PhpSessionError::Collision`] if three ids collide.
    #[doc(alias = "session_create_id")]
    pub async fn create(&self) -> Result<PhpSession, PhpSessionError> {
        for _ in 0..3 {
            let id = self.generate_id()?;
            let session = self.open(&id).await?;
            if !session.exists() {
                return Ok(session);
            }
            session.close().await?;
        }
        Err(PhpSessionError::Collision)
    }

    /// `session_start()` for a request: the id from the `Cookie` header when PHP would use
    /// it (`session.use_strict_mode` honoured: the key must exist), else a new id and its
    /// `Set-Cookie` value. Ids outside `[A-Za-z0-9,-]{1,256}` are never adopted.
    ///
    /// # Errors
    /// As [`PhpSessionStore::open`].
    pub async fn start(
        &self,
        cookie_header: Option<&str>,
        now: i64,
    ) -> Result<Started, PhpSessionError> {
        let cookie = &self.inner.config.cookie;
        let incoming = cookie_header.and_then(|h| cookie.incoming_id(h));
        let decision = start_decision(
            incoming.as_deref(),
            IdHandler::Redis,
            self.inner.config.use_strict_mode,
        );
        let adoptable = incoming
            .as_deref()
            .filter(|id| is_valid_key(id))
            .and_then(|id| std::str::from_utf8(id).ok());
        let adopt = match (decision, adoptable) {
            (StartDecision::Adopt, Some(id)) => Some(id),
            (StartDecision::AdoptIfExists, Some(id)) if self.exists(id).await? => Some(id),
            _ => None,
        };
        if let Some(id) = adopt {
            return Ok(Started { session: self.open(id).await?, set_cookie: None });
        }
        let session = self.create().await?;
        let set_cookie = cookie
            .set_cookie(session.id.as_bytes(), now)
            .map_err(|e| PhpSessionError::Config(e.to_string()))?;
        Ok(Started { session, set_cookie: Some(set_cookie) })
    }

    /// Reads a session without locking or refreshing it (`read_and_close`): `None` when the
    /// key does not exist.
    ///
    /// # Errors
    /// [`PhpSessionError::InvalidId`]; Redis failures.
    pub async fn read_raw(&self, id: &str) -> Result<Option<Vec<u8>>, PhpSessionError> {
        check_id(id)?;
        let route = self.inner.backend.route(id.as_bytes());
        let mut conn = route.conn().await?;
        conn.run(redis::cmd("GET").arg(route.key(id.as_bytes()))).await
    }

    /// [`PhpSessionStore::read_raw`], decoded with `session.serialize_handler`.
    ///
    /// # Errors
    /// As [`PhpSessionStore::read_raw`]; [`PhpSessionError::Undecodable`] for data PHP could
    /// not decode either.
    pub async fn read(&self, id: &str) -> Result<Option<Session>, PhpSessionError> {
        match self.read_raw(id).await? {
            None => Ok(None),
            Some(bytes) => Session::decode(self.inner.config.serialize_handler, &bytes)
                .map(Some)
                .map_err(PhpSessionError::Undecodable),
        }
    }

    /// Whether the key of `id` exists (phpredis's `validate_sid`: `EXISTS`).
    ///
    /// # Errors
    /// As [`PhpSessionStore::read_raw`].
    pub async fn exists(&self, id: &str) -> Result<bool, PhpSessionError> {
        check_id(id)?;
        let route = self.inner.backend.route(id.as_bytes());
        let mut conn = route.conn().await?;
        let n: i64 = conn.run(redis::cmd("EXISTS").arg(route.key(id.as_bytes()))).await?;
        Ok(n == 1)
    }

    /// Deletes session `id` under its lock; whether it existed.
    ///
    /// # Errors
    /// As [`PhpSessionStore::open`].
    pub async fn destroy(&self, id: &str) -> Result<bool, PhpSessionError> {
        check_id(id)?;
        let mut session = self.lock_new_handle(id).await?;
        session.read = None;
        session.destroy().await
    }

    /// Checks that Redis answers (`PING` on every server).
    ///
    /// # Errors
    /// Redis failures.
    pub async fn ping(&self) -> Result<(), PhpSessionError> {
        let mut conn = self.inner.backend.route(b"").conn().await?;
        let _: Value = conn.run(&redis::cmd("PING")).await?;
        Ok(())
    }

    fn generate_id(&self) -> Result<String, PhpSessionError> {
        let mut rng = OsRng.unwrap_err();
        Ok(SessionId::generate(&self.inner.config.sid, &mut rng).expose_secret().to_owned())
    }

    /// A handle for `id` holding this process's turn and, with locking on, the Redis lock.
    async fn lock_new_handle(&self, id: &str) -> Result<PhpSession, PhpSessionError> {
        let route = self.inner.backend.route(id.as_bytes());
        let key = route.key(id.as_bytes());
        let cfg = &self.inner.config;
        let local = self.inner.local.lock(&key, lock_budget(cfg)).await?;
        // phpredis 5.3.x's cluster handler has no locking at all.
        let lock = if cfg.lock.enabled && cfg.save_handler == SaveHandler::Redis {
            let mut conn = route.conn().await?;
            Some(
                lock::acquire(&mut conn, lock::lock_key(&key), &self.inner.secret, &cfg.lock)
                    .await?,
            )
        } else {
            None
        };
        Ok(PhpSession {
            store: self.clone(),
            id: id.to_owned(),
            key,
            read: None,
            data: Session::new(),
            decode_error: None,
            lock,
            local: Some(local),
        })
    }
}

impl PhpSession {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the key existed when the session was opened.
    pub fn exists(&self) -> bool {
        self.read.is_some()
    }

    /// The stored bytes as read (`None`: no key).
    pub fn raw(&self) -> Option<&[u8]> {
        self.read.as_deref()
    }

    /// `$_SESSION`.
    pub fn data(&self) -> &Session {
        &self.data
    }

    /// `$_SESSION`, to modify before [`PhpSession::save`].
    pub fn data_mut(&mut self) -> &mut Session {
        &mut self.data
    }

    /// Replaces `$_SESSION`.
    pub fn replace(&mut self, data: Session) {
        self.data = data;
        self.decode_error = None;
    }

    /// Why the stored data could not be decoded (the session then reads as empty).
    pub fn decode_error(&self) -> Option<&SessionError> {
        self.decode_error.as_ref()
    }

    /// Whether this handle holds the Redis lock.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }

    /// Writes the session as `session_write_close()` does and releases the lock: `SETEX`
    /// with `gc_maxlifetime` when the encoded data changed (or is empty, as PHP's `php`
    /// encoder writes an empty session every time), `EXPIRE` when it is unchanged and
    /// `lazy_write` is on (never for `rediscluster`, which phpredis 5.3 always rewrites).
    ///
    /// # Errors
    /// [`PhpSessionError::Unstorable`] for data PHP's serializer would lose (integer or
    /// `|`-containing names with `php`); [`PhpSessionError::LockLost`] when locking is on and
    /// the lock is no longer ours (phpredis then refuses the write too); Redis failures. The
    /// lock is released in every case.
    #[doc(alias = "session_write_close")]
    pub async fn save(mut self) -> Result<(), PhpSessionError> {
        let route = self.store.inner.backend.route(self.id.as_bytes());
        let mut conn = route.conn().await?;
        let result = self.write(&mut conn).await;
        self.release(&mut conn).await;
        result
    }

    /// Releases the lock without writing (`session_abort()`).
    ///
    /// # Errors
    /// Redis failures (the lock then expires on its own, if it has an expiry).
    #[doc(alias = "session_abort")]
    pub async fn close(mut self) -> Result<(), PhpSessionError> {
        if self.lock.is_none() {
            return Ok(());
        }
        let mut conn = self.store.inner.backend.route(self.id.as_bytes()).conn().await?;
        self.release(&mut conn).await;
        Ok(())
    }

    /// Deletes the session (`DEL`) and releases the lock; whether the key existed.
    ///
    /// phpredis releases the lock before its `DEL`; here the lock is released after it, so
    /// no other writer can take the lock and save the session again in between.
    ///
    /// # Errors
    /// Redis failures.
    #[doc(alias = "session_destroy")]
    pub async fn destroy(mut self) -> Result<bool, PhpSessionError> {
        let route = self.store.inner.backend.route(self.id.as_bytes());
        let mut conn = route.conn().await?;
        let deleted = conn.run::<i64>(redis::cmd("DEL").arg(&self.key)).await;
        self.release(&mut conn).await;
        Ok(deleted? > 0)
    }

    /// A new id for this session (`session_regenerate_id()`): a fresh, unused id is locked,
    /// the data is written under it (`SETEX`) *before* the old key is deleted
    /// (`delete_old`, then `DEL`) or kept with its data (`SETEX`/`EXPIRE` as a save), and
    /// the old lock is released. The returned handle holds the new id's lock.
    ///
    /// # Errors
    /// As [`PhpSession::save`]; the old session is untouched when the new one cannot be
    /// written.
    #[doc(alias = "session_regenerate_id")]
    pub async fn regenerate(mut self, delete_old: bool) -> Result<PhpSession, PhpSessionError> {
        let bytes = self.encode()?;
        let route = self.store.inner.backend.route(self.id.as_bytes());
        let mut old_conn = route.conn().await?;
        if let Some(lock) = &self.lock
            && let Err(e) = lock::check_before_write(
                &mut old_conn,
                lock,
                &self.store.inner.secret,
                &self.store.inner.config.lock,
            )
            .await
        {
            self.release(&mut old_conn).await;
            return Err(e);
        }
        let mut new = match self.store.create().await {
            Ok(n) => n,
            Err(e) => {
                self.release(&mut old_conn).await;
                return Err(e);
            }
        };
        new.data = self.data.clone();
        let new_route = new.store.inner.backend.route(new.id.as_bytes());
        let mut new_conn = new_route.conn().await?;
        let ttl = new.store.inner.config.ttl();
        if let Err(e) =
            new_conn.run::<Value>(redis::cmd("SETEX").arg(&new.key).arg(ttl).arg(&bytes)).await
        {
            new.release(&mut new_conn).await;
            self.release(&mut old_conn).await;
            return Err(e);
        }
        new.read = Some(bytes);
        let old_result = if delete_old {
            old_conn.run::<i64>(redis::cmd("DEL").arg(&self.key)).await.map(|_| ())
        } else {
            self.write(&mut old_conn).await
        };
        self.release(&mut old_conn).await;
        old_result.map(|()| new)
    }

    fn set_read(&mut self, read: Option<Vec<u8>>) {
        let handler = self.store.inner.config.serialize_handler;
        match read.as_deref().map(|bytes| Session::decode(handler, bytes)) {
            None => self.data = Session::new(),
            Some(Ok(data)) => self.data = data,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "stored PHP session cannot be decoded; read as empty");
                self.data = Session::new();
                self.decode_error = Some(e);
            }
        }
        self.read = read;
    }

    fn encode(&self) -> Result<Vec<u8>, PhpSessionError> {
        self.data
            .encode(self.store.inner.config.serialize_handler)
            .map_err(PhpSessionError::Unstorable)
    }

    async fn write(&mut self, conn: &mut Conn) -> Result<(), PhpSessionError> {
        let bytes = self.encode()?;
        let inner = &self.store.inner;
        if inner.config.lock.enabled && inner.config.save_handler == SaveHandler::Redis {
            let lock = self.lock.as_ref().ok_or(PhpSessionError::LockLost)?;
            lock::check_before_write(conn, lock, &inner.secret, &inner.config.lock).await?;
        }
        let ttl = inner.config.ttl();
        let unchanged = !bytes.is_empty() && self.read.as_deref() == Some(bytes.as_slice());
        if unchanged && inner.config.lazy_write && inner.config.save_handler == SaveHandler::Redis {
            let _: Value = conn.run(redis::cmd("EXPIRE").arg(&self.key).arg(ttl)).await?;
        } else {
            let _: Value =
                conn.run(redis::cmd("SETEX").arg(&self.key).arg(ttl).arg(&bytes)).await?;
            self.read = Some(bytes);
        }
        Ok(())
    }

    /// Releases the Redis lock (best effort: a failure is logged; a lock with an expiry then
    /// lapses on its own) and this process's turn.
    async fn release(&mut self, conn: &mut Conn) {
        if let Some(lock) = self.lock.take()
            && let Err(e) = lock::release(conn, &lock, &self.store.inner.secret).await
        {
            tracing::warn!(error = %e, "releasing a PHP session lock failed");
        }
        self.local = None;
    }
}

impl Drop for PhpSession {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else { return };
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let store = self.store.clone();
        let id = self.id.clone();
        let local = self.local.take();
        handle.spawn(async move {
            let route = store.inner.backend.route(id.as_bytes());
            if let Ok(mut conn) = route.conn().await {
                let _ = lock::release(&mut conn, &lock, &store.inner.secret).await;
            }
            drop(local);
        });
    }
}

impl std::fmt::Debug for PhpSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhpSessionStore")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PhpSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The id is a bearer secret: only its length is shown.
        f.debug_struct("PhpSession")
            .field("id_len", &self.id.len())
            .field("exists", &self.exists())
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// PHP's id rule (`php_session_valid_key`): 1–256 bytes of `[A-Za-z0-9,-]`. phpredis itself
/// accepts anything, but such ids cannot come from PHP's generator and make odd keys.
fn check_id(id: &str) -> Result<(), PhpSessionError> {
    if is_valid_key(id.as_bytes()) { Ok(()) } else { Err(PhpSessionError::InvalidId) }
}

/// How long a handle waits for this process's turn: the Redis lock's retry budget.
fn lock_budget(cfg: &PhpSessionConfig) -> Option<Duration> {
    if !cfg.lock.enabled {
        // No Redis lock to wait for: other handles of this process finish quickly.
        return Some(Duration::from_secs(5));
    }
    cfg.lock.retries().map(|r| {
        let attempts = u32::try_from(r.saturating_add(1)).unwrap_or(u32::MAX);
        cfg.lock.wait_time().saturating_mul(attempts).max(Duration::from_millis(100))
    })
}
