//! `wpgate password verify|hash`: `wp_check_password()` and `wp_hash_password()` from the
//! command line.
//!
//! The password is read from standard input (one trailing line ending removed) or, on a
//! terminal, prompted for without echo; never from the arguments, which other users of the
//! machine can see. The hash is an argument: it is what `wp_users.user_pass` holds.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use wpgate_core::WpVersion;
use wpgate_core::password::{HashFormat, Password, PasswordHash, PasswordPolicy};

use super::{GlobalArgs, verdict, version};

/// `wpgate password …`.
#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Check a password (stdin or prompt) against a hash: exit 0 match, 1 no match.
    Verify(VerifyArgs),
    /// Hash a password (stdin or prompt) as wp_hash_password() does; --wp-version picks the
    /// format ($wp$ bcrypt from 6.8, phpass before).
    Hash(HashArgs),
}

/// `wpgate password verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The stored hash (`wp_users.user_pass`).
    pub hash: String,
    /// Trim the password first, as a login form does (`wp_authenticate()`); a bare
    /// `wp_check_password()` call does not.
    #[arg(long)]
    pub trim: bool,
}

/// `wpgate password hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// bcrypt cost for `$wp$` hashes (the `wp_hash_password_options` filter; default 10).
    #[arg(long, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub cost: Option<u32>,
    /// Hash with phpass even on 6.8+ (a site whose `$wp_hasher` is phpass).
    #[arg(long)]
    pub phpass: bool,
}

/// Runs one `wpgate password` command.
///
/// # Errors
/// Unreadable input, bad settings, or a hash this crate cannot check.
pub fn run(command: PasswordCommand, global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let version = version(&global.load()?)?;
    match command {
        PasswordCommand::Verify(args) => verify(&args, version, out),
        PasswordCommand::Hash(args) => hash(&args, version, out),
    }
}

fn verify(args: &VerifyArgs, version: WpVersion, out: &mut dyn Write) -> Result<ExitCode> {
    let hash = PasswordHash::new(args.hash.as_bytes());
    let password = read_password("Password: ")?;
    let password = if args.trim { password.trimmed() } else { password };
    let policy = PasswordPolicy::new(version);
    let matched = policy.verify(&password, &hash).context("checking the password")?;
    writeln!(out, "{}", if matched { "match" } else { "no match" })?;
    writeln!(out, "hash:        {} (WordPress {version})", format_name(hash.format()))?;
    if matched && policy.needs_rehash(&hash) == Some(true) {
        writeln!(out, "rehash:      WordPress {version} rehashes it at the next login")?;
    }
    Ok(verdict(matched))
}

fn hash(args: &HashArgs, version: WpVersion, out: &mut dyn Write) -> Result<ExitCode> {
    let mut policy = PasswordPolicy::new(version);
    if args.phpass {
        policy = policy.with_phpass_hasher();
    }
    if let Some(cost) = args.cost {
        policy = policy.with_bcrypt_cost(cost)?;
    }
    let password = read_password("Password to hash: ")?;
    if password.is_empty() {
        eprintln!("warning: hashing an empty password");
    }
    let hash = policy.hash(&password, &mut rand::rng()).context("hashing the password")?;
    let text = hash.to_str().context("the hash is not text")?;
    writeln!(out, "{text}")?;
    Ok(ExitCode::SUCCESS)
}

/// The password from a terminal prompt (no echo) or standard input, without its line ending.
fn read_password(prompt: &str) -> Result<Password> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let typed = rpassword::prompt_password(prompt).context("reading the password")?;
        return Ok(Password::new(typed.into_bytes()));
    }
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes).context("reading the password from stdin")?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(Password::new(bytes))
}

fn format_name(format: HashFormat) -> &'static str {
    match format {
        HashFormat::Md5 => "legacy MD5",
        HashFormat::Phpass => "phpass portable",
        HashFormat::WpBcrypt => "$wp$ bcrypt (6.8+)",
        HashFormat::Bcrypt => "bcrypt",
        HashFormat::Argon2 => "argon2",
        _ => "other crypt() format",
    }
}
