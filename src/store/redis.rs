//! The Redis session store: the layout of `docs/redis-layout.md`, shared with the PHP drop-in.
//!
//! This file is the only place that builds Redis keys. For user `U`, verifier `V` and prefix
//! `P` (for example `wpgate:`):
//!
//! - `P{U}:session:V` holds PHP `serialize()` of the session array ([`Session::encode`]),
//!   expiring at `expiration + 1`;
//! - `P{U}:sessions` is a sorted set of the user's verifiers scored by expiration;
//! - `P` + `events` is the pub/sub channel that carries [`InvalidationEvent`]s.
//!
//! `{U}` is a Redis Cluster hash tag, so every multi-key change of one user is one atomic Lua
//! script on one slot. Reads are one `GET`; the record's own `expiration` decides liveness
//! (`WP_Session_Tokens::is_still_valid`), because key expiry is lazy and clocks differ.
//!
//! # Topologies
//!
//! [`RedisStore::open`] reads the topology from the URL scheme:
//!
//! | URL | topology |
//! |---|---|
//! | `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS), `redis+unix:///path` | one server |
//! | `redis+sentinel://[user:pass@]host[:port][,host[:port]…]/service[/db][?sentinel_username=…&sentinel_password=…]`, `rediss+sentinel://…` (TLS to sentinels and servers) | the primary that Redis Sentinel names for `service`; sentinel port defaults to 26379; `user:pass` authenticate to the Redis servers, the query parameters to the sentinels |
//! | `redis+cluster://[user:pass@]host[:port][,host[:port]…]`, `rediss+cluster://…` | Redis Cluster, from these seed nodes |
//!
//! Credentials in URLs are percent-encoded, as in any URL.
//!
//! # Connections
//!
//! Connections are multiplexed. Each thread that uses the store (an actix-web worker) keeps a
//! connection of its own, so a command never hops to another worker's runtime; beyond
//! [`RedisOptions::pool_size`] such threads, the rest share a pool of that size. A connection
//! is reused without a health-check round trip: when a command fails because its connection
//! broke (Redis restarted, a Sentinel fail-over made the server read-only, a timeout), every
//! connection (kept or pooled) is retired and the command is retried once on a fresh connection. All
//! operations are idempotent, so the retry is safe. Every call is bounded by
//! [`RedisOptions::timeout`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool::managed::{self, Metrics, Pool, PoolError, RecycleError, RecycleResult};
use futures_util::StreamExt;
use redis::aio::{ConnectionLike, MultiplexedConnection, PubSub};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    AsyncConnectionConfig, Client, ConnectionInfo, FromRedisValue, IntoConnectionInfo, RedisError,
    RedisResult, Script, TlsCertificates, TlsMode, Value,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex as AsyncMutex;
use tokio::time::{Instant, timeout, timeout_at};
use wpgate_core::session_tokens::{Session, Verifier};

use super::{SessionStore, StoreError, UserId};

/// Tuning of a [`RedisStore`]; [`RedisOptions::default`] suits most sites.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// Upper bound of every store call: taking a connection (connecting if needed) plus its
    /// round trip, and each `SCAN`/`UNLINK` step of `destroy_all_for_all_users`. Default 2 s.
    pub timeout: Duration,
    /// Most connections kept open (each is multiplexed): up to this many threads keep one of
    /// their own (actix-web's workers), and further threads share a pool of this size.
    /// Default 16.
    pub pool_size: usize,
    /// `COUNT` hint of each `SCAN` step in `destroy_all_for_all_users`, and so the most keys
    /// one `UNLINK` removes. Default 1000.
    pub scan_count: usize,
    /// How often the event listener checks its connection with `PING`. Default 15 s.
    pub listener_ping_interval: Duration,
    /// Longest wait between two reconnection attempts of the event listener. Default 10 s.
    pub listener_max_backoff: Duration,
    /// PEM certificates to trust for `rediss` URLs instead of the system's roots (a private
    /// CA). Default: none, the system's and the web PKI's roots.
    pub tls_root_certificates: Option<Vec<u8>>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            timeout: Duration::from_secs(2),
            pool_size: 16,
            scan_count: 1000,
            listener_ping_interval: Duration::from_secs(15),
            listener_max_backoff: Duration::from_secs(10),
            tls_root_certificates: None,
        }
    }
}

/// A change announced on the invalidation channel `P` + `events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidationEvent {
    /// `user:U`: the user's row changed (password, email, roles, deleted); drop cached copies.
    UserChanged(UserId),
    /// `sessions:U`: sessions of the user were destroyed (informational).
    SessionsChanged(UserId),
}

impl InvalidationEvent {
    /// The message text on the channel (`user:7`, `sessions:7`).
    pub fn to_message(&self) -> String {
        match self {
            InvalidationEvent::UserChanged(user) => format!("user:{user}"),
            InvalidationEvent::SessionsChanged(user) => format!("sessions:{user}"),
        }
    }

    /// Parses a channel message. Only the exact forms of the layout are accepted (decimal user
    /// ID without sign or leading zeros); anything else is `None`.
    pub fn parse(message: &[u8]) -> Option<InvalidationEvent> {
        if let Some(id) = message.strip_prefix(b"user:") {
            parse_user_id(id).map(InvalidationEvent::UserChanged)
        } else if let Some(id) = message.strip_prefix(b"sessions:") {
            parse_user_id(id).map(InvalidationEvent::SessionsChanged)
        } else {
            None
        }
    }
}

/// What the event listener hands to its callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListenerEvent {
    /// The listener is subscribed: first after start, then after every reconnection.
    ///
    /// Pub/sub delivers at most once: messages published while the listener was not subscribed
    /// are lost, so a cache should drop everything it holds when this arrives.
    Subscribed,
    /// A message from the channel.
    Invalidation(InvalidationEvent),
}

