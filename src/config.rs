//! Typed settings, parsed once at start-up.
//!
//! Layers, lowest first: defaults in code → the site's `wp-config.php` (`--wp-config`) →
//! optional TOML file (`--config`) → environment (`WPGATE_*`, and `WPGATE_*_FILE` for every
//! secret) → command-line flags. Every key has the same name in each layer: `db_password` in
//! TOML is `WPGATE_DB_PASSWORD` in the environment and `DB_PASSWORD` in wp-config.php.
//!
//! wp-config.php is read, never executed ([`wpgate_core::wp_config`]). A constant we need whose
//! value is not a literal (`getenv('DB_PASS')`) stops start-up naming the line, unless a
//! higher layer supplies the value.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value as FigValue};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use wpgate_core::WpVersion;
use wpgate_core::salts::{SaltError, SaltSources, Salts};
use wpgate_core::wp_config::WpConfig;

/// Where WordPress session tokens are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SessionBackend {
    /// In this process only (single node, tests).
    Memory,
    /// Redis, in the layout of docs/redis-layout.md (shared with the PHP drop-in).
    Redis,
    /// The `session_tokens` user meta of stock WordPress.
    Usermeta,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line (production).
    Json,
}

/// Every setting, after layering. Secrets are [`SecretString`] and never printed.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP service listens on.
    pub listen: SocketAddr,
    /// Path of the site's wp-config.php.
    pub wp_config: Option<PathBuf>,
    /// The WordPress tree (for `wp-includes/version.php`); default: wp-config.php's directory.
    pub wp_dir: Option<PathBuf>,
    /// The WordPress version whose formats to speak; default: read from the tree, else latest.
    pub wp_version: Option<String>,
    /// Session token storage.
    pub sessions: SessionBackend,
    /// Redis URL (`redis://[user:pass@]host:port/db`, `rediss://` for TLS).
    #[serde(serialize_with = "ser_secret_opt")]
    pub redis_url: Option<SecretString>,
    /// Per-site key prefix in Redis (docs/redis-layout.md).
    pub redis_prefix: String,
    /// Database host as WordPress spells DB_HOST (`host`, `host:port`, `localhost:/sock`).
    pub db_host: Option<String>,
    /// Database name.
    pub db_name: Option<String>,
    /// Database user.
    pub db_user: Option<String>,
    /// Database password.
    #[serde(serialize_with = "ser_secret_opt")]
    pub db_password: Option<SecretString>,
    /// Database charset.
    pub db_charset: Option<String>,
    /// WordPress table prefix (`$table_prefix`).
    pub table_prefix: Option<String>,
    /// `AUTH_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub auth_key: Option<SecretString>,
    /// `SECURE_AUTH_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub secure_auth_key: Option<SecretString>,
    /// `LOGGED_IN_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub logged_in_key: Option<SecretString>,
    /// `NONCE_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub nonce_key: Option<SecretString>,
    /// `AUTH_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub auth_salt: Option<SecretString>,
    /// `SECURE_AUTH_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub secure_auth_salt: Option<SecretString>,
    /// `LOGGED_IN_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub logged_in_salt: Option<SecretString>,
    /// `NONCE_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub nonce_salt: Option<SecretString>,
    /// `SECRET_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub secret_key: Option<SecretString>,
    /// `SECRET_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub secret_salt: Option<SecretString>,
    /// `siteurl` (WP_SITEURL); default: the `siteurl` option.
    pub siteurl: Option<String>,
    /// `home` (WP_HOME); default: the `home` option.
    pub home: Option<String>,
    /// WP_CONTENT_URL.
    pub content_url: Option<String>,
    /// WP_PLUGIN_URL.
    pub plugin_url: Option<String>,
    /// COOKIEHASH override.
    pub cookiehash: Option<String>,
    /// COOKIE_DOMAIN.
    pub cookie_domain: Option<String>,
    /// COOKIEPATH.
    pub cookiepath: Option<String>,
    /// SITECOOKIEPATH.
    pub sitecookiepath: Option<String>,
    /// ADMIN_COOKIE_PATH.
    pub admin_cookie_path: Option<String>,
    /// PLUGINS_COOKIE_PATH.
    pub plugins_cookie_path: Option<String>,
    /// FORCE_SSL_ADMIN.
    pub force_ssl_admin: Option<bool>,
    /// Seconds a user row may be served from the in-process cache.
    pub user_cache_ttl: u64,
    /// Redis key of a user's meta in WordPress's persistent object cache (`{user_id}` is
    /// replaced), deleted after every usermeta session write.
    pub usermeta_cache_key: Option<String>,
    /// Upgrade old password hashes at login the way WordPress 6.8+ does (writes wp_users).
    pub rehash_on_login: bool,
    /// Log format.
    pub log_format: LogFormat,

    // PHP sessions (`/v1/php-sessions`, `wpgate php-sessions import`): php.ini and phpredis
    // settings under their PHP names, with PHP's defaults. See src/php_sessions/settings.rs.
    /// `session.save_handler`: `redis` or `rediscluster`.
    pub php_session_save_handler: crate::php_sessions::SaveHandler,
    /// `session.save_path` in phpredis syntax (`tcp://host:6379?database=0&prefix=…&auth=…`,
    /// or `seed[]=host:port&…` for `rediscluster`); unset disables PHP sessions.
    #[serde(serialize_with = "ser_secret_opt")]
    pub php_session_save_path: Option<SecretString>,
    /// `session.serialize_handler`: `php`, `php_serialize` or `php_binary`.
    pub php_session_serialize_handler: String,
    /// `session.gc_maxlifetime`: the Redis TTL in seconds.
    pub php_session_gc_maxlifetime: i64,
    /// `session.lazy_write`: refresh unchanged sessions with `EXPIRE` instead of rewriting.
    pub php_session_lazy_write: bool,
    /// `session.use_strict_mode`: replace unknown incoming ids.
    pub php_session_use_strict_mode: bool,
    /// `session.sid_length` (22–256).
    pub php_session_sid_length: usize,
    /// `session.sid_bits_per_character` (4, 5, 6).
    pub php_session_sid_bits_per_character: u8,
    /// `session.name`.
    pub php_session_name: String,
    /// `session.cookie_lifetime` (seconds; 0 = browser session).
    pub php_session_cookie_lifetime: i64,
    /// `session.cookie_path`.
    pub php_session_cookie_path: String,
    /// `session.cookie_domain`.
    pub php_session_cookie_domain: String,
    /// `session.cookie_secure`.
    pub php_session_cookie_secure: bool,
    /// `session.cookie_httponly`.
    pub php_session_cookie_httponly: bool,
    /// `session.cookie_samesite`.
    pub php_session_cookie_samesite: String,
    /// `redis.session.locking_enabled`.
    pub php_session_locking_enabled: bool,
    /// `redis.session.lock_expire` (seconds; 0 = `max_execution_time`).
    pub php_session_lock_expire: i64,
    /// `redis.session.lock_wait_time` (microseconds between attempts).
    pub php_session_lock_wait_time: i64,
    /// `redis.session.lock_retries` (extra attempts; -1 = forever).
    pub php_session_lock_retries: i64,
    /// PHP's `max_execution_time` (the lock expiry when `lock_expire` is 0).
    pub php_session_max_execution_time: i64,

    // Hardening: session administration, audit, brute force, proxies, salt rotation, limits
    // (docs/operations.md).
    /// Bearer token of the admin API (`/v1/admin/…`); unset disables it (404).
    #[serde(serialize_with = "ser_secret_opt")]
    pub admin_token: Option<SecretString>,
    /// Redis stream (key `redis_prefix` + this) that also receives the audit events.
    pub audit_stream: Option<String>,
    /// Approximate bound of the audit stream's length (`XADD … MAXLEN ~`).
    pub audit_stream_maxlen: u64,
    /// Failed logins from one client IP within `login_failure_window` before it is banned
    /// (0: no limit).
    pub login_max_failures_per_ip: u64,
    /// Failed logins for one login name within `login_failure_window` before it is banned
    /// (0: no limit).
    pub login_max_failures_per_user: u64,
    /// Seconds over which failed logins are counted.
    pub login_failure_window: u64,
    /// Seconds a banned IP or login name is refused (429).
    pub login_ban_time: u64,
    /// Proxies (CIDR list) whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: crate::proxy::TrustedProxies,
    /// The wp-config.php holding the previous keys and salts (salt rotation).
    pub previous_wp_config: Option<PathBuf>,
    /// Previous `AUTH_KEY` (salt rotation).
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_auth_key: Option<SecretString>,
    /// Previous `SECURE_AUTH_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_secure_auth_key: Option<SecretString>,
    /// Previous `LOGGED_IN_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_logged_in_key: Option<SecretString>,
    /// Previous `NONCE_KEY`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_nonce_key: Option<SecretString>,
    /// Previous `AUTH_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_auth_salt: Option<SecretString>,
    /// Previous `SECURE_AUTH_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_secure_auth_salt: Option<SecretString>,
    /// Previous `LOGGED_IN_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_logged_in_salt: Option<SecretString>,
    /// Previous `NONCE_SALT`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub previous_nonce_salt: Option<SecretString>,
    /// Unix time until which cookies and nonces made with the previous salts are accepted.
    pub previous_salts_until: Option<i64>,
    /// Milliseconds every Redis call may take (connection included) before it fails (503).
    pub store_timeout_ms: u64,
    /// Most Redis connections kept open (each multiplexed).
    pub redis_pool_size: usize,
    /// Milliseconds every database call may take (connecting and waiting for a connection
    /// included) before it fails (503).
    pub db_timeout_ms: u64,
    /// Most database connections.
    pub db_max_connections: u32,
    /// Largest request body in bytes (413 above).
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers) in bytes (431 above).
    pub max_header_bytes: usize,
    /// Milliseconds a client has to send the request head (408 after).
    pub client_timeout_ms: u64,
    /// Password hashes verified or made at once; further logins wait their turn.
    pub max_concurrent_hashes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            wp_config: None,
            wp_dir: None,
            wp_version: None,
            sessions: SessionBackend::Memory,
            redis_url: Some(SecretString::from("redis://127.0.0.1:6379/0")),
            redis_prefix: "wpgate:".to_owned(),
            db_host: None,
            db_name: None,
            db_user: None,
            db_password: None,
            db_charset: None,
            table_prefix: None,
            auth_key: None,
            secure_auth_key: None,
            logged_in_key: None,
            nonce_key: None,
            auth_salt: None,
            secure_auth_salt: None,
            logged_in_salt: None,
            nonce_salt: None,
            secret_key: None,
            secret_salt: None,
            siteurl: None,
            home: None,
            content_url: None,
            plugin_url: None,
            cookiehash: None,
            cookie_domain: None,
            cookiepath: None,
            sitecookiepath: None,
            admin_cookie_path: None,
            plugins_cookie_path: None,
            force_ssl_admin: None,
            user_cache_ttl: 5,
            usermeta_cache_key: None,
            rehash_on_login: false,
            log_format: LogFormat::Pretty,
            php_session_save_handler: crate::php_sessions::SaveHandler::Redis,
            php_session_save_path: None,
            php_session_serialize_handler: "php".to_owned(),
            php_session_gc_maxlifetime: 1440,
            php_session_lazy_write: true,
            php_session_use_strict_mode: false,
            php_session_sid_length: 32,
            php_session_sid_bits_per_character: 4,
            php_session_name: "PHPSESSID".to_owned(),
            php_session_cookie_lifetime: 0,
            php_session_cookie_path: "/".to_owned(),
            php_session_cookie_domain: String::new(),
            php_session_cookie_secure: false,
            php_session_cookie_httponly: false,
            php_session_cookie_samesite: String::new(),
            php_session_locking_enabled: false,
            php_session_lock_expire: 0,
            php_session_lock_wait_time: 2000,
            php_session_lock_retries: 10,
            php_session_max_execution_time: 30,
            admin_token: None,
            audit_stream: None,
            audit_stream_maxlen: 100_000,
            login_max_failures_per_ip: 50,
            login_max_failures_per_user: 10,
            login_failure_window: 900,
            login_ban_time: 900,
            trusted_proxies: crate::proxy::TrustedProxies::loopback(),
            previous_wp_config: None,
            previous_auth_key: None,
            previous_secure_auth_key: None,
            previous_logged_in_key: None,
            previous_nonce_key: None,
            previous_auth_salt: None,
            previous_secure_auth_salt: None,
            previous_logged_in_salt: None,
            previous_nonce_salt: None,
            previous_salts_until: None,
            store_timeout_ms: 2000,
            redis_pool_size: 16,
            db_timeout_ms: 2000,
            db_max_connections: 10,
            max_body_bytes: 64 * 1024,
            max_header_bytes: 16 * 1024,
            client_timeout_ms: 5000,
            max_concurrent_hashes: 32,
        }
    }
}

