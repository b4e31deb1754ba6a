//! `RedisStore` on a real Redis (`REDIS_URL`, default `redis://127.0.0.1:6379`;
//! `scripts/start-redis.sh` starts one): the acceptance suite, the key layout of
//! docs/redis-layout.md as seen from raw Redis, records written by PHP, failures, events.
//!
//! Every store gets its own random prefix and its keys are removed afterwards, also when a
//! test fails. The reconnection test runs its own `redis-server` on a free loopback port, so
//! killing connections or restarting the server never disturbs anything else.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ::redis::aio::MultiplexedConnection;
use secrecy::SecretString;
use tokio::sync::mpsc;
use wpgate::store::redis::{
    EventListener, InvalidationEvent, ListenerEvent, OpenError, RedisOptions, RedisStore,
};
use wpgate::store::{SessionStore, StoreError};
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, Verifier};

use crate::acceptance::store_acceptance_suite;

const DAY: i64 = 86_400;

#[tokio::test]
async fn redis_store_passes_the_acceptance_suite() {
    let prefixes = Prefixes::default();
    store_acceptance_suite(|| {
        let store = prefixes.store();
        async move { Arc::new(store) }
    })
    .await;
}

#[tokio::test]
async fn keys_values_and_expiries_follow_the_layout() {
    let prefixes = Prefixes::default();
    let store = prefixes.store();
    let p = store.prefix().to_owned();
    let mut raw = raw().await;
    let now = unix_now();
    let (a, b) = (verifier("a"), verifier("b"));
    let first = session(now + DAY, now);
    let second = session(now + 2 * DAY, now);
    store.update(42, &a, &first, now).await.unwrap();
    store.update(42, &b, &second, now).await.unwrap();

    let record_a = format!("{p}{{42}}:session:{a}");
    let record_b = format!("{p}{{42}}:session:{b}");
    let index = format!("{p}{{42}}:sessions");
    let mut keys = keys_under(&mut raw, &p).await;
    keys.sort();
    let mut expected = vec![record_a.clone(), record_b.clone(), index.clone()];
    expected.sort();
    assert_eq!(keys, expected);

    // Records: exactly Session::encode(), a string expiring at expiration + 1.
    assert_eq!(get_bytes(&mut raw, &record_a).await, Some(first.encode()));
    assert_eq!(get_bytes(&mut raw, &record_b).await, Some(second.encode()));
    assert_eq!(key_type(&mut raw, &record_a).await, "string");
    assert_eq!(expiretime(&mut raw, &record_a).await, now + DAY + 1);
    assert_eq!(expiretime(&mut raw, &record_b).await, now + 2 * DAY + 1);
    let ttl: i64 = ::redis::cmd("TTL").arg(&record_a).query_async(&mut raw).await.unwrap();
    let server_now = server_time(&mut raw).await;
    assert!((ttl - (now + DAY + 1 - server_now)).abs() <= 1, "TTL {ttl}");

    // Index: verifiers scored by expiration, expiring after the last one.
    assert_eq!(key_type(&mut raw, &index).await, "zset");
    assert_eq!(
        zrange(&mut raw, &index).await,
        vec![(a.to_string(), now + DAY), (b.to_string(), now + 2 * DAY)]
    );
    assert_eq!(expiretime(&mut raw, &index).await, now + 2 * DAY + 1);

    // Replacing the later session with a shorter one moves the index expiry back.
    let shorter = session(now + 3600, now);
    store.update(42, &b, &shorter, now).await.unwrap();
    assert_eq!(expiretime(&mut raw, &index).await, now + DAY + 1);
    assert_eq!(expiretime(&mut raw, &record_b).await, now + 3600 + 1);
    assert_eq!(get_bytes(&mut raw, &record_b).await, Some(shorter.encode()));

    // Storing an expired session removes the record and its index entry.
    store.update(42, &b, &session(now - 1, now), now).await.unwrap();
    assert_eq!(get_bytes(&mut raw, &record_b).await, None);
    assert_eq!(zrange(&mut raw, &index).await, vec![(a.to_string(), now + DAY)]);

    // Destroying the last session removes the index too.
    store.destroy(42, &a, now).await.unwrap();
    assert!(keys_under(&mut raw, &p).await.is_empty());
}

