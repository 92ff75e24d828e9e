//! Request metrics in the Prometheus text format. Counters are per process, as Prometheus
//! expects; it adds up the processes itself.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// (method, route, status) → (count, total seconds)
type RequestTable = BTreeMap<(String, String, u16), (u64, f64)>;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<RequestTable>,
    /// Telemetry readings accepted (stored or already stored) and refused, over HTTP and MQTT.
    pub readings_accepted: std::sync::atomic::AtomicU64,
    pub readings_rejected: std::sync::atomic::AtomicU64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let e = m.entry((method.to_string(), route.to_string(), status)).or_default();
        e.0 += 1;
        e.1 += seconds;
    }

    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP weiyuan_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE weiyuan_http_requests_total counter\n");
        let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        for ((method, route, status), (n, _)) in m.iter() {
            let _ = writeln!(
                out,
                "weiyuan_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP weiyuan_http_request_duration_seconds_sum Time spent answering, by route.\n");
        out.push_str("# TYPE weiyuan_http_request_duration_seconds_sum counter\n");
        for ((method, route, status), (_, s)) in m.iter() {
            let _ = writeln!(
                out,
                "weiyuan_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {s:.6}"
            );
        }
        for (name, help, n) in [
            ("weiyuan_readings_accepted_total", "Telemetry readings accepted.", &self.readings_accepted),
            ("weiyuan_readings_rejected_total", "Telemetry readings refused.", &self.readings_rejected),
        ] {
            let n = n.load(std::sync::atomic::Ordering::Relaxed);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}");
        }
        for (name, help, value) in extra {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}

/// Middleware: time every request and count it under its route pattern (not its raw path).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let start = Instant::now();
    let response = next.run(req).await;
    state.metrics.observe(&method, &route, response.status().as_u16(), start.elapsed().as_secs_f64());
    response
}
