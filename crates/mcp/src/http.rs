//! The streamable HTTP service (stateless: every POST carries one JSON-RPC message and gets
//! its JSON answer, so any instance behind a load balancer can answer any request).
//!
//! The transport mounts it at `/mcp` behind its access guard and puts the authenticated
//! [`Caller`](crate::Caller) into the request's extensions before calling
//! [`StreamableHttpService::handle`].

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;

use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use seo_service::Service;

use crate::{McpSettings, SeoMcp};

/// The MCP HTTP service.
#[derive(Clone)]
pub struct McpHttpService(StreamableHttpService<SeoMcp, NeverSessionManager>);

impl std::fmt::Debug for McpHttpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpHttpService")
            .field("allowed_hosts", &self.0.config.allowed_hosts)
            .finish_non_exhaustive()
    }
}

impl McpHttpService {
    /// Answers one HTTP request (its extensions must hold the authenticated
    /// [`Caller`](crate::Caller)).
    pub async fn handle<B>(
        &self,
        request: http::Request<B>,
    ) -> http::Response<BoxBody<Bytes, Infallible>>
    where
        B: http_body::Body + Send + 'static,
        B::Error: std::fmt::Display,
    {
        self.0.handle(request).await
    }
}

/// Builds the service. `allowed_hosts` are the `Host` values accepted (DNS-rebinding guard);
/// empty accepts any host (use only behind a proxy that checks it).
pub fn service(
    service: Service,
    settings: Arc<McpSettings>,
    allowed_hosts: Vec<String>,
    max_body_bytes: usize,
) -> McpHttpService {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(max_body_bytes);
    config = if allowed_hosts.is_empty() {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(allowed_hosts)
    };
    McpHttpService(StreamableHttpService::new(
        move || Ok(SeoMcp::per_request(service.clone(), settings.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    ))
}
