//! Policies and incentives (政策兑现): a policy's structured eligibility on the data the platform
//! holds, its assessment against one enterprise (qualifies, nearly qualifies and what is
//! missing, each rule with its numbers), the amounts of the formulas the seed quotes, and the
//! application's review steps (township, then county). Pure: the store loads the facts, the
//! use cases in `server/src/policies` decide with these functions.
//!
//! Figures are those of the enterprise's monthly reports for one calendar year (the basis year,
//! the last year that has ended): sums for money (万元), the average of the reported months for
//! employees (人). Amounts are in 元.

use crate::enterprises::{EnterpriseSize, Tag};
use crate::evaluation::Class;
use crate::rules::Check;
use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

code_enum! {
    /// An annual figure from the monthly reports a criterion may test.
    Figure {
        Revenue = "revenue",
        Tax = "tax",
        TaxLocal = "tax_local",
        Profit = "profit",
        Rnd = "rnd",
        Employees = "employees",
    }
}

impl Figure {
    /// The unit the figure is expressed in.
    pub fn unit(self) -> &'static str {
        match self {
            Figure::Employees => "人",
            _ => "万元",
        }
    }

    pub fn of(self, y: &YearFigures) -> Fixed2 {
        match self {
            Figure::Revenue => y.revenue,
            Figure::Tax => y.tax,
            Figure::TaxLocal => y.tax_local,
            Figure::Profit => y.profit,
            Figure::Rnd => y.rnd,
            Figure::Employees => y.employees,
        }
    }
}

/// 规上 for industry: main-business revenue of at least 20 million yuan a year (2,000 万元).
pub const ABOVE_SIZE_REVENUE_WAN: Fixed2 = Fixed2::from_units(2_000);

/// 小升规 (an enterprise that moved above the designated size): registered 规上, its revenue in the
/// year (to date) at or over the 2,000 万元 line, and under it, or not reported, the year before.
/// The policies' 小升规 criterion and the townships' 小升规 target both count by this rule.
pub fn scaled_up(size: EnterpriseSize, revenue: Fixed2, prior_revenue: Option<Fixed2>) -> bool {
    size == EnterpriseSize::Above
        && revenue >= ABOVE_SIZE_REVENUE_WAN
        && prior_revenue.is_none_or(|p| p < ABOVE_SIZE_REVENUE_WAN)
}

/// One condition of eligibility, on data the platform holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Criterion {
    /// 规上 or 规下 as registered.
    Size { size: EnterpriseSize },
    /// GB/T 4754 codes: a section letter ("C") or a code at any level ("C34", "C3411"); the
    /// enterprise's class must fall under one of them.
    Industry { codes: Vec<String> },
    /// A mark of the cultivation library (科技型, 外向型 ...).
    Tag { tag: Tag },
    /// Whole years since the enterprise entered its park, at the assessment date.
    YearsInPark {
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
    /// The class of the latest published per-mu evaluation.
    Class { classes: Vec<Class> },
    /// An annual figure of the basis year within bounds.
    Figure {
        figure: Figure,
        #[serde(default)]
        min: Option<Fixed2>,
        #[serde(default)]
        max: Option<Fixed2>,
    },
    /// In one of these parks.
    Park { ids: Vec<i64> },
    /// 小升规: registered 规上, the basis year's revenue at least 2,000 万元 and the year before
    /// under it (or not reported).
    ScaleUp,
}

/// How a policy's amount is computed, where the policy has a formula.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Formula {
    /// The benefit is stated in words only.
    #[default]
    None,
    /// 小型微利企业所得税优惠 (002 六, 2019–2021): taxable income up to 1 million yuan counted at
    /// 25 %, 1 to 3 million at 50 %, taxed at 20 %; the amount is the tax saved against the
    /// standard 25 %. Taxable income is taken as the year's reported profit.
    SmallProfitRelief,
    /// 研发费用加计扣除: a further `percent` of expensed R&D deducted (75 % in the seed); the
    /// amount is the extra deduction.
    RndSuperDeduction { percent: i64 },
    /// 新入园企业租金补贴: `percent` of the monthly rent of the units the enterprise leases, for
    /// `months` months.
    RentSubsidy { percent: i64, months: i64 },
    /// 小升规奖励: a fixed amount (元).
    ScaleUpReward { amount: Fixed2 },
    /// 新注册入园企业地方财政贡献奖励 (002 六): `percent` of the local share of taxes of the year.
    LocalContribution { percent: i64 },
}

