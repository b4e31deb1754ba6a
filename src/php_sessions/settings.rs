//! The php.ini / phpredis settings that decide what PHP sessions look like in Redis, and
//! phpredis's `session.save_path` syntax.
//!
//! | setting | php.ini | default |
//! |---|---|---|
//! | [`PhpSessionConfig::save_handler`] | `session.save_handler` (`redis`, `rediscluster`) | `redis` |
//! | [`PhpSessionConfig::save_path`] | `session.save_path` | — |
//! | [`PhpSessionConfig::serialize_handler`] | `session.serialize_handler` | `php` |
//! | [`PhpSessionConfig::gc_maxlifetime`] | `session.gc_maxlifetime` | 1440 |
//! | [`PhpSessionConfig::lazy_write`] | `session.lazy_write` | on |
//! | [`PhpSessionConfig::use_strict_mode`] | `session.use_strict_mode` | off |
//! | [`PhpSessionConfig::sid`] | `session.sid_length`, `session.sid_bits_per_character` | 32, 4 |
//! | [`PhpSessionConfig::cookie`] | `session.name`, `session.cookie_*` | `PHPSESSID`, … |
//! | [`LockSettings`] | `redis.session.locking_enabled`, `lock_expire`, `lock_wait_time`, `lock_retries`, `max_execution_time` | off, 0, 2000 µs, 10, 30 |
//!
//! The save path is parsed as phpredis 5.3.7 parses it (redis_session.c `PS_OPEN_FUNC`):
//! URLs separated by `,` or whitespace, each with `prefix`, `database`, `auth`, `weight`,
//! `timeout`, `read_timeout` query parameters (form-decoded); for `rediscluster`, one query
//! string with `seed[]`, `prefix`, `auth`, `timeout`, `read_timeout`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use wpgate_core::php_session::{CookieParams, Handler, SidBits, SidSettings};

/// phpredis's key prefix for `session.save_handler = redis`.
pub const DEFAULT_PREFIX: &str = "PHPREDIS_SESSION:";
/// phpredis's key prefix for `session.save_handler = rediscluster`.
pub const DEFAULT_CLUSTER_PREFIX: &str = "PHPREDIS_CLUSTER_SESSION:";
/// `session.gc_maxlifetime`'s default, also what phpredis uses for a value ≤ 0.
pub const DEFAULT_GC_MAXLIFETIME: i64 = 1440;

/// `session.save_handler`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaveHandler {
    /// phpredis `redis`: one server or a weighted pool.
    Redis,
    /// phpredis `rediscluster`: a Redis Cluster (no locking, no lazy-write refresh in 5.3.x).
    #[serde(rename = "rediscluster")]
    RedisCluster,
}

/// Everything the PHP session store needs, parsed and checked.
#[derive(Clone, Debug)]
pub struct PhpSessionConfig {
    /// `session.save_handler`.
    pub save_handler: SaveHandler,
    /// The parsed `session.save_path`.
    pub save_path: SavePath,
    /// `session.serialize_handler`.
    pub serialize_handler: Handler,
    /// `session.gc_maxlifetime` as given (the TTL is [`PhpSessionConfig::ttl`]).
    pub gc_maxlifetime: i64,
    /// `session.lazy_write`: unchanged data is only refreshed with `EXPIRE`.
    pub lazy_write: bool,
    /// `session.use_strict_mode`: an unknown incoming id is replaced (`EXISTS` first).
    pub use_strict_mode: bool,
    /// `session.sid_length` and `session.sid_bits_per_character`.
    pub sid: SidSettings,
    /// `session.name` and `session.cookie_*`.
    pub cookie: CookieParams,
    /// `redis.session.*` locking.
    pub lock: LockSettings,
}

/// phpredis's session locking (`redis.session.*`, plus `max_execution_time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockSettings {
    /// `redis.session.locking_enabled`.
    pub enabled: bool,
    /// `redis.session.lock_expire` in seconds; 0 means `max_execution_time`.
    pub lock_expire: i64,
    /// `redis.session.lock_wait_time` in microseconds between attempts; 0 means 2000.
    pub wait_time_us: i64,
    /// `redis.session.lock_retries`: extra attempts; -1 forever; 0 means 10.
    pub retries: i64,
    /// `max_execution_time` in seconds (the lock expiry when `lock_expire` is 0; 0 = none).
    pub max_execution_time: i64,
}

