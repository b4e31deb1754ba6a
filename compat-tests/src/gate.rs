//! wpgate served in-process for a site, configured from the site's wp-config.php exactly as
//! `wpgate serve --wp-config … --sessions …` would be (no environment layer).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use wpgate::config::{Overrides, Settings};
use wpgate::startup::{Application, Background, assemble};

use crate::site::Site;

/// A running wpgate.
#[derive(Debug)]
pub struct Gate {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The settings it runs with.
    pub settings: Settings,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _background: Background,
}

impl Gate {
    /// Starts wpgate for `site` with `--sessions <site.mode>` on a free port.
    ///
    /// # Errors
    /// The settings do not load or a dependency cannot be reached.
    pub async fn start(site: &Site) -> Result<Gate> {
        let mut overrides = Overrides::default();
        overrides
            .set("wp_config", Some(site.wp_config().display().to_string()))
            .set("sessions", Some(site.mode.as_str()))
            .set("listen", Some("127.0.0.1:0"));
        let loaded = Settings::load_from(None, &overrides, &BTreeMap::new())
            .context("loading wpgate's settings from the site's wp-config.php")?;
        let settings = loaded.settings;
        let (parts, background) = assemble(&settings).await.context("assembling wpgate")?;
        let app = Application::build(&settings, parts)?;
        let url = format!("http://127.0.0.1:{}", app.port());
        let server = tokio::spawn(app.run_until_stopped());
        Ok(Gate { url, settings, server, _background: background })
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.server.abort();
    }
}
