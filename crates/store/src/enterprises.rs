//! The enterprise registry. An enterprise belongs to one park; its users see only itself.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{ParkScope, UnitDesk};
use weiyuan_domain::enterprises::{EnterpriseDraft, EnterpriseSize, EnterpriseStatus, Tag};

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Enterprise {
    pub id: i64,
    pub park_id: i64,
    pub name: String,
    pub credit_code: String,
    pub credit_override: String,
    pub legal_representative: String,
    pub contact: String,
    pub industry_code: String,
    pub size: EnterpriseSize,
    pub tags: Vec<Tag>,
    pub entry_date: Option<String>,
    pub status: EnterpriseStatus,
    pub generated: bool,
}

impl Enterprise {
    pub fn draft(&self) -> EnterpriseDraft {
        EnterpriseDraft {
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            credit_override: self.credit_override.clone(),
            legal_representative: self.legal_representative.clone(),
            contact: self.contact.clone(),
            industry_code: self.industry_code.clone(),
            size: self.size,
            tags: self.tags.clone(),
            entry_date: self.entry_date.clone(),
        }
    }
}

const COLUMNS: &str = "id, park_id, name, credit_code, credit_override, legal_representative, contact, industry_code, \
    size, tags, entry_date, status, generated";

fn enterprise_from_row(r: &AnyRow) -> Result<Enterprise> {
    let size: String = col(r, "size")?;
    let status: String = col(r, "status")?;
    let tags: String = col(r, "tags")?;
    Ok(Enterprise {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        name: col(r, "name")?,
        credit_code: col(r, "credit_code")?,
        credit_override: col(r, "credit_override")?,
        legal_representative: col(r, "legal_representative")?,
        contact: col(r, "contact")?,
        industry_code: col(r, "industry_code")?,
        size: EnterpriseSize::parse(&size).unwrap_or(EnterpriseSize::Below),
        tags: tags.split(',').filter_map(Tag::parse).collect(),
        entry_date: col(r, "entry_date")?,
        status: EnterpriseStatus::parse(&status).unwrap_or(EnterpriseStatus::Active),
        generated: col::<i64>(r, "generated")? != 0,
    })
}

fn tag_text(tags: &[Tag]) -> String {
    tags.iter().map(|t| t.code()).collect::<Vec<_>>().join(",")
}

/// Unique violations name the field: the credit code or the name.
fn duplicate(e: sqlx::Error) -> StoreError {
    let field = match &e {
        sqlx::Error::Database(d) if d.message().contains("credit_code") => "credit_code",
        _ => "name",
    };
    StoreError::unique_as(e, field)
}

