//! Admission (入园): the automatic checks made when an enterprise applies to a park, before the
//! township's and then the county's review. Each check carries its numbers.

use crate::enterprises::check_credit_code;
use crate::rules::{Check, Rules};
use crate::units::Fixed2;

/// A park's industrial orientation and the county's negative list (产业准入负面清单).
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// GB/T 4754 code prefixes the park admits as its leading and related industries (C36, C367…).
    pub orientation: Vec<String>,
    /// Industry code prefixes no park admits.
    pub negative_codes: Vec<String>,
    /// Words that bar an applicant whose name or business contains them.
    pub negative_keywords: Vec<String>,
}

/// An enterprise already in the park: its industry class and the area it occupies.
#[derive(Clone, Debug)]
pub struct Member {
    pub industry_code: String,
    pub area_m2: Fixed2,
}

#[derive(Clone, Debug)]
pub struct Application {
    pub name: String,
    pub credit_code: String,
    pub credit_override: String,
    pub industry_code: String,
    pub area_m2: Fixed2,
    /// Whether the enterprise is already active in another park.
    pub active_elsewhere: bool,
    /// Whether the enterprise is already an active member of this park.
    pub member_here: bool,
}

fn fits(code: &str, prefixes: &[String]) -> bool {
    let c = code.trim().to_ascii_uppercase();
    prefixes.iter().any(|p| !p.trim().is_empty() && c.starts_with(&p.trim().to_ascii_uppercase()))
}

/// The share (per cent, hundredths) of the park in its leading industries once the applicant is in.
pub fn leading_share_after(rules: &Rules, policy: &Policy, members: &[Member], app: &Application) -> Fixed2 {
    let all = members
        .iter()
        .map(|m| (m.industry_code.as_str(), m.area_m2))
        .chain([(app.industry_code.as_str(), app.area_m2)]);
    let (mut lead, mut total) = (0i128, 0i128);
    for (code, area) in all {
        let weight = if rules.leading_share_by_area { area.0 as i128 } else { 100 };
        total += weight;
        if fits(code, &policy.orientation) {
            lead += weight;
        }
    }
    Fixed2(if total == 0 { 0 } else { (lead * 10_000 / total) as i64 })
}

pub fn check_admission(rules: &Rules, policy: &Policy, members: &[Member], app: &Application) -> Vec<Check> {
    let code_ok = check_credit_code("credit_code", &app.credit_code, &app.credit_override).is_ok();
    let keyword = policy.negative_keywords.iter().find(|k| !k.is_empty() && app.name.contains(k.as_str()));
    let share = leading_share_after(rules, policy, members, app);
    vec![
        Check::new("admission.credit_code", code_ok).with("code", &app.credit_code),
        Check::new("admission.not_elsewhere", !app.active_elsewhere),
        Check::new("admission.not_member", !app.member_here),
        Check::new("admission.orientation", fits(&app.industry_code, &policy.orientation))
            .with("industry", &app.industry_code)
            .with("orientation", policy.orientation.join("、")),
        Check::new("admission.negative_list", !fits(&app.industry_code, &policy.negative_codes) && keyword.is_none())
            .with("industry", &app.industry_code)
            .with("keyword", keyword.cloned().unwrap_or_default()),
        Check::new("admission.leading_share", share >= Fixed2::from_units(rules.leading_industry_share_pct))
            .with("share", share.plain())
            .with("min", rules.leading_industry_share_pct)
            .with("by", if rules.leading_share_by_area { "area" } else { "count" }),
    ]
}

/// Where an application stands.
pub const TOWNSHIP: &str = "township";
pub const COUNTY: &str = "county";
pub const SENT_BACK: &str = "sent_back";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
/// Every status an application can be in, in the order of the review.
pub const STATUSES: [&str; 5] = [TOWNSHIP, COUNTY, SENT_BACK, APPROVED, REJECTED];

/// A review decision as typed. `stage` is the step the reviewer saw (township or county): a
/// decision acts on that step only, so a page left open while someone else decided cannot
/// approve the next step by mistake.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DecisionForm {
    /// approve, reject, send_back
    pub decision: String,
    pub reason: String,
    /// township or county
    pub stage: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// approve, reject, send_back
    pub decision: &'static str,
    pub reason: String,
    /// TOWNSHIP or COUNTY
    pub stage: &'static str,
}

impl DecisionForm {
    pub fn validate(&self) -> Result<Decision, crate::Invalid> {
        let mut c = crate::validation::Checker::new();
        let stage = c.choice("stage", &self.stage, |s| [TOWNSHIP, COUNTY].into_iter().find(|v| *v == s));
        let decision =
            c.choice("decision", &self.decision, |d| ["approve", "reject", "send_back"].into_iter().find(|v| *v == d));
        let reason = self.reason.trim().to_string();
        if matches!(decision, Some("reject" | "send_back")) {
            c.text("reason", &reason, 500);
        } else {
            c.optional_text("reason", &reason, 500);
        }
        let d = Decision { decision: decision.unwrap_or("approve"), reason, stage: stage.unwrap_or(TOWNSHIP) };
        c.finish(d)
    }
}

