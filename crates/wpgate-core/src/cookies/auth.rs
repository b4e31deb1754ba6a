//! The cookies `wp_set_auth_cookie()`, `wp_clear_auth_cookie()` (wp-includes/pluggable.php)
//! and wp-login.php's test cookie send, in WordPress's order.
//!
//! Setting is split so the caller can compute the cookie values in between:
//! [`AuthCookiePlan::new`] fixes the expiration and the scheme (auth or secure_auth), the caller
//! generates the auth and logged-in values for them (the `auth_cookie` module's job), and
//! [`AuthCookiePlan::cookies`] lays out the `Set-Cookie` list.

use super::{CookieConfig, Scheme, SetCookie};
use crate::WpVersion;

/// Two days: the session-cookie login lifetime (`2 * DAY_IN_SECONDS`).
pub const SESSION_LIFETIME: i64 = 2 * 86_400;
/// Fourteen days: the "Remember Me" lifetime (`14 * DAY_IN_SECONDS`).
pub const REMEMBER_LIFETIME: i64 = 14 * 86_400;
/// Twelve hours past the expiration a remembered cookie is kept, for the login grace period.
pub const GRACE_EXTENSION: i64 = 12 * 3_600;
/// `YEAR_IN_SECONDS`: cleared cookies expire this long before now.
pub const YEAR_IN_SECONDS: i64 = 365 * 86_400;

/// The decisions `wp_set_auth_cookie()` makes before it generates any cookie value.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::{AuthCookiePlan, CookieConfig, CookieSettings, Scheme};
/// let config = CookieConfig::new(&CookieSettings::new(
///     "https://example.com/wordpress",
///     "https://example.com",
/// ));
/// let now = 1_772_382_187;
/// // remember = true, secure = '' (follow the request), an https request:
/// let plan = AuthCookiePlan::new(&config, true, None, true, now);
/// assert_eq!(plan.expiration(), now + 14 * 86_400);
/// assert_eq!(plan.expire(), Some(now + 14 * 86_400 + 43_200));
/// assert_eq!(plan.scheme(), Scheme::SecureAuth);
/// // ... generate the two values for plan.expiration() and plan.scheme(), then:
/// let cookies = plan.cookies("auth-value", "logged-in-value");
/// assert_eq!(cookies.len(), 4);
/// assert_eq!(cookies[0].path(), "/wordpress/wp-content/plugins");
/// ```
#[derive(Debug, Clone)]
pub struct AuthCookiePlan<'a> {
    config: &'a CookieConfig,
    now: i64,
    remember: bool,
    lifetime: i64,
    secure: bool,
    secure_logged_in: bool,
}

impl<'a> AuthCookiePlan<'a> {
    /// `wp_set_auth_cookie($user_id, $remember, $secure)` at `now`.
    ///
    /// `secure` is the `$secure` argument: `None` for its default `''`, which means
    /// `is_ssl()` of the request (`request_https`). The logged-in cookie is secure only when
    /// `secure` is and the `home` URL is https.
    #[doc(alias = "wp_set_auth_cookie")]
    pub fn new(
        config: &'a CookieConfig,
        remember: bool,
        secure: Option<bool>,
        request_https: bool,
        now: i64,
    ) -> Self {
        let secure = secure.unwrap_or(request_https);
        AuthCookiePlan {
            config,
            now,
            remember,
            lifetime: if remember { REMEMBER_LIFETIME } else { SESSION_LIFETIME },
            secure,
            secure_logged_in: secure && config.home_is_https(),
        }
    }

    /// Replaces the lifetime (what an `auth_cookie_expiration` filter returns).
    pub fn with_lifetime(mut self, seconds: i64) -> Self {
        self.lifetime = seconds;
        self
    }

