//! The agent contract: what every agent is, takes and returns.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::watch;

/// Where an agent sits in the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Strategy and deal approval.
    Executive,
    /// Coordination and operations.
    Management,
    /// Hands-on analysis.
    Operational,
}

/// One kind of task an agent accepts, with the JSON Schema of its input.
#[derive(Debug, Clone, Serialize)]
pub struct TaskTypeSpec {
    /// Stable name, e.g. `qualify_lead`.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// JSON Schema of the `input` object.
    pub input_schema: Value,
}

/// One number that fed the result, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Name, e.g. `bant`.
    pub name: String,
    /// Its value (usually 0–100).
    pub value: f64,
    /// Weight in the total, when it is part of a weighted sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Points it contributed to the total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contribution: Option<f64>,
    /// Why it has this value.
    pub reason: String,
}

/// Something the agent noticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable check id.
    pub id: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// What was found.
    pub message: String,
}

/// The output every agent returns (SPEC §10), plus agent-specific fields in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentOutput {
    /// One-paragraph human summary.
    pub summary: String,
    /// Headline score, when the agent computes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The numbers behind the score.
    pub factors: Vec<Factor>,
    /// What was noticed.
    pub findings: Vec<Finding>,
    /// What to do next.
    pub recommendations: Vec<String>,
    /// Which inputs were used.
    pub data_sources: Vec<String>,
    /// Inputs that were missing, so their part was left out (weights renormalised).
    pub not_measured: Vec<String>,
    /// Agent-specific fields, flattened into the JSON object.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgentOutput {
    /// Writes every `-0` in the output as `0`.
    ///
    /// IEEE arithmetic yields a negative zero from an empty `f64` sum (Rust's `Sum` starts at
    /// `-0.0`) and from rounding a small negative change; a report or an API client should
    /// never see `-0`. The manager applies this to every result, so each agent need not.
    pub fn normalise_zeros(&mut self) {
        fn fix(v: &mut f64) {
            if *v == 0.0 {
                *v = 0.0;
            }
        }
        fn walk(v: &mut Value) {
            match v {
                Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => {
                    *v = Value::from(0.0);
                }
                Value::Array(items) => items.iter_mut().for_each(walk),
                Value::Object(map) => map.values_mut().for_each(walk),
                _ => {}
            }
        }
        if let Some(score) = self.score.as_mut() {
            fix(score);
        }
        for f in &mut self.factors {
            fix(&mut f.value);
            if let Some(w) = f.weight.as_mut() {
                fix(w);
            }
            if let Some(c) = f.contribution.as_mut() {
                fix(c);
            }
        }
        self.extra.values_mut().for_each(walk);
    }
}

/// Why an agent could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No agent with this id is registered.
    #[error("unknown agent '{0}'")]
    UnknownAgent(String),
    /// The agent does not accept this task type.
    #[error("agent '{agent}' has no task type '{task_type}' (it accepts: {accepted})")]
    UnknownTaskType {
        /// Agent id.
        agent: String,
        /// Requested task type.
        task_type: String,
        /// Accepted task types.
        accepted: String,
    },
    /// The input does not fit the task type's schema; `field` is the path.
    #[error("invalid input at {field}: {message}")]
    InvalidInput {
        /// Field path, e.g. `pain_points[2]`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The task was cancelled while running.
    #[error("cancelled")]
    Cancelled,
    /// A dependency failed in a way that may pass on retry (network, timeout).
    #[error("transient failure: {0}")]
    Transient(String),
    /// The agent panicked; the message is the panic's text (never a backtrace).
    #[error("the agent crashed: {0}")]
    Panicked(String),
    /// Any other failure.
    #[error("{0}")]
    Failed(String),
}

impl AgentError {
    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, AgentError::Transient(_))
    }

    /// A stable snake_case code for this kind of failure (a failed task's `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AgentError::UnknownAgent(_) => "unknown_agent",
            AgentError::UnknownTaskType { .. } => "unknown_task_type",
            AgentError::InvalidInput { .. } => "invalid_input",
            AgentError::Cancelled => "cancelled",
            AgentError::Transient(_) => "transient_failure",
            AgentError::Panicked(_) => "agent_panic",
            AgentError::Failed(_) => "agent_failed",
        }
    }
}

/// Which stored records a task belongs to: what [`TaskContext::data`] lookups are about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskScope {
    /// The task's id, when it is a stored task.
    pub task_id: Option<uuid::Uuid>,
    /// The task's client.
    pub client_id: Option<uuid::Uuid>,
    /// The task's campaign.
    pub campaign_id: Option<uuid::Uuid>,
}

/// What a running task may use: progress reporting, cancellation, and read access to the
/// agency's stored data ([`crate::data::AgencyData`]) for the records it belongs to.
#[derive(Clone)]
pub struct TaskContext {
    progress: Arc<dyn Fn(u8) + Send + Sync>,
    cancel: watch::Receiver<bool>,
    data: Arc<dyn crate::data::AgencyData>,
    scope: TaskScope,
    external: Option<Arc<dyn crate::external::ExternalData>>,
}

