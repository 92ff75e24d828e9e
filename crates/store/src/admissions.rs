//! Admission (入园): an application to a park, checked automatically against the county's rules,
//! reviewed by the township and then the county. Each step approves, rejects with a reason or
//! sends back; the checks are run again at every decision, inside its transaction, so that the
//! park as it is then (not as it was at application) is what is judged.

use crate::audit::{self, AuditCtx, json};
use crate::holdings::lock_park;
use crate::settings::rules_in;
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{Filer, Reviewer};
use weiyuan_domain::admission::{self, Application, Decision, Member, Policy};
use weiyuan_domain::enterprises::EnterpriseDraft;
use weiyuan_domain::rules::{Check, all_passed};
use weiyuan_domain::units::Fixed2;

/// Where an application stands.
pub use weiyuan_domain::admission::{APPROVED, COUNTY, REJECTED, SENT_BACK, TOWNSHIP};

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Admission {
    pub id: i64,
    pub park_id: i64,
    pub park: String,
    /// The registered enterprise: the applicant when it was already registered, else set on approval.
    pub enterprise_id: Option<i64>,
    pub applicant: EnterpriseDraft,
    pub area_m2: Fixed2,
    pub status: String,
    pub checks: Vec<Check>,
    pub rules_version: i64,
    pub applied_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub steps: Vec<AdmissionStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AdmissionStep {
    /// submit, township, county
    pub step: String,
    /// submitted, approve, reject, send_back
    pub decision: String,
    pub reason: String,
    pub username: String,
    pub at_ms: i64,
}

const FIELDS: &str = "a.id, a.park_id, p.name AS park, a.enterprise_id, a.applicant_json, a.area_m2_x100, a.status, \
    a.checks_json, a.rules_version, a.applied_by, a.created_at, a.updated_at";
const COLUMNS: &str = "a.id, a.park_id, p.name AS park, a.enterprise_id, a.applicant_json, a.area_m2_x100, a.status, \
    a.checks_json, a.rules_version, a.applied_by, a.created_at, a.updated_at FROM admissions a JOIN parks p ON p.id = a.park_id";

fn decode_err(e: serde_json::Error) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(e.into()))
}

fn admission_from_row(r: &AnyRow) -> Result<Admission> {
    Ok(Admission {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        enterprise_id: col(r, "enterprise_id")?,
        applicant: serde_json::from_str(&col::<String>(r, "applicant_json")?).map_err(decode_err)?,
        area_m2: Fixed2(col(r, "area_m2_x100")?),
        status: col(r, "status")?,
        checks: serde_json::from_str(&col::<String>(r, "checks_json")?).map_err(decode_err)?,
        rules_version: col(r, "rules_version")?,
        applied_by: col(r, "applied_by")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        steps: Vec::new(),
    })
}

