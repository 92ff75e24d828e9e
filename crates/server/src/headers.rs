//! Security headers on every answer: a strict Content-Security-Policy (scripts and styles
//! from our own origin only; the pages have no inline script; style attributes are allowed
//! for the chart and bar widths), no framing by other sites, no content-type sniffing, and
//! no full URLs in the Referer sent elsewhere. The map's tile server, when one is configured,
//! is allowed as an image source.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy, with the configured tile server's origin (e.g. `https://t0.tianditu.gov.cn`).
pub fn content_security_policy(tile_url: Option<&str>) -> String {
    let tiles = tile_url.and_then(origin).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// scheme://host[:port] of a URL template (its `{s}` subdomain placeholder widened to `*`).
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?']).next()?.replace("{s}", "*");
    (matches!(scheme, "http" | "https") && !host.is_empty() && !host.contains(['{', '}', ' ', ';', '\'']))
        .then(|| format!("{scheme}://{host}"))
}

pub async fn add(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let csp = s.csp.get_or_init(|| {
        HeaderValue::from_str(&content_security_policy(s.tile_url.as_deref()))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
    });
    h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_server_is_the_only_other_image_source() {
        let p = content_security_policy(Some("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}"));
        assert!(p.contains("img-src 'self' data: blob: https://t*.tianditu.gov.cn;"), "{p}");
        assert!(content_security_policy(None).contains("img-src 'self' data: blob:;"));
        assert!(content_security_policy(Some("javascript:alert(1)")).contains("img-src 'self' data: blob:;"));
        assert!(content_security_policy(Some("https://a.b; script-src *")).contains("script-src 'self';"));
        assert!(!content_security_policy(Some("https://a.b; script-src *")).contains("script-src *"));
    }
}