    /// Replaces `secure` after the logged-in rule was applied (the `secure_auth_cookie`
    /// filter): it picks the auth cookie and scheme but leaves the logged-in flag alone.
    pub fn with_secure_auth_cookie(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Replaces the logged-in cookie's secure flag (the `secure_logged_in_cookie` filter).
    pub fn with_secure_logged_in_cookie(mut self, secure: bool) -> Self {
        self.secure_logged_in = secure;
        self
    }

    /// `$expiration`: the time written into both cookie values (now + 2 or 14 days).
    pub fn expiration(&self) -> i64 {
        self.now.saturating_add(self.lifetime)
    }

    /// `$expire`: the browser expiry, `expiration + 12 h` when remembered, else `None`
    /// (a browser-session cookie, PHP `0`).
    pub fn expire(&self) -> Option<i64> {
        self.remember.then(|| self.expiration().saturating_add(GRACE_EXTENSION))
    }

    /// The scheme of the auth cookie: [`Scheme::SecureAuth`] when secure, else [`Scheme::Auth`].
    pub fn scheme(&self) -> Scheme {
        if self.secure { Scheme::SecureAuth } else { Scheme::Auth }
    }

    /// The auth cookie's name (`SECURE_AUTH_COOKIE` or `AUTH_COOKIE`).
    pub fn auth_cookie_name(&self) -> &'a str {
        self.config.cookie_name(self.scheme())
    }

    /// Whether the auth cookie carries `secure`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Whether the logged-in cookie carries `secure`.
    pub fn is_logged_in_secure(&self) -> bool {
        self.secure_logged_in
    }

    /// The `Set-Cookie`s in WordPress's order: the auth cookie at `PLUGINS_COOKIE_PATH` and
    /// `ADMIN_COOKIE_PATH`, the logged-in cookie at `COOKIEPATH` and, when different,
    /// `SITECOOKIEPATH`. All HttpOnly, all with `COOKIE_DOMAIN`.
    ///
    /// # Security
    /// The values are bearer credentials; the returned cookies must go to this client only.
    pub fn cookies(
        &self,
        auth_value: impl AsRef<[u8]>,
        logged_in_value: impl AsRef<[u8]>,
    ) -> Vec<SetCookie> {
        let config = self.config;
        let cookie = |name: &str, value: &[u8], path: &str, secure: bool| {
            SetCookie::new(name, value)
                .with_expires(self.expire())
                .with_path(path)
                .with_domain(config.domain_attribute())
                .with_secure(secure)
                .with_http_only(true)
        };
        let auth = auth_value.as_ref();
        let logged_in = logged_in_value.as_ref();
        let name = self.auth_cookie_name();
        let mut out = vec![
            cookie(name, auth, config.plugins_cookie_path(), self.secure),
            cookie(name, auth, config.admin_cookie_path(), self.secure),
            cookie(
                config.logged_in_cookie(),
                logged_in,
                config.cookie_path(),
                self.secure_logged_in,
            ),
        ];
        if config.site_path_differs_loosely() {
            out.push(cookie(
                config.logged_in_cookie(),
                logged_in,
                config.site_cookie_path(),
                self.secure_logged_in,
            ));
        }
        out
    }
}

/// The `Set-Cookie`s of `wp_clear_auth_cookie()` (logout), in WordPress's order.
///
/// Every cookie is set to `" "` with an expiry a year before `now` and no flags.
/// `current_user_id` is `get_current_user_id()` at the time (0 when nobody is logged in), used
/// for the `wp-settings-{uid}` pair (4.8+), which is sent without a domain; the post-password
/// cookie is cleared from 4.9.
#[doc(alias = "wp_clear_auth_cookie")]
pub fn clear_auth_cookies(config: &CookieConfig, current_user_id: u64, now: i64) -> Vec<SetCookie> {
    let expired = Some(now.saturating_sub(YEAR_IN_SECONDS));
    let domain = config.domain_attribute();
    let clear = |name: &str, path: &str, domain: &str| {
        SetCookie::new(name, " ").with_expires(expired).with_path(path).with_domain(domain)
    };
    let (auth, secure_auth) = (config.auth_cookie(), config.secure_auth_cookie());
    let (admin, plugins) = (config.admin_cookie_path(), config.plugins_cookie_path());
    let (cookiepath, sitepath) = (config.cookie_path(), config.site_cookie_path());

    let mut out = vec![
        clear(auth, admin, domain),
        clear(secure_auth, admin, domain),
        clear(auth, plugins, domain),
        clear(secure_auth, plugins, domain),
        clear(config.logged_in_cookie(), cookiepath, domain),
        clear(config.logged_in_cookie(), sitepath, domain),
    ];
    if config.version().at_least(WpVersion::V4_8) {
        out.push(clear(&settings_cookie_name(current_user_id), sitepath, ""));
        out.push(clear(&settings_time_cookie_name(current_user_id), sitepath, ""));
    }
    out.extend([
        clear(auth, cookiepath, domain),
        clear(auth, sitepath, domain),
        clear(secure_auth, cookiepath, domain),
        clear(secure_auth, sitepath, domain),
        clear(config.user_cookie(), cookiepath, domain),
        clear(config.pass_cookie(), cookiepath, domain),
        clear(config.user_cookie(), sitepath, domain),
        clear(config.pass_cookie(), sitepath, domain),
    ]);
    if config.version().at_least(WpVersion::V4_9) {
        out.push(clear(&config.postpass_cookie(), cookiepath, domain));
    }
    out
}

