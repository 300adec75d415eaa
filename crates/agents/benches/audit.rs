//! Crawl-and-audit throughput: a generated site (10,000 pages unless `BENCH_PAGES` says
//! otherwise) on 127.0.0.1, crawled at concurrency 16 (images checked within the resource
//! budget) and audited with the whole catalogue. `cargo bench -p seo-agents --bench audit`
//! prints pages/s and the peak resident memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::time::Instant;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use seo_agents::auditor::{AuditConfig, TechnicalSeoAuditor};
use seo_crawler::{CrawlConfig, crawl};

/// Pages of the generated site.
fn pages() -> usize {
    std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Page n links to the next 10 pages (so the site is reachable breadth-first) and back home.
async fn page(req: HttpRequest) -> HttpResponse {
    if req.path() == "/logo.png" {
        return HttpResponse::Ok()
            .content_type("image/png")
            .body(vec![0u8; 2048]);
    }
    let total = pages();
    let n: usize = req.path().trim_start_matches("/p").parse().unwrap_or(0);
    let links: String = (1..=10)
        .map(|k| {
            format!(
                "<a href=\"/p{}\">page {}</a> ",
                (n * 10 + k) % total,
                (n * 10 + k) % total
            )
        })
        .collect();
    let words: String = (0..300)
        .map(|i| format!("word{} ", (i * 7 + n) % 997))
        .collect();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><title>Page {n} of the benchmark site</title>\
         <meta name=\"description\" content=\"Benchmark page number {n}, generated for the crawler benchmark run.\">\
         <link rel=\"canonical\" href=\"/p{n}\"></head><body><h1>Page {n}</h1><p>{words}</p>{links}<a href=\"/\">home</a><img src=\"/logo.png\" alt=\"logo\" width=\"10\" height=\"10\"></body></html>"
    ))
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/p0", listener.local_addr().unwrap());
    let srv = HttpServer::new(|| App::new().default_service(web::to(page)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(srv);
    let before = peak_rss_kib();
    let cfg = CrawlConfig {
        max_pages: pages(),
        max_depth: 10,
        concurrency: 16,
        allow_private: true,
        ..CrawlConfig::default()
    };
    let start = Instant::now();
    let report = crawl(&base, &cfg).await.unwrap();
    let crawl_secs = start.elapsed().as_secs_f64();
    let after_crawl = peak_rss_kib();
    let audit = TechnicalSeoAuditor::new(AuditConfig::default()).audit(&report, None);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "crawl {crawl_secs:.3} s, audit {:.3} s, score {:?}, {} issue types",
        secs - crawl_secs,
        audit.score,
        audit.findings.len()
    );
    let ok = report
        .pages
        .iter()
        .filter(|p| p.status == Some(200))
        .count();
    println!(
        "crawled and audited {} pages ({ok} ok) in {secs:.2} s: {:.0} pages/s; peak RSS {:.1} MiB (before crawl {:.1} MiB, after crawl {:.1} MiB; server in-process)",
        report.pages.len(),
        report.pages.len() as f64 / secs,
        peak_rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0,
        after_crawl as f64 / 1024.0
    );
}
