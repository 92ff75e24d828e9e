//! `weiyuan simulate`: a realistic day of devices for the demo parks, played over HTTP or MQTT
//! against a running server; and the readings `weiyuan bench ingest` sends.
//!
//! Each simulated park has one device of each built-in kind. The simulator registers missing
//! devices in the database and gives every simulated device a fresh token (it runs on the server,
//! like the other CLI commands), so the tokens never leave the machine. The readings follow the
//! day: people in at the morning shift and out in the evening, power during working hours, a
//! meter's register that only grows, environment readings with noise, and a few incidents that
//! alarm rules should catch: a PM2.5 spike, a fire panel fault, a gas reading, a meter silent for
//! two hours. Everything is deterministic in (device, time).

use anyhow::bail;
use serde_json::{Value, json};
use weiyuan_domain::access::ParkScope;
use weiyuan_domain::telemetry::DeviceDraft;
use weiyuan_store::{AuditCtx, Store};

/// One simulated device and its token.
#[derive(Clone, Debug)]
pub struct SimDevice {
    pub id: i64,
    pub serial: String,
    pub token: String,
    pub kind: String,
    /// The park's position among the simulated parks (incidents are placed by it).
    pub park_index: usize,
}

/// The kinds a simulated park has, with a name prefix.
const KINDS: [(&str, &str); 9] = [
    ("electricity_meter", "模拟电表"),
    ("water_meter", "模拟水表"),
    ("gas_meter", "模拟燃气表"),
    ("people_counter", "模拟人流计数"),
    ("vehicle_gate", "模拟车辆道闸"),
    ("environment_sensor", "模拟环境监测"),
    ("fire_panel", "模拟消防主机"),
    ("gas_detector", "模拟可燃气体探测"),
    ("line_counter", "模拟产线计数"),
];

/// Register (when missing) and give fresh tokens to the simulated devices of the first `parks`
/// parks, by park code.
pub async fn ensure_devices(store: &Store, parks: usize) -> anyhow::Result<Vec<SimDevice>> {
    let ctx = AuditCtx::system("simulate");
    let mut list = store.list_parks(&ParkScope::All).await?;
    list.sort_by(|a, b| a.code.cmp(&b.code));
    let existing = store.list_devices(&ParkScope::All).await?;
    let mut out = Vec::new();
    for (park_index, park) in list.iter().take(parks).enumerate() {
        for (kind, name) in KINDS {
            let serial = format!("SIM-{}-{}", park.code, kind.to_ascii_uppercase().replace('_', "-"));
            let draft = DeviceDraft {
                kind: kind.into(),
                serial: serial.clone(),
                name: format!("{name}（{}）", park.name),
                active: true,
                ..Default::default()
            };
            let (id, _, token) = ensure_device(store, &ctx, &existing, park.id, &draft).await?;
            out.push(SimDevice { id, serial, token, kind: kind.into(), park_index });
        }
        // The demo's generated enterprise meters of the park continue their registers.
        for d in existing
            .iter()
            .filter(|d| d.park_id == park.id && d.serial.starts_with(crate::operation_demo::SERIAL_PREFIX))
        {
            let token = weiyuan_server::telemetry::new_token();
            let desk = crate::demo::county_desk(d.park_id)?;
            store.set_device_token(&desk, &ctx, d.id, &weiyuan_server::auth::token_hash(&token)).await?;
            out.push(SimDevice {
                id: d.id,
                serial: d.serial.clone(),
                token,
                kind: ENTERPRISE_METER.into(),
                park_index,
            });
        }
    }
    Ok(out)
}

/// The kind a simulated device is played as when it is a generated enterprise meter.
pub const ENTERPRISE_METER: &str = "enterprise_meter";

