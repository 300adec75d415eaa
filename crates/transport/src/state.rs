//! Shared state handed to every handler.

use std::sync::Arc;
use std::time::Instant;

use seo_service::Service;

use crate::config::HttpConfig;

/// Everything a handler may use: the use-cases ([`Service`], also reachable through
/// `Deref`, so `state.db` is the service's database) plus what only HTTP needs. Cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The use-cases and the parts they run on.
    pub service: Service,
    /// True when the kv store is an external Redis this instance depends on.
    pub kv_required: bool,
    /// HTTP-layer settings.
    pub http: Arc<HttpConfig>,
    /// The WebSocket connections of this instance.
    pub ws: Arc<crate::ws::Hub>,
    /// Unique name of this process among instances (also the task-lease owner).
    pub instance_id: String,
    /// When the process started serving.
    pub started_at: Instant,
    /// The last deep health result: when it was probed, the body, and whether every
    /// required component was up.
    pub health_cache: Arc<tokio::sync::Mutex<Option<(Instant, serde_json::Value, bool)>>>,
    /// The MCP streamable HTTP service mounted at `/mcp`.
    pub mcp: Arc<seo_mcp::http::McpHttpService>,
}

impl std::ops::Deref for AppState {
    type Target = Service;

    fn deref(&self) -> &Service {
        &self.service
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(service: Service, kv_required: bool, http: HttpConfig, instance_id: String) -> Self {
        let ws = Arc::new(crate::ws::Hub::new(http.ws.clone()));
        let mcp = Arc::new(seo_mcp::http::service(
            service.clone(),
            Arc::new(http.mcp.clone()),
            http.mcp_allowed_hosts.clone(),
            http.body_limit,
        ));
        Self {
            mcp,
            service,
            kv_required,
            ws,
            http: Arc::new(http),
            instance_id,
            started_at: Instant::now(),
            health_cache: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }
}
