//! Fixed-window rate limiting in the kv store (Redis when configured, so the limit holds
//! across instances): per user when the request carries a valid access token, else per
//! client IP. Health probes are exempt. Every limited response carries `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset`; a refusal is 429 with `Retry-After`.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, ResponseError, web};
use seo_auth::TokenType;
use seo_persistence::kv::WindowCount;

use crate::config::client_ip;
use crate::middleware::access::bearer;
use crate::{ApiError, AppState};

const WINDOW: Duration = Duration::from_secs(60);

fn exempt(path: &str) -> bool {
    path == "/health" || path.starts_with("/health/") || path == "/metrics"
}

/// The caller's address as the rate limiter and logs see it. Every `X-Forwarded-For` line
/// counts, in order: a proxy that appends its own line must not leave the client's line as
/// the one believed.
pub fn caller_ip(req: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    let lines: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let xff = (!lines.is_empty()).then(|| lines.join(", "));
    client_ip(
        req.peer_addr().map(|a| a.ip()),
        xff.as_deref(),
        &state.http.trusted_proxies,
    )
}

/// The key an address is limited under: the address itself for IPv4, its /64 for IPv6
/// (one subscriber gets a whole /64 and could otherwise rotate through it).
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

fn limit_headers(limit: u64, w: &WindowCount) -> [(HeaderName, HeaderValue); 3] {
    let reset = w.resets_in.as_secs() + u64::from(w.resets_in.subsec_nanos() > 0);
    [
        (
            HeaderName::from_static("ratelimit-limit"),
            HeaderValue::from(limit),
        ),
        (
            HeaderName::from_static("ratelimit-remaining"),
            HeaderValue::from(limit.saturating_sub(w.count)),
        ),
        (
            HeaderName::from_static("ratelimit-reset"),
            HeaderValue::from(reset),
        ),
    ]
}

fn apply(headers: &mut HeaderMap, pairs: [(HeaderName, HeaderValue); 3]) {
    for (k, v) in pairs {
        headers.insert(k, v);
    }
}

/// The 429 answer for a spent window.
pub fn too_many(limit: u64, w: &WindowCount, what: &str) -> ApiError {
    let retry = (w.resets_in.as_secs() + u64::from(w.resets_in.subsec_nanos() > 0)).max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("{what}; retry in {retry} s"),
    )
    .with_header(
        actix_web::http::header::RETRY_AFTER,
        HeaderValue::from(retry),
    );
    for (k, v) in limit_headers(limit, w) {
        e = e.with_header(k, v);
    }
    e
}

/// Counts one hit of `key`; `Ok(None)` when the store failed and the policy is fail-open.
pub async fn hit(
    state: &AppState,
    key: &str,
    window: Duration,
) -> Result<Option<WindowCount>, ApiError> {
    match state.kv.incr_window(key, window).await {
        Ok(w) => Ok(Some(w)),
        Err(e) => {
            tracing::warn!(error = %e, fail_open = state.http.rate_limit.fail_open, "rate-limit store unreachable");
            state.metrics.record_rate_limited("store_down");
            if state.http.rate_limit.fail_open {
                Ok(None)
            } else {
                Err(ApiError::unavailable(e))
            }
        }
    }
}

/// The middleware.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let cfg = &state.http.rate_limit;
    if !cfg.enabled
        || exempt(req.path().trim_end_matches('/'))
        || req.method() == actix_web::http::Method::OPTIONS
    {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let user = bearer(&req)
        .and_then(|t| state.auth.tokens().verify(t, TokenType::Access).ok())
        .map(|c| c.sub);
    let key = match user {
        Some(sub) => format!("rl:user:{sub}"),
        None => match caller_ip(req.request(), &state) {
            Some(ip) => format!("rl:ip:{}", limit_key(ip)),
            None => "rl:ip:unknown".to_string(),
        },
    };
    let limit = cfg.per_minute;
    let window = match hit(&state, &key, WINDOW).await {
        Ok(w) => w,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };
    let Some(w) = window else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if w.count > limit {
        state.metrics.record_rate_limited("limit");
        return Ok(req.into_response(too_many(limit, &w, "too many requests").error_response()));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    apply(res.headers_mut(), limit_headers(limit, &w));
    Ok(res)
}
