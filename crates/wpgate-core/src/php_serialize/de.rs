//! The reader: `unserialize()` (ext/standard/var_unserializer.re) over a byte slice.
//!
//! A hand-written, non-recursive parser: containers live on an explicit stack, so hostile
//! nesting cannot overflow the Rust stack, and the depth limit is PHP's
//! `unserialize_max_depth` (4096). Declared lengths are checked against the remaining input
//! before anything is allocated; element counts are checked like PHP's
//! `IS_FAKE_ELEM_COUNT` and never size an allocation beyond what the input could hold.
//!
//! The result is what PHP would hold after `unserialize()`: numeric string keys become integer
//! keys, a repeated key keeps its first position with the last value, and when references
//! are involved the value is renumbered exactly as `serialize()` would write it back (see
//! `canon.rs`). PHP's own output reads back unchanged.

use std::collections::{HashMap, HashSet};

use thiserror::Error;

use super::canon::{self, CanonError, RootMode};
use super::class::{ClassTable, PhpClass};
use super::float::parse_float;
use super::php_string::PhpString;
use super::value::{Custom, EnumCase, Key, KeyRef, Object, Value, numeric_key};

/// PHP's default `unserialize_max_depth`.
pub const DEFAULT_MAX_DEPTH: usize = 4096;

/// Slots whose kind is recorded up front (more grow as needed).
const OBJECTISH_PREALLOC: usize = 1024;

/// PHP's `HT_MAX_SIZE` on 64-bit builds: larger element counts are refused up front.
const HT_MAX_SIZE: i64 = 0x4000_0000;

/// Reads PHP's `serialize()` format.
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::{unserialize, Value};
/// let v = unserialize(br#"a:1:{s:4:"name";s:3:"Ann";}"#).unwrap();
/// assert_eq!(v.get("name").and_then(Value::as_str), Some("Ann"));
/// assert!(unserialize(b"s:5:\"abc\";").is_err());
/// ```
///
/// # Errors
/// [`UnserializeError`] with the byte offset of the first thing PHP would reject.
pub fn unserialize(input: &[u8]) -> Result<Value, UnserializeError> {
    Unserializer::new().unserialize(input)
}

/// A configured reader: depth limit, class knowledge, trailing bytes.
#[derive(Clone, Copy, Debug)]
pub struct Unserializer<'c> {
    pub(crate) max_depth: usize,
    pub(crate) classes: Option<&'c ClassTable>,
    allow_trailing_bytes: bool,
}

/// Why and where the input was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at offset {offset}")]
#[non_exhaustive]
pub struct UnserializeError {
    /// Byte offset into the input.
    pub offset: usize,
    /// What was wrong there.
    pub kind: UnserializeErrorKind,
}

/// What was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UnserializeErrorKind {
    /// The input ended inside a value (or was empty).
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// A byte that does not start any value.
    #[error("unknown type tag")]
    UnknownTag,
    /// A `}` where a value was expected: the count was too high.
    #[error("unexpected end of serialized data")]
    UnexpectedCloseBrace,
    /// A delimiter (`;`, `:`, `"`, `{`, `}`) was missing.
    #[error("expected {0:?}")]
    Expected(char),
    /// `b:` with something other than `0` or `1`.
    #[error("invalid boolean")]
    InvalidBool,
    /// `i:` without a decimal integer.
    #[error("invalid integer")]
    InvalidInt,
    /// `d:` with text PHP does not read as a float.
    #[error("invalid float")]
    InvalidFloat,
    /// A missing, malformed or oversized length or count.
    #[error("invalid length or count")]
    InvalidLength,
    /// An element count larger than the rest of the input could hold.
    #[error("element count larger than the input")]
    CountTooLarge,
    /// A bad `\xx` escape in an `S:` string.
    #[error("invalid escape in S: string")]
    InvalidEscape,
    /// An array or object key that is not `i:` or `s:`.
    #[error("invalid array key")]
    InvalidKey,
    /// An empty class name or one with characters outside `[A-Za-z0-9_\x80-\xff\\]`.
    #[error("invalid class name")]
    InvalidClassName,
    /// `O:` for a class that only implements `Serializable`, or `O:`/`C:` for an enum.
    #[error("class cannot be unserialized from this form")]
    WrongObjectForm,
    /// `E:` without a colon, with an empty or invalid case name, for a class that is not
    /// an enum, or for an unknown class or case.
    #[error("invalid enum case")]
    InvalidEnum,
    /// `R:`/`r:` to slot 0, to a slot not seen yet, or `r:` to something not an object.
    #[error("invalid back-reference")]
    InvalidReference,
    /// A reference to a value that a repeated key later overwrote. PHP accepts a few of
    /// these with surprising results; this reader refuses them.
    #[error("reference to an overwritten value")]
    ReferenceToOverwritten,
    /// Deeper than the depth limit.
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
    /// More than `u32::MAX` values.
    #[error("too many values")]
    TooManyValues,
    /// Bytes after the value (only with [`Unserializer::allow_trailing_bytes`]`(false)`).
    #[error("trailing bytes after the value")]
    TrailingBytes,
}

impl Default for Unserializer<'_> {
    fn default() -> Self {
        Unserializer { max_depth: DEFAULT_MAX_DEPTH, classes: None, allow_trailing_bytes: true }
    }
}

impl<'c> Unserializer<'c> {
    /// PHP's defaults: depth 4096, trailing bytes ignored, no class knowledge (classes are
    /// kept as opaque data).
    pub fn new() -> Self {
        Unserializer::default()
    }

    /// Sets the nesting limit (`unserialize_max_depth`). Unlike PHP, 0 is not "unlimited":
    /// it refuses every non-empty array and every object.
    #[must_use]
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Decides class-dependent cases as PHP would with these classes declared.
    #[must_use]
    pub fn classes(mut self, classes: &'c ClassTable) -> Self {
        self.classes = Some(classes);
        self
    }

