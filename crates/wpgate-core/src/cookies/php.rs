//! The few PHP 8 comparison rules WordPress's cookie code depends on.
//!
//! `COOKIEPATH != SITECOOKIEPATH` and `$cookie == $settings` are loose comparisons of two
//! strings: when both are numeric strings PHP compares the numbers (`"10" == "1e1"`), otherwise
//! the bytes (`zendi_smart_str_equals`, Zend/zend_operators.c).

/// A PHP 8 numeric string's value (`is_numeric_string_ex` without errors allowed).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Numeric {
    Int(i64),
    /// A float, with the sign of an integer-looking string that overflowed `i64` (else 0).
    Float(f64, i8),
}

/// PHP 8 `$a == $b` for two strings.
pub(crate) fn loose_eq(a: &[u8], b: &[u8]) -> bool {
    let (Some(x), Some(y)) = (numeric(a), numeric(b)) else {
        return a == b;
    };
    let (fx, ox) = as_float(x);
    let (fy, oy) = as_float(y);
    // Both integers overflowed to the same side and look equal as floats: compare the text.
    if ox != 0 && ox == oy && fx - fy == 0.0 {
        return a == b;
    }
    match (x, y) {
        (Numeric::Int(i), Numeric::Int(j)) => i == j,
        (Numeric::Int(i), Numeric::Float(f, o)) | (Numeric::Float(f, o), Numeric::Int(i)) => {
            o == 0 && i as f64 == f
        }
        (Numeric::Float(f, _), Numeric::Float(g, _)) => {
            if f == g && !f.is_finite() {
                a == b
            } else {
                f == g
            }
        }
    }
}

/// PHP 8 `$s > $n` for a string `s` and an integer `n` (`compare_longs_to_string`).
pub(crate) fn string_greater_than_int(s: &[u8], n: i64) -> bool {
    match numeric(s) {
        Some(Numeric::Int(i)) => i > n,
        Some(Numeric::Float(f, _)) => f > n as f64,
        // A non-numeric string is compared with the integer's decimal text.
        None => s > n.to_string().as_bytes(),
    }
}

fn as_float(n: Numeric) -> (f64, i8) {
    match n {
        Numeric::Int(i) => (i as f64, 0),
        Numeric::Float(f, o) => (f, o),
    }
}

/// Leading and trailing whitespace allowed (PHP 8), optional sign, decimal digits with an
/// optional `.` and exponent. Anything else (hex, `inf`, trailing text) is not numeric.
fn numeric(s: &[u8]) -> Option<Numeric> {
    let is_ws = |b: &u8| matches!(*b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = s.iter().position(|b| !is_ws(b))?;
    let end = s.iter().rposition(|b| !is_ws(b))?.saturating_add(1);
    let body = s.get(start..end)?;
    let unsigned = body.strip_prefix(b"+").or_else(|| body.strip_prefix(b"-"));
    let digits_part = unsigned.unwrap_or(body);

    let mut i = 0;
    let int_digits = count_digits(digits_part, 0);
    i += int_digits;
    let mut is_float = false;
    let mut frac_digits = 0;
    if digits_part.get(i) == Some(&b'.') {
        is_float = true;
        frac_digits = count_digits(digits_part, i + 1);
        i += 1 + frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(digits_part.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(digits_part.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = count_digits(digits_part, j);
        if exp_digits == 0 {
            return None;
        }
        is_float = true;
        i = j + exp_digits;
    }
    if i != digits_part.len() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    if !is_float {
        if let Ok(v) = text.parse::<i64>() {
            return Some(Numeric::Int(v));
        }
        let sign = if body.first() == Some(&b'-') { -1 } else { 1 };
        return Some(Numeric::Float(text.parse().ok()?, sign));
    }
    Some(Numeric::Float(text.parse().ok()?, 0))
}

fn count_digits(s: &[u8], from: usize) -> usize {
    s.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_strings_compare_as_numbers() {
        assert!(loose_eq(b"10", b"1e1"));
        assert!(loose_eq(b"010", b"10"));
        assert!(loose_eq(b" 1", b"1.0 "));
        assert!(loose_eq(b"abc", b"abc"));
        assert!(!loose_eq(b"abc", b"ABC"));
        assert!(!loose_eq(b"1e", b"1"));
        assert!(!loose_eq(b"", b"0"));
        assert!(!loose_eq(b"/", b"/wordpress/"));
        assert!(!loose_eq(b"0x1A", b"26"));
    }

    #[test]
    fn overflowing_integers_fall_back_to_text() {
        assert!(!loose_eq(b"9223372036854775808", b"9223372036854775809"));
        assert!(loose_eq(b"9223372036854775808", b"9223372036854775808"));
        assert!(!loose_eq(b"9223372036854775808", b"9223372036854775807"));
    }

    #[test]
    fn string_versus_int_follows_php8() {
        assert!(string_greater_than_int(b"1772382177", 1_772_381_187));
        assert!(!string_greater_than_int(b"123", 1_772_381_187));
        assert!(!string_greater_than_int(b"", 0));
        assert!(!string_greater_than_int(b"", 5));
        assert!(string_greater_than_int(b"99999999999999999999", i64::MAX - 1024));
        assert!(string_greater_than_int(b"007", 6));
    }
}