/// The secret settings: they get `WPGATE_<KEY>_FILE` variants and are masked in logs.
pub const SECRET_KEYS: &[&str] = &[
    "redis_url",
    "db_password",
    "auth_key",
    "secure_auth_key",
    "logged_in_key",
    "nonce_key",
    "auth_salt",
    "secure_auth_salt",
    "logged_in_salt",
    "nonce_salt",
    "secret_key",
    "secret_salt",
    "php_session_save_path",
    "admin_token",
    "previous_auth_key",
    "previous_secure_auth_key",
    "previous_logged_in_key",
    "previous_nonce_key",
    "previous_auth_salt",
    "previous_secure_auth_salt",
    "previous_logged_in_salt",
    "previous_nonce_salt",
];

/// wp-config.php constants and the settings they fill.
const WP_CONFIG_KEYS: &[(&str, &str)] = &[
    ("DB_HOST", "db_host"),
    ("DB_NAME", "db_name"),
    ("DB_USER", "db_user"),
    ("DB_PASSWORD", "db_password"),
    ("DB_CHARSET", "db_charset"),
    ("AUTH_KEY", "auth_key"),
    ("SECURE_AUTH_KEY", "secure_auth_key"),
    ("LOGGED_IN_KEY", "logged_in_key"),
    ("NONCE_KEY", "nonce_key"),
    ("AUTH_SALT", "auth_salt"),
    ("SECURE_AUTH_SALT", "secure_auth_salt"),
    ("LOGGED_IN_SALT", "logged_in_salt"),
    ("NONCE_SALT", "nonce_salt"),
    ("SECRET_KEY", "secret_key"),
    ("SECRET_SALT", "secret_salt"),
    ("WP_SITEURL", "siteurl"),
    ("WP_HOME", "home"),
    ("WP_CONTENT_URL", "content_url"),
    ("WP_PLUGIN_URL", "plugin_url"),
    ("COOKIEHASH", "cookiehash"),
    ("COOKIE_DOMAIN", "cookie_domain"),
    ("COOKIEPATH", "cookiepath"),
    ("SITECOOKIEPATH", "sitecookiepath"),
    ("ADMIN_COOKIE_PATH", "admin_cookie_path"),
    ("PLUGINS_COOKIE_PATH", "plugins_cookie_path"),
    ("FORCE_SSL_ADMIN", "force_ssl_admin"),
    // The PHP drop-in reads these two from wp-config.php as well: one place configures both.
    ("WPGATE_REDIS_URL", "redis_url"),
    ("WPGATE_REDIS_PREFIX", "redis_prefix"),
];

