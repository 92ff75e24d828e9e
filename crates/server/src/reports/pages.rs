use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::access::Role;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{FIELDS, Field, ReportForm};
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::reports::Report;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "enterprise_reports.html")]
pub struct ReportsPage {
    pub ctx: PageCtx,
    pub e: Enterprise,
    pub reports: Vec<Report>,
    pub can_file: bool,
    pub form: ReportForm,
    pub errors: Errors,
    pub last_month: Option<Report>,
    pub last_year: Option<Report>,
    pub rules: weiyuan_domain::reports::ReportRules,
}

impl ReportsPage {
    fn fields(&self) -> &'static [Field] {
        &FIELDS
    }
    fn value(&self, key: &str) -> &str {
        self.form.value(key)
    }
    fn of(r: &Option<Report>, i: &usize) -> String {
        r.as_ref().and_then(|r| r.figures[*i]).map(|v| FIELDS[*i].show(v)).unwrap_or_default()
    }
    fn last_month_value(&self, i: &usize) -> String {
        Self::of(&self.last_month, i)
    }
    fn last_year_value(&self, i: &usize) -> String {
        Self::of(&self.last_year, i)
    }
    fn cell(&self, r: &Report, i: &usize) -> String {
        r.figures[*i].map(|v| FIELDS[*i].show(v)).unwrap_or_default()
    }
    fn recent(&self) -> Vec<&Report> {
        self.reports.iter().rev().take(24).collect()
    }
    /// The report already filed for the form's month: the form corrects it.
    fn filed(&self) -> Option<&Report> {
        let month = Month::parse(&self.form.month)?;
        self.reports.iter().find(|r| r.month == month)
    }
    /// When the form's month is due.
    fn due(&self) -> Option<String> {
        Some(weiyuan_domain::reports::due_date(Month::parse(&self.form.month)?, &self.rules))
    }
}

async fn page(s: &AppState, u: &PageUser, id: i64, form: Option<ReportForm>, errors: Errors) -> PageResult {
    let (e, reports) = super::list(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let can_file = super::filer(&s.store, &u.actor, &e).await.is_ok();
    let form = form.unwrap_or(ReportForm { month: super::last_month().to_string(), ..Default::default() });
    let month = Month::parse(&form.month).unwrap_or_else(super::last_month);
    let find = |m: Month| reports.iter().find(|r| r.month == m).cloned();
    let (last_month, last_year) = (find(month.prev()), find(Month { year: month.year - 1, ..month }));
    let rules = s.store.rules().await.map_err(|e| u.fail()(e.into()))?.reports;
    let page = ReportsPage { ctx: u.ctx(), e, reports, can_file, form, errors, last_month, last_year, rules };
    Ok(render_status(page.errors.status(), &page))
}

#[derive(serde::Deserialize, Default, schemars::JsonSchema)]
pub struct EditQuery {
    #[serde(default)]
    month: String,
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id, Query(q): Query<EditQuery>) -> PageResult {
    // ?month=YYYY-MM opens that month: a filed one for correction, else an empty form for
    // it. Without a month the form is for the next month to file (the last that has ended
    // when every one is filed).
    let month = match Month::parse(&q.month) {
        Some(m) => Some(m),
        None => crate::workbench::next_report(&s.store, &u.actor, id).await.map_err(u.fail())?.map(|(m, _)| m),
    };
    let form = match month {
        Some(m) => Some(
            s.store
                .enterprise_report(id, m)
                .await
                .map_err(|e| u.fail()(e.into()))?
                .map(|r| ReportForm::of(m, &r.figures))
                .unwrap_or_else(|| ReportForm { month: m.to_string(), ..Default::default() }),
        ),
        None => None,
    };
    page(&s, &u, id, form, Errors::default()).await
}

pub async fn file(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<ReportForm>) -> PageResult {
    match super::file(&s.store, &u.actor, id, &f).await {
        Ok(_) => Ok(done(&format!("/enterprises/{id}/reports"), "report_filed")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            page(&s, &u.at(&format!("/enterprises/{id}/reports")), id, Some(f), Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Template)]
#[template(path = "report_status.html")]
pub struct StatusPage {
    pub ctx: PageCtx,
    pub month: Month,
    pub parks: Vec<super::ParkStatus>,
    pub months: Vec<Month>,
}

impl StatusPage {
    fn is_month(&self, m: &Month) -> bool {
        *m == self.month
    }
}

/// The filing status of the caller's parks; an enterprise is taken to its own filing form,
/// on the next month it has to file.
pub async fn status(State(s): State<AppState>, u: PageUser, Query(q): Query<super::MonthQuery>) -> PageResult {
    if let (Role::Enterprise, Some(id)) = (u.actor.role, u.actor.enterprise_id) {
        let next = crate::workbench::next_report(&s.store, &u.actor, id).await.map_err(u.fail())?;
        return Ok(see_other(&match next {
            Some((m, _)) => format!("/enterprises/{id}/reports?month={m}"),
            None => format!("/enterprises/{id}/reports"),
        }));
    }
    let month = super::month_or_last(&q.month);
    let parks = super::status(&s.store, &u.actor, month).await.map_err(u.fail())?;
    let last = super::last_month();
    let months = Month { year: last.year - 2, ..last }.through(last).into_iter().rev().collect();
    Ok(render(&StatusPage { ctx: u.ctx(), month, parks, months }))
}
