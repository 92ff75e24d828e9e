//! One store suite, run against SQLite and PostgreSQL (see `both!`).

use weiyuan_domain::Fixed2;
use weiyuan_domain::access::{Actor, Lang, ParkAuthority, ParkScope, Registry, Role, UnitDesk};
use weiyuan_domain::parks::{
    BuildingDraft, DevelopmentModel, Park, ParkDraft, ParkStatus, ParkType, SpaceType, UnitDraft,
};
use weiyuan_store::testing::TestDb;
use weiyuan_store::users::NewUser;
use weiyuan_store::{AuditCtx, AuditQuery, Backend, Store, StoreError};

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(db) = weiyuan_store::testing::TestDb::new(weiyuan_store::Backend::Sqlite).await {
                    super::$name(&db).await;
                    db.drop_db().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = weiyuan_store::testing::TestDb::new(weiyuan_store::Backend::Postgres).await {
                    super::$name(&db).await;
                    db.drop_db().await;
                }
            }
        }
    };
}

fn draft(name: &str, township: &str) -> ParkDraft {
    ParkDraft {
        name: name.into(),
        township_code: township.into(),
        status: ParkStatus::Completed,
        land_mu: Fixed2::parse("52.5").unwrap(),
        building_area_m2: Fixed2::parse("156700").unwrap(),
        leading_industries: "皮革皮件、宠物用品".into(),
        enterprise_count: 11,
        development_model: DevelopmentModel::GovernmentLedSelfBuild,
        park_type: ParkType::Manufacturing,
        progress_note: "".into(),
        lat: Some(27.67),
        lon: Some(120.56),
    }
}

fn ctx() -> AuditCtx {
    AuditCtx::system("test")
}

/// The county's capabilities, as the server grants them to a county user.
fn county() -> Actor {
    Actor {
        user_id: 0,
        username: "test".into(),
        display_name: "test".into(),
        role: Role::County,
        township_code: None,
        park_id: None,
        enterprise_id: None,
        agency_id: None,
        lang: Lang::ZhCn,
    }
}

/// An enterprise of the tests that need one.
fn enterprise_draft() -> weiyuan_domain::enterprises::EnterpriseDraft {
    weiyuan_domain::enterprises::EnterpriseDraft {
        name: "某某有限公司".into(),
        credit_code: "91310110666007217T".into(),
        credit_override: String::new(),
        legal_representative: String::new(),
        contact: String::new(),
        industry_code: "C3411".into(),
        size: weiyuan_domain::enterprises::EnterpriseSize::Below,
        tags: Vec::new(),
        entry_date: None,
    }
}

fn registry() -> Registry {
    county().registry().unwrap()
}

fn desk(p: &Park) -> UnitDesk {
    county().unit_desk(&p.as_ref()).unwrap()
}

fn authority(p: &Park) -> ParkAuthority {
    county().park_authority(&p.as_ref()).unwrap()
}

async fn audit_count(store: &Store) -> i64 {
    store.list_audit(&AuditQuery { limit: 1, ..Default::default() }).await.unwrap().1
}

both!(migrations_run_once_and_record_their_version);
async fn migrations_run_once_and_record_their_version(db: &TestDb) {
    let a = db.store().await;
    assert_eq!(a.schema_version().await.unwrap(), weiyuan_store::LATEST_SCHEMA_VERSION);
    // A second process connecting to the same database does not re-apply anything.
    let b = db.store().await;
    assert_eq!(b.schema_version().await.unwrap(), weiyuan_store::LATEST_SCHEMA_VERSION);
    assert_eq!(a.backend(), db.backend);
}

both!(parks_round_trip_exactly_and_names_are_unique);
async fn parks_round_trip_exactly_and_names_are_unique(db: &TestDb) {
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), Some("PY05"), &draft("昆阳礼品小微园", "330326100")).await.unwrap();
    let back = store.get_park(p.id).await.unwrap();
    assert_eq!(back, p);
    assert_eq!(back.land_mu.plain(), "52.5");
    assert_eq!(back.building_area_wan_m2().plain(), "15.67");
    assert_eq!((back.lat, back.lon), (Some(27.67), Some(120.56)));
    assert_eq!(store.find_park_by_code("PY05").await.unwrap().unwrap().id, p.id);

    let before = audit_count(&store).await;
    let dup = store.create_park(&registry(), &ctx(), None, &draft("昆阳礼品小微园", "330326100")).await;
    assert!(matches!(dup, Err(StoreError::Duplicate("name"))), "{dup:?}");
    assert_eq!(audit_count(&store).await, before, "a refused write leaves no audit entry");

    // Parks without a given code get the next registry code.
    let q = store.create_park(&registry(), &ctx(), None, &draft("新园区", "330326100")).await.unwrap();
    assert!(q.code.starts_with('P') && q.code != "PY05");
    assert!(matches!(store.get_park(999_999).await, Err(StoreError::NotFound)));
}

