//! WordPress's keys and salts: `wp_salt()` and `wp_hash()` (wp-includes/pluggable.php).
//!
//! Every HMAC WordPress computes for authentication is keyed by `wp_salt(scheme)`, the
//! concatenation of a *key* and a *salt* for one of four schemes (`auth`, `secure_auth`,
//! `logged_in`, `nonce`). Each part comes from a wp-config.php constant (`AUTH_KEY`,
//! `AUTH_SALT`, ...) when that constant is defined, truthy and not *rejected*, and otherwise
//! from a site option of the same lower-case name (`auth_key`, ...), which WordPress generates
//! and stores on first use.
//!
//! A constant is rejected when its value also appears in another of the ten secret constants
//! (a copy-pasted wp-config), or when it is the sample placeholder
//! `put your unique phrase here` (or, from 6.1, its translation in the site's locale).
//!
//! This module is pure: the caller reads the constants (see [`crate::wp_config`]) and the site
//! options, and [`Salts::resolve`] applies WordPress's rules. [`Salts::options_needed`] tells
//! which options to read; a missing one is an error, because only the site's database may
//! decide its value (WordPress: first writer wins). [`generate_option_value`] produces a value
//! exactly as WordPress would, for a caller that wants to store one itself.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use rand_core::CryptoRng;
use secrecy::{ExposeSecret, SecretString};

use crate::WpVersion;
use crate::php;
use crate::random;

/// The sample placeholder of wp-config-sample.php, always rejected.
pub const PLACEHOLDER: &str = "put your unique phrase here";

/// The ten secret constants `wp_salt()` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SecretConstant {
    AuthKey,
    SecureAuthKey,
    LoggedInKey,
    NonceKey,
    AuthSalt,
    SecureAuthSalt,
    LoggedInSalt,
    NonceSalt,
    /// Legacy (pre-2.7) key used for every scheme when the scheme's own key is missing.
    SecretKey,
    /// Legacy salt used for the `auth` scheme when `AUTH_SALT` is missing.
    SecretSalt,
}

impl SecretConstant {
    /// All ten, in WordPress's duplicate-detection order.
    pub const ALL: [SecretConstant; 10] = [
        SecretConstant::AuthKey,
        SecretConstant::AuthSalt,
        SecretConstant::SecureAuthKey,
        SecretConstant::SecureAuthSalt,
        SecretConstant::LoggedInKey,
        SecretConstant::LoggedInSalt,
        SecretConstant::NonceKey,
        SecretConstant::NonceSalt,
        SecretConstant::SecretKey,
        SecretConstant::SecretSalt,
    ];