/// A policy as the county enters it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PolicyForm {
    pub title: String,
    /// The source document: its title and number.
    pub source: String,
    /// The benefit in words.
    pub benefit: String,
    /// YYYY-MM-DD, inclusive.
    #[schemars(extend("format" = "date"))]
    pub valid_from: String,
    pub valid_to: String,
    pub criteria: Vec<Criterion>,
    pub formula: Formula,
}

/// A checked policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyDraft {
    pub title: String,
    pub source: String,
    pub benefit: String,
    #[schemars(extend("format" = "date"))]
    pub valid_from: String,
    pub valid_to: String,
    pub criteria: Vec<Criterion>,
    pub formula: Formula,
}

/// A strict civil date (YYYY-MM-DD): 2026-02-31 is refused, not read as 3 March.
pub fn parse_date(text: &str) -> Option<time::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

const MAX_CRITERIA: usize = 20;
const MAX_AMOUNT: Fixed2 = Fixed2::from_units(100_000_000);
const MAX_FIGURE: Fixed2 = Fixed2::from_units(100_000_000);

impl PolicyForm {
    /// Every field checked at once; criteria are named `criteria.N.field`.
    pub fn validate(&self) -> Result<PolicyDraft, Invalid> {
        let mut c = Checker::new();
        let title = c.text("title", &self.title, 200);
        let source = c.text("source", &self.source, 300);
        let benefit = c.text("benefit", &self.benefit, 2000);
        let mut date = |field: &str, text: &str| match parse_date(text) {
            Some(d) => Some(d),
            None => {
                let code = if text.trim().is_empty() { "error.required" } else { "error.date_format" };
                c.push(FieldError::new(field, code));
                None
            }
        };
        let from = date("valid_from", &self.valid_from);
        let to = date("valid_to", &self.valid_to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            c.push(FieldError::new("valid_to", "error.policy_period").with("from", date_text(f)));
        }
        if self.criteria.len() > MAX_CRITERIA {
            c.push(FieldError::new("criteria", "error.too_many").with("max", MAX_CRITERIA));
        }
        let mut criteria = Vec::new();
        for (i, k) in self.criteria.iter().enumerate() {
            if let Some(k) = check_criterion(&mut c, &format!("criteria.{i}"), k) {
                criteria.push(k);
            }
        }
        check_formula(&mut c, &self.formula);
        c.finish(PolicyDraft {
            title,
            source,
            benefit,
            valid_from: from.map(date_text).unwrap_or_default(),
            valid_to: to.map(date_text).unwrap_or_default(),
            criteria,
            formula: self.formula.clone(),
        })
    }
}

/// Normalise an industry code for prefix matching: "c34" → "C34", "3411" → "C3411".
pub fn industry_prefix(code: &str) -> Option<String> {
    let found = crate::industry::find(code)?;
    let digits = code.trim().trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
    Some(format!("{}{}", found.section, digits))
}

fn check_criterion(c: &mut Checker, at: &str, k: &Criterion) -> Option<Criterion> {
    let field = |name: &str| format!("{at}.{name}");
    match k {
        Criterion::Industry { codes } => {
            if codes.is_empty() {
                c.push(FieldError::new(&field("codes"), "error.required"));
                return None;
            }
            let mut out = Vec::new();
            for code in codes {
                match industry_prefix(code) {
                    Some(p) if !out.contains(&p) => out.push(p),
                    Some(_) => {}
                    None => {
                        c.push(FieldError::new(&field("codes"), "error.unknown_industry").with("value", code.trim()))
                    }
                }
            }
            Some(Criterion::Industry { codes: out })
        }
        Criterion::YearsInPark { min, max } => {
            bounds(c, at, min.map(Fixed2::from_units), max.map(Fixed2::from_units), Fixed2::from_units(100));
            Some(k.clone())
        }
        Criterion::Class { classes } => {
            if classes.is_empty() {
                c.push(FieldError::new(&field("classes"), "error.required"));
            }
            Some(k.clone())
        }
        Criterion::Figure { min, max, .. } => {
            bounds(c, at, *min, *max, MAX_FIGURE);
            Some(k.clone())
        }
        Criterion::Park { ids } => {
            if ids.is_empty() || ids.iter().any(|id| *id <= 0) {
                c.push(FieldError::new(&field("ids"), "error.required"));
            }
            Some(k.clone())
        }
        Criterion::Size { .. } | Criterion::Tag { .. } | Criterion::ScaleUp => Some(k.clone()),
    }
}

