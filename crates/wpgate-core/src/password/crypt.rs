//! PHP 8.2's `crypt()` and `password_verify()`, for stored hashes WordPress did not write.
//!
//! WordPress reaches these through phpass's `crypt()` fallback (≤ 6.7, `$P$` settings phpass
//! rejects, `wp_verify_fast_hash`) and through `password_verify()` (6.8+, and the inner hash
//! of `$wp` hashes). Both recompute the whole hash string from the stored setting and compare
//! it with the stored value, so a non-canonical stored hash (a salt with stray bits, a
//! `rounds=05000`, trailing bytes) never verifies, in PHP or here.
//!
//! | setting | PHP | here |
//! |---|---|---|
//! | `$1$salt$` | MD5-crypt | [`crypt`] (md-5) |
//! | `$2a$`/`$2b$`/`$2x$`/`$2y$` | crypt_blowfish | [`super::bcrypt`] |
//! | `$5$`, `$6$` (`rounds=N$` 1000..=999999999) | SHA-crypt | [`crypt`] (sha-crypt rounds) |
//! | `$argon2i$`, `$argon2id$` | libargon2, `password_verify` only | [`super::argon2`] |
//! | `_…` (20 bytes), 2-character salt (13 bytes) | DES | [`UnsupportedHash`] |
//!
//! PHP hands passwords and settings to these C routines as C strings, so everything after a NUL
//! byte is ignored (argon2 alone is binary-safe): `password_verify("ab\0cd", bcrypt("ab"))` is
//! true in PHP 8.2, and here.

use md5::{Digest, Md5};

use super::argon2::{self, Variant};
use super::phpass::ITOA64;
use super::{PasswordError, UnsupportedHash, bcrypt, hash_equals};

/// PHP's `crypt($password, $setting)`: the full hash string, or `None` where PHP returns a
/// failure (`*0`/`*1`).
///
/// # Errors
/// [`PasswordError::Unsupported`] for DES settings and the crypt_blowfish bug-compatibility
/// cases (see [`UnsupportedHash`]).
///
/// # Examples
/// ```
/// use wpgate_core::password::crypt::crypt;
/// let out = crypt(b"ab", b"$1$saltsalt$").unwrap().unwrap();
/// assert_eq!(out, b"$1$saltsalt$SXZXOyX4ZVu3SUBrzOw9Q.");
/// assert_eq!(crypt(b"pw", b"$6$rounds=999$salt$").unwrap(), None);
/// ```
pub fn crypt(password: &[u8], setting: &[u8]) -> Result<Option<Vec<u8>>, PasswordError> {
    let key = c_str(password);
    let setting = c_str(setting);
    match Scheme::of(setting) {
        Scheme::Md5 => Ok(Some(md5_crypt(key, setting))),
        Scheme::Blowfish => bcrypt::crypt_blowfish(key, setting),
        Scheme::Sha256 => Ok(sha_crypt(ShaVariant::Sha256, key, setting)),
        Scheme::Sha512 => Ok(sha_crypt(ShaVariant::Sha512, key, setting)),
        Scheme::ExtendedDes if extended_des_setting_ok(setting) => {
            Err(UnsupportedHash::ExtendedDesCrypt.into())
        }
        Scheme::Des if des_setting_ok(setting) => Err(UnsupportedHash::DesCrypt.into()),
        Scheme::ExtendedDes | Scheme::Des => Ok(None),
    }
}

/// PHP's `password_verify($password, $hash)`: argon2 for `argon2i`/`argon2id` identifiers,
/// otherwise `crypt()` compared in constant time with the whole hash.
///
/// # Errors
/// As [`crypt`], plus argon2 parameters over this crate's limits.
pub fn password_verify(password: &[u8], hash: &[u8]) -> Result<bool, PasswordError> {
    match php_ident(hash) {
        Some(b"argon2i") => argon2::verify(password, hash, Variant::Argon2i),
        Some(b"argon2id") => argon2::verify(password, hash, Variant::Argon2id),
        // Every other identifier (including none) goes to the bcrypt algorithm's verify,
        // which is crypt() plus a length check and a constant-time comparison.
        _ => crypt_verify(password, hash),
    }
}

/// `crypt($password, $stored) === $stored` (phpass's fallback; `password_verify` minus argon2).
pub(crate) fn crypt_verify(password: &[u8], stored: &[u8]) -> Result<bool, PasswordError> {
    // DES output has a fixed length: a stored value of any other length can never match, so
    // it is a plain `false` rather than "unsupported".
    match Scheme::of(c_str(stored)) {
        Scheme::ExtendedDes if stored.len() != 20 => return Ok(false),
        Scheme::Des if stored.len() != 13 => return Ok(false),
        _ => {}
    }
    Ok(crypt(password, stored)?.is_some_and(|out| hash_equals(&out, stored)))
}

