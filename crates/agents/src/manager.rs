//! The agent manager: the registry, direct runs, per-agent statistics and health.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use seo_domain::num::{f64_of, usize_of};
use serde::Serialize;
use serde_json::Value;

use crate::AgentsConfig;
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, TaskContext, TaskTypeSpec, Tier,
};
use seo_domain::num::Total;

/// Durations kept per agent for the mean and p95.
const DURATION_WINDOW: usize = 1000;

#[derive(Debug, Default)]
struct Stats {
    runs: u64,
    successes: u64,
    failures: u64,
    timed_out: u64,
    cancelled: u64,
    running: u64,
    durations: VecDeque<Duration>,
    last_activity: Option<DateTime<Utc>>,
}

/// Live statistics of one agent since the registry was (re)created.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentStats {
    /// Finished runs.
    pub runs: u64,
    /// Runs that produced an output.
    pub successes: u64,
    /// Runs that failed (panics included).
    pub failures: u64,
    /// Runs stopped at their timeout (reported by the engine).
    pub timed_out: u64,
    /// Runs cancelled by a user (not counted in the success rate).
    pub cancelled: u64,
    /// successes ÷ (successes + failures + timed out), 0–1 (`seo_domain::task::success_rate`);
    /// `None` before the first finished run.
    pub success_rate: Option<f64>,
    /// Mean duration of the last 1,000 runs, in milliseconds.
    pub mean_duration_ms: Option<f64>,
    /// 95th percentile of the same, in milliseconds.
    pub p95_duration_ms: Option<f64>,
    /// When it last started or finished a run.
    pub last_activity: Option<DateTime<Utc>>,
    /// Runs in progress now.
    pub running_now: u64,
}

/// What the registry says about one agent.
#[derive(Debug, Clone, Serialize)]
pub struct AgentInfo {
    /// Stable id.
    pub agent_id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Tier.
    pub tier: Tier,
    /// What it does.
    pub description: &'static str,
    /// Accepted task types with their input schemas.
    pub task_types: Vec<TaskTypeSpec>,
    /// The data it really reads.
    pub data_providers: Vec<crate::data::DataKind>,
    /// External data it can consume from MCP providers.
    pub external_data: Vec<crate::external::Capability>,
    /// Live statistics.
    pub stats: AgentStats,
}

type Factory = Arc<dyn Fn() -> Vec<Arc<dyn Agent>> + Send + Sync>;

/// Owns the agents. Cheap to share behind an `Arc`; no global state, so a program can hold
/// several.
pub struct AgentManager {
    factory: Factory,
    closing: std::sync::atomic::AtomicBool,
    llm: Option<crate::llm::LlmClient>,
    workflows: BTreeMap<String, crate::workflow::WorkflowDef>,
    audit: crate::AuditConfig,
    agents: RwLock<BTreeMap<&'static str, Arc<dyn Agent>>>,
    stats: Mutex<BTreeMap<&'static str, Stats>>,
}

impl std::fmt::Debug for AgentManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentManager")
            .field("agents", &self.ids())
            .finish()
    }
}

fn index(list: Vec<Arc<dyn Agent>>) -> BTreeMap<&'static str, Arc<dyn Agent>> {
    list.into_iter().map(|a| (a.id(), a)).collect()
}

impl AgentManager {
    /// A manager whose registry is built (and rebuilt by [`AgentManager::recreate_all`]) by `factory`.
    pub fn new(factory: impl Fn() -> Vec<Arc<dyn Agent>> + Send + Sync + 'static) -> Self {
        let factory: Factory = Arc::new(factory);
        let agents = index(factory());
        Self {
            factory,
            closing: std::sync::atomic::AtomicBool::new(false),
            llm: None,
            workflows: BTreeMap::new(),
            audit: crate::AuditConfig::default(),
            agents: RwLock::new(agents),
            stats: Mutex::new(BTreeMap::new()),
        }
    }

    /// The agents that are built, with `config`.
    pub fn with_config(config: AgentsConfig) -> Self {
        let workflows = config.workflows.clone();
        let audit = config.technical_seo_auditor.clone();
        let mut m = Self::new(move || crate::builtin_agents(&config));
        m.workflows = workflows;
        m.audit = audit;
        m
    }

