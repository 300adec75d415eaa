//! Serving: the HTTP server, the task engine and the background gauges, until a signal;
//! then a graceful stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use seo_engine::{Engine, EngineConfig};
use seo_service::Service;
use seo_transport::AppState;

use crate::config::Config;
use crate::startup::{
    StartError, auth_service, bootstrap_admin, check_production, http_config, instance_id,
    open_database, open_kv, service_settings, with_mcp_providers,
};

/// Refreshes the queue-depth and pool gauges in the background.
fn spawn_gauges(state: AppState, every: Duration) {
    tokio::spawn(async move {
        loop {
            let ids: Vec<String> = state.agents.ids().into_iter().map(String::from).collect();
            if let Ok(q) = state.db.queue_health(&ids).await {
                let pool = state.db.pool_state();
                state.metrics.set_queue_and_pool(
                    q.pending,
                    q.running,
                    pool.in_use,
                    pool.idle,
                    pool.max_size,
                );
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// A server that is listening.
#[derive(Debug)]
pub struct Running {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// Stops the server.
    pub handle: ServerHandle,
    /// Resolves when the server has stopped.
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The state the handlers share.
    pub state: AppState,
    /// The task engine (taken by [`serve`] to shut it down after the server).
    pub engine: Option<Engine>,
}

/// The engine timing from the configuration.
pub fn engine_config(config: &Config) -> EngineConfig {
    let lease = Duration::from_secs(config.task_lease_seconds.clamp(2, 3600));
    EngineConfig {
        workers: config.workers,
        lease,
        reap_every: lease.min(Duration::from_secs(5)),
        ..EngineConfig::default()
    }
}

/// Opens storage, binds the listener and starts serving in the background.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    check_production(config)?;
    let http = http_config(config)?;
    let db = open_database(config).await?;
    let (kv, kv_required) = open_kv(config).await?;
    let auth = auth_service(config, &db, kv.clone()).await?;
    bootstrap_admin(config, &auth, &db).await?;
    let agents = Arc::new(config.agent_manager());
    let metrics = seo_metrics::Metrics::install().map_err(|e| StartError::Other(e.to_string()))?;
    let every = Duration::from_secs(config.metrics_sample_seconds.clamp(1, 300));
    metrics.start_sampler(every);
    let service = with_mcp_providers(
        config,
        Service::new(db, kv, auth, agents, metrics, service_settings(config)),
    )?;
    let state = AppState::new(service, kv_required, http, instance_id());
    spawn_gauges(state.clone(), every);
    seo_transport::ws::start(state.clone());
    let engine = Engine::start(
        state.service.clone(),
        &state.instance_id,
        engine_config(config),
    );
    let app_state = state.clone();
    let mut server = HttpServer::new(move || seo_transport::build_app(app_state.clone()))
        .shutdown_timeout(config.shutdown_timeout_seconds)
        // Signals are handled by `serve`, which closes the live connections first.
        .disable_signals()
        .bind((config.host.as_str(), config.port))
        .map_err(|e| {
            StartError::Config(format!(
                "HOST/PORT: cannot listen on {}:{}: {e}",
                config.host, config.port
            ))
        })?;
    if let Some(n) = config.http_workers {
        server = server.workers(n.max(1));
    }
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| StartError::Other("the server bound no address".into()))?;
    let server = server.run();
    let handle = server.handle();
    let done = tokio::spawn(server);
    tracing::info!(%addr, instance_id = %state.instance_id, "listening");
    Ok(Running {
        addr,
        handle,
        done,
        state,
        engine: Some(engine),
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stop with SIGINT");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// Serves until SIGINT/SIGTERM, then closes WebSockets with 1001, stops accepting, drains
/// in-flight requests, hands running tasks back to the queue and exits.
pub async fn serve(config: &Config) -> Result<(), StartError> {
    let mut running = start(config).await?;
    let engine = running.engine.take();
    let result = tokio::select! {
        r = &mut running.done => r,
        () = shutdown_signal() => {
            tracing::info!("shutdown requested: closing live connections, draining requests");
            running.state.ws.close_all();
            running.handle.stop(true).await;
            (&mut running.done).await
        }
    };
    // The server has drained its requests; now hand running tasks back to the queue.
    if let Some(engine) = engine {
        engine.shutdown().await;
    }
    let still = running.state.agents.shutdown(Duration::from_secs(5)).await;
    if still > 0 {
        tracing::warn!(still, "agent runs still in progress at exit");
    }
    match result {
        Ok(Ok(())) => {
            tracing::info!("server stopped");
            Ok(())
        }
        Ok(Err(e)) => Err(StartError::Other(format!("server error: {e}"))),
        Err(e) => Err(StartError::Other(format!("server task failed: {e}"))),
    }
}
