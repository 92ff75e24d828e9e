//! The rules of section 四(三) end to end, through the API on both backends: sales at their
//! boundaries, leases, transfers, sublet take-backs, the admission review, the exit steps, the
//! lottery (verified by the CLI), versioned settings, and two server processes selling one
//! unit at once.

mod common;

use common::App;
use serde_json::{Value, json};
use weiyuan_domain::lottery;

async fn body(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The rules that failed in a refusal.
fn failed(v: &Value) -> Vec<String> {
    v["error"]["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["passed"] == false).map(|c| c["rule"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn owner(app: &App, token: &str, unit: i64) -> Value {
    let (_, h) = body(app.get(token, &format!("/api/v1/units/{unit}/history")).await).await;
    h
}

both!(sales_follow_the_caps_at_their_boundaries);
async fn sales_follow_the_caps_at_their_boundaries(app: &App) {
    let county = app.token("county").await;
    let units = [
        ("101", "499.99", true),
        ("102", "500", true),
        ("103", "1000", true),
        ("104", "600", true),
        ("105", "600", false),
    ];
    let (park, u, e) = app.park_with(&county, &units, &["C3484", "C3489"]).await;
    let sales = format!("/api/v1/parks/{park}/sales");
    let before = app.audit_total().await;
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[0], "unit_ids": u[0].to_string(), "price_production": 2500, "on_date": "2026-01-05"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["sale.min_area".to_string()]), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("499.99"), "{v}");
    assert_eq!(app.audit_total().await, before, "a refused sale writes nothing");
    assert!(owner(app, &county, u[0]).await["holding"]["owner_id"].is_null());

    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[0], "unit_ids": u[1].to_string(), "price_production": 2600, "on_date": "2026-01-05"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "500 m² at the cap of 2600: {v}");
    assert_eq!(owner(app, &county, u[1]).await["holding"]["owner_id"], json!(e[0]));
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[1], "unit_ids": u[1].to_string(), "price_production": 2000, "on_date": "2026-01-06"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["sale.unit_available".to_string()]), "sold once: {v}");

    // (500 × 2600 + 1000 × 2601) / 1500 = 2600.67 is over the cap; 2600 is on it.
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[1], "unit_ids": u[2].to_string(), "price_production": 2601, "on_date": "2026-01-06"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["sale.average_cap".to_string()]), "{v}");
    let avg =
        v["error"]["checks"].as_array().unwrap().iter().find(|c| c["rule"] == "sale.average_cap").unwrap()["numbers"]
            .clone();
    assert_eq!(avg, json!([["average", "2600.67"], ["cap", "2600"], ["unit", "1号厂房 103"]]));
    let (s, _) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[1], "unit_ids": u[2].to_string(), "price_production": 2600, "on_date": "2026-01-06"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);

    // Production and non-production space bought together: one deal, each at its own cap.
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[1], "unit_ids": format!("{},{}", u[3], u[4]),
        "price_production": 2500, "price_non_production": 2900.01, "on_date": "2026-01-07"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, failed(&v)),
        (422, vec!["sale.average_cap".to_string()]),
        "2900.01 is over the non-production cap: {v}"
    );
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[1], "unit_ids": format!("{},{}", u[3], u[4]),
        "price_production": 2500, "price_non_production": 2900, "on_date": "2026-01-07"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (a, b) = (owner(app, &county, u[3]).await, owner(app, &county, u[4]).await);
    assert_eq!(a["holding"]["deal"], b["holding"]["deal"], "registered together");
    assert_eq!(b["history"][0]["price"], json!(2900.0));

    // In English, the same refusal speaks English.
    app.send(&county, "PUT", "/api/v1/me/lang", json!({"lang": "en"})).await;
    let (_, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[0], "unit_ids": u[0].to_string(), "price_production": 2500, "on_date": "2026-01-05"}),
        )
        .await,
    )
    .await;
    assert!(v["error"]["message"].as_str().unwrap().contains("unit area 499.99 m², at least 500 m²"), "{v}");
    app.send(&county, "PUT", "/api/v1/me/lang", json!({"lang": "zh-CN"})).await;
}

