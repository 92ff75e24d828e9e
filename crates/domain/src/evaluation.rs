//! 亩均论英雄: the per-mu benefit evaluation (亩均效益综合评价) of the enterprises in the parks.
//!
//! A county sets a **method** (a versioned setting): who is in scope, the indicators of each size
//! group (规上 / 规下) with their weights and benchmarks, a cap on any indicator's points, a
//! deduction per sublet tenant, how enterprises are grouped for ranking, the class cut-offs, and
//! the class-tied prices (差别化要素价格). A **run** applies the method to a year (any twelve
//! months) of each enterprise's reported figures and its land:
//!
//! - value of each indicator = numerator / denominator (e.g. 亩均税收 = tax / land);
//! - benchmark = the county's value for the group (Σ numerators / Σ denominators of the
//!   enterprises evaluated) or a fixed number;
//! - points = weight × value / benchmark, not below 0 and not above cap × weight;
//! - score = Σ points − deduction × sublet tenants, to 0.01;
//! - rank within the ranking group (equal scores share the better rank); class by rank share
//!   (rank r of n falls in the first class whose cumulative share c has r ≤ n × c) or by score.
//!
//! Enterprises the method cannot judge are listed apart with the reason, never dropped.
//! Everything here is pure; the store loads the figures and the server runs the workflow.

use crate::progress::Month;
use crate::rules::Check;
use crate::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An indicator the method can weigh. Units: 万元/亩, 万元/tce, 万元/t, 万元/人, %, 元/kWh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 亩均税收: tax / land.
    TaxPerMu,
    /// 亩均增加值: value added / land.
    ValueAddedPerMu,
    /// 单位能耗增加值: value added / energy (tce).
    ValueAddedPerEnergy,
    /// 单位排放增加值: value added / main pollutant emissions (t).
    ValueAddedPerEmission,
    /// 全员劳动生产率: value added / average employees.
    LabourProductivity,
    /// R&D 占比: R&D spend / revenue, in %.
    RndShare,
    /// 亩均营业收入: revenue / land.
    RevenuePerMu,
    /// 单位用电营业收入: revenue / electricity, 元/kWh.
    RevenuePerKwh,
    /// 单位用电税收: tax / electricity, 元/kWh.
    TaxPerKwh,
}

impl Indicator {
    pub const ALL: [Indicator; 9] = [
        Indicator::TaxPerMu,
        Indicator::ValueAddedPerMu,
        Indicator::ValueAddedPerEnergy,
        Indicator::ValueAddedPerEmission,
        Indicator::LabourProductivity,
        Indicator::RndShare,
        Indicator::RevenuePerMu,
        Indicator::RevenuePerKwh,
        Indicator::TaxPerKwh,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Indicator::TaxPerMu => "tax_per_mu",
            Indicator::ValueAddedPerMu => "value_added_per_mu",
            Indicator::ValueAddedPerEnergy => "value_added_per_energy",
            Indicator::ValueAddedPerEmission => "value_added_per_emission",
            Indicator::LabourProductivity => "labour_productivity",
            Indicator::RndShare => "rnd_share",
            Indicator::RevenuePerMu => "revenue_per_mu",
            Indicator::RevenuePerKwh => "revenue_per_kwh",
            Indicator::TaxPerKwh => "tax_per_kwh",
        }
    }

    pub fn parse(key: &str) -> Option<Indicator> {
        Self::ALL.into_iter().find(|i| i.key() == key)
    }

    pub fn unit(self) -> &'static str {
        match self {
            Indicator::TaxPerMu | Indicator::ValueAddedPerMu | Indicator::RevenuePerMu => "万元/亩",
            Indicator::ValueAddedPerEnergy => "万元/tce",
            Indicator::ValueAddedPerEmission => "万元/t",
            Indicator::LabourProductivity => "万元/人",
            Indicator::RndShare => "%",
            Indicator::RevenuePerKwh | Indicator::TaxPerKwh => "元/kWh",
        }
    }

    /// The figure in the denominator, named as in the monthly report (or `land`).
    pub fn denominator(self) -> &'static str {
        match self {
            Indicator::TaxPerMu | Indicator::ValueAddedPerMu | Indicator::RevenuePerMu => "land",
            Indicator::ValueAddedPerEnergy => "energy",
            Indicator::ValueAddedPerEmission => "emissions",
            Indicator::LabourProductivity => "employees",
            Indicator::RndShare => "revenue",
            Indicator::RevenuePerKwh | Indicator::TaxPerKwh => "electricity",
        }
    }

    /// (numerator, denominator) from a year's totals, in the indicator's unit.
    pub fn parts(self, t: &Totals, land_mu: f64) -> (f64, f64) {
        match self {
            Indicator::TaxPerMu => (t.tax, land_mu),
            Indicator::ValueAddedPerMu => (t.value_added, land_mu),
            Indicator::ValueAddedPerEnergy => (t.value_added, t.energy),
            Indicator::ValueAddedPerEmission => (t.value_added, t.emissions),
            Indicator::LabourProductivity => (t.value_added, t.employees),
            Indicator::RndShare => (t.rnd * 100.0, t.revenue),
            Indicator::RevenuePerMu => (t.revenue, land_mu),
            // 万元 → 元.
            Indicator::RevenuePerKwh => (t.revenue * 10_000.0, t.electricity),
            Indicator::TaxPerKwh => (t.tax * 10_000.0, t.electricity),
        }
    }
}

