//! The wpgate service and CLI: glue between [`wpgate_core`] and the outside world.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extractor;
pub mod php_sessions;
pub mod routes;
pub mod service;
pub mod site;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod users;