    /// The constant's name in wp-config.php (`AUTH_KEY`).
    pub const fn name(self) -> &'static str {
        match self {
            SecretConstant::AuthKey => "AUTH_KEY",
            SecretConstant::SecureAuthKey => "SECURE_AUTH_KEY",
            SecretConstant::LoggedInKey => "LOGGED_IN_KEY",
            SecretConstant::NonceKey => "NONCE_KEY",
            SecretConstant::AuthSalt => "AUTH_SALT",
            SecretConstant::SecureAuthSalt => "SECURE_AUTH_SALT",
            SecretConstant::LoggedInSalt => "LOGGED_IN_SALT",
            SecretConstant::NonceSalt => "NONCE_SALT",
            SecretConstant::SecretKey => "SECRET_KEY",
            SecretConstant::SecretSalt => "SECRET_SALT",
        }
    }

    /// The site option holding the fallback value (`auth_key`); `SECRET_SALT` has none.
    pub const fn option_name(self) -> Option<&'static str> {
        Some(match self {
            SecretConstant::AuthKey => "auth_key",
            SecretConstant::SecureAuthKey => "secure_auth_key",
            SecretConstant::LoggedInKey => "logged_in_key",
            SecretConstant::NonceKey => "nonce_key",
            SecretConstant::AuthSalt => "auth_salt",
            SecretConstant::SecureAuthSalt => "secure_auth_salt",
            SecretConstant::LoggedInSalt => "logged_in_salt",
            SecretConstant::NonceSalt => "nonce_salt",
            SecretConstant::SecretKey => "secret_key",
            SecretConstant::SecretSalt => return None,
        })
    }

    /// The constant named `name`, if it is one of the ten.
    pub fn from_name(name: &str) -> Option<SecretConstant> {
        SecretConstant::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One of the four salt schemes of the auth code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaltScheme {
    /// `auth`: the `wordpress_<hash>` cookie (plain http).
    Auth,
    /// `secure_auth`: the `wordpress_sec_<hash>` cookie (https).
    SecureAuth,
    /// `logged_in`: the `wordpress_logged_in_<hash>` cookie.
    LoggedIn,
    /// `nonce`: `wp_create_nonce()`.
    Nonce,
}

impl SaltScheme {
    /// WordPress's name for the scheme.
    pub const fn as_str(self) -> &'static str {
        match self {
            SaltScheme::Auth => "auth",
            SaltScheme::SecureAuth => "secure_auth",
            SaltScheme::LoggedIn => "logged_in",
            SaltScheme::Nonce => "nonce",
        }
    }

    /// The scheme named `name` (`"auth"`, ...), if it is one of the four.
    pub fn from_name(name: &str) -> Option<SaltScheme> {
        [SaltScheme::Auth, SaltScheme::SecureAuth, SaltScheme::LoggedIn, SaltScheme::Nonce]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    const fn constants(self) -> (SecretConstant, SecretConstant) {
        match self {
            SaltScheme::Auth => (SecretConstant::AuthKey, SecretConstant::AuthSalt),
            SaltScheme::SecureAuth => {
                (SecretConstant::SecureAuthKey, SecretConstant::SecureAuthSalt)
            }
            SaltScheme::LoggedIn => (SecretConstant::LoggedInKey, SecretConstant::LoggedInSalt),
            SaltScheme::Nonce => (SecretConstant::NonceKey, SecretConstant::NonceSalt),
        }
    }
}

impl fmt::Display for SaltScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The secret constants a site defines, in their PHP string form (an integer constant `0` is
/// the string `"0"`). Undefined constants are absent.
#[derive(Clone, Default)]
pub struct SecretConstants {
    values: BTreeMap<SecretConstant, SecretString>,
}

impl SecretConstants {
    /// No constants defined.
    pub fn new() -> Self {
        SecretConstants::default()
    }

    /// Defines `constant` (a later call replaces an earlier one).
    pub fn define(&mut self, constant: SecretConstant, value: impl Into<String>) -> &mut Self {
        self.values.insert(constant, SecretString::from(value.into()));
        self
    }

    /// The value of `constant`, if defined.
    pub fn value(&self, constant: SecretConstant) -> Option<&SecretString> {
        self.values.get(&constant)
    }

    /// Whether no constant is defined.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn str(&self, constant: SecretConstant) -> Option<&str> {
        self.values.get(&constant).map(|s| s.expose_secret())
    }
}

impl fmt::Debug for SecretConstants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys().map(|c| c.name())).finish()
    }
}

/// Site options holding fallback keys and salts (`auth_key`, ..., `secret_key`), as read from
/// `wp_options` (single site) or `wp_sitemeta` (multisite network).
#[derive(Clone, Default)]
pub struct SaltOptions {
    values: BTreeMap<String, SecretString>,
}

impl SaltOptions {
    /// No options.
    pub fn new() -> Self {
        SaltOptions::default()
    }

    /// Sets option `name` to `value`.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(name.into(), SecretString::from(value.into()));
        self
    }

    /// The value of option `name`, if stored.
    pub fn value(&self, name: &str) -> Option<&SecretString> {
        self.values.get(name)
    }

    /// A truthy value of option `name` (WordPress treats `""` and `"0"` as missing).
    fn truthy(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|s| s.expose_secret()).filter(|s| php::is_truthy(s))
    }
}

