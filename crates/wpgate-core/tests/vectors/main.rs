#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Data-driven checks of every vector file produced by real WordPress and PHP.
//!
//! One binary (not libtest) so that the run names each failing vector and ends with a single
//! `N passed, M failed` line; the exit status is non-zero when anything failed or nothing ran.
//! See `support.rs` for `WPGATE_VECTORS_DIR` and `WPGATE_VECTORS_ONLY`.

// Shared helpers: not every topic uses each of them.
#[allow(dead_code)]
mod app_passwords;
mod auth_cookie;
mod cookie_headers;
mod cookie_sites;
mod current_user;
mod hash;
mod nonce;
mod ordered;
mod passwords;
mod php_serialize;
mod php_session;
mod request_cookies;
mod session_tokens;
mod support;
mod user_settings;
mod users;
mod validate;
mod wp_config;

use support::Report;

fn main() {
    let mut report = Report::new();
    for run in TOPICS {
        run(&mut report);
    }
    if !report.finish() {
        std::process::exit(1);
    }
}

/// Every topic's entry point, in file order.
const TOPICS: &[fn(&mut Report)] = &[
    hash::run,
    auth_cookie::run,
    validate::run,
    nonce::run,
    session_tokens::run,
    cookie_headers::run,
    request_cookies::run,
    current_user::run,
    user_settings::run,
    passwords::run,
    app_passwords::run,
    wp_config::run,
    users::run,
    php_serialize::run,
    php_session::run,
];
