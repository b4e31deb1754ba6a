//! In-process validation for Rust apps built on actix-web: the [`WpUser`] extractor and the
//! [`RequireWpLogin`] middleware.
//!
//! Register the service once (`app_data(web::Data::new(auth_service))`, see
//! `examples/actix_app.rs`); then any handler taking a `WpUser` only runs for a request whose
//! WordPress cookies validate, exactly as the HTTP service would decide (same store, same
//! rules). Failures answer like the service: 401 `not-logged-in`, 503 when the store or the
//! database cannot answer.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use crate::error::ApiError;
use crate::routes::request_context_with;
use crate::service::{AuthService, CurrentUser};

/// The request's WordPress user (validated cookies, live session).
#[derive(Debug, Clone)]
pub struct WpUser(pub CurrentUser);

impl Deref for WpUser {
    type Target = CurrentUser;

    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for WpUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<WpUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already validated by the middleware for this request.
        if let Some(user) = req.extensions().get::<WpUser>() {
            let user = user.clone();
            return Box::pin(async move { Ok(user) });
        }
        let req = req.clone();
        Box::pin(async move {
            let auth = auth_service(&req)?;
            let ctx = request_context_with(
                &req,
                auth.site().cookies.admin_cookie_path(),
                auth.trusted_proxies(),
            );
            let user = WpUser(auth.current_user(&ctx).await?);
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}

/// Middleware (`actix_web::middleware::from_fn(RequireWpLogin::check)`): every request under
/// it needs a valid WordPress login; handlers can still take [`WpUser`] at no extra cost.
#[derive(Debug, Clone, Copy)]
pub struct RequireWpLogin;

impl RequireWpLogin {
    /// The middleware function.
    ///
    /// # Errors
    /// Only the inner service's errors: a failed validation becomes a response.
    pub async fn check<B: MessageBody + 'static>(
        req: ServiceRequest,
        next: Next<B>,
    ) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
        let (http, payload) = req.into_parts();
        let outcome = match auth_service(&http) {
            Ok(auth) => {
                let ctx = request_context_with(
                    &http,
                    auth.site().cookies.admin_cookie_path(),
                    auth.trusted_proxies(),
                );
                auth.current_user(&ctx).await.map(WpUser)
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(user) => {
                http.extensions_mut().insert(user);
                let req = ServiceRequest::from_parts(http, payload);
                Ok(next.call(req).await?.map_into_left_body())
            }
            Err(e) => {
                let response = e.error_response().map_into_right_body();
                Ok(ServiceResponse::new(http, response))
            }
        }
    }
}

fn auth_service(req: &HttpRequest) -> Result<web::Data<AuthService>, ApiError> {
    req.app_data::<web::Data<AuthService>>().cloned().ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "WpUser needs web::Data<AuthService> in the app data (see examples/actix_app.rs)"
        ))
    })
}
