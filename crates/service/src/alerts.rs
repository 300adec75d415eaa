//! Alert rules: which conditions of the system and the agents deserve attention now.
//! Evaluated by the analytics dashboard and pushed on the live feed; one definition.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Service;

/// Thresholds of the alert rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRules {
    /// Machine CPU above this percent.
    pub cpu_percent: f64,
    /// Machine memory above this percent.
    pub memory_percent: f64,
    /// 5xx share of the last hour's requests above this fraction.
    pub error_rate: f64,
    /// An agent's success rate (see [`crate::stats::success_rate`]) below this fraction …
    pub agent_success_rate: f64,
    /// … with at least this many finished runs.
    pub agent_min_runs: u64,
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            cpu_percent: 80.0,
            memory_percent: 85.0,
            error_rate: 0.05,
            agent_success_rate: 0.8,
            agent_min_runs: 5,
        }
    }
}

impl Service {
    /// The alert rules that fire now, each `{rule, severity, value, threshold, message}`.
    pub fn alerts(&self) -> Vec<Value> {
        let r = &self.settings.alerts;
        let s = self.metrics.system();
        let mut out = Vec::new();
        if s.sampled_at.is_some() && s.cpu_percent > r.cpu_percent {
            out.push(json!({"rule": "cpu", "severity": "warning", "value": s.cpu_percent, "threshold": r.cpu_percent, "message": format!("CPU at {:.0} %", s.cpu_percent)}));
        }
        if s.sampled_at.is_some() && s.memory_percent > r.memory_percent {
            out.push(json!({"rule": "memory", "severity": "warning", "value": s.memory_percent, "threshold": r.memory_percent, "message": format!("memory at {:.0} %", s.memory_percent)}));
        }
        let (req, err): (u64, u64) = self
            .metrics
            .detailed(1)
            .iter()
            .fold((0, 0), |(a, b), m| (a + m.requests, b + m.errors));
        let rate = (req > 0).then(|| seo_domain::num::f64_of(err) / seo_domain::num::f64_of(req));
        if let Some(rate) = rate.filter(|x| *x > r.error_rate) {
            out.push(json!({"rule": "error_rate", "severity": "critical", "value": rate, "threshold": r.error_rate, "message": format!("{err} of {req} requests failed in the last hour")}));
        }
        for a in self.agents.list() {
            let finished = a.stats.successes + a.stats.failures + a.stats.timed_out;
            if let Some(rate) = a.stats.success_rate
                && finished >= r.agent_min_runs
                && rate < r.agent_success_rate
            {
                out.push(json!({"rule": "agent_success_rate", "severity": "warning", "agent_id": a.agent_id, "value": rate, "threshold": r.agent_success_rate, "message": format!("{} succeeded in {:.0} % of {} finished runs", a.agent_id, rate * 100.0, finished)}));
            }
        }
        out
    }
}
