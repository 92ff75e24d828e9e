#![no_main]
//! The progress layout's importer on any csv file, as the county would upload it.
#[path = "../common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| common::import("progress", "csv", bytes));
