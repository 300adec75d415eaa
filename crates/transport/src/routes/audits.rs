//! Audits: the check catalogue, a campaign's stored audits, one audit with its snapshot,
//! and the diff of two audits.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{AuditDetail, AuditDiff, PageRequest};
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Query, parse_uuid};
use crate::{ApiError, AppState};

async fn checks(state: web::Data<AppState>) -> HttpResponse {
    let items = state.audit_checks();
    HttpResponse::Ok().json(json!({"total": items.len(), "items": items}))
}

/// Paging of a campaign's audits.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
}

async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = parse_uuid(&id, "id")?;
    let page = PageRequest::new(q.0.page, q.0.size)?;
    Ok(HttpResponse::Ok().json(state.campaign_audits(campaign, page).await?))
}

async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.audit(id).await?))
}

/// The audit to compare with.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The other (usually earlier) audit's id.
    #[param(value_type = uuid::Uuid, format = Uuid, required = true)]
    against: Option<String>,
}

async fn diff(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let Some(raw) = q.0.against else {
        return Err(seo_domain::ValidationErrors::single(
            "against",
            "required",
            "name the audit to compare with (?against=<audit id>)",
        )
        .into());
    };
    let against = parse_uuid(&raw, "against")?;
    Ok(HttpResponse::Ok().json(state.audit_diff(id, against).await?))
}

/// Registers the audit routes.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let read = needs(Permission::CampaignsRead);
    t.add(Method::GET, "/api/audit/checks", read, checks)
        .doc(Doc::new(
            "The audit check catalogue: id, category, severity (error, warning, notice; the score impact as impact), scope (page or site), the configuration thresholds it reads, enabled, why and fix",
        ))
        .add(Method::GET, "/api/campaigns/{id}/audits", read, list)
        .doc(
            Doc::new("The campaign's stored audits, newest first: scores (weighted and health), grade, band, counts")
                .query::<ListQuery>()
                .ok::<crate::openapi::shapes::AuditPage>(200),
        )
        .add(Method::GET, "/api/audits/{id}", read, get)
        .doc(Doc::new("One stored audit with its snapshot (pages and issues)").ok::<AuditDetail>(200))
        .add(Method::GET, "/api/audits/{id}/diff", read, diff)
        .doc(
            Doc::new("What changed from audit `against` to this one: new and fixed issues, pages added and removed, status and score changes")
                .query::<DiffQuery>()
                .ok::<AuditDiff>(200),
        );
}
