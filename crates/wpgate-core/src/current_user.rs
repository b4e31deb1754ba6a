//! Who a request is: the `determine_current_user` filter with WordPress's default callbacks,
//! and `wp_get_session_token()` (wp-includes/user.php, wp-includes/pluggable.php).
//!
//! # The model
//! WordPress resolves the current user once per request, lazily, by running the
//! `determine_current_user` filter from `false`. Its cookie callbacks are:
//!
//! 1. priority 10, `wp_validate_auth_cookie()` with no arguments: the *auth* cookie chosen by
//!    `is_ssl()`, `wordpress_sec_{hash}` (scheme `secure_auth`) on https and `wordpress_{hash}`
//!    (scheme `auth`) on http;
//! 2. priority 20, `wp_validate_logged_in_cookie()`: if nobody was found yet and the request is
//!    not a blog or network admin screen, `wordpress_logged_in_{hash}` with scheme `logged_in`.
//!
//! So on the front end (and in the REST API, `admin-ajax.php` and `admin-post.php`, which do
//! not define `WP_BLOG_ADMIN`) the logged-in cookie authenticates, while wp-admin screens
//! accept only the auth cookie of the request's scheme: an `auth` cookie sent over https, or a
//! `secure_auth` cookie sent over http, is ignored there. XML-RPC requests never look at
//! cookies (`_wp_get_current_user()`). The third default callback, application passwords over
//! HTTP Basic (5.6+, API requests only), is not a cookie and is not handled here.
//!
//! Each cookie goes through [`auth_cookie::validate`] (parse, expiry with the POST/AJAX grace
//! hour, user lookup, HMAC, live session), so this module only decides *which* cookies are
//! consulted and in which order; [`resolve`] runs them, [`candidates`] exposes the decision
//! for callers whose user lookup or session check is asynchronous.
//!
//! # What WordPress reads
//! The cookie values are those of `$_COOKIE` **after** `wp_magic_quotes()`: pass
//! [`RequestCookies::magic_quoted`], not the raw parse. PHP's `empty()` decides whether a
//! cookie is there at all, so a value of `""` or `"0"` counts as absent.

use std::fmt;

use crate::WpVersion;
use crate::auth_cookie::{self, CookieError, CookieUser, RequestKind, Scheme, Validated};
use crate::cookies::{CookieConfig, RequestCookies};
use crate::salts::Salts;
use crate::session_tokens::Verifier;

/// Which kind of wp-admin screen a request is, as `is_blog_admin()` / `is_network_admin()` see
/// it during `determine_current_user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Area {
    /// Not a wp-admin screen: the front end, the REST API, `admin-ajax.php`, `admin-post.php`,
    /// wp-login.php. The logged-in cookie is accepted.
    #[default]
    Front,
    /// A site's wp-admin screen (`WP_BLOG_ADMIN`, set by wp-admin/admin.php): auth cookie only.
    BlogAdmin,
    /// A multisite network admin screen (`WP_NETWORK_ADMIN`, wp-admin/network/): auth cookie
    /// only.
    NetworkAdmin,
    /// A multisite user admin screen (`WP_USER_ADMIN`, wp-admin/user/). Neither blog nor
    /// network admin, so the logged-in cookie is accepted there, as in WordPress.
    UserAdmin,
}

impl Area {
    /// Whether `wp_validate_logged_in_cookie()` refuses to look at the logged-in cookie here
    /// (`is_blog_admin() || is_network_admin()`).
    pub const fn ignores_logged_in_cookie(self) -> bool {
        matches!(self, Area::BlogAdmin | Area::NetworkAdmin)
    }
}

/// What current-user resolution needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `$_COOKIE` as WordPress's auth code reads it: [`RequestCookies::magic_quoted`].
    pub cookies: &'a RequestCookies,
    /// `is_ssl()` (see [`crate::cookies::is_ssl`]).
    pub https: bool,
    /// Which wp-admin screen, if any.
    pub area: Area,
    /// POST / AJAX, for the grace hour.
    pub kind: RequestKind,
    /// `XMLRPC_REQUEST` (xmlrpc.php): cookies are not consulted at all.
    pub xmlrpc: bool,
}

