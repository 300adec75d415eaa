//! `/api/analytics/*`: system, agents and business figures over a timeframe, the dashboard
//! summary with alerts, a streamed export, and the collector's health.

use actix_web::http::Method;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::num::f64_of;
use seo_domain::{PageRequest, TaskFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Table, needs};
use crate::extract::Query;
use crate::{ApiError, AppState};
use seo_domain::num::Total;

/// A reporting window.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
pub enum Timeframe {
    /// Last hour.
    #[serde(rename = "1h")]
    H1,
    /// Last day.
    #[serde(rename = "24h")]
    H24,
    /// Last week.
    #[serde(rename = "7d")]
    D7,
    /// Last 30 days.
    #[serde(rename = "30d")]
    D30,
    /// Last 90 days.
    #[serde(rename = "90d")]
    D90,
    /// Last year.
    #[serde(rename = "365d")]
    D365,
}

impl Timeframe {
    fn hours(self) -> i64 {
        match self {
            Timeframe::H1 => 1,
            Timeframe::H24 => 24,
            Timeframe::D7 => 24 * 7,
            Timeframe::D30 => 24 * 30,
            Timeframe::D90 => 24 * 90,
            Timeframe::D365 => 24 * 365,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Timeframe::H1 => "1h",
            Timeframe::H24 => "24h",
            Timeframe::D7 => "7d",
            Timeframe::D30 => "30d",
            Timeframe::D90 => "90d",
            Timeframe::D365 => "365d",
        }
    }
}

/// `?timeframe=1h|24h|7d|30d|90d|365d`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeframeQuery {
    /// Window (default 24h; 1h for system and agents).
    #[param(value_type = Option<Timeframe>, inline)]
    timeframe: Option<Timeframe>,
    /// Only this agent (agents analytics).
    agent_id: Option<String>,
}

fn since(tf: Timeframe) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::hours(tf.hours())
}

/// Hours of per-minute request history each instance keeps (the metrics collector's window).
const HISTORY_HOURS: i64 = 24;

/// Request figures exist for the last [`HISTORY_HOURS`] only: a longer window is refused
/// (422 naming the limit), never answered from a shorter one.
fn within_history(tf: Timeframe) -> Result<(), ApiError> {
    if tf.hours() > HISTORY_HOURS {
        return Err(seo_domain::ValidationErrors::single(
            "timeframe",
            "beyond_history",
            format!(
                "request figures are kept for {HISTORY_HOURS} hours per instance; use 1h or 24h (task and business figures cover longer windows: /api/analytics/agents, /api/analytics/business)"
            ),
        )
        .into());
    }
    Ok(())
}

fn system_figures(state: &AppState, tf: Timeframe) -> Value {
    let hours = tf.hours().min(HISTORY_HOURS);
    let minutes = state.metrics.detailed(u32::try_from(hours).unwrap_or(24));
    let requests: u64 = minutes.iter().map(|m| m.requests).sum();
    let errors: u64 = minutes.iter().map(|m| m.errors).sum();
    let weighted: f64 = minutes
        .iter()
        .filter_map(|m| m.p50_ms.map(|p| p * f64_of(m.requests)))
        .total();
    let s = state.metrics.system();
    json!({
        "timeframe": tf.label(),
        "covered_hours": hours,
        "total_requests": requests,
        "error_requests": errors,
        "error_rate": if requests > 0 { f64_of(errors) / f64_of(requests) } else { 0.0 },
        "median_latency_ms_weighted": if requests > 0 { Some(weighted / f64_of(requests)) } else { None },
        "worst_minute_p95_ms": minutes.iter().filter_map(|m| m.p95_ms).fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b)))),
        "cpu_percent": s.cpu_percent,
        "memory_percent": s.memory_percent,
        "process_resident_bytes": s.process_resident_bytes,
        "sampled_at": s.sampled_at,
    })
}

