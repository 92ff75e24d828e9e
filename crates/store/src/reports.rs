//! Monthly enterprise reports: filing (a correction keeps the earlier version and its reason),
//! reading, bulk loading (demo, province scale), the filing status of a month, and aggregates
//! grouped in SQL so that analysis never loads the rows.

use crate::audit::{self, AuditCtx};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use weiyuan_domain::access::{ParkScope, ReportFiler};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{FIELDS, Figures, N, ReportDraft};
use weiyuan_domain::units::Fixed2;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub enterprise_id: i64,
    pub park_id: i64,
    pub month: Month,
    /// By field, in the order of `weiyuan_domain::reports::FIELDS`.
    pub figures: Figures,
    pub version: i64,
    pub reason: String,
    pub first_submitted_at: i64,
    pub submitted_at: i64,
    pub submitted_by: String,
    pub late: bool,
    pub generated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportVersion {
    pub version: i64,
    pub figures: serde_json::Value,
    pub reason: String,
    pub submitted_at: i64,
    pub submitted_by: String,
}

fn value_columns() -> String {
    FIELDS.iter().map(|f| format!("v_{}", f.key)).collect::<Vec<_>>().join(", ")
}

fn columns() -> String {
    format!(
        "enterprise_id, park_id, month, {}, version, reason, first_submitted_at, submitted_at, submitted_by, late, generated",
        value_columns()
    )
}

fn figures_from_row(r: &AnyRow) -> Result<Figures> {
    let mut f: Figures = [None; N];
    for (i, field) in FIELDS.iter().enumerate() {
        f[i] = col::<Option<i64>>(r, &format!("v_{}", field.key))?.map(Fixed2);
    }
    Ok(f)
}

fn report_from_row(r: &AnyRow) -> Result<Report> {
    let month: String = col(r, "month")?;
    Ok(Report {
        enterprise_id: col(r, "enterprise_id")?,
        park_id: col(r, "park_id")?,
        month: Month::parse(&month)
            .ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("bad month {month}").into())))?,
        figures: figures_from_row(r)?,
        version: col(r, "version")?,
        reason: col(r, "reason")?,
        first_submitted_at: col(r, "first_submitted_at")?,
        submitted_at: col(r, "submitted_at")?,
        submitted_by: col(r, "submitted_by")?,
        late: col::<i64>(r, "late")? != 0,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

/// The figures as a JSON object keyed by field, for the audit log and the version history.
pub fn figures_json(f: &Figures) -> serde_json::Value {
    serde_json::Value::Object(FIELDS.iter().zip(f).map(|(k, v)| (k.key.to_string(), serde_json::json!(v))).collect())
}

/// One row for a bulk load.
#[derive(Clone, Debug)]
pub struct NewReport {
    pub enterprise_id: i64,
    pub park_id: i64,
    pub month: Month,
    pub figures: Figures,
    pub submitted_at: i64,
    pub late: bool,
}

/// Which enterprises an aggregate covers. Empty fields mean all (within the caller's scope).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ReportFilter {
    pub park_id: Option<i64>,
    pub township: Option<String>,
    /// A GB/T 4754 code prefix: a section letter (C) or a division (C34).
    pub industry: Option<String>,
    pub size: Option<String>,
    pub tag: Option<String>,
}

/// How an aggregate is grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum GroupBy {
    Month,
    Park,
    Township,
    Division,
    Size,
    /// Park and month: "12/2026-10".
    ParkMonth,
    /// Each enterprise (its id): the drill-down behind a figure. Always reads the reports.
    Enterprise,
}

