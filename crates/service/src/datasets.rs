//! Imported datasets: reading an export file into a stored dataset of the client, and the
//! reads over it.

use seo_domain::{Dataset, DatasetRow, NewDataset, NewDatasetRow, Page, PageRequest};
use seo_import::{Hint, ImportError, Kind, Source};
use serde_json::json;
use uuid::Uuid;

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

/// One file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The client it belongs to.
    pub client_id: Uuid,
    /// The campaign, if any (it must be the client's).
    pub campaign_id: Option<Uuid>,
    /// The file's name as uploaded.
    pub file_name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// `search_performance`, `backlinks` or `traffic`, when the uploader says.
    pub kind: Option<String>,
    /// `gsc`, `yandex_webmaster`, `ga4`, `ahrefs`, `semrush`, `majestic` or `generic`.
    pub source: Option<String>,
    /// Refuse the whole file when any row is bad.
    pub strict: bool,
    /// Who imports it.
    pub created_by: Option<Uuid>,
}

/// A stored import, and whether it was already there (same file, same client).
#[derive(Debug, Clone)]
pub struct Imported {
    /// The dataset.
    pub dataset: Dataset,
    /// True when this file had been imported for this client before.
    pub duplicate: bool,
}

fn kind_of(s: &str) -> Option<Kind> {
    match s {
        "search_performance" => Some(Kind::SearchPerformance),
        "backlinks" => Some(Kind::Backlinks),
        "traffic" => Some(Kind::Traffic),
        _ => None,
    }
}

fn source_of(s: &str) -> Option<Source> {
    match s {
        "gsc" => Some(Source::Gsc),
        "yandex_webmaster" => Some(Source::YandexWebmaster),
        "ga4" => Some(Source::Ga4),
        "ahrefs" => Some(Source::Ahrefs),
        "semrush" => Some(Source::Semrush),
        "majestic" => Some(Source::Majestic),
        "generic" => Some(Source::Generic),
        _ => None,
    }
}

fn name_of<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A typed row as JSON text. The rows are plain structs of strings, numbers and booleans,
/// which always serialise; `null` stands in should that ever change.
fn row_json<T: serde::Serialize>(row: &T) -> String {
    serde_json::to_string(row).unwrap_or_else(|_| "null".into())
}

/// Most characters in an imported file's name.
pub const FILE_NAME_MAX_CHARS: usize = 255;

