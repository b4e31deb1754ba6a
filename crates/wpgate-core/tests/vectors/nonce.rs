//! `nonce.json`: `wp_create_nonce()` and `wp_verify_nonce()` across ticks.

use serde_json::Value;
use wpgate_core::nonce::{self, NonceClock, NonceSubject};

use crate::support::{Report, at, expect_eq, i64_at, site_of, site_salts, str_at};

const FILE: &str = "wordpress/nonce.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else { return };
    report.each(FILE, &root, "cases", |case| check(&root, case));
}

fn check(root: &Value, case: &Value) -> Result<(), String> {
    let salts = site_salts(site_of(root, case)?)?;
    let action = php_string(at(case, "action")?)?;
    let life = i64_at(case, "nonce_life")?;
    let logged_in = case.get("logged_in_cookie").and_then(Value::as_str);
    let token = nonce::session_token_of(logged_in);
    expect_eq("wp_get_session_token", token, str_at(case, "token")?)?;
    let mut uid = at(case, "uid")?.as_u64().ok_or("uid")?;
    if uid == 0 {
        // The nonce_user_logged_out filter, when the case sets one.
        uid = case.get("nonce_user_logged_out_filter").and_then(Value::as_u64).unwrap_or(0);
    }
    let subject = NonceSubject { uid, token };
    let nonce = match case.get("tick").and_then(Value::as_f64) {
        Some(tick) => {
            let created = NonceClock { now: i64_at(case, "created_at")?, nonce_life: life };
            expect_eq("tick", created.tick(), tick)?;
            let made = nonce::create(&salts, &action, subject, created);
            expect_eq("wp_create_nonce", made.as_str(), str_at(case, "nonce")?)?;
            made
        }
        // Negative cases: a given (wrong or empty) nonce to verify.
        None => str_at(case, "nonce")?.to_owned(),
    };
    for v in at(case, "verify")?.as_array().ok_or("verify")? {
        let clock = NonceClock { now: i64_at(v, "now")?, nonce_life: life };
        if let Some(tick) = v.get("tick").and_then(Value::as_f64) {
            expect_eq("verify tick", clock.tick(), tick)?;
        }
        let got = nonce::verify(&salts, &nonce, &action, subject, clock).map(|a| a.as_int());
        let expected = match at(v, "result")? {
            Value::Bool(false) => None,
            r => Some(r.as_u64().ok_or("result")? as u8),
        };
        expect_eq(&format!("wp_verify_nonce at {}", clock.now), got, expected)?;
    }
    Ok(())
}

/// The action as PHP concatenates it into the hashed string.
fn php_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("unexpected action {other}")),
    }
}
