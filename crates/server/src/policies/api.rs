//! JSON API of policies and incentives.

use super::{ApplicationQuery, ListQuery, MatchQuery, Offer};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, Ids, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use weiyuan_domain::policies::{ApplyForm, PolicyForm, ReviewForm};
use weiyuan_store::policies::{Application, Notice, Policy, Reach};

type ApiResult<T> = Result<T, ApiError>;

page_of!(PolicyPage, policies: Policy);
page_of!(ApplicationPage, applications: Application);

/// A published policy and how many enterprises were told of it.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Published {
    pub policy: Policy,
    pub notified: u64,
}

/// How many enterprises were told of policies they qualify for.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Notified {
    pub notified: u64,
}

/// A notice marked read; `changed` is false when it already was.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Read {
    pub read: bool,
    pub changed: bool,
}

/// An application with its steps.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ApplicationDetail {
    pub application: Application,
    pub steps: Vec<weiyuan_store::policies::Step>,
}

pub async fn list(State(s): State<AppState>, u: ApiUser, Query(q): Query<ListQuery>) -> ApiResult<Json<PolicyPage>> {
    let (policies, total, page, size) = super::list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(PolicyPage { total, page, size, policies }))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<PolicyForm>,
) -> ApiResult<(StatusCode, Json<Policy>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, &f).await.map_err(w.err())?)))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Policy>> {
    Ok(Json(super::get_policy(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn update(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<PolicyForm>,
) -> ApiResult<Json<Policy>> {
    Ok(Json(super::update(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn publish(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Published>> {
    let (policy, notified) = super::publish(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(Json(Published { policy, notified }))
}

pub async fn withdraw(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Policy>> {
    Ok(Json(super::withdraw(&s.store, &w.actor, id).await.map_err(w.err())?))
}

pub async fn matches(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<MatchQuery>,
) -> ApiResult<Json<super::Matches>> {
    Ok(Json(super::matches(&s.store, &u.actor, id, &q).await.map_err(u.err())?))
}

pub async fn reach(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Reach>> {
    Ok(Json(super::reach(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn notify(State(s): State<AppState>, w: ApiWriter) -> ApiResult<Json<Notified>> {
    let notified = super::notify_now(&s.store, &w.actor).await.map_err(w.err())?;
    Ok(Json(Notified { notified }))
}

pub async fn for_enterprise(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Offer>>> {
    Ok(Json(super::for_enterprise(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn notices(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Notice>>> {
    Ok(Json(super::notices(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn read_notice(State(s): State<AppState>, w: ApiWriter, Ids(id, policy): Ids) -> ApiResult<Json<Read>> {
    let changed = super::read_notice(&s.store, &w.actor, id, policy).await.map_err(w.err())?;
    Ok(Json(Read { read: true, changed }))
}

pub async fn apply(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ApplyForm>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    Ok((StatusCode::CREATED, Json(super::apply(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn applications(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<ApplicationQuery>,
) -> ApiResult<Json<ApplicationPage>> {
    let (applications, total, page, size) = super::applications(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(ApplicationPage { total, page, size, applications }))
}

pub async fn application(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<ApplicationDetail>> {
    let (application, steps) = super::application(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(ApplicationDetail { application, steps }))
}

pub async fn decide(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ReviewForm>,
) -> ApiResult<Json<Application>> {
    Ok(Json(super::decide(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn resubmit(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ApplyForm>,
) -> ApiResult<Json<Application>> {
    Ok(Json(super::resubmit(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}
