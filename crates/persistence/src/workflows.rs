//! Workflow runs: the run record, and the step hand-off that happens inside the transaction
//! that finishes a task.
//!
//! Rule: a task that is a step of a run is finished, and the run advanced (successor tasks
//! inserted, step states and run status written), in one transaction. A crash can come
//! before it or after it, never between the completion and its follow-up steps.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{
    NewTask, NewWorkflowRun, Page, PageRequest, RunFilter, RunStatus, StepState, StepStatus, Task,
    WorkflowRun,
};
use serde_json::Value;
use uuid::Uuid;

use crate::schema::{tasks, workflow_runs};
use crate::tasks::{TaskRow, task_not_found};
use crate::{Database, DbError, DbResult, now, parse_id, parse_opt_id, utc};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = workflow_runs)]
pub(crate) struct RunRow {
    pub id: String,
    pub workflow_id: String,
    pub status: String,
    pub input: String,
    pub steps: String,
    pub client_id: Option<String>,
    pub campaign_id: Option<String>,
    pub created_by: Option<String>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl RunRow {
    pub(crate) fn into_domain(self) -> DbResult<WorkflowRun> {
        Ok(WorkflowRun {
            id: parse_id(&self.id)?,
            workflow_id: self.workflow_id,
            status: RunStatus::parse(&self.status)
                .ok_or_else(|| DbError::Corrupt(format!("run status {}", self.status)))?,
            input: serde_json::from_str(&self.input)?,
            steps: serde_json::from_str(&self.steps)?,
            client_id: parse_opt_id(self.client_id.as_deref())?,
            campaign_id: parse_opt_id(self.campaign_id.as_deref())?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            error: self.error,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            finished_at: self.finished_at.map(utc),
        })
    }
}

/// What the workflow graph decided after one of its steps finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Advance {
    /// New step tasks: step id and task (their `parent_id` is set to the finished task).
    pub spawn: Vec<(String, NewTask)>,
    /// Every step's state after the decision (spawned steps: `Queued`, ids filled in here).
    pub steps: BTreeMap<String, StepState>,
    /// The run's status after the decision.
    pub status: RunStatus,
    /// Why the run failed, when it did.
    pub error: Option<String>,
}

/// Decides the continuation of a run when one of its steps' tasks has finished: given the
/// run (locked), the finished task and the outputs of every completed step (the finished
/// one included when it completed). Runs inside the finishing transaction, so it must not
/// block; it only computes.
pub type Advancer =
    Box<dyn FnOnce(&WorkflowRun, &Task, &BTreeMap<String, Value>) -> Advance + Send + 'static>;

/// A finished task and what its finishing started.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The task as written.
    pub task: Task,
    /// Successor step tasks (and dispatched tasks) inserted in the same transaction.
    pub spawned: Vec<Task>,
    /// The run after the hand-off, when the task is a step of one.
    pub run: Option<WorkflowRun>,
}

