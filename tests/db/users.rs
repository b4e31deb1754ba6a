//! `get_user_by()` lookups, roles and the password write.

use std::time::Duration;

use wpgate::db::{Db, DbConfig, DbError, Users};
use wpgate_core::WpVersion;
use wpgate_core::password::{self, HashFormat, Password, PasswordHash};
use wpgate_core::users::SanitizeRules;

use crate::helpers::{connect, connect_writable, users};
use crate::support::wp_db::{self, HashKind, WpDb, WpDbOptions};

#[tokio::test]
async fn lookup_by_exact_login_returns_the_row() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let alice = users.by_login("alice").await.unwrap().unwrap();
    let expected = fixture.user("alice");
    assert_eq!(alice.id, expected.id);
    assert_eq!(alice.login, "alice");
    assert_eq!(alice.email, "alice@example.com");
    assert_eq!(alice.display_name, wp_db::display_name("alice"));
    assert_eq!(alice.pass, expected.hash);
    assert_eq!(alice.roles, ["administrator"]);
    assert_eq!(alice.user_status, 0);
    assert_eq!((alice.spam, alice.deleted), (None, None));
    assert!(!alice.is_spammy());
}

#[tokio::test]
async fn upper_case_login_finds_the_same_user_as_the_collation_does() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let id = fixture.user("alice").id;
    for login in ["ALICE", "Alice", "  alice  "] {
        let found = users.by_login(login).await.unwrap().unwrap();
        assert_eq!((found.id, found.login.as_str()), (id, "alice"), "{login:?}");
    }
}

#[tokio::test]
async fn accented_login_is_found_through_sanitize_user() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let id = fixture.user("José Núñez").id;
    // sanitize_user() makes "Jose Nunez"; utf8mb4_unicode_520_ci matches the stored "José Núñez".
    for login in ["José Núñez", "Jose Nunez", "jose  nunez", "<b>José</b> Núñez"] {
        let found = users.by_login(login).await.unwrap();
        assert_eq!(found.map(|u| u.id), Some(id), "{login:?}");
    }
}

#[tokio::test]
async fn a_login_with_sharp_s_is_not_found() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    // "Weißbier" sanitizes to "Weisbier"; the collation equates ß with "ss", not "s".
    assert_eq!(users.login_key("Weißbier").as_deref(), Some("Weisbier"));
    assert!(users.by_login("Weißbier").await.unwrap().is_none());
    // The row exists: a lookup by e-mail finds it.
    let by_email = users.by_email("weiss@example.com").await.unwrap().unwrap();
    assert_eq!(by_email.login, "Weißbier");
}

#[tokio::test]
async fn empty_or_whitespace_login_runs_no_query() {
    // A pool to a port nobody listens on: any query would fail, so Ok(None) proves none ran.
    let config = DbConfig {
        host: wpgate_core::wp_config::DbHost::parse("127.0.0.1:1").unwrap(),
        acquire_timeout: Duration::from_millis(300),
        ..dead_config()
    };
    let users = Users::new(Db::connect_lazy(&config), SanitizeRules::default());
    for login in ["", "   ", "\t\n", "0", " 0 "] {
        assert!(users.by_login(login).await.unwrap().is_none(), "{login:?}");
        assert!(users.by_email(login).await.unwrap().is_none(), "{login:?}");
    }
    assert!(users.by_id(0).await.unwrap().is_none());
    // And a real lookup does reach for the database.
    assert!(users.by_login("alice").await.is_err());
}

#[tokio::test]
async fn a_login_of_only_tags_searches_for_the_empty_login() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    // WordPress searches `user_login = ''` for "<b></b>": nothing here, but it is a query.
    assert_eq!(users.login_key("<b></b>").as_deref(), Some(""));
    assert!(users.by_login("<b></b>").await.unwrap().is_none());
}

#[tokio::test]
async fn lookup_by_email_is_trimmed_and_case_insensitive() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let erin = fixture.user("erin").id;
    for email in ["Erin.Mixed@Example.com", "erin.mixed@example.com", " ERIN.MIXED@EXAMPLE.COM\n"] {
        assert_eq!(users.by_email(email).await.unwrap().map(|u| u.id), Some(erin), "{email:?}");
    }
    assert!(users.by_email("nobody@example.com").await.unwrap().is_none());
    // An e-mail is not a login.
    assert!(users.by_login("alice@example.com").await.unwrap().is_none());
}

#[tokio::test]
async fn lookup_by_id() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let carol = fixture.user("carol");
    let found = users.by_id(carol.id).await.unwrap().unwrap();
    assert_eq!(found.login, "carol");
    assert_eq!(found.roles, ["subscriber"]);
    assert!(users.by_id(0).await.unwrap().is_none());
    assert!(users.by_id(999_999).await.unwrap().is_none());
}

