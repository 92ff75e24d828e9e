//! Monthly enterprise reports: an enterprise files its own, its park's operator or the county
//! files for it; a filing is checked (required fields, ranges, months that have ended, jumps
//! against last year), a correction keeps the earlier version and needs a reason, and the county
//! sees who has not filed.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{ReportForm, due_date};
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::reports::Report;
use weiyuan_store::{AuditCtx, Store, now_ms};

/// The last month that has ended.
pub fn last_month() -> Month {
    Month::of_ms(now_ms()).prev()
}

/// Who files an enterprise's report: itself, its park's operator, the county.
pub fn may_file(actor: &Actor, e: &Enterprise) -> bool {
    match actor.role {
        Role::County => true,
        Role::Operator => actor.park_id == Some(e.park_id),
        Role::Enterprise => actor.enterprise_id == Some(e.id),
        Role::Township | Role::Agency => false,
    }
}

pub async fn list(store: &Store, actor: &Actor, enterprise_id: i64) -> Result<(Enterprise, Vec<Report>), AppError> {
    let e = crate::enterprises::get(store, actor, enterprise_id).await?;
    let reports = store.enterprise_reports(e.id).await?;
    Ok((e, reports))
}

pub async fn file(store: &Store, actor: &Actor, enterprise_id: i64, form: &ReportForm) -> Result<Report, AppError> {
    let e = crate::enterprises::get(store, actor, enterprise_id).await?;
    if !may_file(actor, &e) {
        return Err(AppError::Forbidden);
    }
    let rules = store.rules().await?.reports;
    let month = Month::parse(&form.month);
    let (last_year, existing) = match month {
        Some(m) => (
            store.enterprise_report(e.id, Month { year: m.year - 1, ..m }).await?,
            store.enterprise_report(e.id, m).await?,
        ),
        None => (None, None),
    };
    let d = form.validate(&rules, last_month(), last_year.as_ref().map(|r| &r.figures), existing.is_some())?;
    let today = crate::today();
    let late = existing.as_ref().map(|r| r.late).unwrap_or(today > due_date(d.month, &rules));
    Ok(store.file_enterprise_report(&AuditCtx::from(actor), e.id, e.park_id, &d, late).await?)
}

/// A park's filing status for a month.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkStatus {
    pub park_id: i64,
    pub park: String,
    pub enterprises: usize,
    pub filed: usize,
    pub late: usize,
    /// The active enterprises that have not filed: (id, name).
    pub missing: Vec<(i64, String)>,
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

pub async fn status(store: &Store, actor: &Actor, month: Month) -> Result<Vec<ParkStatus>, AppError> {
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let filed: std::collections::HashMap<i64, bool> = store.filed_in(&scope, month).await?.into_iter().collect();
    let mut by_park: std::collections::HashMap<i64, Vec<&Enterprise>> = Default::default();
    for e in enterprises.iter().filter(|e| e.status.code() == "active") {
        by_park.entry(e.park_id).or_default().push(e);
    }
    let mut out = Vec::new();
    for p in parks {
        let Some(mine) = by_park.get(&p.id) else { continue };
        let missing = mine.iter().filter(|e| !filed.contains_key(&e.id)).map(|e| (e.id, e.name.clone())).collect();
        out.push(ParkStatus {
            park_id: p.id,
            park: p.name.clone(),
            enterprises: mine.len(),
            filed: mine.iter().filter(|e| filed.contains_key(&e.id)).count(),
            late: mine.iter().filter(|e| filed.get(&e.id) == Some(&true)).count(),
            missing,
        });
    }
    Ok(out)
}

/// A month given in a query: empty is the last month that has ended; one that cannot be read
/// is refused on its field (a later one is the last that has ended).
pub fn month_query(text: &str) -> Result<Month, AppError> {
    if text.trim().is_empty() {
        return Ok(last_month());
    }
    match Month::parse(text).filter(|m| m.year >= Month::FIRST_YEAR && text.trim().len() <= 7) {
        Some(m) => Ok(m.min(last_month())),
        None => {
            Err(weiyuan_domain::Invalid::one(weiyuan_domain::FieldError::new("month", "error.month_format")).into())
        }
    }
}

pub fn month_or_last(text: &str) -> Month {
    Month::parse(text).filter(|m| *m <= last_month()).unwrap_or_else(last_month)
}

pub mod api {
    use crate::AppState;
    use crate::error::ApiError;
    use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
    use axum::Json;
    use axum::extract::{Query, State};
    use axum::http::StatusCode;
    use weiyuan_domain::progress::Month;
    use weiyuan_domain::reports::ReportForm;
    use weiyuan_store::reports::Report;

    type ApiResult<T> = Result<T, ApiError>;

    pub async fn list(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Report>>> {
        Ok(Json(super::list(&s.store, &u.actor, id).await.map_err(u.err())?.1))
    }

    pub async fn file(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<ReportForm>,
    ) -> ApiResult<(StatusCode, Json<Report>)> {
        Ok((StatusCode::CREATED, Json(super::file(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
    }

    /// Who has filed a month's reports, park by park.
    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct Status {
        pub month: Month,
        pub parks: Vec<super::ParkStatus>,
    }

    pub async fn status(
        State(s): State<AppState>,
        u: ApiUser,
        Query(q): Query<super::MonthQuery>,
    ) -> ApiResult<Json<Status>> {
        let month = super::month_query(&q.month).map_err(u.err())?;
        let parks = super::status(&s.store, &u.actor, month).await.map_err(u.err())?;
        Ok(Json(Status { month, parks }))
    }
}

pub mod pages {
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
        let can_file = super::may_file(&u.actor, &e);
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

    pub async fn file(
        State(s): State<AppState>,
        u: PageUser,
        Id(id): Id,
        CsrfForm(f): CsrfForm<ReportForm>,
    ) -> PageResult {
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
}
