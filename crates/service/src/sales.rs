//! The sales pipeline's use-cases: leads (records, stage moves, history), proposals
//! (stored from `proposal_generation`, approvals by gate, sending, the prospect's answer,
//! expiry), and the records a finished sales task writes ([`Service::effects_of`]).

use seo_domain::proposal::{ApprovalGate, default_gates, required_gates};
use seo_domain::{
    Lead, LeadFilter, LeadInput, LeadPatch, NewProposal, Page, PageRequest, ProposalStatus,
    Qualification, StageChange, StageMove, Task, User,
};
use seo_persistence::{Actor, Effect};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::workflows::StartRun;
use crate::{Service, events};
use seo_domain::num::Total;

/// `[sales]` of the configuration file: approval gates, proposal validity, and which
/// qualification classes move a lead to `qualified`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesConfig {
    /// Approval gates by annual value (default: above 1,000,000 sales operations by a
    /// manager; above 5,000,000 also the business development director, an admin).
    pub gates: Vec<ApprovalGate>,
    /// Days an open proposal stays valid after its latest version (default 30).
    pub proposal_valid_days: i64,
    /// Qualification classes that move a `new` lead to `qualified` (default hot, warm).
    pub qualifying_classes: Vec<String>,
    /// The workflow a new lead starts (default `lead`; empty: none).
    pub lead_workflow: String,
}

impl Default for SalesConfig {
    fn default() -> Self {
        Self {
            gates: default_gates(),
            proposal_valid_days: 30,
            qualifying_classes: vec!["hot".into(), "warm".into()],
            lead_workflow: "lead".into(),
        }
    }
}

impl SalesConfig {
    /// Checks the values; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=3650).contains(&self.proposal_valid_days) {
            return Err("sales.proposal_valid_days: must be 1-3650".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for g in &self.gates {
            if g.id.trim().is_empty() || !ids.insert(g.id.as_str()) {
                return Err(format!(
                    "sales.gates: gate ids must be non-empty and unique ('{}')",
                    g.id
                ));
            }
            if !g.above.is_finite() || g.above < 0.0 {
                return Err(format!("sales.gates.{}: above must be zero or more", g.id));
            }
        }
        Ok(())
    }
}

pub(crate) fn actor(user: &User) -> Actor {
    Actor {
        user_id: Some(user.id),
        username: Some(user.username.clone()),
    }
}

/// The first-year value a `proposal_generation` output prices (its `annual_value`, or the
/// recommended package's `first_year`).
pub fn annual_value_of(output: &Value) -> Option<f64> {
    output
        .get("annual_value")
        .and_then(Value::as_f64)
        .or_else(|| {
            output
                .get("packages")?
                .as_array()?
                .iter()
                .find(|p| p.get("recommended").and_then(Value::as_bool) == Some(true))?
                .get("first_year")?
                .as_f64()
        })
        .filter(|v| v.is_finite())
}

