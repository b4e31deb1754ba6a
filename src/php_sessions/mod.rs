//! PHP sessions (`PHPSESSID`) shared with PHP through Redis, exactly as phpredis stores them,
//! and the tools that move file sessions into Redis.
//!
//! * [`settings`]: php.ini and phpredis settings (`session.*`, `redis.session.*`) and the
//!   phpredis `session.save_path` syntax.
//! * [`PhpSessionStore`]: open / modify / save / destroy / regenerate sessions with phpredis
//!   5.3.7's commands, key layout (`PHPREDIS_SESSION:<id>`, weighted pools, `rediscluster`)
//!   and locking protocol (`<key>_LOCK`, `<host>|<pid>`, compare-and-delete unlock).
//! * [`service`]: the use-cases behind `/v1/php-sessions` (JSON views, merge, refusals).
//! * [`import`]: `wpgate php-sessions import` / `verify` for `session.save_handler = files`.
//! * [`usermeta`]: `wpgate sessions import-usermeta` (WordPress login sessions into Redis).
//!
//! The pure formats (serializers, ids, cookies) are in [`wpgate_core::php_session`].

mod backend;
pub mod import;
mod lock;
pub mod service;
pub mod settings;
mod store;
pub mod usermeta;

pub use lock::{UNLOCK_SCRIPT, UNLOCK_SHA, php_lock_secret};
pub use settings::{LockSettings, PhpSessionConfig, SaveHandler, SavePath, SettingsError};
pub use store::{PhpSession, PhpSessionStore, Started};

use std::time::Duration;

use wpgate_core::php_serialize::JsonError;
use wpgate_core::php_session::SessionError;

/// Why a PHP session operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhpSessionError {
    /// Not a PHP session id (`php_session_valid_key`: 1–256 bytes of `[A-Za-z0-9,-]`).
    #[error("invalid session id")]
    InvalidId,
    /// No such session.
    #[error("no such session")]
    NotFound,
    /// The session lock stayed taken for the whole retry budget.
    #[error("the session is locked by another request")]
    Locked,
    /// The lock expired or was taken over before the write: the write was refused.
    #[error("the session lock was lost before writing")]
    LockLost,
    /// The stored data cannot be decoded with `session.serialize_handler`.
    #[error("the stored session cannot be decoded")]
    Undecodable(#[source] SessionError),
    /// The data cannot be stored without PHP losing part of it.
    #[error("the session cannot be stored with this serializer")]
    Unstorable(#[source] SessionError),
    /// The session holds PHP references (`R:`/`r:`), which a merge would renumber wrongly.
    #[error("the session contains PHP references")]
    HasReferences,
    /// The session has no plain JSON form (objects, references, binary strings, NaN).
    #[error("the session has no plain JSON form")]
    NotPlain(#[source] JsonError),
    /// The request's session data is not valid.
    #[error("invalid session data: {0}")]
    BadData(String),
    /// Three freshly drawn ids all existed (practically impossible with PHP's entropy).
    #[error("could not draw an unused session id")]
    Collision,
    /// Redis answered with an error or the connection failed.
    #[error("redis failed")]
    Redis(#[source] redis::RedisError),
    /// No pooled connection could be had.
    #[error("redis connection pool failed")]
    Pool(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// A configuration problem found while building the store.
    #[error("php sessions misconfigured: {0}")]
    Config(String),
    /// An internal mutex was poisoned by a panic.
    #[error("internal lock poisoned")]
    Poisoned,
}

impl PhpSessionError {
    /// Whether Redis (not the request) is the problem: the HTTP answer is 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            PhpSessionError::Redis(_) | PhpSessionError::Pool(_) | PhpSessionError::Timeout(_)
        )
    }

    pub(crate) fn pool(e: deadpool_redis::PoolError) -> Self {
        PhpSessionError::Pool(Box::new(e))
    }

    pub(crate) fn cluster_pool(e: deadpool_redis::cluster::PoolError) -> Self {
        PhpSessionError::Pool(Box::new(e))
    }
}
