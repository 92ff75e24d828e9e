//! Who holds each unit (owner, tenant) and everything that happened to it: sales by the
//! developer, leases, transfers and buy-backs, sublet take-backs and evictions. Each deal is
//! checked against the county's rules inside its transaction, after locking the park, so two
//! servers selling the same unit (or pushing the same park's average over its cap) cannot both
//! succeed.

use crate::audit::{self, AuditCtx, json};
use crate::settings::rules_in;
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{ParkAuthority, UnitDesk};
use weiyuan_domain::deals::{LeaseDraft, SaleDraft, TakeBackDraft, TransferDraft};
use weiyuan_domain::parks::{Park, SpaceType};
use weiyuan_domain::rules::{Check, Rules, all_passed};
use weiyuan_domain::sales::Sale;
use weiyuan_domain::units::Fixed2;

pub use weiyuan_domain::holdings::Holding;

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UnitEvent {
    pub id: i64,
    pub unit_id: i64,
    pub unit: String,
    /// sale, lease, lease_end, sublet_takeback, transfer, buyback, eviction
    pub kind: String,
    pub deal: String,
    pub party_id: Option<i64>,
    pub party: Option<String>,
    pub from_id: Option<i64>,
    pub from: Option<String>,
    /// 元/m² for sales and transfers, 元/m² per month for leases.
    pub price: Option<Fixed2>,
    pub on_date: String,
    pub note: String,
    pub checks: Vec<Check>,
    pub rules_version: i64,
    pub username: String,
    pub at_ms: i64,
}

const HOLDING: &str = "SELECT u.id, u.park_id, u.number, b.name AS building, u.floor, u.area_m2_x100, u.space_type, \
    u.owner_id, o.name AS owner, u.tenant_id, t.name AS tenant, u.purchased_on, u.deal, u.rent_x100, u.first_refusal \
    FROM units u JOIN buildings b ON b.id = u.building_id \
    LEFT JOIN enterprises o ON o.id = u.owner_id LEFT JOIN enterprises t ON t.id = u.tenant_id";

fn holding_from_row(r: &AnyRow) -> Result<Holding> {
    let space: String = col(r, "space_type")?;
    Ok(Holding {
        unit_id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        number: col(r, "number")?,
        building: col(r, "building")?,
        floor: col(r, "floor")?,
        area_m2: Fixed2(col(r, "area_m2_x100")?),
        space_type: SpaceType::parse(&space).unwrap_or(SpaceType::Production),
        owner_id: col(r, "owner_id")?,
        owner: col(r, "owner")?,
        tenant_id: col(r, "tenant_id")?,
        tenant: col(r, "tenant")?,
        purchased_on: col(r, "purchased_on")?,
        deal: col(r, "deal")?,
        rent_per_m2_month: col::<Option<i64>>(r, "rent_x100")?.map(Fixed2),
        first_refusal: col::<i64>(r, "first_refusal")? != 0,
    })
}

const EVENT: &str = "SELECT e.id, e.unit_id, u.number, ub.name AS building, e.kind, e.deal, e.party_id, p.name AS party, e.from_id, \
    f.name AS from_name, e.price_x100, e.on_date, e.note, e.checks_json, e.rules_version, e.username, e.at_ms \
    FROM unit_events e JOIN units u ON u.id = e.unit_id JOIN buildings ub ON ub.id = u.building_id \
    LEFT JOIN enterprises p ON p.id = e.party_id LEFT JOIN enterprises f ON f.id = e.from_id";

