//! JSON API of the per-mu evaluation.

use super::{Explained, MethodForm, ResultQuery};
use crate::AppState;
use crate::error::ApiError;
use crate::exchange::FileFormat;
use crate::exchange::api::download;
use crate::extract::{ApiUser, ApiWriter, Id, Ids, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use weiyuan_domain::evaluation::{AnswerForm, ObjectionForm, RunForm};
use weiyuan_store::evaluation::{MethodVersion, Objection, Run};

type ApiResult<T> = Result<T, ApiError>;

pub async fn method(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<MethodVersion>> {
    Ok(Json(super::method(&s.store).await.map_err(u.err())?))
}

pub async fn methods(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<MethodVersion>>> {
    Ok(Json(s.store.evaluation_methods().await.map_err(|e| u.err()(e.into()))?))
}

pub async fn set_method(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<MethodForm>,
) -> ApiResult<Json<MethodVersion>> {
    Ok(Json(super::set_method(&s.store, &w.actor, &f).await.map_err(w.err())?))
}

pub async fn runs(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Run>>> {
    Ok(Json(super::runs(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn compute(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(f): JsonBody<RunForm>,
) -> ApiResult<(StatusCode, Json<Run>)> {
    Ok((StatusCode::CREATED, Json(super::compute(&s.store, &w.actor, &f).await.map_err(w.err())?)))
}

pub async fn run(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Value>> {
    let run = super::run(&s.store, &u.actor, id).await.map_err(u.err())?;
    let counts = super::counts(&s.store, &u.actor, &run).await.map_err(u.err())?;
    let objections = if super::sees_drafts(&u.actor) {
        s.store.evaluation_objections(id).await.map_err(|e| u.err()(e.into()))?
    } else {
        Vec::new()
    };
    let counts: Vec<Value> =
        counts.into_iter().map(|(group, class, n)| json!({ "group": group, "class": class, "count": n })).collect();
    Ok(Json(json!({ "run": run, "counts": counts, "objections": objections })))
}

pub async fn results(
    State(s): State<AppState>,
    u: ApiUser,
    Id(id): Id,
    Query(q): Query<ResultQuery>,
) -> ApiResult<Json<Value>> {
    let (_, rows, total) = super::results(&s.store, &u.actor, id, &q).await.map_err(u.err())?;
    let (_, page, size) = q.validate().map_err(|e| u.err()(e.into()))?;
    Ok(Json(json!({ "total": total, "page": page, "size": size, "results": rows })))
}

pub async fn result(State(s): State<AppState>, u: ApiUser, Ids(id, enterprise): Ids) -> ApiResult<Json<Explained>> {
    Ok(Json(super::result(&s.store, &u.actor, id, enterprise).await.map_err(u.err())?))
}

pub async fn object(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ObjectionForm>,
) -> ApiResult<(StatusCode, Json<Objection>)> {
    Ok((StatusCode::CREATED, Json(super::object(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

pub async fn answer(
    State(s): State<AppState>,
    w: ApiWriter,
    Ids(id, objection): Ids,
    JsonBody(f): JsonBody<AnswerForm>,
) -> ApiResult<Json<Objection>> {
    Ok(Json(super::answer(&s.store, &w.actor, id, objection, &f).await.map_err(w.err())?))
}

pub async fn publish(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Run>> {
    Ok(Json(super::publish(&s.store, &w.actor, id).await.map_err(w.err())?))
}

pub async fn export(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Response> {
    let (bytes, name) = super::export::run_xlsx(&s.store, &u.actor, id).await.map_err(u.err())?;
    Ok(download(bytes, &name, FileFormat::Xlsx))
}

pub async fn migration(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Value>> {
    let (from, moves) = super::migration(&s.store, &u.actor, id).await.map_err(u.err())?;
    let moves: Vec<Value> = moves.into_iter().map(|(a, b, n)| json!({ "from": a, "to": b, "count": n })).collect();
    Ok(Json(json!({ "from_run": from, "to_run": id, "moves": moves })))
}

pub async fn land(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Value>> {
    let e = s.store.get_enterprise(id).await.map_err(|e| u.err()(e.into()))?;
    let park = s.store.get_park(e.park_id).await.map_err(|e| u.err()(e.into()))?;
    let scope = park.as_ref();
    if !u.actor.can_read_enterprise(id, &scope) {
        return Err(u.err()(crate::error::AppError::NotFound));
    }
    let (land, floor) = s.store.enterprise_land(id).await.map_err(|e| u.err()(e.into()))?;
    let x = |v: Option<i64>| v.map(|v| v as f64 / 100.0);
    Ok(Json(json!({ "enterprise_id": id, "land_mu": x(land), "floor_area_m2": x(floor) })))
}

pub async fn set_land(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::LandForm>,
) -> ApiResult<Json<Value>> {
    super::set_land(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    land(State(s), w.0, Id(id)).await
}
