//! Command line and environment configuration. Every setting is a flag and an environment
//! variable (the variable names follow the original system's); flags win.

use clap::{Parser, Subcommand, ValueEnum};
use seo_persistence::DEFAULT_DATABASE_URL;

/// SEO Architects: the agency server (REST API, agents, task engine) and its CLI.
#[derive(Debug, Parser)]
#[command(name = "seo-architects", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users without the API.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Run one agent locally on a JSON input and print its output (no server needed).
    Run {
        /// Agent id, e.g. lead_qualification.
        agent: String,
        /// JSON file holding the task input, or - for standard input.
        #[arg(long)]
        input: String,
        /// Task type (default: the agent's first).
        #[arg(long)]
        task_type: Option<String>,
    },
    /// Show or check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import an export file (Search Console, Yandex Webmaster, GA4, Ahrefs, Semrush,
    /// Majestic or a generic backlink CSV) as a dataset of a client; prints the dataset.
    Import {
        /// The client's id.
        #[arg(long)]
        client: uuid::Uuid,
        /// The campaign's id (it must be the client's).
        #[arg(long)]
        campaign: Option<uuid::Uuid>,
        /// search_performance, backlinks or traffic (detected when absent).
        #[arg(long)]
        kind: Option<String>,
        /// gsc, yandex_webmaster, ga4, ahrefs, semrush, majestic or generic (detected when absent).
        #[arg(long)]
        source: Option<String>,
        /// Refuse the whole file when any row is bad.
        #[arg(long)]
        strict: bool,
        /// The export file.
        file: std::path::PathBuf,
    },
    /// Serve MCP (Model Context Protocol) on stdin/stdout as a user, against the configured
    /// database, with this process's task workers (no HTTP server). Logs go to stderr.
    Mcp {
        /// The user to act as (their role's permissions apply).
        #[arg(long)]
        user: String,
    },
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (flags, environment, file, defaults) as TOML, with
    /// secrets redacted.
    Show,
    /// Check a configuration file: exit 0 when it can be used, 2 naming the first problem.
    Check {
        /// The TOML file.
        file: std::path::PathBuf,
    },
}

