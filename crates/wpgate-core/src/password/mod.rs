//! Passwords: hashing, checking and rehashing exactly as WordPress does.
//!
//! This module mirrors `wp_hash_password()`, `wp_check_password()` and
//! `wp_password_needs_rehash()` (wp-includes/pluggable.php), the phpass class WordPress used
//! for every hash until 6.7 (wp-includes/class-phpass.php), the PHP 8.2 `crypt()` and
//! `password_verify()` formats a `wp_users.user_pass` column may hold, `wp_fast_hash()` and
//! application passwords (wp-includes/class-wp-application-passwords.php).
//!
//! # Hash formats
//!
//! | stored `user_pass` | written by | checked with |
//! |---|---|---|
//! | `$wp$2y$10$…` (63 bytes) | `wp_hash_password`, 6.8+ | bcrypt of `base64(HMAC-SHA384("wp-sha384", password))` ([`bcrypt`]) |
//! | `$P$B…` (34 bytes) | `wp_hash_password`, ≤ 6.7 | phpass portable: MD5 × 2^13 ([`phpass`]) |
//! | 32 lowercase hex digits | WordPress before 2.5 | `md5(password)` ([`md5`]) |
//! | `$2y$`, `$2a$`, `$2b$` | plugins, imports | PHP's crypt_blowfish ([`bcrypt`]) |
//! | `$argon2id$`, `$argon2i$` | plugins | libargon2 via `password_verify`, 6.8+ only ([`argon2`]) |
//! | `$1$`, `$5$`, `$6$` | imports | PHP `crypt()` ([`crypt`]) |
//! | `$generic$…` (49 bytes) | `wp_fast_hash`, 6.8+ | keyed BLAKE2b ([`fast_hash`](mod@fast_hash)) |
//!
//! # `wp_check_password` decision order
//!
//! [`PasswordPolicy::verify`] follows WordPress's branches in order, so that a hash is checked
//! by the same algorithm WordPress would pick, including the surprising cases:
//!
//! 1. `strlen(hash) <= 32`: `hash_equals(hash, md5(password))`, lowercase hex only. Every
//!    short string (`""`, `"*"`, a 13-byte DES hash, an upper-case MD5) lands here.
//! 2. ≤ 6.7 (or a phpass `$wp_hasher` override): phpass `CheckPassword`, which falls back to
//!    PHP `crypt()` for anything that is not `$P$`/`$H$`. `$wp$` and argon2 hashes fail.
//! 3. 6.8+: passwords over 4096 bytes fail; `$wp` → the pre-hashed bcrypt; `$P$` → phpass;
//!    anything else → `password_verify` (so `$H$` stops verifying in 6.8).
//!
//! # Trimming
//!
//! Hashing trims the password (PHP `trim()`: space, `\t`, `\n`, `\r`, `\0`, `\x0B`); checking
//! does not. Logins trim before checking (`wp_authenticate()`), so login code must check
//! [`Password::trimmed`], while code mirroring a direct `wp_check_password()` call must not.
//!
//! # Examples
//! ```
//! use rand::SeedableRng;
//! use wpgate_core::WpVersion;
//! use wpgate_core::password::{self, HashFormat, Password, PasswordPolicy};
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(7);
//! let policy = PasswordPolicy::new(WpVersion::LATEST).with_bcrypt_cost(4)?;
//! let hash = policy.hash(&Password::from(" secret "), &mut rng)?;
//! assert_eq!(hash.format(), HashFormat::WpBcrypt);
//!
//! // A login trims what the user typed; a bare wp_check_password() call does not.
//! let typed = Password::from(" secret ");
//! assert!(policy.verify(&typed.trimmed(), &hash)?);
//! assert!(!policy.verify(&typed, &hash)?);
//! assert_eq!(policy.needs_rehash(&hash), Some(false));
//! # Ok::<(), password::PasswordError>(())
//! ```

pub mod application;
pub mod argon2;
pub mod bcrypt;
pub mod crypt;
pub mod fast_hash;
pub mod md5;
pub mod phpass;

use std::fmt;

use rand_core::CryptoRng;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use subtle::ConstantTimeEq;

use crate::WpVersion;

pub use application::{ApplicationPassword, ApplicationPasswordItem};
pub use fast_hash::{fast_hash, verify_fast_hash};

