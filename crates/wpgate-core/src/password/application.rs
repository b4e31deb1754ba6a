//! Application passwords (WordPress 5.6+, wp-includes/class-wp-application-passwords.php):
//! per-application secrets for REST and XML-RPC Basic authentication.
//!
//! * A new password is `wp_generate_password(24, false)`: 24 characters of `[A-Za-z0-9]`,
//!   shown to the user once in groups of four (`chunk_password`).
//! * It is stored hashed in the user meta `_application_passwords`, a PHP-serialized list of
//!   items `{uuid, app_id, name, password, created, last_used, last_ip}`. The hash is
//!   `wp_hash_password()` (phpass) up to 6.7 and `wp_fast_hash()` from 6.8.
//! * On a login (`wp_authenticate_application_password`) every byte that is not an ASCII
//!   letter or digit is stripped from the supplied password, which is then checked against
//!   each item in turn: `$generic$` hashes with `wp_verify_fast_hash()`, others with
//!   `wp_check_password()`.
//!
//! [`to_usermeta`] writes the stored list; reading it back needs the PHP `unserialize` codec
//! and is left to that module.

use std::fmt;

use rand_core::CryptoRng;
use secrecy::{ExposeSecret, SecretString};

use super::{Password, PasswordError, PasswordHash, PasswordPolicy, fast_hash};
use crate::WpVersion;

/// A newly generated application password: 24 characters of `[A-Za-z0-9]`.
///
/// # Examples
/// ```
/// use rand::SeedableRng;
/// use secrecy::ExposeSecret;
/// use wpgate_core::password::ApplicationPassword;
///
/// let pw = ApplicationPassword::generate(&mut rand::rngs::StdRng::seed_from_u64(1));
/// assert_eq!(pw.expose_secret().len(), 24);
/// assert_eq!(pw.chunked().expose_secret().len(), 29); // "abcd efgh ijkl mnop qrst uvwx"
/// ```
#[derive(Clone)]
pub struct ApplicationPassword(SecretString);

impl ApplicationPassword {
    /// Length of a generated application password (`WP_Application_Passwords::PW_LENGTH`).
    pub const LEN: usize = 24;

    /// `wp_generate_password(24, false)`: each character uniform over `[a-zA-Z0-9]`.
    #[doc(alias = "wp_generate_password")]
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        const CHARS: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut out = String::with_capacity(Self::LEN);
        while out.len() < Self::LEN {
            let mut byte = [0u8; 1];
            rng.fill_bytes(&mut byte);
            let [b] = byte;
            // 248 = 4 × 62: rejecting the rest keeps every character equally likely, as
            // wp_rand()'s random_int() does.
            if b < 248 {
                out.extend(CHARS.get(usize::from(b % 62)).map(|&c| char::from(c)));
            }
        }
        ApplicationPassword(SecretString::from(out))
    }

    /// The password, unchunked.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// `WP_Application_Passwords::chunk_password()`: groups of four separated by spaces,
    /// as shown to the user (`trim(chunk_split($raw, 4, ' '))`).
    #[doc(alias = "chunk_password")]
    pub fn chunked(&self) -> SecretString {
        // Generated passwords are ASCII, so the chunks are whole characters.
        let chunked = chunk(self.expose_secret().as_bytes());
        SecretString::from(String::from_utf8_lossy(&chunked).into_owned())
    }

    /// The password as a [`Password`], e.g. to check it.
    pub fn to_password(&self) -> Password {
        Password::from(self.expose_secret())
    }
}

impl fmt::Debug for ApplicationPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApplicationPassword(<redacted>)")
    }
}

/// One entry of the `_application_passwords` user meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationPasswordItem {
    /// `wp_generate_uuid4()`: lowercase, version 4.
    pub uuid: String,
    /// The application's own UUID, or `""`.
    pub app_id: String,
    /// The name the user gave.
    pub name: String,
    /// The hashed password (phpass ≤ 6.7, `$generic$` 6.8+).
    pub password: PasswordHash,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// Last successful use, if any.
    pub last_used: Option<i64>,
    /// IP address of the last use, if any.
    pub last_ip: Option<String>,
}

impl ApplicationPasswordItem {
    /// `WP_Application_Passwords::create_new_application_password()` without the storage: a
    /// fresh password and the item that stores its hash, created at `now`.
    ///
    /// # Errors
    /// None in practice (the hashes involved accept any 24-character password); the `Result`
    /// carries [`hash`]'s.
    #[doc(alias = "create_new_application_password")]
    pub fn create(
        name: &str,
        app_id: &str,
        version: WpVersion,
        now: i64,
        rng: &mut impl CryptoRng,
    ) -> Result<(ApplicationPassword, ApplicationPasswordItem), PasswordError> {
        let password = ApplicationPassword::generate(rng);
        let hashed = hash(&password, version, rng)?;
        let item = ApplicationPasswordItem {
            uuid: uuid4(rng),
            app_id: app_id.to_owned(),
            name: name.to_owned(),
            password: hashed,
            created: now,
            last_used: None,
            last_ip: None,
        };
        Ok((password, item))
    }
}

