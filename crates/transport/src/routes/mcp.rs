//! `/mcp`: the Model Context Protocol over streamable HTTP (stateless JSON answers).
//!
//! The access guard has authenticated the bearer token (401 without) before this handler
//! runs; the caller goes into the request handed to rmcp, whose handler checks each tool's
//! own permission. Bodies are bounded like every other body (413 beyond `body_limit`).

use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use seo_auth::Permission;

use super::{Table, needs};
use crate::extract::Caller;
use crate::{ApiError, AppState};

async fn mcp(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let limit = state.http.body_limit;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let mut builder = http::Request::builder()
        .method(
            http::Method::from_bytes(req.method().as_str().as_bytes()).map_err(|_| {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "method not allowed",
                )
            })?,
        )
        .uri(req.uri().to_string());
    for (k, v) in req.headers() {
        builder = builder.header(k.as_str(), v.as_bytes());
    }
    let user = &caller.0.user;
    builder = builder.extension(seo_mcp::Caller {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role,
    });
    let request = builder
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.freeze().to_vec(),
        )))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
    let (parts, body) = state.mcp.handle(request).await.into_parts();
    let status = StatusCode::from_u16(parts.status.as_u16())
        .map_err(|_| ApiError::internal("MCP answered an invalid status"))?;
    let mut out = HttpResponse::build(status);
    for (k, v) in &parts.headers {
        out.append_header((k.as_str(), v.as_bytes()));
    }
    Ok(out.streaming(http_body_util::BodyExt::into_data_stream(body)))
}

async fn providers(state: web::Data<AppState>) -> HttpResponse {
    let items = state.mcp_providers();
    let total = items.len();
    HttpResponse::Ok().json(serde_json::json!({"items": items, "total": total}))
}

/// Registers `/mcp`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    t.add(Method::POST, "/mcp", needs(Permission::AgentsRead), mcp)
        .doc(Doc::new(
            "Model Context Protocol (streamable HTTP, JSON-RPC): agents as tools, records as tools and resources",
        ))
        .add(
            Method::GET,
            "/api/mcp/providers",
            needs(Permission::AgentsRead),
            providers,
        )
        .doc(Doc::new(
            "MCP data providers with health (up/down/unknown, latency, last error) and statistics (calls, cache hits, failures, retries, timeouts)",
        ));
}
