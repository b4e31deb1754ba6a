//! `wpgate php-sessions import` / `verify` on file sessions written by real PHP.

use std::path::Path;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::Value as Json;
use wpgate::php_sessions::import::{FileSavePath, ImportArgs, import, verify};

use crate::helpers::*;

fn args(dir: &Path, save_path: Option<String>, prefix: &str) -> ImportArgs {
    ImportArgs {
        from: save_path.is_none().then(|| dir.to_path_buf()),
        to: format!("redis://127.0.0.1:{REDIS_PORT}/0"),
        save_path,
        prefix: format!("{prefix}PHPREDIS_SESSION:"),
        gc_maxlifetime: 1440,
        serialize_handler: "php".into(),
        batch: 500,
        dry_run: false,
        now: None,
    }
}

fn set_mtime(path: &Path, age: Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

/// 3 000 sessions written by PHP's files handler in a `2;0600;DIR` layout, plus expired,
/// corrupt, igbinary, empty and stray files: everything live and decodable is imported once,
/// the rest is counted, `verify` agrees, and PHP's redis handler reads the imported data.
#[tokio::test]
async fn php_file_sessions_round_trip_through_import_and_verify() {
    require_redis().await;
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap().to_owned();
    let n = 3000;
    php(
        &[
            ("session.save_handler", "files".into()),
            ("session.save_path", format!("2;0600;{base}")),
            ("session.use_cookies", "0".into()),
            ("session.cache_limiter", String::new()),
            ("session.sid_bits_per_character", "5".into()),
            ("session.sid_length", "26".into()),
        ],
        &format!(
            "$a = str_split('0123456789abcdefghijklmnopqrstuv'); \
             foreach ($a as $x) foreach ($a as $y) @mkdir('{base}/'.$x.'/'.$y, 0700, true); \
             for ($i = 0; $i < {n}; $i++) {{ session_id(session_create_id()); session_start(); \
             $_SESSION = ['user_id' => $i, 'name' => \"user $i\", 'cart' => [$i, 1.5, true, null]]; \
             session_write_close(); }}"
        ),
    );
    let files = walk(dir.path());
    assert_eq!(files.len(), n);
    // Expired (mtime older than gc_maxlifetime), corrupt, igbinary, empty, stray.
    for f in files.iter().take(100) {
        set_mtime(f, Duration::from_secs(2000));
    }
    let sub = dir.path().join("q").join("q");
    std::fs::write(sub.join("sess_qqcorrupt00000000000000"), b"user_id|i:1;broken").unwrap();
    let igb = base64::engine::general_purpose::STANDARD.decode("AAAAAhQBEQd1c2VyX2lkBgc=").unwrap();
    std::fs::write(sub.join("sess_qqigbinary0000000000000"), igb).unwrap();
    std::fs::write(sub.join("sess_qqempty000000000000000"), b"").unwrap();
    std::fs::write(sub.join("sess_qqempty000000000000000.tmp"), b"x").unwrap();
    std::fs::write(dir.path().join("sess_misplaced0000000000000"), b"a|i:1;").unwrap();
    std::fs::write(dir.path().join("README"), b"not a session").unwrap();

    let p = prefix("import");
    let save_path = Some(format!("2;0600;{base}"));
    let dry = import(ImportArgs { dry_run: true, ..args(dir.path(), save_path.clone(), &p) })
        .await
        .unwrap();
    assert_eq!(dry.imported, (n - 100 + 1) as u64);
    assert_eq!(
        get(0, &format!("{p}PHPREDIS_SESSION:qqempty000000000000000")).await,
        None,
        "dry run writes nothing"
    );

    let summary = import(args(dir.path(), save_path.clone(), &p)).await.unwrap();
    println!("{summary}");
    assert_eq!(summary.imported, (n - 100 + 1) as u64, "{summary}");
    assert_eq!(summary.empty, 1);
    assert_eq!(summary.skipped_expired, 100);
    assert_eq!(summary.rejected_total(), 2, "{summary}");
    assert!(summary.rejected.keys().any(|r| r.contains("igbinary")), "{summary}");
    assert_eq!(summary.ignored, 3, "misplaced, stray .tmp, README: {summary}");

    // Idempotent: a second run finds everything already there (NX).
    let again = import(args(dir.path(), save_path.clone(), &p)).await.unwrap();
    assert_eq!((again.imported, again.already_in_redis), (0, (n - 100 + 1) as u64));

    let v = verify(args(dir.path(), save_path.clone(), &p)).await.unwrap();
    assert!(v.agrees(), "{v}");
    assert_eq!(v.compared, (n - 100 + 1) as u64);

    // TTL = gc_maxlifetime − age; PHP's redis handler reads the imported session.
    let live = &files[500];
    let id = live.file_name().unwrap().to_str().unwrap().strip_prefix("sess_").unwrap().to_owned();
    let t = ttl(0, &format!("{p}PHPREDIS_SESSION:{id}")).await;
    assert!((1430..=1440).contains(&t), "ttl {t}");
    let out = php(
        &php_ini(&save_path_of(&p)),
        &format!("session_id('{id}'); session_start(); echo json_encode($_SESSION);"),
    );
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(json["cart"], serde_json::json!([json["user_id"], 1.5, true, null]));

    // A session changed in Redis afterwards shows up in verify.
    set(0, &format!("{p}PHPREDIS_SESSION:{id}"), b"changed|i:1;", 100).await;
    let v = verify(args(dir.path(), save_path, &p)).await.unwrap();
    assert_eq!(v.different, 1, "{v}");
    cleanup(0, &p).await;
}

fn save_path_of(p: &str) -> String {
    save_path(&format!("{p}PHPREDIS_SESSION:"), "")
}

#[test]
fn file_save_path_of_vectors_parse() {
    let vectors: Json = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/compat-tests/vectors/php/file_sessions.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for s in vectors["scenarios"].as_array().unwrap() {
        let sp = s["save_path"].as_str().unwrap().replace("{dir}", "/d");
        let parsed = FileSavePath::parse(&sp).unwrap();
        let path = s["files"][0]["path"].as_str().unwrap();
        assert_eq!(path.matches('/').count(), parsed.depth, "{}", s["id"]);
    }
}

/// Every file_sessions.json scenario: the files laid out as PHP wrote them are imported
/// exactly when PHP could read them back (igbinary refused), byte for byte.
#[tokio::test]
async fn file_sessions_vectors_import_verbatim() {
    require_redis().await;
    let vectors: Json = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/compat-tests/vectors/php/file_sessions.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for s in vectors["scenarios"].as_array().unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_str().unwrap();
        let file = &s["files"][0];
        let path = dir.path().join(file["path"].as_str().unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(file["content"]["b64"].as_str().unwrap())
            .unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let p = prefix("filevec");
        let handler = s["serialize_handler"].as_str().unwrap();
        let mut a =
            args(dir.path(), Some(s["save_path"].as_str().unwrap().replace("{dir}", base)), &p);
        let igbinary = handler == "igbinary";
        a.serialize_handler = if igbinary { "php".into() } else { handler.into() };
        let summary = import(a).await.unwrap();
        let key = format!("{p}PHPREDIS_SESSION:{}", s["session_id"].as_str().unwrap());
        if igbinary {
            assert_eq!(summary.rejected_total(), 1, "{}: {summary}", s["id"]);
            assert_eq!(get(0, &key).await, None);
        } else {
            assert_eq!(summary.imported, 1, "{}: {summary}", s["id"]);
            assert_eq!(get(0, &key).await, Some(bytes), "{}", s["id"]);
        }
        cleanup(0, &p).await;
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out.sort();
    out
}
