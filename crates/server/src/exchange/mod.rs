//! Excel and CSV exchange of the park registry, the plans, the monthly progress reports and the
//! enterprise registry.
//! Exports follow the seed's annex layouts (Chinese headers, units in the titles, frozen header
//! rows, totals rows); imports take the same files back. An import checks every row first and
//! writes nothing when any cell is wrong, naming sheet, row, column and reason for each.

pub mod api;
mod enterprises;
pub mod pages;
mod parks;
mod plans;
mod progress;
pub mod reader;
mod reports;
pub use reports::{report_row, report_workbook};
pub mod table;

use crate::error::AppError;
use crate::i18n;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Serialize;
pub use table::ImportLimits;
use table::Sheet;
use weiyuan_domain::FieldError;
use weiyuan_domain::access::{Actor, Lang};
use weiyuan_store::{AuditCtx, Store};

/// Uploads of spreadsheets may be large (a province's monthly reports).
pub const UPLOAD_LIMIT: usize = 64 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Parks,
    Plans,
    Progress,
    Enterprises,
    Reports,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "parks" => Some(Kind::Parks),
            "plans" => Some(Kind::Plans),
            "progress" => Some(Kind::Progress),
            "enterprises" => Some(Kind::Enterprises),
            "reports" => Some(Kind::Reports),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Parks => "parks",
            Kind::Plans => "plans",
            Kind::Progress => "progress",
            Kind::Enterprises => "enterprises",
            Kind::Reports => "reports",
        }
    }

    /// Who may import: parks and plans are the county's; townships file progress too; the county,
    /// townships and operators register enterprises (each row's park is checked against the caller).
    pub fn may_import(self, actor: &Actor) -> bool {
        match self {
            Kind::Parks | Kind::Plans => actor.is_county(),
            Kind::Progress => matches!(actor.role, weiyuan_domain::Role::County | weiyuan_domain::Role::Township),
            Kind::Enterprises => matches!(
                actor.role,
                weiyuan_domain::Role::County | weiyuan_domain::Role::Township | weiyuan_domain::Role::Operator
            ),
            // Whoever files reports: the county, operators, enterprises (each row is checked).
            Kind::Reports => !matches!(actor.role, weiyuan_domain::Role::Township),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.to_ascii_lowercase().as_str() {
            "xlsx" => Some(FileFormat::Xlsx),
            "csv" => Some(FileFormat::Csv),
            _ => None,
        }
    }

    /// From a file name's extension.
    pub fn of_path(path: &str) -> Option<FileFormat> {
        FileFormat::parse(path.rsplit('.').next()?)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One problem with one cell (or one row, when `column` is empty).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CellError {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub field: String,
    pub code: String,
    pub params: Vec<(String, String)>,
}

impl CellError {
    pub fn at(sheet: &Sheet, row: usize, col: Option<usize>, e: FieldError) -> CellError {
        CellError {
            sheet: sheet.name.clone(),
            row: sheet.row_number(row),
            column: col.map(|c| sheet.column_letters(c)).unwrap_or_default(),
            field: e.field,
            code: e.code,
            params: e.params,
        }
    }

    /// "工作表“附件3 已竣工”第 5 行 C 列（用地面积（亩））：须为数字（…）"
    pub fn message(&self, lang: Lang) -> String {
        let what = i18n::tf(lang, &self.code, &self.params);
        let label = i18n::field_label(lang, &self.field);
        let key = if self.column.is_empty() { "import.row_error" } else { "import.cell_error" };
        i18n::tf(
            lang,
            key,
            &[
                ("sheet".into(), self.sheet.clone()),
                ("row".into(), self.row.to_string()),
                ("column".into(), self.column.clone()),
                ("field".into(), label),
                ("message".into(), what),
            ],
        )
    }
}

/// The cell errors of a refused file: the first `CellErrors::LISTED` of them, and how many
/// there were in all (a file of bad rows must not make a reply larger than the file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellErrors {
    pub listed: Vec<CellError>,
    pub total: usize,
}

impl CellErrors {
    pub const LISTED: usize = 200;

    pub fn push(&mut self, e: CellError) {
        if self.listed.len() < Self::LISTED {
            self.listed.push(e);
        }
        self.total += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

#[derive(Debug)]
pub enum ImportError {
    /// The file cannot be read (not a workbook, past a limit) or holds no table of this kind:
    /// a message key with its values.
    File(FieldError),
    Cells(CellErrors),
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

impl From<weiyuan_store::StoreError> for ImportError {
    fn from(e: weiyuan_store::StoreError) -> Self {
        ImportError::App(e.into())
    }
}

impl ImportError {
    pub fn file(code: &str) -> ImportError {
        ImportError::File(FieldError::new("file", code))
    }

    /// Every problem as a sentence in the user's language (the first ones and a count of the
    /// rest, when there are many).
    pub fn messages(&self, lang: Lang) -> Vec<String> {
        match self {
            ImportError::File(e) => vec![i18n::tf(lang, &e.code, &e.params)],
            ImportError::Cells(cells) => {
                let mut out: Vec<String> = cells.listed.iter().map(|c| c.message(lang)).collect();
                if cells.total > cells.listed.len() {
                    let more = (cells.total - cells.listed.len()).to_string();
                    out.push(i18n::tf(lang, "import.more_errors", &[("count".into(), more)]));
                }
                out
            }
            ImportError::App(e) => vec![e.message(lang)],
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ImportSummary {
    pub rows: usize,
    pub written: usize,
    pub unchanged: usize,
}

/// Read a file into sheets, within the limits.
pub fn read(format: FileFormat, bytes: &[u8], limits: &ImportLimits) -> Result<Vec<Sheet>, ImportError> {
    match format {
        FileFormat::Xlsx => table::read_xlsx(bytes, limits),
        FileFormat::Csv => table::decode_csv(bytes).and_then(|text| table::read_csv(&text, limits)),
    }
    .map_err(ImportError::File)
}

/// A file to import: what it holds, its format and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Upload<'a> {
    pub kind: Kind,
    pub format: FileFormat,
    pub bytes: &'a [u8],
}

/// Check a file and, when every row is right, write it all in one transaction.
/// `progress(done, total)` reports validation and writing, for the CLI's progress bar.
pub async fn import(
    store: &Store,
    actor: &Actor,
    ctx: &AuditCtx,
    upload: Upload<'_>,
    limits: &ImportLimits,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
) -> Result<ImportSummary, ImportError> {
    let Upload { kind, format, bytes } = upload;
    if !kind.may_import(actor) {
        return Err(AppError::Forbidden.into());
    }
    let sheets = read(format, bytes, limits)?;
    let (batch, summary) = match kind {
        Kind::Parks => parks::check(store, actor, &sheets, progress).await?,
        Kind::Plans => plans::check(store, actor, &sheets, progress).await?,
        Kind::Progress => progress::check(store, actor, &sheets, progress).await?,
        // Enterprises are written by a transaction of their own.
        Kind::Enterprises => return enterprises::import(store, actor, ctx, &sheets, progress).await,
        Kind::Reports => return reports::import(store, actor, ctx, &sheets, progress).await,
    };
    let total = batch.len();
    if !batch.is_empty() {
        let now = weiyuan_store::now_ms();
        store.import(ctx, &batch, now, &|done| progress("write", done, total)).await?;
    }
    Ok(summary)
}

/// Export what the actor can see, as a file: (bytes, file name).
pub async fn export(
    store: &Store,
    actor: &Actor,
    kind: Kind,
    format: FileFormat,
) -> Result<(Vec<u8>, String), AppError> {
    let bytes = match kind {
        Kind::Parks => parks::export(store, actor, format).await?,
        Kind::Plans => plans::export(store, actor, format).await?,
        Kind::Progress => progress::export(store, actor, format).await?,
        Kind::Enterprises => enterprises::export(store, actor, format).await?,
        Kind::Reports => reports::export(store, actor, format).await?,
    };
    Ok((bytes, format!("weiyuan-{}.{}", kind.code(), format.extension())))
}

/// An empty file in the import layout: a workbook with a sheet of instructions, or a CSV
/// header row.
pub fn template(kind: Kind, format: FileFormat) -> Result<Vec<u8>, AppError> {
    if format == FileFormat::Csv {
        let headers = match kind {
            Kind::Parks => parks::csv_headers(),
            Kind::Plans => plans::csv_headers(),
            Kind::Progress => progress::csv_headers(),
            Kind::Enterprises => enterprises::csv_headers(),
            Kind::Reports => reports::csv_headers(),
        };
        return Ok(csv(&headers, &[]));
    }
    let r = match kind {
        Kind::Parks => parks::template(),
        Kind::Plans => plans::template(),
        Kind::Progress => progress::template(),
        Kind::Enterprises => enterprises::template(),
        Kind::Reports => reports::template(),
    };
    r.map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A cell to write.
#[derive(Clone, Debug)]
pub enum Out {
    Text(String),
    Num(f64),
    Empty,
}

impl Out {
    pub fn text(s: impl Into<String>) -> Out {
        Out::Text(s.into())
    }

    pub fn fixed(v: Option<weiyuan_domain::Fixed2>) -> Out {
        v.map(|v| Out::Num(v.as_f64())).unwrap_or(Out::Empty)
    }

    /// The cell as CSV text. A text that Excel would take for a formula (it begins with `=`, `+`,
    /// `-`, `@`, a tab or a carriage return) gets a leading apostrophe, so that a name such as
    /// `=HYPERLINK(…)` that came in through an import opens as text; reading our own CSV drops
    /// the apostrophe again (`table::read_csv`), so export → import is exact.
    pub fn csv(&self) -> String {
        match self {
            Out::Text(s) if table::looks_like_formula(s) => format!("'{s}"),
            Out::Text(s) => s.clone(),
            Out::Num(n) => {
                if n.fract() == 0.0 {
                    format!("{}", *n as i64)
                } else {
                    format!("{n}")
                }
            }
            Out::Empty => String::new(),
        }
    }
}

pub struct Styles {
    pub title: Format,
    pub header: Format,
    pub total: Format,
}

impl Default for Styles {
    fn default() -> Styles {
        let header = Format::new()
            .set_bold()
            .set_background_color("#E4EBF2")
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header,
            total: Format::new().set_bold().set_background_color("#EEF2F6"),
        }
    }
}

/// A workbook of one titled table, with a sheet of instructions when there are any (a template).
pub fn one_sheet(
    sheet: &str,
    title: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<Out>],
    instructions: &[&str],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    write_table(ws, &Styles::default(), title, headers, widths, rows, None)?;
    if !instructions.is_empty() {
        self::instructions(&mut book, instructions)?;
    }
    book.save_to_buffer()
}

/// One table as a file: a CSV, or a workbook of one sheet.
pub fn table_file(
    format: FileFormat,
    sheet: &str,
    title: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<Out>],
) -> Result<Vec<u8>, AppError> {
    match format {
        FileFormat::Csv => Ok(csv(headers, rows)),
        FileFormat::Xlsx => one_sheet(sheet, title, headers, widths, rows, &[]).map_err(xlsx_error),
    }
}

/// Write a titled table: title on row 0, the header on row 1 (frozen), rows, and a totals row.
pub fn write_table(
    ws: &mut Worksheet,
    styles: &Styles,
    title: &str,
    headers: &[&str],
    widths: &[f64],
    rows: &[Vec<Out>],
    totals: Option<Vec<Out>>,
) -> Result<(), XlsxError> {
    write_title(ws, styles, title, headers.len())?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &styles.header)?;
        ws.set_column_width(c as u16, *widths.get(c).unwrap_or(&12.0))?;
    }
    ws.set_row_height(1, 32)?;
    ws.set_freeze_panes(2, 0)?;
    let mut r = 2u32;
    for row in rows {
        write_row(ws, r, row, None)?;
        r += 1;
    }
    if let Some(t) = totals {
        write_row(ws, r, &t, Some(&styles.total))?;
    }
    Ok(())
}

/// The title on row 0, merged across the table's columns and centred over them, as the seed's
/// annexes print it.
pub fn write_title(ws: &mut Worksheet, styles: &Styles, title: &str, columns: usize) -> Result<(), XlsxError> {
    if columns > 1 {
        ws.merge_range(0, 0, 0, columns as u16 - 1, title, &styles.title)?;
    } else {
        ws.write_string_with_format(0, 0, title, &styles.title)?;
    }
    ws.set_row_height(0, 24)?;
    Ok(())
}

pub fn write_row(ws: &mut Worksheet, r: u32, row: &[Out], format: Option<&Format>) -> Result<(), XlsxError> {
    for (c, v) in row.iter().enumerate() {
        let c = c as u16;
        match (v, format) {
            (Out::Text(s), None) => ws.write_string(r, c, s).map(|_| ())?,
            (Out::Text(s), Some(f)) => ws.write_string_with_format(r, c, s, f).map(|_| ())?,
            (Out::Num(n), None) => ws.write_number(r, c, *n).map(|_| ())?,
            (Out::Num(n), Some(f)) => ws.write_number_with_format(r, c, *n, f).map(|_| ())?,
            (Out::Empty, Some(f)) => ws.write_blank(r, c, f).map(|_| ())?,
            (Out::Empty, None) => {}
        }
    }
    Ok(())
}

/// A sheet of instructions for templates.
pub fn instructions(book: &mut Workbook, lines: &[&str]) -> Result<(), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name("说明")?;
    ws.set_column_width(0, 100)?;
    for (i, l) in lines.iter().enumerate() {
        ws.write_string(i as u32, 0, *l)?;
    }
    Ok(())
}

/// CSV text: a header row and one line per row, UTF-8 with a BOM (so Excel opens it right).
pub fn csv(headers: &[&str], rows: &[Vec<Out>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&table::csv_line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>()));
    for r in rows {
        out.push_str(&table::csv_line(&r.iter().map(Out::csv).collect::<Vec<_>>()));
    }
    out.into_bytes()
}

