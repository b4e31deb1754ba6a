//! The session cookie and cache headers exactly as `session_start()` sends them
//! (`php_session_send_cookie()`, the cache limiters), and the cookie as PHP reads it.

use thiserror::Error;

use super::id::SessionId;

/// The `session.cookie_*` settings and `session.name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieParams {
    /// `session.name` (`PHPSESSID`).
    pub name: String,
    /// `session.cookie_lifetime` in seconds; 0 = until the browser closes.
    pub lifetime: i64,
    /// `session.cookie_path` (`/`); empty omits the attribute.
    pub path: String,
    /// `session.cookie_domain`; empty omits it.
    pub domain: String,
    /// `session.cookie_secure`.
    pub secure: bool,
    /// `session.cookie_httponly`.
    pub httponly: bool,
    /// `session.cookie_samesite`, written verbatim when not empty.
    pub samesite: String,
}

/// A session name PHP refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CookieError {
    /// `session.name` empty or numeric.
    #[error("session.name cannot be a numeric or empty string")]
    EmptyOrNumericName,
    /// `session.name` with one of `=,;.[ \t\r\n\x0b\x0c`.
    #[error("session.name cannot contain any of the following '=,;.[ \\t\\r\\n\\013\\014'")]
    ForbiddenCharacter,
}

impl Default for CookieParams {
    fn default() -> Self {
        CookieParams {
            name: "PHPSESSID".into(),
            lifetime: 0,
            path: "/".into(),
            domain: String::new(),
            secure: false,
            httponly: false,
            samesite: String::new(),
        }
    }
}

impl CookieParams {
    /// The `Set-Cookie` header value PHP sends for `id` at `now` (Unix seconds):
    /// `PHPSESSID=<urlencoded id>[; expires=…; Max-Age=…][; path=…][; domain=…][; secure]
    /// [; HttpOnly][; SameSite=…]`.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::php_session::CookieParams;
    /// let p = CookieParams { lifetime: 3600, httponly: true, ..CookieParams::default() };
    /// assert_eq!(
    ///     p.set_cookie(b"a,b", 1795533847).unwrap(),
    ///     "PHPSESSID=a%2Cb; expires=Tue, 24 Nov 2026 16:24:07 GMT; Max-Age=3600; path=/; HttpOnly"
    /// );
    /// ```
    ///
    /// # Errors
    /// [`CookieError`] for a session name PHP refuses to send.
    pub fn set_cookie(&self, id: &[u8], now: i64) -> Result<String, CookieError> {
        check_name(&self.name)?;
        let mut h = format!("{}={}", self.name, urlencode(id));
        if self.lifetime > 0 {
            h += &format!(
                "; expires={}; Max-Age={}",
                http_date(now.saturating_add(self.lifetime)),
                self.lifetime
            );
        }
        if !self.path.is_empty() {
            h += &format!("; path={}", self.path);
        }
        if !self.domain.is_empty() {
            h += &format!("; domain={}", self.domain);
        }
        if self.secure {
            h += "; secure";
        }
        if self.httponly {
            h += "; HttpOnly";
        }
        if !self.samesite.is_empty() {
            h += &format!("; SameSite={}", self.samesite);
        }
        Ok(h)
    }

    /// [`CookieParams::set_cookie`] for a [`SessionId`].
    ///
    /// # Errors
    /// As [`CookieParams::set_cookie`].
    pub fn set_cookie_for(&self, id: &SessionId, now: i64) -> Result<String, CookieError> {
        self.set_cookie(id.expose_secret().as_bytes(), now)
    }

    /// The session id in a `Cookie` request header as PHP reads it: pairs split on `;`, the
    /// first cookie with this exact name wins, its value raw-URL-decoded (`%2C` → `,`, `+`
    /// stays `+`). `Some(empty)` for `PHPSESSID=` (PHP then issues a new id).
    pub fn incoming_id(&self, cookie_header: &str) -> Option<Vec<u8>> {
        cookie_header.split(';').find_map(|pair| {
            let pair = pair.trim_start_matches([' ', '\t']);
            let (name, value) = pair.split_once('=')?;
            (name == self.name).then(|| raw_url_decode(value.as_bytes()))
        })
    }
}

