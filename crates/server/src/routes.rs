//! Every route of the platform, declared once. The router, the OpenAPI document and the
//! authorisation test all read this list: a route missing here does not exist, and a route
//! added here without an entry in the authorisation test fails that test.

use crate::{
    admissions, alarms, analysis, audit, deals, enterprises, evaluation, exchange, exits, grading, lotteries, parks,
    progress, reports, rules, system, telemetry, users,
};

/// Uploads of spreadsheets may be large (a province's monthly reports).
pub const UPLOAD_LIMIT: usize = 64 << 20;
use crate::routing::{Routed, delete, get, post, put};

/// Who may call a route at all, before scope checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No login needed (login itself, health, metrics, static assets, the OpenAPI document).
    Public,
    /// Any logged-in user; the handler checks role and scope.
    User,
}

#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
    pub access: Access,
    /// OpenAPI tag; None for pages, which are not part of the API document.
    pub tag: Option<&'static str>,
}

pub(crate) const fn api(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec { method, path, summary, access: Access::User, tag: Some(tag) }
}

pub(crate) const fn page(method: &'static str, path: &'static str, summary: &'static str) -> RouteSpec {
    RouteSpec { method, path, summary, access: Access::User, tag: None }
}

const fn public(
    method: &'static str,
    path: &'static str,
    tag: Option<&'static str>,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec { method, path, summary, access: Access::Public, tag }
}

