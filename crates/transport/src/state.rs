//! Shared state handed to every handler.

use std::sync::Arc;
use std::time::Instant;

use seo_persistence::Database;
use seo_persistence::kv::Kv;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The kv store (Redis or in-process).
    pub kv: Arc<dyn Kv>,
    /// True when the kv store is an external Redis this instance depends on.
    pub kv_required: bool,
    /// Unique name of this process among instances (also the task-lease owner).
    pub instance_id: String,
    /// When the process started serving.
    pub started_at: Instant,
}

impl AppState {
    /// Builds the state.
    pub fn new(db: Database, kv: Arc<dyn Kv>, kv_required: bool, instance_id: String) -> Self {
        Self {
            db,
            kv,
            kv_required,
            instance_id,
            started_at: Instant::now(),
        }
    }
}
