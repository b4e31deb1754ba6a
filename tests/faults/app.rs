//! The whole service, assembled from settings as `wpgate serve` does it.

use wpgate::config::{SessionBackend, Settings};
use wpgate::startup::{self, Application, Background};

use crate::support::wp_db::WpDb;

/// The fixture user the tests log in as, and its password.
pub const LOGIN: &str = "alice";
pub const PASSWORD: &str = "alice-correct-horse";

/// A running service.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    _background: Background,
}

impl TestApp {
    /// `startup::assemble` (database, session store, invalidation listener) and
    /// `Application::build` on `127.0.0.1:0`, serving in the background.
    pub async fn spawn(db: &WpDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            sessions: SessionBackend::Memory,
            ..db.settings()
        };
        tweak(&mut settings);
        let (parts, background) = startup::assemble(&settings).await.unwrap();
        let app = Application::build(&settings, parts).unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let http = reqwest::Client::new();
        TestApp { base, http, _background: background }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through `POST /v1/login` and returns the `Cookie` header a browser would send
    /// next (every cookie set).
    pub async fn login(&self) -> String {
        let r = self
            .http
            .post(self.url("/v1/login"))
            .form(&[("log", LOGIN), ("pwd", PASSWORD)])
            .send()
            .await
            .unwrap();
        if r.status().as_u16() != 200 {
            panic!("login failed: {} {:?}", r.status(), r.text().await);
        }
        let pairs: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_owned)
            .collect();
        assert!(!pairs.is_empty(), "login set no cookie");
        pairs.join("; ")
    }

    /// Logs the session of `cookie` out (`POST /v1/logout`): the cookie stays well-formed and
    /// correctly signed, but its session is gone.
    pub async fn logout(&self, cookie: &str) {
        let r =
            self.http.post(self.url("/v1/logout")).header("cookie", cookie).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "logout failed");
    }

    /// The status of one validation (`GET /authz/auth-request`).
    pub async fn validate(&self, cookie: &str) -> u16 {
        self.http
            .get(self.url(VALIDATE))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// The endpoint the load validates against (nginx `auth_request`: 200, 401 or 503).
pub const VALIDATE: &str = "/authz/auth-request";

/// A logged-in session and a revoked one: the valid cookie, and a cookie whose session was
/// logged out (it must never be accepted again).
pub async fn valid_and_revoked(app: &TestApp) -> (String, String) {
    let revoked = app.login().await;
    app.logout(&revoked).await;
    let valid = app.login().await;
    assert_eq!(app.validate(&valid).await, 200);
    assert_eq!(app.validate(&revoked).await, 401);
    (valid, revoked)
}
