//! Nonces: `wp_nonce_tick()`, `wp_create_nonce()` and `wp_verify_nonce()`
//! (wp-includes/pluggable.php).
//!
//! A nonce is ten hex characters of `wp_hash(tick|action|uid|token, 'nonce')` (characters
//! 20..30 of the HMAC-MD5), where `tick = ceil(now / (nonce_life / 2))`. It verifies during
//! the tick it was made in (result 1) and the next one (result 2), so with the default
//! `nonce_life` of a day it lives 12 to 24 hours. The `token` is the session token of the
//! request's logged_in cookie (empty when logged out), so logging out invalidates nonces.
//! The REST API requires one for cookie authentication: action `wp_rest`, header `X-WP-Nonce`.

use subtle::ConstantTimeEq;

use crate::auth_cookie::AuthCookie;
use crate::salts::{SaltScheme, Salts};

/// WordPress's default `nonce_life`: one day.
pub const DEFAULT_NONCE_LIFE: i64 = 86_400;

/// The REST API's action (`X-WP-Nonce`).
pub const REST_ACTION: &str = "wp_rest";

/// When a nonce is created or checked, and how long nonces live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceClock {
    /// Unix seconds.
    pub now: i64,
    /// The `nonce_life` filter's value, in seconds (positive).
    pub nonce_life: i64,
}

impl NonceClock {
    /// `now` with the default one-day life.
    pub const fn new(now: i64) -> NonceClock {
        NonceClock { now, nonce_life: DEFAULT_NONCE_LIFE }
    }

    /// `wp_nonce_tick()`: `ceil(now / (nonce_life / 2))`, a PHP float.
    #[doc(alias = "wp_nonce_tick")]
    pub fn tick(&self) -> f64 {
        // PHP 8 throws DivisionByZeroError for a zero life; treat it as the smallest life.
        let half = self.nonce_life.max(1) as f64 / 2.0;
        (self.now as f64 / half).ceil()
    }
}

/// Who a nonce is for: `uid` (0 when logged out, after the `nonce_user_logged_out` filter)
/// and the session token of the logged_in cookie (empty when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceSubject<'a> {
    /// The user id.
    pub uid: u64,
    /// The session token (`wp_get_session_token()`).
    pub token: &'a str,
}

/// The outcome of `wp_verify_nonce()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceAge {
    /// Made in the current tick (WordPress returns 1).
    Current,
    /// Made in the previous tick (WordPress returns 2).
    Previous,
}

impl NonceAge {
    /// WordPress's return value: 1 or 2.
    pub const fn as_int(self) -> u8 {
        match self {
            NonceAge::Current => 1,
            NonceAge::Previous => 2,
        }
    }
}

/// `wp_create_nonce($action)`.
///
/// `action` is the PHP string form of the action (`-1`, the default, is `"-1"`).
///
/// # Examples
/// ```
/// use wpgate_core::nonce::{self, NonceClock, NonceSubject};
/// # use wpgate_core::salts::{SaltSources, Salts, SecretConstant};
/// # let mut sources = SaltSources::default();
/// # for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
/// #     sources.constants.define(c, format!("secret {i}"));
/// # }
/// # let salts = Salts::resolve(&sources).unwrap();
/// let subject = NonceSubject { uid: 2, token: "VSSiaLopMVFv4..." };
/// let made = nonce::create(&salts, "wp_rest", subject, NonceClock::new(1772382187));
/// assert_eq!(made.len(), 10);
/// let later = NonceClock::new(1772382187 + 50_000);
/// assert!(nonce::verify(&salts, &made, "wp_rest", subject, later).is_some());
/// ```
#[doc(alias = "wp_create_nonce")]
pub fn create(salts: &Salts, action: &str, subject: NonceSubject<'_>, clock: NonceClock) -> String {
    nonce_at(salts, clock.tick(), action, subject)
}