/// The size groups, evaluated and ranked apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// 规上: above designated size.
    Above,
    /// 规下.
    Below,
}

impl Group {
    pub const ALL: [Group; 2] = [Group::Above, Group::Below];
    pub fn code(self) -> &'static str {
        match self {
            Group::Above => "above",
            Group::Below => "below",
        }
    }
    pub fn parse(code: &str) -> Option<Group> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// The four classes, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Class {
    /// 优先发展类
    A,
    /// 提升发展类
    B,
    /// 调控帮扶类
    C,
    /// 倒逼整治类
    D,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::A, Class::B, Class::C, Class::D];
    pub fn code(self) -> &'static str {
        match self {
            Class::A => "A",
            Class::B => "B",
            Class::C => "C",
            Class::D => "D",
        }
    }
    pub fn parse(code: &str) -> Option<Class> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
    fn index(self) -> usize {
        self as usize
    }
    /// The class one better, if any.
    pub fn better(self) -> Option<Class> {
        self.index().checked_sub(1).map(|i| Self::ALL[i])
    }
}

/// Where a benchmark comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Benchmark {
    /// The county's value for the year: Σ numerators / Σ denominators of the group's evaluated
    /// enterprises.
    County,
    /// A number the county sets, in the indicator's unit.
    Fixed(f64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Weighted {
    pub indicator: Indicator,
    /// Points out of 100.
    pub weight: f64,
    pub benchmark: Benchmark,
}

/// How classes are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CutBy {
    /// By rank share within the ranking group (the provincial practice).
    Rank,
    /// By score.
    Score,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cutoffs {
    pub by: CutBy,
    /// By rank: the share of the group in A, B, C, D, in %, summing to 100 (D may be 0).
    pub shares: [f64; 4],
    /// By score: the lowest score of A, B and C; below C's is D.
    pub min_scores: [f64; 3],
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GroupMethod {
    pub indicators: Vec<Weighted>,
    pub cutoffs: Cutoffs,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scope {
    /// Evaluate 规上 enterprises.
    pub above: bool,
    /// Evaluate 规下 enterprises.
    pub below: bool,
    /// 规下 enterprises with less land than this (亩) are left out (0: all).
    pub min_land_mu: f64,
    /// Evaluate tenants of a park whose land is apportioned from their floor area.
    pub tenants: bool,
    /// Require twelve months of reports in the period (in production for the full year).
    pub full_year: bool,
}

/// Ranking groups within a size group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// All enterprises of the size group together.
    All,
    /// By industry division (GB/T 4754 大类, e.g. C34).
    Division,
}

/// The prices and reliefs tied to a class (差别化要素价格).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClassPolicy {
    pub class: Class,
    /// Land-use tax relief, in % of the tax due.
    pub land_tax_relief_pct: f64,
    /// Electricity surcharge, 元/kWh.
    pub electricity_surcharge: f64,
    /// The surcharge once the enterprise has been in this class three years running, 元/kWh.
    pub electricity_surcharge_3y: f64,
    /// Water surcharge, 元/m³.
    pub water_surcharge: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Method {
    pub scope: Scope,
    pub above: GroupMethod,
    pub below: GroupMethod,
    /// No indicator earns more than cap × its weight.
    pub cap: f64,
    /// Points taken off per sublet tenant.
    pub sublet_deduction: f64,
    pub ranking: Ranking,
    pub policies: Vec<ClassPolicy>,
}

fn weights(list: &[(Indicator, f64)]) -> Vec<Weighted> {
    list.iter().map(|&(indicator, weight)| Weighted { indicator, weight, benchmark: Benchmark::County }).collect()
}

impl Default for Method {
    /// 规上: the provincial six indicators weighted 30/20/20/10/10/10 (Huangyan), classes
    /// A 20 % / B 60 % / C 15 % / D 5 % (Wenling); 规下: the seed's three (亩均税收 40,
    /// 亩均营业收入 30, 单位用电营业收入 30), classes 5/70/20/5 (Wenling). County benchmarks, a cap
    /// of 2 × weight, 2 points off per sublet tenant, tenants included, a full year required.
    fn default() -> Self {
        use Indicator::*;
        let rank = |shares| Cutoffs { by: CutBy::Rank, shares, min_scores: [120.0, 80.0, 60.0] };
        let policy = |class, relief, surcharge, surcharge_3y| ClassPolicy {
            class,
            land_tax_relief_pct: relief,
            electricity_surcharge: surcharge,
            electricity_surcharge_3y: surcharge_3y,
            water_surcharge: 0.0,
        };
        Method {
            scope: Scope { above: true, below: true, min_land_mu: 0.0, tenants: true, full_year: true },
            above: GroupMethod {
                indicators: weights(&[
                    (TaxPerMu, 30.0),
                    (ValueAddedPerMu, 20.0),
                    (ValueAddedPerEnergy, 20.0),
                    (ValueAddedPerEmission, 10.0),
                    (LabourProductivity, 10.0),
                    (RndShare, 10.0),
                ]),
                cutoffs: rank([20.0, 60.0, 15.0, 5.0]),
            },
            below: GroupMethod {
                indicators: weights(&[(TaxPerMu, 40.0), (RevenuePerMu, 30.0), (RevenuePerKwh, 30.0)]),
                cutoffs: rank([5.0, 70.0, 20.0, 5.0]),
            },
            cap: 2.0,
            sublet_deduction: 2.0,
            ranking: Ranking::All,
            policies: vec![
                policy(Class::A, 100.0, 0.0, 0.0),
                policy(Class::B, 80.0, 0.0, 0.0),
                policy(Class::C, 0.0, 0.0, 0.0),
                policy(Class::D, 0.0, 0.3, 0.4),
            ],
        }
    }
}

/// Hundredths, exactly, of a number typed with at most two decimals.
fn hundredths(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

fn finite_in(v: f64, lo: f64, hi: f64) -> bool {
    v.is_finite() && v >= lo && v <= hi
}

impl Method {
    pub fn group(&self, g: Group) -> &GroupMethod {
        match g {
            Group::Above => &self.above,
            Group::Below => &self.below,
        }
    }

    pub fn policy(&self, c: Class) -> Option<&ClassPolicy> {
        self.policies.iter().find(|p| p.class == c)
    }

    /// Every reason this method cannot work, by field: weights not summing to 100, a repeated
    /// indicator, a benchmark not above 0, shares not summing to 100 (a gap or an overlap),
    /// score cut-offs not falling, a cap under 1, negative amounts.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        let mut push = |field: String, code: &str, params: &[(&str, String)]| {
            let mut e = FieldError::new(&field, code);
            for (k, v) in params {
                e = e.with(k, v);
            }
            errors.push(e);
        };
        if !self.scope.above && !self.scope.below {
            push("scope".into(), "evaluation.method.no_group", &[]);
        }
        if !finite_in(self.scope.min_land_mu, 0.0, 100_000.0) {
            push("scope.min_land_mu".into(), "error.out_of_range", &[("min", "0".into()), ("max", "100000".into())]);
        }
        for g in Group::ALL {
            let m = self.group(g);
            let name = g.code();
            if m.indicators.is_empty() {
                push(format!("{name}.indicators"), "evaluation.method.no_indicator", &[]);
            }
            let mut seen = Vec::new();
            for w in &m.indicators {
                let key = w.indicator.key();
                if seen.contains(&w.indicator) {
                    push(format!("{name}.{key}"), "evaluation.method.repeated", &[("indicator", key.into())]);
                }
                seen.push(w.indicator);
                if !finite_in(w.weight, 0.01, 100.0) {
                    push(
                        format!("{name}.{key}.weight"),
                        "error.out_of_range",
                        &[("min", "0.01".into()), ("max", "100".into())],
                    );
                }
                if let Benchmark::Fixed(v) = w.benchmark
                    && !finite_in(v, 0.0001, 1e12)
                {
                    push(format!("{name}.{key}.benchmark"), "evaluation.method.benchmark", &[]);
                }
            }
            let sum = crate::units::sum_hundredths(m.indicators.iter().map(|w| w.weight));
            if !m.indicators.is_empty() && sum != 10_000 {
                push(format!("{name}.weights"), "evaluation.method.weights", &[("sum", fmt2(sum as f64 / 100.0))]);
            }
            match m.cutoffs.by {
                CutBy::Rank => {
                    let bad = m.cutoffs.shares.iter().any(|s| !finite_in(*s, 0.0, 100.0));
                    let sum = crate::units::sum_hundredths(m.cutoffs.shares.iter().copied());
                    if bad || sum != 10_000 {
                        push(
                            format!("{name}.shares"),
                            "evaluation.method.shares",
                            &[("sum", fmt2(sum as f64 / 100.0))],
                        );
                    }
                }
                CutBy::Score => {
                    let s = m.cutoffs.min_scores;
                    let falling = s.iter().all(|v| v.is_finite()) && s[0] > s[1] && s[1] > s[2];
                    if !falling {
                        push(format!("{name}.min_scores"), "evaluation.method.min_scores", &[]);
                    }
                }
            }
        }
        if !finite_in(self.cap, 1.0, 10.0) {
            push("cap".into(), "error.out_of_range", &[("min", "1".into()), ("max", "10".into())]);
        }
        if !finite_in(self.sublet_deduction, 0.0, 100.0) {
            push("sublet_deduction".into(), "error.out_of_range", &[("min", "0".into()), ("max", "100".into())]);
        }
        for c in Class::ALL {
            match self.policies.iter().filter(|p| p.class == c).count() {
                1 => {}
                _ => push(format!("policies.{}", c.code()), "evaluation.method.policy", &[("class", c.code().into())]),
            }
        }
        for p in &self.policies {
            let ok = finite_in(p.land_tax_relief_pct, 0.0, 100.0)
                && finite_in(p.electricity_surcharge, 0.0, 100.0)
                && finite_in(p.electricity_surcharge_3y, 0.0, 100.0)
                && finite_in(p.water_surcharge, 0.0, 100.0);
            if !ok {
                push(
                    format!("policies.{}", p.class.code()),
                    "evaluation.method.policy_amount",
                    &[("class", p.class.code().into())],
                );
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(Invalid(errors)) }
    }
}

/// A number with two decimals, as pages and messages show it.
pub fn fmt2(v: f64) -> String {
    format!("{v:.2}")
}

/// Round to hundredths (scores, points shown).
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A year of one enterprise's reported figures, summed over the period's months (employees:
/// the average over the months reported). Units as reported: 万元, tce, t, kWh, m³, 人.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Totals {
    pub revenue: f64,
    pub tax: f64,
    pub value_added: f64,
    pub energy: f64,
    pub emissions: f64,
    pub electricity: f64,
    pub water: f64,
    pub rnd: f64,
    pub employees: f64,
}

/// How an enterprise's land was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Land {
    /// Its own parcel, as registered.
    Parcel { mu: f64 },
    /// A share of the park's land by the floor area it holds (owned for own use, or leased):
    /// park land × floor area / park building area.
    Apportioned { mu: f64, floor_m2: f64, park_building_m2: f64, park_land_mu: f64 },
    /// Neither a parcel nor floor area.
    Unknown,
}

impl Land {
    pub fn mu(&self) -> Option<f64> {
        match self {
            Land::Parcel { mu } | Land::Apportioned { mu, .. } => Some(*mu),
            Land::Unknown => None,
        }
    }
}

/// An enterprise's land: its own parcel when registered, else the park's land apportioned by
/// the floor area it holds over the park's building area.
pub fn land_of(parcel_mu: Option<f64>, floor_m2: f64, park_building_m2: f64, park_land_mu: f64) -> Land {
    match parcel_mu {
        Some(mu) if mu > 0.0 => Land::Parcel { mu },
        _ if floor_m2 > 0.0 && park_building_m2 > 0.0 && park_land_mu > 0.0 => Land::Apportioned {
            mu: park_land_mu * floor_m2 / park_building_m2,
            floor_m2,
            park_building_m2,
            park_land_mu,
        },
        _ => Land::Unknown,
    }
}

/// One enterprise as the run reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Subject {
    pub enterprise_id: i64,
    pub group: Group,
    /// GB/T 4754 division (门类 letter + 大类 digits, e.g. C34); empty when unknown.
    pub division: String,
    /// Active in its park (not evicted or exited).
    pub active: bool,
    /// Months of the period with a report.
    pub months: u32,
    pub totals: Totals,
    pub land: Land,
    /// Tenants it lets its units to.
    pub sublets: u32,
}

