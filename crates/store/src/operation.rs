//! Enterprise operation monitoring: the county's settings, what a day's check reads (every
//! enterprise in the parks with its electricity meters' day registers, its baseline days' use,
//! its streak the day before and its open stop), and the check's writes in one transaction (the
//! day's rows, stops raised or cleared with their alarms). Then the lists the pages read: a day's
//! statuses by park, the rate over a period, an enterprise's days, the stops.

use crate::alarms::{AlarmWrite, apply_writes};
use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use std::collections::HashMap;
use weiyuan_domain::access::{ParkAuthority, ParkScope, RuleMaker};
use weiyuan_domain::operation::{DayKind, Reason, Register, Settings, Status, day_start};
use weiyuan_domain::telemetry::Bucket;

/// The metric and kind operation is read from.
pub const METER_KIND: &str = "electricity_meter";
pub const METRIC: &str = "energy_kwh";

/// What a day's check needs of one enterprise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayInput {
    pub enterprise_id: i64,
    pub park_id: i64,
    /// Its active electricity meters.
    pub meters: Vec<i64>,
    /// The registers of the meters that sent a reading that day.
    pub registers: Vec<Register>,
    /// Its checked baseline candidate days with a use: (day, use, status).
    pub samples: Vec<(i64, f64, Status)>,
    /// Its streak after the last day checked before this one, and the streak's first day.
    pub streak_before: i64,
    pub since_before: Option<i64>,
    /// Its open stop.
    pub open_stop: Option<OpenStop>,
}

/// A stop not yet cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenStop {
    pub id: i64,
    pub enterprise_id: i64,
    pub first_day: i64,
    pub raised_day: i64,
}

/// What a day's check reads: the active enterprises, and the open stops of enterprises that are
/// no longer active (to clear).
#[derive(Clone, Debug, Default)]
pub struct DayInputs {
    pub enterprises: Vec<DayInput>,
    pub orphan_stops: Vec<OpenStop>,
}

/// One enterprise's checked day, to store.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DayRow {
    pub enterprise_id: i64,
    pub park_id: i64,
    pub day: i64,
    pub kind: DayKind,
    pub meters: i64,
    pub use_kwh: Option<f64>,
    pub baseline_kwh: Option<f64>,
    pub status: Status,
    pub streak: i64,
    pub streak_since: Option<i64>,
}

/// A stop raised or cleared by a day's check.
#[derive(Clone, Debug, PartialEq)]
pub enum StopWrite {
    /// Raised on `day` for a streak that began on `first_day`; an alarm of each of `rules` (active
    /// rules with the stopped condition that apply to the meter) on `meter`, at the township's level.
    Raise {
        enterprise_id: i64,
        park_id: i64,
        first_day: i64,
        day: i64,
        meter: i64,
        rules: Vec<(i64, weiyuan_domain::alarms::Severity)>,
    },
    /// Cleared on `day` (it ran again, or left): the stop, its alarm and the open alarms of
    /// stopped-condition rules on the enterprise's meters.
    Clear { stop_id: i64, enterprise_id: i64, day: i64 },
}

/// A stop as listed.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Stop {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub alarm_id: Option<i64>,
    pub first_day: i64,
    pub raised_day: i64,
    pub raised_at: i64,
    pub cleared_day: Option<i64>,
    pub explained_at: Option<i64>,
    pub explained_by: Option<String>,
    pub reason: Option<Reason>,
    pub comment: Option<String>,
}

/// An enterprise's checked day, as listed (with its name for a park's list).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EnterpriseDay {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub day: i64,
    pub kind: String,
    pub meters: i64,
    pub use_kwh: Option<f64>,
    pub baseline_kwh: Option<f64>,
    pub status: Status,
    pub streak: i64,
}

/// A day's statuses of one park: (park id, day, status, count).
pub type StatusCount = (i64, i64, Status, i64);

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A scope as a condition on the parks table `p`, whose value is the query's parameter `$n`
/// (None: the scope sees nothing).
struct ScopeSql {
    sql: String,
    text: Option<String>,
    id: Option<i64>,
}

