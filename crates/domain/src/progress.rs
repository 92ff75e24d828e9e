//! Construction progress (建设进度): yearly plans in the shape of the seed's annexes 6 and 7,
//! monthly progress reports by townships, report deadlines, and lagging-park detection.

use crate::time::{civil_from_days, days_from_civil};
use crate::units::{self, Fixed2};
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month in Asia/Shanghai, written "2024-03".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

const DAY_MS: i64 = 86_400_000;
const SHANGHAI_OFFSET_MS: i64 = 8 * 3600 * 1000;

impl Month {
    /// No report of the platform's concerns predates this year (the parks' programme began in
    /// the 2010s): an earlier month is a typing mistake.
    pub const FIRST_YEAR: i32 = 2000;

    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then_some(Month { year, month })
    }

    /// "2024-03" (also "2024-3" and "2024/03").
    pub fn parse(text: &str) -> Option<Month> {
        let t = text.trim();
        let (y, m) = t.split_once(['-', '/', '.'])?;
        Month::new(y.trim().parse().ok()?, m.trim().parse().ok()?)
    }

    /// The month an instant falls in, in Asia/Shanghai.
    pub fn of_ms(ms: i64) -> Month {
        let (y, m, _) = civil_from_days((ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS));
        Month { year: y as i32, month: m }
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { month: self.month - 1, ..self } }
    }

    /// The first instant of the month, Asia/Shanghai, in epoch milliseconds.
    pub fn start_ms(self) -> i64 {
        days_from_civil(self.year as i64, self.month, 1) * DAY_MS - SHANGHAI_OFFSET_MS
    }

    /// The month `months` before this one.
    pub fn back(self, months: i32) -> Month {
        let total = self.year * 12 + self.month as i32 - 1 - months;
        Month { year: total.div_euclid(12), month: (total.rem_euclid(12) + 1) as u32 }
    }

    /// This month and the `n - 1` before it, oldest first.
    pub fn last_n(self, n: usize) -> Vec<Month> {
        self.back(n.saturating_sub(1) as i32).through(self)
    }

    /// Months from `self` to `other` (inclusive), in order; empty when `other` is earlier.
    pub fn through(self, other: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= other {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Money in fen (分), exact. Shown in 万元 or 亿元.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Money(pub i64);

impl Money {
    /// From a figure in 亿元 with at most two decimals (1 亿元 = 10⁸ 元 = 10¹⁰ 分).
    pub fn from_yi(yi: Fixed2) -> Money {
        Money(yi.0 * 100_000_000)
    }
    /// From a figure in 万元 with at most two decimals (1 万元 = 10⁶ 分).
    pub fn from_wan(wan: Fixed2) -> Money {
        Money(wan.0 * 10_000)
    }
    pub fn yi(self) -> Fixed2 {
        Fixed2(self.0).div_round(100_000_000)
    }
    pub fn wan(self) -> Fixed2 {
        Fixed2(self.0).div_round(10_000)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money(0), |a, b| a + b)
    }
}

/// The four planned figures of a park's year (annexes 6 and 7). None: nothing planned ("—").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct YearFigures {
    pub land_supply_mu: Option<Fixed2>,
    pub construction_start_mu: Option<Fixed2>,
    pub completion_m2: Option<Fixed2>,
    pub output: Option<Money>,
}

impl YearFigures {
    pub fn is_empty(&self) -> bool {
        self.land_supply_mu.is_none()
            && self.construction_start_mu.is_none()
            && self.completion_m2.is_none()
            && self.output.is_none()
    }
}

/// One year of one park's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PlanYear {
    pub year: i32,
    #[serde(flatten)]
    pub figures: YearFigures,
}

/// The figures of the plan tables, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    LandSupply,
    ConstructionStart,
    Completion,
    Output,
}

impl Figure {
    pub const ALL: [Figure; 4] = [Figure::LandSupply, Figure::ConstructionStart, Figure::Completion, Figure::Output];

