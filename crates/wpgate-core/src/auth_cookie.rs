//! The auth cookies: `wp_generate_auth_cookie()`, `wp_parse_auth_cookie()` and
//! `wp_validate_auth_cookie()` (wp-includes/pluggable.php).
//!
//! # Anatomy
//! ```text
//! alice|1772554987|ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45|8dbd3b23…6b6f392578
//! login  expiration  session token (43)                          hmac (64 lowercase hex)
//!
//! pass_frag = 4 bytes of the user's password hash (which 4: see pass_frag())
//! key       = wp_hash(login|pass_frag|expiration|token, scheme)        32 hex chars, HMAC-MD5
//! hmac      = hex(HMAC-SHA256(key, login|expiration|token))
//! ```
//! The scheme (`auth`, `secure_auth`, `logged_in`) picks the salt, so a cookie is valid for
//! one scheme only. Because the key mixes in part of the password hash, any change of the
//! hash (a new password, or WordPress 6.8 rehashing at login) invalidates every cookie.
//!
//! # Validation order
//! WordPress checks, in this order, and so does [`validate`]: the cookie has four `|`-separated
//! fields ([`CookieError::Malformed`]); it has not expired, with one hour of grace for POST and
//! AJAX requests ([`CookieError::Expired`]); the user exists ([`CookieError::UnknownUser`]); the
//! HMAC matches, compared as lowercase hex text in constant time ([`CookieError::BadHmac`]);
//! the session token is live ([`CookieError::BadSessionToken`]). The steps are also public on
//! [`AuthCookie`] for callers whose user lookup or session check is asynchronous.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::WpVersion;
use crate::php;
use crate::salts::{SaltScheme, Salts};
use crate::session_tokens::Verifier;

/// One hour of grace for POST and AJAX requests (`HOUR_IN_SECONDS`).
pub const GRACE_SECONDS: i64 = 3600;

/// The three cookie schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `auth`: the `wordpress_<hash>` cookie, sent over plain http.
    Auth,
    /// `secure_auth`: the `wordpress_sec_<hash>` cookie, sent over https.
    SecureAuth,
    /// `logged_in`: the `wordpress_logged_in_<hash>` cookie, for the front end.
    LoggedIn,
}

impl Scheme {
    /// WordPress's name of the scheme.
    pub const fn as_str(self) -> &'static str {
        self.salt_scheme().as_str()
    }

    /// The scheme named `name` (`auth`, `secure_auth`, `logged_in`).
    pub fn from_name(name: &str) -> Option<Scheme> {
        match name {
            "auth" => Some(Scheme::Auth),
            "secure_auth" => Some(Scheme::SecureAuth),
            "logged_in" => Some(Scheme::LoggedIn),
            _ => None,
        }
    }

    /// The salt this scheme's cookies are keyed with.
    pub const fn salt_scheme(self) -> SaltScheme {
        match self {
            Scheme::Auth => SaltScheme::Auth,
            Scheme::SecureAuth => SaltScheme::SecureAuth,
            Scheme::LoggedIn => SaltScheme::LoggedIn,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a cookie is not valid; each variant is the WordPress action fired for it.
///
/// The HTTP layer should answer all of them alike; they exist for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CookieError {
    /// Not exactly four `|`-separated fields, or empty (`auth_cookie_malformed`).
    #[error("malformed auth cookie")]
    Malformed,
    /// Expired, grace included (`auth_cookie_expired`).
    #[error("auth cookie expired")]
    Expired,
    /// No user with the cookie's login (`auth_cookie_bad_username`).
    #[error("auth cookie names an unknown user")]
    UnknownUser,
    /// The HMAC does not match (`auth_cookie_bad_hash`): tampered, wrong scheme or changed
    /// password.
    #[error("auth cookie HMAC mismatch")]
    BadHmac,
    /// No live session for the token (`auth_cookie_bad_session_token`).
    #[error("auth cookie session token is not live")]
    BadSessionToken,
}

impl CookieError {
    /// The WordPress action that reports this failure.
    pub const fn hook(self) -> &'static str {
        match self {
            CookieError::Malformed => "auth_cookie_malformed",
            CookieError::Expired => "auth_cookie_expired",
            CookieError::UnknownUser => "auth_cookie_bad_username",
            CookieError::BadHmac => "auth_cookie_bad_hash",
            CookieError::BadSessionToken => "auth_cookie_bad_session_token",
        }
    }

    /// A short stable code (`malformed`, `expired`, `unknown-user`, `bad-hmac`, `bad-token`).
    pub const fn code(self) -> &'static str {
        match self {
            CookieError::Malformed => "malformed",
            CookieError::Expired => "expired",
            CookieError::UnknownUser => "unknown-user",
            CookieError::BadHmac => "bad-hmac",
            CookieError::BadSessionToken => "bad-token",
        }
    }
}

