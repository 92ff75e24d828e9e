//! Backups a county can restore and check: an online, consistent copy while the server runs,
//! and a digest (every table's row count and a SHA-256 of its rows) taken from the same
//! snapshot, so a restored copy is proved identical to what was backed up.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy of the live database (readers and writers
//!   go on); the digest is read from the copy itself.
//! - PostgreSQL: a read-only REPEATABLE READ transaction exports its snapshot; the digest is
//!   read in that transaction and `pg_dump --snapshot` dumps exactly the same data (custom
//!   format). Restoring runs `pg_restore` into an existing, empty database.

use crate::{Backend, Result, Store, StoreError, col, sql};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::path::{Path, PathBuf};

/// One table's size and fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableDigest {
    pub table: String,
    pub rows: i64,
    pub sha256: String,
}

/// Where a backup's digest is kept: beside it.
pub fn digest_path(backup: &Path) -> PathBuf {
    let mut p = backup.as_os_str().to_owned();
    p.push(".digest.json");
    PathBuf::from(p)
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Db(sqlx::Error::Io(e))
}

fn tool_failed(tool: &str, out: &std::process::Output) -> StoreError {
    let msg = format!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    StoreError::Db(sqlx::Error::Io(std::io::Error::other(msg)))
}

/// Every table of the schema with its rows' digest, read on one connection (inside the
/// caller's transaction when it has one, so all tables come from one snapshot).
async fn digest_in(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<TableDigest>> {
    let tables_sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    let tables: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| col::<String>(r, "name"))
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for table in tables {
        let columns_sql = match backend {
            Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            Backend::Postgres => format!(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        let columns: Vec<String> = sqlx::query(sql(columns_sql))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| col::<String>(r, "name"))
            .collect::<Result<_>>()?;
        if columns.is_empty() {
            continue;
        }
        let select: Vec<String> = columns.iter().map(|c| format!("CAST(\"{c}\" AS TEXT)")).collect();
        let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
        let q = format!("SELECT {} FROM \"{table}\" ORDER BY {}", select.join(", "), order.join(", "));
        let rows = sqlx::query(sql(q)).fetch_all(&mut *conn).await?;
        let mut hash = Sha256::new();
        for r in &rows {
            for i in 0..columns.len() {
                let v: Option<String> = sqlx::Row::try_get(r, i)?;
                match v {
                    Some(v) => {
                        hash.update(b"\x01");
                        hash.update(v.as_bytes());
                    }
                    None => hash.update(b"\x00"),
                }
            }
            hash.update(b"\n");
        }
        let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.push(TableDigest { table, rows: rows.len() as i64, sha256 });
    }
    Ok(out)
}

impl Store {
    /// Every table's row count and fingerprint now.
    pub async fn digest(&self) -> Result<Vec<TableDigest>> {
        let mut conn = self.pool.acquire().await?;
        digest_in(&mut conn, self.backend).await
    }

    /// Write a consistent backup of the live database to `to` (which must not exist), and its
    /// digest beside it. `url` is this store's database URL (PostgreSQL: for `pg_dump`).
    pub async fn backup(&self, url: &str, to: &Path) -> Result<Vec<TableDigest>> {
        if to.exists() {
            return Err(StoreError::Conflict("backup_exists"));
        }
        let digest = match self.backend {
            Backend::Sqlite => {
                sqlx::query("VACUUM INTO $1").bind(to.display().to_string()).execute(&self.pool).await?;
                let copy = Store::connect(&format!("sqlite://{}", to.display())).await?;
                let d = copy.digest().await;
                copy.close().await;
                d?
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
                let row = sqlx::query("SELECT pg_export_snapshot() AS s").fetch_one(&mut *tx).await?;
                let snapshot: String = col(&row, "s")?;
                let digest = digest_in(&mut tx, Backend::Postgres).await?;
                let args = [
                    format!("--snapshot={snapshot}"),
                    "--format=custom".into(),
                    "--no-owner".into(),
                    "--no-privileges".into(),
                    format!("--file={}", to.display()),
                    format!("--dbname={url}"),
                ];
                let out = tokio::process::Command::new("pg_dump").args(&args).output().await.map_err(io)?;
                tx.commit().await?;
                if !out.status.success() {
                    return Err(tool_failed("pg_dump", &out));
                }
                digest
            }
        };
        let json = serde_json::to_vec_pretty(&digest).map_err(|e| io(std::io::Error::other(e)))?;
        std::fs::write(digest_path(to), json).map_err(io)?;
        Ok(digest)
    }
}

/// Restore a backup into the database at `url` (SQLite: the file is replaced, `force` needed
/// when it exists; PostgreSQL: an existing, empty database), then prove it identical to the
/// backup's digest: the tables that differ, if any, are returned.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<Vec<String>> {
    let expected: Vec<TableDigest> = serde_json::from_slice(&std::fs::read(digest_path(from)).map_err(io)?)
        .map_err(|e| io(std::io::Error::other(e)))?;
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = Path::new(path.split('?').next().unwrap_or(path));
            if path.exists() && !force {
                return Err(StoreError::Conflict("database_exists"));
            }
            // Restored and checked beside the database; it replaces the database only when
            // every table matches, so a bad backup never destroys what is there.
            let tmp = path.with_extension("restoring");
            std::fs::copy(from, &tmp).map_err(io)?;
            let differ = differing(&expected, &format!("sqlite://{}", tmp.display())).await;
            match differ {
                Ok(d) if d.is_empty() => {}
                other => {
                    let _ = std::fs::remove_file(&tmp);
                    return other;
                }
            }
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            std::fs::rename(&tmp, path).map_err(io)?;
            return Ok(Vec::new());
        }
        Backend::Postgres => {
            let args = [
                "--no-owner".to_string(),
                "--no-privileges".into(),
                "--single-transaction".into(),
                "--exit-on-error".into(),
                format!("--dbname={url}"),
                from.display().to_string(),
            ];
            let out = tokio::process::Command::new("pg_restore").args(&args).output().await.map_err(io)?;
            if !out.status.success() {
                return Err(tool_failed("pg_restore", &out));
            }
        }
    }
    differing(&expected, url).await
}

/// The tables of the database at `url` that differ from a digest.
async fn differing(expected: &[TableDigest], url: &str) -> Result<Vec<String>> {
    let store = Store::connect(url).await?;
    let actual = store.digest().await;
    store.close().await;
    let actual = actual?;
    let mut differ: Vec<String> = expected
        .iter()
        .filter(|e| !actual.contains(e))
        .map(|e| e.table.clone())
        .chain(actual.iter().filter(|a| !expected.iter().any(|e| e.table == a.table)).map(|a| a.table.clone()))
        .collect();
    differ.sort();
    differ.dedup();
    Ok(differ)
}
