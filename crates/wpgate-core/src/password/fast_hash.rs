//! `wp_fast_hash()` / `wp_verify_fast_hash()` (WordPress 6.8+, wp-includes/functions.php): a
//! keyed BLAKE2b for high-entropy secrets (application passwords, password-reset and
//! recovery-mode keys), where a slow hash buys nothing.
//!
//! ```text
//! "$generic$" ‖ base64url-no-padding( BLAKE2b(message, key = "wp_fast_hash_6.8+", 30 bytes) )
//! ```
//!
//! The BLAKE2b is libsodium's `crypto_generichash`: the key and output length go into the
//! parameter block (RFC 7693 keyed mode), not an HMAC. 30 bytes encode to exactly 40
//! characters, so hashes are always 49 bytes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use blake2::Blake2bMac;
use blake2::digest::Mac;
use blake2::digest::consts::U30;

use super::{PasswordError, PasswordHash, hash_equals, phpass};

/// The prefix that marks a fast hash.
pub const PREFIX: &str = "$generic$";

/// `wp_fast_hash()`'s BLAKE2b key.
const KEY: &[u8] = b"wp_fast_hash_6.8+";

/// `wp_fast_hash($message)`.
///
/// # Examples
/// ```
/// use wpgate_core::password::fast_hash;
/// assert_eq!(
///     fast_hash(b"hello").to_str(),
///     Some("$generic$r1moMeJvxxvR3QHCdtisNArbSTT9LZiRRG5WJvuR"),
/// );
/// ```
#[doc(alias = "wp_fast_hash")]
pub fn fast_hash(message: &[u8]) -> PasswordHash {
    match digest(message) {
        Some(d) => PasswordHash::from(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(d))),
        // Unreachable (the key is a valid 17-byte constant); `*` never verifies.
        None => PasswordHash::from("*"),
    }
}

/// `wp_verify_fast_hash($message, $hash)`: a `$generic$` hash is compared in constant time
/// with `wp_fast_hash($message)`; anything else goes to phpass `CheckPassword` (with its
/// `crypt()` fallback), for keys stored before 6.8. There is no MD5 rule here.
///
/// # Errors
/// [`PasswordError::Unsupported`] when the phpass fallback meets a `crypt()` format this
/// crate does not compute.
#[doc(alias = "wp_verify_fast_hash")]
pub fn verify_fast_hash(message: &[u8], hash: &PasswordHash) -> Result<bool, PasswordError> {
    let stored = hash.as_bytes();
    if !stored.starts_with(PREFIX.as_bytes()) {
        return phpass::check_password(message, stored);
    }
    Ok(digest(message).is_some_and(|d| {
        let mut expected = PREFIX.as_bytes().to_vec();
        expected.extend_from_slice(URL_SAFE_NO_PAD.encode(d).as_bytes());
        hash_equals(stored, &expected)
    }))
}

/// `sodium_crypto_generichash($message, KEY, 30)`.
fn digest(message: &[u8]) -> Option<[u8; 30]> {
    let mut mac = Blake2bMac::<U30>::new_with_salt_and_personal(Some(KEY), &[], &[]).ok()?;
    mac.update(message);
    Some(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_message_has_a_keyed_digest() {
        // PHP 8.2.36 sodium_crypto_generichash("", "wp_fast_hash_6.8+", 30), base64url.
        assert_eq!(
            fast_hash(b"").to_str(),
            Some("$generic$XJQGK2eUryTa4vHbU0bDv1Ml3wGPwaC1ATczq0o_")
        );
    }

    #[test]
    fn fast_hashes_verify_only_their_message() {
        let h = fast_hash(b"TGv5E9y4FGUEMhu1d3zcHYm9");
        assert_eq!(h.as_bytes().len(), 49);
        assert!(verify_fast_hash(b"TGv5E9y4FGUEMhu1d3zcHYm9", &h).unwrap());
        assert!(!verify_fast_hash(b"TGv5E9y4FGUEMhu1d3zcHYm8", &h).unwrap());
    }

    #[test]
    fn other_hashes_fall_back_to_phpass_without_the_md5_rule() {
        let phpass = PasswordHash::from("$P$ByfrvEnW/g2B/1pPJlxqvKldf9MzUN/");
        assert!(verify_fast_hash(b"ZAqfwRbtx26Ct4!#", &phpass).unwrap());
        let md5 = PasswordHash::from("d41d8cd98f00b204e9800998ecf8427e");
        assert!(!verify_fast_hash(b"", &md5).unwrap());
        assert!(!verify_fast_hash(b"", &PasswordHash::from("*")).unwrap());
    }
}
