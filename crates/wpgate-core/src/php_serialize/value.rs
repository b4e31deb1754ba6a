//! The value model: what `unserialize()` reads and `serialize()` writes, byte strings and all.

use std::fmt;

use super::php_string::PhpString;

/// A PHP value as the `serialize()` format carries it.
///
/// Strings, class names and property names are byte strings ([`PhpString`]: PHP strings are
/// bytes, not UTF-8; short ones are stored inline). Arrays and objects are ordered lists of
/// entries, so insertion order and mangled property names survive a round trip. References
/// are kept unresolved as slot numbers ([`Value::Ref`] for `R:`, [`Value::ObjRef`] for `r:`),
/// so a decoded value re-encodes to the same bytes.
///
/// Equality is structural; floats compare by bit pattern (so `-0.0 != 0.0`) except that every
/// NaN equals every other NaN, because PHP writes them all as `NAN`.
#[derive(Clone, Default)]
pub enum Value {
    /// `N;`
    #[default]
    Null,
    /// `b:0;` / `b:1;`
    Bool(bool),
    /// `i:…;`
    Int(i64),
    /// `d:…;`
    Float(f64),
    /// `s:<len>:"…";` raw bytes.
    Str(PhpString),
    /// `a:<count>:{…}` entries in PHP's order.
    Array(Vec<(Key, Value)>),
    /// `O:…:{…}` a class instance (including `__serialize()` data and incomplete classes).
    Object(Box<Object>),
    /// `C:…:{payload}` an object implementing `Serializable`, payload kept opaque.
    Custom(Box<Custom>),
    /// `E:…;` an enum case (PHP 8.1+).
    Enum(Box<EnumCase>),
    /// `R:<slot>;` a PHP reference (`&$x`) to the value that took `slot`.
    Ref(u32),
    /// `r:<slot>;` the object that took `slot`, written again.
    ObjRef(u32),
}

/// An array key or object property name: PHP keys are integers or byte strings.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// `i:…;`
    Int(i64),
    /// `s:…;` (kept verbatim: build it with [`Key::normalized`] for PHP array semantics).
    Str(PhpString),
}

/// A borrowed key for lookups: `Value::get("user_id")`, `value.get(0)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyRef<'a> {
    /// An integer key.
    Int(i64),
    /// A byte-string key.
    Str(&'a [u8]),
}

/// An object: class name and property entries with PHP's mangled names, in order.
#[derive(Clone, PartialEq, Default)]
pub struct Object {
    /// The class name as written (`Vg\App\Model\Account`, no leading `\`).
    pub class: PhpString,
    /// Properties (or `__serialize()` entries), names mangled as PHP writes them.
    pub entries: Vec<(Key, Value)>,
}

/// A `C:` object: the class and the opaque bytes its `Serializable::serialize()` returned.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Custom {
    /// The class name.
    pub class: PhpString,
    /// The payload, raw bytes (it may contain `{`, `}`, `;`, `"`).
    pub payload: Vec<u8>,
}

/// An enum case: `E:13:"VgSuit:Hearts";`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct EnumCase {
    /// The enum's class name.
    pub class: PhpString,
    /// The case name.
    pub case: PhpString,
}

/// A property's visibility, decoded from its mangled name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility<'a> {
    /// `name`
    Public,
    /// `\0*\0name`
    Protected,
    /// `\0Class\0name`: private to the declaring class `Class`.
    Private(&'a [u8]),
}

/// A property name split into its visibility and plain name (`zend_unmangle_property_name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertyName<'a> {
    /// The plain property name.
    pub name: &'a [u8],
    /// Its visibility (and declaring class when private).
    pub visibility: Visibility<'a>,
}

