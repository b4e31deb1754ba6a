//! `wpgate sessions list|revoke|revoke-all --user ID` on the configured store.

use std::process::{Command, Output};

use rand::TryRngCore;
use secrecy::SecretString;
use wpgate::store::SessionStore;
use wpgate::store::redis::{RedisOptions, RedisStore};
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};

use crate::helpers::*;

fn wpgate(args: &[&str], prefix: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wpgate"))
        .args(args)
        .env_clear()
        .env("WPGATE_SESSIONS", "redis")
        .env("WPGATE_REDIS_URL", redis_url())
        .env("WPGATE_REDIS_PREFIX", prefix)
        .output()
        .expect("run wpgate")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

async fn seed(store: &RedisStore, user: u64, ip: &str) -> Verifier {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
        as i64;
    let token = SessionToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let origin =
        SessionOrigin { remote_addr: Some(ip), user_agent: Some("cli-test"), attached: Vec::new() };
    store
        .update(user, &token.verifier(), &Session::create(now + 600, origin, now), now)
        .await
        .unwrap();
    token.verifier()
}

#[tokio::test]
async fn sessions_commands_list_and_revoke() {
    let p = prefix("cli");
    let store =
        RedisStore::open(&SecretString::from(redis_url()), &p, RedisOptions::default()).unwrap();
    let v1 = seed(&store, 7, "192.0.2.1").await;
    let v2 = seed(&store, 7, "192.0.2.2").await;
    let other = seed(&store, 8, "192.0.2.3").await;

    let out = wpgate(&["sessions", "list", "--user", "7"], &p);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("id\tlogin\texpiration\tip\tua\n"), "{text}");
    assert!(
        text.contains(v1.as_str())
            && text.contains(v2.as_str())
            && text.contains("192.0.2.2\tcli-test"),
        "{text}"
    );
    assert!(!text.contains(other.as_str()));

    let out = wpgate(&["sessions", "list", "--user", "7", "--json"], &p);
    let lines: Vec<serde_json::Value> =
        stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ua"], "cli-test");

    let out = wpgate(&["sessions", "revoke", "--user", "7", v1.as_str()], &p);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(store.list(7, 0).await.unwrap().len(), 1);
    // Again: no such session, exit 1.
    let out = wpgate(&["sessions", "revoke", "--user", "7", v1.as_str()], &p);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    // Not a verifier: exit 2 with a message.
    let out = wpgate(&["sessions", "revoke", "--user", "7", "nope"], &p);
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    let out = wpgate(&["sessions", "revoke-all", "--user", "7"], &p);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("revoked 1 session(s) of user 7"), "{}", stdout(&out));
    assert!(store.list(7, 0).await.unwrap().is_empty());
    assert_eq!(store.list(8, 0).await.unwrap().len(), 1, "another user's sessions are untouched");
    cleanup(&p).await;
}

#[tokio::test]
async fn sessions_commands_refuse_the_memory_store() {
    let out = Command::new(env!("CARGO_BIN_EXE_wpgate"))
        .args(["sessions", "list", "--user", "1"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("memory"), "{out:?}");
}
