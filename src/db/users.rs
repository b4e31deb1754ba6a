//! Users as `get_user_by()` finds them, with their roles on the main site.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// SQL texts are assembled only from the validated table prefix; every value is bound.
use sqlx::mysql::MySqlRow;
use sqlx::{AssertSqlSafe, Row};
use wpgate_core::password::PasswordHash;
use wpgate_core::php_serialize::{Key, Value};
use wpgate_core::users::{SanitizeRules, login_lookup_key};

use super::{Db, DbError, lossy};
use wpgate_core::php_serialize::maybe_unserialize;

/// A row of `<prefix>users` with the user's roles: what wpgate needs of a `WP_User`.
///
/// `Debug` shows the hash's format only ([`PasswordHash`] never prints its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WpUser {
    /// `ID`.
    pub id: u64,
    /// `user_login`, as stored (not necessarily the text a cookie or form carried).
    pub login: String,
    /// `user_pass`.
    pub pass: PasswordHash,
    /// `user_email`.
    pub email: String,
    /// `display_name`.
    pub display_name: String,
    /// `user_status` (unused by WordPress core today; `1` marked spammers in old MU installs).
    pub user_status: i32,
    /// `WP_User::$roles`: the keys of the `<prefix>capabilities` user meta that name a role
    /// registered in the `<prefix>user_roles` option, in stored order.
    pub roles: Vec<String>,
    /// Multisite's `spam` column; `None` on a single-site users table.
    pub spam: Option<bool>,
    /// Multisite's `deleted` column; `None` on a single-site users table.
    pub deleted: Option<bool>,
}

impl WpUser {
    /// Whether multisite marked the user as spam (`is_user_spammy()`), which makes
    /// `wp_authenticate_spam_check()` refuse the login.
    #[doc(alias = "is_user_spammy")]
    pub fn is_spammy(&self) -> bool {
        self.spam == Some(true)
    }

    /// Whether the user has `role` on the main site.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// The site's users, read straight from the database (see [`CachedUsers`](super::CachedUsers)
/// for the cached view the service uses).
///
/// Lookups follow `WP_User::get_data_by()`: the value is trimmed, a falsy one (`""`, `"0"`)
/// runs no query, logins are normalised by `sanitize_user()` ([`login_lookup_key`]), and the
/// database compares with `=` under the column's collation, so a login WordPress finds is found
/// here too (`ALICE` finds `alice`, `José` finds `Jose`, under `utf8mb4_unicode_520_ci`), and
/// when several rows match, the one the server returns first wins, as in WordPress's
/// `LIMIT 1`.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct Users {
    db: Db,
    rules: Arc<SanitizeRules>,
    role_names: Arc<RoleNames>,
}

impl Users {
    /// The users of `db`; `rules` are the site's `sanitize_user()` rules (WordPress version,
    /// locale, intl). Registered role names are re-read at most every 5 seconds.
    pub fn new(db: Db, rules: SanitizeRules) -> Users {
        Users {
            db,
            rules: Arc::new(rules),
            role_names: Arc::new(RoleNames::new(Duration::from_secs(5))),
        }
    }

    /// The same users, re-reading the registered role names at most every `ttl` (zero: on
    /// every lookup). Roles change rarely; use the user cache's TTL to keep one promise.
    #[must_use]
    pub fn with_role_names_ttl(self, ttl: Duration) -> Users {
        Users { role_names: Arc::new(RoleNames::new(ttl)), ..self }
    }

