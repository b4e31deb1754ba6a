//! `/v1/sessions` (a user's own, by cookie), `/v1/admin/users/{id}/sessions` (bearer token)
//! and the audit stream.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::*;
use crate::support::wp_db::WpDb;

const TOKEN: &str = "0123456789abcdef0123456789abcdef-admin";

#[tokio::test]
async fn user_lists_and_revokes_own_sessions() {
    let db = WpDb::create().await;
    let p = prefix("own");
    let app = spawn(&settings(&db, &p)).await;
    let first = app.cookie("alice", "alice-correct-horse").await;
    let second = app.cookie("alice", "alice-correct-horse").await;
    let third = app.cookie("alice", "alice-correct-horse").await;

    let listed = app.get("/v1/sessions", &second).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.headers["cache-control"], "no-store");
    let sessions = listed.body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == json!(true)).count(), 1);
    for s in sessions {
        assert_eq!(s["id"].as_str().unwrap().len(), 64);
        assert_eq!(s["ip"], "127.0.0.1");
        assert_eq!(s["ua"], "hardening-test/1.0");
        assert!(s["login"].as_i64().unwrap() < s["expiration"].as_i64().unwrap());
    }

    // Revoke the first session from the second: the first cookie stops working.
    let (current_first, _) = app.session_ids(&first).await;
    let first_id = current_first.unwrap();
    let r = app.delete(&format!("/v1/sessions/{first_id}"), &second).await;
    assert_eq!(r.status, 204);
    assert!(r.set_cookies().is_empty(), "not the caller's own session: no clearing cookies");
    assert_eq!(app.get("/v1/session", &first).await.status, 401);
    assert_eq!(
        app.delete(&format!("/v1/sessions/{first_id}"), &second).await.code(),
        "unknown-session"
    );
    assert_eq!(
        app.delete("/v1/sessions/not-a-verifier", &second).await.code(),
        "invalid-session-id"
    );

    // destroy-others keeps only the caller's.
    let r = app.post("/v1/sessions/destroy-others", &second).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({ "destroyed": 1 })));
    assert_eq!(app.get("/v1/session", &third).await.status, 401);
    let (current, all) = app.session_ids(&second).await;
    assert_eq!(all, vec![current.clone().unwrap()]);

    // Revoking one's own session answers with the clearing cookies.
    let fourth = app.cookie("alice", "alice-correct-horse").await;
    let (own, _) = app.session_ids(&fourth).await;
    let r = app.delete(&format!("/v1/sessions/{}", own.unwrap()), &fourth).await;
    assert_eq!(r.status, 204);
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("wordpress_logged_in_") && c.contains("=%20;")),
        "{:?}",
        r.set_cookies()
    );
    assert_eq!(app.get("/v1/session", &fourth).await.status, 401);

    // destroy-all: every session, the caller's included, and the cookies cleared.
    let fifth = app.cookie("alice", "alice-correct-horse").await;
    let r = app.post("/v1/sessions/destroy-all", &fifth).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({ "destroyed": 2 })));
    assert!(r.set_cookies().len() >= 4, "{:?}", r.set_cookies());
    assert_eq!(app.get("/v1/session", &second).await.status, 401);
    assert_eq!(app.get("/v1/session", &fifth).await.status, 401);

    // Without a login: 401 everywhere.
    for a in [
        app.get("/v1/sessions", "").await,
        app.post("/v1/sessions/destroy-others", "").await,
        app.post("/v1/sessions/destroy-all", "").await,
        app.delete(&format!("/v1/sessions/{first_id}"), "").await,
    ] {
        assert_eq!((a.status, a.code()), (401, "not-logged-in"));
    }
    cleanup(&p).await;
}

#[tokio::test]
async fn users_cannot_touch_each_others_sessions() {
    let db = WpDb::create().await;
    let p = prefix("cross");
    let app = spawn(&settings(&db, &p)).await;
    let alice = app.cookie("alice", "alice-correct-horse").await;
    let carol = app.cookie("carol", "carol-tr0ub4dor").await;
    let (carol_id, _) = app.session_ids(&carol).await;
    let r = app.delete(&format!("/v1/sessions/{}", carol_id.unwrap()), &alice).await;
    assert_eq!((r.status, r.code()), (404, "unknown-session"));
    assert_eq!(app.get("/v1/session", &carol).await.status, 200);
    cleanup(&p).await;
}