/// `users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user. The password is read from stdin with --password-stdin, else generated and printed once.
    Create {
        /// Login name: 3-64 of a-z 0-9 . _ -
        #[arg(long)]
        username: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// admin, manager or operator.
        #[arg(long, default_value = "operator")]
        role: String,
        /// Display name.
        #[arg(long)]
        full_name: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for a user (and end their sessions).
    ResetPassword {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Deployment environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Convenient defaults (generated secret, any admin password).
    Development,
    /// Refuses unsafe settings at start-up.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, clap::Args, serde::Serialize)]
pub struct Config {
    /// A TOML configuration file (settings, [agents.<id>], [workflows.<id>]); flags and
    /// environment variables win over it.
    #[arg(long = "config", env = "SEO_CONFIG", global = true)]
    #[serde(skip)]
    pub config_file: Option<std::path::PathBuf>,
    /// `[agents…]` of the configuration file (defaults when absent).
    #[arg(skip)]
    #[serde(skip)]
    pub agents: seo_agents::AgentsConfig,
    /// `[branding]` of the configuration file: the agency's name and accent colour on reports.
    #[arg(skip)]
    #[serde(skip)]
    pub branding: seo_service::reports::Branding,
    /// `[sales]` of the configuration file: approval gates, proposal validity, qualifying
    /// classes, the workflow a new lead starts.
    #[arg(skip)]
    #[serde(skip)]
    pub sales: seo_service::sales::SalesConfig,
    /// `[mcp]` of the configuration file: the MCP data providers agents may use.
    #[arg(skip)]
    #[serde(skip)]
    pub mcp: seo_mcp::McpConfig,
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8000, global = true)]
    pub port: u16,
    /// sqlite://PATH (embedded default) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,
    /// redis://HOST:PORT; unset means in-process stand-ins (single instance).
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Namespace of every Redis key and channel of this deployment.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "seo", global = true)]
    pub redis_key_prefix: String,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive list.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log line format.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "json",
        global = true
    )]
    pub log_format: LogFormat,
    /// How long start-up waits for PostgreSQL or Redis to answer.
    #[arg(
        long,
        env = "STARTUP_TIMEOUT_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub startup_timeout_seconds: u64,
    /// Most pooled database connections (default: 4 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "DB_POOL_SIZE", global = true)]
    pub db_pool_size: Option<usize>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,
    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(
        long,
        env = "SHUTDOWN_TIMEOUT_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout_seconds: u64,
    /// `production` refuses a missing JWT secret, a default admin password and CORS `*`.
    #[arg(
        long,
        env = "ENVIRONMENT",
        value_enum,
        default_value = "development",
        global = true,
        ignore_case = true
    )]
    pub environment: Environment,
    /// HS256 signing secret (at least 32 characters in production). Unset: generated and stored in the database.
    #[arg(long, env = "JWT_SECRET_KEY", global = true, hide_env_values = true)]
    pub jwt_secret_key: Option<String>,
    /// Access-token lifetime in minutes.
    #[arg(
        long,
        env = "ACCESS_TOKEN_EXPIRE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub access_token_expire_minutes: u64,
    /// Refresh-token lifetime in days.
    #[arg(
        long,
        env = "REFRESH_TOKEN_EXPIRE_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub refresh_token_expire_days: u64,
    /// Password of the `admin` user created on first start (empty user table). Unset: random, logged once.
    #[arg(long, env = "ADMIN_PASSWORD", global = true, hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Allowed CORS origins, comma-separated (`*` for any; not allowed in production). Unset: no cross-origin access.
    #[arg(long, env = "CORS_ORIGINS", global = true, value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Proxies whose X-Forwarded-For is believed: IPs or CIDRs, comma-separated.
    #[arg(long, env = "TRUSTED_PROXIES", global = true, value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Rate limiting on or off.
    #[arg(long, env = "RATE_LIMIT_ENABLED", default_value = "true", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub rate_limit_enabled: bool,
    /// Requests per minute per user (authenticated) or per client IP.
    #[arg(
        long,
        env = "RATE_LIMIT_REQUESTS_PER_MINUTE",
        default_value_t = 60,
        global = true
    )]
    pub rate_limit_requests_per_minute: u64,
    /// Login attempts per IP and username per window.
    #[arg(
        long,
        env = "RATE_LIMIT_LOGIN_ATTEMPTS",
        default_value_t = 5,
        global = true
    )]
    pub rate_limit_login_attempts: u64,
    /// Login window in seconds.
    #[arg(
        long,
        env = "RATE_LIMIT_LOGIN_WINDOW_SECONDS",
        default_value_t = 300,
        global = true
    )]
    pub rate_limit_login_window_seconds: u64,
    /// When Redis is unreachable: allow requests (true) or refuse them with 503 (false).
    #[arg(long, env = "RATE_LIMIT_FAIL_OPEN", default_value = "true", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub rate_limit_fail_open: bool,
    /// Require `Content-Type: application/json` on JSON bodies (415 otherwise).
    #[arg(long, env = "VALIDATION_ENABLED", default_value = "true", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub validation_enabled: bool,
    /// Reject unknown fields in JSON bodies (422).
    #[arg(long, env = "VALIDATION_STRICT_MODE", default_value = "false", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub validation_strict_mode: bool,
    /// Largest request body in bytes (413 beyond).
    #[arg(
        long,
        env = "MAX_REQUEST_SIZE",
        default_value_t = 1_048_576,
        global = true
    )]
    pub max_request_size: usize,
    /// Let the crawler fetch private, loopback and link-local addresses (tests only).
    #[arg(long, env = "CRAWLER_ALLOW_PRIVATE", default_value = "false", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub crawler_allow_private: bool,
    /// OpenAI-compatible base URL for optional report prose (e.g. http://127.0.0.1:11434/v1). Unset with no OPENAI_API_KEY: off.
    #[arg(long, env = "LLM_BASE_URL", global = true)]
    pub llm_base_url: Option<String>,
    /// Model name for the prose.
    #[arg(long, env = "LLM_MODEL", default_value = "gpt-4o-mini", global = true)]
    pub llm_model: String,
    /// API key of the LLM endpoint (with no LLM_BASE_URL, the OpenAI API is used).
    #[arg(long, env = "OPENAI_API_KEY", global = true, hide_env_values = true)]
    pub openai_api_key: Option<String>,
    /// Longest wait for the LLM, in seconds; past it the result is kept without prose.
    #[arg(long, env = "LLM_TIMEOUT_SECONDS", default_value_t = 20, global = true)]
    pub llm_timeout_seconds: u64,
    /// Serve /metrics without credentials (e.g. on a private scrape network).
    #[arg(long, env = "METRICS_PUBLIC", default_value = "false", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub metrics_public: bool,
    /// A bearer token Prometheus may use for /metrics only.
    #[arg(
        long,
        env = "METRICS_SCRAPE_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_scrape_token: Option<String>,
    /// Seconds between system samples (CPU, memory) and gauge refreshes.
    #[arg(
        long,
        env = "METRICS_SAMPLE_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub metrics_sample_seconds: u64,
    /// Most WebSocket connections of this instance (close 1013 beyond).
    #[arg(
        long,
        env = "WS_MAX_CONNECTIONS",
        default_value_t = 10_000,
        global = true
    )]
    pub ws_max_connections: usize,
    /// Most WebSocket connections of this instance still authenticating (close 1013 beyond).
    #[arg(
        long,
        env = "WS_MAX_UNAUTHENTICATED",
        default_value_t = 256,
        global = true
    )]
    pub ws_max_unauthenticated: usize,
    /// Seconds between metrics_update pushes to dashboard subscribers.
    #[arg(long, env = "WS_METRICS_INTERVAL", default_value_t = 5, global = true)]
    pub ws_metrics_interval: u64,
    /// Alert when machine CPU is above this percent.
    #[arg(long, env = "ALERT_CPU_PERCENT", default_value_t = 80.0, global = true)]
    pub alert_cpu_percent: f64,
    /// Alert when machine memory is above this percent.
    #[arg(
        long,
        env = "ALERT_MEMORY_PERCENT",
        default_value_t = 85.0,
        global = true
    )]
    pub alert_memory_percent: f64,
    /// Alert when the last hour's 5xx share is above this fraction.
    #[arg(long, env = "ALERT_ERROR_RATE", default_value_t = 0.05, global = true)]
    pub alert_error_rate: f64,
    /// Alert when an agent's success rate is below this fraction (with at least ALERT_AGENT_MIN_RUNS runs).
    #[arg(
        long,
        env = "ALERT_AGENT_SUCCESS_RATE",
        default_value_t = 0.8,
        global = true
    )]
    pub alert_agent_success_rate: f64,
    /// Runs needed before an agent's success rate can alert.
    #[arg(long, env = "ALERT_AGENT_MIN_RUNS", default_value_t = 5, global = true)]
    pub alert_agent_min_runs: u64,
    /// Task lease in seconds: a task whose instance died is re-run this long after its last heartbeat.
    #[arg(long, env = "TASK_LEASE_SECONDS", default_value_t = 30, global = true)]
    pub task_lease_seconds: u64,
    /// How long an authenticated user's record is reused without a database read (ms); 0
    /// reads it on every request. Changes made through the API are seen at once everywhere.
    #[arg(long, env = "USER_CACHE_MS", default_value_t = 5000, global = true)]
    pub user_cache_ms: u64,
    /// How long one deep /health result is reused (ms); 0 probes on every call.
    #[arg(long, env = "HEALTH_CACHE_MS", default_value_t = 1000, global = true)]
    pub health_cache_ms: u64,
    /// Password hashes computed at once (argon2id, 19 MiB each; default: one per core).
    #[arg(long, env = "PASSWORD_HASH_CONCURRENCY", global = true)]
    pub password_hash_concurrency: Option<usize>,
    /// Longest wait for a password-hashing turn; a sign-in waiting longer gets 503 with Retry-After.
    #[arg(
        long,
        env = "PASSWORD_HASH_MAX_WAIT_MS",
        default_value_t = 2000,
        global = true
    )]
    pub password_hash_max_wait_ms: u64,
    /// `Host` values `/mcp` answers, comma-separated (DNS-rebinding guard). Unset: localhost,
    /// 127.0.0.1, ::1 and HOST when it names a host; `*` accepts any (behind a proxy that checks it).
    #[arg(long, env = "MCP_ALLOWED_HOSTS", global = true, value_delimiter = ',')]
    pub mcp_allowed_hosts: Vec<String>,
    /// Seconds an MCP agent tool waits for its task before answering with the task id and status.
    #[arg(long, env = "MCP_WAIT_SECONDS", default_value_t = 30, global = true)]
    pub mcp_wait_seconds: u64,
    /// Longest wait an MCP call may ask for with `wait_seconds`.
    #[arg(
        long,
        env = "MCP_MAX_WAIT_SECONDS",
        default_value_t = 300,
        global = true
    )]
    pub mcp_max_wait_seconds: u64,
    /// Largest dataset upload in bytes (413 beyond); streamed to a temporary file.
    #[arg(
        long,
        env = "IMPORT_MAX_BYTES",
        default_value_t = 52_428_800,
        global = true
    )]
    pub import_max_bytes: usize,
    /// Task workers in this instance (0: API only).
    #[arg(long, env = "WORKERS", default_value_t = 2, global = true)]
    pub workers: usize,
}

