//! Real PHP (phpredis 5.3.7) and wpgate on the same sessions.

use std::process::{Command, Stdio};

use wpgate::php_sessions::{PhpSessionError, UNLOCK_SCRIPT, UNLOCK_SHA};
use wpgate_core::php_serialize::Value;

use crate::helpers::*;

#[tokio::test]
async fn session_written_by_php_is_changed_by_wpgate_and_php_sees_the_change() {
    require_redis().await;
    let prefix = prefix("interop");
    let path = save_path(&prefix, "");
    let id = "wpgateinterop0aaaaaaaaaaaaa";
    php(
        &php_ini(&path),
        &format!(
            "session_id('{id}'); session_start(); $o = new stdClass; $o->k = 'v'; \
             $_SESSION = ['user_id' => 1234, 'name' => 'élise', 'cart' => ['a', 'b'], 'obj' => $o]; \
             session_write_close();"
        ),
    );
    let store = store(config(&path));
    let mut s = store.open(id).await.unwrap();
    assert!(s.exists());
    assert_eq!(s.data().get("user_id"), Some(&Value::Int(1234)));
    assert_eq!(s.data().get("name").and_then(Value::as_str), Some("élise"));
    s.data_mut().insert("visits", Value::Int(2));
    s.save().await.unwrap();

    let out = php(
        &php_ini(&path),
        &format!(
            "session_id('{id}'); session_start(); echo json_encode([$_SESSION['user_id'], \
             $_SESSION['visits'], $_SESSION['obj']->k, $_SESSION['cart']]);"
        ),
    );
    assert_eq!(out, r#"[1234,2,"v",["a","b"]]"#);
    assert_eq!(ttl(0, &format!("{prefix}{id}")).await, 1440);
    cleanup(0, &prefix).await;
}

#[tokio::test]
async fn unlock_script_is_phpredis_script() {
    require_redis().await;
    let sha: String = redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg(UNLOCK_SCRIPT)
        .query_async(&mut conn(0).await)
        .await
        .unwrap();
    assert_eq!(sha, UNLOCK_SHA);
}

/// Two PHP workers and one wpgate loop increment one counter with locking on; every
/// successful increment must be in the final value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_php_and_wpgate_writers_lose_no_update_with_locking() {
    require_redis().await;
    let prefix = prefix("race");
    let path = save_path(&prefix, "");
    let id = "wpgaterace0aaaaaaaaaaaaaaa";
    let rounds = 150;
    let mut ini = php_ini(&path);
    ini.push(("redis.session.locking_enabled", "1".into()));
    ini.push(("redis.session.lock_expire", "10".into()));
    ini.push(("redis.session.lock_wait_time", "500".into()));
    ini.push(("redis.session.lock_retries", "-1".into()));
    // Each PHP process is one worker; its pid makes its lock secret unique.
    let code = format!(
        "$ok = 0; for ($i = 0; $i < {rounds}; $i++) {{ session_id('{id}'); session_start(); \
         $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1; if (session_write_close()) {{ $ok++; }} }} echo $ok;"
    );
    let spawn = || {
        let mut cmd = Command::new("php");
        for (k, v) in &ini {
            cmd.arg("-d").arg(format!("{k}=\"{v}\""));
        }
        cmd.arg("-r").arg(&code).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
    };
    let php_a = spawn();
    let php_b = spawn();

    let mut cfg = config(&path);
    cfg.lock.enabled = true;
    cfg.lock.lock_expire = 10;
    cfg.lock.wait_time_us = 500;
    cfg.lock.retries = 2000;
    let store = store(cfg);
    let mut rust_ok = 0_i64;
    let mut attempts = 0;
    while rust_ok < rounds && attempts < rounds * 20 {
        attempts += 1;
        let mut s = match store.open(id).await {
            Ok(s) => s,
            Err(PhpSessionError::Locked) => continue,
            Err(e) => panic!("{e}"),
        };
        let n = s.data().get("n").and_then(Value::as_int).unwrap_or(0);
        s.data_mut().insert("n", Value::Int(n + 1));
        match s.save().await {
            Ok(()) => rust_ok += 1,
            Err(PhpSessionError::LockLost) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let mut php_ok = 0;
    for child in [php_a, php_b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        php_ok += String::from_utf8_lossy(&out.stdout).trim().parse::<i64>().unwrap();
    }
    let store_view = store.read(id).await.unwrap().unwrap();
    let total = store_view.get("n").and_then(Value::as_int).unwrap();
    assert_eq!(rust_ok, rounds);
    assert_eq!(
        total,
        php_ok + rust_ok,
        "php {php_ok} + wpgate {rust_ok} increments, counter {total}"
    );
    assert_eq!(get(0, &format!("{prefix}{id}_LOCK")).await, None, "every lock released");
    cleanup(0, &prefix).await;
}

#[tokio::test]
async fn session_locked_by_php_blocks_wpgate_until_released() {
    require_redis().await;
    let prefix = prefix("lockwait");
    let path = save_path(&prefix, "");
    let id = "wpgatelockwait0aaaaaaaaaaa";
    let key = format!("{prefix}{id}");
    set(0, &key, b"n|i:1;", 300).await;
    set(0, &format!("{key}_LOCK"), b"otherhost|4242", 60).await;
    let mut cfg = config(&path);
    cfg.lock.enabled = true;
    cfg.lock.wait_time_us = 1000;
    cfg.lock.retries = 3;
    let store = store(cfg);
    assert!(matches!(store.open(id).await, Err(PhpSessionError::Locked)));
    // The other worker's lock is untouched, the data too.
    assert_eq!(get(0, &format!("{key}_LOCK")).await.as_deref(), Some(&b"otherhost|4242"[..]));
    assert_eq!(get(0, &key).await.as_deref(), Some(&b"n|i:1;"[..]));
    cleanup(0, &prefix).await;
}

#[tokio::test]
async fn expired_lock_taken_over_refuses_the_late_write() {
    require_redis().await;
    let prefix = prefix("locklost");
    let path = save_path(&prefix, "");
    let id = "wpgatelocklost0aaaaaaaaaaa";
    let key = format!("{prefix}{id}");
    set(0, &key, b"n|i:1;", 300).await;
    let mut cfg = config(&path);
    cfg.lock.enabled = true;
    cfg.lock.lock_expire = 10;
    let store = store(cfg);
    let mut s = store.open(id).await.unwrap();
    // Another worker took the lock over (as after an expiry).
    set(0, &format!("{key}_LOCK"), b"otherhost|4242", 60).await;
    s.data_mut().insert("n", Value::Int(99));
    assert!(matches!(s.save().await, Err(PhpSessionError::LockLost)));
    assert_eq!(get(0, &key).await.as_deref(), Some(&b"n|i:1;"[..]));
    // Our release did not delete the other worker's lock.
    assert_eq!(get(0, &format!("{key}_LOCK")).await.as_deref(), Some(&b"otherhost|4242"[..]));
    cleanup(0, &prefix).await;
}

#[tokio::test]
async fn redis_down_is_an_error_never_an_empty_session() {
    let store = store(config("tcp://127.0.0.1:1?timeout=0.5"));
    let err = store.open("wpgatedown0aaaaaaaaaaaaaaa").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}
