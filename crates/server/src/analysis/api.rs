use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiUser;
use crate::routing::JsonBytes;
use axum::Json;
use axum::extract::{Query, State};

pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    headers: axum::http::HeaderMap,
    Query(q): Query<super::AnalysisQuery>,
) -> Result<JsonBytes<super::Analysis>, ApiError> {
    let body = super::analysis_json(&s, &u.actor, &q).await.map_err(u.err())?;
    Ok(JsonBytes::for_request(body, &headers))
}

/// The enterprises behind the figures, with the same query (and `field`, the order).
pub async fn behind(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<super::AnalysisQuery>,
) -> Result<Json<super::Behind>, ApiError> {
    Ok(Json(super::behind(&s.store, &u.actor, &q, super::BEHIND_ROWS).await.map_err(u.err())?))
}

/// `analysis.xlsx|csv` (the analysis) or `enterprises.xlsx|csv` (the drill-down, every row).
pub async fn export(
    State(s): State<AppState>,
    u: ApiUser,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<super::AnalysisQuery>,
) -> Result<axum::response::Response, ApiError> {
    let bytes = super::export_file(&s, &u.actor, &q, &file).await.map_err(u.err())?;
    Ok(super::download(bytes, &file, u.actor.lang))
}
