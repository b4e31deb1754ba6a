//! `auth_cookie.json`: `wp_generate_auth_cookie()` for every user, scheme and version.

use serde_json::Value;
use wpgate_core::auth_cookie::{self, AuthCookie, Scheme};

use crate::support::{Report, at, expect_eq, i64_at, site_of, site_salts, str_at, version_of};

const FILE: &str = "wordpress/auth_cookie.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else { return };
    report.each(FILE, &root, "cases", |case| check(&root, case));
}

fn check(root: &Value, case: &Value) -> Result<(), String> {
    let version = version_of(case)?;
    let salts = site_salts(site_of(root, case)?)?;
    let user = at(case, "user")?;
    let login = str_at(user, "user_login")?;
    let pass = str_at(user, "user_pass")?;
    let scheme = Scheme::from_name(str_at(case, "scheme")?).ok_or("unknown scheme")?;
    let expiration = i64_at(case, "expiration")?;
    let token = str_at(case, "token")?;
    let expected = at(case, "expected")?;

    let frag = auth_cookie::pass_frag(pass, version);
    expect_eq("pass_frag", frag, str_at(expected, "pass_frag")?.as_bytes())?;
    let mut key_input = format!("{login}|").into_bytes();
    key_input.extend_from_slice(frag);
    key_input.extend_from_slice(format!("|{expiration}|{token}").as_bytes());
    let key = salts.hash(&key_input, scheme.salt_scheme());
    expect_eq("key", key.as_str(), str_at(expected, "key")?)?;

    let cookie = auth_cookie::generate(&salts, scheme, login, pass, expiration, token, version);
    expect_eq("cookie", cookie.as_str(), str_at(expected, "cookie")?)?;
    let fields = cookie.split('|').count() as i64;
    expect_eq("field_count", fields, i64_at(expected, "field_count")?)?;
    match AuthCookie::parse(&cookie) {
        Ok(parsed) => {
            expect_eq("hmac", parsed.hmac(), str_at(expected, "hmac")?)?;
            parsed
                .verify_hmac(&salts, scheme, pass, version)
                .map_err(|e| format!("own cookie does not verify: {e}"))
        }
        // A login containing `|` yields a cookie WordPress itself cannot parse.
        Err(_) if fields != 4 => Ok(()),
        Err(e) => Err(format!("parse: {e}")),
    }
}
