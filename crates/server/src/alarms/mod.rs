//! Alarms at work: the rules run over every batch of readings after it is stored and before it
//! is acknowledged (a batch that is not acknowledged is sent again, and running the rules again
//! changes nothing twice); a timer raises no-data alarms and escalates what nobody
//! acknowledged; a sender posts the webhook outbox. Every step is safe with several servers on
//! one database: the store keeps one open alarm per rule and device, and an escalation or a
//! delivery is done by whichever server's conditional update wins.

pub mod api;
pub mod destinations;
pub mod pages;

use destinations::Destinations;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use weiyuan_domain::access::{Actor, AlarmDesk, HookOwner, ParkScope, RuleKeeper};
use weiyuan_domain::alarms::{
    Change, Condition, DeviceRef, Level, Rule, RuleDraft, RuleForm, Scope, Severity, run, silent,
};
use weiyuan_domain::{Invalid, Role};
use weiyuan_store::alarms::{Alarm, AlarmEvent, AlarmFilter, AlarmWrite, Delivery, Webhook, WebhookDraft};
use weiyuan_store::telemetry::Reading;
use weiyuan_store::{AuditCtx, Store, StoreError};

/// Run the rules over stored readings (any number of batches): raise, extend and clear alarms
/// in one transaction. `kind_of` names each device's kind. Open no-data alarms of a device that
/// sent anything are cleared.
pub async fn evaluate(
    store: &Store,
    rules: &[Rule],
    kind_of: &HashMap<i64, String>,
    batches: &[&[Reading]],
) -> Result<usize, StoreError> {
    // (rule index, device) → its readings of the rule's metric.
    let mut groups: BTreeMap<(usize, i64), Vec<(i64, f64)>> = BTreeMap::new();
    let mut arrived: HashMap<i64, i64> = HashMap::new();
    let mut park_of: HashMap<i64, i64> = HashMap::new();
    for r in batches.iter().flat_map(|b| b.iter()) {
        let Some(kind) = kind_of.get(&r.device_id) else { continue };
        park_of.insert(r.device_id, r.park_id);
        let d = DeviceRef { id: r.device_id, park_id: r.park_id, kind };
        for (i, rule) in rules.iter().enumerate() {
            if !rule.applies_to(d) {
                continue;
            }
            if matches!(rule.condition, Condition::NoData { .. }) {
                arrived.insert(r.device_id, weiyuan_store::now_ms());
            } else if rule.metric == r.metric {
                groups.entry((i, r.device_id)).or_default().push((r.ts, r.value));
            }
        }
    }
    if groups.is_empty() && arrived.is_empty() {
        return Ok(0);
    }
    let devices: Vec<i64> = {
        let set: HashSet<i64> = groups.keys().map(|k| k.1).chain(arrived.keys().copied()).collect();
        set.into_iter().collect()
    };
    let open: HashMap<(i64, i64), i64> =
        store.open_alarms(Some(&devices)).await?.into_iter().map(|a| ((a.rule_id, a.device_id), a.last_ts)).collect();
    let mut writes = Vec::new();
    for ((i, device_id), readings) in groups {
        let rule = &rules[i];
        let prev = match rule.condition {
            Condition::Rate { .. } => {
                let first = readings.iter().map(|r| r.0).min().unwrap_or(0);
                store.reading_before(device_id, &rule.metric, first).await?
            }
            _ => None,
        };
        let lower_is_worse = matches!(rule.condition, Condition::Below { .. });
        for change in run(&rule.condition, open.get(&(rule.id, device_id)).copied(), prev, &readings) {
            writes.push(match change {
                Change::Raise { ts, value } => AlarmWrite::Raise {
                    rule_id: rule.id,
                    device_id,
                    park_id: park_of[&device_id],
                    metric: rule.metric.clone(),
                    severity: rule.severity,
                    ts,
                    value: Some(value),
                    unless_seen_since: None,
                    level: Level::Park,
                },
                Change::Extend { ts, value } => {
                    AlarmWrite::Extend { rule_id: rule.id, device_id, ts, value, lower_is_worse }
                }
                Change::Clear { ts, value } => {
                    AlarmWrite::Clear { rule_id: rule.id, device_id, ts, value: Some(value), arrived: false }
                }
            });
        }
    }
    for ((rule_id, device_id), _) in open.iter() {
        let no_data = rules.iter().any(|r| r.id == *rule_id && matches!(r.condition, Condition::NoData { .. }));
        if let (true, Some(at)) = (no_data, arrived.get(device_id)) {
            writes.push(AlarmWrite::Clear {
                rule_id: *rule_id,
                device_id: *device_id,
                ts: *at,
                value: None,
                arrived: true,
            });
        }
    }
    let n = writes.len();
    store.apply_alarm_writes(&writes, weiyuan_store::now_ms()).await?;
    Ok(n)
}

