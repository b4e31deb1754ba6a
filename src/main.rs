//! `wpgate`: the WordPress authentication service and its ops CLI.
//!
//! Exit status: 0 success, 1 a negative answer (invalid cookie, wrong password), 2 an error.

use std::process::ExitCode;

use clap::Parser;

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
