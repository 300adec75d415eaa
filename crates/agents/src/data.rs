//! The agent data port: how an agent reads what the agency has stored — the client, the
//! campaign, and the latest results of other agents — without knowing where it is stored.
//!
//! The server's engine implements [`AgencyData`] on its database; [`MemoryData`] is the
//! in-memory implementation for embedders and tests; a detached context reads nothing
//! ([`NoData`]). An agent declares what it reads with [`crate::Agent::reads`], so the
//! registry can say which data each agent really uses.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seo_domain::{
    AuditDetail, Campaign, Client, Dataset, DatasetRow, Lead, Proposal, StageChange, Task,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// A kind of stored data an agent reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// The task's own input (every agent).
    TaskInput,
    /// The client record of the task.
    Client,
    /// The campaign record of the task.
    Campaign,
    /// Earlier results of other agents (e.g. the last audit of a domain).
    AgentResults,
    /// The live website, crawled.
    Website,
    /// Imported datasets (search performance, backlinks, traffic).
    Datasets,
    /// The sales pipeline: leads, their stage moves, proposals.
    Pipeline,
    /// Task history and queue load.
    TaskHistory,
}

impl DataKind {
    /// The serialised name (the `data_provider` filter of the agent list).
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::TaskInput => "task_input",
            DataKind::Client => "client",
            DataKind::Campaign => "campaign",
            DataKind::AgentResults => "agent_results",
            DataKind::Website => "website",
            DataKind::Datasets => "datasets",
            DataKind::Pipeline => "pipeline",
            DataKind::TaskHistory => "task_history",
        }
    }
}

/// One stored agent result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredResult {
    /// The task that produced it.
    pub task_id: Uuid,
    /// Its agent.
    pub agent_id: String,
    /// Its task type.
    pub task_type: String,
    /// The task's input.
    pub input: Value,
    /// The agent's output.
    pub output: Value,
    /// When the task finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which stored result to find: the newest completed task of `agent_id` that matches every
/// given field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultQuery {
    /// The agent whose result is wanted.
    pub agent_id: String,
    /// Only this task type.
    pub task_type: Option<String>,
    /// Only tasks of this client.
    pub client_id: Option<Uuid>,
    /// Only tasks of this campaign.
    pub campaign_id: Option<Uuid>,
    /// Only tasks whose input `url` is on this host (case-insensitive).
    pub url_host: Option<String>,
}

/// The sales pipeline as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pipeline {
    /// Every lead.
    pub leads: Vec<Lead>,
    /// Every stage move, oldest first.
    pub changes: Vec<StageChange>,
    /// Every proposal.
    pub proposals: Vec<Proposal>,
}

/// A client's records and work since a date.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientActivity {
    /// The client's campaigns.
    pub campaigns: Vec<Campaign>,
    /// Tasks of the client (or its campaigns) created since the date, newest first.
    pub tasks: Vec<Task>,
    /// When the client was last worked on (its newest task), at any time.
    pub last_task_at: Option<DateTime<Utc>>,
}

/// One agent's queue and its recent task history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentLoad {
    /// The agent.
    pub agent_id: String,
    /// Tasks waiting now.
    pub pending: i64,
    /// Tasks running now.
    pub running: i64,
    /// Tasks completed since the date.
    pub completed: i64,
    /// Tasks failed or timed out since the date.
    pub failed: i64,
    /// Run times (ms) of the tasks completed since the date.
    pub durations_ms: Vec<f64>,
}

/// Why stored data could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("stored data unavailable: {0}")]
pub struct DataError(pub String);

