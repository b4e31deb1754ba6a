//! The writer: `serialize()` (ext/standard/var.c) for the value model.
//!
//! Output is canonical: the integer, length, count and float forms PHP writes and nothing
//! else. The writer refuses values PHP could not read back (dangling `R:`/`r:` slots, invalid
//! class names, nesting beyond the depth limit) instead of producing bytes that would make
//! PHP destroy the session.

use smallvec::SmallVec;
use thiserror::Error;

use super::de::{DEFAULT_MAX_DEPTH, is_ident_byte, valid_class_name};
use super::float::write_float;
use super::value::{Key, Value};

/// The writers' first buffer, just under the largest block glibc serves from its per-thread
/// cache (1 032 bytes): values of up to a kilobyte (sessions, WordPress options) are
/// written with no regrowth. Starting at 256, `session_encode()` regrew twice, and `realloc`
/// (which bypasses that cache) to 1 024 bytes took the large-block path
/// (`malloc_consolidate` in `perf`).
pub(crate) const OUTPUT_START: usize = 1000;

/// Writes `value` in PHP's `serialize()` format.
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::{serialize, Value};
/// let v = Value::array([("user_id", Value::from(42)), ("ratio", Value::from(0.1 + 0.2))]);
/// assert_eq!(
///     serialize(&v).unwrap(),
///     br#"a:2:{s:7:"user_id";i:42;s:5:"ratio";d:0.30000000000000004;}"#
/// );
/// ```
///
/// # Errors
/// [`SerializeError`] when PHP could not read the result back.
pub fn serialize(value: &Value) -> Result<Vec<u8>, SerializeError> {
    let mut w = Writer::new(Vec::with_capacity(OUTPUT_START));
    w.value(value)?;
    Ok(w.into_inner())
}

/// Appends `value`'s serialization to `out`.
///
/// # Errors
/// As [`serialize`]; `out` may then hold a partial value.
pub fn serialize_into(value: &Value, out: &mut Vec<u8>) -> Result<(), SerializeError> {
    let mut w = Writer::new(std::mem::take(out));
    let r = w.value(value);
    *out = w.into_inner();
    r
}

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SerializeError {
    /// `R:`/`r:` to slot 0, a slot not written yet, or `r:` to something not an object.
    #[error("reference to slot {slot} is not valid at this point (value number {at})")]
    InvalidReference {
        /// The slot the reference names.
        slot: u32,
        /// The slot number this value would have taken.
        at: u32,
    },
    /// An empty class name, a leading `\` or NUL, or a byte outside `[A-Za-z0-9_\x80-\xff\\]`.
    #[error("invalid class name {0:?}")]
    InvalidClassName(String),
    /// An enum case name that is empty or not an identifier.
    #[error("invalid enum case name {0:?}")]
    InvalidEnumCase(String),
    /// Deeper than PHP's `unserialize_max_depth` (4096) would read.
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
    /// More than `u32::MAX` values.
    #[error("too many values")]
    TooManyValues,
}

/// A writer that numbers slots across several values, as the session serializers do.
pub(crate) struct Writer {
    out: Vec<u8>,
    /// Per written slot: whether it holds an object (`r:` may point there).
    /// One bit per slot; inline up to 256 slots (no allocation for the usual value).
    objectish: SmallVec<[u64; 4]>,
    slots: u32,
    depth: usize,
    max_depth: usize,
}

/// A container being written: its remaining entries, and whether it counts against the depth.
type OpenContainer<'v> = (std::slice::Iter<'v, (Key, Value)>, bool);

