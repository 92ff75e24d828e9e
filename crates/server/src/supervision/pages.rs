//! Pages of the townships' supervision: the monthly table and the printable quarterly bulletin.

use super::{Supervision, township_name};
use crate::AppState;
use crate::error::AppError;
use crate::pages::{PageCtx, PageError, PageUser, render};
use askama::Template;
use axum::extract::{Query, State};
use weiyuan_domain::access::Lang;
use weiyuan_domain::progress::Month;
use weiyuan_domain::supervision::quarter_end;
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
}

#[derive(Template)]
#[template(path = "supervision.html")]
pub struct SupervisionPage {
    pub ctx: PageCtx,
    pub s: Supervision,
    pub quarter: String,
}

impl Figures for SupervisionPage {}

#[derive(Default, serde::Deserialize)]
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
