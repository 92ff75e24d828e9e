//! Every route of the platform, declared once, next to its handlers: each feature's `routes()`
//! lists its own, and `all()` assembles them (one line per feature). The router, the OpenAPI
//! document and the authorisation test all read this list: a route missing here does not exist,
//! and a route added without an entry in the authorisation test fails that test.

use crate::{
    admissions, alarms, analysis, audit, cultivation, deals, enterprises, evaluation, exchange, exits, grading,
    lotteries, operation, parks, policies, progress, reports, rules, services, supervision, system, telemetry, users,
    workbench,
};

use crate::routing::Routed;

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

pub(crate) const fn public(
    method: &'static str,
    path: &'static str,
    tag: Option<&'static str>,
    summary: &'static str,
) -> RouteSpec {
    RouteSpec { method, path, summary, access: Access::Public, tag }
}

pub fn all() -> Vec<(RouteSpec, Routed)> {
    // Each feature declares its routes next to its handlers: one line each.
    [
        system::routes(),
        users::routes(),
        parks::routes(),
        enterprises::routes(),
        rules::routes(),
        admissions::routes(),
        deals::routes(),
        lotteries::routes(),
        grading::routes(),
        evaluation::routes(),
        exits::routes(),
        reports::routes(),
        analysis::routes(),
        telemetry::routes(),
        alarms::routes(),
        progress::routes(),
        exchange::routes(),
        audit::routes(),
        policies::routes(),
        services::routes(),
        cultivation::routes(),
        operation::routes(),
        workbench::routes(),
        supervision::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
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