/// The longest password WordPress hashes or checks (bytes); longer ones never verify and
/// hash to `*` (phpass since WordPress 4.x, `wp_hash_password` in 6.8+).
pub const MAX_PASSWORD_LEN: usize = 4096;

/// Checks `password` against a stored `hash` as the given WordPress release does.
///
/// Shorthand for [`PasswordPolicy::new(version).verify(..)`](PasswordPolicy::verify).
///
/// # Errors
/// [`PasswordError::Unsupported`] for the few hash formats PHP can check but this crate does
/// not compute; treat it as a failed login.
#[doc(alias = "wp_check_password")]
pub fn verify(
    password: &Password,
    hash: &PasswordHash,
    version: WpVersion,
) -> Result<bool, PasswordError> {
    PasswordPolicy::new(version).verify(password, hash)
}

/// Hashes `password` as the given WordPress release's `wp_hash_password()` does (trimmed;
/// `$wp$2y$10$…` for 6.8+, phpass `$P$B…` before).
///
/// # Errors
/// [`PasswordError::TooLong`] where WordPress would return the unusable hash `*`.
#[doc(alias = "wp_hash_password")]
pub fn hash(
    password: &Password,
    version: WpVersion,
    rng: &mut impl CryptoRng,
) -> Result<PasswordHash, PasswordError> {
    PasswordPolicy::new(version).hash(password, rng)
}

/// Whether WordPress would rehash `hash` after a successful login (6.8+); `None` before 6.8,
/// which has no such function.
#[doc(alias = "wp_password_needs_rehash")]
pub fn needs_rehash(hash: &PasswordHash, version: WpVersion) -> Option<bool> {
    PasswordPolicy::new(version).needs_rehash(hash)
}

/// How a site hashes and checks passwords: its WordPress release, the bcrypt cost
/// (`wp_hash_password_options`) and whether a phpass `$wp_hasher` replaces the 6.8 hasher.
///
/// The default is the latest release with PHP 8.2's default bcrypt cost of 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    version: WpVersion,
    bcrypt_cost: u32,
    phpass_hasher: bool,
}

/// What [`PasswordPolicy::hash`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashScheme {
    /// phpass portable `$P$B…` (WordPress ≤ 6.7, or a `$wp_hasher` override).
    Phpass,
    /// `$wp` + bcrypt `$2y$` of the SHA-384 pre-hash (WordPress 6.8+).
    WpBcrypt {
        /// bcrypt cost (log2 of the rounds).
        cost: u32,
    },
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy::new(WpVersion::LATEST)
    }
}

impl PasswordPolicy {
    /// PHP 8.2's default bcrypt cost (`PASSWORD_BCRYPT_DEFAULT_COST`; PHP 8.4 uses 12).
    pub const DEFAULT_BCRYPT_COST: u32 = 10;

    /// The stock behaviour of WordPress `version` on PHP 8.2.
    pub fn new(version: WpVersion) -> Self {
        PasswordPolicy { version, bcrypt_cost: Self::DEFAULT_BCRYPT_COST, phpass_hasher: false }
    }

    /// Uses bcrypt cost `cost` for new 6.8+ hashes and for the rehash check
    /// (the `wp_hash_password_options` filter returning `['cost' => $cost]`).
    ///
    /// # Errors
    /// [`PasswordError::InvalidCost`] outside bcrypt's 4..=31.
    pub fn with_bcrypt_cost(self, cost: u32) -> Result<Self, PasswordError> {
        if !(bcrypt::MIN_COST..=bcrypt::MAX_COST).contains(&cost) {
            return Err(PasswordError::InvalidCost { cost });
        }
        Ok(PasswordPolicy { bcrypt_cost: cost, ..self })
    }

    /// Behaves as a 6.8+ site whose global `$wp_hasher` is `new PasswordHash(8, true)`:
    /// phpass hashes, phpass checks, and no rehashing. Before 6.8 this is the default anyway.
    pub fn with_phpass_hasher(self) -> Self {
        PasswordPolicy { phpass_hasher: true, ..self }
    }

    /// The WordPress release this policy mirrors.
    pub fn version(&self) -> WpVersion {
        self.version
    }

    /// The scheme [`hash`](Self::hash) writes.
    pub fn scheme(&self) -> HashScheme {
        if self.uses_phpass() {
            HashScheme::Phpass
        } else {
            HashScheme::WpBcrypt { cost: self.bcrypt_cost }
        }
    }

