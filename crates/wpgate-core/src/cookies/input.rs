//! PHP's request-variable engine: how `$_COOKIE` and `parse_str()` turn `name=value` pairs
//! into (possibly nested) arrays.
//!
//! Both go through `php_default_treat_data()` and `php_register_variable_ex()`
//! (main/php_variables.c, PHP 8.2). The quirks reproduced here are the ones a WordPress-compatible
//! reader must share:
//!
//! * names are C strings: a NUL ends them (cookie names are never decoded, so only `parse_str`
//!   names can contain one after `%00`);
//! * leading spaces of a name are dropped; before the first `[`, `.` and space become `_`;
//!   a name that only this mangling made start with `__Host-` or `__Secure-` is dropped;
//! * `a[b][c]` builds nested arrays, `a[]` (or `a[ ]`, one blank) appends, anything after a
//!   `]` that is not `[` is ignored; an unterminated `[` becomes `_` and so do ` `, `.` and `[` after it (PHP 8);
//! * names that are canonical decimal integers become integer keys (`"5"`, `"-3"`, not `"05"`);
//! * in `$_COOKIE` only, the **first** plain occurrence of a top-level name wins; inside arrays
//!   and in `parse_str` the last one does;
//! * at most `max_input_vars` (1000) pairs are read and at most `max_input_nesting_level` (64)
//!   bracket levels are followed; a deeper name deletes the whole top-level variable.
//!
//! Work is linear in the input up to those limits: nothing is allocated from a length the input
//! declares.

use std::fmt;

/// The `php.ini` limits that bound how much of a request PHP reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// `max_input_vars`: pairs read per header or string (default 1000); the rest is ignored.
    pub max_input_vars: usize,
    /// `max_input_nesting_level`: bracket levels followed (default 64).
    pub max_input_nesting_level: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits { max_input_vars: 1000, max_input_nesting_level: 64 }
    }
}

/// An array key: PHP turns canonical decimal integer strings into integer keys.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKey {
    /// An integer key (`$a[5]`, also from the string `"5"`).
    Int(i64),
    /// Any other key, as bytes.
    Str(Vec<u8>),
}

impl InputKey {
    /// The key PHP's symbol tables use for `name` (`zend_symtable_*`): an integer when `name`
    /// is a canonical decimal integer in range, else the bytes.
    pub fn from_name(name: &[u8]) -> Self {
        match canonical_integer(name) {
            Some(i) => InputKey::Int(i),
            None => InputKey::Str(name.to_vec()),
        }
    }

    /// The key as PHP prints it (`5`, `name`).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            InputKey::Int(i) => i.to_string().into_bytes(),
            InputKey::Str(s) => s.clone(),
        }
    }
}

impl fmt::Debug for InputKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputKey::Int(i) => write!(f, "{i}"),
            InputKey::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
        }
    }
}

impl fmt::Display for InputKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputKey::Int(i) => write!(f, "{i}"),
            InputKey::Str(s) => f.write_str(&String::from_utf8_lossy(s)),
        }
    }
}

/// One request variable: a byte string or an array of them (`name[key]=...`).
///
/// # Security
/// Cookie values are credentials, so `Debug` shows only their length.
#[derive(Clone, PartialEq, Eq)]
pub enum InputValue {
    /// A string value (bytes: percent-decoding can produce any byte).
    Str(Vec<u8>),
    /// An array built from bracketed names.
    Array(InputArray),
}

impl InputValue {
    /// The bytes of a string value; `None` for an array.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            InputValue::Str(s) => Some(s),
            InputValue::Array(_) => None,
        }
    }

    /// The string value when it is valid UTF-8; `None` for an array or other bytes.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The nested array; `None` for a string.
    pub fn as_array(&self) -> Option<&InputArray> {
        match self {
            InputValue::Array(a) => Some(a),
            InputValue::Str(_) => None,
        }
    }

    /// This value with PHP `addslashes()` applied to every string in it, as WordPress's
    /// `add_magic_quotes()` does (keys are left alone).
    #[doc(alias = "add_magic_quotes")]
    pub fn magic_quoted(&self) -> InputValue {
        let mut value = self.clone();
        value.add_magic_quotes();
        value
    }

    /// [`InputValue::magic_quoted`] in place: only strings that need a backslash change.
    pub fn add_magic_quotes(&mut self) {
        match self {
            InputValue::Str(s) => {
                if s.iter().copied().any(needs_slash) {
                    *s = add_slashes(s);
                }
            }
            InputValue::Array(a) => a.add_magic_quotes(),
        }
    }
}

