//! Imported datasets and their rows.
//!
//! Rule: a dataset and all its rows are written in one transaction, and the same file
//! (sha256) is stored once per client: a second import of it returns the first.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{Dataset, DatasetRow, NewDataset, NewDatasetRow, Page, PageRequest};
use uuid::Uuid;

use crate::schema::{dataset_rows, datasets};
use crate::{
    Database, DbError, DbResult, known_total, now, order_then_page, parse_id, parse_opt_id, utc,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = datasets)]
struct DatasetRecord {
    id: String,
    client_id: String,
    campaign_id: Option<String>,
    kind: String,
    source: String,
    file_name: String,
    sha256: String,
    period_from: Option<String>,
    period_to: Option<String>,
    rows_accepted: i64,
    rows_rejected: i64,
    errors: String,
    summary: String,
    created_by: Option<String>,
    created_at: NaiveDateTime,
}

fn day(s: Option<&str>) -> DbResult<Option<NaiveDate>> {
    s.map(|d| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DbError::Corrupt(format!("date {d}")))
    })
    .transpose()
}

impl DatasetRecord {
    fn into_domain(self) -> DbResult<Dataset> {
        Ok(Dataset {
            id: parse_id(&self.id)?,
            client_id: parse_id(&self.client_id)?,
            campaign_id: parse_opt_id(self.campaign_id.as_deref())?,
            kind: self.kind,
            source: self.source,
            file_name: self.file_name,
            sha256: self.sha256,
            period_from: day(self.period_from.as_deref())?,
            period_to: day(self.period_to.as_deref())?,
            rows_accepted: self.rows_accepted,
            rows_rejected: self.rows_rejected,
            errors: serde_json::from_str(&self.errors)?,
            summary: serde_json::from_str(&self.summary)?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            created_at: utc(self.created_at),
        })
    }
}

/// Rows per multi-row INSERT: 6 parameters each, far below SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters per statement.
const INSERT_BATCH: usize = 1000;

/// One batch of rows in one round trip: a multi-row INSERT on PostgreSQL; on SQLite one
/// blocking job that runs diesel's row-by-row batch on a cached prepared statement.
trait InsertRows {
    async fn insert_rows(&mut self, batch: Vec<RowRecord>) -> DbResult<()>;
}

impl InsertRows for crate::db::SqliteConn {
    async fn insert_rows(&mut self, batch: Vec<RowRecord>) -> DbResult<()> {
        self.spawn_blocking(move |inner| {
            diesel::RunQueryDsl::execute(
                diesel::insert_into(dataset_rows::table).values(&batch),
                inner,
            )
        })
        .await?;
        Ok(())
    }
}

impl InsertRows for diesel_async::AsyncPgConnection {
    async fn insert_rows(&mut self, batch: Vec<RowRecord>) -> DbResult<()> {
        diesel::insert_into(dataset_rows::table)
            .values(batch)
            .execute(self)
            .await?;
        Ok(())
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = dataset_rows)]
struct RowRecord {
    dataset_id: String,
    n: i64,
    dimension: String,
    period: String,
    row_key: String,
    data: String,
}

impl RowRecord {
    fn into_domain(self) -> DbResult<DatasetRow> {
        Ok(DatasetRow {
            n: self.n,
            dimension: self.dimension,
            period: self.period,
            key: self.row_key,
            data: serde_json::from_str(&self.data)?,
        })
    }
}

/// Most rows [`Database::all_dataset_rows`] returns.
pub const MAX_ROWS_READ: i64 = 200_000;

fn dataset_not_found() -> DbError {
    DbError::NotFound("dataset")
}