/// Insert one enterprise inside the caller's transaction; the caller writes the audit entry.
pub(crate) async fn insert(
    conn: &mut sqlx::AnyConnection,
    park_id: i64,
    d: &EnterpriseDraft,
    generated: bool,
) -> Result<i64> {
    let q = sqlx::query(
        "INSERT INTO enterprises (name, credit_code, credit_override, legal_representative, contact, industry_code, \
         size, tags, entry_date, park_id, status, generated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    );
    let row = bind_draft(q, d)
        .bind(park_id)
        .bind(EnterpriseStatus::Active.code())
        .bind(generated as i64)
        .bind(now_ms())
        .fetch_one(&mut *conn)
        .await
        .map_err(duplicate)?;
    col(&row, "id")
}

/// One enterprise, read inside the caller's transaction.
pub(crate) async fn select(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Enterprise> {
    let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM enterprises WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    enterprise_from_row(&row)
}

/// Change an enterprise's registry fields inside the caller's transaction (its park stays).
/// A new industry division or size moves its reports to other report totals.
pub(crate) async fn update_row(conn: &mut sqlx::AnyConnection, id: i64, d: &EnterpriseDraft) -> Result<()> {
    let before = select(&mut *conn, id).await?;
    let q = sqlx::query(
        "UPDATE enterprises SET name = $1, credit_code = $2, credit_override = $3, legal_representative = $4, contact = $5, \
         industry_code = $6, size = $7, tags = $8, entry_date = $9 WHERE id = $10",
    );
    bind_draft(q, d).bind(id).execute(&mut *conn).await.map_err(duplicate)?;
    let division = |code: &str| code.chars().take(3).collect::<String>();
    if division(&before.industry_code) != division(&d.industry_code) || before.size != d.size {
        crate::reports::refresh_rollup_of(conn, id).await?;
    }
    Ok(())
}

impl Store {
    /// Register an enterprise in the park `desk` was granted for.
    pub async fn create_enterprise(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &EnterpriseDraft,
        generated: bool,
    ) -> Result<Enterprise> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        let id = insert(&mut tx, park_id, d, generated).await?;
        let e = select(&mut tx, id).await?;
        audit::record(&mut tx, ctx, "create", "enterprise", Some(id), Some(park_id), None, json(&e)).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Register many enterprises of one park in one transaction (the demo, imports).
    pub async fn create_enterprises(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        drafts: &[EnterpriseDraft],
        generated: bool,
    ) -> Result<usize> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        for d in drafts {
            let id = insert(&mut tx, park_id, d, generated).await?;
            audit::record(&mut tx, ctx, "create", "enterprise", Some(id), Some(park_id), None, json(d)).await?;
        }
        tx.commit().await?;
        Ok(drafts.len())
    }

    /// Edit an enterprise of the park `desk` was granted for; one of another park is not found.
    pub async fn update_enterprise(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        id: i64,
        d: &EnterpriseDraft,
    ) -> Result<Enterprise> {
        let mut tx = self.write_tx().await?;
        let before = select(&mut tx, id).await?;
        if before.park_id != desk.park_id() {
            return Err(StoreError::NotFound);
        }
        update_row(&mut tx, id, d).await?;
        let after = select(&mut tx, id).await?;
        audit::record(
            &mut tx,
            ctx,
            "update",
            "enterprise",
            Some(id),
            Some(before.park_id),
            json(&before),
            json(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn get_enterprise(&self, id: i64) -> Result<Enterprise> {
        select(&mut *self.pool.acquire().await?, id).await
    }

    /// The names of these enterprises (those that exist), by id.
    pub async fn enterprise_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        // Numbers only: written into the statement, as the list's length varies.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sql(format!("SELECT id, name FROM enterprises WHERE id IN ({list})")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((col(r, "id")?, col(r, "name")?))).collect()
    }

    pub async fn find_enterprise(&self, name: &str) -> Result<Option<Enterprise>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM enterprises WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(enterprise_from_row).transpose()
    }

    pub async fn list_enterprises(&self, park_id: i64) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query(sql(format!("SELECT {COLUMNS} FROM enterprises WHERE park_id = $1 ORDER BY id")))
            .bind(park_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(enterprise_from_row).collect()
    }

    /// The enterprises of the parks in a scope, by park then id.
    pub async fn list_enterprises_in(&self, scope: &ParkScope) -> Result<Vec<Enterprise>> {
        let q = format!("SELECT {COLUMNS} FROM enterprises WHERE {{scope}} ORDER BY park_id, id");
        self.fetch_scoped(&q, scope).await?.iter().map(enterprise_from_row).collect()
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Bind a draft's nine fields, in the column order INSERT and UPDATE share.
fn bind_draft<'q>(q: AnyQuery<'q>, d: &'q EnterpriseDraft) -> AnyQuery<'q> {
    q.bind(&d.name)
        .bind(&d.credit_code)
        .bind(&d.credit_override)
        .bind(&d.legal_representative)
        .bind(&d.contact)
        .bind(&d.industry_code)
        .bind(d.size.code())
        .bind(tag_text(&d.tags))
        .bind(d.entry_date.as_deref())
}

impl Store {
    /// The enterprises with these ids (in any order; ids not found are left out).
    pub async fn enterprises_by_ids(&self, ids: &[i64]) -> Result<Vec<Enterprise>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            // Integers only, so the list can stand in the text.
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let q = format!("SELECT {COLUMNS} FROM enterprises WHERE id IN ({list})");
            for r in sqlx::query(sql(q)).fetch_all(&self.pool).await? {
                out.push(enterprise_from_row(&r)?);
            }
        }
        Ok(out)
    }

    pub async fn find_enterprise_by_code(&self, credit_code: &str) -> Result<Option<Enterprise>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM enterprises WHERE credit_code = $1")))
            .bind(credit_code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(enterprise_from_row).transpose()
    }
}
