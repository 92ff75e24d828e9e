//! Sales, leases and transfers of factory units under the county's rules (Pingyang plan 四(三)).
//! Each function returns the checks it made, passed or not, with their numbers.

use crate::parks::SpaceType;
use crate::rules::{Check, Rules};
use crate::time::days_from_civil;
use crate::units::Fixed2;

/// A sale already registered (or proposed) in a park: its space type, area and price per m².
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sale {
    pub space: SpaceType,
    pub area_m2: Fixed2,
    pub price_per_m2: Fixed2,
}

/// The area-weighted average price of sales of one space type, in 元/m² (hundredths).
pub fn average_price(sales: &[Sale], space: SpaceType) -> Option<Fixed2> {
    let of: Vec<&Sale> = sales.iter().filter(|s| s.space == space).collect();
    let area: i128 = of.iter().map(|s| s.area_m2.0 as i128).sum();
    if area == 0 {
        return None;
    }
    // Σ(area × price) / Σ area, both in hundredths; round half up.
    let value: i128 = of.iter().map(|s| s.area_m2.0 as i128 * s.price_per_m2.0 as i128).sum();
    Some(Fixed2(((value * 2 + area) / (2 * area)) as i64))
}

/// Check a proposed sale against the park's registered sales: minimum area, the average cap of
/// its space type (with the sale included) and the single-sale ceiling (average + 30%).
pub fn check_sale(rules: &Rules, registered: &[Sale], sale: Sale) -> Vec<Check> {
    let mut checks = vec![
        Check::new("sale.min_area", sale.area_m2 >= rules.min_unit_area_m2)
            .with("area_m2", sale.area_m2.plain())
            .with("min", rules.min_unit_area_m2.plain()),
    ];
    let cap = match sale.space {
        SpaceType::Production => rules.avg_price_cap_production,
        SpaceType::NonProduction => rules.avg_price_cap_non_production,
    };
    let mut all = registered.to_vec();
    all.push(sale);
    let avg = average_price(&all, sale.space).unwrap_or(sale.price_per_m2);
    checks.push(Check::new("sale.average_cap", avg <= cap).with("average", avg.plain()).with("cap", cap.plain()));
    // The ceiling is measured against the average of the type (including this sale), capped at the cap.
    let base = avg.min(cap);
    let ceiling = Fixed2(base.0 * (100 + rules.single_sale_over_average_pct) / 100);
    checks.push(
        Check::new("sale.single_ceiling", sale.price_per_m2 <= ceiling)
            .with("price", sale.price_per_m2.plain())
            .with("ceiling", ceiling.plain())
            .with("pct", rules.single_sale_over_average_pct),
    );
    checks
}

/// A lease by an owner: production space only, a rent cap, the owner meeting its admission
/// targets, a tenant of the same industry or chain (same GB/T 4754 division), township approval.
pub fn check_lease(
    rules: &Rules,
    space: SpaceType,
    rent_per_m2_month: Fixed2,
    owner_meets_targets: bool,
    owner_industry: &str,
    tenant_industry: &str,
    township_approved: bool,
) -> Vec<Check> {
    let division =
        |code: &str| code.trim_start_matches(|c: char| c.is_ascii_alphabetic()).chars().take(2).collect::<String>();
    vec![
        Check::new("lease.production_only", space == SpaceType::Production),
        Check::new("lease.rent_cap", rent_per_m2_month <= rules.max_rent_per_m2_month)
            .with("rent", rent_per_m2_month.plain())
            .with("cap", rules.max_rent_per_m2_month.plain()),
        Check::new("lease.owner_targets", owner_meets_targets),
        Check::new(
            "lease.same_industry",
            !owner_industry.is_empty() && division(owner_industry) == division(tenant_industry),
        )
        .with("owner", owner_industry)
        .with("tenant", tenant_industry),
        Check::new("lease.township_approval", township_approved),
    ]
}

/// Days from a purchase date to a transfer date (both YYYY-MM-DD).
pub fn days_between(from: (i64, u32, u32), to: (i64, u32, u32)) -> i64 {
    days_from_civil(to.0, to.1, to.2) - days_from_civil(from.0, from.1, from.2)
}

/// Days between two civil dates written YYYY-MM-DD.
pub fn days_between_dates(from: &str, to: &str) -> Option<i64> {
    let day = |s: &str| crate::time::parse_shanghai_date(s).map(|ms| (ms + 8 * 3_600_000).div_euclid(86_400_000));
    Some(day(to)? - day(from)?)
}

