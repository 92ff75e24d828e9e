//! Unit deals under the county's rules: sales by the developer, leases by owners (registered
//! with the township's approval), transfers and buy-backs, ending leases and taking back a
//! sublet tenant's area. The rules run inside the store's transaction; a refusal names each
//! rule with its numbers.

pub mod api;
pub mod pages;

use crate::error::AppError;
use weiyuan_domain::access::{Actor, Role};
use weiyuan_domain::deals::{LeaseForm, SaleForm, TakeBackForm, TransferForm};
use weiyuan_domain::parks::Park;
use weiyuan_store::holdings::{DealDone, Holding, UnitEvent};
use weiyuan_store::{AuditCtx, Store};

fn ctx(actor: &Actor) -> AuditCtx {
    AuditCtx::user(actor.user_id, &actor.username)
}

/// An enterprise sees who holds its own units only; other holders are not named.
fn mask_holding(actor: &Actor, mut h: Holding) -> Holding {
    if actor.role == Role::Enterprise {
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
    if actor.role == Role::Enterprise {
        if e.party_id != actor.enterprise_id {
            (e.party_id, e.party) = (None, None);
        }
        if e.from_id != actor.enterprise_id {
            (e.from_id, e.from) = (None, None);
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

async fn editable(store: &Store, actor: &Actor, park_id: i64) -> Result<Park, AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    if actor.can_edit_units(&park.as_ref()) { Ok(park) } else { Err(AppError::Forbidden) }
}

/// Sales: the county, the park's township and its operator (for the developer).
pub async fn sell(store: &Store, actor: &Actor, park_id: i64, form: &SaleForm) -> Result<DealDone, AppError> {
    editable(store, actor, park_id).await?;
    let d = form.validate(&crate::today())?;
    Ok(store.sell(&ctx(actor), park_id, &d).await?)
}

/// Leases are registered by the township (its registration is the approval) or the county.
pub async fn lease(store: &Store, actor: &Actor, park_id: i64, form: &LeaseForm) -> Result<DealDone, AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    if !actor.can_edit_park(&park.as_ref()) {
        return Err(AppError::Forbidden);
    }
    let d = form.validate(&crate::today())?;
    // The owner's admission targets: its latest exit-test figures must pass.
    let owner = match d.unit_ids.first() {
        Some(id) => store.holding(*id).await.ok().and_then(|h| h.owner_id),
        None => None,
    };
    let meets = match owner {
        Some(o) => crate::exits::meets_targets(store, o).await?,
        None => false,
    };
    Ok(store.lease(&ctx(actor), park_id, &d, (owner.unwrap_or(0), meets), true).await?)
}

/// Transfers: registered by the park's operator, township or the county; only the township or
/// the county can approve one inside the lock (with its approval reference).
pub async fn transfer(store: &Store, actor: &Actor, park_id: i64, form: &TransferForm) -> Result<DealDone, AppError> {
    let park = editable(store, actor, park_id).await?;
    let d = form.validate(&crate::today())?;
    Ok(store.transfer(&ctx(actor), park_id, &d, actor.can_edit_park(&park.as_ref())).await?)
}

pub async fn take_back(store: &Store, actor: &Actor, park_id: i64, form: &TakeBackForm) -> Result<DealDone, AppError> {
    editable(store, actor, park_id).await?;
    let d = form.validate(&crate::today())?;
    Ok(store.take_back(&ctx(actor), park_id, &d).await?)
}
