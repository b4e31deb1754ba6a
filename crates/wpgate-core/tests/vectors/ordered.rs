//! JSON with object keys in document order.
//!
//! `serde_json::Value` sorts object keys (the workspace does not enable `preserve_order`), but
//! some vectors record PHP arrays whose order is part of the behaviour (the settings string
//! `wp_set_all_user_settings()` builds, the order `parse_str()` yields). This reads a vector
//! file a second time keeping that order.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::support::vectors_dir;

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    /// `self[key]` for an object.
    pub fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Ordered]> {
        match self {
            Ordered::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Ordered::String(s) => Some(s),
            _ => None,
        }
    }

    /// A PHP array as JSON shows it: an object's entries, or a list's entries keyed `0..n`
    /// (`json_encode` writes `[]` for an empty array and a list for `0..n` keys).
    pub fn php_array_entries(&self) -> Option<Vec<(String, &Ordered)>> {
        match self {
            Ordered::Object(entries) => Some(entries.iter().map(|(k, v)| (k.clone(), v)).collect()),
            Ordered::Array(items) => {
                Some(items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect())
            }
            _ => None,
        }
    }

    /// The value as PHP's string cast would print a scalar (`5` → `"5"`).
    pub fn php_string(&self) -> Option<String> {
        match self {
            Ordered::String(s) => Some(s.clone()),
            Ordered::Number(n) => Some(n.to_string()),
            Ordered::Bool(true) => Some("1".into()),
            Ordered::Bool(false) | Ordered::Null => Some(String::new()),
            _ => None,
        }
    }
}

/// Loads `rel` (e.g. `wordpress/user_settings.json`) keeping object order.
pub fn load(rel: &str) -> Result<Ordered, String> {
    let path = vectors_dir().join(rel);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Ordered, E> {
        serde_json::Number::from_f64(v)
            .map(Ordered::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Ordered, E> {
        Ok(Ordered::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
            entries.push((k, v));
        }
        Ok(Ordered::Object(entries))
    }
}
