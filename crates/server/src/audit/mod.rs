//! The audit log as the county browses it.

pub mod api;
pub mod diff;
pub mod pages;

use crate::error::AppError;
use serde::Deserialize;
use weiyuan_domain::access::Actor;
use weiyuan_domain::time::parse_shanghai_date;
use weiyuan_store::{AuditEntry, AuditQuery, Store};

pub const PAGE_SIZE: i64 = 50;

/// Filters as they come from a query string; dates are civil dates in Asia/Shanghai.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AuditFilter {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub park_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: String,
}

impl AuditFilter {
    /// A page that is not a positive number, a date that does not exist or a park id that is
    /// not a number is refused on its field.
    pub fn validate(&self) -> Result<(), weiyuan_domain::Invalid> {
        use weiyuan_domain::FieldError;
        let mut c = weiyuan_domain::validation::Checker::new();
        let page = self.page.trim();
        if !page.is_empty() && !page.parse::<i64>().is_ok_and(|p| (1..=1_000_000).contains(&p)) {
            c.push(FieldError::new("page", "error.page_number"));
        }
        for (field, v) in [("from", &self.from), ("to", &self.to)] {
            if !v.trim().is_empty() && parse_shanghai_date(v).is_none() {
                c.push(FieldError::new(field, "error.date_format"));
            }
        }
        if !self.park_id.trim().is_empty() && self.park_id.trim().parse::<u32>().is_err() {
            c.push(FieldError::new("park_id", "error.not_an_id"));
        }
        c.finish(())
    }

    pub fn page(&self) -> i64 {
        self.page.trim().parse::<i64>().unwrap_or(1).max(1)
    }

    fn query(&self) -> AuditQuery {
        AuditQuery {
            username: Some(self.username.trim().to_string()),
            entity: Some(self.entity.trim().to_string()),
            action: Some(self.action.trim().to_string()),
            park_id: self.park_id.trim().parse().ok(),
            from_ms: parse_shanghai_date(&self.from),
            // "to" is inclusive: up to the end of that day.
            to_ms: parse_shanghai_date(&self.to).map(|t| t + 86_400_000),
            limit: PAGE_SIZE,
            offset: (self.page() - 1) * PAGE_SIZE,
        }
    }
}

pub async fn list(store: &Store, actor: &Actor, f: &AuditFilter) -> Result<(Vec<AuditEntry>, i64), AppError> {
    if !actor.is_county() {
        return Err(AppError::Forbidden);
    }
    f.validate()?;
    Ok(store.list_audit(&f.query()).await?)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::get;
    vec![
        (api("GET", "/api/v1/audit", "audit", "Browse the audit log (county)"), get(api::list)),
        (page("GET", "/audit", "Audit log (county)"), get(pages::list)),
    ]
}
