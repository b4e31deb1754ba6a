//! `remove_accents()` (wp-includes/formatting.php): WordPress's transliteration of accented
//! letters, with its locale rules and its ISO-8859-1 fallback.
//!
//! The text takes one of two branches:
//!
//! * **UTF-8** (`seems_utf8()` before 6.9, which also accepts surrogates, overlong forms and 5-
//!   and 6-byte sequences; `wp_is_valid_utf8()` from 6.9): from 6.1, when PHP has intl, the
//!   text is first normalized to NFC (an invalid sequence that `seems_utf8()` let through makes
//!   `normalizer_normalize()` fail, and the whole text becomes `""`); then `strtr()` with the
//!   table below, adjusted for the locale.
//! * **ISO-8859-1** otherwise: a byte-for-byte table and nine bytes that become two letters.
//!
//! The table is WordPress 6.1.9's, in its order, plus `Ə`/`ǝ` (6.3) and the German `ẞ` (7.0);
//! 4.9 to 6.2 have the same entries. It is checked entry by entry against WordPress 4.9.31 to
//! 7.1 by the `compat-tests/fixtures/users.json` fixture.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use super::{PhpText, SanitizeRules};
use crate::WpVersion;

/// Transliterates accented letters as WordPress's `remove_accents()` does for this site.
///
/// Text without bytes above 0x7F is returned as it is. Characters outside the table (CJK,
/// Cyrillic, combining marks without intl, …) are kept.
///
/// # Examples
/// ```
/// use wpgate_core::WpVersion;
/// use wpgate_core::users::{SanitizeRules, remove_accents};
///
/// let rules = SanitizeRules::default();
/// assert_eq!(remove_accents("Crème brûlée", &rules), "Creme brulee");
/// assert_eq!(remove_accents("Jürgen Groß", &rules), "Jurgen Gros");
/// assert_eq!(remove_accents("Jürgen Groß", &rules.clone().with_locale("de_CH")), "Juergen Gross");
/// assert_eq!(remove_accents("Paral·lel", &rules.clone().with_locale("ca")), "Parallel");
/// // Not UTF-8: read as ISO-8859-1.
/// assert_eq!(remove_accents(b"caf\xe9", &rules), b"cafe");
/// ```
pub fn remove_accents<S: PhpText + ?Sized>(text: &S, rules: &SanitizeRules) -> S::Owned {
    S::from_php_bytes(remove_accents_bytes(text.php_bytes(), rules))
}

/// German letters get their two-letter forms (`Ä` → `Ae`) in these locales before 6.0.
const GERMAN_LOCALES: [&str; 4] = ["de_DE", "de_DE_formal", "de_CH", "de_CH_informal"];
/// 5.7 adds `de_AT` to the German locales.
const GERMAN_AT_SINCE: WpVersion = WpVersion::new(5, 7, 0);
/// 6.0 applies the German rules to every locale starting with `de`.
const GERMAN_PREFIX_SINCE: WpVersion = WpVersion::new(6, 0, 0);
/// 6.1 normalizes to NFC first, when intl is there.
const NFC_SINCE: WpVersion = WpVersion::new(6, 1, 0);
/// 6.3 adds `Ə` and `ǝ`.
const SCHWA_SINCE: WpVersion = WpVersion::new(6, 3, 0);
/// 6.9 chooses the UTF-8 branch with `wp_is_valid_utf8()` instead of `seems_utf8()`.
const STRICT_UTF8_SINCE: WpVersion = WpVersion::new(6, 9, 0);
/// 7.0 adds `ẞ` → `SS` to the German rules.
const CAPITAL_SHARP_S_SINCE: WpVersion = WpVersion::new(7, 0, 0);

/// The locale-specific part of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocaleRules {
    German,
    Danish,
    Catalan,
    SerbianBosnian,
    None,
}

