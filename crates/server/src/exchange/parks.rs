//! The park registry in the layout of annexes 3–5: one sheet per group (completed, under
//! construction, new and planned), 序号 … 建设情况 as in the seed, plus the columns a round trip
//! needs (建设进展, 所在乡镇, 编号, 纬度, 经度).

use super::reader::{DataRows, Layout, Progress, Tables};
use super::{FileFormat, ImportError, ImportSummary, Out, Styles, resolve_park, write_table, xlsx_error};
use crate::error::AppError;
use crate::exchange::table::Sheet;
use crate::i18n::code_from_label;
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::HashSet;
use weiyuan_domain::FieldError;
use weiyuan_domain::access::Actor;
use weiyuan_domain::codes::find_township;
use weiyuan_domain::parks::{DevelopmentModel, Park, ParkForm, ParkStatus, ParkType};
use weiyuan_store::Store;
use weiyuan_store::import::{ImportBatch, ParkWrite, RegistryRows};

/// (form field, header, column width).
const COLUMNS: [(&str, &str, f64); 14] = [
    ("seq", "序号", 6.0),
    ("name", "名称", 36.0),
    ("land_mu", "用地面积（亩）", 12.0),
    ("building_area_wan_m2", "建筑面积（万㎡）", 12.0),
    ("leading_industries", "主导产业", 20.0),
    ("enterprise_count", "入驻企业数（家）", 12.0),
    ("development_model", "开发模式", 18.0),
    ("park_type", "园区类型", 10.0),
    ("status", "建设情况", 10.0),
    ("progress_note", "建设进展", 40.0),
    ("township_code", "所在乡镇", 10.0),
    ("code", "编号", 8.0),
    ("lat", "纬度（°N）", 10.0),
    ("lon", "经度（°E）", 10.0),
];

const GROUPS: [(&str, &str, &[ParkStatus]); 3] = [
    ("附件3 已竣工", "已竣工小微企业园基本概况", &[ParkStatus::Completed]),
    ("附件4 在建", "在建小微企业园基本概况", &[ParkStatus::UnderConstruction]),
    ("附件5 新建（拟建）", "新建（拟建）小微企业园基本概况", &[ParkStatus::New, ParkStatus::Planned]),
];

fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.1).collect()
}

pub(super) fn csv_headers() -> Vec<&'static str> {
    headers()
}

fn zh(prefix: &str, code: &str) -> String {
    crate::i18n::t(weiyuan_domain::access::Lang::ZhCn, &format!("{prefix}.{code}")).to_string()
}

fn row(seq: usize, p: &Park) -> Vec<Out> {
    vec![
        Out::Num(seq as f64),
        Out::text(&p.name),
        Out::Num(p.land_mu.as_f64()),
        Out::Num(weiyuan_domain::units::m2_as_wan_m2(p.building_area_m2)),
        Out::text(&p.leading_industries),
        Out::Num(p.enterprise_count as f64),
        Out::text(zh("model", p.development_model.code())),
        Out::text(zh("park_type", p.park_type.code())),
        Out::text(zh("status", p.status.code())),
        Out::text(&p.progress_note),
        Out::text(p.township_name()),
        Out::text(&p.code),
        p.lat.map(Out::Num).unwrap_or(Out::Empty),
        p.lon.map(Out::Num).unwrap_or(Out::Empty),
    ]
}

fn totals(parks: &[&Park]) -> Vec<Out> {
    let mut t = vec![Out::Empty; COLUMNS.len()];
    t[1] = Out::text("合计");
    t[2] = Out::Num(parks.iter().map(|p| p.land_mu).sum::<weiyuan_domain::Fixed2>().as_f64());
    t[3] = Out::Num(weiyuan_domain::units::m2_as_wan_m2(parks.iter().map(|p| p.building_area_m2).sum()));
    t[5] = Out::Num(parks.iter().map(|p| p.enterprise_count).sum::<i64>() as f64);
    t
}

pub(super) async fn export(store: &Store, actor: &Actor, format: FileFormat) -> Result<Vec<u8>, AppError> {
    let parks = store.list_parks(&actor.park_scope()).await?;
    match format {
        FileFormat::Csv => {
            let rows: Vec<Vec<Out>> = parks.iter().enumerate().map(|(i, p)| row(i + 1, p)).collect();
            Ok(super::csv(&headers(), &rows))
        }
        FileFormat::Xlsx => xlsx(&parks).map_err(xlsx_error),
    }
}

fn xlsx(parks: &[Park]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let styles = Styles::default();
    let widths: Vec<f64> = COLUMNS.iter().map(|c| c.2).collect();
    for (sheet, title, statuses) in GROUPS {
        let group: Vec<&Park> = parks.iter().filter(|p| statuses.contains(&p.status)).collect();
        let rows: Vec<Vec<Out>> = group.iter().enumerate().map(|(i, p)| row(i + 1, p)).collect();
        let ws = book.add_worksheet();
        ws.set_name(sheet)?;
        write_table(ws, &styles, title, &headers(), &widths, &rows, Some(totals(&group)))?;
    }
    book.save_to_buffer()
}

