//! All-or-nothing imports: every row of a file is written in one transaction, or none is.
//! The caller has validated the rows and resolved which park each one means.

use crate::audit::AuditCtx;
use crate::parks::{insert_park, update_park_in};
use crate::progress::{PlanBaseline, set_baseline_in, upsert_plan_year, upsert_report};
use crate::{Result, Store, audit};
use weiyuan_domain::access::{ParkAuthority, Registry};
use weiyuan_domain::parks::ParkDraft;
use weiyuan_domain::progress::{PlanYear, ProgressDraft};

/// A park row: a new park (with the code the file gives, if any) or an update of one.
#[derive(Clone, Debug)]
pub enum ParkWrite {
    Create { code: Option<String>, draft: ParkDraft },
    Update { id: i64, draft: ParkDraft },
}

/// The rows of a checked file. Registry rows (parks, plans, baselines) come with the county's
/// `Registry`, each progress report with the `ParkAuthority` of its park: a batch cannot be
/// made for rows the caller may not write.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub registry: Option<RegistryRows>,
    pub reports: Vec<(ParkAuthority, ProgressDraft)>,
}

#[derive(Debug)]
pub struct RegistryRows {
    pub by: Registry,
    pub parks: Vec<ParkWrite>,
    pub plans: Vec<(i64, PlanYear)>,
    pub baselines: Vec<(i64, PlanBaseline)>,
}

impl RegistryRows {
    pub fn new(by: Registry) -> Self {
        RegistryRows { by, parks: Vec::new(), plans: Vec::new(), baselines: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.parks.len() + self.plans.len() + self.baselines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ImportBatch {
    pub fn len(&self) -> usize {
        self.registry.as_ref().map_or(0, RegistryRows::len) + self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Store {
    /// Write a validated batch in one transaction; `progress(done)` is called as rows are written.
    pub async fn import(
        &self,
        ctx: &AuditCtx,
        batch: &ImportBatch,
        submitted_at: i64,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let mut done = 0;
        let tick = |done: &mut usize| {
            *done += 1;
            if (*done).is_multiple_of(500) {
                progress(*done);
            }
        };
        if let Some(r) = &batch.registry {
            for w in &r.parks {
                match w {
                    ParkWrite::Create { code, draft } => {
                        insert_park(&mut tx, ctx, code.as_deref(), draft).await?;
                    }
                    ParkWrite::Update { id, draft } => {
                        update_park_in(&mut tx, ctx, *id, draft).await?;
                    }
                }
                tick(&mut done);
            }
            for (park_id, plan) in &r.plans {
                upsert_plan_year(&mut tx, ctx, *park_id, plan).await?;
                tick(&mut done);
            }
            for (park_id, b) in &r.baselines {
                set_baseline_in(&mut tx, *park_id, b).await?;
                let after = audit::json(b);
                audit::record(&mut tx, ctx, "update", "plan_baseline", None, Some(*park_id), None, after).await?;
                tick(&mut done);
            }
        }
        for (who, d) in &batch.reports {
            upsert_report(&mut tx, ctx, who.park_id(), d, submitted_at, false).await?;
            tick(&mut done);
        }
        tx.commit().await?;
        progress(done);
        Ok(())
    }
}