    pub fn code(self) -> &'static str {
        match self {
            Figure::LandSupply => "land_supply",
            Figure::ConstructionStart => "construction_start",
            Figure::Completion => "completion",
            Figure::Output => "output",
        }
    }

    /// The figure in its display unit (亩, 万㎡ or 亿元), as hundredths.
    pub fn of(self, f: &YearFigures) -> Option<Fixed2> {
        match self {
            Figure::LandSupply => f.land_supply_mu,
            Figure::ConstructionStart => f.construction_start_mu,
            Figure::Completion => f.completion_m2.map(units::m2_to_wan_m2),
            Figure::Output => f.output.map(Money::yi),
        }
    }
}

/// A township's monthly progress report for one park.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ProgressReport {
    pub park_id: i64,
    pub month: Month,
    pub land_supplied_mu: Fixed2,
    pub started_mu: Fixed2,
    pub completed_m2: Fixed2,
    pub enterprises_moved_in: i64,
    pub investment: Money,
    pub problems: String,
    pub submitted_at: i64,
    pub submitted_by: String,
    pub generated: bool,
}

/// A progress report as entered (form, JSON or a spreadsheet row).
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ProgressForm {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    #[schemars(extend("pattern" = "^[0-9]{4}-[0-9]{2}$"))]
    pub month: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub land_supplied_mu: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub started_mu: String,
    /// Completed floor area in 万㎡, as the plans count it.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub completed_wan_m2: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub enterprises_moved_in: String,
    /// Investment completed in the month, 万元.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub investment_wan: String,
    #[serde(default)]
    pub problems: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ProgressDraft {
    pub month: Month,
    pub land_supplied_mu: Fixed2,
    pub started_mu: Fixed2,
    pub completed_m2: Fixed2,
    pub enterprises_moved_in: i64,
    pub investment: Money,
    pub problems: String,
}

/// An empty number in a report means zero: nothing happened that month.
fn zero_if_empty(s: &str) -> &str {
    if s.trim().is_empty() { "0" } else { s }
}

impl ProgressForm {
    /// `current` is this month: reports for later months are refused.
    pub fn validate(&self, current: Month) -> Result<ProgressDraft, Invalid> {
        let mut c = Checker::new();
        let month = match Month::parse(&self.month) {
            Some(m) if m > current => {
                c.push(FieldError::new("month", "error.month_in_future").with("month", m));
                None
            }
            Some(m) if m.year < Month::FIRST_YEAR => {
                c.push(FieldError::new("month", "error.month_too_early").with("min", Month::FIRST_YEAR));
                None
            }
            Some(m) => Some(m),
            None if self.month.trim().is_empty() => {
                c.push(FieldError::new("month", "error.required"));
                None
            }
            None => {
                c.push(FieldError::new("month", "error.month_format"));
                None
            }
        };
        let max_mu = Fixed2::from_units(10_000);
        let land = c.decimal("land_supplied_mu", zero_if_empty(&self.land_supplied_mu), Fixed2::ZERO, max_mu);
        let started = c.decimal("started_mu", zero_if_empty(&self.started_mu), Fixed2::ZERO, max_mu);
        let wan =
            c.decimal("completed_wan_m2", zero_if_empty(&self.completed_wan_m2), Fixed2::ZERO, Fixed2::from_units(500));
        let moved = c.integer("enterprises_moved_in", zero_if_empty(&self.enterprises_moved_in), 0, 10_000);
        let invest = c.decimal(
            "investment_wan",
            zero_if_empty(&self.investment_wan),
            Fixed2::ZERO,
            Fixed2::from_units(10_000_000),
        );
        let problems = c.optional_text("problems", &self.problems, 1000);
        c.finish(())?;
        Ok(ProgressDraft {
            month: month.expect("checked"),
            land_supplied_mu: land,
            started_mu: started,
            completed_m2: units::wan_m2_to_m2(wan).unwrap_or_default(),
            enterprises_moved_in: moved,
            investment: Money::from_wan(invest),
            problems,
        })
    }
}

/// Days after the month's end a report still counts as on time (the plan: "at each month end").
pub const REPORT_GRACE_DAYS: i64 = 0;

/// Where a park's report for a month stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ReportState {
    /// The month is not over yet and nothing was filed.
    Open,
    OnTime,
    Late {
        days: i64,
    },
    Missing {
        days: i64,
    },
}