/// What one run of the timer did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Tick {
    pub raised: usize,
    pub escalated: usize,
}

/// Raise no-data alarms for devices silent too long, and move every alarm nobody acknowledged
/// in its rule's minutes up a level. `now` is the wall clock (tests pass a later one).
pub async fn tick(store: &Store, now: i64) -> Result<Tick, StoreError> {
    let rules: Vec<Rule> = store.alarm_rules().await?.into_iter().filter(|r| r.active).collect();
    let open = store.open_alarms(None).await?;
    let is_open: HashSet<(i64, i64)> = open.iter().map(|a| (a.rule_id, a.device_id)).collect();
    let mut writes = Vec::new();
    if rules.iter().any(|r| matches!(r.condition, Condition::NoData { .. })) {
        for d in store.list_devices(&ParkScope::All).await?.into_iter().filter(|d| d.active) {
            let dref = DeviceRef { id: d.id, park_id: d.park_id, kind: &d.kind };
            for r in rules.iter().filter(|r| r.applies_to(dref)) {
                if let Condition::NoData { minutes } = r.condition
                    && !is_open.contains(&(r.id, d.id))
                    && silent(d.last_seen_at, d.created_at, minutes, now)
                {
                    writes.push(AlarmWrite::Raise {
                        rule_id: r.id,
                        device_id: d.id,
                        park_id: d.park_id,
                        metric: String::new(),
                        severity: r.severity,
                        ts: now,
                        value: None,
                        unless_seen_since: Some(now - minutes * 60_000 + 1),
                        level: Level::Park,
                    });
                }
            }
        }
    }
    let raised = store.apply_alarm_writes(&writes, now).await?.len();
    let mut escalated = 0;
    // An alarm of a rule switched off meanwhile (by another server) waits to be cleared, not escalated.
    let active: HashSet<i64> = rules.iter().map(|r| r.id).collect();
    for a in open.iter().filter(|a| a.state == weiyuan_domain::alarms::State::Raised && active.contains(&a.rule_id)) {
        if let Some(to) = weiyuan_domain::alarms::escalation(a.level, a.level_since, a.escalate_minutes, now)
            && store.escalate_alarm(a.id, a.level, to, now).await?
        {
            escalated += 1;
        }
    }
    Ok(Tick { raised, escalated })
}

/// Post due webhook deliveries; failures are tried again later (30 s, 1, 2, 4 … minutes, at
/// most an hour apart, twelve attempts). Returns how many were delivered.
pub async fn deliver(store: &Store, destinations: &Destinations, now: i64) -> Result<usize, StoreError> {
    let mut delivered = 0;
    // Ten at a time, each at most 10 s: the three-minute claim outlasts the run.
    for d in store.claim_deliveries(now, 180_000, 10).await? {
        let body = match body(store, &d).await {
            Ok(b) => b,
            Err(e) => {
                store.delivery_attempted(&d, None, Some(&e.to_string()), i64::MAX / 2).await?;
                continue;
            }
        };
        // Checked again at every send: a webhook stored before the rule, or an address typed as
        // a literal, never reaches inside; names are checked by the client's resolver.
        if destinations.check_literal(&d.url).is_err() {
            store.delivery_attempted(&d, None, Some("address not allowed"), i64::MAX / 2).await?;
            continue;
        }
        let sent = destinations.client().post(&d.url).json(&body).timeout(Duration::from_secs(10)).send().await;
        let (status, error) = match sent {
            Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
            Ok(r) => (Some(r.status().as_u16()), Some(format!("HTTP {}", r.status().as_u16()))),
            Err(e) => (None, Some(destinations::failure(&e))),
        };
        let retry_at = if d.attempts + 1 >= 12 {
            i64::MAX / 2
        } else {
            weiyuan_store::now_ms() + (30_000i64 << d.attempts.min(7)).min(3_600_000)
        };
        if error.is_none() {
            delivered += 1;
        }
        store.delivery_attempted(&d, status, error.as_deref(), retry_at).await?;
    }
    Ok(delivered)
}