/// `WP_Application_Passwords::chunk_password()` on any string:
/// `trim(chunk_split($raw, 4, ' '))`, counting bytes as PHP does.
///
/// # Examples
/// ```
/// use wpgate_core::password::application::chunk;
/// assert_eq!(chunk(b"abcdefghij"), b"abcd efgh ij");
/// ```
#[doc(alias = "chunk_password")]
pub fn chunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 4 + 1);
    for piece in raw.chunks(4) {
        out.extend_from_slice(piece);
        out.push(b' ');
    }
    crate::php::trim(&out).to_vec()
}

/// `WP_Application_Passwords::hash_password()` (6.8+: `wp_fast_hash`) or, before 6.8,
/// `wp_hash_password()` (phpass, salted from `rng`).
///
/// # Errors
/// Only [`PasswordError::TooLong`] from phpass, which 24 characters never reach.
#[doc(alias = "hash_password")]
pub fn hash(
    password: &ApplicationPassword,
    version: WpVersion,
    rng: &mut impl CryptoRng,
) -> Result<PasswordHash, PasswordError> {
    if version >= WpVersion::V6_8 {
        Ok(fast_hash(password.expose_secret().as_bytes()))
    } else {
        PasswordPolicy::new(version).hash(&password.to_password(), rng)
    }
}

/// `WP_Application_Passwords::check_password()` (6.8+) or `wp_check_password()` (5.6–6.7):
/// checks an already [stripped](strip) password against one stored hash.
///
/// # Errors
/// [`PasswordError::Unsupported`] for stored hashes this crate cannot check.
#[doc(alias = "check_password")]
pub fn verify(
    password: &Password,
    hash: &PasswordHash,
    version: WpVersion,
) -> Result<bool, PasswordError> {
    if version >= WpVersion::V6_8 && hash.as_bytes().starts_with(fast_hash::PREFIX.as_bytes()) {
        return fast_hash::verify_fast_hash(password.expose_secret(), hash);
    }
    PasswordPolicy::new(version).verify(password, hash)
}

/// Removes every byte that is not an ASCII letter or digit, so that chunked and unchunked
/// spellings both work (`preg_replace('/[^a-z\d]/i', '', $password)`).
pub fn strip(supplied: &Password) -> Password {
    Password::new(
        supplied
            .expose_secret()
            .iter()
            .copied()
            .filter(u8::is_ascii_alphanumeric)
            .collect::<Vec<u8>>(),
    )
}

/// The matching loop of `wp_authenticate_application_password()`: strips the supplied
/// password and returns the first item it verifies against.
///
/// # Errors
/// When no item matched and at least one could not be checked, the first such error (a
/// match elsewhere still wins, as WordPress would find it).
#[doc(alias = "wp_authenticate_application_password")]
pub fn find_match<'a>(
    supplied: &Password,
    items: &'a [ApplicationPasswordItem],
    version: WpVersion,
) -> Result<Option<&'a ApplicationPasswordItem>, PasswordError> {
    let password = strip(supplied);
    let mut first_error = None;
    for item in items {
        match verify(&password, &item.password, version) {
            Ok(true) => return Ok(Some(item)),
            Ok(false) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(None), Err)
}

/// The `_application_passwords` meta value for `items`, byte for byte as PHP's `serialize()`
/// writes the list WordPress saves (keys `0..n`, item keys in WordPress's order).
///
/// WordPress removes an item with `unset()` and no reindexing, so a list that had a deletion
/// is stored with a gap in its keys; this writes consecutive keys.
///
/// # Examples
/// ```
/// use wpgate_core::password::application::to_usermeta;
/// assert_eq!(to_usermeta(&[]), "a:0:{}");
/// ```
#[doc(alias = "serialize")]
pub fn to_usermeta(items: &[ApplicationPasswordItem]) -> String {
    let mut out = format!("a:{}:{{", items.len());
    for (i, item) in items.iter().enumerate() {
        out.push_str(&format!("i:{i};a:7:{{"));
        push_str_entry(&mut out, "uuid", item.uuid.as_bytes());
        push_str_entry(&mut out, "app_id", item.app_id.as_bytes());
        push_str_entry(&mut out, "name", item.name.as_bytes());
        push_str_entry(&mut out, "password", item.password.as_bytes());
        push_key(&mut out, "created");
        out.push_str(&format!("i:{};", item.created));
        push_key(&mut out, "last_used");
        match item.last_used {
            Some(t) => out.push_str(&format!("i:{t};")),
            None => out.push_str("N;"),
        }
        match &item.last_ip {
            Some(ip) => push_str_entry(&mut out, "last_ip", ip.as_bytes()),
            None => {
                push_key(&mut out, "last_ip");
                out.push_str("N;");
            }
        }
        out.push('}');
    }
    out.push('}');
    out
}

