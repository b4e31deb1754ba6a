//! `session.serialize_handler`: how `$_SESSION` becomes the bytes a save handler stores
//! (ext/session/session.c, `PS_SERIALIZER_ENCODE_FUNC` / `PS_SERIALIZER_DECODE_FUNC`).

use std::str::FromStr;

use thiserror::Error;

use crate::php_serialize::de::{EMPTY_ENTRY, Parser};
use crate::php_serialize::{
    CanonError, Key, KeyRef, OUTPUT_START, PhpString, RootMode, SerializeError, UnserializeError,
    UnserializeErrorKind, Unserializer, Value, Writer, canonicalize,
};

/// A session serializer (`session.serialize_handler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    /// `php` (the default): `name|value` per variable, no separators.
    Php,
    /// `php_serialize`: `serialize($_SESSION)`.
    PhpSerialize,
    /// `php_binary`: a length byte, the name, the value, per variable.
    PhpBinary,
}

/// The decoded `$_SESSION`, ready to edit and encode again.
///
/// `R:`/`r:` slot numbers inside depend on the serializer the data came from (`php` counts
/// each variable's value from 1, `php_serialize` counts the array itself as 1); the session
/// remembers which, and renumbers when it is encoded with the other kind.
///
/// # Examples
/// ```
/// use wpgate_core::php_session::{Handler, Session};
/// use wpgate_core::php_serialize::Value;
/// let bytes = br#"user_id|i:1234;username|s:5:"alice";"#;
/// let mut s = Session::decode(Handler::Php, bytes).unwrap();
/// assert_eq!(s.get("user_id"), Some(&Value::Int(1234)));
/// s.insert("csrf", Value::from("f3a9c1"));
/// assert_eq!(
///     s.encode(Handler::Php).unwrap(),
///     br#"user_id|i:1234;username|s:5:"alice";csrf|s:6:"f3a9c1";"#
/// );
/// assert_eq!(
///     s.encode(Handler::PhpSerialize).unwrap(),
///     br#"a:3:{s:7:"user_id";i:1234;s:8:"username";s:5:"alice";s:4:"csrf";s:6:"f3a9c1";}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    value: Value,
    numbering: Numbering,
}

/// How the slots of `R:`/`r:` inside a session are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Numbering {
    /// Each variable's value takes a slot; the array itself does not (`php`, `php_binary`).
    Vars,
    /// The array is slot 1 (`php_serialize`, `serialize($_SESSION)`).
    Whole,
}

/// What PHP's `session_encode()` would write, and what it silently left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhpEncoding {
    /// The bytes the save handler stores (empty when PHP's encoder fails).
    pub bytes: Vec<u8>,
    /// What PHP dropped or warned about.
    pub warnings: Vec<EncodeWarning>,
}

/// Data PHP's encoder loses.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeWarning {
    /// "Skipping numeric key N": integer top-level keys are not written (`php`, `php_binary`).
    NumericKeySkipped(i64),
    /// A name longer than 127 bytes is silently not written (`php_binary`).
    LongNameSkipped(Vec<u8>),
    /// A `|` in a name makes the `php` encoder fail: PHP stores an empty session.
    PipeInName(Vec<u8>),
    /// `$_SESSION` is not an array: PHP stores an empty session.
    NotAnArray,
}

