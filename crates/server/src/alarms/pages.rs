//! Alarm pages: the list (with the reader's notifications), one alarm with its history and the
//! acknowledge and clear forms, the rules, and the webhooks.

use super::{AlarmDetail, CommentForm, ListQuery, WebhookForm};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::alarms::{Condition, Rule, RuleForm, Scope, Severity};
use weiyuan_domain::telemetry::KindDef;
use weiyuan_store::alarms::{Alarm, Webhook};

type PageResult = Result<Response, PageError>;

fn time(ms: i64) -> String {
    weiyuan_domain::time::format_shanghai(ms)
}

/// The unit of a kind's metric ("μg/m³"), empty when it has none (events, on/off). Without a
/// kind (a rule on one device) the first kind that measures the metric names it.
fn unit_of<'a>(kinds: &'a [KindDef], kind: &str, metric: &str) -> &'a str {
    let of = |k: &'a KindDef| k.metric(metric).map(|m| m.unit.as_str());
    kinds.iter().find(|k| k.code == kind).and_then(of).or_else(|| kinds.iter().find_map(of)).unwrap_or("")
}

/// A number as the pages show it ("1,234.5"), with its unit when it has one.
fn with_unit(v: f64, unit: &str) -> String {
    let n = weiyuan_domain::Fixed2::round(v).shown();
    if unit.is_empty() { n } else { format!("{n} {unit}") }
}

/// A reading's value with its unit, or a dash when the alarm has none (no-data alarms).
fn value(v: &Option<f64>, unit: &str) -> String {
    v.map(|v| with_unit(v, unit)).unwrap_or_else(|| "—".into())
}

/// "PM10 > 150 μg/m³"-like text of a condition, in the reader's language.
fn condition_text(ctx: &PageCtx, c: &Condition, metric: &str, unit: &str) -> String {
    let tr = &ctx.tr;
    let metric = if metric.is_empty() { String::new() } else { format!("{} ", tr.code("metric", metric)) };
    match c {
        Condition::Above { threshold } => format!("{metric}> {}", with_unit(*threshold, unit)),
        Condition::Below { threshold } => format!("{metric}< {}", with_unit(*threshold, unit)),
        Condition::Rate { per_minute } => format!("{metric}|Δ| > {} / min", with_unit(*per_minute, unit)),
        Condition::NoData { minutes } => format!("{} ≥ {minutes} min", tr.t("alarm.condition.no_data")),
        Condition::Event => format!("{metric}{}", tr.t("alarm.condition.event")),
        Condition::Stopped => tr.t("alarm.condition.stopped").to_string(),
    }
}

#[derive(Template)]
#[template(path = "alarms.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub alarms: Vec<Alarm>,
    pub kinds: Vec<KindDef>,
    pub query: ListQuery,
    pub unread: i64,
    pub notes: Vec<super::NotificationView>,
}

impl ListPage {
    fn time(&self, ms: &i64) -> String {
        time(*ms)
    }
    fn value(&self, a: &Alarm, v: &Option<f64>) -> String {
        value(v, unit_of(&self.kinds, &a.kind, &a.metric))
    }
    fn condition(&self, a: &Alarm) -> String {
        condition_text(&self.ctx, &a.condition, &a.metric, unit_of(&self.kinds, &a.kind, &a.metric))
    }
}

pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let alarms = super::list(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let (unread, notes) = super::notifications(&s.store, &u.actor).await.map_err(u.fail())?;
    let notes = notes.into_iter().filter(|n| n.n.read_at.is_none()).take(20).collect();
    let kinds = s.store.device_kinds().await.map_err(|e| u.fail()(e.into()))?;
    Ok(render(&ListPage { ctx: u.ctx(), alarms, kinds, query: q, unread, notes }))
}

/// Where "mark all read" was pressed: the alarms page, or the workbench (`back=/`).
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ReadForm {
    pub back: String,
}