impl GroupBy {
    /// (the key as text, what to group by), on the reports (`rollup` false) or on the totals.
    fn expr(self, rollup: bool) -> (&'static str, &'static str) {
        match (self, rollup) {
            (GroupBy::Month, _) => ("r.month", "r.month"),
            (GroupBy::Park, _) => ("CAST(r.park_id AS TEXT)", "r.park_id"),
            (GroupBy::Township, _) => ("p.township_code", "p.township_code"),
            (GroupBy::Division, false) => ("SUBSTR(e.industry_code, 1, 3)", "SUBSTR(e.industry_code, 1, 3)"),
            (GroupBy::Division, true) => ("r.division", "r.division"),
            (GroupBy::Size, false) => ("e.size", "e.size"),
            (GroupBy::Size, true) => ("r.size", "r.size"),
            (GroupBy::ParkMonth, _) => ("CAST(r.park_id AS TEXT) || '/' || r.month", "r.park_id, r.month"),
            (GroupBy::Enterprise, _) => ("CAST(r.enterprise_id AS TEXT)", "r.enterprise_id"),
        }
    }
}

/// Sums of a group: how many reports and enterprises, and each field's total.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Totals {
    pub key: String,
    pub reports: i64,
    pub enterprises: i64,
    pub sums: [Fixed2; N],
}

enum Param {
    Int(i64),
    Text(String),
}

