//! Every request gets an id: the caller's `X-Request-Id` when it sends a sensible one, else a
//! new one. The id is on every log line written while the request is served (a tracing span
//! around it), in the `X-Request-Id` answer header, and in every API error body
//! (`error.request_id`), so a clerk's screenshot of an error leads to its log lines. One line
//! per request is logged with method, path, status and duration: at info for writes and
//! refusals, at debug for successful reads.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// Ids a caller may choose: short, plain characters only (they go into logs).
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn new_id() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the system has randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn trace(mut req: Request, next: Next) -> Response {
    let id = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).filter(|v| acceptable(v)).map(str::to_string);
    let id = id.unwrap_or_else(new_id);
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, v);
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let api = path.starts_with("/api/");
    let span = tracing::info_span!("request", id = %id, method = %method, path = %path);
    let started = std::time::Instant::now();
    let mut r = next.run(req).instrument(span.clone()).await;
    let status = r.status();
    span.in_scope(|| {
        let ms = started.elapsed().as_millis() as u64;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ms, "answered");
        } else if status.is_success() && method == axum::http::Method::GET {
            // Reads are the hot path (the big screen, the analysis): logged only on request.
            tracing::debug!(status = status.as_u16(), ms, "answered");
        } else {
            tracing::info!(status = status.as_u16(), ms, "answered");
        }
    });
    if api && (status.is_client_error() || status.is_server_error()) {
        r = with_request_id(r, &id).await;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert(HEADER, v);
    }
    r
}

/// An API error body with `error.request_id` added (bodies are small; anything else is left as
/// it is).
async fn with_request_id(r: Response, id: &str) -> Response {
    let json = r.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json {
        return r;
    }
    let (parts, body) = r.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (parts.status, "").into_response();
    };
    let mut v: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    if let Some(e) = v.get_mut("error").and_then(|e| e.as_object_mut()) {
        e.insert("request_id".into(), serde_json::Value::String(id.to_string()));
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&v).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken_from_callers() {
        assert!(acceptable("3f2a9c1e-77b0"));
        assert!(!acceptable("short"));
        assert!(!acceptable("a\nforged log line"));
        assert!(!acceptable(&"x".repeat(65)));
        assert_eq!(new_id().len(), 16);
    }
}
