//! JSON API for alarms, their rules, notifications and webhooks.

use super::{AlarmDetail, CommentForm, ListQuery, WebhookForm};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use weiyuan_domain::alarms::{Rule, RuleForm};
use weiyuan_store::alarms::{Alarm, Webhook};

type ApiResult<T> = Result<T, ApiError>;

pub async fn list(State(s): State<AppState>, u: ApiUser, Query(q): Query<ListQuery>) -> ApiResult<Json<Vec<Alarm>>> {
    Ok(Json(super::list(&s.store, &u.actor, &q).await.map_err(u.err())?))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<AlarmDetail>> {
    Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn acknowledge(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<CommentForm>,
) -> ApiResult<Json<AlarmDetail>> {
    Ok(Json(super::acknowledge(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn clear(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<CommentForm>,
) -> ApiResult<Json<AlarmDetail>> {
    Ok(Json(super::clear(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn rules(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Rule>>> {
    Ok(Json(super::rules(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn create_rule(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<RuleForm>,
) -> ApiResult<(StatusCode, Json<Rule>)> {
    let r = super::create_rule(&s.store, &*s.ingestor, &w.actor, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub async fn update_rule(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<RuleForm>,
) -> ApiResult<Json<Rule>> {
    Ok(Json(super::update_rule(&s.store, &*s.ingestor, &w.actor, id, &f).await.map_err(w.err())?))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Notifications {
    pub unread: i64,
    pub items: Vec<super::NotificationView>,
}

pub async fn notifications(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Notifications>> {
    let (unread, items) = super::notifications(&s.store, &u.actor).await.map_err(u.err())?;
    Ok(Json(Notifications { unread, items }))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Marked {
    pub marked: u64,
}

pub async fn read_all(State(s): State<AppState>, w: ApiWriter) -> ApiResult<Json<Marked>> {
    Ok(Json(Marked { marked: super::read(&s.store, &w.actor, None).await.map_err(w.err())? }))
}

pub async fn webhooks(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json(super::webhooks(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn create_webhook(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<WebhookForm>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let h = super::create_webhook(&s.store, &s.destinations, &w.actor, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(h)))
}

pub async fn disable_webhook(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<StatusCode> {
    super::disable_webhook(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}
