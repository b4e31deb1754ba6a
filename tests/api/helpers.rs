//! `spawn_app()` and what the tests compute on their own: WordPress's cookie values, the
//! `Set-Cookie` lines PHP sends, nonces and Redis keys, from the fixture's salts and a fixed
//! clock, without calling wpgate's implementation of them.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use wpgate::config::{SessionBackend, Settings};
use wpgate::service::Clock;
use wpgate::startup::{Application, Background, assemble};

use crate::support::wp_db::{SALT_OPTIONS, WpDb, WpDbOptions};

/// The site's `siteurl` option: WordPress in a subdirectory, so that `COOKIEPATH` (`/`) and
/// `SITECOOKIEPATH` (`/wordpress/`) differ and a login sends four cookies. The `home` option
/// stays the fixture's `http://wp.test`: http, so the logged_in cookie is never `secure`.
pub const SITEURL: &str = "http://wp.test/wordpress";
/// `ADMIN_COOKIE_PATH`.
pub const ADMIN_PATH: &str = "/wordpress/wp-admin";
/// `PLUGINS_COOKIE_PATH`.
pub const PLUGINS_PATH: &str = "/wordpress/wp-content/plugins";
/// `COOKIEPATH`.
pub const COOKIEPATH: &str = "/";
/// `SITECOOKIEPATH`.
pub const SITECOOKIEPATH: &str = "/wordpress/";

/// Two days: a login without "remember me".
pub const SESSION_LENGTH: i64 = 2 * 86_400;
/// Fourteen days: with "remember me".
pub const REMEMBER_LENGTH: i64 = 14 * 86_400;

/// How the app under test is put together.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The session store.
    pub sessions: SessionBackend,
    /// The Redis the store (and the invalidation listener) use.
    pub redis_url: String,
    /// `user_cache_ttl` in seconds.
    pub user_cache_ttl: u64,
    /// A multisite users table (`spam`, `deleted`).
    pub multisite: bool,
    /// `COOKIE_DOMAIN`.
    pub cookie_domain: Option<String>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            sessions: SessionBackend::Redis,
            redis_url: "redis://127.0.0.1:6379".to_owned(),
            user_cache_ttl: 5,
            multisite: false,
            cookie_domain: None,
        }
    }
}

/// The service, running on a random port against its own database and Redis prefix.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client that neither follows redirects nor keeps cookies.
    pub client: reqwest::Client,
    /// The site's database.
    pub db: WpDb,
    /// The Redis key prefix `P` of this app.
    pub prefix: String,
    /// The app's (fixed) clock.
    pub now: i64,
    _background: Background,
}

/// Starts the app with the default options.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

/// Starts the app as `options` say.
pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let (db, settings) = test_site(&options).await;
    // A fixed clock at the real time: the expected cookies can be computed exactly, and Redis
    // (which expires keys by its own clock) keeps the sessions.
    let now = unix_now();
    let (mut parts, background) = assemble(&settings).await.unwrap();
    parts.clock = Clock::Fixed(now);
    let app = Application::build(&settings, parts).unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client,
        prefix: settings.redis_prefix.clone(),
        db,
        now,
        _background: background,
    }
}

/// A fresh WordPress database (siteurl [`SITEURL`], home [`HOME`]) and the settings of a
/// service for it, listening on a random port, with a fresh Redis prefix.
pub async fn test_site(options: &AppOptions) -> (WpDb, Settings) {
    init_logs();
    let db =
        WpDb::create_with(WpDbOptions { multisite: options.multisite, ..Default::default() }).await;
    if !options.multisite {
        db.execute(&format!(
            "UPDATE `{{prefix}}options` SET option_value = '{SITEURL}' \
             WHERE option_name = 'siteurl'"
        ))
        .await;
    }
    let mut settings = db.settings();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.sessions = options.sessions;
    settings.redis_url = Some(SecretString::from(options.redis_url.clone()));
    settings.redis_prefix = unique_prefix();
    settings.user_cache_ttl = options.user_cache_ttl;
    settings.cookie_domain = options.cookie_domain.clone();
    if options.multisite {
        // wpgate reads no network id from the settings, so it cannot fall back to the
        // network's sitemeta salts: give them as wp-config.php constants, as sites usually do.
        for (key, option) in [
            (&mut settings.auth_key, "auth_key"),
            (&mut settings.auth_salt, "auth_salt"),
            (&mut settings.secure_auth_key, "secure_auth_key"),
            (&mut settings.secure_auth_salt, "secure_auth_salt"),
            (&mut settings.logged_in_key, "logged_in_key"),
            (&mut settings.logged_in_salt, "logged_in_salt"),
            (&mut settings.nonce_key, "nonce_key"),
            (&mut settings.nonce_salt, "nonce_salt"),
        ] {
            *key = Some(SecretString::from(salt_option(option)));
        }
    }
    (db, settings)
}