/// A webhook body in its format. `json` is Weiyuan's own (documented in docs/api.md);
/// `dingtalk` and `wecom` are the robots' markdown messages.
async fn body(store: &Store, d: &Delivery) -> Result<serde_json::Value, StoreError> {
    if let (Some(alarm), Some(event)) = (d.alarm_id, d.event_id) {
        let alarm = store.alarm(alarm).await?;
        let event = store.alarm_event(event).await?;
        return Ok(format_body(&d.format, &alarm, &event));
    }
    let notice = store.notice(d.notice_id.ok_or(StoreError::NotFound)?).await?;
    Ok(notice_body(&d.format, &notice))
}

/// A notice's webhook body: Weiyuan's own JSON (`notice`), or the robots' markdown.
pub fn notice_body(format: &str, n: &weiyuan_store::notices::Notice) -> serde_json::Value {
    let lang = weiyuan_domain::access::Lang::ZhCn;
    let t = |k: &str| crate::i18n::t(lang, k);
    let title = format!("【{}】{}", t(&format!("alarm.severity.{}", n.severity.code())), notice_text(lang, n));
    let text =
        format!("- {}：{}\n- {}", t("alarm.raised_at"), weiyuan_domain::time::format_shanghai(n.created_at), n.link);
    robot_body(format, &title, &text).unwrap_or_else(|| {
        serde_json::json!({
            "event": "notice",
            "at": n.created_at,
            "text": title,
            "notice": {
                "id": n.id,
                "topic": n.topic,
                "severity": n.severity,
                "park_id": n.park_id,
                "params": n.params.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "url": n.link,
            }
        })
    })
}

/// The robots' markdown message (DingTalk, WeCom) of a title and its lines; None for our own JSON.
fn robot_body(format: &str, title: &str, text: &str) -> Option<serde_json::Value> {
    match format {
        "dingtalk" => Some(serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "title": title, "text": format!("### {title}\n{text}") }
        })),
        "wecom" => Some(serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "content": format!("**{title}**\n{text}") }
        })),
        _ => None,
    }
}

/// The sentence a person reads: 【严重】园区 · 设备 · 规则 (事件).
pub fn headline(lang: weiyuan_domain::access::Lang, a: &Alarm, event: &str) -> String {
    headline_of(lang, a.severity, &a.park, &a.device, &a.rule, event)
}

fn headline_of(
    lang: weiyuan_domain::access::Lang,
    severity: weiyuan_domain::alarms::Severity,
    park: &str,
    device: &str,
    rule: &str,
    event: &str,
) -> String {
    let t = |k: &str| crate::i18n::t(lang, k);
    format!(
        "【{}】{} · {} · {}（{}）",
        t(&format!("alarm.severity.{}", severity.code())),
        park,
        device,
        rule,
        t(&format!("alarm.event.{event}"))
    )
}

pub fn format_body(format: &str, a: &Alarm, e: &AlarmEvent) -> serde_json::Value {
    let lang = weiyuan_domain::access::Lang::ZhCn;
    let t = |k: &str| crate::i18n::t(lang, k);
    let title = headline(lang, a, &e.event);
    let value = a.last_value.map(|v| format!("{v}")).unwrap_or_default();
    let lines = [
        format!("{}：{}", t("enterprises.park"), a.park),
        format!("{}：{}（{}）", t("device.device"), a.device, a.serial),
        format!("{}：{} {}", t("alarm.metric"), a.metric, value),
        format!("{}：{}", t("alarm.level"), t(&format!("alarm.level.{}", e.level.code()))),
        format!("{}：{}", t("alarm.raised_at"), weiyuan_domain::time::format_shanghai(a.raised_at)),
    ];
    let mut text = lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n");
    if let Some(c) = &e.comment {
        text.push_str(&format!("\n- {}：{}（{}）", t("alarm.comment"), c, e.username.clone().unwrap_or_default()));
    }
    robot_body(format, &title, &text).unwrap_or_else(|| {
        serde_json::json!({
            "event": e.event,
            "at": e.created_at,
            "by": e.username,
            "comment": e.comment,
            "text": title,
            "alarm": {
                "id": a.id,
                "rule_id": a.rule_id,
                "rule": a.rule,
                "condition": a.condition,
                "severity": a.severity,
                "state": a.state,
                "level": e.level,
                "park": { "id": a.park_id, "name": a.park },
                "device": { "id": a.device_id, "serial": a.serial, "name": a.device, "kind": a.kind },
                "metric": a.metric,
                "raised_at": a.raised_at,
                "first_ts": a.first_ts,
                "first_value": a.first_value,
                "last_ts": a.last_ts,
                "last_value": a.last_value,
                "peak_value": a.peak_value,
                "url": format!("/alarms/{}", a.id),
            }
        })
    })
}

