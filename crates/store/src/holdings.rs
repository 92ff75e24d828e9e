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
use weiyuan_domain::deals::{LeaseDraft, SaleDraft, TakeBackDraft, TransferDraft};
use weiyuan_domain::parks::SpaceType;
use weiyuan_domain::rules::{Check, all_passed};
use weiyuan_domain::sales::{self, Sale, days_between_dates};
use weiyuan_domain::units::Fixed2;

/// A unit with its current holder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Holding {
    pub unit_id: i64,
    pub park_id: i64,
    pub number: String,
    pub building: String,
    pub floor: i64,
    pub area_m2: Fixed2,
    pub space_type: SpaceType,
    /// None: the developer still holds it.
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub tenant_id: Option<i64>,
    pub tenant: Option<String>,
    pub purchased_on: Option<String>,
    pub deal: Option<String>,
    pub rent_per_m2_month: Option<Fixed2>,
    /// The owner was evicted: the developer has the first right to buy the unit back.
    pub first_refusal: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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

impl Holding {
    /// How people name a unit: its building and number ("1号厂房 202").
    pub fn label(&self) -> String {
        format!("{} {}", self.building, self.number)
    }
}

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

/// Every id asked for is a unit of this park.
fn all_found(ids: &[i64], units: &[Holding]) -> Check {
    let missing: Vec<String> =
        ids.iter().filter(|id| !units.iter().any(|u| u.unit_id == **id)).map(|id| id.to_string()).collect();
    Check::new("deal.units_in_park", missing.is_empty()).with("units", missing.join("、"))
}

fn deal_id(prefix: &str) -> String {
    format!("{prefix}-{}", now_ms())
}

