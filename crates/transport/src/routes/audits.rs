//! `/api/audit/checks`: the audit check catalogue.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use serde_json::json;

use super::{Table, needs};
use crate::AppState;

async fn checks(state: web::Data<AppState>) -> HttpResponse {
    let items = state.audit_checks();
    HttpResponse::Ok().json(json!({"total": items.len(), "items": items}))
}

/// Registers the audit routes.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    t.add(Method::GET, "/api/audit/checks", needs(Permission::CampaignsRead), checks)
        .doc(Doc::new(
            "The audit check catalogue: id, category, severity (error, warning, notice; the original level as impact), scope (page or site), the configuration thresholds it reads, enabled, why and fix",
        ));
}