    /// Whether bytes after the value are ignored (PHP: yes, since 8.3 with a warning).
    #[must_use]
    pub fn allow_trailing_bytes(mut self, allow: bool) -> Self {
        self.allow_trailing_bytes = allow;
        self
    }

    /// Reads one value.
    ///
    /// # Errors
    /// [`UnserializeError`] where PHP's `unserialize()` would fail.
    pub fn unserialize(&self, input: &[u8]) -> Result<Value, UnserializeError> {
        let (value, end) = self.unserialize_prefix(input)?;
        if !self.allow_trailing_bytes && end < input.len() {
            return Err(UnserializeError::new(end, UnserializeErrorKind::TrailingBytes));
        }
        Ok(value)
    }

    /// Reads one value at the start of `input` and returns it with the number of bytes it
    /// took (trailing bytes are always allowed here).
    ///
    /// # Errors
    /// [`UnserializeError`] where PHP's `unserialize()` would fail.
    pub fn unserialize_prefix(&self, input: &[u8]) -> Result<(Value, usize), UnserializeError> {
        let mut parser = Parser::new(input, self, true);
        let value = parser.value()?;
        let end = parser.pos;
        if !parser.needs_canon() {
            return Ok((value, end));
        }
        let (parser, value) = if parser.saw_duplicates {
            // Deduplication moved values around; read again keeping every entry so that the
            // slot numbers of the input can be followed.
            let mut again = Parser::new(input, self, false);
            let value = again.value()?;
            (again, value)
        } else {
            (parser, value)
        };
        let mut out = canon::canonicalize(
            &[&value],
            &[true],
            &[0],
            0,
            0,
            RootMode::Unwrapped,
            self.max_depth,
        )
        .map_err(|e| parser.canon_error(e))?;
        let value = out.pop().unwrap_or_default();
        Ok((value, end))
    }
}

impl UnserializeError {
    pub(crate) fn new(offset: usize, kind: UnserializeErrorKind) -> Self {
        UnserializeError { offset, kind }
    }
}

/// How object property names are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PropMode {
    /// No class knowledge: keep `i:`/`s:` as written.
    Opaque,
    /// Properties restored directly: `i:` names become strings.
    Plain,
    /// `__unserialize()`: the body is an array, keys normalised like array keys.
    Magic,
}

/// The entry pushed before its key and value are read in place.
pub(crate) const EMPTY_ENTRY: (Key, Value) = (Key::Int(0), Value::Null);

enum Frame {
    /// Entries so far: the last one's value is the one being read while a child is open.
    Array {
        entries: Vec<(Key, Value)>,
        remaining: usize,
    },
    Object {
        class: PhpString,
        entries: Vec<(Key, Value)>,
        remaining: usize,
        mode: PropMode,
    },
}

enum Token {
    Done(Value),
    Open(Opened),
}

/// A container to fill. An array travels as its two numbers and its frame is built where it
/// is pushed: a frame built in one function and moved through another's return made a
/// store-forwarding stall on every array (`perf annotate`).
enum Opened {
    Array { capacity: usize, remaining: usize },
    Frame(Frame),
}

impl Token {
    /// Writes a complete value to `slot`; hands back a container to fill.
    fn store(self, slot: &mut Value) -> Option<Opened> {
        match self {
            Token::Done(v) => {
                put(slot, v);
                None
            }
            Token::Open(opened) => Some(opened),
        }
    }
}

/// `*slot = Value::Str(s)`, with the string moved into the slot's own field: as a whole
/// `Value` it went through a misaligned stack copy and a store-forwarding stall.
#[inline(always)]
fn put_str(slot: &mut Value, s: PhpString) {
    put(slot, Value::Str(PhpString::new()));
    if let Value::Str(dst) = slot {
        drop(std::mem::replace(dst, s));
    }
}

/// `*slot = value`, with the old value (always `Null` here) dropped after the write: with
/// the drop first, the new value was spilled around the call and read back with a
/// store-forwarding stall (`perf annotate`).
#[inline(always)]
fn put(slot: &mut Value, value: Value) {
    drop(std::mem::replace(slot, value));
}

/// The parser state shared by every value of one document (session decoders read several
/// values that share slot numbers).
pub(crate) struct Parser<'i, 'o> {
    input: &'i [u8],
    pub(crate) pos: usize,
    max_depth: usize,
    classes: Option<&'o ClassTable>,
    /// Per slot (1-based, index + 1): whether the value there is an object, as `r:` needs.
    objectish: Vec<bool>,
    dedup: bool,
    pub(crate) saw_duplicates: bool,
    /// Offsets of every `R:`/`r:` in document order.
    ref_offsets: Vec<usize>,
    enums: usize,
    /// Open arrays and objects of the value being read (kept to reuse its allocation).
    stack: Vec<Frame>,
}

impl<'i, 'o> Parser<'i, 'o> {
    pub(crate) fn new(input: &'i [u8], opts: &Unserializer<'o>, dedup: bool) -> Self {
        Parser {
            input,
            pos: 0,
            max_depth: opts.max_depth,
            classes: opts.classes,
            // Every value takes at least two bytes (`N;`); sized once from the input (never
            // from a declared length), capped, so that small documents do not regrow it.
            objectish: Vec::with_capacity((input.len() / 2).min(OBJECTISH_PREALLOC)),
            dedup,
            saw_duplicates: false,
            ref_offsets: Vec::new(),
            enums: 0,
            stack: Vec::new(),
        }
    }

    /// Whether the values read so far need the reference-aware pass of `canon.rs`.
    pub(crate) fn needs_canon(&self) -> bool {
        !self.ref_offsets.is_empty() || self.enums > 1
    }

