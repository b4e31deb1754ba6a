//! `wpgate php-sessions import` and `verify`: PHP file sessions
//! (`session.save_handler = files`) into Redis, in the layout phpredis reads.
//!
//! The algorithm (spec §7.5): every `sess_<id>` file below the base directory (PHP's
//! `N;MODE;/path` layouts put it `N` directory levels down, one level per leading character of
//! the id) whose id passes `php_session_valid_key` is a candidate; one whose mtime is older
//! than `gc_maxlifetime` is expired (PHP's GC would delete it); the rest are read under a
//! shared `flock` (PHP writes under an exclusive one), checked with the session decoder of
//! `session.serialize_handler` (PHP would destroy what it cannot decode), and written
//! verbatim with `SET <prefix><id> <bytes> EX <gc_maxlifetime − age> NX` in pipelined
//! batches, so a session live traffic already recreated in Redis wins. 0-byte files are
//! empty sessions and are imported as empty values, as phpredis itself writes them.
//!
//! `verify` reads the same files and compares them with Redis byte for byte.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use redis::Value;
use wpgate_core::php_session::{Handler, Session, is_valid_key};

use super::backend::Backend;
use super::settings::{DEFAULT_PREFIX, SavePath};

/// `wpgate php-sessions import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The session directory (the path part of `session.save_path`).
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Target Redis: `redis://host:port/db` or a phpredis save path
    /// (`tcp://host:port?database=N&prefix=…&auth=…`, weighted pools included).
    #[arg(long, env = "WPGATE_PHP_SESSION_SAVE_PATH")]
    pub to: String,
    /// PHP's `session.save_path` for the files (`N;MODE;/path`): the depth of the layout, and
    /// the directory when `--from` is absent.
    #[arg(long)]
    pub save_path: Option<String>,
    /// Key prefix for `redis://` targets (phpredis's default).
    #[arg(long, default_value = DEFAULT_PREFIX)]
    pub prefix: String,
    /// `session.gc_maxlifetime` of the PHP that wrote the files.
    #[arg(long, default_value_t = 1440)]
    pub gc_maxlifetime: i64,
    /// `session.serialize_handler` of the PHP that wrote the files.
    #[arg(long, default_value = "php")]
    pub serialize_handler: String,
    /// Sessions per pipelined batch.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Read and check everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Current time (Unix seconds) instead of the clock; for tests.
    #[arg(long, hide = true)]
    pub now: Option<i64>,
}

/// `wpgate php-sessions verify`: the same inputs as import.
pub type VerifyArgs = ImportArgs;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// `sess_<id>` files with a valid id that were looked at.
    pub scanned: u64,
    /// Written to Redis (or, with `--dry-run`, that would be).
    pub imported: u64,
    /// Of those, empty (0-byte) sessions.
    pub empty: u64,
    /// Not written because the key already existed in Redis (live traffic wins).
    pub already_in_redis: u64,
    /// Older than `gc_maxlifetime`: PHP's GC would delete them.
    pub skipped_expired: u64,
    /// Files that are not PHP session files (other names, invalid ids, misplaced).
    pub ignored: u64,
    /// Not imported because they cannot be read or decoded, by reason.
    pub rejected: BTreeMap<String, u64>,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySummary {
    /// Live, decodable session files compared.
    pub compared: u64,
    /// Redis holds the same bytes.
    pub equal: u64,
    /// No key in Redis.
    pub missing: u64,
    /// Redis holds other bytes (e.g. live traffic wrote a newer version).
    pub different: u64,
    /// Expired files, not compared.
    pub skipped_expired: u64,
    /// Unreadable or undecodable files, not compared.
    pub rejected: u64,
}