impl Value {
    /// An array from `(key, value)` pairs with PHP's key rules: canonical decimal strings
    /// become integer keys and a repeated key overwrites the earlier value in its place.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::php_serialize::{serialize, Value};
    /// let v = Value::array([("10", Value::from("a")), ("010", Value::from("b"))]);
    /// assert_eq!(serialize(&v).unwrap(), br#"a:2:{i:10;s:1:"a";s:3:"010";s:1:"b";}"#);
    /// ```
    pub fn array<K: Into<Key>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut v = Value::Array(Vec::new());
        for (k, item) in entries {
            v.insert(k, item);
        }
        v
    }

    /// A list: an array with keys `0..n`.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Array(items.into_iter().zip(0_i64..).map(|(v, i)| (Key::Int(i), v)).collect())
    }

    /// `$array[$key] = $value`: replaces the value of an existing key in place, or appends.
    ///
    /// The key is normalised like PHP array keys (`"7"` is `7`). Does nothing unless `self`
    /// is an array; returns whether it stored the value.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> bool {
        let Value::Array(entries) = self else {
            return false;
        };
        let key = key.into().into_normalized();
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => entries.push((key, value)),
        }
        true
    }

    /// Removes and returns an array entry's value (PHP `unset($array[$key])`).
    pub fn remove<'k>(&mut self, key: impl Into<KeyRef<'k>>) -> Option<Value> {
        let Value::Array(entries) = self else {
            return None;
        };
        let key = key.into().normalized();
        let at = entries.iter().rposition(|(k, _)| k.as_key_ref() == key)?;
        Some(entries.remove(at).1)
    }

    /// Looks up an array element (PHP key rules: `get("5")` finds key `5`) or an object
    /// property by its exact (mangled) name. The last entry wins if a key repeats.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::php_serialize::{unserialize, Value};
    /// let v = unserialize(br#"a:2:{s:7:"user_id";i:42;i:5;s:4:"five";}"#).unwrap();
    /// assert_eq!(v.get("user_id").and_then(Value::as_int), Some(42));
    /// assert_eq!(v.get("5").and_then(Value::as_str), Some("five"));
    /// ```
    pub fn get<'k>(&self, key: impl Into<KeyRef<'k>>) -> Option<&Value> {
        let key = key.into();
        match self {
            Value::Array(entries) => {
                let key = key.normalized();
                entries.iter().rev().find(|(k, _)| k.as_key_ref() == key).map(|(_, v)| v)
            }
            Value::Object(obj) => obj.get(key),
            _ => None,
        }
    }

    /// Mutable [`Value::get`].
    pub fn get_mut<'k>(&mut self, key: impl Into<KeyRef<'k>>) -> Option<&mut Value> {
        let key = key.into();
        match self {
            Value::Array(entries) => {
                let key = key.normalized();
                entries.iter_mut().rev().find(|(k, _)| k.as_key_ref() == key).map(|(_, v)| v)
            }
            Value::Object(obj) => obj.get_mut(key),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is an int.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a float.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The string's bytes, if this is a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, if this is a string of valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The entries, if this is an array.
    pub fn as_array(&self) -> Option<&[(Key, Value)]> {
        match self {
            Value::Array(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entries, mutable, if this is an array.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<(Key, Value)>> {
        match self {
            Value::Array(entries) => Some(entries),
            _ => None,
        }
    }

    /// The object, if this is an `O:` object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(obj) => Some(obj),
            _ => None,
        }
    }

    /// Whether this is an array whose keys are `0, 1, …, n-1` in order (`array_is_list`).
    pub fn is_list(&self) -> bool {
        match self {
            Value::Array(entries) => {
                entries.iter().zip(0_i64..).all(|((k, _), i)| *k == Key::Int(i))
            }
            _ => false,
        }
    }

    /// Whether this value or anything inside it is an `R:` or `r:` reference.
    pub fn contains_references(&self) -> bool {
        match self {
            Value::Ref(_) | Value::ObjRef(_) => true,
            Value::Array(entries) => entries.iter().any(|(_, v)| v.contains_references()),
            Value::Object(obj) => obj.entries.iter().any(|(_, v)| v.contains_references()),
            _ => false,
        }
    }

    /// The PHP type name as `gettype()` spells it (`"NULL"`, `"boolean"`, `"integer"`,
    /// `"double"`, `"string"`, `"array"`, `"object"`), or `"reference"` for unresolved
    /// `R:`/`r:` slots.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "double",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) | Value::Custom(_) | Value::Enum(_) => "object",
            Value::Ref(_) | Value::ObjRef(_) => "reference",
        }
    }
}

