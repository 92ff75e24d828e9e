//! The audit log page (county).

use crate::AppState;
use crate::pages::{PageCtx, PageError, PageUser, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::time::format_shanghai;
use weiyuan_store::AuditEntry;

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub filter: super::AuditFilter,
    pub page: i64,
    pub pages: i64,
}

impl AuditPage {
    fn when(&self, e: &AuditEntry) -> String {
        format_shanghai(e.at_ms)
    }

    fn json(&self, v: &Option<serde_json::Value>) -> String {
        v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default()
    }

    fn page_link(&self, page: i64) -> String {
        let f = super::AuditFilter { page: page.to_string(), ..self.filter.clone() };
        let q = [
            ("username", f.username.as_str()),
            ("entity", f.entity.as_str()),
            ("action", f.action.as_str()),
            ("park_id", f.park_id.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
            ("page", f.page.as_str()),
        ];
        format!("/audit?{}", serde_urlencoded::to_string(q).unwrap_or_default())
    }

    fn entities(&self) -> &'static [&'static str] {
        &["park", "building", "unit", "enterprise", "user", "session"]
    }

    fn actions(&self) -> &'static [&'static str] {
        &["create", "update", "delete", "reset_password", "set_lang", "login", "logout"]
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(filter): Query<super::AuditFilter>,
) -> Result<Response, PageError> {
    let (entries, total) = super::list(&s.store, &u.actor, &filter).await.map_err(u.fail())?;
    let pages = ((total + super::PAGE_SIZE - 1) / super::PAGE_SIZE).max(1);
    Ok(render(&AuditPage { ctx: u.ctx(), entries, total, page: filter.page(), pages, filter }))
}
