use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use weiyuan_store::lotteries::Lottery;

type ApiResult<T> = Result<T, ApiError>;

pub async fn list(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Lottery>>> {
    Ok(Json(super::list(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Lottery>> {
    Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::LotteryForm>,
) -> ApiResult<(StatusCode, Json<Lottery>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn draw(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Lottery>> {
    Ok(Json(super::draw(&s.store, &w.actor, id).await.map_err(w.err())?))
}
