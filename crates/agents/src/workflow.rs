//! Workflows: multi-agent chains with typed hand-offs. After a task completes, [`follow_up`]
//! says which task (if any) comes next; the engine queues it as a child task (`parent_id`).
//!
//! The lead workflow: qualification, then a proposal when the lead is hot or warm.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::contract::AgentOutput;

/// Hand-off rules; the classes that earn a proposal are configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowConfig {
    /// Lead classes that get a proposal.
    pub proposal_for_classes: Vec<String>,
}

impl Default for WorkflowConfig {
    fn default() -> Self {
        Self {
            proposal_for_classes: vec!["hot".into(), "warm".into()],
        }
    }
}

/// The next task of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// Agent to run.
    pub agent_id: &'static str,
    /// Its task type.
    pub task_type: &'static str,
    /// Its input, built from the parent's input and output.
    pub input: Value,
    /// Why this step follows.
    pub reason: String,
}

/// The step after a completed task, if any.
pub fn follow_up(
    agent_id: &str,
    input: &Value,
    output: &AgentOutput,
    cfg: &WorkflowConfig,
) -> Option<FollowUp> {
    match agent_id {
        "lead_qualification" => {
            let class = output.extra.get("classification")?.as_str()?;
            if !cfg.proposal_for_classes.iter().any(|c| c == class) {
                return None;
            }
            let mut next = json!({
                "company_name": input.get("company_name")?,
                "lead_score": output.score,
                "lead_class": class,
            });
            for key in ["industry", "company_size"] {
                if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
                    next[key] = v.clone();
                }
            }
            Some(FollowUp {
                agent_id: "proposal_generation",
                task_type: crate::proposal::PROPOSE,
                input: next,
                reason: format!("the lead is {class}"),
            })
        }
        _ => None,
    }
}
