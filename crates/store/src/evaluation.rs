//! The per-mu evaluation's records: method versions, runs with one row per enterprise (the
//! figures read and the result), and townships' objections. A run is computed and written in
//! one transaction (`Store::begin_evaluation` → `EvaluationTx`), reading what the rule needs
//! through it; writes take the `Evaluator` or `Objector` capability.

use crate::audit::{self, AuditCtx, json};
use crate::versions::{self, bad_json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use weiyuan_domain::access::{Evaluator, Objector, UnitDesk};
use weiyuan_domain::evaluation::{Evaluation, Excluded, Group, Method, Outcome, Subject, Totals, land_of};
use weiyuan_domain::progress::Month;

/// A method version as stored.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MethodVersion {
    pub version: i64,
    pub method: Method,
    pub note: String,
    pub created_at: i64,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Run {
    pub id: i64,
    pub first_month: String,
    pub last_month: String,
    pub method_version: i64,
    /// draft, published
    pub status: String,
    pub benchmarks: serde_json::Value,
    pub judged: i64,
    pub excluded: i64,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
}

/// What a run keeps of one enterprise: the figures it read and the outcome or the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Detail {
    pub subject: Subject,
    pub outcome: Option<Outcome>,
    pub excluded: Option<Excluded>,
}

/// One enterprise's row of a run, with its names for lists and exports.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ResultRow {
    pub run_id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub credit_code: String,
    pub industry_code: String,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub group: String,
    pub class: Option<String>,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub low_efficiency: bool,
    pub detail: Detail,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Objection {
    pub id: i64,
    pub run_id: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub reason: String,
    pub raised_by: String,
    pub raised_at: i64,
    /// open, accepted, rejected
    pub status: String,
    pub answer: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
}

/// Filters of a run's results. `township`/`park_id`/`enterprise_id` also carry the caller's scope.
#[derive(Clone, Debug, Default)]
pub struct ResultFilter {
    pub township: Option<String>,
    pub park_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub class: Option<String>,
    pub group: Option<String>,
    /// Some(true): judged only; Some(false): excluded only.
    pub judged: Option<bool>,
    pub low_efficiency: bool,
    pub limit: i64,
    pub offset: i64,
}

const RUN: &str = "SELECT id, first_month, last_month, method_version, status, benchmarks_json, judged, excluded, \
                   created_at, created_by, published_at, published_by FROM evaluation_runs";

fn run_from_row(r: &AnyRow) -> Result<Run> {
    Ok(Run {
        id: col(r, "id")?,
        first_month: col(r, "first_month")?,
        last_month: col(r, "last_month")?,
        method_version: col(r, "method_version")?,
        status: col(r, "status")?,
        benchmarks: serde_json::from_str(&col::<String>(r, "benchmarks_json")?).unwrap_or_default(),
        judged: col(r, "judged")?,
        excluded: col(r, "excluded")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        published_at: col(r, "published_at")?,
        published_by: col(r, "published_by")?,
    })
}

const RESULT: &str = "SELECT r.run_id, r.enterprise_id, e.name AS enterprise, e.credit_code, e.industry_code, \
                      r.park_id, p.name AS park, r.township_code, r.grp, r.class, r.score_x100, r.rank_no, \
                      r.low_efficiency, r.detail_json \
                      FROM evaluation_results r JOIN enterprises e ON e.id = r.enterprise_id \
                      JOIN parks p ON p.id = r.park_id";

fn result_from_row(r: &AnyRow) -> Result<ResultRow> {
    let detail: Detail = serde_json::from_str(&col::<String>(r, "detail_json")?).map_err(bad_json)?;
    Ok(ResultRow {
        run_id: col(r, "run_id")?,
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        credit_code: col(r, "credit_code")?,
        industry_code: col(r, "industry_code")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        township_code: col(r, "township_code")?,
        group: col(r, "grp")?,
        class: col(r, "class")?,
        score: col::<Option<i64>>(r, "score_x100")?.map(|v| v as f64 / 100.0),
        rank: col(r, "rank_no")?,
        low_efficiency: col::<i64>(r, "low_efficiency")? != 0,
        detail,
    })
}

const OBJECTION: &str = "SELECT o.id, o.run_id, o.enterprise_id, e.name AS enterprise, o.park_id, o.reason, \
                         o.raised_by, o.raised_at, o.status, o.answer, o.answered_by, o.answered_at \
                         FROM evaluation_objections o JOIN enterprises e ON e.id = o.enterprise_id";

