//! The WordPress site wpgate speaks for, resolved once at start-up: version, salts and cookie
//! names/paths, computed by [`wpgate_core`] from the settings and the site's options.

use anyhow::{Context, Result, anyhow};
use wpgate_core::WpVersion;
use wpgate_core::cookies::{CookieConfig, CookieConstants, CookieSettings};
use wpgate_core::salts::{SaltSources, Salts};

use crate::config::Settings;

pub use crate::db::SiteOptions;

/// Everything the auth code needs to know about the site.
#[derive(Debug, Clone)]
pub struct Site {
    /// The WordPress release whose formats are spoken.
    pub version: WpVersion,
    /// `wp_salt()` for the four schemes.
    pub salts: Salts,
    /// Cookie names, paths and domain.
    pub cookies: CookieConfig,
    /// The `siteurl` in effect.
    pub siteurl: String,
    /// The `home` URL in effect.
    pub home: String,
    /// `nonce_life` in seconds (WordPress's default: one day).
    pub nonce_life: i64,
    /// The site locale (`WPLANG`), which changes `remove_accents()` for logins.
    pub locale: String,
}

impl Site {
    /// Resolves the site from the settings and the options read from its database.
    ///
    /// # Errors
    /// Missing URLs or salts, each naming the setting to provide.
    pub fn resolve(settings: &Settings, version: WpVersion, options: SiteOptions) -> Result<Site> {
        let locale = options.effective_locale().to_owned();
        let siteurl = settings
            .siteurl
            .clone()
            .map(|s| s.trim_end_matches('/').to_owned())
            .or(options.siteurl)
            .ok_or_else(|| {
                anyhow!(
                    "siteurl is unknown: set WPGATE_SITEURL (or WP_SITEURL), or give a database"
                )
            })?;
        let home = settings
            .home
            .clone()
            .map(|s| s.trim_end_matches('/').to_owned())
            .or(options.home)
            .unwrap_or_else(|| siteurl.clone());

        let sources = SaltSources {
            constants: settings.salt_constants(),
            options: options.salts,
            placeholder_translations: Vec::new(),
            version,
        };
        let salts = Salts::resolve(&sources).map_err(|e| {
            anyhow!("{e} (settings: WPGATE_AUTH_KEY ... WPGATE_NONCE_SALT, or the site's options)")
        })?;

        let mut constants = CookieConstants::default();
        constants.wp_siteurl = settings.siteurl.clone();
        constants.wp_home = settings.home.clone();
        constants.wp_content_url = settings.content_url.clone();
        constants.wp_plugin_url = settings.plugin_url.clone();
        constants.cookiehash = settings.cookiehash.clone();
        constants.cookie_domain = settings.cookie_domain.clone();
        constants.cookiepath = settings.cookiepath.clone();
        constants.sitecookiepath = settings.sitecookiepath.clone();
        constants.admin_cookie_path = settings.admin_cookie_path.clone();
        constants.plugins_cookie_path = settings.plugins_cookie_path.clone();
        constants.force_ssl_admin = settings.force_ssl_admin;
        let mut cookie_settings = CookieSettings::new(siteurl.clone(), home.clone());
        cookie_settings.version = version;
        cookie_settings.constants = constants;
        let cookies = CookieConfig::new(&cookie_settings);

        Ok(Site { version, salts, cookies, siteurl, home, nonce_life: 86_400, locale })
    }

    /// Which site options [`Site::resolve`] would read from the database.
    pub fn options_needed(settings: &Settings, version: WpVersion) -> Vec<&'static str> {
        let sources =
            SaltSources { constants: settings.salt_constants(), version, ..SaltSources::default() };
        let mut needed = Salts::options_needed(&sources);
        if settings.siteurl.is_none() {
            needed.push("siteurl");
        }
        if settings.home.is_none() {
            needed.push("home");
        }
        needed
    }

    /// `wp_login_url()`: where forward-auth sends a visitor without a login.
    pub fn login_url(&self) -> String {
        format!("{}/wp-login.php", self.siteurl)
    }
}

/// Parses an URL's scheme + host for `redirect_to` building.
pub fn absolute_url(proto: &str, host: &str, uri: &str) -> Result<String> {
    if host.is_empty() || host.contains(['/', '\\', ' ', '@']) {
        return Err(anyhow!("invalid host")).context("X-Forwarded-Host");
    }
    let proto = if proto.eq_ignore_ascii_case("https") { "https" } else { "http" };
    let uri = if uri.starts_with('/') { uri.to_owned() } else { format!("/{uri}") };
    Ok(format!("{proto}://{host}{uri}"))
}