/// At least one bound, each within [0, limit], min ≤ max.
fn bounds(c: &mut Checker, at: &str, min: Option<Fixed2>, max: Option<Fixed2>, limit: Fixed2) {
    if min.is_none() && max.is_none() {
        c.push(FieldError::new(&format!("{at}.min"), "error.required"));
    }
    for (name, v) in [("min", min), ("max", max)] {
        if let Some(v) = v {
            c.decimal_range(&format!("{at}.{name}"), v, Fixed2::ZERO, limit);
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && hi < lo
    {
        c.push(FieldError::new(&format!("{at}.max"), "error.max_below_min").with("min", lo.plain()));
    }
}

fn check_formula(c: &mut Checker, f: &Formula) {
    match f {
        Formula::RndSuperDeduction { percent } => {
            c.integer_range("formula.percent", *percent, 1, 200);
        }
        Formula::RentSubsidy { percent, months } => {
            c.integer_range("formula.percent", *percent, 1, 100);
            c.integer_range("formula.months", *months, 1, 60);
        }
        Formula::ScaleUpReward { amount } => {
            c.decimal_range("formula.amount", *amount, Fixed2(1), MAX_AMOUNT);
        }
        Formula::LocalContribution { percent } => {
            c.integer_range("formula.percent", *percent, 1, 100);
        }
        Formula::None | Formula::SmallProfitRelief => {}
    }
}

/// One calendar year of an enterprise's reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct YearFigures {
    pub year: i32,
    /// Months reported.
    pub months: i64,
    pub revenue: Fixed2,
    pub tax: Fixed2,
    pub tax_local: Fixed2,
    pub profit: Fixed2,
    pub rnd: Fixed2,
    /// The average over the months reported.
    pub employees: Fixed2,
}

/// What the platform holds of one enterprise, for matching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Facts {
    pub enterprise_id: i64,
    pub park_id: i64,
    pub size: EnterpriseSize,
    pub industry_code: String,
    pub tags: Vec<Tag>,
    /// YYYY-MM-DD
    pub entry_date: Option<String>,
    pub class: Option<Class>,
    /// The basis year's figures, if it reported in that year.
    pub year: Option<YearFigures>,
    /// The year before's revenue (万元), if it reported then.
    pub prior_revenue: Option<Fixed2>,
    /// The monthly rent of the units it leases (元).
    pub monthly_rent: Fixed2,
}

code_enum! {
    /// Where an enterprise stands with a policy.
    Standing {
        Qualifies = "qualifies",
        Nearly = "nearly",
        No = "no",
    }
}

/// A policy assessed for one enterprise: every criterion as a check with its numbers, and the
/// amount when it qualifies and the policy has a formula.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assessment {
    pub standing: Standing,
    pub checks: Vec<Check>,
    pub amount: Option<Amount>,
}

/// A computed amount (元) with the inputs it used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Amount {
    pub value: Fixed2,
    /// `formula.*` message key.
    pub formula: String,
    pub numbers: Vec<(String, String)>,
}

/// Whole years from `from` to `to` (birthday rule: 2024-03-10 → 2026-03-09 is 1).
pub fn whole_years(from: time::Date, to: time::Date) -> i64 {
    let mut y = (to.year() - from.year()) as i64;
    if (u8::from(to.month()), to.day()) < (u8::from(from.month()), from.day()) {
        y -= 1;
    }
    y
}

/// A figure within 20 % of a bound it misses counts as nearly met.
const NEAR_PCT: i64 = 20;

