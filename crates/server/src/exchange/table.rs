//! Spreadsheets as plain tables of text: xlsx through calamine's streaming cell reader, CSV by
//! hand (RFC 4180; UTF-8 with or without BOM, or GB18030/GBK as Chinese Excel saves it). Each
//! cell keeps its place, so that errors name sheet, row and column.
//!
//! Reading is bounded (`ImportLimits`): nothing is allocated from a number read in the file
//! (sheet dimensions, declared string counts), an xlsx is never decompressed past a set size,
//! and a sheet past the row, column, cell or cell-length limit is refused with an error that
//! names the limit. The text of a sheet is kept in one string with a 4-byte offset per cell, so
//! memory is the cell text plus 4 bytes a cell.

use calamine::{DataRef, Reader, Xlsx};
use std::io::{Cursor, Read};
use weiyuan_domain::FieldError;

/// How much one import may hold. Defaults fit the largest real file (a province's monthly
/// report workbook: about 100,000 rows of 20 columns) with room to spare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportLimits {
    /// Rows in one sheet.
    pub max_rows: usize,
    /// Columns in one sheet.
    pub max_columns: usize,
    /// Non-empty cells in the whole file.
    pub max_cells: usize,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Bytes an xlsx may unzip to, all parts together.
    pub max_unzipped_bytes: u64,
    /// Errors listed in a refusal (the total is always given).
    pub max_errors_listed: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_rows: 200_000,
            max_columns: 256,
            max_cells: 5_000_000,
            max_cell_chars: 32_767,
            max_unzipped_bytes: 256 << 20,
            max_errors_listed: 200,
        }
    }
}

/// One sheet as a table of text. Row `r` (0-based) is spreadsheet row `first_row + r + 1`;
/// column `c` is spreadsheet column `first_col + c` (0 = A).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub first_row: u32,
    pub first_col: u32,
    /// Every cell's text, one after the other.
    text: String,
    /// Where each cell's text ends in `text`.
    cell_ends: Vec<u32>,
    /// Where each row's cells end in `cell_ends`.
    row_ends: Vec<u32>,
    /// Empty cells not stored yet: only kept when a non-empty cell follows in the row, so a
    /// row's trailing empty cells (and a file of commas) cost nothing.
    pending_empty: u32,
}

impl Sheet {
    fn new(name: String, first_row: u32, first_col: u32) -> Sheet {
        Sheet { name, first_row, first_col, ..Sheet::default() }
    }

    fn push_cell(&mut self, text: &str) {
        if text.is_empty() {
            self.pending_empty += 1;
            return;
        }
        for _ in 0..std::mem::take(&mut self.pending_empty) {
            self.cell_ends.push(self.text.len() as u32);
        }
        self.text.push_str(text);
        self.cell_ends.push(self.text.len() as u32);
    }

    fn end_row(&mut self) {
        self.pending_empty = 0;
        self.row_ends.push(self.cell_ends.len() as u32);
    }

    /// Cells stored so far (empty ones between non-empty ones included).
    fn cells_stored(&self) -> usize {
        self.cell_ends.len()
    }

    /// How many rows the table has.
    pub fn row_count(&self) -> usize {
        self.row_ends.len()
    }

    /// The cells of one row as written (untrimmed); empty past the last cell.
    pub fn row(&self, row: usize) -> impl Iterator<Item = &str> + '_ {
        let (start, end) = self.row_span(row);
        (start..end).map(move |i| self.cell_at(i))
    }

    /// How many cells row `row` holds (up to its last one written).
    pub fn row_len(&self, row: usize) -> usize {
        let (start, end) = self.row_span(row);
        end - start
    }

    /// True when every cell of the row is blank.
    pub fn is_blank(&self, row: usize) -> bool {
        self.row(row).all(|c| c.trim().is_empty())
    }

    /// Every row as owned strings (for small embedded tables).
    pub fn to_rows(&self) -> Vec<Vec<String>> {
        (0..self.row_count()).map(|r| self.row(r).map(str::to_string).collect()).collect()
    }

    fn row_span(&self, row: usize) -> (usize, usize) {
        match self.row_ends.get(row) {
            None => (0, 0),
            Some(&end) => (if row == 0 { 0 } else { self.row_ends[row - 1] as usize }, end as usize),
        }
    }

    fn cell_at(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.cell_ends[i - 1] as usize };
        &self.text[start..self.cell_ends[i] as usize]
    }

    /// A cell's text, trimmed; "" outside the table.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        let (start, end) = self.row_span(row);
        if start + col < end { self.cell_at(start + col).trim() } else { "" }
    }

    /// The spreadsheet row number (1-based) of a table row.
    pub fn row_number(&self, row: usize) -> u32 {
        self.first_row + row as u32 + 1
    }

    /// The column letters (A, B, …, AA) of a table column.
    pub fn column_letters(&self, col: usize) -> String {
        column_letters(self.first_col + col as u32)
    }
}

