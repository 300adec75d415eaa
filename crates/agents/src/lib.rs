#![doc = include_str!("../README.md")]

pub mod contract;
pub mod lead;
pub mod manager;
pub mod parse;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
};
pub use lead::{LeadConfig, LeadQualification};
pub use manager::{AgentInfo, AgentManager, AgentStats};

/// Typed configuration of every agent: each threshold, weight and table, with defaults
/// matching the spec. Deserialisable, so an operator can override any part.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentsConfig {
    /// `lead_qualification`.
    pub lead_qualification: LeadConfig,
}

/// The agents that really work today. Others join as they are built; an agent that does not
/// work is never registered.
pub fn builtin_agents(config: &AgentsConfig) -> Vec<Arc<dyn Agent>> {
    vec![Arc::new(LeadQualification::new(
        config.lead_qualification.clone(),
    ))]
}
