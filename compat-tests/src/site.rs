//! A throw-away WordPress site made by `scripts/wp-up.sh`: its own database, port, salts and
//! (in drop-in mode) Redis prefix, removed again when dropped.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::{free_port, repo_root};

/// Where a site keeps its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `wordpress/wpgate-sessions.php` + Redis (`--sessions redis`).
    Redis,
    /// Stock WordPress: `session_tokens` user meta (`--sessions usermeta`).
    Usermeta,
}

impl Mode {
    /// The name used in check names, the divergence list and `--sessions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Redis => "redis",
            Mode::Usermeta => "usermeta",
        }
    }
}

/// A running WordPress site.
#[derive(Debug)]
pub struct Site {
    /// Session mode.
    pub mode: Mode,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    /// `$wp_version` of the tree.
    pub version: String,
    /// The site directory (`target/wp-sites/NAME`).
    pub dir: PathBuf,
    /// The Redis key prefix (drop-in mode).
    pub redis_prefix: Option<String>,
    admin: (String, String),
    name: String,
    sites_dir: PathBuf,
    db: DbAccess,
    keep: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct SiteJson {
    #[serde(rename = "WP_VERSION")]
    version: String,
    #[serde(rename = "WP_DB_NAME")]
    db_name: String,
    #[serde(rename = "WP_DB_HOST")]
    db_host: String,
    #[serde(rename = "WP_DB_USER")]
    db_user: String,
    #[serde(rename = "WP_ADMIN_USER")]
    admin_user: String,
    #[serde(rename = "WP_ADMIN_PASSWORD")]
    admin_password: String,
}

#[derive(Debug, Clone)]
struct DbAccess {
    name: String,
    host: String,
    user: String,
}

/// A user made by `compat-tests/php/live-setup.php`.
#[derive(Debug, Clone, Deserialize)]
pub struct TestUser {
    /// `user_login`.
    pub login: String,
    /// Its ID.
    pub id: u64,
    /// The format asked for: `wp` (the version's default), `phpass`, `bcrypt`, `md5`.
    pub format: String,
    /// What `user_pass` starts with (`$P$`, `$2y$`, `$wp$`, or `md5`).
    pub hash_prefix: String,
    /// The plain password (filled in by [`Site::create_users`]).
    #[serde(skip)]
    pub password: String,
}

impl Site {
    /// Installs and starts a fresh site named `name` from `WP_DIR` (default Debian's
    /// `/usr/share/wordpress`) on a free port. `redis` is `(url, prefix)` in drop-in mode.
    ///
    /// # Errors
    /// wp-up.sh failed (its output is in the message).
    pub fn start(name: &str, mode: Mode, redis: Option<(&str, &str)>) -> Result<Site> {
        let root = repo_root();
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let sites_dir = root.join("target/wp-sites");
        let mut cmd = Command::new(root.join("scripts/wp-up.sh"));
        cmd.args(["start", name, "--fresh"])
            .env("WP_URL", &url)
            .env("WP_SITES_DIR", &sites_dir)
            .env_remove("WPGATE_REDIS_URL")
            .env_remove("WPGATE_REDIS_PREFIX")
            .stdin(Stdio::null());
        if mode == Mode::Redis {
            cmd.arg("--dropin");
        }
        if let Some((redis_url, prefix)) = redis {
            cmd.env("WPGATE_REDIS_URL", redis_url).env("WPGATE_REDIS_PREFIX", prefix);
        }
        let out = cmd.output().context("running scripts/wp-up.sh")?;
        if !out.status.success() {
            bail!(
                "scripts/wp-up.sh start {name} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let dir = sites_dir.join(name);
        let json: SiteJson = serde_json::from_slice(
            &std::fs::read(dir.join("site.json")).context("reading the site's site.json")?,
        )
        .context("parsing site.json")?;
        std::fs::copy(
            root.join("compat-tests/php/live-endpoint.php"),
            dir.join("htdocs/wpgate-compat.php"),
        )
        .context("installing the test endpoint wpgate-compat.php")?;
        Ok(Site {
            mode,
            url,
            version: json.version,
            dir,
            redis_prefix: redis.map(|(_, p)| p.to_owned()),
            admin: (json.admin_user, json.admin_password),
            name: name.to_owned(),
            sites_dir,
            db: DbAccess { name: json.db_name, host: json.db_host, user: json.db_user },
            keep: std::env::var_os("KEEP_SITE").is_some(),
        })
    }

    /// The administrator's login and password.
    pub fn admin(&self) -> (String, String) {
        self.admin.clone()
    }

    /// The site's wp-config.php (what wpgate reads).
    pub fn wp_config(&self) -> PathBuf {
        self.dir.join("htdocs/wp-config.php")
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Creates (or re-creates) users with these logins and passwords; the last `_word` of a
    /// login picks its hash format (see compat-tests/php/live-setup.php).
    ///
    /// # Errors
    /// PHP failed.
    pub fn create_users(&self, users: &[(&str, &str)]) -> Result<Vec<TestUser>> {
        let passwords: BTreeMap<&str, &str> = users.iter().copied().collect();
        let mut child = Command::new("php")
            .arg(repo_root().join("compat-tests/php/live-setup.php"))
            .arg(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running php (is the PHP CLI installed? scripts/lib.sh ensure_php)")?;
        child
            .stdin
            .take()
            .context("php stdin")?
            .write_all(serde_json::to_string(&passwords)?.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!("live-setup.php failed:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        let mut made: Vec<TestUser> = serde_json::from_slice(&out.stdout).with_context(|| {
            format!("live-setup.php output: {}", String::from_utf8_lossy(&out.stdout))
        })?;
        for user in &mut made {
            user.password = passwords.get(user.login.as_str()).copied().unwrap_or("").to_owned();
        }
        Ok(made)
    }

    /// The last lines of the site's PHP error log (for failure messages).
    pub fn php_errors(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("php-error.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let skip = lines.len().saturating_sub(20);
        lines.iter().skip(skip).copied().collect::<Vec<_>>().join("\n")
    }

    fn remove(&self) {
        let root = repo_root();
        let _ = Command::new(root.join("scripts/wp-up.sh"))
            .args(["stop", &self.name])
            .env("WP_SITES_DIR", &self.sites_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if self.keep {
            eprintln!("site kept (KEEP_SITE): {}", self.dir.display());
            return;
        }
        let (host, port) = self.db.host.split_once(':').unwrap_or((&self.db.host, "3306"));
        let _ = Command::new("mariadb")
            .args(["-h", host, "-P", port, "-u", &self.db.user])
            .arg("-e")
            .arg(format!("DROP DATABASE IF EXISTS `{}`", self.db.name))
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(prefix) = &self.redis_prefix {
            delete_redis_keys(prefix);
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Removes the keys under `prefix` from the shared Redis (never anything else).
fn delete_redis_keys(prefix: &str) {
    let Ok(out) = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", "6379", "--scan", "--pattern"])
        .arg(format!("{}*", glob_escape(prefix)))
        .output()
    else {
        return;
    };
    for key in String::from_utf8_lossy(&out.stdout).lines().filter(|k| !k.is_empty()) {
        let _ = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", "6379", "unlink", key])
            .stdout(Stdio::null())
            .status();
    }
}

fn glob_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
