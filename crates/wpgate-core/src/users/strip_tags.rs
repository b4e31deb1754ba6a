//! `wp_strip_all_tags()` (wp-includes/formatting.php) and the PHP `strip_tags()` it relies on
//! (`php_strip_tags_ex()`, ext/standard/string.c).
//!
//! PHP's `strip_tags()` is not an HTML parser but a small byte-level state machine: outside a
//! tag it copies bytes (dropping NUL); `<` opens a tag unless the next byte is C `isspace()`;
//! inside a tag quotes hide `>`, nested `<` must be closed by their own `>`, `<!--` runs to
//! `-->`, `<!…>` (also `<!DOCTYPE …>`) to the next unquoted `>`, and `<?…?>` is a PHP block that
//! counts parentheses and turns back into a tag for `<?xml`. Input that ends inside a tag loses
//! everything from the `<`. The port below keeps PHP's states, variables and tests one for one
//! so it can be compared with the C source.

use super::PhpText;
use crate::php;

/// Removes HTML tags as WordPress does: `<script>` and `<style>` elements with their content,
/// then every tag and comment (PHP's `strip_tags()`), then `trim()`. With `remove_breaks`, runs
/// of `\r`, `\n`, `\t` and space become one space (before the trim).
///
/// # Examples
/// ```
/// use wpgate_core::users::strip_all_tags;
///
/// assert_eq!(strip_all_tags("<b>bob</b><script>x()</script> ", false), "bob");
/// assert_eq!(strip_all_tags("a < b", false), "a < b");
/// assert_eq!(strip_all_tags("<p>one</p>\n\n<p>two</p>", true), "one two");
/// ```
#[doc(alias = "wp_strip_all_tags")]
pub fn strip_all_tags<S: PhpText + ?Sized>(text: &S, remove_breaks: bool) -> S::Owned {
    let text = remove_script_and_style(text.php_bytes());
    let mut text = strip_tags_bytes(&text);
    if remove_breaks {
        text = collapse_breaks(&text);
    }
    S::from_php_bytes(php::trim(&text).to_vec())
}

/// PHP's `strip_tags($text)` with no allowed tags.
///
/// # Examples
/// ```
/// use wpgate_core::users::strip_tags;
///
/// assert_eq!(strip_tags("x<!-- a > b -->y<a href='>'>z</a>"), "xyz");
/// assert_eq!(strip_tags("<?php echo '?>'; ?>after"), "after");
/// assert_eq!(strip_tags("a <b"), "a ");
/// ```
pub fn strip_tags<S: PhpText + ?Sized>(text: &S) -> S::Owned {
    S::from_php_bytes(strip_tags_bytes(text.php_bytes()))
}