impl fmt::Debug for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputValue::Str(s) => write!(f, "Str(<{} bytes>)", s.len()),
            InputValue::Array(a) => f.debug_tuple("Array").field(a).finish(),
        }
    }
}

/// An ordered PHP array of request variables (insertion order, as PHP keeps it).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InputArray {
    entries: Vec<(InputKey, InputValue)>,
    /// PHP 8.2's `nNextFreeElement`: one past the largest non-negative integer key.
    next_index: i64,
}

impl InputArray {
    /// The value stored under `name` (looked up as PHP does: `"5"` finds key 5).
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&InputValue> {
        self.get_key(&InputKey::from_name(name.as_ref()))
    }

    /// The value stored under `key`.
    pub fn get_key(&self, key: &InputKey) -> Option<&InputValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entries in PHP's order.
    pub fn iter(&self) -> impl Iterator<Item = (&InputKey, &InputValue)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// This array with `addslashes()` applied to every string value, recursively.
    #[doc(alias = "add_magic_quotes")]
    pub fn magic_quoted(&self) -> InputArray {
        let mut array = self.clone();
        array.add_magic_quotes();
        array
    }

    /// [`InputArray::magic_quoted`] in place.
    pub fn add_magic_quotes(&mut self) {
        for (_, value) in &mut self.entries {
            value.add_magic_quotes();
        }
    }

    fn position(&self, key: &InputKey) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    fn note_key(&mut self, key: &InputKey) {
        if let InputKey::Int(i) = *key
            && i >= self.next_index
        {
            self.next_index = i.saturating_add(1);
        }
    }

    /// `zend_symtable_update`: replace in place, or add at the end.
    fn update(&mut self, key: InputKey, value: InputValue) -> usize {
        match self.position(&key) {
            Some(pos) => {
                if let Some(slot) = self.entries.get_mut(pos) {
                    slot.1 = value;
                }
                pos
            }
            None => {
                self.note_key(&key);
                self.entries.push((key, value));
                self.entries.len().saturating_sub(1)
            }
        }
    }

    /// `zend_hash_next_index_insert`; `None` when the next index is taken (PHP drops the value).
    fn append(&mut self, value: InputValue) -> Option<usize> {
        let key = InputKey::Int(self.next_index);
        if self.position(&key).is_some() {
            return None;
        }
        Some(self.update(key, value))
    }

    fn remove(&mut self, key: &InputKey) {
        if let Some(pos) = self.position(key) {
            self.entries.remove(pos);
        }
    }

    fn value_at_mut(&mut self, pos: usize) -> Option<&mut InputValue> {
        self.entries.get_mut(pos).map(|(_, v)| v)
    }
}

impl fmt::Debug for InputArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish()
    }
}

/// PHP `parse_str()` (query-string rules: `&`-separated, `+` is a space, `%XX` decoded in
/// names and values).
pub fn parse_str(input: &[u8]) -> InputArray {
    parse_str_with(input, InputLimits::default())
}

/// [`parse_str`] with explicit `php.ini` limits.
pub fn parse_str_with(input: &[u8], limits: InputLimits) -> InputArray {
    let input = c_string(input);
    let mut out = InputArray::default();
    let mut count = 0usize;
    for pair in input.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        count = count.saturating_add(1);
        if count > limits.max_input_vars {
            break;
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (
                pair.get(..eq).unwrap_or_default(),
                url_decode(pair.get(eq.saturating_add(1)..).unwrap_or_default(), true),
            ),
            None => (pair, Vec::new()),
        };
        let name = url_decode(name, true);
        register_variable(&mut out, &name, value, Registry::Plain, limits);
    }
    out
}