    pub(crate) fn ref_offsets(&self) -> &[usize] {
        &self.ref_offsets
    }

    pub(crate) fn canon_error(&self, e: CanonError) -> UnserializeError {
        match e {
            CanonError::RefToOverwritten(i) => UnserializeError::new(
                self.ref_offsets.get(i).copied().unwrap_or(0),
                UnserializeErrorKind::ReferenceToOverwritten,
            ),
            CanonError::BadReference(i) => UnserializeError::new(
                self.ref_offsets.get(i).copied().unwrap_or(0),
                UnserializeErrorKind::InvalidReference,
            ),
            CanonError::TooDeep(d) => UnserializeError::new(0, UnserializeErrorKind::TooDeep(d)),
        }
    }

    fn err(&self, offset: usize, kind: UnserializeErrorKind) -> UnserializeError {
        UnserializeError::new(offset, kind)
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.input.get(i).copied()
    }

    fn remaining_from(&self, i: usize) -> usize {
        self.input.len().saturating_sub(i)
    }

    fn expect(&mut self, b: u8) -> Result<(), UnserializeError> {
        if self.byte_at(self.pos) == Some(b) {
            self.pos += 1;
            Ok(())
        } else if self.pos >= self.input.len() {
            Err(self.err(self.pos, UnserializeErrorKind::UnexpectedEnd))
        } else {
            Err(self.err(self.pos, UnserializeErrorKind::Expected(char::from(b))))
        }
    }

    fn push_slot(&mut self, objectish: bool, at: usize) -> Result<(), UnserializeError> {
        if self.objectish.len() >= u32::MAX as usize {
            return Err(self.err(at, UnserializeErrorKind::TooManyValues));
        }
        self.objectish.push(objectish);
        Ok(())
    }

    /// `uiv = [0-9]+`, saturating (PHP wraps around; absurd lengths are refused either way).
    fn uiv(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(d) = self.byte_at(self.pos).filter(u8::is_ascii_digit) {
            n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
            self.pos += 1;
        }
        (self.pos > start).then_some(n)
    }

    /// `parse_iv2`: optional sign, leading zeros skipped, clamped to the 64-bit range (PHP
    /// warns "Numerical result out of range"). Returns the value and the digit count.
    fn lenient_iv(&mut self) -> (i64, usize) {
        let neg = match self.byte_at(self.pos) {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        let mut digits = 0;
        while self.byte_at(self.pos) == Some(b'0') {
            self.pos += 1;
            digits += 1;
        }
        let mut significant = 0;
        let mut n: u64 = 0;
        while let Some(d) = self.byte_at(self.pos).filter(u8::is_ascii_digit) {
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.pos += 1;
            significant += 1;
        }
        digits += significant;
        let limit = if neg { 1_u64 << 63 } else { i64::MAX as u64 };
        let value = if significant > 19 || n > limit {
            if neg { i64::MIN } else { i64::MAX }
        } else if neg {
            0_i64.checked_sub_unsigned(n).unwrap_or(i64::MIN)
        } else {
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        (value, digits)
    }

    /// Reads one complete value at `self.pos`.
    pub(crate) fn value(&mut self) -> Result<Value, UnserializeError> {
        let mut value = Value::Null;
        self.value_into(&mut value)?;
        Ok(value)
    }

    /// Reads one complete value at `self.pos` into `root` (which must be `Null`), so that a
    /// caller keeping values in a vector can have it written in place. Left partly filled
    /// on error.
    pub(crate) fn value_into(&mut self, root: &mut Value) -> Result<(), UnserializeError> {
        // The frame stack's allocation is kept across the values of one document.
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let result = self.value_with(&mut stack, root);
        self.stack = stack;
        result
    }

    fn value_with(
        &mut self,
        stack: &mut Vec<Frame>,
        root: &mut Value,
    ) -> Result<(), UnserializeError> {
        // Every value is written straight into its place (the root, or the entry pushed with
        // its key): moving freshly built values through temporaries showed in profiles.
        loop {
            let depth = stack.len();
            let slot = match stack.last_mut() {
                Some(frame) => {
                    let (entries, mode) = match frame {
                        Frame::Array { entries, .. } => (entries, None),
                        Frame::Object { entries, mode, .. } => (entries, Some(*mode)),
                    };
                    // From a constant: a tuple built on the stack and copied made a
                    // store-forwarding stall here (`perf annotate`).
                    entries.push(EMPTY_ENTRY);
                    let Some((key, slot)) = entries.last_mut() else {
                        return Err(self.err(self.pos, UnserializeErrorKind::UnexpectedEnd));
                    };
                    self.key_into(mode, key)?;
                    slot
                }
                None => &mut *root,
            };
            match self.token(depth, slot)? {
                None => {}
                Some(Opened::Array { capacity, remaining }) => {
                    // Pushed empty, then given its buffer in place: a whole frame built
                    // first was copied through the stack with a store-forwarding stall.
                    stack.push(Frame::Array { entries: Vec::new(), remaining });
                    if let Some(Frame::Array { entries, .. }) = stack.last_mut() {
                        *entries = Vec::with_capacity(capacity);
                    }
                    continue;
                }
                Some(Opened::Frame(frame)) => {
                    stack.push(frame);
                    continue;
                }
            }
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(());
                };
                let remaining = match frame {
                    Frame::Array { remaining, .. } | Frame::Object { remaining, .. } => {
                        *remaining = remaining.saturating_sub(1);
                        *remaining
                    }
                };
                if remaining > 0 {
                    break;
                }
                self.expect(b'}')?;
                let Some(frame) = stack.pop() else {
                    return Err(self.err(self.pos, UnserializeErrorKind::UnexpectedEnd));
                };
                let done = self.close(frame);
                let parent_slot = match stack.last_mut() {
                    Some(Frame::Array { entries, .. } | Frame::Object { entries, .. }) => {
                        entries.last_mut().map(|(_, v)| v)
                    }
                    None => Some(&mut *root),
                };
                if let Some(slot) = parent_slot {
                    put(slot, done);
                }
            }
        }
    }

