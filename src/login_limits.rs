//! Brute-force protection for `POST /v1/login`: failure counters per client IP and per login
//! name, shared by every instance through the session store's Redis (an in-process map when
//! sessions live in memory or in user meta).
//!
//! Each counter is a fixed window: the first failure starts it (`login_failure_window`
//! seconds); the failure that reaches the threshold bans the key for `login_ban_time`
//! seconds. While either key of a request is banned, the login is refused with 429 and
//! `Retry-After` *before* any password is checked, so a ban also stops the guessing. A
//! successful login clears its login-name counter (not the IP's: one good account must not
//! launder an address that guesses at many).
//!
//! Keys are `<prefix>login-fail:ip:<address>` and `<prefix>login-fail:user:<login>` with the
//! login lower-cased (MySQL compares logins case-insensitively, so `Admin` and `admin` are
//! one account). A counter store that fails makes the login fail with 503: an unknown ban
//! state is never treated as "not banned".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::error::ApiError;
use crate::store::StoreError;

/// A counter's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    /// Failures in the current window (or at the ban).
    pub failures: u64,
    /// Seconds until the counter (or ban) expires.
    pub ttl: u64,
}

/// Where the counters live.
#[async_trait]
pub trait AttemptCounters: Send + Sync + 'static {
    /// The counter under `key` (zero when absent).
    async fn status(&self, key: &str) -> Result<Counter, StoreError>;
    /// Adds one failure: starts a `window`-second window on the first, and makes the counter
    /// live `ban` seconds from the failure that reaches `threshold`.
    async fn fail(
        &self,
        key: &str,
        window: u64,
        threshold: u64,
        ban: u64,
    ) -> Result<Counter, StoreError>;
    /// Removes the counter.
    async fn clear(&self, key: &str) -> Result<(), StoreError>;
}

/// Thresholds (0 disables a limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Failures per client IP.
    pub per_ip: u64,
    /// Failures per login name.
    pub per_user: u64,
    /// Seconds over which failures count.
    pub window: u64,
    /// Seconds a ban lasts.
    pub ban: u64,
}

impl LimitSettings {
    /// From the settings.
    pub fn from_settings(s: &crate::config::Settings) -> LimitSettings {
        LimitSettings {
            per_ip: s.login_max_failures_per_ip,
            per_user: s.login_max_failures_per_user,
            window: s.login_failure_window.max(1),
            ban: s.login_ban_time.max(1),
        }
    }

    /// No limits.
    pub fn disabled() -> LimitSettings {
        LimitSettings { per_ip: 0, per_user: 0, window: 1, ban: 1 }
    }
}

/// The login limiter.
#[derive(Clone)]
pub struct LoginLimiter {
    counters: Arc<dyn AttemptCounters>,
    limits: LimitSettings,
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginLimiter").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl LoginLimiter {
    /// A limiter over `counters`.
    pub fn new(counters: Arc<dyn AttemptCounters>, limits: LimitSettings) -> LoginLimiter {
        LoginLimiter { counters, limits }
    }

    /// In-process counters with no limits (the default of a bare [`crate::service::AuthService`]).
    pub fn disabled() -> LoginLimiter {
        LoginLimiter::new(Arc::new(MemoryCounters::default()), LimitSettings::disabled())
    }

    /// Refuses a banned IP or login name.
    ///
    /// # Errors
    /// [`ApiError::TooManyRequests`] with the seconds left; `Unavailable` when the counters
    /// cannot be read.
    pub async fn check(&self, ip: Option<&str>, login: &str) -> Result<(), ApiError> {
        let mut retry_after = 0;
        for (key, threshold) in self.keys(ip, login) {
            let c = self.counters.status(&key).await?;
            if c.failures >= threshold {
                retry_after = retry_after.max(c.ttl.max(1));
            }
        }
        if retry_after > 0 {
            return Err(ApiError::TooManyRequests { retry_after });
        }
        Ok(())
    }

    /// Counts a failed login.
    ///
    /// # Errors
    /// `Unavailable` when the counters cannot be written.
    pub async fn failed(&self, ip: Option<&str>, login: &str) -> Result<(), ApiError> {
        for (key, threshold) in self.keys(ip, login) {
            let c =
                self.counters.fail(&key, self.limits.window, threshold, self.limits.ban).await?;
            if c.failures == threshold {
                let kind = if key.starts_with("ip:") { "ip" } else { "login" };
                tracing::warn!(target: "wpgate::audit", event = "login-ban", kind, ban_seconds = self.limits.ban, "brute-force ban");
            }
        }
        Ok(())
    }

