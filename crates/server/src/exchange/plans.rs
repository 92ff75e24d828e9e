//! Plans in the layout of annexes 6 and 7: per park the planned, supplied and started land,
//! then, per year, land supply (亩), construction start (亩), completion (万㎡) and output (亿元),
//! and the responsible unit. Two header rows: the groups, then the years under each group.
//! CSV: one row per park and year.

use super::reader::{DataRows, Layout, Progress, Table, Tables, normalize_header};
use super::{FileFormat, ImportError, ImportSummary, Out, Styles, write_row, xlsx_error};
use crate::error::AppError;
use crate::exchange::table::Sheet;
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::{BTreeSet, HashSet};
use weiyuan_domain::FieldError;
use weiyuan_domain::access::Actor;
use weiyuan_domain::parks::Park;
use weiyuan_domain::progress::{Figure, PlanYear};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::Store;
use weiyuan_store::import::{ImportBatch, RegistryRows};
use weiyuan_store::progress::PlanBaseline;

/// The yearly groups: (figure, header, form field).
const GROUPS: [(Figure, &str, &str); 4] = [
    (Figure::LandSupply, "供地计划数（亩）", "land_supply_mu"),
    (Figure::ConstructionStart, "开工计划数（亩）", "construction_start_mu"),
    (Figure::Completion, "竣工计划数（万㎡）", "completion_wan_m2"),
    (Figure::Output, "实现产值（亿元）", "output_yi"),
];

const CODE: &str = "编号";
const NAME: &str = "项目名称";
const PLANNED: &str = "规划面积（亩）";
const SUPPLIED: &str = "已供地面积（亩）";
const STARTED: &str = "已开工面积（亩）";
const RESPONSIBLE: &str = "责任单位";
const YEAR: &str = "年度";

struct Data {
    parks: Vec<Park>,
    plans: Vec<(i64, PlanYear)>,
    baselines: Vec<(i64, PlanBaseline)>,
}

async fn data(store: &Store, actor: &Actor) -> Result<Data, AppError> {
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let plans = store.list_plans(&scope).await?;
    let mut baselines = Vec::new();
    for p in &parks {
        baselines.push((p.id, store.baseline(p.id).await?));
    }
    Ok(Data { parks, plans, baselines })
}

fn figure_out(figure: Figure, plan: Option<&PlanYear>) -> Out {
    Out::fixed(plan.and_then(|p| figure.of(&p.figures)))
}

pub(super) fn csv_headers() -> Vec<&'static str> {
    let mut headers = vec![CODE, NAME, YEAR];
    headers.extend(GROUPS.iter().map(|g| g.1));
    headers
}

pub(super) async fn export(store: &Store, actor: &Actor, format: FileFormat) -> Result<Vec<u8>, AppError> {
    let d = data(store, actor).await?;
    match format {
        FileFormat::Csv => {
            let headers = csv_headers();
            let mut rows = Vec::new();
            for p in &d.parks {
                for (_, plan) in d.plans.iter().filter(|(id, _)| *id == p.id) {
                    let mut row = vec![Out::text(&p.code), Out::text(&p.name), Out::Num(plan.year as f64)];
                    row.extend(GROUPS.iter().map(|g| figure_out(g.0, Some(plan))));
                    rows.push(row);
                }
            }
            Ok(super::csv(&headers, &rows))
        }
        FileFormat::Xlsx => xlsx(&d).map_err(xlsx_error),
    }
}

fn years_of(d: &Data) -> Vec<i32> {
    match (d.plans.iter().map(|p| p.1.year).min(), d.plans.iter().map(|p| p.1.year).max()) {
        (Some(a), Some(b)) => (a..=b).collect(),
        _ => {
            let y = weiyuan_domain::progress::Month::of_ms(weiyuan_store::now_ms()).year;
            (y..y + 5).collect()
        }
    }
}

