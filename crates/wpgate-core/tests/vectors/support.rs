//! The one way vector tests find, load and report on vector files.
//!
//! Vectors live in `compat-tests/vectors/{wordpress,php}/` (copies of `shared/vectors`, never
//! edited by hand). `WPGATE_VECTORS_DIR` points the whole suite at another directory with the
//! same layout, so vector sets we have never seen are checked the same way.
//! `WPGATE_VECTORS_ONLY=<text>` runs only the cases whose file or id contains `<text>`.

// Each topic uses some of these helpers, none uses all.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;

use serde_json::Value;

/// Where the vector directories are.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("WPGATE_VECTORS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-tests/vectors"),
    }
}

/// Where the list of known divergences is (ours, so not under `WPGATE_VECTORS_DIR`).
fn divergences_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-tests/divergences.toml")
}

/// One entry of `compat-tests/divergences.toml`.
#[derive(Debug, serde::Deserialize)]
struct Divergence {
    file: String,
    id: String,
    wp_versions: String,
    failure: String,
    reason: String,
}

impl Divergence {
    fn covers(&self, file: &str, id: &str, version: Option<&str>) -> bool {
        let id_matches = match self.id.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => id == self.id,
        };
        self.file == file && id_matches && versions_match(&self.wp_versions, version)
    }
}

fn versions_match(pattern: &str, version: Option<&str>) -> bool {
    use wpgate_core::WpVersion;
    if pattern == "*" {
        return true;
    }
    let Some(v) = version.and_then(|v| v.parse::<WpVersion>().ok()) else { return false };
    let parse = |s: &str| s.trim().parse::<WpVersion>().ok();
    if let Some(rest) = pattern.strip_prefix(">=") {
        parse(rest).is_some_and(|p| v >= p)
    } else if let Some(rest) = pattern.strip_prefix('<') {
        parse(rest).is_some_and(|p| v < p)
    } else {
        parse(pattern) == Some(v)
    }
}

/// Tallies checks; prints every failure with its file, id and producing version.
#[derive(Debug, Default)]
pub struct Report {
    passed: usize,
    failed: usize,
    known: usize,
    only: Option<String>,
    divergences: Vec<Divergence>,
    /// Checks per vector file: (passed, known divergences, failed).
    per_file: BTreeMap<String, (usize, usize, usize)>,
}

impl Report {
    pub fn new() -> Self {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            divergence: Vec<Divergence>,
        }
        let mut report = Report {
            only: std::env::var("WPGATE_VECTORS_ONLY").ok().filter(|s| !s.is_empty()),
            ..Report::default()
        };
        let path = divergences_path();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| toml::from_str::<File>(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(file) => report.divergences = file.divergence,
            Err(e) => report.record_failure("divergences.toml", "<file>", &e),
        }
        report
    }

    /// Loads `rel` (e.g. `wordpress/auth_cookie.json`); a missing or unreadable file is a
    /// failure of its own, never a silent skip.
    pub fn load(&mut self, rel: &str) -> Option<Value> {
        let path = vectors_dir().join(rel);
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.record_failure(rel, "<file>", &format!("cannot load {}: {e}", path.display()));
                None
            }
        }
    }

    /// Whether a case of `file` with `id` is selected by `WPGATE_VECTORS_ONLY`.
    pub fn selected(&self, file: &str, id: &str) -> bool {
        self.only.as_deref().is_none_or(|o| file.contains(o) || id.contains(o))
    }

    /// Records the outcome of one vector case (a JSON object with `id`, ideally `wp_version`).
    pub fn check(&mut self, file: &str, case: &Value, outcome: Result<(), String>) {
        let id = case_id(case);
        if !self.selected(file, &id) {
            return;
        }
        let raw_id = case.get("id").map(display).unwrap_or_default();
        let version = case.get("wp_version").and_then(Value::as_str);
        let listed = self.divergences.iter().find(|d| d.covers(file, &raw_id, version));
        let tally = self.per_file.entry(file.to_owned()).or_default();
        match (&outcome, listed) {
            (Ok(()), None) => tally.0 += 1,
            (Err(msg), Some(d)) if msg.contains(&d.failure) => tally.1 += 1,
            _ => tally.2 += 1,
        }
        match (outcome, listed) {
            (Ok(()), None) => self.passed += 1,
            (Ok(()), Some(d)) => {
                let msg = format!(
                    "listed in divergences.toml but no longer diverges: remove the entry \
                     ({})",
                    d.reason.chars().take(60).collect::<String>()
                );
                self.record_failure(file, &id, &msg);
            }
            (Err(msg), Some(d)) if msg.contains(&d.failure) => {
                self.known += 1;
                println!("KNOWN {file} [{id}]: {msg}");
            }
            (Err(msg), _) => self.record_failure(file, &id, &msg),
        }
    }

    /// Runs `f` for every element of `root[key]`, recording each outcome. A missing array is
    /// a failure.
    pub fn each(
        &mut self,
        file: &str,
        root: &Value,
        key: &str,
        mut f: impl FnMut(&Value) -> Result<(), String>,
    ) {
        let Some(cases) = root.get(key).and_then(Value::as_array) else {
            self.record_failure(file, key, "no such array in the vector file");
            return;
        };
        for case in cases {
            let id = case_id(case);
            if !self.selected(file, &id) {
                continue;
            }
            let outcome = f(case);
            self.check(file, case, outcome);
        }
    }

    fn record_failure(&mut self, file: &str, id: &str, msg: &str) {
        self.failed += 1;
        println!("FAIL {file} [{id}]: {msg}");
    }

    /// Prints the checks per file, then `N passed, M failed`, and tells whether everything
    /// passed.
    pub fn finish(self) -> bool {
        for (file, (passed, known, failed)) in &self.per_file {
            println!("  {file}: {passed} passed, {known} known divergences, {failed} failed");
        }
        if self.known > 0 {
            println!("{} known divergences (compat-tests/divergences.toml)", self.known);
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        self.failed == 0 && self.passed > 0
    }
}

