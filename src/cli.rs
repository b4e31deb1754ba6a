//! Command-line interface: `wpgate <command>`.

use anyhow::Result;
use clap::{Parser, Subcommand};

/// WordPress authentication, spoken exactly.
#[derive(Debug, Parser)]
#[command(name = "wpgate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The ops commands.
#[derive(Debug, Subcommand)]
pub enum Command {}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {}
}
