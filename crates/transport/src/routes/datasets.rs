//! Datasets: uploading an export for a client, and reading and deleting what was imported.
//!
//! An upload is `multipart/form-data` (part `file`, optional text parts `kind`, `source`,
//! `campaign_id`, `strict`) or the file itself as the body (`text/csv`,
//! `text/tab-separated-values`, `application/octet-stream`; options in the query, `filename`
//! too). The file is streamed to a temporary file and refused with 413 past
//! `IMPORT_MAX_BYTES`; the import itself is `Service::import_dataset`.

use std::io::Write;

use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use seo_auth::Permission;
use seo_domain::{Dataset, DatasetRow, PageRequest};
use seo_service::datasets::ImportRequest;
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Caller, Query, parse_uuid};
use crate::{ApiError, AppState};

/// Options of a raw-body upload (a multipart upload sends them as text parts).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `search_performance`, `backlinks` or `traffic` (detected when absent).
    #[param(value_type = Option<KindParam>, inline)]
    kind: Option<String>,
    /// `gsc`, `yandex_webmaster`, `ga4`, `ahrefs`, `semrush`, `majestic` or `generic`.
    #[param(value_type = Option<SourceParam>, inline)]
    source: Option<String>,
    /// The campaign (it must be the client's).
    campaign_id: Option<uuid::Uuid>,
    /// Refuse the whole file when any row is bad.
    strict: Option<bool>,
    /// The file's name (raw uploads): 1–255 characters, not only spaces.
    #[param(min_length = 1, max_length = 255, pattern = r"\S")]
    filename: Option<String>,
}

/// A dataset kind, as documented.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum KindParam {
    /// Search performance.
    SearchPerformance,
    /// Backlinks.
    Backlinks,
    /// Traffic.
    Traffic,
}

/// A dataset source, as documented.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SourceParam {
    /// Google Search Console.
    Gsc,
    /// Yandex Webmaster.
    YandexWebmaster,
    /// Google Analytics 4.
    Ga4,
    /// Ahrefs.
    Ahrefs,
    /// Semrush.
    Semrush,
    /// Majestic.
    Majestic,
    /// A generic CSV.
    Generic,
}

/// A file received into a temporary file, within the size limit.
struct Received {
    file: tempfile::NamedTempFile,
    name: Option<String>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the file exceeds IMPORT_MAX_BYTES ({limit} bytes)"),
    )
}

fn bad_request(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string())
}

fn temp() -> Result<tempfile::NamedTempFile, ApiError> {
    tempfile::NamedTempFile::new().map_err(|e| {
        tracing::error!(error = %e, "cannot create a temporary file for an upload");
        ApiError::internal("the upload could not be stored")
    })
}

/// Appends a chunk to the temporary file, counting against the limit.
fn append(
    file: &mut tempfile::NamedTempFile,
    written: &mut usize,
    chunk: &[u8],
    limit: usize,
) -> Result<(), ApiError> {
    *written = written.saturating_add(chunk.len());
    if *written > limit {
        return Err(too_large(limit));
    }
    file.write_all(chunk).map_err(|e| {
        tracing::error!(error = %e, "cannot write an upload to its temporary file");
        ApiError::internal("the upload could not be stored")
    })
}

fn field_error(field: &str, code: &'static str, message: &str) -> ApiError {
    seo_domain::ValidationErrors::single(field, code, message).into()
}

