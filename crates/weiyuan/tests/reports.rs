//! Monthly enterprise reports and the economic analysis, through the API on both backends:
//! who files, the checks of a filing, corrections that keep the original, the filing status,
//! aggregates against hand-computed values, and the exit test reading its figures from reports.

mod common;

use common::{App, json_of};
use serde_json::{Value, json};
use weiyuan_domain::Fixed2;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{Figures, N, index};
use weiyuan_store::reports::NewReport;

fn last() -> Month {
    Month::of_ms(weiyuan_store::now_ms()).prev()
}

fn back(m: Month, n: i32) -> Month {
    let total = m.year * 12 + m.month as i32 - 1 - n;
    Month { year: total.div_euclid(12), month: (total.rem_euclid(12) + 1) as u32 }
}

fn figures(values: &[(&str, i64)]) -> Figures {
    let mut f: Figures = [None; N];
    for (k, v) in values {
        f[index(k).unwrap()] = Some(Fixed2::from_units(*v));
    }
    f
}

fn report(e: i64, park: i64, month: Month, values: &[(&str, i64)]) -> NewReport {
    NewReport {
        enterprise_id: e,
        park_id: park,
        month,
        figures: figures(values),
        submitted_at: month.next().start_ms(),
        late: false,
    }
}

fn form(month: Month, output: &str) -> Value {
    json!({"month": month.to_string(), "output": output, "revenue": "95", "tax": "4.2", "electricity": "12000", "employees": "18"})
}

both!(reports_are_filed_checked_corrected_and_counted);
async fn reports_are_filed_checked_corrected_and_counted(app: &App) {
    let enterprise = app.token("enterprise").await;
    let operator = app.token("wanyang").await;
    let county = app.token("county").await;
    let park = app.park_id("PY08").await;
    let demo = app.store.find_enterprise(weiyuan::demo::DEMO_ENTERPRISE).await.unwrap().unwrap();
    let path = format!("/api/v1/enterprises/{}/reports", demo.id);
    let l = last();
    // A required figure missing, a month not over: refused, naming the field.
    let mut missing = form(l, "100");
    missing["tax"] = json!("");
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, missing).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("tax")), "{v}");
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, form(l.next(), "100")).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("month")), "{v}");
    assert!(app.store.enterprise_reports(demo.id).await.unwrap().is_empty(), "nothing written");
    // Last year's month, then this month more than three times higher: confirm and explain.
    let year_before = Month { year: l.year - 1, ..l };
    assert_eq!(app.send(&enterprise, "POST", &path, form(year_before, "40")).await.status(), 201);
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, form(l, "130")).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("output")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("40"), "names last year's figure: {v}");
    let mut confirmed = form(l, "130");
    confirmed["confirm"] = json!("on");
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, confirmed.clone()).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));
    confirmed["reason"] = json!("新生产线 9 月投产");
    let (s, r) = json_of(app.send(&enterprise, "POST", &path, confirmed).await).await;
    assert_eq!((s, r["version"].as_i64()), (201, Some(1)), "{r}");
    // A correction keeps the original and needs a reason.
    let (s, v) = json_of(app.send(&operator, "POST", &path, form(l, "41")).await).await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));
    let mut corrected = form(l, "41");
    corrected["reason"] = json!("单位误填为千元");
    let (s, r) = json_of(app.send(&operator, "POST", &path, corrected).await).await;
    assert_eq!((s, r["version"].as_i64()), (201, Some(2)), "the operator files for its enterprise: {r}");
    let versions = app.store.enterprise_report_versions(demo.id, l).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].figures["output"], json!(130.0));
    // Townships read but do not file; another enterprise cannot file for this one.
    assert_eq!(app.send(&app.token("xiaojiang").await, "POST", &path, form(l, "41")).await.status(), 404);
    // The county sees who has not filed.
    let (_, st) = json_of(app.get(&county, &format!("/api/v1/reports/status?month={l}")).await).await;
    let row = st["parks"].as_array().unwrap().iter().find(|p| p["park_id"] == json!(park)).unwrap().clone();
    assert_eq!((row["filed"].as_i64(), row["enterprises"].as_i64()), (Some(1), Some(368)));
    assert_eq!(row["missing"].as_array().unwrap().len(), 367);
    let (_, reports) = json_of(app.get(&enterprise, &path).await).await;
    assert_eq!(reports.as_array().unwrap().len(), 2);
}

