//! `request.json`, the `user_id` and `wp_get_session_token` parts: who a whole php-cgi request
//! resolved to (`determine_current_user`) and the session token WordPress read from it.
//!
//! The site database is stood in for by the file's users, looked up as `get_user_by('login')`
//! does ([`find_user_by_login`]), and the case's `sessions` list (token → verifier →
//! expiration, live when `expiration >= now`). The cookie parsing part of the same file is
//! checked by `request_cookies.rs`.

use serde_json::Value;
use wpgate_core::auth_cookie::{CookieUser, RequestKind};
use wpgate_core::cookies::RequestCookies;
use wpgate_core::current_user::{self, Area, Request};
use wpgate_core::session_tokens::Verifier;

use crate::cookie_sites::site_config;
use crate::support::{
    Report, at, expect_eq, find_user_by_login, i64_at, site_of, site_salts, str_at, version_of,
};

const FILE: &str = "wordpress/request.json";

pub fn run(report: &mut Report) {
    let Some(root) = report.load(FILE) else { return };
    report.each(FILE, &root, "cases", |case| check(&root, case));
}

struct User {
    id: i64,
    login: String,
    pass: String,
}

impl CookieUser for User {
    fn user_pass(&self) -> &str {
        &self.pass
    }
}

fn check(root: &Value, case: &Value) -> Result<(), String> {
    let site = site_of(root, case)?;
    let config = site_config(site)?;
    let salts = site_salts(site)?;
    let version = version_of(case)?;
    let now = i64_at(case, "now")?;
    let request = at(case, "request")?;
    let header = match at(request, "cookie_header")? {
        Value::Null => "",
        Value::String(s) => s.as_str(),
        other => return Err(format!("cookie_header is {other}")),
    };
    let cookies = RequestCookies::parse(header).magic_quoted();
    let flag = |key: &str| at(request, key)?.as_bool().ok_or(format!("request.{key}"));
    let context = Request {
        cookies: &cookies,
        https: flag("https")?,
        // admin_context: WP_ADMIN and WP_BLOG_ADMIN defined, as wp-admin/admin.php does.
        area: if flag("admin_context")? { Area::BlogAdmin } else { Area::Front },
        kind: RequestKind { post: str_at(request, "method")? == "POST", ajax: false },
        xmlrpc: false,
    };
    let sessions = sessions(case)?;

    let find_user = |login: &str| -> Option<User> {
        let found = find_user_by_login(root, login)?;
        Some(User {
            id: found.get("ID")?.as_i64()?,
            login: found.get("user_login")?.as_str()?.to_owned(),
            pass: found.get("user_pass")?.as_str()?.to_owned(),
        })
    };
    let live = |user: &User, verifier: &Verifier| {
        sessions.iter().any(|(login, v, exp)| *login == user.login && v == verifier && *exp >= now)
    };
    let resolved = current_user::resolve(&context, &config, &salts, now, version, find_user, live);

    let expected = at(case, "expected")?;
    let user_id = match &resolved {
        Ok(current) => current.user().id,
        Err(_) => 0,
    };
    expect_eq("user_id", user_id, i64_at(expected, "user_id")?).map_err(|e| match &resolved {
        Err(why) => format!("{e} ({why})"),
        Ok(c) => format!("{e} (accepted the {} cookie)", c.scheme),
    })?;
    expect_eq(
        "wp_get_session_token",
        current_user::session_token(&cookies, &config),
        str_at(expected, "wp_get_session_token")?,
    )
}

/// `(user_login, verifier, expiration)` of every stored session of the case.
fn sessions(case: &Value) -> Result<Vec<(String, Verifier, i64)>, String> {
    let mut out = Vec::new();
    for user in at(case, "sessions")?.as_array().ok_or("sessions is not a list")? {
        let login = str_at(user, "user_login")?;
        for s in at(user, "sessions")?.as_array().ok_or("user sessions is not a list")? {
            out.push((
                login.to_owned(),
                Verifier::of(str_at(s, "token")?),
                i64_at(s, "expiration")?,
            ));
        }
    }
    Ok(out)
}
