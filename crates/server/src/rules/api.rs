//! JSON API for the county's rule settings.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use weiyuan_domain::rules::{Rules, RulesForm};
use weiyuan_store::settings::NegativeEntry;

type ApiResult<T> = Result<T, ApiError>;

/// The rules in force and every earlier version.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct RulesNow {
    pub rules: Rules,
    pub history: Vec<weiyuan_store::settings::RulesVersion>,
}

/// A park's industry orientation: GB/T 4754 prefixes.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Orientation {
    pub park_id: i64,
    pub orientation: Vec<String>,
}

pub async fn get(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<RulesNow>> {
    let rules = s.store.rules().await.map_err(|e| u.err()(e.into()))?;
    let history = s.store.rules_history().await.map_err(|e| u.err()(e.into()))?;
    Ok(Json(RulesNow { rules, history }))
}

pub async fn set(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(form): JsonBody<RulesForm>,
) -> ApiResult<Json<Rules>> {
    Ok(Json(super::set_rules(&s.store, &w.actor, &form).await.map_err(w.err())?))
}

pub async fn negative(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<NegativeEntry>>> {
    Ok(Json(s.store.negative_list().await.map_err(|e| u.err()(e.into()))?))
}

pub async fn add_negative(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(form): JsonBody<super::NegativeForm>,
) -> ApiResult<(StatusCode, Json<NegativeEntry>)> {
    Ok((StatusCode::CREATED, Json(super::add_negative(&s.store, &w.actor, &form).await.map_err(w.err())?)))
}

pub async fn remove_negative(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<StatusCode> {
    super::remove_negative(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_orientation(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<super::OrientationForm>,
) -> ApiResult<Json<Orientation>> {
    let orientation = super::set_orientation(&s.store, &w.actor, id, &form).await.map_err(w.err())?;
    Ok(Json(Orientation { park_id: id, orientation }))
}
