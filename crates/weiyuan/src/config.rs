//! Where the server listens and which database it uses: flag, then environment
//! (WEIYUAN_BIND, WEIYUAN_DATABASE_URL), then the config file, then the defaults.
//!
//! The config file (`--config PATH` or WEIYUAN_CONFIG) is TOML (read by a real TOML parser):
//! ```text
//! bind = "0.0.0.0:8080"
//! database_url = "postgres://weiyuan@db.internal/weiyuan"
//! tile_url = "https://t0.tianditu.gov.cn/vec_w/wmts?...&tk=KEY"   # optional base map
//! # Limits on an imported file (the defaults shown):
//! import_max_rows = 200000
//! import_max_columns = 256
//! import_max_cells = 5000000
//! import_max_cell_chars = 32767
//! import_max_unzipped_mb = 256
//! # Hosts inside the network that webhooks may post to (an intranet DingTalk/WeCom gateway);
//! # a leading dot allows every name under a domain:
//! webhook_allow_hosts = ["gw.intranet.example.gov.cn", ".robots.example.gov.cn"]
//! # This server's MQTT client id: fixed and unique per server (the broker keeps its session):
//! mqtt_client_id = "weiyuan-app1"
//! # The bearer token a Prometheus scraper sends for /metrics (without it: loopback only):
//! metrics_token = "a-long-random-string"
//! ```

use anyhow::{Context, anyhow};
use serde::Deserialize;
use std::path::Path;
use weiyuan_server::exchange::ImportLimits;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/weiyuan.db";

#[derive(Debug, Default, PartialEq)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub tile_url: Option<String>,
    pub import_limits: ImportLimits,
    pub webhook_allow_hosts: Vec<String>,
    pub mqtt_client_id: Option<String>,
    pub metrics_token: Option<String>,
}

/// The file as TOML: every key optional, an unknown key an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    bind: Option<String>,
    database_url: Option<String>,
    secure_cookies: Option<Flag>,
    tile_url: Option<String>,
    mqtt_client_id: Option<String>,
    metrics_token: Option<String>,
    webhook_allow_hosts: Option<Hosts>,
    import_max_rows: Option<usize>,
    import_max_columns: Option<usize>,
    import_max_cells: Option<usize>,
    import_max_cell_chars: Option<usize>,
    import_max_unzipped_mb: Option<u64>,
}

/// `true`, or the older `"true"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

/// A list of hosts, or one comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Hosts {
    List(Vec<String>),
    Text(String),
}

/// Parse the config file's text (TOML); an unknown key or a malformed line is an error naming
/// its line and column.
pub fn parse(text: &str) -> anyhow::Result<FileConfig> {
    let raw: Raw = basic_toml::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // The parser places an unknown key at its table's start: name the key's own line.
        let field = msg.strip_prefix("unknown field `").and_then(|r| r.split('`').next());
        match field.and_then(|f| text.lines().position(|l| l.trim_start().starts_with(f)).map(|n| (f, n))) {
            Some((_, n)) => anyhow!("line {}: {}", n + 1, msg.split(" at line ").next().unwrap_or(&msg)),
            None => anyhow!(msg),
        }
    })?;
    let mut limits = ImportLimits::default();
    let positive = |key: &str, v: Option<usize>| match v {
        Some(0) => Err(anyhow!("{key} must be at least 1")),
        other => Ok(other),
    };
    if let Some(v) = positive("import_max_rows", raw.import_max_rows)? {
        limits.max_rows = v;
    }
    if let Some(v) = positive("import_max_columns", raw.import_max_columns)? {
        limits.max_columns = v;
    }
    if let Some(v) = positive("import_max_cells", raw.import_max_cells)? {
        limits.max_cells = v;
    }
    if let Some(v) = positive("import_max_cell_chars", raw.import_max_cell_chars)? {
        limits.max_cell_chars = v;
    }
    if let Some(v) = positive("import_max_unzipped_mb", raw.import_max_unzipped_mb.map(|v| v as usize))? {
        limits.max_unzipped_bytes = (v as u64) << 20;
    }
    let hosts = match raw.webhook_allow_hosts {
        Some(Hosts::List(l)) => l,
        Some(Hosts::Text(t)) => t.split(',').map(str::to_string).collect(),
        None => Vec::new(),
    };
    Ok(FileConfig {
        bind: raw.bind,
        database_url: raw.database_url,
        secure_cookies: raw.secure_cookies.map(|f| match f {
            Flag::Bool(b) => b,
            Flag::Text(t) => t.trim() == "true",
        }),
        tile_url: raw.tile_url,
        import_limits: limits,
        webhook_allow_hosts: hosts.into_iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect(),
        mqtt_client_id: raw.mqtt_client_id.filter(|v| !v.trim().is_empty()),
        metrics_token: raw.metrics_token.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()),
    })
}

pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    match path {
        None => Ok(FileConfig::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
            parse(&text).with_context(|| p.display().to_string())
        }
    }
}

/// For a SQLite URL, make sure the file's folder exists.
pub fn prepare_sqlite_dir(url: &str) -> std::io::Result<()> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_reports_bad_lines() {
        let c = parse("# comment\nbind = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://x/y\"\n").unwrap();
        assert_eq!(c.bind.as_deref(), Some("0.0.0.0:9000"));
        assert_eq!(c.database_url.as_deref(), Some("postgres://x/y"));
        assert!(parse("bind 1").unwrap_err().to_string().contains("line 1"), "{}", parse("bind 1").unwrap_err());
        let unknown = parse("\nport = 1").unwrap_err().to_string();
        assert!(unknown.contains("unknown field `port`") && unknown.contains("line 2"), "{unknown}");
        assert_eq!(c.import_limits, ImportLimits::default());
        let c = parse("import_max_rows = 1_000\nimport_max_unzipped_mb = 8\n").unwrap();
        assert_eq!((c.import_limits.max_rows, c.import_limits.max_unzipped_bytes), (1000, 8 << 20));
        let c = parse("webhook_allow_hosts = \"gw.example.gov.cn, .robots.example.gov.cn\"").unwrap();
        assert_eq!(c.webhook_allow_hosts, vec!["gw.example.gov.cn", ".robots.example.gov.cn"]);
        let c = parse("webhook_allow_hosts = [\"gw.example.gov.cn\", \".robots.example.gov.cn\"]").unwrap();
        assert_eq!(c.webhook_allow_hosts, vec!["gw.example.gov.cn", ".robots.example.gov.cn"]);
        assert!(parse("import_max_cells = \"many\"").unwrap_err().to_string().contains("import_max_cells"));
        assert_eq!(parse("import_max_rows = 0").unwrap_err().to_string(), "import_max_rows must be at least 1");
        assert_eq!(parse("secure_cookies = true").unwrap().secure_cookies, Some(true));
        assert_eq!(parse("metrics_token = \" s3cret \"").unwrap().metrics_token.as_deref(), Some("s3cret"));
        assert_eq!(parse("metrics_token = \"\"").unwrap().metrics_token, None);
        assert_eq!(parse("secure_cookies = \"true\"").unwrap().secure_cookies, Some(true), "the older form");
    }
}