fn event_from_row(r: &AnyRow) -> Result<UnitEvent> {
    let checks: String = col(r, "checks_json")?;
    Ok(UnitEvent {
        id: col(r, "id")?,
        unit_id: col(r, "unit_id")?,
        unit: format!("{} {}", col::<String>(r, "building")?, col::<String>(r, "number")?),
        kind: col(r, "kind")?,
        deal: col(r, "deal")?,
        party_id: col(r, "party_id")?,
        party: col(r, "party")?,
        from_id: col(r, "from_id")?,
        from: col(r, "from_name")?,
        price: col::<Option<i64>>(r, "price_x100")?.map(Fixed2),
        on_date: col(r, "on_date")?,
        note: col(r, "note")?,
        checks: serde_json::from_str(&checks).unwrap_or_default(),
        rules_version: col(r, "rules_version")?,
        username: col(r, "username")?,
        at_ms: col(r, "at_ms")?,
    })
}

/// Take the park's row lock for the rest of the transaction: deals of one park queue here.
/// (SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL this is a row lock.)
pub(crate) async fn lock_park(conn: &mut AnyConnection, park_id: i64) -> Result<()> {
    let done =
        sqlx::query("UPDATE parks SET updated_at = updated_at WHERE id = $1").bind(park_id).execute(conn).await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

async fn holdings_in(conn: &mut AnyConnection, park_id: i64, ids: &[i64]) -> Result<Vec<Holding>> {
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let q = format!("{HOLDING} WHERE u.park_id = $1 AND u.id IN ({list}) ORDER BY u.id");
    let rows = sqlx::query(sql(q)).bind(park_id).fetch_all(conn).await?;
    rows.iter().map(holding_from_row).collect()
}

/// An enterprise admitted to (active in) this park.
async fn admitted(conn: &mut AnyConnection, park_id: i64, enterprise_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT park_id, status FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => col::<i64>(&r, "park_id")? == park_id && col::<String>(&r, "status")? == "active",
        None => false,
    })
}

fn deal_id(prefix: &str) -> String {
    format!("{prefix}-{}", now_ms())
}

/// What one unit event records besides the unit, the dates and the checks.
struct Event<'a> {
    kind: &'a str,
    deal: &'a str,
    party: Option<i64>,
    from: Option<i64>,
    price: Option<Fixed2>,
}

