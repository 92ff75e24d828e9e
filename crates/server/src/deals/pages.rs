//! Pages: a park's units with their holders and the deal forms; a unit's full history.

use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use weiyuan_domain::deals::{LeaseForm, SaleForm, TakeBackForm, TransferForm};
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::Check;
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::holdings::{Holding, UnitEvent};

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "deals.html")]
pub struct DealsPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub holdings: Vec<Holding>,
    pub deals: Vec<UnitEvent>,
    pub enterprises: Vec<Enterprise>,
    pub can_deal: bool,
    pub can_lease: bool,
    pub today: String,
    pub errors: Errors,
    /// The checks of a refused deal, to show each with its numbers.
    pub checks: Vec<Check>,
}

async fn page(s: &AppState, u: &PageUser, park_id: i64, errors: Errors, checks: Vec<Check>) -> PageResult {
    let (park, holdings) = super::holdings(&s.store, &u.actor, park_id).await.map_err(u.fail())?;
    let deals = super::deals(&s.store, &u.actor, park_id).await.map_err(u.fail())?;
    let can_deal = u.actor.can_edit_units(&park.as_ref());
    let can_lease = u.actor.can_edit_park(&park.as_ref());
    let enterprises = if can_deal {
        s.store
            .list_enterprises(park_id)
            .await
            .map_err(|e| u.fail()(e.into()))?
            .into_iter()
            .filter(|e| e.status.code() == "active")
            .collect()
    } else {
        Vec::new()
    };
    let page = DealsPage {
        ctx: u.ctx(),
        park,
        holdings,
        deals,
        enterprises,
        can_deal,
        can_lease,
        today: crate::today(),
        errors,
        checks,
    };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    page(&s, &u, id, Errors::default(), Vec::new()).await
}

/// After a post: back to the page, or the page again with the refusal or the field errors.
async fn after(
    s: &AppState,
    u: &PageUser,
    park_id: i64,
    r: Result<weiyuan_store::holdings::DealDone, AppError>,
) -> PageResult {
    let back = format!("/parks/{park_id}/deals");
    match r {
        Ok(_) => Ok(done(&back, "deal_recorded")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_) | AppError::Refused(_))) => {
            let checks = match &e {
                AppError::Refused(c) => c.clone(),
                _ => Vec::new(),
            };
            let errors = Errors::from_app(&e, u.tr());
            page(s, &u.at(&back), park_id, errors, checks).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn sell(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<SaleForm>) -> PageResult {
    let r = super::sell(&s.store, &u.actor, id, &f).await;
    after(&s, &u, id, r).await
}

pub async fn lease(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<LeaseForm>) -> PageResult {
    let r = super::lease(&s.store, &u.actor, id, &f).await;
    after(&s, &u, id, r).await
}

pub async fn transfer(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<TransferForm>,
) -> PageResult {
    let r = super::transfer(&s.store, &u.actor, id, &f).await;
    after(&s, &u, id, r).await
}

pub async fn take_back(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<TakeBackForm>,
) -> PageResult {
    let r = super::take_back(&s.store, &u.actor, id, &f).await;
    after(&s, &u, id, r).await
}

#[derive(Template)]
#[template(path = "unit.html")]
pub struct UnitPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub h: Holding,
    pub history: Vec<UnitEvent>,
}

pub async fn unit(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let (park, h, history) = super::unit(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(render(&UnitPage { ctx: u.ctx(), park, h, history }))
}
