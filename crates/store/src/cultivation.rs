//! The cultivation library's records: what the library lists (every active enterprise's marks,
//! size, industry and trailing-12-month revenue, with its liaison, visits and open tasks), and
//! the writes of a township or the county (`ParkAuthority`) on an enterprise of its park.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use std::collections::HashMap;
use weiyuan_domain::access::ParkAuthority;
use weiyuan_domain::enterprises::{EnterpriseSize, Tag};
use weiyuan_domain::progress::Month;
use weiyuan_domain::units::Fixed2;

/// One enterprise as the library sees it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Member {
    pub enterprise_id: i64,
    pub name: String,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub size: EnterpriseSize,
    pub industry_code: String,
    pub tags: Vec<Tag>,
    /// 万元, the twelve months up to the last month that has ended.
    pub trailing_revenue: Fixed2,
    pub liaison: Option<String>,
    pub visits: i64,
    pub last_visit: Option<String>,
    pub open_tasks: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Liaison {
    pub liaison: String,
    pub phone: String,
    pub assigned_by: String,
    pub assigned_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Visit {
    pub id: i64,
    pub visited_on: String,
    pub summary: String,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Task {
    pub id: i64,
    pub enterprise_id: i64,
    pub title: String,
    pub due_on: String,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    pub created_by: String,
}

impl Store {
    /// Every active enterprise of the parks named (None: all), with what the library shows.
    pub async fn cultivation_members(&self, park_ids: Option<&[i64]>, last: Month) -> Result<Vec<Member>> {
        let scope = match park_ids {
            None => String::new(),
            Some([]) => return Ok(Vec::new()),
            Some(ids) => {
                format!(" AND e.park_id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            }
        };
        let mut conn = self.pool.acquire().await?;
        let first = last.back(11);
        let revenue: HashMap<i64, i64> = sqlx::query(sql(format!(
            "SELECT r.enterprise_id, CAST(COALESCE(SUM(r.v_revenue), 0) AS BIGINT) AS v FROM enterprise_reports r \
             JOIN enterprises e ON e.id = r.enterprise_id WHERE r.month >= $1 AND r.month <= $2 \
             AND e.status = 'active' AND e.size = 'below'{scope} GROUP BY r.enterprise_id"
        )))
        .bind(first.to_string())
        .bind(last.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((col(r, "enterprise_id")?, col(r, "v")?)))
        .collect::<Result<_>>()?;
        let rows = sqlx::query(sql(format!(
            "SELECT e.id, e.name, e.park_id, p.name AS park, p.township_code, e.size, e.industry_code, e.tags, \
             l.liaison, (SELECT CAST(COUNT(*) AS BIGINT) FROM cultivation_visits v WHERE v.enterprise_id = e.id) AS visits, \
             (SELECT MAX(v.visited_on) FROM cultivation_visits v WHERE v.enterprise_id = e.id) AS last_visit, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM cultivation_tasks t WHERE t.enterprise_id = e.id AND t.done_at IS NULL) AS open_tasks \
             FROM enterprises e JOIN parks p ON p.id = e.park_id LEFT JOIN cultivation_liaisons l ON l.enterprise_id = e.id \
             WHERE e.status = 'active'{scope} ORDER BY p.code, e.name"
        )))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = col(r, "id")?;
                let size: String = col(r, "size")?;
                let tags: String = col(r, "tags")?;
                Ok(Member {
                    enterprise_id: id,
                    name: col(r, "name")?,
                    park_id: col(r, "park_id")?,
                    park: col(r, "park")?,
                    township_code: col(r, "township_code")?,
                    size: EnterpriseSize::parse(&size).unwrap_or(EnterpriseSize::Below),
                    industry_code: col(r, "industry_code")?,
                    tags: tags.split(',').filter_map(Tag::parse).collect(),
                    trailing_revenue: Fixed2(revenue.get(&id).copied().unwrap_or(0)),
                    liaison: col(r, "liaison")?,
                    visits: col(r, "visits")?,
                    last_visit: col(r, "last_visit")?,
                    open_tasks: col(r, "open_tasks")?,
                })
            })
            .collect()
    }

    /// An enterprise's liaison, visits (newest first) and tasks (open first).
    pub async fn cultivation_of(&self, enterprise_id: i64) -> Result<(Option<Liaison>, Vec<Visit>, Vec<Task>)> {
        let mut conn = self.pool.acquire().await?;
        let liaison = sqlx::query(
            "SELECT liaison, phone, assigned_by, assigned_at FROM cultivation_liaisons WHERE enterprise_id = $1",
        )
        .bind(enterprise_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| -> Result<Liaison> {
            Ok(Liaison {
                liaison: col(&r, "liaison")?,
                phone: col(&r, "phone")?,
                assigned_by: col(&r, "assigned_by")?,
                assigned_at: col(&r, "assigned_at")?,
            })
        })
        .transpose()?;
        let visits = sqlx::query(
            "SELECT id, visited_on, summary, by_user FROM cultivation_visits WHERE enterprise_id = $1 \
             ORDER BY visited_on DESC, id DESC",
        )
        .bind(enterprise_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Visit {
                id: col(r, "id")?,
                visited_on: col(r, "visited_on")?,
                summary: col(r, "summary")?,
                by: col(r, "by_user")?,
            })
        })
        .collect::<Result<_>>()?;
        let tasks = sqlx::query(
            "SELECT id, enterprise_id, title, due_on, done_at, done_by, created_by FROM cultivation_tasks \
             WHERE enterprise_id = $1 ORDER BY CASE WHEN done_at IS NULL THEN 0 ELSE 1 END, due_on, id",
        )
        .bind(enterprise_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(task_from_row)
        .collect::<Result<_>>()?;
        Ok((liaison, visits, tasks))
    }

    pub async fn cultivation_task(&self, id: i64) -> Result<Task> {
        let r = sqlx::query(
            "SELECT id, enterprise_id, title, due_on, done_at, done_by, created_by FROM cultivation_tasks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        task_from_row(&r)
    }

    /// Assign (or change) the liaison of an enterprise of the authority's park.
    pub async fn set_liaison(
        &self,
        who: &ParkAuthority,
        ctx: &AuditCtx,
        enterprise_id: i64,
        liaison: &str,
        phone: &str,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        in_park(&mut tx, who, enterprise_id).await?;
        let n = sqlx::query(
            "UPDATE cultivation_liaisons SET liaison = $1, phone = $2, assigned_by = $3, assigned_at = $4 WHERE enterprise_id = $5",
        )
        .bind(liaison)
        .bind(phone)
        .bind(&ctx.username)
        .bind(now_ms())
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            sqlx::query(
                "INSERT INTO cultivation_liaisons (enterprise_id, liaison, phone, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(enterprise_id)
            .bind(liaison)
            .bind(phone)
            .bind(&ctx.username)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        let after = json(&serde_json::json!({ "liaison": liaison, "phone": phone }));
        audit::record(&mut tx, ctx, "liaison", "enterprise", Some(enterprise_id), Some(who.park_id()), None, after)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_visit(
        &self,
        who: &ParkAuthority,
        ctx: &AuditCtx,
        enterprise_id: i64,
        on: &str,
        summary: &str,
    ) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        in_park(&mut tx, who, enterprise_id).await?;
        let row = sqlx::query(
            "INSERT INTO cultivation_visits (enterprise_id, visited_on, summary, by_user, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(enterprise_id)
        .bind(on)
        .bind(summary)
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let after = json(&serde_json::json!({ "visit": id, "on": on, "summary": summary }));
        audit::record(&mut tx, ctx, "visit", "enterprise", Some(enterprise_id), Some(who.park_id()), None, after)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn add_task(
        &self,
        who: &ParkAuthority,
        ctx: &AuditCtx,
        enterprise_id: i64,
        title: &str,
        due: &str,
    ) -> Result<Task> {
        let mut tx = self.write_tx().await?;
        in_park(&mut tx, who, enterprise_id).await?;
        let row = sqlx::query(
            "INSERT INTO cultivation_tasks (enterprise_id, title, due_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(enterprise_id)
        .bind(title)
        .bind(due)
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let after = json(&serde_json::json!({ "task": id, "title": title, "due_on": due }));
        audit::record(&mut tx, ctx, "task", "enterprise", Some(enterprise_id), Some(who.park_id()), None, after)
            .await?;
        tx.commit().await?;
        self.cultivation_task(id).await
    }

    /// Mark a task done (a task already done is stale).
    pub async fn finish_task(&self, who: &ParkAuthority, ctx: &AuditCtx, task: &Task) -> Result<Task> {
        let mut tx = self.write_tx().await?;
        in_park(&mut tx, who, task.enterprise_id).await?;
        let n =
            sqlx::query("UPDATE cultivation_tasks SET done_at = $1, done_by = $2 WHERE id = $3 AND done_at IS NULL")
                .bind(now_ms())
                .bind(&ctx.username)
                .bind(task.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("status"));
        }
        audit::record(
            &mut tx,
            ctx,
            "task_done",
            "enterprise",
            Some(task.enterprise_id),
            Some(who.park_id()),
            json(task),
            None,
        )
        .await?;
        tx.commit().await?;
        self.cultivation_task(task.id).await
    }
}

/// The enterprise belongs to the authority's park (else it is not found).
async fn in_park(conn: &mut sqlx::AnyConnection, who: &ParkAuthority, enterprise_id: i64) -> Result<()> {
    let row = sqlx::query("SELECT park_id FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) if col::<i64>(&r, "park_id")? == who.park_id() => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

fn task_from_row(r: &sqlx::any::AnyRow) -> Result<Task> {
    Ok(Task {
        id: col(r, "id")?,
        enterprise_id: col(r, "enterprise_id")?,
        title: col(r, "title")?,
        due_on: col(r, "due_on")?,
        done_at: col(r, "done_at")?,
        done_by: col(r, "done_by")?,
        created_by: col(r, "created_by")?,
    })
}
