//! 入园企业在线运行监测: each enterprise's operation, seen from its electricity meters.
//!
//! Every civil day that has ended is checked once (a timer; the county can check a period again
//! after changing the settings): the store reads what the check needs, `domain::operation`
//! decides each enterprise's status and streak, and the store writes the day's rows with the
//! stops raised or cleared in one transaction. A stop is an alarm of the rules with the
//! `stopped` condition on the enterprise's meter, raised at the township's level, so it reaches
//! the operator and the township in the app and by webhook, once; the township (or the county)
//! marks it explained with a reason, which acknowledges the alarm.
//!
//! Reads are scoped like every park list: the county sees all, a township its parks, an
//! operator its park, an enterprise only itself. This feature declares its own routes.

pub mod api;
pub mod pages;

use crate::error::AppError;
use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use weiyuan_domain::access::{Actor, ParkScope, Role};
use weiyuan_domain::alarms::{Condition, DeviceRef};
use weiyuan_domain::operation::{
    self as op, DayKind, ExplainForm, Rate, Register, Settings, SettingsForm, Status, StopChange, day_of, day_text,
    parse_day,
};
use weiyuan_domain::parks::Park;
use weiyuan_domain::telemetry::Bucket;
use weiyuan_domain::validation::{Checker, FieldError};
use weiyuan_store::operation::{DayRow, EnterpriseDay, METRIC, Stop, StopWrite};
use weiyuan_store::{AuditCtx, Store, StoreError};

/// Days the trend covers.
pub const TREND_DAYS: i64 = 90;
/// Days the first check goes back when nothing was checked yet (enough for a 4-week baseline).
pub const FIRST_CHECK_DAYS: i64 = 42;
pub const PAGE_SIZE: i64 = 50;

pub fn routes() -> Vec<(RouteSpec, Routed)> {
    vec![
        (
            api(
                "GET",
                "/api/v1/operation",
                "operation",
                "Operating rate of a day in scope: counts per park, trend, long stops",
            ),
            get(api::overview),
        ),
        (
            api("GET", "/api/v1/operation/enterprises", "operation", "Enterprises of a day by status (paged)"),
            get(api::enterprises),
        ),
        (
            api("GET", "/api/v1/operation/enterprises/{id}", "operation", "An enterprise's days, hours and months"),
            get(api::enterprise),
        ),
        (api("GET", "/api/v1/operation/stops", "operation", "Stop notices in scope (paged)"), get(api::stops)),
        (
            api(
                "GET",
                "/api/v1/operation/mismatches",
                "operation",
                "Enterprises whose metered and reported electricity keep disagreeing",
            ),
            get(api::mismatches),
        ),
        (
            api("POST", "/api/v1/operation/stops/{id}/explain", "operation", "Mark a stop explained, with the reason"),
            post(api::explain),
        ),
        (api("GET", "/api/v1/operation/settings", "operation", "The operation settings"), get(api::settings)),
        (
            api("PUT", "/api/v1/operation/settings", "operation", "Change the operation settings"),
            put(api::set_settings),
        ),
        (
            api("POST", "/api/v1/operation/check", "operation", "Check a period of days again (the county)"),
            post(api::check),
        ),
        (page("GET", "/operation", "Operation monitoring: operating rate, trend, stops"), get(pages::overview)),
        (page("GET", "/operation/list", "Enterprises of a day by status"), get(pages::list)),
        (page("GET", "/operation/parks/{id}", "A park's operating rate and its enterprises"), get(pages::park)),
        (page("GET", "/operation/enterprises/{id}", "An enterprise's operation"), get(pages::enterprise)),
        (page("GET", "/operation/stops", "Stop notices"), get(pages::stops)),
        (page("GET", "/operation/mismatches", "Metered and reported electricity disagreeing"), get(pages::mismatches)),
        (page("POST", "/operation/stops/{id}/explain", "Mark a stop explained"), post(pages::explain)),
        (page("GET", "/operation/settings", "Operation settings"), get(pages::settings)),
        (page("POST", "/operation/settings", "Change the operation settings"), post(pages::set_settings)),
    ]
}

// ---- the daily check ----