impl Store {
    /// File (or correct) a month's report. A correction moves the filed version to the history.
    pub async fn file_enterprise_report(
        &self,
        filer: &ReportFiler,
        ctx: &AuditCtx,
        d: &ReportDraft,
        late: bool,
    ) -> Result<Report> {
        let (enterprise_id, park_id) = (filer.enterprise_id(), filer.park_id());
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let before = select(&mut tx, enterprise_id, d.month).await?;
        match &before {
            Some(b) => correct_in(&mut tx, b, d, &ctx.username, now).await?,
            None => {
                let row =
                    NewReport { enterprise_id, park_id, month: d.month, figures: d.figures, submitted_at: now, late };
                insert_many(&mut tx, &[row], &d.reason, &ctx.username, false).await?;
            }
        }
        refresh_rollup(&mut tx, &[(park_id, d.month)].into_iter().collect()).await?;
        refresh_years(&mut tx, &[(enterprise_id, d.month.year)].into_iter().collect()).await?;
        let after = select(&mut tx, enterprise_id, d.month).await?.ok_or(StoreError::NotFound)?;
        let action = if before.is_some() { "correct" } else { "file" };
        let detail = serde_json::json!({ "month": d.month.to_string(), "figures": figures_json(&d.figures), "reason": d.reason, "jumped": d.jumped });
        audit::record(
            &mut tx,
            ctx,
            action,
            "enterprise_report",
            Some(enterprise_id),
            Some(park_id),
            before.as_ref().map(|b| figures_json(&b.figures)),
            Some(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Load many reports in one transaction (demo data, the province-scale generator, imports).
    /// The caller refreshes the statistics once it has loaded all (`analyze_after_load`).
    pub async fn insert_enterprise_reports(&self, rows: &[NewReport], by: &str, generated: bool) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        insert_many(&mut tx, rows, "", by, generated).await?;
        refresh_rollup(&mut tx, &rows.iter().map(|r| (r.park_id, r.month)).collect()).await?;
        refresh_years(&mut tx, &rows.iter().map(|r| (r.enterprise_id, r.month.year)).collect()).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    pub async fn enterprise_report(&self, enterprise_id: i64, month: Month) -> Result<Option<Report>> {
        select(&mut *self.pool.acquire().await?, enterprise_id, month).await
    }

    /// An enterprise's reports, oldest month first.
    pub async fn enterprise_reports(&self, enterprise_id: i64) -> Result<Vec<Report>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {} FROM enterprise_reports WHERE enterprise_id = $1 ORDER BY month",
            columns()
        )))
        .bind(enterprise_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    pub async fn enterprise_report_versions(&self, enterprise_id: i64, month: Month) -> Result<Vec<ReportVersion>> {
        let rows = sqlx::query(
            "SELECT version, figures_json, reason, submitted_at, submitted_by FROM enterprise_report_versions \
             WHERE enterprise_id = $1 AND month = $2 ORDER BY version",
        )
        .bind(enterprise_id)
        .bind(month.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportVersion {
                    version: col(r, "version")?,
                    figures: serde_json::from_str(&col::<String>(r, "figures_json")?).unwrap_or_default(),
                    reason: col(r, "reason")?,
                    submitted_at: col(r, "submitted_at")?,
                    submitted_by: col(r, "submitted_by")?,
                })
            })
            .collect()
    }

    /// The enterprises (ids) of a scope that filed a month, with whether late.
    pub async fn filed_in(&self, scope: &ParkScope, month: Month) -> Result<Vec<(i64, bool)>> {
        // A Month prints as digits and a dash only, so it can stand in the text.
        let q = format!("SELECT enterprise_id, late FROM enterprise_reports WHERE month = '{month}' AND {{scope}}");
        let rows = self.fetch_scoped(&q, scope).await?;
        rows.iter().map(|r| Ok((col(r, "enterprise_id")?, col::<i64>(r, "late")? != 0))).collect()
    }

    /// Active enterprises of a scope, and how many of them filed a month.
    pub async fn filing_counts(&self, scope: &ParkScope, month: Month) -> Result<(usize, usize)> {
        // A Month prints as digits and a dash only, so it can stand in the text.
        let q = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM enterprise_reports r \
             WHERE r.enterprise_id = enterprises.id AND r.month = '{month}') THEN 1 ELSE 0 END), 0) AS BIGINT) AS filed \
             FROM enterprises WHERE status = 'active' AND {{scope}}"
        );
        let rows = self.fetch_scoped(&q, scope).await?;
        let r = rows.first().ok_or(StoreError::NotFound)?;
        Ok((col::<i64>(r, "n")? as usize, col::<i64>(r, "filed")? as usize))
    }

    /// Sums of the reports of [from, to] in a scope, filtered and grouped, in one SQL pass.
    pub async fn report_totals(
        &self,
        scope: &ParkScope,
        filter: &ReportFilter,
        from: Month,
        to: Month,
        group: GroupBy,
    ) -> Result<Vec<Totals>> {
        let mut conditions = vec!["r.month >= $1".to_string(), "r.month <= $2".to_string()];
        let mut params = vec![Param::Text(from.to_string()), Param::Text(to.to_string())];
        let mut add = |cond: &str, p: Param| {
            params.push(p);
            conditions.push(cond.replace('?', &format!("${}", params.len())));
        };
        // The totals per park, month, division and size answer everything but a tag, an industry
        // finer than a division and the per-enterprise drill-down.
        let rollup = filter.tag.is_none()
            && filter.industry.as_ref().is_none_or(|i| i.chars().count() <= 3)
            && group != GroupBy::Enterprise;
        match scope {
            ParkScope::All => {}
            ParkScope::Township(t) => add("p.township_code = ?", Param::Text(t.clone())),
            ParkScope::Park(id) => add("r.park_id = ?", Param::Int(*id)),
            ParkScope::None => add("1 = ?", Param::Int(0)),
        }
        if let Some(id) = filter.park_id {
            add("r.park_id = ?", Param::Int(id));
        }
        if let Some(t) = &filter.township {
            add("p.township_code = ?", Param::Text(t.clone()));
        }
        if let Some(i) = &filter.industry {
            let column = if rollup { "r.division" } else { "e.industry_code" };
            add(&format!("{column} LIKE ?"), Param::Text(format!("{}%", i.to_ascii_uppercase())));
        }
        if let Some(s) = &filter.size {
            add(if rollup { "r.size = ?" } else { "e.size = ?" }, Param::Text(s.clone()));
        }
        if let Some(t) = &filter.tag {
            add("(',' || e.tags || ',') LIKE ?", Param::Text(format!("%,{t},%")));
        }
        let (key, by) = group.expr(rollup);
        if rollup {
            return self.rollup_totals(&conditions, params, key, by, group).await;
        }
        let sums = FIELDS
            .iter()
            .map(|f| format!("CAST(COALESCE(SUM(r.v_{0}), 0) AS BIGINT) AS s_{0}", f.key))
            .collect::<Vec<_>>()
            .join(", ");
        // Join the enterprises and parks only when a condition or the grouping reads them.
        let text = format!("{} {key}", conditions.join(" "));
        let mut from = String::from("enterprise_reports r");
        if text.contains("e.") {
            from.push_str(" JOIN enterprises e ON e.id = r.enterprise_id");
        }
        if text.contains("p.") {
            from.push_str(" JOIN parks p ON p.id = r.park_id");
        }
        let q = format!(
            "SELECT {key} AS k, CAST(COUNT(*) AS BIGINT) AS n, CAST(COUNT(DISTINCT r.enterprise_id) AS BIGINT) AS ne, {sums} \
             FROM {from} WHERE {} GROUP BY {by} ORDER BY {by}",
            conditions.join(" AND ")
        );
        let rows = bound(q, &params).fetch_all(&self.pool).await?;
        rows.iter().map(|r| totals_from_row(r, "ne")).collect()
    }
}