/// A [`RedisStore`] that could not be set up.
///
/// Messages never contain the URL (it may hold a password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL is not one of the documented forms.
    #[error("invalid Redis URL: {0}")]
    Url(&'static str),
    /// The prefix contains `{` or `}`, which would break the Redis Cluster hash tag.
    #[error("Redis key prefix must not contain '{{' or '}}'")]
    Prefix,
    /// The Redis client rejected the connection settings.
    #[error("invalid Redis connection settings")]
    Client(#[source] RedisError),
    /// An option is out of range (a pool size, scan count or timeout of 0).
    #[error("invalid Redis option: {0}")]
    Options(&'static str),
    /// The connection pool could not be built.
    #[error("cannot build the Redis connection pool")]
    Pool(#[source] managed::BuildError),
}

/// Session tokens in Redis, per `docs/redis-layout.md`.
///
/// Cheap to share behind an `Arc`; all methods take `&self`.
pub struct RedisStore {
    prefix: String,
    options: RedisOptions,
    target: Arc<Target>,
    pool: Pool<Manager>,
    /// Connections created before the current generation are retired on their next checkout.
    generation: Arc<AtomicU64>,
    scripts: Scripts,
    /// Identifies this store's entries in the per-thread connection cache.
    id: u64,
    /// Threads holding a connection of this store (at most `pool_size`).
    thread_slots: Arc<AtomicUsize>,
}

impl RedisStore {
    /// A store for the Redis at `url` (see the module docs for the URL forms), with every key
    /// under `prefix`.
    ///
    /// Nothing is contacted yet: connections are made on first use, so a site can start while
    /// Redis is down and [`SessionStore::ping`] reports readiness.
    ///
    /// # Errors
    /// [`OpenError::Url`] for a malformed URL, [`OpenError::Prefix`] for a prefix with braces,
    /// [`OpenError::Client`] for settings the Redis client refuses, [`OpenError::Options`] for
    /// a pool size, scan count or timeout of 0.
    ///
    /// # Security
    /// The URL may carry a password: it is only exposed to the Redis client, and never appears
    /// in errors or logs. Use `rediss://` for anything but loopback.
    pub fn open(
        url: &SecretString,
        prefix: &str,
        options: RedisOptions,
    ) -> Result<RedisStore, OpenError> {
        if prefix.contains(['{', '}']) {
            return Err(OpenError::Prefix);
        }
        if options.pool_size == 0 {
            return Err(OpenError::Options("pool_size must be at least 1"));
        }
        if options.scan_count == 0 {
            return Err(OpenError::Options("scan_count must be at least 1"));
        }
        if options.timeout.is_zero() || options.listener_ping_interval.is_zero() {
            return Err(OpenError::Options("timeouts and intervals must be positive"));
        }
        let target = Arc::new(Target::parse(url.expose_secret(), &options)?);
        let generation = Arc::new(AtomicU64::new(0));
        let manager = Manager { target: Arc::clone(&target), generation: Arc::clone(&generation) };
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .build()
            .map_err(OpenError::Pool)?;
        Ok(RedisStore {
            prefix: prefix.to_owned(),
            options,
            target,
            pool,
            generation,
            scripts: Scripts::new(),
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            thread_slots: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// [`RedisStore::open`] with `redis_url`, `redis_prefix`, `store_timeout_ms` and
    /// `redis_pool_size` from the settings, other options at their defaults.
    ///
    /// # Errors
    /// As [`RedisStore::open`]; [`OpenError::Url`] when no `redis_url` is set.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<RedisStore, OpenError> {
        let url = settings.redis_url.as_ref().ok_or(OpenError::Url("redis_url is not set"))?;
        let options = RedisOptions {
            timeout: Duration::from_millis(settings.store_timeout_ms),
            pool_size: settings.redis_pool_size,
            ..RedisOptions::default()
        };
        RedisStore::open(url, &settings.redis_prefix, options)
    }

    /// The key prefix `P`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The invalidation channel, `P` + `events`.
    pub fn events_channel(&self) -> String {
        format!("{}events", self.prefix)
    }

    /// Announces `event` on the invalidation channel (`PUBLISH`).
    ///
    /// # Errors
    /// [`StoreError::Backend`] or [`StoreError::Timeout`] when Redis cannot be reached.
    pub async fn publish(&self, event: InvalidationEvent) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(self.events_channel()).arg(event.to_message());
        let _receivers: i64 = self.request(Request::Command(&cmd)).await?;
        Ok(())
    }

    /// Starts a background task that subscribes to the invalidation channel and calls
    /// `on_event` for each [`ListenerEvent`], in order.
    ///
    /// When the connection is lost (Redis restarted, network cut, detected by a `PING` every
    /// [`RedisOptions::listener_ping_interval`]), the task logs one line and reconnects with
    /// exponential backoff up to [`RedisOptions::listener_max_backoff`], then sends
    /// [`ListenerEvent::Subscribed`] again. Messages that are not events of the layout are
    /// ignored (logged at debug level). `on_event` runs on the listener task: keep it short.
    ///
    /// The task stops when the returned [`EventListener`] is dropped.
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub fn spawn_event_listener<F>(&self, on_event: F) -> EventListener
    where
        F: FnMut(ListenerEvent) + Send + 'static,
    {
        let listener = Listener {
            target: Arc::clone(&self.target),
            channel: self.events_channel(),
            timeout: self.options.timeout,
            ping_interval: self.options.listener_ping_interval,
            max_backoff: self.options.listener_max_backoff,
        };
        EventListener { task: tokio::spawn(listener.run(on_event)) }
    }
}

/// The running event listener of [`RedisStore::spawn_event_listener`]; dropping it stops the
/// task.
#[derive(Debug)]
pub struct EventListener {
    task: tokio::task::JoinHandle<()>,
}

impl EventListener {
    /// Stops the listener (same as dropping it).
    pub fn stop(self) {}
}

impl Drop for EventListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn get(
        &self,
        user: UserId,
        verifier: &Verifier,
        now: i64,
    ) -> Result<Option<Session>, StoreError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.record_key(user, verifier));
        let bytes: Option<Vec<u8>> = self.request(Request::Command(&cmd)).await?;
        let Some(bytes) = bytes else { return Ok(None) };
        let session = self.decode_record(user, verifier, &bytes)?;
        Ok(session.is_live(now).then_some(session))
    }

    async fn update(
        &self,
        user: UserId,
        verifier: &Verifier,
        session: &Session,
        now: i64,
    ) -> Result<(), StoreError> {
        // A record without a usable expiration is never live (is_still_valid): the script's
        // "already expired" branch removes whatever was stored under the verifier.
        let expiration = session.expiration().unwrap_or(now.saturating_sub(1));
        let mut call = self.scripts.update.prepare_invoke();
        call.key(self.index_key(user))
            .key(self.record_key(user, verifier))
            .arg(verifier.as_str())
            .arg(session.encode())
            .arg(expiration)
            .arg(now);
        let _: i64 = self.request(Request::Script(&call)).await?;
        Ok(())
    }

    async fn destroy(
        &self,
        user: UserId,
        verifier: &Verifier,
        _now: i64,
    ) -> Result<(), StoreError> {
        let mut call = self.scripts.destroy.prepare_invoke();
        call.key(self.index_key(user)).key(self.record_key(user, verifier)).arg(verifier.as_str());
        let _: i64 = self.request(Request::Script(&call)).await?;
        Ok(())
    }

    async fn destroy_others(
        &self,
        user: UserId,
        keep: &Verifier,
        now: i64,
    ) -> Result<(), StoreError> {
        // WP_Session_Tokens::destroy_others: keep the session only if it is live, else
        // destroy everything.
        if self.get(user, keep, now).await?.is_none() {
            return self.destroy_all(user, now).await;
        }
        let mut call = self.scripts.destroy_others.prepare_invoke();
        call.key(self.index_key(user)).arg(self.record_prefix(user)).arg(keep.as_str());
        let _: i64 = self.request(Request::Script(&call)).await?;
        Ok(())
    }

    async fn destroy_all(&self, user: UserId, _now: i64) -> Result<(), StoreError> {
        let mut call = self.scripts.destroy_all.prepare_invoke();
        call.key(self.index_key(user)).arg(self.record_prefix(user));
        let _destroyed: i64 = self.request(Request::Script(&call)).await?;
        Ok(())
    }

    async fn destroy_all_for_all_users(&self) -> Result<(), StoreError> {
        let pattern = format!("{}{{*}}:session*", glob_escape(&self.prefix));
        match self.target.as_ref() {
            Target::Cluster { .. } => {
                for (host, port) in self.cluster_primaries().await? {
                    let routing =
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                    self.unlink_matching(&pattern, Some(&routing)).await?;
                }
            }
            Target::Node(_) | Target::Sentinel(_) => self.unlink_matching(&pattern, None).await?,
        }
        Ok(())
    }

    async fn list(&self, user: UserId, now: i64) -> Result<Vec<(Verifier, Session)>, StoreError> {
        let mut call = self.scripts.list.prepare_invoke();
        call.key(self.index_key(user)).arg(self.record_prefix(user)).arg(now);
        let flat: Vec<Vec<u8>> = self.request(Request::Script(&call)).await?;
        let mut sessions = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks(2) {
            let [v, record] = pair else {
                return Err(self.corrupt_index(user, "odd reply from the list script"));
            };
            let verifier = std::str::from_utf8(v)
                .ok()
                .and_then(Verifier::parse)
                .ok_or_else(|| self.corrupt_index(user, "member is not a verifier"))?;
            let session = self.decode_record(user, &verifier, record)?;
            if session.is_live(now) {
                sessions.push((verifier, session));
            }
        }
        // The index is ordered by score; order by the records themselves in case a writer
        // let the two disagree.
        sessions.sort_by_key(|(_, s)| s.expiration());
        Ok(sessions)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let cmd = redis::cmd("PING");
        let _pong: Value = self.request(Request::Command(&cmd)).await?;
        Ok(())
    }

    async fn announce(&self, event: InvalidationEvent) -> Result<(), StoreError> {
        self.publish(event).await
    }

    fn attempt_counters(self: Arc<Self>) -> Option<Arc<dyn crate::login_limits::AttemptCounters>> {
        Some(self)
    }

    fn audit_sink(self: Arc<Self>) -> Option<Arc<dyn crate::audit::AuditSink>> {
        Some(self)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("topology", &self.target.kind())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Keys (the only place they are built)

impl RedisStore {
    /// `P{U}:`
    fn user_tag(&self, user: UserId) -> String {
        format!("{}{{{user}}}:", self.prefix)
    }

    /// `P{U}:sessions`
    fn index_key(&self, user: UserId) -> String {
        format!("{}sessions", self.user_tag(user))
    }

    /// `P{U}:session:`
    fn record_prefix(&self, user: UserId) -> String {
        format!("{}session:", self.user_tag(user))
    }

    /// `P{U}:session:V`
    fn record_key(&self, user: UserId, verifier: &Verifier) -> String {
        use std::fmt::Write as _;
        // Built in one buffer: this runs on every validation.
        let verifier = verifier.as_str();
        let mut key = String::with_capacity(self.prefix.len() + 32 + verifier.len());
        key.push_str(&self.prefix);
        let _ = write!(key, "{{{user}}}:session:");
        key.push_str(verifier);
        key
    }

    /// Whether a scanned key is one of this site's session keys (and so may be removed):
    /// `P{digits}:sessions` or `P{digits}:session:` and a colon-free rest, the same shape the
    /// PHP drop-in removes.
    fn is_session_key(&self, key: &[u8]) -> bool {
        let Some(rest) = key.strip_prefix(self.prefix.as_bytes()) else { return false };
        let Some(rest) = rest.strip_prefix(b"{") else { return false };
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (user, rest) = rest.split_at(digits);
        if user.is_empty() {
            return false;
        }
        match rest {
            b"}:sessions" => true,
            _ => rest
                .strip_prefix(b"}:session:")
                .is_some_and(|v| !v.is_empty() && !v.contains(&b':')),
        }
    }

    fn decode_record(
        &self,
        user: UserId,
        verifier: &Verifier,
        bytes: &[u8],
    ) -> Result<Session, StoreError> {
        Session::decode(bytes).map_err(|e| StoreError::Corrupt {
            // Never the verifier itself (it names a live session), nor the value.
            key: format!(
                "{}{}…",
                self.record_prefix(user),
                verifier.as_str().get(..8).unwrap_or_default()
            ),
            source: Box::new(e),
        })
    }

    fn corrupt_index(&self, user: UserId, why: &'static str) -> StoreError {
        StoreError::Corrupt { key: self.index_key(user), source: why.into() }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests: timeout, retry on a broken connection, error mapping

/// One round trip.
enum Request<'a> {
    Command(&'a redis::Cmd),
    Script(&'a redis::ScriptInvocation<'a>),
    /// A command sent to one node of a cluster.
    Routed(&'a redis::Cmd, &'a RoutingInfo),
}

/// Why an attempt failed.
enum Failure {
    Pool(PoolError<RedisError>),
    Redis(RedisError),
}

impl RedisStore {
    async fn request<T: FromRedisValue>(&self, request: Request<'_>) -> Result<T, StoreError> {
        let deadline = Instant::now() + self.options.timeout;
        let mut retried = false;
        loop {
            match timeout_at(deadline, self.attempt(&request)).await {
                Ok(Ok(value)) => return Ok(value),
                Err(_elapsed) => {
                    // The server or the path to it hangs: do not reuse these connections.
                    self.retire_connections();
                    return Err(StoreError::Timeout(self.options.timeout));
                }
                Ok(Err(Failure::Pool(e))) => return Err(self.pool_error(e)),
                Ok(Err(Failure::Redis(e))) => {
                    if !broken_connection(&e) {
                        return Err(self.redis_error(e));
                    }
                    self.retire_connections();
                    if retried {
                        return Err(self.redis_error(e));
                    }
                    tracing::debug!(error = %e, "Redis connection broke; retrying once");
                    retried = true;
                }
            }
        }
    }

    async fn attempt<T: FromRedisValue>(&self, request: &Request<'_>) -> Result<T, Failure> {
        if let Some(mut raw) = self.current_thread_connection() {
            return run(&mut raw, request).await.map_err(Failure::Redis);
        }
        // Connecting (or waiting for the pool) builds futures of several KB: boxed, so that
        // the common case above does not carry and copy them (docs/performance.md).
        Box::pin(self.attempt_connecting(request)).await
    }

    /// This thread's connection when it has a current one.
    fn current_thread_connection(&self) -> Option<RawConnection> {
        let generation = self.generation.load(Ordering::Acquire);
        THREAD_CONNECTIONS.with_borrow(|conns| {
            conns
                .iter()
                .find(|c| c.store == self.id && c.generation == generation)
                .map(|c| c.raw.clone())
        })
    }

    /// [`RedisStore::attempt`] when this thread has no current connection yet.
    async fn attempt_connecting<T: FromRedisValue>(
        &self,
        request: &Request<'_>,
    ) -> Result<T, Failure> {
        if let Some(mut raw) = self.thread_connection().await? {
            return run(&mut raw, request).await.map_err(Failure::Redis);
        }
        let mut conn = self.pool.get().await.map_err(Failure::Pool)?;
        run(&mut conn.raw, request).await.map_err(Failure::Redis)
    }

    /// This thread's connection to the store, made on first use. actix-web runs one
    /// single-threaded runtime per worker, and a multiplexed connection's driver task lives on
    /// the runtime that made it: a connection shared by the workers makes every command hop
    /// between threads. At most `pool_size` threads get one; further threads share the pool.
    async fn thread_connection(&self) -> Result<Option<RawConnection>, Failure> {
        let generation = self.generation.load(Ordering::Acquire);
        let cached = THREAD_CONNECTIONS.with_borrow(|conns| {
            conns.iter().find(|c| c.store == self.id).map(|c| (c.generation, c.raw.clone()))
        });
        match cached {
            Some((g, raw)) if g == generation => return Ok(Some(raw)),
            // Retired after a failure: replaced below (the old entry's slot is given back then).
            Some(_) => {
                self.thread_slots.fetch_add(1, Ordering::AcqRel);
            }
            None => {
                let claimed =
                    self.thread_slots.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < self.options.pool_size).then_some(n + 1)
                    });
                if claimed.is_err() {
                    return Ok(None);
                }
            }
        }
        let slot = ThreadSlot(Arc::clone(&self.thread_slots));
        let config =
            AsyncConnectionConfig::new().set_connection_timeout(None).set_response_timeout(None);
        let raw = self.target.connect(&config).await.map_err(Failure::Redis)?;
        THREAD_CONNECTIONS.with_borrow_mut(|conns| {
            // Dropping a replaced entry gives its slot back; the new entry keeps this one.
            conns.retain(|c| c.store != self.id);
            conns.push(ThreadConnection {
                store: self.id,
                generation,
                raw: raw.clone(),
                _slot: slot,
            });
        });
        Ok(Some(raw))
    }

    fn retire_connections(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn pool_error(&self, e: PoolError<RedisError>) -> StoreError {
        match e {
            PoolError::Timeout(_) => StoreError::Timeout(self.options.timeout),
            PoolError::Backend(e) => self.redis_error(e),
            other => StoreError::backend(PoolFailure(other.to_string())),
        }
    }

    fn redis_error(&self, e: RedisError) -> StoreError {
        if e.is_timeout() {
            StoreError::Timeout(self.options.timeout)
        } else {
            StoreError::backend(e)
        }
    }

    /// Runs `SCAN … MATCH pattern` to the end (on one cluster node when `routing` is given),
    /// removing our session keys page by page.
    async fn unlink_matching(
        &self,
        pattern: &str,
        routing: Option<&RoutingInfo>,
    ) -> Result<(), StoreError> {
        let mut cursor: u64 = 0;
        let mut removed: u64 = 0;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(self.options.scan_count);
            let request = match routing {
                Some(routing) => Request::Routed(&scan, routing),
                None => Request::Command(&scan),
            };
            let (next, keys): (u64, Vec<Vec<u8>>) = self.request(request).await?;
            // MATCH is only a glob: keep exactly the two key shapes of the layout.
            let ours: Vec<Vec<u8>> = keys.into_iter().filter(|k| self.is_session_key(k)).collect();
            for batch in ours.chunks(self.options.scan_count) {
                let mut unlink = redis::cmd("UNLINK");
                unlink.arg(batch);
                // On a cluster the client splits a multi-slot UNLINK per slot.
                let n: u64 = self.request(Request::Command(&unlink)).await?;
                removed = removed.saturating_add(n);
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        tracing::info!(prefix = %self.prefix, removed, "destroyed all sessions of all users");
        Ok(())
    }

    /// The primaries of the cluster, as `CLUSTER SLOTS` names them (the addresses the cluster
    /// client routes by).
    async fn cluster_primaries(&self) -> Result<Vec<(String, u16)>, StoreError> {
        let cmd = redis::cmd("CLUSTER").arg("SLOTS").to_owned();
        let slots: Value = self.request(Request::Command(&cmd)).await?;
        let mut primaries: Vec<(String, u16)> = Vec::new();
        let Value::Array(ranges) = slots else {
            return Err(StoreError::backend(PoolFailure("unexpected CLUSTER SLOTS reply".into())));
        };
        for range in ranges {
            let Value::Array(parts) = range else { continue };
            let Some(Value::Array(node)) = parts.get(2) else { continue };
            let host = match node.first() {
                Some(Value::BulkString(h)) => String::from_utf8_lossy(h).into_owned(),
                Some(Value::SimpleString(h)) => h.clone(),
                _ => continue,
            };
            let Some(Value::Int(port)) = node.get(1) else { continue };
            let Ok(port) = u16::try_from(*port) else { continue };
            if !host.is_empty() && !primaries.iter().any(|(h, p)| *h == host && *p == port) {
                primaries.push((host, port));
            }
        }
        if primaries.is_empty() {
            return Err(StoreError::backend(PoolFailure("cluster reports no primaries".into())));
        }
        Ok(primaries)
    }
}

/// Errors after which a connection must not be reused.
/// Sends one request on `raw`.
async fn run<T: FromRedisValue>(raw: &mut RawConnection, request: &Request<'_>) -> RedisResult<T> {
    match request {
        Request::Command(cmd) => cmd.query_async(raw).await,
        // Boxed on their own: a script's or a routed command's future is over a kilobyte, and
        // inline it made every `GET`'s future as big. `async_trait` boxes that future on each
        // call, and a block over glibc's per-thread cache size took malloc's slow path
        // (`_int_malloc`, `malloc_consolidate`) on every validation (docs/performance.md).
        Request::Script(call) => Box::pin(call.invoke_async(raw)).await,
        Request::Routed(cmd, routing) => Box::pin(run_routed(raw, cmd, routing)).await,
    }
}

/// A command sent to one node of a cluster (or to the one server).
async fn run_routed<T: FromRedisValue>(
    raw: &mut RawConnection,
    cmd: &redis::Cmd,
    routing: &RoutingInfo,
) -> RedisResult<T> {
    match raw {
        RawConnection::Cluster(cluster) => {
            match cluster.route_command(cmd.clone(), routing.clone()).await {
                Ok(value) => T::from_redis_value(value).map_err(RedisError::from),
                Err(e) => Err(e),
            }
        }
        RawConnection::Node(node) => cmd.query_async(node).await,
    }
}

thread_local! {
    /// Each store's connection on this thread ([`RedisStore::thread_connection`]).
    static THREAD_CONNECTIONS: RefCell<Vec<ThreadConnection>> = const { RefCell::new(Vec::new()) };
}

/// Tells stores apart in [`THREAD_CONNECTIONS`].
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A store's connection kept by one thread.
struct ThreadConnection {
    store: u64,
    generation: u64,
    raw: RawConnection,
    /// Held for as long as the connection is kept (given back when the thread ends).
    _slot: ThreadSlot,
}

/// One of a store's `pool_size` thread-connection slots, given back on drop.
struct ThreadSlot(Arc<AtomicUsize>);

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn broken_connection(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
        || e.is_timeout()
        // A Sentinel fail-over demoted the server this connection talks to.
        || matches!(e.code(), Some("READONLY" | "MASTERDOWN" | "LOADING"))
}

/// A pool failure with no Redis error inside (closed pool, hook failure).
#[derive(Debug, thiserror::Error)]
#[error("Redis connection pool: {0}")]
struct PoolFailure(String);

// ---------------------------------------------------------------------------------------------
// Topologies and the pool

/// Where the Redis servers are: one node, a Sentinel-managed primary, or a cluster.
enum Target {
    Node(Client),
    Sentinel(AsyncMutex<SentinelClient>),
    Cluster {
        client: ClusterClient,
        /// The seed nodes, for the event listener's plain pub/sub connection.
        seeds: Vec<ConnectionInfo>,
        certificates: Option<TlsCertificates>,
    },
}

impl Target {
    fn parse(url: &str, options: &RedisOptions) -> Result<Target, OpenError> {
        let (scheme, rest) = url.split_once("://").ok_or(OpenError::Url("no scheme"))?;
        let certificates = options
            .tls_root_certificates
            .as_ref()
            .map(|pem| TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) });
        if certificates.is_some() && !scheme.starts_with("rediss") && scheme != "valkeys" {
            return Err(OpenError::Options("tls_root_certificates needs a rediss URL"));
        }
        let (tls, topology) = match scheme {
            "redis" | "rediss" | "redis+unix" | "unix" | "valkey" | "valkeys" => {
                let client = client(url, certificates.as_ref()).map_err(OpenError::Client)?;
                return Ok(Target::Node(client));
            }
            "redis+sentinel" => (false, "sentinel"),
            "rediss+sentinel" => (true, "sentinel"),
            "redis+cluster" => (false, "cluster"),
            "rediss+cluster" => (true, "cluster"),
            _ => return Err(OpenError::Url("unknown scheme")),
        };
        let multi = MultiHostUrl::split(rest)?;
        let base = if tls { "rediss" } else { "redis" };
        if topology == "cluster" {
            if !matches!(multi.path, "" | "/" | "/0") {
                return Err(OpenError::Url("a cluster has only database 0"));
            }
            if multi.query.is_some() {
                return Err(OpenError::Url("unknown query parameter"));
            }
            let seeds = multi
                .hosts
                .iter()
                .map(|host| node_info(base, multi.userinfo, host, 6379))
                .collect::<Result<Vec<_>, _>>()?;
            let mut builder = ClusterClientBuilder::new(seeds.clone())
                .connection_timeout(options.timeout)
                .response_timeout(options.timeout);
            if let Some(certificates) = &certificates {
                builder = builder.certs(certificates.clone());
            }
            let client = builder.build().map_err(OpenError::Client)?;
            return Ok(Target::Cluster { client, seeds, certificates });
        }

        let mut path = multi.path.trim_start_matches('/').splitn(2, '/');
        let service = path
            .next()
            .filter(|s| !s.is_empty())
            .ok_or(OpenError::Url("the sentinel URL needs the service name as its path"))?;
        let db: i64 = match path.next().filter(|s| !s.is_empty()) {
            Some(db) => db.parse().map_err(|_| OpenError::Url("database is not a number"))?,
            None => 0,
        };
        let mut sentinel_user = None;
        let mut sentinel_pass = None;
        for pair in multi.query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sentinel_username", v)) => sentinel_user = Some(v),
                Some(("sentinel_password", v)) => sentinel_pass = Some(v),
                _ => return Err(OpenError::Url("unknown query parameter")),
            }
        }
        let sentinel_userinfo = match (sentinel_user, sentinel_pass) {
            (None, None) => None,
            (user, pass) => {
                Some(format!("{}:{}", user.unwrap_or_default(), pass.unwrap_or_default()))
            }
        };
        let sentinels = multi
            .hosts
            .iter()
            .map(|host| node_info(base, sentinel_userinfo.as_deref(), host, 26379))
            .collect::<Result<Vec<_>, _>>()?;
        // The servers' credentials come from the URL's user info, parsed like any Redis URL.
        let server = match multi.hosts.first() {
            Some(host) => node_info(base, multi.userinfo, host, 26379)?,
            None => return Err(OpenError::Url("no host")),
        };
        let mut builder = SentinelClientBuilder::new(
            sentinels.iter().map(|s| s.addr().clone()),
            service,
            SentinelServerType::Master,
        )
        .map_err(OpenError::Client)?
        .set_client_to_redis_db(db);
        if let Some(user) = server.redis_settings().username() {
            builder = builder.set_client_to_redis_username(user);
        }
        if let Some(pass) = server.redis_settings().password() {
            builder = builder.set_client_to_redis_password(pass);
        }
        if let Some(sentinel) = sentinels.first() {
            if let Some(user) = sentinel.redis_settings().username() {
                builder = builder.set_client_to_sentinel_username(user);
            }
            if let Some(pass) = sentinel.redis_settings().password() {
                builder = builder.set_client_to_sentinel_password(pass);
            }
        }
        if tls {
            builder = builder
                .set_client_to_redis_tls_mode(TlsMode::Secure)
                .set_client_to_sentinel_tls_mode(TlsMode::Secure);
        }
        if let Some(certificates) = certificates {
            builder = builder
                .set_client_to_redis_certificates(certificates.clone())
                .set_client_to_sentinel_certificates(certificates);
        }
        let client = builder.build().map_err(OpenError::Client)?;
        Ok(Target::Sentinel(AsyncMutex::new(client)))
    }

    fn kind(&self) -> &'static str {
        match self {
            Target::Node(_) => "single",
            Target::Sentinel(_) => "sentinel",
            Target::Cluster { .. } => "cluster",
        }
    }

    async fn connect(&self, config: &AsyncConnectionConfig) -> RedisResult<RawConnection> {
        Ok(match self {
            Target::Node(client) => RawConnection::Node(
                client.get_multiplexed_async_connection_with_config(config).await?,
            ),
            Target::Sentinel(sentinel) => RawConnection::Node(
                // Asks the sentinels for the current primary on every new connection.
                sentinel.lock().await.get_async_connection_with_config(config).await?,
            ),
            Target::Cluster { client, .. } => {
                RawConnection::Cluster(client.get_async_connection().await?)
            }
        })
    }

    /// A dedicated pub/sub connection; `attempt` rotates through a cluster's seed nodes.
    async fn pubsub(&self, attempt: u32) -> RedisResult<PubSub> {
        match self {
            Target::Node(client) => client.get_async_pubsub().await,
            Target::Sentinel(sentinel) => {
                let primary = sentinel.lock().await.async_get_client().await?;
                primary.get_async_pubsub().await
            }
            Target::Cluster { seeds, certificates, .. } => {
                // Classic pub/sub is cluster-wide: any node will do.
                let index = usize::try_from(attempt).unwrap_or_default() % seeds.len().max(1);
                let seed = seeds.get(index).cloned().ok_or_else(|| {
                    RedisError::from((redis::ErrorKind::InvalidClientConfig, "no seed nodes"))
                })?;
                client(seed, certificates.as_ref())?.get_async_pubsub().await
            }
        }
    }
}