pub async fn read_all(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<ReadForm>) -> PageResult {
    super::read(&s.store, &u.actor, None).await.map_err(u.fail())?;
    Ok(see_other(if f.back == "/" { "/" } else { "/alarms" }))
}

#[derive(Template)]
#[template(path = "alarm.html")]
pub struct AlarmPage {
    pub ctx: PageCtx,
    pub d: AlarmDetail,
    pub kinds: Vec<KindDef>,
    pub errors: Errors,
    pub form: CommentForm,
}

impl AlarmPage {
    fn time(&self, ms: &i64) -> String {
        time(*ms)
    }
    fn opt_time(&self, ms: &Option<i64>) -> String {
        ms.map(time).unwrap_or_else(|| "—".into())
    }
    fn unit(&self) -> &str {
        unit_of(&self.kinds, &self.d.alarm.kind, &self.d.alarm.metric)
    }
    fn value(&self, v: &Option<f64>) -> String {
        value(v, self.unit())
    }
    fn condition(&self) -> String {
        condition_text(&self.ctx, &self.d.alarm.condition, &self.d.alarm.metric, self.unit())
    }
}

async fn alarm_page(s: &AppState, u: &PageUser, id: i64, form: CommentForm, errors: Errors) -> PageResult {
    let d = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    s.store.read_notifications(u.actor.user_id, Some(id)).await.map_err(|e| u.fail()(e.into()))?;
    let kinds = s.store.device_kinds().await.map_err(|e| u.fail()(e.into()))?;
    let page = AlarmPage { ctx: u.ctx(), d, kinds, errors, form };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    alarm_page(&s, &u, id, CommentForm::default(), Errors::default()).await
}

