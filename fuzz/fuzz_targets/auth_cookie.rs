//! Any text as an auth cookie value: parsing splits into exactly four fields or fails, every
//! validation step returns Ok or Err without panicking (all WordPress versions, GET and POST,
//! any clock), and a cookie generated from fuzzed fields parses back to those fields and
//! verifies.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, AuthCookie, RequestKind, Scheme};
use wpgate_core::salts::{SaltSources, Salts, SecretConstant};

const VERSIONS: [WpVersion; 3] = [WpVersion::V4_0, WpVersion::V6_1, WpVersion::LATEST];
const HASHES: [&str; 4] = [
    "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61",
    "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa",
    "5f4dcc3b5aa765d61d8327deb882cf99",
    "",
];

fn salts() -> &'static Salts {
    static SALTS: OnceLock<Salts> = OnceLock::new();
    SALTS.get_or_init(|| {
        let mut sources = SaltSources::default();
        for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
            sources.constants.define(c, format!("{i}: a fuzzing secret of some length........"));
        }
        Salts::resolve(&sources).expect("distinct constants")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(value) = std::str::from_utf8(rest) else { return };
    let now = i64::from(selector) * 86_400 * 200;
    let scheme = [Scheme::Auth, Scheme::SecureAuth, Scheme::LoggedIn][usize::from(selector % 3)];
    let hash = HASHES[usize::from(selector / 3 % 4)];

    match AuthCookie::parse(value) {
        Ok(cookie) => {
            assert_eq!(value.matches('|').count(), 3);
            let joined =
                [cookie.username(), cookie.expiration_text(), cookie.token(), cookie.hmac()]
                    .join("|");
            assert_eq!(joined, value);
            let _ = cookie.expiration();
            let _ = cookie.in_grace_period(now);
            let _ = cookie.verifier();
            for version in VERSIONS {
                for kind in [RequestKind::GET, RequestKind::POST] {
                    let _ = cookie.check_expiry(now, kind, version);
                    let _ = cookie.check_expiry(i64::MIN, kind, version);
                    let _ = cookie.check_expiry(i64::MAX, kind, version);
                }
                // Fuzzed text never carries the right HMAC.
                assert!(cookie.verify_hmac(salts(), scheme, hash, version).is_err());
            }
        }
        Err(_) => assert_ne!(value.matches('|').count(), 3),
    }

    // Round trip: fields without `|` make a cookie that parses back and verifies.
    let mut fields = value.splitn(2, '\n');
    let login = fields.next().unwrap_or_default().replace('|', "");
    let token = fields.next().unwrap_or_default().replace('|', "");
    let expiration = now.wrapping_sub(i64::from(selector));
    for version in VERSIONS {
        let made =
            auth_cookie::generate(salts(), scheme, &login, hash, expiration, &token, version);
        let cookie = AuthCookie::parse(&made).expect("a generated cookie parses");
        assert_eq!(cookie.username(), login);
        assert_eq!(cookie.token(), token);
        assert_eq!(cookie.expiration(), expiration);
        assert!(cookie.verify_hmac(salts(), scheme, hash, version).is_ok());
    }
});