fn push_key(out: &mut String, key: &str) {
    out.push_str(&format!("s:{}:\"{key}\";", key.len()));
}

/// `s:<byte length>:"<bytes>";`. Stored hashes are ASCII; other bytes are written lossily.
fn push_str_entry(out: &mut String, key: &str, value: &[u8]) {
    push_key(out, key);
    let text = String::from_utf8_lossy(value);
    out.push_str(&format!("s:{}:\"{text}\";", text.len()));
}

/// `wp_generate_uuid4()`: 122 random bits, version 4, RFC 4122 variant, lowercase.
fn uuid4(rng: &mut impl CryptoRng) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = b;
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b0,
        b1,
        b2,
        b3,
        b4,
        b5,
        (b6 & 0x0f) | 0x40,
        b7,
        (b8 & 0x3f) | 0x80,
        b9,
        b10,
        b11,
        b12,
        b13,
        b14,
        b15
    )
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const V6_7: WpVersion = WpVersion::new(6, 7, 2);

    #[test]
    fn generated_passwords_are_24_alphanumerics_and_chunk_in_fours() {
        let pw = ApplicationPassword::generate(&mut StdRng::seed_from_u64(9));
        assert_eq!(pw.expose_secret().len(), 24);
        assert!(pw.expose_secret().bytes().all(|b| b.is_ascii_alphanumeric()));
        let chunked = pw.chunked();
        let groups: Vec<&str> = chunked.expose_secret().split(' ').collect();
        assert_eq!(groups.len(), 6);
        assert!(groups.iter().all(|g| g.len() == 4));
        assert_eq!(groups.concat(), pw.expose_secret());
    }

    #[test]
    fn stripping_keeps_only_ascii_letters_and_digits() {
        let stripped = strip(&Password::new(b"ab-CD 12\xc3\xa9_\n3".to_vec()));
        assert_eq!(stripped.expose_secret(), b"abCD123");
    }

    #[test]
    fn six_eight_stores_fast_hashes_and_earlier_releases_phpass() {
        let mut rng = StdRng::seed_from_u64(5);
        let (pw, item) =
            ApplicationPasswordItem::create("App", "", WpVersion::LATEST, 1_700_000_000, &mut rng)
                .unwrap();
        assert_eq!(item.password, fast_hash(pw.expose_secret().as_bytes()));
        let (_, old) = ApplicationPasswordItem::create("App", "", V6_7, 1, &mut rng).unwrap();
        assert!(old.password.as_bytes().starts_with(b"$P$B"));
    }

    #[test]
    fn the_matching_loop_accepts_chunked_input_and_returns_the_first_match() {
        let mut rng = StdRng::seed_from_u64(6);
        let v = WpVersion::LATEST;
        let (pw_a, a) = ApplicationPasswordItem::create("A", "", v, 1, &mut rng).unwrap();
        let (_, b) = ApplicationPasswordItem::create("B", "", v, 2, &mut rng).unwrap();
        let items = [b.clone(), a.clone()];
        let typed = Password::from(pw_a.chunked().expose_secret());
        assert_eq!(find_match(&typed, &items, v).unwrap(), Some(&a));
        assert_eq!(find_match(&Password::from("nope"), &items, v).unwrap(), None);
    }

    #[test]
    fn before_six_eight_a_generic_hash_is_not_a_fast_hash() {
        let h = fast_hash(b"abc");
        assert!(verify(&Password::from("abc"), &h, WpVersion::LATEST).unwrap());
        assert!(!verify(&Password::from("abc"), &h, V6_7).unwrap());
    }

    #[test]
    fn uuids_are_version_four_lowercase() {
        let u = uuid4(&mut StdRng::seed_from_u64(2));
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert!(matches!(u.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_eq!(u, u.to_lowercase());
    }

    #[test]
    fn usermeta_is_php_serialize_of_the_item_list() {
        let item = ApplicationPasswordItem {
            uuid: "u".into(),
            app_id: String::new(),
            name: "Ä".into(),
            password: PasswordHash::from("h"),
            created: 5,
            last_used: Some(6),
            last_ip: Some("::1".into()),
        };
        assert_eq!(
            to_usermeta(&[item]),
            "a:1:{i:0;a:7:{s:4:\"uuid\";s:1:\"u\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:2:\"Ä\";\
             s:8:\"password\";s:1:\"h\";s:7:\"created\";i:5;s:9:\"last_used\";i:6;\
             s:7:\"last_ip\";s:3:\"::1\";}}"
        );
    }
}
