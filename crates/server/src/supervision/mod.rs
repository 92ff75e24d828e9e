//! Township target assessment: monthly supervision (月度督查) of each township's parks against
//! their plans, ranked, and the quarterly bulletin (季度通报) generated from it, as a printable
//! page and a workbook. The county and the townships read it (a bulletin is sent to every
//! township); it shows townships' totals, never another township's parks.

pub mod api;
pub mod pages;

use crate::error::AppError;
use serde::Serialize;
use weiyuan_domain::access::{Actor, ParkScope, Role};
use weiyuan_domain::codes::township;
use weiyuan_domain::progress::Month;
use weiyuan_domain::supervision::{TownshipRow, supervise, verdict};
use weiyuan_domain::validation::{FieldError, Invalid};
use weiyuan_store::Store;
use weiyuan_store::reports::{GroupBy, ReportFilter};

#[derive(Clone, Debug, Serialize)]
pub struct Supervision {
    pub month: Month,
    pub rows: Vec<TownshipRow>,
    /// Codes of the best townships and of the lagging ones, worst first.
    pub best: Vec<String>,
    pub lagging: Vec<String>,
}

pub fn township_name(code: &str) -> String {
    township(code).map(|t| t.name.to_string()).unwrap_or_else(|| code.to_string())
}

/// A month typed in a query: empty is the last month that has ended; a month not yet over is refused.
pub fn month_of(text: &str) -> Result<Month, AppError> {
    let last = crate::progress::last_complete_month(weiyuan_store::now_ms());
    if text.trim().is_empty() {
        return Ok(last);
    }
    let m = Month::parse(text.trim())
        .filter(|m| m.year >= Month::FIRST_YEAR)
        .ok_or_else(|| Invalid::one(FieldError::new("month", "error.month_format")))?;
    if m > last {
        return Err(Invalid::one(FieldError::new("month", "supervision.not_over").with("month", m)).into());
    }
    Ok(m)
}

/// Every township with parks, at the end of `month`: its parks' plans for the year, what their
/// progress reports and enterprises' reports show up to that month, the completion and the rank.
pub async fn supervision(store: &Store, actor: &Actor, month: Month) -> Result<Supervision, AppError> {
    if !matches!(actor.role, Role::County | Role::Township) {
        return Err(AppError::Forbidden);
    }
    let parks = store.list_parks(&ParkScope::All).await?;
    let plans = store.list_plans(&ParkScope::All).await?;
    let reports = store.list_reports(&ParkScope::All).await?;
    let first = Month::new(month.year, 1).unwrap_or(month);
    let output =
        store.report_totals(&ParkScope::All, &ReportFilter::default(), first, month, GroupBy::Township).await?;
    let output_index = weiyuan_domain::reports::index("output").unwrap_or(0);
    let mut codes: Vec<String> = parks.iter().map(|p| p.township_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let inputs: Vec<(String, [f64; 4], [f64; 4])> = codes
        .into_iter()
        .map(|code| {
            let ids: Vec<i64> = parks.iter().filter(|p| p.township_code == code).map(|p| p.id).collect();
            let mut plan = [0.0; 4];
            for (_, y) in plans.iter().filter(|(id, y)| ids.contains(id) && y.year == month.year) {
                let f = &y.figures;
                plan[0] += f.land_supply_mu.map(|v| v.as_f64()).unwrap_or(0.0);
                plan[1] += f.construction_start_mu.map(|v| v.as_f64()).unwrap_or(0.0);
                plan[2] += f.completion_m2.map(|v| v.as_f64()).unwrap_or(0.0);
                // Money is in 分: 1 亿元 = 10¹⁰ 分.
                plan[3] += f.output.map(|m| m.0 as f64 / 1e10).unwrap_or(0.0);
            }
            let mut actual = [0.0; 4];
            for r in reports.iter().filter(|r| ids.contains(&r.park_id) && r.month >= first && r.month <= month) {
                actual[0] += r.land_supplied_mu.as_f64();
                actual[1] += r.started_mu.as_f64();
                actual[2] += r.completed_m2.as_f64();
            }
            // Enterprises' output in 万元 → 亿元.
            actual[3] =
                output.iter().find(|t| t.key == code).map(|t| t.sums[output_index].as_f64() / 10_000.0).unwrap_or(0.0);
            (code, plan, actual)
        })
        .collect();
    let rows = supervise(month, &inputs);
    let (best, lagging) = verdict(&rows);
    Ok(Supervision { month, rows, best, lagging })
}

/// The workbook of a bulletin: one row per township, in rank order, units in the headers.
pub fn bulletin_xlsx(s: &Supervision, title: &str, lang: weiyuan_domain::access::Lang) -> Result<Vec<u8>, AppError> {
    use crate::exchange::Out;
    use crate::i18n::t;
    let mut headers: Vec<String> =
        vec![t(lang, "supervision.rank").to_string(), t(lang, "supervision.township").to_string()];
    for (key, unit) in weiyuan_domain::supervision::FIGURES {
        let name = t(lang, &format!("supervision.figure.{key}"));
        headers.push(format!("{name}{}（{unit}）", t(lang, "supervision.plan")));
        headers.push(format!("{name}{}（{unit}）", t(lang, "supervision.due")));
        headers.push(format!("{name}{}（{unit}）", t(lang, "supervision.actual")));
        headers.push(format!("{name}{}（%）", t(lang, "supervision.pct_of_due")));
    }
    headers.push(format!("{}（%）", t(lang, "supervision.score")));
    let rows: Vec<Vec<Out>> = s
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![Out::Num(r.rank as f64), Out::text(township_name(&r.code))];
            for i in &r.items {
                row.push(Out::Num(i.plan));
                row.push(Out::Num(i.due));
                row.push(Out::Num((i.actual * 100.0).round() / 100.0));
                row.push(i.pct_of_due.map(Out::Num).unwrap_or(Out::Empty));
            }
            row.push(r.score.map(Out::Num).unwrap_or(Out::Empty));
            row
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut widths = vec![6.0, 14.0];
    widths.extend(std::iter::repeat_n(12.0, refs.len() - 2));
    crate::exchange::one_sheet(t(lang, "supervision.sheet"), title, &refs, &widths, &rows, &[])
        .map_err(|e| AppError::Internal(e.to_string()))
}
