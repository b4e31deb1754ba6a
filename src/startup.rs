//! Building and running the HTTP service: state, routes, middleware.

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpRequest, HttpServer, middleware, web};
use anyhow::{Context, Result};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::routes;
use crate::service::{AuthService, Clock, RequestContext};
use crate::site::Site;
use crate::store::SessionStore;
use crate::users::UserDirectory;

/// Shared by every request.
pub struct AppState {
    /// The use-cases.
    pub auth: AuthService,
    /// Prometheus exposition.
    pub metrics: PrometheusHandle,
    /// PHP sessions in Redis (`/v1/php-sessions`); `None` when `php_session_save_path` is unset.
    pub php_sessions: Option<crate::php_sessions::PhpSessionStore>,
    /// The admin API's token; `None` disables `/v1/admin/…`.
    pub admin_token: Option<routes::sessions::AdminToken>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("auth", &self.auth).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts").field("site", &self.site).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl AppState {
    /// The service's view of a request.
    pub fn context(&self, req: &HttpRequest) -> RequestContext {
        routes::request_context_with(
            req,
            self.auth.site().cookies.admin_cookie_path(),
            self.auth.trusted_proxies(),
        )
    }
}

/// The pieces an application is assembled from.
pub struct Parts {
    /// The resolved site.
    pub site: Site,
    /// Users.
    pub users: Arc<dyn UserDirectory>,
    /// Sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// The clock.
    pub clock: Clock,
}

/// Connects to the site's database and session store as the settings say, resolves the site
/// and starts the invalidation listener: everything `wpgate serve` needs before binding.
///
/// # Errors
/// A setting is missing or wrong, or the database cannot be reached; every message names the
/// setting.
pub async fn assemble(settings: &Settings) -> Result<(Parts, Background)> {
    use wpgate_core::users::SanitizeRules;

    use crate::config::SessionBackend;
    use crate::db::{CachedUsers, Db, DbConfig};
    use crate::store::memory::MemoryStore;
    use crate::store::redis::{ListenerEvent, RedisStore};

    let (version, source) = settings.version()?;
    tracing::info!(%version, ?source, "WordPress version");
    let db_config = DbConfig::from_settings(settings)?;
    let db = Db::connect(&db_config).await?;
    let options = db.site_options().await?;
    let site = Site::resolve(settings, version, options)?;
    let rules = SanitizeRules::new(version).with_locale(site.locale.clone());
    let ttl = std::time::Duration::from_secs(settings.user_cache_ttl);
    let cached = CachedUsers::for_site(db.clone(), rules, ttl);
    let users: Arc<dyn UserDirectory> = Arc::new(cached.clone());

    let mut background = Background::default();
    let sessions: Arc<dyn SessionStore> = match settings.sessions {
        SessionBackend::Memory => Arc::new(MemoryStore::new()),
        SessionBackend::Usermeta => {
            Arc::new(crate::store::usermeta::UserMetaStore::new(db.clone(), settings)?)
        }
        SessionBackend::Redis => {
            let store = RedisStore::from_settings(settings)
                .context("redis_url / redis_prefix (WPGATE_REDIS_URL / WPGATE_REDIS_PREFIX)")?;
            // WordPress announces user changes (password, roles, e-mail, deletion) on the
            // events channel; drop our cached copy at once so old cookies stop working here
            // as fast as in WordPress.
            let runtime = tokio::runtime::Handle::current();
            let cache = cached.clone();
            let listener = store.spawn_event_listener(move |event| {
                let cache = cache.clone();
                match event {
                    ListenerEvent::Invalidation(
                        crate::store::redis::InvalidationEvent::UserChanged(id),
                    ) => {
                        tracing::debug!(user_id = id, "user changed in WordPress");
                        runtime.spawn(async move { cache.invalidate(id).await });
                    }
                    // Messages may have been lost while not subscribed.
                    ListenerEvent::Subscribed => cache.invalidate_all(),
                    _ => {}
                }
            });
            background.listeners.push(listener);
            Arc::new(store)
        }
    };
    Ok((Parts { site, users, sessions, clock: Clock::System }, background))
}

/// Tasks that must live as long as the service (dropping them stops them).
#[derive(Debug, Default)]
pub struct Background {
    listeners: Vec<crate::store::redis::EventListener>,
}

