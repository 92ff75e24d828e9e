//! Monitoring: devices, telemetry over HTTP and MQTT, durability and rollups, on both backends.
//! MQTT runs against a real Mosquitto that each test starts on a port of its own, so that it
//! can restart it in the middle of a stream.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Register a device in a park through the API: (id, serial, token).
async fn device(app: &App, token: &str, park: i64, kind: &str, serial: &str) -> (i64, String, String) {
    let (id, device_token) = app.device(token, park, kind, serial).await;
    (id, serial.to_string(), device_token)
}

async fn post_batch(base: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(format!("{base}/api/v1/telemetry")).json(body).send().await.unwrap();
    json_of(r).await
}

fn now_ms() -> i64 {
    weiyuan_store::now_ms()
}

both!(a_mixed_batch_keeps_exactly_the_good_readings);
async fn a_mixed_batch_keeps_exactly_the_good_readings(app: &App) {
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let (id, serial, token) = device(app, &county, park, "electricity_meter", &format!("EM-{park}")).await;
    let (_, env, env_token) = device(app, &county, park, "environment_sensor", &format!("ENV-{park}")).await;
    // Five-minute aligned, an hour ago.
    let t0 = (now_ms() - 3_600_000) / 300_000 * 300_000;
    let good = |ts: i64, v: f64| json!({"device": serial, "metric": "power_kw", "ts": ts, "value": v});
    let body = json!({
        "tokens": { &serial: &token, &env: &env_token },
        "readings": [
            good(t0, 5.0),
            {"device": "NO-SUCH", "metric": "power_kw", "ts": t0, "value": 1.0},
            good(t0 + 60_000, 3.0),
            {"device": serial, "token": "wrong", "metric": "power_kw", "ts": t0 + 1, "value": 1.0},
            {"device": serial, "metric": "pm25", "ts": t0, "value": 1.0},
            {"device": serial, "metric": "power_kw", "ts": t0 + 2, "value": -4.0},
            {"device": serial, "metric": "power_kw", "ts": now_ms() + 3_600_000, "value": 1.0},
            {"device": serial, "metric": "power_kw", "ts": "yesterday", "value": 1.0},
            {"device": serial, "metric": "power_kw", "ts": t0 + 3, "value": "high"},
            good(t0 + 300_000, 9.0),
            {"device": env, "metric": "pm25", "ts": "2026-01-01T08:00:00+08:00", "value": 35},
        ]
    });
    let (s, o) = post_batch(&app.base, &body).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!((o["accepted"].as_i64(), o["stored"].as_i64(), o["duplicates"].as_i64()), (Some(4), Some(4), Some(0)));
    let reasons: Vec<(i64, &str)> = o["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_i64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            // An unknown serial answers as a wrong token does: nobody learns which serials exist.
            (1, "wrong_token"),
            (3, "wrong_token"),
            (4, "unknown_metric"),
            (5, "out_of_range"),
            (6, "in_the_future"),
            (7, "bad_timestamp"),
            (8, "not_a_number")
        ]
    );
    // Each reason in words, in Chinese by default.
    assert!(o["rejected"][3]["message"].as_str().unwrap().contains("物理范围"), "{o}");
    assert_eq!(
        app.store.readings(id, "power_kw", 0, i64::MAX).await.unwrap(),
        [(t0, 5.0), (t0 + 60_000, 3.0), (t0 + 300_000, 9.0)]
    );
    // Sending the same batch again stores nothing twice.
    let (s, again) = post_batch(&app.base, &body).await;
    assert_eq!((s, again["stored"].as_i64(), again["duplicates"].as_i64()), (200, Some(0), Some(4)));
    assert_eq!(app.store.count_readings().await.unwrap(), 4);
    // Rollups: two five-minute buckets, one hour (or two), one day, each counted once.
    let (s, five) = json_of(
        app.get(&county, &format!("/api/v1/devices/{id}/series?metric=power_kw&bucket=5m&from={}", t0 - 1)).await,
    )
    .await;
    assert_eq!(s, 200, "{five}");
    let rows: Vec<(i64, f64, f64, f64, f64)> = five
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["n"].as_i64().unwrap(),
                r["min"].as_f64().unwrap(),
                r["max"].as_f64().unwrap(),
                r["sum"].as_f64().unwrap(),
                r["last"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(2, 3.0, 5.0, 8.0, 3.0), (1, 9.0, 9.0, 9.0, 9.0)]);
    let (_, day) = json_of(
        app.get(&county, &format!("/api/v1/devices/{id}/series?metric=power_kw&bucket=1d&from={}", t0 - 86_400_000))
            .await,
    )
    .await;
    let n: i64 = day.as_array().unwrap().iter().map(|r| r["n"].as_i64().unwrap()).sum();
    assert_eq!(n, 3);
    // The device is online now.
    let (_, d) = json_of(app.get(&county, &format!("/api/v1/devices/{id}")).await).await;
    assert!(d["last_seen_at"].as_i64().unwrap() > now_ms() - 60_000);
    // A batch of nothing but bad readings is refused as a whole, and says why.
    let (s, bad) =
        post_batch(&app.base, &json!({"readings": [{"device": "NO-SUCH", "metric": "x", "ts": t0, "value": 1}]})).await;
    assert_eq!((s, bad["accepted"].as_i64()), (422, Some(0)));
    // Not JSON at all: a clear error, nothing stored.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/telemetry", app.base))
        .header("accept-language", "en")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("body"));
    // A new token: the old one stops working at once.
    let (s, rotated) =
        json_of(app.send(&county, "POST", &format!("/api/v1/devices/{id}/token"), json!({})).await).await;
    assert_eq!(s, 200, "{rotated}");
    let later = json!({"token": token, "readings": [{"device": serial, "metric": "power_kw", "ts": t0 + 600_000, "value": 1.0}]});
    let (s, o) = post_batch(&app.base, &later).await;
    assert_eq!((s, o["rejected"][0]["reason"].as_str()), (422, Some("wrong_token")));
    let new_token = rotated["token"].as_str().unwrap();
    let (s, o) = post_batch(&app.base, &json!({"token": new_token, "readings": later["readings"]})).await;
    assert_eq!((s, o["stored"].as_i64()), (200, Some(1)));
    // A disabled device's readings are refused.
    let (s, _) = json_of(
        app.send(
            &county,
            "PUT",
            &format!("/api/v1/devices/{id}"),
            json!({"kind": "electricity_meter", "serial": serial, "name": "停用", "inactive": "on"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, o) = post_batch(&app.base, &json!({"token": new_token, "readings": [{"device": serial, "metric": "power_kw", "ts": t0 + 900_000, "value": 1.0}]})).await;
    assert_eq!(o["rejected"][0]["reason"].as_str(), Some("device_disabled"));
}

both!(devices_are_registered_in_scope_with_checked_fields);
async fn devices_are_registered_in_scope_with_checked_fields(app: &App) {
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    // Unknown kind, a serial with spaces, no name: every field named.
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/devices"),
            json!({"kind": "toaster", "serial": "A B"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["kind", "serial", "name"]);
    // A serial is unique.
    device(app, &county, park, "water_meter", &format!("W-{park}")).await;
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/devices"),
            json!({"kind": "water_meter", "serial": format!("W-{park}"), "name": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("serial")));
    // The county defines a kind with its metrics; a device of that kind reports them.
    let code = format!("boiler{park}");
    let (s, k) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/device-kinds",
            json!({"code": code, "name": "锅炉", "metrics": "temp_c ℃ -40 400\nsteam_t t 0 1e6 counter"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{k}");
    let (_, serial, token) = device(app, &county, park, &code, &format!("B-{park}")).await;
    let t = now_ms() - 60_000;
    let (s, o) = post_batch(
        &app.base,
        &json!({"token": token, "readings": [{"device": serial, "metric": "temp_c", "ts": t, "value": 180.5}, {"device": serial, "metric": "temp_c", "ts": t, "value": 999}]}),
    )
    .await;
    assert_eq!((s, o["accepted"].as_i64(), o["rejected"][0]["reason"].as_str()), (200, Some(1), Some("out_of_range")));
    // A bad metric line names its line.
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/device-kinds",
            json!({"code": "k2", "name": "x", "metrics": "ok u 0 1\nbroken"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("metrics")));
    assert!(e.to_string().contains('2'), "{e}");
    // A township outside the park sees none of its devices; an enterprise none at all.
    let (_, list) = json_of(app.get(&app.token("binhai").await, "/api/v1/devices?size=500").await).await;
    assert!(list["devices"].as_array().unwrap().iter().all(|d| d["park_id"] != json!(park)), "{list}");
    // Paged, in a stable order, with the total: two pages of one hold the first two devices.
    let county = app.token("county").await;
    let (_, all) = json_of(app.get(&county, "/api/v1/devices?size=500").await).await;
    let ids: Vec<i64> = all["devices"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert!(all["total"].as_i64().unwrap() >= 2 && all["total"].as_i64() == Some(ids.len() as i64), "{all}");
    for page in [1, 2] {
        let (_, one) = json_of(app.get(&county, &format!("/api/v1/devices?size=1&page={page}")).await).await;
        assert_eq!(one["devices"][0]["id"].as_i64(), Some(ids[page - 1]), "{one}");
        assert_eq!((one["total"].as_i64(), one["size"].as_i64()), (Some(ids.len() as i64), Some(1)));
    }
    let (s, e) = json_of(app.get(&county, "/api/v1/devices?size=501").await).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("size")), "{e}");
    assert_eq!(app.get(&app.token("enterprise").await, "/api/v1/devices").await.status(), 403);
}

both!(a_device_is_bound_only_to_records_of_its_own_park);
async fn a_device_is_bound_only_to_records_of_its_own_park(app: &App) {
    // The operator of 万洋众创城 registers a meter in its own park, naming another park's
    // enterprise, building or unit: refused field by field, nothing stored; its own are fine.
    let operator = app.token("wanyang").await;
    let own = app.park_id(weiyuan::demo::DEMO_PARK_CODE).await;
    let other = app.park_id("PY06").await;
    let foreign_enterprise = app.store.list_enterprises(other).await.unwrap()[0].id;
    let own_enterprise = app.store.list_enterprises(own).await.unwrap()[0].id;
    let own_buildings = app.store.list_buildings(own).await.unwrap();
    let own_units = app.store.list_units(own).await.unwrap();
    let county = app.token("county").await;
    let (_, foreign_unit, _) = app.park_with(&county, &[("101", "600", true)], &[]).await;
    let foreign_unit = foreign_unit[0];
    let foreign_building = app.store.get_unit(foreign_unit).await.unwrap().building_id;
    let other_building_unit = own_units.iter().find(|u| u.building_id != own_buildings[0].id);
    let devices_before = app.store.list_devices(&weiyuan_domain::access::ParkScope::All).await.unwrap().len();
    let mut cases = vec![
        ("enterprise_id", json!({"enterprise_id": foreign_enterprise})),
        ("building_id", json!({"building_id": foreign_building})),
        ("unit_id", json!({"unit_id": foreign_unit})),
        ("enterprise_id", json!({"enterprise_id": 99_999_999})),
    ];
    if let Some(u) = other_building_unit {
        cases.push(("unit_id", json!({"building_id": own_buildings[0].id, "unit_id": u.id})));
    }
    for (n, (field, refs)) in cases.into_iter().enumerate() {
        let mut body = json!({"kind": "electricity_meter", "serial": format!("SCOPE-{own}-{n}"), "name": "电表"});
        body.as_object_mut().unwrap().extend(refs.as_object().unwrap().clone());
        let (s, e) = json_of(app.send(&operator, "POST", &format!("/api/v1/parks/{own}/devices"), body).await).await;
        assert_eq!(
            (s, e["error"]["fields"][0]["field"].as_str(), e["error"]["fields"][0]["code"].as_str()),
            (422, Some(field), Some("error.not_in_park")),
            "case {n}: {e}"
        );
    }
    let after = app.store.list_devices(&weiyuan_domain::access::ParkScope::All).await.unwrap().len();
    assert_eq!(after, devices_before, "nothing was stored");
    let body = json!({"kind": "electricity_meter", "serial": format!("SCOPE-{own}-ok"), "name": "电表",
                      "enterprise_id": own_enterprise, "building_id": own_buildings[0].id});
    let (s, d) = json_of(app.send(&operator, "POST", &format!("/api/v1/parks/{own}/devices"), body).await).await;
    assert_eq!(s, 201, "{d}");
    // Moving it to another park's enterprise by an update is refused the same way.
    let id = d["device"]["id"].as_i64().unwrap();
    let body = json!({"kind": "electricity_meter", "serial": format!("SCOPE-{own}-ok"), "name": "电表",
                      "enterprise_id": foreign_enterprise});
    let (s, e) = json_of(app.send(&operator, "PUT", &format!("/api/v1/devices/{id}"), body).await).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("enterprise_id")), "{e}");
    assert_eq!(app.store.get_device(id).await.unwrap().enterprise_id, Some(own_enterprise));
}

/// A `weiyuan serve` process on a free port, with extra arguments.
fn serve(db_url: &str, extra: &[&str]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", db_url])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(if std::env::var("WEIYUAN_TEST_SERVER_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .unwrap();
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_up(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not come up");
}

both!(killing_the_server_loses_no_acknowledged_reading);
async fn killing_the_server_loses_no_acknowledged_reading(app: &App) {
    let url = app.db.as_ref().unwrap().url.clone();
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let mut devices = Vec::new();
    for i in 0..4 {
        devices.push(device(app, &county, park, "electricity_meter", &format!("K{park}-{i}")).await);
    }
    let (mut child, base) = serve(&url, &[]);
    wait_up(&base).await;
    // Four senders, one a device, each posting batches of 50 readings until the server dies;
    // each remembers the readings acknowledged (2xx).
    let t0 = now_ms() - 86_400_000;
    let mut tasks = Vec::new();
    let heard = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for (id, serial, token) in devices.clone() {
        let (base, heard) = (base.clone(), heard.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acked: Vec<i64> = Vec::new();
            for batch in 0..10_000i64 {
                let readings: Vec<Value> = (0..50)
                    .map(|k| json!({"device": serial, "metric": "energy_kwh", "ts": t0 + (batch * 50 + k) * 1000, "value": (batch * 50 + k) as f64}))
                    .collect();
                match client.post(format!("{base}/api/v1/telemetry")).json(&json!({"token": token, "readings": readings})).send().await {
                    Ok(r) if r.status().is_success() => {
                        acked.extend((0..50).map(|k| t0 + (batch * 50 + k) * 1000));
                        heard.fetch_add(50, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => break,
                }
            }
            (id, acked)
        }));
    }
    // Let the stream run (until 1,000 readings are acknowledged, however busy the machine), then
    // SIGKILL the server in the middle of it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while heard.load(std::sync::atomic::Ordering::SeqCst) < 1_000 {
        assert!(std::time::Instant::now() < deadline, "the stream never reached 1,000 acknowledged readings");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut total = 0;
    let mut acked_by_device = Vec::new();
    for t in tasks {
        acked_by_device.push(t.await.unwrap());
    }
    // After a restart, every acknowledged reading is there.
    let (mut again, base2) = serve(&url, &[]);
    wait_up(&base2).await;
    for (id, acked) in &acked_by_device {
        let stored: std::collections::HashSet<i64> =
            app.store.readings(*id, "energy_kwh", 0, i64::MAX).await.unwrap().into_iter().map(|(ts, _)| ts).collect();
        let lost: Vec<&i64> = acked.iter().filter(|ts| !stored.contains(ts)).collect();
        assert!(lost.is_empty(), "device {id}: {} acknowledged readings lost", lost.len());
        total += acked.len();
    }
    assert!(total >= 1_000, "the stream ran before the kill ({total} acknowledged)");
    again.kill().ok();
    again.wait().ok();
}

/// A Mosquitto of the test's own, with persistence, on a free port.
/// A device's MQTT session (QoS 1, persistent, so that unacknowledged messages are sent again),
/// the count of PUBACKs it has heard, and the task that polls it.
fn device_session(
    port: u16,
    client_id: &str,
) -> (rumqttc::AsyncClient, std::sync::Arc<std::sync::atomic::AtomicUsize>, tokio::task::JoinHandle<()>) {
    let mut opts = rumqttc::MqttOptions::new(client_id, "127.0.0.1", port);
    opts.set_clean_session(false).set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = rumqttc::AsyncClient::new(opts, 1000);
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = acked.clone();
    let pump = tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Incoming::PubAck(_))) => {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });
    (client, acked, pump)
}

