//! Park grading (园区绩效评价): the county sets the rubric, computes a draft grading of a year
//! (what the platform measures of each park is kept with it), enters the reviewers' scores with
//! their evidence, and publishes. The county sees every park, a township its parks, an operator
//! and the enterprises of a park that park; drafts are for the county and the townships.

pub mod api;
pub mod pages;
pub mod stars;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ParkScope, Role};
use weiyuan_domain::grading::{Graded, NotGraded, Rubric, grade, publish_checks, review_checks};
use weiyuan_domain::rules::all_passed;
use weiyuan_domain::validation::{Checker, FieldError, Invalid, text_or_number};
use weiyuan_store::grading::{GradingRun, Review, RubricVersion};
use weiyuan_store::{AuditCtx, Store};

pub async fn rubric(store: &Store) -> Result<RubricVersion, AppError> {
    Ok(store.grading_rubric().await?)
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct RubricForm {
    pub rubric: Rubric,
    #[serde(default)]
    pub note: String,
}

pub async fn set_rubric(store: &Store, actor: &Actor, form: &RubricForm) -> Result<RubricVersion, AppError> {
    let evaluator = actor.evaluator()?;
    form.rubric.validate()?;
    let mut c = Checker::new();
    let note = c.optional_text("note", &form.note, 500);
    c.finish(())?;
    Ok(store.save_grading_rubric(&evaluator, &AuditCtx::from(actor), &form.rubric, &note).await?)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct GradeForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub year: String,
}

/// The last calendar year that has ended.
pub fn last_year() -> i32 {
    let last = crate::reports::last_month();
    if last.month == 12 { last.year } else { last.year - 1 }
}

/// Compute a draft grading of a year that has ended (county).
pub async fn compute(store: &Store, actor: &Actor, form: &GradeForm) -> Result<GradingRun, AppError> {
    let evaluator = actor.evaluator()?;
    let mut c = Checker::new();
    let year = c.integer("year", &form.year, weiyuan_domain::progress::Month::FIRST_YEAR as i64, last_year() as i64);
    c.finish(())?;
    let mut tx = store.begin_grading().await?;
    let rubric = tx.rubric().await?;
    let inputs = tx.inputs(year as i32).await?;
    Ok(tx.save(&evaluator, &AuditCtx::from(actor), year as i32, &rubric, &inputs).await?)
}

fn sees_drafts(actor: &Actor) -> bool {
    matches!(actor.role, Role::County | Role::Township)
}

pub async fn gradings(store: &Store, actor: &Actor) -> Result<Vec<GradingRun>, AppError> {
    Ok(store.gradings(sees_drafts(actor)).await?)
}

/// One park's line of a grading, with its names.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkLine {
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub graded: Option<Graded>,
    pub not_graded: Option<NotGraded>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct GradingView {
    pub grading: GradingRun,
    pub lines: Vec<ParkLine>,
    pub reviews: Vec<Review>,
}

/// A grading as graded now (reviews included), the lines the caller may see, best first.
pub async fn view(store: &Store, actor: &Actor, id: i64) -> Result<GradingView, AppError> {
    let grading = store.grading(id).await?;
    if grading.status != "published" && !sees_drafts(actor) {
        return Err(AppError::NotFound);
    }
    let inputs = store.grading_inputs(id).await?;
    let plain: Vec<_> = inputs.iter().map(|(i, _)| i.clone()).collect();
    let result = grade(&grading.rubric, &format!("{}-12-31", grading.year), &plain);
    let parks = store.list_parks(&actor.park_scope()).await?;
    let visible = |park_id: i64| parks.iter().find(|p| p.id == park_id);
    let mut lines = Vec::new();
    for g in result.graded {
        if let Some(p) = visible(g.park_id) {
            lines.push(ParkLine {
                park_id: p.id,
                park: p.name.clone(),
                township_code: p.township_code.clone(),
                graded: Some(g),
                not_graded: None,
            });
        }
    }
    for n in result.not_graded {
        if let Some(p) = visible(n.park_id) {
            lines.push(ParkLine {
                park_id: p.id,
                park: p.name.clone(),
                township_code: p.township_code.clone(),
                graded: None,
                not_graded: Some(n),
            });
        }
    }
    let reviews = if actor.park_scope() == ParkScope::All {
        store.grading_reviews(id).await?
    } else {
        store.grading_reviews(id).await?.into_iter().filter(|r| visible(r.park_id).is_some()).collect()
    };
    Ok(GradingView { grading, lines, reviews })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ReviewForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub park_id: String,
    pub dimension: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub score: String,
    pub evidence: String,
}

/// A reviewer's score for one dimension of one park of a draft (county).
pub async fn review(store: &Store, actor: &Actor, id: i64, form: &ReviewForm) -> Result<(), AppError> {
    let evaluator = actor.evaluator()?;
    let mut c = Checker::new();
    let park_id = c.integer("park_id", &form.park_id, 1, i64::MAX);
    let score = match form.score.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        _ => {
            c.push(FieldError::new("score", "error.not_number").with("value", form.score.trim()));
            0.0
        }
    };
    let evidence = c.optional_text("evidence", &form.evidence, 1000);
    c.finish(())?;
    let mut tx = store.begin_grading().await?;
    let g = tx.grading(id).await?;
    if !tx.has_park(id, park_id).await? {
        return Err(Invalid::one(FieldError::new("park_id", "grading.park_not_in_grading")).into());
    }
    let mut checks = review_checks(&g.rubric, form.dimension.trim(), score, &evidence);
    checks.insert(
        0,
        weiyuan_domain::rules::Check::new("grading.is_draft", g.status == "draft").with("status", &g.status),
    );
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.review(&evaluator, &AuditCtx::from(actor), id, park_id, form.dimension.trim(), score, &evidence).await?)
}

