use super::{AdmissionForm, DecisionForm};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::admission;
use weiyuan_domain::enterprises::EnterpriseSize;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::Check;
use weiyuan_store::admissions::{Admission, COUNTY, SENT_BACK, TOWNSHIP};

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "admissions.html")]
pub struct AdmissionsPage {
    pub ctx: PageCtx,
    pub list: Vec<Admission>,
    /// The status shown ("" for every one), and how many applications are in each status.
    pub status: String,
    pub counts: Vec<(&'static str, usize)>,
}

impl AdmissionsPage {
    fn failed(&self, a: &Admission) -> usize {
        a.checks.iter().filter(|c| !c.passed).count()
    }
    fn is_status(&self, st: &str) -> bool {
        self.status == st
    }
}

#[derive(Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ListQuery {
    status: String,
}

/// `?status=township` (or county, sent_back, approved, rejected): only those.
pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let mut c = weiyuan_domain::validation::Checker::new();
    let status = match q.status.trim() {
        "" => "",
        given => c.choice("status", given, |g| admission::STATUSES.into_iter().find(|s| *s == g)).unwrap_or(""),
    };
    c.finish(()).map_err(|e| u.fail()(e.into()))?;
    let mut list = super::list(&s.store, &u.actor).await.map_err(u.fail())?;
    let counts = admission::STATUSES.iter().map(|st| (*st, list.iter().filter(|a| a.status == *st).count())).collect();
    if !status.is_empty() {
        list.retain(|a| a.status == status);
    }
    Ok(render(&AdmissionsPage { ctx: u.ctx(), list, status: status.to_string(), counts }))
}

#[derive(Template)]
#[template(path = "admission_form.html")]
pub struct AdmissionFormPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub admission_id: Option<i64>,
    /// An enterprise applies with its registry record: only the area is asked.
    pub own: bool,
    pub form: AdmissionForm,
    pub errors: Errors,
}

impl AdmissionFormPage {
    fn sizes(&self) -> &'static [EnterpriseSize] {
        EnterpriseSize::ALL
    }
}

async fn form_page(
    s: &AppState,
    u: &PageUser,
    park_id: i64,
    admission_id: Option<i64>,
    form: AdmissionForm,
    errors: Errors,
) -> PageResult {
    let park = s.store.get_park(park_id).await.map_err(|e| u.fail()(e.into()))?;
    let filer = u.actor.filer(&park.as_ref()).map_err(|d| u.fail()(d.into()))?;
    let own = filer.enterprise_id().is_some();
    let page = AdmissionFormPage { ctx: u.ctx(), park, admission_id, own, form, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn new_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let mut form = AdmissionForm::default();
    form.enterprise.size = "below".into();
    form_page(&s, &u, id, None, form, Errors::default()).await
}

pub async fn apply(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<AdmissionForm>,
) -> PageResult {
    match super::apply(&s.store, &u.actor, id, &f).await {
        Ok(a) => Ok(done(&format!("/admissions/{}", a.id), "admission_sent")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            form_page(&s, &u, id, None, f, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn edit_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let a = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    form_page(&s, &u, a.park_id, Some(id), super::form_of(&a), Errors::default()).await
}

pub async fn resubmit(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<AdmissionForm>,
) -> PageResult {
    match super::resubmit(&s.store, &u.actor, id, &f).await {
        Ok(a) => Ok(done(&format!("/admissions/{}", a.id), "admission_sent")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let a = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
            form_page(&s, &u, a.park_id, Some(id), f, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Template)]
#[template(path = "admission.html")]
pub struct AdmissionPage {
    pub ctx: PageCtx,
    pub a: Admission,
    pub checks: Vec<Check>,
    pub can_decide: bool,
    pub can_resubmit: bool,
    pub errors: Errors,
}

async fn show_page(s: &AppState, u: &PageUser, id: i64, errors: Errors, refused: Option<Vec<Check>>) -> PageResult {
    let a = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let park = s.store.get_park(a.park_id).await.map_err(|e| u.fail()(e.into()))?;
    // The form is shown to whoever the capability would be granted to, for the current step.
    let can_decide = [TOWNSHIP, COUNTY]
        .into_iter()
        .find(|s| *s == a.status)
        .is_some_and(|stage| u.actor.reviewer(&park.as_ref(), a.id, stage).is_ok());
    let can_resubmit = a.status == SENT_BACK && (u.actor.can_edit_units(&park.as_ref()) || super::is_own(&u.actor, &a));
    let checks = refused.unwrap_or_else(|| a.checks.clone());
    let page = AdmissionPage { ctx: u.ctx(), a, checks, can_decide, can_resubmit, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    show_page(&s, &u, id, Errors::default(), None).await
}

pub async fn decide(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> PageResult {
    match super::decide(&s.store, &u.actor, id, &f).await {
        Ok(a) => Ok(done(&format!("/admissions/{}", a.id), "decision_recorded")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            show_page(&s, &u.at(&format!("/admissions/{id}")), id, Errors::from_app(&e, u.tr()), None).await
        }
        Err(AppError::Refused(checks)) => {
            let e = AppError::Refused(checks.clone());
            show_page(&s, &u.at(&format!("/admissions/{id}")), id, Errors::from_app(&e, u.tr()), Some(checks)).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}