/// The tables a load of reports fills (for `Store::analyze_after_load`).
pub const REPORT_TABLES: &[&str] = &["enterprise_reports", "report_rollup", "enterprise_years"];

/// Recompute the totals of these park × month pairs from the reports, inside the write's
/// transaction: per month, one statement deletes the parks' totals and one computes them again
/// (an import of a province's month is two statements, not two per park).
async fn refresh_rollup(conn: &mut AnyConnection, pairs: &std::collections::BTreeSet<(i64, Month)>) -> Result<()> {
    let names = FIELDS.iter().map(|f| format!("s_{}", f.key)).collect::<Vec<_>>().join(", ");
    let sums = FIELDS.iter().map(|f| format!("COALESCE(SUM(r.v_{}), 0)", f.key)).collect::<Vec<_>>().join(", ");
    let mut by_month: std::collections::BTreeMap<Month, Vec<i64>> = std::collections::BTreeMap::new();
    for (park, month) in pairs {
        by_month.entry(*month).or_default().push(*park);
    }
    for (month, parks) in &by_month {
        // Integers, so they can stand in the text.
        let list = parks.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        sqlx::query(sql(format!("DELETE FROM report_rollup WHERE month = $1 AND park_id IN ({list})")))
            .bind(month.to_string())
            .execute(&mut *conn)
            .await?;
        sqlx::query(sql(format!(
            "INSERT INTO report_rollup (park_id, month, division, size, reports, {names}) \
             SELECT r.park_id, r.month, SUBSTR(e.industry_code, 1, 3), e.size, COUNT(*), {sums} \
             FROM enterprise_reports r JOIN enterprises e ON e.id = r.enterprise_id \
             WHERE r.month = $1 AND r.park_id IN ({list}) \
             GROUP BY r.park_id, r.month, SUBSTR(e.industry_code, 1, 3), e.size"
        )))
        .bind(month.to_string())
        .execute(&mut *conn)
        .await?;
    }
    if !pairs.is_empty() {
        sqlx::query("UPDATE report_generation SET n = n + 1 WHERE id = 1").execute(&mut *conn).await?;
    }
    Ok(())
}

/// The figures summed per enterprise and calendar year in `enterprise_years`, by column.
const YEAR_SUMS: [&str; 11] = [
    "revenue",
    "tax",
    "tax_local",
    "profit",
    "value_added",
    "energy",
    "emissions",
    "electricity",
    "water",
    "rnd",
    "employees",
];

