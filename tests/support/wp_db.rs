//! A throwaway WordPress database on the local MariaDB/MySQL server.
//!
//! [`WpDb::create`] makes a fresh database `wpgate_test_<unix time>_<random>` (as root on
//! 127.0.0.1:3306 with no password, unless `WPGATE_TEST_DB_HOST`, `WPGATE_TEST_DB_USER` and
//! `WPGATE_TEST_DB_PASSWORD` say otherwise), creates WordPress's tables with WordPress's
//! column definitions (wp-admin/includes/schema.php) in `utf8mb4` / `utf8mb4_unicode_520_ci`,
//! and fills them with [`FIXTURE_USERS`] (one per password hash format, hashed by
//! `wpgate_core::password`), their roles, the role definitions and the site options.
//!
//! The database is dropped when the [`WpDb`] is dropped (also when a test panics), or
//! explicitly with [`WpDb::drop_database`]. Databases of killed runs are swept: creating a
//! fixture drops every `wpgate_test_*` database older than an hour.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use secrecy::SecretString;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, Row};
use wpgate::config::Settings;
use wpgate::db::DbConfig;
use wpgate_core::WpVersion;
use wpgate_core::password::{self, PasswordHash, PasswordPolicy};
use wpgate_core::php_serialize::{Value, serialize};

/// A user the fixture creates.
#[derive(Debug, Clone, Copy)]
pub struct UserSpec {
    /// `user_login`, stored as is (some are not what `wp_insert_user()` would allow, the way
    /// WordPress's own test vectors inject them with SQL).
    pub login: &'static str,
    /// `user_email`.
    pub email: &'static str,
    /// The plain-text password.
    pub password: &'static str,
    /// How `user_pass` is hashed.
    pub hash: HashKind,
    /// The stored `<prefix>capabilities` meta value (`None`: no row).
    pub capabilities: Option<&'static str>,
    /// `user_status`.
    pub user_status: i32,
    /// `user_activation_key`.
    pub activation_key: &'static str,
}

/// The password hash formats a `user_pass` column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// WordPress 6.8+: `$wp$2y$…`.
    WpBcrypt,
    /// phpass portable: `$P$B…` (WordPress ≤ 6.7).
    Phpass,
    /// Plain bcrypt `$2y$…` (plugins, imports).
    Bcrypt,
    /// `md5(password)` (WordPress before 2.5).
    Md5,
}

