//! The usermeta store against a real WordPress database (MariaDB): the acceptance suite, and
//! the exact meta value WordPress would store.

use std::sync::Arc;

use wpgate::db::{Db, DbConfig};
use wpgate::store::SessionStore;
use wpgate::store::usermeta::UserMetaStore;
use wpgate_core::session_tokens::{Session, SessionToken};

use crate::acceptance::store_acceptance_suite;
use crate::support::wp_db::WpDb;

async fn store_for(fixture: &WpDb) -> UserMetaStore {
    let db = Db::connect(&fixture.db_config()).await.unwrap();
    UserMetaStore::new(db, &fixture.settings()).unwrap()
}

#[tokio::test]
async fn usermeta_store_passes_the_acceptance_suite() {
    let fixture = WpDb::create().await;
    let config: DbConfig = fixture.db_config();
    let settings = fixture.settings();
    store_acceptance_suite(|| {
        let config = config.clone();
        let settings = settings.clone();
        let admin = fixture.admin().clone();
        async move {
            // Every check starts from a site without sessions.
            sqlx::query("DELETE FROM wp_usermeta WHERE meta_key = 'session_tokens'")
                .execute(&admin)
                .await
                .unwrap();
            let db = Db::connect(&config).await.unwrap();
            Arc::new(UserMetaStore::new(db, &settings).unwrap())
        }
    })
    .await;
    fixture.drop_database().await;
}

#[tokio::test]
async fn stored_meta_is_what_wordpress_writes() {
    let fixture = WpDb::create().await;
    let store = store_for(&fixture).await;
    let now = 1_772_382_187;
    let token = SessionToken::new("5w2slsQHU4rzyJL4zQYaqMSKRfH8olPROu1m0lIqrFe");
    let session = Session::decode(
        b"a:4:{s:10:\"expiration\";i:1772554987;s:2:\"ip\";s:10:\"192.0.2.10\";s:2:\"ua\";s:31:\"wpvec-agent/1.0 (X11; \"quoted\")\";s:5:\"login\";i:1772382187;}",
    )
    .unwrap();
    store.update(2, &token.verifier(), &session, now).await.unwrap();
    // The value of session_tokens.json's first create step (WordPress 6.1.9 … 7.1).
    let stored = fixture
        .scalar(
            "SELECT meta_value FROM wp_usermeta WHERE user_id = 2 AND meta_key = 'session_tokens'",
        )
        .await;
    assert_eq!(
        stored.as_deref(),
        Some(
            "a:1:{s:64:\"41000e5b616851312edba1f620cc613a947c81d845089f76d13537f5ba7e38b3\";a:4:{s:10:\"expiration\";i:1772554987;s:2:\"ip\";s:10:\"192.0.2.10\";s:2:\"ua\";s:31:\"wpvec-agent/1.0 (X11; \"quoted\")\";s:5:\"login\";i:1772382187;}}"
        )
    );
    // Destroying the last session deletes the row, as delete_user_meta().
    store.destroy(2, &token.verifier(), now).await.unwrap();
    let count = fixture
        .scalar("SELECT CAST(COUNT(*) AS CHAR) FROM wp_usermeta WHERE meta_key = 'session_tokens'")
        .await;
    assert_eq!(count.as_deref(), Some("0"));
    fixture.drop_database().await;
}

#[tokio::test]
async fn sessions_written_by_php_meanwhile_are_kept() {
    let fixture = WpDb::create().await;
    let store = store_for(&fixture).await;
    let now = 1_772_382_187;
    let ours = SessionToken::new("ours");
    store.update(3, &ours.verifier(), &Session::with_expiration(now + 100), now).await.unwrap();
    // PHP adds a session directly in the meta row.
    let theirs = SessionToken::new("theirs").verifier();
    let ours_v = ours.verifier();
    fixture
        .execute(&format!(
            "UPDATE wp_usermeta SET meta_value = 'a:2:{{s:64:\"{ours_v}\";a:1:{{s:10:\"expiration\";i:{e};}}s:64:\"{theirs}\";a:1:{{s:10:\"expiration\";i:{e};}}}}' WHERE user_id = 3 AND meta_key = 'session_tokens'",
            e = now + 100
        ))
        .await;
    store.destroy(3, &ours.verifier(), now).await.unwrap();
    assert!(store.get(3, &theirs, now).await.unwrap().is_some());
    assert!(store.get(3, &ours.verifier(), now).await.unwrap().is_none());
    fixture.drop_database().await;
}
