use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::ReportForm;
use weiyuan_store::reports::Report;

type ApiResult<T> = Result<T, ApiError>;

pub async fn list(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Report>>> {
    Ok(Json(super::list(&s.store, &u.actor, id).await.map_err(u.err())?.1))
}

pub async fn file(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(f): JsonBody<ReportForm>,
) -> ApiResult<(StatusCode, Json<Report>)> {
    Ok((StatusCode::CREATED, Json(super::file(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
}

/// Who has filed a month's reports, park by park.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Status {
    pub month: Month,
    pub parks: Vec<super::ParkStatus>,
}

pub async fn status(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<super::MonthQuery>,
) -> ApiResult<Json<Status>> {
    let month = super::month_query(&q.month).map_err(u.err())?;
    let parks = super::status(&s.store, &u.actor, month).await.map_err(u.err())?;
    Ok(Json(Status { month, parks }))
}
