//! Authorisation: every route × every role × own and foreign scope.
//!
//! The route list comes from `weiyuan_server::routes::all()`. Each route must have a rule in
//! `rule()` below: a route added without one fails this test. For every call the test checks
//! that an allowed call succeeds, a refused one answers 403/404 and writes nothing, and that
//! nothing of a foreign park shows in what a non-county role can read. Anonymous callers get
//! 401 (API) or the login page (pages) on every non-public route.

mod common;

use common::{App, PASSWORD, csrf_of};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use weiyuan_domain::parks::{BuildingDraft, SpaceType, UnitDraft};
use weiyuan_server::routes::{self, Access, RouteSpec};
use weiyuan_store::AuditCtx;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in user; no park in the path.
    AnyUser,
    CountyOnly,
    /// County: every park; the others: their own parks only.
    ReadPark,
    /// County: every park; township: its own parks; operator and enterprise: never.
    EditPark,
    /// County: every park; township and operator: their own parks; enterprise: never.
    EditUnits,
    /// Applying to a park: as `EditUnits`, and an enterprise (for itself) to any park.
    Apply,
    /// Filing a monthly report: the county; the park's operator; the enterprise itself.
    File,
    /// Everyone but enterprises (the county's analysis of its parks).
    Staff,
    /// County: every park; township and operator: their own parks; enterprise: never.
    StaffPark,
    /// The county and every township (townships' totals, no park of another township).
    Government,
    /// An enterprise, for itself (a policy application: no park in the path).
    EnterpriseOnly,
    /// The enterprise itself, in its own park.
    EnterpriseSelf,
    /// The township of the park, only (the first review step of a policy application).
    TownshipOwn,
    /// The county, or the park's operator (the provider's side of a service request).
    OperatorPark,
    /// Everyone but enterprises: the staff, and a service agency (for its own).
    Providers,
    /// Everyone with a place in the parks: the staff and enterprises, not a service agency.
    People,
}

