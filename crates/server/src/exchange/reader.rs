//! The one import loop every layout shares: find each sheet's table by its headers, refuse a
//! file with none, report a missing required column, walk the rows below the headers with
//! progress, skip what is not data, and collect every cell error with its sheet, row and column.
//! A layout says only what its columns are and what one data row means.

use super::{CellError, CellErrors, ImportError};
use crate::exchange::table::Sheet;
use weiyuan_domain::FieldError;

/// Progress of a long import: (stage, rows done, rows in all).
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// Which rows below the headers are data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataRows {
    /// A row with a name (column `name`) that is not a totals row; a row with other cells but
    /// no name is an error.
    Named,
    /// A row with a code (column `code`), or with a name that is not a totals row.
    NamedOrCoded,
    /// Any row with a cell filled.
    NotBlank,
}

/// What an import layout reads.
pub struct Layout<'c> {
    /// (form field, header) of every column the import reads, in any order.
    pub columns: Vec<(&'c str, &'c str)>,
    /// The header that marks a table, and how many of the known headers its header row must show.
    pub key: &'c str,
    pub min: usize,
    /// Fields whose column a table must have.
    pub required: &'c [&'c str],
    pub rows: DataRows,
}

/// One table found in a sheet: its header row, its first data row and the column of each field.
pub struct Table<'s> {
    pub sheet: &'s Sheet,
    pub header_row: usize,
    /// Normally the row below the headers; a layout with a second header row moves it down.
    pub first_row: usize,
    cols: Vec<Option<usize>>,
}

/// Every table of one layout in a file, and the errors found in it so far.
pub struct Tables<'s, 'c> {
    layout: Layout<'c>,
    tables: Vec<Table<'s>>,
    pub errors: CellErrors,
}

/// One data row, handed to the layout's check.
pub struct Row<'a> {
    pub sheet: &'a Sheet,
    /// The row's index in the sheet (0-based; `CellError` shows it as Excel numbers it).
    pub index: usize,
    /// Which of the file's tables the row is in.
    pub table: usize,
    cols: &'a [Option<usize>],
    columns: &'a [(&'a str, &'a str)],
}

impl<'s, 'c> Tables<'s, 'c> {
    /// Every sheet's table of this layout; a file with none is refused, and a table without a
    /// required column is an error on its header row.
    pub fn find(sheets: &'s [Sheet], layout: Layout<'c>) -> Result<Self, ImportError> {
        let headers: Vec<&str> = layout.columns.iter().map(|c| c.1).collect();
        let tables: Vec<Table> = sheets
            .iter()
            .filter_map(|s| {
                find_header(s, layout.key, &headers, layout.min).map(|(r, cols)| Table {
                    sheet: s,
                    header_row: r,
                    first_row: r + 1,
                    cols,
                })
            })
            .collect();
        if tables.is_empty() {
            return Err(ImportError::file("import.no_table"));
        }
        let mut errors = CellErrors::default();
        for t in &tables {
            for required in layout.required {
                if column_of(&layout.columns, &t.cols, required).is_none() {
                    let e = FieldError::new(required, "import.missing_column");
                    errors.push(CellError::at(t.sheet, t.header_row, None, e));
                }
            }
        }
        Ok(Tables { layout, tables, errors })
    }

    pub fn tables(&self) -> &[Table<'s>] {
        &self.tables
    }

    pub fn tables_mut(&mut self) -> &mut [Table<'s>] {
        &mut self.tables
    }

    /// The column of a field in a table.
    pub fn col(&self, table: usize, field: &str) -> Option<usize> {
        column_of(&self.layout.columns, &self.tables[table].cols, field)
    }

    /// Hand every data row to `check`, which pushes its errors; returns how many rows were data.
    pub fn each(&mut self, progress: Progress, mut check: impl FnMut(&Row, &mut CellErrors)) -> usize {
        let total: usize = self.tables.iter().map(|t| t.sheet.row_count().saturating_sub(t.first_row)).sum();
        let (mut done, mut data) = (0, 0);
        for (i, t) in self.tables.iter().enumerate() {
            for r in t.first_row..t.sheet.row_count() {
                done += 1;
                if done % 1000 == 0 {
                    progress("check", done, total);
                }
                let row = Row { sheet: t.sheet, index: r, table: i, cols: &t.cols, columns: &self.layout.columns };
                let is_data = match self.layout.rows {
                    DataRows::Named => {
                        let name = row.get("name");
                        if name.is_empty() && !t.sheet.is_blank(r) {
                            self.errors.push(row.error(FieldError::new("name", "error.required")));
                        }
                        is_data_row(&name)
                    }
                    DataRows::NamedOrCoded => !row.get("code").is_empty() || is_data_row(&row.get("name")),
                    DataRows::NotBlank => !t.sheet.is_blank(r),
                };
                if is_data {
                    data += 1;
                    check(&row, &mut self.errors);
                }
            }
        }
        progress("check", done, total);
        data
    }

    /// Refuse the file when any row was wrong.
    pub fn finish(self) -> Result<(), ImportError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ImportError::Cells(self.errors)) }
    }
}

/// The column of a field in a table whose header row put each known column at `cols`.
fn column_of(columns: &[(&str, &str)], cols: &[Option<usize>], field: &str) -> Option<usize> {
    columns.iter().position(|c| c.0 == field).and_then(|i| cols[i])
}

