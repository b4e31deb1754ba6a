//! The wpgate service and CLI: glue between [`wpgate_core`] and the outside world.

pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extractor;
pub mod login_limits;
mod memo;
pub mod php_sessions;
pub mod proxy;
pub mod routes;
pub mod service;
pub mod site;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod users;
