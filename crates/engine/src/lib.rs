//! The task engine: supervised workers claim tasks from the durable queue and run them on
//! the agent manager; a sweeper re-queues the tasks of instances that died.
//!
//! - Each running task has a heartbeat that extends its lease (by the database's clock) and
//!   stores progress; when the lease cannot be extended (the task was cancelled, or
//!   re-queued because this instance was presumed dead) the run is dropped within one
//!   heartbeat. The timeout is enforced; transient failures are retried with exponential
//!   backoff up to `max_attempts`.
//! - A panicking agent fails its task (`error.code = "agent_panic"`) and the worker goes on;
//!   a worker loop that dies anyway is restarted with backoff and logged, and `/health`
//!   counts live workers ([`seo_service::workers::WorkerGauge`]).
//! - A worker claims only tasks of agents this instance has; others wait for an instance
//!   that has them.
//! - A finished task that is a workflow step is written together with its run's next
//!   steps, in one transaction ([`seo_service::workflows::advancer`]).
//! - On shutdown the workers stop and hand their running tasks back without spending an
//!   attempt.
//!
//! A scheduler (periodic tasks) belongs here too, beside the sweeper.

mod data;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use seo_persistence::ExpiredOutcome;
use seo_service::Service;
use seo_service::events::task_update;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use data::DbData;

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
    /// First delay before a dead worker loop is restarted; doubles per restart in a row.
    pub restart_base: Duration,
    /// Longest restart delay.
    pub restart_max: Duration,
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
            restart_base: Duration::from_millis(100),
            restart_max: Duration::from_secs(30),
        }
    }
}

/// A running engine.
#[derive(Debug)]
pub struct Engine {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
    worker_ids: Vec<String>,
    service: Service,
}

impl Engine {
    /// Starts `cfg.workers` supervised workers named after `instance_id`, and the lease
    /// sweeper.
    pub fn start(service: Service, instance_id: &str, cfg: EngineConfig) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let mut handles = Vec::new();
        let mut worker_ids = Vec::new();
        service.workers.set_configured(cfg.workers);
        let data: Arc<dyn seo_agents::AgencyData> = Arc::new(DbData::new(service.db.clone()));
        for n in 0..cfg.workers {
            let id = format!("{instance_id}-w{n}");
            worker_ids.push(id.clone());
            let w = worker::Worker {
                service: service.clone(),
                id,
                cfg: cfg.clone(),
                data: data.clone(),
            };
            service.workers.started();
            handles.push(tokio::spawn(worker::supervise(w, stop_rx.clone())));
        }
        handles.push(tokio::spawn(sweeper(
            service.clone(),
            cfg.reap_every,
            stop_rx,
        )));
        tracing::info!(workers = cfg.workers, "task engine started");
        Self {
            stop,
            handles,
            worker_ids,
            service,
        }
    }

    /// Stops claiming, stops running tasks, and puts them back in the queue.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
        for id in &self.worker_ids {
            match self.service.db.release_worker_tasks(id).await {
                Ok(tasks) => {
                    for t in &tasks {
                        task_update(
                            self.service.kv.as_ref(),
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

async fn sweeper(service: Service, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        match service.db.requeue_expired().await {
            Ok(outcomes) => {
                for o in outcomes {
                    let (t, event) = match &o {
                        ExpiredOutcome::Requeued(t) => (t, "requeued"),
                        ExpiredOutcome::Failed(t) => (t, "failed"),
                    };
                    tracing::warn!(task_id = %t.id, event, "task of a lost worker");
                    let why = t.error.as_ref().map(|e| e.message.as_str());
                    task_update(service.kv.as_ref(), t, event, why).await;
                    if event == "requeued" {
                        service.task_queued.notify_waiters();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "lease sweep failed"),
        }
    }
}
