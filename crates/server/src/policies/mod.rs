//! Policies and incentives (政策兑现): the county's policy library, each enterprise matched
//! against every policy in force (qualifies, nearly, what is missing), notices pushed to those
//! that newly qualify, and applications reviewed by the township and then the county, with the
//! amount computed where the policy has a formula.
//!
//! Every write has the one shape (docs/architecture.md): open the transaction, obtain the
//! capability, validate, load through the transaction, decide in `weiyuan_domain::policies`,
//! write with the audit entry, commit. This feature declares its own routes (`routes`).

pub mod api;
pub mod pages;

use crate::error::AppError;
use crate::routes::{RouteSpec, api, page};
use crate::routing::{Routed, get, post, put};
use serde::{Deserialize, Serialize};
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::policies::{
    ApplyForm, Assessment, PolicyForm, ReviewForm, Standing, apply_checks, assess, basis_year, in_force, next_status,
    standing,
};
use weiyuan_domain::rules::all_passed;
use weiyuan_domain::validation::{Checker, FieldError, Invalid};
use weiyuan_store::policies::{
    Application, ApplicationFilter, FactsFilter, FactsRow, Filing, Notice, Policy, Reach, Step,
};
use weiyuan_store::{AuditCtx, Store};

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(RouteSpec, Routed)> {
    vec![
        (api("GET", "/api/v1/policies", "policies", "A page of the policy library"), get(api::list)),
        (api("POST", "/api/v1/policies", "policies", "Write a new policy as a draft (county)"), post(api::create)),
        (api("GET", "/api/v1/policies/{id}", "policies", "One policy"), get(api::get)),
        (api("PUT", "/api/v1/policies/{id}", "policies", "Change a draft policy (county)"), put(api::update)),
        (
            api(
                "POST",
                "/api/v1/policies/{id}/publish",
                "policies",
                "Publish a draft and notify who qualifies (county)",
            ),
            post(api::publish),
        ),
        (
            api("POST", "/api/v1/policies/{id}/withdraw", "policies", "Withdraw a published policy (county)"),
            post(api::withdraw),
        ),
        (
            api(
                "GET",
                "/api/v1/policies/{id}/matches",
                "policies",
                "Enterprises in scope that qualify or nearly qualify",
            ),
            get(api::matches),
        ),
        (api("GET", "/api/v1/policies/{id}/reach", "policies", "Notified, read, applied, approved"), get(api::reach)),
        (
            api("POST", "/api/v1/policies/notify", "policies", "Notify every enterprise that newly qualifies (county)"),
            post(api::notify),
        ),
        (
            api(
                "GET",
                "/api/v1/enterprises/{id}/policies",
                "policies",
                "Every policy in force assessed for an enterprise",
            ),
            get(api::for_enterprise),
        ),
        (
            api("GET", "/api/v1/enterprises/{id}/notices", "policies", "An enterprise's policy notices"),
            get(api::notices),
        ),
        (
            api(
                "POST",
                "/api/v1/enterprises/{id}/notices/{policy_id}/read",
                "policies",
                "Mark a notice read (the enterprise)",
            ),
            post(api::read_notice),
        ),
        (
            api("POST", "/api/v1/policies/{id}/applications", "policies", "Apply for a policy (the enterprise)"),
            post(api::apply),
        ),
        (
            api("GET", "/api/v1/policy-applications", "policies", "A page of applications in scope"),
            get(api::applications),
        ),
        (
            api("GET", "/api/v1/policy-applications/{id}", "policies", "An application with its steps"),
            get(api::application),
        ),
        (
            api(
                "POST",
                "/api/v1/policy-applications/{id}/decide",
                "policies",
                "Review at the township or county stage",
            ),
            post(api::decide),
        ),
        (
            api("POST", "/api/v1/policy-applications/{id}/resubmit", "policies", "File a returned application again"),
            post(api::resubmit),
        ),
        (page("GET", "/policies", "The policy library, and an enterprise's matches"), get(pages::list)),
        (page("GET", "/policies/new", "A new policy (county)"), get(pages::new_form)),
        (page("POST", "/policies", "Save a new policy (county)"), post(pages::create)),
        (page("GET", "/policies/{id}", "One policy"), get(pages::show)),
        (page("POST", "/policies/{id}/publish", "Publish a policy (county)"), post(pages::publish)),
        (page("POST", "/policies/{id}/withdraw", "Withdraw a policy (county)"), post(pages::withdraw)),
        (page("POST", "/policies/{id}/apply", "Apply for a policy (the enterprise)"), post(pages::apply)),
        (page("GET", "/policy-applications", "Applications in scope"), get(pages::applications)),
        (page("GET", "/policy-applications/{id}", "One application"), get(pages::application)),
        (page("POST", "/policy-applications/{id}/decide", "Review an application"), post(pages::decide)),
        (
            page("POST", "/policy-applications/{id}/resubmit", "File a returned application again"),
            post(pages::resubmit),
        ),
    ]
}

