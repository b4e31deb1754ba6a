//! Usernames as WordPress sees them: `sanitize_user()`, `validate_username()`, the login a
//! `get_user_by('login', …)` lookup really searches for, and the login `wp_insert_user()`
//! would create.
//!
//! WordPress never stores or compares a login as typed. Every path goes through
//! [`sanitize_user`] (wp-includes/formatting.php), which, in order:
//!
//! 1. strips HTML ([`strip_all_tags`], `wp_strip_all_tags()`: `<script>`/`<style>` elements
//!    with their content, then PHP's `strip_tags()`, then `trim()`);
//! 2. transliterates accented letters ([`remove_accents`]; its result depends on the WordPress
//!    version, the site locale and whether PHP has the intl extension: see [`SanitizeRules`]);
//! 3. deletes `%XX` octets and `&…;` entities;
//! 4. when *strict*, keeps only ASCII letters, digits, space and `_ . - @`;
//! 5. trims (PHP's `trim()`: space, `\t`, `\n`, `\r`, NUL, `\v`) and then turns every run of
//!    PCRE whitespace (space, `\t`, `\n`, `\v`, `\f`, `\r`) into one space. The order matters:
//!    a login that starts with `\f` keeps a leading space.
//!
//! Creation ([`new_user_login`], `wp_insert_user()`) uses the strict form and refuses an empty
//! result or one over 60 characters. A lookup ([`login_lookup_key`], `WP_User::get_data_by()`)
//! trims, skips the query when the value is falsy in PHP (`""`, `"0"`), and searches for the
//! *non-strict* form under the column's collation (case- and accent-insensitive in MySQL's
//! `utf8mb4_unicode_520_ci`). [`is_valid_username`] (`validate_username()`) says whether a
//! login survives strict sanitizing unchanged.
//!
//! PHP strings are bytes, and logins from cookies or imports need not be UTF-8, so every
//! function accepts any [`PhpText`]: `&str` in gives `String` out, `&[u8]` in gives `Vec<u8>`.
//! Text that is valid UTF-8 always stays valid UTF-8 (every step cuts at ASCII bytes or whole
//! characters).
//!
//! # Version differences (read from the WordPress releases 4.9 to 7.1)
//!
//! | version | change |
//! |---|---|
//! | 5.7 | German rules also for `de_AT` |
//! | 6.0 | German rules for every locale starting with `de` (before: `de_DE`, `de_DE_formal`, `de_CH`, `de_CH_informal`, `de_AT`) |
//! | 6.1 | `remove_accents()` first normalizes to NFC when intl is loaded |
//! | 6.3 | `Ə` → `E`, `ǝ` → `e` |
//! | 6.6 | `validate_username()` compares with `===` (before: `==`, so `" 1"` and `"+1"` were valid) |
//! | 6.9 | `remove_accents()` takes its UTF-8 branch only for valid UTF-8 (`wp_is_valid_utf8()`; before: `seems_utf8()`, which also accepts surrogates, overlong forms and 5- and 6-byte sequences) |
//! | 7.0 | German rules: `ẞ` → `SS` |
//!
//! `sanitize_user()`, `wp_strip_all_tags()` (for strings), `get_data_by()` and the login rules
//! of `wp_insert_user()` are the same from 4.9 to 7.1.
//!
//! # Not modelled
//!
//! * Plugins: the `sanitize_user`, `validate_username`, `pre_user_login` and
//!   `illegal_user_logins` filters are taken as absent (a bare site).
//! * PCRE limits: on inputs of many kilobytes WordPress's regular expressions could hit
//!   `pcre.backtrack_limit`, making `preg_replace()` return `null` (and the username empty);
//!   inputs of 5,000 bytes were checked to stay well within it.
//! * PHP 7's numeric strings (no trailing whitespace) in the pre-6.6 `==`: PHP 8 is assumed.
//! * NFC follows the Unicode version of the `unicode-normalization` crate; PHP follows its ICU
//!   (Debian 12: ICU 72, Unicode 15). They differ only for compositions added after that.
//!
//! The behaviour is checked against real WordPress under PHP 8.2 (twelve releases from 4.9.31 to
//! 7.1, on both sides of every change above), with and without intl and in 16 locales, by
//! `compat-tests/fixtures/users.json` (made by `compat-tests/fixtures/generate-users.php`).

