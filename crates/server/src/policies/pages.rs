//! Pages of policies and incentives: the library (and, for an enterprise, the policies it
//! qualifies or nearly qualifies for), one policy with who qualifies in scope and its reach,
//! the county's form for a new policy, and the applications with their review.

use super::{ApplicationQuery, ListQuery, MatchQuery, Matches, Offer};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::i18n::Tr;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, problems, render, render_status, urlencode};
use crate::parks::pages::Empty;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use weiyuan_domain::access::Role;
use weiyuan_domain::enterprises::{EnterpriseSize, Tag};
use weiyuan_domain::evaluation::Class;
use weiyuan_domain::policies::{Amount, ApplyForm, Criterion, Figure, Formula, PolicyForm, ReviewForm};
use weiyuan_domain::units::Fixed2;
use weiyuan_domain::validation::{FieldError, Invalid};
use weiyuan_store::policies::{Application, Policy, Reach, Step};

type PageResult = Result<axum::response::Response, PageError>;

/// A message with its parameters filled in (`i18n::tf`).
fn fill(tr: Tr, key: &str, pairs: &[(&str, String)]) -> String {
    let params: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    crate::i18n::tf(tr.0, key, &params)
}

/// A criterion in words: "利润总额 ≤ 300 万元".
pub fn criterion_text(tr: Tr, k: &Criterion) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    let fill = |key: &str, pairs: &[(&str, String)]| fill(tr, key, pairs);
    match k {
        Criterion::Size { size } => fill("policy.k.size", &[("size", tr.code("size", size.code()).into())]),
        Criterion::Industry { codes } => fill("policy.k.industry", &[("codes", codes.join("、"))]),
        Criterion::Tag { tag } => fill("policy.k.tag", &[("tag", tr.code("tag", tag.code()).into())]),
        Criterion::YearsInPark { min, max } => fill(
            "policy.k.years",
            &[("min", dash(min.map(|v| v.to_string()))), ("max", dash(max.map(|v| v.to_string())))],
        ),
        Criterion::Class { classes } => {
            fill("policy.k.class", &[("classes", classes.iter().map(|c| c.code()).collect::<Vec<_>>().join("、"))])
        }
        Criterion::Figure { figure, min, max } => fill(
            "policy.k.figure",
            &[
                ("figure", tr.code("report_field", figure.code()).into()),
                ("min", dash(min.map(Fixed2::plain))),
                ("max", dash(max.map(Fixed2::plain))),
                ("unit", figure.unit().into()),
            ],
        ),
        Criterion::Park { ids } => {
            fill("policy.k.park", &[("ids", ids.iter().map(i64::to_string).collect::<Vec<_>>().join("、"))])
        }
        Criterion::ScaleUp => tr.t("policy.k.scale_up").to_string(),
    }
}

/// A formula in words.
pub fn formula_text(tr: Tr, f: &Formula) -> String {
    let fill = |key: &str, pairs: &[(&str, String)]| fill(tr, key, pairs);
    match f {
        Formula::None => tr.t("policy.f.none").to_string(),
        Formula::SmallProfitRelief => tr.t("policy.f.small_profit_relief").to_string(),
        Formula::RndSuperDeduction { percent } => {
            fill("policy.f.rnd_super_deduction", &[("percent", percent.to_string())])
        }
        Formula::RentSubsidy { percent, months } => {
            fill("policy.f.rent_subsidy", &[("percent", percent.to_string()), ("months", months.to_string())])
        }
        Formula::ScaleUpReward { amount } => fill("policy.f.scale_up_reward", &[("amount", amount.grouped())]),
        Formula::LocalContribution { percent } => {
            fill("policy.f.local_contribution", &[("percent", percent.to_string())])
        }
    }
}

/// A computed amount with how it was computed.
pub fn amount_text(tr: Tr, a: &Amount) -> String {
    format!("{} 元（{}）", a.value.grouped(), crate::i18n::tf(tr.0, &a.formula, &a.numbers))
}

fn failed_checks(tr: Tr, checks: &[weiyuan_domain::rules::Check]) -> Vec<String> {
    checks.iter().filter(|c| !c.passed).map(|c| tr.check(c)).collect()
}

