//! `weiyuan bench policies`: every policy matched against every enterprise in the database,
//! timed in its parts (reading the facts; assessing every policy × enterprise). The policies are
//! the published ones, or the seed's library when none is published. With `--export`, the facts
//! go to a CSV, so that `scripts/bench_policies.py` applies the same criteria with pandas and
//! checks the counts agree (docs/benchmarks.md).

use anyhow::anyhow;
use std::io::Write;
use std::time::Instant;
use weiyuan_domain::policies::{Criterion, Formula, Standing, basis_year, parse_date, standing};
use weiyuan_store::Store;
use weiyuan_store::policies::FactsFilter;

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("{e:?}")
}

pub async fn run(store: &Store, export: Option<&std::path::Path>) -> anyhow::Result<()> {
    let today = weiyuan_server::today();
    let year = basis_year(&today);
    let published = store.published_policies().await.map_err(err)?;
    // The formulas are not computed in matching (only for the enterprises shown or applying).
    let library: Vec<(String, Vec<Criterion>, Formula)> = if published.is_empty() {
        crate::demo::seed_policies()
            .into_iter()
            .map(|f| {
                let d = f.validate().expect("the seed's policies are valid");
                (d.title, d.criteria, d.formula)
            })
            .collect()
    } else {
        published.into_iter().map(|p| (p.title, p.criteria, p.formula)).collect()
    };
    let mut kept = None;
    for round in 1..=3 {
        let started = Instant::now();
        let facts = store.policy_facts(&FactsFilter::default(), year).await.map_err(err)?;
        let read = started.elapsed();
        let t = Instant::now();
        let mut counts = Vec::new();
        let date = parse_date(&today);
        for (title, criteria, _) in &library {
            let (mut q, mut n) = (0usize, 0usize);
            for f in &facts {
                match standing(criteria, &f.facts, date) {
                    Standing::Qualifies => q += 1,
                    Standing::Nearly => n += 1,
                    Standing::No => {}
                }
            }
            counts.push((title.clone(), q, n));
        }
        let matched = t.elapsed();
        println!(
            "run {round}: {} enterprises × {} policies (basis year {year}); read {} ms, matched {} ms, total {} ms",
            facts.len(),
            library.len(),
            read.as_millis(),
            matched.as_millis(),
            started.elapsed().as_millis()
        );
        if round == 3 {
            for (title, q, n) in &counts {
                println!("  {title}: qualifies {q}, nearly {n}");
            }
        }
        kept = Some(facts);
    }
    if let (Some(path), Some(facts)) = (export, kept) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
        writeln!(out, "enterprise_id,size,industry_code,tags,entry_date,class,months,revenue,tax,tax_local,profit,rnd,employees,prior_revenue,monthly_rent")
            .map_err(err)?;
        for r in facts {
            let f = r.facts;
            let y = f.year.as_ref();
            let v = |g: fn(&weiyuan_domain::policies::YearFigures) -> weiyuan_domain::Fixed2| {
                y.map(|y| g(y).plain()).unwrap_or_default()
            };
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                f.enterprise_id,
                f.size.code(),
                f.industry_code,
                f.tags.iter().map(|t| t.code()).collect::<Vec<_>>().join(";"),
                f.entry_date.unwrap_or_default(),
                f.class.map(|c| c.code()).unwrap_or(""),
                y.map(|y| y.months).unwrap_or(0),
                v(|y| y.revenue),
                v(|y| y.tax),
                v(|y| y.tax_local),
                v(|y| y.profit),
                v(|y| y.rnd),
                v(|y| y.employees),
                f.prior_revenue.map(|p| p.plain()).unwrap_or_default(),
                f.monthly_rent.plain(),
            )
            .map_err(err)?;
        }
        println!("facts written to {}", path.display());
    }
    Ok(())
}
