//! What the server pushes on its own: events from the kv channel (every instance's task,
//! workflow, campaign, lead, proposal and alert events), ended sessions, changed users, and the
//! periodic `metrics_update` and alerts.

use serde_json::{Value, json};

use crate::AppState;

use super::now;

pub(super) fn metrics_update(state: &AppState) -> String {
    let s = state.metrics.system();
    json!({
        "type": "metrics_update",
        "timestamp": now(),
        "data": {"system": {
            "cpu_percent": s.cpu_percent,
            "memory_percent": s.memory_percent,
            "active_connections": state.ws.connections(),
            "process_resident_bytes": s.process_resident_bytes,
        }}
    })
    .to_string()
}

pub(super) async fn agents_status(state: &AppState) -> String {
    let health = state.agents.health_all().await;
    let agents: Vec<Value> = state
        .agents
        .list()
        .into_iter()
        .map(|a| json!({"agent_id": a.agent_id, "name": a.name, "status": health.get(a.agent_id).map_or("unknown", |h| h.status), "stats": a.stats}))
        .collect();
    let healthy = health.values().filter(|h| h.status == "healthy").count();
    json!({
        "type": "agents_status",
        "timestamp": now(),
        "data": {"agents": agents, "summary": {"total_agents": health.len(), "healthy_agents": healthy}}
    })
    .to_string()
}

/// Starts the hub's feeders: kv events to `tasks`/`campaigns`/`alerts` subscribers, and the
/// periodic `metrics_update`.
pub fn start(state: AppState) {
    let changed = state.clone();
    tokio::spawn(async move {
        let mut sub = match changed.kv.subscribe(seo_auth::USERS_CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "changed users unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            if let Ok(id) = uuid::Uuid::parse_str(msg.trim()) {
                changed.auth.forget_user(id);
            }
        }
    });
    let ended = state.clone();
    tokio::spawn(async move {
        let mut sub = match ended.kv.subscribe(seo_auth::SESSIONS_CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "ended sessions unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            match serde_json::from_str::<seo_auth::SessionEnded>(&msg) {
                Ok(e) => ended.ws.end_sessions(e),
                Err(e) => tracing::warn!(error = %e, "malformed ended-session message"),
            }
        }
    });
    let s = state.clone();
    tokio::spawn(async move {
        let mut sub = match s.kv.subscribe(crate::events::CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "live events unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            let channel = match serde_json::from_str::<Value>(&msg)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
            {
                Some(t) if t == "task_update" || t == "workflow_update" => "tasks",
                // The pipeline's records travel with the campaigns: the agency's work.
                Some(t)
                    if t == "campaign_update" || t == "lead_update" || t == "proposal_update" =>
                {
                    "campaigns"
                }
                Some(t) if t == "alert" => "alerts",
                _ => continue,
            };
            s.ws.broadcast(channel, &msg);
        }
    });
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(state.ws.config.metrics_interval).await;
            if state.ws.connections() > 0 {
                state.ws.broadcast("metrics", &metrics_update(&state));
                for alert in state.alerts() {
                    let msg = json!({"type": "alert", "timestamp": now(), "data": alert});
                    state.ws.broadcast("alerts", &msg.to_string());
                }
            }
        }
    });
}
