//! Park grading (园区绩效评价, Wenzhou's A–D on nine dimensions) and the star rating (星级评定).
//!
//! A **rubric** is a versioned county setting: dimensions with their points, each either
//! measured by the platform (a formula against a target: points × min(value ÷ target, 1)) or
//! scored by a reviewer with an evidence note; grade quotas by rank (A 30 %, B 35 %, C 30 %,
//! D 5 % by default, which gives Pingyang's 2025 result A3 B4 C3 D1 of 11); a grace period (3 years from
//! completion) for new parks; and the support tied to each grade.
//!
//! Parks not completed, or completed within the grace period, are listed apart, never graded.
//! Ranks: equal scores share the better rank; a park ranked r of n falls in the first grade whose
//! cumulative quota c has r ≤ n × c (as the per-mu evaluation's classes).

use crate::evaluation::class_by_rank;
use crate::rules::Check;
use crate::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// What the platform can measure for a park, over the twelve months graded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Enterprises' tax per mu of park land, 万元/亩 (target: the county's 25).
    TaxPerMu,
    /// Share of enterprises in the park's leading industries (its orientation), % (target 70).
    LeadingShare,
    /// Share of the monthly reports due that were filed by the due day, % (target 100).
    FilingRate,
    /// Enterprises with a cultivation mark (tech-based, specialised, 小升规, …), count.
    Cultivated,
    /// Share of enterprises with a bound meter, % (target 100).
    DeviceCoverage,
    /// Share of the period's alarms acknowledged or cleared, % (target 100).
    AlarmsHandled,
    /// Active service functions of the park's catalogue (distinct categories), count (target 3).
    ServiceFunctions,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::TaxPerMu,
        Measure::LeadingShare,
        Measure::FilingRate,
        Measure::Cultivated,
        Measure::DeviceCoverage,
        Measure::AlarmsHandled,
        Measure::ServiceFunctions,
    ];

    pub fn of(key: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn key(self) -> &'static str {
        match self {
            Measure::TaxPerMu => "tax_per_mu",
            Measure::LeadingShare => "leading_share",
            Measure::FilingRate => "filing_rate",
            Measure::Cultivated => "cultivated",
            Measure::DeviceCoverage => "device_coverage",
            Measure::AlarmsHandled => "alarms_handled",
            Measure::ServiceFunctions => "service_functions",
        }
    }
    pub fn unit(self) -> &'static str {
        match self {
            Measure::TaxPerMu => "万元/亩",
            Measure::Cultivated => "家",
            Measure::ServiceFunctions => "项",
            _ => "%",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// Measured: points × min(value ÷ target, 1).
    Measured { measure: Measure, target: f64 },
    /// A reviewer's score, 0 to the dimension's points, with an evidence note.
    Review,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Dimension {
    /// 亩均效益, 产业特色, …: a key of the catalogue (`grading.dimension.<key>`).
    pub key: String,
    pub points: f64,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rubric {
    pub dimensions: Vec<Dimension>,
    /// Share of graded parks in A, B, C, D, in %, summing to 100.
    pub quotas: [f64; 4],
    /// Years after completion before a park is graded.
    pub grace_years: u32,
    /// Support per grade, 万元 a year.
    pub support: [f64; 4],
}

impl Default for Rubric {
    /// Wenzhou's nine dimensions (温小微园办〔2020〕2号); the points are not public, so these are
    /// the platform's defaults, with a measured formula wherever the platform holds the data.
    fn default() -> Self {
        let measured = |key: &str, points: f64, measure: Measure, target: f64| Dimension {
            key: key.into(),
            points,
            source: Source::Measured { measure, target },
        };
        let review = |key: &str, points: f64| Dimension { key: key.into(), points, source: Source::Review };
        Rubric {
            dimensions: vec![
                measured("per_mu_benefit", 20.0, Measure::TaxPerMu, 25.0),
                measured("industry", 15.0, Measure::LeadingShare, 70.0),
                measured("operation", 15.0, Measure::FilingRate, 100.0),
                review("services", 10.0),
                measured("cultivation", 10.0, Measure::Cultivated, 5.0),
                measured("digital", 10.0, Measure::DeviceCoverage, 100.0),
                review("factors", 5.0),
                measured("safety", 10.0, Measure::AlarmsHandled, 100.0),
                review("integrity", 5.0),
            ],
            quotas: [30.0, 35.0, 30.0, 5.0],
            grace_years: 3,
            support: [50.0, 30.0, 10.0, 0.0],
        }
    }
}

fn ok(v: f64, lo: f64, hi: f64) -> bool {
    v.is_finite() && v >= lo && v <= hi
}

impl Rubric {
    /// Every reason the rubric cannot work, by field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Vec::new();
        if self.dimensions.is_empty() {
            e.push(FieldError::new("dimensions", "grading.rubric.no_dimension"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for d in &self.dimensions {
            let key = d.key.as_str();
            if key.is_empty() || key.len() > 40 || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                e.push(FieldError::new("dimensions", "grading.rubric.key").with("key", key));
            } else if seen.contains(&key) {
                e.push(FieldError::new(&format!("{key}.points"), "grading.rubric.repeated").with("key", key));
            }
            seen.push(key);
            if !ok(d.points, 0.01, 100.0) {
                e.push(
                    FieldError::new(&format!("{key}.points"), "error.out_of_range")
                        .with("min", "0.01")
                        .with("max", 100),
                );
            }
            if let Source::Measured { target, .. } = d.source
                && !ok(target, 0.0001, 1e9)
            {
                e.push(FieldError::new(&format!("{key}.target"), "grading.rubric.target"));
            }
        }
        let sum = crate::units::sum_hundredths(self.dimensions.iter().map(|d| d.points));
        if !self.dimensions.is_empty() && sum != 10_000 {
            e.push(
                FieldError::new("points", "grading.rubric.points").with("sum", format!("{:.2}", sum as f64 / 100.0)),
            );
        }
        let quotas = crate::units::sum_hundredths(self.quotas.iter().copied());
        if self.quotas.iter().any(|q| !ok(*q, 0.0, 100.0)) || quotas != 10_000 {
            e.push(
                FieldError::new("quotas", "grading.rubric.quotas").with("sum", format!("{:.2}", quotas as f64 / 100.0)),
            );
        }
        if self.grace_years > 10 {
            e.push(FieldError::new("grace_years", "error.out_of_range").with("min", 0).with("max", 10));
        }
        if self.support.iter().any(|s| !ok(*s, 0.0, 1e6)) {
            e.push(FieldError::new("support", "error.out_of_range").with("min", 0).with("max", 1_000_000));
        }
        if e.is_empty() { Ok(()) } else { Err(Invalid(e)) }
    }
}

/// One park as the grading reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParkInput {
    pub park_id: i64,
    /// Completed (竣工) and since when (YYYY-MM-DD), if known.
    pub completed: bool,
    pub completed_on: Option<String>,
    /// The measured values, by measure; None where the platform has nothing to measure.
    pub values: Vec<(Measure, Option<f64>)>,
    /// Reviewers' scores by dimension key.
    pub reviews: Vec<(String, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DimensionScore {
    pub key: String,
    pub points: f64,
    /// The measured value and its target, for measured dimensions.
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// Earned points; None for a review not yet entered.
    pub earned: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Graded {
    pub park_id: i64,
    pub dimensions: Vec<DimensionScore>,
    pub score: f64,
    pub rank: u32,
    pub of: u32,
    /// A, B, C, D.
    pub grade: String,
    /// 万元 a year.
    pub support: f64,
    /// Dimensions still waiting for a reviewer's score (counted as 0 until entered).
    pub pending_reviews: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotGraded {
    pub park_id: i64,
    /// grading.not_completed, grading.grace
    pub reason: String,
    pub until: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Grading {
    pub graded: Vec<Graded>,
    pub not_graded: Vec<NotGraded>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The date `years` after `date` (YYYY-MM-DD), 29 February falling to the 28th.
fn years_after(date: &str, years: u32) -> Option<String> {
    let (y, rest) = date.split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let rest = if rest == "02-29" { "02-28" } else { rest };
    Some(format!("{:04}-{rest}", y + years as i32))
}

/// Grade every park at `as_of` (YYYY-MM-DD, the period's last day).
pub fn grade(r: &Rubric, as_of: &str, parks: &[ParkInput]) -> Grading {
    let mut out = Grading::default();
    let mut graded: Vec<Graded> = Vec::new();
    for p in parks {
        if !p.completed {
            out.not_graded.push(NotGraded { park_id: p.park_id, reason: "grading.not_completed".into(), until: None });
            continue;
        }
        if let Some(until) = p.completed_on.as_deref().and_then(|d| years_after(d, r.grace_years))
            && until.as_str() > as_of
        {
            out.not_graded.push(NotGraded { park_id: p.park_id, reason: "grading.grace".into(), until: Some(until) });
            continue;
        }
        let mut pending = Vec::new();
        let dimensions: Vec<DimensionScore> = r
            .dimensions
            .iter()
            .map(|d| match &d.source {
                Source::Measured { measure, target } => {
                    let value = p.values.iter().find(|(m, _)| m == measure).and_then(|(_, v)| *v);
                    let earned = value.map(|v| round2(d.points * (v / target).clamp(0.0, 1.0))).unwrap_or(0.0);
                    DimensionScore {
                        key: d.key.clone(),
                        points: d.points,
                        value,
                        target: Some(*target),
                        earned: Some(earned),
                    }
                }
                Source::Review => {
                    let earned = p.reviews.iter().find(|(k, _)| *k == d.key).map(|(_, v)| v.clamp(0.0, d.points));
                    if earned.is_none() {
                        pending.push(d.key.clone());
                    }
                    DimensionScore { key: d.key.clone(), points: d.points, value: None, target: None, earned }
                }
            })
            .collect();
        let score = round2(dimensions.iter().filter_map(|d| d.earned).sum());
        graded.push(Graded {
            park_id: p.park_id,
            dimensions,
            score,
            rank: 0,
            of: 0,
            grade: String::new(),
            support: 0.0,
            pending_reviews: pending,
        });
    }
    graded.sort_by(|a, b| {
        ((b.score * 100.0).round() as i64).cmp(&((a.score * 100.0).round() as i64)).then(a.park_id.cmp(&b.park_id))
    });
    let n = graded.len() as u32;
    for i in 0..graded.len() {
        let rank = if i > 0 && graded[i].score == graded[i - 1].score { graded[i - 1].rank } else { i as u32 + 1 };
        let class = class_by_rank(&r.quotas, rank, n);
        let g = &mut graded[i];
        g.rank = rank;
        g.of = n;
        g.grade = class.code().to_string();
        g.support = r.support[class as usize];
    }
    out.graded = graded;
    out
}

/// A reviewer's score for one dimension of one park: within the dimension's points, with evidence.
pub fn review_checks(r: &Rubric, key: &str, score: f64, evidence: &str) -> Vec<Check> {
    let dim = r.dimensions.iter().find(|d| d.key == key);
    let reviewed = dim.is_some_and(|d| d.source == Source::Review);
    let max = dim.map(|d| d.points).unwrap_or(0.0);
    vec![
        Check::new("grading.review_dimension", reviewed).with("key", key),
        Check::new("grading.review_range", score.is_finite() && (0.0..=max).contains(&score))
            .with("score", score)
            .with("max", max),
        Check::new("grading.review_evidence", !evidence.trim().is_empty()),
    ]
}

/// Whether a draft grading may be published: a draft, every review entered, no other published
/// grading of the year.
pub fn publish_checks(status: &str, pending_reviews: usize, published_same_year: Option<i64>) -> Vec<Check> {
    vec![
        Check::new("grading.is_draft", status == "draft").with("status", status),
        Check::new("grading.reviews_complete", pending_reviews == 0).with("count", pending_reviews),
        Check::new("grading.one_published", published_same_year.is_none())
            .with("run", published_same_year.map(|r| r.to_string()).unwrap_or_default()),
    ]
}

/// Stars (星级评定): a park may apply for 1 to 5, unless graded D in the latest published
/// grading (a park not graded, new or in its grace period, may apply); the county awards up to 2
/// itself and recommends 3 or more to the city.
pub fn star_checks(stars: u32, grade: Option<&str>) -> Vec<Check> {
    vec![
        Check::new("grading.stars_range", (1..=5).contains(&stars)).with("stars", stars),
        Check::new("grading.stars_graded", grade != Some("D")).with("grade", grade.unwrap_or("—")),
    ]
}

/// Who decides an application for this many stars: the county (1–2) or the city on the county's
/// recommendation (3–5).
pub fn star_decider(stars: u32) -> &'static str {
    if stars <= 2 { "county" } else { "city" }
}

/// A star application's steps: the park applies, its township endorses or refuses, the county
/// awards (1–2 stars) or recommends to the city (3–5), or refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StarStage {
    Township,
    County,
}

/// The status after a decision at `stage`, or the checks that refuse it.
pub fn star_step(status: &str, stage: StarStage, decision: &str, stars: u32) -> Result<&'static str, Vec<Check>> {
    let (expected, next) = match (stage, decision) {
        (StarStage::Township, "endorse") => ("applied", Some("endorsed")),
        (StarStage::Township, "refuse") => ("applied", Some("refused")),
        (StarStage::County, "award") => ("endorsed", (star_decider(stars) == "county").then_some("awarded")),
        (StarStage::County, "recommend") => ("endorsed", (star_decider(stars) == "city").then_some("recommended")),
        (StarStage::County, "refuse") => ("endorsed", Some("refused")),
        _ => ("", None),
    };
    let checks = vec![
        Check::new("grading.stars_step", status == expected).with("status", status),
        Check::new("grading.stars_decision", next.is_some()).with("decision", decision).with("stars", stars),
    ];
    match next {
        Some(n) if status == expected => Ok(n),
        _ => Err(checks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: i64, tax: f64, leading: f64, review: Option<f64>) -> ParkInput {
        ParkInput {
            park_id: id,
            completed: true,
            completed_on: Some("2020-06-30".into()),
            values: vec![
                (Measure::TaxPerMu, Some(tax)),
                (Measure::LeadingShare, Some(leading)),
                (Measure::FilingRate, Some(100.0)),
                (Measure::Cultivated, Some(5.0)),
                (Measure::DeviceCoverage, Some(100.0)),
                (Measure::AlarmsHandled, None),
            ],
            reviews: review.map(|v| vec![("services".to_string(), v)]).unwrap_or_default(),
        }
    }

    #[test]
    fn measured_dimensions_earn_their_share_of_the_target_and_reviews_wait() {
        let g = grade(&Rubric::default(), "2025-12-31", &[input(1, 12.5, 84.0, Some(8.0))]);
        let p = &g.graded[0];
        let earned: Vec<(String, Option<f64>)> = p.dimensions.iter().map(|d| (d.key.clone(), d.earned)).collect();
        // 12.5 of 25 万元/亩 → 10 of 20; 84 % of 70 % is capped → 15; safety has no data → 0;
        // services reviewed 8; factors and integrity not yet.
        assert_eq!(
            earned,
            vec![
                ("per_mu_benefit".into(), Some(10.0)),
                ("industry".into(), Some(15.0)),
                ("operation".into(), Some(15.0)),
                ("services".into(), Some(8.0)),
                ("cultivation".into(), Some(10.0)),
                ("digital".into(), Some(10.0)),
                ("factors".into(), None),
                ("safety".into(), Some(0.0)),
                ("integrity".into(), None),
            ]
        );
        assert_eq!(p.score, 68.0);
        assert_eq!(p.pending_reviews, vec!["factors".to_string(), "integrity".to_string()]);
    }

    #[test]
    fn grades_follow_the_quotas_and_new_parks_wait_their_grace_period() {
        // Eleven parks, as Pingyang 2025: quotas 30/35/30/5 give A ≤ 3.3, B ≤ 7.15, C ≤ 10.45:
        // A3 B4 C3 D1, the published result.
        let mut parks: Vec<ParkInput> = (1..=11).map(|i| input(i, 24.0 - i as f64 * 2.0, 70.0, None)).collect();
        let mut young = input(12, 30.0, 70.0, None);
        young.completed_on = Some("2024-03-01".into());
        let mut building = input(13, 30.0, 70.0, None);
        building.completed = false;
        parks.extend([young, building]);
        let g = grade(&Rubric::default(), "2025-12-31", &parks);
        let grades: String = g.graded.iter().map(|p| p.grade.as_str()).collect();
        assert_eq!(grades, "AAABBBBCCCD");
        assert_eq!(g.graded[0].support, 50.0);
        let not: Vec<(i64, &str, Option<&str>)> =
            g.not_graded.iter().map(|n| (n.park_id, n.reason.as_str(), n.until.as_deref())).collect();
        assert_eq!(not, vec![(12, "grading.grace", Some("2027-03-01")), (13, "grading.not_completed", None)]);
    }

    #[test]
    fn a_rubric_that_cannot_work_is_refused_by_field() {
        let mut r = Rubric::default();
        r.dimensions[0].points = 10.0;
        r.dimensions[1].key = "operation".into();
        r.quotas = [30.0, 35.0, 30.0, 0.0];
        let fields: Vec<(String, String)> =
            r.validate().unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("operation.points".to_string(), "grading.rubric.repeated".to_string()),
                ("points".into(), "grading.rubric.points".into()),
                ("quotas".into(), "grading.rubric.quotas".into()),
            ]
        );
        assert!(Rubric::default().validate().is_ok());
    }

    #[test]
    fn points_and_quotas_too_large_to_add_are_refused_not_a_panic() {
        // Found by schemathesis: points of 1e16 and more overflowed the sum (a 500).
        let mut r = Rubric::default();
        for d in &mut r.dimensions {
            d.points = 7.07e16;
        }
        r.quotas = [2.2e-313, 5.8e16, 3.1e16, -2.6e151];
        let fields: Vec<String> = r.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert!(fields.contains(&"points".to_string()) && fields.contains(&"quotas".to_string()), "{fields:?}");
    }

    #[test]
    fn a_star_application_goes_township_then_county_who_awards_two_and_recommends_three() {
        assert_eq!(star_step("applied", StarStage::Township, "endorse", 3), Ok("endorsed"));
        assert_eq!(star_step("endorsed", StarStage::County, "award", 2), Ok("awarded"));
        assert_eq!(star_step("endorsed", StarStage::County, "recommend", 3), Ok("recommended"));
        let rules = |r: Result<&str, Vec<Check>>| {
            r.unwrap_err().into_iter().filter(|c| !c.passed).map(|c| c.rule).collect::<Vec<_>>()
        };
        // The county cannot award three stars itself, nor decide before the township.
        assert_eq!(rules(star_step("endorsed", StarStage::County, "award", 3)), vec!["grading.stars_decision"]);
        assert_eq!(rules(star_step("applied", StarStage::County, "award", 1)), vec!["grading.stars_step"]);
        assert_eq!(rules(star_step("refused", StarStage::Township, "endorse", 1)), vec!["grading.stars_step"]);
    }

    #[test]
    fn reviews_stay_within_points_and_need_evidence_and_stars_need_a_grade() {
        let r = Rubric::default();
        let failed = |c: Vec<Check>| c.into_iter().filter(|c| !c.passed).map(|c| c.rule).collect::<Vec<_>>();
        assert!(failed(review_checks(&r, "services", 10.0, "服务台账")).is_empty());
        assert_eq!(
            failed(review_checks(&r, "services", 10.5, "")),
            vec!["grading.review_range", "grading.review_evidence"]
        );
        assert_eq!(failed(review_checks(&r, "industry", 5.0, "x")), vec!["grading.review_dimension"]);
        assert!(failed(star_checks(2, Some("B"))).is_empty());
        assert!(failed(star_checks(1, None)).is_empty(), "a park not graded may apply");
        assert_eq!(failed(star_checks(6, Some("D"))), vec!["grading.stars_range", "grading.stars_graded"]);
        assert_eq!((star_decider(2), star_decider(3)), ("county", "city"));
    }
}
