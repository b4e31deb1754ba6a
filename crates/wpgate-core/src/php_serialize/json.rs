//! JSON views of a [`Value`], for showing and editing PHP data over HTTP.
//!
//! Two forms:
//!
//! * **plain** ([`to_plain_json`], [`from_plain_json`]): what `json_encode()` would give for
//!   data-only values. Arrays with keys `0..n-1` become JSON arrays, other arrays JSON objects
//!   (integer keys as decimal strings), ints and floats numbers, strings strings. Values JSON
//!   cannot say exactly (objects, `C:`, enums, references, non-UTF-8 strings, NaN and
//!   infinities) are refused with the path to them. Back from JSON, objects become arrays
//!   with PHP's key rules (`"7"` is key 7) and arrays become lists.
//! * **tagged** ([`to_tagged_json`], [`from_tagged_json`]): lossless, the typed tree of the
//!   compatibility vectors: `{"t":"N"}`, `{"t":"b","v":true}`, `{"t":"i","v":"-17"}`,
//!   `{"t":"d","repr":"0.1","bits":"3fb999999999999a"}`, `{"t":"s","b64":…,"utf8":…}`,
//!   `{"t":"a","entries":[[key,value],…]}`, `{"t":"O","class":…,"entries":…}` (keys of
//!   objects also carry `"prop":{"name","visibility","class"}`), `{"t":"C","class":…,
//!   "payload":{"b64","utf8"}}`, `{"t":"E","class":…,"case":…}`, `{"t":"R","index":n}`,
//!   `{"t":"r","index":n}`. On input `b64` wins over `utf8`, `bits` over `repr`, and `prop`
//!   is ignored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value as Json, json};
use thiserror::Error;

use super::float::{parse_float, write_float};
use super::php_string::PhpString;
use super::value::{Custom, EnumCase, Key, Object, PropertyName, Value, Visibility};

/// Why a value has no JSON form, or a JSON document is not a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The value at `path` (a JSON pointer) cannot be shown in the plain form.
    #[error("{what} at {path:?} has no plain JSON form")]
    NotPlain {
        /// JSON pointer to the value.
        path: String,
        /// What it is.
        what: &'static str,
    },
    /// The JSON at `path` is not a valid tagged value.
    #[error("malformed tagged value at {path:?}: {reason}")]
    Malformed {
        /// JSON pointer to the node.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl JsonError {
    fn within(self, segment: &str) -> Self {
        let escaped = segment.replace('~', "~0").replace('/', "~1");
        match self {
            JsonError::NotPlain { path, what } => {
                JsonError::NotPlain { path: format!("/{escaped}{path}"), what }
            }
            JsonError::Malformed { path, reason } => {
                JsonError::Malformed { path: format!("/{escaped}{path}"), reason }
            }
        }
    }

    fn malformed(reason: &'static str) -> Self {
        JsonError::Malformed { path: String::new(), reason }
    }
}

/// The plain JSON form of a data-only value.
///
/// # Examples
/// ```
/// use wpgate_core::php_serialize::{to_plain_json, unserialize};
/// let v = unserialize(br#"a:2:{s:4:"user";s:3:"ann";s:5:"roles";a:1:{i:0;s:5:"admin";}}"#).unwrap();
/// assert_eq!(to_plain_json(&v).unwrap().to_string(), r#"{"user":"ann","roles":["admin"]}"#);
/// ```
///
/// # Errors
/// [`JsonError::NotPlain`] for objects, `C:`, enums, references, non-UTF-8 strings or keys,
/// NaN and infinities.
pub fn to_plain_json(value: &Value) -> Result<Json, JsonError> {
    let not = |what| Err(JsonError::NotPlain { path: String::new(), what });
    Ok(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => Json::Number(n),
            None => return not("a non-finite float"),
        },
        Value::Str(s) => match std::str::from_utf8(s) {
            Ok(s) => Json::String(s.to_owned()),
            Err(_) => return not("a non-UTF-8 string"),
        },
        Value::Array(entries) if value.is_list() => Json::Array(
            entries
                .iter()
                .enumerate()
                .map(|(i, (_, v))| to_plain_json(v).map_err(|e| e.within(&i.to_string())))
                .collect::<Result<_, _>>()?,
        ),
        Value::Array(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (k, v) in entries {
                let name = match k {
                    Key::Int(i) => i.to_string(),
                    Key::Str(s) => match std::str::from_utf8(s) {
                        Ok(s) => s.to_owned(),
                        Err(_) => return not("a non-UTF-8 key"),
                    },
                };
                let v = to_plain_json(v).map_err(|e| e.within(&name))?;
                map.insert(name, v);
            }
            Json::Object(map)
        }
        Value::Object(_) => return not("an object"),
        Value::Custom(_) => return not("a Serializable object"),
        Value::Enum(_) => return not("an enum case"),
        Value::Ref(_) | Value::ObjRef(_) => return not("a reference"),
    })
}

