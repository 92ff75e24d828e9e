//! Policies and incentives: the policy library, the facts each enterprise is matched on, the
//! notices pushed to those that qualify, and applications with their review steps. Writes take
//! the `PolicyOffice`, `Applicant` or `PolicyReviewer` capability; an application is filed or
//! reviewed in one transaction that locks the enterprise or the application and reads what
//! the rule needs through it (`Store::begin_application`, `Store::begin_policy_review`).

use crate::audit::{self, AuditCtx, json};
use crate::versions::bad_json;
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use weiyuan_domain::access::{Applicant, PolicyOffice, PolicyReviewer};
use weiyuan_domain::enterprises::{EnterpriseSize, Tag};
use weiyuan_domain::evaluation::Class;
use weiyuan_domain::policies::{Assessment, Criterion, Facts, Formula, OPEN, PolicyDraft, Review, YearFigures};
use weiyuan_domain::units::Fixed2;

/// A policy of the library.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Policy {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub benefit: String,
    pub valid_from: String,
    pub valid_to: String,
    pub criteria: Vec<Criterion>,
    pub formula: Formula,
    /// draft, published, withdrawn
    pub status: String,
    pub generated: bool,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
}

const POLICY: &str = "SELECT id, title, source, benefit, valid_from, valid_to, criteria_json, formula_json, status, \
                      generated, created_at, created_by, published_at, published_by FROM policies";

fn policy_from_row(r: &AnyRow) -> Result<Policy> {
    let criteria: String = col(r, "criteria_json")?;
    let formula: String = col(r, "formula_json")?;
    Ok(Policy {
        id: col(r, "id")?,
        title: col(r, "title")?,
        source: col(r, "source")?,
        benefit: col(r, "benefit")?,
        valid_from: col(r, "valid_from")?,
        valid_to: col(r, "valid_to")?,
        criteria: serde_json::from_str(&criteria).map_err(bad_json)?,
        formula: serde_json::from_str(&formula).map_err(bad_json)?,
        status: col(r, "status")?,
        generated: col::<i64>(r, "generated")? != 0,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        published_at: col(r, "published_at")?,
        published_by: col(r, "published_by")?,
    })
}

/// One enterprise's facts with what lists show of it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FactsRow {
    pub facts: Facts,
    pub name: String,
    pub park: String,
    pub township_code: String,
}

/// Which enterprises' facts to read (all active ones when every field is None).
#[derive(Clone, Debug, Default)]
pub struct FactsFilter {
    pub enterprise_id: Option<i64>,
    pub park_id: Option<i64>,
    pub township: Option<String>,
}

/// How far a policy has reached: enterprises notified, those that read the notice, and
/// applications filed and approved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reach {
    pub notified: i64,
    pub read: i64,
    pub applied: i64,
    pub approved: i64,
}

/// A notice pushed to an enterprise.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Notice {
    pub policy_id: i64,
    pub title: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// An application with the names lists show.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Application {
    pub id: i64,
    pub policy_id: i64,
    pub policy: String,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    /// township, county, approved, rejected, returned
    pub status: String,
    pub basis_year: i32,
    /// 元
    pub amount: Option<Fixed2>,
    pub assessment: Assessment,
    pub statement: String,
    pub generated: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Application {
    /// The enterprise's park and township, as filed: what scope checks on the application read
    /// (the lists filter by the same township).
    pub fn scope(&self) -> weiyuan_domain::access::ParkRef<'_> {
        weiyuan_domain::access::ParkRef { id: self.park_id, township_code: &self.township_code }
    }
}

const APPLICATION: &str = "SELECT a.id, a.policy_id, p.title AS policy, a.enterprise_id, e.name AS enterprise, \
    a.park_id, k.name AS park, a.township_code, a.status, a.basis_year, a.amount_x100, a.assessment_json, a.statement, \
    a.generated, a.created_at, a.updated_at FROM policy_applications a JOIN policies p ON p.id = a.policy_id \
    JOIN enterprises e ON e.id = a.enterprise_id JOIN parks k ON k.id = a.park_id";

