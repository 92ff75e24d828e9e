//! The per-mu evaluation end to end on both backends: a hand-computed run of a fresh park's
//! enterprises (apportioned land and an own parcel, county benchmarks, ranks and classes, the
//! what-if, the class-tied surcharge), the workflow with its scopes (township objects, the
//! county answers and publishes, an enterprise sees only itself), a refused method and period,
//! and the export.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::reports::NewReport;

/// Twelve months of 2025 with these monthly figures (万元, 万元, kWh).
fn year(enterprise_id: i64, park_id: i64, revenue: i64, tax: i64, kwh: i64) -> Vec<NewReport> {
    (1..=12)
        .map(|m| {
            let mut f: Figures = [None; N];
            f[index("revenue").unwrap()] = Some(Fixed2::from_units(revenue));
            f[index("output").unwrap()] = Some(Fixed2::from_units(revenue));
            f[index("tax").unwrap()] = Some(Fixed2::from_units(tax));
            f[index("electricity").unwrap()] = Some(Fixed2::from_units(kwh));
            f[index("employees").unwrap()] = Some(Fixed2::from_units(20));
            NewReport {
                enterprise_id,
                park_id,
                month: Month::new(2025, m).unwrap(),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect()
}

fn row(results: &Value, id: i64) -> &Value {
    results["results"].as_array().unwrap().iter().find(|r| r["enterprise_id"] == id).unwrap()
}

fn failed(v: &Value) -> Vec<String> {
    v["error"]["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["passed"] == false).map(|c| c["rule"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

both!(a_run_is_computed_checked_published_and_read_in_scope);
async fn a_run_is_computed_checked_published_and_read_in_scope(app: &App) {
    let county = app.token("county").await;
    // 100 亩 and 100,000 m² of building: 1 m² of floor is 0.001 亩 of land.
    let (park, units, e) = app
        .park_with(&county, &[("101", "1000", true), ("102", "2000", true)], &["C3484", "C3484", "C3484", "C3484"])
        .await;
    for (unit, buyer) in [(units[0], e[0]), (units[1], e[1])] {
        let (s, v) = json_of(
            app.send(
                &county,
                "POST",
                &format!("/api/v1/parks/{park}/sales"),
                json!({"buyer_id": buyer, "unit_ids": unit.to_string(), "price_production": 2500, "on_date": "2024-01-05"}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{v}");
    }
    // Enterprise 3 holds a parcel of its own: 4 亩 overrides any apportioning.
    let (s, v) =
        json_of(app.send(&county, "PUT", &format!("/api/v1/enterprises/{}/land", e[3]), json!({"land_mu": "4"})).await)
            .await;
    assert_eq!((s, &v["land_mu"]), (200, &json!(4.0)), "{v}");
    let (s, v) = json_of(
        app.send(&county, "PUT", &format!("/api/v1/enterprises/{}/land", e[3]), json!({"land_mu": "-1"})).await,
    )
    .await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("land_mu")), "{v}");
    let mut rows = year(e[0], park, 100, 5, 100_000);
    rows.extend(year(e[1], park, 150, 5, 150_000));
    rows.extend(year(e[3], park, 400, 20, 200_000));
    rows.extend(year(e[2], park, 80, 2, 50_000).into_iter().take(11));
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    // A period that has not ended, and a method that cannot work, are refused and change nothing.
    let before = app.audit_total().await;
    let (s, v) =
        json_of(app.send(&county, "POST", "/api/v1/evaluation/runs", json!({"first_month": "2026-06"})).await).await;
    assert_eq!((s, v["error"]["fields"][0]["code"].as_str()), (422, Some("evaluation.period_not_ended")), "{v}");
    let (_, m) = json_of(app.get(&county, "/api/v1/evaluation/method").await).await;
    let mut bad = m["method"].clone();
    bad["below"]["indicators"][0]["weight"] = json!(30);
    bad["below"]["cutoffs"]["shares"] = json!([5, 70, 20, 0]);
    let (s, v) = json_of(app.send(&county, "PUT", "/api/v1/evaluation/method", json!({"method": bad})).await).await;
    let fields: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!((s, fields), (422, vec!["below.weights", "below.shares"]), "{v}");
    assert!(v["error"]["fields"][0]["message"].as_str().unwrap().contains("90.00"), "{v}");
    assert_eq!(app.audit_total().await, before);

    let (s, run) =
        json_of(app.send(&county, "POST", "/api/v1/evaluation/runs", json!({"first_month": "2025-01"})).await).await;
    assert_eq!((s, run["status"].as_str()), (201, Some("draft")), "{run}");
    let id = run["id"].as_i64().unwrap();
    assert_eq!(run["judged"], 3);

    // Land: 100 亩 × 1,000 m² ÷ 100,000 m² = 1 亩; 2 亩; the parcel 4 亩. County benchmarks over
    // the three: tax 360 万元 ÷ 7 亩, revenue 7,800 万元 ÷ 7 亩, 78,000,000 元 ÷ 5,400,000 kWh.
    // Scores: 46.67 + 32.31 + 20.77 = 99.74; 23.33 + 24.23 + 20.77 = 68.33; 46.67 + 32.31 + 41.54 = 120.51.
    // Three ranked, 规下 shares 5/70/20/5: rank ≤ 2.25 is B, rank 3 is D.
    let (_, res) =
        json_of(app.get(&county, &format!("/api/v1/evaluation/runs/{id}/results?park_id={park}")).await).await;
    assert_eq!(res["total"], 4, "{res}");
    let got: Vec<(f64, i64, &str)> = [e[3], e[0], e[1]]
        .iter()
        .map(|i| row(&res, *i))
        .map(|r| (r["score"].as_f64().unwrap(), r["rank"].as_i64().unwrap(), r["class"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![(120.51, 1, "B"), (99.74, 2, "B"), (68.33, 3, "D")]);
    let land = &row(&res, e[0])["detail"]["subject"]["land"];
    assert_eq!((land["rule"].as_str(), land["mu"].as_f64()), (Some("apportioned"), Some(1.0)), "{land}");
    assert_eq!(row(&res, e[3])["detail"]["subject"]["land"]["rule"], "parcel");
    let short = &row(&res, e[2])["detail"]["excluded"];
    assert_eq!((short["reason"].as_str(), &short["params"][0][1]), (Some("evaluation.excluded.months"), &json!("11")));

    // The D enterprise: what one indicator would need for B (99.74), and its surcharge (0.3 元/kWh).
    let (s, one) = json_of(app.get(&county, &format!("/api/v1/evaluation/runs/{id}/results/{}", e[1])).await).await;
    assert_eq!(s, 200, "{one}");
    let outcome = &one["row"]["detail"]["outcome"];
    assert_eq!(outcome["next_class_score"], 99.74);
    // 亩均税收: 23.33 + 31.41 = 54.74 points → 54.74 / 40 × 51.43 = 70.39 万元/亩 (from 30).
    let tax = outcome["what_if"].as_array().unwrap().iter().find(|w| w["indicator"] == "tax_per_mu").unwrap();
    assert_eq!(tax["needed"].as_f64(), Some(70.39), "{tax}");
    assert_eq!(one["policy"]["electricity_surcharge"].as_f64(), Some(540_000.0), "{one}");

    // Scopes on a draft: the park's township sees it; another township and enterprises do not.
    let township = app.token("xiaojiang").await;
    let other = app.token("binhai").await;
    let (_, mine) =
        json_of(app.get(&township, &format!("/api/v1/evaluation/runs/{id}/results?park_id={park}")).await).await;
    assert_eq!(mine["total"], 4);
    let (_, theirs) =
        json_of(app.get(&other, &format!("/api/v1/evaluation/runs/{id}/results?park_id={park}")).await).await;
    assert_eq!(theirs["total"], 0);
    let r = app.get(&other, &format!("/api/v1/evaluation/runs/{id}/results/{}", e[0])).await;
    assert_eq!(r.status(), 404);
    let form = weiyuan_server::users::UserForm {
        username: "zt-jixie".into(),
        display_name: "测试企业".into(),
        role: "enterprise".into(),
        scope: e[0].to_string(),
        password: common::PASSWORD.into(),
        ..Default::default()
    };
    let new = weiyuan_server::users::prepare_demo(&app.store, &form).await.unwrap();
    app.store
        .create_user(
            &weiyuan::demo::demo_county().user_admin().unwrap(),
            &weiyuan_store::AuditCtx::system("test"),
            &new,
        )
        .await
        .unwrap();
    let ent = app.token("zt-jixie").await;
    assert_eq!(app.get(&ent, &format!("/api/v1/evaluation/runs/{id}/results/{}", e[0])).await.status(), 404);

    // Objections: not by another township; by the park's, which holds publishing until answered.
    let objection = json!({"enterprise_id": e[1], "reason": "该企业 3 月用电量填报有误"});
    let path = format!("/api/v1/evaluation/runs/{id}/objections");
    assert_eq!(app.send(&other, "POST", &path, objection.clone()).await.status(), 404);
    let (s, o) = json_of(app.send(&township, "POST", &path, objection).await).await;
    assert_eq!(s, 201, "{o}");
    let publish = format!("/api/v1/evaluation/runs/{id}/publish");
    assert_eq!(app.send(&township, "POST", &publish, json!({})).await.status(), 403);
    let (s, v) = json_of(app.send(&county, "POST", &publish, json!({})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["evaluation.no_open_objections".to_string()]), "{v}");
    let answer = format!("/api/v1/evaluation/runs/{id}/objections/{}/answer", o["id"]);
    let reply = json!({"decision": "rejected", "answer": "已核对电力公司抄表数据，填报无误"});
    assert_eq!(app.send(&township, "POST", &answer, reply.clone()).await.status(), 403);
    let (s, a) = json_of(app.send(&county, "POST", &answer, reply.clone()).await).await;
    assert_eq!((s, a["status"].as_str()), (200, Some("rejected")), "{a}");
    assert_eq!(app.send(&county, "POST", &answer, reply).await.status(), 409);
    let (s, v) = json_of(app.send(&county, "POST", &publish, json!({})).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    let (s, v) = json_of(app.send(&county, "POST", &publish, json!({})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["evaluation.is_draft".to_string()]), "{v}");
    let (s, v) =
        json_of(app.send(&township, "POST", &path, json!({"enterprise_id": e[0], "reason": "晚了"})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["evaluation.is_draft".to_string()]), "{v}");

    // Published: the enterprise sees itself, and only itself.
    let (s, own) = json_of(app.get(&ent, &format!("/api/v1/evaluation/runs/{id}/results/{}", e[0])).await).await;
    assert_eq!((s, own["row"]["class"].as_str()), (200, Some("B")), "{own}");
    assert_eq!(app.get(&ent, &format!("/api/v1/evaluation/runs/{id}/results/{}", e[1])).await.status(), 404);
    let (_, list) = json_of(app.get(&ent, &format!("/api/v1/evaluation/runs/{id}/results")).await).await;
    assert_eq!(list["total"], 1, "{list}");

    // The export: the published list in the caller's scope, with the units in the headers.
    let r = app.get(&township, &format!("/api/v1/evaluation/runs/{id}/export.xlsx")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("评价结果").unwrap();
    let cells: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert!(cells[1].iter().any(|h| h == "亩均税收（万元/亩）"), "{:?}", cells[1]);
    let e3 = cells.iter().find(|r| r.iter().any(|c| c.contains("规则测试") && c.ends_with("3有限公司"))).unwrap();
    assert!(e3.iter().any(|c| c == "120.51") && e3.iter().any(|c| c.starts_with("B ")), "{e3:?}");
    assert!(cells.iter().all(|r| !r.iter().any(|c| c.contains("万洋"))), "only the township's parks");
    // Each office gets its worklist: the tax office the reliefs of A (100 %) and B (80 %), the
    // power office the surcharges of D (0.3 元/kWh × the year's kWh), the water office none (no
    // water surcharge in the default method).
    let mut rows = |name: &str| -> Vec<Vec<String>> {
        let sheet = book.worksheet_range(name).unwrap();
        sheet.rows().skip(2).map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let tax = rows("税务部门：土地使用税减免");
    let e3_tax = tax.iter().find(|r| r[1] == e3[1]).expect("a B-class enterprise gets its relief");
    assert_eq!((e3_tax[4].as_str(), e3_tax[7].as_str()), ("B 提升发展类", "80"), "{e3_tax:?}");
    assert!(tax.iter().all(|r| r[4].starts_with("A ") || r[4].starts_with("B ")), "{tax:?}");
    let judged_d = cells.iter().filter(|r| r.iter().any(|c| c.starts_with("D "))).count();
    let power = rows("电力部门：用电加价");
    assert_eq!(power.len(), judged_d, "{power:?}");
    for r in &power {
        let (kwh, rate, amount): (f64, f64, f64) =
            (r[6].parse().unwrap(), r[7].parse().unwrap(), r[8].parse().unwrap());
        assert!(
            r[4].starts_with("D ") && rate == 0.3 && (amount - (kwh * rate * 100.0).round() / 100.0).abs() < 0.005,
            "{r:?}"
        );
    }
    assert!(rows("水务部门：用水加价").is_empty());
}

both!(a_method_saved_is_versioned_and_used_by_the_next_run);
async fn a_method_saved_is_versioned_and_used_by_the_next_run(app: &App) {
    let county = app.token("county").await;
    let (_, m) = json_of(app.get(&county, "/api/v1/evaluation/method").await).await;
    assert_eq!(m["version"], 0, "the defaults until saved");
    let mut method = m["method"].clone();
    method["below"]["cutoffs"] = json!({"by": "score", "shares": [0, 0, 0, 0], "min_scores": [110, 80, 60]});
    let township = app.token("xiaojiang").await;
    let r = app.send(&township, "PUT", "/api/v1/evaluation/method", json!({"method": method})).await;
    assert_eq!(r.status(), 403);
    let (s, v) = json_of(
        app.send(&county, "PUT", "/api/v1/evaluation/method", json!({"method": method, "note": "按得分分类"})).await,
    )
    .await;
    assert_eq!((s, v["version"].as_i64()), (200, Some(1)), "{v}");
    let (_, all) = json_of(app.get(&township, "/api/v1/evaluation/methods").await).await;
    assert_eq!(all[0]["note"], "按得分分类");
    let (s, run) =
        json_of(app.send(&county, "POST", "/api/v1/evaluation/runs", json!({"first_month": "2025-01"})).await).await;
    assert_eq!((s, run["method_version"].as_i64()), (201, Some(1)), "{run}");
}