/// The users every fixture holds, IDs 1, 2, 3… in this order.
pub const FIXTURE_USERS: &[UserSpec] = &[
    UserSpec {
        login: "alice",
        email: "alice@example.com",
        password: "alice-correct-horse",
        hash: HashKind::WpBcrypt,
        capabilities: Some(r#"a:1:{s:13:"administrator";b:1;}"#),
        user_status: 0,
        activation_key: "",
    },
    UserSpec {
        login: "bob",
        email: "bob@example.com",
        password: "bob-battery-staple",
        hash: HashKind::Phpass,
        // A per-user capability next to the role: not a role.
        capabilities: Some(r#"a:2:{s:6:"editor";b:1;s:10:"edit_posts";b:1;}"#),
        user_status: 0,
        activation_key: "1767225600:$P$BxyzxyzxyzxyzxyzxyzxyzxyzxyzXY.",
    },
    UserSpec {
        login: "carol",
        email: "carol@example.com",
        password: "carol-tr0ub4dor",
        hash: HashKind::Bcrypt,
        capabilities: Some(r#"a:1:{s:10:"subscriber";b:1;}"#),
        user_status: 0,
        activation_key: "",
    },
    UserSpec {
        login: "dave",
        email: "dave@example.com",
        password: "em12KtNJ7JqOid!#",
        hash: HashKind::Md5,
        // Not a serialized array: WordPress gives no roles.
        capabilities: Some(r#"a:1:{s:6:"author";b:1;"#),
        user_status: 0,
        activation_key: "",
    },
    UserSpec {
        login: "José Núñez",
        email: "jose@example.com",
        password: "jose-contraseña",
        hash: HashKind::WpBcrypt,
        capabilities: Some(r#"a:1:{s:11:"contributor";b:1;}"#),
        user_status: 0,
        activation_key: "",
    },
    UserSpec {
        login: "Weißbier",
        email: "weiss@example.com",
        password: "weiss-passwort",
        hash: HashKind::WpBcrypt,
        capabilities: Some(r#"a:1:{s:10:"subscriber";b:1;}"#),
        user_status: 0,
        activation_key: "",
    },
    UserSpec {
        login: "erin",
        email: "Erin.Mixed@Example.com",
        password: "erin-pw",
        hash: HashKind::Phpass,
        // A role stored as false is still a role for WordPress.
        capabilities: Some(r#"a:1:{s:6:"author";b:0;}"#),
        user_status: 2,
        activation_key: "",
    },
    UserSpec {
        login: "frank",
        email: "frank@example.com",
        password: "frank-pw",
        hash: HashKind::WpBcrypt,
        capabilities: None,
        user_status: 0,
        activation_key: "",
    },
];

/// The site URL the fixture stores (`siteurl` and `home`).
pub const SITE_URL: &str = "http://wp.test";

/// The salt options the fixture stores: `(name, value)`.
pub const SALT_OPTIONS: &[(&str, &str)] = &[
    ("auth_key", "fixture auth_key 0123456789 abcdefghijklmnopqrstuvwxyz !@#$%^&*()-_"),
    ("auth_salt", "fixture auth_salt 0123456789 abcdefghijklmnopqrstuvwxyz !@#$%^&*()"),
    ("secure_auth_key", "fixture secure_auth_key 0123456789 abcdefghijklmnopqrstuvwxyz []"),
    ("secure_auth_salt", "fixture secure_auth_salt 0123456789 abcdefghijklmnopqrstuvwxyz"),
    ("logged_in_key", "fixture logged_in_key 0123456789 abcdefghijklmnopqrstuvwxyz {}<>"),
    ("logged_in_salt", "fixture logged_in_salt 0123456789 abcdefghijklmnopqrstuvwxyz ~`"),
    ("nonce_key", "fixture nonce_key 0123456789 abcdefghijklmnopqrstuvwxyz +=,.;:/?|"),
    ("nonce_salt", "fixture nonce_salt 0123456789 abcdefghijklmnopqrstuvwxyz +=,.;:"),
    ("secret_key", "fixture secret_key 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFG"),
];

/// The roles registered in the fixture's `<prefix>user_roles` option.
pub const ROLES: &[&str] = &["administrator", "editor", "author", "contributor", "subscriber"];

/// What to build.
#[derive(Debug, Clone)]
pub struct WpDbOptions {
    /// `$table_prefix` (default `wp_`).
    pub prefix: String,
    /// A multisite users table (`spam`, `deleted`) and a `<prefix>sitemeta` table for network 1.
    pub multisite: bool,
    /// Another server than the shared one (`host:port`, root without a password): a private
    /// instance a test starts and stops itself.
    pub server_host: Option<String>,
}

impl Default for WpDbOptions {
    fn default() -> Self {
        WpDbOptions { prefix: "wp_".to_owned(), multisite: false, server_host: None }
    }
}

/// A created fixture user: its spec, ID and stored hash.
#[derive(Debug, Clone)]
pub struct FixtureUser {
    /// `ID`.
    pub id: u64,
    /// What was stored.
    pub spec: UserSpec,
    /// `user_pass` as stored.
    pub hash: PasswordHash,
}

/// A fresh WordPress database; dropped with this value.
#[derive(Debug)]
pub struct WpDb {
    /// The database name.
    pub name: String,
    /// `$table_prefix`.
    pub prefix: String,
    /// The users, in ID order.
    pub users: Vec<FixtureUser>,
    admin: MySqlPool,
    server: Server,
    dropped: bool,
}

impl WpDb {
    /// A single-site WordPress database with prefix `wp_`.
    pub async fn create() -> WpDb {
        WpDb::create_with(WpDbOptions::default()).await
    }

    /// A WordPress database built as `options` says.
    pub async fn create_with(options: WpDbOptions) -> WpDb {
        let server_spec = match options.server_host.clone() {
            Some(host) => Server { host, user: "root".to_owned(), password: String::new() },
            None => Server::shared(),
        };
        let server = server_spec.options();
        let mut conn = server.connect().await.unwrap_or_else(|e| {
            panic!(
                "the tests need MariaDB/MySQL at {} as {} (WPGATE_TEST_DB_HOST, \
                 WPGATE_TEST_DB_USER, WPGATE_TEST_DB_PASSWORD): {e}",
                server_spec.host, server_spec.user
            )
        });
        sweep_stale_databases(&mut conn).await;
        let name = format!("wpgate_test_{}_{:08x}", unix_now(), rand::rng().random::<u32>());
        conn.execute(AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        )))
        .await
        .unwrap();
        conn.close().await.ok();

        let admin = MySqlPoolOptions::new()
            .max_connections(2)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // What wpdb::set_sql_mode() does: drop the modes WordPress is incompatible
                    // with (MySQL 8's NO_ZERO_DATE would refuse the zero-date defaults).
                    conn.execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'").await?;
                    Ok(())
                })
            })
            .connect_with(server.clone().database(&name))
            .await
            .unwrap();
        let mut db = WpDb {
            name,
            prefix: options.prefix.clone(),
            users: Vec::new(),
            admin,
            server: server_spec,
            dropped: false,
        };
        db.create_tables(options.multisite).await;
        db.insert_options(options.multisite).await;
        db.insert_users().await;
        db
    }

    /// Settings that reach this database over TCP, as a site's wp-config.php would give them.
    pub fn settings(&self) -> Settings {
        Settings {
            db_host: Some(self.server.host.clone()),
            db_name: Some(self.name.clone()),
            db_user: Some(self.server.user.clone()),
            db_password: Some(SecretString::from(self.server.password.clone())),
            db_charset: Some("utf8".to_owned()),
            table_prefix: Some(self.prefix.clone()),
            ..Settings::default()
        }
    }

    /// The database configuration of [`WpDb::settings`], with short time limits.
    pub fn db_config(&self) -> DbConfig {
        let mut config = DbConfig::from_settings(&self.settings()).unwrap();
        config.connect_timeout = Duration::from_secs(2);
        config.acquire_timeout = Duration::from_secs(2);
        config.query_timeout = Duration::from_secs(5);
        config
    }

    /// The fixture user with this login.
    pub fn user(&self, login: &str) -> &FixtureUser {
        self.users
            .iter()
            .find(|u| u.spec.login == login)
            .unwrap_or_else(|| panic!("no fixture user {login:?}"))
    }

    /// Runs SQL directly (as root, in this database), for tests that change rows behind
    /// wpgate's back. `{prefix}` in `sql` becomes the table prefix.
    pub async fn execute(&self, sql: &str) {
        let sql = sql.replace("{prefix}", &self.prefix);
        self.admin.execute(AssertSqlSafe(sql)).await.unwrap();
    }

    /// One column of the first row `sql` returns, as text (`{prefix}` as in `execute`).
    pub async fn scalar(&self, sql: &str) -> Option<String> {
        let sql = sql.replace("{prefix}", &self.prefix);
        let row = sqlx::query(AssertSqlSafe(sql)).fetch_optional(&self.admin).await.unwrap()?;
        let value: Option<Vec<u8>> = row.try_get(0).unwrap();
        value.map(|v| String::from_utf8(v).unwrap())
    }

    /// The root pool on this database.
    pub fn admin(&self) -> &MySqlPool {
        &self.admin
    }

    /// Drops the database now.
    pub async fn drop_database(mut self) {
        self.admin.close().await;
        let mut conn = self.server.options().connect().await.unwrap();
        conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{}`", self.name)))
            .await
            .unwrap();
        conn.close().await.ok();
        self.dropped = true;
    }

    async fn create_tables(&self, multisite: bool) {
        let p = &self.prefix;
        // Column definitions as in wp-admin/includes/schema.php (wp_get_db_schema()),
        // written out here; `charset_collate` as wpdb::get_charset_collate() gives it.
        let charset = "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci";
        let multisite_columns = if multisite {
            "spam tinyint(2) NOT NULL default '0',\n deleted tinyint(2) NOT NULL default '0',"
        } else {
            ""
        };
        self.execute(&format!(
            "CREATE TABLE `{p}users` (
             ID bigint(20) unsigned NOT NULL auto_increment,
             user_login varchar(60) NOT NULL default '',
             user_pass varchar(255) NOT NULL default '',
             user_nicename varchar(50) NOT NULL default '',
             user_email varchar(100) NOT NULL default '',
             user_url varchar(100) NOT NULL default '',
             user_registered datetime NOT NULL default '0000-00-00 00:00:00',
             user_activation_key varchar(255) NOT NULL default '',
             user_status int(11) NOT NULL default '0',
             display_name varchar(250) NOT NULL default '',
             {multisite_columns}
             PRIMARY KEY (ID),
             KEY user_login_key (user_login),
             KEY user_nicename (user_nicename),
             KEY user_email (user_email)
             ) {charset}"
        ))
        .await;
        self.execute(&format!(
            "CREATE TABLE `{p}usermeta` (
             umeta_id bigint(20) unsigned NOT NULL auto_increment,
             user_id bigint(20) unsigned NOT NULL default '0',
             meta_key varchar(255) default NULL,
             meta_value longtext,
             PRIMARY KEY (umeta_id),
             KEY user_id (user_id),
             KEY meta_key (meta_key(191))
             ) {charset}"
        ))
        .await;
        self.execute(&format!(
            "CREATE TABLE `{p}options` (
             option_id bigint(20) unsigned NOT NULL auto_increment,
             option_name varchar(191) NOT NULL default '',
             option_value longtext NOT NULL,
             autoload varchar(20) NOT NULL default 'yes',
             PRIMARY KEY (option_id),
             UNIQUE KEY option_name (option_name),
             KEY autoload (autoload)
             ) {charset}"
        ))
        .await;
        if multisite {
            self.execute(&format!(
                "CREATE TABLE `{p}sitemeta` (
                 meta_id bigint(20) NOT NULL auto_increment,
                 site_id bigint(20) NOT NULL default '0',
                 meta_key varchar(255) default NULL,
                 meta_value longtext,
                 PRIMARY KEY (meta_id),
                 KEY meta_key (meta_key(191)),
                 KEY site_id (site_id)
                 ) {charset}"
            ))
            .await;
        }
    }

    async fn insert_options(&self, multisite: bool) {
        let roles = Value::array(ROLES.iter().map(|role| {
            let mut name = role.as_bytes().to_vec();
            if let Some(first) = name.first_mut() {
                first.make_ascii_uppercase();
            }
            let definition = Value::array([
                ("name", Value::from(name)),
                ("capabilities", Value::array([("read", Value::from(true))])),
            ]);
            (*role, definition)
        }));
        let roles = String::from_utf8(serialize(&roles).unwrap()).unwrap();
        let user_roles = format!("{}user_roles", self.prefix);
        let mut options: Vec<(&str, &str)> =
            vec![("siteurl", SITE_URL), ("home", SITE_URL), ("WPLANG", ""), (&user_roles, &roles)];
        if !multisite {
            options.extend_from_slice(SALT_OPTIONS);
        }
        let sql = format!(
            "INSERT INTO `{}options` (option_name, option_value, autoload) VALUES (?, ?, 'yes')",
            self.prefix
        );
        for (name, value) in options {
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(name)
                .bind(value)
                .execute(&self.admin)
                .await
                .unwrap();
        }
        if multisite {
            let sql = format!(
                "INSERT INTO `{}sitemeta` (site_id, meta_key, meta_value) VALUES (1, ?, ?)",
                self.prefix
            );
            let network_siteurl = format!("{SITE_URL}/");
            let mut meta: Vec<(&str, &str)> = vec![("siteurl", &network_siteurl)];
            meta.extend_from_slice(SALT_OPTIONS);
            for (name, value) in meta {
                sqlx::query(AssertSqlSafe(sql.clone()))
                    .bind(name)
                    .bind(value)
                    .execute(&self.admin)
                    .await
                    .unwrap();
            }
        }
    }

    async fn insert_users(&mut self) {
        let insert_user = format!(
            "INSERT INTO `{}users` (user_login, user_pass, user_nicename, user_email, \
             user_registered, user_activation_key, user_status, display_name) \
             VALUES (?, ?, ?, ?, '2026-01-01 00:00:00', ?, ?, ?)",
            self.prefix
        );
        let insert_meta = format!(
            "INSERT INTO `{}usermeta` (user_id, meta_key, meta_value) VALUES (?, ?, ?)",
            self.prefix
        );
        let cap_key = format!("{}capabilities", self.prefix);
        for spec in FIXTURE_USERS {
            let hash = hash_password(spec.password, spec.hash);
            let nicename = spec.login.to_lowercase().replace(' ', "-");
            let result = sqlx::query(AssertSqlSafe(insert_user.clone()))
                .bind(spec.login)
                .bind(hash.as_bytes())
                .bind(&nicename)
                .bind(spec.email)
                .bind(spec.activation_key)
                .bind(spec.user_status)
                .bind(display_name(spec.login))
                .execute(&self.admin)
                .await
                .unwrap();
            let id = result.last_insert_id();
            if let Some(caps) = spec.capabilities {
                sqlx::query(AssertSqlSafe(insert_meta.clone()))
                    .bind(id)
                    .bind(&cap_key)
                    .bind(caps)
                    .execute(&self.admin)
                    .await
                    .unwrap();
            }
            self.users.push(FixtureUser { id, spec: *spec, hash });
        }
    }
}

impl Drop for WpDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its
        // own runtime drops the database.
        let name = self.name.clone();
        let server = self.server.options();
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move {
                let mut conn = server.connect().await?;
                conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`"))).await?;
                conn.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })
        });
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}", self.name),
        }
    }
}

