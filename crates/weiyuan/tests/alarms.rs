//! Alarms on hand-made streams, on both backends: rules raise, extend and clear; a batch sent
//! again changes nothing; no-data alarms come from the timer and clear when the device reports;
//! an alarm nobody acknowledges goes to the township, then the county, in the app and by webhook
//! (Weiyuan JSON, DingTalk, WeCom), received here by a real HTTP server.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};

/// Post readings of one device and metric: (ts, value).
async fn send(app: &App, serial: &str, token: &str, metric: &str, points: &[(i64, Value)]) -> Value {
    let readings: Vec<Value> =
        points.iter().map(|(ts, v)| json!({"device": serial, "metric": metric, "ts": ts, "value": v})).collect();
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/telemetry"))
        .json(&json!({"token": token, "readings": readings}))
        .send()
        .await
        .unwrap();
    let (s, o) = json_of(r).await;
    assert_eq!(s, 200, "{o}");
    o
}

async fn alarms_of(app: &App, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = json_of(app.get(token, &format!("/api/v1/alarms?{query}")).await).await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

fn of_rule<'a>(alarms: &'a [Value], rule: &str, device: i64) -> Vec<&'a Value> {
    alarms.iter().filter(|a| a["rule"] == rule && a["device_id"] == device).collect()
}

