//! `Set-Cookie` header values exactly as PHP 8.2's `setcookie()` writes them.
//!
//! Shape (ext/standard/head.c, `php_setcookie()`):
//!
//! ```text
//! NAME=RAWURLENCODED; expires=Mon, 16 Mar 2026 04:23:07 GMT; Max-Age=1252800; path=/p; domain=d; secure; HttpOnly; SameSite=Lax
//! ```
//!
//! * the value is `rawurlencode()`d (RFC 3986: `A-Z a-z 0-9 - _ . ~` kept, every other byte
//!   `%XX` in upper case);
//! * `expires` and `Max-Age` appear only when the expiry is **positive**; `Max-Age` is
//!   `expires − now`, and `0` when that is negative;
//! * an **empty value** is not sent as such: PHP writes `NAME=deleted; expires=Thu, 01 Jan 1970
//!   00:00:01 GMT; Max-Age=0` whatever expiry was asked for;
//! * `path`, `domain` and `SameSite` only when non-empty; WordPress never sends `SameSite`;
//! * PHP refuses (a `ValueError`, so WordPress sends nothing) names that are empty or contain
//!   `=,; \t\r\n\x0b\x0c`, paths and domains that contain `,; \t\r\n\x0b\x0c`, and expiries after
//!   the year 9999 — [`SetCookie::header_value`] returns a [`SetCookieError`] for them.

use std::fmt;

use super::SetCookieError;

/// One `setcookie()` call: a cookie WordPress (PHP) would send.
///
/// # Security
/// Auth cookie values are bearer credentials: `Debug` prints the value's length only.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::SetCookie;
/// let c = SetCookie::new("wordpress_test_cookie", "WP Cookie check").with_path("/");
/// assert_eq!(
///     c.header_value(1_772_382_187).unwrap(),
///     "wordpress_test_cookie=WP%20Cookie%20check; path=/"
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: Vec<u8>,
    expires: Option<i64>,
    path: String,
    domain: String,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

/// The `SameSite` attribute (PHP 7.3+ option; WordPress core never sets it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`
    Strict,
    /// `SameSite=Lax`
    Lax,
    /// `SameSite=None`
    None,
}

impl SameSite {
    /// The attribute value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

impl SetCookie {
    /// A session cookie (`expires` 0) with no path, domain or flags.
    #[doc(alias = "setcookie")]
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        SetCookie {
            name: name.into(),
            value: value.into(),
            expires: None,
            path: String::new(),
            domain: String::new(),
            secure: false,
            http_only: false,
            same_site: None,
        }
    }

    /// Sets `expires_or_options` (Unix seconds). `None` (PHP `0`) is a browser-session cookie;
    /// like PHP, a zero or negative time also writes no `expires`.
    pub fn with_expires(mut self, expires: Option<i64>) -> Self {
        self.expires = expires;
        self
    }

