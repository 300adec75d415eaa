//! `/api/workflows`: workflow definitions and runs.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{PageRequest, RunFilter, RunStatus};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Table, needs};
use crate::extract::{Caller, Json, Query, parse_uuid};
use crate::{ApiError, AppState};

async fn definitions(state: web::Data<AppState>) -> HttpResponse {
    let items = state.workflows();
    HttpResponse::Ok().json(json!({"items": items, "total": items.len()}))
}

/// Body of `POST /api/workflows/{id}/runs`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RunRequest {
    /// Input of the run (the first steps' input, and what later steps may read).
    #[schema(value_type = Object)]
    input: Value,
    /// The client the run is for.
    #[serde(default)]
    client_id: Option<uuid::Uuid>,
    /// The campaign the run is for.
    #[serde(default)]
    campaign_id: Option<uuid::Uuid>,
}

async fn start(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<RunRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let run = state
        .start_workflow(seo_service::workflows::StartRun {
            workflow_id: id.into_inner(),
            input: b.input,
            client_id: b.client_id,
            campaign_id: b.campaign_id,
            created_by: Some(caller.0.user.id),
        })
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/workflows/runs/{}", run.id)))
        .json(run))
}

/// Filters and paging of the run list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    workflow_id: Option<String>,
    #[param(value_type = Option<RunStatus>, inline)]
    status: Option<RunStatus>,
}

async fn runs(
    state: web::Data<AppState>,
    q: Query<RunListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let filter = RunFilter {
        workflow_id: q.workflow_id.filter(|w| !w.is_empty()),
        status: q.status,
    };
    Ok(HttpResponse::Ok().json(state.workflow_runs(filter, page).await?))
}

async fn run(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "run_id")?;
    Ok(HttpResponse::Ok().json(state.workflow_run(id).await?))
}

/// Registers `/api/workflows`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let (read, write) = (
        needs(Permission::AgentsRead),
        needs(Permission::AgentsWrite),
    );
    t.add(Method::GET, "/api/workflows", read, definitions)
        .doc(Doc::new(
            "Workflow definitions that can run here: steps, conditions, joins",
        ))
        .add(Method::GET, "/api/workflows/runs", read, runs)
        .doc(Doc::new("Workflow runs, newest first").query::<RunListQuery>())
        .add(Method::GET, "/api/workflows/runs/{run_id}", read, run)
        .doc(Doc::new(
            "One run: status and every step with its task id and task status",
        ))
        .add(Method::POST, "/api/workflows/{id}/runs", write, start)
        .doc(
            Doc::new("Start a run (202): the record and its first step tasks").body::<RunRequest>(),
        );
}
