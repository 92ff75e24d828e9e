use super::*;

const H: i64 = 3_600_000;

fn fields(e: Invalid) -> Vec<(String, String)> {
    e.0.into_iter().map(|f| (f.field, f.code)).collect()
}

#[test]
fn a_service_is_refused_field_by_field() {
    let f = ServiceForm {
        category: "astrology".into(),
        name: "".into(),
        provider_kind: "friend".into(),
        provider_name: "园区运营公司".into(),
        response_hours: "0".into(),
        completion_days: "x".into(),
        ..Default::default()
    };
    let got = fields(f.validate().unwrap_err());
    assert_eq!(
        got,
        vec![
            ("category".into(), "error.unknown_choice".into()),
            ("name".into(), "error.required".into()),
            ("provider_kind".into(), "error.unknown_choice".into()),
            ("response_hours".into(), "error.out_of_range".into()),
            ("completion_days".into(), "error.not_integer".into()),
        ]
    );
    let agency = ServiceForm {
        category: "finance".into(),
        name: "融资对接".into(),
        provider_kind: "agency".into(),
        provider_name: "".into(),
        agency_id: "4".into(),
        response_hours: "24".into(),
        completion_days: "10".into(),
        ..Default::default()
    };
    let ok = agency.validate().unwrap();
    assert!(ok.active && ok.provider_kind == ProviderKind::Agency);
    assert_eq!((ok.agency_id, ok.provider_name.as_str()), (Some(4), ""), "named from the registry");
    // An agency's service names its registered agency; another provider is named in words.
    let unnamed = ServiceForm { agency_id: "".into(), ..agency.clone() }.validate().unwrap_err();
    assert_eq!(fields(unnamed), vec![("agency_id".into(), "error.required".into())]);
    let operator = ServiceForm { provider_kind: "operator".into(), ..agency.clone() }.validate().unwrap_err();
    assert_eq!(fields(operator), vec![("provider_name".into(), "error.required".into())]);
    let named = ServiceForm { provider_kind: "county".into(), provider_name: "县经信局".into(), ..agency };
    assert_eq!(named.validate().unwrap().agency_id, None, "only an agency's service names one");
    assert_eq!(functions(&["finance", "legal_aid", "finance"]), 2);
}

#[test]
fn steps_follow_the_lifecycle() {
    assert_eq!(next_state(REQUESTED, Step::Accept), Ok(ACCEPTED));
    assert_eq!(next_state(REQUESTED, Step::Decline), Ok(DECLINED));
    assert_eq!(next_state(REQUESTED, Step::Cancel), Ok(CANCELLED));
    assert_eq!(next_state(ACCEPTED, Step::Complete), Ok(COMPLETED));
    assert_eq!(next_state(COMPLETED, Step::Confirm), Ok(CONFIRMED));
    let refused = next_state(ACCEPTED, Step::Cancel).unwrap_err();
    assert_eq!(refused.rule, "service.step_allowed");
    assert!(next_state(CONFIRMED, Step::Complete).is_err());
    assert!(next_state(REQUESTED, Step::Confirm).is_err());
    assert!(Step::Complete.by_provider() && !Step::Confirm.by_provider());
    // A confirmation needs a rating of 1–5; a decline a reason.
    let confirm = |r: &str| StepForm { step: "confirm".into(), rating: r.into(), ..Default::default() }.validate();
    assert_eq!(confirm("5").unwrap().rating, Some(5));
    assert_eq!(fields(confirm("6").unwrap_err()), vec![("rating".into(), "error.out_of_range".into())]);
    assert_eq!(fields(confirm("").unwrap_err()), vec![("rating".into(), "error.required".into())]);
    let decline = StepForm { step: "decline".into(), ..Default::default() }.validate();
    assert_eq!(fields(decline.unwrap_err()), vec![("note".into(), "error.reason_required".into())]);
}

#[test]
fn deadlines_and_overdue_on_a_synthetic_clock() {
    let t0 = 1_000 * H;
    let d = deadlines(t0, None, 24, 10);
    assert_eq!(d.respond_by, t0 + 24 * H);
    assert_eq!(overdue(REQUESTED, &d, t0 + 24 * H), None, "at the deadline is on time");
    assert_eq!(overdue(REQUESTED, &d, t0 + 24 * H + 1), Some(Overdue::Response));
    let d = deadlines(t0, Some(t0 + 2 * H), 24, 10);
    assert_eq!(d.complete_by, Some(t0 + 2 * H + 240 * H));
    assert_eq!(overdue(ACCEPTED, &d, t0 + 100 * H), None, "accepted: the response deadline no longer counts");
    assert_eq!(overdue(ACCEPTED, &d, t0 + 243 * H), Some(Overdue::Completion));
    assert_eq!(overdue(COMPLETED, &d, t0 + 10_000 * H), None);
}

#[test]
fn figures_by_hand() {
    let done = |hours: i64, late: bool, rating: Option<i64>| Done {
        requested_at: 0,
        completed_at: hours * H,
        complete_by: Some(if late { hours * H - 1 } else { hours * H }),
        rating,
    };
    // 5 requests, 4 completed (10 h, 20 h, 30 h late, 50 h), ratings 5, 4, 2.
    let f = figures(
        5,
        &[done(10, false, Some(5)), done(20, false, Some(4)), done(30, true, Some(2)), done(50, false, None)],
    );
    assert_eq!(f.requests, 5);
    assert_eq!(f.completed, 4);
    assert_eq!(f.on_time_pct, Some(75.0));
    assert_eq!(f.median_hours, Some(25.0));
    assert_eq!(f.satisfaction, Some(3.67));
    assert_eq!(f.rated, 3);
    let none = figures(2, &[]);
    assert_eq!((none.on_time_pct, none.median_hours, none.satisfaction), (None, None, None));
    assert_eq!(figures(1, &[done(7, false, None)]).median_hours, Some(7.0));
}

#[test]
fn attachments_are_typed_by_content() {
    assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
    assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some("image/png"));
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
    assert_eq!(sniff(b"PK\x03\x04...."), Some("application/zip"));
    assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
    assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
    // A page named like a PDF is still a page.
    let e = attachment_checks("营业执照.pdf", b"<html>").unwrap_err();
    assert_eq!(fields(e), vec![("file".into(), "error.file_type".into())]);
    let (name, kind) = attachment_checks("C:\\docs\\营业\n执照.pdf", b"%PDF-1.4").unwrap();
    assert_eq!((name.as_str(), kind), ("营业执照.pdf", "application/pdf"));
    let big = vec![b'%'; MAX_ATTACHMENT + 1];
    assert!(
        fields(attachment_checks("a.pdf", &big).unwrap_err()).contains(&("file".into(), "error.file_too_large".into()))
    );
}
