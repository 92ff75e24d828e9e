//! Unit deals: sales by the developer, leases by owners, transfers (with the developer's first
//! right to buy back) and sublet take-backs. The forms check the input; the `decide_*`
//! functions decide a deal from what its transaction loaded (the units as they are now, who is
//! admitted, the park's registered sales) and return every check with its numbers, passed or
//! not. The price and area rules themselves are in `sales`.

use crate::holdings::Holding;
use crate::parks::SpaceType;
use crate::rules::{Check, Rules};
use crate::sales::{self, Sale, days_between_dates};
use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

const MAX_PRICE: Fixed2 = Fixed2(100_000_000);

fn is_on(v: &str) -> bool {
    matches!(v.trim(), "on" | "true" | "1" | "yes")
}

/// A sale of one or more units to one buyer: one price per m² for production space and one
/// for non-production space, so that units bought together are registered together.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SaleForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub buyer_id: String,
    /// Unit ids, comma separated.
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub price_production: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub price_non_production: String,
    #[schemars(extend("format" = "date"))]
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SaleDraft {
    pub buyer_id: i64,
    pub unit_ids: Vec<i64>,
    pub price_production: Option<Fixed2>,
    pub price_non_production: Option<Fixed2>,
    pub on_date: String,
    pub note: String,
}

fn optional_price(c: &mut Checker, field: &str, v: &str) -> Option<Fixed2> {
    if v.trim().is_empty() { None } else { Some(c.decimal(field, v, Fixed2(1), MAX_PRICE)) }
}

impl SaleForm {
    pub fn validate(&self, today: &str) -> Result<SaleDraft, Invalid> {
        let mut c = Checker::new();
        let d = SaleDraft {
            buyer_id: c.integer("buyer_id", &self.buyer_id, 1, i64::MAX),
            unit_ids: c.ids("unit_ids", &self.unit_ids),
            price_production: optional_price(&mut c, "price_production", &self.price_production),
            price_non_production: optional_price(&mut c, "price_non_production", &self.price_non_production),
            on_date: c.date("on_date", &self.on_date, today),
            note: c.optional_text("note", &self.note, 500),
        };
        if d.price_production.is_none() && d.price_non_production.is_none() {
            c.push(FieldError::new("price_production", "error.required"));
        }
        c.finish(d)
    }
}

/// A lease by an owner to another admitted enterprise, registered with the township's approval.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct LeaseForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub tenant_id: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub rent_per_m2_month: String,
    #[schemars(extend("format" = "date"))]
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LeaseDraft {
    pub tenant_id: i64,
    pub unit_ids: Vec<i64>,
    pub rent_per_m2_month: Fixed2,
    pub on_date: String,
    pub note: String,
}

impl LeaseForm {
    pub fn validate(&self, today: &str) -> Result<LeaseDraft, Invalid> {
        let mut c = Checker::new();
        let d = LeaseDraft {
            tenant_id: c.integer("tenant_id", &self.tenant_id, 1, i64::MAX),
            unit_ids: c.ids("unit_ids", &self.unit_ids),
            rent_per_m2_month: c.decimal("rent_per_m2_month", &self.rent_per_m2_month, Fixed2(1), MAX_PRICE),
            on_date: c.date("on_date", &self.on_date, today),
            note: c.optional_text("note", &self.note, 500),
        };
        c.finish(d)
    }
}

/// A transfer of an owner's units: to the developer (buy-back, `to_id` empty) or, once the
/// developer has declined, to an admitted enterprise.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TransferForm {
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub to_id: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub price_per_m2: String,
    #[schemars(extend("format" = "date"))]
    pub on_date: String,
    /// The approval document (批准文号) of a transfer within the lock; empty when none.
    pub approval: String,
    /// The developer declined its first right to buy back.
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub developer_declined: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TransferDraft {
    /// None: the developer buys back.
    pub to_id: Option<i64>,
    pub unit_ids: Vec<i64>,
    pub price_per_m2: Option<Fixed2>,
    pub on_date: String,
    pub approval: String,
    pub developer_declined: bool,
    pub note: String,
}

