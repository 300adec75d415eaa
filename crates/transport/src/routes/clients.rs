//! `/api/clients`.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{
    CampaignFilter, CampaignStatus, ClientFilter, ClientInput, ClientPatch, PageRequest,
};
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Json, Query, parse_uuid};
use crate::{ApiError, AppState};

/// Filters and paging of the client list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    industry: Option<String>,
    country: Option<String>,
    /// Least annual revenue.
    #[param(minimum = 0)]
    min_revenue: Option<i64>,
    /// Most annual revenue.
    #[param(minimum = 0)]
    max_revenue: Option<i64>,
    q: Option<String>,
}

fn nonblank(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

async fn list(state: web::Data<AppState>, q: Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let mut e = seo_domain::ValidationErrors::default();
    for (field, v) in [
        ("min_revenue", q.min_revenue),
        ("max_revenue", q.max_revenue),
    ] {
        if v.is_some_and(|v| v < 0) {
            e.add(field, "out_of_range", "must be zero or more");
        }
    }
    e.finish(())?;
    let filter = ClientFilter {
        industry: nonblank(q.industry),
        country: nonblank(q.country),
        min_revenue: q.min_revenue,
        max_revenue: q.max_revenue,
        q: nonblank(q.q),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(state.list_clients_json(filter, page).await?))
}

async fn create(
    state: web::Data<AppState>,
    body: Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    let client = state.create_client(body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/clients/{}", client.id)))
        .json(client))
}

/// `?include_campaigns=true`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    #[serde(default)]
    include_campaigns: bool,
}

async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<GetQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let client = state.client(id).await?;
    if !q.0.include_campaigns {
        return Ok(HttpResponse::Ok().json(client));
    }
    let filter = CampaignFilter {
        client_id: Some(id),
        ..Default::default()
    };
    let campaigns = state
        .list_campaigns(filter, PageRequest { page: 1, size: 100 })
        .await?;
    let mut body = serde_json::to_value(&client).map_err(ApiError::internal)?;
    crate::json_set(&mut body, "campaigns", json!(campaigns.items));
    crate::json_set(&mut body, "campaigns_total", json!(campaigns.total));
    Ok(HttpResponse::Ok().json(body))
}

async fn replace(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.replace_client(id, body.0).await?))
}

async fn patch(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<ClientPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.patch_client(id, body.0).await?))
}

async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_client(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paging and status filter of a client's campaigns.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignsQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    status: Option<CampaignStatus>,
}

async fn campaigns(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<CampaignsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let page = PageRequest::new(q.0.page, q.0.size)?;
    Ok(HttpResponse::Ok().json(state.client_campaigns(id, q.0.status, page).await?))
}

async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.client_stats().await?))
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let now = chrono::Utc::now().to_rfc3339();
    match state.client_count().await {
        Ok(total) => HttpResponse::Ok().json(json!({
            "status": "healthy", "total_clients": total, "database": "connected", "timestamp": now,
        })),
        Err(e) => {
            tracing::warn!(error = %e, "clients health");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unhealthy", "database": "disconnected", "timestamp": now}))
        }
    }
}

/// Registers `/api/clients`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{
        Doc,
        shapes::{CampaignPage, ClientPage, Status},
    };
    use seo_domain::{Client, ClientStats};
    let (read, write, del) = (
        needs(Permission::ClientsRead),
        needs(Permission::ClientsWrite),
        needs(Permission::ClientsDelete),
    );
    t.add(Method::GET, "/api/clients", read, list)
        .doc(
            Doc::new("List clients (newest first)")
                .query::<ListQuery>()
                .ok::<ClientPage>(200),
        )
        .add(Method::POST, "/api/clients", write, create)
        .doc(
            Doc::new("Create a client")
                .body::<ClientInput>()
                .ok::<Client>(201),
        )
        .add(Method::GET, "/api/clients/stats/overview", read, stats)
        .doc(Doc::new("Totals by industry and country, mean revenue").ok::<ClientStats>(200))
        .add(Method::GET, "/api/clients/health/clients", read, health)
        .doc(Doc::new("Client store health").ok::<Status>(200))
        .add(Method::GET, "/api/clients/{id}", read, get)
        .doc(
            Doc::new("Get a client (optionally with its campaigns)")
                .query::<GetQuery>()
                .ok::<Client>(200),
        )
        .add(Method::PUT, "/api/clients/{id}", write, replace)
        .doc(
            Doc::new("Replace every field of a client")
                .body::<ClientInput>()
                .ok::<Client>(200),
        )
        .add(Method::PATCH, "/api/clients/{id}", write, patch)
        .doc(
            Doc::new("Change some fields of a client (null clears)")
                .body::<ClientPatch>()
                .ok::<Client>(200),
        )
        .add(Method::DELETE, "/api/clients/{id}", del, delete)
        .doc(Doc::new("Delete a client (409 while it has draft or active campaigns)").no_content())
        .add(Method::GET, "/api/clients/{id}/campaigns", read, campaigns)
        .doc(
            Doc::new("A client's campaigns")
                .query::<CampaignsQuery>()
                .ok::<CampaignPage>(200),
        );
}
