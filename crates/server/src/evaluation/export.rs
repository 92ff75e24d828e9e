//! The published list as a workbook, in the shape counties publish it: one sheet of judged
//! enterprises (names, park, township, industry, land and its rule, every indicator with its
//! unit, score, rank, class, the class-tied amounts) and one of the enterprises not judged, with
//! the reason; then, for each office that applies the class-tied prices (差别化要素价格), its
//! own worklist: the power office's electricity surcharges, the water office's water surcharges
//! and the tax office's land-use tax reliefs, each with the figures it follows from. Headers in
//! the caller's language.

use crate::error::AppError;
use crate::exchange::{Out, Styles, write_table};
use crate::i18n::{t, tf};
use rust_xlsxwriter::Workbook;
use weiyuan_domain::access::Actor;
use weiyuan_domain::evaluation::{Indicator, Land, policy_amounts, round2};
use weiyuan_store::Store;

fn township_name(code: &str) -> String {
    weiyuan_domain::codes::township(code).map(|t| t.name.to_string()).unwrap_or_else(|| code.to_string())
}

pub async fn run_xlsx(store: &Store, actor: &Actor, run_id: i64) -> Result<(Vec<u8>, String), AppError> {
    let lang = actor.lang;
    let run = super::run(store, actor, run_id).await?;
    let rows = super::all_results(store, actor, &run).await?;
    let method = super::method_of(store, &run).await?;
    // Classes of earlier published runs, for the surcharge after three years in a class.
    let ids: Vec<i64> = rows.iter().filter(|r| r.class.is_some()).map(|r| r.enterprise_id).collect();
    let mut history: std::collections::HashMap<i64, Vec<(String, String)>> = Default::default();
    for (rid, last, id, class) in store.published_classes(&ids).await? {
        if rid != run.id {
            history.entry(id).or_default().push((last, class));
        }
    }
    let indicators: Vec<Indicator> = Indicator::ALL
        .into_iter()
        .filter(|i| method.above.indicators.iter().chain(&method.below.indicators).any(|w| w.indicator == *i))
        .collect();
    let mut headers: Vec<String> = [
        "evaluation.col.no",
        "evaluation.col.enterprise",
        "field.credit_code",
        "evaluation.col.park",
        "evaluation.col.township",
        "field.industry_code",
        "evaluation.col.group",
        "evaluation.col.land",
        "evaluation.col.land_rule",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    for i in &indicators {
        headers.push(format!("{}（{}）", t(lang, &format!("evaluation.indicator.{}", i.key())), i.unit()));
    }
    for k in [
        "evaluation.col.score",
        "evaluation.col.rank",
        "evaluation.col.class",
        "evaluation.col.tax_per_mu",
        "evaluation.col.low",
        "evaluation.col.land_tax_relief",
        "evaluation.col.electricity_rate",
        "evaluation.col.electricity_surcharge",
    ] {
        headers.push(t(lang, k).to_string());
    }
    let mut judged = Vec::new();
    let mut excluded = Vec::new();
    // The offices' worklists: [power, water, tax].
    let mut offices: [Vec<Vec<Out>>; 3] = Default::default();
    for r in &rows {
        let s = &r.detail.subject;
        let (land, rule) = match &s.land {
            Land::Parcel { mu } => (Out::Num(round2(*mu)), t(lang, "evaluation.land.parcel").to_string()),
            Land::Apportioned { mu, floor_m2, park_building_m2, park_land_mu } => (
                Out::Num((mu * 10_000.0).round() / 10_000.0),
                tf(
                    lang,
                    "evaluation.land.apportioned",
                    &[
                        ("land".into(), format!("{park_land_mu:.2}")),
                        ("floor".into(), format!("{floor_m2:.2}")),
                        ("building".into(), format!("{park_building_m2:.2}")),
                    ],
                ),
            ),
            Land::Unknown => (Out::Empty, t(lang, "evaluation.land.unknown").to_string()),
        };
        let mut row = vec![
            Out::Empty,
            Out::text(&r.enterprise),
            Out::text(&r.credit_code),
            Out::text(&r.park),
            Out::text(township_name(&r.township_code)),
            Out::text(&r.industry_code),
            Out::text(t(lang, &format!("evaluation.group.{}", r.group))),
            land,
            Out::text(rule),
        ];
        match (&r.detail.outcome, &r.detail.excluded) {
            (Some(o), _) => {
                for i in &indicators {
                    row.push(match o.scored.iter().find(|x| x.indicator == *i) {
                        Some(x) => Out::Num(round2(x.value)),
                        None => Out::Empty,
                    });
                }
                let class = o.class;
                let years = super::years_in_class(
                    &run.last_month,
                    Some(class.code()),
                    history.get(&r.enterprise_id).map(Vec::as_slice).unwrap_or(&[]),
                );
                let amounts = method.policy(class).map(|p| policy_amounts(p, years, &s.totals)).unwrap_or_default();
                let who = || {
                    vec![
                        Out::Empty,
                        Out::text(&r.enterprise),
                        Out::text(&r.credit_code),
                        Out::text(&r.park),
                        Out::text(format!(
                            "{} {}",
                            class.code(),
                            t(lang, &format!("evaluation.class.{}", class.code()))
                        )),
                    ]
                };
                // The power and water offices: a surcharge rate per unit used, and its amount.
                let surcharges = [
                    (amounts.electricity_rate, s.totals.electricity, amounts.electricity_surcharge),
                    (amounts.water_rate, s.totals.water, amounts.water_surcharge),
                ];
                for (office, (rate, used, amount)) in offices.iter_mut().zip(surcharges) {
                    if rate > 0.0 {
                        let mut row = who();
                        row.extend([Out::Num(years as f64), Out::Num(round2(used)), Out::Num(rate), Out::Num(amount)]);
                        office.push(row);
                    }
                }
                if amounts.land_tax_relief_pct > 0.0 {
                    let mut row = who();
                    let land = match &s.land {
                        Land::Parcel { mu } | Land::Apportioned { mu, .. } => {
                            Out::Num((mu * 10_000.0).round() / 10_000.0)
                        }
                        Land::Unknown => Out::Empty,
                    };
                    row.extend([land, Out::Num(round2(o.tax_per_mu)), Out::Num(amounts.land_tax_relief_pct)]);
                    offices[2].push(row);
                }
                row.extend([
                    Out::Num(o.score),
                    Out::Num(o.rank as f64),
                    Out::text(format!("{} {}", class.code(), t(lang, &format!("evaluation.class.{}", class.code())))),
                    Out::Num(round2(o.tax_per_mu)),
                    Out::text(if o.low_efficiency { t(lang, "evaluation.low") } else { "" }),
                    Out::Num(amounts.land_tax_relief_pct),
                    Out::Num(amounts.electricity_rate),
                    Out::Num(amounts.electricity_surcharge),
                ]);
                judged.push(row);
            }
            (None, Some(x)) => {
                let mut params = x.params.clone();
                for (k, v) in params.iter_mut() {
                    if k == "indicator" {
                        *v = t(lang, &format!("evaluation.indicator.{v}")).to_string();
                    } else if k == "figure" {
                        *v = t(lang, &format!("field.{v}")).to_string();
                    }
                }
                row.truncate(7);
                row.push(Out::text(tf(lang, &x.reason, &params)));
                excluded.push(row);
            }
            (None, None) => {}
        }
    }
    for (n, r) in judged.iter_mut().enumerate() {
        r[0] = Out::Num(n as f64 + 1.0);
    }
    for table in std::iter::once(&mut excluded).chain(offices.iter_mut()) {
        for (n, r) in table.iter_mut().enumerate() {
            r[0] = Out::Num(n as f64 + 1.0);
        }
    }
    let title = tf(
        lang,
        "evaluation.export.title",
        &[("first".into(), run.first_month.clone()), ("last".into(), run.last_month.clone())],
    );
    let status = t(lang, &format!("evaluation.status.{}", run.status));
    let mut book = Workbook::new();
    let styles = Styles::default();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut widths = vec![6.0, 34.0, 22.0, 24.0, 10.0, 10.0, 8.0, 10.0, 36.0];
    widths.extend(std::iter::repeat_n(14.0, headers.len() - widths.len()));
    let xlsx = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let ws = book.add_worksheet();
    ws.set_name(t(lang, "evaluation.sheet.judged")).map_err(xlsx)?;
    write_table(ws, &styles, &format!("{title}（{status}）"), &header_refs, &widths, &judged, None).map_err(xlsx)?;
    let ws = book.add_worksheet();
    ws.set_name(t(lang, "evaluation.sheet.excluded")).map_err(xlsx)?;
    let mut ex_headers: Vec<&str> = header_refs[..7].to_vec();
    ex_headers.push(t(lang, "evaluation.col.reason"));
    write_table(ws, &styles, &title, &ex_headers, &[6.0, 34.0, 22.0, 24.0, 10.0, 10.0, 8.0, 60.0], &excluded, None)
        .map_err(xlsx)?;
    let who: Vec<&str> = [
        "evaluation.col.no",
        "evaluation.col.enterprise",
        "field.credit_code",
        "evaluation.col.park",
        "evaluation.col.class",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let sheets: [(&str, &[&str]); 3] = [
        (
            "evaluation.sheet.power",
            &[
                "evaluation.col.years_in_class",
                "evaluation.col.electricity_kwh",
                "evaluation.col.electricity_rate",
                "evaluation.col.electricity_surcharge",
            ],
        ),
        (
            "evaluation.sheet.water",
            &[
                "evaluation.col.years_in_class",
                "evaluation.col.water_m3",
                "evaluation.col.water_rate",
                "evaluation.col.water_surcharge",
            ],
        ),
        (
            "evaluation.sheet.tax",
            &["evaluation.col.land", "evaluation.col.tax_per_mu", "evaluation.col.land_tax_relief"],
        ),
    ];
    for ((sheet, columns), rows) in sheets.iter().zip(&offices) {
        let mut headers = who.clone();
        headers.extend(columns.iter().map(|k| t(lang, k)));
        let ws = book.add_worksheet();
        ws.set_name(t(lang, sheet)).map_err(xlsx)?;
        let mut widths = vec![6.0, 34.0, 22.0, 24.0, 16.0];
        widths.extend(std::iter::repeat_n(16.0, columns.len()));
        write_table(ws, &styles, &format!("{title} · {}", t(lang, sheet)), &headers, &widths, rows, None)
            .map_err(xlsx)?;
    }
    let bytes = book.save_to_buffer().map_err(xlsx)?;
    Ok((bytes, format!("{title}.xlsx")))
}
