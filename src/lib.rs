//! The wpgate service and CLI: glue between [`wpgate_core`] and the outside world.

pub mod cli;
pub mod config;
pub mod db;
pub mod store;
