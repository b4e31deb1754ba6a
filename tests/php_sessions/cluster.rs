//! compat-tests/vectors/php/session_rediscluster.json against a real 3-master Redis Cluster
//! started for the test (redis-server from the redis package), and real PHP's `rediscluster`
//! handler reading what wpgate wrote.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value as Json;
use wpgate::php_sessions::{PhpSessionConfig, PhpSessionStore, SaveHandler, SavePath};
use wpgate_core::php_serialize::Value;

use crate::helpers::*;

struct Cluster {
    ports: [u16; 3],
    nodes: Vec<Child>,
    _dir: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            let _ = n.kill();
            let _ = n.wait();
        }
    }
}

/// A three-node cluster on random ports; a few attempts, as a port can be taken meanwhile.
fn start_cluster() -> Cluster {
    for _ in 0..3 {
        if let Some(cluster) = try_start_cluster() {
            return cluster;
        }
    }
    panic!("no test cluster could be started (see the redis-cli output above)");
}

fn try_start_cluster() -> Option<Cluster> {
    let dir = tempfile::tempdir().unwrap();
    // Each node's cluster bus listens on its port + 10000: bases up to 22 697 keep the bus
    // ports under the kernel's ephemeral range (32 768 and up), where another test's
    // outgoing connection could hold one and make a node fail to start.
    let base = 20_000 + (rand::random::<u16>() % 900) * 3;
    let ports = [base, base + 1, base + 2];
    let nodes = ports
        .iter()
        .map(|p| {
            Command::new("redis-server")
                .args(["--port", &p.to_string(), "--cluster-enabled", "yes"])
                .args([
                    "--cluster-config-file",
                    &format!("nodes-{p}.conf"),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server must be installed")
        })
        .collect();
    let cluster = Cluster { ports, nodes, _dir: dir };
    std::thread::sleep(Duration::from_millis(500));
    let mut create = Command::new("redis-cli");
    create.args(["--cluster", "create"]);
    for p in ports {
        create.arg(format!("127.0.0.1:{p}"));
    }
    let out = create.args(["--cluster-replicas", "0", "--cluster-yes"]).output().unwrap();
    if !out.status.success() {
        eprintln!(
            "redis-cli --cluster create on ports {ports:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    for _ in 0..100 {
        let info = Command::new("redis-cli")
            .args(["-p", &ports[0].to_string(), "cluster", "info"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
            std::thread::sleep(Duration::from_millis(300));
            return Some(cluster);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("the test cluster on ports {ports:?} did not become ready");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_rediscluster_vectors_replay_on_a_real_cluster() {
    let cluster = start_cluster();
    let vectors: Json = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/compat-tests/vectors/php/session_rediscluster.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let [p1, p2, p3] = cluster.ports;
    for s in vectors["scenarios"].as_array().unwrap() {
        let name = s["id"].as_str().unwrap();
        let ini = &s["ini"];
        let path = ini["session.save_path"]
            .as_str()
            .unwrap()
            .replace("{PORT1}", &p1.to_string())
            .replace("17102", &p2.to_string())
            .replace("17103", &p3.to_string());
        let mut cfg = PhpSessionConfig::for_redis("tcp://127.0.0.1").unwrap();
        cfg.save_handler = SaveHandler::RedisCluster;
        cfg.save_path = SavePath::parse_cluster(&path).unwrap();
        cfg.lock.enabled =
            ini.get("redis.session.locking_enabled").and_then(Json::as_str) == Some("1");
        cfg.use_strict_mode =
            ini.get("session.use_strict_mode").and_then(Json::as_str) == Some("1");
        let store = PhpSessionStore::new(cfg).unwrap();
        let id = s["session_id_in"].as_str().unwrap();
        let monitor = Monitor::start(&cluster.ports);
        let mut session = store.open(id).await.unwrap();
        session.data_mut().insert("user_id", Value::Int(42));
        session.save().await.unwrap();
        if name == "cluster_destroy" {
            assert!(store.open(id).await.unwrap().destroy().await.unwrap());
        }
        let seen = monitor.stop(id);
        let ours: Vec<Vec<u8>> = seen.iter().map(|c| c.args.join(&b' ')).collect();
        let expected: Vec<Vec<u8>> = s["redis_commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let args: Vec<Vec<u8>> = c["args_b64"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        base64::engine::general_purpose::STANDARD
                            .decode(a.as_str().unwrap())
                            .unwrap()
                    })
                    .collect();
                args.join(&b' ')
            })
            .collect();
        assert_eq!(
            ours.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>(),
            expected.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>(),
            "{name}: no lock key, no EXISTS, always SETEX, no hash tag"
        );
        // Keys left, with the slot phpredis's key hashed to.
        let client =
            redis::cluster::ClusterClient::new(vec![format!("redis://127.0.0.1:{p1}/")]).unwrap();
        let mut conn = client.get_async_connection().await.unwrap();
        for after in s["keys_after"].as_array().unwrap() {
            let key = after["key"].as_str().unwrap();
            let slot: i64 =
                redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query_async(&mut conn).await.unwrap();
            assert_eq!(slot, after["slot"].as_i64().unwrap(), "{name}");
            let value: Option<String> =
                redis::cmd("GET").arg(key).query_async(&mut conn).await.unwrap();
            assert_eq!(
                format!("{:?}", value.unwrap_or_default()),
                after["value_redis_cli"].as_str().unwrap(),
                "{name}"
            );
            let ttl: i64 = redis::cmd("TTL").arg(key).query_async(&mut conn).await.unwrap();
            assert_eq!(ttl, after["ttl"].as_i64().unwrap(), "{name}");
        }
        if s["keys_after"].as_array().unwrap().is_empty() {
            let v: Option<String> = redis::cmd("GET")
                .arg(format!("PHPREDIS_CLUSTER_SESSION:{id}"))
                .query_async(&mut conn)
                .await
                .unwrap();
            assert_eq!(v, None, "{name}");
        }
    }
    // Real PHP's rediscluster handler reads what wpgate wrote.
    let out = php(
        &[
            ("session.save_handler", "rediscluster".into()),
            ("session.save_path", format!("seed[]=127.0.0.1:{p1}&seed[]=127.0.0.1:{p2}")),
            ("session.use_cookies", "0".into()),
            ("session.cache_limiter", String::new()),
        ],
        "session_id('vgpubsid0c1'); session_start(); echo json_encode($_SESSION);",
    );
    assert_eq!(out, r#"{"user_id":42}"#);
}
