//! `weiyuan bench ingest`: the sustained ingest rate of acknowledged readings over HTTP or MQTT
//! (against a running server), the raw insert ceiling of the same store (same schema, same
//! batches, no HTTP), and InfluxDB 1.x taking the same readings by its HTTP line protocol.
//!
//! Reading j goes to device j mod D, metric `power_kw`, one second after that device's previous
//! reading, starting 40 days ago at this run's millisecond (so runs never collide).

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use weiyuan_domain::access::ParkScope;
use weiyuan_domain::telemetry::DeviceDraft;
use weiyuan_store::telemetry::Reading;
use weiyuan_store::{AuditCtx, Store};

pub struct Plan {
    pub devices: usize,
    pub readings: usize,
    pub batch: usize,
    pub concurrency: usize,
}

/// The bench devices (registered in the first park when missing), with fresh tokens.
pub async fn devices(store: &Store, n: usize) -> anyhow::Result<Vec<(i64, i64, String, String)>> {
    let ctx = AuditCtx::system("bench");
    let parks = store.list_parks(&ParkScope::All).await?;
    let park = parks.first().context("no park: load the demo data first (weiyuan demo --no-serve)")?;
    let existing = store.list_devices(&ParkScope::All).await?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let serial = format!("BENCH-{i:05}");
        let draft = DeviceDraft {
            kind: "electricity_meter".into(),
            serial: serial.clone(),
            name: format!("压测电表{i}"),
            active: true,
            ..Default::default()
        };
        let (id, park_id, token) = crate::simulate::ensure_device(store, &ctx, &existing, park.id, &draft).await?;
        out.push((id, park_id, serial, token));
    }
    Ok(out)
}

/// Reading j: (device index, ts, value).
fn reading(j: usize, devices: usize, t0: i64) -> (usize, i64, f64) {
    (j % devices, t0 + (j / devices) as i64 * 1000, (j % 1000) as f64 / 10.0)
}

fn t0() -> i64 {
    weiyuan_store::now_ms() - 40 * 86_400_000
}

/// Readings acknowledged per second, with how many and how long.
pub struct Rate {
    pub readings: usize,
    pub seconds: f64,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        self.readings as f64 / self.seconds
    }
}

/// Run `work(batch index)` on `concurrency` tasks until every batch is done.
async fn drive<F, Fut>(p: &Plan, work: F) -> anyhow::Result<Rate>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<usize>> + Send,
{
    let batches = p.readings.div_ceil(p.batch);
    let next = Arc::new(AtomicUsize::new(0));
    let work = Arc::new(work);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..p.concurrency {
        let (next, work) = (next.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            loop {
                let b = next.fetch_add(1, Ordering::SeqCst);
                if b >= batches {
                    return anyhow::Ok(done);
                }
                done += work(b).await?;
            }
        }));
    }
    let mut readings = 0;
    for t in tasks {
        readings += t.await??;
    }
    Ok(Rate { readings, seconds: started.elapsed().as_secs_f64() })
}

fn range(p: &Plan, b: usize) -> std::ops::Range<usize> {
    b * p.batch..((b + 1) * p.batch).min(p.readings)
}

/// POST batches to a running server; counts the readings it acknowledged.
pub async fn http(base: &str, p: &Plan, devs: &[(i64, i64, String, String)]) -> anyhow::Result<Rate> {
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/telemetry", base.trim_end_matches('/'));
    let tokens: serde_json::Map<String, Value> =
        devs.iter().map(|(_, _, s, t)| (s.clone(), Value::String(t.clone()))).collect();
    let tokens = Arc::new(Value::Object(tokens));
    let serials: Arc<Vec<String>> = Arc::new(devs.iter().map(|d| d.2.clone()).collect());
    let (t0, n, plan) = (t0(), devs.len(), Plan { ..*p });
    drive(p, move |b| {
        let (client, url, tokens, serials) = (client.clone(), url.clone(), tokens.clone(), serials.clone());
        let r = range(&plan, b);
        async move {
            let readings: Vec<Value> = r
                .map(|j| {
                    let (d, ts, v) = reading(j, n, t0);
                    json!({"device": serials[d], "metric": "power_kw", "ts": ts, "value": v})
                })
                .collect();
            let body = json!({"tokens": *tokens, "readings": readings});
            let resp = client.post(&url).json(&body).send().await?;
            let o: Value = resp.json().await?;
            let accepted = o["accepted"].as_u64().unwrap_or(0) as usize;
            if accepted != readings.len() {
                bail!("the server refused readings: {o:.300}");
            }
            Ok(accepted)
        }
    })
    .await
}

