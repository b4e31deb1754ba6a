//! Real nginx running `deploy/nginx/wpgate.conf` on a loopback port, with its own prefix, pid
//! file, logs and temp directories, in front of a sample upstream ([`EchoUpstream`]) that
//! answers with the headers it received.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::{free_port, random_hex, repo_root};

/// The sample application behind nginx: answers every request with
/// `{"path": …, "headers": {name: value}}`.
#[derive(Debug)]
pub struct EchoUpstream {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    handle: actix_web::dev::ServerHandle,
}

impl EchoUpstream {
    /// Starts it on a free port.
    ///
    /// # Errors
    /// No port.
    pub fn start() -> Result<EchoUpstream> {
        let server = HttpServer::new(|| App::new().default_service(web::to(echo)))
            .workers(1)
            .bind("127.0.0.1:0")?;
        let port = server.addrs().first().map(|a| a.port()).context("echo upstream port")?;
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(EchoUpstream { addr: format!("127.0.0.1:{port}"), handle })
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        // The stop command is sent at once; its completion is not awaited.
        let _stopping = self.handle.stop(false);
    }
}

async fn echo(req: HttpRequest) -> HttpResponse {
    let mut headers = Map::new();
    for (name, value) in req.headers() {
        headers.insert(
            name.as_str().to_owned(),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    HttpResponse::Ok().json(serde_json::json!({ "path": req.path(), "headers": headers }))
}

/// A running nginx.
#[derive(Debug)]
pub struct Nginx {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    dir: PathBuf,
    child: Child,
}

impl Nginx {
    /// Renders deploy/nginx/*.conf for these addresses and starts nginx in the foreground.
    ///
    /// # Errors
    /// nginx is not installed, the configuration is refused, or it does not come up.
    pub fn start(wpgate_addr: &str, upstream_addr: &str) -> Result<Nginx> {
        let binary = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .context("nginx is not installed (scripts/lib.sh ensure_php installs it)")?;
        let port = free_port()?;
        let dir = repo_root().join(format!("target/nginx-live-{}", random_hex(4)));
        for sub in ["logs", "tmp"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let deploy = repo_root().join("deploy/nginx");
        let render = |name: &str| -> Result<()> {
            let text = std::fs::read_to_string(deploy.join(name))
                .with_context(|| format!("reading deploy/nginx/{name}"))?;
            let text = text
                .replace("127.0.0.1:8787", wpgate_addr)
                .replace("127.0.0.1:9000", upstream_addr)
                .replace("listen 8088;", &format!("listen 127.0.0.1:{port};"))
                .replace("/etc/nginx/wpgate-", &format!("{}/wpgate-", dir.display()));
            std::fs::write(dir.join(name), text)?;
            Ok(())
        };
        for name in [
            "wpgate.conf",
            "wpgate-upstreams.conf",
            "wpgate-subrequest.conf",
            "wpgate-identity.conf",
        ] {
            render(name)?;
        }
        let tmp = dir.join("tmp");
        let t = |what: &str| format!("{what}_temp_path {};", tmp.join(what).display());
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {pid};\nerror_log {log} warn;\n\
             events {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  {a}\n  {b}\n  {c}\n  \
             {d}\n  {e}\n  include {conf};\n}}\n",
            pid = dir.join("nginx.pid").display(),
            log = dir.join("logs/error.log").display(),
            a = t("client_body"),
            b = t("proxy"),
            c = t("fastcgi"),
            d = t("uwsgi"),
            e = t("scgi"),
            conf = dir.join("wpgate.conf").display(),
        );
        std::fs::write(dir.join("nginx.conf"), main)?;
        let conf = dir.join("nginx.conf");
        let test = Command::new(&binary)
            .arg("-t")
            .args(prefix_args(&dir, &conf))
            .output()
            .context("running nginx -t")?;
        if !test.status.success() {
            bail!("nginx -t refused the configuration:\n{}", String::from_utf8_lossy(&test.stderr));
        }
        let child = Command::new(&binary)
            .args(prefix_args(&dir, &conf))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nginx")?;
        let mut nginx = Nginx { url: format!("http://127.0.0.1:{port}"), dir, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.child.try_wait()? {
                bail!("nginx exited ({status}): {}", nginx.error_log());
            }
            if Instant::now() > deadline {
                bail!("nginx did not listen on {port}: {}", nginx.error_log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(nginx)
    }

    /// The end of nginx's error log.
    pub fn error_log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("logs/error.log")).unwrap_or_default();
        log.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect()
    }
}

fn prefix_args(dir: &Path, conf: &Path) -> Vec<String> {
    vec![
        "-p".into(),
        format!("{}/", dir.display()),
        "-c".into(),
        conf.display().to_string(),
        "-e".into(),
        dir.join("logs/error.log").display().to_string(),
    ]
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Our own child, by its pid: TERM for a graceful stop, then reap it.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
