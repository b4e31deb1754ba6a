#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! `users` against real PHP: every case of `compat-tests/fixtures/users.json`, which
//! `compat-tests/fixtures/generate-users.php` produced by running WordPress's own
//! `strip_tags()`, `wp_strip_all_tags()`, `remove_accents()`, `sanitize_user()`,
//! `validate_username()`, `WP_User::get_data_by('login')` and `wp_insert_user()` under PHP 8.2,
//! for twelve WordPress releases from 4.9.31 to 7.1 (both sides of every behaviour change), with
//! and without intl, in 16 locales.
//!
//! One test per corpus; each collects every mismatch (run, case, function, expected, got)
//! before failing, so a regression shows its whole extent.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use wpgate_core::WpVersion;
use wpgate_core::users::{
    SanitizeRules, is_valid_username, login_lookup_key, new_user_login, remove_accents,
    sanitize_user, strip_all_tags, strip_tags,
};

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../compat-tests/fixtures/users.json");
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_slice(&text).unwrap()
    })
}

/// A byte string of the fixture: a JSON string, or `{"hex": "..."}` when not UTF-8.
fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => hex::decode(o["hex"].as_str().unwrap()).unwrap(),
        other => panic!("not a byte string: {other}"),
    }
}

fn show(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("hex:{}", hex::encode(b)),
    }
}

/// What our implementation says for `function` of `input`, in the fixture's encoding.
fn ours(function: &str, input: &[u8], rules: &SanitizeRules) -> Value {
    let enc = |b: Vec<u8>| match String::from_utf8(b) {
        Ok(s) => Value::String(s),
        Err(e) => serde_json::json!({ "hex": hex::encode(e.as_bytes()) }),
    };
    match function {
        "strip_tags" => enc(strip_tags(input)),
        "wp_strip_all_tags" => enc(strip_all_tags(input, false)),
        "wp_strip_all_tags_breaks" => enc(strip_all_tags(input, true)),
        "remove_accents" => enc(remove_accents(input, rules)),
        "sanitize_user" => enc(sanitize_user(input, false, rules)),
        "sanitize_user_strict" => enc(sanitize_user(input, true, rules)),
        "validate_username" => Value::Bool(is_valid_username(input, rules)),
        "login_lookup" => login_lookup_key(input, rules).map_or(Value::Null, enc),
        "insert_login" => match new_user_login(input, rules) {
            Ok(login) => serde_json::json!({ "ok": login }),
            Err(e) => serde_json::json!({ "error": e.code() }),
        },
        other => panic!("the fixture has a function we do not know: {other}"),
    }
}

/// Checks every case of every run over `corpus`; returns how many values were compared.
fn check_corpus(corpus: &str) -> usize {
    let mut failures = Vec::new();
    let mut compared = 0;
    for run in fixture()["runs"].as_array().unwrap() {
        let head = &run["run"];
        if head["corpus"] != corpus {
            continue;
        }
        let version: WpVersion = head["wp_version"].as_str().unwrap().parse().unwrap();
        let rules = SanitizeRules::new(version)
            .with_locale(head["locale"].as_str().unwrap())
            .with_intl(head["intl"].as_bool().unwrap());
        for (n, case) in run["cases"].as_array().unwrap().iter().enumerate() {
            let input = bytes(&case["in"]);
            for function in head["functions"].as_array().unwrap() {
                let function = function.as_str().unwrap();
                let expected = &case[function];
                let got = ours(function, &input, &rules);
                compared += 1;
                if &got != expected {
                    failures.push(format!(
                        "{version} locale={:?} intl={} case #{n} {function}({}): \
                         expected {expected}, got {got}",
                        rules.locale(),
                        rules.intl(),
                        show(&input)
                    ));
                }
            }
        }
    }
    assert!(compared > 0, "no runs over the {corpus:?} corpus in the fixture");
    assert!(
        failures.is_empty(),
        "{} of {compared} values differ from PHP:\n{}",
        failures.len(),
        failures.join("\n")
    );
    compared
}

#[test]
fn strip_tags_matches_php_on_tags_comments_and_random_markup() {
    check_corpus("tags");
}

#[test]
fn username_functions_match_wordpress_on_the_general_corpus() {
    check_corpus("general");
}

#[test]
fn remove_accents_matches_wordpress_on_every_table_entry_and_high_byte() {
    check_corpus("accents");
}

#[test]
fn remove_accents_normalizes_like_wordpress_with_and_without_intl() {
    check_corpus("normalization");
}

#[test]
fn remove_accents_follows_wordpress_in_every_locale() {
    check_corpus("locale");
}

#[test]
fn the_fixture_covers_every_release_we_claim() {
    let mut versions: Vec<&str> = fixture()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"]["wp_version"].as_str().unwrap())
        .collect();
    versions.dedup();
    for v in [
        "4.9.31", "5.6.19", "5.9.16", "6.0.14", "6.1.9", "6.2.11", "6.5.10", "6.7.2", "6.8.3",
        "6.9.4", "7.0.4", "7.1",
    ] {
        assert!(versions.contains(&v), "no runs of WordPress {v}");
    }
}
