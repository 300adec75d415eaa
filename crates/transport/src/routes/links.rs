//! `/api/clients/{id}/disavow…`: the disavow file and its exclusions.

use actix_web::http::Method;
use actix_web::http::header::{CONTENT_DISPOSITION, HeaderValue};
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::ExclusionInput;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Caller, Json, parse_uuid};
use crate::{ApiError, AppState};

async fn disavow(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let f = state.disavow_file(id).await?;
    // The name is built from ASCII letters, digits and dashes only.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.file_name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, disposition))
        .body(f.text))
}

async fn exclude(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<ExclusionInput>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let (e, created) = state
        .exclude_from_disavow(id, body.0, Some(caller.0.user.id))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(e)
    } else {
        HttpResponse::Ok().json(e)
    })
}

async fn exclusions(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let items = state.disavow_exclusions(id).await?;
    Ok(HttpResponse::Ok().json(json!({"total": items.len(), "items": items})))
}

/// Registers the disavow routes.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let (read, write) = (
        needs(Permission::ClientsRead),
        needs(Permission::ClientsWrite),
    );
    t.add(Method::GET, "/api/clients/{id}/disavow.txt", read, disavow)
        .doc(
            Doc::new("The client's disavow file (Google's format) from its newest link_building result, less the exclusions; comments only before the first analysis")
                .text_download(),
        )
        .add(Method::GET, "/api/clients/{id}/disavow/exclusions", read, exclusions)
        .doc(Doc::new("Entries kept out of the client's disavow file, oldest first"))
        .add(Method::POST, "/api/clients/{id}/disavow/exclusions", write, exclude)
        .doc(
            Doc::new("Keep an entry (domain:host or a URL) out of the disavow file; 201, or 200 when it already is")
                .body::<ExclusionInput>(),
        );
}