pub async fn acknowledge(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> PageResult {
    match super::acknowledge(&s.store, &u.actor, id, &f).await {
        Ok(_) => Ok(done(&format!("/alarms/{id}"), "alarm_acknowledged")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            alarm_page(&s, &u.at(&format!("/alarms/{id}")), id, f, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn clear(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> PageResult {
    match super::clear(&s.store, &u.actor, id, &f).await {
        Ok(_) => Ok(done(&format!("/alarms/{id}"), "alarm_cleared")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            alarm_page(&s, &u.at(&format!("/alarms/{id}")), id, f, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Template)]
#[template(path = "alarm_rules.html")]
pub struct RulesPage {
    pub ctx: PageCtx,
    pub rules: Vec<Rule>,
    pub parks: Vec<(i64, String)>,
    pub kinds: Vec<weiyuan_domain::telemetry::KindDef>,
    pub form: RuleForm,
    pub errors: Errors,
    pub county: bool,
    /// The rule the form changes (None: the form makes a new one).
    pub editing: Option<i64>,
}

impl RulesPage {
    fn scope(&self, r: &Rule) -> String {
        match &r.scope {
            Scope::Device { device_id } => format!("{} #{device_id}", self.ctx.tr.t("device.device")),
            Scope::Kind { kind, park_id } => {
                let park = match park_id {
                    None => self.ctx.tr.t("alarm.all_parks").to_string(),
                    Some(p) => {
                        self.parks.iter().find(|x| x.0 == *p).map(|x| x.1.clone()).unwrap_or_else(|| format!("#{p}"))
                    }
                };
                format!("{} · {park}", self.ctx.tr.code("device_kind", kind))
            }
        }
    }
    fn condition(&self, r: &Rule) -> String {
        let kind = match &r.scope {
            Scope::Kind { kind, .. } => kind.as_str(),
            Scope::Device { .. } => "",
        };
        condition_text(&self.ctx, &r.condition, &r.metric, unit_of(&self.kinds, kind, &r.metric))
    }
    fn severities(&self) -> [Severity; 3] {
        Severity::ALL
    }
}

async fn rules_page(s: &AppState, u: &PageUser, form: RuleForm, errors: Errors, editing: Option<i64>) -> PageResult {
    let rules = super::rules(&s.store, &u.actor).await.map_err(u.fail())?;
    let parks = s.store.list_parks(&u.actor.park_scope()).await.map_err(|e| u.fail()(e.into()))?;
    let parks = parks.into_iter().map(|p| (p.id, p.name)).collect();
    let kinds = s.store.device_kinds().await.map_err(|e| u.fail()(e.into()))?;
    let county = u.actor.role == weiyuan_domain::Role::County;
    let page = RulesPage { ctx: u.ctx(), rules, parks, kinds, form, errors, county, editing };
    Ok(render_status(page.errors.status(), &page))
}

#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RulesQuery {
    /// A rule to change in the form.
    pub edit: Option<i64>,
}

pub async fn rules(State(s): State<AppState>, u: PageUser, Query(q): Query<RulesQuery>) -> PageResult {
    let (form, editing) = match q.edit {
        Some(id) => {
            let rule = super::rules(&s.store, &u.actor)
                .await
                .map_err(u.fail())?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| u.fail()(AppError::NotFound))?;
            (super::form_of(&s.store, &rule, rule.active).await.map_err(u.fail())?, Some(id))
        }
        None => (RuleForm { scope: "kind".into(), ..Default::default() }, None),
    };
    rules_page(&s, &u, form, Errors::default(), editing).await
}

/// Change a rule from the form.
pub async fn update_rule(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult {
    match super::update_rule(&s.store, &*s.ingestor, &u.actor, id, &f).await {
        Ok(_) => Ok(done("/alarms/rules", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            rules_page(&s, &u.at(&format!("/alarms/rules?edit={id}")), f, Errors::from_app(&e, u.tr()), Some(id)).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn create_rule(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<RuleForm>) -> PageResult {
    match super::create_rule(&s.store, &*s.ingestor, &u.actor, &f).await {
        Ok(_) => Ok(done("/alarms/rules", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            rules_page(&s, &u.at("/alarms/rules"), f, Errors::from_app(&e, u.tr()), None).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

/// Switch a rule on or off (the rest of it stays).
pub async fn toggle_rule(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(_): CsrfForm<CommentForm>,
) -> PageResult {
    let r = s.store.alarm_rule(id).await.map_err(|e| u.fail()(e.into()))?;
    let form = super::form_of(&s.store, &r, !r.active).await.map_err(u.fail())?;
    super::update_rule(&s.store, &*s.ingestor, &u.actor, id, &form).await.map_err(u.fail())?;
    Ok(see_other("/alarms/rules"))
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    pub ctx: PageCtx,
    pub hooks: Vec<Webhook>,
    pub form: WebhookForm,
    pub errors: Errors,
}

impl WebhooksPage {
    fn formats(&self) -> [&'static str; 3] {
        super::WEBHOOK_FORMATS
    }
    fn severities(&self) -> [Severity; 3] {
        Severity::ALL
    }
}

async fn webhooks_page(s: &AppState, u: &PageUser, form: WebhookForm, errors: Errors) -> PageResult {
    let hooks = super::webhooks(&s.store, &u.actor).await.map_err(u.fail())?;
    let page = WebhooksPage { ctx: u.ctx(), hooks, form, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn webhooks(State(s): State<AppState>, u: PageUser) -> PageResult {
    webhooks_page(&s, &u, WebhookForm::default(), Errors::default()).await
}

pub async fn create_webhook(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<WebhookForm>) -> PageResult {
    match super::create_webhook(&s.store, &s.destinations, &u.actor, &f).await {
        Ok(_) => Ok(done("/alarms/webhooks", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            webhooks_page(&s, &u.at("/alarms/webhooks"), f, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn disable_webhook(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(_): CsrfForm<CommentForm>,
) -> PageResult {
    super::disable_webhook(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(see_other("/alarms/webhooks"))
}