/// A fresh Redis key prefix (the server is shared with other suites and helpers).
pub fn unique_prefix() -> String {
    format!("wpgate-test:api-tests:{:016x}:", rand::random::<u64>())
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A request's extra headers.
pub type Headers<'a> = &'a [(&'a str, &'a str)];

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /v1/login` as wp-login.php's form.
    pub async fn login_form(
        &self,
        log: &str,
        pwd: &str,
        remember: bool,
        headers: Headers<'_>,
    ) -> reqwest::Response {
        let mut form = vec![("log", log), ("pwd", pwd), ("wp-submit", "Log In")];
        if remember {
            form.push(("rememberme", "forever"));
        }
        let mut request = self.client.post(self.url("/v1/login")).form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// `POST /v1/login` with a JSON body.
    pub async fn login_json(
        &self,
        log: &str,
        pwd: &str,
        remember: bool,
        headers: Headers<'_>,
    ) -> reqwest::Response {
        let body = serde_json::json!({ "log": log, "pwd": pwd, "rememberme": remember });
        let mut request = self.client.post(self.url("/v1/login")).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// Logs in (http, session cookies) and returns the `Cookie` header a browser would send.
    pub async fn logged_in(&self, log: &str, pwd: &str) -> String {
        let response = self.login_form(log, pwd, false, &[]).await;
        assert_eq!(response.status().as_u16(), 200, "login of {log:?}");
        cookie_header(&set_cookies(response.headers()))
    }

    /// `GET path` with a `Cookie` header (when given) and extra headers.
    pub async fn get(&self, path: &str, cookie: Option<&str>, headers: Headers<'_>) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    /// `POST path` with a JSON body and a `Cookie` header (when given).
    pub async fn post_json(&self, path: &str, cookie: Option<&str>, body: Json) -> Reply {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    /// `GET /v1/session`.
    pub async fn session(&self, cookie: &str) -> Reply {
        self.get("/v1/session", Some(cookie), &[]).await
    }

    /// `P` + `events`.
    pub fn events_channel(&self) -> String {
        format!("{}events", self.prefix)
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body))
        })
    }

    /// The `code` of an error body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        set_cookies(&self.headers)
    }
}

/// The `Set-Cookie` lines, in order.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The `Cookie` header a browser sends back for these `Set-Cookie` lines (one per name).
pub fn cookie_header(set_cookies: &[String]) -> String {
    let mut pairs: Vec<&str> = Vec::new();
    for line in set_cookies {
        let pair = line.split(';').next().unwrap();
        let name = pair.split('=').next().unwrap();
        if !pairs.iter().any(|p| p.split('=').next() == Some(name)) {
            pairs.push(pair);
        }
    }
    pairs.join("; ")
}

/// The value (as sent, still percent-encoded) of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split("; ").find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

// ---------------------------------------------------------------------------------------------
// WordPress, computed independently (docs: /work/shared/spec/wordpress-auth.md §1–§7)
// ---------------------------------------------------------------------------------------------

/// `COOKIEHASH`: `md5(siteurl)`.
pub fn cookie_hash() -> String {
    hex::encode(Md5::digest(SITEURL.as_bytes()))
}

/// `AUTH_COOKIE`.
pub fn auth_name() -> String {
    format!("wordpress_{}", cookie_hash())
}

/// `SECURE_AUTH_COOKIE`.
pub fn secure_auth_name() -> String {
    format!("wordpress_sec_{}", cookie_hash())
}

/// `LOGGED_IN_COOKIE`.
pub fn logged_in_name() -> String {
    format!("wordpress_logged_in_{}", cookie_hash())
}

/// A fixture salt option.
pub fn salt_option(name: &str) -> &'static str {
    SALT_OPTIONS.iter().find(|(n, _)| *n == name).unwrap().1
}

/// `wp_salt($scheme)` of a site without constants: options `<scheme>_key` ‖ `<scheme>_salt`.
pub fn wp_salt(scheme: &str) -> String {
    format!("{}{}", salt_option(&format!("{scheme}_key")), salt_option(&format!("{scheme}_salt")))
}

/// `hash_hmac('md5', $data, $key)`.
pub fn hmac_md5(key: &[u8], data: &[u8]) -> String {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// `hash_hmac('sha256', $data, $key)`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// WordPress 6.8+'s `$pass_frag`: characters 8–11 of a `$P$` / `$2y$` hash, else the last 4.
pub fn pass_frag(pass: &[u8]) -> &[u8] {
    if pass.starts_with(b"$P$") || pass.starts_with(b"$2y$") {
        &pass[8..12]
    } else {
        &pass[pass.len() - 4..]
    }
}

/// `wp_generate_auth_cookie()`: `login|expiration|token|hmac`.
pub fn auth_cookie(login: &str, pass: &[u8], expiration: i64, token: &str, scheme: &str) -> String {
    let mut data = Vec::new();
    data.extend_from_slice(login.as_bytes());
    data.push(b'|');
    data.extend_from_slice(pass_frag(pass));
    data.extend_from_slice(format!("|{expiration}|{token}").as_bytes());
    let key = hmac_md5(wp_salt(scheme).as_bytes(), &data);
    let hmac = hmac_sha256(key.as_bytes(), format!("{login}|{expiration}|{token}").as_bytes());
    format!("{login}|{expiration}|{token}|{hmac}")
}

/// `wp_create_nonce($action)` for user `uid` with session token `token`, at `now`
/// (`nonce_life` one day), `tick_offset` ticks ago.
pub fn nonce(uid: u64, token: &str, action: &str, now: i64, tick_offset: i64) -> String {
    let tick = (now + 43_199) / 43_200 - tick_offset;
    let hash =
        hmac_md5(wp_salt("nonce").as_bytes(), format!("{tick}|{action}|{uid}|{token}").as_bytes());
    hash[20..30].to_owned()
}

/// The session verifier: `hash('sha256', $token)`.
pub fn verifier(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// PHP's `rawurlencode()`, which `setcookie()` applies to values.
pub fn rawurlencode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTTP date as PHP's `setcookie()` writes it: `Sat, 01 Mar 2025 16:23:07 GMT`.
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// What `wp_set_auth_cookie()` sends (PHP 8 header shapes), for a login at `now`.
pub fn expected_login_cookies(
    login: &str,
    pass: &[u8],
    token: &str,
    now: i64,
    remember: bool,
    https: bool,
) -> Vec<String> {
    let expiration = now + if remember { REMEMBER_LENGTH } else { SESSION_LENGTH };
    let expiry = if remember {
        let expire = expiration + 43_200;
        format!("; expires={}; Max-Age={}", http_date(expire), expire - now)
    } else {
        String::new()
    };
    let (name, scheme, secure) = if https {
        (secure_auth_name(), "secure_auth", "; secure")
    } else {
        (auth_name(), "auth", "")
    };
    let auth = rawurlencode(auth_cookie(login, pass, expiration, token, scheme).as_bytes());
    let logged_in =
        rawurlencode(auth_cookie(login, pass, expiration, token, "logged_in").as_bytes());
    // The home URL is http: the logged_in cookie is never secure here.
    let li = logged_in_name();
    vec![
        format!("{name}={auth}{expiry}; path={PLUGINS_PATH}{secure}; HttpOnly"),
        format!("{name}={auth}{expiry}; path={ADMIN_PATH}{secure}; HttpOnly"),
        format!("{li}={logged_in}{expiry}; path={COOKIEPATH}; HttpOnly"),
        format!("{li}={logged_in}{expiry}; path={SITECOOKIEPATH}; HttpOnly"),
    ]
}

/// What `wp_clear_auth_cookie()` sends for user `uid` at `now`.
pub fn expected_clear_cookies(uid: u64, now: i64) -> Vec<String> {
    let hash = cookie_hash();
    let (auth, secure, logged_in) = (auth_name(), secure_auth_name(), logged_in_name());
    let (user, pass) = (format!("wordpressuser_{hash}"), format!("wordpresspass_{hash}"));
    let order: Vec<(String, &str)> = vec![
        (auth.clone(), ADMIN_PATH),
        (secure.clone(), ADMIN_PATH),
        (auth.clone(), PLUGINS_PATH),
        (secure.clone(), PLUGINS_PATH),
        (logged_in.clone(), COOKIEPATH),
        (logged_in, SITECOOKIEPATH),
        (format!("wp-settings-{uid}"), SITECOOKIEPATH),
        (format!("wp-settings-time-{uid}"), SITECOOKIEPATH),
        (auth.clone(), COOKIEPATH),
        (auth, SITECOOKIEPATH),
        (secure.clone(), COOKIEPATH),
        (secure, SITECOOKIEPATH),
        (user.clone(), COOKIEPATH),
        (pass.clone(), COOKIEPATH),
        (user, SITECOOKIEPATH),
        (pass, SITECOOKIEPATH),
        (format!("wp-postpass_{hash}"), COOKIEPATH),
    ];
    let expires = http_date(now - 31_536_000);
    order
        .into_iter()
        .map(|(name, path)| format!("{name}=%20; expires={expires}; Max-Age=0; path={path}"))
        .collect()
}

/// The four fields of an auth cookie value sent percent-encoded.
pub fn cookie_fields(encoded: &str) -> Vec<String> {
    let decoded = percent_decode(encoded);
    decoded.split('|').map(str::to_owned).collect()
}

/// `%XX` decoding (as PHP reads cookies: `+` stays).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

pub async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis at 127.0.0.1:6379 (scripts/start-redis.sh starts it)")
}

pub async fn shared_redis() -> redis::aio::MultiplexedConnection {
    redis_conn("redis://127.0.0.1:6379").await
}

/// Waits until the app's invalidation listener is subscribed (it subscribes in the
/// background after start-up).
pub async fn wait_for_listener(app: &TestApp) {
    let mut conn = shared_redis().await;
    let started = Instant::now();
    loop {
        let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(app.events_channel())
            .query_async(&mut conn)
            .await
            .unwrap();
        if counts.first().is_some_and(|(_, n)| *n > 0) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the event listener never subscribed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Deletes every key under `prefix` on the shared Redis.
pub async fn cleanup_redis(prefix: &str) {
    let mut conn = shared_redis().await;
    let keys: Vec<Vec<u8>> =
        redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(keys).query_async(&mut conn).await.unwrap();
    }
}

/// A `redis-server` of our own on a free loopback port, killed (by its process id) when
/// dropped.
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = Some(PrivateRedis::spawn(port, dir.path()));
        PrivateRedis { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.child = Some(PrivateRedis::spawn(self.port, self.dir.path()));
    }

    fn spawn(port: u16, dir: &Path) -> Child {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed (scripts/start-redis.sh installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Installs (once per process) a subscriber that records every event of every level into a
/// buffer, and also prints them when `TEST_LOG` is set.
pub fn init_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let echo = std::env::var_os("TEST_LOG").is_some();
        // Everything the service and its libraries log; the test client's own HTTP stack
        // (hyper, reqwest) is not the service and sends the cookies by design.
        let filter =
            tracing_subscriber::EnvFilter::new("trace,hyper=off,hyper_util=off,reqwest=off,h2=off");
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || LogWriter { sink: sink.clone(), echo })
            .try_init();
        buffer
    });
}

/// Everything logged so far by every test in this process.
pub fn captured_logs() -> String {
    let buffer = LOGS.get().expect("init_logs() first");
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

struct LogWriter {
    sink: Arc<Mutex<Vec<u8>>>,
    echo: bool,
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sink.lock().unwrap().extend_from_slice(buf);
        if self.echo {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn http_dates_match_php() {
    // From the cookie_headers.json vectors (PHP 8.2).
    assert_eq!(http_date(1_772_382_187 - 31_536_000), "Sat, 01 Mar 2025 16:23:07 GMT");
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(rawurlencode("José Núñez|1~".as_bytes()), "Jos%C3%A9%20N%C3%BA%C3%B1ez%7C1~");
}