    /// Checks `password` (untrimmed, as given) against a stored hash, in WordPress's order.
    ///
    /// # Errors
    /// [`PasswordError::Unsupported`] for a hash PHP could check but this crate cannot
    /// (traditional DES, `$2x$`/`$2a$` quirks for 8-bit passwords, oversized argon2
    /// parameters). Any other malformed hash is simply `Ok(false)`, as in PHP.
    ///
    /// # Security
    /// Comparisons are constant-time; the work done depends on the stored hash's format.
    #[doc(alias = "wp_check_password")]
    pub fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, PasswordError> {
        let password = password.expose_secret();
        let hash = hash.as_bytes();
        // Whatever the release, a hash of 32 bytes or fewer is compared with md5(password):
        // this is what upgrades pre-2.5 MD5 hashes, and it also swallows "", "*" and DES.
        if hash.len() <= 32 {
            return Ok(md5::verify(password, hash));
        }
        if self.uses_phpass() {
            return phpass::check_password(password, hash);
        }
        if password.len() > MAX_PASSWORD_LEN {
            return Ok(false);
        }
        if let Some(inner) = hash.strip_prefix(b"$wp") {
            // Checking pre-hashes the password as given: only hashing trims.
            let prehashed = bcrypt::prehash(password);
            return crypt::password_verify(prehashed.expose_secret().as_bytes(), inner);
        }
        if hash.starts_with(b"$P$") {
            return phpass::check_password(password, hash);
        }
        crypt::password_verify(password, hash)
    }

    /// Hashes `password` as `wp_hash_password()` does: trimmed, then `$wp$2y$…` (6.8+) or
    /// phpass `$P$B…` (≤ 6.7 or a phpass `$wp_hasher`), salted from `rng`.
    ///
    /// # Errors
    /// [`PasswordError::TooLong`] for passwords over 4096 bytes, where WordPress returns `*`
    /// (6.8+ measures before trimming, phpass after).
    #[doc(alias = "wp_hash_password")]
    pub fn hash(
        &self,
        password: &Password,
        rng: &mut impl CryptoRng,
    ) -> Result<PasswordHash, PasswordError> {
        match self.scheme() {
            HashScheme::Phpass => phpass::hash(password.trimmed().expose_secret(), rng),
            HashScheme::WpBcrypt { cost } => {
                let len = password.len();
                if len > MAX_PASSWORD_LEN {
                    return Err(PasswordError::TooLong { len });
                }
                bcrypt::hash_wp(password.trimmed().expose_secret(), cost, rng)
            }
        }
    }

    /// `wp_password_needs_rehash()`: `None` before 6.8 (no such function), `Some(false)` with a
    /// `$wp_hasher`, else `Some(true)` for every hash without the `$wp` prefix and, for `$wp`
    /// hashes, PHP's `password_needs_rehash` of the rest against this policy's cost.
    #[doc(alias = "wp_password_needs_rehash")]
    pub fn needs_rehash(&self, hash: &PasswordHash) -> Option<bool> {
        if self.version < WpVersion::V6_8 {
            return None;
        }
        if self.phpass_hasher {
            return Some(false);
        }
        Some(match hash.as_bytes().strip_prefix(b"$wp") {
            Some(inner) => bcrypt::needs_rehash(inner, self.bcrypt_cost),
            None => true,
        })
    }

    /// Whether a successful [`verify`](Self::verify) against a ≤ 32-byte MD5 hash makes
    /// WordPress store a new hash at once (`wp_set_password`, ≤ 6.7, when a user ID is
    /// given). In 6.8+ the login's [`needs_rehash`](Self::needs_rehash) does it instead.
    pub fn rehashes_md5_on_check(&self) -> bool {
        self.version < WpVersion::V6_8
    }

    fn uses_phpass(&self) -> bool {
        self.phpass_hasher || self.version < WpVersion::V6_8
    }
}

/// A plaintext password: arbitrary bytes (PHP strings need not be UTF-8), zeroized on drop and
/// never printed.
///
/// # Examples
/// ```
/// use wpgate_core::password::Password;
/// let p = Password::from("  hunter2\n");
/// assert_eq!(p.trimmed().expose_secret(), b"hunter2");
/// assert_eq!(format!("{p:?}"), "Password(<redacted>)");
/// ```
#[derive(Clone)]
pub struct Password(SecretSlice<u8>);

