//! Pages for parks, buildings and units.

use crate::AppState;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render, render_status, see_other};
use askama::Template;
use axum::extract::{Query, State};
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
    /// Parks behind their construction plan, marked in the list.
    pub lagging: std::collections::HashSet<i64>,
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

pub async fn list(State(s): State<AppState>, u: PageUser, Query(filter): Query<ParkFilter>) -> PageResult {
    let visible = s.store.list_parks(&u.actor.park_scope()).await.map_err(|e| u.fail()(e.into()))?;
    let townships = PINGYANG_TOWNSHIPS.iter().filter(|t| visible.iter().any(|p| p.township_code == t.code)).collect();
    let parks = filter.apply(visible);
    let totals = ParkFilter::totals(&parks);
    let can_create = u.actor.can_create_park();
    let lagging = crate::progress::lagging_ids(&s.store, &u.actor).await.map_err(u.fail())?;
    Ok(render(&ParksPage { ctx: u.ctx(), parks, totals, filter, townships, can_create, lagging }))
}

/// The park page's unit list: by building, by part of the number, by kind of space, paged.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct UnitQuery {
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub space: String,
    #[serde(default, skip_serializing)]
    pub page: String,
}

impl UnitQuery {
    fn matches(&self, u: &Unit) -> bool {
        let (building, q) = (self.building.trim(), self.q.trim());
        let in_building = building.is_empty() || building.parse::<i64>().is_ok_and(|b| b == u.building_id);
        in_building
            && (q.is_empty() || u.number.contains(q))
            && (self.space.is_empty() || u.space_type.code() == self.space)
    }
}

#[derive(Template)]
#[template(path = "park.html")]
pub struct ParkPage {
    pub ctx: PageCtx,
    pub park: Park,
    pub buildings: Vec<Building>,
    /// Every unit of the park (counts and areas are the park's).
    pub all_units: Vec<Unit>,
    /// The page of units the list shows.
    pub units: Vec<Unit>,
    pub unit_query: UnitQuery,
    pub pager: crate::pages::Pager,
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
        self.all_units.iter().filter(|u| u.building_id == *building_id).count()
    }

    fn units_area(&self) -> String {
        self.all_units.iter().map(|u| u.area_m2).sum::<weiyuan_domain::Fixed2>().grouped()
    }

    fn spaces(&self) -> &'static [SpaceType] {
        SpaceType::ALL
    }

    fn filtered(&self) -> bool {
        !(self.unit_query.building.is_empty() && self.unit_query.q.is_empty() && self.unit_query.space.is_empty())
    }
}