/// Why session bytes cannot be decoded or a session cannot be encoded safely.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The data starts with igbinary's header (`\0\0\0\x02`): the site uses
    /// `session.serialize_handler = igbinary`, which is not supported.
    #[error(
        "the session is igbinary-encoded (session.serialize_handler=igbinary), which is not supported"
    )]
    Igbinary,
    /// `php` format: a name without a `|` after it.
    #[error("session variable name without '|' at offset {offset}")]
    MissingSeparator {
        /// Where the name starts.
        offset: usize,
    },
    /// `php_binary` format: a name that runs past the end.
    #[error("truncated session variable name at offset {offset}")]
    TruncatedName {
        /// Where the length byte is.
        offset: usize,
    },
    /// A value PHP would not unserialize (PHP destroys such a session).
    #[error("invalid session value: {0}")]
    Value(#[from] UnserializeError),
    /// An integer top-level key: PHP would skip it with a warning.
    #[error("integer session key {0} cannot be stored by this serializer")]
    NumericName(i64),
    /// A `|` in a name: the `php` serializer would store an empty session.
    #[error("session variable name {0:?} contains '|'")]
    PipeInName(String),
    /// A name over 127 bytes: `php_binary` would silently drop it.
    #[error("session variable name of {0} bytes is too long for php_binary (max 127)")]
    NameTooLong(usize),
    /// `$_SESSION` is not an array: PHP would store an empty session.
    #[error("the session is not an array")]
    NotAnArray,
    /// The value cannot be written (dangling references, invalid class names, …).
    #[error("cannot serialize the session: {0}")]
    Serialize(#[from] SerializeError),
    /// References that cannot be renumbered for the other serializer (one points at the
    /// session array itself).
    #[error("the session's references cannot be renumbered for this serializer")]
    References,
    /// Not one of `php`, `php_serialize`, `php_binary`.
    #[error("unknown session.serialize_handler {0:?}")]
    UnknownHandler(String),
}

/// The igbinary header: format version 1 or 2.
const IGBINARY_HEADERS: [&[u8]; 2] = [b"\0\0\0\x02", b"\0\0\0\x01"];

/// Whether `bytes` look like igbinary data (`session.serialize_handler = igbinary`).
pub fn is_igbinary(bytes: &[u8]) -> bool {
    IGBINARY_HEADERS.iter().any(|h| bytes.starts_with(h))
}

impl Handler {
    /// The `session.serialize_handler` value.
    pub fn name(self) -> &'static str {
        match self {
            Handler::Php => "php",
            Handler::PhpSerialize => "php_serialize",
            Handler::PhpBinary => "php_binary",
        }
    }
}

impl FromStr for Handler {
    type Err = SessionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "php" => Ok(Handler::Php),
            "php_serialize" => Ok(Handler::PhpSerialize),
            "php_binary" => Ok(Handler::PhpBinary),
            "igbinary" => Err(SessionError::Igbinary),
            other => Err(SessionError::UnknownHandler(other.to_owned())),
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// An empty session.
    pub fn new() -> Self {
        Session { value: Value::Array(Vec::new()), numbering: Numbering::Vars }
    }

    /// A session holding `value` as `$_SESSION`, references numbered as
    /// `serialize($_SESSION)` would number them.
    pub fn from_value(value: Value) -> Self {
        Session { value, numbering: Numbering::Whole }
    }

    /// A session from `(name, value)` variables whose references are numbered as the `php`
    /// and `php_binary` serializers number them (each value a slot, from 1). A repeated name
    /// keeps its first position and takes the last value.
    pub fn from_vars<K: Into<PhpString>>(vars: impl IntoIterator<Item = (K, Value)>) -> Self {
        let mut entries: Vec<(Key, Value)> =
            vars.into_iter().map(|(k, v)| (Key::Str(k.into()), v)).collect();
        crate::php_serialize::de::dedup_entries(&mut entries, false);
        Session { value: Value::Array(entries), numbering: Numbering::Vars }
    }

    /// Decodes stored session bytes as PHP's `session_decode()` would.
    ///
    /// # Errors
    /// [`SessionError`] where PHP would fail (and destroy the session), and
    /// [`SessionError::Igbinary`] for igbinary data.
    #[doc(alias = "session_decode")]
    pub fn decode(handler: Handler, bytes: &[u8]) -> Result<Session, SessionError> {
        Session::decode_with(handler, bytes, &Unserializer::new())
    }

    /// [`Session::decode`] with a configured reader (depth limit, classes).
    ///
    /// # Errors
    /// As [`Session::decode`].
    pub fn decode_with(
        handler: Handler,
        bytes: &[u8],
        reader: &Unserializer<'_>,
    ) -> Result<Session, SessionError> {
        let result = match handler {
            Handler::PhpSerialize => decode_whole(bytes, reader),
            Handler::Php | Handler::PhpBinary => decode_vars(handler, bytes, reader),
        };
        match result {
            Err(_) if is_igbinary(bytes) => Err(SessionError::Igbinary),
            r => r,
        }
    }