/// A device by its serial, registered in `park_id` when it is not among `existing`, with a fresh
/// token: (id, park id, token).
pub async fn ensure_device(
    store: &Store,
    ctx: &AuditCtx,
    existing: &[weiyuan_store::telemetry::Device],
    park_id: i64,
    draft: &DeviceDraft,
) -> anyhow::Result<(i64, i64, String)> {
    let token = weiyuan_server::telemetry::new_token();
    let hash = weiyuan_server::auth::token_hash(&token);
    match existing.iter().find(|d| d.serial == draft.serial) {
        Some(d) => {
            let desk = crate::demo::county_desk(d.park_id)?;
            store.set_device_token(&desk, ctx, d.id, &hash).await?;
            Ok((d.id, d.park_id, token))
        }
        None => {
            let desk = crate::demo::county_desk(park_id)?;
            let d = store.create_device(&desk, ctx, draft, &hash).await?;
            Ok((d.id, d.park_id, token))
        }
    }
}

/// A repeatable number in [0, 1) for a device and a time.
fn noise(serial: &str, ts: i64, salt: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in serial.bytes().chain(ts.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Hours since midnight in Asia/Shanghai.
fn hour_of(ts: i64) -> f64 {
    ((ts + 8 * 3_600_000).rem_euclid(86_400_000)) as f64 / 3_600_000.0
}

/// A working day's load, 0..1, by hour.
fn load(h: f64) -> f64 {
    match h {
        h if h < 6.5 => 0.15,
        h if h < 8.0 => 0.15 + 0.85 * (h - 6.5) / 1.5,
        h if (11.75..13.0).contains(&h) => 0.55,
        h if h < 17.5 => 1.0,
        h if h < 19.0 => 1.0 - 0.85 * (h - 17.5) / 1.5,
        _ => 0.15,
    }
}

/// The energy a meter has counted by `ts` (kWh): a base, whole days, and today's share.
fn register(serial: &str, ts: i64, daily_kwh: f64) -> f64 {
    let day = (ts + 8 * 3_600_000).div_euclid(86_400_000);
    let minutes = (ts + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    // The day's cumulative load, minute by minute (a day has 1,440).
    let per_day: f64 = (0..1440).map(|m| load(m as f64 / 60.0)).sum();
    let today: f64 = (0..minutes).map(|m| load(m as f64 / 60.0)).sum();
    let base = 10_000.0 + noise(serial, 0, 1) * 90_000.0;
    ((base + (day - 19_000) as f64 * daily_kwh + today / per_day * daily_kwh) * 100.0).round() / 100.0
}

/// The readings of one device at one time: (metric, value), or none when the device is silent.
pub fn readings_at(d: &SimDevice, ts: i64, step_minutes: f64) -> Vec<(&'static str, Value)> {
    let h = hour_of(ts);
    let n = |salt: u64| noise(&d.serial, ts, salt);
    let size = 0.5 + noise(&d.serial, 0, 7); // parks differ in size
    let incident = |from: f64, to: f64| (from..to).contains(&h);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    match d.kind.as_str() {
        ENTERPRISE_METER => {
            let seed: i64 = d.serial.trim_start_matches(crate::operation_demo::SERIAL_PREFIX).parse().unwrap_or(0);
            let cal = weiyuan_domain::operation::Settings::default().calendar();
            vec![("energy_kwh", json!(crate::operation_demo::register_at(seed, ts, &cal)))]
        }
        "electricity_meter" => {
            let kw = round(800.0 * size * load(h) * (0.9 + 0.2 * n(2)));
            vec![("energy_kwh", json!(register(&d.serial, ts, 12_000.0 * size))), ("power_kw", json!(kw))]
        }
        "water_meter" => {
            // The third park's water meter is silent from 13:00 to 15:00 (offline).
            if d.park_index == 2 && incident(13.0, 15.0) {
                return Vec::new();
            }
            vec![
                ("water_m3", json!(register(&d.serial, ts, 300.0 * size))),
                ("flow_m3h", json!(round(25.0 * size * load(h) * (0.8 + 0.4 * n(3))))),
            ]
        }
        "gas_meter" => vec![("gas_m3", json!(register(&d.serial, ts, 800.0 * size)))],
        "people_counter" => {
            let morning = (-(h - 7.8f64).powi(2) / 0.3).exp();
            let evening = (-(h - 17.8f64).powi(2) / 0.3).exp();
            let scale = 120.0 * size * step_minutes / 5.0;
            vec![
                ("people_in", json!((scale * (morning + 0.05 * load(h)) * (0.8 + 0.4 * n(4))).round())),
                ("people_out", json!((scale * (evening + 0.05 * load(h)) * (0.8 + 0.4 * n(5))).round())),
            ]
        }
        "vehicle_gate" => {
            let scale = 12.0 * size * step_minutes / 5.0 * load(h);
            vec![
                ("vehicles_in", json!((scale * (0.6 + 0.8 * n(6))).round())),
                ("vehicles_out", json!((scale * (0.6 + 0.8 * n(8))).round())),
            ]
        }
        "environment_sensor" => {
            // The first park: a PM2.5 spike from 14:00 to 14:30.
            let pm25 = if d.park_index == 0 && incident(14.0, 14.5) { 150.0 + 30.0 * n(9) } else { 28.0 + 14.0 * n(9) };
            vec![
                ("pm25", json!(round(pm25))),
                ("pm10", json!(round(pm25 * 1.6 + 10.0 * n(10)))),
                ("noise_db", json!(round(45.0 + 12.0 * load(h) + 4.0 * n(11)))),
                ("voc", json!(round(0.2 + 0.5 * load(h) * n(12)))),
                ("cod", json!(round(35.0 + 10.0 * n(13)))),
            ]
        }
        "fire_panel" => {
            // The second park: a fault from 10:30 to 11:00.
            let fault = d.park_index == 1 && incident(10.5, 11.0);
            vec![("fire_alarm", json!(false)), ("fault", json!(fault))]
        }
        "gas_detector" => {
            // The first park: combustible gas at 16:00 for ten minutes.
            let lel = if d.park_index == 0 && incident(16.0, 16.17) { 32.0 } else { round(2.0 * n(14)) };
            vec![("smoke", json!(false)), ("gas_lel", json!(lel))]
        }
        "line_counter" => {
            let running = load(h) > 0.5;
            let pieces = if running { (400.0 * size * step_minutes / 5.0 * (0.85 + 0.3 * n(15))).round() } else { 0.0 };
            vec![("pieces", json!(pieces)), ("running", json!(running))]
        }
        _ => Vec::new(),
    }
}

/// The readings of every device at one time, as JSON readings (device, metric, ts, value).
pub fn batch_at(devices: &[SimDevice], ts: i64, step_minutes: f64) -> Vec<Value> {
    let mut out = Vec::new();
    for d in devices {
        for (metric, value) in readings_at(d, ts, step_minutes) {
            out.push(json!({"device": d.serial, "metric": metric, "ts": ts, "value": value}));
        }
    }
    out
}

/// Where the simulator sends.
pub enum Target {
    Http(String),
    Mqtt { url: String },
}

/// Play [from, to) in steps (and, with `live`, go on in real time). Returns readings sent.
pub async fn play(
    devices: &[SimDevice],
    target: &Target,
    from: i64,
    to: Option<i64>,
    step_ms: i64,
    say: &dyn Fn(String),
) -> anyhow::Result<usize> {
    let tokens: serde_json::Map<String, Value> =
        devices.iter().map(|d| (d.serial.clone(), Value::String(d.token.clone()))).collect();
    let step_minutes = step_ms as f64 / 60_000.0;
    let mut sent = 0;
    let mut ts = from - from.rem_euclid(step_ms);
    let http = reqwest::Client::new();
    let mqtt = match target {
        Target::Mqtt { url } => Some(mqtt_client(url, "weiyuan-simulator").await?),
        Target::Http(_) => None,
    };
    loop {
        let now = weiyuan_store::now_ms();
        if to.is_some_and(|t| ts >= t) {
            break;
        }
        if ts > now {
            tokio::time::sleep(std::time::Duration::from_millis((ts - now) as u64)).await;
        }
        let readings = batch_at(devices, ts, step_minutes);
        match (target, &mqtt) {
            (Target::Http(base), _) => {
                let body = json!({"tokens": tokens, "readings": readings});
                let r =
                    http.post(format!("{}/api/v1/telemetry", base.trim_end_matches('/'))).json(&body).send().await?;
                let status = r.status();
                let o: Value = r.json().await.unwrap_or(Value::Null);
                if !status.is_success() || o["rejected"].as_array().is_some_and(|a| !a.is_empty()) {
                    bail!("the server refused readings ({status}): {o}");
                }
            }
            (Target::Mqtt { .. }, Some((client, _))) => {
                for d in devices {
                    let mine: Vec<&Value> = readings.iter().filter(|r| r["device"] == d.serial.as_str()).collect();
                    if mine.is_empty() {
                        continue;
                    }
                    let body = json!({"token": d.token, "readings": mine}).to_string();
                    client
                        .publish(format!("weiyuan/telemetry/{}", d.serial), rumqttc::QoS::AtLeastOnce, false, body)
                        .await?;
                }
            }
            _ => unreachable!("an MQTT target has a client"),
        }
        sent += readings.len();
        if (ts / step_ms) % 12 == 0 {
            say(format!("{}  {sent} readings", weiyuan_domain::time::format_shanghai(ts)));
        }
        ts += step_ms;
    }
    if let Some((client, pump)) = mqtt {
        // Wait until the broker has acknowledged everything published.
        client.disconnect().await.ok();
        pump.await.ok();
    }
    Ok(sent)
}

/// An MQTT client (QoS 1, persistent session) and the task that drives it until disconnected.
pub async fn mqtt_client(url: &str, id: &str) -> anyhow::Result<(rumqttc::AsyncClient, tokio::task::JoinHandle<()>)> {
    let mut o = weiyuan_server::telemetry::mqtt::options(url, id).map_err(anyhow::Error::msg)?;
    o.set_inflight(1000);
    let (client, mut events) = rumqttc::AsyncClient::new(o, 10_000);
    let pump = tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect)) => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
    });
    Ok((client, pump))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(kind: &str, park_index: usize) -> SimDevice {
        SimDevice { id: 1, serial: format!("SIM-{kind}"), token: String::new(), kind: kind.into(), park_index }
    }

    fn at(hour: f64) -> i64 {
        // 2026-12-01 00:00 in Shanghai, plus hours.
        1_764_518_400_000 + (hour * 3_600_000.0) as i64
    }

    #[test]
    fn a_meter_register_only_grows_and_counts_the_day() {
        let d = dev("electricity_meter", 0);
        let mut last = 0.0;
        for step in 0..(2 * 288) {
            let v = readings_at(&d, at(0.0) + step * 300_000, 5.0)[0].1.as_f64().unwrap();
            assert!(v >= last, "step {step}: {v} < {last}");
            last = v;
        }
        let day = register(&d.serial, at(24.0), 6000.0) - register(&d.serial, at(0.0), 6000.0);
        assert!((day - 6000.0).abs() < 0.05, "{day}");
    }

    #[test]
    fn people_come_in_the_morning_and_leave_in_the_evening() {
        let d = dev("people_counter", 0);
        let v = |h: f64, i: usize| readings_at(&d, at(h), 5.0)[i].1.as_f64().unwrap();
        assert!(v(7.8, 0) > 5.0 * v(3.0, 0).max(1.0));
        assert!(v(17.8, 1) > 5.0 * v(10.0, 1).max(1.0));
    }

    #[test]
    fn the_incidents_happen_where_and_when_planned() {
        let pm = |park: usize, h: f64| readings_at(&dev("environment_sensor", park), at(h), 5.0)[0].1.as_f64().unwrap();
        assert!(pm(0, 14.1) >= 150.0 && pm(0, 13.9) < 50.0 && pm(1, 14.1) < 50.0);
        assert_eq!(readings_at(&dev("fire_panel", 1), at(10.6), 5.0)[1].1, json!(true));
        assert!(readings_at(&dev("water_meter", 2), at(14.0), 5.0).is_empty());
        assert!(!readings_at(&dev("water_meter", 1), at(14.0), 5.0).is_empty());
    }
}
