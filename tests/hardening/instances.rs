//! Several instances on one Redis: a revocation or a password change made through one is
//! seen by the others within a second, even with a long user cache.

use std::time::Duration;

use rand::TryRngCore;
use reqwest::Method;
use secrecy::SecretString;
use wpgate::db::Db;
use wpgate::site::Site;
use wpgate::store::SessionStore;
use wpgate::store::redis::{RedisOptions, RedisStore};
use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, Scheme};
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken};

use crate::helpers::*;
use crate::support::wp_db::WpDb;

const TOKEN: &str = "instances-admin-token-0123456789abcdef";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn revocation_on_one_instance_is_seen_by_the_other_within_a_second() {
    let db = WpDb::create().await;
    let p = prefix("multi-revoke");
    let mut s = settings(&db, &p);
    s.user_cache_ttl = 300;
    s.admin_token = Some(SecretString::from(TOKEN));
    let a = spawn(&s).await;
    let b = spawn(&s).await;

    // Own revocation through A.
    let first = a.cookie("alice", "alice-correct-horse").await;
    let second = a.cookie("alice", "alice-correct-horse").await;
    assert_eq!(b.get("/v1/session", &first).await.status, 200);
    let (id, _) = b.session_ids(&first).await;
    assert_eq!(a.delete(&format!("/v1/sessions/{}", id.unwrap()), &second).await.status, 204);
    let seen = within(Duration::from_secs(1), || async {
        b.get("/v1/session", &first).await.status == 401
    })
    .await;
    assert!(seen.is_some(), "B still accepts the revoked session after 1 s");

    // Admin revocation of everything through B, seen by A.
    assert_eq!(a.get("/v1/session", &second).await.status, 200);
    let alice = db.user("alice").id;
    let r =
        b.admin(Method::DELETE, &format!("/v1/admin/users/{alice}/sessions"), Some(TOKEN)).await;
    assert_eq!(r.status, 200);
    let seen = within(Duration::from_secs(1), || async {
        a.get("/v1/session", &second).await.status == 401
    })
    .await;
    assert!(seen.is_some(), "A still accepts a session revoked through B after 1 s");
    cleanup(&p).await;
}

#[tokio::test]
async fn password_change_on_one_instance_is_seen_by_the_other_within_a_second() {
    let db = WpDb::create().await;
    let p = prefix("multi-rehash");
    let mut s = settings(&db, &p);
    // A five-minute user cache: only the announcement can make B forget bob's old hash.
    s.user_cache_ttl = 300;
    s.rehash_on_login = true;
    let a = spawn(&s).await;
    let b = spawn(&s).await;

    // A cookie made from bob's current (phpass) hash, as WordPress issued it before.
    let bob = db.user("bob");
    let real = Db::connect(&db.db_config()).await.unwrap();
    let site = Site::resolve(&s, WpVersion::LATEST, real.site_options().await.unwrap()).unwrap();
    let now = now();
    let token = SessionToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let store =
        RedisStore::open(&SecretString::from(redis_url()), &p, RedisOptions::default()).unwrap();
    let session = Session::create(now + 3600, SessionOrigin::default(), now);
    store.update(bob.id, &token.verifier(), &session, now).await.unwrap();
    let value = auth_cookie::generate(
        &site.salts,
        Scheme::LoggedIn,
        "bob",
        bob.hash.to_str().unwrap(),
        now + 3600,
        token.expose(),
        WpVersion::LATEST,
    );
    let old_cookie = format!("{}={value}", site.cookies.logged_in_cookie());
    assert_eq!(b.get("/v1/session", &old_cookie).await.status, 200, "B caches bob's row");

    // Logging in through A upgrades the phpass hash (WordPress 6.8+): bob's password hash
    // changes, and with it every cookie made from the old one.
    assert_eq!(a.login("bob", "bob-battery-staple").await.status, 200);
    let stored =
        db.scalar("SELECT user_pass FROM {prefix}users WHERE user_login = 'bob'").await.unwrap();
    assert!(stored.starts_with("$wp$2y$"), "{stored}");
    let seen = within(Duration::from_secs(1), || async {
        b.get("/v1/session", &old_cookie).await.status == 401
    })
    .await;
    assert!(seen.is_some(), "B still accepts a cookie of bob's old hash after 1 s");
    // A fresh login works on both.
    let fresh = a.cookie("bob", "bob-battery-staple").await;
    assert_eq!(b.get("/v1/session", &fresh).await.status, 200);
    cleanup(&p).await;
}