/// Values given on the command line (highest layer); `None` means "not given".
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides(pub Dict);

impl Overrides {
    /// Sets `key` when `value` is present.
    pub fn set(&mut self, key: &str, value: Option<impl Into<FigValue>>) -> &mut Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), v.into());
        }
        self
    }
}

/// Settings with the parsed wp-config.php they were partly read from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The settings.
    pub settings: Settings,
    /// The parsed wp-config.php, if one was read.
    pub wp_config: Option<WpConfig>,
}

impl Settings {
    /// The secret constants as `wp_salt()` sources (undefined ones absent).
    pub fn salt_constants(&self) -> wpgate_core::salts::SecretConstants {
        use wpgate_core::salts::SecretConstant as C;
        let mut constants = wpgate_core::salts::SecretConstants::new();
        let pairs = [
            (C::AuthKey, &self.auth_key),
            (C::SecureAuthKey, &self.secure_auth_key),
            (C::LoggedInKey, &self.logged_in_key),
            (C::NonceKey, &self.nonce_key),
            (C::AuthSalt, &self.auth_salt),
            (C::SecureAuthSalt, &self.secure_auth_salt),
            (C::LoggedInSalt, &self.logged_in_salt),
            (C::NonceSalt, &self.nonce_salt),
            (C::SecretKey, &self.secret_key),
            (C::SecretSalt, &self.secret_salt),
        ];
        for (constant, value) in pairs {
            if let Some(v) = value {
                constants.define(constant, v.expose_secret());
            }
        }
        constants
    }

