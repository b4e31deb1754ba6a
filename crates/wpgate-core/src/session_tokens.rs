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

use crate::php_serialize::{self, Key, Value};
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
        crate::php::hex_lower(&digest, &mut hex);
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

/// One session record: the associative array WordPress stores under a verifier.
///
/// The fields are kept as PHP key/value pairs in their stored order, so a record written by
/// PHP (with whatever `attach_session_information` added) is rewritten unchanged. The usual
/// fields have typed accessors.
#[derive(Clone, PartialEq)]
pub struct Session {
    fields: Vec<(Key, Value)>,
}

/// What `WP_Session_Tokens::create()` records besides the expiration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionOrigin<'a> {
    /// `$_SERVER['REMOTE_ADDR']` (not stored when empty or `"0"`, as PHP's `empty()`).
    pub remote_addr: Option<&'a str>,
    /// `$_SERVER['HTTP_USER_AGENT']` as PHP sees it (WordPress stores it unslashed).
    pub user_agent: Option<&'a str>,
    /// Fields added by the `attach_session_information` filter, in order.
    pub attached: Vec<(Key, Value)>,
}

impl SessionOrigin<'_> {
    /// The form `$_SERVER['HTTP_USER_AGENT']` has inside WordPress (which slashes `$_SERVER`)
    /// for a raw header value, so that [`Session::create`] stores the raw value, as WordPress.
    pub fn slashed(raw: &str) -> String {
        String::from_utf8_lossy(&crate::cookies::add_slashes(raw.as_bytes())).into_owned()
    }
}

impl Session {
    /// The record `WP_Session_Tokens::create($expiration)` stores at `now`: the attached
    /// fields, then `expiration`, `ip`, `ua` (unslashed) and `login`, each overwriting an
    /// attached field of the same name in place.
    pub fn create(expiration: i64, origin: SessionOrigin<'_>, now: i64) -> Session {
        let mut session = Session { fields: origin.attached };
        session.set("expiration", Value::Int(expiration));
        if let Some(ip) = origin.remote_addr.filter(|ip| php_non_empty(ip)) {
            session.set("ip", Value::from(ip));
        }
        if let Some(ua) = origin.user_agent.filter(|ua| php_non_empty(ua)) {
            session.set("ua", Value::Str(stripslashes(ua.as_bytes()).into()));
        }
        session.set("login", Value::Int(now));
        session
    }

    /// A record with only an expiration (WordPress 4.0's shape, and what `update()` callers
    /// often store).
    pub fn with_expiration(expiration: i64) -> Session {
        Session { fields: vec![(Key::from("expiration"), Value::Int(expiration))] }
    }

    /// A record from its PHP value: an array, or the 4.0 legacy integer expiration. Anything
    /// else gives `None`.
    pub fn from_value(value: Value) -> Option<Session> {
        match value {
            Value::Int(expiration) => Some(Session::with_expiration(expiration)),
            Value::Array(fields) => Some(Session { fields }),
            _ => None,
        }
    }

    /// Decodes one serialized record (as the Redis layout stores it).
    ///
    /// # Errors
    /// When the bytes are not PHP `serialize()` output of an array or integer.
    pub fn decode(bytes: &[u8]) -> Result<Session, SessionDecodeError> {
        let value = php_serialize::unserialize(bytes).map_err(SessionDecodeError::Unserialize)?;
        let kind = value.type_name();
        Session::from_value(value).ok_or(SessionDecodeError::NotASession(kind))
    }

    /// The PHP value of the record.
    pub fn to_value(&self) -> Value {
        Value::Array(self.fields.clone())
    }

    /// PHP `serialize()` of the record.
    pub fn encode(&self) -> Vec<u8> {
        serialize_array(&self.fields)
    }

    /// The fields in stored order.
    pub fn fields(&self) -> &[(Key, Value)] {
        &self.fields
    }

