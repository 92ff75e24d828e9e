//! Pages of the per-mu evaluation: the runs, the method (read by all, edited by the county), one
//! run's results with its objections, and one enterprise's result explained.

use super::{Explained, MethodForm, ResultQuery};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Ids;
use crate::i18n::Tr;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, render, render_status, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use weiyuan_domain::access::Role;
use weiyuan_domain::evaluation::{
    AnswerForm, Benchmark, Class, CutBy, Group, Indicator, Method, ObjectionForm, Ranking, RunForm, Weighted,
};
use weiyuan_domain::validation::{FieldError, Invalid};
use weiyuan_store::evaluation::{MethodVersion, Objection, ResultRow, Run};

type PageResult = Result<axum::response::Response, PageError>;

use crate::pages::problems;

#[derive(Template)]
#[template(path = "evaluation.html")]
pub struct RunsPage {
    pub ctx: PageCtx,
    pub runs: Vec<Run>,
    pub method: MethodVersion,
    pub first_month: String,
    pub problems: Vec<String>,
    pub mine: Option<i64>,
}

impl RunsPage {
    fn county(&self) -> bool {
        self.ctx.is_county()
    }
}

async fn runs_page(
    s: &AppState,
    u: &PageUser,
    first_month: String,
    problems: Vec<String>,
) -> Result<RunsPage, AppError> {
    let runs = super::runs(&s.store, &u.actor).await?;
    let method = super::method(&s.store).await?;
    let mine = u.actor.enterprise_id.filter(|_| runs.iter().any(|r| r.status == "published"));
    Ok(RunsPage { ctx: u.ctx(), runs, method, first_month, problems, mine })
}

fn default_first_month() -> String {
    // The last calendar year that has ended.
    let last = crate::reports::last_month();
    let year = if last.month == 12 { last.year } else { last.year - 1 };
    format!("{year}-01")
}