both!(rules_raise_extend_and_clear_on_a_hand_made_stream);
async fn rules_raise_extend_and_clear_on_a_hand_made_stream(app: &App) {
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let env_serial = format!("ENV-A-{park}");
    let (env, env_token) = app.device(&county, park, "environment_sensor", &env_serial).await;
    let m = 60_000;
    let t0 = (weiyuan_store::now_ms() - 3_600_000) / m * m;
    // The county's default rule: PM2.5 above 75 µg/m³ is a warning.
    let stream = [(t0, json!(40)), (t0 + m, json!(80)), (t0 + 2 * m, json!(120)), (t0 + 3 * m, json!(90))];
    send(app, &env_serial, &env_token, "pm25", &stream).await;
    let all = alarms_of(app, &county, &format!("park_id={park}&state=all")).await;
    let pm = of_rule(&all, "PM2.5 超标", env);
    assert_eq!(pm.len(), 1, "one alarm for one breach: {all:?}");
    let a = pm[0];
    assert_eq!(
        (a["state"].as_str(), a["severity"].as_str(), a["level"].as_str()),
        (Some("raised"), Some("warning"), Some("park"))
    );
    assert_eq!((a["first_ts"].as_i64(), a["first_value"].as_f64()), (Some(t0 + m), Some(80.0)));
    assert_eq!(
        (a["readings"].as_i64(), a["peak_value"].as_f64(), a["last_value"].as_f64()),
        (Some(3), Some(120.0), Some(90.0))
    );
    // The same batch again (a device that did not hear the answer): nothing changes.
    send(app, &env_serial, &env_token, "pm25", &stream).await;
    let again = alarms_of(app, &county, &format!("park_id={park}&state=all")).await;
    assert_eq!(of_rule(&again, "PM2.5 超标", env), pm, "no duplicate, no count twice");
    // Back under the limit: the alarm clears by itself, at that reading.
    send(app, &env_serial, &env_token, "pm25", &[(t0 + 4 * m, json!(60))]).await;
    let id = a["id"].as_i64().unwrap();
    // The alarm's page gives every value and the limit in the metric's unit.
    let (page, _) = app.browser("county").await;
    let html = page.get(app.url(&format!("/alarms/{id}"))).send().await.unwrap().text().await.unwrap();
    for shown in ["80 μg/m³", "120 μg/m³", "75 μg/m³"] {
        assert!(html.contains(shown), "{shown} on the alarm's page");
    }
    let (_, d) = json_of(app.get(&county, &format!("/api/v1/alarms/{id}")).await).await;
    assert_eq!(
        (d["state"].as_str(), d["cleared_ts"].as_i64(), d["cleared_by"].as_str()),
        (Some("cleared"), Some(t0 + 4 * m), None)
    );
    let events: Vec<&str> = d["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["raised", "cleared"]);
    // The old breach sent once more raises nothing: it lies inside the cleared alarm.
    send(app, &env_serial, &env_token, "pm25", &stream).await;
    assert_eq!(
        of_rule(&alarms_of(app, &county, &format!("park_id={park}&state=all")).await, "PM2.5 超标", env).len(),
        1
    );
    assert!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "PM2.5 超标", env).is_empty());
    // A new breach is a new alarm.
    send(app, &env_serial, &env_token, "pm25", &[(t0 + 5 * m, json!(76))]).await;
    assert_eq!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "PM2.5 超标", env).len(), 1);
    // The county switches the rule off: its open alarm can no longer clear by itself, so it ends
    // now, in the county's name, and the rule raises nothing more.
    let (_, rules) = json_of(app.get(&county, "/api/v1/alarm-rules").await).await;
    let pm_rule = rules.as_array().unwrap().iter().find(|r| r["name"] == "PM2.5 超标").unwrap()["id"].as_i64().unwrap();
    let off = json!({"name": "PM2.5 超标", "scope": "kind", "kind": "environment_sensor", "metric": "pm25",
                     "condition": "above", "figure": 75, "severity": "warning", "inactive": "true"});
    let (s, _) = json_of(app.send(&county, "PUT", &format!("/api/v1/alarm-rules/{pm_rule}"), off).await).await;
    assert_eq!(s, 200);
    let all = alarms_of(app, &county, &format!("park_id={park}&state=all")).await;
    let last = of_rule(&all, "PM2.5 超标", env)[0];
    assert_eq!((last["state"].as_str(), last["cleared_by"].as_str()), (Some("cleared"), Some("county")));
    send(app, &env_serial, &env_token, "pm25", &[(t0 + 6 * m, json!(300))]).await;
    assert!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "PM2.5 超标", env).is_empty());

    // An event input: a fire panel's alarm is critical and clears when the input goes off.
    let fire_serial = format!("FP-A-{park}");
    let (fire, fire_token) = app.device(&county, park, "fire_panel", &fire_serial).await;
    send(app, &fire_serial, &fire_token, "fire_alarm", &[(t0, json!(false)), (t0 + m, json!(true))]).await;
    let open = alarms_of(app, &county, &format!("park_id={park}&severity=critical")).await;
    assert_eq!(of_rule(&open, "火灾报警", fire).len(), 1, "{open:?}");
    send(app, &fire_serial, &fire_token, "fire_alarm", &[(t0 + 2 * m, json!(false))]).await;
    assert!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "火灾报警", fire).is_empty());

    // A park's own rule on the rate of change of a water meter's flow.
    let water_serial = format!("WM-A-{park}");
    let (water, water_token) = app.device(&county, park, "water_meter", &water_serial).await;
    let (s, r) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "用水突增", "scope": "kind", "kind": "water_meter", "park_id": park, "metric": "flow_m3h",
                   "condition": "rate", "figure": 5, "severity": "info"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["escalate_minutes"], 0, "info never escalates by default");
    // 3 a minute, then 17 a minute (raised), then 1 a minute (cleared).
    send(app, &water_serial, &water_token, "flow_m3h", &[(t0, json!(100)), (t0 + m, json!(103))]).await;
    assert!(
        of_rule(&alarms_of(app, &county, &format!("park_id={park}&state=all")).await, "用水突增", water).is_empty()
    );
    send(app, &water_serial, &water_token, "flow_m3h", &[(t0 + 2 * m, json!(120))]).await;
    let raised = alarms_of(app, &county, &format!("park_id={park}")).await;
    assert_eq!(of_rule(&raised, "用水突增", water)[0]["first_value"], 120.0, "compared with the stored reading before");
    send(app, &water_serial, &water_token, "flow_m3h", &[(t0 + 3 * m, json!(121))]).await;
    assert!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "用水突增", water).is_empty());

    // A rule switched off raises nothing.
    let rule_id = r["id"].as_i64().unwrap();
    let off = json!({"name": "用水突增", "scope": "kind", "kind": "water_meter", "park_id": park, "metric": "flow_m3h",
                     "condition": "rate", "figure": 5, "severity": "info", "inactive": "true"});
    let (s, o) = json_of(app.send(&county, "PUT", &format!("/api/v1/alarm-rules/{rule_id}"), off).await).await;
    assert_eq!((s, o["active"].as_bool()), (200, Some(false)), "{o}");
    send(app, &water_serial, &water_token, "flow_m3h", &[(t0 + 4 * m, json!(300))]).await;
    assert!(of_rule(&alarms_of(app, &county, &format!("park_id={park}")).await, "用水突增", water).is_empty());

    // Bad rules are refused field by field, and nothing is stored.
    let before = alarms_of(app, &county, "").await.len();
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "x", "scope": "kind", "kind": "water_meter", "metric": "temperature", "condition": "above",
                   "figure": "高", "severity": "urgent"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["metric", "figure", "severity"]);
    // A park that does not exist is named at its field, not a server error.
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "x", "scope": "kind", "kind": "water_meter", "park_id": 999_999, "metric": "flow_m3h",
                   "condition": "above", "figure": 1, "severity": "info"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("park_id")), "{e}");
    assert_eq!(alarms_of(app, &county, "").await.len(), before);
}

