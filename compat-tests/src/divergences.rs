//! `compat-tests/live-divergences.toml`: checks of the live suite known to fail, each with a
//! reason. A listed check that fails is reported as known; a listed check that passes fails
//! the run ("stopped diverging"), so that the list only ever shrinks.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use wpgate_core::WpVersion;

/// The parsed list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergences {
    #[serde(default)]
    divergence: Vec<Divergence>,
}

/// One known divergence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    /// The check's name (`wpgate-destroy-others`), or a prefix ending in `*`.
    pub check: String,
    /// Session modes it applies to: `redis`, `usermeta`.
    pub modes: Vec<String>,
    /// WordPress versions: `*`, `6.1.9`, `<6.8`, `>=6.8`.
    pub wp_versions: String,
    /// Why, in words.
    pub reason: String,
}

impl Divergences {
    /// Reads and checks the file.
    ///
    /// # Errors
    /// Unreadable, not TOML of this shape, an entry without a reason or with a bad mode or
    /// version pattern.
    pub fn load(path: &Path) -> Result<Divergences> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let list: Divergences =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for d in &list.divergence {
            if d.reason.trim().is_empty() {
                bail!("{}: divergence {} has no reason", path.display(), d.check);
            }
            if d.modes.is_empty() || d.modes.iter().any(|m| m != "redis" && m != "usermeta") {
                bail!(
                    "{}: divergence {}: modes must be redis and/or usermeta",
                    path.display(),
                    d.check
                );
            }
            version_matches(&d.wp_versions, WpVersion::LATEST)
                .with_context(|| format!("{}: divergence {}", path.display(), d.check))?;
        }
        Ok(list)
    }

    /// The entry covering `check` in `mode` on WordPress `version`, if any.
    pub fn find(&self, check: &str, mode: &str, version: WpVersion) -> Option<&Divergence> {
        self.divergence.iter().find(|d| {
            let name_ok = match d.check.strip_suffix('*') {
                Some(prefix) => check.starts_with(prefix),
                None => d.check == check,
            };
            name_ok
                && d.modes.iter().any(|m| m == mode)
                && version_matches(&d.wp_versions, version).unwrap_or(false)
        })
    }
}

/// `*`, `X.Y.Z` (exact), `<X.Y`, `>=X.Y`.
fn version_matches(pattern: &str, version: WpVersion) -> Result<bool> {
    let pattern = pattern.trim();
    if pattern == "*" {
        return Ok(true);
    }
    let parse = |s: &str| -> Result<WpVersion> {
        s.trim().parse().map_err(|_| anyhow::anyhow!("bad version pattern {pattern:?}"))
    };
    Ok(if let Some(v) = pattern.strip_prefix(">=") {
        version.at_least(parse(v)?)
    } else if let Some(v) = pattern.strip_prefix('<') {
        !version.at_least(parse(v)?)
    } else {
        let v = parse(pattern)?;
        version.at_least(v) && v.at_least(version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_patterns_match_as_documented() {
        let v = WpVersion::new(6, 1, 9);
        assert!(version_matches("*", v).unwrap());
        assert!(version_matches("6.1.9", v).unwrap());
        assert!(!version_matches("6.1.8", v).unwrap());
        assert!(version_matches("<6.8", v).unwrap());
        assert!(!version_matches(">=6.8", v).unwrap());
        assert!(version_matches("nonsense", v).is_err());
    }
}