/// One indicator of one enterprise, with every number of its points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scored {
    pub indicator: Indicator,
    pub value: f64,
    pub benchmark: f64,
    pub ratio: f64,
    pub weight: f64,
    /// weight × ratio before the cap.
    pub raw_points: f64,
    pub points: f64,
    pub capped: bool,
}

/// What one indicator alone would have to reach to move the enterprise up one class, with the
/// benchmarks as they are; None when the cap makes it impossible.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WhatIf {
    pub indicator: Indicator,
    pub current: f64,
    pub needed: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Outcome {
    pub enterprise_id: i64,
    pub group: Group,
    /// The ranking group: `above`, `below`, or with a division `below:C34`.
    pub ranking_group: String,
    pub scored: Vec<Scored>,
    pub deduction: f64,
    pub score: f64,
    pub rank: u32,
    /// Enterprises in the ranking group.
    pub of: u32,
    pub class: Class,
    /// The score the next class up starts at, when there is one.
    pub next_class_score: Option<f64>,
    pub what_if: Vec<WhatIf>,
    /// 亩均税收, 万元/亩 (reported whatever the indicators), and whether it is under the
    /// low-efficiency line.
    pub tax_per_mu: f64,
    pub low_efficiency: bool,
}

/// An enterprise the run could not judge, and why (a message key with its numbers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Excluded {
    pub enterprise_id: i64,
    pub reason: String,
    pub params: Vec<(String, String)>,
}

