//! Economic analysis (经济运行数据分析): report totals for any set of enterprises (park, township,
//! industry section or division, size, tag) and period, with year-on-year and month-on-month
//! changes, the seed's per-unit indicators, the 2022 park targets (tax 25 and sales 250 万元/亩),
//! rankings and a breakdown by industry. Totals are summed in SQL; nothing loads the rows.

use crate::cache::Shelf;
use crate::error::AppError;
use crate::exchange::{FileFormat, Out};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use weiyuan_domain::access::Actor;
use weiyuan_domain::analysis::{Indicators, change_pct, indicators};
use weiyuan_domain::industry;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{N, index};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::Store;
use weiyuan_store::reports::{GroupBy, ReportFilter, Totals};

/// The seed's 2022 park targets, 万元 per 亩 a year.
pub const TARGET_TAX_PER_MU: Fixed2 = Fixed2::from_units(25);
pub const TARGET_SALES_PER_MU: Fixed2 = Fixed2::from_units(250);

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AnalysisQuery {
    pub from: String,
    pub to: String,
    pub park_id: String,
    pub township: String,
    /// A section letter (C) or a division (C34).
    pub industry: String,
    pub size: String,
    pub tag: String,
    /// The drill-down's order: the figure (a report field key) whose enterprises are listed.
    pub field: String,
}

impl AnalysisQuery {
    /// Every value given must be one the analysis understands: a month it cannot read, a
    /// period that runs backwards, a park id that is not a number or a figure that does not
    /// exist is refused on its field (never silently replaced by the default).
    pub fn validate(&self) -> Result<(), weiyuan_domain::Invalid> {
        use weiyuan_domain::FieldError;
        let mut c = weiyuan_domain::validation::Checker::new();
        let month = |c: &mut weiyuan_domain::validation::Checker, field: &str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            let m = Month::parse(v).filter(|m| (2000..=2100).contains(&m.year) && v.len() <= 7);
            if m.is_none() {
                c.push(FieldError::new(field, "error.month_format"));
            }
            m
        };
        let (from, to) = (month(&mut c, "from", &self.from), month(&mut c, "to", &self.to));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            c.push(FieldError::new("from", "error.from_after_to"));
        }
        if !self.park_id.trim().is_empty() && self.park_id.trim().parse::<u32>().is_err() {
            c.push(FieldError::new("park_id", "error.not_an_id"));
        }
        c.optional_choice("township", &self.township, weiyuan_domain::codes::township);
        c.optional_choice("industry", &self.industry, weiyuan_domain::industry::find);
        c.optional_choice("size", &self.size, weiyuan_domain::enterprises::EnterpriseSize::parse);
        c.optional_choice("tag", &self.tag, weiyuan_domain::enterprises::Tag::parse);
        let field = self.field.trim();
        if !field.is_empty() && !weiyuan_domain::reports::FIELDS.iter().any(|f| f.key == field) {
            c.push(FieldError::new("field", "error.unknown_choice").with("value", field));
        }
        c.finish(())
    }

    fn filter(&self) -> ReportFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ReportFilter {
            park_id: self.park_id.trim().parse().ok(),
            township: text(&self.township),
            industry: text(&self.industry),
            size: text(&self.size),
            tag: text(&self.tag),
        }
    }

    /// The period: `from`..`to`, by default the twelve months up to the last that has ended.
    pub fn period(&self) -> (Month, Month) {
        let last = crate::reports::last_month();
        let to = Month::parse(&self.to).filter(|m| *m <= last).unwrap_or(last);
        let from = Month::parse(&self.from).filter(|m| *m <= to).unwrap_or_else(|| to.back(11));
        (from, to)
    }

    /// Whether whole parks are selected (then land and floor area are the parks').
    fn whole_parks(&self) -> bool {
        self.industry.trim().is_empty() && self.size.trim().is_empty() && self.tag.trim().is_empty()
    }
}

fn sum(t: &Totals, key: &str) -> Fixed2 {
    index(key).map(|i| t.sums[i]).unwrap_or_default()
}

