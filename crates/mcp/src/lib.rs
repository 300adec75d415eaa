//! SEO Architects over the Model Context Protocol (the official `rmcp` SDK).
//!
//! - [`SeoMcp`]: the server. One tool per agent task type, named
//!   `<agent_id>__<task_type>` with the agent's input schema; a call creates a real task
//!   through [`seo_service::Service::enqueue`] and waits for it. Record tools
//!   (`list_clients`, `get_task`, …) and read-only resources `seo://clients|campaigns|tasks/{id}`.
//! - [`http`]: the streamable HTTP service the transport mounts at `/mcp` (behind its JWT
//!   guard, which puts a [`Caller`] in the request).
//! - [`serve_stdio`]: the same server on stdin/stdout, acting as one user.

pub mod http;
pub mod providers;
pub mod records;
pub mod server;

pub use providers::{McpConfig, ProviderConfig, ProviderRegistry};
pub use server::{Caller, McpSettings, SeoMcp, agent_tool_name};

use std::sync::Arc;

use rmcp::ServiceExt;
use seo_service::Service;
use uuid::Uuid;

/// Why the stdio server stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    /// The handshake or the transport failed.
    #[error("MCP over stdio: {0}")]
    Transport(String),
}

/// Serves MCP on stdin/stdout as the user `user_id` until the client closes stdin.
pub async fn serve_stdio(
    service: Service,
    settings: Arc<McpSettings>,
    user_id: Uuid,
) -> Result<(), StdioError> {
    let server = SeoMcp::as_user(service, settings, user_id)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| StdioError::Transport(e.to_string()))?;
    server
        .waiting()
        .await
        .map_err(|e| StdioError::Transport(e.to_string()))?;
    Ok(())
}