impl ScopeSql {
    fn of(scope: &ParkScope, n: usize) -> Option<ScopeSql> {
        Some(match scope {
            ParkScope::All => ScopeSql { sql: String::new(), text: None, id: None },
            ParkScope::Township(t) => {
                ScopeSql { sql: format!(" AND p.township_code = ${n}"), text: Some(t.clone()), id: None }
            }
            ParkScope::Park(id) => ScopeSql { sql: format!(" AND p.id = ${n}"), text: None, id: Some(*id) },
            ParkScope::None => return None,
        })
    }

    /// Bind the scope's value, after the parameters before it.
    fn bind<'q>(&self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        match (&self.text, self.id) {
            (Some(t), _) => q.bind(t.clone()),
            (_, Some(i)) => q.bind(i),
            _ => q,
        }
    }
}

fn stop_from_row(r: &sqlx::any::AnyRow) -> Result<Stop> {
    Ok(Stop {
        id: col(r, "id")?,
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        township_code: col(r, "township_code")?,
        alarm_id: col(r, "alarm_id")?,
        first_day: col(r, "first_day")?,
        raised_day: col(r, "raised_day")?,
        raised_at: col(r, "raised_at")?,
        cleared_day: col(r, "cleared_day")?,
        explained_at: col(r, "explained_at")?,
        explained_by: col(r, "explained_by")?,
        reason: col::<Option<String>>(r, "reason")?.as_deref().and_then(Reason::parse),
        comment: col(r, "comment")?,
    })
}

const STOP_COLUMNS: &str = "s.id, s.enterprise_id, e.name AS enterprise, s.park_id, p.name AS park, p.township_code, s.alarm_id, \
    s.first_day, s.raised_day, s.raised_at, s.cleared_day, s.explained_at, s.explained_by, s.reason, s.comment \
    FROM operation_stops s JOIN enterprises e ON e.id = s.enterprise_id JOIN parks p ON p.id = s.park_id";

fn literal(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "NULL".into(),
    }
}

impl Store {
    pub async fn operation_settings(&self) -> Result<Settings> {
        let row =
            sqlx::query("SELECT settings_json FROM operation_settings WHERE id = 1").fetch_optional(&self.pool).await?;
        match row {
            Some(r) => serde_json::from_str(&col::<String>(&r, "settings_json")?)
                .map_err(|_| StoreError::Conflict("operation_settings")),
            None => Ok(Settings::default()),
        }
    }

