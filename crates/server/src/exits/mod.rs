//! The exit test (退出机制): run for every enterprise once it has been in its park for the set
//! number of years (3), from its figures (entered by the county until monthly reports exist).
//! A failing enterprise is warned with a rectification deadline; after the deadline the county
//! may evict it, and the units it owns go to the developer's first-refusal flow.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::Invalid;
use weiyuan_domain::access::Actor;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::{Check, Rules, all_passed};
use weiyuan_domain::units::Fixed2;
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::exits::{EnterpriseEvent, YearFigures};
use weiyuan_store::holdings::Holding;
use weiyuan_store::{AuditCtx, Store};

/// The test on these figures, in this park.
fn run_test(rules: &Rules, years: &[YearFigures], held: &[Holding], park: &Park) -> Option<Vec<Check>> {
    weiyuan_domain::exit::test_enterprise(rules, years, held, park.land_mu, park.building_area_m2)
}

/// The test of one enterprise now: None when it has no figures yet.
pub async fn test_of(store: &Store, rules: &Rules, e: &Enterprise) -> Result<Option<Vec<Check>>, AppError> {
    let years = store.test_years(e.id).await?;
    let held = store.holdings_of(e.id).await?;
    let park = store.get_park(e.park_id).await?;
    Ok(run_test(rules, &years, &held, &park))
}

/// The date the test falls due: entry date plus the set number of years.
pub fn due_date(entry: &str, years: i64) -> Option<String> {
    let (y, rest) = entry.split_once('-')?;
    let y: i64 = y.parse().ok()?;
    let rest = if rest == "02-29" { "02-28" } else { rest };
    Some(format!("{:04}-{rest}", y + years))
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ExitRow {
    pub enterprise: Enterprise,
    pub park: String,
    pub due_date: Option<String>,
    pub due: bool,
    pub checks: Option<Vec<Check>>,
    pub latest: Option<EnterpriseEvent>,
    /// Whole months until the test falls due (0 once due).
    pub months_left: Option<i64>,
    /// Not yet due, but its latest figures would fail the test, or stopped (the early warning).
    pub warning: bool,
    /// Stopped since this day (an open stop notice of operation monitoring).
    pub stopped_since: Option<String>,
}

impl ExitRow {
    pub fn failed(&self) -> bool {
        self.checks.as_ref().is_some_and(|c| !all_passed(c))
    }

    /// Due, failed, and still active: the county has a step to take.
    pub fn awaits_step(&self) -> bool {
        self.due && self.failed() && self.enterprise.status.code() == "active"
    }
}

/// Every enterprise in the actor's scope with its due date, its test and its latest step;
/// an enterprise sees itself only.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<ExitRow>, AppError> {
    let rules = store.rules().await?;
    let today = crate::today();
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let parks = store.list_parks(&actor.park_scope()).await?;
    let mut all_years = store.all_exit_figures().await?;
    // Reports win where an enterprise has complete years of them.
    all_years.extend(store.report_years(None).await?);
    let latest = store.latest_exit_steps().await?;
    let stopped: std::collections::HashMap<i64, String> = store
        .open_stops(&actor.park_scope())
        .await?
        .into_iter()
        .map(|(e, day)| (e, weiyuan_domain::operation::day_text(day)))
        .collect();
    // The units each enterprise holds, read once per park that has figures to test.
    let mut held: std::collections::HashMap<i64, Vec<Holding>> = Default::default();
    let tested: std::collections::BTreeSet<i64> =
        enterprises.iter().filter(|e| all_years.contains_key(&e.id)).map(|e| e.park_id).collect();
    for park_id in tested {
        for h in store.holdings(park_id).await? {
            for holder in [h.owner_id, h.tenant_id].into_iter().flatten() {
                held.entry(holder).or_default().push(h.clone());
            }
        }
    }
    let mut rows = Vec::new();
    for e in enterprises {
        let due_date = e.entry_date.as_deref().and_then(|d| due_date(d, rules.exit_test_after_years));
        let park = parks.iter().find(|p| p.id == e.park_id);
        let checks = match (all_years.get(&e.id), park) {
            (Some(years), Some(p)) => run_test(&rules, years, held.get(&e.id).map(Vec::as_slice).unwrap_or(&[]), p),
            _ => None,
        };
        let active = e.status.code() == "active";
        let due = due_date.as_deref().is_some_and(|d| d <= today.as_str()) && active;
        let failing = checks.as_ref().is_some_and(|c| !all_passed(c));
        rows.push(ExitRow {
            due,
            park: park.map(|p| p.name.clone()).unwrap_or_default(),
            months_left: due_date.as_deref().and_then(|d| weiyuan_domain::exit::months_until(&today, d)),
            warning: weiyuan_domain::exit::early_warning(
                active,
                due_date.as_deref().is_none_or(|d| d <= today.as_str()),
                failing,
                stopped.contains_key(&e.id),
            ),
            stopped_since: stopped.get(&e.id).cloned(),
            due_date,
            checks,
            latest: latest.get(&e.id).cloned(),
            enterprise: e,
        });
    }
    Ok(rows)
}