impl LocaleRules {
    fn of(rules: &SanitizeRules) -> Self {
        let locale = rules.locale();
        let version = rules.version();
        let german = if version >= GERMAN_PREFIX_SINCE {
            locale.starts_with("de")
        } else {
            GERMAN_LOCALES.contains(&locale) || (version >= GERMAN_AT_SINCE && locale == "de_AT")
        };
        if german {
            LocaleRules::German
        } else if locale == "da_DK" {
            LocaleRules::Danish
        } else if locale == "ca" {
            LocaleRules::Catalan
        } else if locale == "sr_RS" || locale == "bs_BA" {
            LocaleRules::SerbianBosnian
        } else {
            LocaleRules::None
        }
    }
}

fn remove_accents_bytes(text: &[u8], rules: &SanitizeRules) -> Vec<u8> {
    if text.is_ascii() {
        return text.to_vec();
    }
    let version = rules.version();
    let utf8 = if version >= STRICT_UTF8_SINCE {
        std::str::from_utf8(text).is_ok()
    } else {
        seems_utf8(text)
    };
    if !utf8 {
        return from_iso_8859_1(text);
    }
    let text: Cow<'_, [u8]> = if rules.intl() && version >= NFC_SINCE {
        match std::str::from_utf8(text) {
            Ok(s) if unicode_normalization::is_nfc(s) => Cow::Borrowed(text),
            Ok(s) => Cow::Owned(s.nfc().collect::<String>().into_bytes()),
            // normalizer_normalize() returns false, and strtr(false, …) gives "".
            Err(_) => return Vec::new(),
        }
    } else {
        Cow::Borrowed(text)
    };
    transliterate(&text, LocaleRules::of(rules), version)
}

