//! `wpgate php-sessions import|verify` and `wpgate sessions import-usermeta`: migrations;
//! `wpgate sessions list|revoke|revoke-all --user ID`: session administration, directly on
//! the configured store (`sessions = redis` or `usermeta`).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::GlobalArgs;
use crate::audit::{Actor, Audit, AuditEvent};
use crate::config::{SessionBackend, Settings};
use crate::php_sessions::import::{ImportArgs, VerifyArgs, run_import, run_verify};
use crate::php_sessions::usermeta::{UsermetaImportArgs, import_usermeta};
use crate::store::SessionStore;
use crate::store::redis::{InvalidationEvent, RedisStore};
use wpgate_core::session_tokens::Verifier;

/// PHP file sessions into Redis.
#[derive(Debug, Subcommand)]
pub enum PhpSessionsCommand {
    /// Import PHP file sessions (session.save_handler = files) into Redis, phpredis's layout.
    Import(ImportArgs),
    /// Compare file sessions with what Redis holds.
    Verify(VerifyArgs),
}

/// WordPress session tokens.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Copy the `session_tokens` user meta of every user into the Redis layout
    /// (docs/redis-layout.md). Idempotent.
    ImportUsermeta(UsermetaImportArgs),
    /// List a user's live sessions (id, login time, expiration, ip, user agent).
    List(ListArgs),
    /// Revoke one session of a user (exit 1 when the user has no such session).
    Revoke(RevokeArgs),
    /// Revoke every session of a user.
    RevokeAll(UserArgs),
}

/// The user whose sessions to manage, and where they are stored.
#[derive(Debug, Clone, clap::Args)]
pub struct UserArgs {
    /// The WordPress user ID.
    #[arg(long, value_name = "ID")]
    pub user: u64,
    /// Where session tokens live ($WPGATE_SESSIONS): `redis` or `usermeta`.
    #[arg(long, value_enum)]
    pub sessions: Option<SessionBackend>,
    /// Redis URL ($WPGATE_REDIS_URL).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Per-site Redis key prefix ($WPGATE_REDIS_PREFIX).
    #[arg(long, value_name = "PREFIX")]
    pub redis_prefix: Option<String>,
}

/// `wpgate sessions list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: UserArgs,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `wpgate sessions revoke`.
#[derive(Debug, Clone, clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub target: UserArgs,
    /// The session id (its verifier, as `list` shows it).
    #[arg(value_name = "SESSION_ID")]
    pub session: String,
}

/// Runs a `php-sessions` command; exit 1 when rejected files or differences were found.
///
/// # Errors
/// Unreadable directory, unreachable Redis, bad arguments.
pub fn run_php(command: PhpSessionsCommand, out: &mut impl Write) -> Result<ExitCode> {
    match command {
        PhpSessionsCommand::Import(args) => {
            let summary = run_import(args)?;
            write!(out, "{summary}")?;
            Ok(super::verdict(summary.rejected_total() == 0))
        }
        PhpSessionsCommand::Verify(args) => {
            let summary = run_verify(args)?;
            write!(out, "{summary}")?;
            Ok(super::verdict(summary.agrees()))
        }
    }
}

