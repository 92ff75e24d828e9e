//! Exact quantities. Land (亩), areas (m², 万㎡) and prices are kept as integer hundredths,
//! so the seed's figures (52.5 亩, 15.67 万㎡, 499.99 m²) round-trip exactly and sums are exact.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign};

/// 1 亩 = 2000/3 m².
pub const M2_PER_MU_NUM: i64 = 2000;
pub const M2_PER_MU_DEN: i64 = 3;
/// 1 万㎡ = 10,000 m².
pub const M2_PER_WAN_M2: i64 = 10_000;

/// A non-float decimal with exactly two fraction digits, stored as hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed2(pub i64);

/// Why a text is not a decimal with at most two fraction digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFixedError {
    Empty,
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

impl Fixed2 {
    pub const ZERO: Fixed2 = Fixed2(0);

    /// Whole units; a count too large to hold saturates (and is then out of any range) rather
    /// than overflowing.
    pub const fn from_units(units: i64) -> Self {
        Fixed2(units.saturating_mul(100))
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Multiply by an integer factor (e.g. 万㎡ → m²).
    pub fn times(self, factor: i64) -> Option<Fixed2> {
        self.0.checked_mul(factor).map(Fixed2)
    }

    /// Divide by an integer, rounding half away from zero to hundredths.
    pub fn div_round(self, divisor: i64) -> Fixed2 {
        let q = self.0 / divisor;
        let r = self.0 % divisor;
        if 2 * r.abs() >= divisor.abs() { Fixed2(q + self.0.signum() * divisor.signum()) } else { Fixed2(q) }
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Parse "52.5", "866.9", "0.05", "1300". Commas and spaces are not accepted:
    /// a stray character is an error, never silently dropped.
    pub fn parse(text: &str) -> Result<Fixed2, ParseFixedError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ParseFixedError::Empty);
        }
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(ParseFixedError::NotANumber);
        }
        if !int_part.chars().all(|c| c.is_ascii_digit())
            || !frac_part.chars().all(|c| c.is_ascii_digit())
            || (digits.contains('.') && frac_part.is_empty())
        {
            return Err(ParseFixedError::NotANumber);
        }
        if frac_part.len() > 2 {
            return Err(ParseFixedError::TooManyDecimals);
        }
        if int_part.len() > 15 {
            return Err(ParseFixedError::TooLarge);
        }
        let whole: i64 =
            if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| ParseFixedError::TooLarge)? };
        let mut frac: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().unwrap_or(0) };
        if frac_part.len() == 1 {
            frac *= 10;
        }
        let v = whole * 100 + frac;
        Ok(Fixed2(if negative { -v } else { v }))
    }

    /// From a JSON/float number, accepting only values that are exact to two decimals.
    pub fn from_f64(v: f64) -> Result<Fixed2, ParseFixedError> {
        if !v.is_finite() {
            return Err(ParseFixedError::NotANumber);
        }
        if v.abs() > 1e15 {
            return Err(ParseFixedError::TooLarge);
        }
        let scaled = (v * 100.0).round();
        if ((v * 100.0) - scaled).abs() > 1e-6 {
            return Err(ParseFixedError::TooManyDecimals);
        }
        Ok(Fixed2(scaled as i64))
    }

    /// Plain text with the shortest exact fraction ("52.5", "866.9", "130").
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (w, f) = (a / 100, a % 100);
        match f {
            0 => format!("{sign}{w}"),
            f if f.is_multiple_of(10) => format!("{sign}{w}.{}", f / 10),
            f => format!("{sign}{w}.{f:02}"),
        }
    }

    /// Fixed two decimals with thousands separators, for tables ("1,481.90").
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", group_digits(a / 100), a % 100)
    }

    /// A measured float to the hundredth (half away from zero), for showing it.
    pub fn round(v: f64) -> Fixed2 {
        Fixed2((v * 100.0).round() as i64)
    }

    /// As the pages show a figure: thousands separators and the shortest exact fraction
    /// ("3,767.4", "1,482", "0.45"). `plain` is for forms and files, `grouped` for money columns.
    pub fn shown(self) -> String {
        let p = self.plain();
        let (sign, rest) = p.strip_prefix('-').map_or(("", p.as_str()), |r| ("-", r));
        let (whole, frac) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
        let whole = group_digits(whole.parse().unwrap_or(0));
        match frac {
            Some(f) => format!("{sign}{whole}.{f}"),
            None => format!("{sign}{whole}"),
        }
    }

    /// Rounded to whole units with thousands separators, for counts ("1,482").
    pub fn grouped_units(self) -> String {
        let sign = if self.0 <= -50 { "-" } else { "" };
        format!("{sign}{}", group_digits((self.0.unsigned_abs() + 50) / 100))
    }
}