pub fn column_letters(mut index: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.iter().rev().collect()
}

/// Why a file could not be read: a message key with its values (`field` is always "file").
pub type ReadError = FieldError;

fn refuse(code: &str) -> ReadError {
    FieldError::new("file", code)
}

/// Counts the cells of a file against the limits while it is read.
struct Budget<'a> {
    limits: &'a ImportLimits,
    cells: usize,
}

impl Budget<'_> {
    /// A cell may stand at (row, col) (0-based, absolute).
    fn place(&self, sheet: &str, row: u32, col: u32) -> Result<(), ReadError> {
        let l = self.limits;
        if row as usize >= l.max_rows {
            return Err(at(sheet, row, col, "import.too_many_rows").with("max", l.max_rows));
        }
        if col as usize >= l.max_columns {
            return Err(at(sheet, row, col, "import.too_many_columns").with("max", l.max_columns));
        }
        Ok(())
    }

    /// One more non-empty cell at (row, col) (0-based, absolute) with this text.
    fn take(&mut self, sheet: &str, row: u32, col: u32, text: &str) -> Result<(), ReadError> {
        let l = self.limits;
        self.place(sheet, row, col)?;
        if text.len() > l.max_cell_chars && text.chars().count() > l.max_cell_chars {
            return Err(at(sheet, row, col, "import.cell_too_long").with("max", l.max_cell_chars));
        }
        self.cells += 1;
        if self.cells > l.max_cells {
            return Err(at(sheet, row, col, "import.too_many_cells").with("max", l.max_cells));
        }
        Ok(())
    }
}

/// An error at one cell: its sheet, row and column go into the message.
fn at(sheet: &str, row: u32, col: u32, code: &str) -> ReadError {
    refuse(code).with("sheet", sheet).with("row", row as u64 + 1).with("column", column_letters(col))
}

/// A number as people write it: 866.9, 368, not 866.9000000001 or 368.0.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

fn cell_text(d: &DataRef) -> String {
    match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => b.to_string(),
        // Dates typed into Excel (a month such as 2024-03 becomes a date): YYYY-MM-DD.
        DataRef::DateTime(dt) => {
            let days = dt.as_f64().floor() as i64 - 25_569; // 1970-01-01 is serial 25569
            let (y, m, d) = weiyuan_domain::time::civil_from_days(days);
            format!("{y:04}-{m:02}-{d:02}")
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// Unzip every part of the workbook into nothing, counting: a file that unzips past the limit
/// (a "zip bomb") is refused before anything keeps its contents. A shared-string table that
/// declares more strings than the file may hold cells is refused too (the reader would reserve
/// room for them).
fn check_zip(bytes: &[u8], limits: &ImportLimits) -> Result<(), ReadError> {
    let not_xlsx = |_| refuse("import.not_xlsx");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(not_xlsx)?;
        let shared_strings = part.name().map_err(not_xlsx)?.to_ascii_lowercase().ends_with("sharedstrings.xml");
        let budget = limits.max_unzipped_bytes - total;
        let mut limited = (&mut part).take(budget + 1);
        if shared_strings {
            let mut head = Vec::new();
            (&mut limited).take(4096).read_to_end(&mut head).map_err(|_| refuse("import.not_xlsx"))?;
            total += head.len() as u64;
            if declared_count(&head).is_some_and(|n| n > limits.max_cells as u64) {
                return Err(refuse("import.too_many_strings").with("max", limits.max_cells));
            }
        }
        total += std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| refuse("import.not_xlsx"))?;
        if total > limits.max_unzipped_bytes {
            return Err(refuse("import.unzipped_too_large").with("max", limits.max_unzipped_bytes >> 20));
        }
    }
    Ok(())
}