    /// Sets the path (empty: no attribute).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the domain (empty: no attribute; WordPress's `COOKIE_DOMAIN` `false` is empty too).
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// Sets the `secure` flag.
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets the `HttpOnly` flag.
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// Sets `SameSite` (never set by WordPress; for callers that want it).
    pub fn with_same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.same_site = same_site;
        self
    }

    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw (unencoded) value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The value as it goes on the wire (`rawurlencode`d).
    pub fn value_on_wire(&self) -> String {
        raw_url_encode(&self.value)
    }

    /// The expiry passed to `setcookie()`; `None` for a session cookie.
    pub fn expires(&self) -> Option<i64> {
        self.expires
    }

    /// The path attribute.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The domain attribute (may be empty).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether the `secure` flag is set.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Whether the `HttpOnly` flag is set.
    pub fn is_http_only(&self) -> bool {
        self.http_only
    }

    /// The `SameSite` attribute, if any.
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }

    /// The `Set-Cookie` header value PHP 8.2 writes at time `now` (which only `Max-Age`
    /// depends on).
    ///
    /// # Errors
    /// [`SetCookieError`] where PHP's `setcookie()` throws a `ValueError` (bad name, path or
    /// domain characters, expiry after 9999-12-31) or the header would carry a NUL byte (which
    /// PHP refuses to send).
    pub fn header_value(&self, now: i64) -> Result<String, SetCookieError> {
        self.validate()?;
        let mut out = String::with_capacity(self.name.len() + self.value.len() * 3 + 96);
        out.push_str(&self.name);
        out.push('=');
        let expires = self.expires.unwrap_or(0);
        if self.value.is_empty() {
            // MSIE would not delete a cookie set to "", so PHP sends a past date instead.
            out.push_str("deleted; expires=");
            out.push_str(&http_date(1));
            out.push_str("; Max-Age=0");
        } else {
            out.push_str(&raw_url_encode(&self.value));
            if expires > 0 {
                out.push_str("; expires=");
                out.push_str(&http_date(expires));
                out.push_str("; Max-Age=");
                out.push_str(&expires.saturating_sub(now).max(0).to_string());
            }
        }
        if !self.path.is_empty() {
            out.push_str("; path=");
            out.push_str(&self.path);
        }
        if !self.domain.is_empty() {
            out.push_str("; domain=");
            out.push_str(&self.domain);
        }
        if self.secure {
            out.push_str("; secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(same_site) = self.same_site {
            out.push_str("; SameSite=");
            out.push_str(same_site.as_str());
        }
        Ok(out)
    }

    fn validate(&self) -> Result<(), SetCookieError> {
        if self.name.is_empty() {
            return Err(SetCookieError::EmptyName);
        }
        // PHP checks with strpbrk(), which stops at a NUL; sapi_header_op() then refuses any
        // header containing one. Either way nothing is sent.
        for (field, text) in [
            ("name", self.name.as_str()),
            ("path", self.path.as_str()),
            ("domain", self.domain.as_str()),
        ] {
            if text.contains('\0') {
                return Err(SetCookieError::NulByte { field });
            }
        }
        if self.name.contains(['=', ',', ';', ' ', '\t', '\r', '\n', '\x0b', '\x0c']) {
            return Err(SetCookieError::InvalidName { name: self.name.clone() });
        }
        let forbidden = [',', ';', ' ', '\t', '\r', '\n', '\x0b', '\x0c'];
        if self.path.contains(forbidden) {
            return Err(SetCookieError::InvalidPath { path: self.path.clone() });
        }
        if self.domain.contains(forbidden) {
            return Err(SetCookieError::InvalidDomain { domain: self.domain.clone() });
        }
        if self.expires.unwrap_or(0) >= MAX_EXPIRES {
            return Err(SetCookieError::ExpiresTooLate { expires: self.expires.unwrap_or(0) });
        }
        Ok(())
    }
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &format_args!("<{} bytes>", self.value.len()))
            .field("expires", &self.expires)
            .field("path", &self.path)
            .field("domain", &self.domain)
            .field("secure", &self.secure)
            .field("http_only", &self.http_only)
            .field("same_site", &self.same_site)
            .finish()
    }
}

/// PHP `rawurlencode()`: RFC 3986 unreserved bytes kept, every other byte `%XX` (upper case).
///
/// # Examples
/// ```
/// use wpgate_core::cookies::raw_url_encode;
/// assert_eq!(raw_url_encode("bob smith|1~x".as_bytes()), "bob%20smith%7C1~x");
/// assert_eq!(raw_url_encode("山".as_bytes()), "%E5%B1%B1");
/// ```
#[doc(alias = "rawurlencode")]
pub fn raw_url_encode(input: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
            out.push(char::from(HEX.get(usize::from(b & 0x0f)).copied().unwrap_or(b'0')));
        }
    }
    out
}

/// PHP `rawurldecode()`: `%XX` (two hex digits) decoded, everything else (including `+`) kept.
///
/// # Examples
/// ```
/// use wpgate_core::cookies::raw_url_decode;
/// assert_eq!(raw_url_decode(b"bob+smith%7c%zz"), b"bob+smith|%zz");
/// ```
#[doc(alias = "rawurldecode")]
pub fn raw_url_decode(input: &[u8]) -> Vec<u8> {
    super::input::url_decode(input, false)
}

/// First Unix time whose year is 10000: PHP refuses it (`expires` must fit `Y` in 4 digits).
const MAX_EXPIRES: i64 = 253_402_300_800;

