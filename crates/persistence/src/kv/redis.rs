//! The Redis kv store (deadpool-redis), shared by every instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use deadpool_redis::{Config, Pool, Runtime};
use futures_util::StreamExt;
use redis::AsyncCommands;
use tokio::sync::broadcast;

use super::{Kv, KvError, Subscription, WindowCount};
use crate::db::redact_url;

/// Capacity of each channel's local buffer.
const CHANNEL_CAPACITY: usize = 1024;

/// INCR with the expiry set on the first hit (and repaired if a key lost its TTL), in one
/// round trip and atomically.
const INCR_WINDOW: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

/// Redis-backed store. Keys and channels are prefixed with `<prefix>:`.
#[derive(Clone)]
pub struct RedisKv {
    pool: Pool,
    client: redis::Client,
    prefix: String,
    redacted_url: String,
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>,
    incr: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("url", &self.redacted_url)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn unavailable(e: impl std::fmt::Display) -> KvError {
    KvError::Unavailable(e.to_string())
}

impl RedisKv {
    /// Connects, retrying with backoff for up to `startup_timeout` while Redis does not answer.
    pub async fn connect(
        url: &str,
        prefix: &str,
        startup_timeout: Duration,
    ) -> Result<Self, KvError> {
        let redacted_url = redact_url(url);
        let client = redis::Client::open(url)
            .map_err(|e| KvError::Config(format!("{redacted_url}: {e}")))?;
        let mut cfg = Config::from_url(url);
        cfg.pool = Some(deadpool_redis::PoolConfig {
            max_size: 32,
            timeouts: deadpool_redis::Timeouts {
                wait: Some(Duration::from_secs(5)),
                create: Some(Duration::from_secs(5)),
                recycle: Some(Duration::from_secs(5)),
            },
            ..Default::default()
        });
        let pool = cfg
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| KvError::Config(e.to_string()))?;
        let kv = RedisKv {
            pool,
            client,
            prefix: prefix.to_string(),
            redacted_url,
            channels: Arc::default(),
            incr: Arc::new(redis::Script::new(INCR_WINDOW)),
        };
        let deadline = Instant::now() + startup_timeout;
        let mut delay = Duration::from_millis(100);
        loop {
            match kv.ping().await {
                Ok(_) => return Ok(kv),
                Err(e) if Instant::now() + delay < deadline => {
                    tracing::warn!(error = %e, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "redis not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    return Err(KvError::Unavailable(format!(
                        "{} not reachable after {}s: {e}",
                        kv.redacted_url,
                        startup_timeout.as_secs()
                    )));
                }
            }
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, KvError> {
        self.pool.get().await.map_err(unavailable)
    }

    /// Forwards one Redis channel into a local broadcast, reconnecting with backoff until
    /// no local subscriber is left.
    fn spawn_listener(&self, channel: String, tx: broadcast::Sender<String>) {
        let client = self.client.clone();
        let channels = self.channels.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(e) = pubsub.subscribe(&channel).await {
                            tracing::warn!(error = %e, "redis subscribe failed");
                        } else {
                            delay = Duration::from_millis(100);
                            let mut stream = pubsub.on_message();
                            while let Some(msg) = stream.next().await {
                                if let Ok(payload) = msg.get_payload::<String>() {
                                    // Err only means nobody listens right now.
                                    let _ = tx.send(payload);
                                }
                            }
                            tracing::warn!("redis subscription closed; reconnecting");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "redis pub/sub connection failed"),
                }
                if tx.receiver_count() == 0 {
                    let mut map = channels.lock().unwrap_or_else(|p| p.into_inner());
                    map.remove(&channel);
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }
}

#[async_trait]
impl Kv for RedisKv {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<Duration, KvError> {
        let start = Instant::now();
        let mut c = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(start.elapsed())
    }

    async fn incr_window(&self, key: &str, window: Duration) -> Result<WindowCount, KvError> {
        let mut c = self.conn().await?;
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let (count, ttl_ms): (u64, i64) = self
            .incr
            .key(self.key(key))
            .arg(window_ms)
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(WindowCount {
            count,
            resets_in: Duration::from_millis(u64::try_from(ttl_ms.max(0)).unwrap_or(0)),
        })
    }

    async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), KvError> {
        let mut c = self.conn().await?;
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn set_nx_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, KvError> {
        let mut c = self.conn().await?;
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ms)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(set.is_some())
    }

    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let mut c = self.conn().await?;
        c.get(self.key(key)).await.map_err(unavailable)
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.conn().await?;
        let mut cmd = redis::cmd("MGET");
        for k in keys {
            cmd.arg(self.key(k));
        }
        cmd.query_async(&mut c).await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        let mut c = self.conn().await?;
        let n: u64 = c.del(self.key(key)).await.map_err(unavailable)?;
        Ok(n > 0)
    }

    async fn publish(&self, channel: &str, message: &str) -> Result<(), KvError> {
        let mut c = self.conn().await?;
        let _receivers: u64 = c
            .publish(self.key(channel), message)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        let full = self.key(channel);
        let (rx, start) = {
            let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
            match map.get(&full) {
                Some(tx) => (tx.subscribe(), None),
                None => {
                    let (tx, rx) = broadcast::channel(CHANNEL_CAPACITY);
                    map.insert(full.clone(), tx.clone());
                    (rx, Some(tx))
                }
            }
        };
        if let Some(tx) = start {
            // Subscribe before returning so a publish right after this call is not missed.
            let mut pubsub = self.client.get_async_pubsub().await.map_err(unavailable)?;
            pubsub.subscribe(&full).await.map_err(unavailable)?;
            self.spawn_listener_with(full, tx, pubsub);
        }
        Ok(Subscription::new(rx))
    }
}

impl RedisKv {
    fn spawn_listener_with(
        &self,
        channel: String,
        tx: broadcast::Sender<String>,
        pubsub: redis::aio::PubSub,
    ) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut stream = pubsub.into_on_message();
            while let Some(msg) = stream.next().await {
                if let Ok(payload) = msg.get_payload::<String>() {
                    let _ = tx.send(payload);
                }
            }
            tracing::warn!("redis subscription closed; reconnecting");
            this.spawn_listener(channel, tx);
        });
    }
}