/// Rows a list page shows unless asked otherwise.
pub const PAGE_SIZE: i64 = 50;

/// County users see drafts and withdrawn policies; everyone else the published ones.
fn sees_drafts(actor: &Actor) -> bool {
    actor.role == Role::County
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ListQuery {
    pub page: String,
    pub size: String,
}

pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> Result<(Vec<Policy>, i64, i64, i64), AppError> {
    let mut c = Checker::new();
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let (rows, total) = store.policies(sees_drafts(actor), size, (page - 1) * size).await?;
    Ok((rows, total, page, size))
}

pub async fn get_policy(store: &Store, actor: &Actor, id: i64) -> Result<Policy, AppError> {
    let p = store.get_policy(id).await?;
    if p.status != "published" && !sees_drafts(actor) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

pub async fn create(store: &Store, actor: &Actor, form: &PolicyForm) -> Result<Policy, AppError> {
    let office = actor.policy_office()?;
    let draft = form.validate()?;
    Ok(store.create_policy(&office, &AuditCtx::from(actor), &draft, false).await?)
}

pub async fn update(store: &Store, actor: &Actor, id: i64, form: &PolicyForm) -> Result<Policy, AppError> {
    let office = actor.policy_office()?;
    let draft = form.validate()?;
    Ok(store.update_policy(&office, &AuditCtx::from(actor), id, &draft).await?)
}

/// Publish a draft, then notify every enterprise that qualifies on today's figures.
pub async fn publish(store: &Store, actor: &Actor, id: i64) -> Result<(Policy, u64), AppError> {
    let office = actor.policy_office()?;
    let p = store.set_policy_status(&office, &AuditCtx::from(actor), id, "draft", "published").await?;
    let notified = notify(store, &AuditCtx::from(actor), Some(id)).await?;
    Ok((p, notified))
}

pub async fn withdraw(store: &Store, actor: &Actor, id: i64) -> Result<Policy, AppError> {
    let office = actor.policy_office()?;
    Ok(store.set_policy_status(&office, &AuditCtx::from(actor), id, "published", "withdrawn").await?)
}

/// Match the published policies in force (or one of them) against every active enterprise
/// and push a notice to each that qualifies and has none yet. Run at publishing, by the
/// county on demand, and by the server's timer, so an enterprise whose figures change is
/// told when it newly qualifies.
pub async fn notify(store: &Store, ctx: &AuditCtx, only: Option<i64>) -> Result<u64, AppError> {
    let today = crate::today();
    let policies: Vec<Policy> = store
        .published_policies()
        .await?
        .into_iter()
        .filter(|p| only.is_none_or(|id| id == p.id) && in_force(&p.valid_from, &p.valid_to, &today))
        .collect();
    if policies.is_empty() {
        return Ok(0);
    }
    let facts = store.policy_facts(&FactsFilter::default(), basis_year(&today)).await?;
    let date = weiyuan_domain::policies::parse_date(&today);
    let mut pairs = Vec::new();
    for p in &policies {
        for f in &facts {
            if standing(&p.criteria, &f.facts, date) == Standing::Qualifies {
                pairs.push((p.id, f.facts.enterprise_id));
            }
        }
    }
    Ok(store.push_notices(ctx, &pairs).await?)
}

/// The notice sweep every ten minutes.
pub fn spawn_notices(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match notify(&store, &AuditCtx::system("policy notices"), None).await {
                Ok(n) if n > 0 => tracing::info!(notices = n, "policy notices"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "policy notices"),
            }
        }
    })
}