/// Run the timer (every 30 s) and the webhook sender (every 5 s) for as long as the server runs,
/// as two tasks: a slow webhook never holds up an escalation.
pub fn spawn_jobs(
    store: Store,
    destinations: Destinations,
) -> (tokio::task::JoinHandle<()>, tokio::task::JoinHandle<()>) {
    let timer_store = store.clone();
    let timer = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(30));
        loop {
            every.tick().await;
            match tick(&timer_store, weiyuan_store::now_ms()).await {
                Ok(t) if t.raised + t.escalated > 0 => tracing::info!(?t, "alarms"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "alarm timer"),
            }
        }
    });
    let sender = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            if let Err(e) = deliver(&store, &destinations, weiyuan_store::now_ms()).await {
                tracing::warn!(error = %e, "webhook deliveries");
            }
        }
    });
    (timer, sender)
}

/// Whether the actor may see (and act on) alarms of a park.
async fn in_scope(store: &Store, actor: &Actor, park_id: i64) -> Result<(), AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    crate::parks::get(store, actor, park_id).await.map(|_| ())
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ListQuery {
    /// "open" (default) or "all".
    pub state: String,
    pub park_id: Option<i64>,
    pub severity: String,
}

pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> Result<Vec<Alarm>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut c = weiyuan_domain::validation::Checker::new();
    let all = c.optional_choice("state", &q.state, |s| matches!(s, "open" | "all").then_some(s == "all"));
    let severity = c.optional_choice("severity", &q.severity, Severity::parse);
    c.finish(())?;
    let f = AlarmFilter { open_only: all != Some(true), park_id: q.park_id, severity, limit: 500 };
    Ok(store.alarms(&actor.park_scope(), &f).await?)
}

/// An alarm with its history.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AlarmDetail {
    #[serde(flatten)]
    pub alarm: Alarm,
    pub events: Vec<AlarmEvent>,
}

/// An alarm the actor may see (one outside its parks does not exist for it).
async fn visible(store: &Store, actor: &Actor, id: i64) -> Result<Alarm, AppError> {
    let alarm = store.alarm(id).await?;
    in_scope(store, actor, alarm.park_id).await.map_err(|_| AppError::NotFound)?;
    Ok(alarm)
}

pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<AlarmDetail, AppError> {
    let alarm = visible(store, actor, id).await?;
    let events = store.alarm_events(id).await?;
    Ok(AlarmDetail { alarm, events })
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CommentForm {
    pub comment: String,
}

/// The alarm desk of an alarm's park; an alarm outside the caller's parks does not exist for it.
async fn desk(store: &Store, actor: &Actor, id: i64) -> Result<AlarmDesk, AppError> {
    let alarm = store.alarm(id).await?;
    let park = store.get_park(alarm.park_id).await?;
    actor.alarm_desk(&park.as_ref()).map_err(|_| AppError::NotFound)
}

pub async fn acknowledge(store: &Store, actor: &Actor, id: i64, form: &CommentForm) -> Result<AlarmDetail, AppError> {
    let desk = desk(store, actor, id).await?;
    let mut c = weiyuan_domain::validation::Checker::new();
    let comment = c.optional_text("comment", &form.comment, 500);
    c.finish(())?;
    store.acknowledge_alarm(&desk, &AuditCtx::from(actor), id, &comment).await?;
    read(store, actor, Some(id)).await?;
    get(store, actor, id).await
}

/// Close an alarm by hand: the reason is required.
pub async fn clear(store: &Store, actor: &Actor, id: i64, form: &CommentForm) -> Result<AlarmDetail, AppError> {
    let desk = desk(store, actor, id).await?;
    let mut c = weiyuan_domain::validation::Checker::new();
    let comment = c.text("comment", &form.comment, 500);
    c.finish(())?;
    store.clear_alarm(&desk, &AuditCtx::from(actor), id, &comment).await?;
    read(store, actor, Some(id)).await?;
    get(store, actor, id).await
}

/// A notification with the sentence its reader reads and the page it is about.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct NotificationView {
    #[serde(flatten)]
    pub n: weiyuan_store::alarms::Notification,
    pub text: String,
    pub link: String,
}