/// The benchmark used for one indicator of one size group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GroupBenchmark {
    pub group: Group,
    pub indicator: Indicator,
    pub value: f64,
    /// True when it is the county's value for the period.
    pub county: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluation {
    pub benchmarks: Vec<GroupBenchmark>,
    pub outcomes: Vec<Outcome>,
    pub excluded: Vec<Excluded>,
}

fn exclude(id: i64, reason: &str, params: &[(&str, String)]) -> Excluded {
    Excluded {
        enterprise_id: id,
        reason: reason.into(),
        params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    }
}

/// Why the method cannot judge this enterprise, if it cannot.
fn exclusion(m: &Method, s: &Subject) -> Option<Excluded> {
    let id = s.enterprise_id;
    let in_scope = match s.group {
        Group::Above => m.scope.above,
        Group::Below => m.scope.below,
    };
    if !in_scope {
        return Some(exclude(id, "evaluation.excluded.group", &[("group", s.group.code().into())]));
    }
    if !s.active {
        return Some(exclude(id, "evaluation.excluded.inactive", &[]));
    }
    if m.scope.full_year && s.months < 12 {
        return Some(exclude(id, "evaluation.excluded.months", &[("months", s.months.to_string())]));
    }
    if s.months == 0 || s.totals.revenue <= 0.0 {
        return Some(exclude(id, "evaluation.excluded.not_producing", &[]));
    }
    let Some(mu) = s.land.mu() else {
        return Some(exclude(id, "evaluation.excluded.no_land", &[]));
    };
    if !m.scope.tenants && matches!(s.land, Land::Apportioned { .. }) {
        return Some(exclude(id, "evaluation.excluded.tenant", &[]));
    }
    if s.group == Group::Below && mu < m.scope.min_land_mu {
        return Some(exclude(
            id,
            "evaluation.excluded.min_land",
            &[("land", fmt2(mu)), ("min", fmt2(m.scope.min_land_mu))],
        ));
    }
    for w in &m.group(s.group).indicators {
        let (_, den) = w.indicator.parts(&s.totals, mu);
        if den <= 0.0 {
            return Some(exclude(
                id,
                "evaluation.excluded.missing",
                &[("indicator", w.indicator.key().into()), ("figure", w.indicator.denominator().into())],
            ));
        }
    }
    None
}

