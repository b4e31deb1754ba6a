//! `POST /v1/nonce` and `POST /v1/nonce/verify` for the logged-in user.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::startup::AppState;

/// `{"action": "wp_rest"}` (default `-1`, WordPress's default action).
#[derive(Debug, Deserialize)]
pub struct CreateNonce {
    #[serde(default = "default_action")]
    action: String,
}

/// `{"nonce": "...", "action": "wp_rest"}`.
#[derive(Debug, Deserialize)]
pub struct VerifyNonce {
    nonce: String,
    #[serde(default = "default_action")]
    action: String,
}

fn default_action() -> String {
    "-1".to_owned()
}

/// Creates a nonce (`wp_create_nonce`).
pub async fn create(
    req: HttpRequest,
    body: web::Json<CreateNonce>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = app.auth.current_user(&app.context(&req)).await?;
    let nonce = app.auth.create_nonce(Some(&current), &body.action);
    Ok(HttpResponse::Ok().json(json!({ "nonce": nonce, "action": body.action })))
}

/// Verifies a nonce (`wp_verify_nonce`): `{"valid": true, "age": 1|2}` or `{"valid": false}`.
pub async fn verify(
    req: HttpRequest,
    body: web::Json<VerifyNonce>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = app.auth.current_user(&app.context(&req)).await?;
    Ok(match app.auth.verify_nonce(Some(&current), &body.nonce, &body.action) {
        Some(age) => HttpResponse::Ok().json(json!({ "valid": true, "age": age.as_int() })),
        None => HttpResponse::Ok().json(json!({ "valid": false })),
    })
}