/// The deadline of a month's report: the end of the month (plus the grace days).
pub fn report_due_ms(month: Month) -> i64 {
    month.next().start_ms() + REPORT_GRACE_DAYS * DAY_MS
}

pub fn report_state(month: Month, submitted_at: Option<i64>, now_ms: i64) -> ReportState {
    let due = report_due_ms(month);
    let days_after = |t: i64| (t - due).div_euclid(DAY_MS) + 1;
    match submitted_at {
        Some(t) if t <= due => ReportState::OnTime,
        Some(t) => ReportState::Late { days: days_after(t) },
        None if now_ms <= due => ReportState::Open,
        None => ReportState::Missing { days: days_after(now_ms) },
    }
}

/// Actual figures of a month (from the progress reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthActual {
    pub land_supply_mu: Fixed2,
    pub construction_start_mu: Fixed2,
    pub completion_m2: Fixed2,
}

impl From<&ProgressReport> for MonthActual {
    fn from(r: &ProgressReport) -> Self {
        MonthActual {
            land_supply_mu: r.land_supplied_mu,
            construction_start_mu: r.started_mu,
            completion_m2: r.completed_m2,
        }
    }
}

/// The actual figures of a year: the sum of its monthly reports, plus the yearly output.
pub fn year_actuals(year: i32, reports: &[ProgressReport], output: Option<Money>) -> YearFigures {
    let months: Vec<&ProgressReport> = reports.iter().filter(|r| r.month.year == year).collect();
    let sum = |f: fn(&ProgressReport) -> Fixed2| -> Option<Fixed2> {
        (!months.is_empty()).then(|| months.iter().map(|r| f(r)).sum())
    };
    YearFigures {
        land_supply_mu: sum(|r| r.land_supplied_mu),
        construction_start_mu: sum(|r| r.started_mu),
        completion_m2: sum(|r| r.completed_m2),
        output,
    }
}

/// A plan figure a park is behind on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Lag {
    pub figure: Figure,
    /// What the plan expects by the end of `as_of`, cumulative, in the figure's unit (亩, 万㎡).
    pub expected: Fixed2,
    pub actual: Fixed2,
    pub shortfall: Fixed2,
    /// The first month-end from which the park has been behind without a break.
    pub since: Month,
}

/// Is a park behind its plan at the end of `as_of`? For land supply, construction start and
/// completion, the plan of a year is spread evenly over its twelve months (by the end of June,
/// half of the year's figure is due), cumulative over the years; the actual is the cumulative sum
/// of the monthly reports. A figure lags when the actual is below the expectation; `since` is
/// the first month-end of the unbroken run of such months that reaches `as_of`.
pub fn lagging(plans: &[PlanYear], reports: &[ProgressReport], as_of: Month) -> Vec<Lag> {
    let Some(first_year) = plans.iter().map(|p| p.year).min() else { return Vec::new() };
    let start = Month { year: first_year, month: 1 };
    let mut out = Vec::new();
    for figure in [Figure::LandSupply, Figure::ConstructionStart, Figure::Completion] {
        let plan_of = |year: i32| -> Fixed2 {
            plans.iter().filter(|p| p.year == year).filter_map(|p| raw(figure, &p.figures)).sum()
        };
        if plans.iter().all(|p| raw(figure, &p.figures).is_none()) {
            continue;
        }
        // One pass: the reports' values in month order, added up as the months go by.
        let mut values: Vec<(Month, Fixed2)> =
            reports.iter().map(|r| (r.month, raw_actual(figure, &MonthActual::from(r)))).collect();
        values.sort_by_key(|v| v.0);
        let mut next = values.iter().peekable();
        let mut since: Option<Month> = None;
        let (mut expected, mut actual) = (Fixed2::ZERO, Fixed2::ZERO);
        let mut earlier = Fixed2::ZERO;
        for m in start.through(as_of) {
            if m.month == 1 && m.year > first_year {
                earlier += plan_of(m.year - 1);
            }
            expected = earlier + Fixed2(plan_of(m.year).0 * m.month as i64 / 12);
            while let Some((_, v)) = next.next_if(|(month, _)| *month <= m) {
                actual += *v;
            }
            if actual < expected {
                since.get_or_insert(m);
            } else {
                since = None;
            }
        }
        if let Some(since) = since {
            let unit = |v: Fixed2| if figure == Figure::Completion { units::m2_to_wan_m2(v) } else { v };
            out.push(Lag {
                figure,
                expected: unit(expected),
                actual: unit(actual),
                shortfall: unit(Fixed2(expected.0 - actual.0)),
                since,
            });
        }
    }
    out
}

