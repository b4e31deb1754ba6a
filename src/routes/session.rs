//! `/v1/login`, `/v1/logout`, `/v1/session`.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use crate::error::ApiError;
use crate::service::{CurrentUser, LoginForm};
use crate::startup::AppState;

/// `POST /v1/login`: form (`application/x-www-form-urlencoded`) or JSON with `log`, `pwd`,
/// `rememberme`; answers with the exact `Set-Cookie` set of `wp_set_auth_cookie()`.
pub async fn login(
    req: HttpRequest,
    body: web::Bytes,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = parse_login(&req, &body)?;
    let admin_path = app.auth.site().cookies.admin_cookie_path();
    let ctx = super::request_context_with_origin(&req, admin_path);
    let done = app.auth.login(&ctx, form).await?;
    let now = app.auth.now();
    let mut response = HttpResponse::Ok();
    for cookie in &done.cookies {
        let value = cookie.header_value(now).map_err(|e| ApiError::Internal(e.into()))?;
        response.append_header((header::SET_COOKIE, value));
    }
    Ok(response.json(json!({
        "user": UserView::from(done.user.as_ref()),
        "expiration": done.expiration,
    })))
}

/// `POST /v1/logout`: destroys the session and clears the cookies as `wp_clear_auth_cookie()`.
pub async fn logout(req: HttpRequest, app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let cookies = app.auth.logout(&ctx).await?;
    let now = app.auth.now();
    let mut response = HttpResponse::Ok();
    for cookie in &cookies {
        let value = cookie.header_value(now).map_err(|e| ApiError::Internal(e.into()))?;
        response.append_header((header::SET_COOKIE, value));
    }
    Ok(response.json(json!({ "logged_out": true })))
}

/// `GET /v1/session`: who the request's cookies belong to.
pub async fn session(req: HttpRequest, app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    Ok(HttpResponse::Ok().json(SessionView::from(&current)))
}

fn parse_login(req: &HttpRequest, body: &[u8]) -> Result<LoginForm, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(ContentType::json().essence_str()));
    if is_json {
        serde_json::from_slice(body).map_err(|_| ApiError::BadRequest("invalid-body"))
    } else {
        serde_urlencoded::from_bytes(body).map_err(|_| ApiError::BadRequest("invalid-body"))
    }
}

/// A user as the API shows it (no hash, ever).
#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    id: u64,
    login: &'a str,
    email: &'a str,
    display_name: &'a str,
    roles: &'a [String],
}

impl<'a> From<&'a crate::users::User> for UserView<'a> {
    fn from(u: &'a crate::users::User) -> Self {
        UserView {
            id: u.id,
            login: &u.login,
            email: &u.email,
            display_name: &u.display_name,
            roles: &u.roles,
        }
    }
}

/// The answer of `GET /v1/session`.
#[derive(Debug, Serialize)]
pub struct SessionView<'a> {
    user: UserView<'a>,
    scheme: &'static str,
    expiration: i64,
    grace_period: bool,
    session: SessionInfo<'a>,
}

#[derive(Debug, Serialize)]
struct SessionInfo<'a> {
    expiration: Option<i64>,
    login: Option<i64>,
    ip: Option<&'a str>,
    ua: Option<&'a str>,
}

impl<'a> From<&'a CurrentUser> for SessionView<'a> {
    fn from(c: &'a CurrentUser) -> Self {
        SessionView {
            user: UserView::from(c.user.as_ref()),
            scheme: c.scheme.as_str(),
            expiration: c.expiration,
            grace_period: c.grace_period,
            session: SessionInfo {
                expiration: c.session.expiration(),
                login: c.session.login(),
                ip: c.session.ip(),
                ua: c.session.user_agent(),
            },
        }
    }
}
