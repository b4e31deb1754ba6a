//! Real Redis, real PHP (CLI with phpredis), Redis MONITOR.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wpgate::php_sessions::{PhpSessionConfig, PhpSessionStore};

pub const REDIS_PORT: u16 = 6379;

/// A fresh, unique key prefix (tests share the Redis server with other suites).
pub fn prefix(tag: &str) -> String {
    format!("wpgate-test:{tag}:{:016x}:", rand::random::<u64>())
}

pub fn save_path(prefix: &str, extra: &str) -> String {
    format!("tcp://127.0.0.1:{REDIS_PORT}?prefix={}{extra}", urlencode(prefix))
}

pub fn urlencode(s: &str) -> String {
    wpgate_core::php_session::urlencode(s.as_bytes())
}

pub fn store(config: PhpSessionConfig) -> PhpSessionStore {
    PhpSessionStore::new(config).unwrap()
}

pub fn config(save_path: &str) -> PhpSessionConfig {
    PhpSessionConfig::for_redis(save_path).unwrap()
}

pub fn redis(db: i64) -> redis::Client {
    redis::Client::open(format!("redis://127.0.0.1:{REDIS_PORT}/{db}")).unwrap()
}

pub async fn conn(db: i64) -> redis::aio::MultiplexedConnection {
    redis(db)
        .get_multiplexed_async_connection()
        .await
        .expect("Redis at 127.0.0.1:6379 (scripts/test starts it)")
}

/// Deletes every key under `prefix` in `db`.
pub async fn cleanup(db: i64, prefix: &str) {
    let mut c = conn(db).await;
    let keys: Vec<Vec<u8>> =
        redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut c).await.unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(keys).query_async(&mut c).await.unwrap();
    }
}

pub async fn get(db: i64, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(key).query_async(&mut conn(db).await).await.unwrap()
}

pub async fn ttl(db: i64, key: &str) -> i64 {
    redis::cmd("TTL").arg(key).query_async(&mut conn(db).await).await.unwrap()
}

pub async fn set(db: i64, key: &str, value: &[u8], ttl: i64) {
    let _: () = redis::cmd("SETEX")
        .arg(key)
        .arg(ttl)
        .arg(value)
        .query_async(&mut conn(db).await)
        .await
        .unwrap();
}

/// Runs PHP CLI code with the phpredis session handler. Panics with PHP's output when PHP is
/// missing (a missing prerequisite is a failure, never a skip).
pub fn php(ini: &[(&str, String)], code: &str) -> String {
    let mut cmd = Command::new("php");
    for (k, v) in ini {
        // Quoted: the INI parser would cut `;` (comment) and misread `=`/`&` otherwise.
        cmd.arg("-d").arg(format!("{k}=\"{v}\""));
    }
    let out =
        cmd.arg("-r").arg(code).output().expect(
            "php CLI with the redis extension (php8.2-cli, php8.2-redis) must be installed",
        );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "php failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The INI settings of a phpredis session for `save_path`.
pub fn php_ini(save_path: &str) -> Vec<(&'static str, String)> {
    vec![
        ("session.save_handler", "redis".into()),
        ("session.save_path", save_path.into()),
        ("session.serialize_handler", "php".into()),
        ("session.use_cookies", "0".into()),
        ("session.cache_limiter", String::new()),
        ("session.use_strict_mode", "0".into()),
        ("session.gc_maxlifetime", "1440".into()),
        ("max_execution_time", "0".into()),
        ("display_errors", "stderr".into()),
    ]
}

/// One command seen by `MONITOR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub db: i64,
    /// `lua` for commands run inside a script.
    pub lua: bool,
    pub args: Vec<Vec<u8>>,
    pub port: u16,
}

/// `redis-cli monitor` on some ports, recording everything until stopped.
pub struct Monitor {
    children: Vec<Child>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Monitor {
    pub fn start(ports: &[u16]) -> Monitor {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut children = Vec::new();
        for &port in ports {
            let mut child = Command::new("redis-cli")
                .args(["-p", &port.to_string(), "monitor"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-cli (redis-tools) must be installed");
            let stdout = child.stdout.take().unwrap();
            let seen2 = seen.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).split(b'\n') {
                    let Ok(line) = line else { break };
                    if let Some(s) = parse_monitor_line(&line, port) {
                        seen2.lock().unwrap().push(s);
                    }
                }
            });
            children.push(child);
        }
        // MONITOR answers +OK before streaming; give it a moment to be attached.
        std::thread::sleep(Duration::from_millis(150));
        Monitor { children, seen }
    }

    /// Stops and returns the commands that mention `marker` in any argument.
    pub fn stop(mut self, marker: &str) -> Vec<Seen> {
        std::thread::sleep(Duration::from_millis(150));
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let all = self.seen.lock().unwrap().clone();
        all.into_iter()
            .filter(|s| {
                s.args.iter().any(|a| a.windows(marker.len()).any(|w| w == marker.as_bytes()))
            })
            .collect()
    }
}

/// `1700000000.123456 [13 127.0.0.1:5555] "SET" "k" "v"` / `[13 lua] "get" "k"`.
fn parse_monitor_line(line: &[u8], port: u16) -> Option<Seen> {
    let open = line.iter().position(|&b| b == b'[')?;
    let close = open + line.get(open..)?.iter().position(|&b| b == b']')?;
    let inside = std::str::from_utf8(line.get(open + 1..close)?).ok()?;
    let (db, client) = inside.split_once(' ')?;
    let mut args = Vec::new();
    let mut rest = line.get(close + 1..)?;
    loop {
        let start = rest.iter().position(|&b| b == b'"')?;
        rest = rest.get(start + 1..)?;
        let mut arg = Vec::new();
        let mut i = 0;
        loop {
            let b = *rest.get(i)?;
            match b {
                b'"' => break,
                b'\\' => {
                    let n = *rest.get(i + 1)?;
                    match n {
                        b'x' => {
                            let hex = std::str::from_utf8(rest.get(i + 2..i + 4)?).ok()?;
                            arg.push(u8::from_str_radix(hex, 16).ok()?);
                            i += 4;
                            continue;
                        }
                        b'n' => arg.push(b'\n'),
                        b'r' => arg.push(b'\r'),
                        b't' => arg.push(b'\t'),
                        b'a' => arg.push(7),
                        b'b' => arg.push(8),
                        other => arg.push(other),
                    }
                    i += 2;
                }
                other => {
                    arg.push(other);
                    i += 1;
                }
            }
        }
        args.push(arg);
        rest = rest.get(i + 1..)?;
        if !rest.contains(&b'"') {
            break;
        }
    }
    Some(Seen { db: db.parse().ok()?, lua: client == "lua", args, port })
}

/// Connects to a store-less Redis to check it is up; panics with a clear message otherwise.
pub async fn require_redis() {
    let mut c = conn(0).await;
    let _: String = redis::cmd("PING").query_async(&mut c).await.expect("Redis must answer PING");
}

#[test]
fn monitor_lines_parse() {
    let s = parse_monitor_line(
        br#"1.2 [13 127.0.0.1:5] "SETEX" "k" "1440" "a|s:1:\"\xc3\xa9\";""#,
        6379,
    )
    .unwrap();
    assert_eq!(s.db, 13);
    assert_eq!(s.args[3], "a|s:1:\"é\";".as_bytes());
    let l = parse_monitor_line(br#"1.2 [0 lua] "get" "k_LOCK""#, 6379).unwrap();
    assert!(l.lua);
}
