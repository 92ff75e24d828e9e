//! JSON API for parks, buildings and units.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use weiyuan_domain::Fixed2;
use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
use weiyuan_domain::parks::{Building, BuildingForm, Park, ParkFilter, ParkForm, ParkTotals, Unit, UnitForm};

type ApiResult<T> = Result<T, ApiError>;

/// A park as the API shows it: the stored record plus the township's name and 万㎡.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ParkView {
    #[serde(flatten)]
    pub park: Park,
    pub township: String,
    pub building_area_wan_m2: Fixed2,
}

impl From<Park> for ParkView {
    fn from(park: Park) -> Self {
        ParkView { township: park.township_name().to_string(), building_area_wan_m2: park.building_area_wan_m2(), park }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TotalsView {
    #[serde(flatten)]
    totals: ParkTotals,
    building_area_wan_m2: Fixed2,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ParkList {
    parks: Vec<ParkView>,
    totals: TotalsView,
}

/// The townships of the county.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Townships {
    pub townships: Vec<TownshipRow>,
}

/// A township: its code, names and where it is.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct TownshipRow {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub lat: f64,
    pub lon: f64,
}

page_of!(UnitPage, units: weiyuan_domain::parks::Unit);

pub async fn townships(_: ApiUser) -> Json<Townships> {
    let townships = PINGYANG_TOWNSHIPS
        .iter()
        .map(|t| TownshipRow { code: t.code, name: t.name, name_en: t.name_en, lat: t.lat, lon: t.lon })
        .collect();
    Json(Townships { townships })
}

pub async fn list(State(s): State<AppState>, u: ApiUser, Query(f): Query<ParkFilter>) -> ApiResult<Json<ParkList>> {
    let parks = super::list(&s.store, &u.actor, &f).await.map_err(u.err())?;
    let totals = ParkFilter::totals(&parks);
    Ok(Json(ParkList {
        parks: parks.into_iter().map(ParkView::from).collect(),
        totals: TotalsView { building_area_wan_m2: totals.building_area_wan_m2(), totals },
    }))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<ParkView>> {
    Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?.into()))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(form): JsonBody<ParkForm>,
) -> ApiResult<(StatusCode, Json<ParkView>)> {
    let park = super::create(&s.store, &w.actor, &form).await.map_err(w.err())?;
    Ok((StatusCode::CREATED, Json(park.into())))
}

pub async fn update(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<ParkForm>,
) -> ApiResult<Json<ParkView>> {
    Ok(Json(super::update(&s.store, &w.actor, id, &form).await.map_err(w.err())?.into()))
}

pub async fn buildings(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Building>>> {
    Ok(Json(super::buildings(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn create_building(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<BuildingForm>,
) -> ApiResult<(StatusCode, Json<Building>)> {
    Ok((StatusCode::CREATED, Json(super::create_building(&s.store, &w.actor, id, &form).await.map_err(w.err())?)))
}

pub async fn update_building(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<BuildingForm>,
) -> ApiResult<Json<Building>> {
    Ok(Json(super::update_building(&s.store, &w.actor, id, &form).await.map_err(w.err())?))
}

pub async fn delete_building(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<StatusCode> {
    super::delete_building(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn units(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<crate::extract::PageQuery>,
) -> ApiResult<Json<UnitPage>> {
    let (units, total, page, size) = super::units(&s.store, &u.actor, id, &q).await.map_err(u.err())?;
    Ok(Json(UnitPage { total, page, size, units }))
}

pub async fn create_unit(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<UnitForm>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    Ok((StatusCode::CREATED, Json(super::create_unit(&s.store, &w.actor, id, &form).await.map_err(w.err())?)))
}

pub async fn update_unit(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<UnitForm>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(super::update_unit(&s.store, &w.actor, id, &form).await.map_err(w.err())?))
}

pub async fn delete_unit(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<StatusCode> {
    super::delete_unit(&s.store, &w.actor, id).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}
