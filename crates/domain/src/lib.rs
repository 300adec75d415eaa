//! Domain model of SEO Architects: plain types, validation rules and state machines.
//!
//! This crate does no I/O and knows neither the database nor HTTP, so every other layer
//! (persistence, agents, transport) and embedding programs share one definition of a
//! client, a campaign or a task and of what makes one valid.

pub mod audit;
pub mod campaign;
pub mod client;
pub mod dataset;
pub mod disavow;
pub mod lead;
pub mod num;
pub mod page;
pub mod proposal;
pub mod task;
pub mod user;
pub mod validation;
pub mod workflow;

pub use audit::{
    Audit, AuditDetail, AuditDiff, AuditSnapshot, AuditSummary, NewAudit, SeverityCounts,
    SnapshotIssue, SnapshotPage,
};
pub use campaign::{
    Campaign, CampaignAction, CampaignDraft, CampaignFilter, CampaignInput, CampaignPatch,
    CampaignStats, CampaignStatus, CampaignType, IllegalCampaignTransition,
};
pub use client::{
    Client, ClientDraft, ClientFilter, ClientInput, ClientPatch, ClientStats, NamedCount,
};
pub use dataset::{Dataset, DatasetRow, NewDataset, NewDatasetRow};
pub use disavow::ExclusionInput;
pub use lead::{
    IllegalStageMove, Lead, LeadDraft, LeadFilter, LeadInput, LeadPatch, LeadStage, Qualification,
    StageChange, StageMove,
};
pub use page::{Page, PageRequest};
pub use proposal::{
    ApprovalGate, CommentInput, DecisionAction, DecisionInput, NewProposal, Proposal,
    ProposalDecision, ProposalDetail, ProposalFilter, ProposalStatus, ProposalVersion,
};
pub use task::{
    NewTask, Task, TaskError, TaskFilter, TaskInput, TaskPriority, TaskStats, TaskStatus, TypeCount,
};
pub use user::{NewUser, Role, User, UserChanges, UserInput, UserPatch};
pub use validation::{FieldError, ValidationErrors};
pub use workflow::{NewWorkflowRun, RunFilter, RunStatus, StepState, StepStatus, WorkflowRun};

/// Deserialises a field that distinguishes "absent" (`None`, via `#[serde(default)]`)
/// from "explicitly null" (`Some(None)`), for partial updates.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}
