//! Alarm rules, alarms and their history, in-app notifications and the webhook outbox.
//! Transitions are idempotent so that the ingest path may run them again for a batch a device
//! sends again: a raise while one is open extends it, a reading not after an alarm's last one
//! changes nothing, and a raise from a reading inside an alarm already cleared is dropped.

use crate::audit::{self, AuditCtx};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{AlarmDesk, HookOwner, ParkRef, ParkScope, RuleKeeper, RuleMaker};
use weiyuan_domain::alarms::{Condition, Level, Rule, RuleDraft, Scope, Severity, State};

/// An alarm as the pages and the API show it: with its rule, device and park.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Alarm {
    pub id: i64,
    pub rule_id: i64,
    pub rule: String,
    pub condition: Condition,
    pub device_id: i64,
    pub serial: String,
    pub device: String,
    pub kind: String,
    pub park_id: i64,
    pub park: String,
    pub metric: String,
    pub severity: Severity,
    pub state: State,
    pub level: Level,
    pub level_since: i64,
    pub raised_at: i64,
    pub first_ts: i64,
    pub first_value: Option<f64>,
    pub last_ts: i64,
    pub last_value: Option<f64>,
    pub peak_value: Option<f64>,
    pub readings: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub ack_comment: Option<String>,
    pub cleared_at: Option<i64>,
    pub cleared_ts: Option<i64>,
    pub cleared_by: Option<String>,
    pub clear_comment: Option<String>,
}

/// One step in an alarm's life: raised, escalated, acknowledged or cleared.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct AlarmEvent {
    pub id: i64,
    pub alarm_id: i64,
    pub created_at: i64,
    pub event: String,
    pub level: Level,
    pub username: Option<String>,
    pub comment: Option<String>,
    pub ts: Option<i64>,
    pub value: Option<f64>,
}

/// What the evaluators need of an open alarm.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenAlarm {
    pub id: i64,
    pub rule_id: i64,
    pub device_id: i64,
    pub state: State,
    pub level: Level,
    pub level_since: i64,
    pub last_ts: i64,
    pub escalate_minutes: i64,
}

/// A change the evaluators decided on.
#[derive(Clone, Debug, PartialEq)]
pub enum AlarmWrite {
    /// A new alarm. `unless_seen_since`: a no-data alarm is not raised if the device was heard
    /// at or after that time (it reported while the timer was deciding).
    Raise {
        rule_id: i64,
        device_id: i64,
        park_id: i64,
        metric: String,
        severity: Severity,
        ts: i64,
        value: Option<f64>,
        unless_seen_since: Option<i64>,
        /// The level it starts at, and so who is told: the park's for a reading; the township's
        /// for a stopped enterprise.
        level: Level,
    },
    /// The open alarm of the rule on the device goes on.
    Extend { rule_id: i64, device_id: i64, ts: i64, value: f64, lower_is_worse: bool },
    /// The open alarm of the rule on the device ends: at a reading after its last one, or (for
    /// a device silent too long, `arrived`) whenever the device is heard again.
    Clear { rule_id: i64, device_id: i64, ts: i64, value: Option<f64>, arrived: bool },
}

/// Which alarms a list shows.
#[derive(Clone, Debug, Default)]
pub struct AlarmFilter {
    pub open_only: bool,
    pub park_id: Option<i64>,
    pub severity: Option<Severity>,
    pub limit: i64,
}

/// An in-app notification: an alarm raised or escalated to the reader's level.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Notification {
    pub id: i64,
    pub created_at: i64,
    pub read_at: Option<i64>,
    /// Of an alarm event: the alarm and what happened to it (its fields at the top level).
    #[serde(flatten)]
    pub alarm: Option<AlarmNote>,
    /// Or of a notice (a service request overdue …).
    pub notice: Option<crate::notices::Notice>,
}

/// What a notification of an alarm event says.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct AlarmNote {
    pub alarm_id: i64,
    pub event: String,
    pub level: Level,
    pub rule: String,
    pub park: String,
    pub device: String,
    pub severity: Severity,
    pub state: State,
}

/// Where alarm events are posted: the park's, the township's or the county's robot or system.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// json, dingtalk or wecom.
    pub format: String,
    pub level: Level,
    pub park_id: Option<i64>,
    pub township_code: Option<String>,
    pub min_severity: Severity,
    pub active: bool,
    pub created_at: i64,
    /// Deliveries waiting, and the last failure if the newest attempt failed.
    pub pending: i64,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct WebhookDraft {
    pub name: String,
    pub url: String,
    pub format: String,
    pub level: Level,
    pub park_id: Option<i64>,
    pub township_code: Option<String>,
    pub min_severity: Severity,
}

/// A delivery claimed for sending.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    /// The claim: an attempt is recorded only while it still holds.
    pub lease: i64,
    pub webhook_id: i64,
    pub url: String,
    pub format: String,
    /// An alarm event's delivery, or a notice's.
    pub alarm_id: Option<i64>,
    pub event_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub attempts: i64,
}