/// The `uniqueCount` an `<sst>` element declares; `u64::MAX` for a number too large to read.
fn declared_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let at = text.find("uniqueCount")? + "uniqueCount".len();
    let rest = text[at..].trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.strip_prefix(['"', '\''])?.trim_start_matches('+');
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// Read every sheet of an xlsx workbook, cell by cell. The parser is another crate's: a file
/// that makes it panic (cell references past any sheet's size overflow its arithmetic) is
/// refused as not a workbook, never a dropped connection.
pub fn read_xlsx(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<Sheet>, ReadError> {
    std::panic::catch_unwind(|| read_xlsx_unguarded(bytes, limits)).unwrap_or_else(|_| Err(refuse("import.not_xlsx")))
}

fn read_xlsx_unguarded(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<Sheet>, ReadError> {
    check_zip(bytes, limits)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| refuse("import.not_xlsx"))?;
    let mut budget = Budget { limits, cells: 0 };
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let mut reader = book.worksheet_cells_reader(&name).map_err(|_| refuse("import.not_xlsx"))?;
        // Cells as they come (usually in order, but the format does not promise it).
        let mut cells: Vec<(u32, u32, String)> = Vec::new();
        while let Some(cell) = reader.next_cell().map_err(|_| refuse("import.not_xlsx"))? {
            let (row, col) = cell.get_position();
            let text = cell_text(cell.get_value());
            if text.is_empty() {
                continue;
            }
            budget.take(&name, row, col, &text)?;
            cells.push((row, col, text));
        }
        let sheet = sheet_from_cells(name, cells);
        if sheet.cells_stored() > limits.max_cells {
            return Err(refuse("import.sheet_too_large").with("sheet", &sheet.name).with("max", limits.max_cells));
        }
        out.push(sheet);
    }
    Ok(out)
}

/// Lay sparse cells out as rows; a cell given twice keeps its last value.
fn sheet_from_cells(name: String, mut cells: Vec<(u32, u32, String)>) -> Sheet {
    cells.sort_by_key(|c| (c.0, c.1));
    cells.dedup_by(|later, earlier| {
        let same = (later.0, later.1) == (earlier.0, earlier.1);
        if same {
            std::mem::swap(&mut later.2, &mut earlier.2);
        }
        same
    });
    let first_row = cells.first().map(|c| c.0).unwrap_or(0);
    let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut sheet = Sheet::new(name, first_row, first_col);
    let mut i = 0;
    let last_row = cells.last().map(|c| c.0);
    let mut row = first_row;
    while let Some(last) = last_row.filter(|&l| row <= l) {
        let mut col = first_col;
        while i < cells.len() && cells[i].0 == row {
            for _ in col..cells[i].1 {
                sheet.push_cell("");
            }
            sheet.push_cell(&cells[i].2);
            col = cells[i].1 + 1;
            i += 1;
        }
        sheet.end_row();
        if row == last {
            break;
        }
        row += 1;
    }
    sheet
}

/// The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (which covers GBK and
/// GB2312, what Chinese Excel writes for "CSV (逗号分隔)").
pub fn decode_csv(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, ReadError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.into());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors { Err(refuse("import.not_utf8")) } else { Ok(text) }
}

/// Parse CSV text: quoted fields may hold commas, quotes ("") and line breaks.
pub fn read_csv(text: &str, limits: &ImportLimits) -> Result<Vec<Sheet>, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut csv = CsvSheet { sheet: Sheet::new(CSV.into(), 0, 0), budget: Budget { limits, cells: 0 }, row: 0, col: 0 };
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => csv.end_field(&mut field)?,
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => {
                csv.end_field(&mut field)?;
                csv.end_row();
            }
            (c, _) => {
                field.push(c);
                if field.len() > limits.max_cell_chars * 4 {
                    // Past any cell the limit allows, however its characters are encoded.
                    csv.budget.take(CSV, csv.row, csv.col, &field)?;
                }
            }
        }
    }
    if !field.is_empty() || csv.col > 0 {
        csv.end_field(&mut field)?;
        csv.end_row();
    }
    Ok(vec![csv.sheet])
}

const CSV: &str = "CSV";

/// A CSV sheet being read: where the next cell goes.
struct CsvSheet<'a> {
    sheet: Sheet,
    budget: Budget<'a>,
    row: u32,
    col: u32,
}

/// Would Excel run this text as a formula? (OWASP's list: `=`, `+`, `-`, `@`, tab, CR.)
pub fn looks_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

impl CsvSheet<'_> {
    fn end_field(&mut self, field: &mut String) -> Result<(), ReadError> {
        // Our CSV export guards formula-like text with an apostrophe: take it off again.
        if field.starts_with('\'') && looks_like_formula(&field[1..]) {
            field.remove(0);
        }
        if field.is_empty() {
            self.budget.place(CSV, self.row, self.col)?;
        } else {
            self.budget.take(CSV, self.row, self.col, field)?;
        }
        self.sheet.push_cell(field);
        if self.sheet.cells_stored() > self.budget.limits.max_cells {
            return Err(at(CSV, self.row, self.col, "import.too_many_cells").with("max", self.budget.limits.max_cells));
        }
        field.clear();
        self.col += 1;
        Ok(())
    }

    fn end_row(&mut self) {
        self.sheet.end_row();
        self.row += 1;
        self.col = 0;
    }
}

