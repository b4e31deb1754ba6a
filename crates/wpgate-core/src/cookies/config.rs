//! Cookie names, paths and domain as `wp_cookie_constants()` and `ms_cookie_constants()`
//! derive them (wp-includes/default-constants.php, ms-default-constants.php).
//!
//! Every constant may be predefined in `wp-config.php`, which wins; the rest comes from the
//! `siteurl` and `home` options, as `get_option()` returns them (so `WP_SITEURL` / `WP_HOME`,
//! with trailing slashes removed, replace the stored values):
//!
//! | constant | single site |
//! |---|---|
//! | `COOKIEHASH` | `md5(siteurl)`; `""` when siteurl is `""` or `"0"` |
//! | `AUTH_COOKIE` … | `wordpress_` ‖ hash, `wordpress_sec_`, `wordpress_logged_in_`, `wordpressuser_`, `wordpresspass_`, `wordpress_rec_`; `wordpress_test_cookie` |
//! | `COOKIEPATH` | `home ‖ "/"` with every `http(s)://host` removed |
//! | `SITECOOKIEPATH` | the same from `siteurl` |
//! | `ADMIN_COOKIE_PATH` | `SITECOOKIEPATH ‖ "wp-admin"` |
//! | `PLUGINS_COOKIE_PATH` | `WP_PLUGIN_URL` (default `siteurl/wp-content/plugins`) without host |
//! | `COOKIE_DOMAIN` | `false` before 6.6, `''` from 6.6: no `Domain` attribute either way |
//!
//! Multisite (`ms_cookie_constants()` runs first): `COOKIEHASH` hashes the **network**
//! `siteurl` option (stored with a trailing `/`), `COOKIEPATH` and `SITECOOKIEPATH` are the
//! network path, `ADMIN_COOKIE_PATH` is `SITECOOKIEPATH` for sub-directory networks or sites
//! whose URL has a path (else `SITECOOKIEPATH ‖ "wp-admin"`), and sub-domain networks get
//! `COOKIE_DOMAIN = "." ‖ (cookie_domain or domain)`.

use std::fmt;

use md5::{Digest, Md5};

use super::Scheme;
use super::php::loose_eq;
use crate::WpVersion;

/// `COOKIEHASH`: the suffix that makes a site's cookie names unique.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::CookieHash;
/// let h = CookieHash::from_siteurl("https://example.com/wordpress");
/// assert_eq!(h.as_str(), "ecf7cf4c056b990f2ebbc1f8e341e361");
/// assert_eq!(CookieHash::from_wp_siteurl("https://example.com/wordpress//"), h);
/// assert_eq!(CookieHash::from_siteurl("").as_str(), "");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CookieHash(String);

impl CookieHash {
    /// An explicit hash (a `COOKIEHASH` constant from `wp-config.php`).
    pub fn new(hash: impl Into<String>) -> Self {
        CookieHash(hash.into())
    }

    /// `md5(siteurl)` for the `siteurl` option exactly as stored; a falsy siteurl (`""`, `"0"`)
    /// gives an empty hash.
    pub fn from_siteurl(siteurl: &str) -> Self {
        if !php_truthy(siteurl) {
            return CookieHash(String::new());
        }
        CookieHash(hex::encode(Md5::digest(siteurl.as_bytes())))
    }

    /// The hash when the `WP_SITEURL` constant is defined: its value with trailing `/` and `\`
    /// removed (`untrailingslashit`), then [`CookieHash::from_siteurl`].
    pub fn from_wp_siteurl(wp_siteurl: &str) -> Self {
        Self::from_siteurl(untrailingslashit(wp_siteurl))
    }

