//! The route table. Every route is registered through [`Table::add`], which records its
//! method, path and [`Access`] and wraps it in the access guard, so the table is both what
//! is served and what the authorization tests walk.

pub mod agents;
pub mod analytics;
pub mod audits;
pub mod auth;
pub mod campaigns;
pub mod clients;
pub mod dashboard;
pub mod datasets;
pub mod docs;
pub mod health;
pub mod links;
pub mod mcp;
pub mod metrics;
pub mod sales;
pub mod tasks;
pub mod users;
pub mod workflows;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, guard, web};
use seo_auth::{Access, Permission};
use serde::Serialize;

use crate::middleware::access::RequireAccess;

/// One served route.
#[derive(Debug, Clone, Serialize)]
pub struct RouteInfo {
    /// HTTP method.
    #[serde(serialize_with = "ser_method")]
    pub method: Method,
    /// actix path pattern, e.g. `/api/clients/{id}`.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Its OpenAPI documentation.
    #[serde(skip)]
    pub doc: Option<crate::openapi::Doc>,
}

fn ser_method<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// Registers routes and records them.
pub struct Table<'a> {
    cfg: &'a mut web::ServiceConfig,
    routes: Vec<RouteInfo>,
}

impl Table<'_> {
    /// Mounts `handler` at `method path` behind an access guard for `access`.
    pub fn add<F, Args>(
        &mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.routes.push(RouteInfo {
            method: method.clone(),
            path,
            access,
            doc: None,
        });
        self.cfg.service(
            web::resource(path)
                .guard(guard::Method(method))
                .wrap(RequireAccess(access))
                .route(web::route().to(handler)),
        );
        self
    }
}

impl Table<'_> {
    /// Documents the route added last.
    pub fn doc(&mut self, doc: crate::openapi::Doc) -> &mut Self {
        if let Some(last) = self.routes.last_mut() {
            last.doc = Some(doc);
        }
        self
    }
}

/// Shorthand for `Access::Requires`.
pub(crate) fn needs(p: Permission) -> Access {
    Access::Requires(p)
}

/// Registers every route; returns the table.
pub fn register(cfg: &mut web::ServiceConfig) -> Vec<RouteInfo> {
    let mut t = Table {
        cfg,
        routes: Vec::new(),
    };
    health::routes(&mut t);
    auth::routes(&mut t);
    users::routes(&mut t);
    clients::routes(&mut t);
    datasets::routes(&mut t);
    links::routes(&mut t);
    campaigns::routes(&mut t);
    audits::routes(&mut t);
    sales::routes(&mut t);
    tasks::routes(&mut t);
    agents::routes(&mut t);
    workflows::routes(&mut t);
    mcp::routes(&mut t);
    metrics::routes(&mut t);
    analytics::routes(&mut t);
    docs::routes(&mut t);
    dashboard::routes(&mut t);
    t.routes
}

/// The table of every route the app serves (for tests, docs and 405 answers).
pub fn route_table() -> Vec<RouteInfo> {
    let mut table = Vec::new();
    let _ = actix_web::App::new().configure(|cfg| table = register(cfg));
    table
}