/// Where a decision takes the application: approval moves it to the next step (township →
/// county → approved); a rejection or a sending back ends the review.
pub fn next_status(d: &Decision) -> &'static str {
    match (d.stage, d.decision) {
        (TOWNSHIP, "approve") => COUNTY,
        (_, "approve") => APPROVED,
        (_, "reject") => REJECTED,
        _ => SENT_BACK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            orientation: vec!["C36".into(), "C3484".into()],
            negative_codes: vec!["C2511".into()],
            negative_keywords: vec!["电镀".into()],
        }
    }

    fn members(lead: usize, other: usize) -> Vec<Member> {
        let m = |code: &str| Member { industry_code: code.into(), area_m2: Fixed2::from_units(1000) };
        (0..lead).map(|_| m("C3670")).chain((0..other).map(|_| m("C1810"))).collect()
    }

    fn app(code: &str) -> Application {
        Application {
            name: "平阳县某汽配有限公司".into(),
            credit_code: "91310110666007217T".into(),
            credit_override: String::new(),
            industry_code: code.into(),
            area_m2: Fixed2::from_units(1000),
            active_elsewhere: false,
            member_here: false,
        }
    }

    fn failed(checks: &[Check]) -> Vec<&str> {
        checks.iter().filter(|c| !c.passed).map(|c| c.rule.as_str()).collect()
    }

    #[test]
    fn a_fitting_applicant_passes_every_check() {
        assert!(failed(&check_admission(&Rules::default(), &policy(), &members(6, 3), &app("C3670"))).is_empty());
    }

    #[test]
    fn the_leading_share_is_judged_after_admission_at_seventy_per_cent() {
        let r = Rules::default();
        // 6 leading of 9; an outsider makes 6 of 10 = 60%.
        let c = check_admission(
            &r,
            &Policy { orientation: vec!["C36".into(), "C18".into()], ..policy() },
            &members(6, 3),
            &app("C1810"),
        );
        assert!(failed(&c).is_empty(), "C18 is in this orientation: 10 of 10");
        let c = check_admission(&r, &policy(), &members(6, 3), &app("C2921"));
        assert_eq!(failed(&c), vec!["admission.orientation", "admission.leading_share"]);
        // Exactly 70%: 6 leading of 9, plus a leading applicant = 7 of 10.
        let share = leading_share_after(&r, &policy(), &members(6, 3), &app("C3670"));
        assert_eq!(share.plain(), "70");
        let share = leading_share_after(&r, &policy(), &members(5, 3), &app("C3670"));
        assert_eq!(share.plain(), "66.66");
        // By area instead of count: a large outsider weighs more.
        let by_area = Rules { leading_share_by_area: true, ..Rules::default() };
        let big = Application { area_m2: Fixed2::from_units(5000), ..app("C2921") };
        assert_eq!(leading_share_after(&by_area, &policy(), &members(6, 3), &big).plain(), "42.85");
    }

    #[test]
    fn negative_list_codes_and_keywords_bar_admission() {
        let r = Rules::default();
        let p = Policy { orientation: vec!["C".into()], ..policy() };
        assert_eq!(failed(&check_admission(&r, &p, &[], &app("C2511"))), vec!["admission.negative_list"]);
        let plating = Application { name: "平阳县某电镀厂".into(), ..app("C3670") };
        assert_eq!(failed(&check_admission(&r, &p, &[], &plating)), vec!["admission.negative_list"]);
    }

    #[test]
    fn credit_code_and_other_parks() {
        let r = Rules::default();
        let bad = Application { credit_code: "91310110666007217X".into(), ..app("C3670") };
        assert_eq!(failed(&check_admission(&r, &policy(), &[], &bad)), vec!["admission.credit_code"]);
        let elsewhere = Application { active_elsewhere: true, ..app("C3670") };
        assert_eq!(failed(&check_admission(&r, &policy(), &[], &elsewhere)), vec!["admission.not_elsewhere"]);
        let member = Application { member_here: true, ..app("C3670") };
        assert_eq!(failed(&check_admission(&r, &policy(), &[], &member)), vec!["admission.not_member"]);
    }

    #[test]
    fn a_decision_names_its_step_and_moves_the_application_on() {
        let form = |decision: &str, reason: &str, stage: &str| DecisionForm {
            decision: decision.into(),
            reason: reason.into(),
            stage: stage.into(),
        };
        let d = form("approve", "", "township").validate().unwrap();
        assert_eq!(next_status(&d), COUNTY);
        assert_eq!(next_status(&form("approve", "符合", "county").validate().unwrap()), APPROVED);
        assert_eq!(next_status(&form("send_back", "请核实", "county").validate().unwrap()), SENT_BACK);
        assert_eq!(next_status(&form("reject", "不符合", "township").validate().unwrap()), REJECTED);
        let fields = |f: DecisionForm| f.validate().unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(form("approve", "", "")), vec!["stage"], "a decision says which step it acts on");
        assert_eq!(fields(form("send_back", "", "county")), vec!["reason"]);
        assert_eq!(fields(form("accept", "", "county")), vec!["decision"]);
    }
}
