//! The settings page: rules with their history, the negative list, park orientations.

use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render_status, see_other};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::{Rules, RulesForm};
use weiyuan_store::settings::{NegativeEntry, RulesVersion};

type PageResult = Result<Response, PageError>;

/// The rule fields in the order the form shows them, with their units.
pub const FIELDS: &[(&str, &str)] = &[
    ("avg_price_cap_production", "元/m²"),
    ("avg_price_cap_non_production", "元/m²"),
    ("single_sale_over_average_pct", "%"),
    ("min_unit_area_m2", "m²"),
    ("max_rent_per_m2_month", "元/m²·月"),
    ("transfer_lock_years", "年"),
    ("leading_industry_share_pct", "%"),
    ("exit_test_after_years", "年"),
    ("exit_min_sales_per_m2", "元/m²"),
    ("exit_min_tax_per_m2", "元/m²"),
    ("exit_min_growth_pct", "%"),
    ("exit_min_investment_per_mu", "元/亩"),
    ("low_efficiency_tax_per_mu", "元/亩"),
    ("report_required", ""),
    ("report_jump_factor", "×"),
    ("report_due_day", "日"),
];

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub ctx: PageCtx,
    pub rules: Rules,
    pub form: RulesForm,
    pub history: Vec<RulesVersion>,
    pub negative: Vec<NegativeEntry>,
    pub parks: Vec<(Park, String, bool)>,
    pub errors: Errors,
}

impl SettingsPage {
    fn fields(&self) -> &'static [(&'static str, &'static str)] {
        FIELDS
    }
    fn value(&self, field: &str) -> String {
        let v = serde_json::to_value(&self.form).unwrap_or_default();
        v.get(field).and_then(|x| x.as_str()).unwrap_or("").to_string()
    }
}

async fn page(s: &AppState, u: &PageUser, form: Option<RulesForm>, errors: Errors) -> PageResult {
    let fail = u.fail();
    let rules = s.store.rules().await.map_err(|e| fail(e.into()))?;
    let history = s.store.rules_history().await.map_err(|e| fail(e.into()))?;
    let negative = s.store.negative_list().await.map_err(|e| fail(e.into()))?;
    let orientations: HashMap<i64, Vec<String>> = s.store.orientations().await.map_err(|e| fail(e.into()))?;
    let parks = crate::parks::list(&s.store, &u.actor, &Default::default())
        .await
        .map_err(&fail)?
        .into_iter()
        .map(|p| {
            let o = orientations.get(&p.id).map(|o| o.join("、")).unwrap_or_default();
            let can = u.actor.can_edit_park(&p.as_ref());
            (p, o, can)
        })
        .collect();
    let form = form.unwrap_or_else(|| rules.to_form());
    let page = SettingsPage { ctx: u.ctx(), rules, form, history, negative, parks, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn show(State(s): State<AppState>, u: PageUser) -> PageResult {
    page(&s, &u, None, Errors::default()).await
}

pub async fn set_rules(State(s): State<AppState>, u: PageUser, CsrfForm(form): CsrfForm<RulesForm>) -> PageResult {
    match super::set_rules(&s.store, &u.actor, &form).await {
        Ok(_) => Ok(done("/settings", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            page(&s, &u.at("/settings"), Some(form), Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn add_negative(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<super::NegativeForm>,
) -> PageResult {
    match super::add_negative(&s.store, &u.actor, &form).await {
        Ok(_) => Ok(done("/settings#negative", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            page(&s, &u.at("/settings"), None, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn remove_negative(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    _: CsrfForm<crate::parks::pages::Empty>,
) -> PageResult {
    super::remove_negative(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(see_other("/settings#negative"))
}

pub async fn set_orientation(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<super::OrientationForm>,
) -> PageResult {
    match super::set_orientation(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done("/settings#orientation", "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            page(&s, &u.at("/settings"), None, Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}
