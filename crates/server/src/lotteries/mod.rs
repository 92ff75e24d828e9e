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

pub async fn create(store: &Store, actor: &Actor, park_id: i64, form: &LotteryForm) -> Result<Lottery, AppError> {
    let desk = crate::parks::unit_desk(store, actor, park_id).await?;
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
    Ok(store.create_lottery(&desk, &AuditCtx::from(actor), &title, &unit_ids, &applicants, &seed).await?)
}

pub async fn draw(store: &Store, actor: &Actor, id: i64) -> Result<Lottery, AppError> {
    let l = get(store, actor, id).await?;
    let desk = crate::parks::unit_desk(store, actor, l.park_id).await?;
    if l.drawn_at.is_some() {
        return Err(Invalid::one(FieldError::new("drawn", "error.already_drawn")).into());
    }
    Ok(store.draw_lottery(&desk, &AuditCtx::from(actor), id).await?)
}

pub mod api;

pub mod pages;

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post};
    vec![
        (api("GET", "/api/v1/parks/{id}/lotteries", "lotteries", "A park's lotteries"), get(api::list)),
        (
            api(
                "POST",
                "/api/v1/parks/{id}/lotteries",
                "lotteries",
                "Publish a lottery: applicants and the seed's commitment",
            ),
            post(api::create),
        ),
        (api("GET", "/api/v1/lotteries/{id}", "lotteries", "One lottery with its evidence"), get(api::get)),
        (
            api("POST", "/api/v1/lotteries/{id}/draw", "lotteries", "Draw: reveal the seed and the order"),
            post(api::draw),
        ),
        (page("GET", "/parks/{id}/lotteries", "A park's lotteries"), get(pages::list)),
        (page("POST", "/parks/{id}/lotteries", "Publish a lottery"), post(pages::create)),
        (page("GET", "/lotteries/{id}", "A lottery and its evidence"), get(pages::show)),
        (page("POST", "/lotteries/{id}/draw", "Draw a lottery"), post(pages::draw)),
    ]
}