/// Runs `advance` for the run of the task in `$row` (already written as finished) inside
/// the open transaction on `$c`; evaluates to `DbResult<(Vec<TaskRow>, Option<RunRow>)>`.
macro_rules! advance_run {
    ($c:ident, $row:expr, $advance:expr) => {{
        let row: &crate::tasks::TaskRow = $row;
        match (&row.workflow_run_id, $advance) {
            (Some(run_id), Some(advance)) => {
                let ts = crate::now();
                // A write first: on PostgreSQL it locks the run row, so two steps finishing
                // at once take turns deciding the join; SQLite already holds the write lock.
                let locked: Option<crate::workflows::RunRow> = diesel::update(
                    crate::schema::workflow_runs::table
                        .filter(crate::schema::workflow_runs::id.eq(run_id))
                        .filter(crate::schema::workflow_runs::status.eq("running")),
                )
                .set(crate::schema::workflow_runs::updated_at.eq(ts))
                .returning(crate::workflows::RunRow::as_returning())
                .get_result($c)
                .await
                .optional()?;
                match locked {
                    None => Ok::<_, crate::DbError>((Vec::new(), None)),
                    Some(run_row) => {
                        let run = run_row.into_domain()?;
                        let done: Vec<(Option<String>, Option<String>)> = tasks::table
                            .filter(tasks::workflow_run_id.eq(run_id))
                            .filter(tasks::status.eq("completed"))
                            .select((tasks::workflow_step, tasks::output))
                            .load($c)
                            .await?;
                        let mut outputs = std::collections::BTreeMap::new();
                        for (step, out) in done {
                            if let (Some(step), Some(out)) = (step, out) {
                                outputs
                                    .insert(step, serde_json::from_str::<serde_json::Value>(&out)?);
                            }
                        }
                        let finished = row.clone().into_domain()?;
                        let mut decided: crate::workflows::Advance =
                            advance(&run, &finished, &outputs);
                        // A run whose proposal waits for a person completes when it is decided.
                        if decided.status == seo_domain::RunStatus::Completed
                            && crate::proposals::run_waits_for_approval!($c, run_id.as_str())?
                        {
                            decided.status = seo_domain::RunStatus::WaitingApproval;
                        }
                        let mut spawned = Vec::with_capacity(decided.spawn.len());
                        for (step, mut new) in std::mem::take(&mut decided.spawn) {
                            new.parent_id = Some(finished.id);
                            let child = crate::tasks::TaskRow::new_pending(
                                new,
                                Some((run.id, step.clone())),
                            )?;
                            let child: crate::tasks::TaskRow = diesel::insert_into(tasks::table)
                                .values(&child)
                                .returning(crate::tasks::TaskRow::as_returning())
                                .get_result($c)
                                .await
                                .map_err(crate::tasks::task_not_found)?;
                            let entry = decided
                                .steps
                                .entry(step)
                                .or_insert_with(seo_domain::StepState::waiting);
                            entry.status = seo_domain::StepStatus::Queued;
                            entry.task_id = Some(crate::parse_id(&child.id)?);
                            spawned.push(child);
                        }
                        let finished_at = decided.status.is_final().then_some(ts);
                        let run_row: crate::workflows::RunRow = diesel::update(
                            workflow_runs::table.filter(workflow_runs::id.eq(run_id)),
                        )
                        .set((
                            workflow_runs::status.eq(decided.status.as_str()),
                            workflow_runs::steps.eq(serde_json::to_string(&decided.steps)?),
                            workflow_runs::error.eq(decided.error.clone()),
                            workflow_runs::updated_at.eq(ts),
                            workflow_runs::finished_at.eq(finished_at),
                        ))
                        .returning(crate::workflows::RunRow::as_returning())
                        .get_result($c)
                        .await?;
                        Ok((spawned, Some(run_row)))
                    }
                }
            }
            _ => Ok((Vec::new(), None)),
        }
    }};
}
pub(crate) use advance_run;

