//! Township target assessment (五, 月度督查 and 季度通报): each township's yearly targets are the
//! plan figures of its parks (annexes 6–7: land supplied, construction started, floor area
//! completed, output) and the county's own targets for the township (enterprises admitted,
//! 小升规, tax per 亩); by the end of month M the time-proportional share (序时进度) M/12 of each
//! is due. A township's completion is the mean over its figures of actual ÷ due, each capped at
//! 120 % so that one runaway figure cannot hide another that lags; townships rank by it. The
//! quarterly bulletin names the best (rank 1, ties included) and the lagging (under 100 %, worst
//! first).

use crate::progress::Month;
use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

/// How many figures are assessed.
pub const COUNT: usize = 7;

/// The figures assessed, in their units: the parks' plans (亩, 亩, m², 亿元), then the county's
/// targets (家, 家, 万元/亩).
pub const FIGURES: [(&str, &str); COUNT] = [
    ("land_supply_mu", "亩"),
    ("construction_start_mu", "亩"),
    ("completion_m2", "m²"),
    ("output", "亿元"),
    ("admitted", "家"),
    ("scaled_up", "家"),
    ("tax_per_mu", "万元/亩"),
];

/// Where the county's targets start in `FIGURES`.
pub const COUNTY_TARGETS_AT: usize = 4;

/// A figure's completion is capped at this share of what is due.
pub const CAP_PCT: f64 = 120.0;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Item {
    pub key: &'static str,
    pub unit: &'static str,
    /// The year's plan.
    pub plan: f64,
    /// Due by the end of the month: plan × month / 12.
    pub due: f64,
    /// Reached in the year up to the end of the month.
    pub actual: f64,
    /// actual ÷ due × 100, when something is due.
    pub pct_of_due: Option<f64>,
    /// actual ÷ plan × 100, when there is a plan.
    pub pct_of_plan: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TownshipRow {
    pub code: String,
    pub items: Vec<Item>,
    /// Mean of the capped completions over the figures with something due; None when nothing is.
    pub score: Option<f64>,
    /// 1 = best; townships without a score rank last, together.
    pub rank: u32,
    pub lagging: bool,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Rank the townships at the end of `month` from (code, plans, actuals), figures in `FIGURES` order.
pub fn supervise(month: Month, inputs: &[(String, [f64; COUNT], [f64; COUNT])]) -> Vec<TownshipRow> {
    let share = month.month as f64 / 12.0;
    let mut rows: Vec<TownshipRow> = inputs
        .iter()
        .map(|(code, plan, actual)| {
            let items: Vec<Item> = FIGURES
                .iter()
                .enumerate()
                .map(|(i, (key, unit))| {
                    let due = plan[i] * share;
                    Item {
                        key,
                        unit,
                        plan: plan[i],
                        due: round2(due),
                        actual: actual[i],
                        pct_of_due: (due > 0.0).then(|| round2(actual[i] / due * 100.0)),
                        pct_of_plan: (plan[i] > 0.0).then(|| round2(actual[i] / plan[i] * 100.0)),
                    }
                })
                .collect();
            let scored: Vec<f64> = items.iter().filter_map(|i| i.pct_of_due).map(|p| p.min(CAP_PCT)).collect();
            let score = (!scored.is_empty()).then(|| round2(scored.iter().sum::<f64>() / scored.len() as f64));
            TownshipRow { code: code.clone(), items, score, rank: 0, lagging: score.is_some_and(|s| s < 100.0) }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &TownshipRow| r.score.map(|s| -(s * 100.0).round() as i64).unwrap_or(i64::MAX);
        key(a).cmp(&key(b)).then(a.code.cmp(&b.code))
    });
    let n = rows.len();
    for i in 0..n {
        rows[i].rank = if i > 0 && rows[i].score == rows[i - 1].score { rows[i - 1].rank } else { i as u32 + 1 };
    }
    rows
}

/// The bulletin's verdict: the best (rank 1 with a score) and the lagging, worst first.
pub fn verdict(rows: &[TownshipRow]) -> (Vec<String>, Vec<String>) {
    let best = rows.iter().filter(|r| r.rank == 1 && r.score.is_some()).map(|r| r.code.clone()).collect();
    let mut lagging: Vec<&TownshipRow> = rows.iter().filter(|r| r.lagging).collect();
    lagging.sort_by(|a, b| a.score.partial_cmp(&b.score).unwrap_or(std::cmp::Ordering::Equal));
    (best, lagging.into_iter().map(|r| r.code.clone()).collect())
}

/// The county's targets for one township in a year; `None`: no target for that figure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TownshipTargets {
    pub township_code: String,
    /// Enterprises admitted to its parks in the year (家).
    pub admitted: Option<i64>,
    /// 小升规 in its parks in the year (家), counted by `policies::scaled_up`.
    pub scaled_up: Option<i64>,
    /// Tax per 亩 of its producing parks' land in the year (万元/亩).
    pub tax_per_mu: Option<Fixed2>,
}

impl TownshipTargets {
    /// The targets as plan figures, in `FIGURES` order from `COUNTY_TARGETS_AT` (0 for none).
    pub fn plans(&self) -> [f64; COUNT - COUNTY_TARGETS_AT] {
        [
            self.admitted.unwrap_or(0) as f64,
            self.scaled_up.unwrap_or(0) as f64,
            self.tax_per_mu.map(|v| v.as_f64()).unwrap_or(0.0),
        ]
    }
}

/// One township's targets as typed: empty is no target.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TargetsRowForm {
    pub township_code: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub admitted: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub scaled_up: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub tax_per_mu: String,
}