    fn close(&mut self, frame: Frame) -> Value {
        match frame {
            Frame::Array { mut entries, .. } => {
                // `key()` normalised every key already.
                if self.dedup && dedup_entries(&mut entries, true) {
                    self.saw_duplicates = true;
                }
                Value::Array(entries)
            }
            Frame::Object { class, mut entries, mode, .. } => {
                // Opaque property names are kept as written (`i:3` and `s:1:"3"` both), the
                // others went through `key()`'s normalisation or are all strings.
                let normalized = mode != PropMode::Opaque;
                if self.dedup && dedup_entries(&mut entries, normalized) {
                    self.saw_duplicates = true;
                }
                Value::Object(Box::new(Object { class, entries }))
            }
        }
    }

    /// An array key (`mode` None) or an object property name, written to `out` in place
    /// (string keys are copied straight into it: no temporary to move).
    fn key_into(&mut self, mode: Option<PropMode>, out: &mut Key) -> Result<(), UnserializeError> {
        let start = self.pos;
        let tag = self.byte_at(start);
        let colon = self.byte_at(start + 1) == Some(b':');
        match (tag, colon) {
            (Some(b'i'), true) => {
                self.pos += 2;
                let i = self.int_body(start)?;
                *out = match mode {
                    Some(PropMode::Plain) => Key::Str(i.to_string().into()),
                    _ => Key::Int(i),
                };
            }
            (Some(b's'), true) => {
                let bytes = self.string_body(start)?;
                let numeric = match mode {
                    None | Some(PropMode::Magic) => numeric_key(bytes),
                    _ => None,
                };
                *out = match numeric {
                    Some(i) => Key::Int(i),
                    None => Key::Str(self.copy_of(bytes)),
                };
            }
            (Some(b'S'), true) => {
                let key = Key::Str(self.escaped_string_body(start)?);
                *out = match mode {
                    None | Some(PropMode::Magic) => key.into_normalized(),
                    _ => key,
                };
            }
            (Some(b'}'), _) => {
                return Err(self.err(start, UnserializeErrorKind::UnexpectedCloseBrace));
            }
            (None, _) => return Err(self.err(start, UnserializeErrorKind::UnexpectedEnd)),
            _ => return Err(self.err(start, UnserializeErrorKind::InvalidKey)),
        }
        Ok(())
    }

    /// After `i:`: `[+-]?[0-9]+;`, clamped like `parse_iv`.
    fn int_body(&mut self, start: usize) -> Result<i64, UnserializeError> {
        let (value, digits) = self.lenient_iv();
        if digits == 0 || self.byte_at(self.pos) != Some(b';') {
            return Err(self.err(start, UnserializeErrorKind::InvalidInt));
        }
        self.pos += 1;
        Ok(value)
    }

    /// `bytes` (the string [`Parser::string_body`] just read, which ends 2 bytes before
    /// `self.pos`) as an owned string, built from the input ([`PhpString::from_input`]).
    // Inlined: returned through memory, the string made a store-forwarding stall.
    #[inline(always)]
    fn copy_of(&self, bytes: &[u8]) -> PhpString {
        let at = self.pos.saturating_sub(2 + bytes.len());
        PhpString::from_input(self.input, at, bytes.len()).unwrap_or_else(|| PhpString::from(bytes))
    }

