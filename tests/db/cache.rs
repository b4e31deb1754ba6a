//! The user cache: bounded staleness, invalidation, no negative caching.

use std::time::Duration;

use wpgate::db::{CachedUsers, Users};
use wpgate_core::users::SanitizeRules;

use crate::helpers::{cached, connect_writable};
use crate::support::wp_db::{self, HashKind, WpDb};

/// Renames a user's display name behind wpgate's back.
async fn rename(fixture: &WpDb, id: u64, name: &str) {
    fixture
        .execute(&format!("UPDATE {{prefix}}users SET display_name = '{name}' WHERE ID = {id}"))
        .await;
}

#[tokio::test]
async fn the_cache_serves_stale_rows_for_at_most_the_ttl() {
    let fixture = WpDb::create().await;
    let ttl = Duration::from_secs(1);
    let users = cached(&fixture, ttl).await;
    let alice = fixture.user("alice").id;
    let before = users.by_login("alice").await.unwrap().unwrap();
    assert_eq!(before.display_name, wp_db::display_name("alice"));

    rename(&fixture, alice, "Alice Renamed").await;
    // Within the TTL the cached row is served, by login and by ID alike.
    let cached_row = users.by_login("alice").await.unwrap().unwrap();
    assert_eq!(cached_row.display_name, wp_db::display_name("alice"));
    assert_eq!(users.by_id(alice).await.unwrap().unwrap().display_name, cached_row.display_name);

    // After the TTL, never.
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    assert_eq!(users.by_login("alice").await.unwrap().unwrap().display_name, "Alice Renamed");
    assert_eq!(users.by_id(alice).await.unwrap().unwrap().display_name, "Alice Renamed");
}

#[tokio::test]
async fn invalidate_drops_every_entry_of_the_user_at_once() {
    let fixture = WpDb::create().await;
    let users = cached(&fixture, Duration::from_secs(600)).await;
    let alice = fixture.user("alice").id;
    let bob = fixture.user("bob").id;
    // Fill every way of reaching alice, and bob.
    users.by_login("alice").await.unwrap().unwrap();
    users.by_login("ALICE").await.unwrap().unwrap();
    users.by_email("alice@example.com").await.unwrap().unwrap();
    users.by_id(alice).await.unwrap().unwrap();
    users.by_login("bob").await.unwrap().unwrap();

    rename(&fixture, alice, "Alice New").await;
    rename(&fixture, bob, "Bob New").await;
    assert_eq!(users.by_login("ALICE").await.unwrap().unwrap().display_name, "alice (display)");

    users.invalidate(alice).await;
    assert_eq!(users.by_login("alice").await.unwrap().unwrap().display_name, "Alice New");
    assert_eq!(users.by_login("ALICE").await.unwrap().unwrap().display_name, "Alice New");
    assert_eq!(
        users.by_email("alice@example.com").await.unwrap().unwrap().display_name,
        "Alice New"
    );
    assert_eq!(users.by_id(alice).await.unwrap().unwrap().display_name, "Alice New");
    // Bob was not announced: still cached.
    assert_eq!(users.by_login("bob").await.unwrap().unwrap().display_name, "bob (display)");
}

#[tokio::test]
async fn invalidate_all_drops_everything() {
    let fixture = WpDb::create().await;
    let users = cached(&fixture, Duration::from_secs(600)).await;
    let alice = fixture.user("alice").id;
    let bob = fixture.user("bob").id;
    users.by_login("alice").await.unwrap().unwrap();
    users.by_id(bob).await.unwrap().unwrap();
    rename(&fixture, alice, "Alice New").await;
    rename(&fixture, bob, "Bob New").await;
    users.invalidate_all();
    assert_eq!(users.by_login("alice").await.unwrap().unwrap().display_name, "Alice New");
    assert_eq!(users.by_id(bob).await.unwrap().unwrap().display_name, "Bob New");
}