impl Database {
    /// Stores a dataset and its rows in one transaction, unless the client already has a
    /// dataset of the same file (sha256): then that one is returned with `true` and nothing is
    /// written. The rows are drawn from `rows` as they are inserted, a batch at a time, so a
    /// large file's rows are never all held twice.
    pub async fn create_dataset<I>(&self, new: NewDataset, rows: I) -> DbResult<(Dataset, bool)>
    where
        I: IntoIterator<Item = NewDatasetRow>,
        I::IntoIter: Send + 'static,
    {
        let id = Uuid::new_v4().to_string();
        let mut record = DatasetRecord {
            id: id.clone(),
            client_id: new.client_id.to_string(),
            campaign_id: new.campaign_id.map(|c| c.to_string()),
            kind: new.kind,
            source: new.source,
            file_name: new.file_name,
            sha256: new.sha256,
            period_from: new.period_from.map(|d| d.to_string()),
            period_to: new.period_to.map(|d| d.to_string()),
            rows_accepted: 0,
            rows_rejected: new.rows_rejected,
            errors: new.errors.to_string(),
            summary: new.summary.to_string(),
            created_by: new.created_by.map(|u| u.to_string()),
            created_at: now(),
        };
        let mut rows = rows.into_iter();
        self.run(move |mut conn| async move {
            let (row, duplicate): (DatasetRecord, bool) = db_tx!(conn, c => {
                let existing: Option<DatasetRecord> = datasets::table
                    .filter(datasets::client_id.eq(&record.client_id))
                    .filter(datasets::sha256.eq(&record.sha256))
                    .select(DatasetRecord::as_select())
                    .first(c)
                    .await
                    .optional()?;
                if let Some(e) = existing {
                    return Ok((e, true));
                }
                diesel::insert_into(datasets::table).values(&record).execute(c).await?;
                let mut n: i64 = 0;
                loop {
                    let mut batch = Vec::with_capacity(INSERT_BATCH);
                    for r in rows.by_ref().take(INSERT_BATCH) {
                        n += 1;
                        batch.push(RowRecord {
                            dataset_id: id.clone(),
                            n,
                            dimension: r.dimension,
                            period: r.period,
                            row_key: r.key,
                            data: r.data,
                        });
                    }
                    if batch.is_empty() {
                        break;
                    }
                    InsertRows::insert_rows(c, batch).await?;
                }
                diesel::update(datasets::table.find(&id))
                    .set(datasets::rows_accepted.eq(n))
                    .execute(c)
                    .await?;
                record.rows_accepted = n;
                Ok((record, false))
            })?;
            Ok((row.into_domain()?, duplicate))
        })
        .await
    }

    /// One dataset.
    pub async fn get_dataset(&self, id: Uuid) -> DbResult<Dataset> {
        let id = id.to_string();
        self.run(move |mut conn| async move {
            let row: Option<DatasetRecord> = db_run!(conn, c => {
                datasets::table.find(&id).select(DatasetRecord::as_select()).first(c).await.optional()
            })?;
            row.ok_or_else(dataset_not_found)?.into_domain()
        })
        .await
    }

