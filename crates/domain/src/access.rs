//! Who may see and change what. Roles and scopes from DOMAIN.md:
//! county — everything; township — the parks in its area; operator — its one park;
//! enterprise — itself (and, read-only, the park it sits in); agency — a registered
//! third-party service provider, the requests for its own services and nothing of any park.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    County,
    Township,
    Operator,
    Enterprise,
    Agency,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::County, Role::Township, Role::Operator, Role::Enterprise, Role::Agency];

    pub fn code(self) -> &'static str {
        match self {
            Role::County => "county",
            Role::Township => "township",
            Role::Operator => "operator",
            Role::Enterprise => "enterprise",
            Role::Agency => "agency",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The interface language of a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "zh-CN" | "zh" | "zh-cn" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The authenticated caller of a request, with the scope its role grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Township (division code) for township users.
    pub township_code: Option<String>,
    /// The park of an operator, or the park an enterprise sits in.
    pub park_id: Option<i64>,
    /// The enterprise of an enterprise user.
    pub enterprise_id: Option<i64>,
    /// The service agency of an agency user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<i64>,
    pub lang: Lang,
}

/// The minimum of a park that scope decisions need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkRef<'a> {
    pub id: i64,
    pub township_code: &'a str,
}

/// The set of parks an actor can see, as one predicate for queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParkScope {
    All,
    Township(String),
    Park(i64),
    None,
}

impl Actor {
    pub fn park_scope(&self) -> ParkScope {
        match self.role {
            Role::County => ParkScope::All,
            Role::Township => match &self.township_code {
                Some(t) => ParkScope::Township(t.clone()),
                None => ParkScope::None,
            },
            Role::Operator | Role::Enterprise => match self.park_id {
                Some(p) => ParkScope::Park(p),
                None => ParkScope::None,
            },
            // An agency sees no park: only the requests for its own services.
            Role::Agency => ParkScope::None,
        }
    }

    /// The government and the parks' operators: who may read the county's lists, analyses
    /// and monitoring in their scope (not enterprises, not service agencies).
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::County | Role::Township | Role::Operator)
    }

    pub fn can_read_park(&self, park: &ParkRef) -> bool {
        match self.park_scope() {
            ParkScope::All => true,
            ParkScope::Township(t) => t == park.township_code,
            ParkScope::Park(id) => id == park.id,
            ParkScope::None => false,
        }
    }

    /// Registering a park, deleting one, or moving it to another township: county only.
    pub fn can_create_park(&self) -> bool {
        self.role == Role::County
    }

    /// Editing a park's own figures: the county, or the township that owns it.
    pub fn can_edit_park(&self, park: &ParkRef) -> bool {
        match self.role {
            Role::County => true,
            Role::Township => self.can_read_park(park),
            Role::Operator | Role::Enterprise | Role::Agency => false,
        }
    }

    /// Editing a park's buildings and units: county, its township, its operator.
    pub fn can_edit_units(&self, park: &ParkRef) -> bool {
        match self.role {
            Role::County => true,
            Role::Township | Role::Operator => self.can_read_park(park),
            Role::Enterprise | Role::Agency => false,
        }
    }

    /// Filing a park's monthly progress report: the county, or the township that owns it.
    pub fn can_file_progress(&self, park: &ParkRef) -> bool {
        self.can_edit_park(park)
    }

    /// Creating users, resetting passwords, reading the audit log, setting plans and targets.
    pub fn is_county(&self) -> bool {
        self.role == Role::County
    }

    /// Reading an enterprise: the county, the township and operator of its park, itself.
    pub fn can_read_enterprise(&self, enterprise_id: i64, park: &ParkRef) -> bool {
        match self.role {
            Role::Enterprise => self.enterprise_id == Some(enterprise_id),
            _ => self.can_read_park(park),
        }
    }
}

/// Capabilities: proof that the scope check was made. A write that needs one takes it as an
/// argument, and only the constructors below (on `Actor`) can make one, so a write path that
/// forgets the check does not compile. Each holds the park it was granted for.
///
/// `UnitDesk`: dealing in a park's units (sales, transfers, take-backs): the county, the
/// park's township, its operator.
#[derive(Debug, PartialEq, Eq)]
pub struct UnitDesk {
    park_id: i64,
}