async fn unread(app: &App, token: &str) -> i64 {
    let (_, n) = json_of(app.get(token, "/api/v1/notifications").await).await;
    n["unread"].as_i64().unwrap()
}

both!(an_unacknowledged_alarm_goes_to_the_township_then_the_county);
async fn an_unacknowledged_alarm_goes_to_the_township_then_the_county(app: &App) {
    let county = app.token("county").await;
    let operator = app.token("wanyang").await;
    let township = app.token("binhai").await;
    let other_township = app.token("xiaojiang").await;
    let enterprise = app.token("enterprise").await;
    let park = app.park_id(weiyuan::demo::DEMO_PARK_CODE).await;
    let (hooks, got) = common::webhook_receiver().await;
    for (who, name, format) in
        [(&operator, "park", "json"), (&township, "township", "dingtalk"), (&county, "county", "wecom")]
    {
        let body = json!({"name": name, "url": format!("{hooks}/{name}"), "format": format, "min_severity": "warning"});
        let (s, w) = json_of(app.send(who, "POST", "/api/v1/webhooks", body).await).await;
        assert_eq!(s, 201, "{w}");
    }
    let (s, _) = json_of(
        app.send(&operator, "POST", "/api/v1/webhooks", json!({"name": "坏的", "url": format!("{hooks}/broken")}))
            .await,
    )
    .await;
    assert_eq!(s, 201);
    let (s, e) =
        json_of(app.send(&operator, "POST", "/api/v1/webhooks", json!({"name": "x", "url": "ftp://x"})).await).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("url")));
    // Nothing inside the network, in any spelling, and no credentials (127.0.0.1 itself is on
    // this test server's allow-list, for the receiver above).
    let hooks_before = app.store.webhooks().await.unwrap().len();
    for (url, code) in [
        ("http://localhost:5432/", "error.webhook_inside"),
        ("http://[::1]:5432/", "error.webhook_inside"),
        ("http://127.0.0.2:5432/", "error.webhook_inside"),
        ("http://10.1.2.3/hook", "error.webhook_inside"),
        ("http://169.254.169.254/latest/meta-data/", "error.webhook_inside"),
        ("http://[::ffff:a9fe:a9fe]/", "error.webhook_inside"),
        ("https://u:p@oapi.dingtalk.com/robot/send", "error.webhook_credentials"),
    ] {
        let (s, e) =
            json_of(app.send(&operator, "POST", "/api/v1/webhooks", json!({"name": "内网", "url": url})).await).await;
        assert_eq!((s, e["error"]["fields"][0]["code"].as_str()), (422, Some(code)), "{url}: {e}");
    }
    assert_eq!(app.store.webhooks().await.unwrap().len(), hooks_before, "none was stored");

    let (gate, gate_token) = app.device(&operator, park, "vehicle_gate", "GATE-ESC-1").await;
    let (s, r) = json_of(
        app.send(
            &operator,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "道闸离线", "scope": "device", "device": "GATE-ESC-1", "condition": "no_data", "figure": 10,
                   "severity": "critical", "escalate_minutes": 5}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    // An operator may not make a rule for every park, nor for another park.
    let (s, _) = json_of(
        app.send(
            &operator,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "x", "scope": "kind", "kind": "fire_panel", "metric": "fault", "condition": "event", "severity": "info"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422, "a park is required");
    let other = app.park_id("PY01").await;
    let (s, _) = json_of(
        app.send(
            &operator,
            "POST",
            "/api/v1/alarm-rules",
            json!({"name": "x", "scope": "kind", "kind": "fire_panel", "park_id": other, "metric": "fault", "condition": "event", "severity": "info"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);

    let now = weiyuan_store::now_ms();
    let m = 60_000;
    let base_unread = (unread(app, &operator).await, unread(app, &township).await, unread(app, &county).await);
    let tick = |at: i64| weiyuan_server::alarms::tick(&app.store, at);
    let early = tick(now + 9 * m).await.unwrap();
    assert_eq!(early.raised, 0, "registered 9 minutes ago: not yet silent: {:?}", alarms_of(app, &county, "").await);
    assert_eq!(tick(now + 11 * m).await.unwrap().raised, 1);
    assert_eq!(tick(now + 11 * m).await.unwrap().raised, 0, "an open alarm is not raised twice");
    let open = alarms_of(app, &operator, "").await;
    let mine = of_rule(&open, "道闸离线", gate);
    assert_eq!(mine.len(), 1);
    let id = mine[0]["id"].as_i64().unwrap();
    assert_eq!(unread(app, &operator).await, base_unread.0 + 1, "the operator is told first");
    assert_eq!(
        unread(app, &township).await,
        base_unread.1,
        "{:?}",
        json_of(app.get(&township, "/api/v1/notifications").await).await
    );

    // Five minutes at the park level without acknowledgement: the township; five more: the county.
    let wall = now + 11 * m;
    assert_eq!(tick(wall + 4 * m).await.unwrap().escalated, 0);
    assert_eq!(tick(wall + 5 * m + 1000).await.unwrap().escalated, 1);
    assert_eq!(tick(wall + 5 * m + 2000).await.unwrap().escalated, 0, "not twice");
    assert_eq!(unread(app, &township).await, base_unread.1 + 1);
    assert_eq!(unread(app, &county).await, base_unread.2);
    assert_eq!(tick(wall + 11 * m).await.unwrap().escalated, 1);
    assert_eq!(unread(app, &county).await, base_unread.2 + 1);
    assert_eq!(tick(wall + 60 * m).await.unwrap().escalated, 0, "the county is the last level");

    // Scope: another township, an enterprise see nothing of it.
    assert_eq!(app.get(&other_township, &format!("/api/v1/alarms/{id}")).await.status(), 404);
    assert_eq!(app.get(&enterprise, "/api/v1/alarms").await.status(), 403);

    // The webhooks: the park's hears the raise, the township's and the county's the escalations,
    // each in its own format; the broken one keeps its delivery for later.
    let client = weiyuan_server::alarms::destinations::Destinations::new(vec!["127.0.0.1".into()]);
    let delivered = weiyuan_server::alarms::deliver(&app.store, &client, weiyuan_store::now_ms()).await.unwrap();
    assert_eq!(delivered, 3);
    {
        let got = got.lock().unwrap();
        let park_hook: Vec<&Value> = got.iter().filter(|(n, _)| n == "park").map(|(_, b)| b).collect();
        assert_eq!(park_hook.len(), 1);
        assert_eq!((park_hook[0]["event"].as_str(), park_hook[0]["alarm"]["id"].as_i64()), (Some("raised"), Some(id)));
        assert_eq!(park_hook[0]["alarm"]["severity"], "critical");
        assert_eq!(park_hook[0]["alarm"]["device"]["serial"], "GATE-ESC-1");
        let ding = &got.iter().find(|(n, _)| n == "township").unwrap().1;
        assert_eq!(ding["msgtype"], "markdown");
        assert!(ding["markdown"]["text"].as_str().unwrap().contains("道闸离线"), "{ding}");
        assert!(ding["markdown"]["title"].as_str().unwrap().contains("严重"), "{ding}");
        let wecom = &got.iter().find(|(n, _)| n == "county").unwrap().1;
        assert!(wecom["markdown"]["content"].as_str().unwrap().contains("升级"), "{wecom}");
    }
    let (_, hooks_now) = json_of(app.get(&operator, "/api/v1/webhooks").await).await;
    let broken = hooks_now.as_array().unwrap().iter().find(|h| h["name"] == "坏的").unwrap().clone();
    assert_eq!((broken["pending"].as_i64(), broken["last_error"].as_str()), (Some(1), Some("HTTP 500")));
    assert_eq!(hooks_now.as_array().unwrap().len(), 2, "an operator sees its park's webhooks only");

    // Acknowledged by the county with a comment: no more escalation, and the history says who.
    let (s, e) =
        json_of(app.send(&county, "POST", &format!("/api/v1/alarms/{id}/clear"), json!({"comment": " "})).await).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("comment")), "a reason is required");
    let (s, a) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/alarms/{id}/acknowledge"),
            json!({"comment": "已通知园区电工检修"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, a["state"].as_str(), a["acknowledged_by"].as_str()),
        (200, Some("acknowledged"), Some("county")),
        "{a}"
    );
    let (s, _) =
        json_of(app.send(&operator, "POST", &format!("/api/v1/alarms/{id}/acknowledge"), json!({})).await).await;
    assert_eq!(s, 409, "acknowledged once: a second acknowledgement is stale");
    // The gate reports again: the no-data alarm clears by itself.
    let ts = weiyuan_store::now_ms();
    let reading = json!({"token": gate_token, "readings": [{"device": "GATE-ESC-1", "metric": "vehicles_in", "ts": ts, "value": 3}]});
    let r = reqwest::Client::new().post(app.url("/api/v1/telemetry")).json(&reading).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = json_of(app.get(&county, &format!("/api/v1/alarms/{id}")).await).await;
    let events: Vec<(&str, &str)> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("raised", "park"),
            ("escalated", "township"),
            ("escalated", "county"),
            ("acknowledged", "county"),
            ("cleared", "county")
        ]
    );
    assert_eq!(d["events"][3]["comment"], "已通知园区电工检修");
    assert_eq!(d["state"], "cleared");
    // The acknowledgement and the clearing reach every level that was told.
    let delivered = weiyuan_server::alarms::deliver(&app.store, &client, weiyuan_store::now_ms()).await.unwrap();
    assert_eq!(delivered, 6);
    // Acting on a cleared alarm is refused with a reason.
    let (s, e) =
        json_of(app.send(&county, "POST", &format!("/api/v1/alarms/{id}/clear"), json!({"comment": "重复"})).await)
            .await;
    assert_eq!((s, e["error"]["fields"][0]["code"].as_str()), (409, Some("error.alarm_closed")));
    // The township reads its notifications.
    let (_, n) = json_of(app.get(&township, "/api/v1/notifications").await).await;
    assert!(n["items"].as_array().unwrap().iter().any(|i| i["alarm_id"] == id && i["event"] == "escalated"));
    let (s, _) = json_of(app.send(&township, "POST", "/api/v1/notifications/read", json!({})).await).await;
    assert_eq!(s, 200);
    assert_eq!(unread(app, &township).await, 0);
}

