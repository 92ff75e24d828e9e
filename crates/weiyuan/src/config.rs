//! Where the server listens and which database it uses: flag, then environment
//! (WEIYUAN_BIND, WEIYUAN_DATABASE_URL), then the config file, then the defaults.
//!
//! The config file (`--config PATH` or WEIYUAN_CONFIG) holds `key = "value"` lines, a subset
//! of TOML:
//! ```text
//! bind = "0.0.0.0:8080"
//! database_url = "postgres://weiyuan@db.internal/weiyuan"
//! tile_url = "https://t0.tianditu.gov.cn/vec_w/wmts?...&tk=KEY"   # optional base map
//! ```

use std::path::Path;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/weiyuan.db";

#[derive(Debug, Default, PartialEq)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub tile_url: Option<String>,
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
        match key.trim() {
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
    }
}
