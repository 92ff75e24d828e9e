//! Enterprises: the minimum the foundation needs (an enterprise belongs to one park and can
//! have users). The registry, admission and exit come with the enterprise capability.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms};
use serde::Serialize;
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enterprise {
    pub id: i64,
    pub park_id: i64,
    pub name: String,
    pub credit_code: String,
    pub generated: bool,
}

fn enterprise_from_row(r: &AnyRow) -> Result<Enterprise> {
    Ok(Enterprise {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        name: col(r, "name")?,
        credit_code: col(r, "credit_code")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

impl Store {
    pub async fn create_enterprise(
        &self,
        ctx: &AuditCtx,
        park_id: i64,
        name: &str,
        credit_code: &str,
        generated: bool,
    ) -> Result<Enterprise> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO enterprises (park_id, name, credit_code, generated, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(park_id)
        .bind(name)
        .bind(credit_code)
        .bind(generated as i64)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        let e = Enterprise {
            id: col(&row, "id")?,
            park_id,
            name: name.to_string(),
            credit_code: credit_code.to_string(),
            generated,
        };
        audit::record(&mut tx, ctx, "create", "enterprise", Some(e.id), Some(park_id), None, json(&e)).await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn get_enterprise(&self, id: i64) -> Result<Enterprise> {
        let row = sqlx::query("SELECT id, park_id, name, credit_code, generated FROM enterprises WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        enterprise_from_row(&row)
    }

    pub async fn find_enterprise(&self, name: &str) -> Result<Option<Enterprise>> {
        let row = sqlx::query("SELECT id, park_id, name, credit_code, generated FROM enterprises WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(enterprise_from_row).transpose()
    }

    pub async fn list_enterprises(&self, park_id: i64) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query(
            "SELECT id, park_id, name, credit_code, generated FROM enterprises WHERE park_id = $1 ORDER BY id",
        )
        .bind(park_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(enterprise_from_row).collect()
    }
}
