//! `user_settings.json`: `get_all_user_settings()`, `get_user_setting()`,
//! `wp_set_all_user_settings()` (`cases`) and `wp_user_settings()` on real wp-admin requests
//! (`wp_user_settings`, with the exact `Set-Cookie` headers).
//!
//! PHP array order matters here (it is the order of the settings string), so the expected
//! arrays are read with [`crate::ordered`].

use std::collections::HashMap;

use serde_json::Value;
use wpgate_core::cookies::input::{InputArray, InputValue};
use wpgate_core::cookies::{RequestCookies, raw_url_encode};
use wpgate_core::user_settings::{
    UserSettings, UserSettingsSync, encode_user_settings, sync_user_settings,
};

use crate::cookie_sites::{check_sites, compare_lines, expected_lines, header_lines, site_config};
use crate::ordered::{self, Ordered};
use crate::support::{Report, at, expect_eq, i64_at, site_of, str_at};

const FILE: &str = "wordpress/user_settings.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    check_sites(report, FILE, &root);
    let ordered = match ordered::load(FILE) {
        Ok(o) => o,
        Err(e) => {
            report.check(FILE, &serde_json::json!({"id": "<ordered>"}), Err(e));
            return;
        }
    };
    let cases = by_id(&ordered, "cases");
    report.each(FILE, &root, "cases", |case| {
        let id = str_at(case, "id")?;
        let ordered_case = cases.get(id).ok_or("case missing from the ordered read")?;
        check_function(case, ordered_case)
    });
    report.each(FILE, &root, "wp_user_settings", |case| check_request(&root, case));
}

fn by_id<'a>(root: &'a Ordered, key: &str) -> HashMap<String, &'a Ordered> {
    root.get(key)
        .and_then(Ordered::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Some((c.get("id")?.as_str()?.to_owned(), c)))
        .collect()
}

fn check_function(case: &Value, ordered_case: &Ordered) -> Result<(), String> {
    let input = at(case, "input")?;
    let oinput = ordered_case.get("input").ok_or("no input")?;
    match str_at(case, "function")? {
        "get_all_user_settings" => {
            let cookie = input.get("cookie").and_then(Value::as_str);
            let stored = input.get("stored").and_then(Value::as_str);
            let settings = UserSettings::from_request(cookie.map(str::as_bytes), stored);
            compare_arrays(
                "result",
                settings.as_array(),
                ordered_case.get("result").ok_or("no result")?,
            )?;
            if let Some(names) = input.get("get") {
                let expected = at(case, "get_user_setting")?;
                for name in names.as_array().ok_or("get is not an array")? {
                    let name = name.as_str().ok_or("setting name is not a string")?;
                    expect_eq(
                        &format!("get_user_setting({name:?}, 'DEFAULT')"),
                        settings.str_or(name, "DEFAULT"),
                        str_at(expected, name)?,
                    )?;
                }
            }
            Ok(())
        }
        "wp_set_all_user_settings" => {
            let Some(Ordered::Object(pairs)) = oinput.get("input") else {
                return Err("input.input is not an object".into());
            };
            let pairs = pairs
                .iter()
                .map(|(k, v)| {
                    v.php_string()
                        .map(|v| (k.clone(), v))
                        .ok_or(format!("value of {k} is not a scalar"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let encoded = encode_user_settings(pairs);
            let stored = at(case, "stored")?;
            expect_eq("user-settings", encoded.as_str(), str_at(stored, "user-settings")?)?;
            expect_eq(
                "user-settings-time (= now)",
                i64_at(case, "now")?.to_string().as_str(),
                str_at(stored, "user-settings-time")?,
            )?;
            expect_eq("result", at(case, "result")?, &Value::Bool(true))?;
            compare_arrays(
                "get_all_after",
                UserSettings::parse(&encoded).as_array(),
                ordered_case.get("get_all_after").ok_or("no get_all_after")?,
            )
        }
        other => Err(format!("unknown function {other:?}")),
    }
}

/// One `wp_user_settings()` request into wp-admin.
fn check_request(root: &Value, case: &Value) -> Result<(), String> {
    let config = site_config(site_of(root, case)?)?;
    let now = i64_at(case, "now")?;
    let user_id = at(case, "user_id")?.as_u64().ok_or("user_id is not an integer")?;
    let result = at(case, "result")?;
    if result.get("is_admin") != Some(&Value::Bool(true))
        || result.get("current_user_id").and_then(Value::as_u64) != Some(user_id)
    {
        return Err("not a logged-in wp-admin request: wp_user_settings() would not run".into());
    }
    let before = at(case, "stored_before")?;
    let stored = str_at(before, "user-settings")?;
    let stored_time = i64_at(before, "user-settings-time")?;
    let cookie_settings = case.get("cookie_settings").and_then(Value::as_str);
    let cookie_time = case.get("cookie_time").and_then(Value::as_str);

    // The browser's cookies, encoded as a browser would send what PHP set.
    let mut header = Vec::new();
    if let Some(v) = cookie_settings {
        header.push(format!("wp-settings-{user_id}={}", raw_url_encode(v.as_bytes())));
    }
    if let Some(v) = cookie_time {
        header.push(format!("wp-settings-time-{user_id}={}", raw_url_encode(v.as_bytes())));
    }
    let cookies = RequestCookies::parse(header.join("; ")).magic_quoted();

    // The request's scheme is not recorded; these sites force https admin, so it does not
    // matter there, and a site where it would shows up as a failure.
    let outcome = sync_user_settings(&config, user_id, stored, stored_time, &cookies, false, now);
    let (after_settings, after_time, cookie_after, sent) = match &outcome {
        UserSettingsSync::Unchanged => {
            (stored.to_owned(), stored_time, cookie_settings.map(str::to_owned), Vec::new())
        }
        UserSettingsSync::Store { settings, time } => {
            (settings.clone(), *time, cookie_settings.map(str::to_owned), Vec::new())
        }
        UserSettingsSync::Send { cookies } => {
            (stored.to_owned(), stored_time, Some(stored.to_owned()), header_lines(cookies, now)?)
        }
    };
    let after = at(result, "after")?;
    expect_eq("after user-settings", after_settings.as_str(), str_at(after, "user-settings")?)?;
    expect_eq(
        "after user-settings-time",
        after_time.to_string().as_str(),
        str_at(after, "user-settings-time")?,
    )?;
    expect_eq(
        "cookie_after",
        cookie_after.as_deref(),
        result.get("cookie_after").and_then(Value::as_str),
    )?;
    compare_lines(&sent, &expected_lines(case)?)
}

/// Compares a PHP array with its recorded JSON form, order included.
fn compare_arrays(what: &str, got: &InputArray, expected: &Ordered) -> Result<(), String> {
    let expected = expected.php_array_entries().ok_or(format!("{what} is not an array"))?;
    let got_keys: Vec<String> = got.iter().map(|(k, _)| k.to_string()).collect();
    let expected_keys: Vec<String> = expected.iter().map(|(k, _)| k.clone()).collect();
    expect_eq(&format!("{what} keys"), &got_keys, &expected_keys)?;
    for ((key, value), (_, want)) in got.iter().zip(&expected) {
        match value {
            InputValue::Str(bytes) => expect_eq(
                &format!("{what}[{key}]"),
                Some(String::from_utf8_lossy(bytes).into_owned()),
                want.php_string(),
            )?,
            InputValue::Array(inner) => compare_arrays(&format!("{what}[{key}]"), inner, want)?,
        }
    }
    Ok(())
}
