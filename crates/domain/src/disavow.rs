//! What an operator sends to keep an entry out of a client's disavow file.

use serde::Deserialize;

/// Body of `POST /api/clients/{id}/disavow/exclusions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExclusionInput {
    /// `domain:example.com` or an absolute http(s) URL (at most 2,048 characters).
    pub entry: String,
    /// Why (at most 500 characters).
    #[serde(default)]
    pub reason: Option<String>,
}
