//! `wp-config.php` reading: the real keys, salts and cookie constants of the vector sites,
//! written out as PHP source in each quoting style, must read back byte for byte, and the
//! key ‖ salt pairs must equal what `wp_salt()` returned on those sites.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use wpgate_core::WpVersion;
use wpgate_core::wp_config::{Salts, WpConfig};

use crate::support::{Report, at, expect_eq, i64_at, site_of, str_at, version_of};

const FILE: &str = "wordpress/hash.json";
/// Reported apart from the hash topic: these cases check the wp-config.php reader.
const LABEL: &str = "wordpress/hash.json (wp-config.php reader)";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    if let Err(e) = i64_at(&root, "schema_version").and_then(|v| expect_eq("schema_version", v, 1))
    {
        report.check(LABEL, &serde_json::json!({ "id": "<schema>" }), Err(e));
        return;
    }

    let mut site_keys: Vec<&String> = root
        .get("sites")
        .and_then(Value::as_object)
        .map(|sites| sites.keys().collect())
        .unwrap_or_default();
    site_keys.sort();
    if site_keys.is_empty() {
        report.check(LABEL, &serde_json::json!({ "id": "sites" }), Err("no sites".into()));
    }
    for key in site_keys {
        let case = serde_json::json!({ "id": format!("wp_config site {key}"), "site": key });
        let outcome = site_of(&root, &case).and_then(check_site);
        report.check(LABEL, &case, outcome);
    }

    report.each(LABEL, &root, "scenarios", check_scenario);
}

/// A site's constants, `$table_prefix` and cookie constants, in every quoting style.
fn check_site(site: &Value) -> Result<(), String> {
    let constants = at(site, "constants")?;
    let cookies = at(site, "cookie_constants")?;
    let version = version_of(site)?;

    // COOKIE_DOMAIN is `false` before 6.6 and `''` from 6.6 (spec §2); both read as "".
    let domain = at(cookies, "COOKIE_DOMAIN")?;
    expect_eq(
        "COOKIE_DOMAIN is false exactly before 6.6",
        domain == &Value::Bool(false),
        version < WpVersion::V6_6,
    )?;

    for style in [Style::Single, Style::Double, Style::Nowdoc, Style::Heredoc] {
        let mut src = String::from("<?php\r\n");
        for (name, value) in constants.as_object().into_iter().flatten() {
            src += &define(name, value, style)?;
        }
        for name in [
            "COOKIEHASH",
            "COOKIEPATH",
            "SITECOOKIEPATH",
            "ADMIN_COOKIE_PATH",
            "PLUGINS_COOKIE_PATH",
            "COOKIE_DOMAIN",
        ] {
            src += &define(name, at(cookies, name)?, style)?;
        }
        src += &define("WP_SITEURL", at(site, "siteurl")?, style)?;
        src += &define("WP_HOME", at(site, "home")?, style)?;
        src += &format!("$table_prefix = {};\r\n", literal(str_at(site, "table_prefix")?, style));

        let config = WpConfig::parse(&src).map_err(|e| format!("{style:?}: {e}"))?;
        let salts = config.salts().map_err(|e| e.to_string())?;
        expect_salts(&salts, constants, style)?;

        let wp_salt = at(site, "wp_salt")?;
        for (scheme, key, salt) in [
            ("auth", &salts.auth_key, &salts.auth_salt),
            ("secure_auth", &salts.secure_auth_key, &salts.secure_auth_salt),
            ("logged_in", &salts.logged_in_key, &salts.logged_in_salt),
            ("nonce", &salts.nonce_key, &salts.nonce_salt),
        ] {
            let joined = format!("{}{}", expose(key), expose(salt));
            expect_eq(
                &format!("{style:?}: wp_salt('{scheme}') = key ‖ salt"),
                joined.as_str(),
                str_at(wp_salt, scheme)?,
            )?;
        }

        let read = config.cookie_constants().map_err(|e| e.to_string())?;
        let expected = |name: &str| -> Result<Option<String>, String> {
            Ok(Some(match at(cookies, name)? {
                Value::Bool(false) => String::new(),
                v => v.as_str().ok_or(format!("{name} is not a string"))?.to_owned(),
            }))
        };
        expect_eq("COOKIEHASH", read.cookiehash, expected("COOKIEHASH")?)?;
        expect_eq("COOKIEPATH", read.cookiepath, expected("COOKIEPATH")?)?;
        expect_eq("SITECOOKIEPATH", read.sitecookiepath, expected("SITECOOKIEPATH")?)?;
        expect_eq("ADMIN_COOKIE_PATH", read.admin_cookie_path, expected("ADMIN_COOKIE_PATH")?)?;
        expect_eq(
            "PLUGINS_COOKIE_PATH",
            read.plugins_cookie_path,
            expected("PLUGINS_COOKIE_PATH")?,
        )?;
        expect_eq("COOKIE_DOMAIN", read.cookie_domain, expected("COOKIE_DOMAIN")?)?;
        expect_eq("WP_SITEURL", read.wp_siteurl.as_deref(), Some(str_at(site, "siteurl")?))?;
        expect_eq("WP_HOME", read.wp_home.as_deref(), Some(str_at(site, "home")?))?;
        expect_eq(
            "$table_prefix",
            config.table_prefix().map_err(|e| e.to_string())?,
            str_at(site, "table_prefix")?,
        )?;
    }
    Ok(())
}

