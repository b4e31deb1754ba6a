//! The site's MariaDB/MySQL database: users, their roles and the few site options wpgate reads.
//!
//! wpgate reads the WordPress tables the way WordPress does, through one bounded [`sqlx`] pool
//! of prepared statements:
//!
//! | item | mirrors |
//! |---|---|
//! | [`DbConfig::from_settings`], [`Db::connect`] | `wpdb::db_connect()` with `DB_HOST`, `DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_CHARSET`, `$table_prefix` |
//! | [`Users::by_login`], [`Users::by_email`], [`Users::by_id`] | `get_user_by()` / `WP_User::get_data_by()` (wp-includes/class-wp-user.php) |
//! | [`WpUser::roles`] | `WP_User::$roles` (`get_role_caps()`) |
//! | [`Users::set_password_hash`] | `wp_set_password()` (wp-includes/pluggable.php), only with `rehash_on_login` |
//! | [`Db::site_options`] | `get_option('siteurl')`, `get_option('home')`, `get_site_option('auth_key')`… |
//! | [`CachedUsers`] | the object cache of `get_userdata()`, with a bounded staleness |
//!
//! # Connecting
//!
//! `DB_HOST` is decoded by [`wpgate_core::wp_config::DbHost`] exactly as `wpdb` and mysqli
//! read it: `host`, `host:port`, `[::1]:3307`, `localhost:/path/to.sock`, `:/path.sock`, and
//! plain `localhost` (any case, or empty), which mysqli sends to its *default socket*: on
//! Debian and Ubuntu that is [`DEFAULT_SOCKET`] (PHP's `mysqli.default_socket`), changeable
//! through [`DbConfig::default_socket`]. Ports are ignored for `localhost`, as mysqli ignores
//! them. The connection character set is `DB_CHARSET` with WordPress's one upgrade (`utf8` →
//! `utf8mb4`, `wpdb::determine_charset()`); an empty or missing `DB_CHARSET` connects with
//! `utf8mb4`. Comparisons therefore happen under the same column collations WordPress gets.
//!
//! Every failure at start-up names the setting to fix ("db_host (WPGATE_DB_HOST / DB_HOST in
//! wp-config.php): cannot connect to 127.0.0.1:3306", caused by the driver's error). The
//! password is never logged, printed or put in an error.
//!
//! # Time limits
//!
//! The pool holds at most [`DbConfig::max_connections`] connections. Opening one is bounded by
//! [`DbConfig::connect_timeout`], waiting for one by [`DbConfig::acquire_timeout`] (a server
//! that refuses connections is retried until then), and every operation as a whole by
//! [`DbConfig::query_timeout`]. A database that is down therefore answers with
//! [`DbError::Unavailable`] or [`DbError::Timeout`] within those bounds, never by hanging.
//!
//! # Writes
//!
//! The handle is read-only unless [`DbConfig::allow_password_writes`] is set (the
//! `rehash_on_login` setting): the only write wpgate ever makes is
//! [`Users::set_password_hash`], and it refuses with [`DbError::ReadOnly`] otherwise.
//!
//! # Multisite
//!
//! Users, user meta and the network options are global tables (`<prefix>users`,
//! `<prefix>usermeta`, `<prefix>sitemeta`); roles and options are read for the main site
//! (blog 1: `<prefix>capabilities`, `<prefix>options`). With [`DbConfig::network_id`] set,
//! [`Db::site_options`] reads the salt options from `<prefix>sitemeta` for that network, as
//! `get_site_option()` does on multisite, and also returns the network's `siteurl` (which
//! `ms_cookie_constants()` hashes into `COOKIEHASH`). The `spam` and `deleted` columns of a
//! multisite users table are detected and returned when present.
//!
//! # Examples
//! ```no_run
//! # async fn run(settings: wpgate::config::Settings) -> Result<(), wpgate::db::DbError> {
//! use std::time::Duration;
//! use wpgate::db::{CachedUsers, Db, DbConfig};
//! use wpgate_core::users::SanitizeRules;
//!
//! let db = Db::connect(&DbConfig::from_settings(&settings)?).await?;
//! let site = db.site_options().await?;
//! let rules = SanitizeRules::default().with_locale(site.effective_locale());
//! let ttl = Duration::from_secs(settings.user_cache_ttl);
//! let users = CachedUsers::for_site(db.clone(), rules, ttl);
//! if let Some(user) = users.by_login("admin").await? {
//!     println!("user {} has roles {:?}", user.id, user.roles);
//! }
//! # Ok(()) }
//! ```

