//! Session ids: generation (`php_session_create_id()`, `bin_to_readable()`), PHP's character
//! check (`php_session_valid_key()`) and what `session_start()` does with an incoming id.

use std::fmt;

use rand_core::CryptoRng;
use thiserror::Error;

/// PHP's id alphabet; `session.sid_bits_per_character = N` uses the first `2^N` characters.
pub const ALPHABET: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,-";

/// PHP's longest id (`PS_MAX_SID_LENGTH`).
pub const MAX_LENGTH: usize = 256;

/// `session.sid_bits_per_character`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SidBits {
    /// `0-9a-f` (PHP's built-in default, the only one PHP 8.4 does not deprecate).
    Four = 4,
    /// `0-9a-v` (php.ini-production up to PHP 8.3, Debian/Ubuntu).
    Five = 5,
    /// `0-9a-zA-Z,-`.
    Six = 6,
}

/// How new ids look: `session.sid_length` (22–256) and `session.sid_bits_per_character`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SidSettings {
    length: usize,
    bits: SidBits,
}

/// A session id. Whoever holds it owns the session, so it is not printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

/// An invalid id setting or random input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SessionIdError {
    /// `session.sid_length` outside 22–256 (or not a plain integer).
    #[error("session.sid_length must be between 22 and 256")]
    Length,
    /// `session.sid_bits_per_character` other than 4, 5, 6.
    #[error("session.sid_bits_per_character must be between 4 and 6")]
    Bits,
    /// Fewer random bytes than the id needs.
    #[error("{needed} random bytes needed, {given} given")]
    NotEnoughRandomBytes {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
}

/// What `session_start()` does with the id a request brought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartDecision {
    /// No usable id: generate one and send the cookie.
    NewId,
    /// Use the id as it is, no cookie.
    Adopt,
    /// Strict mode: use it if the save handler has the session (`validate_sid`: the file
    /// exists, Redis `EXISTS`), else generate a new id and send the cookie. Needs I/O.
    AdoptIfExists,
    /// `session_start()` fails: no session, no cookie, no cache headers (`files` handler
    /// with an id it cannot use as a file name).
    Fail,
}

/// The save handler, as far as id checks go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveHandler {
    /// `files`: the id must pass [`is_valid_key`] and fit a file name (`sess_<id>`).
    Files,
    /// phpredis `redis`: no character or length check at all.
    Redis,
}

impl SidSettings {
    /// Checked settings.
    ///
    /// # Errors
    /// [`SessionIdError::Length`] outside 22–256.
    pub fn new(length: usize, bits: SidBits) -> Result<Self, SessionIdError> {
        if !(22..=MAX_LENGTH).contains(&length) {
            return Err(SessionIdError::Length);
        }
        Ok(SidSettings { length, bits })
    }

    /// From the INI strings, refusing what PHP refuses (`"21"`, `"257"`, `"32abc"`, `"3"`).
    ///
    /// # Errors
    /// [`SessionIdError`] naming the refused setting.
    pub fn from_ini(sid_length: &str, bits_per_character: &str) -> Result<Self, SessionIdError> {
        let length = parse_ini_int(sid_length).ok_or(SessionIdError::Length)?;
        let bits = match parse_ini_int(bits_per_character) {
            Some(4) => SidBits::Four,
            Some(5) => SidBits::Five,
            Some(6) => SidBits::Six,
            _ => return Err(SessionIdError::Bits),
        };
        SidSettings::new(length, bits)
    }

    /// `sid_length = 26`, `sid_bits_per_character = 5`: Debian's and php.ini-production's
    /// values up to PHP 8.3.
    pub fn php_ini_production() -> Self {
        SidSettings { length: 26, bits: SidBits::Five }
    }

    /// Characters per id.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Bits per character.
    pub fn bits(&self) -> SidBits {
        self.bits
    }

    /// Random bytes one id consumes: `ceil(length × bits / 8)`.
    pub fn random_bytes_needed(&self) -> usize {
        (self.length * self.bits as usize).div_ceil(8)
    }
}

impl Default for SidSettings {
    /// PHP's built-in default and PHP 8.4's only non-deprecated shape: 32 hex characters.
    fn default() -> Self {
        SidSettings { length: 32, bits: SidBits::Four }
    }
}