both!(updates_are_audited_with_before_and_after);
async fn updates_are_audited_with_before_and_after(db: &TestDb) {
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("萧江轻工产业小微园", "330326103")).await.unwrap();
    let mut d = draft("萧江轻工产业小微园", "330326103");
    d.enterprise_count = 220;
    d.lat = None;
    d.lon = None;
    let who = AuditCtx { user_id: None, username: "editor".into() };
    let after = store.update_park(&authority(&p), None, &who, &d).await.unwrap();
    assert_eq!(after.enterprise_count, 220);
    assert_eq!(after.lat, None);
    let (entries, total) = store
        .list_audit(&AuditQuery { username: Some("editor".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(total, 1);
    let e = &entries[0];
    assert_eq!(
        (e.action.as_str(), e.entity.as_str(), e.entity_id, e.park_id),
        ("update", "park", Some(p.id), Some(p.id))
    );
    assert_eq!(e.before.as_ref().unwrap()["enterprise_count"], 11);
    assert_eq!(e.after.as_ref().unwrap()["enterprise_count"], 220);
    assert_eq!(e.after.as_ref().unwrap()["land_mu"], 52.5);
}

both!(a_park_moves_township_only_with_the_registry);
async fn a_park_moves_township_only_with_the_registry(db: &TestDb) {
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("萧江轻工产业小微园", "330326103")).await.unwrap();
    let moved = draft("萧江轻工产业小微园", "330326100");
    // The park's authority alone (a township's) edits the park but cannot move it.
    assert!(matches!(
        store.update_park(&authority(&p), None, &ctx(), &moved).await,
        Err(StoreError::Conflict("township_code"))
    ));
    assert_eq!(store.get_park(p.id).await.unwrap().township_code, "330326103", "nothing written");
    let after = store.update_park(&authority(&p), Some(&registry()), &ctx(), &moved).await.unwrap();
    assert_eq!(after.township_code, "330326100");
}

both!(scopes_select_parks);
async fn scopes_select_parks(db: &TestDb) {
    let store = db.store().await;
    let a = store.create_park(&registry(), &ctx(), Some("A"), &draft("A 园", "330326103")).await.unwrap();
    let b = store.create_park(&registry(), &ctx(), Some("B"), &draft("B 园", "330326103")).await.unwrap();
    let c = store.create_park(&registry(), &ctx(), Some("C"), &draft("C 园", "330326100")).await.unwrap();
    let ids = |v: Vec<weiyuan_domain::parks::Park>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_parks(&ParkScope::All).await.unwrap()), vec![a.id, b.id, c.id]);
    assert_eq!(ids(store.list_parks(&ParkScope::Township("330326103".into())).await.unwrap()), vec![a.id, b.id]);
    assert_eq!(ids(store.list_parks(&ParkScope::Park(c.id)).await.unwrap()), vec![c.id]);
    assert!(store.list_parks(&ParkScope::None).await.unwrap().is_empty());
}