/// `ParkAuthority`: deciding for a park as its government (registering a lease, which is the
/// township's approval; approving a transfer inside the lock): the county or the park's
/// township.
#[derive(Debug, PartialEq, Eq)]
pub struct ParkAuthority {
    park_id: i64,
}

/// `ExitAuthority`: taking an exit step (test, warn, rectified, evict) for one enterprise: the
/// county.
#[derive(Debug, PartialEq, Eq)]
pub struct ExitAuthority {
    enterprise_id: i64,
}

impl ExitAuthority {
    pub fn enterprise_id(&self) -> i64 {
        self.enterprise_id
    }
}

/// `Reviewer`: deciding one step of an admission: its park's township (or the county in its
/// place) at the township step, the county at the county step.
#[derive(Debug, PartialEq, Eq)]
pub struct Reviewer {
    admission_id: i64,
    stage: &'static str,
}

impl Reviewer {
    pub fn admission_id(&self) -> i64 {
        self.admission_id
    }

    /// The step it may decide.
    pub fn stage(&self) -> &'static str {
        self.stage
    }
}

/// `Filer`: filing an application for admission to a park, or correcting a sent-back one: the
/// park's unit desk (the county, its township, its operator) on an applicant's behalf, or an
/// enterprise for itself, to any park.
#[derive(Debug, PartialEq, Eq)]
pub struct Filer {
    park_id: Option<i64>,
    enterprise_id: Option<i64>,
}

impl Filer {
    /// The enterprise filing for itself (None: a park's desk filing on an applicant's behalf).
    pub fn enterprise_id(&self) -> Option<i64> {
        self.enterprise_id
    }

    /// Whether this filer may file the application of `applicant` to `park_id`: a desk in its
    /// own park, an enterprise only as itself.
    pub fn may_file(&self, park_id: i64, applicant: Option<i64>) -> bool {
        match (self.park_id, self.enterprise_id) {
            (Some(p), _) => p == park_id,
            (None, Some(e)) => applicant == Some(e),
            (None, None) => false,
        }
    }
}

/// `RuleKeeper`: setting the alarm rules of one park (the county, its township, its operator),
/// or those for every park (`park_id` None: the county).
#[derive(Debug, PartialEq, Eq)]
pub struct RuleKeeper {
    park_id: Option<i64>,
}

impl RuleKeeper {
    pub fn park_id(&self) -> Option<i64> {
        self.park_id
    }

    /// Whether a rule of `park` (None: every park) is this keeper's to set.
    pub fn covers(&self, park: Option<i64>) -> bool {
        self.park_id.is_none() || self.park_id == park
    }
}

/// `RuleMaker`: the county setting its rules: the deal and admission rules, the negative list,
/// the kinds of device and the reconciliation tolerance.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMaker {
    _granted: (),
}

/// `UserAdmin`: the county creating users and resetting their passwords.
#[derive(Debug, PartialEq, Eq)]
pub struct UserAdmin {
    _granted: (),
}

/// `ReportFiler`: filing (or correcting) an enterprise's monthly report: the county, the
/// operator of its park, the enterprise itself (not the township, which reads them).
#[derive(Debug, PartialEq, Eq)]
pub struct ReportFiler {
    enterprise_id: i64,
    park_id: i64,
}

impl ReportFiler {
    pub fn enterprise_id(&self) -> i64 {
        self.enterprise_id
    }

    pub fn park_id(&self) -> i64 {
        self.park_id
    }
}

/// `AlarmDesk`: handling a park's alarms (acknowledging, clearing by hand): the government and
/// the park's operator, in their scope.
#[derive(Debug, PartialEq, Eq)]
pub struct AlarmDesk {
    park_id: i64,
}

impl AlarmDesk {
    pub fn park_id(&self) -> i64 {
        self.park_id
    }
}

