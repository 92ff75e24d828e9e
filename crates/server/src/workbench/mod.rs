//! The workbench: each role's first page. What waits for the caller, counted, each count a link
//! to the list behind it, read through the same use cases as those lists (so a count and its
//! list cannot disagree):
//! - the county and a township: admissions at their review stage, last month's reports not
//!   filed, alarms not yet acknowledged and those escalated to them, lagging parks, exit tests
//!   failed and early warnings, policy applications at their stage, overdue service requests,
//!   enterprises stopped;
//! - an operator: its park's applications in review or sent back, units free, alarms, devices
//!   offline, service requests to take on and overdue, last month's reports not filed;
//! - an enterprise: the report to file next (one click to the form), its unread notices, its
//!   applications and requests waiting on it or in review, and its own pages.

pub mod pages;

use crate::AppState;
use crate::error::AppError;
use crate::extract::ApiUser;
use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::admission;
use weiyuan_domain::alarms::Level;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{due_date, first_unfiled};
use weiyuan_domain::services::{ACCEPTED, COMPLETED, REQUESTED};
use weiyuan_store::Store;

pub fn routes() -> Vec<(RouteSpec, Routed)> {
    vec![
        (page("GET", "/", "Home: the caller's workbench"), get(pages::home)),
        (api("GET", "/api/v1/workbench", "workbench", "What waits for the caller, counted, with links"), get(api_home)),
    ]
}

/// One thing waiting: how many, the list behind the count, and whether it asks the caller to
/// act now (`urgent`) or only to know.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Todo {
    /// The catalogue key is `todo.<key>`.
    pub key: &'static str,
    pub count: i64,
    pub href: String,
    pub urgent: bool,
    /// The month it is about (reports), and the day it is due.
    pub month: Option<Month>,
    pub due: Option<String>,
}

impl Todo {
    fn new(key: &'static str, count: impl TryInto<i64>, href: impl Into<String>) -> Todo {
        Todo {
            key,
            count: count.try_into().unwrap_or(i64::MAX),
            href: href.into(),
            urgent: false,
            month: None,
            due: None,
        }
    }

