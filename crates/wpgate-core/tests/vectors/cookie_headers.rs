//! `cookie_headers.json`: the exact `Set-Cookie` headers of `wp_set_auth_cookie()`,
//! `wp_clear_auth_cookie()` and wp-login.php (test cookie, real logins).
//!
//! The auth and logged-in cookie values come from the case (`result.captured`, or the recorded
//! headers for wp-login.php): computing them is the auth_cookie module's job. Everything else —
//! names, expiration and expiry arithmetic, scheme, attributes, order, encoding — is ours.

use serde_json::Value;
use wpgate_core::cookies::{
    AuthCookiePlan, CookieConfig, Scheme, SetCookie, clear_auth_cookies, input::parse_str,
    raw_url_decode, raw_url_encode, test_cookies,
};

use crate::cookie_sites::{check_sites, compare_lines, expected_lines, header_lines, site_config};
use crate::support::{Report, at, expect_eq, i64_at, site_of, str_at, version_of};

const FILE: &str = "wordpress/cookie_headers.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    check_sites(report, FILE, &root);
    report.each(FILE, &root, "cases", |case| check_case(&root, case));
}

fn check_case(root: &Value, case: &Value) -> Result<(), String> {
    let config = site_config(site_of(root, case)?)?;
    expect_eq("site version", config.version(), version_of(case)?)?;
    let now = i64_at(case, "now")?;
    let https = at(case, "request_https")?.as_bool().ok_or("request_https is not a bool")?;
    check_parsed_encoding(case)?;

    let cookies = match str_at(case, "function")? {
        "wp_set_auth_cookie" => set_auth_cookie(&config, case, https, now)?,
        "wp_clear_auth_cookie" => {
            let uid = at(at(case, "result")?, "current_user_id")?
                .as_u64()
                .ok_or("current_user_id is not an unsigned integer")?;
            clear_auth_cookies(&config, uid, now)
        }
        "wp-login.php" => wp_login(&config, case, https, now)?,
        other => return Err(format!("unknown function {other:?}")),
    };
    compare_lines(&header_lines(&cookies, now)?, &expected_lines(case)?)
}

/// `wp_set_auth_cookie()` with the values WordPress generated (`result.captured`).
fn set_auth_cookie(
    config: &CookieConfig,
    case: &Value,
    https: bool,
    now: i64,
) -> Result<Vec<SetCookie>, String> {
    let args = at(case, "args")?;
    let remember = at(args, "remember")?.as_bool().ok_or("remember is not a bool")?;
    let secure = match at(args, "secure_arg")? {
        Value::String(s) if s.is_empty() => None,
        Value::Bool(b) => Some(*b),
        other => return Err(format!("unexpected secure_arg {other}")),
    };
    let plan = AuthCookiePlan::new(config, remember, secure, https, now);

    let captured = at(at(case, "result")?, "captured")?;
    let auth = at(captured, "auth")?;
    let logged_in = at(captured, "logged_in")?;
    for (what, c) in [("auth", auth), ("logged_in", logged_in)] {
        expect_eq(&format!("{what} expiration"), plan.expiration(), i64_at(c, "expiration")?)?;
        expect_eq(&format!("{what} expire"), plan.expire().unwrap_or(0), i64_at(c, "expire")?)?;
    }
    expect_eq("auth scheme", plan.scheme().as_str(), str_at(auth, "scheme")?)?;
    expect_eq("logged_in scheme", Scheme::LoggedIn.as_str(), str_at(logged_in, "scheme")?)?;
    Ok(plan.cookies(str_at(auth, "cookie")?, str_at(logged_in, "cookie")?))
}

/// wp-login.php: the test cookie, then for a POST the login's auth cookies, whose values are
/// taken from the recorded headers (their expiration field must be ours).
fn wp_login(
    config: &CookieConfig,
    case: &Value,
    https: bool,
    now: i64,
) -> Result<Vec<SetCookie>, String> {
    let args = at(case, "args")?;
    let mut cookies = test_cookies(config, https);
    match str_at(args, "method")? {
        "GET" => {}
        "POST" => {
            let body = parse_str(str_at(args, "body")?.as_bytes());
            // wp_signon(): 'remember' => ! empty( $_POST['rememberme'] ).
            let remember = body
                .get("rememberme")
                .and_then(|v| v.as_bytes())
                .is_some_and(|v| !v.is_empty() && v != b"0");
            // wp-login.php passes secure = '' (no use_ssl user option here): is_ssl().
            let plan = AuthCookiePlan::new(config, remember, None, https, now);
            let auth = recorded_value(case, plan.auth_cookie_name())?;
            let logged_in = recorded_value(case, config.logged_in_cookie())?;
            for (what, value) in [("auth", &auth), ("logged_in", &logged_in)] {
                let expiration = value.split('|').nth(1).unwrap_or_default();
                expect_eq(
                    &format!("{what} cookie expiration field"),
                    expiration,
                    plan.expiration().to_string().as_str(),
                )?;
            }
            cookies.extend(plan.cookies(&auth, &logged_in));
        }
        other => return Err(format!("unknown method {other:?}")),
    }
    Ok(cookies)
}

/// The decoded value of the first recorded cookie called `name`.
fn recorded_value(case: &Value, name: &str) -> Result<String, String> {
    at(case, "parsed")?
        .as_array()
        .ok_or("parsed is not an array")?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .ok_or_else(|| format!("no recorded cookie named {name}"))
        .and_then(|p| str_at(p, "value").map(str::to_owned))
}

/// Every recorded `value_on_wire` is `rawurlencode(value)` and decodes back to `value`.
fn check_parsed_encoding(case: &Value) -> Result<(), String> {
    let Some(parsed) = case.get("parsed") else {
        return Ok(());
    };
    for p in parsed.as_array().ok_or("parsed is not an array")? {
        let value = str_at(p, "value")?;
        let wire = str_at(p, "value_on_wire")?;
        expect_eq("rawurlencode(value)", raw_url_encode(value.as_bytes()).as_str(), wire)?;
        expect_eq(
            "rawurldecode(value_on_wire)",
            raw_url_decode(wire.as_bytes()).as_slice(),
            value.as_bytes(),
        )?;
    }
    Ok(())
}
