//! A Rust web app that trusts WordPress logins in-process, with wpgate as a library: the
//! [`WpUser`] extractor and the [`RequireWpLogin`] middleware validate the visitor's WordPress
//! cookies against the site's own database and the same session store `wpgate serve` and the
//! PHP drop-in use, by WordPress's rules (no HTTP hop to wpgate).
//!
//! ```sh
//! WPGATE_WP_CONFIG=/var/www/html/wp-config.php WPGATE_SESSIONS=redis \
//!     cargo run --example actix_app          # http://127.0.0.1:8790 ($EXAMPLE_LISTEN)
//! curl -b "wordpress_logged_in_…=…" http://127.0.0.1:8790/me
//! ```
//!
//! Settings are wpgate's own (`WPGATE_*`, wp-config.php, `WPGATE_CONFIG` TOML: see the README).
//!
//! | route | protection | answers |
//! |---|---|---|
//! | `GET /` | none: greets the user if logged in | 200 text |
//! | `GET /me` | the `WpUser` extractor | 200 JSON, or 401 `not-logged-in` |
//! | `GET /admin/report` | `RequireWpLogin` on the scope + a role check | 200, 401, or 403 `forbidden` |
//!
//! A session store or database outage is a 503 `unavailable` everywhere, also on `/`: a page
//! never treats "could not check" as "logged out" or "logged in".

use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use serde_json::json;
use wpgate::config::{Overrides, Settings};
use wpgate::error::ApiError;
use wpgate::extractor::{RequireWpLogin, WpUser};
use wpgate::service::AuthService;
use wpgate::startup::{Background, assemble};

/// The app's routes; [`main`] and the test suite (`tests/api/example.rs`) build the app from
/// this, with a `web::Data<AuthService>` in the app data.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home)).route("/me", web::get().to(me)).service(
        web::scope("/admin")
            .wrap(middleware::from_fn(RequireWpLogin::check))
            .route("/report", web::get().to(report)),
    );
}

/// Connects to the site's database and session store as `wpgate serve` does. Keep the
/// [`Background`] alive as long as the app: it listens for WordPress's user-change events.
///
/// # Errors
/// Settings that are missing or wrong, or a database that cannot be reached.
pub async fn auth_service(settings: &Settings) -> anyhow::Result<(AuthService, Background)> {
    let (parts, background) = assemble(settings).await?;
    let auth = AuthService::new(
        Arc::new(parts.site),
        parts.users,
        parts.sessions,
        parts.clock,
        settings.rehash_on_login,
    );
    Ok((auth, background))
}

/// Public, but personal when the visitor is logged in.
async fn home(user: Result<WpUser, ApiError>) -> Result<HttpResponse, ApiError> {
    match user {
        Ok(user) => Ok(HttpResponse::Ok().body(format!("Hello, {}!", user.user.display_name))),
        Err(ApiError::Unauthenticated) => Ok(HttpResponse::Ok().body("Hello, visitor!")),
        // Not "logged out": the login could not be checked.
        Err(e) => Err(e),
    }
}

/// Only for logged-in users: the handler does not run without a valid login.
async fn me(user: WpUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "id": user.user.id,
        "login": user.user.login,
        "roles": user.user.roles,
        "scheme": user.scheme.as_str(),
    }))
}

/// Behind `RequireWpLogin`: the `WpUser` the middleware validated comes for free.
async fn report(user: WpUser) -> Result<HttpResponse, ApiError> {
    if !user.user.has_role("administrator") {
        return Err(ApiError::Forbidden);
    }
    Ok(HttpResponse::Ok().body(format!("report for {}", user.user.login)))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load(None, &Overrides::default())?.settings;
    wpgate::telemetry::init(settings.log_format);
    let (auth, _background) = auth_service(&settings).await?;
    let auth = web::Data::new(auth);
    let listen = std::env::var("EXAMPLE_LISTEN").unwrap_or_else(|_| "127.0.0.1:8790".to_owned());
    tracing::info!(%listen, "actix_app example serving");
    HttpServer::new(move || App::new().app_data(auth.clone()).configure(routes))
        .bind(&listen)?
        .run()
        .await?;
    Ok(())
}
