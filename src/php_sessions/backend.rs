//! Connections to the Redis servers of a `session.save_path`, and which server holds a
//! session (phpredis's weighted pool, or a Redis Cluster).

use std::time::Duration;

use deadpool_redis::{PoolConfig, Runtime, Timeouts};
use redis::aio::ConnectionLike;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use secrecy::ExposeSecret;

use super::PhpSessionError;
use super::settings::{Address, Auth, ClusterSpec, SavePath, ServerSpec};

/// wpgate answers HTTP requests: phpredis's default connect timeout (86400 s) would hang a
/// request for a day when Redis is unreachable, so no wait is longer than this.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Where sessions live.
pub(crate) enum Backend {
    /// `redis`: the servers in save_path order.
    Servers(Vec<Node>),
    /// `rediscluster`.
    Cluster { pool: deadpool_redis::cluster::Pool, prefix: Vec<u8>, read_timeout: Duration },
}

/// One server of a `redis` pool.
pub(crate) struct Node {
    pool: deadpool_redis::Pool,
    prefix: Vec<u8>,
    weight: u32,
    read_timeout: Duration,
}

/// A connection to the server holding one session, with that server's key prefix.
pub(crate) struct Conn {
    inner: ConnInner,
    read_timeout: Duration,
}

enum ConnInner {
    Single(deadpool_redis::Connection),
    Cluster(deadpool_redis::cluster::Connection),
}

/// Where one session id lives: which server, and its key prefix.
#[derive(Clone, Copy)]
pub(crate) struct Route<'a> {
    node: Option<&'a Node>,
    index: usize,
    backend: &'a Backend,
}

impl Backend {
    /// Pools for every server of `path` (no connection is made yet).
    pub(crate) fn new(path: &SavePath, pool_size: usize) -> Result<Backend, PhpSessionError> {
        match path {
            SavePath::Servers(servers) => Ok(Backend::Servers(
                servers.iter().map(|s| Node::new(s, pool_size)).collect::<Result<_, _>>()?,
            )),
            SavePath::Cluster(spec) => cluster(spec, pool_size),
        }
    }

    /// The server for `id`: phpredis reads the first four bytes of the id as a little-endian
    /// `u32`, takes it modulo the sum of the weights and walks the servers in *reverse*
    /// save_path order, each covering `weight` positions (redis_session.c
    /// `redis_pool_get_sock`). Ids shorter than four bytes are padded with zeros (phpredis
    /// reads past the id).
    pub(crate) fn route(&self, id: &[u8]) -> Route<'_> {
        match self {
            Backend::Cluster { .. } => Route { node: None, index: 0, backend: self },
            Backend::Servers(nodes) => {
                let mut first = [0_u8; 4];
                for (slot, byte) in first.iter_mut().zip(id) {
                    *slot = *byte;
                }
                let total: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum::<u64>().max(1);
                let mut position = u64::from(u32::from_le_bytes(first)) % total;
                let mut chosen = nodes.len().saturating_sub(1);
                for (index, node) in nodes.iter().enumerate().rev() {
                    let w = u64::from(node.weight);
                    if position < w {
                        chosen = index;
                        break;
                    }
                    position -= w;
                }
                Route { node: nodes.get(chosen), index: chosen, backend: self }
            }
        }
    }
}

impl<'a> Route<'a> {
    /// The key prefix of this server.
    pub(crate) fn prefix(&self) -> &'a [u8] {
        match (self.node, self.backend) {
            (Some(node), _) => &node.prefix,
            (None, Backend::Cluster { prefix, .. }) => prefix,
            (None, Backend::Servers(_)) => b"",
        }
    }

    /// Which server (for grouping pipelines).
    pub(crate) fn server_tag(&self) -> Vec<u8> {
        self.index.to_be_bytes().to_vec()
    }

    /// `prefix + id`.
    pub(crate) fn key(&self, id: &[u8]) -> Vec<u8> {
        let mut key = self.prefix().to_vec();
        key.extend_from_slice(id);
        key
    }

    /// A pooled connection.
    pub(crate) async fn conn(&self) -> Result<Conn, PhpSessionError> {
        match (self.node, self.backend) {
            (Some(node), _) => Ok(Conn {
                inner: ConnInner::Single(node.pool.get().await.map_err(PhpSessionError::pool)?),
                read_timeout: node.read_timeout,
            }),
            (None, Backend::Cluster { pool, read_timeout, .. }) => Ok(Conn {
                inner: ConnInner::Cluster(pool.get().await.map_err(PhpSessionError::cluster_pool)?),
                read_timeout: *read_timeout,
            }),
            (None, Backend::Servers(_)) => Err(PhpSessionError::Config("no server".into())),
        }
    }
}

impl Conn {
    /// Runs one command, bounded by the read timeout.
    pub(crate) async fn run<T: redis::FromRedisValue>(
        &mut self,
        cmd: &Cmd,
    ) -> Result<T, PhpSessionError> {
        let timeout = self.read_timeout;
        match tokio::time::timeout(timeout, cmd.query_async(self)).await {
            Ok(result) => result.map_err(PhpSessionError::Redis),
            Err(_) => Err(PhpSessionError::Timeout(timeout)),
        }
    }