impl Summary {
    /// Total rejected files.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Imported sessions per second.
    pub fn rate(&self) -> f64 {
        self.imported as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl VerifySummary {
    /// Whether every compared session is in Redis unchanged.
    pub fn agrees(&self) -> bool {
        self.missing == 0 && self.different == 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "would import" } else { "imported" };
        writeln!(
            f,
            "{} scanned, {verb} {} ({} empty), already in Redis {}, skipped as expired {}, rejected {}, ignored {} in {:.2?} ({:.0}/s)",
            self.scanned,
            self.imported,
            self.empty,
            self.already_in_redis,
            self.skipped_expired,
            self.rejected_total(),
            self.ignored,
            self.elapsed,
            self.rate()
        )?;
        for (reason, n) in &self.rejected {
            writeln!(f, "  rejected {n}: {reason}")?;
        }
        Ok(())
    }
}

impl fmt::Display for VerifySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} compared: {} equal, {} missing, {} different; {} expired and {} rejected not compared",
            self.compared,
            self.equal,
            self.missing,
            self.different,
            self.skipped_expired,
            self.rejected
        )
    }
}

/// Runs an import (blocking; builds its own Tokio runtime).
///
/// # Errors
/// Bad arguments, an unreadable directory, Redis failures (with what was done so far logged).
pub fn run_import(args: ImportArgs) -> Result<Summary> {
    block_on(import(args))
}

/// Runs a verification (blocking).
///
/// # Errors
/// As [`run_import`].
pub fn run_verify(args: VerifyArgs) -> Result<VerifySummary> {
    block_on(verify(args))
}

/// The import, for async callers.
///
/// # Errors
/// As [`run_import`].
pub async fn import(args: ImportArgs) -> Result<Summary> {
    let started = Instant::now();
    let plan = Plan::new(&args)?;
    let mut summary = Summary { dry_run: args.dry_run, ..Summary::default() };
    let files = plan.files(&mut summary.ignored)?;
    let progress = progress_bar(files.len() as u64);
    let batch_size = args.batch.max(1);
    let plan = Arc::new(plan);
    let mut batch: Vec<Candidate> = Vec::with_capacity(batch_size);
    let mut locked = Vec::new();
    // Files are examined (blocking I/O) on every core, several chunks ahead, while up to
    // WRITES_IN_FLIGHT pipelines run against Redis.
    let mut examined_chunks = examine_ahead(&plan, files, batch_size);
    let mut writes = tokio::task::JoinSet::new();
    while let Some(examined) = examined_chunks.next().await {
        let examined = examined.context("reading session files")?;
        for (path, result) in examined {
            progress.inc(1);
            match result {
                Examined::Candidate(c) => {
                    summary.scanned += 1;
                    batch.push(c);
                }
                Examined::Expired => {
                    summary.scanned += 1;
                    summary.skipped_expired += 1;
                }
                Examined::Ignored => summary.ignored += 1,
                Examined::Locked => locked.push(path),
                Examined::Rejected(reason) => {
                    summary.scanned += 1;
                    *summary.rejected.entry(reason).or_default() += 1;
                }
            }
        }
        if batch.len() >= batch_size {
            while writes.len() >= WRITES_IN_FLIGHT {
                join_write(&mut writes, &mut summary).await?;
            }
            let plan = Arc::clone(&plan);
            let candidates = std::mem::take(&mut batch);
            writes.spawn(async move { plan.write(candidates).await });
        }
    }
    drop(examined_chunks);
    while !writes.is_empty() {
        join_write(&mut writes, &mut summary).await?;
    }
    // Files a PHP request held locked: one more try after PHP had time to finish.
    if !locked.is_empty() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for path in locked {
            summary.scanned += 1;
            match plan.examine(&path) {
                Examined::Candidate(c) => batch.push(c),
                Examined::Expired => summary.skipped_expired += 1,
                Examined::Ignored => summary.ignored += 1,
                Examined::Locked => {
                    *summary.rejected.entry("locked by a PHP request".into()).or_default() += 1;
                }
                Examined::Rejected(reason) => *summary.rejected.entry(reason).or_default() += 1,
            }
        }
    }
    let written = plan.write(std::mem::take(&mut batch)).await?;
    summary.add(written);
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    tracing::info!(
        imported = summary.imported,
        expired = summary.skipped_expired,
        rejected = summary.rejected_total(),
        "php sessions import finished"
    );
    Ok(summary)
}