/// Evaluate every subject by the method. `low_line` is the county's low-efficiency line (低效,
/// a county rule: tax per mu under 10,000 元 in the seed), in 万元/亩. Deterministic: the same
/// inputs give the same run.
pub fn evaluate(m: &Method, low_line: f64, subjects: &[Subject]) -> Evaluation {
    let mut out = Evaluation::default();
    let mut judged: Vec<&Subject> = Vec::with_capacity(subjects.len());
    for s in subjects {
        match exclusion(m, s) {
            Some(e) => out.excluded.push(e),
            None => judged.push(s),
        }
    }
    // Benchmarks per size group.
    let mut bench: BTreeMap<(Group, Indicator), f64> = BTreeMap::new();
    for g in Group::ALL {
        for w in &m.group(g).indicators {
            let value = match w.benchmark {
                Benchmark::Fixed(v) => v,
                Benchmark::County => {
                    let (mut num, mut den) = (0.0, 0.0);
                    for s in judged.iter().filter(|s| s.group == g) {
                        let (n, d) = w.indicator.parts(&s.totals, s.land.mu().unwrap_or(0.0));
                        num += n;
                        den += d;
                    }
                    if den > 0.0 { num / den } else { 0.0 }
                }
            };
            bench.insert((g, w.indicator), value);
            out.benchmarks.push(GroupBenchmark {
                group: g,
                indicator: w.indicator,
                value,
                county: w.benchmark == Benchmark::County,
            });
        }
    }
    // Points and scores.
    let mut scored: Vec<Outcome> = judged
        .iter()
        .map(|s| {
            let mu = s.land.mu().unwrap_or(0.0);
            let items: Vec<Scored> = m
                .group(s.group)
                .indicators
                .iter()
                .map(|w| {
                    let (num, den) = w.indicator.parts(&s.totals, mu);
                    let value = num / den;
                    let benchmark = bench[&(s.group, w.indicator)];
                    let ratio = if benchmark > 0.0 { value / benchmark } else { 0.0 };
                    let raw_points = w.weight * ratio;
                    let cap = m.cap * w.weight;
                    let points = raw_points.clamp(0.0, cap);
                    Scored {
                        indicator: w.indicator,
                        value,
                        benchmark,
                        ratio,
                        weight: w.weight,
                        raw_points,
                        points,
                        capped: raw_points > cap,
                    }
                })
                .collect();
            let deduction = m.sublet_deduction * s.sublets as f64;
            let score = round2(items.iter().map(|i| i.points).sum::<f64>() - deduction);
            let tax_per_mu = if mu > 0.0 { s.totals.tax / mu } else { 0.0 };
            let ranking_group = match m.ranking {
                Ranking::All => s.group.code().to_string(),
                Ranking::Division => format!("{}:{}", s.group.code(), s.division),
            };
            Outcome {
                enterprise_id: s.enterprise_id,
                group: s.group,
                ranking_group,
                scored: items,
                deduction,
                score,
                rank: 0,
                of: 0,
                class: Class::D,
                next_class_score: None,
                what_if: Vec::new(),
                tax_per_mu,
                low_efficiency: tax_per_mu < low_line,
            }
        })
        .collect();
    // Rank and class within each ranking group: best score first, ties by enterprise id.
    scored.sort_by(|a, b| {
        a.ranking_group
            .cmp(&b.ranking_group)
            .then(hundredths(b.score).cmp(&hundredths(a.score)))
            .then(a.enterprise_id.cmp(&b.enterprise_id))
    });
    let mut start = 0;
    while start < scored.len() {
        let key = scored[start].ranking_group.clone();
        let end = start + scored[start..].iter().take_while(|o| o.ranking_group == key).count();
        rank_group(m, &mut scored[start..end]);
        start = end;
    }
    out.outcomes = scored;
    out
}

