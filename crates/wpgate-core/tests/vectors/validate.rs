//! `validate.json`: `wp_validate_auth_cookie()` outcomes, failure hooks and the grace flag.
//!
//! The user lookup and the session store are the test's stand-ins for the site database: the
//! users of the file (with the case's `user` as the state at validation time), looked up as
//! `get_user_by('login')` does against a case- and accent-insensitive collation, and the
//! case's stored `session_tokens`.

use serde_json::Value;
use wpgate_core::auth_cookie::{self, CookieUser, RequestKind, Scheme};

use crate::support::{Report, at, expect_eq, i64_at, site_of, site_salts, str_at, version_of};

const FILE: &str = "wordpress/validate.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else { return };
    report.each(FILE, &root, "cases", |case| check(&root, case));
}

struct User {
    id: i64,
    pass: String,
}

impl CookieUser for User {
    fn user_pass(&self) -> &str {
        &self.pass
    }
}

fn check(root: &Value, case: &Value) -> Result<(), String> {
    let version = version_of(case)?;
    let salts = site_salts(site_of(root, case)?)?;
    let now = i64_at(case, "now")?;
    let request = RequestKind {
        post: str_at(case, "request_method")? == "POST",
        ajax: at(case, "doing_ajax")?.as_bool().ok_or("doing_ajax")?,
    };
    let scheme = Scheme::from_name(str_at(case, "scheme_arg")?).ok_or("scheme_arg")?;
    let cookie = str_at(case, "cookie")?;
    let state = at(case, "user")?;
    let sessions = sessions(case)?;

    let find_user = |login: &str| -> Option<User> {
        let found = crate::support::find_user_by_login(root, login)?;
        let id = found.get("ID")?.as_i64()?;
        // The case's user is the state at validation (e.g. after a password change).
        let record = match state.get("ID").and_then(Value::as_i64) {
            Some(state_id) if state_id == id => state,
            _ => found,
        };
        Some(User { id, pass: record.get("user_pass")?.as_str()?.to_owned() })
    };
    let live = |_: &User, verifier: &wpgate_core::session_tokens::Verifier| {
        sessions.iter().any(|(v, exp)| v == verifier.as_str() && *exp >= now)
    };
    let outcome =
        auth_cookie::validate(cookie, scheme, &salts, now, request, version, find_user, live);

    let expected = at(case, "expected")?;
    let hook = str_at(expected, "hook")?;
    match outcome {
        Ok(ok) => {
            expect_eq("hook", "auth_cookie_valid", hook)?;
            expect_eq("result", Some(ok.user.id), at(expected, "result")?.as_i64())?;
            let grace = at(expected, "login_grace_period")?.as_bool();
            expect_eq("login_grace_period", Some(ok.grace_period), grace)
        }
        Err(e) => {
            expect_eq("hook", e.hook(), hook)?;
            expect_eq("result", &Value::Bool(false), at(expected, "result")?)
        }
    }
}

/// `(verifier, expiration)` of every stored session, legacy integer records included.
fn sessions(case: &Value) -> Result<Vec<(String, i64)>, String> {
    let Some(decoded) = case.get("session_tokens").and_then(|s| s.get("decoded")) else {
        return Ok(Vec::new());
    };
    let Some(map) = decoded.as_object() else { return Ok(Vec::new()) };
    map.iter()
        .map(|(verifier, session)| {
            let exp = session
                .as_i64()
                .or_else(|| session.get("expiration").and_then(Value::as_i64))
                .ok_or(format!("session {verifier} has no expiration"))?;
            Ok((verifier.clone(), exp))
        })
        .collect()
}
