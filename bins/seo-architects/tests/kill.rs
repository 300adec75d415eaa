//! A server killed with SIGKILL while tasks run is restarted, and every task completes once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;
#[path = "../../../crates/crawler/tests/fixture/mod.rs"]
mod fixture;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_seo-architects");

fn start(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .env_clear()
        .current_dir(dir)
        .envs([
            ("PORT", "0"),
            ("ADMIN_PASSWORD", "kill-test-password"),
            ("JWT_SECRET_KEY", "kill-test-secret-kill-test-secret-123"),
            ("RATE_LIMIT_ENABLED", "false"),
            ("CRAWLER_ALLOW_PRIVATE", "true"),
            ("TASK_LEASE_SECONDS", "2"),
            ("WORKERS", "2"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (addr, _) = common::wait_listening(&mut child);
    (child, format!("http://{addr}"))
}

async fn tasks(http: &reqwest::Client, base: &str, t: &str) -> Vec<Value> {
    let r: Value = http
        .get(format!("{base}/api/tasks?size=100"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_then_restarted_every_task_completes_once() {
    // A site whose home page takes 3 s: audits are still running when the server dies.
    let mut slow = fixture::good_page("Slow home", &[]);
    slow.delay = Duration::from_secs(3);
    let site = fixture::site(vec![("/", slow)]).await;
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    let (mut first, base) = start(dir.path());
    let t = common::access_token(&base, "admin", "kill-test-password").await;
    for _ in 0..3 {
        let r = http
            .post(format!("{base}/api/agents/technical_seo_auditor/tasks"))
            .bearer_auth(&t)
            .json(&json!({"input": {"url": format!("{}/", site.base), "max_pages": 1}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    let begin = Instant::now();
    while !tasks(&http, &base, &t)
        .await
        .iter()
        .any(|x| x["status"] == "running")
    {
        assert!(begin.elapsed() < Duration::from_secs(10), "no task started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap(); // SIGKILL: no graceful shutdown, leases left behind
    first.wait().unwrap();

    let (mut second, base) = start(dir.path());
    let t = common::access_token(&base, "admin", "kill-test-password").await;
    let begin = Instant::now();
    let done = loop {
        let all = tasks(&http, &base, &t).await;
        if all.iter().all(|x| x["status"] == "completed") {
            break all;
        }
        assert!(
            begin.elapsed() < Duration::from_secs(60),
            "not all tasks completed: {all:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done.len(), 3);
    let rerun = done
        .iter()
        .filter(|x| x["attempts"].as_i64().unwrap() >= 2)
        .count();
    assert!(
        rerun >= 1,
        "the tasks that were running when the server died ran again"
    );
    for x in &done {
        assert_eq!(x["output"]["crawl"]["pages_crawled"], 1);
    }
    second.kill().unwrap();
    second.wait().unwrap();
}
