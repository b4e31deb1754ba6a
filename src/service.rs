//! The use-cases, combining the pure core with the user directory and the session store:
//! who is this request's user, log in, log out, nonces. Testable without HTTP.

use std::sync::Arc;

use rand::TryRngCore;
use rand::rngs::OsRng;
use tracing::instrument;
use wpgate_core::auth_cookie::{self, AuthCookie, CookieError, RequestKind, Scheme};
use wpgate_core::cookies::{self, AuthCookiePlan, RequestCookies, SetCookie};
use wpgate_core::nonce::{self, NonceAge, NonceClock, NonceSubject};
use wpgate_core::password::{self, Password, PasswordHash};
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};
use wpgate_core::users::{SanitizeRules, sanitize_user};
use wpgate_core::{WpVersion, current_user};

use crate::error::ApiError;
use crate::site::Site;
use crate::store::SessionStore;
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
}

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
        AuthService { site, users, sessions, clock, rehash_on_login, dummy_hash }
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
    // Debug level: this runs on every forward-auth request, and an enabled span costs its
    // field formatting each time (scripts/bench, docs/performance.md "Service").
    #[instrument(level = "debug", skip_all, fields(user_id))]
    pub async fn current_user(&self, ctx: &RequestContext) -> Result<CurrentUser, ApiError> {
        let cookies = RequestCookies::parse(&ctx.cookie_header).magic_quoted();
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
                    tracing::Span::current().record("user_id", current.user.id);
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
        let user = self
            .users
            .by_login(cookie.username())
            .await
            .map_err(|e| Rejection::Unavailable(ApiError::Unavailable(e.into())))?
            .ok_or(CookieError::UnknownUser)?;
        let pass = user.pass.to_str().ok_or(CookieError::BadHmac)?;
        cookie.verify_hmac(&self.site.salts, scheme, pass, version)?;
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
        let mut user = match self.users.by_login(&login).await {
            Ok(Some(u)) => Some(u),
            Ok(None) if login.contains('@') => {
                self.users.by_email(&login).await.map_err(|e| ApiError::Unavailable(e.into()))?
            }
            Ok(None) => None,
            Err(e) => return Err(ApiError::Unavailable(e.into())),
        };
        let hash = user.as_ref().map_or_else(|| self.dummy_hash.clone(), |u| u.pass.clone());
        let matches = verify_blocking(password.clone(), hash, version).await?;
        let Some(found) = user.take().filter(|_| matches) else {
            tracing::info!(outcome = "invalid-credentials", "login failed");
            return Err(ApiError::InvalidCredentials);
        };
        tracing::Span::current().record("user_id", found.id);
        if found.is_spammy() {
            tracing::info!(outcome = "spam", "login refused");
            return Err(ApiError::Forbidden);
        }
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
        let hash = tokio::task::spawn_blocking(move || {
            password::hash(&password, version, &mut OsRng.unwrap_err())
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
        self.users
            .set_password_hash(user.id, &hash)
            .await
            .map_err(|e| ApiError::Unavailable(e.into()))?;
        tracing::info!(user_id = user.id, "password rehashed at login");
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
        Ok(())
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
        nonce::create(&self.site.salts, action, subject(current), clock)
    }

    /// `wp_verify_nonce($nonce, $action)` for the current user.
    pub fn verify_nonce(
        &self,
        current: Option<&CurrentUser>,
        nonce_value: &str,
        action: &str,
    ) -> Option<NonceAge> {
        let clock = NonceClock { now: self.now(), nonce_life: self.site.nonce_life };
        nonce::verify(&self.site.salts, nonce_value, action, subject(current), clock)
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