    /// `wp_salt()` for the four schemes from the configured constants alone, as a process
    /// without database access (the CLI) must: a key or salt that WordPress would read from
    /// the site options instead is an error naming the setting.
    ///
    /// # Errors
    /// The first unusable constant (missing, empty, a duplicate of another key, or the sample
    /// placeholder), with the wp-config.php constant and the `WPGATE_*` variables that set it.
    pub fn salts_from_constants(&self, version: WpVersion) -> Result<Salts> {
        let sources =
            SaltSources { constants: self.salt_constants(), version, ..SaltSources::default() };
        Salts::resolve(&sources).map_err(|e| match e {
            SaltError::MissingOption { constant, option } => anyhow::anyhow!(
                "{constant} is not usable (missing, empty, a duplicate of another key, or the \
                 sample placeholder): define it in wp-config.php (--wp-config or \
                 WPGATE_WP_CONFIG), or set WPGATE_{constant} or WPGATE_{constant}_FILE. \
                 Without a database wpgate cannot fall back to the site option {option:?}."
            ),
            other => anyhow::Error::new(other).context("resolving wp_salt()"),
        })
    }

    /// The previous keys and salts of a salt rotation and until when they are accepted:
    /// `previous_wp_config`'s eight constants, each overridden by an explicit
    /// `previous_<key>` setting. `None` when none is configured.
    ///
    /// # Errors
    /// Previous salts without `previous_salts_until` (or the reverse), an unreadable or
    /// non-literal `previous_wp_config`, or an incomplete set of keys and salts; each message
    /// names the setting.
    pub fn previous_salts(&self, version: WpVersion) -> Result<Option<(Salts, i64)>> {
        use wpgate_core::salts::SecretConstant as C;
        let explicit = [
            (C::AuthKey, &self.previous_auth_key),
            (C::SecureAuthKey, &self.previous_secure_auth_key),
            (C::LoggedInKey, &self.previous_logged_in_key),
            (C::NonceKey, &self.previous_nonce_key),
            (C::AuthSalt, &self.previous_auth_salt),
            (C::SecureAuthSalt, &self.previous_secure_auth_salt),
            (C::LoggedInSalt, &self.previous_logged_in_salt),
            (C::NonceSalt, &self.previous_nonce_salt),
        ];
        let mut constants = wpgate_core::salts::SecretConstants::new();
        if let Some(path) = &self.previous_wp_config {
            let what =
                || format!("previous_wp_config (WPGATE_PREVIOUS_WP_CONFIG) {}", path.display());
            let src = std::fs::read_to_string(path).with_context(what)?;
            let parsed =
                WpConfig::parse_named(&path.display().to_string(), &src).with_context(what)?;
            for (constant, _) in &explicit {
                if let Some(value) = parsed.string(constant.name()).with_context(what)? {
                    constants.define(*constant, value);
                }
            }
        }
        for (constant, value) in &explicit {
            if let Some(v) = value {
                constants.define(*constant, v.expose_secret());
            }
        }
        match (constants.is_empty(), self.previous_salts_until) {
            (true, None) => Ok(None),
            (true, Some(_)) => bail!(
                "previous_salts_until (WPGATE_PREVIOUS_SALTS_UNTIL) is set but no previous \
                 salts are: set previous_wp_config or the previous_* keys and salts"
            ),
            (false, None) => bail!(
                "previous salts are configured without previous_salts_until \
                 (WPGATE_PREVIOUS_SALTS_UNTIL, a Unix time): say until when to accept them"
            ),
            (false, Some(until)) => {
                let sources = SaltSources { constants, version, ..SaltSources::default() };
                let salts = Salts::resolve(&sources).map_err(|e| match e {
                    SaltError::MissingOption { constant, .. } => anyhow::anyhow!(
                        "the previous {constant} is missing or unusable: define it in \
                         previous_wp_config or set WPGATE_PREVIOUS_{constant}"
                    ),
                    other => anyhow::Error::new(other).context("resolving the previous salts"),
                })?;
                Ok(Some((salts, until)))
            }
        }
    }

