//! WebSocket fan-out: N dashboard connections to one in-process server, then one broadcast.
//! Prints memory per connection and the time for the broadcast to reach every client.
//! `WS_BENCH_CONNECTIONS=10000 cargo bench -p seo-e2e --bench ws` (raise `ulimit -n` first:
//! each connection is two sockets in this one process).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("WS_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let app = seo_e2e::spawn_with(|c| {
        c.ws_max_connections = n + 10;
        c.ws_metrics_interval = 3600;
        c.workers = 0;
    })
    .await;
    let token = app.admin_token().await;
    let url = format!(
        "{}/ws/dashboard?token={token}",
        app.base.replacen("http", "ws", 1)
    );
    let before = rss_kib();
    let setup = Instant::now();
    // Every client is its own task that keeps reading (so it answers pings) and reports when
    // the broadcast arrives.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
    for _ in 0..n {
        let (url, tx, gate) = (url.clone(), tx.clone(), gate.clone());
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.unwrap();
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
            drop(permit);
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m
                    && t.as_str().contains("bench-broadcast")
                {
                    let _ = tx.send(Instant::now());
                    break;
                }
            }
            // Stay connected until the bench ends.
            while ws.next().await.is_some() {}
        });
    }
    while app.running.state.ws.connections() < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib();
    let msg = serde_json::json!({"type": "task_update", "timestamp": "", "data": {"event": "bench-broadcast"}}).to_string();
    let sent = Instant::now();
    app.running.state.ws.broadcast("tasks", &msg);
    let mut arrivals = Vec::with_capacity(n);
    while arrivals.len() < n {
        let at = rx.recv().await.unwrap();
        arrivals.push(at.duration_since(sent).as_secs_f64() * 1000.0);
    }
    let start = setup;
    arrivals.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        arrivals[((arrivals.len() as f64 * q).ceil() as usize).clamp(1, arrivals.len()) - 1]
    };
    println!(
        "{n} connections: RSS {:.1} → {:.1} MiB ({:.1} KiB per connection, client and server sides together); \
         broadcast reached all in {:.1} ms (p50 {:.1} ms, p99 {:.1} ms); setup {:.1} s",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / n as f64,
        pct(1.0),
        pct(0.5),
        pct(0.99),
        start.elapsed().as_secs_f64()
    );
}
