//! Password check costs: what one login attempt costs per stored-hash format.
//!
//! Run: `cargo bench -p wpgate-core --bench password`.

#![allow(clippy::unwrap_used)] // a bench whose fixture fails should stop loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wpgate_core::WpVersion;
use wpgate_core::password::{self, Password, PasswordHash};

/// Hashes from compat-tests/vectors/wordpress/passwords.json and app_passwords.json.
const PHPASS: &str = "$P$ByfrvEnW/g2B/1pPJlxqvKldf9MzUN/";
const PHPASS_PASSWORD: &str = "ZAqfwRbtx26Ct4!#";
const WP_BCRYPT: &str = "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa";
const WP_BCRYPT_PASSWORD: &str = "WgTLDpLndEgc7G!#";
const MD5: &str = "d94872a41fa7251125a83ed57276f1c9";
const MD5_PASSWORD: &str = "em12KtNJ7JqOid!#";
const FAST: &str = "$generic$pyLdrcIixXgwvfpkDRVjdlkFYJqCXKE9pUSreLUQ";
const FAST_MESSAGE: &str = "TGv5E9y4FGUEMhu1d3zcHYm9";

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("wp_check_password");
    for (name, password, hash) in [
        ("phpass $P$B (8192 MD5)", PHPASS_PASSWORD, PHPASS),
        ("$wp$2y$10$ (bcrypt cost 10)", WP_BCRYPT_PASSWORD, WP_BCRYPT),
        ("md5 (legacy)", MD5_PASSWORD, MD5),
    ] {
        let password = Password::from(password);
        let hash = PasswordHash::from(hash);
        assert!(password::verify(&password, &hash, WpVersion::LATEST).unwrap());
        group.bench_function(name, |b| {
            b.iter(|| password::verify(black_box(&password), black_box(&hash), WpVersion::LATEST))
        });
    }
    group.finish();

    let hash = PasswordHash::from(FAST);
    assert!(password::verify_fast_hash(FAST_MESSAGE.as_bytes(), &hash).unwrap());
    c.bench_function("wp_verify_fast_hash ($generic$)", |b| {
        b.iter(|| password::verify_fast_hash(black_box(FAST_MESSAGE.as_bytes()), black_box(&hash)))
    });
}

criterion_group! {
    name = benches;
    // bcrypt at cost 10 takes tens of milliseconds per check: keep the sample small.
    config = Criterion::default().sample_size(10);
    targets = verify
}
criterion_main!(benches);