/// `preg_replace('@<(script|style)[^>]*?>.*?</\1>@si', '', $text)`.
///
/// At each `<script`/`<style` (ASCII case-insensitive) the element runs to the first `>` and
/// then to the first closing `</script>`/`</style>` after it, whatever the case; an element
/// with no closing tag is left alone (for `strip_tags()` to handle).
fn remove_script_and_style(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'<'
            && let Some(end) = element_end(s, i)
        {
            i = end;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The end (exclusive) of a `<script…>…</script>` or `<style…>…</style>` element starting at
/// `start`, if one is there.
fn element_end(s: &[u8], start: usize) -> Option<usize> {
    let rest = s.get(start + 1..)?;
    let name: &[u8] = [&b"script"[..], &b"style"[..]]
        .into_iter()
        .find(|name| rest.get(..name.len()).is_some_and(|r| r.eq_ignore_ascii_case(name)))?;
    // `[^>]*?>`: the first `>` after the name ends the opening tag.
    let after_name = start + 1 + name.len();
    let open_end = after_name + s.get(after_name..)?.iter().position(|&c| c == b'>')? + 1;
    // `.*?</\1>` with `s` and `i`: the first closing tag, in any case, across newlines.
    let closing_len = name.len() + 3;
    let body = s.get(open_end..)?;
    let close = body.windows(closing_len).position(|w| {
        w.first() == Some(&b'<')
            && w.get(1) == Some(&b'/')
            && w.get(2..2 + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name))
            && w.last() == Some(&b'>')
    })?;
    Some(open_end + close + closing_len)
}

/// `preg_replace('/[\r\n\t ]+/', ' ', $text)`.
fn collapse_breaks(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut in_run = false;
    for &b in s {
        if matches!(b, b'\r' | b'\n' | b'\t' | b' ') {
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

/// The states of `php_strip_tags_ex()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// 0: outside tags, copying.
    Text,
    /// 1: inside an HTML tag.
    Tag,
    /// 2: inside a `<?…?>` block.
    Php,
    /// 3: inside `<!…>`.
    Bang,
    /// 4: inside `<!--…-->`.
    Comment,
}

/// `php_strip_tags_ex($buf, $len, NULL, 0, false)`.
///
/// `lc` is the last significant character, `br` the parenthesis depth of a PHP block, `depth`
/// the count of `<` opened inside a tag, `in_q` the open quote (0 for none). As in C, reading
/// one past the end yields the terminating NUL.
fn strip_tags_bytes(buf: &[u8]) -> Vec<u8> {
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    // `*(p - k)` for the current position p, when p >= k.
    let back = |p: usize, k: usize| p.checked_sub(k).map(at);

    let mut out = Vec::with_capacity(buf.len());
    let mut state = State::Text;
    let mut lc: u8 = 0;
    let mut br: i64 = 0;
    let mut depth: u64 = 0;
    let mut in_q: u8 = 0;
    let mut is_xml = false;
    let mut p = 0;

    while p < buf.len() {
        let c = at(p);
        match state {
            State::Text => match c {
                0 => {}
                // `in_q` is always 0 here (every way back to this state clears it), but PHP
                // tests it, so the port does too.
                b'<' if in_q != 0 => {}
                b'<' if is_c_space(at(p + 1)) => out.push(c),
                b'<' => {
                    lc = b'<';
                    state = State::Tag;
                }
                // A comment ends without looking at `depth`, so `<a<!-- -->>` leaves one `>`
                // to swallow out here.
                b'>' if depth > 0 => depth -= 1,
                b'>' if in_q != 0 => {}
                _ => out.push(c),
            },
            State::Tag => match c {
                0 => {}
                b'<' if in_q == 0 && !is_c_space(at(p + 1)) => {
                    depth += 1;
                }
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_q == 0 {
                        lc = b'>';
                        if !(is_xml && back(p, 1) == Some(b'-')) {
                            in_q = 0;
                            is_xml = false;
                            state = State::Text;
                        }
                    }
                }
                b'"' | b'\'' if p != 0 && (in_q == 0 || c == in_q) => {
                    in_q = if in_q != 0 { 0 } else { c };
                }
                b'!' if back(p, 1) == Some(b'<') => {
                    state = State::Bang;
                    lc = c;
                }
                b'?' if back(p, 1) == Some(b'<') => {
                    br = 0;
                    state = State::Php;
                }
                _ => {}
            },
            State::Php => match c {
                b'(' if lc != b'"' && lc != b'\'' => {
                    lc = b'(';
                    br += 1;
                }
                b')' if lc != b'"' && lc != b'\'' => {
                    lc = b')';
                    br -= 1;
                }
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_q == 0 && br == 0 && lc != b'"' && back(p, 1) == Some(b'?') {
                        in_q = 0;
                        state = State::Text;
                    }
                }
                b'"' | b'\'' if back(p, 1).is_some_and(|prev| prev != b'\\') => {
                    if lc == c {
                        lc = 0;
                    } else if lc != b'\\' {
                        lc = c;
                    }
                    if p != 0 && (in_q == 0 || c == in_q) {
                        in_q = if in_q != 0 { 0 } else { c };
                    }
                }
                b'l' | b'L' => {
                    // `<?xml` is not PHP: back to an HTML tag.
                    let xml = p > 4
                        && matches!(back(p, 1), Some(b'm' | b'M'))
                        && matches!(back(p, 2), Some(b'x' | b'X'))
                        && back(p, 3) == Some(b'?')
                        && back(p, 4) == Some(b'<');
                    if xml {
                        state = State::Tag;
                        is_xml = true;
                    }
                }
                _ => {}
            },
            State::Bang => match c {
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_q == 0 {
                        state = State::Text;
                    }
                }
                b'"' | b'\'' if p != 0 && back(p, 1) != Some(b'\\') && (in_q == 0 || c == in_q) => {
                    in_q = if in_q != 0 { 0 } else { c };
                }
                b'-' if back(p, 1) == Some(b'-') && back(p, 2) == Some(b'!') => {
                    state = State::Comment;
                }
                b'E' | b'e' => {
                    // `<!DOCTYPE` is read as an ordinary tag.
                    let doctype = p > 6
                        && b"pytcod".iter().enumerate().all(|(k, &ch)| {
                            back(p, k + 1).is_some_and(|prev| prev.eq_ignore_ascii_case(&ch))
                        });
                    if doctype {
                        state = State::Tag;
                    }
                }
                _ => {}
            },
            State::Comment => {
                if c == b'>' && in_q == 0 && back(p, 1) == Some(b'-') && back(p, 2) == Some(b'-') {
                    in_q = 0;
                    state = State::Text;
                }
            }
        }
        p += 1;
    }
    out
}