pub(super) fn template() -> Result<Vec<u8>, XlsxError> {
    let widths: Vec<f64> = COLUMNS.iter().map(|c| c.2).collect();
    super::one_sheet(
        "园区",
        "小微企业园基本概况（导入模板）",
        &headers(),
        &widths,
        &[],
        &[
            "每行一个园区。名称、所在乡镇、建设情况、用地面积、建筑面积、主导产业、入驻企业数、开发模式、园区类型必填。",
            "数字直接填写，不带单位和千分位逗号；面积最多两位小数。",
            "所在乡镇：填乡镇名称（如 萧江镇）或区划代码（如 330326103）。",
            "建设情况：已竣工、在建、新建、拟建。开发模式：工业地产、国资公司代建、政府主导企业自建、龙头企业开发、企业联建、待定。",
            "编号：已登记园区的编号（如 PY08），填写则按编号更新；不填则按名称匹配，名称不存在则新建园区。",
            "“合计”行会被忽略。文件有任何一处错误时，整个文件都不会导入，并列出每个错误所在的工作表、行、列。",
        ],
    )
}

pub(super) async fn check(
    store: &Store,
    actor: &Actor,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<(ImportBatch, ImportSummary), ImportError> {
    let existing = store.list_parks(&actor.park_scope()).await?;
    let mut tables = Tables::find(
        sheets,
        Layout {
            columns: COLUMNS.iter().map(|c| (c.0, c.1)).collect(),
            key: "名称",
            min: 4,
            required: &[
                "name",
                "township_code",
                "status",
                "land_mu",
                "building_area_wan_m2",
                "leading_industries",
                "enterprise_count",
                "development_model",
            ],
            rows: DataRows::Named,
        },
    )?;
    let mut rows = RegistryRows::new(actor.registry().map_err(AppError::from)?);
    let mut summary = ImportSummary::default();
    let (mut seen_names, mut seen_codes) = (HashSet::new(), HashSet::new());
    summary.rows = tables.each(progress, |row, errors| {
        let get = |field: &str| row.get(field);
        let name = get("name");
        let township_cell = get("township_code");
        let status_cell = get("status");
        let model_cell = get("development_model");
        let type_cell = get("park_type");
        let form = ParkForm {
            name: name.clone(),
            township_code: find_township(&township_cell).map(|t| t.code.to_string()).unwrap_or(township_cell),
            status: code_from_label(
                ParkStatus::ALL,
                ParkStatus::code,
                "status",
                &status_cell,
                &[("建成投产", "completed")],
            )
            .map(str::to_string)
            .unwrap_or(status_cell),
            land_mu: get("land_mu"),
            building_area_wan_m2: get("building_area_wan_m2"),
            building_area_m2: String::new(),
            leading_industries: get("leading_industries"),
            enterprise_count: get("enterprise_count"),
            development_model: code_from_label(
                DevelopmentModel::ALL,
                DevelopmentModel::code,
                "model",
                &model_cell,
                &[],
            )
            .map(str::to_string)
            .unwrap_or(model_cell),
            park_type: if type_cell.is_empty() {
                "manufacturing".into()
            } else {
                code_from_label(ParkType::ALL, ParkType::code, "park_type", &type_cell, &[])
                    .map(str::to_string)
                    .unwrap_or(type_cell)
            },
            progress_note: get("progress_note"),
            lat: get("lat"),
            lon: get("lon"),
        };
        let draft = match form.validate() {
            Ok(d) => d,
            Err(inv) => {
                inv.0.into_iter().for_each(|e| errors.push(row.error(e)));
                return;
            }
        };
        let code = get("code");
        if !seen_names.insert(draft.name.clone()) {
            let e = FieldError::new("name", "import.duplicate_in_file").with("value", &draft.name);
            errors.push(row.error(e));
            return;
        }
        if !code.is_empty() && !seen_codes.insert(code.clone()) {
            errors.push(row.error(FieldError::new("code", "import.duplicate_in_file").with("value", &code)));
            return;
        }
        let target = resolve_park(&existing, &code, &draft.name);
        if let Some(other) = existing.iter().find(|p| p.name == draft.name && Some(p.id) != target.map(|t| t.id)) {
            errors.push(row.error(FieldError::new("name", "error.duplicate").with("value", &other.code)));
            return;
        }
        match target {
            Some(p) if p.draft() == draft => summary.unchanged += 1,
            Some(p) => rows.parks.push(ParkWrite::Update { id: p.id, draft }),
            None => rows.parks.push(ParkWrite::Create { code: (!code.is_empty()).then_some(code), draft }),
        }
    });
    tables.finish()?;
    summary.written = rows.parks.len();
    Ok((ImportBatch { registry: Some(rows), reports: Vec::new() }, summary))
}