impl Object {
    /// An object of `class` without properties.
    pub fn new(class: impl Into<PhpString>) -> Self {
        Object { class: class.into(), entries: Vec::new() }
    }

    /// The property with this exact (mangled) name; the last one if it repeats.
    pub fn get<'k>(&self, name: impl Into<KeyRef<'k>>) -> Option<&Value> {
        let name = name.into();
        self.entries.iter().rev().find(|(k, _)| same_property(k, name)).map(|(_, v)| v)
    }

    /// Mutable [`Object::get`].
    pub fn get_mut<'k>(&mut self, name: impl Into<KeyRef<'k>>) -> Option<&mut Value> {
        let name = name.into();
        self.entries.iter_mut().rev().find(|(k, _)| same_property(k, name)).map(|(_, v)| v)
    }

    /// Sets a property by exact (mangled) name, in place if it exists, else appended.
    pub fn set(&mut self, name: impl Into<PhpString>, value: Value) {
        let name = name.into();
        match self.entries.iter_mut().find(|(k, _)| same_property(k, KeyRef::Str(&name))) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((Key::Str(name), value)),
        }
    }

    /// Properties with their names unmangled; two private properties of the same name from
    /// different classes both appear.
    pub fn properties(&self) -> impl Iterator<Item = (PropertyName<'_>, &Value)> {
        self.entries.iter().filter_map(|(k, v)| match k {
            Key::Str(name) => Some((PropertyName::parse(name), v)),
            Key::Int(_) => None,
        })
    }
}

fn same_property(key: &Key, name: KeyRef<'_>) -> bool {
    match (key, name) {
        (Key::Str(a), KeyRef::Str(b)) => a.as_bytes() == b,
        (Key::Int(a), KeyRef::Int(b)) => *a == b,
        // PHP stores property names as strings: `i:3` and `s:1:"3"` name the same property.
        (Key::Int(i), KeyRef::Str(s)) => i.to_string().as_bytes() == s,
        (Key::Str(s), KeyRef::Int(i)) => i.to_string().as_bytes() == s.as_bytes(),
    }
}

impl<'a> PropertyName<'a> {
    /// Splits a mangled property name (`\0*\0name`, `\0Class\0name`, `name`).
    ///
    /// A name that starts with NUL but is not well formed is returned as public, as PHP's
    /// `zend_unmangle_property_name` does.
    pub fn parse(mangled: &'a [u8]) -> Self {
        let public = PropertyName { name: mangled, visibility: Visibility::Public };
        let Some(rest) = mangled.strip_prefix(b"\0") else {
            return public;
        };
        let Some(end) = rest.iter().position(|&b| b == 0) else {
            return public;
        };
        let (class, name) = rest.split_at(end);
        let name = name.get(1..).unwrap_or_default();
        let visibility =
            if class == b"*" { Visibility::Protected } else { Visibility::Private(class) };
        PropertyName { name, visibility }
    }

    /// The mangled bytes PHP writes for this name.
    pub fn mangle(&self) -> Vec<u8> {
        match self.visibility {
            Visibility::Public => self.name.to_vec(),
            Visibility::Protected => [b"\0*\0".as_slice(), self.name].concat(),
            Visibility::Private(class) => [b"\0", class, b"\0", self.name].concat(),
        }
    }
}

impl Key {
    /// A key from bytes with PHP's array-key rule (`ZEND_HANDLE_NUMERIC_STR`): `"0"` and
    /// `-?[1-9][0-9]*` within the 64-bit range become integers, anything else (`"010"`,
    /// `"-0"`, `"+7"`, `" 7"`, `"1.5"`, `"9223372036854775808"`) stays a string.
    pub fn normalized(bytes: impl Into<PhpString>) -> Key {
        let bytes = bytes.into();
        match numeric_key(&bytes) {
            Some(i) => Key::Int(i),
            None => Key::Str(bytes),
        }
    }

