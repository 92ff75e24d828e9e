//! Monthly enterprise reports (报表报送): the fields, their units and ranges, and the checks a
//! filing passes: required fields (a county setting), ranges, no month that has not ended, and a
//! jump against the same month last year beyond a set factor, which needs a confirmation and a
//! reason. Figures are kept in their reporting unit (万元, kWh, tce, m³, 人, t) with two decimals.

use crate::progress::Month;
use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

/// One reported figure: its key, its unit, and whether it may be negative (profit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub unit: &'static str,
    pub signed: bool,
    pub max: Fixed2,
    /// Counted in whole units (people).
    pub whole: bool,
}

/// 100 billion in the field's unit, in hundredths.
const BIG: Fixed2 = Fixed2(10_000_000_000_000);

/// Every field, in the order forms, files and tables show them.
pub const FIELDS: [Field; 14] = [
    Field { key: "output", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "revenue", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "sales", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "tax", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "tax_local", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "profit", unit: "万元", signed: true, max: BIG, whole: false },
    Field { key: "electricity", unit: "kWh", signed: false, max: BIG, whole: false },
    Field { key: "energy", unit: "tce", signed: false, max: BIG, whole: false },
    Field { key: "water", unit: "m³", signed: false, max: BIG, whole: false },
    Field { key: "employees", unit: "人", signed: false, max: Fixed2(10_000_000), whole: true },
    Field { key: "rnd", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "investment", unit: "万元", signed: false, max: BIG, whole: false },
    Field { key: "emissions", unit: "t", signed: false, max: BIG, whole: false },
    Field { key: "value_added", unit: "万元", signed: true, max: BIG, whole: false },
];

pub const N: usize = FIELDS.len();

impl Field {
    /// A figure as the pages show it: people as whole numbers ("18,614"), the rest to the
    /// hundredth with thousands separators ("1,481.90").
    pub fn show(&self, v: Fixed2) -> String {
        if self.whole { v.grouped_units() } else { v.grouped() }
    }
}

/// A figure of the field `key` as the pages show it (see [`Field::show`]).
pub fn show(key: &str, v: Fixed2) -> String {
    FIELDS.iter().find(|f| f.key == key).map_or_else(|| v.grouped(), |f| f.show(v))
}

pub fn index(key: &str) -> Option<usize> {
    FIELDS.iter().position(|f| f.key == key)
}

/// A month's figures, by field index; None where not reported.
pub type Figures = [Option<Fixed2>; N];

/// The county's report settings (defaults: five required fields, a jump factor of 3, the 15th).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReportRules {
    pub required: Vec<String>,
    /// A figure more than this many times (or less than 1/this) of the same month last year needs
    /// a confirmation and a reason.
    pub jump_factor: Fixed2,
    /// Reports are due by this day of the following month.
    pub due_day: u32,
}

impl Default for ReportRules {
    fn default() -> Self {
        ReportRules {
            required: ["output", "revenue", "tax", "electricity", "employees"].map(String::from).to_vec(),
            jump_factor: Fixed2::from_units(3),
            due_day: 15,
        }
    }
}

/// A filing as typed: the month, every figure as text, and for a jump or a correction the
/// confirmation and the reason.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ReportForm {
    #[schemars(extend("pattern" = "^[0-9]{4}-[0-9]{2}$"))]
    pub month: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub output: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub revenue: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub sales: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub tax: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub tax_local: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub profit: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub electricity: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub energy: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub water: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub employees: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub rnd: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub investment: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub emissions: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub value_added: String,
    /// "on" when the filer confirms figures that jumped against last year.
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub confirm: String,
    /// Why a jump is right, or why a filed report is corrected.
    pub reason: String,
}

impl ReportForm {
    pub fn value(&self, key: &str) -> &str {
        match key {
            "output" => &self.output,
            "revenue" => &self.revenue,
            "sales" => &self.sales,
            "tax" => &self.tax,
            "tax_local" => &self.tax_local,
            "profit" => &self.profit,
            "electricity" => &self.electricity,
            "energy" => &self.energy,
            "water" => &self.water,
            "employees" => &self.employees,
            "rnd" => &self.rnd,
            "investment" => &self.investment,
            "emissions" => &self.emissions,
            "value_added" => &self.value_added,
            _ => "",
        }
    }

