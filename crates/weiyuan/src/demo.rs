//! The demo data set: the 20 Pingyang parks of the seed's annexes 3–5 (exact figures, see
//! docs/data-notes.md), generated buildings and units (labelled as generated), one generated
//! enterprise, and a login for each role. Loading is idempotent: records are matched by code
//! or name and only missing ones are created, so a second run neither duplicates nor loses data.

use weiyuan_domain::codes::uscc_check_char;
use weiyuan_domain::parks::{BuildingDraft, ParkForm, ParkStatus, SpaceType, UnitDraft};
use weiyuan_domain::progress::{
    MilestoneDraft, MilestoneKind, Money, Month, PlanYear, ProgressDraft, YearFigures, report_due_ms,
};
use weiyuan_domain::units::wan_m2_to_m2;
use weiyuan_domain::{Fixed2, Invalid};
use weiyuan_server::exchange::table::{ImportLimits, read_csv};
use weiyuan_server::users::{UserForm, prepare_demo};
use weiyuan_store::progress::{PlanBaseline, Target};
use weiyuan_store::{AuditCtx, Store};

pub const PARKS_CSV: &str = include_str!("../demo/pingyang_parks.csv");
pub const PLANS_CSV: &str = include_str!("../demo/pingyang_plans.csv");
pub const BASELINE_CSV: &str = include_str!("../demo/pingyang_plan_baseline.csv");
pub const TARGETS_CSV: &str = include_str!("../demo/pingyang_targets.csv");
/// GB/T 4754 classes fitting each demo park's leading industries, with a word for names.
pub const PARK_INDUSTRIES: [(&str, &[(&str, &str)]); 9] = [
    ("PY01", &[("C3990", "电子"), ("C3981", "电子元件")]),
    ("PY02", &[("C2319", "印刷"), ("C2231", "包装")]),
    ("PY03", &[("C1910", "皮革"), ("C1922", "箱包"), ("C1923", "皮具")]),
    ("PY04", &[("C3441", "泵业"), ("C3812", "电机"), ("C3484", "机械")]),
    ("PY05", &[("C2439", "工艺礼品"), ("C2411", "文具")]),
    ("PY06", &[("C2926", "塑业"), ("C2921", "薄膜"), ("C2319", "彩印")]),
    ("PY07", &[("C1910", "皮革"), ("C1922", "箱包"), ("C1923", "皮件")]),
    ("PY08", &[("C3670", "汽车配件"), ("C3752", "摩配"), ("C3484", "机械"), ("C1819", "服饰"), ("C1830", "时尚")]),
    ("PY09", &[("C2319", "彩印"), ("C2231", "包装")]),
];

const NAME_A: [&str; 24] = [
    "鑫", "华", "永", "宏", "金", "天", "恒", "博", "顺", "瑞", "盛", "通", "海", "德", "宝", "隆", "丰", "泰", "信",
    "安", "正", "嘉", "联", "新",
];
const NAME_B: [&str; 20] = [
    "达", "通", "兴", "远", "瑞", "成", "丰", "发", "昌", "源", "辉", "升", "利", "晟", "诚", "泽", "宇", "恒", "创",
    "邦",
];

/// Generated enterprises of a park (`count` of them, numbered from `serial`): valid credit codes,
/// classes of the park's industries, entry dates 2016–2022; one in a hundred is above designated
/// size, some carry cultivation tags; every 250th has an early code that fails the check character
/// and was accepted with a recorded reason.
pub fn generated_enterprises(
    code: &str,
    count: usize,
    serial: u32,
    taken: &mut std::collections::HashSet<String>,
) -> Vec<weiyuan_domain::enterprises::EnterpriseDraft> {
    use weiyuan_domain::enterprises::{EnterpriseDraft, EnterpriseSize, Tag};
    let Some((_, industries)) = PARK_INDUSTRIES.iter().find(|(c, _)| *c == code) else { return Vec::new() };
    let mut rng = Lcg::new(&format!("{code}-enterprises"));
    (0..count)
        .map(|i| {
            let n = serial + i as u32;
            let (class, word) = industries[rng.range(0, industries.len() as i64 - 1) as usize];
            let mut name = format!(
                "平阳县{}{}{}有限公司",
                NAME_A[rng.range(0, 23) as usize],
                NAME_B[rng.range(0, 19) as usize],
                word
            );
            let mut k = 2;
            while !taken.insert(name.clone()) {
                name = format!(
                    "平阳县{}{}{}{}有限公司",
                    NAME_A[rng.range(0, 23) as usize],
                    NAME_B[rng.range(0, 19) as usize],
                    word,
                    k
                );
                k += 1;
            }
            let mut credit_code = demo_credit_code(n);
            let mut credit_override = String::new();
            if n.is_multiple_of(250) {
                // Keep the first 17 characters, break the check character.
                let wrong = if credit_code.ends_with('0') { '1' } else { '0' };
                credit_code = format!("{}{wrong}", &credit_code[..17]);
                credit_override = "演示：2015 年前发放的早期代码，校验位不符，经市场监管部门核实".into();
            }
            let tags = [Tag::TechBased, Tag::Specialized, Tag::Upgraded, Tag::HighTech]
                .into_iter()
                .filter(|_| rng.range(0, 9) == 0)
                .collect();
            EnterpriseDraft {
                name,
                credit_code,
                credit_override,
                legal_representative: format!(
                    "{}{}",
                    ["陈", "林", "黄", "郑", "王", "张", "李", "吴", "周", "杨"][rng.range(0, 9) as usize],
                    ["建国", "伟", "海峰", "志强", "丽", "晓东", "国平", "文斌"][rng.range(0, 7) as usize]
                ),
                contact: format!("0577-63{:06}", 100_000 + n),
                industry_code: class.to_string(),
                size: if rng.range(0, 99) == 0 { EnterpriseSize::Above } else { EnterpriseSize::Below },
                tags,
                entry_date: Some(format!("{}-{:02}-{:02}", rng.range(2016, 2022), rng.range(1, 12), rng.range(1, 28))),
            }
        })
        .collect()
}

/// Parks whose generated progress deliberately falls behind plan, and by how much (per cent of plan).
pub const LAGGING_PARKS: [(&str, i64); 3] = [("PY07", 55), ("PY13", 60), ("PY18", 70)];
pub use weiyuan_server::users::DEMO_PASSWORD;
/// The park whose operator and enterprise get demo logins: 万洋众创城.
pub const DEMO_PARK_CODE: &str = "PY08";
pub const DEMO_ENTERPRISE: &str = "平阳县微园演示机械配件有限公司";
/// The registered service agency with a demo login (it provides the county-wide guarantee).
pub const DEMO_AGENCY: &str = "平阳县中小企业融资担保中心";

/// (username, display name, role, scope) of the demo logins.
pub const DEMO_USERS: [(&str, &str, &str, &str); 6] = [
    ("county", "平阳县小微园办", "county", ""),
    ("xiaojiang", "萧江镇人民政府", "township", "330326103"),
    ("binhai", "滨海新区管委会", "township", "330326900"),
    ("wanyang", "万洋众创城运营公司", "operator", DEMO_PARK_CODE),
    ("enterprise", DEMO_ENTERPRISE, "enterprise", DEMO_ENTERPRISE),
    ("agency", DEMO_AGENCY, "agency", DEMO_AGENCY),
];

/// A CSV with a header row as (header, rows).
fn csv_table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let sheet = read_csv(text, &ImportLimits::default()).expect("seed table").remove(0);
    let mut rows = sheet.to_rows().into_iter().filter(|r| r.iter().any(|c| !c.trim().is_empty()));
    let header = rows.next().expect("header");
    (header, rows.collect())
}

fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    // A row's trailing empty cells are not stored.
    row.get(i).map(String::as_str).unwrap_or("")
}