impl fmt::Debug for SaltOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// Why the salts could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SaltError {
    /// The constant is missing, falsy or rejected and the site option is absent or empty.
    /// WordPress would generate and store a value; only the site should decide it.
    #[error(
        "{constant} is not usable in wp-config.php (missing, empty, duplicated or the \
         placeholder) and the site option {option:?} is empty: define {constant}, or let \
         WordPress create the option (any page load does)"
    )]
    MissingOption { constant: &'static str, option: &'static str },
    /// The hash algorithm is not one PHP's `hash_hmac_algos()` offers (WordPress throws
    /// `InvalidArgumentException`).
    #[error("{0:?} is not a keyed hash algorithm PHP offers for hash_hmac")]
    InvalidAlgorithm(String),
    /// PHP offers the algorithm, this crate does not implement it.
    #[error("hash algorithm {0:?} is valid in PHP but not implemented by wpgate")]
    UnsupportedAlgorithm(String),
}

/// Everything `wp_salt()` reads: the constants, the site options, the placeholder
/// translations, and the WordPress version.
#[derive(Debug, Clone, Default)]
pub struct SaltSources {
    /// The secret constants wp-config.php defines.
    pub constants: SecretConstants,
    /// The site options with fallback values.
    pub options: SaltOptions,
    /// Translations of [`PLACEHOLDER`] in the site locale (6.1+ rejects them too).
    pub placeholder_translations: Vec<String>,
    /// The WordPress version whose rules apply.
    pub version: WpVersion,
}

impl SaltSources {
    /// The constants whose values are rejected: duplicated among the ten, or a placeholder.
    fn rejected(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        let mut rejected: Vec<&str> = vec![PLACEHOLDER];
        if self.version.at_least(WpVersion::V6_1) {
            rejected.extend(self.placeholder_translations.iter().map(String::as_str));
        }
        for c in SecretConstant::ALL {
            if let Some(v) = self.constants.str(c) {
                if seen.contains(&v) {
                    rejected.push(v);
                } else {
                    seen.push(v);
                }
            }
        }
        rejected
    }

    /// A constant's value if it is defined, truthy and not rejected.
    fn usable<'a>(&'a self, c: SecretConstant, rejected: &[&str]) -> Option<&'a str> {
        self.constants.str(c).filter(|v| php::is_truthy(v) && !rejected.contains(v))
    }
}

/// The four resolved salts of a site, plus the key used for custom schemes.
///
/// # Security
/// Holds secrets; `Debug` prints nothing of them.
#[derive(Clone)]
pub struct Salts {
    auth: Salt,
    secure_auth: Salt,
    logged_in: Salt,
    nonce: Salt,
    /// `SECRET_KEY` or the `secret_key` option, the key of every other scheme.
    secret_key: Option<SecretString>,
}

impl Salts {
    /// Resolves `wp_salt()` for the four schemes from `sources`.
    ///
    /// # Errors
    /// [`SaltError::MissingOption`] when a part must come from a site option that is absent.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::salts::{SaltScheme, SaltSources, Salts, SecretConstant};
    /// let mut sources = SaltSources::default();
    /// for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
    ///     sources.constants.define(c, format!("unique value {i}"));
    /// }
    /// let salts = Salts::resolve(&sources).unwrap();
    /// assert_eq!(salts.hash(b"hello", SaltScheme::Auth).len(), 32);
    /// ```
    #[doc(alias = "wp_salt")]
    pub fn resolve(sources: &SaltSources) -> Result<Salts, SaltError> {
        let rejected = sources.rejected();
        let secret_key = custom_key(sources, &rejected).map(|k| SecretString::from(k.to_owned()));
        Ok(Salts {
            auth: resolve_scheme(sources, SaltScheme::Auth, &rejected)?,
            secure_auth: resolve_scheme(sources, SaltScheme::SecureAuth, &rejected)?,
            logged_in: resolve_scheme(sources, SaltScheme::LoggedIn, &rejected)?,
            nonce: resolve_scheme(sources, SaltScheme::Nonce, &rejected)?,
            secret_key,
        })
    }

    /// Resolves `wp_salt($scheme)` for one of the four schemes alone.
    ///
    /// # Errors
    /// [`SaltError::MissingOption`] when a part must come from a site option that is absent.
    #[doc(alias = "wp_salt")]
    pub fn resolve_one(sources: &SaltSources, scheme: SaltScheme) -> Result<Salt, SaltError> {
        resolve_scheme(sources, scheme, &sources.rejected())
    }