impl<'a> Request<'a> {
    /// A front-end GET request, not XML-RPC.
    pub fn new(cookies: &'a RequestCookies, https: bool) -> Self {
        Request { cookies, https, area: Area::Front, kind: RequestKind::GET, xmlrpc: false }
    }

    /// The scheme of the auth cookie consulted first: `secure_auth` on https, else `auth`
    /// (`wp_parse_auth_cookie()` with an empty scheme).
    pub const fn auth_scheme(&self) -> Scheme {
        if self.https { Scheme::SecureAuth } else { Scheme::Auth }
    }
}

/// A request's user and the cookie that authenticated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser<U> {
    /// The scheme of the accepted cookie (`auth`, `secure_auth` or `logged_in`).
    pub scheme: Scheme,
    /// The validated cookie: user, session verifier, expiration, grace flag.
    pub validated: Validated<U>,
}

impl<U> CurrentUser<U> {
    /// The user.
    pub fn user(&self) -> &U {
        &self.validated.user
    }
}

/// What became of one of the two cookies WordPress consults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieCheck {
    /// Not consulted: an XML-RPC request, the logged-in cookie on a blog/network admin screen,
    /// or the logged-in cookie after the auth cookie already gave the user.
    Skipped,
    /// Not sent, or empty by PHP's `empty()` (`""`, `"0"`). For the auth cookie WordPress
    /// still fires `auth_cookie_malformed`.
    Missing,
    /// Sent and rejected, for this reason.
    Rejected(CookieError),
}

impl fmt::Display for CookieCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieCheck::Skipped => f.write_str("skipped"),
            CookieCheck::Missing => f.write_str("missing"),
            CookieCheck::Rejected(e) => f.write_str(e.code()),
        }
    }
}

/// No user: what happened to each cookie (`determine_current_user` returned `false`).
///
/// The HTTP layer should treat every instance alike (an anonymous request); the detail is for
/// logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not logged in ({auth_scheme} cookie {auth}, logged_in cookie {logged_in})")]
#[non_exhaustive]
pub struct NotLoggedIn {
    /// The scheme of the auth cookie that was consulted (by `is_ssl()`).
    pub auth_scheme: Scheme,
    /// The auth (or secure_auth) cookie.
    pub auth: CookieCheck,
    /// The logged-in cookie.
    pub logged_in: CookieCheck,
}

impl NotLoggedIn {
    /// The last rejection WordPress recorded, the most specific reason for a log line: the
    /// logged-in cookie's if it was rejected, else the auth cookie's.
    pub fn rejection(&self) -> Option<(Scheme, CookieError)> {
        match (self.auth, self.logged_in) {
            (_, CookieCheck::Rejected(e)) => Some((Scheme::LoggedIn, e)),
            (CookieCheck::Rejected(e), _) => Some((self.auth_scheme, e)),
            _ => None,
        }
    }
}

/// One cookie WordPress would validate, in order: its scheme and its value, or why there is
/// nothing to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The scheme the cookie is validated with.
    pub scheme: Scheme,
    /// The (slashed) cookie value to pass to [`auth_cookie::validate`], or the outcome
    /// already known without validating ([`CookieCheck::Skipped`], [`CookieCheck::Missing`],
    /// or [`CookieCheck::Rejected`] for a value that cannot be a cookie).
    pub value: Result<&'a str, CookieCheck>,
}