/// What the validator needs to know about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestKind {
    /// `$_SERVER['REQUEST_METHOD'] === 'POST'`.
    pub post: bool,
    /// `wp_doing_ajax()` (admin-ajax.php).
    pub ajax: bool,
}

impl RequestKind {
    /// A GET (or any non-POST, non-AJAX) request.
    pub const GET: RequestKind = RequestKind { post: false, ajax: false };
    /// A POST request.
    pub const POST: RequestKind = RequestKind { post: true, ajax: false };

    /// Whether the one-hour grace applies.
    pub const fn has_grace(self) -> bool {
        self.post || self.ajax
    }
}

/// The four fields of an auth cookie, borrowed from the cookie value.
///
/// Parsing only splits (as `wp_parse_auth_cookie`); the fields are kept as received because
/// the HMAC covers their exact text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthCookie<'a> {
    username: &'a str,
    expiration: &'a str,
    token: &'a str,
    hmac: &'a str,
    /// `username|expiration|token`: the text the HMAC signs, a prefix of the value.
    signed: &'a str,
}

impl<'a> AuthCookie<'a> {
    /// Splits `value` on every `|`; exactly four fields are required.
    ///
    /// # Errors
    /// [`CookieError::Malformed`] for an empty value or any other number of fields (so a login
    /// containing `|` can never authenticate, as in WordPress).
    #[doc(alias = "wp_parse_auth_cookie")]
    pub fn parse(value: &'a str) -> Result<AuthCookie<'a>, CookieError> {
        // explode('|') must give exactly four pieces: exactly three separators (`|` is ASCII,
        // so every split point is a char boundary; `find` runs memchr).
        let next = |from: usize| {
            let rest = value.get(from..)?;
            rest.find('|').map(|i| from + i)
        };
        let a = next(0).ok_or(CookieError::Malformed)?;
        let b = next(a + 1).ok_or(CookieError::Malformed)?;
        let c = next(b + 1).ok_or(CookieError::Malformed)?;
        if next(c + 1).is_some() {
            return Err(CookieError::Malformed);
        }
        let field = |range: std::ops::Range<usize>| value.get(range).ok_or(CookieError::Malformed);
        Ok(AuthCookie {
            username: field(0..a)?,
            expiration: field(a + 1..b)?,
            token: field(b + 1..c)?,
            hmac: field(c + 1..value.len())?,
            signed: field(0..c)?,
        })
    }

    /// The login as the cookie spells it (the HMAC covers this exact text).
    pub fn username(&self) -> &'a str {
        self.username
    }

