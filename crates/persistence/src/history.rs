//! Reads of the agency's history for management agents: stored results by host, the whole
//! sales pipeline, a client's recent work, and every agent's queue load. Each read is
//! bounded so a large history never loads without limit.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{Lead, Proposal, StageChange, Task};
use uuid::Uuid;

use crate::leads::{ChangeRow, LeadRow};
use crate::proposals::ProposalRow;
use crate::schema::{campaigns, lead_stage_changes, leads, proposals, tasks};
use crate::tasks::TaskRow;
use crate::{Database, DbError, DbResult, utc};

/// Most rows of one kind a history read returns.
pub const MAX_HISTORY_ROWS: i64 = 50_000;

/// One task's agent, status and run time, for load figures.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSample {
    /// Agent.
    pub agent_id: String,
    /// Stored status name.
    pub status: String,
    /// Run time, for finished tasks.
    pub duration_ms: Option<i64>,
}

impl Database {
    /// The newest completed tasks of `agent_id` matching the filters, newest first, at most
    /// `limit`. `url_host` keeps tasks whose input mentions that host (at most 200; the
    /// caller checks the input's `url` exactly).
    pub async fn recent_completed_tasks(
        &self,
        agent_id: &str,
        task_type: Option<&str>,
        client_id: Option<Uuid>,
        campaign_id: Option<Uuid>,
        url_host: Option<&str>,
        limit: usize,
    ) -> DbResult<Vec<Task>> {
        let agent_id = agent_id.to_string();
        let task_type = task_type.map(str::to_string);
        let fetch = if url_host.is_some() {
            200
        } else {
            i64::try_from(limit).unwrap_or(1)
        };
        let like = url_host.map(crate::contains_pattern);
        self.run(move |mut conn| async move {
            let rows: Vec<TaskRow> = db_run!(conn, c => {
                let mut q = tasks::table
                    .filter(tasks::agent_id.eq(agent_id.clone()))
                    .filter(tasks::status.eq("completed"))
                    .into_boxed();
                if let Some(t) = &task_type {
                    q = q.filter(tasks::task_type.eq(t.clone()));
                }
                if let Some(id) = client_id {
                    q = q.filter(tasks::client_id.eq(id.to_string()));
                }
                if let Some(id) = campaign_id {
                    q = q.filter(tasks::campaign_id.eq(id.to_string()));
                }
                if let Some(l) = &like {
                    q = q.filter(tasks::input.like(l.clone()).escape('\\'));
                }
                q.select(TaskRow::as_select())
                    .order((tasks::finished_at.desc(), tasks::id.desc()))
                    .limit(fetch)
                    .load(c)
                    .await
            })?;
            let out = rows
                .into_iter()
                .map(TaskRow::into_domain)
                .collect::<DbResult<Vec<_>>>()?;
            Ok(out)
        })
        .await
    }

    /// Every lead, stage move and proposal (each at most [`MAX_HISTORY_ROWS`], newest kept).
    pub async fn pipeline_records(&self) -> DbResult<(Vec<Lead>, Vec<StageChange>, Vec<Proposal>)> {
        self.run(move |mut conn| async move {
            let (l, ch, p): (Vec<LeadRow>, Vec<ChangeRow>, Vec<ProposalRow>) = db_run!(conn, c => {
                let l = leads::table
                    .select(LeadRow::as_select())
                    .order(leads::created_at.desc())
                    .limit(MAX_HISTORY_ROWS)
                    .load(c)
                    .await?;
                let ch = lead_stage_changes::table
                    .select(ChangeRow::as_select())
                    .order((lead_stage_changes::created_at.desc(), lead_stage_changes::id.desc()))
                    .limit(MAX_HISTORY_ROWS)
                    .load(c)
                    .await?;
                let p = proposals::table
                    .select(ProposalRow::as_select())
                    .order(proposals::created_at.desc())
                    .limit(MAX_HISTORY_ROWS)
                    .load(c)
                    .await?;
                Ok::<_, DbError>((l, ch, p))
            })?;
            let mut changes = ch
                .into_iter()
                .map(ChangeRow::into_domain)
                .collect::<DbResult<Vec<_>>>()?;
            changes.reverse();
            Ok((
                l.into_iter()
                    .map(LeadRow::into_domain)
                    .collect::<DbResult<Vec<_>>>()?,
                changes,
                p.into_iter()
                    .map(ProposalRow::into_domain)
                    .collect::<DbResult<Vec<_>>>()?,
            ))
        })
        .await
    }

    /// A client's tasks (its own or its campaigns') created since `since`, newest first
    /// (at most [`MAX_HISTORY_ROWS`]), and when its newest task of any age was created.
    pub async fn client_tasks_since(
        &self,
        client_id: Uuid,
        since: DateTime<Utc>,
    ) -> DbResult<(Vec<Task>, Option<DateTime<Utc>>)> {
        let since = since.naive_utc();
        let cid = client_id.to_string();
        self.run(move |mut conn| async move {
            let (rows, last): (Vec<TaskRow>, Option<chrono::NaiveDateTime>) = db_run!(conn, c => {
                let theirs = campaigns::table
                    .filter(campaigns::client_id.eq(cid.clone()))
                    .select(campaigns::id.nullable());
                let of_client = tasks::client_id
                    .eq(cid.clone())
                    .or(tasks::campaign_id.eq_any(theirs));
                let rows = tasks::table
                    .filter(of_client.clone())
                    .filter(tasks::created_at.ge(since))
                    .select(TaskRow::as_select())
                    .order((tasks::created_at.desc(), tasks::id.desc()))
                    .limit(MAX_HISTORY_ROWS)
                    .load(c)
                    .await?;
                let last = tasks::table
                    .filter(of_client)
                    .select(diesel::dsl::max(tasks::created_at))
                    .get_result(c)
                    .await?;
                Ok::<_, DbError>((rows, last))
            })?;
            Ok((
                rows.into_iter()
                    .map(TaskRow::into_domain)
                    .collect::<DbResult<Vec<_>>>()?,
                last.map(utc),
            ))
        })
        .await
    }

    /// Tasks waiting or running now, and tasks created since `since` (at most
    /// [`MAX_HISTORY_ROWS`]): agent, status and run time.
    pub async fn task_samples(&self, since: DateTime<Utc>) -> DbResult<Vec<TaskSample>> {
        let since = since.naive_utc();
        self.run(move |mut conn| async move {
            let rows: Vec<(String, String, Option<i64>)> = db_run!(conn, c => {
                tasks::table
                    .filter(
                        tasks::created_at
                            .ge(since)
                            .or(tasks::status.eq_any(["pending", "running"])),
                    )
                    .select((tasks::agent_id, tasks::status, tasks::duration_ms))
                    .order(tasks::created_at.desc())
                    .limit(MAX_HISTORY_ROWS)
                    .load(c)
                    .await
            })?;
            Ok(rows
                .into_iter()
                .map(|(agent_id, status, duration_ms)| TaskSample {
                    agent_id,
                    status,
                    duration_ms,
                })
                .collect())
        })
        .await
    }
}