#[tokio::test]
async fn destroy_all_for_all_users_touches_nothing_outside_the_prefix() {
    let prefixes = Prefixes::default();
    let mut raw = raw().await;
    let now = unix_now();
    let site = prefixes.store();
    let p = site.prefix().to_owned();
    // Another site whose prefix starts with this one's, and one with glob characters.
    let nested = prefixes.store_with_prefix(format!("{p}nested:"));
    let globby = prefixes.store_with_prefix(format!("{p}*?[x]:"));
    for store in [&site, &nested, &globby] {
        store.update(7, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
        store.update(8, &verifier("b"), &session(now + DAY, now), now).await.unwrap();
    }
    // Keys that are not sessions of this site, though they look close.
    let v = verifier("z");
    let unrelated = [
        format!("{p}config"),
        format!("{p}{{7}}:sessionsX"),
        format!("{p}{{7}}:session:{v}:x"),
        format!("{p}{{x}}:sessions"),
        format!("{p}{{}}:session:{v}"),
        format!("{p}events"),
        format!("{p}q:{{7}}:sessions"),
        // Would match the glob prefix `P*?[x]:` if it were not escaped.
        format!("{p}abx:{{7}}:sessions"),
    ];
    for key in &unrelated {
        let _: () = ::redis::cmd("SET").arg(key).arg("keep").query_async(&mut raw).await.unwrap();
    }

    globby.destroy_all_for_all_users().await.unwrap();
    assert!(globby.list(7, now).await.unwrap().is_empty());
    assert!(globby.list(8, now).await.unwrap().is_empty());
    site.destroy_all_for_all_users().await.unwrap();
    assert!(site.list(7, now).await.unwrap().is_empty());
    assert!(site.list(8, now).await.unwrap().is_empty());

    assert_eq!(nested.list(7, now).await.unwrap().len(), 1);
    assert_eq!(nested.list(8, now).await.unwrap().len(), 1);
    for key in &unrelated {
        assert_eq!(get_bytes(&mut raw, key).await, Some(b"keep".to_vec()), "{key}");
    }
    let mut left = keys_under(&mut raw, &p).await;
    left.retain(|k| !k.starts_with(&format!("{p}nested:")));
    left.sort();
    let mut expected = unrelated.to_vec();
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test]
async fn records_written_by_php_are_read() {
    let prefixes = Prefixes::default();
    let store = prefixes.store();
    let p = store.prefix().to_owned();
    let mut raw = raw().await;
    let now = unix_now();
    let (exp, login) = (now + 2 * DAY, now - 60);
    let v = verifier("php");
    // What the PHP drop-in writes for a WordPress session (serialize() of the array).
    let php = format!(
        "a:4:{{s:10:\"expiration\";i:{exp};s:2:\"ip\";s:10:\"192.0.2.10\";s:2:\"ua\";s:11:\"Mozilla/5.0\";s:5:\"login\";i:{login};}}"
    );
    write_like_php(&mut raw, &p, 5, &v, php.as_bytes(), exp).await;
    // WordPress 4.0's form: the record is just the expiration.
    let legacy = verifier("legacy");
    write_like_php(&mut raw, &p, 5, &legacy, format!("i:{};", now + DAY).as_bytes(), now + DAY)
        .await;

    let got = store.get(5, &v, now).await.unwrap().unwrap();
    assert_eq!(got.expiration(), Some(exp));
    assert_eq!(got.ip(), Some("192.0.2.10"));
    assert_eq!(got.user_agent(), Some("Mozilla/5.0"));
    assert_eq!(got.login(), Some(login));
    assert_eq!(got.encode(), php.as_bytes());
    assert_eq!(store.get(5, &legacy, now).await.unwrap().unwrap().expiration(), Some(now + DAY));

    let all = store.list(5, now).await.unwrap();
    let order: Vec<Verifier> = all.iter().map(|(v, _)| *v).collect();
    assert_eq!(order, vec![legacy, v]);
    // Past its expiration the record is dead even if Redis still holds the key.
    assert!(store.get(5, &v, exp + 1).await.unwrap().is_none());
}

#[tokio::test]
async fn undecodable_record_is_corrupt_and_names_only_its_key() {
    let prefixes = Prefixes::default();
    let store = prefixes.store();
    let p = store.prefix().to_owned();
    let mut raw = raw().await;
    let now = unix_now();
    let v = verifier("broken");
    write_like_php(&mut raw, &p, 9, &v, b"a:1:{s:10:\"expiration\";secret-value", now + DAY).await;

    for result in [store.get(9, &v, now).await.map(|_| ()), store.list(9, now).await.map(|_| ())] {
        let err = result.unwrap_err();
        let StoreError::Corrupt { key, .. } = &err else { panic!("not Corrupt: {err:?}") };
        assert!(key.starts_with(&format!("{p}{{9}}:session:")), "{key}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(v.as_str()), "the verifier leaked: {shown}");
        assert!(!shown.contains("secret-value"), "the value leaked: {shown}");
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn unreachable_redis_is_an_error_not_a_hang() {
    let options = RedisOptions { timeout: Duration::from_secs(2), ..RedisOptions::default() };
    let store =
        RedisStore::open(&SecretString::from("redis://127.0.0.1:1"), "wpgate-test:", options)
            .unwrap();
    let started = Instant::now();
    let v = verifier("a");
    let now = unix_now();
    let results = [
        store.get(1, &v, now).await.map(|_| ()),
        store.update(1, &v, &session(now + DAY, now), now).await,
        store.list(1, now).await.map(|_| ()),
        store.destroy_all_for_all_users().await,
        store.ping().await,
        store.publish(InvalidationEvent::UserChanged(1)).await,
    ];
    for result in results {
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert!(err.is_transient());
    }
    // Refused connections fail at once: well under one timeout for all six calls together.
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn silent_server_times_out() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let holder = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            holder.lock().unwrap().push(stream);
        }
    });
    let options = RedisOptions { timeout: Duration::from_millis(300), ..RedisOptions::default() };
    let url = SecretString::from(format!("redis://127.0.0.1:{port}"));
    let store = RedisStore::open(&url, "wpgate-test:", options).unwrap();
    let started = Instant::now();
    let err = store.get(1, &verifier("a"), unix_now()).await.unwrap_err();
    assert!(matches!(err, StoreError::Timeout(d) if d == Duration::from_millis(300)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Timeout(_)), "{err:?}");
}

#[test]
fn bad_urls_and_prefixes_are_refused() {
    let open = |url: &str, prefix: &str| {
        RedisStore::open(&SecretString::from(url.to_owned()), prefix, RedisOptions::default())
    };
    assert!(matches!(open("redis://127.0.0.1", "a{b}:"), Err(OpenError::Prefix)));
    let err = open("ftp://user:hunter2@host", "p:").unwrap_err();
    assert!(matches!(err, OpenError::Url(_)));
    assert!(!format!("{err} {err:?}").contains("hunter2"));
    let pool = RedisOptions { pool_size: 0, ..RedisOptions::default() };
    let err = RedisStore::open(&SecretString::from("redis://127.0.0.1"), "p:", pool);
    assert!(matches!(err, Err(OpenError::Options(_))));
}

#[tokio::test]
async fn published_events_reach_the_listener() {
    let prefixes = Prefixes::default();
    let store = prefixes.store();
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);

    // Something that is not an event of the layout is skipped.
    let mut raw = raw().await;
    let _: i64 = ::redis::cmd("PUBLISH")
        .arg(store.events_channel())
        .arg("user:07")
        .query_async(&mut raw)
        .await
        .unwrap();
    store.publish(InvalidationEvent::UserChanged(7)).await.unwrap();
    store.publish(InvalidationEvent::SessionsChanged(8)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::UserChanged(7))
    );
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::SessionsChanged(8))
    );
}