/// A `wp_salt()` scenario's constants (empty, `"0"`, placeholders, legacy `SECRET_*`) read
/// back exactly, defined ones as `Some`, absent ones as `None`.
fn check_scenario(case: &Value) -> Result<(), String> {
    let constants = at(case, "constants")?;
    for style in [Style::Single, Style::Double, Style::Nowdoc, Style::Heredoc] {
        let mut src = String::from("\u{feff}<?php\n");
        for (name, value) in constants.as_object().into_iter().flatten() {
            src += &define(name, value, style)?;
        }
        let config = WpConfig::parse(&src).map_err(|e| format!("{style:?}: {e}"))?;
        let salts = config.salts().map_err(|e| e.to_string())?;
        expect_salts(&salts, constants, style)?;
    }
    Ok(())
}

fn expect_salts(salts: &Salts, constants: &Value, style: Style) -> Result<(), String> {
    let fields = [
        ("AUTH_KEY", &salts.auth_key),
        ("SECURE_AUTH_KEY", &salts.secure_auth_key),
        ("LOGGED_IN_KEY", &salts.logged_in_key),
        ("NONCE_KEY", &salts.nonce_key),
        ("AUTH_SALT", &salts.auth_salt),
        ("SECURE_AUTH_SALT", &salts.secure_auth_salt),
        ("LOGGED_IN_SALT", &salts.logged_in_salt),
        ("NONCE_SALT", &salts.nonce_salt),
        ("SECRET_KEY", &salts.secret_key),
        ("SECRET_SALT", &salts.secret_salt),
    ];
    for (name, got) in fields {
        let expected = match constants.get(name) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => return Err(format!("{name}: unexpected JSON {other}")),
        };
        expect_eq(
            &format!("{style:?}: {name}"),
            got.as_ref().map(|s| s.expose_secret().to_owned()),
            expected,
        )?;
    }
    Ok(())
}

fn expose(secret: &Option<SecretString>) -> &str {
    secret.as_ref().map_or("", |s| s.expose_secret())
}

#[derive(Debug, Clone, Copy)]
enum Style {
    Single,
    Double,
    Nowdoc,
    Heredoc,
}

/// `define( 'NAME', value );` with the value written as PHP source.
fn define(name: &str, value: &Value, style: Style) -> Result<String, String> {
    let value = match value {
        Value::String(s) => literal(s, style),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => return Err(format!("{name}: cannot write {other} as PHP")),
    };
    Ok(format!("define( '{name}', {value} );\r\n"))
}

/// A PHP literal for `s`, escaped for the style.
fn literal(s: &str, style: Style) -> String {
    match style {
        Style::Single => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Style::Double => {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$"))
        }
        // The values have no newlines, so the label cannot occur at a line start.
        Style::Nowdoc => format!("<<<'EOT'\r\n{s}\r\nEOT\r\n"),
        Style::Heredoc => {
            format!("<<<EOT\r\n    {}\r\n    EOT\r\n", s.replace('\\', "\\\\").replace('$', "\\$"))
        }
    }
}