/// Assess one enterprise against a policy's criteria on `today` (YYYY-MM-DD).
pub fn assess(criteria: &[Criterion], formula: &Formula, f: &Facts, today: &str) -> Assessment {
    let today = parse_date(today);
    let mut checks = Vec::new();
    let mut near = Vec::new();
    for k in criteria {
        let (check, close) = criterion_check(k, f, today);
        near.push(!check.passed && close);
        checks.push(check);
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    let standing = match failed {
        0 => Standing::Qualifies,
        1 if near.iter().any(|n| *n) => Standing::Nearly,
        _ => Standing::No,
    };
    let amount = (standing == Standing::Qualifies).then(|| amount(formula, f)).flatten();
    Assessment { standing, checks, amount }
}

fn within_near(value: Fixed2, bound: Fixed2, above: bool) -> bool {
    // above: value must reach bound; near when value ≥ bound × 80 %.
    // below: value must not exceed bound; near when value ≤ bound × 120 %.
    let v = value.0 as i128 * 100;
    let b = bound.0 as i128;
    if above { v >= b * (100 - NEAR_PCT) as i128 } else { v <= b * (100 + NEAR_PCT) as i128 }
}

/// Whole years in the park on `today`, if the entry date is known.
fn years_in_park(f: &Facts, today: Option<time::Date>) -> Option<i64> {
    match (f.entry_date.as_deref().and_then(parse_date), today) {
        (Some(e), Some(t)) => Some(whole_years(e, t)),
        _ => None,
    }
}

/// Whether a criterion is met, and whether a miss is close: the one place each criterion is
/// decided (`criterion_check` adds the numbers for the explanation).
fn judge(k: &Criterion, f: &Facts, today: Option<time::Date>) -> (bool, bool) {
    match k {
        Criterion::Size { size } => (f.size == *size, false),
        Criterion::Industry { codes } => {
            let code = f.industry_code.to_ascii_uppercase();
            (codes.iter().any(|p| code.starts_with(p.as_str())), false)
        }
        Criterion::Tag { tag } => (f.tags.contains(tag), false),
        Criterion::YearsInPark { min, max } => match years_in_park(f, today) {
            None => (false, false),
            Some(y) => (
                min.is_none_or(|m| y >= m) && max.is_none_or(|m| y <= m),
                min.is_none_or(|m| y >= m - 1) && max.is_none_or(|m| y <= m + 1),
            ),
        },
        Criterion::Class { classes } => (f.class.is_some_and(|c| classes.contains(&c)), false),
        Criterion::Figure { figure, min, max } => match &f.year {
            None => (false, false),
            Some(y) => {
                let v = figure.of(y);
                (
                    min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m),
                    min.is_none_or(|m| within_near(v, m, true)) && max.is_none_or(|m| within_near(v, m, false)),
                )
            }
        },
        Criterion::Park { ids } => (ids.contains(&f.park_id), false),
        Criterion::ScaleUp => {
            let revenue = f.year.as_ref().map(|y| y.revenue).unwrap_or(Fixed2::ZERO);
            let prior_below = f.prior_revenue.is_none_or(|p| p < ABOVE_SIZE_REVENUE_WAN);
            (
                scaled_up(f.size, revenue, f.prior_revenue),
                prior_below && within_near(revenue, ABOVE_SIZE_REVENUE_WAN, true),
            )
        }
    }
}

/// Where an enterprise stands with a policy, without the explanation: what matching every
/// enterprise against every policy needs (`assess` gives the same standing with its checks).
pub fn standing(criteria: &[Criterion], f: &Facts, today: Option<time::Date>) -> Standing {
    let (mut failed, mut close) = (0, false);
    for k in criteria {
        let (ok, near) = judge(k, f, today);
        if !ok {
            failed += 1;
            close |= near;
            if failed > 1 {
                return Standing::No;
            }
        }
    }
    match failed {
        0 => Standing::Qualifies,
        _ if close => Standing::Nearly,
        _ => Standing::No,
    }
}