    /// Encodes for `handler`, refusing whatever PHP would silently drop (integer keys, `|`
    /// in names for `php`, names over 127 bytes for `php_binary`, a non-array session).
    ///
    /// # Errors
    /// [`SessionError`] naming what PHP would lose.
    #[doc(alias = "session_encode")]
    pub fn encode(&self, handler: Handler) -> Result<Vec<u8>, SessionError> {
        let encoding = self.encode_like_php(handler)?;
        match encoding.warnings.into_iter().next() {
            None => Ok(encoding.bytes),
            Some(EncodeWarning::NumericKeySkipped(i)) => Err(SessionError::NumericName(i)),
            Some(EncodeWarning::LongNameSkipped(n)) => Err(SessionError::NameTooLong(n.len())),
            Some(EncodeWarning::PipeInName(n)) => {
                Err(SessionError::PipeInName(String::from_utf8_lossy(&n).into_owned()))
            }
            Some(EncodeWarning::NotAnArray) => Err(SessionError::NotAnArray),
        }
    }

    /// Encodes exactly as PHP's `session_encode()` / session write would, dropping what PHP
    /// drops and reporting it.
    ///
    /// # Errors
    /// [`SessionError::Serialize`] for values PHP could not read back.
    pub fn encode_like_php(&self, handler: Handler) -> Result<PhpEncoding, SessionError> {
        let Value::Array(entries) = &self.value else {
            return Ok(PhpEncoding {
                bytes: Vec::new(),
                warnings: vec![EncodeWarning::NotAnArray],
            });
        };
        if handler == Handler::PhpSerialize {
            let value = self.renumbered(Numbering::Whole, &[])?;
            let mut w = Writer::new(Vec::with_capacity(OUTPUT_START));
            w.value(value.as_ref().unwrap_or(&self.value))?;
            return Ok(PhpEncoding { bytes: w.into_inner(), warnings: Vec::new() });
        }
        let mut warnings = Vec::new();
        let mut keep = Vec::with_capacity(entries.len());
        for (i, (k, _)) in entries.iter().enumerate() {
            match k {
                Key::Int(n) => warnings.push(EncodeWarning::NumericKeySkipped(*n)),
                Key::Str(name) if handler == Handler::Php && name.contains(&b'|') => {
                    // PS_SERIALIZER_ENCODE_FUNC(php) gives up: the write stores "".
                    warnings.push(EncodeWarning::PipeInName(name.to_vec()));
                    return Ok(PhpEncoding { bytes: Vec::new(), warnings });
                }
                Key::Str(name) if handler == Handler::PhpBinary && name.len() > 127 => {
                    warnings.push(EncodeWarning::LongNameSkipped(name.to_vec()));
                }
                Key::Str(_) => keep.push(i),
            }
        }
        let renumbered = self.renumbered(Numbering::Vars, &keep)?;
        let values: Vec<&Value> = match &renumbered {
            Some(Value::Array(e)) => e.iter().map(|(_, v)| v).collect(),
            _ => keep.iter().filter_map(|&i| entries.get(i).map(|(_, v)| v)).collect(),
        };
        let mut w = Writer::new(Vec::with_capacity(OUTPUT_START));
        for (&i, value) in keep.iter().zip(values) {
            let Some((Key::Str(name), _)) = entries.get(i) else {
                continue;
            };
            if handler == Handler::PhpBinary {
                w.raw(&[u8::try_from(name.len()).unwrap_or(0)]);
                w.raw(name);
            } else {
                w.raw(name);
                w.raw(b"|");
            }
            w.value(value)?;
        }
        Ok(PhpEncoding { bytes: w.into_inner(), warnings })
    }

    /// `$_SESSION` itself.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// `$_SESSION`, mutable. Edits that add or move `R:`/`r:` references must keep their
    /// slot numbers valid for the serializer the session came from.
    pub fn value_mut(&mut self) -> &mut Value {
        &mut self.value
    }

