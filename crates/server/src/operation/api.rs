//! JSON API of operation monitoring.

use super::{CheckForm, CheckRun, DayQuery, EnterpriseOperation, EnterpriseQuery, MismatchQuery, Overview, StopsQuery};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use weiyuan_domain::operation::{ExplainForm, Settings, SettingsForm};
use weiyuan_store::operation::Stop;

type ApiResult<T> = Result<T, ApiError>;

pub async fn overview(State(s): State<AppState>, u: ApiUser, Query(q): Query<DayQuery>) -> ApiResult<Json<Overview>> {
    Ok(Json(super::overview(&s.store, &u.actor, &q).await.map_err(u.err())?))
}

pub async fn enterprises(State(s): State<AppState>, u: ApiUser, Query(q): Query<DayQuery>) -> ApiResult<Json<Value>> {
    let l = super::day_list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({
        "day": l.day, "status": l.status, "min_streak": l.min_streak, "park_id": l.park.map(|p| p.id),
        "total": l.total, "page": l.page, "size": l.size, "enterprises": l.rows
    })))
}

pub async fn enterprise(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<EnterpriseQuery>,
) -> ApiResult<Json<EnterpriseOperation>> {
    Ok(Json(super::enterprise(&s.store, &u.actor, id, &q).await.map_err(u.err())?))
}

pub async fn stops(State(s): State<AppState>, u: ApiUser, Query(q): Query<StopsQuery>) -> ApiResult<Json<Value>> {
    let l = super::stops(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({ "total": l.total, "page": l.page, "size": l.size, "stops": l.rows })))
}

pub async fn explain(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ExplainForm>,
) -> ApiResult<Json<Stop>> {
    Ok(Json(super::explain(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn settings(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Settings>> {
    Ok(Json(super::settings(&s.store).await.map_err(u.err())?))
}

pub async fn set_settings(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<SettingsForm>,
) -> ApiResult<Json<Settings>> {
    Ok(Json(super::set_settings(&s.store, &w.actor, &f).await.map_err(w.err())?))
}

pub async fn check(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<CheckForm>,
) -> ApiResult<Json<CheckRun>> {
    Ok(Json(super::check_again(&s.store, &w.actor, &f).await.map_err(w.err())?))
}

pub async fn mismatches(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<MismatchQuery>,
) -> ApiResult<Json<Value>> {
    let (list, settings) = super::mismatch_list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({ "months": settings.mismatch_months, "enterprises": list })))
}
