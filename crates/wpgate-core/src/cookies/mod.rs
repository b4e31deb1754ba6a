//! WordPress's cookies on the wire: names, paths and domain, the exact `Set-Cookie` headers
//! PHP writes, and how PHP and WordPress read the `Cookie` header back.
//!
//! A login leaves two cookies (three names) in the browser, all carrying an auth cookie value
//! `user_login|expiration|token|hmac` (see the `auth_cookie` module for the value itself):
//!
//! | cookie | path | sent to |
//! |---|---|---|
//! | `wordpress_{hash}` (http) or `wordpress_sec_{hash}` (https) | `ADMIN_COOKIE_PATH`, `PLUGINS_COOKIE_PATH` | wp-admin, plugin files |
//! | `wordpress_logged_in_{hash}` | `COOKIEPATH`, `SITECOOKIEPATH` | the whole site |
//!
//! * [`CookieConfig`] derives `COOKIEHASH`, the names, the paths and `COOKIE_DOMAIN` from the
//!   site's `siteurl`/`home` options and `wp-config.php` constants (`wp_cookie_constants()`,
//!   `ms_cookie_constants()`, wp-includes/default-constants.php).
//! * [`SetCookie`] renders one `setcookie()` call byte for byte as PHP 8.2 does
//!   (`rawurlencode`d value, `expires`/`Max-Age`, attribute order).
//! * [`AuthCookiePlan`] is `wp_set_auth_cookie()`, [`clear_auth_cookies`] is
//!   `wp_clear_auth_cookie()` and [`test_cookies`] is wp-login.php's test cookie
//!   (wp-includes/pluggable.php, wp-login.php).
//! * [`RequestCookies`] is PHP's `$_COOKIE` for a `Cookie` header, and its
//!   [`magic_quoted`](RequestCookies::magic_quoted) view is what WordPress's auth code reads
//!   after `wp_magic_quotes()`; [`is_ssl`] is WordPress's https test.
//!
//! Everything is pure: the clock comes in as `now` (PHP `time()`).

mod auth;
mod config;
pub mod input;
mod php;
mod request;
mod set_cookie;

pub use auth::{
    AuthCookiePlan, GRACE_EXTENSION, REMEMBER_LIFETIME, SESSION_LIFETIME, TEST_COOKIE_VALUE,
    YEAR_IN_SECONDS, clear_auth_cookies, settings_cookie_name, settings_time_cookie_name,
    test_cookies,
};
pub use config::{CookieConfig, CookieConstants, CookieHash, CookieSettings, Multisite};
pub(crate) use input::add_slashes;
pub use request::{RequestCookies, is_ssl};
pub use set_cookie::{SameSite, SetCookie, raw_url_decode, raw_url_encode};

pub(crate) use php::{loose_eq, string_greater_than_int};

/// The three auth cookie schemes; each has its own cookie name and salt.
pub use crate::auth_cookie::Scheme;

/// A cookie PHP's `setcookie()` would refuse to send (it throws a `ValueError`, so the request
/// fails in WordPress).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetCookieError {
    /// The cookie name is empty.
    #[error("cookie name is empty")]
    EmptyName,
    /// The name contains one of `=,; \t\r\n\x0b\x0c`.
    #[error("cookie name {name:?} contains one of \"=,; \\t\\r\\n\\013\\014\"")]
    InvalidName {
        /// The refused name.
        name: String,
    },
    /// The path contains one of `,; \t\r\n\x0b\x0c`.
    #[error("cookie path {path:?} contains one of \",; \\t\\r\\n\\013\\014\"")]
    InvalidPath {
        /// The refused path.
        path: String,
    },
    /// The domain contains one of `,; \t\r\n\x0b\x0c`.
    #[error("cookie domain {domain:?} contains one of \",; \\t\\r\\n\\013\\014\"")]
    InvalidDomain {
        /// The refused domain.
        domain: String,
    },
    /// The expiry is after the year 9999.
    #[error("cookie expiry {expires} is after the year 9999")]
    ExpiresTooLate {
        /// The refused Unix time.
        expires: i64,
    },
    /// A NUL byte in a field that goes into the header unencoded.
    #[error("cookie {field} contains a NUL byte")]
    NulByte {
        /// `name`, `path` or `domain`.
        field: &'static str,
    },
}
