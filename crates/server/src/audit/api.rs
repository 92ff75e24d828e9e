//! JSON API for the audit log.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiUser;
use axum::Json;
use axum::extract::{Query, State};

/// A page of the audit log, newest first.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct AuditPage {
    pub entries: Vec<weiyuan_store::audit::AuditEntry>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<super::AuditFilter>,
) -> Result<Json<AuditPage>, ApiError> {
    let (entries, total) = super::list(&s.store, &u.actor, &f).await.map_err(u.err())?;
    Ok(Json(AuditPage { entries, total, page: f.page(), page_size: super::PAGE_SIZE }))
}
