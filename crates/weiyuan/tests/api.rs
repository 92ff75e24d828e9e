//! The JSON API end to end, on SQLite and PostgreSQL: login, scopes, filters and totals,
//! validation, CSRF, language, users, audit.

mod common;

use common::{App, PASSWORD, json_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["parks"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_string()).collect()
}

both!(login_answers_a_token_and_refuses_bad_credentials_clearly);
async fn login_answers_a_token_and_refuses_bad_credentials_clearly(app: &App) {
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "county", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_credentials");
    assert_eq!(body["error"]["message"], "用户名或密码错误");

    let token = app.token("county").await;
    let me: Value = app.get(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some("county"), Some("county")));

    // Without a token, the API answers 401 in JSON.
    let r = c.get(app.url("/api/v1/parks")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "unauthenticated");
    let r = app.get("not-a-token", "/api/v1/parks").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Logout ends the token.
    let r = app.send(&token, "POST", "/api/v1/auth/logout", json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

both!(repeated_failures_are_rate_limited_per_username);
async fn repeated_failures_are_rate_limited_per_username(app: &App) {
    let c = app.client();
    let login = |password: &'static str| {
        c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "xiaojiang", "password": password})).send()
    };
    for _ in 0..5 {
        assert_eq!(login("wrong").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused for a while, with a message saying how long.
    let r = login(PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "60", "the fifth failure brings a one-minute wait");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(body["error"]["message"].as_str().unwrap().contains("分钟后再试"), "{body}");
    // Other users are not affected.
    app.token("binhai").await;
}

both!(failures_from_one_address_do_not_lock_the_owner_out_at_another);
async fn failures_from_one_address_do_not_lock_the_owner_out_at_another(app: &App) {
    // Anyone can type the county's username: an attacker at 127.0.0.2 fails again and again,
    // and is held back; the county's own clerk at 127.0.0.3 still gets in.
    let from = |ip: [u8; 4]| reqwest::Client::builder().local_address(std::net::IpAddr::from(ip)).build().unwrap();
    let (attacker, clerk) = (from([127, 0, 0, 2]), from([127, 0, 0, 3]));
    let login = |c: &reqwest::Client, user: &str, password: &str| {
        c.post(app.url("/api/v1/auth/login")).json(&json!({"username": user, "password": password})).send()
    };
    for _ in 0..5 {
        assert_eq!(login(&attacker, "county", "guess").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&attacker, "county", PASSWORD).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login(&clerk, "county", PASSWORD).await.unwrap().status(), StatusCode::OK);
    // Spraying many usernames from one address stops that address, for every username.
    for n in 0..30 {
        login(&attacker, &format!("nobody{n}"), "guess").await.unwrap();
    }
    assert_eq!(login(&attacker, "binhai", PASSWORD).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login(&clerk, "binhai", PASSWORD).await.unwrap().status(), StatusCode::OK);
    // A 100,000-character password is refused without being hashed.
    let long = "x".repeat(100_000);
    assert_eq!(login(&clerk, "xiaojiang", &long).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

both!(pages_carry_security_headers_and_the_login_form_its_own_token);
async fn pages_carry_security_headers_and_the_login_form_its_own_token(app: &App) {
    let c = app.client();
    let icon = c.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!((icon.status(), icon.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));
    for path in ["/login", "/api/v1/parks", "/assets/weiyuan.js"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{path}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{path}");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin", "{path}");
    }
    // A login posted from another site (no token from our login page) is refused, and starts
    // no session; the same credentials through the page work.
    let forged = app.client();
    let r = forged
        .post(app.url("/login"))
        .form(&[("username", "county"), ("password", PASSWORD), ("_login", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("页面已过期"));
    assert_eq!(forged.get(app.url("/parks")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "no session");
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = common::login_token_of(&page);
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "county"), ("password", PASSWORD), ("_login", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(c.get(app.url("/parks")).send().await.unwrap().status(), StatusCode::OK);
}

both!(weak_and_published_passwords_are_refused_with_the_reason);
async fn weak_and_published_passwords_are_refused_with_the_reason(app: &App) {
    let t = app.token("county").await;
    let user = |password: &str| json!({"username": "kunyang", "display_name": "昆阳镇", "role": "township", "scope": "昆阳镇", "password": password});
    for (password, code) in [
        ("12345678", "error.password_too_short"),
        ("password12", "error.password_weak"),
        ("kunyang2026", "error.password_weak"),
        (PASSWORD, "error.password_published"),
    ] {
        let r = app.send(&t, "POST", "/api/v1/users", user(password)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["fields"][0]["code"], code, "{password}: {v}");
    }
    let r = app.send(&t, "POST", "/api/v1/users", user("password12")).await;
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("太容易被猜到"), "{v}");
    let r = app.send(&t, "POST", "/api/v1/users", user("Kunshan-River-Bend-4471")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Usernames differ in more than letter case: a second `COUNTY` is refused on the username,
    // and a login finds a user in any case (a new one is kept in lower case).
    let twin =
        json!({"username": "COUNTY", "display_name": "冒名", "role": "county", "password": "Kunshan-River-Bend-4471"});
    let (s, v) = json_of(app.send(&t, "POST", "/api/v1/users", twin).await).await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (422, Some("username")), "{v}");
    let login = |username: &'static str| {
        app.client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": "Kunshan-River-Bend-4471"}))
            .send()
    };
    assert_eq!(login("KunYang").await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.store.find_user("kunyang").await.unwrap().unwrap().username, "kunyang");
}

both!(each_role_sees_its_scope_of_parks);
async fn each_role_sees_its_scope_of_parks(app: &App) {
    let list = |user: &'static str| async move {
        app.get(&app.token(user).await, "/api/v1/parks").await.json::<Value>().await.unwrap()
    };
    let county = list("county").await;
    assert_eq!(names(&county).len(), 20);
    assert_eq!(county["totals"]["land_mu"], 3767.4);
    assert_eq!(county["totals"]["enterprise_count"], 1270);
    let p = &county["parks"][7];
    assert_eq!(p["name"], "万洋众创城（机械汽摩配小微园、时尚小微园）");
    assert_eq!((p["land_mu"].as_f64(), p["building_area_m2"].as_f64()), (Some(866.9), Some(1_300_000.0)));
    assert_eq!((p["township"].as_str(), p["enterprise_count"].as_i64()), (Some("滨海新区"), Some(368)));
    assert_eq!(
        (p["development_model"].as_str(), p["status"].as_str()),
        (Some("industrial_real_estate"), Some("under_construction"))
    );

    assert_eq!(names(&list("xiaojiang").await), vec!["PY06", "PY16", "PY17"]);
    assert_eq!(names(&list("binhai").await), vec!["PY01", "PY02", "PY08"]);
    assert_eq!(names(&list("wanyang").await), vec!["PY08"]);
    assert_eq!(names(&list("enterprise").await), vec!["PY08"]);
}

both!(filters_sorting_and_totals_follow_the_seed);
async fn filters_sorting_and_totals_follow_the_seed(app: &App) {
    let t = app.token("county").await;
    let get = |q: &'static str| {
        let t = t.clone();
        async move { app.get(&t, &format!("/api/v1/parks?{q}")).await.json::<Value>().await.unwrap() }
    };
    let completed = get("status=completed").await;
    assert_eq!(names(&completed), vec!["PY01", "PY02", "PY03", "PY04", "PY05"]);
    assert_eq!(
        (completed["totals"]["land_mu"].as_f64(), completed["totals"]["enterprise_count"].as_i64()),
        (Some(616.5), Some(59))
    );
    let building = get("status=under_construction").await;
    assert_eq!(building["totals"]["land_mu"], 1481.9);
    assert_eq!(building["totals"]["building_area_wan_m2"], 216.8);
    assert_eq!(building["totals"]["enterprise_count"], 661);
    let new = get("status=new").await;
    let planned = get("status=planned").await;
    let sum = |k: &str| new["totals"][k].as_f64().unwrap() + planned["totals"][k].as_f64().unwrap();
    assert_eq!(
        (sum("land_mu"), (sum("building_area_wan_m2") * 100.0).round() / 100.0, sum("enterprise_count")),
        (1669.0, 255.99, 550.0)
    );

    assert_eq!(names(&get("industry=皮革").await), vec!["PY03", "PY07", "PY15"]);
    assert_eq!(names(&get("township=330326102").await), vec!["PY03", "PY15"]);
    assert_eq!(names(&get("development_model=state_owned_build").await), vec!["PY02"]);
    assert_eq!(names(&get("development_model=undecided&township=330326100").await), vec!["PY12", "PY13"]);
    let by_land = get("sort=land&desc=true").await;
    assert_eq!(&names(&by_land)[..3], ["PY08", "PY07", "PY04"]);
    let by_count = get("sort=enterprises").await;
    assert_eq!(names(&by_count)[0], "PY16", "6 enterprises, the fewest");
}

both!(invalid_input_names_the_field_and_changes_nothing);
async fn invalid_input_names_the_field_and_changes_nothing(app: &App) {
    let t = app.token("county").await;
    let before = app.audit_total().await;
    let r = app
        .send(
            &t,
            "POST",
            "/api/v1/parks",
            json!({"name": "", "township_code": "330326103", "status": "done", "land_mu": "12亩"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    assert_eq!(body["error"]["field"], "name");
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(
        fields.contains(&"status") && fields.contains(&"land_mu") && fields.contains(&"building_area_wan_m2"),
        "{fields:?}"
    );
    let land = body["error"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == "land_mu").unwrap();
    assert_eq!(land["message"], "须为数字（不带单位和千分位逗号）");

    // Wrong JSON types and malformed JSON are 422 too, naming the place.
    let r = app.send(&t, "POST", "/api/v1/parks", json!({"land_mu": [1]})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "land_mu");
    let r = app
        .client()
        .post(app.url("/api/v1/parks"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A duplicate name is a field error, not a 500.
    let dup = json!({"name": "昆阳礼品小微园", "township_code": "330326100", "status": "completed", "land_mu": 52.5,
        "building_area_m2": 56000, "leading_industries": "文化礼品", "enterprise_count": 11,
        "development_model": "government_led_self_build", "park_type": "manufacturing"});
    let r = app.send(&t, "POST", "/api/v1/parks", dup).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["error"]["field"].as_str(), body["error"]["fields"][0]["code"].as_str()),
        (Some("name"), Some("error.duplicate"))
    );
    assert_eq!(app.audit_total().await, before, "nothing was written");
    assert_eq!(app.store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap().len(), 20);
    // Ids that are not numbers are simply not found.
    assert_eq!(app.get(&t, "/api/v1/parks/abc").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&t, "/api/v1/parks/999999").await.status(), StatusCode::NOT_FOUND);
}

both!(county_creates_and_edits_parks_with_an_audit_trail);
async fn county_creates_and_edits_parks_with_an_audit_trail(app: &App) {
    let t = app.token("county").await;
    let body = json!({"name": "萧江镇演示园", "township_code": "330326103", "status": "planned", "land_mu": 80,
        "building_area_m2": 160000, "leading_industries": "塑包、彩印", "enterprise_count": 0,
        "development_model": "joint_build", "park_type": "manufacturing", "lat": 27.58, "lon": 120.47});
    let r = app.send(&t, "POST", "/api/v1/parks", body.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let park: Value = r.json().await.unwrap();
    let id = park["id"].as_i64().unwrap();
    assert_eq!((park["building_area_wan_m2"].as_f64(), park["township"].as_str()), (Some(16.0), Some("萧江镇")));

    // The township that owns it edits it; it may not move it to another township.
    let tx = app.token("xiaojiang").await;
    let mut edit = body.clone();
    edit["enterprise_count"] = json!(12);
    let r = app.send(&tx, "PUT", &format!("/api/v1/parks/{id}"), edit.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["enterprise_count"], 12);
    edit["township_code"] = json!("330326100");
    let r = app.send(&tx, "PUT", &format!("/api/v1/parks/{id}"), edit).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "township_code");

    let audit: Value = app.get(&t, &format!("/api/v1/audit?entity=park&park_id={id}")).await.json().await.unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0]["action"].as_str(), entries[0]["username"].as_str()), (Some("update"), Some("xiaojiang")));
    assert_eq!(
        (entries[0]["before"]["enterprise_count"].as_i64(), entries[0]["after"]["enterprise_count"].as_i64()),
        (Some(0), Some(12))
    );
    assert_eq!((entries[1]["action"].as_str(), entries[1]["username"].as_str()), (Some("create"), Some("county")));
    // The page reads as a clerk would: the park by name, the action in words, and only the field
    // that changed, under its label, before and after.
    let (c, _) = app.browser("county").await;
    let html = c.get(app.url(&format!("/audit?entity=park&park_id={id}"))).send().await.unwrap().text().await.unwrap();
    let update = &html[html.find("data-audit=").unwrap()..];
    let update = &update[..update.find("</tr>\n</tbody>").unwrap_or(update.len())];
    let first = &update[..update[1..].find("data-audit=").map_or(update.len(), |i| i + 1)];
    assert!(first.contains("修改") && first.contains("园区 · 萧江镇演示园"), "{first}");
    assert!(
        first.contains("<th>入驻企业数（家）</th><td class=\"was\">0</td><td>→</td><td class=\"now\">12</td>"),
        "{first}"
    );
    assert_eq!(first.matches("<td class=\"was\">").count(), 1, "only the changed field: {first}");
    assert!(
        !html.contains("{&quot;") && !html.contains("entity.") && !html.contains("audit_action."),
        "no raw JSON or keys"
    );
    // Only the county reads the audit log.
    assert_eq!(app.get(&tx, "/api/v1/audit").await.status(), StatusCode::FORBIDDEN);
}

