//! The read-only figures and probes the list, stats and health routes show: one place for
//! each, so HTTP, MCP and the CLI read the same numbers the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use seo_domain::{
    Campaign, CampaignFilter, CampaignStats, CampaignStatus, ClientFilter, ClientStats, Page,
    PageRequest, TaskStats, User,
};
use seo_persistence::{BusinessSummary, PoolState, QueueHealth};
use serde::Serialize;
use uuid::Uuid;

use crate::Service;
use crate::error::ServiceResult;

/// A campaign's progress from its tasks (`GET /api/campaigns/{id}/metrics`).
#[derive(Debug, Clone, Serialize)]
pub struct CampaignMetrics {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its status.
    pub status: CampaignStatus,
    /// Keywords it tracks.
    pub keywords_tracked: usize,
    /// Objectives it has.
    pub objectives: usize,
    /// Its budget.
    pub budget: Option<f64>,
    /// Days since its start date (none before a start date is set).
    pub days_elapsed: Option<i64>,
    /// Days to its end date (0 once past).
    pub days_remaining: Option<i64>,
    /// Its tasks.
    pub tasks: TaskWindow,
}

/// Tasks counted by status, with their success rate and timing.
#[derive(Debug, Clone, Serialize)]
pub struct TaskWindow {
    /// All of them.
    pub total: i64,
    /// Counts per status.
    pub by_status: BTreeMap<String, i64>,
    /// completed ÷ finished (none before the first finished task).
    pub success_rate: Option<f64>,
    /// The newest task's creation (campaigns; null before the first task).
    pub last_task_at: Option<DateTime<Utc>>,
    /// Mean duration of finished tasks (agents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_duration_ms: Option<f64>,
    /// Longest duration of finished tasks (agents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<i64>,
}

impl TaskWindow {
    /// Tasks with this status.
    pub fn count(&self, status: &str) -> i64 {
        self.by_status.get(status).copied().unwrap_or(0)
    }
}

impl Service {
    /// Users, by page.
    pub async fn list_users(&self, page: PageRequest) -> ServiceResult<Page<User>> {
        Ok(self.db.list_users(page).await?)
    }

    /// A client's campaigns (404 for an unknown client).
    pub async fn client_campaigns(
        &self,
        client_id: Uuid,
        status: Option<CampaignStatus>,
        page: PageRequest,
    ) -> ServiceResult<Page<Campaign>> {
        self.db.get_client(client_id).await?;
        let filter = CampaignFilter {
            client_id: Some(client_id),
            status,
            ..Default::default()
        };
        Ok(self.db.list_campaigns(filter, page).await?)
    }

    /// What a campaign has produced so far, from its tasks.
    pub async fn campaign_metrics(&self, id: Uuid) -> ServiceResult<CampaignMetrics> {
        let c = self.db.get_campaign(id).await?;
        let (by_status, last_task_at) = self.db.campaign_task_counts(id).await?;
        let today = Utc::now().date_naive();
        Ok(CampaignMetrics {
            campaign_id: c.id,
            status: c.status,
            keywords_tracked: c.keywords.len(),
            objectives: c.objectives.len(),
            budget: c.budget,
            days_elapsed: c.start_date.map(|s| (today - s).num_days().max(0)),
            days_remaining: c.end_date.map(|e| (e - today).num_days().max(0)),
            tasks: TaskWindow {
                total: by_status.values().sum(),
                success_rate: crate::stats::success_rate_of(&by_status),
                by_status,
                last_task_at,
                mean_duration_ms: None,
                max_duration_ms: None,
            },
        })
    }

    /// An agent's tasks created since `since`.
    pub async fn agent_window(
        &self,
        agent_id: &str,
        since: DateTime<Utc>,
    ) -> ServiceResult<TaskWindow> {
        let (by_status, mean, max) = self.db.agent_task_window(agent_id, since).await?;
        Ok(TaskWindow {
            total: by_status.values().sum(),
            success_rate: crate::stats::success_rate_of(&by_status),
            by_status,
            last_task_at: None,
            mean_duration_ms: mean,
            max_duration_ms: max,
        })
    }

    /// Campaign aggregates.
    pub async fn campaign_stats(&self) -> ServiceResult<CampaignStats> {
        Ok(self.db.campaign_stats().await?)
    }

    /// Client aggregates.
    pub async fn client_stats(&self) -> ServiceResult<ClientStats> {
        Ok(self.db.client_stats().await?)
    }

    /// How many clients there are.
    pub async fn client_count(&self) -> ServiceResult<i64> {
        let one = PageRequest { page: 1, size: 1 };
        Ok(self
            .db
            .list_clients(ClientFilter::default(), one)
            .await?
            .total)
    }

    /// Task aggregates.
    pub async fn task_stats(&self) -> ServiceResult<TaskStats> {
        Ok(self.db.task_stats().await?)
    }

    /// The queue: pending, running, the oldest pending task's age, and tasks no registered
    /// agent can claim.
    pub async fn queue_health(&self) -> ServiceResult<QueueHealth> {
        let ids: Vec<String> = self.agents.ids().into_iter().map(String::from).collect();
        Ok(self.db.queue_health(&ids).await?)
    }

    /// Clients, campaigns, tasks and revenue since `since`.
    pub async fn business_summary(&self, since: DateTime<Utc>) -> ServiceResult<BusinessSummary> {
        Ok(self.db.business_summary(since).await?)
    }

    /// Users in all and active ones.
    pub async fn user_counts(&self) -> ServiceResult<(i64, i64)> {
        Ok(self.db.user_counts().await?)
    }

    /// The database's round trip.
    pub async fn ping_database(&self) -> ServiceResult<std::time::Duration> {
        Ok(self.db.ping().await?)
    }

    /// The connection pool's state.
    pub fn database_pool(&self) -> PoolState {
        self.db.pool_state()
    }

    /// `sqlite` or `postgres`.
    pub fn database_backend(&self) -> &'static str {
        self.db.backend().as_str()
    }
}