    /// Runs a pipeline, bounded by the read timeout.
    pub(crate) async fn run_pipeline<T: redis::FromRedisValue>(
        &mut self,
        pipe: &Pipeline,
    ) -> Result<T, PhpSessionError> {
        let timeout = self.read_timeout;
        match tokio::time::timeout(timeout, pipe.query_async(self)).await {
            Ok(result) => result.map_err(PhpSessionError::Redis),
            Err(_) => Err(PhpSessionError::Timeout(timeout)),
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.inner {
            ConnInner::Single(c) => c.req_packed_command(cmd),
            ConnInner::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.inner {
            ConnInner::Single(c) => c.req_packed_commands(pipeline, offset, count),
            ConnInner::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match &self.inner {
            ConnInner::Single(c) => c.get_db(),
            ConnInner::Cluster(c) => c.get_db(),
        }
    }
}

impl Node {
    fn new(spec: &ServerSpec, pool_size: usize) -> Result<Node, PhpSessionError> {
        let url = server_url(spec);
        let mut cfg = deadpool_redis::Config::from_url(url);
        cfg.pool = Some(pool_config(spec.timeout, pool_size));
        let pool = cfg
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| PhpSessionError::Config(format!("cannot create the Redis pool: {e}")))?;
        Ok(Node {
            pool,
            prefix: spec.prefix.clone(),
            weight: spec.weight,
            read_timeout: spec.read_timeout.unwrap_or(MAX_WAIT).min(MAX_WAIT),
        })
    }
}

fn cluster(spec: &ClusterSpec, pool_size: usize) -> Result<Backend, PhpSessionError> {
    let urls: Vec<String> = spec
        .seeds
        .iter()
        .map(|(host, port)| {
            format!("redis://{}{}/", userinfo(spec.auth.as_ref()), host_port(host, *port))
        })
        .collect();
    let mut cfg = deadpool_redis::cluster::Config::from_urls(urls);
    cfg.pool = Some(pool_config(spec.timeout, pool_size));
    let pool = cfg
        .create_pool(Some(Runtime::Tokio1))
        .map_err(|e| PhpSessionError::Config(format!("cannot create the cluster pool: {e}")))?;
    Ok(Backend::Cluster {
        pool,
        prefix: spec.prefix.clone(),
        read_timeout: spec.read_timeout.unwrap_or(MAX_WAIT).min(MAX_WAIT),
    })
}

fn pool_config(connect_timeout: Duration, pool_size: usize) -> PoolConfig {
    let wait = connect_timeout.min(MAX_WAIT);
    let mut cfg = PoolConfig::new(pool_size.max(1));
    cfg.timeouts = Timeouts { wait: Some(wait), create: Some(wait), recycle: Some(wait) };
    cfg
}

/// The redis-rs URL of one save_path entry (credentials percent-encoded).
fn server_url(spec: &ServerSpec) -> String {
    let db = spec.database.unwrap_or(0);
    match &spec.address {
        Address::Tcp { host, port, tls } => format!(
            "{}://{}{}/{db}",
            if *tls { "rediss" } else { "redis" },
            userinfo(spec.auth.as_ref()),
            host_port(host, *port)
        ),
        Address::Unix(path) => {
            let mut url = format!("redis+unix://{path}?db={db}");
            if let Some(auth) = &spec.auth {
                if let Some(user) = &auth.user {
                    url += &format!("&user={}", percent(user));
                }
                url += &format!("&pass={}", percent(auth.password.expose_secret()));
            }
            url
        }
    }
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

fn userinfo(auth: Option<&Auth>) -> String {
    match auth {
        None => String::new(),
        Some(a) => format!(
            "{}:{}@",
            a.user.as_deref().map(percent).unwrap_or_default(),
            percent(a.password.expose_secret())
        ),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(path: &str) -> Backend {
        Backend::new(&SavePath::parse_redis(path).unwrap(), 1).unwrap()
    }

    #[tokio::test]
    async fn weighted_pool_walks_servers_in_reverse() {
        // session_redis.json `weighted_pool_distribution`: db12 weight 1, db13 weight 2.
        let b = weights(
            "tcp://127.0.0.1:6379?database=12&weight=1&prefix=a:, tcp://127.0.0.1:6379?database=13&weight=2&prefix=b:",
        );
        for (id, prefix) in [
            ("AAAAvgpubsid0x", "a:"),
            ("BBBBvgpubsid0x", "b:"),
            ("zzzzvgpubsid0x", "a:"),
            ("0000vgpubsid0x", "b:"),
            ("9999vgpubsid0x", "b:"),
            ("abcdvgpubsid0x", "b:"),
        ] {
            assert_eq!(b.route(id.as_bytes()).prefix(), prefix.as_bytes(), "{id}");
        }
    }

    #[test]
    fn urls_carry_database_and_encoded_credentials() {
        let SavePath::Servers(s) =
            SavePath::parse_redis("tcp://h:7000?database=3&auth[]=u&auth[]=p%40ss").unwrap()
        else {
            unreachable!()
        };
        assert_eq!(server_url(&s[0]), "redis://u:p%40ss@h:7000/3");
    }
}