    /// Loads every layer. `config_file` is the TOML file (`--config` / `WPGATE_CONFIG`).
    ///
    /// # Errors
    /// A layer that cannot be read or parsed, a value of the wrong type, or a wp-config.php
    /// constant that is not a literal and is not supplied by a higher layer; each message
    /// names the setting or the file and line.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Loaded> {
        Self::load_from(config_file, overrides, &std::env::vars().collect())
    }

    /// [`Settings::load`] with an explicit environment (for tests).
    pub fn load_from(
        config_file: Option<&Path>,
        overrides: &Overrides,
        env: &BTreeMap<String, String>,
    ) -> Result<Loaded> {
        let env_dict = env_layer(env)?;
        let config_file = config_file
            .map(Path::to_path_buf)
            .or_else(|| env.get("WPGATE_CONFIG").map(PathBuf::from));
        if let Some(path) = config_file.as_ref().filter(|p| !p.is_file()) {
            bail!("configuration file {} does not exist", path.display());
        }
        let upper = |f: Figment| {
            let f = match &config_file {
                Some(path) => f.merge(Toml::file_exact(path)),
                None => f,
            };
            f.merge(Serialized::defaults(&env_dict)).merge(Serialized::defaults(&overrides.0))
        };

        // The wp-config.php path itself comes from the upper layers.
        let wp_config_path: Option<PathBuf> = upper(Figment::new())
            .extract_inner("wp_config")
            .ok()
            .filter(|p: &PathBuf| !p.as_os_str().is_empty());
        let (wp_dict, non_literal, wp_config) = match &wp_config_path {
            Some(path) => wp_config_layer(path)?,
            None => (Dict::new(), Vec::new(), None),
        };

        let figment = upper(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(Serialized::defaults(&wp_dict)),
        );
        // A non-literal wp-config.php value must be replaced by a higher layer.
        for (key, error) in non_literal {
            let supplied = upper(Figment::new()).find_value(key).is_ok();
            if !supplied {
                bail!("{error}");
            }
        }
        let settings: Settings = figment.extract().map_err(|e| {
            anyhow::anyhow!("invalid configuration: {e} (environment variable {})", env_name(&e))
        })?;
        if settings.redis_prefix.contains(['{', '}']) {
            bail!(
                "redis_prefix (WPGATE_REDIS_PREFIX) must not contain '{{' or '}}': they would \
                 break the Redis Cluster hash tag of docs/redis-layout.md"
            );
        }
        Ok(Loaded { settings, wp_config })
    }

    /// The WordPress version to speak: `wp_version`, else `wp-includes/version.php` of the
    /// tree, else the latest.
    ///
    /// # Errors
    /// A `wp_version` that is not a version number.
    pub fn version(&self) -> Result<(WpVersion, VersionSource)> {
        if let Some(v) = &self.wp_version {
            let parsed =
                v.parse().with_context(|| format!("wp_version (WPGATE_WP_VERSION) {v:?}"))?;
            return Ok((parsed, VersionSource::Configured));
        }
        let dir = self
            .wp_dir
            .clone()
            .or_else(|| self.wp_config.as_ref().and_then(|p| p.parent().map(Path::to_path_buf)));
        if let Some(dir) = dir {
            let file = dir.join("wp-includes/version.php");
            if let Some(v) = std::fs::read_to_string(&file).ok().and_then(|s| parse_version_php(&s))
            {
                return Ok((v, VersionSource::Tree(file)));
            }
        }
        Ok((WpVersion::LATEST, VersionSource::Default))
    }
}

