//! End-to-end tests: the real app over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analytics;
mod auth;
mod authz;
mod core;
mod docs;
mod engine;
mod health;
mod malformed;
mod metrics;
mod rate_limit;
mod resources;
mod ws;
