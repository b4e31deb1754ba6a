//! passwords.json: `wp_check_password`, `wp_password_needs_rehash`, `wp_hash_password` and
//! phpass `crypt_private`, each case at its own `wp_version`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use wpgate_core::password::{self, Password, PasswordError, PasswordHash, phpass};

use crate::support::{Report, at, expect_eq, str_at, version_of};

const FILE: &str = "wordpress/passwords.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    report.each(FILE, &root, "checks", check);
    report.each(FILE, &root, "hashes", hashes);
    report.each(FILE, &root, "phpass", crypt_private);
}

/// The case's password: `password`, or `password_repeat: [char, count]`.
pub fn password_of(case: &Value) -> Result<Password, String> {
    if let Some(p) = case.get("password").and_then(Value::as_str) {
        return Ok(Password::from(p));
    }
    let repeat = at(case, "password_repeat")?;
    let (Some(c), Some(n)) =
        (repeat.get(0).and_then(Value::as_str), repeat.get(1).and_then(Value::as_u64))
    else {
        return Err(format!("bad password_repeat {repeat}"));
    };
    Ok(Password::from(c.repeat(n as usize)))
}

fn bool_at(v: &Value, key: &str) -> Result<bool, String> {
    v.get(key).and_then(Value::as_bool).ok_or_else(|| format!("field {key:?} is not a bool"))
}

fn check(case: &Value) -> Result<(), String> {
    let version = version_of(case)?;
    let password = password_of(case)?;
    let hash = PasswordHash::from(str_at(case, "hash")?);
    let expected = at(case, "expected")?;

    let verified = password::verify(&password, &hash, version)
        .map_err(|e| format!("wp_check_password: {e}"))?;
    expect_eq("wp_check_password", verified, bool_at(expected, "wp_check_password")?)?;

    let rehash = at(expected, "wp_password_needs_rehash")?;
    let rehash =
        if rehash.is_null() { None } else { Some(bool_at(expected, "wp_password_needs_rehash")?) };
    expect_eq("wp_password_needs_rehash", password::needs_rehash(&hash, version), rehash)
}

/// Random-salted: WordPress's hash must verify here, and ours must have its shape and behave
/// the same for the untrimmed and trimmed input.
fn hashes(case: &Value) -> Result<(), String> {
    let version = version_of(case)?;
    let password = password_of(case)?;
    let trimmed = password.trimmed();
    let theirs = PasswordHash::from(str_at(case, "wp_hash_password")?);
    let same = bool_at(case, "wp_check_password_same_input")?;
    let trim = bool_at(case, "wp_check_password_trimmed_input")?;

    let verify = |p: &Password, h: &PasswordHash| {
        password::verify(p, h, version).map_err(|e| format!("wp_check_password: {e}"))
    };
    expect_eq("their hash, same input", verify(&password, &theirs)?, same)?;
    expect_eq("their hash, trimmed input", verify(&trimmed, &theirs)?, trim)?;

    let mut rng = StdRng::seed_from_u64(0x5eed);
    match password::hash(&password, version, &mut rng) {
        Err(PasswordError::TooLong { .. }) => {
            expect_eq("wp_hash_password", "*", theirs.to_str().unwrap_or(""))
        }
        Err(e) => Err(format!("wp_hash_password: {e}")),
        Ok(ours) => {
            let ours_str = ours.to_str().ok_or("our hash is not UTF-8")?;
            let theirs_str = theirs.to_str().ok_or("their hash is not UTF-8")?;
            expect_eq("hash length", ours_str.len(), theirs_str.len())?;
            expect_eq("hash format", ours.format(), theirs.format())?;
            // "$P$B" or "$wp$2y$10$": everything before the random salt.
            let fixed = if theirs_str.starts_with("$wp$") { 10 } else { 4 };
            expect_eq("hash prefix", &ours_str[..fixed], &theirs_str[..fixed])?;
            expect_eq("our hash, same input", verify(&password, &ours)?, same)?;
            expect_eq("our hash, trimmed input", verify(&trimmed, &ours)?, trim)
        }
    }
}

fn crypt_private(case: &Value) -> Result<(), String> {
    let password = str_at(case, "password")?;
    let setting = str_at(case, "setting")?;
    let out = phpass::crypt_private(password.as_bytes(), setting.as_bytes());
    expect_eq(
        "crypt_private",
        out.to_str().unwrap_or("<not UTF-8>"),
        str_at(case, "crypt_private")?,
    )
}
