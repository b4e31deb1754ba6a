//! `store_acceptance_suite(make_store)`: WordPress's `WP_Session_Tokens` semantics, checked
//! the same way for every store.

use std::future::Future;
use std::sync::Arc;

use wpgate::store::SessionStore;
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};

const DAY: i64 = 86_400;

/// The current Unix time. Checks use the real clock, not a fixed date: Redis expires keys at
/// `expiration + 1` by its own clock, so a session "live" at a date in the past would already
/// be gone there.
fn unix_now() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(since_epoch.as_secs()).unwrap()
}

fn session(expiration: i64, now: i64) -> Session {
    let origin = SessionOrigin {
        remote_addr: Some("192.0.2.10"),
        user_agent: Some("Mozilla/5.0 (acceptance)"),
        attached: Vec::new(),
    };
    Session::create(expiration, origin, now)
}

fn verifier(name: &str) -> Verifier {
    SessionToken::new(format!("token-{name}")).verifier()
}

/// Runs every check against fresh stores from `make_store` (one per check, so a check never
/// sees another's data).
pub async fn store_acceptance_suite<S, F, Fut>(make_store: F)
where
    S: SessionStore,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    created_session_is_found_and_equal(make_store().await.as_ref(), unix_now()).await;
    unknown_verifier_is_not_found(make_store().await.as_ref(), unix_now()).await;
    expired_session_is_invisible(make_store().await.as_ref(), unix_now()).await;
    expiration_equal_to_now_is_live(make_store().await.as_ref(), unix_now()).await;
    update_replaces_in_place(make_store().await.as_ref(), unix_now()).await;
    destroy_removes_only_that_session(make_store().await.as_ref(), unix_now()).await;
    destroy_others_keeps_only_the_live_one(make_store().await.as_ref(), unix_now()).await;
    destroy_others_with_dead_keep_destroys_all(make_store().await.as_ref(), unix_now()).await;
    destroy_all_affects_one_user_only(make_store().await.as_ref(), unix_now()).await;
    destroy_all_for_all_users_empties_the_site(make_store().await.as_ref(), unix_now()).await;
    list_returns_live_sessions_by_expiration(make_store().await.as_ref(), unix_now()).await;
    extra_fields_survive_a_round_trip(make_store().await.as_ref(), unix_now()).await;
    users_are_isolated(make_store().await.as_ref(), unix_now()).await;
    store_answers_ping(make_store().await.as_ref(), unix_now()).await;
}

async fn created_session_is_found_and_equal(store: &impl SessionStore, now: i64) {
    let s = session(now + DAY, now);
    store.update(7, &verifier("a"), &s, now).await.unwrap();
    let got = store.get(7, &verifier("a"), now).await.unwrap();
    assert_eq!(got.map(|g| g.encode()), Some(s.encode()));
}

async fn unknown_verifier_is_not_found(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    assert!(store.get(7, &verifier("b"), now).await.unwrap().is_none());
    assert!(store.get(8, &verifier("a"), now).await.unwrap().is_none());
}

async fn expired_session_is_invisible(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + 10, now), now).await.unwrap();
    assert!(store.get(7, &verifier("a"), now + 11).await.unwrap().is_none());
    // Storing an already expired session stores nothing visible.
    store.update(7, &verifier("b"), &session(now - 1, now), now).await.unwrap();
    assert!(store.get(7, &verifier("b"), now).await.unwrap().is_none());
}

async fn expiration_equal_to_now_is_live(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + 5, now), now).await.unwrap();
    assert!(store.get(7, &verifier("a"), now + 5).await.unwrap().is_some());
}

async fn update_replaces_in_place(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    let mut longer = session(now + 2 * DAY, now);
    longer.set("ip", "203.0.113.9".into());
    store.update(7, &verifier("a"), &longer, now).await.unwrap();
    let got = store.get(7, &verifier("a"), now).await.unwrap().unwrap();
    assert_eq!(got.expiration(), Some(now + 2 * DAY));
    assert_eq!(got.ip(), Some("203.0.113.9"));
    assert_eq!(store.list(7, now).await.unwrap().len(), 1);
}