/// `wp_verify_nonce($nonce, $action)`: which tick the nonce was made in, or `None`.
///
/// Comparisons are constant-time (`hash_equals`).
#[doc(alias = "wp_verify_nonce")]
pub fn verify(
    salts: &Salts,
    nonce: &str,
    action: &str,
    subject: NonceSubject<'_>,
    clock: NonceClock,
) -> Option<NonceAge> {
    if nonce.is_empty() {
        return None;
    }
    let tick = clock.tick();
    let matches = |t: f64| {
        let expected = nonce_at(salts, t, action, subject);
        bool::from(expected.as_bytes().ct_eq(nonce.as_bytes()))
    };
    if matches(tick) {
        Some(NonceAge::Current)
    } else if matches(tick - 1.0) {
        Some(NonceAge::Previous)
    } else {
        None
    }
}

/// `wp_get_session_token()`: the token field of the logged_in cookie value, or `""` when the
/// cookie is absent or does not have four fields (it is not validated). A token of `"0"` is
/// `""` too: WordPress tests it with PHP's `empty()`.
///
/// To read the cookie from a request, see [`crate::current_user::session_token`].
#[doc(alias = "wp_get_session_token")]
pub fn session_token_of(logged_in_cookie: Option<&str>) -> &str {
    logged_in_cookie
        .and_then(|c| AuthCookie::parse(c).ok())
        .map(|c| c.token())
        .filter(|token| *token != "0")
        .unwrap_or_default()
}

fn nonce_at(salts: &Salts, tick: f64, action: &str, subject: NonceSubject<'_>) -> String {
    use std::fmt::Write as _;

    use hmac::Mac as _;

    // One buffer, written once: this runs on every forward-auth answer (`X-WP-Nonce`).
    let mut data = String::with_capacity(48 + action.len() + subject.token.len());
    if tick.fract() == 0.0 && tick.abs() < 1e15 {
        let _ = write!(data, "{}", tick as i64);
    } else {
        data.push_str(&php_float_text(tick));
    }
    let _ = write!(data, "|{action}|{}|{}", subject.uid, subject.token);
    // wp_hash($data, 'nonce'), then substr($hash, -12, 10): hex characters 20..30 of the 32,
    // which are bytes 10..15 of the digest.
    let mut mac = salts.salt(SaltScheme::Nonce).mac();
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes().get(10..15).unwrap_or_default())
}

/// PHP's string form of an integral float (precision 14): `41028`, `1.0E+15`.
fn php_float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        // %.14G: mantissa with up to 14 significant digits, trailing zeros dropped, PHP keeps
        // one fractional digit ("1.0E+15").
        let s = format!("{f:.13e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mut mantissa = mantissa.trim_end_matches('0').to_owned();
        if mantissa.ends_with('.') {
            mantissa.push('0');
        }
        let exp: i32 = exp.parse().unwrap_or(0);
        format!("{mantissa}E{}{}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_is_ceiling_of_half_lives() {
        assert_eq!(NonceClock::new(1_772_382_187).tick(), 41_028.0);
        assert_eq!(NonceClock::new(1_772_409_600).tick(), 41_028.0);
        assert_eq!(NonceClock::new(1_772_409_601).tick(), 41_029.0);
        let hour = NonceClock { now: 1_772_382_187, nonce_life: 3600 };
        assert_eq!(hour.tick(), 984_657.0);
    }

    #[test]
    fn float_text_matches_php() {
        assert_eq!(php_float_text(41_028.0), "41028");
        assert_eq!(php_float_text(-3.0), "-3");
        assert_eq!(php_float_text(1e15), "1.0E+15");
        assert_eq!(php_float_text(1.5e16), "1.5E+16");
    }

    #[test]
    fn session_token_needs_four_fields() {
        assert_eq!(session_token_of(Some("a|1|tok|h")), "tok");
        assert_eq!(session_token_of(Some("x|y|z")), "");
        assert_eq!(session_token_of(None), "");
    }
}