fn criterion_check(k: &Criterion, f: &Facts, today: Option<time::Date>) -> (Check, bool) {
    let (ok, close) = judge(k, f, today);
    let dash = || "—".to_string();
    let c = match k {
        Criterion::Size { size } => Check::new("policy.size", ok)
            .with("size", format!("@size.{}", f.size.code()))
            .with("required", format!("@size.{}", size.code())),
        Criterion::Industry { codes } => {
            Check::new("policy.industry", ok).with("code", &f.industry_code).with("codes", codes.join("、"))
        }
        Criterion::Tag { tag } => Check::new("policy.tag", ok).with("tag", format!("@tag.{}", tag.code())),
        Criterion::YearsInPark { min, max } => match years_in_park(f, today) {
            None => Check::new("policy.no_entry_date", false),
            Some(y) => Check::new("policy.years_in_park", ok)
                .with("years", y)
                .with("min", min.map(|v| v.to_string()).unwrap_or_else(dash))
                .with("max", max.map(|v| v.to_string()).unwrap_or_else(dash)),
        },
        Criterion::Class { classes } => {
            let names: Vec<&str> = classes.iter().map(|c| c.code()).collect();
            let got = f.class.map(|c| c.code()).unwrap_or("—");
            Check::new("policy.class", ok).with("class", got).with("classes", names.join("、"))
        }
        Criterion::Figure { figure, min, max } => match &f.year {
            None => Check::new("policy.no_reports", false).with("figure", format!("@report_field.{}", figure.code())),
            Some(y) => Check::new("policy.figure", ok)
                .with("figure", format!("@report_field.{}", figure.code()))
                .with("year", y.year)
                .with("value", figure.of(y).plain())
                .with("min", min.map(Fixed2::plain).unwrap_or_else(dash))
                .with("max", max.map(Fixed2::plain).unwrap_or_else(dash))
                .with("unit", figure.unit()),
        },
        Criterion::Park { .. } => Check::new("policy.park", ok),
        Criterion::ScaleUp => {
            let revenue = f.year.as_ref().map(|y| y.revenue).unwrap_or(Fixed2::ZERO);
            Check::new("policy.scale_up", ok)
                .with("size", format!("@size.{}", f.size.code()))
                .with("revenue", revenue.plain())
                .with("prior", f.prior_revenue.map(Fixed2::plain).unwrap_or_else(dash))
                .with("threshold", ABOVE_SIZE_REVENUE_WAN.plain())
        }
    };
    (c, close)
}

/// 万元 (hundredths) → 元 (hundredths).
fn wan_to_yuan(v: Fixed2) -> i128 {
    v.0 as i128 * 10_000
}

/// `v × num / den`, rounded half away from zero, as a Fixed2.
fn scaled(v: i128, num: i128, den: i128) -> Fixed2 {
    let x = v * num;
    let r = if x >= 0 { (x + den / 2) / den } else { (x - den / 2) / den };
    Fixed2(r.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// The small low-profit enterprise relief on a taxable income (元): the tax at 25 % less the
/// tax with the first 1 million counted at 25 % and the next 2 million at 50 %, both at 20 %.
/// Returns (standard tax, reduced tax, relief).
pub fn small_profit_relief(income_yuan: Fixed2) -> (Fixed2, Fixed2, Fixed2) {
    let income = income_yuan.0.max(0) as i128;
    let first = income.min(100 * 1_000_000);
    let second = (income - first).clamp(0, 100 * 2_000_000);
    let standard = scaled(first + second, 25, 100);
    // 25 % × 20 % = 5 %; 50 % × 20 % = 10 %.
    let reduced = Fixed2(scaled(first, 5, 100).0 + scaled(second, 10, 100).0);
    (standard, reduced, Fixed2(standard.0 - reduced.0))
}

/// The policy's amount for this enterprise (元), where it has a formula.
pub fn amount(formula: &Formula, f: &Facts) -> Option<Amount> {
    let year = f.year.as_ref();
    let a = |value: Fixed2, key: &str, numbers: Vec<(&str, String)>| Amount {
        value,
        formula: format!("formula.{key}"),
        numbers: numbers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    };
    match formula {
        Formula::None => None,
        Formula::SmallProfitRelief => {
            let y = year?;
            let income = Fixed2(wan_to_yuan(y.profit).clamp(0, i64::MAX as i128) as i64);
            let (standard, reduced, relief) = small_profit_relief(income);
            Some(a(
                relief,
                "small_profit_relief",
                vec![
                    ("year", y.year.to_string()),
                    ("income", income.plain()),
                    ("standard", standard.plain()),
                    ("reduced", reduced.plain()),
                ],
            ))
        }
        Formula::RndSuperDeduction { percent } => {
            let y = year?;
            let value = scaled(wan_to_yuan(y.rnd), *percent as i128, 100);
            Some(a(
                value,
                "rnd_super_deduction",
                vec![
                    ("year", y.year.to_string()),
                    ("rnd", Fixed2(wan_to_yuan(y.rnd) as i64).plain()),
                    ("percent", percent.to_string()),
                ],
            ))
        }
        Formula::RentSubsidy { percent, months } => {
            let value = scaled(f.monthly_rent.0 as i128 * *months as i128, *percent as i128, 100);
            Some(a(
                value,
                "rent_subsidy",
                vec![
                    ("rent", f.monthly_rent.plain()),
                    ("percent", percent.to_string()),
                    ("months", months.to_string()),
                ],
            ))
        }
        Formula::ScaleUpReward { amount } => Some(a(*amount, "scale_up_reward", vec![])),
        Formula::LocalContribution { percent } => {
            let y = year?;
            let value = scaled(wan_to_yuan(y.tax_local), *percent as i128, 100);
            Some(a(
                value,
                "local_contribution",
                vec![
                    ("year", y.year.to_string()),
                    ("tax_local", Fixed2(wan_to_yuan(y.tax_local) as i64).plain()),
                    ("percent", percent.to_string()),
                ],
            ))
        }
    }
}

/// The basis year on a date: the last calendar year that has ended.
pub fn basis_year(today: &str) -> i32 {
    parse_date(today).map(|d| d.year() - 1).unwrap_or(2000)
}

/// Whether a policy is in force on a date (both ends inclusive).
pub fn in_force(valid_from: &str, valid_to: &str, today: &str) -> bool {
    valid_from <= today && today <= valid_to
}

// ---- applications -------------------------------------------------------------------------

/// Application states: awaiting the township, awaiting the county, and the three ends.
pub const AT_TOWNSHIP: &str = "township";
pub const AT_COUNTY: &str = "county";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const RETURNED: &str = "returned";

/// States in which an application is still alive (a second one for the same policy is refused).
pub const OPEN: [&str; 3] = [AT_TOWNSHIP, AT_COUNTY, APPROVED];

code_enum! {
    /// A reviewer's decision.
    Decision {
        Approve = "approve",
        Reject = "reject",
        Return = "return",
    }
}

/// A review as entered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ReviewForm {
    /// The stage the reviewer saw (`township` or `county`); a stage that moved on is stale.
    pub stage: String,
    pub decision: String,
    pub comment: String,
}

/// A checked review.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub stage: &'static str,
    pub decision: Decision,
    pub comment: String,
}

