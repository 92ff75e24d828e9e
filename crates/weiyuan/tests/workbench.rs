//! The workbench, on both backends: each role's first page counts what waits for it; every count
//! opens the list behind it and agrees with that list; every menu link a role is shown works for
//! it; counts follow a review through its stages and stay within the caller's scope; an
//! enterprise is taken to the month it has to file and is told when it has filed.

mod common;

use common::{App, json_of};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use weiyuan_domain::progress::Month;

async fn workbench(app: &App, token: &str) -> Value {
    let (s, w) = json_of(app.get(token, "/api/v1/workbench").await).await;
    assert_eq!(s, 200, "{w}");
    w
}

fn todo<'a>(w: &'a Value, key: &str) -> &'a Value {
    w["todos"].as_array().unwrap().iter().find(|t| t["key"] == key).unwrap_or_else(|| panic!("no {key} in {w}"))
}

fn count(w: &Value, key: &str) -> i64 {
    todo(w, key)["count"].as_i64().unwrap()
}

/// GET a page as a browser would, following one redirect: (final status, final path, html).
async fn open(app: &App, c: &Client, path: &str) -> (StatusCode, String, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    if r.status() == StatusCode::SEE_OTHER {
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let r = c.get(app.url(&to)).send().await.unwrap();
        return (r.status(), to, r.text().await.unwrap());
    }
    (r.status(), path.to_string(), r.text().await.unwrap())
}

