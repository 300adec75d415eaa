//! The SEO Architects server: wires configuration, storage, the kv store and the HTTP
//! transport together, and runs the CLI subcommands. Kept thin: behaviour lives in crates.

pub mod config;
pub mod logging;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use seo_persistence::kv::{DEFAULT_PREFIX, Kv, MemoryKv, RedisKv};
use seo_persistence::{Database, DatabaseUrl, DbError, DbOptions};
use seo_transport::AppState;

pub use config::{Cli, Command, Config};

/// Why start-up failed. Configuration problems exit with 2, unreachable dependencies with 1.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable; the message names it.
    #[error("{0}")]
    Config(String),
    /// A dependency did not answer in time.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl StartError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            StartError::Config(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

fn db_start_error(e: DbError, url: &DatabaseUrl) -> StartError {
    match (e, url) {
        // A SQLite path we cannot create or open is a configuration problem.
        (DbError::Unavailable(m), DatabaseUrl::Sqlite(_)) => {
            StartError::Config(format!("DATABASE_URL: {m}"))
        }
        (DbError::Unavailable(m), _) => StartError::Unavailable(format!("DATABASE_URL: {m}")),
        (other, _) => StartError::Other(format!("database: {other}")),
    }
}

/// Opens the database named by the configuration and applies pending migrations.
pub async fn open_database(config: &Config) -> Result<Database, StartError> {
    let url =
        DatabaseUrl::parse(&config.database_url).map_err(|e| StartError::Config(e.to_string()))?;
    let mut opts = DbOptions::for_backend(url.backend());
    opts.startup_timeout = Duration::from_secs(config.startup_timeout_seconds);
    if let Some(n) = config.db_pool_size {
        if n == 0 {
            return Err(StartError::Config(
                "DB_POOL_SIZE: must be at least 1".into(),
            ));
        }
        opts.max_connections = n;
    }
    let db = Database::connect(&url, &opts)
        .await
        .map_err(|e| db_start_error(e, &url))?;
    let applied = db.migrate().await.map_err(|e| db_start_error(e, &url))?;
    tracing::info!(database = %db.redacted_url(), backend = db.backend().as_str(), migrations_applied = applied, "database ready");
    Ok(db)
}

/// Connects Redis when configured, else the in-process store.
pub async fn open_kv(config: &Config) -> Result<(Arc<dyn Kv>, bool), StartError> {
    match config.redis_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let prefix = if config.redis_key_prefix.is_empty() {
                DEFAULT_PREFIX
            } else {
                &config.redis_key_prefix
            };
            let kv = RedisKv::connect(
                url,
                prefix,
                Duration::from_secs(config.startup_timeout_seconds),
            )
            .await
            .map_err(|e| match e {
                seo_persistence::kv::KvError::Config(m) => {
                    StartError::Config(format!("REDIS_URL: {m}"))
                }
                other => StartError::Unavailable(format!("REDIS_URL: {other}")),
            })?;
            tracing::info!(kv = ?kv, "redis ready");
            Ok((Arc::new(kv), true))
        }
        None => Ok((Arc::new(MemoryKv::new()), false)),
    }
}

/// A name for this process among instances: host, pid and a random suffix.
pub fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &suffix[..8])
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
}

/// Opens storage, binds the listener and starts serving in the background.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    let db = open_database(config).await?;
    let (kv, kv_required) = open_kv(config).await?;
    let state = AppState::new(db, kv, kv_required, instance_id());
    let app_state = state.clone();
    let mut server = HttpServer::new(move || seo_transport::build_app(app_state.clone()))
        .shutdown_timeout(config.shutdown_timeout_seconds)
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
    })
}

/// Serves until SIGINT/SIGTERM, then drains in-flight requests and exits.
pub async fn serve(config: &Config) -> Result<(), StartError> {
    let running = start(config).await?;
    match running.done.await {
        Ok(Ok(())) => {
            tracing::info!("server stopped");
            Ok(())
        }
        Ok(Err(e)) => Err(StartError::Other(format!("server error: {e}"))),
        Err(e) => Err(StartError::Other(format!("server task failed: {e}"))),
    }
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    if let Err(e) = logging::init(&cli.config.log_level, cli.config.log_format) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
        Command::Migrate => open_database(&cli.config).await.map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "start-up failed");
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
