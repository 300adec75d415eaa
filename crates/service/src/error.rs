//! The service error: one enum for every refusal or failure of a use-case.
//!
//! Rule: a variant says who is at fault. `Validation`, `Invalid`, `Agent` (input
//! refusals), `NotFound` and `Conflict` describe the request and carry text a client may
//! read; `Db`, `Auth` and `Internal` wrap the lower crates' errors, whose own rules decide
//! what may be shown. The transport maps each variant to a status once, at its edge.

use seo_agents::AgentError;
use seo_auth::AuthError;
use seo_domain::ValidationErrors;
use seo_persistence::DbError;

/// Why a use-case did not happen. Nothing was changed when it is returned.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Field rules failed (422 with per-field details).
    #[error("{0}")]
    Validation(#[from] ValidationErrors),
    /// One field is unusable for a reason only the service can see (e.g. a domain that is
    /// private or does not resolve): 422 naming the field.
    #[error("{field}: {message}")]
    Invalid {
        /// Field path.
        field: String,
        /// snake_case code.
        code: &'static str,
        /// Human text.
        message: String,
    },
    /// The agent registry refused the task (unknown agent or task type, bad input).
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// No such record.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's role may not do this (e.g. decide an approval gate above its role): 403.
    #[error("{0}")]
    Forbidden(String),
    /// A state rule stops it (illegal transition, last admin, …).
    #[error("{0}")]
    Conflict(String),
    /// Storage.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Authentication and passwords.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A fault of this server (e.g. a renderer that stopped); logged, never detailed to clients.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// A 422 on one field.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// A `Result` with [`ServiceError`].
pub type ServiceResult<T> = Result<T, ServiceError>;
