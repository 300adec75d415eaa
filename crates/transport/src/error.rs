//! The one JSON error shape every failure leaves the server in.
//!
//! Rule: every handler error is an [`ApiError`]; crate errors convert into it once, here.
//! A client-caused error keeps its message; a server-side one (database down, a bug) is
//! logged with its cause and answered with a generic message and the request id, so
//! internal text never reaches a client.
//!
//! ```json
//! {"error": {"code": "not_found", "message": "client not found", "request_id": "…"}}
//! ```

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use seo_auth::AuthError;
use seo_domain::ValidationErrors;
use seo_persistence::DbError;
use serde::Serialize;
use serde_json::Value;

use crate::request_id;

/// An error answered as `{"error": {code, message, details?, request_id}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// Any status with a snake_case code and a message a client may read.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    /// Adds a response header (e.g. `Retry-After`, `WWW-Authenticate`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 401 with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message).with_header(
            actix_web::http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer"),
        )
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Adds structured details (e.g. per-field errors).
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 500 with the cause logged, never shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal server error; quote the request id when reporting it",
        )
    }

    /// 503 with the cause logged, never shown.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "a backing service is unavailable; try again shortly",
        )
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
    request_id: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                details: self.details.as_ref(),
                request_id: request_id::current().unwrap_or_default(),
            },
        };
        let mut res = HttpResponse::build(self.status);
        for (k, v) in &self.headers {
            res.insert_header((k.clone(), v.clone()));
        }
        res.json(body)
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        let details = serde_json::to_value(&e.0).unwrap_or(Value::Null);
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "one or more fields are invalid",
        )
        .with_details(serde_json::json!({ "fields": details }))
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound(what) => ApiError::not_found(what),
            DbError::Conflict(m) => ApiError::conflict(m),
            DbError::InvalidReference(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reference", m)
            }
            DbError::Unavailable(m) => ApiError::unavailable(m),
            other @ (DbError::Corrupt(_) | DbError::Internal(_)) => ApiError::internal(other),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => ApiError::unauthorized("invalid username or password"),
            AuthError::InvalidToken(why) => ApiError::unauthorized(format!("invalid token: {why}")),
            AuthError::Revoked(why) => ApiError::unauthorized(why),
            AuthError::Disabled => ApiError::unauthorized("account disabled"),
            AuthError::Forbidden(p) => {
                ApiError::forbidden(format!("your role lacks the permission {}", p.as_str()))
            }
            AuthError::Validation(v) => v.into(),
            AuthError::Db(d) => d.into(),
            AuthError::Unavailable(m) => ApiError::unavailable(m),
            e @ AuthError::Busy { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string()).with_header(
                    actix_web::http::header::RETRY_AFTER,
                    HeaderValue::from(secs),
                )
            }
            AuthError::Config(m) | AuthError::Internal(m) => ApiError::internal(m),
        }
    }
}

impl From<seo_service::ServiceError> for ApiError {
    fn from(e: seo_service::ServiceError) -> Self {
        use seo_service::ServiceError as S;
        match e {
            S::Validation(v) => v.into(),
            S::Invalid {
                field,
                code,
                message,
            } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                "one or more fields are invalid",
            )
            .with_details(
                serde_json::json!({"fields": [{"field": field, "code": code, "message": message}]}),
            ),
            S::Agent(a) => agent_error(a),
            S::NotFound(what) => ApiError::not_found(what),
            S::Conflict(m) => ApiError::conflict(m),
            S::Forbidden(m) => ApiError::forbidden(m),
            S::Db(d) => d.into(),
            S::Auth(a) => a.into(),
            S::Internal(m) => ApiError::internal(m),
        }
    }
}

/// Maps an agent-registry refusal to 422 (with the field path) or 404.
pub fn agent_error(e: seo_agents::AgentError) -> ApiError {
    use seo_agents::AgentError as E;
    let field = |field: &str, code: &'static str, message: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "one or more fields are invalid",
        )
        .with_details(
            serde_json::json!({"fields": [{"field": field, "code": code, "message": message}]}),
        )
    };
    match e {
        E::UnknownAgent(a) => field(
            "agent_id",
            "unknown_agent",
            format!("no agent '{a}' is available"),
        ),
        e @ E::UnknownTaskType { .. } => field("task_type", "unknown_task_type", e.to_string()),
        E::InvalidInput { field: f, message } => {
            field(&format!("input.{f}"), "invalid_value", message)
        }
        other => ApiError::internal(other),
    }
}