/// The test cookie wp-login.php sets on every request: `wordpress_test_cookie` =
/// `WP Cookie check`, a session cookie at `COOKIEPATH` and, when different, `SITECOOKIEPATH`;
/// secure when the login URL is https (the request is, or `FORCE_SSL_ADMIN`); HttpOnly from 6.8.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::{test_cookies, CookieConfig, CookieSettings};
/// let config = CookieConfig::new(&CookieSettings::new("http://localhost:8080", "http://localhost:8080"));
/// let cookies = test_cookies(&config, false);
/// assert_eq!(
///     cookies[0].header_value(0).unwrap(),
///     "wordpress_test_cookie=WP%20Cookie%20check; path=/; HttpOnly"
/// );
/// ```
#[doc(alias = "wp-login.php")]
pub fn test_cookies(config: &CookieConfig, request_https: bool) -> Vec<SetCookie> {
    let secure = config.admin_is_https(request_https);
    let http_only = config.version().at_least(WpVersion::V6_8);
    let cookie = |path: &str| {
        SetCookie::new(config.test_cookie(), TEST_COOKIE_VALUE)
            .with_path(path)
            .with_domain(config.domain_attribute())
            .with_secure(secure)
            .with_http_only(http_only)
    };
    let mut out = vec![cookie(config.cookie_path())];
    if config.site_path_differs_strictly() {
        out.push(cookie(config.site_cookie_path()));
    }
    out
}

/// The test cookie's value.
pub const TEST_COOKIE_VALUE: &str = "WP Cookie check";

/// `wp-settings-{uid}`: the user's UI settings cookie.
pub fn settings_cookie_name(user_id: u64) -> String {
    format!("wp-settings-{user_id}")
}

