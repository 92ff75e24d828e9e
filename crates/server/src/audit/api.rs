//! JSON API for the audit log.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiUser;
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<super::AuditFilter>,
) -> Result<Json<Value>, ApiError> {
    let (entries, total) = super::list(&s.store, &u.actor, &f).await.map_err(u.err())?;
    Ok(Json(json!({ "entries": entries, "total": total, "page": f.page(), "page_size": super::PAGE_SIZE })))
}
