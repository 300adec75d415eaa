//! The SEO Architects server: wires configuration, storage, the kv store, the use-cases,
//! the task engine and the HTTP transport together, and runs the CLI subcommands. Kept
//! thin: behaviour lives in crates.
//!
//! - [`config`]: flags, environment and the configuration file, with their precedence.
//! - [`startup`]: settings checks, storage, kv, auth, the first admin.
//! - [`serve`]: the HTTP server and the engine until a signal, then a graceful stop.
//! - [`cli`]: the other subcommands.

pub mod cli;
pub mod config;
pub mod file;
pub mod logging;
pub mod mcp;
pub mod serve;
pub mod startup;

pub use cli::run;
pub use config::{Cli, Command, Config, Environment, UsersCommand};
pub use serve::{Running, serve, start};
pub use startup::StartError;
