//! All-or-nothing enterprise imports: every row of a file registers or updates an enterprise in
//! one transaction, each with its audit entry, or none does. The caller has validated the rows,
//! resolved each one's park and found the enterprise it updates (by credit code).

use crate::audit::{self, AuditCtx, json};
use crate::enterprises::{Enterprise, insert, select, update_row};
use crate::{Result, Store, StoreError};
use weiyuan_domain::access::UnitDesk;
use weiyuan_domain::enterprises::EnterpriseDraft;

/// One row to write: the unit desk of its park, the enterprise as validated, and the enterprise
/// it updates (`None` registers a new one). An update keeps the enterprise in its park.
pub type EnterpriseWrite = (UnitDesk, EnterpriseDraft, Option<i64>);

impl Store {
    /// Register and update enterprises in one transaction; `progress(done)` is called as rows are
    /// written. Returns how many rows were written.
    pub async fn import_enterprises(
        &self,
        ctx: &AuditCtx,
        rows: &[EnterpriseWrite],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<usize> {
        // The records before, for the audit log, read before the write lock is taken.
        let mut befores: Vec<Option<Enterprise>> = Vec::with_capacity(rows.len());
        for (desk, _, id) in rows {
            match id {
                Some(id) => {
                    let before = self.get_enterprise(*id).await?;
                    if before.park_id != desk.park_id() {
                        return Err(StoreError::Conflict("park_id"));
                    }
                    befores.push(Some(before));
                }
                None => befores.push(None),
            }
        }
        let mut tx = self.write_tx().await?;
        let mut done = 0usize;
        for ((desk, d, _), before) in rows.iter().zip(befores) {
            match before {
                None => {
                    let park_id = desk.park_id();
                    let id = insert(&mut tx, park_id, d, false).await?;
                    audit::record(&mut tx, ctx, "create", "enterprise", Some(id), Some(park_id), None, json(d)).await?;
                }
                Some(before) => {
                    update_row(&mut tx, before.id, d).await?;
                    let after = select(&mut tx, before.id).await?;
                    audit::record(
                        &mut tx,
                        ctx,
                        "update",
                        "enterprise",
                        Some(before.id),
                        Some(before.park_id),
                        json(&before),
                        json(&after),
                    )
                    .await?;
                }
            }
            done += 1;
            if done.is_multiple_of(500) {
                progress(done);
            }
        }
        tx.commit().await?;
        self.analyze_after_load(done, &["enterprises"]).await?;
        progress(done);
        Ok(done)
    }
}