/// One year's figures as typed, in 元.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct FiguresForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub year: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub sales: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub tax: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub revenue: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub investment: String,
}

impl FiguresForm {
    pub fn validate(&self, this_year: i64) -> Result<YearFigures, Invalid> {
        let mut c = Checker::new();
        let max = Fixed2::from_units(100_000_000_000);
        let f = YearFigures {
            year: c.integer("year", &self.year, 2000, this_year),
            sales: c.decimal("sales", &self.sales, Fixed2::ZERO, max),
            tax: c.decimal("tax", &self.tax, Fixed2::ZERO, max),
            revenue: c.decimal("revenue", &self.revenue, Fixed2::ZERO, max),
            investment: c.decimal("investment", &self.investment, Fixed2::ZERO, max),
        };
        c.finish(f)
    }
}

pub async fn set_figures(store: &Store, actor: &Actor, enterprise_id: i64, form: &FiguresForm) -> Result<(), AppError> {
    let park = crate::enterprises::park_of(store, enterprise_id).await?;
    let authority = actor.exit_authority(&park.as_ref(), enterprise_id)?;
    let this_year: i64 = crate::today()[..4].parse().unwrap_or(2026);
    let f = form.validate(this_year)?;
    Ok(store.set_exit_figures(&authority, &AuditCtx::from(actor), &f).await?)
}

pub use weiyuan_domain::exit::StepForm;

/// An exit step by the county, in the one shape of a decision: open the enterprise's
/// transaction (its row locked), obtain the `ExitAuthority`, load the test's inputs and the
/// open warning, let `exit::decide_step` decide, record with the audit entry.
pub async fn step(store: &Store, actor: &Actor, enterprise_id: i64, form: &StepForm) -> Result<(), AppError> {
    let mut tx = store.begin_exit(enterprise_id).await?;
    let authority = actor.exit_authority(&tx.park().as_ref(), enterprise_id)?;
    let today = crate::today();
    let d = form.validate(&today)?;
    let rules = tx.rules().await?;
    let (years, held) = tx.test_inputs().await?;
    let park = tx.park();
    let test = weiyuan_domain::exit::test_enterprise(&rules, &years, &held, park.land_mu, park.building_area_m2);
    let warning = tx.open_warning().await?;
    let outcome = weiyuan_domain::exit::decide_step(&d, test, warning.as_deref(), &today).map_err(AppError::Refused)?;
    Ok(tx.record(&authority, &actor.into(), &outcome, &today).await?)
}

pub mod api;

pub mod pages;

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post, put};
    vec![
        (api("GET", "/api/v1/exits", "exits", "Exit test of every enterprise in scope"), get(api::list)),
        (
            api("GET", "/api/v1/enterprises/{id}/exit", "exits", "An enterprise's figures, test and history"),
            get(api::get),
        ),
        (
            api("PUT", "/api/v1/enterprises/{id}/figures", "exits", "Set a year of exit-test figures (county)"),
            put(api::set_figures),
        ),
        (
            api(
                "POST",
                "/api/v1/enterprises/{id}/exit",
                "exits",
                "An exit step: test, warn, rectified, evict (county)",
            ),
            post(api::step),
        ),
        (page("GET", "/exits", "Exit test overview"), get(pages::list)),
        (page("POST", "/enterprises/{id}/figures", "Set exit-test figures (county)"), post(pages::set_figures)),
        (page("POST", "/enterprises/{id}/exit", "An exit step (county)"), post(pages::step)),
    ]
}
