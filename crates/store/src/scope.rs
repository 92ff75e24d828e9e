//! Ids that arrive in a request body (a device's building, unit or enterprise, …) are resolved
//! within the park the write is about, inside the write's transaction: a record of another park
//! is refused exactly as one that does not exist (`StoreError::OutOfScope`, naming the field),
//! so no caller can bind its records to another park's, and nothing tells it whether the id
//! exists elsewhere.

use crate::{Result, StoreError, col};
use sqlx::AnyConnection;

/// A reference from a body: its field and the id given (None: not given).
pub(crate) type BodyRef = (&'static str, Option<i64>);

/// Every given id is a record of this park: `building_id`, `unit_id` (also in the given
/// building, when one is given) or `enterprise_id`.
pub(crate) async fn in_park(conn: &mut AnyConnection, park_id: i64, refs: &[BodyRef]) -> Result<()> {
    let building = refs.iter().find(|(f, _)| *f == "building_id").and_then(|(_, id)| *id);
    for (field, id) in refs {
        let Some(id) = id else { continue };
        let sql = match *field {
            "building_id" => "SELECT park_id, id AS building_id FROM buildings WHERE id = $1",
            "unit_id" => "SELECT park_id, building_id FROM units WHERE id = $1",
            "enterprise_id" => "SELECT park_id, 0 AS building_id FROM enterprises WHERE id = $1",
            other => unreachable!("no scope rule for {other}"),
        };
        let row = sqlx::query(sql).bind(*id).fetch_optional(&mut *conn).await?;
        let ok = match row {
            Some(r) => {
                col::<i64>(&r, "park_id")? == park_id
                    && (*field != "unit_id" || building.is_none_or(|b| col::<i64>(&r, "building_id").ok() == Some(b)))
            }
            None => false,
        };
        if !ok {
            return Err(StoreError::OutOfScope(field));
        }
    }
    Ok(())
}
