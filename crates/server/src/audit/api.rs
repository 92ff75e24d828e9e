//! JSON API for the audit log.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::parks::api::err;
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(f): Query<super::AuditFilter>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.require().map_err(err(&caller))?;
    let (entries, total) = super::list(&s.store, actor, &f).await.map_err(err(&caller))?;
    Ok(Json(json!({ "entries": entries, "total": total, "page": f.page(), "page_size": super::PAGE_SIZE })))
}
