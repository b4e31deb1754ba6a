#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Fault tests: the whole service (`startup::assemble` + `Application`) under continuous
//! validation load while a dependency fails under it.
//!
//! Every test starts its own servers (a `redis-server`, a Sentinel setup, a `mariadbd` with its
//! own data directory from `mariadb-install-db`) on free loopback ports in a temporary
//! directory, kills them, restarts them, and stops them when it ends; the shared Redis and
//! MariaDB are never touched. What is checked, each time:
//!
//! - while the dependency is down, validation answers 503 (never 200 for a session that cannot
//!   be verified, never 401, never a dropped connection or a panic);
//! - a revoked session is never accepted, before, during or after the fault;
//! - after the dependency is back, the valid session is accepted again within 2 s (for a
//!   Sentinel fail-over: within a bounded window, with no help from outside).

#[path = "../support/mod.rs"]
mod support;

mod app;
mod database_outage;
mod load;
mod redis_outage;
mod sentinel_failover;
mod servers;
