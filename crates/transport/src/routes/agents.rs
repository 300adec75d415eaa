//! `/api/agents`: the registry, live statistics, health, and running tasks on an agent.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_agents::{AgentInfo, TaskContext, Tier};
use seo_auth::Permission;
use seo_domain::num::f64_of;
use seo_domain::{NewTask, PageRequest, TaskPriority};
use serde::Deserialize;
use serde_json::{Value, json};

use super::tasks::wait_for;
use super::{Table, needs};
use crate::extract::{Caller, Json, Query};
use crate::{ApiError, AppState};

async fn entry(state: &AppState, info: AgentInfo) -> Value {
    let health = state.agents.health(info.agent_id).await.ok();
    let status = match &health {
        Some(h) if h.status == "healthy" => "active",
        _ => "error",
    };
    let mut v = serde_json::to_value(&info).unwrap_or_default();
    crate::json_set(&mut v, "status", json!(status));
    crate::json_set(&mut v, "health", json!(health));
    if let Ok(ext) = state.agent_external(info.agent_id).await {
        crate::json_set(&mut v, "mcp_enabled", json!(ext.mcp_enabled));
        crate::json_set(&mut v, "mcp_providers", json!(ext.providers));
    }
    v
}

/// The agent tiers, as documented (the runtime type lives in the agents crate).
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TierParam {
    /// Strategy and deal approval.
    Executive,
    /// Coordination and operations.
    Management,
    /// Hands-on analysis.
    Operational,
}

/// Filters of the agent list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    /// `active` or `error`.
    status: Option<String>,
    /// `executive`, `management` or `operational`.
    #[param(value_type = Option<TierParam>, inline)]
    tier: Option<Tier>,
    /// Only agents that read this data: `task_input`, `client`, `campaign`,
    /// `agent_results`, `website`, `datasets`.
    data_provider: Option<String>,
}

async fn list(state: web::Data<AppState>, q: Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let mut items = Vec::new();
    for info in state.agents.list() {
        if q.tier.is_some_and(|t| t != info.tier) {
            continue;
        }
        if q.data_provider
            .as_deref()
            .is_some_and(|d| !info.data_providers.iter().any(|k| k.as_str() == d))
        {
            continue;
        }
        let e = entry(&state, info).await;
        if q.status
            .as_deref()
            .is_some_and(|s| e.get("status").and_then(Value::as_str) != Some(s))
        {
            continue;
        }
        items.push(e);
    }
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({"items": items, "total": total, "page": page.page, "size": page.size})))
}

fn known(state: &AppState, id: &str) -> Result<AgentInfo, ApiError> {
    state
        .agents
        .info(id)
        .ok_or_else(|| ApiError::not_found(&format!("agent '{id}'")))
}

async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let info = known(&state, &id)?;
    Ok(HttpResponse::Ok().json(entry(&state, info).await))
}

/// Body of `POST /api/agents/{id}/tasks`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AgentTaskRequest {
    /// Task type (default: the agent's first).
    task_type: Option<String>,
    /// The input, checked against the task type's schema.
    #[schema(value_type = Object)]
    input: Value,
    priority: Option<TaskPriority>,
    campaign_id: Option<uuid::Uuid>,
    client_id: Option<uuid::Uuid>,
    #[serde(default, deserialize_with = "seo_domain::num::opt_int")]
    timeout_seconds: Option<i32>,
    #[serde(default, deserialize_with = "seo_domain::num::opt_int")]
    max_attempts: Option<i32>,
}

/// `?wait=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Seconds to wait for the result (0–60).
    /// Seconds to wait for the result (0–60).
    #[param(minimum = 0, maximum = 60)]
    wait: Option<f64>,
}

async fn create_task(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<WaitQuery>,
    body: Json<AgentTaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let info = known(&state, &id)?;
    let b = body.0;
    let task_type = match b.task_type {
        Some(t) => t,
        None => info
            .task_types
            .first()
            .map(|t| t.name.to_string())
            .unwrap_or_default(),
    };
    let input = seo_domain::TaskInput {
        agent_id: info.agent_id.to_string(),
        task_type,
        input: Some(b.input),
        priority: b.priority,
        campaign_id: b.campaign_id,
        client_id: b.client_id,
        parent_id: None,
        timeout_seconds: b.timeout_seconds,
        max_attempts: b.max_attempts,
    };
    let new: NewTask = input.validate(Some(caller.0.user.id))?;
    let task = state.enqueue(new).await?;
    let location = (LOCATION, format!("/api/tasks/{}", task.id));
    if q.0.wait.is_some() {
        let done = wait_for(&state, task.id, q.0.wait).await?;
        if done.status.is_terminal() {
            return Ok(HttpResponse::Ok().insert_header(location).json(done));
        }
        return Ok(HttpResponse::Accepted().insert_header(location).json(done));
    }
    Ok(HttpResponse::Accepted().insert_header(location).json(task))
}

async fn health(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    known(&state, &id)?;
    let h = state
        .agents
        .health(&id)
        .await
        .map_err(crate::error::agent_error)?;
    Ok(HttpResponse::Ok()
        .json(json!({"agent_id": id.as_str(), "status": h.status, "detail": h.detail})))
}

/// `?timeframe_hours=1..168`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Window of the stored-task figures, 1–168 hours (default 1).
    /// Hours (default 1).
    #[param(minimum = 1, maximum = 168)]
    timeframe_hours: Option<i64>,
}

