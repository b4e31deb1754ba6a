//! A fixed number of auth cookie verifications (or generations), for CPU-time measurements
//! that a busy machine cannot distort: `perf stat -e task-clock` (or `time`) over the run,
//! divided by the count, is the CPU cost of one operation.
//!
//! ```text
//! cargo build --release -p wpgate-core --example cookie_cpu
//! perf stat -e task-clock target/release/examples/cookie_cpu verify 5000000
//! ```
//! The work is exactly that of the `auth_cookie/verify` Criterion bench: parse, expiry, HMAC
//! and the token's verifier; the session store is excluded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::hint::black_box;

use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, AuthCookie, RequestKind, Scheme};
use wpgate_core::salts::{SaltSources, Salts, SecretConstant};

const HASH: &str = "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa";
const TOKEN: &str = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
const NOW: i64 = 1_772_382_187;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "verify".to_owned());
    let n: u64 = args.next().map_or(1_000_000, |s| s.parse().expect("a count"));
    let mut sources = SaltSources::default();
    for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
        sources
            .constants
            .define(c, format!("{i}: a 64 character secret like wp-config.php has it......"));
    }
    let salts = Salts::resolve(&sources).unwrap();
    let v = WpVersion::LATEST;
    let cookie =
        auth_cookie::generate(&salts, Scheme::LoggedIn, "bob smith", HASH, NOW + 172_800, TOKEN, v);
    let start = std::time::Instant::now();
    match what.as_str() {
        "verify" => {
            for _ in 0..n {
                let parsed = AuthCookie::parse(black_box(&cookie)).unwrap();
                parsed.check_expiry(NOW, RequestKind::GET, v).unwrap();
                parsed.verify_hmac(&salts, Scheme::LoggedIn, HASH, v).unwrap();
                black_box(parsed.verifier());
            }
        }
        "generate" => {
            for _ in 0..n {
                black_box(auth_cookie::generate(
                    black_box(&salts),
                    Scheme::LoggedIn,
                    black_box("bob smith"),
                    HASH,
                    NOW + 172_800,
                    TOKEN,
                    v,
                ));
            }
        }
        other => panic!("verify or generate, not {other}"),
    }
    let wall = start.elapsed();
    println!("{what}: {n} in {wall:?} wall, {:?} wall each", wall / u32::try_from(n).unwrap());
}
