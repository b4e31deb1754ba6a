//! Stock WordPress's session storage: the `session_tokens` user meta
//! (`WP_User_Meta_Session_Tokens`), so a site that installs nothing still shares logins.
//!
//! Each user has one `<prefix>usermeta` row with `meta_key = 'session_tokens'` holding PHP
//! `serialize()` of every session (verifier → record). Reads take the first row by
//! `umeta_id`, as `get_user_meta($id, 'session_tokens', true)`. Writes run in a transaction
//! that locks the user's rows (`SELECT … FOR UPDATE`), apply the change to what is stored —
//! so other sessions written meanwhile by PHP are kept — and store the filtered set exactly as
//! `update_sessions()` does (expired sessions purged; an empty set deletes the row).
//!
//! WordPress itself takes no lock, so a PHP write racing ours can still lose one of the two
//! updates, as two PHP requests can; the window is one transaction.
//!
//! # Persistent object cache
//!
//! When WordPress runs a persistent object cache, it keeps a copy of each user's meta there
//! and would not see our writes until that copy expires. Set `usermeta_cache_key` to the
//! cache's key for a user's meta (with `{user_id}`; e.g. `wp_:user_meta:{user_id}` for the
//! Redis Object Cache plugin with the `wp_` prefix) and wpgate deletes it (in the Redis at
//! `redis_url`) after every write. Without it, a site with a persistent object cache sees
//! sessions created or destroyed by wpgate only after its cache entry expires.

use std::fmt;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use sqlx::{AssertSqlSafe, Row};
use tokio::sync::OnceCell;
use wpgate_core::session_tokens::{Session, UserMetaSessions, Verifier};

use super::{SessionStore, StoreError, UserId};
use crate::config::Settings;
use crate::db::{Db, DbError};

/// The meta key WordPress stores sessions under (no table prefix).
pub const META_KEY: &str = "session_tokens";

/// Sessions in the `session_tokens` user meta of the site's database.
pub struct UserMetaStore {
    db: Db,
    object_cache: Option<ObjectCache>,
}

struct ObjectCache {
    client: redis::Client,
    key_template: String,
    connection: OnceCell<redis::aio::MultiplexedConnection>,
}

impl UserMetaStore {
    /// A store over `db`; `settings` may name the object cache key to clear.
    ///
    /// # Errors
    /// `usermeta_cache_key` is set but `redis_url` is not a usable Redis URL.
    pub fn new(db: Db, settings: &Settings) -> anyhow::Result<UserMetaStore> {
        let object_cache = match &settings.usermeta_cache_key {
            Some(template) if !template.is_empty() => {
                let url = settings.redis_url.as_ref().ok_or_else(|| {
                    anyhow::anyhow!("usermeta_cache_key needs redis_url (WPGATE_REDIS_URL)")
                })?;
                let client = redis::Client::open(url.expose_secret()).map_err(|_| {
                    anyhow::anyhow!("redis_url (WPGATE_REDIS_URL) is not a valid Redis URL")
                })?;
                Some(ObjectCache {
                    client,
                    key_template: template.clone(),
                    connection: OnceCell::new(),
                })
            }
            _ => None,
        };
        Ok(UserMetaStore { db, object_cache })
    }

