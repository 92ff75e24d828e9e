//! Construction progress: plans against actuals, monthly reports, milestones, lagging parks
//! and the county's targets. The service both the JSON API and the pages call.

pub mod api;
pub mod pages;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::Actor;
use weiyuan_domain::analysis::Indicators;
use weiyuan_domain::parks::{Park, ParkStatus};
use weiyuan_domain::progress::{
    self, Lag, Milestone, MilestoneForm, Money, Month, PlanYear, ProgressForm, ProgressReport, ReportState, YearFigures,
};
use weiyuan_domain::units::{self, Fixed2};
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::progress::{PlanBaseline, Target};
use weiyuan_store::{AuditCtx, Store, now_ms};

/// Parks that owe a monthly progress report: those being built.
pub fn must_report(p: &Park) -> bool {
    matches!(p.status, ParkStatus::UnderConstruction | ParkStatus::New)
}

/// The last month that is over (reports are judged up to its end).
pub fn last_complete_month(now: i64) -> Month {
    Month::of_ms(now).prev()
}

/// One year of a park (or of the county): plan beside actual.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct YearRow {
    pub year: i32,
    pub plan: YearFigures,
    pub actual: YearFigures,
}

/// Plan and actual per year, for every year either has.
pub fn year_rows(plans: &[PlanYear], reports: &[ProgressReport], outputs: &[(i32, Money)]) -> Vec<YearRow> {
    let mut years: Vec<i32> = plans.iter().map(|p| p.year).chain(reports.iter().map(|r| r.month.year)).collect();
    years.extend(outputs.iter().map(|(y, _)| *y));
    years.sort_unstable();
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let plan = sum_figures(plans.iter().filter(|p| p.year == year).map(|p| p.figures));
            let output: Option<Money> = {
                let v: Vec<Money> = outputs.iter().filter(|(y, _)| *y == year).map(|(_, m)| *m).collect();
                (!v.is_empty()).then(|| v.into_iter().sum())
            };
            YearRow { year, plan, actual: progress::year_actuals(year, reports, output) }
        })
        .collect()
}

fn add_opt<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x + y),
        (x, None) => x,
        (None, y) => y,
    }
}

fn sum_figures(it: impl Iterator<Item = YearFigures>) -> YearFigures {
    it.fold(YearFigures::default(), |a, b| YearFigures {
        land_supply_mu: add_opt(a.land_supply_mu, b.land_supply_mu),
        construction_start_mu: add_opt(a.construction_start_mu, b.construction_start_mu),
        completion_m2: add_opt(a.completion_m2, b.completion_m2),
        output: add_opt(a.output, b.output),
    })
}

/// Add up the year rows of several parks.
pub fn county_rows(per_park: &[Vec<YearRow>]) -> Vec<YearRow> {
    let mut years: Vec<i32> = per_park.iter().flatten().map(|r| r.year).collect();
    years.sort_unstable();
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let rows: Vec<&YearRow> = per_park.iter().flatten().filter(|r| r.year == year).collect();
            YearRow {
                year,
                plan: sum_figures(rows.iter().map(|r| r.plan)),
                actual: sum_figures(rows.iter().map(|r| r.actual)),
            }
        })
        .collect()
}

/// Everything the progress page of one park shows.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ParkProgress {
    pub park: Park,
    pub baseline: PlanBaseline,
    pub years: Vec<YearRow>,
    pub reports: Vec<ProgressReport>,
    pub milestones: Vec<Milestone>,
    pub lags: Vec<Lag>,
    pub as_of: Month,
}

pub async fn park_progress(store: &Store, actor: &Actor, park_id: i64) -> Result<ParkProgress, AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    let plans = store.plans_of(park_id).await?;
    let reports = store.list_reports(&weiyuan_domain::access::ParkScope::Park(park_id)).await?;
    let outputs: Vec<(i32, Money)> = store
        .list_year_output(&weiyuan_domain::access::ParkScope::Park(park_id))
        .await?
        .into_iter()
        .map(|(_, y, m, _)| (y, m))
        .collect();
    let as_of = last_complete_month(now_ms());
    Ok(ParkProgress {
        baseline: store.baseline(park_id).await?,
        years: year_rows(&plans, &reports, &outputs),
        lags: progress::lagging(&plans, &reports, as_of),
        milestones: store.list_milestones(park_id).await?,
        reports,
        park,
        as_of,
    })
}