impl Store {
    /// The enterprise-years whose kept totals (`enterprise_years`) differ from their reports:
    /// none, unless a write forgot them (a check for tests and operators).
    pub async fn enterprise_years_drift(&self) -> Result<Vec<(i64, i64)>> {
        let sums = YEAR_SUMS.iter().map(|c| format!("SUM(v_{c}) AS {c}")).collect::<Vec<_>>().join(", ");
        let differs =
            YEAR_SUMS.iter().map(|c| format!("k.{c} IS DISTINCT FROM r.{c}")).collect::<Vec<_>>().join(" OR ");
        let rows = sqlx::query(sql(format!(
            "WITH r AS (SELECT enterprise_id, CAST(SUBSTR(month, 1, 4) AS BIGINT) AS year, COUNT(*) AS months, {sums}, \
             COUNT(v_employees) AS employee_months FROM enterprise_reports GROUP BY enterprise_id, CAST(SUBSTR(month, 1, 4) AS BIGINT)) \
             SELECT k.enterprise_id, k.year FROM enterprise_years k LEFT JOIN r ON r.enterprise_id = k.enterprise_id AND r.year = k.year \
             WHERE r.enterprise_id IS NULL OR k.months <> r.months OR k.employee_months <> r.employee_months OR {differs} \
             UNION SELECT r.enterprise_id, r.year FROM r LEFT JOIN enterprise_years k ON k.enterprise_id = r.enterprise_id \
             AND k.year = r.year WHERE k.enterprise_id IS NULL"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "enterprise_id")?, col(r, "year")?))).collect()
    }
}

