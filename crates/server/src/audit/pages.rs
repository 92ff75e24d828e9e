//! The audit log page (county).

use super::diff::{self, Change, Names};
use crate::AppState;
use crate::pages::{PageCtx, PageError, PageUser, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use weiyuan_domain::access::ParkScope;
use weiyuan_domain::time::format_shanghai;
use weiyuan_store::AuditEntry;

/// An entry as the page shows it: what it is about by name, and only what changed.
pub struct Row {
    pub entry: AuditEntry,
    /// The record's name where the entry or the registry has it ("" otherwise).
    pub name: String,
    pub park: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub rows: Vec<Row>,
    pub total: i64,
    pub filter: super::AuditFilter,
    pub page: i64,
    pub pages: i64,
}

impl AuditPage {
    fn when(&self, e: &AuditEntry) -> String {
        format_shanghai(e.at_ms)
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

    /// Every kind of record and action the catalogue names, for the filters.
    fn entities(&self) -> Vec<(&'static str, &'static str)> {
        crate::i18n::codes(self.ctx.tr.0, "entity")
    }

    fn actions(&self) -> Vec<(&'static str, &'static str)> {
        crate::i18n::codes(self.ctx.tr.0, "audit_action")
    }
}

pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(filter): Query<super::AuditFilter>,
) -> Result<Response, PageError> {
    let (entries, total) = super::list(&s.store, &u.actor, &filter).await.map_err(u.fail())?;
    let pages = ((total + super::PAGE_SIZE - 1) / super::PAGE_SIZE).max(1);
    let fail = |e: weiyuan_store::StoreError| u.fail()(e.into());
    let mut ids = Vec::new();
    for e in &entries {
        e.before.iter().chain(&e.after).for_each(|v| diff::enterprise_ids(v, &mut ids));
        if e.entity == "enterprise" {
            ids.extend(e.entity_id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let names = Names {
        parks: s.store.list_parks(&ParkScope::All).await.map_err(fail)?.into_iter().map(|p| (p.id, p.name)).collect(),
        enterprises: s.store.enterprise_names(&ids).await.map_err(fail)?,
    };
    let tr = u.tr();
    let rows = entries
        .into_iter()
        .map(|e| {
            let named = |v: &Option<serde_json::Value>| v.as_ref()?.get("name")?.as_str().map(str::to_string);
            let name = named(&e.after)
                .or_else(|| named(&e.before))
                .or_else(|| (e.entity == "enterprise").then(|| names.enterprises.get(&e.entity_id?).cloned()).flatten())
                .unwrap_or_default();
            let park = e.park_id.map(|p| names.parks.get(&p).cloned().unwrap_or_else(|| format!("#{p}")));
            let changes = diff::changes(e.before.as_ref(), e.after.as_ref(), tr, &names);
            Row { name, park: park.unwrap_or_default(), changes, entry: e }
        })
        .collect();
    Ok(render(&AuditPage { ctx: u.ctx(), rows, total, page: filter.page(), pages, filter }))
}