fn uuid_field(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

impl Service {
    pub(crate) fn sales(&self) -> &SalesConfig {
        &self.settings.sales
    }

    /// The records a completed task's output writes in the transaction that completes it:
    /// a qualification on its lead (input `lead_id`), a proposal version from
    /// `proposal_generation` (for the input's `lead_id` and the task's client), the task a
    /// `task_coordination` run dispatched (checked against its agent's schema first; the
    /// output's `dispatch.status` says `created`, or `refused` with the reason), and a
    /// qualified lead moved to `call_planned` by its call plan, and a technical audit's
    /// figures and snapshot (taken out of the output, which names the stored `audit_id`).
    pub fn effects_of(&self, task: &Task, output: &mut Value) -> Vec<Effect> {
        let mut out = Vec::new();
        let lead_id = uuid_field(&task.input, "lead_id");
        match task.agent_id.as_str() {
            "lead_qualification" => {
                let score = output.get("score").and_then(Value::as_f64);
                let class = output.get("classification").and_then(Value::as_str);
                if let (Some(lead_id), Some(score), Some(class)) = (lead_id, score, class) {
                    out.push(Effect::Qualified(Qualification {
                        lead_id,
                        score,
                        classification: class.to_string(),
                        qualifies: self.sales().qualifying_classes.iter().any(|c| c == class),
                    }));
                }
            }
            "proposal_generation" => {
                if let Some(value) = annual_value_of(output) {
                    let company = output
                        .get("company_name")
                        .and_then(Value::as_str)
                        .or_else(|| task.input.get("company_name").and_then(Value::as_str))
                        .unwrap_or_default();
                    out.push(Effect::Proposal(NewProposal {
                        lead_id,
                        client_id: task.client_id,
                        company_name: company.trim().to_string(),
                        annual_value: value,
                        required_approvals: required_gates(&self.sales().gates, value),
                        content: output.clone(),
                        task_id: task.id,
                        workflow_run_id: task.workflow_run_id,
                        created_by: task.created_by,
                        valid_days: self.sales().proposal_valid_days,
                    }));
                }
            }
            "sales_conversation"
                if task.task_type == seo_agents::sales::conversation::CALL_PLAN =>
            {
                if let Some(lead_id) = lead_id {
                    out.push(Effect::LeadMoved(
                        lead_id,
                        seo_domain::LeadStage::Qualified,
                        seo_domain::LeadStage::CallPlanned,
                        "call plan prepared".into(),
                    ));
                }
            }
            "task_coordination" => {
                if let Some(e) = self.dispatch_of(task, output) {
                    out.push(e);
                }
            }
            "technical_seo_auditor" => {
                if let Some(e) = crate::audits::audit_effect(self, task, output) {
                    out.push(e);
                }
            }
            _ => {}
        }
        out
    }

    fn dispatch_of(&self, task: &Task, output: &mut Value) -> Option<Effect> {
        let d = output.get_mut("dispatch")?.as_object_mut()?;
        let id = d
            .get("task_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())?;
        let text = |k: &str| {
            d.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (agent, task_type) = (text("agent_id"), text("task_type"));
        let priority = seo_domain::TaskPriority::parse(&text("priority")).unwrap_or_default();
        let input = d
            .get("input")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({}));
        match self.agents.validate(&agent, &task_type, &input) {
            Ok(()) => {
                d.insert("status".into(), Value::String("created".into()));
                Some(Effect::Dispatch(
                    id,
                    seo_domain::NewTask {
                        agent_id: agent,
                        task_type,
                        input,
                        priority,
                        campaign_id: task.campaign_id,
                        client_id: task.client_id,
                        parent_id: Some(task.id),
                        created_by: task.created_by,
                        timeout_seconds: seo_domain::task::DEFAULT_TIMEOUT_SECONDS,
                        max_attempts: seo_domain::task::DEFAULT_MAX_ATTEMPTS,
                    },
                ))
            }
            Err(e) => {
                d.remove("task_id");
                d.insert("status".into(), Value::String("refused".into()));
                d.insert("error".into(), Value::String(e.to_string()));
                None
            }
        }
    }

    // ----- leads -----

    /// Creates a lead (stage `new`, with its first history entry) and starts the lead
    /// workflow for it (qualification first). A run that cannot start leaves the lead
    /// stored and is logged.
    pub async fn create_lead(&self, input: LeadInput, by: &User) -> ServiceResult<Lead> {
        let draft = input.validate()?;
        let lead = self.db.create_lead(draft, actor(by)).await?;
        self.start_lead_workflow(&lead, by).await;
        events::lead_update(self.kv.as_ref(), &lead, "created").await;
        Ok(lead)
    }

    async fn start_lead_workflow(&self, lead: &Lead, by: &User) {
        let wf = self.sales().lead_workflow.clone();
        if wf.is_empty() || self.agents.workflow(&wf).is_none() {
            return;
        }
        let input = lead_input(lead);
        let started = self
            .start_workflow(StartRun {
                workflow_id: wf,
                input,
                client_id: None,
                campaign_id: None,
                created_by: Some(by.id),
            })
            .await;
        if let Err(e) = started {
            tracing::warn!(lead_id = %lead.id, error = %e, "the lead workflow did not start");
        }
    }

    /// One lead.
    pub async fn lead(&self, id: Uuid) -> ServiceResult<Lead> {
        Ok(self.db.get_lead(id).await?)
    }

    /// Leads matching the filter, newest first.
    pub async fn leads(&self, filter: LeadFilter, page: PageRequest) -> ServiceResult<Page<Lead>> {
        Ok(self.db.list_leads(filter, page).await?)
    }

    /// Changes some of a lead's fields (`null` clears); the stage moves only by
    /// [`Service::move_lead`].
    pub async fn patch_lead(&self, id: Uuid, patch: LeadPatch) -> ServiceResult<Lead> {
        let current = self.db.get_lead(id).await?;
        let draft = patch.apply(&current)?;
        Ok(self.db.update_lead(id, draft).await?)
    }

    /// Deletes a lead and its history; its proposals stay, unlinked.
    pub async fn delete_lead(&self, id: Uuid) -> ServiceResult<()> {
        Ok(self.db.delete_lead(id).await?)
    }

    /// Moves a lead one stage on (or to lost, which needs a reason); 409 for a move the
    /// stage machine does not allow. Won creates (or links) the client in the same write.
    pub async fn move_lead(&self, id: Uuid, m: StageMove, by: &User) -> ServiceResult<Lead> {
        let reason = m
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        if reason
            .as_deref()
            .is_some_and(|r| r.chars().count() > seo_domain::lead::SHORT_MAX_CHARS)
        {
            return Err(ServiceError::invalid(
                "reason",
                "too_long",
                format!(
                    "must be at most {} characters",
                    seo_domain::lead::SHORT_MAX_CHARS
                ),
            ));
        }
        if m.stage == seo_domain::LeadStage::Lost && reason.is_none() {
            return Err(ServiceError::invalid(
                "reason",
                "required",
                "a move to lost needs the reason it was lost",
            ));
        }
        let lead = self
            .db
            .move_lead_stage(id, m.stage, reason, actor(by))
            .await?;
        events::lead_update(self.kv.as_ref(), &lead, "stage_changed").await;
        Ok(lead)
    }

    /// A lead's stage moves, oldest first.
    pub async fn lead_history(&self, id: Uuid) -> ServiceResult<Vec<StageChange>> {
        Ok(self.db.lead_history(id).await?)
    }

    /// Moves a lead forward to `target` one legal step at a time, when it is behind it
    /// (a pipeline convenience: never a backward move, never past a closed stage).
    pub(crate) async fn advance_lead_to(
        &self,
        lead: Uuid,
        target: seo_domain::LeadStage,
        why: &str,
        by: &User,
    ) {
        let Ok(current) = self.db.get_lead(lead).await else {
            return;
        };
        let mut stage = current.stage;
        let behind = |s: seo_domain::LeadStage| {
            let pos = |x| seo_domain::LeadStage::ALL.iter().position(|y| *y == x);
            !s.is_closed() && pos(s) < pos(target)
        };
        while behind(stage) {
            let Some(next) = stage.next() else { break };
            match self
                .db
                .move_lead_stage(lead, next, Some(why.to_string()), actor(by))
                .await
            {
                Ok(l) => {
                    stage = l.stage;
                    events::lead_update(self.kv.as_ref(), &l, "stage_changed").await;
                }
                Err(e) => {
                    tracing::info!(lead_id = %lead, error = %e, "lead not advanced");
                    break;
                }
            }
        }
    }
}

/// The lead workflow's input: the lead's fields as the qualification agent reads them, and
/// its id (so the results are written back on it).
pub fn lead_input(l: &Lead) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Option<&String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    };
    put("company_name", Some(&l.company_name));
    put("contact_name", l.contact_name.as_ref());
    put("contact_role", l.contact_role.as_ref());
    put("email", l.email.as_ref());
    put("website", l.website.as_ref());
    put("industry", l.industry.as_ref());
    put("company_size", l.company_size.as_ref());
    put("budget_range", l.budget_range.as_ref());
    put("timeline", l.timeline.as_ref());
    put("source", l.source.as_ref());
    m.insert("pain_points".into(), serde_json::json!(l.pain_points));
    m.insert("goals".into(), serde_json::json!(l.goals));
    m.insert("lead_id".into(), Value::String(l.id.to_string()));
    Value::Object(m)
}

