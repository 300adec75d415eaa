//! The kv layer: counters with expiry (rate limits), keys with a TTL (revoked tokens,
//! caches) and publish/subscribe (live events across instances).
//!
//! One trait, two implementations with the same behaviour: [`RedisKv`] when `REDIS_URL` is
//! set (shared by every instance), [`MemoryKv`] otherwise (one process). Every key and
//! channel is namespaced by a prefix so several deployments or test runs can share a Redis.

mod memory;
mod redis;

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

pub use self::memory::MemoryKv;
pub use self::redis::RedisKv;

/// A kv failure (only the Redis backend fails; the in-process one cannot).
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// Redis could not be reached or answered with an error.
    #[error("kv store unavailable: {0}")]
    Unavailable(String),
    /// The configuration is unusable (e.g. a malformed `REDIS_URL`).
    #[error("REDIS_URL: {0}")]
    Config(String),
}

/// The state of a fixed-window counter after an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, this one included.
    pub count: u64,
    /// Time until the window resets.
    pub resets_in: Duration,
}

/// Messages of one subscribed channel.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<String>,
}

impl Subscription {
    pub(crate) fn new(rx: broadcast::Receiver<String>) -> Self {
        Self { rx }
    }

    /// The next message; `None` once the store is gone. A subscriber that fell behind
    /// skips what it missed (it is told how many in the log) rather than stalling others.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            match self.rx.recv().await {
                Ok(m) => return Some(m),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "kv subscriber fell behind; messages skipped");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The operations the server needs from a shared key-value store.
#[async_trait]
pub trait Kv: Send + Sync + std::fmt::Debug + 'static {
    /// `"redis"` or `"memory"`.
    fn backend(&self) -> &'static str;

    /// Checks the store answers; returns the round-trip time.
    async fn ping(&self) -> Result<Duration, KvError>;

    /// Increments the counter `key` in a fixed window of `window` that starts at the first hit.
    async fn incr_window(&self, key: &str, window: Duration) -> Result<WindowCount, KvError>;

    /// Sets `key` to `value` for `ttl`.
    async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), KvError>;

    /// Sets `key` only if absent; `true` when this call set it.
    async fn set_nx_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, KvError>;

    /// The value of `key`, if set and not expired.
    async fn get(&self, key: &str) -> Result<Option<String>, KvError>;

    /// The values of several keys in one round trip, in order.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError>;

    /// Removes `key`; `true` if it existed.
    async fn delete(&self, key: &str) -> Result<bool, KvError>;

    /// Publishes `message` to every subscriber of `channel` (on every instance, with Redis).
    async fn publish(&self, channel: &str, message: &str) -> Result<(), KvError>;

    /// Subscribes to `channel`.
    async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError>;
}

/// Default namespace of keys and channels.
pub const DEFAULT_PREFIX: &str = "seo";
