//! WordPress's own helpers around PHP serialization (wp-includes/functions.php).

use super::{Value, unserialize};

/// WordPress's `maybe_unserialize()`: the value PHP's `unserialize(trim($data))` gives when
/// `is_serialized($data)` says yes, else `None` (the data is then a plain string to WordPress).
pub fn maybe_unserialize(data: &[u8]) -> Option<Value> {
    let data = crate::php::trim(data);
    if !is_serialized(data) {
        return None;
    }
    // PHP's unserialize() ignores bytes after the value; so does this reader by default.
    unserialize(data).ok()
}

/// WordPress's `is_serialized($data, true)` (wp-includes/functions.php) on trimmed data.
pub fn is_serialized(data: &[u8]) -> bool {
    if data == b"N;" {
        return true;
    }
    let (Some(&token), Some(b':'), Some(&last)) = (data.first(), data.get(1), data.last()) else {
        return false;
    };
    if data.len() < 4 || (last != b';' && last != b'}') {
        return false;
    }
    let rest = data.get(2..).unwrap_or_default();
    // `/^{$token}:[0-9]+:/`
    let length_then_colon = || {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && rest.get(digits) == Some(&b':')
    };
    match token {
        b's' => data.len() >= 2 && data.get(data.len() - 2) == Some(&b'"') && length_then_colon(),
        b'a' | b'O' | b'E' => length_then_colon(),
        // `/^{$token}:[0-9.E+-]+;$/`
        b'b' | b'i' | b'd' => match rest.split_last() {
            Some((b';', number)) => {
                !number.is_empty()
                    && number.iter().all(|b| b.is_ascii_digit() || b".E+-".contains(b))
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_serialized_follows_wordpress() {
        for yes in [
            &b"N;"[..],
            b"b:1;",
            b"i:-5;",
            b"d:1.5E+3;",
            br#"s:1:"a";"#,
            b"a:0:{}",
            b"O:8:\"stdClass\":0:{}",
        ] {
            assert!(is_serialized(yes), "{:?}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b""[..],
            b"abc",
            b"a:1",
            b"a:x:{}",
            br#"a:1:{s:1:"a";b:1;}junk"#,
            b"i:5",
            b"i:;",
            b"S:1:\"a\";",
            br#"s:1:"a;"#,
        ] {
            assert!(!is_serialized(no), "{:?}", String::from_utf8_lossy(no));
        }
        assert!(maybe_unserialize(b" a:0:{}\n").is_some());
        assert!(maybe_unserialize(b"a:0:{}junk").is_none());
    }
}
