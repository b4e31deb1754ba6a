//! The use-cases, combining the pure core with the user directory and the session store:
//! who is this request's user, log in, log out, nonces. Testable without HTTP.

use std::sync::Arc;

use rand::TryRngCore;
use rand::rngs::OsRng;
use tracing::{Instrument, instrument};
use wpgate_core::auth_cookie::{self, AuthCookie, CookieError, RequestKind, Scheme};
use wpgate_core::cookies::{self, AuthCookiePlan, RequestCookies, SetCookie};
use wpgate_core::nonce::{self, NonceAge, NonceClock, NonceSubject};
use wpgate_core::password::{self, Password, PasswordHash};
use wpgate_core::salts::Salts;
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};
use wpgate_core::users::{SanitizeRules, sanitize_user};
use wpgate_core::{WpVersion, current_user};

use crate::audit::{Actor, Audit, AuditEvent};
use crate::error::ApiError;
use crate::login_limits::LoginLimiter;
use crate::site::Site;
use crate::store::SessionStore;
use crate::store::redis::InvalidationEvent;
use crate::users::{User, UserDirectory};

/// Where "now" comes from (a fixed clock in tests).
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Always this Unix time.
    Fixed(i64),
}

impl Clock {
    /// Unix seconds, as PHP's `time()`.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            Clock::Fixed(t) => *t,
        }
    }
}

/// What the service needs to know about an HTTP request.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The `Cookie` header(s), joined with `; `.
    pub cookie_header: Vec<u8>,
    /// `is_ssl()`: the visitor's connection is https.
    pub https: bool,
    /// Inside wp-admin: only the auth cookie counts, as in WordPress.
    pub admin: bool,
    /// POST / AJAX (the one-hour grace).
    pub kind: RequestKind,
    /// The client address (recorded in new sessions).
    pub ip: Option<String>,
    /// The raw `User-Agent` (recorded in new sessions).
    pub user_agent: Option<String>,
}

/// A request's authenticated user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user.
    pub user: Arc<User>,
    /// Which cookie authenticated the request.
    pub scheme: Scheme,
    /// The cookie's expiration.
    pub expiration: i64,
    /// Inside the POST/AJAX grace hour.
    pub grace_period: bool,
    /// The session's verifier.
    pub verifier: Verifier,
    /// The session record.
    pub session: Session,
    /// `wp_get_session_token()`: the logged_in cookie's token, for nonces.
    nonce_token: String,
}

/// A login form (`wp-login.php`'s fields).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LoginForm {
    /// User login or email.
    pub log: String,
    /// Password.
    pub pwd: secrecy::SecretString,
    /// "Remember me": a 14-day cookie instead of a browser session.
    #[serde(default, deserialize_with = "php_truthy")]
    pub rememberme: bool,
}

/// A successful login.
#[derive(Debug)]
pub struct LoggedIn {
    /// The user.
    pub user: Arc<User>,
    /// The cookies `wp_set_auth_cookie()` sends, in order.
    pub cookies: Vec<SetCookie>,
    /// The new session's expiration.
    pub expiration: i64,
}

/// The auth use-cases.
pub struct AuthService {
    site: Arc<Site>,
    users: Arc<dyn UserDirectory>,
    sessions: Arc<dyn SessionStore>,
    clock: Clock,
    rehash_on_login: bool,
    dummy_hash: PasswordHash,
    limiter: LoginLimiter,
    audit: Audit,
    /// Salts of a rotation still accepted for validation, until the Unix time.
    previous_salts: Option<(Salts, i64)>,
    /// Bounds the password hashes computed at once (CPU-heavy, on the blocking pool).
    hash_permits: Arc<tokio::sync::Semaphore>,
    proxies: crate::proxy::TrustedProxies,
    /// Users re-read after a failed HMAC in the last second ([`AuthService::may_recheck`]).
    rechecks: moka::future::Cache<u64, ()>,
    /// Cookies already checked and nonces already made, per thread ([`crate::memo`]).
    memo: crate::memo::Memo,
}

