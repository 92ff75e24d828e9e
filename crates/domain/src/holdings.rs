//! Who holds a unit: the entity every deal decides on.

use crate::parks::SpaceType;
use crate::units::Fixed2;
use serde::Serialize;

/// A unit with its current holder.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
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

impl Holding {
    /// How people name a unit: its building and number ("1号厂房 202").
    pub fn label(&self) -> String {
        format!("{} {}", self.building, self.number)
    }
}
