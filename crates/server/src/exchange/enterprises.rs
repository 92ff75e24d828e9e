//! The enterprise registry (入园企业): one row per enterprise, the same layout for xlsx and CSV.
//! An import registers new enterprises and updates those whose credit code is already
//! registered in the same park; a row whose park the caller may not edit is an error.

use super::reader::{DataRows, Layout, Progress, Tables};
use super::{FileFormat, ImportError, ImportSummary, Out, resolve_park};
use crate::error::AppError;
use crate::exchange::table::Sheet;
use crate::i18n::code_from_label;
use rust_xlsxwriter::XlsxError;
use std::collections::{HashMap, HashSet};
use weiyuan_domain::FieldError;
use weiyuan_domain::access::{Actor, Lang, ParkScope};
use weiyuan_domain::enterprises::{EnterpriseForm, EnterpriseSize};
use weiyuan_store::enterprise_import::EnterpriseWrite;
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::{AuditCtx, Store};

/// (form field, header, column width).
const COLUMNS: [(&str, &str, f64); 10] = [
    ("park_code", "园区编号", 10.0),
    ("name", "企业名称", 36.0),
    ("credit_code", "统一社会信用代码", 22.0),
    ("credit_override", "信用代码例外说明", 30.0),
    ("legal_representative", "法定代表人", 12.0),
    ("contact", "联系方式", 16.0),
    ("industry_code", "行业代码", 10.0),
    ("size", "规模", 8.0),
    ("tags", "标签", 20.0),
    ("entry_date", "入园日期", 12.0),
];

const SHEET: &str = "入园企业";

fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.1).collect()
}

fn widths() -> Vec<f64> {
    COLUMNS.iter().map(|c| c.2).collect()
}

pub(super) fn csv_headers() -> Vec<&'static str> {
    headers()
}

fn zh(prefix: &str, code: &str) -> String {
    crate::i18n::t(Lang::ZhCn, &format!("{prefix}.{code}")).to_string()
}

fn row(park_code: &str, e: &Enterprise) -> Vec<Out> {
    vec![
        Out::text(park_code),
        Out::text(&e.name),
        Out::text(&e.credit_code),
        Out::text(&e.credit_override),
        Out::text(&e.legal_representative),
        Out::text(&e.contact),
        Out::text(&e.industry_code),
        Out::text(zh("size", e.size.code())),
        Out::text(e.tags.iter().map(|t| zh("tag", t.code())).collect::<Vec<_>>().join("、")),
        e.entry_date.as_deref().map(Out::text).unwrap_or(Out::Empty),
    ]
}

pub(super) async fn export(store: &Store, actor: &Actor, format: FileFormat) -> Result<Vec<u8>, AppError> {
    let parks = store.list_parks(&actor.park_scope()).await?;
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let rows: Vec<Vec<Out>> = enterprises
        .iter()
        .map(|e| {
            let code = parks.iter().find(|p| p.id == e.park_id).map(|p| p.code.as_str()).unwrap_or("");
            row(code, e)
        })
        .collect();
    super::table_file(format, SHEET, "入园企业名录", &headers(), &widths(), &rows)
}

pub(super) fn template() -> Result<Vec<u8>, XlsxError> {
    super::one_sheet(
        SHEET,
        "入园企业名录（导入模板）",
        &headers(),
        &widths(),
        &[],
        &[
            "每行一家企业。园区编号、企业名称、统一社会信用代码、行业代码、规模必填。",
            "园区编号：填园区编号（如 PY08）或园区名称，须是您有权登记企业的园区。",
            "统一社会信用代码：18 位（GB 32100-2015）。校验位不符的早期代码，须在“信用代码例外说明”中写明原因。",
            "行业代码：国民经济行业分类（GB/T 4754-2017）小类代码，如 C3670。规模：规上或规下。",
            "标签：科技型、专精特新、高新技术、小升规、外向型、品牌、初创，多个用顿号（、）或逗号分隔。",
            "入园日期写 2019-05-01，不能晚于今天；可不填。",
            "统一社会信用代码已登记在同一园区的企业按文件更新；已在其他园区登记的代码是错误。",
            "文件有任何一处错误时，整个文件都不会导入，并列出每个错误所在的工作表、行、列。",
        ],
    )
}