    /// The audit check catalogue as the registered auditor's configuration runs it (see
    /// [`crate::TechnicalSeoAuditor::checks`]).
    pub fn audit_checks(&self) -> Vec<serde_json::Value> {
        crate::TechnicalSeoAuditor::new(self.audit.clone()).checks()
    }

    /// The registered auditor's configuration (retention, overrides are checked against it).
    pub fn audit_config(&self) -> &crate::AuditConfig {
        &self.audit
    }

    /// Stops accepting runs (they fail as transient, so a queue retries them elsewhere) and
    /// waits up to `grace` for the runs in progress; returns how many were still running.
    pub async fn shutdown(&self, grace: Duration) -> u64 {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = Instant::now() + grace;
        loop {
            let running: u64 = self
                .stats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .values()
                .map(|s| s.running)
                .sum();
            if running == 0 || Instant::now() >= deadline {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Adds prose from an LLM to every successful result (`narrative`); numbers are untouched.
    pub fn with_llm(mut self, llm: crate::llm::LlmClient) -> Self {
        self.llm = Some(llm);
        self
    }

    /// Adds (or replaces) workflow definitions.
    pub fn with_workflows(
        mut self,
        defs: impl IntoIterator<Item = crate::workflow::WorkflowDef>,
    ) -> Self {
        for d in defs {
            self.workflows.insert(d.id.clone(), d);
        }
        self
    }

    /// Workflows whose every step's agent is registered here, by id.
    pub fn workflows(&self) -> Vec<&crate::workflow::WorkflowDef> {
        self.workflows
            .values()
            .filter(|w| w.steps.iter().all(|s| self.get(&s.agent_id).is_some()))
            .collect()
    }

    /// One runnable workflow (every step's agent registered).
    pub fn workflow(&self, id: &str) -> Option<&crate::workflow::WorkflowDef> {
        self.workflows().into_iter().find(|w| w.id == id)
    }

    /// A runnable workflow whose trigger is a standalone task of `agent_id`/`task_type`.
    pub fn triggered_workflow(
        &self,
        agent_id: &str,
        task_type: &str,
    ) -> Option<&crate::workflow::WorkflowDef> {
        self.workflows().into_iter().find(|w| {
            w.trigger
                .as_ref()
                .is_some_and(|t| t.agent_id == agent_id && t.task_type == task_type)
        })
    }

    /// Rebuilds every agent from the factory and resets the statistics; returns the ids.
    pub fn recreate_all(&self) -> Vec<&'static str> {
        let fresh = index((self.factory)());
        let ids = fresh.keys().copied().collect();
        *self.agents.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clear();
        ids
    }

    /// Registered ids, sorted.
    pub fn ids(&self) -> Vec<&'static str> {
        self.agents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect()
    }

    /// One agent.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Agent>> {
        self.agents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn require(&self, id: &str) -> Result<Arc<dyn Agent>, AgentError> {
        self.get(id)
            .ok_or_else(|| AgentError::UnknownAgent(id.to_string()))
    }

    /// Registry entry of one agent with its live statistics.
    pub fn info(&self, id: &str) -> Option<AgentInfo> {
        let a = self.get(id)?;
        Some(AgentInfo {
            agent_id: a.id(),
            name: a.name(),
            tier: a.tier(),
            description: a.description(),
            task_types: a.task_types(),
            data_providers: a.reads(),
            external_data: a.consumes(),
            stats: self.stats(a.id()),
        })
    }

    /// Every agent's entry, sorted by id.
    pub fn list(&self) -> Vec<AgentInfo> {
        self.ids()
            .into_iter()
            .filter_map(|id| self.info(id))
            .collect()
    }

    /// Checks that `agent` exists, accepts `task_type` and that `input` fits its schema.
    pub fn validate(&self, agent: &str, task_type: &str, input: &Value) -> Result<(), AgentError> {
        let a = self.require(agent)?;
        let types = a.task_types();
        if !types.iter().any(|t| t.name == task_type) {
            return Err(AgentError::UnknownTaskType {
                agent: agent.to_string(),
                task_type: task_type.to_string(),
                accepted: types.iter().map(|t| t.name).collect::<Vec<_>>().join(", "),
            });
        }
        a.validate(task_type, input)
    }

    /// Runs a task now and records the outcome in the agent's statistics.
    pub async fn run(
        &self,
        agent: &str,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        if self.closing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(AgentError::Transient(
                "the agent manager is shutting down".into(),
            ));
        }
        self.validate(agent, task_type, input)?;
        let a = self.require(agent)?;
        let id = a.id();
        self.with_stats(id, |s| {
            s.running += 1;
            s.last_activity = Some(Utc::now());
        });
        // Dropped before the end (a timeout, a lost lease): the run no longer counts as running.
        let mut guard = Running {
            manager: self,
            id,
            armed: true,
        };
        let start = Instant::now();
        // A panicking agent fails its run; it never takes its caller (a worker) down.
        let mut result = match std::panic::AssertUnwindSafe(a.run(task_type, input, ctx))
            .catch_unwind()
            .await
        {
            Ok(r) => r,
            Err(panic) => {
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic with a non-text payload".into());
                tracing::error!(agent = id, task_type, panic = %text, "agent panicked");
                Err(AgentError::Panicked(text))
            }
        };
        if let Ok(out) = &mut result {
            out.normalise_zeros();
        }
        if let (Ok(out), Some(llm)) = (&mut result, &self.llm)
            && let Some(text) = llm.narrate(id, out).await
        {
            out.extra.insert("narrative".into(), Value::String(text));
            out.data_sources.push(format!(
                "narrative written by LLM model {} from the figures above",
                llm.model()
            ));
        }
        let took = start.elapsed();
        guard.armed = false;
        self.with_stats(id, |s| {
            s.running = s.running.saturating_sub(1);
            s.runs += 1;
            match &result {
                Ok(_) => s.successes += 1,
                Err(AgentError::Cancelled) => s.cancelled += 1,
                Err(_) => s.failures += 1,
            }
            if s.durations.len() == DURATION_WINDOW {
                s.durations.pop_front();
            }
            s.durations.push_back(took);
            s.last_activity = Some(Utc::now());
        });
        result
    }

