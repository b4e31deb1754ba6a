//! `wpgate`: the WordPress authentication service and its ops CLI.
//!
//! Exit status: 0 success, 1 a negative answer (invalid cookie, wrong password), 2 an error.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc: the service allocates and frees a few dozen blocks per request, some over the 1 KiB
/// that glibc serves from its per-thread cache; jemalloc costs ~10 % less CPU per forward-auth
/// for ~1 MB more idle RSS (docs/performance.md, "Service").
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = wpgate::cli::Cli::parse();
    match wpgate::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("wpgate: {error:#}");
            ExitCode::from(2)
        }
    }
}