mod remove_accents;
mod strip_tags;

use thiserror::Error;

use crate::WpVersion;
use crate::php;

pub use self::remove_accents::remove_accents;
pub use self::strip_tags::{strip_all_tags, strip_tags};

/// `validate_username()` compares with `===` from this release on.
const STRICT_VALIDATE_SINCE: WpVersion = WpVersion::new(6, 6, 0);

/// The longest login `wp_insert_user()` accepts, in characters (`mb_strlen`).
pub const MAX_LOGIN_CHARS: usize = 60;

/// What WordPress's username functions read besides their argument: the WordPress version,
/// the locale `get_locale()` returns, and whether PHP has the intl extension.
///
/// The default is the latest WordPress, `en_US`, with intl (as on most hosts; WordPress's
/// Site Health recommends it).
///
/// # Examples
/// ```
/// use wpgate_core::WpVersion;
/// use wpgate_core::users::{SanitizeRules, sanitize_user};
///
/// let german = SanitizeRules::new(WpVersion::LATEST).with_locale("de_DE");
/// assert_eq!(sanitize_user("Jürgen Groß", true, &german), "Juergen Gross");
/// assert_eq!(sanitize_user("Jürgen Groß", true, &SanitizeRules::default()), "Jurgen Gros");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SanitizeRules {
    version: WpVersion,
    locale: String,
    intl: bool,
}

impl SanitizeRules {
    /// The rules of WordPress `version`, locale `en_US`, with intl.
    pub fn new(version: WpVersion) -> Self {
        SanitizeRules { version, locale: "en_US".to_owned(), intl: true }
    }

    /// The same rules for a site whose `get_locale()` is `locale` (`de_DE`, `da_DK`, `ca`, …).
    #[must_use]
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = locale.into();
        self
    }

    /// The same rules with or without PHP's intl extension (`normalizer_normalize()`), which
    /// `remove_accents()` uses from 6.1 to compose decomposed accents (`e` + U+0301 → `é`).
    #[must_use]
    pub fn with_intl(mut self, intl: bool) -> Self {
        self.intl = intl;
        self
    }

    /// The WordPress version.
    pub fn version(&self) -> WpVersion {
        self.version
    }

    /// The site locale (`get_locale()`).
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// Whether PHP has the intl extension.
    pub fn intl(&self) -> bool {
        self.intl
    }
}

impl Default for SanitizeRules {
    fn default() -> Self {
        SanitizeRules::new(WpVersion::LATEST)
    }
}

/// Text as PHP holds it: bytes. Implemented for `str`/`String` (results are `String`) and
/// byte slices, arrays and vectors (results are `Vec<u8>`).
///
/// This trait is sealed.
pub trait PhpText: sealed::Sealed {
    /// What a function returns for this kind of input.
    type Owned;

    /// The bytes PHP sees.
    fn php_bytes(&self) -> &[u8];

    /// Wraps a result computed from [`Self::php_bytes`].
    #[doc(hidden)]
    fn from_php_bytes(bytes: Vec<u8>) -> Self::Owned;
}

impl PhpText for str {
    type Owned = String;

    fn php_bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn from_php_bytes(bytes: Vec<u8>) -> String {
        // Every function here maps valid UTF-8 to valid UTF-8 (see the module docs), so the
        // lossy branch is unreachable; it only keeps this path free of panics.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl PhpText for String {
    type Owned = String;

    fn php_bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn from_php_bytes(bytes: Vec<u8>) -> String {
        str::from_php_bytes(bytes)
    }
}

impl PhpText for [u8] {
    type Owned = Vec<u8>;

