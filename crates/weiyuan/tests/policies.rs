//! Policies and incentives end to end on both backends: a policy refused field by field, then
//! written and published; who qualifies, who nearly does and what is missing, from the reports
//! of the basis year; the notices pushed and read; an application with its amount computed by
//! hand (the small low-profit relief at the 3 million yuan threshold), refused when the
//! enterprise does not qualify or applies twice; the township's and the county's reviews with
//! their scopes, a stale step, a return and a resubmission; the reach.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::reports::NewReport;

/// The basis year the platform assesses on today.
fn basis() -> i32 {
    weiyuan_domain::policies::basis_year(&weiyuan_server::today())
}

/// Twelve months of the basis year with this monthly profit and R&D (万元) and 20 employees.
fn year(enterprise_id: i64, park_id: i64, profit: &str, rnd: &str) -> Vec<NewReport> {
    (1..=12)
        .map(|m| {
            let mut f: Figures = [None; N];
            f[index("revenue").unwrap()] = Some(Fixed2::from_units(100));
            f[index("profit").unwrap()] = Some(Fixed2::parse(profit).unwrap());
            f[index("rnd").unwrap()] = Some(Fixed2::parse(rnd).unwrap());
            f[index("employees").unwrap()] = Some(Fixed2::from_units(20));
            NewReport {
                enterprise_id,
                park_id,
                month: Month::new(basis(), m).unwrap(),
                figures: f,
                submitted_at: weiyuan_store::now_ms(),
                late: false,
            }
        })
        .collect()
}