/// The display name WordPress would derive for these logins.
pub fn display_name(login: &str) -> String {
    format!("{login} (display)")
}

/// Hashes `password` in the given format with wpgate's own password module.
pub fn hash_password(password: &str, kind: HashKind) -> PasswordHash {
    let mut rng = rand::rng();
    let hash = match kind {
        HashKind::WpBcrypt => PasswordPolicy::new(WpVersion::LATEST)
            .with_bcrypt_cost(4)
            .unwrap()
            .hash(&password.into(), &mut rng)
            .unwrap(),
        HashKind::Phpass => password::phpass::hash(password.as_bytes(), &mut rng).unwrap(),
        HashKind::Bcrypt => {
            const ALPHABET: &[u8] =
                b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let salt: String =
                (0..22).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
            let setting = format!("$2y$04${salt}");
            let out =
                password::crypt::crypt(password.as_bytes(), setting.as_bytes()).unwrap().unwrap();
            PasswordHash::new(out)
        }
        HashKind::Md5 => {
            // md5("em12KtNJ7JqOid!#"): the one password the MD5 fixture user has.
            assert_eq!(password, "em12KtNJ7JqOid!#", "the MD5 fixture has one known password");
            PasswordHash::from("d94872a41fa7251125a83ed57276f1c9")
        }
    };
    let verified = password::verify(&password.into(), &hash, WpVersion::LATEST).unwrap_or(false);
    assert!(verified, "fixture hash of kind {kind:?} does not verify");
    hash
}

