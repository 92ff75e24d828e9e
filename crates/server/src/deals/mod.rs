//! Unit deals under the county's rules: sales by the developer, leases by owners (registered
//! with the township's approval), transfers and buy-backs, ending leases and taking back a
//! sublet tenant's area.
//!
//! Each deal has the one shape of every decision (docs/architecture.md): open the park's
//! transaction (`Store::begin_deal`, which locks the park), obtain the caller's capability on it
//! (`UnitDesk` or `ParkAuthority`, which the writes require), load what the rules read, let
//! `weiyuan_domain::deals` decide (every check with its numbers), write with the audit entry,
//! commit. A refusal writes nothing.

pub mod api;
pub mod pages;

use crate::error::AppError;
use weiyuan_domain::access::{Actor, Denied, ParkAuthority, ParkRef, UnitDesk};
use weiyuan_domain::deals::{self, LeaseDraft, LeaseFacts, LeaseForm, SaleDraft, SaleForm, TakeBackForm, TransferForm};
use weiyuan_domain::exit;
use weiyuan_domain::parks::Park;
use weiyuan_domain::rules::{Check, all_passed};
use weiyuan_store::Store;
use weiyuan_store::holdings::{DealDone, DealTx, Holding, UnitEvent};

/// An enterprise sees who holds its own units only; other holders are not named.
fn mask_holding(actor: &Actor, mut h: Holding) -> Holding {
    if !actor.is_staff() {
        if h.owner_id != actor.enterprise_id {
            (h.owner_id, h.owner) = (None, None);
        }
        if h.tenant_id != actor.enterprise_id {
            (h.tenant_id, h.tenant) = (None, None);
        }
    }
    h
}

fn mask_event(actor: &Actor, mut e: UnitEvent) -> UnitEvent {
    if !actor.is_staff() {
        if e.party_id != actor.enterprise_id {
            (e.party_id, e.party) = (None, None);
        }
        if e.from_id != actor.enterprise_id {
            (e.from_id, e.from) = (None, None);
        }
        // The checks name parties too: another enterprise's id is not shown.
        let own = actor.enterprise_id.map(|id| id.to_string());
        for c in &mut e.checks {
            c.numbers.retain(|(k, v)| !matches!(k.as_str(), "buyer" | "tenant" | "owner") || Some(v) == own.as_ref());
        }
    }
    e
}

pub async fn holdings(store: &Store, actor: &Actor, park_id: i64) -> Result<(Park, Vec<Holding>), AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    let list = store.holdings(park_id).await?.into_iter().map(|h| mask_holding(actor, h)).collect();
    Ok((park, list))
}

pub async fn deals(store: &Store, actor: &Actor, park_id: i64) -> Result<Vec<UnitEvent>, AppError> {
    crate::parks::get(store, actor, park_id).await?;
    Ok(store.park_deals(park_id, 200).await?.into_iter().map(|e| mask_event(actor, e)).collect())
}

pub async fn unit(store: &Store, actor: &Actor, unit_id: i64) -> Result<(Park, Holding, Vec<UnitEvent>), AppError> {
    let h = store.holding(unit_id).await?;
    let park = crate::parks::get(store, actor, h.park_id).await?;
    let history = store.unit_history(unit_id).await?.into_iter().map(|e| mask_event(actor, e)).collect();
    Ok((park, mask_holding(actor, h), history))
}

/// Open the park's deal transaction and obtain the caller's capability on it (a park the
/// caller cannot see is not found; one it sees but may not deal in is forbidden).
async fn open<C>(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    grant: impl Fn(&Actor, &ParkRef) -> Result<C, Denied>,
) -> Result<(DealTx, C), AppError> {
    let tx = store.begin_deal(park_id).await?;
    let capability = grant(actor, &tx.park().as_ref())?;
    Ok((tx, capability))
}

/// A decision that did not pass is refused with every check; nothing is written.
fn passed(checks: Vec<Check>) -> Result<Vec<Check>, AppError> {
    if all_passed(&checks) { Ok(checks) } else { Err(AppError::Refused(checks)) }
}

/// Sales: the county, the park's township and its operator (for the developer).
pub async fn sell(store: &Store, actor: &Actor, park_id: i64, form: &SaleForm) -> Result<DealDone, AppError> {
    let (tx, desk) = open(store, actor, park_id, Actor::unit_desk).await?;
    let d = form.validate(&crate::today())?;
    sell_decided(tx, &desk, actor, &d).await
}

/// A validated sale (also the demo data's way in).
pub async fn sell_draft(store: &Store, actor: &Actor, park_id: i64, d: &SaleDraft) -> Result<DealDone, AppError> {
    let (tx, desk) = open(store, actor, park_id, Actor::unit_desk).await?;
    sell_decided(tx, &desk, actor, d).await
}

async fn sell_decided(mut tx: DealTx, desk: &UnitDesk, actor: &Actor, d: &SaleDraft) -> Result<DealDone, AppError> {
    let rules = tx.rules().await?;
    let units = tx.units(&d.unit_ids).await?;
    let buyer_admitted = tx.is_admitted(d.buyer_id).await?;
    let registered = tx.registered_sales().await?;
    let checks = passed(deals::decide_sale(&rules, d, &units, buyer_admitted, &registered))?;
    Ok(tx.sell(desk, &actor.into(), d, &units, (&checks, rules.version)).await?)
}

