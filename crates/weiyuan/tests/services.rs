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

both!(an_agency_sees_and_answers_only_the_requests_for_its_own_services);
async fn an_agency_sees_and_answers_only_the_requests_for_its_own_services(app: &App) {
    let county = app.token("county").await;
    let operator = app.token("wanyang").await;
    let township = app.token("xiaojiang").await;
    let ent = app.token("enterprise").await;
    let agency = app.token("agency").await;
    let py08 = app.park_id("PY08").await;

    // The county keeps the registry: refused field by field and twice by name, nothing written;
    // an operator may not register one.
    let before = app.audit_total().await;
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/agencies", json!({"name": " "})).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["name".to_string()]), "{v}");
    let (s, v) =
        json_of(app.send(&county, "POST", "/api/v1/agencies", json!({"name": weiyuan::demo::DEMO_AGENCY})).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["name".to_string()]), "a second agency of one name: {v}");
    assert_eq!(app.send(&operator, "POST", "/api/v1/agencies", json!({"name": "某机构"})).await.status(), 403);
    assert_eq!(app.audit_total().await, before);
    let (s, other) = json_of(
        app.send(
            &county,
            "POST",
            "/api/v1/agencies",
            json!({"name": "平阳县知联知识产权代理有限公司", "contact": "林先生"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{other}");
    let other_id = other["id"].as_i64().unwrap();
    let (_, list) = json_of(app.get(&county, "/api/v1/agencies").await).await;
    let demo_id = list["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == weiyuan::demo::DEMO_AGENCY)
        .expect("the demo agency")["id"]
        .as_i64()
        .unwrap();

    // An agency's service names a registered agency (an id in the body, resolved); the name is
    // the registry's.
    let with_agency = |id: i64| {
        let mut b = service("guarantee", "融资担保", "agency");
        b["provider_name"] = json!("");
        b["agency_id"] = json!(id);
        b
    };
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/services", with_agency(999_999)).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["agency_id".to_string()]), "{v}");
    let mut unnamed = with_agency(demo_id);
    unnamed["agency_id"] = json!("");
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/services", unnamed).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["agency_id".to_string()]), "{v}");
    let (s, mine) = json_of(app.send(&county, "POST", "/api/v1/services", with_agency(demo_id)).await).await;
    assert_eq!(s, 201, "{mine}");
    assert_eq!(
        (mine["provider_name"].as_str(), mine["agency_id"].as_i64()),
        (Some(weiyuan::demo::DEMO_AGENCY), Some(demo_id))
    );
    let mut ip = with_agency(other_id);
    ip["category"] = json!("ip");
    let (s, theirs) = json_of(app.send(&operator, "POST", &format!("/api/v1/parks/{py08}/services"), ip).await).await;
    assert_eq!(s, 201, "an operator offers a registered agency's service in its park: {theirs}");

    // The enterprise requests both.
    let ask = |id: i64| {
        let ent = ent.clone();
        async move {
            let path = format!("/api/v1/services/{id}/requests");
            let (s, v) = json_of(app.send(&ent, "POST", &path, json!({"detail": "需要帮助"})).await).await;
            assert_eq!(s, 201, "{v}");
            v["id"].as_i64().unwrap()
        }
    };
    let r_mine = ask(mine["id"].as_i64().unwrap()).await;
    let r_theirs = ask(theirs["id"].as_i64().unwrap()).await;

    // The agency sees the requests for its services only, and the services it provides.
    let (s, v) = json_of(app.get(&agency, "/api/v1/service-requests?size=500").await).await;
    assert_eq!(s, 200, "{v}");
    let ids: Vec<i64> = v["requests"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&r_mine) && !ids.contains(&r_theirs), "{ids:?}");
    assert!(v["requests"].as_array().unwrap().iter().all(|r| r["agency_id"] == json!(demo_id)), "{v}");
    let (_, v) = json_of(app.get(&agency, "/api/v1/services?size=500").await).await;
    assert!(v["services"].as_array().unwrap().iter().all(|s| s["agency_id"] == json!(demo_id)), "{v}");
    assert!(v["services"].as_array().unwrap().iter().any(|s| s["id"] == mine["id"]), "{v}");
    assert_eq!(app.get(&agency, &format!("/api/v1/service-requests/{r_theirs}")).await.status(), 404);
    assert_eq!(app.get(&agency, &format!("/api/v1/service-requests/{r_mine}")).await.status(), 200);

    // It takes the provider's steps on its own requests, not on another's, never the
    // enterprise's.
    let step = |token: &str, id: i64, step: &str| {
        let token = token.to_string();
        let body = json!({"step": step, "note": "", "rating": 5});
        async move { app.send(&token, "POST", &format!("/api/v1/service-requests/{id}/steps"), body).await.status() }
    };
    assert_eq!(step(&agency, r_theirs, "accept").await, 404);
    assert_eq!(step(&agency, r_mine, "cancel").await, 404, "the enterprise's step");
    assert_eq!(step(&operator, r_mine, "accept").await, 403, "the operator is not its provider");
    assert_eq!(step(&agency, r_mine, "accept").await, 200);
    assert_eq!(step(&agency, r_mine, "complete").await, 200);
    assert_eq!(step(&ent, r_mine, "confirm").await, 200);
    assert_eq!(step(&other_agency_login(app, &county, other_id).await, r_theirs, "accept").await, 200);
    let (_, v) = json_of(app.get(&agency, "/api/v1/services/figures?by=provider").await).await;
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1, "its own figures only: {v}");
    assert_eq!(rows[0]["label"], weiyuan::demo::DEMO_AGENCY);

    // The county sees both requests, a township of another area neither; the agency nothing
    // of any park.
    let seen = |token: String| async move {
        let (_, v) = json_of(app.get(&token, "/api/v1/service-requests?size=500").await).await;
        let ids: Vec<i64> = v["requests"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        (ids.contains(&r_mine), ids.contains(&r_theirs))
    };
    assert_eq!(seen(county.clone()).await, (true, true));
    assert_eq!(seen(township.clone()).await, (false, false));
    let (_, parks) = json_of(app.get(&agency, "/api/v1/parks").await).await;
    assert_eq!(parks["parks"], json!([]), "{parks}");
    let enterprise_id = json_of(app.get(&agency, &format!("/api/v1/service-requests/{r_mine}")).await).await.1
        ["request"]["enterprise_id"]
        .as_i64()
        .unwrap();
    for path in [
        format!("/api/v1/enterprises/{enterprise_id}"),
        format!("/api/v1/parks/{py08}"),
        format!("/api/v1/enterprises/{enterprise_id}/reports"),
    ] {
        assert_eq!(app.get(&agency, &path).await.status(), 404, "{path}");
    }
    for path in ["/api/v1/analysis", "/api/v1/devices", "/api/v1/cultivation", "/api/v1/services/functions"] {
        let s = app.get(&agency, path).await.status();
        assert!(s == 403 || (path.ends_with("functions") && s == 200), "{path}: {s}");
    }
    let (_, v) = json_of(app.get(&agency, "/api/v1/services/functions").await).await;
    assert_eq!(v, json!([]), "no park's functions");
    let (_, v) = json_of(app.get(&agency, "/api/v1/agencies").await).await;
    assert_eq!((v["total"].as_i64(), v["agencies"][0]["id"].as_i64()), (Some(1), Some(demo_id)), "itself: {v}");
    assert_eq!(
        app.send(&agency, "PUT", &format!("/api/v1/agencies/{demo_id}"), json!({"name": "x"})).await.status(),
        403
    );

    // An agency that takes no new services keeps the ones it has; renamed, its services follow.
    let (s, v) = json_of(
        app.send(
            &county,
            "PUT",
            &format!("/api/v1/agencies/{other_id}"),
            json!({"name": "平阳县知联知识产权代理有限公司", "active": "0"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(false)), "{v}");
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/services", with_agency(other_id)).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["agency_id".to_string()]), "{v}");
    let mut keep = with_agency(other_id);
    keep["category"] = json!("ip");
    keep["completion_days"] = json!(12);
    let path = format!("/api/v1/services/{}", theirs["id"]);
    assert_eq!(app.send(&operator, "PUT", &path, keep).await.status(), 200);
    let renamed = json!({"name": "平阳县融资担保中心", "contact": "王女士"});
    assert_eq!(app.send(&county, "PUT", &format!("/api/v1/agencies/{demo_id}"), renamed).await.status(), 200);
    let (_, v) = json_of(app.get(&agency, &format!("/api/v1/service-requests/{r_mine}")).await).await;
    assert_eq!(v["request"]["provider_name"], "平阳县融资担保中心", "{v}");
}

/// A login for the agency `id`, made by the county through the API as a clerk would.
async fn other_agency_login(app: &App, county: &str, id: i64) -> String {
    let body = json!({"username": "zhilian", "display_name": "知联代理", "role": "agency", "scope": "no such agency",
        "password": "Lin-zhilian-2026!"});
    let (s, v) = json_of(app.send(county, "POST", "/api/v1/users", body.clone()).await).await;
    assert_eq!((s, fields(&v)), (422, vec!["scope".to_string()]), "{v}");
    let mut body = body;
    body["scope"] = json!(id.to_string());
    let (s, v) = json_of(app.send(county, "POST", "/api/v1/users", body).await).await;
    assert_eq!(s, 201, "{v}");
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "zhilian", "password": "Lin-zhilian-2026!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

both!(an_overdue_request_and_a_new_policy_reach_the_people_and_webhooks_concerned);
async fn an_overdue_request_and_a_new_policy_reach_the_people_and_webhooks_concerned(app: &App) {
    let county = app.token("county").await;
    let operator = app.token("wanyang").await;
    let other_township = app.token("xiaojiang").await;
    let ent = app.token("enterprise").await;
    let py08 = app.park_id("PY08").await;
    let (hooks, got) = common::webhook_receiver().await;
    for (who, name, format) in [(&operator, "park", "json"), (&county, "county", "wecom")] {
        let body = json!({"name": name, "url": format!("{hooks}/{name}"), "format": format, "min_severity": "info"});
        let (s, w) = json_of(app.send(who, "POST", "/api/v1/webhooks", body).await).await;
        assert_eq!(s, 201, "{w}");
    }
    let notes = |token: String| async move {
        let (_, v) = json_of(app.get(&token, "/api/v1/notifications").await).await;
        v["items"].as_array().unwrap().iter().filter(|n| n["notice"].is_object()).cloned().collect::<Vec<Value>>()
    };
    let before = (notes(operator.clone()).await.len(), notes(county.clone()).await.len());

    // A request nobody answers in its 24 hours is told to the operator who provides it and to
    // the county, in-app and on their webhooks; not to another township, not to the enterprise.
    let (s, svc) = json_of(
        app.send(
            &operator,
            "POST",
            &format!("/api/v1/parks/{py08}/services"),
            service("finance", "融资对接X", "operator"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{svc}");
    let path = format!("/api/v1/services/{}/requests", svc["id"]);
    let (s, r) = json_of(app.send(&ent, "POST", &path, json!({"detail": "贷款"})).await).await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let at = r["requested_at"].as_i64().unwrap();
    assert!(weiyuan_server::services::escalate(&app.store, at + 23 * HOUR).await.unwrap().iter().all(|x| x.id != id));
    assert!(weiyuan_server::services::escalate(&app.store, at + 25 * HOUR).await.unwrap().iter().any(|x| x.id == id));
    let link = format!("/service-requests/{id}");
    let mine = notes(operator.clone()).await;
    assert_eq!(mine.len(), before.0 + 1, "{mine:?}");
    let n = &mine[0];
    assert_eq!(
        (n["notice"]["topic"].as_str(), n["link"].as_str()),
        (Some("service_overdue_response"), Some(link.as_str()))
    );
    assert!(
        n["text"].as_str().unwrap().contains("融资对接X") && n["text"].as_str().unwrap().contains("逾期未响应"),
        "{n}"
    );
    assert_eq!(notes(county.clone()).await.len(), before.1 + 1);
    assert!(notes(other_township.clone()).await.iter().all(|n| n["link"] != json!(link)));
    let (_, e) = json_of(app.get(&ent, "/api/v1/notifications").await).await;
    assert!(e["items"].as_array().unwrap().iter().all(|n| n["link"] != json!(link)), "{e}");
    // Escalated once: a later sweep tells nobody again.
    weiyuan_server::services::escalate(&app.store, at + 26 * HOUR).await.unwrap();
    assert_eq!(notes(operator.clone()).await.len(), before.0 + 1);
    // The operator's workbench lists it until it is read.
    let (c, csrf) = app.browser("wanyang").await;
    let html = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("href=\"{link}\"")) && html.contains("逾期未响应"), "the workbench lists it");
    let r = c.post(app.url("/alarms/read")).form(&[("_csrf", csrf.as_str()), ("back", "/")]).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/", "marked read, back on the workbench");
    let html = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(&format!("href=\"{link}\"")), "read notices leave the workbench");

    // Publishing a policy tells the enterprise in-app, and the park's webhook how many of its
    // enterprises newly qualify.
    let me = json_of(app.get(&ent, "/api/v1/me").await).await.1;
    let eid = me["enterprise_id"].as_i64().unwrap();
    let industry = json_of(app.get(&ent, &format!("/api/v1/enterprises/{eid}")).await).await.1["industry_code"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = json!({"title": "园区新入驻企业租金补贴", "source": "规划 六", "benefit": "租金补贴",
        "valid_from": "2020-01-01", "valid_to": "2099-12-31", "criteria": [{"kind": "industry", "codes": [industry]}]});
    let (s, p) = json_of(app.send(&county, "POST", "/api/v1/policies", policy).await).await;
    assert_eq!(s, 201, "{p}");
    let (s, v) =
        json_of(app.send(&county, "POST", &format!("/api/v1/policies/{}/publish", p["id"]), json!({})).await).await;
    assert_eq!(s, 200, "{v}");

    let client = weiyuan_server::alarms::destinations::Destinations::new(vec!["127.0.0.1".into()]);
    // Due as of the synthetic clock of the escalation (a day ahead).
    weiyuan_server::alarms::deliver(&app.store, &client, at + 26 * HOUR).await.unwrap();
    let got = got.lock().unwrap().clone();
    let park: Vec<&Value> = got.iter().filter(|(n, _)| n == "park").map(|(_, b)| b).collect();
    let overdue = park.iter().find(|b| b["notice"]["topic"] == "service_overdue_response").expect("the overdue notice");
    assert_eq!((overdue["event"].as_str(), overdue["notice"]["url"].as_str()), (Some("notice"), Some(link.as_str())));
    let qualified = park.iter().find(|b| b["notice"]["topic"] == "policy_qualified").expect("the policy notice");
    assert_eq!(qualified["notice"]["params"]["policy"], "园区新入驻企业租金补贴", "{qualified}");
    assert!(qualified["notice"]["params"]["count"].as_str().unwrap().parse::<i64>().unwrap() >= 1, "{qualified}");
    // The county's robot hears the overdue request (its level), not the park's policy count.
    let county_hook: Vec<&Value> = got.iter().filter(|(n, _)| n == "county").map(|(_, b)| b).collect();
    assert!(
        county_hook.iter().any(|b| b["markdown"]["content"].as_str().unwrap_or("").contains("融资对接X")),
        "{county_hook:?}"
    );
    assert!(!county_hook.iter().any(|b| b["markdown"]["content"].as_str().unwrap_or("").contains("新符合条件")));
}
