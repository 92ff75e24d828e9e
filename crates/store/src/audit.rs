//! The audit log: who changed what, when, with the record before and after.
//! Entries are written by the store's write methods inside the same transaction as the change.

use crate::{Result, Store, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;

/// Who is acting, as recorded in the audit log (the CLI acts as `cli`).
#[derive(Clone, Debug)]
pub struct AuditCtx {
    pub user_id: Option<i64>,
    pub username: String,
}

impl AuditCtx {
    pub fn user(user_id: i64, username: &str) -> Self {
        AuditCtx { user_id: Some(user_id), username: username.to_string() }
    }

    pub fn system(name: &str) -> Self {
        AuditCtx { user_id: None, username: name.to_string() }
    }
}

/// Who acts, as the audit log records it: the user, or (user id 0: the CLI, the demo data) the
/// system under the actor's name.
impl From<&weiyuan_domain::Actor> for AuditCtx {
    fn from(actor: &weiyuan_domain::Actor) -> Self {
        AuditCtx { user_id: (actor.user_id > 0).then_some(actor.user_id), username: actor.username.clone() }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub park_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Filters for browsing the log; empty fields mean "any".
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub username: Option<String>,
    pub entity: Option<String>,
    pub action: Option<String>,
    pub park_id: Option<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One audit row, inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    park_id: Option<i64>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, user_id, username, action, entity, entity_id, park_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_ms())
    .bind(ctx.user_id)
    .bind(&ctx.username)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(park_id)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

impl crate::Store {
    /// Log an action that is not a change of one record (a period checked again), in its own
    /// transaction.
    pub async fn record_action(
        &self,
        ctx: &AuditCtx,
        action: &str,
        entity: &str,
        after: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        record(&mut tx, ctx, action, entity, None, None, None, Some(after)).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Serialise a record for the log.
pub(crate) fn json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

enum Param {
    Int(i64),
    Text(String),
}

impl Store {
    /// A page of the log, newest first, and the number of entries that match.
    pub async fn list_audit(&self, q: &AuditQuery) -> Result<(Vec<AuditEntry>, i64)> {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let mut add = |clause: &str, p: Param| {
            params.push(p);
            clauses.push(clause.replace('?', &format!("${}", params.len())));
        };
        if let Some(u) = q.username.as_ref().filter(|s| !s.is_empty()) {
            add("username = ?", Param::Text(u.clone()));
        }
        if let Some(e) = q.entity.as_ref().filter(|s| !s.is_empty()) {
            add("entity = ?", Param::Text(e.clone()));
        }
        if let Some(a) = q.action.as_ref().filter(|s| !s.is_empty()) {
            add("action = ?", Param::Text(a.clone()));
        }
        if let Some(p) = q.park_id {
            add("park_id = ?", Param::Int(p));
        }
        if let Some(f) = q.from_ms {
            add("at_ms >= ?", Param::Int(f));
        }
        if let Some(t) = q.to_ms {
            add("at_ms < ?", Param::Int(t));
        }
        let where_sql = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };

        let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_log{where_sql}");
        let mut count = sqlx::query(sql(count_sql));
        for p in &params {
            count = match p {
                Param::Int(v) => count.bind(*v),
                Param::Text(v) => count.bind(v.as_str()),
            };
        }
        let total: i64 = col(&count.fetch_one(&self.pool).await?, "n")?;

        let n = params.len();
        let list_sql = format!(
            "SELECT id, at_ms, user_id, username, action, entity, entity_id, park_id, before_json, after_json \
             FROM audit_log{where_sql} ORDER BY id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut list = sqlx::query(sql(list_sql));
        for p in &params {
            list = match p {
                Param::Int(v) => list.bind(*v),
                Param::Text(v) => list.bind(v.as_str()),
            };
        }
        let rows = list.bind(q.limit.clamp(1, 1000)).bind(q.offset.max(0)).fetch_all(&self.pool).await?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: col(r, "id")?,
                    at_ms: col(r, "at_ms")?,
                    user_id: col(r, "user_id")?,
                    username: col(r, "username")?,
                    action: col(r, "action")?,
                    entity: col(r, "entity")?,
                    entity_id: col(r, "entity_id")?,
                    park_id: col(r, "park_id")?,
                    before: parse(col(r, "before_json")?),
                    after: parse(col(r, "after_json")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((entries, total))
    }
}
