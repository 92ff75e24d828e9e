//! County settings kept as numbered versions of one JSON document (the per-mu evaluation's
//! method, the park grading's rubric): the latest is in force, version 0 is the defaults until
//! the county saves its own, and every save is a new version with its note and audit entry.

use crate::audit::{self, AuditCtx, json};
use crate::{Result, StoreError, col, now_ms, sql};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// Where a setting's versions live.
pub(crate) struct Table {
    pub name: &'static str,
    pub column: &'static str,
    /// The audit log's entity.
    pub entity: &'static str,
}

pub(crate) const METHODS: Table =
    Table { name: "evaluation_methods", column: "method_json", entity: "evaluation_method" };
pub(crate) const RUBRICS: Table = Table { name: "grading_rubrics", column: "rubric_json", entity: "grading_rubric" };

/// One version of a setting.
pub(crate) struct Version<T> {
    pub version: i64,
    pub value: T,
    pub note: String,
    pub created_at: i64,
    pub created_by: String,
}

/// Stored JSON that does not read back (written by this crate, so a bug or a hand edit).
pub(crate) fn bad_json(e: serde_json::Error) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(Box::new(e)))
}

fn from_row<T: DeserializeOwned>(t: &Table, r: &AnyRow) -> Result<Version<T>> {
    Ok(Version {
        version: col(r, "version")?,
        value: serde_json::from_str(&col::<String>(r, t.column)?).map_err(bad_json)?,
        note: col(r, "note")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
    })
}

fn select(t: &Table) -> String {
    format!("SELECT version, {}, note, created_at, created_by FROM {} ORDER BY version DESC", t.column, t.name)
}

/// The version in force (version 0: the defaults).
pub(crate) async fn latest<T: DeserializeOwned + Default>(conn: &mut AnyConnection, t: &Table) -> Result<Version<T>> {
    let row = sqlx::query(sql(format!("{} LIMIT 1", select(t)))).fetch_optional(&mut *conn).await?;
    match row {
        Some(r) => from_row(t, &r),
        None => Ok(Version {
            version: 0,
            value: T::default(),
            note: String::new(),
            created_at: 0,
            created_by: String::new(),
        }),
    }
}

/// Every saved version, newest first.
pub(crate) async fn all<T: DeserializeOwned>(conn: &mut AnyConnection, t: &Table) -> Result<Vec<Version<T>>> {
    sqlx::query(sql(select(t))).fetch_all(&mut *conn).await?.iter().map(|r| from_row(t, r)).collect()
}

/// Save a new version inside the caller's transaction, with its audit entry (before → after).
pub(crate) async fn save<T: Serialize + DeserializeOwned + Default + Clone>(
    conn: &mut AnyConnection,
    t: &Table,
    ctx: &AuditCtx,
    value: &T,
    note: &str,
) -> Result<Version<T>> {
    let before: Version<T> = latest(conn, t).await?;
    let version = before.version + 1;
    let at = now_ms();
    sqlx::query(sql(format!(
        "INSERT INTO {} (version, {}, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
        t.name, t.column
    )))
    .bind(version)
    .bind(serde_json::to_string(value).map_err(bad_json)?)
    .bind(note)
    .bind(at)
    .bind(&ctx.username)
    .execute(&mut *conn)
    .await?;
    audit::record(conn, ctx, "update", t.entity, Some(version), None, json(&before.value), json(value)).await?;
    Ok(Version { version, value: value.clone(), note: note.into(), created_at: at, created_by: ctx.username.clone() })
}