    /// Records that a run of `agent` was stopped at its timeout (the engine drops the run,
    /// so the manager cannot see it end).
    pub fn record_timeout(&self, agent: &str) {
        if let Some(a) = self.get(agent) {
            self.with_stats(a.id(), |s| {
                s.runs += 1;
                s.timed_out += 1;
                s.last_activity = Some(Utc::now());
            });
        }
    }

    fn with_stats(&self, id: &'static str, f: impl FnOnce(&mut Stats)) {
        let mut map = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(id).or_default());
    }

    /// Statistics of one agent (zeros before its first run).
    pub fn stats(&self, id: &str) -> AgentStats {
        let map = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = map.get(id) else {
            return AgentStats {
                runs: 0,
                successes: 0,
                failures: 0,
                timed_out: 0,
                cancelled: 0,
                success_rate: None,
                mean_duration_ms: None,
                p95_duration_ms: None,
                last_activity: None,
                running_now: 0,
            };
        };
        let mut ms: Vec<f64> = s
            .durations
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let mean = (!ms.is_empty()).then(|| ms.iter().total() / f64_of(ms.len()));
        // Nearest-rank p95.
        let p95 = (!ms.is_empty())
            .then(|| {
                let rank = usize_of((f64_of(ms.len()) * 0.95).ceil()).clamp(1, ms.len());
                ms.get(rank - 1).copied()
            })
            .flatten();
        AgentStats {
            runs: s.runs,
            successes: s.successes,
            failures: s.failures,
            timed_out: s.timed_out,
            cancelled: s.cancelled,
            success_rate: seo_domain::task::success_rate(s.successes, s.failures, s.timed_out),
            mean_duration_ms: mean,
            p95_duration_ms: p95,
            last_activity: s.last_activity,
            running_now: s.running,
        }
    }

    /// Probes one agent.
    pub async fn health(&self, id: &str) -> Result<AgentHealth, AgentError> {
        Ok(self.require(id)?.health().await)
    }

    /// Probes every agent.
    pub async fn health_all(&self) -> BTreeMap<&'static str, AgentHealth> {
        let agents: Vec<_> = self
            .agents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut out = BTreeMap::new();
        for a in agents {
            out.insert(a.id(), a.health().await);
        }
        out
    }
}

/// Decrements the running count of a run whose future was dropped before it ended.
struct Running<'a> {
    manager: &'a AgentManager,
    id: &'static str,
    armed: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.manager
                .with_stats(self.id, |s| s.running = s.running.saturating_sub(1));
        }
    }
}