/// The verification, for async callers.
///
/// # Errors
/// As [`run_import`].
pub async fn verify(args: VerifyArgs) -> Result<VerifySummary> {
    let plan = Plan::new(&args)?;
    let mut ignored = 0;
    let files = plan.files(&mut ignored)?;
    let progress = progress_bar(files.len() as u64);
    let mut out = VerifySummary::default();
    let mut batch = Vec::new();
    let plan = Arc::new(plan);
    let mut examined_chunks = examine_ahead(&plan, files, args.batch.max(1));
    while let Some(examined) = examined_chunks.next().await {
        for (_, result) in examined.context("reading session files")? {
            progress.inc(1);
            match result {
                Examined::Candidate(c) => batch.push(c),
                Examined::Expired => out.skipped_expired += 1,
                Examined::Ignored => {}
                Examined::Locked | Examined::Rejected(_) => out.rejected += 1,
            }
        }
        if batch.len() >= args.batch.max(1) {
            plan.compare(&mut batch, &mut out).await?;
        }
    }
    plan.compare(&mut batch, &mut out).await?;
    progress.finish_and_clear();
    Ok(out)
}

/// A parsed `N;MODE;/path` save path: the layout depth and the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSavePath {
    /// Directory levels (`N`), 0 for a flat directory.
    pub depth: usize,
    /// File mode (`MODE`, octal), informational.
    pub mode: Option<u32>,
    /// The base directory.
    pub dir: PathBuf,
}

impl FileSavePath {
    /// Parses PHP's files-handler save path: `/path`, `N;/path` or `N;MODE;/path`
    /// (ext/session/mod_files.c `PS_OPEN_FUNC(files)`).
    ///
    /// # Errors
    /// A non-numeric depth or mode, or more than three parts.
    pub fn parse(text: &str) -> Result<FileSavePath> {
        let parts: Vec<&str> = text.split(';').collect();
        let (depth, mode, dir) = match parts.as_slice() {
            [dir] => ("0", None, *dir),
            [depth, dir] => (*depth, None, *dir),
            [depth, mode, dir] => (*depth, Some(*mode), *dir),
            _ => bail!("save path {text:?} has more than three ';'-separated parts"),
        };
        let depth = depth
            .trim()
            .parse::<usize>()
            .with_context(|| format!("depth {depth:?} in {text:?}"))?;
        let mode = mode
            .map(|m| {
                u32::from_str_radix(m.trim(), 8).with_context(|| format!("mode {m:?} in {text:?}"))
            })
            .transpose()?;
        let dir = if dir.is_empty() { std::env::temp_dir() } else { PathBuf::from(dir) };
        Ok(FileSavePath { depth, mode, dir })
    }
}

/// The files examined in chunks of `chunk` on the blocking pool, a few chunks ahead of the
/// consumer, in order.
fn examine_ahead(
    plan: &Arc<Plan>,
    files: Vec<PathBuf>,
    chunk: usize,
) -> impl futures_util::Stream<Item = Result<Vec<(PathBuf, Examined)>, tokio::task::JoinError>>
+ Send
+ Unpin
+ use<> {
    let mut chunks = Vec::with_capacity(files.len().div_ceil(chunk));
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        chunks.push(files.by_ref().take(chunk).collect::<Vec<_>>());
    }
    let plan = Arc::clone(plan);
    futures_util::stream::iter(chunks)
        .map(move |c| examine_chunk(&plan, c))
        .buffered(examine_parallelism())
}

/// Examines a chunk of files on the blocking pool.
fn examine_chunk(
    plan: &Arc<Plan>,
    chunk: Vec<PathBuf>,
) -> tokio::task::JoinHandle<Vec<(PathBuf, Examined)>> {
    let plan = Arc::clone(plan);
    tokio::task::spawn_blocking(move || {
        chunk
            .into_iter()
            .map(|path| {
                let examined = plan.examine(&path);
                (path, examined)
            })
            .collect()
    })
}

/// The most a file's size reserves up front; larger files grow as they are read.
const READ_RESERVE: usize = 1 << 20;