/// Check every row; when all are right, the rows to write and what they amount to.
async fn check(
    store: &Store,
    actor: &Actor,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<(Vec<EnterpriseWrite>, ImportSummary), ImportError> {
    let parks = store.list_parks(&actor.park_scope()).await?;
    // Credit codes and names are unique across the county, whoever's park holds them.
    let existing = store.list_enterprises_in(&ParkScope::All).await?;
    let by_code: HashMap<&str, &Enterprise> = existing.iter().map(|e| (e.credit_code.as_str(), e)).collect();
    let by_name: HashMap<&str, &Enterprise> = existing.iter().map(|e| (e.name.as_str(), e)).collect();
    let today = crate::today();
    let mut tables = Tables::find(
        sheets,
        Layout {
            columns: COLUMNS.iter().map(|c| (c.0, c.1)).collect(),
            key: "企业名称",
            min: 4,
            required: &["park_code", "name", "credit_code", "industry_code", "size"],
            rows: DataRows::Named,
        },
    )?;
    let mut writes: Vec<EnterpriseWrite> = Vec::new();
    let mut summary = ImportSummary::default();
    let (mut seen_codes, mut seen_names) = (HashSet::new(), HashSet::new());
    summary.rows = tables.each(progress, |row, errors| {
        let get = |field: &str| row.get(field);
        // The park: by its 编号, or by its name.
        let park_cell = get("park_code");
        let park = if park_cell.is_empty() {
            errors.push(row.error(FieldError::new("park_code", "error.required")));
            None
        } else {
            match resolve_park(&parks, &park_cell, "").or_else(|| resolve_park(&parks, "", &park_cell)) {
                Some(p) => match actor.unit_desk(&p.as_ref()) {
                    Ok(desk) => Some((p, desk)),
                    Err(_) => {
                        let e = FieldError::new("park_code", "import.park_not_editable").with("value", &p.code);
                        errors.push(row.error(e));
                        None
                    }
                },
                None => {
                    let e = FieldError::new("park_code", "import.unknown_park").with("value", &park_cell);
                    errors.push(row.error(e));
                    None
                }
            }
        };
        let size_cell = get("size");
        let form = EnterpriseForm {
            name: get("name"),
            credit_code: get("credit_code"),
            credit_override: get("credit_override"),
            legal_representative: get("legal_representative"),
            contact: get("contact"),
            industry_code: get("industry_code"),
            size: code_from_label(EnterpriseSize::ALL, EnterpriseSize::code, "size", &size_cell, &[])
                .map(str::to_string)
                .unwrap_or(size_cell),
            tags: crate::enterprises::tag_codes(&get("tags")),
            entry_date: get("entry_date"),
        };
        let draft = match form.validate(&today) {
            Ok(d) => d,
            Err(inv) => {
                inv.0.into_iter().for_each(|e| errors.push(row.error(e)));
                return;
            }
        };
        let Some((park, desk)) = park else { return };
        if !seen_codes.insert(draft.credit_code.clone()) {
            let e = FieldError::new("credit_code", "import.duplicate_in_file").with("value", &draft.credit_code);
            errors.push(row.error(e));
            return;
        }
        if !seen_names.insert(draft.name.clone()) {
            errors.push(row.error(FieldError::new("name", "import.duplicate_in_file").with("value", &draft.name)));
            return;
        }
        // The enterprise this row updates: the one registered under its credit code.
        let target = by_code.get(draft.credit_code.as_str()).copied();
        if let Some(t) = target.filter(|t| t.park_id != park.id) {
            // Name the other park only when the caller can see it.
            let value = parks
                .iter()
                .find(|p| p.id == t.park_id)
                .map(|p| p.code.clone())
                .unwrap_or_else(|| draft.credit_code.clone());
            errors.push(row.error(FieldError::new("credit_code", "import.registered_elsewhere").with("value", value)));
            return;
        }
        if by_name.get(draft.name.as_str()).is_some_and(|other| Some(other.id) != target.map(|t| t.id)) {
            errors.push(row.error(FieldError::new("name", "error.duplicate")));
            return;
        }
        match target {
            Some(t) if t.draft() == draft => summary.unchanged += 1,
            Some(t) => writes.push((desk, draft, Some(t.id))),
            None => writes.push((desk, draft, None)),
        }
    });
    tables.finish()?;
    summary.written = writes.len();
    Ok((writes, summary))
}

/// Check a file's rows and, when every one is right, write them all in one transaction.
pub(super) async fn import(
    store: &Store,
    actor: &Actor,
    ctx: &AuditCtx,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<ImportSummary, ImportError> {
    let (writes, summary) = check(store, actor, sheets, progress).await?;
    let total = writes.len();
    if !writes.is_empty() {
        store.import_enterprises(ctx, &writes, &|done| progress("write", done, total)).await?;
    }
    Ok(summary)
}
