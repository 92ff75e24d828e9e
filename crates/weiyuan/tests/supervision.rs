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