    fn php_bytes(&self) -> &[u8] {
        self
    }

    fn from_php_bytes(bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

impl<const N: usize> PhpText for [u8; N] {
    type Owned = Vec<u8>;

    fn php_bytes(&self) -> &[u8] {
        self
    }

    fn from_php_bytes(bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

impl PhpText for Vec<u8> {
    type Owned = Vec<u8>;

    fn php_bytes(&self) -> &[u8] {
        self
    }

    fn from_php_bytes(bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl Sealed for [u8] {}
    impl<const N: usize> Sealed for [u8; N] {}
    impl Sealed for Vec<u8> {}
}

/// Why `wp_insert_user()` would refuse a login.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Nothing is left after strict sanitizing (or only `"0"`, which PHP's `empty()` also
    /// counts as empty).
    #[error("cannot create a user with an empty login name")]
    Empty,
    /// The sanitized login is longer than [`MAX_LOGIN_CHARS`] characters.
    #[error("username may not be longer than 60 characters (it has {chars})")]
    TooLong {
        /// The sanitized login's length in characters.
        chars: usize,
    },
}

impl LoginError {
    /// WordPress's `WP_Error` code for this refusal (`empty_user_login`, `user_login_too_long`).
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::Empty => "empty_user_login",
            LoginError::TooLong { .. } => "user_login_too_long",
        }
    }
}

/// Sanitizes a username as WordPress does: tags, accents, `%XX` octets and `&…;` entities
/// removed; with `strict`, only `A-Z a-z 0-9 space _ . - @` kept; trimmed; whitespace runs
/// collapsed to one space.
///
/// # Examples
/// ```
/// use wpgate_core::users::{SanitizeRules, sanitize_user};
///
/// let rules = SanitizeRules::default();
/// assert_eq!(sanitize_user("José Núñez", false, &rules), "Jose Nunez");
/// assert_eq!(sanitize_user("pipe|user", false, &rules), "pipe|user");
/// assert_eq!(sanitize_user("pipe|user", true, &rules), "pipeuser");
/// assert_eq!(sanitize_user("<b>bob</b>%20 &amp; \t smith", true, &rules), "bob smith");
/// // Bytes that are not UTF-8 are read as ISO-8859-1 by remove_accents().
/// assert_eq!(sanitize_user(b"caf\xe9", true, &rules), b"cafe");
/// ```
pub fn sanitize_user<S: PhpText + ?Sized>(
    username: &S,
    strict: bool,
    rules: &SanitizeRules,
) -> S::Owned {
    S::from_php_bytes(sanitize_user_bytes(username.php_bytes(), strict, rules))
}

/// Whether WordPress accepts `username` as it is: strict sanitizing leaves it unchanged and
/// non-empty.
///
/// Before 6.6 the comparison is PHP's `==`, under which two numeric strings are equal as
/// numbers: `" 1"` and `"+1"` were valid usernames (they sanitize to `"1"`).
///
/// # Examples
/// ```
/// use wpgate_core::WpVersion;
/// use wpgate_core::users::{SanitizeRules, is_valid_username};
///
/// let rules = SanitizeRules::default();
/// assert!(is_valid_username("carol@example.com", &rules));
/// assert!(!is_valid_username("o'connor", &rules));
/// assert!(!is_valid_username("0", &rules));
/// assert!(!is_valid_username("+1", &rules));
/// assert!(is_valid_username("+1", &SanitizeRules::new(WpVersion::new(6, 5, 0))));
/// ```
#[doc(alias = "validate_username")]
pub fn is_valid_username<S: PhpText + ?Sized>(username: &S, rules: &SanitizeRules) -> bool {
    let username = username.php_bytes();
    let sanitized = sanitize_user_bytes(username, true, rules);
    let same = if rules.version >= STRICT_VALIDATE_SINCE {
        sanitized == username
    } else {
        php::loose_eq(&sanitized, username)
    };
    same && php::is_truthy_bytes(&sanitized)
}

/// The value `get_user_by('login', $login)` searches `user_login` for, or `None` when WordPress
/// runs no query at all (the trimmed login is `""` or `"0"`).
///
/// The value is `sanitize_user($login)` (non-strict) of the trimmed login. It can be empty (a
/// login made only of tags or entities): WordPress then searches for `user_login = ''`. The
/// database compares under the column's collation, usually case- and accent-insensitive, so a
/// store that compares bytes finds fewer users than WordPress does.
///
/// # Examples
/// ```
/// use wpgate_core::users::{SanitizeRules, login_lookup_key};
///
/// let rules = SanitizeRules::default();
/// assert_eq!(login_lookup_key(" José ", &rules).as_deref(), Some("Jose"));
/// assert_eq!(login_lookup_key("Jürgen Groß", &rules).as_deref(), Some("Jurgen Gros"));
/// assert_eq!(login_lookup_key("<b></b>", &rules).as_deref(), Some(""));
/// assert_eq!(login_lookup_key(" 0 ", &rules), None);
/// ```
#[doc(alias = "get_user_by")]
#[doc(alias = "get_data_by")]
pub fn login_lookup_key<S: PhpText + ?Sized>(login: &S, rules: &SanitizeRules) -> Option<S::Owned> {
    let trimmed = php::trim(login.php_bytes());
    if !php::is_truthy_bytes(trimmed) {
        return None;
    }
    Some(S::from_php_bytes(sanitize_user_bytes(trimmed, false, rules)))
}

/// The login `wp_insert_user()` would create from `login`: strict sanitizing, trimmed, at most
/// 60 characters.
///
/// # Errors
/// [`LoginError::Empty`] when nothing (or `"0"`) is left, [`LoginError::TooLong`] when more
/// than [`MAX_LOGIN_CHARS`] characters are, exactly where WordPress returns its `WP_Error`.
/// Whether the login is already taken is the database's question, not answered here.
///
/// # Examples
/// ```
/// use wpgate_core::users::{LoginError, SanitizeRules, new_user_login};
///
/// let rules = SanitizeRules::default();
/// assert_eq!(new_user_login("o'connor", &rules), Ok("oconnor".to_owned()));
/// assert_eq!(new_user_login("山田太郎", &rules), Err(LoginError::Empty));
/// assert_eq!(new_user_login(&"a".repeat(61), &rules), Err(LoginError::TooLong { chars: 61 }));
/// ```
#[doc(alias = "wp_insert_user")]
pub fn new_user_login<S: PhpText + ?Sized>(
    login: &S,
    rules: &SanitizeRules,
) -> Result<String, LoginError> {
    let sanitized = sanitize_user_bytes(login.php_bytes(), true, rules);
    let login = php::trim(&sanitized);
    if !php::is_truthy_bytes(login) {
        return Err(LoginError::Empty);
    }
    // Strict sanitizing leaves ASCII only, so PHP's mb_strlen() is the byte length here.
    let login = String::from_utf8_lossy(login).into_owned();
    let chars = login.chars().count();
    if chars > MAX_LOGIN_CHARS {
        return Err(LoginError::TooLong { chars });
    }
    Ok(login)
}

fn sanitize_user_bytes(username: &[u8], strict: bool, rules: &SanitizeRules) -> Vec<u8> {
    let text = strip_all_tags(username, false);
    let text = remove_accents(&text, rules);
    let text = remove_octets(&text);
    let mut text = remove_entities(&text);
    if strict {
        text.retain(|b| b.is_ascii_alphanumeric() || b" _.-@".contains(b));
    }
    collapse_whitespace(php::trim(&text))
}

/// `preg_replace('|%([a-fA-F0-9][a-fA-F0-9])|', '', $s)`: one left-to-right pass, so
/// `%%4141` becomes `%41`.
fn remove_octets(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let octet = b == b'%'
            && s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if octet {
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// `preg_replace('/&.+?;/', '', $s)`: from `&` to the first `;` at least two bytes later, on one
/// line (`.` matches any byte but `\n`, so `&;;` is removed whole and `&;` is kept).
fn remove_entities(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    // (from, the first `;` or `\n` at or after `from`). Queries only move forward, so a cached
    // answer stays right while it is not behind the new `from`, and the pass stays linear
    // however many `&` there are.
    let mut cache: Option<(usize, Option<usize>)> = None;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let end = if b == b'&' && s.get(i + 1).is_some_and(|&c| c != b'\n') {
            let from = i + 2;
            let stop = match cache {
                Some((f, stop)) if f <= from && stop.is_none_or(|p| p >= from) => stop,
                _ => {
                    let stop = s
                        .get(from..)
                        .and_then(|rest| rest.iter().position(|&c| c == b';' || c == b'\n'))
                        .map(|p| p + from);
                    cache = Some((from, stop));
                    stop
                }
            };
            stop.filter(|&p| s.get(p) == Some(&b';'))
        } else {
            None
        };
        match end {
            Some(semicolon) => i = semicolon + 1,
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// `preg_replace('|\s+|', ' ', $s)` without the `u` flag: PCRE's `\s` is the six ASCII
/// whitespace bytes (space, `\t`, `\n`, `\v`, `\f`, `\r`), not `\xA0` or `\x85`.
fn collapse_whitespace(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut in_run = false;
    for &b in s {
        if is_pcre_space(b) {
            if !in_run {
                out.push(b' ');
            }
            in_run = true;
        } else {
            out.push(b);
            in_run = false;
        }
    }
    out
}

/// PCRE2's `\s` in non-UTF mode with PHP's default (C locale) character tables.
fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rules() -> SanitizeRules {
        SanitizeRules::default()
    }

    #[test]
    fn octets_are_removed_in_one_pass() {
        assert_eq!(remove_octets(b"%%4141"), b"%41");
        assert_eq!(remove_octets(b"bob%20smith%2"), b"bobsmith%2");
        assert_eq!(remove_octets(b"%4g%41x"), b"%4gx");
        assert_eq!(remove_octets(b"%aF"), b"");
    }

    #[test]
    fn entities_need_one_byte_and_stop_at_a_newline() {
        assert_eq!(remove_entities(b"a&amp;b"), b"ab");
        assert_eq!(remove_entities(b"a&;b"), b"a&;b");
        assert_eq!(remove_entities(b"a&;;b"), b"ab");
        assert_eq!(remove_entities(b"a&b;c;d"), b"ac;d");
        assert_eq!(remove_entities(b"a&b\nc;d"), b"a&b\nc;d");
        assert_eq!(remove_entities(b"a&b\rc;d"), b"ad");
        assert_eq!(remove_entities(b"&&x;"), b"");
        assert_eq!(remove_entities(b"&\n&x;"), b"&\n");
        assert_eq!(remove_entities(b"x&"), b"x&");
    }

    #[test]
    fn many_ampersands_without_a_semicolon_are_kept() {
        let input = "&".repeat(10_000);
        assert_eq!(remove_entities(input.as_bytes()), input.as_bytes());
    }

    #[test]
    fn whitespace_runs_become_one_space_but_nbsp_is_not_whitespace() {
        assert_eq!(collapse_whitespace(b"a \t\n\x0b\x0c\rb"), b"a b");
        assert_eq!(collapse_whitespace(b"a\xa0\x85\x1cb"), b"a\xa0\x85\x1cb");
    }

    #[test]
    fn a_leading_form_feed_leaves_a_leading_space() {
        // trim() does not strip \f but \s matches it: WordPress returns " bob ".
        assert_eq!(sanitize_user("\x0cbob\x0c", false, &rules()), " bob ");
        assert_eq!(sanitize_user("\x0cbob\x0c", true, &rules()), "bob");
    }

    #[test]
    fn vector_users_sanitize_as_wordpress_recorded() {
        let r = rules();
        assert_eq!(sanitize_user("José Núñez", true, &r), "Jose Nunez");
        assert_eq!(sanitize_user("Jürgen Groß", true, &r), "Jurgen Gros");
        assert_eq!(sanitize_user("山田太郎", true, &r), "");
        assert_eq!(sanitize_user("山田太郎", false, &r), "山田太郎");
        assert_eq!(sanitize_user("o'connor", true, &r), "oconnor");
        assert_eq!(sanitize_user("o'connor", false, &r), "o'connor");
    }

    #[test]
    fn zero_is_not_a_valid_username_nor_a_lookup() {
        assert!(!is_valid_username("0", &rules()));
        assert_eq!(login_lookup_key("0", &rules()), None);
        assert_eq!(new_user_login(" 0 ", &rules()), Err(LoginError::Empty));
        assert!(is_valid_username("00", &rules()));
    }

    #[test]
    fn numeric_usernames_were_valid_by_loose_comparison_before_6_6() {
        let old = SanitizeRules::new(WpVersion::new(6, 5, 0));
        assert!(is_valid_username(" 1", &old));
        assert!(is_valid_username("1e1", &old));
        assert!(!is_valid_username(" 9223372036854775808", &old));
        assert!(!is_valid_username(" 1", &rules()));
    }

    #[test]
    fn logins_of_sixty_characters_are_accepted_and_sixty_one_refused() {
        let sixty = "a".repeat(60);
        assert_eq!(new_user_login(&sixty, &rules()), Ok(sixty.clone()));
        let err = new_user_login(&format!("{sixty}b"), &rules()).unwrap_err();
        assert_eq!(err, LoginError::TooLong { chars: 61 });
        assert_eq!(err.code(), "user_login_too_long");
        // Sanitizing first: sixty accented letters become sixty ASCII letters.
        assert!(new_user_login(&"é".repeat(60), &rules()).is_ok());
    }

    #[test]
    fn lookup_trims_before_sanitizing_and_can_search_for_the_empty_login() {
        assert_eq!(login_lookup_key(" \tbob smith\n", &rules()).as_deref(), Some("bob smith"));
        assert_eq!(login_lookup_key("&amp;", &rules()).as_deref(), Some(""));
        assert_eq!(login_lookup_key(" ", &rules()), None);
    }

    #[test]
    fn bytes_in_give_bytes_out() {
        let got: Vec<u8> = sanitize_user(b"caf\xe9 \xff", false, &rules());
        assert_eq!(got, b"cafe y");
        let got: Option<Vec<u8>> = login_lookup_key(&b"\xc0\x80"[..], &rules());
        assert_eq!(got.as_deref(), Some(&b"AE"[..]));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..64),
                                       strict: bool, intl: bool, minor in 0u16..10) {
            let r = SanitizeRules::new(WpVersion::new(6, minor, 0))
                .with_intl(intl)
                .with_locale("ca");
            let _ = sanitize_user(&input[..], strict, &r);
            let _ = is_valid_username(&input[..], &r);
            let _ = login_lookup_key(&input[..], &r);
            let _ = new_user_login(&input[..], &r);
        }

        #[test]
        fn utf8_in_stays_utf8_and_strict_output_is_ascii(input in any::<String>(), intl: bool) {
            let r = SanitizeRules::default().with_intl(intl).with_locale("de_DE");
            let loose = sanitize_user_bytes(input.as_bytes(), false, &r);
            prop_assert!(std::str::from_utf8(&loose).is_ok());
            let strict = sanitize_user(input.as_str(), true, &r);
            prop_assert!(strict.is_ascii());
            if let Ok(login) = new_user_login(input.as_str(), &r) {
                prop_assert!(is_valid_username(&login, &r));
            }
        }
    }
}
