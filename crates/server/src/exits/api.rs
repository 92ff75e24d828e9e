use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::State;

type ApiResult<T> = Result<T, ApiError>;

pub async fn list(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<super::ExitRow>>> {
    Ok(Json(super::list(&s.store, &u.actor).await.map_err(u.err())?))
}

/// An enterprise's yearly figures, its exit test now (none: not tested) under the rules of
/// `rules_version`, and its status history.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ExitStanding {
    pub figures: Vec<weiyuan_store::exits::YearFigures>,
    pub checks: Option<Vec<weiyuan_domain::rules::Check>>,
    pub events: Vec<weiyuan_store::exits::EnterpriseEvent>,
    pub rules_version: i64,
}

/// The year whose figures were saved.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct FiguresSaved {
    pub enterprise_id: i64,
    pub year: String,
}

/// The enterprise's status history after a step.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Events {
    pub events: Vec<weiyuan_store::exits::EnterpriseEvent>,
}

/// An enterprise's figures, its test now and its status history.
pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<ExitStanding>> {
    let e = crate::enterprises::get(&s.store, &u.actor, id).await.map_err(u.err())?;
    let rules = s.store.rules().await.map_err(|e| u.err()(e.into()))?;
    let checks = super::test_of(&s.store, &rules, &e).await.map_err(u.err())?;
    let figures = s.store.exit_figures(id).await.map_err(|e| u.err()(e.into()))?;
    let events = s.store.enterprise_events(id).await.map_err(|e| u.err()(e.into()))?;
    Ok(Json(ExitStanding { figures, checks, events, rules_version: rules.version }))
}

pub async fn set_figures(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::FiguresForm>,
) -> ApiResult<Json<FiguresSaved>> {
    super::set_figures(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    Ok(Json(FiguresSaved { enterprise_id: id, year: f.year }))
}

pub async fn step(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<super::StepForm>,
) -> ApiResult<Json<Events>> {
    super::step(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
    let events = s.store.enterprise_events(id).await.map_err(|e| w.err()(e.into()))?;
    Ok(Json(Events { events }))
}