/// Runs a `sessions` command.
///
/// # Errors
/// Missing database or Redis settings, unreachable services.
pub fn run_sessions(
    command: SessionsCommand,
    global: &GlobalArgs,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let target = match &command {
        SessionsCommand::ImportUsermeta(_) => None,
        SessionsCommand::List(a) => Some(a.target.clone()),
        SessionsCommand::Revoke(a) => Some(a.target.clone()),
        SessionsCommand::RevokeAll(a) => Some(a.clone()),
    };
    let settings = global
        .load_with(|o| {
            if let Some(t) = &target {
                o.set("sessions", t.sessions.map(|s| format!("{s:?}").to_lowercase()))
                    .set("redis_url", t.redis.clone())
                    .set("redis_prefix", t.redis_prefix.clone());
            }
        })?
        .settings;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match command {
        SessionsCommand::List(args) => runtime.block_on(async {
            let (store, _) = open_store(&settings).await?;
            let now = super::now_or_clock(None)?;
            let sessions = store.list(args.target.user, now).await?;
            if !args.json {
                writeln!(out, "id\tlogin\texpiration\tip\tua")?;
            }
            for (verifier, session) in &sessions {
                let item = serde_json::json!({
                    "id": verifier.as_str(),
                    "login": session.login(),
                    "expiration": session.expiration(),
                    "ip": session.ip(),
                    "ua": session.user_agent(),
                });
                if args.json {
                    writeln!(out, "{item}")?;
                } else {
                    let text = |v: Option<&str>| v.unwrap_or("-").replace(['\t', '\n'], " ");
                    let num = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |n| n.to_string());
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}",
                        verifier.as_str(),
                        num(session.login()),
                        num(session.expiration()),
                        text(session.ip()),
                        text(session.user_agent())
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        SessionsCommand::Revoke(args) => runtime.block_on(async {
            let user = args.target.user;
            let verifier = Verifier::parse(&args.session)
                .context("SESSION_ID must be 64 lowercase hex characters (as `list` shows)")?;
            let (store, audit) = open_store(&settings).await?;
            let now = super::now_or_clock(None)?;
            let live = store.list(user, now).await?;
            if !live.iter().any(|(v, _)| v.ct_eq(&verifier)) {
                writeln!(out, "user {user} has no live session {}", verifier.as_str())?;
                return Ok(ExitCode::FAILURE);
            }
            store.destroy(user, &verifier, now).await?;
            announce(store.as_ref(), user).await;
            audit_cli(&audit, "session-revoke", user).await;
            writeln!(out, "revoked 1 session of user {user}")?;
            Ok(ExitCode::SUCCESS)
        }),
        SessionsCommand::RevokeAll(args) => runtime.block_on(async {
            let user = args.user;
            let (store, audit) = open_store(&settings).await?;
            let now = super::now_or_clock(None)?;
            let n = store.list(user, now).await?.len();
            store.destroy_all(user, now).await?;
            announce(store.as_ref(), user).await;
            audit_cli(&audit, "sessions-destroy-all", user).await;
            writeln!(out, "revoked {n} session(s) of user {user}")?;
            Ok(ExitCode::SUCCESS)
        }),
        SessionsCommand::ImportUsermeta(args) => {
            let summary = runtime.block_on(async {
                let store = RedisStore::from_settings(&settings)
                    .context("redis_url / redis_prefix (WPGATE_REDIS_URL / WPGATE_REDIS_PREFIX)")?;
                import_usermeta(&settings, Arc::new(store), &args).await
            })?;
            write!(out, "{summary}")?;
            Ok(super::verdict(summary.rejected.is_empty()))
        }
    }
}

/// The configured session store, and the audit trail that goes with it.
async fn open_store(settings: &Settings) -> Result<(Arc<dyn SessionStore>, Audit)> {
    let store: Arc<dyn SessionStore> = match settings.sessions {
        SessionBackend::Memory => anyhow::bail!(
            "sessions = memory lives inside each wpgate process: there is nothing to manage \
             from the command line. Use --sessions redis|usermeta (WPGATE_SESSIONS), or the \
             admin API (/v1/admin/users/ID/sessions)"
        ),
        SessionBackend::Redis => Arc::new(
            RedisStore::from_settings(settings)
                .context("redis_url / redis_prefix (WPGATE_REDIS_URL / WPGATE_REDIS_PREFIX)")?,
        ),
        SessionBackend::Usermeta => {
            let config = crate::db::DbConfig::from_settings(settings)?;
            let db = crate::db::Db::connect(&config).await?;
            Arc::new(crate::store::usermeta::UserMetaStore::new(db, settings)?)
        }
    };
    let audit = match (&settings.audit_stream, Arc::clone(&store).audit_sink()) {
        (Some(name), Some(sink)) => {
            Audit::with_stream(sink, name.clone(), settings.audit_stream_maxlen)
        }
        _ => Audit::log_only(),
    };
    Ok((store, audit))
}

/// Tells running instances (informational: sessions are never cached).
async fn announce(store: &dyn SessionStore, user: u64) {
    if let Err(e) = store.announce(InvalidationEvent::SessionsChanged(user)).await {
        eprintln!("warning: cannot announce the change on the events channel: {e}");
    }
}

async fn audit_cli(audit: &Audit, event: &'static str, user: u64) {
    if let Err(e) = audit.record_and_wait(AuditEvent::new(event, "ok", Actor::Cli).user(user)).await
    {
        eprintln!("warning: cannot append to the audit stream: {e}");
    }
}