/// `strtr($text, $chars)`: at each position the longest key wins; the only key longer than one
/// character is Catalan's `l·l`. Keys are whole UTF-8 characters, so in text that passed the
/// UTF-8 check they can only match at character starts; bytes that do not decode (what
/// `seems_utf8()` lets through) are copied.
fn transliterate(text: &[u8], locale: LocaleRules, version: WpVersion) -> Vec<u8> {
    const FLOWN_DOT_L: &[u8] = "l·l".as_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if locale == LocaleRules::Catalan
            && text.get(i..).is_some_and(|t| t.starts_with(FLOWN_DOT_L))
        {
            out.extend_from_slice(b"ll");
            i += FLOWN_DOT_L.len();
            continue;
        }
        let decoded = utf8_len(b)
            .and_then(|len| text.get(i..i + len))
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .and_then(|s| s.chars().next().map(|c| (c, s.len())));
        match decoded.and_then(|(c, len)| replacement(c, locale, version).map(|r| (r, len))) {
            Some((r, len)) => {
                out.extend_from_slice(r.as_bytes());
                i += len;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The length of the UTF-8 sequence a lead byte starts, for multi-byte leads.
fn utf8_len(b: u8) -> Option<usize> {
    match b {
        0xc0..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf7 => Some(4),
        _ => None,
    }
}

/// WordPress's replacement for `c` under the locale's rules and the version's table.
fn replacement(c: char, locale: LocaleRules, version: WpVersion) -> Option<&'static str> {
    let localized = match (locale, c) {
        (LocaleRules::German, 'Ä') => Some("Ae"),
        (LocaleRules::German, 'ä') => Some("ae"),
        (LocaleRules::German, 'Ö') => Some("Oe"),
        (LocaleRules::German, 'ö') => Some("oe"),
        (LocaleRules::German, 'Ü') => Some("Ue"),
        (LocaleRules::German, 'ü') => Some("ue"),
        (LocaleRules::German, 'ẞ') if version >= CAPITAL_SHARP_S_SINCE => Some("SS"),
        (LocaleRules::German, 'ß') => Some("ss"),
        (LocaleRules::Danish, 'Æ') => Some("Ae"),
        (LocaleRules::Danish, 'æ') => Some("ae"),
        (LocaleRules::Danish, 'Ø') => Some("Oe"),
        (LocaleRules::Danish, 'ø') => Some("oe"),
        (LocaleRules::Danish, 'Å') => Some("Aa"),
        (LocaleRules::Danish, 'å') => Some("aa"),
        (LocaleRules::SerbianBosnian, 'Đ') => Some("DJ"),
        (LocaleRules::SerbianBosnian, 'đ') => Some("dj"),
        _ => None,
    };
    if localized.is_some() {
        return localized;
    }
    if matches!(c, 'Ə' | 'ǝ') && version < SCHWA_SINCE {
        return None;
    }
    base_replacement(c)
}

/// WordPress's `$chars` table (6.1.9's order and comments; `Ə`/`ǝ` from 6.3).
#[rustfmt::skip]
fn base_replacement(c: char) -> Option<&'static str> {
    Some(match c {
        // Decompositions for Latin-1 Supplement.
        'ª' => "a", // U+00AA
        'º' => "o", // U+00BA
        'À' => "A", // U+00C0
        'Á' => "A", // U+00C1
        'Â' => "A", // U+00C2
        'Ã' => "A", // U+00C3
        'Ä' => "A", // U+00C4
        'Å' => "A", // U+00C5
        'Æ' => "AE", // U+00C6
        'Ç' => "C", // U+00C7
        'È' => "E", // U+00C8
        'É' => "E", // U+00C9
        'Ê' => "E", // U+00CA
        'Ë' => "E", // U+00CB
        'Ì' => "I", // U+00CC
        'Í' => "I", // U+00CD
        'Î' => "I", // U+00CE
        'Ï' => "I", // U+00CF
        'Ð' => "D", // U+00D0
        'Ñ' => "N", // U+00D1
        'Ò' => "O", // U+00D2
        'Ó' => "O", // U+00D3
        'Ô' => "O", // U+00D4
        'Õ' => "O", // U+00D5
        'Ö' => "O", // U+00D6
        'Ù' => "U", // U+00D9
        'Ú' => "U", // U+00DA
        'Û' => "U", // U+00DB
        'Ü' => "U", // U+00DC
        'Ý' => "Y", // U+00DD
        'Þ' => "TH", // U+00DE
        'ß' => "s", // U+00DF
        'à' => "a", // U+00E0
        'á' => "a", // U+00E1
        'â' => "a", // U+00E2
        'ã' => "a", // U+00E3
        'ä' => "a", // U+00E4
        'å' => "a", // U+00E5
        'æ' => "ae", // U+00E6
        'ç' => "c", // U+00E7
        'è' => "e", // U+00E8
        'é' => "e", // U+00E9
        'ê' => "e", // U+00EA
        'ë' => "e", // U+00EB
        'ì' => "i", // U+00EC
        'í' => "i", // U+00ED
        'î' => "i", // U+00EE
        'ï' => "i", // U+00EF
        'ð' => "d", // U+00F0
        'ñ' => "n", // U+00F1
        'ò' => "o", // U+00F2
        'ó' => "o", // U+00F3
        'ô' => "o", // U+00F4
        'õ' => "o", // U+00F5
        'ö' => "o", // U+00F6
        'ø' => "o", // U+00F8
        'ù' => "u", // U+00F9
        'ú' => "u", // U+00FA
        'û' => "u", // U+00FB
        'ü' => "u", // U+00FC
        'ý' => "y", // U+00FD
        'þ' => "th", // U+00FE
        'ÿ' => "y", // U+00FF
        'Ø' => "O", // U+00D8
        // Decompositions for Latin Extended-A.
        'Ā' => "A", // U+0100
        'ā' => "a", // U+0101
        'Ă' => "A", // U+0102
        'ă' => "a", // U+0103
        'Ą' => "A", // U+0104
        'ą' => "a", // U+0105
        'Ć' => "C", // U+0106
        'ć' => "c", // U+0107
        'Ĉ' => "C", // U+0108
        'ĉ' => "c", // U+0109
        'Ċ' => "C", // U+010A
        'ċ' => "c", // U+010B
        'Č' => "C", // U+010C
        'č' => "c", // U+010D
        'Ď' => "D", // U+010E
        'ď' => "d", // U+010F
        'Đ' => "D", // U+0110
        'đ' => "d", // U+0111
        'Ē' => "E", // U+0112
        'ē' => "e", // U+0113
        'Ĕ' => "E", // U+0114
        'ĕ' => "e", // U+0115
        'Ė' => "E", // U+0116
        'ė' => "e", // U+0117
        'Ę' => "E", // U+0118
        'ę' => "e", // U+0119
        'Ě' => "E", // U+011A
        'ě' => "e", // U+011B
        'Ĝ' => "G", // U+011C
        'ĝ' => "g", // U+011D
        'Ğ' => "G", // U+011E
        'ğ' => "g", // U+011F
        'Ġ' => "G", // U+0120
        'ġ' => "g", // U+0121
        'Ģ' => "G", // U+0122
        'ģ' => "g", // U+0123
        'Ĥ' => "H", // U+0124
        'ĥ' => "h", // U+0125
        'Ħ' => "H", // U+0126
        'ħ' => "h", // U+0127
        'Ĩ' => "I", // U+0128
        'ĩ' => "i", // U+0129
        'Ī' => "I", // U+012A
        'ī' => "i", // U+012B
        'Ĭ' => "I", // U+012C
        'ĭ' => "i", // U+012D
        'Į' => "I", // U+012E
        'į' => "i", // U+012F
        'İ' => "I", // U+0130
        'ı' => "i", // U+0131
        'Ĳ' => "IJ", // U+0132
        'ĳ' => "ij", // U+0133
        'Ĵ' => "J", // U+0134
        'ĵ' => "j", // U+0135
        'Ķ' => "K", // U+0136
        'ķ' => "k", // U+0137
        'ĸ' => "k", // U+0138
        'Ĺ' => "L", // U+0139
        'ĺ' => "l", // U+013A
        'Ļ' => "L", // U+013B
        'ļ' => "l", // U+013C
        'Ľ' => "L", // U+013D
        'ľ' => "l", // U+013E
        'Ŀ' => "L", // U+013F
        'ŀ' => "l", // U+0140
        'Ł' => "L", // U+0141
        'ł' => "l", // U+0142
        'Ń' => "N", // U+0143
        'ń' => "n", // U+0144
        'Ņ' => "N", // U+0145
        'ņ' => "n", // U+0146
        'Ň' => "N", // U+0147
        'ň' => "n", // U+0148
        'ŉ' => "n", // U+0149
        'Ŋ' => "N", // U+014A
        'ŋ' => "n", // U+014B
        'Ō' => "O", // U+014C
        'ō' => "o", // U+014D
        'Ŏ' => "O", // U+014E
        'ŏ' => "o", // U+014F
        'Ő' => "O", // U+0150
        'ő' => "o", // U+0151
        'Œ' => "OE", // U+0152
        'œ' => "oe", // U+0153
        'Ŕ' => "R", // U+0154
        'ŕ' => "r", // U+0155
        'Ŗ' => "R", // U+0156
        'ŗ' => "r", // U+0157
        'Ř' => "R", // U+0158
        'ř' => "r", // U+0159
        'Ś' => "S", // U+015A
        'ś' => "s", // U+015B
        'Ŝ' => "S", // U+015C
        'ŝ' => "s", // U+015D
        'Ş' => "S", // U+015E
        'ş' => "s", // U+015F
        'Š' => "S", // U+0160
        'š' => "s", // U+0161
        'Ţ' => "T", // U+0162
        'ţ' => "t", // U+0163
        'Ť' => "T", // U+0164
        'ť' => "t", // U+0165
        'Ŧ' => "T", // U+0166
        'ŧ' => "t", // U+0167
        'Ũ' => "U", // U+0168
        'ũ' => "u", // U+0169
        'Ū' => "U", // U+016A
        'ū' => "u", // U+016B
        'Ŭ' => "U", // U+016C
        'ŭ' => "u", // U+016D
        'Ů' => "U", // U+016E
        'ů' => "u", // U+016F
        'Ű' => "U", // U+0170
        'ű' => "u", // U+0171
        'Ų' => "U", // U+0172
        'ų' => "u", // U+0173
        'Ŵ' => "W", // U+0174
        'ŵ' => "w", // U+0175
        'Ŷ' => "Y", // U+0176
        'ŷ' => "y", // U+0177
        'Ÿ' => "Y", // U+0178
        'Ź' => "Z", // U+0179
        'ź' => "z", // U+017A
        'Ż' => "Z", // U+017B
        'ż' => "z", // U+017C
        'Ž' => "Z", // U+017D
        'ž' => "z", // U+017E
        'ſ' => "s", // U+017F
        // Decompositions for Latin Extended-B.
        'Ș' => "S", // U+0218
        'ș' => "s", // U+0219
        'Ț' => "T", // U+021A
        'ț' => "t", // U+021B
        // Added in 6.3 (see `base_replacement`).
        'Ə' => "E", // U+018F
        'ǝ' => "e", // U+01DD
        // Euro sign.
        '€' => "E", // U+20AC
        // GBP (Pound) sign.
        '£' => "", // U+00A3
        // Vowels with diacritic (Vietnamese).
        // Unmarked.
        'Ơ' => "O", // U+01A0
        'ơ' => "o", // U+01A1
        'Ư' => "U", // U+01AF
        'ư' => "u", // U+01B0
        // Grave accent.
        'Ầ' => "A", // U+1EA6
        'ầ' => "a", // U+1EA7
        'Ằ' => "A", // U+1EB0
        'ằ' => "a", // U+1EB1
        'Ề' => "E", // U+1EC0
        'ề' => "e", // U+1EC1
        'Ồ' => "O", // U+1ED2
        'ồ' => "o", // U+1ED3
        'Ờ' => "O", // U+1EDC
        'ờ' => "o", // U+1EDD
        'Ừ' => "U", // U+1EEA
        'ừ' => "u", // U+1EEB
        'Ỳ' => "Y", // U+1EF2
        'ỳ' => "y", // U+1EF3
        // Hook.
        'Ả' => "A", // U+1EA2
        'ả' => "a", // U+1EA3
        'Ẩ' => "A", // U+1EA8
        'ẩ' => "a", // U+1EA9
        'Ẳ' => "A", // U+1EB2
        'ẳ' => "a", // U+1EB3
        'Ẻ' => "E", // U+1EBA
        'ẻ' => "e", // U+1EBB
        'Ể' => "E", // U+1EC2
        'ể' => "e", // U+1EC3
        'Ỉ' => "I", // U+1EC8
        'ỉ' => "i", // U+1EC9
        'Ỏ' => "O", // U+1ECE
        'ỏ' => "o", // U+1ECF
        'Ổ' => "O", // U+1ED4
        'ổ' => "o", // U+1ED5
        'Ở' => "O", // U+1EDE
        'ở' => "o", // U+1EDF
        'Ủ' => "U", // U+1EE6
        'ủ' => "u", // U+1EE7
        'Ử' => "U", // U+1EEC
        'ử' => "u", // U+1EED
        'Ỷ' => "Y", // U+1EF6
        'ỷ' => "y", // U+1EF7
        // Tilde.
        'Ẫ' => "A", // U+1EAA
        'ẫ' => "a", // U+1EAB
        'Ẵ' => "A", // U+1EB4
        'ẵ' => "a", // U+1EB5
        'Ẽ' => "E", // U+1EBC
        'ẽ' => "e", // U+1EBD
        'Ễ' => "E", // U+1EC4
        'ễ' => "e", // U+1EC5
        'Ỗ' => "O", // U+1ED6
        'ỗ' => "o", // U+1ED7
        'Ỡ' => "O", // U+1EE0
        'ỡ' => "o", // U+1EE1
        'Ữ' => "U", // U+1EEE
        'ữ' => "u", // U+1EEF
        'Ỹ' => "Y", // U+1EF8
        'ỹ' => "y", // U+1EF9
        // Acute accent.
        'Ấ' => "A", // U+1EA4
        'ấ' => "a", // U+1EA5
        'Ắ' => "A", // U+1EAE
        'ắ' => "a", // U+1EAF
        'Ế' => "E", // U+1EBE
        'ế' => "e", // U+1EBF
        'Ố' => "O", // U+1ED0
        'ố' => "o", // U+1ED1
        'Ớ' => "O", // U+1EDA
        'ớ' => "o", // U+1EDB
        'Ứ' => "U", // U+1EE8
        'ứ' => "u", // U+1EE9
        // Dot below.
        'Ạ' => "A", // U+1EA0
        'ạ' => "a", // U+1EA1
        'Ậ' => "A", // U+1EAC
        'ậ' => "a", // U+1EAD
        'Ặ' => "A", // U+1EB6
        'ặ' => "a", // U+1EB7
        'Ẹ' => "E", // U+1EB8
        'ẹ' => "e", // U+1EB9
        'Ệ' => "E", // U+1EC6
        'ệ' => "e", // U+1EC7
        'Ị' => "I", // U+1ECA
        'ị' => "i", // U+1ECB
        'Ọ' => "O", // U+1ECC
        'ọ' => "o", // U+1ECD
        'Ộ' => "O", // U+1ED8
        'ộ' => "o", // U+1ED9
        'Ợ' => "O", // U+1EE2
        'ợ' => "o", // U+1EE3
        'Ụ' => "U", // U+1EE4
        'ụ' => "u", // U+1EE5
        'Ự' => "U", // U+1EF0
        'ự' => "u", // U+1EF1
        'Ỵ' => "Y", // U+1EF4
        'ỵ' => "y", // U+1EF5
        // Vowels with diacritic (Chinese, Hanyu Pinyin).
        'ɑ' => "a", // U+0251
        // Macron.
        'Ǖ' => "U", // U+01D5
        'ǖ' => "u", // U+01D6
        // Acute accent.
        'Ǘ' => "U", // U+01D7
        'ǘ' => "u", // U+01D8
        // Caron.
        'Ǎ' => "A", // U+01CD
        'ǎ' => "a", // U+01CE
        'Ǐ' => "I", // U+01CF
        'ǐ' => "i", // U+01D0
        'Ǒ' => "O", // U+01D1
        'ǒ' => "o", // U+01D2
        'Ǔ' => "U", // U+01D3
        'ǔ' => "u", // U+01D4
        'Ǚ' => "U", // U+01D9
        'ǚ' => "u", // U+01DA
        // Grave accent.
        'Ǜ' => "U", // U+01DB
        'ǜ' => "u", // U+01DC
        _ => return None,
    })
}

/// `remove_accents()`'s branch for text that is not UTF-8: `strtr($text, $in, $out)` over
/// single bytes, then `str_replace()` of the nine bytes that become two letters.
fn from_iso_8859_1(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &b in text {
        if let Some(&(_, to)) = ISO_8859_1_SINGLE.iter().find(|&&(from, _)| from == b) {
            out.push(to);
        } else if let Some(&(_, to)) = ISO_8859_1_DOUBLE.iter().find(|&&(from, _)| from == b) {
            out.extend_from_slice(to);
        } else {
            out.push(b);
        }
    }
    out
}

/// The `$chars['in']` → `$chars['out']` pairs (Windows-1252 in 0x80–0x9F, then ISO-8859-1).
const ISO_8859_1_SINGLE: [(u8, u8); 65] = [
    (0x80, b'E'),
    (0x83, b'f'),
    (0x8a, b'S'),
    (0x8e, b'Z'),
    (0x9a, b's'),
    (0x9e, b'z'),
    (0x9f, b'Y'),
    (0xa2, b'c'),
    (0xa5, b'Y'),
    (0xb5, b'u'),
    (0xc0, b'A'),
    (0xc1, b'A'),
    (0xc2, b'A'),
    (0xc3, b'A'),
    (0xc4, b'A'),
    (0xc5, b'A'),
    (0xc7, b'C'),
    (0xc8, b'E'),
    (0xc9, b'E'),
    (0xca, b'E'),
    (0xcb, b'E'),
    (0xcc, b'I'),
    (0xcd, b'I'),
    (0xce, b'I'),
    (0xcf, b'I'),
    (0xd1, b'N'),
    (0xd2, b'O'),
    (0xd3, b'O'),
    (0xd4, b'O'),
    (0xd5, b'O'),
    (0xd6, b'O'),
    (0xd8, b'O'),
    (0xd9, b'U'),
    (0xda, b'U'),
    (0xdb, b'U'),
    (0xdc, b'U'),
    (0xdd, b'Y'),
    (0xe0, b'a'),
    (0xe1, b'a'),
    (0xe2, b'a'),
    (0xe3, b'a'),
    (0xe4, b'a'),
    (0xe5, b'a'),
    (0xe7, b'c'),
    (0xe8, b'e'),
    (0xe9, b'e'),
    (0xea, b'e'),
    (0xeb, b'e'),
    (0xec, b'i'),
    (0xed, b'i'),
    (0xee, b'i'),
    (0xef, b'i'),
    (0xf1, b'n'),
    (0xf2, b'o'),
    (0xf3, b'o'),
    (0xf4, b'o'),
    (0xf5, b'o'),
    (0xf6, b'o'),
    (0xf8, b'o'),
    (0xf9, b'u'),
    (0xfa, b'u'),
    (0xfb, b'u'),
    (0xfc, b'u'),
    (0xfd, b'y'),
    (0xff, b'y'),
];

/// The `$double_chars` pairs.
const ISO_8859_1_DOUBLE: [(u8, &[u8]); 9] = [
    (0x8c, b"OE"),
    (0x9c, b"oe"),
    (0xc6, b"AE"),
    (0xd0, b"DH"),
    (0xde, b"TH"),
    (0xdf, b"ss"),
    (0xe6, b"ae"),
    (0xf0, b"dh"),
    (0xfe, b"th"),
];

/// `seems_utf8()`: every byte at or above 0x80 starts a 2- to 6-byte sequence of the old
/// UTF-8 bit patterns and is followed by enough continuation bytes. Overlong forms, surrogates
/// and code points past U+10FFFF pass.
fn seems_utf8(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        let n = match c {
            0x00..=0x7f => 0,
            _ if c & 0xe0 == 0xc0 => 1,
            _ if c & 0xf0 == 0xe0 => 2,
            _ if c & 0xf8 == 0xf0 => 3,
            _ if c & 0xfc == 0xf8 => 4,
            _ if c & 0xfe == 0xfc => 5,
            _ => return false,
        };
        for _ in 0..n {
            i += 1;
            match s.get(i) {
                Some(&next) if next & 0xc0 == 0x80 => {}
                _ => return false,
            }
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(version: WpVersion, locale: &str) -> SanitizeRules {
        SanitizeRules::new(version).with_locale(locale)
    }

    #[test]
    fn ascii_is_returned_unchanged() {
        assert_eq!(remove_accents("plain <b>", &SanitizeRules::default()), "plain <b>");
    }

    #[test]
    fn sharp_s_is_one_s_outside_german_locales() {
        let r = rules(WpVersion::LATEST, "en_US");
        assert_eq!(remove_accents("Straße ẞ", &r), "Strase ẞ");
        let de = rules(WpVersion::LATEST, "de_DE");
        assert_eq!(remove_accents("Straße ẞ", &de), "Strasse SS");
        let de_69 = rules(WpVersion::new(6, 9, 4), "de_DE");
        assert_eq!(remove_accents("ẞ", &de_69), "ẞ");
    }

    #[test]
    fn german_rules_follow_the_locale_list_before_6_0_and_the_prefix_after() {
        let text = "Ä";
        assert_eq!(remove_accents(text, &rules(WpVersion::new(5, 9, 0), "de_LI")), "A");
        assert_eq!(remove_accents(text, &rules(WpVersion::new(6, 0, 0), "de_LI")), "Ae");
        assert_eq!(remove_accents(text, &rules(WpVersion::new(5, 6, 0), "de_AT")), "A");
        assert_eq!(remove_accents(text, &rules(WpVersion::new(5, 7, 0), "de_AT")), "Ae");
        assert_eq!(remove_accents(text, &rules(WpVersion::new(6, 0, 0), "deu")), "Ae");
    }

    #[test]
    fn danish_catalan_and_serbian_rules() {
        let v = WpVersion::LATEST;
        assert_eq!(remove_accents("Ærø Å", &rules(v, "da_DK")), "Aeroe Aa");
        assert_eq!(remove_accents("l·l·l L·L ·l", &rules(v, "ca")), "ll·l L·L ·l");
        assert_eq!(remove_accents("l·l", &rules(v, "ca_ES")), "l·l");
        assert_eq!(remove_accents("Đorđe", &rules(v, "sr_RS")), "DJordje");
        assert_eq!(remove_accents("Đorđe", &rules(v, "hr")), "Dorde");
    }

    #[test]
    fn schwa_is_transliterated_from_6_3() {
        assert_eq!(remove_accents("Ə ǝ", &rules(WpVersion::new(6, 2, 0), "")), "Ə ǝ");
        assert_eq!(remove_accents("Ə ǝ", &rules(WpVersion::new(6, 3, 0), "")), "E e");
    }

    #[test]
    fn decomposed_accents_need_intl_and_6_1() {
        let decomposed = "Jose\u{301}";
        let intl = SanitizeRules::default();
        assert_eq!(remove_accents(decomposed, &intl), "Jose");
        assert_eq!(remove_accents(decomposed, &intl.clone().with_intl(false)), decomposed);
        let old = SanitizeRules::new(WpVersion::new(6, 0, 0));
        assert_eq!(remove_accents(decomposed, &old), decomposed);
    }

    #[test]
    fn surrogates_empty_the_text_with_intl_before_6_9() {
        let text = b"\xc3\xa9\xed\xa0\x80";
        let v68 = SanitizeRules::new(WpVersion::new(6, 8, 3));
        assert_eq!(remove_accents(text, &v68), b"");
        assert_eq!(remove_accents(text, &v68.clone().with_intl(false)), b"e\xed\xa0\x80");
        // 6.9 sees invalid UTF-8 and reads it as ISO-8859-1.
        let v69 = SanitizeRules::new(WpVersion::new(6, 9, 0));
        assert_eq!(remove_accents(text, &v69), b"A\xa9i\xa0E");
    }

    #[test]
    fn iso_8859_1_text_gets_one_and_two_letter_replacements() {
        let r = SanitizeRules::default();
        assert_eq!(remove_accents(b"\x80\x83\x8a\xc6\xdf\xfe\xa0", &r), b"EfSAEssth\xa0");
    }

    #[test]
    fn seems_utf8_accepts_the_old_long_forms() {
        assert!(seems_utf8(b"\xed\xa0\x80"));
        assert!(seems_utf8(b"\xc0\x80"));
        assert!(seems_utf8(b"\xf8\x88\x80\x80\x80"));
        assert!(seems_utf8(b"\xfc\x84\x80\x80\x80\x80"));
        assert!(!seems_utf8(b"\xfe"));
        assert!(!seems_utf8(b"\xc3"));
        assert!(!seems_utf8(b"a\xc3("));
    }
}
