//! Parks, buildings and units: the service both the JSON API and the pages call.
//! Reading outside one's scope answers "not found"; a permitted read with a forbidden write
//! answers "forbidden".

pub mod api;
pub mod pages;

use crate::error::AppError;
use weiyuan_domain::access::Actor;
use weiyuan_domain::parks::{Building, BuildingForm, Park, ParkFilter, ParkForm, Unit, UnitForm};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::{AuditCtx, Store};

pub async fn list(store: &Store, actor: &Actor, filter: &ParkFilter) -> Result<Vec<Park>, AppError> {
    filter.validate()?;
    Ok(filter.apply(store.list_parks(&actor.park_scope()).await?))
}

/// A park the actor may see.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Park, AppError> {
    let park = store.get_park(id).await?;
    if actor.can_read_park(&park.as_ref()) { Ok(park) } else { Err(AppError::NotFound) }
}

pub async fn create(store: &Store, actor: &Actor, form: &ParkForm) -> Result<Park, AppError> {
    if !actor.can_create_park() {
        return Err(AppError::Forbidden);
    }
    let draft = form.validate()?;
    Ok(store.create_park(&AuditCtx::from(actor), None, &draft).await?)
}

pub async fn update(store: &Store, actor: &Actor, id: i64, form: &ParkForm) -> Result<Park, AppError> {
    let park = get(store, actor, id).await?;
    if !actor.can_edit_park(&park.as_ref()) {
        return Err(AppError::Forbidden);
    }
    let draft = form.validate()?;
    // Moving a park to another township is the county's decision.
    if draft.township_code != park.township_code && !actor.can_create_park() {
        return Err(Invalid::one(FieldError::new("township_code", "error.township_change_county_only")).into());
    }
    Ok(store.update_park(&AuditCtx::from(actor), id, &draft).await?)
}

pub async fn buildings(store: &Store, actor: &Actor, park_id: i64) -> Result<Vec<Building>, AppError> {
    get(store, actor, park_id).await?;
    Ok(store.list_buildings(park_id).await?)
}

/// Units in one page of the API's list unless `size` asks otherwise (at most 500).
pub const UNITS_PAGE_SIZE: i64 = 100;

/// A page of a park's units: (units, total, page, size).
pub async fn units(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    q: &crate::extract::PageQuery,
) -> Result<(Vec<Unit>, i64, i64, i64), AppError> {
    get(store, actor, park_id).await?;
    let (page, size) = q.checked(UNITS_PAGE_SIZE)?;
    let (limit, offset) = crate::extract::PageQuery::window((page, size));
    let (rows, total) = store.units_page(park_id, limit, offset).await?;
    Ok((rows, total, page, size))
}

/// The park a building or unit belongs to, checked for editing rights.
async fn editable_park(store: &Store, actor: &Actor, park_id: i64) -> Result<Park, AppError> {
    let park = get(store, actor, park_id).await?;
    if actor.can_edit_units(&park.as_ref()) { Ok(park) } else { Err(AppError::Forbidden) }
}

pub async fn get_building(store: &Store, actor: &Actor, id: i64) -> Result<(Park, Building), AppError> {
    let b = store.get_building(id).await?;
    Ok((get(store, actor, b.park_id).await?, b))
}

pub async fn get_unit(store: &Store, actor: &Actor, id: i64) -> Result<(Park, Unit), AppError> {
    let u = store.get_unit(id).await?;
    Ok((get(store, actor, u.park_id).await?, u))
}

pub async fn create_building(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    form: &BuildingForm,
) -> Result<Building, AppError> {
    editable_park(store, actor, park_id).await?;
    let d = form.validate()?;
    Ok(store.create_building(&AuditCtx::from(actor), park_id, &d, false).await?)
}

pub async fn update_building(store: &Store, actor: &Actor, id: i64, form: &BuildingForm) -> Result<Building, AppError> {
    let (park, _) = get_building(store, actor, id).await?;
    editable_park(store, actor, park.id).await?;
    let d = form.validate()?;
    Ok(store.update_building(&AuditCtx::from(actor), id, &d).await?)
}

pub async fn delete_building(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (park, _) = get_building(store, actor, id).await?;
    editable_park(store, actor, park.id).await?;
    Ok(store.delete_building(&AuditCtx::from(actor), id).await?)
}

/// Validate a unit against the building it names, which must be in the same park.
async fn unit_draft(
    store: &Store,
    park_id: i64,
    form: &UnitForm,
) -> Result<weiyuan_domain::parks::UnitDraft, AppError> {
    let building = match form.building_id.trim().parse::<i64>() {
        Ok(id) => store.get_building(id).await.ok().filter(|b| b.park_id == park_id),
        Err(_) => None,
    };
    let draft = form.validate(building.as_ref().map(|b| b.floors));
    match (draft, building) {
        (Ok(d), Some(_)) => Ok(d),
        (Ok(_), None) => Err(Invalid::one(FieldError::new("building_id", "error.building_not_in_park")).into()),
        (Err(e), _) => Err(e.into()),
    }
}

pub async fn create_unit(store: &Store, actor: &Actor, park_id: i64, form: &UnitForm) -> Result<Unit, AppError> {
    editable_park(store, actor, park_id).await?;
    let d = unit_draft(store, park_id, form).await?;
    Ok(store.create_unit(&AuditCtx::from(actor), park_id, &d, false).await?)
}

pub async fn update_unit(store: &Store, actor: &Actor, id: i64, form: &UnitForm) -> Result<Unit, AppError> {
    let (park, _) = get_unit(store, actor, id).await?;
    editable_park(store, actor, park.id).await?;
    let d = unit_draft(store, park.id, form).await?;
    Ok(store.update_unit(&AuditCtx::from(actor), id, &d).await?)
}

pub async fn delete_unit(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (park, _) = get_unit(store, actor, id).await?;
    editable_park(store, actor, park.id).await?;
    Ok(store.delete_unit(&AuditCtx::from(actor), id).await?)
}
