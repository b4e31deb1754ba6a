//! Where WordPress session tokens live: the [`SessionStore`] seam.
//!
//! Implementations: [`memory::MemoryStore`] (one process, tests), `redis::RedisStore` (the
//! layout of `docs/redis-layout.md`, shared with the PHP drop-in) and `usermeta::UserMetaStore`
//! (stock WordPress: the `session_tokens` user meta). All of them pass one acceptance suite
//! (`tests/store`), so the service never depends on which one runs.
//!
//! Semantics are `WP_Session_Tokens`'s: a session is live while `expiration >= now`; only live
//! sessions are ever returned.

pub mod memory;
pub mod redis;
pub mod usermeta;

use std::error::Error as StdError;

use async_trait::async_trait;
use wpgate_core::session_tokens::{Session, Verifier};

/// A WordPress user ID.
pub type UserId = u64;

/// Storage of session tokens, per user, keyed by verifier.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The live session stored under `verifier` (`WP_Session_Tokens::get`).
    async fn get(
        &self,
        user: UserId,
        verifier: &Verifier,
        now: i64,
    ) -> Result<Option<Session>, StoreError>;

    /// Stores or replaces a session (`update`, and `create` after the token is drawn).
    async fn update(
        &self,
        user: UserId,
        verifier: &Verifier,
        session: &Session,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Removes one session (`destroy`).
    async fn destroy(&self, user: UserId, verifier: &Verifier, now: i64) -> Result<(), StoreError>;

    /// Keeps only `keep` if it is live, else removes all (`destroy_others`).
    async fn destroy_others(
        &self,
        user: UserId,
        keep: &Verifier,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Removes all sessions of one user (`destroy_all`).
    async fn destroy_all(&self, user: UserId, now: i64) -> Result<(), StoreError>;

    /// Removes every session of every user of this site (`destroy_all_for_all_users`), and
    /// nothing else.
    async fn destroy_all_for_all_users(&self) -> Result<(), StoreError>;

    /// The user's live sessions with their verifiers (`get_all`), oldest expiration first.
    async fn list(&self, user: UserId, now: i64) -> Result<Vec<(Verifier, Session)>, StoreError>;

    /// Whether the backend answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Tells every instance sharing the store that a user's sessions or row changed (the
    /// layout's events channel, `P` + `events`); a no-op for stores without one.
    async fn announce(&self, _event: self::redis::InvalidationEvent) -> Result<(), StoreError> {
        Ok(())
    }

    /// The store's shared login-failure counters, if it has any (Redis); callers fall back to
    /// in-process counters.
    fn attempt_counters(
        self: std::sync::Arc<Self>,
    ) -> Option<std::sync::Arc<dyn crate::login_limits::AttemptCounters>> {
        None
    }

    /// The store's audit stream, if it has one (Redis).
    fn audit_sink(
        self: std::sync::Arc<Self>,
    ) -> Option<std::sync::Arc<dyn crate::audit::AuditSink>> {
        None
    }
}

/// A store operation that failed. The service answers 503 for every variant: a session that
/// cannot be verified is never accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed or could not be reached.
    #[error("session store backend failed")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
    /// The backend did not answer in time.
    #[error("session store timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// A stored value cannot be decoded.
    #[error("corrupt session data at {key}")]
    Corrupt {
        /// Where (a Redis key or a usermeta row), never a secret.
        key: String,
        /// Why it cannot be decoded.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(e: impl StdError + Send + Sync + 'static) -> StoreError {
        StoreError::Backend(Box::new(e))
    }

    /// Whether retrying later may succeed (connection problems, timeouts).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Backend(_) | StoreError::Timeout(_))
    }
}
