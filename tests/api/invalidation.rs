//! The user cache and WordPress's `user:U` events on `P` + `events`: a change announced by the
//! site takes effect at once, not after the cache TTL.

use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::support::wp_db::{HashKind, hash_password};

/// A cache TTL far longer than the tests: only the event can explain a change being seen.
const LONG_TTL: u64 = 600;

async fn publish(app: &TestApp, message: &str) {
    let mut redis = shared_redis().await;
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg(app.events_channel())
        .arg(message)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(receivers >= 1, "nobody listens on {}", app.events_channel());
}

/// `wp_set_password()` as WordPress does it: a new hash in the row, announced to nobody.
async fn set_password_in_db(app: &TestApp, id: u64, password: &str) {
    let hash = hash_password(password, HashKind::WpBcrypt);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE `{}users` SET user_pass = ? WHERE ID = ?",
        app.db.prefix
    )))
    .bind(hash.as_bytes())
    .bind(id)
    .execute(app.db.admin())
    .await
    .unwrap();
}

/// Polls `check` for up to two seconds (the listener handles events asynchronously).
async fn within_two_seconds(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(2), "{what} did not happen in 2 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn password_changed_in_wordpress_rejects_old_cookies_as_soon_as_announced() {
    let app =
        spawn_app_with(AppOptions { user_cache_ttl: LONG_TTL, ..AppOptions::default() }).await;
    wait_for_listener(&app).await;
    let bob = app.db.user("bob");
    let cookie = app.logged_in("bob", bob.spec.password).await;
    assert_eq!(app.session(&cookie).await.status, 200);

    // wp_set_password() in WordPress: a new hash in the row …
    set_password_in_db(&app, bob.id, "bob-new-password").await;
    // … which the cache hides until the site announces it (proof that the event, not the
    // TTL, does the work below).
    assert_eq!(app.session(&cookie).await.status, 200);

    publish(&app, &format!("user:{}", bob.id)).await;
    within_two_seconds("rejecting the old cookie", async || {
        app.session(&cookie).await.status == 401
    })
    .await;
    assert_eq!(app.get("/authz/auth-request", Some(&cookie), &[]).await.status, 401);

    let old = Reply::read(app.login_form("bob", bob.spec.password, false, &[]).await).await;
    assert_eq!(old.status, 401);
    let new = Reply::read(app.login_form("bob", "bob-new-password", false, &[]).await).await;
    assert_eq!(new.status, 200);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn role_change_and_deletion_are_seen_when_announced() {
    let app =
        spawn_app_with(AppOptions { user_cache_ttl: LONG_TTL, ..AppOptions::default() }).await;
    wait_for_listener(&app).await;
    let alice = app.db.user("alice");
    let carol = app.db.user("carol");
    let alice_cookie = app.logged_in("alice", alice.spec.password).await;
    let carol_cookie = app.logged_in("carol", carol.spec.password).await;
    let admin_only = "/authz/auth-request?role=administrator";
    assert_eq!(app.get(admin_only, Some(&alice_cookie), &[]).await.status, 200);

    app.db
        .execute(&format!(
            "UPDATE `{{prefix}}usermeta` SET meta_value = 'a:1:{{s:10:\"subscriber\";b:1;}}' \
             WHERE user_id = {} AND meta_key = '{{prefix}}capabilities'",
            alice.id
        ))
        .await;
    app.db.execute(&format!("DELETE FROM `{{prefix}}users` WHERE ID = {}", carol.id)).await;
    // Unannounced: still the cached rows.
    assert_eq!(app.get(admin_only, Some(&alice_cookie), &[]).await.status, 200);
    assert_eq!(app.session(&carol_cookie).await.status, 200);

    publish(&app, &format!("user:{}", alice.id)).await;
    publish(&app, &format!("user:{}", carol.id)).await;
    within_two_seconds("the role change", async || {
        app.get(admin_only, Some(&alice_cookie), &[]).await.status == 403
    })
    .await;
    let reply = app.get("/authz/auth-request", Some(&alice_cookie), &[]).await;
    assert_eq!(reply.header("remote-groups"), Some("subscriber"));
    within_two_seconds("the deletion", async || app.session(&carol_cookie).await.status == 401)
        .await;
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn an_unannounced_password_change_rejects_old_cookies_once_the_cache_ttl_has_passed() {
    // Stock WordPress announces nothing: the cached row, and with it the per-thread memo of
    // checked cookies (src/memo.rs), may serve an old cookie for `user_cache_ttl`, not longer.
    let app = spawn_app_with(AppOptions { user_cache_ttl: 1, ..AppOptions::default() }).await;
    let carol = app.db.user("carol");
    let cookie = app.logged_in("carol", carol.spec.password).await;
    for _ in 0..8 {
        assert_eq!(app.session(&cookie).await.status, 200);
    }
    set_password_in_db(&app, carol.id, "carol-new-password").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..8 {
        assert_eq!(app.session(&cookie).await.status, 401);
    }
    cleanup_redis(&app.prefix).await;
}