/// Most users re-read at once after a failed HMAC (each at most once a second).
const RECHECKS_TRACKED: u64 = 1024;

/// How long a login waits for a hashing slot before answering 503.
const HASH_PERMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService")
            .field("version", &self.site.version)
            .field("clock", &self.clock)
            .field("rehash_on_login", &self.rehash_on_login)
            .finish_non_exhaustive()
    }
}

/// Why validation did not produce a user.
enum Rejection {
    Invalid(CookieError),
    Unavailable(ApiError),
}

impl From<CookieError> for Rejection {
    fn from(e: CookieError) -> Self {
        Rejection::Invalid(e)
    }
}

impl AuthService {
    /// A service over the site, its users and its session store.
    pub fn new(
        site: Arc<Site>,
        users: Arc<dyn UserDirectory>,
        sessions: Arc<dyn SessionStore>,
        clock: Clock,
        rehash_on_login: bool,
    ) -> AuthService {
        // Unknown users are verified against this hash so that they cost the same work.
        let dummy_hash = dummy_hash(site.version);
        AuthService {
            site,
            users,
            sessions,
            clock,
            rehash_on_login,
            dummy_hash,
            limiter: LoginLimiter::disabled(),
            audit: Audit::log_only(),
            previous_salts: None,
            hash_permits: Arc::new(tokio::sync::Semaphore::new(32)),
            proxies: crate::proxy::TrustedProxies::loopback(),
            rechecks: moka::future::Cache::builder()
                .max_capacity(RECHECKS_TRACKED)
                .time_to_live(std::time::Duration::from_secs(1))
                .build(),
            memo: crate::memo::Memo::default(),
        }
    }

    /// The proxies whose forwarding headers are believed (default: loopback).
    pub fn with_trusted_proxies(mut self, proxies: crate::proxy::TrustedProxies) -> AuthService {
        self.proxies = proxies;
        self
    }

    /// The proxies whose forwarding headers are believed.
    pub fn trusted_proxies(&self) -> &crate::proxy::TrustedProxies {
        &self.proxies
    }

    /// Brute-force limits for [`AuthService::login`] (default: none).
    pub fn with_login_limiter(mut self, limiter: LoginLimiter) -> AuthService {
        self.limiter = limiter;
        self
    }

    /// Where audit events go (default: the log only).
    pub fn with_audit(mut self, audit: Audit) -> AuthService {
        self.audit = audit;
        self
    }

    /// Salts of a rotation: cookies and nonces made with them stay valid until `until`
    /// (Unix time); new ones always use the site's current salts.
    pub fn with_previous_salts(mut self, previous: Option<(Salts, i64)>) -> AuthService {
        self.previous_salts = previous;
        self
    }

