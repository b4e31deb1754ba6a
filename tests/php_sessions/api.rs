//! `/v1/php-sessions` over HTTP, against the real Redis and real PHP.

use std::sync::Arc;

use secrecy::SecretString;
use serde_json::{Value as Json, json};
use wpgate::config::Settings;
use wpgate::db::{CachedUsers, Db};
use wpgate::service::Clock;
use wpgate::site::{Site, SiteOptions};
use wpgate::startup::{Application, Parts};
use wpgate::store::memory::MemoryStore;
use wpgate_core::WpVersion;
use wpgate_core::users::SanitizeRules;

use crate::helpers::*;
use crate::support::wp_db::WpDb;

const NOW: i64 = 1_795_533_847;

struct TestApp {
    /// The site's database (real MariaDB), dropped with the app.
    _db: WpDb,
    base: String,
    client: reqwest::Client,
    prefix: String,
}

async fn spawn_app(save_path: Option<String>, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let p = prefix("api");
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        siteurl: Some("https://example.test".into()),
        ..Settings::default()
    };
    for (i, key) in [
        &mut settings.auth_key,
        &mut settings.secure_auth_key,
        &mut settings.logged_in_key,
        &mut settings.nonce_key,
        &mut settings.auth_salt,
        &mut settings.secure_auth_salt,
        &mut settings.logged_in_salt,
        &mut settings.nonce_salt,
    ]
    .into_iter()
    .enumerate()
    {
        *key = Some(SecretString::from(format!("test-secret-key-material-{i}")));
    }
    settings.php_session_save_path =
        Some(SecretString::from(save_path.unwrap_or_else(|| save_path_for(&p))));
    settings.php_session_cookie_httponly = true;
    settings.php_session_cookie_samesite = "Lax".into();
    tweak(&mut settings);
    let site = Site::resolve(&settings, WpVersion::LATEST, SiteOptions::default()).unwrap();
    let fixture = WpDb::create().await;
    let db = Db::connect(&fixture.db_config()).await.unwrap();
    let users = CachedUsers::for_site(db, SanitizeRules::default(), std::time::Duration::ZERO);
    let parts = Parts {
        site,
        users: Arc::new(users),
        sessions: Arc::new(MemoryStore::new()),
        clock: Clock::Fixed(NOW),
    };
    let app = Application::build(&settings, parts).unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        _db: fixture,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        prefix: p,
    }
}