#[derive(Template)]
#[template(path = "policies.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub policies: Vec<Policy>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// For an enterprise: every policy in force, assessed.
    pub offers: Vec<Offer>,
}

impl ListPage {
    fn formula(&self, p: &Policy) -> String {
        formula_text(self.ctx.tr, &p.formula)
    }
    fn amount(&self, o: &Offer) -> String {
        o.assessment.amount.as_ref().map(|a| amount_text(self.ctx.tr, a)).unwrap_or_default()
    }
    fn missing(&self, o: &Offer) -> Vec<String> {
        failed_checks(self.ctx.tr, &o.assessment.checks)
    }
}

pub async fn list(State(s): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let (policies, total, page, size) = super::list(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let offers = match (u.actor.role, u.actor.enterprise_id) {
        (Role::Enterprise, Some(id)) => super::for_enterprise(&s.store, &u.actor, id).await.map_err(u.fail())?,
        _ => Vec::new(),
    };
    let pages = ((total + size - 1) / size).max(1);
    Ok(render(&ListPage { ctx: u.ctx(), policies, total, page, pages, offers }))
}

/// The county's form for a policy: flat fields, turned into criteria.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PolicyPageForm {
    pub title: String,
    pub source: String,
    pub benefit: String,
    pub valid_from: String,
    pub valid_to: String,
    pub size: String,
    pub industry: String,
    pub tag: String,
    pub years_min: String,
    pub years_max: String,
    pub class_a: String,
    pub class_b: String,
    pub class_c: String,
    pub class_d: String,
    pub figure1: String,
    pub figure1_min: String,
    pub figure1_max: String,
    pub figure2: String,
    pub figure2_min: String,
    pub figure2_max: String,
    pub scale_up: String,
    pub parks: String,
    pub formula: String,
    pub percent: String,
    pub months: String,
    pub amount: String,
}

