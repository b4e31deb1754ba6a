//! bcrypt: WordPress 6.8's pre-hashed `$wp$2y$` scheme and PHP's crypt_blowfish for plain
//! `$2a$`, `$2b$`, `$2x$` and `$2y$` hashes.
//!
//! ```text
//! pre  = base64(HMAC-SHA384(key = "wp-sha384", password))     64 characters, never a NUL
//! hash = "$wp" ‖ password_hash(pre, PASSWORD_BCRYPT, ["cost" => 10])
//! ```
//!
//! The pre-hash lifts bcrypt's 72-byte limit (the whole password reaches the HMAC).
//! `wp_hash_password()` pre-hashes the trimmed password, `wp_check_password()` the password
//! as given.
//!
//! Plain bcrypt follows crypt_blowfish as PHP 8.2 bundles it: the password is read as a C
//! string (cut at the first NUL), cycled with its terminating NUL through 72 bytes (so bytes
//! past 72 are ignored), and the output is rebuilt from the setting and compared whole.
//! `$2a$`, `$2b$` and `$2y$` compute the same thing except in crypt_blowfish's compatibility
//! corners for 8-bit passwords, which this crate reports as [`UnsupportedHash`] instead of
//! guessing: `$2x$` reproduces the old sign-extension bug, and `$2a$` flips a bit for the
//! passwords (containing `\xff`, so never UTF-8) where the bug would have been harmless.

use ::bcrypt::Version;
use base64::Engine;
use base64::alphabet::BCRYPT;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use secrecy::SecretString;
use sha2::Sha384;

use super::{PasswordError, PasswordHash, UnsupportedHash};

/// The smallest bcrypt cost crypt_blowfish accepts.
pub const MIN_COST: u32 = 4;
/// The largest bcrypt cost.
pub const MAX_COST: u32 = 31;

/// The pre-hash of 6.8+: `base64(HMAC-SHA384("wp-sha384", password))`, 64 characters.
///
/// # Examples
/// ```
/// use secrecy::ExposeSecret;
/// use wpgate_core::password::bcrypt::prehash;
/// assert_eq!(
///     prehash(b"WgTLDpLndEgc7G!#").expose_secret(),
///     "a9Vy3GJMK/bT52Q6lZZj2h68D70VZj96PPA/0M4SzI4EtpyV4Oh9ym3gLQ3e9pge",
/// );
/// ```
pub fn prehash(password: &[u8]) -> SecretString {
    // HMAC accepts keys of any length; the error branch exists only in the type.
    let Ok(mut mac) = <Hmac<Sha384> as KeyInit>::new_from_slice(b"wp-sha384") else {
        return SecretString::from(String::new());
    };
    mac.update(password);
    SecretString::from(STANDARD.encode(mac.finalize().into_bytes()))
}

/// `"$wp" . password_hash(prehash(password), PASSWORD_BCRYPT, ['cost' => cost])` with a
/// 16-byte salt from `rng`. The caller trims and applies the 4096-byte limit.
///
/// # Errors
/// [`PasswordError::InvalidCost`] outside 4..=31.
pub fn hash_wp(
    password: &[u8],
    cost: u32,
    rng: &mut impl CryptoRng,
) -> Result<PasswordHash, PasswordError> {
    use secrecy::ExposeSecret;

    if !(MIN_COST..=MAX_COST).contains(&cost) {
        return Err(PasswordError::InvalidCost { cost });
    }
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let pre = prehash(password);
    let parts = ::bcrypt::hash_with_salt(pre.expose_secret(), cost, salt)
        .map_err(|_| PasswordError::InvalidCost { cost })?;
    let mut out = String::from("$wp");
    out.push_str(&parts.format_for_version(Version::TwoY));
    Ok(PasswordHash::from(out))
}

/// crypt_blowfish as PHP's `crypt()` runs it: the full 60-byte hash for `key` (already cut at
/// NUL) and `setting`, or `None` where PHP fails.
pub(crate) fn crypt_blowfish(key: &[u8], setting: &[u8]) -> Result<Option<Vec<u8>>, PasswordError> {
    let Some(((version, cost), salt)) = parse_setting(setting) else {
        return Ok(None);
    };
    let (bug_changes_key, sign_extended) = sign_extension(key);
    match version {
        Version::TwoX if bug_changes_key => {
            return Err(UnsupportedHash::Bcrypt2xSignExtension.into());
        }
        Version::TwoA if sign_extended && !bug_changes_key => {
            return Err(UnsupportedHash::Bcrypt2aCountermeasure.into());
        }
        _ => {}
    }
    Ok(::bcrypt::hash_with_salt(key, cost, salt)
        .ok()
        .map(|parts| parts.format_for_version(version).into_bytes()))
}

