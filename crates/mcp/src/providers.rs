//! MCP data providers: external MCP servers whose tools agents may call for data they cannot
//! compute (company facts, keyword volumes, SERP results…).
//!
//! Configured as `[[mcp.providers]]` (see [`ProviderConfig`]); each maps the capabilities
//! agents consume to one of its tools. The [`ProviderRegistry`] keeps one connection per
//! provider (reconnecting after a failure), a TTL cache per provider, a timeout per attempt,
//! retries with exponential backoff, and health and statistics for `/health` and
//! `GET /api/mcp/providers`. It implements the agents' [`ExternalData`] port.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::service::{Peer, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use seo_agents::{ExternalData, ExternalResult, ProviderStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `[mcp]` section of the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// `[[mcp.providers]]`, asked in this order.
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
}

/// One MCP server agents may take data from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Unique name (shown in health, statistics and the agents' `data_sources`).
    pub name: String,
    /// Streamable HTTP endpoint, e.g. `https://data.example/mcp`. Exactly one of `url` and
    /// `command`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A program serving MCP on stdio, started as a child process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Arguments of `command`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment of `command` (values are secrets: never shown).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// HTTP headers sent with every request to `url` (values are secrets: never shown);
    /// `Authorization = "Bearer …"` is sent as the bearer token.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Tools that may be called; empty allows those named in `capabilities`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tools: Vec<String>,
    /// Capability → the tool that provides it, e.g. `company_profile = "lookup_company"`.
    pub capabilities: BTreeMap<String, String>,
    /// How long an answer is reused for the same tool and arguments (0: no cache).
    #[serde(default = "default_ttl")]
    pub cache_ttl_seconds: u64,
    /// Longest wait for one attempt (connecting included), ms.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Attempts after the first one fails (a tool's own error is not retried).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Wait before the first retry, ms; doubled for each further one.
    #[serde(default = "default_backoff")]
    pub retry_backoff_ms: u64,
}

fn default_ttl() -> u64 {
    300
}
fn default_timeout() -> u64 {
    5000
}
fn default_retries() -> u32 {
    2
}
fn default_backoff() -> u64 {
    200
}

/// What `config show` prints in place of a header or environment value (they are secrets).
pub const REDACTED: &str = "<redacted>";

impl McpConfig {
    /// Checks every provider; the error names the first problem.
    pub fn check(&self) -> Result<(), String> {
        let mut names = std::collections::BTreeSet::new();
        for (i, p) in self.providers.iter().enumerate() {
            let at = format!("mcp.providers[{i}]");
            if p.name.trim().is_empty() {
                return Err(format!("{at}.name: must not be empty"));
            }
            if !names.insert(p.name.clone()) {
                return Err(format!("{at}.name: '{}' is used twice", p.name));
            }
            match (&p.url, &p.command) {
                (Some(u), None) => {
                    let parsed = url::Url::parse(u)
                        .map_err(|e| format!("{at}.url: not an absolute URL ({e})"))?;
                    if !matches!(parsed.scheme(), "http" | "https") {
                        return Err(format!("{at}.url: must be http or https"));
                    }
                }
                (None, Some(c)) if !c.trim().is_empty() => {}
                (None, Some(_)) => return Err(format!("{at}.command: must not be empty")),
                _ => return Err(format!("{at}: give exactly one of url and command")),
            }
            if p.capabilities.is_empty() {
                return Err(format!(
                    "{at}.capabilities: name at least one capability and its tool"
                ));
            }
            for (cap, tool) in &p.capabilities {
                if !p.allowed_tools.is_empty() && !p.allowed_tools.contains(tool) {
                    return Err(format!(
                        "{at}.capabilities.{cap}: tool '{tool}' is not in allowed_tools"
                    ));
                }
            }
            if p.timeout_ms == 0 {
                return Err(format!("{at}.timeout_ms: must be at least 1"));
            }
            if p.retries > 10 {
                return Err(format!("{at}.retries: at most 10"));
            }
        }
        Ok(())
    }

