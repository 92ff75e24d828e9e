//! Pages for construction progress and the map.

use super::{Overview, ParkProgress, YearRow};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render_status, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;
use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
use weiyuan_domain::parks::ParkStatus;
use weiyuan_domain::progress::{Figure, MilestoneForm, MilestoneKind, ProgressForm, ReportState, YearFigures};
use weiyuan_domain::units::Fixed2;

type PageResult = Result<Response, PageError>;

/// A target's sentence, shortened for a chart axis.
fn short(text: &str) -> String {
    let t: String = text.chars().take(14).collect();
    if text.chars().count() > 14 { format!("{t}…") } else { t }
}

/// A figure of a year as shown in a table cell ("—" when none).
fn cell(figure: Figure, f: &YearFigures) -> String {
    figure.of(f).map(|v| v.shown()).unwrap_or_else(|| "—".into())
}

/// ECharts options for plan against actual, per year, one chart per figure, as JSON for the page.
fn charts(rows: &[YearRow], tr: crate::i18n::Tr) -> String {
    let years: Vec<String> = rows.iter().map(|r| r.year.to_string()).collect();
    let charts: Vec<_> = Figure::ALL
        .iter()
        .map(|f| {
            let num = |v: Option<Fixed2>| v.map(|x| x.as_f64());
            json!({
                "figure": f.code(),
                "title": tr.code("figure", f.code()),
                "years": years,
                "plan": rows.iter().map(|r| num(f.of(&r.plan))).collect::<Vec<_>>(),
                "actual": rows.iter().map(|r| num(f.of(&r.actual))).collect::<Vec<_>>(),
                "labels": [tr.t("progress.plan"), tr.t("progress.actual")],
            })
        })
        .collect();
    serde_json::to_string(&charts).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "progress.html")]
pub struct ProgressPage {
    pub ctx: PageCtx,
    pub o: Overview,
    pub charts: String,
    /// The measurable targets as a chart: share reached, per target.
    pub target_chart: String,
    pub generated: bool,
}

impl ProgressPage {
    fn figures(&self) -> &'static [Figure] {
        &Figure::ALL
    }
    fn cell(&self, figure: &Figure, f: &YearFigures) -> String {
        cell(*figure, f)
    }
    fn state_label(&self, s: &ReportState) -> String {
        match s {
            ReportState::Open => self.ctx.tr.t("report.open").to_string(),
            ReportState::OnTime => self.ctx.tr.t("report.on_time").to_string(),
            ReportState::Late { days } => {
                crate::i18n::tf(self.ctx.tr.0, "report.late", &[("days".into(), days.to_string())])
            }
            ReportState::Missing { days } => {
                crate::i18n::tf(self.ctx.tr.0, "report.missing", &[("days".into(), days.to_string())])
            }
        }
    }
    fn state_class(&self, s: &ReportState) -> &'static str {
        match s {
            ReportState::Open => "open",
            ReportState::OnTime => "ok",
            ReportState::Late { .. } => "late",
            ReportState::Missing { .. } => "missing",
        }
    }
    fn unit_of(&self, f: &Figure) -> &'static str {
        self.ctx.tr.code("figure_unit", f.code())
    }
}

pub async fn overview(State(s): State<AppState>, u: PageUser, Query(q): Query<super::api::MonthQuery>) -> PageResult {
    let month = super::parse_month(&q.month).map_err(u.fail())?;
    let per_mu = super::per_mu(&s, &u.actor).await.map_err(u.fail())?;
    let o = super::overview(&s.store, &u.actor, month, per_mu.as_ref()).await.map_err(u.fail())?;
    let charts = charts(&o.years, u.tr());
    let measured: Vec<_> = o.targets.iter().filter_map(|t| Some((t, t.actual?))).collect();
    let target_chart = if measured.is_empty() {
        String::new()
    } else {
        json!({
            "title": u.tr().t("progress.targets"),
            "names": measured.iter().map(|(t, _)| format!("{}（{}{}）", short(&t.target.text), t.target.value.plain(), t.target.unit)).collect::<Vec<_>>(),
            "percent": measured.iter().map(|(t, a)| if t.target.value.0 > 0 { (a.0 * 1000 / t.target.value.0) as f64 / 10.0 } else { 0.0 }).collect::<Vec<_>>(),
        })
        .to_string()
    };
    let generated = o.reports.iter().any(|r| r.report.as_ref().is_some_and(|x| x.generated));
    Ok(render_status(axum::http::StatusCode::OK, &ProgressPage { ctx: u.ctx(), o, charts, target_chart, generated }))
}

#[derive(Template)]
#[template(path = "park_progress.html")]
pub struct ParkProgressPage {
    pub ctx: PageCtx,
    pub p: ParkProgress,
    pub charts: String,
    pub can_file: bool,
    pub can_plan: bool,
    pub can_milestone: bool,
    pub report_form: ProgressForm,
    pub milestone_form: MilestoneForm,
    pub errors: Errors,
    pub generated: bool,
}