pub async fn notify_now(store: &Store, actor: &Actor) -> Result<u64, AppError> {
    actor.policy_office()?;
    notify(store, &AuditCtx::from(actor), None).await
}

/// The facts filter of the caller's scope (None: an enterprise, which sees only itself).
fn scope_filter(actor: &Actor) -> Result<FactsFilter, AppError> {
    Ok(match actor.role {
        Role::County => FactsFilter::default(),
        Role::Township => FactsFilter {
            township: Some(actor.township_code.clone().ok_or(AppError::Forbidden)?),
            ..Default::default()
        },
        Role::Operator => {
            FactsFilter { park_id: Some(actor.park_id.ok_or(AppError::Forbidden)?), ..Default::default() }
        }
        Role::Enterprise => {
            FactsFilter { enterprise_id: Some(actor.enterprise_id.ok_or(AppError::Forbidden)?), ..Default::default() }
        }
        // An agency reads the library and sees no enterprise in it.
        Role::Agency => FactsFilter { enterprise_id: Some(-1), ..Default::default() },
    })
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MatchQuery {
    /// `qualifies` (default) or `nearly`.
    pub standing: String,
    pub page: String,
    pub size: String,
}

/// One enterprise's standing with a policy, for lists.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MatchRow {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park: String,
    pub standing: Standing,
    pub assessment: Assessment,
}

/// The enterprises in the caller's scope that qualify (or nearly qualify) for a policy, a page
/// of them, with the counts of both.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Matches {
    #[serde(rename = "enterprises")]
    pub rows: Vec<MatchRow>,
    pub total: i64,
    pub qualifies: i64,
    pub nearly: i64,
    pub page: i64,
    pub size: i64,
    pub standing: Standing,
}

pub async fn matches(store: &Store, actor: &Actor, id: i64, q: &MatchQuery) -> Result<Matches, AppError> {
    let mut c = Checker::new();
    let standing = match q.standing.trim() {
        "" => Some(Standing::Qualifies),
        s => c.choice("standing", s, |s| Standing::parse(s).filter(|s| *s != Standing::No)),
    };
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    let wanted = c.finish(standing)?.unwrap_or(Standing::Qualifies);
    let p = get_policy(store, actor, id).await?;
    let today = crate::today();
    let facts = store.policy_facts(&scope_filter(actor)?, basis_year(&today)).await?;
    let date = weiyuan_domain::policies::parse_date(&today);
    let (mut qualifies, mut nearly) = (0, 0);
    let mut found: Vec<FactsRow> = Vec::new();
    for row in facts {
        let s = weiyuan_domain::policies::standing(&p.criteria, &row.facts, date);
        match s {
            Standing::Qualifies => qualifies += 1,
            Standing::Nearly => nearly += 1,
            Standing::No => continue,
        }
        if s == wanted {
            found.push(row);
        }
    }
    found.sort_by(|a, b| a.park.cmp(&b.park).then(a.name.cmp(&b.name)));
    let total = found.len() as i64;
    // Only the page shown is explained.
    let rows = found
        .into_iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|FactsRow { facts, name, park, .. }| MatchRow {
            enterprise_id: facts.enterprise_id,
            enterprise: name,
            park,
            standing: wanted,
            assessment: assess(&p.criteria, &p.formula, &facts, &today),
        })
        .collect();
    Ok(Matches { rows, total, qualifies, nearly, page, size, standing: wanted })
}

/// One policy assessed for one enterprise, with its live application if any.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Offer {
    pub policy: Policy,
    pub assessment: Assessment,
    pub application: Option<Application>,
    pub notified: bool,
    pub read: bool,
}