/// Publish a draft (county): refused while a review is missing or the year has a published grading.
pub async fn publish(store: &Store, actor: &Actor, id: i64) -> Result<GradingRun, AppError> {
    let evaluator = actor.evaluator()?;
    let mut tx = store.begin_grading().await?;
    let g = tx.grading(id).await?;
    let inputs = tx.kept_inputs(id).await?;
    let plain: Vec<_> = inputs.into_iter().map(|(i, _)| i).collect();
    let pending: usize =
        grade(&g.rubric, &format!("{}-12-31", g.year), &plain).graded.iter().map(|p| p.pending_reviews.len()).sum();
    let other = tx.published_for(g.year).await?.filter(|o| *o != id);
    let checks = publish_checks(&g.status, pending, other);
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.publish(&evaluator, &AuditCtx::from(actor), id).await?)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post, put};
    vec![
        (api("GET", "/api/v1/grading/rubric", "grading", "The park grading rubric in force"), get(api::rubric)),
        (
            api("PUT", "/api/v1/grading/rubric", "grading", "Save a new version of the rubric (county)"),
            put(api::set_rubric),
        ),
        (
            api("GET", "/api/v1/gradings", "grading", "Park gradings (drafts for county and townships)"),
            get(api::gradings),
        ),
        (api("POST", "/api/v1/gradings", "grading", "Compute a draft grading of a year (county)"), post(api::compute)),
        (api("GET", "/api/v1/gradings/{id}", "grading", "A grading, the parks in scope"), get(api::view)),
        (
            api("POST", "/api/v1/gradings/{id}/reviews", "grading", "A reviewer's score with evidence (county)"),
            post(api::review),
        ),
        (api("POST", "/api/v1/gradings/{id}/publish", "grading", "Publish a grading (county)"), post(api::publish)),
        (
            api("GET", "/api/v1/star-applications", "grading", "Star applications of the parks in scope"),
            get(api::star_applications),
        ),
        (
            api(
                "POST",
                "/api/v1/parks/{id}/star-applications",
                "grading",
                "Apply for stars (the park's operator or township)",
            ),
            post(api::apply_stars),
        ),
        (
            api(
                "POST",
                "/api/v1/star-applications/{id}/decision",
                "grading",
                "Endorse or refuse (township); award, recommend or refuse (county)",
            ),
            post(api::decide_stars),
        ),
        (page("GET", "/grading", "Park gradings and the rubric"), get(pages::list)),
        (page("POST", "/grading", "Compute a draft grading (county)"), post(pages::compute)),
        (page("GET", "/grading/rubric", "The grading rubric as a form"), get(pages::rubric)),
        (page("POST", "/grading/rubric", "Save a new version of the rubric (county)"), post(pages::set_rubric)),
        (page("GET", "/grading/{id}", "A grading"), get(pages::view)),
        (page("POST", "/grading/{id}/reviews", "Enter a reviewer's score (county)"), post(pages::review)),
        (page("POST", "/grading/{id}/publish", "Publish a grading (county)"), post(pages::publish)),
        (page("POST", "/grading/stars", "Apply for stars (the form names the park)"), post(pages::apply_stars)),
        (page("POST", "/star-applications/{id}/decision", "Decide a star application"), post(pages::decide_stars)),
    ]
}