/// A park's report for the overview month.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ReportRow {
    pub park: Park,
    pub state: ReportState,
    pub report: Option<ProgressReport>,
}

/// A target beside what has been reached, where the platform can measure it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct TargetRow {
    pub target: Target,
    pub actual: Option<Fixed2>,
    /// How the actual is measured (an i18n key), or why it is not yet.
    pub basis: &'static str,
}

impl TargetRow {
    /// Share of the target reached, 0–100 (capped for the bar).
    pub fn percent(&self) -> Option<i64> {
        let a = self.actual?;
        (self.target.value.0 > 0).then(|| (a.0 * 100 / self.target.value.0).clamp(0, 100))
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub month: Month,
    pub reports: Vec<ReportRow>,
    pub lagging: Vec<(Park, Vec<Lag>)>,
    pub years: Vec<YearRow>,
    pub targets: Vec<TargetRow>,
    pub as_of: Month,
}

/// The parks of the caller's scope behind their construction plan in the last month ended
/// (the overview's lagging parks), for the map and the park list to mark.
pub async fn lagging_ids(store: &Store, actor: &Actor) -> Result<std::collections::HashSet<i64>, AppError> {
    if !actor.is_staff() {
        return Ok(Default::default());
    }
    Ok(overview(store, actor, None, None).await?.lagging.iter().map(|(p, _)| p.id).collect())
}

/// The per-mu indicators the county's targets are measured by: the economic analysis of the
/// twelve months to the last month ended (the same figures `/analysis` shows). Only the
/// county's overview has targets.
pub async fn per_mu(state: &crate::AppState, actor: &Actor) -> Result<Option<Indicators>, AppError> {
    if !actor.is_county() {
        return Ok(None);
    }
    Ok(crate::analysis::analyse_cached(state, actor, &Default::default()).await?.indicators.clone())
}

/// The county's (or a township's) progress overview for a month; the county's targets measured
/// with `per_mu` (from [`per_mu`]; `None`: no reports to measure them by yet).
pub async fn overview(
    store: &Store,
    actor: &Actor,
    month: Option<Month>,
    per_mu: Option<&Indicators>,
) -> Result<Overview, AppError> {
    let now = now_ms();
    let as_of = last_complete_month(now);
    let month = month.unwrap_or(as_of);
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let plans = store.list_plans(&scope).await?;
    let reports = store.list_reports(&scope).await?;
    let outputs = store.list_year_output(&scope).await?;
    let mut rows = Vec::new();
    let mut lagging = Vec::new();
    let mut per_park = Vec::new();
    // The store answers in park order: slice each park's rows once instead of filtering per park.
    let mut reports_of: std::collections::HashMap<i64, &[ProgressReport]> = std::collections::HashMap::new();
    for chunk in reports.chunk_by(|a, b| a.park_id == b.park_id) {
        reports_of.insert(chunk[0].park_id, chunk);
    }
    for p in &parks {
        let my_plans: Vec<PlanYear> = plans.iter().filter(|(id, _)| *id == p.id).map(|(_, y)| *y).collect();
        let my_reports: &[ProgressReport] = reports_of.get(&p.id).copied().unwrap_or(&[]);
        let my_outputs: Vec<(i32, Money)> = outputs.iter().filter(|o| o.0 == p.id).map(|o| (o.1, o.2)).collect();
        per_park.push(year_rows(&my_plans, my_reports, &my_outputs));
        let lags = progress::lagging(&my_plans, my_reports, as_of);
        if !lags.is_empty() {
            lagging.push((p.clone(), lags));
        }
        if must_report(p) {
            let report = my_reports.iter().find(|r| r.month == month).cloned();
            let state = progress::report_state(month, report.as_ref().map(|r| r.submitted_at), now);
            rows.push(ReportRow { park: p.clone(), state, report });
        }
    }
    // Missing first, then late, then the rest.
    rows.sort_by_key(|r| match r.state {
        ReportState::Missing { .. } => 0,
        ReportState::Late { .. } => 1,
        ReportState::Open => 2,
        ReportState::OnTime => 3,
    });
    let targets =
        if actor.is_county() { target_rows(store, &parks, &reports, &outputs, per_mu).await? } else { Vec::new() };
    Ok(Overview { month, reports: rows, lagging, years: county_rows(&per_park), targets, as_of })
}

/// Measure the targets the registry and the progress reports can speak to.
async fn target_rows(
    store: &Store,
    parks: &[Park],
    reports: &[ProgressReport],
    outputs: &[(i64, i32, Money, bool)],
    per_mu: Option<&Indicators>,
) -> Result<Vec<TargetRow>, AppError> {
    let wan = |m2: Fixed2| units::m2_to_wan_m2(m2);
    let completed_since: Fixed2 = reports.iter().map(|r| r.completed_m2).sum();
    let built_before: Fixed2 =
        parks.iter().filter(|p| p.status == ParkStatus::Completed).map(|p| p.building_area_m2).sum();
    let latest_output_year = outputs.iter().map(|o| o.1).max();
    let output = latest_output_year.map(|y| outputs.iter().filter(|o| o.1 == y).map(|o| o.2).sum::<Money>().yi());
    Ok(store
        .list_targets()
        .await?
        .into_iter()
        .map(|target| {
            let (actual, basis) = match target.key.as_str() {
                "park_clusters" => (Some(Fixed2::from_units(parks.len() as i64)), "target.basis.parks"),
                "park_construction_land" => {
                    (Some(reports.iter().map(|r| r.land_supplied_mu).sum()), "target.basis.land_reported")
                }
                "new_floor_area" => (Some(wan(completed_since)), "target.basis.completion_reported"),
                "total_built_area" => (Some(wan(built_before + completed_since)), "target.basis.built_total"),
                "enterprises_in_parks" => (
                    Some(Fixed2::from_units(parks.iter().map(|p| p.enterprise_count).sum())),
                    "target.basis.enterprises",
                ),
                "industrial_output" => (output, "target.basis.output"),
                "tax_per_mu" => (per_mu.and_then(|i| i.tax_per_mu), "target.basis.per_mu"),
                "sales_per_mu" => (per_mu.and_then(|i| i.sales_per_mu), "target.basis.per_mu"),
                _ => (None, "target.basis.not_yet"),
            };
            TargetRow { target, actual, basis }
        })
        .collect())
}

pub async fn file_report(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    form: &ProgressForm,
) -> Result<ProgressReport, AppError> {
    let (_, who) = crate::parks::granted(store, actor, park_id, Actor::park_authority).await?;
    let now = now_ms();
    let draft = form.validate(Month::of_ms(now))?;
    Ok(store.file_report(&who, &AuditCtx::from(actor), &draft, now, false).await?)
}

/// One year of a plan as entered: 亩, 万㎡ and 亿元; empty means nothing planned.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct PlanForm {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub year: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub land_supply_mu: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub construction_start_mu: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub completion_wan_m2: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub output_yi: String,
}