#[tokio::test]
async fn listener_and_store_recover_after_redis_restarts() {
    let mut server = PrivateRedis::start();
    let store = RedisStore::open(
        &SecretString::from(server.url()),
        "wpgate-test:",
        RedisOptions { timeout: Duration::from_secs(2), ..RedisOptions::default() },
    )
    .unwrap();
    let now = unix_now();
    store.update(3, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);

    // The server drops the subscriber's connection.
    let mut raw = server.connect().await;
    let killed: i64 = ::redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(killed, 1);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    store.publish(InvalidationEvent::UserChanged(3)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::UserChanged(3))
    );

    // The server restarts (empty: it keeps nothing on disk).
    server.restart();
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    // The pooled connection broke: the store retries on a fresh one, so the first call works.
    assert!(store.get(3, &verifier("a"), now).await.unwrap().is_none());
    store.update(3, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    assert!(store.get(3, &verifier("a"), now).await.unwrap().is_some());
    store.publish(InvalidationEvent::SessionsChanged(3)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::SessionsChanged(3))
    );
}

#[tokio::test]
async fn an_acl_user_confined_to_the_prefix_and_a_database_suffices() {
    let server = PrivateRedis::start();
    let mut admin = server.connect().await;
    // Only keys and channel under "acl:", no KEYS and no FLUSH*: what the store must live with.
    let _: () = ::redis::cmd("ACL")
        .arg("SETUSER")
        .arg("wpgate")
        .arg("on")
        .arg(">s3cret%pw")
        .arg("resetkeys")
        .arg("~acl:*")
        .arg("resetchannels")
        .arg("&acl:*")
        .arg("+@all")
        .arg("-keys")
        .arg("-flushdb")
        .arg("-flushall")
        .query_async(&mut admin)
        .await
        .unwrap();
    // ACL user and password (percent-encoded) and database 3, from the URL.
    let url = format!("redis://wpgate:s3cret%25pw@127.0.0.1:{}/3", server.port);
    let open = |prefix: String| {
        RedisStore::open(&SecretString::from(url.clone()), &prefix, RedisOptions::default())
            .unwrap()
    };
    store_acceptance_suite(|| {
        let store = open(format!("acl:{:016x}:", rand::random::<u64>()));
        async move { Arc::new(store) }
    })
    .await;

    let store = open("acl:site:".to_owned());
    let now = unix_now();
    store.update(4, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    let _: () = ::redis::cmd("SELECT").arg(3).query_async(&mut admin).await.unwrap();
    assert_eq!(
        get_bytes(&mut admin, &format!("acl:site:{{4}}:session:{}", verifier("a"))).await,
        Some(session(now + DAY, now).encode())
    );
    store.destroy_all_for_all_users().await.unwrap();
    assert!(store.list(4, now).await.unwrap().is_empty());
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    store.publish(InvalidationEvent::UserChanged(4)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::UserChanged(4))
    );

    // A wrong password is a backend error, never "no session".
    let wrong = format!("redis://wpgate:nope@127.0.0.1:{}/3", server.port);
    let store =
        RedisStore::open(&SecretString::from(wrong), "acl:", RedisOptions::default()).unwrap();
    let err = store.get(4, &verifier("a"), now).await.unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
}