/// How a notice reads, in `lang`: the catalogue's `notice.<topic>` with its parameters.
pub fn notice_text(lang: weiyuan_domain::access::Lang, n: &weiyuan_store::notices::Notice) -> String {
    crate::i18n::tf(lang, &format!("notice.{}", n.topic), &n.params)
}

pub async fn notifications(store: &Store, actor: &Actor) -> Result<(i64, Vec<NotificationView>), AppError> {
    let views = notification_views(store, actor, 50, false).await?;
    Ok((store.unread_notifications(actor.user_id).await?, views))
}

/// The caller's newest notifications (at most `limit`, only the unread ones if asked), worded in
/// its language with where each leads.
pub async fn notification_views(
    store: &Store,
    actor: &Actor,
    limit: i64,
    unread_only: bool,
) -> Result<Vec<NotificationView>, AppError> {
    let lang = actor.lang;
    Ok(store
        .notifications(actor.user_id, limit, unread_only)
        .await?
        .into_iter()
        .map(|n| {
            let (text, link) = match (&n.alarm, &n.notice) {
                (Some(a), _) => (
                    headline_of(lang, a.severity, &a.park, &a.device, &a.rule, &a.event),
                    format!("/alarms/{}", a.alarm_id),
                ),
                (None, Some(x)) => (notice_text(lang, x), x.link.clone()),
                (None, None) => (String::new(), "/".into()),
            };
            NotificationView { n, text, link }
        })
        .collect())
}

pub async fn read(store: &Store, actor: &Actor, alarm_id: Option<i64>) -> Result<u64, AppError> {
    Ok(store.read_notifications(actor.user_id, alarm_id).await?)
}

/// The park a rule is bound to (None: every park), after checking its device exists.
async fn rule_park(store: &Store, scope: &Scope) -> Result<Option<i64>, AppError> {
    Ok(match scope {
        Scope::Device { device_id } => Some(store.get_device(*device_id).await?.park_id),
        Scope::Kind { park_id: Some(p), .. } => match store.get_park(*p).await {
            Ok(_) => Some(*p),
            Err(StoreError::NotFound) => {
                let e = weiyuan_domain::FieldError::new("park_id", "error.unknown_choice").with("value", p);
                return Err(AppError::Invalid(Invalid::one(e)));
            }
            Err(e) => return Err(e.into()),
        },
        Scope::Kind { park_id: None, .. } => None,
    })
}

/// What keeps the active rules in memory for ingest (telemetry's `Ingestor`): told to read
/// them again after a rule changes. Alarms name no telemetry type: the dependency runs one way.
pub trait RuleCache {
    fn reload(&self) -> impl std::future::Future<Output = Result<(), AppError>> + Send;
}

/// Who keeps a rule of `park`: the county any rule; a township or operator the rules bound to a
/// park of theirs. Anything else is forbidden (a rule of a park the caller cannot see included).
async fn keeper(store: &Store, actor: &Actor, park: Option<i64>) -> Result<RuleKeeper, AppError> {
    let park = match park {
        Some(p) => Some(store.get_park(p).await.map_err(|_| AppError::Forbidden)?),
        None => None,
    };
    actor.rule_keeper(park.as_ref().map(|p| p.as_ref()).as_ref()).map_err(|_| AppError::Forbidden)
}

/// Rules that reach the actor's parks: every-park rules and those bound to a park of theirs.
pub async fn rules(store: &Store, actor: &Actor) -> Result<Vec<Rule>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let parks: HashSet<i64> = store.list_parks(&actor.park_scope()).await?.into_iter().map(|p| p.id).collect();
    let devices: HashMap<i64, i64> =
        store.list_devices(&actor.park_scope()).await?.into_iter().map(|d| (d.id, d.park_id)).collect();
    Ok(store
        .alarm_rules()
        .await?
        .into_iter()
        .filter(|r| match &r.scope {
            Scope::Device { device_id } => devices.contains_key(device_id),
            Scope::Kind { park_id: None, .. } => true,
            Scope::Kind { park_id: Some(p), .. } => parks.contains(p),
        })
        .collect())
}