    /// Resolves `wp_salt($scheme)` for a scheme outside the four (see [`Salts::custom`]).
    ///
    /// # Errors
    /// [`SaltError::MissingOption`] when neither `SECRET_KEY` nor the `secret_key` option is set.
    #[doc(alias = "wp_salt")]
    pub fn resolve_custom(sources: &SaltSources, scheme: &str) -> Result<Salt, SaltError> {
        let key = custom_key(sources, &sources.rejected()).ok_or(MISSING_SECRET_KEY)?;
        Ok(custom_salt(key, scheme))
    }

    /// The site options [`Salts::resolve`] will read for `constants`: those of every
    /// constant that is missing, falsy or rejected (and not covered by `SECRET_KEY` /
    /// `SECRET_SALT`), plus `secret_key` for custom schemes.
    pub fn options_needed(sources: &SaltSources) -> Vec<&'static str> {
        let rejected = sources.rejected();
        let secret_key = sources.usable(SecretConstant::SecretKey, &rejected).is_some();
        let secret_salt = sources.usable(SecretConstant::SecretSalt, &rejected).is_some();
        let mut needed = Vec::new();
        for s in [SaltScheme::Auth, SaltScheme::SecureAuth, SaltScheme::LoggedIn, SaltScheme::Nonce]
        {
            let (key_c, salt_c) = s.constants();
            let covered = [secret_key, s == SaltScheme::Auth && secret_salt];
            for (c, covered) in [key_c, salt_c].into_iter().zip(covered) {
                if sources.usable(c, &rejected).is_none() && !covered {
                    needed.extend(c.option_name());
                }
            }
        }
        if !secret_key {
            needed.push("secret_key");
        }
        needed
    }

    /// The salt of one of the four schemes.
    pub fn salt(&self, scheme: SaltScheme) -> &Salt {
        match scheme {
            SaltScheme::Auth => &self.auth,
            SaltScheme::SecureAuth => &self.secure_auth,
            SaltScheme::LoggedIn => &self.logged_in,
            SaltScheme::Nonce => &self.nonce,
        }
    }

    /// `wp_salt($scheme)` for a scheme outside the four: `secret_key ‖ hex(HMAC-MD5(secret_key,
    /// scheme))`.
    ///
    /// # Errors
    /// [`SaltError::MissingOption`] when neither `SECRET_KEY` nor the `secret_key` option is set.
    #[doc(alias = "wp_salt")]
    pub fn custom(&self, scheme: &str) -> Result<Salt, SaltError> {
        let key = self.secret_key.as_ref().ok_or(MISSING_SECRET_KEY)?;
        Ok(custom_salt(key.expose_secret(), scheme))
    }

    /// `wp_hash($data, $scheme)`: lowercase hex HMAC-MD5 keyed by the scheme's salt.
    #[doc(alias = "wp_hash")]
    pub fn hash(&self, data: &[u8], scheme: SaltScheme) -> String {
        self.salt(scheme).hash(data)
    }
}

impl fmt::Debug for Salts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Salts").finish_non_exhaustive()
    }
}

/// One resolved `wp_salt()` value (key ‖ salt) with its HMAC-MD5 key schedule precomputed.
///
/// # Security
/// A secret; `Debug` prints nothing of it, [`Salt::expose`] is the only way to the text.
#[derive(Clone)]
pub struct Salt {
    value: SecretString,
    md5: Hmac<Md5>,
}

impl Salt {
    /// A salt from its full text (as `wp_salt()` returns it, after any `salt` filter).
    pub fn new(value: impl Into<String>) -> Salt {
        let value: String = value.into();
        // HMAC accepts keys of any length; this cannot fail.
        let md5 = <Hmac<Md5> as KeyInit>::new_from_slice(value.as_bytes())
            .unwrap_or_else(|_| unreachable_hmac());
        Salt { value: SecretString::from(value), md5 }
    }

    /// The salt text; only for deriving keys.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// A fresh HMAC-MD5 keyed with this salt (the key schedule is already done).
    pub(crate) fn mac(&self) -> Hmac<Md5> {
        self.md5.clone()
    }

