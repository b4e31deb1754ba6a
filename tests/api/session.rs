//! `GET /v1/session`: who the cookies belong to, by which scheme, and the POST/AJAX grace hour.

use serde_json::json;

use crate::helpers::*;

const UA: &str = "api-tests/1.0 (session)";

#[tokio::test]
async fn session_reports_user_roles_scheme_and_expiration() {
    let app = spawn_app().await;
    let bob = app.db.user("bob");
    let reply =
        Reply::read(app.login_form("bob", bob.spec.password, false, &[("User-Agent", UA)]).await)
            .await;
    let cookie = cookie_header(&reply.set_cookies());
    let expiration = app.now + SESSION_LENGTH;
    let expected = |scheme: &str| {
        json!({
            "user": {
                "id": bob.id,
                "login": "bob",
                "email": "bob@example.com",
                "display_name": "bob (display)",
                "roles": ["editor"],
            },
            "scheme": scheme,
            "expiration": expiration,
            "grace_period": false,
            "session": { "expiration": expiration, "login": app.now, "ip": "127.0.0.1", "ua": UA },
        })
    };
    // An http request: the auth cookie is tried first.
    let reply = app.session(&cookie).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), expected("auth"));
    assert_eq!(reply.header("content-type"), Some("application/json"));

    // Only the logged_in cookie (what the front end of a site sees).
    let logged_in =
        format!("{}={}", logged_in_name(), cookie_value(&cookie, &logged_in_name()).unwrap());
    let reply = app.session(&logged_in).await;
    assert_eq!(reply.json(), expected("logged_in"));

    // In wp-admin only the auth cookie counts.
    let admin = [("X-Forwarded-Uri", "/wordpress/wp-admin/options.php")];
    let reply = app.get("/v1/session", Some(&logged_in), &admin).await;
    assert_eq!((reply.status, reply.code()), (401, "not-logged-in".to_owned()));
    let reply = app.get("/v1/session", Some(&cookie), &admin).await;
    assert_eq!(reply.json(), expected("auth"));
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn https_requests_use_the_secure_auth_cookie() {
    let app = spawn_app().await;
    let alice = app.db.user("alice");
    let https = [("X-Forwarded-Proto", "https")];
    let reply =
        Reply::read(app.login_form("alice", alice.spec.password, false, &https).await).await;
    let cookie = cookie_header(&reply.set_cookies());
    let reply = app.get("/v1/session", Some(&cookie), &https).await;
    assert_eq!(reply.json()["scheme"], "secure_auth");
    // Over http the secure cookie is not the auth cookie: the logged_in one answers.
    let reply = app.get("/v1/session", Some(&cookie), &[]).await;
    assert_eq!(reply.json()["scheme"], "logged_in");
    // The secure cookie's value presented as the http auth cookie fails its HMAC.
    let secure_value = cookie_value(&cookie, &secure_auth_name()).unwrap();
    let swapped = format!("{}={secure_value}", auth_name());
    assert_eq!(app.get("/v1/session", Some(&swapped), &[]).await.status, 401);
    cleanup_redis(&app.prefix).await;
}

/// Stores a session for `token` the way the layout of docs/redis-layout.md says (as the PHP
/// drop-in would), lasting until `session_expiration`.
async fn store_session(app: &TestApp, uid: u64, token: &str, session_expiration: i64) {
    let mut redis = shared_redis().await;
    let v = verifier(token);
    let record = format!(
        "a:4:{{s:10:\"expiration\";i:{session_expiration};s:2:\"ip\";s:9:\"127.0.0.1\";\
         s:2:\"ua\";s:4:\"test\";s:5:\"login\";i:{};}}",
        app.now - 86_400
    );
    let _: () = redis::cmd("SET")
        .arg(format!("{}{{{uid}}}:session:{v}", app.prefix))
        .arg(record)
        .arg("EXAT")
        .arg(session_expiration + 1)
        .query_async(&mut redis)
        .await
        .unwrap();
    let _: i64 = redis::cmd("ZADD")
        .arg(format!("{}{{{uid}}}:sessions", app.prefix))
        .arg(session_expiration)
        .arg(&v)
        .query_async(&mut redis)
        .await
        .unwrap();
}

