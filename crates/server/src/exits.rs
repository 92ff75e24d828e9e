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
    if !actor.is_county() {
        return Err(AppError::Forbidden);
    }
    let this_year: i64 = crate::today()[..4].parse().unwrap_or(2026);
    let f = form.validate(this_year)?;
    Ok(store.set_exit_figures(&AuditCtx::from(actor), enterprise_id, &f).await?)
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

pub mod api {
    use crate::AppState;
    use crate::error::ApiError;
    use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
    use axum::Json;
    use axum::extract::State;

    type ApiResult<T> = Result<T, ApiError>;

    pub async fn list(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<super::ExitRow>>> {
        Ok(Json(super::list(&s.store, &u.actor).await.map_err(u.err())?))
    }

    /// An enterprise's yearly figures, its exit test now (none: not tested) under the rules of
    /// `rules_version`, and its status history.
    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct ExitStanding {
        pub figures: Vec<weiyuan_store::exits::YearFigures>,
        pub checks: Option<Vec<weiyuan_domain::rules::Check>>,
        pub events: Vec<weiyuan_store::exits::EnterpriseEvent>,
        pub rules_version: i64,
    }

    /// The year whose figures were saved.
    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct FiguresSaved {
        pub enterprise_id: i64,
        pub year: String,
    }

    /// The enterprise's status history after a step.
    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct Events {
        pub events: Vec<weiyuan_store::exits::EnterpriseEvent>,
    }

    /// An enterprise's figures, its test now and its status history.
    pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<ExitStanding>> {
        let e = crate::enterprises::get(&s.store, &u.actor, id).await.map_err(u.err())?;
        let rules = s.store.rules().await.map_err(|e| u.err()(e.into()))?;
        let checks = super::test_of(&s.store, &rules, &e).await.map_err(u.err())?;
        let figures = s.store.exit_figures(id).await.map_err(|e| u.err()(e.into()))?;
        let events = s.store.enterprise_events(id).await.map_err(|e| u.err()(e.into()))?;
        Ok(Json(ExitStanding { figures, checks, events, rules_version: rules.version }))
    }

    pub async fn set_figures(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::FiguresForm>,
    ) -> ApiResult<Json<FiguresSaved>> {
        super::set_figures(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
        Ok(Json(FiguresSaved { enterprise_id: id, year: f.year }))
    }

    pub async fn step(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::StepForm>,
    ) -> ApiResult<Json<Events>> {
        super::step(&s.store, &w.actor, id, &f).await.map_err(w.err())?;
        let events = s.store.enterprise_events(id).await.map_err(|e| w.err()(e.into()))?;
        Ok(Json(Events { events }))
    }
}

pub mod pages {
    use crate::AppState;
    use crate::error::AppError;
    use crate::extract::Id;
    use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, render};
    use askama::Template;
    use axum::extract::{Query, State};
    use axum::response::Response;

    type PageResult = Result<Response, PageError>;

    #[derive(Template)]
    #[template(path = "exits.html")]
    pub struct ExitsPage {
        pub ctx: PageCtx,
        pub rows: Vec<super::ExitRow>,
        pub years: i64,
        /// How many early warnings there are, and whether only they are shown.
        pub warnings: usize,
        pub only_warnings: bool,
        /// How many failed tests await the county's step, and whether only they are shown.
        pub failed: usize,
        pub only_failed: bool,
    }

    #[derive(Default, serde::Deserialize, schemars::JsonSchema)]
    #[serde(default)]
    pub struct ListQuery {
        warning: String,
        failed: String,
    }

    /// `?warning=1`: only the early warnings; `?failed=1`: only the failed tests awaiting a step.
    pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> PageResult {
        let mut rows = super::list(&s.store, &u.actor).await.map_err(u.fail())?;
        let warnings = rows.iter().filter(|r| r.warning).count();
        let failed = rows.iter().filter(|r| r.awaits_step()).count();
        let only_warnings = q.warning == "1";
        let only_failed = q.failed == "1" && !only_warnings;
        if only_warnings {
            rows.retain(|r| r.warning);
        }
        if only_failed {
            rows.retain(super::ExitRow::awaits_step);
        }
        let years = s.store.rules().await.map_err(|e| u.fail()(e.into()))?.exit_test_after_years;
        Ok(render(&ExitsPage { ctx: u.ctx(), rows, years, warnings, only_warnings, failed, only_failed }))
    }

    /// Back to the enterprise page, or its page with the error.
    fn back(u: &PageUser, id: i64, r: Result<(), AppError>) -> PageResult {
        match r {
            Ok(()) => Ok(done(&format!("/enterprises/{id}#exit"), "exit_step_recorded")),
            Err(e) => Err(u.fail()(e)),
        }
    }

    pub async fn set_figures(
        State(s): State<AppState>,
        u: PageUser,
        Id(id): Id,
        CsrfForm(f): CsrfForm<super::FiguresForm>,
    ) -> PageResult {
        let r = super::set_figures(&s.store, &u.actor, id, &f).await;
        back(&u, id, r)
    }

    pub async fn step(
        State(s): State<AppState>,
        u: PageUser,
        Id(id): Id,
        CsrfForm(f): CsrfForm<super::StepForm>,
    ) -> PageResult {
        let r = super::step(&s.store, &u.actor, id, &f).await;
        back(&u, id, r)
    }
}
