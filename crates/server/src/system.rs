//! Health, metrics, the OpenAPI document and static assets.

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::extract::ClientAddr;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.schema_version().await {
        Ok(v) => Json(serde_json::json!({
            "status": "ok",
            "database": state.store.backend().name(),
            "schema_version": v,
            "version": env!("CARGO_PKG_VERSION"),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// Prometheus metrics. With a token configured (`metrics_token`), only a caller sending it as a
/// bearer token reads them, wherever it is; without one, only a caller on this machine
/// (loopback), so that a server on a public address does not publish its figures.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap, ClientAddr(peer): ClientAddr) -> Response {
    let lang = crate::error::lang_of(&headers);
    match &state.metrics_token {
        Some(token) => {
            let given = crate::auth::bearer(&headers).unwrap_or("");
            // Compared as digests, so that the time a comparison takes says nothing of the token.
            if Sha256::digest(given.as_bytes()) != Sha256::digest(token.as_bytes()) {
                return ApiError(AppError::Unauthenticated, lang).into_response();
            }
        }
        None => {
            let local = peer.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback());
            if !local {
                return ApiError(AppError::Forbidden, lang).into_response();
            }
        }
    }
    let up = if state.store.ping().await.is_ok() { 1.0 } else { 0.0 };
    let body = state.metrics.render(&[("weiyuan_database_up", "1 when the database answers.", up)]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// The OpenAPI document, made once per process (it depends only on the code).
pub async fn openapi() -> Json<serde_json::Value> {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(crate::openapi::document).clone())
}

/// Files under assets/, embedded in the binary (no CDN: users' networks are often closed).
const ASSETS: &[(&str, &str, &str)] = &[
    ("weiyuan.css", "text/css; charset=utf-8", include_str!("../../../assets/weiyuan.css")),
    ("weiyuan.js", "text/javascript; charset=utf-8", include_str!("../../../assets/weiyuan.js")),
    ("vendor/echarts.min.js", "text/javascript; charset=utf-8", include_str!("../../../assets/vendor/echarts.min.js")),
    ("vendor/leaflet.js", "text/javascript; charset=utf-8", include_str!("../../../assets/vendor/leaflet.js")),
    ("vendor/leaflet.css", "text/css; charset=utf-8", include_str!("../../../assets/vendor/leaflet.css")),
    ("favicon.svg", "image/svg+xml", include_str!("../../../assets/favicon.svg")),
    // The county's outline and its neighbours' (Tianditu data; see docs/data-notes.md).
    ("geo/pingyang.geojson", "application/geo+json", include_str!("../../../assets/geo/pingyang.geojson")),
];

/// Browsers ask for /favicon.ico whatever the page links: the SVG icon answers it.
pub async fn favicon() -> Response {
    asset(Path("favicon.svg".to_string())).await
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => {
            ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::public;
    use crate::routing::get;
    vec![
        (public("GET", "/healthz", Some("system"), "Liveness and database check"), get(healthz)),
        (public("GET", "/metrics", Some("system"), "Prometheus metrics"), get(metrics)),
        (public("GET", "/api/openapi.json", Some("system"), "This OpenAPI document"), get(openapi)),
        (public("GET", "/assets/{*file}", None, "Static files"), get(asset)),
        (public("GET", "/favicon.ico", None, "The site icon"), get(favicon)),
    ]
}