/// A bound, not yet running, HTTP service.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `settings.listen` and assembles the service from `parts`.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub fn build(settings: &Settings, parts: Parts) -> Result<Application> {
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("listen (WPGATE_LISTEN): cannot bind {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let auth = hardened(settings, parts)?;
        let admin_token =
            settings.admin_token.as_ref().map(routes::sessions::AdminToken::new).transpose()?;
        let php_sessions = match &settings.php_session_save_path {
            None => None,
            Some(_) => {
                let config = crate::php_sessions::PhpSessionConfig::from_settings(settings)?;
                Some(crate::php_sessions::PhpSessionStore::new(config)?)
            }
        };
        let state =
            web::Data::new(AppState { auth, metrics: metrics_handle(), php_sessions, admin_token });
        let body_limit = settings.max_body_bytes;
        let head_limit = settings.max_header_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(web::JsonConfig::default().limit(body_limit))
                .app_data(web::FormConfig::default().limit(body_limit))
                .app_data(HeadLimit(head_limit))
                .wrap(
                    middleware::ErrorHandlers::new()
                        .handler(actix_web::http::StatusCode::PAYLOAD_TOO_LARGE, body_too_large),
                )
                .wrap(middleware::from_fn(limit_head))
                .wrap(middleware::from_fn(record_metrics))
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .configure(routes_table)
        })
        .client_request_timeout(std::time::Duration::from_millis(settings.client_timeout_ms))
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    /// The port actually bound (useful with `127.0.0.1:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped.
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The route table.
pub fn routes_table(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(routes::health::healthz))
        .route("/readyz", web::get().to(routes::health::readyz))
        .route("/metrics", web::get().to(routes::health::metrics))
        .route("/v1/login", web::post().to(routes::session::login))
        .route("/v1/logout", web::post().to(routes::session::logout))
        .route("/v1/session", web::get().to(routes::session::session))
        .route("/v1/nonce", web::post().to(routes::nonce::create))
        .route("/v1/nonce/verify", web::post().to(routes::nonce::verify))
        .route("/v1/user-settings", web::get().to(routes::user_settings::view))
        .route("/v1/user-settings", web::post().to(routes::user_settings::change))
        .route("/authz/auth-request", web::get().to(routes::authz::auth_request))
        .route("/authz/forward-auth", web::get().to(routes::authz::forward_auth))
        .route("/v1/php-sessions", web::post().to(routes::php_sessions::create))
        .route("/v1/php-sessions/{id}", web::get().to(routes::php_sessions::view))
        .route("/v1/php-sessions/{id}", web::put().to(routes::php_sessions::replace))
        .route("/v1/php-sessions/{id}", web::patch().to(routes::php_sessions::merge))
        .route("/v1/php-sessions/{id}", web::delete().to(routes::php_sessions::delete))
        .route("/v1/php-sessions/{id}/regenerate", web::post().to(routes::php_sessions::regenerate))
        .route("/v1/sessions", web::get().to(routes::sessions::list_own))
        .route("/v1/sessions/destroy-others", web::post().to(routes::sessions::destroy_others))
        .route("/v1/sessions/destroy-all", web::post().to(routes::sessions::destroy_all))
        .route("/v1/sessions/{id}", web::delete().to(routes::sessions::revoke_own))
        .route("/v1/admin/users/{id}/sessions", web::get().to(routes::sessions::admin_list))
        .route(
            "/v1/admin/users/{id}/sessions",
            web::delete().to(routes::sessions::admin_revoke_all),
        )
        .route(
            "/v1/admin/users/{id}/sessions/{sid}",
            web::delete().to(routes::sessions::admin_revoke),
        );
}