impl Service {
    /// Reads one export file and stores it as a dataset of the client, rows and all, in one
    /// transaction. The same file again for the same client returns the stored dataset with
    /// `duplicate`. A file that fits no known export, or (strict) has a bad row, is refused
    /// with 422 on `file` and nothing is stored.
    pub async fn import_dataset(&self, req: ImportRequest) -> ServiceResult<Imported> {
        let file_name = req.file_name.trim().to_string();
        if file_name.is_empty() || req.file_name.chars().count() > FILE_NAME_MAX_CHARS {
            return Err(ServiceError::invalid(
                "filename",
                "invalid_value",
                format!("must be 1–{FILE_NAME_MAX_CHARS} characters"),
            ));
        }
        let kind = match req.kind.as_deref() {
            None => None,
            Some(k) => Some(kind_of(k).ok_or_else(|| {
                ServiceError::invalid(
                    "kind",
                    "invalid_value",
                    "must be search_performance, backlinks or traffic",
                )
            })?),
        };
        let source = match req.source.as_deref() {
            None => None,
            Some(s) => Some(source_of(s).ok_or_else(|| {
                ServiceError::invalid(
                    "source",
                    "invalid_value",
                    "must be gsc, yandex_webmaster, ga4, ahrefs, semrush, majestic or generic",
                )
            })?),
        };
        self.db.get_client(req.client_id).await?;
        if let Some(cid) = req.campaign_id {
            let campaign = match self.db.get_campaign(cid).await {
                Ok(c) => c,
                Err(seo_persistence::DbError::NotFound(_)) => {
                    return Err(ServiceError::invalid(
                        "campaign_id",
                        "invalid_reference",
                        format!("campaign {cid} does not exist"),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            if campaign.client_id != req.client_id {
                return Err(ServiceError::invalid(
                    "campaign_id",
                    "invalid_reference",
                    "the campaign belongs to another client",
                ));
            }
        }
        if req.bytes.is_empty() {
            return Err(ServiceError::invalid(
                "file",
                "empty_file",
                "the file is empty",
            ));
        }
        let sha256 = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(&req.bytes);
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let name = file_name.clone();
        let bytes = req.bytes;
        let strict = req.strict;
        // Parsing a large file is CPU work: off the async workers.
        let mut parsed = tokio::task::spawn_blocking(move || {
            seo_import::parse(&name, &bytes, Hint { kind, source }, strict)
        })
        .await
        .map_err(|e| ServiceError::Conflict(format!("the import was interrupted: {e}")))?
        .map_err(|e| {
            let code = match &e {
                ImportError::Unreadable { .. } => "unreadable_file",
                ImportError::Unrecognised { .. } => "unrecognised_export",
                ImportError::HintMismatch { .. } => "kind_mismatch",
                ImportError::Strict { .. } => "invalid_rows",
            };
            ServiceError::invalid("file", code, e.to_string())
        })?;
        let summary = seo_import::summarise(&parsed);
        // The rows become stored rows one batch at a time, inside the insert: a large file's
        // rows are never held in two forms at once.
        let search = std::mem::take(&mut parsed.search);
        let backlinks = std::mem::take(&mut parsed.backlinks);
        let traffic = std::mem::take(&mut parsed.traffic);
        let rows = search
            .into_iter()
            .map(|r| NewDatasetRow {
                dimension: name_of(r.dimension),
                period: name_of(r.period),
                data: row_json(&r),
                key: r.key,
            })
            .chain(backlinks.into_iter().map(|r| NewDatasetRow {
                dimension: "backlink".into(),
                period: "current".into(),
                data: row_json(&r),
                key: r.source_url,
            }))
            .chain(traffic.into_iter().map(|r| NewDatasetRow {
                period: "current".into(),
                data: row_json(&r),
                dimension: r.dimension,
                key: r.key,
            }));
        let new = NewDataset {
            client_id: req.client_id,
            campaign_id: req.campaign_id,
            kind: name_of(parsed.kind),
            source: name_of(parsed.source),
            file_name,
            sha256,
            period_from: parsed.period_from,
            period_to: parsed.period_to,
            rows_rejected: i64::try_from(parsed.rows_rejected).unwrap_or(i64::MAX),
            errors: json!(parsed.errors),
            summary,
            created_by: req.created_by,
        };
        let (dataset, duplicate) = self.db.create_dataset(new, rows).await?;
        tracing::info!(dataset_id = %dataset.id, client_id = %dataset.client_id, kind = %dataset.kind, rows = dataset.rows_accepted, duplicate, "dataset imported");
        Ok(Imported { dataset, duplicate })
    }

    /// One dataset.
    pub async fn dataset(&self, id: Uuid) -> ServiceResult<Dataset> {
        Ok(self.db.get_dataset(id).await?)
    }

    /// A client's datasets, newest first.
    pub async fn list_datasets(
        &self,
        client_id: Uuid,
        kind: Option<String>,
        page: PageRequest,
    ) -> ServiceResult<Page<Dataset>> {
        self.db.get_client(client_id).await?;
        Ok(self.db.list_datasets(client_id, kind, page).await?)
    }

    /// A dataset's rows in file order.
    pub async fn dataset_rows(
        &self,
        id: Uuid,
        dimension: Option<String>,
        period: Option<String>,
        page: PageRequest,
    ) -> ServiceResult<Page<DatasetRow>> {
        Ok(self.db.dataset_rows(id, dimension, period, page).await?)
    }

    /// Deletes a dataset and its rows.
    pub async fn delete_dataset(&self, id: Uuid) -> ServiceResult<()> {
        Ok(self.db.delete_dataset(id).await?)
    }
}
