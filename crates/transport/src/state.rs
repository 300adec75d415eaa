//! Shared state handed to every handler.

use std::sync::Arc;
use std::time::Instant;

use seo_auth::AuthService;
use seo_persistence::Database;
use seo_persistence::kv::Kv;

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
    /// Unique name of this process among instances (also the task-lease owner).
    pub instance_id: String,
    /// When the process started serving.
    pub started_at: Instant,
}

impl AppState {
    /// Builds the state.
    pub fn new(
        db: Database,
        kv: Arc<dyn Kv>,
        kv_required: bool,
        auth: AuthService,
        http: HttpConfig,
        instance_id: String,
    ) -> Self {
        Self {
            db,
            kv,
            kv_required,
            auth,
            http: Arc::new(http),
            instance_id,
            started_at: Instant::now(),
        }
    }
}
