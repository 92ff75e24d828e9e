//! Pages of online services: the catalogue with each park's functions against the target (and,
//! for an enterprise, a request form on each service), the requests in scope with what is
//! overdue, and one request with its steps, attachments and the step the caller may take.

use super::{CatalogueQuery, FiguresQuery, FiguresRow, ParkFunctions, RequestQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, problems, render, render_status, urlencode};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use weiyuan_domain::access::Role;
use weiyuan_domain::services::{AgencyForm, CATEGORIES, RequestForm, ServiceForm, StepForm};
use weiyuan_store::services::{Agency, Attachment, Request, Service, StepRow};

type PageResult = Result<axum::response::Response, PageError>;

#[derive(Template)]
#[template(path = "services.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub services: Vec<Service>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub functions: Vec<ParkFunctions>,
    pub figures: Vec<FiguresRow>,
    pub overdue: i64,
    pub form: ServicePageForm,
    pub problems: Vec<String>,
    /// The parks whose catalogues the caller keeps.
    pub parks: Vec<(i64, String)>,
    /// The registered agencies that take new services (to provide one).
    pub agencies: Vec<(i64, String)>,
}

impl ListPage {
    fn park_selected(&self, id: &i64) -> bool {
        self.form.park_id.trim() == id.to_string()
    }
    fn categories(&self) -> [&'static str; 15] {
        CATEGORIES
    }
    fn may_add(&self) -> bool {
        self.ctx.is_staff()
    }
    fn agency_selected(&self, id: &i64) -> bool {
        self.form.service.agency_id.trim() == id.to_string()
    }
    fn opt(&self, v: &Option<f64>, unit: &str) -> String {
        v.map(|v| format!("{v}{unit}")).unwrap_or_else(|| "—".into())
    }
}

/// A service as typed on the page: the park (empty: the county's catalogue) and the fields.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ServicePageForm {
    pub park_id: String,
    #[serde(flatten)]
    pub service: ServiceForm,
}