const ALARM_COLUMNS: &str = "a.id, a.rule_id, r.name AS rule_name, r.cond, r.figure, a.device_id, d.serial, d.name AS device_name, \
    d.kind, a.park_id, p.name AS park_name, a.metric, a.severity, a.state, a.level, a.level_since, a.raised_at, a.first_ts, \
    a.first_value, a.last_ts, a.last_value, a.peak_value, a.readings, a.acknowledged_at, a.acknowledged_by, a.ack_comment, \
    a.cleared_at, a.cleared_ts, a.cleared_by, a.clear_comment";

const ALARM_FROM: &str = "FROM alarms a JOIN alarm_rules r ON r.id = a.rule_id JOIN devices d ON d.id = a.device_id JOIN parks p ON p.id = a.park_id";

const EVENT_COLUMNS: &str = "id, alarm_id, created_at, event, level, username, comment, ts, value";

fn event_from_row(r: &AnyRow) -> Result<AlarmEvent> {
    Ok(AlarmEvent {
        id: col(r, "id")?,
        alarm_id: col(r, "alarm_id")?,
        created_at: col(r, "created_at")?,
        event: col(r, "event")?,
        level: Level::from_rank(col(r, "level")?),
        username: col(r, "username")?,
        comment: col(r, "comment")?,
        ts: col(r, "ts")?,
        value: col(r, "value")?,
    })
}

const RULE_COLUMNS: &str =
    "id, name, scope, device_id, kind, park_id, metric, cond, figure, severity, escalate_minutes, active";

fn severity_of(s: &str) -> Result<Severity> {
    Severity::parse(s).ok_or(StoreError::Conflict("severity"))
}

fn alarm_from_row(r: &AnyRow) -> Result<Alarm> {
    let cond: String = col(r, "cond")?;
    Ok(Alarm {
        id: col(r, "id")?,
        rule_id: col(r, "rule_id")?,
        rule: col(r, "rule_name")?,
        condition: Condition::from_parts(&cond, col(r, "figure")?).unwrap_or(Condition::Event),
        device_id: col(r, "device_id")?,
        serial: col(r, "serial")?,
        device: col(r, "device_name")?,
        kind: col(r, "kind")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park_name")?,
        metric: col(r, "metric")?,
        severity: severity_of(&col::<String>(r, "severity")?)?,
        state: State::parse(&col::<String>(r, "state")?).unwrap_or(State::Raised),
        level: Level::from_rank(col(r, "level")?),
        level_since: col(r, "level_since")?,
        raised_at: col(r, "raised_at")?,
        first_ts: col(r, "first_ts")?,
        first_value: col(r, "first_value")?,
        last_ts: col(r, "last_ts")?,
        last_value: col(r, "last_value")?,
        peak_value: col(r, "peak_value")?,
        readings: col(r, "readings")?,
        acknowledged_at: col(r, "acknowledged_at")?,
        acknowledged_by: col(r, "acknowledged_by")?,
        ack_comment: col(r, "ack_comment")?,
        cleared_at: col(r, "cleared_at")?,
        cleared_ts: col(r, "cleared_ts")?,
        cleared_by: col(r, "cleared_by")?,
        clear_comment: col(r, "clear_comment")?,
    })
}

fn rule_from_row(r: &AnyRow) -> Result<Rule> {
    let scope = match col::<String>(r, "scope")?.as_str() {
        "device" => Scope::Device { device_id: col::<Option<i64>>(r, "device_id")?.unwrap_or(0) },
        _ => Scope::Kind { kind: col::<Option<String>>(r, "kind")?.unwrap_or_default(), park_id: col(r, "park_id")? },
    };
    let cond: String = col(r, "cond")?;
    Ok(Rule {
        id: col(r, "id")?,
        name: col(r, "name")?,
        scope,
        metric: col(r, "metric")?,
        condition: Condition::from_parts(&cond, col(r, "figure")?).ok_or(StoreError::Conflict("cond"))?,
        severity: severity_of(&col::<String>(r, "severity")?)?,
        escalate_minutes: col(r, "escalate_minutes")?,
        active: col::<i64>(r, "active")? != 0,
    })
}

fn scope_columns(s: &Scope) -> (&'static str, Option<i64>, Option<String>, Option<i64>) {
    match s {
        Scope::Device { device_id } => ("device", Some(*device_id), None, None),
        Scope::Kind { kind, park_id } => ("kind", None, Some(kind.clone()), *park_id),
    }
}

