//! Command-line interface: `wpgate <group> <command>`, one file per group.
//!
//! | command | file |
//! |---|---|
//! | `wpgate cookie inspect|verify|mint` | [`cookie`] |
//! | `wpgate password verify|hash` | [`password`] |
//! | `wpgate serve` | [`serve`] |
//! | `wpgate php-sessions import|verify`, `wpgate sessions import-usermeta` | [`sessions`] |
//!
//! Secrets (keys and salts) come from the layered [`Settings`]:
//! `--wp-config PATH`, a TOML file (`--config`), or the environment (`WPGATE_AUTH_KEY`,
//! `WPGATE_AUTH_KEY_FILE`, ...). No command prints a salt, a password or a session token it
//! was not asked to make.
//!
//! Exit status: 0 for success (a valid cookie, a matching password), 1 for a negative answer
//! (an invalid cookie, a wrong password), 2 for an error (bad arguments, missing settings).

pub mod cookie;
pub mod password;
pub mod serve;
pub mod sessions;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use wpgate_core::WpVersion;

use crate::config::{Loaded, Overrides, Settings};

/// WordPress authentication, spoken exactly.
#[derive(Debug, Parser)]
#[command(name = "wpgate", version, about, long_about = None)]
pub struct Cli {
    /// Where the settings come from (every command).
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes: the configuration layers of [`Settings::load`].
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// TOML configuration file (default: $WPGATE_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The site's wp-config.php, read (never executed) for keys, salts and cookie constants.
    #[arg(long, global = true, value_name = "PATH")]
    pub wp_config: Option<PathBuf>,
    /// WordPress version whose formats to speak (default: the site's, else the latest).
    #[arg(long, global = true, value_name = "VERSION")]
    pub wp_version: Option<String>,
}

impl GlobalArgs {
    /// Loads the settings with these flags as the highest layer.
    ///
    /// # Errors
    /// Whatever [`Settings::load`] reports, naming the setting or file.
    pub fn load(&self) -> Result<Loaded> {
        self.load_with(|_| {})
    }

    /// [`GlobalArgs::load`] with a command's own flags as the highest layer too.
    ///
    /// # Errors
    /// Whatever [`Settings::load`] reports, naming the setting or file.
    pub fn load_with(&self, extra: impl FnOnce(&mut Overrides)) -> Result<Loaded> {
        let mut overrides = Overrides::default();
        overrides
            .set("wp_config", self.wp_config.as_ref().map(|p| p.display().to_string()))
            .set("wp_version", self.wp_version.clone());
        extra(&mut overrides);
        Settings::load(self.config.as_deref(), &overrides)
    }
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service.
    Serve(serve::ServeArgs),
    /// Decode, verify and mint WordPress auth cookies.
    #[command(subcommand)]
    Cookie(cookie::CookieCommand),
    /// Check and make WordPress password hashes.
    #[command(subcommand)]
    Password(password::PasswordCommand),
    /// Migrate PHP file sessions into Redis.
    #[command(subcommand, name = "php-sessions")]
    PhpSessions(sessions::PhpSessionsCommand),
    /// Migrate WordPress session tokens.
    #[command(subcommand)]
    Sessions(sessions::SessionsCommand),
}

/// Runs one parsed command line; the exit status says valid (0) or invalid (1).
///
/// # Errors
/// Bad input or missing settings (the caller exits with status 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Cookie(command) => cookie::run(command, &cli.global, &mut out),
        Command::Password(command) => password::run(command, &cli.global, &mut out),
        Command::Serve(args) => serve::run(args, &cli.global),
        Command::PhpSessions(command) => sessions::run_php(command, &mut out),
        Command::Sessions(command) => sessions::run_sessions(command, &cli.global, &mut out),
    }
}

/// The WordPress version of the loaded settings (`--wp-version` included).
fn version(loaded: &Loaded) -> Result<WpVersion> {
    Ok(loaded.settings.version()?.0)
}

/// `now` as PHP's `time()`, unless given.
fn now_or_clock(now: Option<i64>) -> Result<i64> {
    match now {
        Some(now) => Ok(now),
        None => {
            let since = SystemTime::now().duration_since(UNIX_EPOCH).context("system clock")?;
            i64::try_from(since.as_secs()).context("system clock")
        }
    }
}

/// Exit status 0 or 1.
fn verdict(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
