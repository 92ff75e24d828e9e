//! JSON API of the cultivation library.

use super::LibraryQuery;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use weiyuan_domain::cultivation::{LiaisonForm, TaskForm, VisitForm};
use weiyuan_store::cultivation::Task;

type ApiResult<T> = Result<T, ApiError>;

/// A page of the cultivation library, with the count of each tier.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct LibraryPage {
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub enterprises: Vec<super::Entry>,
    pub counts: Vec<super::Counts>,
}

/// An enterprise's cultivation record: its liaison, visits and tasks.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Record {
    pub enterprise_id: i64,
    pub liaison: Option<weiyuan_store::cultivation::Liaison>,
    pub visits: Vec<weiyuan_store::cultivation::Visit>,
    pub tasks: Vec<Task>,
}

/// The id of what was created.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct CreatedId {
    pub id: i64,
}

pub async fn library(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<LibraryQuery>,
) -> ApiResult<Json<LibraryPage>> {
    let l = super::library(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(LibraryPage { total: l.total, page: l.page, size: l.size, enterprises: l.rows, counts: l.counts }))
}

pub async fn record(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Record>> {
    let (liaison, visits, tasks) = super::record(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(Record { enterprise_id: id, liaison, visits, tasks }))
}

pub async fn liaison(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<LiaisonForm>,
) -> ApiResult<Json<Record>> {
    super::set_liaison(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    record(State(s), w.0, Id(id)).await
}

pub async fn visit(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<VisitForm>,
) -> ApiResult<(StatusCode, Json<CreatedId>)> {
    let id = super::add_visit(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
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
