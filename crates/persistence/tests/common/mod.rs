//! Test databases: a SQLite temp file always, and PostgreSQL / Redis too when
//! `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set. Each PostgreSQL test gets its own schema,
//! so tests run in parallel against one server; each Redis test its own key prefix.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use seo_persistence::kv::{Kv, MemoryKv, RedisKv};
use seo_persistence::{Database, DatabaseUrl, DbOptions};

pub struct TestDb {
    pub db: Database,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, schema)) = self.pg_schema.take() {
            // Drop runs outside async (possibly while unwinding): use a private runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut c) = AsyncPgConnection::establish(&admin).await {
                        let _ = c
                            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestDb {
    /// The PostgreSQL schema (also the connections' `application_name`) of this test.
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg_schema.as_ref().map(|(_, s)| s.as_str())
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
    let db = Database::connect(&url, &DbOptions::for_backend(url.backend()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    TestDb {
        db,
        name: "sqlite",
        _dir: Some(dir),
        pg_schema: None,
    }
}

/// A PostgreSQL URL whose connections use `schema` as their search path.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}&application_name={schema}")
}

pub async fn postgres() -> Option<TestDb> {
    let admin = required_in_ci("TEST_DATABASE_URL")?;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut c = AsyncPgConnection::establish(&admin)
        .await
        .expect("TEST_DATABASE_URL reachable");
    c.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let url = DatabaseUrl::parse(&with_search_path(&admin, &schema)).unwrap();
    let db = Database::connect(&url, &DbOptions::for_backend(url.backend()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    Some(TestDb {
        db,
        name: "postgres",
        _dir: None,
        pg_schema: Some((admin, schema)),
    })
}

/// SQLite always; PostgreSQL as well when configured.
pub async fn backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// The in-process store always; Redis as well when `TEST_REDIS_URL` is set.
pub async fn kv_backends() -> Vec<Arc<dyn Kv>> {
    let mut v: Vec<Arc<dyn Kv>> = vec![Arc::new(MemoryKv::new())];
    if let Some(redis) = redis_kv(&format!("test-{}", uuid::Uuid::new_v4().simple())).await {
        v.push(Arc::new(redis));
    }
    v
}

pub async fn redis_kv(prefix: &str) -> Option<RedisKv> {
    let url = required_in_ci("TEST_REDIS_URL")?;
    Some(
        RedisKv::connect(&url, prefix, Duration::from_secs(5))
            .await
            .expect("TEST_REDIS_URL reachable"),
    )
}

/// The value of `var`, or `None` when unset — except under CI (`CI` set), where a test that
/// needs PostgreSQL or Redis must not pass by skipping: it fails, naming `var`.
pub fn required_in_ci(var: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|s| !s.is_empty());
    assert!(
        value.is_some() || std::env::var_os("CI").is_none(),
        "{var} is unset under CI: the PostgreSQL/Redis variants of these tests must run there"
    );
    value
}