/// `wp-settings-time-{uid}`: when the settings cookie was last written.
pub fn settings_time_cookie_name(user_id: u64) -> String {
    format!("wp-settings-time-{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::CookieSettings;

    const NOW: i64 = 1_772_382_187;

    fn s1(version: WpVersion) -> CookieConfig {
        let mut s = CookieSettings::new("https://example.com/wordpress", "https://example.com");
        s.version = version;
        CookieConfig::new(&s)
    }

    fn s2(version: WpVersion) -> CookieConfig {
        let mut s = CookieSettings::new("http://localhost:8080", "http://localhost:8080");
        s.version = version;
        CookieConfig::new(&s)
    }

    #[test]
    fn session_login_on_http_uses_the_plain_auth_cookie() {
        let config = s1(WpVersion::LATEST);
        let plan = AuthCookiePlan::new(&config, false, None, false, NOW);
        assert_eq!(plan.expiration(), NOW + 172_800);
        assert_eq!(plan.expire(), None);
        assert_eq!(plan.scheme(), Scheme::Auth);
        let cookies = plan.cookies("a|1|t|h", "l|1|t|h");
        let lines: Vec<String> = cookies.iter().map(|c| c.header_value(NOW).unwrap()).collect();
        assert_eq!(
            lines,
            [
                "wordpress_ecf7cf4c056b990f2ebbc1f8e341e361=a%7C1%7Ct%7Ch; path=/wordpress/wp-content/plugins; HttpOnly",
                "wordpress_ecf7cf4c056b990f2ebbc1f8e341e361=a%7C1%7Ct%7Ch; path=/wordpress/wp-admin; HttpOnly",
                "wordpress_logged_in_ecf7cf4c056b990f2ebbc1f8e341e361=l%7C1%7Ct%7Ch; path=/; HttpOnly",
                "wordpress_logged_in_ecf7cf4c056b990f2ebbc1f8e341e361=l%7C1%7Ct%7Ch; path=/wordpress/; HttpOnly",
            ]
        );
    }

    #[test]
    fn https_request_to_an_http_home_keeps_logged_in_cookie_insecure() {
        let config = s2(WpVersion::LATEST);
        let plan = AuthCookiePlan::new(&config, false, None, true, NOW);
        assert_eq!(plan.scheme(), Scheme::SecureAuth);
        assert!(plan.is_secure() && !plan.is_logged_in_secure());
        let cookies = plan.cookies("a", "l");
        assert_eq!(cookies.len(), 3, "COOKIEPATH equals SITECOOKIEPATH");
        assert!(!cookies[2].is_secure());
    }

    #[test]
    fn forced_secure_argument_wins_over_the_request() {
        let config = s1(WpVersion::LATEST);
        let plan = AuthCookiePlan::new(&config, false, Some(true), false, NOW);
        assert_eq!(plan.scheme(), Scheme::SecureAuth);
        assert!(plan.is_logged_in_secure());
        let plan = AuthCookiePlan::new(&config, true, Some(false), true, NOW);
        assert_eq!(plan.scheme(), Scheme::Auth);
        assert!(!plan.is_logged_in_secure());
    }

    #[test]
    fn filters_are_applied_in_wordpress_order() {
        let config = s1(WpVersion::LATEST);
        let plan = AuthCookiePlan::new(&config, true, Some(true), false, NOW)
            .with_lifetime(3600)
            .with_secure_auth_cookie(false);
        assert_eq!(plan.expiration(), NOW + 3600);
        assert_eq!(plan.expire(), Some(NOW + 3600 + 43_200));
        assert_eq!(plan.auth_cookie_name(), config.auth_cookie());
        assert!(plan.is_logged_in_secure(), "computed before the secure_auth_cookie filter");
    }

    #[test]
    fn clearing_follows_the_version() {
        let names = |v| {
            clear_auth_cookies(&s1(v), 7, NOW)
                .iter()
                .map(|c| c.name().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(WpVersion::LATEST).len(), 17);
        assert!(names(WpVersion::LATEST).contains(&"wp-settings-time-7".to_owned()));
        assert_eq!(names(WpVersion::new(4, 8, 0)).len(), 16);
        let v47 = names(WpVersion::new(4, 7, 0));
        assert_eq!(v47.len(), 14);
        assert!(!v47.iter().any(|n| n.starts_with("wp-")));
    }

    #[test]
    fn settings_cookies_are_cleared_without_domain() {
        let mut s = CookieSettings::new("https://example.com", "https://example.com");
        s.constants.cookie_domain = Some(".example.com".into());
        let cookies = clear_auth_cookies(&CookieConfig::new(&s), 0, NOW);
        for c in &cookies {
            let expected = if c.name().starts_with("wp-settings-") { "" } else { ".example.com" };
            assert_eq!(c.domain(), expected, "{}", c.name());
            assert_eq!(c.value(), b" ");
            assert!(!c.is_secure() && !c.is_http_only());
        }
        assert_eq!(cookies[6].name(), "wp-settings-0");
    }

    #[test]
    fn test_cookie_is_http_only_from_6_8_and_secure_with_forced_ssl_admin() {
        let old = test_cookies(&s1(WpVersion::new(6, 7, 2)), false);
        assert_eq!(old.len(), 2);
        assert!(old.iter().all(|c| c.is_secure() && !c.is_http_only()));
        let new = test_cookies(&s2(WpVersion::V6_8), false);
        assert_eq!(new.len(), 1);
        assert!(!new[0].is_secure() && new[0].is_http_only());
        assert!(test_cookies(&s2(WpVersion::V6_8), true)[0].is_secure());
    }
}