both!(leases_need_targets_the_same_industry_the_rent_cap_and_the_township);
async fn leases_need_targets_the_same_industry_the_rent_cap_and_the_township(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let units = [("201", "1000", true), ("202", "800", true), ("203", "600", false)];
    let (park, u, e) = app.park_with(&county, &units, &["C3484", "C3489", "C1819"]).await;
    let (s, _) = body(app.send(&county, "POST", &format!("/api/v1/parks/{park}/sales"), json!({"buyer_id": e[0],
        "unit_ids": format!("{},{},{}", u[0], u[1], u[2]), "price_production": 2400, "price_non_production": 2800, "on_date": "2020-05-01"})).await).await;
    assert_eq!(s, 201);
    let leases = format!("/api/v1/parks/{park}/leases");
    let lease = |unit: i64, tenant: i64, rent: &str| json!({"tenant_id": tenant, "unit_ids": unit.to_string(), "rent_per_m2_month": rent, "on_date": "2026-02-01"});
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[0], e[1], "20")).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["lease.owner_targets".to_string()]), "no figures yet: {v}");
    // The owner's figures meet the targets (2,400 m²: sales 3,000 and tax 200 元/m², 20% growth).
    for (year, revenue) in [(2023, 1_000_000), (2024, 1_200_000), (2025, 1_440_000)] {
        let (s, v) = body(
            app.send(
                &county,
                "PUT",
                &format!("/api/v1/enterprises/{}/figures", e[0]),
                json!({"year": year,
            "sales": 7_200_000, "tax": 480_000, "revenue": revenue, "investment": 4_000_000}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[0], e[1], "25.01")).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["lease.rent_cap".to_string()]), "{v}");
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[2], e[1], "10")).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["lease.production_only".to_string()]), "{v}");
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[0], e[2], "20")).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["lease.same_industry".to_string()]), "C18 is not C34: {v}");
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[0], e[1], "25.00")).await).await;
    assert_eq!(s, 201, "25.00 is on the cap: {v}");
    let (s, v) = body(app.send(&township, "POST", &leases, lease(u[1], e[1], "18")).await).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(owner(app, &county, u[0]).await["holding"]["tenant_id"], json!(e[1]));
    // A detected sublet takes back the tenant's whole leased area.
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/takebacks"),
            json!({"tenant_id": e[1], "kind": "sublet_takeback", "on_date": "2026-03-01", "note": "擅自转租"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    for unit in [u[0], u[1]] {
        let h = owner(app, &county, unit).await;
        assert!(h["holding"]["tenant_id"].is_null());
        assert_eq!(h["history"].as_array().unwrap().last().unwrap()["kind"], "sublet_takeback");
    }
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/takebacks"),
            json!({"tenant_id": e[1], "kind": "sublet_takeback", "on_date": "2026-03-01", "note": "再次"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["takeback.has_lease".to_string()]));
}

both!(transfers_are_locked_for_five_years_and_the_developer_comes_first);
async fn transfers_are_locked_for_five_years_and_the_developer_comes_first(app: &App) {
    let county = app.token("county").await;
    let units = [("301", "1000", true), ("302", "800", true), ("303", "600", false), ("304", "700", true)];
    let (park, u, e) = app.park_with(&county, &units, &["C3484", "C3489"]).await;
    let sales = format!("/api/v1/parks/{park}/sales");
    let transfers = format!("/api/v1/parks/{park}/transfers");
    let sell = |units: String, on: &str| json!({"buyer_id": e[0], "unit_ids": units, "price_production": 2400, "price_non_production": 2800, "on_date": on});
    assert_eq!(app.send(&county, "POST", &sales, sell(u[0].to_string(), "2019-01-01")).await.status(), 201);
    let (s, v) = body(
        app.send(&county, "POST", &transfers, json!({"unit_ids": u[0].to_string(), "on_date": "2023-12-31"})).await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["transfer.lock".to_string()]), "day 1825: {v}");
    let lock =
        v["error"]["checks"].as_array().unwrap().iter().find(|c| c["rule"] == "transfer.lock").unwrap()["numbers"]
            .clone();
    assert_eq!(lock, json!([["days", "1825"], ["lock_days", "1825"]]));
    // Day 1826: free; to an enterprise only after the developer declined.
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &transfers,
            json!({"unit_ids": u[0].to_string(), "to_id": e[1], "on_date": "2024-01-01"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["transfer.first_refusal".to_string()]), "{v}");
    let (s, v) = body(app.send(&county, "POST", &transfers, json!({"unit_ids": u[0].to_string(), "to_id": e[1], "on_date": "2024-01-01", "developer_declined": "on", "price_per_m2": 2500})).await).await;
    assert_eq!(s, 201, "{v}");
    let h = owner(app, &county, u[0]).await;
    assert_eq!(
        (h["holding"]["owner_id"].clone(), h["holding"]["purchased_on"].clone()),
        (json!(e[1]), json!("2024-01-01"))
    );
    assert_eq!(
        h["history"].as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["sale", "transfer"]
    );
    // Production and non-production space bought together move together.
    assert_eq!(app.send(&county, "POST", &sales, sell(format!("{},{}", u[1], u[2]), "2015-06-01")).await.status(), 201);
    let (s, v) = body(
        app.send(&county, "POST", &transfers, json!({"unit_ids": u[1].to_string(), "on_date": "2026-01-01"})).await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["transfer.together".to_string()]), "{v}");
    let (s, _) = body(
        app.send(
            &county,
            "POST",
            &transfers,
            json!({"unit_ids": format!("{},{}", u[1], u[2]), "on_date": "2026-01-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "a buy-back of the whole purchase");
    assert!(owner(app, &county, u[2]).await["holding"]["owner_id"].is_null());
    // Inside the lock, the township's or county's approval lets it go.
    assert_eq!(app.send(&county, "POST", &sales, sell(u[3].to_string(), "2025-01-01")).await.status(), 201);
    let (s, _) = body(
        app.send(
            &county,
            "POST",
            &transfers,
            json!({"unit_ids": u[3].to_string(), "on_date": "2026-01-01", "approval": "平经信〔2026〕3号"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
}

both!(admission_is_checked_then_reviewed_by_the_township_and_the_county);
async fn admission_is_checked_then_reviewed_by_the_township_and_the_county(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let park = app.park_id("PY06").await;
    let apply = |name: &str, code: u32, class: &str| {
        json!({"name": name, "credit_code": weiyuan::demo::demo_credit_code(code),
        "industry_code": class, "size": "below", "area_m2": 1200})
    };
    let path = format!("/api/v1/parks/{park}/admissions");
    let (s, a) =
        body(app.send(&township, "POST", &path, apply("平阳县审核测试塑业有限公司", 50_001, "C2926")).await).await;
    assert_eq!(s, 201, "{a}");
    assert!(a["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true), "{a}");
    assert_eq!(a["status"], "township");
    let id = a["id"].as_i64().unwrap();
    let decide = |d: &str, r: &str| json!({"decision": d, "reason": r, "stage": "township"});
    let at_county = |d: &str, r: &str| json!({"decision": d, "reason": r, "stage": "county"});
    let dpath = format!("/api/v1/admissions/{id}/decision");
    let (s, a) = body(app.send(&township, "POST", &dpath, decide("approve", "")).await).await;
    assert_eq!((s, a["status"].as_str()), (200, Some("county")), "{a}");
    assert_eq!(app.send(&township, "POST", &dpath, at_county("approve", "")).await.status(), 403, "the county's step");
    // The township's page, left open, approves again: stale, and says what the step is now.
    let (s, v) = body(app.send(&township, "POST", &dpath, decide("approve", "")).await).await;
    assert_eq!((s, v["error"]["code"].as_str(), v["error"]["field"].as_str()), (409, Some("stale"), Some("stage")));
    assert_eq!(
        v["error"]["fields"][0]["message"],
        "您看到的是“乡镇审核”环节，但此申请已由他人处理，现为“待县级审核”；请刷新页面后再操作"
    );
    // So does the county, deciding the township's step in its place on an old page.
    assert_eq!(app.send(&county, "POST", &dpath, decide("approve", "")).await.status(), 409);
    let (s, v) = body(app.send(&county, "POST", &dpath, at_county("send_back", "")).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")), "sending back needs a reason");
    let (s, a) = body(app.send(&county, "POST", &dpath, at_county("approve", "符合入园条件")).await).await;
    assert_eq!((s, a["status"].as_str()), (200, Some("approved")), "{a}");
    let e = a["enterprise_id"].as_i64().unwrap();
    let (_, ent) = body(app.get(&county, &format!("/api/v1/enterprises/{e}")).await).await;
    assert_eq!((ent["park_id"].as_i64(), ent["status"].as_str()), (Some(park), Some("active")));
    assert!(ent["entry_date"].is_string());
    let (_, exit) = body(app.get(&county, &format!("/api/v1/enterprises/{e}/exit")).await).await;
    assert_eq!(exit["events"][0]["kind"], "admitted");
    let steps: Vec<&str> = a["steps"].as_array().unwrap().iter().map(|s| s["decision"].as_str().unwrap()).collect();
    assert_eq!(steps, vec!["submitted", "approve", "approve"]);

    // On the negative list by keyword: approval is refused, the township sends it back, the
    // applicant corrects it and resubmits.
    let (_, a) =
        body(app.send(&township, "POST", &path, apply("平阳县审核测试电镀有限公司", 50_002, "C2926")).await).await;
    let id = a["id"].as_i64().unwrap();
    let (s, v) =
        body(app.send(&township, "POST", &format!("/api/v1/admissions/{id}/decision"), decide("approve", "")).await)
            .await;
    assert_eq!((s, failed(&v)), (422, vec!["admission.negative_list".to_string()]), "{v}");
    let (s, a) = body(
        app.send(
            &township,
            "POST",
            &format!("/api/v1/admissions/{id}/decision"),
            decide("send_back", "名称含电镀，请核实"),
        )
        .await,
    )
    .await;
    assert_eq!((s, a["status"].as_str()), (200, Some("sent_back")));
    let (s, a) = body(
        app.send(
            &township,
            "PUT",
            &format!("/api/v1/admissions/{id}"),
            apply("平阳县审核测试塑胶有限公司", 50_002, "C2926"),
        )
        .await,
    )
    .await;
    assert_eq!((s, a["status"].as_str()), (200, Some("township")), "{a}");
    assert!(a["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true));

    // Already active in another park; outside the orientation.
    let other = app.store.list_enterprises(app.park_id("PY08").await).await.unwrap().remove(0);
    let (_, a) = body(
        app.send(
            &county,
            "POST",
            &path,
            json!({"name": other.name, "credit_code": other.credit_code,
        "industry_code": "C2926", "size": "below", "area_m2": 800}),
        )
        .await,
    )
    .await;
    let f: Vec<&str> = a["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(f, vec!["admission.not_elsewhere"], "{a}");
    let (_, a) =
        body(app.send(&county, "POST", &path, apply("平阳县审核测试食品有限公司", 50_003, "C1431")).await).await;
    let f: Vec<&str> = a["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(f, vec!["admission.orientation"], "{a}");
    // The leading share by area: a large outsider would take the park below 70%.
    let mut rules = app.store.rules().await.unwrap().to_form();
    rules.leading_share_by = "area".into();
    rules.reason = "按面积计".into();
    assert_eq!(app.send(&county, "PUT", "/api/v1/rules", serde_json::to_value(&rules).unwrap()).await.status(), 200);
    let (_, a) = body(
        app.send(
            &county,
            "POST",
            &path,
            json!({"name": "平阳县审核测试大型食品有限公司", "credit_code": weiyuan::demo::demo_credit_code(50_004),
        "industry_code": "C1431", "size": "below", "area_m2": 900000}),
        )
        .await,
    )
    .await;
    let share =
        a["checks"].as_array().unwrap().iter().find(|c| c["rule"] == "admission.leading_share").unwrap().clone();
    assert_eq!(
        (share["passed"].clone(), share["numbers"][2].clone()),
        (json!(false), json!(["by", "area"])),
        "{share}"
    );
}

both!(exit_warns_then_evicts_after_the_deadline_and_the_developer_buys_back);
async fn exit_warns_then_evicts_after_the_deadline_and_the_developer_buys_back(app: &App) {
    let county = app.token("county").await;
    let (_, rows) = body(app.get(&county, "/api/v1/exits").await).await;
    let rows = rows.as_array().unwrap().clone();
    let failing = |rule: &str| {
        rows.iter()
            .find(|r| {
                r["checks"].as_array().is_some_and(|c| c.iter().any(|c| c["rule"] == rule && c["passed"] == false))
            })
            .unwrap()["enterprise"]["id"]
            .as_i64()
            .unwrap()
    };
    let (warned, slow) = (failing("exit.sales_per_m2"), failing("exit.growth"));
    let passing = rows
        .iter()
        .find(|r| r["checks"].as_array().is_some_and(|c| c.iter().all(|c| c["passed"] == true)))
        .unwrap()["enterprise"]["id"]
        .as_i64()
        .unwrap();
    let step = |id: i64, body: Value| {
        let (county, path) = (county.clone(), format!("/api/v1/enterprises/{id}/exit"));
        async move { app.send(&county, "POST", &path, body).await }
    };
    let (s, v) = body(step(passing, json!({"step": "warn", "reason": "试", "deadline": "2027-01-01"})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["exit.must_fail".to_string()]), "{v}");
    let (s, v) = body(step(slow, json!({"step": "evict", "reason": "未达标"})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["exit.warned".to_string(), "exit.deadline_passed".to_string()]), "{v}");
    let (s, v) =
        body(step(slow, json!({"step": "warn", "reason": "增长未达 10%", "deadline": "2020-01-01"})).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("deadline")));
    let (s, _) =
        body(step(slow, json!({"step": "warn", "reason": "增长未达 10%", "deadline": "2099-01-01"})).await).await;
    assert_eq!(s, 200);
    let (s, v) = body(step(slow, json!({"step": "evict", "reason": "未达标"})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["exit.deadline_passed".to_string()]), "{v}");
    assert_eq!(
        app.send(
            &app.token("xiaojiang").await,
            "POST",
            &format!("/api/v1/enterprises/{warned}/exit"),
            json!({"step": "evict", "reason": "x"})
        )
        .await
        .status(),
        403
    );
    // The demo's warned enterprise: its deadline (2026-09-30) has passed.
    let (s, v) = body(step(warned, json!({"step": "evict", "reason": "整改期满仍未达标"})).await).await;
    assert_eq!(s, 200, "{v}");
    let (_, e) = body(app.get(&county, &format!("/api/v1/enterprises/{warned}")).await).await;
    assert_eq!(e["status"], "exited");
    let held = app.store.holdings_of(warned).await.unwrap();
    assert!(!held.is_empty() && held.iter().all(|h| h.first_refusal), "its units go to the developer's first refusal");
    // The developer buys back at once: the eviction is the approval.
    let park = held[0].park_id;
    let ids = held.iter().map(|h| h.unit_id.to_string()).collect::<Vec<_>>().join(",");
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/transfers"),
            json!({"unit_ids": ids, "on_date": "2026-11-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(app.store.holdings_of(warned).await.unwrap().is_empty());
}

both!(a_lottery_is_published_drawn_and_verified_by_anyone);
async fn a_lottery_is_published_drawn_and_verified_by_anyone(app: &App) {
    let operator = app.token("wanyang").await;
    let park = app.park_id("PY08").await;
    let free: Vec<i64> = app
        .store
        .holdings(park)
        .await
        .unwrap()
        .iter()
        .filter(|h| h.owner_id.is_none())
        .map(|h| h.unit_id)
        .take(2)
        .collect();
    let units = format!("{},{}", free[0], free[1]);
    let codes: Vec<String> = (0..4).map(|i| weiyuan::demo::demo_credit_code(40_000 + i)).collect();
    let path = format!("/api/v1/parks/{park}/lotteries");
    let (s, v) = body(
        app.send(
            &operator,
            "POST",
            &path,
            json!({"title": "测试", "unit_ids": units, "applicants": codes[..2].join("\n")}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["lottery.oversubscribed".to_string()]), "two for two needs no lottery: {v}");
    let (s, v) = body(app.send(&operator, "POST", &path, json!({"title": "测试", "unit_ids": units, "applicants": "91330326MA2H0000XX\n".to_string() + &codes.join("\n")})).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("applicants")));
    let (s, l) = body(
        app.send(
            &operator,
            "POST",
            &path,
            json!({"title": "3号厂房", "unit_ids": units, "applicants": codes.join("\n")}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{l}");
    assert!(l["seed"].is_null() && l["order"].is_null(), "the seed stays secret until the draw");
    assert_eq!(l["list_hash"], json!(lottery::list_hash(&codes)));
    let id = l["id"].as_i64().unwrap();
    // The enterprises of the park read it.
    let (s, _) = body(app.get(&app.token("enterprise").await, &format!("/api/v1/lotteries/{id}")).await).await;
    assert_eq!(s, 200);
    let (s, l) = body(app.send(&operator, "POST", &format!("/api/v1/lotteries/{id}/draw"), json!({})).await).await;
    assert_eq!(s, 200, "{l}");
    let seed = l["seed"].as_str().unwrap().to_string();
    let order: Vec<String> = l["order"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
    assert_eq!(l["commitment"], json!(lottery::commitment(&seed)));
    assert_eq!(order, lottery::draw(&seed, &codes));
    assert_eq!(
        app.send(&operator, "POST", &format!("/api/v1/lotteries/{id}/draw"), json!({})).await.status(),
        422,
        "drawn once"
    );
    // Anyone recomputes it with the CLI; a changed applicant list is caught.
    let dir = std::env::temp_dir().join(format!("wy-lottery-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("applicants.txt"), codes.join("\n")).unwrap();
    std::fs::write(dir.join("order.txt"), order.join("\n")).unwrap();
    let verify = |applicants: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_weiyuan"))
            .args(["lottery", "verify", "--seed", &seed, "--commitment", l["commitment"].as_str().unwrap()])
            .arg("--applicants")
            .arg(dir.join(applicants))
            .arg("--order")
            .arg(dir.join("order.txt"))
            .output()
            .unwrap()
    };
    assert!(verify("applicants.txt").status.success());
    std::fs::write(dir.join("changed.txt"), codes[1..].join("\n") + "\n" + &weiyuan::demo::demo_credit_code(40_100))
        .unwrap();
    assert!(!verify("changed.txt").status.success());
    std::fs::remove_dir_all(&dir).ok();
}

both!(rules_are_versioned_county_settings);
async fn rules_are_versioned_county_settings(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let (_, r) = body(app.get(&county, "/api/v1/rules").await).await;
    assert_eq!((r["rules"]["version"].as_i64(), r["rules"]["min_unit_area_m2"].as_f64()), (Some(1), Some(500.0)));
    let mut form = app.store.rules().await.unwrap().to_form();
    form.min_unit_area_m2 = "600".into();
    let (s, v) = body(app.send(&county, "PUT", "/api/v1/rules", serde_json::to_value(&form).unwrap()).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));
    form.reason = "县政府 2026 年第 5 次常务会议".into();
    assert_eq!(app.send(&township, "PUT", "/api/v1/rules", serde_json::to_value(&form).unwrap()).await.status(), 403);
    let (s, v) = body(app.send(&county, "PUT", "/api/v1/rules", serde_json::to_value(&form).unwrap()).await).await;
    assert_eq!((s, v["version"].as_i64()), (200, Some(2)), "{v}");
    let (_, r) = body(app.get(&township, "/api/v1/rules").await).await;
    assert_eq!(r["history"][0]["reason"], json!(form.reason));
    // The new minimum applies to the next sale, and the deal records the version.
    let (park, u, e) = app.park_with(&county, &[("401", "500", true), ("402", "600", true)], &["C3484"]).await;
    let sales = format!("/api/v1/parks/{park}/sales");
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[0], "unit_ids": u[0].to_string(), "price_production": 2000, "on_date": "2026-01-01"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["sale.min_area".to_string()]));
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &sales,
            json!({"buyer_id": e[0], "unit_ids": u[1].to_string(), "price_production": 2000, "on_date": "2026-01-01"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, v["rules_version"].as_i64()), (201, Some(2)));
    // The negative list and the orientation accept only real GB/T 4754 codes.
    let (s, _) =
        body(app.send(&county, "POST", "/api/v1/negative-list", json!({"kind": "code", "value": "C9999"})).await).await;
    assert_eq!(s, 422);
    let (s, n) = body(
        app.send(&county, "POST", "/api/v1/negative-list", json!({"kind": "code", "value": "c2662", "note": "农药"}))
            .await,
    )
    .await;
    assert_eq!((s, n["value"].as_str()), (201, Some("C2662")));
    assert_eq!(
        app.send(&township, "POST", "/api/v1/negative-list", json!({"kind": "keyword", "value": "x"})).await.status(),
        403
    );
    assert_eq!(
        app.send(&county, "DELETE", &format!("/api/v1/negative-list/{}", n["id"]), json!({})).await.status(),
        204
    );
    let py06 = app.park_id("PY06").await;
    let (s, o) = body(
        app.send(&township, "PUT", &format!("/api/v1/parks/{py06}/orientation"), json!({"prefixes": "C29、2319"}))
            .await,
    )
    .await;
    assert_eq!((s, o["orientation"].clone()), (200, json!(["C29", "C2319"])));
    let (s, v) = body(
        app.send(&township, "PUT", &format!("/api/v1/parks/{py06}/orientation"), json!({"prefixes": "X99"})).await,
    )
    .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("prefixes")));
}

both!(two_server_processes_sell_one_unit_exactly_once);
async fn two_server_processes_sell_one_unit_exactly_once(app: &App) {
    let url = app.db.as_ref().unwrap().url.clone();
    let county = app.token("county").await;
    let units: Vec<(&str, &str, bool)> =
        vec![("501", "800", true), ("502", "800", true), ("503", "800", true), ("504", "800", true)];
    let (park, u, e) = app.park_with(&county, &units, &["C3484", "C3489", "C3484", "C3489"]).await;
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_weiyuan"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", &url])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        children.push(child);
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let client = reqwest::Client::new();
    for base in &bases {
        let mut up = false;
        for _ in 0..100 {
            if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "{base} did not come up");
    }
    for unit in &u {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (client, base, token) = (client.clone(), bases[i % 2].clone(), county.clone());
            let body = json!({"buyer_id": e[i % 4], "unit_ids": unit.to_string(), "price_production": 2000 + i, "on_date": "2026-01-01"});
            tasks.push(tokio::spawn(async move {
                client
                    .post(format!("{base}/api/v1/parks/{park}/sales"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses.sort();
        assert_eq!(statuses, vec![201, 422, 422, 422, 422, 422, 422, 422], "unit {unit}");
        let history = app.store.unit_history(*unit).await.unwrap();
        assert_eq!(history.iter().filter(|h| h.kind == "sale").count(), 1);
        assert_eq!(app.store.holding(*unit).await.unwrap().owner_id, history[0].party_id);
    }
    // The same township-step approval reaches both servers at once (two clerks, or one double
    // click): one decides it, the other is stale; the application never skips the county's step.
    let py06 = app.park_id("PY06").await;
    for n in 0..10u32 {
        let apply = json!({"name": format!("并发审核测试{n}塑业有限公司"), "credit_code": weiyuan::demo::demo_credit_code(93_000 + n),
                           "industry_code": "C2926", "size": "below", "area_m2": 600});
        let (s, a) = body(app.send(&county, "POST", &format!("/api/v1/parks/{py06}/admissions"), apply).await).await;
        assert_eq!((s, a["status"].as_str()), (201, Some("township")), "{a}");
        let id = a["id"].as_i64().unwrap();
        let mut tasks = Vec::new();
        for base in &bases {
            let (client, token, base) = (client.clone(), county.clone(), base.clone());
            tasks.push(tokio::spawn(async move {
                client
                    .post(format!("{base}/api/v1/admissions/{id}/decision"))
                    .bearer_auth(token)
                    .json(&json!({"decision": "approve", "reason": "", "stage": "township"}))
                    .send()
                    .await
                    .unwrap()
            }));
        }
        let mut statuses = Vec::new();
        let mut bodies = Vec::new();
        for t in tasks {
            let r = t.await.unwrap();
            statuses.push(r.status().as_u16());
            bodies.push(r.text().await.unwrap());
        }
        statuses.sort();
        assert_eq!(statuses, vec![200, 409], "application {id}: {bodies:?}");
        assert_eq!(app.store.admission(id).await.unwrap().status, "county", "application {id}");
    }
    for mut c in children {
        c.kill().ok();
        c.wait().ok();
    }
}

both!(an_enterprise_not_yet_due_whose_figures_would_fail_is_warned);
async fn an_enterprise_not_yet_due_whose_figures_would_fail_is_warned(app: &App) {
    let county = app.token("county").await;
    let (park, units, _) = app.park_with(&county, &[("101", "1000", true)], &[]).await;
    let (s, e) = body(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/enterprises"),
            json!({"name": "预警测试机械有限公司", "credit_code": weiyuan::demo::demo_credit_code(87_001),
                "industry_code": "C3484", "size": "below", "entry_date": "2025-03-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_i64().unwrap();
    let (s, v) = body(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/sales"),
            json!({"buyer_id": id, "unit_ids": units[0].to_string(), "price_production": 2400, "on_date": "2025-03-05"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // 2025 on 1,000 m²: sales 1,000 元/m² (under 2,000), tax 200 元/m².
    let figures =
        json!({"year": 2025, "sales": 1_000_000, "tax": 200_000, "revenue": 1_000_000, "investment": 300_000});
    let (s, v) = body(app.send(&county, "PUT", &format!("/api/v1/enterprises/{id}/figures"), figures).await).await;
    assert_eq!(s, 200, "{v}");
    let (_, rows) = body(app.get(&county, "/api/v1/exits").await).await;
    let row = rows.as_array().unwrap().iter().find(|r| r["enterprise"]["id"] == id).unwrap().clone();
    let months = weiyuan_domain::exit::months_until(&weiyuan_server::today(), "2028-03-01");
    assert_eq!(
        (row["due"].as_bool(), row["warning"].as_bool(), row["months_left"].as_i64()),
        (Some(false), Some(true), months),
        "{row}"
    );
    // The page counts the warnings and lists them alone on asking.
    let (c, _) = app.browser("county").await;
    let page = c.get(app.url("/exits?warning=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("预警测试机械有限公司") && page.contains("家企业预警"), "{page}");
    assert!(!page.contains(weiyuan::demo::DEMO_ENTERPRISE), "only the warnings: {page}");
}
