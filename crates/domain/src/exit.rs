//! The exit test (退出机制): within three years of entry, an enterprise must reach sales output
//! ≥ 2000 元/m², tax ≥ 150 元/m², average revenue growth ≥ 10%/year and investment ≥ 2.5 M 元/亩,
//! or it is warned, given a deadline, and then evicted. Pure: the figures come from reports.

use crate::holdings::Holding;
use crate::rules::{Check, Rules, all_passed};
use crate::units::Fixed2;
use serde::{Deserialize, Serialize};

/// One year of an enterprise's figures, in 元.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct YearFigures {
    pub year: i64,
    pub sales: Fixed2,
    pub tax: Fixed2,
    pub revenue: Fixed2,
    /// Fixed-asset investment made in the year.
    pub investment: Fixed2,
}

/// The test's inputs from the enterprise's figures and the units it holds: the latest year's
/// sales and tax per m² of floor area, compound revenue growth over the years given, and the
/// investment of all years per 亩 of land (the park's land shared out by floor area).
pub fn figures_for_test(
    years: &[YearFigures],
    held: &[Holding],
    park_land_mu: Fixed2,
    park_area_m2: Fixed2,
) -> Option<ExitFigures> {
    let last = years.last()?;
    let floor: i64 = held.iter().map(|h| h.area_m2.0).sum();
    let land = if park_area_m2.0 > 0 {
        Fixed2((park_land_mu.0 as i128 * floor as i128 / park_area_m2.0 as i128) as i64)
    } else {
        Fixed2::ZERO
    };
    Some(ExitFigures {
        floor_area_m2: Fixed2(floor),
        land_mu: land,
        sales: last.sales,
        tax: last.tax,
        revenues: years.iter().map(|y| y.revenue).collect(),
        investment: Fixed2(years.iter().map(|y| y.investment.0).sum()),
    })
}

/// The test on an enterprise's figures and the units it holds in a park of this land (亩) and
/// building area (m²), with the floor area and land it was measured on. None when there are no
/// figures or no floor area to measure them on.
pub fn test_enterprise(
    rules: &Rules,
    years: &[YearFigures],
    held: &[Holding],
    park_land_mu: Fixed2,
    park_area_m2: Fixed2,
) -> Option<Vec<Check>> {
    figures_for_test(years, held, park_land_mu, park_area_m2).filter(|f| f.floor_area_m2.0 > 0).map(|f| {
        let mut checks = exit_test(rules, &f);
        checks.push(
            Check::new("exit.floor_area", f.floor_area_m2.0 > 0)
                .with("area", f.floor_area_m2.plain())
                .with("land", f.land_mu.plain()),
        );
        checks
    })
}

/// Whether an owner meets its admission targets (the thresholds of the exit test) now: it has
/// figures, floor area, and passes every check. A lease by an owner needs this.
pub fn meets_targets(
    rules: &Rules,
    years: &[YearFigures],
    held: &[Holding],
    park_land_mu: Fixed2,
    park_area_m2: Fixed2,
) -> bool {
    test_enterprise(rules, years, held, park_land_mu, park_area_m2).is_some_and(|c| all_passed(&c))
}

/// An enterprise's figures for the test; money in 元 (hundredths), areas in m² and 亩.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitFigures {
    pub floor_area_m2: Fixed2,
    pub land_mu: Fixed2,
    pub sales: Fixed2,
    pub tax: Fixed2,
    /// Yearly revenues, oldest first (at least two years for a growth rate).
    pub revenues: Vec<Fixed2>,
    pub investment: Fixed2,
}

fn per(total: Fixed2, by: Fixed2) -> Fixed2 {
    if by.0 <= 0 { Fixed2::ZERO } else { Fixed2((total.0 as i128 * 100 / by.0 as i128) as i64) }
}