/// "1234567" as "1,234,567".
fn group_digits(w: u64) -> String {
    let w = w.to_string();
    let mut out = String::new();
    for (i, c) in w.chars().enumerate() {
        if i > 0 && (w.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Fixed2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

impl Add for Fixed2 {
    type Output = Fixed2;
    fn add(self, o: Fixed2) -> Fixed2 {
        Fixed2(self.0 + o.0)
    }
}

impl AddAssign for Fixed2 {
    fn add_assign(&mut self, o: Fixed2) {
        self.0 += o.0;
    }
}

impl std::iter::Sum for Fixed2 {
    fn sum<I: Iterator<Item = Fixed2>>(iter: I) -> Fixed2 {
        iter.fold(Fixed2::ZERO, |a, b| a + b)
    }
}

/// JSON carries these as numbers (52.5), exactly representable to two decimals.
impl Serialize for Fixed2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Fixed2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Fixed2::from_f64(v).map_err(|_| serde::de::Error::custom("expected a number with at most two decimals"))
    }
}

/// Building area in m² from a figure in 万㎡ as written (up to six decimals: 16.005 万㎡ is
/// 160,050 m², 16.000025 万㎡ is 160,000.25 m²), exactly: the decimal point moves four places,
/// nothing is rounded.
pub fn wan_m2_text_to_m2(text: &str) -> Result<Fixed2, ParseFixedError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ParseFixedError::Empty);
    }
    let (int_part, frac_part) = t.split_once('.').unwrap_or((t, ""));
    if frac_part.len() > 6 {
        return Err(ParseFixedError::TooManyDecimals);
    }
    if !frac_part.chars().all(|c| c.is_ascii_digit()) || (t.contains('.') && frac_part.is_empty()) {
        return Err(ParseFixedError::NotANumber);
    }
    let frac = format!("{frac_part:0<6}");
    let m2 = format!("{int_part}{}.{}", &frac[..4], &frac[4..]);
    Fixed2::parse(&m2)
}