/// A parsed `session.save_path`.
#[derive(Clone, Debug)]
pub enum SavePath {
    /// `redis`: the servers in the order listed.
    Servers(Vec<ServerSpec>),
    /// `rediscluster`: seeds and shared parameters.
    Cluster(ClusterSpec),
}

/// One `tcp://…`, `tls://…` or `unix://…` entry of a `redis` save path.
#[derive(Clone)]
pub struct ServerSpec {
    /// Where to connect.
    pub address: Address,
    /// Key prefix (`prefix=`; empty means none).
    pub prefix: Vec<u8>,
    /// `database=`.
    pub database: Option<i64>,
    /// `auth=` password, or `auth[]=user&auth[]=pass`.
    pub auth: Option<Auth>,
    /// `weight=` (≥ 1).
    pub weight: u32,
    /// `timeout=` (connect).
    pub timeout: Duration,
    /// `read_timeout=` (`None`: wait forever, like phpredis's 0).
    pub read_timeout: Option<Duration>,
}

/// The `rediscluster` save path.
#[derive(Clone)]
pub struct ClusterSpec {
    /// `seed[]=host:port`.
    pub seeds: Vec<(String, u16)>,
    /// Key prefix.
    pub prefix: Vec<u8>,
    /// `auth=`.
    pub auth: Option<Auth>,
    /// `timeout=`.
    pub timeout: Duration,
    /// `read_timeout=`.
    pub read_timeout: Option<Duration>,
}

/// A server address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// `tcp://host:port` (`tls` when the scheme was `tls`/`ssl`).
    Tcp {
        /// Host name or address.
        host: String,
        /// Port (6379 when absent).
        port: u16,
        /// TLS.
        tls: bool,
    },
    /// `unix:///path` or `/path`.
    Unix(String),
}

/// Redis credentials.
#[derive(Clone)]
pub struct Auth {
    /// ACL user (`auth[]=user&auth[]=pass`).
    pub user: Option<String>,
    /// The password.
    pub password: SecretString,
}

/// A save path or setting phpredis would refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsError {
    /// No `php_session_save_path`.
    #[error("php_session_save_path (WPGATE_PHP_SESSION_SAVE_PATH) is not set")]
    MissingSavePath,
    /// A save path entry that cannot be parsed; the message says which part.
    #[error("php_session_save_path entry {index}: {reason}")]
    SavePath {
        /// Zero-based entry number.
        index: usize,
        /// What is wrong (never contains the password).
        reason: String,
    },
    /// Another setting.
    #[error("{setting}: {reason}")]
    Invalid {
        /// The Settings key.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl Default for LockSettings {
    /// phpredis 5.3.7's defaults with php-fpm's `max_execution_time = 30`.
    fn default() -> Self {
        LockSettings {
            enabled: false,
            lock_expire: 0,
            wait_time_us: 2000,
            retries: 10,
            max_execution_time: 30,
        }
    }
}

impl LockSettings {
    /// The lock's expiry in milliseconds (`PX`), or `None` for a lock without expiry
    /// (`lock_expire = 0` and `max_execution_time = 0`, as under the PHP CLI).
    pub fn expiry_ms(&self) -> Option<u64> {
        let seconds =
            if self.lock_expire != 0 { self.lock_expire } else { self.max_execution_time };
        u64::try_from(seconds).ok().filter(|s| *s > 0).map(|s| s.saturating_mul(1000))
    }

    /// Pause between attempts (`lock_wait_time`, 0 meaning phpredis's 2000 µs).
    pub fn wait_time(&self) -> Duration {
        let us = if self.wait_time_us <= 0 { 2000 } else { self.wait_time_us };
        Duration::from_micros(u64::try_from(us).unwrap_or(2000))
    }

    /// Extra attempts after the first (`None`: forever, `lock_retries = -1`).
    pub fn retries(&self) -> Option<u64> {
        match self.retries {
            -1 => None,
            0 => Some(10),
            n => Some(u64::try_from(n).unwrap_or(10)),
        }
    }

    /// Whether phpredis re-reads the lock before writing (`lock_expire != 0`).
    pub fn checks_before_write(&self) -> bool {
        self.lock_expire != 0
    }
}

