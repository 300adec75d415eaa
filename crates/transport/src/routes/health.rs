//! Service info and health: `/`, `/health`, `/health/live`, `/health/ready`.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use seo_auth::Access;
use serde::Serialize;
use serde_json::json;

use crate::AppState;

/// How long one dependency probe may take before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /`: what this service is and where to go next.
pub async fn root() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": "SEO Architects",
        "version": VERSION,
        "status": "running",
        "links": {
            "health": "/health",
            "live": "/health/live",
            "ready": "/health/ready",
            "openapi": "/api/openapi.json",
            "docs": "/api/docs",
            "redoc": "/api/redoc",
            "login": "/auth/login",
            "dashboard": "/dashboard",
        }
    }))
}

/// `GET /health/live`: the process answers.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "alive"}))
}

#[derive(Serialize)]
struct Probe {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Probe {
    fn from<E: std::fmt::Display>(
        r: Result<Result<Duration, E>, tokio::time::error::Elapsed>,
    ) -> Self {
        match r {
            Ok(Ok(d)) => Probe {
                status: "up",
                latency_ms: Some(d.as_secs_f64() * 1000.0),
                error: None,
            },
            // The cause is logged; the public body says only what kind of failure it was.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health probe failed");
                Probe {
                    status: "down",
                    latency_ms: None,
                    error: Some("unreachable".into()),
                }
            }
            Err(_) => Probe {
                status: "down",
                latency_ms: None,
                error: Some("timed out".into()),
            },
        }
    }

    fn up(&self) -> bool {
        self.status == "up"
    }
}

async fn probes(state: &AppState) -> (Probe, Probe) {
    let (db, kv) = tokio::join!(
        tokio::time::timeout(PROBE_TIMEOUT, state.ping_database()),
        tokio::time::timeout(PROBE_TIMEOUT, state.kv.ping()),
    );
    (Probe::from(db), Probe::from(kv))
}

/// `GET /health/ready`: 200 when every required dependency answers, 503 otherwise.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (db, kv) = probes(&state).await;
    let ready = db.up() && (kv.up() || !state.kv_required);
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "database": db, "kv": kv },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Probes every component; the full body (private details included) and whether every
/// required component is up.
async fn probe_all(state: &AppState) -> (serde_json::Value, bool) {
    let (db, kv) = probes(state).await;
    let queue = match tokio::time::timeout(PROBE_TIMEOUT, state.queue_health()).await {
        Ok(Ok(q)) => json!({
            "status": "up",
            "pending": q.pending,
            "running": q.running,
            "oldest_pending_age_seconds": q.oldest_pending_age_seconds,
            "unclaimable": q.unclaimable,
        }),
        _ => json!({"status": "down"}),
    };
    let w = state.workers.read();
    let workers = json!({
        "status": if w.live >= w.configured { "up" } else { "degraded" },
        "configured": w.configured,
        "live": w.live,
        "restarts": w.restarts,
    });
    let agent_health = state.agents.health_all().await;
    let healthy_agents = agent_health
        .values()
        .filter(|h| h.status == "healthy")
        .count();
    let agents = json!({
        "status": if healthy_agents == agent_health.len() { "up" } else { "degraded" },
        "registered": agent_health.len(),
        "healthy": healthy_agents,
    });
    // MCP data providers are optional: a provider that is down never fails a task, so it
    // does not make the instance degraded; it shows here.
    let providers = state.mcp_providers();
    let down = providers.iter().filter(|p| p.status == "down").count();
    let mcp = json!({
        "status": if providers.is_empty() { "not_configured" } else if down == 0 { "up" } else { "degraded" },
        "configured": providers.len(),
        "down": down,
        "providers": providers.iter().map(|p| json!({
            "name": p.name,
            "status": p.status,
            "latency_ms": p.latency_ms,
            "last_error": p.last_error,
        })).collect::<Vec<_>>(),
    });
    let required_up = db.up() && (kv.up() || !state.kv_required);
    let all_up = required_up
        && kv.up()
        && queue.get("status").and_then(serde_json::Value::as_str) == Some("up")
        && agents.get("status").and_then(serde_json::Value::as_str) == Some("up")
        && workers.get("status").and_then(serde_json::Value::as_str) == Some("up");
    let pool = state.database_pool();
    let body = json!({
        "status": if all_up { "healthy" } else { "degraded" },
        "version": VERSION,
        "instance_id": state.instance_id,
        "uptime_seconds": state.started_at.elapsed().as_secs_f64(),
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "components": {
            "database": {
                "status": db.status,
                "backend": state.database_backend(),
                "latency_ms": db.latency_ms,
                "error": db.error,
                "pool": pool,
            },
            "kv": {
                "status": kv.status,
                "backend": state.kv.backend(),
                "required": state.kv_required,
                "latency_ms": kv.latency_ms,
                "error": kv.error,
            },
            "queue": queue,
            "agents": agents,
            "workers": workers,
            "mcp": mcp,
        }
    });
    (body, required_up)
}

