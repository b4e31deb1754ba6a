//! `request.json`, the `cookie_seen_by_wordpress` part: PHP's `$_COOKIE` for the recorded
//! `Cookie` header after WordPress's `wp_magic_quotes()`. (Who the request resolves to is the
//! auth_cookie module's topic.)

use serde_json::{Map, Value};
use wpgate_core::cookies::RequestCookies;
use wpgate_core::cookies::input::{InputArray, InputValue};

use crate::cookie_sites::check_sites;
use crate::support::{Report, at, expect_eq};

const FILE: &str = "wordpress/request.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    check_sites(report, FILE, &root);
    report.each(FILE, &root, "cases", check_case);
}

fn check_case(case: &Value) -> Result<(), String> {
    let header = match at(at(case, "request")?, "cookie_header")? {
        Value::Null => None,
        Value::String(s) => Some(s.as_str()),
        other => return Err(format!("cookie_header is {other}")),
    };
    let seen = RequestCookies::parse(header.unwrap_or_default()).magic_quoted();
    let got = php_array_json(seen.as_array())?;
    let expected = normalise(at(at(case, "expected")?, "cookie_seen_by_wordpress")?);
    expect_eq("cookie_seen_by_wordpress", &got, &expected)
}

/// A PHP array as a JSON object (keys as PHP prints them).
fn php_array_json(array: &InputArray) -> Result<Value, String> {
    let mut map = Map::new();
    for (key, value) in array.iter() {
        let value = match value {
            InputValue::Str(bytes) => Value::String(
                String::from_utf8(bytes.clone())
                    .map_err(|_| format!("value of {key} is not UTF-8"))?,
            ),
            InputValue::Array(inner) => php_array_json(inner)?,
        };
        map.insert(key.to_string(), value);
    }
    Ok(Value::Object(map))
}

/// `json_encode` writes an empty PHP array (and a `0..n` keyed one) as a list.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Object(
            items.iter().enumerate().map(|(i, v)| (i.to_string(), normalise(v))).collect(),
        ),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}