fn objection_from_row(r: &AnyRow) -> Result<Objection> {
    Ok(Objection {
        id: col(r, "id")?,
        run_id: col(r, "run_id")?,
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        park_id: col(r, "park_id")?,
        reason: col(r, "reason")?,
        raised_by: col(r, "raised_by")?,
        raised_at: col(r, "raised_at")?,
        status: col(r, "status")?,
        answer: col(r, "answer")?,
        answered_by: col(r, "answered_by")?,
        answered_at: col(r, "answered_at")?,
    })
}

fn f(v: Option<i64>) -> f64 {
    v.unwrap_or(0) as f64 / 100.0
}

async fn method_in(conn: &mut sqlx::AnyConnection) -> Result<MethodVersion> {
    Ok(versions::latest(conn, &versions::METHODS).await?.into())
}

impl From<versions::Version<Method>> for MethodVersion {
    fn from(v: versions::Version<Method>) -> Self {
        MethodVersion {
            version: v.version,
            method: v.value,
            note: v.note,
            created_at: v.created_at,
            created_by: v.created_by,
        }
    }
}

/// Every enterprise's subject for the period, with its park and township.
async fn subjects_in(conn: &mut sqlx::AnyConnection, first: Month, last: Month) -> Result<Vec<(Subject, i64, String)>> {
    // A calendar year reads the totals kept with every report write; other twelve months are
    // summed from the reports.
    let sums = if first.month == 1 && last.month == 12 && first.year == last.year {
        sqlx::query(
            "SELECT enterprise_id, months, revenue, tax, value_added, energy, emissions, electricity, water, rnd, \
             employees, employee_months FROM enterprise_years WHERE year = $1",
        )
        .bind(first.year as i64)
        .fetch_all(&mut *conn)
        .await?
    } else {
        sqlx::query(
            "SELECT enterprise_id, CAST(COUNT(*) AS BIGINT) AS months, CAST(SUM(v_revenue) AS BIGINT) AS revenue, CAST(SUM(v_tax) AS BIGINT) AS tax, \
             CAST(SUM(v_value_added) AS BIGINT) AS value_added, CAST(SUM(v_energy) AS BIGINT) AS energy, CAST(SUM(v_emissions) AS BIGINT) AS emissions, \
             CAST(SUM(v_electricity) AS BIGINT) AS electricity, CAST(SUM(v_water) AS BIGINT) AS water, CAST(SUM(v_rnd) AS BIGINT) AS rnd, \
             CAST(SUM(v_employees) AS BIGINT) AS employees, CAST(COUNT(v_employees) AS BIGINT) AS employee_months \
             FROM enterprise_reports WHERE month >= $1 AND month <= $2 GROUP BY enterprise_id",
        )
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(&mut *conn)
        .await?
    };
    let mut totals: HashMap<i64, (u32, Totals)> = HashMap::with_capacity(sums.len());
    for r in &sums {
        let employee_months: i64 = col(r, "employee_months")?;
        let employees = f(col(r, "employees")?);
        totals.insert(
            col(r, "enterprise_id")?,
            (
                col::<i64>(r, "months")? as u32,
                Totals {
                    revenue: f(col(r, "revenue")?),
                    tax: f(col(r, "tax")?),
                    value_added: f(col(r, "value_added")?),
                    energy: f(col(r, "energy")?),
                    emissions: f(col(r, "emissions")?),
                    electricity: f(col(r, "electricity")?),
                    water: f(col(r, "water")?),
                    rnd: f(col(r, "rnd")?),
                    employees: if employee_months > 0 { employees / employee_months as f64 } else { 0.0 },
                },
            ),
        );
    }
    // Floor area each enterprise uses: units it rents, and units it owns and has not let.
    let mut floor: HashMap<i64, i64> = HashMap::new();
    let mut sublets: HashMap<i64, u32> = HashMap::new();
    let units = sqlx::query(
        "SELECT owner_id, tenant_id, area_m2_x100 FROM units WHERE owner_id IS NOT NULL OR tenant_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut let_to: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in &units {
        let owner: Option<i64> = col(r, "owner_id")?;
        let tenant: Option<i64> = col(r, "tenant_id")?;
        let area: i64 = col(r, "area_m2_x100")?;
        if let Some(user) = tenant.or(owner) {
            *floor.entry(user).or_default() += area;
        }
        if let (Some(o), Some(t)) = (owner, tenant)
            && o != t
        {
            let tenants = let_to.entry(o).or_default();
            if !tenants.contains(&t) {
                tenants.push(t);
            }
        }
    }
    for (o, t) in let_to {
        sublets.insert(o, t.len() as u32);
    }
    let parks: HashMap<i64, (i64, i64, String)> =
        sqlx::query("SELECT id, land_mu_x100, building_area_m2_x100, township_code FROM parks")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    col(r, "id")?,
                    (col(r, "land_mu_x100")?, col(r, "building_area_m2_x100")?, col(r, "township_code")?),
                ))
            })
            .collect::<Result<_>>()?;
    let rows = sqlx::query(
        "SELECT id, park_id, size, industry_code, status, land_mu_x100, floor_area_m2_x100 FROM enterprises ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = col(r, "id")?;
        let park_id: i64 = col(r, "park_id")?;
        let Some((park_land, park_building, township)) = parks.get(&park_id) else { continue };
        let (months, t) = totals.remove(&id).unwrap_or_default();
        // Units of the registry first; the registered floor area where no unit records it.
        let floor_m2 = match floor.get(&id) {
            Some(a) => *a,
            None => col::<Option<i64>>(r, "floor_area_m2_x100")?.unwrap_or(0),
        } as f64
            / 100.0;
        let parcel = col::<Option<i64>>(r, "land_mu_x100")?.map(|v| v as f64 / 100.0);
        let size: String = col(r, "size")?;
        let industry: String = col(r, "industry_code")?;
        let subject = Subject {
            enterprise_id: id,
            group: if size == "above" { Group::Above } else { Group::Below },
            division: industry.get(..3).unwrap_or("").to_string(),
            active: col::<String>(r, "status")? == "active",
            months,
            totals: t,
            land: land_of(parcel, floor_m2, *park_building as f64 / 100.0, *park_land as f64 / 100.0),
            sublets: sublets.get(&id).copied().unwrap_or(0),
        };
        out.push((subject, park_id, township.clone()));
    }
    Ok(out)
}

