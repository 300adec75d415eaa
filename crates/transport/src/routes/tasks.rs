//! `/api/tasks`.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{PageRequest, TaskFilter, TaskInput, TaskPriority, TaskStatus};
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Caller, Json, Query, parse_uuid};
use crate::{ApiError, AppState};

/// The format of a report document.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReportFormatParam {
    /// One self-contained, printable HTML page.
    Html,
    /// A4 pages with page numbers, rendered in-process.
    Pdf,
    /// KPI, mover and anomaly rows.
    Csv,
    /// The report as JSON.
    Json,
}

/// `?format=html|pdf|csv|json`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `html` (default), `pdf`, `csv` or `json`.
    #[param(value_type = Option<ReportFormatParam>, inline)]
    format: Option<String>,
}

async fn report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    use seo_service::reports::ReportFormat;
    let id = parse_uuid(&id, "id")?;
    let format = match q.0.format.as_deref() {
        None => ReportFormat::Html,
        Some(f) => ReportFormat::parse(f).ok_or_else(|| {
            ApiError::from(seo_domain::ValidationErrors::single(
                "format",
                "invalid_value",
                "must be html, pdf, csv or json",
            ))
        })?,
    };
    let doc = state.task_report(id, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(doc.content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", doc.file_name),
        ))
        .body(doc.body))
}

/// Filters and paging of the task list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    status: Option<TaskStatus>,
    agent_id: Option<String>,
    campaign_id: Option<uuid::Uuid>,
    priority: Option<TaskPriority>,
}

async fn list(state: web::Data<AppState>, q: Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let filter = TaskFilter {
        status: q.status,
        agent_id: q.agent_id.filter(|a| !a.is_empty()),
        campaign_id: q.campaign_id,
        priority: q.priority,
    };
    Ok(HttpResponse::Ok().json(state.list_tasks(filter, page).await?))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<TaskInput>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.validate(Some(caller.0.user.id))?;
    let task = state.enqueue(new).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/tasks/{}", task.id)))
        .json(task))
}

/// `?wait=N`: long-poll up to N seconds for the task to finish.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Seconds to wait for the task to finish (0–60).
    #[param(minimum = 0, maximum = 60)]
    wait: Option<f64>,
}

/// Polls until the task is finished or `wait` runs out; returns the latest state.
pub async fn wait_for(
    state: &AppState,
    id: uuid::Uuid,
    wait: Option<f64>,
) -> Result<seo_domain::Task, ApiError> {
    let max = state.http.max_wait.as_secs_f64();
    let wait = match wait {
        None => 0.0,
        Some(w) if w.is_finite() && (0.0..=max).contains(&w) => w,
        Some(_) => {
            return Err(seo_domain::ValidationErrors::single(
                "wait",
                "out_of_range",
                format!("must be between 0 and {max} seconds"),
            )
            .into());
        }
    };
    let wait = Duration::try_from_secs_f64(wait).unwrap_or(Duration::ZERO);
    Ok(state.wait_for_task(id, wait).await?)
}

async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<WaitQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(wait_for(&state, id, q.0.wait).await?))
}

async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<TaskInput>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let new = body.0.validate(Some(caller.0.user.id))?;
    Ok(HttpResponse::Ok().json(state.update_pending_task(id, new).await?))
}

async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_task(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.cancel_task(id).await?))
}

async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.task_stats().await?))
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let now = chrono::Utc::now().to_rfc3339();
    match (state.task_stats().await, state.queue_health().await) {
        (Ok(s), Ok(q)) => HttpResponse::Ok().json(json!({
            "status": "healthy",
            "total_tasks": s.total_tasks,
            "pending_tasks": q.pending,
            "running_tasks": q.running,
            "oldest_pending_age_seconds": q.oldest_pending_age_seconds,
            "database": "connected",
            "timestamp": now,
        })),
        (a, b) => {
            tracing::warn!(stats = ?a.err(), queue = ?b.err(), "tasks health");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unhealthy", "database": "disconnected", "timestamp": now}))
        }
    }
}

/// Registers `/api/tasks`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{
        Doc,
        shapes::{Status, TaskPage},
    };
    use seo_domain::{Task, TaskStats};
    let (read, write) = (needs(Permission::TasksRead), needs(Permission::TasksWrite));
    t.add(Method::GET, "/api/tasks", read, list)
        .doc(
            Doc::new("List tasks (newest first)")
                .query::<ListQuery>()
                .ok::<TaskPage>(200),
        )
        .add(Method::POST, "/api/tasks", write, create)
        .doc(
            Doc::new("Queue a task (202, pending)")
                .body::<TaskInput>()
                .ok::<Task>(202),
        )
        .add(Method::GET, "/api/tasks/stats/summary", read, stats)
        .doc(Doc::new("Counts by status, priority and type; durations").ok::<TaskStats>(200))
        .add(Method::GET, "/api/tasks/health/tasks", read, health)
        .doc(Doc::new("Queue health").ok::<Status>(200))
        .add(Method::GET, "/api/tasks/{id}", read, get)
        .doc(
            Doc::new("Get a task; ?wait=N long-polls until it finishes")
                .query::<WaitQuery>()
                .ok::<Task>(200),
        )
        .add(Method::PUT, "/api/tasks/{id}", write, replace)
        .doc(
            Doc::new("Replace a pending task")
                .body::<TaskInput>()
                .ok::<Task>(200),
        )
        .add(Method::DELETE, "/api/tasks/{id}", write, delete)
        .doc(Doc::new("Delete a task that is not running").no_content())
        .add(Method::POST, "/api/tasks/{id}/cancel", write, cancel)
        .doc(Doc::new("Cancel a pending or running task").ok::<Task>(200))
        .add(Method::GET, "/api/tasks/{id}/report", read, report)
        .doc(
            Doc::new("The document of a completed reporting task, as a download: html (one self-contained page), pdf (A4, page numbers), csv or json; 409 for another task or one not completed")
                .query::<ReportQuery>()
                .download()
                .also(409, "not a completed reporting task"),
        );
}
