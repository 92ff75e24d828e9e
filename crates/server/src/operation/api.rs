//! JSON API of operation monitoring.

use super::{CheckForm, CheckRun, DayQuery, EnterpriseOperation, EnterpriseQuery, MismatchQuery, Overview, StopsQuery};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use weiyuan_domain::operation::{ExplainForm, Settings, SettingsForm};
use weiyuan_store::operation::Stop;

type ApiResult<T> = Result<T, ApiError>;

pub async fn overview(State(s): State<AppState>, u: ApiUser, Query(q): Query<DayQuery>) -> ApiResult<Json<Overview>> {
    Ok(Json(super::overview(&s.store, &u.actor, &q).await.map_err(u.err())?))
}

/// A page of the enterprises' status on a day, as filtered.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DayPage {
    pub day: Option<String>,
    pub status: Option<super::Status>,
    pub min_streak: i64,
    pub park_id: Option<i64>,
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub enterprises: Vec<super::EnterpriseDay>,
}

page_of!(StopPage, stops: Stop);

/// Enterprises whose metered use and reported figures disagree for `months` months.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Mismatches {
    pub months: i64,
    pub enterprises: Vec<super::Mismatch>,
}

pub async fn enterprises(State(s): State<AppState>, u: ApiUser, Query(q): Query<DayQuery>) -> ApiResult<Json<DayPage>> {
    let l = super::day_list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(DayPage {
        day: l.day,
        status: l.status,
        min_streak: l.min_streak,
        park_id: l.park.map(|p| p.id),
        total: l.total,
        page: l.page,
        size: l.size,
        enterprises: l.rows,
    }))
}

pub async fn enterprise(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<EnterpriseQuery>,
) -> ApiResult<Json<EnterpriseOperation>> {
    Ok(Json(super::enterprise(&s.store, &u.actor, id, &q).await.map_err(u.err())?))
}

pub async fn stops(State(s): State<AppState>, u: ApiUser, Query(q): Query<StopsQuery>) -> ApiResult<Json<StopPage>> {
    let l = super::stops(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(StopPage { total: l.total, page: l.page, size: l.size, stops: l.rows }))
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
) -> ApiResult<Json<Mismatches>> {
    let (enterprises, settings) = super::mismatch_list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(Mismatches { months: settings.mismatch_months, enterprises }))
}
