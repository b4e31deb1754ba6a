//! PHP's `serialize()` / `unserialize()` format, byte for byte.
//!
//! This is the value encoding inside PHP sessions (see [`crate::php_session`]) and many
//! WordPress options. The model ([`Value`]) keeps everything the format can say: byte strings
//! ([`PhpString`], not UTF-8), ordered arrays with integer and string keys, objects with their
//! mangled property names (`\0*\0prot`, `\0Class\0priv`, so two private properties of the
//! same name survive), `C:` payloads, enum cases and unresolved `R:`/`r:` references with
//! PHP's slot numbering. PHP's output decodes and re-encodes to the same bytes.
//!
//! | item | mirrors |
//! |---|---|
//! | [`unserialize`], [`Unserializer`] | `unserialize()`, ext/standard/var_unserializer.re |
//! | [`serialize`] | `serialize()`, ext/standard/var.c |
//! | [`Key::normalized`] | array key rules, `ZEND_HANDLE_NUMERIC_STR` |
//! | [`PhpString`] | a PHP string (`zend_string`), short ones inline |
//! | [`ClassTable`] | the classes a PHP application has loaded |
//! | [`to_plain_json`], [`to_tagged_json`] | a JSON view for APIs |
//! | [`to_value`], [`from_value`] | serde for plain Rust data stored as PHP arrays |
//!
//! The reader accepts what PHP tolerates (`i:+5;`, `i:007;`, integer overflow clamped, `d:.5;`,
//! `d:1e5;`, `S:` escaped strings, `O:…:+1:{`, integer property names, trailing bytes) and
//! rejects what PHP rejects; the writer only produces PHP's canonical forms. Hostile input
//! is bounded: declared lengths and counts never allocate beyond what the input holds,
//! nesting is limited (PHP's default 4096), errors carry the byte offset, nothing panics.
//!
//! # Examples
//! ```
//! use wpgate_core::php_serialize::{serialize, unserialize, Value};
//! let bytes = br#"a:2:{s:7:"user_id";i:1234;s:5:"roles";a:1:{i:0;s:5:"admin";}}"#;
//! let v = unserialize(bytes).unwrap();
//! assert_eq!(v.get("user_id"), Some(&Value::Int(1234)));
//! assert_eq!(serialize(&v).unwrap(), bytes);
//! ```

mod canon;
mod class;
pub(crate) mod de;
mod float;
mod json;
mod php_string;
mod ser;
mod serde_impl;
mod value;
mod wordpress;

pub use class::{ClassTable, PhpClass};
pub use de::{
    DEFAULT_MAX_DEPTH, UnserializeError, UnserializeErrorKind, Unserializer, unserialize,
};
pub use json::{JsonError, from_plain_json, from_tagged_json, to_plain_json, to_tagged_json};
pub use php_string::PhpString;
pub use ser::{SerializeError, serialize, serialize_into};
pub use serde_impl::{SerdeError, ValueDeserializer, from_value, to_value};
pub use value::{Custom, EnumCase, Key, KeyRef, Object, PropertyName, Value, Visibility};
pub use wordpress::{is_serialized, maybe_unserialize};

#[allow(unused_imports)]
pub(crate) use canon::{CanonError, RootMode, canonicalize};
#[allow(unused_imports)]
pub(crate) use ser::{OUTPUT_START, Writer};
