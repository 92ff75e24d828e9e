//! Pages of operation monitoring: the overview of the caller's scope (operating rate, its trend
//! with weekends and holidays marked, parks from the lowest rate, long stops, months of metered
//! and reported electricity disagreeing), the enterprises behind every count, one enterprise's
//! operation, the stops with the township's explanation, and the county's settings.

use super::{
    DayList, DayQuery, EnterpriseOperation, EnterpriseQuery, Mismatch, MismatchQuery, Overview, StopList, StopsQuery,
    TrendDay,
};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::i18n::Tr;
use crate::pages::{
    CsrfForm, PageCtx, PageError, PageUser, done, problems, render, render_status, see_other, urlencode,
};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use weiyuan_domain::Fixed2;
use weiyuan_domain::access::Role;
use weiyuan_domain::operation::{DayKind, ExplainForm, Rate, Reason, SettingsForm, Status};

type PageResult = Result<axum::response::Response, PageError>;

/// The trend chart's data: the operating rate as a line, stopped enterprises as bars; weekends
/// and holidays marked in the day's label.
fn trend_chart(trend: &[TrendDay], tr: Tr) -> String {
    let label = |d: &TrendDay| match d.kind {
        DayKind::Working => d.day[5..].to_string(),
        DayKind::Weekend => format!("{} {}", &d.day[5..], tr.t("operation.weekend_mark")),
        DayKind::Holiday => format!("{} {}", &d.day[5..], tr.t("operation.holiday_mark")),
    };
    serde_json::json!({
        "x": trend.iter().map(label).collect::<Vec<_>>(),
        "series": [
            { "name": tr.t("operation.stopped_count"), "type": "bar", "data": trend.iter().map(|d| d.rate.stopped).collect::<Vec<_>>() },
            { "name": tr.t("operation.rate"), "type": "line", "yAxisIndex": 1, "data": trend.iter().map(|d| d.rate.rate_pct).collect::<Vec<_>>() }
        ],
        "units": [tr.t("operation.unit_enterprises"), "%"]
    })
    .to_string()
}

fn pct(v: &Option<f64>) -> String {
    v.map(|v| format!("{}%", Fixed2::round(v).grouped())).unwrap_or_else(|| "—".into())
}

fn kwh(v: &Option<f64>) -> String {
    v.map(|v| format!("{} kWh", Fixed2::round(v).grouped())).unwrap_or_else(|| "—".into())
}

fn statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.code()).collect()
}

#[derive(Template)]
#[template(path = "operation.html")]
pub struct OverviewPage {
    pub ctx: PageCtx,
    pub o: Overview,
    pub q: DayQuery,
    pub chart: String,
    pub may_configure: bool,
}

impl OverviewPage {
    fn pct(&self, v: &Option<f64>) -> String {
        pct(v)
    }
    fn statuses(&self) -> Vec<&'static str> {
        statuses()
    }
    fn count(&self, r: &Rate, status: &str) -> i64 {
        Status::parse(status).map(|s| r.count(s)).unwrap_or(0)
    }
    fn day(&self) -> String {
        self.o.day.clone().unwrap_or_default()
    }
    fn township(&self, code: &str) -> String {
        crate::supervision::township_name(code)
    }
    fn park_id(&self) -> String {
        urlencode(self.q.park_id.trim())
    }
}

pub async fn overview(State(s): State<AppState>, u: PageUser, Query(q): Query<DayQuery>) -> PageResult {
    if u.actor.role == Role::Enterprise {
        let own = u.actor.enterprise_id.unwrap_or(0);
        return Ok(see_other(&format!("/operation/enterprises/{own}")));
    }
    let o = super::overview(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let chart = trend_chart(&o.trend, u.tr());
    Ok(render(&OverviewPage { ctx: u.ctx(), o, q, chart, may_configure: u.actor.role == Role::County }))
}

#[derive(Template)]
#[template(path = "operation_list.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub l: DayList,
    pub chart: String,
    pub q: DayQuery,
}

impl ListPage {
    fn pct(&self, v: &Option<f64>) -> String {
        pct(v)
    }
    fn kwh(&self, v: &Option<f64>) -> String {
        kwh(v)
    }
    fn statuses(&self) -> Vec<&'static str> {
        statuses()
    }
    fn share(&self, u: &Option<f64>, b: &Option<f64>) -> String {
        match (u, b) {
            (Some(u), Some(b)) if *b > 0.0 => format!("{:.1}%", u / b * 100.0),
            _ => "—".into(),
        }
    }
    fn base(&self) -> String {
        match &self.l.park {
            Some(p) => format!("/operation/parks/{}", p.id),
            None => "/operation/list".into(),
        }
    }
    fn link(&self, status: &str, page: i64) -> String {
        format!(
            "{}?day={}&status={}&min_streak={}&page={page}",
            self.base(),
            urlencode(self.l.day.as_deref().unwrap_or("")),
            urlencode(status),
            self.l.min_streak
        )
    }
    fn count(&self, status: &str) -> i64 {
        Status::parse(status).map(|s| self.l.rate.count(s)).unwrap_or(0)
    }
    fn status_code(&self) -> &'static str {
        self.l.status.map(Status::code).unwrap_or("")
    }
    fn pages(&self) -> i64 {
        ((self.l.total + self.l.size - 1) / self.l.size).max(1)
    }
}

async fn list_page(s: &AppState, u: PageUser, q: DayQuery) -> PageResult {
    let l = super::day_list(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let chart = trend_chart(&l.trend, u.tr());
    Ok(render(&ListPage { ctx: u.ctx(), l, chart, q }))
}

pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<DayQuery>) -> PageResult {
    list_page(&s, u, q).await
}