/// Pipelines writing to Redis at the same time.
const WRITES_IN_FLIGHT: usize = 2;

/// Chunks of files examined at the same time (the blocking pool runs them on every core).
fn examine_parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get).clamp(2, 16)
}

/// What one pipelined batch did.
#[derive(Debug, Default)]
struct Written {
    imported: u64,
    empty: u64,
    already_in_redis: u64,
}

impl Summary {
    fn add(&mut self, w: Written) {
        self.imported += w.imported;
        self.empty += w.empty;
        self.already_in_redis += w.already_in_redis;
    }
}

/// Waits for one batch write and counts it.
async fn join_write(
    writes: &mut tokio::task::JoinSet<Result<Written>>,
    summary: &mut Summary,
) -> Result<()> {
    if let Some(done) = writes.join_next().await {
        summary.add(done.context("writing a batch")??);
    }
    Ok(())
}

/// Where the files are and where they go.
struct Plan {
    dir: PathBuf,
    depth: Option<usize>,
    handler: Handler,
    gc_maxlifetime: i64,
    now: i64,
    backend: Backend,
    dry_run: bool,
}

struct Candidate {
    id: String,
    bytes: Vec<u8>,
    ttl: i64,
}

enum Examined {
    Candidate(Candidate),
    Expired,
    Ignored,
    Locked,
    Rejected(String),
}

impl Plan {
    fn new(args: &ImportArgs) -> Result<Plan> {
        let layout = args.save_path.as_deref().map(FileSavePath::parse).transpose()?;
        let dir = match (&args.from, &layout) {
            (Some(dir), _) => dir.clone(),
            (None, Some(l)) => l.dir.clone(),
            (None, None) => bail!("--from DIR or --save-path \"N;MODE;/path\" is required"),
        };
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        let handler: Handler = args
            .serialize_handler
            .parse()
            .with_context(|| format!("--serialize-handler {:?}", args.serialize_handler))?;
        if args.gc_maxlifetime <= 0 {
            bail!("--gc-maxlifetime must be positive");
        }
        let save_path = target_save_path(&args.to, &args.prefix)?;
        let backend = Backend::new(&save_path, 4).map_err(|e| anyhow::anyhow!("{e}"))?;
        let now = args.now.unwrap_or_else(unix_now);
        Ok(Plan {
            dir,
            depth: layout.map(|l| l.depth),
            handler,
            gc_maxlifetime: args.gc_maxlifetime,
            now,
            backend,
            dry_run: args.dry_run,
        })
    }

