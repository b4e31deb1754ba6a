//! PHP sessions against real Redis and real PHP 8.2 + phpredis 5.3.7: interop, locking,
//! the session_redis.json / file_sessions.json vectors, the file importer and the HTTP API.
//! Redis: 127.0.0.1:6379 (scripts/test starts it); every test uses its own key prefix.

// Test code: helpers may unwrap and index (a failure is the test failing), like #[test] fns.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod cluster;
mod commands;
mod helpers;
mod import;
mod interop;
mod usermeta;