fn failed(v: &Value) -> Vec<String> {
    v["error"]["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["passed"] == false).map(|c| c["rule"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn enterprise_user(app: &App, name: &str, enterprise: i64) -> String {
    let form = weiyuan_server::users::UserForm {
        username: name.into(),
        display_name: name.into(),
        role: "enterprise".into(),
        scope: enterprise.to_string(),
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
    app.token(name).await
}

both!(a_policy_is_matched_applied_for_and_reviewed_in_scope);
async fn a_policy_is_matched_applied_for_and_reviewed_in_scope(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let other = app.token("binhai").await;
    let (park, _, e) = app.park_with(&county, &[], &["C3484", "C3484", "C3484", "C1311"]).await;
    // 25 万元 a month: 300 万元 of taxable income, exactly the ceiling; 26: 312, within a fifth.
    let mut rows = year(e[0], park, "25", "2");
    rows.extend(year(e[1], park, "26", "0"));
    rows.extend(year(e[3], park, "10", "0"));
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();

    // Refused field by field, nothing written.
    let before = app.audit_total().await;
    let bad = json!({"title": "", "source": "x", "benefit": "x", "valid_from": "2026-02-31", "valid_to": "2020-01-01",
        "criteria": [{"kind": "figure", "figure": "profit"}, {"kind": "industry", "codes": ["Z9"]}],
        "formula": {"kind": "rent_subsidy", "percent": 0, "months": 12}});
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/policies", bad).await).await;
    assert_eq!(s, 422, "{v}");
    let f = fields(&v);
    for want in ["title", "valid_from", "criteria.0.min", "criteria.1.codes", "formula.percent"] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
    assert_eq!(app.audit_total().await, before);

    let policy = json!({"title": "小型微利企业所得税优惠", "source": "平阳县小微企业园高质量发展五年规划 六",
        "benefit": "应纳税所得额减按 25%/50% 计入，按 20% 缴纳", "valid_from": "2020-01-01", "valid_to": "2099-12-31",
        "criteria": [{"kind": "industry", "codes": ["C34"]},
                     {"kind": "figure", "figure": "profit", "min": 0.01, "max": 300},
                     {"kind": "figure", "figure": "employees", "max": 300}],
        "formula": {"kind": "small_profit_relief"}});
    assert_eq!(app.send(&township, "POST", "/api/v1/policies", policy.clone()).await.status(), 403);
    let (s, p) = json_of(app.send(&county, "POST", "/api/v1/policies", policy).await).await;
    assert_eq!((s, p["status"].as_str()), (201, Some("draft")), "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["criteria"][0]["codes"], json!(["C34"]));
    let ent0 = enterprise_user(app, "zc-e0", e[0]).await;
    let ent1 = enterprise_user(app, "zc-e1", e[1]).await;
    assert_eq!(app.get(&ent0, &format!("/api/v1/policies/{id}")).await.status(), 404, "a draft is the county's");

    // Publishing notifies who qualifies: e0, not e1 (nearly), e2 (no reports) or e3 (industry).
    let (s, v) = json_of(app.send(&county, "POST", &format!("/api/v1/policies/{id}/publish"), json!({})).await).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["notified"].as_i64().unwrap() >= 1, "{v}");
    let (_, n0) = json_of(app.get(&ent0, &format!("/api/v1/enterprises/{}/notices", e[0])).await).await;
    assert_eq!(n0.as_array().unwrap().iter().filter(|n| n["policy_id"] == id).count(), 1, "{n0}");
    let (_, n1) = json_of(app.get(&county, &format!("/api/v1/enterprises/{}/notices", e[1])).await).await;
    assert!(n1.as_array().unwrap().iter().all(|n| n["policy_id"] != id), "{n1}");
    assert_eq!(app.get(&ent1, &format!("/api/v1/enterprises/{}/notices", e[0])).await.status(), 404);
    // A second sweep adds nothing.
    let (_, again) = json_of(app.send(&county, "POST", "/api/v1/policies/notify", json!({})).await).await;
    let (_, n0b) = json_of(app.get(&ent0, &format!("/api/v1/enterprises/{}/notices", e[0])).await).await;
    assert_eq!(n0b.as_array().unwrap().iter().filter(|n| n["policy_id"] == id).count(), 1, "{again}");

    // Each enterprise's standing, with the rule and numbers of what is missing.
    let standing = |v: &Value| {
        let o = v.as_array().unwrap().iter().find(|o| o["policy"]["id"] == id).unwrap().clone();
        (o["assessment"]["standing"].as_str().unwrap().to_string(), o)
    };
    let (_, mine) = json_of(app.get(&ent0, &format!("/api/v1/enterprises/{}/policies", e[0])).await).await;
    let (st, o) = standing(&mine);
    assert_eq!(st, "qualifies");
    // 3,000,000 元: 750,000 at 25 % against 250,000 with the relief.
    assert_eq!(o["assessment"]["amount"]["value"], 500000.0, "{o}");
    let (_, theirs) = json_of(app.get(&county, &format!("/api/v1/enterprises/{}/policies", e[1])).await).await;
    let (st, o) = standing(&theirs);
    assert_eq!(st, "nearly");
    let miss: Vec<&Value> =
        o["assessment"]["checks"].as_array().unwrap().iter().filter(|c| c["passed"] == false).collect();
    assert_eq!(miss.len(), 1);
    assert_eq!(miss[0]["rule"], "policy.figure");
    assert!(miss[0]["numbers"].as_array().unwrap().contains(&json!(["value", "312"])), "{}", miss[0]);
    let (_, third) = json_of(app.get(&county, &format!("/api/v1/enterprises/{}/policies", e[2])).await).await;
    assert_eq!(standing(&third).0, "no");

    // Who qualifies, in scope: the park's township sees e0; another township does not.
    let (_, m) = json_of(app.get(&township, &format!("/api/v1/policies/{id}/matches")).await).await;
    assert!(m["enterprises"].as_array().unwrap().iter().any(|r| r["enterprise_id"] == e[0]), "{m}");
    let (_, nearly) =
        json_of(app.get(&township, &format!("/api/v1/policies/{id}/matches?standing=nearly")).await).await;
    assert!(nearly["enterprises"].as_array().unwrap().iter().any(|r| r["enterprise_id"] == e[1]), "{nearly}");
    let (_, m) = json_of(app.get(&other, &format!("/api/v1/policies/{id}/matches")).await).await;
    assert!(m["enterprises"].as_array().unwrap().iter().all(|r| r["enterprise_id"] != e[0]), "{m}");
    let (s, v) = json_of(app.get(&township, &format!("/api/v1/policies/{id}/matches?standing=maybe")).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["standing".to_string()]));

    // Applying: e1 is refused with the rule it misses; e0 files once, with its amount.
    let apply = format!("/api/v1/policies/{id}/applications");
    let (s, v) = json_of(app.send(&ent1, "POST", &apply, json!({})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["policy.figure".to_string()]), "{v}");
    assert_eq!(app.send(&township, "POST", &apply, json!({})).await.status(), 403);
    let (s, a) = json_of(app.send(&ent0, "POST", &apply, json!({"statement": "申请享受"})).await).await;
    assert_eq!((s, a["status"].as_str()), (201, Some("township")), "{a}");
    assert_eq!(a["amount"], 500000.0);
    let (s, v) = json_of(app.send(&ent0, "POST", &apply, json!({})).await).await;
    assert_eq!((s, failed(&v)), (422, vec!["policy.one_application".to_string()]), "{v}");
    let aid = a["id"].as_i64().unwrap();

    // Reviews: the township first, in its scope; the county after; a stale step is 409.
    let decide = format!("/api/v1/policy-applications/{aid}/decide");
    let approve_t = json!({"stage": "township", "decision": "approve"});
    assert_eq!(app.send(&county, "POST", &decide, approve_t.clone()).await.status(), 403);
    assert_eq!(app.send(&other, "POST", &decide, approve_t.clone()).await.status(), 404);
    assert_eq!(app.send(&ent0, "POST", &decide, approve_t.clone()).await.status(), 403);
    let (s, v) = json_of(app.send(&township, "POST", &decide, approve_t.clone()).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("county")), "{v}");
    assert_eq!(app.send(&township, "POST", &decide, approve_t).await.status(), 409);
    let (s, v) =
        json_of(app.send(&county, "POST", &decide, json!({"stage": "county", "decision": "return"})).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["comment".to_string()]), "{v}");
    let back = json!({"stage": "county", "decision": "return", "comment": "请补充汇算清缴报告"});
    let (s, v) = json_of(app.send(&county, "POST", &decide, back).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("returned")), "{v}");

    // The enterprise files again; the other enterprise cannot.
    let resubmit = format!("/api/v1/policy-applications/{aid}/resubmit");
    assert_eq!(app.send(&ent1, "POST", &resubmit, json!({})).await.status(), 404);
    let (s, v) = json_of(app.send(&ent0, "POST", &resubmit, json!({"statement": "已补充"})).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("township")), "{v}");
    assert_eq!(app.send(&ent0, "POST", &resubmit, json!({})).await.status(), 409);
    let ok_t = json!({"stage": "township", "decision": "approve", "comment": "属实"});
    assert_eq!(app.send(&township, "POST", &decide, ok_t).await.status(), 200);
    let ok_c = json!({"stage": "county", "decision": "approve"});
    let (s, v) = json_of(app.send(&county, "POST", &decide, ok_c).await).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");

    // The record: every step in order, readable by the enterprise and its township only.
    let (_, rec) = json_of(app.get(&ent0, &format!("/api/v1/policy-applications/{aid}")).await).await;
    let steps: Vec<&str> = rec["steps"].as_array().unwrap().iter().map(|s| s["decision"].as_str().unwrap()).collect();
    assert_eq!(steps, ["apply", "approve", "return", "resubmit", "approve", "approve"], "{rec}");
    assert_eq!(app.get(&ent1, &format!("/api/v1/policy-applications/{aid}")).await.status(), 404);
    assert_eq!(app.get(&other, &format!("/api/v1/policy-applications/{aid}")).await.status(), 404);
    let (_, list) = json_of(app.get(&other, "/api/v1/policy-applications").await).await;
    assert!(list["applications"].as_array().unwrap().iter().all(|a| a["id"] != aid), "{list}");
    let (_, list) = json_of(app.get(&township, "/api/v1/policy-applications?status=approved").await).await;
    assert!(list["applications"].as_array().unwrap().iter().any(|a| a["id"] == aid), "{list}");

    // Reading the notice, and the reach the county sees.
    let read = format!("/api/v1/enterprises/{}/notices/{id}/read", e[0]);
    assert_eq!(app.send(&county, "POST", &read, json!({})).await.status(), 403);
    assert_eq!(app.send(&ent0, "POST", &read, json!({})).await.status(), 200);
    let (_, r) = json_of(app.get(&county, &format!("/api/v1/policies/{id}/reach")).await).await;
    assert!(r["notified"].as_i64().unwrap() >= 1 && r["read"] == 1, "{r}");
    assert_eq!((r["applied"].as_i64(), r["approved"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(app.get(&ent0, &format!("/api/v1/policies/{id}/reach")).await.status(), 403);

    // A corrected report moves the year's totals at once: 60 万元 more profit, 360 in all,
    // and e0 only nearly qualifies now.
    let correction = json!({"month": format!("{}-01", basis()), "output": "100", "revenue": "100", "tax": "1",
        "electricity": "1000", "employees": "20", "profit": "85", "rnd": "2", "reason": "汇算后更正利润"});
    let (s, v) =
        json_of(app.send(&ent0, "POST", &format!("/api/v1/enterprises/{}/reports", e[0]), correction).await).await;
    assert_eq!(s, 201, "{v}");
    let (_, mine) = json_of(app.get(&ent0, &format!("/api/v1/enterprises/{}/policies", e[0])).await).await;
    let (st, o) = standing(&mine);
    assert_eq!(st, "nearly", "{o}");

    // Withdrawn: no longer offered, no new application.
    let (s, _) = json_of(app.send(&county, "POST", &format!("/api/v1/policies/{id}/withdraw"), json!({})).await).await;
    assert_eq!(s, 200);
    let (_, mine) = json_of(app.get(&ent0, &format!("/api/v1/enterprises/{}/policies", e[0])).await).await;
    assert!(mine.as_array().unwrap().iter().all(|o| o["policy"]["id"] != id));
}
