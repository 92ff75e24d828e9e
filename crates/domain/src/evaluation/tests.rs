//! A hand-computed run. The 规下 method weighs 亩均税收 40 (fixed benchmark 2 万元/亩),
//! 亩均营业收入 30 (50 万元/亩) and 单位用电营业收入 30 (10 元/kWh), cap 2 × weight, 2 points
//! off per sublet tenant. Every enterprise holds a 10 亩 parcel, reports 500 万元 of revenue
//! and 500,000 kWh, so it earns 30 + 30 points on the last two and 2 × tax on the first
//! (capped at 80): score = 60 + min(2 × tax, 80) − 2 × sublets.

use super::*;

fn method() -> Method {
    let mut m = Method::default();
    m.below.indicators = vec![
        Weighted { indicator: Indicator::TaxPerMu, weight: 40.0, benchmark: Benchmark::Fixed(2.0) },
        Weighted { indicator: Indicator::RevenuePerMu, weight: 30.0, benchmark: Benchmark::Fixed(50.0) },
        Weighted { indicator: Indicator::RevenuePerKwh, weight: 30.0, benchmark: Benchmark::Fixed(10.0) },
    ];
    m.below.cutoffs.shares = [20.0, 60.0, 15.0, 5.0];
    m
}

fn subject(id: i64, tax: f64) -> Subject {
    Subject {
        enterprise_id: id,
        group: Group::Below,
        division: "C34".into(),
        active: true,
        months: 12,
        totals: Totals { revenue: 500.0, tax, electricity: 500_000.0, ..Default::default() },
        land: Land::Parcel { mu: 10.0 },
        sublets: 0,
    }
}

/// Twelve judged enterprises (taxes in 万元) and three that cannot be judged.
fn subjects() -> Vec<Subject> {
    let taxes = [50.0, 40.0, 30.0, 25.0, 20.0, 20.0, 15.0, 10.0, 10.0, 5.0, 2.0, 0.0];
    let mut v: Vec<Subject> = taxes.iter().enumerate().map(|(i, t)| subject(i as i64 + 1, *t)).collect();
    v[5].sublets = 1;
    let mut short = subject(13, 30.0);
    short.months = 11;
    let mut landless = subject(14, 30.0);
    landless.land = Land::Unknown;
    let mut unmetered = subject(15, 30.0);
    unmetered.totals.electricity = 0.0;
    v.extend([short, landless, unmetered]);
    v
}

fn outcome(e: &Evaluation, id: i64) -> &Outcome {
    e.outcomes.iter().find(|o| o.enterprise_id == id).unwrap()
}

#[test]
fn scores_ranks_and_classes_by_hand() {
    let e = evaluate(&method(), 1.0, &subjects());
    let got: Vec<(i64, f64, u32, Class)> =
        (1..=12).map(|id| outcome(&e, id)).map(|o| (o.enterprise_id, o.score, o.rank, o.class)).collect();
    // n = 12: A while rank ≤ 2.4, B ≤ 9.6, C ≤ 11.4, D the rest. Equal scores share the rank.
    assert_eq!(
        got,
        vec![
            (1, 140.0, 1, Class::A),
            (2, 140.0, 1, Class::A),
            (3, 120.0, 3, Class::B),
            (4, 110.0, 4, Class::B),
            (5, 100.0, 5, Class::B),
            (6, 98.0, 6, Class::B),
            (7, 90.0, 7, Class::B),
            (8, 80.0, 8, Class::B),
            (9, 80.0, 8, Class::B),
            (10, 70.0, 10, Class::C),
            (11, 64.0, 11, Class::C),
            (12, 60.0, 12, Class::D),
        ]
    );
    assert!(e.outcomes.iter().all(|o| o.of == 12));
}

