//! Request ids and the request log.
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is a sane token, a new
//! UUID otherwise. It is echoed in the response header, attached to the tracing span (so
//! every log line of the request carries it) and put into error bodies.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

/// The response and request header carrying the id.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The request id, as stored in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn accept(incoming: Option<&HeaderValue>) -> Option<String> {
    let s = incoming?.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    ok.then(|| s.to_string())
}

/// Middleware: assigns the id, runs the rest inside its span and task-local, turns any
/// error into its response there (so error bodies carry the id), echoes the header and
/// logs one line per request with route, status and latency.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = accept(req.headers().get(&HEADER)).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        user_id = tracing::field::Empty,
    );
    let metrics = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let start = Instant::now();
    let result = CURRENT
        .scope(id.clone(), async move {
            // An error that escaped as `Err` is rendered here, inside the scope, so its
            // body still carries the request id.
            next.call(req).await.map_err(|e| {
                let response = e.error_response();
                (e, response)
            })
        })
        .instrument(span.clone())
        .await;
    let header = HeaderValue::from_str(&id).ok();
    let mut res = match result {
        Ok(res) => res.map_into_boxed_body(),
        Err((e, mut response)) => {
            if let Some(v) = header {
                response.headers_mut().insert(HEADER, v);
            }
            let _enter = span.enter();
            tracing::warn!(
                status = response.status().as_u16(),
                route = "unmatched",
                latency_ms = start.elapsed().as_secs_f64() * 1000.0,
                "request failed in middleware"
            );
            return Err(actix_web::error::InternalError::from_response(e, response).into());
        }
    };
    if let Some(v) = header {
        res.headers_mut().insert(HEADER, v);
    }
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let elapsed = start.elapsed();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if let Some(m) = &metrics {
        m.record_http(&method, &route, status, elapsed);
    }
    let _enter = span.enter();
    if status >= 500 {
        tracing::error!(status, route = %route, latency_ms, "request finished");
    } else {
        tracing::info!(status, route = %route, latency_ms, "request finished");
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_ids_are_accepted() {
        assert_eq!(
            accept(Some(&HeaderValue::from_static("abc-123"))).as_deref(),
            Some("abc-123")
        );
        assert_eq!(
            accept(Some(&HeaderValue::from_static("bad id with spaces"))),
            None
        );
        assert_eq!(accept(Some(&HeaderValue::from_static(""))), None);
        let long = "a".repeat(129);
        assert_eq!(accept(Some(&HeaderValue::from_str(&long).unwrap())), None);
        assert_eq!(accept(None), None);
    }
}
