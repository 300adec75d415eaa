//! The per-route access guard: every route registered through the route table is wrapped
//! in one, so no route can be mounted without deciding who may call it.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use seo_auth::{Access, AuthError};

use crate::{ApiError, AppState};

/// The bearer token of a request, if it sent one.
pub fn bearer(req: &ServiceRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Guard middleware factory for one route.
#[derive(Debug, Clone, Copy)]
pub struct RequireAccess(pub Access);

impl<S, B> Transform<S, ServiceRequest> for RequireAccess
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = AccessGuard<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AccessGuard {
            service: Rc::new(service),
            access: self.0,
        }))
    }
}

/// The guard service.
pub struct AccessGuard<S> {
    service: Rc<S>,
    access: Access,
}

impl<S, B> Service<ServiceRequest> for AccessGuard<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let access = self.access;
        Box::pin(async move {
            if matches!(access, Access::Public | Access::InBand) {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body);
            }
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                let e = ApiError::internal("application state missing");
                return Ok(req.into_response(e.error_response()));
            };
            if access == Access::Scrape {
                let scrape_ok = state.http.metrics_public
                    || state
                        .http
                        .scrape_token
                        .as_deref()
                        .is_some_and(|t| bearer(&req).is_some_and(|b| constant_time_eq(b, t)));
                if scrape_ok {
                    return service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_boxed_body);
                }
            }
            let Some(token) = bearer(&req).map(str::to_string) else {
                let e = ApiError::unauthorized(
                    "authentication required: send Authorization: Bearer <access token>",
                );
                return Ok(req.into_response(e.error_response()));
            };
            let principal = match state.auth.authenticate(&token).await {
                Ok(p) => p,
                Err(e) => return Ok(req.into_response(ApiError::from(e).error_response())),
            };
            if !access.allows(principal.user.role) {
                let p = match access {
                    Access::Requires(p) => p,
                    _ => seo_auth::Permission::SystemRead,
                };
                let e = ApiError::from(AuthError::Forbidden(p));
                return Ok(req.into_response(e.error_response()));
            }
            tracing::Span::current().record("user_id", tracing::field::display(principal.user.id));
            req.extensions_mut().insert(principal);
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        })
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