fn average(total: Fixed2, months: usize) -> Fixed2 {
    if months == 0 { Fixed2::ZERO } else { Fixed2((total.0 as f64 / months as f64).round() as i64) }
}

fn zero(key: &str) -> Totals {
    Totals { key: key.into(), reports: 0, enterprises: 0, sums: [Fixed2::ZERO; N] }
}

fn total(rows: &[Totals]) -> Totals {
    let mut t = zero("");
    for r in rows {
        t.reports += r.reports;
        t.enterprises = t.enterprises.max(r.enterprises);
        for i in 0..N {
            t.sums[i] += r.sums[i];
        }
    }
    t
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Change {
    pub key: &'static str,
    pub value: Fixed2,
    pub previous: Fixed2,
    pub yoy_pct: Option<Fixed2>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkRow {
    pub park_id: i64,
    pub park: String,
    pub land_mu: Fixed2,
    pub enterprises: i64,
    pub revenue: Fixed2,
    pub tax: Fixed2,
    pub sales: Fixed2,
    pub indicators: Indicators,
    pub meets_tax_target: bool,
    pub meets_sales_target: bool,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub enterprises: i64,
    pub revenue: Fixed2,
    pub tax: Fixed2,
    pub share_pct: Option<Fixed2>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Analysis {
    pub from: Month,
    pub to: Month,
    pub enterprises: i64,
    pub reports: i64,
    /// Each field's total over the period, against the same period a year before.
    pub changes: Vec<Change>,
    /// The last month against the month before, for revenue and tax.
    pub mom_revenue_pct: Option<Fixed2>,
    pub mom_tax_pct: Option<Fixed2>,
    /// Per-unit indicators over the period (annual figures per 亩 when the period is a year).
    pub indicators: Option<Indicators>,
    /// The land the per-mu indicators divide by: the parks whose enterprises reported in the period.
    pub land_mu: Fixed2,
    /// How many parks that land is.
    pub land_parks: usize,
    pub months: Vec<Totals>,
    pub months_last_year: Vec<Totals>,
    /// The twelve months up to `to`, per park, against the 2022 targets.
    pub parks: Vec<ParkRow>,
    pub divisions: Vec<DivisionRow>,
}

/// Analyses already computed, by scope, filters and period, at the report generation they were
/// computed at (`crate::cache`): a report written in any process bumps the generation in the
/// database, so a kept analysis is used only while no report has changed since; after a minute
/// (parks' land and floor area change without a report) it is computed again.
pub struct AnalysisCache {
    /// Shared, not copied: a province analysis holds 1,200 parks' rows, and every page that
    /// shows it (the big screen above all) would otherwise copy them on each request.
    analyses: Shelf<Arc<Analysis>>,
    /// The JSON reply of an analysis (and its gzipped copy), made once rather than on every request.
    replies: Shelf<crate::routing::Kept>,
    /// (active enterprises, filed) of the big screen, by scope and month.
    filing: Shelf<(usize, usize)>,
    /// The parks' live figures of the big screen, by scope, for five seconds.
    glances: Shelf<Arc<Vec<crate::telemetry::ParkGlance>>>,
    /// The big screen as served (its HTML and gzipped copy), by scope and language, at a report
    /// generation, made again after five seconds: a wall of screens asks for the same page.
    screens: Shelf<crate::routing::Kept>,
}

impl Default for AnalysisCache {
    fn default() -> Self {
        let minute = std::time::Duration::from_secs(60);
        AnalysisCache {
            analyses: Shelf::new(minute),
            replies: Shelf::new(minute),
            filing: Shelf::new(minute),
            glances: Shelf::new(std::time::Duration::from_secs(GLANCE_SECONDS as u64)),
            screens: Shelf::new(std::time::Duration::from_secs(GLANCE_SECONDS as u64)),
        }
    }
}

/// How long the big screen's live figures are kept: it refreshes itself every 30 s.
const GLANCE_SECONDS: i64 = 5;

/// The cache key of an analysis: the caller's scope, the period and the filters.
fn analysis_key(actor: &Actor, q: &AnalysisQuery) -> String {
    let (from, to) = q.period();
    format!(
        "{:?}|{from}|{to}|{}|{}|{}|{}|{}",
        actor.park_scope(),
        q.park_id.trim(),
        q.township.trim(),
        q.industry.trim().to_ascii_uppercase(),
        q.size.trim(),
        q.tag.trim()
    )
}

/// `analyse`, answered from the cache when nothing it reads has changed.
pub async fn analyse_cached(
    state: &crate::AppState,
    actor: &Actor,
    q: &AnalysisQuery,
) -> Result<Arc<Analysis>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    q.validate()?;
    let generation = state.store.report_generation().await?;
    analysis_at(state, actor, q, generation).await
}

/// The analysis at a report generation the caller has read (and a query it has checked).
async fn analysis_at(
    state: &crate::AppState,
    actor: &Actor,
    q: &AnalysisQuery,
    generation: i64,
) -> Result<Arc<Analysis>, AppError> {
    let compute = || async { analyse(&state.store, actor, q).await.map(Arc::new) };
    state.analyses.analyses.through(analysis_key(actor, q), generation, compute).await
}

/// The analysis as its JSON reply, serialised once per computed analysis.
pub async fn analysis_json(
    state: &crate::AppState,
    actor: &Actor,
    q: &AnalysisQuery,
) -> Result<crate::routing::Kept, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    q.validate()?;
    let generation = state.store.report_generation().await?;
    let compute = || async {
        let a = analysis_at(state, actor, q, generation).await?;
        let json = serde_json::to_vec(&*a).map_err(|e| AppError::Internal(e.to_string()))?;
        crate::routing::Kept::new(json).map_err(|e| AppError::Internal(e.to_string()))
    };
    state.analyses.replies.through(analysis_key(actor, q), generation, compute).await
}

/// Active enterprises of the caller's scope and how many filed a month, cached like analyses,
/// at a report generation the caller has read.
async fn filing_at(
    state: &crate::AppState,
    actor: &Actor,
    month: Month,
    generation: i64,
) -> Result<(usize, usize), AppError> {
    let scope = actor.park_scope();
    let compute = || async { Ok(state.store.filing_counts(&scope, month).await?) };
    state.analyses.filing.through(format!("{scope:?}|{month}"), generation, compute).await
}

/// The big screen's page for the caller's scope and language: made by `make` (from the kept
/// analysis, filing count and glances at one report generation) at most once per five seconds.
pub async fn screen_cached<F, Fut>(
    state: &crate::AppState,
    actor: &Actor,
    lang: weiyuan_domain::access::Lang,
    make: F,
) -> Result<crate::routing::Kept, AppError>
where
    F: FnOnce(Arc<Analysis>, (usize, usize), Arc<Vec<crate::telemetry::ParkGlance>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<crate::routing::Kept, AppError>> + Send + 'static,
{
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    // One read of the generation serves the analysis, the filing count and the page. A page of
    // the same generation older than five seconds is still served, at once, while a background
    // task makes the next (live figures move, no screen waits for them); a new generation is
    // made before answering.
    let generation = state.store.report_generation().await?;
    let key = format!("{:?}|{}", actor.park_scope(), lang.code());
    let (state, actor) = (state.clone(), actor.clone());
    let screens = state.analyses.screens.clone();
    let compute = move || async move {
        let q = AnalysisQuery::default();
        let a = analysis_at(&state, &actor, &q, generation).await?;
        let filing = filing_at(&state, &actor, a.to, generation).await?;
        let glances = glances_cached(&state, &actor).await?;
        make(a, filing, glances).await
    };
    screens.through_behind(key, generation, compute).await
}

/// Every park of the caller's scope at a glance (`telemetry::overview`), kept for five seconds.
pub async fn glances_cached(
    state: &crate::AppState,
    actor: &Actor,
) -> Result<Arc<Vec<crate::telemetry::ParkGlance>>, AppError> {
    let slot = weiyuan_store::now_ms() / (GLANCE_SECONDS * 1000);
    let compute = || async { crate::telemetry::overview(&state.store, actor).await.map(Arc::new) };
    state.analyses.glances.through(format!("{:?}", actor.park_scope()), slot, compute).await
}

pub async fn analyse(store: &Store, actor: &Actor, q: &AnalysisQuery) -> Result<Analysis, AppError> {
    let scope = actor.park_scope();
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    q.validate()?;
    let filter = q.filter();
    let (from, to) = q.period();
    let year_back = |m: Month| Month { year: m.year - 1, ..m };
    let months = store.report_totals(&scope, &filter, from, to, GroupBy::Month).await?;
    let months_last_year = store.report_totals(&scope, &filter, year_back(from), year_back(to), GroupBy::Month).await?;
    let (now, before) = (total(&months), total(&months_last_year));
    let changes = weiyuan_domain::reports::FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // Employees are a headcount: the period's average month, not a sum.
            let (value, previous) = if f.key == "employees" {
                (average(now.sums[i], months.len()), average(before.sums[i], months_last_year.len()))
            } else {
                (now.sums[i], before.sums[i])
            };
            Change { key: f.key, value, previous, yoy_pct: change_pct(value, previous) }
        })
        .collect();
    let month_sum =
        |m: Month, key: &str| months.iter().find(|t| t.key == m.to_string()).map(|t| sum(t, key)).unwrap_or_default();
    let mom = |key: &str| change_pct(month_sum(to, key), month_sum(to.prev(), key));
    // Land and floor area of the whole parks whose enterprises reported in the period: a park
    // not yet built (or with no one reporting) produced none of the revenue, so its land does not
    // divide it.
    let parks = store.list_parks(&scope).await?;
    let producing = store.report_totals(&scope, &filter, from, to, GroupBy::Park).await?;
    let chosen: Vec<_> = parks
        .iter()
        .filter(|p| {
            filter.park_id.is_none_or(|id| id == p.id)
                && filter.township.as_ref().is_none_or(|t| *t == p.township_code)
                && producing.iter().any(|t| t.key == p.id.to_string() && t.reports > 0)
        })
        .collect();
    let land_parks = chosen.len();
    let land: Fixed2 = chosen.iter().map(|p| p.land_mu).sum();
    let area: Fixed2 = chosen.iter().map(|p| p.building_area_m2).sum();
    let indicators_of = |t: &Totals, land: Fixed2, area: Fixed2| {
        indicators(
            sum(t, "revenue"),
            sum(t, "sales"),
            sum(t, "output"),
            sum(t, "tax"),
            sum(t, "electricity"),
            land,
            area,
        )
    };
    let indicators_all = q.whole_parks().then(|| indicators_of(&now, land, area));
    // Parks over the twelve months up to `to`.
    let by_park = store.report_totals(&scope, &filter, to.back(11), to, GroupBy::Park).await?;
    let mut park_rows: Vec<ParkRow> = by_park
        .iter()
        .filter_map(|t| {
            let p = parks.iter().find(|p| p.id.to_string() == t.key)?;
            let ind = indicators_of(t, p.land_mu, p.building_area_m2);
            Some(ParkRow {
                park_id: p.id,
                park: p.name.clone(),
                land_mu: p.land_mu,
                enterprises: t.enterprises,
                revenue: sum(t, "revenue"),
                tax: sum(t, "tax"),
                sales: sum(t, "sales"),
                meets_tax_target: ind.tax_per_mu.is_some_and(|v| v >= TARGET_TAX_PER_MU),
                meets_sales_target: ind.sales_per_mu.is_some_and(|v| v >= TARGET_SALES_PER_MU),
                indicators: ind,
            })
        })
        .collect();
    park_rows.sort_by_key(|p| std::cmp::Reverse(p.indicators.tax_per_mu));
    let by_division = store.report_totals(&scope, &filter, from, to, GroupBy::Division).await?;
    let all_revenue = sum(&now, "revenue");
    let mut divisions: Vec<DivisionRow> = by_division
        .iter()
        .map(|t| DivisionRow {
            code: t.key.clone(),
            name: industry::find(&t.key).map(|i| i.name.to_string()).unwrap_or_default(),
            enterprises: t.enterprises,
            revenue: sum(t, "revenue"),
            tax: sum(t, "tax"),
            share_pct: weiyuan_domain::analysis::ratio(sum(t, "revenue"), all_revenue, 100),
        })
        .collect();
    divisions.sort_by_key(|d| std::cmp::Reverse(d.revenue));
    Ok(Analysis {
        from,
        to,
        enterprises: months.iter().map(|t| t.enterprises).max().unwrap_or(0),
        reports: now.reports,
        changes,
        mom_revenue_pct: mom("revenue"),
        mom_tax_pct: mom("tax"),
        indicators: indicators_all,
        land_mu: land,
        land_parks,
        months,
        months_last_year,
        parks: park_rows,
        divisions,
    })
}