fn random_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..43).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[tokio::test]
async fn expired_cookie_gets_the_grace_hour_only_for_post_and_ajax() {
    let app = spawn_app().await;
    let dave = app.db.user("dave");
    let hash = dave.hash.as_bytes().to_vec();
    let token = random_token();
    // The session outlives the cookie (a store that keeps sessions longer, as in WordPress's
    // grace_post_session_alive vector).
    store_session(&app, dave.id, &token, app.now + 3600).await;
    let cookie_at = |expiration: i64| {
        let value = auth_cookie("dave", &hash, expiration, &token, "logged_in");
        format!("{}={}", logged_in_name(), rawurlencode(value.as_bytes()))
    };

    let fresh = cookie_at(app.now + 60);
    let reply = app.session(&fresh).await;
    assert_eq!((reply.status, reply.json()["grace_period"].clone()), (200, json!(false)));

    let expired = cookie_at(app.now - 60);
    assert_eq!(app.session(&expired).await.status, 401, "GET: no grace");
    for header in [("X-Forwarded-Method", "POST"), ("X-Requested-With", "XMLHttpRequest")] {
        let reply = app.get("/v1/session", Some(&expired), &[header]).await;
        assert_eq!(reply.status, 200, "{header:?}");
        assert_eq!(reply.json()["grace_period"], true);
        assert_eq!(reply.json()["expiration"], app.now - 60);
        let reply = app.get("/authz/auth-request", Some(&expired), &[header]).await;
        assert_eq!(reply.status, 200, "{header:?}");
    }
    // Grace ends an hour after expiry (expiration + 3600 < now fails).
    let boundary = cookie_at(app.now - 3600);
    let post = [("X-Forwarded-Method", "POST")];
    assert_eq!(app.get("/v1/session", Some(&boundary), &post).await.status, 200);
    let too_old = cookie_at(app.now - 3601);
    assert_eq!(app.get("/v1/session", Some(&too_old), &post).await.status, 401);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn every_kind_of_bad_cookie_gets_the_same_401() {
    let app = spawn_app().await;
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    let value = cookie_value(&cookie, &logged_in_name()).unwrap();
    let fields = cookie_fields(value);
    let name = logged_in_name();
    let token = &fields[2];
    let hash = alice.hash.as_bytes();
    // Another last hex digit (a fixed replacement would equal it one time in sixteen).
    let last = if value.ends_with('0') { '1' } else { '0' };
    let tampered_hmac = format!("{}{last}", &value[..value.len() - 1]);
    let cases = [
        ("no cookie", String::new()),
        ("malformed", format!("{name}=garbage")),
        ("bad hmac", format!("{name}={tampered_hmac}")),
        (
            "unknown user",
            format!(
                "{name}={}",
                rawurlencode(auth_cookie("zed", hash, app.now + 60, token, "logged_in").as_bytes())
            ),
        ),
        (
            "wrong scheme",
            format!(
                "{name}={}",
                rawurlencode(auth_cookie("alice", hash, app.now + 60, token, "auth").as_bytes())
            ),
        ),
        (
            "no such session",
            format!(
                "{name}={}",
                rawurlencode(
                    auth_cookie("alice", hash, app.now + 60, &random_token(), "logged_in")
                        .as_bytes()
                )
            ),
        ),
        (
            "expired",
            format!(
                "{name}={}",
                rawurlencode(
                    auth_cookie("alice", hash, app.now - 1, token, "logged_in").as_bytes()
                )
            ),
        ),
    ];
    for (what, cookie) in cases {
        let reply =
            app.get("/v1/session", (!cookie.is_empty()).then_some(cookie.as_str()), &[]).await;
        assert_eq!(reply.status, 401, "{what}");
        assert_eq!(reply.body, br#"{"code":"not-logged-in"}"#, "{what}");
    }
    // The genuine cookie, recomputed here, is accepted.
    let genuine = auth_cookie("alice", hash, app.now + SESSION_LENGTH, token, "logged_in");
    assert_eq!(percent_decode(value), genuine);
    cleanup_redis(&app.prefix).await;
}

#[tokio::test]
async fn a_cookie_accepted_before_vouches_for_no_altered_copy() {
    // The service remembers, per worker thread, cookies whose HMAC it has checked
    // (src/memo.rs): only the very same bytes may skip the check.
    let app = spawn_app().await;
    let alice = app.db.user("alice");
    let cookie = app.logged_in("alice", alice.spec.password).await;
    let name = logged_in_name();
    let value = cookie_value(&cookie, &name).unwrap();
    for _ in 0..8 {
        assert_eq!(app.session(&cookie).await.status, 200);
    }
    let decoded = percent_decode(value);
    let fields: Vec<&str> = decoded.split('|').collect();
    let expiration: i64 = fields[1].parse().unwrap();
    let last = if value.ends_with('0') { '1' } else { '0' };
    let altered = [
        ("another hmac", format!("{name}={}{last}", &value[..value.len() - 1])),
        (
            "a later expiration under the old hmac",
            format!(
                "{name}={}",
                rawurlencode(
                    format!("{}|{}|{}|{}", fields[0], expiration + 1, fields[2], fields[3])
                        .as_bytes()
                )
            ),
        ),
    ];
    for (what, bad) in &altered {
        for _ in 0..4 {
            assert_eq!(app.session(bad).await.status, 401, "{what}");
        }
    }
    for _ in 0..4 {
        assert_eq!(app.session(&cookie).await.status, 200);
    }
    cleanup_redis(&app.prefix).await;
}