async fn event(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    u: &Holding,
    e: &Event<'_>,
    (on_date, note): (&str, &str),
    checks: &[Check],
    rules_version: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO unit_events (unit_id, park_id, kind, deal, party_id, from_id, price_x100, on_date, note, checks_json, \
         rules_version, username, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(u.unit_id)
    .bind(u.park_id)
    .bind(e.kind)
    .bind(e.deal)
    .bind(e.party)
    .bind(e.from)
    .bind(e.price.map(|p| p.0))
    .bind(on_date)
    .bind(note)
    .bind(serde_json::to_string(checks).unwrap_or_else(|_| "[]".into()))
    .bind(rules_version)
    .bind(&ctx.username)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The outcome of a registered deal: its id and the checks it passed.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DealDone {
    pub deal: String,
    pub checks: Vec<Check>,
    pub rules_version: i64,
}

impl Store {
    pub async fn holdings(&self, park_id: i64) -> Result<Vec<Holding>> {
        let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.park_id = $1 ORDER BY b.id, u.floor, u.number")))
            .bind(park_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(holding_from_row).collect()
    }

    pub async fn holding(&self, unit_id: i64) -> Result<Holding> {
        let row = sqlx::query(sql(format!("{HOLDING} WHERE u.id = $1")))
            .bind(unit_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        holding_from_row(&row)
    }

    /// Units an enterprise owns or rents.
    pub async fn holdings_of(&self, enterprise_id: i64) -> Result<Vec<Holding>> {
        held_by_in(&mut *self.pool.acquire().await?, enterprise_id).await
    }

    /// A unit's history, oldest first.
    pub async fn unit_history(&self, unit_id: i64) -> Result<Vec<UnitEvent>> {
        let rows = sqlx::query(sql(format!("{EVENT} WHERE e.unit_id = $1 ORDER BY e.id")))
            .bind(unit_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// A park's deals, newest first.
    pub async fn park_deals(&self, park_id: i64, limit: i64) -> Result<Vec<UnitEvent>> {
        let rows = sqlx::query(sql(format!("{EVENT} WHERE e.park_id = $1 ORDER BY e.id DESC LIMIT $2")))
            .bind(park_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The park's registered first sales (for the average price caps).
    pub async fn park_sales(&self, park_id: i64) -> Result<Vec<Sale>> {
        park_sales(&mut *self.pool.acquire().await?, park_id).await
    }
}

/// A deal's transaction in one park (sales, leases, transfers, take-backs): opened with the
/// park's row locked, so deals of one park queue here and two servers cannot sell one unit
/// twice or both push the average over its cap. The use case loads what the rules read
/// through it, asks `weiyuan_domain::deals` to decide, and writes; a write needs the
/// capability for this park and refuses checks that did not all pass. Dropped without a write,
/// it rolls back.
pub struct DealTx {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    park: Park,
}

impl Store {
    /// Open a deal's transaction on a park: lock it and read it.
    pub async fn begin_deal(&self, park_id: i64) -> Result<DealTx> {
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, park_id).await?;
        let park = crate::parks::select_park(&mut tx, park_id).await?;
        Ok(DealTx { tx, park })
    }
}

impl DealTx {
    pub fn park(&self) -> &Park {
        &self.park
    }

    /// The county's rules in force.
    pub async fn rules(&mut self) -> Result<Rules> {
        rules_in(&mut self.tx).await
    }

    /// The units asked for that are this park's, as they are now.
    pub async fn units(&mut self, ids: &[i64]) -> Result<Vec<Holding>> {
        holdings_in(&mut self.tx, self.park.id, ids).await
    }

    /// The park's units a tenant rents.
    pub async fn rented_by(&mut self, tenant_id: i64) -> Result<Vec<Holding>> {
        let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.park_id = $1 AND u.tenant_id = $2 ORDER BY u.id")))
            .bind(self.park.id)
            .bind(tenant_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(holding_from_row).collect()
    }

    /// An enterprise admitted to (active in) this park.
    pub async fn is_admitted(&mut self, enterprise_id: i64) -> Result<bool> {
        admitted(&mut self.tx, self.park.id, enterprise_id).await
    }

    /// The park's registered first sales (for the average price caps).
    pub async fn registered_sales(&mut self) -> Result<Vec<Sale>> {
        park_sales(&mut self.tx, self.park.id).await
    }

    /// The units of these purchases (deal ids) that the owner still holds.
    pub async fn purchase_units(&mut self, owner_id: i64, deals: &[String]) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        for deal in deals {
            let rows = sqlx::query("SELECT id FROM units WHERE deal = $1 AND owner_id = $2")
                .bind(deal)
                .bind(owner_id)
                .fetch_all(&mut *self.tx)
                .await?;
            for r in rows {
                ids.push(col::<i64>(&r, "id")?);
            }
        }
        Ok(ids)
    }

    /// An enterprise's industry code ("" when there is none).
    pub async fn industry_of(&mut self, enterprise_id: i64) -> Result<String> {
        let row = sqlx::query("SELECT industry_code FROM enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row.and_then(|r| col::<String>(&r, "industry_code").ok()).unwrap_or_default())
    }

    /// The deal's audit entry, the commit, and what the caller hears.
    async fn finish(
        mut self,
        ctx: &AuditCtx,
        action: &str,
        after: Option<serde_json::Value>,
        deal: String,
        (checks, rules_version): (&[Check], i64),
    ) -> Result<DealDone> {
        let park_id = self.park.id;
        audit::record(&mut self.tx, ctx, action, "units", None, Some(park_id), None, after).await?;
        self.tx.commit().await?;
        Ok(DealDone { deal, checks: checks.to_vec(), rules_version })
    }

    /// The capability was granted for this park, and the decision passed.
    fn may_write(&self, park_id: i64, checks: &[Check]) -> Result<()> {
        if park_id != self.park.id {
            return Err(StoreError::NotFound);
        }
        if !all_passed(checks) {
            return Err(StoreError::Refused(checks.to_vec()));
        }
        Ok(())
    }

    /// Register a decided sale of developer-held units.
    pub async fn sell(
        mut self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &SaleDraft,
        units: &[Holding],
        decided: (&[Check], i64),
    ) -> Result<DealDone> {
        let (checks, rules_version) = decided;
        self.may_write(desk.park_id(), checks)?;
        let deal = deal_id("S");
        for u in units {
            let done = sqlx::query(
                "UPDATE units SET owner_id = $1, purchased_on = $2, deal = $3, first_refusal = 0 \
                 WHERE id = $4 AND owner_id IS NULL",
            )
            .bind(d.buyer_id)
            .bind(&d.on_date)
            .bind(&deal)
            .bind(u.unit_id)
            .execute(&mut *self.tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("unit_ids"));
            }
            let price = weiyuan_domain::deals::sale_price(d, u.space_type);
            let e = Event { kind: "sale", deal: &deal, party: Some(d.buyer_id), from: None, price };
            event(&mut self.tx, ctx, u, &e, (&d.on_date, &d.note), checks, rules_version).await?;
        }
        let after = json(&(d, &deal));
        self.finish(ctx, "sell", after, deal, (checks, rules_version)).await
    }

    /// Register a decided lease; the park's authority registering it is the township's approval.
    pub async fn lease(
        mut self,
        authority: &ParkAuthority,
        ctx: &AuditCtx,
        d: &LeaseDraft,
        units: &[Holding],
        decided: (&[Check], i64),
    ) -> Result<DealDone> {
        let (checks, rules_version) = decided;
        self.may_write(authority.park_id(), checks)?;
        let owner = units.first().and_then(|u| u.owner_id);
        let deal = deal_id("L");
        for u in units {
            sqlx::query("UPDATE units SET tenant_id = $1, rent_x100 = $2 WHERE id = $3")
                .bind(d.tenant_id)
                .bind(d.rent_per_m2_month.0)
                .bind(u.unit_id)
                .execute(&mut *self.tx)
                .await?;
            let e = Event {
                kind: "lease",
                deal: &deal,
                party: Some(d.tenant_id),
                from: owner,
                price: Some(d.rent_per_m2_month),
            };
            event(&mut self.tx, ctx, u, &e, (&d.on_date, &d.note), checks, rules_version).await?;
        }
        let after = json(&(d, &deal));
        self.finish(ctx, "lease", after, deal, (checks, rules_version)).await
    }

    /// Register a decided end of a tenant's leases (`lease_end`) or take-back of a sublet
    /// tenant's whole leased area (`sublet_takeback`); `units` are those it rents.
    pub async fn take_back(
        mut self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &TakeBackDraft,
        units: &[Holding],
        decided: (&[Check], i64),
    ) -> Result<DealDone> {
        let (checks, rules_version) = decided;
        self.may_write(desk.park_id(), checks)?;
        let deal = deal_id("T");
        for u in units {
            sqlx::query("UPDATE units SET tenant_id = NULL, rent_x100 = NULL WHERE id = $1")
                .bind(u.unit_id)
                .execute(&mut *self.tx)
                .await?;
            let e = Event { kind: d.kind, deal: &deal, party: u.owner_id, from: Some(d.tenant_id), price: None };
            event(&mut self.tx, ctx, u, &e, (&d.on_date, &d.note), checks, rules_version).await?;
        }
        let after = json(&(d, &deal, units.len()));
        self.finish(ctx, d.kind, after, deal, (checks, rules_version)).await
    }

    /// Register a decided transfer: back to the developer (buy-back) or to another enterprise.
    pub async fn transfer(
        mut self,
        desk: &UnitDesk,
        ctx: &AuditCtx,
        d: &TransferDraft,
        units: &[Holding],
        decided: (&[Check], i64),
    ) -> Result<DealDone> {
        let (checks, rules_version) = decided;
        self.may_write(desk.park_id(), checks)?;
        let owner = units.first().and_then(|u| u.owner_id);
        let (deal, kind) = match d.to_id {
            Some(_) => (deal_id("X"), "transfer"),
            None => (deal_id("B"), "buyback"),
        };
        for u in units {
            match d.to_id {
                Some(to) => {
                    sqlx::query(
                        "UPDATE units SET owner_id = $1, purchased_on = $2, deal = $3, first_refusal = 0 WHERE id = $4",
                    )
                    .bind(to)
                    .bind(&d.on_date)
                    .bind(&deal)
                    .bind(u.unit_id)
                    .execute(&mut *self.tx)
                    .await?
                }
                None => {
                    sqlx::query(
                        "UPDATE units SET owner_id = NULL, purchased_on = NULL, deal = NULL, first_refusal = 0 WHERE id = $1",
                    )
                    .bind(u.unit_id)
                    .execute(&mut *self.tx)
                    .await?
                }
            };
            let e = Event { kind, deal: &deal, party: d.to_id, from: owner, price: d.price_per_m2 };
            event(&mut self.tx, ctx, u, &e, (&d.on_date, &d.note), checks, rules_version).await?;
        }
        let after = json(&(d, &deal));
        self.finish(ctx, kind, after, deal, (checks, rules_version)).await
    }
}

async fn park_sales(conn: &mut AnyConnection, park_id: i64) -> Result<Vec<Sale>> {
    let rows = sqlx::query(
        "SELECT u.space_type, u.area_m2_x100, e.price_x100 FROM unit_events e JOIN units u ON u.id = e.unit_id \
         WHERE e.park_id = $1 AND e.kind = 'sale'",
    )
    .bind(park_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let space: String = col(r, "space_type")?;
            Ok(Sale {
                space: SpaceType::parse(&space).unwrap_or(SpaceType::Production),
                area_m2: Fixed2(col(r, "area_m2_x100")?),
                price_per_m2: Fixed2(col::<Option<i64>>(r, "price_x100")?.unwrap_or(0)),
            })
        })
        .collect()
}

/// Evicting an enterprise: its leases end at once; the units it owns stay its own until the
/// developer buys them back or, having declined, lets them go to an admitted enterprise.
pub(crate) async fn evict_holdings(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    enterprise_id: i64,
    on_date: &str,
    reason: &str,
    rules_version: i64,
) -> Result<usize> {
    let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.owner_id = $1 OR u.tenant_id = $1 ORDER BY u.id")))
        .bind(enterprise_id)
        .fetch_all(&mut *conn)
        .await?;
    let units: Vec<Holding> = rows.iter().map(holding_from_row).collect::<Result<_>>()?;
    let deal = deal_id("E");
    for u in &units {
        if u.tenant_id == Some(enterprise_id) {
            sqlx::query("UPDATE units SET tenant_id = NULL, rent_x100 = NULL WHERE id = $1")
                .bind(u.unit_id)
                .execute(&mut *conn)
                .await?;
        } else {
            sqlx::query("UPDATE units SET first_refusal = 1 WHERE id = $1").bind(u.unit_id).execute(&mut *conn).await?;
        }
        let e = Event { kind: "eviction", deal: &deal, party: u.owner_id, from: Some(enterprise_id), price: None };
        event(conn, ctx, u, &e, (on_date, reason), &[], rules_version).await?;
    }
    Ok(units.len())
}

/// The units an enterprise owns or rents, on a connection or in a transaction.
pub(crate) async fn held_by_in(conn: &mut AnyConnection, enterprise_id: i64) -> Result<Vec<Holding>> {
    let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.owner_id = $1 OR u.tenant_id = $1 ORDER BY u.id")))
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(holding_from_row).collect()
}