/// One enterprise behind a figure: its totals over the period (employees: its average month).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct BehindRow {
    pub enterprise_id: i64,
    pub name: String,
    pub credit_code: String,
    pub park_id: i64,
    pub park: String,
    pub industry_code: String,
    pub reports: i64,
    pub figures: std::collections::BTreeMap<&'static str, Fixed2>,
}

/// The enterprises behind the analysis's figures, largest first by `field`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Behind {
    pub from: Month,
    pub to: Month,
    pub field: &'static str,
    /// How many enterprises there are in all; `rows` holds at most `BEHIND_ROWS` of them.
    pub total: usize,
    pub rows: Vec<BehindRow>,
}

/// The rows a drill-down lists (its exports list all).
pub const BEHIND_ROWS: usize = 1000;

pub async fn behind(store: &Store, actor: &Actor, q: &AnalysisQuery, limit: usize) -> Result<Behind, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    q.validate()?;
    let (from, to) = q.period();
    let field =
        weiyuan_domain::reports::FIELDS.iter().find(|f| f.key == q.field.trim()).map(|f| f.key).unwrap_or("revenue");
    let i = index(field).unwrap_or(0);
    let mut totals = store.report_totals(&actor.park_scope(), &q.filter(), from, to, GroupBy::Enterprise).await?;
    totals.sort_by_key(|t| std::cmp::Reverse(t.sums[i]));
    let total = totals.len();
    totals.truncate(limit);
    let ids: Vec<i64> = totals.iter().filter_map(|t| t.key.parse().ok()).collect();
    let enterprises: std::collections::HashMap<i64, _> =
        store.enterprises_by_ids(&ids).await?.into_iter().map(|e| (e.id, e)).collect();
    let parks: std::collections::HashMap<i64, String> =
        store.list_parks(&actor.park_scope()).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let rows = totals
        .iter()
        .filter_map(|t| {
            let e = enterprises.get(&t.key.parse().ok()?)?;
            let figures = weiyuan_domain::reports::FIELDS
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let v = if f.key == "employees" { average(t.sums[i], t.reports as usize) } else { t.sums[i] };
                    (f.key, v)
                })
                .collect();
            Some(BehindRow {
                enterprise_id: e.id,
                name: e.name.clone(),
                credit_code: e.credit_code.clone(),
                park_id: e.park_id,
                park: parks.get(&e.park_id).cloned().unwrap_or_default(),
                industry_code: e.industry_code.clone(),
                reports: t.reports,
                figures,
            })
        })
        .collect();
    Ok(Behind { from, to, field, total, rows })
}

