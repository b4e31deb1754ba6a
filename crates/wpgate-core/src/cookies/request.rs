//! What WordPress reads from a request: `$_COOKIE` (PHP's parsing, then WordPress's
//! `wp_magic_quotes()` slashing) and `is_ssl()`.
//!
//! PHP builds `$_COOKIE` from the `Cookie` header (main/php_variables.c): split on `;`, skip
//! leading blanks, name and value split at the first `=`, the value `rawurldecode`d (a `+` stays
//! a `+`), the name left encoded but mangled like every PHP request variable (`.` and space
//! become `_`, brackets build arrays; see [`super::input`]), and the **first** cookie of a name
//! wins. WordPress then runs `addslashes()` over every value (`wp_magic_quotes()`,
//! wp-includes/load.php), and that slashed text is what `wp_parse_auth_cookie()` splits, so a
//! login containing `'`, `"` or `\` can never authenticate from a request.

use std::fmt;

use super::input::{InputArray, InputKey, InputLimits, InputValue, parse_cookie_header};

/// The cookies of one request as PHP's `$_COOKIE` holds them.
///
/// [`RequestCookies::parse`] gives PHP's decoded values; [`RequestCookies::magic_quoted`] gives
/// WordPress's slashed view, which is what its auth code sees.
///
/// # Security
/// `Debug` lists cookie names only, never values.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::RequestCookies;
/// let raw = RequestCookies::parse(b"w=o%27connor%7C1; w=second; x=a+b");
/// assert_eq!(raw.bytes("w"), Some(&b"o'connor|1"[..]));
/// assert_eq!(raw.bytes("x"), Some(&b"a+b"[..]));
/// let seen = raw.magic_quoted();
/// assert_eq!(seen.bytes("w"), Some(&br"o\'connor|1"[..]));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestCookies {
    vars: InputArray,
}

impl RequestCookies {
    /// `$_COOKIE` for a `Cookie` header value, with PHP's default limits (1000 cookies, 64
    /// bracket levels). Several `Cookie` headers must be joined with `"; "` first, as web
    /// servers do before PHP sees them.
    ///
    /// Never fails: PHP accepts any bytes, and so does this. A NUL byte ends the header, as it
    /// does for PHP's C string.
    pub fn parse(header: impl AsRef<[u8]>) -> Self {
        Self::parse_with_limits(header, InputLimits::default())
    }

    /// [`RequestCookies::parse`] with other `max_input_vars` / `max_input_nesting_level`.
    pub fn parse_with_limits(header: impl AsRef<[u8]>, limits: InputLimits) -> Self {
        RequestCookies { vars: parse_cookie_header(header.as_ref(), limits) }
    }

    /// WordPress's view: every string value passed through `addslashes()`.
    #[doc(alias = "wp_magic_quotes")]
    pub fn magic_quoted(&self) -> Self {
        RequestCookies { vars: self.vars.magic_quoted() }
    }

    /// [`RequestCookies::magic_quoted`] without a copy: the values that need a backslash are
    /// rewritten in place (the common case, an auth cookie, has none).
    #[doc(alias = "wp_magic_quotes")]
    #[must_use]
    pub fn into_magic_quoted(mut self) -> Self {
        self.vars.add_magic_quotes();
        self
    }

    /// `$_COOKIE[name]`: a string, or an array for bracketed names (`name[k]=v`).
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&InputValue> {
        self.vars.get(name)
    }

    /// The bytes of `$_COOKIE[name]` when it is a string.
    pub fn bytes(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        self.get(name).and_then(InputValue::as_bytes)
    }

    /// `$_COOKIE[name]` when it is a UTF-8 string.
    pub fn str(&self, name: impl AsRef<[u8]>) -> Option<&str> {
        self.get(name).and_then(InputValue::as_str)
    }

    /// Whether `isset($_COOKIE[name])`.
    pub fn contains(&self, name: impl AsRef<[u8]>) -> bool {
        self.get(name).is_some()
    }

    /// All cookies in PHP's order.
    pub fn iter(&self) -> impl Iterator<Item = (&InputKey, &InputValue)> {
        self.vars.iter()
    }

    /// The underlying PHP array.
    pub fn as_array(&self) -> &InputArray {
        &self.vars
    }

    /// Number of distinct top-level cookies.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when the request carried no usable cookie.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}

impl fmt::Debug for RequestCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.vars.iter().map(|(k, _)| k)).finish()
    }
}