mod cache;
mod options;
mod users;

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::mysql::{
    MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlPool, MySqlPoolOptions,
};
use sqlx::{ConnectOptions, Connection, Row};
use tokio::sync::OnceCell;
use wpgate_core::wp_config::DbHost;

use crate::config::Settings;

pub use self::cache::{CONFIRMED_FOR, CachedUsers, DEFAULT_CAPACITY};
pub use self::options::{SALT_OPTION_NAMES, SiteOptions};
pub use self::users::{Users, WpUser};

/// The Unix socket mysqli uses for `DB_HOST` `localhost` on Debian and Ubuntu (PHP's compiled-in
/// `mysqli.default_socket`, `/var/run/mysqld/mysqld.sock`; `/var/run` links to `/run`).
pub const DEFAULT_SOCKET: &str = "/run/mysqld/mysqld.sock";

/// The table prefix when none is configured (wp-config-sample.php's `$table_prefix`).
pub const DEFAULT_TABLE_PREFIX: &str = "wp_";

/// The TCP port mysqli uses when `DB_HOST` names none (`mysqli.default_port`).
pub const DEFAULT_PORT: u16 = 3306;

/// How the settings are spelled in each layer, for error messages.
pub(crate) mod setting {
    pub const DB_HOST: &str = "db_host (WPGATE_DB_HOST / DB_HOST in wp-config.php)";
    pub const DB_NAME: &str = "db_name (WPGATE_DB_NAME / DB_NAME in wp-config.php)";
    pub const DB_USER: &str = "db_user (WPGATE_DB_USER / DB_USER in wp-config.php)";
    pub const DB_CREDENTIALS: &str = "db_user / db_password (WPGATE_DB_USER, WPGATE_DB_PASSWORD \
                                      / DB_USER, DB_PASSWORD in wp-config.php)";
    pub const DB_CHARSET: &str = "db_charset (WPGATE_DB_CHARSET / DB_CHARSET in wp-config.php)";
    pub const TABLE_PREFIX: &str =
        "table_prefix (WPGATE_TABLE_PREFIX / $table_prefix in wp-config.php)";
    pub const REHASH_ON_LOGIN: &str = "rehash_on_login (WPGATE_REHASH_ON_LOGIN)";
}

/// Everything needed to reach the site's database, decoded from [`Settings`].
///
/// `Debug` masks the password.
#[derive(Clone)]
pub struct DbConfig {
    /// `DB_HOST`, decoded.
    pub host: DbHost,
    /// `DB_NAME`.
    pub database: String,
    /// `DB_USER`.
    pub user: String,
    /// `DB_PASSWORD` (may be empty).
    pub password: SecretString,
    /// The connection character set (`DB_CHARSET` after WordPress's `utf8` → `utf8mb4`).
    pub charset: String,
    /// `$table_prefix`: letters, digits and `_` only, as WordPress requires.
    pub table_prefix: String,
    /// The socket `localhost` means (default [`DEFAULT_SOCKET`]).
    pub default_socket: PathBuf,
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// How long an operation may wait for a pooled connection (including reconnecting).
    pub acquire_timeout: Duration,
    /// How long one operation (waiting for a connection and running its queries) may take.
    pub query_timeout: Duration,
    /// Multisite: the network whose `<prefix>sitemeta` holds the site options; `None` for a
    /// single site.
    pub network_id: Option<u64>,
    /// Whether [`Users::set_password_hash`] may write `wp_users` (`rehash_on_login`).
    pub allow_password_writes: bool,
}