/// Average yearly growth in per cent (hundredths), compound: (last / first)^(1/(n−1)) − 1.
pub fn average_growth_pct(revenues: &[Fixed2]) -> Option<Fixed2> {
    let (first, last) = (revenues.first()?, revenues.last()?);
    if revenues.len() < 2 || first.0 <= 0 {
        return None;
    }
    let years = (revenues.len() - 1) as f64;
    let rate = (last.0 as f64 / first.0 as f64).powf(1.0 / years) - 1.0;
    Some(Fixed2((rate * 10_000.0).round() as i64))
}

pub fn exit_test(rules: &Rules, f: &ExitFigures) -> Vec<Check> {
    let sales = per(f.sales, f.floor_area_m2);
    let tax = per(f.tax, f.floor_area_m2);
    let investment = per(f.investment, f.land_mu);
    let growth = average_growth_pct(&f.revenues);
    vec![
        Check::new("exit.sales_per_m2", sales >= rules.exit_min_sales_per_m2)
            .with("value", sales.plain())
            .with("min", rules.exit_min_sales_per_m2.plain()),
        Check::new("exit.tax_per_m2", tax >= rules.exit_min_tax_per_m2)
            .with("value", tax.plain())
            .with("min", rules.exit_min_tax_per_m2.plain()),
        Check::new("exit.growth", growth.is_some_and(|g| g >= Fixed2::from_units(rules.exit_min_growth_pct)))
            .with("value", growth.map(|g| g.plain()).unwrap_or_else(|| "—".into()))
            .with("min", rules.exit_min_growth_pct),
        Check::new("exit.investment_per_mu", investment >= rules.exit_min_investment_per_mu)
            .with("value", investment.plain())
            .with("min", rules.exit_min_investment_per_mu.plain()),
    ]
}

/// Whole months from `today` to `due` (both YYYY-MM-DD), counting a month only once its day is
/// reached: 0 when the date has come. For the early warning's "months left".
pub fn months_until(today: &str, due: &str) -> Option<i64> {
    let parse = |d: &str| -> Option<(i64, i64, i64)> {
        let mut it = d.splitn(3, '-');
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.get(..2)?.parse().ok()?))
    };
    let (ty, tm, td) = parse(today)?;
    let (dy, dm, dd) = parse(due)?;
    let months = (dy - ty) * 12 + (dm - tm) - i64::from(dd < td);
    Some(months.max(0))
}

/// The early warning: an active enterprise whose latest figures would fail the exit test before
/// it is due, or that has stopped working (operation monitoring's open stop notice), due or not.
pub fn early_warning(active: bool, due: bool, failing: bool, stopped: bool) -> bool {
    active && ((!due && failing) || stopped)
}

/// An exit step as typed by the county.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StepForm {
    /// test, warn, rectified, evict
    pub step: String,
    pub reason: String,
    /// The rectification deadline of a warning (YYYY-MM-DD).
    #[schemars(extend("format" = "date"))]
    pub deadline: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Record the test's result now.
    Test,
    /// Warn, with a rectification deadline after today.
    Warn { deadline: String },
    /// Close a warning.
    Rectified,
    /// Evict.
    Evict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepDraft {
    pub step: Step,
    pub reason: String,
}

impl StepForm {
    pub fn validate(&self, today: &str) -> Result<StepDraft, crate::Invalid> {
        use crate::validation::Checker;
        let mut c = Checker::new();
        let reason = self.reason.trim().to_string();
        let step = match self.step.as_str() {
            "test" => Step::Test,
            "warn" => {
                let deadline = c.date("deadline", &self.deadline, "9999-12-31");
                if !deadline.is_empty() && deadline.as_str() <= today {
                    c.push(crate::FieldError::new("deadline", "error.deadline_not_after_today"));
                }
                Step::Warn { deadline }
            }
            "rectified" => Step::Rectified,
            "evict" => Step::Evict,
            other => {
                let e = crate::FieldError::new("step", "error.unknown_choice").with("value", other);
                return Err(crate::Invalid::one(e));
            }
        };
        if step != Step::Test {
            c.text("reason", &reason, 500);
        }
        c.finish(StepDraft { step, reason })
    }
}

/// What a step records: the enterprise event's kind, its reason, a deadline, and the checks it
/// rests on. `evicted` also ends the enterprise's stay.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    pub kind: &'static str,
    pub reason: String,
    pub deadline: Option<String>,
    pub checks: Vec<Check>,
}

