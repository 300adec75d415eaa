//! Aggregates for the analytics endpoints, computed from stored rows.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Double, Nullable};
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::schema::{campaigns, clients, tasks};
use crate::{Database, DbResult};

/// Business figures over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusinessSummary {
    /// Clients created in the window.
    pub new_clients: i64,
    /// Clients in total.
    pub total_clients: i64,
    /// Campaigns active now.
    pub active_campaigns: i64,
    /// Sum of the budgets of active and paused campaigns.
    pub running_budget: f64,
    /// Tasks completed in the window.
    pub tasks_completed: i64,
    /// Tasks failed or timed out in the window.
    pub tasks_failed: i64,
    /// Mean run time of the tasks completed in the window, ms.
    pub mean_task_duration_ms: Option<f64>,
}

impl Database {
    /// Business figures since `since`.
    pub async fn business_summary(&self, since: DateTime<Utc>) -> DbResult<BusinessSummary> {
        self.run(move |mut conn| async move {
            let since = since.naive_utc();
            db_run!(conn, c => {
                let new_clients = clients::table.filter(clients::created_at.ge(since)).count().get_result(c).await?;
                let total_clients = clients::table.count().get_result(c).await?;
                let active_campaigns = campaigns::table.filter(campaigns::status.eq("active")).count().get_result(c).await?;
                let running_budget: Option<f64> = campaigns::table
                    .filter(campaigns::status.eq_any(["active", "paused"]))
                    .select(sql::<Nullable<Double>>("SUM(budget)"))
                    .get_result(c)
                    .await?;
                let finished = tasks::table.filter(tasks::finished_at.ge(since));
                let tasks_completed = finished.filter(tasks::status.eq("completed")).count().get_result(c).await?;
                let tasks_failed = finished.filter(tasks::status.eq_any(["failed", "timed_out"])).count().get_result(c).await?;
                let mean_task_duration_ms: Option<f64> = finished
                    .filter(tasks::status.eq("completed"))
                    .select(sql::<Nullable<Double>>("AVG(CAST(duration_ms AS DOUBLE PRECISION))"))
                    .get_result(c)
                    .await?;
                Ok(BusinessSummary {
                    new_clients,
                    total_clients,
                    active_campaigns,
                    running_budget: running_budget.unwrap_or(0.0),
                    tasks_completed,
                    tasks_failed,
                    mean_task_duration_ms,
                })
            })
        })
        .await
    }

    /// Outputs of `agent_id`'s tasks completed since `since` (newest first, at most `limit`).
    pub async fn completed_outputs(
        &self,
        agent_id: &str,
        since: DateTime<Utc>,
        limit: i64,
    ) -> DbResult<Vec<serde_json::Value>> {
        let agent = agent_id.to_string();
        self.run(move |mut conn| async move {
            let since = since.naive_utc();
            let rows: Vec<Option<String>> = db_run!(conn, c => {
                tasks::table
                    .filter(tasks::agent_id.eq(&agent))
                    .filter(tasks::status.eq("completed"))
                    .filter(tasks::finished_at.ge(since))
                    .order(tasks::finished_at.desc())
                    .limit(limit)
                    .select(tasks::output)
                    .load(c)
                    .await
            })?;
            Ok(rows
                .into_iter()
                .flatten()
                .filter_map(|s| serde_json::from_str(&s).ok())
                .collect())
        })
        .await
    }
}
