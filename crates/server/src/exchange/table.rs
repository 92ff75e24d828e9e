//! Spreadsheets as plain tables of text: xlsx through calamine, CSV by hand (RFC 4180, UTF-8
//! with or without BOM). Each cell keeps its place, so that errors name sheet, row and column.

use calamine::{Data, Reader};

/// One sheet: `rows[i][j]` is the cell at spreadsheet row `first_row + i + 1`, column
/// `first_col + j` (0 = A).
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub first_row: u32,
    pub first_col: u32,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.rows.get(row).and_then(|r| r.get(col)).map(|s| s.trim()).unwrap_or("")
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

/// A number as people write it: 866.9, 368, not 866.9000000001 or 368.0.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        // Dates typed into Excel (a month such as 2024-03 becomes a date): YYYY-MM-DD.
        Data::DateTime(dt) => {
            let days = dt.as_f64().floor() as i64 - 25_569; // 1970-01-01 is serial 25569
            let (y, m, d) = weiyuan_domain::time::civil_from_days(days);
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

#[derive(Debug)]
pub struct NotAWorkbook(pub String);

pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, NotAWorkbook> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| NotAWorkbook(e.to_string()))?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| NotAWorkbook(e.to_string()))?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let rows = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
        out.push(Sheet { name, first_row, first_col, rows });
    }
    Ok(out)
}

/// Parse CSV text: quoted fields may hold commas, quotes ("") and line breaks.
pub fn read_csv(text: &str) -> Vec<Sheet> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
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
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    vec![Sheet { name: "CSV".into(), first_row: 0, first_col: 0, rows }]
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

    #[test]
    fn column_letters_go_past_z() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn csv_round_trips_quotes_commas_and_line_breaks() {
        let fields = vec!["a".to_string(), "b,c".into(), "say \"hi\"".into(), "two\nlines".into(), "".into()];
        let text = format!("\u{feff}{}{}", csv_line(&fields), csv_line(&["x".to_string()]));
        let sheets = read_csv(&text);
        assert_eq!(sheets[0].rows, vec![fields, vec!["x".to_string()]]);
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(cell_text(&Data::Float(866.9)), "866.9");
        assert_eq!(cell_text(&Data::Float(368.0)), "368");
        assert_eq!(cell_text(&Data::Float(15.67)), "15.67");
        assert_eq!(cell_text(&Data::Int(-3)), "-3");
        assert_eq!(cell_text(&Data::String(" 萧江镇 ".into())), "萧江镇");
    }
}
