//! `GET /dashboard`: the live dashboard page, and its script and style sheet. All three are
//! compiled into the binary and public (they hold no data); the page signs in with
//! `/auth/login` and reads everything else through the authenticated API and
//! `WS /ws/dashboard`. Its Content-Security-Policy allows nothing but this server.

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use seo_auth::Access;

use super::Table;
use crate::openapi::Doc;

/// What the dashboard may load or connect to: only this server (`'self'` covers the
/// same-origin WebSocket).
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");
const SCRIPT: &str = include_str!("../../assets/dashboard/dashboard.js");
const STYLE: &str = include_str!("../../assets/dashboard/dashboard.css");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CONTENT_SECURITY_POLICY, DASHBOARD_CSP))
        // Revalidated each time: a new build's page and script always arrive together.
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn page() -> HttpResponse {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn script() -> HttpResponse {
    asset("application/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

/// Registers the dashboard page and its assets (public).
pub fn routes(t: &mut Table<'_>) {
    t.add(Method::GET, "/dashboard", Access::Public, page)
        .doc(Doc::new("The live dashboard web page (HTML)"))
        .add(
            Method::GET,
            "/dashboard/dashboard.js",
            Access::Public,
            script,
        )
        .doc(Doc::new("The dashboard's script"))
        .add(
            Method::GET,
            "/dashboard/dashboard.css",
            Access::Public,
            style,
        )
        .doc(Doc::new("The dashboard's style sheet"));
}