impl Password {
    /// Wraps the password's bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Password(SecretSlice::from(bytes.into()))
    }

    /// The password's bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Length in bytes (PHP `strlen`).
    pub fn len(&self) -> usize {
        self.expose_secret().len()
    }

    /// Whether the password is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }

    /// The password after PHP's `trim()`: what `wp_hash_password()` hashes and what
    /// `wp_authenticate()` checks. Login code checks this, never the raw input.
    #[doc(alias = "trim")]
    pub fn trimmed(&self) -> Password {
        Password::new(crate::php::trim(self.expose_secret()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s.as_bytes())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s.into_bytes())
    }
}

impl From<&[u8]> for Password {
    fn from(b: &[u8]) -> Self {
        Password::new(b)
    }
}

impl From<Vec<u8>> for Password {
    fn from(b: Vec<u8>) -> Self {
        Password::new(b)
    }
}

impl From<&SecretString> for Password {
    fn from(s: &SecretString) -> Self {
        Password::new(s.expose_secret().as_bytes())
    }
}

/// A stored password hash (`wp_users.user_pass`, an application password item's `password`).
///
/// Held as bytes because the column may hold anything; compares in constant time and prints
/// only its [`format`](Self::format), since hashes must not reach logs.
#[derive(Clone)]
pub struct PasswordHash(Vec<u8>);

impl PasswordHash {
    /// Wraps a stored hash.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        PasswordHash(bytes.into())
    }

    /// The hash's bytes, as stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The hash as text, when it is UTF-8 (every hash WordPress writes is ASCII).
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The hash's bytes, as stored.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Which scheme the hash's shape names (version-independent; see [`HashFormat`]).
    pub fn format(&self) -> HashFormat {
        HashFormat::of(&self.0)
    }
}

impl PartialEq for PasswordHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for PasswordHash {}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHash")
            .field("format", &self.format())
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

impl From<&str> for PasswordHash {
    fn from(s: &str) -> Self {
        PasswordHash::new(s.as_bytes())
    }
}

impl From<String> for PasswordHash {
    fn from(s: String) -> Self {
        PasswordHash::new(s.into_bytes())
    }
}

impl From<&[u8]> for PasswordHash {
    fn from(b: &[u8]) -> Self {
        PasswordHash::new(b)
    }
}

/// The scheme a stored hash's shape names.
///
/// This is a classification of the string alone; whether a release *checks* it that way is
/// [`PasswordPolicy::verify`]'s business (a `$H$` hash is [`Phpass`](Self::Phpass) but stops
/// verifying in 6.8; any hash of ≤ 32 bytes is compared with MD5 whatever its shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFormat {
    /// 32 lowercase hexadecimal digits: `md5(password)`.
    Md5,
    /// phpass portable, `$P$` (WordPress) or `$H$` (phpBB).
    Phpass,
    /// WordPress 6.8's prefixed scheme: anything starting `$wp`.
    WpBcrypt,
    /// Plain bcrypt, `$2a$`, `$2b$`, `$2x$` or `$2y$`.
    Bcrypt,
    /// `$argon2i$`, `$argon2id$` or `$argon2d$`.
    Argon2,
    /// Anything else: crypt() formats (`$1$`, `$5$`, `$6$`, DES), `$generic$`, garbage.
    Other,
}

impl HashFormat {
    fn of(hash: &[u8]) -> HashFormat {
        let starts = |p: &[u8]| hash.starts_with(p);
        if starts(b"$wp") {
            HashFormat::WpBcrypt
        } else if starts(b"$P$") || starts(b"$H$") {
            HashFormat::Phpass
        } else if [b"$2a$", b"$2b$", b"$2x$", b"$2y$"].iter().any(|p| starts(*p)) {
            HashFormat::Bcrypt
        } else if starts(b"$argon2i$") || starts(b"$argon2id$") || starts(b"$argon2d$") {
            HashFormat::Argon2
        } else if hash.len() == 32 && hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            HashFormat::Md5
        } else {
            HashFormat::Other
        }
    }
}

