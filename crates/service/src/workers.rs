//! How many task workers this instance has running, for `/health`. The engine keeps it
//! current; a worker loop that died and is waiting to be restarted is not live.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

/// Live and configured workers of this instance.
#[derive(Debug, Default)]
pub struct WorkerGauge {
    configured: AtomicUsize,
    live: AtomicUsize,
    restarts: AtomicU64,
}

/// A reading of [`WorkerGauge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkerCounts {
    /// Workers this instance is configured to run (`WORKERS`).
    pub configured: usize,
    /// Worker loops running now.
    pub live: usize,
    /// Worker loops restarted after dying since start.
    pub restarts: u64,
}

impl WorkerGauge {
    /// Sets the configured count.
    pub fn set_configured(&self, n: usize) {
        self.configured.store(n, Ordering::Relaxed);
    }

    /// A worker loop started.
    pub fn started(&self) {
        self.live.fetch_add(1, Ordering::Relaxed);
    }

    /// A worker loop ended (normally or not).
    pub fn ended(&self) {
        let _ = self
            .live
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// A dead worker loop is being restarted.
    pub fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn read(&self) -> WorkerCounts {
        WorkerCounts {
            configured: self.configured.load(Ordering::Relaxed),
            live: self.live.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
        }
    }
}
