//! `POST /v1/nonce` and `POST /v1/nonce/verify`: WordPress nonces of the logged-in user.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn nonces_are_wordpress_nonces_of_the_session() {
    let app = spawn_app().await;
    let carol = app.db.user("carol");
    let cookie = app.logged_in("carol", carol.spec.password).await;
    let token = cookie_fields(cookie_value(&cookie, &logged_in_name()).unwrap())[2].clone();
    let expected = |action: &str, ago: i64| nonce(carol.id, &token, action, app.now, ago);

    let reply = app.post_json("/v1/nonce", Some(&cookie), json!({ "action": "wp_rest" })).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "nonce": expected("wp_rest", 0), "action": "wp_rest" }));
    // WordPress's default action is -1.
    let reply = app.post_json("/v1/nonce", Some(&cookie), json!({})).await;
    assert_eq!(reply.json(), json!({ "nonce": expected("-1", 0), "action": "-1" }));

    let verify = |nonce: String, action: &str| {
        let body = json!({ "nonce": nonce, "action": action });
        let cookie = cookie.clone();
        let app = &app;
        async move { app.post_json("/v1/nonce/verify", Some(&cookie), body).await.json() }
    };
    assert_eq!(verify(expected("wp_rest", 0), "wp_rest").await, json!({"valid": true, "age": 1}));
    assert_eq!(verify(expected("wp_rest", 1), "wp_rest").await, json!({"valid": true, "age": 2}));
    assert_eq!(verify(expected("wp_rest", 2), "wp_rest").await, json!({"valid": false}));
    assert_eq!(verify(expected("wp_rest", 0), "other").await, json!({"valid": false}));
    assert_eq!(verify(String::new(), "wp_rest").await, json!({"valid": false}));
    // Another session's nonce is not this session's.
    let other = nonce(carol.id, "another-token", "wp_rest", app.now, 0);
    assert_eq!(verify(other, "wp_rest").await, json!({"valid": false}));

    // Without a login: 401.
    let reply = app.post_json("/v1/nonce", None, json!({ "action": "wp_rest" })).await;
    assert_eq!((reply.status, reply.code()), (401, "not-logged-in".to_owned()));
    let body = json!({ "nonce": expected("wp_rest", 0), "action": "wp_rest" });
    let reply = app.post_json("/v1/nonce/verify", None, body).await;
    assert_eq!((reply.status, reply.code()), (401, "not-logged-in".to_owned()));
    cleanup_redis(&app.prefix).await;
}