/// Why a password could not be hashed or checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password exceeds [`MAX_PASSWORD_LEN`]; WordPress would store the unusable hash `*`.
    #[error("password is {len} bytes, over WordPress's 4096-byte limit (WordPress stores `*`)")]
    TooLong {
        /// The password's length in bytes.
        len: usize,
    },
    /// A bcrypt cost outside 4..=31.
    #[error("bcrypt cost must be between 4 and 31, not {cost}")]
    InvalidCost {
        /// The rejected cost.
        cost: u32,
    },
    /// A hash PHP can check but this crate does not compute.
    #[error("cannot check this hash: {0}")]
    Unsupported(#[from] UnsupportedHash),
}

/// The hash formats PHP 8.2 accepts that this crate refuses to guess at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedHash {
    /// Traditional 13-character DES `crypt()` (reachable only through `wp_verify_fast_hash`).
    #[error("traditional DES crypt() hashes are not implemented")]
    DesCrypt,
    /// Extended (BSDi) 20-character `_…` DES `crypt()`.
    #[error("extended DES crypt() hashes are not implemented")]
    ExtendedDesCrypt,
    /// `$2x$` with a password whose 8-bit bytes trigger crypt_blowfish's sign-extension bug.
    #[error("$2x$ hashes of passwords with 8-bit bytes need crypt_blowfish's sign-extension bug")]
    Bcrypt2xSignExtension,
    /// `$2a$` with a password that triggers crypt_blowfish's `$2a$` countermeasure (only
    /// passwords with `\xff` bytes, which are never UTF-8).
    #[error("$2a$ hash of a password that triggers crypt_blowfish's countermeasure")]
    Bcrypt2aCountermeasure,
    /// argon2 parameters above [`argon2::MAX_M_COST`] / [`argon2::MAX_T_COST`] /
    /// [`argon2::MAX_P_COST`].
    #[error("argon2 parameters above this crate's limits")]
    Argon2Limits,
}