async fn agent_figures(
    state: &AppState,
    tf: Timeframe,
    only: Option<&str>,
) -> Result<Value, ApiError> {
    let mut out = Vec::new();
    for id in state.agents.ids() {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let w = state.agent_window(id, since(tf)).await?;
        out.push(json!({
            "agent_id": id,
            "timeframe": tf.label(),
            "total_tasks": w.total,
            "successful_tasks": w.count("completed"),
            "failed_tasks": w.count("failed") + w.count("timed_out"),
            "success_rate": w.success_rate,
            "avg_processing_time_ms": w.mean_duration_ms,
            "throughput_per_hour": f64_of(w.count("completed")) / f64_of(tf.hours()),
            "by_status": w.by_status,
        }));
    }
    Ok(json!(out))
}

async fn business_figures(state: &AppState, tf: Timeframe) -> Result<Value, ApiError> {
    let b = state.business_summary(since(tf)).await?;
    // The pipeline's figures come from the lead and proposal records.
    let sales = state.sales_figures(since(tf)).await?;
    let mut v = serde_json::to_value(&b).map_err(ApiError::internal)?;
    crate::json_set(&mut v, "timeframe", json!(tf.label()));
    crate::json_set(&mut v, "proposals", json!(sales.proposals));
    crate::json_set(&mut v, "pipeline_value", json!(sales.pipeline_value));
    crate::json_set(
        &mut v,
        "sales",
        serde_json::to_value(&sales).map_err(ApiError::internal)?,
    );
    Ok(v)
}

fn tf_of(q: &TimeframeQuery, default: Timeframe) -> Timeframe {
    q.timeframe.unwrap_or(default)
}

fn envelope(data: Value) -> HttpResponse {
    HttpResponse::Ok().json(
        json!({"status": "success", "data": data, "timestamp": chrono::Utc::now().to_rfc3339()}),
    )
}

/// The windows request figures cover (the kept history), as documented.
#[derive(Debug, utoipa::ToSchema)]
pub enum HistoryWindow {
    /// Last hour.
    #[schema(rename = "1h")]
    H1,
    /// Last day.
    #[schema(rename = "24h")]
    H24,
}

/// `?timeframe=1h|24h` of the request figures.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SystemQuery {
    /// Window (default 1h); request figures are kept for 24 hours.
    #[param(value_type = Option<HistoryWindow>, inline)]
    timeframe: Option<Timeframe>,
}

async fn system(
    state: web::Data<AppState>,
    q: Query<SystemQuery>,
) -> Result<HttpResponse, ApiError> {
    let tf = q.0.timeframe.unwrap_or(Timeframe::H1);
    within_history(tf)?;
    Ok(envelope(system_figures(&state, tf)))
}

async fn agents(
    state: web::Data<AppState>,
    q: Query<TimeframeQuery>,
) -> Result<HttpResponse, ApiError> {
    let tf = tf_of(&q.0, Timeframe::H1);
    let only = q.0.agent_id.as_deref().filter(|a| !a.is_empty());
    if let Some(a) = only
        && state.agents.get(a).is_none()
    {
        return Err(ApiError::not_found(&format!("agent '{a}'")));
    }
    Ok(envelope(
        json!({"metrics": agent_figures(&state, tf, only).await?}),
    ))
}

async fn business(
    state: web::Data<AppState>,
    q: Query<TimeframeQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(envelope(
        business_figures(&state, tf_of(&q.0, Timeframe::H24)).await?,
    ))
}

async fn dashboard(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let recent = state
        .db
        .list_tasks(TaskFilter::default(), PageRequest { page: 1, size: 10 })
        .await?;
    let activity: Vec<Value> = recent
        .items
        .iter()
        .map(|t| json!({"task_id": t.id, "agent_id": t.agent_id, "status": t.status, "at": t.finished_at.or(t.started_at).unwrap_or(t.created_at)}))
        .collect();
    let agents = state.agents.list();
    let healthy = state
        .agents
        .health_all()
        .await
        .values()
        .filter(|h| h.status == "healthy")
        .count();
    Ok(envelope(json!({
        "system_health": system_figures(&state, Timeframe::H1),
        "agents_summary": {"total_agents": agents.len(), "healthy_agents": healthy},
        "business_summary": business_figures(&state, Timeframe::H24).await?,
        "recent_activity": activity,
        "alerts": state.alerts(),
    })))
}

/// `?format=json|csv&timeframe=…`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` or `csv`.
    #[param(value_type = ExportFormat, inline)]
    format: ExportFormat,
    /// Window (default 24h; request figures are kept for 24 hours).
    #[param(value_type = Option<HistoryWindow>, inline)]
    timeframe: Option<Timeframe>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON document.
    Json,
    /// Per-minute rows.
    Csv,
}

