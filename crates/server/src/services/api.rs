//! JSON API of online services.

use super::{CatalogueQuery, FiguresQuery, FiguresRow, PageQuery, ParkFunctions, RequestQuery};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use weiyuan_domain::services::{AgencyForm, RequestForm, ServiceForm, StepForm};
use weiyuan_store::services::{Agency, Attachment, Request, Service};

type ApiResult<T> = Result<T, ApiError>;

page_of!(ServicePage, services: Service);
page_of!(RequestPage, requests: Request);
page_of!(AgencyPage, agencies: Agency);

/// A request with its steps and attachments.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct RequestDetail {
    pub request: Request,
    pub steps: Vec<super::StepRow>,
    pub attachments: Vec<Attachment>,
}

pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<CatalogueQuery>,
) -> ApiResult<Json<ServicePage>> {
    let (services, total, page, size) = super::catalogue(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(ServicePage { total, page, size, services }))
}

pub async fn create_county(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<ServiceForm>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, None, &f).await.map_err(w.err())?)))
}

pub async fn create_park(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ServiceForm>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, Some(id), &f).await.map_err(w.err())?)))
}

pub async fn update(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ServiceForm>,
) -> ApiResult<Json<Service>> {
    Ok(Json(super::update(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}

pub async fn functions(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<ParkFunctions>>> {
    Ok(Json(super::functions(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn figures(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<FiguresQuery>,
) -> ApiResult<Json<Vec<FiguresRow>>> {
    Ok(Json(super::service_figures(&s.store, &u.actor, &q).await.map_err(u.err())?))
}

pub async fn request(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<RequestForm>,
) -> ApiResult<(StatusCode, Json<Request>)> {
    Ok((StatusCode::CREATED, Json(super::request(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn requests(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<RequestQuery>,
) -> ApiResult<Json<RequestPage>> {
    let (requests, total, page, size) = super::requests(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(RequestPage { total, page, size, requests }))
}

pub async fn get_request(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<RequestDetail>> {
    let (request, steps, attachments) = super::get_request(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(Json(RequestDetail { request, steps, attachments }))
}

pub async fn step(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<StepForm>,
) -> ApiResult<Json<Request>> {
    Ok(Json(super::step(&s.store, &w.actor, id, &f, weiyuan_store::now_ms()).await.map_err(w.err())?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct NameQuery {
    #[serde(default)]
    pub name: String,
}

pub async fn attach(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    Query(q): Query<NameQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    Ok((StatusCode::CREATED, Json(super::attach(&s.store, &w.actor, id, &q.name, &body).await.map_err(w.err())?)))
}

/// An attachment, always as a download with the type its content showed, never displayed in
/// the page (and sandboxed should a browser try).
pub async fn download(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Response> {
    let (a, bytes) = super::download(&s.store, &u.actor, id).await.map_err(u.err())?;
    let name = crate::pages::urlencode(&a.name);
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{name}")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn agencies(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<AgencyPage>> {
    let (agencies, total, page, size) = super::agencies(&s.store, &u.actor, &q).await.map_err(u.err())?;
    Ok(Json(AgencyPage { total, page, size, agencies }))
}

pub async fn create_agency(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<AgencyForm>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    Ok((StatusCode::CREATED, Json(super::create_agency(&s.store, &w.actor, &f).await.map_err(w.err())?)))
}

pub async fn update_agency(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<AgencyForm>,
) -> ApiResult<Json<Agency>> {
    Ok(Json(super::update_agency(&s.store, &w.actor, id, &f).await.map_err(w.err())?))
}
