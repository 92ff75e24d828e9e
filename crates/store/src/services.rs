//! Online services: the catalogue, requests with their steps and attachments, the figures per
//! park and provider, and the escalation of overdue requests. A request's step is taken in one
//! transaction that locks the request (`Store::begin_service_step`); writes take the
//! `ServiceDesk`, `Applicant` or `ServiceProvider` capability.

use crate::audit::{self, AuditCtx, json};
use crate::notices::{Audience, HookLevel, NoticeDraft};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use weiyuan_domain::access::{AgencyRegistrar, Applicant, ServiceDesk, ServiceProvider};
use weiyuan_domain::services::{AgencyDraft, Deadlines, Done, ServiceDraft, Step, StepDraft};

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Service {
    pub id: i64,
    /// None: offered county-wide.
    pub park_id: Option<i64>,
    pub park: Option<String>,
    pub category: String,
    pub name: String,
    pub provider_kind: String,
    pub provider_name: String,
    /// The registered agency providing it (provider_kind `agency`).
    pub agency_id: Option<i64>,
    pub description: String,
    pub documents: String,
    pub response_hours: i64,
    pub completion_days: i64,
    pub active: bool,
    pub generated: bool,
}

const SERVICE: &str = "SELECT s.id, s.park_id, p.name AS park, s.category, s.name, s.provider_kind, s.provider_name, \
    s.agency_id, s.description, s.documents, s.response_hours, s.completion_days, s.active, s.generated \
    FROM services s LEFT JOIN parks p ON p.id = s.park_id";