    /// The integer, if this is an integer key.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Key::Int(i) => Some(*i),
            Key::Str(_) => None,
        }
    }

    /// The bytes, if this is a string key.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Key::Str(s) => Some(s),
            Key::Int(_) => None,
        }
    }

    /// The string, if this is a string key of valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The key as PHP prints it: integers in decimal, strings as their bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Key::Int(i) => i.to_string().into_bytes(),
            Key::Str(s) => s.to_vec(),
        }
    }

    /// This key as an object property name, unmangled (integer keys are public names).
    pub fn property(&self) -> Option<PropertyName<'_>> {
        self.as_bytes().map(PropertyName::parse)
    }

    /// A borrowed view of the key.
    pub fn as_key_ref(&self) -> KeyRef<'_> {
        match self {
            Key::Int(i) => KeyRef::Int(*i),
            Key::Str(s) => KeyRef::Str(s),
        }
    }

    pub(crate) fn into_normalized(self) -> Key {
        match self {
            Key::Str(s) => Key::normalized(s),
            k => k,
        }
    }
}

impl<'a> KeyRef<'a> {
    /// The key PHP's array rules make of this one (`"5"` → `5`).
    pub fn normalized(self) -> KeyRef<'a> {
        match self {
            KeyRef::Str(s) => numeric_key(s).map_or(KeyRef::Str(s), KeyRef::Int),
            k => k,
        }
    }
}

/// PHP's `_zend_handle_numeric_str_ex`: the integer a canonical decimal string stands for.
pub(crate) fn numeric_key(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    let (&first, _) = digits.split_first()?;
    if !first.is_ascii_digit() || (first == b'0' && s.len() > 1) || digits.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        // -9223372036854775808 is PHP_INT_MIN and still an integer key.
        0_i64.checked_sub_unsigned(n)
    } else {
        i64::try_from(n).ok()
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => {
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
            }
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Custom(a), Value::Custom(b)) => a == b,
            (Value::Enum(a), Value::Enum(b)) => a == b,
            (Value::Ref(a), Value::Ref(b)) | (Value::ObjRef(a), Value::ObjRef(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl From<i64> for Key {
    fn from(i: i64) -> Self {
        Key::Int(i)
    }
}

impl From<i32> for Key {
    fn from(i: i32) -> Self {
        Key::Int(i.into())
    }
}

impl From<&str> for Key {
    /// Normalised like a PHP array key: `Key::from("7") == Key::Int(7)`.
    fn from(s: &str) -> Self {
        Key::normalized(s)
    }
}

impl From<String> for Key {
    /// Normalised like a PHP array key.
    fn from(s: String) -> Self {
        Key::normalized(s)
    }
}

impl From<&[u8]> for Key {
    /// Normalised like a PHP array key.
    fn from(s: &[u8]) -> Self {
        Key::normalized(s)
    }
}

impl From<Vec<u8>> for Key {
    /// Normalised like a PHP array key.
    fn from(s: Vec<u8>) -> Self {
        Key::normalized(s)
    }
}

impl From<PhpString> for Key {
    /// Normalised like a PHP array key.
    fn from(s: PhpString) -> Self {
        Key::normalized(s)
    }
}

impl From<i64> for KeyRef<'_> {
    fn from(i: i64) -> Self {
        KeyRef::Int(i)
    }
}

impl From<i32> for KeyRef<'_> {
    fn from(i: i32) -> Self {
        KeyRef::Int(i.into())
    }
}

impl<'a> From<&'a str> for KeyRef<'a> {
    fn from(s: &'a str) -> Self {
        KeyRef::Str(s.as_bytes())
    }
}

impl<'a> From<&'a [u8]> for KeyRef<'a> {
    fn from(s: &'a [u8]) -> Self {
        KeyRef::Str(s)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for KeyRef<'a> {
    fn from(s: &'a [u8; N]) -> Self {
        KeyRef::Str(s)
    }
}

impl<'a> From<&'a String> for KeyRef<'a> {
    fn from(s: &'a String) -> Self {
        KeyRef::Str(s.as_bytes())
    }
}

impl<'a> From<&'a PhpString> for KeyRef<'a> {
    fn from(s: &'a PhpString) -> Self {
        KeyRef::Str(s)
    }
}

impl<'a> From<&'a Key> for KeyRef<'a> {
    fn from(k: &'a Key) -> Self {
        k.as_key_ref()
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i.into())
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s.into())
    }
}

