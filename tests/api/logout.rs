//! `POST /v1/logout`: `wp_destroy_current_session()` + `wp_clear_auth_cookie()`.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn logout_destroys_the_session_and_clears_every_cookie_as_wordpress() {
    let app = spawn_app().await;
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    let other = app.logged_in("alice", alice.spec.password).await;
    assert_eq!(app.session(&cookie).await.status, 200);
    let token = cookie_fields(cookie_value(&cookie, &logged_in_name()).unwrap())[2].clone();
    let key = format!("{}{{{}}}:session:{}", app.prefix, alice.id, verifier(&token));
    let mut redis = shared_redis().await;
    let exists: i64 = redis::cmd("EXISTS").arg(&key).query_async(&mut redis).await.unwrap();
    assert_eq!(exists, 1);

    let reply = app.post_json("/v1/logout", Some(&cookie), json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "logged_out": true }));
    assert_eq!(reply.set_cookies(), expected_clear_cookies(alice.id, app.now));

    // The old cookie is dead at once, everywhere; the session record is gone.
    let again = app.session(&cookie).await;
    assert_eq!((again.status, again.code()), (401, "not-logged-in".to_owned()));
    assert_eq!(app.get("/authz/auth-request", Some(&cookie), &[]).await.status, 401);
    let exists: i64 = redis::cmd("EXISTS").arg(&key).query_async(&mut redis).await.unwrap();
    assert_eq!(exists, 0);
    // Only that session: the user's other login lives on.
    assert_eq!(app.session(&other).await.status, 200);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn logout_without_a_login_still_clears_the_cookies_for_user_0() {
    let app = spawn_app().await;
    let reply = app.post_json("/v1/logout", None, json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.set_cookies(), expected_clear_cookies(0, app.now));
    let forged = format!("{}=alice%7C1%7Cx%7Cy", logged_in_name());
    let reply = app.post_json("/v1/logout", Some(&forged), json!({})).await;
    assert_eq!(reply.set_cookies(), expected_clear_cookies(0, app.now));
}