impl DbConfig {
    /// Decodes the database settings.
    ///
    /// Defaults: `db_host` `localhost` (mysqli's default host), `db_password` empty,
    /// `db_charset` `utf8mb4`, `table_prefix` [`DEFAULT_TABLE_PREFIX`]; at most
    /// `db_max_connections` connections (default 10); `db_timeout_ms` (default 2 s) to
    /// connect, to wait for a connection, and for each operation as a whole.
    ///
    /// # Errors
    /// [`DbError::Setting`] naming the setting: `db_name` or `db_user` missing, a `db_host`
    /// port above 65535, a `db_charset` or `table_prefix` with characters other than letters,
    /// digits and `_`.
    pub fn from_settings(settings: &Settings) -> Result<DbConfig, DbError> {
        let host_text = settings.db_host.as_deref().unwrap_or("localhost");
        let host = DbHost::parse(host_text).map_err(|e| DbError::Setting {
            setting: setting::DB_HOST,
            problem: format!("{host_text:?}: {e}"),
        })?;
        let database = required(settings.db_name.as_deref(), setting::DB_NAME)?;
        let user = required(settings.db_user.as_deref(), setting::DB_USER)?;
        let password = settings.db_password.clone().unwrap_or_else(|| SecretString::from(""));
        let charset = connection_charset(settings.db_charset.as_deref())?;
        let timeout = Duration::from_millis(settings.db_timeout_ms.max(1));
        let table_prefix = settings.table_prefix.as_deref().unwrap_or(DEFAULT_TABLE_PREFIX);
        if table_prefix.is_empty() || !is_identifier(table_prefix) {
            // wp_set_wpdb_vars(): "Your table prefix must contain only numbers, letters, and
            // underscores." (an empty prefix is refused by wpdb::set_prefix() too).
            return Err(DbError::Setting {
                setting: setting::TABLE_PREFIX,
                problem: format!(
                    "{table_prefix:?} must be non-empty and contain only letters, digits and \
                     underscores"
                ),
            });
        }
        Ok(DbConfig {
            host,
            database: database.to_owned(),
            user: user.to_owned(),
            password,
            charset,
            table_prefix: table_prefix.to_owned(),
            default_socket: PathBuf::from(DEFAULT_SOCKET),
            max_connections: settings.db_max_connections.max(1),
            connect_timeout: timeout,
            acquire_timeout: timeout,
            query_timeout: timeout,
            network_id: None,
            allow_password_writes: settings.rehash_on_login,
        })
    }

    /// Where the connection goes, for messages: `127.0.0.1:3306`, `[::1]:3307`,
    /// `unix socket /run/mysqld/mysqld.sock`.
    pub fn target(&self) -> String {
        match &self.host {
            DbHost::Tcp { host, port } => {
                let port = port.unwrap_or(DEFAULT_PORT);
                if host.contains(':') {
                    format!("[{host}]:{port}")
                } else {
                    format!("{host}:{port}")
                }
            }
            DbHost::Socket(path) => format!("unix socket {path}"),
            // DbHost is non-exhaustive; every other form mysqli sends to the default socket.
            _ => format!("unix socket {}", self.default_socket.display()),
        }
    }

    /// The sqlx connection options (prepared statements, `SET NAMES <charset>`).
    fn connect_options(&self) -> MySqlConnectOptions {
        let options = MySqlConnectOptions::new()
            .username(&self.user)
            .database(&self.database)
            // sqlx logs statement texts (never values: they are all bound) at DEBUG.
            .charset(&self.charset);
        let options = match self.password.expose_secret() {
            "" => options,
            password => options.password(password),
        };
        match &self.host {
            DbHost::Tcp { host, port } => options.host(host).port(port.unwrap_or(DEFAULT_PORT)),
            DbHost::Socket(path) => options.socket(path),
            _ => options.socket(&self.default_socket),
        }
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.password.expose_secret().is_empty() { "" } else { "***" };
        f.debug_struct("DbConfig")
            .field("host", &self.host)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &password)
            .field("charset", &self.charset)
            .field("table_prefix", &self.table_prefix)
            .field("default_socket", &self.default_socket)
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("query_timeout", &self.query_timeout)
            .field("network_id", &self.network_id)
            .field("allow_password_writes", &self.allow_password_writes)
            .finish()
    }
}

