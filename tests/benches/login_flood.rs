//! Memory during a login flood: 1,000 sign-in attempts from 100 client addresses (through a
//! trusted proxy, so each address is its own rate-limit key), all at once, with unknown
//! usernames so every attempt reaches password hashing (argon2id, 19 MiB each).
//!
//! `cargo bench -p seo-e2e --bench login_flood` — `FLOOD_HASH_CONCURRENCY` (default: the
//! server's default, one per core; set e.g. 1000 to see the flood unbounded),
//! `FLOOD_MAX_WAIT_MS` (default 2000), `FLOOD_ATTEMPTS` (1000), `FLOOD_ADDRESSES` (100).
//! Prints the process's peak resident memory before and after the flood and the answers.
//! One configuration per process: the peak (VmHWM) only ever grows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::collections::BTreeMap;
use std::time::Instant;

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Peak resident set size of this process so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let attempts = env("FLOOD_ATTEMPTS").unwrap_or(1000) as usize;
    let addresses = env("FLOOD_ADDRESSES").unwrap_or(100) as usize;
    let dir = tempfile::tempdir().unwrap();
    let mut config = seo_architects::Config::defaults();
    config.port = 0;
    config.jwt_secret_key = Some(seo_e2e::TEST_SECRET.into());
    config.admin_password = Some(seo_e2e::ADMIN_PASSWORD.into());
    config.database_url = format!("sqlite://{}", dir.path().join("flood.db").display());
    config.trusted_proxies = vec!["127.0.0.1".into()];
    config.log_level = "error".into();
    config.workers = 0;
    if let Some(n) = env("FLOOD_HASH_CONCURRENCY") {
        config.password_hash_concurrency = Some(n as usize);
    }
    if let Some(ms) = env("FLOOD_MAX_WAIT_MS") {
        config.password_hash_max_wait_ms = ms;
    }
    let running = seo_architects::start(&config).await.unwrap();
    let url = format!("http://{}/auth/login", running.addr);
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(attempts)
        .build()
        .unwrap();
    // Warm up: one real sign-in (the first hash allocates argon2's memory once).
    http.post(&url)
        .json(&serde_json::json!({"username": "admin", "password": seo_e2e::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let before = peak_mib();
    let start = Instant::now();
    let mut jobs = Vec::with_capacity(attempts);
    for i in 0..attempts {
        let http = http.clone();
        let url = url.clone();
        let ip = format!("198.51.100.{}", i % addresses.max(1));
        jobs.push(tokio::spawn(async move {
            http.post(&url)
                .header("X-Forwarded-For", ip)
                .json(&serde_json::json!({"username": format!("nobody-{i}"), "password": "wrong-password"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
    for j in jobs {
        *answers.entry(j.await.unwrap()).or_default() += 1;
    }
    let took = start.elapsed();
    let after = peak_mib();
    println!(
        "hash concurrency {:?}, max wait {} ms: {attempts} attempts from {addresses} addresses in {:.1} s; peak RSS {before:.0} MiB before, {after:.0} MiB after (+{:.0} MiB); answers {answers:?}",
        config
            .password_hash_concurrency
            .map_or("default (cores)".to_string(), |n| n.to_string()),
        config.password_hash_max_wait_ms,
        took.as_secs_f64(),
        after - before
    );
    running.handle.stop(false).await;
}