impl Database {
    /// Creates a run and its first step tasks in one transaction. `root` pairs a step id
    /// with its task.
    pub async fn create_workflow_run(
        &self,
        new: NewWorkflowRun,
        root: Vec<(String, NewTask)>,
    ) -> DbResult<(WorkflowRun, Vec<Task>)> {
        self.run(move |mut conn| async move {
            let ts = now();
            let run_id = Uuid::new_v4();
            let mut steps = new.steps;
            let mut rows = Vec::with_capacity(root.len());
            for (step, task) in root {
                let row = TaskRow::new_pending(task, Some((run_id, step.clone())))?;
                let entry = steps.entry(step).or_insert_with(StepState::waiting);
                entry.status = StepStatus::Queued;
                entry.task_id = Some(parse_id(&row.id)?);
                rows.push(row);
            }
            let run = RunRow {
                id: run_id.to_string(),
                workflow_id: new.workflow_id,
                status: RunStatus::Running.as_str().into(),
                input: serde_json::to_string(&new.input)?,
                steps: serde_json::to_string(&steps)?,
                client_id: new.client_id.map(|v| v.to_string()),
                campaign_id: new.campaign_id.map(|v| v.to_string()),
                created_by: new.created_by.map(|v| v.to_string()),
                error: None,
                created_at: ts,
                updated_at: ts,
                finished_at: None,
            };
            let (run, tasks): (RunRow, Vec<TaskRow>) = db_tx!(conn, c => {
                let run: RunRow = diesel::insert_into(workflow_runs::table)
                    .values(&run)
                    .returning(crate::workflows::RunRow::as_returning())
                    .get_result(c)
                    .await
                    .map_err(|e| match DbError::from(e) {
                        DbError::InvalidReference(_) => DbError::InvalidReference(
                            "client_id, campaign_id or created_by names a record that does not exist".into(),
                        ),
                        other => other,
                    })?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push(
                        diesel::insert_into(tasks::table)
                            .values(row)
                            .returning(TaskRow::as_returning())
                            .get_result(c)
                            .await
                            .map_err(task_not_found)?,
                    );
                }
                Ok((run, out))
            })?;
            let tasks = tasks
                .into_iter()
                .map(TaskRow::into_domain)
                .collect::<DbResult<Vec<_>>>()?;
            Ok((run.into_domain()?, tasks))
        })
        .await
    }

    /// A campaign's newest run, if any.
    pub async fn latest_campaign_run(&self, campaign_id: Uuid) -> DbResult<Option<WorkflowRun>> {
        self.run(move |mut conn| async move {
            let row: Option<RunRow> = db_run!(conn, c => {
                workflow_runs::table
                    .filter(workflow_runs::campaign_id.eq(campaign_id.to_string()))
                    .select(RunRow::as_select())
                    .order((workflow_runs::created_at.desc(), workflow_runs::id.desc()))
                    .first(c)
                    .await
                    .optional()
            })?;
            row.map(RunRow::into_domain).transpose()
        })
        .await
    }

    /// One run.
    pub async fn get_workflow_run(&self, id: Uuid) -> DbResult<WorkflowRun> {
        self.run(move |mut conn| async move {
            let row: RunRow = db_run!(conn, c => {
                workflow_runs::table.find(id.to_string()).select(RunRow::as_select()).first(c).await
            })
            .map_err(|e| match DbError::from(e) {
                DbError::NotFound(_) => DbError::NotFound("workflow run"),
                other => other,
            })?;
            row.into_domain()
        })
        .await
    }

    /// Runs, newest first.
    pub async fn list_workflow_runs(
        &self,
        filter: RunFilter,
        page: PageRequest,
    ) -> DbResult<Page<WorkflowRun>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<RunRow>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = workflow_runs::table.into_boxed();
                    if let Some(w) = &filter.workflow_id {
                        q = q.filter(workflow_runs::workflow_id.eq(w.clone()));
                    }
                    if let Some(s) = filter.status {
                        q = q.filter(workflow_runs::status.eq(s.as_str()));
                    }
                    q
                };
                let rows: Vec<RunRow> = build()
                    .select(RunRow::as_select())
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
                .map(RunRow::into_domain)
                .collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// The step tasks of a run, oldest first.
    pub async fn workflow_run_tasks(&self, run_id: Uuid) -> DbResult<Vec<Task>> {
        self.run(move |mut conn| async move {
            let rows: Vec<TaskRow> = db_run!(conn, c => {
                tasks::table
                    .filter(tasks::workflow_run_id.eq(run_id.to_string()))
                    .select(TaskRow::as_select())
                    .order((tasks::created_at.asc(), tasks::id.asc()))
                    .load(c)
                    .await
            })?;
            rows.into_iter().map(TaskRow::into_domain).collect()
        })
        .await
    }
}