    /// The `sanitize_user()` rules in use.
    pub fn rules(&self) -> &SanitizeRules {
        &self.rules
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The value [`Users::by_login`] searches `user_login` for, or `None` when it runs no
    /// query (see [`login_lookup_key`]).
    pub fn login_key(&self, login: &str) -> Option<String> {
        login_lookup_key(login, &self.rules)
    }

    /// `get_user_by('login', login)`: the user whose `user_login` equals the sanitized login
    /// under the column's collation.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Timeout`], [`DbError::Query`]; an unknown login
    /// is `Ok(None)`.
    #[doc(alias = "get_user_by")]
    pub async fn by_login(&self, login: &str) -> Result<Option<WpUser>, DbError> {
        match self.login_key(login) {
            Some(key) => self.by_login_key(&key).await,
            None => Ok(None),
        }
    }

    /// `get_user_by('email', email)`: the user whose `user_email` equals the trimmed address
    /// under the column's collation (case-insensitive on a stock site).
    ///
    /// # Errors
    /// As [`Users::by_login`].
    pub async fn by_email(&self, email: &str) -> Result<Option<WpUser>, DbError> {
        match email_key(email) {
            Some(key) => self.fetch(Field::Email, FieldValue::Text(key)).await,
            None => Ok(None),
        }
    }

    /// `get_user_by('id', id)`; `0` runs no query.
    ///
    /// # Errors
    /// As [`Users::by_login`].
    pub async fn by_id(&self, id: u64) -> Result<Option<WpUser>, DbError> {
        if id == 0 {
            return Ok(None);
        }
        self.fetch(Field::Id, FieldValue::Id(id)).await
    }

    /// `wp_set_password()` with an already computed hash: sets `user_pass` and clears
    /// `user_activation_key` (a pending password-reset key stops working, as in WordPress).
    ///
    /// Only for the 6.8+ rehash at login (`rehash_on_login`); anything cached about the user
    /// must be dropped afterwards ([`CachedUsers::set_password_hash`](super::CachedUsers::set_password_hash)
    /// does) and other nodes told (`user:U` on the events channel). An unknown `id` changes
    /// nothing, as in WordPress.
    ///
    /// # Errors
    /// [`DbError::ReadOnly`] unless [`DbConfig::allow_password_writes`](super::DbConfig::allow_password_writes)
    /// is set; otherwise as [`Users::by_login`].
    #[doc(alias = "wp_set_password")]
    pub async fn set_password_hash(&self, id: u64, hash: &PasswordHash) -> Result<(), DbError> {
        if !self.db.allows_password_writes() {
            return Err(DbError::ReadOnly);
        }
        let sql = format!(
            "UPDATE `{}` SET user_pass = ?, user_activation_key = '' WHERE ID = ?",
            self.db.tables().users()
        );
        self.db
            .run("password update", async {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(hash.as_bytes())
                    .bind(id)
                    .execute(self.db.pool())
                    .await
            })
            .await?;
        tracing::info!(user_id = id, format = ?hash.format(), "password hash updated");
        Ok(())
    }

    /// `get_user_by('login')` for an already sanitized key.
    pub(crate) async fn by_login_key(&self, key: &str) -> Result<Option<WpUser>, DbError> {
        self.fetch(Field::Login, FieldValue::Text(key.to_owned())).await
    }

    /// One user row with its capabilities meta, in one round trip, then its roles.
    async fn fetch(&self, field: Field, value: FieldValue) -> Result<Option<WpUser>, DbError> {
        let schema = self.db.schema().await?;
        let tables = self.db.tables();
        let multisite = if schema.multisite_user_columns { ", u.spam, u.deleted" } else { "" };
        // The capabilities are `get_user_meta($id, $cap_key, true)`: the first row by
        // umeta_id. WordPress's own query has `LIMIT 1` and no ORDER BY; an ORDER BY ID here
        // could make MySQL scan the primary key instead of the user_login index.
        let sql = format!(
            "SELECT u.ID, u.user_login, u.user_pass, u.user_email, u.display_name, \
             u.user_status{multisite}, \
             (SELECT m.meta_value FROM `{usermeta}` m WHERE m.user_id = u.ID AND m.meta_key = ? \
              ORDER BY m.umeta_id LIMIT 1) AS caps \
             FROM `{users}` u WHERE u.{column} = ? LIMIT 1",
            usermeta = tables.usermeta(),
            users = tables.users(),
            column = field.column(),
        );
        let cap_key = tables.capabilities_key();
        let row = self
            .db
            .run(field.operation(), async {
                let query = sqlx::query(AssertSqlSafe(sql)).bind(&cap_key);
                let query = match &value {
                    FieldValue::Text(text) => query.bind(text.as_str()),
                    FieldValue::Id(id) => query.bind(*id),
                };
                query.fetch_optional(self.db.pool()).await
            })
            .await?;
        let Some(row) = row else { return Ok(None) };
        let caps: Option<Vec<u8>> = row
            .try_get("caps")
            .map_err(|e| DbError::Query { what: field.operation(), source: Arc::new(e) })?;
        let role_names = self.registered_roles().await?;
        let user = decode_user(&row, caps.as_deref(), &role_names, schema.multisite_user_columns)
            .map_err(|e| DbError::Query { what: field.operation(), source: Arc::new(e) })?;
        Ok(Some(user))
    }

    /// The registered role names (`WP_Roles`: the keys of the `<prefix>user_roles` option).
    async fn registered_roles(&self) -> Result<Arc<Vec<String>>, DbError> {
        if let Some(names) = self.role_names.fresh() {
            return Ok(names);
        }
        let sql = format!(
            "SELECT option_value FROM `{}` WHERE option_name = ? LIMIT 1",
            self.db.tables().options()
        );
        let option = self.db.tables().user_roles_option();
        let value: Option<Vec<u8>> = self
            .db
            .run("role names lookup", async {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .bind(&option)
                    .fetch_optional(self.db.pool())
                    .await
            })
            .await?;
        let names = Arc::new(role_names(value.as_deref()));
        self.role_names.store(names.clone());
        Ok(names)
    }
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users").field("db", &self.db).field("rules", &self.rules).finish()
    }
}

