use super::LotteryForm;
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::Check;
use weiyuan_store::lotteries::Lottery;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "lotteries.html")]
pub struct LotteriesPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub list: Vec<Lottery>,
    pub can_edit: bool,
    pub form: LotteryForm,
    pub errors: Errors,
    pub checks: Vec<Check>,
}

async fn page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    form: LotteryForm,
    errors: Errors,
    checks: Vec<Check>,
) -> PageResult {
    let park = crate::parks::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let list = super::list(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let can_edit = u.actor.can_edit_units(&park.as_ref());
    let page = LotteriesPage { ctx: u.ctx(), park, list, can_edit, form, errors, checks };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn list(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    page(&s, &u, id, LotteryForm::default(), Errors::default(), Vec::new()).await
}

pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<LotteryForm>,
) -> PageResult {
    match super::create(&s.store, &u.actor, id, &f).await {
        Ok(l) => Ok(done(&format!("/lotteries/{}", l.id), "lottery_drawn")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_) | AppError::Refused(_))) => {
            let checks = if let AppError::Refused(c) = &e { c.clone() } else { Vec::new() };
            page(&s, &u.at(&format!("/parks/{id}/lotteries")), id, f, Errors::from_app(&e, u.tr()), checks).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Template)]
#[template(path = "lottery.html")]
pub struct LotteryPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub l: Lottery,
    pub can_draw: bool,
    pub command: String,
}

impl LotteryPage {
    fn winner(&self, i: &usize) -> bool {
        *i < self.l.unit_ids.len()
    }
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let l = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let park = crate::parks::get(&s.store, &u.actor, l.park_id).await.map_err(u.fail())?;
    let can_draw = l.drawn_at.is_none() && u.actor.can_edit_units(&park.as_ref());
    let command = super::verify_command(&l).unwrap_or_default();
    Ok(render(&LotteryPage { ctx: u.ctx(), park, l, can_draw, command }))
}

pub async fn draw(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    _: CsrfForm<crate::parks::pages::Empty>,
) -> PageResult {
    super::draw(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(see_other(&format!("/lotteries/{id}")))
}
