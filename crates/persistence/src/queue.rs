//! The durable task queue.
//!
//! Workers claim the highest-priority, oldest pending task whose `run_after` has come, and
//! hold it under a lease they keep extending. Every write that finishes a task is
//! conditional on the worker still holding the lease, so a task that was cancelled or
//! re-queued meanwhile cannot be overwritten by a late worker. A task whose lease expired
//! (its worker died) goes back to pending until `max_attempts` is used up, then fails.
//! On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED`, so any number of instances
//! can claim concurrently without blocking each other or claiming a task twice; SQLite
//! serialises writers, so the same single statement is atomic there.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::Task;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::tasks;
use crate::tasks::{TaskRow, self_state_error, task_not_found};
use diesel::sql_types::{Text, Timestamp};

use crate::{Database, DbResult, now, utc};

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The task, now `running`, with `attempts` counting this run.
    pub task: Task,
    /// When the lease lapses unless extended.
    pub lease_expires_at: DateTime<Utc>,
}

/// What happened to a task whose lease expired.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpiredOutcome {
    /// Back to pending for another attempt.
    Requeued(Task),
    /// Out of attempts: failed.
    Failed(Task),
}

/// Queue depth and age, for health checks and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueueHealth {
    /// Tasks waiting to run.
    pub pending: i64,
    /// Tasks running now.
    pub running: i64,
    /// Age of the oldest pending task, in seconds.
    pub oldest_pending_age_seconds: Option<f64>,
}

fn lease_end(from: NaiveDateTime, lease: Duration) -> NaiveDateTime {
    from + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}

fn duration_ms(started: Option<NaiveDateTime>, end: NaiveDateTime) -> Option<i64> {
    started.map(|s| (end - s).num_milliseconds().max(0))
}

/// The claim statement; placeholders differ per backend, and only PostgreSQL locks.
fn claim_sql(
    owner: &str,
    expires: &str,
    started: &str,
    updated: &str,
    now: &str,
    lock: &str,
) -> String {
    format!(
        "UPDATE tasks SET status = 'running', lease_owner = {owner}, lease_expires_at = {expires}, \
         attempts = attempts + 1, progress = 0, started_at = {started}, updated_at = {updated} \
         WHERE id = (SELECT id FROM tasks WHERE status = 'pending' AND run_after <= {now} \
         ORDER BY priority DESC, created_at ASC, id ASC LIMIT 1 {lock}) RETURNING *"
    )
}

/// How a worker finishes a task.
enum Finish {
    Completed(String),
    Failed {
        error: String,
        retry_after: Option<Duration>,
    },
    TimedOut(String),
}

impl Database {
    /// Claims the next runnable task for `worker` with a lease of `lease`, or `None` when
    /// nothing is runnable.
    pub async fn claim_task(&self, worker: &str, lease: Duration) -> DbResult<Option<Claimed>> {
        let worker = worker.to_string();
        self.run(move |mut conn| async move {
            let ts = now();
            let expires = lease_end(ts, lease);
            // One statement: pick and take the next task atomically. Raw SQL because the
            // locking sub-select with ORDER BY/LIMIT is beyond diesel's update DSL.
            let row: Option<TaskRow> = db_run!(conn,
                sqlite c => {
                    diesel::sql_query(claim_sql("?", "?", "?", "?", "?", ""))
                        .bind::<Text, _>(&worker)
                        .bind::<Timestamp, _>(expires)
                        .bind::<Timestamp, _>(ts)
                        .bind::<Timestamp, _>(ts)
                        .bind::<Timestamp, _>(ts)
                        .get_result(c)
                        .await
                        .optional()?
                },
                pg c => {
                    diesel::sql_query(claim_sql("$1", "$2", "$3", "$4", "$5", "FOR UPDATE SKIP LOCKED"))
                        .bind::<Text, _>(&worker)
                        .bind::<Timestamp, _>(expires)
                        .bind::<Timestamp, _>(ts)
                        .bind::<Timestamp, _>(ts)
                        .bind::<Timestamp, _>(ts)
                        .get_result(c)
                        .await
                        .optional()?
                }
            );
            row.map(|r| Ok(Claimed { task: r.into_domain()?, lease_expires_at: utc(expires) })).transpose()
        })
        .await
    }

    /// Extends the lease of a task `worker` holds. `false` means the worker lost it
    /// (cancelled, re-queued or finished elsewhere) and must stop.
    pub async fn extend_lease(&self, id: Uuid, worker: &str, lease: Duration) -> DbResult<bool> {
        let worker = worker.to_string();
        self.run(move |mut conn| async move {
            let ts = now();
            let n = db_run!(conn, c => {
                diesel::update(owned(id, &worker))
                    .set((tasks::lease_expires_at.eq(lease_end(ts, lease)), tasks::updated_at.eq(ts)))
                    .execute(c)
                    .await
            })?;
            Ok(n == 1)
        })
        .await
    }

