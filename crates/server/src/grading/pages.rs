//! Pages of park grading: the gradings with the rubric, and one grading with every park's
//! dimensions, the reviews and publishing.

use super::{GradeForm, GradingView, ReviewForm};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, render, render_status};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::HashMap;
use weiyuan_domain::grading::{Dimension, Measure, Rubric, Source};
use weiyuan_domain::validation::{FieldError, Invalid};
use weiyuan_store::grading::{GradingRun, RubricVersion};

type PageResult = Result<axum::response::Response, PageError>;

use crate::pages::problems;

#[derive(Template)]
#[template(path = "grading.html")]
pub struct GradingsPage {
    pub ctx: PageCtx,
    pub gradings: Vec<GradingRun>,
    pub rubric: RubricVersion,
    pub year: String,
    pub problems: Vec<String>,
    pub stars: Vec<weiyuan_store::grading::StarApplication>,
    /// Parks the caller may apply for (id, name).
    pub may_apply: Vec<(i64, String)>,
}

impl GradingsPage {
    fn township_decides(&self, a: &weiyuan_store::grading::StarApplication) -> bool {
        a.status == "applied" && self.ctx.is_government()
    }
    fn county_decides(&self, a: &weiyuan_store::grading::StarApplication) -> bool {
        a.status == "endorsed" && self.ctx.is_county()
    }
    fn source(&self, s: &Source) -> String {
        match s {
            Source::Measured { measure, target } => format!(
                "{} {} {}",
                self.ctx.tr.code("grading.measure", measure.key()),
                self.ctx.tr.t("grading.target"),
                format_args!("{target} {}", measure.unit())
            ),
            Source::Review => self.ctx.tr.t("grading.review").to_string(),
        }
    }
}

async fn gradings_page(
    s: &AppState,
    u: &PageUser,
    year: String,
    problems: Vec<String>,
) -> Result<GradingsPage, AppError> {
    let may_apply = s
        .store
        .list_parks(&u.actor.park_scope())
        .await?
        .into_iter()
        .filter(|p| u.actor.can_edit_units(&p.as_ref()))
        .map(|p| (p.id, p.name))
        .collect();
    Ok(GradingsPage {
        ctx: u.ctx(),
        gradings: super::gradings(&s.store, &u.actor).await?,
        rubric: super::rubric(&s.store).await?,
        year,
        problems,
        stars: super::stars::list(&s.store, &u.actor).await?,
        may_apply,
    })
}

