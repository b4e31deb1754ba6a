//! Black-box tests of the HTTP service: the real app (`startup::assemble` +
//! `Application::build`) on a random port, the real Redis (127.0.0.1:6379, a fresh key prefix
//! per test) and a real MariaDB database per test with WordPress's tables and users of every
//! password hash format (`tests/support/wp_db.rs`). Expected cookies, nonces and Redis keys are
//! computed here from the fixture's salts, independently of wpgate's own code.
//!
//! `TEST_LOG=1` also prints the service's logs (they are always captured, see `logs.rs`).

// Test helpers outside #[test] functions may unwrap, index and panic too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../support/mod.rs"]
mod support;

mod authz;
mod example;
mod health;
mod helpers;
mod invalidation;
mod login;
mod logout;
mod logs;
mod nonce;
mod outage;
mod session;
