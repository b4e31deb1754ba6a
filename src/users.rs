//! The site's users as the auth code needs them: the [`UserDirectory`] seam.
//!
//! The implementation reads the site's own database (`crate::db`), behind a cache with
//! bounded staleness; the service only sees this trait.

use std::sync::Arc;

use async_trait::async_trait;
use wpgate_core::password::PasswordHash;

use crate::db::{CachedUsers, DbError};

/// A WordPress user row with its roles.
pub use crate::db::WpUser as User;

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
    /// Whether `user` is still the row this directory answers for its ID without reading the
    /// database (a changed or re-read user is another row).
    async fn is_current(&self, user: &Arc<User>) -> bool;
    /// Drops cached copies of one user (a change announced by WordPress).
    async fn invalidate(&self, id: u64);
    /// Drops every cached user (after a gap in the invalidation events).
    fn invalidate_all(&self);
    /// Whether the database answers (readiness).
    async fn ping(&self) -> Result<(), UsersError>;
}

impl From<DbError> for UsersError {
    fn from(e: DbError) -> Self {
        UsersError(e.into())
    }
}

#[async_trait]
impl UserDirectory for CachedUsers {
    async fn by_login(&self, login: &str) -> Result<Option<Arc<User>>, UsersError> {
        Ok(CachedUsers::by_login(self, login).await?)
    }

    async fn by_email(&self, email: &str) -> Result<Option<Arc<User>>, UsersError> {
        Ok(CachedUsers::by_email(self, email).await?)
    }

    async fn by_id(&self, id: u64) -> Result<Option<Arc<User>>, UsersError> {
        Ok(CachedUsers::by_id(self, id).await?)
    }

    async fn set_password_hash(&self, id: u64, hash: &PasswordHash) -> Result<(), UsersError> {
        Ok(CachedUsers::set_password_hash(self, id, hash).await?)
    }

    async fn is_current(&self, user: &Arc<User>) -> bool {
        CachedUsers::is_current(self, user).await
    }

    async fn invalidate(&self, id: u64) {
        CachedUsers::invalidate(self, id).await;
    }

    fn invalidate_all(&self) {
        CachedUsers::invalidate_all(self);
    }

    async fn ping(&self) -> Result<(), UsersError> {
        Ok(self.users().db().ping().await?)
    }
}
