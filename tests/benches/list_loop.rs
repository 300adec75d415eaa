//! The ceiling of the hot list: the client page (`size=50` of 200 clients, with its count)
//! and its JSON serialisation in a bare loop — the same use-case the HTTP handler calls,
//! without HTTP, middleware or auth. Compare with `scripts/bench-http.sh` to see what the
//! stack costs on top.
//!
//! `cargo bench -p seo-e2e --bench list_loop` — `LOOP_URL` (default: a fresh SQLite file;
//! `postgres://…` for PostgreSQL, whose database must be empty), `LOOP_OPS` (20000),
//! `LOOP_CONCURRENCY` (64, as the HTTP benchmark's connections).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use seo_domain::{ClientFilter, ClientInput, PageRequest};

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let ops = env("LOOP_OPS").unwrap_or(20_000) as usize;
    let concurrency = env("LOOP_CONCURRENCY").unwrap_or(64) as usize;
    let dir = tempfile::tempdir().unwrap();
    let mut config = seo_architects::Config::defaults();
    config.port = 0;
    config.jwt_secret_key = Some(seo_e2e::TEST_SECRET.into());
    config.admin_password = Some(seo_e2e::ADMIN_PASSWORD.into());
    config.database_url = std::env::var("LOOP_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("loop.db").display()));
    config.log_level = "error".into();
    config.workers = 0;
    let running = seo_architects::start(&config).await.unwrap();
    let service = Arc::new(running.state.service.clone());
    for i in 0..200 {
        let draft = serde_json::from_value::<ClientInput>(serde_json::json!({
            "company_name": format!("Seed {i}"), "industry": "Retail", "country": "DE"
        }))
        .unwrap()
        .validate()
        .unwrap();
        service.db.create_client(draft).await.unwrap();
    }
    let page = PageRequest { page: 1, size: 50 };
    // Warm up.
    for _ in 0..200 {
        let p = service
            .list_clients(ClientFilter::default(), page)
            .await
            .unwrap();
        std::hint::black_box(serde_json::to_vec(&p).unwrap());
    }
    let per_task = ops / concurrency.max(1);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..concurrency.max(1) {
        let service = service.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let t = Instant::now();
                let p = service
                    .list_clients(ClientFilter::default(), page)
                    .await
                    .unwrap();
                std::hint::black_box(serde_json::to_vec(&p).unwrap());
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(ops);
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    println!(
        "backend: {}  ops: {}  concurrency: {concurrency}",
        running.state.db.backend().as_str(),
        all.len()
    );
    println!(
        "list + count + JSON of 50 clients: {:.0} ops/s  p50 {:.2} ms  p99 {:.2} ms",
        all.len() as f64 / elapsed.as_secs_f64(),
        pct(&all, 0.50),
        pct(&all, 0.99)
    );
    running.handle.stop(false).await;
}