/// A year's targets for the townships, as the county types them.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TargetsForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub year: String,
    pub targets: Vec<TargetsRowForm>,
}

/// The most a township can be set to admit or to bring above the size line in a year.
pub const MAX_COUNT_TARGET: i64 = 100_000;
/// The highest tax per 亩 a target may name (万元/亩).
pub const MAX_TAX_PER_MU: Fixed2 = Fixed2::from_units(10_000);

impl TargetsForm {
    /// The year and its targets, rows without any target left out. Fields are named
    /// `<township code>.<figure>`, as the page names its inputs; a township the county does not
    /// have, or one named twice, is refused by its code.
    pub fn validate(&self) -> Result<(i32, Vec<TownshipTargets>), Invalid> {
        let mut c = Checker::new();
        let year = c.integer("year", &self.year, Month::FIRST_YEAR as i64, 2100) as i32;
        let mut out: Vec<TownshipTargets> = Vec::new();
        for row in &self.targets {
            let code = row.township_code.trim();
            if crate::codes::township(code).is_none() {
                c.push(FieldError::new("township_code", "error.unknown_township").with("value", code));
                continue;
            }
            if out.iter().any(|t| t.township_code == code) {
                c.push(FieldError::new("township_code", "supervision.targets.repeated").with("value", code));
                continue;
            }
            let count = |c: &mut Checker, key: &str, v: &str| {
                (!v.trim().is_empty()).then(|| c.integer(&format!("{code}.{key}"), v, 0, MAX_COUNT_TARGET))
            };
            let admitted = count(&mut c, "admitted", &row.admitted);
            let scaled_up = count(&mut c, "scaled_up", &row.scaled_up);
            let tax_per_mu = (!row.tax_per_mu.trim().is_empty())
                .then(|| c.decimal(&format!("{code}.tax_per_mu"), &row.tax_per_mu, Fixed2::ZERO, MAX_TAX_PER_MU));
            let t = TownshipTargets { township_code: code.to_string(), admitted, scaled_up, tax_per_mu };
            if t.admitted.is_some() || t.scaled_up.is_some() || t.tax_per_mu.is_some() {
                out.push(t);
            }
        }
        out.sort_by(|a, b| a.township_code.cmp(&b.township_code));
        c.finish((year, out))
    }
}

/// Admitted in the year of `month`, up to its end: an entry date (`YYYY-MM-DD`) in that span.
pub fn admitted_by(entry_date: Option<&str>, month: Month) -> bool {
    let Some(d) = entry_date else { return false };
    let (first, last) = (format!("{:04}-01", month.year), month.to_string());
    d.get(..7).is_some_and(|m| m >= first.as_str() && m <= last.as_str())
}