    /// Sets a field, in place when it exists, else at the end (PHP array assignment).
    pub fn set(&mut self, name: &str, value: Value) {
        let key = Key::normalized(name);
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.fields.push((key, value)),
        }
    }

    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        let key = Key::normalized(name);
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The expiration as an integer, when it is one (or a numeric string, as PHP compares).
    pub fn expiration(&self) -> Option<i64> {
        match self.field("expiration")? {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.is_finite() => Some(f.floor() as i64),
            Value::Str(s) => {
                match std::str::from_utf8(s).ok().and_then(crate::php::numeric_value)? {
                    crate::php::Numeric::Int(i) => Some(i),
                    crate::php::Numeric::Float(f) => Some(f.floor() as i64),
                }
            }
            _ => None,
        }
    }

    /// `is_still_valid()`: `expiration >= now`. A record without a usable expiration is dead.
    pub fn is_live(&self, now: i64) -> bool {
        self.expiration().is_some_and(|e| e >= now)
    }

    /// The client IP recorded at login.
    pub fn ip(&self) -> Option<&str> {
        self.field("ip").and_then(Value::as_str)
    }

    /// The user agent recorded at login.
    pub fn user_agent(&self) -> Option<&str> {
        self.field("ua").and_then(Value::as_str)
    }

    /// The login time.
    pub fn login(&self) -> Option<i64> {
        self.field("login").and_then(Value::as_int)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("expiration", &self.expiration())
            .field("login", &self.login())
            .field("fields", &self.fields.len())
            .finish()
    }
}

/// A stored session record that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionDecodeError {
    /// Not PHP serialize output.
    #[error("session record is not PHP serialize() output: {0}")]
    Unserialize(php_serialize::UnserializeError),
    /// A PHP value that is neither an array nor a legacy integer.
    #[error("session record is a PHP {0}, not an array")]
    NotASession(&'static str),
}

/// All sessions of one user as WordPress keeps them in the `session_tokens` user meta:
/// `WP_User_Meta_Session_Tokens` (wp-includes/class-wp-user-meta-session-tokens.php).
///
/// Reading keeps only live sessions and turns legacy integer records into arrays
/// (`get_sessions()`); every write stores that filtered set, so expired sessions are purged
/// on the next write; an empty set deletes the meta row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserMetaSessions {
    sessions: Vec<(Key, Session)>,
}

impl UserMetaSessions {
    /// The live sessions in a `session_tokens` meta value (`None` when the row is absent).
    /// A value that is not a serialized array means no sessions, as in WordPress.
    #[doc(alias = "get_sessions")]
    pub fn decode(meta_value: Option<&[u8]>, now: i64) -> UserMetaSessions {
        let Some(Value::Array(entries)) =
            meta_value.and_then(|v| php_serialize::unserialize(v).ok())
        else {
            return UserMetaSessions::default();
        };
        let sessions = entries
            .into_iter()
            .filter_map(|(key, value)| Some((key, Session::from_value(value)?)))
            .filter(|(_, session)| session.is_live(now))
            .collect();
        UserMetaSessions { sessions }
    }

    /// The meta value to store, or `None` when the row must be deleted (no sessions).
    #[doc(alias = "update_sessions")]
    pub fn encode(&self) -> Option<Vec<u8>> {
        if self.sessions.is_empty() {
            return None;
        }
        let entries: Vec<(Key, Value)> =
            self.sessions.iter().map(|(k, s)| (k.clone(), s.to_value())).collect();
        Some(serialize_array(&entries))
    }

    /// The live session stored under `verifier`.
    #[doc(alias = "get_session")]
    pub fn get(&self, verifier: &Verifier) -> Option<&Session> {
        let key = Key::normalized(verifier.as_str());
        self.sessions.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }

    /// Stores (or replaces in place) a session; it may already be expired (it is then
    /// invisible and purged on the next write, as in WordPress).
    #[doc(alias = "update_session")]
    pub fn update(&mut self, verifier: &Verifier, session: Session) {
        let key = Key::normalized(verifier.as_str());
        match self.sessions.iter_mut().find(|(k, _)| *k == key) {
            Some((_, s)) => *s = session,
            None => self.sessions.push((key, session)),
        }
    }

