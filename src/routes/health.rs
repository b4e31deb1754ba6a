//! `/healthz` (liveness), `/readyz` (dependencies answer), `/metrics` (Prometheus).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The session store and the database answer; 503 naming the failing one otherwise.
pub async fn readyz(app: web::Data<AppState>) -> HttpResponse {
    let store = app.auth.sessions().ping().await;
    let users = app.auth.users().ping().await;
    if let Err(e) = &store {
        tracing::warn!(error = ?e, "readiness: session store");
    }
    if let Err(e) = &users {
        tracing::warn!(error = ?e, "readiness: database");
    }
    let body = json!({ "store": store.is_ok(), "database": users.is_ok() });
    if store.is_ok() && users.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition.
pub async fn metrics(app: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(app.metrics.render())
}
