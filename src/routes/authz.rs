//! Forward authentication for reverse proxies: nginx `auth_request` and Traefik/Caddy
//! `forward_auth`.
//!
//! On success both answer 200 with the user's identity in headers the proxy copies upstream:
//! `Remote-User`, `Remote-Email`, `Remote-Name`, `Remote-Groups` (roles, comma-separated),
//! `X-WP-User-Id` and a fresh `X-WP-Nonce` for the REST API (`wp_rest`). `?role=editor`
//! (repeatable: any of them) requires a role: 403 without it.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::Deserialize;

use crate::error::ApiError;
use crate::service::CurrentUser;
use crate::site::absolute_url;
use crate::startup::AppState;

/// The query of both endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct AuthzQuery {
    /// Required role(s), comma-separated; any one suffices.
    #[serde(default)]
    role: Option<String>,
}

/// `GET /authz/auth-request`: 200 with identity headers, or 401 (nginx turns it into the
/// `error_page 401` of the location).
pub async fn auth_request(
    req: HttpRequest,
    query: web::Query<AuthzQuery>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = app.auth.current_user(&app.context(&req)).await?;
    require_role(&current, query.role.as_deref())?;
    Ok(identity(HttpResponse::Ok(), &current, &app).finish())
}

/// `GET /authz/forward-auth`: 200 with identity headers, or a 302 to `wp-login.php` with
/// `redirect_to` set to the original URL (from `X-Forwarded-Proto/Host/Uri`).
pub async fn forward_auth(
    req: HttpRequest,
    query: web::Query<AuthzQuery>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match app.auth.current_user(&app.context(&req)).await {
        Ok(current) => {
            require_role(&current, query.role.as_deref())?;
            Ok(identity(HttpResponse::Ok(), &current, &app).finish())
        }
        Err(ApiError::Unauthenticated) => {
            let headers = req.headers();
            let text = |n: &HeaderName| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
            let original = absolute_url(
                text(&super::X_FORWARDED_PROTO),
                text(&super::X_FORWARDED_HOST),
                text(&super::X_FORWARDED_URI),
            );
            let mut login = app.auth.site().login_url();
            if let Ok(url) = original {
                login.push_str("?redirect_to=");
                login.push_str(&wpgate_core::cookies::raw_url_encode(url.as_bytes()));
            }
            Ok(HttpResponse::Found().insert_header((header::LOCATION, login)).finish())
        }
        Err(e) => Err(e),
    }
}

const REMOTE_USER: HeaderName = HeaderName::from_static("remote-user");
const REMOTE_EMAIL: HeaderName = HeaderName::from_static("remote-email");
const REMOTE_NAME: HeaderName = HeaderName::from_static("remote-name");
const REMOTE_GROUPS: HeaderName = HeaderName::from_static("remote-groups");
const X_WP_USER_ID: HeaderName = HeaderName::from_static("x-wp-user-id");
const X_WP_NONCE: HeaderName = HeaderName::from_static("x-wp-nonce");

fn require_role(current: &CurrentUser, role: Option<&str>) -> Result<(), ApiError> {
    let Some(wanted) = role.filter(|r| !r.is_empty()) else { return Ok(()) };
    let ok = wanted.split(',').map(str::trim).any(|w| current.user.roles.iter().any(|r| r == w));
    if ok { Ok(()) } else { Err(ApiError::Forbidden) }
}

fn identity(
    mut response: HttpResponseBuilder,
    current: &CurrentUser,
    app: &AppState,
) -> HttpResponseBuilder {
    let user = &current.user;
    let nonce = app.auth.create_nonce(Some(current), wpgate_core::nonce::REST_ACTION);
    // Names as constants: parsing them from text on every request shows in profiles.
    response
        .insert_header((REMOTE_USER, header_safe(&user.login)))
        .insert_header((REMOTE_EMAIL, header_safe(&user.email)))
        .insert_header((REMOTE_NAME, header_safe(&user.display_name)))
        .insert_header((REMOTE_GROUPS, header_safe(&user.roles.join(","))))
        .insert_header((X_WP_USER_ID, user.id.to_string()))
        .insert_header((X_WP_NONCE, nonce))
        .insert_header((header::CACHE_CONTROL, header::HeaderValue::from_static("no-store")));
    response
}

/// Header values must be visible ASCII: non-ASCII names are percent-encoded (RFC 3986), as
/// a proxy cannot forward raw UTF-8 reliably.
fn header_safe(value: &str) -> String {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        value.to_owned()
    } else {
        wpgate_core::cookies::raw_url_encode(value.as_bytes())
    }
}