    pub fn set(&mut self, key: &str, v: String) {
        let slot = match key {
            "output" => &mut self.output,
            "revenue" => &mut self.revenue,
            "sales" => &mut self.sales,
            "tax" => &mut self.tax,
            "tax_local" => &mut self.tax_local,
            "profit" => &mut self.profit,
            "electricity" => &mut self.electricity,
            "energy" => &mut self.energy,
            "water" => &mut self.water,
            "employees" => &mut self.employees,
            "rnd" => &mut self.rnd,
            "investment" => &mut self.investment,
            "emissions" => &mut self.emissions,
            "value_added" => &mut self.value_added,
            _ => return,
        };
        *slot = v;
    }

    /// The form showing a filed report (to correct it).
    pub fn of(month: Month, figures: &Figures) -> ReportForm {
        let mut f = ReportForm { month: month.to_string(), ..Default::default() };
        for (i, field) in FIELDS.iter().enumerate() {
            f.set(field.key, figures[i].map(|v| v.plain()).unwrap_or_default());
        }
        f
    }

    /// Check a filing. `last` is the last month that has ended; `last_year` the figures of the
    /// same month a year before, when filed; `correcting` whether this month was filed already.
    pub fn validate(
        &self,
        rules: &ReportRules,
        last: Month,
        last_year: Option<&Figures>,
        correcting: bool,
    ) -> Result<ReportDraft, Invalid> {
        let mut c = Checker::new();
        let month = match Month::parse(&self.month) {
            Some(m) if m > last => {
                c.push(FieldError::new("month", "error.month_not_over").with("month", m));
                m
            }
            Some(m) if m.year < Month::FIRST_YEAR => {
                c.push(FieldError::new("month", "error.month_too_early").with("min", Month::FIRST_YEAR));
                m
            }
            Some(m) => m,
            None => {
                c.push(FieldError::new(
                    "month",
                    if self.month.trim().is_empty() { "error.required" } else { "error.month_format" },
                ));
                last
            }
        };
        let mut figures: Figures = [None; N];
        let mut jumped = Vec::new();
        for (i, f) in FIELDS.iter().enumerate() {
            let text = self.value(f.key).trim();
            if text.is_empty() {
                if rules.required.iter().any(|r| r == f.key) {
                    c.push(FieldError::new(f.key, "error.required"));
                }
                continue;
            }
            let min = if f.signed { Fixed2(-f.max.0) } else { Fixed2::ZERO };
            let v = c.decimal(f.key, text, min, f.max);
            if f.whole && v.0 % 100 != 0 {
                c.push(FieldError::new(f.key, "error.whole_number").with("unit", f.unit));
            }
            figures[i] = Some(v);
            if let Some(prev) = last_year.and_then(|ly| ly[i])
                && jump(v, prev, rules.jump_factor)
            {
                jumped.push((f.key, prev));
            }
        }
        let confirmed = matches!(self.confirm.trim(), "on" | "true" | "1" | "yes");
        if !confirmed {
            for (key, prev) in &jumped {
                c.push(
                    FieldError::new(key, "error.jump")
                        .with("last_year", prev.plain())
                        .with("factor", rules.jump_factor.plain()),
                );
            }
        }
        let reason = self.reason.trim().to_string();
        if (correcting || (confirmed && !jumped.is_empty())) && reason.is_empty() {
            c.push(FieldError::new("reason", if correcting { "error.correction_reason" } else { "error.jump_reason" }));
        }
        c.finish(ReportDraft {
            month,
            figures,
            reason,
            jumped: jumped.into_iter().map(|(k, _)| k.to_string()).collect(),
        })
    }
}