    /// Records progress (clamped to 0..=100) of a task `worker` holds; `false` if it lost it.
    pub async fn set_task_progress(&self, id: Uuid, worker: &str, progress: i32) -> DbResult<bool> {
        let worker = worker.to_string();
        self.run(move |mut conn| async move {
            let n = db_run!(conn, c => {
                diesel::update(owned(id, &worker))
                    .set((tasks::progress.eq(progress.clamp(0, 100)), tasks::updated_at.eq(now())))
                    .execute(c)
                    .await
            })?;
            Ok(n == 1)
        })
        .await
    }

    /// Completes a task with its output; `None` if `worker` no longer holds it.
    pub async fn complete_task(
        &self,
        id: Uuid,
        worker: &str,
        output: &serde_json::Value,
    ) -> DbResult<Option<Task>> {
        self.finish(
            id,
            worker,
            Finish::Completed(serde_json::to_string(output)?),
        )
        .await
    }

    /// Fails a task. With `retry_after` and attempts left it goes back to pending, runnable
    /// after the delay; otherwise it is failed for good. `None` if `worker` no longer holds it.
    pub async fn fail_task(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_after: Option<Duration>,
    ) -> DbResult<Option<Task>> {
        self.finish(
            id,
            worker,
            Finish::Failed {
                error: error.to_string(),
                retry_after,
            },
        )
        .await
    }

    /// Marks a task timed out; `None` if `worker` no longer holds it.
    pub async fn time_out_task(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
    ) -> DbResult<Option<Task>> {
        self.finish(id, worker, Finish::TimedOut(error.to_string()))
            .await
    }

    async fn finish(&self, id: Uuid, worker: &str, how: Finish) -> DbResult<Option<Task>> {
        let worker = worker.to_string();
        self.run(move |mut conn| async move {
            let current: Option<(Option<NaiveDateTime>, i32, i32)> = db_run!(conn, c => {
                owned(id, &worker)
                    .select((tasks::started_at, tasks::attempts, tasks::max_attempts))
                    .first(c)
                    .await
                    .optional()
            })?;
            let Some((started, attempts, max_attempts)) = current else {
                return Ok(None);
            };
            let ts = now();
            let took = duration_ms(started, ts);
            let clear = (
                tasks::lease_owner.eq(None::<String>),
                tasks::lease_expires_at.eq(None::<NaiveDateTime>),
            );
            let row: Option<TaskRow> = match how {
                Finish::Completed(output) => db_run!(conn, c => {
                    diesel::update(owned(id, &worker))
                        .set((
                            tasks::status.eq("completed"),
                            tasks::output.eq(Some(output.clone())),
                            tasks::error.eq(None::<String>),
                            tasks::progress.eq(100),
                            tasks::finished_at.eq(ts),
                            tasks::duration_ms.eq(took),
                            tasks::updated_at.eq(ts),
                            clear,
                        ))
                        .returning(TaskRow::as_returning())
                        .get_result(c)
                        .await
                        .optional()
                })?,
                Finish::Failed {
                    error,
                    retry_after: Some(delay),
                } if attempts < max_attempts => db_run!(conn, c => {
                    diesel::update(owned(id, &worker))
                        .set((
                            tasks::status.eq("pending"),
                            tasks::error.eq(Some(error.clone())),
                            tasks::run_after.eq(lease_end(ts, delay)),
                            tasks::updated_at.eq(ts),
                            clear,
                        ))
                        .returning(TaskRow::as_returning())
                        .get_result(c)
                        .await
                        .optional()
                })?,
                Finish::Failed { ref error, .. } | Finish::TimedOut(ref error) => {
                    let status = if matches!(how, Finish::TimedOut(_)) {
                        "timed_out"
                    } else {
                        "failed"
                    };
                    db_run!(conn, c => {
                        diesel::update(owned(id, &worker))
                            .set((
                                tasks::status.eq(status),
                                tasks::error.eq(Some(error.clone())),
                                tasks::finished_at.eq(ts),
                                tasks::duration_ms.eq(took),
                                tasks::updated_at.eq(ts),
                                clear,
                            ))
                            .returning(TaskRow::as_returning())
                            .get_result(c)
                            .await
                            .optional()
                    })?
                }
            };
            row.map(TaskRow::into_domain).transpose()
        })
        .await
    }

