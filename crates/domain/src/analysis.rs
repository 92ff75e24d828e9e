//! Economic indicators from report totals: the seed's per-unit measures (亩均税收, 亩均营业收入,
//! 单位用电营业收入), output and tax per m², and changes against an earlier period.

use crate::units::Fixed2;

/// `num / den × scale`, rounded half away from zero; None when the denominator is not positive.
pub fn ratio(num: Fixed2, den: Fixed2, scale: i64) -> Option<Fixed2> {
    if den.0 <= 0 {
        return None;
    }
    let n = num.0 as i128 * scale as i128 * 100;
    let d = den.0 as i128;
    let q = (2 * n + if n >= 0 { d } else { -d }) / (2 * d);
    Some(Fixed2(q as i64))
}

/// The change from `prev` to `cur` in per cent; None without a positive base.
pub fn change_pct(cur: Fixed2, prev: Fixed2) -> Option<Fixed2> {
    ratio(Fixed2(cur.0 - prev.0), prev, 100)
}

/// The per-unit indicators of a set of enterprises, money in 万元 and land in 亩.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Indicators {
    /// 万元/亩
    pub tax_per_mu: Option<Fixed2>,
    /// 万元/亩
    pub revenue_per_mu: Option<Fixed2>,
    /// 万元/亩 (the seed's 2022 target measures sales per 亩)
    pub sales_per_mu: Option<Fixed2>,
    /// 元/kWh
    pub revenue_per_kwh: Option<Fixed2>,
    /// 元/m²
    pub output_per_m2: Option<Fixed2>,
    /// 元/m²
    pub tax_per_m2: Option<Fixed2>,
}

pub fn indicators(
    revenue: Fixed2,
    sales: Fixed2,
    output: Fixed2,
    tax: Fixed2,
    electricity_kwh: Fixed2,
    land_mu: Fixed2,
    area_m2: Fixed2,
) -> Indicators {
    Indicators {
        tax_per_mu: ratio(tax, land_mu, 1),
        revenue_per_mu: ratio(revenue, land_mu, 1),
        sales_per_mu: ratio(sales, land_mu, 1),
        revenue_per_kwh: ratio(revenue, electricity_kwh, 10_000),
        output_per_m2: ratio(output, area_m2, 10_000),
        tax_per_m2: ratio(tax, area_m2, 10_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Fixed2 {
        Fixed2::parse(s).unwrap()
    }

    #[test]
    fn per_unit_indicators_by_hand() {
        // 30 enterprises' year: revenue 6,000 万元, tax 240 万元, 1,200 万 kWh, on 12 亩 and 20,000 m².
        let i = indicators(f("6000"), f("5800"), f("6500"), f("240"), f("12000000"), f("12"), f("20000"));
        assert_eq!(i.tax_per_mu, Some(f("20")));
        assert_eq!(i.revenue_per_mu, Some(f("500")));
        assert_eq!(i.revenue_per_kwh, Some(f("5")), "6,000 万元 / 1,200 万 kWh = 5 元/kWh");
        assert_eq!(i.output_per_m2, Some(f("3250")));
        assert_eq!(i.tax_per_m2, Some(f("120")));
        assert_eq!(indicators(f("1"), f("1"), f("1"), f("1"), f("0"), f("0"), f("0")), Indicators::default());
    }

    #[test]
    fn changes_in_per_cent() {
        assert_eq!(change_pct(f("110"), f("100")), Some(f("10")));
        assert_eq!(change_pct(f("90"), f("120")), Some(f("-25")));
        assert_eq!(change_pct(f("1"), f("3")), Some(f("-66.67")));
        assert_eq!(change_pct(f("5"), f("0")), None);
    }
}