/// Every published policy in force assessed for an enterprise, those it qualifies for first,
/// then those it nearly qualifies for, then the rest.
pub async fn for_enterprise(store: &Store, actor: &Actor, enterprise_id: i64) -> Result<Vec<Offer>, AppError> {
    crate::enterprises::get(store, actor, enterprise_id).await?;
    let today = crate::today();
    let facts = store
        .policy_facts(&FactsFilter { enterprise_id: Some(enterprise_id), ..Default::default() }, basis_year(&today))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let notices = store.policy_notices(enterprise_id).await?;
    let filter = ApplicationFilter { enterprise_id: Some(enterprise_id), limit: 500, ..Default::default() };
    let (apps, _) = store.policy_applications(&filter).await?;
    let mut offers: Vec<Offer> = store
        .published_policies()
        .await?
        .into_iter()
        .filter(|p| in_force(&p.valid_from, &p.valid_to, &today))
        .map(|p| {
            let assessment = assess(&p.criteria, &p.formula, &facts.facts, &today);
            let application = apps.iter().find(|a| a.policy_id == p.id).cloned();
            let notice = notices.iter().find(|n| n.policy_id == p.id);
            Offer {
                notified: notice.is_some(),
                read: notice.is_some_and(|n| n.read_at.is_some()),
                policy: p,
                assessment,
                application,
            }
        })
        .collect();
    let rank = |s: Standing| match s {
        Standing::Qualifies => 0,
        Standing::Nearly => 1,
        Standing::No => 2,
    };
    offers.sort_by_key(|o| (rank(o.assessment.standing), o.policy.id));
    Ok(offers)
}

pub async fn reach(store: &Store, actor: &Actor, id: i64) -> Result<Reach, AppError> {
    get_policy(store, actor, id).await?;
    let township = match actor.role {
        Role::County => None,
        Role::Township => Some(actor.township_code.clone().ok_or(AppError::Forbidden)?),
        Role::Operator | Role::Enterprise | Role::Agency => return Err(AppError::Forbidden),
    };
    Ok(store.policy_reach(id, township.as_deref()).await?)
}

pub async fn notices(store: &Store, actor: &Actor, enterprise_id: i64) -> Result<Vec<Notice>, AppError> {
    crate::enterprises::get(store, actor, enterprise_id).await?;
    Ok(store.policy_notices(enterprise_id).await?)
}

pub async fn read_notice(store: &Store, actor: &Actor, enterprise_id: i64, policy_id: i64) -> Result<bool, AppError> {
    let park = crate::enterprises::park_of(store, enterprise_id).await?;
    let who = actor.applicant(&park.as_ref(), enterprise_id)?;
    Ok(store.read_notice(&who, &AuditCtx::from(actor), policy_id).await?)
}

/// The enterprise applies for a policy: every criterion must be met on its figures as they
/// stand in the transaction, the policy published and in force, and no live application of
/// its own for the same policy.
pub async fn apply(store: &Store, actor: &Actor, policy_id: i64, form: &ApplyForm) -> Result<Application, AppError> {
    let enterprise_id = match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let park = crate::enterprises::park_of(store, enterprise_id).await?;
    let who = actor.applicant(&park.as_ref(), enterprise_id)?;
    let statement = form.validate()?;
    let mut tx = store.begin_application(enterprise_id).await?;
    let policy = tx.policy(policy_id).await?;
    if policy.status == "draft" {
        return Err(AppError::NotFound);
    }
    let today = crate::today();
    let year = basis_year(&today);
    let facts = tx.facts(enterprise_id, year).await?;
    let assessment = assess(&policy.criteria, &policy.formula, &facts.facts, &today);
    let open = tx.open_application(policy_id, enterprise_id, 0).await?;
    let checks =
        apply_checks(&policy.status, in_force(&policy.valid_from, &policy.valid_to, &today), open, &assessment);
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    let filing = Filing {
        policy_id,
        park_id: facts.facts.park_id,
        township_code: &facts.township_code,
        basis_year: year,
        assessment: &assessment,
        statement: &statement,
        generated: false,
    };
    Ok(tx.file(&who, &AuditCtx::from(actor), &filing).await?)
}

