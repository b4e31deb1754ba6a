//! The site options wpgate needs: `siteurl` and `home` (cookie names and paths), the locale
//! (`sanitize_user()` rules) and the salt options `wp_salt()` falls back to.

use std::fmt;

// SQL texts are assembled only from the validated table prefix; every value is bound.
use sqlx::{AssertSqlSafe, Row};
use wpgate_core::php_serialize::Value;
use wpgate_core::salts::SaltOptions;

use super::{Db, DbError, lossy};
use wpgate_core::php_serialize::maybe_unserialize;

/// The salt options `wp_salt()` may read (`get_site_option()`), in WordPress's naming.
pub const SALT_OPTION_NAMES: [&str; 9] = [
    "auth_key",
    "auth_salt",
    "secure_auth_key",
    "secure_auth_salt",
    "logged_in_key",
    "logged_in_salt",
    "nonce_key",
    "nonce_salt",
    "secret_key",
];

/// Site options as stored (before any constant such as `WP_SITEURL` overrides them).
///
/// `Debug` lists which salt options exist, never their values.
#[derive(Clone, Default)]
pub struct SiteOptions {
    /// `get_option('siteurl')`, as stored (normally without a trailing slash).
    pub siteurl: Option<String>,
    /// `get_option('home')`.
    pub home: Option<String>,
    /// `get_option('WPLANG')` (the site locale; empty or absent means `en_US`).
    pub locale: Option<String>,
    /// Multisite: the network's `siteurl` from `<prefix>sitemeta` (the main site's URL with a
    /// trailing `/`), which `ms_cookie_constants()` hashes into `COOKIEHASH`.
    pub network_siteurl: Option<String>,
    /// The salt options that exist, for [`wpgate_core::salts::SaltSources::options`].
    pub salts: SaltOptions,
}

impl SiteOptions {
    /// The site locale as `get_locale()` gives it without filters or constants: `WPLANG`, or
    /// `en_US` when that is empty or absent.
    #[doc(alias = "get_locale")]
    pub fn effective_locale(&self) -> &str {
        self.locale.as_deref().filter(|l| !l.is_empty()).unwrap_or("en_US")
    }
}

impl fmt::Debug for SiteOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteOptions")
            .field("siteurl", &self.siteurl)
            .field("home", &self.home)
            .field("locale", &self.locale)
            .field("network_siteurl", &self.network_siteurl)
            .field("salts", &self.salts)
            .finish()
    }
}

impl Db {
    /// Reads `siteurl`, `home`, `WPLANG` and the salt options.
    ///
    /// On a single site everything comes from `<prefix>options`. With
    /// [`DbConfig::network_id`](super::DbConfig::network_id) set (multisite), the salt options
    /// and the network `siteurl` come from `<prefix>sitemeta` rows of that network, as
    /// `get_site_option()` reads them. Values are `maybe_unserialize()`d as `get_option()`
    /// does (a stored `s:3:"abc";` is the string `abc`); a value that unserializes to
    /// something other than a string is kept as stored.
    ///
    /// Missing options are absent, not errors: [`wpgate_core::salts::Salts::resolve`] says
    /// which missing salt option matters.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Timeout`], [`DbError::Query`].
    #[doc(alias = "get_option")]
    #[doc(alias = "get_site_option")]
    pub async fn site_options(&self) -> Result<SiteOptions, DbError> {
        let tables = self.tables();
        let network = self.network_id();
        let mut names: Vec<&str> = vec!["siteurl", "home", "WPLANG"];
        if network.is_none() {
            names.extend(SALT_OPTION_NAMES);
        }
        let placeholders = vec!["?"; names.len()].join(", ");
        let sql = format!(
            "SELECT option_name, option_value FROM `{}` WHERE option_name IN ({placeholders})",
            tables.options()
        );
        let site_rows = self
            .run("options lookup", async {
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for name in &names {
                    query = query.bind(*name);
                }
                query.fetch_all(self.pool()).await
            })
            .await?;

        let mut options = SiteOptions::default();
        for row in site_rows {
            let (name, value) = name_value(&row, "option_name", "option_value")?;
            match name.as_str() {
                "siteurl" => options.siteurl = Some(value),
                "home" => options.home = Some(value),
                "WPLANG" => options.locale = Some(value),
                salt => {
                    options.salts.set(salt, value);
                }
            }
        }

        if let Some(network_id) = network {
            let mut names: Vec<&str> = vec!["siteurl"];
            names.extend(SALT_OPTION_NAMES);
            let placeholders = vec!["?"; names.len()].join(", ");
            // get_network_option() reads the first row per key (meta_id order).
            let sql = format!(
                "SELECT meta_key, meta_value FROM `{}` WHERE site_id = ? AND meta_key IN \
                 ({placeholders}) ORDER BY meta_id",
                tables.sitemeta()
            );
            let network_rows = self
                .run("network options lookup", async {
                    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(network_id);
                    for name in &names {
                        query = query.bind(*name);
                    }
                    query.fetch_all(self.pool()).await
                })
                .await?;
            for row in network_rows {
                let (name, value) = name_value(&row, "meta_key", "meta_value")?;
                match name.as_str() {
                    "siteurl" => {
                        options.network_siteurl.get_or_insert(value);
                    }
                    salt if options.salts.value(salt).is_none() => {
                        options.salts.set(salt, value);
                    }
                    _ => {}
                }
            }
        }
        Ok(options)
    }
}

fn name_value(
    row: &sqlx::mysql::MySqlRow,
    name: &str,
    value: &str,
) -> Result<(String, String), DbError> {
    let decode = |e| DbError::Query { what: "options lookup", source: std::sync::Arc::new(e) };
    let name: Vec<u8> = row.try_get(name).map_err(decode)?;
    let value: Option<Vec<u8>> = row.try_get(value).map_err(decode)?;
    Ok((lossy(name), maybe_unserialize_text(value.unwrap_or_default())))
}

/// `maybe_unserialize()` for an option WordPress stores as a string: `update_option()`
/// serializes a string that already looks serialized, so such a stored value means the string
/// inside it. Other unserialized types are kept as stored text.
fn maybe_unserialize_text(stored: Vec<u8>) -> String {
    match maybe_unserialize(&stored) {
        Some(Value::Str(inner)) => lossy(inner.into_vec()),
        _ => lossy(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_strings_are_unwrapped_like_get_option() {
        assert_eq!(maybe_unserialize_text(br#"s:3:"a:b";"#.to_vec()), "a:b");
        assert_eq!(maybe_unserialize_text(b"https://example.com".to_vec()), "https://example.com");
        assert_eq!(maybe_unserialize_text(b"i:5;".to_vec()), "i:5;");
        assert_eq!(maybe_unserialize_text(br#"s:9:"broken";"#.to_vec()), r#"s:9:"broken";"#);
    }

    #[test]
    fn debug_never_shows_salt_values() {
        let mut options = SiteOptions::default();
        options.salts.set("auth_key", "very-secret-value");
        let shown = format!("{options:?}");
        assert!(shown.contains("auth_key") && !shown.contains("very-secret-value"), "{shown}");
    }
}
