//! The external-data port: data an agent may take from outside the agency's records (MCP
//! data providers, or whatever an embedding program plugs in).
//!
//! An agent declares the capabilities it can consume ([`Capability`], see
//! `Agent::consumes`) and asks for one through `TaskContext::external`. Nothing here may fail
//! a task: an agent that cannot get a capability completes and names it under
//! `not_measured`.

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

/// A kind of external data an agent can consume, e.g. `company_profile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capability {
    /// Stable name, matched against the providers' `capabilities` tables.
    pub name: &'static str,
    /// What the agent sends and expects back.
    pub description: &'static str,
}

/// What a provider answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalResult {
    /// The provider that answered.
    pub provider: String,
    /// The tool that was called.
    pub tool: String,
    /// Its structured answer.
    pub value: Value,
    /// Whether it came from the cache.
    pub cached: bool,
}

/// Health and statistics of one provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderStatus {
    /// Configured name.
    pub name: String,
    /// `http` or `stdio`.
    pub transport: &'static str,
    /// The URL, or the command (never headers or environment).
    pub target: String,
    /// Capability → tool name.
    pub capabilities: std::collections::BTreeMap<String, String>,
    /// `up`, `down`, or `unknown` before the first call.
    pub status: &'static str,
    /// Latency of the last answered call, ms.
    pub latency_ms: Option<f64>,
    /// The last error, if the last call failed.
    pub last_error: Option<String>,
    /// When the last call finished (RFC 3339).
    pub last_checked: Option<String>,
    /// Calls asked of this provider (cache hits included).
    pub calls: u64,
    /// Calls answered from the cache.
    pub cache_hits: u64,
    /// Calls that failed after every retry.
    pub failures: u64,
    /// Retries made.
    pub retries: u64,
    /// Attempts that ran out of time.
    pub timeouts: u64,
}

/// A source of external data.
#[async_trait]
pub trait ExternalData: Send + Sync + std::fmt::Debug {
    /// Asks the providers offering `capability` (in configured order) with `args`. `Err`
    /// says, for a person, why nothing could be had.
    async fn call(&self, capability: &str, args: Value) -> Result<ExternalResult, String>;

    /// Names of the providers offering `capability`.
    fn offering(&self, capability: &str) -> Vec<String>;

    /// Every provider with its health and statistics.
    fn providers(&self) -> Vec<ProviderStatus>;
}
