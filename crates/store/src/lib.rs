//! Weiyuan storage. One `Store` over sqlx's `Any` driver serves SQLite (the zero-setup default)
//! and PostgreSQL (production and scale-out); the backend is chosen by the URL prefix.
//! Dialect differences are confined to `schema.rs`. Every write runs in one transaction
//! together with its audit-log entry.

pub mod admissions;
pub mod alarms;
pub mod audit;
pub mod backup;
pub mod cultivation;
pub mod enterprise_import;
pub mod enterprises;
pub mod evaluation;
pub mod exits;
pub mod grading;
pub mod holdings;
pub mod import;
pub mod lotteries;
pub mod notices;
pub mod operation;
pub mod parks;
pub mod policies;
pub mod progress;
pub mod reports;
mod schema;
pub use schema::LATEST_SCHEMA_VERSION;
mod scope;
pub mod services;
pub mod settings;
pub mod supervision;
pub mod telemetry;
pub mod testing;
pub mod users;
mod versions;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use audit::{AuditCtx, AuditEntry, AuditQuery};

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> std::result::Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken; names the input field.
    #[error("duplicate value for {0}")]
    Duplicate(&'static str),
    /// The change would break a relation (e.g. deleting a building that still has units).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// An id from a request body names a record outside the park the write is about (or
    /// none at all): names the input field.
    #[error("{0} is not in the park")]
    OutOfScope(&'static str),
    /// A deal or decision the county's rules refuse: every check made, with its numbers.
    #[error("refused by the rules")]
    Refused(Vec<weiyuan_domain::rules::Check>),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    /// Map a unique-constraint violation to a field-named duplicate, pass anything else on.
    pub(crate) fn unique_as(e: sqlx::Error, field: &'static str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(field),
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A load of at least this many rows refreshes the planner's statistics (`analyze_after_load`).
pub const ANALYZE_AFTER_ROWS: usize = 5_000;

/// The platform's store: a connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// PostgreSQL only: a small pool of native connections for the telemetry bulk path (COPY),
    /// which sqlx's `Any` driver does not offer.
    pg: Option<sqlx::PgPool>,
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Store {
    /// Connect (creating a SQLite file when missing) and run the migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let max = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // FULL: a commit is on disk (the WAL synced) before it is acknowledged, even against a power cut.
                        conn.execute("PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let pg = match backend {
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_lazy(&url)?,
            ),
            Backend::Sqlite => None,
        };
        let store = Store { pool, backend, pg };
        schema::migrate(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// After a bulk load of `rows` rows (an import, the demo or province generator), refresh the
    /// planner's statistics of the tables it filled, so that its row estimates follow the data
    /// (they were 100–500× off after a province load, and queries spilled to disk). Small writes
    /// leave that to autovacuum (PostgreSQL) or the next load.
    pub async fn analyze_after_load(&self, rows: usize, tables: &[&str]) -> Result<()> {
        if rows < ANALYZE_AFTER_ROWS {
            return Ok(());
        }
        for t in tables {
            sqlx::query(sql(format!("ANALYZE {t}"))).execute(&self.pool).await?;
        }
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for writing. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so that
    /// concurrent writers queue on busy_timeout instead of failing when a read lock cannot be
    /// upgraded; PostgreSQL's default transactions need no such care.
    pub async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// A cheap round trip, for /healthz.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
        self.pool.close().await;
    }
}

/// Read a column, turning a decode failure into a store error.
fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    Ok(row.try_get::<T, _>(name)?)
}

impl Store {
    /// A large read decoded straight into tuples (or any `FromRow` type): on PostgreSQL through
    /// the native driver, which decodes hundreds of thousands of rows several times faster than
    /// the `Any` driver's row conversion; on SQLite through the pool. `q` is SQL assembled from
    /// this crate's constants and numbers, never from input, with no parameters.
    async fn fetch_as<T>(&self, q: String) -> Result<Vec<T>>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        Ok(match &self.pg {
            Some(pg) => sqlx::query_as(sql(q)).fetch_all(pg).await?,
            None => sqlx::query_as(sql(q)).fetch_all(&self.pool).await?,
        })
    }
}

/// Mark SQL assembled from this crate's own constants (never from input) as safe to run.
fn sql<S: Into<String>>(s: S) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s.into())
}
