//! JSON API of the townships' supervision and bulletins.

use crate::AppState;
use crate::error::ApiError;
use crate::exchange::FileFormat;
use crate::exchange::api::download;
use crate::extract::{ApiUser, ApiWriter, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use weiyuan_domain::supervision::TargetsForm;

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

pub async fn supervision(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<super::Supervision>, ApiError> {
    let month = super::month_of(&q.month).map_err(u.err())?;
    Ok(Json(super::supervision(&s.store, &u.actor, month).await.map_err(u.err())?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(default)]
pub struct QuarterQuery {
    pub quarter: String,
}

pub async fn bulletin_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, ApiError> {
    let (month, label) = super::pages::quarter_of(&q.quarter, u.actor.lang).map_err(u.err())?;
    let sup = super::supervision(&s.store, &u.actor, month).await.map_err(u.err())?;
    let title = crate::i18n::tf(u.actor.lang, "supervision.bulletin_title", &[("quarter".into(), label.clone())]);
    let bytes = super::bulletin_xlsx(&sup, &title, u.actor.lang).map_err(u.err())?;
    Ok(download(bytes, &format!("{title}.xlsx"), FileFormat::Xlsx))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(default)]
pub struct YearQuery {
    pub year: String,
}

/// The county's targets for the townships in a year.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Targets {
    pub year: i32,
    pub targets: Vec<weiyuan_domain::supervision::TownshipTargets>,
}

pub async fn targets(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<YearQuery>,
) -> Result<Json<Targets>, ApiError> {
    let year = super::year_of(&q.year).map_err(u.err())?;
    let targets = super::targets(&s.store, &u.actor, year).await.map_err(u.err())?;
    Ok(Json(Targets { year, targets }))
}

pub async fn set_targets(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<TargetsForm>,
) -> Result<Json<Targets>, ApiError> {
    let (year, targets) = super::set_targets(&s.store, &w.actor, &f).await.map_err(w.err())?;
    Ok(Json(Targets { year, targets }))
}
