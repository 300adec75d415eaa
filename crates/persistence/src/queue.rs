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
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use seo_domain::Task;
use serde::Serialize;
use uuid::Uuid;

use crate::db::{db_clock, db_clock_sql};
use crate::schema::{tasks, workflow_runs};
use crate::tasks::{TaskRow, encode_error, self_state_error, task_not_found};
use crate::workflows::{Advancer, Finished, RunRow, advance_run};

use crate::{Database, DbResult, utc};

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The task, now `running`, with `attempts` counting this run.
    pub task: Task,
    /// When the lease lapses unless extended.
    pub lease_expires_at: DateTime<Utc>,
}

/// A record a completed task's output writes, in the transaction that completes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A qualification: score and class on the lead.
    Qualified(seo_domain::Qualification),
    /// A proposal version.
    Proposal(seo_domain::NewProposal),
    /// A task the finished one dispatched, with the id its output already names.
    Dispatch(Uuid, seo_domain::NewTask),
    /// A lead moved on by the pipeline (`lead`, `from` → `to`, why), only when it is at `from`.
    LeadMoved(Uuid, seo_domain::LeadStage, seo_domain::LeadStage, String),
    /// A technical audit's figures and snapshot (older ones of its campaign pruned).
    Audit(Box<seo_domain::NewAudit>),
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
    /// Pending tasks for agents this instance does not have: they wait for an instance
    /// that has them instead of failing.
    pub unclaimable: i64,
}

fn duration_ms(started: Option<NaiveDateTime>, end: NaiveDateTime) -> Option<i64> {
    started.map(|s| (end - s).num_milliseconds().max(0))
}

/// The claim statement. `clock` and `lease_clock` are SQL of the database's own clock
/// (see [`db_clock_sql`]), `agents` the quoted ids this instance can run; only PostgreSQL
/// locks.
fn claim_sql(owner: &str, agents: &str, clock: &str, lease_clock: &str, lock: &str) -> String {
    format!(
        "UPDATE tasks SET status = 'running', lease_owner = {owner}, lease_expires_at = {lease_clock}, \
         attempts = attempts + 1, progress = 0, started_at = {clock}, updated_at = {clock} \
         WHERE id = (SELECT id FROM tasks WHERE status = 'pending' AND run_after <= {clock} \
         AND agent_id IN ({agents}) \
         ORDER BY priority DESC, created_at ASC, id ASC LIMIT 1 {lock}) RETURNING *"
    )
}

