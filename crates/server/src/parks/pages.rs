//! Pages for parks, buildings and units.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{FormBody, Id};
use crate::pages::{Errors, PageCtx, PageError, check_csrf, fail, render, render_status, require, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use weiyuan_domain::codes::{PINGYANG_TOWNSHIPS, Township};
use weiyuan_domain::parks::{
    Building, BuildingForm, DevelopmentModel, Park, ParkFilter, ParkForm, ParkStatus, ParkTotals, ParkType, SpaceType,
    Unit, UnitForm,
};

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "parks.html")]
pub struct ParksPage {
    pub ctx: PageCtx,
    pub parks: Vec<Park>,
    pub totals: ParkTotals,
    pub filter: ParkFilter,
    pub townships: Vec<&'static Township>,
    pub can_create: bool,
}

impl ParksPage {
    fn statuses(&self) -> &'static [ParkStatus] {
        ParkStatus::ALL
    }

    fn models(&self) -> &'static [DevelopmentModel] {
        DevelopmentModel::ALL
    }

    /// Link for a column header: sort by it, toggling the direction when it is already chosen.
    fn sort_link(&self, column: &str) -> String {
        let desc = self.filter.sort == column && !self.filter.desc;
        let f = ParkFilter { sort: column.to_string(), desc, ..self.filter.clone() };
        format!("/parks?{}", serde_urlencoded::to_string(&f).unwrap_or_default())
    }

    fn sort_mark(&self, column: &str) -> &'static str {
        match (self.filter.sort == column, self.filter.desc) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        }
    }
}

pub async fn list(State(s): State<AppState>, caller: Caller, uri: Uri, Query(filter): Query<ParkFilter>) -> PageResult {
    let actor = require(&caller, &uri)?;
    let parks = super::list(&s.store, &actor, &filter).await.map_err(fail(&caller, &uri))?;
    let totals = ParkFilter::totals(&parks);
    let visible = s.store.list_parks(&actor.park_scope()).await.map_err(|e| fail(&caller, &uri)(e.into()))?;
    let mut townships: Vec<&'static Township> =
        PINGYANG_TOWNSHIPS.iter().filter(|t| visible.iter().any(|p| p.township_code == t.code)).collect();
    townships.dedup_by_key(|t| t.code);
    Ok(render(&ParksPage {
        ctx: PageCtx::new(&caller, &uri),
        parks,
        totals,
        filter,
        townships,
        can_create: actor.can_create_park(),
    }))
}

#[derive(Template)]
#[template(path = "park.html")]
pub struct ParkPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub buildings: Vec<Building>,
    pub units: Vec<Unit>,
    pub can_edit_park: bool,
    pub can_edit_units: bool,
    pub building_form: BuildingForm,
    pub errors: Errors,
}

impl ParkPage {
    fn building_name(&self, id: &i64) -> &str {
        self.buildings.iter().find(|b| b.id == *id).map(|b| b.name.as_str()).unwrap_or("")
    }

    fn unit_count(&self, building_id: &i64) -> usize {
        self.units.iter().filter(|u| u.building_id == *building_id).count()
    }

    fn units_area(&self) -> String {
        self.units.iter().map(|u| u.area_m2).sum::<weiyuan_domain::Fixed2>().grouped()
    }
}

async fn park_page(
    s: &AppState,
    caller: &Caller,
    uri: &Uri,
    id: i64,
    form: BuildingForm,
    errors: Errors,
) -> PageResult {
    let actor = require(caller, uri)?;
    let park = super::get(&s.store, &actor, id).await.map_err(fail(caller, uri))?;
    let buildings = s.store.list_buildings(id).await.map_err(|e| fail(caller, uri)(e.into()))?;
    let units = s.store.list_units(id).await.map_err(|e| fail(caller, uri)(e.into()))?;
    let status = if errors.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok(render_status(
        status,
        &ParkPage {
            ctx: PageCtx::new(caller, uri),
            can_edit_park: actor.can_edit_park(&park.as_ref()),
            can_edit_units: actor.can_edit_units(&park.as_ref()),
            park,
            buildings,
            units,
            building_form: form,
            errors,
        },
    ))
}

pub async fn show(State(s): State<AppState>, caller: Caller, uri: Uri, Id(id): Id) -> PageResult {
    park_page(&s, &caller, &uri, id, BuildingForm::default(), Errors::default()).await
}