    /// The hash text (32 lowercase hex digits, or whatever was configured).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CookieHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a site's cookie constants are derived from: its options, its WordPress version,
/// `wp-config.php` constants and, for a network, the multisite settings.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::{CookieConfig, CookieSettings};
/// use wpgate_core::WpVersion;
/// let mut s = CookieSettings::new("https://example.com/wordpress", "https://example.com");
/// s.version = WpVersion::new(6, 5, 0);
/// let c = CookieConfig::new(&s);
/// assert_eq!(c.site_cookie_path(), "/wordpress/");
/// assert_eq!(c.admin_cookie_path(), "/wordpress/wp-admin");
/// assert_eq!(c.cookie_domain(), None); // false before 6.6
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CookieSettings {
    /// The `siteurl` option as stored (`https://example.com/wordpress`).
    pub siteurl: String,
    /// The `home` option as stored (`https://example.com`).
    pub home: String,
    /// The WordPress release to behave like.
    pub version: WpVersion,
    /// Constants predefined in `wp-config.php`.
    pub constants: CookieConstants,
    /// Set for a multisite network.
    pub multisite: Option<Multisite>,
}

impl CookieSettings {
    /// Settings for a single site with no overriding constants, behaving like the latest release.
    pub fn new(siteurl: impl Into<String>, home: impl Into<String>) -> Self {
        CookieSettings { siteurl: siteurl.into(), home: home.into(), ..CookieSettings::default() }
    }
}

/// `wp-config.php` constants that override the derived cookie constants (`None` = not defined).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CookieConstants {
    /// `WP_SITEURL`: replaces the `siteurl` option (trailing slashes removed).
    pub wp_siteurl: Option<String>,
    /// `WP_HOME`: replaces the `home` option (trailing slashes removed).
    pub wp_home: Option<String>,
    /// `WP_CONTENT_URL` (default `siteurl/wp-content`).
    pub wp_content_url: Option<String>,
    /// `WP_PLUGIN_URL` (default `WP_CONTENT_URL/plugins`).
    pub wp_plugin_url: Option<String>,
    /// `COOKIEHASH`.
    pub cookiehash: Option<String>,
    /// `USER_COOKIE`.
    pub user_cookie: Option<String>,
    /// `PASS_COOKIE`.
    pub pass_cookie: Option<String>,
    /// `AUTH_COOKIE`.
    pub auth_cookie: Option<String>,
    /// `SECURE_AUTH_COOKIE`.
    pub secure_auth_cookie: Option<String>,
    /// `LOGGED_IN_COOKIE`.
    pub logged_in_cookie: Option<String>,
    /// `TEST_COOKIE`.
    pub test_cookie: Option<String>,
    /// `RECOVERY_MODE_COOKIE`.
    pub recovery_mode_cookie: Option<String>,
    /// `COOKIEPATH`.
    pub cookiepath: Option<String>,
    /// `SITECOOKIEPATH`.
    pub sitecookiepath: Option<String>,
    /// `ADMIN_COOKIE_PATH`.
    pub admin_cookie_path: Option<String>,
    /// `PLUGINS_COOKIE_PATH`.
    pub plugins_cookie_path: Option<String>,
    /// `COOKIE_DOMAIN`; `Some("")` also stands for `define('COOKIE_DOMAIN', false)`.
    pub cookie_domain: Option<String>,
    /// `FORCE_SSL_ADMIN` (default: the siteurl scheme is `https`).
    pub force_ssl_admin: Option<bool>,
}

/// The network a multisite site belongs to (`get_network()` and the network options).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Multisite {
    /// The network option `siteurl` (`wp_sitemeta`), as the installer stores it: the main
    /// site's URL with a trailing `/`.
    pub network_siteurl: String,
    /// `$current_network->domain` (`example.com`).
    pub domain: String,
    /// `$current_network->path` (`/`).
    pub path: String,
    /// `$current_network->cookie_domain`, when set.
    pub cookie_domain: Option<String>,
    /// `SUBDOMAIN_INSTALL`: sites are sub-domains rather than sub-directories.
    pub subdomain_install: bool,
}

impl Multisite {
    /// A network at `domain` + `path`, whose network `siteurl` option is
    /// `scheme://domain/path` as the network installer writes it (trailing `/`).
    pub fn new(
        network_siteurl: impl Into<String>,
        domain: impl Into<String>,
        path: impl Into<String>,
        subdomain_install: bool,
    ) -> Self {
        Multisite {
            network_siteurl: network_siteurl.into(),
            domain: domain.into(),
            path: path.into(),
            cookie_domain: None,
            subdomain_install,
        }
    }
}