/// Check a rule form; a device is looked up among the actor's own parks only.
async fn draft(store: &Store, actor: &Actor, form: &RuleForm) -> Result<RuleDraft, AppError> {
    let kinds = store.device_kinds().await?;
    let serial = form.device.trim().to_string();
    let found = if form.scope.trim() == "device" && !serial.is_empty() {
        store.list_devices(&actor.park_scope()).await?.into_iter().find(|d| d.serial == serial)
    } else {
        None
    };
    Ok(form.validate(&kinds, |_| found.as_ref().map(|d| (d.id, d.park_id, d.kind.clone())))?)
}

pub async fn create_rule(
    store: &Store,
    ingestor: &impl RuleCache,
    actor: &Actor,
    form: &RuleForm,
) -> Result<Rule, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let d = draft(store, actor, form).await?;
    let park = rule_park(store, &d.scope).await?;
    if park.is_none() && actor.role != Role::County {
        return Err(AppError::Invalid(Invalid::one(weiyuan_domain::FieldError::new("park_id", "error.required"))));
    }
    let keeper = keeper(store, actor, park).await?;
    let rule = store.create_alarm_rule(&keeper, &AuditCtx::from(actor), &d).await?;
    ingestor.reload().await?;
    Ok(rule)
}

pub async fn update_rule(
    store: &Store,
    ingestor: &impl RuleCache,
    actor: &Actor,
    id: i64,
    form: &RuleForm,
) -> Result<Rule, AppError> {
    let before = store.alarm_rule(id).await?;
    let from = keeper(store, actor, rule_park(store, &before.scope).await?).await?;
    let d = draft(store, actor, form).await?;
    let to = keeper(store, actor, rule_park(store, &d.scope).await?).await?;
    let rule = store.update_alarm_rule((&from, &to), &AuditCtx::from(actor), id, &d).await?;
    ingestor.reload().await?;
    Ok(rule)
}

/// A webhook as entered: it belongs to the actor's own level and place.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct WebhookForm {
    pub name: String,
    pub url: String,
    /// json (default), dingtalk or wecom.
    pub format: String,
    /// info, warning (default) or critical.
    pub min_severity: String,
}

pub const WEBHOOK_FORMATS: [&str; 3] = ["json", "dingtalk", "wecom"];

fn webhook_draft(owner: &HookOwner, f: &WebhookForm) -> Result<WebhookDraft, AppError> {
    use weiyuan_domain::FieldError;
    let mut c = weiyuan_domain::validation::Checker::new();
    let name = c.text("name", &f.name, 100);
    let url = c.text("url", &f.url, 500);
    if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
        c.push(FieldError::new("url", "error.url"));
    }
    let format = if f.format.trim().is_empty() { "json" } else { f.format.trim() };
    if !WEBHOOK_FORMATS.contains(&format) {
        c.push(FieldError::new("format", "error.unknown_choice").with("value", format));
    }
    let min_severity = if f.min_severity.trim().is_empty() {
        Some(Severity::Warning)
    } else {
        c.choice("min_severity", &f.min_severity, Severity::parse)
    };
    let (level, park_id, township_code) = owner.place();
    c.finish(WebhookDraft {
        name,
        url,
        format: format.to_string(),
        level,
        park_id,
        township_code,
        min_severity: min_severity.unwrap_or(Severity::Warning),
    })
    .map_err(AppError::from)
}

/// A webhook is the county's to manage, a township's when it is the township's or one of its
/// parks', an operator's when it is its park's.
async fn owns(store: &Store, actor: &Actor, w: &Webhook) -> bool {
    let Ok(owner) = actor.hook_owner() else { return false };
    let park = match w.park_id {
        Some(p) => store.get_park(p).await.ok(),
        None => None,
    };
    owner.owns(park.as_ref().map(|p| p.as_ref()).as_ref(), w.township_code.as_deref())
}

pub async fn webhooks(store: &Store, actor: &Actor) -> Result<Vec<Webhook>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut mine = Vec::new();
    for w in store.webhooks().await? {
        if owns(store, actor, &w).await {
            mine.push(w);
        }
    }
    Ok(mine)
}

pub async fn create_webhook(
    store: &Store,
    destinations: &Destinations,
    actor: &Actor,
    f: &WebhookForm,
) -> Result<Webhook, AppError> {
    let owner = actor.hook_owner()?;
    let d = webhook_draft(&owner, f)?;
    if let Err(code) = destinations.check(&d.url).await {
        return Err(Invalid::one(weiyuan_domain::FieldError::new("url", code)).into());
    }
    let id = store.create_webhook(&owner, &AuditCtx::from(actor), &d).await?;
    Ok(store.webhook(id).await?)
}