/// PHP's `$_COOKIE` from one `Cookie` header value (`php_default_treat_data(PARSE_COOKIE)`).
pub(crate) fn parse_cookie_header(header: &[u8], limits: InputLimits) -> InputArray {
    let header = c_string(header);
    let mut out = InputArray::default();
    let mut count = 0usize;
    for token in header.split(|&b| b == b';').filter(|t| !t.is_empty()) {
        let eq = token.iter().position(|&b| b == b'=');
        let start = token.iter().position(|&b| !is_c_space(b)).unwrap_or(token.len());
        // An empty name (only blanks, or "=value") is skipped before it counts.
        if start == token.len() || eq == Some(start) {
            continue;
        }
        count = count.saturating_add(1);
        if count > limits.max_input_vars {
            break;
        }
        let (name, value) = match eq {
            Some(eq) => (
                token.get(start..eq).unwrap_or_default(),
                url_decode(token.get(eq.saturating_add(1)..).unwrap_or_default(), false),
            ),
            None => (token.get(start..).unwrap_or_default(), Vec::new()),
        };
        register_variable(&mut out, name, value, Registry::Cookie, limits);
    }
    out
}

/// PHP `rawurldecode()` (`plus_is_space = false`) or `urldecode()`: `%XX` with two hex digits
/// becomes that byte, anything else is kept as is.
pub(crate) fn url_decode(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    // Most values (every auth cookie WordPress sets) have nothing to decode: one copy.
    if !input.iter().any(|&b| b == b'%' || (plus_is_space && b == b'+')) {
        return input.to_vec();
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%'
            && let (Some(hi), Some(lo)) = (
                input.get(i.saturating_add(1)).and_then(|&c| hex_value(c)),
                input.get(i.saturating_add(2)).and_then(|&c| hex_value(c)),
            )
        {
            out.push((hi << 4) | lo);
            i = i.saturating_add(3);
            continue;
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i = i.saturating_add(1);
    }
    out
}

/// PHP `addslashes()`: a backslash before `'`, `"` and `\`; NUL becomes `\0`.
pub(crate) fn add_slashes(input: &[u8]) -> Vec<u8> {
    if !input.iter().copied().any(needs_slash) {
        return input.to_vec();
    }
    let mut out = Vec::with_capacity(input.len().saturating_add(8));
    for &b in input {
        match b {
            b'\'' | b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0 => out.extend_from_slice(b"\\0"),
            _ => out.push(b),
        }
    }
    out
}

/// Whether `addslashes()` escapes `b`.
fn needs_slash(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'\\' | 0)
}

/// Which table a variable is registered into: only the top level of `$_COOKIE` keeps the
/// first of two equal names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Registry {
    Cookie,
    Plain,
}

