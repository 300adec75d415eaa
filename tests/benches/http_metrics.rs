//! The cost of recording HTTP metrics: the same route behind the same request middleware
//! (request id, span, log line, metrics), once with the application state present (so every
//! request is counted, timed into the histogram and the per-minute history) and once without
//! (the middleware finds no metrics and records nothing). Everything else is identical.
//!
//! `cargo bench -p seo-e2e --bench http_metrics` (`HTTP_BENCH_SECONDS`, default 3 per round;
//! `HTTP_BENCH_ROUNDS`, default 6 of each; `HTTP_BENCH_CONNECTIONS`, default 64).
//!
//! The load comes from a minimal keep-alive HTTP/1.1 client in this process (64 connections on
//! one thread), the server has one worker: each side has one of the machine's two cores.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, middleware::from_fn, web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "alive"}))
}

/// Starts one server (one worker, its own thread) with the route twice: under `/with` the
/// middleware finds the application state and records, under `/without` it finds none.
/// Returns its port. (Data set on the outer scope is visible to the inner scope's middleware.)
fn serve(state: seo_transport::AppState) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let route = || {
                    web::scope("")
                        .wrap(from_fn(seo_transport::request_id::middleware))
                        .route("/health/live", web::get().to(live))
                };
                App::new()
                    .service(
                        web::scope("/with")
                            .app_data(web::Data::new(state.clone()))
                            .service(route()),
                    )
                    .service(web::scope("/without").service(route()))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    port
}

/// One keep-alive connection issuing requests back to back until `until`.
async fn client(port: u16, path: &'static str, until: Instant) -> u64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.set_nodelay(true).unwrap();
    let req = format!("GET {path}/health/live HTTP/1.1\r\nHost: bench\r\n\r\n");
    let req = req.as_bytes();
    let mut buf = vec![0u8; 4096];
    let mut done = 0;
    while Instant::now() < until {
        s.write_all(req).await.unwrap();
        let mut have = 0;
        loop {
            let n = s.read(&mut buf[have..]).await.unwrap();
            assert!(n > 0, "server closed");
            have += n;
            let text = &buf[..have];
            if let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&text[..end])
                    .unwrap()
                    .to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap();
                if have >= end + 4 + len {
                    break;
                }
            }
        }
        done += 1;
    }
    done
}

async fn round(port: u16, path: &'static str, connections: u64, seconds: u64) -> f64 {
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(client(port, path, until)))
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let seconds = env("HTTP_BENCH_SECONDS", 3);
    let connections = env("HTTP_BENCH_CONNECTIONS", 64);
    let rounds = env("HTTP_BENCH_ROUNDS", 6);
    // A full application state (SQLite in a temporary folder) for its metrics.
    let setup = tokio::runtime::Runtime::new().unwrap();
    let app = setup.block_on(seo_e2e::spawn_with(|c| c.workers = 0));
    let state = app.running.state.clone();

    // The recording itself, without HTTP: one thread, a million calls.
    let calls = 1_000_000u32;
    let t = Instant::now();
    for i in 0..calls {
        state.metrics.record_http(
            "GET",
            "/health/live",
            200,
            Duration::from_micros(u64::from(i % 500)),
        );
    }
    let per_call_ns = t.elapsed().as_nanos() as f64 / f64::from(calls);

    let port = serve(state);
    let (with, without) = ((port, "/with"), (port, "/without"));
    let load = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    load.block_on(async {
        // Warm both up.
        round(with.0, with.1, connections, 1).await;
        round(without.0, without.1, connections, 1).await;
        let (mut w, mut wo) = (Vec::new(), Vec::new());
        // Alternate which goes first, so neither gains from going second.
        for i in 0..rounds {
            if i % 2 == 0 {
                w.push(round(with.0, with.1, connections, seconds).await);
                wo.push(round(without.0, without.1, connections, seconds).await);
            } else {
                wo.push(round(without.0, without.1, connections, seconds).await);
                w.push(round(with.0, with.1, connections, seconds).await);
            }
        }
        println!("rounds with: {w:.0?}\nrounds without: {wo:.0?}");
        let (w, wo) = (median(w), median(wo));
        println!("record_http alone: {per_call_ns:.0} ns per request (one thread)");
        println!(
            "GET /health/live, {connections} connections, {seconds} s rounds, median of {rounds}: \
             with metrics {w:.0} req/s, without {wo:.0} req/s ({:+.1} %)",
            (w - wo) / wo * 100.0
        );
    });
    drop(app);
}
