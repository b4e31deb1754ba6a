//! Brute-force limits (shared through Redis), trusted proxies, request size limits and store
//! timeouts.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use crate::helpers::*;
use crate::support::wp_db::WpDb;

#[tokio::test]
async fn login_name_is_banned_after_the_threshold_on_every_instance() {
    let db = WpDb::create().await;
    let p = prefix("bf-user");
    let mut s = settings(&db, &p);
    s.login_max_failures_per_user = 3;
    s.login_max_failures_per_ip = 0;
    s.login_failure_window = 60;
    s.login_ban_time = 120;
    let a = spawn(&s).await;
    let b = spawn(&s).await;
    for i in 0..3 {
        let r = a.login_from("Carol", "wrong", Some(&format!("198.51.100.{i}"))).await;
        assert_eq!((r.status, r.code()), (401, "invalid-credentials"));
    }
    // The fourth try is refused before any password check, the right password included, on
    // the other instance too, whatever the address and letter case.
    for app in [&a, &b] {
        let r = app.login_from("carol", "carol-tr0ub4dor", Some("203.0.113.50")).await;
        assert_eq!((r.status, r.code()), (429, "too-many-attempts"));
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((100..=120).contains(&retry), "{retry}");
    }
    // Other accounts are not affected.
    assert_eq!(b.login("alice", "alice-correct-horse").await.status, 200);
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{p}login-fail:user:carol"))
        .query_async(&mut redis().await)
        .await
        .unwrap();
    assert!((100..=120).contains(&ttl), "{ttl}");
    cleanup(&p).await;
}

#[tokio::test]
async fn successful_login_resets_the_login_counter() {
    let db = WpDb::create().await;
    let p = prefix("bf-reset");
    let mut s = settings(&db, &p);
    s.login_max_failures_per_user = 2;
    let app = spawn(&s).await;
    assert_eq!(app.login("carol", "wrong").await.status, 401);
    assert_eq!(app.login("carol", "carol-tr0ub4dor").await.status, 200);
    assert_eq!(app.login("carol", "wrong").await.status, 401);
    assert_eq!(app.login("carol", "carol-tr0ub4dor").await.status, 200);
    cleanup(&p).await;
}

#[tokio::test]
async fn client_ip_ban_uses_forwarded_for_from_trusted_proxies_only() {
    let db = WpDb::create().await;
    let p = prefix("bf-ip");
    let mut s = settings(&db, &p);
    s.login_max_failures_per_ip = 2;
    s.login_max_failures_per_user = 0;
    // Loopback (the test client) is a trusted proxy by default.
    let app = spawn(&s).await;
    // A spoofed left part is ignored: the rightmost untrusted hop is the client.
    for spoof in ["1.1.1.1, 192.0.2.10", "2.2.2.2, 192.0.2.10"] {
        assert_eq!(app.login_from("nobody", "x", Some(spoof)).await.status, 401);
    }
    let r = app.login_from("alice", "alice-correct-horse", Some("192.0.2.10")).await;
    assert_eq!(r.status, 429);
    let r = app.login_from("alice", "alice-correct-horse", Some("192.0.2.11")).await;
    assert_eq!(r.status, 200);
    let ip: Option<String> = redis::cmd("GET")
        .arg(format!("{p}login-fail:ip:192.0.2.10"))
        .query_async(&mut redis().await)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("2"));
    // The recorded session says where the login came from.
    let sessions = app.get("/v1/sessions", &r.cookie_header()).await;
    assert_eq!(sessions.body["sessions"][0]["ip"], "192.0.2.11");
    cleanup(&p).await;

    // With no trusted proxy the header is ignored: every attempt is from 127.0.0.1.
    let p = prefix("bf-untrusted");
    let mut s = settings(&db, &p);
    s.login_max_failures_per_ip = 2;
    s.login_max_failures_per_user = 0;
    s.trusted_proxies = wpgate::proxy::TrustedProxies::none();
    let app = spawn(&s).await;
    assert_eq!(app.login_from("nobody", "x", Some("192.0.2.1")).await.status, 401);
    assert_eq!(app.login_from("nobody", "x", Some("192.0.2.2")).await.status, 401);
    assert_eq!(app.login_from("alice", "alice-correct-horse", Some("192.0.2.3")).await.status, 429);
    let ip: Option<String> = redis::cmd("GET")
        .arg(format!("{p}login-fail:ip:127.0.0.1"))
        .query_async(&mut redis().await)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("2"));
    cleanup(&p).await;
}

