//! Plans, yearly output, monthly progress reports and milestones of parks.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::Fixed2;
use weiyuan_domain::access::{ParkAuthority, ParkScope, Registry};
use weiyuan_domain::progress::{
    Milestone, MilestoneDraft, MilestoneKind, Money, Month, PlanYear, ProgressDraft, ProgressReport, YearFigures,
};

/// What the plan tables know of a park besides its yearly figures (annexes 6 and 7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PlanBaseline {
    pub supplied_land_mu: Option<Fixed2>,
    pub started_land_mu: Option<Fixed2>,
    /// 责任单位: the township or office answerable for the plan.
    pub responsible: String,
}

fn opt_fixed(r: &AnyRow, name: &str) -> Result<Option<Fixed2>> {
    Ok(col::<Option<i64>>(r, name)?.map(Fixed2))
}

fn plan_from_row(r: &AnyRow) -> Result<(i64, PlanYear)> {
    Ok((
        col(r, "park_id")?,
        PlanYear {
            year: col::<i64>(r, "year")? as i32,
            figures: YearFigures {
                land_supply_mu: opt_fixed(r, "land_supply_mu_x100")?,
                construction_start_mu: opt_fixed(r, "construction_start_mu_x100")?,
                completion_m2: opt_fixed(r, "completion_m2_x100")?,
                output: col::<Option<i64>>(r, "output_fen")?.map(Money),
            },
        },
    ))
}

fn report_from_row(r: &AnyRow) -> Result<ProgressReport> {
    let month: String = col(r, "month")?;
    Ok(ProgressReport {
        park_id: col(r, "park_id")?,
        month: Month::parse(&month)
            .ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("bad month {month:?}").into())))?,
        land_supplied_mu: Fixed2(col(r, "land_supplied_mu_x100")?),
        started_mu: Fixed2(col(r, "started_mu_x100")?),
        completed_m2: Fixed2(col(r, "completed_m2_x100")?),
        enterprises_moved_in: col(r, "enterprises_moved_in")?,
        investment: Money(col(r, "investment_fen")?),
        problems: col(r, "problems")?,
        submitted_at: col(r, "submitted_at")?,
        submitted_by: col(r, "submitted_by")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

fn milestone_from_row(r: &AnyRow) -> Result<Milestone> {
    let kind: String = col(r, "kind")?;
    Ok(Milestone {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        phase: col(r, "phase")?,
        kind: MilestoneKind::parse(&kind)
            .ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("bad milestone {kind:?}").into())))?,
        planned_date: col(r, "planned_date")?,
        actual_date: col(r, "actual_date")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

/// The SQL condition selecting the parks of a scope, on a table with a `park_id` column.
fn scope_clause(scope: &ParkScope) -> (String, Option<ScopeParam>) {
    match scope {
        ParkScope::All => ("1 = 1".into(), None),
        ParkScope::Township(t) => {
            ("park_id IN (SELECT id FROM parks WHERE township_code = $1)".into(), Some(ScopeParam::Text(t.clone())))
        }
        ParkScope::Park(id) => ("park_id = $1".into(), Some(ScopeParam::Int(*id))),
        ParkScope::None => ("1 = 0".into(), None),
    }
}

enum ScopeParam {
    Int(i64),
    Text(String),
}

impl Store {
    /// Run a query whose `{scope}` stands for the condition selecting the scope's parks.
    pub(crate) async fn fetch_scoped(&self, template: &str, scope: &ParkScope) -> Result<Vec<AnyRow>> {
        let (clause, param) = scope_clause(scope);
        let query = sqlx::query(sql(template.replace("{scope}", &clause)));
        let query = match param {
            Some(ScopeParam::Int(v)) => query.bind(v),
            Some(ScopeParam::Text(v)) => query.bind(v),
            None => query,
        };
        Ok(query.fetch_all(&self.pool).await?)
    }
}

const REPORT_COLUMNS: &str = "park_id, month, land_supplied_mu_x100, started_mu_x100, completed_m2_x100, \
    enterprises_moved_in, investment_fen, problems, submitted_at, submitted_by, generated";

