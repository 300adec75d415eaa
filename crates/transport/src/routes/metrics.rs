//! `/metrics` (Prometheus) and `/api/metrics/{system,agents,detailed}`.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use seo_auth::{Access, Permission};
use seo_domain::num::f64_of;
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::Query;
use crate::{ApiError, AppState};

async fn prometheus(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

fn envelope(data: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().json(
        json!({"status": "success", "data": data, "timestamp": chrono::Utc::now().to_rfc3339()}),
    )
}

async fn system(state: web::Data<AppState>) -> HttpResponse {
    let s = state.metrics.system();
    let last_hour = state.metrics.detailed(1);
    let requests: u64 = last_hour.iter().map(|m| m.requests).sum();
    let errors: u64 = last_hour.iter().map(|m| m.errors).sum();
    envelope(json!({
        "cpu_percent": s.cpu_percent,
        "memory_percent": s.memory_percent,
        "memory_used_bytes": s.memory_used_bytes,
        "memory_total_bytes": s.memory_total_bytes,
        "process_cpu_percent": s.process_cpu_percent,
        "process_resident_bytes": s.process_resident_bytes,
        "sampled_at": s.sampled_at,
        "uptime_seconds": state.started_at.elapsed().as_secs_f64(),
        "requests_last_hour": requests,
        "errors_last_hour": errors,
        "error_rate": if requests > 0 { f64_of(errors) / f64_of(requests) } else { 0.0 },
    }))
}

async fn agents(state: web::Data<AppState>) -> HttpResponse {
    let map: serde_json::Map<String, serde_json::Value> = state
        .agents
        .list()
        .into_iter()
        .map(|a| (a.agent_id.to_string(), json!(a.stats)))
        .collect();
    envelope(json!(map))
}

/// `?hours=1..24`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailedQuery {
    /// Hours of per-minute history (1–24, default 1).
    /// Hours of history (default 1).
    #[param(minimum = 1, maximum = 24)]
    hours: Option<i64>,
}

async fn detailed(
    state: web::Data<AppState>,
    q: Query<DetailedQuery>,
) -> Result<HttpResponse, ApiError> {
    let hours = q.0.hours.unwrap_or(1);
    if !(1..=24).contains(&hours) {
        return Err(seo_domain::ValidationErrors::single(
            "hours",
            "out_of_range",
            "must be between 1 and 24",
        )
        .into());
    }
    let minutes = state.metrics.detailed(u32::try_from(hours).unwrap_or(1));
    Ok(envelope(json!({"hours": hours, "minutes": minutes})))
}

/// Registers the metrics routes.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let read = needs(Permission::SystemRead);
    t.add(Method::GET, "/metrics", Access::Scrape, prometheus)
        .doc(Doc::new("Prometheus text exposition (version 0.0.4)"))
        .add(Method::GET, "/api/metrics/system", read, system)
        .doc(Doc::new("System and process CPU and memory (sampled in the background), request and error counts of the last hour"))
        .add(Method::GET, "/api/metrics/agents", read, agents)
        .doc(Doc::new("Live statistics of every agent"))
        .add(Method::GET, "/api/metrics/detailed", read, detailed)
        .doc(Doc::new("Per-minute requests, errors, p50/p95 latency and tasks by status for the last N hours").query::<DetailedQuery>());
}
