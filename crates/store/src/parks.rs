//! Parks, buildings and units.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::Fixed2;
use weiyuan_domain::access::{ParkAuthority, ParkScope, Registry, UnitDesk};
use weiyuan_domain::parks::{
    Building, BuildingDraft, DevelopmentModel, Park, ParkDraft, ParkStatus, ParkType, SpaceType, Unit, UnitDraft,
};

const PARK_COLUMNS: &str = "id, code, name, township_code, status, land_mu_x100, building_area_m2_x100, \
    leading_industries, enterprise_count, development_model, park_type, progress_note, lat, lon, created_at, updated_at";

fn bad_code(what: &str, code: String) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(format!("unknown {what} code {code:?} in database").into()))
}

fn park_from_row(r: &AnyRow) -> Result<Park> {
    let status: String = col(r, "status")?;
    let model: String = col(r, "development_model")?;
    let park_type: String = col(r, "park_type")?;
    Ok(Park {
        id: col(r, "id")?,
        code: col(r, "code")?,
        name: col(r, "name")?,
        township_code: col(r, "township_code")?,
        status: ParkStatus::parse(&status).ok_or_else(|| bad_code("status", status))?,
        land_mu: Fixed2(col(r, "land_mu_x100")?),
        building_area_m2: Fixed2(col(r, "building_area_m2_x100")?),
        leading_industries: col(r, "leading_industries")?,
        enterprise_count: col(r, "enterprise_count")?,
        development_model: DevelopmentModel::parse(&model).ok_or_else(|| bad_code("development model", model))?,
        park_type: ParkType::parse(&park_type).ok_or_else(|| bad_code("park type", park_type))?,
        progress_note: col(r, "progress_note")?,
        lat: col(r, "lat")?,
        lon: col(r, "lon")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

fn building_from_row(r: &AnyRow) -> Result<Building> {
    Ok(Building {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        name: col(r, "name")?,
        floors: col(r, "floors")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

fn unit_from_row(r: &AnyRow) -> Result<Unit> {
    let space: String = col(r, "space_type")?;
    Ok(Unit {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        building_id: col(r, "building_id")?,
        floor: col(r, "floor")?,
        number: col(r, "number")?,
        area_m2: Fixed2(col(r, "area_m2_x100")?),
        space_type: SpaceType::parse(&space).ok_or_else(|| bad_code("space type", space))?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

const UNIT_COLUMNS: &str = "id, park_id, building_id, floor, number, area_m2_x100, space_type, generated";

impl Store {
    /// The parks a scope can see, in code order.
    pub async fn list_parks(&self, scope: &ParkScope) -> Result<Vec<Park>> {
        let base = format!("SELECT {PARK_COLUMNS} FROM parks");
        let rows = match scope {
            ParkScope::All => sqlx::query(sql(format!("{base} ORDER BY code"))).fetch_all(&self.pool).await?,
            ParkScope::Township(t) => {
                sqlx::query(sql(format!("{base} WHERE township_code = $1 ORDER BY code")))
                    .bind(t.as_str())
                    .fetch_all(&self.pool)
                    .await?
            }
            ParkScope::Park(id) => {
                sqlx::query(sql(format!("{base} WHERE id = $1"))).bind(*id).fetch_all(&self.pool).await?
            }
            ParkScope::None => Vec::new(),
        };
        rows.iter().map(park_from_row).collect()
    }

    pub async fn get_park(&self, id: i64) -> Result<Park> {
        select_park(&mut *self.pool.acquire().await?, id).await
    }

    pub async fn find_park_by_code(&self, code: &str) -> Result<Option<Park>> {
        let row = sqlx::query(sql(format!("SELECT {PARK_COLUMNS} FROM parks WHERE code = $1")))
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(park_from_row).transpose()
    }

    pub async fn find_park_by_name(&self, name: &str) -> Result<Option<Park>> {
        let row = sqlx::query(sql(format!("SELECT {PARK_COLUMNS} FROM parks WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(park_from_row).transpose()
    }

    /// Register a park. `code` is the stable registry code; None assigns the next `P0001`-style code.
    pub async fn create_park(&self, _by: &Registry, ctx: &AuditCtx, code: Option<&str>, d: &ParkDraft) -> Result<Park> {
        let mut tx = self.write_tx().await?;
        let park = insert_park(&mut tx, ctx, code, d).await?;
        tx.commit().await?;
        Ok(park)
    }

    /// Edit the park `who` was granted for. Moving it to another township also takes the
    /// county's `Registry`; without it such a change is refused on `township_code`.
    pub async fn update_park(
        &self,
        who: &ParkAuthority,
        mover: Option<&Registry>,
        ctx: &AuditCtx,
        d: &ParkDraft,
    ) -> Result<Park> {
        let mut tx = self.write_tx().await?;
        let before = select_park(&mut tx, who.park_id()).await?;
        if before.township_code != d.township_code && mover.is_none() {
            return Err(StoreError::Conflict("township_code"));
        }
        let park = update_park_in(&mut tx, ctx, who.park_id(), d).await?;
        tx.commit().await?;
        Ok(park)
    }

    pub async fn list_buildings(&self, park_id: i64) -> Result<Vec<Building>> {
        let rows =
            sqlx::query("SELECT id, park_id, name, floors, generated FROM buildings WHERE park_id = $1 ORDER BY id")
                .bind(park_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(building_from_row).collect()
    }

    pub async fn get_building(&self, id: i64) -> Result<Building> {
        let row = sqlx::query("SELECT id, park_id, name, floors, generated FROM buildings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        building_from_row(&row)
    }

    /// Add a building to the park `desk` was granted for.
    pub async fn create_building(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &BuildingDraft,
        generated: bool,
    ) -> Result<Building> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO buildings (park_id, name, floors, generated) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(park_id)
        .bind(&d.name)
        .bind(d.floors)
        .bind(generated as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        let b = Building { id: col(&row, "id")?, park_id, name: d.name.clone(), floors: d.floors, generated };
        audit::record(&mut tx, ctx, "create", "building", Some(b.id), Some(park_id), None, json(&b)).await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Rename a building or change its floor count; refused when units sit above the new top floor.
    pub async fn update_building(
        &self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        id: i64,
        d: &BuildingDraft,
    ) -> Result<Building> {
        let mut tx = self.write_tx().await?;
        let before = building_of(&mut tx, desk, id).await?;
        let above =
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM units WHERE building_id = $1 AND floor > $2")
                .bind(id)
                .bind(d.floors)
                .fetch_one(&mut *tx)
                .await?;
        if col::<i64>(&above, "n")? > 0 {
            return Err(StoreError::Conflict("floors"));
        }
        sqlx::query("UPDATE buildings SET name = $1, floors = $2 WHERE id = $3")
            .bind(&d.name)
            .bind(d.floors)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "name"))?;
        let after = Building { name: d.name.clone(), floors: d.floors, ..before.clone() };
        audit::record(&mut tx, ctx, "update", "building", Some(id), Some(before.park_id), json(&before), json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Delete an empty building; refused while it has units.
    pub async fn delete_building(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = building_of(&mut tx, desk, id).await?;
        let n = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM units WHERE building_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if col::<i64>(&n, "n")? > 0 {
            return Err(StoreError::Conflict("units"));
        }
        sqlx::query("DELETE FROM buildings WHERE id = $1").bind(id).execute(&mut *tx).await?;
        audit::record(&mut tx, ctx, "delete", "building", Some(id), Some(before.park_id), json(&before), None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_units(&self, park_id: i64) -> Result<Vec<Unit>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE park_id = $1 ORDER BY building_id, floor, number"
        )))
        .bind(park_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// A page of a park's units, by building, floor and number, and how many there are.
    pub async fn units_page(&self, park_id: i64, limit: i64, offset: i64) -> Result<(Vec<Unit>, i64)> {
        let n = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM units WHERE park_id = $1")
            .bind(park_id)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(sql(format!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE park_id = $1 ORDER BY building_id, floor, number, id \
             LIMIT {limit} OFFSET {offset}"
        )))
        .bind(park_id)
        .fetch_all(&self.pool)
        .await?;
        Ok((rows.iter().map(unit_from_row).collect::<Result<_>>()?, col(&n, "n")?))
    }

    pub async fn get_unit(&self, id: i64) -> Result<Unit> {
        let row = sqlx::query(sql(format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        unit_from_row(&row)
    }

    /// Add a unit to a building of the park `desk` was granted for.
    pub async fn create_unit(&self, desk: &UnitDesk, ctx: &AuditCtx, d: &UnitDraft, generated: bool) -> Result<Unit> {
        let park_id = desk.park_id();
        let mut tx = self.write_tx().await?;
        building_of(&mut tx, desk, d.building_id).await.map_err(|_| StoreError::Conflict("building_id"))?;
        let row = sqlx::query(
            "INSERT INTO units (park_id, building_id, floor, number, area_m2_x100, space_type, generated) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(park_id)
        .bind(d.building_id)
        .bind(d.floor)
        .bind(&d.number)
        .bind(d.area_m2.0)
        .bind(d.space_type.code())
        .bind(generated as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "number"))?;
        let u = Unit {
            id: col(&row, "id")?,
            park_id,
            building_id: d.building_id,
            floor: d.floor,
            number: d.number.clone(),
            area_m2: d.area_m2,
            space_type: d.space_type,
            generated,
        };
        audit::record(&mut tx, ctx, "create", "unit", Some(u.id), Some(park_id), None, json(&u)).await?;
        tx.commit().await?;
        Ok(u)
    }

    pub async fn update_unit(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64, d: &UnitDraft) -> Result<Unit> {
        let mut tx = self.write_tx().await?;
        let before = unit_of(&mut tx, desk, id).await?;
        building_of(&mut tx, desk, d.building_id).await.map_err(|_| StoreError::Conflict("building_id"))?;
        sqlx::query(
            "UPDATE units SET building_id = $1, floor = $2, number = $3, area_m2_x100 = $4, space_type = $5 WHERE id = $6",
        )
        .bind(d.building_id)
        .bind(d.floor)
        .bind(&d.number)
        .bind(d.area_m2.0)
        .bind(d.space_type.code())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "number"))?;
        let after = Unit {
            building_id: d.building_id,
            floor: d.floor,
            number: d.number.clone(),
            area_m2: d.area_m2,
            space_type: d.space_type,
            ..before.clone()
        };
        audit::record(&mut tx, ctx, "update", "unit", Some(id), Some(before.park_id), json(&before), json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_unit(&self, desk: &UnitDesk, ctx: &AuditCtx, id: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = unit_of(&mut tx, desk, id).await?;
        // A unit that was ever sold, let or drawn keeps its history: it cannot go.
        let history = sqlx::query("SELECT id FROM unit_events WHERE unit_id = $1 LIMIT 1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if history.is_some() {
            return Err(StoreError::Conflict("history"));
        }
        sqlx::query("DELETE FROM units WHERE id = $1").bind(id).execute(&mut *tx).await?;
        audit::record(&mut tx, ctx, "delete", "unit", Some(id), Some(before.park_id), json(&before), None).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn select_park(conn: &mut AnyConnection, id: i64) -> Result<Park> {
    let row = sqlx::query(sql(format!("SELECT {PARK_COLUMNS} FROM parks WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    park_from_row(&row)
}

/// A building of the park `desk` was granted for, read in the write's transaction; one of
/// another park is not found.
async fn building_of(conn: &mut AnyConnection, desk: &UnitDesk, id: i64) -> Result<Building> {
    let row = sqlx::query("SELECT id, park_id, name, floors, generated FROM buildings WHERE id = $1 AND park_id = $2")
        .bind(id)
        .bind(desk.park_id())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    building_from_row(&row)
}

/// A unit of the park `desk` was granted for, read in the write's transaction.
async fn unit_of(conn: &mut AnyConnection, desk: &UnitDesk, id: i64) -> Result<Unit> {
    let row = sqlx::query(sql(format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1 AND park_id = $2")))
        .bind(id)
        .bind(desk.park_id())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    unit_from_row(&row)
}

/// Insert a park inside the caller's transaction, with its audit entry.
pub(crate) async fn insert_park(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    code: Option<&str>,
    d: &ParkDraft,
) -> Result<Park> {
    let code = match code {
        Some(c) => c.to_string(),
        None => {
            let row = sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) AS n FROM parks")
                .fetch_one(&mut *conn)
                .await?;
            format!("P{:04}", col::<i64>(&row, "n")?)
        }
    };
    let now = now_ms();
    let q = sqlx::query(
        "INSERT INTO parks (code, name, township_code, status, land_mu_x100, building_area_m2_x100, leading_industries, \
         enterprise_count, development_model, park_type, progress_note, lat, lon, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
    )
    .bind(&code);
    let row = bind_draft(q, d).bind(now).fetch_one(&mut *conn).await.map_err(|e| StoreError::unique_as(e, "name"))?;
    let id: i64 = col(&row, "id")?;
    let park = select_park(conn, id).await?;
    audit::record(conn, ctx, "create", "park", Some(id), Some(id), None, json(&park)).await?;
    Ok(park)
}

/// Update a park inside the caller's transaction, with its audit entry.
pub(crate) async fn update_park_in(conn: &mut AnyConnection, ctx: &AuditCtx, id: i64, d: &ParkDraft) -> Result<Park> {
    let before = select_park(conn, id).await?;
    let q = sqlx::query(
        "UPDATE parks SET name = $1, township_code = $2, status = $3, land_mu_x100 = $4, building_area_m2_x100 = $5, \
         leading_industries = $6, enterprise_count = $7, development_model = $8, park_type = $9, progress_note = $10, \
         lat = $11, lon = $12, updated_at = $13 WHERE id = $14",
    );
    bind_draft(q, d).bind(now_ms()).bind(id).execute(&mut *conn).await.map_err(|e| StoreError::unique_as(e, "name"))?;
    let after = select_park(conn, id).await?;
    audit::record(conn, ctx, "update", "park", Some(id), Some(id), json(&before), json(&after)).await?;
    Ok(after)
}

/// Bind a draft's twelve figures, in the column order INSERT and UPDATE share.
fn bind_draft<'q>(q: AnyQuery<'q>, d: &'q ParkDraft) -> AnyQuery<'q> {
    q.bind(&d.name)
        .bind(&d.township_code)
        .bind(d.status.code())
        .bind(d.land_mu.0)
        .bind(d.building_area_m2.0)
        .bind(&d.leading_industries)
        .bind(d.enterprise_count)
        .bind(d.development_model.code())
        .bind(d.park_type.code())
        .bind(&d.progress_note)
        .bind(d.lat)
        .bind(d.lon)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;