both!(aggregates_match_hand_computed_values);
async fn aggregates_match_hand_computed_values(app: &App) {
    let county = app.token("county").await;
    let (park, _, e) = app.park_with(&county, &[], &["C3484", "C3489", "C1819"]).await;
    let l = last();
    let mut rows = Vec::new();
    // This period (three months to the last) and the same months a year before.
    for (k, m) in [back(l, 2), back(l, 1), l].into_iter().enumerate() {
        let a_revenue = if k == 2 { 130 } else { 100 };
        rows.push(report(
            e[0],
            park,
            m,
            &[
                ("revenue", a_revenue),
                ("tax", 10),
                ("sales", 90),
                ("output", 110),
                ("electricity", 20_000),
                ("employees", 1234),
            ],
        ));
        rows.push(report(
            e[1],
            park,
            m,
            &[("revenue", 50), ("tax", 4), ("sales", 45), ("output", 60), ("electricity", 10_000)],
        ));
        rows.push(report(
            e[2],
            park,
            m,
            &[("revenue", 30), ("tax", 1), ("sales", 30), ("output", 30), ("electricity", 5_000)],
        ));
        let ly = Month { year: m.year - 1, ..m };
        rows.push(report(e[0], park, ly, &[("revenue", 80), ("tax", 8)]));
        rows.push(report(e[1], park, ly, &[("revenue", 50), ("tax", 4)]));
    }
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();
    let from = back(l, 2);
    let (s, a) = json_of(app.get(&county, &format!("/api/v1/analysis?park_id={park}&from={from}&to={l}")).await).await;
    assert_eq!(s, 200, "{a}");
    let change = |key: &str| a["changes"].as_array().unwrap().iter().find(|c| c["key"] == key).unwrap().clone();
    // Revenue: 100 + 100 + 130 + 3 × 50 + 3 × 30 = 570 against 3 × (80 + 50) = 390: +46.15%.
    let revenue = change("revenue");
    assert_eq!(
        (revenue["value"].as_f64(), revenue["previous"].as_f64(), revenue["yoy_pct"].as_f64()),
        (Some(570.0), Some(390.0), Some(46.15))
    );
    // Tax: 3 × 15 = 45 against 3 × 12 = 36: +25%.
    assert_eq!(change("tax")["yoy_pct"].as_f64(), Some(25.0));
    assert_eq!((a["enterprises"].as_i64(), a["reports"].as_i64()), (Some(3), Some(9)));
    // Month on month: 210 against 180.
    assert_eq!(a["mom_revenue_pct"].as_f64(), Some(16.67));
    // Per unit, on the park's 100 亩 and 100,000 m²: tax 0.45 and revenue 5.7 万元/亩,
    // 570 万元 / 105,000 kWh = 54.29 元/kWh, output 600 万元 → 60 元/m², tax 4.5 元/m².
    let i = &a["indicators"];
    assert_eq!(
        [&i["tax_per_mu"], &i["revenue_per_mu"], &i["revenue_per_kwh"], &i["output_per_m2"], &i["tax_per_m2"]]
            .map(|v| v.as_f64()),
        [Some(0.45), Some(5.7), Some(54.29), Some(60.0), Some(4.5)]
    );
    // By division: C34 has A and B (480 万元, 84.21%), C18 has C (90 万元).
    let divisions = a["divisions"].as_array().unwrap();
    assert_eq!(
        (divisions[0]["code"].as_str(), divisions[0]["revenue"].as_f64(), divisions[0]["share_pct"].as_f64()),
        (Some("C34"), Some(480.0), Some(84.21))
    );
    assert_eq!((divisions[1]["code"].as_str(), divisions[1]["revenue"].as_f64()), (Some("C18"), Some(90.0)));
    // The park against the 2022 targets (the twelve months to the last: 45 万元 of tax on 100 亩).
    let p = a["parks"].as_array().unwrap().iter().find(|p| p["park_id"] == json!(park)).unwrap().clone();
    assert_eq!((p["indicators"]["tax_per_mu"].as_f64(), p["meets_tax_target"].as_bool()), (Some(0.45), Some(false)));
    // The county's targets for 亩均税收 and 亩均销售收入 are measured by the same analysis (the whole
    // county over the twelve months to the last one), not left as "not yet measured".
    let (_, whole) = json_of(app.get(&county, "/api/v1/analysis").await).await;
    // A client that takes gzip (every browser) gets the same analysis gzipped, from the same kept
    // reply; one that does not gets it plain.
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/analysis"))
        .bearer_auth(&county)
        .header("accept-encoding", "br;q=1.0, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["vary"], "accept-encoding");
    let zipped = r.bytes().await.unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut plain).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&plain).unwrap(), whole);
    assert!(zipped.len() * 3 < plain.len(), "{} bytes gzipped of {}", zipped.len(), plain.len());
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/analysis"))
        .bearer_auth(&county)
        .header("accept-encoding", "gzip;q=0, identity")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    // The big screen is kept as served (its HTML and a gzipped copy of it) and made again as soon
    // as a report changes what it shows.
    let screen = |gzip: bool| {
        let req = reqwest::Client::new().get(app.url("/dashboard")).header("cookie", format!("wy_session={county}"));
        let req = if gzip { req.header("accept-encoding", "gzip") } else { req };
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            assert_eq!(r.headers().get("content-encoding").is_some(), gzip);
            let body = r.bytes().await.unwrap();
            let mut html = String::new();
            if gzip {
                std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut html).unwrap();
            } else {
                html = String::from_utf8(body.to_vec()).unwrap();
            }
            let at = html.find("data-key=\"revenue\">").expect("the revenue figure") + 19;
            html[at..at + html[at..].find('<').unwrap()].to_string()
        }
    };
    let (before, zipped) = (screen(false).await, screen(true).await);
    assert_eq!(before, zipped, "the same page, gzipped or not");
    app.store
        .insert_enterprise_reports(&[report(e[2], park, back(l, 3), &[("revenue", 1000)])], "test", false)
        .await
        .unwrap();
    let after = screen(true).await;
    assert_ne!(after, before, "a new report shows at once");
    let (s, progress) = json_of(app.get(&county, "/api/v1/progress").await).await;
    assert_eq!(s, 200, "{progress}");
    for key in ["tax_per_mu", "sales_per_mu"] {
        let row = progress["targets"].as_array().unwrap().iter().find(|t| t["target"]["key"] == key).unwrap().clone();
        assert_eq!((&row["actual"], row["basis"].as_str()), (&whole["indicators"][key], Some("target.basis.per_mu")));
        assert!(row["actual"].as_f64().is_some(), "{key} measured: {row}");
    }
    // The page shows people as whole numbers and industries by name.
    let (page, _) = app.browser("county").await;
    let get = |path: String| {
        let page = page.clone();
        async move { page.get(app.url(&path)).send().await.unwrap().text().await.unwrap() }
    };
    let html = get(format!("/analysis?park_id={park}&from={from}&to={l}")).await;
    let card = html.split("data-key=\"employees\"").nth(1).expect("an employees card");
    assert!(card[..card.find("</div></div>").unwrap()].contains(">1,234</a>"), "{:.300}", card);
    let html = get(format!("/analysis/enterprises?park_id={park}&from={from}&to={l}")).await;
    let label = weiyuan_domain::industry::label("C3484");
    assert!(label.len() > "C3484 ".len() && html.contains(&label), "{label}");
    // The same analysis as files: a workbook of four sheets, and a CSV of the same tables.
    let q = format!("park_id={park}&from={from}&to={l}");
    let csv = app.get(&county, &format!("/api/v1/analysis/export/analysis.csv?{q}")).await.text().await.unwrap();
    assert!(csv.contains("营业收入（万元）,570,390,46.15"), "{csv:.400}");
    assert!(csv.contains("C34 "), "{csv:.400}");
    let xlsx = app.get(&county, &format!("/api/v1/analysis/export/analysis.xlsx?{q}")).await.bytes().await.unwrap();
    assert_eq!(&xlsx[..2], b"PK", "a workbook");
    // An industry filter narrows the enterprises; per-亩 figures are then not a park's.
    let (_, c34) =
        json_of(app.get(&county, &format!("/api/v1/analysis?park_id={park}&from={from}&to={l}&industry=C34")).await)
            .await;
    let r = c34["changes"].as_array().unwrap().iter().find(|c| c["key"] == "revenue").unwrap().clone();
    assert_eq!((r["value"].as_f64(), c34["indicators"].is_null()), (Some(480.0), true));
    // An industry finer than a division reads the reports themselves: C3484 is A alone.
    let analysis = |q: String| {
        let county = county.clone();
        async move {
            json_of(app.get(&county, &format!("/api/v1/analysis?park_id={park}&from={from}&to={l}{q}")).await).await.1
        }
    };
    let revenue_of =
        |a: &Value| a["changes"].as_array().unwrap().iter().find(|c| c["key"] == "revenue").unwrap()["value"].as_f64();
    assert_eq!(revenue_of(&analysis("&industry=C3484".into()).await), Some(330.0));
    // The enterprises behind C34's figures: A then B by revenue, with their own sums.
    let behind = |q: &str| {
        let q = format!("/api/v1/analysis/enterprises?park_id={park}&from={from}&to={l}{q}");
        let county = county.clone();
        async move { json_of(app.get(&county, &q).await).await.1 }
    };
    let b = behind("&industry=C34&field=revenue").await;
    let rows = b["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter().map(|r| (r["enterprise_id"].as_i64(), r["figures"]["revenue"].as_f64())).collect::<Vec<_>>(),
        [(Some(e[0]), Some(330.0)), (Some(e[1]), Some(150.0))]
    );
    assert_eq!(
        (b["total"].as_i64(), rows[0]["reports"].as_i64(), rows[0]["figures"]["tax"].as_f64()),
        (Some(2), Some(3), Some(30.0))
    );
    // Their sums add up to the figure they stand behind.
    let all = behind("").await;
    let sum: f64 = all["rows"].as_array().unwrap().iter().map(|r| r["figures"]["revenue"].as_f64().unwrap()).sum();
    assert_eq!(Some(sum), revenue_of(&a));
    // By tax, B (12) comes before C (3).
    let by_tax = behind("&field=tax").await;
    assert_eq!(by_tax["rows"][1]["enterprise_id"].as_i64(), Some(e[1]));
    // C changes to a C34 class and takes a tag: the division totals follow at once, and the
    // tag filter (which reads the reports) finds it.
    let (s, c) = json_of(
        app.send(
            &county,
            "PUT",
            &format!("/api/v1/enterprises/{}", e[2]),
            json!({"name": format!("{}", app.store.get_enterprise(e[2]).await.unwrap().name),
                "credit_code": app.store.get_enterprise(e[2]).await.unwrap().credit_code,
                "industry_code": "C3489", "size": "above", "tags": "specialized", "entry_date": "2018-03-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{c}");
    let after = analysis(String::new()).await;
    assert_eq!(after["divisions"].as_array().unwrap().len(), 1);
    assert_eq!(
        (after["divisions"][0]["code"].as_str(), after["divisions"][0]["revenue"].as_f64()),
        (Some("C34"), Some(570.0))
    );
    assert_eq!(revenue_of(&analysis("&size=above".into()).await), Some(90.0));
    assert_eq!(revenue_of(&analysis("&tag=specialized".into()).await), Some(90.0));
    assert_eq!(analysis("&tag=specialized".into()).await["enterprises"].as_i64(), Some(1));
    // The drill-down as a file, with units in its headers.
    let csv = app
        .get(&county, &format!("/api/v1/analysis/export/enterprises.csv?park_id={park}&from={from}&to={l}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("营业收入（万元）") && csv.lines().count() >= 5, "{csv:.600}");
    // A township outside the park's sees none of it; an enterprise has no analysis.
    let (_, other) = json_of(
        app.get(&app.token("binhai").await, &format!("/api/v1/analysis?from={from}&to={l}&park_id={park}")).await,
    )
    .await;
    assert_eq!(other["reports"].as_i64(), Some(0));
    assert_eq!(app.get(&app.token("enterprise").await, "/api/v1/analysis").await.status(), 403);
}

both!(the_exit_test_reads_complete_years_of_reports);
async fn the_exit_test_reads_complete_years_of_reports(app: &App) {
    let county = app.token("county").await;
    let (park, u, e) = app.park_with(&county, &[("601", "1000", true)], &["C3484"]).await;
    let (s, _) = json_of(
        app.send(
            &county,
            "POST",
            &format!("/api/v1/parks/{park}/sales"),
            json!({"buyer_id": e[0], "unit_ids": u[0].to_string(), "price_production": 2400, "on_date": "2023-06-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    // 2024: sales 20, tax 1.5, revenue 20 万元 a month, 300 万元 invested in January;
    // 2025: revenue 22 a month (+10%). On 1,000 m² and 1 亩: 2,400 元/m², 180 元/m², 10%, 3 M 元/亩.
    let mut rows = Vec::new();
    for year in [2024, 2025] {
        for month in 1..=12 {
            let revenue = if year == 2024 { 2000 } else { 2200 };
            let invest = if year == 2024 && month == 1 { 30_000 } else { 0 };
            let mut f: Figures = [None; N];
            for (k, v) in [("sales", 2000), ("tax", 150), ("revenue", revenue), ("investment", invest)] {
                f[index(k).unwrap()] = Some(Fixed2(v));
            }
            let m = Month { year, month };
            rows.push(NewReport {
                enterprise_id: e[0],
                park_id: park,
                month: m,
                figures: f,
                submitted_at: m.next().start_ms(),
                late: false,
            });
        }
    }
    // An incomplete year is not read.
    rows.push(report(e[0], park, Month { year: 2026, month: 1 }, &[("sales", 1)]));
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();
    let (_, exit) = json_of(app.get(&county, &format!("/api/v1/enterprises/{}/exit", e[0])).await).await;
    let checks = exit["checks"].as_array().unwrap();
    let number =
        |rule: &str| checks.iter().find(|c| c["rule"] == rule).unwrap()["numbers"][0][1].as_str().unwrap().to_string();
    assert!(checks.iter().all(|c| c["passed"] == true), "{exit}");
    assert_eq!(
        [
            number("exit.sales_per_m2"),
            number("exit.tax_per_m2"),
            number("exit.growth"),
            number("exit.investment_per_mu")
        ],
        ["2400", "180", "10", "3000000"].map(String::from)
    );
}

both!(a_report_file_round_trips_and_one_bad_cell_rejects_it_whole);
async fn a_report_file_round_trips_and_one_bad_cell_rejects_it_whole(app: &App) {
    let county = app.token("county").await;
    let (park, _, e) = app.park_with(&county, &[], &["C3484", "C3489"]).await;
    let l = last();
    let mut rows = Vec::new();
    for m in [back(l, 1), l] {
        for id in &e {
            rows.push(report(
                *id,
                park,
                m,
                &[("output", 120), ("revenue", 100), ("tax", 5), ("electricity", 9000), ("employees", 20)],
            ));
        }
    }
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();
    let export = app.get(&county, "/api/v1/export/reports.csv").await;
    assert_eq!(export.status(), 200);
    let csv = export.text().await.unwrap();
    let ours: Vec<&str> =
        csv.lines().take(1).chain(csv.lines().filter(|l| e.iter().any(|_| l.contains("规则测试")))).collect();
    assert_eq!(ours.len(), 5, "a header and four rows: {csv:.300}");
    let file = ours.join("\r\n") + "\r\n";
    let import = |body: String| {
        app.client()
            .post(app.url("/api/v1/import/reports.csv"))
            .bearer_auth(&county)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    // The same file again writes nothing.
    let before = app.audit_total().await;
    let (s, v) = json_of(import(file.clone()).await.unwrap()).await;
    assert_eq!(
        (s, v["imported"]["written"].as_i64(), v["imported"]["unchanged"].as_i64()),
        (200, Some(0), Some(4)),
        "{v}"
    );
    assert_eq!(app.audit_total().await, before);
    // One bad figure: the whole file is refused, naming row and column; nothing changes.
    let bad = file.replacen(",100,", ",1OO,", 1);
    let (s, v) = json_of(import(bad).await.unwrap()).await;
    assert_eq!(s, 422, "{v}");
    let cells = v["error"]["cells"].as_array().unwrap();
    assert_eq!(
        (cells.len(), cells[0]["row"].as_i64(), cells[0]["column"].as_str(), cells[0]["field"].as_str()),
        (1, Some(2), Some("F"), Some("revenue")),
        "{v}"
    );
    // A changed figure is a correction: it needs its reason, then writes a second version.
    let changed = file.replacen(",120,", ",125,", 1);
    let (s, v) = json_of(import(changed.clone()).await.unwrap()).await;
    assert_eq!((s, v["error"]["cells"][0]["field"].as_str()), (422, Some("reason")), "{v}");
    let header_fields = changed.lines().next().unwrap().split(',').count();
    let with_reason: String = changed
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut cells: Vec<&str> = line.split(',').collect();
            if i == 1 {
                // The last column is 说明.
                *cells.last_mut().unwrap() = "核对后更正";
            }
            cells.join(",") + "\r\n"
        })
        .collect();
    assert_eq!(with_reason.lines().nth(1).unwrap().split(',').count(), header_fields);
    let (s, v) = json_of(import(with_reason).await.unwrap()).await;
    assert_eq!((s, v["imported"]["written"].as_i64()), (200, Some(1)), "{v}");
    let corrected = app.store.enterprise_reports(e[0]).await.unwrap();
    assert!(corrected.iter().any(|r| r.version == 2 && r.reason == "核对后更正"), "{corrected:?}");
    // The park's totals follow the correction: 4 × 120 + 5.
    let (_, a) =
        json_of(app.get(&county, &format!("/api/v1/analysis?park_id={park}&from={}&to={l}", back(l, 1))).await).await;
    let output = a["changes"].as_array().unwrap().iter().find(|c| c["key"] == "output").unwrap()["value"].clone();
    assert_eq!(output, json!(485.0), "{a}");
    // The xlsx export reads back as well.
    let xlsx = app.get(&county, "/api/v1/export/reports.xlsx").await.bytes().await.unwrap();
    let (s, v) = json_of(
        app.client()
            .post(app.url("/api/v1/import/reports.xlsx"))
            .bearer_auth(&county)
            .body(xlsx.to_vec())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["imported"]["written"].as_i64()), (200, Some(0)), "{v}");
}

both!(bad_query_values_and_odd_figures_are_refused_in_one_error_shape);
async fn bad_query_values_and_odd_figures_are_refused_in_one_error_shape(app: &App) {
    let county = app.token("county").await;
    let enterprise = app.token("enterprise").await;
    let township = app.token("xiaojiang").await;
    let field_of = |v: &Value| v["error"]["fields"][0]["field"].as_str().map(str::to_string);
    // Query values the server cannot read are refused on their field, not replaced by defaults.
    for (path, field) in [
        ("/api/v1/analysis?from=2023-02-30", "from"),
        ("/api/v1/analysis?from=2024-06&to=2024-01", "from"),
        ("/api/v1/analysis?park_id=abc", "park_id"),
        ("/api/v1/analysis/enterprises?field=nonsense", "field"),
        ("/api/v1/audit?page=-1", "page"),
        ("/api/v1/audit?from=2026-02-31", "from"),
        ("/api/v1/analysis?size=huge", "size"),
        ("/api/v1/analysis?tag=famous", "tag"),
        ("/api/v1/analysis?industry=Q99", "industry"),
        ("/api/v1/analysis?township=330326999", "township"),
        ("/api/v1/parks?sort=price", "sort"),
        ("/api/v1/parks?status=sold", "status"),
        ("/api/v1/alarms?state=closed", "state"),
        ("/api/v1/alarms?severity=extreme", "severity"),
        ("/api/v1/reconciliation?tolerance=1000", "tolerance"),
        ("/api/v1/reconciliation?tolerance=-1", "tolerance"),
    ] {
        let (s, v) = json_of(app.get(&county, path).await).await;
        assert_eq!((s, field_of(&v).as_deref()), (422, Some(field)), "{path}: {v}");
        assert!(!v["error"]["fields"][0]["message"].as_str().unwrap().contains("field."), "{v}");
    }
    // The values the lists do know still answer.
    for path in [
        "/api/v1/analysis?size=above&tag=export&industry=C34",
        "/api/v1/parks?sort=land&desc=true",
        "/api/v1/alarms?state=all&severity=critical",
        "/api/v1/reconciliation?tolerance=15",
    ] {
        assert_eq!(app.get(&county, path).await.status(), 200, "{path}");
    }
    let park = app.store.find_park_by_code("PY08").await.unwrap().unwrap().id;
    let (device, _) = app.device(&county, park, "electricity_meter", "EM-QUERY-1").await;
    for (query, field) in [("bucket=2h", "bucket"), ("from=2000&to=1000", "from")] {
        let path = format!("/api/v1/devices/{device}/series?{query}");
        let (s, v) = json_of(app.get(&county, &path).await).await;
        assert_eq!((s, field_of(&v).as_deref()), (422, Some(field)), "{path}: {v}");
        assert!(!v["error"]["fields"][0]["message"].as_str().unwrap().contains("field."), "{v}");
    }
    assert_eq!(app.get(&county, &format!("/api/v1/devices/{device}/series?bucket=1h")).await.status(), 200);
    let (s, v) = json_of(app.get(&county, "/api/v1/reports/status?month=bad").await).await;
    assert_eq!((s, field_of(&v).as_deref()), (422, Some("month")), "{v}");
    // A body that is not JSON names the body, not a raw key.
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/parks", json!("{")).await).await;
    assert_eq!(s, 422, "{v}");
    let r = app
        .client()
        .post(app.url("/api/v1/parks"))
        .bearer_auth(&county)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(field_of(&v).as_deref(), Some("body"), "{v}");
    assert!(!v["error"]["message"].as_str().unwrap().contains("field."), "{v}");
    // An invisible control character in a name is refused on the name, in the user's language.
    let (s, v) = json_of(app.send(&county, "POST", "/api/v1/parks", json!({"name": "萧江\u{0}轻工园"})).await).await;
    let name = v["error"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == "name").cloned();
    assert_eq!(s, 422, "{v}");
    assert!(name.as_ref().is_some_and(|n| n["message"].as_str().unwrap().contains("U+0000")), "{v}");
    // Half a person, a report from 1900: refused, nothing written.
    let demo = app.store.find_enterprise(weiyuan::demo::DEMO_ENTERPRISE).await.unwrap().unwrap();
    let path = format!("/api/v1/enterprises/{}/reports", demo.id);
    let mut half = form(last(), "100");
    half["employees"] = json!(2.5);
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, half).await).await;
    assert_eq!((s, field_of(&v).as_deref()), (422, Some("employees")), "{v}");
    let (s, v) = json_of(app.send(&enterprise, "POST", &path, form(Month { year: 1900, month: 1 }, "1")).await).await;
    assert_eq!((s, field_of(&v).as_deref()), (422, Some("month")), "{v}");
    let py06 = app.park_id("PY06").await;
    let (s, v) = json_of(
        app.send(&township, "POST", &format!("/api/v1/parks/{py06}/reports"), json!({"month": "1900-01"})).await,
    )
    .await;
    assert_eq!((s, field_of(&v).as_deref()), (422, Some("month")), "{v}");
    assert!(app.store.enterprise_reports(demo.id).await.unwrap().is_empty(), "nothing written");
    // A telemetry batch without readings is refused as the API describes.
    let r = app.client().post(app.url("/api/v1/telemetry")).json(&json!({"token": "x", "readings": []})).send().await;
    let (s, v) = json_of(r.unwrap()).await;
    assert_eq!((s, field_of(&v).as_deref()), (422, Some("readings")), "{v}");
    // Replies made by the framework (an unknown method, an unreadable query, a body over the
    // limit) come in the same JSON shape as every other error.
    let c = app.client();
    let r = c.delete(app.url("/api/v1/analysis")).bearer_auth(&county).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "method_not_allowed", "{v}");
    let big = vec![b'x'; 3 << 20];
    let r = c.post(app.url("/api/v1/telemetry")).header("content-type", "application/json").body(big).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_large", "{v}");
    assert_eq!(v["error"]["message"], "请求内容过大");
}

both!(a_load_of_many_parks_and_months_keeps_every_total_exact);
async fn a_load_of_many_parks_and_months_keeps_every_total_exact(app: &App) {
    let county = app.token("county").await;
    let (p1, _, e1) = app.park_with(&county, &[], &["C3484", "C1819"]).await;
    let (p2, _, e2) = app.park_with(&county, &[], &["C3489"]).await;
    let (l, m) = (last(), back(last(), 1));
    // Totals per (park, month) as the rollup keeps them, and as the reports sum up.
    let totals = |q: &'static str| async move {
        let rows = sqlx::query(q).fetch_all(app.store.pool()).await.unwrap();
        rows.iter()
            .map(|r| {
                use sqlx::Row;
                (r.try_get::<i64, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap(), r.try_get::<i64, _>(2).unwrap())
            })
            .filter(|(p, _, _)| *p == p1 || *p == p2)
            .collect::<Vec<_>>()
    };
    let kept = "SELECT park_id, month, CAST(SUM(s_revenue) AS BIGINT) FROM report_rollup GROUP BY park_id, month ORDER BY park_id, month";
    let summed = "SELECT park_id, month, CAST(SUM(v_revenue) AS BIGINT) FROM enterprise_reports GROUP BY park_id, month ORDER BY park_id, month";
    // Two parks, two months, one load.
    let rows = vec![
        report(e1[0], p1, m, &[("revenue", 100)]),
        report(e1[1], p1, m, &[("revenue", 20)]),
        report(e1[0], p1, l, &[("revenue", 110)]),
        report(e2[0], p2, m, &[("revenue", 7)]),
        report(e2[0], p2, l, &[("revenue", 9)]),
    ];
    app.store.insert_enterprise_reports(&rows, "test", false).await.unwrap();
    let got = totals(kept).await;
    assert_eq!(got, totals(summed).await);
    // Stored as hundredths of 万元.
    let h = 100;
    assert_eq!(
        got,
        vec![
            (p1, m.to_string(), 120 * h),
            (p1, l.to_string(), 110 * h),
            (p2, m.to_string(), 7 * h),
            (p2, l.to_string(), 9 * h)
        ]
    );
    // A second load of one park's month leaves the other park's totals alone and adds to its own.
    app.store.insert_enterprise_reports(&[report(e1[1], p1, l, &[("revenue", 5)])], "test", false).await.unwrap();
    let got = totals(kept).await;
    assert_eq!(got, totals(summed).await);
    assert_eq!(got[1], (p1, l.to_string(), 115 * h));
    assert_eq!(got[2], (p2, m.to_string(), 7 * h));
}
