//! HTTP transport of SEO Architects: the actix-web application, its middleware and routes.
//!
//! This is the only crate that knows HTTP. Handlers extract, call a service, and map the
//! result; every error leaves as the JSON shape of [`error::ApiError`].

pub mod config;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod request_id;
pub mod routes;
pub mod state;
pub mod ws;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Condition, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpRequest, web};

pub use config::HttpConfig;
pub use error::ApiError;
pub use routes::{RouteInfo, route_table};
pub use seo_service::events;
pub use state::AppState;

/// Sets `key` of a JSON object (a no-op on anything else, where `value[key] = …` would
/// panic).
pub(crate) fn json_set(target: &mut serde_json::Value, key: &str, value: serde_json::Value) {
    if let serde_json::Value::Object(map) = target {
        map.insert(key.to_string(), value);
    }
}

/// Paths and methods served, for 405 answers.
struct Served(Vec<(ResourceDef, Method)>);

/// Unmatched requests: 405 with `Allow` when the path exists under other methods, else 404.
async fn fallback(
    req: HttpRequest,
    served: web::Data<Served>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let path = req.path();
    let allowed: Vec<&str> = served
        .0
        .iter()
        .filter(|(d, _)| d.is_match(path))
        .map(|(_, m)| m.as_str())
        .collect();
    if allowed.is_empty() || req.method() == Method::OPTIONS {
        return Err(ApiError::not_found(&format!(
            "route {} {}",
            req.method(),
            path
        )));
    }
    let allow =
        HeaderValue::from_str(&allowed.join(", ")).unwrap_or(HeaderValue::from_static("GET"));
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {path}", req.method()),
    )
    .with_header(header::ALLOW, allow))
}

fn cors(cfg: &HttpConfig) -> Cors {
    let mut c = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            request_id::HEADER,
        ])
        .expose_headers([
            request_id::HEADER.as_str(),
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "retry-after",
            "location",
        ])
        .max_age(3600);
    if cfg.cors_origins.iter().any(|o| o == "*") {
        c = c.allow_any_origin();
    } else {
        for o in &cfg.cors_origins {
            c = c.allowed_origin(o);
        }
    }
    c
}

/// Builds the application. Middleware, outermost first: request id and request log, CORS
/// (so even refusals carry CORS headers), security headers, rate limit, trailing-slash
/// normalisation, then each route's access guard; bodies are bounded by the extractors.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let served = Served(
        route_table()
            .into_iter()
            .map(|r| (ResourceDef::new(r.path), r.method))
            .collect(),
    );
    let cors_enabled = !state.http.cors_origins.is_empty();
    let cors = cors(&state.http);
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(served))
        .configure(|cfg| {
            routes::register(cfg);
        })
        .default_service(web::to(fallback))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(from_fn(middleware::rate_limit::middleware))
        .wrap(middleware::security::headers())
        .wrap(Condition::new(cors_enabled, cors))
        .wrap(from_fn(request_id::middleware))
}