/// A MariaDB/MySQL server and the account the fixture administers it with.
#[derive(Debug, Clone)]
struct Server {
    host: String,
    user: String,
    password: String,
}

impl Server {
    /// The shared server of the environment (`WPGATE_TEST_DB_*`).
    fn shared() -> Server {
        Server {
            host: std::env::var("WPGATE_TEST_DB_HOST")
                .unwrap_or_else(|_| "127.0.0.1:3306".to_owned()),
            user: std::env::var("WPGATE_TEST_DB_USER").unwrap_or_else(|_| "root".to_owned()),
            password: std::env::var("WPGATE_TEST_DB_PASSWORD").unwrap_or_default(),
        }
    }

    /// The account on the server, without a database.
    fn options(&self) -> MySqlConnectOptions {
        let (name, port) = match self.host.rsplit_once(':') {
            Some((name, port)) => (name.to_owned(), port.parse().unwrap_or(3306)),
            None => (self.host.clone(), 3306),
        };
        let options = MySqlConnectOptions::new().host(&name).port(port).username(&self.user);
        match self.password.as_str() {
            "" => options,
            password => options.password(password),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Drops `wpgate_test_<time>_*` databases left by runs that were killed over an hour ago.
async fn sweep_stale_databases(conn: &mut sqlx::MySqlConnection) {
    let Ok(rows) =
        sqlx::query("SHOW DATABASES LIKE 'wpgate\\_test\\_%'").fetch_all(&mut *conn).await
    else {
        return;
    };
    let cutoff = unix_now().saturating_sub(3600);
    for row in rows {
        let Ok(name) = row.try_get::<Vec<u8>, _>(0) else { continue };
        let Ok(name) = String::from_utf8(name) else { continue };
        let created = name
            .strip_prefix("wpgate_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`"))).await;
        }
    }
}