/// One CSV line, quoting fields that need it.
pub fn csv_line(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;
    use std::io::Write;

    fn workbook(fill: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("表").unwrap();
        fill(ws);
        book.save_to_buffer().unwrap()
    }

    /// The same workbook with one part's text changed.
    fn rezip(bytes: &[u8], part: &str, change: impl Fn(String) -> String) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            let text = if name == part { change(text) } else { text };
            out.start_file(name, options).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn code(e: ReadError) -> (String, Vec<(String, String)>) {
        (e.code, e.params)
    }

    #[test]
    fn column_letters_go_past_z() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn csv_round_trips_quotes_commas_and_line_breaks() {
        let fields = vec!["a".to_string(), "b,c".into(), "say \"hi\"".into(), "two\nlines".into(), "".into()];
        let text = format!("\u{feff}{}{}", csv_line(&fields), csv_line(&["x".to_string()]));
        let sheets = read_csv(&text, &ImportLimits::default()).unwrap();
        // A row's trailing empty cells are not kept; reading them gives "" all the same.
        let kept = fields[..4].to_vec();
        assert_eq!(sheets[0].to_rows(), vec![kept, vec!["x".to_string()]]);
        assert_eq!(sheets[0].cell(0, 4), "");
        assert_eq!(sheets[0].cell(0, 1), "b,c");
        assert_eq!(sheets[0].cell(1, 1), "", "past the row's last cell");
        assert_eq!(sheets[0].cell(7, 0), "", "past the last row");
        assert!(!sheets[0].is_blank(1));
    }

    #[test]
    fn csv_saved_by_chinese_excel_is_read_as_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("园区名称,乡镇\r\n万洋众创城,萧江镇\r\n");
        let text = decode_csv(&gbk).unwrap();
        let sheets = read_csv(&text, &ImportLimits::default()).unwrap();
        assert_eq!(sheets[0].cell(1, 1), "萧江镇");
        assert_eq!(decode_csv("园区,a".as_bytes()).unwrap(), "园区,a");
        // Neither UTF-8 nor GB18030: refused.
        assert_eq!(decode_csv(&[0x81, 0x20, 0xff]).unwrap_err().code, "import.not_utf8");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(cell_text(&DataRef::Float(866.9)), "866.9");
        assert_eq!(cell_text(&DataRef::Float(368.0)), "368");
        assert_eq!(cell_text(&DataRef::Float(15.67)), "15.67");
        assert_eq!(cell_text(&DataRef::Int(-3)), "-3");
        assert_eq!(cell_text(&DataRef::SharedString(" 萧江镇 ")), "萧江镇");
    }

    #[test]
    fn xlsx_cells_keep_their_places() {
        let bytes = workbook(|ws| {
            ws.write_string(2, 1, "园区名称").unwrap();
            ws.write_string(2, 3, "乡镇").unwrap();
            ws.write_number(4, 1, 866.9).unwrap();
        });
        let sheets = read_xlsx(&bytes, &ImportLimits::default()).unwrap();
        let s = &sheets[0];
        assert_eq!((s.name.as_str(), s.first_row, s.first_col), ("表", 2, 1));
        assert_eq!(s.row_count(), 3);
        assert_eq!((s.cell(0, 0), s.cell(0, 1), s.cell(0, 2)), ("园区名称", "", "乡镇"));
        assert!(s.is_blank(1));
        assert_eq!(s.cell(2, 0), "866.9");
        assert_eq!((s.row_number(2), s.column_letters(2)), (5, "D".to_string()));
    }

    #[test]
    fn a_far_corner_cell_is_refused_without_allocating_the_sheet() {
        // Before: the whole 1,048,576 × 16,384 range was allocated (512 GiB) and the server aborted.
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "园区名称").unwrap();
            ws.write_string(1_048_575, 16_383, "x").unwrap();
        });
        let (code, params) = code(read_xlsx(&bytes, &ImportLimits::default()).unwrap_err());
        assert_eq!(code, "import.too_many_rows");
        assert!(params.contains(&("row".into(), "1048576".into())), "{params:?}");
        assert!(params.contains(&("column".into(), "XFD".into())), "{params:?}");
        assert!(params.contains(&("max".into(), "200000".into())), "{params:?}");
        let wide = workbook(|ws| {
            ws.write_string(0, 300, "x").unwrap();
        });
        assert_eq!(read_xlsx(&wide, &ImportLimits::default()).unwrap_err().code, "import.too_many_columns");
    }

    #[test]
    fn a_workbook_that_unzips_past_the_limit_is_refused() {
        let long = "园".repeat(400_000); // 1.2 MB of text, compressing to almost nothing
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, &long[..30_000 * 3]).unwrap();
            for r in 1..20 {
                ws.write_string(r, 0, format!("{r}{}", &long[..30_000 * 3])).unwrap();
            }
        });
        assert!(bytes.len() < 100_000, "{}", bytes.len());
        let limits = ImportLimits { max_unzipped_bytes: 1 << 20, ..ImportLimits::default() };
        let e = read_xlsx(&bytes, &limits).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.params.clone()),
            ("import.unzipped_too_large", vec![("max".into(), "1".into())])
        );
        assert_eq!(read_xlsx(&bytes, &ImportLimits::default()).unwrap()[0].row_count(), 20);
    }

    #[test]
    fn a_cell_past_the_length_limit_is_refused_with_its_place() {
        let bytes = workbook(|ws| {
            ws.write_string(3, 2, "园".repeat(101)).unwrap();
        });
        let limits = ImportLimits { max_cell_chars: 100, ..ImportLimits::default() };
        let (code, params) = code(read_xlsx(&bytes, &limits).unwrap_err());
        assert_eq!(code, "import.cell_too_long");
        assert!(params.contains(&("row".into(), "4".into())) && params.contains(&("column".into(), "C".into())));
        let csv = format!("a,{}\r\n", "b".repeat(401));
        assert_eq!(read_csv(&csv, &limits).unwrap_err().code, "import.cell_too_long");
    }

    #[test]
    fn cell_references_past_any_sheet_are_refused_not_a_crash() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "x").unwrap();
        });
        for bad in ["ZZZZZZ99999999999", "A99999999999", "ZZZZZZZZ1"] {
            let forged = rezip(&bytes, "xl/worksheets/sheet1.xml", |t| t.replace("r=\"A1\"", &format!("r=\"{bad}\"")));
            assert!(read_xlsx(&forged, &ImportLimits::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_declared_string_count_is_not_trusted() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "园区名称").unwrap();
        });
        let forged = rezip(&bytes, "xl/sharedStrings.xml", |t| {
            let at = t.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + t[at..].find('"').unwrap();
            format!("{}{}{}", &t[..at], "99999999999999", &t[end..])
        });
        assert_eq!(read_xlsx(&forged, &ImportLimits::default()).unwrap_err().code, "import.too_many_strings");
        assert_eq!(declared_count(b"<sst count='2' uniqueCount = '+7'>"), Some(7));
        assert_eq!(declared_count(b"<sst uniqueCount=\"99999999999999999999999\">"), Some(u64::MAX));
        assert_eq!(declared_count(b"<sst count=\"2\">"), None);
    }

    #[test]
    fn csv_rows_columns_and_cells_are_bounded() {
        let limits = ImportLimits { max_rows: 3, max_columns: 4, max_cells: 5, ..ImportLimits::default() };
        assert_eq!(read_csv("a\nb\nc\n", &limits).unwrap()[0].row_count(), 3);
        let e = read_csv("a\nb\nc\nd\n", &limits).unwrap_err();
        assert_eq!(e.code, "import.too_many_rows");
        assert!(e.params.contains(&("row".into(), "4".into())));
        assert_eq!(read_csv(",,,,\n", &limits).unwrap_err().code, "import.too_many_columns");
        assert_eq!(read_csv("a,b,c\nd,e,f\n", &limits).unwrap_err().code, "import.too_many_cells");
        // Blank lines and empty cells count as rows and columns, not as cells.
        assert_eq!(read_csv(",,,\n\n", &limits).unwrap()[0].row_count(), 2);
        // Empty cells between full ones are stored, and count.
        assert_eq!(read_csv(",,,a\n,b\n", &limits).unwrap_err().code, "import.too_many_cells");
        let wide = ImportLimits { max_cells: 6, ..limits };
        let s = read_csv(",,,a\n,b\n", &wide).unwrap().remove(0);
        assert_eq!((s.cell(0, 3), s.cell(1, 1), s.row_len(0), s.row_len(1)), ("a", "b", 4, 2));
    }
}