impl From<&[u8]> for Value {
    fn from(s: &[u8]) -> Self {
        Value::Str(s.into())
    }
}

impl From<Vec<u8>> for Value {
    fn from(s: Vec<u8>) -> Self {
        Value::Str(s.into())
    }
}

impl From<PhpString> for Value {
    fn from(s: PhpString) -> Self {
        Value::Str(s)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(Box::new(o))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// Bytes as a readable literal: printable ASCII as is, everything else `\xHH`.
pub(crate) struct Bytes<'a>(pub &'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            match b {
                b'"' => f.write_str("\\\"")?,
                b'\\' => f.write_str("\\\\")?,
                0x20..=0x7e => fmt::Write::write_char(f, char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        f.write_str("\"")
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x:?})"),
            Value::Str(s) => write!(f, "Str({:?})", Bytes(s)),
            Value::Array(entries) => {
                f.write_str("Array")?;
                f.debug_map().entries(entries.iter().map(|(k, v)| (k, v))).finish()
            }
            Value::Object(o) => o.fmt(f),
            Value::Custom(c) => c.fmt(f),
            Value::Enum(e) => e.fmt(f),
            Value::Ref(n) => write!(f, "Ref({n})"),
            Value::ObjRef(n) => write!(f, "ObjRef({n})"),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(i) => write!(f, "{i}"),
            Key::Str(s) => Bytes(s).fmt(f),
        }
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Object({:?}) ", Bytes(&self.class))?;
        f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish()
    }
}

impl fmt::Debug for Custom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Custom({:?}, {:?})", Bytes(&self.class), Bytes(&self.payload))
    }
}

impl fmt::Debug for EnumCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Enum({:?}::{:?})", Bytes(&self.class), Bytes(&self.case))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_string_keys_follow_php() {
        assert_eq!(Key::normalized("10"), Key::Int(10));
        assert_eq!(Key::normalized("-5"), Key::Int(-5));
        assert_eq!(Key::normalized("0"), Key::Int(0));
        assert_eq!(Key::normalized("9223372036854775807"), Key::Int(i64::MAX));
        assert_eq!(Key::normalized("-9223372036854775808"), Key::Int(i64::MIN));
        for s in [
            "010",
            "-0",
            "+7",
            " 7",
            "7 ",
            "1e3",
            "1.5",
            "9223372036854775808",
            "-9223372036854775809",
            "",
            "-",
            "99999999999999999999",
        ] {
            assert_eq!(Key::normalized(s), Key::Str(s.into()), "{s:?}");
        }
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut v = Value::array([("a", Value::from(1)), ("5", Value::from(2))]);
        v.insert(5, Value::from(3));
        v.insert("b", Value::from(4));
        assert_eq!(
            v.as_array().unwrap(),
            &[
                (Key::Str("a".into()), Value::Int(1)),
                (Key::Int(5), Value::Int(3)),
                (Key::Str("b".into()), Value::Int(4)),
            ]
        );
        assert_eq!(v.remove("5"), Some(Value::Int(3)));
        assert!(v.get(5).is_none());
    }

    #[test]
    fn mangled_names_split_and_join() {
        let p = PropertyName::parse(b"\0Vg\\App\0seen");
        assert_eq!(p.name, b"seen");
        assert_eq!(p.visibility, Visibility::Private(b"Vg\\App"));
        assert_eq!(p.mangle(), b"\0Vg\\App\0seen");
        assert_eq!(PropertyName::parse(b"\0*\0prot").visibility, Visibility::Protected);
        assert_eq!(PropertyName::parse(b"\0broken").visibility, Visibility::Public);
    }

    #[test]
    fn strings_inline_without_growing_values_and_keys() {
        assert!(size_of::<PhpString>() <= size_of::<Vec<u8>>());
        assert!(size_of::<Value>() <= 32, "Value is {} bytes", size_of::<Value>());
        assert!(size_of::<Key>() <= 32, "Key is {} bytes", size_of::<Key>());
    }

    #[test]
    fn nans_are_equal_and_zeros_are_not() {
        assert_eq!(Value::Float(f64::NAN), Value::Float(-f64::NAN));
        assert_ne!(Value::Float(0.0), Value::Float(-0.0));
    }
}
