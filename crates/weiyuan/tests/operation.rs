//! Enterprise operation monitoring on hand-made meter streams and a synthetic clock, on both
//! backends: each day's status against the enterprise's weekday baseline, the operating rate, a
//! stop raised once after three stopped working days (weekends neither count nor break it),
//! told to the township through the alarms' notifications, explained by the township with a
//! reason, cleared when the enterprise runs again; scopes (an enterprise sees only itself, a
//! township only its parks).

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::operation::{day_start, parse_day};

const HOUR: i64 = 3_600_000;

fn day(text: &str) -> i64 {
    parse_day(text).unwrap()
}

/// Send register readings of one meter: (ts, value).
async fn send(app: &App, serial: &str, token: &str, points: &[(i64, f64)]) {
    send_metric(app, serial, token, "energy_kwh", points).await
}

/// Send readings of one device and metric: (ts, value).
async fn send_metric(app: &App, serial: &str, token: &str, metric: &str, points: &[(i64, f64)]) {
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
}

/// A meter's register at noon of each day from `from` to `to`, using `use_on(day)` kWh a day.
fn stream(from: i64, to: i64, start: f64, use_on: impl Fn(i64) -> f64) -> (Vec<(i64, f64)>, f64) {
    let mut register = start;
    let mut out = Vec::new();
    for d in from..=to {
        register += use_on(d);
        out.push((day_start(d) + 12 * HOUR, register));
    }
    (out, register)
}

/// The usual use of a working day (1,000 kWh) and of a weekend day (100 kWh).
fn usual(d: i64) -> f64 {
    if weiyuan_domain::operation::weekday(d) < 5 { 1000.0 } else { 100.0 }
}

async fn check_at(app: &App, day_text: &str) -> weiyuan_server::operation::CheckRun {
    // In the small hours of that day, after the grace for late readings: the day before is checked.
    weiyuan_server::operation::check_due(&app.store, day_start(day(day_text)) + 3 * HOUR).await.unwrap()
}

