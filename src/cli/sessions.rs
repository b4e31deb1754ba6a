//! `wpgate php-sessions import|verify` and `wpgate sessions import-usermeta`: migrations.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::GlobalArgs;
use crate::php_sessions::import::{ImportArgs, VerifyArgs, run_import, run_verify};
use crate::php_sessions::usermeta::{UsermetaImportArgs, import_usermeta};
use crate::store::redis::RedisStore;

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
    let settings = global.load()?.settings;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match command {
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
