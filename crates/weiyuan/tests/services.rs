//! Online services end to end on both backends: the catalogue refused field by field, a park's
//! functions against the target of 3, what an enterprise is offered, the request lifecycle with
//! its deadlines on a synthetic clock and the escalation of what is overdue, the scopes (an
//! operator sees the requests for the services it provides, an enterprise only its own), the
//! rating and the figures, and attachments typed by their content.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn service(category: &str, name: &str, kind: &str) -> Value {
    json!({"category": category, "name": name, "provider_kind": kind, "provider_name": "园区运营公司",
        "description": "对接银行与担保机构", "documents": "营业执照\n财务报表", "response_hours": 24, "completion_days": 10})
}

both!(a_request_is_offered_taken_escalated_and_rated_in_scope);
async fn a_request_is_offered_taken_escalated_and_rated_in_scope(app: &App) {
    let county = app.token("county").await;
    let operator = app.token("wanyang").await;
    let township = app.token("xiaojiang").await;
    let ent = app.token("enterprise").await;
    let py08 = app.park_id("PY08").await;
    let py06 = app.park_id("PY06").await;

    // Refused field by field, nothing written; an operator's service belongs to a park.
    let before = app.audit_total().await;
    let bad = json!({"category": "astrology", "name": "", "provider_kind": "operator", "provider_name": "x",
        "response_hours": 0, "completion_days": 10});
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/services", bad).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["category".to_string(), "name".into(), "response_hours".into()]), "{v}");
    let (s, v) =
        json_of(app.send(&county, "POST", "/api/v1/services", service("finance", "融资", "operator")).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["provider_kind".to_string()]), "{v}");
    assert_eq!(app.audit_total().await, before);
    assert_eq!(
        app.send(&operator, "POST", "/api/v1/services", service("ip", "知识产权", "county")).await.status(),
        403
    );

    // The county's catalogue; PY08's own; one in PY06 the enterprise of PY08 is not offered.
    let (s, cw) =
        json_of(app.send(&county, "POST", "/api/v1/services", service("legal_aid", "法律援助", "county")).await).await;
    assert_eq!(s, 201, "{cw}");
    let add = |park: i64, category: &'static str, token: String| {
        let body = service(category, &format!("{category} 服务"), "operator");
        async move {
            let (s, v) = json_of(app.send(&token, "POST", &format!("/api/v1/parks/{park}/services"), body).await).await;
            assert_eq!(s, 201, "{v}");
            v["id"].as_i64().unwrap()
        }
    };
    let finance = add(py08, "finance", operator.clone()).await;
    add(py08, "training", operator.clone()).await;
    add(py08, "finance", operator.clone()).await;
    let functions = |token: String| async move {
        let (_, f) = json_of(app.get(&token, "/api/v1/services/functions").await).await;
        let row = f.as_array().unwrap().iter().find(|r| r["park_id"] == py08).cloned();
        row.map(|r| (r["functions"].as_i64().unwrap(), r["met"].as_bool().unwrap()))
    };
    assert_eq!(functions(county.clone()).await, Some((2, false)), "two categories, one twice");
    add(py08, "recruitment", operator.clone()).await;
    assert_eq!(functions(operator.clone()).await, Some((3, true)));
    assert_eq!(functions(township.clone()).await, None, "another township's park");
    assert_eq!(
        app.send(&operator, "POST", &format!("/api/v1/parks/{py06}/services"), service("ip", "x", "operator"))
            .await
            .status(),
        404
    );
    let foreign = add(py06, "ip", county.clone()).await;
    let (_, offered) = json_of(app.get(&ent, "/api/v1/services?size=500").await).await;
    let ids: Vec<i64> = offered["services"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert!(
        ids.contains(&finance) && ids.contains(&cw["id"].as_i64().unwrap()) && !ids.contains(&foreign),
        "{offered}"
    );

    // The enterprise requests; another park's service is not there for it.
    let (s, _) =
        json_of(app.send(&ent, "POST", &format!("/api/v1/services/{foreign}/requests"), json!({"detail": "x"})).await)
            .await;
    assert_eq!(s, 404);
    let (s, v) =
        json_of(app.send(&ent, "POST", &format!("/api/v1/services/{finance}/requests"), json!({"detail": ""})).await)
            .await;
    assert_eq!((s, fields(&v)), (422, vec!["detail".to_string()]));
    assert_eq!(
        app.send(&operator, "POST", &format!("/api/v1/services/{finance}/requests"), json!({"detail": "x"}))
            .await
            .status(),
        403
    );
    let (s, r) = json_of(
        app.send(
            &ent,
            "POST",
            &format!("/api/v1/services/{finance}/requests"),
            json!({"detail": "流动资金贷款 300 万元"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, r["state"].as_str()), (201, Some("requested")), "{r}");
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["respond_by"].as_i64().unwrap() - r["requested_at"].as_i64().unwrap(), 24 * HOUR);

    // Who sees it: the enterprise, the operator providing it, the county; not another township.
    assert_eq!(app.get(&township, &format!("/api/v1/service-requests/{id}")).await.status(), 404);
    let (_, list) = json_of(app.get(&operator, "/api/v1/service-requests").await).await;
    assert!(list["requests"].as_array().unwrap().iter().any(|x| x["id"] == id), "{list}");
    let (_, list) = json_of(app.get(&township, "/api/v1/service-requests").await).await;
    assert!(list["requests"].as_array().unwrap().iter().all(|x| x["id"] != id));

    // The lifecycle: each side its own steps, in order.
    let step = |token: String, body: Value| {
        let path = format!("/api/v1/service-requests/{id}/steps");
        async move { json_of(app.send(&token, "POST", &path, body).await).await }
    };
    assert_eq!(step(ent.clone(), json!({"step": "accept"})).await.0, 403);
    assert_eq!(step(township.clone(), json!({"step": "accept"})).await.0, 404);
    let (s, v) = step(operator.clone(), json!({"step": "decline"})).await;
    assert_eq!((s, fields(&v)), (422, vec!["note".to_string()]));
    let (s, v) = step(operator.clone(), json!({"step": "accept", "note": "已对接农商行"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("accepted")), "{v}");
    assert_eq!(v["complete_by"].as_i64().unwrap() - v["accepted_at"].as_i64().unwrap(), 240 * HOUR);
    let (s, v) = step(ent.clone(), json!({"step": "cancel"})).await;
    assert_eq!((s, v["error"]["checks"][0]["rule"].as_str()), (422, Some("service.step_allowed")), "{v}");
    let (s, _) = step(operator.clone(), json!({"step": "complete", "note": "贷款已发放"})).await;
    assert_eq!(s, 200);
    let (s, v) = step(ent.clone(), json!({"step": "confirm"})).await;
    assert_eq!((s, fields(&v)), (422, vec!["rating".to_string()]));
    let (s, v) = step(ent.clone(), json!({"step": "confirm", "rating": 4, "note": "很及时"})).await;
    assert_eq!((s, v["state"].as_str(), v["rating"].as_i64()), (200, Some("confirmed"), Some(4)), "{v}");

    // Overdue on a synthetic clock: the response, then the completion, each escalated once.
    let (_, r2) = json_of(
        app.send(&ent, "POST", &format!("/api/v1/services/{finance}/requests"), json!({"detail": "第二笔"})).await,
    )
    .await;
    let id2 = r2["id"].as_i64().unwrap();
    let t0 = r2["requested_at"].as_i64().unwrap();
    let esc = |now: i64| async move { weiyuan_server::services::escalate(&app.store, now).await.unwrap() };
    assert!(esc(t0 + 24 * HOUR).await.iter().all(|x| x.id != id2), "at the deadline is on time");
    let first = esc(t0 + 24 * HOUR + 1).await;
    let mine = first.iter().find(|x| x.id == id2).expect("escalated");
    assert_eq!(mine.escalated_for.as_deref(), Some("response"));
    assert!(esc(t0 + 30 * HOUR).await.iter().all(|x| x.id != id2), "once per deadline");
    // The record says so; the overdue list is of the real clock, where it is not yet late.
    let (_, rec) = json_of(app.get(&county, &format!("/api/v1/service-requests/{id2}")).await).await;
    assert_eq!(rec["request"]["escalated_for"], "response", "{rec}");
    let (_, late) = json_of(app.get(&county, "/api/v1/service-requests?overdue=1&size=500").await).await;
    assert!(late["requests"].as_array().unwrap().iter().all(|x| x["id"] != id2), "{late}");
    let accepted = weiyuan_server::services::step(
        &app.store,
        &weiyuan::demo::demo_county(),
        id2,
        &weiyuan_domain::services::StepForm { step: "accept".into(), ..Default::default() },
        t0 + 30 * HOUR,
    )
    .await
    .unwrap();
    assert_eq!(accepted.complete_by, Some(t0 + 30 * HOUR + 240 * HOUR));
    let second = esc(t0 + 270 * HOUR + 1).await;
    assert_eq!(second.iter().find(|x| x.id == id2).and_then(|x| x.escalated_for.as_deref()), Some("completion"));
    let (_, rec) = json_of(app.get(&ent, &format!("/api/v1/service-requests/{id2}")).await).await;
    let steps: Vec<&str> = rec["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["request", "escalate", "accept", "escalate"], "{rec}");
    // On the request's page the escalations say what was late and that the platform escalated.
    let (page, _) = app.browser("county").await;
    let html = page.get(app.url(&format!("/service-requests/{id2}"))).send().await.unwrap().text().await.unwrap();
    for said in ["响应逾期", "办结逾期", "系统（服务时限）"] {
        assert!(html.contains(said), "{said} on the request's page");
    }
    assert!(!html.contains("service deadlines"), "no English actor on a Chinese page");

    // Figures by park and by provider: PY08 has 2 requests, 1 completed on time, rated 4.
    let (_, f) = json_of(app.get(&operator, "/api/v1/services/figures").await).await;
    let row =
        f.as_array().unwrap().iter().find(|r| r["key"].as_str() == Some(py08.to_string().as_str())).cloned().unwrap();
    assert_eq!(row["figures"]["requests"], 2, "{row}");
    assert_eq!(row["figures"]["completed"], 1);
    assert_eq!(row["figures"]["on_time_pct"], 100.0);
    assert_eq!(row["figures"]["satisfaction"], 4.0);
    assert_eq!(app.get(&ent, "/api/v1/services/figures").await.status(), 403);
    let (s, _) = json_of(app.get(&county, "/api/v1/services/figures?by=provider").await).await;
    assert_eq!(s, 200);
    assert_eq!(app.get(&county, "/api/v1/services/figures?by=weather").await.status(), 422);

    // Attachments: typed by content, downloaded as files, to the parties only.
    let attach = format!("/api/v1/service-requests/{id}/attachments?name=%E6%8A%A5%E8%A1%A8.pdf");
    let send = |token: String, body: &'static [u8]| {
        let url = app.url(&attach);
        async move { app.client().post(url).bearer_auth(token).body(body.to_vec()).send().await.unwrap() }
    };
    let r = send(ent.clone(), b"<html><script>alert(1)</script></html>").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("\"file\""));
    assert_eq!(send(township.clone(), b"%PDF-1.4 x").await.status(), 404);
    let r = send(ent.clone(), b"%PDF-1.4 balance sheet").await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["name"].as_str(), a["content_type"].as_str()), (Some("报表.pdf"), Some("application/pdf")));
    let r = app.get(&operator, &format!("/api/v1/service-attachments/{}", a["id"])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 balance sheet");
    assert_eq!(app.get(&township, &format!("/api/v1/service-attachments/{}", a["id"])).await.status(), 404);
}