#[allow(clippy::too_many_arguments)]
async fn event(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    u: &Holding,
    kind: &str,
    deal: &str,
    party: Option<i64>,
    from: Option<i64>,
    price: Option<Fixed2>,
    on_date: &str,
    note: &str,
    checks: &[Check],
    rules_version: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO unit_events (unit_id, park_id, kind, deal, party_id, from_id, price_x100, on_date, note, checks_json, \
         rules_version, username, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(u.unit_id)
    .bind(u.park_id)
    .bind(kind)
    .bind(deal)
    .bind(party)
    .bind(from)
    .bind(price.map(|p| p.0))
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
        let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.owner_id = $1 OR u.tenant_id = $1 ORDER BY u.id")))
            .bind(enterprise_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(holding_from_row).collect()
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

    /// Sell developer-held units to an admitted enterprise. Refused whole, with every check and
    /// its numbers, when any rule fails; nothing is written then.
    pub async fn sell(&self, ctx: &AuditCtx, park_id: i64, d: &SaleDraft) -> Result<DealDone> {
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, park_id).await?;
        let rules = rules_in(&mut tx).await?;
        let units = holdings_in(&mut tx, park_id, &d.unit_ids).await?;
        let mut checks = vec![
            all_found(&d.unit_ids, &units),
            Check::new("sale.buyer_admitted", admitted(&mut tx, park_id, d.buyer_id).await?).with("buyer", d.buyer_id),
        ];
        let mut registered = park_sales(&mut tx, park_id).await?;
        for u in &units {
            checks.push(
                Check::new("sale.unit_available", u.owner_id.is_none())
                    .with("unit", u.label())
                    .with("owner", u.owner.clone().unwrap_or_default()),
            );
            let price = match u.space_type {
                SpaceType::Production => d.price_production,
                SpaceType::NonProduction => d.price_non_production,
            };
            let Some(price) = price else {
                checks.push(Check::new("sale.price_missing", false).with("unit", u.label()));
                continue;
            };
            let sale = Sale { space: u.space_type, area_m2: u.area_m2, price_per_m2: price };
            checks.extend(sales::check_sale(&rules, &registered, sale).into_iter().map(|c| c.with("unit", u.label())));
            registered.push(sale);
        }
        if !all_passed(&checks) {
            return Err(StoreError::Refused(checks));
        }
        let deal = deal_id("S");
        for u in &units {
            let price = match u.space_type {
                SpaceType::Production => d.price_production,
                SpaceType::NonProduction => d.price_non_production,
            };
            let done = sqlx::query(
                "UPDATE units SET owner_id = $1, purchased_on = $2, deal = $3, first_refusal = 0 \
                 WHERE id = $4 AND owner_id IS NULL",
            )
            .bind(d.buyer_id)
            .bind(&d.on_date)
            .bind(&deal)
            .bind(u.unit_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("unit_ids"));
            }
            event(
                &mut tx,
                ctx,
                u,
                "sale",
                &deal,
                Some(d.buyer_id),
                None,
                price,
                &d.on_date,
                &d.note,
                &checks,
                rules.version,
            )
            .await?;
        }
        audit::record(&mut tx, ctx, "sell", "units", None, Some(park_id), None, json(&(d, &deal))).await?;
        tx.commit().await?;
        Ok(DealDone { deal, checks, rules_version: rules.version })
    }

    /// Register a lease of an owner's units. The caller judged whether `owner` meets its
    /// admission targets (its latest figures) and whether the township approves (its role); the
    /// lease is refused if the units' owner is not that owner any more.
    pub async fn lease(
        &self,
        ctx: &AuditCtx,
        park_id: i64,
        d: &LeaseDraft,
        (expected_owner, owner_meets_targets): (i64, bool),
        township_approved: bool,
    ) -> Result<DealDone> {
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, park_id).await?;
        let rules = rules_in(&mut tx).await?;
        let units = holdings_in(&mut tx, park_id, &d.unit_ids).await?;
        let owner = units.first().and_then(|u| u.owner_id);
        let industry = |id: Option<i64>| async move {
            match id {
                Some(id) => sqlx::query("SELECT industry_code FROM enterprises WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map(|r| r.and_then(|r| col::<String>(&r, "industry_code").ok()).unwrap_or_default()),
                None => Ok(String::new()),
            }
        };
        let (owner_industry, tenant_industry) = (industry(owner).await?, industry(Some(d.tenant_id)).await?);
        let mut checks = vec![
            all_found(&d.unit_ids, &units),
            Check::new(
                "lease.tenant_admitted",
                Some(d.tenant_id) != owner && admitted(&mut tx, park_id, d.tenant_id).await?,
            )
            .with("tenant", d.tenant_id),
        ];
        for u in &units {
            checks.push(
                Check::new("lease.unit_owned", u.owner_id.is_some() && u.owner_id == owner && u.tenant_id.is_none())
                    .with("unit", u.label()),
            );
            checks.extend(
                sales::check_lease(
                    &rules,
                    u.space_type,
                    d.rent_per_m2_month,
                    owner == Some(expected_owner) && owner_meets_targets,
                    &owner_industry,
                    &tenant_industry,
                    township_approved,
                )
                .into_iter()
                .map(|c| c.with("unit", u.label())),
            );
        }
        if !all_passed(&checks) {
            return Err(StoreError::Refused(checks));
        }
        let deal = deal_id("L");
        for u in &units {
            sqlx::query("UPDATE units SET tenant_id = $1, rent_x100 = $2 WHERE id = $3")
                .bind(d.tenant_id)
                .bind(d.rent_per_m2_month.0)
                .bind(u.unit_id)
                .execute(&mut *tx)
                .await?;
            event(
                &mut tx,
                ctx,
                u,
                "lease",
                &deal,
                Some(d.tenant_id),
                owner,
                Some(d.rent_per_m2_month),
                &d.on_date,
                &d.note,
                &checks,
                rules.version,
            )
            .await?;
        }
        audit::record(&mut tx, ctx, "lease", "units", None, Some(park_id), None, json(&(d, &deal))).await?;
        tx.commit().await?;
        Ok(DealDone { deal, checks, rules_version: rules.version })
    }

    /// End a tenant's leases (`kind` "lease_end"), or take back a sublet tenant's whole leased
    /// area, ancillary space included (`kind` "sublet_takeback").
    pub async fn take_back(&self, ctx: &AuditCtx, park_id: i64, d: &TakeBackDraft) -> Result<DealDone> {
        let kind = d.kind;
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, park_id).await?;
        let rules = rules_in(&mut tx).await?;
        let rows = sqlx::query(sql(format!("{HOLDING} WHERE u.park_id = $1 AND u.tenant_id = $2 ORDER BY u.id")))
            .bind(park_id)
            .bind(d.tenant_id)
            .fetch_all(&mut *tx)
            .await?;
        let units: Vec<Holding> = rows.iter().map(holding_from_row).collect::<Result<_>>()?;
        let checks = vec![Check::new("takeback.has_lease", !units.is_empty()).with("tenant", d.tenant_id)];
        if !all_passed(&checks) {
            return Err(StoreError::Refused(checks));
        }
        let deal = deal_id("T");
        for u in &units {
            sqlx::query("UPDATE units SET tenant_id = NULL, rent_x100 = NULL WHERE id = $1")
                .bind(u.unit_id)
                .execute(&mut *tx)
                .await?;
            event(
                &mut tx,
                ctx,
                u,
                kind,
                &deal,
                u.owner_id,
                Some(d.tenant_id),
                None,
                &d.on_date,
                &d.note,
                &checks,
                rules.version,
            )
            .await?;
        }
        audit::record(&mut tx, ctx, kind, "units", None, Some(park_id), None, json(&(d, &deal, units.len()))).await?;
        tx.commit().await?;
        Ok(DealDone { deal, checks, rules_version: rules.version })
    }

    /// Transfer an owner's units: back to the developer (buy-back) or, once the developer has
    /// declined, to an admitted enterprise. `may_approve`: the caller may approve a transfer
    /// inside the five-year lock (township or county) and gave an approval reference.
    pub async fn transfer(
        &self,
        ctx: &AuditCtx,
        park_id: i64,
        d: &TransferDraft,
        may_approve: bool,
    ) -> Result<DealDone> {
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, park_id).await?;
        let rules = rules_in(&mut tx).await?;
        let units = holdings_in(&mut tx, park_id, &d.unit_ids).await?;
        let owner = units.first().and_then(|u| u.owner_id);
        let mut checks = vec![all_found(&d.unit_ids, &units)];
        checks.push(
            Check::new("transfer.owned", owner.is_some() && units.iter().all(|u| u.owner_id == owner))
                .with("units", units.iter().map(Holding::label).collect::<Vec<_>>().join("、")),
        );
        checks.push(Check::new("transfer.no_tenant", units.iter().all(|u| u.tenant_id.is_none())).with(
            "units",
            units.iter().filter(|u| u.tenant_id.is_some()).map(Holding::label).collect::<Vec<_>>().join("、"),
        ));
        // Units of the same purchases still held by the owner must all move.
        let deals: Vec<String> = units.iter().filter_map(|u| u.deal.clone()).collect();
        let mut together = true;
        if let Some(owner) = owner {
            for deal in &deals {
                let rows = sqlx::query("SELECT id FROM units WHERE deal = $1 AND owner_id = $2")
                    .bind(deal)
                    .bind(owner)
                    .fetch_all(&mut *tx)
                    .await?;
                for r in rows {
                    together &= d.unit_ids.contains(&col::<i64>(&r, "id")?);
                }
            }
        }
        let evicted = units.iter().all(|u| u.first_refusal);
        let approved = evicted || (may_approve && !d.approval.is_empty());
        let days = units
            .iter()
            .filter_map(|u| u.purchased_on.as_deref().and_then(|p| days_between_dates(p, &d.on_date)))
            .min()
            .unwrap_or(i64::MAX);
        checks.extend(sales::check_transfer(&rules, days, approved, together));
        if let Some(to) = d.to_id {
            checks.push(Check::new("transfer.first_refusal", d.developer_declined));
            checks.push(
                Check::new("transfer.buyer_admitted", Some(to) != owner && admitted(&mut tx, park_id, to).await?)
                    .with("buyer", to),
            );
        }
        if !all_passed(&checks) {
            return Err(StoreError::Refused(checks));
        }
        let (deal, kind) = match d.to_id {
            Some(_) => (deal_id("X"), "transfer"),
            None => (deal_id("B"), "buyback"),
        };
        for u in &units {
            match d.to_id {
                Some(to) => {
                    sqlx::query(
                        "UPDATE units SET owner_id = $1, purchased_on = $2, deal = $3, first_refusal = 0 WHERE id = $4",
                    )
                    .bind(to)
                    .bind(&d.on_date)
                    .bind(&deal)
                    .bind(u.unit_id)
                    .execute(&mut *tx)
                    .await?
                }
                None => {
                    sqlx::query(
                        "UPDATE units SET owner_id = NULL, purchased_on = NULL, deal = NULL, first_refusal = 0 WHERE id = $1",
                    )
                    .bind(u.unit_id)
                    .execute(&mut *tx)
                    .await?
                }
            };
            event(
                &mut tx,
                ctx,
                u,
                kind,
                &deal,
                d.to_id,
                owner,
                d.price_per_m2,
                &d.on_date,
                &d.note,
                &checks,
                rules.version,
            )
            .await?;
        }
        audit::record(&mut tx, ctx, kind, "units", None, Some(park_id), None, json(&(d, &deal))).await?;
        tx.commit().await?;
        Ok(DealDone { deal, checks, rules_version: rules.version })
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
        event(
            conn,
            ctx,
            u,
            "eviction",
            &deal,
            u.owner_id,
            Some(enterprise_id),
            None,
            on_date,
            reason,
            &[],
            rules_version,
        )
        .await?;
    }
    Ok(units.len())
}