    /// `$_SESSION` with references numbered as `serialize($_SESSION)` numbers them.
    ///
    /// # Errors
    /// [`SessionError::References`] if they cannot be renumbered.
    pub fn into_value(self) -> Result<Value, SessionError> {
        match self.renumbered(Numbering::Whole, &[])? {
            Some(v) => Ok(v),
            None => Ok(self.value),
        }
    }

    /// A variable, with PHP's array key rules (`get("5")` finds key 5).
    pub fn get<'k>(&self, key: impl Into<KeyRef<'k>>) -> Option<&Value> {
        self.value.get(key)
    }

    /// Sets a variable (`$_SESSION[$key] = $value`); a non-array session (only
    /// `php_serialize` data can hold one) becomes an array first.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) {
        if self.value.as_array().is_none() {
            self.value = Value::Array(Vec::new());
        }
        self.value.insert(key, value);
    }

    /// Removes a variable (`unset($_SESSION[$key])`).
    pub fn remove<'k>(&mut self, key: impl Into<KeyRef<'k>>) -> Option<Value> {
        self.value.remove(key)
    }

    /// Whether the session has no variables.
    pub fn is_empty(&self) -> bool {
        self.value.as_array().is_none_or(<[_]>::is_empty)
    }

    /// The variables in order (empty if `$_SESSION` is not an array).
    pub fn vars(&self) -> &[(Key, Value)] {
        self.value.as_array().unwrap_or_default()
    }

    /// The session as `target` numbers it, keeping only the variables at `keep` (all for
    /// `Whole`); `None` when nothing changes.
    fn renumbered(&self, target: Numbering, keep: &[usize]) -> Result<Option<Value>, SessionError> {
        let Value::Array(entries) = &self.value else {
            return Ok(None);
        };
        let dropped = target == Numbering::Vars && keep.len() != entries.len();
        if !self.value.contains_references() || (target == self.numbering && !dropped) {
            return Ok(None);
        }
        let roots: Vec<&Value> = entries.iter().map(|(_, v)| v).collect();
        let live = vec![true; roots.len()];
        let all: Vec<usize> = (0..roots.len()).collect();
        let order = if target == Numbering::Vars { keep } else { &all };
        let base = u32::from(self.numbering == Numbering::Whole);
        let out_base = u32::from(target == Numbering::Whole);
        let values =
            canonicalize(&roots, &live, order, base, out_base, RootMode::Vars, usize::MAX / 4)
                .map_err(|_| SessionError::References)?;
        let keys = order.iter().filter_map(|&i| entries.get(i).map(|(k, _)| k.clone()));
        Ok(Some(Value::Array(keys.zip(values).collect())))
    }
}

/// `PS_SERIALIZER_DECODE_FUNC(php_serialize)`: one value, trailing bytes ignored, `N;` (and
/// the empty string) an empty session, any other value kept as `$_SESSION`.
fn decode_whole(bytes: &[u8], reader: &Unserializer<'_>) -> Result<Session, SessionError> {
    if bytes.is_empty() {
        return Ok(Session::from_value(Value::Array(Vec::new())));
    }
    let reader = (*reader).allow_trailing_bytes(true);
    let value = reader.unserialize(bytes)?;
    let value = if value.is_null() { Value::Array(Vec::new()) } else { value };
    Ok(Session::from_value(value))
}

