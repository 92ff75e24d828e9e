//! JSON API for enterprises and the industry classification.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use weiyuan_domain::enterprises::EnterpriseForm;
use weiyuan_domain::industry;
use weiyuan_store::enterprises::Enterprise;

type ApiResult<T> = Result<T, ApiError>;

/// A page of the enterprises the caller may see, by park then id, with the total.
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<super::EnterpriseFilter>,
    Query(p): Query<crate::extract::PageQuery>,
) -> ApiResult<Json<EnterprisePage>> {
    let mut c = weiyuan_domain::validation::Checker::new();
    let (page, size) = c.paging(&p.page, &p.size, super::PAGE_SIZE);
    if !f.park_id.trim().is_empty() {
        c.integer("park_id", &f.park_id, 1, i64::MAX);
    }
    c.finish(()).map_err(|e| u.err()(e.into()))?;
    let all = super::list(&s.store, &u.actor, &f).await.map_err(u.err())?;
    let total = all.len() as i64;
    let enterprises = all.into_iter().skip(((page - 1) * size) as usize).take(size as usize).collect();
    Ok(Json(EnterprisePage { total, page, size, enterprises }))
}

pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Enterprise>> {
    Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<EnterpriseForm>,
) -> ApiResult<(StatusCode, Json<Enterprise>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, id, &form).await.map_err(w.err())?)))
}

pub async fn update(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(form): JsonBody<EnterpriseForm>,
) -> ApiResult<Json<Enterprise>> {
    Ok(Json(super::update(&s.store, &w.actor, id, &form).await.map_err(w.err())?))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct IndustryQuery {
    #[serde(default)]
    q: String,
    /// section, division, group or class; empty for all levels.
    #[serde(default)]
    level: String,
}

/// Search GB/T 4754-2017 by code prefix or name (at most 50 entries).
/// Industries matching a search.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Industries {
    pub industries: Vec<IndustryRow>,
}

/// One entry of GB/T 4754-2017.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct IndustryRow {
    /// e.g. C3411
    pub code: String,
    pub level: industry::Level,
    pub name: &'static str,
}

page_of!(EnterprisePage, enterprises: Enterprise);

pub async fn industries(_: ApiUser, Query(q): Query<IndustryQuery>) -> Json<Industries> {
    let level = |i: &industry::Industry| {
        q.level.is_empty()
            || serde_json::to_value(i.level).ok().and_then(|v| v.as_str().map(|l| l == q.level)).unwrap_or(false)
    };
    let industries = industry::search(&q.q, 2000)
        .into_iter()
        .filter(|i| level(i))
        .take(50)
        .map(|i| IndustryRow { code: i.display_code(), level: i.level, name: i.name })
        .collect();
    Json(Industries { industries })
}