/// `[userinfo@]host[,host…][/path][?query]` of the multi-host URL forms.
struct MultiHostUrl<'a> {
    userinfo: Option<&'a str>,
    hosts: Vec<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> MultiHostUrl<'a> {
    fn split(rest: &'a str) -> Result<MultiHostUrl<'a>, OpenError> {
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let hosts: Vec<&str> = hosts.split(',').collect();
        if hosts.iter().any(|h| h.is_empty()) {
            return Err(OpenError::Url("empty host"));
        }
        Ok(MultiHostUrl { userinfo, hosts, path, query })
    }
}

/// The connection info of one node, parsed as `base://[userinfo@]host[:default_port]`.
fn node_info(
    base: &str,
    userinfo: Option<&str>,
    host: &str,
    default_port: u16,
) -> Result<ConnectionInfo, OpenError> {
    let has_port = host.rsplit_once(':').is_some_and(|(h, p)| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty()
    });
    let host =
        if has_port { Cow::Borrowed(host) } else { Cow::Owned(format!("{host}:{default_port}")) };
    let url = match userinfo {
        Some(userinfo) => format!("{base}://{userinfo}@{host}/"),
        None => format!("{base}://{host}/"),
    };
    url.as_str().into_connection_info().map_err(OpenError::Client)
}

