#![no_main]
//! The enterprises layout's importer on any xlsx file, as the county would upload it.
#[path = "../common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| common::import("enterprises", "xlsx", bytes));