    /// Urgent when there is any.
    fn act(mut self) -> Todo {
        self.urgent = self.count > 0;
        self
    }
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Workbench {
    pub role: Role,
    pub today: String,
    pub todos: Vec<Todo>,
    /// The caller's own pages (an operator's park, an enterprise's record): (catalogue key, link).
    pub links: Vec<(&'static str, String)>,
}

impl Workbench {
    /// How many things ask the caller to act.
    pub fn urgent(&self) -> i64 {
        self.todos.iter().filter(|t| t.urgent).map(|t| t.count).sum()
    }
}

/// The caller's workbench.
pub async fn of(store: &Store, actor: &Actor) -> Result<Workbench, AppError> {
    let (todos, links) = match actor.role {
        Role::County | Role::Township => (government(store, actor).await?, Vec::new()),
        Role::Operator => operator(store, actor).await?,
        Role::Enterprise => enterprise(store, actor).await?,
        Role::Agency => agency(store, actor).await?,
    };
    Ok(Workbench { role: actor.role, today: crate::today(), todos, links })
}

/// Last month's reports: the active enterprises in scope that have not filed, and their due day.
async fn reports_missing(store: &Store, actor: &Actor) -> Result<Todo, AppError> {
    let month = crate::reports::last_month();
    let parks = crate::reports::status(store, actor, month).await?;
    let due = due_date(month, &store.rules().await?.reports);
    let missing: usize = parks.iter().map(|p| p.missing.len()).sum();
    let mut t = Todo::new("reports_missing", missing, format!("/reports?month={month}"));
    t.urgent = missing > 0 && crate::today() > due;
    t.month = Some(month);
    t.due = Some(due);
    Ok(t)
}

/// Open alarms not yet acknowledged, and (for a government) those escalated to its level.
async fn alarms(store: &Store, actor: &Actor) -> Result<Vec<Todo>, AppError> {
    let levels = store.open_alarm_levels(&actor.park_scope()).await?;
    let raised: i64 = levels.iter().filter(|(ack, _, _)| !ack).map(|(_, _, n)| n).sum();
    let unread = store.unread_notifications(actor.user_id).await?;
    let mut out = vec![
        Todo::new("alarms_raised", raised, "/alarms").act(),
        Todo::new("notifications_unread", unread, "/alarms#notifications"),
    ];
    let mine = match actor.role {
        Role::County => Some(Level::County),
        Role::Township => Some(Level::Township),
        _ => None,
    };
    if let Some(mine) = mine {
        let escalated: i64 = levels.iter().filter(|(_, level, _)| *level >= mine).map(|(_, _, n)| n).sum();
        out.push(Todo::new("alarms_escalated", escalated, "/alarms").act());
    }
    Ok(out)
}

async fn government(store: &Store, actor: &Actor) -> Result<Vec<Todo>, AppError> {
    let stage = if actor.role == Role::County { admission::COUNTY } else { admission::TOWNSHIP };
    let policy_stage =
        crate::policies::ApplicationQuery { status: stage.into(), size: "1".into(), ..Default::default() };
    let overdue = crate::services::RequestQuery { overdue: "1".into(), size: "1".into(), ..Default::default() };
    let stops = crate::operation::StopsQuery { size: "1".into(), ..Default::default() };
    let (admissions, reports, alarms, progress, exits, policy, services, stops) = tokio::try_join!(
        crate::admissions::list(store, actor),
        reports_missing(store, actor),
        alarms(store, actor),
        // Only the lagging parks are read; the targets are not.
        crate::progress::overview(store, actor, None, None),
        crate::exits::list(store, actor),
        crate::policies::applications(store, actor, &policy_stage),
        crate::services::requests(store, actor, &overdue),
        crate::operation::stops(store, actor, &stops),
    )?;
    let reviews = admissions.iter().filter(|a| a.status == stage).count();
    let failed = exits.iter().filter(|r| r.awaits_step()).count();
    let warnings = exits.iter().filter(|r| r.warning).count();
    let mut out = vec![
        Todo::new("admissions_review", reviews, format!("/admissions?status={stage}")).act(),
        Todo::new("policy_review", policy.1, format!("/policy-applications?status={stage}")).act(),
        reports,
    ];
    out.extend(alarms);
    out.extend([
        Todo::new("lagging_parks", progress.lagging.len(), "/progress#lagging").act(),
        Todo::new("exits_failed", failed, "/exits?failed=1").act(),
        Todo::new("exit_warnings", warnings, "/exits?warning=1"),
        Todo::new("services_overdue", services.1, "/service-requests?overdue=1").act(),
        Todo::new("stops_open", stops.total, "/operation/stops"),
    ]);
    Ok(out)
}

async fn operator(store: &Store, actor: &Actor) -> Result<(Vec<Todo>, Vec<(&'static str, String)>), AppError> {
    let park = actor.park_id.ok_or(AppError::Forbidden)?;
    let requested = crate::services::RequestQuery { state: REQUESTED.into(), size: "1".into(), ..Default::default() };
    let accepted = crate::services::RequestQuery { state: ACCEPTED.into(), size: "1".into(), ..Default::default() };
    let overdue = crate::services::RequestQuery { overdue: "1".into(), size: "1".into(), ..Default::default() };
    let (admissions, holdings, glance, alarms, reports, requested, accepted, overdue) = tokio::try_join!(
        crate::admissions::list(store, actor),
        crate::deals::holdings(store, actor, park),
        crate::telemetry::overview(store, actor),
        alarms(store, actor),
        reports_missing(store, actor),
        crate::services::requests(store, actor, &requested),
        crate::services::requests(store, actor, &accepted),
        crate::services::requests(store, actor, &overdue),
    )?;
    let in_review = admissions.iter().filter(|a| [admission::TOWNSHIP, admission::COUNTY].contains(&a.status.as_str()));
    let sent_back = admissions.iter().filter(|a| a.status == admission::SENT_BACK).count();
    let free = holdings.1.iter().filter(|h| h.owner_id.is_none() && h.tenant_id.is_none()).count();
    let offline: usize = glance.iter().map(|g| g.day.devices.saturating_sub(g.day.online)).sum();
    let mut out = vec![
        Todo::new("admissions_sent_back", sent_back, format!("/admissions?status={}", admission::SENT_BACK)).act(),
        Todo::new("admissions_in_review", in_review.count(), "/admissions"),
        Todo::new("requests_to_accept", requested.1, format!("/service-requests?state={REQUESTED}")).act(),
        Todo::new("requests_to_complete", accepted.1, format!("/service-requests?state={ACCEPTED}")),
        Todo::new("services_overdue", overdue.1, "/service-requests?overdue=1").act(),
        reports,
    ];
    out.extend(alarms);
    out.extend([
        Todo::new("devices_offline", offline, format!("/parks/{park}/devices")).act(),
        Todo::new("units_free", free, format!("/parks/{park}/deals")),
    ]);
    let links = vec![
        ("workbench.my_park", format!("/parks/{park}")),
        ("workbench.my_enterprises", format!("/parks/{park}/enterprises")),
        ("workbench.my_monitoring", format!("/parks/{park}/monitoring")),
        ("workbench.my_operation", format!("/operation/parks/{park}")),
    ];
    Ok((out, links))
}

/// A service agency: the requests for its services waiting on it, and those late.
async fn agency(store: &Store, actor: &Actor) -> Result<(Vec<Todo>, Vec<(&'static str, String)>), AppError> {
    let requested = crate::services::RequestQuery { state: REQUESTED.into(), size: "1".into(), ..Default::default() };
    let accepted = crate::services::RequestQuery { state: ACCEPTED.into(), size: "1".into(), ..Default::default() };
    let overdue = crate::services::RequestQuery { overdue: "1".into(), size: "1".into(), ..Default::default() };
    let (requested, accepted, overdue) = tokio::try_join!(
        crate::services::requests(store, actor, &requested),
        crate::services::requests(store, actor, &accepted),
        crate::services::requests(store, actor, &overdue),
    )?;
    let todos = vec![
        Todo::new("requests_to_accept", requested.1, format!("/service-requests?state={REQUESTED}")).act(),
        Todo::new("requests_to_complete", accepted.1, format!("/service-requests?state={ACCEPTED}")),
        Todo::new("services_overdue", overdue.1, "/service-requests?overdue=1").act(),
    ];
    Ok((todos, vec![("workbench.my_services", "/services".to_string())]))
}

/// The month an enterprise files next, if any, and when it is due.
pub async fn next_report(
    store: &Store,
    actor: &Actor,
    enterprise_id: i64,
) -> Result<Option<(Month, String)>, AppError> {
    let (e, reports) = crate::reports::list(store, actor, enterprise_id).await?;
    let filed: Vec<Month> = reports.iter().map(|r| r.month).collect();
    let entry = e.entry_date.as_deref().and_then(|d| Month::parse(d.get(..7)?));
    let rules = store.rules().await?.reports;
    Ok(first_unfiled(&filed, entry, crate::reports::last_month()).map(|m| (m, due_date(m, &rules))))
}

async fn enterprise(store: &Store, actor: &Actor) -> Result<(Vec<Todo>, Vec<(&'static str, String)>), AppError> {
    let id = actor.enterprise_id.ok_or(AppError::Forbidden)?;
    let returned =
        crate::policies::ApplicationQuery { status: "returned".into(), size: "1".into(), ..Default::default() };
    let completed = crate::services::RequestQuery { state: COMPLETED.into(), size: "1".into(), ..Default::default() };
    let open = crate::services::RequestQuery { state: REQUESTED.into(), size: "1".into(), ..Default::default() };
    let working = crate::services::RequestQuery { state: ACCEPTED.into(), size: "1".into(), ..Default::default() };
    let (next, notices, admissions, returned, completed, open, working) = tokio::try_join!(
        next_report(store, actor, id),
        async { Ok::<_, AppError>(store.unread_policy_notices(id).await?) },
        crate::admissions::list(store, actor),
        crate::policies::applications(store, actor, &returned),
        crate::services::requests(store, actor, &completed),
        crate::services::requests(store, actor, &open),
        crate::services::requests(store, actor, &working),
    )?;
    let report = match next {
        Some((month, due)) => Todo {
            urgent: true,
            month: Some(month),
            due: Some(due),
            ..Todo::new("report_due", 1, format!("/enterprises/{id}/reports?month={month}"))
        },
        None => Todo::new("report_due", 0, format!("/enterprises/{id}/reports")),
    };
    let sent_back = admissions.iter().filter(|a| a.status == admission::SENT_BACK).count();
    let in_review = admissions.iter().filter(|a| [admission::TOWNSHIP, admission::COUNTY].contains(&a.status.as_str()));
    let todos = vec![
        report,
        Todo::new("notices_unread", notices, "/policies").act(),
        Todo::new("admissions_sent_back", sent_back, format!("/admissions?status={}", admission::SENT_BACK)).act(),
        Todo::new("policy_returned", returned.1, "/policy-applications?status=returned").act(),
        Todo::new("requests_to_confirm", completed.1, format!("/service-requests?state={COMPLETED}")).act(),
        Todo::new("admissions_in_review", in_review.count(), "/admissions"),
        Todo::new("requests_open", open.1 + working.1, "/service-requests"),
    ];
    let links = vec![
        ("workbench.my_record", format!("/enterprises/{id}")),
        ("workbench.my_reports", format!("/enterprises/{id}/reports")),
        ("workbench.my_operation", format!("/operation/enterprises/{id}")),
        ("workbench.my_evaluation", "/evaluation/mine".to_string()),
        ("workbench.my_policies", "/policies".to_string()),
    ];
    Ok((todos, links))
}

pub async fn api_home(State(s): State<AppState>, u: ApiUser) -> Result<Json<Workbench>, crate::error::ApiError> {
    Ok(Json(of(&s.store, &u.actor).await.map_err(u.err())?))
}
