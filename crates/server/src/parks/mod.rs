//! Parks, buildings and units: the service both the JSON API and the pages call.
//! Reading outside one's scope answers "not found"; a permitted read with a forbidden write
//! answers "forbidden".

pub mod api;
pub mod pages;

use crate::error::AppError;
use weiyuan_domain::access::{Actor, Denied, ParkRef, UnitDesk};
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

/// A park the actor may see, and the capability `grant` gives it there: a park outside its
/// scope is not found; one it may see but not act on this way is forbidden.
pub async fn granted<C>(
    store: &Store,
    actor: &Actor,
    park_id: i64,
    grant: fn(&Actor, &ParkRef) -> Result<C, Denied>,
) -> Result<(Park, C), AppError> {
    let park = store.get_park(park_id).await?;
    let cap = grant(actor, &park.as_ref())?;
    Ok((park, cap))
}

pub async fn create(store: &Store, actor: &Actor, form: &ParkForm) -> Result<Park, AppError> {
    let registry = actor.registry()?;
    let draft = form.validate()?;
    Ok(store.create_park(&registry, &AuditCtx::from(actor), None, &draft).await?)
}

/// Moving a park to another township is the county's decision: the store refuses it on
/// `township_code` without the county's `Registry`.
pub async fn update(store: &Store, actor: &Actor, id: i64, form: &ParkForm) -> Result<Park, AppError> {
    let (_, authority) = granted(store, actor, id, Actor::park_authority).await?;
    let draft = form.validate()?;
    let mover = actor.registry().ok();
    Ok(store.update_park(&authority, mover.as_ref(), &AuditCtx::from(actor), &draft).await?)
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

/// The unit desk of a park (its buildings, units, enterprises, devices, lotteries).
pub async fn unit_desk(store: &Store, actor: &Actor, park_id: i64) -> Result<UnitDesk, AppError> {
    Ok(granted(store, actor, park_id, Actor::unit_desk).await?.1)
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
    let desk = unit_desk(store, actor, park_id).await?;
    let d = form.validate()?;
    Ok(store.create_building(&desk, &AuditCtx::from(actor), &d, false).await?)
}

pub async fn update_building(store: &Store, actor: &Actor, id: i64, form: &BuildingForm) -> Result<Building, AppError> {
    let (park, _) = get_building(store, actor, id).await?;
    let desk = unit_desk(store, actor, park.id).await?;
    let d = form.validate()?;
    Ok(store.update_building(&desk, &AuditCtx::from(actor), id, &d).await?)
}

pub async fn delete_building(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (park, _) = get_building(store, actor, id).await?;
    let desk = unit_desk(store, actor, park.id).await?;
    Ok(store.delete_building(&desk, &AuditCtx::from(actor), id).await?)
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
    let desk = unit_desk(store, actor, park_id).await?;
    let d = unit_draft(store, park_id, form).await?;
    Ok(store.create_unit(&desk, &AuditCtx::from(actor), &d, false).await?)
}

pub async fn update_unit(store: &Store, actor: &Actor, id: i64, form: &UnitForm) -> Result<Unit, AppError> {
    let (park, _) = get_unit(store, actor, id).await?;
    let desk = unit_desk(store, actor, park.id).await?;
    let d = unit_draft(store, park.id, form).await?;
    Ok(store.update_unit(&desk, &AuditCtx::from(actor), id, &d).await?)
}

pub async fn delete_unit(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (park, _) = get_unit(store, actor, id).await?;
    let desk = unit_desk(store, actor, park.id).await?;
    Ok(store.delete_unit(&desk, &AuditCtx::from(actor), id).await?)
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page};
    use crate::routing::{delete, get, post, put};
    vec![
        (api("GET", "/api/v1/townships", "parks", "Townships of the county"), get(api::townships)),
        (api("GET", "/api/v1/parks", "parks", "Parks the caller may see, with filters and totals"), get(api::list)),
        (api("POST", "/api/v1/parks", "parks", "Register a park (county)"), post(api::create)),
        (api("GET", "/api/v1/parks/{id}", "parks", "One park"), get(api::get)),
        (api("PUT", "/api/v1/parks/{id}", "parks", "Edit a park (county, its township)"), put(api::update)),
        (api("GET", "/api/v1/parks/{id}/buildings", "parks", "Buildings of a park"), get(api::buildings)),
        (api("POST", "/api/v1/parks/{id}/buildings", "parks", "Add a building"), post(api::create_building)),
        (api("PUT", "/api/v1/buildings/{id}", "parks", "Edit a building"), put(api::update_building)),
        (api("DELETE", "/api/v1/buildings/{id}", "parks", "Delete an empty building"), delete(api::delete_building)),
        (api("GET", "/api/v1/parks/{id}/units", "parks", "Units of a park"), get(api::units)),
        (api("POST", "/api/v1/parks/{id}/units", "parks", "Add a unit"), post(api::create_unit)),
        (api("PUT", "/api/v1/units/{id}", "parks", "Edit a unit"), put(api::update_unit)),
        (api("DELETE", "/api/v1/units/{id}", "parks", "Delete a unit"), delete(api::delete_unit)),
        (page("GET", "/parks", "Park list"), get(pages::list)),
        (page("GET", "/parks/new", "New park form"), get(pages::new_form)),
        (page("POST", "/parks", "Create a park"), post(pages::create)),
        (page("GET", "/parks/{id}", "Park page"), get(pages::show)),
        (page("GET", "/parks/{id}/edit", "Edit park form"), get(pages::edit_form)),
        (page("POST", "/parks/{id}", "Save a park"), post(pages::update)),
        (page("POST", "/parks/{id}/buildings", "Add a building"), post(pages::create_building)),
        (page("GET", "/buildings/{id}/edit", "Edit building form"), get(pages::building_form)),
        (page("POST", "/buildings/{id}", "Save a building"), post(pages::update_building)),
        (page("POST", "/buildings/{id}/delete", "Delete a building"), post(pages::delete_building)),
        (page("GET", "/parks/{id}/units/new", "New unit form"), get(pages::new_unit_form)),
        (page("POST", "/parks/{id}/units", "Add a unit"), post(pages::create_unit)),
        (page("GET", "/units/{id}/edit", "Edit unit form"), get(pages::unit_form)),
        (page("POST", "/units/{id}", "Save a unit"), post(pages::update_unit)),
        (page("POST", "/units/{id}/delete", "Delete a unit"), post(pages::delete_unit)),
    ]
}
