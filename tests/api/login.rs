//! `POST /v1/login`: every hash format, form and JSON, "remember me", the exact `Set-Cookie`
//! lines of `wp_set_auth_cookie()`, one answer for every credential failure, spam handling.

use serde_json::json;

use crate::helpers::*;

/// The fixture users of each `user_pass` format, with the hash prefix the fixture must have
/// stored for them.
const FORMATS: &[(&str, &str)] = &[
    ("alice", "$wp$2y$"),
    ("bob", "$P$"),
    ("carol", "$2y$"),
    ("dave", ""), // md5: 32 hex digits
];

/// The token of a login's cookies (third field of the logged_in value).
fn token_of(set_cookie_line: &str) -> String {
    let value = set_cookie_line.split(';').next().unwrap().split_once('=').unwrap().1;
    cookie_fields(value)[2].clone()
}

#[tokio::test]
async fn every_hash_format_logs_in_with_wordpress_cookies_form_and_json() {
    let app = spawn_app().await;
    let mut redis = shared_redis().await;
    for &(login, hash_prefix) in FORMATS {
        let user = app.db.user(login);
        let hash = user.hash.as_bytes().to_vec();
        if hash_prefix.is_empty() {
            assert!(hash.len() == 32 && hash.iter().all(u8::is_ascii_hexdigit), "{login}: md5");
        } else {
            assert!(hash.starts_with(hash_prefix.as_bytes()), "{login}: {hash_prefix}");
        }
        for json_body in [false, true] {
            for remember in [false, true] {
                let what = format!("{login} json={json_body} remember={remember}");
                let password = user.spec.password;
                let response = if json_body {
                    app.login_json(login, password, remember, &[]).await
                } else {
                    app.login_form(login, password, remember, &[]).await
                };
                let reply = Reply::read(response).await;
                assert_eq!(reply.status, 200, "{what}: {:?}", String::from_utf8_lossy(&reply.body));
                let lines = reply.set_cookies();
                assert_eq!(lines.len(), 4, "{what}: {lines:#?}");
                let token = token_of(&lines[2]);
                assert_eq!(token.len(), 43, "{what}: WP_Session_Tokens token length");
                let expected =
                    expected_login_cookies(login, &hash, &token, app.now, remember, false);
                assert_eq!(lines, expected, "{what}");

                let expiration = app.now + if remember { REMEMBER_LENGTH } else { SESSION_LENGTH };
                assert_eq!(
                    reply.json(),
                    json!({
                        "user": {
                            "id": user.id,
                            "login": login,
                            "email": user.spec.email,
                            "display_name": format!("{login} (display)"),
                            "roles": roles_of(login),
                        },
                        "expiration": expiration,
                    }),
                    "{what}"
                );

                // The session is in Redis under the documented key, with WordPress's fields.
                let key = format!("{}{{{}}}:session:{}", app.prefix, user.id, verifier(&token));
                let record: Vec<u8> =
                    redis::cmd("GET").arg(&key).query_async(&mut redis).await.unwrap();
                // No User-Agent was sent: no `ua` field, as in WordPress.
                assert_eq!(
                    String::from_utf8(record).unwrap(),
                    format!(
                        "a:3:{{s:10:\"expiration\";i:{expiration};s:2:\"ip\";s:9:\"127.0.0.1\";\
                         s:5:\"login\";i:{};}}",
                        app.now
                    ),
                    "{what}"
                );

                // And the cookies a browser would send back are a valid login.
                let session = app.session(&cookie_header(&lines)).await;
                assert_eq!(session.status, 200, "{what}");
                assert_eq!(session.json()["user"]["id"], user.id);
            }
        }
    }
    cleanup_redis(&app.prefix).await;
}

fn roles_of(login: &str) -> Vec<&'static str> {
    match login {
        "alice" => vec!["administrator"],
        "bob" => vec!["editor"],
        "carol" => vec!["subscriber"],
        // dave's capabilities are not a serialized array: no roles, as in WordPress.
        _ => vec![],
    }
}

