//! One worker: claim, run with heartbeat and timeout, write the outcome — supervised, so a
//! worker loop that dies is restarted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use seo_agents::{AgencyData, AgentError, AgentOutput, TaskContext, TaskScope};
use seo_domain::{RunStatus, Task, TaskError, TaskStatus};
use seo_persistence::{DbResult, Finished};
use seo_service::Service;
use seo_service::events::{task_update, workflow_update};
use tokio::sync::watch;

use crate::EngineConfig;

/// What a worker needs.
#[derive(Clone)]
pub(crate) struct Worker {
    pub service: Service,
    pub id: String,
    pub cfg: EngineConfig,
    pub data: Arc<dyn AgencyData>,
}

/// Runs the worker loop and restarts it (with backoff) whenever it dies, until stopped.
/// The loop counts as live from before it is spawned (the caller counted the first one)
/// until it ends.
pub(crate) async fn supervise(w: Worker, stop: watch::Receiver<bool>) {
    let mut delay = w.cfg.restart_base;
    loop {
        let run = tokio::spawn(worker_loop(w.clone(), stop.clone()));
        let ended = run.await;
        w.service.workers.ended();
        match ended {
            Ok(()) => return,
            Err(e) => {
                if *stop.borrow() {
                    return;
                }
                w.service.workers.restarted();
                tracing::error!(worker = %w.id, error = %e, restart_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "worker loop died; restarting");
                let mut stop = stop.clone();
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return,
                }
                delay = delay.saturating_mul(2).min(w.cfg.restart_max);
                w.service.workers.started();
            }
        }
    }
}