impl TransferForm {
    pub fn validate(&self, today: &str) -> Result<TransferDraft, Invalid> {
        let mut c = Checker::new();
        let to_id =
            if self.to_id.trim().is_empty() { None } else { Some(c.integer("to_id", &self.to_id, 1, i64::MAX)) };
        let d = TransferDraft {
            to_id,
            unit_ids: c.ids("unit_ids", &self.unit_ids),
            price_per_m2: optional_price(&mut c, "price_per_m2", &self.price_per_m2),
            on_date: c.date("on_date", &self.on_date, today),
            approval: c.optional_text("approval", &self.approval, 100),
            developer_declined: is_on(&self.developer_declined),
            note: c.optional_text("note", &self.note, 500),
        };
        c.finish(d)
    }
}

/// Ending leases, or taking back a sublet tenant's whole leased area (管理单位无条件收回).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TakeBackForm {
    /// "lease_end" (the lease ends) or "sublet_takeback" (a detected sublet).
    pub kind: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub tenant_id: String,
    #[schemars(extend("format" = "date"))]
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TakeBackDraft {
    pub kind: &'static str,
    pub tenant_id: i64,
    pub on_date: String,
    pub note: String,
}

impl TakeBackForm {
    pub fn validate(&self, today: &str) -> Result<TakeBackDraft, Invalid> {
        let mut c = Checker::new();
        let kind = c
            .choice("kind", &self.kind, |k| ["lease_end", "sublet_takeback"].into_iter().find(|v| *v == k))
            .unwrap_or("lease_end");
        let d = TakeBackDraft {
            kind,
            tenant_id: c.integer("tenant_id", &self.tenant_id, 1, i64::MAX),
            on_date: c.date("on_date", &self.on_date, today),
            note: c.text("note", &self.note, 500),
        };
        c.finish(d)
    }
}

/// Every unit asked for is one of the park's (the loader reads the park's units only).
pub fn units_in_park(ids: &[i64], units: &[Holding]) -> Check {
    let missing: Vec<String> =
        ids.iter().filter(|id| !units.iter().any(|u| u.unit_id == **id)).map(|id| id.to_string()).collect();
    Check::new("deal.units_in_park", missing.is_empty()).with("units", missing.join("、"))
}

/// The price per m² a sale sets for a unit of this space type.
pub fn sale_price(d: &SaleDraft, space: SpaceType) -> Option<Fixed2> {
    match space {
        SpaceType::Production => d.price_production,
        SpaceType::NonProduction => d.price_non_production,
    }
}

/// A sale of developer-held units to an admitted enterprise: each unit must still be the
/// developer's and have a price for its space type, and each sale, added to the park's
/// registered ones in turn, must keep the area minimum, the average cap and the single-sale
/// ceiling.
pub fn decide_sale(
    rules: &Rules,
    d: &SaleDraft,
    units: &[Holding],
    buyer_admitted: bool,
    registered: &[Sale],
) -> Vec<Check> {
    let mut checks = vec![
        units_in_park(&d.unit_ids, units),
        Check::new("sale.buyer_admitted", buyer_admitted).with("buyer", d.buyer_id),
    ];
    let mut registered = registered.to_vec();
    for u in units {
        checks.push(
            Check::new("sale.unit_available", u.owner_id.is_none())
                .with("unit", u.label())
                .with("owner", u.owner.clone().unwrap_or_default()),
        );
        let Some(price) = sale_price(d, u.space_type) else {
            checks.push(Check::new("sale.price_missing", false).with("unit", u.label()));
            continue;
        };
        let sale = Sale { space: u.space_type, area_m2: u.area_m2, price_per_m2: price };
        checks.extend(sales::check_sale(rules, &registered, sale).into_iter().map(|c| c.with("unit", u.label())));
        registered.push(sale);
    }
    checks
}

