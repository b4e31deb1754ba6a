//! `wpgate serve`: the HTTP service.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::GlobalArgs;
use crate::config::{LogFormat, SessionBackend};
use crate::startup::{Application, assemble};
use crate::telemetry;

/// Options of `wpgate serve` (each also a setting: see the README's table).
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on ($WPGATE_LISTEN, default 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Redis URL ($WPGATE_REDIS_URL).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Per-site Redis key prefix ($WPGATE_REDIS_PREFIX, default `wpgate:`).
    #[arg(long, value_name = "PREFIX")]
    pub redis_prefix: Option<String>,
    /// Where session tokens live ($WPGATE_SESSIONS, default memory).
    #[arg(long, value_enum)]
    pub sessions: Option<SessionBackend>,
    /// Upgrade old password hashes at login as WordPress 6.8+ (writes wp_users).
    #[arg(long)]
    pub rehash_on_login: bool,
    /// Log format ($WPGATE_LOG_FORMAT).
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// The wp-config.php holding the keys and salts before a rotation
    /// ($WPGATE_PREVIOUS_WP_CONFIG; needs --previous-salts-until).
    #[arg(long, value_name = "PATH")]
    pub previous_wp_config: Option<std::path::PathBuf>,
    /// Unix time until which the previous salts are accepted ($WPGATE_PREVIOUS_SALTS_UNTIL).
    #[arg(long, value_name = "UNIX_TIME")]
    pub previous_salts_until: Option<i64>,
}

/// Loads the settings, connects the dependencies and serves until stopped.
///
/// # Errors
/// Invalid settings, unreachable database, an address that cannot be bound.
pub fn run(args: ServeArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let loaded = global.load_with(|o| {
        o.set("listen", args.listen.map(|a| a.to_string()))
            .set("redis_url", args.redis.clone())
            .set("redis_prefix", args.redis_prefix.clone())
            .set("sessions", args.sessions.map(|s| format!("{s:?}").to_lowercase()))
            .set("log_format", args.log_format.map(|f| format!("{f:?}").to_lowercase()))
            .set("rehash_on_login", args.rehash_on_login.then_some(true))
            .set(
                "previous_wp_config",
                args.previous_wp_config.as_ref().map(|p| p.display().to_string()),
            )
            .set("previous_salts_until", args.previous_salts_until);
    })?;
    let settings = loaded.settings;
    telemetry::init(settings.log_format);
    tracing::info!(config = ?settings, "effective configuration (secrets masked)");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let (parts, _background) = assemble(&settings).await?;
        let app = Application::build(&settings, parts)?;
        tracing::info!(listen = %settings.listen, port = app.port(), "wpgate is serving");
        app.run_until_stopped().await.context("HTTP server")
    })?;
    Ok(ExitCode::SUCCESS)
}
