//! The WordPress database layer against a real MariaDB/MySQL (127.0.0.1:3306, root, no
//! password unless `WPGATE_TEST_DB_*` say otherwise). Every test builds its own database with
//! `support::wp_db` and drops it afterwards.

// Test helpers outside #[test] functions may unwrap, index and panic too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../support/mod.rs"]
mod support;

mod cache;
mod connect;
mod helpers;
mod options;
mod users;