#[test]
fn each_indicator_shows_its_numbers_and_the_cap() {
    let e = evaluate(&method(), 1.0, &subjects());
    let top = outcome(&e, 1);
    let tax = &top.scored[0];
    assert_eq!((tax.value, tax.benchmark, tax.ratio, tax.raw_points, tax.points), (5.0, 2.0, 2.5, 100.0, 80.0));
    assert!(tax.capped);
    // Exactly at the cap is not capped.
    let second = &outcome(&e, 2).scored[0];
    assert_eq!((second.points, second.capped), (80.0, false));
    let rev = &top.scored[1];
    assert_eq!((rev.value, rev.points), (50.0, 30.0));
    let kwh = &top.scored[2];
    assert_eq!((kwh.value, kwh.points), (10.0, 30.0));
    let sublet = outcome(&e, 6);
    assert_eq!((sublet.deduction, sublet.score), (2.0, 98.0));
}

#[test]
fn enterprises_that_cannot_be_judged_are_listed_with_the_reason() {
    let e = evaluate(&method(), 1.0, &subjects());
    type Reason<'a> = (i64, &'a str, Vec<(String, String)>);
    let reasons: Vec<Reason> =
        e.excluded.iter().map(|x| (x.enterprise_id, x.reason.as_str(), x.params.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            (13, "evaluation.excluded.months", vec![("months".into(), "11".into())]),
            (14, "evaluation.excluded.no_land", vec![]),
            (
                15,
                "evaluation.excluded.missing",
                vec![("indicator".into(), "revenue_per_kwh".into()), ("figure".into(), "electricity".into())]
            ),
        ]
    );
    assert_eq!(e.outcomes.len() + e.excluded.len(), 15);
}

#[test]
fn class_cut_offs_are_exact_at_the_boundary() {
    let shares = [20.0, 60.0, 15.0, 5.0];
    let classes: Vec<Class> = (1..=10).map(|r| class_by_rank(&shares, r, 10)).collect();
    use Class::*;
    assert_eq!(classes, vec![A, A, B, B, B, B, B, B, C, D]);
    // Seven enterprises: 20 % of 7 = 1.4, so one A; 95 % = 6.65, so the seventh is D.
    let seven: Vec<Class> = (1..=7).map(|r| class_by_rank(&shares, r, 7)).collect();
    assert_eq!(seven, vec![A, B, B, B, B, C, D]);
    // D may be empty: with D at 0 %, the last is C.
    assert_eq!(class_by_rank(&[20.0, 60.0, 20.0, 0.0], 10, 10), C);
    // By score: at the cut-off counts.
    assert_eq!(class_by_score(&[120.0, 80.0, 60.0], 120.0), A);
    assert_eq!(class_by_score(&[120.0, 80.0, 60.0], 119.99), B);
    assert_eq!(class_by_score(&[120.0, 80.0, 60.0], 59.99), D);
}

#[test]
fn what_if_names_the_value_one_indicator_needs_for_the_next_class() {
    let e = evaluate(&method(), 1.0, &subjects());
    // Enterprise 3: 120, B; A starts at 140, so 20 more points from one indicator.
    let o = outcome(&e, 3);
    assert_eq!(o.next_class_score, Some(140.0));
    let needed: Vec<(Indicator, Option<f64>)> = o.what_if.iter().map(|w| (w.indicator, w.needed)).collect();
    assert_eq!(
        needed,
        vec![
            (Indicator::TaxPerMu, Some(4.0)),        // 80 / 40 × 2
            (Indicator::RevenuePerMu, Some(83.34)),  // 50 / 30 × 50, rounded up
            (Indicator::RevenuePerKwh, Some(16.67)), // 50 / 30 × 10, rounded up
        ]
    );
    // Enterprise 7: 90, B; 50 more points: 亩均税收 reaches its cap exactly (30 + 50 = 80), the
    // others cannot (30 + 50 > 60).
    let o = outcome(&e, 7);
    assert_eq!(o.what_if[0].needed, Some(4.0));
    assert_eq!((o.what_if[1].needed, o.what_if[2].needed), (None, None));
    // Enterprise 8: 80, B; 60 more points: again only 亩均税收 at 4.0 (20 + 60 = 80, its cap).
    let needed: Vec<Option<f64>> = outcome(&e, 8).what_if.iter().map(|w| w.needed).collect();
    assert_eq!(needed, vec![Some(4.0), None, None]);
    // The last (D) needs C's lowest score, 64.
    let o = outcome(&e, 12);
    assert_eq!(o.next_class_score, Some(64.0));
    assert_eq!(o.what_if[0].needed, Some(0.2));
    // The best have nothing to reach.
    assert!(outcome(&e, 1).what_if.is_empty() && outcome(&e, 1).next_class_score.is_none());
}

