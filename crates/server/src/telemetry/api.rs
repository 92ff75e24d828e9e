//! JSON API for devices and telemetry. `POST /api/v1/telemetry` is for devices: each reading is
//! authenticated by its device's token, never by a user's session.

use super::{Batch, Outcome, Registered, SeriesQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use weiyuan_domain::Invalid;
use weiyuan_domain::telemetry::{DeviceForm, KindDef, KindForm};
use weiyuan_store::telemetry::{Device, Rollup};

type ApiResult<T> = Result<T, ApiError>;

/// The language of a device's caller: English when its Accept-Language starts with "en".
use crate::error::lang_of;

/// Take a batch of readings. 200 when any reading was accepted, 422 when every one was refused
/// or there was none; the body says which were which. Answers only after the commit.
pub async fn ingest(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = lang_of(&headers);
    let batch: Batch = match super::decode(&body) {
        Ok(b) => b,
        Err(err) => return ApiError(AppError::Invalid(Invalid::one(err)), lang).into_response(),
    };
    let token = headers.get("x-device-token").and_then(|v| v.to_str().ok());
    match s.ingestor.accept(&batch, token, lang).await {
        Ok(o) => {
            s.metrics.readings_accepted.fetch_add(o.accepted as u64, std::sync::atomic::Ordering::Relaxed);
            s.metrics.readings_rejected.fetch_add(o.rejected.len() as u64, std::sync::atomic::Ordering::Relaxed);
            let status = if o.accepted == 0 && !o.rejected.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, Json::<Outcome>(o)).into_response()
        }
        Err(e) => ApiError(e, lang).into_response(),
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<crate::extract::PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let (rows, total, page, size) = super::list(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(serde_json::json!({ "total": total, "page": page, "size": size, "devices": rows })))
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

#[derive(serde::Serialize)]
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