/// The JSON in a page's `data-curves` attribute.
fn curves_of(html: &str) -> Value {
    let Some(at) = html.split("data-curves=\"").nth(1) else { return Value::Null };
    let raw = &at[..at.find('"').unwrap()];
    serde_json::from_str(&raw.replace("&#34;", "\"").replace("&#39;", "'").replace("&#38;", "&")).unwrap()
}

both!(a_parks_live_page_draws_each_hour_against_yesterday_and_every_highlighted_limit_raises);
async fn a_parks_live_page_draws_each_hour_against_yesterday_and_every_highlighted_limit_raises(app: &App) {
    use weiyuan_domain::telemetry::Bucket;
    let county = app.token("county").await;
    let (park, _, _) = app.park_with(&county, &[], &[]).await;
    let (page, _) = app.browser("county").await;
    let live = || {
        let page = page.clone();
        async move {
            let r = page.get(app.url(&format!("/parks/{park}/monitoring"))).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    // No device yet: dashes, not zeros, and no curves.
    let html = live().await;
    let people = html.split("data-key=\"people\"").nth(1).unwrap();
    assert!(people[..people.find("</div></div>").unwrap()].contains("<div class=\"big\">—"), "{people:.300}");
    assert!(html.contains("id=\"no-curves\""));
    // Readings in the first minutes of today and of yesterday (wait out the day's first minutes,
    // so that today's readings are never in the future).
    while weiyuan_store::now_ms() - Bucket::Day.start(weiyuan_store::now_ms()) < 5 * 60_000 {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    let today = Bucket::Day.start(weiyuan_store::now_ms());
    let (m, yesterday) = (60_000, today - 86_400_000);
    let (_, meter) = app.device(&county, park, "electricity_meter", &format!("EM-C-{park}")).await;
    let (_, gate) = app.device(&county, park, "people_counter", &format!("PC-C-{park}")).await;
    let (_, env) = app.device(&county, park, "environment_sensor", &format!("ENV-C-{park}")).await;
    let energy = [
        (yesterday + m, json!(100)),
        (yesterday + 2 * m, json!(110)),
        (today + m, json!(120)),
        (today + 2 * m, json!(150)),
    ];
    send(app, &format!("EM-C-{park}"), &meter, "energy_kwh", &energy).await;
    send(app, &format!("PC-C-{park}"), &gate, "people_in", &[(today + m, json!(5)), (today + 2 * m, json!(7))]).await;
    send(app, &format!("ENV-C-{park}"), &env, "pm10", &[(today + m, json!(251.96))]).await;
    let c = curves_of(&live().await);
    let of =
        |metric: &str| c.as_array().unwrap().iter().find(|x| x["metric"] == metric).cloned().unwrap_or(Value::Null);
    // Electricity: 30 kWh in today's first hour against 10 yesterday; people 12; PM10 against 150.
    assert_eq!(
        (&of("energy_kwh")["series"][0]["data"][0], &of("energy_kwh")["series"][1]["data"][0]),
        (&json!(30.0), &json!(10.0))
    );
    assert_eq!(of("people_in")["series"][0]["data"][0], json!(12.0));
    assert_eq!((&of("pm10")["series"][0]["data"][0], &of("pm10")["limit"]), (&json!(251.96), &json!(150.0)));
    // PM10 over its limit is an alarm, not only a red cell.
    let alarms = alarms_of(app, &county, &format!("park_id={park}")).await;
    assert!(alarms.iter().any(|a| a["rule"] == "PM10 超标"), "{alarms:?}");
}
