//! HTTP transport of SEO Architects: the actix-web application, its middleware and routes.
//!
//! This is the only crate that knows HTTP. Handlers extract, call a service, and map the
//! result; every error leaves as the JSON shape of [`error::ApiError`].

pub mod error;
pub mod request_id;
pub mod routes;
pub mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpRequest, web};

pub use error::ApiError;
pub use state::AppState;

/// Unmatched paths answer in the JSON error shape.
async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(&format!(
        "route {} {}",
        req.method(),
        req.path()
    )))
}

/// Builds the application with its middleware stack (outermost first): request id and
/// request log, then trailing-slash normalisation, then the routes.
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
    App::new()
        .app_data(web::Data::new(state))
        .configure(routes::health::configure)
        .default_service(web::to(not_found))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(from_fn(request_id::middleware))
}
