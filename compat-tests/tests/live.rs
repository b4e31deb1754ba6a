//! Live compatibility: wpgate next to a real PHP WordPress (`WP_DIR`, default Debian's
//! /usr/share/wordpress), in both session modes — the drop-in + Redis (`--sessions redis`) and
//! stock WordPress (`--sessions usermeta`) — and both directions: logins, logouts, "log out
//! everywhere else", password changes, `wp_rest` nonces and `wp-settings` cookies made on one
//! side must be honoured by the other; nginx runs deploy/nginx/wpgate.conf in front of a sample
//! upstream.
//!
//! One WordPress install per mode, shared by every check. Each check prints PASS, KNOWN (listed
//! in compat-tests/live-divergences.toml, with its reason) or FAIL; a listed check that passes
//! is a FAIL ("stopped diverging"). Run: `cargo test -p wpgate-compat-tests --test live`
//! (needs Redis, MariaDB, PHP with mysqli and phpredis, nginx: `scripts/test` installs them).

// `serde_json::Value` indexing answers `Null` for a missing key or a non-object: it cannot
// panic, and it keeps the assertions on JSON answers readable.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wpgate_compat_tests::browser::{
    Browser, CookieSnapshot, expect_json, header, replay_client, set_cookies,
};
use wpgate_compat_tests::divergences::Divergences;
use wpgate_compat_tests::gate::Gate;
use wpgate_compat_tests::nginx::{EchoUpstream, Nginx};
use wpgate_compat_tests::site::{Mode, Site, TestUser};
use wpgate_compat_tests::{random_hex, repo_root};
use wpgate_core::WpVersion;

