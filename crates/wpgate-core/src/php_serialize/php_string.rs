//! [`PhpString`]: the byte strings of the value model, short ones kept inline.
//!
//! PHP strings are bytes, not UTF-8, and most of those in sessions and options are short:
//! array keys (`user_id`, `roles`), class and property names, small values. Storing up to 16
//! bytes inside the value itself means `unserialize()` allocates nothing for them; longer
//! strings live on the heap like a `Vec<u8>`. A `PhpString` is as big as a `Vec<u8>`
//! (24 bytes on 64-bit targets): a [`Value`](super::Value) stays 32 bytes, a
//! [`Key`](super::Key) takes 32 (a `Vec`'s capacity had spare values to hold `Key`'s tag).
//!
//! It reads like a byte slice (`Deref<Target = [u8]>`), compares with byte strings and `str`,
//! and converts from and into the usual owned and borrowed byte types.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use smallvec::SmallVec;

use super::value::Bytes;

/// A PHP string: bytes (not UTF-8), kept inline up to 16 bytes so that short keys and
/// values cost no allocation.
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::PhpString;
/// let s = PhpString::from("user_id");
/// assert_eq!(s, "user_id");
/// assert_eq!(s, b"user_id");
/// assert_eq!(s.as_str(), Some("user_id"));
/// assert_eq!(s.len(), 7);
/// assert_eq!(format!("{s:?}"), r#""user_id""#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhpString(SmallVec<[u8; 16]>);

impl PhpString {
    /// An empty string.
    pub fn new() -> Self {
        PhpString(SmallVec::new())
    }

    /// An empty string with room for `capacity` bytes (inline up to 16).
    pub fn with_capacity(capacity: usize) -> Self {
        PhpString(SmallVec::with_capacity(capacity))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The string, if its bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The bytes as a `Vec<u8>` (no copy if they were on the heap).
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_vec()
    }

    /// Appends a byte.
    pub fn push(&mut self, byte: u8) {
        self.0.push(byte);
    }

    /// Appends bytes.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// The `len` bytes of `input` at `at` (`None` when out of range), for the parser.
    ///
    /// A short string is made from one fixed 16-byte window of the input when the input
    /// extends that far (it always does but at the very end): no length-dependent copy, no
    /// library call, built in registers and stored once. `perf` showed the generic
    /// `extend_from_slice` path (a zero-length `memmove` and a `memcpy` per string) at about
    /// an eighth of `unserialize()`.
    #[inline(always)]
    pub(crate) fn from_input(input: &[u8], at: usize, len: usize) -> Option<PhpString> {
        const INLINE: usize = 16;
        if len <= INLINE
            && let Some(window) = input.get(at..at.checked_add(INLINE)?)
            && let Ok(buf) = <[u8; INLINE]>::try_from(window)
        {
            // The bytes after `len` are ignored: a SmallVec only ever reads its first `len`.
            return Some(PhpString(SmallVec::from_buf_and_len(buf, len)));
        }
        input.get(at..at.checked_add(len)?).map(|b| PhpString(SmallVec::from_slice(b)))
    }

    /// Whether the bytes are stored inline (no allocation).
    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        !self.0.spilled()
    }
}

