//! Notices that are not alarms, sent through the alarms' channel (in-app notifications and
//! webhook deliveries, `alarms::Store::claim_deliveries`): a service request overdue, the
//! enterprises of a park newly qualifying for a policy. A notice keeps its topic and
//! parameters; the server words it in each reader's language.

use crate::{Result, StoreError, col, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::alarms::Severity;

/// Who of a park is told in-app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The park's operator users.
    Operator,
    /// The users of the park's township.
    Township,
    /// The county's users.
    County,
    /// The users of one service agency.
    Agency(i64),
}

/// Whose webhooks receive it: the park's, its township's, the county's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookLevel {
    Park,
    Township,
    County,
}

/// A notice to send.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct NoticeDraft {
    /// `service_overdue`, `policy_qualified`: the catalogue key `notice.<topic>` words it.
    pub topic: &'static str,
    pub park_id: i64,
    pub severity: Severity,
    /// The values the wording names (`{service}`, `{enterprise}`, `{count}` …).
    pub params: Vec<(String, String)>,
    /// The page it is about.
    pub link: String,
}

/// A stored notice.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Notice {
    pub id: i64,
    pub topic: String,
    pub park_id: Option<i64>,
    pub severity: Severity,
    pub params: Vec<(String, String)>,
    pub link: String,
    pub created_at: i64,
}

pub(crate) fn notice_from_row(r: &AnyRow, prefix: &str) -> Result<Notice> {
    let params: String = col(r, &format!("{prefix}params"))?;
    Ok(Notice {
        id: col(r, &format!("{prefix}id"))?,
        topic: col(r, &format!("{prefix}topic"))?,
        park_id: col(r, &format!("{prefix}park_id"))?,
        severity: Severity::ALL[col::<i64>(r, &format!("{prefix}severity"))?.clamp(0, 2) as usize],
        params: serde_json::from_str(&params).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))?,
        link: col(r, &format!("{prefix}link"))?,
        created_at: col(r, &format!("{prefix}created_at"))?,
    })
}

/// Store a notice and send it, in the caller's transaction: a notification to each active user
/// of the audiences, a delivery to each active webhook of the levels that takes its severity.
/// Returns its id.
pub(crate) async fn send(
    conn: &mut AnyConnection,
    n: &NoticeDraft,
    audiences: &[Audience],
    hooks: &[HookLevel],
    now: i64,
) -> Result<i64> {
    let params = serde_json::to_string(&n.params).unwrap_or_else(|_| "[]".into());
    let row = sqlx::query(
        "INSERT INTO notices (topic, park_id, severity, params, link, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(n.topic)
    .bind(n.park_id)
    .bind(n.severity as i64)
    .bind(&params)
    .bind(&n.link)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = col(&row, "id")?;
    let township = "(SELECT township_code FROM parks WHERE id = $3)";
    for a in audiences {
        let who = match a {
            Audience::Operator => "role = 'operator' AND park_id = $3".to_string(),
            Audience::Township => format!("role = 'township' AND township_code = {township}"),
            Audience::County => "role = 'county' AND $3 > 0".to_string(),
            Audience::Agency(agency) => format!("role = 'agency' AND agency_id = {agency} AND $3 > 0"),
        };
        sqlx::query(sql(format!(
            "INSERT INTO notifications (user_id, notice_id, created_at) SELECT id, $1, $2 FROM users WHERE active = 1 AND {who}"
        )))
        .bind(id)
        .bind(now)
        .bind(n.park_id)
        .execute(&mut *conn)
        .await?;
    }
    for h in hooks {
        let which = match h {
            HookLevel::Park => "level = 0 AND park_id = $3".to_string(),
            HookLevel::Township => format!("level = 1 AND township_code = {township}"),
            HookLevel::County => "level = 2 AND $3 > 0".to_string(),
        };
        sqlx::query(sql(format!(
            "INSERT INTO webhook_deliveries (webhook_id, notice_id, created_at, attempts, next_at) \
             SELECT id, $1, $2, 0, $2 FROM webhooks WHERE active = 1 AND min_severity <= $4 AND {which}"
        )))
        .bind(id)
        .bind(now)
        .bind(n.park_id)
        .bind(n.severity as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

impl crate::Store {
    pub async fn notice(&self, id: i64) -> Result<Notice> {
        let row =
            sqlx::query("SELECT id, topic, park_id, severity, params, link, created_at FROM notices WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
        notice_from_row(&row, "")
    }
}
