//! A browser: one cookie jar shared by every host on 127.0.0.1 (cookies ignore ports, as in a
//! real browser, so WordPress and wpgate on two ports see each other's cookies, as they would
//! behind one proxy), no automatic redirects (the tests look at them).

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode, Url, redirect};
use serde_json::Value;

/// A cookie-jar HTTP client.
#[derive(Debug, Clone)]
pub struct Browser {
    client: Client,
    jar: Arc<Jar>,
}

/// The `Cookie` header a browser would have sent to one URL at one moment, for replaying a
/// login after the browser itself was told to forget it.
#[derive(Debug, Clone)]
pub struct CookieSnapshot(pub Option<HeaderValue>);

impl Browser {
    /// A browser with an empty jar.
    ///
    /// # Errors
    /// The client cannot be built.
    pub fn new() -> Result<Browser> {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .user_agent("wpgate-compat-tests")
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Browser { client, jar })
    }

    /// The client (cookies are sent and stored).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// What the browser would send to `url` now.
    ///
    /// # Errors
    /// `url` does not parse.
    pub fn snapshot(&self, url: &str) -> Result<CookieSnapshot> {
        let url = Url::parse(url).with_context(|| format!("URL {url}"))?;
        Ok(CookieSnapshot(self.jar.cookies(&url)))
    }

    /// `GET url`.
    ///
    /// # Errors
    /// Transport failure.
    pub async fn get(&self, url: &str) -> Result<Response> {
        self.client.get(url).send().await.with_context(|| format!("GET {url}"))
    }

    /// `POST url` with a form body.
    ///
    /// # Errors
    /// Transport failure.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<Response> {
        self.client.post(url).form(form).send().await.with_context(|| format!("POST {url}"))
    }

    /// `POST url` with a JSON body.
    ///
    /// # Errors
    /// Transport failure.
    pub async fn post_json(&self, url: &str, body: &Value) -> Result<Response> {
        self.client.post(url).json(body).send().await.with_context(|| format!("POST {url}"))
    }

    /// Logs in on WordPress's own form (`wp-login.php`, with its test cookie), as a person
    /// would: 302 to wp-admin on success.
    ///
    /// # Errors
    /// WordPress refused the login (the status and any `login_error` text are in the message).
    pub async fn wp_login(&self, wp_url: &str, login: &str, password: &str) -> Result<()> {
        let form_url = format!("{wp_url}/wp-login.php");
        let page = self.get(&form_url).await?;
        if page.status() != StatusCode::OK {
            bail!("GET wp-login.php answered {}", page.status());
        }
        let response = self
            .post_form(
                &form_url,
                &[
                    ("log", login),
                    ("pwd", password),
                    ("wp-submit", "Log In"),
                    ("redirect_to", &format!("{wp_url}/wp-admin/")),
                    ("testcookie", "1"),
                ],
            )
            .await?;
        let status = response.status();
        let location = header(&response, "location");
        if status != StatusCode::FOUND || !location.contains("/wp-admin") {
            let body = response.text().await.unwrap_or_default();
            let error = body
                .split("id=\"login_error\"")
                .nth(1)
                .map(|s| s.chars().take(300).collect::<String>())
                .unwrap_or_default();
            bail!("wp-login.php answered {status} (Location {location:?}) {error}");
        }
        Ok(())
    }

    /// Logs in on wpgate (`POST /v1/login`, a form as wp-login.php's).
    ///
    /// # Errors
    /// wpgate refused (status and body in the message).
    pub async fn gate_login(&self, gate_url: &str, login: &str, password: &str) -> Result<Value> {
        let response = self
            .post_form(&format!("{gate_url}/v1/login"), &[("log", login), ("pwd", password)])
            .await?;
        expect_json(response, StatusCode::OK).await
    }
}

/// A plain client that sends exactly the given `Cookie` header (no jar, no redirects).
///
/// # Errors
/// The client cannot be built.
pub fn replay_client(cookies: &CookieSnapshot) -> Result<Client> {
    let mut headers = HeaderMap::new();
    if let Some(value) = &cookies.0 {
        headers.insert(COOKIE, value.clone());
    }
    Ok(Client::builder()
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()?)
}

/// A response header as text ("" when absent).
pub fn header(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Every `Set-Cookie` of a response.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// The JSON body of a response that must have `status`.
///
/// # Errors
/// Another status, or no JSON.
pub async fn expect_json(response: Response, status: StatusCode) -> Result<Value> {
    let got = response.status();
    let url = response.url().to_string();
    let body = response.text().await.unwrap_or_default();
    if got != status {
        bail!(
            "{url} answered {got}, expected {status}: {}",
            body.chars().take(300).collect::<String>()
        );
    }
    serde_json::from_str(&body).with_context(|| format!("{url}: not JSON: {body:.300}"))
}