    /// The expiration text as received.
    pub fn expiration_text(&self) -> &'a str {
        self.expiration
    }

    /// The expiration as WordPress 6.8+ reads it (`(int)` cast; non-numeric text is 0).
    pub fn expiration(&self) -> i64 {
        php::int_cast(self.expiration)
    }

    /// The session token.
    ///
    /// # Security
    /// A bearer secret; do not log it.
    pub fn token(&self) -> &'a str {
        self.token
    }

    /// The verifier of the cookie's session token.
    pub fn verifier(&self) -> Verifier {
        Verifier::of(self.token)
    }

    /// The HMAC field as received.
    pub fn hmac(&self) -> &'a str {
        self.hmac
    }

    /// Step 2 of validation: the expiry check, with an hour of grace for POST/AJAX.
    ///
    /// WordPress 6.8+ casts the expiration to an integer first; earlier versions compare the
    /// raw text with PHP 8's rules, so a non-numeric expiration passes this step on GET (and
    /// fails later at the HMAC), while on POST PHP 8 throws a `TypeError` (a 500 page): here
    /// that is [`CookieError::Malformed`].
    ///
    /// # Errors
    /// [`CookieError::Expired`] (or `Malformed`, see above).
    pub fn check_expiry(
        &self,
        now: i64,
        request: RequestKind,
        version: WpVersion,
    ) -> Result<(), CookieError> {
        let grace = if request.has_grace() { GRACE_SECONDS } else { 0 };
        let expired = if version.at_least(WpVersion::V6_8) {
            let limit = self.expiration().checked_add(grace);
            // PHP turns an overflowing int into a float, which is never below `now`.
            limit.is_some_and(|limit| limit < now)
        } else if request.has_grace() {
            php::string_plus_int(self.expiration, grace).ok_or(CookieError::Malformed)?.lt_int(now)
        } else {
            php::string_lt_int(self.expiration, now)
        };
        if expired { Err(CookieError::Expired) } else { Ok(()) }
    }

    /// Whether a valid cookie is inside its grace hour (`$GLOBALS['login_grace_period']`).
    pub fn in_grace_period(&self, now: i64) -> bool {
        // Every version compares the raw text here (PHP 8 string/int comparison).
        php::string_lt_int(self.expiration, now)
    }

    /// Step 4 of validation: recomputes the HMAC with the found user's password hash and
    /// compares it, as lowercase hex text in constant time, with the cookie's.
    ///
    /// # Errors
    /// [`CookieError::BadHmac`] on mismatch (an upper-case HMAC is a mismatch, as in PHP).
    pub fn verify_hmac(
        &self,
        salts: &Salts,
        scheme: Scheme,
        user_pass: &str,
        version: WpVersion,
    ) -> Result<(), CookieError> {
        let frag = pass_frag(user_pass, version);
        let expected = hmac_hex(salts, scheme, self.username.len(), frag, self.signed.as_bytes());
        // hash_equals(): a length difference is a mismatch; equal lengths compare in constant
        // time. The text is compared, so re-encoded hex ("ABCD…") fails exactly as in PHP.
        if hex_equals(&expected, self.hmac.as_bytes()) { Ok(()) } else { Err(CookieError::BadHmac) }
    }
}

impl fmt::Debug for AuthCookie<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthCookie")
            .field("username", &self.username)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// The four bytes of the password hash mixed into the cookie key.
///
/// Up to 6.7, bytes 8..12 of any hash. From 6.8, bytes 8..12 only for phpass (`$P$`) and
/// vanilla bcrypt (`$2y$`) hashes, and the **last** four bytes for everything else (`$wp$2y$`,
/// MD5, argon2, ...): cookies of those users are not interchangeable between 6.7 and 6.8.
/// Offsets are bytes, as PHP's `substr`: a short hash gives a short fragment.
pub fn pass_frag(user_pass: &str, version: WpVersion) -> &[u8] {
    let b = user_pass.as_bytes();
    let middle = || b.get(8..b.len().min(12)).unwrap_or_default();
    if !version.at_least(WpVersion::V6_8) || b.starts_with(b"$P$") || b.starts_with(b"$2y$") {
        middle()
    } else {
        b.get(b.len().saturating_sub(4)..).unwrap_or_default()
    }
}

/// `wp_generate_auth_cookie()`: the cookie value (unencoded) for a user and session.
///
/// # Examples
/// ```
/// use wpgate_core::auth_cookie::{self, AuthCookie, RequestKind, Scheme};
/// use wpgate_core::salts::{SaltSources, Salts, SecretConstant};
/// use wpgate_core::WpVersion;
///
/// let mut sources = SaltSources::default();
/// for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
///     sources.constants.define(c, format!("secret {i}"));
/// }
/// let salts = Salts::resolve(&sources).unwrap();
/// let hash = "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61";
/// let token = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
/// let v = WpVersion::LATEST;
/// let value = auth_cookie::generate(&salts, Scheme::LoggedIn, "admin", hash, 1772554987, token, v);
/// let cookie = AuthCookie::parse(&value).unwrap();
/// assert!(cookie.verify_hmac(&salts, Scheme::LoggedIn, hash, v).is_ok());
/// assert!(cookie.verify_hmac(&salts, Scheme::Auth, hash, v).is_err());
/// ```
#[doc(alias = "wp_generate_auth_cookie")]
pub fn generate(
    salts: &Salts,
    scheme: Scheme,
    user_login: &str,
    user_pass: &str,
    expiration: i64,
    token: &str,
    version: WpVersion,
) -> String {
    let expiration = expiration.to_string();
    let mut cookie =
        String::with_capacity(user_login.len() + expiration.len() + token.len() + 3 + 64);
    for part in [user_login, "|", &expiration, "|", token] {
        cookie.push_str(part);
    }
    let frag = pass_frag(user_pass, version);
    let hmac = hmac_hex(salts, scheme, user_login.len(), frag, cookie.as_bytes());
    cookie.push('|');
    cookie.push_str(std::str::from_utf8(&hmac).unwrap_or_default());
    cookie
}

