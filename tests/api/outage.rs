//! Failing dependencies: a session that cannot be checked is a 503 with a stable code and
//! `Retry-After` (never a 200, never a login redirect), and a 500 says nothing.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 503, "{what}: {:?}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.body, br#"{"code":"unavailable"}"#, "{what}");
    assert_eq!(reply.header("retry-after"), Some("1"), "{what}");
    assert!(reply.header("remote-user").is_none(), "{what}");
    assert!(reply.set_cookies().is_empty(), "{what}");
}

#[tokio::test]
async fn redis_going_down_gives_503_and_never_200() {
    let mut redis = PrivateRedis::start();
    let options = AppOptions { redis_url: redis.url(), ..AppOptions::default() };
    let app = spawn_app_with(options).await;
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    assert_eq!(app.session(&cookie).await.status, 200);
    assert_eq!(app.get("/readyz", None, &[]).await.status, 200);

    redis.stop();
    let proxied = [("X-Forwarded-Host", "app.example.com"), ("X-Forwarded-Uri", "/")];
    assert_unavailable(&app.session(&cookie).await, "GET /v1/session");
    assert_unavailable(&app.get("/authz/auth-request", Some(&cookie), &[]).await, "auth-request");
    assert_unavailable(
        &app.get("/authz/forward-auth", Some(&cookie), &proxied).await,
        "forward-auth (no login redirect either)",
    );
    assert_unavailable(
        &app.post_json("/v1/nonce", Some(&cookie), json!({"action": "wp_rest"})).await,
        "nonce",
    );
    let login = Reply::read(app.login_form("alice", alice.spec.password, false, &[]).await).await;
    assert_unavailable(&login, "login");
    // Logging out must not pretend to have destroyed the session.
    assert_unavailable(&app.post_json("/v1/logout", Some(&cookie), json!({})).await, "logout");

    let ready = app.get("/readyz", None, &[]).await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json(), json!({ "store": false, "database": true }));
    assert_eq!(app.get("/healthz", None, &[]).await.status, 200, "liveness is not readiness");

    // Back up (empty: it kept nothing): ready again, and the lost session is a 401, not a 200.
    redis.restart();
    let started = Instant::now();
    while app.get("/readyz", None, &[]).await.status != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "never ready again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.session(&cookie).await.status, 401);
    let login = Reply::read(app.login_form("alice", alice.spec.password, false, &[]).await).await;
    assert_eq!(login.status, 200);
}

#[tokio::test]
async fn unreachable_redis_from_the_start_gives_503() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let app = spawn_app_with(AppOptions { redis_url: url, ..AppOptions::default() }).await;
    let bob = app.db.user("bob");
    // A cookie with a valid HMAC (computed here): only the session check is left to decide.
    let value =
        auth_cookie("bob", bob.hash.as_bytes(), app.now + 600, &"t".repeat(43), "logged_in");
    let cookie = format!("{}={}", logged_in_name(), rawurlencode(value.as_bytes()));
    assert_unavailable(&app.session(&cookie).await, "session");
    assert_unavailable(&app.get("/authz/auth-request", Some(&cookie), &[]).await, "auth-request");
    // A cookie that fails before the store is asked is still a plain 401.
    let forged = format!("{}=bob%7C1%7Cx%7Cy", logged_in_name());
    assert_eq!(app.session(&forged).await.status, 401);
    let ready = app.get("/readyz", None, &[]).await;
    assert_eq!((ready.status, ready.json()), (503, json!({ "store": false, "database": true })));
}

#[tokio::test]
async fn internal_error_has_an_empty_body() {
    // PHP's setcookie() refuses a COOKIE_DOMAIN with ';' or a space: the login cannot send its
    // cookies, which is a server-side fault, answered 500 without any detail.
    let options = AppOptions {
        sessions: wpgate::config::SessionBackend::Memory,
        cookie_domain: Some("bad domain;.example".to_owned()),
        ..AppOptions::default()
    };
    let app = spawn_app_with(options).await;
    let dave = app.db.user("dave");
    let reply = Reply::read(app.login_form("dave", dave.spec.password, false, &[]).await).await;
    assert_eq!(reply.status, 500);
    assert!(reply.body.is_empty(), "{:?}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("content-length"), Some("0"));
    assert!(reply.set_cookies().is_empty());
}
