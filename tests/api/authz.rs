//! `/authz/auth-request` (nginx) and `/authz/forward-auth` (Traefik, Caddy).

use crate::helpers::*;

/// The identity headers of a 200, checked against values computed here.
fn assert_identity(reply: &Reply, uid: u64, token: &str, now: i64, expect: [&str; 4]) {
    assert_eq!(reply.status, 200, "{:?}", String::from_utf8_lossy(&reply.body));
    let [user, email, name, groups] = expect;
    assert_eq!(reply.header("remote-user"), Some(user));
    assert_eq!(reply.header("remote-email"), Some(email));
    assert_eq!(reply.header("remote-name"), Some(name));
    assert_eq!(reply.header("remote-groups"), Some(groups));
    assert_eq!(reply.header("x-wp-user-id"), Some(uid.to_string().as_str()));
    assert_eq!(reply.header("x-wp-nonce"), Some(nonce(uid, token, "wp_rest", now, 0).as_str()));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.body.is_empty());
}

fn token_in(cookie: &str) -> String {
    cookie_fields(cookie_value(cookie, &logged_in_name()).unwrap())[2].clone()
}

#[tokio::test]
async fn auth_request_answers_200_with_identity_headers_or_401() {
    let app = spawn_app().await;
    let bob = app.db.user("bob");
    let cookie = app.logged_in("bob", bob.spec.password).await;
    let token = token_in(&cookie);
    let reply = app.get("/authz/auth-request", Some(&cookie), &[]).await;
    assert_identity(
        &reply,
        bob.id,
        &token,
        app.now,
        ["bob", "bob@example.com", "bob (display)", "editor"],
    );

    let reply = app.get("/authz/auth-request", None, &[]).await;
    assert_eq!((reply.status, reply.code()), (401, "not-logged-in".to_owned()));
    assert!(reply.header("remote-user").is_none());

    // A non-ASCII login and name are percent-encoded (RFC 3986) in the headers.
    let jose = app.db.user("José Núñez");
    let cookie = app.logged_in("José Núñez", jose.spec.password).await;
    let reply = app.get("/authz/auth-request", Some(&cookie), &[]).await;
    assert_identity(
        &reply,
        jose.id,
        &token_in(&cookie),
        app.now,
        [
            "Jos%C3%A9%20N%C3%BA%C3%B1ez",
            "jose@example.com",
            "Jos%C3%A9%20N%C3%BA%C3%B1ez%20%28display%29",
            "contributor",
        ],
    );
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn role_requirement_gives_403_to_users_without_the_role() {
    let app = spawn_app().await;
    let bob = app.db.user("bob");
    let dave = app.db.user("dave");
    let bob_cookie = app.logged_in("bob", bob.spec.password).await;
    let dave_cookie = app.logged_in("dave", dave.spec.password).await;
    for path in ["/authz/auth-request", "/authz/forward-auth"] {
        for (query, cookie, status) in [
            ("?role=editor", &bob_cookie, 200),
            ("?role=administrator", &bob_cookie, 403),
            ("?role=administrator,editor", &bob_cookie, 200),
            ("?role=administrator,%20editor", &bob_cookie, 200),
            ("?role=", &bob_cookie, 200),
            ("?role=subscriber", &dave_cookie, 403),
            ("", &dave_cookie, 200),
        ] {
            let reply = app.get(&format!("{path}{query}"), Some(cookie), &[]).await;
            assert_eq!(reply.status, status, "{path}{query}");
            if status == 403 {
                assert_eq!(reply.code(), "forbidden");
                assert!(reply.header("remote-user").is_none());
            }
        }
    }
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn forward_auth_redirects_visitors_to_wp_login_with_redirect_to() {
    let app = spawn_app().await;
    let proxied = [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "app.example.com"),
        ("X-Forwarded-Uri", "/dash/board?a=1&b=2"),
    ];
    let reply = app.get("/authz/forward-auth", None, &proxied).await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some(
            "http://wp.test/wordpress/wp-login.php?redirect_to=\
             https%3A%2F%2Fapp.example.com%2Fdash%2Fboard%3Fa%3D1%26b%3D2"
        )
    );
    // A bad cookie is the same as none.
    let forged = format!("{}=bob%7C1%7Cx%7Cy", logged_in_name());
    let reply = app.get("/authz/forward-auth", Some(&forged), &proxied).await;
    assert_eq!(reply.status, 302);

    // Without a usable host there is no redirect_to (never an open redirect).
    for host in [None, Some("evil.example/x"), Some("a@b")] {
        let mut headers = vec![("X-Forwarded-Uri", "/x")];
        if let Some(host) = host {
            headers.push(("X-Forwarded-Host", host));
        }
        let reply = app.get("/authz/forward-auth", None, &headers).await;
        assert_eq!(reply.status, 302);
        assert_eq!(reply.header("location"), Some("http://wp.test/wordpress/wp-login.php"));
    }

    // Logged in: 200 with the identity.
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    let reply = app.get("/authz/forward-auth", Some(&cookie), &proxied).await;
    assert_identity(
        &reply,
        alice.id,
        &token_in(&cookie),
        app.now,
        ["alice", "alice@example.com", "alice (display)", "administrator"],
    );
    cleanup_redis(&app.prefix).await;
}
