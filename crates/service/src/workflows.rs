//! Workflow runs: start one, read its steps, and the hand-off the engine applies when a
//! step's task finishes (inside the transaction that finishes it).

use std::collections::BTreeMap;
use std::sync::Arc;

use seo_agents::AgentManager;
use seo_agents::workflow::{self, Plan, StepStart, WorkflowDef};
use seo_domain::task::{DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS};
use seo_domain::{
    NewTask, NewWorkflowRun, Page, PageRequest, RunFilter, RunStatus, StepStatus, Task,
    TaskPriority, TaskStatus, WorkflowRun,
};
use seo_persistence::{Advance, Advancer};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::{Service, events};

/// A workflow definition as listed.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowView {
    /// The definition (steps, conditions, inputs).
    #[serde(flatten)]
    pub def: WorkflowDef,
    /// Steps that start a run (no predecessors).
    pub entry_steps: Vec<String>,
}

/// One step of a run as shown.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    /// Step id.
    pub step: String,
    /// Agent.
    pub agent_id: String,
    /// Task type.
    pub task_type: String,
    /// Steps it waits for.
    pub after: Vec<String>,
    /// Where it stands in the run.
    pub status: StepStatus,
    /// Its task, once queued.
    pub task_id: Option<Uuid>,
    /// The task's live status.
    pub task_status: Option<TaskStatus>,
    /// Why it was queued or skipped.
    pub reason: Option<String>,
}

/// A run with its steps in definition order.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: Uuid,
    pub workflow_id: String,
    pub status: RunStatus,
    pub input: Value,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The steps.
    pub steps: Vec<StepView>,
}

fn view(run: WorkflowRun, def: Option<&WorkflowDef>, tasks: &[Task]) -> RunView {
    let status_of = |id: Option<Uuid>| {
        id.and_then(|id| tasks.iter().find(|t| t.id == id))
            .map(|t| t.status)
    };
    let mut steps = Vec::with_capacity(run.steps.len());
    let mut seen = std::collections::BTreeSet::new();
    if let Some(def) = def {
        for s in &def.steps {
            let state = run.steps.get(&s.id);
            seen.insert(s.id.clone());
            steps.push(StepView {
                step: s.id.clone(),
                agent_id: s.agent_id.clone(),
                task_type: s.task_type.clone(),
                after: s.after.clone(),
                status: state.map_or(StepStatus::Waiting, |st| st.status),
                task_id: state.and_then(|st| st.task_id),
                task_status: status_of(state.and_then(|st| st.task_id)),
                reason: state.and_then(|st| st.reason.clone()),
            });
        }
    }
    // Steps of a definition that has since changed: shown from their tasks.
    for (id, st) in &run.steps {
        if seen.contains(id) {
            continue;
        }
        let task = st.task_id.and_then(|t| tasks.iter().find(|x| x.id == t));
        steps.push(StepView {
            step: id.clone(),
            agent_id: task.map(|t| t.agent_id.clone()).unwrap_or_default(),
            task_type: task.map(|t| t.task_type.clone()).unwrap_or_default(),
            after: Vec::new(),
            status: st.status,
            task_id: st.task_id,
            task_status: task.map(|t| t.status),
            reason: st.reason.clone(),
        });
    }
    RunView {
        id: run.id,
        workflow_id: run.workflow_id,
        status: run.status,
        input: run.input,
        client_id: run.client_id,
        campaign_id: run.campaign_id,
        created_by: run.created_by,
        error: run.error,
        created_at: run.created_at,
        updated_at: run.updated_at,
        finished_at: run.finished_at,
        steps,
    }
}

