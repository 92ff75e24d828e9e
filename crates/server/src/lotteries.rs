//! Public lotteries (摇号) when applicants for a batch of units outnumber them. Creating one
//! publishes the applicant list, its hash and SHA-256 of a secret random seed; the draw reveals
//! the seed and the order, which anyone can recompute with `weiyuan lottery verify`.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::Actor;
use weiyuan_domain::codes::is_valid_uscc;
use weiyuan_domain::rules::all_passed;
use weiyuan_domain::validation::{Checker, text_or_number};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::lotteries::Lottery;
use weiyuan_store::{AuditCtx, Store};

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct LotteryForm {
    pub title: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub unit_ids: String,
    /// Applicants' credit codes, one per line (or separated by commas).
    pub applicants: String,
}

/// The command that recomputes a drawn lottery.
pub fn verify_command(l: &Lottery) -> Option<String> {
    let seed = l.seed.as_ref()?;
    l.order.as_ref()?;
    Some(format!(
        "weiyuan lottery verify --seed {seed} --commitment {} --applicants applicants.txt --order order.txt",
        l.commitment
    ))
}

pub async fn list(store: &Store, actor: &Actor, park_id: i64) -> Result<Vec<Lottery>, AppError> {
    crate::parks::get(store, actor, park_id).await?;
    Ok(store.lotteries(park_id).await?)
}

pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Lottery, AppError> {
    let l = store.lottery(id).await?;
    crate::parks::get(store, actor, l.park_id).await?;
    Ok(l)
}

async fn editable(store: &Store, actor: &Actor, park_id: i64) -> Result<(), AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    if actor.can_edit_units(&park.as_ref()) { Ok(()) } else { Err(AppError::Forbidden) }
}

pub async fn create(store: &Store, actor: &Actor, park_id: i64, form: &LotteryForm) -> Result<Lottery, AppError> {
    editable(store, actor, park_id).await?;
    let mut c = Checker::new();
    let title = c.text("title", &form.title, 100);
    let unit_ids = c.ids("unit_ids", &form.unit_ids);
    let mut applicants: Vec<String> = Vec::new();
    for a in form.applicants.split(['\n', ',', '，', '、', ' ', '\r']).map(str::trim).filter(|a| !a.is_empty()) {
        let a = a.to_ascii_uppercase();
        if !is_valid_uscc(&a) {
            c.push(FieldError::new("applicants", "error.uscc_invalid_in_list").with("value", &a));
        } else if applicants.contains(&a) {
            c.push(FieldError::new("applicants", "error.duplicate_in_list").with("value", &a));
        } else {
            applicants.push(a);
        }
    }
    if applicants.is_empty() {
        c.push(FieldError::new("applicants", "error.required"));
    }
    c.finish(())?;
    let holdings = store.holdings(park_id).await?;
    let taken: Vec<i64> = unit_ids
        .iter()
        .copied()
        .filter(|id| !holdings.iter().any(|h| h.unit_id == *id && h.owner_id.is_none()))
        .collect();
    let checks = weiyuan_domain::lottery::check_publish(&taken, unit_ids.len(), applicants.len());
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let seed: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(store.create_lottery(&AuditCtx::from(actor), park_id, &title, &unit_ids, &applicants, &seed).await?)
}

pub async fn draw(store: &Store, actor: &Actor, id: i64) -> Result<Lottery, AppError> {
    let l = get(store, actor, id).await?;
    editable(store, actor, l.park_id).await?;
    if l.drawn_at.is_some() {
        return Err(Invalid::one(FieldError::new("drawn", "error.already_drawn")).into());
    }
    Ok(store.draw_lottery(&AuditCtx::from(actor), id).await?)
}

pub mod api {
    use crate::AppState;
    use crate::error::ApiError;
    use crate::extract::{ApiUser, ApiWriter, Id, JsonBody};
    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode;
    use weiyuan_store::lotteries::Lottery;

    type ApiResult<T> = Result<T, ApiError>;

    pub async fn list(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Vec<Lottery>>> {
        Ok(Json(super::list(&s.store, &u.actor, id).await.map_err(u.err())?))
    }

    pub async fn get(State(s): State<AppState>, u: ApiUser, Id(id): Id) -> ApiResult<Json<Lottery>> {
        Ok(Json(super::get(&s.store, &u.actor, id).await.map_err(u.err())?))
    }

    pub async fn create(
        State(s): State<AppState>,
        w: ApiWriter,
        Id(id): Id,
        JsonBody(f): JsonBody<super::LotteryForm>,
    ) -> ApiResult<(StatusCode, Json<Lottery>)> {
        Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, id, &f).await.map_err(w.err())?)))
    }

    pub async fn draw(State(s): State<AppState>, w: ApiWriter, Id(id): Id) -> ApiResult<Json<Lottery>> {
        Ok(Json(super::draw(&s.store, &w.actor, id).await.map_err(w.err())?))
    }
}

pub mod pages {
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
}
