//! Shared state handed to every handler.

use std::sync::Arc;
use std::time::Instant;

use seo_agents::AgentManager;
use seo_auth::AuthService;
use seo_persistence::Database;
use seo_persistence::kv::Kv;
use tokio::sync::Notify;

use crate::config::HttpConfig;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The kv store (Redis or in-process).
    pub kv: Arc<dyn Kv>,
    /// True when the kv store is an external Redis this instance depends on.
    pub kv_required: bool,
    /// Login, tokens, revocation.
    pub auth: AuthService,
    /// HTTP-layer settings.
    pub http: Arc<HttpConfig>,
    /// The agent registry.
    pub agents: Arc<AgentManager>,
    /// Metrics (Prometheus series, per-minute history, system sample).
    pub metrics: Arc<seo_metrics::Metrics>,
    /// The WebSocket connections of this instance.
    pub ws: Arc<crate::ws::Hub>,
    /// Wakes this instance's idle workers when a task is queued here.
    pub task_queued: Arc<Notify>,
    /// Unique name of this process among instances (also the task-lease owner).
    pub instance_id: String,
    /// When the process started serving.
    pub started_at: Instant,
}

/// The services an [`AppState`] is built from.
#[derive(Debug)]
pub struct Services {
    /// The database.
    pub db: Database,
    /// The kv store.
    pub kv: Arc<dyn Kv>,
    /// True when the kv store is an external Redis this instance depends on.
    pub kv_required: bool,
    /// Login, tokens, revocation.
    pub auth: AuthService,
    /// The agent registry.
    pub agents: Arc<AgentManager>,
    /// Metrics.
    pub metrics: Arc<seo_metrics::Metrics>,
}

impl AppState {
    /// Builds the state.
    pub fn new(services: Services, http: HttpConfig, instance_id: String) -> Self {
        let Services {
            db,
            kv,
            kv_required,
            auth,
            agents,
            metrics,
        } = services;
        let ws = Arc::new(crate::ws::Hub::new(http.ws.clone()));
        Self {
            db,
            kv,
            kv_required,
            auth,
            ws,
            http: Arc::new(http),
            agents,
            metrics,
            task_queued: Arc::new(Notify::new()),
            instance_id,
            started_at: Instant::now(),
        }
    }

    /// Checks a new task against the agent registry (agent, task type, input schema) and
    /// queues it: stored, announced, and this instance's workers woken.
    pub async fn enqueue(
        &self,
        new: seo_domain::NewTask,
    ) -> Result<seo_domain::Task, crate::ApiError> {
        self.agents
            .validate(&new.agent_id, &new.task_type, &new.input)
            .map_err(crate::error::agent_error)?;
        let task = self.db.create_task(new).await?;
        crate::events::task_update(self.kv.as_ref(), &task, "created", None).await;
        self.task_queued.notify_waiters();
        Ok(task)
    }
}
