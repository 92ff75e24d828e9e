//! JSON API of the per-mu evaluation.

use super::{Explained, MethodForm, ResultQuery};
use crate::AppState;
use crate::error::ApiError;
use crate::exchange::FileFormat;
use crate::exchange::api::download;
use crate::extract::{ApiUser, ApiWriter, Id, Ids, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use weiyuan_domain::evaluation::{AnswerForm, ObjectionForm, RunForm};
use weiyuan_store::evaluation::{MethodVersion, Objection, Run};

type ApiResult<T> = Result<T, ApiError>;

pub async fn method(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<MethodVersion>> {
    Ok(Json(super::method(&s.store).await.map_err(u.err())?))
}

pub async fn methods(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<MethodVersion>>> {
    Ok(Json(s.store.evaluation_methods().await.map_err(|e| u.err()(e.into()))?))
}

pub async fn set_method(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<MethodForm>,
) -> ApiResult<Json<MethodVersion>> {
    Ok(Json(super::set_method(&s.store, &w.actor, &f).await.map_err(w.err())?))
}

pub async fn runs(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Run>>> {
    Ok(Json(super::runs(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn compute(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<RunForm>,
) -> ApiResult<(StatusCode, Json<Run>)> {
    Ok((StatusCode::CREATED, Json(super::compute(&s.store, &w.actor, &f).await.map_err(w.err())?)))
}

/// A run with its counts by group and class, and (for the county and townships) its objections.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct RunDetail {
    pub run: Run,
    pub counts: Vec<ClassCount>,
    pub objections: Vec<Objection>,
}

/// How many enterprises of a group a run put in a class (none: not evaluated).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ClassCount {
    pub group: String,
    pub class: Option<String>,
    pub count: i64,
}

page_of!(ResultPage, results: super::ResultRow);

/// How the classes moved from the run before to this one.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Migration {
    pub from_run: Option<i64>,
    pub to_run: i64,
    pub moves: Vec<Move>,
}

/// How many enterprises went from one class to another.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub count: u32,
}

/// An enterprise's own land and floor area, where set.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Land {
    pub enterprise_id: i64,
    /// 亩
    pub land_mu: Option<f64>,
    /// m²
    pub floor_area_m2: Option<f64>,
}

pub async fn run(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<RunDetail>> {
    let run = super::run(&s.store, &u.actor, id).await.map_err(u.err())?;
    let counts = super::counts(&s.store, &u.actor, &run).await.map_err(u.err())?;
    let objections = if super::sees_drafts(&u.actor) {
        s.store.evaluation_objections(id).await.map_err(|e| u.err()(e.into()))?
    } else {
        Vec::new()
    };
    let counts = counts.into_iter().map(|(group, class, count)| ClassCount { group, class, count }).collect();
    Ok(Json(RunDetail { run, counts, objections }))
}

pub async fn results(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<ResultQuery>,
) -> ApiResult<Json<ResultPage>> {
    let (_, results, total) = super::results(&s.store, &u.actor, id, &q).await.map_err(u.err())?;
    let (_, page, size) = q.validate().map_err(|e| u.err()(e.into()))?;
    Ok(Json(ResultPage { total, page, size, results }))
}

pub async fn result(State(s): State<AppState>, u: ApiUser, Ids(id, enterprise): Ids) -> ApiResult<Json<Explained>> {
    Ok(Json(super::result(&s.store, &u.actor, id, enterprise).await.map_err(u.err())?))
}

pub async fn object(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ObjectionForm>,
) -> ApiResult<(StatusCode, Json<Objection>)> {
    Ok((StatusCode::CREATED, Json(super::object(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn answer(
    State(s): State<AppState>,
    w: ApiWriter,
    Ids(id, objection): Ids,
    JsonBody(f): JsonBody<AnswerForm>,
) -> ApiResult<Json<Objection>> {
    Ok(Json(super::answer(&s.store, &w.actor, id, objection, &f).await.map_err(w.err())?))
}

pub async fn publish(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Run>> {
    Ok(Json(super::publish(&s.store, &w.actor, id).await.map_err(w.err())?))
}

pub async fn export(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Response> {
    let (bytes, name) = super::export::run_xlsx(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(download(bytes, &name, FileFormat::Xlsx))
}

pub async fn migration(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Migration>> {
    let (from_run, moves) = super::migration(&s.store, &u.actor, id).await.map_err(u.err())?;
    let moves = moves.into_iter().map(|(from, to, count)| Move { from, to, count }).collect();
    Ok(Json(Migration { from_run, to_run: id, moves }))
}

pub async fn land(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Land>> {
    let e = s.store.get_enterprise(id).await.map_err(|e| u.err()(e.into()))?;
    let park = s.store.get_park(e.park_id).await.map_err(|e| u.err()(e.into()))?;
    let scope = park.as_ref();
    if !u.actor.can_read_enterprise(id, &scope) {
        return Err(u.err()(crate::error::AppError::NotFound));
    }
    let (land, floor) = s.store.enterprise_land(id).await.map_err(|e| u.err()(e.into()))?;
    let x = |v: Option<i64>| v.map(|v| v as f64 / 100.0);
    Ok(Json(Land { enterprise_id: id, land_mu: x(land), floor_area_m2: x(floor) }))
}

pub async fn set_land(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::LandForm>,
) -> ApiResult<Json<Land>> {
    super::set_land(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    land(State(s), w.0, Id(id)).await
}
