//! JSON API for unit holdings and deals.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use weiyuan_domain::deals::{LeaseForm, SaleForm, TakeBackForm, TransferForm};
use weiyuan_store::holdings::{DealDone, Holding};

type ApiResult<T> = Result<T, ApiError>;

pub async fn holdings(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Holding>>> {
    Ok(Json(super::holdings(&s.store, &u.actor, id).await.map_err(u.err())?.1))
}

/// A unit's holding now and its history.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct UnitHistory {
    pub holding: Holding,
    pub history: Vec<weiyuan_store::holdings::UnitEvent>,
}

pub async fn unit(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<UnitHistory>> {
    let (_, holding, history) = super::unit(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(UnitHistory { holding, history }))
}

type Created = (StatusCode, Json<DealDone>);

pub async fn sell(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<SaleForm>,
) -> ApiResult<Created> {
    Ok((StatusCode::CREATED, Json(super::sell(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn lease(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<LeaseForm>,
) -> ApiResult<Created> {
    Ok((StatusCode::CREATED, Json(super::lease(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn transfer(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<TransferForm>,
) -> ApiResult<Created> {
    Ok((StatusCode::CREATED, Json(super::transfer(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn take_back(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<TakeBackForm>,
) -> ApiResult<Created> {
    Ok((StatusCode::CREATED, Json(super::take_back(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}