/// A quarter as written on a bulletin, `2026-Q3`: its last month.
pub fn quarter_end(text: &str) -> Option<Month> {
    let (y, q) = text.trim().split_once("-Q")?;
    let year: i32 = y.parse().ok()?;
    let q: u32 = q.parse().ok()?;
    if !(1..=4).contains(&q) || year < Month::FIRST_YEAR {
        return None;
    }
    Month::new(year, q * 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str) -> Month {
        Month::parse(t).unwrap()
    }

    #[test]
    fn townships_rank_by_their_capped_completion_of_what_is_due() {
        // End of June: half of each year's plan is due.
        let rows = supervise(
            m("2026-06"),
            &[
                // 60 of 50 亩 due (120 %), 10 of 20 (50 %), 0 of 0 (nothing due), 1 of 2 亿元 (50 %),
                // no county targets.
                ("A".into(), [100.0, 40.0, 0.0, 4.0, 0.0, 0.0, 0.0], [60.0, 10.0, 5.0, 1.0, 3.0, 1.0, 2.0]),
                // 300 % is capped at 120: (120 + 120) / 2.
                ("B".into(), [10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0], [15.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
                ("C".into(), [0.0; COUNT], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
                ("D".into(), [100.0, 40.0, 0.0, 4.0, 0.0, 0.0, 0.0], [60.0, 10.0, 5.0, 1.0, 0.0, 0.0, 0.0]),
            ],
        );
        let got: Vec<(&str, Option<f64>, u32, bool)> =
            rows.iter().map(|r| (r.code.as_str(), r.score, r.rank, r.lagging)).collect();
        assert_eq!(
            got,
            vec![
                ("B", Some(120.0), 1, false),
                ("A", Some(73.33), 2, true),
                ("D", Some(73.33), 2, true),
                ("C", None, 4, false)
            ]
        );
        let a = &rows[1].items;
        assert_eq!((a[0].due, a[0].pct_of_due, a[0].pct_of_plan), (50.0, Some(120.0), Some(60.0)));
        assert_eq!(a[2].pct_of_due, None);
        assert_eq!(verdict(&rows), (vec!["B".to_string()], vec!["A".to_string(), "D".to_string()]));
    }

    #[test]
    fn the_countys_targets_count_like_the_plans() {
        // End of March: a quarter of each target is due. 12 enterprises to admit (3 due, 2 in:
        // 66.67 %), 4 小升规 (1 due, 1 reached: 100 %), 20 万元/亩 (5 due, 6.5 reached: 120 % capped
        // from 130): (66.67 + 100 + 120) / 3.
        let rows = supervise(
            m("2026-03"),
            &[("A".into(), [0.0, 0.0, 0.0, 0.0, 12.0, 4.0, 20.0], [0.0, 0.0, 0.0, 0.0, 2.0, 1.0, 6.5])],
        );
        let r = &rows[0];
        assert_eq!(r.items[4].pct_of_due, Some(66.67));
        assert_eq!((r.items[6].due, r.items[6].pct_of_due), (5.0, Some(130.0)));
        assert_eq!(r.score, Some(95.56));
        assert!(r.lagging);
    }

    fn form(year: &str, rows: &[(&str, &str, &str, &str)]) -> TargetsForm {
        TargetsForm {
            year: year.into(),
            targets: rows
                .iter()
                .map(|(c, a, s, t)| TargetsRowForm {
                    township_code: c.to_string(),
                    admitted: a.to_string(),
                    scaled_up: s.to_string(),
                    tax_per_mu: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn targets_are_refused_field_by_field() {
        let (year, t) = form("2026", &[("330326103", "12", "", "20.5"), ("330326100", "", "", "")]).validate().unwrap();
        assert_eq!(year, 2026);
        // A township without any target is left out.
        assert_eq!(
            t,
            vec![TownshipTargets {
                township_code: "330326103".into(),
                admitted: Some(12),
                scaled_up: None,
                tax_per_mu: Some(Fixed2::parse("20.5").unwrap())
            }]
        );
        let e = form(
            "1999",
            &[("330326103", "-1", "2.5", "1.005"), ("330326103", "1", "", ""), ("999999999", "1", "", "")],
        )
        .validate()
        .unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("year", "error.out_of_range"),
                ("330326103.admitted", "error.out_of_range"),
                ("330326103.scaled_up", "error.not_integer"),
                ("330326103.tax_per_mu", "error.too_many_decimals"),
                ("township_code", "supervision.targets.repeated"),
                ("township_code", "error.unknown_township"),
            ]
        );
    }

    #[test]
    fn admitted_means_entered_in_the_year_up_to_the_month() {
        let june = m("2026-06");
        assert!(admitted_by(Some("2026-01-01"), june) && admitted_by(Some("2026-06-30"), june));
        assert!(!admitted_by(Some("2025-12-31"), june) && !admitted_by(Some("2026-07-01"), june));
        assert!(!admitted_by(None, june) && !admitted_by(Some(""), june));
    }

    #[test]
    fn quarters_end_in_march_june_september_december() {
        assert_eq!(quarter_end("2026-Q3"), Some(m("2026-09")));
        assert_eq!(quarter_end("2026-Q1"), Some(m("2026-03")));
        assert_eq!(quarter_end("2026-Q5"), None);
        assert_eq!(quarter_end("2026Q3"), None);
    }
}