/// An evaluation being computed or decided, inside one write transaction.
pub struct EvaluationTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Store {
    pub async fn begin_evaluation(&self) -> Result<EvaluationTx> {
        Ok(EvaluationTx { tx: self.write_tx().await? })
    }

    /// The method in force (version 0: the defaults, not yet saved).
    pub async fn evaluation_method(&self) -> Result<MethodVersion> {
        method_in(&mut *self.pool.acquire().await?).await
    }

    pub async fn evaluation_methods(&self) -> Result<Vec<MethodVersion>> {
        let all = versions::all(&mut *self.pool.acquire().await?, &versions::METHODS).await?;
        Ok(all.into_iter().map(MethodVersion::from).collect())
    }

    /// Save a new method version (checked by the caller with `Method::validate`).
    pub async fn save_evaluation_method(
        &self,
        _: &Evaluator,
        ctx: &AuditCtx,
        method: &Method,
        note: &str,
    ) -> Result<MethodVersion> {
        let mut tx = self.write_tx().await?;
        let saved = versions::save(&mut tx, &versions::METHODS, ctx, method, note).await?;
        tx.commit().await?;
        Ok(saved.into())
    }

    /// The runs, newest first; drafts only when asked for.
    pub async fn evaluation_runs(&self, with_drafts: bool) -> Result<Vec<Run>> {
        let filter = if with_drafts { "" } else { " WHERE status = 'published'" };
        let rows = sqlx::query(sql(format!("{RUN}{filter} ORDER BY id DESC"))).fetch_all(&self.pool).await?;
        rows.iter().map(run_from_row).collect()
    }

