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
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
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
}

impl Config {
    /// The defaults, as with no flags and no environment (used by tests).
    pub fn defaults() -> Self {
        Cli::parse_from(["seo-architects"]).config
    }
}