/// The park a row means: by its 编号 when the row gives one, else by its name.
pub fn resolve_park<'a>(
    parks: &'a [weiyuan_domain::parks::Park],
    code: &str,
    name: &str,
) -> Option<&'a weiyuan_domain::parks::Park> {
    if code.is_empty() { parks.iter().find(|p| p.name == name) } else { parks.iter().find(|p| p.code == code) }
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post};
    vec![
        (
            api(
                "GET",
                "/api/v1/export/{file}",
                "exchange",
                "Export parks|plans|progress|enterprises|reports as .xlsx or .csv",
            ),
            get(api::export),
        ),
        (
            api(
                "GET",
                "/api/v1/templates/{file}",
                "exchange",
                "Import template (parks|plans|progress|enterprises|reports).xlsx or .csv",
            ),
            get(api::template),
        ),
        (
            api("POST", "/api/v1/import/{file}", "exchange", "Import a file (raw body); all or nothing"),
            post(api::import).body_limit(UPLOAD_LIMIT),
        ),
        (page("GET", "/exchange", "Excel and CSV exchange"), get(pages::show)),
        (page("GET", "/exchange/export/{file}", "Download an export"), get(pages::export)),
        (page("GET", "/exchange/templates/{file}", "Download an import template"), get(pages::template)),
        (
            page("POST", "/exchange/import/{kind}", "Upload a file to import"),
            post(pages::import).body_limit(UPLOAD_LIMIT),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_excel_would_run_are_neutralised_and_read_back_exactly() {
        let names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-", "@SUM(A1)", "\tx", "\rx", "a=b", "'quoted"];
        let rows: Vec<Vec<Out>> = names.iter().map(|n| vec![Out::text(*n), Out::Num(-3.0)]).collect();
        let bytes = csv(&["名称", "数"], &rows);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3\r\n"), "{text}");
        for line in text.lines().skip(1) {
            assert!(!line.starts_with(['=', '+', '-', '@', '\t']), "{line:?}");
        }
        let sheet = table::read_csv(&text, &ImportLimits::default()).unwrap().remove(0);
        let back: Vec<String> = (1..=names.len()).map(|r| sheet.row(r).next().unwrap().to_string()).collect();
        assert_eq!(back, names.map(String::from).to_vec());
        assert_eq!(sheet.cell(1, 1), "-3", "numbers are not touched");
    }
}
