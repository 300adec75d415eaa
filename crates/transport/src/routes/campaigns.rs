//! `/api/campaigns`, including the lifecycle actions.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{
    CampaignAction, CampaignFilter, CampaignInput, CampaignPatch, CampaignStatus, PageRequest,
};
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Caller, Json, Query, parse_uuid};
use crate::{ApiError, AppState};

pub use seo_service::campaigns::{AUDIT_AGENT, AUDIT_TASK_TYPE};

/// Filters and paging of the campaign list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    status: Option<CampaignStatus>,
    client_id: Option<uuid::Uuid>,
    domain: Option<String>,
}

async fn list(state: web::Data<AppState>, q: Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let filter = CampaignFilter {
        status: q.status,
        client_id: q.client_id,
        domain: q
            .domain
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
    };
    Ok(HttpResponse::Ok().json(state.list_campaigns(filter, page).await?))
}

async fn create(
    state: web::Data<AppState>,
    body: Json<CampaignInput>,
) -> Result<HttpResponse, ApiError> {
    let campaign = state.create_campaign(body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/campaigns/{}", campaign.id)))
        .json(campaign))
}

async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let campaign = state.campaign(id).await?;
    let (run, report) = state.campaign_latest_run(id).await?;
    let mut body = serde_json::to_value(&campaign).map_err(ApiError::internal)?;
    crate::json_set(
        &mut body,
        "latest_workflow_run",
        serde_json::to_value(&run).map_err(ApiError::internal)?,
    );
    crate::json_set(
        &mut body,
        "latest_report_task_id",
        serde_json::json!(report),
    );
    Ok(HttpResponse::Ok().json(body))
}

async fn replace(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CampaignInput>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.replace_campaign(id, body.0).await?))
}

async fn patch(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CampaignPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.patch_campaign(id, body.0).await?))
}

async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_campaign(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/campaigns/{id}/metrics`: what the campaign has produced so far, from its tasks.
async fn metrics(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.campaign_metrics(id).await?))
}

async fn transition(
    state: &AppState,
    caller: &Caller,
    id: &str,
    action: CampaignAction,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(id, "id")?;
    let (campaign, audit) = state
        .transition_campaign(id, action, Some(caller.0.user.id))
        .await?;
    let mut body = serde_json::to_value(&campaign).map_err(ApiError::internal)?;
    if action == CampaignAction::Start {
        crate::json_set(&mut body, "audit_task_id", json!(audit.map(|t| t.id)));
    }
    Ok(HttpResponse::Ok().json(body))
}

macro_rules! action_handler {
    ($name:ident, $action:expr) => {
        async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<String>,
        ) -> Result<HttpResponse, ApiError> {
            transition(&state, &caller, &id, $action).await
        }
    };
}

action_handler!(start, CampaignAction::Start);
action_handler!(pause, CampaignAction::Pause);
action_handler!(resume, CampaignAction::Resume);
action_handler!(complete, CampaignAction::Complete);
action_handler!(cancel, CampaignAction::Cancel);

async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.campaign_stats().await?))
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let now = chrono::Utc::now().to_rfc3339();
    match state.campaign_stats().await {
        Ok(s) => HttpResponse::Ok().json(json!({
            "status": "healthy",
            "total_campaigns": s.total_campaigns,
            "active_campaigns": s.status_breakdown.get("active").copied().unwrap_or(0),
            "database": "connected",
            "timestamp": now,
        })),
        Err(e) => {
            tracing::warn!(error = %e, "campaigns health");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unhealthy", "database": "disconnected", "timestamp": now}))
        }
    }
}

/// Registers `/api/campaigns`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{
        Doc,
        shapes::{CampaignPage, Status},
    };
    use seo_domain::{Campaign, CampaignStats};
    let (read, write, del) = (
        needs(Permission::CampaignsRead),
        needs(Permission::CampaignsWrite),
        needs(Permission::CampaignsDelete),
    );
    let action = |summary| Doc::new(summary).ok::<Campaign>(200);
    t.add(Method::GET, "/api/campaigns", read, list)
        .doc(
            Doc::new("List campaigns (newest first)")
                .query::<ListQuery>()
                .ok::<CampaignPage>(200),
        )
        .add(Method::POST, "/api/campaigns", write, create)
        .doc(
            Doc::new("Create a campaign (in draft)")
                .body::<CampaignInput>()
                .ok::<Campaign>(201),
        )
        .add(Method::GET, "/api/campaigns/stats/summary", read, stats)
        .doc(Doc::new("Counts by status and type, budget totals").ok::<CampaignStats>(200))
        .add(Method::GET, "/api/campaigns/health/campaigns", read, health)
        .doc(Doc::new("Campaign store health").ok::<Status>(200))
        .add(Method::GET, "/api/campaigns/{id}", read, get)
        .doc(Doc::new("Get a campaign").ok::<Campaign>(200))
        .add(Method::PUT, "/api/campaigns/{id}", write, replace)
        .doc(
            Doc::new("Replace every field of a campaign (not its status)")
                .body::<CampaignInput>()
                .ok::<Campaign>(200),
        )
        .add(Method::PATCH, "/api/campaigns/{id}", write, patch)
        .doc(
            Doc::new("Change some fields of a campaign")
                .body::<CampaignPatch>()
                .ok::<Campaign>(200),
        )
        .add(Method::DELETE, "/api/campaigns/{id}", del, delete)
        .doc(Doc::new("Delete a campaign (409 while active)").no_content())
        .add(Method::GET, "/api/campaigns/{id}/metrics", read, metrics)
        .doc(Doc::new("Progress from the campaign's tasks"))
        .add(Method::POST, "/api/campaigns/{id}/start", write, start)
        .doc(action(
            "draft → active; queues an audit of the domain (audit_task_id)",
        ))
        .add(Method::POST, "/api/campaigns/{id}/pause", write, pause)
        .doc(action("active → paused"))
        .add(Method::POST, "/api/campaigns/{id}/resume", write, resume)
        .doc(action("paused → active"))
        .add(
            Method::POST,
            "/api/campaigns/{id}/complete",
            write,
            complete,
        )
        .doc(action("active or paused → completed"))
        .add(Method::POST, "/api/campaigns/{id}/cancel", write, cancel)
        .doc(action("draft, active or paused → cancelled"));
}