/// `php_password_algo_extract_ident()`: the bytes between the first byte and the next `$`
/// (the first byte itself is not checked), read as a C string.
pub(crate) fn php_ident(hash: &[u8]) -> Option<&[u8]> {
    let hash = c_str(hash);
    if hash.len() < 3 {
        return None;
    }
    let rest = hash.get(1..)?;
    let end = rest.iter().position(|&b| b == b'$')?;
    rest.get(..end)
}

/// Appends `count` characters of `value`, six bits at a time from the low end, in crypt()'s
/// alphabet (`b64_from_24bit` / `to64` in the C implementations).
pub(crate) fn push_b64(out: &mut Vec<u8>, mut value: u32, count: usize) {
    for _ in 0..count {
        // `value & 0x3f` is below 64, the alphabet's length.
        out.extend(ITOA64.get((value & 0x3f) as usize));
        value >>= 6;
    }
}

/// What `php_crypt()` dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Md5,
    Blowfish,
    Sha256,
    Sha512,
    ExtendedDes,
    Des,
}

impl Scheme {
    fn of(setting: &[u8]) -> Scheme {
        match setting {
            [b'$', b'1', b'$', ..] => Scheme::Md5,
            [b'$', b'2', _, b'$', ..] => Scheme::Blowfish,
            [b'$', b'5', b'$', ..] => Scheme::Sha256,
            [b'$', b'6', b'$', ..] => Scheme::Sha512,
            [b'_', ..] => Scheme::ExtendedDes,
            _ => Scheme::Des,
        }
    }
}

/// The bytes before the first NUL, as a C function sees a PHP string.
fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => bytes.get(..end).unwrap_or(bytes),
        None => bytes,
    }
}

fn is_itoa64(b: &u8) -> bool {
    ITOA64.contains(b)
}

/// PHP 8 refuses DES salts outside the crypt alphabet (it used to map them silently).
fn des_setting_ok(setting: &[u8]) -> bool {
    setting.get(..2).is_some_and(|salt| salt.iter().all(is_itoa64))
}

/// `_` ‖ 4 count characters (count ≠ 0) ‖ 4 salt characters.
fn extended_des_setting_ok(setting: &[u8]) -> bool {
    setting.get(1..9).is_some_and(|s| s.iter().all(is_itoa64))
        && setting.get(1..5).is_some_and(|count| count != b"....")
}

/// MD5-crypt (`php_md5_crypt_r`, after FreeBSD's): `$1$` ‖ salt (≤ 8 bytes, up to `$`) ‖ `$`
/// ‖ 22 characters.
fn md5_crypt(pw: &[u8], setting: &[u8]) -> Vec<u8> {
    const MAGIC: &[u8] = b"$1$";
    let rest = setting.strip_prefix(MAGIC).unwrap_or(setting);
    let salt_len = rest.iter().take(8).position(|&b| b == b'$').unwrap_or(rest.len().min(8));
    let salt = rest.get(..salt_len).unwrap_or_default();

    let alternate = Md5::new().chain_update(pw).chain_update(salt).chain_update(pw).finalize();
    let mut ctx = Md5::new().chain_update(pw).chain_update(MAGIC).chain_update(salt);
    for chunk in pw.chunks(16) {
        ctx.update(alternate.get(..chunk.len()).unwrap_or_default());
    }
    // "Then something really weird": one byte per bit of the length, a NUL for set bits
    // (the C code has just wiped the buffer) and the password's first byte for clear ones.
    let mut i = pw.len();
    while i != 0 {
        if i & 1 != 0 {
            ctx.update([0u8]);
        } else {
            ctx.update(pw.get(..1).unwrap_or_default());
        }
        i >>= 1;
    }
    let mut digest = ctx.finalize();

    for round in 0..1000 {
        let mut ctx = Md5::new();
        if round & 1 != 0 {
            ctx.update(pw);
        } else {
            ctx.update(digest);
        }
        if round % 3 != 0 {
            ctx.update(salt);
        }
        if round % 7 != 0 {
            ctx.update(pw);
        }
        if round & 1 != 0 {
            ctx.update(digest);
        } else {
            ctx.update(pw);
        }
        digest = ctx.finalize();
    }

    let mut out = MAGIC.to_vec();
    out.extend_from_slice(salt);
    out.push(b'$');
    let d: [u8; 16] = digest.into();
    for [a, b, c] in [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] {
        push_b64(&mut out, triple(&d, a, b, c), 4);
    }
    push_b64(&mut out, byte(&d, 11), 2);
    out
}

