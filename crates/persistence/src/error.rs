//! The persistence error: one enum for every storage failure.
//!
//! Rule: callers branch on the variant, never on message text. `NotFound`, `Conflict` and
//! `InvalidReference` describe the request and may be shown to a client; `Unavailable`,
//! `Corrupt` and `Internal` describe the server and must be logged, not shown.

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness or state rule stops the write (e.g. duplicate name, illegal transition).
    #[error("{0}")]
    Conflict(String),
    /// A referenced row (client, campaign, user, parent task) does not exist.
    #[error("{0}")]
    InvalidReference(String),
    /// The database cannot be reached or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be decoded (should never happen with our own writes).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Internal(String),
}

/// A `Result` with [`DbError`].
pub type DbResult<T> = Result<T, DbError>;

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => DbError::NotFound("row"),
            E::DatabaseError(K::UniqueViolation, info) => {
                DbError::Conflict(format!("already exists ({})", info.message()))
            }
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                DbError::InvalidReference("a referenced record does not exist".into())
            }
            E::DatabaseError(K::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_string())
            }
            E::DatabaseError(K::Unknown, info) if is_connection_message(info.message()) => {
                DbError::Unavailable(info.message().to_string())
            }
            E::BrokenTransactionManager => {
                DbError::Unavailable("broken transaction manager".into())
            }
            other => DbError::Internal(other.to_string()),
        }
    }
}

fn is_connection_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.contains("connection") || m.contains("database is locked") || m.contains("terminating")
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for DbError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

impl From<tokio::task::JoinError> for DbError {
    fn from(e: tokio::task::JoinError) -> Self {
        DbError::Internal(format!("database task failed: {e}"))
    }
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        DbError::Corrupt(e.to_string())
    }
}

impl From<uuid::Error> for DbError {
    fn from(e: uuid::Error) -> Self {
        DbError::Corrupt(e.to_string())
    }
}
