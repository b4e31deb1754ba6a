//! Nothing secret reaches a log line: every event of every level the service (and the libraries
//! it runs: actix, sqlx, the Redis client) emits during full flows is captured (helpers'
//! `init_logs`) and searched for the passwords, hashes, cookie values, tokens, verifiers,
//! nonces and salts the flows used.

use serde_json::json;

use crate::helpers::*;
use crate::support::wp_db::SALT_OPTIONS;

#[tokio::test]
async fn no_cookie_password_token_or_salt_is_ever_logged() {
    let app = spawn_app().await;
    let mut secrets: Vec<String> = Vec::new();
    for (_, value) in SALT_OPTIONS {
        secrets.push((*value).to_owned());
    }
    for scheme in ["auth", "secure_auth", "logged_in", "nonce"] {
        secrets.push(wp_salt(scheme));
    }

    let proxied = [("X-Forwarded-Host", "app.example.com"), ("X-Forwarded-Uri", "/x?y=1")];
    for login in ["alice", "bob", "carol", "dave"] {
        let user = app.db.user(login);
        secrets.push(user.spec.password.to_owned());
        secrets.push(String::from_utf8(user.hash.as_bytes().to_vec()).unwrap());

        let wrong = format!("{}-wrong", user.spec.password);
        let reply = Reply::read(app.login_json(login, &wrong, false, &[]).await).await;
        assert_eq!(reply.status, 401);
        secrets.push(wrong);

        let https = [("X-Forwarded-Proto", "https")];
        let reply =
            Reply::read(app.login_form(login, user.spec.password, true, &https).await).await;
        assert_eq!(reply.status, 200);
        let set_cookies = reply.set_cookies();
        let cookie = cookie_header(&set_cookies);
        for line in &set_cookies {
            let value = line.split(';').next().unwrap().split_once('=').unwrap().1;
            let fields = cookie_fields(value);
            secrets.push(value.to_owned());
            secrets.push(percent_decode(value));
            secrets.push(fields[2].clone()); // the token
            secrets.push(fields[3].clone()); // the HMAC
            secrets.push(verifier(&fields[2]));
        }

        assert_eq!(app.get("/v1/session", Some(&cookie), &https).await.status, 200);
        let reply = app.get("/authz/auth-request", Some(&cookie), &[]).await;
        secrets.push(reply.header("x-wp-nonce").unwrap().to_owned());
        assert_eq!(app.get("/authz/forward-auth", Some(&cookie), &proxied).await.status, 200);
        let created = app.post_json("/v1/nonce", Some(&cookie), json!({"action": "x"})).await;
        let nonce = created.json()["nonce"].as_str().unwrap().to_owned();
        let body = json!({"nonce": nonce, "action": "x"});
        assert_eq!(app.post_json("/v1/nonce/verify", Some(&cookie), body).await.status, 200);
        secrets.push(nonce);
        assert_eq!(app.post_json("/v1/logout", Some(&cookie), json!({})).await.status, 200);
        assert_eq!(app.get("/v1/session", Some(&cookie), &[]).await.status, 401);
        let tampered = cookie.replace("%7C", "%7C0");
        assert_eq!(app.get("/v1/session", Some(&tampered), &[]).await.status, 401);
    }

    // Failures whose causes are logged in full: an unreachable Redis behind a password.
    let redis_password = "redis-pw-Zq9v1xw7";
    secrets.push(redis_password.to_owned());
    let url = format!("redis://:{redis_password}@127.0.0.1:{}", closed_port());
    let down = spawn_app_with(AppOptions { redis_url: url, ..AppOptions::default() }).await;
    let alice = down.db.user("alice");
    let login = Reply::read(down.login_form("alice", alice.spec.password, false, &[]).await).await;
    assert_eq!(login.status, 503);
    assert_eq!(down.get("/readyz", None, &[]).await.status, 503);

    let logs = captured_logs();
    // The capture works and saw these flows (user ids and outcomes are what gets logged).
    assert!(logs.contains("login"), "nothing captured:\n{logs}");
    assert!(logs.contains("dependency unavailable"), "the 503 cause was not logged:\n{logs}");
    for secret in &secrets {
        assert!(secret.len() >= 8, "too short to search for: {secret:?}");
        if let Some(at) = logs.find(secret.as_str()) {
            let line_start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!("a secret was logged: {secret:?} in\n{}", &logs[line_start..line_end]);
        }
    }
    cleanup_redis(&app.prefix).await;
}

/// A PHP session id is a credential, and it travels in the request's path: the lines logged
/// while serving `/v1/php-sessions/{id}` (here the failure of an unreachable Redis) name the
/// route's template, never the path.
#[tokio::test]
async fn no_php_session_id_from_a_path_is_logged() {
    let (_db, mut settings) = test_site(&AppOptions::default()).await;
    let save_path = format!("tcp://127.0.0.1:{}?timeout=0.5", closed_port());
    settings.php_session_save_path = Some(secrecy::SecretString::from(save_path));
    let (parts, _background) = wpgate::startup::assemble(&settings).await.unwrap();
    let app = wpgate::startup::Application::build(&settings, parts).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let id = "logsecret7q3kz8v1wm5n2b7c4x6d9f0";
    let reply = reqwest::get(format!("{base}/v1/php-sessions/{id}")).await.unwrap();
    assert_eq!(reply.status().as_u16(), 503);

    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("dependency unavailable")
            && l.contains("http.route=/v1/php-sessions/{id}")),
        "the failure was not logged with its route:\n{logs}"
    );
    if let Some(line) = logs.lines().find(|l| l.contains(id)) {
        panic!("a PHP session id was logged:\n{line}");
    }
}