#[tokio::test]
async fn unknown_logins_are_not_cached() {
    let fixture = WpDb::create().await;
    let users = cached(&fixture, Duration::from_secs(600)).await;
    assert!(users.by_login("newcomer").await.unwrap().is_none());
    assert!(users.by_email("newcomer@example.com").await.unwrap().is_none());
    fixture
        .execute(
            "INSERT INTO {prefix}users (user_login, user_email, user_registered, display_name) \
             VALUES ('newcomer', 'newcomer@example.com', '2026-01-01 00:00:00', 'New')",
        )
        .await;
    // A user created in WordPress can log in at once.
    let found = users.by_login("newcomer").await.unwrap().unwrap();
    assert_eq!(found.display_name, "New");
    assert!(users.by_email("newcomer@example.com").await.unwrap().is_some());
    assert!(users.by_id(found.id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_zero_ttl_disables_the_cache() {
    let fixture = WpDb::create().await;
    let users = cached(&fixture, Duration::ZERO).await;
    assert_eq!(users.ttl(), Duration::ZERO);
    let alice = fixture.user("alice").id;
    users.by_login("alice").await.unwrap().unwrap();
    rename(&fixture, alice, "Alice Now").await;
    assert_eq!(users.by_login("alice").await.unwrap().unwrap().display_name, "Alice Now");
}

#[tokio::test]
async fn a_password_written_through_the_cache_is_seen_at_once() {
    let fixture = WpDb::create().await;
    let db = connect_writable(&fixture).await;
    let users =
        CachedUsers::new(Users::new(db, SanitizeRules::default()), Duration::from_secs(600));
    let bob = fixture.user("bob");
    assert_eq!(users.by_login("bob").await.unwrap().unwrap().pass, bob.hash);
    let new_hash = wp_db::hash_password(bob.spec.password, HashKind::WpBcrypt);
    users.set_password_hash(bob.id, &new_hash).await.unwrap();
    assert_eq!(users.by_login("bob").await.unwrap().unwrap().pass, new_hash);
    assert_eq!(users.by_id(bob.id).await.unwrap().unwrap().pass, new_hash);
}

#[tokio::test]
async fn concurrent_lookups_of_one_user_agree() {
    let fixture = WpDb::create().await;
    let users = cached(&fixture, Duration::from_secs(600)).await;
    let id = fixture.user("carol").id;
    let lookups = (0..16).map(|i| {
        let users = users.clone();
        tokio::spawn(async move {
            if i % 2 == 0 { users.by_login("carol").await } else { users.by_id(id).await }
        })
    });
    for lookup in lookups.collect::<Vec<_>>() {
        assert_eq!(lookup.await.unwrap().unwrap().unwrap().id, id);
    }
}

/// `is_current` may answer from a per-thread note for `CONFIRMED_FOR` after the cache
/// confirmed a row, but an invalidation ends that at once, and the TTL still holds.
#[tokio::test]
async fn a_confirmed_row_stops_being_current_at_an_invalidation_or_after_the_ttl() {
    let fixture = WpDb::create().await;
    let ttl = Duration::from_millis(500);
    let users = cached(&fixture, ttl).await;
    let alice = fixture.user("alice").id;
    let row = users.by_id(alice).await.unwrap().unwrap();
    assert!(users.is_current(&row).await);
    assert!(users.is_current(&row).await, "confirmed again from the note");
    users.invalidate(alice).await;
    assert!(!users.is_current(&row).await, "an invalidation ends the note at once");

    let row = users.by_id(alice).await.unwrap().unwrap();
    assert!(users.is_current(&row).await);
    users.invalidate_all();
    assert!(!users.is_current(&row).await, "so does invalidating everything");

    let row = users.by_id(alice).await.unwrap().unwrap();
    assert!(users.is_current(&row).await);
    // Confirmed again just before the TTL ends: not a moment past it.
    tokio::time::sleep(ttl - Duration::from_millis(20)).await;
    users.is_current(&row).await;
    tokio::time::sleep(Duration::from_millis(25)).await;
    assert!(!users.is_current(&row).await, "the TTL holds");
    // Another cache of the same site has its own rows and notes.
    let other = cached(&fixture, ttl).await;
    let fresh = users.by_id(alice).await.unwrap().unwrap();
    assert!(users.is_current(&fresh).await);
    assert!(!other.is_current(&fresh).await);
}
