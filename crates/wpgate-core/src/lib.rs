//! WordPress's authentication formats, computed exactly as WordPress and PHP compute them.
//!
//! This crate is pure: no I/O, no async, no global state. The clock (`now`, integer Unix
//! seconds as PHP's `time()`) and randomness (`rng`) are arguments, so everything here can be
//! tested against recorded WordPress output, fuzzed and benchmarked on its own.
//!
//! | module | mirrors |
//! |---|---|
//! | [`version`] | `$wp_version`: the behaviour differences between WordPress releases |
//! | [`php_serialize`] | PHP's `serialize()` / `unserialize()` format |
//! | [`php_session`] | PHP session serializers, session ids, the session cookie |
//!
//! Every public function that mirrors a PHP function carries that function's name as a doc
//! alias, so `wp_validate_auth_cookie` finds [`auth_cookie`]'s validator in rustdoc search.

pub mod php_serialize;
pub mod php_session;
pub mod version;

pub use version::WpVersion;
