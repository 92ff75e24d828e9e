//! The demo data set: the 20 Pingyang parks of the seed's annexes 3–5 (exact figures, see
//! docs/data-notes.md), generated buildings and units (labelled as generated), one generated
//! enterprise, and a login for each role. Loading is idempotent: records are matched by code
//! or name and only missing ones are created, so a second run neither duplicates nor loses data.

use weiyuan_domain::codes::uscc_check_char;
use weiyuan_domain::parks::{BuildingDraft, ParkForm, ParkStatus, SpaceType, UnitDraft};
use weiyuan_domain::{Fixed2, Invalid};
use weiyuan_server::users::{UserForm, prepare};
use weiyuan_store::{AuditCtx, Store};

pub const PARKS_CSV: &str = include_str!("../demo/pingyang_parks.csv");
pub const DEMO_PASSWORD: &str = "weiyuan-demo";
/// The park whose operator and enterprise get demo logins: 万洋众创城.
pub const DEMO_PARK_CODE: &str = "PY08";
pub const DEMO_ENTERPRISE: &str = "平阳县微园演示机械配件有限公司";

/// (username, display name, role, scope) of the demo logins.
pub const DEMO_USERS: [(&str, &str, &str, &str); 5] = [
    ("county", "平阳县小微园办", "county", ""),
    ("xiaojiang", "萧江镇人民政府", "township", "330326103"),
    ("binhai", "滨海新区管委会", "township", "330326900"),
    ("wanyang", "万洋众创城运营公司", "operator", DEMO_PARK_CODE),
    ("enterprise", DEMO_ENTERPRISE, "enterprise", DEMO_ENTERPRISE),
];

/// Split one CSV line into fields (RFC 4180 quoting).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The seed parks as (code, form), in annex order.
pub fn seed_parks() -> Vec<(String, ParkForm)> {
    let mut lines = PARKS_CSV.lines().filter(|l| !l.trim().is_empty());
    let header = csv_fields(lines.next().expect("header"));
    let idx = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let col = |row: &[String], name: &str| row[idx(name)].clone();
    lines
        .map(|l| {
            let r = csv_fields(l);
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

impl From<weiyuan_store::StoreError> for DemoError {
    fn from(e: weiyuan_store::StoreError) -> Self {
        DemoError::Store(e)
    }
}

pub async fn load(store: &Store) -> Result<Loaded, DemoError> {
    let ctx = AuditCtx::system("demo");
    let mut loaded = Loaded::default();
    for (code, form) in seed_parks() {
        let draft = form.validate().map_err(|e| DemoError::Invalid(code.clone(), e))?;
        let park = match store.find_park_by_code(&code).await? {
            Some(p) => p,
            None => {
                loaded.parks_created += 1;
                store.create_park(&ctx, Some(&code), &draft).await?
            }
        };
        if store.list_buildings(park.id).await?.is_empty() {
            for (b, units) in generated_layout(&code, park.status, park.building_area_m2) {
                let building = store.create_building(&ctx, park.id, &b, true).await?;
                loaded.buildings_created += 1;
                for u in units {
                    store.create_unit(&ctx, park.id, &UnitDraft { building_id: building.id, ..u }, true).await?;
                    loaded.units_created += 1;
                }
            }
        }
    }
    let demo_park = store.find_park_by_code(DEMO_PARK_CODE).await?.ok_or(weiyuan_store::StoreError::NotFound)?;
    if store.find_enterprise(DEMO_ENTERPRISE).await?.is_none() {
        store.create_enterprise(&ctx, demo_park.id, DEMO_ENTERPRISE, &demo_credit_code(1), true).await?;
    }
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
        let new = prepare(store, &form).await.map_err(|e| DemoError::App(format!("{username}: {e:?}")))?;
        store.create_user(&ctx, &new).await?;
        loaded.users_created += 1;
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weiyuan_domain::parks::ParkFilter;

    #[test]
    fn csv_quoting_is_understood() {
        assert_eq!(csv_fields("a,\"b,c\",\"d\"\"e\",,"), vec!["a", "b,c", "d\"e", "", ""]);
    }

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
}