#[derive(Debug, Clone, Copy)]
enum ShaVariant {
    Sha256,
    Sha512,
}

/// SHA-crypt (`php_sha256_crypt_r`/`php_sha512_crypt_r`, after Drepper): `$5$`/`$6$` ‖
/// optional `rounds=N$` ‖ salt (≤ 16 bytes, up to `$`) ‖ `$` ‖ 43/86 characters.
fn sha_crypt(variant: ShaVariant, key: &[u8], setting: &[u8]) -> Option<Vec<u8>> {
    let prefix = setting.get(..3)?;
    let rest = setting.get(3..)?;
    let (rounds, custom, rest) = match rest.strip_prefix(b"rounds=").and_then(strtoul_then_dollar) {
        // PHP (unlike glibc) fails on an out-of-range count instead of clamping it.
        Some((n, after)) => {
            let n = u32::try_from(n).ok()?;
            let params = sha_crypt::Params::new(n).ok()?;
            (params, Some(n), after)
        }
        None => (sha_crypt::Params::default(), None, rest),
    };
    let salt_len = rest.iter().position(|&b| b == b'$').unwrap_or(rest.len()).min(16);
    let salt = rest.get(..salt_len)?;

    let mut out = prefix.to_vec();
    if let Some(n) = custom {
        out.extend_from_slice(format!("rounds={n}$").as_bytes());
    }
    out.extend_from_slice(salt);
    out.push(b'$');
    match variant {
        ShaVariant::Sha256 => {
            let d = sha_crypt::sha256_crypt(key, salt, rounds);
            for [a, b, c] in SHA256_ORDER {
                push_b64(&mut out, triple(&d, a, b, c), 4);
            }
            push_b64(&mut out, (byte(&d, 31) << 8) | byte(&d, 30), 3);
        }
        ShaVariant::Sha512 => {
            let d = sha_crypt::sha512_crypt(key, salt, rounds);
            for [a, b, c] in SHA512_ORDER {
                push_b64(&mut out, triple(&d, a, b, c), 4);
            }
            push_b64(&mut out, byte(&d, 63), 2);
        }
    }
    Some(out)
}

/// The byte order of SHA-256-crypt's output encoding, three bytes per four characters.
const SHA256_ORDER: [[usize; 3]; 10] = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
];

/// The byte order of SHA-512-crypt's output encoding.
const SHA512_ORDER: [[usize; 3]; 21] = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
];

fn byte(d: &[u8], i: usize) -> u32 {
    d.get(i).copied().map_or(0, u32::from)
}

fn triple(d: &[u8], a: usize, b: usize, c: usize) -> u32 {
    (byte(d, a) << 16) | (byte(d, b) << 8) | byte(d, c)
}