/// The two cookies `determine_current_user` consults for `request`, in order: the auth cookie
/// chosen by `is_ssl()`, then the logged-in cookie (skipped on blog and network admin
/// screens). Validate them in order and stop at the first success; [`resolve`] does exactly
/// that with synchronous callbacks.
///
/// An array-valued cookie (`wordpress_logged_in_…[x]=…`) makes PHP 8 throw a `TypeError` in
/// `explode()` (the request dies with an error page); a value that is not UTF-8 cannot have
/// been issued by WordPress (logins are utf8mb4 text, tokens alphanumeric). Both are reported
/// as [`CookieError::Malformed`] rejections: nobody is logged in, as in WordPress.
#[doc(alias = "wp_parse_auth_cookie")]
pub fn candidates<'a>(request: &Request<'a>, config: &CookieConfig) -> [Candidate<'a>; 2] {
    let auth_scheme = request.auth_scheme();
    let value = |scheme: Scheme| -> Result<&'a str, CookieCheck> {
        if request.xmlrpc {
            return Err(CookieCheck::Skipped);
        }
        cookie_value(request.cookies, config.cookie_name(scheme))
    };
    let logged_in = if request.area.ignores_logged_in_cookie() {
        Err(CookieCheck::Skipped)
    } else {
        value(Scheme::LoggedIn)
    };
    [
        Candidate { scheme: auth_scheme, value: value(auth_scheme) },
        Candidate { scheme: Scheme::LoggedIn, value: logged_in },
    ]
}

/// The current user of a request, as WordPress's default `determine_current_user` callbacks
/// find it: `wp_validate_auth_cookie()` on the auth cookie of the request's scheme, then
/// `wp_validate_logged_in_cookie()`.
///
/// `find_user` and `session_is_live` are those of [`auth_cookie::validate`] (the login as the
/// cookie spells it; the user and the token's verifier); each may be called once per cookie.
///
/// # Errors
/// [`NotLoggedIn`], with the outcome of each cookie.
///
/// # Examples
/// ```
/// use wpgate_core::auth_cookie::{self, CookieUser, Scheme};
/// use wpgate_core::cookies::{CookieConfig, CookieSettings, RequestCookies, raw_url_encode};
/// use wpgate_core::current_user::{self, Area, CookieCheck, Request};
/// use wpgate_core::salts::{SaltSources, Salts, SecretConstant};
/// use wpgate_core::WpVersion;
///
/// #[derive(Debug)]
/// struct User(&'static str);
/// impl CookieUser for User {
///     fn user_pass(&self) -> &str { self.0 }
/// }
/// # let mut sources = SaltSources::default();
/// # for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
/// #     sources.constants.define(c, format!("secret {i}"));
/// # }
/// # let salts = Salts::resolve(&sources).unwrap();
/// let config = CookieConfig::new(&CookieSettings::new("https://example.com", "https://example.com"));
/// let (v, now, hash) = (WpVersion::LATEST, 1_772_382_187, "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61");
/// let token = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
/// let value = auth_cookie::generate(&salts, Scheme::LoggedIn, "alice", hash, now + 60, token, v);
/// let header = format!("{}={}", config.logged_in_cookie(), raw_url_encode(value.as_bytes()));
/// let cookies = RequestCookies::parse(header).magic_quoted();
///
/// let mut request = Request::new(&cookies, true);
/// let find = |login: &str| (login == "alice").then_some(User(hash));
/// let found = current_user::resolve(&request, &config, &salts, now, v, find, |_, _| true);
/// assert_eq!(found.unwrap().scheme, Scheme::LoggedIn);
///
/// // wp-admin accepts only the auth cookie.
/// request.area = Area::BlogAdmin;
/// let err = current_user::resolve(&request, &config, &salts, now, v, find, |_, _| true);
/// assert_eq!(err.unwrap_err().logged_in, CookieCheck::Skipped);
/// ```
#[doc(alias = "determine_current_user")]
#[doc(alias = "wp_validate_logged_in_cookie")]
#[doc(alias = "wp_get_current_user")]
pub fn resolve<U: CookieUser>(
    request: &Request<'_>,
    config: &CookieConfig,
    salts: &Salts,
    now: i64,
    version: WpVersion,
    mut find_user: impl FnMut(&str) -> Option<U>,
    mut session_is_live: impl FnMut(&U, &Verifier) -> bool,
) -> Result<CurrentUser<U>, NotLoggedIn> {
    let [auth, logged_in] = candidates(request, config);
    let mut check = |candidate: Candidate<'_>| -> Result<CurrentUser<U>, CookieCheck> {
        let value = candidate.value?;
        auth_cookie::validate(
            value,
            candidate.scheme,
            salts,
            now,
            request.kind,
            version,
            &mut find_user,
            &mut session_is_live,
        )
        .map(|validated| CurrentUser { scheme: candidate.scheme, validated })
        .map_err(CookieCheck::Rejected)
    };
    let auth_check = match check(auth) {
        Ok(user) => return Ok(user),
        Err(e) => e,
    };
    match check(logged_in) {
        Ok(user) => Ok(user),
        Err(logged_in) => {
            Err(NotLoggedIn { auth_scheme: request.auth_scheme(), auth: auth_check, logged_in })
        }
    }
}

