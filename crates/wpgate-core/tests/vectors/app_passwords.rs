//! app_passwords.json: `wp_fast_hash` and application passwords (chunking, hashing per
//! release, the stored user meta, checking plain and chunked input).

use rand::SeedableRng;
use rand::rngs::StdRng;
use secrecy::ExposeSecret;
use serde_json::Value;
use wpgate_core::password::application::{self, ApplicationPasswordItem};
use wpgate_core::password::{self, Password, PasswordHash};

use crate::support::{Report, at, expect_eq, i64_at, str_at, version_of};

const FILE: &str = "wordpress/app_passwords.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else {
        return;
    };
    report.each(FILE, &root, "fast_hash", fast_hash);
    report.each(FILE, &root, "application_passwords", application_password);
}

fn fast_hash(case: &Value) -> Result<(), String> {
    let message = str_at(case, "message")?.as_bytes();
    let expected = str_at(case, "wp_fast_hash")?;
    let ours = password::fast_hash(message);
    expect_eq("wp_fast_hash", ours.to_str(), Some(expected))?;
    let verified = password::verify_fast_hash(message, &PasswordHash::from(expected))
        .map_err(|e| format!("wp_verify_fast_hash: {e}"))?;
    expect_eq("wp_verify_fast_hash", verified, true)
}

fn application_password(case: &Value) -> Result<(), String> {
    let version = version_of(case)?;
    let plain = str_at(case, "password")?;
    let chunked = str_at(case, "chunked")?;
    let item = item_of(at(case, "item")?)?;

    expect_eq(
        "chunk_password",
        String::from_utf8_lossy(&application::chunk(plain.as_bytes())).into_owned(),
        chunked.to_owned(),
    )?;
    expect_eq(
        "usermeta_serialized",
        application::to_usermeta(std::slice::from_ref(&item)),
        str_at(case, "usermeta_serialized")?.to_owned(),
    )?;
    let found = |typed: &str| {
        application::find_match(&Password::from(typed), std::slice::from_ref(&item), version)
            .map(|m| m.is_some())
            .map_err(|e| format!("check: {e}"))
    };
    expect_eq("check_plain", found(plain)?, bool_of(case, "check_plain")?)?;
    expect_eq(
        "check_chunked_after_strip",
        found(chunked)?,
        bool_of(case, "check_chunked_after_strip")?,
    )?;

    // Our own item for the same release: same hash format and length, and it checks.
    let mut rng = StdRng::seed_from_u64(0xa99);
    let (ours_pw, ours) = ApplicationPasswordItem::create(
        &item.name,
        &item.app_id,
        version,
        i64_at(case, "now")?,
        &mut rng,
    )
    .map_err(|e| format!("create: {e}"))?;
    expect_eq("hash format", ours.password.format(), item.password.format())?;
    expect_eq("hash length", ours.password.as_bytes().len(), item.password.as_bytes().len())?;
    expect_eq("hash prefix", &ours.password.as_bytes()[..4], &item.password.as_bytes()[..4])?;
    expect_eq("uuid length", ours.uuid.len(), item.uuid.len())?;
    expect_eq("created", ours.created, item.created)?;
    let typed = Password::from(ours_pw.chunked().expose_secret());
    let matched = application::find_match(&typed, std::slice::from_ref(&ours), version)
        .map_err(|e| format!("check ours: {e}"))?;
    expect_eq("our item checks", matched.is_some(), true)
}

fn bool_of(v: &Value, key: &str) -> Result<bool, String> {
    v.get(key).and_then(Value::as_bool).ok_or_else(|| format!("field {key:?} is not a bool"))
}

fn item_of(v: &Value) -> Result<ApplicationPasswordItem, String> {
    let opt_i64 = |key: &str| -> Result<Option<i64>, String> {
        let x = at(v, key)?;
        if x.is_null() {
            Ok(None)
        } else {
            x.as_i64().map(Some).ok_or_else(|| format!("{key} is not an integer"))
        }
    };
    let last_ip = at(v, "last_ip")?;
    Ok(ApplicationPasswordItem {
        uuid: str_at(v, "uuid")?.to_owned(),
        app_id: str_at(v, "app_id")?.to_owned(),
        name: str_at(v, "name")?.to_owned(),
        password: PasswordHash::from(str_at(v, "password")?),
        created: i64_at(v, "created")?,
        last_used: opt_i64("last_used")?,
        last_ip: if last_ip.is_null() { None } else { Some(str_at(v, "last_ip")?.to_owned()) },
    })
}
