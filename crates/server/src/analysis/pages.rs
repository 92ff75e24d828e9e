use super::{Analysis, AnalysisQuery};
use crate::AppState;
use crate::error::AppError;
use crate::pages::{PageCtx, PageError, PageUser, ScreenUser, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use std::sync::Arc;
use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
use weiyuan_domain::parks::Park;
use weiyuan_domain::units::Fixed2;

#[derive(Template)]
#[template(path = "analysis.html")]
pub struct AnalysisPage {
    pub ctx: PageCtx,
    pub q: AnalysisQuery,
    pub a: Arc<Analysis>,
    pub parks: Vec<Park>,
    pub trend: String,
}

impl AnalysisPage {
    /// The query of this page, for the export links.
    fn query(&self) -> String {
        let q = AnalysisQuery { from: self.a.from.to_string(), to: self.a.to.to_string(), ..self.q.clone() };
        serde_urlencoded::to_string(&q).unwrap_or_default()
    }
    /// The drill-down behind a figure, with this page's query and some changes (`year`:
    /// the twelve months of the park ranking).
    fn behind(&self, field: &str, park_id: &str, industry: &str, year: bool) -> String {
        let from = if year { self.a.to.back(11) } else { self.a.from };
        let mut q = AnalysisQuery {
            from: from.to_string(),
            to: self.a.to.to_string(),
            field: field.to_string(),
            ..self.q.clone()
        };
        if !park_id.is_empty() {
            q.park_id = park_id.to_string();
        }
        if !industry.is_empty() {
            q.industry = industry.to_string();
        }
        format!("/analysis/enterprises?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    }
    fn tags(&self) -> &'static [weiyuan_domain::enterprises::Tag] {
        weiyuan_domain::enterprises::Tag::ALL
    }
    fn townships(&self) -> Vec<(&'static str, &'static str)> {
        PINGYANG_TOWNSHIPS.iter().map(|t| (t.code, t.name)).collect()
    }
    fn pct(&self, v: &Option<Fixed2>) -> String {
        v.map(|p| format!("{}{}%", if p.0 > 0 { "+" } else { "" }, p.plain())).unwrap_or_else(|| "—".into())
    }
    fn opt(&self, v: &Option<Fixed2>) -> String {
        v.map(|p| p.grouped()).unwrap_or_else(|| "—".into())
    }
    fn headline(&self) -> Vec<&super::Change> {
        self.a
            .changes
            .iter()
            .filter(|c| matches!(c.key, "output" | "revenue" | "tax" | "profit" | "electricity" | "employees"))
            .collect()
    }
    fn unit(&self, key: &str) -> &'static str {
        weiyuan_domain::reports::FIELDS.iter().find(|f| f.key == key).map(|f| f.unit).unwrap_or("")
    }
    fn figure(&self, c: &super::Change) -> String {
        weiyuan_domain::reports::show(c.key, c.value)
    }
}

/// Download the analysis as shown, as a workbook or a CSV.
pub async fn export(
    State(s): State<AppState>,
    u: PageUser,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    let bytes = super::export_file(&s, &u.actor, &q, &file).await.map_err(u.fail())?;
    Ok(super::download(bytes, &file, u.actor.lang))
}

/// The monthly trend for the chart: revenue (and a year before, if asked) as bars, tax as a line.
fn trend(a: &Analysis, tr: crate::i18n::Tr, with_last_year: bool) -> String {
    let revenue = weiyuan_domain::reports::index("revenue").unwrap_or(0);
    let tax = weiyuan_domain::reports::index("tax").unwrap_or(0);
    let series =
        |rows: &[weiyuan_store::reports::Totals], i: usize| rows.iter().map(|t| t.sums[i].as_f64()).collect::<Vec<_>>();
    let mut list = vec![
        serde_json::json!({ "name": tr.t("analysis.revenue_this"), "type": "bar", "data": series(&a.months, revenue) }),
    ];
    if with_last_year {
        list.push(serde_json::json!({ "name": tr.t("analysis.revenue_last"), "type": "bar", "data": series(&a.months_last_year, revenue) }));
    }
    list.push(serde_json::json!({ "name": tr.t("analysis.tax_this"), "type": "line", "data": series(&a.months, tax), "yAxisIndex": 1 }));
    serde_json::json!({ "x": a.months.iter().map(|t| t.key.clone()).collect::<Vec<_>>(), "series": list, "units": [tr.unit("万元"), tr.unit("万元")] }).to_string()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageCtx,
    pub a: Arc<Analysis>,
    pub parks: usize,
    pub filed: usize,
    pub active: usize,
    pub trend: String,
    pub ranking: String,
    /// How many parks the ranking shows (ten, or fewer when fewer have figures).
    pub ranked: usize,
    pub industries: String,
    /// The parks on the map by monitoring status (the monitoring page's map data).
    pub map: String,
    pub tile_url: String,
    /// Live monitoring across the parks: devices, online, people in and electricity today.
    pub live: (usize, usize, f64, f64),
    /// The newest open alarms.
    pub alarms: Vec<weiyuan_store::alarms::Alarm>,
    pub open_alarms: i64,
    pub now: i64,
}

impl DashboardPage {
    fn count(&self, v: &f64) -> String {
        weiyuan_domain::Fixed2::round(*v).grouped_units()
    }
    fn time(&self, ms: &i64) -> String {
        weiyuan_domain::time::format_shanghai(*ms)
    }
    fn ranking_title(&self) -> String {
        crate::i18n::tf(self.ctx.tr.0, "dashboard.ranking", &[("n".into(), self.ranked.to_string())])
    }
    fn value(&self, key: &str) -> String {
        self.a
            .changes
            .iter()
            .find(|c| c.key == key)
            .map(|c| weiyuan_domain::reports::show(key, c.value))
            .unwrap_or_default()
    }
    fn yoy(&self, key: &str) -> String {
        self.a
            .changes
            .iter()
            .find(|c| c.key == key)
            .and_then(|c| c.yoy_pct)
            .map(|p| format!("{}{}%", if p.0 > 0 { "+" } else { "" }, p.plain()))
            .unwrap_or_else(|| "—".into())
    }
    fn filing_rate(&self) -> String {
        if self.active == 0 { "—".into() } else { format!("{:.1}%", self.filed as f64 * 100.0 / self.active as f64) }
    }
}

/// The county's big screen (大屏): full-screen and dark, refreshed every five minutes. The page
/// is made once per scope, language and five seconds (`screen_cached`): a wall of screens, or
/// many offices opening it at nine, costs one rendering.
pub async fn dashboard(
    State(s): State<AppState>,
    u: ScreenUser,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let ScreenUser(u) = u;
    let tr = u.tr();
    // The page is shared by the scope's users: made with no one's session in it, and possibly
    // by a background refresh after this request has been answered.
    let ctx = PageCtx { actor: None, csrf: String::new(), unread: 0, ..u.ctx() };
    let (store, scope, tile_url) = (s.store.clone(), u.actor.park_scope(), s.tile_url.clone().unwrap_or_default());
    let make = move |a: Arc<Analysis>,
                     (active, filed): (usize, usize),
                     glance: Arc<Vec<crate::telemetry::ParkGlance>>| {
        async move {
            let trend = trend(&a, tr, false);
            let top: Vec<&super::ParkRow> =
                a.parks.iter().filter(|p| p.indicators.tax_per_mu.is_some()).take(10).collect();
            let ranked = top.len();
            let ranking = serde_json::json!({
                "names": top.iter().map(|p| p.park.clone()).collect::<Vec<_>>(),
                "values": top.iter().map(|p| p.indicators.tax_per_mu.map(|v| v.as_f64()).unwrap_or(0.0)).collect::<Vec<_>>(),
                "target": super::TARGET_TAX_PER_MU.as_f64(),
            })
            .to_string();
            let industries: Vec<serde_json::Value> = a
                .divisions
                .iter()
                .take(8)
                .map(|d| serde_json::json!({ "name": format!("{} {}", d.code, d.name), "value": d.revenue.as_f64() }))
                .collect();
            let industries = serde_json::Value::Array(industries).to_string();
            // Every park of the scope has its glance: their count is the parks'.
            let parks = glance.len();
            let map = crate::telemetry::pages::map_data(tr, &glance);
            let live = glance.iter().fold((0, 0, 0.0, 0.0), |(d, o, p, e), g| {
                (d + g.day.devices, o + g.day.online, p + g.day.people_in, e + g.day.energy_today_kwh)
            });
            let open_alarms = glance.iter().map(|g| g.alarms).sum();
            let filter =
                weiyuan_store::alarms::AlarmFilter { open_only: true, park_id: None, severity: None, limit: 8 };
            let alarms = store.alarms(&scope, &filter).await?;
            let page = DashboardPage {
                ctx,
                a,
                parks,
                filed,
                active,
                trend,
                ranking,
                ranked,
                industries,
                map,
                tile_url,
                live,
                alarms,
                open_alarms,
                now: weiyuan_store::now_ms(),
            };
            let html = page.render().map_err(|e| AppError::Internal(format!("template: {e}")))?;
            crate::routing::Kept::new(html.into_bytes()).map_err(|e| AppError::Internal(e.to_string()))
        }
    };
    let page = super::screen_cached(&s, &u.actor, tr.0, make).await.map_err(u.fail())?;
    Ok(page.html_for(&headers))
}

#[derive(Template)]
#[template(path = "analysis_enterprises.html")]
pub struct BehindPage {
    pub ctx: PageCtx,
    pub q: AnalysisQuery,
    pub b: super::Behind,
}

impl BehindPage {
    /// The query of this page with another order, for the column headers and exports.
    fn query_with(&self, field: &str) -> String {
        let q = AnalysisQuery {
            from: self.b.from.to_string(),
            to: self.b.to.to_string(),
            field: field.to_string(),
            ..self.q.clone()
        };
        serde_urlencoded::to_string(&q).unwrap_or_default()
    }
    fn query(&self) -> String {
        self.query_with(self.b.field)
    }
    fn fields(&self) -> &'static [&'static str] {
        &super::BEHIND_FIELDS
    }
    fn unit(&self, key: &str) -> &'static str {
        weiyuan_domain::reports::FIELDS.iter().find(|f| f.key == key).map(|f| f.unit).unwrap_or("")
    }
    fn value(&self, r: &super::BehindRow, key: &str) -> String {
        r.figures.get(key).map(|v| weiyuan_domain::reports::show(key, *v)).unwrap_or_default()
    }
    fn hint(&self) -> String {
        crate::i18n::tf(
            self.ctx.tr.0,
            "analysis.behind_hint",
            &[("shown".into(), self.b.rows.len().to_string()), ("total".into(), self.b.total.to_string())],
        )
    }
    /// The filters in force, as words.
    fn filters(&self) -> Vec<String> {
        let q = &self.q;
        let tr = self.ctx.tr;
        let mut out = Vec::new();
        if !q.park_id.is_empty() {
            out.push(format!("{} #{}", tr.t("enterprises.park"), q.park_id));
        }
        if !q.township.is_empty() {
            let name = PINGYANG_TOWNSHIPS.iter().find(|t| t.code == q.township).map(|t| t.name);
            out.push(name.unwrap_or(&q.township).to_string());
        }
        if !q.industry.is_empty() {
            let name = weiyuan_domain::industry::find(q.industry.trim()).map(|i| i.name).unwrap_or("");
            out.push(format!("{} {name}", q.industry.trim()));
        }
        if !q.size.is_empty() {
            out.push(tr.code("size", q.size.trim()).to_string());
        }
        if !q.tag.is_empty() {
            out.push(tr.code("tag", q.tag.trim()).to_string());
        }
        out
    }
}

/// The enterprises behind the figures of an analysis (the same query), largest first.
pub async fn behind(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    let b = super::behind(&s.store, &u.actor, &q, super::BEHIND_ROWS).await.map_err(u.fail())?;
    Ok(render(&BehindPage { ctx: u.ctx(), q, b }))
}

pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    let a = super::analyse_cached(&s, &u.actor, &q).await.map_err(u.fail())?;
    let parks = crate::parks::list(&s.store, &u.actor, &Default::default()).await.map_err(u.fail())?;
    let trend = trend(&a, u.tr(), true);
    Ok(render(&AnalysisPage { ctx: u.ctx(), q, a, parks, trend }))
}
