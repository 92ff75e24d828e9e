//! The county's rule settings. Every threshold of the Pingyang plan (section 四) is a setting
//! whose default is the seed's value; a set of settings has a version, so that a decision can
//! say which rules it used.

use crate::reports::ReportRules;
use crate::units::Fixed2;
use crate::validation::{Checker, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

/// Money per area in 元/m² (hundredths: 2600.00 元/m² is Fixed2(260_000)).
pub type YuanPerM2 = Fixed2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rules {
    /// Incremented whenever the county changes a setting.
    pub version: i64,
    /// Average sale price caps: production 2600, non-production 2900 元/m².
    pub avg_price_cap_production: YuanPerM2,
    pub avg_price_cap_non_production: YuanPerM2,
    /// No single sale above the average by more than 30%.
    pub single_sale_over_average_pct: i64,
    /// Minimum unit and minimum sale area, 500 m².
    pub min_unit_area_m2: Fixed2,
    /// Lease rent cap, 25 元/m² per month.
    pub max_rent_per_m2_month: YuanPerM2,
    /// No transfer within 5 years of purchase without approval.
    pub transfer_lock_years: i64,
    /// Leading and related industries ≥ 70% of the park.
    pub leading_industry_share_pct: i64,
    /// Whether the share counts enterprises or occupied area.
    pub leading_share_by_area: bool,
    /// Exit test, run this many years after entry: 3.
    pub exit_test_after_years: i64,
    /// Exit test thresholds: sales output ≥ 2000 元/m², tax ≥ 150 元/m², revenue growth ≥ 10%/year,
    /// investment ≥ 2.5 M 元/亩.
    pub exit_min_sales_per_m2: YuanPerM2,
    pub exit_min_tax_per_m2: YuanPerM2,
    pub exit_min_growth_pct: i64,
    pub exit_min_investment_per_mu: Fixed2,
    /// Low-efficiency line: tax per 亩 below 10,000 元.
    pub low_efficiency_tax_per_mu: Fixed2,
    /// Monthly reports: required fields, the jump factor, the due day.
    #[serde(default)]
    pub reports: ReportRules,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            version: 1,
            avg_price_cap_production: Fixed2::from_units(2600),
            avg_price_cap_non_production: Fixed2::from_units(2900),
            single_sale_over_average_pct: 30,
            min_unit_area_m2: Fixed2::from_units(500),
            max_rent_per_m2_month: Fixed2::from_units(25),
            transfer_lock_years: 5,
            leading_industry_share_pct: 70,
            leading_share_by_area: false,
            exit_test_after_years: 3,
            exit_min_sales_per_m2: Fixed2::from_units(2000),
            exit_min_tax_per_m2: Fixed2::from_units(150),
            exit_min_growth_pct: 10,
            exit_min_investment_per_mu: Fixed2::from_units(2_500_000),
            low_efficiency_tax_per_mu: Fixed2::from_units(10_000),
            reports: ReportRules::default(),
        }
    }
}

/// The settings form: every threshold as text, as a person types it, plus why it changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RulesForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub avg_price_cap_production: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub avg_price_cap_non_production: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub single_sale_over_average_pct: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub min_unit_area_m2: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub max_rent_per_m2_month: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub transfer_lock_years: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub leading_industry_share_pct: String,
    /// "count" or "area".
    pub leading_share_by: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub exit_test_after_years: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub exit_min_sales_per_m2: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub exit_min_tax_per_m2: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub exit_min_growth_pct: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub exit_min_investment_per_mu: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub low_efficiency_tax_per_mu: String,
    /// Report field keys, separated by commas.
    pub report_required: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub report_jump_factor: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub report_due_day: String,
    pub reason: String,
}

impl Rules {
    pub fn to_form(&self) -> RulesForm {
        RulesForm {
            avg_price_cap_production: self.avg_price_cap_production.plain(),
            avg_price_cap_non_production: self.avg_price_cap_non_production.plain(),
            single_sale_over_average_pct: self.single_sale_over_average_pct.to_string(),
            min_unit_area_m2: self.min_unit_area_m2.plain(),
            max_rent_per_m2_month: self.max_rent_per_m2_month.plain(),
            transfer_lock_years: self.transfer_lock_years.to_string(),
            leading_industry_share_pct: self.leading_industry_share_pct.to_string(),
            leading_share_by: if self.leading_share_by_area { "area" } else { "count" }.into(),
            exit_test_after_years: self.exit_test_after_years.to_string(),
            exit_min_sales_per_m2: self.exit_min_sales_per_m2.plain(),
            exit_min_tax_per_m2: self.exit_min_tax_per_m2.plain(),
            exit_min_growth_pct: self.exit_min_growth_pct.to_string(),
            exit_min_investment_per_mu: self.exit_min_investment_per_mu.plain(),
            low_efficiency_tax_per_mu: self.low_efficiency_tax_per_mu.plain(),
            report_required: self.reports.required.join(","),
            report_jump_factor: self.reports.jump_factor.plain(),
            report_due_day: self.reports.due_day.to_string(),
            reason: String::new(),
        }
    }
}