/// The task of a step decided by the graph.
fn step_task(s: StepStart, scope: &Scope) -> NewTask {
    NewTask {
        agent_id: s.agent_id,
        task_type: s.task_type,
        input: s.input,
        priority: scope.priority,
        campaign_id: scope.campaign_id,
        client_id: scope.client_id,
        parent_id: None,
        created_by: scope.created_by,
        timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

/// What every task of a run shares.
struct Scope {
    priority: TaskPriority,
    campaign_id: Option<Uuid>,
    client_id: Option<Uuid>,
    created_by: Option<Uuid>,
}

/// A request to start a run.
#[derive(Debug, Clone)]
pub struct StartRun {
    /// The workflow.
    pub workflow_id: String,
    /// The run's input (the first steps' input).
    pub input: Value,
    /// The client the run is for.
    pub client_id: Option<Uuid>,
    /// The campaign the run is for.
    pub campaign_id: Option<Uuid>,
    /// Who starts it.
    pub created_by: Option<Uuid>,
}

impl Service {
    /// The workflows that can run here (every step's agent registered), by id.
    pub fn workflows(&self) -> Vec<WorkflowView> {
        self.agents
            .workflows()
            .into_iter()
            .map(|d| WorkflowView {
                entry_steps: d.roots().map(|s| s.id.clone()).collect(),
                def: d.clone(),
            })
            .collect()
    }

    /// Starts a run: the record and its first step tasks in one transaction. Each first
    /// step's input is checked against its agent's schema first (422 naming the field).
    pub async fn start_workflow(&self, req: StartRun) -> ServiceResult<RunView> {
        let def = self
            .agents
            .workflow(&req.workflow_id)
            .ok_or(ServiceError::NotFound("workflow"))?
            .clone();
        if !req.input.is_object() {
            return Err(ServiceError::invalid(
                "input",
                "invalid_type",
                "must be a JSON object",
            ));
        }
        let plan = workflow::start(&def, &req.input);
        for s in &plan.start {
            self.agents.validate(&s.agent_id, &s.task_type, &s.input)?;
        }
        // The run's client and campaign, when not given apart, are the input's own.
        let id_in = |k: &str| {
            req.input
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
        };
        let scope = Scope {
            priority: TaskPriority::Normal,
            campaign_id: req.campaign_id.or_else(|| id_in("campaign_id")),
            client_id: req.client_id.or_else(|| id_in("client_id")),
            created_by: req.created_by,
        };
        for (field, id) in [
            ("client_id", scope.client_id),
            ("campaign_id", scope.campaign_id),
        ] {
            let found = match (field, id) {
                (_, None) => Ok(()),
                ("client_id", Some(id)) => self.db.get_client(id).await.map(|_| ()),
                (_, Some(id)) => self.db.get_campaign(id).await.map(|_| ()),
            };
            let known = match found {
                Ok(()) => true,
                Err(seo_persistence::DbError::NotFound(_)) => false,
                Err(e) => return Err(e.into()),
            };
            if !known {
                return Err(ServiceError::invalid(
                    field,
                    "invalid_reference",
                    format!("no such {}", field.trim_end_matches("_id")),
                ));
            }
        }
        self.create_run(&def, req.input, plan, &scope, None).await
    }

    async fn create_run(
        &self,
        def: &WorkflowDef,
        input: Value,
        plan: Plan,
        scope: &Scope,
        trigger: Option<(String, NewTask)>,
    ) -> ServiceResult<RunView> {
        let Plan { start, steps, .. } = plan;
        let mut root = Vec::with_capacity(start.len());
        for s in start {
            match &trigger {
                Some((step, task)) if *step == s.step => root.push((s.step, task.clone())),
                _ => root.push((s.step.clone(), step_task(s, scope))),
            }
        }
        let new = NewWorkflowRun {
            workflow_id: def.id.clone(),
            input,
            steps,
            client_id: scope.client_id,
            campaign_id: scope.campaign_id,
            created_by: scope.created_by,
        };
        let (run, tasks) = self.db.create_workflow_run(new, root).await?;
        events::workflow_update(self.kv.as_ref(), &run, "started").await;
        for t in &tasks {
            self.announce(t).await;
        }
        tracing::info!(run_id = %run.id, workflow = %run.workflow_id, steps = tasks.len(), "workflow run started");
        Ok(view(run, Some(def), &tasks))
    }

    /// When `new` is a standalone task that triggers a workflow: a run of it with `new` as
    /// its trigger step; returns that task. `None` when nothing is triggered.
    pub(crate) async fn start_triggered_run(&self, new: &NewTask) -> ServiceResult<Option<Task>> {
        let Some(def) = self
            .agents
            .triggered_workflow(&new.agent_id, &new.task_type)
            .cloned()
        else {
            return Ok(None);
        };
        let Some(trigger) = def.trigger.clone() else {
            return Ok(None);
        };
        let plan = workflow::start(&def, &new.input);
        if !plan.start.iter().any(|s| s.step == trigger.step) {
            return Ok(None);
        }
        let scope = Scope {
            priority: new.priority,
            campaign_id: new.campaign_id,
            client_id: new.client_id,
            created_by: new.created_by,
        };
        let run = self
            .create_run(
                &def,
                new.input.clone(),
                plan,
                &scope,
                Some((trigger.step.clone(), new.clone())),
            )
            .await?;
        let id = run
            .steps
            .iter()
            .find(|s| s.step == trigger.step)
            .and_then(|s| s.task_id)
            .ok_or_else(|| ServiceError::Conflict("the triggered run has no first step".into()))?;
        Ok(Some(self.db.get_task(id).await?))
    }

    /// One run with its steps and their tasks' live statuses.
    pub async fn workflow_run(&self, id: Uuid) -> ServiceResult<RunView> {
        let run = self.db.get_workflow_run(id).await?;
        let tasks = self.db.workflow_run_tasks(id).await?;
        let def = self.agents.workflow(&run.workflow_id).cloned();
        Ok(view(run, def.as_ref(), &tasks))
    }

    /// Runs, newest first (steps as recorded, without task statuses).
    pub async fn workflow_runs(
        &self,
        filter: RunFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<RunView>> {
        let p = self.db.list_workflow_runs(filter, page).await?;
        let items = p
            .items
            .into_iter()
            .map(|r| {
                let def = self.agents.workflow(&r.workflow_id).cloned();
                view(r, def.as_ref(), &[])
            })
            .collect();
        Ok(Page {
            items,
            total: p.total,
            page: p.page,
            size: p.size,
        })
    }
}

/// The hand-off of a finished step task, for the engine to pass to the finishing write:
/// decides the run's next steps from its definition in `agents`.
pub fn advancer(agents: Arc<AgentManager>) -> Advancer {
    Box::new(
        move |run: &WorkflowRun, finished: &Task, outputs: &BTreeMap<String, Value>| {
            let step = finished.workflow_step.clone().unwrap_or_default();
            let Some(def) = agents.workflow(&run.workflow_id) else {
                let mut steps = run.steps.clone();
                if let Some(s) = steps.get_mut(&step) {
                    s.status = if finished.status == TaskStatus::Completed {
                        StepStatus::Completed
                    } else {
                        StepStatus::Failed
                    };
                }
                return Advance {
                    spawn: Vec::new(),
                    steps,
                    status: RunStatus::Failed,
                    error: Some(format!(
                        "workflow '{}' is no longer available here",
                        run.workflow_id
                    )),
                };
            };
            let completed = finished.status == TaskStatus::Completed;
            let error = finished.error.as_ref().map(|e| e.message.clone());
            let plan = workflow::advance(
                def,
                &run.steps,
                &run.input,
                outputs,
                &step,
                completed,
                error.as_deref(),
            );
            let scope = Scope {
                priority: finished.priority,
                campaign_id: run.campaign_id.or(finished.campaign_id),
                client_id: run.client_id.or(finished.client_id),
                created_by: run.created_by.or(finished.created_by),
            };
            Advance {
                spawn: plan
                    .start
                    .into_iter()
                    .map(|s| (s.step.clone(), step_task(s, &scope)))
                    .collect(),
                steps: plan.steps,
                status: plan.status,
                error: plan.error,
            }
        },
    )
}
