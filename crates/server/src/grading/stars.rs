//! Stars (星级评定) on application: the park (its operator, or its township for it) applies with
//! its self-assessment; the township endorses or refuses; the county awards one or two stars, or
//! recommends three or more to the city, or refuses. A park graded D, or not graded in the latest
//! published grading, cannot apply; one application at a time.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ParkRef};
use weiyuan_domain::grading::{StarStage, star_checks, star_step};
use weiyuan_domain::rules::{Check, all_passed};
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_store::grading::{StarApplication, StarDecider};
use weiyuan_store::{AuditCtx, Store};

pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<StarApplication>, AppError> {
    Ok(store.star_applications(&actor.park_scope()).await?)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StarForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub stars: String,
    pub self_assessment: String,
}

pub async fn apply(store: &Store, actor: &Actor, park_id: i64, form: &StarForm) -> Result<StarApplication, AppError> {
    let park = store.get_park(park_id).await?;
    let desk = actor.unit_desk(&park.as_ref())?;
    let mut c = Checker::new();
    let stars = c.integer("stars", &form.stars, 1, 5);
    let text = c.text("self_assessment", &form.self_assessment, 4000);
    c.finish(())?;
    let mut tx = store.begin_stars().await?;
    let open = tx.open_application(park_id).await?;
    let grade = tx.latest_grade(park_id).await?;
    let mut checks = star_checks(stars as u32, grade.as_deref());
    checks.push(
        Check::new("grading.stars_open", open.is_none()).with("id", open.map(|i| i.to_string()).unwrap_or_default()),
    );
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.apply(&desk, &AuditCtx::from(actor), stars, &text).await?)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StarDecisionForm {
    /// endorse or refuse (township); award, recommend or refuse (county).
    pub decision: String,
    pub note: String,
}

pub async fn decide(
    store: &Store,
    actor: &Actor,
    id: i64,
    form: &StarDecisionForm,
) -> Result<StarApplication, AppError> {
    let mut c = Checker::new();
    let note = c.text("note", &form.note, 1000);
    c.finish(())?;
    let mut tx = store.begin_stars().await?;
    let a = tx.application(id).await?;
    // The capabilities below run the scope check: a park the caller may not see is Hidden (404).
    let park = ParkRef { id: a.park_id, township_code: &a.township_code };
    let ctx = AuditCtx::from(actor);
    match a.status.as_str() {
        "applied" => {
            let authority = actor.park_authority(&park)?;
            let next = star_step(&a.status, StarStage::Township, form.decision.trim(), a.stars as u32)
                .map_err(AppError::Refused)?;
            Ok(tx.decide(StarDecider::Township(&authority), &ctx, id, next, &note).await?)
        }
        _ => {
            let evaluator = actor.evaluator()?;
            let next = star_step(&a.status, StarStage::County, form.decision.trim(), a.stars as u32)
                .map_err(AppError::Refused)?;
            Ok(tx.decide(StarDecider::County(&evaluator), &ctx, id, next, &note).await?)
        }
    }
}
