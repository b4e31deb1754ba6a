//! The `users` object of every `wordpress/*.json` file: `sanitize_user()` (strict and not) and
//! `validate_username()` of each login, as WordPress recorded them.
//!
//! Every file repeats the same users; each copy is checked (`<file>/users/<key>`). The object
//! does not say which release computed it, so the values must hold under every release the
//! file lists (`wp_versions`): a user on which releases disagree fails, naming the release.

use serde_json::{Value, json};
use wpgate_core::WpVersion;
use wpgate_core::users::{SanitizeRules, is_valid_username, sanitize_user};

use crate::support::{Report, at, expect_eq, str_at, vectors_dir};

pub fn run(report: &mut Report) {
    let dir = vectors_dir().join("wordpress");
    let mut files: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect(),
        Err(e) => {
            let msg = format!("cannot list {}: {e}", dir.display());
            report.check("wordpress/", &json!({ "id": "<dir>" }), Err(msg));
            return;
        }
    };
    files.sort();
    if files.is_empty() {
        report.check("wordpress/", &json!({ "id": "<dir>" }), Err("no vector files".into()));
    }
    for name in files {
        let file = format!("wordpress/{name}");
        let Some(root) = report.load(&file) else { continue };
        let stem = name.trim_end_matches(".json");
        let versions = match versions(&root) {
            Ok(v) => v,
            Err(msg) => {
                report.check(&file, &json!({ "id": format!("{stem}/users") }), Err(msg));
                continue;
            }
        };
        let Some(users) = root.get("users").and_then(Value::as_object) else {
            let msg = "no users object".to_owned();
            report.check(&file, &json!({ "id": format!("{stem}/users") }), Err(msg));
            continue;
        };
        for (key, user) in users {
            let case = json!({ "id": format!("{stem}/users/{key}") });
            report.check(&file, &case, check_user(user, &versions));
        }
    }
}

fn versions(root: &Value) -> Result<Vec<WpVersion>, String> {
    let list = at(root, "wp_versions")?.as_array().ok_or("wp_versions is not an array")?;
    let versions = list
        .iter()
        .map(|v| {
            let v = v.as_str().ok_or("a wp_version is not a string")?;
            v.parse::<WpVersion>().map_err(|e| format!("wp_version {v:?}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if versions.is_empty() {
        return Err("wp_versions is empty".into());
    }
    Ok(versions)
}

fn check_user(user: &Value, versions: &[WpVersion]) -> Result<(), String> {
    let login = str_at(user, "user_login")?;
    let strict = str_at(user, "sanitize_user_strict")?;
    let loose = str_at(user, "sanitize_user")?;
    let valid =
        at(user, "validate_username")?.as_bool().ok_or("validate_username is not a bool")?;
    for &version in versions {
        let rules = SanitizeRules::new(version);
        let what = |f: &str| format!("{f}({login:?}) under {version}");
        expect_eq(
            &what("sanitize_user_strict"),
            sanitize_user(login, true, &rules).as_str(),
            strict,
        )?;
        expect_eq(&what("sanitize_user"), sanitize_user(login, false, &rules).as_str(), loose)?;
        expect_eq(&what("validate_username"), is_valid_username(login, &rules), valid)?;
    }
    Ok(())
}