async fn statuses(app: &App, token: &str, park: i64, day: &str) -> Vec<(i64, String, i64)> {
    let (s, v) =
        json_of(app.get(token, &format!("/api/v1/operation/enterprises?park_id={park}&day={day}&size=500")).await)
            .await;
    assert_eq!(s, 200, "{v}");
    let mut out: Vec<(i64, String, i64)> = v["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["enterprise_id"].as_i64().unwrap(),
                e["status"].as_str().unwrap().to_string(),
                e["streak"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

both!(statuses_stops_and_scopes_on_a_synthetic_clock);
async fn statuses_stops_and_scopes_on_a_synthetic_clock(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let (park, _, ents) = app.park_with(&county, &[], &["C3311", "C3311", "C3311", "C3311"]).await;
    let (a, b, c, d) = (ents[0], ents[1], ents[2], ents[3]);
    let mut meters = Vec::new();
    for (i, e) in [a, b, c].iter().enumerate() {
        let serial = format!("OP-{park}-{i}");
        let (s, v) = json_of(
            app.send(
                &county,
                "POST",
                &format!("/api/v1/parks/{park}/devices"),
                json!({"kind": "electricity_meter", "serial": serial, "name": "总表", "enterprise_id": e}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{v}");
        meters.push((serial, v["token"].as_str().unwrap().to_string()));
    }
    // Four weeks of the usual pattern (12 Oct to 8 Nov 2026, after the National Day holiday).
    let (from, to) = (day("2026-10-12"), day("2026-11-08"));
    let mut registers = Vec::new();
    for (serial, token) in &meters {
        let (points, last) = stream(from, to, 5_000.0, usual);
        send(app, serial, token, &points).await;
        registers.push(last);
    }
    // The week of 9 November: A runs as usual; B at 30 % on Monday (not under 30 %: running),
    // 20 % from Tuesday (reduced); C stops from Monday and stays stopped over the weekend.
    let week = (day("2026-11-09"), day("2026-11-15"));
    let plans: [Box<dyn Fn(i64) -> f64>; 3] =
        [Box::new(usual), Box::new(move |d| if d == week.0 { 300.0 } else { usual(d) * 0.2 }), Box::new(|_| 0.0)];
    for (i, (serial, token)) in meters.iter().enumerate() {
        let (points, last) = stream(week.0, week.1, registers[i], &plans[i]);
        send(app, serial, token, &points).await;
        registers[i] = last;
    }

    // Nothing checked yet: the pages say so instead of showing zeros.
    let (s, o) = json_of(app.get(&county, "/api/v1/operation").await).await;
    assert_eq!((s, o["day"].is_null()), (200, true), "{o}");

    // The first check (on the morning of 10 Nov) covers the weeks before it, in order.
    let run = check_at(app, "2026-11-10").await;
    assert_eq!(run.days as i64, weiyuan_server::operation::FIRST_CHECK_DAYS);
    let monday = statuses(app, &county, park, "2026-11-09").await;
    assert_eq!(
        monday,
        vec![(a, "running".into(), 0), (b, "running".into(), 0), (c, "stopped".into(), 1), (d, "no_meter".into(), 0)],
        "B's 30 % of its baseline is not under 30 %"
    );
    let (_, e) = json_of(app.get(&county, &format!("/api/v1/operation/enterprises/{b}?day=2026-11-09")).await).await;
    let decision = &e["decision"];
    assert_eq!((decision["baseline_kwh"].as_f64(), decision["share_pct"].as_f64()), (Some(1000.0), Some(30.0)), "{e}");
    assert_eq!(decision["checks"][0]["rule"], "operation.running");

    // Tuesday: C's second stopped working day; no notice yet.
    check_at(app, "2026-11-11").await;
    let tuesday = statuses(app, &county, park, "2026-11-10").await;
    assert_eq!(tuesday[1], (b, "reduced".into(), 0));
    assert_eq!(tuesday[2], (c, "stopped".into(), 2));
    let (_, stops) = json_of(app.get(&county, &format!("/api/v1/operation/stops?park_id={park}")).await).await;
    assert_eq!(stops["total"], 0, "{stops}");

    // Wednesday: the third stopped working day raises one notice, at the township's level.
    let run = check_at(app, "2026-11-12").await;
    assert_eq!(run.raised, 1);
    let (_, stops) = json_of(app.get(&township, &format!("/api/v1/operation/stops?park_id={park}")).await).await;
    assert_eq!(stops["total"], 1, "{stops}");
    let stop = &stops["stops"][0];
    assert_eq!((stop["enterprise_id"].as_i64(), stop["first_day"].as_i64()), (Some(c), Some(day("2026-11-09"))));
    let alarm = stop["alarm_id"].as_i64().expect("the stop is an alarm");
    let (_, al) = json_of(app.get(&county, &format!("/api/v1/alarms/{alarm}")).await).await;
    assert_eq!(
        (al["level"].as_str(), al["state"].as_str(), al["rule"].as_str()),
        (Some("township"), Some("raised"), Some("企业停产"))
    );
    let (_, notes) = json_of(app.get(&township, "/api/v1/notifications").await).await;
    assert!(
        notes["items"].as_array().unwrap().iter().any(|n| n["alarm_id"].as_i64() == Some(alarm)),
        "the township is told: {notes}"
    );
    let binhai = app.token("binhai").await;
    let (_, theirs) = json_of(app.get(&binhai, "/api/v1/notifications").await).await;
    assert!(!theirs["items"].as_array().unwrap().iter().any(|n| n["alarm_id"].as_i64() == Some(alarm)), "{theirs}");

    // The rate of that day: A running, B reduced, C stopped (D has no meter): 2 of 3.
    let (_, o) = json_of(app.get(&county, &format!("/api/v1/operation?park_id={park}&day=2026-11-11")).await).await;
    assert_eq!(
        (
            o["rate"]["running"].as_i64(),
            o["rate"]["reduced"].as_i64(),
            o["rate"]["stopped"].as_i64(),
            o["rate"]["no_meter"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1))
    );
    assert_eq!(o["rate"]["rate_pct"].as_f64(), Some(66.67));
    assert_eq!(o["trend"].as_array().unwrap().len(), 90);
    assert_eq!(o["stopped_long"], 1, "{o}");

    // Checking a period again (the county, after a change of settings) that starts before the
    // stop, when C was running, neither clears it nor raises it twice.
    let body = json!({"from": "2026-11-05", "to": "2026-11-11"});
    let (s, r) = json_of(app.send(&county, "POST", "/api/v1/operation/check", body).await).await;
    assert_eq!((s, r["raised"].as_i64(), r["cleared"].as_i64()), (200, Some(0), Some(0)), "{r}");
    let (_, again) = json_of(app.get(&county, &format!("/api/v1/operation/stops?park_id={park}")).await).await;
    assert_eq!((again["total"].as_i64(), again["stops"][0]["alarm_id"].as_i64()), (Some(1), Some(alarm)), "{again}");
    assert_eq!(again["stops"][0]["first_day"].as_i64(), Some(day("2026-11-09")));
    // Through the weekend: the streak stays at five working days and there is still one notice.
    check_at(app, "2026-11-16").await;
    let sunday = statuses(app, &county, park, "2026-11-15").await;
    assert_eq!(sunday[2], (c, "stopped".into(), 5), "the weekend neither counts nor breaks it");
    let (_, stops) = json_of(app.get(&county, &format!("/api/v1/operation/stops?park_id={park}&show=all")).await).await;
    assert_eq!(stops["total"], 1);
    let stop_id = stops["stops"][0]["id"].as_i64().unwrap();

    // Explaining: another township cannot see it; a bad reason is refused by field; the
    // township's reason acknowledges the alarm.
    let path = format!("/api/v1/operation/stops/{stop_id}/explain");
    let (s, _) = json_of(app.send(&binhai, "POST", &path, json!({"reason": "moving", "comment": "x"})).await).await;
    assert_eq!(s, 404);
    let (s, e) = json_of(app.send(&township, "POST", &path, json!({"reason": "party", "comment": "x"})).await).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("reason")), "{e}");
    let (s, e) =
        json_of(app.send(&township, "POST", &path, json!({"reason": "renovation", "comment": "车间改造两周"})).await)
            .await;
    assert_eq!(
        (s, e["reason"].as_str(), e["explained_by"].as_str()),
        (200, Some("renovation"), Some("xiaojiang")),
        "{e}"
    );
    let (_, al) = json_of(app.get(&county, &format!("/api/v1/alarms/{alarm}")).await).await;
    assert_eq!(al["state"], "acknowledged");

    // The stop feeds the exit warning (C is due for the exit test and has no figures: only the
    // stop warns).
    let (_, exits) = json_of(app.get(&county, "/api/v1/exits").await).await;
    let row = |id: i64| {
        exits.as_array().unwrap().iter().find(|r| r["enterprise"]["id"].as_i64() == Some(id)).cloned().unwrap()
    };
    assert_eq!((row(c)["warning"].as_bool(), row(c)["stopped_since"].as_str()), (Some(true), Some("2026-11-09")));
    assert_eq!((row(a)["warning"].as_bool(), row(a)["stopped_since"].as_str()), (Some(false), None));

    // C runs again on Monday 16 Nov: the notice and its alarm clear.
    let (points, _) = stream(day("2026-11-16"), day("2026-11-16"), registers[2], usual);
    send(app, &meters[2].0, &meters[2].1, &points).await;
    let run = check_at(app, "2026-11-17").await;
    assert_eq!((run.raised, run.cleared), (0, 1));
    let (_, s) = json_of(app.get(&county, &format!("/api/v1/operation/stops?park_id={park}")).await).await;
    assert_eq!(s["total"], 0, "no open stop: {s}");
    let (_, al) = json_of(app.get(&county, &format!("/api/v1/alarms/{alarm}")).await).await;
    assert_eq!(al["state"], "cleared");
    assert_eq!(statuses(app, &county, park, "2026-11-16").await[2], (c, "running".into(), 0));

    // Metered against reported: with one month to disagree, A's October report (far under its
    // meters) is listed, B's (its meters' figure) is not.
    let (_, got) = json_of(app.get(&county, "/api/v1/operation/settings").await).await;
    let join = |v: &Value| v.as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    let (s, v) = json_of(
        app.send(&county, "PUT", "/api/v1/operation/settings", json!({"reduced_below_pct": 30, "stopped_below_pct": 5,
            "baseline_weeks": 4, "stopped_days": 3, "mismatch_months": 1, "holidays": join(&got["holidays"]), "workdays": join(&got["workdays"])}))
        .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, eb) = json_of(app.get(&county, &format!("/api/v1/operation/enterprises/{b}")).await).await;
    let october = eb["months"].as_array().unwrap().iter().find(|m| m["month"] == "2026-10").unwrap()["metered_kwh"]
        .as_f64()
        .unwrap();
    assert!(october > 10_000.0, "{eb}");
    for (e, kwh) in [(a, 5000.0), (b, october)] {
        let (s, v) = json_of(
            app.send(&county, "POST", &format!("/api/v1/enterprises/{e}/reports"),
                json!({"month": "2026-10", "output": "120", "revenue": "95", "tax": "4.2", "electricity": kwh.to_string(), "employees": "18"}))
            .await,
        )
        .await;
        assert!(s == 200 || s == 201, "{v}");
    }
    let (s, m) =
        json_of(app.get(&township, &format!("/api/v1/operation/mismatches?park_id={park}&day=2026-11-16")).await).await;
    assert_eq!(s, 200, "{m}");
    let listed: Vec<i64> =
        m["enterprises"].as_array().unwrap().iter().map(|e| e["enterprise_id"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![a], "{m}");

    // Scopes: the park's township sees it; another township does not; an enterprise sees only
    // itself and no overview.
    let (s, _) = json_of(app.get(&binhai, &format!("/api/v1/operation?park_id={park}")).await).await;
    assert_eq!(s, 404);
    let (s, _) = json_of(app.get(&binhai, &format!("/api/v1/operation/enterprises/{c}")).await).await;
    assert_eq!(s, 404);
    let (_, mine) = json_of(app.get(&binhai, "/api/v1/operation/enterprises?day=2026-11-11&size=500").await).await;
    assert!(!mine["enterprises"].as_array().unwrap().iter().any(|e| e["park_id"].as_i64() == Some(park)), "{mine}");
    let ent = app.token("enterprise").await;
    let (s, _) = json_of(app.get(&ent, "/api/v1/operation").await).await;
    assert_eq!(s, 403);
    let (s, _) = json_of(app.get(&ent, &format!("/api/v1/operation/enterprises/{c}")).await).await;
    assert_eq!(s, 404);
    let own = app.store.find_user("enterprise").await.unwrap().unwrap().enterprise_id.unwrap();
    let (s, v) = json_of(app.get(&ent, &format!("/api/v1/operation/enterprises/{own}")).await).await;
    assert_eq!(s, 200, "{v}");
}

both!(hours_settings_and_bad_input);
async fn hours_settings_and_bad_input(app: &App) {
    let county = app.token("county").await;
    let (park, _, ents) = app.park_with(&county, &[], &["C3311"]).await;
    let serial = format!("OP-H-{park}");
    let (s, v) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/devices"),
            json!({"kind": "electricity_meter", "serial": serial, "name": "总表", "enterprise_id": ents[0]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    // Three hours of one day: 10:00, 11:00 and 12:00.
    let start = day_start(day("2026-11-18"));
    send(app, &serial, &token, &[(start + 10 * HOUR, 100.0), (start + 11 * HOUR, 180.0), (start + 12 * HOUR, 300.0)])
        .await;
    // A water meter and a line counter bound too: water counted from its register, pieces summed.
    let enterprise = ents[0];
    let other = |kind: &'static str, i: usize| {
        let serial = format!("OP-{kind}-{park}-{i}");
        let county = county.clone();
        async move {
            let (s, v) = json_of(
                app.send(
                    &county,
                    "POST",
                    &format!("/api/v1/parks/{park}/devices"),
                    json!({"kind": kind, "serial": serial, "name": kind, "enterprise_id": enterprise}),
                )
                .await,
            )
            .await;
            assert_eq!(s, 201, "{v}");
            (serial, v["token"].as_str().unwrap().to_string())
        }
    };
    let (water, water_token) = other("water_meter", 0).await;
    let (line, line_token) = other("line_counter", 1).await;
    let prev = day_start(day("2026-11-17"));
    send_metric(
        app,
        &water,
        &water_token,
        "water_m3",
        &[(prev + 20 * HOUR, 50.0), (start + 9 * HOUR, 53.5), (start + 17 * HOUR, 58.0)],
    )
    .await;
    send_metric(app, &line, &line_token, "pieces", &[(start + 9 * HOUR, 40.0), (start + 10 * HOUR, 60.0)]).await;
    check_at(app, "2026-11-19").await;
    let (s, e) =
        json_of(app.get(&county, &format!("/api/v1/operation/enterprises/{}?day=2026-11-18", ents[0])).await).await;
    assert_eq!(s, 200, "{e}");
    let hours: Vec<(i64, f64)> = e["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["hour"].as_i64().unwrap(), h["use_kwh"].as_f64().unwrap()))
        .collect();
    assert_eq!(hours, vec![(10, 0.0), (11, 80.0), (12, 120.0)], "each hour from the hour before");
    assert_eq!(e["days"].as_array().unwrap().last().unwrap()["use_kwh"].as_f64(), Some(200.0));
    let others = e["others"].as_array().unwrap();
    let series = |metric: &str| others.iter().find(|o| o["metric"] == metric).unwrap()["days"].clone();
    assert_eq!(
        series("water_m3"),
        json!([["2026-11-17", 0.0], ["2026-11-18", 8.0]]),
        "from the day before's last reading"
    );
    assert_eq!(series("pieces"), json!([["2026-11-18", 100.0]]));

    // Settings: refused by field, in the user's language; a change is audited and used.
    let (s, e) = json_of(
        app.send(
            &county,
            "PUT",
            "/api/v1/operation/settings",
            json!({"reduced_below_pct": 20, "stopped_below_pct": 25,
            "baseline_weeks": 4, "stopped_days": 3, "mismatch_months": 3, "holidays": "2026-02-30", "workdays": ""}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["stopped_below_pct", "holidays"], "{e}");
    let before = app.audit_total().await;
    let (s, e) = json_of(
        app.send(&county, "PUT", "/api/v1/operation/settings", json!({"reduced_below_pct": 40, "stopped_below_pct": 10,
            "baseline_weeks": 2, "stopped_days": 5, "mismatch_months": 2, "holidays": "2026-10-01\n2026-10-02", "workdays": "2026-10-10"}))
        .await,
    )
    .await;
    assert_eq!((s, e["stopped_days"].as_i64()), (200, Some(5)), "{e}");
    assert_eq!(app.audit_total().await, before + 1);
    let (_, got) = json_of(app.get(&county, "/api/v1/operation/settings").await).await;
    assert_eq!(got["holidays"], json!(["2026-10-01", "2026-10-02"]));
    let township = app.token("xiaojiang").await;
    let (s, _) = json_of(app.send(&township, "PUT", "/api/v1/operation/settings", json!({})).await).await;
    assert_eq!(s, 403);

    // Bad query values are refused by name; a period to check again must have ended.
    for (q, field) in [("day=2026-02-30", "day"), ("status=asleep", "status"), ("page=-1", "page")] {
        let (s, e) = json_of(app.get(&county, &format!("/api/v1/operation/enterprises?{q}")).await).await;
        assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some(field)), "{q}: {e}");
    }
    let (s, e) = json_of(
        app.send(&county, "POST", "/api/v1/operation/check", json!({"from": "2026-11-20", "to": "2026-11-01"})).await,
    )
    .await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("to")), "{e}");
    let (s, _) = json_of(
        app.send(&township, "POST", "/api/v1/operation/check", json!({"from": "2026-11-01", "to": "2026-11-01"})).await,
    )
    .await;
    assert_eq!(s, 403);
}