impl ParkProgressPage {
    fn figures(&self) -> &'static [Figure] {
        &Figure::ALL
    }
    fn kinds(&self) -> &'static [MilestoneKind] {
        MilestoneKind::ALL
    }
    fn cell(&self, figure: &Figure, f: &YearFigures) -> String {
        cell(*figure, f)
    }
    fn unit_of(&self, f: &Figure) -> &'static str {
        self.ctx.tr.code("figure_unit", f.code())
    }
    fn today(&self) -> String {
        crate::today()
    }
    fn wan(&self, m2: &Fixed2) -> String {
        weiyuan_domain::units::m2_to_wan_m2(*m2).shown()
    }
}

async fn park_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    report_form: ProgressForm,
    milestone_form: MilestoneForm,
    errors: Errors,
) -> PageResult {
    let p = super::park_progress(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let park = p.park.as_ref();
    let (can_file, can_milestone) = (u.actor.can_file_progress(&park), u.actor.can_edit_park(&park));
    let can_plan = u.actor.is_county();
    let charts = charts(&p.years, u.tr());
    let generated = p.reports.iter().any(|r| r.generated);
    let page = ParkProgressPage {
        ctx: u.ctx(),
        generated,
        p,
        charts,
        can_file,
        can_plan,
        can_milestone,
        report_form,
        milestone_form,
        errors,
    };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn park(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let month = super::last_complete_month(weiyuan_store::now_ms()).to_string();
    park_page(&s, &u, id, ProgressForm { month, ..Default::default() }, MilestoneForm::default(), Errors::default())
        .await
}

pub async fn file_report(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ProgressForm>,
) -> PageResult {
    match super::file_report(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done(&format!("/parks/{id}/progress#reports"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let errors = Errors::from_app(&e, u.tr());
            park_page(&s, &u.at(&format!("/parks/{id}/progress")), id, form, MilestoneForm::default(), errors).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn set_plan(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<super::PlanForm>,
) -> PageResult {
    match super::set_plan(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done(&format!("/parks/{id}/progress#plans"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let errors = Errors::from_app(&e, u.tr());
            park_page(
                &s,
                &u.at(&format!("/parks/{id}/progress")),
                id,
                ProgressForm::default(),
                MilestoneForm::default(),
                errors,
            )
            .await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn set_milestone(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<MilestoneForm>,
) -> PageResult {
    match super::set_milestone(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done(&format!("/parks/{id}/progress#milestones"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let errors = Errors::from_app(&e, u.tr());
            park_page(&s, &u.at(&format!("/parks/{id}/progress")), id, ProgressForm::default(), form, errors).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn delete_milestone(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    _: CsrfForm<crate::parks::pages::Empty>,
) -> PageResult {
    let park_id = super::delete_milestone(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(see_other(&format!("/parks/{park_id}/progress#milestones")))
}

#[derive(Template)]
#[template(path = "map.html")]
pub struct MapPage {
    pub ctx: PageCtx,
    /// Parks and townships as JSON for the map script.
    pub data: String,
    pub tile_url: String,
}

/// The townships that have parks, as map labels.
pub fn township_labels<'a>(codes: impl Iterator<Item = &'a str> + Clone, en: bool) -> Vec<serde_json::Value> {
    PINGYANG_TOWNSHIPS
        .iter()
        .filter(|t| codes.clone().any(|c| c == t.code))
        .map(|t| json!({ "code": t.code, "name": if en { t.name_en } else { t.name }, "lat": t.lat, "lon": t.lon }))
        .collect()
}

pub async fn map(State(s): State<AppState>, u: PageUser) -> PageResult {
    let parks = s.store.list_parks(&u.actor.park_scope()).await.map_err(|e| u.fail()(e.into()))?;
    let lagging = super::lagging_ids(&s.store, &u.actor).await.map_err(u.fail())?;
    let tr = u.tr();
    let en = tr.is_en();
    let items: Vec<_> = parks
        .iter()
        .filter(|p| p.lat.is_some() && p.lon.is_some())
        .map(|p| {
            json!({ "id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "status": p.status.code(), "township_code": p.township_code,
                "status_label": tr.code("status", p.status.code()), "township": p.township_name(),
                "land": p.land_mu.plain(), "enterprises": p.enterprise_count, "lagging": lagging.contains(&p.id) })
        })
        .collect();
    let townships = township_labels(parks.iter().map(|p| p.township_code.as_str()), en);
    let legend: Vec<_> =
        ParkStatus::ALL.iter().map(|s| json!({ "status": s.code(), "label": tr.code("status", s.code()) })).collect();
    let labels = json!({ "land": tr.t("field.land_mu"), "enterprises": tr.t("field.enterprise_count"), "open": tr.t("map.open_park"),
        "lagging": tr.t("map.lagging") });
    let data = json!({ "parks": items, "townships": townships, "legend": legend, "labels": labels }).to_string();
    Ok(render_status(
        axum::http::StatusCode::OK,
        &MapPage { ctx: u.ctx(), data, tile_url: s.tile_url.clone().unwrap_or_default() },
    ))
}
