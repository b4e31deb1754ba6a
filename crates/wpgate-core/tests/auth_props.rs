#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Property tests for the auth cookie and session parts: a valid cookie stops being valid
//! after any single-byte change, and no input makes the cookie, current-user or session
//! readers panic. (`RequestCookies::parse` and `WpConfig::parse` have their own no-panic
//! properties next to their code.)

use std::sync::OnceLock;

use proptest::prelude::*;
use wpgate_core::WpVersion;
use wpgate_core::auth_cookie::{self, AuthCookie, CookieError, CookieUser, RequestKind, Scheme};
use wpgate_core::cookies::{CookieConfig, CookieSettings, RequestCookies, raw_url_encode};
use wpgate_core::current_user::{self, CookieCheck, Request};
use wpgate_core::salts::{SaltSources, Salts, SecretConstant};
use wpgate_core::session_tokens::{Session, UserMetaSessions, Verifier};

const NOW: i64 = 1_772_382_187;

/// Password hashes of every family, so both `pass_frag()` rules are exercised.
const HASHES: &[&str] = &[
    "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61",
    "$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa",
    "$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa",
    "d94872a41fa7251125a83ed57276f1c9",
    "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    "short",
];

fn salts() -> &'static Salts {
    static SALTS: OnceLock<Salts> = OnceLock::new();
    SALTS.get_or_init(|| {
        let mut sources = SaltSources::default();
        for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
            sources.constants.define(c, format!("{i}: property-test secret"));
        }
        Salts::resolve(&sources).unwrap()
    })
}

fn config() -> &'static CookieConfig {
    static CONFIG: OnceLock<CookieConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        CookieConfig::new(&CookieSettings::new("https://example.com/wp", "https://example.com"))
    })
}

fn version() -> impl Strategy<Value = WpVersion> {
    prop_oneof![
        Just(WpVersion::new(4, 9, 0)),
        Just(WpVersion::new(6, 7, 2)),
        Just(WpVersion::new(6, 8, 3)),
        Just(WpVersion::LATEST),
    ]
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![Just(Scheme::Auth), Just(Scheme::SecureAuth), Just(Scheme::LoggedIn)]
}

/// A login WordPress could hold: sanitized ASCII, or injected non-ASCII (never `|`).
fn login() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9 _.@-]{1,24}", "[a-zé山田ß' ]{1,12}"]
}

/// One single-byte edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Substitute(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Substitute(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
    ]
}

impl Edit {
    /// The edited bytes, or `None` when the edit changes nothing (same byte substituted).
    fn apply(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut out = bytes.to_vec();
        match *self {
            Edit::Substitute(at, byte) => {
                let i = at.index(out.len());
                if out[i] == byte {
                    return None;
                }
                out[i] = byte;
            }
            Edit::Delete(at) => {
                out.remove(at.index(out.len()));
            }
            Edit::Insert(at, byte) => out.insert(at.index(out.len() + 1), byte),
        }
        Some(out)
    }
}

struct User(&'static str);

impl CookieUser for User {
    fn user_pass(&self) -> &str {
        self.0
    }
}

/// Bytes PHP's `unserialize()` reacts to, for session records.
fn serialized_soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just("a:1:{".to_owned()),
            Just("a:2:{".to_owned()),
            Just("}".to_owned()),
            Just("s:10:\"expiration\";".to_owned()),
            Just("s:2:\"ip\";".to_owned()),
            Just("s:2:\"ua\";".to_owned()),
            Just("s:5:\"login\";".to_owned()),
            Just(format!("s:64:\"{}\";", Verifier::of("token"))),
            (any::<i64>()).prop_map(|n| format!("i:{n};")),
            (NOW - 10..NOW + 10).prop_map(|n| format!("i:{n};")),
            Just("d:1.5e9;".to_owned()),
            Just("s:10:\"1772382190\";".to_owned()),
            Just("b:1;".to_owned()),
            Just("N;".to_owned()),
            Just("O:8:\"stdClass\":0:{}".to_owned()),
            Just("R:1;".to_owned()),
            "[a-z0-9:;{}\"]{0,6}",
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat().into_bytes())
}

