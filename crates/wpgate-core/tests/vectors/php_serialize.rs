//! `php/serialize.json` and `php/unserialize_invalid.json`: PHP 8.2's `serialize()` output
//! and what its `unserialize()` accepts, rejects and writes back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value as Json, json};
use wpgate_core::php_serialize::{
    ClassTable, PhpClass, Unserializer, Value, from_tagged_json, serialize, to_tagged_json,
    unserialize,
};

use crate::support::{Report, at, expect_eq, str_at};

const SERIALIZE: &str = "php/serialize.json";
const INVALID: &str = "php/unserialize_invalid.json";

pub fn run(report: &mut Report) {
    let Some(ser) = report.load(SERIALIZE) else {
        return;
    };
    let Some(invalid) = report.load(INVALID) else {
        return;
    };
    let classes = generator_classes(&[&ser, &invalid]);
    let with_classes = Unserializer::new().classes(&classes);

    report.each(SERIALIZE, &ser, "cases", |case| {
        let bytes = bytes_at(case, "serialized")?;
        let tree = tree_at(case, "value")?;
        let decoded = unserialize(&bytes).map_err(|e| format!("unserialize: {e}"))?;
        expect_eq("decoded value", &decoded, &tree)?;
        let decoded = with_classes
            .unserialize(&bytes)
            .map_err(|e| format!("unserialize with the generator's classes: {e}"))?;
        expect_eq("decoded value (with classes)", &decoded, &tree)?;
        let encoded = serialize(&tree).map_err(|e| format!("serialize: {e}"))?;
        expect_bytes("serialize(tree)", &encoded, &bytes)?;
        expect_eq(
            "tagged JSON round trip",
            from_tagged_json(&to_tagged_json(&tree)).ok(),
            Some(tree.clone()),
        )?;
        // The vectors' own JSON must come back from ours as well (same fields, same values).
        expect_eq(
            "tagged JSON form",
            strip_printable(to_tagged_json(&tree)),
            strip_printable(at(case, "value")?.clone()),
        )
    });

    report.each(SERIALIZE, &ser, "serialize_precision_17", |case| {
        // No id in the file: checked by content. PHP wrote 17 significant digits; the reader
        // must give the double those digits denote, and our writer its shortest form.
        let bytes = bytes_at(case, "serialized")?;
        let v = unserialize(&bytes).map_err(|e| format!("unserialize: {e}"))?;
        let Value::Float(f) = v else {
            return Err(format!("not a float: {v:?}"));
        };
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        expect_eq("17-digit text of the value read", precision_17(f), text.to_owned())?;
        let shortest = serialize(&Value::Float(f)).map_err(|e| e.to_string())?;
        let back = unserialize(&shortest).map_err(|e| e.to_string())?;
        expect_eq("shortest form reads back", back, Value::Float(f))
    });

    let pairs = ser
        .get("float_corpus")
        .and_then(|c| c.get("pairs"))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    if pairs.is_empty() {
        report.check(SERIALIZE, &json!({"id": "float_corpus"}), Err("no pairs".into()));
    }
    for (i, pair) in pairs.iter().enumerate() {
        let case = json!({"id": format!("float_corpus[{i}]")});
        report.check(SERIALIZE, &case, check_float_pair(pair));
    }

    report.each(INVALID, &invalid, "unserialize", |case| {
        let input = bytes_at(case, "input")?;
        let accepted = at(case, "accepted")?.as_bool().ok_or("accepted is not a bool")?;
        let got = with_classes.unserialize(&input);
        match (accepted, got) {
            (false, Ok(v)) => Err(format!("PHP rejects this, we accepted {v:?}")),
            (false, Err(_)) => Ok(()),
            (true, Err(e)) => Err(format!("PHP accepts this, we rejected it: {e}")),
            (true, Ok(v)) => {
                expect_eq("value", &v, &tree_at(case, "value")?)?;
                let again = serialize(&v).map_err(|e| format!("serialize: {e}"))?;
                expect_bytes("reserialized", &again, &bytes_at(case, "reserialized")?)
            }
        }
    });
}