#[tokio::test]
async fn forwarded_proto_counts_only_from_trusted_proxies() {
    let db = WpDb::create().await;
    let p = prefix("proto");
    let mut s = settings(&db, &p);
    s.trusted_proxies = wpgate::proxy::TrustedProxies::none();
    let app = spawn(&s).await;
    let r = answer(
        app.client
            .post(app.url("/v1/login"))
            .header("x-forwarded-proto", "https")
            .json(&serde_json::json!({"log": "alice", "pwd": "alice-correct-horse"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    // Plain http: the auth cookie is wordpress_<hash>, never wordpress_sec_, nothing secure.
    assert!(
        r.set_cookies().iter().all(|c| !c.starts_with("wordpress_sec_") && !c.contains("secure")),
        "{:?}",
        r.set_cookies()
    );

    let trusted = spawn(&settings(&db, &p)).await;
    let r = answer(
        trusted
            .client
            .post(trusted.url("/v1/login"))
            .header("x-forwarded-proto", "https")
            .json(&serde_json::json!({"log": "alice", "pwd": "alice-correct-horse"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        r.set_cookies().iter().any(|c| c.starts_with("wordpress_sec_")),
        "{:?}",
        r.set_cookies()
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn unknown_user_costs_a_password_verification() {
    let db = WpDb::create().await;
    let p = prefix("timing");
    let mut s = settings(&db, &p);
    s.login_max_failures_per_ip = 0;
    s.login_max_failures_per_user = 0;
    let app = spawn(&s).await;
    // Warm up (connections, caches).
    app.login("alice", "wrong").await;
    app.login("nobody", "wrong").await;
    let time = |log: &'static str| {
        let app = &app;
        async move {
            let start = Instant::now();
            for _ in 0..5 {
                assert_eq!(app.login(log, "wrong").await.status, 401);
            }
            start.elapsed()
        }
    };
    let known = time("alice").await;
    let unknown = time("no-such-user").await;
    // alice has a bcrypt ($wp$2y$) hash, as the dummy hash of WordPress 7.1: the same work.
    assert!(unknown * 2 > known, "unknown {unknown:?} vs known {known:?}");
    cleanup(&p).await;
}

#[tokio::test]
async fn oversized_bodies_and_heads_are_refused() {
    let db = WpDb::create().await;
    let p = prefix("size");
    let mut s = settings(&db, &p);
    s.max_body_bytes = 1024;
    s.max_header_bytes = 2048;
    let app = spawn(&s).await;
    let big = format!(r#"{{"log": "alice", "pwd": "{}"}}"#, "x".repeat(2000));
    let r = app
        .client
        .post(app.url("/v1/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let r = answer(r).await;
    assert_eq!((r.status, r.code()), (413, "body-too-large"));
    let r = answer(
        app.client
            .get(app.url("/v1/session"))
            .header("cookie", "a=".to_owned() + &"b".repeat(3000))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, r.code()), (431, "headers-too-large"));
    assert_eq!(app.get("/v1/session", "a=b").await.status, 401);
    cleanup(&p).await;
}

#[tokio::test]
async fn store_that_does_not_answer_gives_503_within_the_timeout() {
    // A "Redis" that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let db = WpDb::create().await;
    let mut s = settings(&db, &prefix("timeout"));
    s.redis_url = Some(SecretString::from(format!("redis://127.0.0.1:{port}")));
    s.store_timeout_ms = 300;
    let app = spawn(&s).await;
    // The first failure also pays for resolving a backtrace (RUST_BACKTRACE=1 in the test
    // environment makes anyhow capture one, and the first symbolication is slow).
    assert_eq!(app.login("alice", "alice-correct-horse").await.status, 503);
    for _ in 0..3 {
        let start = Instant::now();
        let r = app.login("alice", "alice-correct-horse").await;
        assert_eq!((r.status, r.code()), (503, "unavailable"));
        assert_eq!(r.headers["retry-after"], "1");
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
        let start = Instant::now();
        assert_eq!(app.get("/readyz", "").await.status, 503);
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    }
}

#[tokio::test]
async fn database_that_does_not_answer_gives_503_within_the_timeout() {
    use std::sync::Arc;

    use wpgate::db::{CachedUsers, Db, DbConfig};
    use wpgate::service::Clock;
    use wpgate::site::{Site, SiteOptions};
    use wpgate::startup::{Application, Parts};
    use wpgate::store::memory::MemoryStore;
    use wpgate_core::WpVersion;
    use wpgate_core::users::SanitizeRules;

    // A "MariaDB" that accepts connections and never sends its greeting.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let mut s = wpgate::config::Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        siteurl: Some("http://wp.test".into()),
        db_host: Some(format!("127.0.0.1:{port}")),
        db_name: Some("wordpress".into()),
        db_user: Some("wordpress".into()),
        db_timeout_ms: 300,
        ..Default::default()
    };
    for (i, k) in [
        &mut s.auth_key,
        &mut s.secure_auth_key,
        &mut s.logged_in_key,
        &mut s.nonce_key,
        &mut s.auth_salt,
        &mut s.secure_auth_salt,
        &mut s.logged_in_salt,
        &mut s.nonce_salt,
    ]
    .into_iter()
    .enumerate()
    {
        *k = Some(SecretString::from(format!("db timeout test key {i}")));
    }
    let config = DbConfig::from_settings(&s).unwrap();
    assert_eq!(config.query_timeout, Duration::from_millis(300));
    let site = Site::resolve(&s, WpVersion::LATEST, SiteOptions::default()).unwrap();
    let cookie_name = site.cookies.logged_in_cookie().to_owned();
    let users =
        CachedUsers::for_site(Db::connect_lazy(&config), SanitizeRules::default(), Duration::ZERO);
    let parts = Parts {
        site,
        users: Arc::new(users),
        sessions: Arc::new(MemoryStore::new()),
        clock: Clock::System,
    };
    let app = Application::build(&s, parts).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
        + 3600;
    let cookie = format!("{cookie_name}=alice|{exp}|token|{}", "0".repeat(64));
    // Warm-up: the first failure resolves a backtrace (see the store test above).
    client.get(format!("{base}/v1/session")).header("cookie", &cookie).send().await.unwrap();
    for _ in 0..3 {
        let start = Instant::now();
        let r = answer(
            client
                .get(format!("{base}/v1/session"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((r.status, r.code()), (503, "unavailable"));
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    }
}
