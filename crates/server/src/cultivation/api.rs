//! JSON API of the cultivation library.

use super::LibraryQuery;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use weiyuan_domain::cultivation::{LiaisonForm, TaskForm, VisitForm};
use weiyuan_store::cultivation::Task;

type ApiResult<T> = Result<T, ApiError>;

pub async fn library(State(s): State<AppState>, u: ApiUser, Query(q): Query<LibraryQuery>) -> ApiResult<Json<Value>> {
    let l = super::library(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({ "total": l.total, "page": l.page, "size": l.size, "enterprises": l.rows, "counts": l.counts })))
}

pub async fn record(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Value>> {
    let (liaison, visits, tasks) = super::record(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(json!({ "enterprise_id": id, "liaison": liaison, "visits": visits, "tasks": tasks })))
}

pub async fn liaison(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<LiaisonForm>,
) -> ApiResult<Json<Value>> {
    super::set_liaison(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    record(State(s), w.0, Id(id)).await
}

pub async fn visit(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<VisitForm>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let v = super::add_visit(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(json!({ "id": v }))))
}

pub async fn task(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<TaskForm>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    Ok((StatusCode::CREATED, Json(super::add_task(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn done(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Task>> {
    Ok(Json(super::finish_task(&s.store, &w.actor, id).await.map_err(w.err())?))
}