    /// Every regular file below the base directory (recursively: PHP's `N;` layouts put the
    /// files `N` levels down, and ops sometimes leave other files around).
    fn files(&self, ignored: &mut u64) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.clone()];
        while let Some(dir) = stack.pop() {
            let entries =
                std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    stack.push(entry.path());
                } else if kind.is_file()
                    && entry.file_name().as_encoded_bytes().starts_with(b"sess_")
                {
                    out.push(entry.path());
                } else {
                    *ignored += 1;
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn examine(&self, path: &Path) -> Examined {
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("sess_"))
            .filter(|id| is_valid_key(id.as_bytes()))
        else {
            return Examined::Ignored;
        };
        if let Some(depth) = self.depth {
            // mod_files.c looks for the file under one directory per leading id character.
            let mut expected = self.dir.clone();
            for c in id.chars().take(depth) {
                expected.push(c.to_string());
            }
            if id.len() < depth || path.parent() != Some(expected.as_path()) {
                return Examined::Ignored;
            }
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return Examined::Rejected(format!("cannot open: {}", e.kind())),
        };
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Examined::Locked,
            Err(std::fs::TryLockError::Error(e)) => {
                return Examined::Rejected(format!("cannot lock: {}", e.kind()));
            }
        }
        let (mtime, len) = match file.metadata().and_then(|m| Ok((m.modified()?, m.len()))) {
            Ok((t, len)) => {
                (t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0), len)
            }
            Err(e) => return Examined::Rejected(format!("cannot stat: {}", e.kind())),
        };
        // mtime is the last activity (lazy write touches it); PHP's GC deletes a file once
        // now − mtime > gc_maxlifetime. A remaining lifetime under a second is expired too.
        let ttl = self.gc_maxlifetime - (self.now - mtime).max(0);
        if ttl < 1 {
            return Examined::Expired;
        }
        // Sized from the fstat above (bounded), read through `Take` so std does not stat again.
        let mut bytes =
            Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(READ_RESERVE) + 64);
        if let Err(e) = (&file).take(u64::MAX).read_to_end(&mut bytes) {
            return Examined::Rejected(format!("cannot read: {}", e.kind()));
        }
        drop(file);
        if let Err(e) = Session::decode(self.handler, &bytes) {
            return Examined::Rejected(reason_of(&e));
        }
        Examined::Candidate(Candidate { id: id.to_owned(), bytes, ttl })
    }

    /// `SET key value EX ttl NX` for the batch, one pipeline per server.
    async fn write(&self, candidates: Vec<Candidate>) -> Result<Written> {
        let mut summary = Written::default();
        if candidates.is_empty() {
            return Ok(summary);
        }
        if self.dry_run {
            for c in &candidates {
                summary.imported += 1;
                summary.empty += u64::from(c.bytes.is_empty());
            }
            return Ok(summary);
        }
        for group in self.by_server(candidates) {
            let Some(first) = group.first() else { continue };
            let route = self.backend.route(first.id.as_bytes());
            let mut conn = route
                .conn()
                .await
                .map_err(|e| anyhow::anyhow!(e).context("connecting to Redis"))?;
            let replies: Vec<Value> = if self.is_cluster() {
                let mut out = Vec::with_capacity(group.len());
                for c in &group {
                    out.push(
                        conn.run(&set_nx(&route.key(c.id.as_bytes()), c))
                            .await
                            .map_err(anyhow::Error::new)?,
                    );
                }
                out
            } else {
                let mut pipe = redis::pipe();
                for c in &group {
                    pipe.add_command(set_nx(&route.key(c.id.as_bytes()), c));
                }
                conn.run_pipeline(&pipe)
                    .await
                    .map_err(|e| anyhow::anyhow!(e).context("writing a batch"))?
            };
            for (c, reply) in group.iter().zip(replies) {
                if matches!(reply, Value::Nil) {
                    summary.already_in_redis += 1;
                } else {
                    summary.imported += 1;
                    summary.empty += u64::from(c.bytes.is_empty());
                }
            }
        }
        Ok(summary)
    }

    async fn compare(&self, batch: &mut Vec<Candidate>, out: &mut VerifySummary) -> Result<()> {
        let candidates = std::mem::take(batch);
        for group in self.by_server(candidates) {
            let Some(first) = group.first() else { continue };
            let route = self.backend.route(first.id.as_bytes());
            let mut conn = route.conn().await.map_err(anyhow::Error::new)?;
            let values: Vec<Option<Vec<u8>>> = if self.is_cluster() {
                let mut v = Vec::with_capacity(group.len());
                for c in &group {
                    v.push(
                        conn.run(redis::cmd("GET").arg(route.key(c.id.as_bytes())))
                            .await
                            .map_err(anyhow::Error::new)?,
                    );
                }
                v
            } else {
                let mut pipe = redis::pipe();
                for c in &group {
                    pipe.cmd("GET").arg(route.key(c.id.as_bytes()));
                }
                conn.run_pipeline(&pipe).await.map_err(anyhow::Error::new)?
            };
            for (c, value) in group.iter().zip(values) {
                out.compared += 1;
                match value {
                    None => out.missing += 1,
                    Some(v) if v == c.bytes => out.equal += 1,
                    Some(_) => out.different += 1,
                }
            }
        }
        Ok(())
    }

    /// The batch split by the server each session belongs to (one group without a pool).
    fn by_server(&self, candidates: Vec<Candidate>) -> Vec<Vec<Candidate>> {
        let mut groups: BTreeMap<Vec<u8>, Vec<Candidate>> = BTreeMap::new();
        for c in candidates {
            let prefix = self.backend.route(c.id.as_bytes()).server_tag();
            groups.entry(prefix).or_default().push(c);
        }
        groups.into_values().collect()
    }

    fn is_cluster(&self) -> bool {
        matches!(self.backend, Backend::Cluster { .. })
    }
}