/// What checking days did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CheckRun {
    pub days: usize,
    pub enterprises: usize,
    pub raised: usize,
    pub cleared: usize,
    /// Milliseconds spent reading what the checks need, deciding, and writing.
    pub read_ms: u64,
    pub decide_ms: u64,
    pub write_ms: u64,
}

/// Check one day: read, decide every enterprise, write in one transaction. Stops are raised only
/// when `notify` (a day just ended: catching up on old days, or checking a period again, tells
/// nobody of stops long past); a day before an open stop was raised changes nothing of it.
pub async fn check_day(
    store: &Store,
    settings: &Settings,
    day: i64,
    now: i64,
    notify: bool,
) -> Result<CheckRun, StoreError> {
    let started = std::time::Instant::now();
    let calendar = settings.calendar();
    let kind = calendar.kind(day);
    let candidates = calendar.baseline_candidates(day, settings.baseline_weeks);
    let recent = calendar.baseline_days(day, settings.baseline_weeks);
    let older: Vec<i64> = candidates.iter().copied().filter(|d| !recent.contains(d)).collect();
    let inputs = store.operation_inputs(day, &recent, &older).await?;
    let rules: Vec<_> = store
        .alarm_rules()
        .await?
        .into_iter()
        .filter(|r| r.active && r.condition == Condition::Stopped && r.metric == METRIC)
        .collect();
    let read = started.elapsed();
    let mut rows = Vec::with_capacity(inputs.enterprises.len());
    let mut stops: Vec<StopWrite> = inputs
        .orphan_stops
        .iter()
        .filter(|s| s.raised_day <= day)
        .map(|s| StopWrite::Clear { stop_id: s.id, enterprise_id: s.enterprise_id, day })
        .collect();
    for i in &inputs.enterprises {
        let registers: &[Register] = &i.registers;
        let baseline = op::baseline(&i.samples, settings.baseline_weeks);
        let d = op::decide(i.meters.len(), op::total_use(registers), baseline, settings);
        let streak = op::streak(i.streak_before, kind, d.status);
        let since = op::streak_since(i.since_before, i.streak_before, streak, day);
        // A stop raised after this day (the day checked again) is not this day's to change.
        let open = i.open_stop.filter(|s| s.raised_day <= day);
        let change = if i.open_stop.is_some() && open.is_none() {
            StopChange::Keep
        } else {
            op::stop_change(streak, d.status, open.is_some(), settings)
        };
        match (change, i.meters.first(), open) {
            (StopChange::Raise, Some(meter), _) if notify => {
                let applying: Vec<_> = rules
                    .iter()
                    .filter(|r| {
                        r.applies_to(DeviceRef {
                            id: *meter,
                            park_id: i.park_id,
                            kind: weiyuan_store::operation::METER_KIND,
                        })
                    })
                    .map(|r| (r.id, r.severity))
                    .collect();
                stops.push(StopWrite::Raise {
                    enterprise_id: i.enterprise_id,
                    park_id: i.park_id,
                    first_day: since.unwrap_or(day),
                    day,
                    meter: *meter,
                    rules: applying,
                });
            }
            (StopChange::Clear, _, Some(stop)) => {
                stops.push(StopWrite::Clear { stop_id: stop.id, enterprise_id: i.enterprise_id, day })
            }
            _ => {}
        }
        rows.push(DayRow {
            enterprise_id: i.enterprise_id,
            park_id: i.park_id,
            day,
            kind,
            meters: i.meters.len() as i64,
            use_kwh: d.use_kwh,
            baseline_kwh: d.baseline_kwh,
            status: d.status,
            streak,
            streak_since: since,
        });
    }
    let decided = started.elapsed();
    let (raised, cleared) = store.save_operation_day(day, &rows, &stops, now).await?;
    Ok(CheckRun {
        days: 1,
        enterprises: rows.len(),
        raised,
        cleared,
        read_ms: read.as_millis() as u64,
        decide_ms: (decided - read).as_millis() as u64,
        write_ms: (started.elapsed() - decided).as_millis() as u64,
    })
}

/// A day is checked once this long after it ends, so that readings a meter kept while offline
/// for a while are in.
pub const GRACE_MS: i64 = 2 * 3_600_000;

