//! Float text as `serialize()` writes it (`serialize_precision = -1`) and as `unserialize()`
//! reads it.
//!
//! PHP prints the shortest decimal string that reads back as the same double (ties broken
//! towards the even digit, which `ryu` does and Rust's `{}` does not), then lays it out with
//! `zend_gcvt`'s rule: with the digits `D` and decimal point position `P` (value = `0.D ×
//! 10^P`), exponential form `d.dddE±x` when `P > 17` or `P < -3`, plain decimal otherwise,
//! no trailing `.0` for integral values, `-0`, `INF`, `-INF`, `NAN`.

/// Appends PHP's `serialize()` text for `v` (the part between `d:` and `;`).
pub(crate) fn write_float(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"NAN");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-INF" } else { b"INF" });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    let (neg, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut buf = [0_u8; 32];
    let (digits, point) = shortest_digits(text, &mut buf);
    if neg {
        out.push(b'-');
    }
    layout(digits, point, out);
}

/// Splits ryu's text (`"1.5e-7"`, `"0.001"`, `"123.0"`) into significant digits without
/// leading or trailing zeros (written to `buf`: ryu prints at most 17 of them) and the
/// decimal point position `P` (value = `0.D × 10^P`).
fn shortest_digits<'b>(text: &[u8], buf: &'b mut [u8; 32]) -> (&'b [u8], i32) {
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(e) => {
            let (m, rest) = text.split_at(e);
            let exp = std::str::from_utf8(rest.get(1..).unwrap_or_default())
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
                .unwrap_or(0);
            (m, exp)
        }
        None => (text, 0),
    };
    let int_len = mantissa.iter().position(|&b| b == b'.').unwrap_or(mantissa.len());
    let mut point = i32::try_from(int_len).unwrap_or(0) + exp;
    let mut len = 0;
    for &d in mantissa.iter().filter(|d| d.is_ascii_digit()) {
        if len == 0 && d == b'0' {
            // A leading zero: the point moves instead.
            point -= 1;
            continue;
        }
        if let Some(slot) = buf.get_mut(len) {
            *slot = d;
            len += 1;
        }
    }
    let mut digits = buf.get(..len).unwrap_or_default();
    while let Some((&b'0', rest)) = digits.split_last() {
        digits = rest;
    }
    (digits, point)
}

/// `zend_gcvt(value, 17, '.', 'E')` layout of the digits.
fn layout(digits: &[u8], point: i32, out: &mut Vec<u8>) {
    let Some((&first, rest)) = digits.split_first() else {
        out.push(b'0');
        return;
    };
    if !(-3..=17).contains(&point) {
        out.push(first);
        out.push(b'.');
        if rest.is_empty() {
            out.push(b'0');
        } else {
            out.extend_from_slice(rest);
        }
        out.push(b'E');
        let exp = point - 1;
        out.push(if exp < 0 { b'-' } else { b'+' });
        out.extend_from_slice(exp.unsigned_abs().to_string().as_bytes());
    } else if point > 0 {
        let int_len = usize::try_from(point).unwrap_or(0);
        if digits.len() <= int_len {
            out.extend_from_slice(digits);
            out.resize(out.len() + (int_len - digits.len()), b'0');
        } else {
            let (int_part, frac) = digits.split_at(int_len);
            out.extend_from_slice(int_part);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + usize::try_from(-point).unwrap_or(0), b'0');
        out.extend_from_slice(digits);
    }
}

/// Parses the text of a `d:` value as `unserialize()` accepts it: `NAN`, `INF`, `-INF`
/// (exact case, no `+`), or `[+-]? (digits | digits? "." digits | digits "." digits?)` with an
/// optional `[eE][+-]?digits` exponent. `None` when the text is not of that form.
pub(crate) fn parse_float(text: &[u8]) -> Option<f64> {
    match text {
        b"NAN" => return Some(f64::NAN),
        b"INF" => return Some(f64::INFINITY),
        b"-INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if !is_php_number(text) {
        return None;
    }
    // The grammar is a subset of Rust's float syntax, and both round correctly
    // (zend_strtod is David Gay's strtod), so the values agree bit for bit.
    std::str::from_utf8(text).ok()?.parse::<f64>().ok()
}

/// The re2c rules `iv | nv | nvexp` of `var_unserializer.re`.
fn is_php_number(text: &[u8]) -> bool {
    let mut rest = text;
    if let Some((b'+' | b'-', r)) = rest.split_first() {
        rest = r;
    }
    let int_digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    rest = rest.get(int_digits..).unwrap_or_default();
    let mut frac_digits = 0;
    let mut has_point = false;
    if let Some((b'.', r)) = rest.split_first() {
        has_point = true;
        frac_digits = r.iter().take_while(|b| b.is_ascii_digit()).count();
        rest = r.get(frac_digits..).unwrap_or_default();
    }
    let mantissa_ok = if has_point { int_digits + frac_digits > 0 } else { int_digits > 0 };
    if !mantissa_ok {
        return false;
    }
    match rest.split_first() {
        None => true,
        Some((b'e' | b'E', r)) => {
            let r = match r.split_first() {
                Some((b'+' | b'-', r2)) => r2,
                _ => r,
            };
            !r.is_empty() && r.iter().all(u8::is_ascii_digit)
        }
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut out = Vec::new();
        write_float(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn layout_matches_php() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-2.5, "-2.5"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1e17, "1.0E+17"),
            (1e100, "1.0E+100"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (-1.5e-7, "-1.5E-7"),
            (f64::MAX, "1.7976931348623157E+308"),
            (5e-324, "5.0E-324"),
            (f64::EPSILON, "2.220446049250313E-16"),
            // Exactly halfway between two shortest candidates: PHP picks the even digit.
            (562_949_953_421_312.2, "562949953421312.2"),
            (1_125_899_906_842_624.8, "1125899906842624.8"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NAN"),
            (123456.0, "123456"),
        ];
        for &(v, want) in cases {
            assert_eq!(text(v), want, "{v:e}");
        }
    }

    #[test]
    fn reader_accepts_php_forms_only() {
        for (t, v) in [
            ("0.5", 0.5),
            (".5", 0.5_f64),
            ("1.", 1.0),
            ("1e5", 1e5),
            ("1E+5", 1e5),
            ("+3", 3.0),
            ("-0", -0.0),
            ("1.0E-5", 1e-5),
        ] {
            assert_eq!(parse_float(t.as_bytes()).map(f64::to_bits), Some(v.to_bits()), "{t}");
        }
        assert_eq!(parse_float(b"1e999"), Some(f64::INFINITY));
        for t in [
            "+INF", "inf", "-NAN", "1,5", "e5", ".", "", "1e", "1e+", "0x10", " 1", "1 ", "nan",
            "infinity", "1.5.5",
        ] {
            assert_eq!(parse_float(t.as_bytes()), None, "{t}");
        }
    }
}
