//! Park grading end to end on both backends: measured dimensions from reports, orientation and
//! milestones; reviewers' scores with evidence; parks in their grace period or not completed
//! listed apart; grades by the quotas; publishing held until every review is in.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_domain::units::Fixed2;

async fn park(app: &App, county: &str, name: &str, status: &str, completed_on: Option<&str>) -> i64 {
    let (s, p) = json_of(
        app.send(
            county,
            "POST",
            "/api/v1/parks",
            json!({"name": name, "township_code": "330326103", "status": status, "land_mu": 100,
                "building_area_m2": 100000, "leading_industries": "机械", "enterprise_count": 0,
                "development_model": "undecided", "park_type": "manufacturing"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    if let Some(d) = completed_on {
        let (s, m) = json_of(
            app.send(
                county,
                "POST",
                &format!("/api/v1/parks/{id}/milestones"),
                json!({"phase": "一期", "kind": "completed", "planned_date": d, "actual_date": d}),
            )
            .await,
        )
        .await;
        assert!(s == 200 || s == 201, "{m}");
    }
    id
}

async fn enterprise(app: &App, county: &str, park: i64, n: u32) -> i64 {
    let (s, e) = json_of(
        app.send(
            county,
            "POST",
            &format!("/api/v1/parks/{park}/enterprises"),
            json!({"name": format!("评价测试{n}有限公司"), "credit_code": weiyuan::demo::demo_credit_code(89_000 + n),
                "industry_code": "C3484", "size": "below"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{e}");
    e["id"].as_i64().unwrap()
}

fn failed(v: &Value) -> Vec<String> {
    v["error"]["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["passed"] == false).map(|c| c["rule"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

both_bare!(parks_are_graded_from_what_is_measured_and_what_reviewers_score);
async fn parks_are_graded_from_what_is_measured_and_what_reviewers_score(app: &App) {
    let county = app.token("county").await;
    let a = park(app, &county, "评价测试甲园", "completed", Some("2020-06-30")).await;
    let b = park(app, &county, "评价测试乙园", "completed", Some("2019-12-31")).await;
    let young = park(app, &county, "评价测试丙园", "completed", Some("2024-03-01")).await;
    let building = park(app, &county, "评价测试丁园", "under_construction", None).await;
    let (s, v) =
        json_of(app.send(&county, "PUT", &format!("/api/v1/parks/{a}/orientation"), json!({"prefixes": "C34"})).await)
            .await;
    assert_eq!(s, 200, "{v}");
    let ea = enterprise(app, &county, a, 1).await;
    enterprise(app, &county, b, 2).await;
    // Park A's enterprise: 10 万元 of tax a month, filed on time, all of 2025.
    let rows: Vec<weiyuan_store::reports::NewReport> = (1..=12)
        .map(|m| {
            let mut f: Figures = [None; N];
            f[index("tax").unwrap()] = Some(Fixed2::from_units(10));
            f[index("revenue").unwrap()] = Some(Fixed2::from_units(200));
            weiyuan_store::reports::NewReport {
                enterprise_id: ea,
                park_id: a,
                month: Month::new(2025, m).unwrap(),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect();
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    let (s, g) = json_of(app.send(&county, "POST", "/api/v1/gradings", json!({"year": 2025})).await).await;
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_i64().unwrap();
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/gradings", json!({"year": 2099})).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("year")), "{v}");

    // Publishing waits for the reviews: three reviewed dimensions of two graded parks.
    let publish = format!("/api/v1/gradings/{id}/publish");
    let (s, v) = json_of(app.send(&county, "POST", &publish, json!({})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.reviews_complete".to_string()]), "{v}");
    let reviews = format!("/api/v1/gradings/{id}/reviews");
    let (s, v) = json_of(
        app.send(
            &county,
            "POST",
            &reviews,
            json!({"park_id": a, "dimension": "services", "score": 11, "evidence": ""}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, failed(&v)),
        (422, vec!["grading.review_range".to_string(), "grading.review_evidence".to_string()]),
        "{v}"
    );
    let (s, v) = json_of(
        app.send(
            &county,
            "POST",
            &reviews,
            json!({"park_id": a, "dimension": "industry", "score": 5, "evidence": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.review_dimension".to_string()]), "{v}");
    for (p, scores) in [(a, [8, 4, 5]), (b, [10, 5, 5])] {
        for (key, score) in ["services", "factors", "integrity"].into_iter().zip(scores) {
            let (s, v) = json_of(
                app.send(
                    &county,
                    "POST",
                    &reviews,
                    json!({"park_id": p, "dimension": key, "score": score, "evidence": "现场核查记录"}),
                )
                .await,
            )
            .await;
            assert_eq!(s, 200, "{v}");
        }
    }

    // Park A: 1.2 of 25 万元/亩 → 0.96; leading share 100 % of 70 → 15; filed on time 100 % → 15;
    // nothing cultivated, metered or alarmed → 0; reviews 17: 47.96. Park B: reviews 20.
    // Two graded, quotas 30/35/30/5: rank 1 ≤ 1.3 is B, rank 2 > 1.9 is D.
    let (_, view) = json_of(app.get(&county, &format!("/api/v1/gradings/{id}")).await).await;
    let line = |p: i64| view["lines"].as_array().unwrap().iter().find(|l| l["park_id"] == p).unwrap().clone();
    let la = line(a);
    assert_eq!((la["graded"]["score"].as_f64(), la["graded"]["grade"].as_str()), (Some(47.96), Some("B")), "{la}");
    let per_mu =
        la["graded"]["dimensions"].as_array().unwrap().iter().find(|d| d["key"] == "per_mu_benefit").unwrap().clone();
    assert_eq!((per_mu["value"].as_f64(), per_mu["earned"].as_f64()), (Some(1.2), Some(0.96)), "{per_mu}");
    assert_eq!((line(b)["graded"]["score"].as_f64(), line(b)["graded"]["grade"].as_str()), (Some(20.0), Some("D")));
    assert_eq!(
        (line(young)["not_graded"]["reason"].as_str(), line(young)["not_graded"]["until"].as_str()),
        (Some("grading.grace"), Some("2027-03-01"))
    );
    assert_eq!(line(building)["not_graded"]["reason"], "grading.not_completed");

    let (s, v) = json_of(app.send(&county, "POST", &publish, json!({})).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    let (s, v) = json_of(
        app.send(
            &county,
            "POST",
            &reviews,
            json!({"park_id": a, "dimension": "services", "score": 9, "evidence": "补充"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.is_draft".to_string()]), "{v}");

    // Stars: park A (graded B) applies for three; park B (graded D) may not apply.
    let apply = |p: i64, stars: i64| {
        let county = county.clone();
        async move {
            json_of(
                app.send(
                    &county,
                    "POST",
                    &format!("/api/v1/parks/{p}/star-applications"),
                    json!({"stars": stars, "self_assessment": "主导产业集聚，服务平台运行良好"}),
                )
                .await,
            )
            .await
        }
    };
    let (s, v) = apply(b, 1).await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.stars_graded".to_string()]), "{v}");
    let (s, star) = apply(a, 3).await;
    assert_eq!((s, star["status"].as_str()), (201, Some("applied")), "{star}");
    let (s, v) = apply(a, 2).await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.stars_open".to_string()]), "{v}");
    let decision = format!("/api/v1/star-applications/{}/decision", star["id"]);
    let step = |d: &'static str| {
        let county = county.clone();
        let decision = decision.clone();
        async move {
            json_of(app.send(&county, "POST", &decision, json!({"decision": d, "note": "审核意见"})).await).await
        }
    };
    let (s, v) = step("award").await;
    assert_eq!(
        (s, failed(&v)),
        (422, vec!["grading.stars_step".to_string(), "grading.stars_decision".to_string()]),
        "{v}"
    );
    assert_eq!(step("endorse").await.1["status"], "endorsed");
    let (s, v) = step("award").await;
    assert_eq!((s, failed(&v)), (422, vec!["grading.stars_decision".to_string()]), "three stars are the city's: {v}");
    let (s, v) = step("recommend").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("recommended")), "{v}");

    // A rubric that cannot work is refused by field and changes nothing.
    let (_, r) = json_of(app.get(&county, "/api/v1/grading/rubric").await).await;
    let mut rubric = r["rubric"].clone();
    rubric["quotas"] = json!([30, 35, 30, 0]);
    let before = app.audit_total().await;
    let (s, v) = json_of(app.send(&county, "PUT", "/api/v1/grading/rubric", json!({"rubric": rubric})).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("quotas")), "{v}");
    assert_eq!(app.audit_total().await, before);
}

both_bare!(the_county_edits_the_rubric_on_its_page);
async fn the_county_edits_the_rubric_on_its_page(app: &App) {
    let county = app.token("county").await;
    let (c, csrf) = app.browser("county").await;
    let page = c.get(app.url("/grading/rubric")).send().await.unwrap().text().await.unwrap();
    // The rubric in force fills the form: nine dimensions, how each is scored, the quotas.
    assert_eq!(page.matches("data-dimension=").count(), 9, "{page}");
    assert!(page.contains(r#"name="per_mu_benefit.points" id="f-per_mu_benefit-points" value="20""#), "{page}");
    assert!(page.contains(r#"<option value="tax_per_mu" selected>"#), "{page}");
    assert!(page.contains(r#"name="quotas.A" id="f-quotas-A" value="30""#), "{page}");

    // The county drops 清廉建设 (5 points), gives them to 配套服务 and measures 安全生产 against 95 %.
    let mut form: Vec<(String, String)> =
        weiyuan_server::grading::pages::rubric_values(&weiyuan_domain::grading::Rubric::default())
            .into_iter()
            .collect();
    let set = |form: &mut Vec<(String, String)>, k: &str, v: &str| {
        form.retain(|(name, _)| name != k);
        form.push((k.to_string(), v.to_string()));
    };
    set(&mut form, "integrity.points", "");
    set(&mut form, "services.points", "15");
    set(&mut form, "safety.target", "95");
    set(&mut form, "_csrf", &csrf);
    let r = c.post(app.url("/grading/rubric")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/grading/rubric?done=rubric_saved");
    let (_, v) = json_of(app.get(&county, "/api/v1/grading/rubric").await).await;
    assert_eq!(v["version"], 1, "{v}");
    let dims = v["rubric"]["dimensions"].as_array().unwrap();
    assert_eq!(dims.len(), 8);
    assert!(!dims.iter().any(|d| d["key"] == "integrity"));
    let dim = |key: &str| dims.iter().find(|d| d["key"] == key).unwrap().clone();
    assert_eq!(dim("services")["points"], 15.0);
    assert_eq!(dim("safety")["source"], json!({"kind": "measured", "measure": "alarms_handled", "target": 95.0}));
    // A dimension left out stays on the form, empty, so it can be put back.
    let page = c.get(app.url("/grading/rubric?done=rubric_saved")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="integrity.points" id="f-integrity-points" value="""#) && page.contains("已保存"));

    // Points that do not add up to 100 and a target that is not a number are refused by field, in
    // words, with what was typed kept, and nothing is saved.
    let audit = app.audit_total().await;
    set(&mut form, "services.points", "10");
    set(&mut form, "safety.target", "九十五");
    let r = c.post(app.url("/grading/rubric")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("安全生产 目标值：须为数字") && page.contains(r#"value="九十五""#), "{page}");
    set(&mut form, "safety.target", "95");
    let r = c.post(app.url("/grading/rubric")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("各维度分值合计须为 100，现为 95.00"));
    assert_eq!(app.audit_total().await, audit);
    let (_, v) = json_of(app.get(&county, "/api/v1/grading/rubric").await).await;
    assert_eq!(v["version"], 1);
}