/// A planned figure in its stored unit (亩 or m²); output is not tracked monthly.
fn raw(figure: Figure, f: &YearFigures) -> Option<Fixed2> {
    match figure {
        Figure::LandSupply => f.land_supply_mu,
        Figure::ConstructionStart => f.construction_start_mu,
        Figure::Completion => f.completion_m2,
        Figure::Output => None,
    }
}

fn raw_actual(figure: Figure, a: &MonthActual) -> Fixed2 {
    match figure {
        Figure::LandSupply => a.land_supply_mu,
        Figure::ConstructionStart => a.construction_start_mu,
        Figure::Completion => a.completion_m2,
        Figure::Output => Fixed2::ZERO,
    }
}

code_enum! {
    /// The five milestones of a park (or of each of its phases).
    MilestoneKind {
        LandSupplied = "land_supplied",
        ConstructionStarted = "construction_started",
        Completed = "completed",
        MovedIn = "moved_in",
        Production = "production",
    }
}

/// A milestone of a park phase, with its planned and actual dates (YYYY-MM-DD, Asia/Shanghai).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Milestone {
    pub id: i64,
    pub park_id: i64,
    pub phase: String,
    pub kind: MilestoneKind,
    pub planned_date: Option<String>,
    pub actual_date: Option<String>,
    pub generated: bool,
}