/// The seed plans (annexes 6 and 7) as (park code, plan year).
pub fn seed_plans() -> Vec<(String, PlanYear)> {
    let (h, rows) = csv_table(PLANS_CSV);
    rows.iter()
        .map(|r| {
            let num = |name: &str| {
                Some(cell(&h, r, name)).filter(|v| !v.is_empty()).map(|v| Fixed2::parse(v).expect("seed number"))
            };
            let year = cell(&h, r, "year").parse().expect("year");
            let figures = YearFigures {
                land_supply_mu: num("land_supply_mu"),
                construction_start_mu: num("construction_start_mu"),
                completion_m2: num("completion_wan_m2").and_then(wan_m2_to_m2),
                output: num("output_yi").map(Money::from_yi),
            };
            (cell(&h, r, "code").to_string(), PlanYear { year, figures })
        })
        .collect()
}

pub fn seed_baselines() -> Vec<(String, PlanBaseline)> {
    let (h, rows) = csv_table(BASELINE_CSV);
    rows.iter()
        .map(|r| {
            let num = |name: &str| {
                Some(cell(&h, r, name)).filter(|v| !v.is_empty()).map(|v| Fixed2::parse(v).expect("seed number"))
            };
            let b = PlanBaseline {
                supplied_land_mu: num("supplied_land_mu"),
                started_land_mu: num("started_land_mu"),
                responsible: cell(&h, r, "responsible").to_string(),
            };
            (cell(&h, r, "code").to_string(), b)
        })
        .collect()
}

pub fn seed_targets() -> Vec<Target> {
    let (h, rows) = csv_table(TARGETS_CSV);
    rows.iter()
        .map(|r| Target {
            key: cell(&h, r, "key").into(),
            value: Fixed2::parse(cell(&h, r, "value")).expect("target value"),
            unit: cell(&h, r, "unit").into(),
            text: cell(&h, r, "text").into(),
        })
        .collect()
}

/// Spread a year's figure over twelve months so that the running total never falls behind an
/// even spread: month i gets floor(total·i/12) − floor(total·(i−1)/12).
fn spread(total: Fixed2, month: u32) -> Fixed2 {
    let at = |i: i64| total.0 * i / 12;
    Fixed2(at(month as i64) - at(month as i64 - 1))
}

/// Generated monthly reports of a park, from its plans: on plan (a little ahead) for most parks,
/// behind for the parks in LAGGING_PARKS; through `last`, the last month that is over. The last
/// month is left unfiled for two parks and filed late for one, so the county view has cases.
pub fn generated_reports(code: &str, plans: &[PlanYear], enterprises: i64, last: Month) -> Vec<(ProgressDraft, i64)> {
    let builds =
        |f: &YearFigures| f.land_supply_mu.is_some() || f.construction_start_mu.is_some() || f.completion_m2.is_some();
    let Some(first_year) = plans.iter().filter(|p| builds(&p.figures)).map(|p| p.year).min() else {
        return Vec::new();
    };
    let pct =
        LAGGING_PARKS.iter().find(|(c, _)| *c == code).map(|(_, p)| *p).unwrap_or(100 + (Lcg::new(code).range(2, 8)));
    let mut rng = Lcg::new(&format!("{code}-reports"));
    let scaled = |v: Option<Fixed2>| Fixed2(v.unwrap_or_default().0 * pct / 100);
    let months = Month::new(first_year, 1).expect("valid").through(last);
    let per_month_enterprises = (enterprises / months.len().max(1) as i64).max(0);
    let mut out = Vec::new();
    for m in months {
        let plan = plans.iter().find(|p| p.year == m.year).map(|p| p.figures).unwrap_or_default();
        let land = spread(scaled(plan.land_supply_mu), m.month);
        let started = spread(scaled(plan.construction_start_mu), m.month);
        // Completions go in 0.01 万㎡ (100 m²) steps, the precision reports are made in.
        let completed_wan = spread(scaled(plan.completion_m2.map(weiyuan_domain::units::m2_to_wan_m2)), m.month);
        let completed = wan_m2_to_m2(completed_wan).unwrap_or_default();
        let d = ProgressDraft {
            month: m,
            land_supplied_mu: land,
            started_mu: started,
            completed_m2: completed,
            enterprises_moved_in: if completed.0 > 0 { per_month_enterprises + rng.range(0, 2) } else { 0 },
            // About 150 万元 of investment per 亩 started, plus fitting-out of completed space.
            investment: Money::from_wan(Fixed2(started.0 * 150 + completed.0 / 10_000 * 800)),
            problems: String::new(),
        };
        let due = report_due_ms(m);
        let late = m == last && code == "PY09";
        let missing = m == last && (code == "PY16" || code == "PY10");
        if missing {
            continue;
        }
        let submitted = if late { due + 3 * 86_400_000 } else { due - rng.range(1, 5) * 86_400_000 };
        out.push((d, submitted));
    }
    out
}

/// Generated milestones of one phase: planned from the plan years, reached for parks on plan.
pub fn generated_milestones(status: ParkStatus, plans: &[PlanYear], lagging: bool, today: &str) -> Vec<MilestoneDraft> {
    let year_end = |y: i32| format!("{y}-12-31");
    let last_with = |f: fn(&YearFigures) -> bool| plans.iter().filter(|p| f(&p.figures)).map(|p| p.year).max();
    let land = last_with(|f| f.land_supply_mu.is_some()).map(year_end);
    let start = last_with(|f| f.construction_start_mu.is_some()).map(year_end);
    let done_year = last_with(|f| f.completion_m2.is_some());
    let done = done_year.map(year_end);
    let moved = done_year.map(|y| format!("{}-03-31", y + 1));
    let production = done_year.map(|y| format!("{}-12-31", y + 1));
    let planned = match status {
        ParkStatus::Completed => vec![
            Some("2016-06-30".to_string()),
            Some("2016-12-31".into()),
            Some("2017-12-31".into()),
            Some("2018-03-31".into()),
            Some("2018-12-31".into()),
        ],
        _ => vec![land, start, done, moved, production],
    };
    MilestoneKind::ALL
        .iter()
        .zip(planned)
        .filter_map(|(kind, planned)| {
            let planned = planned?;
            let reached = status == ParkStatus::Completed || (!lagging && planned.as_str() < today);
            Some(MilestoneDraft {
                phase: "一期".into(),
                kind: *kind,
                actual_date: reached.then(|| planned.clone()),
                planned_date: Some(planned),
            })
        })
        .collect()
}

/// The seed parks as (code, form), in annex order.
pub fn seed_parks() -> Vec<(String, ParkForm)> {
    let (header, rows) = csv_table(PARKS_CSV);
    let col = |row: &[String], name: &str| cell(&header, row, name).to_string();
    rows.into_iter()
        .map(|r| {
            let form = ParkForm {
                name: col(&r, "name"),
                township_code: col(&r, "township_code"),
                status: col(&r, "status"),
                land_mu: col(&r, "land_mu"),
                building_area_wan_m2: col(&r, "building_area_wan_m2"),
                building_area_m2: String::new(),
                leading_industries: col(&r, "leading_industries"),
                enterprise_count: col(&r, "enterprise_count"),
                development_model: col(&r, "development_model"),
                park_type: col(&r, "park_type"),
                progress_note: col(&r, "progress_note"),
                lat: col(&r, "lat"),
                lon: col(&r, "lon"),
            };
            (col(&r, "code"), form)
        })
        .collect()
}

/// A small deterministic generator (64-bit LCG), seeded from a text.
struct Lcg(u64);

