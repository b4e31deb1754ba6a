//! Support for the live compatibility tests (`tests/live.rs`): a real PHP WordPress site
//! ([`site::Site`], via `scripts/wp-up.sh`), wpgate served in-process next to it
//! ([`gate::Gate`]), browsers with cookie jars ([`browser::Browser`]), real nginx in front of
//! both ([`nginx::Nginx`]) and the list of known divergences ([`divergences::Divergences`]).
//!
//! A missing prerequisite is a failure with a message, never a silent skip.

pub mod browser;
pub mod divergences;
pub mod gate;
pub mod nginx;
pub mod site;

use std::path::PathBuf;

use anyhow::{Context, Result};

/// The repository root (this crate lives in `<root>/compat-tests`).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A loopback TCP port that was free a moment ago.
///
/// # Errors
/// No port could be bound.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A random lowercase hex string of `bytes` random bytes (passwords, key prefixes).
pub fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}