    /// At most `n` password hashes computed at once (default 32).
    pub fn with_max_concurrent_hashes(mut self, n: usize) -> AuthService {
        self.hash_permits = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// The audit trail.
    pub fn audit(&self) -> &Audit {
        &self.audit
    }

    /// The previous salts, while they are still accepted at `now`.
    fn previous_salts_at(&self, now: i64) -> Option<&Salts> {
        self.previous_salts.as_ref().filter(|(_, until)| now <= *until).map(|(salts, _)| salts)
    }

    /// The site.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Now, per the service clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// `determine_current_user`: the auth cookie of the request's scheme, then (outside
    /// wp-admin) the logged_in cookie.
    ///
    /// # Errors
    /// [`ApiError::Unauthenticated`] when no cookie validates; [`ApiError::Unavailable`] when
    /// the user directory or the session store cannot answer (never a guess).
    pub async fn current_user(&self, ctx: &RequestContext) -> Result<CurrentUser, ApiError> {
        // Debug level: this runs on every forward-auth request, and an enabled span costs its
        // field formatting each time (scripts/bench, docs/performance.md "Service"). The span
        // is held, not found again through `Span::current()`: when it is disabled, that is the
        // request's span, looked up, cloned and closed for a record it has no field for.
        let span = tracing::debug_span!("current_user", user_id = tracing::field::Empty);
        self.determine_current_user(ctx, &span).instrument(span.clone()).await
    }

    /// [`AuthService::current_user`] inside its span, where it records the user's ID.
    async fn determine_current_user(
        &self,
        ctx: &RequestContext,
        span: &tracing::Span,
    ) -> Result<CurrentUser, ApiError> {
        let cookies = RequestCookies::parse(&ctx.cookie_header).into_magic_quoted();
        let config = &self.site.cookies;
        let mut request = current_user::Request::new(&cookies, ctx.https);
        request.area =
            if ctx.admin { current_user::Area::BlogAdmin } else { current_user::Area::Front };
        request.kind = ctx.kind;
        let mut reason = CookieError::Malformed;
        for candidate in current_user::candidates(&request, config) {
            let value = match candidate.value {
                Ok(value) => value,
                Err(current_user::CookieCheck::Rejected(e)) => {
                    reason = e;
                    continue;
                }
                Err(_) => continue,
            };
            match self.validate(value.as_bytes(), candidate.scheme, ctx.kind).await {
                Ok(mut current) => {
                    span.record("user_id", current.user.id);
                    current.nonce_token = current_user::session_token(&cookies, config).to_owned();
                    return Ok(current);
                }
                Err(Rejection::Invalid(e)) => reason = e,
                Err(Rejection::Unavailable(e)) => return Err(e),
            }
        }
        tracing::debug!(reason = reason.code(), "no valid auth cookie");
        Err(ApiError::Unauthenticated)
    }

    /// The user re-read after a failed HMAC (see [`AuthService::validate`]): `None` when the
    /// per-user limit refuses a re-read, else the fresh row if the cookie matches it.
    async fn recheck(
        &self,
        cookie: &AuthCookie<'_>,
        scheme: Scheme,
        id: u64,
        now: i64,
    ) -> Option<Result<Arc<User>, Rejection>> {
        if !self.may_recheck(id).await {
            return None;
        }
        self.users.invalidate(id).await;
        let user = match self.users.by_login(cookie.username()).await {
            Ok(Some(user)) => user,
            Ok(None) => return Some(Err(CookieError::UnknownUser.into())),
            Err(e) => return Some(Err(Rejection::Unavailable(ApiError::Unavailable(e.into())))),
        };
        if let Err(e) = self.check_hmac(cookie, scheme, &user, now) {
            return Some(Err(e.into()));
        }
        metrics::counter!("wpgate_user_rechecks_total", "outcome" => "accepted").increment(1);
        Some(Ok(user))
    }

    /// `wp_validate_auth_cookie($value, $scheme)`.
    async fn validate(
        &self,
        value: &[u8],
        scheme: Scheme,
        kind: RequestKind,
    ) -> Result<CurrentUser, Rejection> {
        let now = self.now();
        let version = self.site.version;
        let value = std::str::from_utf8(value).map_err(|_| CookieError::Malformed)?;
        let cookie = AuthCookie::parse(value)?;
        cookie.check_expiry(now, kind, version)?;
        // This very cookie passed its HMAC against a row the user cache still holds (on this
        // thread): the lookup by login and the HMAC would give the same answer again.
        let user = match self.memo.checked_user(value.as_bytes(), scheme) {
            Some(row) if self.users.is_current(&row).await => row,
            _ => self.look_up_and_check(&cookie, value, scheme, now).await?,
        };
        let verifier = cookie.verifier();
        let session = self
            .sessions
            .get(user.id, &verifier, now)
            .await
            .map_err(|e| Rejection::Unavailable(e.into()))?
            .ok_or(CookieError::BadSessionToken)?;
        Ok(CurrentUser {
            user,
            scheme,
            expiration: cookie.expiration(),
            grace_period: cookie.in_grace_period(now),
            verifier,
            session,
            nonce_token: String::new(),
        })
    }

    /// `get_user_by('login')` and the HMAC check of `wp_validate_auth_cookie()`: the user the
    /// cookie names, if the cookie's HMAC matches that user's hash.
    async fn look_up_and_check(
        &self,
        cookie: &AuthCookie<'_>,
        value: &str,
        scheme: Scheme,
        now: i64,
    ) -> Result<Arc<User>, Rejection> {
        let user = self
            .users
            .by_login(cookie.username())
            .await
            .map_err(|e| Rejection::Unavailable(ApiError::Unavailable(e.into())))?
            .ok_or(CookieError::UnknownUser)?;
        match self.check_hmac(cookie, scheme, &user, now) {
            Ok(true) => {
                self.memo.cookie_passed(value.as_bytes(), scheme, &user);
                Ok(user)
            }
            Ok(false) => Ok(user),
            Err(e) => {
                // The cached row may predate a password change nobody announced (stock
                // WordPress, or its rehash at login): read it once more, at most once a second
                // per user, so a forged cookie cannot make every request a database read.
                if !matches!(e, CookieError::BadHmac) {
                    return Err(e.into());
                }
                // Boxed: the rare path's futures must not weigh on every validation's.
                Box::pin(self.recheck(cookie, scheme, user.id, now)).await.ok_or(e)?
            }
        }
    }

    /// The cookie's HMAC against `user`'s hash, with the current salts (`Ok(true)`) or, during
    /// a rotation, the previous ones (`Ok(false)`).
    fn check_hmac(
        &self,
        cookie: &AuthCookie<'_>,
        scheme: Scheme,
        user: &User,
        now: i64,
    ) -> Result<bool, CookieError> {
        let version = self.site.version;
        let pass = user.pass.to_str().ok_or(CookieError::BadHmac)?;
        match cookie.verify_hmac(&self.site.salts, scheme, pass, version) {
            Ok(()) => Ok(true),
            Err(CookieError::BadHmac) => match self.previous_salts_at(now) {
                // A cookie made before the salts were rotated (docs/operations.md).
                Some(previous) => {
                    cookie.verify_hmac(previous, scheme, pass, version)?;
                    metrics::counter!("wpgate_previous_salts_accepted_total", "kind" => "cookie")
                        .increment(1);
                    Ok(false)
                }
                None => Err(CookieError::BadHmac),
            },
            Err(e) => Err(e),
        }
    }

    /// Whether a cookie that failed its HMAC may re-read user `id` from the database: once
    /// a second per user, for at most [`RECHECKS_TRACKED`] users at a time.
    async fn may_recheck(&self, id: u64) -> bool {
        if self.rechecks.entry_count() >= RECHECKS_TRACKED {
            return false;
        }
        self.rechecks.entry(id).or_insert(()).await.is_fresh()
    }

    /// `wp_signon()`: checks the credentials, creates a session and returns the cookies
    /// `wp_set_auth_cookie()` sends.
    ///
    /// # Errors
    /// [`ApiError::InvalidCredentials`] for an unknown user or a wrong password (the same
    /// answer and the same work), `BadRequest` for empty fields, `Forbidden` for a spammer
    /// account (multisite), `Unavailable` when a dependency fails.
    #[instrument(skip_all, fields(user_id))]
    pub async fn login(&self, ctx: &RequestContext, form: LoginForm) -> Result<LoggedIn, ApiError> {
        use secrecy::ExposeSecret;
        let version = self.site.version;
        // wp_authenticate(): sanitize_user() on the name, trim() on the password.
        let rules = SanitizeRules::new(version).with_locale(self.site.locale.clone());
        let login = sanitize_user(form.log.as_str(), false, &rules);
        let password = Password::from(form.pwd.expose_secret()).trimmed();
        if login.is_empty() {
            return Err(ApiError::BadRequest("empty-username"));
        }
        if password.is_empty() {
            return Err(ApiError::BadRequest("empty-password"));
        }
        let ip = ctx.ip.as_deref();
        if let Err(e) = self.limiter.check(ip, &login).await {
            if matches!(e, ApiError::TooManyRequests { .. }) {
                self.audit.record(AuditEvent::new("login", "blocked", Actor::Anonymous).ip(ip));
            }
            return Err(e);
        }
        let mut user = match self.users.by_login(&login).await {
            Ok(Some(u)) => Some(u),
            Ok(None) if login.contains('@') => {
                self.users.by_email(&login).await.map_err(|e| ApiError::Unavailable(e.into()))?
            }
            Ok(None) => None,
            Err(e) => return Err(ApiError::Unavailable(e.into())),
        };
        let hash = user.as_ref().map_or_else(|| self.dummy_hash.clone(), |u| u.pass.clone());
        let matches = {
            let _permit = self.hash_permit().await?;
            verify_blocking(password.clone(), hash, version).await?
        };
        let known = user.as_ref().map(|u| u.id);
        let Some(found) = user.take().filter(|_| matches) else {
            tracing::info!(outcome = "invalid-credentials", "login failed");
            let mut event = AuditEvent::new("login", "invalid-credentials", Actor::Anonymous);
            event = event.ip(ip);
            if let Some(id) = known {
                event = event.user(id);
            }
            self.audit.record(event);
            self.limiter.failed(ip, &login).await?;
            return Err(ApiError::InvalidCredentials);
        };
        tracing::Span::current().record("user_id", found.id);
        if found.is_spammy() {
            tracing::info!(outcome = "spam", "login refused");
            self.audit.record(
                AuditEvent::new("login", "forbidden", Actor::Anonymous).user(found.id).ip(ip),
            );
            return Err(ApiError::Forbidden);
        }
        self.limiter.succeeded(&login).await?;
        let found = self.rehash_if_needed(found, password).await?;

        let now = self.now();
        let plan = AuthCookiePlan::new(&self.site.cookies, form.rememberme, None, ctx.https, now);
        let token = SessionToken::generate(&mut OsRng.unwrap_err());
        let ua = ctx.user_agent.as_deref().map(SessionOrigin::slashed);
        let origin = SessionOrigin {
            remote_addr: ctx.ip.as_deref(),
            user_agent: ua.as_deref(),
            attached: Vec::new(),
        };
        let session = Session::create(plan.expiration(), origin, now);
        self.sessions.update(found.id, &token.verifier(), &session, now).await?;
        let pass = found.pass.to_str().unwrap_or_default();
        let make = |scheme| {
            auth_cookie::generate(
                &self.site.salts,
                scheme,
                &found.login,
                pass,
                plan.expiration(),
                token.expose(),
                version,
            )
        };
        let cookies = plan.cookies(make(plan.scheme()), make(Scheme::LoggedIn));
        tracing::info!(outcome = "ok", remember = form.rememberme, "login");
        self.audit.record(AuditEvent::new("login", "ok", Actor::User).user(found.id).ip(ip));
        Ok(LoggedIn { user: found, cookies, expiration: plan.expiration() })
    }

    /// WordPress 6.8+ rehashes a password at login when `wp_password_needs_rehash()` says so;
    /// wpgate does it only when `rehash_on_login` is on (it writes `wp_users`).
    async fn rehash_if_needed(
        &self,
        user: Arc<User>,
        password: Password,
    ) -> Result<Arc<User>, ApiError> {
        let version = self.site.version;
        if !self.rehash_on_login || password::needs_rehash(&user.pass, version) != Some(true) {
            return Ok(user);
        }
        let permit = self.hash_permit().await?;
        let hash = tokio::task::spawn_blocking(move || {
            password::hash(&password, version, &mut OsRng.unwrap_err())
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
        drop(permit);
        self.users
            .set_password_hash(user.id, &hash)
            .await
            .map_err(|e| ApiError::Unavailable(e.into()))?;
        tracing::info!(user_id = user.id, "password rehashed at login");
        // Other instances hold the old row (and so accept the old cookies) until told.
        self.announce(InvalidationEvent::UserChanged(user.id)).await;
        let mut updated = (*user).clone();
        updated.pass = hash;
        Ok(Arc::new(updated))
    }

    /// `wp_logout()`: destroys the request's session (when it authenticates) and returns the
    /// cookies `wp_clear_auth_cookie()` sends.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot destroy the session (the client must not believe
    /// it is logged out when it is not).
    #[instrument(skip_all, fields(user_id))]
    pub async fn logout(&self, ctx: &RequestContext) -> Result<Vec<SetCookie>, ApiError> {
        let now = self.now();
        let user_id = match self.current_user(ctx).await {
            Ok(current) => {
                tracing::Span::current().record("user_id", current.user.id);
                let token = SessionToken::new(current.nonce_token.clone());
                // wp_destroy_current_session(): the logged_in cookie's token.
                let verifier = if current.nonce_token.is_empty() {
                    current.verifier
                } else {
                    token.verifier()
                };
                self.sessions.destroy(current.user.id, &verifier, now).await?;
                self.audit.record(
                    AuditEvent::new("logout", "ok", Actor::User)
                        .user(current.user.id)
                        .ip(ctx.ip.as_deref()),
                );
                self.announce(InvalidationEvent::SessionsChanged(current.user.id)).await;
                current.user.id
            }
            Err(ApiError::Unauthenticated) => 0,
            Err(e) => return Err(e),
        };
        Ok(cookies::clear_auth_cookies(&self.site.cookies, user_id, now))
    }

    /// Destroys every other session of the current user (`wp_destroy_other_sessions`).
    ///
    /// # Errors
    /// `Unavailable` when the store fails.
    pub async fn destroy_other_sessions(&self, current: &CurrentUser) -> Result<(), ApiError> {
        let now = self.now();
        self.sessions.destroy_others(current.user.id, &current.verifier, now).await?;
        self.announce(InvalidationEvent::SessionsChanged(current.user.id)).await;
        Ok(())
    }

    /// A user's live sessions, oldest expiration first (`WP_Session_Tokens::get_all`).
    ///
    /// # Errors
    /// `Unavailable` when the store fails.
    pub async fn list_sessions(&self, user_id: u64) -> Result<Vec<(Verifier, Session)>, ApiError> {
        Ok(self.sessions.list(user_id, self.now()).await?)
    }

    /// Destroys one session of a user; `false` when it is not one of their live sessions.
    ///
    /// # Errors
    /// `Unavailable` when the store fails.
    pub async fn revoke_session(
        &self,
        user_id: u64,
        verifier: &Verifier,
        actor: Actor,
        ip: Option<&str>,
    ) -> Result<bool, ApiError> {
        let now = self.now();
        let live = self.sessions.list(user_id, now).await?;
        if !live.iter().any(|(v, _)| v.ct_eq(verifier)) {
            self.audit
                .record(AuditEvent::new("session-revoke", "not-found", actor).user(user_id).ip(ip));
            return Ok(false);
        }
        self.sessions.destroy(user_id, verifier, now).await?;
        self.audit.record(AuditEvent::new("session-revoke", "ok", actor).user(user_id).ip(ip));
        self.announce(InvalidationEvent::SessionsChanged(user_id)).await;
        Ok(true)
    }

    /// Destroys every session of a user but `keep` (`wp_destroy_other_sessions`), or all of
    /// them (`destroy_all`) when `keep` is `None`; returns how many were destroyed.
    ///
    /// # Errors
    /// `Unavailable` when the store fails.
    pub async fn revoke_sessions(
        &self,
        user_id: u64,
        keep: Option<&Verifier>,
        actor: Actor,
        ip: Option<&str>,
    ) -> Result<usize, ApiError> {
        let now = self.now();
        let before = self.sessions.list(user_id, now).await?;
        let (event, destroyed) = match keep {
            Some(keep) => {
                self.sessions.destroy_others(user_id, keep, now).await?;
                let kept = before.iter().any(|(v, _)| v.ct_eq(keep));
                ("sessions-destroy-others", before.len() - usize::from(kept))
            }
            None => {
                self.sessions.destroy_all(user_id, now).await?;
                ("sessions-destroy-all", before.len())
            }
        };
        self.audit.record(AuditEvent::new(event, "ok", actor).user(user_id).ip(ip));
        self.announce(InvalidationEvent::SessionsChanged(user_id)).await;
        Ok(destroyed)
    }

    /// `wp_clear_auth_cookie()`'s cookies for `user_id`.
    pub fn clearing_cookies(&self, user_id: u64) -> Vec<SetCookie> {
        cookies::clear_auth_cookies(&self.site.cookies, user_id, self.now())
    }

    /// Publishes an event for the other instances; a failure is logged, not returned (the
    /// change itself is made, and the other instances' caches expire on their own).
    async fn announce(&self, event: InvalidationEvent) {
        if let Err(e) = self.sessions.announce(event).await {
            tracing::warn!(error = ?e, event = %event.to_message(), "cannot announce a change");
        }
    }

    async fn hash_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(HASH_PERMIT_WAIT, self.hash_permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(ApiError::Internal(e.into())),
            Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!("no password hashing slot free"))),
        }
    }