/// `'a', 'b'` for an `IN` list of agent ids (quotes doubled, so any id is inert).
fn quoted_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
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
    /// Claims the next runnable task of one of `agents` for `worker` with a lease of
    /// `lease`, or `None` when nothing is runnable. Tasks of other agents are left for an
    /// instance that has them. Every time here is the database's clock.
    pub async fn claim_task(
        &self,
        worker: &str,
        lease: Duration,
        agents: &[String],
    ) -> DbResult<Option<Claimed>> {
        if agents.is_empty() {
            return Ok(None);
        }
        let worker = worker.to_string();
        let agents = quoted_list(agents);
        self.run(move |mut conn| async move {
            let clock = db_clock_sql(&conn, Duration::ZERO);
            let lease_clock = db_clock_sql(&conn, lease);
            // One statement: pick and take the next task atomically. Raw SQL because the
            // locking sub-select with ORDER BY/LIMIT is beyond diesel's update DSL.
            let row: Option<TaskRow> = db_run!(conn,
                sqlite c => {
                    diesel::sql_query(claim_sql("?", &agents, &clock, &lease_clock, ""))
                        .bind::<Text, _>(&worker)
                        .get_result(c)
                        .await
                        .optional()?
                },
                pg c => {
                    diesel::sql_query(claim_sql("$1", &agents, &clock, &lease_clock, "FOR UPDATE SKIP LOCKED"))
                        .bind::<Text, _>(&worker)
                        .get_result(c)
                        .await
                        .optional()?
                }
            );
            row.map(|r| {
                let lease_expires_at = utc(r.lease_expires_at.unwrap_or_default());
                Ok(Claimed { task: r.into_domain()?, lease_expires_at })
            })
            .transpose()
        })
        .await
    }

    /// Extends the lease of a task `worker` holds (from the database's clock). `false`
    /// means the worker lost it (cancelled, re-queued or finished elsewhere) and must stop.
    pub async fn extend_lease(&self, id: Uuid, worker: &str, lease: Duration) -> DbResult<bool> {
        let worker = worker.to_string();
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let until = sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>>(
                &db_clock_sql(&conn, lease),
            );
            let n = db_run!(conn, c => {
                diesel::update(owned(id, &worker))
                    .set((tasks::lease_expires_at.eq(until), tasks::updated_at.eq(app_now)))
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
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let n = db_run!(conn, c => {
                diesel::update(owned(id, &worker))
                    .set((tasks::progress.eq(progress.clamp(0, 100)), tasks::updated_at.eq(app_now)))
                    .execute(c)
                    .await
            })?;
            Ok(n == 1)
        })
        .await
    }

    /// Completes a task with its output and, when it is a step of a workflow run, advances
    /// the run with `advance` in the same transaction. `None` if `worker` no longer holds it.
    pub async fn complete_task(
        &self,
        id: Uuid,
        worker: &str,
        output: &serde_json::Value,
        advance: Option<Advancer>,
    ) -> DbResult<Option<Finished>> {
        self.complete_task_with(id, worker, output, advance, Vec::new())
            .await
    }

    /// [`Database::complete_task`], also writing the records the output makes (`effects`)
    /// in the same transaction, before the run is advanced.
    pub async fn complete_task_with(
        &self,
        id: Uuid,
        worker: &str,
        output: &serde_json::Value,
        advance: Option<Advancer>,
        effects: Vec<Effect>,
    ) -> DbResult<Option<Finished>> {
        self.finish(
            id,
            worker,
            Finish::Completed(serde_json::to_string(output)?),
            advance,
            effects,
        )
        .await
    }

    /// Fails a task. With `retry_after` and attempts left it goes back to pending, runnable
    /// after the delay (by the database's clock); otherwise it is failed for good and its
    /// run, if any, is advanced with `advance` in the same transaction. `None` if `worker`
    /// no longer holds it.
    pub async fn fail_task(
        &self,
        id: Uuid,
        worker: &str,
        error: &seo_domain::TaskError,
        retry_after: Option<Duration>,
        advance: Option<Advancer>,
    ) -> DbResult<Option<Finished>> {
        self.finish(
            id,
            worker,
            Finish::Failed {
                error: encode_error(error),
                retry_after,
            },
            advance,
            Vec::new(),
        )
        .await
    }

    /// Marks a task timed out (its run advanced as for a failure); `None` if `worker` no
    /// longer holds it.
    pub async fn time_out_task(
        &self,
        id: Uuid,
        worker: &str,
        error: &seo_domain::TaskError,
        advance: Option<Advancer>,
    ) -> DbResult<Option<Finished>> {
        self.finish(
            id,
            worker,
            Finish::TimedOut(encode_error(error)),
            advance,
            Vec::new(),
        )
        .await
    }

    async fn finish(
        &self,
        id: Uuid,
        worker: &str,
        how: Finish,
        advance: Option<Advancer>,
        effects: Vec<Effect>,
    ) -> DbResult<Option<Finished>> {
        let worker = worker.to_string();
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let retry_at = match &how {
                Finish::Failed {
                    retry_after: Some(d),
                    ..
                } => Some(db_clock(&conn, *d)),
                _ => None,
            };
            let written: Option<(TaskRow, Vec<TaskRow>, Option<RunRow>)> = db_tx!(conn, c => {
                let current: Option<(Option<NaiveDateTime>, i32, i32)> = owned(id, &worker)
                    .select((tasks::started_at, tasks::attempts, tasks::max_attempts))
                    .first(c)
                    .await
                    .optional()?;
                let Some((started, attempts, max_attempts)) = current else {
                    return Ok(None);
                };
                let ts = app_now;
                let took = duration_ms(started, ts);
                let clear = (
                    tasks::lease_owner.eq(None::<String>),
                    tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                );
                let row: Option<TaskRow> = match (&how, retry_at) {
                    (Finish::Completed(output), _) => {
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
                            .optional()?
                    }
                    (Finish::Failed { error, .. }, Some(at)) if attempts < max_attempts => {
                        diesel::update(owned(id, &worker))
                            .set((
                                tasks::status.eq("pending"),
                                tasks::error.eq(Some(error.clone())),
                                tasks::run_after.eq(at),
                                tasks::updated_at.eq(ts),
                                clear,
                            ))
                            .returning(TaskRow::as_returning())
                            .get_result(c)
                            .await
                            .optional()?
                    }
                    (Finish::Failed { error, .. } | Finish::TimedOut(error), _) => {
                        let status = if matches!(how, Finish::TimedOut(_)) {
                            "timed_out"
                        } else {
                            "failed"
                        };
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
                            .optional()?
                    }
                };
                let Some(row) = row else {
                    return Ok(None);
                };
                let mut dispatched = Vec::new();
                if row.status == "completed" {
                    for e in &effects {
                        match e {
                            Effect::Qualified(q) => crate::leads::apply_qualification!(c, q)?,
                            Effect::Proposal(p) => crate::proposals::apply_proposal!(c, p)?,
                            Effect::Audit(a) => crate::audits::apply_audit!(c, a)?,
                            Effect::LeadMoved(lead, from, to, why) => {
                                crate::leads::move_if_at!(c, *lead, *from, *to, why.clone())?
                            }
                            Effect::Dispatch(id, new) => {
                                let mut child = TaskRow::new_pending(new.clone(), None)?;
                                child.id = id.to_string();
                                let child: TaskRow = diesel::insert_into(tasks::table)
                                    .values(&child)
                                    .returning(TaskRow::as_returning())
                                    .get_result(c)
                                    .await
                                    .map_err(crate::tasks::task_not_found)?;
                                dispatched.push(child);
                            }
                        }
                    }
                }
                // A retry is no step outcome yet: the run waits for the final one.
                let advance = if row.status == "pending" { None } else { advance };
                let (mut spawned, run) = advance_run!(c, &row, advance)?;
                spawned.extend(dispatched);
                Ok(Some((row, spawned, run)))
            })?;
            written
                .map(|(row, spawned, run)| {
                    Ok(Finished {
                        task: row.into_domain()?,
                        spawned: spawned
                            .into_iter()
                            .map(TaskRow::into_domain)
                            .collect::<DbResult<Vec<_>>>()?,
                        run: run.map(RunRow::into_domain).transpose()?,
                    })
                })
                .transpose()
        })
        .await
    }

    /// Cancels a pending or running task at once (and the workflow run it is a step of).
    /// A running task's worker learns it when its next lease extension or progress report
    /// returns `false`. A finished task is a `Conflict`.
    pub async fn cancel_task(&self, id: Uuid) -> DbResult<Task> {
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let ts = app_now;
            let row: Option<TaskRow> = db_tx!(conn, c => {
                let row: Option<TaskRow> = diesel::update(tasks::table.filter(tasks::id.eq(&sid)).filter(tasks::status.eq_any(["pending", "running"])))
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
                    .map_err(task_not_found)?;
                if let Some(run_id) = row.as_ref().and_then(|r| r.workflow_run_id.clone()) {
                    diesel::update(workflow_runs::table.filter(workflow_runs::id.eq(run_id)).filter(workflow_runs::status.eq("running")))
                        .set((
                            workflow_runs::status.eq("cancelled"),
                            workflow_runs::error.eq(Some(format!("step task {sid} was cancelled"))),
                            workflow_runs::updated_at.eq(ts),
                            workflow_runs::finished_at.eq(Some(ts)),
                        ))
                        .execute(c)
                        .await?;
                }
                Ok(row)
            })?;
            match row {
                Some(r) => r.into_domain(),
                None => Err(self_state_error(&mut conn, &sid, "the task has already finished").await),
            }
        })
        .await
    }

    /// Re-queues running tasks whose lease expired by the database's clock (their worker
    /// died), or fails those out of attempts (failing their workflow runs too). Safe to run
    /// from every instance at once, whatever each instance's own clock says.
    pub async fn requeue_expired(&self) -> DbResult<Vec<ExpiredOutcome>> {
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let ts = app_now;
            let clock = db_clock_sql(&conn, Duration::ZERO);
            let (requeued, failed): (Vec<TaskRow>, Vec<TaskRow>) = db_tx!(conn, c => {
                let expired = || {
                    tasks::table
                        .filter(tasks::status.eq("running"))
                        .filter(sql::<diesel::sql_types::Bool>(&format!("lease_expires_at < {clock}")))
                };
                let requeued = diesel::update(expired().filter(tasks::attempts.lt(tasks::max_attempts)))
                    .set((
                        tasks::status.eq("pending"),
                        tasks::error.eq(Some(encode_error(&seo_domain::TaskError::new("worker_lost", "worker lost: lease expired; re-queued")))),
                        tasks::run_after.eq(crate::tasks::NOT_BEFORE_ANY),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_results(c)
                    .await?;
                let failed: Vec<TaskRow> = diesel::update(expired().filter(tasks::attempts.ge(tasks::max_attempts)))
                    .set((
                        tasks::status.eq("failed"),
                        tasks::error.eq(Some(encode_error(&seo_domain::TaskError::new("worker_lost", "worker lost: lease expired and no attempts are left")))),
                        tasks::finished_at.eq(ts),
                        tasks::updated_at.eq(ts),
                        tasks::lease_owner.eq(None::<String>),
                        tasks::lease_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .returning(TaskRow::as_returning())
                    .get_results(c)
                    .await?;
                let runs: Vec<String> = failed.iter().filter_map(|r| r.workflow_run_id.clone()).collect();
                if !runs.is_empty() {
                    diesel::update(workflow_runs::table.filter(workflow_runs::id.eq_any(runs)).filter(workflow_runs::status.eq("running")))
                        .set((
                            workflow_runs::status.eq("failed"),
                            workflow_runs::error.eq(Some("a step's worker was lost and no attempts are left")),
                            workflow_runs::updated_at.eq(ts),
                            workflow_runs::finished_at.eq(Some(ts)),
                        ))
                        .execute(c)
                        .await?;
                }
                Ok((requeued, failed))
            })?;
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
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let ts = app_now;
            let rows: Vec<TaskRow> = db_run!(conn, c => {
                diesel::update(tasks::table.filter(tasks::status.eq("running")).filter(tasks::lease_owner.eq(&worker)))
                    .set((
                        tasks::status.eq("pending"),
                        tasks::attempts.eq(tasks::attempts - 1),
                        tasks::run_after.eq(crate::tasks::NOT_BEFORE_ANY),
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

    /// Pending and running counts, the oldest pending task's age, and how many pending
    /// tasks are for agents outside `agents` (this instance's registry).
    pub async fn queue_health(&self, agents: &[String]) -> DbResult<QueueHealth> {
        let agents = agents.to_vec();
        let app_now = self.app_now();
        self.run(move |mut conn| async move {
            let (pending, running, oldest, unclaimable): (i64, i64, Option<NaiveDateTime>, i64) = db_run!(conn, c => {
                let pending = tasks::table.filter(tasks::status.eq("pending")).count().get_result(c).await?;
                let running = tasks::table.filter(tasks::status.eq("running")).count().get_result(c).await?;
                let oldest = tasks::table
                    .filter(tasks::status.eq("pending"))
                    .select(diesel::dsl::min(tasks::created_at))
                    .get_result(c)
                    .await?;
                let unclaimable = tasks::table
                    .filter(tasks::status.eq("pending"))
                    .filter(tasks::agent_id.ne_all(&agents))
                    .count()
                    .get_result(c)
                    .await?;
                (pending, running, oldest, unclaimable)
            });
            Ok(QueueHealth {
                pending,
                running,
                oldest_pending_age_seconds: oldest.map(|o| seo_domain::num::f64_of((app_now - o).num_milliseconds().max(0)) / 1000.0),
                unclaimable,
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