both!(operators_manage_buildings_and_units_of_their_park);
async fn operators_manage_buildings_and_units_of_their_park(app: &App) {
    let op = app.token("wanyang").await;
    let own = app.park_id("PY08").await;
    let other = app.park_id("PY06").await;
    let r =
        app.send(&op, "POST", &format!("/api/v1/parks/{own}/buildings"), json!({"name": "新建A座", "floors": 6})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let b: Value = r.json().await.unwrap();
    let bid = b["id"].as_i64().unwrap();
    assert_eq!(b["generated"], false);

    let unit = |area: Value, floor: i64| json!({"building_id": bid, "floor": floor, "number": "601", "area_m2": area, "space_type": "production"});
    let r = app.send(&op, "POST", &format!("/api/v1/parks/{own}/units"), unit(json!(500), 7)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "floor 7 of a 6-floor building");
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "floor");
    let r = app.send(&op, "POST", &format!("/api/v1/parks/{own}/units"), unit(json!("499.999"), 6)).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["fields"][0]["code"], "error.too_many_decimals");
    let r = app.send(&op, "POST", &format!("/api/v1/parks/{own}/units"), unit(json!(512.5), 6)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["area_m2"], 512.5);

    // A building of another park cannot take this park's unit.
    let foreign_b = app.store.list_buildings(other).await.unwrap()[0].id;
    let r = app
        .send(
            &op,
            "PUT",
            &format!("/api/v1/units/{}", u["id"]),
            json!({"building_id": foreign_b, "floor": 1, "number": "1", "area_m2": 600, "space_type": "production"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "building_id");
    // Operators do not edit the park's own figures, nor anything of another park.
    let park: Value = app.get(&op, &format!("/api/v1/parks/{own}")).await.json().await.unwrap();
    assert_eq!(app.send(&op, "PUT", &format!("/api/v1/parks/{own}"), park).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(&op, "POST", &format!("/api/v1/parks/{other}/buildings"), json!({"name": "x", "floors": 2}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // A building with units cannot be deleted; an empty one can.
    let r = app.send(&op, "DELETE", &format!("/api/v1/buildings/{bid}"), json!({})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["fields"][0]["code"], "error.building_has_units");
    assert_eq!(
        app.send(&op, "DELETE", &format!("/api/v1/units/{}", u["id"]), json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(&op, "DELETE", &format!("/api/v1/buildings/{bid}"), json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let units: Value = app.get(&op, &format!("/api/v1/parks/{own}/units?size=500")).await.json().await.unwrap();
    let list = units["units"].as_array().unwrap();
    assert!(list.iter().all(|u| u["generated"] == true), "only the generated demo units are left");
    assert_eq!(units["total"].as_i64(), Some(list.len() as i64));
    // Paged by building, floor and number: the second page of 10 goes on from the first.
    let page = |n: i64| {
        let op = op.clone();
        async move {
            let v: Value =
                app.get(&op, &format!("/api/v1/parks/{own}/units?size=10&page={n}")).await.json().await.unwrap();
            v["units"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    let ids: Vec<i64> = list.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!([page(1).await, page(2).await].concat(), ids[..20.min(ids.len())].to_vec());
    let r = app.get(&op, &format!("/api/v1/parks/{own}/units?page=0")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

both!(cookie_sessions_need_the_csrf_token_to_write);
async fn cookie_sessions_need_the_csrf_token_to_write(app: &App) {
    let (c, csrf) = app.browser("wanyang").await;
    let own = app.park_id("PY08").await;
    let path = app.url(&format!("/api/v1/parks/{own}/buildings"));
    let r = c.post(&path).json(&json!({"name": "A", "floors": 3})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    let r = c.post(&path).header("x-csrf-token", &csrf).json(&json!({"name": "A", "floors": 3})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // Form posts without the token are refused too.
    let r = c
        .post(app.url(&format!("/parks/{own}/buildings")))
        .form(&[("name", "B"), ("floors", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(app.url(&format!("/parks/{own}/buildings")))
        .form(&[("name", "B"), ("floors", "3"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

both!(language_is_chosen_per_user_and_sticks);
async fn language_is_chosen_per_user_and_sticks(app: &App) {
    let t = app.token("binhai").await;
    let err = |t: String| async move {
        app.send(&t, "POST", "/api/v1/parks", json!({})).await.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(err(t.clone()).await, "您的角色或管辖范围不允许此操作");
    let r = app.send(&t, "PUT", "/api/v1/me/lang", json!({"lang": "fr"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.send(&t, "PUT", "/api/v1/me/lang", json!({"lang": "en"})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(err(t).await, "Your role or scope does not allow this");
    // A new session of the same user speaks English too.
    let t2 = app.token("binhai").await;
    let page = app.get(&t2, "/parks").await.text().await.unwrap();
    assert!(page.contains("Small and micro enterprise parks") && page.contains("<html lang=\"en\">"));
}

both!(the_county_manages_users);
async fn the_county_manages_users(app: &App) {
    let t = app.token("county").await;
    let r = app
        .send(&t, "POST", "/api/v1/users", json!({"username": "aojiang", "display_name": "鳌江镇", "role": "township", "scope": "鳌江镇", "password": "short"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "password");
    let r = app
        .send(&t, "POST", "/api/v1/users", json!({"username": "aojiang", "display_name": "鳌江镇", "role": "township", "scope": "鳌江", "password": "Lu-Qiao-Ferry-7341"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["township_code"], "330326101");
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "aojiang", "password": "Lu-Qiao-Ferry-7341"}))
        .send()
        .await
        .unwrap();
    let ta = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let parks: Value = app.get(&ta, "/api/v1/parks").await.json().await.unwrap();
    assert_eq!(names(&parks), vec!["PY09", "PY14"]);

    // Scope must exist; operators need a park.
    let r = app.send(&t, "POST", "/api/v1/users", json!({"username": "op2", "display_name": "x", "role": "operator", "scope": "没有这个园", "password": "12345678"})).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["error"]["field"].as_str(), body["error"]["fields"][0]["code"].as_str()),
        (Some("scope"), Some("error.unknown_park"))
    );

    // A password reset ends the user's sessions; the new password works.
    let id = user["id"].as_i64().unwrap();
    let r = app
        .send(&t, "POST", &format!("/api/v1/users/{id}/password"), json!({"password": "Silver-Bridge-Orchard-62"}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&ta, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "aojiang", "password": "Silver-Bridge-Orchard-62"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ta = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    // Non-county users cannot manage users.
    assert_eq!(app.get(&ta, "/api/v1/users").await.status(), StatusCode::FORBIDDEN);
    let users: Value = app.get(&t, "/api/v1/users").await.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), weiyuan::demo::DEMO_USERS.len() + 1, "the demo's and the new one");
    assert!(users.to_string().find("password_hash").is_none(), "hashes never leave the server");
}

both!(health_metrics_and_openapi_are_served);
async fn health_metrics_and_openapi_are_served(app: &App) {
    let c = app.client();
    let h: Value = c.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (h["status"].as_str(), h["schema_version"].as_i64()),
        (Some("ok"), Some(weiyuan_store::LATEST_SCHEMA_VERSION))
    );
    c.get(app.url("/api/v1/parks")).send().await.unwrap();
    let m = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("weiyuan_http_requests_total{method=\"GET\",route=\"/api/v1/parks\",status=\"401\"} 1"), "{m}");
    assert!(m.contains("weiyuan_database_up 1"));
    let doc: Value = c.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/parks/{id}"]["put"].is_object());
}

both!(no_input_makes_the_server_fail);
async fn no_input_makes_the_server_fail(app: &App) {
    // Garbage bodies to every write route, as every role: never a 500.
    let garbage = [
        json!(null),
        json!([]),
        json!("x"),
        json!({"name": "😀".repeat(500), "land_mu": 1e308, "floors": -1, "area_m2": "NaN", "building_id": "1 OR 1=1"}),
        json!({"lat": "91", "lon": "x", "enterprise_count": 1.5, "status": "completed'; DROP TABLE parks; --"}),
    ];
    let tokens = [app.token("county").await, app.token("wanyang").await];
    let id = app.park_id("PY08").await;
    let unit = app.store.list_units(id).await.unwrap()[0].id;
    let building = app.store.list_buildings(id).await.unwrap()[0].id;
    let concrete = |path: &str| {
        path.replace("/parks/{id}", &format!("/parks/{id}"))
            .replace("/buildings/{id}", &format!("/buildings/{building}"))
            .replace("/units/{id}", &format!("/units/{unit}"))
            .replace("{id}", "1")
            .replace("{enterprise_id}", "1")
            .replace("{objection_id}", "1")
    };
    for (spec, _) in weiyuan_server::routes::all() {
        if !spec.path.starts_with("/api/v1/") || spec.method == "GET" {
            continue;
        }
        let path = concrete(spec.path);
        for t in &tokens {
            for g in &garbage {
                let r = app.send(t, spec.method, &path, g.clone()).await;
                assert!(r.status().as_u16() < 500, "{} {path} with {g} gave {}", spec.method, r.status());
            }
        }
    }
    // The same for every page form, with malformed and oversized bodies.
    let (c, csrf) = app.browser("county").await;
    let bodies = [
        format!("_csrf={csrf}&name=%FF%FE&land_mu=1e400&floors=99999999999999999999&building_id=-1"),
        format!("_csrf={csrf}&%%%=&&=&name"),
        format!("_csrf={csrf}&number={}&area_m2=0.001&floor=abc&space_type=", "x".repeat(100_000)),
        "not a form at all \u{0}".to_string(),
    ];
    for (spec, _) in weiyuan_server::routes::all() {
        if spec.tag.is_some() || spec.method != "POST" || matches!(spec.path, "/logout" | "/login" | "/lang") {
            continue;
        }
        let path = concrete(spec.path);
        for body in &bodies {
            let r = c
                .post(app.url(&path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(r.status().as_u16() < 500, "POST {path} with {:.60} gave {}", body, r.status());
        }
    }
    assert_eq!(app.store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap().len(), 20);
}

both!(the_enterprise_registry_checks_codes_and_keeps_to_scope);
async fn the_enterprise_registry_checks_codes_and_keeps_to_scope(app: &App) {
    let count = |user: &'static str| async move {
        let t = app.token(user).await;
        app.get(&t, "/api/v1/enterprises").await.json::<Value>().await.unwrap()["total"].as_u64().unwrap()
    };
    // The seed's counts: 59 in completed parks and 661 in parks under construction.
    assert_eq!(count("county").await, 720);
    assert_eq!(count("xiaojiang").await, 220, "萧江轻工产业小微园 only");
    assert_eq!(count("wanyang").await, 368);
    assert_eq!(count("enterprise").await, 1, "an enterprise sees itself");
    // The list is paged, by park then id, with the total; the page size is capped.
    let county = app.token("county").await;
    let (s, first) = json_of(app.get(&county, "/api/v1/enterprises?size=100").await).await;
    assert_eq!((s, first["enterprises"].as_array().unwrap().len(), first["total"].as_u64()), (200, 100, Some(720)));
    let (_, last) = json_of(app.get(&county, "/api/v1/enterprises?size=100&page=8").await).await;
    let ids =
        |v: &Value| v["enterprises"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&last).len(), 20);
    assert!(ids(&first).iter().all(|id| !ids(&last).contains(id)));
    let (_, default) = json_of(app.get(&county, "/api/v1/enterprises").await).await;
    assert_eq!((default["enterprises"].as_array().unwrap().len(), default["size"].as_i64()), (50, Some(50)));
    for (query, field) in [("size=501", "size"), ("page=0", "page"), ("park_id=PY08", "park_id")] {
        let (s, v) = json_of(app.get(&county, &format!("/api/v1/enterprises?{query}")).await).await;
        assert_eq!((s, v["error"]["field"].as_str()), (422, Some(field)), "{query}: {v}");
    }

    let op = app.token("wanyang").await;
    let park = app.park_id("PY08").await;
    let body = |code: &str, reason: &str| {
        json!({"name": "平阳县测试汽配有限公司", "credit_code": code, "credit_override": reason, "industry_code": "3670",
               "size": "below", "tags": "科技型、specialized", "entry_date": "2024-06-01"})
    };
    let r = app.send(&op, "POST", &format!("/api/v1/parks/{park}/enterprises"), body("91350100M000100Y44", "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["field"], "credit_code");
    assert_eq!(err["error"]["fields"][0]["message"], "校验位不符（按 GB 32100-2015 应为 3）；如为早期代码，请填写说明");
    let r = app.send(&op, "POST", &format!("/api/v1/parks/{park}/enterprises"), body("91350100M000100Y43", "")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    assert_eq!((e["industry_code"].as_str(), e["tags"].clone()), (Some("C3670"), json!(["tech_based", "specialized"])));
    // One enterprise per credit code; an early code with a reason is accepted and the reason kept.
    let again = app
        .send(
            &op,
            "POST",
            &format!("/api/v1/parks/{park}/enterprises"),
            json!({"name": "另一家", "credit_code": "91350100M000100Y43", "industry_code": "C3670", "size": "below"}),
        )
        .await;
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["field"], "credit_code");
    let early = app
        .send(&op, "PUT", &format!("/api/v1/enterprises/{}", e["id"]), body("91350100M000100Y44", "早期代码，已核实"))
        .await;
    assert_eq!(early.status(), StatusCode::OK);
    assert_eq!(early.json::<Value>().await.unwrap()["credit_override"], "早期代码，已核实");
    // The operator cannot register in another park; the enterprise user cannot read another enterprise.
    let other = app.park_id("PY06").await;
    assert_eq!(
        app.send(&op, "POST", &format!("/api/v1/parks/{other}/enterprises"), body("91310110666007217T", ""))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let me = app.token("enterprise").await;
    assert_eq!(app.get(&me, &format!("/api/v1/enterprises/{}", e["id"])).await.status(), StatusCode::NOT_FOUND);
    // The industry table answers by code or name.
    let found: Value = app.get(&op, "/api/v1/industries?q=汽车零部件").await.json().await.unwrap();
    assert_eq!(
        (found["industries"][0]["code"].as_str(), found["industries"][0]["level"].as_str()),
        (Some("C367"), Some("group"))
    );
    let found: Value = app.get(&op, "/api/v1/industries?q=汽车零部件&level=class").await.json().await.unwrap();
    assert_eq!(found["industries"][0]["code"], "C3670");
}

both!(every_answer_has_a_request_id_and_errors_name_it);
async fn every_answer_has_a_request_id_and_errors_name_it(app: &App) {
    let c = app.client();
    let r = c.get(app.url("/api/v1/parks/999999")).bearer_auth(app.token("county").await).send().await.unwrap();
    let id = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    assert_eq!(id.len(), 16, "{id}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["request_id"].as_str()),
        (Some("not_found"), Some(id.as_str()))
    );
    // A caller's own id is kept (a gateway's trace id); one that could forge log lines is not.
    let r = c.get(app.url("/api/v1/parks")).header("x-request-id", "gateway-trace-0042").send().await.unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "gateway-trace-0042");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["request_id"], "gateway-trace-0042", "unauthenticated, with the caller's id");
    let r = c.get(app.url("/healthz")).header("x-request-id", "bad id with spaces").send().await.unwrap();
    assert_ne!(r.headers().get("x-request-id").unwrap(), "bad id with spaces");
}

both!(long_lists_on_pages_are_paged_and_searchable);
async fn long_lists_on_pages_are_paged_and_searchable(app: &App) {
    use weiyuan_domain::access::ParkScope;
    let rows = |html: &str, attr: &str| html.matches(&format!("<tr {attr}=")).count();
    let (page, _) = app.browser("county").await;
    let get = |path: String| {
        let page = page.clone();
        async move {
            let r = page.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.text().await.unwrap()
        }
    };
    // The park with the most enterprises: fifty a page, the pages linked, a search narrows.
    let all = app.store.list_enterprises_in(&ParkScope::All).await.unwrap();
    let park = all.iter().map(|e| e.park_id).max_by_key(|p| all.iter().filter(|e| e.park_id == *p).count()).unwrap();
    let mine: Vec<_> = all.iter().filter(|e| e.park_id == park).collect();
    assert!(mine.len() > 100, "the demo fills a park: {}", mine.len());
    let first = get(format!("/parks/{park}/enterprises")).await;
    assert_eq!(rows(&first, "data-enterprise"), 50);
    let pages = mine.len().div_ceil(50);
    assert!(first.contains(&format!("1 / {pages}（{}）", mine.len())), "the pager says where we are");
    let next = first.split("class=\"pager\"").nth(1).unwrap_or("");
    assert!(next.contains(&format!("/parks/{park}/enterprises?q=&#38;page=2")), "and links the next page: {next:.300}");
    let last = get(format!("/parks/{park}/enterprises?page={pages}")).await;
    assert_eq!(rows(&last, "data-enterprise"), mine.len() - 50 * (pages - 1));
    // Past the end shows the last page, not an empty one or an error.
    let table = |html: &str| html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()].to_string();
    assert!(table(&get(format!("/parks/{park}/enterprises?page=9999")).await) == table(&last), "the last page");
    let wanted = &mine[mine.len() - 1];
    let found = get(format!("/parks/{park}/enterprises?q={}", wanted.credit_code)).await;
    assert_eq!(rows(&found, "data-enterprise"), 1);
    assert!(found.contains(&format!("data-enterprise=\"{}\"", wanted.id)));
    // Units: by building and number, paged the same way; counts stay the park's.
    let mut parks = Vec::new();
    for p in app.store.list_parks(&ParkScope::All).await.unwrap() {
        parks.push((app.store.list_units(p.id).await.unwrap(), p.id));
    }
    let (units, park) = parks.into_iter().max_by_key(|(u, _)| u.len()).unwrap();
    assert!(units.len() > 50, "a park with more units than a page: {}", units.len());
    let html = get(format!("/parks/{park}")).await;
    assert_eq!(rows(&html, "data-unit"), 50);
    assert!(html.contains(&format!("（{}）", units.len())), "the pager counts every unit");
    let u = &units[units.len() - 1];
    let html = get(format!("/parks/{park}?building={}&q={}", u.building_id, u.number)).await;
    let expected = units.iter().filter(|x| x.building_id == u.building_id && x.number.contains(&u.number)).count();
    assert_eq!(rows(&html, "data-unit"), expected);
    assert!(html.contains(&format!("data-unit=\"{}\"", u.id)));
    let html = get(format!("/parks/{park}?q=no-such-unit")).await;
    assert_eq!(rows(&html, "data-unit"), 0);
    assert!(html.contains("没有符合条件的单元"));
}