/// A value from plain JSON: objects become arrays with PHP's key rules, arrays become
/// lists, integers that fit `i64` become ints and other numbers floats.
///
/// # Errors
/// Never for valid JSON; the `Result` keeps the signature symmetric.
pub fn from_plain_json(json: &Json) -> Result<Value, JsonError> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            // json_decode() turns integers beyond PHP_INT_MAX into floats, too.
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s.as_str().into()),
        Json::Array(items) => {
            Value::list(items.iter().map(from_plain_json).collect::<Result<Vec<_>, _>>()?)
        }
        Json::Object(map) => {
            let mut v = Value::Array(Vec::with_capacity(map.len()));
            for (k, item) in map {
                v.insert(k.as_str(), from_plain_json(item).map_err(|e| e.within(k))?);
            }
            v
        }
    })
}

/// The lossless tagged JSON form.
pub fn to_tagged_json(value: &Value) -> Json {
    match value {
        Value::Null => json!({"t": "N"}),
        Value::Bool(b) => json!({"t": "b", "v": b}),
        Value::Int(i) => json!({"t": "i", "v": i.to_string()}),
        Value::Float(f) => {
            let mut repr = Vec::new();
            write_float(*f, &mut repr);
            json!({
                "t": "d",
                "repr": String::from_utf8_lossy(&repr),
                "bits": format!("{:016x}", f.to_bits()),
            })
        }
        Value::Str(s) => {
            let mut node = bytes_json(s);
            node.insert("t".into(), "s".into());
            Json::Object(node)
        }
        Value::Array(entries) => json!({
            "t": "a",
            "entries": entries.iter().map(|(k, v)| json!([key_json(k, false), to_tagged_json(v)])).collect::<Vec<_>>(),
        }),
        Value::Object(o) => {
            let mut node = Map::new();
            node.insert("t".into(), "O".into());
            name_json(&mut node, "class", &o.class);
            node.insert(
                "entries".into(),
                o.entries
                    .iter()
                    .map(|(k, v)| json!([key_json(k, true), to_tagged_json(v)]))
                    .collect(),
            );
            Json::Object(node)
        }
        Value::Custom(c) => {
            let mut node = Map::new();
            node.insert("t".into(), "C".into());
            name_json(&mut node, "class", &c.class);
            node.insert("payload".into(), Json::Object(bytes_json(&c.payload)));
            Json::Object(node)
        }
        Value::Enum(e) => {
            let mut node = Map::new();
            node.insert("t".into(), "E".into());
            name_json(&mut node, "class", &e.class);
            name_json(&mut node, "case", &e.case);
            Json::Object(node)
        }
        Value::Ref(n) => json!({"t": "R", "index": n}),
        Value::ObjRef(n) => json!({"t": "r", "index": n}),
    }
}

/// A value from its tagged JSON form.
///
/// # Errors
/// [`JsonError::Malformed`] with the path of the first node that is not a valid tree node.
pub fn from_tagged_json(json: &Json) -> Result<Value, JsonError> {
    let t = json
        .get("t")
        .and_then(Json::as_str)
        .ok_or_else(|| JsonError::malformed("missing \"t\""))?;
    Ok(match t {
        "N" => Value::Null,
        "b" => Value::Bool(
            json.get("v")
                .and_then(Json::as_bool)
                .ok_or_else(|| JsonError::malformed("\"v\" must be a boolean"))?,
        ),
        "i" => Value::Int(int_field(json)?),
        "d" => Value::Float(float_field(json)?),
        "s" => Value::Str(bytes_field(json)?.into()),
        "a" => Value::Array(entries_field(json)?),
        "O" => Value::Object(Box::new(Object {
            class: name_field(json, "class")?,
            entries: entries_field(json)?,
        })),
        "C" => Value::Custom(Box::new(Custom {
            class: name_field(json, "class")?,
            payload: bytes_field(
                json.get("payload").ok_or_else(|| JsonError::malformed("missing \"payload\""))?,
            )
            .map_err(|e| e.within("payload"))?,
        })),
        "E" => Value::Enum(Box::new(EnumCase {
            class: name_field(json, "class")?,
            case: name_field(json, "case")?,
        })),
        "R" => Value::Ref(index_field(json)?),
        "r" => Value::ObjRef(index_field(json)?),
        _ => return Err(JsonError::malformed("unknown \"t\"")),
    })
}

fn bytes_json(bytes: &[u8]) -> Map<String, Json> {
    let mut node = Map::new();
    node.insert("b64".into(), BASE64.encode(bytes).into());
    if let Ok(s) = std::str::from_utf8(bytes) {
        node.insert("utf8".into(), s.into());
    }
    node
}

fn name_json(node: &mut Map<String, Json>, field: &str, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => node.insert(field.into(), s.into()),
        Err(_) => node.insert(format!("{field}_b64"), BASE64.encode(bytes).into()),
    };
}