#[test]
fn low_efficiency_is_under_one_wan_yuan_of_tax_per_mu() {
    let e = evaluate(&method(), 1.0, &subjects());
    let low: Vec<i64> = e.outcomes.iter().filter(|o| o.low_efficiency).map(|o| o.enterprise_id).collect();
    assert_eq!(low, vec![10, 11, 12]); // 0.5, 0.2 and 0 万元/亩; enterprise 8 at exactly 1.0 is not
}

#[test]
fn county_benchmarks_are_the_groups_totals() {
    let mut m = Method::default();
    m.below.indicators = vec![Weighted { indicator: Indicator::TaxPerMu, weight: 100.0, benchmark: Benchmark::County }];
    let mut a = subject(1, 10.0);
    a.land = Land::Parcel { mu: 10.0 };
    let mut b = subject(2, 50.0);
    b.land = Land::Parcel { mu: 30.0 };
    let e = evaluate(&m, 1.0, &[a, b]);
    // (10 + 50) / (10 + 30) = 1.5 万元/亩, not the mean of 1.0 and 1.67.
    assert_eq!(e.benchmarks.iter().find(|b| b.group == Group::Below).map(|b| b.value), Some(1.5));
    assert_eq!(outcome(&e, 1).score, 66.67);
    assert_eq!(outcome(&e, 2).score, 111.11);
}

#[test]
fn ranking_by_division_ranks_each_division_apart() {
    let mut m = method();
    m.ranking = Ranking::Division;
    let mut v = vec![subject(1, 10.0), subject(2, 20.0), subject(3, 5.0)];
    v[2].division = "C38".into();
    let e = evaluate(&m, 1.0, &v);
    assert_eq!((outcome(&e, 2).rank, outcome(&e, 1).rank, outcome(&e, 1).of), (1, 2, 2));
    assert_eq!((outcome(&e, 3).rank, outcome(&e, 3).of, outcome(&e, 3).ranking_group.as_str()), (1, 1, "below:C38"));
}

#[test]
fn scope_leaves_out_groups_tenants_and_small_land() {
    let mut m = method();
    m.scope.above = false;
    m.scope.tenants = false;
    m.scope.min_land_mu = 3.0;
    let mut above = subject(1, 10.0);
    above.group = Group::Above;
    let mut tenant = subject(2, 10.0);
    tenant.land = land_of(None, 1200.0, 156_700.0, 126.0);
    let mut small = subject(3, 10.0);
    small.land = Land::Parcel { mu: 2.5 };
    let mut gone = subject(4, 10.0);
    gone.active = false;
    let e = evaluate(&m, 1.0, &[above, tenant, small, gone, subject(5, 10.0)]);
    let reasons: Vec<&str> = e.excluded.iter().map(|x| x.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "evaluation.excluded.group",
            "evaluation.excluded.tenant",
            "evaluation.excluded.min_land",
            "evaluation.excluded.inactive"
        ]
    );
    assert_eq!(e.outcomes.len(), 1);
}

#[test]
fn land_is_the_parcel_or_the_parks_land_by_floor_area() {
    // 126 亩 × 1,200 m² / 156,700 m² = 0.9649 亩.
    match land_of(None, 1200.0, 156_700.0, 126.0) {
        Land::Apportioned { mu, .. } => assert!((mu - 0.964_901_085).abs() < 1e-6),
        other => panic!("{other:?}"),
    }
    assert_eq!(land_of(Some(5.0), 1200.0, 156_700.0, 126.0), Land::Parcel { mu: 5.0 });
    assert_eq!(land_of(None, 0.0, 156_700.0, 126.0), Land::Unknown);
    assert_eq!(land_of(None, 1200.0, 0.0, 126.0), Land::Unknown);
}

