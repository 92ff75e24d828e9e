//! Online services to enterprises (企业线上服务): the county's and each park's catalogue, each
//! park's service functions against the target of 3, an enterprise's requests with their
//! deadlines, the provider's steps and the enterprise's confirmation and rating, attachments,
//! the figures per park and per provider, and the escalation of overdue requests (a sweep
//! every minute; each escalation is a step on the request, audited, and shown to the county
//! and the park's township).
//!
//! Every write has the one shape (docs/architecture.md). This feature declares its own routes.

pub mod api;
pub mod pages;

use crate::error::AppError;
pub use crate::extract::PageQuery;
use crate::policies::PAGE_SIZE;
use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get, post, put};
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ParkScope, Role};
use weiyuan_domain::services::{
    AgencyForm, Figures, MAX_ATTACHMENT, RequestForm, ServiceDraft, ServiceForm, StepForm, TARGET_FUNCTIONS,
    attachment_checks, figures, next_state,
};
use weiyuan_domain::validation::{Checker, FieldError, Invalid};
use weiyuan_store::services::{Agency, Attachment, Request, RequestFilter, Service, ServiceFilter, StepRow};
use weiyuan_store::{AuditCtx, Store};

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(RouteSpec, Routed)> {
    // Twice the largest attachment, so a file somewhat too large is refused with its size in words.
    vec![
        (api("GET", "/api/v1/services", "services", "A page of the catalogue in scope"), get(api::list)),
        (api("POST", "/api/v1/services", "services", "Add a county-wide service (county)"), post(api::create_county)),
        (
            api("POST", "/api/v1/parks/{id}/services", "services", "Add a service to a park's catalogue"),
            post(api::create_park),
        ),
        (
            api("PUT", "/api/v1/services/{id}", "services", "Change a service of a catalogue one keeps"),
            put(api::update),
        ),
        (
            api("GET", "/api/v1/services/functions", "services", "Each park's service functions against the target"),
            get(api::functions),
        ),
        (
            api("GET", "/api/v1/services/figures", "services", "Requests, on-time rate, median time, satisfaction"),
            get(api::figures),
        ),
        (
            api("POST", "/api/v1/services/{id}/requests", "services", "Request a service (the enterprise)"),
            post(api::request),
        ),
        (api("GET", "/api/v1/service-requests", "services", "A page of requests in scope"), get(api::requests)),
        (
            api("GET", "/api/v1/service-requests/{id}", "services", "A request with its steps and attachments"),
            get(api::get_request),
        ),
        (
            api(
                "POST",
                "/api/v1/service-requests/{id}/steps",
                "services",
                "Accept, decline, complete, confirm or cancel",
            ),
            post(api::step),
        ),
        (
            api(
                "POST",
                "/api/v1/service-requests/{id}/attachments",
                "services",
                "Attach a file (body: its bytes; ?name=)",
            ),
            post(api::attach).body_limit(MAX_ATTACHMENT * 2),
        ),
        (api("GET", "/api/v1/service-attachments/{id}", "services", "Download an attachment"), get(api::download)),
        (api("GET", "/api/v1/agencies", "services", "The registry of service agencies (paged)"), get(api::agencies)),
        (api("POST", "/api/v1/agencies", "services", "Register a service agency (county)"), post(api::create_agency)),
        (api("PUT", "/api/v1/agencies/{id}", "services", "Change a service agency (county)"), put(api::update_agency)),
        (page("GET", "/services", "Services: the catalogue, functions, requests"), get(pages::list)),
        (page("POST", "/services", "Add a service"), post(pages::create)),
        (page("POST", "/services/{id}/request", "Request a service (the enterprise)"), post(pages::request)),
        (page("GET", "/services/agencies", "The registry of service agencies"), get(pages::agencies)),
        (page("POST", "/services/agencies", "Register a service agency"), post(pages::create_agency)),
        (page("POST", "/services/agencies/{id}", "Change a service agency"), post(pages::update_agency)),
        (page("GET", "/service-requests", "Requests in scope"), get(pages::requests)),
        (page("GET", "/service-requests/{id}", "One request"), get(pages::show)),
        (page("POST", "/service-requests/{id}/steps", "Take a step on a request"), post(pages::step)),
        (
            page("POST", "/service-requests/{id}/attachments", "Attach a file to a request (multipart)"),
            post(pages::attach).body_limit(MAX_ATTACHMENT * 2),
        ),
    ]
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CatalogueQuery {
    pub park_id: String,
    pub page: String,
    pub size: String,
}

/// The parks whose catalogues the caller sees (None: all).
async fn visible_parks(store: &Store, actor: &Actor) -> Result<Option<Vec<i64>>, AppError> {
    Ok(match actor.park_scope() {
        ParkScope::All => None,
        scope => Some(store.list_parks(&scope).await?.into_iter().map(|p| p.id).collect()),
    })
}

/// A page of the catalogue: the county-wide services and those of the parks in scope; an
/// enterprise sees only the active ones offered to it.
pub async fn catalogue(
    store: &Store,
    actor: &Actor,
    q: &CatalogueQuery,
) -> Result<(Vec<Service>, i64, i64, i64), AppError> {
    let mut c = Checker::new();
    let park = (!q.park_id.trim().is_empty()).then(|| c.integer("park_id", &q.park_id, 1, i64::MAX));
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let mut park_ids = visible_parks(store, actor).await?;
    if let Some(p) = park {
        park_ids = Some(match park_ids {
            Some(ids) if !ids.contains(&p) => Vec::new(),
            _ => vec![p],
        });
    }
    let f = ServiceFilter {
        park_ids,
        county_wide: park.is_none(),
        // An agency sees the services it provides, wherever they are offered.
        agency_id: match actor.role {
            Role::Agency => Some(actor.agency_id.ok_or(AppError::Forbidden)?),
            _ => None,
        },
        active_only: actor.role == Role::Enterprise,
        limit: size,
        offset: (page - 1) * size,
    };
    let (rows, total) = store.services(&f).await?;
    Ok((rows, total, page, size))
}

/// Add a service to a park's catalogue (`Some`) or the county's (`None`).
pub async fn create(
    store: &Store,
    actor: &Actor,
    park_id: Option<i64>,
    form: &ServiceForm,
) -> Result<Service, AppError> {
    let park = match park_id {
        Some(id) => Some(store.get_park(id).await?),
        None => None,
    };
    let desk = actor.service_desk(park.as_ref().map(|p| p.as_ref()).as_ref())?;
    let d = named(store, form.validate()?).await?;
    if park.is_none() && d.provider_kind == weiyuan_domain::services::ProviderKind::Operator {
        return Err(AppError::Invalid(Invalid::one(FieldError::new("provider_kind", "error.service_operator_park"))));
    }
    Ok(store.create_service(&desk, &AuditCtx::from(actor), &d, false).await?)
}

/// An agency's service takes the name of its registered agency, which must take new services;
/// the agency's id arrived in the body and is resolved here (the registry is county-wide).
async fn named(store: &Store, mut d: ServiceDraft) -> Result<ServiceDraft, AppError> {
    if let Some(id) = d.agency_id {
        let refuse = |code| AppError::Invalid(Invalid::one(FieldError::new("agency_id", code).with("value", id)));
        let agency = store.agency(id).await.map_err(|_| refuse("error.unknown_agency"))?;
        if !agency.active {
            return Err(refuse("error.agency_inactive"));
        }
        d.provider_name = agency.name;
    }
    Ok(d)
}

pub async fn update(store: &Store, actor: &Actor, id: i64, form: &ServiceForm) -> Result<Service, AppError> {
    let s = store.get_service(id).await?;
    let park = match s.park_id {
        Some(id) => Some(store.get_park(id).await?),
        None => None,
    };
    let desk = actor.service_desk(park.as_ref().map(|p| p.as_ref()).as_ref())?;
    let mut d = form.validate()?;
    // An agency that stopped taking new services keeps those it had.
    if d.agency_id.is_some() && d.agency_id == s.agency_id {
        d.provider_name = s.provider_name.clone();
    } else {
        d = named(store, d).await?;
    }
    Ok(store.update_service(&desk, &AuditCtx::from(actor), id, &d).await?)
}

/// A park's service functions against the target.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkFunctions {
    pub park_id: i64,
    pub park: String,
    pub functions: i64,
    pub target: i64,
    pub met: bool,
}