async fn destroy_removes_only_that_session(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.update(7, &verifier("b"), &session(now + DAY, now), now).await.unwrap();
    store.destroy(7, &verifier("a"), now).await.unwrap();
    assert!(store.get(7, &verifier("a"), now).await.unwrap().is_none());
    assert!(store.get(7, &verifier("b"), now).await.unwrap().is_some());
    // Destroying what is not there is not an error.
    store.destroy(7, &verifier("zz"), now).await.unwrap();
}

async fn destroy_others_keeps_only_the_live_one(store: &impl SessionStore, now: i64) {
    for n in ["a", "b", "c"] {
        store.update(7, &verifier(n), &session(now + DAY, now), now).await.unwrap();
    }
    store.destroy_others(7, &verifier("b"), now).await.unwrap();
    let left: Vec<Verifier> =
        store.list(7, now).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(left, vec![verifier("b")]);
}

async fn destroy_others_with_dead_keep_destroys_all(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.update(7, &verifier("b"), &session(now + 1, now), now).await.unwrap();
    // "b" is dead at now + 2: WordPress then destroys every session.
    store.destroy_others(7, &verifier("b"), now + 2).await.unwrap();
    assert!(store.list(7, now + 2).await.unwrap().is_empty());
}

async fn destroy_all_affects_one_user_only(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.update(7, &verifier("b"), &session(now + DAY, now), now).await.unwrap();
    store.update(8, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.destroy_all(7, now).await.unwrap();
    assert!(store.list(7, now).await.unwrap().is_empty());
    assert_eq!(store.list(8, now).await.unwrap().len(), 1);
}

async fn destroy_all_for_all_users_empties_the_site(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.update(8, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.destroy_all_for_all_users().await.unwrap();
    assert!(store.list(7, now).await.unwrap().is_empty());
    assert!(store.list(8, now).await.unwrap().is_empty());
}

async fn list_returns_live_sessions_by_expiration(store: &impl SessionStore, now: i64) {
    store.update(7, &verifier("late"), &session(now + 3 * DAY, now), now).await.unwrap();
    store.update(7, &verifier("soon"), &session(now + 100, now), now).await.unwrap();
    store.update(7, &verifier("mid"), &session(now + DAY, now), now).await.unwrap();
    let order: Vec<Verifier> =
        store.list(7, now).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(order, vec![verifier("soon"), verifier("mid"), verifier("late")]);
    let later: Vec<Verifier> =
        store.list(7, now + 200).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(later, vec![verifier("mid"), verifier("late")]);
}

async fn extra_fields_survive_a_round_trip(store: &impl SessionStore, now: i64) {
    // A record as PHP wrote it, with a plugin's field first and a user agent with a NUL and
    // a multi-byte character (stores keep bytes; invalid UTF-8 is a Redis-only matter, as the
    // usermeta column is utf8mb4: see tests/store/redis.rs).
    let mut bytes = b"a:4:{s:6:\"custom\";a:1:{i:0;b:1;}s:10:\"expiration\";".to_vec();
    bytes.extend_from_slice(format!("i:{};", now + DAY).as_bytes());
    bytes.extend_from_slice("s:2:\"ua\";s:4:\"\u{e9}\0x\";s:5:\"login\";".as_bytes());
    bytes.extend_from_slice(format!("i:{now};}}").as_bytes());
    let s = Session::decode(&bytes).unwrap();
    store.update(7, &verifier("a"), &s, now).await.unwrap();
    let got = store.get(7, &verifier("a"), now).await.unwrap().unwrap();
    assert_eq!(got.encode(), bytes);
}

async fn users_are_isolated(store: &impl SessionStore, now: i64) {
    store.update(1, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    store.update(10, &verifier("a"), &session(now + 2 * DAY, now), now).await.unwrap();
    store.destroy(1, &verifier("a"), now).await.unwrap();
    assert_eq!(
        store.get(10, &verifier("a"), now).await.unwrap().and_then(|s| s.expiration()),
        Some(now + 2 * DAY)
    );
}

async fn store_answers_ping(store: &impl SessionStore, _now: i64) {
    store.ping().await.unwrap();
}