impl Deref for PhpString {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for PhpString {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<[u8]> for PhpString {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for PhpString {
    /// As a quoted literal: printable ASCII as is, everything else `\xHH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Bytes(self.as_bytes()).fmt(f)
    }
}

impl From<Vec<u8>> for PhpString {
    /// Keeps the vector's heap buffer unless it fits inline.
    fn from(v: Vec<u8>) -> Self {
        PhpString(SmallVec::from_vec(v))
    }
}

impl From<&[u8]> for PhpString {
    fn from(s: &[u8]) -> Self {
        PhpString(SmallVec::from_slice(s))
    }
}

impl<const N: usize> From<&[u8; N]> for PhpString {
    fn from(s: &[u8; N]) -> Self {
        PhpString::from(s.as_slice())
    }
}

impl<const N: usize> From<[u8; N]> for PhpString {
    fn from(s: [u8; N]) -> Self {
        PhpString::from(s.as_slice())
    }
}

impl From<&str> for PhpString {
    fn from(s: &str) -> Self {
        PhpString::from(s.as_bytes())
    }
}

impl From<String> for PhpString {
    fn from(s: String) -> Self {
        PhpString::from(s.into_bytes())
    }
}

impl From<PhpString> for Vec<u8> {
    fn from(s: PhpString) -> Self {
        s.into_vec()
    }
}

impl FromIterator<u8> for PhpString {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
        PhpString(iter.into_iter().collect())
    }
}

impl Extend<u8> for PhpString {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// `PhpString == other` and `other == PhpString`, both comparing bytes.
macro_rules! eq_bytes {
    ($([$($g:tt)*] $other:ty;)*) => {$(
        impl<$($g)*> PartialEq<$other> for PhpString {
            fn eq(&self, other: &$other) -> bool {
                self.as_bytes() == AsRef::<[u8]>::as_ref(other)
            }
        }
        impl<$($g)*> PartialEq<PhpString> for $other {
            fn eq(&self, other: &PhpString) -> bool {
                AsRef::<[u8]>::as_ref(self) == other.as_bytes()
            }
        }
    )*};
}

eq_bytes! {
    [] [u8];
    ['a] &'a [u8];
    [] Vec<u8>;
    [] str;
    ['a] &'a str;
    [const N: usize] [u8; N];
    ['a, const N: usize] &'a [u8; N];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_input_copies_exactly_the_range_wherever_it_lies() {
        let input = b"s:3:\"abc\";s:20:\"0123456789abcdefghij\";x";
        for at in 0..input.len() {
            for len in 0..=input.len() - at {
                let s = PhpString::from_input(input, at, len).unwrap();
                assert_eq!(s.as_bytes(), &input[at..at + len], "at {at}, len {len}");
                assert_eq!(s.is_inline(), len <= 16);
                // Bytes of the window beyond `len` never show, in comparisons either.
                assert_eq!(s, PhpString::from(&input[at..at + len]));
            }
        }
        assert!(PhpString::from_input(input, input.len(), 1).is_none());
        assert!(PhpString::from_input(input, usize::MAX, 2).is_none());
    }

    #[test]
    fn short_strings_are_inline_and_long_ones_keep_their_buffer() {
        assert!(PhpString::from("0123456789abcdef").is_inline());
        assert!(!PhpString::from("0123456789abcdefg").is_inline());
        let long = b"a string longer than sixteen bytes".to_vec();
        let ptr = long.as_ptr();
        let s = PhpString::from(long);
        assert_eq!(s.as_ptr(), ptr);
        let v = s.into_vec();
        assert_eq!(v.as_ptr(), ptr);
    }

    #[test]
    fn compares_and_converts_like_bytes() {
        let s = PhpString::from(b"ab\0c");
        assert_eq!(s, b"ab\0c");
        assert_eq!(b"ab\0c", s);
        assert_eq!(s, *b"ab\0c");
        assert_eq!(s, b"ab\0c".as_slice());
        assert_eq!(s, b"ab\0c".to_vec());
        assert_eq!(b"ab\0c".to_vec(), s);
        assert_eq!(s, "ab\0c");
        assert_eq!("ab\0c", s);
        assert_eq!(s.as_str(), Some("ab\0c"));
        assert_eq!(PhpString::from(b"\xff").as_str(), None);
        assert_eq!(format!("{s:?}"), r#""ab\x00c""#);
        assert_eq!(Vec::from(s.clone()), b"ab\0c");
        assert_eq!(s.iter().copied().collect::<PhpString>(), s);
        let mut t = PhpString::with_capacity(4);
        t.push(b'a');
        t.extend_from_slice(b"b\0c");
        assert_eq!(t, s);
        let (a, b) = (PhpString::from("a"), PhpString::from("b"));
        assert!(a < b);
        assert!(PhpString::new().is_empty());
    }

    #[test]
    fn hashes_like_its_bytes() {
        use std::collections::HashSet;
        let set: HashSet<PhpString> = [PhpString::from("k")].into_iter().collect();
        assert!(set.contains(b"k".as_slice()));
    }
}
