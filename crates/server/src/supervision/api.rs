//! JSON API of the townships' supervision and bulletins.

use crate::AppState;
use crate::error::ApiError;
use crate::exchange::FileFormat;
use crate::exchange::api::download;
use crate::extract::ApiUser;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

pub async fn supervision(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<super::Supervision>, ApiError> {
    let month = super::month_of(&q.month).map_err(u.err())?;
    Ok(Json(super::supervision(&s.store, &u.actor, month).await.map_err(u.err())?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuarterQuery {
    pub quarter: String,
}

pub async fn bulletin_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, ApiError> {
    let (month, label) = super::pages::quarter_of(&q.quarter, u.actor.lang).map_err(u.err())?;
    let sup = super::supervision(&s.store, &u.actor, month).await.map_err(u.err())?;
    let title = crate::i18n::tf(u.actor.lang, "supervision.bulletin_title", &[("quarter".into(), label.clone())]);
    let bytes = super::bulletin_xlsx(&sup, &title, u.actor.lang).map_err(u.err())?;
    Ok(download(bytes, &format!("{title}.xlsx"), FileFormat::Xlsx))
}
