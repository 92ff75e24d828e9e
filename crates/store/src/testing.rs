//! Fresh, throw-away databases for tests: a SQLite file in the temp folder, or a new PostgreSQL
//! database on the server named by WEIYUAN_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1/postgres).
//! With WEIYUAN_REQUIRE_POSTGRES=1 (set by scripts/test) a missing server fails the test
//! instead of skipping it.

use crate::{Backend, Store};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    admin_url: Option<String>,
    name: String,
    /// Set once removed, so that dropping does not try again.
    removed: bool,
}

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("wy_test_{}_{}_{}", std::process::id(), n, nanos)
}

impl TestDb {
    /// A fresh database, or None when PostgreSQL is not configured and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Some(TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    admin_url: None,
                    name,
                    removed: false,
                })
            }
            Backend::Postgres => {
                let admin = match std::env::var("WEIYUAN_TEST_POSTGRES_URL") {
                    Ok(u) if !u.is_empty() => u,
                    _ => {
                        if std::env::var("WEIYUAN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                            panic!("WEIYUAN_REQUIRE_POSTGRES=1 but WEIYUAN_TEST_POSTGRES_URL is not set");
                        }
                        eprintln!("PostgreSQL not configured (WEIYUAN_TEST_POSTGRES_URL): skipping");
                        return None;
                    }
                };
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
                sqlx::query(crate::sql(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Some(TestDb { url: format!("{base}/{name}"), backend, admin_url: Some(admin), name, removed: false })
            }
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.expect("connect to the test database")
    }

    /// Remove the database (call at the end of a test; a test that fails before it still
    /// removes it when the `TestDb` is dropped, and scripts/test sweeps what a killed run left).
    pub async fn drop_db(mut self) {
        remove(self.admin_url.clone(), self.name.clone(), self.url.clone()).await;
        self.removed = true;
    }
}

async fn remove(admin_url: Option<String>, name: String, url: String) {
    match admin_url {
        None => {
            let path = url.trim_start_matches("sqlite://").to_string();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        Some(admin) => {
            if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
                let _ = sqlx::query(crate::sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await;
            }
        }
    }
}

impl Drop for TestDb {
    /// A test that panicked never reached `drop_db`: remove the database here, on a thread and
    /// runtime of its own (this may run inside the test's runtime, which cannot be blocked on).
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let (admin, name, url) = (self.admin_url.clone(), self.name.clone(), self.url.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(remove(admin, name, url));
            }
        })
        .join();
    }
}