proptest! {
    /// Any substitution, deletion or insertion of one byte anywhere in a valid cookie makes
    /// it invalid, with a lookup that finds the user for any login and a store where every
    /// session is live: only the cookie's own checks can refuse it, and they must.
    #[test]
    fn any_single_byte_edit_invalidates_a_valid_cookie(
        login in login(),
        hash in prop::sample::select(HASHES),
        lifetime in 0_i64..2_000_000,
        token in "[A-Za-z0-9]{43}",
        scheme in scheme(),
        version in version(),
        edit in edit(),
    ) {
        let salts = salts();
        let value = auth_cookie::generate(salts, scheme, &login, hash, NOW + lifetime, &token, version);
        let validate = |text: &str| {
            auth_cookie::validate(
                text, scheme, salts, NOW, RequestKind::GET, version,
                |_| Some(User(hash)), |_, _| true,
            ).map(|ok| ok.expiration)
        };
        prop_assert_eq!(validate(&value), Ok(NOW + lifetime));

        let Some(edited) = edit.apply(value.as_bytes()) else { return Ok(()) };
        if let Ok(text) = std::str::from_utf8(&edited) {
            let outcome = validate(text);
            prop_assert!(
                matches!(
                    outcome,
                    Err(CookieError::Malformed | CookieError::Expired | CookieError::UnknownUser
                        | CookieError::BadHmac)
                ),
                "{:?} gave {:?}", text, outcome
            );
        }

        // The same through a whole request, where the edit may also leave UTF-8.
        let header = format!("{}={}", config().cookie_name(scheme), raw_url_encode(&edited));
        let cookies = RequestCookies::parse(header).magic_quoted();
        let mut request = Request::new(&cookies, scheme == Scheme::SecureAuth);
        request.kind = RequestKind::GET;
        let resolved = current_user::resolve(
            &request, config(), salts, NOW, version, |_| Some(User(hash)), |_, _| true,
        );
        prop_assert!(resolved.is_err(), "{:?} was accepted", String::from_utf8_lossy(&edited));
    }

    #[test]
    fn auth_cookie_parse_and_checks_never_panic(
        text in prop_oneof![any::<String>(), "[0-9a-fA-F|+. eE-]{0,48}"],
        now in any::<i64>(),
        post in any::<bool>(),
        scheme in scheme(),
        version in version(),
    ) {
        if let Ok(cookie) = AuthCookie::parse(&text) {
            prop_assert_eq!(text.split('|').count(), 4);
            let kind = RequestKind { post, ajax: false };
            let _ = cookie.check_expiry(now, kind, version);
            let _ = cookie.in_grace_period(now);
            let _ = cookie.expiration();
            let _ = cookie.verifier();
            let _ = cookie.verify_hmac(salts(), scheme, "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61", version);
        } else {
            prop_assert!(text.is_empty() || text.split('|').count() != 4);
        }
    }

    #[test]
    fn current_user_never_panics_on_arbitrary_headers(
        header in prop::collection::vec(any::<u8>(), 0..256),
        https in any::<bool>(),
    ) {
        let cookies = RequestCookies::parse(&header).magic_quoted();
        let request = Request::new(&cookies, https);
        let resolved = current_user::resolve(
            &request, config(), salts(), NOW, WpVersion::LATEST, |_| Some(User("x")), |_, _| true,
        );
        if let Err(e) = resolved {
            prop_assert_ne!(e.logged_in, CookieCheck::Skipped);
        }
        let _ = current_user::session_token(&cookies, config());
    }

    #[test]
    fn session_records_decode_or_fail_without_panicking(
        bytes in prop_oneof![prop::collection::vec(any::<u8>(), 0..256), serialized_soup()],
        now in prop_oneof![any::<i64>(), Just(NOW)],
    ) {
        if let Ok(session) = Session::decode(&bytes) {
            let _ = (session.expiration(), session.is_live(now), session.ip());
            let _ = (session.user_agent(), session.login(), format!("{session:?}"));
            // What is accepted is written back as a record that reads the same.
            let again = Session::decode(&session.encode()).unwrap();
            prop_assert_eq!(again.expiration(), session.expiration());
        }
        let sessions = UserMetaSessions::decode(Some(&bytes), now);
        for (verifier, session) in sessions.iter() {
            let _ = (verifier, session.is_live(now));
        }
        if let Some(stored) = sessions.encode() {
            let back = UserMetaSessions::decode(Some(&stored), now);
            prop_assert_eq!(back.len(), sessions.len());
        }
    }

    #[test]
    fn verifier_parse_accepts_exactly_lowercase_hex_of_64(text in prop_oneof![
        any::<String>(), "[0-9a-fA-F]{62,66}", "[0-9a-f]{64}",
    ]) {
        let valid = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let parsed = Verifier::parse(&text);
        prop_assert_eq!(parsed.is_some(), valid);
        if let Some(v) = parsed {
            prop_assert_eq!(v.as_str(), text.as_str());
        }
    }

    #[test]
    fn every_token_verifier_parses_back(token in any::<String>()) {
        let v = Verifier::of(&token);
        prop_assert_eq!(Verifier::parse(v.as_str()), Some(v));
    }
}
