//! `task_coordination`: the dispatcher. Routes a request — structured, or free text through
//! a keyword table in English and Russian — to an agent and task type; scores its priority
//! from explicit fields (deadline, client value, tier); reads each agent's queue and task
//! history for load and SLA; with `dispatch: true` the task is created (by the service, in
//! the transaction that completes this one) and its id returned.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{fold, round2};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::data::{AgentLoad, DataKind};

/// Task type.
pub const ROUTE: &str = "route_task";

/// A routing rule: the keywords that send a request to an agent and task type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// Target agent.
    pub agent_id: String,
    /// Target task type.
    pub task_type: String,
    /// Keywords (substrings of the case-folded request), any language.
    pub keywords: Vec<String>,
    /// Target minutes from creation to completion.
    pub sla_minutes: f64,
}

/// A point table row: a threshold and its share of the part (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Threshold.
    pub at: f64,
    /// Share of the part's weight, 0–1.
    pub share: f64,
}

/// A named share (a client tier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierShare {
    /// Tier name (case-insensitive).
    pub tier: String,
    /// Share of the tier part, 0–1.
    pub share: f64,
}

/// `[agents.task_coordination]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoordinationConfig {
    /// Routing rules; the rule with most keyword hits wins, the first on a tie.
    pub routes: Vec<RouteRule>,
    /// Weights of the priority score parts: deadline, client value, tier (sum 1).
    pub priority_weights: [f64; 3],
    /// Deadline bands: hours left up to `at` give `share` (the first band that holds).
    pub deadline_bands: Vec<Band>,
    /// Client value bands: value from `at` gives `share` (the highest reached).
    pub value_bands: Vec<Band>,
    /// Tier shares.
    pub tiers: Vec<TierShare>,
    /// Priority score from which the task is urgent, high, normal (below: low).
    pub priority_levels: [f64; 3],
    /// Days of task history for load and durations.
    pub history_days: i64,
    /// SLA minutes of an agent without a rule.
    pub default_sla_minutes: f64,
    /// Queue depth from which an agent counts as overloaded.
    pub overloaded_queue: i64,
}

fn route(agent: &str, task: &str, sla: f64, kw: &[&str]) -> RouteRule {
    RouteRule {
        agent_id: agent.into(),
        task_type: task.into(),
        keywords: kw.iter().map(|k| (*k).to_string()).collect(),
        sla_minutes: sla,
    }
}

fn bands(rows: &[(f64, f64)]) -> Vec<Band> {
    rows.iter().map(|&(at, share)| Band { at, share }).collect()
}

impl Default for CoordinationConfig {
    fn default() -> Self {
        Self {
            routes: vec![
                route(
                    "lead_qualification",
                    "qualify_lead",
                    120.0,
                    &["qualify", "lead", "prospect", "квалифиц", "лид"],
                ),
                route(
                    "proposal_generation",
                    "generate_proposal",
                    240.0,
                    &[
                        "proposal",
                        "quote",
                        "pricing",
                        "price",
                        "коммерческ",
                        "кп",
                        "предложени",
                        "смет",
                    ],
                ),
                route(
                    "technical_seo_auditor",
                    "technical_seo_audit",
                    60.0,
                    &[
                        "audit",
                        "crawl",
                        "technical",
                        "broken",
                        "аудит",
                        "техническ",
                        "краул",
                    ],
                ),
                route(
                    "sales_conversation",
                    "call_plan",
                    60.0,
                    &["call", "meeting", "objection", "звон", "встреч", "возражен"],
                ),
                route(
                    "business_development_director",
                    "enterprise_assessment",
                    1440.0,
                    &[
                        "enterprise",
                        "partnership",
                        "deal",
                        "сделк",
                        "партнер",
                        "партнёр",
                    ],
                ),
                route(
                    "sales_operations_manager",
                    "pipeline_analysis",
                    240.0,
                    &[
                        "pipeline",
                        "funnel",
                        "forecast",
                        "conversion",
                        "воронк",
                        "прогноз",
                        "конверси",
                    ],
                ),
                route(
                    "reporting",
                    "kpi_report",
                    240.0,
                    &[
                        "report",
                        "kpi",
                        "traffic",
                        "clicks",
                        "отчет",
                        "отчёт",
                        "трафик",
                    ],
                ),
            ],
            priority_weights: [0.5, 0.3, 0.2],
            deadline_bands: bands(&[
                (0.0, 1.0),
                (24.0, 1.0),
                (72.0, 0.7),
                (168.0, 0.4),
                (f64::MAX, 0.1),
            ]),
            value_bands: bands(&[
                (5_000_000.0, 1.0),
                (1_000_000.0, 0.7),
                (250_000.0, 0.4),
                (0.0, 0.1),
            ]),
            tiers: vec![
                TierShare {
                    tier: "enterprise".into(),
                    share: 1.0,
                },
                TierShare {
                    tier: "tier_1".into(),
                    share: 1.0,
                },
                TierShare {
                    tier: "mid_market".into(),
                    share: 0.6,
                },
                TierShare {
                    tier: "tier_2".into(),
                    share: 0.6,
                },
                TierShare {
                    tier: "smb".into(),
                    share: 0.3,
                },
                TierShare {
                    tier: "tier_3".into(),
                    share: 0.3,
                },
            ],
            priority_levels: [80.0, 60.0, 30.0],
            history_days: 7,
            default_sla_minutes: 240.0,
            overloaded_queue: 20,
        }
    }
}

