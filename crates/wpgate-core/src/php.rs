//! The few PHP language semantics WordPress's auth code leans on: truthiness, integer casts,
//! numeric strings, `trim()`, and PHP 8's comparisons of strings with integers and strings.
//!
//! Kept in one place so each quirk is implemented (and tested) once.

// Some helpers (the expiration arithmetic of cookie validation) land before their callers.
#![allow(dead_code)]

/// PHP truthiness of a string: `""` and `"0"` are false, everything else is true.
pub(crate) fn is_truthy(s: &str) -> bool {
    !(s.is_empty() || s == "0")
}

/// PHP truthiness of a byte string: `""` and `"0"` are false (`empty()` is the negation).
pub(crate) fn is_truthy_bytes(s: &[u8]) -> bool {
    !(s.is_empty() || s == b"0")
}

/// Lowercase hex of `bytes` into `out` (twice as long), as PHP's `md5()`, `hash()` and
/// `hash_hmac()` print digests. Allocation-free, for the cookie hot path.
pub(crate) fn hex_lower(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        if let [high, low] = pair {
            *high = DIGITS.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
            *low = DIGITS.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0');
        }
    }
}

/// The bytes PHP's `trim()` strips by default: space, `\t`, `\n`, `\r`, NUL and `\v` (not `\f`).
pub(crate) const TRIM_BYTES: &[u8] = b" \t\n\r\0\x0b";

/// PHP's `trim($s)` with the default character list.
pub(crate) fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|b| !TRIM_BYTES.contains(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !TRIM_BYTES.contains(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

/// PHP 8's `$a == $b` for two strings: when both are numeric strings they compare as numbers
/// (`" 1" == "1"`, `"+1" == "1"`, `"1e1" == "10"`), otherwise byte for byte.
///
/// Mirrors `zendi_smart_str_equals()`: two integers that overflow to the same side and two
/// equal infinite floats compare as text (their numeric values say nothing), and an integer
/// never equals an integer string that overflowed.
pub(crate) fn loose_eq(a: &[u8], b: &[u8]) -> bool {
    let (Some(x), Some(y)) = (numeric_kind(a), numeric_kind(b)) else { return a == b };
    match (x, y) {
        (NumericKind::Int(x), NumericKind::Int(y)) => x == y,
        (NumericKind::Overflow(x), NumericKind::Overflow(y))
            if x.signum() == y.signum() && x == y =>
        {
            a == b
        }
        (NumericKind::Int(_), NumericKind::Overflow(_))
        | (NumericKind::Overflow(_), NumericKind::Int(_)) => false,
        (NumericKind::Float(x), NumericKind::Float(y)) if x == y && !x.is_finite() => a == b,
        (x, y) => x.as_f64() == y.as_f64(),
    }
}

/// A numeric string as PHP classifies it: an integer, an integer string too long for `i64`
/// (PHP: a double with the overflow flag), or a float.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NumericKind {
    Int(i64),
    Overflow(f64),
    Float(f64),
}

impl NumericKind {
    fn as_f64(self) -> f64 {
        match self {
            NumericKind::Int(v) => v as f64,
            NumericKind::Overflow(v) | NumericKind::Float(v) => v,
        }
    }
}

fn numeric_kind(s: &[u8]) -> Option<NumericKind> {
    let s = std::str::from_utf8(s).ok()?;
    let integer_syntax = s
        .trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+');
    match numeric_value(s)? {
        Numeric::Int(v) => Some(NumericKind::Int(v)),
        Numeric::Float(v) if integer_syntax => Some(NumericKind::Overflow(v)),
        Numeric::Float(v) => Some(NumericKind::Float(v)),
    }
}

/// PHP's `(int) $string` (PHP 7.1+): leading whitespace, an optional sign, then the longest
/// numeric prefix; a float prefix (`"1e3"`, `"1.9"`) is truncated toward zero; out-of-range
/// values saturate; no numeric prefix gives 0.
pub(crate) fn int_cast(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let prefix = numeric_prefix(t);
    if prefix.is_empty() {
        return 0;
    }
    if let Ok(i) = prefix.parse::<i64>() {
        return i;
    }
    match prefix.parse::<f64>() {
        // `as` saturates and maps NaN to 0, which is what PHP 8 does on 64-bit for strings.
        Ok(f) => f as i64,
        Err(_) => 0,
    }
}

/// PHP 8's `$string < $int` (used by WordPress ≤ 6.7 on the raw expiration text): a numeric
/// string compares as a number; a non-numeric string compares with the integer's decimal
/// text as strings.
pub(crate) fn string_lt_int(s: &str, i: i64) -> bool {
    match numeric_value(s) {
        Some(Numeric::Int(v)) => v < i,
        Some(Numeric::Float(v)) => v < i as f64,
        None => s.as_bytes() < i.to_string().as_bytes(),
    }
}

/// PHP 8's `$string + $int` for the expiration grace arithmetic: a numeric (or leading-numeric,
/// with a warning) string is converted; integer overflow gives a float. A non-numeric string
/// (`"abc"`, `""`) makes PHP 8 throw `TypeError`: `None`.
pub(crate) fn string_plus_int(s: &str, i: i64) -> Option<Numeric> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    Some(match numeric_value(t).or_else(|| numeric_value(numeric_prefix(t)))? {
        Numeric::Int(v) => match v.checked_add(i) {
            Some(sum) => Numeric::Int(sum),
            None => Numeric::Float(v as f64 + i as f64),
        },
        Numeric::Float(v) => Numeric::Float(v + i as f64),
    })
}