fn write_sheet(book: &mut Workbook, d: &Data, years: &[i32], title: &str) -> Result<(), XlsxError> {
    let styles = Styles::default();
    let ws = book.add_worksheet();
    ws.set_name("建设计划")?;
    let single = [(CODE, 8.0), (NAME, 34.0), (PLANNED, 10.0), (SUPPLIED, 10.0), (STARTED, 10.0)];
    for (c, (h, w)) in single.iter().enumerate() {
        ws.merge_range(1, c as u16, 2, c as u16, h, &styles.header)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let mut c = single.len() as u16;
    for (_, header, _) in GROUPS {
        let last = c + years.len() as u16 - 1;
        if last > c {
            ws.merge_range(1, c, 1, last, header, &styles.header)?;
        } else {
            ws.write_string_with_format(1, c, header, &styles.header)?;
        }
        for (i, y) in years.iter().enumerate() {
            ws.write_string_with_format(2, c + i as u16, format!("{y}年"), &styles.header)?;
            ws.set_column_width(c + i as u16, 8.0)?;
        }
        c = last + 1;
    }
    ws.merge_range(1, c, 2, c, RESPONSIBLE, &styles.header)?;
    ws.set_column_width(c, 12.0)?;
    super::write_title(ws, &styles, title, c as usize + 1)?;
    ws.set_row_height(1, 24)?;
    ws.set_freeze_panes(3, 2)?;
    let mut r = 3u32;
    let mut sums: Vec<Fixed2> = vec![Fixed2::ZERO; 3 + GROUPS.len() * years.len()];
    for p in &d.parks {
        let baseline = d.baselines.iter().find(|(id, _)| *id == p.id).map(|(_, b)| b.clone()).unwrap_or_default();
        let plans: Vec<&PlanYear> = d.plans.iter().filter(|(id, _)| *id == p.id).map(|(_, y)| y).collect();
        if plans.is_empty() && baseline == PlanBaseline::default() {
            continue;
        }
        let mut nums: Vec<Option<Fixed2>> = vec![Some(p.land_mu), baseline.supplied_land_mu, baseline.started_land_mu];
        for (figure, _, _) in GROUPS {
            for y in years {
                nums.push(plans.iter().find(|pl| pl.year == *y).and_then(|pl| figure.of(&pl.figures)));
            }
        }
        for (s, n) in sums.iter_mut().zip(&nums) {
            *s += n.unwrap_or_default();
        }
        let mut row = vec![Out::text(&p.code), Out::text(&p.name)];
        row.extend(nums.iter().map(|n| Out::fixed(*n)));
        row.push(Out::text(&baseline.responsible));
        write_row(ws, r, &row, None)?;
        r += 1;
    }
    let mut total = vec![Out::Empty, Out::text("合计")];
    total.extend(sums.iter().map(|s| Out::Num(s.as_f64())));
    total.push(Out::Empty);
    write_row(ws, r, &total, Some(&styles.total))?;
    Ok(())
}

fn xlsx(d: &Data) -> Result<Vec<u8>, XlsxError> {
    let years = years_of(d);
    let mut book = Workbook::new();
    let title = format!("小微企业园建设计划表（{}—{}年）", years.first().unwrap_or(&0), years.last().unwrap_or(&0));
    write_sheet(&mut book, d, &years, &title)?;
    book.save_to_buffer()
}

pub(super) fn template() -> Result<Vec<u8>, XlsxError> {
    let y = weiyuan_domain::progress::Month::of_ms(weiyuan_store::now_ms()).year;
    let years: Vec<i32> = (y..y + 5).collect();
    let mut book = Workbook::new();
    let empty = Data { parks: Vec::new(), plans: Vec::new(), baselines: Vec::new() };
    write_sheet(&mut book, &empty, &years, "小微企业园建设计划表（导入模板）")?;
    super::instructions(
        &mut book,
        &[
            "每行一个园区：编号或项目名称须是已登记的园区。年份列可增减，第二行写“2023年”或“2023”。",
            "数字不带单位；“—”或空白表示该年无计划。竣工计划单位为万㎡，产值单位为亿元。",
            "导入会把文件中各年份的计划设为文件所写（空白即清除该年该项计划）。“合计”行会被忽略。",
            "文件有任何一处错误时，整个文件都不会导入，并列出每个错误所在的工作表、行、列。",
        ],
    )?;
    book.save_to_buffer()
}

/// A plan cell: empty or a dash means nothing planned.
fn plan_cell(text: &str, field: &str) -> Result<Option<Fixed2>, FieldError> {
    let t = text.trim();
    if t.is_empty() || t == "—" || t == "-" || t == "－" {
        return Ok(None);
    }
    let mut c = weiyuan_domain::validation::Checker::new();
    let v = c.decimal(field, t, Fixed2::ZERO, Fixed2::from_units(100_000));
    c.finish(Some(v)).map_err(|mut inv| inv.0.remove(0))
}

fn set(figures: &mut weiyuan_domain::progress::YearFigures, figure: Figure, v: Option<Fixed2>) {
    use weiyuan_domain::progress::Money;
    match figure {
        Figure::LandSupply => figures.land_supply_mu = v,
        Figure::ConstructionStart => figures.construction_start_mu = v,
        Figure::Completion => figures.completion_m2 = v.and_then(weiyuan_domain::units::wan_m2_to_m2),
        Figure::Output => figures.output = v.map(Money::from_yi),
    }
}

/// The columns an import reads, by field: the park, its baseline, the 年度 of the long layout
/// and the yearly groups (in the wide layout the years sit under the groups, a row lower).
fn import_layout() -> Layout<'static> {
    let mut columns = vec![
        ("code", CODE),
        ("name", NAME),
        ("planned_land_mu", PLANNED),
        ("supplied_land_mu", SUPPLIED),
        ("started_land_mu", STARTED),
        ("responsible", RESPONSIBLE),
        ("year", YEAR),
    ];
    columns.extend(GROUPS.iter().map(|g| (g.2, g.1)));
    Layout { columns, key: NAME, min: 1, required: &[], rows: DataRows::NamedOrCoded }
}