/// Writes shared by the single-record methods and the all-or-nothing imports: each takes the
/// caller's transaction and writes its audit entry there.
pub(crate) async fn upsert_plan_year(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    park_id: i64,
    p: &PlanYear,
) -> Result<()> {
    let before = sqlx::query("SELECT park_id, year, land_supply_mu_x100, construction_start_mu_x100, completion_m2_x100, output_fen FROM park_plans WHERE park_id = $1 AND year = $2")
        .bind(park_id)
        .bind(p.year as i64)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(plan_from_row)
        .transpose()?
        .map(|(_, p)| p);
    if before.as_ref() == Some(p) {
        return Ok(());
    }
    sqlx::query("DELETE FROM park_plans WHERE park_id = $1 AND year = $2")
        .bind(park_id)
        .bind(p.year as i64)
        .execute(&mut *conn)
        .await?;
    if !p.figures.is_empty() {
        let f = &p.figures;
        sqlx::query(
            "INSERT INTO park_plans (park_id, year, land_supply_mu_x100, construction_start_mu_x100, completion_m2_x100, output_fen) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(park_id)
        .bind(p.year as i64)
        .bind(f.land_supply_mu.map(|v| v.0))
        .bind(f.construction_start_mu.map(|v| v.0))
        .bind(f.completion_m2.map(|v| v.0))
        .bind(f.output.map(|v| v.0))
        .execute(&mut *conn)
        .await?;
    }
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        conn,
        ctx,
        action,
        "plan",
        Some(p.year as i64),
        Some(park_id),
        before.as_ref().and_then(json),
        json(p),
    )
    .await
}