/// A database operation that failed.
///
/// Start-up variants name the setting to fix; runtime variants say what was being done and
/// keep the driver's error as their [`source`](std::error::Error::source). None of them
/// contains the password.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// A setting is missing or malformed.
    #[error("{setting}: {problem}")]
    Setting {
        /// The setting, as spelled in each configuration layer.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The first connection failed (refused, unknown host, access denied, unknown database…).
    #[error("{setting}: cannot connect to {target}")]
    Connect {
        /// The setting most likely at fault.
        setting: &'static str,
        /// Where the connection went ([`DbConfig::target`]).
        target: String,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The first connection did not complete in time.
    #[error("{}: cannot connect to {target}: no answer within {after:?}", setting::DB_HOST)]
    ConnectTimeout {
        /// Where the connection went.
        target: String,
        /// The limit ([`DbConfig::connect_timeout`]).
        after: Duration,
    },
    /// The WordPress tables are not where the settings say.
    #[error("{}: {problem}", setting::TABLE_PREFIX)]
    Schema {
        /// What is missing.
        problem: String,
    },
    /// No connection could be had in time: the server is down or the pool is exhausted.
    #[error("no database connection to {target} within {after:?}")]
    Unavailable {
        /// Where the connections go.
        target: String,
        /// The limit ([`DbConfig::acquire_timeout`]).
        after: Duration,
    },
    /// An operation did not finish in time.
    #[error("database operation {what} timed out after {after:?}")]
    Timeout {
        /// The operation.
        what: &'static str,
        /// The limit ([`DbConfig::query_timeout`]).
        after: Duration,
    },
    /// A query failed.
    #[error("database operation {what} failed")]
    Query {
        /// The operation.
        what: &'static str,
        /// The driver's error.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// A write was asked for while writes are disabled.
    #[error("refusing to write the users table: {} is off", setting::REHASH_ON_LOGIN)]
    ReadOnly,
}

impl DbError {
    /// Whether retrying later may succeed (the server or network failed, not the request).
    pub fn is_transient(&self) -> bool {
        match self {
            DbError::Unavailable { .. } | DbError::Timeout { .. } => true,
            DbError::ConnectTimeout { .. } => true,
            DbError::Connect { source, .. } | DbError::Query { source, .. } => {
                matches!(**source, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
            }
            _ => false,
        }
    }
}

/// The names of the WordPress tables and keys, from `$table_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    prefix: String,
}

impl Tables {
    /// The tables of a site whose `$table_prefix` is `prefix` (already validated).
    fn new(prefix: &str) -> Tables {
        Tables { prefix: prefix.to_owned() }
    }

    /// `$table_prefix`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `$wpdb->users`.
    pub fn users(&self) -> String {
        format!("{}users", self.prefix)
    }

    /// `$wpdb->usermeta`.
    pub fn usermeta(&self) -> String {
        format!("{}usermeta", self.prefix)
    }

    /// `$wpdb->options` (the main site's).
    pub fn options(&self) -> String {
        format!("{}options", self.prefix)
    }

    /// `$wpdb->sitemeta` (multisite network options).
    pub fn sitemeta(&self) -> String {
        format!("{}sitemeta", self.prefix)
    }

    /// The user meta key of a user's capabilities on the main site (`WP_User::$cap_key`).
    pub fn capabilities_key(&self) -> String {
        format!("{}capabilities", self.prefix)
    }

    /// The option holding the role definitions (`WP_Roles::$role_key`).
    pub fn user_roles_option(&self) -> String {
        format!("{}user_roles", self.prefix)
    }
}

/// A handle on the site's database: a bounded connection pool and the table names.
///
/// Cheap to clone (all clones share the pool).
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    pool: MySqlPool,
    tables: Tables,
    target: String,
    acquire_timeout: Duration,
    query_timeout: Duration,
    network_id: Option<u64>,
    allow_password_writes: bool,
    schema: OnceCell<Schema>,
}

/// What [`Db::check_schema`] found.
#[derive(Debug, Clone, Copy)]
struct Schema {
    /// The users table has multisite's `spam` and `deleted` columns.
    multisite_user_columns: bool,
}

impl Db {
    /// Connects once to check the settings, checks that the WordPress tables exist, and
    /// returns a pool.
    ///
    /// # Errors
    /// [`DbError::Connect`] (naming `db_host`, `db_name`, `db_user`/`db_password` or
    /// `db_charset` after the server's answer), [`DbError::ConnectTimeout`], and
    /// [`DbError::Schema`] when `<prefix>users`, `<prefix>usermeta` or `<prefix>options` is
    /// missing.
    pub async fn connect(config: &DbConfig) -> Result<Db, DbError> {
        let target = config.target();
        let options = config.connect_options();
        // One direct connection first: the pool would turn every failure into "timed out",
        // and start-up deserves the server's own words.
        let mut conn = match tokio::time::timeout(config.connect_timeout, options.connect()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(DbError::Connect {
                    setting: connect_setting(&e),
                    target,
                    source: Arc::new(e),
                });
            }
            Err(_) => {
                return Err(DbError::ConnectTimeout { target, after: config.connect_timeout });
            }
        };
        let checked = tokio::time::timeout(
            config.query_timeout,
            check_schema(&mut conn, &Tables::new(&config.table_prefix)),
        )
        .await;
        // Closing is a courtesy to the server; a failure here changes nothing.
        let _ = conn.close().await;
        let schema = match checked {
            Ok(result) => result?,
            Err(_) => {
                return Err(DbError::Timeout { what: "schema check", after: config.query_timeout });
            }
        };
        let db = Db::connect_lazy(config);
        db.inner.schema.set(schema).ok();
        tracing::info!(
            target = %db.inner.target,
            database = %config.database,
            user = %config.user,
            table_prefix = %config.table_prefix,
            multisite_user_columns = schema.multisite_user_columns,
            "database connected"
        );
        Ok(db)
    }

    /// A pool that connects on first use, without checking anything now (tools and tests).
    /// The tables are checked on the first user lookup.
    pub fn connect_lazy(config: &DbConfig) -> Db {
        let pool = MySqlPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            .idle_timeout(Duration::from_secs(300))
            .max_lifetime(Duration::from_secs(1800))
            .connect_lazy_with(config.connect_options());
        Db {
            inner: Arc::new(Inner {
                pool,
                tables: Tables::new(&config.table_prefix),
                target: config.target(),
                acquire_timeout: config.acquire_timeout,
                query_timeout: config.query_timeout,
                network_id: config.network_id,
                allow_password_writes: config.allow_password_writes,
                schema: OnceCell::new(),
            }),
        }
    }

    /// Whether the database answers (readiness): `SELECT 1` within the time limits.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Timeout`] or [`DbError::Query`].
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run("ping", async {
            let mut conn = self.inner.pool.acquire().await?;
            conn.ping().await
        })
        .await
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.inner.tables
    }

    /// Where the connections go ([`DbConfig::target`]).
    pub fn target(&self) -> &str {
        &self.inner.target
    }

    /// The pool, for other readers of the WordPress tables (the user-meta session store).
    pub fn pool(&self) -> &MySqlPool {
        &self.inner.pool
    }

    /// Closes every connection; later operations fail.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    /// Runs one operation under the per-operation time limit, translating errors.
    pub(crate) async fn run<T>(
        &self,
        what: &'static str,
        operation: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, DbError> {
        match tokio::time::timeout(self.inner.query_timeout, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(sqlx::Error::PoolTimedOut)) => Err(DbError::Unavailable {
                target: self.inner.target.clone(),
                after: self.inner.acquire_timeout,
            }),
            Ok(Err(e)) => Err(DbError::Query { what, source: Arc::new(e) }),
            Err(_) => Err(DbError::Timeout { what, after: self.inner.query_timeout }),
        }
    }

    /// The schema facts, checked once per handle.
    async fn schema(&self) -> Result<Schema, DbError> {
        self.inner
            .schema
            .get_or_try_init(|| async {
                let tables = self.inner.tables.clone();
                self.run("schema check", async {
                    let mut conn = self.inner.pool.acquire().await?;
                    Ok(check_schema(&mut conn, &tables).await)
                })
                .await?
            })
            .await
            .copied()
    }

    pub(crate) fn network_id(&self) -> Option<u64> {
        self.inner.network_id
    }

    pub(crate) fn allows_password_writes(&self) -> bool {
        self.inner.allow_password_writes
    }
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("target", &self.inner.target)
            .field("tables", &self.inner.tables)
            .field("pool", &self.inner.pool)
            .finish_non_exhaustive()
    }
}