impl ReviewForm {
    pub fn validate(&self) -> Result<Review, Invalid> {
        let mut c = Checker::new();
        let stage = c.choice("stage", &self.stage, |s| [AT_TOWNSHIP, AT_COUNTY].into_iter().find(|x| *x == s));
        let decision = c.choice("decision", &self.decision, Decision::parse);
        let comment = c.optional_text("comment", &self.comment, 1000);
        if matches!(decision, Some(Decision::Reject | Decision::Return)) && comment.is_empty() {
            c.push(FieldError::new("comment", "error.reason_required"));
        }
        let (Some(stage), Some(decision)) = (stage, decision) else {
            return Err(c.finish(()).err().unwrap_or_default());
        };
        c.finish(Review { stage, decision, comment })
    }
}

/// The state after a review at `stage`.
pub fn next_status(stage: &str, decision: Decision) -> &'static str {
    match (stage, decision) {
        (AT_TOWNSHIP, Decision::Approve) => AT_COUNTY,
        (_, Decision::Approve) => APPROVED,
        (_, Decision::Reject) => REJECTED,
        (_, Decision::Return) => RETURNED,
    }
}

/// What an application must pass to be filed (or filed again after being sent back): the
/// policy published and in force, no other live application of the enterprise for it, and
/// every criterion met.
pub fn apply_checks(
    policy_status: &str,
    in_force_today: bool,
    open_application: Option<i64>,
    assessment: &Assessment,
) -> Vec<Check> {
    let mut checks = vec![
        Check::new("policy.published", policy_status == "published").with("status", policy_status),
        Check::new("policy.in_force", in_force_today),
        Check::new("policy.one_application", open_application.is_none())
            .with("application", open_application.map(|a| a.to_string()).unwrap_or_default()),
    ];
    checks.extend(assessment.checks.iter().cloned());
    checks
}

/// An enterprise's statement with its application.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ApplyForm {
    pub statement: String,
}

impl ApplyForm {
    pub fn validate(&self) -> Result<String, Invalid> {
        let mut c = Checker::new();
        let s = c.optional_text("statement", &self.statement, 2000);
        c.finish(s)
    }
}