impl PhpSessionConfig {
    /// Builds the configuration from the service [`Settings`](crate::config::Settings).
    ///
    /// # Errors
    /// [`SettingsError`] naming the setting PHP or phpredis would refuse.
    pub fn from_settings(s: &crate::config::Settings) -> Result<PhpSessionConfig, SettingsError> {
        let raw = s.php_session_save_path.as_ref().ok_or(SettingsError::MissingSavePath)?;
        let save_path = match s.php_session_save_handler {
            SaveHandler::Redis => SavePath::parse_redis(raw.expose_secret())?,
            SaveHandler::RedisCluster => SavePath::parse_cluster(raw.expose_secret())?,
        };
        let serialize_handler =
            s.php_session_serialize_handler.parse::<Handler>().map_err(|e| {
                SettingsError::Invalid {
                    setting: "php_session_serialize_handler",
                    reason: e.to_string(),
                }
            })?;
        let bits = match s.php_session_sid_bits_per_character {
            4 => SidBits::Four,
            5 => SidBits::Five,
            6 => SidBits::Six,
            _ => {
                return Err(SettingsError::Invalid {
                    setting: "php_session_sid_bits_per_character",
                    reason: "must be 4, 5 or 6".into(),
                });
            }
        };
        let sid = SidSettings::new(s.php_session_sid_length, bits).map_err(|e| {
            SettingsError::Invalid { setting: "php_session_sid_length", reason: e.to_string() }
        })?;
        let cookie = CookieParams {
            name: s.php_session_name.clone(),
            lifetime: s.php_session_cookie_lifetime,
            path: s.php_session_cookie_path.clone(),
            domain: s.php_session_cookie_domain.clone(),
            secure: s.php_session_cookie_secure,
            httponly: s.php_session_cookie_httponly,
            samesite: s.php_session_cookie_samesite.clone(),
        };
        // PHP refuses such a name when it sends the cookie; refuse it at start-up instead.
        cookie.set_cookie(b"x", 0).map_err(|e| SettingsError::Invalid {
            setting: "php_session_name",
            reason: e.to_string(),
        })?;
        if s.php_session_lock_retries < -1 {
            return Err(SettingsError::Invalid {
                setting: "php_session_lock_retries",
                reason: "must be -1 (forever) or at least 0".into(),
            });
        }
        Ok(PhpSessionConfig {
            save_handler: s.php_session_save_handler,
            save_path,
            serialize_handler,
            gc_maxlifetime: s.php_session_gc_maxlifetime,
            lazy_write: s.php_session_lazy_write,
            use_strict_mode: s.php_session_use_strict_mode,
            sid,
            cookie,
            lock: LockSettings {
                enabled: s.php_session_locking_enabled,
                lock_expire: s.php_session_lock_expire,
                wait_time_us: s.php_session_lock_wait_time,
                retries: s.php_session_lock_retries,
                max_execution_time: s.php_session_max_execution_time,
            },
        })
    }

    /// A configuration for one `redis` save path with PHP's defaults for everything else.
    ///
    /// # Errors
    /// As [`SavePath::parse_redis`].
    pub fn for_redis(save_path: &str) -> Result<PhpSessionConfig, SettingsError> {
        Ok(PhpSessionConfig {
            save_handler: SaveHandler::Redis,
            save_path: SavePath::parse_redis(save_path)?,
            serialize_handler: Handler::Php,
            gc_maxlifetime: DEFAULT_GC_MAXLIFETIME,
            lazy_write: true,
            use_strict_mode: false,
            sid: SidSettings::default(),
            cookie: CookieParams::default(),
            lock: LockSettings::default(),
        })
    }

    /// The TTL phpredis sets: `gc_maxlifetime`, 1440 when ≤ 0, at most 2^31−1.
    pub fn ttl(&self) -> i64 {
        clamp_ttl(self.gc_maxlifetime)
    }
}

/// phpredis's TTL rule: ≤ 0 becomes 1440 (with a notice), > 2^31−1 becomes 2^31−1.
pub fn clamp_ttl(gc_maxlifetime: i64) -> i64 {
    if gc_maxlifetime <= 0 {
        DEFAULT_GC_MAXLIFETIME
    } else {
        gc_maxlifetime.min(i64::from(i32::MAX))
    }
}

impl SavePath {
    /// Parses a `redis` save path: `tcp://host:port?prefix=…&database=…&auth=…&weight=…`,
    /// entries separated by `,` and/or whitespace.
    ///
    /// # Errors
    /// [`SettingsError::SavePath`] where phpredis would fail `session_start()`: no entry, no
    /// host, a bad port, `weight <= 0`, `timeout <= 0`.
    pub fn parse_redis(text: &str) -> Result<SavePath, SettingsError> {
        let entries: Vec<&str> = text
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return Err(SettingsError::SavePath { index: 0, reason: "no server given".into() });
        }
        let servers = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                parse_server(entry).map_err(|reason| SettingsError::SavePath { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SavePath::Servers(servers))
    }

