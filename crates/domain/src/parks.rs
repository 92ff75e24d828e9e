//! Parks (园区), buildings (楼栋) and units (单元): kinds, validation, totals.

use crate::codes;
use crate::units::{self, Fixed2, ParseFixedError};
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

code_enum! {
    /// Where a park stands (附件3 已竣工, 附件4 在建, 附件5 新建 / 拟建).
    ParkStatus {
        Planned = "planned",
        New = "new",
        UnderConstruction = "under_construction",
        Completed = "completed",
    }
}

code_enum! {
    /// Development models of section 四 of the Pingyang plan.
    DevelopmentModel {
        IndustrialRealEstate = "industrial_real_estate",
        StateOwnedBuild = "state_owned_build",
        GovernmentLedSelfBuild = "government_led_self_build",
        LeadingEnterprise = "leading_enterprise",
        JointBuild = "joint_build",
        Undecided = "undecided",
    }
}

code_enum! {
    /// Park type (园区类型). All Pingyang parks are manufacturing parks.
    ParkType {
        Manufacturing = "manufacturing",
        Service = "service",
        Mixed = "mixed",
    }
}

code_enum! {
    /// Space type of a unit: production space or non-production (office, dormitory, canteen).
    SpaceType {
        Production = "production",
        NonProduction = "non_production",
    }
}

pub const MAX_LAND_MU: Fixed2 = Fixed2(10_000_000); // 100,000 亩
pub const MAX_BUILDING_AREA_WAN_M2: Fixed2 = Fixed2(100_000); // 1,000 万㎡
pub const MAX_ENTERPRISES: i64 = 100_000;
pub const MAX_UNIT_AREA_M2: Fixed2 = Fixed2(100_000_000); // 1,000,000 m²

/// Leading industries are written as one text separated by 、 (as in the seed tables).
pub fn split_industries(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn join_industries(items: &[String]) -> String {
    items.join("、")
}

/// A park as entered in a form or JSON body, before validation. Text everywhere, so that a
/// wrong number is reported against its field instead of failing the whole request.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ParkForm {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub name: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub township_code: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub status: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub land_mu: String,
    /// Building area as users think of it, in 万㎡ (the pages' field).
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub building_area_wan_m2: String,
    /// Building area in m² (the API's field); used when given, instead of the 万㎡ figure.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub building_area_m2: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub leading_industries: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub enterprise_count: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub development_model: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub park_type: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub progress_note: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub lat: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub lon: String,
}

/// A validated park, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ParkDraft {
    pub name: String,
    pub township_code: String,
    pub status: ParkStatus,
    pub land_mu: Fixed2,
    pub building_area_m2: Fixed2,
    pub leading_industries: String,
    pub enterprise_count: i64,
    pub development_model: DevelopmentModel,
    pub park_type: ParkType,
    pub progress_note: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl ParkForm {
    pub fn validate(&self) -> Result<ParkDraft, Invalid> {
        let mut c = Checker::new();
        let name = c.text("name", &self.name, 100);
        let township_code = self.township_code.trim().to_string();
        if township_code.is_empty() {
            c.push(FieldError::new("township_code", "error.required"));
        } else if codes::township(&township_code).is_none() {
            c.push(FieldError::new("township_code", "error.unknown_choice").with("value", &township_code));
        }
        let status = c.choice("status", &self.status, ParkStatus::parse);
        let land_mu = c.decimal("land_mu", &self.land_mu, Fixed2(1), MAX_LAND_MU);
        let building_area_m2 = if self.building_area_m2.trim().is_empty() {
            // 万㎡ as written, to the m² (six decimals), so that an export comes back unchanged.
            let field = "building_area_wan_m2";
            let max = units::wan_m2_to_m2(MAX_BUILDING_AREA_WAN_M2).expect("small constant");
            match units::wan_m2_text_to_m2(&self.building_area_wan_m2) {
                Ok(m2) if m2 >= Fixed2::ZERO && m2 <= max => m2,
                Ok(_) => {
                    c.push(
                        FieldError::new(field, "error.out_of_range")
                            .with("min", 0)
                            .with("max", MAX_BUILDING_AREA_WAN_M2),
                    );
                    Fixed2::ZERO
                }
                Err(ParseFixedError::TooManyDecimals) => {
                    c.push(FieldError::new(field, "error.wan_m2_decimals"));
                    Fixed2::ZERO
                }
                Err(_) => c.decimal(field, &self.building_area_wan_m2, Fixed2::ZERO, MAX_BUILDING_AREA_WAN_M2),
            }
        } else {
            let max = units::wan_m2_to_m2(MAX_BUILDING_AREA_WAN_M2).expect("small constant");
            c.decimal("building_area_m2", &self.building_area_m2, Fixed2::ZERO, max)
        };
        let industries = split_industries(&self.leading_industries);
        if industries.is_empty() {
            c.push(FieldError::new("leading_industries", "error.required"));
        }
        let leading_industries = c.optional_text("leading_industries", &join_industries(&industries), 200);
        let enterprise_count = c.integer("enterprise_count", &self.enterprise_count, 0, MAX_ENTERPRISES);
        let development_model = c.choice("development_model", &self.development_model, DevelopmentModel::parse);
        let park_type = c.choice("park_type", &self.park_type, ParkType::parse);
        let progress_note = c.optional_text("progress_note", &self.progress_note, 500);
        let lat = optional_coordinate(&mut c, "lat", &self.lat, 3.0, 54.0);
        let lon = optional_coordinate(&mut c, "lon", &self.lon, 73.0, 136.0);
        if lat.is_some() != lon.is_some() {
            let missing = if lat.is_none() { "lat" } else { "lon" };
            c.push(FieldError::new(missing, "error.coordinates_pair"));
        }
        c.finish(())?;
        Ok(ParkDraft {
            name,
            township_code,
            status: status.expect("checked"),
            land_mu,
            building_area_m2,
            leading_industries,
            enterprise_count,
            development_model: development_model.expect("checked"),
            park_type: park_type.expect("checked"),
            progress_note,
            lat,
            lon,
        })
    }
}

