#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Black-box tests of the `wpgate` binary: every command, exit statuses, the settings layers
//! that supply the salts, and that no secret reaches stdout or stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const NOW: i64 = 1_772_382_187;
const HASH: &str = "$P$B1q3bk3r7L3wA5AOcZIFwoEkxaIHD61";
const TOKEN: &str = "ioupFISsUxtEK6G5BdrVvzULCDpOLKRgCEByvkMdv45";
const KEYS: [&str; 8] = [
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
];

/// The salts the tests configure, distinctive enough to be searched for in the output.
fn secret(key: &str) -> String {
    format!("s3cret-{key}-do-not-print")
}

/// The binary with a clean environment: only the given variables.
fn wpgate(args: &[&str], env: &[(String, String)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wpgate"));
    cmd.args(args).env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run wpgate");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_no_secret(&output);
    output
}

fn salt_env() -> Vec<(String, String)> {
    KEYS.iter().map(|k| (format!("WPGATE_{k}"), secret(k))).collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// `key:` line of a command's output.
fn field(o: &Output, key: &str) -> String {
    let text = stdout(o);
    let prefix = format!("{key}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {key}: line in\n{text}"))
}

/// No configured salt, and no test password, ever appears in what the binary prints.
fn assert_no_secret(o: &Output) {
    let all =
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    for key in KEYS {
        assert!(!all.contains(&secret(key)), "{key} printed:\n{all}");
    }
    for password in ["correct horse battery", "hunter2-wrong"] {
        assert!(!all.contains(password), "password printed:\n{all}");
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wpgate-cli-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mint(env: &[(String, String)], extra: &[&str]) -> Output {
    let now = NOW.to_string();
    let mut args = vec![
        "cookie",
        "mint",
        "--login",
        "alice",
        "--user-pass-hash",
        HASH,
        "--scheme",
        "logged_in",
        "--now",
        &now,
    ];
    args.extend_from_slice(extra);
    wpgate(&args, env, None)
}

#[test]
fn mint_then_verify_then_inspect_round_trips() {
    let env = salt_env();
    let minted = mint(&env, &["--token", TOKEN]);
    assert!(minted.status.success(), "{}", stderr(&minted));
    let value = field(&minted, "value");
    let wire = field(&minted, "wire");
    assert_eq!(wire, value.replace('|', "%7C"));
    assert!(value.starts_with(&format!("alice|{}|{TOKEN}|", NOW + 172_800)), "{value}");
    let verifier = field(&minted, "verifier");
    assert_eq!(verifier.len(), 64);

    // Both the raw value and the wire form verify.
    let now = NOW.to_string();
    for input in [&value, &wire] {
        let verified = wpgate(
            &[
                "cookie",
                "verify",
                input,
                "--scheme",
                "logged_in",
                "--user-pass-hash",
                HASH,
                "--now",
                &now,
            ],
            &env,
            None,
        );
        assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
        assert!(field(&verified, "valid").contains("\"alice\""));
        assert_eq!(field(&verified, "verifier"), verifier);
    }

    // Inspect needs no secret and never shows the token.
    let header = format!("Cookie: wordpress_logged_in_0123={wire}; other=1");
    let inspected = wpgate(&["cookie", "inspect", &header, "--now", &now], &[], None);
    assert!(inspected.status.success(), "{}", stderr(&inspected));
    let text = stdout(&inspected);
    assert!(text.contains("scheme:      logged_in (from the cookie name)"), "{text}");
    assert!(text.contains("login:       \"alice\""), "{text}");
    assert!(text.contains("2026-03-03 16:23:07 UTC, in 2d 0h"), "{text}");
    assert_eq!(field(&inspected, "verifier"), verifier);
    assert!(!text.contains(TOKEN), "token printed:\n{text}");
    assert!(text.contains("cookie:      other") && text.contains("1 bytes (not shown)"), "{text}");
}

#[test]
fn verify_reports_the_typed_reason_with_status_1() {
    let env = salt_env();
    let value =
        field(&mint(&env, &["--token", TOKEN, "--expiration", &(NOW + 10).to_string()]), "value");
    let check = |scheme: &str, hash: &str, now: i64, extra: &[&str]| {
        let now = now.to_string();
        let mut args = vec![
            "cookie",
            "verify",
            &value,
            "--scheme",
            scheme,
            "--user-pass-hash",
            hash,
            "--now",
            &now,
        ];
        args.extend_from_slice(extra);
        let o = wpgate(&args, &env, None);
        (o.status.code(), stdout(&o))
    };
    let (code, out) = check("auth", HASH, NOW, &[]);
    assert_eq!(code, Some(1));
    assert!(out.contains("invalid:     bad-hmac (auth_cookie_bad_hash)"), "{out}");
    let (code, out) = check("logged_in", "$P$Bother-hash-of-the-same-user..", NOW, &[]);
    assert_eq!((code, out.contains("bad-hmac")), (Some(1), true), "{out}");
    let (code, out) = check("logged_in", HASH, NOW + 11, &[]);
    assert_eq!(code, Some(1));
    assert!(out.contains("invalid:     expired (auth_cookie_expired)"), "{out}");
    // POST grants an hour of grace.
    let (code, out) = check("logged_in", HASH, NOW + 11, &["--post"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("grace:"), "{out}");
    let o = wpgate(
        &["cookie", "verify", "a|b|c", "--scheme", "auth", "--user-pass-hash", HASH],
        &env,
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("malformed (auth_cookie_malformed)"));
}

#[test]
fn missing_salts_stop_with_status_2_naming_the_setting() {
    let mut env = salt_env();
    env.retain(|(k, _)| k != "WPGATE_LOGGED_IN_SALT");
    let o = mint(&env, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("LOGGED_IN_SALT") && err.contains("WPGATE_LOGGED_IN_SALT"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn salts_come_from_wp_config_or_secret_files_alike() {
    let dir = temp_dir();
    let from_env = field(&mint(&salt_env(), &["--token", TOKEN]), "value");

    let defines: String =
        KEYS.iter().map(|k| format!("define( '{k}', '{}' );\n", php_quote(&secret(k)))).collect();
    let wp_config =
        write(&dir, "wp-config.php", &format!("<?php\n{defines}$table_prefix = 'wp_';\n"));
    let path = wp_config.display().to_string();
    let from_file = mint(&[], &["--token", TOKEN, "--wp-config", &path]);
    assert_eq!(field(&from_file, "value"), from_env);

    let mut env: Vec<(String, String)> = Vec::new();
    for k in KEYS {
        let file = write(&dir, &k.to_lowercase(), &format!("{}\n", secret(k)));
        env.push((format!("WPGATE_{k}_FILE"), file.display().to_string()));
    }
    assert_eq!(field(&mint(&env, &["--token", TOKEN]), "value"), from_env);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mint_reproduces_wordpress_cookies_and_verify_accepts_them() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("compat-tests/vectors/wordpress/auth_cookie.json"),
    )
    .unwrap();
    let root: Value = serde_json::from_str(&text).unwrap();
    let cases = root["cases"].as_array().unwrap();
    for id in
        ["7.1/s1/wp_bcrypt:logged_in:2d", "6.1.9/s1/admin:auth:2d", "6.8.3/s1/md5:secure_auth:2d"]
    {
        let case = cases.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id}"));
        let site = &root["sites"][case["site"].as_str().unwrap()];
        let env: Vec<(String, String)> = site["constants"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (format!("WPGATE_{k}"), v.as_str().unwrap().to_owned()))
            .collect();
        let s = |v: &Value| v.as_str().unwrap().to_owned();
        let (login, pass) = (s(&case["user"]["user_login"]), s(&case["user"]["user_pass"]));
        let (scheme, token, version) =
            (s(&case["scheme"]), s(&case["token"]), s(&case["wp_version"]));
        let expiration = case["expiration"].as_i64().unwrap().to_string();
        let minted = wpgate(
            &[
                "cookie",
                "mint",
                "--login",
                &login,
                "--user-pass-hash",
                &pass,
                "--scheme",
                &scheme,
                "--expiration",
                &expiration,
                "--token",
                &token,
                "--wp-version",
                &version,
            ],
            &env,
            None,
        );
        let expected = s(&case["expected"]["cookie"]);
        assert_eq!(field(&minted, "value"), expected, "{id}");
        let verified = wpgate(
            &[
                "cookie",
                "verify",
                &expected,
                "--scheme",
                &scheme,
                "--user-pass-hash",
                &pass,
                "--now",
                &expiration,
                "--wp-version",
                &version,
            ],
            &env,
            None,
        );
        assert_eq!(verified.status.code(), Some(0), "{id}: {}", stdout(&verified));
    }
}

#[test]
fn password_hash_then_verify_reads_stdin_only() {
    let password = b"correct horse battery\n";
    let hashed = wpgate(&["password", "hash", "--cost", "4"], &[], Some(password));
    assert!(hashed.status.success(), "{}", stderr(&hashed));
    let hash = stdout(&hashed).trim().to_owned();
    assert!(hash.starts_with("$wp$2y$04$"), "{hash}");

    let ok = wpgate(&["password", "verify", &hash], &[], Some(password));
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).starts_with("match\n"));
    let wrong = wpgate(&["password", "verify", &hash], &[], Some(b"hunter2-wrong\n"));
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stdout(&wrong).starts_with("no match\n"));

    // Before 6.8 wp_hash_password() writes phpass.
    let old = wpgate(&["password", "hash", "--wp-version", "6.7.2"], &[], Some(password));
    let phpass = stdout(&old).trim().to_owned();
    assert!(phpass.starts_with("$P$B") && phpass.len() == 34, "{phpass}");
    let ok = wpgate(&["password", "verify", &phpass, "--wp-version", "6.7.2"], &[], Some(password));
    assert_eq!(ok.status.code(), Some(0));

    // Legacy MD5: md5("password").
    let md5 =
        wpgate(&["password", "verify", "5f4dcc3b5aa765d61d8327deb882cf99"], &[], Some(b"password"));
    assert_eq!(md5.status.code(), Some(0));
    assert!(stdout(&md5).contains("rehashes it at the next login"));
}

#[test]
fn password_verify_trims_only_when_asked() {
    let hash =
        stdout(&wpgate(&["password", "hash", "--cost", "4"], &[], Some(b"pw"))).trim().to_owned();
    let spaced = wpgate(&["password", "verify", &hash], &[], Some(b"  pw  "));
    assert_eq!(spaced.status.code(), Some(1));
    let trimmed = wpgate(&["password", "verify", &hash, "--trim"], &[], Some(b"  pw  "));
    assert_eq!(trimmed.status.code(), Some(0));
}

#[test]
fn the_password_is_never_an_argument() {
    let o =
        wpgate(&["password", "verify", "5f4dcc3b5aa765d61d8327deb882cf99", "password"], &[], None);
    assert_eq!(o.status.code(), Some(2));
    let o = wpgate(&["password", "hash", "--password", "x"], &[], None);
    assert_eq!(o.status.code(), Some(2));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A PHP single-quoted string body.
fn php_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}