/// Check every day that has ended and was not checked yet (at most the last `FIRST_CHECK_DAYS`
/// when nothing was checked), as of `now`.
pub async fn check_due(store: &Store, now: i64) -> Result<CheckRun, StoreError> {
    let yesterday = day_of(now - GRACE_MS) - 1;
    let from = match store.last_operation_day().await? {
        Some(last) => (last + 1).max(yesterday - FIRST_CHECK_DAYS + 1),
        None => yesterday - FIRST_CHECK_DAYS + 1,
    };
    check_range(store, from, yesterday, now).await
}

/// Check the days from `from` to `to` in order, with the stored settings.
pub async fn check_range(store: &Store, from: i64, to: i64, now: i64) -> Result<CheckRun, StoreError> {
    let settings = store.operation_settings().await?;
    let mut run = CheckRun::default();
    // Only the day just ended tells of stops (and the day before it, checked late).
    let recent = day_of(now - GRACE_MS) - 2;
    for day in from..=to {
        let r = check_day(store, &settings, day, now, day >= recent).await?;
        run.days += 1;
        run.enterprises = r.enterprises;
        run.raised += r.raised;
        run.cleared += r.cleared;
        run.read_ms += r.read_ms;
        run.decide_ms += r.decide_ms;
        run.write_ms += r.write_ms;
    }
    Ok(run)
}

/// Check the ended days every ten minutes (a day is checked once, soon after midnight).
pub fn spawn_checks(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match check_due(&store, weiyuan_store::now_ms()).await {
                Ok(r) if r.days > 0 => {
                    tracing::info!(days = r.days, raised = r.raised, cleared = r.cleared, "operation check")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "operation check"),
            }
        }
    })
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CheckForm {
    pub from: String,
    pub to: String,
}

/// The county checks a period again (after changing the settings), at most 120 days, none in
/// the future.
pub async fn check_again(store: &Store, actor: &Actor, f: &CheckForm) -> Result<CheckRun, AppError> {
    county(actor)?;
    let mut c = Checker::new();
    let today = crate::today();
    let from = c.date("from", &f.from, &today);
    let to = c.date("to", &f.to, &today);
    c.finish(())?;
    let (from, to) = (parse_day(&from).unwrap_or(0), parse_day(&to).unwrap_or(0));
    let yesterday = day_of(weiyuan_store::now_ms()) - 1;
    let mut c = Checker::new();
    if to < from {
        c.push(FieldError::new("to", "error.operation.period_reversed"));
    } else if to - from >= 120 {
        c.push(FieldError::new("to", "error.operation.period_too_long").with("max", 120));
    } else if to > yesterday {
        c.push(FieldError::new("to", "error.operation.day_not_ended"));
    }
    c.finish(())?;
    let run = check_range(store, from, to, weiyuan_store::now_ms()).await?;
    store
        .record_action(
            &AuditCtx::from(actor),
            "check",
            "operation",
            json!({ "from": day_text(from), "to": day_text(to), "days": run.days }),
        )
        .await?;
    Ok(run)
}

fn county(actor: &Actor) -> Result<(), AppError> {
    if actor.role == Role::County { Ok(()) } else { Err(AppError::Forbidden) }
}

// ---- settings ----

pub async fn settings(store: &Store) -> Result<Settings, AppError> {
    Ok(store.operation_settings().await?)
}

pub async fn set_settings(store: &Store, actor: &Actor, f: &SettingsForm) -> Result<Settings, AppError> {
    let maker = actor.rule_maker()?;
    let s = f.validate()?;
    store.set_operation_settings(&maker, &AuditCtx::from(actor), &s).await?;
    Ok(s)
}

// ---- reads ----

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DayQuery {
    /// YYYY-MM-DD; empty: the last day checked.
    pub day: String,
    /// A status code; empty: every status.
    pub status: String,
    /// Only enterprises stopped this many working days in a row or more.
    pub min_streak: String,
    pub park_id: String,
    pub page: String,
    pub size: String,
}

/// The day asked for (or the last one checked; None before any check), refused by name.
async fn day_asked(store: &Store, c: &mut Checker, text: &str) -> Result<Option<i64>, AppError> {
    if text.trim().is_empty() {
        return Ok(store.last_operation_day().await?);
    }
    match parse_day(text) {
        Some(d) => Ok(Some(d)),
        None => {
            c.push(FieldError::new("day", "error.date_format").with("value", text.trim()));
            Ok(None)
        }
    }
}

/// One park's rate on the day.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkRate {
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub rate: Rate,
}