async fn worker_loop(w: Worker, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let agents: Vec<String> = w
            .service
            .agents
            .ids()
            .into_iter()
            .map(String::from)
            .collect();
        match w.service.db.claim_task(&w.id, w.cfg.lease, &agents).await {
            Ok(Some(claimed)) => {
                if run_one(&w, claimed.task, &mut stop).await == Ended::Shutdown {
                    return;
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = w.service.task_queued.notified() => {}
                    _ = tokio::time::sleep(w.cfg.poll) => {}
                    _ = stop.changed() => return,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, worker = %w.id, "claim failed");
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
    Done(Result<AgentOutput, AgentError>),
    Lost,
    TimedOut,
    Shutdown,
}

/// Extends the lease and stores progress until the lease is lost.
async fn heartbeat(w: &Worker, task: &Task, progress: &AtomicU8) {
    let mut last = 0u8;
    let db = &w.service.db;
    loop {
        tokio::time::sleep(w.cfg.heartbeat).await;
        match db.extend_lease(task.id, &w.id, w.cfg.lease).await {
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
                db.set_task_progress(task.id, &w.id, i32::from(p)).await,
                Ok(true)
            )
        {
            last = p;
            let mut t = task.clone();
            t.progress = i32::from(p);
            task_update(w.service.kv.as_ref(), &t, "progress", None).await;
        }
    }
}

fn retry_delay(cfg: &EngineConfig, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    cfg.retry_base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(cfg.retry_max)
}

async fn run_one(w: &Worker, task: Task, stop: &mut watch::Receiver<bool>) -> Ended {
    let s = &w.service;
    task_update(s.kv.as_ref(), &task, "started", None).await;
    let began = std::time::Instant::now();
    let progress = Arc::new(AtomicU8::new(0));
    let sink = progress.clone();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let mut ctx = TaskContext::new(
        Arc::new(move |p| sink.store(p, Ordering::Relaxed)),
        cancel_rx,
    )
    .with_data(
        w.data.clone(),
        TaskScope {
            task_id: Some(task.id),
            client_id: task.client_id,
            campaign_id: task.campaign_id,
        },
    );
    // An agent switched to its MCP data providers gets them (never required: an agent that
    // cannot reach them completes and says what it could not get).
    if let Some(ext) = s.external_for(&task.agent_id).await {
        ctx = ctx.with_external(ext);
    }
    let timeout = Duration::from_secs(u64::try_from(task.timeout_seconds.max(1)).unwrap_or(300));
    let outcome = tokio::select! {
        r = s.agents.run(&task.agent_id, &task.task_type, &task.input, &ctx) => Outcome::Done(r),
        () = heartbeat(w, &task, &progress) => Outcome::Lost,
        () = tokio::time::sleep(timeout) => Outcome::TimedOut,
        _ = stop.changed() => Outcome::Shutdown,
    };
    // Whatever ended the run, anything the agent spawned is told to stop.
    let _ = cancel_tx.send(true);
    let db = &s.db;
    let advance = || Some(seo_service::workflows::advancer(s.agents.clone()));
    let written: DbResult<Option<Finished>> = match outcome {
        Outcome::Shutdown => return Ended::Shutdown,
        Outcome::Lost | Outcome::Done(Err(AgentError::Cancelled)) => {
            tracing::info!(task_id = %task.id, "task cancelled or taken over; run stopped");
            return Ended::Normally;
        }
        Outcome::TimedOut => {
            s.agents.record_timeout(&task.agent_id);
            let e = TaskError::new(
                "timed_out",
                format!("exceeded its timeout of {} s", timeout.as_secs()),
            );
            db.time_out_task(task.id, &w.id, &e, advance()).await
        }
        Outcome::Done(Ok(out)) => match serde_json::to_value(&out) {
            Ok(mut v) => {
                let effects = s.effects_of(&task, &mut v);
                db.complete_task_with(task.id, &w.id, &v, advance(), effects)
                    .await
            }
            Err(e) => {
                let e = TaskError::new("invalid_output", format!("output not serialisable: {e}"));
                db.fail_task(task.id, &w.id, &e, None, advance()).await
            }
        },
        Outcome::Done(Err(e)) => {
            let retry = e.is_transient().then(|| retry_delay(&w.cfg, task.attempts));
            let err = TaskError::new(e.code(), e.to_string());
            db.fail_task(task.id, &w.id, &err, retry, advance()).await
        }
    };
    match written {
        Ok(Some(f)) => announce(w, f, began.elapsed()).await,
        Ok(None) => {
            tracing::info!(task_id = %task.id, "task changed while running (cancelled); result dropped")
        }
        Err(e) => {
            tracing::error!(error = %e, task_id = %task.id, "could not record the task's outcome; its lease will expire")
        }
    }
    Ended::Normally
}

/// Publishes what a finished write changed: the task, the steps it started, the run.
async fn announce(w: &Worker, f: Finished, took: Duration) {
    let s = &w.service;
    let t = &f.task;
    let (event, summary) = match t.status {
        TaskStatus::Completed => (
            "completed",
            t.output
                .as_ref()
                .and_then(|o| o.get("summary"))
                .and_then(|v| v.as_str())
                .map(str::to_string),
        ),
        TaskStatus::Pending => ("retrying", t.error.as_ref().map(|e| e.message.clone())),
        TaskStatus::TimedOut => ("timed_out", t.error.as_ref().map(|e| e.message.clone())),
        _ => ("failed", t.error.as_ref().map(|e| e.message.clone())),
    };
    task_update(s.kv.as_ref(), t, event, summary.as_deref()).await;
    let rate = s.agents.stats(&t.agent_id).success_rate;
    s.metrics.record_task(&t.agent_id, event, Some(took), rate);
    for child in &f.spawned {
        tracing::info!(parent = %t.id, child = %child.id, agent = %child.agent_id, step = ?child.workflow_step, "workflow step queued");
        task_update(s.kv.as_ref(), child, "created", None).await;
    }
    if !f.spawned.is_empty() {
        s.task_queued.notify_waiters();
    }
    if let Some(run) = f.run.filter(|r| r.status != RunStatus::Running) {
        tracing::info!(run_id = %run.id, status = run.status.as_str(), "workflow run finished");
        workflow_update(s.kv.as_ref(), &run, run.status.as_str()).await;
    }
}