/// Where the WordPress version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `wp_version` / `WPGATE_WP_VERSION`.
    Configured,
    /// `$wp_version` in this file.
    Tree(PathBuf),
    /// Nothing said: the latest version wpgate knows.
    Default,
}

impl fmt::Debug for Settings {
    /// The effective configuration with every secret masked, for the start-up log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = serde_json::to_value(self).map_err(|_| fmt::Error)?;
        if let Some(map) = value.as_object_mut() {
            for (key, v) in map.iter_mut() {
                let secret = SECRET_KEYS.contains(&key.as_str());
                if secret && v.as_str().is_some_and(|s| !s.is_empty()) {
                    *v = serde_json::Value::from("***");
                }
            }
        }
        write!(f, "{value}")
    }
}

/// `$wp_version = '6.1.9';` in wp-includes/version.php.
fn parse_version_php(src: &str) -> Option<WpVersion> {
    let start = src.find("$wp_version")?;
    let rest = src.get(start..)?;
    let quote_start = rest.find(['\'', '"'])?;
    let quote = rest.get(quote_start..quote_start + 1)?;
    let value = rest.get(quote_start + 1..)?;
    let end = value.find(quote)?;
    value.get(..end)?.parse().ok()
}

/// `WPGATE_<KEY>` → `key`, and `WPGATE_<KEY>_FILE` → the file's contents for secrets.
fn env_layer(env: &BTreeMap<String, String>) -> Result<Dict> {
    let known = known_keys();
    let mut dict = Dict::new();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("WPGATE_") else { continue };
        // An empty variable is an unset one (`WPGATE_REDIS_URL=` in a shell file).
        if value.is_empty() {
            continue;
        }
        let key = rest.to_ascii_lowercase();
        if key == "config" {
            continue;
        }
        if let Some(secret) = key.strip_suffix("_file").filter(|k| SECRET_KEYS.contains(k)) {
            let text = std::fs::read_to_string(value)
                .with_context(|| format!("{name}: cannot read {value}"))?;
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            dict.insert(secret.to_owned(), FigValue::from(text.to_owned()));
        } else if known.contains(&key.as_str()) {
            dict.insert(key, parse_env_value(value));
        }
        // Unknown WPGATE_* variables belong to other tools (the PHP drop-in, scripts).
    }
    Ok(dict)
}

fn parse_env_value(value: &str) -> FigValue {
    match value {
        "true" => FigValue::from(true),
        "false" => FigValue::from(false),
        v => match v.parse::<u64>() {
            Ok(n) if !v.starts_with('0') || v == "0" => FigValue::from(n),
            // Negative integers (`WPGATE_PHP_SESSION_LOCK_RETRIES=-1`).
            _ => match v.parse::<i64>() {
                Ok(n) if v.starts_with('-') && !v.starts_with("-0") => FigValue::from(n),
                _ => FigValue::from(v.to_owned()),
            },
        },
    }
}