/// Read access to what the agency has stored.
#[async_trait]
pub trait AgencyData: Send + Sync + 'static {
    /// A client by id.
    async fn client(&self, id: Uuid) -> Result<Option<Client>, DataError>;
    /// A campaign by id.
    async fn campaign(&self, id: Uuid) -> Result<Option<Campaign>, DataError>;
    /// The newest completed result matching `query`.
    async fn latest_result(&self, query: &ResultQuery) -> Result<Option<StoredResult>, DataError>;
    /// The newest imported dataset of `kind` for a client (of a campaign, when given).
    async fn latest_dataset(
        &self,
        _client_id: Uuid,
        _campaign_id: Option<Uuid>,
        _kind: &str,
    ) -> Result<Option<Dataset>, DataError> {
        Ok(None)
    }
    /// Every row of a dataset of one dimension (all when `None`), in file order.
    async fn dataset_rows(
        &self,
        _dataset_id: Uuid,
        _dimension: Option<&str>,
    ) -> Result<Vec<DatasetRow>, DataError> {
        Ok(Vec::new())
    }
    /// The newest completed results matching `query`, newest first, at most `limit`.
    async fn recent_results(
        &self,
        query: &ResultQuery,
        limit: usize,
    ) -> Result<Vec<StoredResult>, DataError> {
        let latest = self.latest_result(query).await?;
        Ok(latest.into_iter().take(limit).collect())
    }
    /// The sales pipeline (`None`: this store has none).
    async fn pipeline(&self) -> Result<Option<Pipeline>, DataError> {
        Ok(None)
    }
    /// A client's campaigns and tasks since `since` (`None`: this store has none).
    async fn client_activity(
        &self,
        _client_id: Uuid,
        _since: DateTime<Utc>,
    ) -> Result<Option<ClientActivity>, DataError> {
        Ok(None)
    }
    /// Every agent's queue and task history since `since` (`None`: this store has none).
    async fn agent_load(&self, _since: DateTime<Utc>) -> Result<Option<Vec<AgentLoad>>, DataError> {
        Ok(None)
    }
    /// The newest stored audit of a campaign, with its snapshot (`None`: none, or this
    /// store keeps no audits).
    async fn latest_audit(&self, _campaign_id: Uuid) -> Result<Option<AuditDetail>, DataError> {
        Ok(None)
    }
}

/// The host of a URL or bare domain, lower-cased (`https://Example.com/x` → `example.com`).
pub fn host_of(url: &str) -> Option<String> {
    let t = url.trim();
    let with_scheme = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    url::Url::parse(&with_scheme)
        .ok()?
        .host_str()
        .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
}

/// Reads nothing: every lookup finds nothing (direct runs, the CLI, the self-test).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoData;

#[async_trait]
impl AgencyData for NoData {
    async fn client(&self, _: Uuid) -> Result<Option<Client>, DataError> {
        Ok(None)
    }
    async fn campaign(&self, _: Uuid) -> Result<Option<Campaign>, DataError> {
        Ok(None)
    }
    async fn latest_result(&self, _: &ResultQuery) -> Result<Option<StoredResult>, DataError> {
        Ok(None)
    }
}

/// An in-memory store for embedders and tests: put records and results in, agents read them.
///
/// ```
/// use seo_agents::data::{AgencyData, MemoryData, ResultQuery};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let data = MemoryData::default();
/// let task = uuid::Uuid::new_v4();
/// data.add_result(seo_agents::data::StoredResult {
///     task_id: task,
///     agent_id: "technical_seo_auditor".into(),
///     task_type: "technical_seo_audit".into(),
///     input: serde_json::json!({"url": "https://example.com/"}),
///     output: serde_json::json!({"score": 71.5}),
///     finished_at: None,
/// }, None, None);
/// let q = ResultQuery { agent_id: "technical_seo_auditor".into(), ..Default::default() };
/// assert_eq!(data.latest_result(&q).await.unwrap().unwrap().output["score"], 71.5);
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct MemoryData {
    inner: Arc<RwLock<Store>>,
}

#[derive(Debug, Default)]
struct Store {
    clients: BTreeMap<Uuid, Client>,
    campaigns: BTreeMap<Uuid, Campaign>,
    /// Oldest first, with the client and campaign each belongs to.
    results: Vec<(StoredResult, Option<Uuid>, Option<Uuid>)>,
    /// Oldest first, with their rows.
    datasets: Vec<(Dataset, Vec<DatasetRow>)>,
    pipeline: Option<Pipeline>,
    activity: BTreeMap<Uuid, ClientActivity>,
    load: Option<Vec<AgentLoad>>,
    /// Oldest first.
    audits: Vec<AuditDetail>,
}

impl MemoryData {
    /// Adds or replaces a client.
    pub fn add_client(&self, c: Client) {
        self.write().clients.insert(c.id, c);
    }

    /// Adds or replaces a campaign.
    pub fn add_campaign(&self, c: Campaign) {
        self.write().campaigns.insert(c.id, c);
    }