/// The columns of the drill-down, its page and its files.
pub const BEHIND_FIELDS: [&str; 7] = ["output", "revenue", "sales", "tax", "profit", "electricity", "employees"];

/// The drill-down as one table for a file.
pub fn behind_table(b: &Behind, lang: weiyuan_domain::access::Lang) -> Table {
    use crate::i18n::t;
    let unit = |k: &str| weiyuan_domain::reports::FIELDS.iter().find(|f| f.key == k).map(|f| f.unit).unwrap_or("");
    let headers = [
        t(lang, "field.name").to_string(),
        t(lang, "field.credit_code").into(),
        t(lang, "enterprises.park").into(),
        t(lang, "field.industry_code").into(),
        t(lang, "analysis.reports").into(),
    ]
    .into_iter()
    .chain(BEHIND_FIELDS.iter().map(|k| format!("{}（{}）", t(lang, &format!("report_field.{k}")), unit(k))))
    .collect();
    let rows = b
        .rows
        .iter()
        .map(|r| {
            [
                Out::text(&r.name),
                Out::text(&r.credit_code),
                Out::text(&r.park),
                Out::text(&r.industry_code),
                Out::Num(r.reports as f64),
            ]
            .into_iter()
            .chain(BEHIND_FIELDS.iter().map(|k| Out::fixed(r.figures.get(k).copied())))
            .collect()
        })
        .collect();
    (
        t(lang, "analysis.sheet_enterprises").to_string(),
        format!("{} {} — {}", t(lang, "analysis.behind"), b.from, b.to),
        headers,
        rows,
    )
}

