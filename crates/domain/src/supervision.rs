//! Township target assessment (五, 月度督查 and 季度通报): each township's yearly targets are the
//! plan figures of its parks (annexes 6–7: land supplied, construction started, floor area
//! completed, output); by the end of month M the time-proportional share (序时进度) M/12 of each
//! is due. A township's completion is the mean over its figures of actual ÷ due, each capped at
//! 120 % so that one runaway figure cannot hide another that lags; townships rank by it. The
//! quarterly bulletin names the best (rank 1, ties included) and the lagging (under 100 %, worst
//! first).

use crate::progress::Month;
use serde::Serialize;

/// The figures assessed, in their units: 亩, 亩, m², 亿元.
pub const FIGURES: [(&str, &str); 4] =
    [("land_supply_mu", "亩"), ("construction_start_mu", "亩"), ("completion_m2", "m²"), ("output", "亿元")];

/// A figure's completion is capped at this share of what is due.
pub const CAP_PCT: f64 = 120.0;

#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize)]
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
pub fn supervise(month: Month, inputs: &[(String, [f64; 4], [f64; 4])]) -> Vec<TownshipRow> {
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
                // 60 of 50 亩 due (120 %), 10 of 20 (50 %), 0 of 0 (nothing due), 1 of 2 亿元 (50 %).
                ("A".into(), [100.0, 40.0, 0.0, 4.0], [60.0, 10.0, 5.0, 1.0]),
                // 300 % is capped at 120: (120 + 120) / 2.
                ("B".into(), [10.0, 10.0, 0.0, 0.0], [15.0, 6.0, 0.0, 0.0]),
                ("C".into(), [0.0; 4], [1.0, 0.0, 0.0, 0.0]),
                ("D".into(), [100.0, 40.0, 0.0, 4.0], [60.0, 10.0, 5.0, 1.0]),
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
    fn quarters_end_in_march_june_september_december() {
        assert_eq!(quarter_end("2026-Q3"), Some(m("2026-09")));
        assert_eq!(quarter_end("2026-Q1"), Some(m("2026-03")));
        assert_eq!(quarter_end("2026-Q5"), None);
        assert_eq!(quarter_end("2026Q3"), None);
    }
}