    /// Removes a session; whether it was there.
    pub fn destroy(&mut self, verifier: &Verifier) -> bool {
        let key = Key::normalized(verifier.as_str());
        let before = self.sessions.len();
        self.sessions.retain(|(k, _)| *k != key);
        before != self.sessions.len()
    }

    /// `destroy_others($token)`: keep only `keep` when it is live, otherwise destroy all.
    pub fn destroy_others(&mut self, keep: &Verifier) {
        let key = Key::normalized(keep.as_str());
        self.sessions.retain(|(k, _)| *k == key);
    }

    /// Removes every session.
    pub fn destroy_all(&mut self) {
        self.sessions.clear();
    }

    /// The live sessions with their verifiers, in stored order (`get_all()` without keys).
    pub fn iter(&self) -> impl Iterator<Item = (Option<Verifier>, &Session)> {
        self.sessions.iter().map(|(k, s)| (k.as_str().and_then(Verifier::parse), s))
    }

    /// How many sessions there are.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

/// PHP `empty()` on a string: `""` and `"0"` are empty.
fn php_non_empty(s: &str) -> bool {
    crate::php::is_truthy(s)
}

/// PHP `stripslashes()` (WordPress's `wp_unslash` on a string): a backslash escapes the next
/// byte (`\\0` is NUL), a lone trailing backslash disappears.
pub(crate) fn stripslashes(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        if b == b'\\' {
            match bytes.next() {
                Some(b'0') => out.push(0),
                Some(&next) => out.push(next),
                None => {}
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// `serialize()` of an associative array whose values never contain references (session
/// records are plain data).
fn serialize_array(entries: &[(Key, Value)]) -> Vec<u8> {
    // Session records hold no references, so serializing cannot fail; keep the error path
    // anyway and fall back to an empty array rather than panic.
    php_serialize::serialize(&Value::Array(entries.to_vec())).unwrap_or_else(|_| b"a:0:{}".to_vec())
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
    fn create_orders_fields_like_wordpress() {
        let origin = SessionOrigin {
            remote_addr: Some("192.0.2.10"),
            user_agent: Some(r#"agent (X11; \"quoted\")"#),
            attached: vec![
                (Key::from("custom"), Value::from("value")),
                (Key::from("expiration"), Value::Int(1)),
            ],
        };
        let s = Session::create(2000, origin, 1000);
        assert_eq!(
            s.encode(),
            br#"a:5:{s:6:"custom";s:5:"value";s:10:"expiration";i:2000;s:2:"ip";s:10:"192.0.2.10";s:2:"ua";s:21:"agent (X11; "quoted")";s:5:"login";i:1000;}"#
        );
        let zero =
            Session::create(5, SessionOrigin { remote_addr: Some("0"), ..Default::default() }, 1);
        assert_eq!(zero.ip(), None);
    }

    #[test]
    fn stripslashes_matches_php() {
        assert_eq!(stripslashes(br"a\'b\\c\"), b"a'b\\c");
        assert_eq!(stripslashes(br"\0x"), b"\0x");
    }

    #[test]
    fn reading_drops_dead_and_maps_legacy_records() {
        let v1 = Verifier::of("one");
        let v2 = Verifier::of("two");
        let meta =
            format!(r#"a:2:{{s:64:"{v1}";i:500;s:64:"{v2}";a:1:{{s:10:"expiration";i:50;}}}}"#);
        let sessions = UserMetaSessions::decode(Some(meta.as_bytes()), 100);
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions.get(&v1).and_then(Session::expiration), Some(500));
        assert_eq!(
            sessions.encode().unwrap(),
            format!(r#"a:1:{{s:64:"{v1}";a:1:{{s:10:"expiration";i:500;}}}}"#).into_bytes()
        );
        assert!(UserMetaSessions::decode(Some(b"garbage"), 0).is_empty());
        assert_eq!(UserMetaSessions::default().encode(), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = SessionToken::new("SECRETTOKENVALUE");
        assert!(!format!("{t:?}").contains("SECRET"));
    }
}