/// `php` / `php_binary` decoding: variables share one slot counter.
fn decode_vars(
    handler: Handler,
    bytes: &[u8],
    reader: &Unserializer<'_>,
) -> Result<Session, SessionError> {
    let mut read = read_vars(handler, bytes, reader, true)?;
    let dup_names = has_duplicate_names(&read.vars);
    if !read.needs_canon {
        let mut entries = read.vars;
        if dup_names {
            crate::php_serialize::de::dedup_entries(&mut entries, false);
        }
        return Ok(Session { value: Value::Array(entries), numbering: Numbering::Vars });
    }
    if read.saw_duplicates {
        read = read_vars(handler, bytes, reader, false)?;
    }
    // zend_hash_update: a repeated name keeps its first position and takes the last value.
    let mut first_at: Vec<(usize, usize)> = Vec::new();
    for (i, (name, _)) in read.vars.iter().enumerate() {
        match first_at.iter_mut().find(|(f, _)| read.vars.get(*f).is_some_and(|(n, _)| n == name)) {
            Some(slot) => slot.1 = i,
            None => first_at.push((i, i)),
        }
    }
    let roots: Vec<&Value> = read.vars.iter().map(|(_, v)| v).collect();
    let mut live = vec![false; roots.len()];
    for &(_, last) in &first_at {
        if let Some(l) = live.get_mut(last) {
            *l = true;
        }
    }
    let order: Vec<usize> = first_at.iter().map(|&(_, last)| last).collect();
    let values = canonicalize(&roots, &live, &order, 0, 0, RootMode::Vars, reader.max_depth)
        .map_err(|e| read.canon_error(e))?;
    let entries = first_at
        .iter()
        .filter_map(|&(first, _)| read.vars.get(first).map(|(n, _)| n.clone()))
        .zip(values)
        .collect();
    Ok(Session { value: Value::Array(entries), numbering: Numbering::Vars })
}

struct ReadVars {
    /// Names as (unnormalised) string keys, values in document order.
    vars: Vec<(Key, Value)>,
    needs_canon: bool,
    saw_duplicates: bool,
    ref_offsets: Vec<usize>,
}

impl ReadVars {
    fn canon_error(&self, e: CanonError) -> SessionError {
        let (i, kind) = match e {
            CanonError::RefToOverwritten(i) => (i, UnserializeErrorKind::ReferenceToOverwritten),
            CanonError::BadReference(i) => (i, UnserializeErrorKind::InvalidReference),
            CanonError::TooDeep(d) => (usize::MAX, UnserializeErrorKind::TooDeep(d)),
        };
        let offset = self.ref_offsets.get(i).copied().unwrap_or(0);
        SessionError::Value(UnserializeError::new(offset, kind))
    }
}

fn read_vars(
    handler: Handler,
    bytes: &[u8],
    reader: &Unserializer<'_>,
    dedup: bool,
) -> Result<ReadVars, SessionError> {
    let mut parser = Parser::new(bytes, reader, dedup);
    let mut vars = Vec::with_capacity(8);
    while parser.pos < bytes.len() {
        let at = parser.pos;
        let (name_at, name_len) = match handler {
            Handler::PhpBinary => {
                // The high bit is a leftover "undefined variable" flag, ignored on read.
                let len = usize::from(bytes.get(at).copied().unwrap_or(0) & 0x7f);
                if at + len >= bytes.len() {
                    return Err(SessionError::TruncatedName { offset: at });
                }
                parser.pos = at + 1 + len;
                (at + 1, len)
            }
            _ => {
                let rest = bytes.get(at..).unwrap_or_default();
                let bar = rest
                    .iter()
                    .position(|&b| b == b'|')
                    .ok_or(SessionError::MissingSeparator { offset: at })?;
                parser.pos = at + bar + 1;
                (at, bar)
            }
        };
        // Name and value are written into the pushed entry in place: a `(name, value)` pair
        // built and pushed went through the stack with a store-forwarding stall (`perf`).
        vars.push(EMPTY_ENTRY);
        let Some((name, value)) = vars.last_mut() else { break };
        *name = Key::Str(PhpString::new());
        if let Key::Str(dst) = name
            && let Some(s) = PhpString::from_input(bytes, name_at, name_len)
        {
            drop(std::mem::replace(dst, s));
        }
        parser.value_into(value)?;
    }
    Ok(ReadVars {
        vars,
        needs_canon: parser.needs_canon(),
        saw_duplicates: parser.saw_duplicates,
        ref_offsets: parser.ref_offsets().to_vec(),
    })
}

fn has_duplicate_names(vars: &[(Key, Value)]) -> bool {
    if vars.len() <= 16 {
        return vars
            .iter()
            .enumerate()
            .skip(1)
            .any(|(i, (n, _))| vars.iter().take(i).any(|(o, _)| o == n));
    }
    let mut seen = std::collections::HashSet::with_capacity(vars.len());
    !vars.iter().all(|(n, _)| seen.insert(n))
}
