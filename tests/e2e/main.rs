//! End-to-end tests: the real app over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod analytics;
mod audits;
mod auth;
mod authz;
mod core;
mod datasets;
mod docs;
mod engine;
mod health;
mod list_cache;
mod malformed;
mod mcp;
mod mcp_providers;
mod metrics;
mod rate_limit;
mod resources;
mod sales;
mod strategy;
mod ws;
mod ws_sessions;