/// A PHP number: integer or float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Numeric {
    Int(i64),
    Float(f64),
}

impl Numeric {
    /// `$this < $i` with PHP's int/float comparison.
    pub(crate) fn lt_int(self, i: i64) -> bool {
        match self {
            Numeric::Int(v) => v < i,
            Numeric::Float(v) => v < i as f64,
        }
    }
}

/// The value of a PHP 8 *numeric string* (optional leading and trailing whitespace, sign,
/// digits, fraction, exponent), or `None` for a non-numeric string.
pub(crate) fn numeric_value(s: &str) -> Option<Numeric> {
    const WS: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];
    let t = s.trim_start_matches(WS).trim_end_matches(WS);
    if t.is_empty() || numeric_prefix(t).len() != t.len() {
        return None;
    }
    let is_int = t.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+');
    if is_int && let Ok(v) = t.parse::<i64>() {
        return Some(Numeric::Int(v));
    }
    t.parse::<f64>().ok().map(Numeric::Float)
}

/// The longest prefix of `s` that PHP reads as a number: `[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`.
fn numeric_prefix(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if digits > 0 || j > frac_start {
            digits += j - frac_start;
            i = j;
        }
    }
    if digits == 0 {
        return "";
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    s.get(..i).unwrap_or_default()
}

/// PHP `gmdate('D, d M Y H:i:s \G\M\T', t)`: the date of `Set-Cookie` `expires` and of
/// HTTP headers.
pub(crate) fn gmdate_http(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    let month_name = usize::try_from(month.saturating_sub(1))
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("???");
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS.get(weekday).copied().unwrap_or("???"),
        day,
        month_name,
        year,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_zero_strings_are_falsy() {
        assert!(!is_truthy(""));
        assert!(!is_truthy("0"));
        assert!(is_truthy("00"));
        assert!(is_truthy(" "));
        assert!(is_truthy("0.0"));
    }

    #[test]
    fn trim_strips_phps_default_characters_but_not_form_feed() {
        assert_eq!(trim(b" \t\n\r\0\x0bx y\x0b\0"), b"x y");
        assert_eq!(trim(b"\x0cx\x0c"), b"\x0cx\x0c");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b""), b"");
    }

    #[test]
    fn loose_equality_compares_numeric_strings_as_numbers() {
        assert!(loose_eq(b"1", b" 1"));
        assert!(loose_eq(b"1", b"1 "));
        assert!(loose_eq(b"1", b"+1"));
        assert!(loose_eq(b"10", b"1e1"));
        assert!(loose_eq(b"1.0", b"1"));
        assert!(!loose_eq(b"abc", b"ABC"));
        assert!(loose_eq(b"abc", b"abc"));
        assert!(!loose_eq(b"1", b"1x"));
        // Both overflow to the same value: compared as text.
        assert!(!loose_eq(b"9223372036854775808", b" 9223372036854775808"));
        assert!(loose_eq(b"9223372036854775808", b"9223372036854775808"));
        // Both infinite: compared as text.
        assert!(!loose_eq(b"1e1000", b" 1e1000"));
        assert!(loose_eq(b"9223372036854775808", b"9.223372036854775808e18"));
        assert!(!loose_eq(b"9223372036854775807", b"9223372036854775808"));
    }

    #[test]
    fn int_cast_reads_numeric_prefixes_like_php() {
        assert_eq!(int_cast("abc"), 0);
        assert_eq!(int_cast("123abc"), 123);
        assert_eq!(int_cast("  42"), 42);
        assert_eq!(int_cast("-7"), -7);
        assert_eq!(int_cast("1e3"), 1000);
        assert_eq!(int_cast("1.9"), 1);
        assert_eq!(int_cast("99999999999999999999"), i64::MAX);
        assert_eq!(int_cast(""), 0);
        assert_eq!(int_cast("0x1A"), 0);
    }

    #[test]
    fn non_numeric_strings_compare_with_ints_as_text() {
        assert!(!string_lt_int("abc", 1_772_382_187));
        assert!(string_lt_int("123abc", 1_772_382_187));
        assert!(string_lt_int("1772382186", 1_772_382_187));
        assert!(!string_lt_int("1772382187", 1_772_382_187));
        assert!(!string_lt_int(" 1772382187 ", 1_772_382_187));
        assert!(string_lt_int("", 5));
    }

    #[test]
    fn arithmetic_on_non_numeric_strings_uses_the_numeric_prefix() {
        // Observed with PHP 8.2: "abc" + 3600 throws TypeError, "123abc" + 1 warns and gives 124.
        assert_eq!(string_plus_int("abc", 3600), None);
        assert_eq!(string_plus_int("", 1), None);
        assert_eq!(string_plus_int(" ", 1), None);
        assert_eq!(string_plus_int("100", 3600), Some(Numeric::Int(3700)));
        assert_eq!(string_plus_int("100abc", 3600), Some(Numeric::Int(3700)));
        assert_eq!(string_plus_int(" 1e3x", 1), Some(Numeric::Float(1001.0)));
        assert_eq!(string_plus_int("1.", 1), Some(Numeric::Float(2.0)));
        assert_eq!(string_plus_int("0x10", 1), Some(Numeric::Int(1)));
        assert_eq!(
            string_plus_int("9223372036854775807", 1),
            Some(Numeric::Float(9.223372036854776e18))
        );
    }
}