impl PolicyPageForm {
    /// The domain's form, or the fields of this page that are not numbers or codes. Each
    /// criterion remembers the page field it came from, so the domain's errors name it too.
    fn to_form(&self) -> Result<(PolicyForm, Vec<&'static str>), Invalid> {
        let mut errors = Vec::new();
        let mut criteria = Vec::new();
        let mut origin = Vec::new();
        let mut number = |field: &'static str, text: &str| -> Option<Fixed2> {
            let t = text.trim();
            if t.is_empty() {
                return None;
            }
            match Fixed2::parse(t) {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError::new(field, "error.not_number"));
                    None
                }
            }
        };
        let years_min = number("years_min", &self.years_min);
        let years_max = number("years_max", &self.years_max);
        let f1 = (number("figure1_min", &self.figure1_min), number("figure1_max", &self.figure1_max));
        let f2 = (number("figure2_min", &self.figure2_min), number("figure2_max", &self.figure2_max));
        let percent = number("percent", &self.percent);
        let months = number("months", &self.months);
        let amount = number("amount", &self.amount);
        let mut code = |field: &'static str, text: &str, ok: bool| {
            if !text.trim().is_empty() && !ok {
                errors.push(FieldError::new(field, "error.unknown_choice").with("value", text.trim()));
            }
        };
        if let Some(size) = EnterpriseSize::parse(self.size.trim()) {
            criteria.push(Criterion::Size { size });
            origin.push("size");
        } else {
            code("size", &self.size, false);
        }
        let codes: Vec<String> = self
            .industry
            .split([',', '，', '、', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect();
        if !codes.is_empty() {
            criteria.push(Criterion::Industry { codes });
            origin.push("industry");
        }
        if let Some(tag) = Tag::parse(self.tag.trim()) {
            criteria.push(Criterion::Tag { tag });
            origin.push("tag");
        } else {
            code("tag", &self.tag, false);
        }
        if years_min.is_some() || years_max.is_some() {
            let whole = |v: Option<Fixed2>| v.map(|v| v.0 / 100);
            criteria.push(Criterion::YearsInPark { min: whole(years_min), max: whole(years_max) });
            origin.push("years_min");
        }
        let classes: Vec<Class> = [
            (&self.class_a, Class::A),
            (&self.class_b, Class::B),
            (&self.class_c, Class::C),
            (&self.class_d, Class::D),
        ]
        .into_iter()
        .filter(|(v, _)| !v.is_empty())
        .map(|(_, c)| c)
        .collect();
        if !classes.is_empty() {
            criteria.push(Criterion::Class { classes });
            origin.push("class_a");
        }
        for (field, text, (min, max)) in [("figure1", &self.figure1, f1), ("figure2", &self.figure2, f2)] {
            match Figure::parse(text.trim()) {
                Some(figure) => {
                    criteria.push(Criterion::Figure { figure, min, max });
                    origin.push(if field == "figure1" { "figure1_min" } else { "figure2_min" });
                }
                None => code(field, text, false),
            }
        }
        if !self.scale_up.is_empty() {
            criteria.push(Criterion::ScaleUp);
            origin.push("scale_up");
        }
        let ids: Vec<i64> = self.parks.split([',', '，', '、', ' ']).filter_map(|p| p.trim().parse().ok()).collect();
        if !self.parks.trim().is_empty() {
            criteria.push(Criterion::Park { ids });
            origin.push("parks");
        }
        let whole = |v: Option<Fixed2>| v.map(|v| v.0 / 100).unwrap_or(0);
        let formula = match self.formula.trim() {
            "" | "none" => Formula::None,
            "small_profit_relief" => Formula::SmallProfitRelief,
            "rnd_super_deduction" => Formula::RndSuperDeduction { percent: whole(percent) },
            "rent_subsidy" => Formula::RentSubsidy { percent: whole(percent), months: whole(months) },
            "scale_up_reward" => Formula::ScaleUpReward { amount: amount.unwrap_or(Fixed2::ZERO) },
            "local_contribution" => Formula::LocalContribution { percent: whole(percent) },
            other => {
                errors.push(FieldError::new("formula", "error.unknown_choice").with("value", other));
                Formula::None
            }
        };
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        let form = PolicyForm {
            title: self.title.clone(),
            source: self.source.clone(),
            benefit: self.benefit.clone(),
            valid_from: self.valid_from.clone(),
            valid_to: self.valid_to.clone(),
            criteria,
            formula,
        };
        Ok((form, origin))
    }
}

/// The domain names a criterion's fields `criteria.N.x` and the formula's `formula.x`; the
/// page names them after its own inputs.
fn page_fields(e: AppError, origin: &[&'static str]) -> AppError {
    let AppError::Invalid(Invalid(errors)) = e else { return e };
    let renamed = errors
        .into_iter()
        .map(|mut f| {
            if let Some(rest) = f.field.strip_prefix("criteria.") {
                let (i, sub) = rest.split_once('.').unwrap_or((rest, ""));
                let base = i.parse::<usize>().ok().and_then(|i| origin.get(i)).copied().unwrap_or("criteria");
                f.field = match (base, sub) {
                    ("figure1_min", "max") => "figure1_max".into(),
                    ("figure2_min", "max") => "figure2_max".into(),
                    ("years_min", "max") => "years_max".into(),
                    _ => base.to_string(),
                };
            } else if let Some(sub) = f.field.strip_prefix("formula.") {
                f.field = sub.to_string();
            }
            f
        })
        .collect();
    AppError::Invalid(Invalid(renamed))
}

#[derive(Template)]
#[template(path = "policy_form.html")]
pub struct FormPage {
    pub ctx: PageCtx,
    pub form: PolicyPageForm,
    pub problems: Vec<String>,
}

impl FormPage {
    fn sel(&self, a: &str, b: &str) -> bool {
        a == b
    }
    fn figure_rows(&self) -> Vec<(&'static str, String, String, String)> {
        let f = &self.form;
        vec![
            ("1", f.figure1.clone(), f.figure1_min.clone(), f.figure1_max.clone()),
            ("2", f.figure2.clone(), f.figure2_min.clone(), f.figure2_max.clone()),
        ]
    }
    fn figures(&self) -> Vec<&'static str> {
        Figure::ALL.iter().map(|f| f.code()).collect()
    }
    fn tags(&self) -> Vec<&'static str> {
        Tag::ALL.iter().map(|t| t.code()).collect()
    }
    fn formulas(&self) -> [&'static str; 6] {
        ["none", "small_profit_relief", "rnd_super_deduction", "rent_subsidy", "scale_up_reward", "local_contribution"]
    }
}

