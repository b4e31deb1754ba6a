//! Auth cookie throughput: generate, and the pure part of validation (parse, expiry, HMAC) —
//! the store lookup is excluded. Target: verify ≥ 1,000,000 per second per core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, AuthCookie, RequestKind, Scheme};
use wpgate_core::salts::{SaltSources, Salts, SecretConstant};

const HASH: &str = "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa";
const TOKEN: &str = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
const NOW: i64 = 1_772_382_187;

fn salts() -> Salts {
    let mut sources = SaltSources::default();
    for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
        sources
            .constants
            .define(c, format!("{i}: a 64 character secret like wp-config.php has it......"));
    }
    Salts::resolve(&sources).expect("distinct constants")
}

fn bench(c: &mut Criterion) {
    let salts = salts();
    let v = WpVersion::LATEST;
    let cookie =
        auth_cookie::generate(&salts, Scheme::LoggedIn, "bob smith", HASH, NOW + 172_800, TOKEN, v);

    let mut group = c.benchmark_group("auth_cookie");
    group.throughput(Throughput::Elements(1));
    group.bench_function("generate", |b| {
        b.iter(|| {
            auth_cookie::generate(
                black_box(&salts),
                Scheme::LoggedIn,
                black_box("bob smith"),
                HASH,
                NOW + 172_800,
                TOKEN,
                v,
            )
        })
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            let parsed = AuthCookie::parse(black_box(&cookie)).expect("valid");
            parsed.check_expiry(NOW, RequestKind::GET, v).expect("live");
            parsed.verify_hmac(&salts, Scheme::LoggedIn, HASH, v).expect("valid hmac");
            parsed.verifier()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
