//! The county's settings: the versioned rules of section 四(三), the negative list (产业准入负面
//! 清单) and each park's industrial orientation. A rules change adds a version; decisions record
//! the version they used.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms};
use serde::Serialize;
use weiyuan_domain::access::{ParkAuthority, RuleMaker};
use weiyuan_domain::admission::Policy;
use weiyuan_domain::rules::Rules;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RulesVersion {
    pub rules: Rules,
    pub reason: String,
    pub username: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NegativeEntry {
    pub id: i64,
    /// "code" (a GB/T 4754 code prefix) or "keyword" (a word in the applicant's name).
    pub kind: String,
    pub value: String,
    pub note: String,
}

fn decode(text: &str) -> Result<Rules> {
    serde_json::from_str(text).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))
}

impl Store {
    /// The rules in force: the latest version, or the seed's defaults (version 1).
    pub async fn rules(&self) -> Result<Rules> {
        rules_in(&mut *self.pool.acquire().await?).await
    }

    /// Every version, newest first.
    pub async fn rules_history(&self) -> Result<Vec<RulesVersion>> {
        let rows =
            sqlx::query("SELECT rules_json, reason, username, created_at FROM rule_versions ORDER BY version DESC")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(RulesVersion {
                    rules: decode(&col::<String>(r, "rules_json")?)?,
                    reason: col(r, "reason")?,
                    username: col(r, "username")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Store a new version; refused when someone else saved a version in between.
    pub async fn set_rules(&self, _by: &RuleMaker, ctx: &AuditCtx, rules: &Rules, reason: &str) -> Result<Rules> {
        let mut tx = self.write_tx().await?;
        let before = rules_in(&mut tx).await?;
        if rules.version != before.version + 1 {
            return Err(StoreError::Conflict("version"));
        }
        let text = serde_json::to_string(rules).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))?;
        sqlx::query(
            "INSERT INTO rule_versions (version, rules_json, reason, username, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(rules.version)
        .bind(text)
        .bind(reason)
        .bind(&ctx.username)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "version"))?;
        audit::record(&mut tx, ctx, "update", "rules", Some(rules.version), None, json(&before), json(rules)).await?;
        tx.commit().await?;
        Ok(rules.clone())
    }

    pub async fn negative_list(&self) -> Result<Vec<NegativeEntry>> {
        let rows = sqlx::query("SELECT id, kind, value, note FROM negative_list ORDER BY kind, value")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(NegativeEntry {
                    id: col(r, "id")?,
                    kind: col(r, "kind")?,
                    value: col(r, "value")?,
                    note: col(r, "note")?,
                })
            })
            .collect()
    }

    pub async fn add_negative(
        &self,
        _by: &RuleMaker,
        ctx: &AuditCtx,
        kind: &str,
        value: &str,
        note: &str,
    ) -> Result<NegativeEntry> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("INSERT INTO negative_list (kind, value, note) VALUES ($1, $2, $3) RETURNING id")
            .bind(kind)
            .bind(value)
            .bind(note)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "value"))?;
        let e = NegativeEntry { id: col(&row, "id")?, kind: kind.into(), value: value.into(), note: note.into() };
        audit::record(&mut tx, ctx, "create", "negative_list", Some(e.id), None, None, json(&e)).await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn remove_negative(&self, _by: &RuleMaker, ctx: &AuditCtx, id: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT id, kind, value, note FROM negative_list WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let e = NegativeEntry { id, kind: col(&row, "kind")?, value: col(&row, "value")?, note: col(&row, "note")? };
        sqlx::query("DELETE FROM negative_list WHERE id = $1").bind(id).execute(&mut *tx).await?;
        audit::record(&mut tx, ctx, "delete", "negative_list", Some(id), None, json(&e), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A park's orientation: GB/T 4754 code prefixes of its leading and related industries.
    pub async fn orientation(&self, park_id: i64) -> Result<Vec<String>> {
        let row = sqlx::query("SELECT prefixes FROM park_orientations WHERE park_id = $1")
            .bind(park_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => split(&col::<String>(&r, "prefixes")?),
            None => Vec::new(),
        })
    }

    /// Every park's orientation, by park id.
    pub async fn orientations(&self) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        let rows = sqlx::query("SELECT park_id, prefixes FROM park_orientations").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((col(r, "park_id")?, split(&col::<String>(r, "prefixes")?)))).collect()
    }

    /// Set the industrial orientation of the park `who` was granted for.
    pub async fn set_orientation(&self, who: &ParkAuthority, ctx: &AuditCtx, prefixes: &[String]) -> Result<()> {
        let park_id = who.park_id();
        let mut tx = self.write_tx().await?;
        let before = sqlx::query("SELECT prefixes FROM park_orientations WHERE park_id = $1")
            .bind(park_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| col::<String>(&r, "prefixes"))
            .transpose()?;
        let text = prefixes.join(",");
        sqlx::query("DELETE FROM park_orientations WHERE park_id = $1").bind(park_id).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO park_orientations (park_id, prefixes) VALUES ($1, $2)")
            .bind(park_id)
            .bind(&text)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, ctx, "update", "orientation", Some(park_id), Some(park_id), json(&before), json(&text))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The admission policy of a park: its orientation and the county's negative list.
    pub async fn policy(&self, park_id: i64) -> Result<Policy> {
        let negative = self.negative_list().await?;
        let pick = |kind: &str| negative.iter().filter(|e| e.kind == kind).map(|e| e.value.clone()).collect();
        Ok(Policy {
            orientation: self.orientation(park_id).await?,
            negative_codes: pick("code"),
            negative_keywords: pick("keyword"),
        })
    }
}

pub(crate) fn split(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// The rules in force, read inside a transaction (decisions use the rules of their moment).
pub(crate) async fn rules_in(conn: &mut sqlx::AnyConnection) -> Result<Rules> {
    let row =
        sqlx::query("SELECT rules_json FROM rule_versions ORDER BY version DESC LIMIT 1").fetch_optional(conn).await?;
    match row {
        Some(r) => decode(&col::<String>(&r, "rules_json")?),
        None => Ok(Rules::default()),
    }
}
