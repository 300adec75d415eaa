//! Repository throughput: inserts per second and 50-row paginated lists per second.
//!
//! `cargo bench -p seo-persistence --bench repo` runs on a temporary SQLite file, and on
//! PostgreSQL as well when `BENCH_DATABASE_URL` is set (a fresh schema is used and dropped).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::time::Instant;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use seo_domain::{ClientFilter, ClientInput, PageRequest};
use seo_persistence::{Database, DatabaseUrl, DbOptions};

const INSERTS: usize = 2_000;
const LISTS: usize = 2_000;
const CONCURRENCY: usize = 16;

async fn run(label: &str, db: Database) {
    db.migrate().await.unwrap();
    // Inserts from 16 concurrent tasks.
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..CONCURRENCY {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for i in (w..INSERTS).step_by(CONCURRENCY) {
                let d = ClientInput {
                    company_name: format!("Company {i}"),
                    industry: Some(["Retail", "Finance", "Media"][i % 3].into()),
                    country: Some("DE".into()),
                    annual_revenue: Some(i as i64 * 1000),
                    ..Default::default()
                }
                .validate()
                .unwrap();
                db.create_client(d).await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let ins = INSERTS as f64 / start.elapsed().as_secs_f64();

    // Paginated lists (50 rows, with total count) from 16 concurrent tasks.
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..CONCURRENCY {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for i in (w..LISTS).step_by(CONCURRENCY) {
                let page = PageRequest::new(Some((i % 40 + 1) as i64), Some(50)).unwrap();
                let p = db
                    .list_clients(ClientFilter::default(), page)
                    .await
                    .unwrap();
                assert_eq!(p.items.len(), 50);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let lists = LISTS as f64 / start.elapsed().as_secs_f64();

    // Empty tasks through the queue: enqueue, then two workers claim and complete.
    const TASKS: usize = 2_000;
    let start = Instant::now();
    for _ in 0..TASKS {
        let t = seo_domain::TaskInput {
            agent_id: "noop".into(),
            task_type: "noop".into(),
            ..Default::default()
        }
        .validate(None)
        .unwrap();
        db.create_task(t).await.unwrap();
    }
    let enq = TASKS as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..2 {
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            let name = format!("bench-{w}");
            while let Some(c) = db
                .claim_task(
                    &name,
                    std::time::Duration::from_secs(30),
                    &["noop".to_string()],
                )
                .await
                .unwrap()
            {
                db.complete_task(c.task.id, &name, &serde_json::json!({}), None)
                    .await
                    .unwrap()
                    .unwrap();
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let done = TASKS as f64 / start.elapsed().as_secs_f64();
    println!(
        "{label:<10} inserts/s: {ins:>8.0}   list(50 rows + count)/s: {lists:>8.0}   tasks enqueued/s: {enq:>6.0}   tasks claimed+completed/s (2 workers): {done:>6.0}"
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
    run(
        "sqlite",
        Database::connect(&url, &DbOptions::for_backend(url.backend()))
            .await
            .unwrap(),
    )
    .await;

    if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut c = AsyncPgConnection::establish(&admin).await.unwrap();
        c.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = DatabaseUrl::parse(&format!("{admin}{sep}options=-c%20search_path%3D{schema}"))
            .unwrap();
        run(
            "postgres",
            Database::connect(&url, &DbOptions::for_backend(url.backend()))
                .await
                .unwrap(),
        )
        .await;
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
    }
}
