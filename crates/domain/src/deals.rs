//! The forms of unit deals: sales by the developer, leases by owners, transfers (with the
//! developer's first right to buy back) and sublet take-backs. Validation here is about the
//! input; the county's rules are applied by `sales` when the deal is registered.

use crate::units::Fixed2;
use crate::validation::{Checker, FieldError, Invalid, text_or_number};
use serde::{Deserialize, Serialize};

const MAX_PRICE: Fixed2 = Fixed2(100_000_000);

fn is_on(v: &str) -> bool {
    matches!(v.trim(), "on" | "true" | "1" | "yes")
}

/// A sale of one or more units to one buyer: one price per m² for production space and one
/// for non-production space, so that units bought together are registered together.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SaleForm {
    #[serde(deserialize_with = "text_or_number")]
    pub buyer_id: String,
    /// Unit ids, comma separated.
    #[serde(deserialize_with = "text_or_number")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    pub price_production: String,
    #[serde(deserialize_with = "text_or_number")]
    pub price_non_production: String,
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LeaseForm {
    #[serde(deserialize_with = "text_or_number")]
    pub tenant_id: String,
    #[serde(deserialize_with = "text_or_number")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    pub rent_per_m2_month: String,
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TransferForm {
    #[serde(deserialize_with = "text_or_number")]
    pub to_id: String,
    #[serde(deserialize_with = "text_or_number")]
    pub unit_ids: String,
    #[serde(deserialize_with = "text_or_number")]
    pub price_per_m2: String,
    pub on_date: String,
    /// The approval document (批准文号) of a transfer within the lock; empty when none.
    pub approval: String,
    /// The developer declined its first right to buy back.
    #[serde(deserialize_with = "text_or_number")]
    pub developer_declined: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TakeBackForm {
    /// "lease_end" (the lease ends) or "sublet_takeback" (a detected sublet).
    pub kind: String,
    #[serde(deserialize_with = "text_or_number")]
    pub tenant_id: String,
    pub on_date: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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
}