#[derive(Template)]
#[template(path = "park_form.html")]
pub struct ParkFormPage {
    pub ctx: PageCtx,
    pub park_id: Option<i64>,
    pub form: ParkForm,
    pub errors: Errors,
    /// Only the county moves a park to another township.
    pub township_locked: bool,
}

impl ParkFormPage {
    fn townships(&self) -> &'static [Township] {
        &PINGYANG_TOWNSHIPS
    }
    fn statuses(&self) -> &'static [ParkStatus] {
        ParkStatus::ALL
    }
    fn models(&self) -> &'static [DevelopmentModel] {
        DevelopmentModel::ALL
    }
    fn types(&self) -> &'static [ParkType] {
        ParkType::ALL
    }
    fn township_name(&self) -> &str {
        weiyuan_domain::codes::township(&self.form.township_code).map(|t| t.name).unwrap_or("")
    }
}

fn form_page(
    caller: &Caller,
    uri: &Uri,
    park_id: Option<i64>,
    form: ParkForm,
    errors: Errors,
    locked: bool,
) -> Response {
    let status = if errors.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    render_status(
        status,
        &ParkFormPage { ctx: PageCtx::new(caller, uri), park_id, form, errors, township_locked: locked },
    )
}

pub async fn new_form(caller: Caller, uri: Uri) -> PageResult {
    let actor = require(&caller, &uri)?;
    if !actor.can_create_park() {
        return Err(fail(&caller, &uri)(AppError::Forbidden));
    }
    let form = ParkForm { status: "planned".into(), park_type: "manufacturing".into(), ..Default::default() };
    Ok(form_page(&caller, &uri, None, form, Errors::default(), false))
}

pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    FormBody(form, csrf): FormBody<ParkForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::create(&s.store, &actor, &form).await {
        Ok(p) => Ok(see_other(&format!("/parks/{}", p.id))),
        Err(e @ AppError::Invalid(_)) => {
            Ok(form_page(&caller, &uri, None, form, Errors::from_app(&e, caller_tr(&caller)), false))
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

fn caller_tr(caller: &Caller) -> crate::i18n::Tr {
    crate::i18n::Tr(caller.lang)
}

pub async fn edit_form(State(s): State<AppState>, caller: Caller, uri: Uri, Id(id): Id) -> PageResult {
    let actor = require(&caller, &uri)?;
    let park = super::get(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    if !actor.can_edit_park(&park.as_ref()) {
        return Err(fail(&caller, &uri)(AppError::Forbidden));
    }
    Ok(form_page(&caller, &uri, Some(id), park.to_form(), Errors::default(), !actor.can_create_park()))
}

pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(form, csrf): FormBody<ParkForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::update(&s.store, &actor, id, &form).await {
        Ok(p) => Ok(see_other(&format!("/parks/{}", p.id))),
        Err(e @ AppError::Invalid(_)) => {
            let locked = !actor.can_create_park();
            Ok(form_page(&caller, &uri, Some(id), form, Errors::from_app(&e, caller_tr(&caller)), locked))
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

pub async fn create_building(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(form, csrf): FormBody<BuildingForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::create_building(&s.store, &actor, id, &form).await {
        Ok(_) => Ok(see_other(&format!("/parks/{id}#buildings"))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = Errors::from_app(&e, caller_tr(&caller));
            let page_uri: Uri = format!("/parks/{id}").parse().unwrap_or(uri);
            park_page(&s, &caller, &page_uri, id, form, errors).await
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

#[derive(Template)]
#[template(path = "building_form.html")]
pub struct BuildingFormPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub building: Building,
    pub form: BuildingForm,
    pub errors: Errors,
}

pub async fn building_form(State(s): State<AppState>, caller: Caller, uri: Uri, Id(id): Id) -> PageResult {
    let actor = require(&caller, &uri)?;
    let (park, building) = super::get_building(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    if !actor.can_edit_units(&park.as_ref()) {
        return Err(fail(&caller, &uri)(AppError::Forbidden));
    }
    let form = building.to_form();
    Ok(render(&BuildingFormPage { ctx: PageCtx::new(&caller, &uri), park, building, form, errors: Errors::default() }))
}

pub async fn update_building(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(form, csrf): FormBody<BuildingForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::update_building(&s.store, &actor, id, &form).await {
        Ok(b) => Ok(see_other(&format!("/parks/{}#buildings", b.park_id))),
        Err(e @ AppError::Invalid(_)) => {
            let (park, building) = super::get_building(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
            let errors = Errors::from_app(&e, caller_tr(&caller));
            let page = BuildingFormPage { ctx: PageCtx::new(&caller, &uri), park, building, form, errors };
            Ok(render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn delete_building(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(_, csrf): FormBody<Empty>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    let (park, _) = super::get_building(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    match super::delete_building(&s.store, &actor, id).await {
        Ok(()) => Ok(see_other(&format!("/parks/{}#buildings", park.id))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = Errors::from_app(&e, caller_tr(&caller));
            let page_uri: Uri = format!("/parks/{}", park.id).parse().unwrap_or(uri);
            park_page(&s, &caller, &page_uri, park.id, BuildingForm::default(), errors).await
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

#[derive(Template)]
#[template(path = "unit_form.html")]
pub struct UnitFormPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub unit_id: Option<i64>,
    pub form: UnitForm,
    pub buildings: Vec<Building>,
    pub errors: Errors,
}

impl UnitFormPage {
    fn spaces(&self) -> &'static [SpaceType] {
        SpaceType::ALL
    }
}

async fn unit_page(
    s: &AppState,
    caller: &Caller,
    uri: &Uri,
    park: Park,
    unit_id: Option<i64>,
    form: UnitForm,
    errors: Errors,
) -> PageResult {
    let buildings = s.store.list_buildings(park.id).await.map_err(|e| fail(caller, uri)(e.into()))?;
    let status = if errors.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok(render_status(status, &UnitFormPage { ctx: PageCtx::new(caller, uri), park, unit_id, form, buildings, errors }))
}

pub async fn new_unit_form(State(s): State<AppState>, caller: Caller, uri: Uri, Id(id): Id) -> PageResult {
    let actor = require(&caller, &uri)?;
    let park = super::get(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    if !actor.can_edit_units(&park.as_ref()) {
        return Err(fail(&caller, &uri)(AppError::Forbidden));
    }
    let form = UnitForm { space_type: "production".into(), ..Default::default() };
    unit_page(&s, &caller, &uri, park, None, form, Errors::default()).await
}

pub async fn create_unit(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(form, csrf): FormBody<UnitForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::create_unit(&s.store, &actor, id, &form).await {
        Ok(_) => Ok(see_other(&format!("/parks/{id}#units"))),
        Err(e @ AppError::Invalid(_)) => {
            let park = super::get(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
            let errors = Errors::from_app(&e, caller_tr(&caller));
            unit_page(&s, &caller, &uri, park, None, form, errors).await
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

pub async fn unit_form(State(s): State<AppState>, caller: Caller, uri: Uri, Id(id): Id) -> PageResult {
    let actor = require(&caller, &uri)?;
    let (park, unit) = super::get_unit(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    if !actor.can_edit_units(&park.as_ref()) {
        return Err(fail(&caller, &uri)(AppError::Forbidden));
    }
    unit_page(&s, &caller, &uri, park, Some(id), unit.to_form(), Errors::default()).await
}

pub async fn update_unit(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(form, csrf): FormBody<UnitForm>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    match super::update_unit(&s.store, &actor, id, &form).await {
        Ok(u) => Ok(see_other(&format!("/parks/{}#units", u.park_id))),
        Err(e @ AppError::Invalid(_)) => {
            let (park, _) = super::get_unit(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
            let errors = Errors::from_app(&e, caller_tr(&caller));
            unit_page(&s, &caller, &uri, park, Some(id), form, errors).await
        }
        Err(e) => Err(fail(&caller, &uri)(e)),
    }
}

pub async fn delete_unit(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    Id(id): Id,
    FormBody(_, csrf): FormBody<Empty>,
) -> PageResult {
    let actor = require(&caller, &uri)?;
    check_csrf(&caller, &uri, &csrf)?;
    let (park, _) = super::get_unit(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    super::delete_unit(&s.store, &actor, id).await.map_err(fail(&caller, &uri))?;
    Ok(see_other(&format!("/parks/{}#units", park.id)))
}
