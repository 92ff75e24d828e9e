use super::*;

fn y(v: &str) -> Fixed2 {
    Fixed2::parse(v).unwrap()
}

fn facts() -> Facts {
    Facts {
        enterprise_id: 1,
        park_id: 7,
        size: EnterpriseSize::Below,
        industry_code: "C3411".into(),
        tags: vec![Tag::TechBased],
        entry_date: Some("2024-03-10".into()),
        class: Some(Class::B),
        year: Some(YearFigures {
            year: 2025,
            months: 12,
            revenue: y("1800"),
            tax: y("60"),
            tax_local: y("24"),
            profit: y("300"),
            rnd: y("40"),
            employees: y("120"),
        }),
        prior_revenue: Some(y("1500")),
        monthly_rent: y("2000"),
    }
}

fn small_profit() -> Vec<Criterion> {
    vec![
        Criterion::Figure { figure: Figure::Profit, min: Some(y("0.01")), max: Some(y("300")) },
        Criterion::Figure { figure: Figure::Employees, min: None, max: Some(y("300")) },
    ]
}

#[test]
fn small_profit_relief_by_hand_at_the_thresholds() {
    // 1,000,000 元: 25 % standard = 250,000; 1,000,000 × 25 % × 20 % = 50,000; relief 200,000.
    assert_eq!(small_profit_relief(y("1000000")), (y("250000"), y("50000"), y("200000")));
    // 3,000,000 元: standard 750,000; 50,000 + 2,000,000 × 50 % × 20 % = 250,000; relief 500,000.
    assert_eq!(small_profit_relief(y("3000000")), (y("750000"), y("250000"), y("500000")));
    // 1,200,000 元: 50,000 + 200,000 × 10 % = 70,000 against 300,000.
    assert_eq!(small_profit_relief(y("1200000")), (y("300000"), y("70000"), y("230000")));
    // 500,000.01 元: 125,000.0025 → 125,000.00; 25,000.0005 → 25,000.00.
    assert_eq!(small_profit_relief(y("500000.01")).2, y("100000"));
    assert_eq!(small_profit_relief(y("-5")), (Fixed2::ZERO, Fixed2::ZERO, Fixed2::ZERO));
}

#[test]
fn qualifies_at_the_bound_nearly_within_a_fifth_and_not_beyond() {
    let f = facts();
    let a = assess(&small_profit(), &Formula::SmallProfitRelief, &f, "2026-06-01");
    assert_eq!(a.standing, Standing::Qualifies, "{:?}", a.checks);
    let amount = a.amount.unwrap();
    assert_eq!(amount.value, y("500000"));
    assert_eq!(amount.formula, "formula.small_profit_relief");
    assert!(amount.numbers.contains(&("income".into(), y("3000000").plain())));

    let mut over = facts();
    over.year.as_mut().unwrap().profit = y("300.01");
    let a = assess(&small_profit(), &Formula::SmallProfitRelief, &over, "2026-06-01");
    assert_eq!(a.standing, Standing::Nearly);
    assert!(a.amount.is_none());
    let failed: Vec<_> = a.checks.iter().filter(|c| !c.passed).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].rule, "policy.figure");
    assert!(failed[0].numbers.contains(&("value".into(), "300.01".into())));
    assert!(failed[0].numbers.contains(&("max".into(), y("300").plain())));

    over.year.as_mut().unwrap().profit = y("360");
    assert_eq!(assess(&small_profit(), &Formula::None, &over, "2026-06-01").standing, Standing::Nearly);
    over.year.as_mut().unwrap().profit = y("360.01");
    assert_eq!(assess(&small_profit(), &Formula::None, &over, "2026-06-01").standing, Standing::No);

    // Two misses are never "nearly".
    over.year.as_mut().unwrap().profit = y("301");
    over.year.as_mut().unwrap().employees = y("301");
    assert_eq!(assess(&small_profit(), &Formula::None, &over, "2026-06-01").standing, Standing::No);

    // No reports in the basis year: the figure criteria fail, naming the missing figures.
    let mut none = facts();
    none.year = None;
    let a = assess(&small_profit(), &Formula::SmallProfitRelief, &none, "2026-06-01");
    assert_eq!(a.standing, Standing::No);
    assert!(a.checks.iter().all(|c| c.rule == "policy.no_reports" && !c.passed));
}

#[test]
fn formulas_by_hand() {
    let f = facts();
    // 40 万元 of R&D × 75 % = 300,000 元.
    assert_eq!(amount(&Formula::RndSuperDeduction { percent: 75 }, &f).unwrap().value, y("300000"));
    // 2,000 元 a month × 50 % × 12 months = 12,000 元.
    assert_eq!(amount(&Formula::RentSubsidy { percent: 50, months: 12 }, &f).unwrap().value, y("12000"));
    assert_eq!(amount(&Formula::ScaleUpReward { amount: y("100000") }, &f).unwrap().value, y("100000"));
    // 24 万元 local share × 50 % = 120,000 元.
    assert_eq!(amount(&Formula::LocalContribution { percent: 50 }, &f).unwrap().value, y("120000"));
    assert!(amount(&Formula::None, &f).is_none());
    let mut none = facts();
    none.year = None;
    assert!(amount(&Formula::RndSuperDeduction { percent: 75 }, &none).is_none());
}

