//! Pages for the enterprise registry.

use super::EnterpriseFilter;
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::enterprises::{EnterpriseForm, EnterpriseSize, Tag};
use weiyuan_domain::parks::Park;
use weiyuan_store::enterprises::Enterprise;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "enterprises.html")]
pub struct EnterprisesPage {
    pub ctx: PageCtx,
    pub park: Park,
    /// The page of enterprises shown.
    pub enterprises: Vec<Enterprise>,
    pub pager: crate::pages::Pager,
    pub filter: EnterpriseFilter,
    pub can_edit: bool,
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    Query(mut filter): Query<EnterpriseFilter>,
    Query(at): Query<crate::pages::PageQuery>,
) -> PageResult {
    let park = crate::parks::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    filter.park_id = id.to_string();
    let found = super::list(&s.store, &u.actor, &filter).await.map_err(u.fail())?;
    let base = format!("/parks/{id}/enterprises?q={}", crate::pages::urlencode(filter.q.trim()));
    let (enterprises, pager) = crate::pages::Pager::cut(found, at.number(), base, "");
    let can_edit = u.actor.can_edit_units(&park.as_ref());
    Ok(render(&EnterprisesPage { ctx: u.ctx(), park, enterprises, pager, filter, can_edit }))
}

#[derive(Template)]
#[template(path = "enterprise.html")]
pub struct EnterprisePage {
    pub ctx: PageCtx,
    pub e: Enterprise,
    pub park: Park,
    pub can_edit: bool,
    pub holdings: Vec<weiyuan_store::holdings::Holding>,
    pub admissions: Vec<weiyuan_store::admissions::Admission>,
    pub events: Vec<weiyuan_store::exits::EnterpriseEvent>,
    pub figures: Vec<weiyuan_store::exits::YearFigures>,
    /// The exit test on the figures now; None without figures.
    pub checks: Option<Vec<weiyuan_domain::rules::Check>>,
    pub due_date: Option<String>,
    pub this_year: String,
}

impl EnterprisePage {
    fn owns(&self, h: &weiyuan_store::holdings::Holding) -> bool {
        h.owner_id == Some(self.e.id)
    }
    /// Recorded reasons are free text, except the test's own outcome, which is a catalogue key.
    fn reason(&self, r: &str) -> String {
        if r.starts_with("exit.") { self.ctx.tr.t(&format!("reason.{r}")).to_string() } else { r.to_string() }
    }
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let e = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let park = crate::parks::get(&s.store, &u.actor, e.park_id).await.map_err(u.fail())?;
    let can_edit = u.actor.can_edit_units(&park.as_ref());
    let fail = |e: weiyuan_store::StoreError| u.fail()(e.into());
    let holdings = s.store.holdings_of(id).await.map_err(fail)?;
    // Applications to parks the viewer may see (an enterprise sees all of its own).
    let mut admissions = Vec::new();
    if u.actor.role == weiyuan_domain::Role::Enterprise || can_edit {
        for a in s.store.admissions_of(id, &e.credit_code).await.map_err(fail)? {
            if u.actor.role == weiyuan_domain::Role::Enterprise
                || crate::parks::get(&s.store, &u.actor, a.park_id).await.is_ok()
            {
                admissions.push(a);
            }
        }
    }
    let events = s.store.enterprise_events(id).await.map_err(fail)?;
    let figures = s.store.exit_figures(id).await.map_err(fail)?;
    let rules = s.store.rules().await.map_err(fail)?;
    let checks = crate::exits::test_of(&s.store, &rules, &e).await.map_err(u.fail())?;
    let due_date = e.entry_date.as_deref().and_then(|d| crate::exits::due_date(d, rules.exit_test_after_years));
    let this_year = crate::today()[..4].to_string();
    Ok(render(&EnterprisePage {
        ctx: u.ctx(),
        e,
        park,
        can_edit,
        holdings,
        admissions,
        events,
        figures,
        checks,
        due_date,
        this_year,
    }))
}

#[derive(Template)]
#[template(path = "enterprise_form.html")]
pub struct EnterpriseFormPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub enterprise_id: Option<i64>,
    pub form: EnterpriseForm,
    pub errors: Errors,
}

impl EnterpriseFormPage {
    fn sizes(&self) -> &'static [EnterpriseSize] {
        EnterpriseSize::ALL
    }
    fn tag_hint(&self) -> String {
        Tag::ALL.iter().map(|t| self.ctx.tr.code("tag", t.code())).collect::<Vec<_>>().join("、")
    }
}

async fn form_page(
    s: &AppState,
    u: &PageUser,
    park_id: i64,
    enterprise_id: Option<i64>,
    form: EnterpriseForm,
    errors: Errors,
) -> PageResult {
    let park = crate::parks::get(&s.store, &u.actor, park_id).await.map_err(u.fail())?;
    if !u.actor.can_edit_units(&park.as_ref()) {
        return Err(u.fail()(AppError::Forbidden));
    }
    let page = EnterpriseFormPage { ctx: u.ctx(), park, enterprise_id, form, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn new_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let form = EnterpriseForm { size: "below".into(), ..Default::default() };
    form_page(&s, &u, id, None, form, Errors::default()).await
}

pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EnterpriseForm>,
) -> PageResult {
    match super::create(&s.store, &u.actor, id, &form).await {
        Ok(e) => Ok(done(&format!("/enterprises/{}", e.id), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            form_page(&s, &u, id, None, form, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn edit_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let e = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    form_page(&s, &u, e.park_id, Some(id), super::form_of(&e), Errors::default()).await
}

pub async fn update(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EnterpriseForm>,
) -> PageResult {
    match super::update(&s.store, &u.actor, id, &form).await {
        Ok(e) => Ok(done(&format!("/enterprises/{}", e.id), "saved")),
        Err(err @ AppError::Invalid(_)) => {
            let e = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
            form_page(&s, &u, e.park_id, Some(id), form, Errors::from_app(&err, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}