/// A site's cookie constants, derived once as WordPress does at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    version: WpVersion,
    hash: CookieHash,
    user_cookie: String,
    pass_cookie: String,
    auth_cookie: String,
    secure_auth_cookie: String,
    logged_in_cookie: String,
    test_cookie: String,
    recovery_mode_cookie: String,
    cookiepath: String,
    sitecookiepath: String,
    admin_cookie_path: String,
    plugins_cookie_path: String,
    cookie_domain: Option<String>,
    home_is_https: bool,
    force_ssl_admin: bool,
    siteurl_takes_scheme: bool,
}

impl CookieConfig {
    /// Derives the constants from `settings` (`ms_cookie_constants()` for a network, then
    /// `wp_cookie_constants()`).
    #[doc(alias = "wp_cookie_constants")]
    #[doc(alias = "ms_cookie_constants")]
    pub fn new(settings: &CookieSettings) -> Self {
        let c = &settings.constants;
        // get_option('siteurl') / get_option('home'): _config_wp_siteurl() / _config_wp_home().
        let siteurl = c.wp_siteurl.as_deref().map_or(settings.siteurl.as_str(), untrailingslashit);
        let home = c.wp_home.as_deref().map_or(settings.home.as_str(), untrailingslashit);

        let network = settings.multisite.as_ref();
        let hash = match (&c.cookiehash, network) {
            (Some(h), _) => CookieHash::new(h.clone()),
            // get_site_option() reads the network option, which WP_SITEURL does not filter.
            (None, Some(ms)) => CookieHash::from_siteurl(&ms.network_siteurl),
            (None, None) => CookieHash::from_siteurl(siteurl),
        };
        let named = |constant: &Option<String>, prefix: &str| {
            constant.clone().unwrap_or_else(|| format!("{prefix}{}", hash.as_str()))
        };

        let cookiepath = c
            .cookiepath
            .clone()
            .or_else(|| network.map(|ms| ms.path.clone()))
            .unwrap_or_else(|| strip_url_hosts(&format!("{home}/")));
        let sitecookiepath = c
            .sitecookiepath
            .clone()
            .or_else(|| network.map(|ms| ms.path.clone()))
            .unwrap_or_else(|| strip_url_hosts(&format!("{siteurl}/")));
        let admin_cookie_path = c.admin_cookie_path.clone().unwrap_or_else(|| match network {
            Some(ms)
                if !ms.subdomain_install || php_truthy(url_path(siteurl).trim_matches('/')) =>
            {
                sitecookiepath.clone()
            }
            _ => format!("{sitecookiepath}wp-admin"),
        });
        let plugins_cookie_path = c.plugins_cookie_path.clone().unwrap_or_else(|| {
            let content_url =
                c.wp_content_url.clone().unwrap_or_else(|| format!("{siteurl}/wp-content"));
            let plugin_url =
                c.wp_plugin_url.clone().unwrap_or_else(|| format!("{content_url}/plugins"));
            strip_url_hosts(&plugin_url)
        });
        let cookie_domain = c
            .cookie_domain
            .clone()
            .or_else(|| {
                network.filter(|ms| ms.subdomain_install).map(|ms| {
                    match ms.cookie_domain.as_deref().filter(|d| php_truthy(d)) {
                        Some(d) => format!(".{d}"),
                        None => format!(".{}", ms.domain),
                    }
                })
            })
            .or_else(|| settings.version.at_least(WpVersion::V6_6).then(String::new));

        CookieConfig {
            version: settings.version,
            user_cookie: named(&c.user_cookie, "wordpressuser_"),
            pass_cookie: named(&c.pass_cookie, "wordpresspass_"),
            auth_cookie: named(&c.auth_cookie, "wordpress_"),
            secure_auth_cookie: named(&c.secure_auth_cookie, "wordpress_sec_"),
            logged_in_cookie: named(&c.logged_in_cookie, "wordpress_logged_in_"),
            test_cookie: c
                .test_cookie
                .clone()
                .unwrap_or_else(|| "wordpress_test_cookie".to_owned()),
            recovery_mode_cookie: named(&c.recovery_mode_cookie, "wordpress_rec_"),
            hash,
            cookiepath,
            sitecookiepath,
            admin_cookie_path,
            plugins_cookie_path,
            cookie_domain,
            home_is_https: url_scheme(home) == Some("https"),
            force_ssl_admin: c
                .force_ssl_admin
                .unwrap_or_else(|| url_scheme(siteurl) == Some("https")),
            siteurl_takes_scheme: takes_scheme(siteurl),
        }
    }

