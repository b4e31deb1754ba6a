//! Salt rotation: cookies and nonces made with the previous keys and salts stay valid until
//! `previous_salts_until`; new ones use the current salts only.

use rand::TryRngCore;
use secrecy::SecretString;
use serde_json::json;
use wpgate::config::Settings;
use wpgate::store::SessionStore;
use wpgate::store::redis::{RedisOptions, RedisStore};
use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, AuthCookie, Scheme};
use wpgate_core::nonce::{self, NonceClock, NonceSubject};
use wpgate_core::salts::Salts;
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken};

use crate::helpers::*;
use crate::support::wp_db::WpDb;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn keys(s: &mut Settings) -> [&mut Option<SecretString>; 8] {
    [
        &mut s.auth_key,
        &mut s.secure_auth_key,
        &mut s.logged_in_key,
        &mut s.nonce_key,
        &mut s.auth_salt,
        &mut s.secure_auth_salt,
        &mut s.logged_in_salt,
        &mut s.nonce_salt,
    ]
}

fn previous_keys(s: &mut Settings) -> [&mut Option<SecretString>; 8] {
    [
        &mut s.previous_auth_key,
        &mut s.previous_secure_auth_key,
        &mut s.previous_logged_in_key,
        &mut s.previous_nonce_key,
        &mut s.previous_auth_salt,
        &mut s.previous_secure_auth_salt,
        &mut s.previous_logged_in_salt,
        &mut s.previous_nonce_salt,
    ]
}

/// Settings with new salts in the constants and the old ones as `previous_*`.
fn rotated(db: &WpDb, prefix: &str, until: i64) -> Settings {
    let mut s = settings(db, prefix);
    for (i, k) in keys(&mut s).into_iter().enumerate() {
        *k = Some(SecretString::from(format!("new key material number {i} for the rotation test")));
    }
    for (i, k) in previous_keys(&mut s).into_iter().enumerate() {
        *k = Some(SecretString::from(format!("old key material number {i} for the rotation test")));
    }
    s.previous_salts_until = Some(until);
    s
}

struct Minted {
    cookie: String,
    token: String,
}

/// A logged_in cookie for alice made with `salts`, with its session stored.
async fn mint(db: &WpDb, prefix: &str, salts: &Salts, cookie_name: &str) -> Minted {
    let alice = db.user("alice");
    let now = now();
    let exp = now + 3600;
    let token = SessionToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let store = RedisStore::open(&SecretString::from(redis_url()), prefix, RedisOptions::default())
        .unwrap();
    let session = Session::create(exp, SessionOrigin::default(), now);
    store.update(alice.id, &token.verifier(), &session, now).await.unwrap();
    let pass = alice.hash.to_str().unwrap();
    let value = auth_cookie::generate(
        salts,
        Scheme::LoggedIn,
        "alice",
        pass,
        exp,
        token.expose(),
        WpVersion::LATEST,
    );
    Minted { cookie: format!("{cookie_name}={value}"), token: token.expose().to_owned() }
}