pub async fn runs(State(s): State<AppState>, u: PageUser) -> PageResult {
    let page = runs_page(&s, &u, default_first_month(), Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

pub async fn compute(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<RunForm>) -> PageResult {
    match super::compute(&s.store, &u.actor, &f).await {
        Ok(run) => Ok(done(&format!("/evaluation/runs/{}", run.id), "evaluation_run")),
        Err(AppError::Forbidden) => Err(u.fail()(AppError::Forbidden)),
        Err(e) => {
            let u = u.at("/evaluation");
            let page = runs_page(&s, &u, f.first_month.clone(), problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The enterprise's own result in the latest published run.
pub async fn mine(State(s): State<AppState>, u: PageUser) -> PageResult {
    let Some(id) = u.actor.enterprise_id else { return Ok(see_other("/evaluation")) };
    let runs = super::runs(&s.store, &u.actor).await.map_err(u.fail())?;
    match runs.iter().find(|r| r.status == "published") {
        Some(r) => Ok(see_other(&format!("/evaluation/runs/{}/enterprises/{id}", r.id))),
        None => Ok(see_other("/evaluation")),
    }
}

#[derive(Template)]
#[template(path = "evaluation_method.html")]
pub struct MethodPage {
    pub ctx: PageCtx,
    pub current: MethodVersion,
    /// The form's values by field name (the method in force, or what was typed).
    pub values: HashMap<String, String>,
    pub problems: Vec<String>,
}

impl MethodPage {
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    fn checked(&self, name: &str) -> bool {
        self.v(name) == "1"
    }
    fn indicators(&self) -> Vec<(&'static str, &'static str)> {
        Indicator::ALL.iter().map(|i| (i.key(), i.unit())).collect()
    }
    fn groups(&self) -> [&'static str; 2] {
        ["above", "below"]
    }
    fn classes(&self) -> [&'static str; 4] {
        ["A", "B", "C", "D"]
    }
}

/// A setting's number as a form shows it: up to four decimals, no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The method as form values.
pub fn method_values(m: &Method) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let flag = |b: bool| if b { "1".to_string() } else { String::new() };
    v.insert("scope_above".into(), flag(m.scope.above));
    v.insert("scope_below".into(), flag(m.scope.below));
    v.insert("scope_tenants".into(), flag(m.scope.tenants));
    v.insert("scope_full_year".into(), flag(m.scope.full_year));
    v.insert("scope_min_land_mu".into(), num(m.scope.min_land_mu));
    for g in Group::ALL {
        let gm = m.group(g);
        let name = g.code();
        for w in &gm.indicators {
            v.insert(format!("{name}.{}.weight", w.indicator.key()), num(w.weight));
            if let Benchmark::Fixed(b) = w.benchmark {
                v.insert(format!("{name}.{}.benchmark", w.indicator.key()), num(b));
            }
        }
        v.insert(format!("{name}.cut_by"), if gm.cutoffs.by == CutBy::Rank { "rank" } else { "score" }.into());
        for (i, c) in Class::ALL.iter().enumerate() {
            v.insert(format!("{name}.shares.{}", c.code()), num(gm.cutoffs.shares[i]));
            if i < 3 {
                v.insert(format!("{name}.min_scores.{}", c.code()), num(gm.cutoffs.min_scores[i]));
            }
        }
    }
    v.insert("cap".into(), num(m.cap));
    v.insert("sublet_deduction".into(), num(m.sublet_deduction));
    v.insert("ranking".into(), if m.ranking == Ranking::All { "all" } else { "division" }.into());
    for p in &m.policies {
        let c = p.class.code();
        v.insert(format!("policy.{c}.land_tax_relief_pct"), num(p.land_tax_relief_pct));
        v.insert(format!("policy.{c}.electricity_surcharge"), num(p.electricity_surcharge));
        v.insert(format!("policy.{c}.electricity_surcharge_3y"), num(p.electricity_surcharge_3y));
        v.insert(format!("policy.{c}.water_surcharge"), num(p.water_surcharge));
    }
    v
}

/// The posted form as a method: numbers that do not read are refused by field; the rules of a
/// workable method are then `Method::validate`'s.
pub fn method_from_values(v: &HashMap<String, String>) -> Result<Method, Invalid> {
    let mut errors = Vec::new();
    let mut number = |name: &str, blank: Option<f64>| -> f64 {
        let text = v.get(name).map(|s| s.trim()).unwrap_or("");
        if text.is_empty()
            && let Some(b) = blank
        {
            return b;
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => x,
            _ => {
                errors.push(FieldError::new(name, "error.not_number"));
                0.0
            }
        }
    };
    let mut m = Method::default();
    let flag = |name: &str| v.get(name).is_some_and(|s| s == "1" || s == "on");
    m.scope.above = flag("scope_above");
    m.scope.below = flag("scope_below");
    m.scope.tenants = flag("scope_tenants");
    m.scope.full_year = flag("scope_full_year");
    m.scope.min_land_mu = number("scope_min_land_mu", Some(0.0));
    for g in Group::ALL {
        let name = g.code();
        let mut indicators = Vec::new();
        for i in Indicator::ALL {
            let key = i.key();
            let w = v.get(&format!("{name}.{key}.weight")).map(|s| s.trim()).unwrap_or("");
            if w.is_empty() {
                continue;
            }
            let weight = number(&format!("{name}.{key}.weight"), None);
            let b = v.get(&format!("{name}.{key}.benchmark")).map(|s| s.trim()).unwrap_or("");
            let benchmark = if b.is_empty() {
                Benchmark::County
            } else {
                Benchmark::Fixed(number(&format!("{name}.{key}.benchmark"), None))
            };
            indicators.push(Weighted { indicator: i, weight, benchmark });
        }
        let by =
            if v.get(&format!("{name}.cut_by")).is_some_and(|s| s == "score") { CutBy::Score } else { CutBy::Rank };
        let mut shares = [0.0; 4];
        let mut min_scores = [0.0; 3];
        for (i, c) in Class::ALL.iter().enumerate() {
            shares[i] = number(&format!("{name}.shares.{}", c.code()), Some(0.0));
            if i < 3 {
                min_scores[i] = number(&format!("{name}.min_scores.{}", c.code()), Some(0.0));
            }
        }
        let gm = match g {
            Group::Above => &mut m.above,
            Group::Below => &mut m.below,
        };
        gm.indicators = indicators;
        gm.cutoffs = weiyuan_domain::evaluation::Cutoffs { by, shares, min_scores };
    }
    m.cap = number("cap", None);
    m.sublet_deduction = number("sublet_deduction", Some(0.0));
    m.ranking = if v.get("ranking").is_some_and(|s| s == "division") { Ranking::Division } else { Ranking::All };
    for p in m.policies.iter_mut() {
        let c = p.class.code();
        p.land_tax_relief_pct = number(&format!("policy.{c}.land_tax_relief_pct"), Some(0.0));
        p.electricity_surcharge = number(&format!("policy.{c}.electricity_surcharge"), Some(0.0));
        p.electricity_surcharge_3y = number(&format!("policy.{c}.electricity_surcharge_3y"), Some(0.0));
        p.water_surcharge = number(&format!("policy.{c}.water_surcharge"), Some(0.0));
    }
    if errors.is_empty() { Ok(m) } else { Err(Invalid(errors)) }
}

pub async fn method(State(s): State<AppState>, u: PageUser) -> PageResult {
    let current = super::method(&s.store).await.map_err(u.fail())?;
    let values = method_values(&current.method);
    Ok(render(&MethodPage { ctx: u.ctx(), current, values, problems: Vec::new() }))
}

pub async fn set_method(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let result = match method_from_values(&values) {
        Ok(method) => {
            let form = MethodForm { method, note: values.get("note").cloned().unwrap_or_default() };
            super::set_method(&s.store, &u.actor, &form).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(done("/evaluation/method", "method_saved")),
        Err(AppError::Forbidden) => Err(u.fail()(AppError::Forbidden)),
        Err(e) => {
            let current = super::method(&s.store).await.map_err(u.fail())?;
            let page = MethodPage { ctx: u.ctx(), current, problems: problems(&e, u.tr()), values };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "evaluation_run.html")]
pub struct RunPage {
    pub ctx: PageCtx,
    pub run: Run,
    /// (group, class or none, count)
    pub counts: Vec<(String, Option<String>, i64)>,
    pub rows: Vec<ResultRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub q: ResultQuery,
    pub objections: Vec<Objection>,
    pub problems: Vec<String>,
    pub may_object: bool,
}

impl RunPage {
    fn f2(&self, v: &f64) -> String {
        weiyuan_domain::Fixed2::round(*v).grouped()
    }
    fn count(&self, group: &str, class: &str) -> i64 {
        self.counts
            .iter()
            .filter(|(g, c, _)| g == group && c.as_deref().unwrap_or("-") == class)
            .map(|(_, _, n)| *n)
            .sum()
    }
    fn groups(&self) -> [&'static str; 2] {
        ["above", "below"]
    }
    fn classes(&self) -> [&'static str; 4] {
        ["A", "B", "C", "D"]
    }
    fn draft(&self) -> bool {
        self.run.status == "draft"
    }
    fn page_link(&self, page: i64) -> String {
        let q = &self.q;
        format!(
            "/evaluation/runs/{}?class={}&group={}&show={}&low={}&page={page}",
            self.run.id, q.class, q.group, q.show, q.low
        )
    }
    fn reason(&self, r: &ResultRow) -> String {
        match &r.detail.excluded {
            Some(x) => excluded_text(self.ctx.tr, x),
            None => String::new(),
        }
    }
}

/// Why an enterprise was not judged, in words.
pub fn excluded_text(tr: Tr, x: &weiyuan_domain::evaluation::Excluded) -> String {
    let params: Vec<(String, String)> = x
        .params
        .iter()
        .map(|(k, v)| match k.as_str() {
            "indicator" => (k.clone(), tr.t(&format!("evaluation.indicator.{v}")).to_string()),
            "figure" => (k.clone(), tr.t(&format!("field.{v}")).to_string()),
            "group" => (k.clone(), tr.t(&format!("evaluation.group.{v}")).to_string()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    crate::i18n::tf(tr.0, &x.reason, &params)
}

async fn run_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    q: ResultQuery,
    problems: Vec<String>,
) -> Result<RunPage, AppError> {
    let (run, rows, total) = super::results(&s.store, &u.actor, id, &q).await?;
    let counts = super::counts(&s.store, &u.actor, &run).await?;
    let objections = if super::sees_drafts(&u.actor) {
        let all = s.store.evaluation_objections(id).await?;
        match u.actor.role {
            Role::County => all,
            _ => {
                // A township sees the objections about its own enterprises.
                let mine = super::all_results(&s.store, &u.actor, &run).await?;
                all.into_iter().filter(|o| mine.iter().any(|r| r.enterprise_id == o.enterprise_id)).collect()
            }
        }
    } else {
        Vec::new()
    };
    let (_, page, size) = q.validate()?;
    let pages = ((total + size - 1) / size).max(1);
    let may_object = run.status == "draft" && matches!(u.actor.role, Role::County | Role::Township);
    Ok(RunPage { ctx: u.ctx(), run, counts, rows, total, page, pages, q, objections, problems, may_object })
}

pub async fn run(
    State(s): State<AppState>,
    u: PageUser,
    crate::extract::Id(id): crate::extract::Id,
    Query(q): Query<ResultQuery>,
) -> PageResult {
    if u.actor.role == Role::Enterprise {
        return Ok(see_other(&format!("/evaluation/runs/{id}/enterprises/{}", u.actor.enterprise_id.unwrap_or(0))));
    }
    let page = run_page(&s, &u, id, q, Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

/// After an action on a run page: back to it, or the page with what was refused.
async fn back_to_run(s: &AppState, u: &PageUser, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(done(&format!("/evaluation/runs/{id}"), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&format!("/evaluation/runs/{id}"));
            let page = run_page(s, &u, id, ResultQuery::default(), problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn publish(
    State(s): State<AppState>,
    u: PageUser,
    crate::extract::Id(id): crate::extract::Id,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let r = super::publish(&s.store, &u.actor, id).await.map(|_| ());
    back_to_run(&s, &u, id, r).await
}

pub async fn object(
    State(s): State<AppState>,
    u: PageUser,
    crate::extract::Id(id): crate::extract::Id,
    CsrfForm(f): CsrfForm<ObjectionForm>,
) -> PageResult {
    let r = super::object(&s.store, &u.actor, id, &f).await.map(|_| ());
    back_to_run(&s, &u, id, r).await
}

pub async fn answer(
    State(s): State<AppState>,
    u: PageUser,
    Ids(id, objection): Ids,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> PageResult {
    let r = super::answer(&s.store, &u.actor, id, objection, &f).await.map(|_| ());
    back_to_run(&s, &u, id, r).await
}

#[derive(Template)]
#[template(path = "evaluation_result.html")]
pub struct ResultPage {
    pub ctx: PageCtx,
    pub e: Explained,
}

impl ResultPage {
    fn reason(&self) -> String {
        self.e.row.detail.excluded.as_ref().map(|x| excluded_text(self.ctx.tr, x)).unwrap_or_default()
    }
    fn f2(&self, v: &f64) -> String {
        weiyuan_domain::Fixed2::round(*v).grouped()
    }
    fn f4(&self, v: &f64) -> String {
        format!("{v:.4}")
    }
    fn land_text(&self) -> String {
        use weiyuan_domain::evaluation::Land;
        let tr = self.ctx.tr;
        match &self.e.row.detail.subject.land {
            Land::Parcel { mu } => format!("{} {}（{}）", self.f2(mu), tr.unit("亩"), tr.t("evaluation.land.parcel")),
            Land::Apportioned { mu, floor_m2, park_building_m2, park_land_mu } => format!(
                "{mu:.4} {} = {}",
                tr.unit("亩"),
                crate::i18n::tf(
                    tr.0,
                    "evaluation.land.apportioned",
                    &[
                        ("land".into(), self.f2(park_land_mu)),
                        ("floor".into(), self.f2(floor_m2)),
                        ("building".into(), self.f2(park_building_m2)),
                    ],
                )
            ),
            Land::Unknown => tr.t("evaluation.land.unknown").to_string(),
        }
    }
}

pub async fn result(State(s): State<AppState>, u: PageUser, Ids(id, enterprise): Ids) -> PageResult {
    let e = super::result(&s.store, &u.actor, id, enterprise).await.map_err(u.fail())?;
    Ok(render(&ResultPage { ctx: u.ctx(), e }))
}