fn optional_coordinate(c: &mut Checker, field: &str, text: &str, min: f64, max: f64) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Some(v),
        Ok(_) => {
            c.push(FieldError::new(field, "error.out_of_range").with("min", min).with("max", max));
            None
        }
        Err(_) => {
            c.push(FieldError::new(field, "error.not_number"));
            None
        }
    }
}

/// A building (楼栋) as entered.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct BuildingForm {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub name: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub floors: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BuildingDraft {
    pub name: String,
    pub floors: i64,
}

impl BuildingForm {
    pub fn validate(&self) -> Result<BuildingDraft, Invalid> {
        let mut c = Checker::new();
        let name = c.text("name", &self.name, 50);
        let floors = c.integer("floors", &self.floors, 1, 60);
        c.finish(BuildingDraft { name, floors })
    }
}

/// A unit (单元) as entered: building, floor, number, area and space type.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct UnitForm {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub building_id: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub floor: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub number: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub area_m2: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub space_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UnitDraft {
    pub building_id: i64,
    pub floor: i64,
    pub number: String,
    pub area_m2: Fixed2,
    pub space_type: SpaceType,
}

impl UnitForm {
    /// `max_floor` is the floor count of the chosen building, when it is known.
    pub fn validate(&self, max_floor: Option<i64>) -> Result<UnitDraft, Invalid> {
        let mut c = Checker::new();
        let building_id = c.integer("building_id", &self.building_id, 1, i64::MAX);
        let floor = c.integer("floor", &self.floor, -5, max_floor.unwrap_or(60));
        let number = c.text("number", &self.number, 20);
        let area_m2 = c.decimal("area_m2", &self.area_m2, Fixed2(1), MAX_UNIT_AREA_M2);
        let space_type = c.choice("space_type", &self.space_type, SpaceType::parse);
        c.finish(())?;
        Ok(UnitDraft { building_id, floor, number, area_m2, space_type: space_type.expect("checked") })
    }
}

/// Figures that add up over a list of parks: the totals row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ParkTotals {
    pub parks: i64,
    pub land_mu: Fixed2,
    pub building_area_m2: Fixed2,
    pub enterprise_count: i64,
}

impl ParkTotals {
    pub fn add(&mut self, land_mu: Fixed2, building_area_m2: Fixed2, enterprise_count: i64) {
        self.parks += 1;
        self.land_mu += land_mu;
        self.building_area_m2 += building_area_m2;
        self.enterprise_count += enterprise_count;
    }

    pub fn building_area_wan_m2(&self) -> Fixed2 {
        units::m2_to_wan_m2(self.building_area_m2)
    }
}

