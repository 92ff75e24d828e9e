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
    let filer = actor.filer(&park.as_ref())?;
    // An enterprise applies for itself, to any park, with its registry record.
    let (draft, applicant_id) = match filer.enterprise_id() {
        Some(id) => (Some(store.get_enterprise(id).await?.draft()), Some(id)),
        None => (None, None),
    };
    let (d, area) = validate(form, draft)?;
    // A registered enterprise (moving from another park) applies as itself.
    let applicant_id = match applicant_id {
        Some(id) => Some(id),
        None => store.find_enterprise_by_code(&d.credit_code).await?.map(|e| e.id),
    };
    Ok(store.apply_admission(&filer, &AuditCtx::from(actor), park_id, applicant_id, &d, area).await?)
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
    let filer = actor.filer(&store.get_park(a.park_id).await?.as_ref())?;
    let own = match filer.enterprise_id() {
        Some(e) => Some(store.get_enterprise(e).await?.draft()),
        None => None,
    };
    let (d, area) = validate(form, own)?;
    Ok(store.resubmit_admission(&filer, &AuditCtx::from(actor), id, &d, area).await?)
}

/// The form an application is edited from.
pub fn form_of(a: &Admission) -> AdmissionForm {
    AdmissionForm { enterprise: crate::enterprises::form_of_draft(&a.applicant), area_m2: a.area_m2.plain() }
}

pub mod api;

pub mod pages;

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post, put};
    vec![
        (api("GET", "/api/v1/admissions", "admissions", "Admission applications the caller may see"), get(api::list)),
        (api("GET", "/api/v1/admissions/{id}", "admissions", "One application with checks and steps"), get(api::get)),
        (
            api("POST", "/api/v1/parks/{id}/admissions", "admissions", "Apply to a park; the checks run at once"),
            post(api::apply),
        ),
        (
            api(
                "POST",
                "/api/v1/admissions/{id}/decision",
                "admissions",
                "Approve, reject or send back at the current step",
            ),
            post(api::decide),
        ),
        (
            api("PUT", "/api/v1/admissions/{id}", "admissions", "Correct and resubmit a sent-back application"),
            put(api::resubmit),
        ),
        (page("GET", "/admissions", "Admission applications"), get(pages::list)),
        (page("GET", "/parks/{id}/admissions/new", "Apply to a park"), get(pages::new_form)),
        (page("POST", "/parks/{id}/admissions", "File an application"), post(pages::apply)),
        (page("GET", "/admissions/{id}", "An application"), get(pages::show)),
        (page("POST", "/admissions/{id}/decision", "Review decision"), post(pages::decide)),
        (page("GET", "/admissions/{id}/edit", "Correct a sent-back application"), get(pages::edit_form)),
        (page("POST", "/admissions/{id}", "Resubmit an application"), post(pages::resubmit)),
    ]
}
