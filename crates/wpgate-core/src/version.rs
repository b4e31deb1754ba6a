//! WordPress release numbers, for the few formats that changed between releases.
//!
//! The formats are stable from 4.0 to 7.1 except where a function documents otherwise (for
//! example the 6.8 pass-fragment rule of [`crate::auth_cookie`]). Callers name the WordPress
//! version they must interoperate with; [`WpVersion::LATEST`] is the default.

use std::fmt;
use std::str::FromStr;

/// A WordPress release number such as `6.8.3` or `7.1` (`$wp_version`).
///
/// Ordering compares major, minor and patch numerically; pre-release suffixes
/// (`6.8-RC1`, `7.1-alpha-12345`) count as the release they precede, which is how the
/// format-affecting code in WordPress behaves once it has landed in trunk.
///
/// # Examples
/// ```
/// use wpgate_core::WpVersion;
/// let v: WpVersion = "6.8.3".parse().unwrap();
/// assert!(v >= WpVersion::new(6, 8, 0));
/// assert!("6.7.2".parse::<WpVersion>().unwrap() < WpVersion::V6_8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WpVersion {
    major: u16,
    minor: u16,
    patch: u16,
}

impl WpVersion {
    /// The newest release whose formats this crate implements.
    pub const LATEST: WpVersion = WpVersion::new(7, 1, 0);
    /// 4.0: session tokens in cookies and nonces.
    pub const V4_0: WpVersion = WpVersion::new(4, 0, 0);
    /// 4.4: `wp-settings` cookies secure when `admin_url()` is https.
    pub const V4_4: WpVersion = WpVersion::new(4, 4, 0);
    /// 4.7: `wp_doing_ajax()` and the `send_auth_cookies` filter.
    pub const V4_7: WpVersion = WpVersion::new(4, 7, 0);
    /// 4.8: `wp_clear_auth_cookie` also expires the `wp-settings` pair.
    pub const V4_8: WpVersion = WpVersion::new(4, 8, 0);
    /// 4.9: `wp_clear_auth_cookie` also expires `wp-postpass_`.
    pub const V4_9: WpVersion = WpVersion::new(4, 9, 0);
    /// 5.6: application passwords.
    pub const V5_6: WpVersion = WpVersion::new(5, 6, 0);
    /// 6.1: the translated salt placeholder is rejected; `nonce_life` gets the action.
    pub const V6_1: WpVersion = WpVersion::new(6, 1, 0);
    /// 6.6: `COOKIE_DOMAIN` defaults to `''` instead of `false`.
    pub const V6_6: WpVersion = WpVersion::new(6, 6, 0);
    /// 6.8: bcrypt `$wp$` passwords, the new pass-fragment rule, `wp_hash` algorithms,
    /// `wp_fast_hash`, integer expiration, HttpOnly test cookie.
    pub const V6_8: WpVersion = WpVersion::new(6, 8, 0);

    /// A version from its three numbers.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        WpVersion { major, minor, patch }
    }

    /// The major number (`6` in `6.8.3`).
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The minor number (`8` in `6.8.3`).
    pub const fn minor(self) -> u16 {
        self.minor
    }

    /// The patch number (`3` in `6.8.3`, `0` in `7.1`).
    pub const fn patch(self) -> u16 {
        self.patch
    }

    /// True when this release is `other` or newer.
    pub fn at_least(self, other: WpVersion) -> bool {
        self >= other
    }
}

impl Default for WpVersion {
    fn default() -> Self {
        WpVersion::LATEST
    }
}

impl fmt::Display for WpVersion {
    /// WordPress's own spelling: `7.1`, not `7.1.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

/// A string that is not a WordPress version number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a WordPress version number (expected e.g. 6.8.3): {0:?}")]
pub struct ParseVersionError(String);

impl FromStr for WpVersion {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseVersionError(s.chars().take(40).collect());
        // "6.8-RC1" and "7.1-alpha-60000" are the release they lead to.
        let numeric = s.split(['-', '+']).next().unwrap_or_default();
        let mut parts = numeric.split('.');
        let mut next = |required: bool| -> Result<u16, ParseVersionError> {
            match parts.next() {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map_err(|_| bad())
                }
                None if !required => Ok(0),
                _ => Err(bad()),
            }
        };
        let version = WpVersion::new(next(true)?, next(true)?, next(false)?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_spellings() {
        assert_eq!("7.1".parse(), Ok(WpVersion::new(7, 1, 0)));
        assert_eq!("4.9.31".parse(), Ok(WpVersion::new(4, 9, 31)));
        assert_eq!("6.8-RC1".parse(), Ok(WpVersion::new(6, 8, 0)));
        assert!("6".parse::<WpVersion>().is_err());
        assert!("6.x".parse::<WpVersion>().is_err());
        assert!("6.8.3.1".parse::<WpVersion>().is_err());
        assert!("".parse::<WpVersion>().is_err());
    }

    #[test]
    fn orders_numerically_not_textually() {
        let v = |s: &str| s.parse::<WpVersion>().unwrap();
        assert!(v("6.10") > v("6.9"));
        assert!(v("6.8.3") > v("6.8"));
        assert_eq!(v("7.1").to_string(), "7.1");
        assert_eq!(v("6.8.3").to_string(), "6.8.3");
    }
}