/// The request to route.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RouteInput {
    /// Free text (routed by the keyword table) when no agent is named.
    #[serde(default)]
    pub request: Option<String>,
    /// Target agent (structured routing).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Target task type (with `agent_id`).
    #[serde(default)]
    pub task_type: Option<String>,
    /// Input of the routed task (default `{}`).
    #[serde(default)]
    pub input: Option<Value>,
    /// When it must be done.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// The client's value (annual).
    #[serde(default)]
    pub client_value: Option<f64>,
    /// The client's tier (enterprise, mid_market, smb, tier_1…).
    #[serde(default)]
    pub tier: Option<String>,
    /// Create the task now.
    #[serde(default)]
    pub dispatch: bool,
}

/// The `task_coordination` agent.
#[derive(Debug, Clone, Default)]
pub struct TaskCoordination {
    config: CoordinationConfig,
}

fn percentile(v: &[f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    // Nearest rank.
    let rank = (p * seo_domain::num::f64_of(s.len())).ceil();
    let i = seo_domain::num::usize_of(rank)
        .saturating_sub(1)
        .min(s.len() - 1);
    s.get(i).copied()
}

impl TaskCoordination {
    /// The agent with `config`.
    pub fn new(config: CoordinationConfig) -> Self {
        Self { config }
    }

    /// The routing decision; pure. `load` is every agent's queue (`None`: not readable);
    /// `dispatch_id` is the id the created task will have.
    pub fn decide(
        &self,
        r: &RouteInput,
        load: Option<&[AgentLoad]>,
        now: DateTime<Utc>,
        dispatch_id: Option<uuid::Uuid>,
    ) -> Result<AgentOutput, AgentError> {
        let c = &self.config;
        let mut factors = Vec::new();
        let mut not_measured = Vec::new();
        // Route.
        let (agent, task_type, how) = match (&r.agent_id, &r.task_type) {
            (Some(a), Some(t)) => (a.clone(), t.clone(), "named in the request".to_string()),
            (Some(a), None) => {
                let t = c
                    .routes
                    .iter()
                    .find(|x| x.agent_id == *a)
                    .map(|x| x.task_type.clone())
                    .ok_or_else(|| AgentError::InvalidInput {
                        field: "task_type".into(),
                        message: format!(
                            "no routing rule names a task type of '{a}'; give task_type"
                        ),
                    })?;
                (
                    a.clone(),
                    t,
                    "agent named; its routed task type".to_string(),
                )
            }
            _ => {
                let text = fold(r.request.as_deref().unwrap_or_default());
                let best = c
                    .routes
                    .iter()
                    .map(|x| {
                        (
                            x,
                            x.keywords
                                .iter()
                                .filter(|k| text.contains(&fold(k)))
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>(),
                        )
                    })
                    .filter(|(_, hits)| !hits.is_empty())
                    .fold(
                        None::<(&RouteRule, Vec<&str>)>,
                        |acc, (x, hits)| match acc {
                            Some((_, ref h)) if h.len() >= hits.len() => acc,
                            _ => Some((x, hits)),
                        },
                    );
                let Some((rule, hits)) = best else {
                    return Err(AgentError::InvalidInput {
                        field: "request".into(),
                        message: "no routing rule matches the request; name agent_id and task_type"
                            .into(),
                    });
                };
                (
                    rule.agent_id.clone(),
                    rule.task_type.clone(),
                    format!("keywords {}", hits.join(", ")),
                )
            }
        };
        factors.push(Factor {
            name: "routing".into(),
            value: 1.0,
            weight: None,
            contribution: None,
            reason: format!("{agent}/{task_type}: {how}"),
        });
        // Priority.
        let [w_deadline, w_value, w_tier] = c.priority_weights;
        let mut score = 0.0;
        let mut part =
            |name: &str, share: Option<f64>, w: f64, reason: String, missing: &str| match share {
                Some(s) => {
                    score += 100.0 * s * w;
                    factors.push(Factor {
                        name: name.into(),
                        value: round2(s * 100.0),
                        weight: Some(w),
                        contribution: Some(round2(100.0 * s * w)),
                        reason,
                    });
                }
                None => not_measured.push(missing.to_string()),
            };
        let hours = r
            .deadline
            .map(|d| seo_domain::num::f64_of((d - now).num_minutes()) / 60.0);
        let dl_share =
            hours.and_then(|h| c.deadline_bands.iter().find(|b| h <= b.at).map(|b| b.share));
        part(
            "deadline",
            dl_share,
            w_deadline,
            format!("{:.1} hours left", hours.unwrap_or_default()),
            "deadline",
        );
        let value = r.client_value.filter(|v| v.is_finite() && *v >= 0.0);
        let v_share = value.and_then(|v| {
            c.value_bands
                .iter()
                .filter(|b| v >= b.at)
                .max_by(|a, b| a.at.total_cmp(&b.at))
                .map(|b| b.share)
        });
        part(
            "client_value",
            v_share,
            w_value,
            format!("client value {}", value.unwrap_or_default()),
            "client_value",
        );
        let t_share = r.tier.as_deref().and_then(|t| {
            c.tiers
                .iter()
                .find(|x| fold(&x.tier) == fold(t))
                .map(|x| x.share)
        });
        part(
            "tier",
            t_share,
            w_tier,
            format!("tier {}", r.tier.as_deref().unwrap_or("-")),
            "tier (or not in the tier table)",
        );
        let score = round2(score);
        let [urgent, high, normal] = c.priority_levels;
        let priority = if score >= urgent {
            "urgent"
        } else if score >= high {
            "high"
        } else if score >= normal {
            "normal"
        } else {
            "low"
        };
        // Load and SLA.
        let sla = c
            .routes
            .iter()
            .find(|x| x.agent_id == agent)
            .map_or(c.default_sla_minutes, |x| x.sla_minutes);
        let mut findings = Vec::new();
        let load_json = match load {
            None => {
                not_measured.push("queue load and task history (no access to stored tasks)".into());
                Value::Null
            }
            Some(all) => {
                let mine = all
                    .iter()
                    .find(|l| l.agent_id == agent)
                    .cloned()
                    .unwrap_or(AgentLoad {
                        agent_id: agent.clone(),
                        ..Default::default()
                    });
                let p50 = percentile(&mine.durations_ms, 0.5);
                let p95 = percentile(&mine.durations_ms, 0.95);
                // Waiting tasks ahead each take a median run; this one takes a p95 run.
                let est_minutes = match (p50, p95) {
                    (Some(m), Some(p)) => {
                        Some((seo_domain::num::f64_of(mine.pending) * m + p) / 60_000.0)
                    }
                    _ => None,
                };
                if est_minutes.is_none() {
                    not_measured.push(format!(
                        "run times of {agent} (no completed task in {} days)",
                        c.history_days
                    ));
                }
                let within = est_minutes.map(|m| m <= sla);
                if within == Some(false) {
                    findings.push(Finding {
                        id: "sla_at_risk".into(),
                        severity: "high".into(),
                        message: format!(
                            "estimated {:.0} min against an SLA of {sla:.0} min",
                            est_minutes.unwrap_or_default()
                        ),
                    });
                }
                let overloaded: Vec<&str> = all
                    .iter()
                    .filter(|l| l.pending >= c.overloaded_queue)
                    .map(|l| l.agent_id.as_str())
                    .collect();
                if !overloaded.is_empty() {
                    findings.push(Finding {
                        id: "overloaded_agents".into(),
                        severity: "medium".into(),
                        message: format!(
                            "queues of {} or more: {}",
                            c.overloaded_queue,
                            overloaded.join(", ")
                        ),
                    });
                }
                let total_runs = mine.completed + mine.failed;
                json!({
                    "agent_id": agent, "pending": mine.pending, "running": mine.running,
                    "completed": mine.completed, "failed": mine.failed,
                    "failure_rate": (total_runs > 0).then(|| round2(seo_domain::num::f64_of(mine.failed) / seo_domain::num::f64_of(total_runs))),
                    "p50_ms": p50.map(round2), "p95_ms": p95.map(round2),
                    "estimated_minutes": est_minutes.map(round2), "sla_minutes": sla, "within_sla": within,
                    "overloaded_agents": overloaded,
                })
            }
        };
        let input = r.input.clone().unwrap_or_else(|| json!({}));
        if !input.is_object() {
            return Err(AgentError::InvalidInput {
                field: "input".into(),
                message: "must be a JSON object".into(),
            });
        }
        let mut extra = Map::new();
        extra.insert(
            "routing".into(),
            json!({"agent_id": agent, "task_type": task_type, "reason": how}),
        );
        extra.insert(
            "priority".into(),
            json!({"score": score, "level": priority}),
        );
        extra.insert("load".into(), load_json);
        if let Some(id) = dispatch_id.filter(|_| r.dispatch) {
            extra.insert("dispatch".into(), json!({"task_id": id, "agent_id": agent, "task_type": task_type, "priority": priority, "input": input}));
        }
        Ok(AgentOutput {
            summary: format!(
                "Route to {agent}/{task_type} ({how}); priority {priority} ({score}/100){}.",
                if r.dispatch { "; dispatched" } else { "" }
            ),
            score: Some(score),
            factors,
            findings,
            recommendations: vec![format!("Run {agent}/{task_type} at {priority} priority")],
            data_sources: vec![
                "task input".into(),
                "routing and priority tables (configuration)".into(),
                "task history".into(),
            ],
            not_measured,
            extra,
        })
    }
}

#[async_trait]
impl Agent for TaskCoordination {
    fn id(&self) -> &'static str {
        "task_coordination"
    }
    fn name(&self) -> &'static str {
        "Task Coordination Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Management
    }
    fn description(&self) -> &'static str {
        "The dispatcher: routes a request (structured, or free text by a keyword table in English and Russian) to an agent and task type, scores its priority from deadline, client value and tier, reads queue depth and run times for load and SLA, and with dispatch: true creates the task."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: ROUTE,
            description: "Route (and optionally dispatch) a task",
            input_schema: schema_of::<RouteInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        let r: RouteInput = parse_input(input)?;
        self.decide(&r, Some(&[]), Utc::now(), None).map(|_| ())
    }
    async fn run(
        &self,
        _task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let r: RouteInput = parse_input(input)?;
        let now = Utc::now();
        let load = ctx
            .data()
            .agent_load(now - TimeDelta::days(self.config.history_days.max(1)))
            .await
            .map_err(|e| AgentError::Transient(e.to_string()))?;
        self.decide(&r, load.as_deref(), now, Some(uuid::Uuid::new_v4()))
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "routing tables from configuration; reads task history".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![DataKind::TaskInput, DataKind::TaskHistory]
    }
    fn reference_case(&self) -> Option<ReferenceCase> {
        Some(ReferenceCase {
            task_type: ROUTE,
            input: json!({"request": "Нужен технический аудит сайта", "client_value": 2000000, "tier": "enterprise"}),
            // By hand: аудит, техническ → technical_seo_auditor; value 0.7 × 30 + tier 1.0 × 20 = 41 → normal.
            check: |out| match (
                out.score,
                out.extra.get("routing").and_then(|r| r.get("agent_id")),
            ) {
                (Some(s), Some(a)) if (s - 41.0).abs() < 1e-9 && a == "technical_seo_auditor" => {
                    Ok(())
                }
                other => Err(format!("expected 41 and the auditor, got {other:?}")),
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_routed_and_load_gives_the_sla() {
        let a = TaskCoordination::default();
        let now = Utc::now();
        let r = RouteInput {
            request: Some("Please prepare a commercial proposal and pricing for Acme".into()),
            deadline: Some(now + TimeDelta::hours(20)),
            client_value: Some(300_000.0),
            dispatch: true,
            ..Default::default()
        };
        let load = vec![AgentLoad {
            agent_id: "proposal_generation".into(),
            pending: 3,
            running: 1,
            completed: 4,
            failed: 0,
            durations_ms: vec![60_000.0, 120_000.0, 180_000.0, 240_000.0],
        }];
        let id = uuid::Uuid::new_v4();
        let out = a.decide(&r, Some(&load), now, Some(id)).unwrap();
        assert_eq!(out.extra["routing"]["agent_id"], "proposal_generation");
        // Deadline ≤24 h: 1.0 × 50; value ≥250k: 0.4 × 30 → 62 → high.
        assert_eq!(out.score, Some(62.0));
        assert_eq!(out.extra["priority"]["level"], "high");
        // p50 (nearest rank) 120 s, p95 240 s: 3 × 2 min + 4 min = 10 min ≤ 240.
        assert_eq!(out.extra["load"]["estimated_minutes"], 10.0);
        assert_eq!(out.extra["load"]["within_sla"], true);
        assert_eq!(out.extra["dispatch"]["task_id"], json!(id));
        assert!(
            out.not_measured
                .contains(&"tier (or not in the tier table)".to_string())
        );
    }

    #[test]
    fn an_unroutable_request_says_so() {
        let r = RouteInput {
            request: Some("hello".into()),
            ..Default::default()
        };
        assert!(matches!(
            TaskCoordination::default().decide(&r, None, Utc::now(), None),
            Err(AgentError::InvalidInput { .. })
        ));
    }
}