/// Decide an exit step from the enterprise's test now (None: no figures or floor area), the
/// deadline of its open warning (Some("") for a warning without one; None when no warning is
/// open) and today's date. A warning needs a failed test; an eviction a failed test and a
/// warning whose deadline has passed. A refusal returns every check.
pub fn decide_step(
    d: &StepDraft,
    test: Option<Vec<Check>>,
    open_warning: Option<&str>,
    today: &str,
) -> Result<StepOutcome, Vec<Check>> {
    let checks = test.unwrap_or_else(|| vec![Check::new("exit.has_figures", false)]);
    let failed = !all_passed(&checks);
    let outcome = |kind, reason: String, deadline, checks| StepOutcome { kind, reason, deadline, checks };
    match &d.step {
        Step::Test => {
            let reason = if failed { "exit.failed" } else { "exit.passed" };
            Ok(outcome("exit_test", reason.to_string(), None, checks))
        }
        Step::Warn { deadline } => {
            if !failed {
                return Err(with_step(checks, "exit.must_fail", failed));
            }
            Ok(outcome("warned", d.reason.clone(), Some(deadline.clone()), checks))
        }
        Step::Rectified => Ok(outcome("rectified", d.reason.clone(), None, checks)),
        Step::Evict => {
            let deadline = open_warning.unwrap_or("");
            let mut all = with_step(checks, "exit.must_fail", failed);
            all.push(Check::new("exit.warned", open_warning.is_some()));
            all.push(
                Check::new("exit.deadline_passed", !deadline.is_empty() && deadline < today)
                    .with("deadline", deadline)
                    .with("today", today),
            );
            if !all_passed(&all) {
                return Err(all);
            }
            Ok(outcome("evicted", d.reason.clone(), None, all))
        }
    }
}

/// The test's checks plus the step's own precondition (the test must have failed).
fn with_step(mut checks: Vec<Check>, rule: &str, failed: bool) -> Vec<Check> {
    for c in &mut checks {
        // The test's own failures are what a warning or eviction rests on: shown, not blocking.
        c.passed = true;
    }
    checks.push(Check::new(rule, failed));
    checks
}

#[cfg(test)]
mod warning_tests {
    use super::*;

