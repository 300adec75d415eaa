//! Start-up: checking settings, opening storage and the kv store, the auth service and
//! the first admin. Every failure is a [`StartError`] whose exit code says whose fault it is.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use seo_auth::{AuthConfig, AuthError, AuthService};
use seo_persistence::kv::{DEFAULT_PREFIX, Kv, MemoryKv, RedisKv};
use seo_persistence::{Database, DatabaseUrl, DbError, DbOptions};
use seo_service::Service;
use seo_transport::HttpConfig;
use seo_transport::config::{IpNet, RateLimitConfig};

use crate::config::{Config, Environment};

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
            max_unauthenticated: config.ws_max_unauthenticated.max(1),
            metrics_interval: Duration::from_secs(config.ws_metrics_interval.clamp(1, 3600)),
            ..seo_transport::ws::WsConfig::default()
        },
        metrics_public: config.metrics_public,
        health_cache: Duration::from_millis(config.health_cache_ms),
        mcp_allowed_hosts: mcp_allowed_hosts(config),
        mcp: mcp_settings(config),
        import_max_bytes: config.import_max_bytes.max(1),
        scrape_token: config
            .metrics_scrape_token
            .clone()
            .filter(|t| !t.trim().is_empty()),
        ..HttpConfig::default()
    })
}

/// The use-cases with the configured MCP data providers, when there are any.
pub fn with_mcp_providers(config: &Config, service: Service) -> Result<Service, StartError> {
    if config.mcp.providers.is_empty() {
        return Ok(service);
    }
    let registry = seo_mcp::ProviderRegistry::new(&config.mcp).map_err(StartError::Config)?;
    tracing::info!(
        providers = config.mcp.providers.len(),
        "MCP data providers configured"
    );
    Ok(service.with_external(std::sync::Arc::new(registry)))
}

/// The MCP tool-call waits from the configuration.
pub fn mcp_settings(config: &Config) -> seo_mcp::McpSettings {
    let max_wait = Duration::from_secs(config.mcp_max_wait_seconds.max(1));
    seo_mcp::McpSettings {
        default_wait: Duration::from_secs(config.mcp_wait_seconds).min(max_wait),
        max_wait,
    }
}

/// `MCP_ALLOWED_HOSTS`, or loopback names plus HOST when it names one host.
fn mcp_allowed_hosts(config: &Config) -> Vec<String> {
    let listed: Vec<String> = config
        .mcp_allowed_hosts
        .iter()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    if listed.iter().any(|h| h == "*") {
        return Vec::new();
    }
    if !listed.is_empty() {
        return listed;
    }
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .map(String::from)
        .collect();
    let host = config
        .host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let wildcard = host
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified());
    if !wildcard && !host.is_empty() && !hosts.iter().any(|h| h == host) {
        hosts.push(host.to_string());
    }
    hosts
}

pub(crate) fn auth_start_error(e: AuthError) -> StartError {
    match e {
        AuthError::Config(m) => StartError::Config(m),
        AuthError::Validation(v) => StartError::Config(v.to_string()),
        AuthError::Db(DbError::Unavailable(m)) | AuthError::Unavailable(m) => {
            StartError::Unavailable(m)
        }
        other => StartError::Other(other.to_string()),
    }
}

/// The use-cases' settings from the configuration.
pub fn service_settings(config: &Config) -> seo_service::ServiceSettings {
    seo_service::ServiceSettings {
        alerts: seo_service::AlertRules {
            cpu_percent: config.alert_cpu_percent,
            memory_percent: config.alert_memory_percent,
            error_rate: config.alert_error_rate,
            agent_success_rate: config.alert_agent_success_rate,
            agent_min_runs: config.alert_agent_min_runs,
        },
        allow_private_targets: config.crawler_allow_private,
        branding: config.branding.clone(),
        // Checked when the configuration file was read; a file gone since is logged.
        logo: config.branding.load_logo().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the report logo is left out");
            None
        }),
        sales: config.sales.clone(),
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
        user_cache: Duration::from_millis(config.user_cache_ms),
        hashing: seo_auth::password::Hashing::new(
            config.password_hash_concurrency.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
            }),
            Duration::from_millis(config.password_hash_max_wait_ms),
        ),
    };
    AuthService::new(db.clone(), kv, &cfg)
        .await
        .map_err(auth_start_error)
}

/// First start: creates `admin` when there are no users.
pub(crate) async fn bootstrap_admin(
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

/// A name for this process among instances: host, pid and a random suffix.
pub fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &suffix[..8])
}
