//! Tasks: enqueue (with the agent registry's schema check), edit while pending, cancel,
//! and waiting for a result.

use std::time::{Duration, Instant};

use seo_domain::{NewTask, Task};
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::{Service, events};

impl Service {
    /// Checks a new task against the agent registry (agent, task type, input schema) and
    /// queues it: stored, announced, and this instance's workers woken. A standalone task
    /// that triggers a workflow (e.g. a lead qualification) becomes the first step of a new
    /// run of it, in the same transaction.
    pub async fn enqueue(&self, new: NewTask) -> ServiceResult<Task> {
        self.agents
            .validate(&new.agent_id, &new.task_type, &new.input)?;
        if new.parent_id.is_none()
            && let Some(task) = self.start_triggered_run(&new).await?
        {
            return Ok(task);
        }
        let task = self.db.create_task(new).await?;
        self.announce(&task).await;
        Ok(task)
    }

    /// Publishes `created` for a stored task and wakes this instance's workers.
    pub(crate) async fn announce(&self, task: &Task) {
        events::task_update(self.kv.as_ref(), task, "created", None).await;
        self.task_queued.notify_waiters();
    }

    /// Replaces a pending task's definition, checked like a new one.
    pub async fn update_pending_task(&self, id: Uuid, new: NewTask) -> ServiceResult<Task> {
        self.agents
            .validate(&new.agent_id, &new.task_type, &new.input)?;
        Ok(self.db.update_pending_task(id, new).await?)
    }

    /// Cancels a pending or running task (and the workflow run it is a step of).
    pub async fn cancel_task(&self, id: Uuid) -> ServiceResult<Task> {
        let task = self.db.cancel_task(id).await?;
        events::task_update(self.kv.as_ref(), &task, "cancelled", None).await;
        Ok(task)
    }

    /// The task once it has finished, or as it is when `wait` runs out.
    pub async fn wait_for_task(&self, id: Uuid, wait: Duration) -> ServiceResult<Task> {
        let deadline = Instant::now() + wait;
        loop {
            let task = self.db.get_task(id).await?;
            if task.status.is_terminal() || Instant::now() >= deadline {
                return Ok(task);
            }
            tokio::time::sleep(
                Duration::from_millis(100).min(deadline.saturating_duration_since(Instant::now())),
            )
            .await;
        }
    }
}
