//! Session administration: a user's own sessions (`/v1/sessions`, by cookie) and any user's
//! sessions for operators (`/v1/admin/users/{id}/sessions`, by bearer token).
//!
//! A session's `id` is its verifier (`hex(sha256(token))`, the key WordPress stores it under):
//! it names the session without being able to authenticate as it.
//!
//! | method | path | does |
//! |---|---|---|
//! | `GET` | `/v1/sessions` | the caller's live sessions, `current: true` on the caller's own |
//! | `DELETE` | `/v1/sessions/{id}` | revoke one (clearing cookies when it is the caller's own) |
//! | `POST` | `/v1/sessions/destroy-others` | all but the caller's (`wp_destroy_other_sessions`) |
//! | `POST` | `/v1/sessions/destroy-all` | all, the caller's included, with clearing cookies |
//! | `GET` | `/v1/admin/users/{id}/sessions` | a user's live sessions |
//! | `DELETE` | `/v1/admin/users/{id}/sessions/{sid}` | revoke one |
//! | `DELETE` | `/v1/admin/users/{id}/sessions` | revoke all |

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use wpgate_core::cookies::SetCookie;
use wpgate_core::session_tokens::{Session, Verifier};

use crate::audit::{Actor, AuditEvent};
use crate::error::ApiError;
use crate::startup::AppState;

/// The admin API's bearer token, kept only as its SHA-256 digest.
///
/// Comparing digests in constant time hides both the token's bytes and its length.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

impl AdminToken {
    /// Shortest token accepted.
    pub const MIN_LEN: usize = 32;

    /// The configured token.
    ///
    /// # Errors
    /// A token shorter than [`AdminToken::MIN_LEN`] bytes or with whitespace, naming the
    /// setting (never the value).
    pub fn new(token: &SecretString) -> anyhow::Result<AdminToken> {
        let t = token.expose_secret();
        if t.len() < Self::MIN_LEN
            || t.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            anyhow::bail!(
                "admin_token (WPGATE_ADMIN_TOKEN / WPGATE_ADMIN_TOKEN_FILE) must be at least {} \
                 characters without spaces (e.g. `openssl rand -hex 32`)",
                Self::MIN_LEN
            );
        }
        Ok(AdminToken { digest: Sha256::digest(t.as_bytes()).into() })
    }

    /// Whether `candidate` is the token (constant time).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate).into();
        bool::from(self.digest.ct_eq(&digest))
    }
}

/// One session as the API shows it.
#[derive(Debug, Serialize)]
pub struct SessionItem<'a> {
    id: &'a str,
    login: Option<i64>,
    expiration: Option<i64>,
    ip: Option<&'a str>,
    ua: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<bool>,
}

fn items<'a>(
    sessions: &'a [(Verifier, Session)],
    current: Option<&Verifier>,
) -> Vec<SessionItem<'a>> {
    sessions
        .iter()
        .map(|(v, s)| SessionItem {
            id: v.as_str(),
            login: s.login(),
            expiration: s.expiration(),
            ip: s.ip(),
            ua: s.user_agent(),
            current: current.map(|c| c.ct_eq(v)),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The caller's own sessions

/// `GET /v1/sessions`.
pub async fn list_own(
    req: HttpRequest,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = app.auth.current_user(&app.context(&req)).await?;
    let sessions = app.auth.list_sessions(current.user.id).await?;
    Ok(no_store(HttpResponse::Ok())
        .json(json!({ "sessions": items(&sessions, Some(&current.verifier)) })))
}

/// `DELETE /v1/sessions/{id}`: 204, with clearing cookies when it was the caller's own.
pub async fn revoke_own(
    req: HttpRequest,
    id: web::Path<String>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    let verifier = parse_id(&id)?;
    let user_id = current.user.id;
    if !app.auth.revoke_session(user_id, &verifier, Actor::User, ctx.ip.as_deref()).await? {
        return Err(ApiError::NotFound("unknown-session"));
    }
    let mut response = HttpResponse::NoContent();
    if current.verifier.ct_eq(&verifier) {
        append_cookies(&mut response, &app.auth.clearing_cookies(user_id), app.auth.now())?;
    }
    Ok(response.finish())
}

/// `POST /v1/sessions/destroy-others`: `{"destroyed": n}`.
pub async fn destroy_others(
    req: HttpRequest,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    let n = app
        .auth
        .revoke_sessions(current.user.id, Some(&current.verifier), Actor::User, ctx.ip.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "destroyed": n })))
}

