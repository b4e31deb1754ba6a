//! WordPress's authentication formats, computed exactly as WordPress and PHP compute them.
//!
//! This crate is pure: no I/O, no async, no global state. The clock (`now`, integer Unix
//! seconds as PHP's `time()`) and randomness (`rng`) are arguments, so everything here can be
//! tested against recorded WordPress output, fuzzed and benchmarked on its own.
//!
//! | module | mirrors |
//! |---|---|
//! | [`auth_cookie`] | `wp_generate_auth_cookie()`, `wp_parse_auth_cookie()`, `wp_validate_auth_cookie()` |
//! | [`nonce`] | `wp_nonce_tick()`, `wp_create_nonce()`, `wp_verify_nonce()` |
//! | [`session_tokens`] | `WP_Session_Tokens`, `WP_User_Meta_Session_Tokens` |
//! | [`salts`] | `wp_salt()`, `wp_hash()` |
//! | [`random`] | `wp_generate_password()` |
//! | [`users`] | `sanitize_user()`, `validate_username()`, `remove_accents()`, `wp_strip_all_tags()`, the login lookup of `get_user_by()` |
//! | [`version`] | `$wp_version`: the behaviour differences between WordPress releases |
//! | [`current_user`] | the `determine_current_user` filter: `wp_validate_auth_cookie()` then `wp_validate_logged_in_cookie()`; `wp_get_session_token()` |
//! | [`cookies`] | `wp_cookie_constants()`, `wp_set_auth_cookie()`, `wp_clear_auth_cookie()`, PHP `setcookie()` and `$_COOKIE` |
//! | [`user_settings`] | `wp-settings-{uid}` cookies: `get_all_user_settings()`, `wp_user_settings()` |
//! | [`password`] | `wp_hash_password`, `wp_check_password`, `wp_password_needs_rehash`, phpass, `wp_fast_hash`, application passwords |
//! | [`wp_config`] | `wp-config.php`: keys, salts, database and cookie constants, read without PHP |
//! | [`php_serialize`] | PHP's `serialize()` / `unserialize()` format |
//! | [`php_session`] | PHP session serializers, session ids, the session cookie |
//!
//! Every public function that mirrors a PHP function carries that function's name as a doc
//! alias, so `wp_validate_auth_cookie` finds [`auth_cookie`]'s validator in rustdoc search.

pub mod auth_cookie;
pub mod cookies;
pub mod current_user;
pub mod nonce;
pub mod password;
pub mod php_serialize;
pub mod php_session;
pub mod random;
pub mod salts;
pub mod session_tokens;
pub mod user_settings;
pub mod users;
pub mod version;
pub mod wp_config;

mod php;

pub use version::WpVersion;