/// What a lease decision needs to know beyond the units.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaseFacts<'a> {
    /// The tenant is an active enterprise of this park.
    pub tenant_admitted: bool,
    /// The units' owner passes its admission targets now (`exit::meets_targets`).
    pub owner_meets_targets: bool,
    pub owner_industry: &'a str,
    pub tenant_industry: &'a str,
    /// The lease is registered by the park's township or the county (`ParkAuthority`).
    pub township_approved: bool,
}

/// A lease of one owner's units to another admitted enterprise.
pub fn decide_lease(rules: &Rules, d: &LeaseDraft, units: &[Holding], facts: &LeaseFacts) -> Vec<Check> {
    let owner = units.first().and_then(|u| u.owner_id);
    let mut checks = vec![
        units_in_park(&d.unit_ids, units),
        Check::new("lease.tenant_admitted", Some(d.tenant_id) != owner && facts.tenant_admitted)
            .with("tenant", d.tenant_id),
    ];
    for u in units {
        checks.push(
            Check::new("lease.unit_owned", u.owner_id.is_some() && u.owner_id == owner && u.tenant_id.is_none())
                .with("unit", u.label()),
        );
        checks.extend(
            sales::check_lease(
                rules,
                u.space_type,
                d.rent_per_m2_month,
                facts.owner_meets_targets,
                facts.owner_industry,
                facts.tenant_industry,
                facts.township_approved,
            )
            .into_iter()
            .map(|c| c.with("unit", u.label())),
        );
    }
    checks
}

/// A transfer of one owner's units, without tenants, all the units of their purchases together:
/// back to the developer (buy-back) or, once the developer declined, to another admitted
/// enterprise. Inside the lock it needs an approval (`may_approve`: the caller is the park's
/// township or the county, and gave a reference), unless the owner was evicted.
/// `purchase_units`: the units of the same purchases the owner still holds.
pub fn decide_transfer(
    rules: &Rules,
    d: &TransferDraft,
    units: &[Holding],
    purchase_units: &[i64],
    buyer_admitted: bool,
    may_approve: bool,
) -> Vec<Check> {
    let owner = units.first().and_then(|u| u.owner_id);
    let labels = |f: &dyn Fn(&Holding) -> bool| units.iter().filter(|u| f(u)).map(Holding::label).collect::<Vec<_>>();
    let mut checks = vec![
        units_in_park(&d.unit_ids, units),
        Check::new("transfer.owned", owner.is_some() && units.iter().all(|u| u.owner_id == owner))
            .with("units", labels(&|_| true).join("、")),
        Check::new("transfer.no_tenant", units.iter().all(|u| u.tenant_id.is_none()))
            .with("units", labels(&|u| u.tenant_id.is_some()).join("、")),
    ];
    let together = purchase_units.iter().all(|id| d.unit_ids.contains(id));
    let evicted = units.iter().all(|u| u.first_refusal);
    let approved = evicted || (may_approve && !d.approval.is_empty());
    let days = units
        .iter()
        .filter_map(|u| u.purchased_on.as_deref().and_then(|p| days_between_dates(p, &d.on_date)))
        .min()
        .unwrap_or(i64::MAX);
    checks.extend(sales::check_transfer(rules, days, approved, together));
    if let Some(to) = d.to_id {
        checks.push(Check::new("transfer.first_refusal", d.developer_declined));
        checks.push(Check::new("transfer.buyer_admitted", Some(to) != owner && buyer_admitted).with("buyer", to));
    }
    checks
}