fn key_json(key: &Key, property: bool) -> Json {
    match key {
        Key::Int(i) => json!({"t": "i", "v": i.to_string()}),
        Key::Str(s) => {
            let mut node = bytes_json(s);
            node.insert("t".into(), "s".into());
            if property {
                let p = PropertyName::parse(s);
                let mut prop = Map::new();
                prop.insert("name".into(), String::from_utf8_lossy(p.name).into());
                let visibility = match p.visibility {
                    Visibility::Public => "public",
                    Visibility::Protected => "protected",
                    Visibility::Private(class) => {
                        prop.insert("class".into(), String::from_utf8_lossy(class).into());
                        "private"
                    }
                };
                prop.insert("visibility".into(), visibility.into());
                node.insert("prop".into(), Json::Object(prop));
            }
            Json::Object(node)
        }
    }
}

fn int_field(json: &Json) -> Result<i64, JsonError> {
    match json.get("v") {
        Some(Json::String(s)) => s.parse().ok(),
        Some(Json::Number(n)) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| JsonError::malformed("\"v\" must be a 64-bit integer"))
}

fn float_field(json: &Json) -> Result<f64, JsonError> {
    if let Some(bits) = json.get("bits").and_then(Json::as_str) {
        return u64::from_str_radix(bits, 16)
            .map(f64::from_bits)
            .map_err(|_| JsonError::malformed("\"bits\" must be 16 hex digits"));
    }
    if let Some(repr) = json.get("repr").and_then(Json::as_str) {
        return parse_float(repr.as_bytes())
            .ok_or_else(|| JsonError::malformed("\"repr\" is not a PHP float"));
    }
    json.get("v").and_then(Json::as_f64).ok_or_else(|| JsonError::malformed("missing \"bits\""))
}

fn bytes_field(json: &Json) -> Result<Vec<u8>, JsonError> {
    if let Some(b64) = json.get("b64").and_then(Json::as_str) {
        return BASE64.decode(b64).map_err(|_| JsonError::malformed("\"b64\" is not base64"));
    }
    json.get("utf8")
        .and_then(Json::as_str)
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| JsonError::malformed("missing \"b64\""))
}

fn name_field(json: &Json, field: &'static str) -> Result<PhpString, JsonError> {
    if let Some(s) = json.get(field).and_then(Json::as_str) {
        return Ok(s.into());
    }
    json.get(format!("{field}_b64"))
        .and_then(Json::as_str)
        .and_then(|b| BASE64.decode(b).ok())
        .map(PhpString::from)
        .ok_or_else(|| JsonError::malformed("missing class or case name"))
}

fn index_field(json: &Json) -> Result<u32, JsonError> {
    json.get("index")
        .and_then(Json::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| JsonError::malformed("\"index\" must be a slot number"))
}

fn entries_field(json: &Json) -> Result<Vec<(Key, Value)>, JsonError> {
    let items = json
        .get("entries")
        .and_then(Json::as_array)
        .ok_or_else(|| JsonError::malformed("missing \"entries\""))?;
    items
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let at = |e: JsonError| e.within(&i.to_string()).within("entries");
            let (Some(k), Some(v), None) = (pair.get(0), pair.get(1), pair.get(2)) else {
                return Err(at(JsonError::malformed("an entry is a [key, value] pair")));
            };
            let key = match k.get("t").and_then(Json::as_str) {
                Some("i") => Key::Int(int_field(k).map_err(|e| at(e.within("0")))?),
                Some("s") => Key::Str(bytes_field(k).map_err(|e| at(e.within("0")))?.into()),
                _ => return Err(at(JsonError::malformed("a key is an \"i\" or \"s\" node"))),
            };
            let value = from_tagged_json(v).map_err(|e| at(e.within("1")))?;
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php_serialize::unserialize;

    #[test]
    fn tagged_form_round_trips() {
        let v = unserialize(
            b"a:3:{i:0;O:7:\"VgPlain\":1:{s:13:\"\0VgPlain\0priv\";d:0.1;}i:1;s:2:\"\xff\0\";i:2;r:2;}",
        )
        .unwrap();
        let j = to_tagged_json(&v);
        assert_eq!(from_tagged_json(&j).unwrap(), v);
        assert_eq!(j["entries"][0][1]["entries"][0][0]["prop"]["class"], "VgPlain");
    }

    #[test]
    fn plain_form_refuses_objects_with_a_path() {
        let v = unserialize(br#"a:1:{s:1:"u";a:1:{i:0;O:8:"stdClass":0:{}}}"#).unwrap();
        assert_eq!(
            to_plain_json(&v),
            Err(JsonError::NotPlain { path: "/u/0".into(), what: "an object" })
        );
    }

    #[test]
    fn plain_objects_become_php_arrays() {
        let j: Json = serde_json::from_str(r#"{"b":1,"7":[true,null],"a":"x"}"#).unwrap();
        let v = from_plain_json(&j).unwrap();
        assert_eq!(
            crate::php_serialize::serialize(&v).unwrap(),
            br#"a:3:{s:1:"b";i:1;i:7;a:2:{i:0;b:1;i:1;N;}s:1:"a";s:1:"x";}"#
        );
        assert_eq!(to_plain_json(&v).unwrap(), j);
    }
}