/// C `strtoul(s, &end, 10)` followed by PHP's `*end == '$'` test: the value and what follows
/// the `$`. Leading whitespace and a sign are accepted as C does; a negative or overflowing
/// value saturates (and then fails the range check).
fn strtoul_then_dollar(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut i = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r'))
        .unwrap_or(s.len());
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = s.get(i..).unwrap_or_default().iter().take_while(|b| b.is_ascii_digit()).count();
    let (value, end) = if digits == 0 {
        // No conversion: `end` is the start of the string.
        (0, 0)
    } else {
        let text = s.get(i..i + digits).unwrap_or_default();
        let value = text
            .iter()
            .fold(0u64, |acc, &d| acc.saturating_mul(10).saturating_add(u64::from(d - b'0')));
        let value = if negative && value != 0 { u64::MAX } else { value };
        (value, i + digits)
    };
    match s.get(end..)? {
        [b'$', after @ ..] => Some((value, after)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are PHP 8.2.36 `crypt()` output.
    fn php(password: &[u8], setting: &[u8]) -> Option<Vec<u8>> {
        crypt(password, setting).unwrap()
    }

    #[test]
    fn md5_crypt_matches_php() {
        assert_eq!(
            php(b"Hello world!", b"$1$saltstring").unwrap(),
            b"$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1"
        );
        assert_eq!(php(b"Hello world!", b"$1$$").unwrap(), b"$1$$rpmA4u0GZbZzsddc1wzCB0");
        assert_eq!(php(b"pw\xe9\x80", b"$1$abc$").unwrap(), b"$1$abc$WnR/xzaCMFWrzNodixQ.j0");
        assert_eq!(php(b"", b"$1$abc$").unwrap(), b"$1$abc$Or2rbeUYTvt12aiVzMuS/.");
        assert_eq!(
            php(&b"abcdefghij".repeat(5), b"$1$abcdefgh$").unwrap(),
            b"$1$abcdefgh$EJAdPPrFEL3riMaIYmPeq0"
        );
    }

    #[test]
    fn sha_crypt_matches_php() {
        assert_eq!(
            php(b"Hello world!", b"$5$saltstring").unwrap(),
            b"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        assert_eq!(
            php(b"Hello world!", b"$6$saltstring").unwrap(),
            b"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1".as_slice()
        );
        assert_eq!(
            php(b"pw", b"$5$rounds=1000$saltsalt$").unwrap(),
            b"$5$rounds=1000$saltsalt$eNI.02a9Kos9UxzxjTLpNZ6kYHkRe9Z8OsGkDDoW/X2"
        );
        assert_eq!(
            php(b"pw", b"$6$saltsaltsaltsaltsalt$").unwrap(),
            b"$6$saltsaltsaltsalt$.NRdXhGF7aIqFA0V3MOlnN0T8ecsXGrF.lehfnGm0TwFsNB8VWqs56ykUfVXu8cUgatHwmmkJO5fbOI6RoZAN0".as_slice()
        );
    }

    #[test]
    fn sha_crypt_rounds_are_parsed_like_strtoul_and_range_checked() {
        let canonical = php(b"pw", b"$6$rounds=1000$saltsalt$").unwrap();
        assert_eq!(php(b"pw", b"$6$rounds= 1000$saltsalt$").unwrap(), canonical);
        assert_eq!(php(b"pw", b"$6$rounds=01000$saltsalt$").unwrap(), canonical);
        assert_eq!(php(b"pw", b"$6$rounds=999$saltsalt$"), None);
        assert_eq!(php(b"pw", b"$6$rounds=$saltsalt$"), None);
        assert_eq!(php(b"pw", b"$6$rounds=-1000$saltsalt$"), None);
        assert_eq!(php(b"pw", b"$6$rounds=99999999999999999999999$s$"), None);
        // Not a number before the `$`: "rounds=x" is the salt.
        assert_eq!(
            php(b"pw", b"$6$rounds=x$salt").unwrap(),
            b"$6$rounds=x$EhVnQOTQu4nHhUNekuL2ldnR.6gEhZPSxXTvRFefvqtCpnBPTlO5q/z4Wh.S0UZMmZ4AQYBkRttiWW2I2ZkhC/".as_slice()
        );
    }

    #[test]
    fn a_non_canonical_rounds_field_never_verifies() {
        let stored = b"$6$rounds=05000$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/";
        assert!(!crypt_verify(b"pw", stored).unwrap());
        let canonical = b"$6$rounds=5000$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/";
        assert!(crypt_verify(b"pw", canonical).unwrap());
    }

    #[test]
    fn everything_after_a_nul_byte_is_ignored() {
        let stored = b"$1$saltsalt$SXZXOyX4ZVu3SUBrzOw9Q.";
        assert!(crypt_verify(b"ab\0cd", stored).unwrap());
        assert!(password_verify(b"ab\0cd", stored).unwrap());
    }

    #[test]
    fn des_settings_are_unsupported_only_when_they_could_match() {
        assert_eq!(crypt_verify(b"pw", b"abzlUXK5ed5rs"), Err(UnsupportedHash::DesCrypt.into()));
        assert_eq!(
            crypt_verify(b"pw", b"_J9..saltH/rNoMLl8KQ"),
            Err(UnsupportedHash::ExtendedDesCrypt.into())
        );
        assert_eq!(crypt_verify(b"pw", b"$abzlUXK5ed5r"), Ok(false));
        assert_eq!(crypt_verify(b"pw", b"abzlUXK5ed5rs-too-long"), Ok(false));
        assert_eq!(crypt_verify(b"pw", b"$H$BFKb0If7dlurdHYfFEQsYMF7RFh2O11"), Ok(false));
        assert_eq!(php(b"pw", b"$a"), None);
    }

    #[test]
    fn the_ident_is_read_between_the_first_byte_and_the_next_dollar() {
        assert_eq!(php_ident(b"$argon2id$v=19"), Some(b"argon2id".as_slice()));
        assert_eq!(php_ident(b"$2y$10$"), Some(b"2y".as_slice()));
        assert_eq!(php_ident(b"x2y$10$"), Some(b"2y".as_slice()));
        assert_eq!(php_ident(b"$2y"), None);
        assert_eq!(php_ident(b"$2\0y$"), None);
        assert_eq!(php_ident(b"$"), None);
    }
}