/// A client for one server, trusting `certificates` when given.
fn client(
    info: impl IntoConnectionInfo,
    certificates: Option<&TlsCertificates>,
) -> RedisResult<Client> {
    match certificates {
        Some(certificates) => Client::build_with_tls(info, certificates.clone()),
        None => Client::open(info),
    }
}

/// A connection of either kind, usable by commands and scripts alike.
#[derive(Clone)]
enum RawConnection {
    Node(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RawConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        match self {
            RawConnection::Node(c) => c.req_packed_command(cmd),
            RawConnection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        match self {
            RawConnection::Node(c) => c.req_packed_commands(cmd, offset, count),
            RawConnection::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RawConnection::Node(c) => c.get_db(),
            RawConnection::Cluster(c) => c.get_db(),
        }
    }
}

/// A pooled connection and the generation it was created in.
struct PooledConnection {
    raw: RawConnection,
    generation: u64,
}

/// Creates connections for the pool; recycling costs no round trip (see the module docs).
struct Manager {
    target: Arc<Target>,
    generation: Arc<AtomicU64>,
}

impl managed::Manager for Manager {
    type Type = PooledConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<PooledConnection, RedisError> {
        let generation = self.generation.load(Ordering::Acquire);
        // The pool's create timeout bounds connecting; requests are bounded by the store.
        let config =
            AsyncConnectionConfig::new().set_connection_timeout(None).set_response_timeout(None);
        let raw = self.target.connect(&config).await?;
        Ok(PooledConnection { raw, generation })
    }