impl PlanForm {
    pub fn validate(&self) -> Result<PlanYear, Invalid> {
        let mut c = Checker::new();
        let year = c.integer("year", &self.year, 1990, 2100) as i32;
        let mut opt = |field: &str, text: &str, max: i64| -> Option<Fixed2> {
            (!text.trim().is_empty() && text.trim() != "—" && text.trim() != "-")
                .then(|| c.decimal(field, text, Fixed2::ZERO, Fixed2::from_units(max)))
        };
        let land = opt("land_supply_mu", &self.land_supply_mu, 100_000);
        let start = opt("construction_start_mu", &self.construction_start_mu, 100_000);
        let done = opt("completion_wan_m2", &self.completion_wan_m2, 10_000);
        let output = opt("output_yi", &self.output_yi, 100_000);
        c.finish(())?;
        Ok(PlanYear {
            year,
            figures: YearFigures {
                land_supply_mu: land,
                construction_start_mu: start,
                completion_m2: done.and_then(units::wan_m2_to_m2),
                output: output.map(Money::from_yi),
            },
        })
    }
}

pub async fn set_plan(store: &Store, actor: &Actor, park_id: i64, form: &PlanForm) -> Result<PlanYear, AppError> {
    crate::parks::get(store, actor, park_id).await?;
    let registry = actor.registry()?;
    let plan = form.validate()?;
    store.set_plan_year(&registry, &AuditCtx::from(actor), park_id, &plan).await?;
    Ok(plan)
}