pub async fn disable_webhook(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let owner = actor.hook_owner().map_err(|_| AppError::NotFound)?;
    Ok(store.disable_webhook(&owner, &AuditCtx::from(actor), id).await?)
}

/// A stored rule as its form (to change one setting and keep the rest).
pub async fn form_of(store: &Store, r: &Rule, active: bool) -> Result<RuleForm, AppError> {
    let (scope, device, kind, park_id) = match &r.scope {
        Scope::Device { device_id } => {
            ("device", store.get_device(*device_id).await?.serial, String::new(), String::new())
        }
        Scope::Kind { kind, park_id } => {
            ("kind", String::new(), kind.clone(), park_id.map(|p| p.to_string()).unwrap_or_default())
        }
    };
    Ok(RuleForm {
        name: r.name.clone(),
        scope: scope.into(),
        device,
        kind,
        park_id,
        metric: r.metric.clone(),
        condition: r.condition.code().into(),
        figure: r.condition.figure().map(|f| f.to_string()).unwrap_or_default(),
        severity: r.severity.code().into(),
        escalate_minutes: r.escalate_minutes.to_string(),
        inactive: if active { String::new() } else { "on".into() },
    })
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{delete, get, post, put};
    vec![
        (
            api("GET", "/api/v1/alarms", "alarms", "Alarms in the caller's parks (state open|all, park_id, severity)"),
            get(api::list),
        ),
        (api("GET", "/api/v1/alarms/{id}", "alarms", "One alarm with its history"), get(api::get)),
        (
            api("POST", "/api/v1/alarms/{id}/acknowledge", "alarms", "Acknowledge a raised alarm (comment)"),
            post(api::acknowledge),
        ),
        (
            api("POST", "/api/v1/alarms/{id}/clear", "alarms", "Clear an open alarm by hand (comment required)"),
            post(api::clear),
        ),
        (api("GET", "/api/v1/alarm-rules", "alarms", "Alarm rules that reach the caller's parks"), get(api::rules)),
        (api("POST", "/api/v1/alarm-rules", "alarms", "Create an alarm rule"), post(api::create_rule)),
        (api("PUT", "/api/v1/alarm-rules/{id}", "alarms", "Change an alarm rule"), put(api::update_rule)),
        (
            api("GET", "/api/v1/notifications", "alarms", "The caller's alarm notifications and unread count"),
            get(api::notifications),
        ),
        (
            api("POST", "/api/v1/notifications/read", "alarms", "Mark all the caller's notifications read"),
            post(api::read_all),
        ),
        (api("GET", "/api/v1/webhooks", "alarms", "Webhooks of the caller's level and place"), get(api::webhooks)),
        (
            api("POST", "/api/v1/webhooks", "alarms", "Add a webhook (json, dingtalk or wecom)"),
            post(api::create_webhook),
        ),
        (api("DELETE", "/api/v1/webhooks/{id}", "alarms", "Switch a webhook off"), delete(api::disable_webhook)),
        (page("GET", "/alarms", "Alarms and notifications"), get(pages::list)),
        (page("POST", "/alarms/read", "Mark notifications read"), post(pages::read_all)),
        (page("GET", "/alarms/rules", "Alarm rules"), get(pages::rules)),
        (page("POST", "/alarms/rules", "Create an alarm rule"), post(pages::create_rule)),
        (page("POST", "/alarms/rules/{id}", "Change an alarm rule"), post(pages::update_rule)),
        (page("POST", "/alarms/rules/{id}/toggle", "Switch an alarm rule on or off"), post(pages::toggle_rule)),
        (page("GET", "/alarms/webhooks", "Webhooks"), get(pages::webhooks)),
        (page("POST", "/alarms/webhooks", "Add a webhook"), post(pages::create_webhook)),
        (page("POST", "/alarms/webhooks/{id}/disable", "Switch a webhook off"), post(pages::disable_webhook)),
        (page("GET", "/alarms/{id}", "An alarm and its history"), get(pages::show)),
        (page("POST", "/alarms/{id}/acknowledge", "Acknowledge an alarm"), post(pages::acknowledge)),
        (page("POST", "/alarms/{id}/clear", "Clear an alarm"), post(pages::clear)),
    ]
}