/// The rule of every route. A new route must be added here (and so thought about).
fn rule(method: &str, path: &str) -> Option<Rule> {
    use Rule::*;
    Some(match (method, path) {
        ("GET", "/healthz" | "/metrics" | "/api/openapi.json" | "/assets/{*file}" | "/favicon.ico" | "/login") => {
            Public
        }
        ("POST", "/api/v1/auth/login" | "/login" | "/lang") => Public,
        ("POST", "/api/v1/auth/logout" | "/logout") | ("PUT", "/api/v1/me/lang") => AnyUser,
        ("GET", "/api/v1/me" | "/api/v1/townships" | "/api/v1/parks" | "/" | "/parks" | "/api/v1/workbench") => AnyUser,
        ("GET", "/api/v1/progress" | "/api/v1/map" | "/progress" | "/map") => AnyUser,
        ("GET", "/api/v1/parks/{id}/progress" | "/parks/{id}/progress") => ReadPark,
        ("POST", "/api/v1/parks/{id}/reports" | "/parks/{id}/reports") => EditPark,
        ("POST", "/api/v1/parks/{id}/milestones" | "/parks/{id}/milestones") => EditPark,
        ("DELETE", "/api/v1/milestones/{id}") | ("POST", "/milestones/{id}/delete") => EditPark,
        ("PUT", "/api/v1/parks/{id}/plans") | ("POST", "/parks/{id}/plans") => CountyOnly,
        ("GET", "/api/v1/industries" | "/api/v1/enterprises") => AnyUser,
        // An enterprise reads itself (the first enterprise of its park is the demo enterprise).
        ("GET", "/api/v1/enterprises/{id}" | "/enterprises/{id}" | "/parks/{id}/enterprises") => ReadPark,
        ("POST", "/api/v1/parks/{id}/enterprises" | "/parks/{id}/enterprises" | "/enterprises/{id}") => EditUnits,
        ("PUT", "/api/v1/enterprises/{id}") | ("GET", "/parks/{id}/enterprises/new" | "/enterprises/{id}/edit") => {
            EditUnits
        }
        ("GET", "/api/v1/export/{file}" | "/api/v1/templates/{file}" | "/exchange" | "/exchange/export/{file}") => {
            AnyUser
        }
        ("GET", "/exchange/templates/{file}") => AnyUser,
        // The park registry (the file below) is imported by the county only.
        ("POST", "/api/v1/import/{file}" | "/exchange/import/{kind}") => CountyOnly,
        ("POST", "/api/v1/parks" | "/parks") | ("GET", "/parks/new") => CountyOnly,
        ("GET", "/api/v1/users" | "/api/v1/audit" | "/users" | "/audit") => CountyOnly,
        ("POST", "/api/v1/users" | "/api/v1/users/{id}/password" | "/users" | "/users/{id}/password") => CountyOnly,
        ("GET", "/api/v1/parks/{id}" | "/api/v1/parks/{id}/buildings" | "/api/v1/parks/{id}/units" | "/parks/{id}") => {
            ReadPark
        }
        ("PUT", "/api/v1/parks/{id}") | ("GET", "/parks/{id}/edit") | ("POST", "/parks/{id}") => EditPark,
        ("POST", "/api/v1/parks/{id}/buildings" | "/api/v1/parks/{id}/units") => EditUnits,
        ("PUT" | "DELETE", "/api/v1/buildings/{id}" | "/api/v1/units/{id}") => EditUnits,
        ("POST", "/parks/{id}/buildings" | "/buildings/{id}" | "/buildings/{id}/delete") => EditUnits,
        ("POST", "/parks/{id}/units" | "/units/{id}" | "/units/{id}/delete") => EditUnits,
        ("GET", "/buildings/{id}/edit" | "/parks/{id}/units/new" | "/units/{id}/edit") => EditUnits,
        // The county's rules: readable by all, changed by the county; a township sets its parks' orientation.
        ("GET", "/api/v1/rules" | "/api/v1/negative-list" | "/settings") => AnyUser,
        ("PUT", "/api/v1/rules") | ("POST", "/api/v1/negative-list") | ("DELETE", "/api/v1/negative-list/{id}") => {
            CountyOnly
        }
        ("POST", "/settings/rules" | "/settings/negative" | "/settings/negative/{id}/delete") => CountyOnly,
        ("PUT", "/api/v1/parks/{id}/orientation") | ("POST", "/parks/{id}/orientation") => EditPark,
        // Admission: lists are scoped; an application is seen by its park's staff (and itself).
        ("GET", "/api/v1/admissions" | "/admissions") => AnyUser,
        ("POST", "/api/v1/parks/{id}/admissions" | "/parks/{id}/admissions")
        | ("GET", "/parks/{id}/admissions/new") => Apply,
        ("GET", "/api/v1/admissions/{id}" | "/admissions/{id}" | "/admissions/{id}/edit") => EditUnits,
        ("PUT", "/api/v1/admissions/{id}") | ("POST", "/admissions/{id}") => EditUnits,
        ("POST", "/api/v1/admissions/{id}/decision" | "/admissions/{id}/decision") => EditPark,
        // Units: holdings and history are read with the park; deals by its staff; leases need the township.
        ("GET", "/api/v1/parks/{id}/holdings" | "/api/v1/units/{id}/history" | "/parks/{id}/deals" | "/units/{id}") => {
            ReadPark
        }
        ("POST", "/api/v1/parks/{id}/sales" | "/parks/{id}/sales") => EditUnits,
        ("POST", "/api/v1/parks/{id}/transfers" | "/parks/{id}/transfers") => EditUnits,
        ("POST", "/api/v1/parks/{id}/takebacks" | "/parks/{id}/takebacks") => EditUnits,
        ("POST", "/api/v1/parks/{id}/leases" | "/parks/{id}/leases") => EditPark,
        // Lotteries are public within the park; its staff publish and draw them.
        (
            "GET",
            "/api/v1/parks/{id}/lotteries" | "/parks/{id}/lotteries" | "/api/v1/lotteries/{id}" | "/lotteries/{id}",
        ) => ReadPark,
        ("POST", "/api/v1/parks/{id}/lotteries" | "/parks/{id}/lotteries") => EditUnits,
        ("POST", "/api/v1/lotteries/{id}/draw" | "/lotteries/{id}/draw") => EditUnits,
        // Exit: the overview is scoped, an enterprise's file is read with it; the county acts.
        ("GET", "/api/v1/exits" | "/exits") => AnyUser,
        ("GET", "/api/v1/enterprises/{id}/exit") => ReadPark,
        ("PUT", "/api/v1/enterprises/{id}/figures") | ("POST", "/api/v1/enterprises/{id}/exit") => CountyOnly,
        ("POST", "/enterprises/{id}/figures" | "/enterprises/{id}/exit") => CountyOnly,
        // Monthly reports: read with the enterprise; filed by itself, its operator or the county.
        ("GET", "/api/v1/enterprises/{id}/reports" | "/enterprises/{id}/reports") => ReadPark,
        ("POST", "/api/v1/enterprises/{id}/reports" | "/enterprises/{id}/reports") => File,
        ("GET", "/api/v1/reports/status" | "/reports") => AnyUser,
        (
            "GET",
            "/api/v1/analysis"
            | "/analysis"
            | "/api/v1/analysis/enterprises"
            | "/analysis/enterprises"
            | "/api/v1/analysis/export/{file}"
            | "/analysis/export/{file}",
        ) => Staff,
        ("GET", "/dashboard") => Staff,
        // Monitoring: devices send readings with their own tokens; people manage devices.
        ("POST", "/api/v1/telemetry") => Public,
        ("GET", "/api/v1/devices") => Staff,
        ("GET", "/api/v1/device-kinds") => AnyUser,
        ("POST", "/api/v1/device-kinds" | "/monitoring/reconciliation/tolerance") => CountyOnly,
        ("PUT", "/api/v1/reconciliation/tolerance") => CountyOnly,
        ("POST", "/api/v1/parks/{id}/devices") => EditUnits,
        ("GET", "/api/v1/devices/{id}" | "/api/v1/devices/{id}/series") => StaffPark,
        ("GET", "/api/v1/monitoring" | "/monitoring" | "/api/v1/reconciliation" | "/monitoring/reconciliation") => {
            Staff
        }
        ("GET", "/api/v1/parks/{id}/live" | "/parks/{id}/monitoring" | "/parks/{id}/devices") => StaffPark,
        ("POST", "/parks/{id}/devices") => EditUnits,
        ("PUT", "/api/v1/devices/{id}") | ("POST", "/api/v1/devices/{id}/token") => EditUnits,
        // Alarms: staff see and handle the alarms of their parks; the county's rules reach every
        // park, a township's and an operator's only their own; a webhook belongs to its level.
        ("GET", "/api/v1/alarms" | "/alarms" | "/api/v1/alarm-rules" | "/alarms/rules") => Staff,
        ("GET", "/api/v1/webhooks" | "/alarms/webhooks") | ("POST", "/api/v1/webhooks" | "/alarms/webhooks") => Staff,
        ("GET", "/api/v1/alarms/{id}" | "/alarms/{id}") => StaffPark,
        ("POST", "/api/v1/alarms/{id}/acknowledge" | "/api/v1/alarms/{id}/clear") => StaffPark,
        ("POST", "/alarms/{id}/acknowledge" | "/alarms/{id}/clear") => StaffPark,
        ("POST", "/api/v1/alarm-rules" | "/alarms/rules" | "/alarms/rules/{id}" | "/alarms/rules/{id}/toggle") => {
            StaffPark
        }
        ("PUT", "/api/v1/alarm-rules/{id}") => StaffPark,
        ("DELETE", "/api/v1/webhooks/{id}") | ("POST", "/alarms/webhooks/{id}/disable") => StaffPark,
        ("GET", "/api/v1/notifications") | ("POST", "/api/v1/notifications/read" | "/alarms/read") => AnyUser,
        // Per-mu evaluation: the method is public; the county computes, answers and publishes; a
        // township objects for its parks; a published run is read by all, each in its scope.
        ("GET", "/api/v1/evaluation/method" | "/api/v1/evaluation/methods" | "/api/v1/evaluation/runs") => AnyUser,
        ("GET", "/evaluation" | "/evaluation/method" | "/evaluation/mine") => AnyUser,
        ("PUT", "/api/v1/evaluation/method") | ("POST", "/evaluation/method") => CountyOnly,
        ("POST", "/api/v1/evaluation/runs" | "/evaluation/runs") => CountyOnly,
        ("POST", "/api/v1/evaluation/runs/{id}/publish" | "/evaluation/runs/{id}/publish") => CountyOnly,
        (
            "POST",
            "/api/v1/evaluation/runs/{id}/objections/{objection_id}/answer"
            | "/evaluation/runs/{id}/objections/{objection_id}/answer",
        ) => CountyOnly,
        (
            "GET",
            "/api/v1/evaluation/runs/{id}"
            | "/api/v1/evaluation/runs/{id}/results"
            | "/api/v1/evaluation/runs/{id}/export.xlsx"
            | "/api/v1/evaluation/runs/{id}/migration"
            | "/evaluation/runs/{id}",
        ) => AnyUser,
        (
            "GET",
            "/api/v1/evaluation/runs/{id}/results/{enterprise_id}"
            | "/evaluation/runs/{id}/enterprises/{enterprise_id}",
        ) => ReadPark,
        ("POST", "/api/v1/evaluation/runs/{id}/objections" | "/evaluation/runs/{id}/objections") => EditPark,
        ("GET", "/api/v1/enterprises/{id}/land") => ReadPark,
        // Park grading: the rubric and published gradings are read by all (each its parks); the
        // county computes, reviews and publishes.
        ("GET", "/api/v1/grading/rubric" | "/api/v1/gradings" | "/grading") => AnyUser,
        ("GET", "/api/v1/gradings/{id}" | "/grading/{id}") => AnyUser,
        ("GET", "/grading/rubric") => AnyUser,
        ("PUT", "/api/v1/grading/rubric") | ("POST", "/api/v1/gradings" | "/grading" | "/grading/rubric") => CountyOnly,
        ("POST", "/api/v1/gradings/{id}/reviews" | "/grading/{id}/reviews") => CountyOnly,
        ("POST", "/api/v1/gradings/{id}/publish" | "/grading/{id}/publish") => CountyOnly,
        // Stars: a park's staff apply; its township (or the county) takes the first step.
        ("GET", "/api/v1/star-applications") => AnyUser,
        ("POST", "/api/v1/parks/{id}/star-applications") => EditUnits,
        ("POST", "/grading/stars") => EditUnits,
        ("POST", "/api/v1/star-applications/{id}/decision" | "/star-applications/{id}/decision") => EditPark,
        // Townships' supervision and bulletins: the county and the townships.
        ("GET", "/api/v1/supervision" | "/api/v1/supervision/bulletin.xlsx") => Government,
        ("GET", "/supervision" | "/supervision/bulletin") => Government,
        ("GET", "/api/v1/supervision/targets" | "/supervision/targets") => Government,
        ("PUT", "/api/v1/supervision/targets") | ("POST", "/supervision/targets") => CountyOnly,
        ("PUT", "/api/v1/enterprises/{id}/land") => EditUnits,
        // Policies: the library is read by all (each sees who qualifies in its scope); the county
        // writes, publishes and notifies; an enterprise applies for itself; its township reviews
        // first (the county's step follows, tested in tests/policies.rs).
        ("GET", "/api/v1/policies" | "/policies" | "/api/v1/policies/{id}" | "/policies/{id}") => AnyUser,
        ("GET", "/api/v1/policies/{id}/matches" | "/api/v1/policy-applications" | "/policy-applications") => AnyUser,
        ("POST", "/api/v1/policies" | "/policies" | "/api/v1/policies/notify") | ("GET", "/policies/new") => CountyOnly,
        ("PUT", "/api/v1/policies/{id}") => CountyOnly,
        ("POST", "/api/v1/policies/{id}/publish" | "/policies/{id}/publish") => CountyOnly,
        ("POST", "/api/v1/policies/{id}/withdraw" | "/policies/{id}/withdraw") => CountyOnly,
        ("GET", "/api/v1/policies/{id}/reach") => Government,
        ("GET", "/api/v1/enterprises/{id}/policies" | "/api/v1/enterprises/{id}/notices") => ReadPark,
        ("GET", "/api/v1/policy-applications/{id}" | "/policy-applications/{id}") => ReadPark,
        ("POST", "/api/v1/enterprises/{id}/notices/{policy_id}/read") => EnterpriseSelf,
        ("POST", "/api/v1/policies/{id}/applications" | "/policies/{id}/apply") => EnterpriseOnly,
        ("POST", "/api/v1/policy-applications/{id}/resubmit" | "/policy-applications/{id}/resubmit") => EnterpriseSelf,
        ("POST", "/api/v1/policy-applications/{id}/decide" | "/policy-applications/{id}/decide") => TownshipOwn,
        // Services: the catalogue and requests are read by all in scope; the county keeps the
        // county-wide catalogue, a park's staff its park's; an enterprise requests a service of its
        // park; the provider's side (the operator, or the county) takes the steps.
        ("GET", "/api/v1/services" | "/services" | "/api/v1/services/functions") => AnyUser,
        ("GET", "/api/v1/service-requests" | "/service-requests") => AnyUser,
        ("GET", "/api/v1/services/figures") => Providers,
        // The registry of service agencies: read by the staff (an agency reads itself), kept by
        // the county.
        ("GET", "/api/v1/agencies" | "/services/agencies") => Providers,
        ("POST", "/api/v1/agencies" | "/services/agencies" | "/services/agencies/{id}")
        | ("PUT", "/api/v1/agencies/{id}") => CountyOnly,
        ("POST", "/api/v1/services") => CountyOnly,
        ("POST", "/api/v1/parks/{id}/services" | "/services") | ("PUT", "/api/v1/services/{id}") => EditUnits,
        ("POST", "/api/v1/services/{id}/requests" | "/services/{id}/request") => EnterpriseSelf,
        ("GET", "/api/v1/service-requests/{id}" | "/service-requests/{id}" | "/api/v1/service-attachments/{id}") => {
            ReadPark
        }
        ("POST", "/api/v1/service-requests/{id}/steps" | "/service-requests/{id}/steps") => OperatorPark,
        ("POST", "/api/v1/service-requests/{id}/attachments" | "/service-requests/{id}/attachments") => File,
        // Cultivation: the library for staff; an enterprise's record read in scope, kept by its
        // township or the county.
        ("GET", "/api/v1/cultivation" | "/cultivation") => Staff,
        ("GET", "/api/v1/enterprises/{id}/cultivation" | "/cultivation/{id}") => ReadPark,
        ("PUT", "/api/v1/enterprises/{id}/liaison") => EditPark,
        ("POST", "/api/v1/enterprises/{id}/visits" | "/api/v1/enterprises/{id}/tasks") => EditPark,
        ("POST", "/cultivation/{id}/liaison" | "/cultivation/{id}/visits" | "/cultivation/{id}/tasks") => EditPark,
        ("POST", "/api/v1/cultivation-tasks/{id}/done" | "/cultivation-tasks/{id}/done") => EditPark,
        // Operation monitoring: lists for staff in their scope (an enterprise's overview page
        // sends it to its own page); an enterprise's operation read in scope; a stop explained
        // by its park's township or the county; the settings read by all, kept by the county.
        ("GET", "/operation") => People,
        ("GET", "/operation/settings" | "/api/v1/operation/settings") => AnyUser,
        ("GET", "/api/v1/operation" | "/api/v1/operation/enterprises" | "/operation/list") => Staff,
        ("GET", "/api/v1/operation/stops" | "/operation/stops") => Staff,
        ("GET", "/api/v1/operation/mismatches" | "/operation/mismatches") => Staff,
        ("GET", "/operation/parks/{id}") => StaffPark,
        ("GET", "/api/v1/operation/enterprises/{id}" | "/operation/enterprises/{id}") => ReadPark,
        ("POST", "/api/v1/operation/stops/{id}/explain" | "/operation/stops/{id}/explain") => EditPark,
        ("PUT", "/api/v1/operation/settings") | ("POST", "/operation/settings" | "/api/v1/operation/check") => {
            CountyOnly
        }
        _ => return None,
    })
}

