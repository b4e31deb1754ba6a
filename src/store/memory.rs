//! An in-process session store: the embedded default for a single node, and for tests.
//!
//! It follows `WP_User_Meta_Session_Tokens` exactly (expired sessions are invisible and
//! purged on every write of that user), so it is also the reference the acceptance suite
//! compares the other stores' behaviour with.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use wpgate_core::session_tokens::{Session, Verifier};

use super::{SessionStore, StoreError, UserId};

/// Sessions in a mutex-protected map: user → verifier → record.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: Mutex<HashMap<UserId, Vec<(Verifier, Session)>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn with_user<T>(
        &self,
        user: UserId,
        now: i64,
        f: impl FnOnce(&mut Vec<(Verifier, Session)>) -> T,
    ) -> Result<T, StoreError> {
        let mut users = self.users.lock().map_err(|_| StoreError::backend(Poisoned))?;
        let sessions = users.entry(user).or_default();
        sessions.retain(|(_, s)| s.is_live(now));
        let out = f(sessions);
        if sessions.is_empty() {
            users.remove(&user);
        }
        Ok(out)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn get(
        &self,
        user: UserId,
        verifier: &Verifier,
        now: i64,
    ) -> Result<Option<Session>, StoreError> {
        self.with_user(user, now, |sessions| {
            sessions.iter().find(|(v, _)| v == verifier).map(|(_, s)| s.clone())
        })
    }

    async fn update(
        &self,
        user: UserId,
        verifier: &Verifier,
        session: &Session,
        now: i64,
    ) -> Result<(), StoreError> {
        self.with_user(user, now, |sessions| {
            sessions.retain(|(v, _)| v != verifier);
            if session.is_live(now) {
                sessions.push((*verifier, session.clone()));
            }
        })
    }

    async fn destroy(&self, user: UserId, verifier: &Verifier, now: i64) -> Result<(), StoreError> {
        self.with_user(user, now, |sessions| sessions.retain(|(v, _)| v != verifier))
    }

    async fn destroy_others(
        &self,
        user: UserId,
        keep: &Verifier,
        now: i64,
    ) -> Result<(), StoreError> {
        self.with_user(user, now, |sessions| sessions.retain(|(v, _)| v == keep))
    }

    async fn destroy_all(&self, user: UserId, now: i64) -> Result<(), StoreError> {
        self.with_user(user, now, Vec::clear)
    }

    async fn destroy_all_for_all_users(&self) -> Result<(), StoreError> {
        self.users.lock().map_err(|_| StoreError::backend(Poisoned))?.clear();
        Ok(())
    }

    async fn list(&self, user: UserId, now: i64) -> Result<Vec<(Verifier, Session)>, StoreError> {
        self.with_user(user, now, |sessions| {
            let mut all = sessions.clone();
            all.sort_by_key(|(_, s)| s.expiration());
            all
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A thread panicked while holding the store lock.
#[derive(Debug, thiserror::Error)]
#[error("memory store lock poisoned")]
struct Poisoned;