/// Ending a tenant's leases, or taking back a sublet tenant's area: the tenant must rent units
/// in the park (`units` are those it rents).
pub fn decide_take_back(d: &TakeBackDraft, units: &[Holding]) -> Vec<Check> {
    vec![Check::new("takeback.has_lease", !units.is_empty()).with("tenant", d.tenant_id)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_needs_units_a_price_and_a_date_not_in_the_future() {
        let f = SaleForm {
            buyer_id: "7".into(),
            unit_ids: "3, 4".into(),
            price_production: "2500".into(),
            on_date: "2026-11-01".into(),
            ..Default::default()
        };
        let d = f.validate("2026-11-23").unwrap();
        assert_eq!((d.unit_ids.clone(), d.price_production.map(|p| p.plain())), (vec![3, 4], Some("2500".into())));
        let fields =
            |f: SaleForm| f.validate("2026-11-23").unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(SaleForm { unit_ids: "".into(), ..f.clone() }), vec!["unit_ids"]);
        assert_eq!(fields(SaleForm { price_production: "".into(), ..f.clone() }), vec!["price_production"]);
        assert_eq!(fields(SaleForm { on_date: "2026-11-24".into(), ..f.clone() }), vec!["on_date"]);
    }

    #[test]
    fn a_transfer_without_a_buyer_is_a_buy_back() {
        let f = TransferForm { unit_ids: "9".into(), on_date: "2026-01-05".into(), ..Default::default() };
        let d = f.validate("2026-11-23").unwrap();
        assert_eq!((d.to_id, d.developer_declined), (None, false));
        let f = TransferForm { to_id: "5".into(), developer_declined: "on".into(), ..f };
        let d = f.validate("2026-11-23").unwrap();
        assert_eq!((d.to_id, d.developer_declined), (Some(5), true));
    }

    fn unit(id: i64, space: SpaceType, area: &str, owner: Option<i64>) -> Holding {
        Holding {
            unit_id: id,
            park_id: 1,
            number: format!("{id}"),
            building: "1号厂房".into(),
            floor: 1,
            area_m2: Fixed2::parse(area).unwrap(),
            space_type: space,
            owner_id: owner,
            owner: owner.map(|o| format!("企业{o}")),
            tenant_id: None,
            tenant: None,
            purchased_on: owner.map(|_| "2024-01-01".to_string()),
            deal: owner.map(|_| "S-1".to_string()),
            rent_per_m2_month: None,
            first_refusal: false,
        }
    }

    fn failed(checks: &[Check]) -> Vec<String> {
        checks.iter().filter(|c| !c.passed).map(|c| c.rule.clone()).collect()
    }

    fn sale(units: &[i64], production: Option<&str>) -> SaleDraft {
        SaleDraft {
            buyer_id: 7,
            unit_ids: units.to_vec(),
            price_production: production.map(|p| Fixed2::parse(p).unwrap()),
            price_non_production: None,
            on_date: "2026-11-01".into(),
            note: String::new(),
        }
    }

    #[test]
    fn a_sale_is_decided_on_every_unit_and_the_buyer() {
        let r = Rules::default();
        let free = unit(1, SpaceType::Production, "600", None);
        assert!(failed(&decide_sale(&r, &sale(&[1], Some("2500")), std::slice::from_ref(&free), true, &[])).is_empty());
        // A unit of another park is not loaded: named as missing.
        let c = decide_sale(&r, &sale(&[1, 99], Some("2500")), std::slice::from_ref(&free), true, &[]);
        assert_eq!(failed(&c), vec!["deal.units_in_park"]);
        assert_eq!(c[0].numbers, vec![("units".to_string(), "99".to_string())]);
        assert_eq!(
            failed(&decide_sale(&r, &sale(&[1], Some("2500")), std::slice::from_ref(&free), false, &[])),
            vec!["sale.buyer_admitted"]
        );
        let sold = unit(2, SpaceType::Production, "600", Some(3));
        assert_eq!(
            failed(&decide_sale(&r, &sale(&[2], Some("2500")), &[sold], true, &[])),
            vec!["sale.unit_available"]
        );
        let office = unit(3, SpaceType::NonProduction, "600", None);
        assert_eq!(
            failed(&decide_sale(&r, &sale(&[3], Some("2500")), &[office], true, &[])),
            vec!["sale.price_missing"]
        );
        // Two units in one sale: the second is judged with the first already counted.
        let a = unit(4, SpaceType::Production, "1000", None);
        let b = unit(5, SpaceType::Production, "1000", None);
        let c = decide_sale(&r, &sale(&[4, 5], Some("2600")), &[a, b], true, &[]);
        assert!(failed(&c).is_empty(), "{c:?}");
        assert_eq!(c.iter().filter(|c| c.rule == "sale.average_cap").count(), 2);
    }

    #[test]
    fn a_lease_needs_one_owner_an_admitted_tenant_and_the_owner_on_target() {
        let r = Rules::default();
        let owned = unit(1, SpaceType::Production, "600", Some(3));
        let d = LeaseDraft {
            tenant_id: 9,
            unit_ids: vec![1],
            rent_per_m2_month: Fixed2::parse("20").unwrap(),
            on_date: "2026-11-01".into(),
            note: String::new(),
        };
        let facts = LeaseFacts {
            tenant_admitted: true,
            owner_meets_targets: true,
            owner_industry: "C3670",
            tenant_industry: "C3660",
            township_approved: true,
        };
        assert!(failed(&decide_lease(&r, &d, std::slice::from_ref(&owned), &facts)).is_empty());
        let to_itself = LeaseDraft { tenant_id: 3, ..d.clone() };
        assert_eq!(
            failed(&decide_lease(&r, &to_itself, std::slice::from_ref(&owned), &facts)),
            vec!["lease.tenant_admitted"]
        );
        let off_target = LeaseFacts { owner_meets_targets: false, ..facts.clone() };
        assert_eq!(
            failed(&decide_lease(&r, &d, std::slice::from_ref(&owned), &off_target)),
            vec!["lease.owner_targets"]
        );
        let developer_held = unit(1, SpaceType::Production, "600", None);
        assert!(failed(&decide_lease(&r, &d, &[developer_held], &facts)).contains(&"lease.unit_owned".to_string()));
    }

    #[test]
    fn a_transfer_moves_whole_purchases_and_waits_out_the_lock() {
        let r = Rules::default();
        let a = unit(1, SpaceType::Production, "600", Some(3));
        let d = TransferDraft {
            to_id: None,
            unit_ids: vec![1],
            price_per_m2: None,
            on_date: "2026-11-01".into(),
            approval: String::new(),
            developer_declined: false,
            note: String::new(),
        };
        // Bought 2024-01-01: inside the five-year lock, not approved.
        assert_eq!(
            failed(&decide_transfer(&r, &d, std::slice::from_ref(&a), &[1], false, false)),
            vec!["transfer.lock"]
        );
        let approved = TransferDraft { approval: "萧政〔2026〕1号".into(), ..d.clone() };
        assert!(failed(&decide_transfer(&r, &approved, std::slice::from_ref(&a), &[1], false, true)).is_empty());
        assert_eq!(
            failed(&decide_transfer(&r, &approved, std::slice::from_ref(&a), &[1], false, false)),
            vec!["transfer.lock"],
            "an approval reference from someone who may not approve counts for nothing"
        );
        assert_eq!(
            failed(&decide_transfer(&r, &approved, std::slice::from_ref(&a), &[1, 2], false, true)),
            vec!["transfer.together"]
        );
        let evicted = Holding { first_refusal: true, ..a.clone() };
        assert!(failed(&decide_transfer(&r, &d, &[evicted], &[1], false, false)).is_empty());
        let onward = TransferDraft { to_id: Some(8), ..approved };
        assert_eq!(
            failed(&decide_transfer(&r, &onward, std::slice::from_ref(&a), &[1], true, true)),
            vec!["transfer.first_refusal"]
        );
    }

    #[test]
    fn a_take_back_needs_a_lease() {
        let d = TakeBackDraft { kind: "lease_end", tenant_id: 9, on_date: "2026-11-01".into(), note: "到期".into() };
        assert_eq!(failed(&decide_take_back(&d, &[])), vec!["takeback.has_lease"]);
        assert!(failed(&decide_take_back(&d, &[unit(1, SpaceType::Production, "600", Some(3))])).is_empty());
    }
}