/// `php_register_variable_ex()`: store `value` under the (bracketed) `name`.
fn register_variable(
    track: &mut InputArray,
    name: &[u8],
    value: Vec<u8>,
    registry: Registry,
    limits: InputLimits,
) {
    let name = c_string(name);
    let start = name.iter().position(|&b| b != b' ').unwrap_or(name.len());
    let mut var = name.get(start..).unwrap_or_default().to_vec();

    let mut bracket = None;
    for (i, c) in var.iter_mut().enumerate() {
        match *c {
            b' ' | b'.' => *c = b'_',
            b'[' => {
                bracket = Some(i);
                break;
            }
            _ => {}
        }
    }
    let base_len = bracket.unwrap_or(var.len());
    // CVE-2022-31629: a name that only mangling turned into a __Host- or __Secure- cookie is
    // dropped, so "..Host-x" cannot pose as a host-only cookie.
    let original = name.get(start..).unwrap_or_default();
    let base = var.get(..base_len).unwrap_or_default();
    for prefix in [&b"__Host-"[..], &b"__Secure-"[..]] {
        if base.starts_with(prefix) && !original.starts_with(prefix) {
            return;
        }
    }
    if base_len == 0 {
        return;
    }
    let base = InputKey::from_name(var.get(..base_len).unwrap_or_default());
    let Some(open) = bracket else {
        insert_plain(track, Some(base), value, registry == Registry::Cookie);
        return;
    };

    // Walk the bracket levels as PHP does, remembering the path of keys (None = append).
    let mut path: Vec<Option<InputKey>> = Vec::new();
    let mut ip = open; // index of the current '['
    let mut nest_level = 0usize;
    loop {
        nest_level = nest_level.saturating_add(1);
        if nest_level > limits.max_input_nesting_level {
            track.remove(&base);
            return;
        }
        let index_s = ip.saturating_add(1);
        let mut p = index_s;
        if var.get(p).is_some_and(|&b| is_c_space(b)) {
            p = p.saturating_add(1);
        }
        if var.get(p) == Some(&b']') {
            path.push(None);
            ip = p;
        } else {
            let close = var
                .get(p..)
                .and_then(|rest| rest.iter().position(|&b| b == b']'))
                .map(|off| p.saturating_add(off));
            let Some(close) = close else {
                // Not an index. At the first level the whole name becomes a plain one with the
                // '[' (and any ' ', '.', '[' after it) turned into '_'; deeper, the value lands
                // on the last complete index.
                if path.is_empty() {
                    if let Some(c) = var.get_mut(ip) {
                        *c = b'_';
                    }
                    for c in var.iter_mut().skip(index_s) {
                        if matches!(*c, b' ' | b'.' | b'[') {
                            *c = b'_';
                        }
                    }
                    insert_plain(
                        track,
                        Some(InputKey::from_name(&var)),
                        value,
                        registry == Registry::Cookie,
                    );
                } else {
                    insert_path(track, base, path, value);
                }
                return;
            };
            path.push(Some(InputKey::from_name(var.get(index_s..close).unwrap_or_default())));
            ip = close;
        }
        let next = ip.saturating_add(1);
        if var.get(next) == Some(&b'[') {
            ip = next;
        } else {
            insert_path(track, base, path, value);
            return;
        }
    }
}

/// The `plain_var:` branch at the top level.
fn insert_plain(track: &mut InputArray, key: Option<InputKey>, value: Vec<u8>, first_wins: bool) {
    match key {
        None => {
            track.append(InputValue::Str(value));
        }
        Some(key) => {
            // rfc2965: the more specific cookie comes first, so a repeated name is ignored.
            if first_wins && track.position(&key).is_some() {
                return;
            }
            track.update(key, InputValue::Str(value));
        }
    }
}

/// Stores `value` at `track[base][path[0]]...[path[n-1]]`, creating (or replacing non-array
/// values with) arrays on the way; `None` in the path appends a new element.
fn insert_path(
    track: &mut InputArray,
    base: InputKey,
    mut path: Vec<Option<InputKey>>,
    value: Vec<u8>,
) {
    let Some(last) = path.pop() else {
        return;
    };
    let mut table = track;
    let mut key = Some(base);
    for index in path {
        let Some(container) = descend(table, key) else {
            return;
        };
        table = container;
        key = index;
    }
    let Some(container) = descend(table, key) else {
        return;
    };
    match last {
        None => {
            container.append(InputValue::Str(value));
        }
        Some(k) => {
            container.update(k, InputValue::Str(value));
        }
    }
}

/// The array at `table[key]` (a fresh one appended when `key` is None), turning a string
/// there into an empty array as PHP does.
fn descend(table: &mut InputArray, key: Option<InputKey>) -> Option<&mut InputArray> {
    let pos = match key {
        None => table.append(InputValue::Array(InputArray::default()))?,
        Some(key) => match table.position(&key) {
            Some(pos) => pos,
            None => table.update(key, InputValue::Array(InputArray::default())),
        },
    };
    let slot = table.value_at_mut(pos)?;
    if !matches!(slot, InputValue::Array(_)) {
        *slot = InputValue::Array(InputArray::default());
    }
    match slot {
        InputValue::Array(a) => Some(a),
        InputValue::Str(_) => None,
    }
}