/// The column a lookup searches.
#[derive(Debug, Clone, Copy)]
enum Field {
    Login,
    Email,
    Id,
}

impl Field {
    fn column(self) -> &'static str {
        match self {
            Field::Login => "user_login",
            Field::Email => "user_email",
            Field::Id => "ID",
        }
    }

    fn operation(self) -> &'static str {
        match self {
            Field::Login => "user lookup by login",
            Field::Email => "user lookup by email",
            Field::Id => "user lookup by id",
        }
    }
}

enum FieldValue {
    Text(String),
    Id(u64),
}

/// The registered role names, kept for a bounded time.
struct RoleNames {
    ttl: Duration,
    cached: Mutex<Option<(Instant, Arc<Vec<String>>)>>,
}

impl RoleNames {
    fn new(ttl: Duration) -> RoleNames {
        RoleNames { ttl, cached: Mutex::new(None) }
    }

    fn fresh(&self) -> Option<Arc<Vec<String>>> {
        let guard = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*guard {
            Some((at, names)) if at.elapsed() < self.ttl => Some(names.clone()),
            _ => None,
        }
    }

    fn store(&self, names: Arc<Vec<String>>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut guard = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = Some((Instant::now(), names));
    }
}

/// `WP_User::get_data_by('email')`: trimmed; falsy values run no query.
fn email_key(email: &str) -> Option<String> {
    let trimmed = email.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B']);
    (!trimmed.is_empty() && trimmed != "0").then(|| trimmed.to_owned())
}

fn decode_user(
    row: &MySqlRow,
    caps: Option<&[u8]>,
    role_names: &[String],
    multisite: bool,
) -> Result<WpUser, sqlx::Error> {
    let flag = |column: &str| -> Result<Option<bool>, sqlx::Error> {
        if !multisite {
            return Ok(None);
        }
        Ok(Some(row.try_get::<i64, _>(column)? != 0))
    };
    Ok(WpUser {
        id: row.try_get("ID")?,
        login: lossy(row.try_get("user_login")?),
        pass: PasswordHash::new(row.try_get::<Vec<u8>, _>("user_pass")?),
        email: lossy(row.try_get("user_email")?),
        display_name: lossy(row.try_get("display_name")?),
        user_status: row.try_get::<i64, _>("user_status")?.try_into().unwrap_or(i32::MAX),
        roles: roles(caps, role_names),
        spam: flag("spam")?,
        deleted: flag("deleted")?,
    })
}