/// Store the same batches straight into the store: the ceiling without HTTP.
pub async fn raw(store: &Store, p: &Plan, devs: &[(i64, i64, String, String)]) -> anyhow::Result<Rate> {
    let ids: Arc<Vec<(i64, i64)>> = Arc::new(devs.iter().map(|d| (d.0, d.1)).collect());
    let (t0, n, plan, store) = (t0(), devs.len(), Plan { ..*p }, store.clone());
    drive(p, move |b| {
        let (ids, store) = (ids.clone(), store.clone());
        let r = range(&plan, b);
        async move {
            let readings: Vec<Reading> = r
                .map(|j| {
                    let (d, ts, value) = reading(j, n, t0);
                    Reading { device_id: ids[d].0, park_id: ids[d].1, metric: "power_kw".into(), ts, value }
                })
                .collect();
            store.ingest(&readings).await?;
            Ok(readings.len())
        }
    })
    .await
}

/// Publish the batches as MQTT messages (QoS 1) and wait until the server has stored them all:
/// the rate counts readings stored, from the first publish to the last commit.
pub async fn mqtt(url: &str, store: &Store, p: &Plan, devs: &[(i64, i64, String, String)]) -> anyhow::Result<Rate> {
    let before = store.count_readings().await? as usize;
    let (client, pump) = crate::simulate::mqtt_client(url, &format!("weiyuan-bench-{}", std::process::id())).await?;
    let tokens: serde_json::Map<String, Value> =
        devs.iter().map(|(_, _, s, t)| (s.clone(), Value::String(t.clone()))).collect();
    let tokens = Value::Object(tokens);
    let serials: Vec<String> = devs.iter().map(|d| d.2.clone()).collect();
    let t0 = t0();
    let started = Instant::now();
    for b in 0..p.readings.div_ceil(p.batch) {
        let readings: Vec<Value> = range(p, b)
            .map(|j| {
                let (d, ts, v) = reading(j, devs.len(), t0);
                json!({"device": serials[d], "metric": "power_kw", "ts": ts, "value": v})
            })
            .collect();
        let body = json!({"tokens": tokens, "readings": readings}).to_string();
        client.publish("weiyuan/telemetry/bench-gateway", rumqttc::QoS::AtLeastOnce, false, body).await?;
    }
    let mut stored = 0;
    for _ in 0..6000 {
        stored = store.count_readings().await? as usize - before;
        if stored >= p.readings {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    client.disconnect().await.ok();
    pump.await.ok();
    if stored < p.readings {
        bail!("only {stored} of {} readings were stored within five minutes", p.readings);
    }
    Ok(Rate { readings: stored, seconds })
}

/// The same readings to InfluxDB 1.x (`/write`, line protocol, millisecond precision).
pub async fn influx(base: &str, p: &Plan, devs: &[(i64, i64, String, String)]) -> anyhow::Result<Rate> {
    let client = reqwest::Client::new();
    let base = base.replace("influx://", "http://").trim_end_matches('/').to_string();
    client
        .post(format!("{base}/query"))
        .form(&[("q", "CREATE DATABASE weiyuan_bench")])
        .send()
        .await
        .with_context(|| format!("InfluxDB at {base}"))?;
    let url = format!("{base}/write?db=weiyuan_bench&precision=ms");
    let serials: Arc<Vec<String>> = Arc::new(devs.iter().map(|d| d.2.clone()).collect());
    let (t0, n, plan) = (t0(), devs.len(), Plan { ..*p });
    drive(p, move |b| {
        let (client, url, serials) = (client.clone(), url.clone(), serials.clone());
        let r = range(&plan, b);
        async move {
            let count = r.len();
            let mut body = String::with_capacity(count * 60);
            for j in r {
                let (d, ts, v) = reading(j, n, t0);
                body.push_str(&format!("reading,device={} power_kw={v} {ts}\n", serials[d]));
            }
            let resp = client.post(&url).body(body).send().await?;
            if !resp.status().is_success() {
                bail!("InfluxDB: {} {}", resp.status(), resp.text().await.unwrap_or_default());
            }
            Ok(count)
        }
    })
    .await
}