/// A jump: both positive and one more than `factor` times the other.
pub fn jump(v: Fixed2, prev: Fixed2, factor: Fixed2) -> bool {
    if v.0 <= 0 || prev.0 <= 0 || factor.0 <= 100 {
        return false;
    }
    let (v, p, f) = (v.0 as i128, prev.0 as i128, factor.0 as i128);
    v * 100 > p * f || p * 100 > v * f
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportDraft {
    pub month: Month,
    pub figures: Figures,
    pub reason: String,
    /// The fields that jumped and were confirmed.
    pub jumped: Vec<String>,
}

/// When a month's report is due: the set day of the next month, end of day (Asia/Shanghai).
pub fn due_date(month: Month, rules: &ReportRules) -> String {
    let next = month.next();
    format!("{next}-{:02}", rules.due_day.clamp(1, 28))
}

/// How far back an enterprise is asked for a month it has not filed.
pub const CATCH_UP_MONTHS: i32 = 12;

/// The month an enterprise files next: the earliest month without a report from its entry
/// (at most `CATCH_UP_MONTHS` back) through `last`, the last month that has ended; `None` when
/// every one of them is filed.
pub fn first_unfiled(filed: &[Month], entry: Option<Month>, last: Month) -> Option<Month> {
    let earliest = last.back(CATCH_UP_MONTHS - 1);
    let from = entry.map_or(earliest, |e| e.max(earliest));
    if from > last {
        return None;
    }
    from.through(last).into_iter().find(|m| !filed.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_month_to_file_is_the_earliest_gap_since_entry_within_a_year() {
        let m = |t: &str| Month::parse(t).unwrap();
        let last = m("2026-11");
        let filed = [m("2026-09"), m("2026-11")];
        // Entered in August: August and October are missing; August first.
        assert_eq!(first_unfiled(&filed, Some(m("2026-08")), last), Some(m("2026-08")));
        // Entered in September: October.
        assert_eq!(first_unfiled(&filed, Some(m("2026-09")), last), Some(m("2026-10")));
        // Entered long ago: not asked for more than twelve months back (December 2025).
        assert_eq!(first_unfiled(&filed, Some(m("2019-01")), last), Some(m("2025-12")));
        assert_eq!(first_unfiled(&filed, None, last), Some(m("2025-12")));
        // Everything filed, or entered this month: nothing due.
        let all: Vec<Month> = m("2025-12").through(last);
        assert_eq!(first_unfiled(&all, None, last), None);
        assert_eq!(first_unfiled(&[], Some(m("2026-12")), last), None);
    }

    fn form() -> ReportForm {
        let mut f = ReportForm { month: "2026-09".into(), ..Default::default() };
        for (k, v) in
            [("output", "120.5"), ("revenue", "118"), ("tax", "6.2"), ("electricity", "85000"), ("employees", "46")]
        {
            f.set(k, v.into());
        }
        f
    }

    fn last() -> Month {
        Month::parse("2026-10").unwrap()
    }

    fn fields(r: Result<ReportDraft, Invalid>) -> Vec<(String, String)> {
        r.unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_complete_filing_passes_and_keeps_its_figures() {
        let d = form().validate(&ReportRules::default(), last(), None, false).unwrap();
        assert_eq!(d.figures[index("output").unwrap()].map(|v| v.plain()), Some("120.5".into()));
        assert_eq!(d.figures[index("water").unwrap()], None);
    }

    #[test]
    fn required_fields_ranges_and_months() {
        let r = ReportRules::default();
        let mut f = form();
        f.tax = String::new();
        f.revenue = "-1".into();
        f.profit = "-3.5".into();
        assert_eq!(
            fields(f.validate(&r, last(), None, false)),
            vec![("revenue".into(), "error.out_of_range".into()), ("tax".into(), "error.required".into())],
            "a loss is allowed, negative revenue is not"
        );
        let f = ReportForm { month: "2026-11".into(), ..form() };
        assert_eq!(fields(f.validate(&r, last(), None, false)), vec![("month".into(), "error.month_not_over".into())]);
    }

    #[test]
    fn a_jump_against_last_year_needs_confirmation_and_a_reason() {
        let r = ReportRules::default();
        let mut ly: Figures = [None; N];
        ly[index("output").unwrap()] = Some(Fixed2::from_units(40));
        // 120.5 > 3 × 40: a jump. Exactly 3 × would not be.
        assert_eq!(fields(form().validate(&r, last(), Some(&ly), false)), vec![("output".into(), "error.jump".into())]);
        let confirmed = ReportForm { confirm: "on".into(), ..form() };
        assert_eq!(
            fields(confirmed.validate(&r, last(), Some(&ly), false)),
            vec![("reason".into(), "error.jump_reason".into())]
        );
        let explained = ReportForm { reason: "新生产线投产".into(), ..confirmed };
        assert_eq!(explained.validate(&r, last(), Some(&ly), false).unwrap().jumped, vec!["output".to_string()]);
        assert!(!jump(Fixed2::from_units(120), Fixed2::from_units(40), Fixed2::from_units(3)));
        assert!(jump(Fixed2::from_units(13), Fixed2::from_units(40), Fixed2::from_units(3)), "a fall counts too");
    }

    #[test]
    fn a_correction_needs_its_reason() {
        assert_eq!(
            fields(form().validate(&ReportRules::default(), last(), None, true)),
            vec![("reason".into(), "error.correction_reason".into())]
        );
    }
}