/// The keys of [`Settings`], for recognising environment variables.
fn known_keys() -> Vec<&'static str> {
    let mut keys = vec![
        "listen",
        "wp_config",
        "wp_dir",
        "wp_version",
        "sessions",
        "redis_url",
        "redis_prefix",
        "db_host",
        "db_name",
        "db_user",
        "db_password",
        "db_charset",
        "table_prefix",
        "siteurl",
        "home",
        "content_url",
        "plugin_url",
        "cookiehash",
        "cookie_domain",
        "cookiepath",
        "sitecookiepath",
        "admin_cookie_path",
        "plugins_cookie_path",
        "force_ssl_admin",
        "user_cache_ttl",
        "usermeta_cache_key",
        "rehash_on_login",
        "log_format",
        "php_session_save_handler",
        "php_session_serialize_handler",
        "php_session_gc_maxlifetime",
        "php_session_lazy_write",
        "php_session_use_strict_mode",
        "php_session_sid_length",
        "php_session_sid_bits_per_character",
        "php_session_name",
        "php_session_cookie_lifetime",
        "php_session_cookie_path",
        "php_session_cookie_domain",
        "php_session_cookie_secure",
        "php_session_cookie_httponly",
        "php_session_cookie_samesite",
        "php_session_locking_enabled",
        "php_session_lock_expire",
        "php_session_lock_wait_time",
        "php_session_lock_retries",
        "php_session_max_execution_time",
        "audit_stream",
        "audit_stream_maxlen",
        "login_max_failures_per_ip",
        "login_max_failures_per_user",
        "login_failure_window",
        "login_ban_time",
        "trusted_proxies",
        "previous_wp_config",
        "previous_salts_until",
        "store_timeout_ms",
        "redis_pool_size",
        "db_timeout_ms",
        "db_max_connections",
        "max_body_bytes",
        "max_header_bytes",
        "client_timeout_ms",
        "max_concurrent_hashes",
    ];
    for k in SECRET_KEYS {
        if !keys.contains(k) {
            keys.push(k);
        }
    }
    keys
}