/// PHP `hash_equals`: false on a length mismatch, otherwise a constant-time comparison.
fn hash_equals(known: &[u8], user: &[u8]) -> bool {
    known.len() == user.len() && bool::from(known.ct_eq(user))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const V6_7: WpVersion = WpVersion::new(6, 7, 2);

    fn rng() -> StdRng {
        StdRng::seed_from_u64(42)
    }

    #[test]
    fn hashes_are_classified_by_shape() {
        let f = |s: &str| PasswordHash::from(s).format();
        assert_eq!(f("$wp$2y$10$abc"), HashFormat::WpBcrypt);
        assert_eq!(f("$P$BhPEfwn/m4UeVlIiaXOzkgcytLPv.s/"), HashFormat::Phpass);
        assert_eq!(f("$H$BhPEfwn/m4UeVlIiaXOzkgcytLPv.s/"), HashFormat::Phpass);
        assert_eq!(f("$2a$10$x"), HashFormat::Bcrypt);
        assert_eq!(f("$argon2id$v=19$"), HashFormat::Argon2);
        assert_eq!(f("d41d8cd98f00b204e9800998ecf8427e"), HashFormat::Md5);
        assert_eq!(f("D41D8CD98F00B204E9800998ECF8427E"), HashFormat::Other);
        assert_eq!(f("$1$abc$WnR/xzaCMFWrzNodixQ.j0"), HashFormat::Other);
        assert_eq!(f(""), HashFormat::Other);
    }

    #[test]
    fn secrets_and_hashes_never_print_their_contents() {
        let p = Password::from("hunter2");
        let h = PasswordHash::from("d41d8cd98f00b204e9800998ecf8427e");
        assert!(!format!("{p:?}").contains("hunter2"));
        assert!(!format!("{h:?}").contains("d41d8"));
        assert!(format!("{h:?}").contains("Md5"));
    }

    #[test]
    fn hashing_trims_but_checking_does_not() {
        let policy = PasswordPolicy::default().with_bcrypt_cost(4).unwrap();
        let hash = policy.hash(&Password::from("  pw \n"), &mut rng()).unwrap();
        assert!(policy.verify(&Password::from("pw"), &hash).unwrap());
        assert!(!policy.verify(&Password::from("  pw \n"), &hash).unwrap());
        assert!(policy.verify(&Password::from("  pw \n").trimmed(), &hash).unwrap());
    }

    #[test]
    fn six_eight_writes_wp_bcrypt_and_six_seven_writes_phpass() {
        let pw = Password::from("pw");
        let new = hash(&pw, WpVersion::LATEST, &mut rng()).unwrap();
        let old = hash(&pw, V6_7, &mut rng()).unwrap();
        assert!(new.to_str().unwrap().starts_with("$wp$2y$10$"));
        assert_eq!(new.as_bytes().len(), 63);
        assert!(old.to_str().unwrap().starts_with("$P$B"));
        assert_eq!(old.as_bytes().len(), 34);
        assert!(verify(&pw, &new, WpVersion::LATEST).unwrap());
        assert!(!verify(&pw, &new, V6_7).unwrap());
        assert!(verify(&pw, &old, V6_7).unwrap());
        assert!(verify(&pw, &old, WpVersion::LATEST).unwrap());
    }

    #[test]
    fn the_phpass_hasher_override_hashes_phpass_and_never_rehashes() {
        let policy = PasswordPolicy::default().with_phpass_hasher();
        let h = policy.hash(&Password::from("pw"), &mut rng()).unwrap();
        assert_eq!(h.format(), HashFormat::Phpass);
        assert_eq!(policy.needs_rehash(&h), Some(false));
        assert_eq!(policy.scheme(), HashScheme::Phpass);
    }

    #[test]
    fn six_eight_measures_the_length_before_trimming_and_phpass_after() {
        let mut long = vec![b'x'; MAX_PASSWORD_LEN];
        long.push(b' ');
        let long = Password::new(long);
        assert_eq!(
            hash(&long, WpVersion::LATEST, &mut rng()),
            Err(PasswordError::TooLong { len: 4097 })
        );
        assert_eq!(hash(&long, V6_7, &mut rng()).unwrap().format(), HashFormat::Phpass);
    }

    #[test]
    fn an_md5_hash_is_checked_before_the_length_limit() {
        let long = Password::new(vec![b'p'; 5000]);
        let md5 = PasswordHash::from(hex::encode(<::md5::Md5 as ::md5::Digest>::digest(
            long.expose_secret(),
        )));
        assert!(verify(&long, &md5, WpVersion::LATEST).unwrap());
        assert!(verify(&long, &md5, V6_7).unwrap());
    }

    #[test]
    fn cost_outside_bcrypt_range_is_rejected() {
        assert_eq!(
            PasswordPolicy::default().with_bcrypt_cost(3),
            Err(PasswordError::InvalidCost { cost: 3 })
        );
        assert!(PasswordPolicy::default().with_bcrypt_cost(31).is_ok());
    }

    #[test]
    fn rehash_follows_the_configured_cost() {
        let cost10 =
            PasswordHash::from("$wp$2y$10$T/UGDA2Mbf5C.qmlHhQ1qe.EhaWZ2AUaJxvF2W94FAsSZUX7mftYa");
        let policy = PasswordPolicy::default();
        assert_eq!(policy.needs_rehash(&cost10), Some(false));
        assert_eq!(policy.with_bcrypt_cost(12).unwrap().needs_rehash(&cost10), Some(true));
        assert_eq!(PasswordPolicy::new(V6_7).needs_rehash(&cost10), None);
    }

    #[test]
    fn only_releases_before_six_eight_rehash_md5_during_the_check() {
        assert!(PasswordPolicy::new(V6_7).rehashes_md5_on_check());
        assert!(!PasswordPolicy::new(WpVersion::V6_8).rehashes_md5_on_check());
    }

    /// Hash prefixes that reach every parser, with cheap parameters so that random tails run
    /// in microseconds.
    const PREFIXES: &[&str] = &[
        "",
        "$P$7",
        "$H$7",
        "$wp",
        "$wp$2y$04$",
        "$2y$04$",
        "$2a$04$",
        "$2x$04$",
        "$1$",
        "$5$",
        "$6$",
        "$argon2id$v=19$m=8,t=1,p=1$",
        "$argon2i$m=8,t=1,p=1$",
        "$generic$",
        "_",
    ];

    proptest! {
        #[test]
        fn arbitrary_hashes_never_panic(
            prefix in proptest::sample::select(PREFIXES),
            tail in proptest::collection::vec(any::<u8>(), 0..80),
            password in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let mut bytes = prefix.as_bytes().to_vec();
            bytes.extend_from_slice(&tail);
            let hash = PasswordHash::new(bytes);
            let password = Password::new(password);
            for version in [V6_7, WpVersion::LATEST] {
                let _ = verify(&password, &hash, version);
                let _ = needs_rehash(&hash, version);
            }
            let _ = verify_fast_hash(password.expose_secret(), &hash);
            let _ = hash.format();
        }
    }
}
