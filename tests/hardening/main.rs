//! Production hardening against real Redis and MariaDB: session administration (own and
//! admin), audit events, brute-force limits, trusted proxies, salt rotation, several
//! instances on one Redis, request limits and store timeouts, and the `wpgate sessions` CLI.
//! Redis: 127.0.0.1:6379 (`REDIS_URL`), MariaDB: see tests/support/wp_db.rs; every test uses
//! its own Redis key prefix and database.

// Test code: helpers may unwrap and index (a failure is the test failing), like #[test] fns.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod helpers;
mod instances;
mod limits;
mod salts;
mod sessions;