#[tokio::test]
async fn https_login_sends_secure_auth_cookies_and_a_plain_logged_in_cookie() {
    let app = spawn_app().await;
    let bob = app.db.user("bob");
    let reply = Reply::read(
        app.login_form("bob", bob.spec.password, true, &[("X-Forwarded-Proto", "https")]).await,
    )
    .await;
    assert_eq!(reply.status, 200);
    let lines = reply.set_cookies();
    let token = token_of(&lines[2]);
    assert_eq!(
        lines,
        expected_login_cookies("bob", bob.hash.as_bytes(), &token, app.now, true, true)
    );
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn non_ascii_login_is_percent_encoded_in_the_cookies() {
    let app = spawn_app().await;
    let jose = app.db.user("José Núñez");
    let reply =
        Reply::read(app.login_form("José Núñez", jose.spec.password, false, &[]).await).await;
    assert_eq!(reply.status, 200);
    let lines = reply.set_cookies();
    assert!(lines[2].contains("=Jos%C3%A9%20N%C3%BA%C3%B1ez%7C"), "{}", lines[2]);
    let token = token_of(&lines[2]);
    assert_eq!(
        lines,
        expected_login_cookies("José Núñez", jose.hash.as_bytes(), &token, app.now, false, false)
    );
    assert_eq!(app.session(&cookie_header(&lines)).await.status, 200);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn email_and_case_insensitive_logins_get_the_stored_login_in_the_cookie() {
    let app = spawn_app().await;
    let bob = app.db.user("bob");
    // wp_authenticate_email_password(), then get_user_by('login') under the column collation:
    // the cookie always carries user_login as stored.
    for log in ["bob@example.com", "BOB", "  bob "] {
        let reply = Reply::read(app.login_form(log, bob.spec.password, false, &[]).await).await;
        assert_eq!(reply.status, 200, "{log:?}");
        let lines = reply.set_cookies();
        let token = token_of(&lines[2]);
        assert_eq!(
            lines,
            expected_login_cookies("bob", bob.hash.as_bytes(), &token, app.now, false, false),
            "{log:?}"
        );
    }
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn password_is_trimmed_as_wordpress_does() {
    let app = spawn_app().await;
    let carol = app.db.user("carol");
    let padded = format!(" \t{}\n ", carol.spec.password);
    let reply = Reply::read(app.login_json("carol", &padded, false, &[]).await).await;
    assert_eq!(reply.status, 200);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = spawn_app().await;
    let alice = app.db.user("alice");
    let mut bodies = Vec::new();
    for (log, pwd) in [
        ("alice", "not-her-password"),
        ("alice", &format!("{}x", alice.spec.password)),
        ("bob", alice.spec.password),
        ("nobody", alice.spec.password),
        ("nobody@example.com", "whatever"),
        ("dave", "d94872a41fa7251125a83ed57276f1c9"), // the md5 hash itself is not a password
    ] {
        for json_body in [false, true] {
            let response = if json_body {
                app.login_json(log, pwd, false, &[]).await
            } else {
                app.login_form(log, pwd, true, &[]).await
            };
            let reply = Reply::read(response).await;
            assert_eq!(reply.status, 401, "{log}/{pwd}");
            assert!(reply.set_cookies().is_empty(), "{log}: no cookie on failure");
            assert_eq!(reply.header("content-type"), Some("application/json"));
            bodies.push(reply.body);
        }
    }
    for body in &bodies {
        assert_eq!(body.as_slice(), br#"{"code":"invalid-credentials"}"#);
    }
    // No session was written for the failed attempts (only the brute-force counters).
    let mut redis = shared_redis().await;
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{}*", app.prefix)).query_async(&mut redis).await.unwrap();
    let sessions: Vec<&String> = keys.iter().filter(|k| !k.contains(":login-fail:")).collect();
    assert!(sessions.is_empty(), "{keys:?}");
}

#[tokio::test]
async fn empty_fields_and_bad_bodies_are_400_with_a_code() {
    let app = spawn_app().await;
    let cases = [
        (app.login_form("", "pw", false, &[]).await, "empty-username"),
        (app.login_form("alice", "", false, &[]).await, "empty-password"),
        (app.login_json("alice", "   ", false, &[]).await, "empty-password"),
    ];
    for (response, code) in cases {
        let reply = Reply::read(response).await;
        assert_eq!((reply.status, reply.code()), (400, code.to_owned()));
    }
    let reply = Reply::read(
        app.client
            .post(app.url("/v1/login"))
            .header("Content-Type", "application/json")
            .body("{\"log\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((reply.status, reply.code()), (400, "invalid-body".to_owned()));
}

#[tokio::test]
async fn user_status_does_not_stop_a_login_on_a_single_site() {
    // WordPress core ignores user_status (erin's is 2); only multisite's spam column counts.
    let app = spawn_app().await;
    let erin = app.db.user("erin");
    assert_eq!(erin.spec.user_status, 2);
    let reply = Reply::read(app.login_form("erin", erin.spec.password, false, &[]).await).await;
    assert_eq!(reply.status, 200);
    app.db.execute("UPDATE `{prefix}users` SET user_status = 1 WHERE user_login = 'bob'").await;
    let bob = app.db.user("bob");
    let reply = Reply::read(app.login_form("bob", bob.spec.password, false, &[]).await).await;
    assert_eq!(reply.status, 200);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn multisite_spammer_is_refused_after_the_password_check_but_keeps_a_live_cookie() {
    // No user cache: the flag is seen at once (invalidation.rs covers the cached case).
    let options = AppOptions { multisite: true, user_cache_ttl: 0, ..AppOptions::default() };
    let app = spawn_app_with(options).await;
    let carol = app.db.user("carol");
    // A cookie from before the account was marked as spam.
    let cookie = app.logged_in("carol", carol.spec.password).await;
    app.db.execute("UPDATE `{prefix}users` SET spam = 1 WHERE user_login = 'carol'").await;

    // wp_authenticate_spam_check(): the right password of a spammer is a 403 …
    let reply = Reply::read(app.login_form("carol", carol.spec.password, false, &[]).await).await;
    assert_eq!((reply.status, reply.code()), (403, "forbidden".to_owned()));
    assert!(reply.set_cookies().is_empty());
    // … a wrong one the usual 401 (the flag is not revealed before the password is checked).
    let reply = Reply::read(app.login_form("carol", "wrong", false, &[]).await).await;
    assert_eq!((reply.status, reply.code()), (401, "invalid-credentials".to_owned()));
    // wp_validate_auth_cookie() does not look at spam: the existing session stays valid.
    assert_eq!(app.session(&cookie).await.status, 200);
    // Another multisite user logs in normally.
    let alice = app.db.user("alice");
    let reply = Reply::read(app.login_form("alice", alice.spec.password, false, &[]).await).await;
    assert_eq!(reply.status, 200);
    cleanup_redis(&app.prefix).await;
}
