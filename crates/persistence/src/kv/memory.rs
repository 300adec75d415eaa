//! The in-process kv store used when no Redis is configured.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{Kv, KvError, Subscription, WindowCount};

#[derive(Debug)]
struct Entry {
    value: String,
    expires_at: Instant,
}

/// In-process store: a map with expiry and broadcast channels. Behaves like [`super::RedisKv`]
/// within one process.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: Mutex<HashMap<String, Entry>>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
    ops: AtomicU64,
}

/// Capacity of each channel's buffer; a subscriber further behind skips messages.
const CHANNEL_CAPACITY: usize = 1024;

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_entries<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>, Instant) -> T) -> T {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked mid-update of a plain map;
        // the map is still structurally valid, so keep serving.
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self
            .ops
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
        {
            map.retain(|_, e| e.expires_at > now);
        }
        f(&mut map, now)
    }

    fn sender(&self, channel: &str) -> broadcast::Sender<String> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(channel.to_string())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .clone()
    }
}

#[async_trait]
impl Kv for MemoryKv {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<Duration, KvError> {
        Ok(Duration::ZERO)
    }

    async fn incr_window(&self, key: &str, window: Duration) -> Result<WindowCount, KvError> {
        Ok(self.with_entries(|map, now| {
            let e = map
                .entry(key.to_string())
                .and_modify(|e| {
                    if e.expires_at <= now {
                        *e = Entry {
                            value: "0".into(),
                            expires_at: now + window,
                        };
                    }
                })
                .or_insert_with(|| Entry {
                    value: "0".into(),
                    expires_at: now + window,
                });
            let count = e.value.parse::<u64>().unwrap_or(0) + 1;
            e.value = count.to_string();
            WindowCount {
                count,
                resets_in: e.expires_at.saturating_duration_since(now),
            }
        }))
    }

    async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), KvError> {
        self.with_entries(|map, now| {
            map.insert(
                key.to_string(),
                Entry {
                    value: value.to_string(),
                    expires_at: now + ttl,
                },
            );
        });
        Ok(())
    }

    async fn set_nx_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, KvError> {
        Ok(self.with_entries(|map, now| match map.get(key) {
            Some(e) if e.expires_at > now => false,
            _ => {
                map.insert(
                    key.to_string(),
                    Entry {
                        value: value.to_string(),
                        expires_at: now + ttl,
                    },
                );
                true
            }
        }))
    }

    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.with_entries(|map, now| {
            map.get(key)
                .filter(|e| e.expires_at > now)
                .map(|e| e.value.clone())
        }))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        Ok(self.with_entries(|map, now| {
            keys.iter()
                .map(|k| {
                    map.get(k)
                        .filter(|e| e.expires_at > now)
                        .map(|e| e.value.clone())
                })
                .collect()
        }))
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.with_entries(|map, now| map.remove(key).is_some_and(|e| e.expires_at > now)))
    }

    async fn publish(&self, channel: &str, message: &str) -> Result<(), KvError> {
        // No subscribers is not an error, as with Redis PUBLISH.
        let _ = self.sender(channel).send(message.to_string());
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        Ok(Subscription::new(self.sender(channel).subscribe()))
    }
}