pub async fn park(State(s): State<AppState>, u: PageUser, Id(id): Id, Query(mut q): Query<DayQuery>) -> PageResult {
    q.park_id = id.to_string();
    list_page(&s, u, q).await
}

#[derive(Template)]
#[template(path = "operation_mismatches.html")]
pub struct MismatchPage {
    pub ctx: PageCtx,
    pub list: Vec<Mismatch>,
    pub months: i64,
}

impl MismatchPage {
    fn pct(&self, v: &Option<f64>) -> String {
        pct(v)
    }
    fn whole(&self, v: &f64) -> String {
        Fixed2::round(*v).grouped_units()
    }
}

pub async fn mismatches(State(s): State<AppState>, u: PageUser, Query(q): Query<MismatchQuery>) -> PageResult {
    let (list, settings) = super::mismatch_list(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    Ok(render(&MismatchPage { ctx: u.ctx(), list, months: settings.mismatch_months }))
}

#[derive(Template)]
#[template(path = "operation_enterprise.html")]
pub struct EnterprisePage {
    pub ctx: PageCtx,
    pub e: EnterpriseOperation,
    pub chart: String,
    pub hours_chart: String,
}

impl EnterprisePage {
    fn kwh(&self, v: &Option<f64>) -> String {
        kwh(v)
    }
    fn amount(&self, v: &f64) -> String {
        Fixed2::round(*v).grouped()
    }
    fn pct(&self, v: &Option<f64>) -> String {
        pct(v)
    }
    fn day_text(&self, d: &i64) -> String {
        weiyuan_domain::operation::day_text(*d)
    }
}

pub async fn enterprise(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    Query(q): Query<EnterpriseQuery>,
) -> PageResult {
    let e = super::enterprise(&s.store, &u.actor, id, &q).await.map_err(u.fail())?;
    let tr = u.tr();
    let chart = serde_json::json!({
        "x": e.days.iter().map(|d| weiyuan_domain::operation::day_text(d.day)[5..].to_string()).collect::<Vec<_>>(),
        "series": [
            { "name": tr.t("operation.use"), "type": "bar", "data": e.days.iter().map(|d| d.use_kwh).collect::<Vec<_>>() },
            { "name": tr.t("operation.baseline"), "type": "line", "data": e.days.iter().map(|d| d.baseline_kwh).collect::<Vec<_>>() }
        ],
        "units": ["kWh", "kWh"]
    })
    .to_string();
    let hours_chart = serde_json::json!({
        "x": e.hours.iter().map(|h| format!("{:02}:00", h.hour)).collect::<Vec<_>>(),
        "series": [{ "name": tr.t("operation.use"), "type": "bar", "data": e.hours.iter().map(|h| h.use_kwh).collect::<Vec<_>>() }],
        "units": ["kWh", ""]
    })
    .to_string();
    Ok(render(&EnterprisePage { ctx: u.ctx(), e, chart, hours_chart }))
}

#[derive(Template)]
#[template(path = "operation_stops.html")]
pub struct StopsPage {
    pub ctx: PageCtx,
    pub l: StopList,
    pub park_id: String,
    pub may_explain: bool,
    pub problems: Vec<String>,
}

impl StopsPage {
    fn reasons(&self) -> Vec<&'static str> {
        Reason::ALL.iter().map(|r| r.code()).collect()
    }
    fn day_text(&self, d: &i64) -> String {
        weiyuan_domain::operation::day_text(*d)
    }
    fn pages(&self) -> i64 {
        ((self.l.total + self.l.size - 1) / self.l.size).max(1)
    }
    fn page_link(&self, page: i64) -> String {
        format!(
            "/operation/stops?show={}&park_id={}&page={page}",
            if self.l.all { "all" } else { "open" },
            urlencode(self.park_id.trim())
        )
    }
}

async fn stops_page(s: &AppState, u: &PageUser, q: &StopsQuery, problems: Vec<String>) -> Result<StopsPage, AppError> {
    let l = super::stops(&s.store, &u.actor, q).await?;
    let may_explain = matches!(u.actor.role, Role::County | Role::Township);
    Ok(StopsPage { ctx: u.ctx(), l, park_id: q.park_id.clone(), may_explain, problems })
}

pub async fn stops(State(s): State<AppState>, u: PageUser, Query(q): Query<StopsQuery>) -> PageResult {
    Ok(render(&stops_page(&s, &u, &q, Vec::new()).await.map_err(u.fail())?))
}

pub async fn explain(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<ExplainForm>,
) -> PageResult {
    match super::explain(&s.store, &u.actor, id, &f).await {
        Ok(_) => Ok(done("/operation/stops?show=all", "stop_explained")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/operation/stops");
            let page = stops_page(&s, &u, &StopsQuery::default(), problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "operation_settings.html")]
pub struct SettingsPage {
    pub ctx: PageCtx,
    pub form: SettingsForm,
    pub may_edit: bool,
    pub problems: Vec<String>,
    pub saved: bool,
}

pub async fn settings(State(s): State<AppState>, u: PageUser) -> PageResult {
    let form = super::settings(&s.store).await.map_err(u.fail())?.to_form();
    let may_edit = u.actor.role == Role::County;
    Ok(render(&SettingsPage { ctx: u.ctx(), form, may_edit, problems: Vec::new(), saved: false }))
}

pub async fn set_settings(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<SettingsForm>) -> PageResult {
    match super::set_settings(&s.store, &u.actor, &f).await {
        Ok(saved) => Ok(render(&SettingsPage {
            ctx: u.ctx(),
            form: saved.to_form(),
            may_edit: true,
            problems: Vec::new(),
            saved: true,
        })),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let problems = problems(&e, u.tr());
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SettingsPage { ctx: u.ctx(), form: f, may_edit: true, problems, saved: false },
            ))
        }
    }
}