async fn stats(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let info = known(&state, &id)?;
    let hours = q.0.timeframe_hours.unwrap_or(1);
    if !(1..=168).contains(&hours) {
        return Err(seo_domain::ValidationErrors::single(
            "timeframe_hours",
            "out_of_range",
            "must be between 1 and 168",
        )
        .into());
    }
    let since = chrono::Utc::now() - chrono::Duration::hours(hours);
    let w = state.agent_window(info.agent_id, since).await?;
    Ok(HttpResponse::Ok().json(json!({
        "agent_id": info.agent_id,
        "timeframe_hours": hours,
        "live": info.stats,
        "tasks": {
            "success_rate": w.success_rate,
            "mean_duration_ms": w.mean_duration_ms,
            "max_duration_ms": w.max_duration_ms,
            "throughput_per_hour": f64_of(w.count("completed")) / f64_of(hours),
            "by_status": w.by_status,
        },
    })))
}

async fn create_all(state: web::Data<AppState>) -> HttpResponse {
    let ids = state.agents.recreate_all();
    tracing::info!(count = ids.len(), "agent registry re-initialised");
    HttpResponse::Ok().json(json!({"created_count": ids.len(), "agent_ids": ids}))
}

async fn health_all(state: web::Data<AppState>) -> HttpResponse {
    let all = state.agents.health_all().await;
    let healthy = all.values().filter(|h| h.status == "healthy").count();
    HttpResponse::Ok().json(json!({
        "overall_status": if healthy == all.len() { "healthy" } else { "degraded" },
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "agents": all,
        "summary": {"total_agents": all.len(), "healthy_agents": healthy, "unhealthy_agents": all.len() - healthy},
    }))
}

async fn comprehensive(state: web::Data<AppState>) -> HttpResponse {
    let mut results = serde_json::Map::new();
    let (mut passed, mut skipped) = (0, 0);
    let ids = state.agents.ids();
    for id in &ids {
        let Some(agent) = state.agents.get(id) else {
            continue;
        };
        let outcome = match agent.reference_case() {
            None => {
                skipped += 1;
                json!({"passed": null, "skipped": "no built-in reference case (its result depends on a live site or on stored data)"})
            }
            Some(case) => match state
                .agents
                .run(id, case.task_type, &case.input, &TaskContext::detached())
                .await
            {
                Ok(out) => match (case.check)(&out) {
                    Ok(()) => {
                        passed += 1;
                        json!({"passed": true, "summary": out.summary})
                    }
                    Err(why) => json!({"passed": false, "error": why, "summary": out.summary}),
                },
                Err(e) => json!({"passed": false, "error": e.to_string()}),
            },
        };
        results.insert(id.to_string(), outcome);
    }
    HttpResponse::Ok().json(json!({
        "results": results,
        "summary": {
            "total_agents": ids.len(),
            "passed": passed,
            "failed": ids.len() - passed - skipped,
            "skipped": skipped,
            "success_rate": if ids.len() == skipped { 0.0 } else { f64_of(passed) / f64_of(ids.len() - skipped) },
        },
    }))
}

async fn set_mcp(state: &AppState, id: &str, enabled: bool) -> Result<HttpResponse, ApiError> {
    known(state, id)?;
    let before = state.agent_mcp_enabled(id).await;
    let ext = state.set_agent_mcp(id, enabled).await?;
    let note = if ext.capabilities.is_empty() {
        Some("this agent consumes no external data; the switch has no effect on its results")
    } else if ext.providers.is_empty() {
        Some(
            "no configured MCP provider offers what this agent consumes; it will list that under not_measured",
        )
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(json!({
        "agent_id": id,
        "mcp_enabled": ext.mcp_enabled,
        "changed": before != ext.mcp_enabled,
        "capabilities": ext.capabilities,
        "providers": ext.providers,
        "note": note,
    })))
}

async fn enable_mcp(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_mcp(&state, &id, true).await
}

async fn disable_mcp(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_mcp(&state, &id, false).await
}

/// Registers `/api/agents`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    use seo_domain::Task;
    let (read, write, admin) = (
        needs(Permission::AgentsRead),
        needs(Permission::AgentsWrite),
        needs(Permission::AgentsAdmin),
    );
    t.add(Method::GET, "/api/agents", read, list)
        .doc(Doc::new("List the registered agents with live statistics").query::<ListQuery>())
        .add(Method::POST, "/api/agents/create-all", admin, create_all)
        .doc(Doc::new(
            "Re-initialise the registry (resets live statistics)",
        ))
        .add(Method::GET, "/api/agents/health/all", read, health_all)
        .doc(Doc::new("Health of every agent"))
        .add(
            Method::POST,
            "/api/agents/test/comprehensive",
            write,
            comprehensive,
        )
        .doc(Doc::new(
            "Run each agent's reference case and check the output",
        ))
        .add(Method::GET, "/api/agents/{id}", read, get)
        .doc(Doc::new(
            "One agent: task types with input schemas, live statistics, health",
        ))
        .add(Method::POST, "/api/agents/{id}/tasks", write, create_task)
        .doc(
            Doc::new("Queue a task for this agent (202); ?wait=N returns the finished task")
                .query::<WaitQuery>()
                .body::<AgentTaskRequest>()
                .ok::<Task>(202),
        )
        .add(
            Method::POST,
            "/api/agents/{id}/enable-mcp",
            write,
            enable_mcp,
        )
        .doc(Doc::new(
            "Switch the agent to its MCP data providers (kept across restarts, on every instance)",
        ))
        .add(
            Method::POST,
            "/api/agents/{id}/disable-mcp",
            write,
            disable_mcp,
        )
        .doc(Doc::new("Switch the agent off its MCP data providers"))
        .add(Method::GET, "/api/agents/{id}/health", read, health)
        .doc(Doc::new("Probe one agent"))
        .add(Method::GET, "/api/agents/{id}/stats", read, stats)
        .doc(
            Doc::new("Live statistics and stored-task figures over a window").query::<StatsQuery>(),
        );
}