/// `HookOwner`: keeping alarm webhooks at one's own level and place: the county (its own and
/// every other), a township (its own and its parks'), an operator (its park's).
#[derive(Debug, PartialEq, Eq)]
pub struct HookOwner {
    place: ParkScope,
}

impl HookOwner {
    /// Where a webhook this owner adds belongs: its level, park and township.
    pub fn place(&self) -> (crate::alarms::Level, Option<i64>, Option<String>) {
        use crate::alarms::Level;
        match &self.place {
            ParkScope::Township(t) => (Level::Township, None, Some(t.clone())),
            ParkScope::Park(p) => (Level::Park, Some(*p), None),
            ParkScope::All | ParkScope::None => (Level::County, None, None),
        }
    }

    /// Whether a webhook of this park (park level) or this township (township level) is this
    /// owner's; one with neither is the county's.
    pub fn owns(&self, park: Option<&ParkRef>, township_code: Option<&str>) -> bool {
        match &self.place {
            ParkScope::All => true,
            ParkScope::Township(t) => township_code == Some(t) || park.is_some_and(|p| p.township_code == t),
            ParkScope::Park(id) => park.is_some_and(|p| p.id == *id),
            ParkScope::None => false,
        }
    }
}

/// `Registry`: the county keeping the park registry: registering a park, moving one to another
/// township, importing the registry, setting a park's yearly plan.
#[derive(Debug, PartialEq, Eq)]
pub struct Registry {
    _granted: (),
}

/// `Evaluator`: setting the evaluation method, computing, answering objections to and publishing
/// evaluation runs: the county.
#[derive(Debug, PartialEq, Eq)]
pub struct Evaluator {
    _granted: (),
}

/// `Assessor`: setting the townships' yearly targets that the monthly supervision assesses
/// them against: the county.
#[derive(Debug, PartialEq, Eq)]
pub struct Assessor {
    _granted: (),
}

/// `Objector`: objecting to one enterprise's draft evaluation result: the county or the township
/// of the enterprise's park.
#[derive(Debug, PartialEq, Eq)]
pub struct Objector {
    enterprise_id: i64,
}

impl Objector {
    pub fn enterprise_id(&self) -> i64 {
        self.enterprise_id
    }
}

/// The county's policy office (政策兑现): it writes and publishes policies and takes the
/// county's stage of an application.
#[derive(Debug, PartialEq, Eq)]
pub struct PolicyOffice {
    _granted: (),
}

/// The county keeping the registry of third-party service agencies (their names, contacts,
/// and whether they may take requests).
#[derive(Debug, PartialEq, Eq)]
pub struct AgencyRegistrar {
    _granted: (),
}

/// An enterprise applying for a policy for itself.
#[derive(Debug, PartialEq, Eq)]
pub struct Applicant {
    enterprise_id: i64,
}

impl Applicant {
    pub fn enterprise_id(&self) -> i64 {
        self.enterprise_id
    }
}

/// A reviewer of one policy application at one stage (township or county).
#[derive(Debug, PartialEq, Eq)]
pub struct PolicyReviewer {
    application_id: i64,
    stage: &'static str,
}

impl PolicyReviewer {
    pub fn application_id(&self) -> i64 {
        self.application_id
    }

    pub fn stage(&self) -> &'static str {
        self.stage
    }
}

/// Who may write a service catalogue: the county for its own (county-wide) catalogue and any
/// park's, a park's township or operator for the park's.
#[derive(Debug, PartialEq, Eq)]
pub struct ServiceDesk {
    park_id: Option<i64>,
}

impl ServiceDesk {
    pub fn park_id(&self) -> Option<i64> {
        self.park_id
    }
}

/// The provider's side of one service request: the park's operator for the services it
/// provides; the agency for its own services; the county for county and agency services
/// (and, supervising, for any).
#[derive(Debug, PartialEq, Eq)]
pub struct ServiceProvider {
    request_id: i64,
}

impl ServiceProvider {
    pub fn request_id(&self) -> i64 {
        self.request_id
    }
}

impl UnitDesk {
    pub fn park_id(&self) -> i64 {
        self.park_id
    }
}

