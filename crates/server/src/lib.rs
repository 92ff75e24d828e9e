//! Weiyuan HTTP server: authentication, authorisation, the JSON API under /api/v1 and the pages.
//!
//! Every route is declared once in `routes::all()`, which builds the router, the OpenAPI
//! document and the list the authorisation test walks through.

// The OpenAPI document is one large json! literal.
#![recursion_limit = "256"]

/// A page of a list as the API answers it: `{total, page, size, <items>: [...]}`.
macro_rules! page_of {
    ($name:ident, $items:ident: $item:ty) => {
        #[derive(serde::Serialize, schemars::JsonSchema)]
        pub struct $name {
            pub total: i64,
            pub page: i64,
            pub size: i64,
            pub $items: Vec<$item>,
        }
    };
}

pub mod admissions;
pub mod alarms;
pub mod analysis;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod cultivation;
pub mod deals;
pub mod enterprises;
pub mod error;
pub mod evaluation;
pub mod exchange;
pub mod exits;
pub mod extract;
pub mod grading;
pub mod headers;
pub mod i18n;
pub mod lotteries;
pub mod metrics;
pub mod openapi;
pub mod operation;
pub mod pages;
pub mod parks;
pub mod policies;
pub mod progress;
pub mod reports;
pub mod requests;
pub mod routes;
pub mod routing;
pub mod rules;
pub mod services;
pub mod supervision;
pub mod system;
pub mod telemetry;
pub mod users;
pub mod workbench;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use weiyuan_store::Store;

/// Today's date in Asia/Shanghai ("2026-11-23"), the date forms are checked against.
pub fn today() -> String {
    weiyuan_domain::time::date_shanghai(weiyuan_store::now_ms())
}

/// What every handler can reach. Holds no state another process would need: sessions, rate
/// limits and data are in the database.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub metrics: Arc<metrics::Metrics>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// A map tile URL template (e.g. Tianditu's, with its key); None draws parks without tiles.
    pub tile_url: Option<String>,
    /// The telemetry ingest path and its cache of device credentials.
    pub ingestor: Arc<telemetry::Ingestor>,
    /// Analyses computed, until a report changes.
    pub analyses: Arc<analysis::AnalysisCache>,
    /// How large an imported file may be, once read.
    pub import_limits: exchange::ImportLimits,
    /// Where webhooks may post (public addresses, and the county's allow-list).
    pub destinations: alarms::destinations::Destinations,
    /// The Content-Security-Policy header, made once from `tile_url` at the first answer.
    pub csp: Arc<std::sync::OnceLock<axum::http::HeaderValue>>,
    /// The bearer token /metrics asks for; without one, /metrics answers only on loopback.
    pub metrics_token: Option<Arc<str>>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            ingestor: Arc::new(telemetry::Ingestor::new(store.clone())),
            store,
            metrics: Arc::new(metrics::Metrics::default()),
            secure_cookies: false,
            tile_url: None,
            analyses: Arc::new(analysis::AnalysisCache::default()),
            import_limits: exchange::ImportLimits::default(),
            destinations: alarms::destinations::Destinations::default(),
            csp: Arc::default(),
            metrics_token: None,
        }
    }
}

/// The whole application as one router.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in routes::all() {
        router = router.route(spec.path, handler.router);
    }
    // Outermost last: a request id and its log span around everything, security headers on
    // every answer, one JSON shape for API errors (the timeout's included), the timeout,
    // metrics around the routes.
    router
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        // A handler that panics answers 500 (in the JSON shape, with its request id), never a
        // dropped connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(error::api_errors_as_json))
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::add))
        .layer(axum::middleware::from_fn(requests::trace))
        .with_state(state)
}

/// Serve until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
