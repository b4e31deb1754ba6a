//! Logging: one `tracing` subscriber for the process, JSON in production.
//!
//! `RUST_LOG` filters (default `info`). Nothing logged anywhere in wpgate contains a cookie,
//! token, verifier, password, hash or salt: log user ids and outcomes.

use std::sync::Once;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (once; later calls do nothing).
pub fn init(format: LogFormat) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        // Colours only for a terminal: escape codes do not belong in log files, and styling
        // every span's fields costs CPU on each request.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(ansi)
            .with_writer(std::io::stderr);
        let _ = match format {
            LogFormat::Json => builder.json().flatten_event(true).try_init(),
            LogFormat::Pretty => builder.try_init(),
        };
    });
}
