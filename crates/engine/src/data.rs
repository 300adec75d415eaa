//! The agent data port on the database: what an agent reads of the agency's stored data.

use async_trait::async_trait;
use seo_agents::data::{AgencyData, DataError, ResultQuery, StoredResult};
use seo_domain::{Campaign, Client, Dataset, DatasetRow};
use seo_persistence::{Database, DbError};
use uuid::Uuid;

/// [`AgencyData`] read from the database.
#[derive(Debug, Clone)]
pub struct DbData {
    db: Database,
}

impl DbData {
    /// Reads from `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn absent<T>(r: Result<T, DbError>) -> Result<Option<T>, DataError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(DbError::NotFound(_)) => Ok(None),
        // The agent sees that data was unavailable, not why (the cause is logged).
        Err(e) => {
            tracing::warn!(error = %e, "agent data read failed");
            Err(DataError("the agency database did not answer".into()))
        }
    }
}

#[async_trait]
impl AgencyData for DbData {
    async fn client(&self, id: Uuid) -> Result<Option<Client>, DataError> {
        absent(self.db.get_client(id).await)
    }

    async fn campaign(&self, id: Uuid) -> Result<Option<Campaign>, DataError> {
        absent(self.db.get_campaign(id).await)
    }

    async fn latest_result(&self, q: &ResultQuery) -> Result<Option<StoredResult>, DataError> {
        let task = absent(
            self.db
                .latest_completed_task(
                    &q.agent_id,
                    q.task_type.as_deref(),
                    q.client_id,
                    q.campaign_id,
                )
                .await,
        )?
        .flatten();
        Ok(task.and_then(|t| {
            Some(StoredResult {
                task_id: t.id,
                agent_id: t.agent_id,
                task_type: t.task_type,
                input: t.input,
                output: t.output?,
                finished_at: t.finished_at,
            })
        }))
    }

    async fn latest_dataset(
        &self,
        client_id: Uuid,
        campaign_id: Option<Uuid>,
        kind: &str,
    ) -> Result<Option<Dataset>, DataError> {
        Ok(absent(self.db.latest_dataset(client_id, campaign_id, kind).await)?.flatten())
    }

    async fn dataset_rows(
        &self,
        dataset_id: Uuid,
        dimension: Option<&str>,
    ) -> Result<Vec<DatasetRow>, DataError> {
        Ok(absent(
            self.db
                .all_dataset_rows(dataset_id, dimension.map(str::to_string))
                .await,
        )?
        .unwrap_or_default())
    }
}
