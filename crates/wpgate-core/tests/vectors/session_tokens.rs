//! `session_tokens.json`: `WP_User_Meta_Session_Tokens` operations step by step, comparing the
//! exact stored `session_tokens` meta value after every step.

use serde_json::Value as Json;
use wpgate_core::php_serialize::{self, Key, Value};
use wpgate_core::session_tokens::{Session, SessionOrigin, SessionToken, UserMetaSessions};

use crate::support::{Report, at, expect_eq, i64_at, str_at};

const FILE: &str = "wordpress/session_tokens.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else { return };
    report.each(FILE, &root, "sequences", check_sequence);
}

fn check_sequence(seq: &Json) -> Result<(), String> {
    let now = i64_at(seq, "now")?;
    let remote_addr = seq.get("remote_addr").and_then(Json::as_str);
    let user_agent = seq.get("user_agent").and_then(Json::as_str);
    // The stored meta value (None = no row), as WordPress reads and writes it.
    let mut stored: Option<Vec<u8>> = None;

    for (i, step) in at(seq, "steps")?.as_array().ok_or("steps")?.iter().enumerate() {
        let op = str_at(step, "op")?;
        let args = at(step, "args")?;
        let ret = at(step, "return")?;
        let what = |s: &str| format!("step {i} ({op}): {s}");
        let mut sessions = UserMetaSessions::decode(stored.as_deref(), now);
        let token_arg =
            || -> Result<SessionToken, String> { Ok(SessionToken::new(str_at(args, "token")?)) };
        let mut write = |s: &UserMetaSessions| stored = s.encode();

        if op == "create" || op.starts_with("create (") {
            // The token is random: take WordPress's and check its shape and verifier.
            let token = SessionToken::new(str_at(ret, "token")?);
            expect_eq(&what("token length"), token.expose().len(), 43)?;
            expect_eq(&what("verifier"), token.verifier().as_str(), str_at(ret, "verifier")?)?;
            let attached = match op.split_once("adds ") {
                Some((_, json)) => attached_fields(json.trim_end_matches(')'))?,
                None => Vec::new(),
            };
            let origin = SessionOrigin {
                remote_addr: args.get("REMOTE_ADDR").and_then(Json::as_str).or(remote_addr),
                user_agent: args.get("HTTP_USER_AGENT").and_then(Json::as_str).or(user_agent),
                attached,
            };
            let session = Session::create(i64_at(args, "expiration")?, origin, now);
            sessions.update(&token.verifier(), session);
            write(&sessions);
        } else if op == "update" {
            let session = session_from_json(at(args, "session")?)?;
            sessions.update(&token_arg()?.verifier(), session);
            write(&sessions);
        } else if op == "verify" {
            let live = sessions.get(&token_arg()?.verifier()).is_some();
            expect_eq(&what("verify"), Some(live), ret.as_bool())?;
        } else if op == "get" {
            let got = sessions
                .get(&token_arg()?.verifier())
                .map(|s| php_serialize::to_plain_json(&s.to_value()));
            let expected = if ret.is_null() { None } else { Some(ret.clone()) };
            expect_eq(&what("get"), got.transpose().map_err(|e| e.to_string())?, expected)?;
        } else if op == "get_all" {
            let got: Vec<Json> = sessions
                .iter()
                .map(|(_, s)| {
                    php_serialize::to_plain_json(&s.to_value()).map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?;
            expect_eq(&what("get_all"), &Json::Array(got), ret)?;
        } else if op == "destroy" {
            sessions.destroy(&token_arg()?.verifier());
            write(&sessions);
        } else if op == "destroy_others" {
            let keep = token_arg()?.verifier();
            if sessions.get(&keep).is_some() {
                sessions.destroy_others(&keep);
            } else {
                sessions.destroy_all();
            }
            write(&sessions);
        } else if op == "destroy_all" || op == "destroy_all_for_all_users" {
            sessions.destroy_all();
            write(&sessions);
        } else if op.starts_with("raw_meta") {
            let raw = at(step, "state")?.get("serialized").and_then(Json::as_str);
            stored = raw.map(|s| s.as_bytes().to_vec());
        } else {
            return Err(what("unknown operation"));
        }

        let expected = at(step, "state")?.get("serialized").and_then(Json::as_str);
        let got = stored.as_deref().map(String::from_utf8_lossy);
        expect_eq(&what("stored session_tokens"), got.as_deref(), expected)?;
    }
    Ok(())
}

/// A session record given as JSON in the vector (key order kept).
fn session_from_json(json: &Json) -> Result<Session, String> {
    let value = php_serialize::from_plain_json(json).map_err(|e| e.to_string())?;
    Session::from_value(value).ok_or_else(|| format!("not a session: {json}"))
}

/// The fields the `attach_session_information` filter adds, from the op description.
fn attached_fields(json: &str) -> Result<Vec<(Key, Value)>, String> {
    let parsed: Json = serde_json::from_str(json).map_err(|e| format!("{json}: {e}"))?;
    match php_serialize::from_plain_json(&parsed).map_err(|e| e.to_string())? {
        Value::Array(fields) => Ok(fields),
        other => Err(format!("attached fields are a {}", other.type_name())),
    }
}
