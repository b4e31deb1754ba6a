//! PHP sessions as PHP stores and sends them: the session serializers, session ids and the
//! session cookie.
//!
//! | item | mirrors |
//! |---|---|
//! | [`Session::decode`], [`Session::encode`] | `session_decode()` / `session_encode()` for the `php`, `php_serialize`, `php_binary` handlers (ext/session/session.c) |
//! | [`is_igbinary`] | recognises `session.serialize_handler = igbinary` data (unsupported) |
//! | [`SessionId::generate`], [`SessionId::from_random_bytes`] | `php_session_create_id()`, `bin_to_readable()` |
//! | [`is_valid_key`] | `php_session_valid_key()` |
//! | [`start_decision`] | what `session_start()` does with an incoming id |
//! | [`CookieParams::set_cookie`] | `php_session_send_cookie()` |
//! | [`cache_limiter_headers`] | `session.cache_limiter` |
//!
//! Everything here is pure; the store (Redis, files) and the clock are the caller's.
//!
//! PHP's own encoder silently loses data in a few cases (integer top-level keys, `|` in a name
//! with the `php` handler, names over 127 bytes with `php_binary`).
//! [`Session::encode`] refuses those; [`Session::encode_like_php`] reproduces PHP.

mod codec;
mod cookie;
mod id;

pub use codec::{EncodeWarning, Handler, PhpEncoding, Session, SessionError, is_igbinary};
pub use cookie::{
    CookieError, CookieParams, PAST_EXPIRES, cache_limiter_headers, http_date, raw_url_decode,
    urlencode,
};
pub use id::{
    ALPHABET, MAX_LENGTH, SaveHandler, SessionId, SessionIdError, SidBits, SidSettings,
    StartDecision, is_dangerous, is_valid_key, start_decision,
};
