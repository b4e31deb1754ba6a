//! Any bytes as an incoming PHP session id (a cookie value): URL-decoding, the key check,
//! `session_start()`'s decision and the strict client-id parser never panic, and an accepted
//! client id is exactly the shape wpgate issues.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpgate_core::php_session::{
    MAX_LENGTH, SaveHandler, SessionId, SidSettings, is_dangerous, is_valid_key, raw_url_decode,
    start_decision,
};

fuzz_target!(|data: &[u8]| {
    let decoded = raw_url_decode(data);
    for id in [data, decoded.as_slice()] {
        let valid = is_valid_key(id);
        if valid {
            assert!(!id.is_empty() && id.len() <= MAX_LENGTH);
            assert!(!is_dangerous(id));
        }
        for handler in [SaveHandler::Files, SaveHandler::Redis] {
            for strict in [false, true] {
                let _ = start_decision(Some(id), handler, strict);
            }
        }
        if let Ok(text) = std::str::from_utf8(id) {
            match SessionId::from_client(text) {
                Some(sid) => {
                    assert!(valid && text.len() >= 22);
                    assert_eq!(sid.expose_secret(), text);
                    assert!(!format!("{sid:?}").contains(text));
                }
                None => assert!(!valid || text.len() < 22),
            }
        }
    }
    // php.ini values for the id settings, split at the first NUL.
    if let Ok(text) = std::str::from_utf8(data) {
        let (length, bits) = text.split_once('\0').unwrap_or((text, "5"));
        if let Ok(settings) = SidSettings::from_ini(length, bits) {
            let bytes = vec![0xa5; settings.random_bytes_needed()];
            let id = SessionId::from_random_bytes(&bytes, &settings).expect("enough bytes");
            assert_eq!(id.expose_secret().len(), settings.length());
            assert!(is_valid_key(id.expose_secret().as_bytes()));
        }
    }
});