both!(buildings_and_units_keep_their_relations);
async fn buildings_and_units_keep_their_relations(db: &TestDb) {
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("P", "330326103")).await.unwrap();
    let q = store.create_park(&registry(), &ctx(), None, &draft("Q", "330326103")).await.unwrap();
    let b = store
        .create_building(&desk(&p), &ctx(), &BuildingDraft { name: "1号厂房".into(), floors: 5 }, true)
        .await
        .unwrap();
    let qb = store
        .create_building(&desk(&q), &ctx(), &BuildingDraft { name: "1号厂房".into(), floors: 5 }, false)
        .await
        .unwrap();
    assert!(b.generated && !qb.generated);
    // A desk granted for park Q neither sees nor touches park P's building.
    let renamed = BuildingDraft { name: "改名".into(), floors: 5 };
    assert!(matches!(store.update_building(&desk(&q), &ctx(), b.id, &renamed).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_building(&desk(&q), &ctx(), b.id).await, Err(StoreError::NotFound)));
    let dup =
        store.create_building(&desk(&p), &ctx(), &BuildingDraft { name: "1号厂房".into(), floors: 3 }, false).await;
    assert!(matches!(dup, Err(StoreError::Duplicate("name"))));

    let unit = |building_id, floor, number: &str| UnitDraft {
        building_id,
        floor,
        number: number.into(),
        area_m2: Fixed2::parse("500").unwrap(),
        space_type: SpaceType::Production,
    };
    let u = store.create_unit(&desk(&p), &ctx(), &unit(b.id, 5, "501"), false).await.unwrap();
    assert_eq!(store.get_unit(u.id).await.unwrap(), u);
    // A unit of park P cannot sit in a building of park Q.
    assert!(matches!(
        store.create_unit(&desk(&p), &ctx(), &unit(qb.id, 1, "101"), false).await,
        Err(StoreError::Conflict("building_id"))
    ));
    assert!(matches!(
        store.create_unit(&desk(&p), &ctx(), &unit(b.id, 2, "501"), false).await,
        Err(StoreError::Duplicate("number"))
    ));
    // Floors cannot drop below an existing unit, a building with units cannot be deleted.
    let lower =
        store.update_building(&desk(&p), &ctx(), b.id, &BuildingDraft { name: "1号厂房".into(), floors: 4 }).await;
    assert!(matches!(lower, Err(StoreError::Conflict("floors"))));
    assert!(matches!(store.delete_building(&desk(&p), &ctx(), b.id).await, Err(StoreError::Conflict("units"))));

    let moved = store
        .update_unit(
            &desk(&p),
            &ctx(),
            u.id,
            &UnitDraft { area_m2: Fixed2::parse("499.99").unwrap(), ..unit(b.id, 4, "401") },
        )
        .await
        .unwrap();
    assert_eq!((moved.floor, moved.number.as_str(), moved.area_m2.plain()), (4, "401", "499.99".to_string()));
    assert_eq!(store.list_units(p.id).await.unwrap(), vec![moved.clone()]);
    store.delete_unit(&desk(&p), &ctx(), u.id).await.unwrap();
    store.delete_building(&desk(&p), &ctx(), b.id).await.unwrap();
    assert!(store.list_buildings(p.id).await.unwrap().is_empty());
    let (entries, _) = store
        .list_audit(&AuditQuery { entity: Some("unit".into()), park_id: Some(p.id), limit: 10, ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["delete", "update", "create"], "newest first");
}

both!(a_reports_import_writes_only_for_its_filers_and_corrects_old_parks_months);
async fn a_reports_import_writes_only_for_its_filers_and_corrects_old_parks_months(db: &TestDb) {
    use weiyuan_domain::progress::Month;
    use weiyuan_domain::reports::{N, ReportDraft};
    use weiyuan_store::reports::NewReport;
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("P", "330326103")).await.unwrap();
    let q = store.create_park(&registry(), &ctx(), None, &draft("Q", "330326103")).await.unwrap();
    let d = enterprise_draft();
    let e = store.create_enterprise(&desk(&p), &ctx(), &d, true).await.unwrap();
    let m = Month::parse("2024-03").unwrap();
    let mut figures = [None; N];
    figures[0] = Some(Fixed2::from_units(100));
    let filed = NewReport { enterprise_id: e.id, park_id: p.id, month: m, figures, submitted_at: 1, late: false };
    store.insert_enterprise_reports(std::slice::from_ref(&filed), "test", false).await.unwrap();
    let before = store.enterprise_report(e.id, m).await.unwrap().unwrap();
    let mut corrected = figures;
    corrected[0] = Some(Fixed2::from_units(120));
    let fix = ReportDraft { month: m, figures: corrected, reason: "更正".into(), jumped: Vec::new() };
    let next = NewReport { month: Month::parse("2024-04").unwrap(), ..filed };
    // The enterprise has moved to Q since (its filer is granted there): it still corrects the
    // month it filed in P, but a new month is of its park now, Q.
    let in_q = county().report_filer(&q.as_ref(), e.id).unwrap();
    let none = |_: usize| {};
    let wrong_park = store.import_enterprise_reports(&[in_q], &ctx(), &[next], &[], &none).await;
    assert!(matches!(wrong_park, Err(StoreError::NotFound)), "{wrong_park:?}");
    let in_q = county().report_filer(&q.as_ref(), e.id).unwrap();
    let fixes = [(before.clone(), fix.clone())];
    assert_eq!(store.import_enterprise_reports(&[in_q], &ctx(), &[], &fixes, &none).await.unwrap(), 1);
    assert_eq!(store.enterprise_report(e.id, m).await.unwrap().unwrap().figures[0], Some(Fixed2::from_units(120)));
    // A filer of another enterprise writes nothing.
    let other = county().report_filer(&p.as_ref(), e.id + 1).unwrap();
    let refused = store.import_enterprise_reports(&[other], &ctx(), &[], &fixes, &none).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
}