/// The classes the vector generator's PHP script declared, as far as its vectors show them:
/// enum cases are taken from the `E` nodes that PHP wrote.
fn generator_classes(files: &[&Json]) -> ClassTable {
    let mut suits: Vec<String> = Vec::new();
    let mut pure: Vec<String> = Vec::new();
    for file in files {
        collect_enum_cases(file, &mut |class, case| {
            let list = match class {
                "VgSuit" => &mut suits,
                "VgPure" => &mut pure,
                _ => return,
            };
            if !list.iter().any(|c| c == case) {
                list.push(case.to_owned());
            }
        });
    }
    let mut t = ClassTable::builtin();
    for plain in [
        "VgPlain",
        "VgChild",
        "VgTyped",
        "VgUninit",
        "VgSleep",
        "VgDynamic",
        "Vg\\App\\Model\\Account",
    ] {
        t = t.with(PhpClass::new(plain));
    }
    t.with(PhpClass::new("VgMagic").with_unserialize())
        .with(PhpClass::new("VgLegacy").implementing_serializable())
        .with(PhpClass::enumeration("VgSuit", suits))
        .with(PhpClass::enumeration("VgPure", pure))
}

fn collect_enum_cases(j: &Json, f: &mut impl FnMut(&str, &str)) {
    match j {
        Json::Object(m) => {
            if let (Some("E"), Some(c), Some(k)) = (
                m.get("t").and_then(Json::as_str),
                m.get("class").and_then(Json::as_str),
                m.get("case").and_then(Json::as_str),
            ) {
                f(c, k);
            }
            m.values().for_each(|v| collect_enum_cases(v, f));
        }
        Json::Array(a) => a.iter().for_each(|v| collect_enum_cases(v, f)),
        _ => {}
    }
}

fn check_float_pair(pair: &Json) -> Result<(), String> {
    let bits = pair.get(0).and_then(Json::as_str).ok_or("pair[0] is not a string")?;
    let text = pair.get(1).and_then(Json::as_str).ok_or("pair[1] is not a string")?;
    let f = f64::from_bits(u64::from_str_radix(bits, 16).map_err(|e| e.to_string())?);
    let written = serialize(&Value::Float(f)).map_err(|e| e.to_string())?;
    expect_eq(
        &format!("serialize({bits})"),
        String::from_utf8_lossy(&written).into_owned(),
        format!("d:{text};"),
    )?;
    let read = unserialize(format!("d:{text};").as_bytes()).map_err(|e| e.to_string())?;
    expect_eq("read back", read, Value::Float(f))
}

/// `serialize()` with `serialize_precision = 17`: 17 significant digits, trailing zeros
/// dropped, the same layout rule.
fn precision_17(f: f64) -> String {
    if f == 0.0 {
        return format!("d:{};", if f.is_sign_negative() { "-0" } else { "0" });
    }
    let s = format!("{:.16e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let point = exp + 1;
    let mut out = String::from(if f < 0.0 { "d:-" } else { "d:" });
    if !(-3..=17).contains(&point) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if point - 1 < 0 { '-' } else { '+' };
        out += &format!("{first}.{rest}E{sign}{}", (point - 1).abs());
    } else if point > 0 {
        let p = point as usize;
        if digits.len() <= p {
            out += &format!("{digits:0<p$}");
        } else {
            out += &format!("{}.{}", &digits[..p], &digits[p..]);
        }
    } else {
        out += &format!("0.{}{digits}", "0".repeat((-point) as usize));
    }
    out + ";"
}

/// The bytes of a `{"b64": …}` field.
pub fn bytes_at(case: &Json, key: &str) -> Result<Vec<u8>, String> {
    let b64 = str_at(at(case, key)?, "b64").map_err(|e| format!("{key}: {e}"))?;
    BASE64.decode(b64).map_err(|e| format!("{key}: {e}"))
}

/// The typed tree at `key`, as a value.
pub fn tree_at(case: &Json, key: &str) -> Result<Value, String> {
    from_tagged_json(at(case, key)?).map_err(|e| format!("{key}: {e}"))
}

pub fn expect_bytes(what: &str, got: &[u8], expected: &[u8]) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {:?}, got {:?}",
            String::from_utf8_lossy(expected),
            String::from_utf8_lossy(got)
        ))
    }
}

/// Drops the fields that only describe (`printable`, `len`) so trees compare on content.
fn strip_printable(mut j: Json) -> Json {
    match &mut j {
        Json::Object(m) => {
            m.remove("printable");
            m.remove("len");
            for v in m.values_mut() {
                *v = strip_printable(v.take());
            }
        }
        Json::Array(a) => {
            for v in a.iter_mut() {
                *v = strip_printable(v.take());
            }
        }
        _ => {}
    }
    j
}