fn case_id(case: &Value) -> String {
    let id = case.get("id").map(display).unwrap_or_else(|| "<no id>".into());
    match case.get("wp_version").and_then(Value::as_str) {
        Some(v) if !id.starts_with(v) => format!("{id} (WordPress {v})"),
        _ => id,
    }
}

fn display(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

/// `left == right`, or an error message naming `what`.
pub fn expect_eq<T: PartialEq + Debug>(what: &str, got: T, expected: T) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, got {got:?}"))
    }
}

/// `case[key]` as a string, or an error naming the key.
pub fn str_at<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case.get(key).and_then(Value::as_str).ok_or_else(|| format!("field {key:?} is not a string"))
}

/// `case[key]` as an integer, or an error naming the key.
pub fn i64_at(case: &Value, key: &str) -> Result<i64, String> {
    case.get(key).and_then(Value::as_i64).ok_or_else(|| format!("field {key:?} is not an integer"))
}

/// `case[key]`, or an error naming the key.
pub fn at<'a>(case: &'a Value, key: &str) -> Result<&'a Value, String> {
    case.get(key).ok_or_else(|| format!("field {key:?} is missing"))
}

/// The `sites[case.site]` object a case refers to.
pub fn site_of<'a>(root: &'a Value, case: &Value) -> Result<&'a Value, String> {
    let key = str_at(case, "site")?;
    root.get("sites").and_then(|s| s.get(key)).ok_or_else(|| format!("unknown site {key:?}"))
}

/// The case's `wp_version`, parsed.
pub fn version_of(case: &Value) -> Result<wpgate_core::WpVersion, String> {
    str_at(case, "wp_version")?.parse().map_err(|e| format!("{e}"))
}

/// The site's salts: its eight constants and, where they come from options, `wp_salt`.
pub fn site_salts(site: &Value) -> Result<wpgate_core::salts::Salts, String> {
    use wpgate_core::salts::{SaltSources, Salts, SecretConstant};
    let mut sources = SaltSources { version: version_of(site)?, ..SaltSources::default() };
    for (name, value) in at(site, "constants")?.as_object().ok_or("constants")? {
        let c = SecretConstant::from_name(name).ok_or(format!("constant {name}"))?;
        sources.constants.define(c, value.as_str().ok_or("constant value")?);
    }
    let salts = Salts::resolve(&sources).map_err(|e| e.to_string())?;
    // The recorded wp_salt() output must be what the constants give.
    for (scheme, expected) in at(site, "wp_salt")?.as_object().ok_or("wp_salt")? {
        let s = wpgate_core::salts::SaltScheme::from_name(scheme).ok_or("scheme")?;
        let expected = expected.as_str().ok_or("wp_salt value")?;
        expect_eq(&format!("site wp_salt({scheme})"), salts.salt(s).expose(), expected)?;
    }
    Ok(salts)
}

/// The file's user that `get_user_by('login', $login)` finds, emulating its SQL lookup: the
/// login normalised as WordPress does before the query ([`login_lookup_key`]), then compared
/// under a case- and accent-insensitive collation (`utf8mb4_unicode_520_ci`, where `ß` equals
/// `ss`, not `s`). The real service leaves the comparison to the database.
pub fn find_user_by_login<'a>(root: &'a Value, login: &str) -> Option<&'a Value> {
    use wpgate_core::users::{SanitizeRules, login_lookup_key};
    let key = login_lookup_key(login, &SanitizeRules::default())?;
    let wanted = collation_fold(&key);
    root.get("users")?.as_object()?.values().find(|u| {
        u.get("user_login").and_then(Value::as_str).is_some_and(|l| collation_fold(l) == wanted)
    })
}

/// A stand-in for the collation: case-folded, accents removed, `ß` as `ss`.
fn collation_fold(s: &str) -> String {
    use wpgate_core::users::{SanitizeRules, remove_accents};
    let expanded = s.replace('ß', "ss");
    remove_accents(expanded.as_str(), &SanitizeRules::default()).to_lowercase()
}