    /// At `s:`: `s:<len>:"<bytes>";`.
    fn string_body(&mut self, start: usize) -> Result<&'i [u8], UnserializeError> {
        self.pos = start + 2;
        let len = self.uiv();
        if len.is_none()
            || self.byte_at(self.pos) != Some(b':')
            || self.byte_at(self.pos + 1) != Some(b'"')
        {
            return Err(self.err(start, UnserializeErrorKind::InvalidLength));
        }
        self.pos += 2;
        let len = len
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l <= self.remaining_from(self.pos))
            .ok_or_else(|| self.err(start + 2, UnserializeErrorKind::InvalidLength))?;
        let bytes = self
            .input
            .get(self.pos..self.pos + len)
            .ok_or_else(|| self.err(start + 2, UnserializeErrorKind::InvalidLength))?;
        self.pos += len;
        self.expect(b'"')?;
        self.expect(b';')?;
        Ok(bytes)
    }

    /// At `S:`: like `s:` but `\xx` hex escapes count as one byte.
    fn escaped_string_body(&mut self, start: usize) -> Result<PhpString, UnserializeError> {
        self.pos = start + 2;
        let len = self.uiv();
        if len.is_none()
            || self.byte_at(self.pos) != Some(b':')
            || self.byte_at(self.pos + 1) != Some(b'"')
        {
            return Err(self.err(start, UnserializeErrorKind::InvalidLength));
        }
        self.pos += 2;
        let len = len
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l <= self.remaining_from(self.pos))
            .ok_or_else(|| self.err(start + 2, UnserializeErrorKind::InvalidLength))?;
        let mut out = PhpString::with_capacity(len);
        for _ in 0..len {
            let b = self
                .byte_at(self.pos)
                .ok_or_else(|| self.err(self.pos, UnserializeErrorKind::UnexpectedEnd))?;
            if b == b'\\' {
                let hi = self.byte_at(self.pos + 1).and_then(hex_value);
                let lo = self.byte_at(self.pos + 2).and_then(hex_value);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(self.err(self.pos, UnserializeErrorKind::InvalidEscape));
                };
                out.push(hi << 4 | lo);
                self.pos += 3;
            } else {
                out.push(b);
                self.pos += 1;
            }
        }
        self.expect(b'"')?;
        self.expect(b';')?;
        Ok(out)
    }

    /// One value token, written to `slot`; containers with content come back as a frame to fill.
    fn token(
        &mut self,
        depth: usize,
        slot: &mut Value,
    ) -> Result<Option<Opened>, UnserializeError> {
        let start = self.pos;
        let Some(tag) = self.byte_at(start) else {
            return Err(self.err(start, UnserializeErrorKind::UnexpectedEnd));
        };
        if tag == b'}' {
            return Err(self.err(start, UnserializeErrorKind::UnexpectedCloseBrace));
        }
        if tag == b'N' {
            if self.byte_at(start + 1) != Some(b';') {
                return Err(self.err(start, UnserializeErrorKind::UnknownTag));
            }
            self.pos += 2;
            self.push_slot(false, start)?;
            put(slot, Value::Null);
            return Ok(None);
        }
        if self.byte_at(start + 1) != Some(b':') {
            let kind = if start + 1 >= self.input.len() {
                UnserializeErrorKind::UnexpectedEnd
            } else {
                UnserializeErrorKind::UnknownTag
            };
            return Err(self.err(start, kind));
        }
        match tag {
            b'b' => {
                let v = match self.input.get(start + 2..start + 4) {
                    Some(b"0;") => false,
                    Some(b"1;") => true,
                    _ => return Err(self.err(start, UnserializeErrorKind::InvalidBool)),
                };
                self.pos = start + 4;
                self.push_slot(false, start)?;
                put(slot, Value::Bool(v));
                Ok(None)
            }
            b'i' => {
                self.pos = start + 2;
                let v = self.int_body(start)?;
                self.push_slot(false, start)?;
                put(slot, Value::Int(v));
                Ok(None)
            }
            b'd' => {
                let body = start + 2;
                let end = self
                    .input
                    .get(body..)
                    .and_then(|r| r.iter().position(|&b| b == b';'))
                    .map(|n| body + n)
                    .ok_or_else(|| self.err(start, UnserializeErrorKind::InvalidFloat))?;
                let v = self
                    .input
                    .get(body..end)
                    .and_then(parse_float)
                    .ok_or_else(|| self.err(start, UnserializeErrorKind::InvalidFloat))?;
                self.pos = end + 1;
                self.push_slot(false, start)?;
                put(slot, Value::Float(v));
                Ok(None)
            }
            b's' => {
                let v = self.string_body(start)?;
                self.push_slot(false, start)?;
                put_str(slot, self.copy_of(v));
                Ok(None)
            }
            b'S' => {
                let v = self.escaped_string_body(start)?;
                self.push_slot(false, start)?;
                put(slot, Value::Str(v));
                Ok(None)
            }
            b'a' => self.array(start, depth).map(|t| t.store(slot)),
            b'O' | b'C' => self.object(start, depth, tag == b'C').map(|t| t.store(slot)),
            b'E' => self.enum_case(start).map(|t| t.store(slot)),
            b'R' | b'r' => self.reference(start, tag == b'r').map(|t| t.store(slot)),
            _ => Err(self.err(start, UnserializeErrorKind::UnknownTag)),
        }
    }

    fn array(&mut self, start: usize, depth: usize) -> Result<Token, UnserializeError> {
        self.pos = start + 2;
        let digits_at = self.pos;
        if self.uiv().is_none() {
            return Err(self.err(start, UnserializeErrorKind::InvalidLength));
        }
        // PHP re-reads the digits with parse_iv: more than 19 digits clamp to PHP_INT_MAX.
        let after = self.pos;
        self.pos = digits_at;
        let (count, _) = self.lenient_iv();
        self.pos = after;
        self.expect(b':')?;
        self.expect(b'{')?;
        if count >= HT_MAX_SIZE || fake_count(count, self.remaining_from(self.pos)) {
            return Err(self.err(start, UnserializeErrorKind::CountTooLarge));
        }
        self.push_slot(false, start)?;
        if count == 0 {
            self.expect(b'}')?;
            return Ok(Token::Done(Value::Array(Vec::new())));
        }
        if depth >= self.max_depth {
            return Err(self.err(start, UnserializeErrorKind::TooDeep(self.max_depth)));
        }
        let count = usize::try_from(count).unwrap_or(0);
        Ok(Token::Open(Opened::Array {
            capacity: capacity_for(count, self.remaining_from(self.pos)),
            remaining: count,
        }))
    }

    fn object(
        &mut self,
        start: usize,
        depth: usize,
        custom: bool,
    ) -> Result<Token, UnserializeError> {
        self.pos = start + 2;
        let len = self.uiv();
        if len.is_none()
            || self.byte_at(self.pos) != Some(b':')
            || self.byte_at(self.pos + 1) != Some(b'"')
        {
            return Err(self.err(start, UnserializeErrorKind::InvalidLength));
        }
        self.pos += 2;
        let name_at = self.pos;
        let len = len
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0 && l <= self.remaining_from(name_at))
            .ok_or_else(|| self.err(start + 2, UnserializeErrorKind::InvalidLength))?;
        let name = self.input.get(name_at..name_at + len).unwrap_or_default();
        let quote = name_at + len;
        self.pos = quote;
        self.expect(b'"')?;
        self.expect(b':')?;
        if matches!(name.first(), Some(0 | b'\\')) {
            return Err(self.err(start, UnserializeErrorKind::InvalidClassName));
        }
        let (class, known) = self.resolve_class(name, start)?;
        let is_enum = known.is_some_and(|c| c.enum_cases.is_some());
        if custom {
            return self.custom_object(start, class, known, is_enum);
        }
        if quote + 2 >= self.input.len() {
            return Err(self.err(start, UnserializeErrorKind::UnexpectedEnd));
        }
        let (count, _) = self.lenient_iv();
        if count < 0 || fake_count(count, self.remaining_from(quote)) {
            return Err(self.err(start, UnserializeErrorKind::CountTooLarge));
        }
        self.expect(b':')?;
        self.expect(b'{')?;
        let mode = match known {
            None if self.classes.is_none() => PropMode::Opaque,
            None => PropMode::Plain,
            Some(c) if is_enum || (c.serializable && !c.magic_unserialize) => {
                return Err(self.err(start, UnserializeErrorKind::WrongObjectForm));
            }
            Some(c) if c.magic_unserialize => PropMode::Magic,
            Some(_) => PropMode::Plain,
        };
        if count >= HT_MAX_SIZE {
            return Err(self.err(start, UnserializeErrorKind::CountTooLarge));
        }
        self.push_slot(true, start)?;
        // PHP checks the depth for every object, empty or not.
        if depth >= self.max_depth {
            return Err(self.err(start, UnserializeErrorKind::TooDeep(self.max_depth)));
        }
        if count == 0 {
            self.expect(b'}')?;
            return Ok(Token::Done(Value::Object(Box::new(Object { class, entries: Vec::new() }))));
        }
        let count = usize::try_from(count).unwrap_or(0);
        Ok(Token::Open(Opened::Frame(Frame::Object {
            class,
            entries: Vec::with_capacity(capacity_for(count, self.remaining_from(self.pos))),
            remaining: count,
            mode,
        })))
    }

    /// After `C:<len>:"<class>":`: `<len>:{<payload>}`.
    fn custom_object(
        &mut self,
        start: usize,
        class: PhpString,
        known: Option<&PhpClass>,
        is_enum: bool,
    ) -> Result<Token, UnserializeError> {
        let (len, _) = self.lenient_iv();
        self.expect(b':')?;
        self.expect(b'{')?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l < self.remaining_from(self.pos))
            .ok_or_else(|| self.err(start, UnserializeErrorKind::InvalidLength))?;
        let payload = self.input.get(self.pos..self.pos + len).unwrap_or_default().to_vec();
        self.pos += len;
        self.expect(b'}')?;
        if is_enum {
            return Err(self.err(start, UnserializeErrorKind::WrongObjectForm));
        }
        self.push_slot(true, start)?;
        let value = match (self.classes, known) {
            (None, _) => Value::Custom(Box::new(Custom { class, payload })),
            (Some(_), Some(c)) if c.serializable => {
                Value::Custom(Box::new(Custom { class, payload }))
            }
            // "Class X has no unserializer": an empty object, the payload is dropped. An
            // unknown class is an incomplete object and loses the payload the same way.
            (Some(_), _) => Value::Object(Box::new(Object::new(class))),
        };
        Ok(Token::Done(value))
    }

    fn enum_case(&mut self, start: usize) -> Result<Token, UnserializeError> {
        self.pos = start + 2;
        let len = self.uiv();
        if len.is_none()
            || self.byte_at(self.pos) != Some(b':')
            || self.byte_at(self.pos + 1) != Some(b'"')
        {
            return Err(self.err(start, UnserializeErrorKind::InvalidLength));
        }
        self.pos += 2;
        let text_at = self.pos;
        let len = len
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0 && l <= self.remaining_from(text_at))
            .ok_or_else(|| self.err(start + 2, UnserializeErrorKind::InvalidLength))?;
        let text = self.input.get(text_at..text_at + len).unwrap_or_default();
        self.pos = text_at + len;
        self.expect(b'"')?;
        self.expect(b';')?;
        let bad = |p: &Self| p.err(start, UnserializeErrorKind::InvalidEnum);
        let colon = text.iter().position(|&b| b == b':').ok_or_else(|| bad(self))?;
        let (class, case) = text.split_at(colon);
        let case = case.get(1..).unwrap_or_default();
        // zend_lookup_class() ignores one leading namespace separator.
        let class = class.strip_prefix(b"\\").unwrap_or(class);
        if class.is_empty() || !valid_class_name(class) {
            return Err(bad(self));
        }
        let class = match self.classes {
            None => {
                if case.is_empty() || !case.iter().all(|&b| is_ident_byte(b)) {
                    return Err(bad(self));
                }
                class.into()
            }
            Some(table) => {
                let c = table.lookup(class).ok_or_else(|| bad(self))?;
                let cases = c.enum_cases.as_ref().ok_or_else(|| bad(self))?;
                if !cases.iter().any(|k| k.as_slice() == case) {
                    return Err(bad(self));
                }
                c.name.as_slice().into()
            }
        };
        self.push_slot(true, start)?;
        self.enums += 1;
        Ok(Token::Done(Value::Enum(Box::new(EnumCase { class, case: case.into() }))))
    }

    fn reference(&mut self, start: usize, object: bool) -> Result<Token, UnserializeError> {
        self.pos = start + 2;
        let n = self.uiv();
        self.expect(b';')?;
        let seen = self.objectish.len();
        let n = n
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n >= 1 && n <= seen)
            .ok_or_else(|| self.err(start, UnserializeErrorKind::InvalidReference))?;
        if object && !self.objectish.get(n - 1).copied().unwrap_or(false) {
            return Err(self.err(start, UnserializeErrorKind::InvalidReference));
        }
        let slot = u32::try_from(n)
            .map_err(|_| self.err(start, UnserializeErrorKind::InvalidReference))?;
        self.ref_offsets.push(start);
        if object {
            // `r:` takes a slot of its own; `R:` does not.
            self.push_slot(true, start)?;
            Ok(Token::Done(Value::ObjRef(slot)))
        } else {
            Ok(Token::Done(Value::Ref(slot)))
        }
    }

    /// The class name as PHP would hold it, and what the table says about it.
    fn resolve_class(
        &self,
        name: &[u8],
        start: usize,
    ) -> Result<(PhpString, Option<&'o PhpClass>), UnserializeError> {
        if let Some(c) = self.classes.and_then(|t| t.lookup(name)) {
            return Ok((c.name.as_slice().into(), Some(c)));
        }
        if !valid_class_name(name) {
            return Err(self.err(start, UnserializeErrorKind::InvalidClassName));
        }
        Ok((name.into(), None))
    }
}