/// One township's rate on the day.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct TownshipRate {
    pub township_code: String,
    pub township: String,
    pub rate: Rate,
}

/// One day of the trend.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct TrendDay {
    pub day: String,
    pub kind: DayKind,
    pub rate: Rate,
}

/// One month of a disagreement: (month, metered kWh, reported kWh, difference %).
pub type MonthDiff = (String, f64, f64, Option<f64>);

/// An enterprise whose metered and reported electricity disagreed for months in a row.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Mismatch {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub months: i64,
    /// Oldest first.
    pub detail: Vec<MonthDiff>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub day: Option<String>,
    pub kind: Option<DayKind>,
    pub rate: Rate,
    pub parks: Vec<ParkRate>,
    /// Per township (lowest rate first), from its parks.
    pub townships: Vec<TownshipRate>,
    pub trend: Vec<TrendDay>,
    /// Enterprises stopped the settings' working days in a row or more on the day.
    pub stopped_long: i64,
    pub open_stops: i64,
    pub settings: Settings,
}

/// The scope a read covers: the caller's, narrowed to one park when asked (and allowed).
async fn scope_of(store: &Store, actor: &Actor, park_id: &str) -> Result<(ParkScope, Option<Park>), AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    match park_id.trim() {
        "" => Ok((actor.park_scope(), None)),
        p => {
            let id = p.parse::<i64>().map_err(|_| {
                AppError::Invalid(weiyuan_domain::Invalid::one(
                    FieldError::new("park_id", "error.not_integer").with("value", p),
                ))
            })?;
            let park = crate::parks::get(store, actor, id).await?;
            Ok((ParkScope::Park(park.id), Some(park)))
        }
    }
}

fn trend(counts: &[weiyuan_store::operation::StatusCount], from: i64, to: i64, cal: &op::Calendar) -> Vec<TrendDay> {
    let mut by_day: BTreeMap<i64, Rate> = (from..=to).map(|d| (d, Rate::default())).collect();
    for (_, day, status, n) in counts {
        if let Some(r) = by_day.get_mut(day) {
            r.add(*status, *n);
        }
    }
    by_day.into_iter().map(|(d, rate)| TrendDay { day: day_text(d), kind: cal.kind(d), rate }).collect()
}

