//! Private servers the tests start, kill and restart: `redis-server` (plain and as a
//! sentinel) and `mariadbd`, each on a free loopback port, working in a temporary directory.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh directory under the system's temporary directory, removed by [`TempDir`]'s drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(kind: &str) -> TempDir {
        let dir = std::env::temp_dir()
            .join(format!("wpgate-faults-{kind}-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Polls `check` every 50 ms until it holds; panics after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn accepts(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// `redis-cli -p port args…`, its standard output.
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("redis-cli is needed for the fault tests (scripts/start-redis.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `redis-server` of our own. It keeps its data in an append-only file written on every
/// command, so a killed and restarted server still holds the sessions.
pub struct PrivateRedis {
    pub port: u16,
    args: Vec<String>,
    child: Option<Child>,
}

impl PrivateRedis {
    /// A persistent server in `dir`, with extra arguments.
    pub fn start(dir: &Path, extra: &[&str]) -> PrivateRedis {
        let port = free_port();
        let mut args: Vec<String> = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--dir".into(),
            dir.display().to_string(),
            "--save".into(),
            String::new(),
            "--appendonly".into(),
            "yes".into(),
            "--appendfsync".into(),
            "always".into(),
            "--appenddirname".into(),
            format!("aof-{port}"),
            "--logfile".into(),
            dir.join(format!("redis-{port}.log")).display().to_string(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut server = PrivateRedis { port, args, child: None };
        server.spawn();
        server
    }

    /// A sentinel on a free port with the configuration `conf` (which it rewrites).
    pub fn sentinel(port: u16, conf: &Path) -> PrivateRedis {
        let args = vec![conf.display().to_string(), "--sentinel".to_owned()];
        let mut server = PrivateRedis { port, args, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed for the fault tests (scripts/start-redis.sh)");
        self.child = Some(child);
        wait_until("redis-server to accept connections", Duration::from_secs(10), || {
            accepts(self.port)
        });
        // Loading the append-only file: wait until the data is served.
        wait_until("redis-server to load its data", Duration::from_secs(10), || {
            redis_cli(self.port, &["ping"]).trim() == "PONG"
        });
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: the server is gone at once, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again with the same arguments (and data).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `mariadbd` of our own: a data directory from `mariadb-install-db` (root without a
/// password), listening on a free loopback port.
pub struct PrivateMariaDb {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl PrivateMariaDb {
    pub fn start() -> PrivateMariaDb {
        let dir = TempDir::new("mariadb");
        let data = dir.path().join("data");
        // A temporary directory of its own: parallel instances must not share /tmp's
        // temporary tables.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let user = current_user();
        let out = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!("--user={user}"))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")
            .output()
            .expect(
                "mariadb-install-db is needed for the fault tests (apt install mariadb-server)",
            );
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = PrivateMariaDb { port: free_port(), dir, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("mariadbd.log"))
            .unwrap();
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--tmpdir={}", dir.join("tmp").display()))
            .arg(format!("--user={}", current_user()))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--port={}", self.port))
            .arg(format!("--socket={}", dir.join("mariadbd.sock").display()))
            .arg(format!("--pid-file={}", dir.join("mariadbd.pid").display()))
            .arg("--skip-log-bin")
            .arg("--innodb-buffer-pool-size=16M")
            .arg("--innodb-log-file-size=16M")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mariadbd is needed for the fault tests (apt install mariadb-server)");
        self.child = Some(child);
        let port = self.port;
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("mariadbd exited ({status}); see {}/mariadbd.log", dir.display());
            }
            if accepts(port) && logs_in(port) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "mariadbd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `host:port` as `DB_HOST` spells it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// SIGKILL: the server is gone at once, as in a crash (InnoDB recovers at restart).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether root can log in and run a query (the server is ready, crash recovery done).
fn logs_in(port: u16) -> bool {
    // On a thread of its own: the callers may run inside the test's runtime.
    std::thread::spawn(move || logs_in_now(port)).join().unwrap_or(false)
}

fn logs_in_now(port: u16) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let options = MySqlConnectOptions::new().host("127.0.0.1").port(port).username("root");
        let Ok(Ok(mut conn)) =
            tokio::time::timeout(Duration::from_secs(2), options.connect()).await
        else {
            return false;
        };
        let ok = sqlx::query("SELECT 1").execute(&mut conn).await.is_ok();
        let _ = conn.close().await;
        ok
    })
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The Sentinel service name of [`SentinelSetup`].
pub const SERVICE: &str = "wpgate-faults";

/// A primary, a replica of it and one sentinel (quorum 1) that fails over one second after
/// the primary stops answering.
pub struct SentinelSetup {
    pub primary: PrivateRedis,
    pub replica: PrivateRedis,
    pub sentinel: PrivateRedis,
    _dir: TempDir,
}

impl SentinelSetup {
    pub fn start() -> SentinelSetup {
        let dir = TempDir::new("sentinel");
        let primary = PrivateRedis::start(dir.path(), &[]);
        let primary_port = primary.port.to_string();
        let replica =
            PrivateRedis::start(dir.path(), &["--replicaof", "127.0.0.1", primary_port.as_str()]);
        wait_until("the replica to sync", Duration::from_secs(20), || {
            redis_cli(replica.port, &["info", "replication"]).contains("master_link_status:up")
        });
        let sentinel_port = free_port();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {sentinel_port}\nbind 127.0.0.1\ndir {dir}\n\
                 logfile {dir}/sentinel.log\n\
                 sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 1\n\
                 sentinel down-after-milliseconds {SERVICE} 1000\n\
                 sentinel failover-timeout {SERVICE} 5000\n",
                dir = dir.path().display()
            ),
        )
        .unwrap();
        let sentinel = PrivateRedis::sentinel(sentinel_port, &conf);
        wait_until("the sentinel to know the replica", Duration::from_secs(20), || {
            redis_cli(sentinel_port, &["sentinel", "replicas", SERVICE]).contains("slave")
        });
        SentinelSetup { primary, replica, sentinel, _dir: dir }
    }

    pub fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/{SERVICE}", self.sentinel.port)
    }

    /// The primary's port as the sentinel names it.
    pub fn primary_port(&self) -> Option<u16> {
        let out = redis_cli(self.sentinel.port, &["sentinel", "get-master-addr-by-name", SERVICE]);
        out.lines().nth(1).and_then(|p| p.trim().parse().ok())
    }

    /// Waits until the replica has every write the primary has acknowledged.
    pub fn wait_replicated(&self) {
        let acked = redis_cli(self.primary.port, &["wait", "1", "5000"]);
        assert_eq!(acked.trim(), "1", "the replica did not acknowledge the writes");
    }
}

impl PrivateRedis {
    /// Sends a signal (`STOP`, `CONT`) to the server.
    pub fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let status =
            Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
        assert!(status.success(), "kill -{name} {pid}");
    }
}

impl PrivateMariaDb {
    /// Sends a signal (`STOP`, `CONT`) to the server.
    pub fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let status =
            Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
        assert!(status.success(), "kill -{name} {pid}");
    }
}