    /// The WordPress release these constants follow.
    pub fn version(&self) -> WpVersion {
        self.version
    }

    /// `COOKIEHASH`.
    #[doc(alias = "COOKIEHASH")]
    pub fn hash(&self) -> &CookieHash {
        &self.hash
    }

    /// `AUTH_COOKIE` (`wordpress_{hash}`): the auth cookie on plain-http requests.
    #[doc(alias = "AUTH_COOKIE")]
    pub fn auth_cookie(&self) -> &str {
        &self.auth_cookie
    }

    /// `SECURE_AUTH_COOKIE` (`wordpress_sec_{hash}`): the auth cookie on https requests.
    #[doc(alias = "SECURE_AUTH_COOKIE")]
    pub fn secure_auth_cookie(&self) -> &str {
        &self.secure_auth_cookie
    }

    /// `LOGGED_IN_COOKIE` (`wordpress_logged_in_{hash}`).
    #[doc(alias = "LOGGED_IN_COOKIE")]
    pub fn logged_in_cookie(&self) -> &str {
        &self.logged_in_cookie
    }

    /// `USER_COOKIE` (`wordpressuser_{hash}`, legacy: only ever cleared).
    #[doc(alias = "USER_COOKIE")]
    pub fn user_cookie(&self) -> &str {
        &self.user_cookie
    }

    /// `PASS_COOKIE` (`wordpresspass_{hash}`, legacy: only ever cleared).
    #[doc(alias = "PASS_COOKIE")]
    pub fn pass_cookie(&self) -> &str {
        &self.pass_cookie
    }

    /// `TEST_COOKIE` (`wordpress_test_cookie`).
    #[doc(alias = "TEST_COOKIE")]
    pub fn test_cookie(&self) -> &str {
        &self.test_cookie
    }

    /// `RECOVERY_MODE_COOKIE` (`wordpress_rec_{hash}`, 5.2+).
    #[doc(alias = "RECOVERY_MODE_COOKIE")]
    pub fn recovery_mode_cookie(&self) -> &str {
        &self.recovery_mode_cookie
    }

    /// The post-password cookie, `wp-postpass_{hash}`.
    pub fn postpass_cookie(&self) -> String {
        format!("wp-postpass_{}", self.hash.as_str())
    }

    /// The cookie carrying `scheme`'s auth cookie.
    pub fn cookie_name(&self, scheme: Scheme) -> &str {
        match scheme {
            Scheme::Auth => &self.auth_cookie,
            Scheme::SecureAuth => &self.secure_auth_cookie,
            Scheme::LoggedIn => &self.logged_in_cookie,
        }
    }

    /// `COOKIEPATH` (from `home`, e.g. `/`).
    #[doc(alias = "COOKIEPATH")]
    pub fn cookie_path(&self) -> &str {
        &self.cookiepath
    }

    /// `SITECOOKIEPATH` (from `siteurl`, e.g. `/wordpress/`).
    #[doc(alias = "SITECOOKIEPATH")]
    pub fn site_cookie_path(&self) -> &str {
        &self.sitecookiepath
    }

    /// `ADMIN_COOKIE_PATH` (e.g. `/wordpress/wp-admin`).
    #[doc(alias = "ADMIN_COOKIE_PATH")]
    pub fn admin_cookie_path(&self) -> &str {
        &self.admin_cookie_path
    }

    /// `PLUGINS_COOKIE_PATH` (e.g. `/wordpress/wp-content/plugins`).
    #[doc(alias = "PLUGINS_COOKIE_PATH")]
    pub fn plugins_cookie_path(&self) -> &str {
        &self.plugins_cookie_path
    }