// Columns the park list can be sorted by.
code_enum! {
    ParkSort {
        Name = "name",
        Township = "township",
        Land = "land",
        Area = "area",
        Enterprises = "enterprises",
        Status = "status",
        Model = "model",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_it_does_not_know_is_refused_on_its_field() {
        assert!(ParkFilter::default().validate().is_ok());
        let known = ParkFilter { township: "330326103".into(), sort: "land".into(), ..Default::default() };
        assert!(known.validate().is_ok(), "{:?}", known.validate());
        let bad = ParkFilter { sort: "price".into(), status: "sold".into(), ..Default::default() };
        let fields: Vec<String> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["status", "sort"]);
    }

    fn form() -> ParkForm {
        ParkForm {
            name: "萧江轻工产业小微园".into(),
            township_code: "330326103".into(),
            status: "under_construction".into(),
            land_mu: "210".into(),
            building_area_wan_m2: "45".into(),
            leading_industries: "塑包彩印".into(),
            enterprise_count: "220".into(),
            development_model: "leading_enterprise".into(),
            park_type: "manufacturing".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_park_validates_with_exact_figures() {
        let d = form().validate().unwrap();
        assert_eq!(d.land_mu, Fixed2(21000));
        assert_eq!(d.building_area_m2.plain(), "450000");
        assert_eq!(d.status, ParkStatus::UnderConstruction);
        assert_eq!(d.lat, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let f = ParkForm {
            name: "".into(),
            township_code: "330326999".into(),
            status: "done".into(),
            land_mu: "0".into(),
            building_area_wan_m2: "abc".into(),
            leading_industries: " 、 ".into(),
            enterprise_count: "1.5".into(),
            development_model: "".into(),
            park_type: "manufacturing".into(),
            lat: "27.6".into(),
            ..Default::default()
        };
        let errs = f.validate().unwrap_err().0;
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "township_code",
                "status",
                "land_mu",
                "building_area_wan_m2",
                "leading_industries",
                "enterprise_count",
                "development_model",
                "lon"
            ]
        );
    }

    #[test]
    fn industries_are_split_and_joined_with_the_seed_separator() {
        assert_eq!(split_industries("装备制造\n商务礼品"), vec!["装备制造", "商务礼品"]);
        assert_eq!(join_industries(&split_industries("宠物用品, 皮革皮件；")), "宠物用品、皮革皮件");
    }

    #[test]
    fn units_are_checked_against_their_building() {
        let u = UnitForm {
            building_id: "3".into(),
            floor: "7".into(),
            number: "701".into(),
            area_m2: "499.99".into(),
            space_type: "production".into(),
        };
        assert_eq!(u.validate(Some(7)).unwrap().area_m2, Fixed2(49999));
        let errs = u.validate(Some(6)).unwrap_err().0;
        assert_eq!(errs[0].field, "floor");
        let bad = UnitForm { space_type: "shop".into(), area_m2: "0".into(), ..u };
        let fields: Vec<_> = bad.validate(None).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["area_m2", "space_type"]);
    }

    #[test]
    fn totals_add_exactly() {
        let mut t = ParkTotals::default();
        t.add(Fixed2(12600), Fixed2(15670000), 8);
        t.add(Fixed2(5250), Fixed2(5600000), 11);
        assert_eq!(
            (t.parks, t.land_mu.plain(), t.building_area_wan_m2().plain(), t.enterprise_count),
            (2, "178.5".into(), "21.27".into(), 19)
        );
    }
}