pub fn all() -> Vec<(RouteSpec, Routed)> {
    let mut routes = vec![
        // System
        (public("GET", "/healthz", Some("system"), "Liveness and database check"), get(system::healthz)),
        (public("GET", "/metrics", Some("system"), "Prometheus metrics"), get(system::metrics)),
        (public("GET", "/api/openapi.json", Some("system"), "This OpenAPI document"), get(system::openapi)),
        (public("GET", "/assets/{*file}", None, "Static files"), get(system::asset)),
        (public("GET", "/favicon.ico", None, "The site icon"), get(system::favicon)),
        // Authentication
        (public("POST", "/api/v1/auth/login", Some("auth"), "Log in; answers a bearer token"), post(users::api::login)),
        (api("POST", "/api/v1/auth/logout", "auth", "End the current session"), post(users::api::logout)),
        (api("GET", "/api/v1/me", "auth", "The caller and its scope"), get(users::api::me)),
        (api("PUT", "/api/v1/me/lang", "auth", "Set the caller's interface language"), put(users::api::set_lang)),
        // Parks, buildings, units
        (api("GET", "/api/v1/townships", "parks", "Townships of the county"), get(parks::api::townships)),
        (
            api("GET", "/api/v1/parks", "parks", "Parks the caller may see, with filters and totals"),
            get(parks::api::list),
        ),
        (api("POST", "/api/v1/parks", "parks", "Register a park (county)"), post(parks::api::create)),
        (api("GET", "/api/v1/parks/{id}", "parks", "One park"), get(parks::api::get)),
        (api("PUT", "/api/v1/parks/{id}", "parks", "Edit a park (county, its township)"), put(parks::api::update)),
        (api("GET", "/api/v1/parks/{id}/buildings", "parks", "Buildings of a park"), get(parks::api::buildings)),
        (api("POST", "/api/v1/parks/{id}/buildings", "parks", "Add a building"), post(parks::api::create_building)),
        (api("PUT", "/api/v1/buildings/{id}", "parks", "Edit a building"), put(parks::api::update_building)),
        (
            api("DELETE", "/api/v1/buildings/{id}", "parks", "Delete an empty building"),
            delete(parks::api::delete_building),
        ),
        (api("GET", "/api/v1/parks/{id}/units", "parks", "Units of a park"), get(parks::api::units)),
        (api("POST", "/api/v1/parks/{id}/units", "parks", "Add a unit"), post(parks::api::create_unit)),
        (api("PUT", "/api/v1/units/{id}", "parks", "Edit a unit"), put(parks::api::update_unit)),
        (api("DELETE", "/api/v1/units/{id}", "parks", "Delete a unit"), delete(parks::api::delete_unit)),
        // Enterprises
        (
            api("GET", "/api/v1/industries", "enterprises", "Search GB/T 4754-2017 by code or name"),
            get(enterprises::api::industries),
        ),
        (
            api("GET", "/api/v1/enterprises", "enterprises", "Enterprises the caller may see (park_id, q)"),
            get(enterprises::api::list),
        ),
        (api("GET", "/api/v1/enterprises/{id}", "enterprises", "One enterprise"), get(enterprises::api::get)),
        (
            api("POST", "/api/v1/parks/{id}/enterprises", "enterprises", "Register an enterprise in a park"),
            post(enterprises::api::create),
        ),
        (api("PUT", "/api/v1/enterprises/{id}", "enterprises", "Edit an enterprise"), put(enterprises::api::update)),
        // The county's rules
        (api("GET", "/api/v1/rules", "rules", "The rules in force and their history"), get(rules::api::get)),
        (api("PUT", "/api/v1/rules", "rules", "Set the rules: a new version (county)"), put(rules::api::set)),
        (api("GET", "/api/v1/negative-list", "rules", "The negative list"), get(rules::api::negative)),
        (
            api("POST", "/api/v1/negative-list", "rules", "Add to the negative list (county)"),
            post(rules::api::add_negative),
        ),
        (
            api("DELETE", "/api/v1/negative-list/{id}", "rules", "Remove from the negative list (county)"),
            delete(rules::api::remove_negative),
        ),
        (
            api("PUT", "/api/v1/parks/{id}/orientation", "rules", "Set a park's industrial orientation"),
            put(rules::api::set_orientation),
        ),
        // Admission
        (
            api("GET", "/api/v1/admissions", "admissions", "Admission applications the caller may see"),
            get(admissions::api::list),
        ),
        (
            api("GET", "/api/v1/admissions/{id}", "admissions", "One application with checks and steps"),
            get(admissions::api::get),
        ),
        (
            api("POST", "/api/v1/parks/{id}/admissions", "admissions", "Apply to a park; the checks run at once"),
            post(admissions::api::apply),
        ),
        (
            api(
                "POST",
                "/api/v1/admissions/{id}/decision",
                "admissions",
                "Approve, reject or send back at the current step",
            ),
            post(admissions::api::decide),
        ),
        (
            api("PUT", "/api/v1/admissions/{id}", "admissions", "Correct and resubmit a sent-back application"),
            put(admissions::api::resubmit),
        ),
        // Units: holdings and deals
        (
            api("GET", "/api/v1/parks/{id}/holdings", "deals", "A park's units with owner and tenant"),
            get(deals::api::holdings),
        ),
        (api("GET", "/api/v1/units/{id}/history", "deals", "A unit's holder and full history"), get(deals::api::unit)),
        (
            api("POST", "/api/v1/parks/{id}/sales", "deals", "Sell developer-held units (rules checked)"),
            post(deals::api::sell),
        ),
        (
            api("POST", "/api/v1/parks/{id}/leases", "deals", "Register a lease (township approval)"),
            post(deals::api::lease),
        ),
        (
            api("POST", "/api/v1/parks/{id}/transfers", "deals", "Transfer units or buy them back"),
            post(deals::api::transfer),
        ),
        (
            api("POST", "/api/v1/parks/{id}/takebacks", "deals", "End a tenant's leases or take back a sublet"),
            post(deals::api::take_back),
        ),
        // Lotteries
        (api("GET", "/api/v1/parks/{id}/lotteries", "lotteries", "A park's lotteries"), get(lotteries::api::list)),
        (
            api(
                "POST",
                "/api/v1/parks/{id}/lotteries",
                "lotteries",
                "Publish a lottery: applicants and the seed's commitment",
            ),
            post(lotteries::api::create),
        ),
        (api("GET", "/api/v1/lotteries/{id}", "lotteries", "One lottery with its evidence"), get(lotteries::api::get)),
        (
            api("POST", "/api/v1/lotteries/{id}/draw", "lotteries", "Draw: reveal the seed and the order"),
            post(lotteries::api::draw),
        ),
        // Exit
        // Park grading
        (
            api("GET", "/api/v1/grading/rubric", "grading", "The park grading rubric in force"),
            get(grading::api::rubric),
        ),
        (
            api("PUT", "/api/v1/grading/rubric", "grading", "Save a new version of the rubric (county)"),
            put(grading::api::set_rubric),
        ),
        (
            api("GET", "/api/v1/gradings", "grading", "Park gradings (drafts for county and townships)"),
            get(grading::api::gradings),
        ),
        (
            api("POST", "/api/v1/gradings", "grading", "Compute a draft grading of a year (county)"),
            post(grading::api::compute),
        ),
        (api("GET", "/api/v1/gradings/{id}", "grading", "A grading, the parks in scope"), get(grading::api::view)),
        (
            api("POST", "/api/v1/gradings/{id}/reviews", "grading", "A reviewer's score with evidence (county)"),
            post(grading::api::review),
        ),
        (
            api("POST", "/api/v1/gradings/{id}/publish", "grading", "Publish a grading (county)"),
            post(grading::api::publish),
        ),
        (
            api("GET", "/api/v1/star-applications", "grading", "Star applications of the parks in scope"),
            get(grading::api::star_applications),
        ),
        (
            api(
                "POST",
                "/api/v1/parks/{id}/star-applications",
                "grading",
                "Apply for stars (the park's operator or township)",
            ),
            post(grading::api::apply_stars),
        ),
        (
            api(
                "POST",
                "/api/v1/star-applications/{id}/decision",
                "grading",
                "Endorse or refuse (township); award, recommend or refuse (county)",
            ),
            post(grading::api::decide_stars),
        ),
        // Per-mu evaluation (亩均论英雄)
        (
            api("GET", "/api/v1/evaluation/method", "evaluation", "The evaluation method in force"),
            get(evaluation::api::method),
        ),
        (
            api("PUT", "/api/v1/evaluation/method", "evaluation", "Save a new version of the method (county)"),
            put(evaluation::api::set_method),
        ),
        (
            api("GET", "/api/v1/evaluation/methods", "evaluation", "Every saved method version"),
            get(evaluation::api::methods),
        ),
        (
            api("GET", "/api/v1/enterprises/{id}/land", "evaluation", "An enterprise's own parcel and floor area"),
            get(evaluation::api::land),
        ),
        (
            api("PUT", "/api/v1/enterprises/{id}/land", "evaluation", "Set an enterprise's own parcel and floor area"),
            put(evaluation::api::set_land),
        ),
        (
            api("GET", "/api/v1/evaluation/runs", "evaluation", "Evaluation runs (drafts for county and townships)"),
            get(evaluation::api::runs),
        ),
        (
            api("POST", "/api/v1/evaluation/runs", "evaluation", "Compute a draft run for twelve months (county)"),
            post(evaluation::api::compute),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}", "evaluation", "A run with its class counts and objections"),
            get(evaluation::api::run),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}/results", "evaluation", "A page of a run's results in scope"),
            get(evaluation::api::results),
        ),
        (
            api(
                "GET",
                "/api/v1/evaluation/runs/{id}/results/{enterprise_id}",
                "evaluation",
                "One enterprise's result explained",
            ),
            get(evaluation::api::result),
        ),
        (
            api(
                "POST",
                "/api/v1/evaluation/runs/{id}/objections",
                "evaluation",
                "Object to an enterprise's draft result (township)",
            ),
            post(evaluation::api::object),
        ),
        (
            api(
                "POST",
                "/api/v1/evaluation/runs/{id}/objections/{objection_id}/answer",
                "evaluation",
                "Answer an objection (county)",
            ),
            post(evaluation::api::answer),
        ),
        (
            api("POST", "/api/v1/evaluation/runs/{id}/publish", "evaluation", "Publish a draft run (county)"),
            post(evaluation::api::publish),
        ),
        (
            api("GET", "/api/v1/evaluation/runs/{id}/export.xlsx", "evaluation", "The run's list as a workbook"),
            get(evaluation::api::export),
        ),
        (
            api(
                "GET",
                "/api/v1/evaluation/runs/{id}/migration",
                "evaluation",
                "Class moves since the run a year before",
            ),
            get(evaluation::api::migration),
        ),
        (api("GET", "/api/v1/exits", "exits", "Exit test of every enterprise in scope"), get(exits::api::list)),
        (
            api("GET", "/api/v1/enterprises/{id}/exit", "exits", "An enterprise's figures, test and history"),
            get(exits::api::get),
        ),
        (
            api("PUT", "/api/v1/enterprises/{id}/figures", "exits", "Set a year of exit-test figures (county)"),
            put(exits::api::set_figures),
        ),
        (
            api(
                "POST",
                "/api/v1/enterprises/{id}/exit",
                "exits",
                "An exit step: test, warn, rectified, evict (county)",
            ),
            post(exits::api::step),
        ),
        // Monthly enterprise reports and analysis
        (
            api("GET", "/api/v1/enterprises/{id}/reports", "reports", "An enterprise's monthly reports"),
            get(reports::api::list),
        ),
        (
            api("POST", "/api/v1/enterprises/{id}/reports", "reports", "File or correct a monthly report"),
            post(reports::api::file),
        ),
        (
            api("GET", "/api/v1/reports/status", "reports", "Who has filed a month, per park (month)"),
            get(reports::api::status),
        ),
        (
            api("GET", "/api/v1/analysis", "reports", "Totals, changes, indicators, rankings (from, to, filters)"),
            get(analysis::api::get),
        ),
        (
            api(
                "GET",
                "/api/v1/analysis/enterprises",
                "reports",
                "The enterprises behind the figures, largest first by field",
            ),
            get(analysis::api::behind),
        ),
        (
            api(
                "GET",
                "/api/v1/analysis/export/{file}",
                "reports",
                "analysis.xlsx|csv, or the drill-down as enterprises.xlsx|csv",
            ),
            get(analysis::api::export),
        ),
        // Monitoring: devices and telemetry
        (
            public(
                "POST",
                "/api/v1/telemetry",
                Some("telemetry"),
                "A batch of readings, each authenticated by its device's token",
            ),
            post(telemetry::api::ingest),
        ),
        (
            api("GET", "/api/v1/devices", "telemetry", "Devices of the parks the caller may see"),
            get(telemetry::api::list),
        ),
        (
            api("POST", "/api/v1/parks/{id}/devices", "telemetry", "Register a device; answers its token once"),
            post(telemetry::api::create),
        ),
        (api("GET", "/api/v1/devices/{id}", "telemetry", "One device"), get(telemetry::api::get)),
        (api("PUT", "/api/v1/devices/{id}", "telemetry", "Change a device"), put(telemetry::api::update)),
        (
            api("POST", "/api/v1/devices/{id}/token", "telemetry", "Issue a new token (the old one stops working)"),
            post(telemetry::api::token),
        ),
        (
            api(
                "GET",
                "/api/v1/devices/{id}/series",
                "telemetry",
                "A device's rollups (metric, bucket 5m|1h|1d, from, to)",
            ),
            get(telemetry::api::series),
        ),
        (api("GET", "/api/v1/device-kinds", "telemetry", "Device kinds and their metrics"), get(telemetry::api::kinds)),
        (
            api("GET", "/api/v1/monitoring", "telemetry", "Every park's day so far at a glance"),
            get(telemetry::api::overview),
        ),
        (
            api(
                "GET",
                "/api/v1/reconciliation",
                "telemetry",
                "Reported monthly electricity against the meters (month, tolerance %)",
            ),
            get(telemetry::api::reconciliation),
        ),
        (
            api(
                "GET",
                "/api/v1/parks/{id}/live",
                "telemetry",
                "A park's day so far: people, vehicles, energy, environment, safety, devices",
            ),
            get(telemetry::api::live),
        ),
        (
            api(
                "PUT",
                "/api/v1/reconciliation/tolerance",
                "telemetry",
                "Set the county's reconciliation tolerance (%)",
            ),
            put(telemetry::api::set_tolerance),
        ),
        (
            api("POST", "/api/v1/device-kinds", "telemetry", "Define a kind with its metrics (county)"),
            post(telemetry::api::create_kind),
        ),
        // Alarms
        (
            api("GET", "/api/v1/alarms", "alarms", "Alarms in the caller's parks (state open|all, park_id, severity)"),
            get(alarms::api::list),
        ),
        (api("GET", "/api/v1/alarms/{id}", "alarms", "One alarm with its history"), get(alarms::api::get)),
        (
            api("POST", "/api/v1/alarms/{id}/acknowledge", "alarms", "Acknowledge a raised alarm (comment)"),
            post(alarms::api::acknowledge),
        ),
        (
            api("POST", "/api/v1/alarms/{id}/clear", "alarms", "Clear an open alarm by hand (comment required)"),
            post(alarms::api::clear),
        ),
        (
            api("GET", "/api/v1/alarm-rules", "alarms", "Alarm rules that reach the caller's parks"),
            get(alarms::api::rules),
        ),
        (api("POST", "/api/v1/alarm-rules", "alarms", "Create an alarm rule"), post(alarms::api::create_rule)),
        (api("PUT", "/api/v1/alarm-rules/{id}", "alarms", "Change an alarm rule"), put(alarms::api::update_rule)),
        (
            api("GET", "/api/v1/notifications", "alarms", "The caller's alarm notifications and unread count"),
            get(alarms::api::notifications),
        ),
        (
            api("POST", "/api/v1/notifications/read", "alarms", "Mark all the caller's notifications read"),
            post(alarms::api::read_all),
        ),
        (
            api("GET", "/api/v1/webhooks", "alarms", "Webhooks of the caller's level and place"),
            get(alarms::api::webhooks),
        ),
        (
            api("POST", "/api/v1/webhooks", "alarms", "Add a webhook (json, dingtalk or wecom)"),
            post(alarms::api::create_webhook),
        ),
        (
            api("DELETE", "/api/v1/webhooks/{id}", "alarms", "Switch a webhook off"),
            delete(alarms::api::disable_webhook),
        ),
        // Construction progress and the map
        (
            api("GET", "/api/v1/progress", "progress", "Report status, lagging parks, plan against actual, targets"),
            get(progress::api::overview),
        ),
        (
            api("GET", "/api/v1/parks/{id}/progress", "progress", "A park's plan against actual, reports, milestones"),
            get(progress::api::park),
        ),
        (
            api("POST", "/api/v1/parks/{id}/reports", "progress", "File or correct a monthly progress report"),
            post(progress::api::file_report),
        ),
        (
            api("PUT", "/api/v1/parks/{id}/plans", "progress", "Set one year of a park's plan (county)"),
            put(progress::api::set_plan),
        ),
        (
            api("POST", "/api/v1/parks/{id}/milestones", "progress", "Set a milestone of a park phase"),
            post(progress::api::set_milestone),
        ),
        (
            api("DELETE", "/api/v1/milestones/{id}", "progress", "Delete a milestone"),
            delete(progress::api::delete_milestone),
        ),
        (api("GET", "/api/v1/map", "progress", "Parks with their locations (GeoJSON)"), get(progress::api::map)),
        // Excel and CSV exchange
        (
            api(
                "GET",
                "/api/v1/export/{file}",
                "exchange",
                "Export parks|plans|progress|enterprises|reports as .xlsx or .csv",
            ),
            get(exchange::api::export),
        ),
        (
            api(
                "GET",
                "/api/v1/templates/{file}",
                "exchange",
                "Import template (parks|plans|progress|enterprises|reports).xlsx or .csv",
            ),
            get(exchange::api::template),
        ),
        (
            api("POST", "/api/v1/import/{file}", "exchange", "Import a file (raw body); all or nothing"),
            post(exchange::api::import).body_limit(UPLOAD_LIMIT),
        ),
        // Users and audit (county)
        (api("GET", "/api/v1/users", "users", "All users (county)"), get(users::api::list)),
        (api("POST", "/api/v1/users", "users", "Create a user (county)"), post(users::api::create)),
        (
            api("POST", "/api/v1/users/{id}/password", "users", "Reset a password (county)"),
            post(users::api::reset_password),
        ),
        (api("GET", "/api/v1/audit", "audit", "Browse the audit log (county)"), get(audit::api::list)),
        // Pages
        (public("GET", "/login", None, "Login page"), get(users::pages::login_form)),
        (public("POST", "/login", None, "Log in"), post(users::pages::login)),
        (public("POST", "/lang", None, "Switch language"), post(users::pages::set_lang)),
        (page("POST", "/logout", "Log out"), post(users::pages::logout)),
        (page("GET", "/parks", "Park list"), get(parks::pages::list)),
        (page("GET", "/parks/new", "New park form"), get(parks::pages::new_form)),
        (page("POST", "/parks", "Create a park"), post(parks::pages::create)),
        (page("GET", "/parks/{id}", "Park page"), get(parks::pages::show)),
        (page("GET", "/parks/{id}/edit", "Edit park form"), get(parks::pages::edit_form)),
        (page("POST", "/parks/{id}", "Save a park"), post(parks::pages::update)),
        (page("POST", "/parks/{id}/buildings", "Add a building"), post(parks::pages::create_building)),
        (page("GET", "/buildings/{id}/edit", "Edit building form"), get(parks::pages::building_form)),
        (page("POST", "/buildings/{id}", "Save a building"), post(parks::pages::update_building)),
        (page("POST", "/buildings/{id}/delete", "Delete a building"), post(parks::pages::delete_building)),
        (page("GET", "/parks/{id}/units/new", "New unit form"), get(parks::pages::new_unit_form)),
        (page("POST", "/parks/{id}/units", "Add a unit"), post(parks::pages::create_unit)),
        (page("GET", "/units/{id}/edit", "Edit unit form"), get(parks::pages::unit_form)),
        (page("POST", "/units/{id}", "Save a unit"), post(parks::pages::update_unit)),
        (page("POST", "/units/{id}/delete", "Delete a unit"), post(parks::pages::delete_unit)),
        (page("GET", "/parks/{id}/enterprises", "A park's enterprises"), get(enterprises::pages::list)),
        (page("GET", "/parks/{id}/enterprises/new", "New enterprise form"), get(enterprises::pages::new_form)),
        (page("POST", "/parks/{id}/enterprises", "Register an enterprise"), post(enterprises::pages::create)),
        (page("GET", "/enterprises/{id}", "Enterprise page"), get(enterprises::pages::show)),
        (page("GET", "/enterprises/{id}/edit", "Edit enterprise form"), get(enterprises::pages::edit_form)),
        (page("POST", "/enterprises/{id}", "Save an enterprise"), post(enterprises::pages::update)),
        (page("GET", "/settings", "Rules, negative list, orientations"), get(rules::pages::show)),
        (page("POST", "/settings/rules", "Save the rules (county)"), post(rules::pages::set_rules)),
        (page("POST", "/settings/negative", "Add to the negative list (county)"), post(rules::pages::add_negative)),
        (
            page("POST", "/settings/negative/{id}/delete", "Remove from the negative list (county)"),
            post(rules::pages::remove_negative),
        ),
        (page("POST", "/parks/{id}/orientation", "Set a park's orientation"), post(rules::pages::set_orientation)),
        (page("GET", "/admissions", "Admission applications"), get(admissions::pages::list)),
        (page("GET", "/parks/{id}/admissions/new", "Apply to a park"), get(admissions::pages::new_form)),
        (page("POST", "/parks/{id}/admissions", "File an application"), post(admissions::pages::apply)),
        (page("GET", "/admissions/{id}", "An application"), get(admissions::pages::show)),
        (page("POST", "/admissions/{id}/decision", "Review decision"), post(admissions::pages::decide)),
        (page("GET", "/admissions/{id}/edit", "Correct a sent-back application"), get(admissions::pages::edit_form)),
        (page("POST", "/admissions/{id}", "Resubmit an application"), post(admissions::pages::resubmit)),
        (page("GET", "/parks/{id}/deals", "Units, holders and deals"), get(deals::pages::show)),
        (page("GET", "/units/{id}", "A unit's history"), get(deals::pages::unit)),
        (page("POST", "/parks/{id}/sales", "Sell units"), post(deals::pages::sell)),
        (page("POST", "/parks/{id}/leases", "Register a lease"), post(deals::pages::lease)),
        (page("POST", "/parks/{id}/transfers", "Transfer or buy back units"), post(deals::pages::transfer)),
        (page("POST", "/parks/{id}/takebacks", "End leases or take back a sublet"), post(deals::pages::take_back)),
        (page("GET", "/parks/{id}/lotteries", "A park's lotteries"), get(lotteries::pages::list)),
        (page("POST", "/parks/{id}/lotteries", "Publish a lottery"), post(lotteries::pages::create)),
        (page("GET", "/lotteries/{id}", "A lottery and its evidence"), get(lotteries::pages::show)),
        (page("POST", "/lotteries/{id}/draw", "Draw a lottery"), post(lotteries::pages::draw)),
        (page("GET", "/grading", "Park gradings and the rubric"), get(grading::pages::list)),
        (page("POST", "/grading", "Compute a draft grading (county)"), post(grading::pages::compute)),
        (page("GET", "/grading/rubric", "The grading rubric as a form"), get(grading::pages::rubric)),
        (
            page("POST", "/grading/rubric", "Save a new version of the rubric (county)"),
            post(grading::pages::set_rubric),
        ),
        (page("GET", "/grading/{id}", "A grading"), get(grading::pages::view)),
        (page("POST", "/grading/{id}/reviews", "Enter a reviewer's score (county)"), post(grading::pages::review)),
        (page("POST", "/grading/{id}/publish", "Publish a grading (county)"), post(grading::pages::publish)),
        (
            page("POST", "/grading/stars", "Apply for stars (the form names the park)"),
            post(grading::pages::apply_stars),
        ),
        (
            page("POST", "/star-applications/{id}/decision", "Decide a star application"),
            post(grading::pages::decide_stars),
        ),
        (page("GET", "/evaluation", "Evaluation runs"), get(evaluation::pages::runs)),
        (page("POST", "/evaluation/runs", "Compute a draft run (county)"), post(evaluation::pages::compute)),
        (page("GET", "/evaluation/mine", "The enterprise's own latest result"), get(evaluation::pages::mine)),
        (page("GET", "/evaluation/method", "The evaluation method"), get(evaluation::pages::method)),
        (
            page("POST", "/evaluation/method", "Save the evaluation method (county)"),
            post(evaluation::pages::set_method),
        ),
        (page("GET", "/evaluation/runs/{id}", "A run's results"), get(evaluation::pages::run)),
        (page("POST", "/evaluation/runs/{id}/publish", "Publish a run (county)"), post(evaluation::pages::publish)),
        (
            page("POST", "/evaluation/runs/{id}/objections", "Object to a result (township)"),
            post(evaluation::pages::object),
        ),
        (
            page("POST", "/evaluation/runs/{id}/objections/{objection_id}/answer", "Answer an objection (county)"),
            post(evaluation::pages::answer),
        ),
        (
            page("GET", "/evaluation/runs/{id}/enterprises/{enterprise_id}", "One enterprise's result explained"),
            get(evaluation::pages::result),
        ),
        (page("GET", "/exits", "Exit test overview"), get(exits::pages::list)),
        (page("POST", "/enterprises/{id}/figures", "Set exit-test figures (county)"), post(exits::pages::set_figures)),
        (page("POST", "/enterprises/{id}/exit", "An exit step (county)"), post(exits::pages::step)),
        (page("GET", "/enterprises/{id}/reports", "An enterprise's monthly reports"), get(reports::pages::show)),
        (page("POST", "/enterprises/{id}/reports", "File a monthly report"), post(reports::pages::file)),
        (page("GET", "/reports", "Report filing status"), get(reports::pages::status)),
        (page("GET", "/monitoring", "Every park's monitoring at a glance"), get(telemetry::pages::overview)),
        (page("GET", "/parks/{id}/monitoring", "A park's live monitoring"), get(telemetry::pages::live)),
        (
            page("GET", "/monitoring/reconciliation", "Reported electricity against the meters"),
            get(telemetry::pages::reconciliation),
        ),
        (
            page("POST", "/monitoring/reconciliation/tolerance", "Make a tolerance the county's (county)"),
            post(telemetry::pages::set_tolerance),
        ),
        (page("GET", "/parks/{id}/devices", "A park's devices"), get(telemetry::pages::devices)),
        (page("POST", "/parks/{id}/devices", "Register a device"), post(telemetry::pages::register)),
        (page("GET", "/alarms", "Alarms and notifications"), get(alarms::pages::list)),
        (page("POST", "/alarms/read", "Mark notifications read"), post(alarms::pages::read_all)),
        (page("GET", "/alarms/rules", "Alarm rules"), get(alarms::pages::rules)),
        (page("POST", "/alarms/rules", "Create an alarm rule"), post(alarms::pages::create_rule)),
        (page("POST", "/alarms/rules/{id}", "Change an alarm rule"), post(alarms::pages::update_rule)),
        (page("POST", "/alarms/rules/{id}/toggle", "Switch an alarm rule on or off"), post(alarms::pages::toggle_rule)),
        (page("GET", "/alarms/webhooks", "Webhooks"), get(alarms::pages::webhooks)),
        (page("POST", "/alarms/webhooks", "Add a webhook"), post(alarms::pages::create_webhook)),
        (page("POST", "/alarms/webhooks/{id}/disable", "Switch a webhook off"), post(alarms::pages::disable_webhook)),
        (page("GET", "/alarms/{id}", "An alarm and its history"), get(alarms::pages::show)),
        (page("POST", "/alarms/{id}/acknowledge", "Acknowledge an alarm"), post(alarms::pages::acknowledge)),
        (page("POST", "/alarms/{id}/clear", "Clear an alarm"), post(alarms::pages::clear)),
        (page("GET", "/analysis", "Economic analysis"), get(analysis::pages::show)),
        (
            page("GET", "/analysis/enterprises", "The enterprises behind the analysis's figures"),
            get(analysis::pages::behind),
        ),
        (
            page("GET", "/analysis/export/{file}", "Download the analysis or its enterprises"),
            get(analysis::pages::export),
        ),
        (page("GET", "/dashboard", "The county's big screen"), get(analysis::pages::dashboard)),
        (page("GET", "/progress", "Construction progress"), get(progress::pages::overview)),
        (page("GET", "/parks/{id}/progress", "A park's progress"), get(progress::pages::park)),
        (page("POST", "/parks/{id}/reports", "File a progress report"), post(progress::pages::file_report)),
        (page("POST", "/parks/{id}/plans", "Set a plan year (county)"), post(progress::pages::set_plan)),
        (page("POST", "/parks/{id}/milestones", "Set a milestone"), post(progress::pages::set_milestone)),
        (page("POST", "/milestones/{id}/delete", "Delete a milestone"), post(progress::pages::delete_milestone)),
        (page("GET", "/map", "Map of the parks"), get(progress::pages::map)),
        (page("GET", "/exchange", "Excel and CSV exchange"), get(exchange::pages::show)),
        (page("GET", "/exchange/export/{file}", "Download an export"), get(exchange::pages::export)),
        (page("GET", "/exchange/templates/{file}", "Download an import template"), get(exchange::pages::template)),
        (
            page("POST", "/exchange/import/{kind}", "Upload a file to import"),
            post(exchange::pages::import).body_limit(UPLOAD_LIMIT),
        ),
        (page("GET", "/users", "Users (county)"), get(users::pages::list)),
        (page("POST", "/users", "Create a user (county)"), post(users::pages::create)),
        (page("POST", "/users/{id}/password", "Reset a password (county)"), post(users::pages::reset_password)),
        (page("GET", "/audit", "Audit log (county)"), get(audit::pages::list)),
    ];
    // Features that declare their own routes, one line each.
    routes.extend(crate::policies::routes());
    routes.extend(crate::services::routes());
    routes.extend(crate::cultivation::routes());
    routes.extend(crate::operation::routes());
    routes.extend(crate::workbench::routes());
    routes.extend(crate::supervision::routes());
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_declared_once() {
        let specs: Vec<RouteSpec> = all().into_iter().map(|(s, _)| s).collect();
        for (i, a) in specs.iter().enumerate() {
            assert!(
                specs[i + 1..].iter().all(|b| (a.method, a.path) != (b.method, b.path)),
                "{} {} declared twice",
                a.method,
                a.path
            );
        }
    }

    #[test]
    fn api_routes_live_under_api_v1_and_pages_do_not() {
        for (s, _) in all() {
            if s.tag.is_some_and(|t| t != "system") {
                assert!(s.path.starts_with("/api/v1/"), "{}", s.path);
            }
            if s.tag.is_none() {
                assert!(!s.path.starts_with("/api/"), "{}", s.path);
            }
        }
    }
}
