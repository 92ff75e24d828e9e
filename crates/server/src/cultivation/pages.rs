//! Pages of the cultivation library: the library with counts per park and township, and one
//! enterprise's record (liaison, visits, tasks) with the forms of its township or the county.

use super::{Counts, Library, LibraryQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, problems, render, render_status, urlencode};
use crate::parks::pages::Empty;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use weiyuan_domain::access::Role;
use weiyuan_domain::cultivation::{LiaisonForm, TIERS, TaskForm, VisitForm};
use weiyuan_store::cultivation::{Liaison, Task, Visit};

type PageResult = Result<axum::response::Response, PageError>;

#[derive(Template)]
#[template(path = "cultivation.html")]
pub struct LibraryPage {
    pub ctx: PageCtx,
    pub l: Library,
    pub tier: String,
    /// Totals per township: (code, per tier, candidates).
    pub townships: Vec<(String, [i64; 4], i64)>,
}

impl LibraryPage {
    fn tiers(&self) -> Vec<&'static str> {
        TIERS.iter().map(|t| t.code()).collect()
    }
    fn pages(&self) -> i64 {
        ((self.l.total + self.l.size - 1) / self.l.size).max(1)
    }
    fn page_link(&self, page: i64) -> String {
        format!("/cultivation?tier={}&page={page}", urlencode(&self.tier))
    }
}

fn township_totals(counts: &[Counts]) -> Vec<(String, [i64; 4], i64)> {
    let mut out: Vec<(String, [i64; 4], i64)> = Vec::new();
    for c in counts {
        match out.iter_mut().find(|(t, _, _)| *t == c.township_code) {
            Some((_, tiers, cand)) => {
                for (sum, n) in tiers.iter_mut().zip(c.tiers) {
                    *sum += n;
                }
                *cand += c.candidates;
            }
            None => out.push((c.township_code.clone(), c.tiers, c.candidates)),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub async fn library(State(s): State<AppState>, u: PageUser, Query(q): Query<LibraryQuery>) -> PageResult {
    let l = super::library(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let townships = township_totals(&l.counts);
    Ok(render(&LibraryPage { ctx: u.ctx(), l, tier: q.tier.clone(), townships }))
}

#[derive(Template)]
#[template(path = "cultivation_record.html")]
pub struct RecordPage {
    pub ctx: PageCtx,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub liaison: Option<Liaison>,
    pub visits: Vec<Visit>,
    pub tasks: Vec<Task>,
    pub may_edit: bool,
    pub problems: Vec<String>,
    pub today: String,
}

async fn record_page(s: &AppState, u: &PageUser, id: i64, problems: Vec<String>) -> Result<RecordPage, AppError> {
    let (liaison, visits, tasks) = super::record(&s.store, &u.actor, id).await?;
    let e = s.store.get_enterprise(id).await?;
    let park = s.store.get_park(e.park_id).await?;
    let may_edit = u.actor.role != Role::Enterprise && u.actor.can_edit_park(&park.as_ref());
    Ok(RecordPage {
        ctx: u.ctx(),
        enterprise_id: id,
        enterprise: e.name,
        liaison,
        visits,
        tasks,
        may_edit,
        problems,
        today: crate::today(),
    })
}

pub async fn record(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    Ok(render(&record_page(&s, &u, id, Vec::new()).await.map_err(u.fail())?))
}

async fn after(s: &AppState, u: PageUser, id: i64, done: Result<(), AppError>) -> PageResult {
    match done {
        Ok(()) => Ok(crate::pages::done(&format!("/cultivation/{id}"), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&format!("/cultivation/{id}"));
            let page = record_page(s, &u, id, problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn liaison(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<LiaisonForm>,
) -> PageResult {
    let done = super::set_liaison(&s.store, &u.actor, id, &f).await;
    after(&s, u, id, done).await
}

pub async fn visit(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<VisitForm>) -> PageResult {
    let done = super::add_visit(&s.store, &u.actor, id, &f).await.map(|_| ());
    after(&s, u, id, done).await
}

pub async fn task(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<TaskForm>) -> PageResult {
    let done = super::add_task(&s.store, &u.actor, id, &f).await.map(|_| ());
    after(&s, u, id, done).await
}

pub async fn done(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(_): CsrfForm<Empty>) -> PageResult {
    match super::finish_task(&s.store, &u.actor, id).await {
        Ok(t) => Ok(crate::pages::done(&format!("/cultivation/{}", t.enterprise_id), "saved")),
        Err(e) => Err(u.fail()(e)),
    }
}