    /// `COOKIE_DOMAIN` as WordPress defines it: `None` for `false` (the default before 6.6),
    /// `Some("")` from 6.6, `Some(".example.com")` on sub-domain networks.
    #[doc(alias = "COOKIE_DOMAIN")]
    pub fn cookie_domain(&self) -> Option<&str> {
        self.cookie_domain.as_deref()
    }

    /// The `domain=` attribute WordPress's cookies carry (`COOKIE_DOMAIN` when non-empty).
    pub fn domain_attribute(&self) -> &str {
        self.cookie_domain.as_deref().unwrap_or("")
    }

    /// Whether the `home` URL's scheme is exactly `https` (the logged-in cookie's secure rule).
    pub fn home_is_https(&self) -> bool {
        self.home_is_https
    }

    /// `FORCE_SSL_ADMIN`: defined, or true when the siteurl scheme is `https`.
    pub fn force_ssl_admin(&self) -> bool {
        self.force_ssl_admin
    }

    /// Whether `admin_url()` and `wp_login_url()` are https on a request whose `is_ssl()` is
    /// `request_https`: `set_url_scheme()` with the `admin`/`login` scheme picks https when the
    /// request is https or `FORCE_SSL_ADMIN`, provided the siteurl has a scheme to replace.
    pub fn admin_is_https(&self, request_https: bool) -> bool {
        self.siteurl_takes_scheme && (request_https || self.force_ssl_admin)
    }

    /// Whether `site_url()` (no scheme argument) is https: only when the request is.
    pub fn site_url_is_https(&self, request_https: bool) -> bool {
        self.siteurl_takes_scheme && request_https
    }

    /// PHP's `COOKIEPATH != SITECOOKIEPATH` (a loose comparison).
    pub(crate) fn site_path_differs_loosely(&self) -> bool {
        !loose_eq(self.sitecookiepath.as_bytes(), self.cookiepath.as_bytes())
    }

    /// PHP's `SITECOOKIEPATH !== COOKIEPATH`.
    pub(crate) fn site_path_differs_strictly(&self) -> bool {
        self.sitecookiepath != self.cookiepath
    }
}