    /// `wp_hash($data)` with the default MD5 algorithm: 32 lowercase hex characters.
    #[doc(alias = "wp_hash")]
    pub fn hash(&self, data: &[u8]) -> String {
        let mut mac = self.md5.clone();
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// `wp_hash($data, $scheme, $algo)` (6.8+) with another algorithm.
    ///
    /// # Errors
    /// [`SaltError::InvalidAlgorithm`] for a name PHP's `hash_hmac_algos()` lacks (WordPress
    /// throws), [`SaltError::UnsupportedAlgorithm`] for one this crate does not implement.
    #[doc(alias = "wp_hash")]
    pub fn hash_with(&self, data: &[u8], algo: &str) -> Result<String, SaltError> {
        let key = self.value.expose_secret().as_bytes();
        Ok(match algo {
            "md5" => self.hash(data),
            "sha1" => hmac_hex::<sha1::Sha1>(key, data),
            "sha224" => hmac_hex::<sha2::Sha224>(key, data),
            "sha256" => hmac_hex::<sha2::Sha256>(key, data),
            "sha384" => hmac_hex::<sha2::Sha384>(key, data),
            "sha512" => hmac_hex::<sha2::Sha512>(key, data),
            "sha512/224" => hmac_hex::<sha2::Sha512_224>(key, data),
            "sha512/256" => hmac_hex::<sha2::Sha512_256>(key, data),
            a if PHP_OTHER_HMAC_ALGOS.contains(&a) => {
                return Err(SaltError::UnsupportedAlgorithm(a.to_owned()));
            }
            a => return Err(SaltError::InvalidAlgorithm(a.chars().take(64).collect())),
        })
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(***)")
    }
}

/// Steps 2 and 3 of `wp_salt()` for one scheme: legacy `SECRET_KEY`/`SECRET_SALT` first, then
/// the scheme's own constant, then the site option.
fn resolve_scheme(
    sources: &SaltSources,
    scheme: SaltScheme,
    rejected: &[&str],
) -> Result<Salt, SaltError> {
    let (key_c, salt_c) = scheme.constants();
    let mut key = sources.usable(SecretConstant::SecretKey, rejected).unwrap_or("");
    let mut salt = match scheme {
        SaltScheme::Auth => sources.usable(SecretConstant::SecretSalt, rejected).unwrap_or(""),
        _ => "",
    };
    for (part, constant) in [(&mut key, key_c), (&mut salt, salt_c)] {
        if let Some(v) = sources.usable(constant, rejected) {
            *part = v;
        } else if part.is_empty() {
            let option = constant.option_name().unwrap_or_default();
            *part = sources
                .options
                .truthy(option)
                .ok_or(SaltError::MissingOption { constant: constant.name(), option })?;
        }
    }
    Ok(Salt::new(format!("{key}{salt}")))
}

const MISSING_SECRET_KEY: SaltError =
    SaltError::MissingOption { constant: SecretConstant::SecretKey.name(), option: "secret_key" };

/// Step 4 of `wp_salt()`: the key of custom schemes is `SECRET_KEY`, else the `secret_key` option.
fn custom_key<'a>(sources: &'a SaltSources, rejected: &[&str]) -> Option<&'a str> {
    sources
        .usable(SecretConstant::SecretKey, rejected)
        .or_else(|| sources.options.truthy("secret_key"))
}

/// `key ‖ hex(HMAC-MD5(key, scheme))`.
fn custom_salt(key: &str, scheme: &str) -> Salt {
    let salt = hmac_hex::<Md5>(key.as_bytes(), scheme.as_bytes());
    Salt::new(format!("{key}{salt}"))
}

/// A new value for a salt option, as WordPress generates one:
/// `wp_generate_password(64, true, true)`.
#[doc(alias = "wp_generate_password")]
pub fn generate_option_value(rng: &mut impl CryptoRng) -> SecretString {
    SecretString::from(random::password(rng, 64, random::Alphabet::WithExtraSpecial))
}

