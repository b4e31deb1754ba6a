//! Logging: one `tracing` subscriber for the process, JSON in production.
//!
//! `RUST_LOG` filters (default `info`). Nothing logged anywhere in wpgate contains a cookie,
//! token, verifier, password, hash or salt: log user ids and outcomes.

use std::sync::Once;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (once; later calls do nothing).
pub fn init(format: LogFormat) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        // Colours only for a terminal: escape codes do not belong in log files, and styling
        // every span's fields costs CPU on each request.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(ansi)
            .with_writer(std::io::stderr);
        let _ = match format {
            LogFormat::Json => builder.json().flatten_event(true).try_init(),
            LogFormat::Pretty => builder.try_init(),
        };
    });
}

/// The root span of every HTTP request (the service's `TracingLogger`): what every log line a
/// request causes carries, so that its lines can be found and told apart.
///
/// Fields: `http.method`, `http.route` (the route's template, `unmatched` for none),
/// `http.client_ip` (the client as [`crate::proxy::TrustedProxies`] sees it: forwarding headers
/// count only from a trusted proxy), `request_id`, and at the end `http.status_code` and, for
/// errors, `exception.message` / `exception.details`.
///
/// tracing-actix-web's default span also records the raw path and query (`http.target`) — for
/// `/v1/php-sessions/{id}` a live PHP session id, a credential — the user agent and host, and
/// the client IP that the request's own `X-Forwarded-For` claims, from anyone. It is also
/// dearer: the subscriber formats every field of every request's span, whether or not a line
/// is then logged in it (docs/performance.md).
#[derive(Debug)]
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        use actix_web::HttpMessage;

        let request_id = request.extensions().get::<RequestId>().copied();
        let route = request.match_pattern();
        let client_ip = request
            .app_data::<actix_web::web::Data<crate::startup::AppState>>()
            .and_then(|app| crate::routes::client_ip(request.request(), app.auth.trusted_proxies()))
            .or_else(|| request.peer_addr().map(|a| a.ip()));
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route.as_deref().unwrap_or("unmatched"),
            http.client_ip = client_ip.map(tracing::field::display),
            request_id = request_id.map(tracing::field::display),
            http.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("http.status_code", status.as_u16());
        if let Some(error) = error {
            // Formatted first, as tracing-actix-web does (tokio-rs/tracing#1565).
            span.record("exception.message", format!("{error}"));
            span.record("exception.details", format!("{error:?}"));
        }
    }
}
