//! Proposals: stored results of `proposal_generation`, their versions, approval gates and
//! the status machine.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::Role;

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProposalStatus {
    /// Needs no approval; may be sent.
    Draft,
    /// Waits for one or more approvals.
    InReview,
    /// Every required approval is given; may be sent.
    Approved,
    /// Sent to the prospect.
    Sent,
    /// The prospect accepted it.
    Accepted,
    /// Rejected by an approver or by the prospect.
    Rejected,
    /// Not sent or not answered within the validity period.
    Expired,
}

impl ProposalStatus {
    /// Every status.
    pub const ALL: [ProposalStatus; 7] = [
        ProposalStatus::Draft,
        ProposalStatus::InReview,
        ProposalStatus::Approved,
        ProposalStatus::Sent,
        ProposalStatus::Accepted,
        ProposalStatus::Rejected,
        ProposalStatus::Expired,
    ];

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Draft => "draft",
            ProposalStatus::InReview => "in_review",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Sent => "sent",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Expired => "expired",
        }
    }

    /// Parses a serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still open (may change, may expire).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ProposalStatus::Draft
                | ProposalStatus::InReview
                | ProposalStatus::Approved
                | ProposalStatus::Sent
        )
    }

    /// The statuses that may expire, as stored names.
    pub const OPEN: [&'static str; 4] = ["draft", "in_review", "approved", "sent"];
}

/// An approval gate: proposals whose annual value is above `above` need an approval by a
/// user of at least `role` holding `proposals:approve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalGate {
    /// Stable id, e.g. `sales_operations`.
    pub id: String,
    /// Annual value (first-year price) above which the gate applies.
    pub above: f64,
    /// Least role that may decide it.
    pub role: Role,
}

/// The default gates: above 1,000,000 sales operations (managers), above 5,000,000 also the
/// business development director (admins).
pub fn default_gates() -> Vec<ApprovalGate> {
    vec![
        ApprovalGate {
            id: "sales_operations".into(),
            above: 1_000_000.0,
            role: Role::Manager,
        },
        ApprovalGate {
            id: "business_development_director".into(),
            above: 5_000_000.0,
            role: Role::Admin,
        },
    ]
}

/// The gates a value needs, lowest threshold first.
///
/// ```
/// use seo_domain::proposal::{default_gates, required_gates};
/// let g = default_gates();
/// assert!(required_gates(&g, 999_999.0).is_empty());
/// assert!(required_gates(&g, 1_000_000.0).is_empty());
/// assert_eq!(required_gates(&g, 1_000_001.0), vec!["sales_operations".to_string()]);
/// assert_eq!(required_gates(&g, 5_000_001.0).len(), 2);
/// ```
pub fn required_gates(gates: &[ApprovalGate], annual_value: f64) -> Vec<String> {
    let mut g: Vec<&ApprovalGate> = gates.iter().filter(|g| annual_value > g.above).collect();
    g.sort_by(|a, b| a.above.total_cmp(&b.above));
    g.into_iter().map(|g| g.id.clone()).collect()
}

/// A stored proposal (its current version's content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub company_name: String,
    pub status: ProposalStatus,
    /// Current version, from 1.
    pub version: i32,
    /// First-year value of the recommended package (one-time + 12 × monthly).
    pub annual_value: f64,
    /// Gates this version needs, lowest threshold first.
    pub required_approvals: Vec<String>,
    /// Gates of this version already approved.
    pub approvals: Vec<String>,
    /// The `proposal_generation` output of this version.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub content: Value,
    /// The task that produced this version.
    pub task_id: Option<Uuid>,
    pub workflow_run_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Open proposals expire at this time.
    pub expires_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl Proposal {
    /// The next gate waiting for a decision.
    pub fn next_gate(&self) -> Option<&str> {
        self.required_approvals
            .iter()
            .find(|g| !self.approvals.contains(g))
            .map(String::as_str)
    }
}

/// One earlier or current version of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalVersion {
    pub version: i32,
    pub annual_value: f64,
    pub task_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub content: Value,
    pub created_at: DateTime<Utc>,
}

/// What a person (or the pipeline) decided about a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DecisionAction {
    Approve,
    Reject,
    Send,
    Accept,
    Decline,
    Expire,
}

impl DecisionAction {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Approve => "approve",
            DecisionAction::Reject => "reject",
            DecisionAction::Send => "send",
            DecisionAction::Accept => "accept",
            DecisionAction::Decline => "decline",
            DecisionAction::Expire => "expire",
        }
    }

    /// Parses a serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            DecisionAction::Approve,
            DecisionAction::Reject,
            DecisionAction::Send,
            DecisionAction::Accept,
            DecisionAction::Decline,
            DecisionAction::Expire,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalDecision {
    pub id: Uuid,
    pub proposal_id: Uuid,
    /// The version decided on.
    pub version: i32,
    pub action: DecisionAction,
    /// The gate, for approvals and review rejections.
    pub gate: Option<String>,
    pub comment: Option<String>,
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A proposal with its versions and decisions, as `GET /api/proposals/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalDetail {
    #[serde(flatten)]
    pub proposal: Proposal,
    /// Every version, oldest first.
    pub versions: Vec<ProposalVersion>,
    /// Every decision, oldest first.
    pub decisions: Vec<ProposalDecision>,
}

/// A new proposal version from a finished `proposal_generation` task.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    pub lead_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub company_name: String,
    pub annual_value: f64,
    pub required_approvals: Vec<String>,
    pub content: Value,
    pub task_id: Uuid,
    pub workflow_run_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// How long an open proposal stays valid.
    pub valid_days: i64,
}

/// Filters of the proposal list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposalFilter {
    pub status: Option<ProposalStatus>,
    pub lead_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
}

/// Body of approve, reject, send, accept and decline.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionInput {
    /// Why (at most 2,000 characters).
    #[serde(default)]
    pub comment: Option<String>,
    /// For approve and reject: the gate decided; when given it must be the next waiting one.
    #[serde(default)]
    pub gate: Option<String>,
}

/// Body of send, accept and decline: an optional comment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentInput {
    /// Why (at most 2,000 characters).
    #[serde(default)]
    pub comment: Option<String>,
}

impl From<CommentInput> for DecisionInput {
    fn from(c: CommentInput) -> Self {
        DecisionInput {
            comment: c.comment,
            gate: None,
        }
    }
}

/// Longest decision comment.
pub const COMMENT_MAX_CHARS: usize = 2000;