/// Checks that the tables wpgate reads exist, and whether the users table is multisite's.
async fn check_schema(conn: &mut MySqlConnection, tables: &Tables) -> Result<Schema, DbError> {
    let (users, usermeta, options) = (tables.users(), tables.usermeta(), tables.options());
    let rows = sqlx::query(
        "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)",
    )
    .bind(&users)
    .bind(&usermeta)
    .bind(&options)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::Query { what: "schema check", source: Arc::new(e) })?;
    let mut found: Vec<(String, String)> = Vec::with_capacity(rows.len());
    for row in rows {
        let table: Vec<u8> = row.try_get("t").unwrap_or_default();
        let column: Vec<u8> = row.try_get("c").unwrap_or_default();
        found.push((lossy(table), lossy(column).to_ascii_lowercase()));
    }
    let missing: Vec<&str> = [&users, &usermeta, &options]
        .into_iter()
        .filter(|t| !found.iter().any(|(table, _)| table == *t))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(DbError::Schema {
            problem: format!(
                "table{} {} not found in the database: is the prefix right?",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        });
    }
    let has = |column: &str| found.iter().any(|(t, c)| *t == users && c == column);
    Ok(Schema { multisite_user_columns: has("spam") && has("deleted") })
}

/// Which setting a failed first connection points at, from the server's error number.
fn connect_setting(error: &sqlx::Error) -> &'static str {
    let number = match error {
        sqlx::Error::Database(e) => e.try_downcast_ref::<MySqlDatabaseError>().map(|e| e.number()),
        _ => None,
    };
    match number {
        // ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
        Some(1045 | 1044 | 1698) => setting::DB_CREDENTIALS,
        // ER_BAD_DB_ERROR
        Some(1049) => setting::DB_NAME,
        // ER_UNKNOWN_CHARACTER_SET, ER_UNKNOWN_COLLATION (from `SET NAMES`)
        Some(1115 | 1273) => setting::DB_CHARSET,
        _ => setting::DB_HOST,
    }
}