/// Building area in 万㎡ as text that holds every m² (for forms: 160,050 m² is "16.005").
pub fn wan_m2_text(m2: Fixed2) -> String {
    let (sign, cents) = if m2.0 < 0 { ("-", -m2.0) } else { ("", m2.0) };
    let frac = format!("{:06}", cents % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{}", cents / 1_000_000) } else { format!("{sign}{}.{frac}", cents / 1_000_000) }
}

/// Building area in 万㎡ as a number that holds every m² (for exports: 160,050 m² is 16.005).
pub fn m2_as_wan_m2(m2: Fixed2) -> f64 {
    m2.as_f64() / M2_PER_WAN_M2 as f64
}

/// Building area in m² from a figure in 万㎡.
pub fn wan_m2_to_m2(wan: Fixed2) -> Option<Fixed2> {
    wan.times(M2_PER_WAN_M2)
}

/// Building area in 万㎡ (rounded to hundredths) from m².
pub fn m2_to_wan_m2(m2: Fixed2) -> Fixed2 {
    m2.div_round(M2_PER_WAN_M2)
}

/// Land in m² from 亩 (rounded to hundredths of a m²).
pub fn mu_to_m2(mu: Fixed2) -> Fixed2 {
    Fixed2(mu.0 * M2_PER_MU_NUM).div_round(M2_PER_MU_DEN)
}

/// The sum of figures typed with at most two decimals, in hundredths, without overflow: a
/// figure far out of range (refused elsewhere by its own check) saturates instead of panicking.
pub fn sum_hundredths(values: impl IntoIterator<Item = f64>) -> i64 {
    values.into_iter().fold(0i64, |sum, v| sum.saturating_add((v * 100.0).round() as i64))
}

inline_schema!(Fixed2, { "type": "number", "description": "at most two decimals" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_shown_grouped_with_the_shortest_fraction() {
        assert_eq!(Fixed2(376_740).shown(), "3,767.4");
        assert_eq!(Fixed2(148_200).shown(), "1,482");
        assert_eq!(Fixed2(45).shown(), "0.45");
        assert_eq!(Fixed2(-123_456_701).shown(), "-1,234,567.01");
        assert_eq!(Fixed2(-5).shown(), "-0.05");
    }

    #[test]
    fn counts_are_rounded_and_grouped() {
        assert_eq!(Fixed2(148_190).grouped_units(), "1,482");
        assert_eq!(Fixed2(123_456_789).grouped_units(), "1,234,568");
        assert_eq!(Fixed2(49).grouped_units(), "0");
    }

    #[test]
    fn parses_seed_figures_exactly() {
        assert_eq!(Fixed2::parse("52.5"), Ok(Fixed2(5250)));
        assert_eq!(Fixed2::parse("866.9"), Ok(Fixed2(86690)));
        assert_eq!(Fixed2::parse("15.67"), Ok(Fixed2(1567)));
        assert_eq!(Fixed2::parse("130"), Ok(Fixed2(13000)));
        assert_eq!(Fixed2::parse(".5"), Ok(Fixed2(50)));
        assert_eq!(Fixed2::parse("-1.25"), Ok(Fixed2(-125)));
    }

    #[test]
    fn rejects_what_is_not_a_two_decimal_number() {
        assert_eq!(Fixed2::parse(""), Err(ParseFixedError::Empty));
        assert_eq!(Fixed2::parse("1,300"), Err(ParseFixedError::NotANumber));
        assert_eq!(Fixed2::parse("12亩"), Err(ParseFixedError::NotANumber));
        assert_eq!(Fixed2::parse("1."), Err(ParseFixedError::NotANumber));
        assert_eq!(Fixed2::parse("."), Err(ParseFixedError::NotANumber));
        assert_eq!(Fixed2::parse("1.234"), Err(ParseFixedError::TooManyDecimals));
        assert_eq!(Fixed2::parse("9999999999999999"), Err(ParseFixedError::TooLarge));
        assert_eq!(wan_m2_text_to_m2("16.005").map(Fixed2::plain), Ok("160050".to_string()));
        assert_eq!(wan_m2_text_to_m2("130").map(Fixed2::plain), Ok("1300000".to_string()));
        assert_eq!(wan_m2_text_to_m2("16.000025").map(Fixed2::plain), Ok("160000.25".to_string()));
        assert_eq!(wan_m2_text_to_m2("16.0000251"), Err(ParseFixedError::TooManyDecimals));
        assert_eq!(wan_m2_text_to_m2("16."), Err(ParseFixedError::NotANumber));
        assert!(wan_m2_text_to_m2("1e3").is_err() && wan_m2_text_to_m2("").is_err());
        assert_eq!(m2_as_wan_m2(Fixed2::parse("160050").unwrap()).to_string(), "16.005");
        for m2 in ["160050", "1300000", "160000.25", "0", "99.5"] {
            let m2 = Fixed2::parse(m2).unwrap();
            assert_eq!(wan_m2_text_to_m2(&wan_m2_text(m2)), Ok(m2), "{}", wan_m2_text(m2));
        }
        assert_eq!(wan_m2_text(Fixed2::parse("160050").unwrap()), "16.005");
    }

    #[test]
    fn prints_back_what_was_parsed() {
        for s in ["52.5", "866.9", "15.67", "130", "0.05", "-3.1"] {
            assert_eq!(Fixed2::parse(s).unwrap().plain(), s);
        }
        assert_eq!(Fixed2(148190).grouped(), "1,481.90");
        assert_eq!(Fixed2(99).grouped(), "0.99");
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        // 0.1 + 0.2 style drift must not happen: the completed parks' land adds to 616.5.
        let parts = ["126", "101", "85", "252", "52.5"];
        let sum: Fixed2 = parts.iter().map(|p| Fixed2::parse(p).unwrap()).sum();
        assert_eq!(sum.plain(), "616.5");
        let wan = ["15.67", "14.2", "13", "19.22", "5.6"];
        let sum: Fixed2 = wan.iter().map(|p| Fixed2::parse(p).unwrap()).sum();
        assert_eq!(sum.plain(), "67.69");
    }

    #[test]
    fn converts_units() {
        assert_eq!(wan_m2_to_m2(Fixed2::parse("15.67").unwrap()).unwrap().plain(), "156700");
        assert_eq!(m2_to_wan_m2(Fixed2::parse("156700").unwrap()).plain(), "15.67");
        assert_eq!(m2_to_wan_m2(Fixed2::parse("155").unwrap()).plain(), "0.02");
        // 3 亩 = 2000 m² exactly.
        assert_eq!(mu_to_m2(Fixed2::parse("3").unwrap()).plain(), "2000");
    }

    #[test]
    fn json_numbers_must_be_exact_to_two_decimals() {
        assert_eq!(Fixed2::from_f64(52.5), Ok(Fixed2(5250)));
        assert_eq!(Fixed2::from_f64(0.1 + 0.2), Ok(Fixed2(30)));
        assert_eq!(Fixed2::from_f64(1.005_5), Err(ParseFixedError::TooManyDecimals));
        assert_eq!(Fixed2::from_f64(f64::NAN), Err(ParseFixedError::NotANumber));
    }
}
