//! Public lotteries (摇号). The applicant list and the commitment SHA-256(seed) are published when
//! the lottery is created; the seed stays secret until the draw, then it is revealed with the
//! order. Kept forever: there is no delete.

use crate::audit::{self, AuditCtx};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use weiyuan_domain::access::UnitDesk;
use weiyuan_domain::lottery;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Lottery {
    pub id: i64,
    pub park_id: i64,
    pub title: String,
    pub unit_ids: Vec<i64>,
    pub applicants: Vec<String>,
    pub list_hash: String,
    pub commitment: String,
    /// Revealed after the draw; None before.
    pub seed: Option<String>,
    /// The order after the draw: the first `unit_ids.len()` win.
    pub order: Option<Vec<String>>,
    pub drawn_at: Option<i64>,
    pub username: String,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, park_id, title, unit_ids, applicants, list_hash, commitment, seed, result, drawn_at, username, created_at";

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn lottery_from_row(r: &AnyRow) -> Result<Lottery> {
    let drawn_at: Option<i64> = col(r, "drawn_at")?;
    let result: Option<String> = col(r, "result")?;
    Ok(Lottery {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        title: col(r, "title")?,
        unit_ids: col::<String>(r, "unit_ids")?.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        applicants: lines(&col::<String>(r, "applicants")?),
        list_hash: col(r, "list_hash")?,
        commitment: col(r, "commitment")?,
        seed: if drawn_at.is_some() { Some(col(r, "seed")?) } else { None },
        order: result.map(|t| lines(&t)),
        drawn_at,
        username: col(r, "username")?,
        created_at: col(r, "created_at")?,
    })
}

impl Store {
    /// Publish a lottery in the park `desk` was granted for: applicants, units, the list hash and
    /// the seed's commitment.
    pub async fn create_lottery(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        title: &str,
        unit_ids: &[i64],
        applicants: &[String],
        seed: &str,
    ) -> Result<Lottery> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        // The units are the desk's park's, checked with the write (a unit of another park is
        // refused as one that does not exist).
        for id in unit_ids {
            crate::scope::in_park(&mut tx, park_id, &[("unit_id", Some(*id))]).await.map_err(|e| match e {
                StoreError::OutOfScope(_) => StoreError::OutOfScope("unit_ids"),
                e => e,
            })?;
        }
        let row = sqlx::query(
            "INSERT INTO lotteries (park_id, title, unit_ids, applicants, list_hash, commitment, seed, username, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(park_id)
        .bind(title)
        .bind(unit_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))
        .bind(applicants.iter().map(|a| format!("{a}\n")).collect::<String>())
        .bind(lottery::list_hash(applicants))
        .bind(lottery::commitment(seed))
        .bind(seed)
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let published = serde_json::json!({ "title": title, "units": unit_ids, "applicants": applicants,
            "list_hash": lottery::list_hash(applicants), "commitment": lottery::commitment(seed) });
        audit::record(&mut tx, ctx, "create", "lottery", Some(id), Some(park_id), None, Some(published)).await?;
        tx.commit().await?;
        self.lottery(id).await
    }

    /// Draw: reveal the seed and record the order. A lottery is drawn once; one of another park
    /// than the desk's is not found.
    pub async fn draw_lottery(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64) -> Result<Lottery> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM lotteries WHERE id = $1 AND park_id = $2")))
            .bind(id)
            .bind(desk.park_id())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let l = lottery_from_row(&row)?;
        let seed: String = col(&row, "seed")?;
        let order = lottery::draw(&seed, &l.applicants);
        let done = sqlx::query("UPDATE lotteries SET result = $1, drawn_at = $2 WHERE id = $3 AND drawn_at IS NULL")
            .bind(order.iter().map(|a| format!("{a}\n")).collect::<String>())
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("drawn"));
        }
        let after = serde_json::json!({ "seed": seed, "order": order });
        audit::record(&mut tx, ctx, "draw", "lottery", Some(id), Some(l.park_id), None, Some(after)).await?;
        tx.commit().await?;
        self.lottery(id).await
    }

    pub async fn lottery(&self, id: i64) -> Result<Lottery> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM lotteries WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        lottery_from_row(&row)
    }

    pub async fn lotteries(&self, park_id: i64) -> Result<Vec<Lottery>> {
        let rows = sqlx::query(sql(format!("SELECT {COLUMNS} FROM lotteries WHERE park_id = $1 ORDER BY id DESC")))
            .bind(park_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(lottery_from_row).collect()
    }
}
