//! 亩均论英雄: the per-mu evaluation's use cases. The county sets the method and computes a
//! draft run for twelve months; townships check their enterprises and may object; the county
//! answers and publishes. Then an enterprise sees its own result, a township its enterprises,
//! an operator its park's, the county all. Drafts are seen by the county and the townships only.
//!
//! Every write has the one shape (docs/architecture.md): open the transaction, obtain the
//! capability, validate, load through the transaction, decide in `weiyuan_domain::evaluation`,
//! write with the audit entry, commit.

pub mod api;
pub mod export;
pub mod pages;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ParkRef, Role};
use weiyuan_domain::evaluation::{
    AnswerForm, Class, Method, ObjectionForm, PolicyAmounts, RunForm, evaluate, objection_checks, policy_amounts,
    publish_checks,
};
use weiyuan_domain::progress::Month;
use weiyuan_domain::rules::all_passed;
use weiyuan_domain::validation::{Checker, FieldError, Invalid};
use weiyuan_store::evaluation::{MethodVersion, Objection, ResultFilter, ResultRow, Run};
use weiyuan_store::{AuditCtx, Store};

/// The method in force: anyone logged in may read it (it is the county's published rule).
pub async fn method(store: &Store) -> Result<MethodVersion, AppError> {
    Ok(store.evaluation_method().await?)
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct MethodForm {
    pub method: Method,
    #[serde(default)]
    pub note: String,
}

/// Save a new version of the method (county), refused field by field when it cannot work.
pub async fn set_method(store: &Store, actor: &Actor, form: &MethodForm) -> Result<MethodVersion, AppError> {
    let evaluator = actor.evaluator()?;
    form.method.validate()?;
    let mut c = Checker::new();
    let note = c.optional_text("note", &form.note, 500);
    c.finish(())?;
    Ok(store.save_evaluation_method(&evaluator, &AuditCtx::from(actor), &form.method, &note).await?)
}

/// Compute a draft run (county) for the twelve months the form names, from the reports, land
/// and holdings as they are now, with the method in force.
pub async fn compute(store: &Store, actor: &Actor, form: &RunForm) -> Result<Run, AppError> {
    let evaluator = actor.evaluator()?;
    let period = form.validate(crate::reports::last_month())?;
    let mut tx = store.begin_evaluation().await?;
    let method = tx.method().await?;
    // The low-efficiency line is a county rule (元/亩); the evaluation works in 万元/亩.
    let low_line = tx.rules().await?.low_efficiency_tax_per_mu.as_f64() / 10_000.0;
    let subjects = tx.subjects(period.0, period.1).await?;
    let plain: Vec<_> = subjects.iter().map(|(s, _, _)| s.clone()).collect();
    let evaluation = evaluate(&method.method, low_line, &plain);
    Ok(tx.save_run(&evaluator, &AuditCtx::from(actor), period, method.version, subjects, evaluation).await?)
}

/// An enterprise's own parcel (亩) and the floor area it occupies where no unit of the registry
/// records it (m²); blank clears. Its land for per-mu figures follows (see `land_of`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct LandForm {
    #[serde(deserialize_with = "weiyuan_domain::validation::text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub land_mu: String,
    #[serde(deserialize_with = "weiyuan_domain::validation::text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub floor_area_m2: String,
}

/// Set an enterprise's land (the county, its park's township or operator).
pub async fn set_land(store: &Store, actor: &Actor, enterprise_id: i64, form: &LandForm) -> Result<(), AppError> {
    use weiyuan_domain::units::Fixed2;
    let e = store.get_enterprise(enterprise_id).await?;
    let park = store.get_park(e.park_id).await?;
    let desk = actor.unit_desk(&park.as_ref())?;
    let mut c = Checker::new();
    let max = Fixed2::from_units(100_000_000);
    let mut optional =
        |field: &str, text: &str| (!text.trim().is_empty()).then(|| c.decimal(field, text, Fixed2(1), max).0);
    let land = optional("land_mu", &form.land_mu);
    let floor = optional("floor_area_m2", &form.floor_area_m2);
    c.finish(())?;
    Ok(store.set_enterprise_land(&desk, &AuditCtx::from(actor), enterprise_id, land, floor).await?)
}

