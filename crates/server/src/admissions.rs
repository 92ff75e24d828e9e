//! Admission (入园): an enterprise applies to a park (or the park's operator, township or the
//! county applies on its behalf); the automatic checks are shown with their numbers; the
//! township reviews, then the county. Each step approves, rejects with a reason or sends back.

use crate::error::AppError;
use serde::Deserialize;
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::enterprises::{EnterpriseDraft, EnterpriseForm};
use weiyuan_domain::units::Fixed2;
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::admissions::Admission;
use weiyuan_store::{AuditCtx, Store};

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AdmissionForm {
    #[serde(flatten)]
    pub enterprise: EnterpriseForm,
    /// The floor area the applicant needs, m².
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub area_m2: String,
}

pub use weiyuan_domain::admission::DecisionForm;

fn validate(form: &AdmissionForm, own: Option<EnterpriseDraft>) -> Result<(EnterpriseDraft, Fixed2), AppError> {
    let mut c = Checker::new();
    let area = c.decimal("area_m2", &form.area_m2, Fixed2(1), Fixed2::from_units(1_000_000));
    let draft = match own {
        Some(d) => Some(d),
        None => match crate::enterprises::with_tag_codes(&form.enterprise).validate(&crate::today()) {
            Ok(d) => Some(d),
            Err(Invalid(errors)) => {
                errors.into_iter().for_each(|e| c.push(e));
                None
            }
        },
    };
    c.finish(())?;
    Ok((draft.unwrap_or_else(|| unreachable!("no errors means a draft")), area))
}

/// Applications the actor may see: those of its scope's parks; an enterprise its own.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Admission>, AppError> {
    match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(id)) => {
            let e = store.get_enterprise(id).await?;
            Ok(store.admissions_of(id, &e.credit_code).await?)
        }
        (Role::Enterprise, None) => Ok(Vec::new()),
        _ => Ok(store.admissions_in(&actor.park_scope()).await?),
    }
}

/// The enterprise the actor is, applying for itself.
fn is_own(actor: &Actor, a: &Admission) -> bool {
    actor.role == Role::Enterprise && a.enterprise_id.is_some() && a.enterprise_id == actor.enterprise_id
}

pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Admission, AppError> {
    let a = store.admission(id).await?;
    let park = store.get_park(a.park_id).await?;
    if actor.can_edit_units(&park.as_ref()) || is_own(actor, &a) { Ok(a) } else { Err(AppError::NotFound) }
}

pub async fn apply(store: &Store, actor: &Actor, park_id: i64, form: &AdmissionForm) -> Result<Admission, AppError> {
    let park = store.get_park(park_id).await?;
    let (draft, applicant_id) = if actor.role == Role::Enterprise {
        // An enterprise applies for itself, to any park, with its registry record.
        let id = actor.enterprise_id.ok_or(AppError::Forbidden)?;
        let e = store.get_enterprise(id).await?;
        (Some(e.draft()), Some(id))
    } else {
        if !actor.can_read_park(&park.as_ref()) {
            return Err(AppError::NotFound);
        }
        if !actor.can_edit_units(&park.as_ref()) {
            return Err(AppError::Forbidden);
        }
        (None, None)
    };
    let (d, area) = validate(form, draft)?;
    // A registered enterprise (moving from another park) applies as itself.
    let applicant_id = match applicant_id {
        Some(id) => Some(id),
        None => store.find_enterprise_by_code(&d.credit_code).await?.map(|e| e.id),
    };
    Ok(store.apply_admission(&AuditCtx::from(actor), park_id, applicant_id, &d, area).await?)
}

/// A review decision on the step the reviewer saw: the park's township at the township step (or
/// the county in its place), the county at the county step. A decision on a step that is no
/// longer current (someone decided meanwhile) is stale: 409 with what the step is now. The
/// checks run again inside the decision's transaction.
pub async fn decide(store: &Store, actor: &Actor, id: i64, form: &DecisionForm) -> Result<Admission, AppError> {
    let a = get(store, actor, id).await?;
    let d = form.validate()?;
    let park = store.get_park(a.park_id).await?;
    let reviewer = actor.reviewer(&park.as_ref(), id, d.stage)?;
    if a.status != d.stage {
        let changed = FieldError::new("stage", "error.stage_changed")
            .with("stage", format!("@review_step.{}", d.stage))
            .with("now", format!("@admission_status.{}", a.status));
        return Err(AppError::Stale(Invalid::one(changed)));
    }
    Ok(store.decide_admission(&reviewer, &AuditCtx::from(actor), &d, &crate::today()).await?)
}

/// The applicant corrects a sent-back application.
pub async fn resubmit(store: &Store, actor: &Actor, id: i64, form: &AdmissionForm) -> Result<Admission, AppError> {
    let a = get(store, actor, id).await?;
    let own = if is_own(actor, &a) {
        Some(store.get_enterprise(actor.enterprise_id.unwrap_or_default()).await?.draft())
    } else {
        let park = store.get_park(a.park_id).await?;
        if !actor.can_edit_units(&park.as_ref()) {
            return Err(AppError::Forbidden);
        }
        None
    };
    let (d, area) = validate(form, own)?;
    Ok(store.resubmit_admission(&AuditCtx::from(actor), id, &d, area).await?)
}

/// The form an application is edited from.
pub fn form_of(a: &Admission) -> AdmissionForm {
    AdmissionForm { enterprise: crate::enterprises::form_of_draft(&a.applicant), area_m2: a.area_m2.plain() }
}

pub mod api {
    use crate::AppState;
    use crate::error::ApiError;
    use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode;
    use weiyuan_store::admissions::Admission;

    type ApiResult<T> = Result<T, ApiError>;

    pub async fn list(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Admission>>> {
        Ok(Json(super::list(&s.store, &u.actor).await.map_err(u.err())?))
    }

    pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Admission>> {
        Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
    }

    pub async fn apply(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::AdmissionForm>,
    ) -> ApiResult<(StatusCode, Json<Admission>)> {
        Ok((StatusCode::CREATED, Json(super::apply(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
    }

    pub async fn decide(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::DecisionForm>,
    ) -> ApiResult<Json<Admission>> {
        Ok(Json(super::decide(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
    }

    pub async fn resubmit(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::AdmissionForm>,
    ) -> ApiResult<Json<Admission>> {
        Ok(Json(super::resubmit(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
    }
}

pub mod pages {
    use super::{AdmissionForm, DecisionForm};
    use crate::AppState;
    use crate::error::AppError;
    use crate::extract::Id;
    use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status};
    use askama::Template;
    use axum::extract::{Query, State};
    use axum::response::Response;
    use weiyuan_domain::access::Role;
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
        let counts =
            admission::STATUSES.iter().map(|st| (*st, list.iter().filter(|a| a.status == *st).count())).collect();
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
        let own = u.actor.role == Role::Enterprise;
        if !own && !u.actor.can_edit_units(&park.as_ref()) {
            return Err(u.fail()(if u.actor.can_read_park(&park.as_ref()) {
                AppError::Forbidden
            } else {
                AppError::NotFound
            }));
        }
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
        let can_resubmit =
            a.status == SENT_BACK && (u.actor.can_edit_units(&park.as_ref()) || super::is_own(&u.actor, &a));
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
}