impl Milestone {
    /// Overdue: planned date passed (as of `today`, YYYY-MM-DD) and not reached.
    pub fn overdue(&self, today: &str) -> bool {
        self.actual_date.is_none() && self.planned_date.as_deref().is_some_and(|p| p < today)
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct MilestoneForm {
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    #[schemars(extend("format" = "date"))]
    pub planned_date: String,
    #[serde(default)]
    #[schemars(extend("format" = "date"))]
    pub actual_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MilestoneDraft {
    pub phase: String,
    pub kind: MilestoneKind,
    pub planned_date: Option<String>,
    pub actual_date: Option<String>,
}

impl MilestoneForm {
    pub fn validate(&self, today: &str) -> Result<MilestoneDraft, Invalid> {
        let mut c = Checker::new();
        let phase = c.text("phase", &self.phase, 20);
        let kind = c.choice("kind", &self.kind, MilestoneKind::parse);
        let mut date = |field: &str, text: &str| -> Option<String> {
            let t = text.trim();
            if t.is_empty() {
                return None;
            }
            match crate::time::parse_shanghai_date(t) {
                Some(ms) => Some(crate::time::date_shanghai(ms)),
                None => {
                    c.push(FieldError::new(field, "error.date_format"));
                    None
                }
            }
        };
        let planned_date = date("planned_date", &self.planned_date);
        let actual_date = date("actual_date", &self.actual_date);
        if actual_date.as_deref().is_some_and(|a| a > today) {
            c.push(FieldError::new("actual_date", "error.date_in_future"));
        }
        c.finish(())?;
        Ok(MilestoneDraft { phase, kind: kind.expect("checked"), planned_date, actual_date })
    }
}

#[cfg(test)]
mod milestone_tests {
    use super::*;

    #[test]
    fn milestones_take_real_dates_and_no_future_actuals() {
        let f = MilestoneForm {
            phase: "二期".into(),
            kind: "completed".into(),
            planned_date: "2019-6-30".into(),
            actual_date: "".into(),
        };
        let d = f.validate("2026-11-23").unwrap();
        assert_eq!((d.planned_date.as_deref(), d.actual_date), (Some("2019-06-30"), None));
        let bad = MilestoneForm {
            actual_date: "2027-01-01".into(),
            planned_date: "2019-02-30".into(),
            kind: "x".into(),
            ..f
        };
        let fields: Vec<_> = bad.validate("2026-11-23").unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["kind", "planned_date", "actual_date"]);
        let m = Milestone {
            id: 1,
            park_id: 1,
            phase: "一期".into(),
            kind: MilestoneKind::Completed,
            planned_date: Some("2019-06-30".into()),
            actual_date: None,
            generated: false,
        };
        assert!(m.overdue("2019-07-01") && !m.overdue("2019-06-30"));
    }
}

inline_schema!(Month, { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "YYYY-MM" });

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn plan(year: i32, land: Option<&str>, start: Option<&str>, done_wan: Option<&str>) -> PlanYear {
        let p = |v: Option<&str>| v.map(|s| Fixed2::parse(s).unwrap());
        PlanYear {
            year,
            figures: YearFigures {
                land_supply_mu: p(land),
                construction_start_mu: p(start),
                completion_m2: p(done_wan).map(|w| units::wan_m2_to_m2(w).unwrap()),
                output: None,
            },
        }
    }

    fn report(month: &str, land: &str, start: &str, done_wan: &str) -> ProgressReport {
        ProgressReport {
            park_id: 1,
            month: m(month),
            land_supplied_mu: Fixed2::parse(land).unwrap(),
            started_mu: Fixed2::parse(start).unwrap(),
            completed_m2: units::wan_m2_to_m2(Fixed2::parse(done_wan).unwrap()).unwrap(),
            enterprises_moved_in: 0,
            investment: Money(0),
            problems: String::new(),
            submitted_at: 0,
            submitted_by: String::new(),
            generated: false,
        }
    }

    #[test]
    fn months_parse_print_and_count() {
        assert_eq!(m("2024-3").to_string(), "2024-03");
        assert_eq!(m("2024/12").next(), m("2025-01"));
        assert_eq!(m("2025-01").prev(), m("2024-12"));
        assert!(Month::parse("2024-13").is_none() && Month::parse("March").is_none());
        assert_eq!(m("2024-11").through(m("2025-02")).len(), 4);
        assert!(m("2025-02").through(m("2024-11")).is_empty());
        // 2024-03-01 00:00 in Shanghai is 2024-02-29 16:00 UTC.
        assert_eq!(Month::of_ms(m("2024-03").start_ms()), m("2024-03"));
        assert_eq!(Month::of_ms(m("2024-03").start_ms() - 1), m("2024-02"));
    }

    #[test]
    fn money_converts_exactly() {
        let yi = Money::from_yi(Fixed2::parse("38.5").unwrap());
        assert_eq!(yi.0, 385_000_000_000);
        assert_eq!(yi.yi().plain(), "38.5");
        assert_eq!(yi.wan().plain(), "385000");
        assert_eq!(Money::from_wan(Fixed2::parse("12.34").unwrap()).0, 12_340_000, "12.34 万元 = 123,400 元");
    }

    #[test]
    fn reports_are_due_at_month_end() {
        let month = m("2024-02");
        let due = report_due_ms(month);
        assert_eq!(due, m("2024-03").start_ms());
        assert_eq!(report_state(month, Some(due), due + 1), ReportState::OnTime);
        assert_eq!(report_state(month, Some(due + 1), due + 2), ReportState::Late { days: 1 });
        assert_eq!(report_state(month, Some(due + 3 * DAY_MS), due + 5 * DAY_MS), ReportState::Late { days: 4 });
        assert_eq!(report_state(month, None, due - 1), ReportState::Open);
        assert_eq!(report_state(month, None, due + 10 * DAY_MS + 5), ReportState::Missing { days: 11 });
    }

    #[test]
    fn a_report_form_names_every_bad_field() {
        let f = ProgressForm {
            month: "2026-12".into(),
            land_supplied_mu: "-1".into(),
            started_mu: "abc".into(),
            completed_wan_m2: "1.234".into(),
            enterprises_moved_in: "".into(),
            investment_wan: "".into(),
            problems: "".into(),
        };
        let errs = f.validate(m("2026-11")).unwrap_err().0;
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            vec![
                ("month", "error.month_in_future"),
                ("land_supplied_mu", "error.out_of_range"),
                ("started_mu", "error.not_number"),
                ("completed_wan_m2", "error.too_many_decimals")
            ]
        );
        let ok = ProgressForm { month: "2026-11".into(), completed_wan_m2: "2.5".into(), ..Default::default() };
        let d = ok.validate(m("2026-11")).unwrap();
        assert_eq!((d.completed_m2.plain(), d.enterprises_moved_in, d.investment), ("25000".to_string(), 0, Money(0)));
    }