fn required<'a>(value: Option<&'a str>, setting: &'static str) -> Result<&'a str, DbError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(DbError::Setting { setting, problem: "is not set".to_owned() }),
    }
}

/// `DB_CHARSET` as the connection charset: `utf8` → `utf8mb4` (`wpdb::determine_charset()`
/// on every server that has utf8mb4), empty → `utf8mb4`.
fn connection_charset(db_charset: Option<&str>) -> Result<String, DbError> {
    match db_charset.unwrap_or("") {
        // WordPress compares with `'utf8' === $charset`: only this exact spelling is upgraded.
        "" | "utf8" => Ok("utf8mb4".to_owned()),
        // The name goes into `SET NAMES`, which cannot be a bound parameter.
        other if is_identifier(other) => Ok(other.to_owned()),
        other => Err(DbError::Setting {
            setting: setting::DB_CHARSET,
            problem: format!("{other:?} is not a character set name"),
        }),
    }
}

fn is_identifier(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Text columns are read as bytes (the connection charset need not be UTF-8) and shown as
/// UTF-8, replacing what is not.
pub(crate) fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: Option<&str>) -> Settings {
        Settings {
            db_host: host.map(str::to_owned),
            db_name: Some("wordpress".into()),
            db_user: Some("wp".into()),
            db_password: Some(SecretString::from("s3cret-pw")),
            ..Settings::default()
        }
    }

    fn options(host: &str) -> MySqlConnectOptions {
        DbConfig::from_settings(&settings(Some(host))).unwrap().connect_options()
    }

    #[test]
    fn tcp_hosts_keep_their_port_or_get_3306() {
        let o = options("db.example.com:3307");
        assert_eq!((o.get_host(), o.get_port(), o.get_socket()), ("db.example.com", 3307, None));
        let o = options("127.0.0.1");
        assert_eq!((o.get_host(), o.get_port()), ("127.0.0.1", 3306));
    }

    #[test]
    fn ipv6_hosts_lose_their_brackets() {
        let o = options("[::1]:3307");
        assert_eq!((o.get_host(), o.get_port()), ("::1", 3307));
        assert_eq!(
            DbConfig::from_settings(&settings(Some("[::1]:3307"))).unwrap().target(),
            "[::1]:3307"
        );
    }

    #[test]
    fn localhost_uses_the_default_socket_and_ignores_the_port() {
        for host in ["localhost", "LOCALHOST", "localhost:3307", ""] {
            let o = options(host);
            assert_eq!(o.get_socket(), Some(&PathBuf::from(DEFAULT_SOCKET)), "{host:?}");
        }
        // No db_host at all: mysqli's default host, localhost.
        let config = DbConfig::from_settings(&settings(None)).unwrap();
        assert_eq!(config.target(), "unix socket /run/mysqld/mysqld.sock");
    }

    #[test]
    fn a_socket_path_is_used_as_given() {
        let o = options("localhost:/var/lib/mysql/mysql.sock");
        assert_eq!(o.get_socket(), Some(&PathBuf::from("/var/lib/mysql/mysql.sock")));
        let o = options(":/tmp/my.sock");
        assert_eq!(o.get_socket(), Some(&PathBuf::from("/tmp/my.sock")));
    }

    #[test]
    fn charset_follows_wordpress() {
        let with = |c: Option<&str>| {
            let s = Settings { db_charset: c.map(str::to_owned), ..settings(None) };
            DbConfig::from_settings(&s).map(|c| c.charset)
        };
        assert_eq!(with(None).unwrap(), "utf8mb4");
        assert_eq!(with(Some("utf8")).unwrap(), "utf8mb4");
        assert_eq!(with(Some("latin1")).unwrap(), "latin1");
        let err = with(Some("utf8; DROP TABLE x")).unwrap_err().to_string();
        assert!(err.starts_with("db_charset (WPGATE_DB_CHARSET"), "{err}");
    }

    #[test]
    fn missing_or_bad_settings_are_named() {
        let s = Settings { db_name: None, ..settings(None) };
        let err = DbConfig::from_settings(&s).unwrap_err().to_string();
        assert!(err.starts_with("db_name (WPGATE_DB_NAME / DB_NAME in wp-config.php)"), "{err}");
        let s = Settings { db_user: Some(String::new()), ..settings(None) };
        let err = DbConfig::from_settings(&s).unwrap_err().to_string();
        assert!(err.starts_with("db_user (WPGATE_DB_USER"), "{err}");
        let err = DbConfig::from_settings(&settings(Some("db:99999"))).unwrap_err().to_string();
        assert!(err.starts_with("db_host (WPGATE_DB_HOST / DB_HOST in wp-config.php)"), "{err}");
        let s = Settings { table_prefix: Some("wp-".into()), ..settings(None) };
        let err = DbConfig::from_settings(&s).unwrap_err().to_string();
        assert!(err.starts_with("table_prefix (WPGATE_TABLE_PREFIX"), "{err}");
    }

    #[test]
    fn debug_masks_the_password() {
        let config = DbConfig::from_settings(&settings(None)).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-pw") && shown.contains("***"), "{shown}");
    }

    #[test]
    fn tables_follow_the_prefix() {
        let t = Tables::new("wpx_");
        assert_eq!(
            (t.users(), t.usermeta(), t.options(), t.sitemeta()),
            (
                "wpx_users".into(),
                "wpx_usermeta".into(),
                "wpx_options".into(),
                "wpx_sitemeta".into()
            )
        );
        assert_eq!(t.capabilities_key(), "wpx_capabilities");
        assert_eq!(t.user_roles_option(), "wpx_user_roles");
    }
}