/// The park page, with the add-building form as given and its errors.
async fn park_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    unit_query: UnitQuery,
    building_form: BuildingForm,
    errors: Errors,
) -> PageResult {
    let park = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    let buildings = s.store.list_buildings(id).await.map_err(|e| u.fail()(e.into()))?;
    let all_units = s.store.list_units(id).await.map_err(|e| u.fail()(e.into()))?;
    let shown: Vec<Unit> = all_units.iter().filter(|x| unit_query.matches(x)).cloned().collect();
    let base = format!("/parks/{id}?{}", serde_urlencoded::to_string(&unit_query).unwrap_or_default());
    let (units, pager) = crate::pages::Pager::cut(shown, unit_query.page.trim().parse().unwrap_or(1), base, "#units");
    let page = ParkPage {
        ctx: u.ctx(),
        can_edit_park: u.actor.can_edit_park(&park.as_ref()),
        can_edit_units: u.actor.can_edit_units(&park.as_ref()),
        park,
        buildings,
        all_units,
        units,
        unit_query,
        pager,
        building_form,
        errors,
    };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn show(State(s): State<AppState>, u: PageUser, Id(id): Id, Query(q): Query<UnitQuery>) -> PageResult {
    park_page(&s, &u, id, q, BuildingForm::default(), Errors::default()).await
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

fn park_form(u: &PageUser, park_id: Option<i64>, form: ParkForm, errors: Errors) -> Response {
    let page = ParkFormPage { ctx: u.ctx(), park_id, form, errors, township_locked: !u.actor.can_create_park() };
    render_status(page.errors.status(), &page)
}

pub async fn new_form(u: PageUser) -> PageResult {
    if !u.actor.can_create_park() {
        return Err(u.fail()(AppError::Forbidden));
    }
    let form = ParkForm { status: "planned".into(), park_type: "manufacturing".into(), ..Default::default() };
    Ok(park_form(&u, None, form, Errors::default()))
}

pub async fn create(State(s): State<AppState>, u: PageUser, CsrfForm(form): CsrfForm<ParkForm>) -> PageResult {
    match super::create(&s.store, &u.actor, &form).await {
        Ok(p) => Ok(done(&format!("/parks/{}", p.id), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            Ok(park_form(&u, None, form, Errors::from_app(&e, u.tr())))
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn edit_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    let park = super::get(&s.store, &u.actor, id).await.map_err(u.fail())?;
    if !u.actor.can_edit_park(&park.as_ref()) {
        return Err(u.fail()(AppError::Forbidden));
    }
    Ok(park_form(&u, Some(id), park.to_form(), Errors::default()))
}

pub async fn update(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ParkForm>,
) -> PageResult {
    match super::update(&s.store, &u.actor, id, &form).await {
        Ok(p) => Ok(done(&format!("/parks/{}", p.id), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            Ok(park_form(&u, Some(id), form, Errors::from_app(&e, u.tr())))
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn create_building(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<BuildingForm>,
) -> PageResult {
    match super::create_building(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done(&format!("/parks/{id}#buildings"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            park_page(&s, &u.at(&format!("/parks/{id}")), id, UnitQuery::default(), form, Errors::from_app(&e, u.tr()))
                .await
        }
        Err(e) => Err(u.fail()(e)),
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

async fn building_page(s: &AppState, u: &PageUser, id: i64, form: Option<BuildingForm>, errors: Errors) -> PageResult {
    let (park, building) = super::get_building(&s.store, &u.actor, id).await.map_err(u.fail())?;
    if !u.actor.can_edit_units(&park.as_ref()) {
        return Err(u.fail()(AppError::Forbidden));
    }
    let form = form.unwrap_or_else(|| building.to_form());
    let page = BuildingFormPage { ctx: u.ctx(), park, building, form, errors };
    Ok(render_status(page.errors.status(), &page))
}

pub async fn building_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    building_page(&s, &u, id, None, Errors::default()).await
}

pub async fn update_building(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<BuildingForm>,
) -> PageResult {
    match super::update_building(&s.store, &u.actor, id, &form).await {
        Ok(b) => Ok(done(&format!("/parks/{}#buildings", b.park_id), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            building_page(&s, &u, id, Some(form), Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

/// A form with nothing but its CSRF token (delete buttons, logout).
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Empty {}

pub async fn delete_building(State(s): State<AppState>, u: PageUser, Id(id): Id, _: CsrfForm<Empty>) -> PageResult {
    let (park, _) = super::get_building(&s.store, &u.actor, id).await.map_err(u.fail())?;
    match super::delete_building(&s.store, &u.actor, id).await {
        Ok(()) => Ok(done(&format!("/parks/{}#buildings", park.id), "deleted")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let errors = Errors::from_app(&e, u.tr());
            park_page(
                &s,
                &u.at(&format!("/parks/{}", park.id)),
                park.id,
                UnitQuery::default(),
                BuildingForm::default(),
                errors,
            )
            .await
        }
        Err(e) => Err(u.fail()(e)),
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

/// The unit form: a new unit of a park, or an existing unit; `form` None starts from the record.
async fn unit_page(
    s: &AppState,
    u: &PageUser,
    target: UnitTarget,
    form: Option<UnitForm>,
    errors: Errors,
) -> PageResult {
    let (park, unit_id, start) = match target {
        UnitTarget::New(park_id) => {
            let park = super::get(&s.store, &u.actor, park_id).await.map_err(u.fail())?;
            (park, None, UnitForm { space_type: "production".into(), ..Default::default() })
        }
        UnitTarget::Existing(id) => {
            let (park, unit) = super::get_unit(&s.store, &u.actor, id).await.map_err(u.fail())?;
            (park, Some(id), unit.to_form())
        }
    };
    if !u.actor.can_edit_units(&park.as_ref()) {
        return Err(u.fail()(AppError::Forbidden));
    }
    let buildings = s.store.list_buildings(park.id).await.map_err(|e| u.fail()(e.into()))?;
    let page = UnitFormPage { ctx: u.ctx(), park, unit_id, form: form.unwrap_or(start), buildings, errors };
    Ok(render_status(page.errors.status(), &page))
}

enum UnitTarget {
    New(i64),
    Existing(i64),
}

pub async fn new_unit_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    unit_page(&s, &u, UnitTarget::New(id), None, Errors::default()).await
}

pub async fn create_unit(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> PageResult {
    match super::create_unit(&s.store, &u.actor, id, &form).await {
        Ok(_) => Ok(done(&format!("/parks/{id}#units"), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            unit_page(&s, &u, UnitTarget::New(id), Some(form), Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn unit_form(State(s): State<AppState>, u: PageUser, Id(id): Id) -> PageResult {
    unit_page(&s, &u, UnitTarget::Existing(id), None, Errors::default()).await
}

pub async fn update_unit(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> PageResult {
    match super::update_unit(&s.store, &u.actor, id, &form).await {
        Ok(unit) => Ok(done(&format!("/parks/{}#units", unit.park_id), "saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            unit_page(&s, &u, UnitTarget::Existing(id), Some(form), Errors::from_app(&e, u.tr())).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

pub async fn delete_unit(State(s): State<AppState>, u: PageUser, Id(id): Id, _: CsrfForm<Empty>) -> PageResult {
    let (park, _) = super::get_unit(&s.store, &u.actor, id).await.map_err(u.fail())?;
    super::delete_unit(&s.store, &u.actor, id).await.map_err(u.fail())?;
    Ok(see_other(&format!("/parks/{}#units", park.id)))
}
