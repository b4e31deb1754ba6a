//! Legacy MD5 password hashes (WordPress before 2.5): `user_pass = md5(password)`.
//!
//! `wp_check_password()` sends every stored hash of 32 bytes or fewer here, in every release:
//! `hash_equals($hash, md5($password))`. PHP's `md5()` is lowercase hex, so an upper-case
//! stored hash never matches, and shorter strings (`""`, `"*"`) never match either.

use md5::{Digest, Md5};

use super::hash_equals;

/// The legacy check: `hash_equals(hash, md5(password))`, constant-time.
///
/// # Examples
/// ```
/// use wpgate_core::password::md5;
/// assert!(md5::verify(b"", b"d41d8cd98f00b204e9800998ecf8427e"));
/// assert!(!md5::verify(b"", b"D41D8CD98F00B204E9800998ECF8427E"));
/// ```
pub fn verify(password: &[u8], hash: &[u8]) -> bool {
    let expected = hex::encode(Md5::digest(password));
    hash_equals(hash, expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_md5_of_the_password_matches() {
        assert!(verify(b"em12KtNJ7JqOid!#", b"d94872a41fa7251125a83ed57276f1c9"));
        assert!(!verify(b"em12KtNJ7JqOid!#x", b"d94872a41fa7251125a83ed57276f1c9"));
    }

    #[test]
    fn short_and_uppercase_hashes_never_match() {
        assert!(!verify(b"em12KtNJ7JqOid!#", b"D94872A41FA7251125A83ED57276F1C9"));
        assert!(!verify(b"", b""));
        assert!(!verify(b"", b"*"));
    }
}
