//! `weiyuan bench evaluate`: a full per-mu evaluation of every enterprise in the database for
//! twelve months, timed in its parts (reading the figures, land and holdings through the
//! transaction; the evaluation itself) and as the county's whole use case (reading, evaluating
//! and writing a draft run). With `--export`, the yearly figures each enterprise was judged on go
//! to a CSV, so that `scripts/bench_evaluate.py` computes the same formulas with pandas from a
//! Parquet file of the same figures and checks that the classes agree (docs/benchmarks.md).

use anyhow::anyhow;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;
use weiyuan_domain::evaluation::{Land, evaluate};
use weiyuan_domain::progress::Month;
use weiyuan_store::Store;

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("{e:?}")
}

pub async fn run(store: &Store, first: Month, export: Option<&std::path::Path>, save: bool) -> anyhow::Result<()> {
    let last = first.back(-11);
    let mut kept = None;
    for round in 1..=3 {
        let started = Instant::now();
        let mut tx = store.begin_evaluation().await.map_err(err)?;
        let method = tx.method().await.map_err(err)?;
        let low = tx.rules().await.map_err(err)?.low_efficiency_tax_per_mu.as_f64() / 10_000.0;
        let subjects = tx.subjects(first, last).await.map_err(err)?;
        drop(tx);
        let read = started.elapsed();
        let plain: Vec<_> = subjects.iter().map(|(s, _, _)| s.clone()).collect();
        let t = Instant::now();
        let e = evaluate(&method.method, low, &plain);
        let evaluated = t.elapsed();
        let mut classes: BTreeMap<String, usize> = BTreeMap::new();
        for o in &e.outcomes {
            *classes.entry(format!("{}:{}", o.group.code(), o.class.code())).or_default() += 1;
        }
        println!(
            "run {round}: {} enterprises, {} judged, {} not; read {} ms, evaluated {} ms, total {} ms; classes {classes:?}",
            plain.len(),
            e.outcomes.len(),
            e.excluded.len(),
            read.as_millis(),
            evaluated.as_millis(),
            started.elapsed().as_millis()
        );
        kept = Some(plain);
    }
    if save {
        let county = crate::demo::demo_county();
        let form = weiyuan_domain::evaluation::RunForm { first_month: first.to_string() };
        let t = Instant::now();
        let run = weiyuan_server::evaluation::compute(store, &county, &form).await.map_err(err)?;
        println!(
            "compute and save a draft run (the county's use case): run {} in {} ms",
            run.id,
            t.elapsed().as_millis()
        );
    }
    if let (Some(path), Some(subjects)) = (export, kept) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
        writeln!(
            out,
            "enterprise_id,grp,division,active,months,revenue,tax,value_added,energy,emissions,electricity,water,rnd,employees,land_mu,tenant,sublets"
        )
        .map_err(err)?;
        for s in subjects {
            let t = &s.totals;
            let (land, tenant) = match s.land {
                Land::Parcel { mu } => (mu.to_string(), 0),
                Land::Apportioned { mu, .. } => (mu.to_string(), 1),
                Land::Unknown => (String::new(), 0),
            };
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                s.enterprise_id,
                s.group.code(),
                s.division,
                s.active as u8,
                s.months,
                t.revenue,
                t.tax,
                t.value_added,
                t.energy,
                t.emissions,
                t.electricity,
                t.water,
                t.rnd,
                t.employees,
                land,
                tenant,
                s.sublets
            )
            .map_err(err)?;
        }
        out.flush().map_err(err)?;
        println!("wrote the yearly figures to {}", path.display());
    }
    Ok(())
}
