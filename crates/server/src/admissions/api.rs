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