#[test]
fn a_method_that_cannot_work_is_refused_field_by_field() {
    let mut m = Method::default();
    m.below.indicators[0].weight = 30.0; // sums to 90
    m.above.indicators[1].indicator = Indicator::TaxPerMu; // repeated
    m.above.indicators[2].benchmark = Benchmark::Fixed(0.0);
    m.above.cutoffs.shares = [20.0, 60.0, 10.0, 5.0]; // a 5 % gap
    m.below.cutoffs = Cutoffs { by: CutBy::Score, shares: [0.0; 4], min_scores: [80.0, 90.0, 60.0] };
    m.cap = 0.5;
    m.policies.pop();
    let fields: Vec<(String, String)> = m.validate().unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect();
    let want = [
        ("above.tax_per_mu", "evaluation.method.repeated"),
        ("above.value_added_per_energy.benchmark", "evaluation.method.benchmark"),
        ("above.shares", "evaluation.method.shares"),
        ("below.weights", "evaluation.method.weights"),
        ("below.min_scores", "evaluation.method.min_scores"),
        ("cap", "error.out_of_range"),
        ("policies.D", "evaluation.method.policy"),
    ];
    assert_eq!(fields, want.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect::<Vec<_>>());
    assert!(Method::default().validate().is_ok());
}

#[test]
fn class_policies_turn_into_amounts() {
    let m = Method::default();
    let d = m.policy(Class::D).unwrap();
    let t = Totals { electricity: 500_000.0, water: 1_000.0, ..Default::default() };
    assert_eq!(policy_amounts(d, 1, &t).electricity_surcharge, 150_000.0);
    assert_eq!(policy_amounts(d, 3, &t).electricity_surcharge, 200_000.0);
    assert_eq!(policy_amounts(m.policy(Class::A).unwrap(), 1, &t).land_tax_relief_pct, 100.0);
    assert_eq!(policy_amounts(m.policy(Class::B).unwrap(), 1, &t).electricity_surcharge, 0.0);
}

#[test]
fn migration_counts_moves_between_classes() {
    use Class::*;
    let m = migration(&[(1, A), (2, C), (3, C), (4, D)], &[(1, B), (2, B), (3, C), (5, A)]);
    assert_eq!(m.into_iter().collect::<Vec<_>>(), vec![((A, B), 1), ((C, B), 1), ((C, C), 1)]);
}

#[test]
fn a_run_covers_twelve_months_that_have_ended() {
    let last = Month::parse("2026-11").unwrap();
    let f = |m: &str| RunForm { first_month: m.into() }.validate(last);
    let (a, b) = f("2025-01").unwrap();
    assert_eq!((a.to_string(), b.to_string()), ("2025-01".into(), "2025-12".into()));
    assert_eq!(f("2025-12").unwrap().1.to_string(), "2026-11");
    assert_eq!(f("2026-01").unwrap_err().0[0].code, "evaluation.period_not_ended");
    assert_eq!(f("2025-13").unwrap_err().0[0].code, "error.month_format");
}

#[test]
fn publishing_needs_a_draft_without_open_objections_and_no_other_published_run() {
    let names = |c: Vec<Check>| c.into_iter().filter(|c| !c.passed).map(|c| c.rule).collect::<Vec<_>>();
    assert!(names(publish_checks("draft", 0, None)).is_empty());
    assert_eq!(names(publish_checks("draft", 2, None)), vec!["evaluation.no_open_objections"]);
    assert_eq!(names(publish_checks("published", 0, Some(3))), vec!["evaluation.is_draft", "evaluation.one_published"]);
}

#[test]
fn weights_and_shares_too_large_to_add_are_refused_not_a_panic() {
    // Found by schemathesis: weights of -4.7e16 and 5.5e251 overflowed the sum (a 500).
    let mut m = Method::default();
    for (i, w) in m.above.indicators.iter_mut().enumerate() {
        w.weight = if i % 2 == 0 { -4.7e16 } else { 5.5e251 };
    }
    m.below.cutoffs.shares = [6.4e16, 1.1e16, 5.3e111, -2.7e16];
    let fields: Vec<String> = m.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
    assert!(fields.contains(&"above.weights".to_string()), "{fields:?}");
    assert!(fields.contains(&"below.shares".to_string()), "{fields:?}");
}