type NonLiteral = Vec<(&'static str, String)>;

/// The wp-config.php layer: literal values by setting name, and the non-literal ones.
fn wp_config_layer(path: &Path) -> Result<(Dict, NonLiteral, Option<WpConfig>)> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("wp_config (WPGATE_WP_CONFIG): cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let parsed = WpConfig::parse_named(&name, &src).with_context(|| format!("parsing {name}"))?;
    let mut dict = Dict::new();
    let mut non_literal = Vec::new();
    for (constant, key) in WP_CONFIG_KEYS {
        let value = if *key == "force_ssl_admin" {
            parsed.bool(constant).map(|b| b.map(FigValue::from))
        } else {
            parsed.string(constant).map(|s| s.map(|s| FigValue::from(s.to_owned())))
        };
        match value {
            Ok(Some(v)) => {
                dict.insert((*key).to_owned(), v);
            }
            Ok(None) => {}
            Err(e) => non_literal.push((*key, e.to_string())),
        }
    }
    match parsed.table_prefix() {
        Ok(prefix) => {
            dict.insert("table_prefix".to_owned(), FigValue::from(prefix.to_owned()));
        }
        Err(e) if parsed.table_prefix_definition().is_some() => {
            non_literal.push(("table_prefix", e.to_string()));
        }
        Err(_) => {}
    }
    Ok((dict, non_literal, Some(parsed)))
}

fn env_name(e: &figment::Error) -> String {
    e.path.first().map(|k| format!("WPGATE_{}", k.to_ascii_uppercase())).unwrap_or_default()
}

/// Secrets serialize as their value (the defaults layer needs them); `Debug` masks them.
fn ser_secret_opt<S: serde::Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wpgate-config-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn defaults_apply_without_any_layer() {
        let s = Settings::load_from(None, &Overrides::default(), &env(&[])).unwrap().settings;
        assert_eq!(s.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(s.sessions, SessionBackend::Memory);
        assert_eq!(s.redis_prefix, "wpgate:");
    }

    #[test]
    fn layers_override_in_documented_order() {
        let dir = tempdir();
        let wp = write(
            &dir,
            "wp-config.php",
            "<?php\ndefine('DB_NAME', 'from_wp');\ndefine('DB_USER', 'wp_user');\n\
             define('AUTH_KEY', 'k1');\ndefine('DB_PASSWORD', getenv('DB_PASS'));\n\
             $table_prefix = 'wpx_';\n",
        );
        let toml = write(&dir, "wpgate.toml", "db_user = \"toml_user\"\nuser_cache_ttl = 9\n");
        let secret = write(&dir, "pw", "s3cret\n");
        let wp_path = wp.display().to_string();
        let secret_path = secret.display().to_string();
        let vars = env(&[
            ("WPGATE_WP_CONFIG", wp_path.as_str()),
            ("WPGATE_DB_PASSWORD_FILE", secret_path.as_str()),
            ("WPGATE_USER_CACHE_TTL", "7"),
        ]);
        let mut flags = Overrides::default();
        flags.set("sessions", Some("redis"));
        let s = Settings::load_from(Some(&toml), &flags, &vars).unwrap().settings;
        assert_eq!(s.db_name.as_deref(), Some("from_wp"));
        assert_eq!(s.db_user.as_deref(), Some("toml_user"));
        assert_eq!(s.user_cache_ttl, 7);
        assert_eq!(s.db_password.as_ref().map(|p| p.expose_secret()), Some("s3cret"));
        assert_eq!(s.table_prefix.as_deref(), Some("wpx_"));
        assert_eq!(s.sessions, SessionBackend::Redis);
        assert_eq!(s.auth_key.as_ref().map(|k| k.expose_secret()), Some("k1"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("\"k1\""), "{shown}");
    }

    #[test]
    fn non_literal_wp_config_value_names_the_line() {
        let dir = tempdir();
        let wp = write(&dir, "wp-config.php", "<?php\n\ndefine('DB_PASSWORD', getenv('X'));\n");
        let wp_path = wp.display().to_string();
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_WP_CONFIG", wp_path.as_str())]),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains(":3") && err.contains("DB_PASSWORD"), "{err}");
    }

    #[test]
    fn secret_defaults_survive_layering() {
        let s = Settings::load_from(None, &Overrides::default(), &env(&[])).unwrap().settings;
        assert_eq!(
            s.redis_url.as_ref().map(|u| u.expose_secret()),
            Some("redis://127.0.0.1:6379/0")
        );
        assert!(format!("{s:?}").contains("\"redis_url\":\"***\""));
    }

    #[test]
    fn empty_environment_variables_are_unset() {
        let s = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_REDIS_URL", ""), ("WPGATE_REDIS_PREFIX", "")]),
        )
        .unwrap()
        .settings;
        assert_eq!(s.redis_prefix, "wpgate:");
        assert!(s.redis_url.is_some());
    }

    #[test]
    fn bad_value_names_the_variable() {
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_LISTEN", "not-an-address")]),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("WPGATE_LISTEN"), "{err}");
    }

    #[test]
    fn prefix_with_braces_is_refused() {
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_REDIS_PREFIX", "a{b}:")]),
        );
        assert!(err.is_err());
    }

    #[test]
    fn salts_come_from_the_constants_and_name_the_missing_one() {
        let keys = [
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
        ];
        let vars: Vec<(String, String)> =
            keys.iter().map(|k| (format!("WPGATE_{k}"), format!("value of {k}"))).collect();
        let mut env: BTreeMap<String, String> = vars.into_iter().collect();
        let load = |env: &BTreeMap<String, String>| {
            Settings::load_from(None, &Overrides::default(), env).unwrap().settings
        };
        let err = load(&env).salts_from_constants(WpVersion::LATEST).err().unwrap().to_string();
        assert!(err.contains("NONCE_SALT") && err.contains("WPGATE_NONCE_SALT"), "{err}");
        assert!(!err.contains("value of"), "{err}");

        env.insert("WPGATE_NONCE_SALT".into(), "value of NONCE_SALT".into());
        let salts = load(&env).salts_from_constants(WpVersion::LATEST).unwrap();
        let auth = salts.salt(wpgate_core::salts::SaltScheme::Auth).expose();
        assert_eq!(auth, "value of AUTH_KEYvalue of AUTH_SALT");
    }

    #[test]
    fn hardening_settings_come_from_the_environment_and_toml() {
        let dir = tempdir();
        let toml = write(&dir, "wpgate.toml", "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n");
        let token = write(&dir, "token", "an-admin-token-that-is-long-enough-0123\n");
        let token_path = token.display().to_string();
        let s = Settings::load_from(
            Some(&toml),
            &Overrides::default(),
            &env(&[
                ("WPGATE_ADMIN_TOKEN_FILE", token_path.as_str()),
                ("WPGATE_LOGIN_BAN_TIME", "60"),
                ("WPGATE_STORE_TIMEOUT_MS", "250"),
            ]),
        )
        .unwrap()
        .settings;
        assert!(s.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(!s.trusted_proxies.contains("127.0.0.1".parse().unwrap()));
        assert_eq!((s.login_ban_time, s.store_timeout_ms), (60, 250));
        let shown = format!("{s:?}");
        assert!(
            shown.contains("\"admin_token\":\"***\"") && !shown.contains("long-enough"),
            "{shown}"
        );

        let s = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_TRUSTED_PROXIES", "192.0.2.0/24, 2001:db8::/32")]),
        )
        .unwrap()
        .settings;
        assert!(s.trusted_proxies.contains("2001:db8::7".parse().unwrap()));
        assert!(!s.trusted_proxies.contains("127.0.0.1".parse().unwrap()));

        let err = Settings::load_from(
            None,
            &Overrides::default(),
            &env(&[("WPGATE_TRUSTED_PROXIES", "10.0.0.1/8")]),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("WPGATE_TRUSTED_PROXIES") && err.contains("10.0.0.0/8"), "{err}");
    }

    #[test]
    fn version_php_is_read() {
        assert_eq!(
            parse_version_php("<?php\n$wp_version = '6.1.9';\n"),
            Some(WpVersion::new(6, 1, 9))
        );
        assert_eq!(parse_version_php("<?php\n"), None);
    }
}