pub(crate) async fn upsert_report(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    park_id: i64,
    d: &ProgressDraft,
    submitted_at: i64,
    generated: bool,
) -> Result<ProgressReport> {
    let before =
        sqlx::query(sql(format!("SELECT {REPORT_COLUMNS} FROM progress_reports WHERE park_id = $1 AND month = $2")))
            .bind(park_id)
            .bind(d.month.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .as_ref()
            .map(report_from_row)
            .transpose()?;
    let report = ProgressReport {
        park_id,
        month: d.month,
        land_supplied_mu: d.land_supplied_mu,
        started_mu: d.started_mu,
        completed_m2: d.completed_m2,
        enterprises_moved_in: d.enterprises_moved_in,
        investment: d.investment,
        problems: d.problems.clone(),
        // A correction keeps the first filing time: lateness is judged on that.
        submitted_at: before.as_ref().map(|b| b.submitted_at).unwrap_or(submitted_at),
        submitted_by: ctx.username.clone(),
        generated,
    };
    if let Some(b) = &before {
        let same = ProgressReport { submitted_by: b.submitted_by.clone(), generated: b.generated, ..report.clone() };
        if &same == b {
            return Ok(b.clone());
        }
    }
    sqlx::query("DELETE FROM progress_reports WHERE park_id = $1 AND month = $2")
        .bind(park_id)
        .bind(d.month.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO progress_reports (park_id, month, land_supplied_mu_x100, started_mu_x100, completed_m2_x100, \
         enterprises_moved_in, investment_fen, problems, submitted_at, submitted_by, generated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(park_id)
    .bind(d.month.to_string())
    .bind(report.land_supplied_mu.0)
    .bind(report.started_mu.0)
    .bind(report.completed_m2.0)
    .bind(report.enterprises_moved_in)
    .bind(report.investment.0)
    .bind(&report.problems)
    .bind(report.submitted_at)
    .bind(&report.submitted_by)
    .bind(generated as i64)
    .execute(&mut *conn)
    .await?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        conn,
        ctx,
        action,
        "progress_report",
        None,
        Some(park_id),
        before.as_ref().and_then(json),
        json(&report),
    )
    .await?;
    Ok(report)
}

impl Store {
    /// Plans of the parks in a scope, by park then year.
    pub async fn list_plans(&self, scope: &ParkScope) -> Result<Vec<(i64, PlanYear)>> {
        let q = "SELECT park_id, year, land_supply_mu_x100, construction_start_mu_x100, completion_m2_x100, output_fen \
                 FROM park_plans WHERE {scope} ORDER BY park_id, year";
        self.fetch_scoped(q, scope).await?.iter().map(plan_from_row).collect()
    }

    pub async fn plans_of(&self, park_id: i64) -> Result<Vec<PlanYear>> {
        Ok(self.list_plans(&ParkScope::Park(park_id)).await?.into_iter().map(|(_, p)| p).collect())
    }

    /// Set one year of a park's plan (an empty year removes it).
    pub async fn set_plan_year(&self, _by: &Registry, ctx: &AuditCtx, park_id: i64, p: &PlanYear) -> Result<()> {
        let mut tx = self.write_tx().await?;
        upsert_plan_year(&mut tx, ctx, park_id, p).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn baseline(&self, park_id: i64) -> Result<PlanBaseline> {
        let row = sqlx::query(
            "SELECT supplied_land_mu_x100, started_land_mu_x100, responsible FROM park_plan_baselines WHERE park_id = $1",
        )
        .bind(park_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(PlanBaseline {
                supplied_land_mu: opt_fixed(&r, "supplied_land_mu_x100")?,
                started_land_mu: opt_fixed(&r, "started_land_mu_x100")?,
                responsible: col(&r, "responsible")?,
            }),
            None => Ok(PlanBaseline::default()),
        }
    }

    pub async fn set_baseline(&self, _by: &Registry, ctx: &AuditCtx, park_id: i64, b: &PlanBaseline) -> Result<()> {
        let before = self.baseline(park_id).await?;
        if &before == b {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        set_baseline_in(&mut tx, park_id, b).await?;
        audit::record(&mut tx, ctx, "update", "plan_baseline", None, Some(park_id), json(&before), json(b)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Actual yearly output of the parks in a scope: (park, year, output, generated).
    pub async fn list_year_output(&self, scope: &ParkScope) -> Result<Vec<(i64, i32, Money, bool)>> {
        let q =
            "SELECT park_id, year, output_fen, generated FROM park_year_output WHERE {scope} ORDER BY park_id, year";
        self.fetch_scoped(q, scope)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    col(r, "park_id")?,
                    col::<i64>(r, "year")? as i32,
                    Money(col(r, "output_fen")?),
                    col::<i64>(r, "generated")? != 0,
                ))
            })
            .collect()
    }

    pub async fn set_year_output(
        &self,
        _by: &Registry,
        ctx: &AuditCtx,
        park_id: i64,
        year: i32,
        output: Money,
        generated: bool,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM park_year_output WHERE park_id = $1 AND year = $2")
            .bind(park_id)
            .bind(year as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO park_year_output (park_id, year, output_fen, generated) VALUES ($1, $2, $3, $4)")
            .bind(park_id)
            .bind(year as i64)
            .bind(output.0)
            .bind(generated as i64)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "year": year, "output_yi": output.yi() });
        audit::record(&mut tx, ctx, "update", "year_output", Some(year as i64), Some(park_id), None, Some(after))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Progress reports of the parks in a scope, by park then month.
    pub async fn list_reports(&self, scope: &ParkScope) -> Result<Vec<ProgressReport>> {
        let q = format!("SELECT {REPORT_COLUMNS} FROM progress_reports WHERE {{scope}} ORDER BY park_id, month");
        self.fetch_scoped(&q, scope).await?.iter().map(report_from_row).collect()
    }

    /// File (or correct) the report for a month of the park `who` was granted for.
    pub async fn file_report(
        &self,
        who: &ParkAuthority,
        ctx: &AuditCtx,
        d: &ProgressDraft,
        submitted_at: i64,
        generated: bool,
    ) -> Result<ProgressReport> {
        let mut tx = self.write_tx().await?;
        let r = upsert_report(&mut tx, ctx, who.park_id(), d, submitted_at, generated).await?;
        tx.commit().await?;
        Ok(r)
    }

    pub async fn list_milestones(&self, park_id: i64) -> Result<Vec<Milestone>> {
        let rows = sqlx::query(
            "SELECT id, park_id, phase, kind, planned_date, actual_date, generated FROM park_milestones WHERE park_id = $1 ORDER BY phase, id",
        )
        .bind(park_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(milestone_from_row).collect()
    }

    pub async fn get_milestone(&self, id: i64) -> Result<Milestone> {
        let row = sqlx::query(
            "SELECT id, park_id, phase, kind, planned_date, actual_date, generated FROM park_milestones WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        milestone_from_row(&row)
    }

    /// Set a milestone of a phase of the park `who` was granted for (created when the phase has
    /// none of that kind yet).
    pub async fn set_milestone(
        &self,
        who: &ParkAuthority,
        ctx: &AuditCtx,
        d: &MilestoneDraft,
        generated: bool,
    ) -> Result<Milestone> {
        let park_id = who.park_id();
        let mut tx = self.write_tx().await?;
        let existing = sqlx::query(
            "SELECT id, park_id, phase, kind, planned_date, actual_date, generated FROM park_milestones WHERE park_id = $1 AND phase = $2 AND kind = $3",
        )
        .bind(park_id)
        .bind(&d.phase)
        .bind(d.kind.code())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(milestone_from_row)
        .transpose()?;
        let id = match &existing {
            Some(m) => {
                sqlx::query(
                    "UPDATE park_milestones SET planned_date = $1, actual_date = $2, generated = $3 WHERE id = $4",
                )
                .bind(d.planned_date.as_deref())
                .bind(d.actual_date.as_deref())
                .bind(generated as i64)
                .bind(m.id)
                .execute(&mut *tx)
                .await?;
                m.id
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO park_milestones (park_id, phase, kind, planned_date, actual_date, generated) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(park_id)
                .bind(&d.phase)
                .bind(d.kind.code())
                .bind(d.planned_date.as_deref())
                .bind(d.actual_date.as_deref())
                .bind(generated as i64)
                .fetch_one(&mut *tx)
                .await?;
                col(&row, "id")?
            }
        };
        let after = Milestone {
            id,
            park_id,
            phase: d.phase.clone(),
            kind: d.kind,
            planned_date: d.planned_date.clone(),
            actual_date: d.actual_date.clone(),
            generated,
        };
        let action = if existing.is_some() { "update" } else { "create" };
        audit::record(
            &mut tx,
            ctx,
            action,
            "milestone",
            Some(id),
            Some(park_id),
            existing.as_ref().and_then(json),
            json(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Delete a milestone of the park `who` was granted for; one of another park is not found.
    pub async fn delete_milestone(&self, who: &ParkAuthority, ctx: &AuditCtx, id: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = sqlx::query(
            "SELECT id, park_id, phase, kind, planned_date, actual_date, generated FROM park_milestones \
             WHERE id = $1 AND park_id = $2",
        )
        .bind(id)
        .bind(who.park_id())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(milestone_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM park_milestones WHERE id = $1").bind(id).execute(&mut *tx).await?;
        audit::record(&mut tx, ctx, "delete", "milestone", Some(id), Some(before.park_id), json(&before), None).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn set_baseline_in(conn: &mut AnyConnection, park_id: i64, b: &PlanBaseline) -> Result<()> {
    sqlx::query("DELETE FROM park_plan_baselines WHERE park_id = $1").bind(park_id).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO park_plan_baselines (park_id, supplied_land_mu_x100, started_land_mu_x100, responsible) VALUES ($1, $2, $3, $4)",
    )
    .bind(park_id)
    .bind(b.supplied_land_mu.map(|v| v.0))
    .bind(b.started_land_mu.map(|v| v.0))
    .bind(&b.responsible)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One quantified county target (e.g. 小微园总建成面积达到550万平方米).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Target {
    pub key: String,
    pub value: Fixed2,
    pub unit: String,
    pub text: String,
}

impl Store {
    pub async fn list_targets(&self) -> Result<Vec<Target>> {
        let rows = sqlx::query("SELECT key, value_x100, unit, text FROM county_targets ORDER BY position")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Target {
                    key: col(r, "key")?,
                    value: Fixed2(col(r, "value_x100")?),
                    unit: col(r, "unit")?,
                    text: col(r, "text")?,
                })
            })
            .collect()
    }

    /// Replace the county's targets with a new list (in this order).
    pub async fn set_targets(&self, _by: &Registry, ctx: &AuditCtx, targets: &[Target]) -> Result<()> {
        let before = self.list_targets().await?;
        if before == targets {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM county_targets").execute(&mut *tx).await?;
        for (i, t) in targets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO county_targets (key, value_x100, unit, text, position) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&t.key)
            .bind(t.value.0)
            .bind(&t.unit)
            .bind(&t.text)
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(&mut tx, ctx, "update", "targets", None, None, json(&before), json(&targets)).await?;
        tx.commit().await?;
        Ok(())
    }
}