impl Lcg {
    fn new(seed: &str) -> Self {
        // FNV-1a of the seed.
        Lcg(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

/// Buildings and units for a park that has built space: (building, its units). Deterministic in
/// the park's code; sized so that the units never exceed the park's building area.
pub fn generated_layout(
    code: &str,
    status: ParkStatus,
    building_area_m2: Fixed2,
) -> Vec<(BuildingDraft, Vec<UnitDraft>)> {
    let built = match status {
        ParkStatus::Completed => building_area_m2.0 / 100,
        ParkStatus::UnderConstruction => building_area_m2.0 / 100 / 3,
        ParkStatus::New | ParkStatus::Planned => 0,
    };
    if built <= 0 {
        return Vec::new();
    }
    let mut rng = Lcg::new(code);
    let count = (built / 30_000).clamp(2, 10);
    let mut out = Vec::new();
    for b in 1..=count {
        let office = b == count;
        let floors = if office { 5 } else { rng.range(4, 6) };
        let (name, space) = if office {
            (format!("{b}号综合楼"), SpaceType::NonProduction)
        } else {
            (format!("{b}号厂房"), SpaceType::Production)
        };
        let per_floor = rng.range(2, 4);
        let mut units = Vec::new();
        for floor in 1..=floors {
            for n in 1..=per_floor {
                // 500–1,200 m², whole tens, so each unit can have its own certificate (≥ 500 m²).
                let area = rng.range(50, 120) * 10;
                units.push(UnitDraft {
                    building_id: 0,
                    floor,
                    number: format!("{floor}{n:02}"),
                    area_m2: Fixed2::from_units(area),
                    space_type: space,
                });
            }
        }
        out.push((BuildingDraft { name, floors }, units));
    }
    out
}

/// The 17 leading characters of a demo credit code with its correct check character.
pub fn demo_credit_code(serial: u32) -> String {
    let first = format!("91330326MA2H{serial:05}");
    let check = uscc_check_char(&first).expect("alphabet characters only");
    format!("{first}{check}")
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub parks_created: usize,
    pub buildings_created: usize,
    pub units_created: usize,
    pub users_created: usize,
    pub reports_created: usize,
    pub enterprises_created: usize,
    pub enterprise_reports_created: usize,
}

#[derive(Debug)]
pub enum DemoError {
    Invalid(String, Invalid),
    Store(weiyuan_store::StoreError),
    App(String),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::Invalid(code, inv) => write!(f, "demo park {code} is invalid: {:?}", inv.0),
            DemoError::Store(e) => write!(f, "{e}"),
            DemoError::App(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<weiyuan_domain::access::Denied> for DemoError {
    fn from(d: weiyuan_domain::access::Denied) -> Self {
        DemoError::App(format!("the demo's county user was refused a capability: {d:?}"))
    }
}

impl From<weiyuan_store::StoreError> for DemoError {
    fn from(e: weiyuan_store::StoreError) -> Self {
        DemoError::Store(e)
    }
}

/// The whole demo: parks, plans and progress, enterprises, the rules demo, users, and 36 months
/// of enterprise reports.
pub async fn load(store: &Store) -> Result<Loaded, DemoError> {
    let mut loaded = load_base(store).await?;
    loaded.enterprise_reports_created = load_reports_demo(store).await?;
    store.assign_generated_floor_areas().await?;
    load_evaluation_demo(store).await?;
    load_policy_demo(store).await?;
    load_services_demo(store).await?;
    crate::operation_demo::load(store).await.map_err(|e| DemoError::App(format!("{e:#}")))?;
    Ok(loaded)
}

/// The demo without the enterprise reports (25,920 rows): what most tests start from.
pub async fn load_base(store: &Store) -> Result<Loaded, DemoError> {
    let ctx = AuditCtx::system("demo");
    let county = demo_county();
    let registry = county.registry()?;
    let mut loaded = Loaded::default();
    for (code, form) in seed_parks() {
        let draft = form.validate().map_err(|e| DemoError::Invalid(code.clone(), e))?;
        let park = match store.find_park_by_code(&code).await? {
            Some(p) => p,
            None => {
                loaded.parks_created += 1;
                store.create_park(&registry, &ctx, Some(&code), &draft).await?
            }
        };
        if store.list_buildings(park.id).await?.is_empty() {
            let desk = county.unit_desk(&park.as_ref())?;
            for (b, units) in generated_layout(&code, park.status, park.building_area_m2) {
                let building = store.create_building(&desk, &ctx, &b, true).await?;
                loaded.buildings_created += 1;
                for u in units {
                    store.create_unit(&desk, &ctx, &UnitDraft { building_id: building.id, ..u }, true).await?;
                    loaded.units_created += 1;
                }
            }
        }
    }
    load_progress(store, &ctx, &mut loaded).await?;
    let demo_park = store.find_park_by_code(DEMO_PARK_CODE).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
    if store.find_enterprise(DEMO_ENTERPRISE).await?.is_none() {
        let mut taken = std::collections::HashSet::new();
        let mut d = generated_enterprises(DEMO_PARK_CODE, 1, 1, &mut taken).remove(0);
        d.name = DEMO_ENTERPRISE.into();
        store.create_enterprise(&county.unit_desk(&demo_park.as_ref())?, &ctx, &d, true).await?;
        // Counted with the rest: 720 in all, the seed's 59 + 661.
        loaded.enterprises_created += 1;
    }
    // The enterprises of the completed and under-construction parks (the seed's counts: 59 + 661).
    let mut taken: std::collections::HashSet<String> =
        store.list_enterprises_in(&weiyuan_domain::access::ParkScope::All).await?.into_iter().map(|e| e.name).collect();
    let mut serial = 2;
    for (code, _) in PARK_INDUSTRIES {
        let park = store.find_park_by_code(code).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
        let have = store.list_enterprises(park.id).await?;
        let want = park.enterprise_count as usize - have.len().min(park.enterprise_count as usize);
        let drafts = generated_enterprises(code, park.enterprise_count as usize, serial, &mut taken);
        serial += park.enterprise_count as u32;
        if have.iter().any(|e| e.name != DEMO_ENTERPRISE) || want == 0 {
            continue;
        }
        let drafts: Vec<_> =
            drafts.into_iter().filter(|d| !have.iter().any(|e| e.credit_code == d.credit_code)).take(want).collect();
        loaded.enterprises_created +=
            store.create_enterprises(&county.unit_desk(&park.as_ref())?, &ctx, &drafts, true).await?;
    }
    load_rules_demo(store).await?;
    demo_agency(store).await?;
    for (username, display, role, scope) in DEMO_USERS {
        if store.find_user(username).await?.is_some() {
            continue;
        }
        let form = UserForm {
            username: username.into(),
            display_name: display.into(),
            role: role.into(),
            scope: scope.into(),
            password: DEMO_PASSWORD.into(),
            lang: "zh-CN".into(),
        };
        let new = prepare_demo(store, &form).await.map_err(|e| DemoError::App(format!("{username}: {e:?}")))?;
        store.create_user(&demo_county().user_admin()?, &ctx, &new).await?;
        loaded.users_created += 1;
    }
    Ok(loaded)
}

/// The demo's registered service agency (generated), found by name when it exists.
async fn demo_agency(store: &Store) -> Result<weiyuan_store::services::Agency, DemoError> {
    if let Some(a) = store.find_agency(DEMO_AGENCY).await? {
        return Ok(a);
    }
    let registrar = demo_county().agency_registrar().map_err(|_| DemoError::App("demo county".into()))?;
    let d = weiyuan_domain::services::AgencyDraft {
        name: DEMO_AGENCY.into(),
        contact: "演示联系人 0577-0000000".into(),
        active: true,
    };
    Ok(store.create_agency(&registrar, &AuditCtx::system("demo"), &d, true).await?)
}

/// Plans, baselines and targets exactly as in the seed; generated reports, yearly output and
/// milestones (marked generated) for parks that have none yet.
async fn load_progress(store: &Store, ctx: &AuditCtx, loaded: &mut Loaded) -> Result<(), DemoError> {
    let now = weiyuan_store::now_ms();
    let last = Month::of_ms(now).prev();
    let today = weiyuan_domain::time::date_shanghai(now);
    let county = demo_county();
    let registry = county.registry()?;
    let plans = seed_plans();
    for (code, plan) in &plans {
        let park = store.find_park_by_code(code).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
        store.set_plan_year(&registry, ctx, park.id, plan).await?;
    }
    for (code, b) in seed_baselines() {
        let park = store.find_park_by_code(&code).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
        store.set_baseline(&registry, ctx, park.id, &b).await?;
    }
    store.set_targets(&registry, ctx, &seed_targets()).await?;
    let scope = weiyuan_domain::access::ParkScope::All;
    let with_reports: Vec<i64> = store.list_reports(&scope).await?.iter().map(|r| r.park_id).collect();
    let with_output: Vec<i64> = store.list_year_output(&scope).await?.iter().map(|o| o.0).collect();
    for park in store.list_parks(&scope).await? {
        let mine: Vec<PlanYear> = plans.iter().filter(|(c, _)| *c == park.code).map(|(_, p)| *p).collect();
        let lagging = LAGGING_PARKS.iter().any(|(c, _)| *c == park.code);
        let authority = county.park_authority(&park.as_ref())?;
        if park.status != ParkStatus::Completed && !with_reports.contains(&park.id) {
            for (d, submitted) in generated_reports(&park.code, &mine, park.enterprise_count, last) {
                let by = AuditCtx::system(&format!("demo:{}", park.township_name()));
                store.file_report(&authority, &by, &d, submitted, true).await?;
                loaded.reports_created += 1;
            }
        }
        if !with_output.contains(&park.id) {
            let mut rng = Lcg::new(&format!("{}-output", park.code));
            for p in mine.iter().filter(|p| p.figures.output.is_some() && p.year <= 2022) {
                let pct = if lagging { 70 } else { rng.range(90, 110) };
                let plan = p.figures.output.unwrap_or_default();
                store.set_year_output(&registry, ctx, park.id, p.year, Money(plan.0 / 100 * pct), true).await?;
            }
        }
        if store.list_milestones(park.id).await?.is_empty() {
            for d in generated_milestones(park.status, &mine, lagging, &today) {
                store.set_milestone(&authority, ctx, &d, true).await?;
            }
        }
    }
    Ok(())
}

/// The negative list the demo county keeps: industries barred from every park.
pub const DEMO_NEGATIVE: [(&str, &str, &str); 4] = [
    ("code", "C3360", "金属表面处理及热处理加工（含电镀）"),
    ("code", "C1713", "棉印染精加工"),
    ("code", "C2511", "原油加工及石油制品制造"),
    ("keyword", "电镀", "演示：名称含“电镀”的企业"),
];

/// Rules demo: orientations, the negative list, sales (under the caps) and one lease, exit
/// figures that pass and fail, applications that pass and break the admission checks, and two
/// lotteries. Written once: skipped when orientations exist.
pub async fn load_rules_demo(store: &Store) -> Result<(), DemoError> {
    use weiyuan_domain::deals::{LeaseDraft, SaleDraft};
    use weiyuan_domain::enterprises::EnterpriseDraft;
    use weiyuan_store::exits::YearFigures;
    if !store.orientations().await?.is_empty() {
        return Ok(());
    }
    let ctx = AuditCtx::system("demo");
    // Deals go through the platform's own use cases, as the county's system user.
    let actor = demo_county();
    let deal_failed = |e: weiyuan_server::error::AppError| DemoError::App(format!("demo deal refused: {e:?}"));
    for (kind, value, note) in DEMO_NEGATIVE {
        store.add_negative(&demo_county().rule_maker()?, &ctx, kind, value, note).await?;
    }
    for (code, industries) in PARK_INDUSTRIES {
        let park = store.find_park_by_code(code).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
        let mut divisions: Vec<String> = Vec::new();
        for (class, _) in industries {
            let d = class[..3].to_string();
            if !divisions.contains(&d) {
                divisions.push(d);
            }
        }
        store.set_orientation(&demo_county().park_authority(&park.as_ref())?, &ctx, &divisions).await?;
        // Sales: the first enterprises each bought one production unit on their entry date,
        // at 2,200–2,500 元/m² (the average stays under the 2,600 cap).
        let enterprises = store.list_enterprises(park.id).await?;
        let holdings = store.holdings(park.id).await?;
        let mut free = holdings.iter().filter(|h| h.space_type == SpaceType::Production && h.owner_id.is_none());
        let mut rng = Lcg::new(&format!("{code}-sales"));
        for e in enterprises.iter().filter(|e| e.name != DEMO_ENTERPRISE).take(12) {
            let Some(unit) = free.next() else { break };
            let d = SaleDraft {
                buyer_id: e.id,
                unit_ids: vec![unit.unit_id],
                price_production: Some(Fixed2::from_units(rng.range(2200, 2500))),
                price_non_production: None,
                on_date: e.entry_date.clone().unwrap_or_else(|| "2020-01-01".into()),
                note: "演示生成".into(),
            };
            weiyuan_server::deals::sell_draft(store, &actor, park.id, &d).await.map_err(deal_failed)?;
        }
    }
    let park = store.find_park_by_code(DEMO_PARK_CODE).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
    let holdings = store.holdings(park.id).await?;
    let demo = store.find_enterprise(DEMO_ENTERPRISE).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
    // The demo enterprise bought production and non-production space together.
    let production = holdings.iter().find(|h| h.space_type == SpaceType::Production && h.owner_id.is_none());
    let office = holdings.iter().find(|h| h.space_type == SpaceType::NonProduction && h.owner_id.is_none());
    if let (Some(p), Some(o)) = (production, office) {
        let d = SaleDraft {
            buyer_id: demo.id,
            unit_ids: vec![p.unit_id, o.unit_id],
            price_production: Some(Fixed2::from_units(2450)),
            price_non_production: Some(Fixed2::from_units(2800)),
            on_date: "2022-06-18".into(),
            note: "演示生成：生产与非生产用房一并购买".into(),
        };
        weiyuan_server::deals::sell_draft(store, &actor, park.id, &d).await.map_err(deal_failed)?;
    }
    // Exit figures: the demo enterprise passes; two others fail (sales; growth), one is warned.
    let members = store.list_enterprises(park.id).await?;
    let owners: Vec<_> = store.holdings(park.id).await?.into_iter().filter_map(|h| h.owner_id).collect();
    let held = |id: i64| owners.contains(&id);
    let area_of = |id: i64, hs: &[weiyuan_store::holdings::Holding]| {
        hs.iter().filter(|h| h.owner_id == Some(id)).map(|h| h.area_m2.0 / 100).sum::<i64>()
    };
    let hs = store.holdings(park.id).await?;
    let mut others = members.iter().filter(|e| e.id != demo.id && held(e.id));
    // (enterprise, sales 元/m², revenue 元/m² in 2023–2025): passes; fails sales; fails growth.
    let cases = [
        (Some(demo.clone()), 3200, [2500, 2800, 3150]),
        (others.next().cloned(), 1500, [1500, 1700, 1900]),
        (others.next().cloned(), 2600, [2600, 2650, 2700]),
    ];
    for (i, (e, sales, revenue)) in cases.into_iter().enumerate() {
        let Some(e) = e else { continue };
        let area = area_of(e.id, &hs);
        for (k, r) in revenue.into_iter().enumerate() {
            let y = YearFigures {
                year: 2023 + k as i64,
                sales: Fixed2::from_units(area * sales),
                tax: Fixed2::from_units(area * 180),
                revenue: Fixed2::from_units(area * r),
                investment: Fixed2::from_units(area * 1000),
            };
            let authority = demo_county()
                .exit_authority(&weiyuan_domain::access::ParkRef { id: e.park_id, township_code: "" }, e.id)?;
            store.set_exit_figures(&authority, &ctx, &y).await?;
        }
        if i == 1 {
            store
                .exit_step(&ctx, e.id, "warned", "演示：销售产值未达 2000 元/m²，限期整改", Some("2026-09-30"), &[])
                .await?;
        }
    }
    // A lease: the demo enterprise (meeting its targets) lets its production unit to a machinery
    // enterprise of the same division, at 20 元/m² a month, with the township's approval.
    let demo_units: Vec<_> = store.holdings_of(demo.id).await?;
    let tenant =
        members.iter().find(|e| e.id != demo.id && e.industry_code[..3] == demo.industry_code[..3] && !held(e.id));
    if let (Some(u), Some(t)) = (demo_units.iter().find(|h| h.space_type == SpaceType::Production), tenant) {
        let d = LeaseDraft {
            tenant_id: t.id,
            unit_ids: vec![u.unit_id],
            rent_per_m2_month: Fixed2::from_units(20),
            on_date: "2025-03-01".into(),
            note: "演示生成：富余厂房出租给同行业企业".into(),
        };
        weiyuan_server::deals::lease_draft(store, &actor, park.id, &d).await.map_err(deal_failed)?;
    }
    // Applications: one that passes every check, one on the negative list, one outside the
    // park's orientation (sent back by the township).
    let applicant = |n: u32, name: &str, class: &str| EnterpriseDraft {
        name: name.into(),
        credit_code: demo_credit_code(80_000 + n),
        credit_override: String::new(),
        legal_representative: "陈志强".into(),
        contact: format!("0577-6380{n:04}"),
        industry_code: class.into(),
        size: weiyuan_domain::enterprises::EnterpriseSize::Below,
        tags: Vec::new(),
        entry_date: None,
    };
    let area = Fixed2::from_units(1200);
    let filer = demo_county().filer(&park.as_ref())?;
    store
        .apply_admission(&filer, &ctx, park.id, None, &applicant(1, "平阳县演示精工汽配有限公司", "C3670"), area)
        .await?;
    store
        .apply_admission(&filer, &ctx, park.id, None, &applicant(2, "平阳县演示五金电镀有限公司", "C3484"), area)
        .await?;
    let outside = store
        .apply_admission(&filer, &ctx, park.id, None, &applicant(3, "平阳县演示食品有限公司", "C1431"), area)
        .await?;
    let decision = weiyuan_domain::admission::DecisionForm {
        decision: "send_back".into(),
        reason: "演示：食品制造不符合本园产业定位，请核实主营业务".into(),
        stage: weiyuan_domain::admission::TOWNSHIP.into(),
    };
    let township = weiyuan_domain::Actor { username: "xiaojiang".into(), ..actor.clone() };
    weiyuan_server::admissions::decide(store, &township, outside.id, &decision).await.map_err(deal_failed)?;
    // Lotteries: two units, five applicants; one drawn, one published.
    let free: Vec<i64> =
        store.holdings(park.id).await?.iter().filter(|h| h.owner_id.is_none()).map(|h| h.unit_id).take(4).collect();
    if free.len() == 4 {
        let desk = county_desk(park.id)?;
        let applicants: Vec<String> = (0..5).map(|i| demo_credit_code(81_000 + i)).collect();
        let drawn = store
            .create_lottery(&desk, &ctx, "演示：2号厂房 1–2 层", &free[..2], &applicants, "demo-seed-2026-06")
            .await?;
        store.draw_lottery(&desk, &ctx, drawn.id).await?;
        let seed: String = format!("{:064x}", Lcg::new("demo-lottery").range(1, i64::MAX - 1));
        store.create_lottery(&desk, &ctx, "演示：2号厂房 3–4 层", &free[2..], &applicants, &seed).await?;
    }
    Ok(())
}

/// The county's unit desk for a park, for the demo's and the CLI's own writes (the county may
/// act in every park, so only the park's id matters).
pub fn county_desk(park_id: i64) -> Result<weiyuan_domain::access::UnitDesk, DemoError> {
    let park = weiyuan_domain::access::ParkRef { id: park_id, township_code: "" };
    Ok(demo_county().unit_desk(&park)?)
}

/// The county's system user, through whose use cases the demo writes its decisions.
pub fn demo_county() -> weiyuan_domain::Actor {
    weiyuan_domain::Actor {
        user_id: 0,
        username: "demo".into(),
        display_name: "demo".into(),
        role: weiyuan_domain::Role::County,
        township_code: None,
        park_id: None,
        enterprise_id: None,
        agency_id: None,
        lang: Default::default(),
    }
}

/// The per-mu evaluation of the last two calendar years that have ended, computed by the
/// default method and published, so that classes, their history and the class migration show;
/// and the parks' grading of the last year as a draft for the reviewers.
/// Written once: skipped when runs exist.
pub async fn load_evaluation_demo(store: &Store) -> Result<(), DemoError> {
    if !store.evaluation_runs(true).await?.is_empty() {
        return Ok(());
    }
    let county = demo_county();
    let failed = |e: weiyuan_server::error::AppError| DemoError::App(format!("demo evaluation: {e:?}"));
    let last = weiyuan_server::reports::last_month();
    let year = if last.month == 12 { last.year } else { last.year - 1 };
    for y in [year - 1, year] {
        let form = weiyuan_domain::evaluation::RunForm { first_month: format!("{y}-01") };
        let run = weiyuan_server::evaluation::compute(store, &county, &form).await.map_err(failed)?;
        weiyuan_server::evaluation::publish(store, &county, run.id).await.map_err(failed)?;
    }
    // The parks' grading of the last year, a draft waiting for the reviewers' scores.
    let form = weiyuan_server::grading::GradeForm { year: year.to_string() };
    weiyuan_server::grading::compute(store, &county, &form).await.map_err(failed)?;
    Ok(())
}

/// The policies the seed names (002 六) with the eligibility and formulas the platform holds
/// data for; the amounts the seed leaves to county rules are the demo's settings, and say so.
pub fn seed_policies() -> Vec<weiyuan_domain::policies::PolicyForm> {
    use weiyuan_domain::policies::{Criterion, Figure, Formula, PolicyForm};
    let wan = |v: i64| Some(weiyuan_domain::Fixed2::from_units(v));
    let source = "平阳县小微企业园高质量发展五年规划（2018—2022）六";
    let library = [
        (
            "小型微利企业所得税优惠",
            "年应纳税所得额不超过 100 万元的部分减按 25% 计入、100 万至 300 万元的部分减按 50% 计入，按 20% 税率缴纳（国家延续执行，演示有效期）",
            vec![
                Criterion::Figure { figure: Figure::Profit, min: Some(weiyuan_domain::Fixed2(1)), max: wan(300) },
                Criterion::Figure { figure: Figure::Employees, min: None, max: wan(300) },
            ],
            Formula::SmallProfitRelief,
        ),
        (
            "研发费用加计扣除",
            "未形成无形资产的研发费用，在据实扣除的基础上再按 75% 加计扣除",
            vec![Criterion::Figure { figure: Figure::Rnd, min: wan(1), max: None }],
            Formula::RndSuperDeduction { percent: 75 },
        ),
        (
            "新入园企业租金补贴",
            "对新入园企业给予一定期限、一定比例的租金补贴（演示设定：月租金的 50%，12 个月）",
            vec![Criterion::YearsInPark { min: None, max: Some(1) }],
            Formula::RentSubsidy { percent: 50, months: 12 },
        ),
        (
            "小升规奖励",
            "新纳入规模以上企业统计的，按县人民政府相关规定给予奖励（演示设定：10 万元）",
            vec![Criterion::ScaleUp],
            Formula::ScaleUpReward { amount: weiyuan_domain::Fixed2::from_units(100_000) },
        ),
        (
            "新注册入园企业地方财政贡献奖励",
            "新注册入园企业按入园后第一个完整会计年度的地方财政贡献，给予 50% 的奖励",
            vec![Criterion::YearsInPark { min: None, max: Some(2) }],
            Formula::LocalContribution { percent: 50 },
        ),
        (
            "小微企业服务券和创新券",
            "小微企业服务券和创新券重点面向入园企业发放",
            vec![Criterion::Tag { tag: weiyuan_domain::enterprises::Tag::TechBased }],
            Formula::None,
        ),
        (
            "入园同步技改补助",
            "对入园同步技改的企业，按技改扶持政策给予补助",
            vec![Criterion::Class {
                classes: vec![weiyuan_domain::evaluation::Class::A, weiyuan_domain::evaluation::Class::B],
            }],
            Formula::None,
        ),
    ];
    library
        .into_iter()
        .map(|(title, benefit, criteria, formula): (&str, &str, Vec<Criterion>, Formula)| PolicyForm {
            title: title.into(),
            source: source.into(),
            benefit: benefit.into(),
            valid_from: "2019-01-01".into(),
            valid_to: "2027-12-31".into(),
            criteria,
            formula,
        })
        .collect()
}

/// The policies the seed names (002 六), published, with applications of qualifying demo
/// enterprises in every state. Labelled as generated. Written once: skipped when policies exist.
pub async fn load_policy_demo(store: &Store) -> Result<(), DemoError> {
    use weiyuan_domain::policies::{ApplyForm, ReviewForm};
    use weiyuan_server::policies as p;
    if store.policies(true, 1, 0).await?.1 > 0 {
        return Ok(());
    }
    let county = demo_county();
    let failed = |e: weiyuan_server::error::AppError| DemoError::App(format!("demo policies: {e:?}"));
    let office = county.policy_office().map_err(|_| DemoError::App("demo county".into()))?;
    let ctx = AuditCtx::system("demo");
    let mut first = None;
    for form in seed_policies() {
        let title = form.title.clone();
        let draft = form.validate().map_err(|e| DemoError::App(format!("demo policy {title}: {e:?}")))?;
        let made = store.create_policy(&office, &ctx, &draft, true).await?;
        p::publish(store, &county, made.id).await.map_err(failed)?;
        first.get_or_insert(made.id);
    }
    // Applications for the first policy by enterprises that qualify, one in each state.
    let Some(policy) = first else { return Ok(()) };
    let m = p::matches(store, &county, policy, &p::MatchQuery { size: "5".into(), ..Default::default() })
        .await
        .map_err(failed)?;
    let steps: [&[(&str, &str)]; 5] = [
        &[],
        &[("township", "approve")],
        &[("township", "approve"), ("county", "approve")],
        &[("township", "reject")],
        &[("township", "approve"), ("county", "return")],
    ];
    for (row, steps) in m.rows.iter().zip(steps) {
        let e = store.get_enterprise(row.enterprise_id).await?;
        let park = store.get_park(e.park_id).await?;
        let actor = weiyuan_domain::Actor {
            role: weiyuan_domain::Role::Enterprise,
            park_id: Some(park.id),
            enterprise_id: Some(e.id),
            ..county.clone()
        };
        let form = ApplyForm { statement: "演示数据：按上年度月报申报".into() };
        let a = p::apply(store, &actor, policy, &form).await.map_err(failed)?;
        for (stage, decision) in steps {
            let reviewer = match *stage {
                "township" => weiyuan_domain::Actor {
                    role: weiyuan_domain::Role::Township,
                    township_code: Some(park.township_code.clone()),
                    ..county.clone()
                },
                _ => county.clone(),
            };
            let comment = if *decision == "approve" {
                String::new()
            } else {
                "演示数据：请补充汇算清缴报告".into()
            };
            let f = ReviewForm { stage: stage.to_string(), decision: decision.to_string(), comment };
            p::decide(store, &reviewer, a.id, &f).await.map_err(failed)?;
        }
    }
    Ok(())
}

/// A service catalogue for every completed park (one to four functions, so that some parks are
/// short of the target of 3), two county-wide services, and three months of requests from the
/// parks' first enterprises in every state, rated where confirmed; what is overdue is escalated.
/// Labelled as generated. Written once: skipped when services exist.
pub async fn load_services_demo(store: &Store) -> Result<(), DemoError> {
    use weiyuan_domain::parks::ParkStatus;
    use weiyuan_domain::services::{ServiceForm, StepForm};
    use weiyuan_server::services as sv;
    let everything =
        weiyuan_store::services::ServiceFilter { park_ids: None, county_wide: true, limit: 1, ..Default::default() };
    if store.services(&everything).await?.1 > 0 {
        return Ok(());
    }
    let county = demo_county();
    let ctx = AuditCtx::system("demo");
    let failed = |e: weiyuan_server::error::AppError| DemoError::App(format!("demo services: {e:?}"));
    let agency = demo_agency(store).await?;
    let form = |category: &str, name: &str, kind: &str, provider: &str, hours: i64, days: i64| ServiceForm {
        category: category.into(),
        name: name.into(),
        provider_kind: kind.into(),
        provider_name: provider.into(),
        // An agency's service names the registered agency.
        agency_id: if kind == "agency" { agency.id.to_string() } else { String::new() },
        description: format!("{name}（演示数据）"),
        documents: "营业执照".into(),
        response_hours: hours.to_string(),
        completion_days: days.to_string(),
        active: String::new(),
    };
    let desk = county.service_desk(None).map_err(|_| DemoError::App("demo county".into()))?;
    let mut county_wide = Vec::new();
    for f in [
        form("legal_aid", "法律援助", "county", "平阳县司法局", 48, 15),
        form("guarantee", "融资担保", "agency", "", 24, 20),
    ] {
        let mut d = f.validate().map_err(|e| DemoError::App(format!("{e:?}")))?;
        if d.agency_id.is_some() {
            d.provider_name = agency.name.clone();
        }
        county_wide.push(store.create_service(&desk, &ctx, &d, true).await?);
    }
    let guarantee = county_wide.pop().expect("the agency's service");
    let agency_actor = weiyuan_domain::Actor {
        role: weiyuan_domain::Role::Agency,
        agency_id: Some(agency.id),
        username: "agency".into(),
        ..county.clone()
    };
    let offer = [
        ("finance", "融资对接", 24, 10),
        ("government_agency", "政务代办", 8, 5),
        ("training", "技能培训", 72, 30),
        ("recruitment", "人才招聘", 48, 20),
    ];
    let now = weiyuan_store::now_ms();
    let day = 86_400_000;
    let parks = store.list_parks(&weiyuan_domain::access::ParkScope::All).await?;
    let mut k = 0i64;
    for (i, park) in parks.iter().filter(|p| p.status == ParkStatus::Completed).enumerate() {
        let pref = weiyuan_domain::access::ParkRef { id: park.id, township_code: &park.township_code };
        let desk = county.service_desk(Some(&pref)).map_err(|_| DemoError::App("demo county".into()))?;
        let mut services = Vec::new();
        for (category, name, hours, days) in offer.iter().take(1 + i % 4) {
            let d = form(category, name, "operator", &format!("{}运营公司", park.name), *hours, *days)
                .validate()
                .map_err(|e| DemoError::App(format!("{e:?}")))?;
            services.push(store.create_service(&desk, &ctx, &d, true).await?);
        }
        for (j, e) in store.list_enterprises(park.id).await?.iter().take(3).enumerate() {
            // Each park's third enterprise asks the agency for a guarantee.
            let service = if j == 2 { Some(&guarantee) } else { services.get(j % services.len()) };
            let Some(service) = service else { continue };
            k += 1;
            let at = now - (5 + (k * 7) % 85) * day;
            let actor = weiyuan_domain::Actor {
                role: weiyuan_domain::Role::Enterprise,
                park_id: Some(park.id),
                enterprise_id: Some(e.id),
                ..county.clone()
            };
            let who = actor.applicant(&pref, e.id).map_err(|_| DemoError::App("demo enterprise".into()))?;
            let detail = format!("演示数据：{}需求", service.name);
            let r = store
                .file_service_request(
                    &who,
                    &AuditCtx::from(&actor),
                    service,
                    park.id,
                    &park.township_code,
                    &detail,
                    at,
                    true,
                )
                .await?;
            // Every fifth waits; the rest are accepted within a day, most completed and rated.
            let steps: &[(&str, i64)] = match k % 5 {
                0 => &[],
                1 => &[("accept", 1)],
                2 => &[("accept", 1), ("complete", 4)],
                _ => &[("accept", 1), ("complete", 3 + k % 9), ("confirm", 12)],
            };
            for (step, after_days) in steps {
                let by = match (*step, service.agency_id) {
                    ("confirm", _) => &actor,
                    (_, Some(_)) => &agency_actor,
                    _ => &county,
                };
                let f = StepForm { step: step.to_string(), note: String::new(), rating: (3 + k % 3).to_string() };
                let when = (at + after_days * day).min(now - 3_600_000);
                sv::step(store, by, r.id, &f, when).await.map_err(failed)?;
            }
        }
    }
    sv::escalate(store, now).await.map_err(failed)?;
    Ok(())
}

/// Months of generated reports in the demo.
pub const DEMO_REPORT_MONTHS: usize = 36;

/// 36 months of reports for every demo enterprise, up to the last month that has ended: a size
/// per enterprise (annual revenue 60–3,000 万元), growth of −5% to +20% a year, the Spring
/// Festival dip in February and the year-end rise, a little noise; the other figures follow
/// revenue by fixed ratios. The three enterprises of the exit demo report figures that give
/// their exit-test results (pass; sales too low; growth too low). Labelled as generated.
pub async fn load_reports_demo(store: &Store) -> Result<usize, DemoError> {
    use weiyuan_domain::progress::Month;
    use weiyuan_store::reports::NewReport;
    if store.count_enterprise_reports().await? > 0 {
        return Ok(0);
    }
    let now = weiyuan_store::now_ms();
    let months = Month::of_ms(now).prev().last_n(DEMO_REPORT_MONTHS);
    // The exit demo: (enterprise, sales 元/m², revenue 元/m² by year) as written by load_rules_demo.
    let exit_cases = exit_demo_cases(store).await?;
    let mut rows = Vec::new();
    for e in store.list_enterprises_in(&weiyuan_domain::access::ParkScope::All).await? {
        let case = exit_cases.iter().find(|(id, _, _)| *id == e.id).map(|(_, area, c)| (*area, *c));
        for (m, f, submitted_at, late) in
            generated_enterprise_reports(&e.credit_code, !e.tags.is_empty(), &months, case)
        {
            rows.push(NewReport { enterprise_id: e.id, park_id: e.park_id, month: m, figures: f, submitted_at, late });
        }
    }
    let n = store.insert_enterprise_reports(&rows, "demo", true).await?;
    store.analyze_after_load(n, weiyuan_store::reports::REPORT_TABLES).await?;
    Ok(n)
}

/// An exit-demo case: floor area (m²) and (sales, revenue by year 2023–2025) in 元/m².
pub type ExitCase = (f64, (f64, [f64; 3]));

/// Generated monthly reports of one enterprise (seeded by its credit code): (month, figures,
/// filing time, late).
pub fn generated_enterprise_reports(
    seed: &str,
    tagged: bool,
    months: &[weiyuan_domain::progress::Month],
    case: Option<ExitCase>,
) -> Vec<(weiyuan_domain::progress::Month, weiyuan_domain::reports::Figures, i64, bool)> {
    use weiyuan_domain::reports::{Figures, N, index};
    let season = [0.92, 0.62, 1.0, 1.02, 1.03, 1.04, 1.0, 0.98, 1.03, 1.05, 1.08, 1.18];
    let mut rng = Lcg::new(&format!("reports-{seed}"));
    let annual = 60.0 * (50f64).powf(rng.range(0, 1000) as f64 / 1000.0);
    let growth = rng.range(-5, 20) as f64 / 100.0;
    // Each enterprise its own efficiency (kWh per 万元 of revenue, tax rate), from a stream of
    // its own so the other figures stay as they were; 4 % are clear A cases (lean and
    // profitable), 4 % clear D cases (power-hungry, little tax).
    let mut eff = Lcg::new(&format!("efficiency-{seed}"));
    let (kwh_per_wan, tax_rate) = match eff.range(0, 99) {
        0..=3 => (250.0, 0.09),
        4..=7 => (3_500.0, 0.004),
        _ => (eff.range(400, 2_000) as f64, eff.range(15, 70) as f64 / 1_000.0),
    };
    let mut out = Vec::with_capacity(months.len());
    for (k, m) in months.iter().enumerate() {
        let years = k as f64 / 12.0;
        let noise = 1.0 + rng.range(-50, 50) as f64 / 1000.0;
        let mut revenue = annual / 12.0 * (1.0 + growth).powf(years) * season[m.month as usize - 1] * noise;
        let mut sales = revenue * 0.97;
        let mut tax = revenue * tax_rate * (0.9 + rng.range(0, 20) as f64 / 100.0);
        let mut investment = if rng.range(0, 11) == 0 { annual * 0.08 } else { 0.0 };
        if let Some((area, (sales_m2, revenue_m2))) = case {
            // 万元 a month from 元/m² a year.
            let idx = (m.year - 2023).clamp(0, 2) as usize;
            revenue = area * revenue_m2[idx] / 12.0 / 10_000.0;
            sales = area * sales_m2 / 12.0 / 10_000.0;
            tax = area * 180.0 / 12.0 / 10_000.0;
            investment = area * 1000.0 / 12.0 / 10_000.0;
        }
        let fx = |v: f64| Some(Fixed2((v * 100.0).round() as i64));
        let mut f: Figures = [None; N];
        let mut put = |key: &str, v: f64| f[index(key).unwrap_or(0)] = fx(v);
        put("output", revenue * 1.04);
        put("revenue", revenue);
        put("sales", sales);
        put("tax", tax);
        put("tax_local", tax * 0.4);
        put("profit", revenue * (rng.range(-20, 120) as f64 / 1000.0));
        put("electricity", revenue * kwh_per_wan);
        put("energy", revenue * kwh_per_wan * 0.1229 / 1000.0);
        put("water", revenue * 3.0);
        put("employees", (8.0 + annual / 40.0).round());
        put("rnd", revenue * if tagged { 0.04 } else { 0.01 });
        put("investment", investment);
        put("emissions", revenue * 0.002);
        put("value_added", revenue * 1.04 * 0.22);
        // Filed between the 3rd and the 20th of the next month: a few late.
        let day = rng.range(3, 20);
        let submitted_at = m.next().start_ms() + (day - 1) * 86_400_000 + 10 * 3_600_000;
        out.push((*m, f, submitted_at, day > 15));
    }
    out
}

/// The exit demo's enterprises with their floor area and (sales, revenue by year) in 元/m².
async fn exit_demo_cases(store: &Store) -> Result<Vec<(i64, f64, (f64, [f64; 3]))>, DemoError> {
    let mut out = Vec::new();
    let Some(park) = store.find_park_by_code(DEMO_PARK_CODE).await? else { return Ok(out) };
    let hs = store.holdings(park.id).await?;
    for (id, years) in store.all_exit_figures().await? {
        let area: i64 = hs.iter().filter(|h| h.owner_id == Some(id)).map(|h| h.area_m2.0 / 100).sum();
        if area == 0 || years.len() < 3 {
            continue;
        }
        let per = |v: Fixed2| v.as_f64() / area as f64;
        let revenue = [per(years[0].revenue), per(years[1].revenue), per(years[2].revenue)];
        out.push((id, area as f64, (per(years[2].sales), revenue)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weiyuan_domain::parks::ParkFilter;

    #[test]
    fn all_twenty_seed_parks_validate() {
        let parks = seed_parks();
        assert_eq!(parks.len(), 20);
        for (code, form) in &parks {
            form.validate().unwrap_or_else(|e| panic!("{code}: {e:?}"));
        }
    }

    #[test]
    fn generated_layout_is_deterministic_and_fits_the_building_area() {
        let area = Fixed2::from_units(156_700);
        let a = generated_layout("PY01", ParkStatus::Completed, area);
        assert_eq!(a, generated_layout("PY01", ParkStatus::Completed, area));
        let total: i64 = a.iter().flat_map(|(_, u)| u).map(|u| u.area_m2.0).sum();
        assert!(total > 0 && total <= area.0, "{total} vs {}", area.0);
        assert!(a.iter().flat_map(|(_, u)| u).all(|u| u.area_m2 >= Fixed2::from_units(500)));
        assert!(generated_layout("PY12", ParkStatus::Planned, area).is_empty());
    }

    #[test]
    fn demo_credit_codes_are_valid() {
        for i in [1, 2, 99_999] {
            assert!(weiyuan_domain::codes::is_valid_uscc(&demo_credit_code(i)));
        }
    }

    /// The seed's totals where its rows and totals agree (see docs/data-notes.md for the
    /// completed parks' building area, where they do not).
    #[test]
    fn seed_totals_come_out_of_the_rows() {
        let parks: Vec<_> = seed_parks()
            .into_iter()
            .enumerate()
            .map(|(i, (code, f))| {
                let d = f.validate().unwrap();
                weiyuan_domain::parks::Park {
                    id: i as i64,
                    code,
                    name: d.name,
                    township_code: d.township_code,
                    status: d.status,
                    land_mu: d.land_mu,
                    building_area_m2: d.building_area_m2,
                    leading_industries: d.leading_industries,
                    enterprise_count: d.enterprise_count,
                    development_model: d.development_model,
                    park_type: d.park_type,
                    progress_note: d.progress_note,
                    lat: d.lat,
                    lon: d.lon,
                    created_at: 0,
                    updated_at: 0,
                }
            })
            .collect();
        let totals = |statuses: &[ParkStatus]| {
            let sel: Vec<_> = parks.iter().filter(|p| statuses.contains(&p.status)).cloned().collect();
            let t = ParkFilter::totals(&sel);
            (t.parks, t.land_mu.plain(), t.building_area_wan_m2().plain(), t.enterprise_count)
        };
        assert_eq!(totals(&[ParkStatus::Completed]), (5, "616.5".into(), "67.69".into(), 59));
        assert_eq!(totals(&[ParkStatus::UnderConstruction]), (4, "1481.9".into(), "216.8".into(), 661));
        assert_eq!(totals(&[ParkStatus::New, ParkStatus::Planned]), (11, "1669".into(), "255.99".into(), 550));
        assert_eq!(totals(ParkStatus::ALL).3, 1270);
    }

    #[test]
    fn seed_plans_add_up_to_the_printed_totals() {
        let plans = seed_plans();
        assert_eq!(plans.len(), 80);
        let total = |year: i32, f: fn(&YearFigures) -> Option<Fixed2>| -> String {
            plans.iter().filter(|(_, p)| p.year == year).filter_map(|(_, p)| f(&p.figures)).sum::<Fixed2>().plain()
        };
        // Annex 6 output (亿元) 2018–2022, over the nine existing parks.
        let existing = |year: i32| -> String {
            plans
                .iter()
                .filter(|(c, p)| p.year == year && c.as_str() <= "PY09")
                .filter_map(|(_, p)| p.figures.output.map(Money::yi))
                .sum::<Fixed2>()
                .plain()
        };
        assert_eq!([2018, 2019, 2020, 2021, 2022].map(existing), ["38.5", "51", "65", "80", "90"]);
        // Annex 7 construction-start plan (亩) 2018–2021, over the eleven new parks.
        let new_starts = |year: i32| -> String {
            plans
                .iter()
                .filter(|(c, p)| p.year == year && c.as_str() >= "PY10")
                .filter_map(|(_, p)| p.figures.construction_start_mu)
                .sum::<Fixed2>()
                .plain()
        };
        assert_eq!([2018, 2019, 2020, 2021].map(new_starts), ["327.5", "243", "504", "594.5"]);
        assert_eq!(total(2019, |f| f.land_supply_mu), "351.9", "annex 6 127.9 + annex 7 224");
        assert_eq!(seed_baselines().len(), 20);
        let t = seed_targets();
        assert!(t.iter().any(|t| t.key == "total_built_area" && t.value == Fixed2::from_units(550)));
    }

    #[test]
    fn generated_progress_keeps_up_except_for_the_lagging_parks() {
        let plans: Vec<PlanYear> = seed_plans().into_iter().filter(|(c, _)| c == "PY17").map(|(_, p)| p).collect();
        let last = Month::new(2023, 6).unwrap();
        let reports: Vec<_> = generated_reports("PY11", &plans, 82, last);
        assert_eq!(reports, generated_reports("PY11", &plans, 82, last), "deterministic");
        let as_reports = |code: &str| -> Vec<weiyuan_domain::progress::ProgressReport> {
            generated_reports(code, &plans, 78, last)
                .into_iter()
                .map(|(d, at)| weiyuan_domain::progress::ProgressReport {
                    park_id: 1,
                    month: d.month,
                    land_supplied_mu: d.land_supplied_mu,
                    started_mu: d.started_mu,
                    completed_m2: d.completed_m2,
                    enterprises_moved_in: d.enterprises_moved_in,
                    investment: d.investment,
                    problems: d.problems,
                    submitted_at: at,
                    submitted_by: String::new(),
                    generated: true,
                })
                .collect()
        };
        assert!(weiyuan_domain::progress::lagging(&plans, &as_reports("PY17"), last).is_empty());
        assert_eq!(
            weiyuan_domain::progress::lagging(&plans, &as_reports("PY13"), last).len(),
            3,
            "PY13's pace on PY17's plan"
        );
    }

    #[test]
    fn generated_enterprises_are_valid_and_fit_their_parks() {
        let mut taken = std::collections::HashSet::new();
        let all: Vec<_> = PARK_INDUSTRIES
            .iter()
            .scan(2u32, |serial, (code, _)| {
                let v = generated_enterprises(code, 80, *serial, &mut taken);
                *serial += 80;
                Some(v)
            })
            .flatten()
            .collect();
        assert_eq!(all.len(), 720);
        let mut codes = std::collections::HashSet::new();
        for d in &all {
            let form = weiyuan_domain::enterprises::EnterpriseForm {
                name: d.name.clone(),
                credit_code: d.credit_code.clone(),
                credit_override: d.credit_override.clone(),
                industry_code: d.industry_code.clone(),
                size: d.size.code().into(),
                tags: d.tags.iter().map(|t| t.code()).collect::<Vec<_>>().join(","),
                entry_date: d.entry_date.clone().unwrap_or_default(),
                ..Default::default()
            };
            form.validate("2026-11-23").unwrap_or_else(|e| panic!("{}: {e:?}", d.name));
            assert!(codes.insert(d.credit_code.clone()), "credit codes are unique");
        }
        assert!(all.iter().any(|d| !d.credit_override.is_empty()), "some early codes to show");
        assert_eq!(
            generated_enterprises("PY04", 3, 100, &mut std::collections::HashSet::new()),
            generated_enterprises("PY04", 3, 100, &mut std::collections::HashSet::new())
        );
    }
}