/// A cookie that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated<U> {
    /// The user the cookie belongs to.
    pub user: U,
    /// The session's verifier.
    pub verifier: Verifier,
    /// The cookie's expiration (integer form).
    pub expiration: i64,
    /// Inside the POST/AJAX grace hour (`login_grace_period`).
    pub grace_period: bool,
}

/// A user record as the validator needs it.
pub trait CookieUser {
    /// `wp_users.user_pass`: the password hash.
    fn user_pass(&self) -> &str;
}

/// `wp_validate_auth_cookie()` with the user lookup and the session check supplied by the
/// caller, in WordPress's order.
///
/// `find_user` receives the login as the cookie spells it; WordPress looks it up with
/// `get_user_by('login')` (sanitized, collation-insensitive), while the HMAC always uses the
/// cookie's text. `session_is_live` receives the user and the token's verifier and must say
/// whether a session with `expiration >= now` is stored.
///
/// # Errors
/// The first failing check, as a [`CookieError`].
#[doc(alias = "wp_validate_auth_cookie")]
#[allow(clippy::too_many_arguments)]
pub fn validate<U: CookieUser>(
    value: &str,
    scheme: Scheme,
    salts: &Salts,
    now: i64,
    request: RequestKind,
    version: WpVersion,
    find_user: impl FnOnce(&str) -> Option<U>,
    session_is_live: impl FnOnce(&U, &Verifier) -> bool,
) -> Result<Validated<U>, CookieError> {
    let cookie = AuthCookie::parse(value)?;
    cookie.check_expiry(now, request, version)?;
    let user = find_user(cookie.username()).ok_or(CookieError::UnknownUser)?;
    cookie.verify_hmac(salts, scheme, user.user_pass(), version)?;
    let verifier = cookie.verifier();
    if !session_is_live(&user, &verifier) {
        return Err(CookieError::BadSessionToken);
    }
    Ok(Validated {
        user,
        verifier,
        expiration: cookie.expiration(),
        grace_period: cookie.in_grace_period(now),
    })
}

/// The HMAC of a cookie as 64 lowercase hex bytes, without heap allocation.
///
/// `signed` is `username|expiration|token`, the text HMAC-SHA256 covers, and `username_len`
/// the length of its first field; the key's message `username|frag|expiration|token` is fed
/// from the same bytes around the fragment (fewer `update` calls: this is the hot path).
fn hmac_hex(
    salts: &Salts,
    scheme: Scheme,
    username_len: usize,
    frag: &[u8],
    signed: &[u8],
) -> [u8; 64] {
    // key = wp_hash(username|frag|expiration|token, scheme): hex of HMAC-MD5, with the salt's
    // key schedule precomputed.
    let mut key_mac = salts.salt(scheme.salt_scheme()).mac();
    key_mac.update(signed.get(..=username_len).unwrap_or_default()); // "username|"
    key_mac.update(frag);
    key_mac.update(signed.get(username_len..).unwrap_or_default()); // "|expiration|token"
    let mut key = [0u8; 32];
    php::hex_lower(&key_mac.finalize().into_bytes(), &mut key);

    // hmac = hash_hmac('sha256', username|expiration|token, key): the key is the hex text.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(signed);
    let mut out = [0u8; 64];
    php::hex_lower(&mac.finalize().into_bytes(), &mut out);
    out
}

