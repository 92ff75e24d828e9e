//! Economic analysis (经济运行数据分析): report totals for any set of enterprises (park, township,
//! industry section or division, size, tag) and period, with year-on-year and month-on-month
//! changes, the seed's per-unit indicators, the 2022 park targets (tax 25 and sales 250 万元/亩),
//! rankings and a breakdown by industry. Totals are summed in SQL; nothing loads the rows.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::Actor;
use weiyuan_domain::analysis::{Indicators, change_pct, indicators};
use weiyuan_domain::industry;
use weiyuan_domain::progress::Month;
use weiyuan_domain::reports::{N, index};
use weiyuan_domain::units::Fixed2;
use weiyuan_store::Store;
use weiyuan_store::reports::{GroupBy, ReportFilter, Totals};

/// The seed's 2022 park targets, 万元 per 亩 a year.
pub const TARGET_TAX_PER_MU: Fixed2 = Fixed2::from_units(25);
pub const TARGET_SALES_PER_MU: Fixed2 = Fixed2::from_units(250);

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnalysisQuery {
    pub from: String,
    pub to: String,
    pub park_id: String,
    pub township: String,
    /// A section letter (C) or a division (C34).
    pub industry: String,
    pub size: String,
    pub tag: String,
}

impl AnalysisQuery {
    fn filter(&self) -> ReportFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ReportFilter {
            park_id: self.park_id.trim().parse().ok(),
            township: text(&self.township),
            industry: text(&self.industry),
            size: text(&self.size),
            tag: text(&self.tag),
        }
    }

    /// The period: `from`..`to`, by default the twelve months up to the last that has ended.
    pub fn period(&self) -> (Month, Month) {
        let last = crate::reports::last_month();
        let to = Month::parse(&self.to).filter(|m| *m <= last).unwrap_or(last);
        let from = Month::parse(&self.from).filter(|m| *m <= to).unwrap_or_else(|| back(to, 11));
        (from, to)
    }

    /// Whether whole parks are selected (then land and floor area are the parks').
    fn whole_parks(&self) -> bool {
        self.industry.trim().is_empty() && self.size.trim().is_empty() && self.tag.trim().is_empty()
    }
}

fn back(m: Month, months: i32) -> Month {
    let total = m.year * 12 + m.month as i32 - 1 - months;
    Month { year: total.div_euclid(12), month: (total.rem_euclid(12) + 1) as u32 }
}

fn sum(t: &Totals, key: &str) -> Fixed2 {
    index(key).map(|i| t.sums[i]).unwrap_or_default()
}

fn average(total: Fixed2, months: usize) -> Fixed2 {
    if months == 0 { Fixed2::ZERO } else { Fixed2((total.0 as f64 / months as f64).round() as i64) }
}

fn zero(key: &str) -> Totals {
    Totals { key: key.into(), reports: 0, enterprises: 0, sums: [Fixed2::ZERO; N] }
}

fn total(rows: &[Totals]) -> Totals {
    let mut t = zero("");
    for r in rows {
        t.reports += r.reports;
        t.enterprises = t.enterprises.max(r.enterprises);
        for i in 0..N {
            t.sums[i] += r.sums[i];
        }
    }
    t
}