impl std::fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl TaskContext {
    /// A context reporting progress to `progress` and cancelled when `cancel` turns `true`.
    pub fn new(progress: Arc<dyn Fn(u8) + Send + Sync>, cancel: watch::Receiver<bool>) -> Self {
        Self {
            progress,
            cancel,
            data: Arc::new(crate::data::NoData),
            scope: TaskScope::default(),
            external: None,
        }
    }

    /// The same context reading stored data from `data` for the records in `scope`.
    pub fn with_data(mut self, data: Arc<dyn crate::data::AgencyData>, scope: TaskScope) -> Self {
        self.data = data;
        self.scope = scope;
        self
    }

    /// The same context with external data (an agent switched to its MCP providers).
    pub fn with_external(mut self, external: Arc<dyn crate::external::ExternalData>) -> Self {
        self.external = Some(external);
        self
    }

    /// External data, when this agent's use of it is switched on.
    pub fn external(&self) -> Option<&dyn crate::external::ExternalData> {
        self.external.as_deref()
    }

    /// The agency's stored data.
    pub fn data(&self) -> &dyn crate::data::AgencyData {
        self.data.as_ref()
    }

    /// The records this task belongs to.
    pub fn scope(&self) -> TaskScope {
        self.scope
    }

    /// A context that ignores progress and is never cancelled (direct runs, tests, the CLI).
    pub fn detached() -> Self {
        let (tx, rx) = watch::channel(false);
        // Keep the sender alive for the receiver's lifetime: a closed channel is not a cancel.
        std::mem::forget(tx);
        Self {
            progress: Arc::new(|_| {}),
            cancel: rx,
            data: Arc::new(crate::data::NoData),
            scope: TaskScope::default(),
            external: None,
        }
    }

    /// Reports progress (0–100).
    pub fn report(&self, percent: u8) {
        (self.progress)(percent.min(100));
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// `Err(Cancelled)` once cancelled: call between steps.
    pub fn checkpoint(&self) -> Result<(), AgentError> {
        if self.is_cancelled() {
            Err(AgentError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Result of an agent's health probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentHealth {
    /// `healthy` or `unhealthy`.
    pub status: &'static str,
    /// What was probed and what was found.
    pub detail: String,
}

/// A built-in input with a known answer, run by the comprehensive self-test.
#[derive(Debug, Clone)]
pub struct ReferenceCase {
    /// Task type to run.
    pub task_type: &'static str,
    /// Input.
    pub input: Value,
    /// Checks the output; `Err` says what differs.
    pub check: fn(&AgentOutput) -> Result<(), String>,
}

/// An analysis agent.
#[async_trait]
pub trait Agent: Send + Sync + 'static {
    /// Stable id, e.g. `lead_qualification`.
    fn id(&self) -> &'static str;
    /// Display name.
    fn name(&self) -> &'static str;
    /// Tier.
    fn tier(&self) -> Tier;
    /// What it does.
    fn description(&self) -> &'static str;
    /// The task types it accepts.
    fn task_types(&self) -> Vec<TaskTypeSpec>;
    /// Checks an input without running (called when a task is created).
    fn validate(&self, task_type: &str, input: &Value) -> Result<(), AgentError>;
    /// Runs one task.
    async fn run(
        &self,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError>;
    /// Probes what the agent depends on.
    async fn health(&self) -> AgentHealth;
    /// A reference input with a known answer.
    fn reference_case(&self) -> Option<ReferenceCase> {
        None
    }
    /// The data this agent really reads (the task input is always read).
    fn reads(&self) -> Vec<crate::data::DataKind> {
        vec![crate::data::DataKind::TaskInput]
    }
    /// The external data this agent can consume when switched to MCP providers (none by
    /// default).
    fn consumes(&self) -> Vec<crate::external::Capability> {
        Vec::new()
    }
}

/// Deserialises `input` into `T`, reporting the failing field path.
pub fn parse_input<T: serde::de::DeserializeOwned>(input: &Value) -> Result<T, AgentError> {
    serde_path_to_error::deserialize(input).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
            .map(str::to_string);
        let field = match (missing, path.as_str()) {
            (Some(m), "." | "") => m,
            (Some(m), p) => format!("{p}.{m}"),
            (None, "." | "") => "input".into(),
            (None, p) => p.to_string(),
        };
        AgentError::InvalidInput {
            field,
            message: message
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    })
}

/// The JSON Schema of `T`.
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_negative_zero_survives_in_an_output() {
        let mut out = AgentOutput {
            score: Some(-0.0),
            factors: vec![Factor {
                name: "x".into(),
                value: -0.0,
                weight: Some(-0.0),
                contribution: Some(-0.0),
                reason: "r".into(),
            }],
            extra: json!({"a": -0.0, "list": [1.5, -0.0, {"deep": -0.0}], "n": 0, "neg": -2.5})
                .as_object()
                .cloned()
                .unwrap(),
            ..AgentOutput::default()
        };
        assert!(serde_json::to_string(&out).unwrap().contains("-0.0"));
        out.normalise_zeros();
        let text = serde_json::to_string(&out).unwrap();
        assert!(!text.contains("-0"), "{text}");
        // Other numbers are untouched; an integer zero stays an integer.
        assert!(
            text.contains("\"neg\":-2.5") && text.contains("\"n\":0,"),
            "{text}"
        );
    }
}
