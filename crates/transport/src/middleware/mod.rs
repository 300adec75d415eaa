//! Middleware of the stack (outermost first): request id and log (`crate::request_id`),
//! CORS, security headers, rate limit, then per-route access guards; the body limit is
//! enforced by the JSON extractor.

pub mod access;
pub mod rate_limit;
pub mod security;