impl Row<'_> {
    /// The column of a field.
    pub fn col(&self, field: &str) -> Option<usize> {
        column_of(self.columns, self.cols, field)
    }

    /// A field's cell as text ("" when the table has no such column).
    pub fn get(&self, field: &str) -> String {
        self.col(field).map(|c| self.sheet.cell(self.index, c).to_string()).unwrap_or_default()
    }

    /// A cell of this row by column.
    pub fn cell(&self, col: usize) -> &str {
        self.sheet.cell(self.index, col)
    }

    /// An error in the column of its field (the whole row when the table has no such column).
    pub fn error(&self, e: FieldError) -> CellError {
        let col = self.col(&e.field);
        CellError::at(self.sheet, self.index, col, e)
    }

    /// An error in a given column.
    pub fn error_at(&self, col: Option<usize>, e: FieldError) -> CellError {
        CellError::at(self.sheet, self.index, col, e)
    }
}

/// Find the header row of a table: the first of the first ten rows holding `key` and at least
/// `min` of the known headers. Returns (row index, column of each known header).
pub fn find_header(sheet: &Sheet, key: &str, known: &[&str], min: usize) -> Option<(usize, Vec<Option<usize>>)> {
    (0..sheet.row_count().min(10)).find_map(|r| {
        let cells: Vec<String> = sheet.row(r).map(normalize_header).collect();
        if !cells.iter().any(|c| c == &normalize_header(key)) {
            return None;
        }
        let cols: Vec<Option<usize>> =
            known.iter().map(|h| cells.iter().position(|c| c == &normalize_header(h))).collect();
        (cols.iter().filter(|c| c.is_some()).count() >= min).then_some((r, cols))
    })
}

/// Headers compare without spaces and with either kind of bracket.
pub fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// A totals or empty row is not data.
pub fn is_data_row(name: &str) -> bool {
    let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    !n.is_empty() && n != "合计" && n != "总计" && !n.eq_ignore_ascii_case("total")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::table::{ImportLimits, read_csv};

    #[test]
    fn headers_are_found_below_a_title() {
        let sheet = read_csv("标题\n序号,名 称,用地面积(亩)\n", &ImportLimits::default()).unwrap().remove(0);
        let (row, cols) = find_header(&sheet, "名称", &["名称", "用地面积（亩）", "编号"], 2).unwrap();
        assert_eq!((row, cols), (1, vec![Some(1), Some(2), None]));
        assert!(is_data_row("萧江") && !is_data_row("合 计") && !is_data_row(""));
    }

    fn layout(rows: DataRows) -> Layout<'static> {
        Layout {
            columns: vec![("code", "编号"), ("name", "名称"), ("land_mu", "用地（亩）")],
            key: "名称",
            min: 2,
            required: &["name", "land_mu"],
            rows,
        }
    }

    fn sheets(text: &str) -> Vec<Sheet> {
        read_csv(text, &ImportLimits::default()).unwrap()
    }

    #[test]
    fn the_loop_skips_totals_and_blank_rows_and_places_errors_by_field() {
        let file = sheets("名称,用地(亩),备注\n甲,12,\n,,\n合计,12,\n,5,孤行\n乙,x,\n");
        let mut t = Tables::find(&file, layout(DataRows::Named)).unwrap();
        let mut seen = Vec::new();
        let rows = t.each(&|_, _, _| {}, |row, errors| {
            seen.push(row.get("name"));
            if row.get("land_mu").parse::<f64>().is_err() {
                errors.push(row.error(FieldError::new("land_mu", "error.not_number")));
            }
        });
        assert_eq!((rows, seen), (2, vec!["甲".to_string(), "乙".to_string()]));
        let Err(ImportError::Cells(errors)) = t.finish() else { panic!("the file must be refused") };
        let at: Vec<(u32, &str, &str)> =
            errors.listed.iter().map(|e| (e.row, e.column.as_str(), e.code.as_str())).collect();
        // The nameless row with a filled cell is an error on its name; the bad number on its cell.
        assert_eq!(at, vec![(5, "A", "error.required"), (6, "B", "error.not_number")]);
    }

    #[test]
    fn a_file_without_the_table_or_a_required_column_is_refused() {
        let Err(ImportError::File(e)) = Tables::find(&sheets("甲,乙\n1,2\n"), layout(DataRows::Named)) else {
            panic!("no table")
        };
        assert_eq!(e.code, "import.no_table");
        let file = sheets("编号,名称\nP1,甲\n");
        let t = Tables::find(&file, layout(DataRows::NamedOrCoded)).unwrap();
        let Err(ImportError::Cells(errors)) = t.finish() else { panic!("a required column is missing") };
        assert_eq!((errors.listed[0].row, errors.listed[0].field.as_str()), (1, "land_mu"));
    }

    #[test]
    fn coded_rows_count_without_a_name_and_blank_rows_never() {
        let file = sheets("编号,名称,用地(亩)\nP1,,3\n,合计,3\n,,\n");
        let mut t = Tables::find(&file, layout(DataRows::NamedOrCoded)).unwrap();
        assert_eq!(t.each(&|_, _, _| {}, |_, _| {}), 1);
        let mut t = Tables::find(&file, layout(DataRows::NotBlank)).unwrap();
        assert_eq!(t.each(&|_, _, _| {}, |_, _| {}), 2);
    }
}