/// The method a run was computed with (version 0: the defaults).
pub async fn method_of(store: &Store, run: &Run) -> Result<Method, AppError> {
    Ok(store
        .evaluation_methods()
        .await?
        .into_iter()
        .find(|m| m.version == run.method_version)
        .map(|m| m.method)
        .unwrap_or_default())
}

/// Drafts are for the county and the townships, who check them.
fn sees_drafts(actor: &Actor) -> bool {
    matches!(actor.role, Role::County | Role::Township)
}

pub async fn runs(store: &Store, actor: &Actor) -> Result<Vec<Run>, AppError> {
    Ok(store.evaluation_runs(sees_drafts(actor)).await?)
}

pub async fn run(store: &Store, actor: &Actor, id: i64) -> Result<Run, AppError> {
    let run = store.evaluation_run(id).await?;
    if run.status != "published" && !sees_drafts(actor) {
        return Err(AppError::NotFound);
    }
    Ok(run)
}

/// The filters of a result list as typed (query string or form).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ResultQuery {
    pub class: String,
    pub group: String,
    pub park_id: String,
    /// `judged`, `excluded` or empty for both.
    pub show: String,
    /// `1`: only enterprises under the low-efficiency line.
    pub low: String,
    pub page: String,
    pub size: String,
}

pub const PAGE_SIZE: i64 = 50;

impl ResultQuery {
    /// The filter, refused field by field; the caller's scope is added by `results`.
    pub fn validate(&self) -> Result<(ResultFilter, i64, i64), Invalid> {
        let mut c = Checker::new();
        let class = (!self.class.is_empty())
            .then(|| c.choice("class", &self.class, Class::parse).map(|c| c.code().to_string()))
            .flatten();
        let group = (!self.group.is_empty())
            .then(|| {
                c.choice("group", &self.group, weiyuan_domain::evaluation::Group::parse).map(|g| g.code().to_string())
            })
            .flatten();
        let park_id = (!self.park_id.is_empty()).then(|| c.integer("park_id", &self.park_id, 1, i64::MAX));
        let judged = match self.show.as_str() {
            "" => None,
            "judged" => Some(true),
            "excluded" => Some(false),
            _ => {
                c.push(FieldError::new("show", "error.unknown_choice").with("value", &self.show));
                None
            }
        };
        let low = match self.low.as_str() {
            "" | "0" => false,
            "1" => true,
            _ => {
                c.push(FieldError::new("low", "error.unknown_choice").with("value", &self.low));
                false
            }
        };
        let (page, size) = c.paging(&self.page, &self.size, PAGE_SIZE);
        let filter = ResultFilter {
            class,
            group,
            park_id,
            judged,
            low_efficiency: low,
            limit: size,
            offset: (page - 1) * size,
            ..Default::default()
        };
        c.finish((filter, page, size))
    }
}

/// Narrow a filter to what the caller may see: a township its parks, an operator its park, an
/// enterprise itself (and only in published runs).
fn scoped(actor: &Actor, run: &Run, mut f: ResultFilter) -> Result<ResultFilter, AppError> {
    match actor.role {
        Role::County => {}
        Role::Township => f.township = Some(actor.township_code.clone().ok_or(AppError::Forbidden)?),
        Role::Operator => {
            let own = actor.park_id.ok_or(AppError::Forbidden)?;
            f.park_id = Some(if f.park_id.is_none_or(|p| p == own) { own } else { -1 });
        }
        Role::Enterprise => {
            if run.status != "published" {
                return Err(AppError::NotFound);
            }
            f.enterprise_id = Some(actor.enterprise_id.ok_or(AppError::Forbidden)?);
        }
        // A service agency reads the published runs and sees no enterprise in them.
        Role::Agency => f.enterprise_id = Some(-1),
    }
    Ok(f)
}

