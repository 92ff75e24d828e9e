//! Weiyuan domain: plain types and rules, no I/O, no async, no database types.
//!
//! Everything here can be tested exhaustively and is shared by the API, the pages,
//! the CLI and the benchmarks.

#[macro_use]
mod macros;

pub mod access;
pub mod admission;
pub mod alarms;
pub mod analysis;
pub mod codes;
pub mod cultivation;
pub mod deals;
pub mod enterprises;
pub mod evaluation;
pub mod exit;
pub mod grading;
pub mod holdings;
pub mod industry;
pub mod lottery;
pub mod network;
pub mod operation;
pub mod parks;
pub mod policies;
pub mod progress;
pub mod reports;
pub mod rules;
pub mod sales;
pub mod services;
pub mod supervision;
pub mod telemetry;
pub mod time;
pub mod units;
pub mod validation;

pub use access::{Actor, Role};
pub use units::Fixed2;
pub use validation::{FieldError, Invalid};
