//! Where the server listens and which database it uses: flag, then environment
//! (WEIYUAN_BIND, WEIYUAN_DATABASE_URL), then the config file, then the defaults.
//!
//! The config file (`--config PATH` or WEIYUAN_CONFIG) holds `key = "value"` lines, a subset
//! of TOML:
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
//! webhook_allow_hosts = "gw.intranet.example.gov.cn, .robots.example.gov.cn"
//! # This server's MQTT client id: fixed and unique per server (the broker keeps its session):
//! mqtt_client_id = "weiyuan-app1"
//! ```

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
}

/// Parse the config file's text; an unknown key or a malformed line is an error naming its line.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    let mut c = FileConfig::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {}: expected key = \"value\"", n + 1));
        };
        let value = value.trim().trim_matches('"').to_string();
        let number = || -> Result<usize, String> {
            value.replace('_', "").parse().map_err(|_| format!("line {}: {} must be a whole number", n + 1, key.trim()))
        };
        match key.trim() {
            "mqtt_client_id" => c.mqtt_client_id = Some(value).filter(|v| !v.is_empty()),
            "webhook_allow_hosts" => {
                c.webhook_allow_hosts =
                    value.split(',').map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect()
            }
            "import_max_rows" => c.import_limits.max_rows = number()?,
            "import_max_columns" => c.import_limits.max_columns = number()?,
            "import_max_cells" => c.import_limits.max_cells = number()?,
            "import_max_cell_chars" => c.import_limits.max_cell_chars = number()?,
            "import_max_unzipped_mb" => c.import_limits.max_unzipped_bytes = (number()? as u64) << 20,
            "bind" => c.bind = Some(value),
            "database_url" => c.database_url = Some(value),
            "secure_cookies" => c.secure_cookies = Some(value == "true"),
            "tile_url" => c.tile_url = Some(value),
            other => return Err(format!("line {}: unknown key {other:?}", n + 1)),
        }
    }
    Ok(c)
}

pub fn load(path: Option<&Path>) -> Result<FileConfig, String> {
    match path {
        None => Ok(FileConfig::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            parse(&text).map_err(|e| format!("{}: {e}", p.display()))
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
        assert_eq!(parse("bind 1").unwrap_err(), "line 1: expected key = \"value\"");
        assert_eq!(parse("\nport = 1").unwrap_err(), "line 2: unknown key \"port\"");
        assert_eq!(c.import_limits, ImportLimits::default());
        let c = parse("import_max_rows = 1_000\nimport_max_unzipped_mb = 8\n").unwrap();
        assert_eq!((c.import_limits.max_rows, c.import_limits.max_unzipped_bytes), (1000, 8 << 20));
        let c = parse("webhook_allow_hosts = \"gw.example.gov.cn, .robots.example.gov.cn\"").unwrap();
        assert_eq!(c.webhook_allow_hosts, vec!["gw.example.gov.cn", ".robots.example.gov.cn"]);
        assert_eq!(parse("import_max_cells = many").unwrap_err(), "line 1: import_max_cells must be a whole number");
    }
}