#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub key: &'static str,
    pub value: Fixed2,
    pub previous: Fixed2,
    pub yoy_pct: Option<Fixed2>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParkRow {
    pub park_id: i64,
    pub park: String,
    pub land_mu: Fixed2,
    pub enterprises: i64,
    pub revenue: Fixed2,
    pub tax: Fixed2,
    pub sales: Fixed2,
    pub indicators: Indicators,
    pub meets_tax_target: bool,
    pub meets_sales_target: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub enterprises: i64,
    pub revenue: Fixed2,
    pub tax: Fixed2,
    pub share_pct: Option<Fixed2>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub from: Month,
    pub to: Month,
    pub enterprises: i64,
    pub reports: i64,
    /// Each field's total over the period, against the same period a year before.
    pub changes: Vec<Change>,
    /// The last month against the month before, for revenue and tax.
    pub mom_revenue_pct: Option<Fixed2>,
    pub mom_tax_pct: Option<Fixed2>,
    /// Per-unit indicators over the period (annual figures per 亩 when the period is a year).
    pub indicators: Option<Indicators>,
    pub land_mu: Fixed2,
    pub months: Vec<Totals>,
    pub months_last_year: Vec<Totals>,
    /// The twelve months up to `to`, per park, against the 2022 targets.
    pub parks: Vec<ParkRow>,
    pub divisions: Vec<DivisionRow>,
}

pub async fn analyse(store: &Store, actor: &Actor, q: &AnalysisQuery) -> Result<Analysis, AppError> {
    let scope = actor.park_scope();
    if actor.role == weiyuan_domain::Role::Enterprise {
        return Err(AppError::Forbidden);
    }
    let filter = q.filter();
    let (from, to) = q.period();
    let year_back = |m: Month| Month { year: m.year - 1, ..m };
    let months = store.report_totals(&scope, &filter, from, to, GroupBy::Month).await?;
    let months_last_year = store.report_totals(&scope, &filter, year_back(from), year_back(to), GroupBy::Month).await?;
    let (now, before) = (total(&months), total(&months_last_year));
    let changes = weiyuan_domain::reports::FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // Employees are a headcount: the period's average month, not a sum.
            let (value, previous) = if f.key == "employees" {
                (average(now.sums[i], months.len()), average(before.sums[i], months_last_year.len()))
            } else {
                (now.sums[i], before.sums[i])
            };
            Change { key: f.key, value, previous, yoy_pct: change_pct(value, previous) }
        })
        .collect();
    let month_sum =
        |m: Month, key: &str| months.iter().find(|t| t.key == m.to_string()).map(|t| sum(t, key)).unwrap_or_default();
    let mom = |key: &str| change_pct(month_sum(to, key), month_sum(to.prev(), key));
    // Land and floor area of whole parks.
    let parks = store.list_parks(&scope).await?;
    let chosen: Vec<_> = parks
        .iter()
        .filter(|p| {
            filter.park_id.is_none_or(|id| id == p.id) && filter.township.as_ref().is_none_or(|t| *t == p.township_code)
        })
        .collect();
    let land: Fixed2 = chosen.iter().map(|p| p.land_mu).sum();
    let area: Fixed2 = chosen.iter().map(|p| p.building_area_m2).sum();
    let indicators_of = |t: &Totals, land: Fixed2, area: Fixed2| {
        indicators(
            sum(t, "revenue"),
            sum(t, "sales"),
            sum(t, "output"),
            sum(t, "tax"),
            sum(t, "electricity"),
            land,
            area,
        )
    };
    let indicators_all = q.whole_parks().then(|| indicators_of(&now, land, area));
    // Parks over the twelve months up to `to`.
    let by_park = store.report_totals(&scope, &filter, back(to, 11), to, GroupBy::Park).await?;
    let mut park_rows: Vec<ParkRow> = by_park
        .iter()
        .filter_map(|t| {
            let p = parks.iter().find(|p| p.id.to_string() == t.key)?;
            let ind = indicators_of(t, p.land_mu, p.building_area_m2);
            Some(ParkRow {
                park_id: p.id,
                park: p.name.clone(),
                land_mu: p.land_mu,
                enterprises: t.enterprises,
                revenue: sum(t, "revenue"),
                tax: sum(t, "tax"),
                sales: sum(t, "sales"),
                meets_tax_target: ind.tax_per_mu.is_some_and(|v| v >= TARGET_TAX_PER_MU),
                meets_sales_target: ind.sales_per_mu.is_some_and(|v| v >= TARGET_SALES_PER_MU),
                indicators: ind,
            })
        })
        .collect();
    park_rows.sort_by_key(|p| std::cmp::Reverse(p.indicators.tax_per_mu));
    let by_division = store.report_totals(&scope, &filter, from, to, GroupBy::Division).await?;
    let all_revenue = sum(&now, "revenue");
    let mut divisions: Vec<DivisionRow> = by_division
        .iter()
        .map(|t| DivisionRow {
            code: t.key.clone(),
            name: industry::find(&t.key).map(|i| i.name.to_string()).unwrap_or_default(),
            enterprises: t.enterprises,
            revenue: sum(t, "revenue"),
            tax: sum(t, "tax"),
            share_pct: weiyuan_domain::analysis::ratio(sum(t, "revenue"), all_revenue, 100),
        })
        .collect();
    divisions.sort_by_key(|d| std::cmp::Reverse(d.revenue));
    Ok(Analysis {
        from,
        to,
        enterprises: months.iter().map(|t| t.enterprises).max().unwrap_or(0),
        reports: now.reports,
        changes,
        mom_revenue_pct: mom("revenue"),
        mom_tax_pct: mom("tax"),
        indicators: indicators_all,
        land_mu: land,
        months,
        months_last_year,
        parks: park_rows,
        divisions,
    })
}

