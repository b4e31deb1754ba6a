//! Random strings as WordPress makes them: `wp_generate_password()` (wp-includes/pluggable.php).
//!
//! WordPress picks every character independently and uniformly with `wp_rand()`, which is
//! PHP's `random_int()` (a CSPRNG, unbiased) since 4.4. The caller supplies the CSPRNG.

use rand_core::CryptoRng;

/// The character sets of `wp_generate_password($length, $special_chars, $extra_special_chars)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// `a-z A-Z 0-9` (`special_chars = false`): session tokens, application passwords.
    Alphanumeric,
    /// Plus `!@#$%^&*()` (the default of `wp_generate_password`).
    WithSpecial,
    /// Plus `` -_ []{}<>~`+=,.;:/?| `` as well: generated salts.
    WithExtraSpecial,
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SPECIAL: &[u8] = b"!@#$%^&*()";
const EXTRA: &[u8] = b"-_ []{}<>~`+=,.;:/?|";

impl Alphabet {
    /// The characters, in WordPress's order.
    pub fn chars(self) -> Vec<u8> {
        let mut chars = ALNUM.to_vec();
        if self != Alphabet::Alphanumeric {
            chars.extend_from_slice(SPECIAL);
        }
        if self == Alphabet::WithExtraSpecial {
            chars.extend_from_slice(EXTRA);
        }
        chars
    }
}

/// `length` characters drawn uniformly from `alphabet`.
#[doc(alias = "wp_generate_password")]
pub fn password(rng: &mut impl CryptoRng, length: usize, alphabet: Alphabet) -> String {
    let chars = alphabet.chars();
    (0..length).map(|_| char::from(pick(rng, &chars))).collect()
}

/// One element of `chars` (non-empty, fewer than 256 elements), uniformly by rejection
/// sampling so no character is favoured (as `random_int`).
pub(crate) fn pick(rng: &mut impl CryptoRng, chars: &[u8]) -> u8 {
    let n = chars.len().clamp(1, 256) as u32;
    // Largest multiple of n that fits in a u32: values at or above it would bias the modulo.
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let v = rng.next_u32();
        if v < zone {
            return chars.get((v % n) as usize).copied().unwrap_or(b'a');
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn passwords_use_only_the_requested_alphabet() {
        let mut rng = StdRng::seed_from_u64(7);
        let p = password(&mut rng, 2000, Alphabet::Alphanumeric);
        assert_eq!(p.len(), 2000);
        assert!(p.bytes().all(|b| b.is_ascii_alphanumeric()));
        let p = password(&mut rng, 4000, Alphabet::WithExtraSpecial);
        let all = Alphabet::WithExtraSpecial.chars();
        assert!(p.bytes().all(|b| all.contains(&b)));
        assert!(p.contains(' ') && p.contains('|'), "all 92 characters occur");
    }
}