    /// Clears the login name's counter after a successful login.
    ///
    /// # Errors
    /// `Unavailable` when the counters cannot be written.
    pub async fn succeeded(&self, login: &str) -> Result<(), ApiError> {
        if self.limits.per_user > 0 {
            self.counters.clear(&user_key(login)).await?;
        }
        Ok(())
    }

    fn keys(&self, ip: Option<&str>, login: &str) -> Vec<(String, u64)> {
        let mut keys = Vec::with_capacity(2);
        if let Some(ip) = ip.filter(|_| self.limits.per_ip > 0) {
            keys.push((format!("ip:{ip}"), self.limits.per_ip));
        }
        if self.limits.per_user > 0 {
            keys.push((user_key(login), self.limits.per_user));
        }
        keys
    }
}

fn user_key(login: &str) -> String {
    format!("user:{}", login.to_lowercase())
}

/// Key → failures and the instant the counter (or ban) expires.
type Counters = HashMap<String, (u64, Instant)>;

/// In-process counters, bounded to [`MemoryCounters::CAPACITY`] keys (expired ones are
/// dropped first, then those closest to expiry).
#[derive(Debug, Default)]
pub struct MemoryCounters {
    map: Mutex<Counters>,
}

impl MemoryCounters {
    /// Most keys kept.
    pub const CAPACITY: usize = 100_000;

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Counters>, StoreError> {
        self.map.lock().map_err(|_| StoreError::backend(Poisoned))
    }
}

#[async_trait]
impl AttemptCounters for MemoryCounters {
    async fn status(&self, key: &str) -> Result<Counter, StoreError> {
        let map = self.lock()?;
        let now = Instant::now();
        Ok(match map.get(key) {
            Some(&(failures, until)) if until > now => {
                Counter { failures, ttl: until.duration_since(now).as_secs().max(1) }
            }
            _ => Counter::default(),
        })
    }

    async fn fail(
        &self,
        key: &str,
        window: u64,
        threshold: u64,
        ban: u64,
    ) -> Result<Counter, StoreError> {
        let mut map = self.lock()?;
        let now = Instant::now();
        if map.len() >= Self::CAPACITY && !map.contains_key(key) {
            map.retain(|_, (_, until)| *until > now);
            if map.len() >= Self::CAPACITY {
                let soonest =
                    map.iter().min_by_key(|(_, (_, until))| *until).map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    map.remove(&k);
                }
            }
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now));
        if entry.1 <= now {
            *entry = (0, now + Duration::from_secs(window));
        }
        entry.0 = entry.0.saturating_add(1);
        if entry.0 >= threshold {
            entry.1 = now + Duration::from_secs(ban);
        }
        Ok(Counter { failures: entry.0, ttl: entry.1.duration_since(now).as_secs() })
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?.remove(key);
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("login counter lock poisoned")]
struct Poisoned;

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_ip: u64, per_user: u64) -> LoginLimiter {
        LoginLimiter::new(
            Arc::new(MemoryCounters::default()),
            LimitSettings { per_ip, per_user, window: 60, ban: 120 },
        )
    }

    #[tokio::test]
    async fn login_name_is_banned_at_the_threshold() {
        let l = limiter(0, 3);
        for _ in 0..2 {
            l.failed(Some("192.0.2.1"), "Alice").await.unwrap();
            l.check(Some("192.0.2.1"), "alice").await.unwrap();
        }
        l.failed(Some("192.0.2.9"), "ALICE").await.unwrap();
        match l.check(Some("198.51.100.1"), "alice").await {
            Err(ApiError::TooManyRequests { retry_after }) => {
                assert!((100..=120).contains(&retry_after))
            }
            other => panic!("{other:?}"),
        }
        l.check(None, "bob").await.unwrap();
    }

    #[tokio::test]
    async fn ip_ban_covers_every_login_name() {
        let l = limiter(2, 0);
        l.failed(Some("192.0.2.1"), "a").await.unwrap();
        l.failed(Some("192.0.2.1"), "b").await.unwrap();
        assert!(l.check(Some("192.0.2.1"), "c").await.is_err());
        l.check(Some("192.0.2.2"), "c").await.unwrap();
    }

    #[tokio::test]
    async fn success_clears_the_login_counter() {
        let l = limiter(0, 2);
        l.failed(None, "alice").await.unwrap();
        l.succeeded("alice").await.unwrap();
        l.failed(None, "alice").await.unwrap();
        l.check(None, "alice").await.unwrap();
    }
}