fn check_name(name: &str) -> Result<(), CookieError> {
    if name.is_empty() || is_numeric(name) {
        return Err(CookieError::EmptyOrNumericName);
    }
    if name.bytes().any(|b| b"=,;.[ \t\r\n\x0b\x0c".contains(&b)) {
        return Err(CookieError::ForbiddenCharacter);
    }
    Ok(())
}

/// PHP's `is_numeric()` for a session name: optional leading whitespace, then a decimal
/// number with optional sign, fraction and exponent.
fn is_numeric(s: &str) -> bool {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.trim_end_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    !t.is_empty()
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.parse::<f64>().is_ok()
}

/// PHP's `urlencode()`: `[A-Za-z0-9_.-]` kept, space as `+`, everything else `%XX`.
pub fn urlencode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out += &format!("%{b:02X}"),
        }
    }
    out
}

/// PHP's `rawurldecode()`: `%XX` decoded, everything else (including `+`) kept.
pub fn raw_url_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&c| char::from(c).to_digit(16));
        if let (b'%', Some(hi), Some(lo)) = (b, hex(i + 1), hex(i + 2)) {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(0));
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// `Expires: Thu, 19 Nov 1981 08:52:00 GMT`: the fixed past date PHP sends.
pub const PAST_EXPIRES: &str = "Thu, 19 Nov 1981 08:52:00 GMT";

/// The headers `session_start()` sends for `session.cache_limiter` with
/// `session.cache_expire` minutes, at `now`, for a script last modified at `script_mtime`
/// (`None` omits `Last-Modified`, as a service has no script). An unknown limiter sends
/// nothing (PHP warns).
pub fn cache_limiter_headers(
    limiter: &str,
    cache_expire_minutes: i64,
    now: i64,
    script_mtime: Option<i64>,
) -> Vec<String> {
    let max_age = cache_expire_minutes.saturating_mul(60);
    let last_modified = script_mtime.map(|t| format!("Last-Modified: {}", http_date(t)));
    let mut h = Vec::new();
    match limiter.to_ascii_lowercase().as_str() {
        "nocache" => {
            h.push(format!("Expires: {PAST_EXPIRES}"));
            h.push("Cache-Control: no-store, no-cache, must-revalidate".into());
            h.push("Pragma: no-cache".into());
        }
        "private" | "private_no_expire" => {
            if limiter.eq_ignore_ascii_case("private") {
                h.push(format!("Expires: {PAST_EXPIRES}"));
            }
            h.push(format!("Cache-Control: private, max-age={max_age}"));
            h.extend(last_modified);
        }
        "public" => {
            h.push(format!("Expires: {}", http_date(now.saturating_add(max_age))));
            h.push(format!("Cache-Control: public, max-age={max_age}"));
            h.extend(last_modified);
        }
        _ => {}
    }
    h
}

/// `Tue, 24 Nov 2026 16:14:40 GMT` for a Unix time (PHP's cookie and cache-limiter format).
pub fn http_date(t: i64) -> String {
    crate::php::gmdate_http(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_match_php() {
        assert_eq!(http_date(1_795_537_447), "Tue, 24 Nov 2026 16:24:07 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn cookie_header_first_wins_and_is_raw_decoded() {
        let p = CookieParams::default();
        assert_eq!(p.incoming_id("PHPSESSID=a%2Cb+c; PHPSESSID=second"), Some(b"a,b+c".to_vec()));
        assert_eq!(p.incoming_id("other=1"), None);
    }

    #[test]
    fn bad_session_names_are_refused() {
        for name in ["", "123", "a.b", "a b"] {
            let p = CookieParams { name: name.into(), ..CookieParams::default() };
            assert!(p.set_cookie(b"x", 0).is_err(), "{name:?}");
        }
    }
}
