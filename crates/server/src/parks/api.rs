//! JSON API for parks, buildings and units.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError};
use crate::extract::{Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use weiyuan_domain::Fixed2;
use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
use weiyuan_domain::parks::{Building, BuildingForm, Park, ParkFilter, ParkForm, ParkTotals, Unit, UnitForm};

type ApiResult<T> = Result<T, ApiError>;

/// A park as the API shows it: the stored record plus the township's name and 万㎡.
#[derive(Serialize)]
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

#[derive(Serialize)]
pub struct TotalsView {
    #[serde(flatten)]
    totals: ParkTotals,
    building_area_wan_m2: Fixed2,
}

#[derive(Serialize)]
pub struct ParkList {
    parks: Vec<ParkView>,
    totals: TotalsView,
}

/// Run a service call as the logged-in caller, answering errors in the caller's language.
pub(crate) fn err(caller: &Caller) -> impl Fn(AppError) -> ApiError + '_ {
    move |e| ApiError(e, caller.lang)
}

/// Writes from a cookie session need the X-CSRF-Token header.
pub(crate) fn csrf(caller: &Caller, headers: &HeaderMap) -> Result<(), ApiError> {
    caller.require().map_err(err(caller))?;
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok())).map_err(err(caller))
}

pub async fn townships(caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.require().map_err(err(&caller))?;
    let list: Vec<_> = PINGYANG_TOWNSHIPS
        .iter()
        .map(
            |t| serde_json::json!({ "code": t.code, "name": t.name, "name_en": t.name_en, "lat": t.lat, "lon": t.lon }),
        )
        .collect();
    Ok(Json(serde_json::json!({ "townships": list })))
}

pub async fn list(State(s): State<AppState>, caller: Caller, Query(f): Query<ParkFilter>) -> ApiResult<Json<ParkList>> {
    let actor = caller.require().map_err(err(&caller))?;
    let parks = super::list(&s.store, actor, &f).await.map_err(err(&caller))?;
    let totals = ParkFilter::totals(&parks);
    Ok(Json(ParkList {
        parks: parks.into_iter().map(ParkView::from).collect(),
        totals: TotalsView { building_area_wan_m2: totals.building_area_wan_m2(), totals },
    }))
}

pub async fn get(State(s): State<AppState>, caller: Caller, Id(id): Id) -> ApiResult<Json<ParkView>> {
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::get(&s.store, actor, id).await.map_err(err(&caller))?.into()))
}

pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(form): JsonBody<ParkForm>,
) -> ApiResult<(StatusCode, Json<ParkView>)> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    let park = super::create(&s.store, actor, &form).await.map_err(err(&caller))?;
    Ok((StatusCode::CREATED, Json(park.into())))
}

pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(form): JsonBody<ParkForm>,
) -> ApiResult<Json<ParkView>> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::update(&s.store, actor, id, &form).await.map_err(err(&caller))?.into()))
}

pub async fn buildings(State(s): State<AppState>, caller: Caller, Id(id): Id) -> ApiResult<Json<Vec<Building>>> {
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::buildings(&s.store, actor, id).await.map_err(err(&caller))?))
}

pub async fn create_building(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(form): JsonBody<BuildingForm>,
) -> ApiResult<(StatusCode, Json<Building>)> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok((StatusCode::CREATED, Json(super::create_building(&s.store, actor, id, &form).await.map_err(err(&caller))?)))
}

pub async fn update_building(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(form): JsonBody<BuildingForm>,
) -> ApiResult<Json<Building>> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::update_building(&s.store, actor, id, &form).await.map_err(err(&caller))?))
}

pub async fn delete_building(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    super::delete_building(&s.store, actor, id).await.map_err(err(&caller))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn units(State(s): State<AppState>, caller: Caller, Id(id): Id) -> ApiResult<Json<Vec<Unit>>> {
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::units(&s.store, actor, id).await.map_err(err(&caller))?))
}

pub async fn create_unit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(form): JsonBody<UnitForm>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok((StatusCode::CREATED, Json(super::create_unit(&s.store, actor, id, &form).await.map_err(err(&caller))?)))
}

pub async fn update_unit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(form): JsonBody<UnitForm>,
) -> ApiResult<Json<Unit>> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::update_unit(&s.store, actor, id, &form).await.map_err(err(&caller))?))
}

pub async fn delete_unit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    super::delete_unit(&s.store, actor, id).await.map_err(err(&caller))?;
    Ok(StatusCode::NO_CONTENT)
}
