//! Connecting: every DB_HOST form, clear start-up errors, bounded failures.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use wpgate::db::{DEFAULT_SOCKET, Db, DbConfig, DbError, Users};
use wpgate_core::users::SanitizeRules;
use wpgate_core::wp_config::DbHost;

use crate::helpers::{chain, connect};
use crate::support::wp_db::WpDb;

/// A generous bound for "quickly": the limits below are a fraction of it.
const QUICKLY: Duration = Duration::from_secs(10);

/// A TCP port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn config_for(fixture: &WpDb, db_host: &str) -> DbConfig {
    let settings = wpgate::config::Settings { db_host: Some(db_host.into()), ..fixture.settings() };
    let mut config = DbConfig::from_settings(&settings).unwrap();
    config.connect_timeout = Duration::from_millis(800);
    config.acquire_timeout = Duration::from_millis(800);
    config.query_timeout = Duration::from_secs(3);
    config
}

#[tokio::test]
async fn ping_answers() {
    let fixture = WpDb::create().await;
    let db = connect(&fixture).await;
    db.ping().await.unwrap();
    assert_eq!(db.target(), "127.0.0.1:3306");
}

#[tokio::test]
async fn a_refused_connection_names_db_host_quickly() {
    let fixture = WpDb::create().await;
    let port = closed_port();
    let started = Instant::now();
    let err = Db::connect(&config_for(&fixture, &format!("127.0.0.1:{port}"))).await.unwrap_err();
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    let text = chain(&err);
    let expected = format!(
        "db_host (WPGATE_DB_HOST / DB_HOST in wp-config.php): cannot connect to 127.0.0.1:{port}: "
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let fixture = WpDb::create().await;
    // The kernel accepts the TCP connection; nobody ever sends the MySQL greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let err = Db::connect(&config_for(&fixture, &format!("127.0.0.1:{port}"))).await.unwrap_err();
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    assert!(matches!(err, DbError::ConnectTimeout { .. }), "{err:?}");
    assert!(err.to_string().starts_with("db_host (WPGATE_DB_HOST"), "{err}");
    drop(silent);
}

#[tokio::test]
async fn a_database_that_goes_down_gives_a_clear_error_quickly() {
    let fixture = WpDb::create().await;
    let config = config_for(&fixture, &format!("127.0.0.1:{}", closed_port()));
    let db = Db::connect_lazy(&config);
    let users = Users::new(db.clone(), SanitizeRules::default());
    let started = Instant::now();
    let err = users.by_login("alice").await.unwrap_err();
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    assert!(matches!(err, DbError::Unavailable { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("no database connection to 127.0.0.1:"), "{err}");
    assert!(db.ping().await.is_err());
}

#[tokio::test]
async fn wrong_credentials_are_named_and_the_password_never_shown() {
    let fixture = WpDb::create().await;
    let mut config = fixture.db_config();
    config.password = SecretString::from("not-the-password-xyzzy");
    let err = Db::connect(&config).await.unwrap_err();
    let text = chain(&err);
    assert!(
        text.starts_with("db_user / db_password (WPGATE_DB_USER, WPGATE_DB_PASSWORD"),
        "{text}"
    );
    assert!(text.contains("Access denied"), "{text}");
    assert!(!text.contains("xyzzy") && !format!("{err:?}").contains("xyzzy"), "{text}");
    assert!(!format!("{config:?}").contains("xyzzy"));
}

#[tokio::test]
async fn an_unknown_database_names_db_name() {
    let fixture = WpDb::create().await;
    let config = DbConfig { database: format!("{}_missing", fixture.name), ..fixture.db_config() };
    let text = chain(&Db::connect(&config).await.unwrap_err());
    assert!(text.starts_with("db_name (WPGATE_DB_NAME / DB_NAME in wp-config.php)"), "{text}");
}

#[tokio::test]
async fn a_wrong_table_prefix_is_named() {
    let fixture = WpDb::create().await;
    let config = DbConfig { table_prefix: "wrong_".into(), ..fixture.db_config() };
    let err = Db::connect(&config).await.unwrap_err();
    assert!(matches!(err, DbError::Schema { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("table_prefix (WPGATE_TABLE_PREFIX"), "{text}");
    assert!(text.contains("wrong_users"), "{text}");
}

#[tokio::test]
async fn an_unknown_charset_names_db_charset() {
    let fixture = WpDb::create().await;
    let config = DbConfig { charset: "klingon".into(), ..fixture.db_config() };
    let text = chain(&Db::connect(&config).await.unwrap_err());
    assert!(text.starts_with("db_charset (WPGATE_DB_CHARSET"), "{text}");
}

#[tokio::test]
async fn localhost_and_socket_paths_connect_through_the_unix_socket() {
    let fixture = WpDb::create().await;
    // A password user for localhost (root@localhost may be unix_socket-only).
    let user = format!("wpgate_t{}", &fixture.name[fixture.name.len() - 8..]);
    fixture.execute(&format!("CREATE USER '{user}'@'localhost' IDENTIFIED BY 'sock-pw-123'")).await;
    fixture.execute(&format!("GRANT SELECT ON `{}`.* TO '{user}'@'localhost'", fixture.name)).await;
    let result = async {
        for db_host in ["localhost", "LOCALHOST:3307", &format!("localhost:{DEFAULT_SOCKET}")] {
            let mut config = config_for(&fixture, db_host);
            config.user = user.clone();
            config.password = SecretString::from("sock-pw-123");
            assert_eq!(config.target(), format!("unix socket {DEFAULT_SOCKET}"), "{db_host}");
            let db = Db::connect(&config).await.map_err(|e| format!("{db_host}: {}", chain(&e)))?;
            let users = Users::new(db, SanitizeRules::default());
            let alice = users.by_login("alice").await.map_err(|e| chain(&e))?;
            assert_eq!(alice.map(|u| u.login), Some("alice".to_owned()), "{db_host}");
        }
        Ok::<(), String>(())
    }
    .await;
    fixture.execute(&format!("DROP USER '{user}'@'localhost'")).await;
    result.unwrap();
}

#[tokio::test]
async fn a_missing_socket_names_db_host() {
    let fixture = WpDb::create().await;
    let mut config = config_for(&fixture, "localhost:/nonexistent/mysqld.sock");
    config.host = DbHost::Socket("/nonexistent/mysqld.sock".into());
    let text = chain(&Db::connect(&config).await.unwrap_err());
    assert!(
        text.starts_with(
            "db_host (WPGATE_DB_HOST / DB_HOST in wp-config.php): cannot connect to unix socket \
             /nonexistent/mysqld.sock: "
        ),
        "{text}"
    );
}