/// File again an application the township or county sent back, assessed anew.
pub async fn resubmit(store: &Store, actor: &Actor, id: i64, form: &ApplyForm) -> Result<Application, AppError> {
    let statement = form.validate()?;
    let (mut tx, a) = store.begin_policy_review(id).await?;
    let who = actor.applicant(&a.scope(), a.enterprise_id)?;
    if a.status != weiyuan_domain::policies::RETURNED {
        return Err(AppError::Stale(Invalid::one(FieldError::new("status", "error.stale"))));
    }
    let policy = tx.policy(a.policy_id).await?;
    let today = crate::today();
    let year = basis_year(&today);
    let facts = tx.facts(a.enterprise_id, year).await?;
    let assessment = assess(&policy.criteria, &policy.formula, &facts.facts, &today);
    let open = tx.open_application(a.policy_id, a.enterprise_id, a.id).await?;
    let checks =
        apply_checks(&policy.status, in_force(&policy.valid_from, &policy.valid_to, &today), open, &assessment);
    if !all_passed(&checks) {
        return Err(AppError::Refused(checks));
    }
    Ok(tx.refile(&who, &AuditCtx::from(actor), &a, year, &assessment, &statement).await?)
}

/// Review at the stage the reviewer saw: the township of the enterprise's park first, then
/// the county. A stage that moved on answers 409.
pub async fn decide(store: &Store, actor: &Actor, id: i64, form: &ReviewForm) -> Result<Application, AppError> {
    let review = form.validate()?;
    let (tx, a) = store.begin_policy_review(id).await?;
    let who = actor.policy_reviewer(&a.scope(), a.enterprise_id, a.id, review.stage)?;
    if a.status != review.stage {
        let changed = FieldError::new("stage", "error.stage_changed")
            .with("stage", format!("@policy_status.{}", review.stage))
            .with("now", format!("@policy_status.{}", a.status));
        return Err(AppError::Stale(Invalid::one(changed)));
    }
    let to = next_status(review.stage, review.decision);
    Ok(tx.review(&who, &AuditCtx::from(actor), &a, &review, to).await?)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ApplicationQuery {
    pub status: String,
    pub policy_id: String,
    pub page: String,
    pub size: String,
}

pub const STATUSES: [&str; 5] = ["township", "county", "approved", "rejected", "returned"];

/// A page of the applications in the caller's scope.
pub async fn applications(
    store: &Store,
    actor: &Actor,
    q: &ApplicationQuery,
) -> Result<(Vec<Application>, i64, i64, i64), AppError> {
    let mut c = Checker::new();
    let status = (!q.status.trim().is_empty())
        .then(|| c.choice("status", &q.status, |s| STATUSES.into_iter().find(|x| *x == s)).map(str::to_string))
        .flatten();
    let policy_id = (!q.policy_id.trim().is_empty()).then(|| c.integer("policy_id", &q.policy_id, 1, i64::MAX));
    let (page, size) = c.paging(&q.page, &q.size, PAGE_SIZE);
    c.finish(())?;
    let scope = scope_filter(actor)?;
    let filter = ApplicationFilter {
        status,
        policy_id,
        enterprise_id: scope.enterprise_id,
        park_id: scope.park_id,
        township: scope.township,
        limit: size,
        offset: (page - 1) * size,
    };
    let (rows, total) = store.policy_applications(&filter).await?;
    Ok((rows, total, page, size))
}

pub async fn application(store: &Store, actor: &Actor, id: i64) -> Result<(Application, Vec<Step>), AppError> {
    let a = store.policy_application(id).await?;
    if !actor.can_read_enterprise(a.enterprise_id, &a.scope()) {
        return Err(AppError::NotFound);
    }
    let steps = store.policy_application_steps(id).await?;
    Ok((a, steps))
}

/// The stage the caller may review an application at, if any (for pages).
pub fn review_stage(actor: &Actor, a: &Application) -> Option<&'static str> {
    match (actor.role, a.status.as_str()) {
        (Role::Township, "township") if actor.township_code.as_deref() == Some(a.township_code.as_str()) => {
            Some(weiyuan_domain::policies::AT_TOWNSHIP)
        }
        (Role::County, "county") => Some(weiyuan_domain::policies::AT_COUNTY),
        _ => None,
    }
}
