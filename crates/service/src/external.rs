//! External data for agents: switching an agent to its MCP data providers (kept in the
//! shared settings, so every instance and every restart agrees), and the providers' health.

use std::sync::Arc;

use seo_agents::{ExternalData, ProviderStatus};

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

const KEY_PREFIX: &str = "agent_mcp_enabled:";

/// An agent's use of external data, as shown by `GET /api/agents/{id}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgentExternal {
    /// Whether the agent asks its providers.
    pub mcp_enabled: bool,
    /// What it can consume.
    pub capabilities: Vec<seo_agents::Capability>,
    /// Providers offering any of those capabilities.
    pub providers: Vec<String>,
}

impl Service {
    /// Switches `agent_id` to (or off) its MCP data providers; 404 for an unknown agent. An
    /// agent that consumes no external data may be switched too (it never asks).
    pub async fn set_agent_mcp(
        &self,
        agent_id: &str,
        enabled: bool,
    ) -> ServiceResult<AgentExternal> {
        if self.agents.info(agent_id).is_none() {
            return Err(ServiceError::NotFound("agent"));
        }
        self.db
            .set_setting(
                &format!("{KEY_PREFIX}{agent_id}"),
                if enabled { "true" } else { "false" },
            )
            .await?;
        tracing::info!(agent_id, enabled, "agent MCP data providers switched");
        self.agent_external(agent_id).await
    }

    /// Whether `agent_id` is switched to its MCP providers (false when unknown or unreadable).
    pub async fn agent_mcp_enabled(&self, agent_id: &str) -> bool {
        matches!(
            self.db.get_setting(&format!("{KEY_PREFIX}{agent_id}")).await,
            Ok(Some(v)) if v == "true"
        )
    }

    /// The external data `agent_id` can consume, whether it is switched on, and who offers it.
    pub async fn agent_external(&self, agent_id: &str) -> ServiceResult<AgentExternal> {
        let info = self
            .agents
            .info(agent_id)
            .ok_or(ServiceError::NotFound("agent"))?;
        let mut providers: Vec<String> = Vec::new();
        if let Some(ext) = &self.external {
            for c in &info.external_data {
                for p in ext.offering(c.name) {
                    if !providers.contains(&p) {
                        providers.push(p);
                    }
                }
            }
        }
        Ok(AgentExternal {
            mcp_enabled: self.agent_mcp_enabled(agent_id).await,
            capabilities: info.external_data,
            providers,
        })
    }

    /// The external data source for a task of `agent_id`: present when the agent is switched
    /// on and providers are configured.
    pub async fn external_for(&self, agent_id: &str) -> Option<Arc<dyn ExternalData>> {
        let ext = self.external.clone()?;
        self.agent_mcp_enabled(agent_id).await.then_some(ext)
    }

    /// Every configured provider with its health and statistics.
    pub fn mcp_providers(&self) -> Vec<ProviderStatus> {
        self.external
            .as_ref()
            .map(|e| e.providers())
            .unwrap_or_default()
    }
}