/// The links of the page's menu.
fn nav_links(html: &str) -> Vec<String> {
    let nav = &html[html.find("<nav").unwrap()..html.find("</nav>").unwrap()];
    nav.split("href=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

both!(every_role_sees_what_waits_for_it_and_every_count_opens_its_list);
async fn every_role_sees_what_waits_for_it_and_every_count_opens_its_list(app: &App) {
    for user in ["county", "xiaojiang", "wanyang", "enterprise"] {
        let token = app.token(user).await;
        let w = workbench(app, &token).await;
        let (c, _) = app.browser(user).await;
        let (s, _, home) = open(app, &c, "/").await;
        assert_eq!(s, 200, "{user}'s home");
        assert!(home.contains("id=\"todos\""), "{user}: the home page is the workbench");
        assert!(!home.contains("todo.") && !home.contains("workbench."), "{user}: a raw catalogue key on the page");
        for t in w["todos"].as_array().unwrap() {
            let key = t["key"].as_str().unwrap();
            assert!(home.contains(&format!("data-todo=\"{key}\"")), "{user}: {key} shown");
            let href = t["href"].as_str().unwrap();
            let (s, _, page) = open(app, &c, href).await;
            assert_eq!(s, 200, "{user}: {key} links to {href}, which must open");
            assert!(!page.contains("field.status"), "{href}");
        }
        for href in nav_links(&home) {
            let (s, _, _) = open(app, &c, &href).await;
            assert_eq!(s, 200, "{user} is shown the menu link {href}: it must work for {user}");
        }
    }
    // The county's unfiled reports are the ones the filing status lists.
    let county = app.token("county").await;
    let w = workbench(app, &county).await;
    let missing = todo(&w, "reports_missing");
    let month = missing["month"].as_str().unwrap();
    let (_, status) = json_of(app.get(&county, &format!("/api/v1/reports/status?month={month}")).await).await;
    let listed: usize =
        status["parks"].as_array().unwrap().iter().map(|p| p["missing"].as_array().unwrap().len()).sum();
    assert_eq!(count(&w, "reports_missing"), listed as i64);
    assert!(listed > 0, "the demo has enterprises that have not filed");
    // An operator's free units are the units of its park without an owner or tenant.
    let operator = app.token("wanyang").await;
    let w = workbench(app, &operator).await;
    let park = app.park_id("PY08").await;
    let (_, units) = json_of(app.get(&operator, &format!("/api/v1/parks/{park}/holdings")).await).await;
    let free = units.as_array().unwrap().iter().filter(|h| h["owner_id"].is_null() && h["tenant_id"].is_null()).count();
    assert_eq!(count(&w, "units_free"), free as i64, "{units}");
    // A filter that is not a status is refused by name.
    let (c, _) = app.browser("county").await;
    let r = c.get(app.url("/admissions?status=bogus")).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

both!(a_review_moves_from_the_townships_workbench_to_the_countys_and_no_one_else_sees_it);
async fn a_review_moves_from_the_townships_workbench_to_the_countys_and_no_one_else_sees_it(app: &App) {
    let county = app.token("county").await;
    let township = app.token("xiaojiang").await;
    let other = app.token("binhai").await;
    let before = (
        count(&workbench(app, &township).await, "admissions_review"),
        count(&workbench(app, &county).await, "admissions_review"),
        count(&workbench(app, &other).await, "admissions_review"),
    );
    let park = app.park_id("PY06").await;
    let apply = json!({"name": "平阳县工作台测试塑业有限公司", "credit_code": weiyuan::demo::demo_credit_code(50_101),
        "industry_code": "C2926", "size": "below", "area_m2": 1200});
    let (s, a) = json_of(app.send(&township, "POST", &format!("/api/v1/parks/{park}/admissions"), apply).await).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let after = (
        count(&workbench(app, &township).await, "admissions_review"),
        count(&workbench(app, &county).await, "admissions_review"),
        count(&workbench(app, &other).await, "admissions_review"),
    );
    assert_eq!(after, (before.0 + 1, before.1, before.2), "waiting on the township of the park only");
    // The count's link lists it.
    let (c, _) = app.browser("xiaojiang").await;
    let (_, _, page) = open(app, &c, "/admissions?status=township").await;
    assert!(page.contains(&format!("data-admission=\"{id}\"")));
    assert_eq!(page.matches("data-admission=").count() as i64, after.0, "the list has as many as the count");
    // Approved by the township: now the county's.
    let decision = json!({"decision": "approve", "reason": "", "stage": "township"});
    let (s, v) =
        json_of(app.send(&township, "POST", &format!("/api/v1/admissions/{id}/decision"), decision).await).await;
    assert_eq!(s, 200, "{v}");
    let w = workbench(app, &county).await;
    assert_eq!(count(&workbench(app, &township).await, "admissions_review"), before.0);
    assert_eq!(count(&w, "admissions_review"), before.1 + 1);
    assert!(todo(&w, "admissions_review")["urgent"].as_bool().unwrap());
    let (c, _) = app.browser("county").await;
    let (_, _, page) = open(app, &c, todo(&w, "admissions_review")["href"].as_str().unwrap()).await;
    assert!(page.contains(&format!("data-admission=\"{id}\"")));
    assert_eq!(page.matches("data-admission=").count() as i64, before.1 + 1);
    // The county decides on its page: the page confirms it.
    let csrf = common::csrf_of(&page);
    let r = c
        .post(app.url(&format!("/admissions/{id}/decision")))
        .form(&[("decision", "approve"), ("reason", ""), ("stage", "county"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/admissions/{id}?done=decision_recorded"));
    let (_, _, page) = open(app, &c, &to).await;
    assert!(page.contains("id=\"done\"") && page.contains("审核意见已记录"), "the decision is confirmed");
    assert_eq!(count(&workbench(app, &county).await, "admissions_review"), before.1);
}

both!(an_enterprise_is_taken_to_the_month_it_has_to_file_and_told_when_it_has_filed);
async fn an_enterprise_is_taken_to_the_month_it_has_to_file_and_told_when_it_has_filed(app: &App) {
    let token = app.token("enterprise").await;
    let e = app.store.find_enterprise(weiyuan::demo::DEMO_ENTERPRISE).await.unwrap().unwrap();
    let last = Month::of_ms(weiyuan_store::now_ms()).prev();
    let entry = e.entry_date.as_deref().and_then(|d| Month::parse(&d[..7]));
    let filed: Vec<Month> = app.store.enterprise_reports(e.id).await.unwrap().iter().map(|r| r.month).collect();
    let first =
        weiyuan_domain::reports::first_unfiled(&filed, entry, last).expect("the demo enterprise has a month to file");
    let w = workbench(app, &token).await;
    let due = todo(&w, "report_due");
    assert_eq!((due["count"].as_i64(), due["month"].as_str()), (Some(1), Some(first.to_string().as_str())), "{w}");
    assert!(due["urgent"].as_bool().unwrap());
    // The menu's 月度报表 opens the enterprise's own form on that month.
    let (c, csrf) = app.browser("enterprise").await;
    let r = c.get(app.url("/reports")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let form_path = format!("/enterprises/{}/reports?month={first}", e.id);
    assert_eq!(r.headers()["location"].to_str().unwrap(), form_path);
    let (s, _, page) = open(app, &c, &form_path).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("id=\"f-month\" value=\"{first}\"")), "the form is on {first}");
    assert!(page.contains("id=\"first-filing\"") && !page.contains("id=\"correcting\""));
    // Filed through the page: confirmed, and the workbench moves on.
    let month = first.to_string();
    let fields = [
        ("month", month.as_str()),
        ("output", "100"),
        ("revenue", "95"),
        ("tax", "4.2"),
        ("electricity", "12000"),
        ("employees", "18"),
        ("_csrf", csrf.as_str()),
    ];
    let r = c.post(app.url(&format!("/enterprises/{}/reports", e.id))).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/enterprises/{}/reports?done=report_filed", e.id));
    let (_, _, page) = open(app, &c, &to).await;
    assert!(page.contains("id=\"done\"") && page.contains("月度报表已报送"), "the filing is confirmed");
    let w = workbench(app, &token).await;
    let next = weiyuan_domain::reports::first_unfiled(&[filed, vec![first]].concat(), entry, last);
    assert_eq!(todo(&w, "report_due")["month"].as_str().map(str::to_string), next.map(|m| m.to_string()));
    // The filed month opens as a correction that asks for its reason before it is sent.
    let (_, _, page) = open(app, &c, &format!("/enterprises/{}/reports?month={first}", e.id)).await;
    assert!(page.contains("id=\"correcting\""));
    assert!(page.contains("name=\"reason\" id=\"f-reason\" value=\"\" required"));
    let mut corrected = fields.to_vec();
    corrected[1] = ("output", "101");
    corrected.push(("reason", "更正产值"));
    let r = c.post(app.url(&format!("/enterprises/{}/reports", e.id))).form(&corrected).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, _, page) = open(app, &c, &format!("/enterprises/{}/reports", e.id)).await;
    let row = &page[page.find(&format!("data-month=\"{first}\"")).unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("badge corrected"), "a corrected report says so");
}
