//! A wpgate instance assembled from settings exactly as `wpgate serve` does (real MariaDB
//! fixture, real Redis), and one helper per endpoint.

use std::time::Duration;

use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde_json::{Value as Json, json};
use wpgate::config::{SessionBackend, Settings};
use wpgate::startup::{Application, Background, assemble};

use crate::support::wp_db::WpDb;

/// The Redis the tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A fresh key prefix (the Redis server is shared with other suites and helpers).
pub fn prefix(tag: &str) -> String {
    format!("wpgate-test-hardening:{tag}:{:016x}:", rand::random::<u64>())
}

/// A plain Redis connection for looking at what wpgate wrote.
pub async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis at REDIS_URL (default 127.0.0.1:6379; scripts/test starts it)")
}

/// Deletes every key under `prefix`.
pub async fn cleanup(prefix: &str) {
    let mut c = redis().await;
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut c).await.unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(keys).query_async(&mut c).await.unwrap();
    }
}

/// Settings for the fixture database and a Redis prefix: salts and URLs come from the
/// fixture's options, as for a site whose wp-config.php defines no keys.
pub fn settings(db: &WpDb, prefix: &str) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        sessions: SessionBackend::Redis,
        redis_url: Some(SecretString::from(redis_url())),
        redis_prefix: prefix.to_owned(),
        user_cache_ttl: 0,
        ..db.settings()
    }
}

/// A running instance.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    _background: Background,
}

/// Assembles and starts an instance.
pub async fn spawn(settings: &Settings) -> TestApp {
    let (parts, background) = assemble(settings).await.unwrap();
    let app = Application::build(settings, parts).unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _background: background,
    }
}

/// An answer: status, headers and JSON body (`Null` when there is none).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Json,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    /// A `Cookie` header made of the `Set-Cookie`s (first of each name).
    pub fn cookie_header(&self) -> String {
        let mut seen: Vec<String> = Vec::new();
        for c in self.set_cookies() {
            let pair = c.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            if !seen.iter().any(|s| s.starts_with(&format!("{name}="))) {
                seen.push(pair);
            }
        }
        seen.join("; ")
    }
}

pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Json::Null);
    Answer { status, headers, body }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /v1/login` with JSON, from `forwarded_for` when given.
    pub async fn login_from(&self, log: &str, pwd: &str, forwarded_for: Option<&str>) -> Answer {
        let mut r = self
            .client
            .post(self.url("/v1/login"))
            .header("user-agent", "hardening-test/1.0")
            .json(&json!({ "log": log, "pwd": pwd }));
        if let Some(xff) = forwarded_for {
            r = r.header("x-forwarded-for", xff);
        }
        answer(r.send().await.unwrap()).await
    }

    pub async fn login(&self, log: &str, pwd: &str) -> Answer {
        self.login_from(log, pwd, None).await
    }

    /// Logs in and returns the `Cookie` header to send.
    pub async fn cookie(&self, log: &str, pwd: &str) -> String {
        let a = self.login(log, pwd).await;
        assert_eq!(a.status, 200, "login of {log}: {:?}", a.body);
        a.cookie_header()
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Answer {
        answer(self.client.get(self.url(path)).header("cookie", cookie).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, cookie: &str) -> Answer {
        answer(self.client.post(self.url(path)).header("cookie", cookie).send().await.unwrap())
            .await
    }

    pub async fn delete(&self, path: &str, cookie: &str) -> Answer {
        answer(self.client.delete(self.url(path)).header("cookie", cookie).send().await.unwrap())
            .await
    }

    /// An admin request with `Authorization: Bearer <token>` (none when `token` is `None`).
    pub async fn admin(&self, method: reqwest::Method, path: &str, token: Option<&str>) -> Answer {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        answer(r.send().await.unwrap()).await
    }

    /// The ids of `GET /v1/sessions`, with the current one first.
    pub async fn session_ids(&self, cookie: &str) -> (Option<String>, Vec<String>) {
        let a = self.get("/v1/sessions", cookie).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        let mut current = None;
        let mut all = Vec::new();
        for s in a.body["sessions"].as_array().unwrap() {
            let id = s["id"].as_str().unwrap().to_owned();
            if s["current"] == json!(true) {
                current = Some(id.clone());
            }
            all.push(id);
        }
        (current, all)
    }
}

/// Polls `check` every 20 ms until it holds or `limit` passes; returns the time it took.
pub async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() <= limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