fn save_path_for(p: &str) -> String {
    save_path(&format!("{p}PHPREDIS_SESSION:"), "")
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    async fn create(&self, body: Json) -> reqwest::Response {
        self.client.post(self.url("/v1/php-sessions")).json(&body).send().await.unwrap()
    }
    async fn view(&self, id: &str, q: &str) -> reqwest::Response {
        self.client.get(self.url(&format!("/v1/php-sessions/{id}{q}"))).send().await.unwrap()
    }
    async fn send(&self, method: reqwest::Method, id: &str, body: Json) -> reqwest::Response {
        self.client
            .request(method, self.url(&format!("/v1/php-sessions/{id}")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }
    fn key(&self, id: &str) -> String {
        format!("{}PHPREDIS_SESSION:{id}", self.prefix)
    }
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Json = r.json().await.unwrap_or(Json::Null);
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn create_sends_php_cookie_and_php_reads_the_session() {
    require_redis().await;
    let app = spawn_app(None, |_| {}).await;
    let r = app.create(json!({"data": {"user_id": 42, "roles": ["editor"]}})).await;
    assert_eq!(r.status().as_u16(), 201);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["cache-control"], "no-store, no-cache, must-revalidate");
    let id = r.json::<Json>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(cookie, format!("PHPSESSID={id}; path=/; HttpOnly; SameSite=Lax"));
    assert_eq!(
        get(0, &app.key(&id)).await.as_deref(),
        Some(&br#"user_id|i:42;roles|a:1:{i:0;s:6:"editor";}"#[..])
    );
    assert_eq!(ttl(0, &app.key(&id)).await, 1440);
    let out = php(
        &php_ini(&save_path_for(&app.prefix)),
        &format!("session_id('{id}'); session_start(); echo json_encode($_SESSION);"),
    );
    assert_eq!(out, r#"{"user_id":42,"roles":["editor"]}"#);
    cleanup(0, &app.prefix).await;
}

#[tokio::test]
async fn get_put_patch_delete_follow_php() {
    require_redis().await;
    let app = spawn_app(None, |_| {}).await;
    let id = "apisession0aaaaaaaaaaaaaaaaaaaa";
    php(
        &php_ini(&save_path_for(&app.prefix)),
        &format!(
            "session_id('{id}'); session_start(); $_SESSION = ['n' => 1, 'f' => 2.5, 's' => 'x', 'm' => ['a' => 1]]; session_write_close();"
        ),
    );
    let r = app.view(id, "").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.json::<Json>().await.unwrap(),
        json!({"data": {"n": 1, "f": 2.5, "s": "x", "m": {"a": 1}}})
    );
    let lossless = app.view(id, "?format=lossless").await.json::<Json>().await.unwrap();
    assert_eq!(lossless["lossless"]["t"], "a");

    // PATCH merges top-level names and keeps the rest byte for byte.
    let r = app
        .send(reqwest::Method::PATCH, id, json!({"data": {"n": 2, "new": true}, "remove": ["s"]}))
        .await;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        get(0, &app.key(id)).await.as_deref(),
        Some(&br#"n|i:2;f|d:2.5;m|a:1:{s:1:"a";i:1;}new|b:1;"#[..])
    );

    // PUT replaces (lossless form round-trips).
    let r = app.send(reqwest::Method::PUT, id, json!({"lossless": lossless["lossless"]})).await;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        get(0, &app.key(id)).await.as_deref(),
        Some(&br#"n|i:1;f|d:2.5;s|s:1:"x";m|a:1:{s:1:"a";i:1;}"#[..])
    );
    let out = php(
        &php_ini(&save_path_for(&app.prefix)),
        &format!("session_id('{id}'); session_start(); echo $_SESSION['m']['a'];"),
    );
    assert_eq!(out, "1");

    assert_eq!(app.send(reqwest::Method::DELETE, id, json!({})).await.status().as_u16(), 204);
    assert_eq!(get(0, &app.key(id)).await, None);
    assert_eq!(code(app.view(id, "").await).await, (404, "unknown-session".into()));
    assert_eq!(
        code(app.send(reqwest::Method::PUT, id, json!({"data": {}})).await).await,
        (404, "unknown-session".into())
    );
    assert_eq!(
        code(app.send(reqwest::Method::DELETE, id, json!({})).await).await,
        (404, "unknown-session".into())
    );
    cleanup(0, &app.prefix).await;
}

#[tokio::test]
async fn refusals_have_codes() {
    require_redis().await;
    let app = spawn_app(None, |_| {}).await;
    assert_eq!(code(app.view("bad.id", "").await).await, (400, "invalid-session-id".into()));
    assert_eq!(
        code(app.view(&"a".repeat(257), "").await).await,
        (400, "invalid-session-id".into())
    );
    let id = "apirefs0aaaaaaaaaaaaaaaaaaaaaaa";
    set(0, &app.key(id), br#"one|O:8:"stdClass":1:{s:2:"id";i:9;}two|r:1;"#, 300).await;
    assert_eq!(code(app.view(id, "").await).await, (409, "not-plain-json".into()));
    assert_eq!(
        code(app.send(reqwest::Method::PATCH, id, json!({"data": {"x": 1}})).await).await,
        (409, "session-has-references".into())
    );
    assert_eq!(
        get(0, &app.key(id)).await.as_deref(),
        Some(&br#"one|O:8:"stdClass":1:{s:2:"id";i:9;}two|r:1;"#[..])
    );
    let corrupt = "apicorrupt0aaaaaaaaaaaaaaaaaaa";
    set(0, &app.key(corrupt), b"user_id|i:1;broken", 300).await;
    assert_eq!(code(app.view(corrupt, "").await).await, (409, "undecodable-session".into()));
    assert_eq!(
        code(app.send(reqwest::Method::PATCH, corrupt, json!({"data": {"x": 1}})).await).await,
        (409, "undecodable-session".into())
    );
    assert_eq!(
        code(app.send(reqwest::Method::PUT, id, json!({"data": {"a|b": 1}})).await).await,
        (400, "unstorable-session".into())
    );
    assert_eq!(
        code(app.send(reqwest::Method::PUT, id, json!({"data": {"7": 1}})).await).await,
        (400, "unstorable-session".into())
    );
    cleanup(0, &app.prefix).await;
}

#[tokio::test]
async fn regenerate_moves_the_data_and_sends_one_cookie() {
    require_redis().await;
    let app = spawn_app(None, |s| s.php_session_locking_enabled = true).await;
    let id = "apiregen0aaaaaaaaaaaaaaaaaaaaaa";
    set(0, &app.key(id), b"user_id|i:1;", 300).await;
    let r = app
        .client
        .post(app.url(&format!("/v1/php-sessions/{id}/regenerate")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get_all("set-cookie").iter().count(), 1);
    let new = r.json::<Json>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_ne!(new, id);
    assert_eq!(get(0, &app.key(&new)).await.as_deref(), Some(&b"user_id|i:1;"[..]));
    assert_eq!(get(0, &app.key(id)).await, None);
    assert_eq!(get(0, &format!("{}_LOCK", app.key(&new))).await, None);
    assert_eq!(get(0, &format!("{}_LOCK", app.key(id))).await, None);
    cleanup(0, &app.prefix).await;
}

#[tokio::test]
async fn redis_down_answers_503_never_an_empty_session() {
    let app = spawn_app(Some("tcp://127.0.0.1:1?timeout=0.5".into()), |_| {}).await;
    let r = app.view("apidown0aaaaaaaaaaaaaaaaaaaaaaa", "").await;
    assert_eq!(r.status().as_u16(), 503);
    let r = app.create(json!({})).await;
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn disabled_without_a_save_path() {
    let app = spawn_app(None, |s| s.php_session_save_path = None).await;
    assert_eq!(code(app.view("abc", "").await).await, (404, "php-sessions-disabled".into()));
}
