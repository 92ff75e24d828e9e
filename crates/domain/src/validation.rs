//! Field-level validation results. A rule never formats text for people: it names the field,
//! a message key from the i18n catalogue and the numbers; the edge translates.

use crate::units::{Fixed2, ParseFixedError};
use serde::{Deserializer, Serialize};

/// Deserialize a form field from a JSON string, number or null into text, so that the
/// JSON API and HTML forms share one validation (`{"land_mu": 52.5}` and `land_mu=52.5`).
pub fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(V)
}

/// How the OpenAPI document describes a field read by `text_or_number`: text, a number or null.
pub struct TextOrNumber;

inline_schema!(TextOrNumber, { "type": ["string", "number", "null"] });

/// One problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    /// The field as named in the form and the JSON body, e.g. `land_mu`.
    pub field: String,
    /// A message key in the i18n catalogue, e.g. `error.required`.
    pub code: String,
    /// Values substituted into the message, e.g. `("max", "200")`.
    pub params: Vec<(String, String)>,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        FieldError { field: field.to_string(), code: code.to_string(), params: Vec::new() }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }
}

/// A character a person cannot see or that turns the text around it: control characters other
/// than line breaks and tabs, and the bidirectional overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069).
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A rejected input: one or more field errors, all reported at once.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(e: FieldError) -> Self {
        Invalid(vec![e])
    }
}

/// Collects field errors while a form is checked, so the user sees all problems at once.
#[derive(Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// A required trimmed text of at most `max` characters, without control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.push(FieldError::new(field, "error.required"));
        } else {
            self.plain(field, v, max);
        }
        v.to_string()
    }

    /// An optional trimmed text of at most `max` characters, without control characters.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        self.plain(field, v, max);
        v.to_string()
    }

    /// Length and characters of a text: line breaks and tabs may stand in a longer text, other
    /// control characters (NUL, escape, bidirectional overrides…) never, since they hide or
    /// disguise what a name says in pages, exports and logs.
    fn plain(&mut self, field: &str, v: &str, max: usize) {
        if v.chars().count() > max {
            self.push(FieldError::new(field, "error.too_long").with("max", max));
        } else if let Some(c) = v.chars().find(|c| is_hidden(*c)) {
            self.push(FieldError::new(field, "error.control_char").with("code", format!("U+{:04X}", c as u32)));
        }
    }

    /// A decimal with at most two fraction digits within [min, max].
    pub fn decimal(&mut self, field: &str, value: &str, min: Fixed2, max: Fixed2) -> Fixed2 {
        match Fixed2::parse(value) {
            Ok(v) => self.decimal_range(field, v, min, max),
            Err(e) => {
                self.push(parse_error(field, e));
                Fixed2::ZERO
            }
        }
    }

    pub fn decimal_range(&mut self, field: &str, v: Fixed2, min: Fixed2, max: Fixed2) -> Fixed2 {
        if v < min || v > max {
            self.push(FieldError::new(field, "error.out_of_range").with("min", min.plain()).with("max", max.plain()));
        }
        v
    }

    /// A whole number within [min, max].
    pub fn integer(&mut self, field: &str, value: &str, min: i64, max: i64) -> i64 {
        match value.trim().parse::<i64>() {
            Ok(v) => self.integer_range(field, v, min, max),
            Err(_) if value.trim().is_empty() => {
                self.push(FieldError::new(field, "error.required"));
                0
            }
            Err(_) => {
                self.push(FieldError::new(field, "error.not_integer"));
                0
            }
        }
    }

    pub fn integer_range(&mut self, field: &str, v: i64, min: i64, max: i64) -> i64 {
        if v < min || v > max {
            self.push(FieldError::new(field, "error.out_of_range").with("min", min).with("max", max));
        }
        v
    }

    /// One of a fixed set of codes.
    pub fn choice<T: Copy>(&mut self, field: &str, value: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let v = parse(value.trim());
        if v.is_none() {
            let code = if value.trim().is_empty() { "error.required" } else { "error.unknown_choice" };
            self.push(FieldError::new(field, code).with("value", value.trim()));
        }
        v
    }

    /// One of a fixed set of codes, or nothing (a filter not set): a value given must be known,
    /// never silently read as "not set".
    pub fn optional_choice<T: Copy>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        if value.trim().is_empty() { None } else { self.choice(field, value, parse) }
    }

    /// A civil date (YYYY-MM-DD), normalised, not after `today`.
    pub fn date(&mut self, field: &str, value: &str, today: &str) -> String {
        match crate::time::parse_shanghai_date(value) {
            Some(ms) => {
                let d = crate::time::date_shanghai(ms);
                if d.as_str() > today {
                    self.push(FieldError::new(field, "error.date_in_future"));
                }
                d
            }
            None if value.trim().is_empty() => {
                self.push(FieldError::new(field, "error.required"));
                String::new()
            }
            None => {
                self.push(FieldError::new(field, "error.date_format"));
                String::new()
            }
        }
    }

    /// A list of record ids, written "12, 13" (at least one).
    pub fn ids(&mut self, field: &str, value: &str) -> Vec<i64> {
        let parts: Vec<&str> = value.split([',', ' ', '，', '、']).filter(|p| !p.trim().is_empty()).collect();
        if parts.is_empty() {
            self.push(FieldError::new(field, "error.required"));
        }
        let mut ids = Vec::new();
        for p in parts {
            match p.trim().parse::<i64>() {
                Ok(v) if v > 0 && !ids.contains(&v) => ids.push(v),
                Ok(v) if v > 0 => {}
                _ => {
                    self.push(FieldError::new(field, "error.not_integer").with("value", p.trim()));
                    break;
                }
            }
        }
        ids
    }

    /// A list's `page` (from 1) and `size` (1–500, `default_size` when empty), refused by name
    /// when not whole numbers in range.
    pub fn paging(&mut self, page: &str, size: &str, default_size: i64) -> (i64, i64) {
        let page = if page.trim().is_empty() { 1 } else { self.integer("page", page, 1, 1_000_000) };
        let size = if size.trim().is_empty() { default_size } else { self.integer("size", size, 1, 500) };
        (page, size)
    }

    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.errors.is_empty() { Ok(value) } else { Err(Invalid(self.errors)) }
    }
}