    /// The store, for session administration.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.sessions
    }

    /// The user directory.
    pub fn users(&self) -> &Arc<dyn UserDirectory> {
        &self.users
    }

    /// `wp_create_nonce($action)` for the current user.
    pub fn create_nonce(&self, current: Option<&CurrentUser>, action: &str) -> String {
        let clock = NonceClock { now: self.now(), nonce_life: self.site.nonce_life };
        let subject = subject(current);
        // Made once per session, action and tick on each thread (crate::memo).
        self.memo.nonce(subject.uid, subject.token, action, clock.tick(), || {
            nonce::create(&self.site.salts, action, subject, clock)
        })
    }

    /// `wp_verify_nonce($nonce, $action)` for the current user.
    pub fn verify_nonce(
        &self,
        current: Option<&CurrentUser>,
        nonce_value: &str,
        action: &str,
    ) -> Option<NonceAge> {
        let clock = NonceClock { now: self.now(), nonce_life: self.site.nonce_life };
        nonce::verify(&self.site.salts, nonce_value, action, subject(current), clock).or_else(
            || {
                let previous = self.previous_salts_at(clock.now)?;
                let age = nonce::verify(previous, nonce_value, action, subject(current), clock)?;
                metrics::counter!("wpgate_previous_salts_accepted_total", "kind" => "nonce")
                    .increment(1);
                Some(age)
            },
        )
    }
}

