//! Township target assessment: monthly supervision (月度督查) of each township's parks against
//! their plans, ranked, and the quarterly bulletin (季度通报) generated from it, as a printable
//! page and a workbook. The county and the townships read it (a bulletin is sent to every
//! township); it shows townships' totals, never another township's parks. The county sets each
//! township's own yearly targets (enterprises admitted, 小升规, tax per 亩) beside its parks'
//! plans, with the `Assessor` capability. This feature declares its own routes.

pub mod api;
pub mod pages;

use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get, post, put};

pub fn routes() -> Vec<(RouteSpec, Routed)> {
    vec![
        (
            api(
                "GET",
                "/api/v1/supervision",
                "supervision",
                "Townships against their targets at a month's end, ranked",
            ),
            get(api::supervision),
        ),
        (
            api("GET", "/api/v1/supervision/bulletin.xlsx", "supervision", "The quarterly bulletin as a workbook"),
            get(api::bulletin_xlsx),
        ),
        (
            api(
                "GET",
                "/api/v1/supervision/targets",
                "supervision",
                "The county's targets for the townships in a year",
            ),
            get(api::targets),
        ),
        (
            api("PUT", "/api/v1/supervision/targets", "supervision", "Set a year's targets for the townships (county)"),
            put(api::set_targets),
        ),
        (page("GET", "/supervision", "Townships' monthly supervision"), get(pages::supervision)),
        (page("GET", "/supervision/bulletin", "The quarterly bulletin, printable"), get(pages::bulletin)),
        (page("GET", "/supervision/targets", "The townships' targets of a year"), get(pages::targets)),
        (page("POST", "/supervision/targets", "Set the townships' targets of a year"), post(pages::set_targets)),
    ]
}

use crate::error::AppError;
use serde::Serialize;
use std::collections::HashMap;
use weiyuan_domain::access::{Actor, ParkScope, Role};
use weiyuan_domain::codes::township;
use weiyuan_domain::policies::scaled_up;
use weiyuan_domain::progress::Month;
use weiyuan_domain::supervision::{
    COUNT, COUNTY_TARGETS_AT, TargetsForm, TownshipRow, TownshipTargets, admitted_by, supervise, verdict,
};
use weiyuan_domain::units::Fixed2;
use weiyuan_domain::validation::{Checker, FieldError, Invalid};
use weiyuan_store::AuditCtx;
use weiyuan_store::Store;
use weiyuan_store::reports::{GroupBy, ReportFilter, Totals};

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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

/// `year` as typed in a query; empty: the year of the last month that has ended.
pub fn year_of(text: &str) -> Result<i32, AppError> {
    if text.trim().is_empty() {
        return Ok(month_of("")?.year);
    }
    let mut c = Checker::new();
    let year = c.integer("year", text, Month::FIRST_YEAR as i64, 2100) as i32;
    Ok(c.finish(year)?)
}

