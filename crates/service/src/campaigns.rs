//! Campaign lifecycle: transitions, and the audit a start queues.

use seo_domain::task::{DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS};
use seo_domain::{Campaign, CampaignAction, NewTask, Task, TaskPriority};
use serde_json::json;
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::{Service, events};

/// Agent queued when a campaign starts.
pub const AUDIT_AGENT: &str = "technical_seo_auditor";
/// Task type of the start-up audit.
pub const AUDIT_TASK_TYPE: &str = "technical_seo_audit";

/// How often a transition is decided again when the campaign changed in between.
const ATTEMPTS: usize = 5;

impl Service {
    /// Applies a lifecycle action. Starting a campaign whose domain can be audited also
    /// queues the audit, in the same transaction as the status change; a domain the auditor
    /// would refuse (private, loopback, unresolvable) is a 422 on `domain` and the campaign
    /// stays as it was, with no task. An illegal transition is a `Conflict`.
    pub async fn transition_campaign(
        &self,
        id: Uuid,
        action: CampaignAction,
        actor: Option<Uuid>,
    ) -> ServiceResult<(Campaign, Option<Task>)> {
        for _ in 0..ATTEMPTS {
            let current = self.db.get_campaign(id).await?;
            let next = current
                .status
                .apply(action)
                .map_err(|e| ServiceError::Conflict(e.to_string()))?;
            let audit = match (&current.domain, action) {
                (Some(domain), CampaignAction::Start) if self.agents.get(AUDIT_AGENT).is_some() => {
                    Some(self.audit_task(&current, domain, actor).await?)
                }
                _ => None,
            };
            // The write holds only while status (and, for a start, the checked domain) are
            // what was decided on.
            let domain_guard = (action == CampaignAction::Start).then(|| current.domain.clone());
            if let Some((campaign, task)) = self
                .db
                .apply_campaign_transition(id, current.status, next, domain_guard, audit)
                .await?
            {
                events::campaign_update(self.kv.as_ref(), &campaign, action.as_str()).await;
                if let Some(t) = &task {
                    self.announce(t).await;
                }
                tracing::info!(campaign_id = %campaign.id, action = action.as_str(), status = campaign.status.as_str(), audit_task = ?task.as_ref().map(|t| t.id), "campaign transition");
                return Ok((campaign, task));
            }
        }
        Err(ServiceError::Conflict(
            "the campaign is being changed concurrently; try again".into(),
        ))
    }

    /// The start-up audit of `domain`, after the auditor's own target rule accepted it.
    async fn audit_task(
        &self,
        c: &Campaign,
        domain: &str,
        actor: Option<Uuid>,
    ) -> ServiceResult<NewTask> {
        let url = format!("https://{domain}/");
        seo_crawler::check_target(&url, self.settings.allow_private_targets)
            .await
            .map_err(|e| {
                ServiceError::invalid(
                    "domain",
                    "unauditable_domain",
                    format!("the campaign cannot start: its domain cannot be audited ({e})"),
                )
            })?;
        let input = json!({ "url": url });
        self.agents.validate(AUDIT_AGENT, AUDIT_TASK_TYPE, &input)?;
        Ok(NewTask {
            agent_id: AUDIT_AGENT.into(),
            task_type: AUDIT_TASK_TYPE.into(),
            input,
            priority: TaskPriority::Normal,
            campaign_id: Some(c.id),
            client_id: Some(c.client_id),
            parent_id: None,
            created_by: actor,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        })
    }
}
