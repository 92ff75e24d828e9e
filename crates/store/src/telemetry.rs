//! Telemetry: the device registry, readings and their rollups (5 minutes, hour, day).
//!
//! A batch of checked readings is stored in one transaction together with its rollups and the
//! devices' last-seen time; the caller acknowledges only after the commit. A reading already
//! stored (same device, metric and time) is skipped, and only new readings count in the rollups,
//! so sending a batch twice changes nothing. The bulk path is per backend, side by side here, and
//! on both the rollups are folded in SQL, not in Rust. SQLite: the whole batch is bound as one
//! JSON parameter that `json_each` expands into a temporary staging table (the first copy of a
//! reading wins), readings already stored are deleted from it, and the rest is inserted and
//! upserted into the rollups from that table. PostgreSQL (on the native pool): COPY into a
//! temporary table, then one INSERT ... SELECT that also folds the new readings into the rollups.

use crate::audit::{self, AuditCtx};
use crate::{Backend, Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{ParkScope, RuleMaker, UnitDesk};
use weiyuan_domain::telemetry::{Bucket, DeviceDraft, KindDef, builtin_kinds};

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Device {
    pub id: i64,
    pub park_id: i64,
    pub building_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub kind: String,
    pub serial: String,
    pub name: String,
    pub active: bool,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
}

/// What the ingest path needs to know of a device, kept in memory by the server.
#[derive(Clone, Debug)]
pub struct Credential {
    pub id: i64,
    pub park_id: i64,
    pub kind: String,
    pub token_hash: String,
    pub active: bool,
}

/// One checked reading, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub device_id: i64,
    pub park_id: i64,
    pub metric: String,
    pub ts: i64,
    pub value: f64,
}

pub use weiyuan_domain::telemetry::Rollup;

const DEVICE_COLUMNS: &str =
    "id, park_id, building_id, unit_id, enterprise_id, kind, serial, name, active, last_seen_at, created_at";

fn device_from_row(r: &AnyRow) -> Result<Device> {
    Ok(Device {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        building_id: col(r, "building_id")?,
        unit_id: col(r, "unit_id")?,
        enterprise_id: col(r, "enterprise_id")?,
        kind: col(r, "kind")?,
        serial: col(r, "serial")?,
        name: col(r, "name")?,
        active: col::<i64>(r, "active")? != 0,
        last_seen_at: col(r, "last_seen_at")?,
        created_at: col(r, "created_at")?,
    })
}