/// Every park in scope with its active service functions (distinct categories of its own
/// catalogue; the county-wide services are offered to all and counted for none).
pub async fn functions(store: &Store, actor: &Actor) -> Result<Vec<ParkFunctions>, AppError> {
    let counts: std::collections::HashMap<i64, i64> = store.service_functions().await?.into_iter().collect();
    let parks = store.list_parks(&actor.park_scope()).await?;
    Ok(parks
        .into_iter()
        .map(|p| {
            let n = counts.get(&p.id).copied().unwrap_or(0);
            ParkFunctions {
                park_id: p.id,
                park: p.name,
                functions: n,
                target: TARGET_FUNCTIONS as i64,
                met: n >= TARGET_FUNCTIONS as i64,
            }
        })
        .collect())
}

/// The enterprise requests a service offered to it (its park's or the county's).
pub async fn request(store: &Store, actor: &Actor, service_id: i64, form: &RequestForm) -> Result<Request, AppError> {
    let enterprise_id = match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let e = store.get_enterprise(enterprise_id).await?;
    let park = store.get_park(e.park_id).await?;
    let who = actor.applicant(&park.as_ref(), enterprise_id)?;
    let service = store.get_service(service_id).await?;
    if !service.active || service.park_id.is_some_and(|p| p != park.id) {
        return Err(AppError::NotFound);
    }
    let detail = form.validate()?;
    let at = weiyuan_store::now_ms();
    Ok(store
        .file_service_request(&who, &AuditCtx::from(actor), &service, park.id, &park.township_code, &detail, at, false)
        .await?)
}

