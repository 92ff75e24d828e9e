//! The county's rule settings. Every threshold of the Pingyang plan (section 四) is a setting
//! whose default is the seed's value; a set of settings has a version, so that a decision can
//! say which rules it used.

use crate::units::Fixed2;
use serde::{Deserialize, Serialize};

/// Money per area in 元/m² (hundredths: 2600.00 元/m² is Fixed2(260_000)).
pub type YuanPerM2 = Fixed2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
        }
    }
}

/// The outcome of one rule: passed or not, with the rule's key and the numbers behind it, so
/// that every decision can show its explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub rule: &'static str,
    pub passed: bool,
    /// (name, value) pairs for the message: the inputs and the limit.
    pub numbers: Vec<(&'static str, String)>,
}

impl Check {
    pub fn new(rule: &'static str, passed: bool) -> Self {
        Check { rule, passed, numbers: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.numbers.push((name, value.to_string()));
        self
    }
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
}
