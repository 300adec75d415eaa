//! The task engine: `WORKERS` workers claim tasks from the durable queue and run them on the
//! agent manager.
//!
//! Each running task has a heartbeat that extends its lease and stores progress; when the
//! lease cannot be extended (the task was cancelled, or re-queued because this instance was
//! presumed dead) the run is dropped within one heartbeat. The task's timeout is enforced;
//! transient failures are retried with exponential backoff up to `max_attempts`; every
//! transition is published as a `task_update` event. Every instance also re-queues tasks
//! whose worker died (lease expired). On shutdown the workers stop and hand their running
//! tasks back to the queue without spending an attempt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use seo_agents::{AgentError, TaskContext};
use seo_domain::Task;
use seo_persistence::ExpiredOutcome;
use seo_transport::AppState;
use seo_transport::events::task_update;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Engine timing.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Worker count; 0 makes an API-only instance.
    pub workers: usize,
    /// Lease length; a dead worker's task is re-queued this long after its last heartbeat.
    pub lease: Duration,
    /// Heartbeat period: lease extension, progress, and noticing a cancel.
    pub heartbeat: Duration,
    /// Idle poll period (other instances' tasks are seen this often at worst).
    pub poll: Duration,
    /// How often expired leases are swept.
    pub reap_every: Duration,
    /// First retry delay; doubles per attempt.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_millis(500),
            poll: Duration::from_millis(500),
            reap_every: Duration::from_secs(5),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
        }
    }
}

/// A running engine.
#[derive(Debug)]
pub struct Engine {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
    worker_ids: Vec<String>,
    state: AppState,
}

impl Engine {
    /// Starts the workers and the lease sweeper.
    pub fn start(state: AppState, cfg: EngineConfig) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let mut handles = Vec::new();
        let mut worker_ids = Vec::new();
        for n in 0..cfg.workers {
            let id = format!("{}-w{n}", state.instance_id);
            worker_ids.push(id.clone());
            handles.push(tokio::spawn(worker(
                state.clone(),
                id,
                cfg.clone(),
                stop_rx.clone(),
            )));
        }
        handles.push(tokio::spawn(sweeper(
            state.clone(),
            cfg.reap_every,
            stop_rx,
        )));
        tracing::info!(workers = cfg.workers, "task engine started");
        Self {
            stop,
            handles,
            worker_ids,
            state,
        }
    }

    /// Stops claiming, stops running tasks, and puts them back in the queue.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
        for id in &self.worker_ids {
            match self.state.db.release_worker_tasks(id).await {
                Ok(tasks) => {
                    for t in &tasks {
                        task_update(
                            self.state.kv.as_ref(),
                            t,
                            "requeued",
                            Some("instance shutting down"),
                        )
                        .await;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, worker = %id, "could not release tasks; their leases will expire")
                }
            }
        }
        tracing::info!("task engine stopped");
    }
}

async fn sweeper(state: AppState, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        match state.db.requeue_expired().await {
            Ok(outcomes) => {
                for o in outcomes {
                    let (t, event) = match &o {
                        ExpiredOutcome::Requeued(t) => (t, "requeued"),
                        ExpiredOutcome::Failed(t) => (t, "failed"),
                    };
                    tracing::warn!(task_id = %t.id, event, "task of a lost worker");
                    task_update(state.kv.as_ref(), t, event, t.error.as_deref()).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "lease sweep failed"),
        }
    }
}