/// A page of a run's results in the caller's scope, with the total.
pub async fn results(
    store: &Store,
    actor: &Actor,
    run_id: i64,
    q: &ResultQuery,
) -> Result<(Run, Vec<ResultRow>, i64), AppError> {
    let run = run(store, actor, run_id).await?;
    let (filter, _, _) = q.validate()?;
    let filter = scoped(actor, &run, filter)?;
    let (rows, total) = store.evaluation_results(run_id, &filter).await?;
    Ok((run, rows, total))
}

/// Every row of a run in the caller's scope (exports), in rank order.
pub async fn all_results(store: &Store, actor: &Actor, run: &Run) -> Result<Vec<ResultRow>, AppError> {
    let filter = scoped(actor, run, ResultFilter { limit: i64::MAX, ..Default::default() })?;
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = ResultFilter { limit: 10_000, offset, ..filter.clone() };
        let (rows, _) = store.evaluation_results(run.id, &page).await?;
        let n = rows.len() as i64;
        out.extend(rows);
        if n < 10_000 {
            return Ok(out);
        }
        offset += n;
    }
}

/// One enterprise's result with what follows from it: the class-tied amounts and its class in
/// every published run.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Explained {
    pub run: Run,
    pub row: ResultRow,
    pub policy: Option<PolicyAmounts>,
    /// Years running in this class, this run included (published runs a year apart).
    pub years_in_class: u32,
    pub history: Vec<(String, String)>,
    pub objections: Vec<Objection>,
    /// Stopped since this day (operation monitoring's open stop notice): an early signal beside
    /// the figures.
    pub stopped_since: Option<String>,
}

pub async fn result(store: &Store, actor: &Actor, run_id: i64, enterprise_id: i64) -> Result<Explained, AppError> {
    let run = run(store, actor, run_id).await?;
    let filter =
        scoped(actor, &run, ResultFilter { enterprise_id: Some(enterprise_id), limit: 1, ..Default::default() })?;
    if filter.enterprise_id != Some(enterprise_id) {
        return Err(AppError::NotFound);
    }
    let (mut rows, _) = store.evaluation_results(run_id, &filter).await?;
    let row = rows.pop().ok_or(AppError::NotFound)?;
    let method = method_of(store, &run).await?;
    let history: Vec<(String, String)> = store
        .published_classes(&[enterprise_id])
        .await?
        .into_iter()
        .filter(|(id, ..)| *id != run_id)
        .map(|(_, last, _, class)| (last, class))
        .collect();
    let years_in_class = years_in_class(&run.last_month, row.class.as_deref(), &history);
    let policy = row
        .class
        .as_deref()
        .and_then(Class::parse)
        .and_then(|c| method.policy(c))
        .map(|p| policy_amounts(p, years_in_class, &row.detail.subject.totals));
    let objections = if sees_drafts(actor) {
        store.evaluation_objections(run_id).await?.into_iter().filter(|o| o.enterprise_id == enterprise_id).collect()
    } else {
        Vec::new()
    };
    let stopped_since = store
        .open_stops(&weiyuan_domain::access::ParkScope::Park(row.park_id))
        .await?
        .get(&enterprise_id)
        .map(|d| weiyuan_domain::operation::day_text(*d));
    Ok(Explained { run, row, policy, years_in_class, history, objections, stopped_since })
}

/// How many years running the enterprise has had `class`, counting this run and the published
/// runs ending 12, 24, ... months before it.
pub fn years_in_class(last_month: &str, class: Option<&str>, history: &[(String, String)]) -> u32 {
    let (Some(class), Some(mut m)) = (class, Month::parse(last_month)) else { return 0 };
    let mut years = 1;
    loop {
        m = m.back(12);
        match history.iter().find(|(last, _)| *last == m.to_string()) {
            Some((_, c)) if c == class => years += 1,
            _ => return years,
        }
    }
}

