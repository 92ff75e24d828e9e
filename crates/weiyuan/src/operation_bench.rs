//! `weiyuan bench operation` (PostgreSQL): operation monitoring at province scale. Every active
//! enterprise gets an electricity meter (where it has none) and 36 days of day rollups ending
//! yesterday, written in SQL: weekdays against weekends, one enterprise in 29 stopped for the
//! last eight days, one in 17 at a fifth for the last five. The first 35 days are checked to build
//! the baselines; then the last day is checked three times, timed in its parts (read, decide,
//! write); then the park operating-rate page and the county's overview are requested over HTTP
//! from a server in this process. The status counts are printed for `scripts/bench_operation.py`,
//! which computes the same statuses with pandas from the same rollups (docs/benchmarks.md).

use anyhow::{anyhow, bail};
use std::time::Instant;
use weiyuan_domain::operation::day_of;
use weiyuan_store::{Backend, Store};

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("{e:?}")
}

const DAYS: i64 = 36;

/// Meters and day rollups, unless the meters are there already.
async fn prepare(store: &Store, yesterday: i64) -> anyhow::Result<bool> {
    let t = Instant::now();
    let made = store.seed_bench_meters(yesterday - DAYS + 1, yesterday).await.map_err(err)?;
    if made == 0 {
        println!("meters and rollups already there");
    } else {
        println!("prepared {made} meters and {DAYS} days of day rollups in {} s", t.elapsed().as_secs());
    }
    Ok(made > 0)
}

pub async fn run(store: &Store) -> anyhow::Result<()> {
    if store.backend() != Backend::Postgres {
        bail!("the operation benchmark writes its rollups with PostgreSQL's generate_series: give a postgres:// URL");
    }
    let now = weiyuan_store::now_ms();
    let yesterday = day_of(now - weiyuan_server::operation::GRACE_MS) - 1;
    let made = prepare(store, yesterday).await?;
    // The baselines: the days before, unless checked already with the bench's meters.
    if made || store.last_operation_day().await.map_err(err)?.is_none_or(|d| d < yesterday - 1) {
        let t = Instant::now();
        let r = weiyuan_server::operation::check_range(store, yesterday - DAYS + 1, yesterday - 1, now)
            .await
            .map_err(err)?;
        println!(
            "checked {} days before in {} s (read {} ms, decide {} ms, write {} ms in all)",
            r.days,
            t.elapsed().as_secs(),
            r.read_ms,
            r.decide_ms,
            r.write_ms
        );
    }
    let settings = store.operation_settings().await.map_err(err)?;
    for round in 1..=3 {
        let t = Instant::now();
        let r = weiyuan_server::operation::check_day(store, &settings, yesterday, now, true).await.map_err(err)?;
        println!(
            "run {round}: {} enterprises checked for {}: read {} ms, decide {} ms, write {} ms, total {} ms",
            r.enterprises,
            weiyuan_domain::operation::day_text(yesterday),
            r.read_ms,
            r.decide_ms,
            r.write_ms,
            t.elapsed().as_millis()
        );
    }
    let counts =
        store.operation_counts(&weiyuan_domain::access::ParkScope::All, yesterday, yesterday).await.map_err(err)?;
    let mut rate = weiyuan_domain::operation::Rate::default();
    for (_, _, s, n) in &counts {
        rate.add(*s, *n);
    }
    println!(
        "statuses: running {} reduced {} stopped {} no_meter {}; operating rate {:?} %",
        rate.running, rate.reduced, rate.stopped, rate.no_meter, rate.rate_pct
    );
    pages(store, yesterday).await
}

/// The park page and the county overview over HTTP, 20 requests each, one at a time.
async fn pages(store: &Store, day: i64) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
    let base = format!("http://{}", listener.local_addr().map_err(err)?);
    let state = weiyuan_server::AppState::new(store.clone());
    tokio::spawn(async move { weiyuan_server::serve(state, listener).await.ok() });
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "county", "password": crate::demo::DEMO_PASSWORD}))
        .send()
        .await
        .map_err(err)?
        .json()
        .await
        .map_err(err)?;
    let token = login["token"].as_str().ok_or_else(|| anyhow!("login: {login}"))?.to_string();
    let park = store.bench_meter_park().await.map_err(err)?;
    let d = weiyuan_domain::operation::day_text(day);
    for (what, path) in [
        ("park page", format!("/operation/parks/{park}?day={d}")),
        ("park API", format!("/api/v1/operation/enterprises?park_id={park}&day={d}")),
        ("county overview", format!("/operation?day={d}")),
    ] {
        let mut ms = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let req = http.get(format!("{base}{path}"));
            let req = if path.starts_with("/api/") {
                req.bearer_auth(&token)
            } else {
                req.header("Cookie", format!("{}={token}", weiyuan_server::auth::SESSION_COOKIE))
            };
            let r = req.send().await.map_err(err)?;
            let status = r.status();
            let _ = r.bytes().await.map_err(err)?;
            if !status.is_success() {
                bail!("{path}: {status}");
            }
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        println!("{what} {path}: p50 {:.1} ms, max {:.1} ms (20 requests)", ms[ms.len() / 2], ms[ms.len() - 1]);
    }
    Ok(())
}