/// The automatic checks, against the park as it is inside this transaction.
async fn run_checks(
    conn: &mut AnyConnection,
    policy: &Policy,
    park_id: i64,
    applicant_id: Option<i64>,
    d: &EnterpriseDraft,
    area: Fixed2,
) -> Result<(Vec<Check>, i64)> {
    let rules = rules_in(conn).await?;
    let rows = sqlx::query(
        "SELECT e.id, e.industry_code, CAST(COALESCE((SELECT SUM(u.area_m2_x100) FROM units u \
         WHERE u.owner_id = e.id OR u.tenant_id = e.id), 0) AS BIGINT) AS area \
         FROM enterprises e WHERE e.park_id = $1 AND e.status = 'active'",
    )
    .bind(park_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut members = Vec::new();
    let mut already_here = false;
    for r in &rows {
        let id: i64 = col(r, "id")?;
        if Some(id) == applicant_id {
            already_here = true;
            continue;
        }
        members.push(Member { industry_code: col(r, "industry_code")?, area_m2: Fixed2(col(r, "area")?) });
    }
    let elsewhere = sqlx::query(
        "SELECT p.name FROM enterprises e JOIN parks p ON p.id = e.park_id \
         WHERE e.credit_code = $1 AND e.status = 'active' AND e.park_id <> $2",
    )
    .bind(&d.credit_code)
    .bind(park_id)
    .fetch_optional(&mut *conn)
    .await?;
    let app = Application {
        name: d.name.clone(),
        credit_code: d.credit_code.clone(),
        credit_override: d.credit_override.clone(),
        industry_code: d.industry_code.clone(),
        area_m2: area,
        active_elsewhere: elsewhere.is_some(),
        member_here: already_here,
    };
    let mut checks = admission::check_admission(&rules, policy, &members, &app);
    if let (Some(c), Some(r)) = (checks.iter_mut().find(|c| c.rule == "admission.not_elsewhere"), &elsewhere) {
        c.numbers.push(("park".into(), col::<String>(r, "name")?));
    }
    Ok((checks, rules.version))
}

async fn step(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    id: i64,
    step: &str,
    decision: &str,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO admission_steps (admission_id, step, decision, reason, username, at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(step)
    .bind(decision)
    .bind(reason)
    .bind(&ctx.username)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// One line of an enterprise's status history (admitted, exit test, warned, rectified, evicted).
pub(crate) async fn enterprise_event(
    conn: &mut AnyConnection,
    ctx: &AuditCtx,
    enterprise_id: i64,
    kind: &str,
    reason: &str,
    deadline: Option<&str>,
    detail: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_events (enterprise_id, kind, reason, deadline, detail_json, username, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(enterprise_id)
    .bind(kind)
    .bind(reason)
    .bind(deadline)
    .bind(detail.to_string())
    .bind(&ctx.username)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// The checks an application would get now, without recording anything (the form's preview).
    pub async fn admission_preview(
        &self,
        park_id: i64,
        applicant_id: Option<i64>,
        d: &EnterpriseDraft,
        area: Fixed2,
    ) -> Result<(Vec<Check>, i64)> {
        let policy = self.policy(park_id).await?;
        run_checks(&mut *self.pool.acquire().await?, &policy, park_id, applicant_id, d, area).await
    }

    /// File an application to `park_id` (to the township's review), with its automatic checks; a
    /// filer who may not file it there (a desk of another park, an enterprise for another) finds
    /// the park not found.
    pub async fn apply_admission(
        &self,
        filer: &Filer,
        ctx: &AuditCtx,
        park_id: i64,
        applicant_id: Option<i64>,
        d: &EnterpriseDraft,
        area: Fixed2,
    ) -> Result<Admission> {
        if !filer.may_file(park_id, applicant_id) {
            return Err(StoreError::NotFound);
        }
        let policy = self.policy(park_id).await?;
        let mut tx = self.write_tx().await?;
        let (checks, version) = run_checks(&mut tx, &policy, park_id, applicant_id, d, area).await?;
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO admissions (park_id, enterprise_id, credit_code, applicant_json, area_m2_x100, status, checks_json, \
             rules_version, applied_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(park_id)
        .bind(applicant_id)
        .bind(&d.credit_code)
        .bind(serde_json::to_string(d).map_err(decode_err)?)
        .bind(area.0)
        .bind(TOWNSHIP)
        .bind(serde_json::to_string(&checks).map_err(decode_err)?)
        .bind(version)
        .bind(ctx.user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        step(&mut tx, ctx, id, "submit", "submitted", "").await?;
        audit::record(&mut tx, ctx, "apply", "admission", Some(id), Some(park_id), None, json(&(d, &checks))).await?;
        tx.commit().await?;
        self.admission(id).await
    }

    /// The applicant corrects a sent-back application and files it again.
    pub async fn resubmit_admission(
        &self,
        filer: &Filer,
        ctx: &AuditCtx,
        id: i64,
        d: &EnterpriseDraft,
        area: Fixed2,
    ) -> Result<Admission> {
        let before = self.admission(id).await?;
        if !filer.may_file(before.park_id, before.enterprise_id) {
            return Err(StoreError::NotFound);
        }
        let policy = self.policy(before.park_id).await?;
        let mut tx = self.write_tx().await?;
        let (checks, version) = run_checks(&mut tx, &policy, before.park_id, before.enterprise_id, d, area).await?;
        let done = sqlx::query(
            "UPDATE admissions SET applicant_json = $1, credit_code = $2, area_m2_x100 = $3, checks_json = $4, rules_version = $5, \
             status = $6, updated_at = $7 WHERE id = $8 AND status = $9",
        )
        .bind(serde_json::to_string(d).map_err(decode_err)?)
        .bind(&d.credit_code)
        .bind(area.0)
        .bind(serde_json::to_string(&checks).map_err(decode_err)?)
        .bind(version)
        .bind(TOWNSHIP)
        .bind(now_ms())
        .bind(id)
        .bind(SENT_BACK)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("status"));
        }
        step(&mut tx, ctx, id, "submit", "submitted", "").await?;
        audit::record(
            &mut tx,
            ctx,
            "resubmit",
            "admission",
            Some(id),
            Some(before.park_id),
            json(&before),
            json(&(d, &checks)),
        )
        .await?;
        tx.commit().await?;
        self.admission(id).await
    }

    /// A review decision at `at` (township or county): approve, reject or send_back. Approval
    /// re-runs the checks and is refused when any fails; the county's approval registers the
    /// enterprise in the park (or moves a registered one there) with today as its entry date.
    /// Record a review decision on the reviewer's step. Inside the transaction (the park
    /// locked): the step must still be the reviewer's (else `Conflict("status")`: someone decided
    /// meanwhile), and an approval must pass the checks run again now.
    pub async fn decide_admission(
        &self,
        reviewer: &Reviewer,
        ctx: &AuditCtx,
        d: &Decision,
        today: &str,
    ) -> Result<Admission> {
        let id = reviewer.admission_id();
        let (at, decision, reason) = (reviewer.stage(), d.decision, d.reason.as_str());
        if d.stage != at {
            return Err(StoreError::Conflict("status"));
        }
        let before = self.admission(id).await?;
        let policy = self.policy(before.park_id).await?;
        let mut tx = self.write_tx().await?;
        lock_park(&mut tx, before.park_id).await?;
        let now: String =
            match sqlx::query("SELECT status FROM admissions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await? {
                Some(r) => col(&r, "status")?,
                None => return Err(StoreError::NotFound),
            };
        if now != at {
            return Err(StoreError::Conflict("status"));
        }
        let (checks, version) =
            run_checks(&mut tx, &policy, before.park_id, before.enterprise_id, &before.applicant, before.area_m2)
                .await?;
        let next = admission::next_status(d);
        if decision == "approve" && !all_passed(&checks) {
            return Err(StoreError::Refused(checks));
        }
        let done = sqlx::query(
            "UPDATE admissions SET status = $1, checks_json = $2, rules_version = $3, updated_at = $4 WHERE id = $5 AND status = $6",
        )
        .bind(next)
        .bind(serde_json::to_string(&checks).map_err(decode_err)?)
        .bind(version)
        .bind(now_ms())
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("status"));
        }
        step(&mut tx, ctx, id, at, decision, reason).await?;
        if next == APPROVED {
            let enterprise_id = match before.enterprise_id {
                Some(eid) => {
                    sqlx::query(
                        "UPDATE enterprises SET park_id = $1, status = 'active', entry_date = $2 WHERE id = $3",
                    )
                    .bind(before.park_id)
                    .bind(today)
                    .bind(eid)
                    .execute(&mut *tx)
                    .await?;
                    eid
                }
                None => {
                    let d = EnterpriseDraft { entry_date: Some(today.to_string()), ..before.applicant.clone() };
                    let eid = crate::enterprises::insert(&mut tx, before.park_id, &d, false).await?;
                    audit::record(
                        &mut tx,
                        ctx,
                        "create",
                        "enterprise",
                        Some(eid),
                        Some(before.park_id),
                        None,
                        json(&d),
                    )
                    .await?;
                    eid
                }
            };
            sqlx::query("UPDATE admissions SET enterprise_id = $1 WHERE id = $2")
                .bind(enterprise_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({ "admission": id, "park": before.park, "checks": checks });
            enterprise_event(&mut tx, ctx, enterprise_id, "admitted", reason, None, detail).await?;
        }
        let after = serde_json::json!({ "status": next, "decision": decision, "reason": reason, "checks": checks });
        audit::record(
            &mut tx,
            ctx,
            decision,
            "admission",
            Some(id),
            Some(before.park_id),
            json(&before.status),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        self.admission(id).await
    }

    pub async fn admission(&self, id: i64) -> Result<Admission> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut a = admission_from_row(&row)?;
        let rows = sqlx::query(
            "SELECT step, decision, reason, username, at_ms FROM admission_steps WHERE admission_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        a.steps = rows
            .iter()
            .map(|r| {
                Ok(AdmissionStep {
                    step: col(r, "step")?,
                    decision: col(r, "decision")?,
                    reason: col(r, "reason")?,
                    username: col(r, "username")?,
                    at_ms: col(r, "at_ms")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(a)
    }

    /// Applications in the parks of a scope, newest first (without their steps).
    pub async fn admissions_in(&self, scope: &weiyuan_domain::access::ParkScope) -> Result<Vec<Admission>> {
        let q = format!(
            "SELECT {FIELDS} FROM (SELECT * FROM admissions WHERE {{scope}}) a JOIN parks p ON p.id = a.park_id ORDER BY a.id DESC"
        );
        self.fetch_scoped(&q, scope).await?.iter().map(admission_from_row).collect()
    }

    /// The applications of one enterprise (by its id or its credit code), newest first.
    pub async fn admissions_of(&self, enterprise_id: i64, credit_code: &str) -> Result<Vec<Admission>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {COLUMNS} WHERE a.enterprise_id = $1 OR a.credit_code = $2 ORDER BY a.id DESC"
        )))
        .bind(enterprise_id)
        .bind(credit_code)
        .fetch_all(&self.pool)
        .await?;
        let mut list = Vec::new();
        for r in &rows {
            list.push(self.admission(col(r, "id")?).await?);
        }
        Ok(list)
    }
}