/// The class of rank `rank` (1 = best) of `n` by rank shares: the first class whose cumulative
/// share c satisfies rank ≤ n × c. Exact: shares are taken in hundredths of a percent.
pub fn class_by_rank(shares: &[f64; 4], rank: u32, n: u32) -> Class {
    let mut cumulative = 0i64;
    for (i, s) in shares.iter().enumerate() {
        cumulative += hundredths(*s);
        // rank / n ≤ cumulative / 10,000
        if rank as i64 * 10_000 <= n as i64 * cumulative {
            return Class::ALL[i];
        }
    }
    Class::D
}

pub fn class_by_score(min_scores: &[f64; 3], score: f64) -> Class {
    for (i, min) in min_scores.iter().enumerate() {
        if hundredths(score) >= hundredths(*min) {
            return Class::ALL[i];
        }
    }
    Class::D
}

fn rank_group(m: &Method, group: &mut [Outcome]) {
    let n = group.len() as u32;
    let mut rank = 1;
    for i in 0..group.len() {
        if i > 0 && hundredths(group[i].score) != hundredths(group[i - 1].score) {
            rank = i as u32 + 1;
        }
        group[i].rank = rank;
        group[i].of = n;
    }
    let cutoffs = &m.group(group.first().map(|o| o.group).unwrap_or(Group::Below)).cutoffs;
    for o in group.iter_mut() {
        o.class = match cutoffs.by {
            CutBy::Rank => class_by_rank(&cutoffs.shares, o.rank, n),
            CutBy::Score => class_by_score(&cutoffs.min_scores, o.score),
        };
    }
    // The score each class starts at: by score, its cut-off; by rank, the lowest score in it.
    let starts: Vec<Option<f64>> = Class::ALL
        .iter()
        .map(|c| match cutoffs.by {
            CutBy::Score => cutoffs.min_scores.get(c.index()).copied(),
            CutBy::Rank => group.iter().filter(|o| o.class == *c).map(|o| o.score).reduce(f64::min),
        })
        .collect();
    for o in group.iter_mut() {
        // The nearest better class that has a start (by rank an empty class has none).
        let mut target = None;
        let mut c = o.class.better();
        while let Some(better) = c {
            if let Some(s) = starts[better.index()] {
                target = Some(s);
                break;
            }
            c = better.better();
        }
        o.next_class_score = target;
        o.what_if = match target {
            Some(t) => what_if(m, o, t),
            None => Vec::new(),
        };
    }
}

