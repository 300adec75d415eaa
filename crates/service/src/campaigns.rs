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
/// The workflow a campaign start runs, its audit first.
pub const SITE_AUDIT: &str = "site_audit";

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
            // The audit is the first step of a site_audit run when that workflow can run here.
            let run = audit
                .as_ref()
                .and_then(|t| self.site_audit_run(&current, t, actor));
            // The write holds only while status (and, for a start, the checked domain) are
            // what was decided on.
            let domain_guard = (action == CampaignAction::Start).then(|| current.domain.clone());
            if let Some((campaign, task)) = self
                .db
                .apply_campaign_transition(id, current.status, next, domain_guard, audit, run)
                .await?
            {
                events::campaign_update(self.kv.as_ref(), &campaign, action.as_str()).await;
                if let Some(t) = &task {
                    self.announce(t).await;
                    if let Some(run_id) = t.workflow_run_id
                        && let Ok(r) = self.db.get_workflow_run(run_id).await
                    {
                        events::workflow_update(self.kv.as_ref(), &r, "started").await;
                    }
                }
                tracing::info!(campaign_id = %campaign.id, action = action.as_str(), status = campaign.status.as_str(), audit_task = ?task.as_ref().map(|t| t.id), "campaign transition");
                return Ok((campaign, task));
            }
        }
        Err(ServiceError::Conflict(
            "the campaign is being changed concurrently; try again".into(),
        ))
    }

    /// A campaign's newest workflow run (id, workflow, status, error, times) and the task of
    /// its report step once it has one.
    pub async fn campaign_latest_run(
        &self,
        id: Uuid,
    ) -> ServiceResult<(Option<serde_json::Value>, Option<Uuid>)> {
        let Some(run) = self.db.latest_campaign_run(id).await? else {
            return Ok((None, None));
        };
        let report = run
            .steps
            .get("report")
            .filter(|s| s.status == seo_domain::StepStatus::Completed)
            .and_then(|s| s.task_id);
        let summary = json!({
            "id": run.id, "workflow_id": run.workflow_id, "status": run.status, "error": run.error,
            "created_at": run.created_at, "finished_at": run.finished_at,
        });
        Ok((Some(summary), report))
    }

    /// The `site_audit` run a start begins with its audit as the first step: its input is
    /// the audit's URL, the client, the campaign's keywords, competitors
    /// (`config.competitors`) and budget. `None` when the workflow cannot run here.
    fn site_audit_run(
        &self,
        c: &Campaign,
        audit: &NewTask,
        actor: Option<Uuid>,
    ) -> Option<(seo_domain::NewWorkflowRun, String)> {
        let def = self.agents.workflow(SITE_AUDIT)?;
        let mut input = json!({
            "url": audit.input.get("url").cloned().unwrap_or_default(),
            "client_id": c.client_id,
            "campaign_id": c.id,
            "keywords": c.keywords,
        });
        if let Some(obj) = input.as_object_mut() {
            if let Some(comp) = c.config.get("competitors").filter(|v| v.is_array()) {
                obj.insert("competitors".into(), comp.clone());
            }
            if let Some(b) = c.budget {
                obj.insert("monthly_budget".into(), json!(b));
            }
        }
        let plan = seo_agents::workflow::start(def, &input);
        // Only a graph whose one first step is this audit can take it over.
        let [first] = plan.start.as_slice() else {
            return None;
        };
        if first.agent_id != AUDIT_AGENT || first.task_type != AUDIT_TASK_TYPE {
            return None;
        }
        Some((
            seo_domain::NewWorkflowRun {
                workflow_id: def.id.clone(),
                input,
                steps: plan.steps,
                client_id: Some(c.client_id),
                campaign_id: Some(c.id),
                created_by: actor,
            },
            first.step.clone(),
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