both!(year_totals_follow_every_way_reports_arrive);
async fn year_totals_follow_every_way_reports_arrive(db: &TestDb) {
    use weiyuan_domain::progress::Month;
    use weiyuan_domain::reports::{N, ReportDraft, index};
    use weiyuan_store::reports::NewReport;
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("P", "330326103")).await.unwrap();
    let e = store.create_enterprise(&desk(&p), &ctx(), &enterprise_draft(), true).await.unwrap();
    let fig = |pairs: &[(&str, i64)]| {
        let mut f = [None; N];
        for (k, v) in pairs {
            f[index(k).unwrap()] = Some(Fixed2::from_units(*v));
        }
        f
    };
    let report = |month: &str, figures| NewReport {
        enterprise_id: e.id,
        park_id: p.id,
        month: Month::parse(month).unwrap(),
        figures,
        submitted_at: 1,
        late: false,
    };
    // Loaded in bulk: a month without tax, one with it, one of another year.
    let loaded = [
        report("2024-01", fig(&[("revenue", 100)])),
        report("2024-02", fig(&[("revenue", 50), ("tax", 7), ("employees", 12)])),
        report("2023-12", fig(&[("profit", -3)])),
    ];
    store.insert_enterprise_reports(&loaded, "test", false).await.unwrap();
    assert_eq!(store.enterprise_years_drift().await.unwrap(), vec![], "bulk load");
    // Imported: a new month (added to its year) and a correction of January (its year summed
    // again), in one file.
    let filer = county().report_filer(&p.as_ref(), e.id).unwrap();
    let january = store.enterprise_report(e.id, Month::parse("2024-01").unwrap()).await.unwrap().unwrap();
    let fix = ReportDraft {
        month: january.month,
        figures: fig(&[("revenue", 120), ("tax", 1)]),
        reason: "更正".into(),
        jumped: Vec::new(),
    };
    let new = [report("2024-03", fig(&[("revenue", 10), ("employees", 14)]))];
    let written = store.import_enterprise_reports(&[filer], &ctx(), &new, &[(january, fix)], &|_| {}).await.unwrap();
    assert_eq!(written, 2);
    assert_eq!(store.enterprise_years_drift().await.unwrap(), vec![], "import");
    // The check itself sees a total that does not match its reports.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE enterprise_years SET tax = tax + 1 WHERE year = 2024").execute(&pool).await.unwrap();
    pool.close().await;
    assert_eq!(store.enterprise_years_drift().await.unwrap(), vec![(e.id, 2024)]);
}

both!(sessions_and_login_failures);
async fn sessions_and_login_failures(db: &TestDb) {
    let store = db.store().await;
    let p = store.create_park(&registry(), &ctx(), None, &draft("P", "330326103")).await.unwrap();
    let d = enterprise_draft();
    let e = store.create_enterprise(&desk(&p), &ctx(), &d, true).await.unwrap();
    // One enterprise per credit code.
    let again = store
        .create_enterprise(
            &desk(&p),
            &ctx(),
            &weiyuan_domain::enterprises::EnterpriseDraft { name: "另一家".into(), ..d.clone() },
            true,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate("credit_code"))), "{again:?}");
    let new = |username: &str, role, enterprise_id| NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "h".into(),
        role,
        township_code: None,
        park_id: None,
        enterprise_id,
        agency_id: None,
        lang: Lang::En,
    };
    let u = store
        .create_user(&county().user_admin().unwrap(), &ctx(), &new("ent", Role::Enterprise, Some(e.id)))
        .await
        .unwrap();
    // An enterprise user's park is its enterprise's park.
    assert_eq!((u.park_id, u.enterprise_id, u.lang), (Some(p.id), Some(e.id), Lang::En));
    assert!(matches!(
        store.create_user(&county().user_admin().unwrap(), &ctx(), &new("ent", Role::County, None)).await,
        Err(StoreError::Duplicate("username"))
    ));

    store.create_session(&u, "live", "csrf1", 60_000, "web").await.unwrap();
    store.create_session(&u, "old", "csrf2", -1, "web").await.unwrap();
    let (found, csrf) = store.session_user("live").await.unwrap().unwrap();
    assert_eq!((found.id, csrf.as_str()), (u.id, "csrf1"));
    assert!(store.session_user("old").await.unwrap().is_none(), "expired");
    assert!(store.session_user("nope").await.unwrap().is_none());
    store.set_password(&county().user_admin().unwrap(), &ctx(), u.id, "h2").await.unwrap();
    assert!(store.session_user("live").await.unwrap().is_none(), "a password reset ends sessions");
    assert_eq!(store.user_credentials("ent").await.unwrap().unwrap().1, "h2");

    let t0 = weiyuan_store::now_ms() - 1;
    for _ in 0..3 {
        store.record_login_failure("ent", "10.0.0.1").await.unwrap();
    }
    store.record_login_failure("other", "10.0.0.1").await.unwrap();
    store.record_login_failure("ent", "10.0.0.2").await.unwrap();
    let ((n, last), (from_client, first)) = store.login_failures_since("ent", "10.0.0.1", t0).await.unwrap();
    assert_eq!((n, from_client), (3, 4), "this account at this address; this address for any account");
    assert!(last.unwrap() >= first.unwrap() && first.unwrap() >= t0);
    assert_eq!(store.login_failures_since("ent", "10.0.0.3", t0).await.unwrap().0.0, 0);
    store.clear_login_failures("ent", "10.0.0.1").await.unwrap();
    assert_eq!(store.login_failures_since("ent", "10.0.0.1", t0).await.unwrap().0.0, 0);
    assert_eq!(store.login_failures_since("ent", "10.0.0.2", t0).await.unwrap().0.0, 1, "other addresses keep theirs");
}

