//! serde for plain Rust data stored as PHP values: structs and maps are PHP arrays with
//! string keys, sequences and tuples are lists, `Option::None` and `()` are `null`, enums are
//! externally tagged (`"Unit"`, `["Variant" => data]`), bytes are strings.
//!
//! [`Value`] stays the storage truth: read a struct out of a session with [`from_value`],
//! write it back with [`to_value`] and [`Value::insert`]; unknown data around it is untouched.

use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use thiserror::Error;

use super::value::{Key, Value};

/// A Rust value that does not map to the PHP value, or the reverse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct SerdeError(String);

impl ser::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerdeError(msg.to_string())
    }
}

impl de::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerdeError(msg.to_string())
    }
}

/// A Rust value as a PHP value.
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::{from_value, serialize, to_value};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Login { user_id: i64, roles: Vec<String> }
/// let v = to_value(&Login { user_id: 7, roles: vec!["admin".into()] }).unwrap();
/// assert_eq!(
///     serialize(&v).unwrap(),
///     br#"a:2:{s:7:"user_id";i:7;s:5:"roles";a:1:{i:0;s:5:"admin";}}"#
/// );
/// assert_eq!(from_value::<Login>(&v).unwrap(), Login { user_id: 7, roles: vec!["admin".into()] });
/// ```
///
/// # Errors
/// [`SerdeError`] for map keys that are not strings or integers, and integers beyond `i64`.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, SerdeError> {
    value.serialize(ValueSerializer)
}

/// A Rust value from a PHP value.
///
/// # Errors
/// [`SerdeError`] when the shapes or types do not match; references, `C:` payloads and enum
/// cases cannot be read this way.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, SerdeError> {
    T::deserialize(ValueDeserializer(value))
}

struct ValueSerializer;

/// Collects entries of a list, map or struct.
struct Collect {
    entries: Vec<(Key, Value)>,
    next_index: i64,
    pending_key: Option<Key>,
    variant: Option<&'static str>,
}

impl Collect {
    fn new(variant: Option<&'static str>) -> Self {
        Collect { entries: Vec::new(), next_index: 0, pending_key: None, variant }
    }

    fn push(&mut self, v: Value) {
        self.entries.push((Key::Int(self.next_index), v));
        self.next_index += 1;
    }

    fn set(&mut self, key: Key, v: Value) {
        let mut arr = Value::Array(std::mem::take(&mut self.entries));
        arr.insert(key, v);
        if let Value::Array(e) = arr {
            self.entries = e;
        }
    }