    /// A client's datasets, newest first, optionally of one kind.
    pub async fn list_datasets(
        &self,
        client_id: Uuid,
        kind: Option<String>,
        page: PageRequest,
    ) -> DbResult<Page<Dataset>> {
        let client = client_id.to_string();
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<DatasetRecord>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = datasets::table.filter(datasets::client_id.eq(client.clone())).into_boxed();
                    if let Some(k) = &kind {
                        q = q.filter(datasets::kind.eq(k.clone()));
                    }
                    q
                };
                let rows: Vec<DatasetRecord> = build()
                    .select(DatasetRecord::as_select())
                    .order(order_then_page("created_at DESC, id DESC", page))
                    .load(c)
                    .await?;
                let total = match known_total(page, rows.len()) {
                    Some(t) => t,
                    None => build().count().get_result(c).await?,
                };
                Ok::<_, DbError>((rows, total))
            })?;
            let items = rows.into_iter().map(DatasetRecord::into_domain).collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// The newest dataset of `kind` for a client (of a campaign, when given).
    pub async fn latest_dataset(
        &self,
        client_id: Uuid,
        campaign_id: Option<Uuid>,
        kind: &str,
    ) -> DbResult<Option<Dataset>> {
        let (client, campaign, kind) = (
            client_id.to_string(),
            campaign_id.map(|c| c.to_string()),
            kind.to_string(),
        );
        self.run(move |mut conn| async move {
            let row: Option<DatasetRecord> = db_run!(conn, c => {
                let mut q = datasets::table
                    .filter(datasets::client_id.eq(client.clone()))
                    .filter(datasets::kind.eq(kind.clone()))
                    .into_boxed();
                if let Some(cid) = &campaign {
                    q = q.filter(datasets::campaign_id.eq(cid.clone()));
                }
                q.select(DatasetRecord::as_select())
                    .order((datasets::created_at.desc(), datasets::id.desc()))
                    .first(c)
                    .await
                    .optional()
            })?;
            row.map(DatasetRecord::into_domain).transpose()
        })
        .await
    }

    /// Rows of a dataset in file order, optionally of one dimension and period.
    pub async fn dataset_rows(
        &self,
        id: Uuid,
        dimension: Option<String>,
        period: Option<String>,
        page: PageRequest,
    ) -> DbResult<Page<DatasetRow>> {
        let id = id.to_string();
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<RowRecord>, i64) = db_run!(conn, c => {
                let exists: i64 = datasets::table.filter(datasets::id.eq(&id)).count().get_result(c).await?;
                if exists == 0 {
                    return Err(dataset_not_found());
                }
                let build = || {
                    let mut q = dataset_rows::table.filter(dataset_rows::dataset_id.eq(id.clone())).into_boxed();
                    if let Some(d) = &dimension {
                        q = q.filter(dataset_rows::dimension.eq(d.clone()));
                    }
                    if let Some(p) = &period {
                        q = q.filter(dataset_rows::period.eq(p.clone()));
                    }
                    q
                };
                let rows: Vec<RowRecord> = build()
                    .select(RowRecord::as_select())
                    .order(order_then_page("n ASC", page))
                    .load(c)
                    .await?;
                let total = match known_total(page, rows.len()) {
                    Some(t) => t,
                    None => build().count().get_result(c).await?,
                };
                Ok::<_, DbError>((rows, total))
            })?;
            let items = rows.into_iter().map(RowRecord::into_domain).collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// Every row of a dataset of one dimension (all when `None`), in file order, at most
    /// [`MAX_ROWS_READ`] (what an agent reads in one go).
    pub async fn all_dataset_rows(
        &self,
        id: Uuid,
        dimension: Option<String>,
    ) -> DbResult<Vec<DatasetRow>> {
        let id = id.to_string();
        self.run(move |mut conn| async move {
            let rows: Vec<RowRecord> = db_run!(conn, c => {
                let mut q = dataset_rows::table.filter(dataset_rows::dataset_id.eq(id.clone())).into_boxed();
                if let Some(d) = &dimension {
                    q = q.filter(dataset_rows::dimension.eq(d.clone()));
                }
                q.select(RowRecord::as_select())
                    .order(dataset_rows::n.asc())
                    .limit(MAX_ROWS_READ)
                    .load(c)
                    .await
            })?;
            rows.into_iter().map(RowRecord::into_domain).collect()
        })
        .await
    }

    /// Deletes a dataset and its rows.
    pub async fn delete_dataset(&self, id: Uuid) -> DbResult<()> {
        let id = id.to_string();
        self.run(move |mut conn| async move {
            db_tx!(conn, c => {
                diesel::delete(dataset_rows::table.filter(dataset_rows::dataset_id.eq(&id))).execute(c).await?;
                let n = diesel::delete(datasets::table.filter(datasets::id.eq(&id))).execute(c).await?;
                if n == 0 {
                    return Err(dataset_not_found());
                }
                Ok(())
            })
        })
        .await
    }
}