    pub async fn set_operation_settings(&self, _by: &RuleMaker, ctx: &AuditCtx, s: &Settings) -> Result<()> {
        let before = self.operation_settings().await?;
        let mut tx = self.write_tx().await?;
        let text = serde_json::to_string(s).map_err(|_| StoreError::Conflict("operation_settings"))?;
        sqlx::query(
            "INSERT INTO operation_settings (id, settings_json, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at",
        )
        .bind(text)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        audit::record(&mut tx, ctx, "update", "operation_settings", None, None, json(&before), json(s)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the check of `day` needs, for every active enterprise. `recent` are the baseline's
    /// days, most recent first; `older` the days further back it may take, read only for the
    /// enterprises with fewer than `recent.len()` worked days among the recent ones.
    ///
    /// The five reads are independent and run at once, each on its own connection: at province
    /// scale the day's registers are the slowest (the database reads the day's rollup of every
    /// meter and the day before's), and the others finish behind it.
    pub async fn operation_inputs(&self, day: i64, recent: &[i64], older: &[i64]) -> Result<DayInputs> {
        let started = std::time::Instant::now();
        // The registers are read through the rollups' park index, of every park (a meter moved
        // to another park overnight has its day before under the old one).
        let parks: Vec<(i64,)> = self.fetch_as("SELECT id FROM parks".into()).await?;
        let park_list = parks.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(",");
        let samples = |list: &[i64], only: Option<&[i64]>| {
            let days = list.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let only = only.map(|ids| {
                format!(" AND enterprise_id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
            });
            format!(
                "SELECT enterprise_id, day, use_kwh, status FROM enterprise_days WHERE day IN ({days}) \
                 AND use_kwh IS NOT NULL{}",
                only.unwrap_or_default()
            )
        };
        let (meters, registers, recent_samples, streaks, open) = tokio::try_join!(
            // Every active enterprise with its active electricity meters (one row each, or one
            // without a meter).
            self.fetch_as::<(i64, i64, Option<i64>)>(format!(
                "SELECT e.id, e.park_id, d.id AS meter FROM enterprises e \
                 LEFT JOIN devices d ON d.enterprise_id = e.id AND d.kind = '{METER_KIND}' AND d.active = 1 \
                 WHERE e.status = 'active'"
            )),
            // Each meter's day rollup and the day before's, in one pass over the park index: a
            // meter's days lie side by side, so the day before costs almost no extra page.
            async {
                if park_list.is_empty() {
                    return Ok(Vec::new());
                }
                self.fetch_as::<(i64, i64, f64, f64)>(format!(
                    "SELECT device_id, start_ts, vmin, vlast FROM reading_rollups WHERE park_id IN ({park_list}) \
                     AND bucket = '{}' AND start_ts IN ({}, {}) AND metric = '{METRIC}'",
                    Bucket::Day.code(),
                    day_start(day - 1),
                    day_start(day),
                ))
                .await
            },
            // The baseline's recent days.
            async {
                if recent.is_empty() {
                    return Ok(Vec::new());
                }
                self.fetch_as::<(i64, i64, f64, String)>(samples(recent, None)).await
            },
            // The streaks running on the last day checked before this one.
            self.fetch_as::<(i64, i64, Option<i64>)>(format!(
                "SELECT enterprise_id, streak, streak_since FROM enterprise_days WHERE streak > 0 \
                 AND day = (SELECT MAX(day) FROM enterprise_days WHERE day < {day})"
            )),
            self.fetch_as::<(i64, i64, i64, i64)>(
                "SELECT id, enterprise_id, first_day, raised_day FROM operation_stops WHERE cleared_at IS NULL".into()
            ),
        )?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "operation inputs read");
        let mut by: HashMap<i64, DayInput> = HashMap::with_capacity(meters.len());
        let mut meter_of: HashMap<i64, i64> = HashMap::with_capacity(meters.len());
        for (id, park_id, meter) in meters {
            let i = by.entry(id).or_insert_with(|| DayInput { enterprise_id: id, park_id, ..Default::default() });
            if let Some(m) = meter {
                i.meters.push(m);
                meter_of.insert(m, id);
            }
        }
        let (today, before) = (day_start(day), day_start(day - 1));
        let prev_last: HashMap<i64, f64> =
            registers.iter().filter(|r| r.1 == before).map(|&(device_id, _, _, last)| (device_id, last)).collect();
        for (device_id, _, min, last) in registers.into_iter().filter(|r| r.1 == today) {
            let Some(e) = meter_of.get(&device_id) else { continue };
            if let Some(i) = by.get_mut(e) {
                i.registers.push(Register { prev_last: prev_last.get(&device_id).copied(), min, last });
            }
        }
        let add = |rows: Vec<(i64, i64, f64, String)>, by: &mut HashMap<i64, DayInput>| -> Result<()> {
            for (enterprise_id, day, use_kwh, status) in rows {
                if let Some(i) = by.get_mut(&enterprise_id) {
                    let status = Status::parse(&status).ok_or(StoreError::Conflict("status"))?;
                    i.samples.push((day, use_kwh, status));
                }
            }
            Ok(())
        };
        add(recent_samples, &mut by)?;
        if !recent.is_empty() && !older.is_empty() {
            let short: Vec<i64> = by
                .values()
                .filter(|i| i.samples.iter().filter(|s| s.2.working()).count() < recent.len())
                .map(|i| i.enterprise_id)
                .collect();
            for chunk in short.chunks(20_000) {
                add(self.fetch_as(samples(older, Some(chunk))).await?, &mut by)?;
            }
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                short = short.len(),
                "operation inputs: older samples"
            );
        }
        for (enterprise_id, streak, since) in streaks {
            if let Some(i) = by.get_mut(&enterprise_id) {
                i.streak_before = streak;
                i.since_before = since;
            }
        }
        let mut orphan_stops = Vec::new();
        for (id, enterprise_id, first_day, raised_day) in open {
            let stop = OpenStop { id, enterprise_id, first_day, raised_day };
            match by.get_mut(&stop.enterprise_id) {
                Some(i) => i.open_stop = Some(stop),
                None => orphan_stops.push(stop),
            }
        }
        let mut enterprises: Vec<DayInput> = by.into_values().collect();
        enterprises.sort_by_key(|i| i.enterprise_id);
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "operation inputs assembled");
        Ok(DayInputs { enterprises, orphan_stops })
    }

