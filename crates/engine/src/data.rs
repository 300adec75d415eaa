//! The agent data port on the database: what an agent reads of the agency's stored data.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seo_agents::data::{
    AgencyData, AgentLoad, ClientActivity, DataError, Pipeline, ResultQuery, StoredResult, host_of,
};
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
        Ok(self.recent_results(q, 1).await?.into_iter().next())
    }

    async fn recent_results(
        &self,
        q: &ResultQuery,
        limit: usize,
    ) -> Result<Vec<StoredResult>, DataError> {
        let tasks = absent(
            self.db
                .recent_completed_tasks(
                    &q.agent_id,
                    q.task_type.as_deref(),
                    q.client_id,
                    q.campaign_id,
                    q.url_host.as_deref(),
                    limit,
                )
                .await,
        )?
        .unwrap_or_default();
        Ok(tasks
            .into_iter()
            .filter(|t| {
                q.url_host.as_ref().is_none_or(|h| {
                    t.input
                        .get("url")
                        .and_then(serde_json::Value::as_str)
                        .and_then(host_of)
                        .as_ref()
                        == Some(h)
                })
            })
            .filter_map(|t| {
                Some(StoredResult {
                    task_id: t.id,
                    agent_id: t.agent_id,
                    task_type: t.task_type,
                    input: t.input,
                    output: t.output?,
                    finished_at: t.finished_at,
                })
            })
            .take(limit)
            .collect())
    }

    async fn pipeline(&self) -> Result<Option<Pipeline>, DataError> {
        let (leads, changes, proposals) =
            absent(self.db.pipeline_records().await)?.unwrap_or_default();
        Ok(Some(Pipeline {
            leads,
            changes,
            proposals,
        }))
    }

    async fn client_activity(
        &self,
        client_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Option<ClientActivity>, DataError> {
        let filter = seo_domain::CampaignFilter {
            client_id: Some(client_id),
            ..Default::default()
        };
        let page = seo_domain::PageRequest { page: 1, size: 100 };
        let campaigns = absent(self.db.list_campaigns(filter, page).await)?
            .map(|p| p.items)
            .unwrap_or_default();
        let (tasks, last_task_at) =
            absent(self.db.client_tasks_since(client_id, since).await)?.unwrap_or_default();
        Ok(Some(ClientActivity {
            campaigns,
            tasks,
            last_task_at,
        }))
    }

    async fn agent_load(&self, since: DateTime<Utc>) -> Result<Option<Vec<AgentLoad>>, DataError> {
        let samples = absent(self.db.task_samples(since).await)?.unwrap_or_default();
        let mut by: std::collections::BTreeMap<String, AgentLoad> = Default::default();
        for s in samples {
            let e = by.entry(s.agent_id.clone()).or_insert_with(|| AgentLoad {
                agent_id: s.agent_id.clone(),
                ..Default::default()
            });
            match s.status.as_str() {
                "pending" => e.pending += 1,
                "running" => e.running += 1,
                "completed" => {
                    e.completed += 1;
                    if let Some(ms) = s.duration_ms {
                        e.durations_ms.push(seo_domain::num::f64_of(ms));
                    }
                }
                "failed" | "timed_out" => e.failed += 1,
                _ => {}
            }
        }
        Ok(Some(by.into_values().collect()))
    }

    async fn latest_audit(
        &self,
        campaign_id: Uuid,
    ) -> Result<Option<seo_domain::AuditDetail>, DataError> {
        Ok(absent(self.db.latest_audit(campaign_id).await)?.flatten())
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