/// A stored park.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Park {
    pub id: i64,
    /// Stable short code (e.g. PY08 for the demo parks), unique.
    pub code: String,
    pub name: String,
    pub township_code: String,
    pub status: ParkStatus,
    pub land_mu: Fixed2,
    pub building_area_m2: Fixed2,
    pub leading_industries: String,
    pub enterprise_count: i64,
    pub development_model: DevelopmentModel,
    pub park_type: ParkType,
    pub progress_note: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Park {
    pub fn as_ref(&self) -> crate::access::ParkRef<'_> {
        crate::access::ParkRef { id: self.id, township_code: &self.township_code }
    }

    pub fn building_area_wan_m2(&self) -> Fixed2 {
        units::m2_to_wan_m2(self.building_area_m2)
    }

    /// The park's figures as a draft, to compare with an incoming one.
    pub fn draft(&self) -> ParkDraft {
        ParkDraft {
            name: self.name.clone(),
            township_code: self.township_code.clone(),
            status: self.status,
            land_mu: self.land_mu,
            building_area_m2: self.building_area_m2,
            leading_industries: self.leading_industries.clone(),
            enterprise_count: self.enterprise_count,
            development_model: self.development_model,
            park_type: self.park_type,
            progress_note: self.progress_note.clone(),
            lat: self.lat,
            lon: self.lon,
        }
    }

    pub fn township_name(&self) -> &str {
        codes::township(&self.township_code).map(|t| t.name).unwrap_or(&self.township_code)
    }

    /// The form a park's edit page starts from.
    pub fn to_form(&self) -> ParkForm {
        ParkForm {
            name: self.name.clone(),
            township_code: self.township_code.clone(),
            status: self.status.code().into(),
            land_mu: self.land_mu.plain(),
            building_area_wan_m2: units::wan_m2_text(self.building_area_m2),
            building_area_m2: String::new(),
            leading_industries: self.leading_industries.clone(),
            enterprise_count: self.enterprise_count.to_string(),
            development_model: self.development_model.code().into(),
            park_type: self.park_type.code().into(),
            progress_note: self.progress_note.clone(),
            lat: self.lat.map(|v| v.to_string()).unwrap_or_default(),
            lon: self.lon.map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

/// A stored building (楼栋).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Building {
    pub id: i64,
    pub park_id: i64,
    pub name: String,
    pub floors: i64,
    /// True for buildings generated for the demo, not taken from a source document.
    pub generated: bool,
}

impl Building {
    pub fn to_form(&self) -> BuildingForm {
        BuildingForm { name: self.name.clone(), floors: self.floors.to_string() }
    }
}

/// A stored unit (单元).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Unit {
    pub id: i64,
    pub park_id: i64,
    pub building_id: i64,
    pub floor: i64,
    pub number: String,
    pub area_m2: Fixed2,
    pub space_type: SpaceType,
    pub generated: bool,
}

impl Unit {
    pub fn to_form(&self) -> UnitForm {
        UnitForm {
            building_id: self.building_id.to_string(),
            floor: self.floor.to_string(),
            number: self.number.clone(),
            area_m2: self.area_m2.plain(),
            space_type: self.space_type.code().into(),
        }
    }
}

/// Filters of the park list; empty means "any".
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
pub struct ParkFilter {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub township: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub status: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub development_model: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub industry: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub sort: String,
    #[serde(default)]
    pub desc: bool,
}

impl ParkFilter {
    /// Whether a park passes the filters (everything but sorting).
    pub fn matches(&self, p: &Park) -> bool {
        let t = self.township.trim();
        (t.is_empty() || p.township_code == t)
            && (self.status.is_empty() || p.status.code() == self.status)
            && (self.development_model.is_empty() || p.development_model.code() == self.development_model)
            && (self.industry.trim().is_empty() || p.leading_industries.contains(self.industry.trim()))
    }

    /// Every filter given must be one the list understands (a township, status, model or sort
    /// column it does not know is refused on its field, not ignored).
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::new();
        c.optional_choice("township", &self.township, crate::codes::township);
        c.optional_choice("status", &self.status, ParkStatus::parse);
        c.optional_choice("development_model", &self.development_model, DevelopmentModel::parse);
        c.optional_choice("sort", &self.sort, ParkSort::parse);
        c.finish(())
    }

    /// Filter, then sort by the chosen column (name by default), ties by code.
    pub fn apply(&self, parks: Vec<Park>) -> Vec<Park> {
        let mut out: Vec<Park> = parks.into_iter().filter(|p| self.matches(p)).collect();
        // Without a chosen column the list keeps registry order (the seed's annex order).
        let sort = ParkSort::parse(&self.sort);
        out.sort_by(|a, b| {
            let o = match sort {
                None => a.code.cmp(&b.code),
                Some(ParkSort::Name) => a.name.cmp(&b.name),
                Some(ParkSort::Township) => a.township_code.cmp(&b.township_code),
                Some(ParkSort::Land) => a.land_mu.cmp(&b.land_mu),
                Some(ParkSort::Area) => a.building_area_m2.cmp(&b.building_area_m2),
                Some(ParkSort::Enterprises) => a.enterprise_count.cmp(&b.enterprise_count),
                Some(ParkSort::Status) => a.status.code().cmp(b.status.code()),
                Some(ParkSort::Model) => a.development_model.code().cmp(b.development_model.code()),
            };
            let o = if self.desc { o.reverse() } else { o };
            o.then_with(|| a.code.cmp(&b.code))
        });
        out
    }
    pub fn totals(parks: &[Park]) -> ParkTotals {
        let mut t = ParkTotals::default();
        for p in parks {
            t.add(p.land_mu, p.building_area_m2, p.enterprise_count);
        }
        t
    }
}