    /// Store a day's check in one transaction: its rows (a day checked again is replaced) and
    /// its stops with their alarms. Returns (stops raised, stops cleared).
    pub async fn save_operation_day(
        &self,
        day: i64,
        rows: &[DayRow],
        stops: &[StopWrite],
        now: i64,
    ) -> Result<(usize, usize)> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM enterprise_days WHERE day = $1").bind(day).execute(&mut *tx).await?;
        for chunk in rows.chunks(2000) {
            let values = chunk
                .iter()
                .map(|r| {
                    format!(
                        "({}, {}, {}, '{}', {}, {}, {}, '{}', {}, {}, {now})",
                        r.enterprise_id,
                        day,
                        r.park_id,
                        r.kind.code(),
                        r.meters,
                        literal(r.use_kwh),
                        literal(r.baseline_kwh),
                        r.status.code(),
                        r.streak,
                        r.streak_since.map(|d| d.to_string()).unwrap_or_else(|| "NULL".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
            sqlx::query(sql(format!(
                "INSERT INTO enterprise_days (enterprise_id, day, park_id, day_kind, meters, use_kwh, baseline_kwh, status, streak, streak_since, computed_at) \
                 VALUES {values}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM operation_park_days WHERE day = $1").bind(day).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO operation_park_days (park_id, day, status, n) \
             SELECT park_id, day, status, COUNT(*) FROM enterprise_days WHERE day = $1 GROUP BY park_id, day, status",
        )
        .bind(day)
        .execute(&mut *tx)
        .await?;
        let (mut raised, mut cleared) = (0, 0);
        for s in stops {
            match s {
                StopWrite::Raise { enterprise_id, park_id, first_day, day, meter, rules } => {
                    let row = sqlx::query(
                        "INSERT INTO operation_stops (enterprise_id, park_id, first_day, raised_day, raised_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enterprise_id) WHERE cleared_at IS NULL DO NOTHING RETURNING id",
                    )
                    .bind(enterprise_id)
                    .bind(park_id)
                    .bind(first_day)
                    .bind(day)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    // Another server raised it first.
                    let Some(row) = row else { continue };
                    let stop_id: i64 = col(&row, "id")?;
                    let writes: Vec<AlarmWrite> = rules
                        .iter()
                        .map(|(rule_id, severity)| AlarmWrite::Raise {
                            rule_id: *rule_id,
                            device_id: *meter,
                            park_id: *park_id,
                            metric: METRIC.to_string(),
                            severity: *severity,
                            ts: day_start(*first_day),
                            // The streak is the stop's, not a reading of the meter's metric.
                            value: None,
                            unless_seen_since: None,
                            level: weiyuan_domain::alarms::Level::Township,
                        })
                        .collect();
                    let alarms = apply_writes(&mut tx, &writes, now).await?;
                    if let Some(a) = alarms.first() {
                        sqlx::query("UPDATE operation_stops SET alarm_id = $1 WHERE id = $2")
                            .bind(a)
                            .bind(stop_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    raised += 1;
                }
                StopWrite::Clear { stop_id, enterprise_id, day } => {
                    let done = sqlx::query(
                        "UPDATE operation_stops SET cleared_day = $1, cleared_at = $2 WHERE id = $3 AND cleared_at IS NULL",
                    )
                    .bind(day)
                    .bind(now)
                    .bind(stop_id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        continue;
                    }
                    let writes: Vec<AlarmWrite> = stop_alarms(&mut tx, *stop_id, *enterprise_id)
                        .await?
                        .into_iter()
                        .map(|(_, rule_id, device_id)| AlarmWrite::Clear {
                            rule_id,
                            device_id,
                            ts: day_start(*day),
                            value: None,
                            arrived: true,
                        })
                        .collect();
                    apply_writes(&mut tx, &writes, now).await?;
                    cleared += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((raised, cleared))
    }

    /// The last day checked (None before the first check).
    pub async fn last_operation_day(&self) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT CAST(MAX(day) AS BIGINT) AS d FROM enterprise_days").fetch_one(&self.pool).await?;
        col(&row, "d")
    }

    /// Status counts per park and day over [from, to] for the parks in scope.
    pub async fn operation_counts(&self, scope: &ParkScope, from: i64, to: i64) -> Result<Vec<StatusCount>> {
        self.park_day_counts(scope, from, to, "x.park_id, x.day, x.status, x.n", "").await
    }

    /// Status counts per day over [from, to] for the parks in scope (park id 0).
    pub async fn operation_trend(&self, scope: &ParkScope, from: i64, to: i64) -> Result<Vec<StatusCount>> {
        self.park_day_counts(
            scope,
            from,
            to,
            "CAST(0 AS BIGINT) AS park_id, x.day, x.status, CAST(SUM(x.n) AS BIGINT) AS n",
            " GROUP BY x.day, x.status",
        )
        .await
    }

    async fn park_day_counts(
        &self,
        scope: &ParkScope,
        from: i64,
        to: i64,
        columns: &str,
        group: &str,
    ) -> Result<Vec<StatusCount>> {
        let Some(scoped) = ScopeSql::of(scope, 3) else { return Ok(Vec::new()) };
        let filter = &scoped.sql;
        let mut q = sqlx::query(sql(format!(
            "SELECT {columns} FROM operation_park_days x JOIN parks p ON p.id = x.park_id \
             WHERE x.day >= $1 AND x.day <= $2{filter}{group}"
        )))
        .bind(from)
        .bind(to);
        q = scoped.bind(q);
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let status = Status::parse(&col::<String>(r, "status")?).ok_or(StoreError::Conflict("status"))?;
                Ok((col(r, "park_id")?, col(r, "day")?, status, col(r, "n")?))
            })
            .collect()
    }

    /// The enterprises of the parks in scope on a day, by status (None: every status), with at
    /// least `min_streak` stopped working days in a row; a page of them by name and the total.
    #[allow(clippy::too_many_arguments)]
    pub async fn operation_day(
        &self,
        scope: &ParkScope,
        day: i64,
        status: Option<Status>,
        min_streak: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<EnterpriseDay>, i64)> {
        let Some(scoped) = ScopeSql::of(scope, 4) else { return Ok((Vec::new(), 0)) };
        let filter = &scoped.sql;
        let from = format!(
            "FROM enterprise_days x JOIN enterprises e ON e.id = x.enterprise_id JOIN parks p ON p.id = x.park_id \
             WHERE x.day = $1 AND ($2 = '' OR x.status = $2) AND x.streak >= $3{filter}"
        );
        let bind = |q: AnyQuery<'static>| {
            scoped.bind(q.bind(day).bind(status.map(Status::code).unwrap_or("")).bind(min_streak))
        };
        let total = bind(sqlx::query(sql(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n {from}"))))
            .fetch_one(&self.pool)
            .await?;
        let rows = bind(sqlx::query(sql(format!(
            "SELECT x.enterprise_id, e.name AS enterprise, x.park_id, x.day, x.day_kind, x.meters, x.use_kwh, x.baseline_kwh, \
             x.status, x.streak {from} ORDER BY x.streak DESC, e.name LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset.max(0)
        ))))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows.iter().map(day_from_row).collect::<Result<_>>()?, col(&total, "n")?))
    }

    /// How many enterprises of the parks in scope were stopped `min_streak` working days in a row
    /// or more on a day.
    pub async fn operation_stopped_count(&self, scope: &ParkScope, day: i64, min_streak: i64) -> Result<i64> {
        let Some(scoped) = ScopeSql::of(scope, 3) else { return Ok(0) };
        let filter = &scoped.sql;
        let mut q = sqlx::query(sql(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM enterprise_days x JOIN parks p ON p.id = x.park_id \
             WHERE x.day = $1 AND x.streak >= $2{filter}"
        )))
        .bind(day)
        .bind(min_streak);
        q = scoped.bind(q);
        col(&q.fetch_one(&self.pool).await?, "n")
    }

    /// One enterprise's checked days over [from, to], oldest first.
    pub async fn enterprise_days(&self, enterprise_id: i64, from: i64, to: i64) -> Result<Vec<EnterpriseDay>> {
        let rows = sqlx::query(
            "SELECT x.enterprise_id, e.name AS enterprise, x.park_id, x.day, x.day_kind, x.meters, x.use_kwh, x.baseline_kwh, \
             x.status, x.streak FROM enterprise_days x JOIN enterprises e ON e.id = x.enterprise_id \
             WHERE x.enterprise_id = $1 AND x.day >= $2 AND x.day <= $3 ORDER BY x.day",
        )
        .bind(enterprise_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(day_from_row).collect()
    }

    /// Metered use per enterprise and month (first day of the month → kWh) over [from, to), for
    /// the enterprises of the parks in scope (or one enterprise).
    pub async fn metered_months(
        &self,
        scope: &ParkScope,
        enterprise_id: Option<i64>,
        months: &[(i64, i64)],
    ) -> Result<HashMap<(i64, i64), f64>> {
        let Some(scoped) = ScopeSql::of(scope, 2) else { return Ok(HashMap::new()) };
        let filter = &scoped.sql;
        let mut out = HashMap::new();
        for (start, end) in months {
            let mut q = sqlx::query(sql(format!(
                "SELECT x.enterprise_id, SUM(x.use_kwh) AS kwh FROM enterprise_days x JOIN parks p ON p.id = x.park_id \
                 WHERE x.day >= {start} AND x.day < {end} AND x.use_kwh IS NOT NULL AND ($1 = 0 OR x.enterprise_id = $1){filter} \
                 GROUP BY x.enterprise_id"
            )))
            .bind(enterprise_id.unwrap_or(0));
            q = scoped.bind(q);
            for r in q.fetch_all(&self.pool).await? {
                out.insert((col(&r, "enterprise_id")?, *start), col(&r, "kwh")?);
            }
        }
        Ok(out)
    }

    /// Reported electricity (kWh) per enterprise and month ("2026-10") for the enterprises of
    /// the parks in scope (or one enterprise).
    pub async fn reported_electricity(
        &self,
        scope: &ParkScope,
        enterprise_id: Option<i64>,
        months: &[String],
    ) -> Result<HashMap<(i64, String), f64>> {
        let Some(scoped) = ScopeSql::of(scope, 2) else { return Ok(HashMap::new()) };
        let filter = &scoped.sql;
        let list = months.iter().map(|m| format!("'{}'", m.replace('\'', ""))).collect::<Vec<_>>().join(",");
        if list.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = sqlx::query(sql(format!(
            "SELECT r.enterprise_id, r.month, r.v_electricity FROM enterprise_reports r JOIN parks p ON p.id = r.park_id \
             WHERE r.month IN ({list}) AND r.v_electricity IS NOT NULL AND ($1 = 0 OR r.enterprise_id = $1){filter}"
        )))
        .bind(enterprise_id.unwrap_or(0));
        q = scoped.bind(q);
        let mut out = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            out.insert((col(&r, "enterprise_id")?, col(&r, "month")?), col::<i64>(&r, "v_electricity")? as f64 / 100.0);
        }
        Ok(out)
    }

    /// Stops of the parks in scope: open ones (or all), newest first, a page and the total.
    pub async fn operation_stops(
        &self,
        scope: &ParkScope,
        open_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Stop>, i64)> {
        let Some(scoped) = ScopeSql::of(scope, 1) else { return Ok((Vec::new(), 0)) };
        let filter = &scoped.sql;
        let open = if open_only { " AND s.cleared_at IS NULL" } else { "" };
        let bind = |q: AnyQuery<'static>| scoped.bind(q);
        let cond = format!("WHERE 1 = 1{filter}{open}");
        let total = bind(sqlx::query(sql(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM operation_stops s JOIN parks p ON p.id = s.park_id {cond}"
        ))))
        .fetch_one(&self.pool)
        .await?;
        let rows = bind(sqlx::query(sql(format!(
            "SELECT {STOP_COLUMNS} {cond} ORDER BY s.id DESC LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset.max(0)
        ))))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows.iter().map(stop_from_row).collect::<Result<_>>()?, col(&total, "n")?))
    }

    /// The open stops of the parks in scope: enterprise → first stopped day.
    pub async fn open_stops(&self, scope: &ParkScope) -> Result<HashMap<i64, i64>> {
        let Some(scoped) = ScopeSql::of(scope, 1) else { return Ok(HashMap::new()) };
        let filter = &scoped.sql;
        let mut q = sqlx::query(sql(format!(
            "SELECT s.enterprise_id, s.first_day FROM operation_stops s JOIN parks p ON p.id = s.park_id \
             WHERE s.cleared_at IS NULL{filter}"
        )));
        q = scoped.bind(q);
        q.fetch_all(&self.pool).await?.iter().map(|r| Ok((col(r, "enterprise_id")?, col(r, "first_day")?))).collect()
    }

    /// An enterprise's stops, newest first (at most 50).
    pub async fn enterprise_stops(&self, enterprise_id: i64) -> Result<Vec<Stop>> {
        let rows =
            sqlx::query(sql(format!("SELECT {STOP_COLUMNS} WHERE s.enterprise_id = $1 ORDER BY s.id DESC LIMIT 50")))
                .bind(enterprise_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(stop_from_row).collect()
    }

    pub async fn operation_stop(&self, id: i64) -> Result<Stop> {
        let row = sqlx::query(sql(format!("SELECT {STOP_COLUMNS} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        stop_from_row(&row)
    }

    /// The township (or the county) marks a stop of its park explained; its alarm is
    /// acknowledged with the reason, so it goes no further up.
    pub async fn explain_stop(
        &self,
        ctx: &AuditCtx,
        cap: &ParkAuthority,
        id: i64,
        reason: Reason,
        comment: &str,
    ) -> Result<Stop> {
        let before = self.operation_stop(id).await?;
        if before.park_id != cap.park_id() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE operation_stops SET explained_at = $1, explained_by = $2, reason = $3, comment = $4 WHERE id = $5",
        )
        .bind(now)
        .bind(&ctx.username)
        .bind(reason.code())
        .bind(comment)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        for (alarm, _, _) in stop_alarms(&mut tx, id, before.enterprise_id).await? {
            crate::alarms::acknowledge_in(&mut tx, ctx, alarm, &format!("{}：{comment}", reason.code())).await?;
        }
        let after = serde_json::json!({ "reason": reason.code(), "comment": comment, "explained_by": ctx.username });
        audit::record(
            &mut tx,
            ctx,
            "explain",
            "operation_stop",
            Some(id),
            Some(before.park_id),
            json(&before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        self.operation_stop(id).await
    }
}

/// The open alarms of a stop: its own, and those of stopped-condition rules on the enterprise's
/// devices: (alarm id, rule id, device id).
async fn stop_alarms(conn: &mut sqlx::AnyConnection, stop_id: i64, enterprise_id: i64) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.rule_id, a.device_id FROM alarms a JOIN alarm_rules r ON r.id = a.rule_id \
         WHERE a.cleared_at IS NULL AND r.cond = 'stopped' AND (a.id = (SELECT alarm_id FROM operation_stops WHERE id = $1) \
         OR a.device_id IN (SELECT id FROM devices WHERE enterprise_id = $2))",
    )
    .bind(stop_id)
    .bind(enterprise_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((col(r, "id")?, col(r, "rule_id")?, col(r, "device_id")?))).collect()
}

fn day_from_row(r: &sqlx::any::AnyRow) -> Result<EnterpriseDay> {
    Ok(EnterpriseDay {
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        park_id: col(r, "park_id")?,
        day: col(r, "day")?,
        kind: col(r, "day_kind")?,
        meters: col(r, "meters")?,
        use_kwh: col(r, "use_kwh")?,
        baseline_kwh: col(r, "baseline_kwh")?,
        status: Status::parse(&col::<String>(r, "status")?).ok_or(StoreError::Conflict("status"))?,
        streak: col(r, "streak")?,
    })
}

impl Store {
    /// For `weiyuan bench operation` (PostgreSQL): an electricity meter for every active enterprise
    /// and day rollups from `first` to `last`: 200-2,000 kWh on a weekday, a fifth of it at the
    /// weekend; one enterprise in 29 stopped for the last eight days, one in 17 at a fifth for the
    /// last five; the register is the running sum. Returns the meters made (0: they were there).
    pub async fn seed_bench_meters(&self, first: i64, last: i64) -> Result<u64> {
        let have = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM devices WHERE serial LIKE 'BENCH-EM-%'")
            .fetch_one(&self.pool)
            .await?;
        if col::<i64>(&have, "n")? > 0 {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        let made = sqlx::query(
            "INSERT INTO devices (park_id, enterprise_id, kind, serial, name, token_hash, active, created_at) \
             SELECT park_id, id, 'electricity_meter', 'BENCH-EM-' || id, 'bench meter', 'x', 1, 0 FROM enterprises \
             WHERE status = 'active'",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let usual = "(200 + (d.enterprise_id * 7919) % 1800)";
        let bucket = Bucket::Day.code();
        sqlx::query(sql(format!(
            "INSERT INTO reading_rollups (device_id, metric, bucket, start_ts, park_id, n, vmin, vmax, vsum, vlast, last_ts) \
             SELECT id, 'energy_kwh', '{bucket}', day * 86400000 - 28800000, park_id, 96, reg - u * 0.98, reg, 0, reg, \
             day * 86400000 - 28800000 + 85500000 \
             FROM (SELECT d.id, d.park_id, g.day, u.u, 100000 + SUM(u.u) OVER (PARTITION BY d.id ORDER BY g.day) AS reg \
                   FROM devices d CROSS JOIN generate_series(CAST({first} AS BIGINT), CAST({last} AS BIGINT)) AS g(day) \
                   CROSS JOIN LATERAL (SELECT CASE \
                       WHEN d.enterprise_id % 29 = 5 AND g.day > {last} - 8 THEN 0 \
                       WHEN ((g.day + 3) % 7) >= 5 THEN {usual} * 0.2 \
                       WHEN d.enterprise_id % 17 = 3 AND g.day > {last} - 5 THEN {usual} * 0.2 \
                       ELSE {usual} END AS u) u \
                   WHERE d.serial LIKE 'BENCH-EM-%') x"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE reading_rollups").execute(&self.pool).await?;
        Ok(made)
    }

    /// The first park with a bench meter.
    pub async fn bench_meter_park(&self) -> Result<i64> {
        let row = sqlx::query("SELECT CAST(MIN(park_id) AS BIGINT) AS p FROM devices WHERE serial LIKE 'BENCH-EM-%'")
            .fetch_one(&self.pool)
            .await?;
        col::<Option<i64>>(&row, "p")?.ok_or(StoreError::NotFound)
    }
}