/// Recompute the calendar-year totals of these enterprise × year pairs (`enterprise_years`) from
/// the reports, inside the write's transaction, 500 enterprises a statement.
async fn refresh_years(conn: &mut AnyConnection, pairs: &std::collections::BTreeSet<(i64, i32)>) -> Result<()> {
    let mut by_year: std::collections::BTreeMap<i32, Vec<i64>> = std::collections::BTreeMap::new();
    for (e, y) in pairs {
        by_year.entry(*y).or_default().push(*e);
    }
    for (year, ids) in by_year {
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            sqlx::query(sql(format!("DELETE FROM enterprise_years WHERE year = {year} AND enterprise_id IN ({list})")))
                .execute(&mut *conn)
                .await?;
            sqlx::query(sql(format!(
                "INSERT INTO enterprise_years (enterprise_id, year, months, revenue, tax, tax_local, profit, value_added, \
                 energy, emissions, electricity, water, rnd, employees, employee_months) \
                 SELECT enterprise_id, {year}, COUNT(*), SUM(v_revenue), SUM(v_tax), SUM(v_tax_local), SUM(v_profit), \
                 SUM(v_value_added), SUM(v_energy), SUM(v_emissions), SUM(v_electricity), SUM(v_water), SUM(v_rnd), \
                 SUM(v_employees), COUNT(v_employees) FROM enterprise_reports \
                 WHERE enterprise_id IN ({list}) AND month >= '{year}-01' AND month <= '{year}-12' GROUP BY enterprise_id"
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Recompute the totals of every month an enterprise reported, after its industry or size
/// changed (the totals are kept by the enterprise's present division and size).
pub(crate) async fn refresh_rollup_of(conn: &mut AnyConnection, enterprise_id: i64) -> Result<()> {
    let rows = sqlx::query("SELECT DISTINCT park_id, month FROM enterprise_reports WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut pairs = std::collections::BTreeSet::new();
    for r in &rows {
        if let Some(month) = Month::parse(&col::<String>(r, "month")?) {
            pairs.insert((col(r, "park_id")?, month));
        }
    }
    refresh_rollup(conn, &pairs).await
}

/// Replace a filed report by a corrected one, moving the filed version to the history.
async fn correct_in(conn: &mut AnyConnection, b: &Report, d: &ReportDraft, by: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_report_versions (enterprise_id, month, version, figures_json, reason, submitted_at, submitted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(b.enterprise_id)
    .bind(b.month.to_string())
    .bind(b.version)
    .bind(figures_json(&b.figures).to_string())
    .bind(&b.reason)
    .bind(b.submitted_at)
    .bind(&b.submitted_by)
    .execute(&mut *conn)
    .await?;
    let sets =
        FIELDS.iter().enumerate().map(|(i, f)| format!("v_{} = ${}", f.key, i + 1)).collect::<Vec<_>>().join(", ");
    let q = format!(
        "UPDATE enterprise_reports SET {sets}, version = version + 1, reason = ${}, submitted_at = ${}, submitted_by = ${} \
         WHERE enterprise_id = ${} AND month = ${}",
        N + 1,
        N + 2,
        N + 3,
        N + 4,
        N + 5
    );
    let mut query = sqlx::query(sql(q));
    for v in &d.figures {
        query = query.bind(v.map(|x| x.0));
    }
    query
        .bind(&d.reason)
        .bind(now)
        .bind(by)
        .bind(b.enterprise_id)
        .bind(d.month.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// `report_totals` from the totals per park, month, division and size: the same conditions
    /// and grouping, in one pass grouped by the key and the month, folded here. Enterprises are
    /// counted per month (one report an enterprise a month) and, across months, as the largest
    /// month's count.
    async fn rollup_totals(
        &self,
        conditions: &[String],
        params: Vec<Param>,
        key: &str,
        by: &str,
        group: GroupBy,
    ) -> Result<Vec<Totals>> {
        let sums = FIELDS
            .iter()
            .map(|f| format!("CAST(SUM(r.s_{0}) AS BIGINT) AS s_{0}", f.key))
            .collect::<Vec<_>>()
            .join(", ");
        let from = if conditions.iter().any(|c| c.contains("p.")) || key.contains("p.") {
            "report_rollup r JOIN parks p ON p.id = r.park_id"
        } else {
            "report_rollup r"
        };
        let monthly = matches!(group, GroupBy::Month | GroupBy::ParkMonth);
        let by_month = if monthly { by.to_string() } else { format!("r.month, {by}") };
        let q = format!(
            "SELECT {key} AS k, CAST(SUM(r.reports) AS BIGINT) AS n, {sums} FROM {from} WHERE {} GROUP BY {by_month}",
            conditions.join(" AND ")
        );
        let rows = bound(q, &params).fetch_all(&self.pool).await?;
        let mut out: BTreeMap<String, Totals> = BTreeMap::new();
        for r in &rows {
            let t = totals_from_row(r, "n")?;
            match out.get_mut(&t.key) {
                None => {
                    out.insert(t.key.clone(), t);
                }
                Some(acc) => {
                    acc.reports += t.reports;
                    acc.enterprises = acc.enterprises.max(t.enterprises);
                    for (a, b) in acc.sums.iter_mut().zip(t.sums) {
                        *a += b;
                    }
                }
            }
        }
        let mut out: Vec<Totals> = out.into_values().collect();
        // Parks in the order of their ids, as the reports' path gives them.
        match group {
            GroupBy::Park => out.sort_by_key(|t| t.key.parse::<i64>().unwrap_or(0)),
            GroupBy::ParkMonth => out.sort_by_cached_key(|t| {
                let (park, month) = t.key.split_once('/').unwrap_or(("0", ""));
                (park.parse::<i64>().unwrap_or(0), month.to_string())
            }),
            _ => {}
        }
        Ok(out)
    }

    /// A number that changes with every report write (for caches of analyses).
    pub async fn report_generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT n FROM report_generation WHERE id = 1").fetch_one(&self.pool).await?;
        col(&row, "n")
    }
}

/// A query with the parameters of its conditions bound in order.
fn bound(q: String, params: &[Param]) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sql(q));
    for p in params {
        query = match p {
            Param::Int(v) => query.bind(*v),
            Param::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

/// A row of totals: key `k`, report count `n`, the enterprise count from `enterprises`, sums `s_*`.
fn totals_from_row(r: &AnyRow, enterprises: &str) -> Result<Totals> {
    let mut sums = [Fixed2::ZERO; N];
    for (i, f) in FIELDS.iter().enumerate() {
        sums[i] = Fixed2(col(r, &format!("s_{}", f.key))?);
    }
    Ok(Totals {
        key: col::<Option<String>>(r, "k")?.unwrap_or_default(),
        reports: col(r, "n")?,
        enterprises: col(r, enterprises)?,
        sums,
    })
}

async fn select(conn: &mut AnyConnection, enterprise_id: i64, month: Month) -> Result<Option<Report>> {
    let row = sqlx::query(sql(format!(
        "SELECT {} FROM enterprise_reports WHERE enterprise_id = $1 AND month = $2",
        columns()
    )))
    .bind(enterprise_id)
    .bind(month.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(report_from_row).transpose()
}

/// Multi-row INSERTs of up to 200 rows each (PostgreSQL allows 65,535 parameters, SQLite 32,766).
async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[NewReport],
    reason: &str,
    by: &str,
    generated: bool,
) -> Result<()> {
    const PER_ROW: usize = N + 10;
    // 1,000 rows (24,000 parameters) a statement: within SQLite's 32,766 and PostgreSQL's 65,535.
    for chunk in rows.chunks(1000) {
        let mut q = format!("INSERT INTO enterprise_reports ({}) VALUES ", columns());
        for (i, _) in chunk.iter().enumerate() {
            let ps: Vec<String> = (1..=PER_ROW).map(|k| format!("${}", i * PER_ROW + k)).collect();
            q.push_str(if i == 0 { "(" } else { ", (" });
            q.push_str(&ps.join(", "));
            q.push(')');
        }
        let mut query = sqlx::query(sql(q));
        for r in chunk {
            query = query.bind(r.enterprise_id).bind(r.park_id).bind(r.month.to_string());
            for v in &r.figures {
                query = query.bind(v.map(|x| x.0));
            }
            query = query
                .bind(1i64)
                .bind(reason)
                .bind(r.submitted_at)
                .bind(r.submitted_at)
                .bind(by)
                .bind(r.late as i64)
                .bind(generated as i64);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Yearly sums of the complete years (twelve reported months) of each enterprise, in 元, for
    /// the exit test; `enterprise_id` None for all.
    pub async fn report_years(
        &self,
        enterprise_id: Option<i64>,
    ) -> Result<std::collections::HashMap<i64, Vec<weiyuan_domain::exit::YearFigures>>> {
        report_years_in(&mut *self.pool.acquire().await?, enterprise_id).await
    }
}

/// Complete years of monthly reports (see `Store::report_years`), on a connection or in a
/// transaction.
pub(crate) async fn report_years_in(
    conn: &mut sqlx::AnyConnection,
    enterprise_id: Option<i64>,
) -> Result<std::collections::HashMap<i64, Vec<weiyuan_domain::exit::YearFigures>>> {
    {
        let filter = match enterprise_id {
            Some(id) => format!("WHERE enterprise_id = {id}"),
            None => String::new(),
        };
        let q = format!(
            "SELECT enterprise_id, SUBSTR(month, 1, 4) AS y, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(v_sales), 0) AS BIGINT) AS sales, CAST(COALESCE(SUM(v_tax), 0) AS BIGINT) AS tax, \
             CAST(COALESCE(SUM(v_revenue), 0) AS BIGINT) AS revenue, CAST(COALESCE(SUM(v_investment), 0) AS BIGINT) AS investment \
             FROM enterprise_reports {filter} GROUP BY enterprise_id, SUBSTR(month, 1, 4) ORDER BY enterprise_id, y"
        );
        let rows = sqlx::query(sql(q)).fetch_all(&mut *conn).await?;
        let mut map: std::collections::HashMap<i64, Vec<weiyuan_domain::exit::YearFigures>> = Default::default();
        // 万元 (hundredths) to 元 (hundredths): × 10,000.
        let yuan = |v: i64| Fixed2(v * 10_000);
        for r in &rows {
            if col::<i64>(r, "n")? < 12 {
                continue;
            }
            let year: String = col(r, "y")?;
            map.entry(col(r, "enterprise_id")?).or_default().push(weiyuan_domain::exit::YearFigures {
                year: year.parse().unwrap_or(0),
                sales: yuan(col(r, "sales")?),
                tax: yuan(col(r, "tax")?),
                revenue: yuan(col(r, "revenue")?),
                investment: yuan(col(r, "investment")?),
            });
        }
        Ok(map)
    }
}

impl Store {
    pub async fn count_enterprise_reports(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM enterprise_reports").fetch_one(&self.pool).await?;
        col(&row, "n")
    }
}

impl Store {
    /// The filed figures of the given months, by (enterprise, month): what an import compares
    /// with (corrections) and checks against (last year's month).
    pub async fn report_figures_in(&self, months: &[Month]) -> Result<std::collections::HashMap<(i64, Month), Report>> {
        let mut map = std::collections::HashMap::new();
        for chunk in months.chunks(50) {
            // Months print as digits and a dash only, so they can stand in the text.
            let list = chunk.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
            let q = format!("SELECT {} FROM enterprise_reports WHERE month IN ({list})", columns());
            for r in sqlx::query(sql(q)).fetch_all(&self.pool).await? {
                let report = report_from_row(&r)?;
                map.insert((report.enterprise_id, report.month), report);
            }
        }
        Ok(map)
    }

    /// An import: new reports and corrections of filed ones, all in one transaction, with one
    /// audit entry that counts them. Every row's enterprise must be one of `filers` (granted for
    /// that enterprise in its park), and a new report is of that park; a row of any other
    /// enterprise is not found and nothing is written. A correction keeps the park the report
    /// was filed in (an enterprise that moved since corrects its old months).
    pub async fn import_enterprise_reports(
        &self,
        filers: &[ReportFiler],
        ctx: &AuditCtx,
        new: &[NewReport],
        corrections: &[(Report, ReportDraft)],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<usize> {
        let granted: std::collections::HashMap<i64, i64> =
            filers.iter().map(|f| (f.enterprise_id(), f.park_id())).collect();
        let new_ok = new.iter().all(|r| granted.get(&r.enterprise_id) == Some(&r.park_id));
        if !new_ok || !corrections.iter().all(|(b, _)| granted.contains_key(&b.enterprise_id)) {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        for (k, chunk) in new.chunks(2000).enumerate() {
            insert_many(&mut tx, chunk, "", &ctx.username, false).await?;
            progress((k + 1) * 2000);
        }
        for (before, d) in corrections {
            correct_in(&mut tx, before, d, &ctx.username, now).await?;
        }
        let pairs =
            new.iter().map(|r| (r.park_id, r.month)).chain(corrections.iter().map(|(b, _)| (b.park_id, b.month)));
        refresh_rollup(&mut tx, &pairs.collect()).await?;
        let years = new
            .iter()
            .map(|r| (r.enterprise_id, r.month.year))
            .chain(corrections.iter().map(|(b, _)| (b.enterprise_id, b.month.year)));
        refresh_years(&mut tx, &years.collect()).await?;
        let months: std::collections::BTreeSet<String> = new.iter().map(|r| r.month.to_string()).collect();
        let detail = serde_json::json!({ "new": new.len(), "corrected": corrections.len(), "months": months });
        audit::record(&mut tx, ctx, "import", "enterprise_reports", None, None, None, Some(detail)).await?;
        tx.commit().await?;
        self.analyze_after_load(new.len(), REPORT_TABLES).await?;
        progress(new.len() + corrections.len());
        Ok(new.len() + corrections.len())
    }
}