    pub async fn evaluation_run(&self, id: i64) -> Result<Run> {
        let row = sqlx::query(sql(format!("{RUN} WHERE id = $1"))).bind(id).fetch_optional(&self.pool).await?;
        run_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// A run's results in rank order (judged first, by group, rank, then name), with the total.
    pub async fn evaluation_results(&self, run_id: i64, q: &ResultFilter) -> Result<(Vec<ResultRow>, i64)> {
        let mut clauses = vec!["r.run_id = $1".to_string()];
        let mut text: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Parameters are numbered in the order they are bound: text first, then integers.
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        if let Some(t) = &q.township {
            clauses.push(format!("r.township_code = ${}", next()));
            text.push(t.clone());
        }
        if let Some(c) = &q.class {
            clauses.push(format!("r.class = ${}", next()));
            text.push(c.clone());
        }
        if let Some(g) = &q.group {
            clauses.push(format!("r.grp = ${}", next()));
            text.push(g.clone());
        }
        if let Some(p) = q.park_id {
            clauses.push(format!("r.park_id = ${}", next()));
            ints.push(p);
        }
        if let Some(e) = q.enterprise_id {
            clauses.push(format!("r.enterprise_id = ${}", next()));
            ints.push(e);
        }
        match q.judged {
            Some(true) => clauses.push("r.class IS NOT NULL".into()),
            Some(false) => clauses.push("r.class IS NULL".into()),
            None => {}
        }
        if q.low_efficiency {
            clauses.push("r.low_efficiency = 1".into());
        }
        let filter = clauses.join(" AND ");
        let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM evaluation_results r WHERE {filter}");
        let mut count = sqlx::query(sql(count_sql)).bind(run_id);
        for t in &text {
            count = count.bind(t.clone());
        }
        for i in &ints {
            count = count.bind(*i);
        }
        let total: i64 = col(&count.fetch_one(&self.pool).await?, "n")?;
        let list_sql = format!(
            "{RESULT} WHERE {filter} ORDER BY CASE WHEN r.class IS NULL THEN 1 ELSE 0 END, r.grp, r.rank_no, e.name \
             LIMIT {} OFFSET {}",
            q.limit.clamp(1, 10_000),
            q.offset.max(0)
        );
        let mut list = sqlx::query(sql(list_sql)).bind(run_id);
        for t in &text {
            list = list.bind(t.clone());
        }
        for i in &ints {
            list = list.bind(*i);
        }
        let rows = list.fetch_all(&self.pool).await?;
        Ok((rows.iter().map(result_from_row).collect::<Result<_>>()?, total))
    }

    /// Counts per (group, class) of a run, within a township or park when given.
    pub async fn evaluation_counts(
        &self,
        run_id: i64,
        township: Option<&str>,
        park_id: Option<i64>,
    ) -> Result<Vec<(String, Option<String>, i64)>> {
        let rows = sqlx::query(
            "SELECT grp, class, CAST(COUNT(*) AS BIGINT) AS n FROM evaluation_results WHERE run_id = $1 \
             AND ($2 = '' OR township_code = $2) AND ($3 = 0 OR park_id = $3) GROUP BY grp, class ORDER BY grp, class",
        )
        .bind(run_id)
        .bind(township.unwrap_or(""))
        .bind(park_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "grp")?, col(r, "class")?, col(r, "n")?))).collect()
    }

    /// Each enterprise's class in every published run, oldest run first: (run, last month, enterprise, class).
    pub async fn published_classes(&self, enterprise_ids: &[i64]) -> Result<Vec<(i64, String, i64, String)>> {
        if enterprise_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = enterprise_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sql(format!(
            "SELECT r.run_id, x.last_month, r.enterprise_id, r.class FROM evaluation_results r \
             JOIN evaluation_runs x ON x.id = r.run_id \
             WHERE x.status = 'published' AND r.class IS NOT NULL AND r.enterprise_id IN ({ids}) \
             ORDER BY x.last_month, r.run_id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "run_id")?, col(r, "last_month")?, col(r, "enterprise_id")?, col(r, "class")?)))
            .collect()
    }

    /// The classes of every judged enterprise of a run.
    pub async fn run_classes(&self, run_id: i64) -> Result<Vec<(i64, String)>> {
        let rows =
            sqlx::query("SELECT enterprise_id, class FROM evaluation_results WHERE run_id = $1 AND class IS NOT NULL")
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((col(r, "enterprise_id")?, col(r, "class")?))).collect()
    }

    pub async fn evaluation_objections(&self, run_id: i64) -> Result<Vec<Objection>> {
        let rows = sqlx::query(sql(format!("{OBJECTION} WHERE o.run_id = $1 ORDER BY o.id")))
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(objection_from_row).collect()
    }

    /// Give every generated enterprise without units and without a registered floor area one
    /// (demo and scale data, labelled as generated): 60 % of its park's building area shared
    /// among the park's enterprises, each between half and one and a half of its share.
    pub async fn assign_generated_floor_areas(&self) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE enterprises SET floor_area_m2_x100 = (\
               SELECT p.building_area_m2_x100 * 6 / 10 \
                      / (SELECT COUNT(*) FROM enterprises e2 WHERE e2.park_id = p.id) \
                      * (50 + (enterprises.id * 37) % 100) / 100 \
               FROM parks p WHERE p.id = enterprises.park_id) \
             WHERE generated = 1 AND floor_area_m2_x100 IS NULL",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    /// An enterprise's registered parcel (亩) and occupied floor area (m²), in hundredths.
    pub async fn enterprise_land(&self, enterprise_id: i64) -> Result<(Option<i64>, Option<i64>)> {
        let r = sqlx::query("SELECT land_mu_x100, floor_area_m2_x100 FROM enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((col(&r, "land_mu_x100")?, col(&r, "floor_area_m2_x100")?))
    }

    /// Register an enterprise's own parcel and the floor area it occupies (None clears).
    pub async fn set_enterprise_land(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        enterprise_id: i64,
        land_mu_x100: Option<i64>,
        floor_area_m2_x100: Option<i64>,
    ) -> Result<()> {
        let e = self.get_enterprise(enterprise_id).await?;
        if e.park_id != desk.park_id() {
            return Err(StoreError::OutOfScope("enterprise_id"));
        }
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE enterprises SET land_mu_x100 = $1, floor_area_m2_x100 = $2 WHERE id = $3")
            .bind(land_mu_x100)
            .bind(floor_area_m2_x100)
            .bind(enterprise_id)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "land_mu_x100": land_mu_x100, "floor_area_m2_x100": floor_area_m2_x100 });
        audit::record(
            &mut tx,
            ctx,
            "update",
            "enterprise_land",
            Some(enterprise_id),
            Some(e.park_id),
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl EvaluationTx {
    pub async fn method(&mut self) -> Result<MethodVersion> {
        method_in(&mut self.tx).await
    }

    /// The county's rules in force (the low-efficiency line).
    pub async fn rules(&mut self) -> Result<weiyuan_domain::rules::Rules> {
        crate::settings::rules_in(&mut self.tx).await
    }

    /// Every enterprise as the method reads it for these months, with its park and township.
    pub async fn subjects(&mut self, first: Month, last: Month) -> Result<Vec<(Subject, i64, String)>> {
        subjects_in(&mut self.tx, first, last).await
    }

    pub async fn run(&mut self, id: i64) -> Result<Run> {
        let row = sqlx::query(sql(format!("{RUN} WHERE id = $1"))).bind(id).fetch_optional(&mut *self.tx).await?;
        run_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// The published run of the same months, if any.
    pub async fn published_for(&mut self, first: &str, last: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT id FROM evaluation_runs WHERE status = 'published' AND first_month = $1 AND last_month = $2",
        )
        .bind(first)
        .bind(last)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| col(&r, "id")).transpose()
    }

    pub async fn open_objections(&mut self, run_id: i64) -> Result<i64> {
        let r = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM evaluation_objections WHERE run_id = $1 AND status = 'open'",
        )
        .bind(run_id)
        .fetch_one(&mut *self.tx)
        .await?;
        col(&r, "n")
    }

    /// The enterprise's park and township in this run, if it is in it.
    pub async fn result_park(&mut self, run_id: i64, enterprise_id: i64) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT park_id, township_code FROM evaluation_results WHERE run_id = $1 AND enterprise_id = $2",
        )
        .bind(run_id)
        .bind(enterprise_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| Ok((col(&r, "park_id")?, col(&r, "township_code")?))).transpose()
    }

    pub async fn objection(&mut self, id: i64) -> Result<Objection> {
        let row =
            sqlx::query(sql(format!("{OBJECTION} WHERE o.id = $1"))).bind(id).fetch_optional(&mut *self.tx).await?;
        objection_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// Write a draft run with one row per enterprise, and commit.
    pub async fn save_run(
        mut self,
        _: &Evaluator,
        ctx: &AuditCtx,
        (first, last): (Month, Month),
        method_version: i64,
        subjects: Vec<(Subject, i64, String)>,
        evaluation: Evaluation,
    ) -> Result<Run> {
        let benchmarks = serde_json::to_string(&evaluation.benchmarks).unwrap_or_else(|_| "[]".into());
        let row = sqlx::query(
            "INSERT INTO evaluation_runs (first_month, last_month, method_version, status, benchmarks_json, judged, \
             excluded, created_at, created_by) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(first.to_string())
        .bind(last.to_string())
        .bind(method_version)
        .bind(&benchmarks)
        .bind(evaluation.outcomes.len() as i64)
        .bind(evaluation.excluded.len() as i64)
        .bind(now_ms())
        .bind(&ctx.username)
        .fetch_one(&mut *self.tx)
        .await?;
        let run_id: i64 = col(&row, "id")?;
        let mut outcomes: HashMap<i64, Outcome> =
            evaluation.outcomes.into_iter().map(|o| (o.enterprise_id, o)).collect();
        let mut excluded: HashMap<i64, Excluded> =
            evaluation.excluded.into_iter().map(|x| (x.enterprise_id, x)).collect();
        // Multi-row INSERTs, 500 rows (10 parameters each) per statement.
        for chunk in subjects.chunks(500) {
            let mut q = String::from(
                "INSERT INTO evaluation_results (run_id, enterprise_id, park_id, township_code, grp, class, \
                 score_x100, rank_no, low_efficiency, detail_json) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 9;
                if i > 0 {
                    q.push(',');
                }
                q.push_str(&format!(
                    "({run_id}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                ));
            }
            let mut query = sqlx::query(sql(q));
            for (subject, park_id, township) in chunk {
                let id = subject.enterprise_id;
                let outcome = outcomes.remove(&id);
                let detail = Detail {
                    subject: subject.clone(),
                    excluded: if outcome.is_none() { excluded.remove(&id) } else { None },
                    outcome,
                };
                let o = detail.outcome.as_ref();
                query = query
                    .bind(id)
                    .bind(*park_id)
                    .bind(township.clone())
                    .bind(subject.group.code())
                    .bind(o.map(|o| o.class.code()))
                    .bind(o.map(|o| (o.score * 100.0).round() as i64))
                    .bind(o.map(|o| o.rank as i64))
                    .bind(o.is_some_and(|o| o.low_efficiency) as i64)
                    .bind(serde_json::to_string(&detail).unwrap_or_default());
            }
            query.execute(&mut *self.tx).await?;
        }
        let run = self.run(run_id).await?;
        audit::record(&mut self.tx, ctx, "create", "evaluation_run", Some(run_id), None, None, json(&run)).await?;
        self.tx.commit().await?;
        Ok(run)
    }

    pub async fn publish(mut self, _: &Evaluator, ctx: &AuditCtx, run_id: i64) -> Result<Run> {
        let before = self.run(run_id).await?;
        sqlx::query(
            "UPDATE evaluation_runs SET status = 'published', published_at = $1, published_by = $2 WHERE id = $3",
        )
        .bind(now_ms())
        .bind(&ctx.username)
        .bind(run_id)
        .execute(&mut *self.tx)
        .await?;
        let after = self.run(run_id).await?;
        audit::record(&mut self.tx, ctx, "publish", "evaluation_run", Some(run_id), None, json(&before), json(&after))
            .await?;
        self.tx.commit().await?;
        Ok(after)
    }

    pub async fn raise(
        mut self,
        who: &Objector,
        ctx: &AuditCtx,
        run_id: i64,
        park_id: i64,
        reason: &str,
    ) -> Result<Objection> {
        let row = sqlx::query(
            "INSERT INTO evaluation_objections (run_id, enterprise_id, park_id, reason, raised_by, raised_at, status, answer) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', '') RETURNING id",
        )
        .bind(run_id)
        .bind(who.enterprise_id())
        .bind(park_id)
        .bind(reason)
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let o = self.objection(id).await?;
        audit::record(&mut self.tx, ctx, "create", "evaluation_objection", Some(id), Some(park_id), None, json(&o))
            .await?;
        self.tx.commit().await?;
        Ok(o)
    }

    pub async fn answer(
        mut self,
        _: &Evaluator,
        ctx: &AuditCtx,
        objection_id: i64,
        status: &str,
        answer: &str,
    ) -> Result<Objection> {
        let before = self.objection(objection_id).await?;
        sqlx::query(
            "UPDATE evaluation_objections SET status = $1, answer = $2, answered_by = $3, answered_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(answer)
        .bind(&ctx.username)
        .bind(now_ms())
        .bind(objection_id)
        .execute(&mut *self.tx)
        .await?;
        let after = self.objection(objection_id).await?;
        audit::record(
            &mut self.tx,
            ctx,
            "update",
            "evaluation_objection",
            Some(objection_id),
            Some(after.park_id),
            json(&before),
            json(&after),
        )
        .await?;
        self.tx.commit().await?;
        Ok(after)
    }
}
