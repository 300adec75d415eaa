//! Imported datasets: one export file of a client (search performance, backlinks or
//! traffic) and its typed rows.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A stored import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dataset {
    pub id: Uuid,
    pub client_id: Uuid,
    pub campaign_id: Option<Uuid>,
    /// `search_performance`, `backlinks` or `traffic`.
    pub kind: String,
    /// `gsc`, `yandex_webmaster`, `ga4`, `ahrefs`, `semrush`, `majestic` or `generic`.
    pub source: String,
    pub file_name: String,
    /// Hex SHA-256 of the file as uploaded.
    pub sha256: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    /// The first refused rows: `[{row, column, message}]`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub errors: Value,
    /// Totals per dimension (see the importer's summary).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: Value,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A dataset to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDataset {
    pub client_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub kind: String,
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub rows_rejected: i64,
    pub errors: Value,
    pub summary: Value,
    pub created_by: Option<Uuid>,
}

/// One row of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetRow {
    /// Position in the dataset, from 1.
    pub n: i64,
    /// `query`, `page`, `country`, `device`, `date`, `search_appearance`, `backlink`, or a
    /// traffic report's dimension.
    pub dimension: String,
    /// `current` or `previous`.
    pub period: String,
    /// The row's key (query text, URL, date…).
    pub key: String,
    /// The typed row.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
}

/// A row to store (its position is its place in the list).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDatasetRow {
    pub dimension: String,
    pub period: String,
    pub key: String,
    /// The row as JSON text (serialised once, straight from the typed row: no `Value` tree
    /// is built for each of a large file's rows).
    pub data: String,
}