    /// The stored meta value of `user` (first row), if any.
    async fn read(&self, user: UserId) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = format!(
            "SELECT meta_value FROM `{}` WHERE user_id = ? AND meta_key = ? \
             ORDER BY umeta_id LIMIT 1",
            self.db.tables().usermeta()
        );
        let row = self
            .db
            .run("session_tokens read", async {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(user)
                    .bind(META_KEY)
                    .fetch_optional(self.db.pool())
                    .await
            })
            .await
            .map_err(db_error)?;
        row.map(|r| r.try_get::<Vec<u8>, _>("meta_value")).transpose().map_err(StoreError::backend)
    }

    /// Read-modify-write of one user's sessions under a row lock.
    async fn modify(
        &self,
        user: UserId,
        now: i64,
        change: impl FnOnce(&mut UserMetaSessions) + Send,
    ) -> Result<(), StoreError> {
        let table = self.db.tables().usermeta();
        let select = format!(
            "SELECT umeta_id, meta_value FROM `{table}` WHERE user_id = ? AND meta_key = ? \
             ORDER BY umeta_id FOR UPDATE"
        );
        let update =
            format!("UPDATE `{table}` SET meta_value = ? WHERE user_id = ? AND meta_key = ?");
        let insert =
            format!("INSERT INTO `{table}` (user_id, meta_key, meta_value) VALUES (?, ?, ?)");
        let delete = format!("DELETE FROM `{table}` WHERE user_id = ? AND meta_key = ?");
        self.db
            .run("session_tokens write", async {
                let mut tx = self.db.pool().begin().await?;
                let rows = sqlx::query(AssertSqlSafe(select))
                    .bind(user)
                    .bind(META_KEY)
                    .fetch_all(&mut *tx)
                    .await?;
                let stored: Option<Vec<u8>> =
                    rows.first().map(|r| r.try_get("meta_value")).transpose()?;
                let mut sessions = UserMetaSessions::decode(stored.as_deref(), now);
                change(&mut sessions);
                match sessions.encode() {
                    // update_user_meta(): every row with the key gets the value.
                    // update_metadata() skips the write when the value is unchanged.
                    Some(value) if !rows.is_empty() && stored.as_deref() == Some(&value[..]) => {}
                    Some(value) if !rows.is_empty() => {
                        let query = sqlx::query(AssertSqlSafe(update));
                        query.bind(value).bind(user).bind(META_KEY).execute(&mut *tx).await?;
                    }
                    Some(value) => {
                        sqlx::query(AssertSqlSafe(insert))
                            .bind(user)
                            .bind(META_KEY)
                            .bind(value)
                            .execute(&mut *tx)
                            .await?;
                    }
                    // delete_user_meta(): an empty set removes the row(s).
                    None if !rows.is_empty() => {
                        sqlx::query(AssertSqlSafe(delete))
                            .bind(user)
                            .bind(META_KEY)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {}
                }
                tx.commit().await
            })
            .await
            .map_err(db_error)?;
        self.clear_object_cache(user).await;
        Ok(())
    }

    /// Deletes WordPress's persistent-cache copy of the user's meta, if configured. A failure
    /// is logged, not returned: the database write already happened.
    async fn clear_object_cache(&self, user: UserId) {
        let Some(cache) = &self.object_cache else { return };
        let key = cache.key_template.replace("{user_id}", &user.to_string());
        let result = async {
            let conn = cache
                .connection
                .get_or_try_init(|| cache.client.get_multiplexed_async_connection())
                .await?;
            let mut conn = conn.clone();
            redis::cmd("DEL").arg(&key).query_async::<()>(&mut conn).await
        };
        match tokio::time::timeout(std::time::Duration::from_secs(2), result).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(user_id = user, error = %e, "object cache entry not cleared")
            }
            Err(_) => tracing::warn!(user_id = user, "object cache entry not cleared: timeout"),
        }
    }
}

impl fmt::Debug for UserMetaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMetaStore")
            .field("db", &self.db.target())
            .field("object_cache", &self.object_cache.as_ref().map(|c| &c.key_template))
            .finish()
    }
}

#[async_trait]
impl SessionStore for UserMetaStore {
    async fn get(
        &self,
        user: UserId,
        verifier: &Verifier,
        now: i64,
    ) -> Result<Option<Session>, StoreError> {
        let stored = self.read(user).await?;
        Ok(UserMetaSessions::decode(stored.as_deref(), now).get(verifier).cloned())
    }

    async fn update(
        &self,
        user: UserId,
        verifier: &Verifier,
        session: &Session,
        now: i64,
    ) -> Result<(), StoreError> {
        let session = session.clone();
        self.modify(user, now, move |s| s.update(verifier, session)).await
    }

    async fn destroy(&self, user: UserId, verifier: &Verifier, now: i64) -> Result<(), StoreError> {
        self.modify(user, now, move |s| {
            s.destroy(verifier);
        })
        .await
    }

    async fn destroy_others(
        &self,
        user: UserId,
        keep: &Verifier,
        now: i64,
    ) -> Result<(), StoreError> {
        self.modify(user, now, move |s| {
            if s.get(keep).is_some() {
                s.destroy_others(keep);
            } else {
                s.destroy_all();
            }
        })
        .await
    }

    async fn destroy_all(&self, user: UserId, now: i64) -> Result<(), StoreError> {
        self.modify(user, now, UserMetaSessions::destroy_all).await
    }

    async fn destroy_all_for_all_users(&self) -> Result<(), StoreError> {
        // WP_User_Meta_Session_Tokens::drop_sessions(): delete_metadata(..., true).
        let sql = format!("DELETE FROM `{}` WHERE meta_key = ?", self.db.tables().usermeta());
        self.db
            .run("session_tokens drop", async {
                sqlx::query(AssertSqlSafe(sql)).bind(META_KEY).execute(self.db.pool()).await
            })
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn list(&self, user: UserId, now: i64) -> Result<Vec<(Verifier, Session)>, StoreError> {
        let stored = self.read(user).await?;
        let sessions = UserMetaSessions::decode(stored.as_deref(), now);
        let mut all: Vec<(Verifier, Session)> =
            sessions.iter().filter_map(|(v, s)| Some((v?, s.clone()))).collect();
        all.sort_by_key(|(_, s)| s.expiration());
        Ok(all)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(db_error)
    }
}

fn db_error(e: DbError) -> StoreError {
    if matches!(e, DbError::Timeout { .. }) {
        StoreError::Backend(Box::new(e))
    } else {
        StoreError::backend(e)
    }
}
