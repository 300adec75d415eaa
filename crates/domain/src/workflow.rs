//! Workflow runs: one execution of a workflow graph, its status and the state of each step.
//! The graph itself (steps, conditions, joins) is defined by the agent manager; a run only
//! records what happened, so it can be resumed by any instance.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunStatus {
    /// Steps are waiting or running.
    Running,
    /// Every step completed or was skipped by its condition.
    Completed,
    /// A step failed (or timed out) for good; the steps after it were not run.
    Failed,
    /// A step's task was cancelled.
    Cancelled,
    /// Every step is done; a proposal the run produced waits for a person's approval.
    WaitingApproval,
}

impl RunStatus {
    /// Every status.
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Cancelled,
        RunStatus::WaitingApproval,
    ];

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::WaitingApproval => "waiting_approval",
        }
    }

    /// Parses a serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the run is over.
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Running | RunStatus::WaitingApproval)
    }
}

/// Where one step of a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StepStatus {
    /// Its predecessors have not all finished.
    Waiting,
    /// Its task exists (pending or running; the task has the live status).
    Queued,
    /// Its task completed.
    Completed,
    /// Its task failed, timed out or was cancelled.
    Failed,
    /// Its condition was false (or a predecessor was skipped), so it did not run.
    Skipped,
}

/// The recorded state of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepState {
    /// Where it stands.
    pub status: StepStatus,
    /// Its task, once queued.
    #[serde(default)]
    pub task_id: Option<Uuid>,
    /// Why it was queued or skipped (the condition that decided it).
    #[serde(default)]
    pub reason: Option<String>,
}

impl StepState {
    /// A step whose predecessors are not done.
    pub fn waiting() -> Self {
        Self {
            status: StepStatus::Waiting,
            task_id: None,
            reason: None,
        }
    }
}

/// One run of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkflowRun {
    pub id: Uuid,
    pub workflow_id: String,
    pub status: RunStatus,
    pub input: Value,
    /// Step id → state.
    pub steps: BTreeMap<String, StepState>,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A run to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkflowRun {
    pub workflow_id: String,
    pub input: Value,
    pub steps: BTreeMap<String, StepState>,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

/// Filters of the run list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub workflow_id: Option<String>,
    pub status: Option<RunStatus>,
}
