//! WebSocket fan-out: N dashboard connections to one server, then broadcasts to all of them.
//!
//! The server runs in this process; the clients run in a second process (this same binary,
//! started with `WS_BENCH_ROLE=clients`), so neither side's sockets, memory or scheduling
//! are counted against the other. Each broadcast carries its send time (wall clock, shared by
//! both processes on this machine); every client reports its arrival delay.
//!
//! `WS_BENCH_CONNECTIONS=10000 cargo bench -p seo-e2e --bench ws`
//! (each process needs `ulimit -n` above the connection count; the bench raises its soft
//! limit to the hard limit itself).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Broadcasts per run (`WS_BENCH_ROUNDS`, default 5); the figures are over all arrivals of
/// all rounds.
fn rounds() -> usize {
    std::env::var("WS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

/// Raises this process's open-file soft limit to its hard limit.
fn raise_fd_limit() -> u64 {
    let out = Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(1024);
    // prlimit(1) is in util-linux; without it the inherited soft limit stays.
    let _ = Command::new("prlimit")
        .args([
            format!("--pid={}", std::process::id()),
            format!("--nofile={out}:{out}"),
        ])
        .status();
    out
}

fn n_connections() -> usize {
    std::env::var("WS_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// The unsigned number after `key` in `text`.
fn field(text: &str, key: &str) -> Option<u128> {
    let rest = &text[text.find(key)? + key.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The client process: opens `n` connections, says `READY`, then for each broadcast prints
/// one line of arrival delays (µs) once every client has it.
async fn clients(url: String, n: usize) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, u128)>();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(128));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..n {
        let (url, tx, gate, ready) = (url.clone(), tx.clone(), gate.clone(), ready_tx.clone());
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.unwrap();
            // tungstenite's default 128 KiB read buffer is zeroed on every read, which costs
            // more than the messages here; a browser would not pay for it on this machine.
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(4096);
            let (mut ws, _) =
                tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true)
                    .await
                    .unwrap();
            // Wait for `initial`: the server has registered this connection.
            while let Some(Ok(m)) = ws.next().await {
                if matches!(&m, Message::Text(t) if t.as_str().contains("\"initial\"")) {
                    break;
                }
            }
            drop(permit);
            let _ = ready.send(());
            while let Some(Ok(m)) = ws.next().await {
                // A browser would parse the JSON on its own machine; here the clients share
                // the server's two cores, so they only pick out the two numbers they need.
                if let Message::Text(t) = m
                    && let (Some(round), Some(sent)) = (
                        field(t.as_str(), "\"round\":"),
                        field(t.as_str(), "\"sent_us\":"),
                    )
                {
                    let _ = tx.send((round as usize, now_us().saturating_sub(sent)));
                }
            }
        });
    }
    drop(ready_tx);
    for _ in 0..n {
        ready_rx.recv().await.unwrap();
    }
    println!("READY {}", rss_kib(std::process::id()));
    std::io::stdout().flush().unwrap();
    let mut by_round: Vec<Vec<u128>> = vec![Vec::with_capacity(n); rounds()];
    let mut done = 0;
    while done < rounds() {
        let (round, delay) = rx.recv().await.unwrap();
        by_round[round].push(delay);
        if by_round[round].len() == n {
            let line: Vec<String> = by_round[round].iter().map(u128::to_string).collect();
            println!("ROUND {round} {}", line.join(","));
            std::io::stdout().flush().unwrap();
            done += 1;
        }
    }
}

#[tokio::main]
async fn main() {
    let n = n_connections();
    if std::env::var("WS_BENCH_ROLE").as_deref() == Ok("clients") {
        raise_fd_limit();
        let url = std::env::var("WS_BENCH_URL").unwrap();
        clients(url, n).await;
        return;
    }
    let limit = raise_fd_limit();
    if (limit as usize) < n + 200 {
        eprintln!("open-file limit {limit} is below {n} connections; raise `ulimit -Hn`");
        std::process::exit(2);
    }
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
    let me = std::process::id();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(me);
    let setup = Instant::now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("WS_BENCH_ROLE", "clients")
        .env("WS_BENCH_URL", &url)
        .env("WS_BENCH_CONNECTIONS", n.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (line_tx, mut line_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready = line_rx.recv().await.expect("the client process started");
    let client_rss: u64 = ready
        .strip_prefix("READY ")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert_eq!(app.running.state.ws.connections(), n);
    let setup_s = setup.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(me);
    let mut all: Vec<f64> = Vec::with_capacity(n * rounds());
    let mut worst_per_round = Vec::new();
    for round in 0..rounds() {
        let msg = serde_json::json!({
            "type": "task_update",
            "timestamp": "",
            "data": {"event": "bench-broadcast", "round": round, "sent_us": now_us() as u64},
        })
        .to_string();
        let began = Instant::now();
        app.running.state.ws.broadcast("tasks", &msg);
        let hub_ms = began.elapsed().as_secs_f64() * 1000.0;
        let line = line_rx.recv().await.expect("round results");
        let delays: Vec<f64> = line
            .split_once(' ')
            .and_then(|(_, rest)| rest.split_once(' '))
            .map(|(_, list)| {
                list.split(',')
                    .map(|v| v.parse::<f64>().unwrap() / 1000.0)
                    .collect()
            })
            .unwrap();
        assert_eq!(delays.len(), n);
        let worst = delays.iter().copied().fold(0.0, f64::max);
        println!("round {round}: hub enqueue {hub_ms:.1} ms, last client {worst:.1} ms");
        worst_per_round.push(worst);
        all.extend(delays);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // After the traffic: what the sockets keep once their messages went out.
    let after_rounds = rss_kib(me);
    let _ = child.kill();
    let _ = child.wait();
    all.sort_by(f64::total_cmp);
    let pct = |q: f64| all[((all.len() as f64 * q).ceil() as usize).clamp(1, all.len()) - 1];
    println!(
        "{n} connections (clients in a second process): server RSS {:.1} → {:.1} MiB \
         ({:.1} KiB per connection); client process {:.1} MiB; setup {setup_s:.1} s",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / n as f64,
        client_rss as f64 / 1024.0,
    );
    println!(
        "after the broadcasts: server RSS {:.1} MiB ({:.1} KiB per connection)",
        after_rounds as f64 / 1024.0,
        after_rounds.saturating_sub(before) as f64 / n as f64,
    );
    println!(
        "delivery over {} broadcasts × {n}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         slowest round reached all in {:.1} ms",
        rounds(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        worst_per_round.iter().copied().fold(0.0, f64::max)
    );
}