async fn export(
    state: web::Data<AppState>,
    q: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let tf = q.0.timeframe.unwrap_or(Timeframe::H24);
    within_history(tf)?;
    let stamp = chrono::Utc::now().format("%Y%m%d_%H%M%S");
    let minutes = state
        .metrics
        .detailed(u32::try_from(tf.hours().min(24)).unwrap_or(24));
    let (ctype, name, chunks): (&str, String, Vec<web::Bytes>) = match q.0.format {
        ExportFormat::Json => {
            let doc = json!({
                "timeframe": tf.label(),
                "exported_at": chrono::Utc::now().to_rfc3339(),
                "system": system_figures(&state, tf),
                "agents": agent_figures(&state, tf, None).await?,
                "business": business_figures(&state, tf).await?,
                "minutes": minutes,
            });
            let text = serde_json::to_vec_pretty(&doc).map_err(ApiError::internal)?;
            (
                "application/json",
                format!("metrics_export_{}_{stamp}.json", tf.label()),
                vec![web::Bytes::from(text)],
            )
        }
        ExportFormat::Csv => {
            // One chunk per row, quoted by the csv writer wherever a field needs it.
            let row = |fields: &[String]| -> Result<web::Bytes, ApiError> {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(fields).map_err(ApiError::internal)?;
                w.into_inner()
                    .map(web::Bytes::from)
                    .map_err(ApiError::internal)
            };
            let header = [
                "minute",
                "requests",
                "errors",
                "p50_ms",
                "p95_ms",
                "tasks_completed",
                "tasks_failed",
            ]
            .map(String::from);
            let mut rows = vec![row(&header)?];
            for m in &minutes {
                let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
                rows.push(row(&[
                    m.minute.to_rfc3339(),
                    m.requests.to_string(),
                    m.errors.to_string(),
                    opt(m.p50_ms),
                    opt(m.p95_ms),
                    m.tasks.get("completed").copied().unwrap_or(0).to_string(),
                    (m.tasks.get("failed").copied().unwrap_or(0)
                        + m.tasks.get("timed_out").copied().unwrap_or(0))
                    .to_string(),
                ])?);
            }
            (
                "text/csv; charset=utf-8",
                format!("metrics_export_{}_{stamp}.csv", tf.label()),
                rows,
            )
        }
    };
    // Streamed to the client chunk by chunk; nothing is written on the server.
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, actix_web::Error>));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, ctype))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(stream))
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let s = state.metrics.system();
    let db = state.ping_database().await.is_ok();
    let body = json!({
        "status": if db && s.sampled_at.is_some() { "healthy" } else { "degraded" },
        "metrics_collector": {
            "last_sample_at": s.sampled_at,
            "minutes_of_history": state.metrics.detailed(24).len(),
            "uptime_seconds": state.started_at.elapsed().as_secs_f64(),
        },
        "database": if db { "up" } else { "down" },
    });
    envelope(body)
}

/// Registers `/api/analytics`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let read = needs(Permission::AnalyticsRead);
    t.add(Method::GET, "/api/analytics/system", read, system)
        .doc(Doc::new("Requests, errors, latency (from the last 24 h of per-minute history) and the system sample").query::<SystemQuery>())
        .add(Method::GET, "/api/analytics/agents", read, agents)
        .doc(Doc::new("Per-agent task figures over the timeframe, from stored tasks").query::<TimeframeQuery>().also(404, "no such agent"))
        .add(Method::GET, "/api/analytics/business", read, business)
        .doc(Doc::new("New clients, active campaigns, budgets, tasks, pipeline value from proposals").query::<TimeframeQuery>())
        .add(Method::GET, "/api/analytics/dashboard", read, dashboard)
        .doc(Doc::new("Dashboard summary: system, agents, business, recent activity, alerts"))
        .add(Method::GET, "/api/analytics/export", read, export)
        .doc(Doc::new("Download the figures as JSON or CSV (streamed; nothing is written on the server)").query::<ExportQuery>())
        .add(Method::GET, "/api/analytics/health", read, health)
        .doc(Doc::new("Health of the metrics collector"));
}
