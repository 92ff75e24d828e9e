//! JSON API of policies and incentives.

use super::{ApplicationQuery, ListQuery, MatchQuery, Offer};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, Ids, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use weiyuan_domain::policies::{ApplyForm, PolicyForm, ReviewForm};
use weiyuan_store::policies::{Application, Notice, Policy, Reach};

type ApiResult<T> = Result<T, ApiError>;

pub async fn list(State(s): State<AppState>, u: ApiUser, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let (rows, total, page, size) = super::list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({ "total": total, "page": page, "size": size, "policies": rows })))
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

pub async fn publish(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Value>> {
    let (policy, notified) = super::publish(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(Json(json!({ "policy": policy, "notified": notified })))
}

pub async fn withdraw(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Policy>> {
    Ok(Json(super::withdraw(&s.store, &w.actor, id).await.map_err(w.err())?))
}

pub async fn matches(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<MatchQuery>,
) -> ApiResult<Json<Value>> {
    let m = super::matches(&s.store, &u.actor, id, &q).await.map_err(u.err())?;
    Ok(Json(json!({
        "standing": m.standing,
        "qualifies": m.qualifies,
        "nearly": m.nearly,
        "total": m.total,
        "page": m.page,
        "size": m.size,
        "enterprises": m.rows,
    })))
}

pub async fn reach(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Reach>> {
    Ok(Json(super::reach(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn notify(State(s): State<AppState>, w: ApiWriter) -> ApiResult<Json<Value>> {
    let n = super::notify_now(&s.store, &w.actor).await.map_err(w.err())?;
    Ok(Json(json!({ "notified": n })))
}

pub async fn for_enterprise(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Offer>>> {
    Ok(Json(super::for_enterprise(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn notices(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Notice>>> {
    Ok(Json(super::notices(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn read_notice(State(s): State<AppState>, w: ApiWriter, Ids(id, policy): Ids) -> ApiResult<Json<Value>> {
    let changed = super::read_notice(&s.store, &w.actor, id, policy).await.map_err(w.err())?;
    Ok(Json(json!({ "read": true, "changed": changed })))
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
) -> ApiResult<Json<Value>> {
    let (rows, total, page, size) = super::applications(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(json!({ "total": total, "page": page, "size": size, "applications": rows })))
}

pub async fn application(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Value>> {
    let (a, steps) = super::application(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(json!({ "application": a, "steps": steps })))
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