/// The park a rule's scope is about (a device's park, or the kind's park; None: every park),
/// when `keeper` keeps it; otherwise the rule is not found.
async fn kept_park(conn: &mut AnyConnection, keeper: &RuleKeeper, s: &Scope) -> Result<Option<i64>> {
    let park = match s {
        Scope::Device { device_id } => {
            let row = sqlx::query("SELECT park_id FROM devices WHERE id = $1")
                .bind(device_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
            Some(col::<i64>(&row, "park_id")?)
        }
        Scope::Kind { park_id, .. } => *park_id,
    };
    if keeper.covers(park) { Ok(park) } else { Err(StoreError::NotFound) }
}

/// Store a rule (in the caller's transaction): its id.
async fn insert_rule(conn: &mut AnyConnection, d: &RuleDraft) -> Result<i64> {
    let (scope, device_id, kind, park_id) = scope_columns(&d.scope);
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO alarm_rules (name, scope, device_id, kind, park_id, metric, cond, figure, severity, escalate_minutes, \
         active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(&d.name)
    .bind(scope)
    .bind(device_id)
    .bind(kind)
    .bind(park_id)
    .bind(&d.metric)
    .bind(d.condition.code())
    .bind(d.condition.figure().unwrap_or(0.0))
    .bind(d.severity.code())
    .bind(d.escalate_minutes)
    .bind(i64::from(d.active))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    col(&row, "id")
}

/// The rules every county starts with, written with the migration that adds alarms; a later
/// migration that adds default rules writes those a database lacks (by kind, metric and condition).
pub(crate) async fn seed_default_rules(conn: &mut AnyConnection) -> Result<()> {
    for d in weiyuan_domain::alarms::default_rules() {
        let (_, _, kind, _) = scope_columns(&d.scope);
        let have = sqlx::query(
            "SELECT id FROM alarm_rules WHERE scope = 'kind' AND kind = $1 AND park_id IS NULL AND metric = $2 AND cond = $3",
        )
        .bind(kind)
        .bind(&d.metric)
        .bind(d.condition.code())
        .fetch_optional(&mut *conn)
        .await?;
        if have.is_none() {
            insert_rule(conn, &d).await?;
        }
    }
    Ok(())
}

/// Record an event and tell the audiences of `levels`: users in the app (when `in_app`) and
/// webhooks, both as far as the alarm's severity reaches them. Returns the event id.
#[allow(clippy::too_many_arguments)]
async fn event(
    conn: &mut AnyConnection,
    alarm_id: i64,
    kind: &str,
    level: Level,
    who: Option<&AuditCtx>,
    comment: Option<&str>,
    reading: Option<(i64, Option<f64>)>,
    tell: &[Level],
    in_app: bool,
) -> Result<i64> {
    let now = now_ms();
    let value = reading.and_then(|r| r.1);
    let q = with_real(
        "INSERT INTO alarm_events (alarm_id, created_at, event, level, user_id, username, comment, ts, value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        "$9",
        value,
    );
    let q = sqlx::query(sql(q))
        .bind(alarm_id)
        .bind(now)
        .bind(kind)
        .bind(level.rank())
        .bind(who.and_then(|w| w.user_id))
        .bind(who.map(|w| w.username.clone()))
        .bind(comment)
        .bind(reading.map(|r| r.0));
    let row = match value {
        Some(v) => q.bind(v),
        None => q,
    }
    .fetch_one(&mut *conn)
    .await?;
    let event_id: i64 = col(&row, "id")?;
    let a =
        sqlx::query("SELECT park_id, severity FROM alarms WHERE id = $1").bind(alarm_id).fetch_one(&mut *conn).await?;
    let park_id: i64 = col(&a, "park_id")?;
    let severity = severity_of(&col::<String>(&a, "severity")?)?;
    for l in tell {
        let (users, hooks) = match l {
            Level::Park => ("role = 'operator' AND park_id = $4", "level = 0 AND park_id = $5"),
            Level::Township => (
                "role = 'township' AND township_code = (SELECT township_code FROM parks WHERE id = $4)",
                "level = 1 AND township_code = (SELECT township_code FROM parks WHERE id = $5)",
            ),
            Level::County => ("role = 'county' AND $4 > 0", "level = 2 AND $5 > 0"),
        };
        if in_app {
            sqlx::query(sql(format!(
                "INSERT INTO notifications (user_id, alarm_id, event_id, created_at) SELECT id, $1, $2, $3 FROM users \
                 WHERE active = 1 AND {users}"
            )))
            .bind(alarm_id)
            .bind(event_id)
            .bind(now)
            .bind(park_id)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(sql(format!(
            "INSERT INTO webhook_deliveries (webhook_id, alarm_id, event_id, created_at, attempts, next_at) \
             SELECT id, $1, $2, $3, 0, $3 FROM webhooks WHERE active = 1 AND min_severity <= $4 AND {hooks}"
        )))
        .bind(alarm_id)
        .bind(event_id)
        .bind(now)
        .bind(severity as i64)
        .bind(park_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(event_id)
}

/// Apply the evaluators' changes in the caller's transaction, as of `now`. Returns the alarms
/// raised.
pub(crate) async fn apply_writes(conn: &mut AnyConnection, writes: &[AlarmWrite], now: i64) -> Result<Vec<i64>> {
    let mut raised = Vec::new();
    for w in writes {
        match w {
            AlarmWrite::Raise {
                rule_id,
                device_id,
                park_id,
                metric,
                severity,
                ts,
                value,
                unless_seen_since,
                level,
            } => {
                if let Some(since) = unless_seen_since {
                    let seen = sqlx::query("SELECT id FROM devices WHERE id = $1 AND last_seen_at >= $2")
                        .bind(device_id)
                        .bind(since)
                        .fetch_optional(&mut *conn)
                        .await?;
                    if seen.is_some() {
                        continue;
                    }
                }
                // A reading inside an alarm already cleared (sent again) raises nothing.
                let covered = sqlx::query(
                    "SELECT id FROM alarms WHERE rule_id = $1 AND device_id = $2 AND first_ts <= $3 AND cleared_ts >= $3 LIMIT 1",
                )
                .bind(rule_id)
                .bind(device_id)
                .bind(ts)
                .fetch_optional(&mut *conn)
                .await?;
                if covered.is_some() {
                    continue;
                }
                // The level is a rank from the domain, written as a literal (so that a missing
                // value can still be left out of the parameters).
                let insert = format!(
                    "INSERT INTO alarms (rule_id, device_id, park_id, metric, severity, state, level, level_since, raised_at, \
                     first_ts, first_value, last_ts, last_value, peak_value, readings) \
                     VALUES ($1, $2, $3, $4, $5, 'raised', {}, $6, $6, $7, $8, $7, $8, $8, 1) \
                     ON CONFLICT (rule_id, device_id) WHERE cleared_at IS NULL DO NOTHING RETURNING id",
                    level.rank()
                );
                let q = with_real(&insert, "$8", *value);
                let q = sqlx::query(sql(q))
                    .bind(rule_id)
                    .bind(device_id)
                    .bind(park_id)
                    .bind(metric)
                    .bind(severity.code())
                    .bind(now)
                    .bind(ts);
                let row = match value {
                    Some(v) => q.bind(*v),
                    None => q,
                }
                .fetch_optional(&mut *conn)
                .await?;
                // Another server raised it first: it stays one alarm.
                let Some(row) = row else { continue };
                let id: i64 = col(&row, "id")?;
                event(&mut *conn, id, "raised", *level, None, None, Some((*ts, *value)), &levels_up_to(*level), true)
                    .await?;
                raised.push(id);
            }
            AlarmWrite::Extend { rule_id, device_id, ts, value, lower_is_worse } => {
                let peak = if *lower_is_worse { "$2 < peak_value" } else { "$2 > peak_value" };
                sqlx::query(sql(format!(
                    "UPDATE alarms SET last_ts = $1, last_value = $2, readings = readings + 1, \
                     peak_value = CASE WHEN peak_value IS NULL OR {peak} THEN $2 ELSE peak_value END \
                     WHERE rule_id = $3 AND device_id = $4 AND cleared_at IS NULL AND last_ts < $1"
                )))
                .bind(ts)
                .bind(value)
                .bind(rule_id)
                .bind(device_id)
                .execute(&mut *conn)
                .await?;
            }
            AlarmWrite::Clear { rule_id, device_id, ts, value, arrived } => {
                let done = sqlx::query(
                    "UPDATE alarms SET state = 'cleared', cleared_at = $1, cleared_ts = $2 \
                     WHERE rule_id = $3 AND device_id = $4 AND cleared_at IS NULL AND (last_ts < $2 OR $5 = 1) RETURNING id, level",
                )
                .bind(now)
                .bind(ts)
                .bind(rule_id)
                .bind(device_id)
                .bind(i64::from(*arrived))
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = done {
                    let (id, level): (i64, i64) = (col(&row, "id")?, col(&row, "level")?);
                    let level = Level::from_rank(level);
                    event(
                        &mut *conn,
                        id,
                        "cleared",
                        level,
                        None,
                        None,
                        Some((*ts, *value)),
                        &levels_up_to(level),
                        false,
                    )
                    .await?;
                }
            }
        }
    }
    Ok(raised)
}

/// Acknowledge a raised alarm in the caller's transaction, with its event and audit entry:
/// whether it was raised (false: already acknowledged or cleared, nothing written).
pub(crate) async fn acknowledge_in(conn: &mut AnyConnection, ctx: &AuditCtx, id: i64, comment: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE alarms SET state = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, ack_comment = $3 \
         WHERE id = $4 AND state = 'raised' RETURNING level, park_id",
    )
    .bind(now_ms())
    .bind(&ctx.username)
    .bind(comment)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(done) = done else { return Ok(false) };
    // The level as of this update: an escalation may have committed since the caller read it.
    let level = Level::from_rank(col(&done, "level")?);
    let park_id: i64 = col(&done, "park_id")?;
    event(&mut *conn, id, "acknowledged", level, Some(ctx), Some(comment), None, &levels_up_to(level), false).await?;
    let after = serde_json::json!({ "state": "acknowledged", "comment": comment });
    let before = serde_json::json!({ "state": "raised" });
    audit::record(&mut *conn, ctx, "acknowledge", "alarm", Some(id), Some(park_id), Some(before), Some(after)).await?;
    Ok(true)
}

/// SQL whose last parameter `param` is an optional real: a missing value is written as NULL in
/// the text rather than bound (sqlx's Any driver declares a bound missing double as a 4-byte
/// float on PostgreSQL, which then breaks the cached statement for the next real value).
fn with_real(q: &str, param: &str, v: Option<f64>) -> String {
    if v.is_some() { q.to_string() } else { q.replace(param, "NULL") }
}

fn levels_up_to(level: Level) -> Vec<Level> {
    Level::ALL.into_iter().filter(|l| *l <= level).collect()
}

impl Store {
    pub async fn alarm_rules(&self) -> Result<Vec<Rule>> {
        let rows = sqlx::query(sql(format!("SELECT {RULE_COLUMNS} FROM alarm_rules ORDER BY id")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rule_from_row).collect()
    }

    pub async fn alarm_rule(&self, id: i64) -> Result<Rule> {
        let row = sqlx::query(sql(format!("SELECT {RULE_COLUMNS} FROM alarm_rules WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        rule_from_row(&row)
    }

    /// Store a rule of the park `keeper` was granted for (or, the county's, of every park).
    pub async fn create_alarm_rule(&self, keeper: &RuleKeeper, ctx: &AuditCtx, d: &RuleDraft) -> Result<Rule> {
        let mut tx = self.write_tx().await?;
        let park_id = kept_park(&mut tx, keeper, &d.scope).await?;
        let id = insert_rule(&mut tx, d).await?;
        audit::record(&mut tx, ctx, "create", "alarm_rule", Some(id), park_id, None, audit::json(d)).await?;
        tx.commit().await?;
        self.alarm_rule(id).await
    }

    /// Replace a rule's settings. Its open alarms stay open (and clear by the new condition).
    /// `from` keeps the rule as it is, `to` the rule as it will be (they differ when a rule
    /// moves to another park of the same keeper, or to every park).
    pub async fn update_alarm_rule(
        &self,
        (from, to): (&RuleKeeper, &RuleKeeper),
        ctx: &AuditCtx,
        id: i64,
        d: &RuleDraft,
    ) -> Result<Rule> {
        let before = self.alarm_rule(id).await?;
        let (scope, device_id, kind, rule_park) = scope_columns(&d.scope);
        let mut tx = self.write_tx().await?;
        kept_park(&mut tx, from, &before.scope).await?;
        let park_id = kept_park(&mut tx, to, &d.scope).await?;
        sqlx::query(
            "UPDATE alarm_rules SET name = $1, scope = $2, device_id = $3, kind = $4, park_id = $5, metric = $6, cond = $7, \
             figure = $8, severity = $9, escalate_minutes = $10, active = $11, updated_at = $12 WHERE id = $13",
        )
        .bind(&d.name)
        .bind(scope)
        .bind(device_id)
        .bind(kind)
        .bind(rule_park)
        .bind(&d.metric)
        .bind(d.condition.code())
        .bind(d.condition.figure().unwrap_or(0.0))
        .bind(d.severity.code())
        .bind(d.escalate_minutes)
        .bind(i64::from(d.active))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Switched off, or watching something else: its open alarms can no longer clear by
        // themselves, so they end here, in the name of whoever changed the rule.
        let watches_the_same = before.scope == d.scope && before.metric == d.metric && before.condition == d.condition;
        if !d.active || !watches_the_same {
            let open = sqlx::query(
                "UPDATE alarms SET state = 'cleared', cleared_at = $1, cleared_ts = last_ts, cleared_by = $2 \
                 WHERE rule_id = $3 AND cleared_at IS NULL RETURNING id, level",
            )
            .bind(now_ms())
            .bind(&ctx.username)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            for row in open {
                let (alarm, level) = (col::<i64>(&row, "id")?, Level::from_rank(col(&row, "level")?));
                event(&mut tx, alarm, "cleared", level, Some(ctx), None, None, &levels_up_to(level), false).await?;
            }
        }
        audit::record(&mut tx, ctx, "update", "alarm_rule", Some(id), park_id, audit::json(&before), audit::json(d))
            .await?;
        tx.commit().await?;
        self.alarm_rule(id).await
    }

    /// Open alarms, of some devices or (None) of all.
    pub async fn open_alarms(&self, device_ids: Option<&[i64]>) -> Result<Vec<OpenAlarm>> {
        let filter = match device_ids {
            Some([]) => return Ok(Vec::new()),
            // Integers only, so the list can stand in the text.
            Some(ids) => {
                format!("AND a.device_id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
            }
            None => String::new(),
        };
        let q = format!(
            "SELECT a.id, a.rule_id, a.device_id, a.state, a.level, a.level_since, a.last_ts, r.escalate_minutes \
             FROM alarms a JOIN alarm_rules r ON r.id = a.rule_id WHERE a.cleared_at IS NULL {filter}"
        );
        let rows = sqlx::query(sql(q)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(OpenAlarm {
                    id: col(r, "id")?,
                    rule_id: col(r, "rule_id")?,
                    device_id: col(r, "device_id")?,
                    state: State::parse(&col::<String>(r, "state")?).unwrap_or(State::Raised),
                    level: Level::from_rank(col(r, "level")?),
                    level_since: col(r, "level_since")?,
                    last_ts: col(r, "last_ts")?,
                    escalate_minutes: col(r, "escalate_minutes")?,
                })
            })
            .collect()
    }

    /// The reading of a device's metric just before `ts` (for a rate of change).
    pub async fn reading_before(&self, device_id: i64, metric: &str, ts: i64) -> Result<Option<(i64, f64)>> {
        let row = sqlx::query(
            "SELECT ts, value FROM readings WHERE device_id = $1 AND metric = $2 AND ts < $3 ORDER BY ts DESC LIMIT 1",
        )
        .bind(device_id)
        .bind(metric)
        .bind(ts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((col(&r, "ts")?, col(&r, "value")?))).transpose()
    }

    /// Apply the evaluators' changes in one transaction, as of `now` (the wall clock, or the
    /// timer's). Returns the alarms raised.
    pub async fn apply_alarm_writes(&self, writes: &[AlarmWrite], now: i64) -> Result<Vec<i64>> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        let raised = apply_writes(&mut tx, writes, now).await?;
        tx.commit().await?;
        Ok(raised)
    }

    /// Move an unacknowledged alarm up from `from` to `to` (only if nobody did meanwhile, in
    /// this or another server): whether this call did it.
    pub async fn escalate_alarm(&self, id: i64, from: Level, to: Level, now: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE alarms SET level = $1, level_since = $2 WHERE id = $3 AND level = $4 AND state = 'raised'",
        )
        .bind(to.rank())
        .bind(now)
        .bind(id)
        .bind(from.rank())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        event(&mut tx, id, "escalated", to, None, None, None, &[to], true).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Someone has seen the alarm and is on it. Only a raised alarm can be acknowledged.
    /// Acknowledge an alarm of the park `desk` was granted for; one of another park is not found.
    pub async fn acknowledge_alarm(&self, desk: &AlarmDesk, ctx: &AuditCtx, id: i64, comment: &str) -> Result<()> {
        if self.alarm(id).await?.park_id != desk.park_id() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write_tx().await?;
        if !acknowledge_in(&mut tx, ctx, id, comment).await? {
            return Err(StoreError::Conflict("alarm"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Close an alarm by hand (the device was replaced, the cause removed), with the reason.
    /// Clear an alarm of the park `desk` was granted for by hand.
    pub async fn clear_alarm(&self, desk: &AlarmDesk, ctx: &AuditCtx, id: i64, comment: &str) -> Result<()> {
        let before = self.alarm(id).await?;
        if before.park_id != desk.park_id() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE alarms SET state = 'cleared', cleared_at = $1, cleared_ts = last_ts, cleared_by = $2, clear_comment = $3 \
             WHERE id = $4 AND cleared_at IS NULL RETURNING level",
        )
        .bind(now)
        .bind(&ctx.username)
        .bind(comment)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::Conflict("alarm"))?;
        let level = Level::from_rank(col(&done, "level")?);
        event(&mut tx, id, "cleared", level, Some(ctx), Some(comment), None, &levels_up_to(level), false).await?;
        let after = serde_json::json!({ "state": "cleared", "comment": comment });
        let before_json = serde_json::json!({ "state": before.state.code() });
        audit::record(&mut tx, ctx, "clear", "alarm", Some(id), Some(before.park_id), Some(before_json), Some(after))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn alarm(&self, id: i64) -> Result<Alarm> {
        let row = sqlx::query(sql(format!("SELECT {ALARM_COLUMNS} {ALARM_FROM} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        alarm_from_row(&row)
    }

    /// Alarms in a scope, newest first.
    pub async fn alarms(&self, scope: &ParkScope, f: &AlarmFilter) -> Result<Vec<Alarm>> {
        // Every filter is an integer or a fixed code, so it can stand in the text.
        let mut filters = String::new();
        if f.open_only {
            filters.push_str(" AND cleared_at IS NULL");
        }
        if let Some(p) = f.park_id {
            filters.push_str(&format!(" AND park_id = {p}"));
        }
        if let Some(s) = f.severity {
            filters.push_str(&format!(" AND severity = '{}'", s.code()));
        }
        let limit = if f.limit > 0 { f.limit } else { 500 };
        let q = format!(
            "SELECT * FROM (SELECT {ALARM_COLUMNS} {ALARM_FROM}) x WHERE {{scope}}{filters} ORDER BY raised_at DESC, id DESC LIMIT {limit}"
        );
        self.fetch_scoped(&q, scope).await?.iter().map(alarm_from_row).collect()
    }

    pub async fn alarm_events(&self, alarm_id: i64) -> Result<Vec<AlarmEvent>> {
        let rows =
            sqlx::query(sql(format!("SELECT {EVENT_COLUMNS} FROM alarm_events WHERE alarm_id = $1 ORDER BY id")))
                .bind(alarm_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Open alarms per park in a scope: (park, count, worst severity).
    pub async fn open_alarm_counts(&self, scope: &ParkScope) -> Result<Vec<(i64, i64, Severity)>> {
        let q = "SELECT park_id, severity, CAST(COUNT(*) AS BIGINT) AS n FROM alarms WHERE cleared_at IS NULL AND {scope} \
                 GROUP BY park_id, severity";
        let mut out: std::collections::BTreeMap<i64, (i64, Severity)> = Default::default();
        for r in self.fetch_scoped(q, scope).await? {
            let s = severity_of(&col::<String>(&r, "severity")?)?;
            let e = out.entry(col(&r, "park_id")?).or_insert((0, s));
            e.0 += col::<i64>(&r, "n")?;
            e.1 = e.1.max(s);
        }
        Ok(out.into_iter().map(|(p, (n, s))| (p, n, s)).collect())
    }

    /// Open alarms in scope by state (raised or acknowledged) and the level they have reached:
    /// (acknowledged, level, count).
    pub async fn open_alarm_levels(&self, scope: &ParkScope) -> Result<Vec<(bool, Level, i64)>> {
        let q = "SELECT state, level, CAST(COUNT(*) AS BIGINT) AS n FROM alarms WHERE cleared_at IS NULL AND {scope} \
                 GROUP BY state, level";
        self.fetch_scoped(q, scope)
            .await?
            .iter()
            .map(|r| {
                let acknowledged = col::<String>(r, "state")? == State::Acknowledged.code();
                Ok((acknowledged, Level::from_rank(col(r, "level")?), col(r, "n")?))
            })
            .collect()
    }

    pub async fn notifications(&self, user_id: i64, limit: i64, unread_only: bool) -> Result<Vec<Notification>> {
        let rows = sqlx::query(sql(format!(
            "SELECT n.id, n.alarm_id, e.event, e.level, n.created_at, n.read_at, r.name AS rule_name, p.name AS park_name, \
             d.name AS device_name, a.severity, a.state, x.id AS x_id, x.topic AS x_topic, x.park_id AS x_park_id, \
             x.severity AS x_severity, x.params AS x_params, x.link AS x_link, x.created_at AS x_created_at \
             FROM notifications n LEFT JOIN alarm_events e ON e.id = n.event_id \
             LEFT JOIN alarms a ON a.id = n.alarm_id LEFT JOIN alarm_rules r ON r.id = a.rule_id \
             LEFT JOIN devices d ON d.id = a.device_id LEFT JOIN parks p ON p.id = a.park_id \
             LEFT JOIN notices x ON x.id = n.notice_id WHERE n.user_id = $1 {} ORDER BY n.id DESC LIMIT {}",
            if unread_only { "AND n.read_at IS NULL" } else { "" },
            limit.max(1)
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let alarm = match col::<Option<i64>>(r, "alarm_id")? {
                    Some(alarm_id) => Some(AlarmNote {
                        alarm_id,
                        event: col(r, "event")?,
                        level: Level::from_rank(col(r, "level")?),
                        rule: col(r, "rule_name")?,
                        park: col(r, "park_name")?,
                        device: col(r, "device_name")?,
                        severity: severity_of(&col::<String>(r, "severity")?)?,
                        state: State::parse(&col::<String>(r, "state")?).unwrap_or(State::Raised),
                    }),
                    None => None,
                };
                let notice = match col::<Option<i64>>(r, "x_id")? {
                    Some(_) => Some(crate::notices::notice_from_row(r, "x_")?),
                    None => None,
                };
                Ok(Notification {
                    id: col(r, "id")?,
                    created_at: col(r, "created_at")?,
                    read_at: col(r, "read_at")?,
                    alarm,
                    notice,
                })
            })
            .collect()
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "n")
    }

    /// Mark a user's notifications read: all of them, or those of one alarm.
    pub async fn read_notifications(&self, user_id: i64, alarm_id: Option<i64>) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 = 0 OR alarm_id = $3)",
        )
        .bind(now_ms())
        .bind(user_id)
        .bind(alarm_id.unwrap_or(0))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Webhooks at some levels and places (None: all).
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.webhooks_where(None).await
    }

    pub async fn webhook(&self, id: i64) -> Result<Webhook> {
        self.webhooks_where(Some(id)).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Every webhook, or the one with `id`, with its waiting deliveries and last error.
    async fn webhooks_where(&self, id: Option<i64>) -> Result<Vec<Webhook>> {
        // An integer, so it can stand in the text.
        let filter = id.map(|i| format!("WHERE w.id = {i} ")).unwrap_or_default();
        let rows = sqlx::query(sql(format!(
            "SELECT w.id, w.name, w.url, w.format, w.level, w.park_id, w.township_code, w.min_severity, w.active, w.created_at, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.delivered_at IS NULL AND x.attempts < 12) AS pending, \
             (SELECT x.last_error FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.attempts > 0 ORDER BY x.id DESC LIMIT 1) AS last_error \
             FROM webhooks w {filter}ORDER BY w.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Webhook {
                    id: col(r, "id")?,
                    name: col(r, "name")?,
                    url: col(r, "url")?,
                    format: col(r, "format")?,
                    level: Level::from_rank(col(r, "level")?),
                    park_id: col(r, "park_id")?,
                    township_code: col(r, "township_code")?,
                    min_severity: Severity::ALL[col::<i64>(r, "min_severity")?.clamp(0, 2) as usize],
                    active: col::<i64>(r, "active")? != 0,
                    created_at: col(r, "created_at")?,
                    pending: col(r, "pending")?,
                    last_error: col(r, "last_error")?,
                })
            })
            .collect()
    }

    /// Add a webhook at the owner's level and place (the draft's own are replaced by them).
    pub async fn create_webhook(&self, owner: &HookOwner, ctx: &AuditCtx, d: &WebhookDraft) -> Result<i64> {
        let (level, park_id, township_code) = owner.place();
        let d = &WebhookDraft { level, park_id, township_code, ..d.clone() };
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO webhooks (name, url, format, level, park_id, township_code, min_severity, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING id",
        )
        .bind(&d.name)
        .bind(&d.url)
        .bind(&d.format)
        .bind(d.level.rank())
        .bind(d.park_id)
        .bind(&d.township_code)
        .bind(d.min_severity as i64)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        audit::record(&mut tx, ctx, "create", "webhook", Some(id), d.park_id, None, audit::json(d)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Switch a webhook off: nothing more is queued for it, and what is queued is dropped.
    /// One the owner does not own is not found.
    pub async fn disable_webhook(&self, owner: &HookOwner, ctx: &AuditCtx, id: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "SELECT w.park_id, w.township_code, p.township_code AS park_township FROM webhooks w \
             LEFT JOIN parks p ON p.id = w.park_id WHERE w.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let (park_id, park_township): (Option<i64>, Option<String>) =
            (col(&row, "park_id")?, col(&row, "park_township")?);
        let township: Option<String> = col(&row, "township_code")?;
        let park = park_id.map(|id| ParkRef { id, township_code: park_township.as_deref().unwrap_or("") });
        if !owner.owns(park.as_ref(), township.as_deref()) {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query("UPDATE webhooks SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND delivered_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "active": false });
        audit::record(&mut tx, ctx, "disable", "webhook", Some(id), None, None, Some(after)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claim up to `limit` deliveries that are due, for `lease_ms` (another server skips them
    /// meanwhile; if this one dies, they are due again when the lease ends).
    pub async fn claim_deliveries(&self, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<Delivery>> {
        let due = sqlx::query(sql(format!(
            "SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT {}",
            limit.max(1)
        )))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for r in due {
            let id: i64 = col(&r, "id")?;
            let mut tx = self.write_tx().await?;
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id = $2 AND delivered_at IS NULL \
                 AND (claimed_until IS NULL OR claimed_until <= $3)",
            )
            .bind(now + lease_ms)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if done.rows_affected() == 1 {
                claimed.push(id);
            }
        }
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let ids = claimed.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sql(format!(
            "SELECT x.id, x.claimed_until, x.webhook_id, w.url, w.format, x.alarm_id, x.event_id, x.notice_id, x.attempts FROM webhook_deliveries x \
             JOIN webhooks w ON w.id = x.webhook_id WHERE x.id IN ({ids}) ORDER BY x.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Delivery {
                    id: col(r, "id")?,
                    lease: col::<Option<i64>>(r, "claimed_until")?.unwrap_or(0),
                    webhook_id: col(r, "webhook_id")?,
                    url: col(r, "url")?,
                    format: col(r, "format")?,
                    alarm_id: col(r, "alarm_id")?,
                    event_id: col(r, "event_id")?,
                    notice_id: col(r, "notice_id")?,
                    attempts: col(r, "attempts")?,
                })
            })
            .collect()
    }

    /// Record an attempt: delivered (`error` None) or to be tried again at `retry_at`, only while
    /// this server's claim holds (a claim that ran out was taken over, and the other server records).
    pub async fn delivery_attempted(
        &self,
        d: &Delivery,
        status: Option<u16>,
        error: Option<&str>,
        retry_at: i64,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let id = d.id;
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, status = $1, last_error = $2, claimed_until = NULL, \
             delivered_at = CASE WHEN $3 = 1 THEN $4 ELSE NULL END, next_at = $5 \
             WHERE id = $6 AND delivered_at IS NULL AND claimed_until = $7",
        )
        .bind(status.map(i64::from))
        .bind(error)
        .bind(i64::from(error.is_none()))
        .bind(now)
        .bind(retry_at)
        .bind(id)
        .bind(d.lease)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn alarm_event(&self, id: i64) -> Result<AlarmEvent> {
        let row = sqlx::query(sql(format!("SELECT {EVENT_COLUMNS} FROM alarm_events WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        event_from_row(&row)
    }

    /// The share (%) a reported figure may differ from the meters before it is flagged.
    pub async fn recon_tolerance_pct(&self) -> Result<f64> {
        let row = sqlx::query("SELECT recon_tolerance_pct FROM telemetry_settings WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        col(&row, "recon_tolerance_pct")
    }

    pub async fn set_recon_tolerance_pct(&self, _by: &RuleMaker, ctx: &AuditCtx, pct: f64) -> Result<()> {
        let before = self.recon_tolerance_pct().await?;
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE telemetry_settings SET recon_tolerance_pct = $1, updated_at = $2 WHERE id = 1")
            .bind(pct)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let (b, a) =
            (serde_json::json!({ "recon_tolerance_pct": before }), serde_json::json!({ "recon_tolerance_pct": pct }));
        audit::record(&mut tx, ctx, "update", "telemetry_settings", None, None, Some(b), Some(a)).await?;
        tx.commit().await?;
        Ok(())
    }
}
