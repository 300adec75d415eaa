//! Both migration sets must produce the same tables and columns.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use std::collections::BTreeSet;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

async fn sqlite_columns(path: &std::path::Path) -> BTreeSet<(String, String, String)> {
    use diesel::{Connection, SqliteConnection};
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut c = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        let q = diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk = 1 THEN 'NO' ELSE 'YES' END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        );
        diesel::RunQueryDsl::load::<Col>(q, &mut c)
            .unwrap()
            .into_iter()
            .map(|c| (c.table_name, c.column_name, c.nullable))
            .collect()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parity.db");
    let url = seo_persistence::DatabaseUrl::Sqlite(path.clone());
    let db = seo_persistence::Database::connect(
        &url,
        &seo_persistence::DbOptions::for_backend(url.backend()),
    )
    .await
    .unwrap();
    assert_eq!(db.migrate().await.unwrap(), 8);
    assert_eq!(db.migrate().await.unwrap(), 0, "migrations are idempotent");
    let lite = sqlite_columns(&path).await;
    assert!(
        lite.iter()
            .any(|(t, c, _)| t == "tasks" && c == "lease_expires_at")
    );

    let Some(admin) = common::required_in_ci("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL half of the parity check skipped");
        return;
    };
    let mut c = AsyncPgConnection::establish(&admin).await.unwrap();
    // Recreate in a fresh schema so the query below sees exactly one migration set.
    let s = format!("parity_{}", uuid::Uuid::new_v4().simple());
    c.batch_execute(&format!("CREATE SCHEMA {s}"))
        .await
        .unwrap();
    let url = seo_persistence::DatabaseUrl::parse(&common::with_search_path(&admin, &s)).unwrap();
    let pdb = seo_persistence::Database::connect(
        &url,
        &seo_persistence::DbOptions::for_backend(url.backend()),
    )
    .await
    .unwrap();
    assert_eq!(pdb.migrate().await.unwrap(), 8);
    let cols: BTreeSet<(String, String, String)> = diesel::sql_query(format!(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS nullable \
         FROM information_schema.columns WHERE table_schema = '{s}'"
    ))
    .load::<Col>(&mut c)
    .await
    .unwrap()
    .into_iter()
    .map(|c| (c.table_name, c.column_name, c.nullable))
    .collect();
    c.batch_execute(&format!("DROP SCHEMA {s} CASCADE"))
        .await
        .unwrap();
    assert_eq!(lite, cols, "SQLite and PostgreSQL migrations differ");
}