#[tokio::test]
async fn tls_is_verified_against_the_configured_roots() {
    let dir = std::env::temp_dir().join(format!("wpgate-tls-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    make_test_pki(&dir);
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let file = |name: &str| dir.join(name).display().to_string();
    let (cert, key, ca) = (file("server.crt"), file("server.key"), file("ca.crt"));
    let tls_port = port.to_string();
    let _server = PrivateRedis::start_on(
        port,
        &dir,
        &[
            "--port",
            "0",
            "--tls-port",
            &tls_port,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
        ],
    );
    let url = SecretString::from(format!("rediss://127.0.0.1:{port}"));
    let options = RedisOptions {
        tls_root_certificates: Some(std::fs::read(dir.join("ca.crt")).unwrap()),
        ..RedisOptions::default()
    };
    store_acceptance_suite(|| {
        let prefix = format!("tls:{:016x}:", rand::random::<u64>());
        let store = RedisStore::open(&url, &prefix, options.clone()).unwrap();
        async move { Arc::new(store) }
    })
    .await;
    let store = RedisStore::open(&url, "tls:", options.clone()).unwrap();
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    store.publish(InvalidationEvent::SessionsChanged(2)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::SessionsChanged(2))
    );

    // The system's roots do not know the private CA: the handshake fails.
    let untrusting = RedisStore::open(&url, "tls:", RedisOptions::default()).unwrap();
    let err = untrusting.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    // Roots for a plain redis:// URL are a configuration mistake.
    let plain = SecretString::from(format!("redis://127.0.0.1:{port}"));
    assert!(matches!(RedisStore::open(&plain, "tls:", options), Err(OpenError::Options(_))));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

pub(crate) fn unix_now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

pub(crate) fn verifier(name: &str) -> Verifier {
    SessionToken::new(format!("token-{name}")).verifier()
}

pub(crate) fn session(expiration: i64, now: i64) -> Session {
    let origin = SessionOrigin {
        remote_addr: Some("192.0.2.10"),
        user_agent: Some("Mozilla/5.0 (redis)"),
        attached: Vec::new(),
    };
    Session::create(expiration, origin, now)
}

/// Hands out stores on fresh random prefixes and removes every key under them when dropped.
#[derive(Default)]
struct Prefixes(Mutex<Vec<String>>);

impl Prefixes {
    fn store(&self) -> RedisStore {
        self.store_with_prefix(format!("wpgate-test:{:016x}:", rand::random::<u64>()))
    }

    fn store_with_prefix(&self, prefix: String) -> RedisStore {
        let url = SecretString::from(redis_url());
        let store = RedisStore::open(&url, &prefix, RedisOptions::default()).unwrap();
        self.0.lock().unwrap().push(prefix);
        store
    }
}

impl Drop for Prefixes {
    fn drop(&mut self) {
        let Ok(client) = ::redis::Client::open(redis_url()) else { return };
        let Ok(mut conn) = client.get_connection() else { return };
        let prefixes = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for prefix in prefixes {
            let pattern = format!("{}*", glob_escape(&prefix));
            let mut cursor: u64 = 0;
            loop {
                let scan = ::redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query::<(u64, Vec<String>)>(&mut conn);
                let Ok((next, keys)) = scan else { break };
                if !keys.is_empty() {
                    let _: Result<i64, _> = ::redis::cmd("DEL").arg(&keys).query(&mut conn);
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
    }
}

fn glob_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = matches!(c, '*' | '?' | '[' | ']' | '\\');
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

async fn raw() -> MultiplexedConnection {
    ::redis::Client::open(redis_url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}

async fn keys_under(raw: &mut MultiplexedConnection, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, page): (u64, Vec<String>) = ::redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{}*", glob_escape(prefix)))
            .arg("COUNT")
            .arg(1000)
            .query_async(raw)
            .await
            .unwrap();
        keys.extend(page);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

async fn get_bytes(raw: &mut MultiplexedConnection, key: &str) -> Option<Vec<u8>> {
    ::redis::cmd("GET").arg(key).query_async(raw).await.unwrap()
}

async fn key_type(raw: &mut MultiplexedConnection, key: &str) -> String {
    ::redis::cmd("TYPE").arg(key).query_async(raw).await.unwrap()
}

async fn expiretime(raw: &mut MultiplexedConnection, key: &str) -> i64 {
    ::redis::cmd("EXPIRETIME").arg(key).query_async(raw).await.unwrap()
}

async fn server_time(raw: &mut MultiplexedConnection) -> i64 {
    let (seconds, _micros): (i64, i64) = ::redis::cmd("TIME").query_async(raw).await.unwrap();
    seconds
}

async fn zrange(raw: &mut MultiplexedConnection, key: &str) -> Vec<(String, i64)> {
    ::redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).arg("WITHSCORES").query_async(raw).await.unwrap()
}

/// Writes a record and its index entry with plain commands, as the PHP drop-in does.
async fn write_like_php(
    raw: &mut MultiplexedConnection,
    prefix: &str,
    user: u64,
    verifier: &Verifier,
    record: &[u8],
    expiration: i64,
) {
    let _: () = ::redis::cmd("SET")
        .arg(format!("{prefix}{{{user}}}:session:{verifier}"))
        .arg(record)
        .arg("EXAT")
        .arg(expiration + 1)
        .query_async(raw)
        .await
        .unwrap();
    let _: i64 = ::redis::cmd("ZADD")
        .arg(format!("{prefix}{{{user}}}:sessions"))
        .arg(expiration)
        .arg(verifier.as_str())
        .query_async(raw)
        .await
        .unwrap();
}

pub(crate) fn listen(
    store: &RedisStore,
) -> (EventListener, mpsc::UnboundedReceiver<ListenerEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = store.spawn_event_listener(move |event| {
        let _ = tx.send(event);
    });
    (listener, rx)
}

pub(crate) async fn next(events: &mut mpsc::UnboundedReceiver<ListenerEvent>) -> ListenerEvent {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("no event within 10 s")
        .expect("listener stopped")
}

/// A private CA (`ca.crt`) and a certificate for 127.0.0.1 signed by it (`server.crt`,
/// `server.key`), made with openssl.
fn make_test_pki(dir: &Path) {
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let steps: [Vec<&str>; 3] = [
        [&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"]]
            .concat()
            .into_iter()
            .chain(["-subj", "/CN=wpgate test CA"])
            .collect(),
        [&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr"]]
            .concat()
            .into_iter()
            .chain(["-subj", "/CN=localhost"])
            .collect(),
        vec![
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    ];
    for args in steps {
        let status = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl is needed for the TLS test");
        assert!(status.success(), "openssl {args:?} failed");
    }
}

/// A `redis-server` of our own on a free loopback port, killed when dropped.
pub(crate) struct PrivateRedis {
    pub(crate) port: u16,
    args: Vec<String>,
    child: Child,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        PrivateRedis::start_on(port, &std::env::temp_dir(), &[])
    }

    /// A server on `port`, working in `dir`, with extra command-line arguments.
    pub(crate) fn start_on(port: u16, dir: &Path, extra: &[&str]) -> PrivateRedis {
        let mut args: Vec<String> = ["--port", &port.to_string(), "--bind", "127.0.0.1"]
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        let dir = dir.display().to_string();
        for a in ["--save", "", "--appendonly", "no", "--dir", &dir] {
            args.push(a.to_owned());
        }
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let child = PrivateRedis::spawn(port, &args);
        PrivateRedis { port, args, child }
    }

    /// A sentinel on `port` with its (writable) configuration file.
    pub(crate) fn start_sentinel(port: u16, conf: &Path) -> PrivateRedis {
        let args = vec![conf.display().to_string(), "--sentinel".to_owned()];
        let child = PrivateRedis::spawn(port, &args);
        PrivateRedis { port, args, child }
    }

    fn spawn(port: u16, args: &[String]) -> Child {
        let child = Command::new("redis-server")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed for this test (scripts/start-redis.sh installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn connect(&self) -> MultiplexedConnection {
        ::redis::Client::open(self.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
    }

    fn restart(&mut self) {
        self.stop();
        self.child = PrivateRedis::spawn(self.port, &self.args);
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
