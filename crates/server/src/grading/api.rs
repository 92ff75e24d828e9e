//! JSON API of park grading.

use super::{GradeForm, GradingView, ReviewForm, RubricForm};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use weiyuan_store::grading::{GradingRun, RubricVersion};

type ApiResult<T> = Result<T, ApiError>;

pub async fn rubric(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<RubricVersion>> {
    Ok(Json(super::rubric(&s.store).await.map_err(u.err())?))
}

pub async fn set_rubric(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<RubricForm>,
) -> ApiResult<Json<RubricVersion>> {
    Ok(Json(super::set_rubric(&s.store, &w.actor, &f).await.map_err(w.err())?))
}

pub async fn gradings(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<GradingRun>>> {
    Ok(Json(super::gradings(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn compute(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<GradeForm>,
) -> ApiResult<(StatusCode, Json<GradingRun>)> {
    Ok((StatusCode::CREATED, Json(super::compute(&s.store, &w.actor, &f).await.map_err(w.err())?)))
}

pub async fn view(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<GradingView>> {
    Ok(Json(super::view(&s.store, &u.actor, id).await.map_err(u.err())?))
}

/// A review score recorded for one park and dimension of a grading.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Reviewed {
    pub grading_id: i64,
    pub park_id: String,
    pub dimension: String,
}

pub async fn review(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ReviewForm>,
) -> ApiResult<Json<Reviewed>> {
    super::review(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    Ok(Json(Reviewed { grading_id: id, park_id: f.park_id, dimension: f.dimension }))
}

pub async fn publish(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<GradingRun>> {
    Ok(Json(super::publish(&s.store, &w.actor, id).await.map_err(w.err())?))
}

pub async fn star_applications(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<weiyuan_store::grading::StarApplication>>> {
    Ok(Json(super::stars::list(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn apply_stars(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::stars::StarForm>,
) -> ApiResult<(StatusCode, Json<weiyuan_store::grading::StarApplication>)> {
    Ok((StatusCode::CREATED, Json(super::stars::apply(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn decide_stars(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::stars::StarDecisionForm>,
) -> ApiResult<Json<weiyuan_store::grading::StarApplication>> {
    Ok(Json(super::stars::decide(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}