/// The rest of PHP 8.2's `hash_hmac_algos()` (valid in WordPress, not implemented here).
const PHP_OTHER_HMAC_ALGOS: &[&str] = &[
    "md2",
    "md4",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ripemd128",
    "ripemd160",
    "ripemd256",
    "ripemd320",
    "whirlpool",
    "tiger128,3",
    "tiger160,3",
    "tiger192,3",
    "tiger128,4",
    "tiger160,4",
    "tiger192,4",
    "snefru",
    "snefru256",
    "gost",
    "gost-crypto",
    "haval128,3",
    "haval160,3",
    "haval192,3",
    "haval224,3",
    "haval256,3",
    "haval128,4",
    "haval160,4",
    "haval192,4",
    "haval224,4",
    "haval256,4",
    "haval128,5",
    "haval160,5",
    "haval192,5",
    "haval224,5",
    "haval256,5",
];

/// Lowercase hex HMAC, as PHP's `hash_hmac($algo, $data, $key)`.
pub(crate) fn hmac_hex<D: hmac::EagerHash>(key: &[u8], data: &[u8]) -> String
where
    Hmac<D>: KeyInit + Mac,
{
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// HMAC takes keys of every length, so `new_from_slice` has no error case to handle.
#[cold]
fn unreachable_hmac<T>() -> T {
    unreachable!("HMAC accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eight_distinct() -> SaltSources {
        let mut s = SaltSources::default();
        for (i, c) in SecretConstant::ALL.into_iter().take(8).enumerate() {
            s.constants.define(c, format!("value-{i}"));
        }
        s
    }

    #[test]
    fn salt_is_key_then_salt() {
        let salts = Salts::resolve(&eight_distinct()).unwrap();
        // ALL lists AUTH_KEY (0), AUTH_SALT (1), SECURE_AUTH_KEY (2), ...
        assert_eq!(salts.salt(SaltScheme::Auth).expose(), "value-0value-1");
        assert_eq!(salts.salt(SaltScheme::Nonce).expose(), "value-6value-7");
    }

    #[test]
    fn duplicated_constant_falls_back_to_its_option() {
        let mut s = eight_distinct();
        s.constants.define(SecretConstant::NonceKey, "value-1"); // same as AUTH_SALT
        assert_eq!(
            Salts::resolve(&s).unwrap_err(),
            SaltError::MissingOption { constant: "AUTH_SALT", option: "auth_salt" }
        );
        s.options.set("auth_salt", "opt-a").set("nonce_key", "opt-n");
        let salts = Salts::resolve(&s).unwrap();
        assert_eq!(salts.salt(SaltScheme::Auth).expose(), "value-0opt-a");
        assert_eq!(salts.salt(SaltScheme::Nonce).expose(), "opt-nvalue-7");
    }

    #[test]
    fn placeholder_and_falsy_values_are_not_used() {
        let mut s = eight_distinct();
        s.constants.define(SecretConstant::AuthKey, PLACEHOLDER);
        s.constants.define(SecretConstant::LoggedInKey, "0");
        s.options.set("auth_key", "ak").set("logged_in_key", "lk");
        let needed = Salts::options_needed(&s);
        assert_eq!(needed, vec!["auth_key", "logged_in_key", "secret_key"]);
        let salts = Salts::resolve(&s).unwrap();
        assert_eq!(salts.salt(SaltScheme::Auth).expose(), "akvalue-1");
        assert_eq!(salts.salt(SaltScheme::LoggedIn).expose(), "lkvalue-5");
    }

    #[test]
    fn unknown_algorithm_is_rejected_and_known_ones_differ() {
        let salt = Salt::new("k");
        assert_eq!(salt.hash_with(b"x", "md5").unwrap(), salt.hash(b"x"));
        assert_eq!(salt.hash_with(b"x", "sha256").unwrap().len(), 64);
        assert!(matches!(salt.hash_with(b"x", "crc32b"), Err(SaltError::InvalidAlgorithm(_))));
        assert!(matches!(
            salt.hash_with(b"x", "whirlpool"),
            Err(SaltError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn debug_output_reveals_no_secret() {
        let salts = Salts::resolve(&eight_distinct()).unwrap();
        let shown = format!("{salts:?} {:?} {:?}", salts.salt(SaltScheme::Auth), eight_distinct());
        assert!(!shown.contains("value-"), "{shown}");
    }
}