    /// Parses a `rediscluster` save path:
    /// `seed[]=host:port&seed[]=host:port&prefix=…&auth=…&timeout=…&read_timeout=…`.
    ///
    /// # Errors
    /// [`SettingsError::SavePath`] without seeds or with a malformed seed.
    pub fn parse_cluster(text: &str) -> Result<SavePath, SettingsError> {
        let err = |reason: String| SettingsError::SavePath { index: 0, reason };
        let params = Params::parse(text);
        let mut seeds = Vec::new();
        for seed in params.all("seed[]") {
            let (host, port) = seed
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                .ok_or_else(|| err(format!("seed {seed:?} is not host:port")))?;
            seeds.push((host, port));
        }
        if seeds.is_empty() {
            return Err(err("no seed[]=host:port given".into()));
        }
        Ok(SavePath::Cluster(ClusterSpec {
            seeds,
            prefix: params.prefix(DEFAULT_CLUSTER_PREFIX),
            auth: params.auth(),
            timeout: params.seconds("timeout", 86400.0).map_err(err)?,
            read_timeout: params.optional_seconds("read_timeout").map_err(err)?,
        }))
    }
}

fn parse_server(entry: &str) -> Result<ServerSpec, String> {
    let (location, query) = entry.split_once('?').unwrap_or((entry, ""));
    let params = Params::parse(query);
    let address = if let Some(path) = location.strip_prefix("unix://") {
        Address::Unix(path.to_owned())
    } else if location.starts_with('/') {
        Address::Unix(location.to_owned())
    } else {
        let (scheme, rest) = match location.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("tcp".to_owned(), location),
        };
        let tls = match scheme.as_str() {
            "tcp" => false,
            "tls" | "ssl" => true,
            other => return Err(format!("unsupported scheme {other:?}")),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || p.is_empty() => {
                (h, p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?)
            }
            _ => (rest, 6379),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err("no host".into());
        }
        Address::Tcp { host: host.to_owned(), port, tls }
    };
    let weight = match params.first("weight") {
        None => 1,
        Some(w) => match w.trim().parse::<i64>() {
            Ok(w) if w > 0 => u32::try_from(w).unwrap_or(u32::MAX),
            _ => return Err(format!("weight {w:?} must be a positive integer")),
        },
    };
    let database = match params.first("database") {
        None => None,
        Some(d) => Some(d.trim().parse::<i64>().map_err(|_| format!("bad database {d:?}"))?),
    };
    Ok(ServerSpec {
        address,
        prefix: params.prefix(DEFAULT_PREFIX),
        database,
        auth: params.auth(),
        weight,
        timeout: params.seconds("timeout", 86400.0)?,
        read_timeout: params.optional_seconds("read_timeout")?,
    })
}

/// Form-decoded query parameters, in order, repeated names kept.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Params {
        Params(serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default())
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `prefix=` replaces the default; an empty value means no prefix at all.
    fn prefix(&self, default: &str) -> Vec<u8> {
        self.first("prefix").unwrap_or(default).as_bytes().to_vec()
    }

    /// `auth=pass`, or `auth[]=user&auth[]=pass` (a single `auth[]` is the password).
    fn auth(&self) -> Option<Auth> {
        if let Some(password) = self.first("auth").filter(|p| !p.is_empty()) {
            return Some(Auth { user: None, password: SecretString::from(password.to_owned()) });
        }
        let parts: Vec<&str> = self.all("auth[]").collect();
        match parts.as_slice() {
            [password] => {
                Some(Auth { user: None, password: SecretString::from((*password).to_owned()) })
            }
            [user, password, ..] => Some(Auth {
                user: Some((*user).to_owned()),
                password: SecretString::from((*password).to_owned()),
            }),
            [] => None,
        }
    }

    fn seconds(&self, name: &str, default: f64) -> Result<Duration, String> {
        let value = match self.first(name) {
            None => default,
            Some(v) => v.trim().parse::<f64>().map_err(|_| format!("bad {name} {v:?}"))?,
        };
        if value.is_nan() || value <= 0.0 || !value.is_finite() {
            return Err(format!("{name} must be greater than 0"));
        }
        Ok(Duration::from_secs_f64(value))
    }

    fn optional_seconds(&self, name: &str) -> Result<Option<Duration>, String> {
        match self.first(name) {
            None => Ok(None),
            Some(v) => {
                let value = v.trim().parse::<f64>().map_err(|_| format!("bad {name} {v:?}"))?;
                Ok((value > 0.0 && value.is_finite()).then(|| Duration::from_secs_f64(value)))
            }
        }
    }
}