/// `zend_is_valid_class_name`: `[A-Za-z0-9_\x80-\xff\\]` only.
pub(crate) fn valid_class_name(name: &[u8]) -> bool {
    name.iter().all(|&b| is_ident_byte(b) || b == b'\\')
}

pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// PHP's `IS_FAKE_ELEM_COUNT`: every element takes at least two bytes.
fn fake_count(count: i64, remaining: usize) -> bool {
    u64::try_from(count).map_or(true, |c| c > (remaining / 2) as u64)
}

/// A capacity the input can back: the smallest entry (`i:0;N;`) takes six bytes.
fn capacity_for(count: usize, remaining: usize) -> usize {
    count.min(remaining / 6).min(1 << 16)
}

/// Applies "the last value wins at the first position" to repeated keys (compared as PHP
/// compares them: `i:5`, `s:1:"5"` are the same key). Returns whether anything repeated.
///
/// `normalized`: every key is already in its normal form ([`Key::normalized`], or all keys
/// are strings), so keys can be compared as they are.
pub(crate) fn dedup_entries(entries: &mut Vec<(Key, Value)>, normalized: bool) -> bool {
    let n = entries.len();
    if n < 2 {
        return false;
    }
    let has_dup = if n <= 16 {
        // Small arrays (nearly all of them): pairwise, without allocating.
        if normalized {
            entries
                .iter()
                .enumerate()
                .skip(1)
                .any(|(i, (k, _))| entries.iter().take(i).any(|(o, _)| o == k))
        } else {
            entries.iter().enumerate().skip(1).any(|(i, (k, _))| {
                let k = k.as_key_ref().normalized();
                entries.iter().take(i).any(|(o, _)| o.as_key_ref().normalized() == k)
            })
        }
    } else {
        let mut seen = HashSet::with_capacity(n);
        !entries.iter().all(|(k, _)| seen.insert(key_ref(k, normalized)))
    };
    if !has_dup {
        return false;
    }
    let keys: Vec<KeyRef<'_>> = entries.iter().map(|(k, _)| key_ref(k, normalized)).collect();
    let plan = survivors(&keys);
    drop(keys);
    let mut old: Vec<Option<(Key, Value)>> = entries.drain(..).map(Some).collect();
    for (first, last) in plan {
        let Some((key, value)) = old.get_mut(first).and_then(Option::take) else {
            continue;
        };
        let value = match old.get_mut(last).and_then(Option::take) {
            Some((_, later)) => later,
            None => value,
        };
        entries.push((key, value));
    }
    true
}

