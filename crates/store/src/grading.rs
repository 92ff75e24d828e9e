//! Park grading's records: rubric versions, gradings with what was measured of each park, and
//! reviewers' scores. Computing a grading reads the year's figures through one transaction
//! (`Store::begin_grading` → `GradingTx`); writes take the `Evaluator` capability (the county).

use crate::audit::{self, AuditCtx, json};
use crate::versions::{self, bad_json};
use crate::{Result, Store, StoreError, col, now_ms, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use weiyuan_domain::access::Evaluator;
use weiyuan_domain::grading::{Measure, ParkInput, Rubric};

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RubricVersion {
    pub version: i64,
    pub rubric: Rubric,
    pub note: String,
    pub created_at: i64,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GradingRun {
    pub id: i64,
    pub year: i64,
    pub rubric_version: i64,
    pub rubric: Rubric,
    /// draft, published
    pub status: String,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Review {
    pub park_id: i64,
    pub dimension: String,
    pub score: f64,
    pub evidence: String,
    pub reviewer: String,
    pub at_ms: i64,
}

const GRADING: &str = "SELECT id, year, rubric_version, rubric_json, status, created_at, created_by, published_at, \
                       published_by FROM gradings";

fn grading_from_row(r: &AnyRow) -> Result<GradingRun> {
    Ok(GradingRun {
        id: col(r, "id")?,
        year: col(r, "year")?,
        rubric_version: col(r, "rubric_version")?,
        rubric: serde_json::from_str(&col::<String>(r, "rubric_json")?).map_err(bad_json)?,
        status: col(r, "status")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        published_at: col(r, "published_at")?,
        published_by: col(r, "published_by")?,
    })
}

async fn rubric_in(conn: &mut sqlx::AnyConnection) -> Result<RubricVersion> {
    Ok(versions::latest(conn, &versions::RUBRICS).await?.into())
}

impl From<versions::Version<Rubric>> for RubricVersion {
    fn from(v: versions::Version<Rubric>) -> Self {
        RubricVersion {
            version: v.version,
            rubric: v.value,
            note: v.note,
            created_at: v.created_at,
            created_by: v.created_by,
        }
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A count or sum per park from one query with a `park_id` and an `n` column.
async fn per_park(conn: &mut sqlx::AnyConnection, q: &str, binds: &[Bind]) -> Result<HashMap<i64, i64>> {
    let mut query = sqlx::query(sql(q.to_string()));
    for b in binds {
        query = match b {
            Bind::Text(t) => query.bind(t.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query.fetch_all(&mut *conn).await?.iter().map(|r| Ok((col(r, "park_id")?, col(r, "n")?))).collect()
}

/// What the platform measures of every park for a calendar year, with its park's township.
async fn inputs_in(conn: &mut sqlx::AnyConnection, year: i32) -> Result<Vec<(ParkInput, String)>> {
    let (first, last) = (format!("{year}-01"), format!("{year}-12"));
    let months = [Bind::Text(first), Bind::Text(last)];
    let tax = per_park(
        conn,
        "SELECT park_id, CAST(COALESCE(SUM(v_tax), 0) AS BIGINT) AS n FROM enterprise_reports \
         WHERE month >= $1 AND month <= $2 GROUP BY park_id",
        &months,
    )
    .await?;
    let on_time = per_park(
        conn,
        "SELECT park_id, CAST(COUNT(*) AS BIGINT) AS n FROM enterprise_reports \
         WHERE month >= $1 AND month <= $2 AND late = 0 GROUP BY park_id",
        &months,
    )
    .await?;
    let active = per_park(
        conn,
        "SELECT park_id, CAST(COUNT(*) AS BIGINT) AS n FROM enterprises WHERE status = 'active' GROUP BY park_id",
        &[],
    )
    .await?;
    let tagged = per_park(
        conn,
        "SELECT park_id, CAST(COUNT(*) AS BIGINT) AS n FROM enterprises WHERE status = 'active' AND tags <> '' \
         GROUP BY park_id",
        &[],
    )
    .await?;
    let metered = per_park(
        conn,
        "SELECT e.park_id, CAST(COUNT(*) AS BIGINT) AS n FROM enterprises e WHERE e.status = 'active' \
         AND EXISTS (SELECT 1 FROM devices d WHERE d.enterprise_id = e.id) GROUP BY e.park_id",
        &[],
    )
    .await?;
    let services = per_park(
        conn,
        "SELECT park_id, CAST(COUNT(DISTINCT category) AS BIGINT) AS n FROM services \
         WHERE park_id IS NOT NULL AND active = 1 GROUP BY park_id",
        &[],
    )
    .await?;
    let start = weiyuan_domain::progress::Month::new(year, 1).map(|m| m.start_ms()).unwrap_or(0);
    let end = weiyuan_domain::progress::Month::new(year + 1, 1).map(|m| m.start_ms()).unwrap_or(i64::MAX);
    let alarms_sql = |handled: &str| {
        format!(
            "SELECT park_id, CAST(COUNT(*) AS BIGINT) AS n FROM alarms WHERE raised_at >= $1 \
             AND raised_at < $2{handled} GROUP BY park_id"
        )
    };
    let alarms = per_park(conn, &alarms_sql(""), &[Bind::Int(start), Bind::Int(end)]).await?;
    let handled = per_park(
        conn,
        &alarms_sql(" AND (acknowledged_at IS NOT NULL OR cleared_at IS NOT NULL)"),
        &[Bind::Int(start), Bind::Int(end)],
    )
    .await?;
    let orientations: HashMap<i64, Vec<String>> = sqlx::query("SELECT park_id, prefixes FROM park_orientations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((col(r, "park_id")?, crate::settings::split(&col::<String>(r, "prefixes")?))))
        .collect::<Result<_>>()?;
    let mut leading: HashMap<i64, i64> = HashMap::new();
    for r in sqlx::query("SELECT park_id, industry_code FROM enterprises WHERE status = 'active'")
        .fetch_all(&mut *conn)
        .await?
    {
        let park: i64 = col(&r, "park_id")?;
        let code: String = col(&r, "industry_code")?;
        if orientations.get(&park).is_some_and(|ps| ps.iter().any(|p| code.starts_with(p.as_str()))) {
            *leading.entry(park).or_default() += 1;
        }
    }
    let completed_on: HashMap<i64, String> = sqlx::query(
        "SELECT park_id, MAX(actual_date) AS d FROM park_milestones WHERE kind = 'completed' \
         AND actual_date IS NOT NULL GROUP BY park_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((col(r, "park_id")?, col(r, "d")?)))
    .collect::<Result<_>>()?;
    let parks = sqlx::query("SELECT id, township_code, status, land_mu_x100 FROM parks ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(parks.len());
    for r in &parks {
        let id: i64 = col(r, "id")?;
        let land = col::<i64>(r, "land_mu_x100")? as f64 / 100.0;
        let n = active.get(&id).copied().unwrap_or(0) as f64;
        let share = |k: Option<&i64>| (n > 0.0).then(|| (*k.unwrap_or(&0) as f64 / n * 10_000.0).round() / 100.0);
        let reported = tax.contains_key(&id);
        let values = vec![
            (
                Measure::TaxPerMu,
                (reported && land > 0.0).then(|| (tax[&id] as f64 / 100.0 / land * 100.0).round() / 100.0),
            ),
            (Measure::LeadingShare, orientations.contains_key(&id).then(|| share(leading.get(&id))).flatten()),
            (
                Measure::FilingRate,
                (n > 0.0).then(|| {
                    (*on_time.get(&id).unwrap_or(&0) as f64 / (n * 12.0) * 10_000.0).round().min(10_000.0) / 100.0
                }),
            ),
            (Measure::Cultivated, (n > 0.0).then(|| *tagged.get(&id).unwrap_or(&0) as f64)),
            (Measure::DeviceCoverage, share(metered.get(&id))),
            (Measure::ServiceFunctions, Some(*services.get(&id).unwrap_or(&0) as f64)),
            (
                Measure::AlarmsHandled,
                alarms
                    .get(&id)
                    .filter(|a| **a > 0)
                    .map(|a| (*handled.get(&id).unwrap_or(&0) as f64 / *a as f64 * 10_000.0).round() / 100.0),
            ),
        ];
        out.push((
            ParkInput {
                park_id: id,
                completed: col::<String>(r, "status")? == "completed",
                completed_on: completed_on.get(&id).cloned(),
                values,
                reviews: Vec::new(),
            },
            col(r, "township_code")?,
        ));
    }
    Ok(out)
}

async fn grading_inputs_in(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Vec<(ParkInput, String)>> {
    let rows = sqlx::query(
        "SELECT park_id, township_code, input_json FROM grading_parks WHERE grading_id = $1 ORDER BY park_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let reviews = reviews_in(conn, id).await?;
    rows.iter()
        .map(|r| {
            let mut input: ParkInput = serde_json::from_str(&col::<String>(r, "input_json")?).map_err(bad_json)?;
            input.reviews =
                reviews.iter().filter(|v| v.park_id == input.park_id).map(|v| (v.dimension.clone(), v.score)).collect();
            Ok((input, col(r, "township_code")?))
        })
        .collect()
}

pub struct GradingTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Store {
    pub async fn begin_grading(&self) -> Result<GradingTx> {
        Ok(GradingTx { tx: self.write_tx().await? })
    }

    pub async fn grading_rubric(&self) -> Result<RubricVersion> {
        rubric_in(&mut *self.pool.acquire().await?).await
    }

    pub async fn save_grading_rubric(
        &self,
        _: &Evaluator,
        ctx: &AuditCtx,
        rubric: &Rubric,
        note: &str,
    ) -> Result<RubricVersion> {
        let mut tx = self.write_tx().await?;
        let saved = versions::save(&mut tx, &versions::RUBRICS, ctx, rubric, note).await?;
        tx.commit().await?;
        Ok(saved.into())
    }

    pub async fn gradings(&self, with_drafts: bool) -> Result<Vec<GradingRun>> {
        let filter = if with_drafts { "" } else { " WHERE status = 'published'" };
        let rows = sqlx::query(sql(format!("{GRADING}{filter} ORDER BY id DESC"))).fetch_all(&self.pool).await?;
        rows.iter().map(grading_from_row).collect()
    }

    pub async fn grading(&self, id: i64) -> Result<GradingRun> {
        let row = sqlx::query(sql(format!("{GRADING} WHERE id = $1"))).bind(id).fetch_optional(&self.pool).await?;
        grading_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// Each park's measured input (with its reviews) and township.
    pub async fn grading_inputs(&self, id: i64) -> Result<Vec<(ParkInput, String)>> {
        grading_inputs_in(&mut *self.pool.acquire().await?, id).await
    }

    pub async fn grading_reviews(&self, id: i64) -> Result<Vec<Review>> {
        reviews_in(&mut *self.pool.acquire().await?, id).await
    }
}

async fn reviews_in(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Vec<Review>> {
    let rows = sqlx::query(
        "SELECT park_id, dimension, score_x100, evidence, reviewer, at_ms FROM grading_reviews \
             WHERE grading_id = $1 ORDER BY park_id, dimension",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Review {
                park_id: col(r, "park_id")?,
                dimension: col(r, "dimension")?,
                score: col::<i64>(r, "score_x100")? as f64 / 100.0,
                evidence: col(r, "evidence")?,
                reviewer: col(r, "reviewer")?,
                at_ms: col(r, "at_ms")?,
            })
        })
        .collect()
}

impl GradingTx {
    pub async fn rubric(&mut self) -> Result<RubricVersion> {
        rubric_in(&mut self.tx).await
    }

    pub async fn inputs(&mut self, year: i32) -> Result<Vec<(ParkInput, String)>> {
        inputs_in(&mut self.tx, year).await
    }

    /// The grading's parks as kept, with the reviews entered so far.
    pub async fn kept_inputs(&mut self, id: i64) -> Result<Vec<(ParkInput, String)>> {
        grading_inputs_in(&mut self.tx, id).await
    }

    pub async fn grading(&mut self, id: i64) -> Result<GradingRun> {
        let row = sqlx::query(sql(format!("{GRADING} WHERE id = $1"))).bind(id).fetch_optional(&mut *self.tx).await?;
        grading_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// Whether the park is in this grading.
    pub async fn has_park(&mut self, id: i64, park_id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM grading_parks WHERE grading_id = $1 AND park_id = $2")
            .bind(id)
            .bind(park_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row.is_some())
    }

    /// Another published grading of the same year, if any.
    pub async fn published_for(&mut self, year: i64) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM gradings WHERE status = 'published' AND year = $1")
            .bind(year)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|r| col(&r, "id")).transpose()
    }

    pub async fn save(
        mut self,
        _: &Evaluator,
        ctx: &AuditCtx,
        year: i32,
        rubric: &RubricVersion,
        inputs: &[(ParkInput, String)],
    ) -> Result<GradingRun> {
        let row = sqlx::query(
            "INSERT INTO gradings (year, rubric_version, rubric_json, status, created_at, created_by) \
             VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
        )
        .bind(year as i64)
        .bind(rubric.version)
        .bind(serde_json::to_string(&rubric.rubric).map_err(bad_json)?)
        .bind(now_ms())
        .bind(&ctx.username)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        for (input, township) in inputs {
            sqlx::query(
                "INSERT INTO grading_parks (grading_id, park_id, township_code, input_json) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(input.park_id)
            .bind(township)
            .bind(serde_json::to_string(input).map_err(bad_json)?)
            .execute(&mut *self.tx)
            .await?;
        }
        let g = self.grading(id).await?;
        audit::record(&mut self.tx, ctx, "create", "grading", Some(id), None, None, json(&g)).await?;
        self.tx.commit().await?;
        Ok(g)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn review(
        mut self,
        _: &Evaluator,
        ctx: &AuditCtx,
        id: i64,
        park_id: i64,
        dimension: &str,
        score: f64,
        evidence: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM grading_reviews WHERE grading_id = $1 AND park_id = $2 AND dimension = $3")
            .bind(id)
            .bind(park_id)
            .bind(dimension)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO grading_reviews (grading_id, park_id, dimension, score_x100, evidence, reviewer, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(park_id)
        .bind(dimension)
        .bind((score * 100.0).round() as i64)
        .bind(evidence)
        .bind(&ctx.username)
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after =
            serde_json::json!({ "grading_id": id, "dimension": dimension, "score": score, "evidence": evidence });
        audit::record(&mut self.tx, ctx, "update", "grading_review", Some(id), Some(park_id), None, Some(after))
            .await?;
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn publish(mut self, _: &Evaluator, ctx: &AuditCtx, id: i64) -> Result<GradingRun> {
        let before = self.grading(id).await?;
        sqlx::query("UPDATE gradings SET status = 'published', published_at = $1, published_by = $2 WHERE id = $3")
            .bind(now_ms())
            .bind(&ctx.username)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let after = self.grading(id).await?;
        audit::record(&mut self.tx, ctx, "publish", "grading", Some(id), None, json(&before), json(&after)).await?;
        self.tx.commit().await?;
        Ok(after)
    }
}

/// A park's application for stars, with its park's name.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StarApplication {
    pub id: i64,
    pub park_id: i64,
    pub park: String,
    pub township_code: String,
    pub stars: i64,
    pub self_assessment: String,
    /// applied, endorsed, refused, awarded, recommended
    pub status: String,
    pub applied_by: String,
    pub applied_at: i64,
    pub township_note: String,
    pub township_by: Option<String>,
    pub township_at: Option<i64>,
    pub county_note: String,
    pub county_by: Option<String>,
    pub county_at: Option<i64>,
}

const STARS: &str = "SELECT a.id, a.park_id, p.name AS park, p.township_code, a.stars, a.self_assessment, a.status, \
                     a.applied_by, a.applied_at, a.township_note, a.township_by, a.township_at, a.county_note, \
                     a.county_by, a.county_at FROM star_applications a JOIN parks p ON p.id = a.park_id";

fn star_from_row(r: &AnyRow) -> Result<StarApplication> {
    Ok(StarApplication {
        id: col(r, "id")?,
        park_id: col(r, "park_id")?,
        park: col(r, "park")?,
        township_code: col(r, "township_code")?,
        stars: col(r, "stars")?,
        self_assessment: col(r, "self_assessment")?,
        status: col(r, "status")?,
        applied_by: col(r, "applied_by")?,
        applied_at: col(r, "applied_at")?,
        township_note: col(r, "township_note")?,
        township_by: col(r, "township_by")?,
        township_at: col(r, "township_at")?,
        county_note: col(r, "county_note")?,
        county_by: col(r, "county_by")?,
        county_at: col(r, "county_at")?,
    })
}

/// Who decides a step of a star application.
pub enum StarDecider<'a> {
    Township(&'a weiyuan_domain::access::ParkAuthority),
    County(&'a Evaluator),
}

impl Store {
    /// Star applications of the parks in scope, newest first.
    pub async fn star_applications(&self, scope: &weiyuan_domain::access::ParkScope) -> Result<Vec<StarApplication>> {
        use weiyuan_domain::access::ParkScope;
        let (filter, text, int) = match scope {
            ParkScope::All => ("", None, None),
            ParkScope::Township(t) => (" WHERE p.township_code = $1", Some(t.clone()), None),
            ParkScope::Park(id) => (" WHERE p.id = $1", None, Some(*id)),
            ParkScope::None => return Ok(Vec::new()),
        };
        let mut q = sqlx::query(sql(format!("{STARS}{filter} ORDER BY a.id DESC")));
        if let Some(t) = text {
            q = q.bind(t);
        }
        if let Some(i) = int {
            q = q.bind(i);
        }
        q.fetch_all(&self.pool).await?.iter().map(star_from_row).collect()
    }

    /// A write transaction for a park's star applications.
    pub async fn begin_stars(&self) -> Result<StarTx> {
        Ok(StarTx { tx: self.write_tx().await? })
    }
}

pub struct StarTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl StarTx {
    pub async fn application(&mut self, id: i64) -> Result<StarApplication> {
        let row = sqlx::query(sql(format!("{STARS} WHERE a.id = $1"))).bind(id).fetch_optional(&mut *self.tx).await?;
        star_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// An application of the park still being decided.
    pub async fn open_application(&mut self, park_id: i64) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT id FROM star_applications WHERE park_id = $1 AND status IN ('applied', 'endorsed')")
                .bind(park_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|r| col(&r, "id")).transpose()
    }

    /// The park's grade in the latest published grading, if it was graded.
    pub async fn latest_grade(&mut self, park_id: i64) -> Result<Option<String>> {
        let row = sqlx::query(sql(format!("{GRADING} WHERE status = 'published' ORDER BY year DESC, id DESC LIMIT 1")))
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let g = grading_from_row(&row)?;
        let inputs: Vec<ParkInput> = grading_inputs_in(&mut self.tx, g.id).await?.into_iter().map(|(i, _)| i).collect();
        let graded = weiyuan_domain::grading::grade(&g.rubric, &format!("{}-12-31", g.year), &inputs);
        Ok(graded.graded.into_iter().find(|p| p.park_id == park_id).map(|p| p.grade))
    }

    pub async fn apply(
        mut self,
        desk: &weiyuan_domain::access::UnitDesk,
        ctx: &AuditCtx,
        stars: i64,
        self_assessment: &str,
    ) -> Result<StarApplication> {
        let row = sqlx::query(
            "INSERT INTO star_applications (park_id, stars, self_assessment, status, applied_by, applied_at, \
             township_note, county_note) VALUES ($1, $2, $3, 'applied', $4, $5, '', '') RETURNING id",
        )
        .bind(desk.park_id())
        .bind(stars)
        .bind(self_assessment)
        .bind(&ctx.username)
        .bind(now_ms())
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let a = self.application(id).await?;
        audit::record(&mut self.tx, ctx, "create", "star_application", Some(id), Some(a.park_id), None, json(&a))
            .await?;
        self.tx.commit().await?;
        Ok(a)
    }

    /// Record a step's decision (the new status was decided by `star_step`).
    pub async fn decide(
        mut self,
        who: StarDecider<'_>,
        ctx: &AuditCtx,
        id: i64,
        status: &str,
        note: &str,
    ) -> Result<StarApplication> {
        let before = self.application(id).await?;
        let q = match who {
            StarDecider::Township(authority) => {
                if authority.park_id() != before.park_id {
                    return Err(StoreError::OutOfScope("park_id"));
                }
                "UPDATE star_applications SET status = $1, township_note = $2, township_by = $3, township_at = $4 WHERE id = $5"
            }
            StarDecider::County(_) => {
                "UPDATE star_applications SET status = $1, county_note = $2, county_by = $3, county_at = $4 WHERE id = $5"
            }
        };
        sqlx::query(q)
            .bind(status)
            .bind(note)
            .bind(&ctx.username)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let after = self.application(id).await?;
        audit::record(
            &mut self.tx,
            ctx,
            "update",
            "star_application",
            Some(id),
            Some(after.park_id),
            json(&before),
            json(&after),
        )
        .await?;
        self.tx.commit().await?;
        Ok(after)
    }
}
