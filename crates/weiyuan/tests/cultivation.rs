//! The cultivation library end to end on both backends: tiers from the registry marks, a 小升规
//! candidate found from the last twelve months' reports (and one just short of the line), the
//! counts per park, the scopes, and the liaison, visits and tasks kept by the township.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::reports::NewReport;

/// The twelve months up to the last that has ended, with this monthly revenue (万元).
fn trailing(enterprise_id: i64, park_id: i64, revenue: i64) -> Vec<NewReport> {
    let last = weiyuan_server::reports::last_month();
    (0..12)
        .map(|k| {
            let mut f: Figures = [None; N];
            f[index("revenue").unwrap()] = Some(Fixed2::from_units(revenue));
            NewReport {
                enterprise_id,
                park_id,
                month: last.back(k),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect()
}

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

both!(the_library_finds_candidates_and_keeps_the_follow_up_in_scope);
async fn the_library_finds_candidates_and_keeps_the_follow_up_in_scope(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let other = app.token("binhai").await;
    let (park, _, e) = app.park_with(&county, &[], &["C3484", "C3484", "C3484", "F5123"]).await;
    let ctx = weiyuan_store::AuditCtx::system("test");
    let mut tagged = app.store.get_enterprise(e[0]).await.unwrap().draft();
    tagged.tags = vec![weiyuan_domain::enterprises::Tag::TechBased];
    app.store.update_enterprise(&weiyuan::demo::county_desk(park).unwrap(), &ctx, e[0], &tagged).await.unwrap();
    // 140 万元 a month: 1,680 of 2,000, a candidate short by 320; 133: 1,596, just under 80 %;
    // trade (F) is judged by another threshold.
    let mut rows = trailing(e[1], park, 140);
    rows.extend(trailing(e[2], park, 133));
    rows.extend(trailing(e[3], park, 190));
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    let (s, l) = json_of(app.get(&township, "/api/v1/cultivation?size=500").await).await;
    assert_eq!(s, 200, "{l}");
    let row = |id: i64| l["enterprises"].as_array().unwrap().iter().find(|r| r["enterprise_id"] == id).cloned();
    assert_eq!(row(e[0]).unwrap()["tiers"], json!(["tech_based"]));
    let cand = row(e[1]).expect("candidate");
    assert_eq!((cand["gap"].as_f64(), cand["trailing_revenue"].as_f64()), (Some(320.0), Some(1680.0)), "{cand}");
    assert!(row(e[2]).is_none() && row(e[3]).is_none());
    let counts = l["counts"].as_array().unwrap().iter().find(|c| c["park_id"] == park).cloned().unwrap();
    assert_eq!((counts["tiers"].clone(), counts["candidates"].as_i64()), (json!([0, 1, 0, 0]), Some(1)), "{counts}");
    let (_, only) = json_of(app.get(&township, "/api/v1/cultivation?tier=candidate&size=500").await).await;
    assert!(only["enterprises"].as_array().unwrap().iter().all(|r| !r["gap"].is_null()));
    assert_eq!(app.get(&township, "/api/v1/cultivation?tier=unicorn").await.status(), 422);
    let (_, theirs) = json_of(app.get(&other, "/api/v1/cultivation?size=500").await).await;
    assert!(theirs["enterprises"].as_array().unwrap().iter().all(|r| r["park_id"] != park));
    assert_eq!(app.get(&app.token("enterprise").await, "/api/v1/cultivation").await.status(), 403);

    // The township keeps the follow-up; another township and the park's operator cannot.
    let liaison = format!("/api/v1/enterprises/{}/liaison", e[1]);
    assert_eq!(app.send(&other, "PUT", &liaison, json!({"liaison": "李"})).await.status(), 404);
    let (s, v) = json_of(app.send(&township, "PUT", &liaison, json!({"liaison": "", "phone": "x"})).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["liaison".to_string(), "phone".into()]), "{v}");
    let (s, v) =
        json_of(app.send(&township, "PUT", &liaison, json!({"liaison": "王科长", "phone": "0577-63000000"})).await)
            .await;
    assert_eq!((s, v["liaison"]["liaison"].as_str()), (200, Some("王科长")), "{v}");
    let visits = format!("/api/v1/enterprises/{}/visits", e[1]);
    let (s, v) =
        json_of(app.send(&township, "POST", &visits, json!({"visited_on": "2999-01-01", "summary": "x"})).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["visited_on".to_string()]));
    let (s, _) = json_of(
        app.send(&township, "POST", &visits, json!({"visited_on": "2026-01-05", "summary": "了解扩产计划"})).await,
    )
    .await;
    assert_eq!(s, 201);
    let (s, t) = json_of(
        app.send(
            &township,
            "POST",
            &format!("/api/v1/enterprises/{}/tasks", e[1]),
            json!({"title": "协助申报小升规", "due_on": "2027-03-31"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let done = format!("/api/v1/cultivation-tasks/{}/done", t["id"]);
    assert_eq!(app.send(&other, "POST", &done, json!({})).await.status(), 404);
    assert_eq!(app.send(&township, "POST", &done, json!({})).await.status(), 200);
    assert_eq!(app.send(&township, "POST", &done, json!({})).await.status(), 409);
    let (_, rec) = json_of(app.get(&county, &format!("/api/v1/enterprises/{}/cultivation", e[1])).await).await;
    assert_eq!(rec["visits"][0]["summary"], "了解扩产计划");
    assert!(rec["tasks"][0]["done_by"].is_string(), "{rec}");
    let (_, l) = json_of(app.get(&township, "/api/v1/cultivation?tier=candidate&size=500").await).await;
    let r = l["enterprises"].as_array().unwrap().iter().find(|r| r["enterprise_id"] == e[1]).cloned().unwrap();
    assert_eq!(
        (r["liaison"].as_str(), r["visits"].as_i64(), r["open_tasks"].as_i64()),
        (Some("王科长"), Some(1), Some(0))
    );
}