/// The bytes before the first NUL: what a C string API sees.
fn c_string(input: &[u8]) -> &[u8] {
    match input.iter().position(|&b| b == 0) {
        Some(nul) => input.get(..nul).unwrap_or_default(),
        None => input,
    }
}

/// C `isspace()` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `ZEND_HANDLE_NUMERIC_STR`: `"0"`, `"42"`, `"-7"` in `i64` range; not `"07"`, `"-0"`, `"+1"`.
fn canonical_integer(name: &[u8]) -> Option<i64> {
    let digits = name.strip_prefix(b"-").unwrap_or(name);
    let first = *digits.first()?;
    if !first.is_ascii_digit() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if first == b'0' && name.len() > 1 {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &InputValue) -> &[u8] {
        v.as_bytes().expect("a string value")
    }

    #[test]
    fn cookie_values_are_raw_decoded_and_plus_stays() {
        let c = parse_cookie_header(b"a=b+c%20d%7C; e=%zz%4", InputLimits::default());
        assert_eq!(s(c.get("a").unwrap()), b"b+c d|");
        assert_eq!(s(c.get("e").unwrap()), b"%zz%4");
    }

    #[test]
    fn first_cookie_of_a_name_wins_but_parse_str_keeps_the_last() {
        let c = parse_cookie_header(b"a=1; a=2", InputLimits::default());
        assert_eq!(s(c.get("a").unwrap()), b"1");
        let q = parse_str(b"a=1&a=2");
        assert_eq!(s(q.get("a").unwrap()), b"2");
    }

    #[test]
    fn cookie_names_are_not_decoded_and_blanks_are_skipped() {
        let c = parse_cookie_header(b"\t a%41=1;;  ; =x;  =y; b", InputLimits::default());
        assert_eq!(c.len(), 2);
        assert_eq!(s(c.get("a%41").unwrap()), b"1");
        assert_eq!(s(c.get("b").unwrap()), b"");
    }

    #[test]
    fn dots_and_spaces_become_underscores_before_the_first_bracket() {
        let c = parse_cookie_header(b"a.b c=1; x[y.z]=2", InputLimits::default());
        assert_eq!(s(c.get("a_b_c").unwrap()), b"1");
        let x = c.get("x").unwrap().as_array().unwrap();
        assert_eq!(s(x.get("y.z").unwrap()), b"2");
    }

    #[test]
    fn unterminated_bracket_becomes_underscore_and_mangles_the_rest() {
        let q = parse_str(b"a[b.c d[e=1");
        assert_eq!(s(q.get("a_b_c_d_e").unwrap()), b"1");
        // Deeper, the value lands on the last complete index.
        let q = parse_str(b"a[x][y=1");
        let a = q.get("a").unwrap().as_array().unwrap();
        assert_eq!(s(a.get("x").unwrap()), b"1");
    }

    #[test]
    fn brackets_build_arrays_and_append() {
        let q = parse_str(b"a[]=1&a[]=2&a[5]=3&a[]=4&a[k][]=5&a[ ]=6&a[ j]=7&b[x]junk=8");
        let a = q.get("a").unwrap().as_array().unwrap();
        let keys: Vec<String> = a.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["0", "1", "5", "6", "k", "7", " j"]);
        assert_eq!(s(a.get("6").unwrap()), b"4");
        assert_eq!(s(a.get(" j").unwrap()), b"7");
        let k = a.get("k").unwrap().as_array().unwrap();
        assert_eq!(s(k.get("0").unwrap()), b"5");
        let b = q.get("b").unwrap().as_array().unwrap();
        assert_eq!(s(b.get("x").unwrap()), b"8");
    }

    #[test]
    fn an_array_cookie_replaces_an_earlier_string_but_not_the_reverse() {
        let c = parse_cookie_header(
            b"a=1; a[x]=2; b[x]=1; b=2; c[x]=1; c[x]=2",
            InputLimits::default(),
        );
        assert!(c.get("a").unwrap().as_array().is_some());
        assert!(c.get("b").unwrap().as_array().is_some());
        let cx = c.get("c").unwrap().as_array().unwrap();
        assert_eq!(s(cx.get("x").unwrap()), b"2");
    }

    #[test]
    fn mangling_into_a_cookie_prefix_drops_the_name() {
        let c = parse_cookie_header(
            b"..Host-a=1; __Host-b=2; _.Secure-c=3; __Secure-d[x]=4; .[Host-e=5",
            InputLimits::default(),
        );
        let keys: Vec<String> = c.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["__Host-b", "__Secure-d", "__Host-e"]);
    }

    #[test]
    fn one_blank_of_any_kind_may_open_an_index() {
        let q = parse_str(b"a[%09]=1&a[%0A]=2&b[%09x]=3");
        let a = q.get("a").unwrap().as_array().unwrap();
        assert_eq!(a.len(), 2);
        let b = q.get("b").unwrap().as_array().unwrap();
        assert_eq!(s(b.get("\tx").unwrap()), b"3");
    }

    #[test]
    fn empty_base_names_are_dropped() {
        let q = parse_str(b"[x]=1&=2&%20=3");
        assert!(q.is_empty());
    }

    #[test]
    fn integer_names_become_integer_keys() {
        let q = parse_str(b"5=a&05=b&-3=c&-0=d");
        let keys: Vec<&InputKey> = q.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                &InputKey::Int(5),
                &InputKey::Str(b"05".to_vec()),
                &InputKey::Int(-3),
                &InputKey::Str(b"-0".to_vec())
            ]
        );
    }

    #[test]
    fn too_deep_nesting_deletes_the_variable() {
        let limits = InputLimits { max_input_vars: 1000, max_input_nesting_level: 2 };
        let q = parse_str_with(b"a=1&a[x][y]=2&a[x][y][z]=3", limits);
        assert!(q.get("a").is_none());
        let q = parse_str_with(b"b[x][y]=2", limits);
        assert!(q.get("b").is_some());
    }

    #[test]
    fn max_input_vars_stops_reading() {
        let limits = InputLimits { max_input_vars: 2, max_input_nesting_level: 64 };
        let c = parse_cookie_header(b"a=1; ; =z; b=2; c=3", limits);
        assert_eq!(c.len(), 2);
        assert!(c.get("c").is_none());
    }

    #[test]
    fn nul_ends_names_and_the_header() {
        let q = parse_str(b"a%00b=1");
        assert_eq!(s(q.get("a").unwrap()), b"1");
        let c = parse_cookie_header(b"a=1\0; b=2", InputLimits::default());
        assert!(c.get("b").is_none());
        let c = parse_cookie_header(b"a=x%00y", InputLimits::default());
        assert_eq!(s(c.get("a").unwrap()), b"x\0y");
    }

    #[test]
    fn addslashes_escapes_quotes_backslash_and_nul() {
        assert_eq!(add_slashes(b"o'c\"x\\y\0z"), b"o\\'c\\\"x\\\\y\\0z");
    }

    #[test]
    fn fast_paths_keep_plain_text_as_is() {
        assert_eq!(add_slashes(b"admin|1772382187|tok|abc"), b"admin|1772382187|tok|abc");
        assert_eq!(add_slashes(b""), b"");
        assert_eq!(url_decode(b"a+b|c", false), b"a+b|c");
        assert_eq!(url_decode(b"a+b|c", true), b"a b|c");
        assert_eq!(url_decode(b"100%", false), b"100%");
        assert_eq!(url_decode(b"%7c%7C%zz", false), b"||%zz");
    }

    #[test]
    fn debug_output_hides_values() {
        let c = parse_cookie_header(b"wordpress_logged_in_x=secret", InputLimits::default());
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret"));
        assert!(shown.contains("wordpress_logged_in_x"));
    }
}