both!(audit_filters_and_pages);
async fn audit_filters_and_pages(db: &TestDb) {
    let store = db.store().await;
    let alice = AuditCtx { user_id: None, username: "alice".into() };
    for i in 0..7 {
        store.create_park(&registry(), &alice, None, &draft(&format!("园{i}"), "330326103")).await.unwrap();
    }
    store.create_park(&registry(), &ctx(), None, &draft("别的", "330326100")).await.unwrap();
    let q = |offset| AuditQuery { username: Some("alice".into()), limit: 5, offset, ..Default::default() };
    let (page1, total) = store.list_audit(&q(0)).await.unwrap();
    let (page2, _) = store.list_audit(&q(5)).await.unwrap();
    assert_eq!((total, page1.len(), page2.len()), (7, 5, 2));
    assert!(page1[0].id > page1[4].id && page1[4].id > page2[0].id);
    let future = AuditQuery { from_ms: Some(weiyuan_store::now_ms() + 60_000), limit: 5, ..Default::default() };
    assert_eq!(store.list_audit(&future).await.unwrap().1, 0);
    let (none, _) =
        store.list_audit(&AuditQuery { action: Some("delete".into()), limit: 5, ..Default::default() }).await.unwrap();
    assert!(none.is_empty());
}

both!(concurrent_creates_of_one_name_leave_exactly_one);
async fn concurrent_creates_of_one_name_leave_exactly_one(db: &TestDb) {
    // Two stores = two connection pools, as two server processes would have.
    let (a, b) = (db.store().await, db.store().await);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.create_park(&registry(), &ctx(), None, &draft("同名园区", "330326103")).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Duplicate("name")) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(a.list_parks(&ParkScope::All).await.unwrap().len(), 1);
    assert_eq!(audit_count(&a).await, 1);
}

#[test]
fn backends_are_chosen_by_url() {
    assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
    assert_eq!(Backend::from_url("postgres://u@h/d").unwrap(), Backend::Postgres);
    assert!(matches!(Backend::from_url("mysql://h/d"), Err(StoreError::BadUrl(_))));
}

mod progress_store {
    use super::*;
    use weiyuan_domain::progress::{MilestoneDraft, MilestoneKind, Money, Month, PlanYear, ProgressDraft, YearFigures};
    use weiyuan_store::progress::PlanBaseline;

    fn report(month: &str, land: i64) -> ProgressDraft {
        ProgressDraft {
            month: Month::parse(month).unwrap(),
            land_supplied_mu: Fixed2::from_units(land),
            started_mu: Fixed2::ZERO,
            completed_m2: Fixed2::from_units(1000),
            enterprises_moved_in: 2,
            investment: Money::from_wan(Fixed2::from_units(300)),
            problems: "用地指标".into(),
        }
    }

