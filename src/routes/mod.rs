//! HTTP handlers: extract, call the service, map the result. One file per resource.

pub mod authz;
pub mod health;
pub mod nonce;
pub mod php_sessions;
pub mod session;

use actix_web::HttpRequest;
use actix_web::http::header;
use wpgate_core::auth_cookie::RequestKind;

use crate::service::RequestContext;

/// The service's view of an HTTP request, honouring the proxy headers of forward-auth:
/// `X-Forwarded-Proto` (https), `X-Forwarded-Method` (POST grace), `X-Requested-With`
/// (AJAX grace) and `X-Forwarded-Uri` (wp-admin requests only accept the auth cookie).
pub fn request_context(req: &HttpRequest, admin_path: &str) -> RequestContext {
    let headers = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut cookie_header = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        if !cookie_header.is_empty() {
            cookie_header.extend_from_slice(b"; ");
        }
        cookie_header.extend_from_slice(value.as_bytes());
    }
    let https = match text("x-forwarded-proto") {
        Some(proto) => {
            proto.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        }
        None => req.connection_info().scheme() == "https",
    };
    let method = text("x-forwarded-method").unwrap_or(req.method().as_str());
    let ajax = text("x-requested-with").is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    let uri = text("x-forwarded-uri").unwrap_or("");
    let admin = !admin_path.is_empty() && uri.starts_with(admin_path);
    RequestContext {
        cookie_header,
        https,
        admin,
        kind: RequestKind { post: method.eq_ignore_ascii_case("POST"), ajax },
        // Only a login records them ([`request_context_with_origin`]): validation, the hot
        // path, skips the formatting and copying.
        ip: None,
        user_agent: None,
    }
}

/// [`request_context`] with the client address and `User-Agent` a new session records.
pub fn request_context_with_origin(req: &HttpRequest, admin_path: &str) -> RequestContext {
    let mut ctx = request_context(req, admin_path);
    ctx.ip = req.peer_addr().map(|a| a.ip().to_string());
    ctx.user_agent =
        req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    ctx
}
