//! `/healthz`, `/readyz`, `/metrics`.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_readiness_and_documented_metrics() {
    let app = spawn_app().await;
    let reply = app.get("/healthz", None, &[]).await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, b"ok".as_slice()));
    let reply = app.get("/readyz", None, &[]).await;
    assert_eq!((reply.status, reply.json()), (200, json!({ "store": true, "database": true })));

    // Traffic of every outcome: ok, denied and (from an app whose Redis is unreachable)
    // unavailable.
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    assert_eq!(app.session(&cookie).await.status, 200);
    assert_eq!(app.get("/v1/session", None, &[]).await.status, 401);
    let down = format!("redis://127.0.0.1:{}", closed_port());
    let broken = spawn_app_with(AppOptions { redis_url: down, ..AppOptions::default() }).await;
    assert_eq!(broken.get("/readyz", None, &[]).await.status, 503);

    let reply = app.get("/metrics", None, &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").unwrap().starts_with("text/plain"));
    let text = String::from_utf8(reply.body).unwrap();
    for needle in [
        "# TYPE wpgate_requests_total counter",
        r#"wpgate_requests_total{route="/v1/session",status="200",outcome="ok"}"#,
        r#"wpgate_requests_total{route="/v1/session",status="401",outcome="denied"}"#,
        r#"wpgate_requests_total{route="/readyz",status="503",outcome="unavailable"}"#,
        "# TYPE wpgate_request_duration_seconds histogram",
        r#"wpgate_request_duration_seconds_bucket{route="/v1/session",le="0.001"}"#,
        "# TYPE wpgate_dependency_errors_total counter",
    ] {
        assert!(text.contains(needle), "/metrics lacks {needle:?}:\n{text}");
    }
    cleanup_redis(&app.prefix).await;
}
