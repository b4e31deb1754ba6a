//! phpass "portable" hashes: `$P$` (WordPress) and `$H$` (phpBB), the class
//! `PasswordHash(8, true)` of wp-includes/class-phpass.php.
//!
//! ```text
//! $P$ ‖ itoa64[log2 rounds] ‖ salt (8 chars) ‖ encode64(digest) (22 chars)     = 34 chars
//! digest = md5(salt ‖ password); repeat 2^log2 times: digest = md5(digest ‖ password)
//! ```
//!
//! WordPress writes log2 = 13 (`B`, 8192 rounds) with a salt of 6 random bytes. `CheckPassword`
//! recomputes with the stored setting and compares the whole string; a setting phpass rejects
//! (bad prefix, log2 outside 7..=30, short salt) falls back to PHP `crypt()`, which is how
//! ≤ 6.7 also verifies `$2y$`, `$1$` and `$6$` hashes.

use md5::{Digest, Md5};
use rand_core::CryptoRng;

use super::{MAX_PASSWORD_LEN, PasswordError, PasswordHash, crypt, hash_equals};

/// phpass's alphabet: `./0-9A-Za-z` (the same as crypt()'s).
pub const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The log2 round count WordPress writes: `PasswordHash(8, true)` adds 5 (`B`).
pub const DEFAULT_LOG2_ROUNDS: u8 = 13;

/// phpass's `crypt_private($password, $setting)`, deterministic.
///
/// Returns `$P$`/`$H$` ‖ round char ‖ salt ‖ 22 digest characters, or phpass's failure
/// strings: `*0`, or `*1` when the setting itself starts with `*0` (so a failure can never
/// equal the stored value).
///
/// # Examples
/// ```
/// use wpgate_core::password::phpass::crypt_private;
/// let out = crypt_private(b"ZAqfwRbtx26Ct4!#", b"$P$BhPEfwn/m");
/// assert_eq!(out.as_bytes(), b"$P$BhPEfwn/m4UeVlIiaXOzkgcytLPv.s/");
/// assert_eq!(crypt_private(b"pw", b"$P$4abcdefgh").as_bytes(), b"*0");
/// ```
pub fn crypt_private(password: &[u8], setting: &[u8]) -> PasswordHash {
    match compute(password, setting) {
        Some(out) => PasswordHash::new(out),
        None if setting.starts_with(b"*0") => PasswordHash::from("*1"),
        None => PasswordHash::from("*0"),
    }
}

/// phpass `HashPassword()` in portable mode: 6 salt bytes from `rng`, 8192 rounds.
///
/// The caller trims (`wp_hash_password`); this checks only phpass's own length limit.
///
/// # Errors
/// [`PasswordError::TooLong`] over 4096 bytes, where phpass returns `*`.
#[doc(alias = "HashPassword")]
pub fn hash(password: &[u8], rng: &mut impl CryptoRng) -> Result<PasswordHash, PasswordError> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong { len: password.len() });
    }
    let mut random = [0u8; 6];
    rng.fill_bytes(&mut random);
    let setting = gensalt(&random, DEFAULT_LOG2_ROUNDS);
    Ok(crypt_private(password, &setting))
}

/// phpass `CheckPassword()`: over 4096 bytes fails; otherwise `crypt_private`, falling back
/// to PHP `crypt()` when phpass rejects the setting, compared with the whole stored hash.
///
/// # Errors
/// [`PasswordError::Unsupported`] when the `crypt()` fallback meets a format this crate
/// does not compute.
#[doc(alias = "CheckPassword")]
pub fn check_password(password: &[u8], stored: &[u8]) -> Result<bool, PasswordError> {
    if password.len() > MAX_PASSWORD_LEN {
        return Ok(false);
    }
    match compute(password, stored) {
        // phpass compares with ===; constant time costs nothing here.
        Some(out) => Ok(hash_equals(&out, stored)),
        None => crypt::crypt_verify(password, stored),
    }
}

/// `gensalt_private()`: `$P$` ‖ itoa64[log2] ‖ encode64(6 random bytes).
fn gensalt(random: &[u8; 6], log2: u8) -> Vec<u8> {
    let mut setting = b"$P$".to_vec();
    setting.extend(ITOA64.get(usize::from(log2.min(30))));
    setting.extend(encode64(random));
    setting
}