/// PHP `hash_equals($expected, $given)` for a 64-byte expected value: a different length is a
/// mismatch (PHP returns early too); equal lengths are compared in constant time, eight bytes
/// at a time with no data-dependent branch, and the verdict goes through `subtle`.
fn hex_equals(expected: &[u8; 64], given: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    let word = |chunk: &[u8]| u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
    let diff = expected
        .chunks_exact(8)
        .zip(given.chunks_exact(8))
        .fold(0u64, |acc, (e, g)| acc | (word(e) ^ word(g)));
    bool::from(diff.ct_eq(&0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salts::{SaltSources, SecretConstant};

    fn salts() -> Salts {
        let mut sources = SaltSources::default();
        for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
            sources.constants.define(c, format!("secret {i}"));
        }
        Salts::resolve(&sources).unwrap()
    }

    const HASH: &str = "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61";
    const TOKEN: &str = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";

    #[test]
    fn parse_requires_exactly_four_fields() {
        assert_eq!(AuthCookie::parse(""), Err(CookieError::Malformed));
        assert_eq!(AuthCookie::parse("a|1|t"), Err(CookieError::Malformed));
        assert_eq!(AuthCookie::parse("a|1|t|h|x"), Err(CookieError::Malformed));
        let c = AuthCookie::parse("a|1|t|h").unwrap();
        assert_eq!((c.username(), c.expiration_text(), c.token(), c.hmac()), ("a", "1", "t", "h"));
        assert_eq!(AuthCookie::parse("|||").unwrap().username(), "");
    }

    #[test]
    fn upper_case_hmac_is_rejected() {
        let s = salts();
        let v = WpVersion::LATEST;
        let value = generate(&s, Scheme::Auth, "alice", HASH, 2_000_000_000, TOKEN, v);
        let upper = format!(
            "{}|{}",
            &value[..value.rfind('|').unwrap()],
            value.rsplit('|').next().unwrap().to_uppercase()
        );
        let cookie = AuthCookie::parse(&upper).unwrap();
        assert_eq!(cookie.verify_hmac(&s, Scheme::Auth, HASH, v), Err(CookieError::BadHmac));
    }

    #[test]
    fn pass_frag_follows_the_68_rule() {
        let old = WpVersion::new(6, 7, 2);
        let new = WpVersion::V6_8;
        let wp = "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa";
        assert_eq!(pass_frag(HASH, old), b"k3r7");
        assert_eq!(pass_frag(HASH, new), b"k3r7");
        assert_eq!(pass_frag(wp, old), b"0$T/");
        assert_eq!(pass_frag(wp, new), b"ftYa");
        assert_eq!(pass_frag("d94872a41fa7251125a83ed57276f1c9", new), b"f1c9");
        assert_eq!(pass_frag("short", old), b"");
        assert_eq!(pass_frag("123456789", old), b"9");
        assert_eq!(pass_frag("", new), b"");
    }

    #[test]
    fn expiry_grace_applies_to_post_and_ajax_only() {
        let c = AuthCookie::parse("a|1000|t|h").unwrap();
        let v = WpVersion::LATEST;
        assert_eq!(c.check_expiry(1000, RequestKind::GET, v), Ok(()));
        assert_eq!(c.check_expiry(1001, RequestKind::GET, v), Err(CookieError::Expired));
        assert_eq!(c.check_expiry(4600, RequestKind::POST, v), Ok(()));
        assert_eq!(c.check_expiry(4601, RequestKind::POST, v), Err(CookieError::Expired));
        let ajax = RequestKind { post: false, ajax: true };
        assert_eq!(c.check_expiry(4600, ajax, v), Ok(()));
        assert!(c.in_grace_period(1001));
        assert!(!c.in_grace_period(1000));
    }

    #[test]
    fn non_numeric_expiration_differs_before_and_after_68() {
        let c = AuthCookie::parse("a|abc|t|h").unwrap();
        let now = 1_772_382_187;
        assert_eq!(
            c.check_expiry(now, RequestKind::GET, WpVersion::V6_8),
            Err(CookieError::Expired)
        );
        let old = WpVersion::new(6, 7, 2);
        assert_eq!(c.check_expiry(now, RequestKind::GET, old), Ok(()));
        assert_eq!(c.check_expiry(now, RequestKind::POST, old), Err(CookieError::Malformed));
    }

    #[test]
    fn validate_reports_the_first_failing_check() {
        struct U;
        impl CookieUser for U {
            fn user_pass(&self) -> &str {
                HASH
            }
        }
        let s = salts();
        let v = WpVersion::LATEST;
        let value = generate(&s, Scheme::Auth, "alice", HASH, 2000, TOKEN, v);
        let run = |now, found: bool, live: bool| {
            validate(
                &value,
                Scheme::Auth,
                &s,
                now,
                RequestKind::GET,
                v,
                |_| found.then_some(U),
                |_, _| live,
            )
            .map(|ok| ok.expiration)
        };
        assert_eq!(run(2000, true, true), Ok(2000));
        assert_eq!(run(2001, true, true), Err(CookieError::Expired));
        assert_eq!(run(2000, false, true), Err(CookieError::UnknownUser));
        assert_eq!(run(2000, true, false), Err(CookieError::BadSessionToken));
    }
}
