//! `RedisStore` on Redis Cluster and on a Sentinel-managed primary.
//!
//! Each test starts its own servers (`redis-server`, and `redis-server --sentinel`) on free
//! loopback ports from 7000 up, in a temporary directory, and kills them when it ends.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::redis::aio::MultiplexedConnection;
use secrecy::SecretString;
use wpgate::store::SessionStore;
use wpgate::store::redis::{InvalidationEvent, ListenerEvent, RedisOptions, RedisStore};

use crate::acceptance::store_acceptance_suite;
use crate::redis::{PrivateRedis, listen, next, session, unix_now, verifier};

const DAY: i64 = 86_400;

#[tokio::test]
async fn redis_store_on_a_cluster_passes_the_acceptance_suite() {
    let cluster = TestCluster::start(3);
    let url = cluster.url();
    store_acceptance_suite(|| {
        let store = open(&url, &format!("wpgate-test:{:016x}:", rand::random::<u64>()));
        async move { Arc::new(store) }
    })
    .await;
}

#[tokio::test]
async fn destroy_all_for_all_users_scans_every_cluster_primary() {
    let cluster = TestCluster::start(3);
    let site = open(&cluster.url(), "site:");
    let other = open(&cluster.url(), "other:");
    let now = unix_now();
    for user in 1..=40 {
        site.update(user, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
        other.update(user, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    }
    // The users' slots are spread over all primaries.
    let mut nodes = Vec::new();
    for port in &cluster.ports {
        nodes.push(connect(*port).await);
    }
    for node in &mut nodes {
        let n: i64 = ::redis::cmd("DBSIZE").query_async(node).await.unwrap();
        assert!(n > 0, "a primary holds no session: the test proves nothing");
    }

    site.destroy_all_for_all_users().await.unwrap();
    for user in 1..=40 {
        assert!(site.list(user, now).await.unwrap().is_empty());
        assert_eq!(other.list(user, now).await.unwrap().len(), 1);
    }
    let mut left = 0;
    for node in &mut nodes {
        let (_, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
            .arg(0)
            .arg("MATCH")
            .arg("site:*")
            .arg("COUNT")
            .arg(10_000)
            .query_async(node)
            .await
            .unwrap();
        left += keys.len();
    }
    assert_eq!(left, 0);
}

#[tokio::test]
async fn events_travel_across_the_cluster() {
    let cluster = TestCluster::start(3);
    let store = open(&cluster.url(), "site:");
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    store.publish(InvalidationEvent::UserChanged(11)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::UserChanged(11))
    );
}

#[tokio::test]
async fn redis_store_behind_sentinel_passes_the_acceptance_suite() {
    let sentinel = TestSentinel::start(false);
    let url = sentinel.url();
    store_acceptance_suite(|| {
        let store = open(&url, &format!("wpgate-test:{:016x}:", rand::random::<u64>()));
        async move { Arc::new(store) }
    })
    .await;
    let store = open(&url, "site:");
    let (_listener, mut events) = listen(&store);
    assert_eq!(next(&mut events).await, ListenerEvent::Subscribed);
    store.publish(InvalidationEvent::SessionsChanged(5)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        ListenerEvent::Invalidation(InvalidationEvent::SessionsChanged(5))
    );
}

#[tokio::test]
async fn sentinel_failover_moves_the_store_to_the_new_primary() {
    let sentinel = TestSentinel::start(true);
    let store = open(&sentinel.url(), "site:");
    let now = unix_now();
    store.update(1, &verifier("a"), &session(now + DAY, now), now).await.unwrap();
    let before = sentinel.primary_port().await;

    sentinel.failover().await;
    let after = sentinel.primary_port().await;
    assert_ne!(before, after);
    // The pooled connection now talks to a replica (READONLY): the store retires it and
    // asks the sentinel again.
    let started = Instant::now();
    loop {
        match store.update(2, &verifier("b"), &session(now + DAY, now), now).await {
            Ok(()) => break,
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                eprintln!("waiting for the new primary: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("store did not follow the fail-over: {e:?}"),
        }
    }
    assert!(store.get(2, &verifier("b"), now).await.unwrap().is_some());
    // Replicated before the fail-over.
    assert!(store.get(1, &verifier("a"), now).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn open(url: &str, prefix: &str) -> RedisStore {
    RedisStore::open(&SecretString::from(url.to_owned()), prefix, RedisOptions::default()).unwrap()
}

async fn connect(port: u16) -> MultiplexedConnection {
    ::redis::Client::open(format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// A free loopback port from 7000 up whose cluster bus port (+10000) is free too.
fn free_port() -> u16 {
    loop {
        let port = rand::random_range(7000..20000);
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if free(port) && free(port + 10_000) {
            return port;
        }
    }
}

fn temp_dir(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wpgate-{kind}-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Polls `check` every 100 ms for up to 20 s.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("redis-cli is needed for this test (scripts/start-redis.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct TestCluster {
    ports: Vec<u16>,
    servers: Vec<PrivateRedis>,
    dir: PathBuf,
}

impl TestCluster {
    fn start(primaries: usize) -> TestCluster {
        let dir = temp_dir("cluster");
        let mut servers = Vec::new();
        let mut ports = Vec::new();
        for _ in 0..primaries {
            let port = free_port();
            let conf = dir.join(format!("nodes-{port}.conf")).display().to_string();
            let args = ["--cluster-enabled", "yes", "--cluster-config-file", &conf];
            servers.push(PrivateRedis::start_on(port, &dir, &args));
            ports.push(port);
        }
        let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let status = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli is needed for this test");
        assert!(status.success(), "redis-cli --cluster create failed");
        for port in &ports {
            wait_until("cluster_state:ok", || {
                redis_cli(*port, &["cluster", "info"]).contains("cluster_state:ok")
            });
        }
        TestCluster { ports, servers, dir }
    }

    fn url(&self) -> String {
        let nodes: Vec<String> =
            self.ports.iter().take(2).map(|p| format!("127.0.0.1:{p}")).collect();
        format!("redis+cluster://{}", nodes.join(","))
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        self.servers.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const SERVICE: &str = "wpgate-test";

struct TestSentinel {
    sentinel_port: u16,
    servers: Vec<PrivateRedis>,
    dir: PathBuf,
}

impl TestSentinel {
    /// A primary, optionally a replica of it, and one sentinel (quorum 1).
    fn start(with_replica: bool) -> TestSentinel {
        let dir = temp_dir("sentinel");
        let primary_port = free_port();
        let mut servers = vec![PrivateRedis::start_on(primary_port, &dir, &[])];
        if with_replica {
            let port = free_port();
            let primary = primary_port.to_string();
            let args = ["--replicaof", "127.0.0.1", primary.as_str()];
            servers.push(PrivateRedis::start_on(port, &dir, &args));
            wait_until("the replica to sync", || {
                redis_cli(port, &["info", "replication"]).contains("master_link_status:up")
            });
        }
        let sentinel_port = free_port();
        let conf = dir.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {sentinel_port}\nbind 127.0.0.1\ndir {dir}\n\
                 sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 1\n\
                 sentinel down-after-milliseconds {SERVICE} 1000\n\
                 sentinel failover-timeout {SERVICE} 5000\n",
                dir = dir.display()
            ),
        )
        .unwrap();
        servers.push(PrivateRedis::start_sentinel(sentinel_port, &conf));
        wait_until("the sentinel to know the primary", || {
            redis_cli(sentinel_port, &["sentinel", "get-master-addr-by-name", SERVICE])
                .contains(&primary_port.to_string())
        });
        if with_replica {
            wait_until("the sentinel to know the replica", || {
                redis_cli(sentinel_port, &["sentinel", "replicas", SERVICE]).contains("slave")
            });
        }
        TestSentinel { sentinel_port, servers, dir }
    }

    fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/{SERVICE}", self.sentinel_port)
    }

    async fn primary_port(&self) -> u16 {
        let mut conn = connect(self.sentinel_port).await;
        let (_, port): (String, u16) = ::redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg(SERVICE)
            .query_async(&mut conn)
            .await
            .unwrap();
        port
    }

    async fn failover(&self) {
        let before = self.primary_port().await;
        let mut conn = connect(self.sentinel_port).await;
        let started = Instant::now();
        // NOGOODSLAVE until the sentinel has had an INFO reply from the replica itself.
        while let Err(e) =
            ::redis::cmd("SENTINEL").arg("FAILOVER").arg(SERVICE).query_async::<()>(&mut conn).await
        {
            assert!(started.elapsed() < Duration::from_secs(30), "SENTINEL FAILOVER: {e}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        loop {
            let now = self.primary_port().await;
            if now != before {
                // Wait for the new primary to accept writes.
                let info = redis_cli(now, &["role"]);
                if info.starts_with("master") {
                    return;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(20), "fail-over did not happen");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for TestSentinel {
    fn drop(&mut self) {
        self.servers.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
