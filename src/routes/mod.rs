//! HTTP handlers: extract, call the service, map the result. One file per resource.

pub mod authz;
pub mod health;
pub mod nonce;
pub mod php_sessions;
pub mod session;
pub mod sessions;
pub mod user_settings;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};
use wpgate_core::auth_cookie::RequestKind;

use crate::proxy::TrustedProxies;
use crate::service::RequestContext;

// The proxy headers by name: constants, so that no lookup parses a name (every request reads
// them).
pub(crate) const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
pub(crate) const X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_REQUESTED_WITH: HeaderName = HeaderName::from_static("x-requested-with");
pub(crate) const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The client's address: the TCP peer, or the rightmost untrusted `X-Forwarded-For` hop when
/// the peer is one of `proxies` ([`TrustedProxies::client_ip`]). `None` without a peer (a test
/// request).
pub fn client_ip(req: &HttpRequest, proxies: &TrustedProxies) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded = req.headers().get_all(&X_FORWARDED_FOR).filter_map(|v| v.to_str().ok());
    Some(proxies.client_ip(peer, forwarded))
}

/// [`request_context_with`] trusting proxies on loopback only (the default of
/// `trusted_proxies`).
pub fn request_context(req: &HttpRequest, admin_path: &str) -> RequestContext {
    request_context_with(req, admin_path, &TrustedProxies::loopback())
}

/// The service's view of an HTTP request, honouring the proxy headers of forward-auth:
/// `X-Forwarded-Proto` (https), `X-Forwarded-Method` (POST grace), `X-Requested-With`
/// (AJAX grace) and `X-Forwarded-Uri` (wp-admin requests only accept the auth cookie).
///
/// `X-Forwarded-For` and `X-Forwarded-Proto` count only when the TCP peer is one of
/// `proxies`; the client IP is then the rightmost untrusted hop ([`TrustedProxies`]).
pub fn request_context_with(
    req: &HttpRequest,
    admin_path: &str,
    proxies: &TrustedProxies,
) -> RequestContext {
    let headers = req.headers();
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = proxies.trusts_peer(peer);
    let text = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let mut cookie_header = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        if !cookie_header.is_empty() {
            cookie_header.extend_from_slice(b"; ");
        }
        cookie_header.extend_from_slice(value.as_bytes());
    }
    let https = match text(&X_FORWARDED_PROTO).filter(|_| trusted) {
        Some(proto) => {
            proto.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        }
        // Not connection_info(): it believes forwarding headers from anyone.
        None => req.app_config().secure(),
    };
    let method = text(&X_FORWARDED_METHOD).unwrap_or(req.method().as_str());
    let ajax = text(&X_REQUESTED_WITH).is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    let uri = text(&X_FORWARDED_URI).unwrap_or("");
    let admin = !admin_path.is_empty() && uri.starts_with(admin_path);
    RequestContext {
        cookie_header,
        https,
        admin,
        kind: RequestKind { post: method.eq_ignore_ascii_case("POST"), ajax },
        ip: client_ip(req, proxies).map(|ip| ip.to_string()),
        user_agent: text(&header::USER_AGENT).map(str::to_owned),
    }
}