/// PHP `password_needs_rehash($hash, PASSWORD_BCRYPT, ['cost' => $cost])`.
pub(crate) fn needs_rehash(hash: &[u8], cost: u32) -> bool {
    // The hash must be identified as bcrypt: ident "2y" and php_password_bcrypt_valid().
    let identified = super::crypt::php_ident(hash) == Some(b"2y".as_slice())
        && hash.len() == 60
        && hash.starts_with(b"$2y");
    if !identified {
        return true;
    }
    // sscanf($hash, "$2y$%ld$", &$old_cost), leaving PHP's default in place on a mismatch.
    let old_cost = hash.get(4..).and_then(scan_long).unwrap_or(DEFAULT_PHP_COST);
    old_cost != i64::from(cost)
}

/// `PHP_PASSWORD_BCRYPT_COST` in PHP 8.2.
const DEFAULT_PHP_COST: i64 = 10;

/// crypt_blowfish's salt encoding; stray low bits in the last character are accepted on
/// input (the rebuilt hash then differs from the stored one, as in PHP).
const BF_BASE64: GeneralPurpose = GeneralPurpose::new(
    &BCRYPT,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// `$2` ‖ subtype ‖ `$` ‖ two-digit cost 04..=31 ‖ `$` ‖ 22 salt characters.
fn parse_setting(setting: &[u8]) -> Option<((Version, u32), [u8; 16])> {
    let version = match setting.get(..4)? {
        b"$2a$" => Version::TwoA,
        b"$2b$" => Version::TwoB,
        b"$2x$" => Version::TwoX,
        b"$2y$" => Version::TwoY,
        _ => return None,
    };
    let (tens, units) = match setting.get(4..7)? {
        [t @ b'0'..=b'3', u @ b'0'..=b'9', b'$'] => (u32::from(t - b'0'), u32::from(u - b'0')),
        _ => return None,
    };
    let cost = tens * 10 + units;
    if !(MIN_COST..=MAX_COST).contains(&cost) {
        return None;
    }
    let decoded = BF_BASE64.decode(setting.get(7..29)?).ok()?;
    let salt: [u8; 16] = decoded.try_into().ok()?;
    Some(((version, cost), salt))
}

/// Replays crypt_blowfish's `BF_set_key` over the 72-byte key stream: whether the
/// sign-extension bug would change the expanded key, and whether any sign extension happened
/// at all (an 8-bit byte that is not first in its 32-bit word).
fn sign_extension(key: &[u8]) -> (bool, bool) {
    let mut stream = key.iter().copied().chain(std::iter::once(0)).cycle();
    let (mut diff, mut sign) = (0u32, false);
    for _word in 0..18 {
        let (mut correct, mut buggy) = (0u32, 0u32);
        for j in 0..4 {
            let b = stream.next().unwrap_or(0);
            correct = (correct << 8) | u32::from(b);
            // `(BF_word_signed)(signed char)*ptr`: the byte, sign-extended to 32 bits.
            buggy = (buggy << 8) | i32::from(b as i8) as u32;
            if j > 0 && b & 0x80 != 0 {
                sign = true;
            }
        }
        diff |= correct ^ buggy;
    }
    (diff != 0, sign)
}

/// C `sscanf("%ld")`: optional whitespace and sign, then digits.
fn scan_long(s: &[u8]) -> Option<i64> {
    let s = s.get(s.iter().take_while(|b| b.is_ascii_whitespace()).count()..).unwrap_or_default();
    let (negative, s) = match s.first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let digits: Vec<u8> = s.iter().copied().take_while(u8::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let magnitude = digits
        .iter()
        .fold(0i64, |acc, &d| acc.saturating_mul(10).saturating_add(i64::from(d - b'0')));
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const SALT: &[u8] = b"abcdefghijklmnopqrstuu";

    fn setting(subtype: &str) -> Vec<u8> {
        let mut s = format!("$2{subtype}$05$").into_bytes();
        s.extend_from_slice(SALT);
        s
    }

    fn blowfish(key: &[u8], subtype: &str) -> Result<Option<Vec<u8>>, PasswordError> {
        crypt_blowfish(key, &setting(subtype))
    }

    #[test]
    fn the_prehash_is_base64_of_hmac_sha384() {
        use secrecy::ExposeSecret;
        let pre = prehash(b"");
        assert_eq!(pre.expose_secret().len(), 64);
        assert!(!pre.expose_secret().contains('\0'));
    }

    #[test]
    fn wp_hashes_are_63_bytes_of_2y_with_the_given_cost() {
        let mut rng = StdRng::seed_from_u64(3);
        let h = hash_wp(b"pw", 4, &mut rng).unwrap();
        let s = h.to_str().unwrap();
        assert!(s.starts_with("$wp$2y$04$"), "{s}");
        assert_eq!(s.len(), 63);
        assert_eq!(hash_wp(b"pw", 3, &mut rng), Err(PasswordError::InvalidCost { cost: 3 }));
    }

    #[test]
    fn blowfish_matches_php_for_ascii_passwords() {
        // PHP 8.2.36: crypt("pw", '$2y$05$abcdefghijklmnopqrstuu')
        assert_eq!(
            blowfish(b"pw", "y").unwrap().unwrap(),
            b"$2y$05$abcdefghijklmnopqrstuuHIrMEWpUCQe2YqFR3sXwQ75u4od..9q"
        );
    }

    #[test]
    fn a_salt_with_stray_bits_is_rebuilt_canonically() {
        let mut s = b"$2y$05$abcdefghijklmnopqrstuv".to_vec();
        let out = crypt_blowfish(b"pw", &s).unwrap().unwrap();
        assert_eq!(out, b"$2y$05$abcdefghijklmnopqrstuuHIrMEWpUCQe2YqFR3sXwQ75u4od..9q");
        s.truncate(10);
        assert_eq!(crypt_blowfish(b"pw", &s).unwrap(), None);
    }

    #[test]
    fn eight_bit_passwords_match_php_where_the_subtypes_agree() {
        // PHP 8.2.36 crypt() of "\xff\xa3" and "\xa3" with the setting above.
        assert_eq!(
            blowfish(b"\xff\xa3", "a").unwrap().unwrap(),
            b"$2a$05$abcdefghijklmnopqrstuuS4MQfWavlhc6PZtLZxy3d/FQNIPTs2e"
        );
        assert_eq!(
            blowfish(b"\xff\xa3", "b").unwrap().unwrap(),
            b"$2b$05$abcdefghijklmnopqrstuuS4MQfWavlhc6PZtLZxy3d/FQNIPTs2e"
        );
        assert_eq!(
            blowfish(b"\xff\xff\xa3", "x").unwrap().unwrap(),
            b"$2x$05$abcdefghijklmnopqrstuuHdhhdUXVgLADnbTYf12kvsasO1gS51C"
        );
        assert_eq!(
            blowfish(b"\xa3", "a").unwrap().unwrap(),
            b"$2a$05$abcdefghijklmnopqrstuuEuEnx.TyCLYgkTV/uhWL5xJTHV7ZMjG"
        );
    }

    #[test]
    fn bug_compatible_corners_are_reported_not_guessed() {
        assert_eq!(blowfish(b"\xff\xa3", "x"), Err(UnsupportedHash::Bcrypt2xSignExtension.into()));
        assert_eq!(
            blowfish(b"\xff\xff\xa3", "a"),
            Err(UnsupportedHash::Bcrypt2aCountermeasure.into())
        );
    }

    #[test]
    fn malformed_settings_fail_like_php() {
        for bad in [
            &b"$2c$05$abcdefghijklmnopqrstuu"[..],
            b"$2y$03$abcdefghijklmnopqrstuu",
            b"$2y$32$abcdefghijklmnopqrstuu",
            b"$2y$5$abcdefghijklmnopqrstuu",
            b"$2y$05$abcdefghijklmnopqrstu!",
            b"$2y$05$",
        ] {
            assert_eq!(crypt_blowfish(b"pw", bad).unwrap(), None);
        }
    }

    #[test]
    fn rehash_needs_a_valid_2y_hash_with_the_same_cost() {
        let h = b"$2y$10$XMGgk9qJrTGUgHqZoLEeBOa7LR0X2illeBIvdReu/1dt0NaE7HOny";
        assert!(!needs_rehash(h, 10));
        assert!(needs_rehash(h, 12));
        assert!(needs_rehash(b"$2a$10$XMGgk9qJrTGUgHqZoLEeBOa7LR0X2illeBIvdReu/1dt0NaE7HOny", 10));
        assert!(needs_rehash(&h[..59], 10));
        // PHP 8.2: an unreadable cost leaves the default (10) in place.
        assert!(!needs_rehash(b"$2y$xx$XMGgk9qJrTGUgHqZoLEeBOa7LR0X2illeBIvdReu/1dt0NaE7HOny", 10));
        assert!(needs_rehash(b"$argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA", 10));
    }
}