impl ParkAuthority {
    pub fn park_id(&self) -> i64 {
        self.park_id
    }
}

/// Why a capability was not granted: the park is not one the caller may see (answered as
/// "not found", so as not to tell that it exists), or it may see it but not do this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Hidden,
    Forbidden,
}

impl Actor {
    fn grant<C>(&self, park: &ParkRef, allowed: bool, cap: C) -> Result<C, Denied> {
        match (self.can_read_park(park), allowed) {
            (false, _) => Err(Denied::Hidden),
            (true, false) => Err(Denied::Forbidden),
            (true, true) => Ok(cap),
        }
    }

    pub fn unit_desk(&self, park: &ParkRef) -> Result<UnitDesk, Denied> {
        self.grant(park, self.can_edit_units(park), UnitDesk { park_id: park.id })
    }

    pub fn park_authority(&self, park: &ParkRef) -> Result<ParkAuthority, Denied> {
        self.grant(park, self.can_edit_park(park), ParkAuthority { park_id: park.id })
    }

    /// For the step `stage` (crate::admission::TOWNSHIP or COUNTY) of an application to this park.
    pub fn reviewer(&self, park: &ParkRef, admission_id: i64, stage: &'static str) -> Result<Reviewer, Denied> {
        let allowed = match stage {
            crate::admission::TOWNSHIP => self.can_edit_park(park),
            crate::admission::COUNTY => self.is_county(),
            _ => false,
        };
        self.grant(park, allowed, Reviewer { admission_id, stage })
    }

    /// For an enterprise of this park. The step is the county's alone, so any other role is
    /// forbidden whatever the enterprise (that tells nothing about it).
    pub fn exit_authority(&self, park: &ParkRef, enterprise_id: i64) -> Result<ExitAuthority, Denied> {
        if !self.is_county() {
            return Err(Denied::Forbidden);
        }
        self.grant(park, true, ExitAuthority { enterprise_id })
    }

    pub fn filer(&self, park: &ParkRef) -> Result<Filer, Denied> {
        match self.role {
            Role::Enterprise => match self.enterprise_id {
                Some(e) => Ok(Filer { park_id: None, enterprise_id: Some(e) }),
                None => Err(Denied::Forbidden),
            },
            _ => self.grant(park, self.can_edit_units(park), Filer { park_id: Some(park.id), enterprise_id: None }),
        }
    }

    /// For the rules of `park`, or (None) for every park.
    pub fn rule_keeper(&self, park: Option<&ParkRef>) -> Result<RuleKeeper, Denied> {
        match park {
            None if self.is_county() => Ok(RuleKeeper { park_id: None }),
            None => Err(Denied::Forbidden),
            Some(p) => self.grant(p, self.can_edit_units(p), RuleKeeper { park_id: Some(p.id) }),
        }
    }

