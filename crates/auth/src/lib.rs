//! Authentication and authorization of SEO Architects.
//!
//! - [`password`]: argon2id hashing on a blocking thread.
//! - [`tokens`]: HS256 JWT access and refresh tokens whose type is enforced both ways.
//! - [`AuthService`]: login, refresh rotation with reuse detection, logout, revocation in the
//!   kv store, per-request authentication that re-reads the user, password changes, the
//!   first-start admin.
//! - [`permissions`]: the role → permission table and the one check every route uses.

pub mod password;
pub mod permissions;
mod service;
pub mod tokens;

pub use permissions::{Access, Permission, permissions_of, role_grants};
pub use service::{
    AuthConfig, AuthService, MIN_SECRET_LEN, Principal, SESSIONS_CHANNEL, SessionEnded,
    USERS_CHANNEL,
};
pub use tokens::{Claims, TokenPair, TokenService, TokenType};

use seo_domain::ValidationErrors;
use seo_persistence::DbError;

/// Why authentication or authorization failed.
///
/// Rule: the four "who are you" failures (`InvalidCredentials`, `InvalidToken`, `Revoked`,
/// `Disabled`) answer 401; `Forbidden` answers 403; their messages are safe to show.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong username or password (or a disabled account, indistinguishably).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// The token is missing, malformed, expired, of the wrong type or wrongly signed.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token was revoked (logout, reuse, password change).
    #[error("{0}")]
    Revoked(&'static str),
    /// The account is disabled.
    #[error("account disabled")]
    Disabled,
    /// The role lacks a permission.
    #[error("missing permission {}", .0.as_str())]
    Forbidden(Permission),
    /// Input rules (e.g. password length).
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// A setting is unusable (start-up).
    #[error("{0}")]
    Config(String),
    /// Too many password checks at once: try again after `retry_after`.
    #[error("too many sign-ins at once; try again shortly")]
    Busy {
        /// When to try again.
        retry_after: std::time::Duration,
    },
    /// The kv store cannot be reached, so revocations cannot be checked.
    #[error("revocation store unavailable: {0}")]
    Unavailable(String),
    /// Storage failure.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}
