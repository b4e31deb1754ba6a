//! Fixtures shared by the service's integration tests. Include with
//! `#[path = "../support/mod.rs"] mod support;` from a test crate's `main.rs`.

// Each test crate uses a different part of the support code.
#![allow(dead_code)]

pub mod wp_db;