/// The year columns of a wide table: (column, figure, form field, year), read from the group
/// headers and the years on the row below them.
fn year_columns(t: &Table) -> Vec<(usize, Figure, &'static str, i32)> {
    let (sheet, header_row) = (t.sheet, t.header_row);
    let header: Vec<String> = sheet.row(header_row).map(normalize_header).collect();
    let mut year_cols = Vec::new();
    let mut group: Option<(Figure, &str)> = None;
    for c in 0..header.len().max(sheet.row_len(header_row + 1)) {
        if let Some(g) = GROUPS.iter().find(|g| header.get(c).is_some_and(|h| h == &normalize_header(g.1))) {
            group = Some((g.0, g.2));
        } else if header.get(c).is_some_and(|h| !h.is_empty()) {
            group = None;
        }
        let year_text = sheet.cell(header_row + 1, c).trim_end_matches('年').to_string();
        if let (Some((figure, field)), Ok(year)) = (group, year_text.parse::<i32>()) {
            year_cols.push((c, figure, field, year));
        }
    }
    year_cols
}

pub(super) async fn check(
    store: &Store,
    actor: &Actor,
    sheets: &[Sheet],
    progress: Progress<'_>,
) -> Result<(ImportBatch, ImportSummary), ImportError> {
    let d = data(store, actor).await?;
    let mut rows = RegistryRows::new(actor.registry().map_err(AppError::from)?);
    let mut summary = ImportSummary::default();
    let mut seen = HashSet::new();
    let mut tables = Tables::find(sheets, import_layout())?;
    // Long layout (CSV): a 年度 column; wide layout (xlsx): years on the row below the groups,
    // None for a long table.
    let wide: Vec<Option<Vec<_>>> = (0..tables.tables().len())
        .map(|i| tables.col(i, "year").is_none().then(|| year_columns(&tables.tables()[i])))
        .collect();
    for (t, w) in tables.tables_mut().iter_mut().zip(&wide) {
        if w.is_some() {
            t.first_row = t.header_row + 2;
        }
    }
    summary.rows = tables.each(progress, |row, errors| {
        let year_cols = &wide[row.table];
        let get = |field: &str| row.get(field);
        let (code, name) = (get("code"), get("name"));
        let Some(park) = super::resolve_park(&d.parks, &code, &name) else {
            let (field, value) = if code.is_empty() { ("name", name) } else { ("code", code) };
            errors.push(row.error(FieldError::new(field, "import.unknown_park").with("value", value)));
            return;
        };
        let existing: Vec<PlanYear> = d.plans.iter().filter(|(id, _)| *id == park.id).map(|(_, p)| *p).collect();
        let mut years: Vec<PlanYear> = Vec::new();
        let mut row_ok = true;
        if year_cols.is_none() {
            let year = match get("year").parse::<i32>() {
                Ok(y) if (1990..=2100).contains(&y) => y,
                _ => {
                    errors.push(
                        row.error(FieldError::new("year", "error.out_of_range").with("min", 1990).with("max", 2100)),
                    );
                    return;
                }
            };
            let mut plan = PlanYear { year, figures: Default::default() };
            for (figure, _, field) in GROUPS {
                match plan_cell(&get(field), field) {
                    Ok(v) => set(&mut plan.figures, figure, v),
                    Err(e) => {
                        errors.push(row.error(e));
                        row_ok = false;
                    }
                }
            }
            years.push(plan);
        } else if let Some(year_cols) = year_cols {
            let distinct: BTreeSet<i32> = year_cols.iter().map(|y| y.3).collect();
            for year in distinct {
                let mut plan = PlanYear { year, figures: Default::default() };
                for (c, figure, field, _) in year_cols.iter().filter(|y| y.3 == year) {
                    match plan_cell(row.cell(*c), field) {
                        Ok(v) => set(&mut plan.figures, *figure, v),
                        Err(e) => {
                            errors.push(row.error_at(Some(*c), e));
                            row_ok = false;
                        }
                    }
                }
                years.push(plan);
            }
            let base = |field: &str| -> Result<Option<Fixed2>, ()> { plan_cell(&get(field), field).map_err(|_| ()) };
            match (base("supplied_land_mu"), base("started_land_mu")) {
                (Ok(supplied), Ok(started)) => {
                    let b = PlanBaseline {
                        supplied_land_mu: supplied,
                        started_land_mu: started,
                        responsible: get("responsible"),
                    };
                    let before =
                        d.baselines.iter().find(|(id, _)| *id == park.id).map(|(_, b)| b.clone()).unwrap_or_default();
                    if b != before && row_ok {
                        rows.baselines.push((park.id, b));
                    }
                }
                (s, t) => {
                    for (res, field) in [(s, "supplied_land_mu"), (t, "started_land_mu")] {
                        if res.is_err() {
                            errors.push(row.error(FieldError::new(field, "error.not_number")));
                        }
                    }
                    row_ok = false;
                }
            }
        }
        if !row_ok {
            return;
        }
        for plan in years {
            if !seen.insert((park.id, plan.year)) {
                errors.push(
                    row.error_at(
                        None,
                        FieldError::new("year", "import.duplicate_in_file")
                            .with("value", format!("{} {}", park.code, plan.year)),
                    ),
                );
                continue;
            }
            let before = existing.iter().find(|p| p.year == plan.year).copied();
            let same = match before {
                Some(b) => b == plan,
                None => plan.figures.is_empty(),
            };
            if same {
                summary.unchanged += 1;
            } else {
                rows.plans.push((park.id, plan));
            }
        }
    });
    tables.finish()?;
    summary.written = rows.plans.len() + rows.baselines.len();
    Ok((ImportBatch { registry: Some(rows), reports: Vec::new() }, summary))
}