struct Broker {
    dir: std::path::PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Broker {
    fn start() -> Option<Broker> {
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| std::path::Path::new(p).exists());
        let Some(bin) = bin else {
            assert!(std::env::var("WEIYUAN_REQUIRE_MQTT").is_err(), "mosquitto is required (WEIYUAN_REQUIRE_MQTT)");
            eprintln!("mosquitto not installed: skipping");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("wy-mqtt-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Started as root, Mosquitto drops to its own user, which must be able to save there.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let conf = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\nautosave_interval 1\nmax_queued_messages 100000\n",
            dir.display()
        );
        std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
        let mut b = Broker { dir, port, child: None };
        b.child = Some(b.spawn(bin));
        Some(b)
    }

    fn spawn(&self, bin: &str) -> Child {
        let child = Command::new(bin)
            .args(["-c", &self.dir.join("mosquitto.conf").display().to_string()])
            .args(if std::env::var("WEIYUAN_TEST_SERVER_LOG").is_ok() { &["-v"][..] } else { &[][..] })
            .stdout(Stdio::null())
            .stderr(if std::env::var("WEIYUAN_TEST_SERVER_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    /// Stop (SIGTERM, which saves the persistent state) and start again on the same port.
    fn restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            Command::new("kill").args(["-TERM", &c.id().to_string()]).status().unwrap();
            c.wait().unwrap();
        }
        let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| std::path::Path::new(p).exists());
        self.child = Some(self.spawn(bin.unwrap()));
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

both!(a_broker_restart_mid_stream_loses_no_qos1_message);
async fn a_broker_restart_mid_stream_loses_no_qos1_message(app: &App) {
    let Some(mut broker) = Broker::start() else { return };
    let url = app.db.as_ref().unwrap().url.clone();
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let (id, serial, token) = device(app, &county, park, "people_counter", &format!("PC-{park}")).await;
    let mqtt = format!("mqtt://127.0.0.1:{}", broker.port);
    let client_id = format!("weiyuan-test-{park}");
    let (mut server, base) = serve(&url, &["--mqtt-url", &mqtt, "--mqtt-client-id", &client_id]);
    wait_up(&base).await;
    // The device: QoS 1, a persistent session, so that unacknowledged messages are sent again.
    let (client, _acked, pump) = device_session(broker.port, &format!("device-{park}"));
    // Once a probe comes through, the server's subscription is in place.
    let t0 = now_ms() - 86_400_000;
    let probe = json!({"token": token, "readings": [{"metric": "people_out", "ts": t0 - 1000, "value": 0}]});
    let mut through = false;
    for _ in 0..100 {
        client
            .publish(format!("weiyuan/telemetry/{serial}"), rumqttc::QoS::AtLeastOnce, false, probe.to_string())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !app.store.readings(id, "people_out", 0, i64::MAX).await.unwrap().is_empty() {
            through = true;
            break;
        }
    }
    assert!(through, "the server subscribed");
    let messages = 400;
    for i in 0..messages {
        let body = json!({"token": token, "readings": [{"metric": "people_in", "ts": t0 + i * 1000, "value": 1}, {"metric": "people_out", "ts": t0 + i * 1000, "value": 0}]});
        client
            .publish(format!("weiyuan/telemetry/{serial}"), rumqttc::QoS::AtLeastOnce, false, body.to_string())
            .await
            .unwrap();
        if i == messages / 2 {
            broker.restart();
        }
        if i % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // Every message ends up stored exactly once.
    let mut stored = 0;
    for _ in 0..300 {
        stored = app.store.readings(id, "people_in", 0, i64::MAX).await.unwrap().len();
        if stored == messages as usize {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, messages as usize, "people_in readings stored after a broker restart");
    let day = app.store.rollups(&[id], weiyuan_domain::telemetry::Bucket::Day, 0, i64::MAX).await.unwrap();
    let counted: i64 = day.iter().filter(|r| r.metric == "people_in").map(|r| r.n).sum();
    assert_eq!(counted, messages, "each reading counted once in the rollups");
    pump.abort();
    server.kill().ok();
    server.wait().ok();
}

both!(reported_electricity_is_checked_against_the_meters);
async fn reported_electricity_is_checked_against_the_meters(app: &App) {
    let county = app.token("county").await;
    let (park, _, e) = app.park_with(&county, &[], &["C3484"]).await;
    let serial = format!("EM-R{park}");
    let (s, d) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/devices"),
            json!({"kind": "electricity_meter", "serial": serial, "name": "一号表", "enterprise_id": e[0]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let token = d["token"].as_str().unwrap();
    // The register: 10,000 kWh the evening before the month, 14,000 on its last evening.
    let month = weiyuan_server::reports::last_month();
    let (start, end) = (month.start_ms(), month.next().start_ms());
    let readings: Vec<Value> =
        [(start - 3_600_000, 10_000.0), (start + 10 * 86_400_000, 12_000.0), (end - 3_600_000, 14_000.0)]
            .iter()
            .map(|(ts, v)| json!({"device": serial, "metric": "energy_kwh", "ts": ts, "value": v}))
            .collect();
    let (s, o) = post_batch(&app.base, &json!({"token": token, "readings": readings})).await;
    assert_eq!((s, o["stored"].as_i64()), (200, Some(3)), "{o}");
    // Nothing reported yet: flagged.
    let (s, rows) = json_of(app.get(&county, &format!("/api/v1/reconciliation?month={month}")).await).await;
    assert_eq!(s, 200, "{rows}");
    let row =
        |rows: &Value| rows.as_array().unwrap().iter().find(|r| r["enterprise_id"] == json!(e[0])).unwrap().clone();
    let r = row(&rows);
    assert_eq!(
        (r["metered_kwh"].as_f64(), r["reported_kwh"].as_f64(), r["flagged"].as_bool()),
        (Some(4000.0), None, Some(true))
    );
    // 4,200 kWh reported: 5 % over the meter, within the default 10 %, beyond 4 %.
    let mut figures = [None; weiyuan_domain::reports::N];
    figures[weiyuan_domain::reports::index("electricity").unwrap()] = Some(weiyuan_domain::Fixed2::from_units(4200));
    let report = weiyuan_store::reports::NewReport {
        enterprise_id: e[0],
        park_id: park,
        month,
        figures,
        submitted_at: now_ms(),
        late: false,
    };
    app.store.insert_enterprise_reports(&[report], "test", false).await.unwrap();
    let (_, rows) = json_of(app.get(&county, &format!("/api/v1/reconciliation?month={month}")).await).await;
    let r = row(&rows);
    assert_eq!((r["difference_pct"].as_f64(), r["flagged"].as_bool()), (Some(5.0), Some(false)));
    let (_, rows) = json_of(app.get(&county, &format!("/api/v1/reconciliation?month={month}&tolerance=4")).await).await;
    assert_eq!(row(&rows)["flagged"].as_bool(), Some(true));
    // The county makes 4 % its tolerance: the default now flags it. A township may not, and a
    // share above 100 % is refused; neither changes the setting.
    let (s, t) =
        json_of(app.send(&county, "PUT", "/api/v1/reconciliation/tolerance", json!({"tolerance": 4})).await).await;
    assert_eq!((s, t["tolerance_pct"].as_f64()), (200, Some(4.0)));
    let (_, rows) = json_of(app.get(&county, &format!("/api/v1/reconciliation?month={month}")).await).await;
    assert_eq!(row(&rows)["flagged"].as_bool(), Some(true));
    let township = app.token("xiaojiang").await;
    let (s, _) =
        json_of(app.send(&township, "PUT", "/api/v1/reconciliation/tolerance", json!({"tolerance": 50})).await).await;
    assert_eq!(s, 403);
    let (s, e) =
        json_of(app.send(&county, "PUT", "/api/v1/reconciliation/tolerance", json!({"tolerance": 101})).await).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("tolerance")));
    assert_eq!(app.store.recon_tolerance_pct().await.unwrap(), 4.0);
    // Another township sees none of it.
    let (_, other) =
        json_of(app.get(&app.token("binhai").await, &format!("/api/v1/reconciliation?month={month}")).await).await;
    assert!(other.as_array().unwrap().iter().all(|r| r["park_id"] != json!(park)));
}

both!(a_server_restarted_on_another_port_receives_what_was_queued_for_it);
async fn a_server_restarted_on_another_port_receives_what_was_queued_for_it(app: &App) {
    // The client id no longer depends on the port: the broker's queue for this server's
    // session reaches it after a restart on another port.
    let Some(broker) = Broker::start() else { return };
    let url = app.db.as_ref().unwrap().url.clone();
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let (id, serial, token) = device(app, &county, park, "people_counter", &format!("PQ-{park}")).await;
    let mqtt = format!("mqtt://127.0.0.1:{}", broker.port);
    let (mut first, base) = serve(&url, &["--mqtt-url", &mqtt]);
    wait_up(&base).await;
    let (client, acked, pump) = device_session(broker.port, &format!("device-q-{park}"));
    let topic = format!("weiyuan/telemetry/{serial}");
    let t0 = now_ms() - 86_400_000;
    let mut through = false;
    for _ in 0..100 {
        let probe = json!({"token": token, "readings": [{"metric": "people_out", "ts": t0 - 1000, "value": 0}]});
        client.publish(&topic, rumqttc::QoS::AtLeastOnce, false, probe.to_string()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !app.store.readings(id, "people_out", 0, i64::MAX).await.unwrap().is_empty() {
            through = true;
            break;
        }
    }
    assert!(through, "the first server subscribed");
    // The server stops; the devices go on publishing, and the broker queues for its session.
    first.kill().ok();
    first.wait().ok();
    let before = acked.load(std::sync::atomic::Ordering::SeqCst);
    let messages = 50;
    for i in 0..messages {
        let body = json!({"token": token, "readings": [{"metric": "people_in", "ts": t0 + i * 1000, "value": 1}]});
        client.publish(&topic, rumqttc::QoS::AtLeastOnce, false, body.to_string()).await.unwrap();
    }
    for _ in 0..100 {
        if acked.load(std::sync::atomic::Ordering::SeqCst) >= before + messages as usize {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.store.readings(id, "people_in", 0, i64::MAX).await.unwrap().len(), 0, "nobody took them yet");
    // Started again, on another port: it gets every queued message.
    let (mut second, base2) = serve(&url, &["--mqtt-url", &mqtt]);
    assert_ne!(base, base2);
    wait_up(&base2).await;
    let mut stored = 0;
    for _ in 0..200 {
        stored = app.store.readings(id, "people_in", 0, i64::MAX).await.unwrap().len();
        if stored == messages as usize {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, messages as usize, "the messages queued while the server was down");
    pump.abort();
    second.kill().ok();
    second.wait().ok();
}