/// The logged_in cookie's name, as a login shows it.
async fn logged_in_name(app: &TestApp) -> String {
    let a = app.login("carol", "carol-tr0ub4dor").await;
    a.set_cookies()
        .iter()
        .find(|c| c.starts_with("wordpress_logged_in_"))
        .unwrap()
        .split('=')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn cookies_and_nonces_of_the_previous_salts_work_until_the_deadline() {
    let db = WpDb::create().await;
    let p = prefix("salts");
    let s = rotated(&db, &p, now() + 3600);
    let old = s.previous_salts(WpVersion::LATEST).unwrap().unwrap().0;
    let new = s.salts_from_constants(WpVersion::LATEST).unwrap();
    let app = spawn(&s).await;
    let name = logged_in_name(&app).await;

    let minted = mint(&db, &p, &old, &name).await;
    let r = app.get("/v1/session", &minted.cookie).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["user"]["login"], "alice");

    // A nonce made with the old nonce salt verifies; one made with neither does not.
    let alice = db.user("alice").id;
    let subject = NonceSubject { uid: alice, token: &minted.token };
    let old_nonce = nonce::create(&old, "wp_rest", subject, NonceClock::new(now()));
    let verify = |n: String| {
        let app = &app;
        let cookie = minted.cookie.clone();
        async move {
            answer(
                app.client
                    .post(app.url("/v1/nonce/verify"))
                    .header("cookie", cookie)
                    .json(&json!({"nonce": n, "action": "wp_rest"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
            .body["valid"]
                .clone()
        }
    };
    assert_eq!(verify(old_nonce).await, json!(true));
    assert_eq!(verify("0123456789".to_owned()).await, json!(false));

    // New cookies and nonces use the current salts only.
    let login = app.login("alice", "alice-correct-horse").await;
    let fresh =
        login.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}="))).unwrap();
    let value = fresh.split(';').next().unwrap().split_once('=').unwrap().1.replace("%7C", "|");
    let parsed = AuthCookie::parse(&value).unwrap();
    let pass = db.user("alice").hash.to_str().unwrap().to_owned();
    assert!(parsed.verify_hmac(&new, Scheme::LoggedIn, &pass, WpVersion::LATEST).is_ok());
    assert!(parsed.verify_hmac(&old, Scheme::LoggedIn, &pass, WpVersion::LATEST).is_err());
    let made = answer(
        app.client
            .post(app.url("/v1/nonce"))
            .header("cookie", login.cookie_header())
            .json(&json!({"action": "wp_rest"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let n = made.body["nonce"].as_str().unwrap().to_owned();
    let token = parsed.token().to_owned();
    let clock = NonceClock::new(now());
    assert!(
        nonce::verify(&new, &n, "wp_rest", NonceSubject { uid: alice, token: &token }, clock)
            .is_some()
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn previous_salts_are_refused_after_the_deadline() {
    let db = WpDb::create().await;
    let p = prefix("salts-late");
    let s = rotated(&db, &p, now() - 1);
    let old = s.previous_salts(WpVersion::LATEST).unwrap().unwrap().0;
    let app = spawn(&s).await;
    let name = logged_in_name(&app).await;
    let minted = mint(&db, &p, &old, &name).await;
    assert_eq!(app.get("/v1/session", &minted.cookie).await.status, 401);
    cleanup(&p).await;
}

#[tokio::test]
async fn previous_salts_come_from_a_previous_wp_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wp-config.old.php");
    let mut php = String::from("<?php\n");
    for name in [
        "AUTH_KEY",
        "SECURE_AUTH_KEY",
        "LOGGED_IN_KEY",
        "NONCE_KEY",
        "AUTH_SALT",
        "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT",
        "NONCE_SALT",
    ] {
        php.push_str(&format!("define('{name}', 'old {name} value');\n"));
    }
    std::fs::write(&path, php).unwrap();
    let env: std::collections::BTreeMap<String, String> = [
        ("WPGATE_PREVIOUS_WP_CONFIG".to_owned(), path.display().to_string()),
        ("WPGATE_PREVIOUS_SALTS_UNTIL".to_owned(), "1900000000".to_owned()),
        ("WPGATE_PREVIOUS_NONCE_SALT".to_owned(), "overridden nonce salt".to_owned()),
    ]
    .into_iter()
    .collect();
    let s =
        Settings::load_from(None, &wpgate::config::Overrides::default(), &env).unwrap().settings;
    let (salts, until) = s.previous_salts(WpVersion::LATEST).unwrap().unwrap();
    assert_eq!(until, 1_900_000_000);
    let auth = salts.salt(wpgate_core::salts::SaltScheme::Auth).expose().to_owned();
    assert_eq!(auth, "old AUTH_KEY valueold AUTH_SALT value");
    let nonce = salts.salt(wpgate_core::salts::SaltScheme::Nonce).expose().to_owned();
    assert_eq!(nonce, "old NONCE_KEY valueoverridden nonce salt");
    assert!(!format!("{s:?}").contains("overridden nonce salt"));

    // Without a deadline: refused, naming the setting.
    let mut no_deadline = s.clone();
    no_deadline.previous_salts_until = None;
    let err = no_deadline.previous_salts(WpVersion::LATEST).err().unwrap().to_string();
    assert!(err.contains("WPGATE_PREVIOUS_SALTS_UNTIL"), "{err}");
}