/// For each indicator alone: the value that would lift the score to `target`.
fn what_if(m: &Method, o: &Outcome, target: f64) -> Vec<WhatIf> {
    let gap = target - o.score;
    o.scored
        .iter()
        .map(|s| {
            let points = s.points + gap.max(0.0);
            let reachable = points <= m.cap * s.weight + 1e-9 && s.benchmark > 0.0;
            let needed = reachable.then(|| {
                // Rounded up to hundredths so that reaching it is enough.
                (points / s.weight * s.benchmark * 100.0 - 1e-6).ceil() / 100.0
            });
            WhatIf { indicator: s.indicator, current: s.value, needed }
        })
        .collect()
}

/// The amounts that follow from a class for one enterprise (差别化要素价格), for the power,
/// water and tax offices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyAmounts {
    pub land_tax_relief_pct: f64,
    /// 元/kWh applied.
    pub electricity_rate: f64,
    /// 元.
    pub electricity_surcharge: f64,
    pub water_rate: f64,
    /// 元.
    pub water_surcharge: f64,
}

/// `years_in_class`: how many years running (this one included) the enterprise has had it.
pub fn policy_amounts(p: &ClassPolicy, years_in_class: u32, t: &Totals) -> PolicyAmounts {
    let electricity_rate = if years_in_class >= 3 { p.electricity_surcharge_3y } else { p.electricity_surcharge };
    PolicyAmounts {
        land_tax_relief_pct: p.land_tax_relief_pct,
        electricity_rate,
        electricity_surcharge: round2(t.electricity * electricity_rate),
        water_rate: p.water_surcharge,
        water_surcharge: round2(t.water * p.water_surcharge),
    }
}

