//! `mcp --user NAME`: the MCP server on stdin/stdout, acting as one user, against the
//! configured database and kv store, with this process's task workers.

use std::sync::Arc;
use std::time::Duration;

use seo_engine::Engine;
use seo_service::{Service, ServiceError};

use crate::config::Config;
use crate::serve::engine_config;
use crate::startup::{
    StartError, auth_service, instance_id, mcp_settings, open_database, open_kv, service_settings,
    with_mcp_providers,
};

/// The use-cases over the configured storage, without an HTTP server (CLI commands).
pub async fn service(config: &Config) -> Result<Service, StartError> {
    let db = open_database(config).await?;
    let (kv, _) = open_kv(config).await?;
    let auth = auth_service(config, &db, kv.clone()).await?;
    let agents = Arc::new(config.agent_manager());
    let metrics = seo_metrics::Metrics::install().map_err(|e| StartError::Other(e.to_string()))?;
    with_mcp_providers(
        config,
        Service::new(db, kv, auth, agents, metrics, service_settings(config)),
    )
}

/// Serves until the client closes stdin; running tasks are handed back to the queue.
pub async fn serve_stdio(config: &Config, username: &str) -> Result<(), StartError> {
    let service = service(config).await?;
    let user = match service.user_by_name(username).await {
        Ok(u) => u,
        Err(ServiceError::NotFound(_)) => {
            return Err(StartError::Config(format!(
                "--user: no user named '{username}'"
            )));
        }
        Err(e) => return Err(StartError::Other(e.to_string())),
    };
    if !user.is_active {
        return Err(StartError::Config(format!(
            "--user: '{username}' is disabled"
        )));
    }
    let engine = Engine::start(service.clone(), &instance_id(), engine_config(config));
    tracing::info!(user = %user.username, role = ?user.role, "serving MCP on stdio");
    let result = seo_mcp::serve_stdio(service.clone(), Arc::new(mcp_settings(config)), user.id)
        .await
        .map_err(|e| StartError::Other(e.to_string()));
    engine.shutdown().await;
    service.agents.shutdown(Duration::from_secs(5)).await;
    result
}