/// The key as PHP's array rules compare it; `normalized`: it already is in that form.
fn key_ref(k: &Key, normalized: bool) -> KeyRef<'_> {
    if normalized { k.as_key_ref() } else { k.as_key_ref().normalized() }
}

/// For each distinct key in first-occurrence order: (index of its first entry, index of its
/// last entry).
pub(crate) fn survivors(keys: &[KeyRef<'_>]) -> Vec<(usize, usize)> {
    if keys.len() <= 16 {
        // Small arrays (nearly all of them): pairwise, without hashing.
        return keys
            .iter()
            .enumerate()
            .filter(|&(i, k)| !keys.iter().take(i).any(|o| o == k))
            .map(|(i, k)| (i, keys.iter().rposition(|o| o == k).unwrap_or(i)))
            .collect();
    }
    let mut last: HashMap<KeyRef<'_>, usize> = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        last.insert(*k, i);
    }
    let mut done: HashSet<KeyRef<'_>> = HashSet::with_capacity(keys.len());
    keys.iter()
        .enumerate()
        .filter(|(_, k)| done.insert(**k))
        .map(|(i, k)| (i, last.get(k).copied().unwrap_or(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php_serialize::serialize;

    fn round(input: &[u8]) -> Vec<u8> {
        serialize(&unserialize(input).unwrap()).unwrap()
    }

    fn kind(input: &[u8]) -> UnserializeErrorKind {
        unserialize(input).unwrap_err().kind
    }

    #[test]
    fn php_reference_numbering_round_trips() {
        let spec = br#"a:4:{i:0;a:2:{i:0;i:1;i:1;i:2;}i:1;O:8:"stdClass":0:{}i:2;s:1:"s";i:3;a:2:{i:0;R:6;i:1;r:5;}}"#;
        assert_eq!(round(spec), spec);
        let cycle = br#"O:8:"stdClass":1:{s:4:"self";r:1;}"#;
        assert_eq!(round(cycle), cycle);
    }

    #[test]
    fn overwritten_keys_renumber_later_references() {
        assert_eq!(
            round(br#"a:4:{i:0;s:1:"a";i:0;s:1:"b";i:1;s:1:"c";i:2;R:4;}"#),
            br#"a:3:{i:0;s:1:"b";i:1;s:1:"c";i:2;R:3;}"#
        );
        assert_eq!(
            kind(br#"a:3:{i:0;s:1:"x";i:0;s:1:"y";i:1;R:2;}"#),
            UnserializeErrorKind::ReferenceToOverwritten
        );
    }

    #[test]
    fn repeated_enum_cases_become_object_references() {
        assert_eq!(
            round(br#"a:2:{i:0;E:13:"VgSuit:Hearts";i:1;E:13:"VgSuit:Hearts";}"#),
            br#"a:2:{i:0;E:13:"VgSuit:Hearts";i:1;r:2;}"#
        );
    }

    #[test]
    fn self_reference_to_the_top_array_is_written_as_null() {
        assert_eq!(round(b"a:1:{i:0;R:1;}"), b"a:1:{i:0;N;}");
        assert_eq!(kind(b"R:1;"), UnserializeErrorKind::InvalidReference);
        assert_eq!(kind(b"r:1;"), UnserializeErrorKind::InvalidReference);
    }

    #[test]
    fn counts_larger_than_the_input_are_refused_up_front() {
        assert_eq!(kind(b"a:100:{}"), UnserializeErrorKind::CountTooLarge);
        assert_eq!(kind(b"a:99999999999999999999999:{}"), UnserializeErrorKind::CountTooLarge);
        assert_eq!(kind(b"s:99999999999999999999999:\"\";"), UnserializeErrorKind::InvalidLength);
        assert!(unserialize(b"C:8:\"stdClass\":99999999999:{}").is_err());
    }

    #[test]
    fn trailing_bytes_are_ignored_unless_refused() {
        assert_eq!(unserialize(b"i:1;xyz").unwrap(), Value::Int(1));
        let strict = Unserializer::new().allow_trailing_bytes(false);
        assert_eq!(
            strict.unserialize(b"i:1;xyz").unwrap_err(),
            UnserializeError::new(4, UnserializeErrorKind::TrailingBytes)
        );
    }

    #[test]
    fn lenient_object_counts_and_keys() {
        assert_eq!(
            round(br#"O:8:"stdClass":+1:{i:3;s:1:"x";}"#),
            br#"O:8:"stdClass":1:{i:3;s:1:"x";}"#
        );
        let classes = ClassTable::builtin();
        let v = Unserializer::new()
            .classes(&classes)
            .unserialize(br#"O:8:"STDCLASS":1:{i:3;s:1:"x";}"#)
            .unwrap();
        assert_eq!(serialize(&v).unwrap(), br#"O:8:"stdClass":1:{s:1:"3";s:1:"x";}"#);
    }

    /// Builds `a:1:{i:0;` × depth … `}` × depth around `i:1;`.
    fn nested(depth: usize) -> Vec<u8> {
        let mut s = b"a:1:{i:0;".repeat(depth);
        s.extend_from_slice(b"i:1;");
        s.extend(std::iter::repeat_n(b'}', depth));
        s
    }

    #[test]
    fn the_depth_limit_is_phps_and_deep_values_need_little_stack() {
        std::thread::Builder::new()
            .stack_size(1 << 19)
            .spawn(|| {
                let ok = nested(DEFAULT_MAX_DEPTH);
                let v = unserialize(&ok).unwrap();
                assert_eq!(serialize(&v).unwrap(), ok);
                let too_deep = nested(DEFAULT_MAX_DEPTH + 1);
                assert_eq!(kind(&too_deep), UnserializeErrorKind::TooDeep(DEFAULT_MAX_DEPTH));
                // A reference at the bottom sends the value through the reference pass.
                let mut with_ref = b"a:1:{i:0;".repeat(DEFAULT_MAX_DEPTH - 1);
                with_ref.extend_from_slice(b"a:2:{i:0;i:1;i:1;R:2;}");
                with_ref.extend(std::iter::repeat_n(b'}', DEFAULT_MAX_DEPTH - 1));
                assert_eq!(round(&with_ref), with_ref);
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn short_strings_are_read_inline() {
        let v = unserialize(br#"a:1:{s:7:"user_id";s:17:"0123456789abcdefg";}"#).unwrap();
        let Some([(Key::Str(k), Value::Str(s))]) = v.as_array() else {
            panic!("{v:?}");
        };
        assert!(k.is_inline());
        assert!(!s.is_inline());
        let Value::Str(s) = unserialize(br#"S:4:"\61bc\64";"#).unwrap() else { panic!() };
        assert!(s.is_inline());
    }

    #[test]
    fn repeated_keys_are_compared_as_php_compares_them() {
        assert_eq!(round(br#"a:2:{i:5;i:1;s:1:"5";i:2;}"#), br#"a:1:{i:5;i:2;}"#);
        // Without class knowledge `i:3` and `s:1:"3"` are both kept as written, yet name the
        // same property.
        assert_eq!(
            round(br#"O:8:"stdClass":3:{i:3;i:1;s:1:"x";i:2;s:1:"3";i:3;}"#),
            br#"O:8:"stdClass":2:{i:3;i:3;s:1:"x";i:2;}"#
        );
        let classes = ClassTable::builtin();
        let reader = Unserializer::new().classes(&classes);
        let v = reader.unserialize(br#"O:8:"stdClass":2:{i:3;i:1;s:1:"3";i:2;}"#).unwrap();
        assert_eq!(serialize(&v).unwrap(), br#"O:8:"stdClass":1:{s:1:"3";i:2;}"#);
        let v = reader.unserialize(br#"O:11:"ArrayObject":2:{i:3;i:1;s:1:"3";i:2;}"#).unwrap();
        assert_eq!(serialize(&v).unwrap(), br#"O:11:"ArrayObject":1:{i:3;i:2;}"#);
    }

    #[test]
    fn escaped_strings_decode_hex() {
        assert_eq!(unserialize(br#"S:3:"\61bc";"#).unwrap(), Value::from("abc"));
        assert_eq!(kind(br#"S:3:"\6xbc";"#), UnserializeErrorKind::InvalidEscape);
    }
}