fn main() -> ExitCode {
    // libtest flags (`--list`, filters) are not for this harness: a listing is empty.
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("FAIL cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            println!("FAIL live compat tests could not run: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Outcomes, reconciled with the divergence list as they come.
struct Report {
    divergences: Divergences,
    passed: usize,
    known: usize,
    failed: Vec<String>,
}

impl Report {
    fn record(&mut self, env: &Env, check: &str, outcome: Result<()>) {
        let mode = env.site.mode.as_str();
        let name = format!("{mode}/{check}");
        let listed = self.divergences.find(check, mode, env.version);
        match (outcome, listed) {
            (Ok(()), None) => {
                self.passed += 1;
                println!("PASS {name}");
            }
            (Err(e), Some(d)) => {
                self.known += 1;
                println!("KNOWN {name}: {e:#}\n      reason: {}", d.reason.trim());
            }
            (Ok(()), Some(_)) => {
                println!(
                    "FAIL {name}: listed in compat-tests/live-divergences.toml but no longer \
                     diverges; remove the entry"
                );
                self.failed.push(name);
            }
            (Err(e), None) => {
                println!("FAIL {name}: {e:#}");
                let errors = env.site.php_errors();
                if !errors.is_empty() {
                    println!("      PHP error log (last lines):\n{errors}");
                }
                self.failed.push(name);
            }
        }
    }
}

/// One mode's WordPress, wpgate and users.
struct Env {
    site: Site,
    gate: Gate,
    version: WpVersion,
    users: BTreeMap<String, TestUser>,
    admin: (String, String),
}

impl Env {
    fn user(&self, login: &str) -> Result<&TestUser> {
        self.users.get(login).with_context(|| format!("no test user {login}"))
    }
}

/// The users every mode gets; the last `_word` picks the password hash format.
const HASH_USERS: [&str; 4] = ["login_wp", "login_phpass", "login_bcrypt", "login_md5"];
const OTHER_USERS: [&str; 8] = [
    "logout1_wp",
    "logout2_wp",
    "others1_wp",
    "others2_wp",
    "password_wp",
    "nonce_wp",
    "settings_wp",
    "proxy_wp",
];

async fn run() -> Result<bool> {
    let divergences = Divergences::load(&repo_root().join("compat-tests/live-divergences.toml"))?;
    let mut report = Report { divergences, passed: 0, known: 0, failed: Vec::new() };
    let run_id = format!("{}_{}", std::process::id(), random_hex(2));
    for mode in [Mode::Redis, Mode::Usermeta] {
        let started = Instant::now();
        let env = setup(mode, &run_id).await.with_context(|| format!("{} mode", mode.as_str()))?;
        println!(
            "---- {} mode: WordPress {} at {}, wpgate at {} (ready in {:.1}s)",
            mode.as_str(),
            env.site.version,
            env.site.url,
            env.gate.url,
            started.elapsed().as_secs_f64()
        );
        run_checks(&env, &mut report).await;
        println!("---- {} mode done in {:.1}s", mode.as_str(), started.elapsed().as_secs_f64());
    }
    println!("{} known divergences (compat-tests/live-divergences.toml)", report.known);
    for name in &report.failed {
        println!("failed: {name}");
    }
    println!("live: {} passed, {} failed", report.passed, report.failed.len());
    Ok(report.failed.is_empty())
}

async fn setup(mode: Mode, run_id: &str) -> Result<Env> {
    let name = format!("wpgate_live_{}_{run_id}", mode.as_str());
    let prefix = format!("wpgate-live-{run_id}:");
    let redis = match mode {
        Mode::Redis => Some(("redis://127.0.0.1:6379/0".to_owned(), prefix)),
        Mode::Usermeta => None,
    };
    let site = tokio::task::spawn_blocking(move || {
        Site::start(&name, mode, redis.as_ref().map(|(u, p)| (u.as_str(), p.as_str())))
    })
    .await??;
    let passwords: Vec<(String, String)> = HASH_USERS
        .iter()
        .chain(OTHER_USERS.iter())
        .map(|login| ((*login).to_owned(), format!("pw-{}-{}", random_hex(6), login)))
        .collect();
    let pairs: Vec<(&str, &str)> =
        passwords.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
    let users = site.create_users(&pairs)?;
    let users = users.into_iter().map(|u| (u.login.clone(), u)).collect();
    let version: WpVersion = site
        .version
        .parse()
        .map_err(|_| anyhow::anyhow!("WordPress version {:?} does not parse", site.version))?;
    let gate = Gate::start(&site).await?;
    let admin = site.admin();
    Ok(Env { site, gate, version, users, admin })
}

async fn run_checks(env: &Env, report: &mut Report) {
    for login in HASH_USERS {
        let format = login.trim_start_matches("login_");
        let r = hash_format_is_as_made(env, login);
        report.record(env, &format!("hash-format/{format}"), r);
        let r = wpgate_login_works_in_wordpress(env, login).await;
        report.record(env, &format!("wpgate-login-accepted-by-wordpress/{format}"), r);
        let r = wordpress_login_works_in_wpgate(env, login).await;
        report.record(env, &format!("wordpress-login-accepted-by-wpgate/{format}"), r);
    }
    let r = wordpress_logout_ends_wpgate_session(env).await;
    report.record(env, "wordpress-logout-rejected-by-wpgate", r);
    let r = wpgate_logout_ends_wordpress_session(env).await;
    report.record(env, "wpgate-logout-rejected-by-wordpress", r);
    let r = wordpress_destroy_others(env).await;
    report.record(env, "wordpress-destroy-others", r);
    let r = wpgate_destroy_others(env).await;
    report.record(env, "wpgate-destroy-others", r);
    let (at_once, after_ttl) = wordpress_password_change(env).await;
    report.record(env, "wordpress-password-change-rejected-at-once", at_once);
    report.record(env, "wordpress-password-change-rejected-after-cache-ttl", after_ttl);
    let (to_gate, to_wp) = nonces(env).await;
    report.record(env, "nonce-wordpress-to-wpgate", to_gate);
    report.record(env, "nonce-wpgate-to-wordpress", to_wp);
    let (to_gate, to_wp) = user_settings(env).await;
    report.record(env, "user-settings-wordpress-to-wpgate", to_gate);
    report.record(env, "user-settings-wpgate-to-wordpress", to_wp);
    let r = nginx_auth_request(env).await;
    report.record(env, "nginx-auth-request", r);
}

// ---- what each side says about a set of cookies ------------------------------------------------

/// The cookies a browser holds now, as WordPress's admin and front end (and wpgate) get them.
struct Login {
    admin: CookieSnapshot,
    front: CookieSnapshot,
}

fn snapshot(env: &Env, browser: &Browser) -> Result<Login> {
    Ok(Login {
        admin: browser.snapshot(&env.site.at("/wp-admin/profile.php"))?,
        front: browser.snapshot(&env.gate.at("/v1/session"))?,
    })
}

/// wpgate's `/v1/session`, `/authz/forward-auth` and `/authz/auth-request` all accept the
/// front-end cookies as `login`.
async fn wpgate_accepts(env: &Env, cookies: &Login, login: &str) -> Result<()> {
    let client = replay_client(&cookies.front)?;
    let session = expect_json(client.get(env.gate.at("/v1/session")).send().await?, StatusCode::OK)
        .await
        .context("wpgate /v1/session")?;
    ensure!(session["user"]["login"] == login, "wpgate /v1/session says {session}");
    for path in ["/authz/forward-auth", "/authz/auth-request"] {
        let r = client.get(env.gate.at(path)).send().await?;
        ensure!(r.status() == StatusCode::OK, "wpgate {path} answered {}", r.status());
        ensure!(
            header(&r, "remote-user") == login,
            "wpgate {path}: Remote-User {:?}",
            header(&r, "remote-user")
        );
    }
    Ok(())
}

/// wpgate rejects the cookies: 401 from `/v1/session`, a 302 to wp-login.php from forward-auth.
async fn wpgate_rejects(env: &Env, cookies: &Login) -> Result<()> {
    let client = replay_client(&cookies.front)?;
    let r = client.get(env.gate.at("/v1/session")).send().await?;
    ensure!(r.status() == StatusCode::UNAUTHORIZED, "wpgate /v1/session answered {}", r.status());
    let r = client.get(env.gate.at("/authz/forward-auth")).send().await?;
    ensure!(
        r.status() == StatusCode::FOUND && header(&r, "location").contains("/wp-login.php"),
        "wpgate /authz/forward-auth answered {} (Location {:?})",
        r.status(),
        header(&r, "location")
    );
    Ok(())
}

/// WordPress accepts the cookies: wp-admin/profile.php answers 200 (not a redirect to the login
/// form) and `is_user_logged_in()` is true for `login` on the front end.
async fn wp_accepts(env: &Env, cookies: &Login, login: &str) -> Result<()> {
    let r = replay_client(&cookies.admin)?.get(env.site.at("/wp-admin/profile.php")).send().await?;
    ensure!(
        r.status() == StatusCode::OK,
        "WordPress wp-admin/profile.php answered {} (Location {:?})",
        r.status(),
        header(&r, "location")
    );
    let who = whoami(env, &cookies.front).await?;
    ensure!(
        who["logged_in"] == true && who["login"] == login,
        "WordPress is_user_logged_in(): {who}"
    );
    Ok(())
}

/// WordPress rejects the cookies: profile.php redirects to wp-login.php, nobody is logged in.
async fn wp_rejects(env: &Env, cookies: &Login) -> Result<()> {
    let r = replay_client(&cookies.admin)?.get(env.site.at("/wp-admin/profile.php")).send().await?;
    ensure!(
        r.status() == StatusCode::FOUND && header(&r, "location").contains("wp-login.php"),
        "WordPress wp-admin/profile.php answered {} (Location {:?})",
        r.status(),
        header(&r, "location")
    );
    let who = whoami(env, &cookies.front).await?;
    ensure!(who["logged_in"] == false, "WordPress is_user_logged_in(): {who}");
    Ok(())
}

async fn whoami(env: &Env, cookies: &CookieSnapshot) -> Result<Value> {
    let r = replay_client(cookies)?.get(env.site.at("/wpgate-compat.php?op=whoami")).send().await?;
    expect_json(r, StatusCode::OK).await.context("wpgate-compat.php?op=whoami")
}

/// A value of `<input … name="NAME" value="…">` or of `NAME=…` in a link, from a page.
fn scrape(page: &str, before: &str, end: char) -> Result<String> {
    let start = page.find(before).with_context(|| format!("{before:?} not on the page"))?;
    let rest = page.get(start + before.len()..).unwrap_or("");
    Ok(rest.split(end).next().unwrap_or("").to_owned())
}

async fn profile_page(env: &Env, browser: &Browser) -> Result<String> {
    let r = browser.get(&env.site.at("/wp-admin/profile.php")).await?;
    ensure!(r.status() == StatusCode::OK, "wp-admin/profile.php answered {}", r.status());
    Ok(r.text().await?)
}

// ---- the checks -------------------------------------------------------------------------------

fn hash_format_is_as_made(env: &Env, login: &str) -> Result<()> {
    let user = env.user(login)?;
    let expected = match user.format.as_str() {
        "phpass" => "$P$",
        "bcrypt" => "$2y$",
        "md5" => "md5",
        _ if env.version.at_least(WpVersion::V6_8) => "$wp$",
        _ => "$P$",
    };
    ensure!(
        user.hash_prefix == expected,
        "{login}: user_pass starts {:?}, expected {expected:?}",
        user.hash_prefix
    );
    Ok(())
}

async fn wpgate_login_works_in_wordpress(env: &Env, login: &str) -> Result<()> {
    let user = env.user(login)?;
    let browser = Browser::new()?;
    let body = browser.gate_login(&env.gate.url, login, &user.password).await?;
    ensure!(body["user"]["id"] == user.id, "wpgate /v1/login: {body}");
    let cookies = snapshot(env, &browser)?;
    wp_accepts(env, &cookies, login).await?;
    wpgate_accepts(env, &cookies, login).await
}

async fn wordpress_login_works_in_wpgate(env: &Env, login: &str) -> Result<()> {
    let user = env.user(login)?;
    let browser = Browser::new()?;
    browser.wp_login(&env.site.url, login, &user.password).await?;
    let cookies = snapshot(env, &browser)?;
    wpgate_accepts(env, &cookies, login).await?;
    wp_accepts(env, &cookies, login).await
}

async fn wordpress_logout_ends_wpgate_session(env: &Env) -> Result<()> {
    let user = env.user("logout1_wp")?;
    let browser = Browser::new()?;
    browser.wp_login(&env.site.url, &user.login, &user.password).await?;
    let cookies = snapshot(env, &browser)?;
    wpgate_accepts(env, &cookies, &user.login).await?;
    // The admin bar's "Log Out" link, nonce included, as a person would click it.
    let page = profile_page(env, &browser).await?;
    let nonce = scrape(&page, "action=logout&#038;_wpnonce=", '\'')?;
    let r =
        browser.get(&env.site.at(&format!("/wp-login.php?action=logout&_wpnonce={nonce}"))).await?;
    ensure!(r.status() == StatusCode::FOUND, "WordPress logout answered {}", r.status());
    wpgate_rejects(env, &cookies).await.context("after logging out in WordPress")?;
    wp_rejects(env, &cookies).await
}

async fn wpgate_logout_ends_wordpress_session(env: &Env) -> Result<()> {
    let user = env.user("logout2_wp")?;
    let browser = Browser::new()?;
    browser.gate_login(&env.gate.url, &user.login, &user.password).await?;
    let cookies = snapshot(env, &browser)?;
    wp_accepts(env, &cookies, &user.login).await?;
    let r = browser.client().post(env.gate.at("/v1/logout")).send().await?;
    expect_json(r, StatusCode::OK).await.context("wpgate /v1/logout")?;
    wp_rejects(env, &cookies).await.context("after logging out in wpgate")?;
    wpgate_rejects(env, &cookies).await
}

/// Three browsers of one user; the first logs out "everywhere else".
async fn three_sessions(
    env: &Env,
    login: &str,
    on_gate: [bool; 3],
) -> Result<Vec<(Browser, Login)>> {
    let user = env.user(login)?;
    let mut out = Vec::new();
    for gate in on_gate {
        let browser = Browser::new()?;
        if gate {
            browser.gate_login(&env.gate.url, login, &user.password).await?;
        } else {
            browser.wp_login(&env.site.url, login, &user.password).await?;
        }
        let cookies = snapshot(env, &browser)?;
        out.push((browser, cookies));
    }
    Ok(out)
}

async fn only_first_survives(env: &Env, login: &str, sessions: &[(Browser, Login)]) -> Result<()> {
    let [(_, kept), others @ ..] = sessions else { bail!("no sessions") };
    wpgate_accepts(env, kept, login).await.context("the session that stayed, in wpgate")?;
    wp_accepts(env, kept, login).await.context("the session that stayed, in WordPress")?;
    for (i, (_, cookies)) in others.iter().enumerate() {
        wpgate_rejects(env, cookies)
            .await
            .with_context(|| format!("other session {}, in wpgate", i + 1))?;
        wp_rejects(env, cookies)
            .await
            .with_context(|| format!("other session {}, in WordPress", i + 1))?;
    }
    Ok(())
}

async fn wordpress_destroy_others(env: &Env) -> Result<()> {
    let login = "others1_wp";
    let user = env.user(login)?;
    let sessions = three_sessions(env, login, [false, true, false]).await?;
    let (browser, _) = sessions.first().context("sessions")?;
    // What the profile screen's "Log Out Everywhere Else" button posts.
    let page = profile_page(env, browser).await?;
    let nonce = scrape(&page, "name=\"_wpnonce\" value=\"", '"')?;
    let id = user.id.to_string();
    let r = browser
        .post_form(
            &env.site.at("/wp-admin/admin-ajax.php"),
            &[("action", "destroy-sessions"), ("nonce", &nonce), ("user_id", &id)],
        )
        .await?;
    let body = expect_json(r, StatusCode::OK).await?;
    ensure!(body["success"] == true, "admin-ajax destroy-sessions: {body}");
    only_first_survives(env, login, &sessions).await
}

async fn wpgate_destroy_others(env: &Env) -> Result<()> {
    let login = "others2_wp";
    let sessions = three_sessions(env, login, [true, false, true]).await?;
    let (browser, _) = sessions.first().context("sessions")?;
    let r = browser.client().post(env.gate.at("/v1/sessions/destroy-others")).send().await?;
    ensure!(r.status().is_success(), "wpgate /v1/sessions/destroy-others answered {}", r.status());
    only_first_survives(env, login, &sessions).await
}

/// The user changes their password on WordPress's profile screen. Returns (old cookies
/// rejected by wpgate at once, everything as expected once wpgate's user cache has expired).
async fn wordpress_password_change(env: &Env) -> (Result<()>, Result<()>) {
    let changed = async {
        let user = env.user("password_wp")?;
        let on_wp = Browser::new()?;
        on_wp.wp_login(&env.site.url, &user.login, &user.password).await?;
        let on_gate = Browser::new()?;
        on_gate.gate_login(&env.gate.url, &user.login, &user.password).await?;
        let old = [snapshot(env, &on_wp)?, snapshot(env, &on_gate)?];
        for cookies in &old {
            wpgate_accepts(env, cookies, &user.login).await?;
        }
        let page = profile_page(env, &on_wp).await?;
        let nonce = scrape(&page, "name=\"_wpnonce\" value=\"", '"')?;
        let new_password = format!("new-{}", random_hex(8));
        let id = user.id.to_string();
        let email = format!("{}@example.com", user.login);
        let r = on_wp
            .post_form(
                &env.site.at("/wp-admin/profile.php"),
                &[
                    ("_wpnonce", &nonce),
                    ("_wp_http_referer", "/wp-admin/profile.php"),
                    ("from", "profile"),
                    ("checkuser_id", &id),
                    ("user_id", &id),
                    ("action", "update"),
                    ("email", &email),
                    ("nickname", &user.login),
                    ("display_name", &user.login),
                    ("pass1", &new_password),
                    ("pass2", &new_password),
                    ("pw_weak", "on"),
                ],
            )
            .await?;
        ensure!(
            r.status() == StatusCode::FOUND && header(&r, "location").contains("updated=1"),
            "profile.php password change answered {} (Location {:?})",
            r.status(),
            header(&r, "location")
        );
        let changed_at = Instant::now();
        Ok::<_, anyhow::Error>((user, on_wp, old, new_password, changed_at))
    }
    .await;
    let (user, on_wp, old, new_password, changed_at) = match changed {
        Ok(v) => v,
        Err(e) => return (Err(e), Err(anyhow::anyhow!("the password change itself failed"))),
    };
    let mut at_once = Ok(());
    for (i, cookies) in old.iter().enumerate() {
        if let Err(e) = wpgate_rejects(env, cookies).await {
            at_once = Err(e.context(format!("old cookies {} right after the change", i + 1)));
            break;
        }
    }
    let after_ttl = async {
        let ttl = Duration::from_secs(env.gate.settings.user_cache_ttl);
        if at_once.is_err() {
            tokio::time::sleep(
                (ttl + Duration::from_millis(1100)).saturating_sub(changed_at.elapsed()),
            )
            .await;
        }
        for cookies in &old {
            wpgate_rejects(env, cookies).await.context("old cookies")?;
            wp_rejects(env, cookies).await.context("old cookies")?;
        }
        // WordPress re-issued cookies to the browser that changed the password.
        let renewed = snapshot(env, &on_wp)?;
        wpgate_accepts(env, &renewed, &user.login).await.context("WordPress's renewed cookies")?;
        let fresh = Browser::new()?;
        let r = fresh
            .post_form(&env.gate.at("/v1/login"), &[("log", &user.login), ("pwd", &user.password)])
            .await?;
        ensure!(r.status() == StatusCode::UNAUTHORIZED, "old password on wpgate: {}", r.status());
        fresh
            .gate_login(&env.gate.url, &user.login, &new_password)
            .await
            .context("new password on wpgate")?;
        Ok(())
    }
    .await;
    (at_once, after_ttl)
}

async fn nonces(env: &Env) -> (Result<()>, Result<()>) {
    let to_gate = async {
        let user = env.user("nonce_wp")?;
        let browser = Browser::new()?;
        browser.wp_login(&env.site.url, &user.login, &user.password).await?;
        let r = browser.get(&env.site.at("/wpgate-compat.php?op=nonce&action=wp_rest")).await?;
        let nonce =
            expect_json(r, StatusCode::OK).await?["nonce"].as_str().unwrap_or("").to_owned();
        ensure!(nonce.len() == 10, "WordPress made nonce {nonce:?}");
        let verify = |action: &'static str| {
            let nonce = nonce.clone();
            let browser = browser.clone();
            async move {
                let r = browser
                    .post_json(
                        &env.gate.at("/v1/nonce/verify"),
                        &json!({"nonce": nonce, "action": action}),
                    )
                    .await?;
                expect_json(r, StatusCode::OK).await
            }
        };
        let good = verify("wp_rest").await?;
        ensure!(
            good["valid"] == true && good["age"] == 1,
            "wpgate verify of WordPress's nonce: {good}"
        );
        let other = verify("log-out").await?;
        ensure!(other["valid"] == false, "a wp_rest nonce must not verify as log-out: {other}");
        Ok(())
    }
    .await;
    let to_wp = async {
        let user = env.user("nonce_wp")?;
        let browser = Browser::new()?;
        browser.gate_login(&env.gate.url, &user.login, &user.password).await?;
        let r = browser.post_json(&env.gate.at("/v1/nonce"), &json!({"action": "wp_rest"})).await?;
        let nonce =
            expect_json(r, StatusCode::OK).await?["nonce"].as_str().unwrap_or("").to_owned();
        let r =
            browser
                .get(&env.site.at(&format!(
                    "/wpgate-compat.php?op=verify_nonce&action=wp_rest&nonce={nonce}"
                )))
                .await?;
        let result = expect_json(r, StatusCode::OK).await?;
        ensure!(result["result"] == 1, "wp_verify_nonce of wpgate's nonce: {result}");
        // The REST API with cookie authentication takes it as X-WP-Nonce.
        let me = browser
            .client()
            .get(env.site.at("/?rest_route=/wp/v2/users/me"))
            .header("X-WP-Nonce", &nonce)
            .send()
            .await?;
        let me = expect_json(me, StatusCode::OK).await.context("REST /wp/v2/users/me")?;
        ensure!(me["id"] == user.id, "REST /wp/v2/users/me: {me}");
        Ok(())
    }
    .await;
    (to_gate, to_wp)
}

/// Strips a `Set-Cookie` line of its value and times, for comparing attributes.
fn cookie_shape(line: &str) -> String {
    line.split("; ")
        .enumerate()
        .map(|(i, part)| {
            let name = part.split('=').next().unwrap_or("");
            if i == 0 || name.eq_ignore_ascii_case("expires") {
                format!("{name}=…")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn user_settings(env: &Env) -> (Result<()>, Result<()>) {
    let user = match env.user("settings_wp") {
        Ok(u) => u.clone(),
        Err(e) => return (Err(e), Err(anyhow::anyhow!("no user"))),
    };
    let browser = match Browser::new() {
        Ok(b) => b,
        Err(e) => return (Err(e), Err(anyhow::anyhow!("no browser"))),
    };
    let mut wp_lines = Vec::new();
    let to_gate = async {
        browser.wp_login(&env.site.url, &user.login, &user.password).await?;
        let r = browser
            .get(&env.site.at("/wpgate-compat.php?op=set_setting&name=editor&value=html"))
            .await?;
        let stored = expect_json(r, StatusCode::OK).await?;
        ensure!(stored["stored"] == true, "set_user_setting(): {stored}");
        // wp_user_settings() on an admin page sends the cookies from the stored option.
        let r = browser.get(&env.site.at("/wp-admin/profile.php")).await?;
        wp_lines = set_cookies(&r).into_iter().filter(|l| l.starts_with("wp-settings-")).collect();
        ensure!(wp_lines.len() == 2, "WordPress sent settings cookies {wp_lines:?}");
        let r = browser.get(&env.gate.at("/v1/user-settings")).await?;
        let body = expect_json(r, StatusCode::OK).await?;
        ensure!(
            body["user_id"] == user.id && body["settings"]["editor"] == "html",
            "wpgate GET /v1/user-settings: {body}"
        );
        Ok(())
    }
    .await;
    let to_wp = async {
        let r = browser
            .post_json(
                &env.gate.at("/v1/user-settings"),
                &json!({"settings": {"mfold": "f", "libraryContent": "browse"}}),
            )
            .await?;
        let gate_lines = set_cookies(&r);
        expect_json(r, StatusCode::OK).await.context("wpgate POST /v1/user-settings")?;
        let shapes = |lines: &[String]| lines.iter().map(|l| cookie_shape(l)).collect::<Vec<_>>();
        if !wp_lines.is_empty() {
            ensure!(
                shapes(&gate_lines) == shapes(&wp_lines),
                "Set-Cookie differs from WordPress's: wpgate {gate_lines:?}, WordPress {wp_lines:?}"
            );
        }
        // Refusals: no login, and a name with nothing left after sanitising.
        let r = reqwest::Client::new().get(env.gate.at("/v1/user-settings")).send().await?;
        ensure!(r.status() == StatusCode::UNAUTHORIZED, "no login: {}", r.status());
        let r = browser
            .post_json(&env.gate.at("/v1/user-settings"), &json!({"settings": {"!!": "x"}}))
            .await?;
        let refused = expect_json(r, StatusCode::BAD_REQUEST).await?;
        ensure!(refused["code"] == "invalid-setting-name", "bad name: {refused}");
        let r = browser.get(&env.site.at("/wpgate-compat.php?op=settings")).await?;
        let body = expect_json(r, StatusCode::OK).await?;
        let s = &body["settings"];
        ensure!(
            s["mfold"] == "f" && s["libraryContent"] == "browse" && s["editor"] == "html",
            "WordPress get_all_user_settings(): {body}"
        );
        Ok(())
    }
    .await;
    (to_gate, to_wp)
}

async fn nginx_auth_request(env: &Env) -> Result<()> {
    let upstream = EchoUpstream::start()?;
    let gate_addr = env.gate.url.trim_start_matches("http://").to_owned();
    let nginx = tokio::task::spawn_blocking(move || {
        Nginx::start(&gate_addr, &upstream.addr).map(|n| (n, upstream))
    })
    .await??;
    let (nginx, _upstream) = nginx;
    let result = async {
        let anonymous = reqwest::Client::new();
        let r = anonymous
            .get(format!("{}/app/page", nginx.url))
            .header("Remote-User", "mallory")
            .send()
            .await?;
        ensure!(r.status() == StatusCode::UNAUTHORIZED, "no login: nginx answered {}", r.status());

        let user = env.user("proxy_wp")?;
        let browser = Browser::new()?;
        browser.wp_login(&env.site.url, &user.login, &user.password).await?;
        let r = browser
            .client()
            .get(format!("{}/app/page", nginx.url))
            .header("Remote-User", "mallory")
            .send()
            .await?;
        let echoed = expect_json(r, StatusCode::OK).await.context("logged in, /app/")?;
        let h = &echoed["headers"];
        ensure!(
            h["remote-user"] == user.login.as_str()
                && h["remote-email"] == format!("{}@example.com", user.login)
                && h["remote-groups"] == "editor"
                && h["x-wp-user-id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(user.id),
            "upstream got {h}"
        );
        let nonce = h["x-wp-nonce"].as_str().unwrap_or("").to_owned();
        let r =
            browser
                .get(&env.site.at(&format!(
                    "/wpgate-compat.php?op=verify_nonce&action=wp_rest&nonce={nonce}"
                )))
                .await?;
        let verified = expect_json(r, StatusCode::OK).await?;
        ensure!(
            verified["result"] == 1,
            "the X-WP-Nonce passed upstream, in WordPress: {verified}"
        );

        let r = browser.client().get(format!("{}/staff/page", nginx.url)).send().await?;
        ensure!(
            r.status() == StatusCode::FORBIDDEN,
            "editor on /staff/: nginx answered {}",
            r.status()
        );
        let admin = Browser::new()?;
        admin.wp_login(&env.site.url, &env.admin.0, &env.admin.1).await?;
        let r = admin.client().get(format!("{}/staff/page", nginx.url)).send().await?;
        let echoed = expect_json(r, StatusCode::OK).await.context("administrator on /staff/")?;
        ensure!(echoed["headers"]["remote-user"] == env.admin.0.as_str(), "upstream got {echoed}");
        Ok(())
    }
    .await;
    result.map_err(|e| e.context(format!("nginx error log: {}", nginx.error_log())))
}
