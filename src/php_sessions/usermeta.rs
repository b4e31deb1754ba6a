//! `wpgate sessions import-usermeta`: WordPress login sessions from the `session_tokens` user
//! meta (`WP_User_Meta_Session_Tokens`) into a [`SessionStore`] (normally the Redis layout of
//! docs/redis-layout.md), so switching the site to the Redis drop-in logs nobody out.
//!
//! Each `session_tokens` row is decoded as WordPress's `get_sessions()` does (live sessions
//! only, legacy integer records upgraded); every session keyed by a valid verifier is stored
//! with [`SessionStore::update`], which replaces in place, so running the import twice gives
//! the same store. The database is only read.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use secrecy::ExposeSecret;
use sqlx::Row;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use wpgate_core::php_serialize::{Value, unserialize};
use wpgate_core::session_tokens::{Session, UserMetaSessions};
use wpgate_core::wp_config::DbHost;

use crate::config::Settings;
use crate::store::SessionStore;

/// `wpgate sessions import-usermeta`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UsermetaImportArgs {
    /// Read and check everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Rows per database page.
    #[arg(long, default_value_t = 500)]
    pub page: u32,
    /// Current time (Unix seconds) instead of the clock; for tests.
    #[arg(long, hide = true)]
    pub now: Option<i64>,
}

/// What the usermeta import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsermetaSummary {
    /// `session_tokens` rows read.
    pub users: u64,
    /// Sessions written (or that would be, with `--dry-run`).
    pub imported: u64,
    /// Sessions already expired: WordPress no longer sees them.
    pub skipped_expired: u64,
    /// Not imported, by reason.
    pub rejected: BTreeMap<String, u64>,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl fmt::Display for UsermetaSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "would import" } else { "imported" };
        writeln!(
            f,
            "{} users, {verb} {} sessions, skipped as expired {}, rejected {} in {:.2?}",
            self.users,
            self.imported,
            self.skipped_expired,
            self.rejected.values().sum::<u64>(),
            self.elapsed
        )?;
        for (reason, n) in &self.rejected {
            writeln!(f, "  rejected {n}: {reason}")?;
        }
        Ok(())
    }
}

/// Copies every live session of the `session_tokens` user meta into `store`.
///
/// # Errors
/// Missing database settings, database or store failures.
pub async fn import_usermeta(
    settings: &Settings,
    store: Arc<dyn SessionStore>,
    args: &UsermetaImportArgs,
) -> Result<UsermetaSummary> {
    let started = Instant::now();
    let now = args.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let pool = MySqlPoolOptions::new()
        .max_connections(1)
        .connect_with(connect_options(settings)?)
        .await
        .context("connecting to the WordPress database")?;
    let table = format!("{}usermeta", settings.table_prefix.as_deref().unwrap_or("wp_"));
    if !table.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
        bail!("table_prefix {:?} is not a plain identifier", settings.table_prefix);
    }
    let mut summary = UsermetaSummary { dry_run: args.dry_run, ..UsermetaSummary::default() };
    let mut after: u64 = 0;
    loop {
        // The table name is checked above to be a plain identifier; values are bound.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT umeta_id, user_id, meta_value FROM `{table}` \
             WHERE meta_key = 'session_tokens' AND umeta_id > ? ORDER BY umeta_id LIMIT ?"
        )))
        .bind(after)
        .bind(args.page.max(1))
        .fetch_all(&pool)
        .await
        .with_context(|| format!("reading {table}"))?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            after = row.try_get::<u64, _>(0)?;
            let user: u64 = row.try_get(1)?;
            // `meta_value` is LONGTEXT (utf8mb4): text, handed to the decoder as bytes.
            let meta: Option<String> = row.try_get(2)?;
            summary.users += 1;
            let meta = meta.as_deref().map(str::as_bytes);
            import_row(user, meta, now, &*store, args.dry_run, &mut summary).await?;
        }
    }
    pool.close().await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

async fn import_row(
    user: u64,
    meta: Option<&[u8]>,
    now: i64,
    store: &dyn SessionStore,
    dry_run: bool,
    summary: &mut UsermetaSummary,
) -> Result<()> {
    let reject = |summary: &mut UsermetaSummary, reason: &str, n: u64| {
        *summary.rejected.entry(reason.to_owned()).or_default() += n;
    };
    // Count what get_sessions() drops, so the summary adds up.
    let all = match meta.map(unserialize) {
        Some(Ok(Value::Array(entries))) => entries,
        _ => {
            reject(summary, "session_tokens is not a serialized array", 1);
            return Ok(());
        }
    };
    let live = UserMetaSessions::decode(meta, now);
    let undecodable =
        all.iter().filter(|(_, v)| Session::from_value(v.clone()).is_none()).count() as u64;
    reject(summary, "record is neither an array nor an integer", undecodable);
    summary.skipped_expired += (all.len() as u64).saturating_sub(undecodable + live.len() as u64);
    for (verifier, session) in live.iter() {
        let Some(verifier) = verifier else {
            reject(summary, "key is not a 64-character verifier", 1);
            continue;
        };
        if !dry_run {
            store
                .update(user, &verifier, session, now)
                .await
                .with_context(|| format!("storing a session of user {user}"))?;
        }
        summary.imported += 1;
    }
    Ok(())
}

fn connect_options(s: &Settings) -> Result<MySqlConnectOptions> {
    let mut o = MySqlConnectOptions::new();
    let host = s.db_host.as_deref().unwrap_or("localhost");
    o = match DbHost::parse(host).with_context(|| format!("db_host {host:?}"))? {
        DbHost::Tcp { host, port } => o.host(&host).port(port.unwrap_or(3306)),
        DbHost::Socket(path) => o.socket(path),
        DbHost::DefaultSocket => o.socket("/run/mysqld/mysqld.sock"),
        _ => bail!("db_host {host:?} is not supported"),
    };
    if let Some(name) = &s.db_name {
        o = o.database(name);
    } else {
        bail!("db_name (WPGATE_DB_NAME) is not set");
    }
    if let Some(user) = &s.db_user {
        o = o.username(user);
    }
    if let Some(pw) = &s.db_password {
        o = o.password(pw.expose_secret());
    }
    Ok(o)
}
