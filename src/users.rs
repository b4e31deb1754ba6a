//! The site's users as the auth code needs them: the [`UserDirectory`] seam.
//!
//! The implementation reads the site's own database (`crate::db`), behind a cache with
//! bounded staleness; the service only sees this trait.

use std::sync::Arc;

use async_trait::async_trait;
use wpgate_core::password::PasswordHash;

/// A WordPress user row (plus roles from `<prefix>capabilities`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `ID`.
    pub id: u64,
    /// `user_login`, as stored.
    pub login: String,
    /// `user_pass`: the password hash.
    pub pass: PasswordHash,
    /// `user_email`.
    pub email: String,
    /// `display_name`.
    pub display_name: String,
    /// Role slugs (`administrator`, `editor`, ...).
    pub roles: Vec<String>,
    /// `user_status` (WordPress ignores it at login on single sites).
    pub user_status: i64,
    /// Multisite: `spam` flag (such users cannot log in with a password).
    pub spam: bool,
    /// Multisite: `deleted` flag.
    pub deleted: bool,
}

/// A failure reaching the user database.
#[derive(Debug, thiserror::Error)]
#[error("user directory unavailable")]
pub struct UsersError(#[source] pub anyhow::Error);

/// Looks users up the way WordPress does.
#[async_trait]
pub trait UserDirectory: Send + Sync + 'static {
    /// `get_user_by('login', $login)`: sanitized like WordPress, compared by the database
    /// collation.
    async fn by_login(&self, login: &str) -> Result<Option<Arc<User>>, UsersError>;
    /// `get_user_by('email', $email)`.
    async fn by_email(&self, email: &str) -> Result<Option<Arc<User>>, UsersError>;
    /// `get_user_by('id', $id)`.
    async fn by_id(&self, id: u64) -> Result<Option<Arc<User>>, UsersError>;
    /// `wp_set_password()` with an already computed hash (rehash on login).
    async fn set_password_hash(&self, id: u64, hash: &PasswordHash) -> Result<(), UsersError>;
    /// Drops cached copies of one user (a change announced by WordPress).
    fn invalidate(&self, id: u64);
    /// Whether the database answers (readiness).
    async fn ping(&self) -> Result<(), UsersError>;
}