    async fn recycle(&self, conn: &mut PooledConnection, _: &Metrics) -> RecycleResult<RedisError> {
        if conn.generation == self.generation.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(RecycleError::message("connection retired after a connection failure"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The event listener

struct Listener {
    target: Arc<Target>,
    channel: String,
    timeout: Duration,
    ping_interval: Duration,
    max_backoff: Duration,
}

impl Listener {
    async fn run(self, mut on_event: impl FnMut(ListenerEvent) + Send) {
        let mut failures: u32 = 0;
        loop {
            let error = self.subscribe_and_pump(&mut on_event, &mut failures).await;
            failures = failures.saturating_add(1);
            let delay = backoff(failures, self.max_backoff);
            tracing::warn!(
                channel = %self.channel,
                attempt = failures,
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "Redis event listener lost its connection; reconnecting",
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Subscribes and delivers messages until the connection fails; returns why.
    async fn subscribe_and_pump(
        &self,
        on_event: &mut (impl FnMut(ListenerEvent) + Send),
        failures: &mut u32,
    ) -> ListenerFailure {
        let connected = timeout(self.timeout, async {
            let mut pubsub = self.target.pubsub(*failures).await?;
            pubsub.subscribe(&self.channel).await?;
            RedisResult::Ok(pubsub)
        })
        .await;
        let pubsub = match connected {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(e)) => return ListenerFailure::Redis(e),
            Err(_) => return ListenerFailure::Timeout,
        };
        if *failures > 0 {
            tracing::info!(channel = %self.channel, "Redis event listener subscribed again");
        } else {
            tracing::debug!(channel = %self.channel, "Redis event listener subscribed");
        }
        *failures = 0;
        on_event(ListenerEvent::Subscribed);

        let (mut sink, mut stream) = pubsub.split();
        let mut ticker = tokio::time::interval(self.ping_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else { return ListenerFailure::Closed };
                    self.deliver(message.get_payload_bytes(), on_event);
                }
                _ = ticker.tick() => {
                    match timeout(self.timeout, sink.ping::<Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return ListenerFailure::Redis(e),
                        Err(_) => return ListenerFailure::Timeout,
                    }
                }
            }
        }
    }

    fn deliver(&self, payload: &[u8], on_event: &mut impl FnMut(ListenerEvent)) {
        match InvalidationEvent::parse(payload) {
            Some(event) => on_event(ListenerEvent::Invalidation(event)),
            None => tracing::debug!(
                channel = %self.channel,
                message = %payload.get(..64).unwrap_or(payload).escape_ascii(),
                "ignoring unknown message on the invalidation channel",
            ),
        }
    }
}

/// Why the listener's connection ended.
#[derive(Debug, thiserror::Error)]
enum ListenerFailure {
    #[error("{0}")]
    Redis(RedisError),
    #[error("no answer in time")]
    Timeout,
    #[error("connection closed")]
    Closed,
}

/// 100 ms doubling per failure up to `max`, with jitter (half to all of it) so that many
/// processes do not reconnect in step after a Redis restart.
fn backoff(failures: u32, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let full = Duration::from_millis(100).saturating_mul(1 << exponent).min(max);
    full.mul_f64(rand::random_range(0.5..=1.0))
}

// ---------------------------------------------------------------------------------------------
// The scripts, verbatim from docs/redis-layout.md (a unit test keeps them in sync)

struct Scripts {
    update: Script,
    destroy: Script,
    destroy_others: Script,
    destroy_all: Script,
    list: Script,
    login_fail: Script,
    login_status: Script,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            login_fail: Script::new(LOGIN_FAIL),
            login_status: Script::new(LOGIN_STATUS),
            update: Script::new(UPDATE),
            destroy: Script::new(DESTROY),
            destroy_others: Script::new(DESTROY_OTHERS),
            destroy_all: Script::new(DESTROY_ALL),
            list: Script::new(LIST),
        }
    }
}

const UPDATE: &str = r#"-- update: KEYS[1] = P{U}:sessions, KEYS[2] = P{U}:session:V
-- ARGV[1] = V, ARGV[2] = record bytes, ARGV[3] = expiration, ARGV[4] = now
local exp = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if exp < now then
  -- WordPress stores an already-expired session invisibly; here it is simply not kept.
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[2], ARGV[2], 'EXAT', exp + 1)
  redis.call('ZADD', KEYS[1], exp, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('EXPIREAT', KEYS[1], tonumber(last[2]) + 1)
else
  redis.call('DEL', KEYS[1])
end
return 1
"#;

const DESTROY: &str = r#"-- destroy: KEYS[1] = P{U}:sessions, KEYS[2] = P{U}:session:V ; ARGV[1] = V
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
"#;

const DESTROY_OTHERS: &str = r#"-- destroy_others: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:", ARGV[2] = V to keep
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, v in ipairs(members) do
  if v ~= ARGV[2] then
    redis.call('DEL', ARGV[1] .. v)
    redis.call('ZREM', KEYS[1], v)
  end
end
return 1
"#;

const DESTROY_ALL: &str = r#"-- destroy_all: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:"
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, v in ipairs(members) do redis.call('DEL', ARGV[1] .. v) end
redis.call('DEL', KEYS[1])
return #members
"#;

const LIST: &str = r#"-- list: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:", ARGV[2] = now
local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')
local out = {}
for _, v in ipairs(members) do
  local rec = redis.call('GET', ARGV[1] .. v)
  if rec then table.insert(out, v); table.insert(out, rec) end
end
return out
"#;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A user ID as the layout writes it: decimal, no sign, no leading zeros.
fn parse_user_id(digits: &[u8]) -> Option<UserId> {
    match digits {
        [] => None,
        [b'0', _, ..] => None,
        _ if digits.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(digits).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// Escapes the glob metacharacters of `SCAN … MATCH` so a prefix matches only itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Beyond sessions: login failure counters, the audit stream, announcements

impl RedisStore {
    /// `P` + `login-fail:` + `key` (`ip:…`, `user:…`): one key, one slot.
    fn login_key(&self, key: &str) -> String {
        format!("{}login-fail:{key}", self.prefix)
    }
}

#[async_trait]
impl crate::login_limits::AttemptCounters for RedisStore {
    async fn status(&self, key: &str) -> Result<crate::login_limits::Counter, StoreError> {
        let mut call = self.scripts.login_status.prepare_invoke();
        call.key(self.login_key(key));
        let (failures, ttl): (u64, i64) = self.request(Request::Script(&call)).await?;
        Ok(crate::login_limits::Counter { failures, ttl: u64::try_from(ttl).unwrap_or(0) })
    }

    async fn fail(
        &self,
        key: &str,
        window: u64,
        threshold: u64,
        ban: u64,
    ) -> Result<crate::login_limits::Counter, StoreError> {
        let mut call = self.scripts.login_fail.prepare_invoke();
        call.key(self.login_key(key)).arg(window).arg(threshold).arg(ban);
        let (failures, ttl): (u64, i64) = self.request(Request::Script(&call)).await?;
        Ok(crate::login_limits::Counter { failures, ttl: u64::try_from(ttl).unwrap_or(0) })
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.login_key(key));
        let _: i64 = self.request(Request::Command(&cmd)).await?;
        Ok(())
    }
}

#[async_trait]
impl crate::audit::AuditSink for RedisStore {
    async fn append_audit(
        &self,
        stream: &str,
        maxlen: u64,
        fields: &[(&'static str, String)],
    ) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(format!("{}{stream}", self.prefix)).arg("MAXLEN").arg("~").arg(maxlen).arg("*");
        for (name, value) in fields {
            cmd.arg(*name).arg(value);
        }
        let _id: Value = self.request(Request::Command(&cmd)).await?;
        Ok(())
    }
}

/// login_fail: KEYS[1] = counter ; ARGV = window, threshold, ban (seconds).
const LOGIN_FAIL: &str = r#"local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {n, redis.call('TTL', KEYS[1])}
"#;

/// login_status: KEYS[1] = counter.
const LOGIN_STATUS: &str = r#"local n = redis.call('GET', KEYS[1])
if not n then return {0, 0} end
return {tonumber(n), redis.call('TTL', KEYS[1])}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn store(prefix: &str) -> RedisStore {
        RedisStore::open(
            &SecretString::from("redis://127.0.0.1:1"),
            prefix,
            RedisOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn scripts_are_the_ones_of_the_layout_document() {
        let doc = include_str!("../../docs/redis-layout.md");
        for script in [UPDATE, DESTROY, DESTROY_OTHERS, DESTROY_ALL, LIST] {
            assert!(doc.contains(&format!("```lua\n{script}```")), "not in the doc:\n{script}");
        }
    }

    #[test]
    fn keys_follow_the_layout() {
        let s = store("wpgate:");
        let v = Verifier::of("token");
        assert_eq!(s.index_key(7), "wpgate:{7}:sessions");
        assert_eq!(s.record_key(7, &v), format!("wpgate:{{7}}:session:{v}"));
        assert_eq!(s.record_prefix(7), "wpgate:{7}:session:");
        assert_eq!(s.events_channel(), "wpgate:events");
    }

    #[test]
    fn only_exact_session_keys_are_ours() {
        let s = store("p:");
        let v = Verifier::of("t");
        assert!(s.is_session_key(b"p:{7}:sessions"));
        assert!(s.is_session_key(format!("p:{{12}}:session:{v}").as_bytes()));
        assert!(s.is_session_key(b"p:{7}:session:abc"));
        assert!(!s.is_session_key(b"p:{7}:sessionsx"));
        assert!(!s.is_session_key(b"p:{7}:session:"));
        assert!(!s.is_session_key(b"p:{7}:session:a:b"));
        assert!(!s.is_session_key(b"p:{x}:sessions"));
        assert!(!s.is_session_key(b"p:{}:sessions"));
        assert!(!s.is_session_key(b"q:{7}:sessions"));
        assert!(!s.is_session_key(b"p:x:{7}:sessions"));
    }

    #[test]
    fn prefix_with_braces_is_refused() {
        let err = RedisStore::open(
            &SecretString::from("redis://127.0.0.1"),
            "a{b}:",
            RedisOptions::default(),
        );
        assert!(matches!(err, Err(OpenError::Prefix)));
    }

    #[test]
    fn events_parse_and_print() {
        assert_eq!(InvalidationEvent::parse(b"user:7"), Some(InvalidationEvent::UserChanged(7)));
        assert_eq!(
            InvalidationEvent::parse(b"sessions:12"),
            Some(InvalidationEvent::SessionsChanged(12))
        );
        for bad in [&b"user:"[..], b"user:07", b"user:-1", b"user:7 ", b"users:7", b"", b"user:x"] {
            assert_eq!(InvalidationEvent::parse(bad), None, "{:?}", bad.escape_ascii());
        }
        assert_eq!(InvalidationEvent::UserChanged(0).to_message(), "user:0");
        assert_eq!(InvalidationEvent::parse(b"user:0"), Some(InvalidationEvent::UserChanged(0)));
        assert_eq!(InvalidationEvent::SessionsChanged(3).to_message(), "sessions:3");
    }

    #[test]
    fn glob_metacharacters_in_the_prefix_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }

    #[test]
    fn url_forms_select_the_topology() {
        let o = RedisOptions::default();
        let kind = |url: &str| Target::parse(url, &o).map(|t| t.kind());
        assert_eq!(kind("redis://u:p@127.0.0.1:6379/2").unwrap(), "single");
        assert_eq!(kind("rediss://example.com").unwrap(), "single");
        assert_eq!(kind("redis+sentinel://h1,h2:26380/mymaster/1").unwrap(), "sentinel");
        assert_eq!(
            kind("rediss+sentinel://u:p@[::1]:26379/svc?sentinel_password=x").unwrap(),
            "sentinel"
        );
        assert_eq!(kind("redis+cluster://a:7000,b:7001").unwrap(), "cluster");
        assert!(matches!(kind("redis+sentinel://h1"), Err(OpenError::Url(_))));
        assert!(matches!(kind("redis+cluster://a:7000/3"), Err(OpenError::Url(_))));
        assert!(matches!(kind("redis+cluster://a,,b"), Err(OpenError::Url(_))));
        assert!(matches!(kind("http://x"), Err(OpenError::Url(_))));
        assert!(matches!(kind("127.0.0.1:6379"), Err(OpenError::Url(_))));
    }

    #[test]
    fn errors_and_debug_never_show_the_password() {
        let o = RedisOptions::default();
        for url in [
            "redis://u:hunter2@127.0.0.1:notaport/",
            "redis://u:hunter2@127.0.0.1/notadb",
            "redis+sentinel://u:hunter2@h/svc/notadb",
            "redis+cluster://u:hunter2@a:1/5",
            "nope://u:hunter2@h",
        ] {
            let err = Target::parse(url, &o).err().unwrap();
            let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let store = RedisStore::open(
            &SecretString::from("redis://u:hunter2@127.0.0.1:1/"),
            "p:",
            RedisOptions::default(),
        )
        .unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let max = Duration::from_secs(10);
        assert!(backoff(1, max) <= Duration::from_millis(100));
        assert!(backoff(1, max) >= Duration::from_millis(50));
        assert!(backoff(30, max) <= max);
        assert!(backoff(30, max) >= max / 2);
    }
}