impl Writer {
    pub(crate) fn new(out: Vec<u8>) -> Self {
        Writer { out, objectish: SmallVec::new(), slots: 0, depth: 0, max_depth: DEFAULT_MAX_DEPTH }
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.out
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn take_slot(&mut self, objectish: bool) -> Result<u32, SerializeError> {
        let slot = self.slots.checked_add(1).ok_or(SerializeError::TooManyValues)?;
        self.slots = slot;
        let (word, bit) = ((slot / 64) as usize, slot % 64);
        if self.objectish.len() <= word {
            self.objectish.resize(word + 1, 0);
        }
        if let (true, Some(w)) = (objectish, self.objectish.get_mut(word)) {
            *w |= 1 << bit;
        }
        Ok(slot)
    }

    fn is_objectish(&self, slot: u32) -> bool {
        self.objectish.get((slot / 64) as usize).is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// Writes one value, continuing the slot numbering. Iterative: deep values need no stack.
    pub(crate) fn value(&mut self, value: &Value) -> Result<(), SerializeError> {
        // Open containers: their remaining entries and whether they count against the depth
        // (inline up to 8 levels: a session encoder calls this once per variable).
        let mut stack: SmallVec<[OpenContainer<'_>; 8]> = SmallVec::new();
        let mut next = Some(value);
        loop {
            if let Some(v) = next.take() {
                match v {
                    Value::Array(entries) => {
                        self.take_slot(false)?;
                        self.raw(b"a:");
                        write_len(&mut self.out, entries.len());
                        self.raw(b":{");
                        let counts = !entries.is_empty();
                        self.open(counts)?;
                        stack.push((entries.iter(), counts));
                    }
                    Value::Object(obj) => {
                        check_class(&obj.class)?;
                        self.take_slot(true)?;
                        self.raw(b"O:");
                        self.class_name(&obj.class);
                        self.raw(b":");
                        write_len(&mut self.out, obj.entries.len());
                        self.raw(b":{");
                        self.open(true)?;
                        stack.push((obj.entries.iter(), true));
                    }
                    other => self.scalar(other)?,
                }
            }
            let Some((entries, counts)) = stack.last_mut() else {
                return Ok(());
            };
            match entries.next() {
                Some((k, v)) => {
                    match k {
                        Key::Int(i) => {
                            self.raw(b"i:");
                            write_int(&mut self.out, *i);
                            self.raw(b";");
                        }
                        Key::Str(s) => self.string(s),
                    }
                    next = Some(v);
                }
                None => {
                    if *counts {
                        self.depth -= 1;
                    }
                    self.raw(b"}");
                    stack.pop();
                }
            }
        }
    }

    /// Enters a container; the reader counts non-empty arrays and every object against its
    /// depth limit, so the writer refuses what the reader would.
    fn open(&mut self, counts: bool) -> Result<(), SerializeError> {
        if counts {
            if self.depth >= self.max_depth {
                return Err(SerializeError::TooDeep(self.max_depth));
            }
            self.depth += 1;
        }
        Ok(())
    }

    /// Everything but arrays and objects.
    fn scalar(&mut self, value: &Value) -> Result<(), SerializeError> {
        match value {
            Value::Null => {
                self.take_slot(false)?;
                self.raw(b"N;");
            }
            Value::Bool(b) => {
                self.take_slot(false)?;
                self.raw(if *b { b"b:1;" } else { b"b:0;" });
            }
            Value::Int(i) => {
                self.take_slot(false)?;
                self.raw(b"i:");
                write_int(&mut self.out, *i);
                self.raw(b";");
            }
            Value::Float(f) => {
                self.take_slot(false)?;
                self.raw(b"d:");
                write_float(*f, &mut self.out);
                self.raw(b";");
            }
            Value::Str(s) => {
                self.take_slot(false)?;
                self.string(s);
            }
            Value::Custom(c) => {
                check_class(&c.class)?;
                self.take_slot(true)?;
                self.raw(b"C:");
                self.class_name(&c.class);
                self.raw(b":");
                write_len(&mut self.out, c.payload.len());
                self.raw(b":{");
                self.raw(&c.payload);
                self.raw(b"}");
            }
            Value::Enum(e) => {
                check_class(&e.class)?;
                if e.case.is_empty() || !e.case.iter().all(|&b| is_ident_byte(b)) {
                    return Err(SerializeError::InvalidEnumCase(
                        String::from_utf8_lossy(&e.case).into_owned(),
                    ));
                }
                self.take_slot(true)?;
                self.raw(b"E:");
                write_len(&mut self.out, e.class.len() + 1 + e.case.len());
                self.raw(b":\"");
                self.raw(&e.class);
                self.raw(b":");
                self.raw(&e.case);
                self.raw(b"\";");
            }
            Value::Ref(slot) => {
                if *slot == 0 || *slot > self.slots {
                    return Err(SerializeError::InvalidReference {
                        slot: *slot,
                        at: self.slots.saturating_add(1),
                    });
                }
                self.raw(b"R:");
                write_len(&mut self.out, *slot as usize);
                self.raw(b";");
            }
            Value::ObjRef(slot) => {
                let at = self.slots.saturating_add(1);
                if *slot == 0 || *slot >= at || !self.is_objectish(*slot) {
                    return Err(SerializeError::InvalidReference { slot: *slot, at });
                }
                self.take_slot(true)?;
                self.raw(b"r:");
                write_len(&mut self.out, *slot as usize);
                self.raw(b";");
            }
            Value::Array(_) | Value::Object(_) => {}
        }
        Ok(())
    }

    fn string(&mut self, s: &[u8]) {
        self.raw(b"s:");
        write_len(&mut self.out, s.len());
        self.raw(b":\"");
        self.raw(s);
        self.raw(b"\";");
    }

    fn class_name(&mut self, class: &[u8]) {
        write_len(&mut self.out, class.len());
        self.raw(b":\"");
        self.raw(class);
        self.raw(b"\"");
    }
}

fn check_class(class: &[u8]) -> Result<(), SerializeError> {
    if class.is_empty() || class.first() == Some(&b'\\') || !valid_class_name(class) {
        return Err(SerializeError::InvalidClassName(String::from_utf8_lossy(class).into_owned()));
    }
    Ok(())
}

fn write_len(out: &mut Vec<u8>, n: usize) {
    write_u64(out, n as u64);
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if i < 0 {
        out.push(b'-');
    }
    write_u64(out, i.unsigned_abs());
}

fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0_u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(b) = buf.get_mut(at) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(at..).unwrap_or_default());
}
