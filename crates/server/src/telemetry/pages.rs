//! Monitoring pages: every park at a glance, a park's live page (it reloads itself every 30
//! seconds), and a park's devices with the form that registers one and shows its token once.

use super::{ParkGlance, ParkLive};
use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, render, render_status};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use weiyuan_domain::parks::Park;
use weiyuan_domain::telemetry::{DeviceForm, KindDef};

type PageResult = Result<Response, PageError>;

/// "1,234.56" for the pages.
fn amount(v: f64) -> String {
    weiyuan_domain::Fixed2::round(v).grouped()
}

/// "1,234" for counts (people, vehicles, pieces).
fn count(v: f64) -> String {
    weiyuan_domain::Fixed2::round(v).grouped_units()
}

#[derive(Template)]
#[template(path = "monitoring.html")]
pub struct OverviewPage {
    pub ctx: PageCtx,
    pub parks: Vec<ParkGlance>,
    /// The map's data (parks by monitoring status) and tile URL.
    pub map: String,
    pub tile_url: String,
}

impl OverviewPage {
    fn amount(&self, v: &f64) -> String {
        amount(*v)
    }
    fn count(&self, v: &f64) -> String {
        count(*v)
    }
    fn over(&self, g: &ParkGlance) -> usize {
        g.day.environment.iter().filter(|e| e.3).count()
    }
}

/// Map colours of the monitoring statuses, worst first.
const MAP_STATUSES: [(&str, &str); 5] = [
    ("alarm_critical", "#d92d20"),
    ("alarm", "#f79009"),
    ("offline", "#fdb022"),
    ("normal", "#12b76a"),
    ("no_devices", "#98a2b3"),
];

pub(crate) fn map_data(tr: crate::i18n::Tr, parks: &[ParkGlance]) -> String {
    let items: Vec<_> = parks
        .iter()
        .filter(|p| p.lat.is_some() && p.lon.is_some())
        .map(|p| {
            let tip = format!(
                "{} {}/{} · {} {}",
                tr.t("monitoring.devices_online"),
                p.day.online,
                p.day.devices,
                tr.t("monitoring.open_alarms"),
                p.alarms
            );
            serde_json::json!({ "id": p.park_id, "name": p.park, "lat": p.lat, "lon": p.lon, "status": p.status(),
                "status_label": tr.code("monitoring.status", p.status()), "township_code": p.township_code, "tip": tip,
                "href": format!("/parks/{}/monitoring", p.park_id) })
        })
        .collect();
    let townships = crate::progress::pages::township_labels(parks.iter().map(|p| p.township_code.as_str()), tr.is_en());
    let legend: Vec<_> = MAP_STATUSES
        .iter()
        .map(|(s, _)| serde_json::json!({ "status": s, "label": tr.code("monitoring.status", s) }))
        .collect();
    let colors: serde_json::Map<String, serde_json::Value> =
        MAP_STATUSES.iter().map(|(s, c)| (s.to_string(), serde_json::json!(c))).collect();
    serde_json::json!({ "parks": items, "townships": townships, "legend": legend, "colors": colors, "labels": {} })
        .to_string()
}

pub async fn overview(State(s): State<AppState>, u: PageUser) -> PageResult {
    let parks = super::overview(&s.store, &u.actor).await.map_err(u.fail())?;
    let map = map_data(u.tr(), &parks);
    Ok(render(&OverviewPage { ctx: u.ctx(), parks, map, tile_url: s.tile_url.clone().unwrap_or_default() }))
}

#[derive(Template)]
#[template(path = "park_monitoring.html")]
pub struct LivePage {
    pub ctx: PageCtx,
    pub live: ParkLive,
}