pub mod api;

pub mod pages;

/// A table for a file: (sheet, title, headers with units, rows).
pub type Table = (String, String, Vec<String>, Vec<Vec<Out>>);

/// The analysis as tables for a file.
pub fn tables(a: &Analysis, lang: weiyuan_domain::access::Lang) -> Vec<Table> {
    use crate::i18n::t;
    let field = |k: &str| t(lang, &format!("report_field.{k}"));
    let unit = |k: &str| weiyuan_domain::reports::FIELDS.iter().find(|f| f.key == k).map(|f| f.unit).unwrap_or("");
    let period = format!("{} — {}", a.from, a.to);
    let pct = |v: Option<Fixed2>| Out::fixed(v);
    let changes = (
        t(lang, "analysis.sheet_totals").to_string(),
        format!("{} {period}", t(lang, "analysis.title")),
        vec![
            t(lang, "reports.field").to_string(),
            t(lang, "analysis.value").into(),
            t(lang, "analysis.previous").into(),
            format!("{}（%）", t(lang, "analysis.yoy")),
        ],
        a.changes
            .iter()
            .map(|c| {
                vec![
                    Out::text(format!("{}（{}）", field(c.key), unit(c.key))),
                    Out::fixed(Some(c.value)),
                    Out::fixed(Some(c.previous)),
                    pct(c.yoy_pct),
                ]
            })
            .collect(),
    );
    let keys = ["output", "revenue", "sales", "tax", "electricity"];
    let months = (
        t(lang, "analysis.sheet_months").to_string(),
        format!("{} {period}", t(lang, "analysis.sheet_months")),
        std::iter::once(t(lang, "field.month").to_string())
            .chain(keys.iter().map(|k| format!("{}（{}）", field(k), unit(k))))
            .collect(),
        a.months
            .iter()
            .map(|m| {
                std::iter::once(Out::text(&m.key)).chain(keys.iter().map(|k| Out::fixed(Some(sum(m, k))))).collect()
            })
            .collect(),
    );
    let parks = (
        t(lang, "analysis.sheet_parks").to_string(),
        t(lang, "analysis.parks").to_string(),
        vec![
            t(lang, "enterprises.park").to_string(),
            t(lang, "analysis.enterprises").into(),
            format!("{}（万元）", field("revenue")),
            format!("{}（万元）", field("tax")),
            format!("{}（万元/亩）", t(lang, "analysis.tax_per_mu")),
            format!("{}（万元/亩）", t(lang, "analysis.sales_per_mu")),
            format!("{}（元/kWh）", t(lang, "analysis.revenue_per_kwh")),
        ],
        a.parks
            .iter()
            .map(|p| {
                vec![
                    Out::text(&p.park),
                    Out::Num(p.enterprises as f64),
                    Out::fixed(Some(p.revenue)),
                    Out::fixed(Some(p.tax)),
                    Out::fixed(p.indicators.tax_per_mu),
                    Out::fixed(p.indicators.sales_per_mu),
                    Out::fixed(p.indicators.revenue_per_kwh),
                ]
            })
            .collect(),
    );
    let divisions = (
        t(lang, "analysis.sheet_divisions").to_string(),
        format!("{} {period}", t(lang, "analysis.divisions")),
        vec![
            t(lang, "analysis.industry").to_string(),
            t(lang, "analysis.enterprises").into(),
            format!("{}（万元）", field("revenue")),
            format!("{}（万元）", field("tax")),
            format!("{}（%）", t(lang, "analysis.share")),
        ],
        a.divisions
            .iter()
            .map(|d| {
                vec![
                    Out::text(format!("{} {}", d.code, d.name)),
                    Out::Num(d.enterprises as f64),
                    Out::fixed(Some(d.revenue)),
                    Out::fixed(Some(d.tax)),
                    Out::fixed(d.share_pct),
                ]
            })
            .collect(),
    );
    vec![changes, months, parks, divisions]
}

