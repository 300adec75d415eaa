//! The SEO Architects server: wires configuration, storage, the kv store and the HTTP
//! transport together, and runs the CLI subcommands. Kept thin: behaviour lives in crates.

pub mod config;
pub mod engine;
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

pub use config::{Cli, Command, Config, Environment, UsersCommand};

use seo_auth::{AuthConfig, AuthError, AuthService};
use seo_transport::HttpConfig;
use seo_transport::config::{IpNet, RateLimitConfig};

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

/// Passwords documented by the original system or common defaults; refused in production.
const KNOWN_DEFAULT_PASSWORDS: &[&str] = &[
    "admin",
    "admin123",
    "secret",
    "password",
    "changeme",
    "change_me",
    "12345678",
];

/// Checks the settings that production refuses.
pub fn check_production(config: &Config) -> Result<(), StartError> {
    if config.environment != Environment::Production {
        return Ok(());
    }
    if config.cors_origins.iter().any(|o| o.trim() == "*") {
        return Err(StartError::Config(
            "CORS_ORIGINS: '*' is not allowed when ENVIRONMENT=production".into(),
        ));
    }
    if let Some(p) = &config.admin_password
        && KNOWN_DEFAULT_PASSWORDS.contains(&p.to_lowercase().as_str())
    {
        return Err(StartError::Config(
            "ADMIN_PASSWORD: a default password is not allowed when ENVIRONMENT=production".into(),
        ));
    }
    if config
        .jwt_secret_key
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(StartError::Config(
            "JWT_SECRET_KEY: required when ENVIRONMENT=production".into(),
        ));
    }
    Ok(())
}

