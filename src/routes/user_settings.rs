//! `GET /v1/user-settings` and `POST /v1/user-settings`: the `wp-settings-{uid}` cookies that
//! WordPress's admin screens and its JavaScript (`getUserSetting` / `setUserSetting`) share.
//!
//! * `GET` is `get_all_user_settings()` for the logged-in user, from the request's
//!   `wp-settings-{uid}` cookie only (the `user-settings` user option is not read: a browser
//!   that has no cookie yet gets it from WordPress's next admin page load).
//! * `POST` is `setUserSetting()` (wp-includes/js/utils.js) done on the server: the request's
//!   settings, changed as asked, are sent back in the two cookies exactly as
//!   `wp_user_settings()` sends them (wp-includes/option.php): `wp-settings-{uid}` and
//!   `wp-settings-time-{uid}` at `SITECOOKIEPATH`, one year, not HttpOnly, secure when wp-admin
//!   is https. WordPress stores them into the option on the next admin page load, as it does
//!   for cookies its own JavaScript wrote.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use wpgate_core::cookies::input::{InputKey, InputValue};
use wpgate_core::cookies::{RequestCookies, settings_cookie_name};
use wpgate_core::user_settings::{
    UserSettings, UserSettingsSync, encode_user_settings, sync_user_settings,
};

use crate::error::ApiError;
use crate::startup::AppState;

/// The largest settings cookie value accepted: browsers drop cookies over 4 KiB.
const MAX_SETTINGS_BYTES: usize = 3_800;

/// `{"settings": {"editor": "html"}, "remove": ["mfold"]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSettings {
    #[serde(default)]
    settings: BTreeMap<String, SettingValue>,
    #[serde(default)]
    remove: Vec<String>,
}

/// A setting's new value: `setUserSetting()` takes strings and numbers.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SettingValue {
    Int(i64),
    Text(String),
}

/// `GET /v1/user-settings`: `{"user_id": 2, "settings": {"editor": "html"}}`.
pub async fn view(req: HttpRequest, app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    let user_id = current.user.id;
    let settings = request_settings(&ctx.cookie_header, user_id);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "user_id": user_id, "settings": as_json(&settings) })))
}

/// `POST /v1/user-settings`: merges the changes into the request's settings and answers the
/// two `Set-Cookie`s of `wp_user_settings()`.
pub async fn change(
    req: HttpRequest,
    body: web::Json<ChangeSettings>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    let user_id = current.user.id;
    let mut settings = as_json(&request_settings(&ctx.cookie_header, user_id));
    let body = body.into_inner();
    for (name, value) in body.settings {
        // setUserSetting(): name and (string) value keep [A-Za-z0-9_-]; numbers parseInt.
        let value = match value {
            SettingValue::Int(i) => i.to_string(),
            SettingValue::Text(s) => js_sanitize(&s),
        };
        let name = js_sanitize(&name);
        if name.is_empty() {
            return Err(ApiError::BadRequest("invalid-setting-name"));
        }
        settings.insert(name, value);
    }
    for name in body.remove {
        settings.remove(&js_sanitize(&name));
    }
    let encoded = encode_user_settings(&settings);
    if encoded.len() > MAX_SETTINGS_BYTES {
        return Err(ApiError::BadRequest("settings-too-large"));
    }

    let now = app.auth.now();
    let config = &app.auth.site().cookies;
    // With no settings cookie in the request, wp_user_settings() sends both cookies from the
    // option: exactly the answer wanted, with `encoded` as the option.
    let no_cookies = RequestCookies::parse("");
    let UserSettingsSync::Send { cookies } =
        sync_user_settings(config, user_id, &encoded, 0, &no_cookies, ctx.https, now)
    else {
        return Err(ApiError::Internal(anyhow::anyhow!("wp_user_settings() sent no cookies")));
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    for cookie in &cookies {
        let value = cookie.header_value(now).map_err(|e| ApiError::Internal(e.into()))?;
        response.append_header((header::SET_COOKIE, value));
    }
    let settings = as_json(&UserSettings::parse(&encoded));
    Ok(response.json(json!({ "user_id": user_id, "settings": settings })))
}

/// `get_all_user_settings()` from the request's cookie (as `$_COOKIE` holds it).
fn request_settings(cookie_header: &[u8], user_id: u64) -> UserSettings {
    let cookies = RequestCookies::parse(cookie_header).into_magic_quoted();
    // An array-valued cookie (`wp-settings-2[x]=…`) is no settings string: treated as absent.
    let value = cookies.bytes(settings_cookie_name(user_id));
    UserSettings::from_request(value, None)
}

/// The string settings as a JSON object (sorted by name; keys are sanitised ASCII).
fn as_json(settings: &UserSettings) -> BTreeMap<String, String> {
    settings
        .iter()
        .filter_map(|(key, value)| {
            let key = match key {
                InputKey::Int(i) => i.to_string(),
                InputKey::Str(s) => String::from_utf8_lossy(s).into_owned(),
            };
            match value {
                InputValue::Str(s) => Some((key, String::from_utf8_lossy(s).into_owned())),
                InputValue::Array(_) => None,
            }
        })
        .collect()
}

/// `.replace( /[^A-Za-z0-9_-]+/g, '' )`.
fn js_sanitize(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_users_cookie_only() {
        let header = b"wp-settings-3=editor%3Dhtml%26mfold%3Do; wp-settings-2=editor%3Dtinymce";
        let s = as_json(&request_settings(header, 3));
        assert_eq!(s.get("editor").map(String::as_str), Some("html"));
        assert_eq!(s.get("mfold").map(String::as_str), Some("o"));
        assert!(as_json(&request_settings(b"wp-settings-2=a%3Db", 4)).is_empty());
    }

    #[test]
    fn javascript_sanitising_keeps_dashes() {
        assert_eq!(js_sanitize("a-b_c!d e"), "a-b_cde");
    }
}