/// A township objects to one enterprise's draft result.
pub async fn object(store: &Store, actor: &Actor, run_id: i64, form: &ObjectionForm) -> Result<Objection, AppError> {
    let (enterprise_id, reason) = form.validate()?;
    let mut tx = store.begin_evaluation().await?;
    let run = tx.run(run_id).await?;
    if !sees_drafts(actor) && run.status != "published" {
        return Err(AppError::NotFound);
    }
    let (park_id, township) = tx
        .result_park(run_id, enterprise_id)
        .await?
        .ok_or_else(|| AppError::Invalid(Invalid::one(FieldError::new("enterprise_id", "evaluation.not_in_run"))))?;
    let objector = actor.objector(&ParkRef { id: park_id, township_code: &township }, enterprise_id)?;
    let checks = objection_checks(&run.status);
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.raise(&objector, &AuditCtx::from(actor), run_id, park_id, &reason).await?)
}

/// The county answers an objection (it must belong to this run and still be open).
pub async fn answer(
    store: &Store,
    actor: &Actor,
    run_id: i64,
    objection_id: i64,
    form: &AnswerForm,
) -> Result<Objection, AppError> {
    let evaluator = actor.evaluator()?;
    let (decision, answer) = form.validate()?;
    let mut tx = store.begin_evaluation().await?;
    let o = tx.objection(objection_id).await?;
    if o.run_id != run_id {
        return Err(AppError::NotFound);
    }
    if o.status != "open" {
        return Err(AppError::Stale(Invalid::one(FieldError::new("status", "error.status_changed"))));
    }
    Ok(tx.answer(&evaluator, &AuditCtx::from(actor), objection_id, decision, &answer).await?)
}

/// The county publishes a draft: refused with every check while objections are open or another
/// run of the same months is published.
pub async fn publish(store: &Store, actor: &Actor, run_id: i64) -> Result<Run, AppError> {
    let evaluator = actor.evaluator()?;
    let mut tx = store.begin_evaluation().await?;
    let run = tx.run(run_id).await?;
    let open = tx.open_objections(run_id).await?;
    let other = tx.published_for(&run.first_month, &run.last_month).await?.filter(|id| *id != run_id);
    let checks = publish_checks(&run.status, open, other);
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.publish(&evaluator, &AuditCtx::from(actor), run_id).await?)
}

/// Counts per group and class of a run in the caller's scope.
pub async fn counts(store: &Store, actor: &Actor, run: &Run) -> Result<Vec<(String, Option<String>, i64)>, AppError> {
    let (township, park) = match actor.role {
        Role::County => (None, None),
        Role::Township => (actor.township_code.as_deref(), None),
        Role::Operator => (None, Some(actor.park_id.unwrap_or(-1))),
        Role::Enterprise | Role::Agency => return Ok(Vec::new()),
    };
    Ok(store.evaluation_counts(run.id, township, park).await?)
}

