//! Task repository: create, read, list, edit while pending, delete, statistics.
//! The queue operations (claim, lease, finish) live in `queue.rs`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Double, Nullable};
use diesel_async::RunQueryDsl;
use seo_domain::{
    NewTask, Page, PageRequest, Task, TaskFilter, TaskPriority, TaskStats, TaskStatus,
};
use uuid::Uuid;

use crate::schema::tasks;
use crate::{Database, DbError, DbResult, now, parse_id, parse_opt_id, utc};

/// `run_after` of a task that may run at once: earlier than any clock's now.
pub(crate) const NOT_BEFORE_ANY: NaiveDateTime = chrono::DateTime::UNIX_EPOCH.naive_utc();

#[derive(Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = tasks)]
pub(crate) struct TaskRow {
    pub id: String,
    pub agent_id: String,
    pub task_type: String,
    pub input: String,
    pub priority: i32,
    pub status: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub progress: i32,
    pub campaign_id: Option<String>,
    pub client_id: Option<String>,
    pub parent_id: Option<String>,
    pub created_by: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout_seconds: i32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub run_after: NaiveDateTime,
    pub duration_ms: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub workflow_run_id: Option<String>,
    pub workflow_step: Option<String>,
}

impl TaskRow {
    /// The row of a new pending task, optionally a step of a workflow run.
    pub(crate) fn new_pending(new: NewTask, step: Option<(Uuid, String)>) -> DbResult<Self> {
        let ts = now();
        let (run, step) = step.map_or((None, None), |(r, s)| (Some(r.to_string()), Some(s)));
        Ok(TaskRow {
            id: Uuid::new_v4().to_string(),
            agent_id: new.agent_id,
            task_type: new.task_type,
            input: serde_json::to_string(&new.input)?,
            priority: new.priority.rank(),
            status: TaskStatus::Pending.as_str().to_string(),
            output: None,
            error: None,
            progress: 0,
            campaign_id: new.campaign_id.map(|v| v.to_string()),
            client_id: new.client_id.map(|v| v.to_string()),
            parent_id: new.parent_id.map(|v| v.to_string()),
            created_by: new.created_by.map(|v| v.to_string()),
            attempts: 0,
            max_attempts: new.max_attempts,
            timeout_seconds: new.timeout_seconds,
            lease_owner: None,
            lease_expires_at: None,
            // "Not before": a new task may run at once, whatever any clock says.
            run_after: NOT_BEFORE_ANY,
            duration_ms: None,
            created_at: ts,
            updated_at: ts,
            started_at: None,
            finished_at: None,
            workflow_run_id: run,
            workflow_step: step,
        })
    }

    pub(crate) fn into_domain(self) -> DbResult<Task> {
        Ok(Task {
            id: parse_id(&self.id)?,
            agent_id: self.agent_id,
            task_type: self.task_type,
            input: serde_json::from_str(&self.input)?,
            priority: TaskPriority::from_rank(self.priority)
                .ok_or_else(|| DbError::Corrupt(format!("task priority {}", self.priority)))?,
            status: TaskStatus::parse(&self.status)
                .ok_or_else(|| DbError::Corrupt(format!("task status {}", self.status)))?,
            output: self
                .output
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            error: self.error.as_deref().map(decode_error),
            progress: self.progress,
            campaign_id: parse_opt_id(self.campaign_id.as_deref())?,
            client_id: parse_opt_id(self.client_id.as_deref())?,
            parent_id: parse_opt_id(self.parent_id.as_deref())?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            timeout_seconds: self.timeout_seconds,
            created_at: utc(self.created_at),
            started_at: self.started_at.map(utc),
            finished_at: self.finished_at.map(utc),
            workflow_run_id: parse_opt_id(self.workflow_run_id.as_deref())?,
            workflow_step: self.workflow_step,
        })
    }
}

/// The stored form of a task error (JSON text).
pub(crate) fn encode_error(e: &seo_domain::TaskError) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| e.message.clone())
}

/// A stored task error; text from before errors had codes reads as `failed`.
fn decode_error(text: &str) -> seo_domain::TaskError {
    serde_json::from_str(text).unwrap_or_else(|_| seo_domain::TaskError::new("failed", text))
}

pub(crate) fn task_not_found(e: diesel::result::Error) -> DbError {
    match DbError::from(e) {
        DbError::NotFound(_) => DbError::NotFound("task"),
        DbError::InvalidReference(_) => DbError::InvalidReference(
            "campaign_id, client_id, parent_id or created_by names a record that does not exist"
                .into(),
        ),
        other => other,
    }
}

impl Database {
    /// Enqueues a new pending task.
    pub async fn create_task(&self, new: NewTask) -> DbResult<Task> {
        self.run(move |mut conn| async move {
            let row = TaskRow::new_pending(new, None)?;
            let row: TaskRow = db_run!(conn, c => {
                diesel::insert_into(tasks::table).values(&row).returning(TaskRow::as_returning()).get_result(c).await
            })
            .map_err(task_not_found)?;
            row.into_domain()
        })
        .await
    }