pub async fn new_form(u: PageUser) -> PageResult {
    if !u.actor.is_county() {
        return Err(u.fail()(AppError::Forbidden));
    }
    Ok(render(&FormPage { ctx: u.ctx(), form: PolicyPageForm::default(), problems: Vec::new() }))
}

pub async fn create(State(s): State<AppState>, u: PageUser, CsrfForm(f): CsrfForm<PolicyPageForm>) -> PageResult {
    let made = match f.to_form() {
        Ok((form, origin)) => super::create(&s.store, &u.actor, &form).await.map_err(|e| page_fields(e, &origin)),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match made {
        Ok(p) => Ok(done(&format!("/policies/{}", p.id), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at("/policies/new");
            let problems = problems(&e, u.tr());
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &FormPage { ctx: u.ctx(), form: f, problems }))
        }
    }
}

#[derive(Template)]
#[template(path = "policy.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub policy: Policy,
    pub reach: Option<Reach>,
    pub matches: Option<Matches>,
    /// The enterprise's own standing.
    pub offer: Option<Offer>,
    pub problems: Vec<String>,
    pub statement: String,
}

impl ShowPage {
    fn criteria(&self) -> Vec<String> {
        self.policy.criteria.iter().map(|k| criterion_text(self.ctx.tr, k)).collect()
    }
    fn formula(&self) -> String {
        formula_text(self.ctx.tr, &self.policy.formula)
    }
    fn amount_of(&self, a: &Option<Amount>) -> String {
        a.as_ref().map(|a| amount_text(self.ctx.tr, a)).unwrap_or_default()
    }
    fn missing(&self, checks: &[weiyuan_domain::rules::Check]) -> Vec<String> {
        failed_checks(self.ctx.tr, checks)
    }
    fn all_checks(&self, checks: &[weiyuan_domain::rules::Check]) -> Vec<(bool, String)> {
        checks.iter().map(|c| (c.passed, self.ctx.tr.check(c))).collect()
    }
    fn standing_link(&self, standing: &str, page: i64) -> String {
        format!("/policies/{}?standing={}&page={page}", self.policy.id, urlencode(standing))
    }
    fn pages(&self, m: &Matches) -> i64 {
        ((m.total + m.size - 1) / m.size).max(1)
    }
}