    fn finish(self) -> Value {
        let v = Value::Array(self.entries);
        match self.variant {
            Some(name) => Value::array([(name, v)]),
            None => v,
        }
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerdeError;
    type SerializeSeq = Collect;
    type SerializeTuple = Collect;
    type SerializeTupleStruct = Collect;
    type SerializeTupleVariant = Collect;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Collect;

    fn serialize_bool(self, v: bool) -> Result<Value, SerdeError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SerdeError> {
        Ok(Value::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SerdeError> {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerdeError> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| SerdeError(format!("{v} does not fit a PHP integer")))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerdeError> {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerdeError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SerdeError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SerdeError> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SerdeError> {
        Ok(Value::from(v))
    }
    fn serialize_none(self) -> Result<Value, SerdeError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, SerdeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerdeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, SerdeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, SerdeError> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Value, SerdeError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, SerdeError> {
        Ok(Value::array([(variant, v.serialize(self)?)]))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Collect, SerdeError> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Collect, SerdeError> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Collect, SerdeError> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Collect, SerdeError> {
        Ok(Collect::new(Some(variant)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Collect, SerdeError> {
        Ok(Collect::new(None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Collect, SerdeError> {
        Ok(Collect::new(None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Collect, SerdeError> {
        Ok(Collect::new(Some(variant)))
    }
}

macro_rules! seq_like {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Collect {
            type Ok = Value;
            type Error = SerdeError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerdeError> {
                let v = to_value(v)?;
                self.push(v);
                Ok(())
            }
            fn end(self) -> Result<Value, SerdeError> {
                Ok(self.finish())
            }
        }
    };
}
seq_like!(SerializeSeq, serialize_element);
seq_like!(SerializeTuple, serialize_element);
seq_like!(SerializeTupleStruct, serialize_field);
seq_like!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        self.pending_key = Some(match to_value(key)? {
            Value::Int(i) => Key::Int(i),
            Value::Str(s) => Key::normalized(s),
            Value::Bool(b) => Key::Int(b.into()),
            other => {
                return Err(SerdeError(format!(
                    "a PHP array key must be a string or an integer, not {}",
                    other.type_name()
                )));
            }
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerdeError> {
        let key = self.pending_key.take().ok_or_else(|| SerdeError("value without key".into()))?;
        let v = to_value(v)?;
        self.set(key, v);
        Ok(())
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish())
    }
}

macro_rules! struct_like {
    ($trait:ident) => {
        impl ser::$trait for Collect {
            type Ok = Value;
            type Error = SerdeError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                name: &'static str,
                v: &T,
            ) -> Result<(), SerdeError> {
                let v = to_value(v)?;
                self.set(Key::normalized(name), v);
                Ok(())
            }
            fn end(self) -> Result<Value, SerdeError> {
                Ok(self.finish())
            }
        }
    };
}
struct_like!(SerializeStruct);
struct_like!(SerializeStructVariant);

/// Reads Rust data out of a borrowed [`Value`].
#[derive(Clone, Copy, Debug)]
pub struct ValueDeserializer<'a>(pub &'a Value);

fn mismatch(v: &Value, want: &str) -> SerdeError {
    SerdeError(format!("expected {want}, found PHP {}", v.type_name()))
}

impl<'de, 'a> de::Deserializer<'de> for ValueDeserializer<'a> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => match std::str::from_utf8(s) {
                Ok(s) => visitor.visit_str(s),
                Err(_) => visitor.visit_bytes(s),
            },
            Value::Array(entries) if self.0.is_list() => visitor.visit_seq(
                de::value::SeqDeserializer::new(entries.iter().map(|(_, v)| ValueDeserializer(v))),
            ),
            Value::Array(entries) => visitor.visit_map(de::value::MapDeserializer::new(
                entries.iter().map(|(k, v)| (KeyDeserializer(k), ValueDeserializer(v))),
            )),
            Value::Object(o) => visitor.visit_map(de::value::MapDeserializer::new(
                o.entries.iter().map(|(k, v)| (KeyDeserializer(k), ValueDeserializer(v))),
            )),
            other => Err(SerdeError(format!(
                "PHP {} ({other:?}) cannot be read as plain data",
                other.type_name()
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Int(i) => visitor.visit_f64(*i as f64),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Array(entries) => visitor.visit_seq(de::value::SeqDeserializer::new(
                entries.iter().map(|(_, v)| ValueDeserializer(v)),
            )),
            other => Err(mismatch(other, "an array")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, SerdeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Array(entries) => visitor.visit_map(de::value::MapDeserializer::new(
                entries.iter().map(|(k, v)| (KeyDeserializer(k), ValueDeserializer(v))),
            )),
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(mismatch(other, "an array")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => Err(mismatch(other, "null")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.0 {
            Value::Str(s) => {
                let name =
                    std::str::from_utf8(s).map_err(|_| mismatch(self.0, "a variant name"))?;
                visitor.visit_enum(name.into_deserializer())
            }
            Value::Array(entries) => match entries.as_slice() {
                [(key, value)] => visitor.visit_enum(EnumAccess { key, value }),
                _ => Err(mismatch(self.0, "a one-entry array [variant => data]")),
            },
            other => Err(mismatch(other, "an enum variant")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char str string bytes byte_buf
        unit_struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, SerdeError> for ValueDeserializer<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// Keys read as strings (struct fields, `HashMap<String, _>`) or integers.
#[derive(Clone, Copy)]
struct KeyDeserializer<'a>(&'a Key);

impl<'de> de::Deserializer<'de> for KeyDeserializer<'_> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Key::Int(i) => visitor.visit_i64(*i),
            Key::Str(s) => match std::str::from_utf8(s) {
                Ok(s) => visitor.visit_str(s),
                Err(_) => visitor.visit_bytes(s),
            },
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.0 {
            Key::Int(i) => visitor.visit_string(i.to_string()),
            Key::Str(_) => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_string(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum ignored_any
    }
}

impl<'de> IntoDeserializer<'de, SerdeError> for KeyDeserializer<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct EnumAccess<'a> {
    key: &'a Key,
    value: &'a Value,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = SerdeError;
    type Variant = ValueDeserializer<'a>;
    fn variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), SerdeError> {
        let v = seed.deserialize(KeyDeserializer(self.key))?;
        Ok((v, ValueDeserializer(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDeserializer<'_> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        Ok(())
    }
    fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, SerdeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, SerdeError> {
        de::Deserializer::deserialize_seq(self, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, SerdeError> {
        de::Deserializer::deserialize_map(self, v)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::php_serialize::{serialize, unserialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Mode {
        Plain,
        Tagged(u8),
        Pair(i64, i64),
        Named { a: bool },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Data {
        id: u32,
        name: Option<String>,
        ratio: f64,
        tags: Vec<String>,
        extra: BTreeMap<String, i64>,
        modes: Vec<Mode>,
        unit: (),
    }

    #[test]
    fn structs_round_trip_through_php_bytes() {
        let d = Data {
            id: 9,
            name: None,
            ratio: 0.5,
            tags: vec!["a".into()],
            extra: [("7".to_owned(), 1), ("x".to_owned(), 2)].into(),
            modes: vec![Mode::Plain, Mode::Tagged(3), Mode::Pair(1, 2), Mode::Named { a: true }],
            unit: (),
        };
        let bytes = serialize(&to_value(&d).unwrap()).unwrap();
        let back: Data = from_value(&unserialize(&bytes).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn php_written_sessions_read_into_structs() {
        #[derive(Deserialize)]
        struct Meta {
            u: i64,
            c: f64,
        }
        let v = unserialize(br#"a:2:{s:1:"u";i:1700000000;s:1:"c";i:3;}"#).unwrap();
        let m: Meta = from_value(&v).unwrap();
        assert_eq!((m.u, m.c), (1_700_000_000, 3.0));
        assert!(from_value::<Meta>(&Value::Int(1)).is_err());
    }
}
