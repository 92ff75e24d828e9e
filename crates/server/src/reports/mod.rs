//! Monthly enterprise reports: an enterprise files its own, its park's operator or the county
//! files for it; a filing is checked (required fields, ranges, months that have ended, jumps
//! against last year), a correction keeps the earlier version and needs a reason, and the county
//! sees who has not filed.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, ReportFiler};
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{ReportForm, due_date};
use weiyuan_store::enterprises::Enterprise;
use weiyuan_store::reports::Report;
use weiyuan_store::{AuditCtx, Store, now_ms};

/// The last month that has ended.
pub fn last_month() -> Month {
    Month::of_ms(now_ms()).prev()
}

/// Who files an enterprise's report: itself, its park's operator, the county.
pub async fn filer(store: &Store, actor: &Actor, e: &Enterprise) -> Result<ReportFiler, AppError> {
    let park = store.get_park(e.park_id).await?;
    Ok(actor.report_filer(&park.as_ref(), e.id)?)
}

pub async fn list(store: &Store, actor: &Actor, enterprise_id: i64) -> Result<(Enterprise, Vec<Report>), AppError> {
    let e = crate::enterprises::get(store, actor, enterprise_id).await?;
    let reports = store.enterprise_reports(e.id).await?;
    Ok((e, reports))
}

pub async fn file(store: &Store, actor: &Actor, enterprise_id: i64, form: &ReportForm) -> Result<Report, AppError> {
    let e = crate::enterprises::get(store, actor, enterprise_id).await?;
    let filer = filer(store, actor, &e).await?;
    let rules = store.rules().await?.reports;
    let month = Month::parse(&form.month);
    let (last_year, existing) = match month {
        Some(m) => (
            store.enterprise_report(e.id, Month { year: m.year - 1, ..m }).await?,
            store.enterprise_report(e.id, m).await?,
        ),
        None => (None, None),
    };
    let d = form.validate(&rules, last_month(), last_year.as_ref().map(|r| &r.figures), existing.is_some())?;
    let today = crate::today();
    let late = existing.as_ref().map(|r| r.late).unwrap_or(today > due_date(d.month, &rules));
    Ok(store.file_enterprise_report(&filer, &AuditCtx::from(actor), &d, late).await?)
}

/// A park's filing status for a month.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkStatus {
    pub park_id: i64,
    pub park: String,
    pub enterprises: usize,
    pub filed: usize,
    pub late: usize,
    /// The active enterprises that have not filed: (id, name).
    pub missing: Vec<(i64, String)>,
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

pub async fn status(store: &Store, actor: &Actor, month: Month) -> Result<Vec<ParkStatus>, AppError> {
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let enterprises = crate::enterprises::list(store, actor, &Default::default()).await?;
    let filed: std::collections::HashMap<i64, bool> = store.filed_in(&scope, month).await?.into_iter().collect();
    let mut by_park: std::collections::HashMap<i64, Vec<&Enterprise>> = Default::default();
    for e in enterprises.iter().filter(|e| e.status.code() == "active") {
        by_park.entry(e.park_id).or_default().push(e);
    }
    let mut out = Vec::new();
    for p in parks {
        let Some(mine) = by_park.get(&p.id) else { continue };
        let missing = mine.iter().filter(|e| !filed.contains_key(&e.id)).map(|e| (e.id, e.name.clone())).collect();
        out.push(ParkStatus {
            park_id: p.id,
            park: p.name.clone(),
            enterprises: mine.len(),
            filed: mine.iter().filter(|e| filed.contains_key(&e.id)).count(),
            late: mine.iter().filter(|e| filed.get(&e.id) == Some(&true)).count(),
            missing,
        });
    }
    Ok(out)
}

/// A month given in a query: empty is the last month that has ended; one that cannot be read
/// is refused on its field (a later one is the last that has ended).
pub fn month_query(text: &str) -> Result<Month, AppError> {
    if text.trim().is_empty() {
        return Ok(last_month());
    }
    match Month::parse(text).filter(|m| m.year >= Month::FIRST_YEAR && text.trim().len() <= 7) {
        Some(m) => Ok(m.min(last_month())),
        None => {
            Err(weiyuan_domain::Invalid::one(weiyuan_domain::FieldError::new("month", "error.month_format")).into())
        }
    }
}

pub fn month_or_last(text: &str) -> Month {
    Month::parse(text).filter(|m| *m <= last_month()).unwrap_or_else(last_month)
}

pub mod api;

pub mod pages;

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post};
    vec![
        (api("GET", "/api/v1/enterprises/{id}/reports", "reports", "An enterprise's monthly reports"), get(api::list)),
        (
            api("POST", "/api/v1/enterprises/{id}/reports", "reports", "File or correct a monthly report"),
            post(api::file),
        ),
        (api("GET", "/api/v1/reports/status", "reports", "Who has filed a month, per park (month)"), get(api::status)),
        (page("GET", "/enterprises/{id}/reports", "An enterprise's monthly reports"), get(pages::show)),
        (page("POST", "/enterprises/{id}/reports", "File a monthly report"), post(pages::file)),
        (page("GET", "/reports", "Report filing status"), get(pages::status)),
    ]
}
