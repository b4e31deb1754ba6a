//! WordPress session tokens: `WP_Session_Tokens` (wp-includes/class-wp-session-tokens.php).
//!
//! Since 4.0 every login creates a *session*: a random 43-character token goes into the auth
//! cookies, and the site stores only its *verifier*, `hex(sha256(token))`, with a record
//! (`expiration`, `ip`, `ua`, `login`, plus anything a plugin attached). A cookie is only valid
//! while its token's session is stored and live (`expiration >= now`), which is how logging
//! out and "log out everywhere else" revoke cookies before they expire.

use std::fmt;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random;

/// Length of a session token (`wp_generate_password( 43, false, false )`).
pub const TOKEN_LEN: usize = 43;

/// A session token as it appears in the auth cookies.
///
/// # Security
/// A bearer secret: `Debug` shows only its verifier prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A new token: 43 characters uniform over `[a-zA-Z0-9]`, as WordPress makes them.
    #[doc(alias = "wp_generate_password")]
    pub fn generate(rng: &mut impl CryptoRng) -> SessionToken {
        SessionToken(random::password(rng, TOKEN_LEN, random::Alphabet::Alphanumeric))
    }

    /// Wraps a token received from a cookie. Any text is accepted (WordPress does not check
    /// the shape; an unknown token simply has no session).
    pub fn new(token: impl Into<String>) -> SessionToken {
        SessionToken(token.into())
    }

    /// The token text, for building a cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The verifier under which the session is stored.
    pub fn verifier(&self) -> Verifier {
        Verifier::of(&self.0)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verifier = self.verifier();
        write!(f, "SessionToken(verifier {}…)", verifier.as_str().get(..8).unwrap_or_default())
    }
}

/// `hex(sha256(token))`: the key of a session in storage (64 lowercase hex characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Verifier([u8; 64]);

impl Verifier {
    /// The verifier of `token` (`WP_Session_Tokens::hash_token`).
    #[doc(alias = "hash_token")]
    pub fn of(token: &str) -> Verifier {
        let digest = Sha256::digest(token.as_bytes());
        let mut hex = [0u8; 64];
        // Writing 32 bytes as hex into a 64-byte buffer cannot fail.
        let _ = hex::encode_to_slice(digest, &mut hex);
        Verifier(hex)
    }

    /// Parses a stored verifier: exactly 64 lowercase hex characters.
    pub fn parse(text: &str) -> Option<Verifier> {
        let bytes: [u8; 64] = text.as_bytes().try_into().ok()?;
        bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')).then_some(Verifier(bytes))
    }

    /// The 64 hex characters.
    pub fn as_str(&self) -> &str {
        // Only ever built from lowercase hex.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Constant-time equality, for comparing a computed verifier with a stored one.
    pub fn ct_eq(&self, other: &Verifier) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.as_str())
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn generated_tokens_have_wordpress_shape() {
        let mut rng = StdRng::seed_from_u64(1);
        let t = SessionToken::generate(&mut rng);
        assert_eq!(t.expose().len(), 43);
        assert!(t.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(t, SessionToken::generate(&mut rng));
    }

    #[test]
    fn verifier_is_sha256_hex_of_the_token() {
        assert_eq!(
            Verifier::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let v = Verifier::of("x");
        assert_eq!(Verifier::parse(v.as_str()), Some(v));
        assert_eq!(Verifier::parse(&v.as_str().to_uppercase()), None);
        assert_eq!(Verifier::parse("abc"), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = SessionToken::new("SECRETTOKENVALUE");
        assert!(!format!("{t:?}").contains("SECRET"));
    }
}