    pub fn rule_maker(&self) -> Result<RuleMaker, Denied> {
        if self.is_county() { Ok(RuleMaker { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    pub fn user_admin(&self) -> Result<UserAdmin, Denied> {
        if self.is_county() { Ok(UserAdmin { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    /// For an enterprise of this park.
    pub fn report_filer(&self, park: &ParkRef, enterprise_id: i64) -> Result<ReportFiler, Denied> {
        if !self.can_read_enterprise(enterprise_id, park) {
            return Err(Denied::Hidden);
        }
        let allowed = match self.role {
            Role::County => true,
            Role::Operator => self.park_id == Some(park.id),
            Role::Enterprise => self.enterprise_id == Some(enterprise_id),
            Role::Township | Role::Agency => false,
        };
        if allowed { Ok(ReportFiler { enterprise_id, park_id: park.id }) } else { Err(Denied::Forbidden) }
    }

    pub fn alarm_desk(&self, park: &ParkRef) -> Result<AlarmDesk, Denied> {
        self.grant(park, self.is_staff(), AlarmDesk { park_id: park.id })
    }

    pub fn hook_owner(&self) -> Result<HookOwner, Denied> {
        match (self.role, self.park_scope()) {
            (Role::County | Role::Township | Role::Operator, ParkScope::None) => Err(Denied::Forbidden),
            (Role::County | Role::Township | Role::Operator, place) => Ok(HookOwner { place }),
            (Role::Enterprise | Role::Agency, _) => Err(Denied::Forbidden),
        }
    }

    pub fn registry(&self) -> Result<Registry, Denied> {
        if self.is_county() { Ok(Registry { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    pub fn evaluator(&self) -> Result<Evaluator, Denied> {
        if self.is_county() { Ok(Evaluator { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    pub fn assessor(&self) -> Result<Assessor, Denied> {
        if self.is_county() { Ok(Assessor { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    /// For an enterprise of this park: its township (or the county).
    /// A catalogue desk for a park's catalogue, or for the county's (`None`).
    pub fn service_desk(&self, park: Option<&ParkRef>) -> Result<ServiceDesk, Denied> {
        match park {
            None if self.is_county() => Ok(ServiceDesk { park_id: None }),
            None => Err(Denied::Forbidden),
            Some(p) => self.grant(p, self.can_edit_units(p), ServiceDesk { park_id: Some(p.id) }),
        }
    }

    /// The provider of a request for a service of `kind` (`operator`, `county`, `agency`) in
    /// the requesting enterprise's park: the county for any; the park's operator for its own;
    /// the agency (`agency_id` of the service) for its own, wherever the park.
    pub fn service_provider(
        &self,
        park: &ParkRef,
        kind: &str,
        agency_id: Option<i64>,
        request_id: i64,
    ) -> Result<ServiceProvider, Denied> {
        if self.role == Role::Agency {
            let own = kind == "agency" && self.agency_id.is_some() && self.agency_id == agency_id;
            return if own { Ok(ServiceProvider { request_id }) } else { Err(Denied::Hidden) };
        }
        let allowed = match self.role {
            Role::County => true,
            Role::Operator => kind == "operator" && self.park_id == Some(park.id),
            Role::Township | Role::Enterprise | Role::Agency => false,
        };
        self.grant(park, allowed, ServiceProvider { request_id })
    }

    /// Keeping the registry of service agencies: the county.
    pub fn agency_registrar(&self) -> Result<AgencyRegistrar, Denied> {
        if self.is_county() { Ok(AgencyRegistrar { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    pub fn policy_office(&self) -> Result<PolicyOffice, Denied> {
        if self.is_county() { Ok(PolicyOffice { _granted: () }) } else { Err(Denied::Forbidden) }
    }

    /// Only the enterprise itself applies; anyone else who may read it is refused, the rest
    /// do not see it.
    pub fn applicant(&self, park: &ParkRef, enterprise_id: i64) -> Result<Applicant, Denied> {
        if !self.can_read_enterprise(enterprise_id, park) {
            return Err(Denied::Hidden);
        }
        let own = self.role == Role::Enterprise && self.enterprise_id == Some(enterprise_id);
        if own { Ok(Applicant { enterprise_id }) } else { Err(Denied::Forbidden) }
    }

    /// The township of the enterprise's park reviews first, then the county.
    pub fn policy_reviewer(
        &self,
        park: &ParkRef,
        enterprise_id: i64,
        application_id: i64,
        stage: &'static str,
    ) -> Result<PolicyReviewer, Denied> {
        if !self.can_read_enterprise(enterprise_id, park) {
            return Err(Denied::Hidden);
        }
        let allowed = match stage {
            crate::policies::AT_TOWNSHIP => self.role == Role::Township && self.can_edit_park(park),
            crate::policies::AT_COUNTY => self.is_county(),
            _ => false,
        };
        self.grant(park, allowed, PolicyReviewer { application_id, stage })
    }

    pub fn objector(&self, park: &ParkRef, enterprise_id: i64) -> Result<Objector, Denied> {
        if !self.can_read_enterprise(enterprise_id, park) {
            return Err(Denied::Hidden);
        }
        self.grant(park, self.can_edit_park(park), Objector { enterprise_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, township: Option<&str>, park: Option<i64>, ent: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            township_code: township.map(str::to_string),
            park_id: park,
            enterprise_id: ent,
            agency_id: None,
            lang: Lang::ZhCn,
        }
    }

    #[test]
    fn an_agency_sees_no_park_and_provides_only_its_own_services() {
        let a = Actor { agency_id: Some(3), ..actor(Role::Agency, None, None, None) };
        assert_eq!(a.park_scope(), ParkScope::None);
        assert!(!a.is_staff() && !a.can_read_park(&OWN) && !a.can_read_enterprise(42, &OWN));
        assert!(!a.can_edit_units(&OWN) && !a.can_edit_park(&OWN));
        assert!(a.service_provider(&OWN, "agency", Some(3), 1).is_ok());
        assert!(a.service_provider(&FOREIGN, "agency", Some(3), 1).is_ok(), "wherever the park");
        assert_eq!(a.service_provider(&OWN, "agency", Some(4), 1), Err(Denied::Hidden));
        assert_eq!(a.service_provider(&OWN, "operator", None, 1), Err(Denied::Hidden));
        assert_eq!(a.service_provider(&OWN, "county", Some(3), 1), Err(Denied::Hidden));
        assert_eq!(a.agency_registrar(), Err(Denied::Forbidden));
        assert_eq!(a.service_desk(Some(&OWN)), Err(Denied::Hidden));
        assert_eq!(a.applicant(&OWN, 42), Err(Denied::Hidden));
        // An agency user whose agency is not set provides nothing.
        let orphan = actor(Role::Agency, None, None, None);
        assert_eq!(orphan.service_provider(&OWN, "agency", None, 1), Err(Denied::Hidden));
        // Staff are the government and the operators.
        assert!(actor(Role::Operator, None, Some(7), None).is_staff());
        assert!(!actor(Role::Enterprise, None, Some(7), Some(42)).is_staff());
        let county = actor(Role::County, None, None, None);
        assert!(county.service_provider(&OWN, "agency", Some(3), 1).is_ok() && county.agency_registrar().is_ok());
    }

    const OWN: ParkRef<'static> = ParkRef { id: 7, township_code: "330326103" };
    const FOREIGN_SAME_TOWN: ParkRef<'static> = ParkRef { id: 8, township_code: "330326103" };
    const FOREIGN: ParkRef<'static> = ParkRef { id: 9, township_code: "330326100" };

    #[test]
    fn county_sees_and_edits_everything() {
        let a = actor(Role::County, None, None, None);
        assert!(a.can_read_park(&FOREIGN) && a.can_edit_park(&FOREIGN) && a.can_edit_units(&FOREIGN));
        assert!(a.can_create_park() && a.is_county());
    }

    #[test]
    fn township_is_limited_to_its_area() {
        let a = actor(Role::Township, Some("330326103"), None, None);
        assert!(a.can_read_park(&OWN) && a.can_read_park(&FOREIGN_SAME_TOWN));
        assert!(a.can_edit_park(&OWN) && a.can_edit_units(&OWN));
        assert!(!a.can_read_park(&FOREIGN) && !a.can_edit_park(&FOREIGN) && !a.can_edit_units(&FOREIGN));
        assert!(!a.can_create_park() && !a.is_county());
    }

    #[test]
    fn operator_edits_units_of_its_park_only() {
        let a = actor(Role::Operator, None, Some(7), None);
        assert!(a.can_read_park(&OWN) && a.can_edit_units(&OWN));
        assert!(!a.can_edit_park(&OWN));
        assert!(!a.can_read_park(&FOREIGN_SAME_TOWN) && !a.can_edit_units(&FOREIGN_SAME_TOWN));
    }

    #[test]
    fn enterprise_reads_its_park_and_itself() {
        let a = actor(Role::Enterprise, None, Some(7), Some(42));
        assert!(a.can_read_park(&OWN) && !a.can_edit_park(&OWN) && !a.can_edit_units(&OWN));
        assert!(a.can_read_enterprise(42, &OWN) && !a.can_read_enterprise(43, &OWN));
        assert!(!a.can_read_park(&FOREIGN));
    }

    #[test]
    fn capabilities_are_granted_for_one_park_by_the_scope_rules() {
        let op = actor(Role::Operator, None, Some(7), None);
        assert_eq!(op.unit_desk(&OWN).map(|d| d.park_id()), Ok(7));
        assert_eq!(op.unit_desk(&FOREIGN_SAME_TOWN), Err(Denied::Hidden));
        assert_eq!(op.park_authority(&OWN), Err(Denied::Forbidden));
        let town = actor(Role::Township, Some("330326103"), None, None);
        assert_eq!(town.park_authority(&FOREIGN_SAME_TOWN).map(|a| a.park_id()), Ok(8));
        assert_eq!(town.park_authority(&FOREIGN), Err(Denied::Hidden));
        assert_eq!(town.unit_desk(&FOREIGN), Err(Denied::Hidden));
        let ent = actor(Role::Enterprise, None, Some(7), Some(42));
        assert_eq!(ent.unit_desk(&OWN), Err(Denied::Forbidden));
        assert_eq!(ent.park_authority(&OWN), Err(Denied::Forbidden));
    }

    #[test]
    fn only_the_county_sets_the_townships_targets() {
        assert!(actor(Role::County, None, None, None).assessor().is_ok());
        assert_eq!(actor(Role::Township, Some("330326103"), None, None).assessor(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Operator, None, Some(7), None).assessor(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Enterprise, None, Some(7), Some(42)).assessor(), Err(Denied::Forbidden));
    }

    #[test]
    fn a_desk_files_in_its_park_and_an_enterprise_as_itself_anywhere() {
        let op = actor(Role::Operator, None, Some(7), None);
        let desk = op.filer(&OWN).unwrap();
        assert!(desk.may_file(7, None) && desk.may_file(7, Some(42)) && !desk.may_file(8, None));
        assert_eq!(desk.enterprise_id(), None);
        assert_eq!(op.filer(&FOREIGN_SAME_TOWN), Err(Denied::Hidden));
        let ent = actor(Role::Enterprise, None, Some(7), Some(42));
        let own = ent.filer(&FOREIGN).unwrap();
        assert!(own.may_file(9, Some(42)) && own.may_file(7, Some(42)));
        assert!(!own.may_file(9, Some(43)) && !own.may_file(9, None), "only as itself");
        assert_eq!(own.enterprise_id(), Some(42));
        assert_eq!(actor(Role::Enterprise, None, Some(7), None).filer(&OWN), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Agency, None, None, None).filer(&OWN), Err(Denied::Hidden));
    }

    #[test]
    fn alarm_rules_are_kept_per_park_and_county_wide_by_the_county() {
        let county = actor(Role::County, None, None, None);
        assert!(county.rule_keeper(None).unwrap().covers(Some(9)));
        assert!(county.rule_keeper(Some(&OWN)).unwrap().covers(Some(7)));
        let town = actor(Role::Township, Some("330326103"), None, None);
        assert_eq!(town.rule_keeper(None), Err(Denied::Forbidden));
        let mine = town.rule_keeper(Some(&OWN)).unwrap();
        assert!(mine.covers(Some(7)) && !mine.covers(Some(8)) && !mine.covers(None));
        assert_eq!(town.rule_keeper(Some(&FOREIGN)), Err(Denied::Hidden));
        let op = actor(Role::Operator, None, Some(7), None);
        assert_eq!(op.rule_keeper(Some(&OWN)).map(|k| k.park_id()), Ok(Some(7)));
        assert_eq!(op.rule_keeper(Some(&FOREIGN_SAME_TOWN)), Err(Denied::Hidden));
        assert_eq!(actor(Role::Enterprise, None, Some(7), Some(42)).rule_keeper(Some(&OWN)), Err(Denied::Forbidden));
    }

    #[test]
    fn reports_are_filed_by_the_county_the_operator_and_the_enterprise_itself() {
        let county = actor(Role::County, None, None, None).report_filer(&FOREIGN, 5).unwrap();
        assert_eq!((county.enterprise_id(), county.park_id()), (5, 9));
        assert!(actor(Role::Operator, None, Some(7), None).report_filer(&OWN, 42).is_ok());
        assert_eq!(
            actor(Role::Operator, None, Some(7), None).report_filer(&FOREIGN_SAME_TOWN, 42),
            Err(Denied::Hidden)
        );
        let ent = actor(Role::Enterprise, None, Some(7), Some(42));
        assert!(ent.report_filer(&OWN, 42).is_ok());
        assert_eq!(ent.report_filer(&OWN, 43), Err(Denied::Hidden));
        let town = actor(Role::Township, Some("330326103"), None, None);
        assert_eq!(town.report_filer(&OWN, 42), Err(Denied::Forbidden), "a township reads reports");
        assert_eq!(town.report_filer(&FOREIGN, 42), Err(Denied::Hidden));
    }

    #[test]
    fn alarms_are_handled_by_staff_in_their_scope() {
        assert_eq!(actor(Role::Operator, None, Some(7), None).alarm_desk(&OWN).map(|d| d.park_id()), Ok(7));
        assert!(actor(Role::Township, Some("330326103"), None, None).alarm_desk(&FOREIGN_SAME_TOWN).is_ok());
        assert_eq!(actor(Role::Township, Some("330326103"), None, None).alarm_desk(&FOREIGN), Err(Denied::Hidden));
        assert_eq!(actor(Role::Enterprise, None, Some(7), Some(42)).alarm_desk(&OWN), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Agency, None, None, None).alarm_desk(&OWN), Err(Denied::Hidden));
    }

    #[test]
    fn webhooks_belong_to_a_level_and_place() {
        use crate::alarms::Level;
        let county = actor(Role::County, None, None, None).hook_owner().unwrap();
        assert_eq!(county.place(), (Level::County, None, None));
        assert!(county.owns(None, None) && county.owns(Some(&FOREIGN), None));
        let town = actor(Role::Township, Some("330326103"), None, None).hook_owner().unwrap();
        assert_eq!(town.place(), (Level::Township, None, Some("330326103".into())));
        assert!(town.owns(None, Some("330326103")) && town.owns(Some(&FOREIGN_SAME_TOWN), None));
        assert!(!town.owns(None, Some("330326100")) && !town.owns(Some(&FOREIGN), None) && !town.owns(None, None));
        let op = actor(Role::Operator, None, Some(7), None).hook_owner().unwrap();
        assert_eq!(op.place(), (Level::Park, Some(7), None));
        assert!(op.owns(Some(&OWN), None) && !op.owns(Some(&FOREIGN_SAME_TOWN), None));
        assert!(!op.owns(None, Some("330326103")), "not its township's");
        assert_eq!(actor(Role::Enterprise, None, Some(7), Some(42)).hook_owner(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Township, None, None, None).hook_owner(), Err(Denied::Forbidden));
    }

    #[test]
    fn only_the_county_keeps_the_park_registry() {
        assert!(actor(Role::County, None, None, None).registry().is_ok());
        assert_eq!(actor(Role::Township, Some("330326103"), None, None).registry(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Operator, None, Some(7), None).registry(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Enterprise, None, Some(7), Some(42)).registry(), Err(Denied::Forbidden));
        assert_eq!(actor(Role::Agency, None, None, None).registry(), Err(Denied::Forbidden));
        // The county's other own jobs: its rules, its users.
        let county = actor(Role::County, None, None, None);
        assert!(county.rule_maker().is_ok() && county.user_admin().is_ok());
        for a in [
            actor(Role::Township, Some("330326103"), None, None),
            actor(Role::Operator, None, Some(7), None),
            actor(Role::Enterprise, None, Some(7), Some(42)),
            actor(Role::Agency, None, None, None),
        ] {
            assert_eq!(a.rule_maker(), Err(Denied::Forbidden));
            assert_eq!(a.user_admin(), Err(Denied::Forbidden));
        }
    }

    #[test]
    fn a_user_without_scope_sees_nothing() {
        let a = actor(Role::Township, None, None, None);
        assert_eq!(a.park_scope(), ParkScope::None);
        assert!(!a.can_read_park(&OWN));
    }
}
