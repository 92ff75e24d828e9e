//! Monthly enterprise reports (企业月度报表): one row per enterprise and month, each figure in its
//! own column with its unit in the header. An import checks every row as the filing form does
//! (required figures, ranges, months that have ended, jumps against last year's month, which
//! need 确认 and 说明) and writes nothing when any cell is wrong; a row for a month already filed
//! with other figures is a correction and needs its 说明.

use super::reader::{DataRows, Layout, Progress, Tables};
use super::{FileFormat, ImportError, ImportSummary, Out};
use crate::error::AppError;
use crate::exchange::table::Sheet;
use rust_xlsxwriter::XlsxError;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use weiyuan_domain::FieldError;
use weiyuan_domain::access::{Actor, Lang, ParkRef, ReportFiler};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::ReportDraft;
use weiyuan_domain::reports::{FIELDS, Figures, ReportForm};
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::reports::{NewReport, Report};
use weiyuan_store::{AuditCtx, Store};

const SHEET: &str = "月度报表";

/// (form field, header): the enterprise, the month, every figure with its unit, 确认, 说明.
fn columns() -> &'static [(String, String)] {
    static COLUMNS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let zh = |k: &str| crate::i18n::t(Lang::ZhCn, &format!("report_field.{k}")).to_string();
        let mut c = vec![
            ("park_code".to_string(), "园区编号".to_string()),
            ("credit_code".into(), "统一社会信用代码".into()),
            ("name".into(), "企业名称".into()),
            ("month".into(), "月份".into()),
        ];
        c.extend(FIELDS.iter().map(|f| (f.key.to_string(), format!("{}（{}）", zh(f.key), f.unit))));
        c.push(("confirm".into(), "确认大幅变动".into()));
        c.push(("reason".into(), "说明".into()));
        c
    })
}

fn headers() -> Vec<&'static str> {
    columns().iter().map(|c| c.1.as_str()).collect()
}

pub(super) fn csv_headers() -> Vec<&'static str> {
    headers()
}

fn widths() -> Vec<f64> {
    columns().iter().map(|c| if c.0 == "name" { 30.0 } else { 14.0 }).collect()
}

/// The last twelve months that have ended, in the caller's scope.
pub(super) async fn export(store: &Store, actor: &Actor, format: FileFormat) -> Result<Vec<u8>, AppError> {
    let months = crate::reports::last_month().last_n(12);
    let parks = store.list_parks(&actor.park_scope()).await?;
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let by_id: HashMap<i64, &Enterprise> = enterprises.iter().map(|e| (e.id, e)).collect();
    let mut reports: Vec<Report> = store
        .report_figures_in(&months)
        .await?
        .into_values()
        .filter(|r| by_id.contains_key(&r.enterprise_id))
        .collect();
    reports.sort_by_key(|r| (r.park_id, r.enterprise_id, r.month));
    let rows: Vec<Vec<Out>> = reports
        .iter()
        .map(|r| {
            let e = by_id[&r.enterprise_id];
            let park = parks.iter().find(|p| p.id == r.park_id).map(|p| p.code.as_str()).unwrap_or_default();
            report_row(park, &e.credit_code, &e.name, r.month, &r.figures, &r.reason)
        })
        .collect();
    super::table_file(format, SHEET, "企业月度报表（近 12 个月）", &headers(), &widths(), &rows)
}

/// One row of the layout: the enterprise, the month, its figures, an empty 确认, the 说明.
pub fn report_row(
    park: &str,
    credit_code: &str,
    name: &str,
    month: Month,
    figures: &Figures,
    reason: &str,
) -> Vec<Out> {
    let mut row = vec![Out::text(park), Out::text(credit_code), Out::text(name), Out::text(month.to_string())];
    row.extend(figures.iter().map(|v| Out::fixed(*v)));
    row.push(Out::Empty);
    row.push(Out::text(reason));
    row
}

/// A workbook of report rows in the import layout.
pub fn report_workbook(rows: &[Vec<Out>]) -> Result<Vec<u8>, AppError> {
    super::table_file(FileFormat::Xlsx, SHEET, "企业月度报表", &headers(), &widths(), rows)
}

pub(super) fn template() -> Result<Vec<u8>, XlsxError> {
    super::one_sheet(
        SHEET,
        "企业月度报表（导入模板）",
        &headers(),
        &widths(),
        &[],
        &[
            "每行一家企业一个月。统一社会信用代码、月份（如 2026-10）必填；园区编号、企业名称供核对。",
            "必填指标由县小微园办在“规则设置”中设定（默认：工业总产值、营业收入、税收总额、用电量、从业人员）。",
            "金额单位万元，用电 kWh，能耗吨标准煤，用水 m³，排放吨；最多两位小数；利润和增加值可为负数。",
            "与上年同月相比变动超过设定倍数（默认 3 倍）的，须在“确认大幅变动”填“是”，并在“说明”写明原因。",
            "已报送月份的数据不同的，视为更正，须在“说明”写明原因；与已报数据相同的行不重复写入。",
            "文件有任何一处错误时，整个文件都不会导入，并列出每个错误所在的工作表、行、列。",
        ],
    )
}

/// What a checked file writes: the filers of its enterprises, new reports, corrections.
type Checked = (Vec<ReportFiler>, Vec<NewReport>, Vec<(Report, ReportDraft)>, ImportSummary);