async fn show_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    q: &MatchQuery,
    problems: Vec<String>,
    statement: String,
) -> Result<ShowPage, AppError> {
    let policy = super::get_policy(&s.store, &u.actor, id).await?;
    let mut reach = None;
    let mut matches = None;
    let mut offer = None;
    let mut ctx = u.ctx();
    match (u.actor.role, u.actor.enterprise_id) {
        (Role::Enterprise, Some(eid)) => {
            // Opening the policy reads its notice (the menu's count was taken before).
            if policy.status == "published" && super::read_notice(&s.store, &u.actor, eid, id).await? {
                ctx.unread = (ctx.unread - 1).max(0);
            }
            offer = super::for_enterprise(&s.store, &u.actor, eid).await?.into_iter().find(|o| o.policy.id == id);
        }
        (role, _) => {
            if matches!(role, Role::County | Role::Township) && policy.status != "draft" {
                reach = Some(super::reach(&s.store, &u.actor, id).await?);
            }
            matches = Some(super::matches(&s.store, &u.actor, id, q).await?);
        }
    }
    Ok(ShowPage { ctx, policy, reach, matches, offer, problems, statement })
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id, Query(q): Query<MatchQuery>) -> PageResult {
    let page = show_page(&s, &u, id, &q, Vec::new(), String::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

/// The result of a county action on a policy: back to it, or the page with the problem.
async fn after(s: &AppState, u: PageUser, id: i64, result: Result<(), AppError>, statement: String) -> PageResult {
    match result {
        Ok(()) => Ok(done(&format!("/policies/{id}"), "saved")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&format!("/policies/{id}"));
            let problems = problems(&e, u.tr());
            let page = show_page(s, &u, id, &MatchQuery::default(), problems, statement).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn publish(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(_): CsrfForm<Empty>) -> PageResult {
    let done = super::publish(&s.store, &u.actor, id).await.map(|_| ());
    after(&s, u, id, done, String::new()).await
}

pub async fn withdraw(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(_): CsrfForm<Empty>) -> PageResult {
    let done = super::withdraw(&s.store, &u.actor, id).await.map(|_| ());
    after(&s, u, id, done, String::new()).await
}

pub async fn apply(State(s): State<AppState>, u: PageUser, Id(id): Id, CsrfForm(f): CsrfForm<ApplyForm>) -> PageResult {
    match super::apply(&s.store, &u.actor, id, &f).await {
        Ok(a) => Ok(done(&format!("/policy-applications/{}", a.id), "application_sent")),
        Err(e) => after(&s, u, id, Err(e), f.statement).await,
    }
}

#[derive(Template)]
#[template(path = "policy_applications.html")]
pub struct ApplicationsPage {
    pub ctx: PageCtx,
    pub rows: Vec<Application>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub status: String,
}

impl ApplicationsPage {
    fn statuses(&self) -> [&'static str; 5] {
        super::STATUSES
    }
    fn amount(&self, a: &Application) -> String {
        a.amount.map(|v| format!("{} 元", v.grouped())).unwrap_or_else(|| "—".into())
    }
    fn page_link(&self, page: i64) -> String {
        format!("/policy-applications?status={}&page={page}", urlencode(&self.status))
    }
}

pub async fn applications(State(s): State<AppState>, u: PageUser, Query(q): Query<ApplicationQuery>) -> PageResult {
    let (rows, total, page, size) = super::applications(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let pages = ((total + size - 1) / size).max(1);
    Ok(render(&ApplicationsPage { ctx: u.ctx(), rows, total, page, pages, status: q.status.clone() }))
}

#[derive(Template)]
#[template(path = "policy_application.html")]
pub struct ApplicationPage {
    pub ctx: PageCtx,
    pub a: Application,
    pub steps: Vec<Step>,
    pub stage: Option<&'static str>,
    pub own: bool,
    pub problems: Vec<String>,
}

impl ApplicationPage {
    fn amount(&self) -> String {
        self.a.assessment.amount.as_ref().map(|x| amount_text(self.ctx.tr, x)).unwrap_or_else(|| "—".into())
    }
    fn checks(&self) -> Vec<(bool, String)> {
        self.a.assessment.checks.iter().map(|c| (c.passed, self.ctx.tr.check(c))).collect()
    }
}

async fn application_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    problems: Vec<String>,
) -> Result<ApplicationPage, AppError> {
    let (a, steps) = super::application(&s.store, &u.actor, id).await?;
    let stage = super::review_stage(&u.actor, &a);
    let own = u.actor.role == Role::Enterprise && u.actor.enterprise_id == Some(a.enterprise_id);
    Ok(ApplicationPage { ctx: u.ctx(), a, steps, stage, own, problems })
}

pub async fn application(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let page = application_page(&s, &u, id, Vec::new()).await.map_err(u.fail())?;
    Ok(render(&page))
}

async fn after_review(s: &AppState, u: PageUser, id: i64, result: Result<Application, AppError>) -> PageResult {
    match result {
        Ok(_) => Ok(done(&format!("/policy-applications/{id}"), "decision_recorded")),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(u.fail()(e)),
        Err(e) => {
            let u = u.at(&format!("/policy-applications/{id}"));
            let page = application_page(s, &u, id, problems(&e, u.tr())).await.map_err(u.fail())?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn decide(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> PageResult {
    let done = super::decide(&s.store, &u.actor, id, &f).await;
    after_review(&s, u, id, done).await
}

pub async fn resubmit(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<ApplyForm>,
) -> PageResult {
    let done = super::resubmit(&s.store, &u.actor, id, &f).await;
    after_review(&s, u, id, done).await
}
