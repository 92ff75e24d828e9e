//! The enterprise registry: scoped reads (an enterprise sees only itself), registration and
//! edits by the county, the park's township and its operator. Admission review, unit sales and
//! leases, the lottery and the exit test build on this.

pub mod api;
pub mod pages;

use crate::error::AppError;
use serde::Deserialize;
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::enterprises::EnterpriseForm;
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::{AuditCtx, Store};

/// Enterprises in one page of the API's list unless `size` asks otherwise (at most 500).
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct EnterpriseFilter {
    #[serde(default)]
    pub park_id: String,
    /// Part of the name, the credit code, or an industry code prefix (C34).
    #[serde(default)]
    pub q: String,
}

impl EnterpriseFilter {
    fn matches(&self, e: &Enterprise) -> bool {
        let q = self.q.trim();
        let park_ok = self.park_id.trim().parse::<i64>().map(|p| p == e.park_id).unwrap_or(true);
        let q_ok = q.is_empty()
            || e.name.contains(q)
            || e.credit_code.eq_ignore_ascii_case(q)
            || e.industry_code.to_ascii_uppercase().starts_with(&q.to_ascii_uppercase());
        park_ok && q_ok
    }
}

/// The enterprises an actor may see: all of its scope's parks, or only itself.
pub async fn list(store: &Store, actor: &Actor, f: &EnterpriseFilter) -> Result<Vec<Enterprise>, AppError> {
    let all = match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(id)) => vec![store.get_enterprise(id).await?],
        (Role::Enterprise, None) => Vec::new(),
        _ => store.list_enterprises_in(&actor.park_scope()).await?,
    };
    Ok(all.into_iter().filter(|e| f.matches(e)).collect())
}

/// The park of an enterprise, unscoped: for a capability constructor to decide on (it hides
/// what the caller may not see).
pub async fn park_of(store: &Store, id: i64) -> Result<weiyuan_domain::parks::Park, AppError> {
    let e = store.get_enterprise(id).await?;
    Ok(store.get_park(e.park_id).await?)
}

pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Enterprise, AppError> {
    let e = store.get_enterprise(id).await?;
    let park = crate::parks::get(store, actor, e.park_id).await?;
    if actor.can_read_enterprise(e.id, &park.as_ref()) { Ok(e) } else { Err(AppError::NotFound) }
}

/// Tags as codes, from codes or their Chinese or English labels (科技型、专精特新), separated by
/// commas, 、 or spaces; what is still unknown is left for the form to report.
pub fn tag_codes(text: &str) -> String {
    use weiyuan_domain::enterprises::Tag;
    text.split([',', '、', '，', ' ', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            crate::i18n::code_from_label(Tag::ALL, Tag::code, "tag", t, &[])
                .map(str::to_string)
                .unwrap_or(t.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn with_tag_codes(form: &EnterpriseForm) -> EnterpriseForm {
    EnterpriseForm { tags: tag_codes(&form.tags), ..form.clone() }
}

pub async fn create(store: &Store, actor: &Actor, park_id: i64, form: &EnterpriseForm) -> Result<Enterprise, AppError> {
    let desk = crate::parks::unit_desk(store, actor, park_id).await?;
    let d = with_tag_codes(form).validate(&crate::today())?;
    Ok(store.create_enterprise(&desk, &AuditCtx::from(actor), &d, false).await?)
}

pub async fn update(store: &Store, actor: &Actor, id: i64, form: &EnterpriseForm) -> Result<Enterprise, AppError> {
    let e = get(store, actor, id).await?;
    let desk = crate::parks::unit_desk(store, actor, e.park_id).await?;
    let d = with_tag_codes(form).validate(&crate::today())?;
    Ok(store.update_enterprise(&desk, &AuditCtx::from(actor), id, &d).await?)
}

/// The form an edit page starts from.
pub fn form_of(e: &Enterprise) -> EnterpriseForm {
    form_of_draft(&e.draft())
}

/// The form showing a registry record, tags by their Chinese labels.
pub fn form_of_draft(d: &weiyuan_domain::enterprises::EnterpriseDraft) -> EnterpriseForm {
    EnterpriseForm {
        name: d.name.clone(),
        credit_code: d.credit_code.clone(),
        credit_override: d.credit_override.clone(),
        legal_representative: d.legal_representative.clone(),
        contact: d.contact.clone(),
        industry_code: d.industry_code.clone(),
        size: d.size.code().into(),
        tags: d
            .tags
            .iter()
            .map(|t| crate::i18n::t(weiyuan_domain::access::Lang::ZhCn, &format!("tag.{}", t.code())))
            .collect::<Vec<_>>()
            .join("、"),
        entry_date: d.entry_date.clone().unwrap_or_default(),
    }
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post, put};
    vec![
        (
            api("GET", "/api/v1/industries", "enterprises", "Search GB/T 4754-2017 by code or name"),
            get(api::industries),
        ),
        (
            api("GET", "/api/v1/enterprises", "enterprises", "Enterprises the caller may see (park_id, q)"),
            get(api::list),
        ),
        (api("GET", "/api/v1/enterprises/{id}", "enterprises", "One enterprise"), get(api::get)),
        (
            api("POST", "/api/v1/parks/{id}/enterprises", "enterprises", "Register an enterprise in a park"),
            post(api::create),
        ),
        (api("PUT", "/api/v1/enterprises/{id}", "enterprises", "Edit an enterprise"), put(api::update)),
        (page("GET", "/parks/{id}/enterprises", "A park's enterprises"), get(pages::list)),
        (page("GET", "/parks/{id}/enterprises/new", "New enterprise form"), get(pages::new_form)),
        (page("POST", "/parks/{id}/enterprises", "Register an enterprise"), post(pages::create)),
        (page("GET", "/enterprises/{id}", "Enterprise page"), get(pages::show)),
        (page("GET", "/enterprises/{id}/edit", "Edit enterprise form"), get(pages::edit_form)),
        (page("POST", "/enterprises/{id}", "Save an enterprise"), post(pages::update)),
    ]
}