/// How many enterprises moved from one class to another between two runs: (from, to) → count.
pub fn migration(before: &[(i64, Class)], after: &[(i64, Class)]) -> BTreeMap<(Class, Class), u32> {
    let old: std::collections::HashMap<i64, Class> = before.iter().copied().collect();
    let mut out = BTreeMap::new();
    for (id, to) in after {
        if let Some(from) = old.get(id) {
            *out.entry((*from, *to)).or_insert(0) += 1;
        }
    }
    out
}

/// A run asked for: twelve months starting at `first_month` (a calendar year from January).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RunForm {
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    #[schemars(extend("pattern" = "^[0-9]{4}-[0-9]{2}$"))]
    pub first_month: String,
}

impl RunForm {
    /// The period's first and last month; the last must have ended (`last_ended`).
    pub fn validate(&self, last_ended: Month) -> Result<(Month, Month), Invalid> {
        let first = Month::parse(self.first_month.trim())
            .filter(|m| m.year >= Month::FIRST_YEAR)
            .ok_or_else(|| Invalid::one(FieldError::new("first_month", "error.month_format")))?;
        let last = first.back(-11);
        if last > last_ended {
            return Err(Invalid::one(
                FieldError::new("first_month", "evaluation.period_not_ended").with("last", last.to_string()),
            ));
        }
        Ok((first, last))
    }
}

/// A township's objection to one enterprise's draft result.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ObjectionForm {
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub enterprise_id: String,
    pub reason: String,
}

impl ObjectionForm {
    pub fn validate(&self) -> Result<(i64, String), Invalid> {
        let mut c = crate::validation::Checker::new();
        let id = c.integer("enterprise_id", &self.enterprise_id, 1, i64::MAX);
        let reason = c.text("reason", &self.reason, 500);
        c.finish((id, reason))
    }
}

/// The county's answer to an objection: accepted (the figures will be corrected and the run
/// computed again) or rejected, with the reason.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AnswerForm {
    pub decision: String,
    pub answer: String,
}

impl AnswerForm {
    pub fn validate(&self) -> Result<(&'static str, String), Invalid> {
        let mut c = crate::validation::Checker::new();
        let decision = c.choice("decision", &self.decision, |d| ["accepted", "rejected"].into_iter().find(|x| *x == d));
        let answer = c.text("answer", &self.answer, 500);
        c.finish((decision.unwrap_or("rejected"), answer))
    }
}

/// Whether a draft run may be published: it is a draft, no objection is open, and no other run
/// of the same months is published.
pub fn publish_checks(status: &str, open_objections: i64, published_same_months: Option<i64>) -> Vec<Check> {
    vec![
        Check::new("evaluation.is_draft", status == "draft").with("status", status),
        Check::new("evaluation.no_open_objections", open_objections == 0).with("count", open_objections),
        Check::new("evaluation.one_published", published_same_months.is_none())
            .with("run", published_same_months.map(|r| r.to_string()).unwrap_or_default()),
    ]
}

/// Whether a run still takes objections: only while it is a draft.
pub fn objection_checks(status: &str) -> Vec<Check> {
    vec![Check::new("evaluation.is_draft", status == "draft").with("status", status)]
}

#[cfg(test)]
mod tests;