pub mod api {
    use crate::AppState;
    use crate::error::ApiError;
    use crate::extract::ApiUser;
    use axum::Json;
    use axum::extract::{Query, State};

    pub async fn get(
        State(s): State<AppState>,
        u: ApiUser,
        Query(q): Query<super::AnalysisQuery>,
    ) -> Result<Json<super::Analysis>, ApiError> {
        Ok(Json(super::analyse(&s.store, &u.actor, &q).await.map_err(u.err())?))
    }
}

pub mod pages {
    use super::{Analysis, AnalysisQuery};
    use crate::AppState;
    use crate::pages::{PageCtx, PageError, PageUser, render};
    use askama::Template;
    use axum::extract::{Query, State};
    use axum::response::Response;
    use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
    use weiyuan_domain::parks::Park;
    use weiyuan_domain::units::Fixed2;

    #[derive(Template)]
    #[template(path = "analysis.html")]
    pub struct AnalysisPage {
        pub ctx: PageCtx,
        pub q: AnalysisQuery,
        pub a: Analysis,
        pub parks: Vec<Park>,
        pub trend: String,
    }

    impl AnalysisPage {
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
    }

    pub async fn show(
        State(s): State<AppState>,
        u: PageUser,
        Query(q): Query<AnalysisQuery>,
    ) -> Result<Response, PageError> {
        let a = super::analyse(&s.store, &u.actor, &q).await.map_err(u.fail())?;
        let parks = crate::parks::list(&s.store, &u.actor, &Default::default()).await.map_err(u.fail())?;
        let revenue = weiyuan_domain::reports::index("revenue").unwrap_or(0);
        let tax = weiyuan_domain::reports::index("tax").unwrap_or(0);
        let series = |rows: &Vec<weiyuan_store::reports::Totals>, i: usize| {
            rows.iter().map(|t| t.sums[i].as_f64()).collect::<Vec<_>>()
        };
        let tr = u.tr();
        let trend = serde_json::json!({
            "x": a.months.iter().map(|t| t.key.clone()).collect::<Vec<_>>(),
            "series": [
                { "name": tr.t("analysis.revenue_this"), "type": "bar", "data": series(&a.months, revenue) },
                { "name": tr.t("analysis.revenue_last"), "type": "bar", "data": series(&a.months_last_year, revenue) },
                { "name": tr.t("analysis.tax_this"), "type": "line", "data": series(&a.months, tax), "yAxisIndex": 1 },
            ],
            "units": ["万元", "万元"],
        })
        .to_string();
        Ok(render(&AnalysisPage { ctx: u.ctx(), q, a, parks, trend }))
    }
}