pub async fn list(State(s): State<AppState>, u: PageUser) -> PageResult {
    let page = gradings_page(&s, &u, super::last_year().to_string(), Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

pub async fn compute(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<GradeForm>) -> PageResult {
    match super::compute(&s.store, &u.actor, &f).await {
        Ok(g) => Ok(done(&format!("/grading/{}", g.id), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let page = gradings_page(&s, &u, f.year.clone(), problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "grading_view.html")]
pub struct GradingPage {
    pub ctx: PageCtx,
    pub v: GradingView,
    pub problems: Vec<String>,
}

impl GradingPage {
    fn draft(&self) -> bool {
        self.v.grading.status == "draft"
    }
    fn keys(&self) -> Vec<(String, f64)> {
        self.v.grading.rubric.dimensions.iter().map(|d| (d.key.clone(), d.points)).collect()
    }
    fn review_keys(&self) -> Vec<String> {
        self.v.grading.rubric.dimensions.iter().filter(|d| d.source == Source::Review).map(|d| d.key.clone()).collect()
    }
    fn park_name(&self, id: &i64) -> String {
        self.v.lines.iter().find(|l| l.park_id == *id).map(|l| l.park.clone()).unwrap_or_else(|| id.to_string())
    }
    fn township(&self, code: &str) -> String {
        crate::supervision::township_name(code)
    }
    fn earned(&self, line: &super::ParkLine, key: &str) -> String {
        let Some(g) = &line.graded else { return String::new() };
        match g.dimensions.iter().find(|d| d.key == key) {
            Some(d) => match (d.earned, d.value) {
                (Some(e), Some(v)) => format!("{e:.2}（{v:.2}）"),
                (Some(e), None) => format!("{e:.2}"),
                (None, _) => "…".into(),
            },
            None => String::new(),
        }
    }
}

async fn grading_page(s: &AppState, u: &PageUser, id: i64, problems: Vec<String>) -> Result<GradingPage, AppError> {
    Ok(GradingPage { ctx: u.ctx(), v: super::view(&s.store, &u.actor, id).await?, problems })
}

pub async fn view(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let page = grading_page(&s, &u, id, Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

async fn back(s: &AppState, u: &PageUser, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(done(&format!("/grading/{id}"), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let page = grading_page(s, u, id, problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn review(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> PageResult {
    let r = super::review(&s.store, &u.actor, id, &f).await;
    back(&s, &u, id, r).await
}

pub async fn publish(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> PageResult {
    let r = super::publish(&s.store, &u.actor, id).await.map(|_| ());
    back(&s, &u, id, r).await
}

/// After a star action: back to the list, or the page with what was refused.
async fn back_to_stars(s: &AppState, u: &PageUser, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(done("/grading#stars", "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/grading");
            let page =
                gradings_page(s, &u, super::last_year().to_string(), problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StarPageForm {
    park_id: String,
    #[serde(flatten)]
    form: super::stars::StarForm,
}

/// The page's form names the park in a field (the API has it in the path).
pub async fn apply_stars(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<StarPageForm>) -> PageResult {
    let Ok(park_id) = f.park_id.trim().parse::<i64>() else {
        return Err(u.fail()(AppError::NotFound));
    };
    let r = super::stars::apply(&s.store, &u.actor, park_id, &f.form).await.map(|_| ());
    back_to_stars(&s, &u, r).await
}

pub async fn decide_stars(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<super::stars::StarDecisionForm>,
) -> PageResult {
    let r = super::stars::decide(&s.store, &u.actor, id, &f).await.map(|_| ());
    back_to_stars(&s, &u, r).await
}

#[derive(Template)]
#[template(path = "grading_rubric.html")]
pub struct RubricPage {
    pub ctx: PageCtx,
    pub current: RubricVersion,
    /// The dimensions the form offers: the rubric's, then the default ones it lacks.
    pub keys: Vec<String>,
    /// The form's values by field name (the rubric in force, or what was typed).
    pub values: HashMap<String, String>,
    pub problems: Vec<String>,
}

impl RubricPage {
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    fn field(&self, key: &str, name: &str) -> &str {
        self.v(&format!("{key}.{name}"))
    }
    fn measures(&self) -> Vec<(&'static str, &'static str)> {
        Measure::ALL.iter().map(|m| (m.key(), m.unit())).collect()
    }
    fn grades(&self) -> [&'static str; 4] {
        GRADES
    }
}

const GRADES: [&str; 4] = ["A", "B", "C", "D"];

/// The dimensions a form shows: the rubric's in its order, then the default ones it lacks (so a
/// dimension taken out can be put back).
fn dimension_keys(r: &Rubric) -> Vec<String> {
    let mut keys: Vec<String> = r.dimensions.iter().map(|d| d.key.clone()).collect();
    for d in Rubric::default().dimensions {
        if !keys.contains(&d.key) {
            keys.push(d.key);
        }
    }
    keys
}

/// The rubric as form values: `<key>.points`, `<key>.source` (`review` or a measure),
/// `<key>.target`, `quotas.A`…, `support.A`…, `grace_years`.
pub fn rubric_values(r: &Rubric) -> HashMap<String, String> {
    use crate::evaluation::pages::num;
    let mut v = HashMap::new();
    for d in &r.dimensions {
        v.insert(format!("{}.points", d.key), num(d.points));
        let (source, target) = match &d.source {
            Source::Measured { measure, target } => (measure.key().to_string(), num(*target)),
            Source::Review => ("review".to_string(), String::new()),
        };
        v.insert(format!("{}.source", d.key), source);
        v.insert(format!("{}.target", d.key), target);
    }
    for (i, g) in GRADES.iter().enumerate() {
        v.insert(format!("quotas.{g}"), num(r.quotas[i]));
        v.insert(format!("support.{g}"), num(r.support[i]));
    }
    v.insert("grace_years".into(), r.grace_years.to_string());
    v
}

/// The form's values as a rubric: a dimension with its points left empty is not in it. Numbers
/// that are not numbers are refused here by field; whether the rubric can work is
/// `Rubric::validate`'s (in the use case).
pub fn rubric_from_values(v: &HashMap<String, String>, keys: &[String]) -> Result<Rubric, Invalid> {
    let text = |name: &str| v.get(name).map(|s| s.trim()).unwrap_or("").to_string();
    let number = |errors: &mut Vec<FieldError>, name: &str| -> f64 {
        match text(name).parse::<f64>() {
            Ok(x) if x.is_finite() => x,
            _ => {
                errors.push(FieldError::new(name, "error.not_number"));
                0.0
            }
        }
    };
    let mut errors = Vec::new();
    let mut dimensions = Vec::new();
    for key in keys {
        if text(&format!("{key}.points")).is_empty() {
            continue;
        }
        let points = number(&mut errors, &format!("{key}.points"));
        let chosen = text(&format!("{key}.source"));
        let source = match chosen.as_str() {
            "review" => Some(Source::Review),
            m => Measure::of(m)
                .map(|measure| Source::Measured { measure, target: number(&mut errors, &format!("{key}.target")) }),
        };
        match source {
            Some(source) => dimensions.push(Dimension { key: key.clone(), points, source }),
            None => {
                errors.push(FieldError::new(&format!("{key}.source"), "error.unknown_choice").with("value", chosen))
            }
        }
    }
    let quotas = GRADES.map(|g| number(&mut errors, &format!("quotas.{g}")));
    let support = GRADES.map(|g| number(&mut errors, &format!("support.{g}")));
    let grace_years = match text("grace_years").parse::<u32>() {
        Ok(y) => y,
        Err(_) => {
            errors.push(FieldError::new("grace_years", "error.not_integer"));
            0
        }
    };
    if errors.is_empty() { Ok(Rubric { dimensions, quotas, grace_years, support }) } else { Err(Invalid(errors)) }
}

pub async fn rubric(State(s): State<AppState>, u: PageUser) -> PageResult {
    let current = super::rubric(&s.store).await.map_err(u.fail())?;
    let (keys, values) = (dimension_keys(&current.rubric), rubric_values(&current.rubric));
    Ok(render(&RubricPage { ctx: u.ctx(), current, keys, values, problems: Vec::new() }))
}

pub async fn set_rubric(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let current = super::rubric(&s.store).await.map_err(u.fail())?;
    let keys = dimension_keys(&current.rubric);
    let result = match rubric_from_values(&values, &keys) {
        Ok(rubric) => {
            let form = super::RubricForm { rubric, note: values.get("note").cloned().unwrap_or_default() };
            super::set_rubric(&s.store, &u.actor, &form).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(done("/grading/rubric", "rubric_saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let page = RubricPage { ctx: u.ctx(), current, keys, problems: problems(&e, u.tr()), values };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(u.fail()(e)),
    }
}
