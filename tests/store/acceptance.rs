//! `store_acceptance_suite(make_store)`: WordPress's `WP_Session_Tokens` semantics, checked
//! the same way for every store.

use std::future::Future;
use std::sync::Arc;

use wpgate::store::SessionStore;
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};

const NOW: i64 = 1_772_382_187;
const DAY: i64 = 86_400;

fn session(expiration: i64) -> Session {
    let origin = SessionOrigin {
        remote_addr: Some("192.0.2.10"),
        user_agent: Some("Mozilla/5.0 (acceptance)"),
        attached: Vec::new(),
    };
    Session::create(expiration, origin, NOW)
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
    created_session_is_found_and_equal(make_store().await.as_ref()).await;
    unknown_verifier_is_not_found(make_store().await.as_ref()).await;
    expired_session_is_invisible(make_store().await.as_ref()).await;
    expiration_equal_to_now_is_live(make_store().await.as_ref()).await;
    update_replaces_in_place(make_store().await.as_ref()).await;
    destroy_removes_only_that_session(make_store().await.as_ref()).await;
    destroy_others_keeps_only_the_live_one(make_store().await.as_ref()).await;
    destroy_others_with_dead_keep_destroys_all(make_store().await.as_ref()).await;
    destroy_all_affects_one_user_only(make_store().await.as_ref()).await;
    destroy_all_for_all_users_empties_the_site(make_store().await.as_ref()).await;
    list_returns_live_sessions_by_expiration(make_store().await.as_ref()).await;
    extra_fields_survive_a_round_trip(make_store().await.as_ref()).await;
    users_are_isolated(make_store().await.as_ref()).await;
    store_answers_ping(make_store().await.as_ref()).await;
}

async fn created_session_is_found_and_equal(store: &impl SessionStore) {
    let s = session(NOW + DAY);
    store.update(7, &verifier("a"), &s, NOW).await.unwrap();
    let got = store.get(7, &verifier("a"), NOW).await.unwrap();
    assert_eq!(got.map(|g| g.encode()), Some(s.encode()));
}

async fn unknown_verifier_is_not_found(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    assert!(store.get(7, &verifier("b"), NOW).await.unwrap().is_none());
    assert!(store.get(8, &verifier("a"), NOW).await.unwrap().is_none());
}

async fn expired_session_is_invisible(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + 10), NOW).await.unwrap();
    assert!(store.get(7, &verifier("a"), NOW + 11).await.unwrap().is_none());
    // Storing an already expired session stores nothing visible.
    store.update(7, &verifier("b"), &session(NOW - 1), NOW).await.unwrap();
    assert!(store.get(7, &verifier("b"), NOW).await.unwrap().is_none());
}

async fn expiration_equal_to_now_is_live(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + 5), NOW).await.unwrap();
    assert!(store.get(7, &verifier("a"), NOW + 5).await.unwrap().is_some());
}

async fn update_replaces_in_place(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    let mut longer = session(NOW + 2 * DAY);
    longer.set("ip", "203.0.113.9".into());
    store.update(7, &verifier("a"), &longer, NOW).await.unwrap();
    let got = store.get(7, &verifier("a"), NOW).await.unwrap().unwrap();
    assert_eq!(got.expiration(), Some(NOW + 2 * DAY));
    assert_eq!(got.ip(), Some("203.0.113.9"));
    assert_eq!(store.list(7, NOW).await.unwrap().len(), 1);
}

async fn destroy_removes_only_that_session(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(7, &verifier("b"), &session(NOW + DAY), NOW).await.unwrap();
    store.destroy(7, &verifier("a"), NOW).await.unwrap();
    assert!(store.get(7, &verifier("a"), NOW).await.unwrap().is_none());
    assert!(store.get(7, &verifier("b"), NOW).await.unwrap().is_some());
    // Destroying what is not there is not an error.
    store.destroy(7, &verifier("zz"), NOW).await.unwrap();
}

async fn destroy_others_keeps_only_the_live_one(store: &impl SessionStore) {
    for n in ["a", "b", "c"] {
        store.update(7, &verifier(n), &session(NOW + DAY), NOW).await.unwrap();
    }
    store.destroy_others(7, &verifier("b"), NOW).await.unwrap();
    let left: Vec<Verifier> =
        store.list(7, NOW).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(left, vec![verifier("b")]);
}

async fn destroy_others_with_dead_keep_destroys_all(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(7, &verifier("b"), &session(NOW + 1), NOW).await.unwrap();
    // "b" is dead at NOW + 2: WordPress then destroys every session.
    store.destroy_others(7, &verifier("b"), NOW + 2).await.unwrap();
    assert!(store.list(7, NOW + 2).await.unwrap().is_empty());
}

async fn destroy_all_affects_one_user_only(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(7, &verifier("b"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(8, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.destroy_all(7, NOW).await.unwrap();
    assert!(store.list(7, NOW).await.unwrap().is_empty());
    assert_eq!(store.list(8, NOW).await.unwrap().len(), 1);
}

async fn destroy_all_for_all_users_empties_the_site(store: &impl SessionStore) {
    store.update(7, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(8, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.destroy_all_for_all_users().await.unwrap();
    assert!(store.list(7, NOW).await.unwrap().is_empty());
    assert!(store.list(8, NOW).await.unwrap().is_empty());
}

async fn list_returns_live_sessions_by_expiration(store: &impl SessionStore) {
    store.update(7, &verifier("late"), &session(NOW + 3 * DAY), NOW).await.unwrap();
    store.update(7, &verifier("soon"), &session(NOW + 100), NOW).await.unwrap();
    store.update(7, &verifier("mid"), &session(NOW + DAY), NOW).await.unwrap();
    let order: Vec<Verifier> =
        store.list(7, NOW).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(order, vec![verifier("soon"), verifier("mid"), verifier("late")]);
    let later: Vec<Verifier> =
        store.list(7, NOW + 200).await.unwrap().into_iter().map(|(v, _)| v).collect();
    assert_eq!(later, vec![verifier("mid"), verifier("late")]);
}

async fn extra_fields_survive_a_round_trip(store: &impl SessionStore) {
    // A record as PHP wrote it, with a plugin's field first and a non-UTF-8 user agent.
    let bytes = b"a:4:{s:6:\"custom\";a:1:{i:0;b:1;}s:10:\"expiration\";i:1772468587;s:2:\"ua\";s:3:\"\xff\x00x\";s:5:\"login\";i:1772382187;}";
    let s = Session::decode(bytes).unwrap();
    store.update(7, &verifier("a"), &s, NOW).await.unwrap();
    let got = store.get(7, &verifier("a"), NOW).await.unwrap().unwrap();
    assert_eq!(got.encode(), bytes.to_vec());
}

async fn users_are_isolated(store: &impl SessionStore) {
    store.update(1, &verifier("a"), &session(NOW + DAY), NOW).await.unwrap();
    store.update(10, &verifier("a"), &session(NOW + 2 * DAY), NOW).await.unwrap();
    store.destroy(1, &verifier("a"), NOW).await.unwrap();
    assert_eq!(
        store.get(10, &verifier("a"), NOW).await.unwrap().and_then(|s| s.expiration()),
        Some(NOW + 2 * DAY)
    );
}

async fn store_answers_ping(store: &impl SessionStore) {
    store.ping().await.unwrap();
}
