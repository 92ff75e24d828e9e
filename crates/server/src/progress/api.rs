//! JSON API for construction progress and the map.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use weiyuan_domain::progress::{Milestone, MilestoneForm, PlanYear, ProgressForm, ProgressReport};

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

pub async fn overview(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Json<super::Overview>> {
    let month = super::parse_month(&q.month).map_err(u.err())?;
    let per_mu = super::per_mu(&s, &u.actor).await.map_err(u.err())?;
    Ok(Json(super::overview(&s.store, &u.actor, month, per_mu.as_ref()).await.map_err(u.err())?))
}

pub async fn park(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<super::ParkProgress>> {
    Ok(Json(super::park_progress(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn file_report(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<ProgressForm>,
) -> ApiResult<(StatusCode, Json<ProgressReport>)> {
    Ok((StatusCode::CREATED, Json(super::file_report(&s.store, &w.actor, id, &form).await.map_err(w.err())?)))
}

pub async fn set_plan(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<super::PlanForm>,
) -> ApiResult<Json<PlanYear>> {
    Ok(Json(super::set_plan(&s.store, &w.actor, id, &form).await.map_err(w.err())?))
}

pub async fn set_milestone(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<MilestoneForm>,
) -> ApiResult<Json<Milestone>> {
    Ok(Json(super::set_milestone(&s.store, &w.actor, id, &form).await.map_err(w.err())?))
}

pub async fn delete_milestone(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<StatusCode> {
    super::delete_milestone(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}

/// The parks with a location, as GeoJSON.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ParkMap {
    /// "FeatureCollection"
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<ParkFeature>,
}

/// A park as a GeoJSON point feature.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ParkFeature {
    /// "Feature"
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub geometry: Point,
    pub properties: MapPark,
}

/// A GeoJSON point: [longitude, latitude].
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Point {
    /// "Point"
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub coordinates: [f64; 2],
}

/// What a map shows of a park.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct MapPark {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub status: &'static str,
    pub township: String,
    /// 亩
    pub land_mu: weiyuan_domain::units::Fixed2,
    pub enterprise_count: i64,
}

/// The parks of the caller's scope with their locations, for maps.
pub async fn map(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<ParkMap>> {
    let parks = s.store.list_parks(&u.actor.park_scope()).await.map_err(|e| u.err()(e.into()))?;
    let features = parks
        .iter()
        .filter_map(|p| {
            Some(ParkFeature {
                kind: "Feature",
                geometry: Point { kind: "Point", coordinates: [p.lon?, p.lat?] },
                properties: MapPark {
                    id: p.id,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    status: p.status.code(),
                    township: p.township_name().to_string(),
                    land_mu: p.land_mu,
                    enterprise_count: p.enterprise_count,
                },
            })
        })
        .collect();
    Ok(Json(ParkMap { kind: "FeatureCollection", features }))
}