impl std::fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSpec")
            .field("address", &self.address)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("database", &self.database)
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .field("weight", &self.weight)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ClusterSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterSpec")
            .field("seeds", &self.seeds)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("user", &self.user).field("password", &"***").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(path: &str) -> Vec<ServerSpec> {
        match SavePath::parse_redis(path).unwrap() {
            SavePath::Servers(s) => s,
            SavePath::Cluster(_) => unreachable!(),
        }
    }

    #[test]
    fn default_prefix_and_port_apply() {
        let s = servers("tcp://127.0.0.1?database=13");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].prefix, b"PHPREDIS_SESSION:");
        assert_eq!(s[0].database, Some(13));
        assert_eq!(s[0].address, Address::Tcp { host: "127.0.0.1".into(), port: 6379, tls: false });
    }

    #[test]
    fn empty_prefix_means_no_prefix_and_values_are_form_decoded() {
        let s = servers("tcp://h:7000?prefix=&auth=p%40ss+word");
        assert_eq!(s[0].prefix, b"");
        assert_eq!(s[0].auth.as_ref().unwrap().password.expose_secret(), "p@ss word");
    }

    #[test]
    fn weighted_pools_split_on_comma_and_space() {
        let s = servers(
            "tcp://127.0.0.1:6379?database=12&weight=1, tcp://127.0.0.1:6379?database=13&weight=2",
        );
        assert_eq!(s.iter().map(|s| s.weight).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(s[1].database, Some(13));
    }

    #[test]
    fn acl_auth_and_unix_sockets_parse() {
        let s = servers("unix:///run/redis.sock?auth[]=app&auth[]=secret&prefix=app1:sess:");
        assert_eq!(s[0].address, Address::Unix("/run/redis.sock".into()));
        assert_eq!(s[0].auth.as_ref().unwrap().user.as_deref(), Some("app"));
        assert_eq!(s[0].prefix, b"app1:sess:");
        assert_eq!(servers("/tmp/r.sock")[0].address, Address::Unix("/tmp/r.sock".into()));
    }

    #[test]
    fn what_phpredis_refuses_is_refused() {
        assert!(SavePath::parse_redis("").is_err());
        assert!(SavePath::parse_redis("tcp://h?weight=0").is_err());
        assert!(SavePath::parse_redis("tcp://h?timeout=0").is_err());
        assert!(SavePath::parse_redis("tcp://:6379").is_err());
        let shown = format!("{:?}", SavePath::parse_redis("tcp://h?auth=hunter2").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn cluster_save_path_parses_seeds() {
        let SavePath::Cluster(c) = SavePath::parse_cluster(
            "seed[]=127.0.0.1:7000&seed[]=127.0.0.1:7001&timeout=2&read_timeout=2&prefix=app1:sess:",
        )
        .unwrap() else {
            unreachable!()
        };
        assert_eq!(c.seeds.len(), 2);
        assert_eq!(c.prefix, b"app1:sess:");
        assert_eq!(c.read_timeout, Some(Duration::from_secs(2)));
        let SavePath::Cluster(d) = SavePath::parse_cluster("seed[]=h:1").unwrap() else {
            unreachable!()
        };
        assert_eq!(d.prefix, b"PHPREDIS_CLUSTER_SESSION:");
        assert!(SavePath::parse_cluster("prefix=x").is_err());
    }

    #[test]
    fn ttl_is_clamped_like_phpredis() {
        assert_eq!(clamp_ttl(0), 1440);
        assert_eq!(clamp_ttl(-5), 1440);
        assert_eq!(clamp_ttl(9_999_999_999), 2_147_483_647);
        assert_eq!(clamp_ttl(3600), 3600);
    }

    #[test]
    fn lock_defaults_follow_phpredis() {
        let mut l = LockSettings::default();
        assert_eq!(l.expiry_ms(), Some(30_000));
        l.max_execution_time = 0;
        assert_eq!(l.expiry_ms(), None);
        l.lock_expire = 15;
        assert_eq!(l.expiry_ms(), Some(15_000));
        assert!(l.checks_before_write());
        l.retries = 0;
        assert_eq!(l.retries(), Some(10));
        l.retries = -1;
        assert_eq!(l.retries(), None);
        l.wait_time_us = 0;
        assert_eq!(l.wait_time(), Duration::from_micros(2000));
    }
}