#[test]
fn scale_up_is_the_first_year_over_the_threshold() {
    let k = [Criterion::ScaleUp];
    let mut f = facts();
    f.size = EnterpriseSize::Above;
    f.year.as_mut().unwrap().revenue = y("2000");
    f.prior_revenue = Some(y("1999.99"));
    assert_eq!(assess(&k, &Formula::None, &f, "2026-01-05").standing, Standing::Qualifies);
    f.prior_revenue = None;
    assert_eq!(assess(&k, &Formula::None, &f, "2026-01-05").standing, Standing::Qualifies);
    // Already over it the year before: not a first year.
    f.prior_revenue = Some(y("2000"));
    assert_eq!(assess(&k, &Formula::None, &f, "2026-01-05").standing, Standing::No);
    // A 规下 enterprise at 80 % of the threshold is nearly there (a 小升规 candidate).
    let mut g = facts();
    g.year.as_mut().unwrap().revenue = y("1600");
    assert_eq!(assess(&k, &Formula::None, &g, "2026-01-05").standing, Standing::Nearly);
    g.year.as_mut().unwrap().revenue = y("1599.99");
    assert_eq!(assess(&k, &Formula::None, &g, "2026-01-05").standing, Standing::No);
}

#[test]
fn years_in_park_class_industry_tag_and_park() {
    let f = facts();
    let years = |min, max| vec![Criterion::YearsInPark { min, max }];
    // Entered 2024-03-10: one whole year on 2026-03-09, two on 2026-03-10.
    assert_eq!(assess(&years(None, Some(1)), &Formula::None, &f, "2026-03-09").standing, Standing::Qualifies);
    assert_eq!(assess(&years(None, Some(1)), &Formula::None, &f, "2026-03-10").standing, Standing::Nearly);
    assert_eq!(assess(&years(None, Some(1)), &Formula::None, &f, "2027-03-10").standing, Standing::No);
    let mut no_date = facts();
    no_date.entry_date = None;
    let a = assess(&years(Some(1), None), &Formula::None, &no_date, "2026-03-10");
    assert_eq!(a.checks[0].rule, "policy.no_entry_date");

    let k = |k: Criterion| assess(&[k], &Formula::None, &f, "2026-06-01").standing;
    assert_eq!(k(Criterion::Class { classes: vec![Class::A, Class::B] }), Standing::Qualifies);
    assert_eq!(k(Criterion::Class { classes: vec![Class::A] }), Standing::No);
    assert_eq!(k(Criterion::Industry { codes: vec!["C34".into()] }), Standing::Qualifies);
    assert_eq!(k(Criterion::Industry { codes: vec!["C".into()] }), Standing::Qualifies);
    assert_eq!(k(Criterion::Industry { codes: vec!["C13".into(), "F".into()] }), Standing::No);
    assert_eq!(k(Criterion::Tag { tag: Tag::TechBased }), Standing::Qualifies);
    assert_eq!(k(Criterion::Tag { tag: Tag::Export }), Standing::No);
    assert_eq!(k(Criterion::Park { ids: vec![7, 9] }), Standing::Qualifies);
    assert_eq!(k(Criterion::Park { ids: vec![9] }), Standing::No);
    assert_eq!(k(Criterion::Size { size: EnterpriseSize::Above }), Standing::No);
    // No criteria: every enterprise qualifies.
    assert_eq!(assess(&[], &Formula::None, &f, "2026-06-01").standing, Standing::Qualifies);
}

#[test]
fn dates_are_strict_and_whole_years_count_birthdays() {
    assert!(parse_date("2026-02-31").is_none());
    assert!(parse_date("2026-2-1").is_none());
    assert!(parse_date("2024-02-29").is_some());
    assert!(parse_date("2025-02-29").is_none());
    let d = |s| parse_date(s).unwrap();
    assert_eq!(whole_years(d("2024-02-29"), d("2025-02-28")), 0);
    assert_eq!(whole_years(d("2024-02-29"), d("2025-03-01")), 1);
    assert_eq!(basis_year("2026-12-02"), 2025);
    assert!(in_force("2026-01-01", "2026-12-31", "2026-12-31"));
    assert!(!in_force("2026-01-01", "2026-12-31", "2027-01-01"));
}

fn fields(e: Invalid) -> Vec<(String, String)> {
    e.0.into_iter().map(|f| (f.field, f.code)).collect()
}