    /// The same configuration with header and environment values replaced by
    /// [`REDACTED`] (for `config show`).
    pub fn redacted(&self) -> Self {
        let mut c = self.clone();
        for p in &mut c.providers {
            for v in p.headers.values_mut().chain(p.env.values_mut()) {
                *v = REDACTED.into();
            }
        }
        c
    }
}

#[derive(Debug, Default)]
struct Stats {
    status: Option<bool>,
    latency_ms: Option<f64>,
    last_error: Option<String>,
    last_checked: Option<String>,
    calls: u64,
    cache_hits: u64,
    failures: u64,
    retries: u64,
    timeouts: u64,
}

type Client = RunningService<RoleClient, ClientConfig>;

struct Provider {
    cfg: ProviderConfig,
    stats: Mutex<Stats>,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
    conn: tokio::sync::Mutex<Option<Client>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.cfg.name)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed.
enum Failure {
    /// Worth retrying (transport, timeout).
    Transient(String),
    /// The tool answered with an error: not retried.
    Tool(String),
}

impl Provider {
    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, key: &str) -> Option<Value> {
        let ttl = Duration::from_secs(self.cfg.cache_ttl_seconds);
        if ttl.is_zero() {
            return None;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        match cache.get(key) {
            Some((at, v)) if at.elapsed() < ttl => Some(v.clone()),
            Some(_) => {
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    fn remember(&self, key: String, value: &Value) {
        if self.cfg.cache_ttl_seconds == 0 {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: expired entries go first, then everything, once the map is large.
        if cache.len() >= 10_000 {
            let ttl = Duration::from_secs(self.cfg.cache_ttl_seconds);
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() >= 10_000 {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), value.clone()));
    }

    async fn connect(&self) -> Result<Client, String> {
        if let Some(url) = &self.cfg.url {
            let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
            let mut custom = HashMap::new();
            for (k, v) in &self.cfg.headers {
                if k.eq_ignore_ascii_case("authorization")
                    && let Some(token) = v.strip_prefix("Bearer ")
                {
                    config = config.auth_header(token.to_string());
                    continue;
                }
                let name = http::HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| format!("header '{k}' is not a valid name"))?;
                let value = http::HeaderValue::from_str(v)
                    .map_err(|_| format!("header '{k}' has an invalid value"))?;
                custom.insert(name, value);
            }
            if !custom.is_empty() {
                config = config.custom_headers(custom);
            }
            let client = reqwest::Client::builder()
                .build()
                .map_err(|e| format!("HTTP client: {e}"))?;
            let transport = StreamableHttpClientTransport::with_client(client, config);
            ClientConfig::default()
                .serve(transport)
                .await
                .map_err(|e| format!("cannot initialize: {e}"))
        } else {
            let program = self.cfg.command.clone().unwrap_or_default();
            let (args, env) = (self.cfg.args.clone(), self.cfg.env.clone());
            let transport =
                TokioChildProcess::new(tokio::process::Command::new(&program).configure(|c| {
                    c.args(&args).envs(&env).kill_on_drop(true);
                }))
                .map_err(|e| format!("cannot start '{program}': {e}"))?;
            ClientConfig::default()
                .serve(transport)
                .await
                .map_err(|e| format!("cannot initialize: {e}"))
        }
    }

    /// The live connection's peer, connecting first when there is none.
    async fn peer(&self) -> Result<Peer<RoleClient>, String> {
        let mut conn = self.conn.lock().await;
        if let Some(c) = conn.as_ref()
            && !c.is_transport_closed()
        {
            return Ok(c.peer().clone());
        }
        let client = self.connect().await?;
        let peer = client.peer().clone();
        *conn = Some(client);
        Ok(peer)
    }

    /// Forgets the connection so the next attempt connects again.
    async fn reset(&self) {
        if let Some(c) = self.conn.lock().await.take() {
            let _ = c.cancel().await;
        }
    }

    async fn attempt(
        &self,
        tool: &str,
        args: &serde_json::Map<String, Value>,
    ) -> Result<Value, Failure> {
        let peer = self.peer().await.map_err(Failure::Transient)?;
        let result = peer
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args.clone()))
            .await
            .map_err(|e| Failure::Transient(format!("call failed: {e}")))?;
        if result.is_error == Some(true) {
            let text = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join(" ");
            return Err(Failure::Tool(format!(
                "tool '{tool}' answered an error: {text}"
            )));
        }
        if let Some(v) = result.structured_content {
            return Ok(v);
        }
        // No structured content: the first text block, as JSON when it parses.
        let text = result
            .content
            .iter()
            .find_map(|c| c.as_text().map(|t| t.text.clone()))
            .unwrap_or_default();
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn call(&self, tool: &str, args: &Value) -> Result<(Value, bool), String> {
        let args = match args {
            Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        let key = format!("{tool}\n{}", Value::Object(args.clone()));
        self.stats().calls += 1;
        if let Some(v) = self.cached(&key) {
            self.stats().cache_hits += 1;
            return Ok((v, true));
        }
        let timeout = Duration::from_millis(self.cfg.timeout_ms);
        let mut last = String::new();
        for attempt in 0..=self.cfg.retries {
            if attempt > 0 {
                self.stats().retries += 1;
                let factor = 2u64.saturating_pow(attempt.saturating_sub(1));
                tokio::time::sleep(Duration::from_millis(
                    self.cfg.retry_backoff_ms.saturating_mul(factor),
                ))
                .await;
            }
            let started = Instant::now();
            let outcome = tokio::time::timeout(timeout, self.attempt(tool, &args)).await;
            let now = chrono::Utc::now().to_rfc3339();
            match outcome {
                Ok(Ok(v)) => {
                    let mut s = self.stats();
                    s.status = Some(true);
                    s.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                    s.last_error = None;
                    s.last_checked = Some(now);
                    drop(s);
                    self.remember(key, &v);
                    return Ok((v, false));
                }
                Ok(Err(Failure::Tool(m))) => {
                    let mut s = self.stats();
                    // The server answered: it is up, the tool refused.
                    s.status = Some(true);
                    s.failures += 1;
                    s.last_error = Some(m.clone());
                    s.last_checked = Some(now);
                    return Err(m);
                }
                Ok(Err(Failure::Transient(m))) => {
                    last = m;
                    self.reset().await;
                }
                Err(_) => {
                    self.stats().timeouts += 1;
                    last = format!("timed out after {} ms", self.cfg.timeout_ms);
                    self.reset().await;
                }
            }
            self.stats().last_checked = Some(chrono::Utc::now().to_rfc3339());
        }
        let mut s = self.stats();
        s.status = Some(false);
        s.failures += 1;
        s.last_error = Some(last.clone());
        Err(format!(
            "{last} ({} attempt(s))",
            self.cfg.retries.saturating_add(1)
        ))
    }

    fn status(&self) -> ProviderStatus {
        let s = self.stats();
        ProviderStatus {
            name: self.cfg.name.clone(),
            transport: if self.cfg.url.is_some() {
                "http"
            } else {
                "stdio"
            },
            target: self
                .cfg
                .url
                .clone()
                .or_else(|| self.cfg.command.clone())
                .unwrap_or_default(),
            capabilities: self.cfg.capabilities.clone(),
            status: match s.status {
                None => "unknown",
                Some(true) => "up",
                Some(false) => "down",
            },
            latency_ms: s.latency_ms,
            last_error: s.last_error.clone(),
            last_checked: s.last_checked.clone(),
            calls: s.calls,
            cache_hits: s.cache_hits,
            failures: s.failures,
            retries: s.retries,
            timeouts: s.timeouts,
        }
    }
}

/// The configured providers. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct ProviderRegistry {
    providers: Vec<Arc<Provider>>,
}

impl ProviderRegistry {
    /// A registry of `config`'s providers (checked with [`McpConfig::check`]). Nothing is
    /// connected until the first call.
    pub fn new(config: &McpConfig) -> Result<Self, String> {
        config.check()?;
        Ok(Self {
            providers: config
                .providers
                .iter()
                .map(|cfg| {
                    Arc::new(Provider {
                        cfg: cfg.clone(),
                        stats: Mutex::new(Stats::default()),
                        cache: Mutex::new(HashMap::new()),
                        conn: tokio::sync::Mutex::new(None),
                    })
                })
                .collect(),
        })
    }

    /// Whether any provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// Closes every connection (child processes are stopped).
    pub async fn close(&self) {
        for p in &self.providers {
            p.reset().await;
        }
    }
}

#[async_trait]
impl ExternalData for ProviderRegistry {
    async fn call(&self, capability: &str, args: Value) -> Result<ExternalResult, String> {
        let offering: Vec<&Arc<Provider>> = self
            .providers
            .iter()
            .filter(|p| p.cfg.capabilities.contains_key(capability))
            .collect();
        if offering.is_empty() {
            return Err(format!("no configured MCP provider offers '{capability}'"));
        }
        let mut reasons = Vec::new();
        for p in offering {
            let Some(tool) = p.cfg.capabilities.get(capability) else {
                continue;
            };
            match p.call(tool, &args).await {
                Ok((value, cached)) => {
                    return Ok(ExternalResult {
                        provider: p.cfg.name.clone(),
                        tool: tool.clone(),
                        value,
                        cached,
                    });
                }
                Err(why) => {
                    tracing::warn!(provider = %p.cfg.name, capability, error = %why, "MCP provider call failed");
                    reasons.push(format!("provider '{}': {why}", p.cfg.name));
                }
            }
        }
        Err(reasons.join("; "))
    }

    fn offering(&self, capability: &str) -> Vec<String> {
        self.providers
            .iter()
            .filter(|p| p.cfg.capabilities.contains_key(capability))
            .map(|p| p.cfg.name.clone())
            .collect()
    }

    fn providers(&self) -> Vec<ProviderStatus> {
        self.providers.iter().map(|p| p.status()).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn provider(name: &str) -> ProviderConfig {
        ProviderConfig {
            name: name.into(),
            url: Some("http://127.0.0.1:9/mcp".into()),
            command: None,
            args: Vec::new(),
            env: BTreeMap::new(),
            headers: BTreeMap::from([("Authorization".into(), "Bearer secret".into())]),
            allowed_tools: Vec::new(),
            capabilities: BTreeMap::from([("company_profile".into(), "lookup".into())]),
            cache_ttl_seconds: 60,
            timeout_ms: 100,
            retries: 0,
            retry_backoff_ms: 10,
        }
    }

    #[test]
    fn the_configuration_is_checked_and_secrets_are_redacted() {
        let ok = McpConfig {
            providers: vec![provider("a")],
        };
        assert!(ok.check().is_ok());
        assert_eq!(
            ok.redacted().providers[0].headers["Authorization"],
            REDACTED
        );
        let twice = McpConfig {
            providers: vec![provider("a"), provider("a")],
        };
        assert!(twice.check().unwrap_err().contains("used twice"));
        let mut both = provider("b");
        both.command = Some("x".into());
        let e = McpConfig {
            providers: vec![both],
        }
        .check()
        .unwrap_err();
        assert!(e.contains("exactly one of url and command"), "{e}");
        let mut not_allowed = provider("c");
        not_allowed.allowed_tools = vec!["other".into()];
        let e = McpConfig {
            providers: vec![not_allowed],
        }
        .check()
        .unwrap_err();
        assert!(e.contains("not in allowed_tools"), "{e}");
        let mut ftp = provider("d");
        ftp.url = Some("ftp://x/mcp".into());
        assert!(
            McpConfig {
                providers: vec![ftp]
            }
            .check()
            .is_err()
        );
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_down_with_its_reason_and_counted() {
        let reg = ProviderRegistry::new(&McpConfig {
            providers: vec![provider("gone")],
        })
        .unwrap();
        assert_eq!(reg.providers()[0].status, "unknown");
        let e = reg
            .call("company_profile", serde_json::json!({"company_name": "A"}))
            .await
            .unwrap_err();
        assert!(e.contains("provider 'gone'"), "{e}");
        let s = &reg.providers()[0];
        assert_eq!((s.status, s.calls, s.failures), ("down", 1, 1));
        assert!(s.last_error.is_some());
        let e = reg
            .call("keyword_volume", serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(e.contains("no configured MCP provider offers"), "{e}");
    }
}