/// Every township with parks, at the end of `month`: its parks' plans for the year and the
/// county's targets for it, what the progress reports and the enterprises' reports show up to
/// that month, the completion and the rank.
pub async fn supervision(store: &Store, actor: &Actor, month: Month) -> Result<Supervision, AppError> {
    if !matches!(actor.role, Role::County | Role::Township) {
        return Err(AppError::Forbidden);
    }
    let parks = store.list_parks(&ParkScope::All).await?;
    let plans = store.list_plans(&ParkScope::All).await?;
    let reports = store.list_reports(&ParkScope::All).await?;
    let targets = store.township_targets(month.year).await?;
    let first = Month::new(month.year, 1).unwrap_or(month);
    let (totals, years) = enterprise_figures(store, first, month).await?;
    let enterprises = store.list_enterprises_in(&ParkScope::All).await?;
    // Each enterprise counted once, under its park's township: (admitted, 小升规) per township.
    let township_of: HashMap<i64, &str> = parks.iter().map(|p| (p.id, p.township_code.as_str())).collect();
    let mut counted: HashMap<&str, (f64, f64)> = HashMap::new();
    for e in &enterprises {
        let Some(code) = township_of.get(&e.park_id) else { continue };
        let (revenue, prior) = years.get(&e.id).copied().unwrap_or((Fixed2::ZERO, None));
        let c = counted.entry(code).or_default();
        c.0 += f64::from(u8::from(admitted_by(e.entry_date.as_deref(), month)));
        c.1 += f64::from(u8::from(scaled_up(e.size, revenue, prior)));
    }
    let (output_at, tax_at) = (figure("output"), figure("tax"));
    let mut codes: Vec<String> = parks.iter().map(|p| p.township_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let inputs: Vec<(String, [f64; COUNT], [f64; COUNT])> = codes
        .into_iter()
        .map(|code| {
            let ids: Vec<i64> = parks.iter().filter(|p| p.township_code == code).map(|p| p.id).collect();
            let mut plan = [0.0; COUNT];
            for (_, y) in plans.iter().filter(|(id, y)| ids.contains(id) && y.year == month.year) {
                let f = &y.figures;
                plan[0] += f.land_supply_mu.map(|v| v.as_f64()).unwrap_or(0.0);
                plan[1] += f.construction_start_mu.map(|v| v.as_f64()).unwrap_or(0.0);
                plan[2] += f.completion_m2.map(|v| v.as_f64()).unwrap_or(0.0);
                // Money is in 分: 1 亿元 = 10¹⁰ 分.
                plan[3] += f.output.map(|m| m.0 as f64 / 1e10).unwrap_or(0.0);
            }
            if let Some(t) = targets.iter().find(|t| t.township_code == code) {
                plan[COUNTY_TARGETS_AT..].copy_from_slice(&t.plans());
            }
            let mut actual = [0.0; COUNT];
            for r in reports.iter().filter(|r| ids.contains(&r.park_id) && r.month >= first && r.month <= month) {
                actual[0] += r.land_supplied_mu.as_f64();
                actual[1] += r.started_mu.as_f64();
                actual[2] += r.completed_m2.as_f64();
            }
            // The parks' enterprises: output in 万元 → 亿元; tax per 亩 of the land of the parks
            // whose enterprises reported (the analysis's rule: land that produced nothing is not
            // divided by).
            let (mut output, mut tax, mut land) = (Fixed2::ZERO, Fixed2::ZERO, Fixed2::ZERO);
            for p in parks.iter().filter(|p| p.township_code == code) {
                if let Some(t) = totals.get(&p.id).filter(|t| t.reports > 0) {
                    output += t.sums[output_at];
                    tax += t.sums[tax_at];
                    land += p.land_mu;
                }
            }
            actual[3] = output.as_f64() / 10_000.0;
            (actual[4], actual[5]) = counted.get(code.as_str()).copied().unwrap_or_default();
            actual[6] = if land > Fixed2::ZERO { (tax.as_f64() / land.as_f64() * 100.0).round() / 100.0 } else { 0.0 };
            (code, plan, actual)
        })
        .collect();
    let rows = supervise(month, &inputs);
    let (best, lagging) = verdict(&rows);
    Ok(Supervision { month, rows, best, lagging })
}

fn figure(key: &str) -> usize {
    weiyuan_domain::reports::index(key).unwrap_or(0)
}

/// The enterprises' reports from `first` to `last`: totals per park, and per enterprise its
/// revenue in that span with its revenue in the year before (when it reported then).
async fn enterprise_figures(
    store: &Store,
    first: Month,
    last: Month,
) -> Result<(HashMap<i64, Totals>, HashMap<i64, (Fixed2, Option<Fixed2>)>), AppError> {
    let all = ReportFilter::default();
    let by_park = store.report_totals(&ParkScope::All, &all, first, last, GroupBy::Park).await?;
    let now = store.report_totals(&ParkScope::All, &all, first, last, GroupBy::Enterprise).await?;
    let (before_first, before_last) = (first.back(12), first.back(1));
    let before = store.report_totals(&ParkScope::All, &all, before_first, before_last, GroupBy::Enterprise).await?;
    let id = |t: &Totals| t.key.parse::<i64>().ok();
    let revenue = figure("revenue");
    let prior: HashMap<i64, Fixed2> =
        before.iter().filter(|t| t.reports > 0).filter_map(|t| Some((id(t)?, t.sums[revenue]))).collect();
    let years = now.iter().filter_map(|t| Some((id(t)?, (t.sums[revenue], prior.get(&id(t)?).copied())))).collect();
    Ok((by_park.into_iter().filter_map(|t| Some((id(&t)?, t))).collect(), years))
}

/// A year's targets for the townships with parks, as stored (a township without a row has none).
pub async fn targets(store: &Store, actor: &Actor, year: i32) -> Result<Vec<TownshipTargets>, AppError> {
    if !matches!(actor.role, Role::County | Role::Township) {
        return Err(AppError::Forbidden);
    }
    Ok(store.township_targets(year).await?)
}

/// Set a year's targets (the county): the form is checked whole, and the year's targets are
/// replaced by it in one transaction with its audit entry.
pub async fn set_targets(
    store: &Store,
    actor: &Actor,
    form: &TargetsForm,
) -> Result<(i32, Vec<TownshipTargets>), AppError> {
    let assessor = actor.assessor()?;
    let (year, targets) = form.validate()?;
    let saved = store.set_township_targets(&assessor, &AuditCtx::from(actor), year, &targets).await?;
    Ok((year, saved))
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