/// PHP `gmdate('D, d M Y H:i:s \G\M\T', t)`.
fn http_date(t: i64) -> String {
    crate::php::gmdate_http(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_382_187;

    #[test]
    fn remembered_cookie_matches_php_byte_for_byte() {
        let c = SetCookie::new("wordpress_sec_x", "alice|1773591787|tok|mac")
            .with_expires(Some(1_773_634_987))
            .with_path("/wordpress/wp-admin")
            .with_secure(true)
            .with_http_only(true);
        assert_eq!(
            c.header_value(NOW).unwrap(),
            "wordpress_sec_x=alice%7C1773591787%7Ctok%7Cmac; expires=Mon, 16 Mar 2026 04:23:07 GMT; \
             Max-Age=1252800; path=/wordpress/wp-admin; secure; HttpOnly"
        );
    }

    #[test]
    fn past_expiry_gives_max_age_zero() {
        let c = SetCookie::new("a", " ").with_expires(Some(NOW - 31_536_000)).with_path("/");
        assert_eq!(
            c.header_value(NOW).unwrap(),
            "a=%20; expires=Sat, 01 Mar 2025 16:23:07 GMT; Max-Age=0; path=/"
        );
    }

    #[test]
    fn zero_or_negative_expiry_is_a_session_cookie() {
        for e in [None, Some(0), Some(-5)] {
            let c = SetCookie::new("a", "b").with_expires(e);
            assert_eq!(c.header_value(NOW).unwrap(), "a=b");
        }
    }

    #[test]
    fn empty_value_is_sent_as_deleted() {
        let c = SetCookie::new("wp-settings-2", "")
            .with_expires(Some(NOW + 31_536_000))
            .with_path("/wordpress/")
            .with_secure(true);
        assert_eq!(
            c.header_value(NOW).unwrap(),
            "wp-settings-2=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; \
             path=/wordpress/; secure"
        );
    }

    #[test]
    fn domain_and_same_site_come_last_in_php_order() {
        let c = SetCookie::new("a", "b")
            .with_path("/")
            .with_domain(".example.com")
            .with_secure(true)
            .with_http_only(true)
            .with_same_site(Some(SameSite::Lax));
        assert_eq!(
            c.header_value(NOW).unwrap(),
            "a=b; path=/; domain=.example.com; secure; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn php_value_errors_are_errors() {
        assert_eq!(SetCookie::new("", "v").header_value(NOW), Err(SetCookieError::EmptyName));
        assert!(matches!(
            SetCookie::new("a b", "v").header_value(NOW),
            Err(SetCookieError::InvalidName { .. })
        ));
        assert!(matches!(
            SetCookie::new("a", "v").with_path("/a;b").header_value(NOW),
            Err(SetCookieError::InvalidPath { .. })
        ));
        assert!(matches!(
            SetCookie::new("a", "v").with_domain("a\r\nb").header_value(NOW),
            Err(SetCookieError::InvalidDomain { .. })
        ));
        assert!(matches!(
            SetCookie::new("a", "v").with_expires(Some(MAX_EXPIRES)).header_value(NOW),
            Err(SetCookieError::ExpiresTooLate { .. })
        ));
        assert!(matches!(
            SetCookie::new("a\0", "v").header_value(NOW),
            Err(SetCookieError::NulByte { field: "name" })
        ));
        // Values are encoded, so any byte is fine there.
        assert!(SetCookie::new("a", "; \r\n\0").header_value(NOW).is_ok());
    }

    #[test]
    fn last_representable_second_is_year_9999() {
        let c = SetCookie::new("a", "b").with_expires(Some(MAX_EXPIRES - 1));
        assert!(c.header_value(0).unwrap().contains("expires=Fri, 31 Dec 9999 23:59:59 GMT"));
    }

    #[test]
    fn dates_match_gmdate() {
        assert_eq!(http_date(1), "Thu, 01 Jan 1970 00:00:01 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_803_918_187), "Mon, 01 Mar 2027 16:23:07 GMT");
    }

    #[test]
    fn rawurlencode_keeps_only_unreserved_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        let enc = raw_url_encode(&all);
        assert!(enc.starts_with("%00%01"));
        assert!(enc.contains("-.%2F0123456789%3A"));
        assert!(enc.contains("Z%5B%5C%5D%5E_%60a"));
        assert!(enc.ends_with("z%7B%7C%7D~%7F%80") || enc.ends_with("%FF"));
        assert_eq!(raw_url_decode(enc.as_bytes()), all);
    }

    #[test]
    fn debug_output_hides_the_value() {
        let shown = format!("{:?}", SetCookie::new("wordpress_x", "alice|1|tok|hmac"));
        assert!(!shown.contains("alice"));
    }
}