    #[test]
    fn months_left_count_whole_months_to_the_due_date() {
        assert_eq!(months_until("2026-12-02", "2028-03-01"), Some(14));
        assert_eq!(months_until("2026-12-02", "2028-03-02"), Some(15));
        assert_eq!(months_until("2026-12-02", "2026-12-01"), Some(0));
        assert_eq!(months_until("2026-12-02", "x"), None);
        assert!(early_warning(true, false, true, false));
        assert!(
            !early_warning(true, true, true, false)
                && !early_warning(false, false, true, false)
                && !early_warning(true, false, false, false)
        );
        assert!(early_warning(true, true, false, true), "a long stop warns, due or not");
        assert!(!early_warning(false, false, false, true), "not once it has left");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Fixed2 {
        Fixed2::parse(s).unwrap()
    }

    fn figures() -> ExitFigures {
        ExitFigures {
            floor_area_m2: f("1000"),
            land_mu: f("2"),
            sales: f("2000000"),
            tax: f("150000"),
            revenues: vec![f("1000000"), f("1100000"), f("1210000")],
            investment: f("5000000"),
        }
    }

    #[test]
    fn passing_exactly_at_every_threshold() {
        let checks = exit_test(&Rules::default(), &figures());
        assert!(checks.iter().all(|c| c.passed), "{checks:?}");
    }

    #[test]
    fn failing_just_below_each_threshold() {
        let r = Rules::default();
        let fails =
            |f: ExitFigures| exit_test(&r, &f).into_iter().filter(|c| !c.passed).map(|c| c.rule).collect::<Vec<_>>();
        assert_eq!(fails(ExitFigures { sales: f("1999990"), ..figures() }), vec!["exit.sales_per_m2"]);
        assert_eq!(fails(ExitFigures { tax: f("149990"), ..figures() }), vec!["exit.tax_per_m2"]);
        // √1.209 − 1 = 9.95% a year over two years.
        assert_eq!(
            fails(ExitFigures { revenues: vec![f("1000000"), f("1100000"), f("1209000")], ..figures() }),
            vec!["exit.growth"]
        );
        assert_eq!(fails(ExitFigures { investment: f("4999999.98"), ..figures() }), vec!["exit.investment_per_mu"]);
        assert_eq!(
            fails(ExitFigures { revenues: vec![f("1000000")], ..figures() }),
            vec!["exit.growth"],
            "one year is no growth rate"
        );
    }

    #[test]
    fn growth_is_compound() {
        assert_eq!(average_growth_pct(&[f("100"), f("121")]).map(|g| g.plain()), Some("21".into()));
        assert_eq!(average_growth_pct(&[f("100"), f("110"), f("121")]).map(|g| g.plain()), Some("10".into()));
        assert_eq!(average_growth_pct(&[f("0"), f("5")]), None);
    }

    fn step(step: Step) -> StepDraft {
        StepDraft { step, reason: "未达标".into() }
    }

    fn failing() -> Option<Vec<Check>> {
        Some(vec![Check::new("exit.sales_per_m2", false), Check::new("exit.tax_per_m2", true)])
    }

    fn rules_of(r: &Result<StepOutcome, Vec<Check>>) -> Vec<(String, bool)> {
        let checks = match r {
            Ok(o) => &o.checks,
            Err(c) => c,
        };
        checks.iter().map(|c| (c.rule.clone(), c.passed)).collect()
    }

    #[test]
    fn a_warning_needs_a_failed_test() {
        let passing = Some(vec![Check::new("exit.sales_per_m2", true)]);
        let warn = step(Step::Warn { deadline: "2027-03-31".into() });
        let r = decide_step(&warn, passing, None, "2026-12-02");
        assert_eq!(rules_of(&r), vec![("exit.sales_per_m2".into(), true), ("exit.must_fail".into(), false)]);
        assert!(r.is_err());
        let r = decide_step(&warn, failing(), None, "2026-12-02").unwrap();
        assert_eq!((r.kind, r.deadline.as_deref()), ("warned", Some("2027-03-31")));
        // No figures: the test fails for want of them, and that is what the warning rests on.
        let r = decide_step(&warn, None, None, "2026-12-02").unwrap();
        assert_eq!(rules_of(&Ok(r)), vec![("exit.has_figures".into(), false)]);
    }

    #[test]
    fn an_eviction_needs_a_warning_whose_deadline_has_passed() {
        let evict = step(Step::Evict);
        let r = decide_step(&evict, failing(), None, "2026-12-02");
        assert!(rules_of(&r).contains(&("exit.warned".into(), false)));
        let r = decide_step(&evict, failing(), Some("2026-12-02"), "2026-12-02");
        assert!(rules_of(&r).contains(&("exit.deadline_passed".into(), false)), "the deadline day itself is not past");
        let r = decide_step(&evict, failing(), Some("2026-12-01"), "2026-12-02").unwrap();
        assert_eq!(r.kind, "evicted");
        assert!(r.checks.iter().all(|c| c.passed), "the test's own failures are shown as grounds, not blocks");
    }

    #[test]
    fn a_step_form_is_checked_field_by_field() {
        let form = |step: &str, reason: &str, deadline: &str| StepForm {
            step: step.into(),
            reason: reason.into(),
            deadline: deadline.into(),
        };
        let fields =
            |f: StepForm| f.validate("2026-12-02").unwrap_err().0.into_iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(form("test", "", "").validate("2026-12-02").unwrap().step, Step::Test);
        assert_eq!(fields(form("warn", "x", "2026-12-02")), vec!["error.deadline_not_after_today"]);
        assert_eq!(fields(form("evict", "", "")), vec!["error.required"]);
        assert_eq!(fields(form("expel", "x", "")), vec!["error.unknown_choice"]);
    }
}