    /// Cancels a pending or running task at once. A running task's worker learns it when
    /// its next lease extension or progress report returns `false`. A finished task is a
    /// `Conflict`.
    pub async fn cancel_task(&self, id: Uuid) -> DbResult<Task> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let ts = now();
            let row: Option<TaskRow> = db_run!(conn, c => {
                diesel::update(tasks::table.filter(tasks::id.eq(&sid)).filter(tasks::status.eq_any(["pending", "running"])))
                    .set((
                        tasks::status.eq("cancelled"),
                        tasks::finished_at.eq(ts),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_result(c)
                    .await
                    .optional()
            })
            .map_err(task_not_found)?;
            match row {
                Some(r) => r.into_domain(),
                None => Err(self_state_error(&mut conn, &sid, "the task has already finished").await),
            }
        })
        .await
    }

    /// Re-queues running tasks whose lease expired (their worker died), or fails those out
    /// of attempts. Safe to run from every instance at once.
    pub async fn requeue_expired(&self) -> DbResult<Vec<ExpiredOutcome>> {
        self.run(move |mut conn| async move {
            let ts = now();
            let (requeued, failed): (Vec<TaskRow>, Vec<TaskRow>) = db_run!(conn, c => {
                let expired = tasks::table
                    .filter(tasks::status.eq("running"))
                    .filter(tasks::lease_expires_at.lt(ts));
                let requeued = diesel::update(expired.filter(tasks::attempts.lt(tasks::max_attempts)))
                    .set((
                        tasks::status.eq("pending"),
                        tasks::error.eq(Some("worker lost: lease expired; re-queued")),
                        tasks::run_after.eq(ts),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_results(c)
                    .await?;
                let failed = diesel::update(expired.filter(tasks::attempts.ge(tasks::max_attempts)))
                    .set((
                        tasks::status.eq("failed"),
                        tasks::error.eq(Some("worker lost: lease expired and no attempts are left")),
                        tasks::finished_at.eq(ts),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_results(c)
                    .await?;
                (requeued, failed)
            });
            let mut out = Vec::with_capacity(requeued.len() + failed.len());
            for r in requeued {
                out.push(ExpiredOutcome::Requeued(r.into_domain()?));
            }
            for r in failed {
                out.push(ExpiredOutcome::Failed(r.into_domain()?));
            }
            Ok(out)
        })
        .await
    }

    /// Puts every task `worker` holds back to pending without spending an attempt
    /// (graceful shutdown). Returns the released tasks.
    pub async fn release_worker_tasks(&self, worker: &str) -> DbResult<Vec<Task>> {
        let worker = worker.to_string();
        self.run(move |mut conn| async move {
            let ts = now();
            let rows: Vec<TaskRow> = db_run!(conn, c => {
                diesel::update(tasks::table.filter(tasks::status.eq("running")).filter(tasks::lease_owner.eq(&worker)))
                    .set((
                        tasks::status.eq("pending"),
                        tasks::attempts.eq(tasks::attempts - 1),
                        tasks::run_after.eq(ts),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_results(c)
                    .await
            })?;
            rows.into_iter().map(TaskRow::into_domain).collect()
        })
        .await
    }

    /// Pending and running counts and the oldest pending task's age.
    pub async fn queue_health(&self) -> DbResult<QueueHealth> {
        self.run(move |mut conn| async move {
            let (pending, running, oldest): (i64, i64, Option<NaiveDateTime>) = db_run!(conn, c => {
                let pending = tasks::table.filter(tasks::status.eq("pending")).count().get_result(c).await?;
                let running = tasks::table.filter(tasks::status.eq("running")).count().get_result(c).await?;
                let oldest = tasks::table
                    .filter(tasks::status.eq("pending"))
                    .select(diesel::dsl::min(tasks::created_at))
                    .get_result(c)
                    .await?;
                (pending, running, oldest)
            });
            Ok(QueueHealth {
                pending,
                running,
                oldest_pending_age_seconds: oldest.map(|o| (now() - o).num_milliseconds().max(0) as f64 / 1000.0),
            })
        })
        .await
    }
}

/// The query type of [`owned`].
type Owned = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<tasks::table, diesel::dsl::Eq<tasks::id, String>>,
        diesel::dsl::Eq<tasks::status, &'static str>,
    >,
    diesel::dsl::Eq<tasks::lease_owner, String>,
>;

/// The task `id` while `worker` holds it.
fn owned(id: Uuid, worker: &str) -> Owned {
    tasks::table
        .filter(tasks::id.eq(id.to_string()))
        .filter(tasks::status.eq("running"))
        .filter(tasks::lease_owner.eq(worker.to_string()))
}
