//! Small helpers for the database tests.

use std::error::Error;

use wpgate::db::{CachedUsers, Db, DbConfig, Users};
use wpgate_core::users::SanitizeRules;

use crate::support::wp_db::WpDb;

/// A checked connection to the fixture database.
pub async fn connect(fixture: &WpDb) -> Db {
    Db::connect(&fixture.db_config()).await.unwrap()
}

/// A connection that may write password hashes (`rehash_on_login`).
pub async fn connect_writable(fixture: &WpDb) -> Db {
    let config = DbConfig { allow_password_writes: true, ..fixture.db_config() };
    Db::connect(&config).await.unwrap()
}

/// The fixture's users, uncached.
pub async fn users(fixture: &WpDb) -> Users {
    Users::new(connect(fixture).await, SanitizeRules::default())
}

/// The fixture's users behind a cache with this TTL.
pub async fn cached(fixture: &WpDb, ttl: std::time::Duration) -> CachedUsers {
    CachedUsers::new(users(fixture).await, ttl)
}

/// An error with its causes, as `anyhow` prints them with `{:#}`.
pub fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