    /// The newest completed task of `agent_id` matching the given task type, client and
    /// campaign (what an agent reads as "the last result of another agent").
    pub async fn latest_completed_task(
        &self,
        agent_id: &str,
        task_type: Option<&str>,
        client_id: Option<Uuid>,
        campaign_id: Option<Uuid>,
    ) -> DbResult<Option<Task>> {
        let agent_id = agent_id.to_string();
        let task_type = task_type.map(str::to_string);
        self.run(move |mut conn| async move {
            let row: Option<TaskRow> = db_run!(conn, c => {
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
                q.select(TaskRow::as_select())
                    .order((tasks::finished_at.desc(), tasks::id.desc()))
                    .first(c)
                    .await
                    .optional()
            })?;
            row.map(TaskRow::into_domain).transpose()
        })
        .await
    }

    /// One task by id.
    pub async fn get_task(&self, id: Uuid) -> DbResult<Task> {
        self.run(move |mut conn| async move {
            let row: TaskRow = db_run!(conn, c => {
                tasks::table.find(id.to_string()).select(TaskRow::as_select()).first(c).await
            })
            .map_err(task_not_found)?;
            row.into_domain()
        })
        .await
    }

    /// Tasks matching the filter, newest first.
    pub async fn list_tasks(&self, filter: TaskFilter, page: PageRequest) -> DbResult<Page<Task>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<TaskRow>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = tasks::table.into_boxed();
                    if let Some(s) = filter.status {
                        q = q.filter(tasks::status.eq(s.as_str()));
                    }
                    if let Some(a) = &filter.agent_id {
                        q = q.filter(tasks::agent_id.eq(a.clone()));
                    }
                    if let Some(id) = filter.campaign_id {
                        q = q.filter(tasks::campaign_id.eq(id.to_string()));
                    }
                    if let Some(p) = filter.priority {
                        q = q.filter(tasks::priority.eq(p.rank()));
                    }
                    q
                };
                let rows: Vec<TaskRow> = build()
                    .select(TaskRow::as_select())
                    .order(crate::order_then_page("created_at DESC, id DESC", page))
                    .load(c)
                    .await?;
                let total = match crate::known_total(page, rows.len()) {
                    Some(t) => t,
                    None => build().count().get_result(c).await?,
                };
                (rows, total)
            });
            let items = rows
                .into_iter()
                .map(TaskRow::into_domain)
                .collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// Replaces the definition of a task that is still pending; a `Conflict` once claimed.
    pub async fn update_pending_task(&self, id: Uuid, new: NewTask) -> DbResult<Task> {
        self.run(move |mut conn| async move {
            let input = serde_json::to_string(&new.input)?;
            let sid = id.to_string();
            let row: Option<TaskRow> = db_run!(conn, c => {
                diesel::update(tasks::table.filter(tasks::id.eq(&sid)).filter(tasks::status.eq("pending")))
                    .set((
                        tasks::agent_id.eq(&new.agent_id),
                        tasks::task_type.eq(&new.task_type),
                        tasks::input.eq(&input),
                        tasks::priority.eq(new.priority.rank()),
                        tasks::campaign_id.eq(new.campaign_id.map(|v| v.to_string())),
                        tasks::client_id.eq(new.client_id.map(|v| v.to_string())),
                        tasks::parent_id.eq(new.parent_id.map(|v| v.to_string())),
                        tasks::max_attempts.eq(new.max_attempts),
                        tasks::timeout_seconds.eq(new.timeout_seconds),
                        tasks::updated_at.eq(now()),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_result(c)
                    .await
                    .optional()
            })
            .map_err(task_not_found)?;
            match row {
                Some(r) => r.into_domain(),
                None => Err(self_state_error(&mut conn, &sid, "only a pending task can be edited").await),
            }
        })
        .await
    }

    /// Deletes a task that is not running; its child tasks keep existing.
    pub async fn delete_task(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let n = db_run!(conn, c => {
                diesel::delete(tasks::table.filter(tasks::id.eq(&sid)).filter(tasks::status.ne("running"))).execute(c).await
            })?;
            if n == 0 {
                return Err(self_state_error(&mut conn, &sid, "a running task cannot be deleted; cancel it first").await);
            }
            Ok(())
        })
        .await
    }

    /// Task counts by status for one campaign, and when its latest task was created.
    pub async fn campaign_task_counts(
        &self,
        campaign_id: Uuid,
    ) -> DbResult<(BTreeMap<String, i64>, Option<chrono::DateTime<chrono::Utc>>)> {
        self.run(move |mut conn| async move {
            let cid = campaign_id.to_string();
            let (rows, last): (Vec<(String, i64)>, Option<NaiveDateTime>) = db_run!(conn, c => {
                let rows = tasks::table
                    .filter(tasks::campaign_id.eq(&cid))
                    .group_by(tasks::status)
                    .select((tasks::status, count_star()))
                    .load(c)
                    .await?;
                let last = tasks::table
                    .filter(tasks::campaign_id.eq(&cid))
                    .select(diesel::dsl::max(tasks::created_at))
                    .get_result(c)
                    .await?;
                (rows, last)
            });
            let mut by_status: BTreeMap<String, i64> = TaskStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), 0))
                .collect();
            by_status.extend(rows);
            Ok((by_status, last.map(utc)))
        })
        .await
    }

    /// One agent's tasks created since `since`: counts by status and the mean and longest run
    /// time of the completed ones (milliseconds).
    pub async fn agent_task_window(
        &self,
        agent_id: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> DbResult<(BTreeMap<String, i64>, Option<f64>, Option<i64>)> {
        let agent = agent_id.to_string();
        self.run(move |mut conn| async move {
            let since = since.naive_utc();
            let (rows, avg, max): (Vec<(String, i64)>, Option<f64>, Option<i64>) = db_run!(conn, c => {
                let rows = tasks::table
                    .filter(tasks::agent_id.eq(&agent))
                    .filter(tasks::created_at.ge(since))
                    .group_by(tasks::status)
                    .select((tasks::status, count_star()))
                    .load(c)
                    .await?;
                let avg = tasks::table
                    .filter(tasks::agent_id.eq(&agent))
                    .filter(tasks::created_at.ge(since))
                    .filter(tasks::status.eq("completed"))
                    .select(sql::<Nullable<Double>>("AVG(CAST(duration_ms AS DOUBLE PRECISION))"))
                    .get_result(c)
                    .await?;
                let max = tasks::table
                    .filter(tasks::agent_id.eq(&agent))
                    .filter(tasks::created_at.ge(since))
                    .filter(tasks::status.eq("completed"))
                    .select(diesel::dsl::max(tasks::duration_ms))
                    .get_result(c)
                    .await?;
                (rows, avg, max)
            });
            let mut by_status: BTreeMap<String, i64> = TaskStatus::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
            by_status.extend(rows);
            Ok((by_status, avg, max))
        })
        .await
    }

    /// Counts by status, priority and type; mean run time; completion rate.
    pub async fn task_stats(&self) -> DbResult<TaskStats> {
        self.run(move |mut conn| async move {
            let day_ago = now() - chrono::Duration::hours(24);
            db_run!(conn, c => {
                let by_status: Vec<(String, i64)> =
                    tasks::table.group_by(tasks::status).select((tasks::status, count_star())).load(c).await?;
                let by_priority: Vec<(i32, i64)> =
                    tasks::table.group_by(tasks::priority).select((tasks::priority, count_star())).load(c).await?;
                let top_task_types: Vec<(String, i64)> = tasks::table
                    .group_by(tasks::task_type)
                    .select((tasks::task_type, count_star()))
                    .order((count_star().desc(), tasks::task_type.asc()))
                    .limit(10)
                    .load(c)
                    .await?;
                let avg_ms: Option<f64> = tasks::table
                    .filter(tasks::status.eq("completed"))
                    .select(sql::<Nullable<Double>>("AVG(CAST(duration_ms AS DOUBLE PRECISION))"))
                    .get_result(c)
                    .await?;
                let tasks_24h: i64 = tasks::table.filter(tasks::created_at.ge(day_ago)).count().get_result(c).await?;
                let mut status_breakdown: BTreeMap<String, i64> =
                    TaskStatus::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
                status_breakdown.extend(by_status);
                let mut priority_breakdown: BTreeMap<String, i64> =
                    TaskPriority::ALL.iter().map(|p| (p.as_str().to_string(), 0)).collect();
                for (rank, n) in by_priority {
                    if let Some(p) = TaskPriority::from_rank(rank) {
                        priority_breakdown.insert(p.as_str().to_string(), n);
                    }
                }
                let n = |s: &str| u64::try_from(status_breakdown.get(s).copied().unwrap_or(0)).unwrap_or(0);
                let success_rate = seo_domain::task::success_rate(n("completed"), n("failed"), n("timed_out"));
                Ok(TaskStats {
                    total_tasks: status_breakdown.values().sum(),
                    status_breakdown,
                    priority_breakdown,
                    top_task_types: top_task_types
                        .into_iter()
                        .map(|(task_type, count)| seo_domain::TypeCount { task_type, count })
                        .collect(),
                    average_duration_seconds: avg_ms.map(|ms| ms / 1000.0),
                    tasks_24h,
                    success_rate,
                    completion_rate: success_rate.map(|r| r * 100.0),
                })
            })
        })
        .await
    }
}

/// After a conditional write matched nothing: `NotFound` if the task is gone, else `Conflict`.
pub(crate) async fn self_state_error(
    mut conn: &mut crate::db::DbConn,
    sid: &str,
    conflict: &str,
) -> DbError {
    let exists: Result<bool, diesel::result::Error> = db_run!(conn, c => {
        diesel::select(diesel::dsl::exists(tasks::table.find(sid))).get_result(c).await
    });
    match exists {
        Ok(true) => DbError::Conflict(conflict.to_string()),
        Ok(false) => DbError::NotFound("task"),
        Err(e) => e.into(),
    }
}