/// `wp_get_session_token()`: the token field of the request's logged-in cookie, or `""`.
///
/// The cookie is only split, never validated (WordPress uses this for nonces and for
/// "log out everywhere else" even when the logged-in cookie is not what authenticated the
/// request). `""` when the cookie is missing, does not have four fields, or its token is
/// empty by PHP's `empty()` (`""`, `"0"`); also for an array-valued or non-UTF-8 cookie,
/// which cannot carry a session WordPress issued.
#[doc(alias = "wp_get_session_token")]
pub fn session_token<'a>(cookies: &'a RequestCookies, config: &CookieConfig) -> &'a str {
    let value = cookie_value(cookies, config.logged_in_cookie()).ok();
    crate::nonce::session_token_of(value)
}

/// `$_COOKIE[$name]` as `wp_parse_auth_cookie()` takes it: `Missing` when PHP's `empty()` is
/// true, `Rejected(Malformed)` for what `explode()` cannot split.
fn cookie_value<'a>(cookies: &'a RequestCookies, name: &str) -> Result<&'a str, CookieCheck> {
    let Some(value) = cookies.get(name) else { return Err(CookieCheck::Missing) };
    let malformed = CookieCheck::Rejected(CookieError::Malformed);
    match value.as_bytes() {
        Some(b"" | b"0") => Err(CookieCheck::Missing),
        Some(bytes) => std::str::from_utf8(bytes).map_err(|_| malformed),
        // `empty(array())` is true; a non-empty array reaches explode() and throws.
        None if value.as_array().is_some_and(|a| a.is_empty()) => Err(CookieCheck::Missing),
        None => Err(malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::{CookieSettings, raw_url_encode};
    use crate::salts::{SaltSources, SecretConstant};

    const HASH: &str = "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61";
    const TOKEN: &str = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
    const NOW: i64 = 1_772_382_187;

    struct User;
    impl CookieUser for User {
        fn user_pass(&self) -> &str {
            HASH
        }
    }

    fn salts() -> Salts {
        let mut sources = SaltSources::default();
        for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
            sources.constants.define(c, format!("secret {i}"));
        }
        Salts::resolve(&sources).unwrap()
    }

    fn config() -> CookieConfig {
        CookieConfig::new(&CookieSettings::new("http://example.com/wp", "http://example.com"))
    }

    fn cookie(scheme: Scheme, expiration: i64) -> String {
        auth_cookie::generate(&salts(), scheme, "alice", HASH, expiration, TOKEN, WpVersion::LATEST)
    }

    fn header(pairs: &[(&str, &str)]) -> RequestCookies {
        let text: Vec<String> =
            pairs.iter().map(|(n, v)| format!("{n}={}", raw_url_encode(v.as_bytes()))).collect();
        RequestCookies::parse(text.join("; ")).magic_quoted()
    }

    fn run(request: &Request<'_>) -> Result<Scheme, NotLoggedIn> {
        resolve(request, &config(), &salts(), NOW, WpVersion::LATEST, |_| Some(User), |_, _| true)
            .map(|c| c.scheme)
    }

    #[test]
    fn auth_cookie_of_the_request_scheme_comes_first() {
        let c = config();
        let cookies = header(&[
            (c.logged_in_cookie(), &cookie(Scheme::LoggedIn, NOW)),
            (c.auth_cookie(), &cookie(Scheme::Auth, NOW)),
            (c.secure_auth_cookie(), &cookie(Scheme::SecureAuth, NOW)),
        ]);
        assert_eq!(run(&Request::new(&cookies, false)), Ok(Scheme::Auth));
        assert_eq!(run(&Request::new(&cookies, true)), Ok(Scheme::SecureAuth));
    }

    #[test]
    fn admin_screens_ignore_the_logged_in_cookie() {
        let c = config();
        let cookies = header(&[(c.logged_in_cookie(), &cookie(Scheme::LoggedIn, NOW))]);
        let mut request = Request::new(&cookies, false);
        for (area, accepted) in [
            (Area::Front, true),
            (Area::UserAdmin, true),
            (Area::BlogAdmin, false),
            (Area::NetworkAdmin, false),
        ] {
            request.area = area;
            assert_eq!(run(&request).is_ok(), accepted, "{area:?}");
        }
        request.area = Area::BlogAdmin;
        let err = run(&request).unwrap_err();
        assert_eq!((err.auth, err.logged_in), (CookieCheck::Missing, CookieCheck::Skipped));
        assert_eq!(err.rejection(), None);
    }

    #[test]
    fn a_cookie_of_the_other_scheme_is_not_consulted() {
        let c = config();
        let cookies = header(&[(c.auth_cookie(), &cookie(Scheme::Auth, NOW))]);
        let mut request = Request::new(&cookies, true);
        request.area = Area::BlogAdmin;
        let err = run(&request).unwrap_err();
        assert_eq!(err.auth_scheme, Scheme::SecureAuth);
        assert_eq!(err.auth, CookieCheck::Missing);
    }

    #[test]
    fn both_failures_are_reported() {
        let c = config();
        let cookies = header(&[
            (c.auth_cookie(), "a|b|c"),
            (c.logged_in_cookie(), &cookie(Scheme::LoggedIn, NOW - 1)),
        ]);
        let err = run(&Request::new(&cookies, false)).unwrap_err();
        assert_eq!(err.auth, CookieCheck::Rejected(CookieError::Malformed));
        assert_eq!(err.logged_in, CookieCheck::Rejected(CookieError::Expired));
        assert_eq!(err.rejection(), Some((Scheme::LoggedIn, CookieError::Expired)));
        assert_eq!(
            err.to_string(),
            "not logged in (auth cookie malformed, logged_in cookie expired)"
        );
        // POST: the grace hour applies to whichever cookie is validated.
        let mut post = Request::new(&cookies, false);
        post.kind = RequestKind::POST;
        assert_eq!(run(&post), Ok(Scheme::LoggedIn));
    }

    #[test]
    fn xmlrpc_requests_ignore_cookies() {
        let c = config();
        let cookies = header(&[(c.logged_in_cookie(), &cookie(Scheme::LoggedIn, NOW))]);
        let mut request = Request::new(&cookies, false);
        request.xmlrpc = true;
        let err = run(&request).unwrap_err();
        assert_eq!((err.auth, err.logged_in), (CookieCheck::Skipped, CookieCheck::Skipped));
    }

    #[test]
    fn empty_zero_and_array_cookies_follow_php() {
        let c = config();
        let name = c.logged_in_cookie();
        let check = |header: String| {
            let cookies = RequestCookies::parse(header).magic_quoted();
            run(&Request::new(&cookies, false)).unwrap_err().logged_in
        };
        assert_eq!(check(format!("{name}=")), CookieCheck::Missing);
        assert_eq!(check(format!("{name}=0")), CookieCheck::Missing);
        assert_eq!(check(format!("{name}[a]=x")), CookieCheck::Rejected(CookieError::Malformed));
        assert_eq!(check(format!("{name}=%FF")), CookieCheck::Rejected(CookieError::Malformed));
        assert_eq!(check(format!("{name}=00")), CookieCheck::Rejected(CookieError::Malformed));
    }

    #[test]
    fn session_token_is_the_unvalidated_third_field() {
        let c = config();
        let name = c.logged_in_cookie();
        let token = |pairs: &[(&str, &str)]| session_token(&header(pairs), &c).to_owned();
        assert_eq!(token(&[(name, "x|1|tok|h")]), "tok");
        assert_eq!(token(&[(name, "x|1|0|h")]), "");
        assert_eq!(token(&[(name, "x|1|tok")]), "");
        assert_eq!(token(&[(c.auth_cookie(), "x|1|tok|h")]), "");
        assert_eq!(token(&[]), "");
    }
}