/// Operation monitoring: a stop of the park's first enterprise to explain, the settings as they
/// are, a day to check again.
async fn operation_fixture(
    app: &App,
    spec: &RouteSpec,
    park_id: i64,
    enterprise_id: i64,
    n: u32,
) -> (String, Value, Vec<(&'static str, String)>) {
    let store = &app.store;
    let path = spec.path;
    if path.contains("/stops/{id}") {
        let day = weiyuan_domain::operation::parse_day("2026-11-11").unwrap();
        let raise = weiyuan_store::operation::StopWrite::Raise {
            enterprise_id,
            park_id,
            first_day: day - 2,
            day,

            meter: 0,
            rules: Vec::new(),
        };
        store.save_operation_day(day, &[], &[raise], weiyuan_store::now_ms()).await.unwrap();
        let (stops, _) =
            store.operation_stops(&weiyuan_domain::access::ParkScope::Park(park_id), true, 0, 500).await.unwrap();
        let stop = stops.iter().find(|s| s.enterprise_id == enterprise_id).expect("the stop");
        let fields = vec![("reason", "renovation".to_string()), ("comment", format!("改造{n}"))];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (stop.id.to_string(), Value::Object(body), fields)
    } else if path.ends_with("/settings") {
        let form = store.operation_settings().await.unwrap().to_form();
        let fields = vec![
            ("reduced_below_pct", form.reduced_below_pct),
            ("stopped_below_pct", form.stopped_below_pct),
            ("baseline_weeks", form.baseline_weeks),
            ("stopped_days", form.stopped_days),
            ("mismatch_months", form.mismatch_months),
            ("holidays", form.holidays),
            ("workdays", form.workdays),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (String::new(), Value::Object(body), fields)
    } else if path.ends_with("/check") {
        (String::new(), json!({"from": "2026-11-11", "to": "2026-11-11"}), vec![])
    } else if path.contains("/enterprises/{id}") {
        (enterprise_id.to_string(), json!({}), vec![])
    } else {
        (park_id.to_string(), json!({}), vec![])
    }
}

fn expected(rule: Rule, role: &str, own: bool) -> bool {
    // A service agency has no park: it reads what any user reads, and its own requests (tested
    // in tests/services.rs, since no fixture here is for an agency's service).
    if role == "agency" {
        return matches!(rule, Rule::Public | Rule::AnyUser | Rule::Providers);
    }
    match rule {
        Rule::Public | Rule::AnyUser | Rule::People => true,
        Rule::CountyOnly => role == "county",
        Rule::ReadPark => role == "county" || own,
        Rule::EditPark => role == "county" || (role == "xiaojiang" && own),
        Rule::EditUnits => role == "county" || (matches!(role, "xiaojiang" | "wanyang") && own),
        Rule::Apply => role == "county" || role == "enterprise" || (matches!(role, "xiaojiang" | "wanyang") && own),
        Rule::File => role == "county" || (matches!(role, "wanyang" | "enterprise") && own),
        Rule::Staff => role != "enterprise",
        Rule::Providers => role != "enterprise",
        Rule::StaffPark => role == "county" || (matches!(role, "xiaojiang" | "wanyang") && own),
        Rule::Government => matches!(role, "county" | "xiaojiang"),
        Rule::EnterpriseOnly => role == "enterprise",
        Rule::EnterpriseSelf => role == "enterprise" && own,
        Rule::TownshipOwn => role == "xiaojiang" && own,
        Rule::OperatorPark => role == "county" || (role == "wanyang" && own),
    }
}

/// (user, own park, foreign park) for each role, from the demo data.
const ROLES: [(&str, &str, &str); 5] = [
    ("county", "PY06", "PY01"),
    ("xiaojiang", "PY06", "PY08"),
    ("wanyang", "PY08", "PY06"),
    ("enterprise", "PY08", "PY06"),
    ("agency", "PY08", "PY06"),
];

static SERIAL: AtomicU32 = AtomicU32::new(0);

fn serial() -> u32 {
    SERIAL.fetch_add(1, Ordering::SeqCst)
}

struct Session {
    token: String,
    client: Client,
    csrf: String,
}

struct Ctx<'a> {
    app: &'a App,
    sessions: HashMap<&'static str, Session>,
    victim_user: i64,
}

impl<'a> Ctx<'a> {
    /// No session yet, and a township user made by the county for the routes that act on a user.
    async fn new(app: &'a App) -> Ctx<'a> {
        let county = app.token("county").await;
        let victim = app
            .send(&county, "POST", "/api/v1/users", json!({"username": "victim", "display_name": "v", "role": "township", "scope": "昆阳镇", "password": "Victim-Harbor-Lamp-5520"}))
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        Ctx { app, sessions: HashMap::new(), victim_user: victim }
    }

    async fn session(&mut self, role: &'static str) -> &Session {
        if !self.sessions.contains_key(role) {
            let token = self.app.token(role).await;
            let (client, csrf) = self.app.browser(role).await;
            self.sessions.insert(role, Session { token, client, csrf });
        }
        &self.sessions[role]
    }

    /// A throw-away session, for routes that end the session they are called with.
    async fn fresh(&self, role: &str) -> Session {
        let token = self.app.token(role).await;
        let (client, csrf) = self.app.browser(role).await;
        Session { token, client, csrf }
    }
}

/// The park a path's {id} points into, and the id to put there.
struct Target {
    /// A one-park registry file (CSV) that changes nothing, for the import routes.
    csv: String,
    park_name: String,
    id: String,
    /// Body for writes (JSON for the API, form fields for pages).
    json: Value,
    form: Vec<(String, String)>,
}

async fn target(app: &App, victim_user: i64, spec: &RouteSpec, park_code: &str) -> Target {
    let store = &app.store;
    let park = store.find_park_by_code(park_code).await.unwrap().unwrap();
    let buildings = store.list_buildings(park.id).await.unwrap();
    let building = buildings[0].clone();
    let units = store.list_units(park.id).await.unwrap();
    let unit = units[0].clone();
    let n = serial();
    let sys = AuditCtx::system("fixture");
    let path = spec.path;
    let first = store.list_enterprises(park.id).await.unwrap().remove(0);
    let fixture = |area: i64| {
        let d = UnitDraft {
            building_id: building.id,
            floor: 1,
            number: format!("F{n}"),
            area_m2: weiyuan_domain::Fixed2::from_units(area),
            space_type: SpaceType::Production,
        };
        let desk = system_actor().unit_desk(&park.as_ref()).unwrap();
        let sys = sys.clone();
        async move { store.create_unit(&desk, &sys, &d, false).await.unwrap() }
    };
    let sell = |unit_id: i64, buyer: i64, on: &str| {
        let d = weiyuan_domain::deals::SaleDraft {
            buyer_id: buyer,
            unit_ids: vec![unit_id],
            price_production: Some(weiyuan_domain::Fixed2::from_units(2000)),
            price_non_production: None,
            on_date: on.into(),
            note: String::new(),
        };
        let park_id = park.id;
        async move { weiyuan_server::deals::sell_draft(store, &system_actor(), park_id, &d).await.unwrap() }
    };
    let device = |kind: &str| {
        // Bound to the park's own building, unit and enterprise (ids in the body, which the
        // forged-id test below replaces by another park's).
        let body = json!({"kind": kind, "serial": format!("AZ-{n}"), "name": format!("测试电表{n}"),
            "building_id": unit.building_id.to_string(), "unit_id": unit.id.to_string(), "enterprise_id": first.id.to_string()});
        (
            body.clone(),
            body.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (leak(k), v.as_str().unwrap().to_string()))
                .collect::<Vec<_>>(),
        )
    };
    let fields_of = |fields: &[(&'static str, String)]| {
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (Value::Object(body), fields.to_vec())
    };
    let rule_fields = [
        ("name", format!("规则{n}")),
        ("scope", "kind".to_string()),
        ("kind", "fire_panel".into()),
        ("park_id", park.id.to_string()),
        ("metric", "fault".into()),
        ("condition", "event".into()),
        ("severity", "info".into()),
    ];
    let (id, json, form): (String, Value, Vec<(&str, String)>) = if path.contains("star-applications")
        || path == "/grading/stars"
    {
        star_fixture(app, spec, park.id, n).await
    } else if path.contains("/grading") {
        grading_fixture(app, spec, n).await
    } else if path.contains("/evaluation/") {
        evaluation_fixture(app, spec, park.id, first.id, n).await
    } else if path.contains("cultivation")
        || path.ends_with("/liaison")
        || path.ends_with("/visits")
        || path.ends_with("/tasks")
    {
        let fields: Vec<(&str, String)> = if path.ends_with("/liaison") {
            vec![("liaison", format!("联络员{n}")), ("phone", "0577-6300000".into())]
        } else if path.ends_with("/visits") {
            vec![("visited_on", "2026-01-05".into()), ("summary", format!("走访{n}"))]
        } else {
            vec![("title", format!("事项{n}")), ("due_on", "2027-01-31".into())]
        };
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        if path.contains("cultivation-tasks") {
            let form =
                weiyuan_domain::cultivation::TaskForm { title: format!("待办{n}"), due_on: "2027-01-31".into() };
            let t = weiyuan_server::cultivation::add_task(store, &system_actor(), first.id, &form).await.unwrap();
            (t.id.to_string(), json!({}), vec![])
        } else {
            (first.id.to_string(), Value::Object(body), fields)
        }
    } else if path.contains("/operation") {
        operation_fixture(app, spec, park.id, first.id, n).await
    } else if path.contains("/services") || path.contains("service-") || path.contains("/agencies") {
        service_fixture(app, spec, &park, first.id, n).await
    } else if path.contains("polic") || path.contains("/notices") {
        policy_fixture(app, spec, &park, first.id, n).await
    } else if path.starts_with("/api/v1/alarms/{id}") || path.starts_with("/alarms/{id}") {
        let d = weiyuan_domain::telemetry::DeviceDraft {
            kind: "fire_panel".into(),
            serial: format!("AL-{n}"),
            name: format!("消防主机{n}"),
            active: true,
            ..Default::default()
        };
        let made = store.create_device(&weiyuan::demo::county_desk(park.id).unwrap(), &sys, &d, "x").await.unwrap();
        let rule = store.alarm_rules().await.unwrap()[0].clone();
        let raise = weiyuan_store::alarms::AlarmWrite::Raise {
            rule_id: rule.id,
            device_id: made.id,
            park_id: park.id,
            metric: rule.metric.clone(),
            severity: rule.severity,
            ts: weiyuan_store::now_ms(),
            value: Some(1.0),
            unless_seen_since: None,
            level: weiyuan_domain::alarms::Level::Park,
        };
        let ids = store.apply_alarm_writes(&[raise], weiyuan_store::now_ms()).await.unwrap();
        let (body, form) = fields_of(&[("comment", format!("处理{n}"))]);
        (ids[0].to_string(), body, form)
    } else if path == "/api/v1/alarm-rules" || path == "/alarms/rules" {
        let (body, form) = fields_of(&rule_fields);
        (String::new(), body, form)
    } else if path.starts_with("/api/v1/alarm-rules/{id}") || path.starts_with("/alarms/rules/{id}") {
        let (body, form) = fields_of(&rule_fields);
        let draft = weiyuan_domain::alarms::RuleForm {
            name: format!("规则{n}"),
            scope: "kind".into(),
            kind: "fire_panel".into(),
            park_id: park.id.to_string(),
            metric: "fault".into(),
            condition: "event".into(),
            severity: "info".into(),
            ..Default::default()
        }
        .validate(&weiyuan_domain::telemetry::builtin_kinds(), |_| None)
        .unwrap();
        let keeper = system_actor().rule_keeper(Some(&park.as_ref())).unwrap();
        let made = store.create_alarm_rule(&keeper, &sys, &draft).await.unwrap();
        (made.id.to_string(), body, form)
    } else if path == "/api/v1/webhooks" || path == "/alarms/webhooks" {
        let (body, form) = fields_of(&[("name", format!("推送{n}")), ("url", "http://127.0.0.1:9/hook".into())]);
        (String::new(), body, form)
    } else if path.starts_with("/api/v1/webhooks/{id}") || path.starts_with("/alarms/webhooks/{id}") {
        let d = weiyuan_store::alarms::WebhookDraft {
            name: format!("推送{n}"),
            url: "http://127.0.0.1:9/hook".into(),
            format: "json".into(),
            level: weiyuan_domain::alarms::Level::Park,
            park_id: Some(park.id),
            township_code: None,
            min_severity: weiyuan_domain::alarms::Severity::Warning,
        };
        let owner =
            weiyuan_domain::Actor { role: weiyuan_domain::Role::Operator, park_id: Some(park.id), ..system_actor() };
        let id = store.create_webhook(&owner.hook_owner().unwrap(), &sys, &d).await.unwrap();
        (id.to_string(), json!({}), vec![])
    } else if path.ends_with("/supervision/targets") {
        // A year of its own per request, so a refused one never meets a saved one.
        let (year, admitted) = ((2000 + n % 100).to_string(), (n % 50 + 1).to_string());
        let body = json!({"year": year, "targets": [{"township_code": "330326103", "admitted": admitted}]});
        (String::new(), body, vec![("year", year), ("330326103.admitted", admitted)])
    } else if path.ends_with("/reconciliation/tolerance") {
        let (body, form) = fields_of(&[("tolerance", "12.5".into())]);
        (String::new(), body, form)
    } else if path == "/api/v1/notifications/read" || path == "/alarms/read" {
        (String::new(), json!({}), vec![])
    } else if path == "/api/v1/telemetry" {
        // One good reading from a meter registered for the purpose.
        let county = app.token("county").await;
        let serial = format!("AZ-TEL-{n}");
        let (_, token) = app.device(&county, park.id, "electricity_meter", &serial).await;
        let reading =
            json!({"device": serial, "metric": "power_kw", "ts": weiyuan_store::now_ms() - 60_000, "value": 1.5});
        (String::new(), json!({"token": token, "readings": [reading]}), vec![])
    } else if path == "/api/v1/device-kinds" {
        (
            String::new(),
            json!({"code": format!("k{n}"), "name": format!("自定义{n}"), "metrics": "temp_c ℃ -40 125"}),
            vec![],
        )
    } else if path.ends_with("/devices") {
        let (body, form) = device("electricity_meter");
        (park.id.to_string(), body, form)
    } else if path.starts_with("/api/v1/devices/{id}") || path.starts_with("/devices/{id}") {
        let d = weiyuan_domain::telemetry::DeviceDraft {
            kind: "water_meter".into(),
            serial: format!("FX-{n}"),
            name: format!("水表{n}"),
            active: true,
            ..Default::default()
        };
        let made = store.create_device(&weiyuan::demo::county_desk(park.id).unwrap(), &sys, &d, "x").await.unwrap();
        let (body, form) = device("water_meter");
        (made.id.to_string(), body, form)
    } else if path.ends_with("/orientation") {
        (park.id.to_string(), json!({"prefixes": "C"}), vec![("prefixes", "C".into())])
    } else if path == "/api/v1/rules" || path == "/settings/rules" {
        let mut f = store.rules().await.unwrap().to_form();
        f.reason = format!("测试{n}");
        let body = serde_json::to_value(&f).unwrap();
        let form = body.as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("").to_string()));
        let form: Vec<(&str, String)> = form.map(|(k, v)| (leak(k), v)).collect();
        (String::new(), body, form)
    } else if path == "/api/v1/negative-list" || path == "/settings/negative" {
        let value = format!("测试词{n}");
        (String::new(), json!({"kind": "keyword", "value": value}), vec![("kind", "keyword".into()), ("value", value)])
    } else if path.starts_with("/api/v1/negative-list/") || path.starts_with("/settings/negative/") {
        let e = store
            .add_negative(&system_actor().rule_maker().unwrap(), &sys, "keyword", &format!("待删词{n}"), "")
            .await
            .unwrap();
        (e.id.to_string(), json!({}), vec![])
    } else if path.ends_with("/admissions")
        || path.ends_with("/admissions/new")
        || path.starts_with("/api/v1/admissions/{id}")
        || path.starts_with("/admissions/{id}")
    {
        let fields = [
            ("name", format!("申请企业{n}有限公司")),
            ("credit_code", credit('A', n)),
            ("industry_code", "C3484".into()),
            ("size", "below".into()),
            ("area_m2", "1000".into()),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        if path.contains("admissions/{id}") {
            let d = weiyuan_domain::enterprises::EnterpriseForm {
                name: format!("待审企业{n}有限公司"),
                credit_code: credit('B', n),
                industry_code: "C3484".into(),
                size: "below".into(),
                ..Default::default()
            }
            .validate("2026-01-01")
            .unwrap();
            let area = weiyuan_domain::Fixed2::from_units(1000);
            let filer = system_actor().filer(&park.as_ref()).unwrap();
            let a = store.apply_admission(&filer, &sys, park.id, None, &d, area).await.unwrap();
            let resubmit = (spec.method == "PUT" || spec.method == "POST") && !path.ends_with("/decision");
            if resubmit {
                let reviewer = system_actor().reviewer(&park.as_ref(), a.id, "township").unwrap();
                let d = weiyuan_domain::admission::Decision {
                    decision: "send_back",
                    reason: "补材料".into(),
                    stage: "township",
                };
                store.decide_admission(&reviewer, &sys, &d, "2026-01-01").await.unwrap();
            }
            if path.ends_with("/decision") {
                let body = json!({"decision": "send_back", "reason": "测试", "stage": a.status});
                let form =
                    vec![("decision", "send_back".into()), ("reason", "测试".into()), ("stage", a.status.clone())];
                (a.id.to_string(), body, form)
            } else {
                (a.id.to_string(), Value::Object(body), fields.to_vec())
            }
        } else {
            (park.id.to_string(), Value::Object(body), fields.to_vec())
        }
    } else if path.ends_with("/sales") {
        let u = fixture(600).await;
        let fields = [
            ("buyer_id", first.id.to_string()),
            ("unit_ids", u.id.to_string()),
            ("price_production", "2000".to_string()),
            ("on_date", "2026-01-01".to_string()),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/transfers") {
        let u = fixture(600).await;
        sell(u.id, first.id, "2015-01-01").await;
        let fields = [("unit_ids", u.id.to_string()), ("on_date", "2026-01-01".to_string())];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/leases") || path.ends_with("/takebacks") {
        // An owner meeting its targets and a tenant of its own industry.
        let u = fixture(600).await;
        sell(u.id, first.id, "2020-01-01").await;
        let area: i64 = store.holdings_of(first.id).await.unwrap().iter().map(|h| h.area_m2.0 / 100).sum();
        for (k, year) in [2023, 2024, 2025].into_iter().enumerate() {
            let f = weiyuan_store::exits::YearFigures {
                year,
                sales: weiyuan_domain::Fixed2::from_units(area * 3000),
                tax: weiyuan_domain::Fixed2::from_units(area * 200),
                revenue: weiyuan_domain::Fixed2::from_units(area * [1000, 1200, 1440][k]),
                investment: weiyuan_domain::Fixed2::from_units(area * 5000),
            };
            store
                .set_exit_figures(&system_actor().exit_authority(&park.as_ref(), first.id).unwrap(), &sys, &f)
                .await
                .unwrap();
        }
        let tenant_form = weiyuan_domain::enterprises::EnterpriseForm {
            name: format!("承租企业{n}有限公司"),
            credit_code: credit('C', n),
            industry_code: first.industry_code.clone(),
            size: "below".into(),
            ..Default::default()
        };
        let tenant = store
            .create_enterprise(
                &weiyuan::demo::county_desk(park.id).unwrap(),
                &sys,
                &tenant_form.validate("2026-01-01").unwrap(),
                false,
            )
            .await
            .unwrap();
        if path.ends_with("/takebacks") {
            let d = weiyuan_domain::deals::LeaseDraft {
                tenant_id: tenant.id,
                unit_ids: vec![u.id],
                rent_per_m2_month: weiyuan_domain::Fixed2::from_units(20),
                on_date: "2025-01-01".into(),
                note: String::new(),
            };
            weiyuan_server::deals::lease_draft(store, &system_actor(), park.id, &d).await.unwrap();
            let fields = [
                ("tenant_id", tenant.id.to_string()),
                ("kind", "lease_end".to_string()),
                ("on_date", "2026-01-01".to_string()),
                ("note", "到期".to_string()),
            ];
            let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            (park.id.to_string(), Value::Object(body), fields.to_vec())
        } else {
            let fields = [
                ("tenant_id", tenant.id.to_string()),
                ("unit_ids", u.id.to_string()),
                ("rent_per_m2_month", "20".to_string()),
                ("on_date", "2026-01-01".to_string()),
            ];
            let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            (park.id.to_string(), Value::Object(body), fields.to_vec())
        }
    } else if path.ends_with("/lotteries") {
        let u = fixture(600).await;
        let applicants = format!("{}\n{}", credit('D', n), credit('E', n));
        let fields = [("title", format!("摇号{n}")), ("unit_ids", u.id.to_string()), ("applicants", applicants)];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.contains("/lotteries/{id}") {
        let u = fixture(600).await;
        let applicants = vec![credit('D', n), credit('E', n)];
        let l = store
            .create_lottery(
                &weiyuan::demo::county_desk(park.id).unwrap(),
                &sys,
                &format!("摇号{n}"),
                &[u.id],
                &applicants,
                "seed",
            )
            .await
            .unwrap();
        (l.id.to_string(), json!({}), vec![])
    } else if path.ends_with("/figures") {
        let fields = [
            ("year", "2025".to_string()),
            ("sales", "1000000".into()),
            ("tax", "50000".into()),
            ("revenue", "900000".into()),
            ("investment", "300000".into()),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (first.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/reports") && path.contains("enterprises") {
        let month = weiyuan_domain::progress::Month::of_ms(weiyuan_store::now_ms()).prev().to_string();
        let fields = [
            ("month", month),
            ("output", "100".to_string()),
            ("revenue", "100".into()),
            ("tax", "5".into()),
            ("electricity", "10000".into()),
            ("employees", "20".into()),
            ("confirm", "on".into()),
            ("reason", format!("测试{n}")),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (first.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/exit") && spec.method == "POST" {
        (first.id.to_string(), json!({"step": "test"}), vec![("step", "test".into())])
    } else if path.starts_with("/api/v1/users/{id}") || path.starts_with("/users/{id}") {
        (
            victim_user.to_string(),
            json!({"password": "Victim-New-Lantern-8812"}),
            vec![("password", "Victim-New-Lantern-8812".into())],
        )
    } else if path.contains("/buildings/{id}") {
        if path.ends_with("/delete") || spec.method == "DELETE" {
            let fresh = store
                .create_building(
                    &system_actor().unit_desk(&park.as_ref()).unwrap(),
                    &sys,
                    &BuildingDraft { name: format!("待删{n}"), floors: 2 },
                    false,
                )
                .await
                .unwrap();
            (fresh.id.to_string(), json!({}), vec![])
        } else {
            let body = json!({"name": building.name, "floors": building.floors});
            (
                building.id.to_string(),
                body,
                vec![("name", building.name.clone()), ("floors", building.floors.to_string())],
            )
        }
    } else if path.contains("/units/{id}") {
        if path.ends_with("/delete") || spec.method == "DELETE" {
            let d = UnitDraft {
                building_id: building.id,
                floor: 1,
                number: format!("D{n}"),
                area_m2: weiyuan_domain::Fixed2::from_units(600),
                space_type: SpaceType::Production,
            };
            let desk = system_actor().unit_desk(&park.as_ref()).unwrap();
            let fresh = store.create_unit(&desk, &sys, &d, false).await.unwrap();
            (fresh.id.to_string(), json!({}), vec![])
        } else {
            let f = unit.to_form();
            let body = json!({"building_id": unit.building_id, "floor": unit.floor, "number": unit.number, "area_m2": unit.area_m2, "space_type": f.space_type});
            let form = vec![
                ("building_id", f.building_id),
                ("floor", f.floor),
                ("number", f.number),
                ("area_m2", f.area_m2),
                ("space_type", f.space_type),
            ];
            (unit.id.to_string(), body, form)
        }
    } else if path.contains("/enterprises/{id}") {
        let e = store.list_enterprises(park.id).await.unwrap().remove(0);
        let f = weiyuan_server::enterprises::form_of(&e);
        let fields = [
            ("name", f.name),
            ("credit_code", f.credit_code),
            ("credit_override", f.credit_override),
            ("industry_code", f.industry_code),
            ("size", f.size),
            ("tags", f.tags),
            ("entry_date", f.entry_date),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (e.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/enterprises") || path.ends_with("/enterprises/new") {
        let fields = [
            ("name", format!("新企业{n}有限公司")),
            ("credit_code", credit('F', n)),
            ("industry_code", "C3484".into()),
            ("size", "below".into()),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.contains("/milestones/{id}") {
        let d = weiyuan_domain::progress::MilestoneDraft {
            phase: format!("测试{n}"),
            kind: weiyuan_domain::progress::MilestoneKind::Completed,
            planned_date: Some("2030-01-01".into()),
            actual_date: None,
        };
        let authority = system_actor().park_authority(&park.as_ref()).unwrap();
        let fresh = store.set_milestone(&authority, &sys, &d, false).await.unwrap();
        (fresh.id.to_string(), json!({}), vec![])
    } else if path.ends_with("/milestones") {
        let fields = [("phase", format!("期{n}")), ("kind", "completed".into()), ("planned_date", "2030-06-30".into())];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/reports") {
        let month = weiyuan_domain::progress::Month::of_ms(weiyuan_store::now_ms()).to_string();
        let fields = [("month", month), ("land_supplied_mu", "1".into()), ("problems", format!("测试{n}"))];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/plans") {
        let fields = [("year", (2030 + n % 50).to_string()), ("land_supply_mu", "10".into())];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (park.id.to_string(), Value::Object(body), fields.to_vec())
    } else if path.ends_with("/buildings") {
        let name = format!("新楼{n}");
        (park.id.to_string(), json!({"name": name, "floors": 5}), vec![("name", name), ("floors", "5".into())])
    } else if path.ends_with("/units") {
        let number = format!("N{n}");
        let body = json!({"building_id": building.id, "floor": 1, "number": number, "area_m2": 800, "space_type": "production"});
        let form = vec![
            ("building_id", building.id.to_string()),
            ("floor", "1".into()),
            ("number", number),
            ("area_m2", "800".into()),
            ("space_type", "production".into()),
        ];
        (park.id.to_string(), body, form)
    } else if path == "/api/v1/parks" || path == "/parks" {
        let name = format!("新园{n}");
        let body = json!({"name": name, "township_code": "330326103", "status": "planned", "land_mu": 30, "building_area_m2": 50000,
            "leading_industries": "塑包", "enterprise_count": 0, "development_model": "undecided", "park_type": "manufacturing"});
        let form = vec![
            ("name", name),
            ("township_code", "330326103".into()),
            ("status", "planned".into()),
            ("land_mu", "30".into()),
            ("building_area_wan_m2", "5".into()),
            ("leading_industries", "塑包".into()),
            ("enterprise_count", "0".into()),
            ("development_model", "undecided".into()),
            ("park_type", "manufacturing".into()),
        ];
        (String::new(), body, form)
    } else if path == "/api/v1/users" || path == "/users" {
        let name = format!("user{n}");
        let fields = [
            ("username", name.clone()),
            ("display_name", name),
            ("role", "township".into()),
            ("scope", "萧江镇".into()),
            ("password", "Maple-Harbor-Quill-9043".into()),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        (String::new(), Value::Object(body), fields.to_vec())
    } else {
        // Park routes: the park's own figures as body (a no-op edit).
        let f = park.to_form();
        let body = json!({"name": park.name, "township_code": park.township_code, "status": f.status, "land_mu": park.land_mu,
            "building_area_m2": park.building_area_m2, "leading_industries": park.leading_industries, "enterprise_count": park.enterprise_count,
            "development_model": f.development_model, "park_type": f.park_type, "progress_note": park.progress_note, "lat": park.lat, "lon": park.lon});
        let form = vec![
            ("name", f.name),
            ("township_code", f.township_code),
            ("status", f.status),
            ("land_mu", f.land_mu),
            ("building_area_wan_m2", f.building_area_wan_m2),
            ("leading_industries", f.leading_industries),
            ("enterprise_count", f.enterprise_count),
            ("development_model", f.development_model),
            ("park_type", f.park_type),
            ("progress_note", f.progress_note),
            ("lat", f.lat),
            ("lon", f.lon),
        ];
        (park.id.to_string(), body, form)
    };
    let form = form.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let f = park.to_form();
    let csv = format!(
        "名称,所在乡镇,建设情况,用地面积（亩）,建筑面积（万㎡）,主导产业,入驻企业数（家）,开发模式,园区类型,建设进展,编号,纬度（°N）,经度（°E）\r\n{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
        park.name,
        park.township_code,
        f.status,
        f.land_mu,
        f.building_area_wan_m2,
        f.leading_industries.replace(',', "、"),
        f.enterprise_count,
        f.development_model,
        f.park_type,
        f.progress_note,
        park.code,
        f.lat,
        f.lon
    );
    Target { csv, park_name: park.name, id, json, form }
}

/// A run of the evaluation for the route: a published one to read (made once), a fresh draft to
/// publish or object to (its own months, so publishing never meets another published run), a
/// draft with an objection to answer. Returns (id, JSON body, form fields).
async fn evaluation_fixture(
    app: &App,
    spec: &RouteSpec,
    park: i64,
    enterprise: i64,
    n: u32,
) -> (String, Value, Vec<(&'static str, String)>) {
    use weiyuan_domain::evaluation::{Method, ObjectionForm, RunForm};
    let store = &app.store;
    let path = spec.path;
    let county = system_actor();
    let draft = |first: String| async move {
        weiyuan_server::evaluation::compute(store, &system_actor(), &RunForm { first_month: first }).await.unwrap()
    };
    // Twelve months from a month no published run of this database starts at.
    let published = store.evaluation_runs(false).await.unwrap().len() as i32;
    let first_month = |_: u32| {
        let m = weiyuan_domain::progress::Month::new(2000, 1).unwrap().back(-published);
        m.to_string()
    };
    if path.ends_with("/evaluation/method") {
        let method = Method::default();
        let mut form: Vec<(&'static str, String)> =
            weiyuan_server::evaluation::pages::method_values(&method).into_iter().map(|(k, v)| (leak(&k), v)).collect();
        form.push(("note", format!("测试{n}")));
        return (String::new(), json!({"method": method, "note": format!("测试{n}")}), form);
    }
    if path.ends_with("/evaluation/runs") {
        let m = first_month(n);
        return (String::new(), json!({"first_month": m}), vec![("first_month", m)]);
    }
    if path.ends_with("/publish") {
        return (draft(first_month(n)).await.id.to_string(), json!({}), vec![]);
    }
    if path.ends_with("/objections") {
        let run = draft(first_month(n)).await;
        let reason = format!("数据有误{n}");
        let body = json!({"enterprise_id": enterprise, "reason": reason});
        return (run.id.to_string(), body, vec![("enterprise_id", enterprise.to_string()), ("reason", reason)]);
    }
    if path.ends_with("/answer") {
        let run = draft(first_month(n)).await;
        let form = ObjectionForm { enterprise_id: enterprise.to_string(), reason: format!("异议{n}") };
        let o = weiyuan_server::evaluation::object(store, &county, run.id, &form).await.unwrap();
        let body = json!({"decision": "rejected", "answer": "数据无误"});
        let form = vec![("decision", "rejected".to_string()), ("answer", "数据无误".to_string())];
        return (format!("{}|{}", run.id, o.id), body, form);
    }
    // Reading: the published run of 2025, made once.
    let published = match store.evaluation_runs(false).await.unwrap().into_iter().find(|r| r.first_month == "2025-01") {
        Some(r) => r,
        None => {
            let r = draft("2025-01".into()).await;
            weiyuan_server::evaluation::publish(store, &county, r.id).await.unwrap()
        }
    };
    let _ = park;
    if path.contains("{enterprise_id}") {
        return (format!("{}|{enterprise}", published.id), json!({}), vec![]);
    }
    (published.id.to_string(), json!({}), vec![])
}

/// Policies: a fresh published policy with no condition (so every enterprise qualifies and an
/// application never meets an earlier one), a draft to change or publish, an application of the
/// park's first enterprise waiting for its township, or one sent back. Returns (id, JSON body,
/// form fields).
async fn policy_fixture(
    app: &App,
    spec: &RouteSpec,
    park: &weiyuan_domain::parks::Park,
    enterprise: i64,
    n: u32,
) -> (String, Value, Vec<(&'static str, String)>) {
    use weiyuan_domain::policies::{ApplyForm, PolicyForm, ReviewForm};
    use weiyuan_server::policies as p;
    let store = &app.store;
    let path = spec.path;
    let county = system_actor();
    let form = PolicyForm {
        title: format!("测试政策{n}"),
        source: "测试文件".into(),
        benefit: "测试".into(),
        valid_from: "2020-01-01".into(),
        valid_to: "2099-12-31".into(),
        ..Default::default()
    };
    let body = serde_json::to_value(&form).unwrap();
    let page_form = vec![
        ("title", form.title.clone()),
        ("source", form.source.clone()),
        ("benefit", form.benefit.clone()),
        ("valid_from", form.valid_from.clone()),
        ("valid_to", form.valid_to.clone()),
    ];
    if path == "/api/v1/policies" || path == "/policies" {
        return (String::new(), body, page_form);
    }
    let draft = p::create(store, &county, &form).await.unwrap();
    if path.ends_with("/publish") || spec.method == "PUT" {
        return (draft.id.to_string(), body, page_form);
    }
    let (policy, _) = p::publish(store, &county, draft.id).await.unwrap();
    let as_enterprise = weiyuan_domain::Actor {
        role: weiyuan_domain::Role::Enterprise,
        park_id: Some(park.id),
        enterprise_id: Some(enterprise),
        ..system_actor()
    };
    let statement = format!("申报{n}");
    if path.ends_with("/applications") || path.ends_with("/apply") {
        return (policy.id.to_string(), json!({"statement": statement}), vec![("statement", statement)]);
    }
    if path.contains("/notices/{policy_id}") {
        return (format!("{enterprise}|{}", policy.id), json!({}), vec![]);
    }
    if path.contains("policy-applications/{id}") {
        let a = p::apply(store, &as_enterprise, policy.id, &ApplyForm { statement: statement.clone() }).await.unwrap();
        if path.ends_with("/resubmit") {
            let township = weiyuan_domain::Actor {
                role: weiyuan_domain::Role::Township,
                township_code: Some(park.township_code.clone()),
                ..system_actor()
            };
            let back = ReviewForm { stage: "township".into(), decision: "return".into(), comment: "补材料".into() };
            p::decide(store, &township, a.id, &back).await.unwrap();
            return (a.id.to_string(), json!({"statement": statement}), vec![("statement", statement)]);
        }
        if path.ends_with("/decide") {
            let fields = [("stage", "township"), ("decision", "approve"), ("comment", "同意")];
            let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            return (a.id.to_string(), Value::Object(body), fields.iter().map(|(k, v)| (*k, v.to_string())).collect());
        }
        return (a.id.to_string(), json!({}), vec![]);
    }
    if path.starts_with("/api/v1/enterprises/{id}") {
        return (enterprise.to_string(), json!({}), vec![]);
    }
    (policy.id.to_string(), json!({}), vec![])
}

/// Services: a fresh service of the park's operator, a request of the park's first enterprise
/// waiting for acceptance, an attachment on it. Returns (id, JSON body, form fields).
async fn service_fixture(
    app: &App,
    spec: &RouteSpec,
    park: &weiyuan_domain::parks::Park,
    enterprise: i64,
    n: u32,
) -> (String, Value, Vec<(&'static str, String)>) {
    use weiyuan_domain::services::{RequestForm, ServiceForm};
    use weiyuan_server::services as sv;
    let store = &app.store;
    let path = spec.path;
    if path.contains("/agencies") {
        // A new agency to register, or a fresh one to change.
        let name = format!("服务机构{n}");
        let fields = vec![("name", name.clone()), ("contact", "联系人".to_string()), ("active", "1".to_string())];
        let body = json!({"name": name, "contact": "联系人", "active": "1"});
        if !path.contains("{id}") {
            return (String::new(), body, fields);
        }
        let registrar = system_actor().agency_registrar().unwrap();
        let d = weiyuan_domain::services::AgencyDraft {
            name: format!("待改机构{n}"),
            contact: String::new(),
            active: true,
        };
        let a = store.create_agency(&registrar, &AuditCtx::system("fixture"), &d, false).await.unwrap();
        return (a.id.to_string(), body, fields);
    }
    let form = ServiceForm {
        category: "finance".into(),
        name: format!("融资对接{n}"),
        provider_kind: "operator".into(),
        provider_name: "园区运营公司".into(),
        response_hours: "24".into(),
        completion_days: "10".into(),
        ..Default::default()
    };
    let body = serde_json::to_value(&form).unwrap();
    let fields = vec![
        ("park_id", park.id.to_string()),
        ("category", form.category.clone()),
        ("name", form.name.clone()),
        ("provider_kind", form.provider_kind.clone()),
        ("provider_name", form.provider_name.clone()),
        ("response_hours", form.response_hours.clone()),
        ("completion_days", form.completion_days.clone()),
    ];
    if path == "/api/v1/services" {
        let county = ServiceForm { provider_kind: "county".into(), provider_name: "县经信局".into(), ..form };
        return (String::new(), serde_json::to_value(&county).unwrap(), vec![]);
    }
    if path == "/services" || path == "/api/v1/parks/{id}/services" {
        return (park.id.to_string(), body, fields);
    }
    let service = sv::create(store, &system_actor(), Some(park.id), &form).await.unwrap();
    if spec.method == "PUT" {
        return (service.id.to_string(), body, fields);
    }
    if path.starts_with("/api/v1/services/{id}") || path.starts_with("/services/{id}") {
        let detail = format!("需要融资{n}");
        return (service.id.to_string(), json!({"detail": detail}), vec![("detail", detail)]);
    }
    let as_enterprise = weiyuan_domain::Actor {
        role: weiyuan_domain::Role::Enterprise,
        park_id: Some(park.id),
        enterprise_id: Some(enterprise),
        ..system_actor()
    };
    let r = sv::request(store, &as_enterprise, service.id, &RequestForm { detail: format!("需求{n}") }).await.unwrap();
    if path.contains("service-attachments") {
        let a = sv::attach(store, &system_actor(), r.id, "a.pdf", b"%PDF-1.4 x").await.unwrap();
        return (a.id.to_string(), json!({}), vec![]);
    }
    if path.ends_with("/steps") {
        return (r.id.to_string(), json!({"step": "accept"}), vec![("step", "accept".into())]);
    }
    (r.id.to_string(), json!({}), vec![])
}

/// Stars: no application left open for the park (a fixture or an earlier call may have left one),
/// and one waiting for its township for the decision routes. Returns (id, JSON body, form fields).
async fn star_fixture(app: &App, spec: &RouteSpec, park: i64, n: u32) -> (String, Value, Vec<(&'static str, String)>) {
    use weiyuan_server::grading::stars::{StarDecisionForm, StarForm, apply, decide, list};
    let store = &app.store;
    for a in list(store, &system_actor()).await.unwrap() {
        if a.park_id == park && matches!(a.status.as_str(), "applied" | "endorsed") {
            let f = StarDecisionForm { decision: "refuse".into(), note: "测试收尾".into() };
            decide(store, &system_actor(), a.id, &f).await.unwrap();
        }
    }
    let text = format!("自评{n}");
    if spec.path.ends_with("/decision") {
        let form = StarForm { stars: "2".into(), self_assessment: text };
        let a = apply(store, &system_actor(), park, &form).await.unwrap();
        let body = json!({"decision": "endorse", "note": "材料齐全"});
        return (a.id.to_string(), body, vec![("decision", "endorse".into()), ("note", "材料齐全".into())]);
    }
    let body = json!({"stars": "1", "self_assessment": text});
    let form = vec![("park_id", park.to_string()), ("stars", "1".to_string()), ("self_assessment", text)];
    (park.to_string(), body, form)
}

/// A grading for the route: a reviewed draft to publish or review (its own year), a published
/// one to read (made once). Returns (id, JSON body, form fields).
async fn grading_fixture(app: &App, spec: &RouteSpec, n: u32) -> (String, Value, Vec<(&'static str, String)>) {
    use weiyuan_server::grading::{GradeForm, ReviewForm};
    let store = &app.store;
    let path = spec.path;
    let county = system_actor();
    if path.ends_with("/rubric") {
        let rubric = weiyuan_domain::grading::Rubric::default();
        let mut form: Vec<(&'static str, String)> =
            weiyuan_server::grading::pages::rubric_values(&rubric).into_iter().map(|(k, v)| (leak(&k), v)).collect();
        form.push(("note", format!("测试{n}")));
        return (String::new(), json!({"rubric": rubric, "note": format!("测试{n}")}), form);
    }
    if path == "/api/v1/gradings" || path == "/grading" {
        return (String::new(), json!({"year": "2024"}), vec![("year", "2024".into())]);
    }
    // A draft with every review entered.
    let reviewed = |year: u32| async move {
        let g = weiyuan_server::grading::compute(store, &system_actor(), &GradeForm { year: year.to_string() })
            .await
            .unwrap();
        let view = weiyuan_server::grading::view(store, &system_actor(), g.id).await.unwrap();
        for line in view.lines.iter().filter(|l| l.graded.is_some()) {
            for key in ["services", "factors", "integrity"] {
                let f = ReviewForm {
                    park_id: line.park_id.to_string(),
                    dimension: key.into(),
                    score: "3".into(),
                    evidence: "现场核查记录".into(),
                };
                weiyuan_server::grading::review(store, &system_actor(), g.id, &f).await.unwrap();
            }
        }
        g.id
    };
    if path.ends_with("/publish") {
        // A year no published grading of this database has.
        let published = store.gradings(false).await.unwrap().len() as u32;
        return (reviewed(2002 + published).await.to_string(), json!({}), vec![]);
    }
    if path.ends_with("/reviews") {
        let id = reviewed(2001).await;
        let park = store.find_park_by_code("PY01").await.unwrap().unwrap().id;
        let fields = [
            ("park_id", park.to_string()),
            ("dimension", "services".to_string()),
            ("score", "8".to_string()),
            ("evidence", format!("服务台账{n}")),
        ];
        let body: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        return (id.to_string(), Value::Object(body), fields.to_vec());
    }
    let published = match store.gradings(false).await.unwrap().into_iter().find(|g| g.year == 2025) {
        Some(g) => g.id,
        None => {
            let id = reviewed(2025).await;
            weiyuan_server::grading::publish(store, &county, id).await.unwrap().id
        }
    };
    (published.to_string(), json!({}), vec![])
}

/// Form field names of the rules form live as long as the test.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn concrete(path: &str, id: &str) -> String {
    let file = if path.contains("/analysis/export/") { "analysis.csv" } else { "parks.csv" };
    // Two ids travel as "first|second".
    let (id, second) = id.split_once('|').unwrap_or((id, ""));
    path.replace("{id}", id)
        .replace("{enterprise_id}", second)
        .replace("{objection_id}", second)
        .replace("{policy_id}", second)
        .replace("{*file}", "vendor/leaflet.css")
        .replace("{file}", file)
        .replace("{kind}", "parks")
}

struct Outcome {
    status: StatusCode,
    location: String,
    body: String,
}

async fn call(app: &App, s: &Session, spec: &RouteSpec, t: &Target) -> Outcome {
    let url = app.url(&concrete(spec.path, &t.id));
    let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
    let r = if spec.tag.is_some() {
        // API: bearer token, JSON body.
        let mut req = s.client.request(method.clone(), &url).bearer_auth(&s.token);
        if spec.path == "/api/v1/auth/login" {
            req = app.client().post(&url).json(&json!({"username": "county", "password": PASSWORD}));
        } else if spec.path == "/api/v1/import/{file}" {
            req = req.header("content-type", "text/csv").body(t.csv.clone());
        } else if spec.path == "/api/v1/service-requests/{id}/attachments" {
            let named = format!("{url}?name=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf");
            req = s.client.post(&named).bearer_auth(&s.token).body(b"%PDF-1.4 test".to_vec());
        } else if spec.path == "/api/v1/me/lang" {
            req = req.json(&json!({"lang": "zh-CN"}));
        } else if method != Method::GET {
            req = req.json(&t.json);
        }
        req.send().await.unwrap()
    } else if method == Method::GET {
        s.client.get(&url).send().await.unwrap()
    } else if spec.path == "/exchange/import/{kind}" || spec.path == "/service-requests/{id}/attachments" {
        // A file upload, as a browser sends it.
        let boundary = "weiyuanboundary7MA4YWxk";
        let (name, content) = match spec.path {
            "/exchange/import/{kind}" => ("parks.csv", t.csv.as_str()),
            _ => ("营业执照.pdf", "%PDF-1.4 test"),
        };
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n",
            s.csrf
        );
        s.client
            .post(&url)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap()
    } else {
        let mut form = t.form.clone();
        form.push(("_csrf".into(), s.csrf.clone()));
        if spec.path == "/login" {
            // Logging in again would replace this session's cookie: use a client of its own.
            let own = app.client();
            let page = own.get(&url).send().await.unwrap().text().await.unwrap();
            let token = common::login_token_of(&page);
            let form = [("username", "county"), ("password", PASSWORD), ("_login", token.as_str())];
            let r = own.post(&url).form(&form).send().await.unwrap();
            let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            return Outcome { status: r.status(), location, body: String::new() };
        } else if spec.path == "/lang" {
            form.push(("lang".into(), "zh-CN".into()));
        }
        s.client.post(&url).form(&form).send().await.unwrap()
    };
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Outcome { status, location, body: r.text().await.unwrap_or_default() }
}

both!(every_route_every_role_own_and_foreign_scope);
async fn every_route_every_role_own_and_foreign_scope(app: &App) {
    let mut ctx = Ctx::new(app).await;
    let specs: Vec<RouteSpec> = routes::all().into_iter().map(|(s, _)| s).collect();
    let uncovered: Vec<String> =
        specs.iter().filter(|s| rule(s.method, s.path).is_none()).map(|s| format!("{} {}", s.method, s.path)).collect();
    assert!(uncovered.is_empty(), "routes without an authorisation rule in tests/authz.rs: {uncovered:?}");

    let mut checked = 0;
    for spec in &specs {
        let rule = rule(spec.method, spec.path).unwrap();
        assert_eq!(
            rule == Rule::Public,
            spec.access == Access::Public,
            "{} {}: access differs from the rule",
            spec.method,
            spec.path
        );
        for (role, own_park, foreign_park) in ROLES {
            for own in [true, false] {
                let park_code = if own { own_park } else { foreign_park };
                let foreign_name = app.store.find_park_by_code(foreign_park).await.unwrap().unwrap().name;
                let t = target(app, ctx.victim_user, spec, park_code).await;
                let ends_session = matches!(spec.path, "/api/v1/auth/logout" | "/logout");
                let fresh;
                let s = if ends_session {
                    fresh = ctx.fresh(role).await;
                    &fresh
                } else {
                    ctx.session(role).await
                };
                let audit_before = app.audit_total().await;
                let out = call(app, s, spec, &t).await;
                let allow = expected(rule, role, own);
                let what = format!(
                    "{} {} as {role} on {} park {park_code}",
                    spec.method,
                    spec.path,
                    if own { "own" } else { "foreign" }
                );
                let mut ok = out.status.is_success()
                    || (out.status == StatusCode::SEE_OTHER && !out.location.starts_with("/login"));
                if spec.path == "/logout" && out.status == StatusCode::SEE_OTHER {
                    // Logging out lands on the login page, and the session is gone.
                    let after = s.client.get(app.url("/parks")).send().await.unwrap();
                    ok = after.status() == StatusCode::SEE_OTHER;
                }
                if allow {
                    assert!(
                        ok,
                        "{what}: expected success, got {} {}: {}",
                        out.status,
                        out.location,
                        &out.body[..out.body.len().min(300)]
                    );
                    // An enterprise may apply to another park (it did so above): it sees the name of
                    // that park on the form and on its own applications.
                    let applying = role == "enterprise"
                        && matches!(
                            spec.path,
                            "/parks/{id}/admissions/new" | "/enterprises/{id}" | "/admissions" | "/api/v1/admissions"
                        );
                    if spec.method == "GET"
                        && role != "county"
                        && !t.park_name.is_empty()
                        && !spec.path.starts_with("/assets/")
                        && !applying
                    {
                        assert!(!out.body.contains(&foreign_name), "{what}: shows the foreign park {foreign_name}");
                    }
                } else {
                    assert!(
                        out.status == StatusCode::FORBIDDEN || out.status == StatusCode::NOT_FOUND,
                        "{what}: expected 403/404, got {} {}",
                        out.status,
                        out.location
                    );
                    assert_eq!(app.audit_total().await, audit_before, "{what}: a refused call wrote something");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, specs.len() * ROLES.len() * 2);

    // Anonymous: every non-public route is closed.
    let anon = app.client();
    for spec in specs.iter().filter(|s| s.access != Access::Public) {
        let url = app.url(&concrete(spec.path, "1|1"));
        let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
        let r = if spec.tag.is_some() {
            anon.request(method, &url).json(&json!({})).send().await.unwrap()
        } else {
            anon.request(method, &url).form(&[("x", "1")]).send().await.unwrap()
        };
        if spec.tag.is_some() {
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{} {} anonymous", spec.method, spec.path);
        } else {
            let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert!(
                r.status() == StatusCode::SEE_OTHER && loc.starts_with("/login"),
                "{} {} anonymous: {} {loc}",
                spec.method,
                spec.path,
                r.status()
            );
        }
    }
    // A forged session cookie is no session.
    let forged = app.client();
    let r = forged.get(app.url("/parks")).header("cookie", "wy_session=0000").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = anon.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"username\""));
    let _ = csrf_of;
}

/// The county's system user, for setting up records through the use cases.
/// A valid credit code of its own for each kind of fixture and serial: the serials grow with the
/// route list, so they must never run into another kind's range (a shared range once made an
/// applicant share its code with a tenant of another park, and the admission page named that park).
fn credit(kind: char, n: u32) -> String {
    let first = format!("91330326MA{kind}{n:06}");
    let check = weiyuan_domain::codes::uscc_check_char(&first).expect("alphabet characters only");
    format!("{first}{check}")
}

fn system_actor() -> weiyuan_domain::Actor {
    weiyuan_domain::Actor {
        user_id: 0,
        username: "test".into(),
        display_name: "test".into(),
        role: weiyuan_domain::Role::County,
        township_code: None,
        park_id: None,
        enterprise_id: None,
        agency_id: None,
        lang: Default::default(),
    }
}

/// The fields of a route's request body as the OpenAPI document declares them.
fn declared_fields(doc: &Value, spec: &RouteSpec) -> Vec<String> {
    let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
    let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or("");
    let name = schema.rsplit('/').next().unwrap_or("");
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The ids a body may carry, and which record of the foreign park stands in for each.
const BODY_IDS: [&str; 8] =
    ["enterprise_id", "buyer_id", "tenant_id", "to_id", "building_id", "unit_id", "unit_ids", "park_id"];

both!(every_id_in_a_body_is_resolved_in_the_callers_scope);
async fn every_id_in_a_body_is_resolved_in_the_callers_scope(app: &App) {
    let mut ctx = Ctx::new(app).await;
    let specs: Vec<RouteSpec> = routes::all()
        .into_iter()
        .map(|(s, _)| s)
        .filter(|s| s.tag.is_some() && s.method != "GET" && s.access != Access::Public)
        .collect();
    let doc = weiyuan_server::openapi::document();
    let mut checked = Vec::new();
    for spec in &specs {
        let rule = rule(spec.method, spec.path).unwrap();
        for (role, own_park, foreign_park) in ROLES.into_iter().filter(|(r, _, _)| *r != "county") {
            if !expected(rule, role, true) {
                continue;
            }
            let t = target(app, ctx.victim_user, spec, own_park).await;
            let Value::Object(body) = &t.json else { continue };
            // The ids the route's documented body declares (a route that ignores its body has none).
            let declared = declared_fields(&doc, spec);
            let keys: Vec<&str> = BODY_IDS
                .into_iter()
                .filter(|k| declared.contains(&k.to_string()) && body.get(*k).is_some_and(|v| !v.is_null()))
                .collect();
            if keys.is_empty() {
                continue;
            }
            // The same kind of record, in the foreign park.
            let park = app.store.find_park_by_code(foreign_park).await.unwrap().unwrap();
            let enterprise = app.store.list_enterprises(park.id).await.unwrap()[0].id;
            let building = app.store.list_buildings(park.id).await.unwrap()[0].id;
            let unit = app.store.list_units(park.id).await.unwrap()[0].id;
            for key in keys {
                let foreign = match key {
                    "enterprise_id" | "buyer_id" | "tenant_id" | "to_id" => enterprise,
                    "building_id" => building,
                    "unit_id" | "unit_ids" => unit,
                    _ => park.id,
                };
                let mut json = t.json.clone();
                json[key] = if body[key].is_string() { json!(foreign.to_string()) } else { json!(foreign) };
                let forged = Target { json, ..target(app, ctx.victim_user, spec, own_park).await };
                let s = ctx.session(role).await;
                let before = app.audit_total().await;
                let out = call(app, s, spec, &forged).await;
                let what = format!("{} {} as {role} with {key} of {foreign_park}", spec.method, spec.path);
                assert!(
                    [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY]
                        .contains(&out.status),
                    "{what}: expected 403/404/422, got {}: {}",
                    out.status,
                    &out.body[..out.body.len().min(300)]
                );
                assert_eq!(app.audit_total().await, before, "{what}: a refused call wrote something");
                checked.push(what);
            }
        }
    }
    // Units, sales, leases, transfers, take-backs, lotteries, devices, objections, alarm rules.
    assert!(checked.len() >= 25, "only {} forged ids were tried: {checked:#?}", checked.len());
}
