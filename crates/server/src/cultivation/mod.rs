//! The cultivation library (梯次培育库): start-up, tech-based, export and brand enterprises and
//! the 小升规 candidates found in the reports, with counts per park and township; each
//! enterprise's liaison officer, visits and follow-up tasks, kept by its township or the county.
//!
//! Writes take the `ParkAuthority` of the enterprise's park (docs/architecture.md). This feature
//! declares its own routes.

pub mod api;
pub mod pages;

use crate::error::AppError;
use crate::policies::PAGE_SIZE;
use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get, post, put};
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ParkScope};
use weiyuan_domain::cultivation::{LiaisonForm, TIERS, TaskForm, VisitForm, scale_up_gap};
use weiyuan_domain::units::Fixed2;
use weiyuan_domain::validation::{Checker, FieldError};
use weiyuan_store::cultivation::{Liaison, Member, Task, Visit};
use weiyuan_store::{AuditCtx, Store};

pub fn routes() -> Vec<(RouteSpec, Routed)> {
    vec![
        (
            api("GET", "/api/v1/cultivation", "cultivation", "The library in scope, with counts per park"),
            get(api::library),
        ),
        (
            api(
                "GET",
                "/api/v1/enterprises/{id}/cultivation",
                "cultivation",
                "An enterprise's liaison, visits and tasks",
            ),
            get(api::record),
        ),
        (
            api("PUT", "/api/v1/enterprises/{id}/liaison", "cultivation", "Assign the liaison officer"),
            put(api::liaison),
        ),
        (api("POST", "/api/v1/enterprises/{id}/visits", "cultivation", "Record a visit"), post(api::visit)),
        (api("POST", "/api/v1/enterprises/{id}/tasks", "cultivation", "Add a follow-up task"), post(api::task)),
        (api("POST", "/api/v1/cultivation-tasks/{id}/done", "cultivation", "Mark a task done"), post(api::done)),
        (page("GET", "/cultivation", "The cultivation library"), get(pages::library)),
        (page("GET", "/cultivation/{id}", "An enterprise's cultivation record"), get(pages::record)),
        (page("POST", "/cultivation/{id}/liaison", "Assign the liaison officer"), post(pages::liaison)),
        (page("POST", "/cultivation/{id}/visits", "Record a visit"), post(pages::visit)),
        (page("POST", "/cultivation/{id}/tasks", "Add a follow-up task"), post(pages::task)),
        (page("POST", "/cultivation-tasks/{id}/done", "Mark a task done"), post(pages::done)),
    ]
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct LibraryQuery {
    /// A tier (`startup`, `tech_based`, `export`, `brand`) or `candidate`; empty: all.
    pub tier: String,
    pub page: String,
    pub size: String,
}

/// An enterprise of the library: its tiers and, for a candidate, its gap to 2,000 万元.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Entry {
    #[serde(flatten)]
    pub member: Member,
    pub tiers: Vec<&'static str>,
    pub gap: Option<Fixed2>,
}

/// The library's counts of one park.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    /// Per tier, in `TIERS` order.
    pub tiers: [i64; 4],
    pub candidates: i64,
}

pub struct Library {
    pub rows: Vec<Entry>,
    pub total: i64,
    pub page: i64,
    pub size: i64,
    pub counts: Vec<Counts>,
}

/// The library of the caller's scope (the county, a township, an operator; not enterprises).
pub async fn library(store: &Store, actor: &Actor, q: &LibraryQuery) -> Result<Library, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut c = Checker::new();
    let tier = q.tier.trim();
    if !tier.is_empty() && tier != "candidate" && !TIERS.iter().any(|t| t.code() == tier) {
        c.push(FieldError::new("tier", "error.unknown_choice").with("value", tier));
    }
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let parks = match actor.park_scope() {
        ParkScope::All => None,
        scope => Some(store.list_parks(&scope).await?.into_iter().map(|p| p.id).collect::<Vec<_>>()),
    };
    let members = store.cultivation_members(parks.as_deref(), crate::reports::last_month()).await?;
    let mut counts: Vec<Counts> = Vec::new();
    let mut rows = Vec::new();
    for m in members {
        let tiers: Vec<&'static str> = TIERS.iter().filter(|t| m.tags.contains(t)).map(|t| t.code()).collect();
        let gap = scale_up_gap(m.size, &m.industry_code, m.trailing_revenue);
        if counts.last().is_none_or(|c| c.park_id != m.park_id) {
            counts.push(Counts {
                park_id: m.park_id,
                park: m.park.clone(),
                township_code: m.township_code.clone(),
                ..Default::default()
            });
        }
        let c = counts.last_mut().expect("pushed");
        for (i, t) in TIERS.iter().enumerate() {
            if m.tags.contains(t) {
                c.tiers[i] += 1;
            }
        }
        c.candidates += gap.is_some() as i64;
        let wanted = match tier {
            "" => !tiers.is_empty() || gap.is_some(),
            "candidate" => gap.is_some(),
            t => tiers.contains(&t),
        };
        if wanted {
            rows.push(Entry { member: m, tiers, gap });
        }
    }
    counts.retain(|c| c.tiers.iter().sum::<i64>() + c.candidates > 0);
    let total = rows.len() as i64;
    let rows = rows.into_iter().skip(((page - 1) * size) as usize).take(size as usize).collect();
    Ok(Library { rows, total, page, size, counts })
}

async fn authority(
    store: &Store,
    actor: &Actor,
    enterprise_id: i64,
) -> Result<weiyuan_domain::access::ParkAuthority, AppError> {
    let park = crate::enterprises::park_of(store, enterprise_id).await?;
    let r = park.as_ref();
    Ok(actor.park_authority(&r)?)
}

pub async fn record(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(Option<Liaison>, Vec<Visit>, Vec<Task>), AppError> {
    crate::enterprises::get(store, actor, id).await?;
    Ok(store.cultivation_of(id).await?)
}

pub async fn set_liaison(store: &Store, actor: &Actor, id: i64, f: &LiaisonForm) -> Result<(), AppError> {
    let who = authority(store, actor, id).await?;
    let (name, phone) = f.validate()?;
    Ok(store.set_liaison(&who, &AuditCtx::from(actor), id, &name, &phone).await?)
}

pub async fn add_visit(store: &Store, actor: &Actor, id: i64, f: &VisitForm) -> Result<i64, AppError> {
    let who = authority(store, actor, id).await?;
    let (on, summary) = f.validate(&crate::today())?;
    Ok(store.add_visit(&who, &AuditCtx::from(actor), id, &on, &summary).await?)
}

pub async fn add_task(store: &Store, actor: &Actor, id: i64, f: &TaskForm) -> Result<Task, AppError> {
    let who = authority(store, actor, id).await?;
    let (title, due) = f.validate()?;
    Ok(store.add_task(&who, &AuditCtx::from(actor), id, &title, &due).await?)
}

pub async fn finish_task(store: &Store, actor: &Actor, task_id: i64) -> Result<Task, AppError> {
    let task = store.cultivation_task(task_id).await?;
    let who = authority(store, actor, task.enterprise_id).await?;
    Ok(store.finish_task(&who, &AuditCtx::from(actor), &task).await?)
}
