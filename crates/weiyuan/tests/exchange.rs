//! Excel and CSV exchange, end to end on SQLite and PostgreSQL: what one database exports,
//! another imports to the same data; a file with one bad cell changes nothing and names the cell.

mod common;

use common::App;
use reqwest::StatusCode;
use serde_json::Value;
use weiyuan_domain::access::ParkScope;

async fn download(app: &App, token: &str, file: &str) -> Vec<u8> {
    let r = app.get(token, &format!("/api/v1/export/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK, "export {file}");
    r.bytes().await.unwrap().to_vec()
}

async fn upload(app: &App, token: &str, file: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/import/{file}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// The data columns of a progress CSV (without who filed and when, which an import changes).
fn progress_data(csv: &[u8]) -> Vec<String> {
    String::from_utf8(csv.to_vec())
        .unwrap()
        .lines()
        .map(|l| l.split(',').take(9).collect::<Vec<_>>().join(","))
        .collect()
}

both!(what_one_database_exports_another_imports_identically);
async fn what_one_database_exports_another_imports_identically(a: &App) {
    let backend = a.store.backend();
    let b = App::spawn_bare(backend).await.unwrap();
    let (ta, tb) = (a.token("county").await, b.token("county").await);
    // A building area that is not a round hundred m² travels exactly (16.005 万㎡, not 16.01).
    let py01 = a.store.find_park_by_code("PY01").await.unwrap().unwrap();
    let f = py01.to_form();
    let form = serde_json::json!({"name": f.name, "township_code": f.township_code, "status": f.status,
        "land_mu": f.land_mu, "building_area_m2": 160_050, "leading_industries": f.leading_industries,
        "enterprise_count": f.enterprise_count, "development_model": f.development_model, "park_type": f.park_type,
        "progress_note": f.progress_note, "lat": f.lat, "lon": f.lon});
    let r = a.send(&ta, "PUT", &format!("/api/v1/parks/{}", py01.id), form).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    for format in ["xlsx", "csv"] {
        let fresh = App::spawn_bare(backend).await.unwrap();
        let tf = fresh.token("county").await;
        for kind in ["parks", "plans", "progress"] {
            let file = format!("{kind}.{format}");
            let (status, body) = upload(&fresh, &tf, &file, download(a, &ta, &file).await).await;
            assert_eq!(status, StatusCode::OK, "{file}: {body}");
        }
        // Compare as CSV, the deterministic text form.
        assert_eq!(download(&fresh, &tf, "parks.csv").await, download(a, &ta, "parks.csv").await, "parks via {format}");
        assert_eq!(download(&fresh, &tf, "plans.csv").await, download(a, &ta, "plans.csv").await, "plans via {format}");
        assert_eq!(
            progress_data(&download(&fresh, &tf, "progress.csv").await),
            progress_data(&download(a, &ta, "progress.csv").await),
            "progress via {format}"
        );
        let parks = fresh.store.list_parks(&ParkScope::All).await.unwrap();
        assert_eq!(parks.len(), 20);
        let wanyang = parks.iter().find(|p| p.code == "PY08").unwrap();
        let py01 = parks.iter().find(|p| p.code == "PY01").unwrap();
        assert_eq!(py01.building_area_m2.plain(), "160050", "via {format}");
        assert_eq!(
            (wanyang.land_mu.plain(), wanyang.building_area_wan_m2().plain()),
            ("866.9".to_string(), "130".to_string())
        );
        // The baseline (supplied and started land, responsible unit) travels in the annex layout;
        // the plans CSV has one row per park and year, only the yearly figures.
        let supplied = fresh.store.baseline(wanyang.id).await.unwrap().supplied_land_mu.map(|v| v.plain());
        assert_eq!(supplied, (format == "xlsx").then(|| "800".to_string()));
        fresh.stop().await;
    }
    // Importing the same files again changes nothing and duplicates nothing.
    for kind in ["parks", "plans", "progress"] {
        let before = a.audit_total().await;
        let (status, body) =
            upload(a, &ta, &format!("{kind}.xlsx"), download(a, &ta, &format!("{kind}.xlsx")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["imported"]["written"], 0, "{kind}: {body}");
        assert_eq!(a.audit_total().await, before, "{kind}: a no-op import writes no audit entry");
    }
    assert_eq!(a.store.list_parks(&ParkScope::All).await.unwrap().len(), 20);
    // Templates are workbooks an import reads back as empty tables.
    let r = b.get(&tb, "/api/v1/templates/parks.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, body) = upload(&b, &tb, "parks.xlsx", r.bytes().await.unwrap().to_vec()).await;
    assert_eq!((status, body["imported"]["rows"].as_i64()), (StatusCode::OK, Some(0)));
    b.stop().await;
}

both!(one_bad_cell_rejects_the_whole_file_and_names_the_cell);
async fn one_bad_cell_rejects_the_whole_file_and_names_the_cell(app: &App) {
    let t = app.token("county").await;
    let before = app.audit_total().await;
    // CSV: a new park on row 2 (fine) and a unit in the land figure of row 3 (column C).
    let csv = "名称,用地面积（亩）,建筑面积（万㎡）,主导产业,入驻企业数（家）,开发模式,园区类型,建设情况,所在乡镇\r\n\
               新园一,30,5,塑包,0,待定,生产制造,拟建,萧江镇\r\n\
               新园二,30亩,5,塑包,0,待定,生产制造,拟建,萧江镇\r\n";
    let (status, body) = upload(app, &t, "parks.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cells = body["error"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{body}");
    assert_eq!(
        (cells[0]["sheet"].as_str(), cells[0]["row"].as_i64(), cells[0]["column"].as_str()),
        (Some("CSV"), Some(3), Some("B"))
    );
    assert_eq!(cells[0]["message"], "工作表“CSV”第 3 行 B 列（用地面积（亩））：须为数字（不带单位和千分位逗号）");
    assert_eq!(app.store.list_parks(&ParkScope::All).await.unwrap().len(), 20, "not even the good row");

    // xlsx: the same in a workbook, and a month in the future in a progress file.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("进度").unwrap();
    for (c, h) in ["编号", "园区名称", "月份", "本月供地（亩）", "本月开工（亩）"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "PY06").unwrap();
    ws.write_string(1, 2, "2024-03").unwrap();
    ws.write_number(1, 3, 5.0).unwrap();
    ws.write_string(2, 0, "PY06").unwrap();
    ws.write_string(2, 2, "2099-01").unwrap();
    ws.write_string(3, 0, "PY99").unwrap();
    ws.write_string(3, 2, "2024-03").unwrap();
    ws.write_string(4, 1, "萧江轻工产业小微园").unwrap();
    ws.write_string(4, 2, "2024-03").unwrap();
    let (status, body) = upload(app, &t, "progress.xlsx", book.save_to_buffer().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cells: Vec<(i64, String, String)> = body["error"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["row"].as_i64().unwrap(),
                c["column"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        vec![
            (3, "C".into(), "error.month_in_future".into()),
            (4, "A".into(), "import.unknown_park".into()),
            (5, "C".into(), "import.duplicate_in_file".into())
        ],
        "{body}"
    );
    assert_eq!(app.audit_total().await, before, "nothing was written");
    // Not a workbook at all: a clear message, nothing written.
    let (status, body) = upload(app, &t, "parks.xlsx", b"PK\x03\x04 not really".to_vec()).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("文件不是有效的 Excel（xlsx）工作簿"))
    );
}

both!(townships_export_and_import_within_their_scope);
async fn townships_export_and_import_within_their_scope(app: &App) {
    let t = app.token("xiaojiang").await;
    let csv = String::from_utf8(download(app, &t, "parks.csv").await).unwrap();
    assert_eq!(csv.lines().count(), 4, "header and its 3 parks");
    assert!(csv.contains("萧江轻工产业小微园") && !csv.contains("万洋众创城"));
    let (status, _) = upload(app, &t, "parks.csv", csv.into_bytes()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the registry is the county's");
    // Progress for its own park is accepted; another township's park is unknown to it.
    let file = "编号,月份,本月开工（亩）,需县里协调解决的问题\r\nPY06,2024-03,2,\r\nPY08,2024-03,1,\r\n";
    let (status, body) = upload(app, &t, "progress.csv", file.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["cells"][0]["row"], 3);
    assert_eq!(body["error"]["cells"][0]["code"], "import.unknown_park");
    // A month of ten bytes that is no date (a character of three bytes across the seventh) is
    // a cell error, not a crash.
    let file = "编号,月份,本月开工（亩）,本月供地（亩）\r\nPY06,2024-1月1,2,0\r\n";
    let (status, body) = upload(app, &t, "progress.csv", file.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (body["error"]["cells"][0]["row"].as_i64(), body["error"]["cells"][0]["column"].as_str()),
        (Some(2), Some("B"))
    );
    let file = "编号,月份,本月开工（亩）,本月供地（亩）\r\nPY06,2024-03,2,0\r\n";
    let (status, body) = upload(app, &t, "progress.csv", file.as_bytes().to_vec()).await;
    assert_eq!((status, body["imported"]["written"].as_i64()), (StatusCode::OK, Some(1)), "{body}");
}

/// The lines of a CSV in sorted order: the same rows, whatever order the ids put them in.
fn sorted_lines(csv: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8(csv.to_vec()).unwrap().lines().map(str::to_string).collect();
    lines.sort();
    lines
}

both!(enterprises_exported_from_one_database_import_into_another);
async fn enterprises_exported_from_one_database_import_into_another(a: &App) {
    let backend = a.store.backend();
    let ta = a.token("county").await;
    let count = a.store.list_enterprises_in(&ParkScope::All).await.unwrap().len();
    assert_eq!(count, 720, "the demo's enterprises");
    for format in ["csv", "xlsx"] {
        let fresh = App::spawn_bare(backend).await.unwrap();
        let tf = fresh.token("county").await;
        // The parks first, so that every row's 园区编号 names a park.
        let parks = format!("parks.{format}");
        let (status, body) = upload(&fresh, &tf, &parks, download(a, &ta, &parks).await).await;
        assert_eq!(status, StatusCode::OK, "{parks}: {body}");
        let file = format!("enterprises.{format}");
        let bytes = download(a, &ta, &file).await;
        let (status, body) = upload(&fresh, &tf, &file, bytes.clone()).await;
        assert_eq!(status, StatusCode::OK, "{file}: {body}");
        assert_eq!(body["imported"]["written"].as_i64(), Some(count as i64), "{file}: {body}");
        assert_eq!(fresh.store.list_enterprises_in(&ParkScope::All).await.unwrap().len(), count);
        assert_eq!(
            sorted_lines(&download(&fresh, &tf, "enterprises.csv").await),
            sorted_lines(&download(a, &ta, "enterprises.csv").await),
            "enterprises via {format}"
        );
        // The same file again: every row unchanged, nothing written, no audit entry.
        let before = fresh.audit_total().await;
        let (status, body) = upload(&fresh, &tf, &file, bytes).await;
        assert_eq!(status, StatusCode::OK, "{file}: {body}");
        assert_eq!(
            (body["imported"]["written"].as_i64(), body["imported"]["unchanged"].as_i64()),
            (Some(0), Some(count as i64)),
            "{file}: {body}"
        );
        assert_eq!(fresh.audit_total().await, before, "{file}: a no-op import writes no audit entry");
        assert_eq!(fresh.store.list_enterprises_in(&ParkScope::All).await.unwrap().len(), count);
        fresh.stop().await;
    }
    // Back into the database it came from: nothing to write.
    let before = a.audit_total().await;
    let (status, body) = upload(a, &ta, "enterprises.xlsx", download(a, &ta, "enterprises.xlsx").await).await;
    assert_eq!((status, body["imported"]["written"].as_i64()), (StatusCode::OK, Some(0)), "{body}");
    assert_eq!(a.audit_total().await, before);
    // The template is a workbook an import reads back as an empty table.
    let r = a.get(&ta, "/api/v1/templates/enterprises.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, body) = upload(a, &ta, "enterprises.xlsx", r.bytes().await.unwrap().to_vec()).await;
    assert_eq!((status, body["imported"]["rows"].as_i64()), (StatusCode::OK, Some(0)), "{body}");
}

both!(one_bad_credit_code_rejects_the_whole_enterprise_file);
async fn one_bad_credit_code_rejects_the_whole_enterprise_file(app: &App) {
    let t = app.token("county").await;
    let count = app.store.list_enterprises_in(&ParkScope::All).await.unwrap().len();
    let before = app.audit_total().await;
    // A new enterprise on row 2 (fine) and a credit code failing its check character on row 3 (column C).
    let csv = "园区编号,企业名称,统一社会信用代码,信用代码例外说明,行业代码,规模,标签,入园日期\r\n\
               PY08,平阳县导入测试一有限公司,91350100M000100Y43,,C3670,规下,科技型,2020-03-01\r\n\
               PY08,平阳县导入测试二有限公司,91310110666007217A,,C3670,规下,,2020-03-01\r\n";
    let (status, body) = upload(app, &t, "enterprises.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let cells = body["error"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{body}");
    assert_eq!(
        (cells[0]["sheet"].as_str(), cells[0]["row"].as_i64(), cells[0]["column"].as_str(), cells[0]["code"].as_str()),
        (Some("CSV"), Some(3), Some("C"), Some("error.uscc_check"))
    );
    assert_eq!(
        cells[0]["message"],
        "工作表“CSV”第 3 行 C 列（统一社会信用代码）：校验位不符（按 GB 32100-2015 应为 T）；如为早期代码，请填写说明"
    );
    assert_eq!(app.audit_total().await, before, "nothing was written");
    assert_eq!(app.store.list_enterprises_in(&ParkScope::All).await.unwrap().len(), count, "not even the good row");

    // The operator imports for its own park only: its own file comes back unchanged, and a row
    // naming another park is an error on that row, not skipped.
    let op = app.token("wanyang").await;
    let before = app.audit_total().await;
    let mine = download(app, &op, "enterprises.csv").await;
    let (status, body) = upload(app, &op, "enterprises.csv", mine).await;
    assert_eq!((status, body["imported"]["written"].as_i64()), (StatusCode::OK, Some(0)), "{body}");
    let file = "园区编号,企业名称,统一社会信用代码,行业代码,规模\r\n\
                PY08,平阳县导入测试三有限公司,91350100M000100Y43,C3670,规下\r\n\
                PY06,平阳县导入测试四有限公司,91310110666007217T,C2926,规下\r\n";
    let (status, body) = upload(app, &op, "enterprises.csv", file.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let cells = body["error"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{body}");
    assert_eq!(
        (cells[0]["row"].as_i64(), cells[0]["column"].as_str(), cells[0]["code"].as_str()),
        (Some(3), Some("A"), Some("import.unknown_park"))
    );
    assert_eq!(app.audit_total().await, before, "nothing was written");
}

both!(a_workbook_with_a_far_corner_cell_is_refused_and_the_server_stays_up);
async fn a_workbook_with_a_far_corner_cell_is_refused_and_the_server_stays_up(app: &App) {
    // 6 KB: A1 and XFD1048576. Before, reading it allocated the whole 2^34-cell range and the
    // server process aborted, for every user who may import (an operator included).
    let t = app.token("wanyang").await;
    let before = app.audit_total().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "统一社会信用代码").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000);
    let (status, body) = upload(app, &t, "enterprises.xlsx", bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["reason"], "import.too_many_rows");
    assert_eq!(
        body["error"]["message"], "工作表“Sheet1”第 1048576 行 XFD 列：超出导入上限，每个工作表最多 200000 行",
        "{body}"
    );
    // The server is still there, and nothing was written.
    assert_eq!(app.get(&t, "/api/v1/parks").await.status(), StatusCode::OK);
    assert_eq!(app.audit_total().await, before);
}

both!(a_csv_saved_by_chinese_excel_imports_and_a_file_of_bad_rows_lists_the_first_errors);
async fn a_csv_saved_by_chinese_excel_imports_and_a_file_of_bad_rows_lists_the_first_errors(app: &App) {
    let t = app.token("county").await;
    let header =
        "名称,用地面积（亩）,建筑面积（万㎡）,主导产业,入驻企业数（家）,开发模式,园区类型,建设情况,所在乡镇\r\n";
    // GBK, as Excel's "CSV (逗号分隔)" writes it on a Chinese Windows.
    let csv = format!("{header}新园一,30,5,塑包,0,待定,生产制造,拟建,萧江镇\r\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    assert!(std::str::from_utf8(&gbk).is_err());
    let (status, body) = upload(app, &t, "parks.csv", gbk.into_owned()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(app.store.list_parks(&ParkScope::All).await.unwrap().iter().any(|p| p.name == "新园一"));

    // 1,000 bad rows: the reply lists the first 200 and gives the total.
    let before = app.audit_total().await;
    let mut csv = header.to_string();
    for i in 0..1000 {
        csv.push_str(&format!("坏园{i},三十,5,塑包,0,待定,生产制造,拟建,萧江镇\r\n"));
    }
    let (status, body) = upload(app, &t, "parks.csv", csv.into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["total"], 1000, "{}", body["error"]["message"]);
    assert_eq!(body["error"]["cells"].as_array().unwrap().len(), 200);
    assert_eq!(body["error"]["message"], "文件有 1000 处错误，未导入任何数据");
    assert_eq!(app.audit_total().await, before);
}

/// `filename*=UTF-8''…` of a download, decoded.
fn saved_name(r: &reqwest::Response) -> String {
    let d = r.headers()["content-disposition"].to_str().unwrap().to_string();
    let encoded = d.split("filename*=UTF-8''").nth(1).unwrap_or_else(|| panic!("no UTF-8 name: {d}"));
    let bytes = encoded.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

both!(exports_are_saved_under_names_in_the_readers_language_with_the_title_over_the_table);
async fn exports_are_saved_under_names_in_the_readers_language_with_the_title_over_the_table(app: &App) {
    use calamine::Reader;
    let t = app.token("county").await;
    let r = app.get(&t, "/api/v1/export/parks.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let name = saved_name(&r);
    assert!(name.starts_with("平阳县小微企业园名录-20") && name.ends_with(".xlsx"), "{name}");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("filename=\""), "an ASCII fallback too");
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let columns = range.width() as u32;
    assert!(columns > 5, "the parks table has its columns");
    let merged = book.merge_cells_by_sheet_name(&sheet).unwrap();
    assert!(
        merged.iter().any(|d| d.start == (0, 0) && d.end == (0, columns - 1)),
        "the title is merged over all {columns} columns: {merged:?}"
    );
    // The plans' two-row header too, and the template's name says what it is.
    let r = app.get(&t, "/api/v1/export/plans.xlsx").await;
    assert!(saved_name(&r).starts_with("小微企业园建设计划-"));
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let columns = book.worksheet_range(&sheet).unwrap().width() as u32;
    let merged = book.merge_cells_by_sheet_name(&sheet).unwrap();
    assert!(merged.iter().any(|d| d.start == (0, 0) && d.end == (0, columns - 1)), "{merged:?}");
    let r = app.get(&t, "/api/v1/templates/enterprises.csv").await;
    assert_eq!(saved_name(&r), "入园企业名录-导入模板.csv");
    // A reader who chose English gets English names.
    let tb = app.token("binhai").await;
    let r = app.send(&tb, "PUT", "/api/v1/me/lang", serde_json::json!({"lang": "en"})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let en = app.get(&tb, "/api/v1/export/parks.csv").await;
    assert!(saved_name(&en).starts_with("Parks-20"), "{}", saved_name(&en));
}
