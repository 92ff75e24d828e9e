//! The `weiyuan` binary's library side: configuration and the demo data set, shared with the
//! integration tests and benchmarks.

pub mod config;
pub mod demo;
pub mod evaluation_bench;
pub mod ingest_bench;
pub mod operation_bench;
pub mod operation_demo;
pub mod policies_bench;
pub mod scale;
pub mod simulate;