impl Config {
    /// The agent manager these settings describe (agents, and the LLM when configured).
    pub fn agent_manager(&self) -> seo_agents::AgentManager {
        let m = seo_agents::AgentManager::with_config(self.agents_config());
        let key = self.openai_api_key.clone().filter(|k| !k.trim().is_empty());
        let base = self.llm_base_url.clone().filter(|u| !u.trim().is_empty());
        let base = match (base, &key) {
            (Some(b), _) => b,
            (None, Some(_)) => "https://api.openai.com/v1".to_string(),
            (None, None) => return m,
        };
        let cfg = seo_agents::LlmConfig {
            base_url: base,
            model: self.llm_model.clone(),
            api_key: key,
            timeout: std::time::Duration::from_secs(self.llm_timeout_seconds.max(1)),
        };
        match seo_agents::LlmClient::new(cfg) {
            Ok(llm) => m.with_llm(llm),
            Err(e) => {
                tracing::warn!(error = %e, "LLM client could not be built; prose is off");
                m
            }
        }
    }

    /// The agents' configuration implied by these settings: the file's `[agents]` and
    /// `[workflows]` over the defaults; `CRAWLER_ALLOW_PRIVATE` turns private targets on.
    pub fn agents_config(&self) -> seo_agents::AgentsConfig {
        let mut c = self.agents.clone();
        c.technical_seo_auditor.crawl.allow_private |= self.crawler_allow_private;
        c
    }

    /// Applies a configuration file's sections.
    pub fn apply_sections(&mut self, s: crate::file::FileSections) {
        if let Some(a) = s.agents {
            // The file's [agents] carries the built-in workflows unless it set its own.
            let workflows = std::mem::take(&mut self.agents.workflows);
            self.agents = a;
            if self.agents.workflows.is_empty() {
                self.agents.workflows = workflows;
            }
        }
        self.agents.workflows.extend(s.workflows);
        if let Some(m) = s.mcp {
            self.mcp = m;
        }
        if let Some(b) = s.branding {
            self.branding = b;
        }
        if let Some(c) = s.sales {
            self.sales = c;
        }
    }

    /// The defaults, as with no flags and no environment (used by tests).
    pub fn defaults() -> Self {
        Cli::parse_from(["seo-architects"]).config
    }
}
