//! `wpgate`: the WordPress authentication service and its ops CLI.

use anyhow::Result;
use clap::Parser;

fn main() -> Result<()> {
    let cli = wpgate::cli::Cli::parse();
    wpgate::cli::run(cli)
}
