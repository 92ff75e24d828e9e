//! The county's yearly targets for each township (enterprises admitted, 小升规, tax per 亩),
//! which the monthly supervision assesses beside the parks' plans.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, col};
use sqlx::AnyConnection;
use weiyuan_domain::access::Assessor;
use weiyuan_domain::supervision::TownshipTargets;
use weiyuan_domain::units::Fixed2;

impl Store {
    /// A year's targets, by township code.
    pub async fn township_targets(&self, year: i32) -> Result<Vec<TownshipTargets>> {
        targets_in(&mut *self.pool.acquire().await?, year).await
    }

    /// Replace a year's targets (checked by `TargetsForm::validate`), with the audit entry of
    /// what they were and what they are; nothing is written when nothing changed.
    pub async fn set_township_targets(
        &self,
        _: &Assessor,
        ctx: &AuditCtx,
        year: i32,
        targets: &[TownshipTargets],
    ) -> Result<Vec<TownshipTargets>> {
        let mut tx = self.write_tx().await?;
        let before = targets_in(&mut tx, year).await?;
        if before == targets {
            return Ok(before);
        }
        sqlx::query("DELETE FROM township_targets WHERE year = $1").bind(year as i64).execute(&mut *tx).await?;
        for t in targets {
            sqlx::query(
                "INSERT INTO township_targets (year, township_code, admitted, scaled_up, tax_per_mu_x100) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(year as i64)
            .bind(&t.township_code)
            .bind(t.admitted)
            .bind(t.scaled_up)
            .bind(t.tax_per_mu.map(|v| v.0))
            .execute(&mut *tx)
            .await?;
        }
        let record = |targets: &[TownshipTargets]| json(&serde_json::json!({ "year": year, "targets": targets }));
        audit::record(&mut tx, ctx, "update", "township_targets", None, None, record(&before), record(targets)).await?;
        tx.commit().await?;
        Ok(targets.to_vec())
    }
}

async fn targets_in(conn: &mut AnyConnection, year: i32) -> Result<Vec<TownshipTargets>> {
    let rows = sqlx::query(
        "SELECT township_code, admitted, scaled_up, tax_per_mu_x100 FROM township_targets \
         WHERE year = $1 ORDER BY township_code",
    )
    .bind(year as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TownshipTargets {
                township_code: col(r, "township_code")?,
                admitted: col(r, "admitted")?,
                scaled_up: col(r, "scaled_up")?,
                tax_per_mu: col::<Option<i64>>(r, "tax_per_mu_x100")?.map(Fixed2),
            })
        })
        .collect()
}
