//! The county's rule settings: the versioned thresholds of section 四(三), the negative list and
//! each park's industrial orientation. Everyone may read them (a rule that refuses a deal must
//! be visible to the one refused); the county changes them, a township sets its parks'
//! orientation.

pub mod api;
pub mod pages;

use crate::error::AppError;
use serde::Deserialize;
use weiyuan_domain::access::Actor;
use weiyuan_domain::rules::{Rules, RulesForm};
use weiyuan_domain::{FieldError, Invalid, industry};
use weiyuan_store::settings::NegativeEntry;
use weiyuan_store::{AuditCtx, Store};

pub async fn set_rules(store: &Store, actor: &Actor, form: &RulesForm) -> Result<Rules, AppError> {
    let maker = actor.rule_maker()?;
    let current = store.rules().await?;
    let next = form.validate(current.version)?;
    Ok(store.set_rules(&maker, &AuditCtx::from(actor), &next, form.reason.trim()).await?)
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct NegativeForm {
    /// "code" or "keyword".
    pub kind: String,
    pub value: String,
    pub note: String,
}

pub async fn add_negative(store: &Store, actor: &Actor, form: &NegativeForm) -> Result<NegativeEntry, AppError> {
    let maker = actor.rule_maker()?;
    let value = form.value.trim();
    let kind = form.kind.trim();
    let mut errors = Vec::new();
    match kind {
        "code" if industry::find(value).is_none() => {
            errors.push(FieldError::new("value", "error.unknown_industry").with("value", value))
        }
        "code" | "keyword" if value.is_empty() || value.chars().count() > 50 => {
            errors.push(FieldError::new("value", "error.required"))
        }
        "code" | "keyword" => {}
        _ => errors.push(FieldError::new("kind", "error.unknown_choice").with("value", kind)),
    }
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let value = if kind == "code" { value.to_ascii_uppercase() } else { value.to_string() };
    Ok(store.add_negative(&maker, &AuditCtx::from(actor), kind, &value, form.note.trim()).await?)
}

pub async fn remove_negative(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let maker = actor.rule_maker()?;
    Ok(store.remove_negative(&maker, &AuditCtx::from(actor), id).await?)
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct OrientationForm {
    /// GB/T 4754 codes at any level, separated by commas or 、: "C36, C3484".
    pub prefixes: String,
}

/// Parse and check an orientation: every entry must be a GB/T 4754-2017 code.
pub fn parse_orientation(text: &str) -> Result<Vec<String>, Invalid> {
    let mut list: Vec<String> = Vec::new();
    for p in text.split([',', '、', '，', ' ', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let Some(i) = industry::find(p) else {
            return Err(Invalid::one(FieldError::new("prefixes", "error.unknown_industry").with("value", p)));
        };
        let code = i.display_code();
        if !list.contains(&code) {
            list.push(code);
        }
    }
    if list.is_empty() {
        return Err(Invalid::one(FieldError::new("prefixes", "error.required")));
    }
    Ok(list)
}

pub async fn set_orientation(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    form: &OrientationForm,
) -> Result<Vec<String>, AppError> {
    let (_, who) = crate::parks::granted(store, actor, park_id, Actor::park_authority).await?;
    let list = parse_orientation(&form.prefixes)?;
    store.set_orientation(&who, &AuditCtx::from(actor), &list).await?;
    Ok(list)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{delete, get, post, put};
    vec![
        (api("GET", "/api/v1/rules", "rules", "The rules in force and their history"), get(api::get)),
        (api("PUT", "/api/v1/rules", "rules", "Set the rules: a new version (county)"), put(api::set)),
        (api("GET", "/api/v1/negative-list", "rules", "The negative list"), get(api::negative)),
        (api("POST", "/api/v1/negative-list", "rules", "Add to the negative list (county)"), post(api::add_negative)),
        (
            api("DELETE", "/api/v1/negative-list/{id}", "rules", "Remove from the negative list (county)"),
            delete(api::remove_negative),
        ),
        (
            api("PUT", "/api/v1/parks/{id}/orientation", "rules", "Set a park's industrial orientation"),
            put(api::set_orientation),
        ),
        (page("GET", "/settings", "Rules, negative list, orientations"), get(pages::show)),
        (page("POST", "/settings/rules", "Save the rules (county)"), post(pages::set_rules)),
        (page("POST", "/settings/negative", "Add to the negative list (county)"), post(pages::add_negative)),
        (
            page("POST", "/settings/negative/{id}/delete", "Remove from the negative list (county)"),
            post(pages::remove_negative),
        ),
        (page("POST", "/parks/{id}/orientation", "Set a park's orientation"), post(pages::set_orientation)),
    ]
}