/// Leases are registered by the township (its registration is the approval) or the county.
pub async fn lease(store: &Store, actor: &Actor, park_id: i64, form: &LeaseForm) -> Result<DealDone, AppError> {
    let (tx, authority) = open(store, actor, park_id, Actor::park_authority).await?;
    let d = form.validate(&crate::today())?;
    lease_decided(tx, &authority, actor, &d).await
}

/// A validated lease (also the demo data's way in).
pub async fn lease_draft(store: &Store, actor: &Actor, park_id: i64, d: &LeaseDraft) -> Result<DealDone, AppError> {
    let (tx, authority) = open(store, actor, park_id, Actor::park_authority).await?;
    lease_decided(tx, &authority, actor, d).await
}

async fn lease_decided(
    mut tx: DealTx,
    authority: &ParkAuthority,
    actor: &Actor,
    d: &LeaseDraft,
) -> Result<DealDone, AppError> {
    let rules = tx.rules().await?;
    let units = tx.units(&d.unit_ids).await?;
    let owner = units.first().and_then(|u| u.owner_id);
    // The owner's admission targets: its latest exit-test figures must pass, read in this
    // transaction.
    let (owner_meets_targets, owner_industry) = match owner {
        Some(o) => {
            let (years, held, park) = tx.exit_test_inputs(o).await?;
            let meets = exit::meets_targets(&rules, &years, &held, park.land_mu, park.building_area_m2);
            (meets, tx.industry_of(o).await?)
        }
        None => (false, String::new()),
    };
    let facts = LeaseFacts {
        tenant_admitted: tx.is_admitted(d.tenant_id).await?,
        owner_meets_targets,
        owner_industry: &owner_industry,
        tenant_industry: &tx.industry_of(d.tenant_id).await?,
        // Only the park's authority (its township or the county) gets here: registering is approving.
        township_approved: true,
    };
    let checks = passed(deals::decide_lease(&rules, d, &units, &facts))?;
    Ok(tx.lease(authority, &actor.into(), d, &units, (&checks, rules.version)).await?)
}

/// Transfers: registered by the park's operator, township or the county; only the township or
/// the county can approve one inside the lock (with its approval reference).
pub async fn transfer(store: &Store, actor: &Actor, park_id: i64, form: &TransferForm) -> Result<DealDone, AppError> {
    let (mut tx, desk) = open(store, actor, park_id, Actor::unit_desk).await?;
    let d = form.validate(&crate::today())?;
    let may_approve = actor.park_authority(&tx.park().as_ref()).is_ok();
    let rules = tx.rules().await?;
    let units = tx.units(&d.unit_ids).await?;
    let owner = units.first().and_then(|u| u.owner_id);
    let purchases: Vec<String> = units.iter().filter_map(|u| u.deal.clone()).collect();
    let purchase_units = match owner {
        Some(o) => tx.purchase_units(o, &purchases).await?,
        None => Vec::new(),
    };
    let buyer_admitted = match d.to_id {
        Some(to) => tx.is_admitted(to).await?,
        None => false,
    };
    let checks = passed(deals::decide_transfer(&rules, &d, &units, &purchase_units, buyer_admitted, may_approve))?;
    Ok(tx.transfer(&desk, &actor.into(), &d, &units, (&checks, rules.version)).await?)
}

pub async fn take_back(store: &Store, actor: &Actor, park_id: i64, form: &TakeBackForm) -> Result<DealDone, AppError> {
    let (mut tx, desk) = open(store, actor, park_id, Actor::unit_desk).await?;
    let d = form.validate(&crate::today())?;
    let rules = tx.rules().await?;
    let units = tx.rented_by(d.tenant_id).await?;
    let checks = passed(deals::decide_take_back(&d, &units))?;
    Ok(tx.take_back(&desk, &actor.into(), &d, &units, (&checks, rules.version)).await?)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{get, post};
    vec![
        (
            api("GET", "/api/v1/parks/{id}/holdings", "deals", "A park's units with owner and tenant"),
            get(api::holdings),
        ),
        (api("GET", "/api/v1/units/{id}/history", "deals", "A unit's holder and full history"), get(api::unit)),
        (
            api("POST", "/api/v1/parks/{id}/sales", "deals", "Sell developer-held units (rules checked)"),
            post(api::sell),
        ),
        (api("POST", "/api/v1/parks/{id}/leases", "deals", "Register a lease (township approval)"), post(api::lease)),
        (api("POST", "/api/v1/parks/{id}/transfers", "deals", "Transfer units or buy them back"), post(api::transfer)),
        (
            api("POST", "/api/v1/parks/{id}/takebacks", "deals", "End a tenant's leases or take back a sublet"),
            post(api::take_back),
        ),
        (page("GET", "/parks/{id}/deals", "Units, holders and deals"), get(pages::show)),
        (page("GET", "/units/{id}", "A unit's history"), get(pages::unit)),
        (page("POST", "/parks/{id}/sales", "Sell units"), post(pages::sell)),
        (page("POST", "/parks/{id}/leases", "Register a lease"), post(pages::lease)),
        (page("POST", "/parks/{id}/transfers", "Transfer or buy back units"), post(pages::transfer)),
        (page("POST", "/parks/{id}/takebacks", "End leases or take back a sublet"), post(pages::take_back)),
    ]
}
