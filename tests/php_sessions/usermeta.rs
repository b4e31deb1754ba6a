//! `wpgate sessions import-usermeta` against the real MariaDB (127.0.0.1:3306, root).

use std::sync::Arc;

use sqlx::Executor;
use wpgate::config::Settings;
use wpgate::php_sessions::usermeta::{UsermetaImportArgs, import_usermeta};
use wpgate::store::SessionStore;
use wpgate::store::memory::MemoryStore;
use wpgate_core::session_tokens::SessionToken;

const NOW: i64 = 1_772_382_187;

#[tokio::test]
async fn session_tokens_usermeta_is_imported_idempotently() {
    let db = format!("wpgate_test_usermeta_{:08x}", rand::random::<u32>());
    let root = sqlx::MySqlPool::connect("mysql://root@127.0.0.1:3306/")
        .await
        .expect("MariaDB at 127.0.0.1:3306 (root, no password; scripts/test starts it)");
    root.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{db}`"))).await.unwrap();
    let pool =
        sqlx::MySqlPool::connect(&format!("mysql://root@127.0.0.1:3306/{db}")).await.unwrap();
    pool.execute(
        "CREATE TABLE wp_usermeta (umeta_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         user_id BIGINT UNSIGNED NOT NULL DEFAULT 0, meta_key VARCHAR(255), meta_value LONGTEXT) \
         DEFAULT CHARSET=utf8mb4",
    )
    .await
    .unwrap();
    let live = SessionToken::new("live-token").verifier();
    let dead = SessionToken::new("dead-token").verifier();
    let legacy = SessionToken::new("legacy-token").verifier();
    let rows = [
        (
            1,
            format!(
                r#"a:2:{{s:64:"{live}";a:4:{{s:10:"expiration";i:{};s:2:"ip";s:9:"192.0.2.1";s:2:"ua";s:5:"Agent";s:5:"login";i:{NOW};}}s:64:"{dead}";a:1:{{s:10:"expiration";i:{};}}}}"#,
                NOW + 86_400,
                NOW - 10
            ),
        ),
        (2, format!(r#"a:1:{{s:64:"{legacy}";i:{};}}"#, NOW + 3600)),
        (3, "not serialized".to_owned()),
    ];
    for (user, value) in &rows {
        sqlx::query("INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES (?, 'session_tokens', ?)")
            .bind(user)
            .bind(value)
            .execute(&pool)
            .await
            .unwrap();
    }
    let settings = Settings {
        db_host: Some("127.0.0.1:3306".into()),
        db_name: Some(db.clone()),
        db_user: Some("root".into()),
        table_prefix: Some("wp_".into()),
        ..Settings::default()
    };
    let store = Arc::new(MemoryStore::new());
    let args = UsermetaImportArgs { dry_run: false, page: 1, now: Some(NOW) };
    let summary = import_usermeta(&settings, store.clone(), &args).await.unwrap();
    assert_eq!((summary.users, summary.imported, summary.skipped_expired), (3, 2, 1), "{summary}");
    assert_eq!(summary.rejected.values().sum::<u64>(), 1, "{summary}");
    let again = import_usermeta(&settings, store.clone(), &args).await.unwrap();
    assert_eq!(again.imported, 2);
    let got = store.get(1, &live, NOW).await.unwrap().unwrap();
    assert_eq!(got.ip(), Some("192.0.2.1"));
    assert_eq!(store.list(1, NOW).await.unwrap().len(), 1);
    assert_eq!(store.get(2, &legacy, NOW).await.unwrap().unwrap().expiration(), Some(NOW + 3600));
    assert!(store.get(1, &dead, NOW).await.unwrap().is_none());
    root.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{db}`"))).await.unwrap();
}