#[tokio::test]
async fn admin_api_is_off_without_a_token() {
    let db = WpDb::create().await;
    let p = prefix("noadmin");
    let app = spawn(&settings(&db, &p)).await;
    let r = app.admin(Method::GET, "/v1/admin/users/1/sessions", Some(TOKEN)).await;
    assert_eq!(r.status, 404);
    let r = app.admin(Method::DELETE, "/v1/admin/users/1/sessions", Some(TOKEN)).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn admin_token_that_is_too_short_stops_start_up() {
    let db = WpDb::create().await;
    let mut s = settings(&db, &prefix("short"));
    s.admin_token = Some(SecretString::from("short-token"));
    let (parts, _bg) = wpgate::startup::assemble(&s).await.unwrap();
    let err = wpgate::startup::Application::build(&s, parts).err().unwrap().to_string();
    assert!(err.contains("WPGATE_ADMIN_TOKEN") && !err.contains("short-token"), "{err}");
}

#[tokio::test]
async fn admin_lists_and_revokes_any_users_sessions() {
    let db = WpDb::create().await;
    let p = prefix("admin");
    let mut s = settings(&db, &p);
    s.admin_token = Some(SecretString::from(TOKEN));
    s.audit_stream = Some("audit".to_owned());
    let app = spawn(&s).await;
    let bob = db.user("bob").id;
    let c1 = app.cookie("bob", "bob-battery-staple").await;
    let c2 = app.cookie("bob", "bob-battery-staple").await;
    let path = format!("/v1/admin/users/{bob}/sessions");

    for (token, status) in
        [(None, 401), (Some("wrong-token-wrong-token-wrong-token"), 401), (Some(&TOKEN[1..]), 401)]
    {
        let r = app.admin(Method::GET, &path, token).await;
        assert_eq!((r.status, r.code()), (status, "invalid-admin-token"));
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
    // A cookie is not an admin credential.
    let r = app.get(&path, &c1).await;
    assert_eq!(r.status, 401);

    let r = app.admin(Method::GET, &path, Some(TOKEN)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["user_id"], json!(bob));
    let sessions = r.body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(sessions.iter().all(|s| s.get("current").is_none() && s["ip"] == "127.0.0.1"));

    let (id1, _) = app.session_ids(&c1).await;
    let one = format!("{path}/{}", id1.unwrap());
    assert_eq!(app.admin(Method::DELETE, &one, Some(TOKEN)).await.status, 204);
    assert_eq!(app.get("/v1/session", &c1).await.status, 401);
    assert_eq!(app.get("/v1/session", &c2).await.status, 200);
    assert_eq!(app.admin(Method::DELETE, &one, Some(TOKEN)).await.code(), "unknown-session");
    assert_eq!(
        app.admin(Method::DELETE, &format!("{path}/xyz"), Some(TOKEN)).await.code(),
        "invalid-session-id"
    );

    let r = app.admin(Method::DELETE, &path, Some(TOKEN)).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({ "destroyed": 1 })));
    assert_eq!(app.get("/v1/session", &c2).await.status, 401);

    let r = app.admin(Method::GET, "/v1/admin/users/999999/sessions", Some(TOKEN)).await;
    assert_eq!((r.status, r.code()), (404, "unknown-user"));

    // The audit stream holds the admin actions and the refused token, without secrets.
    let entries = within(std::time::Duration::from_secs(2), || async {
        audit_entries(&p).await.iter().any(|e| e.contains(&"sessions-destroy-all".to_owned()))
    })
    .await;
    assert!(entries.is_some(), "audit entries: {:?}", audit_entries(&p).await);
    let all = audit_entries(&p).await;
    let has = |event: &str, outcome: &str, actor: &str| {
        all.iter().any(|e| {
            let f = |k: &str| e.iter().position(|x| x == k).map(|i| e[i + 1].as_str());
            f("event") == Some(event) && f("outcome") == Some(outcome) && f("actor") == Some(actor)
        })
    };
    assert!(has("login", "ok", "user"), "{all:?}");
    assert!(has("session-revoke", "ok", "admin"), "{all:?}");
    assert!(has("session-revoke", "not-found", "admin"), "{all:?}");
    assert!(has("sessions-list", "invalid-admin-token", "admin"), "{all:?}");
    let text = format!("{all:?}");
    assert!(!text.contains("bob-battery-staple") && !text.contains(TOKEN), "{text}");
    cleanup(&p).await;
}

#[tokio::test]
async fn failed_and_successful_logins_are_audited_in_the_stream() {
    let db = WpDb::create().await;
    let p = prefix("audit");
    let mut s = settings(&db, &p);
    s.audit_stream = Some("audit".to_owned());
    s.audit_stream_maxlen = 1000;
    let app = spawn(&s).await;
    assert_eq!(app.login("carol", "wrong password").await.status, 401);
    assert_eq!(app.login("nobody-here", "wrong password").await.status, 401);
    let cookie = app.cookie("carol", "carol-tr0ub4dor").await;
    assert_eq!(app.post("/v1/logout", &cookie).await.status, 200);
    let carol = db.user("carol").id.to_string();
    let found =
        within(std::time::Duration::from_secs(2), || async { audit_entries(&p).await.len() >= 4 })
            .await;
    assert!(found.is_some(), "{:?}", audit_entries(&p).await);
    let all = audit_entries(&p).await;
    let row = |event: &str, outcome: &str| {
        all.iter()
            .find(|e| {
                e.windows(2).any(|w| w[0] == "event" && w[1] == event)
                    && e.windows(2).any(|w| w[0] == "outcome" && w[1] == outcome)
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {event}/{outcome} in {all:?}"))
    };
    let failed = row("login", "invalid-credentials");
    assert!(failed.windows(2).any(|w| w[0] == "user_id" && w[1] == carol), "{failed:?}");
    assert!(failed.windows(2).any(|w| w[0] == "ip" && w[1] == "127.0.0.1"), "{failed:?}");
    row("login", "ok");
    row("logout", "ok");
    assert!(!format!("{all:?}").contains("carol-tr0ub4dor"));
    let len: i64 =
        redis::cmd("XLEN").arg(format!("{p}audit")).query_async(&mut redis().await).await.unwrap();
    assert_eq!(len, 4);
    cleanup(&p).await;
}

/// Every entry of the audit stream as a flat field/value list.
async fn audit_entries(prefix: &str) -> Vec<Vec<String>> {
    let reply: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(format!("{prefix}audit"))
        .arg("-")
        .arg("+")
        .query_async(&mut redis().await)
        .await
        .unwrap();
    reply.into_iter().map(|(_, fields)| fields).collect()
}
