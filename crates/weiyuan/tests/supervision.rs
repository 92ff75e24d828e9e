//! Townships against their targets on both backends: plans and monthly progress of two parks in
//! two townships, the time-proportional share due at the end of June, completions capped at
//! 120 %, the ranking, the bulletin's verdict, its workbook, and refused periods.

mod common;

use common::{App, json_of};
use serde_json::json;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_domain::units::Fixed2;

async fn park(app: &App, county: &str, name: &str, township: &str) -> i64 {
    let (s, p) = json_of(
        app.send(
            county,
            "POST",
            "/api/v1/parks",
            json!({"name": name, "township_code": township, "status": "under_construction", "land_mu": 100,
                "building_area_m2": 100000, "leading_industries": "机械", "enterprise_count": 0,
                "development_model": "undecided", "park_type": "manufacturing"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{p}");
    p["id"].as_i64().unwrap()
}

both_bare!(townships_rank_by_what_they_reached_of_what_is_due);
async fn townships_rank_by_what_they_reached_of_what_is_due(app: &App) {
    let county = app.token("county").await;
    let xiaojiang = park(app, &county, "督查测试萧江园", "330326103").await;
    let kunyang = park(app, &county, "督查测试昆阳园", "330326100").await;
    let plan = |id: i64, body: serde_json::Value| {
        let county = county.clone();
        async move {
            let (s, v) = json_of(app.send(&county, "PUT", &format!("/api/v1/parks/{id}/plans"), body).await).await;
            assert_eq!(s, 200, "{v}");
        }
    };
    plan(xiaojiang, json!({"year": 2025, "land_supply_mu": 120, "construction_start_mu": 60, "completion_wan_m2": 2, "output_yi": 1.2})).await;
    plan(kunyang, json!({"year": 2025, "land_supply_mu": 40})).await;
    for (id, month, land, started, completed) in
        [(xiaojiang, "2025-01", 30, 10, "0.5"), (xiaojiang, "2025-05", 40, 5, "0"), (kunyang, "2025-03", 30, 0, "0")]
    {
        let (s, v) = json_of(
            app.send(
                &county,
                "POST",
                &format!("/api/v1/parks/{id}/reports"),
                json!({"month": month, "land_supplied_mu": land, "started_mu": started, "completed_wan_m2": completed}),
            )
            .await,
        )
        .await;
        assert!(s == 200 || s == 201, "{v}");
    }
    // Enterprises of the 萧江 park report 500 万元 of output a month: 0.3 亿元 by June.
    let (s, e) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{xiaojiang}/enterprises"),
            json!({"name": "督查测试机械有限公司", "credit_code": weiyuan::demo::demo_credit_code(88_001),
                "industry_code": "C3484", "size": "below"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{e}");
    let rows: Vec<weiyuan_store::reports::NewReport> = (1..=6)
        .map(|m| {
            let mut f: Figures = [None; N];
            f[index("output").unwrap()] = Some(Fixed2::from_units(500));
            weiyuan_store::reports::NewReport {
                enterprise_id: e["id"].as_i64().unwrap(),
                park_id: xiaojiang,
                month: Month::new(2025, m).unwrap(),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect();
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    // End of June, half of each plan due. 萧江: land 70 of 60 (116.67 %), starts 15 of 30, completion
    // 5,000 of 10,000 m², output 0.3 of 0.6 亿元 (50 % each): 66.67. 昆阳: 30 of 20 亩 is 150 %,
    // counted as 120.
    let (s, v) = json_of(app.get(&county, "/api/v1/supervision?month=2025-06").await).await;
    assert_eq!(s, 200, "{v}");
    let got: Vec<(&str, f64, i64, bool)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap(),
                r["score"].as_f64().unwrap(),
                r["rank"].as_i64().unwrap(),
                r["lagging"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("330326100", 120.0, 1, false), ("330326103", 66.67, 2, true)]);
    let items = &v["rows"][1]["items"];
    assert_eq!(
        (items[0]["due"].as_f64(), items[0]["actual"].as_f64(), items[0]["pct_of_due"].as_f64()),
        (Some(60.0), Some(70.0), Some(116.67))
    );
    assert_eq!((items[3]["plan"].as_f64(), items[3]["actual"].as_f64()), (Some(1.2), Some(0.3)));
    assert_eq!((v["best"].clone(), v["lagging"].clone()), (json!(["330326100"]), json!(["330326103"])));

    // The bulletin of the second quarter says the same in words and in a workbook.
    let (c, _) = app.browser("county").await;
    let page = c.get(app.url("/supervision/bulletin?quarter=2025-Q2")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("2025 年第 2 季度")
            && page.contains("完成情况最好的是：昆阳镇")
            && page.contains("进度滞后的是：萧江镇"),
        "{page}"
    );
    let r = app.get(&county, "/api/v1/supervision/bulletin.xlsx?quarter=2025-Q2").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("季度通报").unwrap();
    let names: Vec<String> = sheet.rows().skip(2).map(|r| r[1].to_string()).collect();
    assert_eq!(names, vec!["昆阳镇", "萧江镇"]);

    // Months and quarters not over, or not written as such, are refused by name.
    let (s, v) = json_of(app.get(&county, "/api/v1/supervision?month=2099-01").await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("month")), "{v}");
    let (s, v) = json_of(app.get(&county, "/api/v1/supervision/bulletin.xlsx?quarter=2025-Q7").await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("quarter")), "{v}");
}

async fn enterprise(app: &App, county: &str, park: i64, n: u32, size: &str, entry_date: &str) -> i64 {
    let (s, e) = json_of(
        app.send(
            county,
            "POST",
            &format!("/api/v1/parks/{park}/enterprises"),
            json!({"name": format!("督查目标测试企业{n}"), "credit_code": weiyuan::demo::demo_credit_code(88_100 + n),
                "industry_code": "C3484", "size": size, "entry_date": entry_date}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{e}");
    e["id"].as_i64().unwrap()
}

/// Months `first..=last` of one year, each with this revenue and tax (万元).
fn months(
    enterprise: i64,
    park: i64,
    year: i32,
    last: u32,
    revenue: i64,
    tax: i64,
) -> Vec<weiyuan_store::reports::NewReport> {
    (1..=last)
        .map(|m| {
            let mut f: Figures = [None; N];
            f[index("revenue").unwrap()] = Some(Fixed2::from_units(revenue));
            f[index("tax").unwrap()] = Some(Fixed2::from_units(tax));
            weiyuan_store::reports::NewReport {
                enterprise_id: enterprise,
                park_id: park,
                month: Month::new(year, m).unwrap(),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect()
}

both_bare!(the_countys_targets_are_assessed_beside_the_parks_plans);
async fn the_countys_targets_are_assessed_beside_the_parks_plans(app: &App) {
    let county = app.token("county").await;
    let xiaojiang = park(app, &county, "目标测试萧江园", "330326103").await;
    // Admitted in February 2025, registered 规上: 1,200 万元 of revenue in 2024, 2,400 万元 by June
    // 2025, so it moved above size this year. The other came in 2024 and stays small.
    let grown = enterprise(app, &county, xiaojiang, 1, "above", "2025-02-10").await;
    let small = enterprise(app, &county, xiaojiang, 2, "below", "2024-05-01").await;
    let mut rows = months(grown, xiaojiang, 2024, 12, 100, 10);
    rows.extend(months(grown, xiaojiang, 2025, 6, 400, 50));
    rows.extend(months(small, xiaojiang, 2025, 6, 30, 20));
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    // The county sets 萧江's targets for 2025; 昆阳 gets none (an empty row is no target).
    let body = json!({"year": 2025, "targets": [
        {"township_code": "330326103", "admitted": 4, "scaled_up": "2", "tax_per_mu": "6"},
        {"township_code": "330326100", "admitted": "", "scaled_up": null}
    ]});
    let (s, v) = json_of(app.send(&county, "PUT", "/api/v1/supervision/targets", body).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["targets"], json!([{"township_code": "330326103", "admitted": 4, "scaled_up": 2, "tax_per_mu": 6.0}]));

    // End of June, half of each is due: 2 admitted (1 reached, 50 %), 1 小升规 (1, 100 %), 3 万元/亩
    // (300 + 120 万元 of tax over the park's 100 亩 = 4.2, 140 % counted as 120). No park plan is
    // due. (50 + 100 + 120) / 3 = 90.
    let (s, v) = json_of(app.get(&county, "/api/v1/supervision?month=2025-06").await).await;
    assert_eq!(s, 200, "{v}");
    let row = v["rows"].as_array().unwrap().iter().find(|r| r["code"] == "330326103").unwrap().clone();
    let item = |key: &str| row["items"].as_array().unwrap().iter().find(|i| i["key"] == key).unwrap().clone();
    let got = |key: &str| {
        let i = item(key);
        (i["due"].as_f64().unwrap(), i["actual"].as_f64().unwrap(), i["pct_of_due"].as_f64())
    };
    assert_eq!(got("admitted"), (2.0, 1.0, Some(50.0)));
    assert_eq!(got("scaled_up"), (1.0, 1.0, Some(100.0)));
    assert_eq!(got("tax_per_mu"), (3.0, 4.2, Some(140.0)));
    assert_eq!(got("land_supply_mu").2, None);
    assert_eq!((row["score"].as_f64(), row["lagging"].as_bool()), (Some(90.0), Some(true)));

    // A wrong figure is refused by its township and field, and nothing changes.
    let audit = app.audit_total().await;
    let bad = json!({"year": 2025, "targets": [{"township_code": "330326103", "admitted": -1, "tax_per_mu": "6"}]});
    let (s, v) = json_of(app.send(&county, "PUT", "/api/v1/supervision/targets", bad).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("330326103.admitted")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().starts_with("萧江镇 入园企业目标"), "{v}");
    let (_, v) = json_of(app.get(&county, "/api/v1/supervision/targets?year=2025").await).await;
    assert_eq!(v["targets"][0]["admitted"], 4, "{v}");
    assert_eq!(app.audit_total().await, audit);

    // On the page: the county edits the table and sees it saved; a township reads it only.
    let (c, csrf) = app.browser("county").await;
    let page = c.get(app.url("/supervision/targets?year=2025")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="330326103.admitted" id="f-330326103-admitted" value="4""#), "{page}");
    let form = [
        ("_csrf", csrf.as_str()),
        ("year", "2025"),
        ("330326103.admitted", "6"),
        ("330326103.scaled_up", ""),
        ("330326103.tax_per_mu", "6"),
    ];
    let r = c.post(app.url("/supervision/targets")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/supervision/targets?year=2025&done=saved");
    let page = c.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"value="6""#) && page.contains("已保存"), "{page}");
    let (_, v) = json_of(app.get(&county, "/api/v1/supervision/targets?year=2025").await).await;
    assert_eq!(
        v["targets"],
        json!([{"township_code": "330326103", "admitted": 6, "scaled_up": null, "tax_per_mu": 6.0}])
    );
    let form = [("_csrf", csrf.as_str()), ("year", "2025"), ("330326103.tax_per_mu", "6.001")];
    let r = c.post(app.url("/supervision/targets")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("萧江镇 亩均税收目标") && page.contains(r#"value="6.001""#), "{page}");
    let form = weiyuan_server::users::UserForm {
        username: "xiaojiang".into(),
        display_name: "萧江镇".into(),
        role: "township".into(),
        scope: "330326103".into(),
        password: common::PASSWORD.into(),
        ..Default::default()
    };
    let user = weiyuan_server::users::prepare_demo(&app.store, &form).await.unwrap();
    app.store
        .create_user(
            &weiyuan::demo::demo_county().user_admin().unwrap(),
            &weiyuan_store::AuditCtx::system("test"),
            &user,
        )
        .await
        .unwrap();
    let (t, _) = app.browser("xiaojiang").await;
    let page = t.get(app.url("/supervision/targets?year=2025")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(r#"value="6" size="6" inputmode="numeric" readonly"#) && !page.contains("save-targets"),
        "{page}"
    );
}
