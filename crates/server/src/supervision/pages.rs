//! Pages of the townships' supervision: the monthly table and the printable quarterly bulletin.

use super::{Supervision, township_name};
use crate::AppState;
use crate::error::AppError;
use crate::pages::{CsrfForm, PageCtx, PageError, PageUser, done, problems, render, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use weiyuan_domain::access::Lang;
use weiyuan_domain::access::ParkScope;
use weiyuan_domain::progress::Month;
use weiyuan_domain::supervision::quarter_end;
use weiyuan_domain::supervision::{TargetsForm, TargetsRowForm, TownshipTargets};
use weiyuan_domain::validation::{FieldError, Invalid};

type PageResult = Result<axum::response::Response, PageError>;

/// A quarter typed as `2026-Q3`: its last month (which must have ended) and its words. Empty is
/// the last quarter that has ended.
pub fn quarter_of(text: &str, lang: Lang) -> Result<(Month, String), AppError> {
    let last = crate::progress::last_complete_month(weiyuan_store::now_ms());
    let month = if text.trim().is_empty() {
        let back = last.month % 3;
        last.back(back as i32)
    } else {
        quarter_end(text).ok_or_else(|| Invalid::one(FieldError::new("quarter", "supervision.quarter_format")))?
    };
    if month > last {
        return Err(Invalid::one(FieldError::new("quarter", "supervision.not_over").with("month", month)).into());
    }
    let q = month.month / 3;
    let label = crate::i18n::tf(
        lang,
        "supervision.quarter",
        &[("year".into(), month.year.to_string()), ("q".into(), q.to_string())],
    );
    Ok((month, label))
}

/// How both pages write townships and figures.
trait Figures {
    fn name(&self, code: &str) -> String {
        township_name(code)
    }
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
    }
    fn num(&self, v: &f64) -> String {
        format!("{v:.2}")
    }
    /// What was reached: a count of enterprises whole, other figures to the hundredth.
    fn actual(&self, i: &weiyuan_domain::supervision::Item) -> String {
        if i.unit == "家" { format!("{:.0}", i.actual) } else { self.num(&i.actual) }
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
pub struct SupervisionPage {
    pub ctx: PageCtx,
    pub s: Supervision,
    pub quarter: String,
}

impl Figures for SupervisionPage {}

#[derive(Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

pub async fn supervision(State(s): State<AppState>, u: PageUser, Query(q): Query<MonthQuery>) -> PageResult {
    let month = super::month_of(&q.month).map_err(u.fail())?;
    let sup = super::supervision(&s.store, &u.actor, month).await.map_err(u.fail())?;
    // The bulletin of the last quarter that has ended by this month.
    let end = month.back((month.month % 3) as i32);
    let quarter = format!("{}-Q{}", end.year, end.month / 3);
    Ok(render(&SupervisionPage { ctx: u.ctx(), s: sup, quarter }))
}

#[derive(Template)]
#[template(path = "bulletin.html")]
pub struct BulletinPage {
    pub ctx: PageCtx,
    pub s: Supervision,
    pub title: String,
    pub quarter: String,
    pub summary: String,
}

impl Figures for BulletinPage {}

pub async fn bulletin(State(s): State<AppState>, u: PageUser, Query(q): Query<super::api::QuarterQuery>) -> PageResult {
    let lang = u.actor.lang;
    let (month, label) = quarter_of(&q.quarter, lang).map_err(u.fail())?;
    let sup = super::supervision(&s.store, &u.actor, month).await.map_err(u.fail())?;
    let names = |codes: &[String]| {
        if codes.is_empty() {
            crate::i18n::t(lang, "supervision.none").to_string()
        } else {
            codes.iter().map(|c| township_name(c)).collect::<Vec<_>>().join("、")
        }
    };
    let summary = crate::i18n::tf(
        lang,
        "supervision.summary",
        &[
            ("quarter".into(), label.clone()),
            ("count".into(), sup.rows.len().to_string()),
            ("best".into(), names(&sup.best)),
            ("lagging".into(), names(&sup.lagging)),
            ("share".into(), format!("{:.0}", month.month as f64 / 12.0 * 100.0)),
        ],
    );
    let title = crate::i18n::tf(lang, "supervision.bulletin_title", &[("quarter".into(), label)]);
    let quarter = format!("{}-Q{}", month.year, month.month / 3);
    Ok(render(&BulletinPage { ctx: u.ctx(), s: sup, title, quarter, summary }))
}

#[derive(Template)]
#[template(path = "supervision_targets.html")]
pub struct TargetsPage {
    pub ctx: PageCtx,
    pub year: i32,
    /// The townships with parks or with targets, by code.
    pub townships: Vec<String>,
    /// The form's values by field name (`<code>.admitted`, …): the stored targets or what was typed.
    pub values: HashMap<String, String>,
    pub problems: Vec<String>,
    pub may_edit: bool,
}

impl TargetsPage {
    fn name(&self, code: &str) -> String {
        if self.ctx.tr.is_en() {
            weiyuan_domain::codes::township(code).map(|t| t.name_en.to_string()).unwrap_or_else(|| code.to_string())
        } else {
            township_name(code)
        }
    }
    fn v(&self, code: &str, key: &str) -> &str {
        self.values.get(&format!("{code}.{key}")).map(String::as_str).unwrap_or("")
    }
    /// The year as typed, or the year shown.
    fn year_text(&self) -> String {
        self.values.get("year").cloned().unwrap_or_else(|| self.year.to_string())
    }
}

/// The three figures of a township's targets, as the form names them.
const TARGET_KEYS: [&str; 3] = ["admitted", "scaled_up", "tax_per_mu"];

fn values_of(targets: &[TownshipTargets]) -> HashMap<String, String> {
    let mut values = HashMap::new();
    for t in targets {
        let c = &t.township_code;
        let shown =
            [t.admitted.map(|v| v.to_string()), t.scaled_up.map(|v| v.to_string()), t.tax_per_mu.map(|v| v.plain())];
        for (key, v) in TARGET_KEYS.iter().zip(shown) {
            values.insert(format!("{c}.{key}"), v.unwrap_or_default());
        }
    }
    values
}

/// The page's fields as the form the use case checks: one row per township named in them.
fn form_of(values: &HashMap<String, String>) -> TargetsForm {
    let mut codes: Vec<&str> = values
        .keys()
        .filter_map(|k| k.split_once('.').filter(|(_, key)| TARGET_KEYS.contains(key)).map(|(code, _)| code))
        .collect();
    codes.sort();
    codes.dedup();
    let v = |code: &str, key: &str| values.get(&format!("{code}.{key}")).cloned().unwrap_or_default();
    TargetsForm {
        year: values.get("year").cloned().unwrap_or_default(),
        targets: codes
            .into_iter()
            .map(|code| TargetsRowForm {
                township_code: code.to_string(),
                admitted: v(code, "admitted"),
                scaled_up: v(code, "scaled_up"),
                tax_per_mu: v(code, "tax_per_mu"),
            })
            .collect(),
    }
}

async fn targets_page(
    s: &AppState,
    u: &PageUser,
    year: i32,
    values: Option<HashMap<String, String>>,
    problems: Vec<String>,
) -> Result<TargetsPage, PageError> {
    let stored = super::targets(&s.store, &u.actor, year).await.map_err(u.fail())?;
    let parks = s.store.list_parks(&ParkScope::All).await.map_err(|e| u.fail()(e.into()))?;
    let mut townships: Vec<String> = parks.iter().map(|p| p.township_code.clone()).collect();
    townships.extend(stored.iter().map(|t| t.township_code.clone()));
    townships.sort();
    townships.dedup();
    let values = values.unwrap_or_else(|| values_of(&stored));
    Ok(TargetsPage { ctx: u.ctx(), year, townships, values, problems, may_edit: u.actor.assessor().is_ok() })
}

pub async fn targets(State(s): State<AppState>, u: PageUser, Query(q): Query<super::api::YearQuery>) -> PageResult {
    let year = super::year_of(&q.year).map_err(u.fail())?;
    Ok(render(&targets_page(&s, &u, year, None, Vec::new()).await?))
}

pub async fn set_targets(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    match super::set_targets(&s.store, &u.actor, &form_of(&values)).await {
        Ok((year, _)) => Ok(done(&format!("/supervision/targets?year={year}"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let year = values.get("year").and_then(|y| y.trim().parse().ok()).unwrap_or_default();
            let page = targets_page(&s, &u, year, Some(values), problems(&e, u.tr())).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(u.fail()(e)),
    }
}