fn set_nx(key: &[u8], c: &Candidate) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key).arg(&c.bytes).arg("EX").arg(c.ttl).arg("NX");
    cmd
}

/// A short, countable reason for an undecodable session.
fn reason_of(e: &wpgate_core::php_session::SessionError) -> String {
    use wpgate_core::php_session::SessionError as E;
    match e {
        E::Igbinary => "igbinary data (session.serialize_handler=igbinary is not supported)".into(),
        E::MissingSeparator { .. } => "undecodable: a name without '|'".into(),
        E::TruncatedName { .. } => "undecodable: truncated name".into(),
        E::Value(v) => format!("undecodable: {}", v.kind),
        other => format!("undecodable: {other}"),
    }
}

/// `--to`: a `redis://` URL becomes the equivalent phpredis save path.
fn target_save_path(to: &str, prefix: &str) -> Result<SavePath> {
    let to = to.trim();
    let parsed =
        if let Some(rest) = to.strip_prefix("redis://").or_else(|| to.strip_prefix("rediss://")) {
            let tls = to.starts_with("rediss://");
            let (authority, db) = rest.split_once('/').unwrap_or((rest, ""));
            let (userinfo, hostport) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, authority),
            };
            let mut query = vec![("prefix".to_owned(), prefix.to_owned())];
            let db = db.split('?').next().unwrap_or("");
            if !db.is_empty() {
                query.push(("database".to_owned(), db.to_owned()));
            }
            if let Some(userinfo) = userinfo {
                let decode = |s: &str| {
                    String::from_utf8(wpgate_core::php_session::raw_url_decode(s.as_bytes()))
                        .unwrap_or_default()
                };
                match userinfo.split_once(':') {
                    Some(("", pass)) => query.push(("auth".into(), decode(pass))),
                    Some((user, pass)) => {
                        query.push(("auth[]".into(), decode(user)));
                        query.push(("auth[]".into(), decode(pass)));
                    }
                    None => query.push(("auth".into(), decode(userinfo))),
                }
            }
            let query = serde_urlencoded::to_string(&query)?;
            let scheme = if tls { "tls" } else { "tcp" };
            SavePath::parse_redis(&format!("{scheme}://{hostport}?{query}"))
        } else {
            SavePath::parse_redis(to)
        };
    parsed.map_err(|e| anyhow::anyhow!("--to: {e}"))
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} sessions {per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Runs a future to completion on a fresh runtime (on another thread when called from
/// inside a runtime, where blocking this one would panic).
fn block_on<T: Send + 'static>(
    fut: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the Tokio runtime")?
            .block_on(fut)
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::spawn(run).join().map_err(|_| anyhow::anyhow!("the import thread panicked"))?
    } else {
        run()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_save_paths_parse_like_mod_files() {
        let p = FileSavePath::parse("2;0640;/var/lib/php/sessions").unwrap();
        assert_eq!((p.depth, p.mode), (2, Some(0o640)));
        assert_eq!(p.dir, PathBuf::from("/var/lib/php/sessions"));
        assert_eq!(FileSavePath::parse("1;/d").unwrap().depth, 1);
        assert_eq!(FileSavePath::parse("/d").unwrap().depth, 0);
        assert!(FileSavePath::parse("x;/d").is_err());
        assert!(FileSavePath::parse("1;2;3;/d").is_err());
    }

    #[test]
    fn redis_urls_become_save_paths() {
        let SavePath::Servers(s) = target_save_path("redis://:pw@127.0.0.1:6390/5", "p:").unwrap()
        else {
            unreachable!()
        };
        assert_eq!(s[0].database, Some(5));
        assert_eq!(s[0].prefix, b"p:");
        assert!(s[0].auth.is_some());
        assert!(target_save_path("tcp://127.0.0.1?prefix=x:", "ignored").is_ok());
    }
}