/// `preg_replace('|https?://[^/]+|i', '', s)`: every scheme-and-host run removed.
fn strip_url_hosts(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match host_run_end(bytes, i) {
            Some(end) => {
                out.push_str(s.get(copied..i).unwrap_or_default());
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(s.get(copied..).unwrap_or_default());
    out
}

/// End of a `https?://[^/]+` match starting at `i` (case-insensitive), if one starts there.
fn host_run_end(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = bytes.get(i..)?;
    if !rest.get(..4)?.eq_ignore_ascii_case(b"http") {
        return None;
    }
    let mut k = 4;
    if rest.get(4).is_some_and(|b| b.eq_ignore_ascii_case(&b's')) && rest.get(5..8) == Some(b"://")
    {
        k = 5;
    }
    if rest.get(k..k + 3) != Some(b"://") {
        return None;
    }
    let host = rest.get(k + 3..)?.iter().take_while(|&&b| b != b'/').count();
    (host > 0).then_some(i + k + 3 + host)
}

/// `untrailingslashit()`: `rtrim($s, '/\\')`.
pub(crate) fn untrailingslashit(s: &str) -> &str {
    s.trim_end_matches(['/', '\\'])
}

/// PHP truthiness of a string: not `""` and not `"0"`.
pub(crate) fn php_truthy(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

/// `parse_url($url, PHP_URL_SCHEME)` for the URLs WordPress stores: the text before the first
/// `:` when it is a valid scheme (`[A-Za-z0-9+.-]+`) and not a `host:port` pair.
fn url_scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = url.get(..colon)?;
    if scheme.is_empty()
        || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    {
        return None;
    }
    let after = url.get(colon + 1..)?;
    if !after.starts_with("//") {
        // "localhost:8080/x" is a host and port, not a scheme.
        let port = after.split(['/', '?', '#']).next().unwrap_or_default();
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(scheme)
}

/// `parse_url($url, PHP_URL_PATH)` or `""`, for `scheme://host/path` URLs.
fn url_path(url: &str) -> &str {
    let after_authority = match url.find("://") {
        Some(pos) => {
            let rest = url.get(pos + 3..).unwrap_or_default();
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            rest.get(end..).unwrap_or_default()
        }
        None => url,
    };
    let end = after_authority.find(['?', '#']).unwrap_or(after_authority.len());
    after_authority.get(..end).unwrap_or_default()
}

/// Whether `set_url_scheme()` can put a scheme on the siteurl: after `trim()`, it starts with
/// `//` (made `http:`) or matches `^\w+://`.
fn takes_scheme(siteurl: &str) -> bool {
    let url = siteurl.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0b']);
    if url.starts_with("//") {
        return true;
    }
    let word = url.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    word > 0 && url.get(word..).is_some_and(|r| r.starts_with("://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(siteurl: &str, home: &str) -> CookieConfig {
        CookieConfig::new(&CookieSettings::new(siteurl, home))
    }

    #[test]
    fn subdirectory_install_gets_wordpress_paths() {
        let c = config("https://example.com/wordpress", "https://example.com");
        assert_eq!(c.hash().as_str(), "ecf7cf4c056b990f2ebbc1f8e341e361");
        assert_eq!(c.auth_cookie(), "wordpress_ecf7cf4c056b990f2ebbc1f8e341e361");
        assert_eq!(c.cookie_path(), "/");
        assert_eq!(c.site_cookie_path(), "/wordpress/");
        assert_eq!(c.admin_cookie_path(), "/wordpress/wp-admin");
        assert_eq!(c.plugins_cookie_path(), "/wordpress/wp-content/plugins");
        assert_eq!(c.cookie_domain(), Some(""));
        assert!(c.home_is_https() && c.force_ssl_admin());
    }

    #[test]
    fn host_runs_are_removed_case_insensitively_everywhere() {
        assert_eq!(strip_url_hosts("HTTP://Example.com:8080/blog/"), "/blog/");
        assert_eq!(strip_url_hosts("https://a.com/x/http://b.org/y"), "/x//y");
        assert_eq!(strip_url_hosts("https:///x"), "https:///x");
        assert_eq!(strip_url_hosts("/"), "/");
        assert_eq!(strip_url_hosts("https://a.com"), "");
    }

    #[test]
    fn empty_options_give_root_paths_and_empty_hash() {
        let c = config("", "");
        assert_eq!(c.hash().as_str(), "");
        assert_eq!(c.auth_cookie(), "wordpress_");
        assert_eq!(c.cookie_path(), "/");
        assert_eq!(c.admin_cookie_path(), "/wp-admin");
        assert_eq!(c.plugins_cookie_path(), "/wp-content/plugins");
        assert_eq!(config("0", "").hash().as_str(), "");
    }

    #[test]
    fn wp_siteurl_and_wp_home_replace_the_options_without_trailing_slashes() {
        let mut s = CookieSettings::new("http://old.example", "http://old.example");
        s.constants.wp_siteurl = Some("https://example.com/wordpress/".into());
        s.constants.wp_home = Some("https://example.com/blog\\/".into());
        let c = CookieConfig::new(&s);
        assert_eq!(c.hash().as_str(), "ecf7cf4c056b990f2ebbc1f8e341e361");
        assert_eq!(c.cookie_path(), "/blog/");
        assert_eq!(c.site_cookie_path(), "/wordpress/");
        assert!(c.home_is_https());
    }

    #[test]
    fn constants_override_everything() {
        let mut s = CookieSettings::new("https://example.com", "https://example.com");
        s.constants.cookiehash = Some("abc".into());
        s.constants.auth_cookie = Some("my_auth".into());
        s.constants.cookiepath = Some("/c/".into());
        s.constants.sitecookiepath = Some("/s/".into());
        s.constants.wp_content_url = Some("https://cdn.example.com/content".into());
        s.constants.cookie_domain = Some(".example.com".into());
        s.constants.force_ssl_admin = Some(false);
        let c = CookieConfig::new(&s);
        assert_eq!(c.auth_cookie(), "my_auth");
        assert_eq!(c.secure_auth_cookie(), "wordpress_sec_abc");
        assert_eq!(c.postpass_cookie(), "wp-postpass_abc");
        assert_eq!(c.admin_cookie_path(), "/s/wp-admin");
        assert_eq!(c.plugins_cookie_path(), "/content/plugins");
        assert_eq!(c.domain_attribute(), ".example.com");
        assert!(!c.admin_is_https(false));
        assert!(c.admin_is_https(true));
    }

    #[test]
    fn cookie_domain_is_false_before_6_6() {
        let mut s = CookieSettings::new("http://localhost:8080", "http://localhost:8080");
        s.version = WpVersion::new(6, 5, 5);
        let c = CookieConfig::new(&s);
        assert_eq!(c.cookie_domain(), None);
        assert_eq!(c.domain_attribute(), "");
        assert!(!c.home_is_https() && !c.force_ssl_admin());
    }

    #[test]
    fn subdirectory_network_shares_the_network_path_and_admin_path() {
        let mut s = CookieSettings::new("https://example.com/shop", "https://example.com/shop");
        s.multisite = Some(Multisite::new("https://example.com/", "example.com", "/", false));
        let c = CookieConfig::new(&s);
        assert_eq!(c.hash(), &CookieHash::from_siteurl("https://example.com/"));
        assert_ne!(c.hash(), &CookieHash::from_siteurl("https://example.com"));
        assert_eq!(c.cookie_path(), "/");
        assert_eq!(c.site_cookie_path(), "/");
        assert_eq!(c.admin_cookie_path(), "/");
        assert_eq!(c.plugins_cookie_path(), "/shop/wp-content/plugins");
        assert_eq!(c.cookie_domain(), Some(""));
    }

    #[test]
    fn subdomain_network_sets_a_dotted_cookie_domain() {
        let mut s = CookieSettings::new("https://shop.example.com", "https://shop.example.com");
        let mut ms = Multisite::new("https://example.com/", "example.com", "/", true);
        s.multisite = Some(ms.clone());
        let c = CookieConfig::new(&s);
        assert_eq!(c.admin_cookie_path(), "/wp-admin");
        assert_eq!(c.cookie_domain(), Some(".example.com"));

        ms.cookie_domain = Some("example.org".into());
        s.multisite = Some(ms.clone());
        assert_eq!(CookieConfig::new(&s).cookie_domain(), Some(".example.org"));

        // A site URL with a path keeps the admin cookie on the network path.
        s.siteurl = "https://shop.example.com/store".into();
        assert_eq!(CookieConfig::new(&s).admin_cookie_path(), "/");

        // COOKIE_DOMAIN from wp-config.php wins, even on a sub-domain network.
        s.constants.cookie_domain = Some(String::new());
        assert_eq!(CookieConfig::new(&s).domain_attribute(), "");
    }

    #[test]
    fn network_hash_ignores_wp_siteurl() {
        let mut s = CookieSettings::new("https://example.com", "https://example.com");
        s.constants.wp_siteurl = Some("https://elsewhere.example".into());
        s.multisite = Some(Multisite::new("https://example.com/", "example.com", "/", false));
        let c = CookieConfig::new(&s);
        assert_eq!(c.hash(), &CookieHash::from_siteurl("https://example.com/"));
    }

    #[test]
    fn url_scheme_follows_parse_url() {
        assert_eq!(url_scheme("https://example.com"), Some("https"));
        assert_eq!(url_scheme("HTTPS://example.com"), Some("HTTPS"));
        assert_eq!(url_scheme("localhost:8080/x"), None);
        assert_eq!(url_scheme("example.com"), None);
        assert_eq!(url_path("https://a.com/b/c?x#y"), "/b/c");
        assert_eq!(url_path("https://a.com"), "");
        assert!(takes_scheme(" //a.com"));
        assert!(!takes_scheme("example.com/wp"));
    }
}