/// Take a step on a request at `at`: the provider's (accept, decline, complete) or the
/// enterprise's own (confirm with a rating, cancel before acceptance).
pub async fn step(store: &Store, actor: &Actor, id: i64, form: &StepForm, at: i64) -> Result<Request, AppError> {
    use weiyuan_store::services::Actor as By;
    let s = form.validate()?;
    let (tx, r) = store.begin_service_step(id).await?;
    let scope = r.scope();
    let ctx = AuditCtx::from(actor);
    // The capability comes first, so a caller who may not act learns nothing of the state.
    let to = |r: &Request| next_state(&r.state, s.step).map_err(|c| AppError::Refused(vec![c]));
    if s.step.by_provider() {
        let p = actor.service_provider(&scope, &r.provider_kind, r.agency_id, r.id)?;
        Ok(tx.step(By::Provider(&p), &ctx, &r, &s, to(&r)?, at).await?)
    } else {
        let a = actor.applicant(&scope, r.enterprise_id)?;
        Ok(tx.step(By::Enterprise(&a), &ctx, &r, &s, to(&r)?, at).await?)
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RequestQuery {
    pub state: String,
    /// `1`: only requests past a deadline.
    pub overdue: String,
    pub service_id: String,
    pub page: String,
    pub size: String,
}

/// The filter of the caller's scope: the county all; a township its parks; an operator its
/// park's requests for the services it provides (county and agency services are the
/// county's); an agency the requests for its services; an enterprise its own.
fn scoped(actor: &Actor, mut f: RequestFilter) -> Result<RequestFilter, AppError> {
    match actor.role {
        Role::County => {}
        Role::Township => f.township = Some(actor.township_code.clone().ok_or(AppError::Forbidden)?),
        Role::Operator => {
            f.park_id = Some(actor.park_id.ok_or(AppError::Forbidden)?);
            f.operator_services = true;
        }
        Role::Enterprise => f.enterprise_id = Some(actor.enterprise_id.ok_or(AppError::Forbidden)?),
        Role::Agency => f.agency_id = Some(actor.agency_id.ok_or(AppError::Forbidden)?),
    }
    Ok(f)
}

impl RequestQuery {
    fn filter(&self, now: i64) -> Result<(RequestFilter, i64, i64), Invalid> {
        let mut c = Checker::new();
        let state = (!self.state.trim().is_empty())
            .then(|| {
                c.choice("state", &self.state, |s| weiyuan_domain::services::STATES.into_iter().find(|x| *x == s))
                    .map(str::to_string)
            })
            .flatten();
        let overdue = match self.overdue.trim() {
            "" | "0" => false,
            "1" => true,
            other => {
                c.push(FieldError::new("overdue", "error.unknown_choice").with("value", other));
                false
            }
        };
        let service_id =
            (!self.service_id.trim().is_empty()).then(|| c.integer("service_id", &self.service_id, 1, i64::MAX));
        let (page, size) = c.paging(&self.page, &self.size, PAGE_SIZE);
        let f = RequestFilter {
            state,
            service_id,
            overdue_at: overdue.then_some(now),
            limit: size,
            offset: (page - 1) * size,
            ..Default::default()
        };
        c.finish((f, page, size))
    }
}

pub async fn requests(
    store: &Store,
    actor: &Actor,
    q: &RequestQuery,
) -> Result<(Vec<Request>, i64, i64, i64), AppError> {
    let (f, page, size) = q.filter(weiyuan_store::now_ms())?;
    let (rows, total) = store.service_requests(&scoped(actor, f)?).await?;
    Ok((rows, total, page, size))
}

/// One request, if the caller may see it: the enterprise itself, the park's township, the
/// provider's side, the county.
pub async fn get_request(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(Request, Vec<StepRow>, Vec<Attachment>), AppError> {
    let r = store.service_request(id).await?;
    if !visible(actor, &r) {
        return Err(AppError::NotFound);
    }
    let steps = store.service_request_steps(id).await?;
    let files = store.service_attachments(id).await?;
    Ok((r, steps, files))
}

/// Whether the caller may see a request: the enterprise itself, the park's township, the
/// operator or the agency for the services it provides, the county.
fn visible(actor: &Actor, r: &Request) -> bool {
    match actor.role {
        Role::Operator => actor.park_id == Some(r.park_id) && r.provider_kind == "operator",
        Role::Agency => actor.agency_id.is_some() && r.agency_id == actor.agency_id,
        _ => actor.can_read_enterprise(r.enterprise_id, &r.scope()),
    }
}

/// Attach a file to a request one is a party to (the enterprise or the provider's side).
pub async fn attach(store: &Store, actor: &Actor, id: i64, name: &str, bytes: &[u8]) -> Result<Attachment, AppError> {
    use weiyuan_store::services::Actor as By;
    let r = store.service_request(id).await?;
    if !visible(actor, &r) {
        return Err(AppError::NotFound);
    }
    let scope = r.scope();
    let (name, kind) = attachment_checks(name, bytes)?;
    let ctx = AuditCtx::from(actor);
    if let Ok(a) = actor.applicant(&scope, r.enterprise_id) {
        return Ok(store.add_service_attachment(By::Enterprise(&a), &ctx, &r, &name, kind, bytes).await?);
    }
    let p = actor.service_provider(&scope, &r.provider_kind, r.agency_id, r.id)?;
    Ok(store.add_service_attachment(By::Provider(&p), &ctx, &r, &name, kind, bytes).await?)
}

pub async fn download(store: &Store, actor: &Actor, id: i64) -> Result<(Attachment, Vec<u8>), AppError> {
    let (a, bytes) = store.service_attachment(id).await?;
    get_request(store, actor, a.request_id).await?;
    Ok((a, bytes))
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct FiguresQuery {
    /// `park` (default) or `provider`.
    pub by: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct FiguresRow {
    pub key: String,
    pub label: String,
    pub figures: Figures,
}

/// Requests, on-time rate, median hours to complete and satisfaction, per park or provider,
/// of the requests in the caller's scope (not for enterprises).
pub async fn service_figures(store: &Store, actor: &Actor, q: &FiguresQuery) -> Result<Vec<FiguresRow>, AppError> {
    if actor.role == Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    let mut c = Checker::new();
    let by_provider = match q.by.trim() {
        "" | "park" => false,
        "provider" => true,
        other => {
            c.push(FieldError::new("by", "error.unknown_choice").with("value", other));
            false
        }
    };
    c.finish(())?;
    let f = scoped(actor, RequestFilter::default())?;
    Ok(store
        .service_figures(&f, by_provider)
        .await?
        .into_iter()
        .map(|(key, label, n, done)| FiguresRow { key, label, figures: figures(n, &done) })
        .collect())
}

/// The registry of service agencies: the staff read it all (to choose a provider); an agency
/// reads itself; enterprises see providers by name in the catalogue.
pub async fn agencies(store: &Store, actor: &Actor, q: &PageQuery) -> Result<(Vec<Agency>, i64, i64, i64), AppError> {
    let (page, size) = q.checked(PAGE_SIZE)?;
    match actor.role {
        Role::Agency => {
            let own = store.agency(actor.agency_id.ok_or(AppError::Forbidden)?).await?;
            Ok((vec![own], 1, 1, size))
        }
        _ if actor.is_staff() => {
            let (rows, total) = store.agencies(size, (page - 1) * size).await?;
            Ok((rows, total, page, size))
        }
        _ => Err(AppError::Forbidden),
    }
}

pub async fn create_agency(store: &Store, actor: &Actor, form: &AgencyForm) -> Result<Agency, AppError> {
    let registrar = actor.agency_registrar()?;
    let d = form.validate()?;
    Ok(store.create_agency(&registrar, &AuditCtx::from(actor), &d, false).await?)
}

pub async fn update_agency(store: &Store, actor: &Actor, id: i64, form: &AgencyForm) -> Result<Agency, AppError> {
    let registrar = actor.agency_registrar()?;
    let d = form.validate()?;
    Ok(store.update_agency(&registrar, &AuditCtx::from(actor), id, &d).await?)
}

/// Escalate what is overdue at `now`: each request once per deadline.
pub async fn escalate(store: &Store, now: i64) -> Result<Vec<Request>, AppError> {
    Ok(store.escalate_overdue(&AuditCtx::system("service deadlines"), now).await?)
}

/// The escalation sweep, every minute.
pub fn spawn_escalation(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            match escalate(&store, weiyuan_store::now_ms()).await {
                Ok(v) if !v.is_empty() => tracing::info!(escalated = v.len(), "service requests"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "service escalation"),
            }
        }
    })
}