    #[test]
    fn a_park_on_plan_is_not_lagging() {
        let plans = [plan(2019, Some("120"), Some("60"), None)];
        let reports: Vec<_> =
            m("2019-01").through(m("2019-12")).iter().map(|mo| report(&mo.to_string(), "10", "5", "0")).collect();
        assert!(lagging(&plans, &reports, m("2019-12")).is_empty());
        // Half the year's land by the end of June: 60 亩 expected, 60 reported.
        assert!(lagging(&plans, &reports[..6], m("2019-06")).is_empty());
    }

    #[test]
    fn lagging_names_the_figure_the_shortfall_and_since_when() {
        // Plan: 120 亩 land in 2019, 10 万㎡ completed in 2020.
        let plans = [plan(2019, Some("120"), None, None), plan(2020, None, None, Some("10"))];
        // Land: 10 亩 a month until April, then nothing.
        let mut reports: Vec<_> =
            m("2019-01").through(m("2019-04")).iter().map(|mo| report(&mo.to_string(), "10", "0", "0")).collect();
        // Completion: 4 万㎡ in 2020-06.
        reports.push(report("2020-06", "0", "0", "4"));
        let lags = lagging(&plans, &reports, m("2020-12"));
        assert_eq!(lags.len(), 2);
        let land = &lags[0];
        assert_eq!(land.figure, Figure::LandSupply);
        assert_eq!(
            (land.expected.plain(), land.actual.plain(), land.shortfall.plain()),
            ("120".into(), "40".into(), "80".into())
        );
        assert_eq!(land.since, m("2019-05"), "on plan through April (40 of 40), behind from May (40 of 50)");
        let done = &lags[1];
        assert_eq!(done.figure, Figure::Completion);
        assert_eq!(
            (done.expected.plain(), done.actual.plain(), done.shortfall.plain()),
            ("10".into(), "4".into(), "6".into())
        );
        // Jan 2020: expected 0.83, actual 0 → behind; June: 5 vs 4 → still behind; never caught up.
        assert_eq!(done.since, m("2020-01"));
        // Construction start has no plan: not judged.
        assert!(lags.iter().all(|l| l.figure != Figure::ConstructionStart));
    }

    #[test]
    fn catching_up_resets_since() {
        let plans = [plan(2021, None, Some("24"), None)];
        // Nothing until March (behind from January), 6 in March (caught up), then nothing.
        let reports = vec![report("2021-03", "0", "6", "0")];
        let lags = lagging(&plans, &reports, m("2021-06"));
        assert_eq!(lags.len(), 1);
        assert_eq!(lags[0].since, m("2021-04"), "caught up in March, behind again from April");
        assert_eq!((lags[0].expected.plain(), lags[0].shortfall.plain()), ("12".into(), "6".into()));
        assert!(lagging(&plans, &reports, m("2021-03")).is_empty());
        assert!(lagging(&[], &reports, m("2021-06")).is_empty(), "no plan, nothing to lag behind");
    }

    #[test]
    fn year_actuals_sum_the_months_of_that_year() {
        let reports = vec![
            report("2019-12", "5", "1", "0.5"),
            report("2020-01", "7", "2", "1"),
            report("2020-02", "1", "0", "0"),
        ];
        let a = year_actuals(2020, &reports, None);
        assert_eq!(a.land_supply_mu, Some(Fixed2::from_units(8)));
        assert_eq!(a.completion_m2.map(|v| v.plain()), Some("10000".into()));
        assert!(year_actuals(2018, &reports, None).is_empty());
    }
}