/// `POST /v1/sessions/destroy-all`: `{"destroyed": n}` and `wp_clear_auth_cookie()`'s cookies.
pub async fn destroy_all(
    req: HttpRequest,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = app.context(&req);
    let current = app.auth.current_user(&ctx).await?;
    let user_id = current.user.id;
    let n = app.auth.revoke_sessions(user_id, None, Actor::User, ctx.ip.as_deref()).await?;
    let mut response = HttpResponse::Ok();
    append_cookies(&mut response, &app.auth.clearing_cookies(user_id), app.auth.now())?;
    Ok(response.json(json!({ "destroyed": n })))
}

// ---------------------------------------------------------------------------------------------
// The admin API

/// `GET /v1/admin/users/{id}/sessions`.
pub async fn admin_list(
    req: HttpRequest,
    user_id: web::Path<u64>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ip = admin(&req, &app, "sessions-list")?;
    let user_id = existing_user(&app, *user_id).await?;
    let sessions = app.auth.list_sessions(user_id).await?;
    app.auth.audit().record(
        AuditEvent::new("sessions-list", "ok", Actor::Admin).user(user_id).ip(ip.as_deref()),
    );
    Ok(no_store(HttpResponse::Ok())
        .json(json!({ "user_id": user_id, "sessions": items(&sessions, None) })))
}

/// `DELETE /v1/admin/users/{id}/sessions/{sid}`: 204.
pub async fn admin_revoke(
    req: HttpRequest,
    path: web::Path<(u64, String)>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ip = admin(&req, &app, "session-revoke")?;
    let (user_id, sid) = path.into_inner();
    let verifier = parse_id(&sid)?;
    let user_id = existing_user(&app, user_id).await?;
    if !app.auth.revoke_session(user_id, &verifier, Actor::Admin, ip.as_deref()).await? {
        return Err(ApiError::NotFound("unknown-session"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v1/admin/users/{id}/sessions`: `{"destroyed": n}`.
pub async fn admin_revoke_all(
    req: HttpRequest,
    user_id: web::Path<u64>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ip = admin(&req, &app, "sessions-destroy-all")?;
    let user_id = existing_user(&app, *user_id).await?;
    let n = app.auth.revoke_sessions(user_id, None, Actor::Admin, ip.as_deref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "destroyed": n })))
}

/// Checks `Authorization: Bearer <admin_token>`; returns the client IP for the audit.
fn admin(
    req: &HttpRequest,
    app: &AppState,
    event: &'static str,
) -> Result<Option<String>, ApiError> {
    // Without a configured token the admin API does not exist.
    let Some(token) = &app.admin_token else { return Err(ApiError::NotFound("not-found")) };
    let ip = app.context(req).ip;
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .map(<[u8]>::trim_ascii);
    match presented {
        Some(candidate) if token.matches(candidate) => Ok(ip),
        _ => {
            app.auth.audit().record(
                AuditEvent::new(event, "invalid-admin-token", Actor::Admin).ip(ip.as_deref()),
            );
            Err(ApiError::InvalidAdminToken)
        }
    }
}

async fn existing_user(app: &AppState, id: u64) -> Result<u64, ApiError> {
    match app.auth.users().by_id(id).await {
        Ok(Some(user)) => Ok(user.id),
        Ok(None) => Err(ApiError::NotFound("unknown-user")),
        Err(e) => Err(ApiError::Unavailable(e.into())),
    }
}

fn parse_id(id: &str) -> Result<Verifier, ApiError> {
    Verifier::parse(id).ok_or(ApiError::BadRequest("invalid-session-id"))
}

fn append_cookies(
    response: &mut HttpResponseBuilder,
    cookies: &[SetCookie],
    now: i64,
) -> Result<(), ApiError> {
    for cookie in cookies {
        let value = cookie.header_value(now).map_err(|e| ApiError::Internal(e.into()))?;
        response.append_header((header::SET_COOKIE, value));
    }
    Ok(())
}

fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