async fn check(store: &Store, actor: &Actor, sheets: &[Sheet], progress: Progress<'_>) -> Result<Checked, ImportError> {
    let rules = store.rules().await?.reports;
    let last = crate::reports::last_month();
    let today = crate::today();
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let by_code: HashMap<&str, &Enterprise> = enterprises.iter().map(|e| (e.credit_code.as_str(), e)).collect();
    let towns: HashMap<i64, String> =
        store.list_parks(&actor.park_scope()).await?.into_iter().map(|p| (p.id, p.township_code)).collect();
    let mut filers: HashMap<i64, ReportFiler> = HashMap::new();
    let mut tables = Tables::find(
        sheets,
        Layout {
            columns: columns().iter().map(|c| (c.0.as_str(), c.1.as_str())).collect(),
            key: "统一社会信用代码",
            min: 5,
            required: &["credit_code", "month"],
            rows: DataRows::NotBlank,
        },
    )?;
    // The months the file names and a year before them: what is filed already.
    let mut months: HashSet<Month> = HashSet::new();
    for (i, t) in tables.tables().iter().enumerate() {
        if let Some(c) = tables.col(i, "month") {
            for r in t.first_row..t.sheet.row_count() {
                if let Some(m) = Month::parse(t.sheet.cell(r, c)) {
                    months.insert(m);
                    months.insert(Month { year: m.year - 1, ..m });
                }
            }
        }
    }
    let filed = store.report_figures_in(&months.into_iter().collect::<Vec<_>>()).await?;
    let mut in_file: HashMap<(i64, Month), Figures> = HashMap::new();
    let (mut new, mut corrections) = (Vec::new(), Vec::new());
    let mut summary = ImportSummary::default();
    let mut seen = HashSet::new();
    summary.rows = tables.each(progress, |row, errors| {
        let get = |field: &str| row.get(field);
        let code = get("credit_code").trim().to_ascii_uppercase();
        let Some(e) = by_code.get(code.as_str()).copied() else {
            let e = FieldError::new("credit_code", "import.unknown_enterprise").with("value", &code);
            errors.push(row.error(e));
            return;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = filers.entry(e.id) {
            let park = ParkRef { id: e.park_id, township_code: towns.get(&e.park_id).map_or("", String::as_str) };
            match actor.report_filer(&park, e.id) {
                Ok(filer) => {
                    slot.insert(filer);
                }
                Err(_) => {
                    let err = FieldError::new("credit_code", "import.may_not_file").with("value", &e.name);
                    errors.push(row.error(err));
                    return;
                }
            }
        }
        let mut form = ReportForm { month: get("month"), reason: get("reason"), ..Default::default() };
        for f in FIELDS.iter() {
            form.set(f.key, get(f.key));
        }
        form.confirm = if matches!(get("confirm").trim(), "是" | "确认" | "on" | "yes" | "true" | "1") {
            "on".into()
        } else {
            String::new()
        };
        let month = Month::parse(&form.month);
        let before = month.and_then(|m| filed.get(&(e.id, m))).cloned();
        let last_year = month
            .map(|m| (e.id, Month { year: m.year - 1, ..m }))
            .and_then(|key| in_file.get(&key).copied().or_else(|| filed.get(&key).map(|r| r.figures)));
        // A month filed already: the same figures are no change; other figures a correction,
        // which needs its reason (asked only once the row is otherwise right).
        let checked = form.validate(&rules, last, last_year.as_ref(), false);
        if let (Some(b), Ok(d)) = (&before, &checked) {
            if d.figures == b.figures {
                summary.unchanged += 1;
                return;
            }
            if d.reason.is_empty() {
                let err = FieldError::new("reason", "error.correction_reason");
                errors.push(row.error(err));
                return;
            }
        }
        match checked {
            Ok(d) => {
                if !seen.insert((e.id, d.month)) {
                    let err = FieldError::new("month", "import.duplicate_in_file").with("value", d.month);
                    errors.push(row.error(err));
                    return;
                }
                let late = today > weiyuan_domain::reports::due_date(d.month, &rules);
                let now = weiyuan_store::now_ms();
                match before {
                    Some(b) => corrections.push((b, d)),
                    None => {
                        let row = NewReport {
                            enterprise_id: e.id,
                            park_id: e.park_id,
                            month: d.month,
                            figures: d.figures,
                            submitted_at: now,
                            late,
                        };
                        // Later rows of the file see this one as last year's month.
                        in_file.insert((e.id, d.month), d.figures);
                        new.push(row);
                    }
                }
            }
            Err(inv) => inv.0.into_iter().for_each(|err| errors.push(row.error(err))),
        }
    });
    tables.finish()?;
    summary.written = new.len() + corrections.len();
    Ok((filers.into_values().collect(), new, corrections, summary))
}

pub(super) async fn import(
    store: &Store,
    actor: &Actor,
    ctx: &AuditCtx,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    let (filers, new, corrections, summary) = check(store, actor, sheets, progress).await?;
    let total = new.len() + corrections.len();
    if total > 0 {
        store
            .import_enterprise_reports(&filers, ctx, &new, &corrections, &|done| {
                progress("write", done.min(total), total)
            })
            .await?;
    }
    Ok(summary)
}
