//! The exit mechanism (退出机制): the figures the exit test reads (entered by the county until
//! monthly reports exist), and the steps of an enterprise's status history: test results,
//! warnings with a rectification deadline, rectification, eviction.

use crate::admissions::enterprise_event;
use crate::audit::{self, AuditCtx, json};
use crate::enterprises::Enterprise;
use crate::holdings::Holding;
use crate::settings::rules_in;
use crate::{Result, Store, StoreError, col, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use weiyuan_domain::access::ExitAuthority;
use weiyuan_domain::exit::StepOutcome;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::{Check, Rules};
use weiyuan_domain::units::Fixed2;

pub use weiyuan_domain::exit::YearFigures;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EnterpriseEvent {
    pub enterprise_id: i64,
    /// admitted, exit_test, warned, rectified, evicted
    pub kind: String,
    pub reason: String,
    pub deadline: Option<String>,
    pub detail: serde_json::Value,
    pub username: String,
    pub at_ms: i64,
}

fn figures_from_row(r: &AnyRow) -> Result<YearFigures> {
    Ok(YearFigures {
        year: col(r, "year")?,
        sales: Fixed2(col(r, "sales_x100")?),
        tax: Fixed2(col(r, "tax_x100")?),
        revenue: Fixed2(col(r, "revenue_x100")?),
        investment: Fixed2(col(r, "investment_x100")?),
    })
}

fn event_from_row(r: &AnyRow) -> Result<EnterpriseEvent> {
    Ok(EnterpriseEvent {
        enterprise_id: col(r, "enterprise_id")?,
        kind: col(r, "kind")?,
        reason: col(r, "reason")?,
        deadline: col(r, "deadline")?,
        detail: serde_json::from_str(&col::<String>(r, "detail_json")?).unwrap_or_default(),
        username: col(r, "username")?,
        at_ms: col(r, "at_ms")?,
    })
}

const FIGURES: &str =
    "SELECT enterprise_id, year, sales_x100, tax_x100, revenue_x100, investment_x100 FROM exit_figures";
const EVENTS: &str =
    "SELECT enterprise_id, kind, reason, deadline, detail_json, username, at_ms FROM enterprise_events";

impl Store {
    /// Set (or correct) one year of the figures of the enterprise `who` was granted for.
    pub async fn set_exit_figures(&self, who: &ExitAuthority, ctx: &AuditCtx, f: &YearFigures) -> Result<()> {
        let enterprise_id = who.enterprise_id();
        let e = self.get_enterprise(enterprise_id).await?;
        let mut tx = self.write_tx().await?;
        let before = sqlx::query(sql(format!("{FIGURES} WHERE enterprise_id = $1 AND year = $2")))
            .bind(enterprise_id)
            .bind(f.year)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(figures_from_row)
            .transpose()?;
        sqlx::query("DELETE FROM exit_figures WHERE enterprise_id = $1 AND year = $2")
            .bind(enterprise_id)
            .bind(f.year)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO exit_figures (enterprise_id, year, sales_x100, tax_x100, revenue_x100, investment_x100) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(enterprise_id)
        .bind(f.year)
        .bind(f.sales.0)
        .bind(f.tax.0)
        .bind(f.revenue.0)
        .bind(f.investment.0)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            ctx,
            "update",
            "exit_figures",
            Some(enterprise_id),
            Some(e.park_id),
            json(&before),
            json(f),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An enterprise's figures, oldest year first.
    pub async fn exit_figures(&self, enterprise_id: i64) -> Result<Vec<YearFigures>> {
        exit_figures_in(&mut *self.pool.acquire().await?, enterprise_id).await
    }

    /// The figures the exit test reads (see `test_years_in`).
    pub async fn test_years(&self, enterprise_id: i64) -> Result<Vec<YearFigures>> {
        test_years_in(&mut *self.pool.acquire().await?, enterprise_id).await
    }

    /// Every enterprise's figures, by enterprise, oldest year first.
    pub async fn all_exit_figures(&self) -> Result<HashMap<i64, Vec<YearFigures>>> {
        let rows = sqlx::query(sql(format!("{FIGURES} ORDER BY enterprise_id, year"))).fetch_all(&self.pool).await?;
        let mut map: HashMap<i64, Vec<YearFigures>> = HashMap::new();
        for r in &rows {
            map.entry(col(r, "enterprise_id")?).or_default().push(figures_from_row(r)?);
        }
        Ok(map)
    }

    /// An enterprise's status history, oldest first.
    pub async fn enterprise_events(&self, enterprise_id: i64) -> Result<Vec<EnterpriseEvent>> {
        let rows = sqlx::query(sql(format!("{EVENTS} WHERE enterprise_id = $1 ORDER BY id")))
            .bind(enterprise_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The latest exit step (exit_test, warned, rectified, evicted) of every enterprise that has one.
    pub async fn latest_exit_steps(&self) -> Result<HashMap<i64, EnterpriseEvent>> {
        let rows = sqlx::query(sql(format!(
            "{EVENTS} WHERE kind IN ('exit_test', 'warned', 'rectified', 'evicted') ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut map = HashMap::new();
        for r in &rows {
            let e = event_from_row(r)?;
            map.insert(e.enterprise_id, e);
        }
        Ok(map)
    }

    /// Record an exit step: the test's result, a warning with its deadline, or rectification.
    pub async fn exit_step(
        &self,
        ctx: &AuditCtx,
        enterprise_id: i64,
        kind: &str,
        reason: &str,
        deadline: Option<&str>,
        checks: &[Check],
    ) -> Result<()> {
        let e = self.get_enterprise(enterprise_id).await?;
        let mut tx = self.write_tx().await?;
        let version = rules_in(&mut tx).await?.version;
        let detail = serde_json::json!({ "checks": checks, "rules_version": version });
        enterprise_event(&mut tx, ctx, enterprise_id, kind, reason, deadline, detail.clone()).await?;
        audit::record(&mut tx, ctx, kind, "enterprise", Some(enterprise_id), Some(e.park_id), None, Some(detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The figures the county entered for an enterprise, oldest year first.
pub(crate) async fn exit_figures_in(conn: &mut sqlx::AnyConnection, enterprise_id: i64) -> Result<Vec<YearFigures>> {
    let rows = sqlx::query(sql(format!("{FIGURES} WHERE enterprise_id = $1 ORDER BY year")))
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(figures_from_row).collect()
}

/// The figures the exit test reads: complete years of monthly reports once there are any, else
/// the figures the county entered.
pub(crate) async fn test_years_in(conn: &mut sqlx::AnyConnection, enterprise_id: i64) -> Result<Vec<YearFigures>> {
    match crate::reports::report_years_in(&mut *conn, Some(enterprise_id)).await?.remove(&enterprise_id) {
        Some(years) if !years.is_empty() => Ok(years),
        _ => exit_figures_in(conn, enterprise_id).await,
    }
}

/// What the exit test reads of an enterprise: its years of figures and the units it holds.
pub(crate) async fn test_inputs_in(
    conn: &mut sqlx::AnyConnection,
    enterprise_id: i64,
) -> Result<(Vec<YearFigures>, Vec<Holding>)> {
    let years = test_years_in(&mut *conn, enterprise_id).await?;
    let held = crate::holdings::held_by_in(conn, enterprise_id).await?;
    Ok((years, held))
}

/// Deals read the exit test's inputs in their own transaction (a lease to an owner is held to its
/// admission targets); declared here so that holdings need not know the exit test.
impl crate::holdings::DealTx {
    /// What the exit test (and so an owner's admission targets) reads of an enterprise: its
    /// years of figures, the units it holds, and its park.
    pub async fn exit_test_inputs(&mut self, enterprise_id: i64) -> Result<(Vec<YearFigures>, Vec<Holding>, Park)> {
        let (years, held) = test_inputs_in(&mut self.tx, enterprise_id).await?;
        let park_id: i64 = match sqlx::query("SELECT park_id FROM enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(&mut *self.tx)
            .await?
        {
            Some(r) => col(&r, "park_id")?,
            None => return Err(StoreError::NotFound),
        };
        let park = if park_id == self.park().id {
            self.park().clone()
        } else {
            crate::parks::select_park(&mut self.tx, park_id).await?
        };
        Ok((years, held, park))
    }
}

/// An exit step's transaction on one enterprise: opened with the enterprise's row locked, so
/// two steps (two servers, two stale pages) queue and the second decides on what the first
/// wrote. The use case loads the test's inputs and the open warning through it, asks
/// `weiyuan_domain::exit::decide_step`, and records the outcome with the capability.
pub struct ExitTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    enterprise: Enterprise,
    park: Park,
}

impl Store {
    pub async fn begin_exit(&self, enterprise_id: i64) -> Result<ExitTx> {
        let mut tx = self.write_tx().await?;
        let locked =
            sqlx::query("UPDATE enterprises SET id = id WHERE id = $1").bind(enterprise_id).execute(&mut *tx).await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let enterprise = crate::enterprises::select(&mut tx, enterprise_id).await?;
        let park = crate::parks::select_park(&mut tx, enterprise.park_id).await?;
        Ok(ExitTx { tx, enterprise, park })
    }
}

impl ExitTx {
    pub fn enterprise(&self) -> &Enterprise {
        &self.enterprise
    }

    pub fn park(&self) -> &Park {
        &self.park
    }

    pub async fn rules(&mut self) -> Result<Rules> {
        rules_in(&mut self.tx).await
    }

    /// The enterprise's years of figures and the units it holds.
    pub async fn test_inputs(&mut self) -> Result<(Vec<YearFigures>, Vec<Holding>)> {
        test_inputs_in(&mut self.tx, self.enterprise.id).await
    }

    /// The deadline of the enterprise's open warning ("" when it has none); None when no
    /// warning is open (none, or rectified since).
    pub async fn open_warning(&mut self) -> Result<Option<String>> {
        let rows = sqlx::query(sql(format!("{EVENTS} WHERE enterprise_id = $1 ORDER BY id")))
            .bind(self.enterprise.id)
            .fetch_all(&mut *self.tx)
            .await?;
        let events = rows.iter().map(event_from_row).collect::<Result<Vec<_>>>()?;
        Ok(events
            .iter()
            .rev()
            .take_while(|ev| ev.kind != "rectified")
            .find(|ev| ev.kind == "warned")
            .map(|ev| ev.deadline.clone().unwrap_or_default()))
    }

    /// Record a decided step; an eviction also ends the enterprise's leases and passes the
    /// units it owns to the developer's first refusal.
    pub async fn record(
        mut self,
        authority: &ExitAuthority,
        ctx: &AuditCtx,
        o: &StepOutcome,
        today: &str,
    ) -> Result<()> {
        let e = self.enterprise.clone();
        if authority.enterprise_id() != e.id {
            return Err(StoreError::NotFound);
        }
        let version = rules_in(&mut self.tx).await?.version;
        if o.kind == "evicted" {
            if e.status.code() != "active" {
                return Err(StoreError::Conflict("status"));
            }
            sqlx::query("UPDATE enterprises SET status = 'exited' WHERE id = $1 AND status = 'active'")
                .bind(e.id)
                .execute(&mut *self.tx)
                .await?;
            let units = crate::holdings::evict_holdings(&mut self.tx, ctx, e.id, today, &o.reason, version).await?;
            let detail = serde_json::json!({ "checks": o.checks, "rules_version": version, "units": units });
            enterprise_event(&mut self.tx, ctx, e.id, "evicted", &o.reason, None, detail.clone()).await?;
            audit::record(
                &mut self.tx,
                ctx,
                "evict",
                "enterprise",
                Some(e.id),
                Some(e.park_id),
                json(&e),
                Some(detail),
            )
            .await?;
        } else {
            let detail = serde_json::json!({ "checks": o.checks, "rules_version": version });
            let deadline = o.deadline.as_deref();
            enterprise_event(&mut self.tx, ctx, e.id, o.kind, &o.reason, deadline, detail.clone()).await?;
            audit::record(&mut self.tx, ctx, o.kind, "enterprise", Some(e.id), Some(e.park_id), None, Some(detail))
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