pub async fn set_milestone(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    form: &MilestoneForm,
) -> Result<Milestone, AppError> {
    let (_, who) = crate::parks::granted(store, actor, park_id, Actor::park_authority).await?;
    let d = form.validate(&crate::today())?;
    Ok(store.set_milestone(&who, &AuditCtx::from(actor), &d, false).await?)
}

pub async fn delete_milestone(store: &Store, actor: &Actor, id: i64) -> Result<i64, AppError> {
    let m = store.get_milestone(id).await?;
    let (park, who) = crate::parks::granted(store, actor, m.park_id, Actor::park_authority).await?;
    store.delete_milestone(&who, &AuditCtx::from(actor), id).await?;
    Ok(park.id)
}

/// A month from a query string; a malformed one is a field error.
pub fn parse_month(text: &str) -> Result<Option<Month>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Month::parse(text).map(Some).ok_or_else(|| Invalid::one(FieldError::new("month", "error.month_format")).into())
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{delete, get, post, put};
    vec![
        (
            api("GET", "/api/v1/progress", "progress", "Report status, lagging parks, plan against actual, targets"),
            get(api::overview),
        ),
        (
            api("GET", "/api/v1/parks/{id}/progress", "progress", "A park's plan against actual, reports, milestones"),
            get(api::park),
        ),
        (
            api("POST", "/api/v1/parks/{id}/reports", "progress", "File or correct a monthly progress report"),
            post(api::file_report),
        ),
        (
            api("PUT", "/api/v1/parks/{id}/plans", "progress", "Set one year of a park's plan (county)"),
            put(api::set_plan),
        ),
        (
            api("POST", "/api/v1/parks/{id}/milestones", "progress", "Set a milestone of a park phase"),
            post(api::set_milestone),
        ),
        (api("DELETE", "/api/v1/milestones/{id}", "progress", "Delete a milestone"), delete(api::delete_milestone)),
        (api("GET", "/api/v1/map", "progress", "Parks with their locations (GeoJSON)"), get(api::map)),
        (page("GET", "/progress", "Construction progress"), get(pages::overview)),
        (page("GET", "/parks/{id}/progress", "A park's progress"), get(pages::park)),
        (page("POST", "/parks/{id}/reports", "File a progress report"), post(pages::file_report)),
        (page("POST", "/parks/{id}/plans", "Set a plan year (county)"), post(pages::set_plan)),
        (page("POST", "/parks/{id}/milestones", "Set a milestone"), post(pages::set_milestone)),
        (page("POST", "/milestones/{id}/delete", "Delete a milestone"), post(pages::delete_milestone)),
        (page("GET", "/map", "Map of the parks"), get(pages::map)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_forms_take_dashes_as_nothing_planned() {
        let f = PlanForm {
            year: "2019".into(),
            land_supply_mu: "66.9".into(),
            construction_start_mu: "—".into(),
            completion_wan_m2: "30".into(),
            output_yi: "10".into(),
        };
        let p = f.validate().unwrap();
        assert_eq!(p.figures.construction_start_mu, None);
        assert_eq!(p.figures.completion_m2.map(|v| v.plain()), Some("300000".into()));
        assert_eq!(p.figures.output.map(|m| m.yi().plain()), Some("10".into()));
        let bad = PlanForm { year: "19".into(), output_yi: "1e9".into(), ..f };
        let fields: Vec<_> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["year", "output_yi"]);
    }

    #[test]
    fn county_rows_add_up_parks_year_by_year() {
        let fig = |land: i64| YearFigures { land_supply_mu: Some(Fixed2::from_units(land)), ..Default::default() };
        let a = vec![YearRow { year: 2019, plan: fig(10), actual: fig(4) }];
        let b = vec![
            YearRow { year: 2019, plan: fig(5), actual: YearFigures::default() },
            YearRow { year: 2020, plan: fig(7), actual: fig(7) },
        ];
        let c = county_rows(&[a, b]);
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].plan.land_supply_mu, c[0].actual.land_supply_mu),
            (Some(Fixed2::from_units(15)), Some(Fixed2::from_units(4)))
        );
        assert_eq!(c[1].plan.land_supply_mu, Some(Fixed2::from_units(7)));
    }
}