fn parse_error(field: &str, e: ParseFixedError) -> FieldError {
    let code = match e {
        ParseFixedError::Empty => "error.required",
        ParseFixedError::NotANumber => "error.not_number",
        ParseFixedError::TooManyDecimals => "error.too_many_decimals",
        ParseFixedError::TooLarge => "error.too_large",
    };
    FieldError::new(field, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_refuse_hidden_characters_but_keep_line_breaks() {
        let mut c = Checker::new();
        assert_eq!(c.text("name", "平阳县鑫达电子有限公司", 50), "平阳县鑫达电子有限公司");
        assert_eq!(c.optional_text("description", "第一行\n第二行\t备注", 200), "第一行\n第二行\t备注");
        assert!(c.finish(()).is_ok());
        let mut c = Checker::new();
        c.text("name", "万洋\u{0}众创城", 50);
        c.optional_text("note", "abc\u{202E}fdp.exe", 50);
        c.text("contact", "\u{1b}[31m张三", 50);
        let e = c.finish(()).unwrap_err().0;
        let got: Vec<(&str, &str, &str)> =
            e.iter().map(|e| (e.field.as_str(), e.code.as_str(), e.params[0].1.as_str())).collect();
        assert_eq!(
            got,
            [
                ("name", "error.control_char", "U+0000"),
                ("note", "error.control_char", "U+202E"),
                ("contact", "error.control_char", "U+001B")
            ]
        );
    }

    #[test]
    fn collects_every_problem_with_its_field() {
        let mut c = Checker::new();
        c.text("name", "  ", 10);
        c.decimal("land_mu", "12亩", Fixed2::ZERO, Fixed2::from_units(10));
        c.integer("enterprise_count", "-1", 0, 100);
        let errs = c.finish(()).unwrap_err().0;
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            vec![
                ("name", "error.required"),
                ("land_mu", "error.not_number"),
                ("enterprise_count", "error.out_of_range")
            ]
        );
    }

    #[test]
    fn accepts_values_on_the_boundaries() {
        let mut c = Checker::new();
        let v = c.decimal("a", "10", Fixed2::ZERO, Fixed2::from_units(10));
        let n = c.integer("n", "0", 0, 5);
        assert_eq!(c.finish((v, n)), Ok((Fixed2(1000), 0)));
        let mut c = Checker::new();
        c.decimal("a", "10.01", Fixed2::ZERO, Fixed2::from_units(10));
        assert_eq!(
            c.finish(()).unwrap_err().0[0].params,
            vec![("min".into(), "0".into()), ("max".into(), "10".into())]
        );
    }
}