/// The sales figures of `/api/analytics/business`, from the lead and proposal records.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SalesFigures {
    /// Leads created since the date.
    pub new_leads: usize,
    /// Leads now at each stage (every lead).
    pub leads_by_stage: std::collections::BTreeMap<String, usize>,
    /// Leads won since the date (moves to won).
    pub won: usize,
    /// Leads lost since the date.
    pub lost: usize,
    /// won ÷ (won + lost) since the date.
    pub win_rate: Option<f64>,
    /// Proposals created since the date.
    pub proposals: usize,
    /// Open proposals (draft, in review, approved, sent): their annual value.
    pub pipeline_value: f64,
    /// Open proposals waiting for an approval.
    pub awaiting_approval: usize,
    /// Annual value of proposals accepted since the date.
    pub accepted_value: f64,
}

impl Service {
    /// The pipeline's figures since `since` (bounded by the history read's limit).
    pub async fn sales_figures(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<SalesFigures> {
        self.db.expire_proposals().await?;
        let (leads, changes, proposals) = self.db.pipeline_records().await?;
        let mut f = SalesFigures {
            new_leads: leads.iter().filter(|l| l.created_at >= since).count(),
            ..Default::default()
        };
        for s in seo_domain::LeadStage::ALL {
            f.leads_by_stage.insert(
                s.as_str().to_string(),
                leads.iter().filter(|l| l.stage == s).count(),
            );
        }
        let recent = changes.iter().filter(|c| c.created_at >= since);
        for c in recent {
            match c.to_stage {
                seo_domain::LeadStage::Won => f.won += 1,
                seo_domain::LeadStage::Lost => f.lost += 1,
                _ => {}
            }
        }
        f.win_rate = (f.won + f.lost > 0)
            .then(|| seo_domain::num::f64_of(f.won) / seo_domain::num::f64_of(f.won + f.lost));
        f.proposals = proposals.iter().filter(|p| p.created_at >= since).count();
        for p in &proposals {
            if p.status.is_open() {
                f.pipeline_value += p.annual_value;
            }
            if p.status == ProposalStatus::InReview {
                f.awaiting_approval += 1;
            }
        }
        f.accepted_value = proposals
            .iter()
            .filter(|p| p.status == ProposalStatus::Accepted && p.updated_at >= since)
            .map(|p| p.annual_value)
            .total();
        Ok(f)
    }
}