    both!(plans_reports_and_milestones_round_trip);
    async fn plans_reports_and_milestones_round_trip(db: &TestDb) {
        let store = db.store().await;
        let p = store.create_park(&registry(), &ctx(), Some("A"), &draft("A 园", "330326103")).await.unwrap();
        let q = store.create_park(&registry(), &ctx(), Some("B"), &draft("B 园", "330326100")).await.unwrap();
        let y2019 = PlanYear {
            year: 2019,
            figures: YearFigures {
                land_supply_mu: Some(Fixed2::parse("66.9").unwrap()),
                construction_start_mu: None,
                completion_m2: Some(Fixed2::from_units(300_000)),
                output: Some(Money::from_yi(Fixed2::parse("10").unwrap())),
            },
        };
        store.set_plan_year(&registry(), &ctx(), p.id, &y2019).await.unwrap();
        store.set_plan_year(&registry(), &ctx(), q.id, &PlanYear { year: 2020, ..y2019 }).await.unwrap();
        assert_eq!(store.plans_of(p.id).await.unwrap(), vec![y2019]);
        assert_eq!(
            store.list_plans(&ParkScope::Township("330326100".into())).await.unwrap(),
            vec![(q.id, PlanYear { year: 2020, ..y2019 })]
        );
        // Setting the same year again changes nothing and writes no audit entry; an empty year removes it.
        let before = audit_count(&store).await;
        store.set_plan_year(&registry(), &ctx(), p.id, &y2019).await.unwrap();
        assert_eq!(audit_count(&store).await, before);
        store
            .set_plan_year(&registry(), &ctx(), p.id, &PlanYear { year: 2019, figures: YearFigures::default() })
            .await
            .unwrap();
        assert!(store.plans_of(p.id).await.unwrap().is_empty());

        let b = PlanBaseline {
            supplied_land_mu: Some(Fixed2::from_units(800)),
            started_land_mu: None,
            responsible: "滨海新区".into(),
        };
        store.set_baseline(&registry(), &ctx(), p.id, &b).await.unwrap();
        assert_eq!(store.baseline(p.id).await.unwrap(), b);
        assert_eq!(store.baseline(q.id).await.unwrap(), PlanBaseline::default());

        // A correction keeps the first filing time and is audited with before and after.
        let first = store.file_report(&authority(&p), &ctx(), &report("2019-03", 10), 1_000, false).await.unwrap();
        let fixed = store
            .file_report(&authority(&p), &AuditCtx::system("editor"), &report("2019-03", 12), 9_000, false)
            .await
            .unwrap();
        assert_eq!(
            (first.submitted_at, fixed.submitted_at, fixed.land_supplied_mu.plain()),
            (1_000, 1_000, "12".into())
        );
        store.file_report(&authority(&q), &ctx(), &report("2019-04", 1), 2_000, true).await.unwrap();
        let mine = store.list_reports(&ParkScope::Park(p.id)).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (mine[0].investment.wan().plain(), mine[0].problems.as_str(), mine[0].submitted_by.as_str()),
            ("300".into(), "用地指标", "editor")
        );
        assert_eq!(store.list_reports(&ParkScope::All).await.unwrap().len(), 2);
        let (entries, _) = store
            .list_audit(&AuditQuery {
                entity: Some("progress_report".into()),
                park_id: Some(p.id),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(entries[0].action, "update");
        assert_eq!(entries[0].before.as_ref().unwrap()["land_supplied_mu"], 10.0);

        store
            .set_year_output(&registry(), &ctx(), p.id, 2019, Money::from_yi(Fixed2::parse("9.5").unwrap()), true)
            .await
            .unwrap();
        let out = store.list_year_output(&ParkScope::All).await.unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].1, out[0].2.yi().plain(), out[0].3), (2019, "9.5".into(), true));

        let d = MilestoneDraft {
            phase: "一期".into(),
            kind: MilestoneKind::Completed,
            planned_date: Some("2019-06-30".into()),
            actual_date: None,
        };
        let m = store.set_milestone(&authority(&p), &ctx(), &d, false).await.unwrap();
        let m2 = store
            .set_milestone(
                &authority(&p),
                &ctx(),
                &MilestoneDraft { actual_date: Some("2019-08-01".into()), ..d },
                false,
            )
            .await
            .unwrap();
        assert_eq!(m.id, m2.id, "one milestone per phase and kind");
        assert_eq!(store.list_milestones(p.id).await.unwrap(), vec![m2.clone()]);
        store.delete_milestone(&authority(&p), &ctx(), m2.id).await.unwrap();
        assert!(store.list_milestones(p.id).await.unwrap().is_empty());
    }
}
