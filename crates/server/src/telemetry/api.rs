//! JSON API for devices and telemetry. `POST /api/v1/telemetry` is for devices: each reading is
//! authenticated by its device's token, never by a user's session.

use super::{Batch, Outcome, Registered, SeriesQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody, RawJson};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};

use weiyuan_domain::Invalid;
use weiyuan_domain::telemetry::{DeviceForm, KindDef, KindForm};
use weiyuan_store::telemetry::{Device, Rollup};

type ApiResult<T> = Result<T, ApiError>;

/// The language of a device's caller: English when its Accept-Language starts with "en".
use crate::error::lang_of;

/// Take a batch of readings. 200 when any reading was accepted, 422 when every one was refused
/// or there was none; the body says which were which. Answers only after the commit.
pub async fn ingest(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawJson(body, _): RawJson<Batch>,
) -> ApiResult<(StatusCode, Json<Outcome>)> {
    let lang = lang_of(&headers);
    let batch: Batch = super::decode(&body).map_err(|err| ApiError(AppError::Invalid(Invalid::one(err)), lang))?;
    let token = headers.get("x-device-token").and_then(|v| v.to_str().ok());
    let o = s.ingestor.accept(&batch, token, lang).await.map_err(|e| ApiError(e, lang))?;
    s.metrics.readings_accepted.fetch_add(o.accepted as u64, std::sync::atomic::Ordering::Relaxed);
    s.metrics.readings_rejected.fetch_add(o.rejected.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let status =
        if o.accepted == 0 && !o.rejected.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(o)))
}

page_of!(DevicePage, devices: Device);

pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<crate::extract::PageQuery>,
) -> ApiResult<Json<DevicePage>> {
    let (devices, total, page, size) = super::list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(DevicePage { total, page, size, devices }))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Device>> {
    Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(park_id): Id,
    JsonBody(f): JsonBody<DeviceForm>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let r = super::create(&s.store, &s.ingestor, &w.actor, park_id, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(r)))
}

pub async fn update(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<DeviceForm>,
) -> ApiResult<Json<Device>> {
    Ok(Json(super::update(&s.store, &s.ingestor, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn token(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Registered>> {
    Ok(Json(super::rotate_token(&s.store, &s.ingestor, &w.actor, id).await.map_err(w.err())?))
}

pub async fn series(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<SeriesQuery>,
) -> ApiResult<Json<Vec<Rollup>>> {
    Ok(Json(super::series(&s.store, &u.actor, id, &q).await.map_err(u.err())?))
}

pub async fn kinds(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<KindDef>>> {
    Ok(Json(super::kinds(&s.store).await.map_err(u.err())?))
}

pub async fn create_kind(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<KindForm>,
) -> ApiResult<(StatusCode, Json<KindDef>)> {
    let k = super::create_kind(&s.store, &s.ingestor, &w.actor, &f).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(k)))
}

pub async fn live(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<super::ParkLive>> {
    Ok(Json(super::park_live(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn overview(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<super::ParkGlance>>> {
    Ok(Json(super::overview(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn reconciliation(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<super::ReconQuery>,
) -> ApiResult<Json<Vec<super::ReconRow>>> {
    Ok(Json(super::reconciliation(&s.store, &u.actor, &q).await.map_err(u.err())?))
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Tolerance {
    pub tolerance_pct: f64,
}

pub async fn set_tolerance(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<super::ToleranceForm>,
) -> ApiResult<Json<Tolerance>> {
    Ok(Json(Tolerance { tolerance_pct: super::set_tolerance(&s.store, &w.actor, &f).await.map_err(w.err())? }))
}