fn parse_ini_int(s: &str) -> Option<usize> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl SessionId {
    /// A new random id, as `php_session_create_id()` makes it.
    ///
    /// # Examples
    /// ```
    /// use rand::SeedableRng;
    /// use wpgate_core::php_session::{SessionId, SidSettings};
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    /// let id = SessionId::generate(&SidSettings::default(), &mut rng);
    /// assert_eq!(id.expose_secret().len(), 32);
    /// ```
    #[doc(alias = "php_session_create_id")]
    #[doc(alias = "session_create_id")]
    pub fn generate(settings: &SidSettings, rng: &mut impl CryptoRng) -> SessionId {
        let mut bytes = vec![0_u8; settings.random_bytes_needed()];
        rng.fill_bytes(&mut bytes);
        SessionId(encode(&bytes, settings))
    }

    /// The id PHP makes from these random bytes (`bin_to_readable()`): the bytes are read as
    /// one little-endian bit stream, each character takes the next `bits` bits, least
    /// significant first. Bytes beyond what the id needs are ignored.
    ///
    /// # Errors
    /// [`SessionIdError::NotEnoughRandomBytes`] below [`SidSettings::random_bytes_needed`].
    #[doc(alias = "bin_to_readable")]
    pub fn from_random_bytes(
        bytes: &[u8],
        settings: &SidSettings,
    ) -> Result<SessionId, SessionIdError> {
        let needed = settings.random_bytes_needed();
        if bytes.len() < needed {
            return Err(SessionIdError::NotEnoughRandomBytes { needed, given: bytes.len() });
        }
        Ok(SessionId(encode(bytes, settings)))
    }

    /// An id a client sent, accepted only in the shape this service generates:
    /// `^[A-Za-z0-9,-]{22,256}$` (stricter than PHP, which takes any length from 1 and, with
    /// phpredis, any bytes). Never create a session for an id the client chose: look it up
    /// and issue a new id when it does not exist.
    pub fn from_client(raw: &str) -> Option<SessionId> {
        (raw.len() >= 22 && is_valid_key(raw.as_bytes())).then(|| SessionId(raw.to_owned()))
    }

    /// The id, for the Redis key and the cookie.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId(<{} characters>)", self.0.len())
    }
}

fn encode(bytes: &[u8], settings: &SidSettings) -> String {
    let bits = settings.bits as u32;
    let mask = (1_u32 << bits) - 1;
    let mut out = String::with_capacity(settings.length);
    let (mut word, mut have) = (0_u32, 0_u32);
    let mut input = bytes.iter();
    for _ in 0..settings.length {
        if have < bits {
            let Some(&b) = input.next() else { break };
            word |= u32::from(b) << have;
            have += 8;
        }
        let c = ALPHABET.get((word & mask) as usize).copied().unwrap_or(b'0');
        out.push(char::from(c));
        word >>= bits;
        have -= bits;
    }
    out
}

/// `php_session_valid_key()`: 1–256 bytes, each in `[A-Za-z0-9,-]`.
#[doc(alias = "php_session_valid_key")]
pub fn is_valid_key(id: &[u8]) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id.iter().all(|&b| b.is_ascii_alphanumeric() || b == b',' || b == b'-')
}

/// Whether `session_start()` drops this id before the save handler sees it: it contains CR,
/// LF, TAB, space, `<`, `>`, `'`, `"` or `\` (the id may be embedded in HTML).
pub fn is_dangerous(id: &[u8]) -> bool {
    id.iter().any(|b| b"\r\n\t <>'\"\\".contains(b))
}

/// What PHP's `session_start()` does with an incoming id (cookie value after URL-decoding, or
/// `session_id($id)`), for a save handler and `session.use_strict_mode`.
///
/// # Examples
/// ```
/// use wpgate_core::php_session::{SaveHandler, StartDecision, start_decision};
/// assert_eq!(start_decision(Some(b"PLUS+SIGN"), SaveHandler::Files, false), StartDecision::Fail);
/// assert_eq!(start_decision(Some(b"PLUS+SIGN"), SaveHandler::Redis, false), StartDecision::Adopt);
/// assert_eq!(start_decision(Some(b"abc def"), SaveHandler::Redis, false), StartDecision::NewId);
/// ```
pub fn start_decision(
    incoming: Option<&[u8]>,
    handler: SaveHandler,
    strict: bool,
) -> StartDecision {
    let Some(id) = incoming.filter(|id| !id.is_empty() && !is_dangerous(id)) else {
        return StartDecision::NewId;
    };
    if strict {
        return StartDecision::AdoptIfExists;
    }
    match handler {
        SaveHandler::Redis => StartDecision::Adopt,
        // mod_files refuses invalid keys, and "sess_<id>" must fit NAME_MAX (255 on Linux).
        SaveHandler::Files if is_valid_key(id) && id.len() + 5 <= 255 => StartDecision::Adopt,
        SaveHandler::Files => StartDecision::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_packed_least_significant_first() {
        let s = SidSettings::new(32, SidBits::Four).unwrap();
        let bytes: Vec<u8> = (0..32).collect();
        assert_eq!(
            SessionId::from_random_bytes(&bytes, &s).unwrap().expose_secret(),
            "00102030405060708090a0b0c0d0e0f0"
        );
        let s5 = SidSettings::new(26, SidBits::Five).unwrap();
        assert!(
            SessionId::from_random_bytes(&bytes, &s5).unwrap().expose_secret().starts_with("0804")
        );
    }

    #[test]
    fn ini_values_are_checked_like_php() {
        assert_eq!(SidSettings::from_ini("21", "5"), Err(SessionIdError::Length));
        assert_eq!(SidSettings::from_ini("32abc", "5"), Err(SessionIdError::Length));
        assert_eq!(SidSettings::from_ini("26", "7"), Err(SessionIdError::Bits));
        assert!(SidSettings::from_ini("256", "6").is_ok());
    }

    #[test]
    fn debug_does_not_print_the_id() {
        let id = SessionId::from_client("abcdefghijklmnopqrstuvwxyz").unwrap();
        assert!(!format!("{id:?}").contains("abc"));
        assert!(SessionId::from_client("short").is_none());
    }
}