#[tokio::test]
async fn roles_are_registered_role_keys_of_the_capabilities() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let roles = |login: &'static str| {
        let users = users.clone();
        async move { users.by_login(login).await.unwrap().unwrap().roles }
    };
    // A per-user capability (edit_posts) is not a role.
    assert_eq!(roles("bob").await, ["editor"]);
    // A capabilities value that does not unserialize gives no roles.
    assert!(roles("dave").await.is_empty());
    // WordPress keeps a role whose value is false.
    assert_eq!(roles("erin").await, ["author"]);
    // No capabilities row at all.
    assert!(roles("frank").await.is_empty());
    assert!(users.by_login("bob").await.unwrap().unwrap().has_role("editor"));
}

#[tokio::test]
async fn roles_follow_the_registered_role_definitions() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await.with_role_names_ttl(Duration::ZERO);
    // A role removed from wp_user_roles is no longer a role of anyone.
    fixture
        .execute(
            "UPDATE {prefix}options SET option_value = 'a:1:{s:6:\"editor\";a:0:{}}' \
             WHERE option_name = '{prefix}user_roles'",
        )
        .await;
    assert!(users.by_login("alice").await.unwrap().unwrap().roles.is_empty());
    assert_eq!(users.by_login("bob").await.unwrap().unwrap().roles, ["editor"]);
}

#[tokio::test]
async fn user_status_is_read() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    assert_eq!(users.by_login("erin").await.unwrap().unwrap().user_status, 2);
    assert_eq!(users.by_login("bob").await.unwrap().unwrap().user_status, 0);
}

#[tokio::test]
async fn every_hash_format_comes_back_as_stored_and_verifies() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let mut formats = Vec::new();
    for expected in &fixture.users {
        let user = users.by_id(expected.id).await.unwrap().unwrap();
        assert_eq!(user.pass, expected.hash, "{}", expected.spec.login);
        let password = Password::from(expected.spec.password);
        assert!(
            password::verify(&password, &user.pass, WpVersion::LATEST).unwrap(),
            "{}",
            expected.spec.login
        );
        formats.push(user.pass.format());
    }
    for format in [HashFormat::WpBcrypt, HashFormat::Phpass, HashFormat::Bcrypt, HashFormat::Md5] {
        assert!(formats.contains(&format), "{format:?} missing from the fixture");
    }
}

#[tokio::test]
async fn set_password_hash_changes_the_hash_and_clears_the_activation_key() {
    let fixture = WpDb::create().await;
    let users = Users::new(connect_writable(&fixture).await, SanitizeRules::default());
    let bob = fixture.user("bob");
    let key_sql = format!("SELECT user_activation_key FROM {{prefix}}users WHERE ID = {}", bob.id);
    assert_ne!(fixture.scalar(&key_sql).await.as_deref(), Some(""));

    let new_hash = wp_db::hash_password("bob-battery-staple", HashKind::WpBcrypt);
    users.set_password_hash(bob.id, &new_hash).await.unwrap();

    let user = users.by_id(bob.id).await.unwrap().unwrap();
    assert_eq!(user.pass, new_hash);
    assert_eq!(fixture.scalar(&key_sql).await.as_deref(), Some(""));
    // Nobody else changed.
    let alice = users.by_login("alice").await.unwrap().unwrap();
    assert_eq!(alice.pass, fixture.user("alice").hash);
}

#[tokio::test]
async fn set_password_hash_is_refused_unless_rehash_on_login_is_on() {
    let fixture = WpDb::create().await;
    let users = users(&fixture).await;
    let bob = fixture.user("bob");
    let err = users.set_password_hash(bob.id, &PasswordHash::from("$P$Bnew")).await.unwrap_err();
    assert!(matches!(err, DbError::ReadOnly), "{err:?}");
    assert!(err.to_string().contains("rehash_on_login (WPGATE_REHASH_ON_LOGIN)"), "{err}");
    assert_eq!(users.by_id(bob.id).await.unwrap().unwrap().pass, bob.hash);
}

#[tokio::test]
async fn multisite_users_carry_spam_and_deleted() {
    let fixture = WpDb::create_with(WpDbOptions { multisite: true, ..Default::default() }).await;
    let users = users(&fixture).await;
    let carol = fixture.user("carol").id;
    fixture.execute(&format!("UPDATE {{prefix}}users SET spam = 1 WHERE ID = {carol}")).await;
    let alice = users.by_login("alice").await.unwrap().unwrap();
    assert_eq!((alice.spam, alice.deleted), (Some(false), Some(false)));
    let carol = users.by_id(carol).await.unwrap().unwrap();
    assert_eq!(carol.spam, Some(true));
    assert!(carol.is_spammy());
}

#[tokio::test]
async fn another_table_prefix_is_honoured() {
    let fixture =
        WpDb::create_with(WpDbOptions { prefix: "wpx7_".into(), ..Default::default() }).await;
    let users = users(&fixture).await;
    let alice = users.by_login("alice").await.unwrap().unwrap();
    assert_eq!(alice.roles, ["administrator"]);
    assert_eq!(connect(&fixture).await.tables().users(), "wpx7_users");
}

/// A configuration whose values are never used to reach a server.
fn dead_config() -> DbConfig {
    let settings = wpgate::config::Settings {
        db_host: Some("127.0.0.1:1".into()),
        db_name: Some("nothing".into()),
        db_user: Some("nobody".into()),
        ..Default::default()
    };
    DbConfig::from_settings(&settings).unwrap()
}
