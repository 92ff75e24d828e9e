//! Monthly progress reports: one row per park and month, the same layout for xlsx and CSV.

use super::reader::{DataRows, Layout, Progress, Tables};
use super::{FileFormat, ImportError, ImportSummary, Out, resolve_park};
use crate::error::AppError;
use crate::exchange::table::Sheet;
use rust_xlsxwriter::XlsxError;
use std::collections::HashSet;
use weiyuan_domain::FieldError;
use weiyuan_domain::access::Actor;
use weiyuan_domain::progress::{Month, ProgressForm};
use weiyuan_domain::units::m2_to_wan_m2;
use weiyuan_store::Store;
use weiyuan_store::import::ImportBatch;

/// (form field, header, width); the last two are written by exports and ignored by imports.
const COLUMNS: [(&str, &str, f64); 11] = [
    ("code", "编号", 8.0),
    ("name", "园区名称", 34.0),
    ("month", "月份", 10.0),
    ("land_supplied_mu", "本月供地（亩）", 10.0),
    ("started_mu", "本月开工（亩）", 10.0),
    ("completed_wan_m2", "本月竣工（万㎡）", 10.0),
    ("enterprises_moved_in", "本月新入驻企业（家）", 10.0),
    ("investment_wan", "本月完成投资（万元）", 12.0),
    ("problems", "需县里协调解决的问题", 40.0),
    ("submitted_by", "报送人", 14.0),
    ("submitted_at", "报送时间", 18.0),
];

fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.1).collect()
}

/// The columns an import reads (not who filed and when).
pub(super) fn csv_headers() -> Vec<&'static str> {
    headers()[..9].to_vec()
}

pub(super) async fn export(store: &Store, actor: &Actor, format: FileFormat) -> Result<Vec<u8>, AppError> {
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let reports = store.list_reports(&scope).await?;
    let rows: Vec<Vec<Out>> = reports
        .iter()
        .filter_map(|r| {
            let p = parks.iter().find(|p| p.id == r.park_id)?;
            Some(vec![
                Out::text(&p.code),
                Out::text(&p.name),
                Out::text(r.month.to_string()),
                Out::Num(r.land_supplied_mu.as_f64()),
                Out::Num(r.started_mu.as_f64()),
                Out::Num(m2_to_wan_m2(r.completed_m2).as_f64()),
                Out::Num(r.enterprises_moved_in as f64),
                Out::Num(r.investment.wan().as_f64()),
                Out::text(&r.problems),
                Out::text(&r.submitted_by),
                Out::text(weiyuan_domain::time::format_shanghai(r.submitted_at)),
            ])
        })
        .collect();
    let widths: Vec<f64> = COLUMNS.iter().map(|c| c.2).collect();
    super::table_file(format, "月度进度", "小微企业园月度建设进度", &headers(), &widths, &rows)
}

pub(super) fn template() -> Result<Vec<u8>, XlsxError> {
    let widths: Vec<f64> = COLUMNS.iter().map(|c| c.2).collect();
    super::one_sheet(
        "月度进度",
        "小微企业园月度建设进度（导入模板）",
        &headers()[..9],
        &widths,
        &[],
        &[
            "每行一个园区一个月：编号或园区名称须是您管辖范围内已登记的园区；月份写 2024-03。",
            "数字不带单位；空白按 0 计。竣工面积单位为万㎡，投资单位为万元。不能报送未来月份。",
            "同一园区同一月份再次导入即为更正，保留首次报送时间。",
            "文件有任何一处错误时，整个文件都不会导入，并列出每个错误所在的工作表、行、列。",
        ],
    )
}

pub(super) async fn check(
    store: &Store,
    actor: &Actor,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<(ImportBatch, ImportSummary), ImportError> {
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let existing = store.list_reports(&scope).await?;
    let current = Month::of_ms(weiyuan_store::now_ms());
    let mut tables = Tables::find(
        sheets,
        Layout {
            // Who filed and when are read by no one, but an export's headers still mark its table.
            columns: COLUMNS.iter().map(|c| (c.0, c.1)).collect(),
            key: "月份",
            min: 4,
            required: &["month"],
            rows: DataRows::NamedOrCoded,
        },
    )?;
    let mut batch = ImportBatch::default();
    let mut summary = ImportSummary::default();
    let mut seen = HashSet::new();
    summary.rows = tables.each(progress, |row, errors| {
        let get = |field: &str| row.get(field);
        let (code, name) = (get("code"), get("name"));
        let Some(park) = resolve_park(&parks, &code, &name) else {
            let (field, value) = if code.is_empty() { ("name", name) } else { ("code", code) };
            errors.push(row.error(FieldError::new(field, "import.unknown_park").with("value", value)));
            return;
        };
        // A month typed into Excel arrives as a date: keep its year and month.
        let month_cell = get("month");
        let month = match month_cell.get(..7) {
            Some(ym) if month_cell.len() == 10 && month_cell.as_bytes()[4] == b'-' => ym.to_string(),
            _ => month_cell,
        };
        let form = ProgressForm {
            month,
            land_supplied_mu: get("land_supplied_mu"),
            started_mu: get("started_mu"),
            completed_wan_m2: get("completed_wan_m2"),
            enterprises_moved_in: get("enterprises_moved_in"),
            investment_wan: get("investment_wan"),
            problems: get("problems"),
        };
        let draft = match form.validate(current) {
            Ok(d) => d,
            Err(inv) => {
                inv.0.into_iter().for_each(|e| errors.push(row.error(e)));
                return;
            }
        };
        if !seen.insert((park.id, draft.month)) {
            let e = FieldError::new("month", "import.duplicate_in_file")
                .with("value", format!("{} {}", park.code, draft.month));
            errors.push(row.error(e));
            return;
        }
        let same = existing.iter().find(|x| x.park_id == park.id && x.month == draft.month).is_some_and(|x| {
            x.land_supplied_mu == draft.land_supplied_mu
                && x.started_mu == draft.started_mu
                && x.completed_m2 == draft.completed_m2
                && x.enterprises_moved_in == draft.enterprises_moved_in
                && x.investment == draft.investment
                && x.problems == draft.problems
        });
        if same {
            summary.unchanged += 1;
            return;
        }
        match actor.park_authority(&park.as_ref()) {
            Ok(who) => batch.reports.push((who, draft)),
            Err(_) => {
                let e = FieldError::new("code", "import.progress_not_allowed").with("value", &park.code);
                errors.push(row.error(e));
            }
        }
    });
    tables.finish()?;
    summary.written = batch.reports.len();
    Ok((batch, summary))
}
