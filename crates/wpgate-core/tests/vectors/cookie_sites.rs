//! The `sites` of a vector file as cookie configurations, and the check that the cookie
//! constants we derive from each site's `siteurl`/`home` are the ones WordPress defined.

use serde_json::{Value, json};
use wpgate_core::WpVersion;
use wpgate_core::cookies::{CookieConfig, CookieSettings, SetCookie};

use crate::support::{Report, expect_eq, str_at};

/// The cookie configuration of a `Site` object (no constants predefined, as in the vectors).
pub fn site_config(site: &Value) -> Result<CookieConfig, String> {
    let mut settings = CookieSettings::new(str_at(site, "siteurl")?, str_at(site, "home")?);
    settings.version =
        str_at(site, "wp_version")?.parse::<WpVersion>().map_err(|e| e.to_string())?;
    Ok(CookieConfig::new(&settings))
}

/// Checks every site's `cookie_constants` against [`CookieConfig`]; one result per site.
pub fn check_sites(report: &mut Report, file: &str, root: &Value) {
    let Some(sites) = root.get("sites").and_then(Value::as_object) else {
        report.check(file, &json!({"id": "sites"}), Err("no sites object".into()));
        return;
    };
    for (key, site) in sites {
        let case = json!({
            "id": format!("sites/{key}"),
            "wp_version": site.get("wp_version").cloned().unwrap_or(Value::Null),
        });
        report.check(file, &case, check_site(site));
    }
}

fn check_site(site: &Value) -> Result<(), String> {
    let config = site_config(site)?;
    let expected = site
        .get("cookie_constants")
        .and_then(Value::as_object)
        .ok_or("site has no cookie_constants")?;
    for (name, want) in expected {
        let got = match name.as_str() {
            "COOKIEHASH" => json!(config.hash().as_str()),
            "USER_COOKIE" => json!(config.user_cookie()),
            "PASS_COOKIE" => json!(config.pass_cookie()),
            "AUTH_COOKIE" => json!(config.auth_cookie()),
            "SECURE_AUTH_COOKIE" => json!(config.secure_auth_cookie()),
            "LOGGED_IN_COOKIE" => json!(config.logged_in_cookie()),
            "TEST_COOKIE" => json!(config.test_cookie()),
            "RECOVERY_MODE_COOKIE" => json!(config.recovery_mode_cookie()),
            "COOKIEPATH" => json!(config.cookie_path()),
            "SITECOOKIEPATH" => json!(config.site_cookie_path()),
            "ADMIN_COOKIE_PATH" => json!(config.admin_cookie_path()),
            "PLUGINS_COOKIE_PATH" => json!(config.plugins_cookie_path()),
            "COOKIE_DOMAIN" => config.cookie_domain().map_or(json!(false), |d| json!(d)),
            other => return Err(format!("unknown cookie constant {other}")),
        };
        expect_eq(name, &got, want)?;
    }
    Ok(())
}

/// `Set-Cookie: …` lines for `cookies` at `now`, as the vectors record them.
pub fn header_lines(cookies: &[SetCookie], now: i64) -> Result<Vec<String>, String> {
    cookies
        .iter()
        .map(|c| c.header_value(now).map(|v| format!("Set-Cookie: {v}")).map_err(|e| e.to_string()))
        .collect()
}

/// The case's `set_cookie_headers`.
pub fn expected_lines(case: &Value) -> Result<Vec<String>, String> {
    case.get("set_cookie_headers")
        .and_then(Value::as_array)
        .ok_or("no set_cookie_headers array")?
        .iter()
        .map(|h| h.as_str().map(str::to_owned).ok_or("header is not a string".into()))
        .collect()
}

/// Compares header lists, naming the first difference.
pub fn compare_lines(got: &[String], expected: &[String]) -> Result<(), String> {
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        if g != e {
            return Err(format!("header #{i}:\n  expected {e}\n  got      {g}"));
        }
    }
    expect_eq("number of Set-Cookie headers", got.len(), expected.len())
}