/// The HTTP-layer settings from the configuration.
pub fn http_config(config: &Config) -> Result<HttpConfig, StartError> {
    let trusted_proxies = config
        .trusted_proxies
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .map_err(|e| StartError::Config(format!("TRUSTED_PROXIES: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if config.max_request_size == 0 {
        return Err(StartError::Config(
            "MAX_REQUEST_SIZE: must be at least 1".into(),
        ));
    }
    Ok(HttpConfig {
        cors_origins: config
            .cors_origins
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        trusted_proxies,
        rate_limit: RateLimitConfig {
            enabled: config.rate_limit_enabled,
            per_minute: config.rate_limit_requests_per_minute.max(1),
            login_attempts: config.rate_limit_login_attempts.max(1),
            login_window: Duration::from_secs(config.rate_limit_login_window_seconds.max(1)),
            fail_open: config.rate_limit_fail_open,
        },
        validation_enabled: config.validation_enabled,
        strict_mode: config.validation_strict_mode,
        body_limit: config.max_request_size,
        ws: seo_transport::ws::WsConfig {
            max_connections: config.ws_max_connections.max(1),
            metrics_interval: Duration::from_secs(config.ws_metrics_interval.clamp(1, 3600)),
            ..seo_transport::ws::WsConfig::default()
        },
        alerts: seo_transport::config::AlertRules {
            cpu_percent: config.alert_cpu_percent,
            memory_percent: config.alert_memory_percent,
            error_rate: config.alert_error_rate,
            agent_success_rate: config.alert_agent_success_rate,
            agent_min_runs: config.alert_agent_min_runs,
        },
        metrics_public: config.metrics_public,
        scrape_token: config
            .metrics_scrape_token
            .clone()
            .filter(|t| !t.trim().is_empty()),
        ..HttpConfig::default()
    })
}

fn auth_start_error(e: AuthError) -> StartError {
    match e {
        AuthError::Config(m) => StartError::Config(m),
        AuthError::Validation(v) => StartError::Config(v.to_string()),
        AuthError::Db(DbError::Unavailable(m)) | AuthError::Unavailable(m) => {
            StartError::Unavailable(m)
        }
        other => StartError::Other(other.to_string()),
    }
}

/// Builds the auth service (resolving the signing secret).
pub async fn auth_service(
    config: &Config,
    db: &Database,
    kv: Arc<dyn Kv>,
) -> Result<AuthService, StartError> {
    let cfg = AuthConfig {
        secret: config.jwt_secret_key.clone(),
        access_ttl: Duration::from_secs(config.access_token_expire_minutes.max(1) * 60),
        refresh_ttl: Duration::from_secs(config.refresh_token_expire_days.max(1) * 86_400),
        production: config.environment == Environment::Production,
    };
    AuthService::new(db.clone(), kv, &cfg)
        .await
        .map_err(auth_start_error)
}

/// First start: creates `admin` when there are no users.
async fn bootstrap_admin(
    config: &Config,
    auth: &AuthService,
    db: &Database,
) -> Result<(), StartError> {
    if config.environment == Environment::Production
        && config.admin_password.as_deref().is_none_or(str::is_empty)
        && db
            .count_users()
            .await
            .map_err(|e| StartError::Other(e.to_string()))?
            == 0
    {
        return Err(StartError::Config(
            "ADMIN_PASSWORD: required for the first start when ENVIRONMENT=production".into(),
        ));
    }
    let generated = auth
        .ensure_admin(config.admin_password.as_deref())
        .await
        .map_err(auth_start_error)?;
    if let Some(generated) = generated {
        // Shown once, by design: it is the only way to sign in to a fresh embedded install.
        tracing::warn!(
            username = "admin",
            password = %generated,
            "created the first user 'admin' with a generated password; change it after signing in"
        );
    }
    Ok(())
}

/// Refreshes the queue-depth and pool gauges in the background.
fn spawn_gauges(state: AppState, every: Duration) {
    tokio::spawn(async move {
        loop {
            if let Ok(q) = state.db.queue_health().await {
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
    /// The task engine (taken by [`serve`] to shut it down after the server).
    pub engine: Option<engine::Engine>,
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
    let services = seo_transport::Services {
        db,
        kv,
        kv_required,
        auth,
        agents,
        metrics,
    };
    let state = AppState::new(services, http, instance_id());
    spawn_gauges(state.clone(), every);
    seo_transport::ws::start(state.clone());
    let lease = Duration::from_secs(config.task_lease_seconds.clamp(2, 3600));
    let engine = engine::Engine::start(
        state.clone(),
        engine::EngineConfig {
            workers: config.workers,
            lease,
            reap_every: lease.min(Duration::from_secs(5)),
            ..engine::EngineConfig::default()
        },
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

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    if let Err(e) = logging::init(&cli.config.log_level, cli.config.log_format) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
        Command::Migrate => open_database(&cli.config).await.map(|_| ()),
        Command::Users(cmd) => users_command(&cli.config, cmd).await,
        Command::Run {
            agent,
            input,
            task_type,
        } => run_agent(&cli.config, &agent, &input, task_type.as_deref()).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "command failed");
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn read_password(from_stdin: bool) -> Result<(String, bool), StartError> {
    if !from_stdin {
        return Ok((seo_auth::password::random_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| StartError::Other(format!("cannot read stdin: {e}")))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

/// `users create` and `users reset-password`.
async fn users_command(config: &Config, cmd: UsersCommand) -> Result<(), StartError> {
    let db = open_database(config).await?;
    let (kv, _) = open_kv(config).await?;
    let auth = auth_service(config, &db, kv).await?;
    let invalid = |e: AuthError| match e {
        AuthError::Validation(v) => StartError::Config(v.to_string()),
        AuthError::Db(DbError::Conflict(m)) => StartError::Config(m),
        other => auth_start_error(other),
    };
    match cmd {
        UsersCommand::Create {
            username,
            email,
            role,
            full_name,
            password_stdin,
        } => {
            let role = seo_domain::Role::parse(&role).ok_or_else(|| {
                StartError::Config("--role: must be admin, manager or operator".into())
            })?;
            let (password, generated) = read_password(password_stdin)?;
            let input = seo_domain::UserInput {
                username,
                email,
                full_name,
                role,
                is_active: true,
                password,
            };
            let (new, password) = input
                .validate()
                .map_err(|v| StartError::Config(v.to_string()))?;
            let user = auth.create_user(new, &password).await.map_err(invalid)?;
            println!(
                "created user '{}' ({}) id {}",
                user.username,
                user.role.as_str(),
                user.id
            );
            if generated {
                println!("password: {password}");
            }
        }
        UsersCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let creds = db
                .find_credentials(&username)
                .await
                .map_err(|e| StartError::Other(e.to_string()))?
                .ok_or_else(|| {
                    StartError::Config(format!("--username: no user named '{username}'"))
                })?;
            let (password, generated) = read_password(password_stdin)?;
            auth.set_password(creds.user.id, &password)
                .await
                .map_err(invalid)?;
            println!("password of '{username}' reset; their sessions are ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// `run AGENT --input FILE|-`: runs one agent in-process and prints its output as JSON.
async fn run_agent(
    config: &Config,
    agent: &str,
    input: &str,
    task_type: Option<&str>,
) -> Result<(), StartError> {
    use seo_agents::{AgentError, TaskContext};
    let manager = config.agent_manager();
    let a = manager.get(agent).ok_or_else(|| {
        StartError::Config(format!(
            "AGENT: unknown agent '{agent}' (available: {})",
            manager.ids().join(", ")
        ))
    })?;
    let text = if input == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| StartError::Other(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(input)
            .map_err(|e| StartError::Config(format!("--input: cannot read {input}: {e}")))?
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        StartError::Config(format!(
            "--input: not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let task_type = match task_type {
        Some(t) => t.to_string(),
        None => a
            .task_types()
            .first()
            .map(|t| t.name.to_string())
            .ok_or_else(|| StartError::Other("the agent has no task type".into()))?,
    };
    match manager
        .run(agent, &task_type, &value, &TaskContext::detached())
        .await
    {
        Ok(out) => {
            let json =
                serde_json::to_string_pretty(&out).map_err(|e| StartError::Other(e.to_string()))?;
            println!("{json}");
            Ok(())
        }
        Err(
            e @ (AgentError::InvalidInput { .. }
            | AgentError::UnknownTaskType { .. }
            | AgentError::UnknownAgent(_)),
        ) => Err(StartError::Config(format!("--input: {e}"))),
        Err(e) => Err(StartError::Other(format!("agent failed: {e}"))),
    }
}
