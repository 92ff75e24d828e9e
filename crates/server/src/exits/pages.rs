use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "exits.html")]
pub struct ExitsPage {
    pub ctx: PageCtx,
    pub rows: Vec<super::ExitRow>,
    pub years: i64,
    /// How many early warnings there are, and whether only they are shown.
    pub warnings: usize,
    pub only_warnings: bool,
    /// How many failed tests await the county's step, and whether only they are shown.
    pub failed: usize,
    pub only_failed: bool,
}

#[derive(Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ListQuery {
    warning: String,
    failed: String,
}

/// `?warning=1`: only the early warnings; `?failed=1`: only the failed tests awaiting a step.
pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let mut rows = super::list(&s.store, &u.actor).await.map_err(u.fail())?;
    let warnings = rows.iter().filter(|r| r.warning).count();
    let failed = rows.iter().filter(|r| r.awaits_step()).count();
    let only_warnings = q.warning == "1";
    let only_failed = q.failed == "1" && !only_warnings;
    if only_warnings {
        rows.retain(|r| r.warning);
    }
    if only_failed {
        rows.retain(super::ExitRow::awaits_step);
    }
    let years = s.store.rules().await.map_err(|e| u.fail()(e.into()))?.exit_test_after_years;
    Ok(render(&ExitsPage { ctx: u.ctx(), rows, years, warnings, only_warnings, failed, only_failed }))
}

/// Back to the enterprise page, or its page with the error.
fn back(u: &PageUser, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(done(&format!("/enterprises/{id}#exit"), "exit_step_recorded")),
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn set_figures(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<super::FiguresForm>,
) -> PageResult {
    let r = super::set_figures(&s.store, &u.actor, id, &f).await;
    back(&u, id, r)
}

pub async fn step(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<super::StepForm>,
) -> PageResult {
    let r = super::step(&s.store, &u.actor, id, &f).await;
    back(&u, id, r)
}
