//! `/metrics` and the metrics APIs.

use std::collections::BTreeSet;

use reqwest::Method;
use seo_e2e::{spawn_app, spawn_with};
use serde_json::json;

/// Series (name plus labels) of a Prometheus text exposition; panics on a malformed line.
fn series(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("malformed line: {line}"));
        value
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("bad value in: {line}"));
        let name = key.split('{').next().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        if let Some(labels) = key.strip_prefix(name) {
            assert!(
                labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                "bad labels: {line}"
            );
        }
        out.insert(key.to_string());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exposition_parses_and_holds_the_series() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (s, _) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(json!({"input": {"company_name": "Acme"}})),
        )
        .await;
    assert_eq!(s, 200);
    // The task's series is recorded just after its row is written: scrape until it shows.
    let start = std::time::Instant::now();
    let (ctype, text) = loop {
        let r = app
            .http
            .get(app.url("/metrics"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
        let text = r.text().await.unwrap();
        if text.contains("agent_tasks_total{") {
            break (ctype, text);
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "agent_tasks_total never appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    // An independent Prometheus text-format parser reads every sample.
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("the exposition parses");
    let parsed: BTreeSet<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    for n in [
        "http_requests_total",
        "http_request_duration_seconds",
        "agent_tasks_total",
        "ws_connections",
        "system_active_connections",
    ] {
        assert!(parsed.contains(n), "{n} missing from the parsed scrape");
    }
    assert!(
        scrape
            .docs
            .get("http_requests_total")
            .is_some_and(|d| !d.is_empty()),
        "HELP text"
    );
    let all = series(&text);
    let names: BTreeSet<&str> = all.iter().map(|k| k.split('{').next().unwrap()).collect();
    for n in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "agent_tasks_total",
        "agent_task_duration_seconds_bucket",
        "agent_success_rate",
        "system_cpu_percent",
        "system_memory_percent",
        "process_resident_memory_bytes",
        "task_queue_depth",
        "db_pool_connections",
        "ws_connections",
        "system_active_connections",
        "rate_limited_total",
        "process_cpu_percent",
    ] {
        assert!(names.contains(n), "{n} missing from /metrics");
    }
    assert!(
        all.iter().any(|k| k.starts_with("http_requests_total")
            && k.contains("route=\"/api/agents/{id}/tasks\"")),
        "routes are patterns"
    );
    assert!(all.iter().any(|k| k.starts_with("agent_tasks_total")
        && k.contains("agent=\"lead_qualification\"")
        && k.contains("status=\"completed\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_add_no_series() {
    let app = spawn_with(|c| c.metrics_public = true).await;
    let marker = uuid::Uuid::new_v4().simple().to_string();
    for i in 0..1000 {
        app.http
            .get(app.url(&format!("/x-{marker}-{i}")))
            .send()
            .await
            .unwrap();
    }
    // Invented methods are one `other` label, not one series each.
    for i in 0..50 {
        let m = reqwest::Method::from_bytes(format!("X{marker}{i}").as_bytes()).unwrap();
        app.http
            .request(m, app.url("/health/live"))
            .send()
            .await
            .unwrap();
    }
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains(&marker),
        "a request path or method leaked into a label"
    );
    assert!(text.contains("method=\"other\""));
    let unmatched = series(&text)
        .into_iter()
        .filter(|k| k.contains("route=\"unmatched\""))
        .count();
    assert!(
        unmatched <= 40,
        "{unmatched} unmatched series: one label value, not one per path"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_a_token_unless_public_and_a_scrape_token_works() {
    let app = spawn_with(|c| c.metrics_scrape_token = Some("scrape-secret-1".into())).await;
    assert_eq!(
        app.http
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let r = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let operator = app.token_for("operator").await;
    assert_eq!(
        app.send(Method::GET, "/metrics", &operator, None).await.0,
        200,
        "operators hold system:read"
    );
    // The scrape token opens /metrics only.
    assert_eq!(
        app.send(Method::GET, "/api/metrics/system", "scrape-secret-1", None)
            .await
            .0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_agents_and_detailed() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (s, sys) = app.send(Method::GET, "/api/metrics/system", &t, None).await;
    assert_eq!(s, 200);
    assert!(
        sys["data"]["memory_total_bytes"].as_u64().unwrap() > 0,
        "sampled from the machine: {sys}"
    );
    assert!(sys["data"]["process_resident_bytes"].as_u64().unwrap() > 0);
    let (s, agents) = app.send(Method::GET, "/api/metrics/agents", &t, None).await;
    assert_eq!(s, 200);
    assert!(agents["data"]["lead_qualification"]["runs"].is_number());
    for _ in 0..5 {
        app.send(Method::GET, "/api/clients", &t, None).await;
    }
    let (s, d) = app
        .send(Method::GET, "/api/metrics/detailed?hours=2", &t, None)
        .await;
    assert_eq!(s, 200);
    let minutes = d["data"]["minutes"].as_array().unwrap();
    let requests: u64 = minutes
        .iter()
        .map(|m| m["requests"].as_u64().unwrap())
        .sum();
    assert!(requests >= 5, "{d}");
    assert!(minutes.last().unwrap()["p95_ms"].as_f64().is_some());
    for bad in ["0", "25", "x"] {
        assert_eq!(
            app.send(
                Method::GET,
                &format!("/api/metrics/detailed?hours={bad}"),
                &t,
                None
            )
            .await
            .0,
            422
        );
    }
}