async fn worker(state: AppState, id: String, cfg: EngineConfig, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match state.db.claim_task(&id, cfg.lease).await {
            Ok(Some(claimed)) => {
                if run_one(&state, &id, claimed.task, &cfg, &mut stop).await == Ended::Shutdown {
                    return;
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = state.task_queued.notified() => {}
                    _ = tokio::time::sleep(cfg.poll) => {}
                    _ = stop.changed() => return,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, worker = %id, "claim failed");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Normally,
    Shutdown,
}

enum Outcome {
    Done(Result<seo_agents::AgentOutput, AgentError>),
    Lost,
    TimedOut,
    Shutdown,
}

/// Extends the lease and stores progress until the lease is lost.
async fn heartbeat(
    state: &AppState,
    task: &Task,
    worker: &str,
    cfg: &EngineConfig,
    progress: &AtomicU8,
) {
    let mut last = 0u8;
    loop {
        tokio::time::sleep(cfg.heartbeat).await;
        match state.db.extend_lease(task.id, worker, cfg.lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(error = %e, task_id = %task.id, "lease extension failed; retrying");
                continue;
            }
        }
        let p = progress.load(Ordering::Relaxed);
        if p != last
            && matches!(
                state
                    .db
                    .set_task_progress(task.id, worker, i32::from(p))
                    .await,
                Ok(true)
            )
        {
            last = p;
            let mut t = task.clone();
            t.progress = i32::from(p);
            task_update(state.kv.as_ref(), &t, "progress", None).await;
        }
    }
}

fn retry_delay(cfg: &EngineConfig, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    cfg.retry_base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(cfg.retry_max)
}

async fn run_one(
    state: &AppState,
    worker: &str,
    task: Task,
    cfg: &EngineConfig,
    stop: &mut watch::Receiver<bool>,
) -> Ended {
    task_update(state.kv.as_ref(), &task, "started", None).await;
    let began = std::time::Instant::now();
    let progress = Arc::new(AtomicU8::new(0));
    let sink = progress.clone();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let ctx = TaskContext::new(
        Arc::new(move |p| sink.store(p, Ordering::Relaxed)),
        cancel_rx,
    );
    let timeout = Duration::from_secs(u64::try_from(task.timeout_seconds.max(1)).unwrap_or(300));
    let outcome = tokio::select! {
        r = state.agents.run(&task.agent_id, &task.task_type, &task.input, &ctx) => Outcome::Done(r),
        () = heartbeat(state, &task, worker, cfg, &progress) => Outcome::Lost,
        () = tokio::time::sleep(timeout) => Outcome::TimedOut,
        _ = stop.changed() => Outcome::Shutdown,
    };
    // Whatever ended the run, anything the agent spawned is told to stop.
    let _ = cancel_tx.send(true);
    let db = &state.db;
    let mut follow = None;
    let written = match outcome {
        Outcome::Shutdown => return Ended::Shutdown,
        Outcome::Lost => {
            tracing::info!(task_id = %task.id, "task cancelled or taken over; run stopped");
            return Ended::Normally;
        }
        Outcome::TimedOut => db
            .time_out_task(
                task.id,
                worker,
                &format!("exceeded its timeout of {} s", timeout.as_secs()),
            )
            .await
            .map(|t| t.map(|t| (t, "timed_out", None))),
        Outcome::Done(Ok(out)) => match serde_json::to_value(&out) {
            Ok(v) => {
                follow = state.agents.follow_up(&task.agent_id, &task.input, &out);
                db.complete_task(task.id, worker, &v)
                    .await
                    .map(|t| t.map(|t| (t, "completed", Some(out.summary.clone()))))
            }
            Err(e) => db
                .fail_task(
                    task.id,
                    worker,
                    &format!("output not serialisable: {e}"),
                    None,
                )
                .await
                .map(|t| {
                    t.map(|t| {
                        let why = t.error.clone();
                        (t, "failed", why)
                    })
                }),
        },
        Outcome::Done(Err(AgentError::Cancelled)) => return Ended::Normally,
        Outcome::Done(Err(e)) => {
            let retry = e.is_transient().then(|| retry_delay(cfg, task.attempts));
            db.fail_task(task.id, worker, &e.to_string(), retry)
                .await
                .map(|t| {
                    t.map(|t| {
                        let event = if t.status == seo_domain::TaskStatus::Pending {
                            "retrying"
                        } else {
                            "failed"
                        };
                        // The reason is the summary of a failure.
                        let why = t.error.clone();
                        (t, event, why)
                    })
                })
        }
    };
    match written {
        Ok(Some((t, event, summary))) => {
            task_update(state.kv.as_ref(), &t, event, summary.as_deref()).await;
            let rate = state.agents.stats(&t.agent_id).success_rate;
            state
                .metrics
                .record_task(&t.agent_id, event, Some(began.elapsed()), rate);
            if let (Some(next), "completed") = (follow, event) {
                queue_follow_up(state, &t, next).await;
            }
        }
        Ok(None) => {
            tracing::info!(task_id = %task.id, "task changed while running (cancelled); result dropped")
        }
        Err(e) => {
            tracing::error!(error = %e, task_id = %task.id, "could not record the task's outcome; its lease will expire")
        }
    }
    Ended::Normally
}

/// Queues the next workflow step as a child task of `parent`.
async fn queue_follow_up(state: &AppState, parent: &Task, next: seo_agents::FollowUp) {
    let child = seo_domain::NewTask {
        agent_id: next.agent_id.to_string(),
        task_type: next.task_type.to_string(),
        input: next.input,
        priority: parent.priority,
        campaign_id: parent.campaign_id,
        client_id: parent.client_id,
        parent_id: Some(parent.id),
        created_by: parent.created_by,
        timeout_seconds: seo_domain::task::DEFAULT_TIMEOUT_SECONDS,
        max_attempts: seo_domain::task::DEFAULT_MAX_ATTEMPTS,
    };
    match state.enqueue(child).await {
        Ok(t) => {
            tracing::info!(parent = %parent.id, child = %t.id, agent = %t.agent_id, reason = %next.reason, "workflow step queued")
        }
        Err(e) => {
            tracing::error!(parent = %parent.id, error = %e, "could not queue the workflow step")
        }
    }
}