async fn list_page(
    s: &AppState,
    u: &PageUser,
    q: &CatalogueQuery,
    form: ServicePageForm,
    problems: Vec<String>,
) -> Result<ListPage, AppError> {
    let (services, total, page, size) = super::catalogue(&s.store, &u.actor, q).await?;
    let (figures, overdue) = if u.actor.role == Role::Enterprise {
        (Vec::new(), 0)
    } else {
        let late = RequestQuery { overdue: "1".into(), size: "1".into(), ..Default::default() };
        let overdue = super::requests(&s.store, &u.actor, &late).await?.1;
        (super::service_figures(&s.store, &u.actor, &FiguresQuery::default()).await?, overdue)
    };
    let pages = ((total + size - 1) / size).max(1);
    let (functions, parks, agencies) = if u.actor.is_staff() {
        let parks = s
            .store
            .list_parks(&u.actor.park_scope())
            .await?
            .into_iter()
            .filter(|p| u.actor.can_edit_units(&p.as_ref()))
            .map(|p| (p.id, p.name))
            .collect();
        let all = super::PageQuery { size: "500".into(), ..Default::default() };
        let agencies = super::agencies(&s.store, &u.actor, &all).await?.0;
        let agencies = agencies.into_iter().filter(|a| a.active).map(|a| (a.id, a.name)).collect();
        (super::functions(&s.store, &u.actor).await?, parks, agencies)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(ListPage {
        ctx: u.ctx(),
        services,
        total,
        page,
        pages,
        functions,
        figures,
        overdue,
        form,
        problems,
        parks,
        agencies,
    })
}

pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<CatalogueQuery>) -> PageResult {
    let form = ServicePageForm {
        service: ServiceForm { response_hours: "24".into(), completion_days: "10".into(), ..Default::default() },
        ..Default::default()
    };
    let page = list_page(&s, &u, &q, form, Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

pub async fn create(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<ServicePageForm>) -> PageResult {
    let park = match f.park_id.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| {
            AppError::Invalid(weiyuan_domain::validation::Invalid::one(weiyuan_domain::validation::FieldError::new(
                "park_id",
                "error.not_integer",
            )))
        }),
    };
    let made = match park {
        Ok(p) => super::create(&s.store, &u.actor, p, &f.service).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(_) => Ok(done("/services", "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/services");
            let problems = problems(&e, u.tr());
            let page = list_page(&s, &u, &CatalogueQuery::default(), f, problems).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn request(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<RequestForm>,
) -> PageResult {
    match super::request(&s.store, &u.actor, id, &f).await {
        Ok(r) => Ok(done(&format!("/service-requests/{}", r.id), "request_sent")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/services");
            let problems = problems(&e, u.tr());
            let page = list_page(&s, &u, &CatalogueQuery::default(), ServicePageForm::default(), problems)
                .await
                .map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "service_requests.html")]
pub struct RequestsPage {
    pub ctx: PageCtx,
    pub rows: Vec<Request>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub q: RequestQuery,
    pub now: i64,
}

impl RequestsPage {
    fn states(&self) -> [&'static str; 6] {
        weiyuan_domain::services::STATES
    }
    fn late(&self, r: &Request) -> Option<&'static str> {
        weiyuan_domain::services::overdue(&r.state, &r.deadlines(), self.now).map(|o| o.code())
    }
    fn page_link(&self, page: i64) -> String {
        format!(
            "/service-requests?state={}&overdue={}&page={page}",
            urlencode(&self.q.state),
            urlencode(&self.q.overdue)
        )
    }
}

pub async fn requests(State(s): State<AppState>, u: PageUser, Query(q): Query<RequestQuery>) -> PageResult {
    let (rows, total, page, size) = super::requests(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let pages = ((total + size - 1) / size).max(1);
    Ok(render(&RequestsPage { ctx: u.ctx(), rows, total, page, pages, q, now: weiyuan_store::now_ms() }))
}

#[derive(Template)]
#[template(path = "service_request.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub r: Request,
    pub steps: Vec<StepRow>,
    pub files: Vec<Attachment>,
    /// The steps the caller may take now.
    pub can: Vec<&'static str>,
    pub late: Option<&'static str>,
    /// The enterprise or the provider's side: they may attach files.
    pub may_attach: bool,
    pub problems: Vec<String>,
}

impl ShowPage {
    fn confirmable(&self) -> bool {
        self.can.contains(&"confirm")
    }
}

async fn show_page(s: &AppState, u: &PageUser, id: i64, problems: Vec<String>) -> Result<ShowPage, AppError> {
    let (r, steps, files) = super::get_request(&s.store, &u.actor, id).await?;
    let own = u.actor.role == Role::Enterprise && u.actor.enterprise_id == Some(r.enterprise_id);
    let provider = u.actor.service_provider(&r.scope(), &r.provider_kind, r.agency_id, r.id).is_ok();
    let can: Vec<&'static str> = weiyuan_domain::services::Step::ALL
        .iter()
        .filter(|st| if st.by_provider() { provider } else { own })
        .filter(|st| weiyuan_domain::services::next_state(&r.state, **st).is_ok())
        .map(|st| st.code())
        .collect();
    let late = weiyuan_domain::services::overdue(&r.state, &r.deadlines(), weiyuan_store::now_ms()).map(|o| o.code());
    Ok(ShowPage { ctx: u.ctx(), r, steps, files, can, late, may_attach: own || provider, problems })
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    Ok(render(&show_page(&s, &u, id, Vec::new()).await.map_err(u.fail())?))
}

pub async fn step(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<StepForm>) -> PageResult {
    match super::step(&s.store, &u.actor, id, &f, weiyuan_store::now_ms()).await {
        Ok(_) => Ok(done(&format!("/service-requests/{id}"), "request_updated")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&format!("/service-requests/{id}"));
            let page = show_page(&s, &u, id, problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// A file attached from the request's page (multipart: `_csrf` and `file`), checked as the API
/// checks it (size, type by content); refused on the page with the reason, nothing stored.
pub async fn attach(State(s): State<AppState>, u: PageUser, Id(id): Id, req: axum::extract::Request) -> PageResult {
    let here = format!("/service-requests/{id}");
    let file = crate::pages::upload(&s, &u, req, weiyuan_domain::services::MAX_ATTACHMENT * 2).await?;
    let outcome = match &file {
        Some((name, bytes)) => super::attach(&s.store, &u.actor, id, name, bytes).await.map(|_| ()),
        None => Err(AppError::Invalid(weiyuan_domain::Invalid::one(weiyuan_domain::FieldError::new(
            "file",
            "import.no_file",
        )))),
    };
    match outcome {
        Ok(()) => Ok(done(&format!("{here}#attachments"), "file_attached")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&here);
            let page = show_page(&s, &u, id, problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "agencies.html")]
pub struct AgenciesPage {
    pub ctx: PageCtx,
    pub rows: Vec<Agency>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub form: AgencyForm,
    /// The agency being changed (None: a new one).
    pub editing: Option<i64>,
    pub problems: Vec<String>,
}

async fn agencies_page(
    s: &AppState,
    u: &PageUser,
    q: &super::PageQuery,
    form: AgencyForm,
    editing: Option<i64>,
    problems: Vec<String>,
) -> Result<AgenciesPage, AppError> {
    let (rows, total, page, size) = super::agencies(&s.store, &u.actor, q).await?;
    let pages = ((total + size - 1) / size).max(1);
    Ok(AgenciesPage { ctx: u.ctx(), rows, total, page, pages, form, editing, problems })
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AgenciesQuery {
    pub page: String,
    /// An agency to change in the form.
    pub edit: String,
}

pub async fn agencies(State(s): State<AppState>, u: PageUser, Query(q): Query<AgenciesQuery>) -> PageResult {
    let paging = super::PageQuery { page: q.page.clone(), ..Default::default() };
    let editing = match q.edit.trim().parse::<i64>() {
        Ok(id) if u.actor.is_county() => Some(s.store.agency(id).await.map_err(|e| u.fail()(e.into()))?),
        _ => None,
    };
    let form = editing
        .as_ref()
        .map(|a| AgencyForm { name: a.name.clone(), contact: a.contact.clone(), active: (a.active as i64).to_string() })
        .unwrap_or_default();
    let page = agencies_page(&s, &u, &paging, form, editing.map(|a| a.id), Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

async fn save_agency(s: &AppState, u: PageUser, id: Option<i64>, f: AgencyForm) -> PageResult {
    let saved = match id {
        Some(id) => super::update_agency(&s.store, &u.actor, id, &f).await,
        None => super::create_agency(&s.store, &u.actor, &f).await,
    };
    match saved {
        Ok(_) => Ok(done("/services/agencies", "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/services/agencies");
            let problems = problems(&e, u.tr());
            let page = agencies_page(s, &u, &super::PageQuery::default(), f, id, problems).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn create_agency(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<AgencyForm>) -> PageResult {
    save_agency(&s, u, None, f).await
}

pub async fn update_agency(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<AgencyForm>,
) -> PageResult {
    save_agency(&s, u, Some(id), f).await
}