    /// Adds a result (newer than every result added before it).
    pub fn add_result(&self, r: StoredResult, client_id: Option<Uuid>, campaign_id: Option<Uuid>) {
        self.write().results.push((r, client_id, campaign_id));
    }

    /// Adds a dataset with its rows (newer than every dataset added before it).
    pub fn add_dataset(&self, d: Dataset, rows: Vec<DatasetRow>) {
        self.write().datasets.push((d, rows));
    }

    /// Sets the sales pipeline.
    pub fn set_pipeline(&self, p: Pipeline) {
        self.write().pipeline = Some(p);
    }

    /// Sets a client's activity (returned whatever the `since` asked).
    pub fn set_client_activity(&self, client_id: Uuid, a: ClientActivity) {
        self.write().activity.insert(client_id, a);
    }

    /// Sets the agents' queue load.
    pub fn set_agent_load(&self, load: Vec<AgentLoad>) {
        self.write().load = Some(load);
    }

    /// Adds a stored audit (newer than every audit added before it).
    pub fn add_audit(&self, a: AuditDetail) {
        self.write().audits.push(a);
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl AgencyData for MemoryData {
    async fn client(&self, id: Uuid) -> Result<Option<Client>, DataError> {
        Ok(self.read().clients.get(&id).cloned())
    }
    async fn campaign(&self, id: Uuid) -> Result<Option<Campaign>, DataError> {
        Ok(self.read().campaigns.get(&id).cloned())
    }
    async fn latest_result(&self, q: &ResultQuery) -> Result<Option<StoredResult>, DataError> {
        Ok(self.recent_results(q, 1).await?.into_iter().next())
    }
    async fn recent_results(
        &self,
        q: &ResultQuery,
        limit: usize,
    ) -> Result<Vec<StoredResult>, DataError> {
        Ok(self
            .read()
            .results
            .iter()
            .rev()
            .filter(|(r, client, campaign)| {
                r.agent_id == q.agent_id
                    && q.task_type.as_ref().is_none_or(|t| *t == r.task_type)
                    && q.client_id.is_none_or(|c| *client == Some(c))
                    && q.campaign_id.is_none_or(|c| *campaign == Some(c))
                    && q.url_host.as_ref().is_none_or(|h| {
                        r.input
                            .get("url")
                            .and_then(Value::as_str)
                            .and_then(host_of)
                            .as_ref()
                            == Some(h)
                    })
            })
            .take(limit)
            .map(|(r, _, _)| r.clone())
            .collect())
    }
    async fn pipeline(&self) -> Result<Option<Pipeline>, DataError> {
        Ok(self.read().pipeline.clone())
    }
    async fn client_activity(
        &self,
        client_id: Uuid,
        _since: DateTime<Utc>,
    ) -> Result<Option<ClientActivity>, DataError> {
        Ok(self.read().activity.get(&client_id).cloned())
    }
    async fn agent_load(&self, _since: DateTime<Utc>) -> Result<Option<Vec<AgentLoad>>, DataError> {
        Ok(self.read().load.clone())
    }
    async fn latest_audit(&self, campaign_id: Uuid) -> Result<Option<AuditDetail>, DataError> {
        Ok(self
            .read()
            .audits
            .iter()
            .rev()
            .find(|a| a.audit.campaign_id == Some(campaign_id))
            .cloned())
    }
    async fn latest_dataset(
        &self,
        client_id: Uuid,
        campaign_id: Option<Uuid>,
        kind: &str,
    ) -> Result<Option<Dataset>, DataError> {
        Ok(self
            .read()
            .datasets
            .iter()
            .rev()
            .find(|(d, _)| {
                d.client_id == client_id
                    && d.kind == kind
                    && campaign_id.is_none_or(|c| d.campaign_id == Some(c))
            })
            .map(|(d, _)| d.clone()))
    }
    async fn dataset_rows(
        &self,
        dataset_id: Uuid,
        dimension: Option<&str>,
    ) -> Result<Vec<DatasetRow>, DataError> {
        Ok(self
            .read()
            .datasets
            .iter()
            .find(|(d, _)| d.id == dataset_id)
            .map(|(_, rows)| {
                rows.iter()
                    .filter(|r| dimension.is_none_or(|x| r.dimension == x))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }
}
