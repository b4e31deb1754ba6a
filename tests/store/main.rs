#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! The store acceptance suite, run against every `SessionStore` implementation.
//!
//! Redis and MariaDB are real (`REDIS_URL`, default `redis://127.0.0.1:6379`; scripts/test
//! starts them); every test uses its own key prefix or database, so runs never collide.

mod acceptance;
mod memory;