/// A transfer within the lock (5 years = 5 × 365 days = 1825 days; the first free day is day
/// 1826) needs approval. Production and non-production space bought together move together.
pub fn check_transfer(
    rules: &Rules,
    days_since_purchase: i64,
    approved: bool,
    moves_whole_purchase: bool,
) -> Vec<Check> {
    let lock = rules.transfer_lock_years * 365;
    vec![
        Check::new("transfer.lock", days_since_purchase > lock || approved)
            .with("days", days_since_purchase)
            .with("lock_days", lock),
        Check::new("transfer.together", moves_whole_purchase),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Fixed2 {
        Fixed2::parse(s).unwrap()
    }

    fn sale(space: SpaceType, area: &str, price: &str) -> Sale {
        Sale { space, area_m2: f(area), price_per_m2: f(price) }
    }

    fn passed(checks: &[Check], rule: &str) -> bool {
        checks.iter().find(|c| c.rule == rule).unwrap().passed
    }

    #[test]
    fn minimum_area_at_its_boundary() {
        let r = Rules::default();
        assert!(passed(&check_sale(&r, &[], sale(SpaceType::Production, "500", "2500")), "sale.min_area"));
        assert!(!passed(&check_sale(&r, &[], sale(SpaceType::Production, "499.99", "2500")), "sale.min_area"));
    }

    #[test]
    fn average_caps_by_space_type() {
        let r = Rules::default();
        let registered = [sale(SpaceType::Production, "1000", "2500")];
        // (1000 × 2500 + 1000 × 2700) / 2000 = 2600: on the cap.
        assert!(passed(&check_sale(&r, &registered, sale(SpaceType::Production, "1000", "2700")), "sale.average_cap"));
        assert!(!passed(
            &check_sale(&r, &registered, sale(SpaceType::Production, "1000", "2700.02")),
            "sale.average_cap"
        ));
        // Non-production has its own cap of 2900 and its own average.
        assert!(passed(
            &check_sale(&r, &registered, sale(SpaceType::NonProduction, "600", "2900")),
            "sale.average_cap"
        ));
        assert!(!passed(
            &check_sale(&r, &registered, sale(SpaceType::NonProduction, "600", "2900.01")),
            "sale.average_cap"
        ));
        assert_eq!(average_price(&registered, SpaceType::NonProduction), None);
    }

    #[test]
    fn no_single_sale_above_the_average_by_more_than_thirty_per_cent() {
        let r = Rules::default();
        // Average 2000 over 9,500 m²: a 500 m² sale at 2600 makes it 2030, ceiling 2639.
        let registered = [sale(SpaceType::Production, "9500", "2000")];
        let c = check_sale(&r, &registered, sale(SpaceType::Production, "500", "2600"));
        assert!(passed(&c, "sale.single_ceiling"));
        let high = check_sale(&r, &registered, sale(SpaceType::Production, "500", "2650"));
        assert!(!passed(&high, "sale.single_ceiling"));
        let ceiling = &high.iter().find(|c| c.rule == "sale.single_ceiling").unwrap().numbers;
        assert_eq!(
            ceiling[1],
            ("ceiling".to_string(), "2642.25".to_string()),
            "average (9500 × 2000 + 500 × 2650) / 10000 = 2032.50, × 1.3"
        );
    }

    #[test]
    fn rent_cap_at_its_boundary_and_the_other_lease_rules() {
        let r = Rules::default();
        let ok = check_lease(&r, SpaceType::Production, f("25.00"), true, "C3670", "C3660", true);
        assert!(ok.iter().all(|c| c.passed), "{ok:?}");
        assert!(!passed(
            &check_lease(&r, SpaceType::Production, f("25.01"), true, "C3670", "C3660", true),
            "lease.rent_cap"
        ));
        assert!(!passed(
            &check_lease(&r, SpaceType::NonProduction, f("10"), true, "C3670", "C3670", true),
            "lease.production_only"
        ));
        assert!(!passed(
            &check_lease(&r, SpaceType::Production, f("10"), true, "C3670", "C1810", true),
            "lease.same_industry"
        ));
        assert!(!passed(
            &check_lease(&r, SpaceType::Production, f("10"), false, "C3670", "C3670", true),
            "lease.owner_targets"
        ));
        assert!(!passed(
            &check_lease(&r, SpaceType::Production, f("10"), true, "C3670", "C3670", false),
            "lease.township_approval"
        ));
    }

    #[test]
    fn transfers_are_locked_for_five_years() {
        let r = Rules::default();
        assert!(!passed(&check_transfer(&r, 1825, false, true), "transfer.lock"), "day 1825 is inside");
        assert!(passed(&check_transfer(&r, 1826, false, true), "transfer.lock"), "day 1826 is free");
        assert!(passed(&check_transfer(&r, 100, true, true), "transfer.lock"), "approved");
        assert!(!passed(&check_transfer(&r, 3000, false, false), "transfer.together"));
        assert_eq!(days_between((2019, 1, 1), (2024, 1, 1)), 1826, "a leap year inside");
        assert_eq!(days_between_dates("2019-01-01", "2024-01-01"), Some(1826));
        assert_eq!(days_between_dates("2019-01-01", "2023-12-31"), Some(1825));
    }
}
