//! `/v1/php-sessions`: PHP sessions (`PHPSESSID`) shared with PHP through Redis.
//!
//! | method | path | does |
//! |---|---|---|
//! | `POST` | `/v1/php-sessions` | new id + `Set-Cookie`, optional initial data |
//! | `GET` | `/v1/php-sessions/{id}` | `{"data": …}` (plain) or `?format=lossless` → `{"lossless": …}` |
//! | `PUT` | `/v1/php-sessions/{id}` | replace the data (`{"data"}` or `{"lossless"}`) |
//! | `PATCH` | `/v1/php-sessions/{id}` | set top-level variables, `"remove": [names]` |
//! | `DELETE` | `/v1/php-sessions/{id}` | destroy |
//! | `POST` | `/v1/php-sessions/{id}/regenerate` | new id, data moved, old deleted, `Set-Cookie` |

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value as Json, json};
use wpgate_core::php_session::cache_limiter_headers;

use crate::error::ApiError;
use crate::php_sessions::service::{self, DataInput};
use crate::php_sessions::{PhpSessionError, PhpSessionStore};
use crate::startup::AppState;

/// A body carrying session data: exactly one of the two forms.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataBody {
    /// Plain JSON object of variables.
    pub data: Option<Json>,
    /// The lossless tagged form of the `$_SESSION` array.
    pub lossless: Option<Json>,
    /// `PATCH` only: variables to unset.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// `?format=`.
#[derive(Debug, Deserialize)]
pub struct ViewQuery {
    /// `plain` (default) or `lossless`.
    pub format: Option<String>,
}

/// `POST /v1/php-sessions`.
pub async fn create(
    app: web::Data<AppState>,
    body: Option<web::Json<DataBody>>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    let input = match body {
        Some(b) => input(&b.into_inner())?,
        None => None,
    };
    let now = app.auth.now();
    let issued = service::create(store, input, now).await?;
    Ok(with_cookie(HttpResponse::Created(), &issued.set_cookie, now)
        .json(json!({ "id": issued.id })))
}

/// `GET /v1/php-sessions/{id}`.
pub async fn view(
    app: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    let lossless = match query.format.as_deref() {
        None | Some("plain") => false,
        Some("lossless") => true,
        Some(_) => return Err(ApiError::BadRequest("invalid-format")),
    };
    let data = service::view(store, &id, lossless).await?;
    let field = if lossless { "lossless" } else { "data" };
    Ok(no_cache(HttpResponse::Ok(), app.auth.now()).json(json!({ field: data })))
}

/// `PUT /v1/php-sessions/{id}`.
pub async fn replace(
    app: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<DataBody>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    let input = input(&body)?.ok_or(ApiError::BadRequest("invalid-session-data"))?;
    service::replace(store, &id, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PATCH /v1/php-sessions/{id}`.
pub async fn merge(
    app: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<DataBody>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    let input = input(&body)?;
    service::merge(store, &id, input.as_ref(), &body.remove).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v1/php-sessions/{id}`.
pub async fn delete(
    app: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    if service::delete(store, &id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(PhpSessionError::NotFound.into())
    }
}

/// `POST /v1/php-sessions/{id}/regenerate`.
pub async fn regenerate(
    app: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let store = store(&app)?;
    let now = app.auth.now();
    let issued = service::regenerate(store, &id, now).await?;
    Ok(with_cookie(HttpResponse::Ok(), &issued.set_cookie, now).json(json!({ "id": issued.id })))
}

fn store(app: &AppState) -> Result<&PhpSessionStore, ApiError> {
    app.php_sessions.as_ref().ok_or(ApiError::NotFound("php-sessions-disabled"))
}

fn input(body: &DataBody) -> Result<Option<DataInput>, ApiError> {
    match (&body.data, &body.lossless) {
        (Some(d), None) => Ok(Some(DataInput::Plain(d.clone()))),
        (None, Some(l)) => Ok(Some(DataInput::Lossless(l.clone()))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ApiError::BadRequest("invalid-session-data")),
    }
}

/// PHP's `nocache` headers: every response that touches a session sends them (§2.3).
fn no_cache(
    mut builder: actix_web::HttpResponseBuilder,
    now: i64,
) -> actix_web::HttpResponseBuilder {
    for line in cache_limiter_headers("nocache", 180, now, None) {
        if let Some((name, value)) = line.split_once(": ") {
            builder.insert_header((name.to_owned(), value.to_owned()));
        }
    }
    builder
}

fn with_cookie(
    builder: actix_web::HttpResponseBuilder,
    set_cookie: &str,
    now: i64,
) -> actix_web::HttpResponseBuilder {
    let mut builder = no_cache(builder, now);
    builder.append_header((header::SET_COOKIE, set_cookie.to_owned()));
    builder
}