/// The file asked for: `analysis` or `enterprises`, as `.xlsx` or `.csv`.
pub async fn export_file(
    state: &crate::AppState,
    actor: &Actor,
    q: &AnalysisQuery,
    file: &str,
) -> Result<(Vec<u8>, FileFormat), AppError> {
    let (name, ext) = file.split_once('.').ok_or(AppError::NotFound)?;
    let format = FileFormat::parse(ext).ok_or(AppError::NotFound)?;
    let tables = match name {
        "analysis" => tables(&*analyse_cached(state, actor, q).await?, actor.lang),
        "enterprises" => vec![behind_table(&behind(&state.store, actor, q, usize::MAX).await?, actor.lang)],
        _ => return Err(AppError::NotFound),
    };
    Ok((export(&tables, format)?, format))
}

/// An analysis file under its name in the reader's language ("经济运行分析-2026-12-03.xlsx").
fn download(
    (bytes, format): (Vec<u8>, FileFormat),
    file: &str,
    lang: weiyuan_domain::access::Lang,
) -> axum::response::Response {
    let key = if file.starts_with("enterprises") { "file.analysis_enterprises" } else { "file.analysis" };
    crate::exchange::api::download(bytes, &crate::exchange::api::file_name(lang, key, format), format)
}

/// Tables as a workbook (a sheet a table) or a CSV (the tables one after another).
pub fn export(tables: &[Table], format: FileFormat) -> Result<Vec<u8>, AppError> {
    match format {
        FileFormat::Csv => {
            let mut out = Vec::new();
            for (i, (_, title, headers, rows)) in tables.iter().enumerate() {
                let h: Vec<&str> = headers.iter().map(String::as_str).collect();
                let mut part = crate::exchange::csv(&h, rows);
                if i > 0 {
                    // One byte-order mark, at the start of the file.
                    part.drain(..3);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("{title}\r\n").as_bytes());
                out.extend_from_slice(&part);
            }
            Ok(out)
        }
        FileFormat::Xlsx => {
            let f = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
                let mut book = rust_xlsxwriter::Workbook::new();
                for (sheet, title, headers, rows) in tables {
                    let ws = book.add_worksheet();
                    ws.set_name(sheet)?;
                    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
                    let widths: Vec<f64> =
                        headers.iter().enumerate().map(|(i, _)| if i == 0 { 36.0 } else { 16.0 }).collect();
                    crate::exchange::write_table(
                        ws,
                        &crate::exchange::Styles::default(),
                        title,
                        &h,
                        &widths,
                        rows,
                        None,
                    )?;
                }
                book.save_to_buffer()
            };
            f().map_err(|e| AppError::Internal(format!("xlsx: {e}")))
        }
    }
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::get;
    vec![
        (
            api("GET", "/api/v1/analysis", "reports", "Totals, changes, indicators, rankings (from, to, filters)"),
            get(api::get),
        ),
        (
            api(
                "GET",
                "/api/v1/analysis/enterprises",
                "reports",
                "The enterprises behind the figures, largest first by field",
            ),
            get(api::behind),
        ),
        (
            api(
                "GET",
                "/api/v1/analysis/export/{file}",
                "reports",
                "analysis.xlsx|csv, or the drill-down as enterprises.xlsx|csv",
            ),
            get(api::export),
        ),
        (page("GET", "/analysis", "Economic analysis"), get(pages::show)),
        (page("GET", "/analysis/enterprises", "The enterprises behind the analysis's figures"), get(pages::behind)),
        (page("GET", "/analysis/export/{file}", "Download the analysis or its enterprises"), get(pages::export)),
        (page("GET", "/dashboard", "The county's big screen"), get(pages::dashboard)),
    ]
}