/// The service over `parts` with the hardening settings: login limits on the store's shared
/// counters, the audit trail, previous salts of a rotation, trusted proxies, hash slots.
///
/// # Errors
/// `audit_stream` without a Redis store; invalid previous salts.
pub fn hardened(settings: &Settings, parts: Parts) -> Result<AuthService> {
    use crate::audit::Audit;
    use crate::login_limits::{LimitSettings, LoginLimiter, MemoryCounters};

    let version = parts.site.version;
    let counters = Arc::clone(&parts.sessions).attempt_counters().unwrap_or_else(|| {
        tracing::info!("login failure counters are per process (sessions are not in Redis)");
        Arc::new(MemoryCounters::default())
    });
    let audit = match (&settings.audit_stream, Arc::clone(&parts.sessions).audit_sink()) {
        (None, _) => Audit::log_only(),
        (Some(name), Some(sink)) => {
            Audit::with_stream(sink, name.clone(), settings.audit_stream_maxlen)
        }
        (Some(_), None) => anyhow::bail!(
            "audit_stream (WPGATE_AUDIT_STREAM) needs the Redis session store (sessions = redis)"
        ),
    };
    let previous = settings.previous_salts(version)?;
    if let Some((_, until)) = &previous {
        if *until < parts.clock.now() {
            tracing::warn!(
                until,
                "previous_salts_until is in the past: previous salts are ignored"
            );
        } else {
            tracing::info!(until, "accepting cookies and nonces made with the previous salts");
        }
    }
    Ok(AuthService::new(
        Arc::new(parts.site),
        parts.users,
        parts.sessions,
        parts.clock,
        settings.rehash_on_login,
    )
    .with_login_limiter(LoginLimiter::new(counters, LimitSettings::from_settings(settings)))
    .with_audit(audit)
    .with_previous_salts(previous)
    .with_trusted_proxies(settings.trusted_proxies.clone())
    .with_max_concurrent_hashes(settings.max_concurrent_hashes))
}

/// `max_header_bytes`, as app data for [`limit_head`].
#[derive(Debug, Clone, Copy)]
struct HeadLimit(usize);

/// 413 with a stable code, like every other 4xx (actix's own answer is plain text).
fn body_too_large<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<middleware::ErrorHandlerResponse<B>> {
    let (req, _) = res.into_parts();
    let response = actix_web::HttpResponse::PayloadTooLarge()
        .json(serde_json::json!({ "code": "body-too-large" }));
    Ok(middleware::ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// 431 for a request whose head (request line and headers) exceeds `max_header_bytes`. actix
/// itself refuses heads above its fixed buffer (about 128 KiB); this is the configured bound.
async fn limit_head(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let limit = req.app_data::<HeadLimit>().map_or(usize::MAX, |l| l.0);
    let size = req.method().as_str().len()
        + displayed_len(req.uri())
        + req.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>();
    if size > limit {
        let response = actix_web::HttpResponse::build(
            actix_web::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        )
        .json(serde_json::json!({ "code": "headers-too-large" }));
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The length of `uri` as displayed (`scheme://authority/path?query`), without building the
/// text (this runs on every request).
fn displayed_len(uri: &actix_web::http::Uri) -> usize {
    uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path().len()
        + uri.query().map_or(0, |q| q.len() + 1)
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "wpgate_request_duration_seconds".to_owned(),
                    ),
                    &[0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1.0],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (embedding app): render from our own.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            };
            spawn_metrics_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// How often histogram samples are folded into their buckets. The fold runs on the workers'
/// cores, in one stretch as long as the samples kept since the last one need (7–13 ns each,
/// measured): every 5 s at 28 000 requests/s that was 1.1–1.5 ms, which every request in
/// flight waited through, and ≈ 1.1 MB of samples held. Every second it is a fifth of both.
const METRICS_UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// The exporter keeps every histogram sample until upkeep folds it into the buckets, which
/// `install_recorder` leaves to us: without it, memory grows with every request until
/// `/metrics` is scraped (≈ 300 KiB/s at 16 000 requests/s; found by `scripts/soak`). One thread
/// per process, as the recorder.
fn spawn_metrics_upkeep(handle: PrometheusHandle) {
    let spawned =
        std::thread::Builder::new().name("wpgate-metrics-upkeep".to_owned()).spawn(move || {
            loop {
                std::thread::sleep(METRICS_UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the metrics upkeep thread; scrape /metrics often");
    }
}

/// Counts requests by route and status, and times them.
async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(req).await?;
    let status = response.status();
    let outcome = match status.as_u16() {
        200..=399 => "ok",
        401 | 403 => "denied",
        400..=499 => "client-error",
        503 => "unavailable",
        _ => "error",
    };
    metrics::counter!("wpgate_requests_total", "route" => route.clone(), "status" => status.as_u16().to_string(), "outcome" => outcome).increment(1);
    metrics::histogram!("wpgate_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    if status.as_u16() == 503 {
        metrics::counter!("wpgate_dependency_errors_total").increment(1);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_limit_counts_the_uri_as_displayed() {
        for text in [
            "/healthz",
            "/authz/forward-auth?role=editor,author",
            "/",
            "*",
            "http://example.com:8080/wp-admin/?a=1",
            "example.com:443",
        ] {
            let uri: actix_web::http::Uri = text.parse().unwrap();
            assert_eq!(displayed_len(&uri), uri.to_string().len(), "{text}");
        }
    }
}
