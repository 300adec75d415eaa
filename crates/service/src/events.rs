//! Live events: every task transition is published on the kv channel [`CHANNEL`] (Redis
//! when configured, so every instance's subscribers see it) as one JSON message.

use seo_domain::Task;
use seo_persistence::kv::Kv;
use serde_json::json;

/// The kv channel carrying live events.
pub const CHANNEL: &str = "events";

/// Publishes a `task_update` for `task`; `event` is one of created, started, progress,
/// completed, failed, retrying, cancelled, timed_out, requeued. A publish failure is logged,
/// never surfaced: events are a live view, the database is the record.
pub async fn task_update(kv: &dyn Kv, task: &Task, event: &str, summary: Option<&str>) {
    let msg = json!({
        "type": "task_update",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {
            "event": event,
            "task_id": task.id,
            "agent_id": task.agent_id,
            "task_type": task.task_type,
            "status": task.status,
            "progress": task.progress,
            "attempts": task.attempts,
            "campaign_id": task.campaign_id,
            "workflow_run_id": task.workflow_run_id,
            "summary": summary,
        }
    });
    if let Err(e) = kv.publish(CHANNEL, &msg.to_string()).await {
        tracing::warn!(error = %e, task_id = %task.id, "could not publish a task event");
    }
}

/// Publishes a `campaign_update` after a lifecycle action.
pub async fn campaign_update(kv: &dyn Kv, campaign: &seo_domain::Campaign, action: &str) {
    let msg = json!({
        "type": "campaign_update",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {"campaign_id": campaign.id, "client_id": campaign.client_id, "action": action, "status": campaign.status},
    });
    if let Err(e) = kv.publish(CHANNEL, &msg.to_string()).await {
        tracing::warn!(error = %e, campaign_id = %campaign.id, "could not publish a campaign event");
    }
}

/// Publishes a `workflow_update` when a run starts or finishes.
pub async fn workflow_update(kv: &dyn Kv, run: &seo_domain::WorkflowRun, event: &str) {
    let msg = json!({
        "type": "workflow_update",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {"event": event, "run_id": run.id, "workflow_id": run.workflow_id, "status": run.status, "error": run.error},
    });
    if let Err(e) = kv.publish(CHANNEL, &msg.to_string()).await {
        tracing::warn!(error = %e, run_id = %run.id, "could not publish a workflow event");
    }
}

/// Publishes a `lead_update` (created, stage_changed).
pub async fn lead_update(kv: &dyn Kv, lead: &seo_domain::Lead, event: &str) {
    let msg = json!({
        "type": "lead_update",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {"event": event, "lead_id": lead.id, "stage": lead.stage, "classification": lead.classification, "score": lead.score, "client_id": lead.client_id},
    });
    if let Err(e) = kv.publish(CHANNEL, &msg.to_string()).await {
        tracing::warn!(error = %e, lead_id = %lead.id, "could not publish a lead event");
    }
}

/// Publishes a `proposal_update` after a decision (approved, rejected, sent, accepted,
/// declined).
pub async fn proposal_update(kv: &dyn Kv, p: &seo_domain::Proposal, event: &str) {
    let msg = json!({
        "type": "proposal_update",
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": {"event": event, "proposal_id": p.id, "lead_id": p.lead_id, "status": p.status, "version": p.version, "annual_value": p.annual_value},
    });
    if let Err(e) = kv.publish(CHANNEL, &msg.to_string()).await {
        tracing::warn!(error = %e, proposal_id = %p.id, "could not publish a proposal event");
    }
}