fn application_from_row(r: &AnyRow) -> Result<Application> {
    let assessment: String = col(r, "assessment_json")?;
    Ok(Application {
        id: col(r, "id")?,
        policy_id: col(r, "policy_id")?,
        policy: col(r, "policy")?,
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        township_code: col(r, "township_code")?,
        status: col(r, "status")?,
        basis_year: col::<i64>(r, "basis_year")? as i32,
        amount: col::<Option<i64>>(r, "amount_x100")?.map(Fixed2),
        assessment: serde_json::from_str(&assessment).map_err(bad_json)?,
        statement: col(r, "statement")?,
        generated: col::<i64>(r, "generated")? != 0,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// A review step of an application.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub stage: String,
    pub decision: String,
    pub comment: String,
    pub by: String,
    pub at: i64,
}

/// The filters of an application list; the caller adds its scope.
#[derive(Clone, Debug, Default)]
pub struct ApplicationFilter {
    pub status: Option<String>,
    pub policy_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub park_id: Option<i64>,
    pub township: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The SQL filter of a facts read and its one text parameter (the township).
struct Scope {
    filter: String,
    township: Option<String>,
}

impl Scope {
    fn of(f: &FactsFilter) -> Scope {
        let mut clauses = vec!["e.status = 'active'".to_string()];
        if let Some(id) = f.enterprise_id {
            clauses.push(format!("e.id = {id}"));
        }
        if let Some(id) = f.park_id {
            clauses.push(format!("e.park_id = {id}"));
        }
        if f.township.is_some() {
            clauses.push("p.township_code = $1".into());
        }
        Scope { filter: clauses.join(" AND "), township: f.township.clone() }
    }

    async fn fetch(&self, conn: &mut AnyConnection, q: String) -> Result<Vec<AnyRow>> {
        let mut query = sqlx::query(sql(q));
        if let Some(t) = &self.township {
            query = query.bind(t.clone());
        }
        Ok(query.fetch_all(conn).await?)
    }

    fn joined(&self) -> String {
        format!("JOIN enterprises e ON e.id = r.enterprise_id JOIN parks p ON p.id = e.park_id WHERE {}", self.filter)
    }
}

/// The registry part of the facts: one row per active enterprise.
async fn registry(conn: &mut AnyConnection, s: &Scope) -> Result<Vec<AnyRow>> {
    let q = format!(
        "SELECT e.id, e.park_id, e.name, p.name AS park, p.township_code, e.size, e.industry_code, e.tags, e.entry_date \
         FROM enterprises e JOIN parks p ON p.id = e.park_id WHERE {}",
        s.filter
    );
    s.fetch(conn, q).await
}

/// The basis year and the year before, from the totals kept with every report write.
async fn years(conn: &mut AnyConnection, s: &Scope, year: i32) -> Result<Vec<AnyRow>> {
    let q = format!(
        "SELECT r.enterprise_id, r.year, r.months, r.employee_months, COALESCE(r.revenue, 0) AS revenue, \
         COALESCE(r.tax, 0) AS tax, COALESCE(r.tax_local, 0) AS tax_local, COALESCE(r.profit, 0) AS profit, \
         COALESCE(r.rnd, 0) AS rnd, COALESCE(r.employees, 0) AS employees \
         FROM enterprise_years r {} AND r.year IN ({}, {year})",
        s.joined(),
        year - 1
    );
    s.fetch(conn, q).await
}

/// The class of the latest published evaluation.
async fn classes(conn: &mut AnyConnection, s: &Scope) -> Result<Vec<AnyRow>> {
    let q = format!(
        "SELECT r.enterprise_id, r.class FROM evaluation_results r {} AND r.class IS NOT NULL AND r.run_id = \
         (SELECT id FROM evaluation_runs WHERE status = 'published' ORDER BY last_month DESC, id DESC LIMIT 1)",
        s.joined()
    );
    s.fetch(conn, q).await
}

/// The rent of the units each leases: m² × 元/m² a month, both in hundredths.
async fn rents(conn: &mut AnyConnection, s: &Scope) -> Result<Vec<AnyRow>> {
    let q = format!(
        "SELECT u.tenant_id AS enterprise_id, CAST(SUM(u.area_m2_x100 * u.rent_x100) AS BIGINT) AS rent \
         FROM units u JOIN enterprises e ON e.id = u.tenant_id JOIN parks p ON p.id = e.park_id \
         WHERE {} AND u.rent_x100 IS NOT NULL GROUP BY u.tenant_id",
        s.filter
    );
    s.fetch(conn, q).await
}

/// The four parts put together.
fn merge(
    registry: &[AnyRow],
    years: &[AnyRow],
    classes: &[AnyRow],
    rents: &[AnyRow],
    year: i32,
) -> Result<Vec<FactsRow>> {
    let mut out: Vec<FactsRow> = Vec::with_capacity(registry.len());
    let mut at: HashMap<i64, usize> = HashMap::with_capacity(registry.len());
    for r in registry {
        let size: String = col(r, "size")?;
        let tags: String = col(r, "tags")?;
        let id: i64 = col(r, "id")?;
        at.insert(id, out.len());
        out.push(FactsRow {
            facts: Facts {
                enterprise_id: id,
                park_id: col(r, "park_id")?,
                size: EnterpriseSize::parse(&size).unwrap_or(EnterpriseSize::Below),
                industry_code: col(r, "industry_code")?,
                tags: tags.split(',').filter_map(Tag::parse).collect(),
                entry_date: col(r, "entry_date")?,
                class: None,
                year: None,
                prior_revenue: None,
                monthly_rent: Fixed2::ZERO,
            },
            name: col(r, "name")?,
            park: col(r, "park")?,
            township_code: col(r, "township_code")?,
        });
    }
    for r in years {
        let Some(&i) = at.get(&col::<i64>(r, "enterprise_id")?) else { continue };
        let y: i64 = col(r, "year")?;
        let v = |c: &str| col::<i64>(r, c).map(Fixed2);
        if y == year as i64 {
            let employee_months: i64 = col(r, "employee_months")?;
            let employees = v("employees")?;
            out[i].facts.year = Some(YearFigures {
                year,
                months: col(r, "months")?,
                revenue: v("revenue")?,
                tax: v("tax")?,
                tax_local: v("tax_local")?,
                profit: v("profit")?,
                rnd: v("rnd")?,
                employees: if employee_months > 0 { employees.div_round(employee_months) } else { Fixed2::ZERO },
            });
        } else {
            out[i].facts.prior_revenue = Some(v("revenue")?);
        }
    }
    for r in classes {
        if let Some(&i) = at.get(&col::<i64>(r, "enterprise_id")?) {
            let class: String = col(r, "class")?;
            out[i].facts.class = Class::ALL.iter().copied().find(|c| c.code() == class);
        }
    }
    for r in rents {
        if let Some(&i) = at.get(&col::<i64>(r, "enterprise_id")?) {
            out[i].facts.monthly_rent = Fixed2(col::<i64>(r, "rent")?).div_round(100);
        }
    }
    Ok(out)
}

/// The facts of the enterprises the filter names, for the basis year, read through `conn` (a
/// transaction deciding on them): the registry, the year's and the year before's totals, the
/// class of the latest published evaluation and the rent of the units each leases.
pub(crate) async fn facts_in(conn: &mut AnyConnection, f: &FactsFilter, year: i32) -> Result<Vec<FactsRow>> {
    let s = Scope::of(f);
    let reg = registry(conn, &s).await?;
    let y = years(conn, &s, year).await?;
    let c = classes(conn, &s).await?;
    let r = rents(conn, &s).await?;
    merge(&reg, &y, &c, &r, year)
}

impl Store {
    /// A page of the library, newest first, and the number that match; drafts and withdrawn
    /// policies only when asked (the county).
    pub async fn policies(&self, all: bool, limit: i64, offset: i64) -> Result<(Vec<Policy>, i64)> {
        let filter = if all { "1 = 1" } else { "status = 'published'" };
        let n: i64 = col(
            &sqlx::query(sql(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM policies WHERE {filter}")))
                .fetch_one(&self.pool)
                .await?,
            "n",
        )?;
        let rows = sqlx::query(sql(format!("{POLICY} WHERE {filter} ORDER BY id DESC LIMIT {limit} OFFSET {offset}")))
            .fetch_all(&self.pool)
            .await?;
        Ok((rows.iter().map(policy_from_row).collect::<Result<_>>()?, n))
    }

    /// Every published policy, for matching.
    pub async fn published_policies(&self) -> Result<Vec<Policy>> {
        let rows =
            sqlx::query(sql(format!("{POLICY} WHERE status = 'published' ORDER BY id"))).fetch_all(&self.pool).await?;
        rows.iter().map(policy_from_row).collect()
    }

    pub async fn get_policy(&self, id: i64) -> Result<Policy> {
        let row = sqlx::query(sql(format!("{POLICY} WHERE id = $1"))).bind(id).fetch_optional(&self.pool).await?;
        policy_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// A new policy, as a draft (or published at once, for the demo's library).
    pub async fn create_policy(
        &self,
        _: &PolicyOffice,
        ctx: &AuditCtx,
        d: &PolicyDraft,
        generated: bool,
    ) -> Result<Policy> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO policies (title, source, benefit, valid_from, valid_to, criteria_json, formula_json, status, \
             generated, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10) RETURNING id",
        )
        .bind(&d.title)
        .bind(&d.source)
        .bind(&d.benefit)
        .bind(&d.valid_from)
        .bind(&d.valid_to)
        .bind(serde_json::to_string(&d.criteria).map_err(bad_json)?)
        .bind(serde_json::to_string(&d.formula).map_err(bad_json)?)
        .bind(generated as i64)
        .bind(now_ms())
        .bind(&ctx.username)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        audit::record(&mut tx, ctx, "create", "policy", Some(id), None, None, json(d)).await?;
        tx.commit().await?;
        self.get_policy(id).await
    }

    /// Change a draft (a published policy is withdrawn and written anew, never edited).
    pub async fn update_policy(&self, _: &PolicyOffice, ctx: &AuditCtx, id: i64, d: &PolicyDraft) -> Result<Policy> {
        let mut tx = self.write_tx().await?;
        let before = lock_policy(&mut tx, id).await?;
        if before.status != "draft" {
            return Err(StoreError::Conflict("status"));
        }
        sqlx::query(
            "UPDATE policies SET title = $1, source = $2, benefit = $3, valid_from = $4, valid_to = $5, \
             criteria_json = $6, formula_json = $7 WHERE id = $8",
        )
        .bind(&d.title)
        .bind(&d.source)
        .bind(&d.benefit)
        .bind(&d.valid_from)
        .bind(&d.valid_to)
        .bind(serde_json::to_string(&d.criteria).map_err(bad_json)?)
        .bind(serde_json::to_string(&d.formula).map_err(bad_json)?)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(&mut tx, ctx, "update", "policy", Some(id), None, json(&before), json(d)).await?;
        tx.commit().await?;
        self.get_policy(id).await
    }

    /// Publish a draft or withdraw a published policy: `to` is the new status, `from` the one
    /// it must have.
    pub async fn set_policy_status(
        &self,
        _: &PolicyOffice,
        ctx: &AuditCtx,
        id: i64,
        from: &str,
        to: &str,
    ) -> Result<Policy> {
        let mut tx = self.write_tx().await?;
        let before = lock_policy(&mut tx, id).await?;
        if before.status != from {
            return Err(StoreError::Conflict("status"));
        }
        let publishing = to == "published";
        sqlx::query(
            "UPDATE policies SET status = $1, published_at = CASE WHEN $2 = 1 THEN $3 ELSE published_at END, \
             published_by = CASE WHEN $2 = 1 THEN $4 ELSE published_by END WHERE id = $5",
        )
        .bind(to)
        .bind(publishing as i64)
        .bind(now_ms())
        .bind(&ctx.username)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let action = if publishing { "publish" } else { "withdraw" };
        audit::record(&mut tx, ctx, action, "policy", Some(id), None, None, None).await?;
        tx.commit().await?;
        self.get_policy(id).await
    }

    /// The facts of the enterprises the filter names for a basis year, the four parts read at
    /// once on four connections (a read for lists and matching; decisions read through their
    /// transaction with `facts_in`).
    pub async fn policy_facts(&self, f: &FactsFilter, year: i32) -> Result<Vec<FactsRow>> {
        // Each part takes one connection of its own and needs no other, so parts of concurrent
        // reads can never wait on each other for the pool.
        let s = Scope::of(f);
        let pool = &self.pool;
        let (reg, y, cl, r) = tokio::try_join!(
            async { registry(&mut *pool.acquire().await?, &s).await },
            async { years(&mut *pool.acquire().await?, &s, year).await },
            async { classes(&mut *pool.acquire().await?, &s).await },
            async { rents(&mut *pool.acquire().await?, &s).await },
        )?;
        merge(&reg, &y, &cl, &r, year)
    }

    /// Push notices of policies to the enterprises that qualify, once per policy and
    /// enterprise: pairs already notified are skipped. Each park's webhooks are told how many of
    /// its enterprises newly qualify for each policy. Returns how many were new.
    pub async fn push_notices(&self, ctx: &AuditCtx, pairs: &[(i64, i64)]) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let at = now_ms();
        let mut added = 0;
        for chunk in pairs.chunks(500) {
            let values: Vec<String> = chunk.iter().map(|(p, e)| format!("({p}, {e}, {at})")).collect();
            let q = format!(
                "INSERT INTO policy_notices (policy_id, enterprise_id, created_at) VALUES {} \
                 ON CONFLICT (policy_id, enterprise_id) DO NOTHING",
                values.join(", ")
            );
            added += sqlx::query(sql(q)).execute(&mut *tx).await?.rows_affected();
        }
        if added > 0 {
            let after = serde_json::json!({ "notices": added });
            audit::record(&mut tx, ctx, "notify", "policy_notice", None, None, None, Some(after)).await?;
            // The rows of this push carry its time.
            let per_park = sqlx::query(
                "SELECT n.policy_id, p.title, e.park_id, CAST(COUNT(*) AS BIGINT) AS n FROM policy_notices n \
                 JOIN policies p ON p.id = n.policy_id JOIN enterprises e ON e.id = n.enterprise_id \
                 WHERE n.created_at = $1 GROUP BY n.policy_id, p.title, e.park_id ORDER BY n.policy_id, e.park_id",
            )
            .bind(at)
            .fetch_all(&mut *tx)
            .await?;
            for r in &per_park {
                let policy: i64 = col(r, "policy_id")?;
                let notice = crate::notices::NoticeDraft {
                    topic: "policy_qualified",
                    park_id: col(r, "park_id")?,
                    severity: weiyuan_domain::alarms::Severity::Info,
                    params: vec![
                        ("policy".into(), col::<String>(r, "title")?),
                        ("count".into(), col::<i64>(r, "n")?.to_string()),
                    ],
                    link: format!("/policies/{policy}"),
                };
                crate::notices::send(&mut tx, &notice, &[], &[crate::notices::HookLevel::Park], at).await?;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// An enterprise's notices, newest first.
    pub async fn policy_notices(&self, enterprise_id: i64) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT n.policy_id, p.title, n.created_at, n.read_at FROM policy_notices n JOIN policies p ON p.id = n.policy_id \
             WHERE n.enterprise_id = $1 AND p.status = 'published' ORDER BY n.created_at DESC, n.policy_id DESC",
        )
        .bind(enterprise_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Notice {
                    policy_id: col(r, "policy_id")?,
                    title: col(r, "title")?,
                    created_at: col(r, "created_at")?,
                    read_at: col(r, "read_at")?,
                })
            })
            .collect()
    }

    /// How many notices of published policies the enterprise has not read.
    pub async fn unread_policy_notices(&self, enterprise_id: i64) -> Result<i64> {
        let r = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM policy_notices n JOIN policies p ON p.id = n.policy_id \
             WHERE n.enterprise_id = $1 AND n.read_at IS NULL AND p.status = 'published'",
        )
        .bind(enterprise_id)
        .fetch_one(&self.pool)
        .await?;
        col(&r, "n")
    }

    /// The enterprise read a policy's notice (only the enterprise itself: `Applicant`).
    pub async fn read_notice(&self, who: &Applicant, ctx: &AuditCtx, policy_id: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = sqlx::query(
            "UPDATE policy_notices SET read_at = $1 WHERE policy_id = $2 AND enterprise_id = $3 AND read_at IS NULL",
        )
        .bind(now_ms())
        .bind(policy_id)
        .bind(who.enterprise_id())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            audit::record(&mut tx, ctx, "read", "policy_notice", Some(policy_id), None, None, None).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A policy's reach, within an optional township.
    pub async fn policy_reach(&self, policy_id: i64, township: Option<&str>) -> Result<Reach> {
        let (scope_n, scope_a) = match township {
            Some(_) => (
                " AND n.enterprise_id IN (SELECT e.id FROM enterprises e JOIN parks p ON p.id = e.park_id \
                 WHERE p.township_code = $2)",
                " AND a.township_code = $2",
            ),
            None => ("", ""),
        };
        let q1 = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS notified, CAST(COUNT(n.read_at) AS BIGINT) AS seen \
             FROM policy_notices n WHERE n.policy_id = $1{scope_n}"
        );
        let q2 = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS applied, \
             CAST(COALESCE(SUM(CASE WHEN a.status = 'approved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS approved \
             FROM policy_applications a WHERE a.policy_id = $1{scope_a}"
        );
        let mut a = sqlx::query(sql(q1)).bind(policy_id);
        let mut b = sqlx::query(sql(q2)).bind(policy_id);
        if let Some(t) = township {
            a = a.bind(t.to_string());
            b = b.bind(t.to_string());
        }
        let r1 = a.fetch_one(&self.pool).await?;
        let r2 = b.fetch_one(&self.pool).await?;
        Ok(Reach {
            notified: col(&r1, "notified")?,
            read: col(&r1, "seen")?,
            applied: col(&r2, "applied")?,
            approved: col(&r2, "approved")?,
        })
    }

    /// A page of applications and the number that match.
    pub async fn policy_applications(&self, q: &ApplicationFilter) -> Result<(Vec<Application>, i64)> {
        let mut clauses = vec!["1 = 1".to_string()];
        let mut text: Vec<String> = Vec::new();
        if let Some(s) = &q.status {
            text.push(s.clone());
            clauses.push(format!("a.status = ${}", text.len()));
        }
        if let Some(t) = &q.township {
            text.push(t.clone());
            clauses.push(format!("a.township_code = ${}", text.len()));
        }
        for (column, v) in
            [("a.policy_id", q.policy_id), ("a.enterprise_id", q.enterprise_id), ("a.park_id", q.park_id)]
        {
            if let Some(v) = v {
                clauses.push(format!("{column} = {v}"));
            }
        }
        let filter = clauses.join(" AND ");
        let mut count =
            sqlx::query(sql(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM policy_applications a WHERE {filter}")));
        for t in &text {
            count = count.bind(t.clone());
        }
        let total: i64 = col(&count.fetch_one(&self.pool).await?, "n")?;
        let mut list = sqlx::query(sql(format!(
            "{APPLICATION} WHERE {filter} ORDER BY a.updated_at DESC, a.id DESC LIMIT {} OFFSET {}",
            q.limit, q.offset
        )));
        for t in &text {
            list = list.bind(t.clone());
        }
        let rows = list.fetch_all(&self.pool).await?;
        Ok((rows.iter().map(application_from_row).collect::<Result<_>>()?, total))
    }

    pub async fn policy_application(&self, id: i64) -> Result<Application> {
        application_in(&mut *self.pool.acquire().await?, id).await
    }

    pub async fn policy_application_steps(&self, id: i64) -> Result<Vec<Step>> {
        let rows = sqlx::query(
            "SELECT stage, decision, comment, by_user, at_ms FROM policy_application_steps WHERE application_id = $1 \
             ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Step {
                    stage: col(r, "stage")?,
                    decision: col(r, "decision")?,
                    comment: col(r, "comment")?,
                    by: col(r, "by_user")?,
                    at: col(r, "at_ms")?,
                })
            })
            .collect()
    }

    /// Open the transaction in which an enterprise applies: its row is locked, so two
    /// applications of the same enterprise queue and the second sees the first.
    pub async fn begin_application(&self, enterprise_id: i64) -> Result<ApplicationTx> {
        let mut tx = self.write_tx().await?;
        let n = sqlx::query("UPDATE enterprises SET id = id WHERE id = $1")
            .bind(enterprise_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(ApplicationTx { tx })
    }

    /// Open the transaction in which an application is reviewed or filed again: its row is
    /// locked and read.
    pub async fn begin_policy_review(&self, application_id: i64) -> Result<(ApplicationTx, Application)> {
        let mut tx = self.write_tx().await?;
        let n = sqlx::query("UPDATE policy_applications SET id = id WHERE id = $1")
            .bind(application_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let a = application_in(&mut tx, application_id).await?;
        Ok((ApplicationTx { tx }, a))
    }
}

async fn lock_policy(conn: &mut AnyConnection, id: i64) -> Result<Policy> {
    let n =
        sqlx::query("UPDATE policies SET id = id WHERE id = $1").bind(id).execute(&mut *conn).await?.rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let row = sqlx::query(sql(format!("{POLICY} WHERE id = $1"))).bind(id).fetch_one(&mut *conn).await?;
    policy_from_row(&row)
}

async fn application_in(conn: &mut AnyConnection, id: i64) -> Result<Application> {
    let row = sqlx::query(sql(format!("{APPLICATION} WHERE a.id = $1"))).bind(id).fetch_optional(&mut *conn).await?;
    application_from_row(&row.ok_or(StoreError::NotFound)?)
}

/// An application's transaction: reads for the rule, then one write that commits.
pub struct ApplicationTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

/// What a filed application records.
pub struct Filing<'a> {
    pub policy_id: i64,
    pub park_id: i64,
    pub township_code: &'a str,
    pub basis_year: i32,
    pub assessment: &'a Assessment,
    pub statement: &'a str,
    pub generated: bool,
}

impl ApplicationTx {
    pub async fn policy(&mut self, id: i64) -> Result<Policy> {
        let row = sqlx::query(sql(format!("{POLICY} WHERE id = $1"))).bind(id).fetch_optional(&mut *self.tx).await?;
        policy_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// The enterprise's live application for the policy, other than `except`.
    pub async fn open_application(&mut self, policy_id: i64, enterprise_id: i64, except: i64) -> Result<Option<i64>> {
        let states = OPEN.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        let row = sqlx::query(sql(format!(
            "SELECT id FROM policy_applications WHERE policy_id = $1 AND enterprise_id = $2 AND id <> $3 \
             AND status IN ({states}) ORDER BY id LIMIT 1"
        )))
        .bind(policy_id)
        .bind(enterprise_id)
        .bind(except)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| col(&r, "id")).transpose()
    }

    /// The enterprise's facts as they stand in this transaction.
    pub async fn facts(&mut self, enterprise_id: i64, year: i32) -> Result<FactsRow> {
        let f = FactsFilter { enterprise_id: Some(enterprise_id), ..Default::default() };
        facts_in(&mut self.tx, &f, year).await?.pop().ok_or(StoreError::NotFound)
    }

    /// File a new application (the use case has decided every check passed).
    pub async fn file(mut self, who: &Applicant, ctx: &AuditCtx, f: &Filing<'_>) -> Result<Application> {
        let at = now_ms();
        let row = sqlx::query(
            "INSERT INTO policy_applications (policy_id, enterprise_id, park_id, township_code, status, basis_year, \
             amount_x100, assessment_json, statement, generated, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'township', $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(f.policy_id)
        .bind(who.enterprise_id())
        .bind(f.park_id)
        .bind(f.township_code)
        .bind(f.basis_year as i64)
        .bind(f.assessment.amount.as_ref().map(|a| a.value.0))
        .bind(serde_json::to_string(f.assessment).map_err(bad_json)?)
        .bind(f.statement)
        .bind(f.generated as i64)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        self.step(id, "applicant", "apply", f.statement, ctx).await?;
        let after = json(&serde_json::json!({ "policy_id": f.policy_id, "amount": f.assessment.amount }));
        audit::record(&mut self.tx, ctx, "apply", "policy_application", Some(id), Some(f.park_id), None, after).await?;
        let a = application_in(&mut self.tx, id).await?;
        self.tx.commit().await?;
        Ok(a)
    }

    /// File again an application that was sent back, with the assessment recomputed.
    pub async fn refile(
        mut self,
        who: &Applicant,
        ctx: &AuditCtx,
        a: &Application,
        basis_year: i32,
        assessment: &Assessment,
        statement: &str,
    ) -> Result<Application> {
        if a.enterprise_id != who.enterprise_id() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE policy_applications SET status = 'township', basis_year = $1, amount_x100 = $2, \
             assessment_json = $3, statement = $4, updated_at = $5 WHERE id = $6 AND status = 'returned'",
        )
        .bind(basis_year as i64)
        .bind(assessment.amount.as_ref().map(|x| x.value.0))
        .bind(serde_json::to_string(assessment).map_err(bad_json)?)
        .bind(statement)
        .bind(now_ms())
        .bind(a.id)
        .execute(&mut *self.tx)
        .await?;
        self.step(a.id, "applicant", "resubmit", statement, ctx).await?;
        audit::record(&mut self.tx, ctx, "resubmit", "policy_application", Some(a.id), Some(a.park_id), None, None)
            .await?;
        let out = application_in(&mut self.tx, a.id).await?;
        self.tx.commit().await?;
        Ok(out)
    }

    /// Record a review and move the application to `to`.
    pub async fn review(
        mut self,
        who: &PolicyReviewer,
        ctx: &AuditCtx,
        a: &Application,
        review: &Review,
        to: &str,
    ) -> Result<Application> {
        if who.application_id() != a.id || who.stage() != a.status {
            return Err(StoreError::Conflict("status"));
        }
        sqlx::query("UPDATE policy_applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to)
            .bind(now_ms())
            .bind(a.id)
            .bind(&a.status)
            .execute(&mut *self.tx)
            .await?;
        self.step(a.id, review.stage, review.decision.code(), &review.comment, ctx).await?;
        let before = json(&serde_json::json!({ "status": a.status }));
        let after = json(&serde_json::json!({ "status": to, "comment": review.comment }));
        audit::record(
            &mut self.tx,
            ctx,
            review.decision.code(),
            "policy_application",
            Some(a.id),
            Some(a.park_id),
            before,
            after,
        )
        .await?;
        let out = application_in(&mut self.tx, a.id).await?;
        self.tx.commit().await?;
        Ok(out)
    }

    async fn step(&mut self, id: i64, stage: &str, decision: &str, comment: &str, ctx: &AuditCtx) -> Result<()> {
        sqlx::query(
            "INSERT INTO policy_application_steps (application_id, stage, decision, comment, by_user, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(stage)
        .bind(decision)
        .bind(comment)
        .bind(&ctx.username)
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