fn service_from_row(r: &AnyRow) -> Result<Service> {
    Ok(Service {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        category: col(r, "category")?,
        name: col(r, "name")?,
        provider_kind: col(r, "provider_kind")?,
        provider_name: col(r, "provider_name")?,
        agency_id: col(r, "agency_id")?,
        description: col(r, "description")?,
        documents: col(r, "documents")?,
        response_hours: col(r, "response_hours")?,
        completion_days: col(r, "completion_days")?,
        active: col::<i64>(r, "active")? != 0,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

/// Which part of the catalogue to list.
#[derive(Clone, Debug, Default)]
pub struct ServiceFilter {
    /// Parks whose catalogues to include (None: every park).
    pub park_ids: Option<Vec<i64>>,
    /// Include the county-wide catalogue.
    pub county_wide: bool,
    /// Only the services of this agency (wherever offered), instead of the catalogues above.
    pub agency_id: Option<i64>,
    pub active_only: bool,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Request {
    pub id: i64,
    pub service_id: i64,
    pub service: String,
    pub category: String,
    pub provider_kind: String,
    pub provider_name: String,
    pub agency_id: Option<i64>,
    /// The service's promised completion, days after acceptance.
    pub completion_days: i64,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub detail: String,
    pub state: String,
    pub requested_at: i64,
    pub respond_by: i64,
    pub accepted_at: Option<i64>,
    pub complete_by: Option<i64>,
    pub completed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    pub escalated_at: Option<i64>,
    pub escalated_for: Option<String>,
    pub generated: bool,
}

impl Request {
    /// The enterprise's park and township, as requested: what scope checks read (the lists
    /// filter by the same township).
    pub fn scope(&self) -> weiyuan_domain::access::ParkRef<'_> {
        weiyuan_domain::access::ParkRef { id: self.park_id, township_code: &self.township_code }
    }

    pub fn deadlines(&self) -> Deadlines {
        Deadlines { respond_by: self.respond_by, complete_by: self.complete_by }
    }
}

const REQUEST: &str = "SELECT r.id, r.service_id, s.name AS service, s.category, s.provider_kind, s.provider_name, s.agency_id, s.completion_days, \
    r.enterprise_id, e.name AS enterprise, r.park_id, p.name AS park, r.township_code, r.detail, r.state, \
    r.requested_at, r.respond_by, r.accepted_at, r.complete_by, r.completed_at, r.closed_at, r.rating, \
    r.escalated_at, r.escalated_for, r.generated FROM service_requests r JOIN services s ON s.id = r.service_id \
    JOIN enterprises e ON e.id = r.enterprise_id JOIN parks p ON p.id = r.park_id";

fn request_from_row(r: &AnyRow) -> Result<Request> {
    Ok(Request {
        id: col(r, "id")?,
        service_id: col(r, "service_id")?,
        service: col(r, "service")?,
        category: col(r, "category")?,
        provider_kind: col(r, "provider_kind")?,
        provider_name: col(r, "provider_name")?,
        agency_id: col(r, "agency_id")?,
        completion_days: col(r, "completion_days")?,
        enterprise_id: col(r, "enterprise_id")?,
        enterprise: col(r, "enterprise")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        township_code: col(r, "township_code")?,
        detail: col(r, "detail")?,
        state: col(r, "state")?,
        requested_at: col(r, "requested_at")?,
        respond_by: col(r, "respond_by")?,
        accepted_at: col(r, "accepted_at")?,
        complete_by: col(r, "complete_by")?,
        completed_at: col(r, "completed_at")?,
        closed_at: col(r, "closed_at")?,
        rating: col(r, "rating")?,
        escalated_at: col(r, "escalated_at")?,
        escalated_for: col(r, "escalated_for")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

/// Which requests to list; the caller adds its scope.
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub state: Option<String>,
    pub service_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub park_id: Option<i64>,
    pub township: Option<String>,
    /// Only the operator's own services (provider_kind = operator) of `park_id`.
    pub operator_services: bool,
    /// Only the services of this agency.
    pub agency_id: Option<i64>,
    /// Only requests past a deadline at this time.
    pub overdue_at: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepRow {
    pub step: String,
    pub note: String,
    pub by: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Attachment {
    pub id: i64,
    pub request_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub by: String,
    pub created_at: i64,
}

fn request_clauses(q: &RequestFilter) -> (String, Vec<String>) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut text = Vec::new();
    if let Some(s) = &q.state {
        text.push(s.clone());
        clauses.push(format!("r.state = ${}", text.len()));
    }
    if let Some(t) = &q.township {
        text.push(t.clone());
        clauses.push(format!("r.township_code = ${}", text.len()));
    }
    for (column, v) in [
        ("r.service_id", q.service_id),
        ("r.enterprise_id", q.enterprise_id),
        ("r.park_id", q.park_id),
        ("s.agency_id", q.agency_id),
    ] {
        if let Some(v) = v {
            clauses.push(format!("{column} = {v}"));
        }
    }
    if q.operator_services {
        clauses.push("s.provider_kind = 'operator'".into());
    }
    if let Some(now) = q.overdue_at {
        clauses.push(format!(
            "((r.state = 'requested' AND r.respond_by < {now}) OR (r.state = 'accepted' AND r.complete_by < {now}))"
        ));
    }
    (clauses.join(" AND "), text)
}

impl Store {
    /// A page of the catalogue and how many match.
    pub async fn services(&self, f: &ServiceFilter) -> Result<(Vec<Service>, i64)> {
        let mut parts = Vec::new();
        match &f.park_ids {
            _ if f.agency_id.is_some() => {}
            None => parts.push("s.park_id IS NOT NULL".to_string()),
            Some(ids) if !ids.is_empty() => {
                parts.push(format!("s.park_id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")))
            }
            Some(_) => {}
        }
        if f.county_wide && f.agency_id.is_none() {
            parts.push("s.park_id IS NULL".into());
        }
        if let Some(a) = f.agency_id {
            parts.push(format!("s.agency_id = {a}"));
        }
        if parts.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut filter = format!("({})", parts.join(" OR "));
        if f.active_only {
            filter.push_str(" AND s.active = 1");
        }
        let n: i64 = col(
            &sqlx::query(sql(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM services s WHERE {filter}")))
                .fetch_one(&self.pool)
                .await?,
            "n",
        )?;
        let rows = sqlx::query(sql(format!(
            "{SERVICE} WHERE {filter} ORDER BY CASE WHEN s.park_id IS NULL THEN 0 ELSE 1 END, p.name, s.category, s.id \
             LIMIT {} OFFSET {}",
            f.limit, f.offset
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows.iter().map(service_from_row).collect::<Result<_>>()?, n))
    }

    pub async fn get_service(&self, id: i64) -> Result<Service> {
        let row = sqlx::query(sql(format!("{SERVICE} WHERE s.id = $1"))).bind(id).fetch_optional(&self.pool).await?;
        service_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// Each park's active service functions (distinct categories of its own catalogue).
    pub async fn service_functions(&self) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT park_id, CAST(COUNT(DISTINCT category) AS BIGINT) AS n FROM services \
             WHERE park_id IS NOT NULL AND active = 1 GROUP BY park_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "park_id")?, col(r, "n")?))).collect()
    }

    pub async fn create_service(
        &self,
        desk: &ServiceDesk,
        ctx: &AuditCtx,
        d: &ServiceDraft,
        generated: bool,
    ) -> Result<Service> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO services (park_id, category, name, provider_kind, provider_name, description, documents, \
             response_hours, completion_days, active, generated, created_at, agency_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(desk.park_id())
        .bind(&d.category)
        .bind(&d.name)
        .bind(d.provider_kind.code())
        .bind(&d.provider_name)
        .bind(&d.description)
        .bind(&d.documents)
        .bind(d.response_hours)
        .bind(d.completion_days)
        .bind(d.active as i64)
        .bind(generated as i64)
        .bind(now_ms())
        .bind(d.agency_id)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        audit::record(&mut tx, ctx, "create", "service", Some(id), desk.park_id(), None, json(d)).await?;
        tx.commit().await?;
        self.get_service(id).await
    }

    /// Change a service of the desk's catalogue (another catalogue's service is not found).
    pub async fn update_service(
        &self,
        desk: &ServiceDesk,
        ctx: &AuditCtx,
        id: i64,
        d: &ServiceDraft,
    ) -> Result<Service> {
        let mut tx = self.write_tx().await?;
        let before = sqlx::query(sql(format!("{SERVICE} WHERE s.id = $1"))).bind(id).fetch_optional(&mut *tx).await?;
        let before = service_from_row(&before.ok_or(StoreError::NotFound)?)?;
        if before.park_id != desk.park_id() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE services SET category = $1, name = $2, provider_kind = $3, provider_name = $4, description = $5, \
             documents = $6, response_hours = $7, completion_days = $8, active = $9, agency_id = $10 WHERE id = $11",
        )
        .bind(&d.category)
        .bind(&d.name)
        .bind(d.provider_kind.code())
        .bind(&d.provider_name)
        .bind(&d.description)
        .bind(&d.documents)
        .bind(d.response_hours)
        .bind(d.completion_days)
        .bind(d.active as i64)
        .bind(d.agency_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(&mut tx, ctx, "update", "service", Some(id), desk.park_id(), json(&before), json(d)).await?;
        tx.commit().await?;
        self.get_service(id).await
    }

    /// File a request (the use case has checked the service is offered to the enterprise).
    #[allow(clippy::too_many_arguments)]
    pub async fn file_service_request(
        &self,
        who: &Applicant,
        ctx: &AuditCtx,
        service: &Service,
        park_id: i64,
        township_code: &str,
        detail: &str,
        at: i64,
        generated: bool,
    ) -> Result<Request> {
        let mut tx = self.write_tx().await?;
        let d = weiyuan_domain::services::deadlines(at, None, service.response_hours, service.completion_days);
        let row = sqlx::query(
            "INSERT INTO service_requests (service_id, enterprise_id, park_id, township_code, detail, state, requested_at, \
             respond_by, generated) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8) RETURNING id",
        )
        .bind(service.id)
        .bind(who.enterprise_id())
        .bind(park_id)
        .bind(township_code)
        .bind(detail)
        .bind(at)
        .bind(d.respond_by)
        .bind(generated as i64)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        step_row(&mut tx, id, "request", detail, &ctx.username, at).await?;
        let after = json(&serde_json::json!({ "service_id": service.id, "detail": detail }));
        audit::record(&mut tx, ctx, "request", "service_request", Some(id), Some(park_id), None, after).await?;
        let r = request_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(r)
    }

    pub async fn service_requests(&self, q: &RequestFilter) -> Result<(Vec<Request>, i64)> {
        let (filter, text) = request_clauses(q);
        let mut count = sqlx::query(sql(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM service_requests r JOIN services s ON s.id = r.service_id WHERE {filter}"
        )));
        for t in &text {
            count = count.bind(t.clone());
        }
        let total: i64 = col(&count.fetch_one(&self.pool).await?, "n")?;
        let mut list = sqlx::query(sql(format!(
            "{REQUEST} WHERE {filter} ORDER BY r.requested_at DESC, r.id DESC LIMIT {} OFFSET {}",
            q.limit, q.offset
        )));
        for t in &text {
            list = list.bind(t.clone());
        }
        let rows = list.fetch_all(&self.pool).await?;
        Ok((rows.iter().map(request_from_row).collect::<Result<_>>()?, total))
    }

    pub async fn service_request(&self, id: i64) -> Result<Request> {
        request_in(&mut *self.pool.acquire().await?, id).await
    }

    pub async fn service_request_steps(&self, id: i64) -> Result<Vec<StepRow>> {
        let rows = sqlx::query(
            "SELECT step, note, by_user, at_ms FROM service_request_steps WHERE request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StepRow {
                    step: col(r, "step")?,
                    note: col(r, "note")?,
                    by: col(r, "by_user")?,
                    at: col(r, "at_ms")?,
                })
            })
            .collect()
    }

    /// The figures' inputs of the requests the filter names, grouped by `key` (park or provider):
    /// (key, label, requests, finished ones).
    pub async fn service_figures(
        &self,
        q: &RequestFilter,
        by_provider: bool,
    ) -> Result<Vec<(String, String, i64, Vec<Done>)>> {
        let (filter, text) = request_clauses(q);
        let (key, label) = if by_provider {
            ("s.provider_kind || ':' || s.provider_name", "s.provider_name")
        } else {
            ("CAST(r.park_id AS TEXT)", "p.name")
        };
        let mut list = sqlx::query(sql(format!(
            "SELECT {key} AS k, {label} AS label, r.requested_at, r.completed_at, r.complete_by, r.rating \
             FROM service_requests r JOIN services s ON s.id = r.service_id JOIN parks p ON p.id = r.park_id \
             WHERE {filter} AND r.state NOT IN ('cancelled') ORDER BY k"
        )));
        for t in &text {
            list = list.bind(t.clone());
        }
        let mut out: Vec<(String, String, i64, Vec<Done>)> = Vec::new();
        for r in list.fetch_all(&self.pool).await? {
            let k: String = col(&r, "k")?;
            if out.last().is_none_or(|(last, ..)| *last != k) {
                out.push((k.clone(), col(&r, "label")?, 0, Vec::new()));
            }
            let entry = out.last_mut().expect("pushed");
            entry.2 += 1;
            if let Some(completed_at) = col::<Option<i64>>(&r, "completed_at")? {
                entry.3.push(Done {
                    requested_at: col(&r, "requested_at")?,
                    completed_at,
                    complete_by: col(&r, "complete_by")?,
                    rating: col(&r, "rating")?,
                });
            }
        }
        Ok(out)
    }

    /// Open the transaction of a step on a request: the row is locked and read.
    pub async fn begin_service_step(&self, id: i64) -> Result<(ServiceTx, Request)> {
        let mut tx = self.write_tx().await?;
        let n = sqlx::query("UPDATE service_requests SET id = id WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let r = request_in(&mut tx, id).await?;
        Ok((ServiceTx { tx }, r))
    }

    /// Mark requests past a deadline as escalated, once for each deadline, with a step and an
    /// audit entry each, and tell the provider's side, the park's township and the county
    /// (in-app, and the park's, township's and county's webhooks); returns them.
    pub async fn escalate_overdue(&self, ctx: &AuditCtx, now: i64) -> Result<Vec<Request>> {
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(sql(format!(
            "{REQUEST} WHERE (r.state = 'requested' AND r.respond_by < {now} AND r.escalated_for IS NULL) \
             OR (r.state = 'accepted' AND r.complete_by < {now} \
                 AND (r.escalated_for IS NULL OR r.escalated_for = 'response')) ORDER BY r.id"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let mut r = request_from_row(row)?;
            let Some(kind) = weiyuan_domain::services::overdue(&r.state, &r.deadlines(), now) else { continue };
            sqlx::query("UPDATE service_requests SET escalated_at = $1, escalated_for = $2 WHERE id = $3")
                .bind(now)
                .bind(kind.code())
                .bind(r.id)
                .execute(&mut *tx)
                .await?;
            step_row(&mut tx, r.id, "escalate", kind.code(), &ctx.username, now).await?;
            let provider = match (r.provider_kind.as_str(), r.agency_id) {
                ("operator", _) => Some(Audience::Operator),
                (_, Some(agency)) => Some(Audience::Agency(agency)),
                _ => None,
            };
            let notice = NoticeDraft {
                topic: match kind {
                    weiyuan_domain::services::Overdue::Response => "service_overdue_response",
                    weiyuan_domain::services::Overdue::Completion => "service_overdue_completion",
                },
                park_id: r.park_id,
                severity: weiyuan_domain::alarms::Severity::Warning,
                params: vec![
                    ("service".into(), r.service.clone()),
                    ("enterprise".into(), r.enterprise.clone()),
                    ("park".into(), r.park.clone()),
                ],
                link: format!("/service-requests/{}", r.id),
            };
            let audiences: Vec<Audience> = provider.into_iter().chain([Audience::Township, Audience::County]).collect();
            let hooks = [HookLevel::Park, HookLevel::Township, HookLevel::County];
            crate::notices::send(&mut tx, &notice, &audiences, &hooks, now).await?;
            let after = json(&serde_json::json!({ "overdue": kind.code() }));
            audit::record(&mut tx, ctx, "escalate", "service_request", Some(r.id), Some(r.park_id), None, after)
                .await?;
            r.escalated_at = Some(now);
            r.escalated_for = Some(kind.code().to_string());
            out.push(r);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn service_attachments(&self, request_id: i64) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(
            "SELECT id, request_id, name, content_type, size, by_user, created_at FROM service_attachments \
             WHERE request_id = $1 ORDER BY id",
        )
        .bind(request_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// One attachment with its bytes.
    pub async fn service_attachment(&self, id: i64) -> Result<(Attachment, Vec<u8>)> {
        let row = sqlx::query(
            "SELECT id, request_id, name, content_type, size, by_user, created_at, data FROM service_attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((attachment_from_row(&row)?, col(&row, "data")?))
    }

    /// Keep an attachment (checked by the caller) on a request of one of its parties.
    pub async fn add_service_attachment(
        &self,
        by: Actor<'_>,
        ctx: &AuditCtx,
        request: &Request,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<Attachment> {
        let party = match by {
            Actor::Provider(p) => p.request_id() == request.id,
            Actor::Enterprise(a) => a.enterprise_id() == request.enterprise_id,
        };
        if !party {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO service_attachments (request_id, name, content_type, size, data, by_user, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(request.id)
        .bind(name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(bytes.to_vec())
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let after = json(&serde_json::json!({ "name": name, "type": content_type, "size": bytes.len() }));
        audit::record(&mut tx, ctx, "attach", "service_request", Some(request.id), Some(request.park_id), None, after)
            .await?;
        tx.commit().await?;
        let r = sqlx::query(
            "SELECT id, request_id, name, content_type, size, by_user, created_at FROM service_attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        attachment_from_row(&r)
    }
}

fn attachment_from_row(r: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: col(r, "id")?,
        request_id: col(r, "request_id")?,
        name: col(r, "name")?,
        content_type: col(r, "content_type")?,
        size: col(r, "size")?,
        by: col(r, "by_user")?,
        created_at: col(r, "created_at")?,
    })
}

async fn request_in(conn: &mut AnyConnection, id: i64) -> Result<Request> {
    let row = sqlx::query(sql(format!("{REQUEST} WHERE r.id = $1"))).bind(id).fetch_optional(&mut *conn).await?;
    request_from_row(&row.ok_or(StoreError::NotFound)?)
}

async fn step_row(conn: &mut AnyConnection, id: i64, step: &str, note: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO service_request_steps (request_id, step, note, by_user, at_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(step)
    .bind(note)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A step's transaction.
pub struct ServiceTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

/// Who takes a step: the provider's side or the enterprise itself.
pub enum Actor<'a> {
    Provider(&'a ServiceProvider),
    Enterprise(&'a Applicant),
}

impl ServiceTx {
    /// Record the step and move the request to `to` (decided by `services::next_state`).
    pub async fn step(
        mut self,
        by: Actor<'_>,
        ctx: &AuditCtx,
        r: &Request,
        s: &StepDraft,
        to: &str,
        at: i64,
    ) -> Result<Request> {
        let ok = match by {
            Actor::Provider(p) => p.request_id() == r.id && s.step.by_provider(),
            Actor::Enterprise(a) => a.enterprise_id() == r.enterprise_id && !s.step.by_provider(),
        };
        if !ok {
            return Err(StoreError::NotFound);
        }
        let set = match s.step {
            Step::Accept => {
                let d = weiyuan_domain::services::deadlines(r.requested_at, Some(at), 0, r.completion_days);
                format!("accepted_at = {at}, complete_by = {}", d.complete_by.unwrap_or(at))
            }
            Step::Complete => format!("completed_at = {at}"),
            Step::Confirm => format!("closed_at = {at}, rating = {}", s.rating.unwrap_or(0)),
            Step::Decline | Step::Cancel => format!("closed_at = {at}"),
        };
        sqlx::query(sql(format!("UPDATE service_requests SET state = $1, {set} WHERE id = $2 AND state = $3")))
            .bind(to)
            .bind(r.id)
            .bind(&r.state)
            .execute(&mut *self.tx)
            .await?;
        step_row(&mut self.tx, r.id, s.step.code(), &s.note, &ctx.username, at).await?;
        let before = json(&serde_json::json!({ "state": r.state }));
        let after = json(&serde_json::json!({ "state": to, "note": s.note, "rating": s.rating }));
        audit::record(&mut self.tx, ctx, s.step.code(), "service_request", Some(r.id), Some(r.park_id), before, after)
            .await?;
        let out = request_in(&mut self.tx, r.id).await?;
        self.tx.commit().await?;
        Ok(out)
    }
}

// ---- the registry of service agencies --------------------------------------------------------

/// A registered third-party service agency.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    pub contact: String,
    pub active: bool,
    /// Its services (in every catalogue) and the users that log in for it.
    pub services: i64,
    pub users: i64,
    pub generated: bool,
}

const AGENCY: &str = "SELECT a.id, a.name, a.contact, a.active, a.generated, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM services s WHERE s.agency_id = a.id) AS services, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM users u WHERE u.agency_id = a.id) AS users FROM agencies a";

fn agency_from_row(r: &AnyRow) -> Result<Agency> {
    Ok(Agency {
        id: col(r, "id")?,
        name: col(r, "name")?,
        contact: col(r, "contact")?,
        active: col::<i64>(r, "active")? != 0,
        services: col(r, "services")?,
        users: col(r, "users")?,
        generated: col::<i64>(r, "generated")? != 0,
    })
}

impl Store {
    /// A page of the registry, by name, and how many there are.
    pub async fn agencies(&self, limit: i64, offset: i64) -> Result<(Vec<Agency>, i64)> {
        let n: i64 =
            col(&sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM agencies").fetch_one(&self.pool).await?, "n")?;
        let rows = sqlx::query(sql(format!("{AGENCY} ORDER BY a.name, a.id LIMIT {limit} OFFSET {offset}")))
            .fetch_all(&self.pool)
            .await?;
        Ok((rows.iter().map(agency_from_row).collect::<Result<_>>()?, n))
    }

    pub async fn agency(&self, id: i64) -> Result<Agency> {
        let row = sqlx::query(sql(format!("{AGENCY} WHERE a.id = $1"))).bind(id).fetch_optional(&self.pool).await?;
        agency_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn find_agency(&self, name: &str) -> Result<Option<Agency>> {
        let row = sqlx::query(sql(format!("{AGENCY} WHERE a.name = $1")))
            .bind(name.trim())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(agency_from_row).transpose()
    }

    pub async fn create_agency(
        &self,
        _: &AgencyRegistrar,
        ctx: &AuditCtx,
        d: &AgencyDraft,
        generated: bool,
    ) -> Result<Agency> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO agencies (name, contact, active, generated, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&d.name)
        .bind(&d.contact)
        .bind(d.active as i64)
        .bind(generated as i64)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_as(e, "name"))?;
        let id: i64 = col(&row, "id")?;
        audit::record(&mut tx, ctx, "create", "agency", Some(id), None, None, json(d)).await?;
        tx.commit().await?;
        self.agency(id).await
    }

    /// Change an agency; its services take its new name.
    pub async fn update_agency(&self, _: &AgencyRegistrar, ctx: &AuditCtx, id: i64, d: &AgencyDraft) -> Result<Agency> {
        let mut tx = self.write_tx().await?;
        let before = sqlx::query(sql(format!("{AGENCY} WHERE a.id = $1"))).bind(id).fetch_optional(&mut *tx).await?;
        let before = agency_from_row(&before.ok_or(StoreError::NotFound)?)?;
        sqlx::query("UPDATE agencies SET name = $1, contact = $2, active = $3 WHERE id = $4")
            .bind(&d.name)
            .bind(&d.contact)
            .bind(d.active as i64)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_as(e, "name"))?;
        sqlx::query("UPDATE services SET provider_name = $1 WHERE agency_id = $2")
            .bind(&d.name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, ctx, "update", "agency", Some(id), None, json(&before), json(d)).await?;
        tx.commit().await?;
        self.agency(id).await
    }
}