#[test]
fn a_policy_is_refused_field_by_field() {
    let form = PolicyForm {
        title: " ".into(),
        source: "平政发〔2019〕1号".into(),
        benefit: "补贴".into(),
        valid_from: "2026-02-31".into(),
        valid_to: "2025-01-01".into(),
        criteria: vec![
            Criterion::Industry { codes: vec!["Z99".into()] },
            Criterion::Figure { figure: Figure::Profit, min: None, max: None },
            Criterion::Figure { figure: Figure::Revenue, min: Some(y("10")), max: Some(y("5")) },
            Criterion::Class { classes: vec![] },
        ],
        formula: Formula::RentSubsidy { percent: 0, months: 61 },
    };
    let got = fields(form.validate().unwrap_err());
    let want = [
        ("title", "error.required"),
        ("valid_from", "error.date_format"),
        ("criteria.0.codes", "error.unknown_industry"),
        ("criteria.1.min", "error.required"),
        ("criteria.2.max", "error.max_below_min"),
        ("criteria.3.classes", "error.required"),
        ("formula.percent", "error.out_of_range"),
        ("formula.months", "error.out_of_range"),
    ];
    for (f, c) in want {
        assert!(got.contains(&(f.to_string(), c.to_string())), "{f} {c} not in {got:?}");
    }
    assert_eq!(got.len(), want.len(), "{got:?}");

    let ok = PolicyForm {
        title: "小型微利企业所得税优惠".into(),
        source: "平阳县小微企业园高质量发展五年规划 六".into(),
        benefit: "减按".into(),
        valid_from: "2019-01-01".into(),
        valid_to: "2021-12-31".into(),
        criteria: vec![Criterion::Industry { codes: vec!["c34".into(), "3411".into()] }],
        formula: Formula::SmallProfitRelief,
    }
    .validate()
    .unwrap();
    assert_eq!(ok.criteria, vec![Criterion::Industry { codes: vec!["C34".into(), "C3411".into()] }]);
    let to_before = PolicyForm { valid_to: "2018-12-31".into(), ..PolicyForm { ..Default::default() } };
    assert!(fields(to_before.validate().unwrap_err()).iter().all(|(f, _)| f != "valid_to"));
}

#[test]
fn reviews_move_the_application_and_a_refusal_needs_a_reason() {
    let r = |stage: &str, decision: &str, comment: &str| {
        ReviewForm { stage: stage.into(), decision: decision.into(), comment: comment.into() }.validate()
    };
    assert_eq!(
        fields(r("county", "reject", "").unwrap_err()),
        vec![("comment".into(), "error.reason_required".into())]
    );
    assert_eq!(fields(r("mayor", "approve", "").unwrap_err()), vec![("stage".into(), "error.unknown_choice".into())]);
    let ok = r("township", "approve", "").unwrap();
    assert_eq!(next_status(ok.stage, ok.decision), AT_COUNTY);
    assert_eq!(next_status(AT_COUNTY, Decision::Approve), APPROVED);
    assert_eq!(next_status(AT_COUNTY, Decision::Return), RETURNED);
    assert_eq!(next_status(AT_TOWNSHIP, Decision::Reject), REJECTED);
    let a = assess(&[], &Formula::None, &facts(), "2026-06-01");
    let checks = apply_checks("published", true, Some(12), &a);
    assert!(!checks.iter().find(|c| c.rule == "policy.one_application").unwrap().passed);
    assert!(crate::rules::all_passed(&apply_checks("published", true, None, &a)));
    assert!(!crate::rules::all_passed(&apply_checks("draft", true, None, &a)));
}

#[test]
fn the_fast_standing_agrees_with_the_explained_one() {
    let today = "2026-03-10";
    let d = parse_date(today);
    let libraries: Vec<Vec<Criterion>> = vec![
        small_profit(),
        vec![Criterion::ScaleUp],
        vec![Criterion::YearsInPark { min: None, max: Some(1) }, Criterion::Tag { tag: Tag::TechBased }],
        vec![Criterion::Class { classes: vec![Class::A] }, Criterion::Industry { codes: vec!["C34".into()] }],
        vec![],
    ];
    let mut cases = vec![facts()];
    for (profit, employees, revenue) in [("300.01", "120", "1600"), ("361", "301", "2000"), ("0", "0", "0")] {
        let mut f = facts();
        let y = f.year.as_mut().unwrap();
        y.profit = Fixed2::parse(profit).unwrap();
        y.employees = Fixed2::parse(employees).unwrap();
        y.revenue = Fixed2::parse(revenue).unwrap();
        cases.push(f);
    }
    let mut none = facts();
    none.year = None;
    none.entry_date = None;
    cases.push(none);
    for k in &libraries {
        for f in &cases {
            assert_eq!(standing(k, f, d), assess(k, &Formula::None, f, today).standing, "{k:?} {f:?}");
        }
    }
}

#[test]
fn years_in_park_too_large_to_hold_are_refused_not_a_panic() {
    // Found by schemathesis: min -9223372036854775807 years overflowed into hundredths (a 500).
    let form = PolicyForm {
        title: "t".into(),
        source: "s".into(),
        benefit: "b".into(),
        valid_from: "2026-01-01".into(),
        valid_to: String::new(),
        criteria: vec![Criterion::YearsInPark { min: Some(-i64::MAX), max: Some(i64::MAX) }],
        formula: Formula::SmallProfitRelief,
    };
    let got = fields(form.validate().unwrap_err());
    assert!(got.contains(&("criteria.0.min".to_string(), "error.out_of_range".to_string())), "{got:?}");
    assert!(got.contains(&("criteria.0.max".to_string(), "error.out_of_range".to_string())), "{got:?}");
}