async fn upload(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<UploadQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = parse_uuid(&id, "id")?;
    let limit = state.http.import_max_bytes;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut q = q.0;
    let received = if content_type.starts_with("multipart/form-data") {
        let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
        let mut got: Option<Received> = None;
        while let Some(field) = multipart.next().await {
            let mut field = field.map_err(bad_request)?;
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                let mut file = temp()?;
                let mut written = 0usize;
                while let Some(chunk) = field.next().await {
                    append(&mut file, &mut written, &chunk.map_err(bad_request)?, limit)?;
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename().map(str::to_string));
                got = Some(Received {
                    file,
                    name: file_name,
                });
                continue;
            }
            // An option: short text.
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(bad_request)?;
                if text.len() + chunk.len() > 1024 {
                    return Err(field_error(&name, "too_long", "must be at most 1024 bytes"));
                }
                text.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(text)
                .map_err(|_| field_error(&name, "invalid_value", "must be UTF-8 text"))?
                .trim()
                .to_string();
            match name.as_str() {
                "kind" => q.kind = Some(text),
                "source" => q.source = Some(text),
                "filename" => q.filename = Some(text),
                "campaign_id" => {
                    q.campaign_id = Some(parse_uuid(&text, "campaign_id")?);
                }
                "strict" => {
                    q.strict = Some(match text.as_str() {
                        "true" | "1" => true,
                        "false" | "0" | "" => false,
                        _ => {
                            return Err(field_error(
                                "strict",
                                "invalid_value",
                                "must be true or false",
                            ));
                        }
                    });
                }
                other => {
                    return Err(field_error(
                        other,
                        "unknown_field",
                        "the upload takes the parts file, kind, source, campaign_id, strict and filename",
                    ));
                }
            }
        }
        got.ok_or_else(|| {
            field_error(
                "file",
                "required",
                "a part named 'file' with the export is required",
            )
        })?
    } else if [
        "text/csv",
        "text/tab-separated-values",
        "text/plain",
        "application/octet-stream",
        "application/zip",
        "application/vnd.ms-excel",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
    {
        let mut file = temp()?;
        let mut written = 0usize;
        while let Some(chunk) = payload.next().await {
            append(&mut file, &mut written, &chunk.map_err(bad_request)?, limit)?;
        }
        Received { file, name: None }
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the export as multipart/form-data (part 'file') or as the body with Content-Type text/csv, text/tab-separated-values or application/octet-stream",
        ));
    };
    let file_name = q
        .filename
        .clone()
        .or(received.name)
        .unwrap_or_else(|| "upload.csv".to_string());
    let path = received.file.path().to_path_buf();
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(|_| ApiError::internal("the upload could not be read back"))?
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read back an upload");
            ApiError::internal("the upload could not be read back")
        })?;
    drop(received.file);
    let imported = state
        .import_dataset(ImportRequest {
            client_id,
            campaign_id: q.campaign_id,
            file_name,
            bytes,
            kind: q.kind,
            source: q.source,
            strict: q.strict.unwrap_or(false),
            created_by: Some(caller.0.user.id),
        })
        .await?;
    let mut body = serde_json::to_value(&imported.dataset).unwrap_or_default();
    crate::json_set(&mut body, "duplicate", json!(imported.duplicate));
    let location = (LOCATION, format!("/api/datasets/{}", imported.dataset.id));
    Ok(if imported.duplicate {
        HttpResponse::Ok().insert_header(location).json(body)
    } else {
        HttpResponse::Created().insert_header(location).json(body)
    })
}

/// Filters of a client's dataset list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    /// Only this kind.
    #[param(value_type = Option<String>, pattern = "^(search_performance|backlinks|traffic)$")]
    kind: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = parse_uuid(&id, "id")?;
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    if let Some(k) = &q.kind
        && !["search_performance", "backlinks", "traffic"].contains(&k.as_str())
    {
        return Err(field_error(
            "kind",
            "invalid_value",
            "must be search_performance, backlinks or traffic",
        ));
    }
    Ok(HttpResponse::Ok().json(state.list_datasets(client_id, q.kind, page).await?))
}

async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.dataset(id).await?))
}

/// Filters of a dataset's rows.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RowsQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    /// `query`, `page`, `country`, `device`, `date`, `search_appearance`, `backlink`, or a
    /// traffic report's dimension.
    dimension: Option<String>,
    /// `current` or `previous`.
    #[param(value_type = Option<String>, pattern = "^(current|previous)$")]
    period: Option<String>,
}

async fn rows(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query<RowsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    if let Some(p) = &q.period
        && !["current", "previous"].contains(&p.as_str())
    {
        return Err(field_error(
            "period",
            "invalid_value",
            "must be current or previous",
        ));
    }
    Ok(HttpResponse::Ok().json(state.dataset_rows(id, q.dimension, q.period, page).await?))
}

async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_dataset(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the dataset routes.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::Doc;
    let (read, write) = (
        needs(Permission::ClientsRead),
        needs(Permission::ClientsWrite),
    );
    t.add(Method::POST, "/api/clients/{id}/datasets", write, upload)
        .doc(
            Doc::new("Import an export file as a dataset of the client (201; the same file again: 200 with duplicate: true)")
                .upload()
                .query::<UploadQuery>()
                .ok::<Dataset>(201),
        )
        .add(Method::GET, "/api/clients/{id}/datasets", read, list)
        .doc(Doc::new("The client's datasets, newest first").query::<ListQuery>())
        .add(Method::GET, "/api/datasets/{id}", read, get)
        .doc(Doc::new("One dataset: kind, source, period, counts, row errors and summary").ok::<Dataset>(200))
        .add(Method::GET, "/api/datasets/{id}/rows", read, rows)
        .doc(Doc::new("A dataset's rows in file order").query::<RowsQuery>().ok::<DatasetRow>(200))
        .add(Method::DELETE, "/api/datasets/{id}", write, delete)
        .doc(Doc::new("Delete a dataset and its rows").no_content());
}
