#![doc = include_str!("../README.md")]

pub mod auditor;
pub mod contract;
pub mod lead;
pub mod llm;
pub mod manager;
pub mod parse;
pub mod proposal;
pub mod workflow;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use auditor::{AuditConfig, TechnicalSeoAuditor};
pub use contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
};
pub use lead::{LeadConfig, LeadQualification};
pub use llm::{LlmClient, LlmConfig};
pub use manager::{AgentInfo, AgentManager, AgentStats};
pub use proposal::{ProposalConfig, ProposalGeneration};
pub use workflow::{FollowUp, WorkflowConfig, follow_up};

/// Typed configuration of every agent: each threshold, weight and table, with defaults
/// matching the spec. Deserialisable, so an operator can override any part.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentsConfig {
    /// `lead_qualification`.
    pub lead_qualification: LeadConfig,
    /// `proposal_generation`.
    pub proposal_generation: ProposalConfig,
    /// `technical_seo_auditor` (thresholds, weights and crawl limits).
    pub technical_seo_auditor: AuditConfig,
    /// Workflow hand-off rules.
    pub workflows: WorkflowConfig,
}

/// The agents that really work today. Others join as they are built; an agent that does not
/// work is never registered.
pub fn builtin_agents(config: &AgentsConfig) -> Vec<Arc<dyn Agent>> {
    vec![
        Arc::new(LeadQualification::new(config.lead_qualification.clone())),
        Arc::new(ProposalGeneration::new(config.proposal_generation.clone())),
        Arc::new(TechnicalSeoAuditor::new(
            config.technical_seo_auditor.clone(),
        )),
    ]
}