/// The body of `crypt_private`; `None` where phpass returns `*0`/`*1`.
fn compute(password: &[u8], setting: &[u8]) -> Option<Vec<u8>> {
    if !(setting.starts_with(b"$P$") || setting.starts_with(b"$H$")) {
        return None;
    }
    // strpos($itoa64, $setting[3]): an unknown character is `false`, which is < 7.
    let log2 = ITOA64.iter().position(|c| Some(c) == setting.get(3))?;
    if !(7..=30).contains(&log2) {
        return None;
    }
    let salt = setting.get(4..12)?;

    let mut digest = Md5::new_with_prefix(salt).chain_update(password).finalize();
    for _ in 0..(1u32 << log2) {
        digest = Md5::new_with_prefix(digest).chain_update(password).finalize();
    }

    let mut out = setting.get(..12)?.to_vec();
    out.extend(encode64(&digest));
    Some(out)
}

/// phpass `encode64()`: little-endian 3-byte groups, 6 bits per character, low bits first.
pub(crate) fn encode64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let value = chunk.iter().rev().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        // A partial group emits one character per input byte plus one.
        crypt::push_b64(&mut out, value, chunk.len() + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn encode64_packs_little_endian_groups() {
        assert_eq!(encode64(&[0, 0, 0]), b"....");
        assert_eq!(encode64(&[1]), b"/.");
        assert_eq!(encode64(&[0xff, 0xff]), b"zzD");
        assert_eq!(encode64(&[0u8; 16]).len(), 22);
        assert_eq!(encode64(&[0u8; 6]).len(), 8);
    }

    #[test]
    fn crypt_private_matches_wordpress_for_each_round_count() {
        let pw = b"ZAqfwRbtx26Ct4!#";
        let out = |s: &[u8]| crypt_private(pw, s).into_bytes();
        assert_eq!(out(b"$P$7wtEolCwB"), b"$P$7wtEolCwBKkz8EAUYo77J.UNvFYcl4/");
        assert_eq!(out(b"$P$5PfwC8cAx"), b"$P$5PfwC8cAxSUkteCZQv1LEwwEn/z9nf0");
        assert_eq!(out(b"$H$BFKb0If7d"), b"$H$BFKb0If7dlurdHYfFEQsYMF7RFh2O11");
    }

    #[test]
    fn rejected_settings_yield_star_zero_or_star_one() {
        assert_eq!(crypt_private(b"pw", b"$P$472mplGfK").as_bytes(), b"*0");
        assert_eq!(crypt_private(b"pw", b"$P$U/3uv5nz8").as_bytes(), b"*0");
        assert_eq!(crypt_private(b"pw", b"$P$Babc").as_bytes(), b"*0");
        assert_eq!(crypt_private(b"pw", b"$P$").as_bytes(), b"*0");
        assert_eq!(crypt_private(b"pw", b"$P$\xffabcdefgh").as_bytes(), b"*0");
        assert_eq!(crypt_private(b"pw", b"*0abcdefghij").as_bytes(), b"*1");
    }

    #[test]
    fn hashing_writes_p_b_with_a_random_salt_and_verifies() {
        let mut rng = StdRng::seed_from_u64(1);
        let a = hash(b"pw", &mut rng).unwrap();
        let b = hash(b"pw", &mut rng).unwrap();
        assert!(a.as_bytes().starts_with(b"$P$B"));
        assert_eq!(a.as_bytes().len(), 34);
        assert_ne!(a, b);
        assert!(check_password(b"pw", a.as_bytes()).unwrap());
        assert!(!check_password(b"pw ", a.as_bytes()).unwrap());
    }

    #[test]
    fn passwords_over_4096_bytes_neither_hash_nor_check() {
        let long = vec![b'p'; 4097];
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(hash(&long, &mut rng), Err(PasswordError::TooLong { len: 4097 }));
        assert!(!check_password(&long, b"$P$ByfrvEnW/g2B/1pPJlxqvKldf9MzUN/").unwrap());
    }

    #[test]
    fn check_falls_back_to_crypt_for_other_formats() {
        // PHP 8.2: crypt("ab", '$1$saltsalt$')
        assert!(check_password(b"ab", b"$1$saltsalt$SXZXOyX4ZVu3SUBrzOw9Q.").unwrap());
        assert!(!check_password(b"ab", b"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA").unwrap());
    }

    #[test]
    fn a_stored_hash_with_trailing_bytes_does_not_verify() {
        let stored = b"$P$BhPEfwn/m4UeVlIiaXOzkgcytLPv.s/x";
        assert!(!check_password(b"ZAqfwRbtx26Ct4!#", stored).unwrap());
    }
}