/// The deep result, probed at most once per `HEALTH_CACHE_MS` per instance: concurrent
/// callers of a stale result wait for one probe instead of each running their own.
async fn cached(state: &AppState) -> (serde_json::Value, bool) {
    let mut slot = state.health_cache.lock().await;
    if let Some((at, body, ok)) = slot.as_ref()
        && at.elapsed() < state.http.health_cache
    {
        return (body.clone(), *ok);
    }
    let (body, ok) = probe_all(state).await;
    *slot = Some((std::time::Instant::now(), body.clone(), ok));
    (body, ok)
}

/// Whether the request carries a valid access token whose role may read system details.
async fn may_read_system(req: &actix_web::HttpRequest, state: &AppState) -> bool {
    let Some(token) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    match state.auth.authenticate(token.trim()).await {
        Ok(p) => seo_auth::role_grants(p.user.role, seo_auth::Permission::SystemRead),
        Err(_) => false,
    }
}

/// `GET /health`: every component with its status and latency. `healthy` when all are up,
/// `degraded` otherwise; 503 when a required component is down. The result is cached for
/// `HEALTH_CACHE_MS`; the instance id and the connection pool are shown only to a caller
/// with `system:read`.
pub async fn health(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (mut body, required_up) = cached(&state).await;
    if !may_read_system(&req, &state).await {
        if let Some(o) = body.as_object_mut() {
            o.remove("instance_id");
        }
        if let Some(db) = body
            .get_mut("components")
            .and_then(|c| c.get_mut("database"))
            .and_then(serde_json::Value::as_object_mut)
        {
            db.remove("pool");
        }
        // Provider names and errors may name internal hosts.
        if let Some(m) = body
            .get_mut("components")
            .and_then(|c| c.get_mut("mcp"))
            .and_then(serde_json::Value::as_object_mut)
        {
            m.remove("providers");
        }
    }
    if required_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Registers the routes of this module (all public).
pub fn routes(t: &mut super::Table<'_>) {
    use crate::openapi::{Doc, shapes::Status};
    t.add(Method::GET, "/", Access::Public, root)
        .doc(Doc::new("Service name, version and links"))
        .add(Method::GET, "/health", Access::Public, health)
        .doc(
            Doc::new("Deep health: database, kv, queue (503 when a required component is down)")
                .ok::<Status>(200),
        )
        .add(Method::GET, "/health/live", Access::Public, live)
        .doc(Doc::new("Liveness").ok::<Status>(200))
        .add(Method::GET, "/health/ready", Access::Public, ready)
        .doc(Doc::new("Readiness (503 when a required dependency is down)").ok::<Status>(200))
        .add(Method::GET, "/ws/dashboard", Access::InBand, crate::ws::dashboard_ws)
        .doc(Doc::new("Live dashboard feed (WebSocket upgrade): initial, metrics_update, agents_status, task_update, pong, error"));
}
