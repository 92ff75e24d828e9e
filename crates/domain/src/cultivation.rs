//! The cultivation library (梯次培育库, 002 四(二)2): start-up, tech-based, export and brand
//! enterprises (their registry marks), plus 小升规 candidates found in the reports, each with a
//! liaison officer (定制化联系帮扶), visit records and follow-up tasks. Pure rules and forms.

use crate::enterprises::{EnterpriseSize, Tag};
use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// The library's tiers, in the plan's order.
pub const TIERS: [Tag; 4] = [Tag::Startup, Tag::TechBased, Tag::Export, Tag::Brand];

/// A 规下 industrial enterprise within this share of the 2,000 万元 threshold is a candidate.
pub const CANDIDATE_PCT: i64 = 80;

/// Industry for the 规上 threshold: mining (B), manufacturing (C), utilities (D).
pub fn is_industrial(industry_code: &str) -> bool {
    matches!(industry_code.chars().next(), Some('B' | 'C' | 'D'))
}

/// A 小升规 candidate: 规下, industrial, trailing-12-month revenue at least 80 % of 2,000 万元.
/// Returns the gap to the threshold (万元) when it is one.
pub fn scale_up_gap(size: EnterpriseSize, industry_code: &str, trailing_revenue: Fixed2) -> Option<Fixed2> {
    let threshold = crate::policies::ABOVE_SIZE_REVENUE_WAN;
    let near = trailing_revenue.0 as i128 * 100 >= threshold.0 as i128 * CANDIDATE_PCT as i128;
    (size == EnterpriseSize::Below && is_industrial(industry_code) && near)
        .then(|| Fixed2((threshold.0 - trailing_revenue.0).max(0)))
}

/// The liaison officer assigned to an enterprise.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct LiaisonForm {
    pub liaison: String,
    pub phone: String,
}

impl LiaisonForm {
    pub fn validate(&self) -> Result<(String, String), Invalid> {
        let mut c = Checker::new();
        let name = c.text("liaison", &self.liaison, 50);
        let phone = c.optional_text("phone", &self.phone, 30);
        if !phone.chars().all(|ch| ch.is_ascii_digit() || matches!(ch, '-' | ' ' | '+')) {
            c.push(FieldError::new("phone", "error.phone"));
        }
        c.finish((name, phone))
    }
}

/// A visit as recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct VisitForm {
    /// YYYY-MM-DD, not after today.
    pub visited_on: String,
    pub summary: String,
}

impl VisitForm {
    pub fn validate(&self, today: &str) -> Result<(String, String), Invalid> {
        let mut c = Checker::new();
        let on = match crate::policies::parse_date(&self.visited_on) {
            Some(d) => {
                let text = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
                if text.as_str() > today {
                    c.push(FieldError::new("visited_on", "error.date_in_future"));
                }
                text
            }
            None => {
                let code = if self.visited_on.trim().is_empty() { "error.required" } else { "error.date_format" };
                c.push(FieldError::new("visited_on", code));
                String::new()
            }
        };
        let summary = c.text("summary", &self.summary, 2000);
        c.finish((on, summary))
    }
}

/// A follow-up task as entered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TaskForm {
    pub title: String,
    /// YYYY-MM-DD
    #[schemars(extend("format" = "date"))]
    pub due_on: String,
}

impl TaskForm {
    pub fn validate(&self) -> Result<(String, String), Invalid> {
        let mut c = Checker::new();
        let title = c.text("title", &self.title, 200);
        let due = match crate::policies::parse_date(&self.due_on) {
            Some(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            None => {
                let code = if self.due_on.trim().is_empty() { "error.required" } else { "error.date_format" };
                c.push(FieldError::new("due_on", code));
                String::new()
            }
        };
        c.finish((title, due))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_industrial_below_size_within_a_fifth_of_the_threshold() {
        let y = |v: &str| Fixed2::parse(v).unwrap();
        assert_eq!(scale_up_gap(EnterpriseSize::Below, "C3484", y("1600")), Some(y("400")));
        assert_eq!(scale_up_gap(EnterpriseSize::Below, "C3484", y("1599.99")), None);
        assert_eq!(scale_up_gap(EnterpriseSize::Below, "C3484", y("2100")), Some(Fixed2::ZERO));
        assert_eq!(scale_up_gap(EnterpriseSize::Above, "C3484", y("1900")), None, "already 规上");
        assert_eq!(scale_up_gap(EnterpriseSize::Below, "F5123", y("1900")), None, "trade has its own threshold");
        assert_eq!(scale_up_gap(EnterpriseSize::Below, "D4411", y("1900")), Some(y("100")));
    }

    #[test]
    fn forms_are_refused_field_by_field() {
        let f = |e: Invalid| e.0.into_iter().map(|f| (f.field, f.code)).collect::<Vec<_>>();
        let v = VisitForm { visited_on: "2026-02-30".into(), summary: "".into() }.validate("2026-12-02");
        assert_eq!(
            f(v.unwrap_err()),
            vec![("visited_on".into(), "error.date_format".into()), ("summary".into(), "error.required".into())]
        );
        let v = VisitForm { visited_on: "2026-12-03".into(), summary: "走访".into() }.validate("2026-12-02");
        assert_eq!(f(v.unwrap_err()), vec![("visited_on".into(), "error.date_in_future".into())]);
        let ok = VisitForm { visited_on: "2026-12-02".into(), summary: " 了解融资需求 ".into() }.validate("2026-12-02");
        assert_eq!(ok.unwrap(), ("2026-12-02".into(), "了解融资需求".into()));
        let t = TaskForm { title: "协助申报高企".into(), due_on: "".into() }.validate();
        assert_eq!(f(t.unwrap_err()), vec![("due_on".into(), "error.required".into())]);
        let l = LiaisonForm { liaison: "王科长".into(), phone: "abc".into() }.validate();
        assert_eq!(f(l.unwrap_err()), vec![("phone".into(), "error.phone".into())]);
    }
}