fn subject(current: Option<&CurrentUser>) -> NonceSubject<'_> {
    match current {
        Some(c) => NonceSubject { uid: c.user.id, token: &c.nonce_token },
        None => NonceSubject { uid: 0, token: "" },
    }
}

/// Password verification on the blocking pool: bcrypt and phpass take milliseconds, and must
/// not stall the request workers that validate cookies.
async fn verify_blocking(
    password: Password,
    hash: PasswordHash,
    version: WpVersion,
) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        password::verify(&password, &hash, version).unwrap_or(false)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

/// A hash of the site's default format, for unknown users.
fn dummy_hash(version: WpVersion) -> PasswordHash {
    let password = Password::from("wpgate dummy password for unknown users");
    password::hash(&password, version, &mut OsRng.unwrap_err())
        .unwrap_or_else(|_| PasswordHash::new(b"$P$BdummyhashdummyhashdummyhashXX".to_vec()))
}

/// `rememberme` is set when present and truthy (`forever`, `1`, `true`, `on`).
fn php_truthy<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    Ok(match <Option<Flag> as serde::Deserialize>::deserialize(d)? {
        None => false,
        Some(Flag::Bool(b)) => b,
        Some(Flag::Int(i)) => i != 0,
        Some(Flag::Text(s)) => !(s.is_empty() || s == "0" || s.eq_ignore_ascii_case("false")),
    })
}