/// WordPress `is_ssl()` from the server variables: `HTTPS` is `on` (any case) or `1`; only when
/// `HTTPS` is unset, `SERVER_PORT` `443`.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::is_ssl;
/// assert!(is_ssl(Some("ON"), None));
/// assert!(!is_ssl(Some("off"), Some("443")));
/// assert!(is_ssl(None, Some("443")));
/// ```
pub fn is_ssl(https: Option<&str>, server_port: Option<&str>) -> bool {
    match https {
        Some(value) => value.eq_ignore_ascii_case("on") || value == "1",
        None => server_port == Some("443"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_decode_as_php_does() {
        let c = RequestCookies::parse(
            "a=bob+smith%7C1; b=alice|1|t|h; c=%E5%B1%B1; a=second; d.e=1; f",
        );
        assert_eq!(c.bytes("a"), Some(&b"bob+smith|1"[..]));
        assert_eq!(c.bytes("b"), Some(&b"alice|1|t|h"[..]));
        assert_eq!(c.str("c"), Some("山"));
        assert_eq!(c.bytes("d_e"), Some(&b"1"[..]));
        assert!(!c.contains("d.e"));
        assert_eq!(c.bytes("f"), Some(&b""[..]));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn magic_quotes_reach_into_arrays() {
        let c = RequestCookies::parse("a[x]=%22q%22; b=%5C%00").magic_quoted();
        let a = c.get("a").unwrap().as_array().unwrap();
        assert_eq!(a.get("x").unwrap().as_bytes(), Some(&br#"\"q\""#[..]));
        assert_eq!(c.bytes("b"), Some(&br"\\\0"[..]));
    }

    #[test]
    fn slashing_in_place_gives_the_same_view() {
        let header = "plain=abc%7C1; q=o%27c; a[x]=%22q%22; a[y]=z; n=%00; s=%5C";
        let parsed = RequestCookies::parse(header);
        let copied = parsed.magic_quoted();
        assert_eq!(parsed.into_magic_quoted(), copied);
        assert_eq!(copied.bytes("plain"), Some(&b"abc|1"[..]));
        assert_eq!(copied.bytes("q"), Some(&br"o\'c"[..]));
        assert_eq!(copied.bytes("n"), Some(&br"\0"[..]));
    }

    #[test]
    fn no_header_means_no_cookies() {
        assert!(RequestCookies::parse("").is_empty());
        assert!(RequestCookies::parse(" ; ;").is_empty());
    }

    #[test]
    fn https_is_decided_by_the_https_variable_first() {
        assert!(is_ssl(Some("on"), Some("80")));
        assert!(is_ssl(Some("1"), None));
        assert!(!is_ssl(Some(""), Some("443")));
        assert!(!is_ssl(Some("true"), None));
        assert!(!is_ssl(None, Some("8443")));
        assert!(!is_ssl(None, None));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::cookies::input::{InputLimits, parse_str};
        use crate::cookies::{raw_url_decode, raw_url_encode};

        /// Headers built from the characters PHP's parser reacts to.
        fn hostile_header() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    Just("["),
                    Just("]"),
                    Just("="),
                    Just(";"),
                    Just(" "),
                    Just("."),
                    Just("%"),
                    Just("%00"),
                    Just("a"),
                    Just("0"),
                    Just("-1"),
                    Just("+"),
                    Just("\t"),
                ],
                0..64,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #[test]
            fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let c = RequestCookies::parse(&bytes);
                let _ = c.magic_quoted();
                let _ = parse_str(&bytes);
                prop_assert!(c.len() <= bytes.len());
            }

            #[test]
            fn parsing_arbitrary_strings_never_panics(s in any::<String>()) {
                let _ = RequestCookies::parse(&s).magic_quoted();
                let _ = parse_str(s.as_bytes());
            }

            #[test]
            fn parsing_bracket_soup_never_panics_and_respects_limits(s in hostile_header()) {
                let limits = InputLimits { max_input_vars: 5, max_input_nesting_level: 3 };
                let c = RequestCookies::parse_with_limits(&s, limits);
                prop_assert!(c.len() <= 5);
                let _ = c.magic_quoted();
                let _ = RequestCookies::parse(&s);
                let _ = parse_str(s.as_bytes());
            }

            #[test]
            fn rawurlencode_then_decode_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let encoded = raw_url_encode(&bytes);
                prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
                prop_assert_eq!(raw_url_decode(encoded.as_bytes()), bytes);
            }

            #[test]
            fn a_cookie_php_set_reads_back_as_its_value(
                name in "[A-Za-z0-9_-]{1,20}",
                value in proptest::collection::vec(any::<u8>(), 0..128),
            ) {
                let header = format!("{name}={}; {name}=other", raw_url_encode(&value));
                let c = RequestCookies::parse(header);
                prop_assert_eq!(c.bytes(&name), Some(value.as_slice()));
            }
        }
    }
}