/// How many enterprises moved from each class to each other since the published run of the
/// twelve months before this one (none: no moves), in the caller's scope.
pub async fn migration(
    store: &Store,
    actor: &Actor,
    to: i64,
) -> Result<(Option<i64>, Vec<(String, String, u32)>), AppError> {
    let to = run(store, actor, to).await?;
    let Some(last) = Month::parse(&to.last_month) else { return Ok((None, Vec::new())) };
    let before = last.back(12).to_string();
    let Some(from) = store.evaluation_runs(false).await?.into_iter().find(|r| r.last_month == before) else {
        return Ok((None, Vec::new()));
    };
    let mut classes = Vec::new();
    for r in [&from, &to] {
        let rows = all_results(store, actor, r).await?;
        classes.push(
            rows.into_iter()
                .filter_map(|r| Some((r.enterprise_id, Class::parse(r.class.as_deref()?)?)))
                .collect::<Vec<_>>(),
        );
    }
    let moves = weiyuan_domain::evaluation::migration(&classes[0], &classes[1])
        .into_iter()
        .map(|((a, b), n)| (a.code().to_string(), b.code().to_string(), n))
        .collect();
    Ok((Some(from.id), moves))
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post, put};
    vec![
        (api("GET", "/api/v1/evaluation/method", "evaluation", "The evaluation method in force"), get(api::method)),
        (
            api("PUT", "/api/v1/evaluation/method", "evaluation", "Save a new version of the method (county)"),
            put(api::set_method),
        ),
        (api("GET", "/api/v1/evaluation/methods", "evaluation", "Every saved method version"), get(api::methods)),
        (
            api("GET", "/api/v1/enterprises/{id}/land", "evaluation", "An enterprise's own parcel and floor area"),
            get(api::land),
        ),
        (
            api("PUT", "/api/v1/enterprises/{id}/land", "evaluation", "Set an enterprise's own parcel and floor area"),
            put(api::set_land),
        ),
        (
            api("GET", "/api/v1/evaluation/runs", "evaluation", "Evaluation runs (drafts for county and townships)"),
            get(api::runs),
        ),
        (
            api("POST", "/api/v1/evaluation/runs", "evaluation", "Compute a draft run for twelve months (county)"),
            post(api::compute),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}", "evaluation", "A run with its class counts and objections"),
            get(api::run),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}/results", "evaluation", "A page of a run's results in scope"),
            get(api::results),
        ),
        (
            api(
                "GET",
                "/api/v1/evaluation/runs/{id}/results/{enterprise_id}",
                "evaluation",
                "One enterprise's result explained",
            ),
            get(api::result),
        ),
        (
            api(
                "POST",
                "/api/v1/evaluation/runs/{id}/objections",
                "evaluation",
                "Object to an enterprise's draft result (township)",
            ),
            post(api::object),
        ),
        (
            api(
                "POST",
                "/api/v1/evaluation/runs/{id}/objections/{objection_id}/answer",
                "evaluation",
                "Answer an objection (county)",
            ),
            post(api::answer),
        ),
        (
            api("POST", "/api/v1/evaluation/runs/{id}/publish", "evaluation", "Publish a draft run (county)"),
            post(api::publish),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}/export.xlsx", "evaluation", "The run's list as a workbook"),
            get(api::export),
        ),
        (
            api(
                "GET",
                "/api/v1/evaluation/runs/{id}/migration",
                "evaluation",
                "Class moves since the run a year before",
            ),
            get(api::migration),
        ),
        (page("GET", "/evaluation", "Evaluation runs"), get(pages::runs)),
        (page("POST", "/evaluation/runs", "Compute a draft run (county)"), post(pages::compute)),
        (page("GET", "/evaluation/mine", "The enterprise's own latest result"), get(pages::mine)),
        (page("GET", "/evaluation/method", "The evaluation method"), get(pages::method)),
        (page("POST", "/evaluation/method", "Save the evaluation method (county)"), post(pages::set_method)),
        (page("GET", "/evaluation/runs/{id}", "A run's results"), get(pages::run)),
        (page("POST", "/evaluation/runs/{id}/publish", "Publish a run (county)"), post(pages::publish)),
        (page("POST", "/evaluation/runs/{id}/objections", "Object to a result (township)"), post(pages::object)),
        (
            page("POST", "/evaluation/runs/{id}/objections/{objection_id}/answer", "Answer an objection (county)"),
            post(pages::answer),
        ),
        (
            page("GET", "/evaluation/runs/{id}/enterprises/{enterprise_id}", "One enterprise's result explained"),
            get(pages::result),
        ),
    ]
}