impl LivePage {
    fn amount(&self, v: &f64) -> String {
        amount(*v)
    }
    fn count(&self, v: &f64) -> String {
        count(*v)
    }
    fn unit(&self, metric: &str) -> String {
        weiyuan_domain::telemetry::builtin_kinds()
            .iter()
            .flat_map(|k| k.metrics.clone())
            .find(|m| m.key == metric)
            .map(|m| m.unit)
            .unwrap_or_default()
    }
    fn at(&self) -> String {
        weiyuan_domain::time::format_shanghai(self.live.at)
    }
    /// A device's name and serial (the safety list names devices, not ids).
    fn device_name(&self, id: &i64) -> String {
        match self.live.devices.iter().find(|d| d.device.id == *id) {
            Some(d) => format!("{}（{}）", d.device.name, d.device.serial),
            None => format!("#{id}"),
        }
    }
    /// A figure, or a dash when the park has no device to measure it.
    fn shown(&self, text: String) -> String {
        if self.live.day.devices == 0 { "—".into() } else { text }
    }
    /// The hourly curves for ECharts: each figure today against yesterday, with its limit.
    fn curves(&self) -> String {
        let tr = self.ctx.tr;
        let (today, yesterday) = (tr.t("monitoring.today"), tr.t("monitoring.yesterday"));
        let charts: Vec<_> = self
            .live
            .curves
            .iter()
            .map(|c| {
                let unit = tr.unit(&self.unit(&c.metric));
                serde_json::json!({
                    "metric": c.metric,
                    "title": format!("{}{}", tr.code("metric", &c.metric), if unit.is_empty() { String::new() } else { tr.in_unit(&unit) }),
                    "x": (0..24).map(|h| format!("{h}:00")).collect::<Vec<_>>(),
                    "series": [{ "name": today, "data": c.today }, { "name": yesterday, "data": c.yesterday, "dashed": true }],
                    "limit": c.limit,
                    "limit_label": tr.t("monitoring.limit"),
                })
            })
            .collect();
        serde_json::Value::from(charts).to_string()
    }
    fn change(&self) -> String {
        let d = &self.live.day;
        if d.energy_yesterday_kwh <= 0.0 {
            return "—".into();
        }
        let pct = (d.energy_today_kwh - d.energy_yesterday_kwh) / d.energy_yesterday_kwh * 100.0;
        format!("{}{:.1}%", if pct > 0.0 { "+" } else { "" }, pct)
    }
}

pub async fn live(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let live = super::park_live(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(render(&LivePage { ctx: u.ctx(), live }))
}

#[derive(Template)]
#[template(path = "devices.html")]
pub struct DevicesPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub live: ParkLive,
    pub kinds: Vec<KindDef>,
    pub can_edit: bool,
    pub form: DeviceForm,
    pub errors: Errors,
    /// The token of the device just registered, shown this once.
    pub token: Option<(String, String)>,
}

impl DevicesPage {
    fn kind_name(&self, code: &str) -> String {
        match self.kinds.iter().find(|k| k.code == code) {
            Some(k) if !k.builtin => k.name.clone(),
            _ => self.ctx.tr.code("device_kind", code).to_string(),
        }
    }
    fn time(&self, ms: &Option<i64>) -> String {
        ms.map(weiyuan_domain::time::format_shanghai).unwrap_or_else(|| "—".into())
    }
}

async fn devices_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    form: DeviceForm,
    errors: Errors,
    token: Option<(String, String)>,
) -> PageResult {
    let park = crate::parks::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let live = super::park_live(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let kinds = super::kinds(&s.store).await.map_err(u.fail())?;
    let can_edit = u.actor.can_edit_units(&park.as_ref());
    let page = DevicesPage { ctx: u.ctx(), park, live, kinds, can_edit, form, errors, token };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn devices(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    devices_page(&s, &u, id, DeviceForm::default(), Errors::default(), None).await
}

pub async fn register(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<DeviceForm>,
) -> PageResult {
    match super::create(&s.store, &s.ingestor, &u.actor, id, &f).await {
        Ok(r) => {
            devices_page(&s, &u, id, DeviceForm::default(), Errors::default(), Some((r.device.serial, r.token))).await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            devices_page(&s, &u.at(&format!("/parks/{id}/devices")), id, f, Errors::from_app(&e, u.tr()), None).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Template)]
#[template(path = "reconciliation.html")]
pub struct ReconPage {
    pub ctx: PageCtx,
    pub month: weiyuan_domain::progress::Month,
    pub tolerance: f64,
    /// The county's default tolerance.
    pub county_tolerance: f64,
    pub rows: Vec<super::ReconRow>,
}

impl ReconPage {
    fn kwh(&self, v: &Option<f64>) -> String {
        v.map(amount).unwrap_or_else(|| "—".into())
    }
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|p| format!("{}{p:.2}%", if p > 0.0 { "+" } else { "" })).unwrap_or_else(|| "—".into())
    }
}

/// Reported monthly electricity against the meters, flagged beyond the tolerance.
pub async fn reconciliation(
    State(s): State<AppState>,
    u: PageUser,
    axum::extract::Query(q): axum::extract::Query<super::ReconQuery>,
) -> PageResult {
    let rows = super::reconciliation(&s.store, &u.actor, &q).await.map_err(u.fail())?;
    let month = crate::reports::month_or_last(&q.month);
    let tolerance = super::tolerance(&s.store, &q).await.map_err(u.fail())?;
    let county_tolerance = s.store.recon_tolerance_pct().await.map_err(|e| u.fail()(e.into()))?;
    Ok(render(&ReconPage { ctx: u.ctx(), month, tolerance, county_tolerance, rows }))
}

/// The county makes a tolerance its default; back to the page with it.
pub async fn set_tolerance(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<super::ToleranceForm>,
) -> PageResult {
    super::set_tolerance(&s.store, &u.actor, &f).await.map_err(u.fail())?;
    Ok(crate::pages::see_other("/monitoring/reconciliation"))
}