fn json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl Store {
    /// Register a device in the park `desk` was granted for.
    pub async fn create_device(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &DeviceDraft,
        token_hash: &str,
    ) -> Result<Device> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        crate::scope::in_park(&mut tx, park_id, &device_refs(d)).await?;
        let row = sqlx::query(
            "INSERT INTO devices (park_id, building_id, unit_id, enterprise_id, kind, serial, name, token_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(park_id)
        .bind(d.building_id)
        .bind(d.unit_id)
        .bind(d.enterprise_id)
        .bind(&d.kind)
        .bind(&d.serial)
        .bind(&d.name)
        .bind(token_hash)
        .bind(d.active as i64)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "serial"))?;
        let id: i64 = col(&row, "id")?;
        let device = select_device(&mut tx, id).await?;
        audit::record(&mut tx, ctx, "create", "device", Some(id), Some(park_id), None, json(&device)).await?;
        tx.commit().await?;
        Ok(device)
    }

    pub async fn update_device(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64, d: &DeviceDraft) -> Result<Device> {
        let mut tx = self.write_tx().await?;
        let before = device_of(&mut tx, desk, id).await?;
        crate::scope::in_park(&mut tx, before.park_id, &device_refs(d)).await?;
        sqlx::query(
            "UPDATE devices SET building_id = $1, unit_id = $2, enterprise_id = $3, kind = $4, serial = $5, name = $6, \
             active = $7 WHERE id = $8",
        )
        .bind(d.building_id)
        .bind(d.unit_id)
        .bind(d.enterprise_id)
        .bind(&d.kind)
        .bind(&d.serial)
        .bind(&d.name)
        .bind(d.active as i64)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "serial"))?;
        let after = select_device(&mut tx, id).await?;
        audit::record(&mut tx, ctx, "update", "device", Some(id), Some(before.park_id), json(&before), json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Give a device a new token (the old one stops working at once).
    pub async fn set_device_token(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64, token_hash: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let d = device_of(&mut tx, desk, id).await?;
        sqlx::query("UPDATE devices SET token_hash = $1 WHERE id = $2")
            .bind(token_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, ctx, "token", "device", Some(id), Some(d.park_id), None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_device(&self, id: i64) -> Result<Device> {
        select_device(&mut *self.pool.acquire().await?, id).await
    }

    /// The devices of the parks in a scope, by park then id.
    pub async fn list_devices(&self, scope: &ParkScope) -> Result<Vec<Device>> {
        let q = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE {{scope}} ORDER BY park_id, id");
        self.fetch_scoped(&q, scope).await?.iter().map(device_from_row).collect()
    }

    /// A page of the devices of the parks in a scope, by park then id, and how many there are.
    pub async fn devices_page(&self, scope: &ParkScope, limit: i64, offset: i64) -> Result<(Vec<Device>, i64)> {
        let n = self.fetch_scoped("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM devices WHERE {scope}", scope).await?;
        let total = n.first().map(|r| col(r, "n")).transpose()?.unwrap_or(0);
        let q = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE {{scope}} ORDER BY park_id, id LIMIT {limit} OFFSET {offset}"
        );
        let rows = self.fetch_scoped(&q, scope).await?.iter().map(device_from_row).collect::<Result<_>>()?;
        Ok((rows, total))
    }

    /// Every device's serial and credential, for the ingest path's cache.
    pub async fn device_credentials(&self) -> Result<Vec<(String, Credential)>> {
        let rows = sqlx::query("SELECT id, park_id, kind, serial, token_hash, active FROM devices")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col(r, "serial")?,
                    Credential {
                        id: col(r, "id")?,
                        park_id: col(r, "park_id")?,
                        kind: col(r, "kind")?,
                        token_hash: col(r, "token_hash")?,
                        active: col::<i64>(r, "active")? != 0,
                    },
                ))
            })
            .collect()
    }

    /// The built-in kinds, then the county's own.
    pub async fn device_kinds(&self) -> Result<Vec<KindDef>> {
        let mut kinds = builtin_kinds();
        let rows = sqlx::query("SELECT code, name, metrics_json FROM device_kinds ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        for r in &rows {
            kinds.push(KindDef {
                code: col(r, "code")?,
                name: col(r, "name")?,
                metrics: serde_json::from_str(&col::<String>(r, "metrics_json")?).unwrap_or_default(),
                builtin: false,
            });
        }
        Ok(kinds)
    }

    pub async fn create_device_kind(&self, _by: &RuleMaker, ctx: &AuditCtx, k: &KindDef) -> Result<()> {
        if builtin_kinds().iter().any(|b| b.code == k.code) {
            return Err(StoreError::Duplicate("code"));
        }
        let mut tx = self.write_tx().await?;
        sqlx::query("INSERT INTO device_kinds (code, name, metrics_json, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&k.code)
            .bind(&k.name)
            .bind(serde_json::to_string(&k.metrics).unwrap_or_default())
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "code"))?;
        audit::record(&mut tx, ctx, "create", "device_kind", None, None, None, json(k)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Store checked readings, their rollups and the devices' last-seen time in one transaction.
    /// Returns how many were new (the rest were stored before).
    pub async fn ingest(&self, readings: &[Reading]) -> Result<usize> {
        Ok(self.ingest_groups(&[readings]).await?[0])
    }

    /// Store several batches in one transaction (group commit): how many of each were new.
    /// A reading in two batches counts as new in the first.
    pub async fn ingest_groups(&self, groups: &[&[Reading]]) -> Result<Vec<usize>> {
        if groups.iter().all(|g| g.is_empty()) {
            return Ok(vec![0; groups.len()]);
        }
        let per_group = match self.backend {
            Backend::Sqlite => self.ingest_sqlite(groups).await?,
            Backend::Postgres => self.ingest_postgres(groups).await?,
        };
        Ok((0..groups.len()).map(|g| per_group.get(&(g as i64)).copied().unwrap_or(0)).collect())
    }

    async fn ingest_sqlite(&self, groups: &[&[Reading]]) -> Result<std::collections::HashMap<i64, usize>> {
        let mut tx = self.write_tx().await?;
        // The batch goes into a staging table of this connection (the first copy of a reading
        // sent twice in the batch wins), readings already stored are dropped from it, and the
        // rest is inserted and folded into the rollups by SQL, in this one transaction.
        sqlx::query(
            "CREATE TEMP TABLE IF NOT EXISTS readings_stage (device_id BIGINT NOT NULL, park_id BIGINT NOT NULL, \
             metric TEXT NOT NULL, ts BIGINT NOT NULL, value REAL NOT NULL, grp BIGINT NOT NULL, \
             PRIMARY KEY (device_id, metric, ts)) WITHOUT ROWID",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM readings_stage").execute(&mut *tx).await?;
        // The whole batch is one bound parameter, a JSON array of rows that SQLite expands
        // itself: binding readings one value at a time through sqlx cost more than storing them.
        let n: usize = groups.iter().map(|g| g.len()).sum();
        let mut rows = String::with_capacity(n * 48 + 2);
        rows.push('[');
        for (g, list) in groups.iter().enumerate() {
            for r in *list {
                use std::fmt::Write;
                // Metric keys are checked against the kind's list ([a-z0-9_]), and values are
                // finite: both go into JSON as they are.
                let _ = write!(rows, "[{},{},\"{}\",{},{},{g}],", r.device_id, r.park_id, r.metric, r.ts, r.value);
            }
        }
        if rows.ends_with(',') {
            rows.pop();
        }
        rows.push(']');
        sqlx::query(
            "INSERT INTO readings_stage (device_id, park_id, metric, ts, value, grp) \
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each($1) \
             WHERE true ON CONFLICT DO NOTHING",
        )
        .bind(rows)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM readings_stage WHERE EXISTS (SELECT 1 FROM readings r WHERE r.device_id = readings_stage.device_id \
             AND r.metric = readings_stage.metric AND r.ts = readings_stage.ts)",
        )
        .execute(&mut *tx)
        .await?;
        let mut new = std::collections::HashMap::new();
        for r in sqlx::query("SELECT grp, CAST(COUNT(*) AS BIGINT) AS n FROM readings_stage GROUP BY grp")
            .fetch_all(&mut *tx)
            .await?
        {
            new.insert(col::<i64>(&r, "grp")?, col::<i64>(&r, "n")? as usize);
        }
        sqlx::query("INSERT INTO readings (device_id, metric, ts, value) SELECT device_id, metric, ts, value FROM readings_stage")
            .execute(&mut *tx)
            .await?;
        for b in Bucket::ALL {
            // SQLite gives the bare column `value` from the row of MAX(ts): the bucket's last reading.
            let q = format!(
                "INSERT INTO reading_rollups (device_id, metric, bucket, start_ts, park_id, n, vmin, vmax, vsum, vlast, last_ts) \
                 SELECT device_id, metric, '{}', {} AS start, park_id, COUNT(*), MIN(value), MAX(value), SUM(value), value, MAX(ts) \
                 FROM readings_stage GROUP BY device_id, metric, start \
                 ON CONFLICT (device_id, metric, bucket, start_ts) DO UPDATE SET {ROLLUP_MERGE}",
                b.code(),
                sql_bucket(*b)
            );
            sqlx::query(sql(q)).execute(&mut *tx).await?;
        }
        touch_devices(&mut tx, groups).await?;
        tx.commit().await?;
        Ok(new)
    }

    async fn ingest_postgres(&self, groups: &[&[Reading]]) -> Result<std::collections::HashMap<i64, usize>> {
        let pg = self.pg.as_ref().ok_or(StoreError::NotFound)?;
        let mut tx = pg.begin().await?;
        sqlx::query(
            "CREATE TEMP TABLE IF NOT EXISTS readings_in (device_id BIGINT, metric TEXT, ts BIGINT, value DOUBLE PRECISION, grp BIGINT) \
             ON COMMIT DELETE ROWS",
        )
        .execute(&mut *tx)
        .await?;
        let mut copy = tx.copy_in_raw("COPY readings_in FROM STDIN (FORMAT text)").await?;
        let mut buf = String::with_capacity(groups.iter().map(|g| g.len()).sum::<usize>() * 40);
        for (g, list) in groups.iter().enumerate() {
            for r in *list {
                use std::fmt::Write;
                // Metric keys are checked against the kind's list: no tabs, newlines or backslashes.
                let _ = writeln!(buf, "{}\t{}\t{}\t{}\t{g}", r.device_id, r.metric, r.ts, r.value);
            }
        }
        copy.send(buf.as_bytes()).await?;
        copy.finish().await?;
        let buckets = Bucket::ALL
            .iter()
            .map(|b| {
                format!(
                    "SELECT device_id, metric, '{}' AS bucket, {} AS start_ts, park_id, ts, value FROM new",
                    b.code(),
                    sql_bucket(*b)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let q = format!(
            "WITH new AS (INSERT INTO readings (device_id, metric, ts, value) SELECT device_id, metric, ts, value FROM readings_in \
             ORDER BY device_id, metric, ts ON CONFLICT DO NOTHING RETURNING device_id, metric, ts, value), \
             nb AS (SELECT n.*, d.park_id FROM new n JOIN devices d ON d.id = n.device_id), \
             b AS ({}), \
             up AS (INSERT INTO reading_rollups (device_id, metric, bucket, start_ts, park_id, n, vmin, vmax, vsum, vlast, last_ts) \
             SELECT device_id, metric, bucket, start_ts, MIN(park_id), COUNT(*), MIN(value), MAX(value), SUM(value), \
             (ARRAY_AGG(value ORDER BY ts DESC))[1], MAX(ts) FROM b GROUP BY device_id, metric, bucket, start_ts \
             ORDER BY device_id, metric, bucket, start_ts \
             ON CONFLICT (device_id, metric, bucket, start_ts) DO UPDATE SET {ROLLUP_MERGE}) \
             SELECT i.grp, CAST(COUNT(*) AS BIGINT) AS n FROM new n JOIN (SELECT DISTINCT ON (device_id, metric, ts) \
             device_id, metric, ts, grp FROM readings_in ORDER BY device_id, metric, ts, grp) i \
             ON i.device_id = n.device_id AND i.metric = n.metric AND i.ts = n.ts GROUP BY i.grp",
            buckets.replace("FROM new", "FROM nb")
        );
        let mut new = std::collections::HashMap::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(&mut *tx).await? {
            let (g, n): (i64, i64) = (sqlx::Row::try_get(&row, "grp")?, sqlx::Row::try_get(&row, "n")?);
            new.insert(g, n as usize);
        }
        let ids = device_ids(groups);
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE devices SET last_seen_at = $1 WHERE id IN ({ids})")))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// The rollups of some devices in one bucket size, over [from, to).
    pub async fn rollups(&self, device_ids: &[i64], bucket: Bucket, from: i64, to: i64) -> Result<Vec<Rollup>> {
        self.rollups_of("device_id", device_ids, bucket, from, to).await
    }

    /// The rollups of every device of some parks in one bucket size, over [from, to).
    pub async fn park_rollups(&self, park_ids: &[i64], bucket: Bucket, from: i64, to: i64) -> Result<Vec<Rollup>> {
        self.rollups_of("park_id", park_ids, bucket, from, to).await
    }

    /// Rollups whose `column` (device_id or park_id) is one of `ids`.
    async fn rollups_of(&self, column: &str, ids: &[i64], bucket: Bucket, from: i64, to: i64) -> Result<Vec<Rollup>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Integers only, so the list can stand in the text.
        let ids = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let q = format!(
            "SELECT device_id, metric, start_ts, n, vmin, vmax, vsum, vlast, last_ts FROM reading_rollups \
             WHERE {column} IN ({ids}) AND bucket = $1 AND start_ts >= $2 AND start_ts < $3 ORDER BY device_id, metric, start_ts"
        );
        let rows = sqlx::query(sql(q)).bind(bucket.code()).bind(from).bind(to).fetch_all(&self.pool).await?;
        rows.iter().map(rollup_from_row).collect()
    }

    /// Raw readings of one device and metric over [from, to), oldest first (for checks and exports).
    pub async fn readings(&self, device_id: i64, metric: &str, from: i64, to: i64) -> Result<Vec<(i64, f64)>> {
        let rows = sqlx::query(
            "SELECT ts, value FROM readings WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 ORDER BY ts",
        )
        .bind(device_id)
        .bind(metric)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "ts")?, col(r, "value")?))).collect()
    }

    pub async fn count_readings(&self) -> Result<i64> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM readings").fetch_one(&self.pool).await?;
        col(&row, "n")
    }

    /// How many days raw readings are kept (rollups are kept for good).
    pub async fn raw_retention_days(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT raw_retention_days FROM telemetry_settings WHERE id = 1").fetch_one(&self.pool).await?;
        col(&row, "raw_retention_days")
    }

    pub async fn set_raw_retention_days(&self, ctx: &AuditCtx, days: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = self.raw_retention_days().await?;
        sqlx::query("UPDATE telemetry_settings SET raw_retention_days = $1, updated_at = $2 WHERE id = 1")
            .bind(days)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let (b, a) =
            (serde_json::json!({ "raw_retention_days": before }), serde_json::json!({ "raw_retention_days": days }));
        audit::record(&mut tx, ctx, "update", "telemetry_settings", None, None, Some(b), Some(a)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Delete raw readings older than the retention (their rollups stay). Returns how many.
    pub async fn purge_raw_readings(&self, now: i64) -> Result<u64> {
        let days = self.raw_retention_days().await?;
        let cutoff = now - days * 86_400_000;
        let done = sqlx::query("DELETE FROM readings WHERE ts < $1").bind(cutoff).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

/// Merging a rollup row with the one stored: counts and sums add, extremes widen, and the
/// latest reading's value wins.
const ROLLUP_MERGE: &str = "n = reading_rollups.n + excluded.n, \
    vmin = CASE WHEN excluded.vmin < reading_rollups.vmin THEN excluded.vmin ELSE reading_rollups.vmin END, \
    vmax = CASE WHEN excluded.vmax > reading_rollups.vmax THEN excluded.vmax ELSE reading_rollups.vmax END, \
    vsum = reading_rollups.vsum + excluded.vsum, \
    vlast = CASE WHEN excluded.last_ts >= reading_rollups.last_ts THEN excluded.vlast ELSE reading_rollups.vlast END, \
    last_ts = CASE WHEN excluded.last_ts >= reading_rollups.last_ts THEN excluded.last_ts ELSE reading_rollups.last_ts END";

/// A bucket's start as SQL over `ts` (the same arithmetic as `Bucket::start`; integer division
/// truncates, and every time is after 1970).
fn sql_bucket(b: Bucket) -> &'static str {
    match b {
        Bucket::FiveMinutes => "(ts / 300000) * 300000",
        Bucket::Hour => "(ts / 3600000) * 3600000",
        Bucket::Day => "((ts + 28800000) / 86400000) * 86400000 - 28800000",
    }
}

fn device_ids(groups: &[&[Reading]]) -> String {
    let ids: std::collections::BTreeSet<i64> = groups.iter().flat_map(|g| g.iter().map(|r| r.device_id)).collect();
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

async fn touch_devices(conn: &mut AnyConnection, groups: &[&[Reading]]) -> Result<()> {
    let q = format!("UPDATE devices SET last_seen_at = $1 WHERE id IN ({})", device_ids(groups));
    sqlx::query(sql(q)).bind(now_ms()).execute(conn).await?;
    Ok(())
}

/// A device of the park `desk` was granted for, read in the write's transaction; one of
/// another park is not found.
async fn device_of(conn: &mut AnyConnection, desk: &UnitDesk, id: i64) -> Result<Device> {
    let d = select_device(conn, id).await?;
    if d.park_id == desk.park_id() { Ok(d) } else { Err(StoreError::NotFound) }
}

async fn select_device(conn: &mut AnyConnection, id: i64) -> Result<Device> {
    let row = sqlx::query(sql(format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    device_from_row(&row)
}

fn rollup_from_row(r: &AnyRow) -> Result<Rollup> {
    Ok(Rollup {
        device_id: col(r, "device_id")?,
        metric: col(r, "metric")?,
        start_ts: col(r, "start_ts")?,
        n: col(r, "n")?,
        min: col(r, "vmin")?,
        max: col(r, "vmax")?,
        sum: col(r, "vsum")?,
        last: col(r, "vlast")?,
        last_ts: col(r, "last_ts")?,
    })
}

/// The records a device names: each must be of the device's park.
fn device_refs(d: &DeviceDraft) -> [crate::scope::BodyRef; 3] {
    [("building_id", d.building_id), ("unit_id", d.unit_id), ("enterprise_id", d.enterprise_id)]
}