/// C's `isspace()` in the C locale (PHP passes a possibly negative `char`; bytes above 0x7F
/// are never spaces there).
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn script_and_style_elements_go_with_their_content() {
        assert_eq!(strip_all_tags("<script>alert(1)</script>x", false), "x");
        assert_eq!(strip_all_tags("<SCRIPT a>x</script>y", false), "y");
        // `</script >` is not a closing tag for the regex: only the tags go.
        assert_eq!(strip_all_tags("<script>x</script >y", false), "xy");
        assert_eq!(strip_all_tags("<style>a</script>b</style>c", false), "c");
        assert_eq!(strip_all_tags("<scripts>a</script>b", false), "b");
        // No closing tag: strip_tags() removes the tag only.
        assert_eq!(strip_all_tags("<script>a", false), "a");
    }

    #[test]
    fn less_than_followed_by_whitespace_is_text() {
        assert_eq!(strip_tags("a < b > c"), "a < b > c");
        assert_eq!(strip_tags("a <\x0bb"), "a <\x0bb");
        assert_eq!(strip_tags(b"a<\xa0b>c"), b"ac");
    }

    #[test]
    fn quotes_inside_tags_hide_the_closing_bracket() {
        assert_eq!(strip_tags("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(strip_tags("<a b='c\"d'>e"), "e");
    }

    #[test]
    fn comments_run_to_the_double_dash_bracket() {
        assert_eq!(strip_tags("x<!-- a > b -->y"), "xy");
        // The dashes of `<!--` count towards the closing `-->`.
        assert_eq!(strip_tags("x<!-->y"), "xy");
        assert_eq!(strip_tags("x<!-- -> > y"), "x");
        assert_eq!(strip_tags("x<!---->y"), "xy");
    }

    #[test]
    fn nested_brackets_and_nul_bytes() {
        assert_eq!(strip_tags("<a<b>c>d"), "d");
        assert_eq!(strip_tags("<a<!-- -->>b>c"), "b>c");
        assert_eq!(strip_tags("a\0b"), "ab");
        assert_eq!(strip_tags("x<"), "x");
    }

    #[test]
    fn php_blocks_count_parentheses_and_xml_is_a_tag() {
        assert_eq!(strip_tags("<?php ('?>') ?>z"), "z");
        assert_eq!(strip_tags("<?xml version=\"1.0\"?>z"), "z");
    }

    #[test]
    fn remove_breaks_collapses_before_trimming() {
        assert_eq!(strip_all_tags(" a\r\n\tb  c ", true), "a b c");
        assert_eq!(strip_all_tags("\x0ba\x0b", true), "a");
        assert_eq!(strip_all_tags("\x0ca\x0c", true), "\x0ca\x0c");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..128),
                                       breaks: bool) {
            let _ = strip_all_tags(&input[..], breaks);
        }
    }
}
