//! The use-cases of SEO Architects, one home each.
//!
//! Rule: a use-case lives here, once. The HTTP handlers, the WebSocket, the CLI, MCP and the
//! scheduler call it; none of them re-implements a rule. A transport only extracts, calls a
//! [`Service`] method and maps its [`ServiceError`].
//!
//! - [`Service::enqueue`]: schema check, store, announce, wake workers; a task that triggers
//!   a workflow becomes the first step of a run.
//! - [`Service::transition_campaign`]: state change and the start-up audit in one
//!   transaction; the domain is checked by the auditor's own rule first.
//! - [`Service::update_user`] / [`Service::delete_user`]: the last-admin guard as one
//!   conditional statement.
//! - [`Service::alerts`], [`stats::success_rate`]: one definition each.
//! - [`Service::start_workflow`] and the run views: workflow runs.
//! - [`Service::create_lead`], [`Service::move_lead`], [`Service::review_proposal`],
//!   [`Service::send_proposal`]: the sales pipeline; [`Service::effects_of`]: the records a
//!   finished sales task writes in its completing transaction.

pub mod alerts;
pub mod audits;
pub mod campaigns;
pub mod datasets;
pub mod error;
pub mod events;
pub mod external;
pub mod links;
pub mod list_cache;
pub mod overview;
pub mod proposals;
pub mod records;
pub mod reports;
pub mod sales;
pub mod stats;
pub mod tasks;
pub mod users;
pub mod workers;
pub mod workflows;

use std::sync::Arc;

use seo_agents::AgentManager;
use seo_auth::AuthService;
use seo_persistence::Database;
use seo_persistence::kv::Kv;
use tokio::sync::Notify;

pub use alerts::AlertRules;
pub use error::{ServiceError, ServiceResult};
pub use users::UserUpdate;
pub use workflows::{RunView, StepView, WorkflowView};

/// Settings of the use-cases.
#[derive(Debug, Clone, Default)]
pub struct ServiceSettings {
    /// Alert thresholds.
    pub alerts: AlertRules,
    /// Whether private, loopback and unresolvable hosts may be audited (the auditor's own
    /// setting; tests turn it on).
    pub allow_private_targets: bool,
    /// White-label branding of report documents.
    pub branding: reports::Branding,
    /// The logo named by `branding.logo_path`, read once at start-up.
    pub logo: Option<seo_render::Logo>,
    /// The sales pipeline: approval gates, proposal validity, qualifying classes.
    pub sales: sales::SalesConfig,
}

/// Everything a use-case may use. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Service {
    /// The database.
    pub db: Database,
    /// The kv store (Redis or in-process): live events.
    pub kv: Arc<dyn Kv>,
    /// Login, tokens, passwords.
    pub auth: AuthService,
    /// The agent registry and the workflow definitions.
    pub agents: Arc<AgentManager>,
    /// Metrics (system sample and request history for the alert rules).
    pub metrics: Arc<seo_metrics::Metrics>,
    /// Wakes this instance's idle workers when a task is queued here.
    pub task_queued: Arc<Notify>,
    /// Settings.
    pub settings: Arc<ServiceSettings>,
    /// This instance's task workers (kept current by the engine).
    pub workers: Arc<workers::WorkerGauge>,
    /// External data (MCP data providers), when configured.
    pub external: Option<Arc<dyn seo_agents::ExternalData>>,
    /// Serialised pages of the hot lists, served while their table is unchanged.
    pub lists: Arc<list_cache::ListCache>,
}

impl Service {
    /// The use-cases over these parts.
    pub fn new(
        db: Database,
        kv: Arc<dyn Kv>,
        auth: AuthService,
        agents: Arc<AgentManager>,
        metrics: Arc<seo_metrics::Metrics>,
        settings: ServiceSettings,
    ) -> Self {
        Self {
            db,
            kv,
            auth,
            agents,
            metrics,
            task_queued: Arc::new(Notify::new()),
            settings: Arc::new(settings),
            workers: Arc::new(workers::WorkerGauge::default()),
            external: None,
            lists: Arc::new(list_cache::ListCache::default()),
        }
    }

    /// The same use-cases with external data providers (MCP) that agents may be switched to.
    pub fn with_external(mut self, external: Arc<dyn seo_agents::ExternalData>) -> Self {
        self.external = Some(external);
        self
    }
}