impl RulesForm {
    /// The rules this form sets, as the version after `current`; a reason is required.
    pub fn validate(&self, current: i64) -> Result<Rules, Invalid> {
        let mut c = Checker::new();
        let money = Fixed2::from_units(1_000_000);
        let r = Rules {
            version: current + 1,
            avg_price_cap_production: c.decimal(
                "avg_price_cap_production",
                &self.avg_price_cap_production,
                Fixed2(1),
                money,
            ),
            avg_price_cap_non_production: c.decimal(
                "avg_price_cap_non_production",
                &self.avg_price_cap_non_production,
                Fixed2(1),
                money,
            ),
            single_sale_over_average_pct: c.integer(
                "single_sale_over_average_pct",
                &self.single_sale_over_average_pct,
                0,
                1000,
            ),
            min_unit_area_m2: c.decimal("min_unit_area_m2", &self.min_unit_area_m2, Fixed2(1), money),
            max_rent_per_m2_month: c.decimal("max_rent_per_m2_month", &self.max_rent_per_m2_month, Fixed2(1), money),
            transfer_lock_years: c.integer("transfer_lock_years", &self.transfer_lock_years, 0, 70),
            leading_industry_share_pct: c.integer(
                "leading_industry_share_pct",
                &self.leading_industry_share_pct,
                0,
                100,
            ),
            leading_share_by_area: c
                .choice("leading_share_by", &self.leading_share_by, |v| match v {
                    "count" => Some(false),
                    "area" => Some(true),
                    _ => None,
                })
                .unwrap_or(false),
            exit_test_after_years: c.integer("exit_test_after_years", &self.exit_test_after_years, 1, 50),
            exit_min_sales_per_m2: c.decimal("exit_min_sales_per_m2", &self.exit_min_sales_per_m2, Fixed2::ZERO, money),
            exit_min_tax_per_m2: c.decimal("exit_min_tax_per_m2", &self.exit_min_tax_per_m2, Fixed2::ZERO, money),
            exit_min_growth_pct: c.integer("exit_min_growth_pct", &self.exit_min_growth_pct, -100, 1000),
            exit_min_investment_per_mu: c.decimal(
                "exit_min_investment_per_mu",
                &self.exit_min_investment_per_mu,
                Fixed2::ZERO,
                Fixed2::from_units(1_000_000_000),
            ),
            low_efficiency_tax_per_mu: c.decimal(
                "low_efficiency_tax_per_mu",
                &self.low_efficiency_tax_per_mu,
                Fixed2::ZERO,
                Fixed2::from_units(1_000_000_000),
            ),
            reports: ReportRules {
                required: Vec::new(),
                jump_factor: c.decimal(
                    "report_jump_factor",
                    &self.report_jump_factor,
                    Fixed2(101),
                    Fixed2::from_units(1000),
                ),
                due_day: c.integer("report_due_day", &self.report_due_day, 1, 28) as u32,
            },
        };
        let mut r = r;
        for key in self.report_required.split([',', '、', '，', ' ']).map(str::trim).filter(|k| !k.is_empty()) {
            match crate::reports::index(key) {
                Some(_) if !r.reports.required.iter().any(|k| k == key) => r.reports.required.push(key.to_string()),
                Some(_) => {}
                None => c.push(
                    crate::validation::FieldError::new("report_required", "error.unknown_choice").with("value", key),
                ),
            }
        }
        c.text("reason", &self.reason, 500);
        c.finish(r)
    }
}

/// The outcome of one rule: passed or not, with the rule's key and the numbers behind it, so
/// that every decision can show its explanation.
/// Stored with the decision it explains (as JSON), so it owns its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Check {
    pub rule: String,
    pub passed: bool,
    /// (name, value) pairs for the message: the inputs and the limit.
    pub numbers: Vec<(String, String)>,
}

impl Check {
    pub fn new(rule: &str, passed: bool) -> Self {
        Check { rule: rule.to_string(), passed, numbers: Vec::new() }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.numbers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Whether every check passed.
pub fn all_passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.passed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn defaults_are_the_seeds_numbers() {
        let r = super::Rules::default();
        assert_eq!(r.avg_price_cap_production.plain(), "2600");
        assert_eq!(r.avg_price_cap_non_production.plain(), "2900");
        assert_eq!((r.single_sale_over_average_pct, r.transfer_lock_years, r.leading_industry_share_pct), (30, 5, 70));
        assert_eq!((r.min_unit_area_m2.plain(), r.max_rent_per_m2_month.plain()), ("500".into(), "25".into()));
        assert_eq!(r.exit_min_investment_per_mu.plain(), "2500000");
    }

    #[test]
    fn the_settings_form_round_trips_and_needs_a_reason() {
        let r = super::Rules::default();
        let mut form = r.to_form();
        assert!(form.validate(1).is_err(), "no reason given");
        form.reason = "县小微园办 2026 年第 3 号文".into();
        form.leading_share_by = "area".into();
        let next = form.validate(1).unwrap();
        assert_eq!(next, super::Rules { version: 2, leading_share_by_area: true, ..r });
        form.max_rent_per_m2_month = "-1".into();
        let err = form.validate(2).unwrap_err();
        assert_eq!(err.0[0].field, "max_rent_per_m2_month");
    }
}