/// `WP_User::get_role_caps()`: `array_filter(array_keys($caps), [$wp_roles, 'is_role'])`.
///
/// The value of each entry does not matter to WordPress (a role stored as `false` is still a
/// role); a capability that is not a role name (`edit_posts => true`) is not. A meta value that
/// is not a serialized array (`maybe_unserialize()` fails, or gives a string) gives no roles.
fn roles(caps: Option<&[u8]>, role_names: &[String]) -> Vec<String> {
    let Some(Value::Array(entries)) = caps.and_then(maybe_unserialize) else {
        return Vec::new();
    };
    let mut roles: Vec<String> = Vec::new();
    for (key, _) in entries {
        let name = key_text(&key);
        if role_names.contains(&name) && !roles.contains(&name) {
            roles.push(name);
        }
    }
    roles
}

/// The keys of the `<prefix>user_roles` option (`WP_Roles::init_roles()`); nothing when the
/// option is missing or not an array, as in WordPress.
fn role_names(option: Option<&[u8]>) -> Vec<String> {
    match option.and_then(maybe_unserialize) {
        Some(Value::Array(entries)) => entries.iter().map(|(key, _)| key_text(key)).collect(),
        _ => Vec::new(),
    }
}

/// An array key as PHP's `array_keys()` would compare it to a role name.
fn key_text(key: &Key) -> String {
    match key {
        Key::Int(i) => i.to_string(),
        Key::Str(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["administrator", "editor", "subscriber", "404"].map(str::to_owned).to_vec()
    }

    #[test]
    fn roles_are_the_keys_that_name_registered_roles() {
        let caps = br#"a:3:{s:6:"editor";b:1;s:10:"edit_posts";b:1;s:10:"subscriber";b:1;}"#;
        assert_eq!(roles(Some(caps), &names()), ["editor", "subscriber"]);
    }

    #[test]
    fn a_role_stored_as_false_is_still_a_role_as_in_wordpress() {
        let caps = br#"a:1:{s:13:"administrator";b:0;}"#;
        assert_eq!(roles(Some(caps), &names()), ["administrator"]);
    }

    #[test]
    fn unreadable_capabilities_give_no_roles() {
        for caps in [
            &b""[..],
            b"editor",
            br#"s:6:"editor";"#,
            br#"a:1:{s:6:"editor";b:1;"#,
            br#"a:1:{s:6:"editor";b:1;}trailing"#,
        ] {
            assert!(roles(Some(caps), &names()).is_empty(), "{:?}", String::from_utf8_lossy(caps));
        }
        assert!(roles(None, &names()).is_empty());
    }

    #[test]
    fn surrounding_whitespace_and_integer_keys_are_read_like_php() {
        let caps = b" a:1:{i:404;b:1;}\n";
        assert_eq!(roles(Some(caps), &names()), ["404"]);
    }

    #[test]
    fn role_names_are_the_option_keys() {
        let option = br#"a:2:{s:13:"administrator";a:1:{s:4:"name";s:13:"Administrator";}s:6:"editor";a:0:{}}"#;
        assert_eq!(role_names(Some(option)), ["administrator", "editor"]);
        assert!(role_names(Some(b"garbage")).is_empty());
        assert!(role_names(None).is_empty());
    }

    #[test]
    fn email_lookup_trims_and_skips_falsy_values() {
        assert_eq!(email_key(" a@example.com\n").as_deref(), Some("a@example.com"));
        assert_eq!(email_key(" 0 "), None);
        assert_eq!(email_key("\t"), None);
    }
}