pub async fn overview(store: &Store, actor: &Actor, q: &DayQuery) -> Result<Overview, AppError> {
    let (scope, _) = scope_of(store, actor, &q.park_id).await?;
    let mut c = Checker::new();
    let day = day_asked(store, &mut c, &q.day).await?;
    c.finish(())?;
    let settings = store.operation_settings().await?;
    let cal = settings.calendar();
    let mut o = Overview {
        day: day.map(day_text),
        kind: day.map(|d| cal.kind(d)),
        rate: Rate::default(),
        parks: Vec::new(),
        townships: Vec::new(),
        trend: Vec::new(),
        stopped_long: 0,
        open_stops: store.operation_stops(&scope, true, 0, 1).await?.1,
        settings: settings.clone(),
    };
    let Some(day) = day else { return Ok(o) };
    let days = store.operation_trend(&scope, day - TREND_DAYS + 1, day).await?;
    o.trend = trend(&days, day - TREND_DAYS + 1, day, &cal);
    let counts = store.operation_counts(&scope, day, day).await?;
    let parks: HashMap<i64, Park> = store.list_parks(&scope).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut per_park: BTreeMap<i64, Rate> = BTreeMap::new();
    for (park, _, status, n) in &counts {
        per_park.entry(*park).or_default().add(*status, *n);
        o.rate.add(*status, *n);
    }
    o.parks = per_park
        .into_iter()
        .filter_map(|(id, rate)| {
            parks.get(&id).map(|p| ParkRate {
                park_id: id,
                park: p.name.clone(),
                township_code: p.township_code.clone(),
                rate,
            })
        })
        .collect();
    o.parks.sort_by(|a, b| a.rate.rate_pct.partial_cmp(&b.rate.rate_pct).unwrap_or(std::cmp::Ordering::Equal));
    let mut towns: BTreeMap<String, Rate> = BTreeMap::new();
    for p in &o.parks {
        let t = towns.entry(p.township_code.clone()).or_default();
        for status in Status::ALL {
            t.add(status, p.rate.count(status));
        }
    }
    o.townships = towns
        .into_iter()
        .map(|(code, rate)| TownshipRate {
            township: crate::supervision::township_name(&code),
            township_code: code,
            rate,
        })
        .collect();
    o.townships.sort_by(|a, b| a.rate.rate_pct.partial_cmp(&b.rate.rate_pct).unwrap_or(std::cmp::Ordering::Equal));
    o.stopped_long = store.operation_stopped_count(&scope, day, settings.stopped_days).await?;
    Ok(o)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MismatchQuery {
    /// A day of the month after the months compared; empty: the last day checked.
    pub day: String,
    pub park_id: String,
}

/// The enterprises in scope whose metered and reported electricity disagreed in each of the
/// settings' months before the day's month.
pub async fn mismatch_list(
    store: &Store,
    actor: &Actor,
    q: &MismatchQuery,
) -> Result<(Vec<Mismatch>, Settings), AppError> {
    let (scope, _) = scope_of(store, actor, &q.park_id).await?;
    let mut c = Checker::new();
    let day = day_asked(store, &mut c, &q.day).await?;
    c.finish(())?;
    let settings = store.operation_settings().await?;
    let list = match day {
        Some(day) => mismatches(store, &scope, None, &settings, day).await?,
        None => Vec::new(),
    };
    Ok((list, settings))
}

/// The months before the one holding `day`, oldest first: (first day, first day of the next, "2026-10").
fn months_before(day: i64, n: i64) -> Vec<(i64, i64, String)> {
    let mut out = Vec::new();
    let (mut start, _) = op::month_of(day);
    for _ in 0..n {
        let (s, e) = op::month_of(start - 1);
        out.push((s, e, day_text(s)[..7].to_string()));
        start = s;
    }
    out.reverse();
    out
}

/// Enterprises whose metered and reported electricity disagreed (beyond the reconciliation's
/// tolerance, both present) in each of the settings' months before the day's month.
async fn mismatches(
    store: &Store,
    scope: &ParkScope,
    enterprise_id: Option<i64>,
    settings: &Settings,
    day: i64,
) -> Result<Vec<Mismatch>, AppError> {
    let months = months_before(day, settings.mismatch_months);
    let metered =
        store.metered_months(scope, enterprise_id, &months.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>()).await?;
    let reported = store
        .reported_electricity(scope, enterprise_id, &months.iter().map(|m| m.2.clone()).collect::<Vec<_>>())
        .await?;
    let tolerance = store.recon_tolerance_pct().await?;
    let mut by: BTreeMap<i64, Vec<MonthDiff>> = BTreeMap::new();
    for (e, _) in metered.keys() {
        by.entry(*e).or_default();
    }
    let mut out = Vec::new();
    for (e, detail) in by.iter_mut() {
        let mut flags = Vec::new();
        for (start, _, month) in &months {
            let m = metered.get(&(*e, *start)).copied();
            let r = reported.get(&(*e, month.clone())).copied();
            let check = weiyuan_domain::telemetry::reconcile(r, m, tolerance);
            flags.push(m.is_some() && r.is_some() && check.flagged);
            if let (Some(m), Some(r)) = (m, r) {
                detail.push((month.clone(), m, r, check.difference_pct));
            }
        }
        let run = op::flagged_run(&flags);
        if run >= settings.mismatch_months {
            out.push((*e, run, std::mem::take(detail)));
        }
    }
    let names: HashMap<i64, weiyuan_store::enterprises::Enterprise> = store
        .enterprises_by_ids(&out.iter().map(|o| o.0).collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    Ok(out
        .into_iter()
        .filter_map(|(id, months, detail)| {
            names.get(&id).map(|e| Mismatch {
                enterprise_id: id,
                enterprise: e.name.clone(),
                park_id: e.park_id,
                months,
                detail,
            })
        })
        .collect())
}

/// A day's enterprises in scope, by status, a page of them.
pub struct DayList {
    pub day: Option<String>,
    pub status: Option<Status>,
    pub min_streak: i64,
    pub park: Option<Park>,
    pub rows: Vec<EnterpriseDay>,
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub rate: Rate,
    pub trend: Vec<TrendDay>,
}

pub async fn day_list(store: &Store, actor: &Actor, q: &DayQuery) -> Result<DayList, AppError> {
    let (scope, park) = scope_of(store, actor, &q.park_id).await?;
    let mut c = Checker::new();
    let day = day_asked(store, &mut c, &q.day).await?;
    let status = match q.status.trim() {
        "" => None,
        s => c.choice("status", s, Status::parse),
    };
    let min_streak = match q.min_streak.trim() {
        "" => 0,
        s => c.integer("min_streak", s, 0, 400),
    };
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let mut list = DayList {
        day: day.map(day_text),
        status,
        min_streak,
        park,
        rows: Vec::new(),
        total: 0,
        page,
        size,
        rate: Rate::default(),
        trend: Vec::new(),
    };
    let Some(day) = day else { return Ok(list) };
    let (rows, total) = store.operation_day(&scope, day, status, min_streak, (page - 1) * size, size).await?;
    (list.rows, list.total) = (rows, total);
    if list.park.is_some() {
        let cal = store.operation_settings().await?.calendar();
        let counts = store.operation_trend(&scope, day - TREND_DAYS + 1, day).await?;
        for (_, _, s, n) in counts.iter().filter(|c| c.1 == day) {
            list.rate.add(*s, *n);
        }
        list.trend = trend(&counts, day - TREND_DAYS + 1, day, &cal);
    }
    Ok(list)
}

/// One hour of a day.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct HourUse {
    pub hour: i64,
    pub use_kwh: f64,
}

/// One month: metered against reported.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MonthUse {
    pub month: String,
    pub metered_kwh: Option<f64>,
    pub reported_kwh: Option<f64>,
    pub check: weiyuan_domain::telemetry::Reconciliation,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EnterpriseOperation {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub days: Vec<EnterpriseDay>,
    /// The day the hours are of, and the status explained.
    pub day: Option<String>,
    pub decision: Option<op::Decision>,
    pub hours: Vec<HourUse>,
    /// Water and output counters bound to it, by day.
    pub others: Vec<OtherSeries>,
    pub months: Vec<MonthUse>,
    pub stops: Vec<Stop>,
    pub settings: Settings,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct EnterpriseQuery {
    pub day: String,
}

pub async fn enterprise(
    store: &Store,
    actor: &Actor,
    id: i64,
    q: &EnterpriseQuery,
) -> Result<EnterpriseOperation, AppError> {
    let e = crate::enterprises::get(store, actor, id).await?;
    let mut c = Checker::new();
    let last = day_asked(store, &mut c, "").await?;
    let day = if q.day.trim().is_empty() { last } else { day_asked(store, &mut c, &q.day).await? };
    c.finish(())?;
    let settings = store.operation_settings().await?;
    let end = last.unwrap_or(day_of(weiyuan_store::now_ms()) - 1).max(day.unwrap_or(i64::MIN));
    let days = store.enterprise_days(id, end - TREND_DAYS + 1, end).await?;
    let bound: Vec<_> = store
        .list_devices(&ParkScope::Park(e.park_id))
        .await?
        .into_iter()
        .filter(|d| d.enterprise_id == Some(id))
        .collect();
    let meters: Vec<i64> =
        bound.iter().filter(|d| d.kind == weiyuan_store::operation::METER_KIND).map(|d| d.id).collect();
    let mut others = Vec::new();
    for (kind, metric, unit, counter) in OTHER_METERS {
        let ids: Vec<i64> = bound.iter().filter(|d| d.kind == kind).map(|d| d.id).collect();
        if ids.is_empty() {
            continue;
        }
        let from = op::day_start(end - TREND_DAYS);
        let rollups = store.rollups(&ids, Bucket::Day, from, op::day_start(end + 1)).await?;
        let mine = rollups.iter().filter(|r| r.metric == metric);
        let by_day: BTreeMap<i64, f64> = if counter {
            op::counted(&mine.map(|r| (r.device_id, r.start_ts, r.min, r.last)).collect::<Vec<_>>(), 86_400_000)
        } else {
            let mut sums = BTreeMap::new();
            for r in mine {
                *sums.entry(r.start_ts).or_insert(0.0) += r.sum;
            }
            sums
        };
        let days = by_day
            .into_iter()
            .filter(|(s, _)| *s > from)
            .map(|(s, v)| (day_text(day_of(s)), (v * 100.0).round() / 100.0))
            .collect();
        others.push(OtherSeries { metric: metric.to_string(), unit: unit.to_string(), days });
    }
    let mut hours = Vec::new();
    let mut decision = None;
    if let Some(day) = day {
        let start = op::day_start(day);
        let rollups = store.rollups(&meters, Bucket::Hour, start - 3_600_000, start + 86_400_000).await?;
        hours = hourly(&rollups, start);
        if let Some(row) = days.iter().find(|d| d.day == day) {
            decision = Some(op::decide(row.meters as usize, row.use_kwh, row.baseline_kwh, &settings));
        }
    }
    let months = months_before(end + 1, 6);
    let scope = ParkScope::Park(e.park_id);
    let metered =
        store.metered_months(&scope, Some(id), &months.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>()).await?;
    let reported =
        store.reported_electricity(&scope, Some(id), &months.iter().map(|m| m.2.clone()).collect::<Vec<_>>()).await?;
    let tolerance = store.recon_tolerance_pct().await?;
    let months = months
        .into_iter()
        .map(|(start, _, month)| {
            let m = metered.get(&(id, start)).copied();
            let r = reported.get(&(id, month.clone())).copied();
            MonthUse {
                month,
                metered_kwh: m,
                reported_kwh: r,
                check: weiyuan_domain::telemetry::reconcile(r, m, tolerance),
            }
        })
        .collect();
    let stops = store.enterprise_stops(id).await?;
    Ok(EnterpriseOperation {
        enterprise_id: id,
        enterprise: e.name,
        park_id: e.park_id,
        days,
        day: day.map(day_text),
        decision,
        hours,
        others,
        months,
        stops,
        settings,
    })
}

/// Use per hour of the day starting at `start`, over all the meters, from hour rollups (the hour
/// before the day included, so the first hour counts from its last reading).
fn hourly(rollups: &[weiyuan_store::telemetry::Rollup], start: i64) -> Vec<HourUse> {
    let points: Vec<(i64, i64, f64, f64)> =
        rollups.iter().filter(|r| r.metric == METRIC).map(|r| (r.device_id, r.start_ts, r.min, r.last)).collect();
    op::counted(&points, 3_600_000)
        .into_iter()
        .filter(|(s, _)| *s >= start)
        .map(|(s, u)| HourUse { hour: (s - start) / 3_600_000, use_kwh: (u * 100.0).round() / 100.0 })
        .collect()
}

/// The other meters bound to an enterprise, shown beside its electricity: (kind, metric, unit,
/// counter: a register rather than counts per reading).
const OTHER_METERS: [(&str, &str, &str, bool); 2] =
    [("water_meter", "water_m3", "m³", true), ("line_counter", "pieces", "件", false)];

/// One other meter's daily figures.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct OtherSeries {
    pub metric: String,
    pub unit: String,
    /// (day, figure), oldest first.
    pub days: Vec<(String, f64)>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StopsQuery {
    /// "all" for cleared ones too; default: open ones.
    pub show: String,
    pub park_id: String,
    pub page: String,
    pub size: String,
}

pub struct StopList {
    pub rows: Vec<Stop>,
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub all: bool,
}

pub async fn stops(store: &Store, actor: &Actor, q: &StopsQuery) -> Result<StopList, AppError> {
    let (scope, _) = scope_of(store, actor, &q.park_id).await?;
    let mut c = Checker::new();
    let all = match q.show.trim() {
        "" | "open" => false,
        "all" => true,
        other => {
            c.push(FieldError::new("show", "error.unknown_choice").with("value", other));
            false
        }
    };
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let (rows, total) = store.operation_stops(&scope, !all, (page - 1) * size, size).await?;
    Ok(StopList { rows, total, page, size, all })
}

/// The township of the stop's park (or the county) explains it.
pub async fn explain(store: &Store, actor: &Actor, stop_id: i64, f: &ExplainForm) -> Result<Stop, AppError> {
    let stop = store.operation_stop(stop_id).await?;
    let park = store.get_park(stop.park_id).await?;
    let authority = actor.park_authority(&park.as_ref())?;
    let (reason, comment) = f.validate()?;
    Ok(store.explain_stop(&AuditCtx::from(actor), &authority, stop_id, reason, &comment).await?)
}
