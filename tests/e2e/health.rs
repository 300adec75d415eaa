//! Service info, health, request ids and the error shape.

use seo_e2e::{external_services, spawn_app, spawn_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_describes_the_service_and_links_only_what_exists() {
    let app = spawn_app().await;
    let (status, headers, body) = app.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["name"], "SEO Architects");
    assert_eq!(body["status"], "running");
    for (name, link) in body["links"].as_object().unwrap() {
        let (s, _, _) = app.get(link.as_str().unwrap()).await;
        // The login link answers GET with 405 (it takes POST); every other link serves a page.
        let expected = if name == "login" { 405 } else { 200 };
        assert_eq!(s, expected, "link {link} must work");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_endpoints_report_each_component() {
    let app = spawn_app().await;
    let (s, _, live) = app.get("/health/live").await;
    assert_eq!((s, live["status"].as_str()), (200, Some("alive")));
    let (s, _, ready) = app.get("/health/ready").await;
    assert_eq!((s, ready["status"].as_str()), (200, Some("ready")));
    assert_eq!(ready["checks"]["database"]["status"], "up");
    let (s, _, h) = app.get("/health").await;
    assert_eq!(s, 200);
    assert_eq!(h["status"], "healthy");
    assert_eq!(h["components"]["database"]["status"], "up");
    assert_eq!(h["components"]["database"]["backend"], "sqlite");
    // A real round trip: measured, and within the probe's timeout.
    let latency = h["components"]["database"]["latency_ms"].as_f64().unwrap();
    assert!(latency > 0.0 && latency < 2000.0, "{latency}");
    assert_eq!(h["components"]["kv"]["backend"], "memory");
    assert_eq!(h["components"]["kv"]["required"], false);
    assert_eq!(h["components"]["queue"]["pending"], 0);
    assert_eq!(
        h["components"]["agents"]["registered"],
        serde_json::json!(app.running.state.agents.ids().len())
    );
    assert_eq!(h["components"]["agents"]["status"], "up");
    chrono_like(h["timestamp"].as_str().unwrap());
}

fn chrono_like(ts: &str) {
    // RFC 3339 UTC, e.g. 2026-11-25T19:44:41.537Z
    assert!(
        ts.len() >= 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_and_errors_use_one_shape() {
    let app = spawn_app().await;
    let (s, h, body) = app.get("/no/such/route").await;
    assert_eq!(s, 404);
    let id = h["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a generated UUID");
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["request_id"], id.as_str());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/no/such/route")
    );

    let r = app
        .http
        .get(app.url("/nope"))
        .header("X-Request-Id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-request-id"],
        "trace-42",
        "a sane incoming id is kept"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-42");

    let r = app
        .http
        .get(app.url("/health/live"))
        .header("X-Request-Id", "bad id <script>")
        .send()
        .await
        .unwrap();
    let echoed = r.headers()["x-request-id"].to_str().unwrap();
    assert!(
        !echoed.contains('<') && echoed.len() == 36,
        "an unsafe id is replaced: {echoed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_slashes_are_accepted() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/live/").await.0, 200);
    assert_eq!(app.get("/health/").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_redis_mode_when_configured() {
    let Some((db, redis)) = external_services().await else {
        eprintln!("TEST_DATABASE_URL/TEST_REDIS_URL not set: skipped");
        return;
    };
    let app = spawn_with(|c| {
        c.database_url = db;
        c.redis_url = Some(redis);
        c.redis_key_prefix = format!("e2e-{}", std::process::id());
    })
    .await;
    let (s, _, h) = app.get("/health").await;
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["components"]["database"]["backend"], "postgres");
    assert_eq!(h["components"]["kv"]["backend"], "redis");
    assert_eq!(h["components"]["kv"]["required"], true);
    assert_eq!(h["components"]["kv"]["status"], "up");
    assert_eq!(app.get("/health/ready").await.0, 200);
}

/// With a required Redis that stops answering, readiness turns 503 and the deep health says
/// which component is down; liveness stays 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_a_required_dependency_is_down() {
    let app = spawn_app().await;
    let mut state = app.running.state.clone();
    state.service.kv = std::sync::Arc::new(DownKv);
    state.kv_required = true;
    let (base, handle) = seo_e2e::serve_state(state).await;
    let get = |p: &'static str| {
        let http = app.http.clone();
        let base = base.clone();
        async move {
            let r = http.get(format!("{base}{p}")).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s, ready) = get("/health/ready").await;
    assert_eq!((s, ready["status"].as_str()), (503, Some("not_ready")));
    assert_eq!(ready["checks"]["kv"]["status"], "down");
    assert_eq!(ready["checks"]["database"]["status"], "up");
    let (s, h) = get("/health").await;
    assert_eq!((s, h["status"].as_str()), (503, Some("degraded")));
    assert!(
        !h.to_string().contains("connection refused to secret"),
        "causes stay in the logs"
    );
    assert_eq!(get("/health/live").await.0, 200);
    handle.stop(false).await;
}

#[derive(Debug)]
pub struct DownKv;

#[async_trait::async_trait]
impl seo_persistence::kv::Kv for DownKv {
    fn backend(&self) -> &'static str {
        "redis"
    }
    async fn ping(&self) -> Result<std::time::Duration, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable(
            "connection refused to secret host".into(),
        ))
    }
    async fn incr_window(
        &self,
        _: &str,
        _: std::time::Duration,
    ) -> Result<seo_persistence::kv::WindowCount, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn set_ex(
        &self,
        _: &str,
        _: &str,
        _: std::time::Duration,
    ) -> Result<(), seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn set_nx_ex(
        &self,
        _: &str,
        _: &str,
        _: std::time::Duration,
    ) -> Result<bool, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn get(&self, _: &str) -> Result<Option<String>, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn get_many(
        &self,
        _: &[String],
    ) -> Result<Vec<Option<String>>, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn delete(&self, _: &str) -> Result<bool, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn publish(&self, _: &str, _: &str) -> Result<(), seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
    async fn subscribe(
        &self,
        _: &str,
    ) -> Result<seo_persistence::kv::Subscription, seo_persistence::kv::KvError> {
        Err(seo_persistence::kv::KvError::Unavailable("down".into()))
    }
}

/// The deep result is reused for `HEALTH_CACHE_MS`, and the instance id and pool details
/// are for `system:read` callers only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_health_is_cached_and_private_details_need_system_read() {
    let app = seo_e2e::spawn_with(|c| c.health_cache_ms = 60_000).await;
    let (s, _, first) = app.get("/health").await;
    assert_eq!(s, 200);
    assert!(first.get("instance_id").is_none(), "{first}");
    assert!(first["components"]["database"].get("pool").is_none());
    let (_, _, second) = app.get("/health").await;
    assert_eq!(
        first["timestamp"], second["timestamp"],
        "one probe serves both"
    );
    let admin = app.admin_token().await;
    let r = app
        .http
        .get(app.url("/health"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let full: serde_json::Value = r.json().await.unwrap();
    assert!(full["instance_id"].is_string(), "{full}");
    assert!(full["components"]["database"]["pool"]["max_size"].is_number());
    let operator = app.token_for("operator").await;
    let r = app
        .http
        .get(app.url("/health"))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["instance_id"].is_string(),
        "operators hold every :read, system:read included"
    );
    let r = app
        .http
        .get(app.url("/health"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a bad token on a public route is ignored");
}
