//! phpredis's session lock (redis_session.c `lock_acquire`, `write_allowed`, `lock_release`).
//!
//! * key: the session key + `_LOCK`;
//! * value ("secret"): `<hostname>|<pid>`, what phpredis writes for its worker;
//! * acquire: `SET <lock> <secret> NX [PX <ms>]`, retried `lock_retries` more times with
//!   `lock_wait_time` µs between attempts;
//! * before a write, when `lock_expire != 0`: `GET <lock>` must still be the secret;
//! * release: `EVALSHA` of a compare-and-delete script (`EVAL` on `NOSCRIPT`), so a lock that
//!   expired and was taken by someone else is never deleted.
//!
//! phpredis's secret is per process; wpgate runs many requests in one process, so it also
//! serialises its own handles of one session with an in-process mutex: two handles of this
//! process never hold (or think they hold) the same Redis lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use redis::Value;
use tokio::sync::OwnedMutexGuard;

use super::PhpSessionError;
use super::backend::Conn;
use super::settings::LockSettings;

/// phpredis's unlock script, byte for byte (its SHA-1 is what PHP sends with `EVALSHA`).
pub const UNLOCK_SCRIPT: &str = "if redis.call(\"get\",KEYS[1]) == ARGV[1] then return redis.call(\"del\",KEYS[1]) else return 0 end";
/// SHA-1 of [`UNLOCK_SCRIPT`].
pub const UNLOCK_SHA: &str = "b70c2384248f88e6b75b9f89241a180f856ad852";

/// A Redis session lock this process holds.
#[derive(Debug)]
pub(crate) struct HeldLock {
    pub(crate) key: Vec<u8>,
    acquired_at: Instant,
    expiry: Option<Duration>,
}

/// The lock key of a session key.
pub(crate) fn lock_key(session_key: &[u8]) -> Vec<u8> {
    let mut key = session_key.to_vec();
    key.extend_from_slice(b"_LOCK");
    key
}

/// `<hostname>|<pid>` as phpredis formats it (`gethostname()`, `getpid()`).
pub fn php_lock_secret() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}|{}", std::process::id())
}

/// Tries `SET <lock> <secret> NX [PX ms]` as phpredis does: once, then `retries` more times
/// with `wait_time` between attempts.
///
/// # Errors
/// [`PhpSessionError::Locked`] when every attempt found the lock taken; Redis errors.
pub(crate) async fn acquire(
    conn: &mut Conn,
    key: Vec<u8>,
    secret: &str,
    settings: &LockSettings,
) -> Result<HeldLock, PhpSessionError> {
    let expiry_ms = settings.expiry_ms();
    let mut cmd = redis::cmd("SET");
    cmd.arg(&key).arg(secret).arg("NX");
    if let Some(ms) = expiry_ms {
        cmd.arg("PX").arg(ms);
    }
    let mut attempt: u64 = 0;
    loop {
        let started = Instant::now();
        let reply: Value = conn.run(&cmd).await?;
        if matches!(reply, Value::Okay) {
            return Ok(HeldLock {
                key,
                acquired_at: started,
                expiry: expiry_ms.map(Duration::from_millis),
            });
        }
        if settings.retries().is_some_and(|max| attempt >= max) {
            return Err(PhpSessionError::Locked);
        }
        attempt += 1;
        tokio::time::sleep(settings.wait_time()).await;
    }
}

/// phpredis's `write_allowed()`: with `lock_expire != 0` the lock is read back and must still
/// hold our secret. wpgate also refuses when the lock's own expiry has passed since it was
/// taken (then someone else may hold it even if phpredis would not look).
///
/// # Errors
/// [`PhpSessionError::LockLost`]; Redis errors.
pub(crate) async fn check_before_write(
    conn: &mut Conn,
    lock: &HeldLock,
    secret: &str,
    settings: &LockSettings,
) -> Result<(), PhpSessionError> {
    if lock.expiry.is_some_and(|e| lock.acquired_at.elapsed() >= e) {
        return Err(PhpSessionError::LockLost);
    }
    if settings.checks_before_write() {
        let current: Option<Vec<u8>> = conn.run(redis::cmd("GET").arg(&lock.key)).await?;
        if current.as_deref() != Some(secret.as_bytes()) {
            return Err(PhpSessionError::LockLost);
        }
    }
    Ok(())
}

/// Releases a lock with phpredis's compare-and-delete script (`EVALSHA`, then `EVAL` when
/// the server answers `NOSCRIPT`).
///
/// # Errors
/// Redis errors.
pub(crate) async fn release(
    conn: &mut Conn,
    lock: &HeldLock,
    secret: &str,
) -> Result<(), PhpSessionError> {
    let mut evalsha = redis::cmd("EVALSHA");
    evalsha.arg(UNLOCK_SHA).arg(1).arg(&lock.key).arg(secret);
    match conn.run::<Value>(&evalsha).await {
        Ok(_) => Ok(()),
        Err(PhpSessionError::Redis(e)) if e.code() == Some("NOSCRIPT") => {
            let mut eval = redis::cmd("EVAL");
            eval.arg(UNLOCK_SCRIPT).arg(1).arg(&lock.key).arg(secret);
            conn.run::<Value>(&eval).await.map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// In-process mutexes per session key: one handle of a session at a time in this process.
#[derive(Default)]
pub(crate) struct LocalLocks {
    map: Mutex<HashMap<Vec<u8>, Weak<tokio::sync::Mutex<()>>>>,
}

impl LocalLocks {
    /// Waits (at most `budget`) for this process's turn on `key`.
    ///
    /// # Errors
    /// [`PhpSessionError::Locked`] when the budget runs out.
    pub(crate) async fn lock(
        &self,
        key: &[u8],
        budget: Option<Duration>,
    ) -> Result<OwnedMutexGuard<()>, PhpSessionError> {
        let mutex = {
            let mut map = self.map.lock().map_err(|_| PhpSessionError::Poisoned)?;
            if map.len() > 1024 {
                map.retain(|_, weak| weak.strong_count() > 0);
            }
            match map.get(key).and_then(Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(key.to_vec(), Arc::downgrade(&m));
                    m
                }
            }
        };
        match budget {
            None => Ok(mutex.lock_owned().await),
            Some(budget) => tokio::time::timeout(budget, mutex.lock_owned())
                .await
                .map_err(|_| PhpSessionError::Locked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_key_appends_suffix_and_secret_is_host_pid() {
        assert_eq!(lock_key(b"PHPREDIS_SESSION:abc"), b"PHPREDIS_SESSION:abc_LOCK");
        let secret = php_lock_secret();
        assert!(secret.ends_with(&format!("|{}", std::process::id())), "{secret}");
    }
}
