//! `chief_seo_strategist`: the strategic position from the stored results of the other
//! agents (audit, content, competition, links, KPIs), weighted from configuration and
//! renormalised over what exists; a comparison with the operator's benchmark table (each
//! figure with its stated source); readiness for Google and for Yandex from check groups; a
//! three-year projection with every assumption listed; a roadmap from the backlog and gaps.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::backlog::{BacklogConfig, TechnicalSeoOperationsManager};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{DataKind, ResultQuery, StoredResult, host_of};
use crate::sales::round2;
use seo_domain::num::Total;

/// Task type.
pub const PLAN: &str = "strategic_plan";

/// A component of the position score: the stored result it reads and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Name (technical, content, competitive, links, kpi).
    pub name: String,
    /// Agent whose newest result is read.
    pub agent_id: String,
    /// Output field holding its 0–100 score (`score` when absent).
    pub field: String,
    /// Weight.
    pub weight: f64,
}

/// A benchmark figure and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// Industry substring (`*` for any).
    pub industry: String,
    /// The component compared.
    pub component: String,
    /// The figure.
    pub value: f64,
    /// Its stated source.
    pub source: String,
}

/// A check group: the checks a search engine's readiness needs passing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessGroup {
    /// `google` or `yandex`.
    pub engine: String,
    /// Audit check ids that must not fail.
    pub checks: Vec<String>,
}

/// Yearly growth assumptions of organic clicks by position score band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrowthBand {
    /// Lowest position score of the band.
    pub from_score: f64,
    /// Growth in years 1, 2, 3 (fractions).
    pub growth: [f64; 3],
}

/// `[agents.chief_seo_strategist]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChiefConfig {
    /// Position score components.
    pub components: Vec<Component>,
    /// Benchmarks.
    pub benchmarks: Vec<Benchmark>,
    /// Readiness check groups.
    pub readiness: Vec<ReadinessGroup>,
    /// Growth assumptions by position band.
    pub growth_bands: Vec<GrowthBand>,
    /// Backlog items per roadmap quarter.
    pub items_per_quarter: usize,
}

fn comp(name: &str, agent: &str, field: &str, weight: f64) -> Component {
    Component {
        name: name.into(),
        agent_id: agent.into(),
        field: field.into(),
        weight,
    }
}

impl Default for ChiefConfig {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        let source = "agency target (configuration default; replace with your own market data)";
        Self {
            components: vec![
                comp("technical", "technical_seo_auditor", "audit_score", 0.35),
                comp("content", "content_strategy", "score", 0.25),
                comp("competitive", "competitive_analysis", "score", 0.15),
                comp("links", "link_building", "score", 0.15),
                comp("kpi", "reporting", "score", 0.10),
            ],
            benchmarks: vec![
                Benchmark {
                    industry: "*".into(),
                    component: "technical".into(),
                    value: 80.0,
                    source: source.into(),
                },
                Benchmark {
                    industry: "commerce".into(),
                    component: "technical".into(),
                    value: 85.0,
                    source: source.into(),
                },
                Benchmark {
                    industry: "*".into(),
                    component: "content".into(),
                    value: 70.0,
                    source: source.into(),
                },
                Benchmark {
                    industry: "*".into(),
                    component: "links".into(),
                    value: 60.0,
                    source: source.into(),
                },
            ],
            readiness: vec![
                ReadinessGroup {
                    engine: "google".into(),
                    checks: s(&[
                        "http_5xx",
                        "http_4xx",
                        "noindex",
                        "no_https",
                        "viewport_missing",
                        "canonical_missing",
                        "title_missing",
                        "slow_ttfb",
                        "structured_data_missing",
                        "sitemap_missing",
                    ]),
                },
                ReadinessGroup {
                    engine: "yandex".into(),
                    checks: s(&[
                        "http_5xx",
                        "http_4xx",
                        "noindex",
                        "robots_txt_missing",
                        "robots_txt_invalid",
                        "sitemap_missing",
                        "title_missing",
                        "description_missing",
                        "lang_missing",
                        "duplicate_content",
                    ]),
                },
            ],
            growth_bands: vec![
                GrowthBand {
                    from_score: 0.0,
                    growth: [0.6, 0.4, 0.25],
                },
                GrowthBand {
                    from_score: 40.0,
                    growth: [0.35, 0.25, 0.15],
                },
                GrowthBand {
                    from_score: 70.0,
                    growth: [0.15, 0.1, 0.08],
                },
            ],
            items_per_quarter: 5,
        }
    }
}

/// What to plan for.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PlanInput {
    /// The client (default: the task's client).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Uuid>,
    /// The campaign (default: the task's campaign).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub campaign_id: Option<Uuid>,
    /// The site, for stored audits without a client.
    #[serde(default)]
    pub url: Option<String>,
    /// Industry (for the benchmarks; default: the client's).
    #[serde(default)]
    pub industry: Option<String>,
    /// Organic clicks per month now (default: the newest KPI report's clicks).
    #[serde(default)]
    pub monthly_clicks: Option<f64>,
}

/// The `chief_seo_strategist` agent.
#[derive(Debug, Clone, Default)]
pub struct ChiefSeoStrategist {
    config: ChiefConfig,
    backlog: BacklogConfig,
}

/// What the plan reads: the newest stored result of each component's agent.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Component name → the newest result.
    pub results: Vec<(String, StoredResult)>,
    /// Industry.
    pub industry: Option<String>,
    /// Clicks per month now, and where the figure came from.
    pub monthly_clicks: Option<(f64, String)>,
}

impl ChiefSeoStrategist {
    /// The agent with `config` (and the backlog's efforts, for the roadmap).
    pub fn new(config: ChiefConfig, backlog: BacklogConfig) -> Self {
        Self { config, backlog }
    }

    /// The plan; pure.
    pub fn plan(&self, i: &Inputs) -> AgentOutput {
        let c = &self.config;
        let mut factors = Vec::new();
        let mut not_measured = Vec::new();
        let mut scores: Vec<(String, f64)> = Vec::new();
        for k in &c.components {
            let v = i
                .results
                .iter()
                .find(|(n, _)| *n == k.name)
                .and_then(|(_, r)| {
                    r.output
                        .get(&k.field)
                        .or_else(|| r.output.get("score"))
                        .and_then(Value::as_f64)
                });
            match v {
                Some(v) => scores.push((k.name.clone(), v)),
                None => not_measured.push(format!("{} (no stored {} result)", k.name, k.agent_id)),
            }
        }
        let total_w: f64 = c
            .components
            .iter()
            .filter(|k| scores.iter().any(|(n, _)| *n == k.name))
            .map(|k| k.weight)
            .total();
        let mut position = 0.0;
        for (name, v) in &scores {
            let wt = c
                .components
                .iter()
                .find(|k| k.name == *name)
                .map_or(0.0, |k| k.weight);
            let eff = if total_w > 0.0 { wt / total_w } else { 0.0 };
            position += v * eff;
            factors.push(Factor {
                name: name.clone(),
                value: round2(*v),
                weight: Some(round2(eff)),
                contribution: Some(round2(v * eff)),
                reason: format!("newest stored {name} result"),
            });
        }
        let position = (total_w > 0.0).then(|| round2(position));
        // Benchmarks: the most specific row per component (an industry match beats `*`).
        let industry = i
            .industry
            .as_deref()
            .map(str::to_lowercase)
            .unwrap_or_default();
        let mut comparisons = Vec::new();
        let mut findings = Vec::new();
        for (name, v) in &scores {
            let row = c
                .benchmarks
                .iter()
                .filter(|b| {
                    b.component == *name
                        && (b.industry == "*"
                            || (!industry.is_empty()
                                && industry.contains(&b.industry.to_lowercase())))
                })
                .max_by_key(|b| b.industry != "*");
            if let Some(b) = row {
                let gap = round2(v - b.value);
                if gap < 0.0 {
                    findings.push(Finding {
                        id: format!("{name}_below_benchmark"),
                        severity: "medium".into(),
                        message: format!(
                            "{name} {v} is {} below the benchmark {} ({})",
                            -gap, b.value, b.source
                        ),
                    });
                }
                comparisons.push(json!({"component": name, "value": v, "benchmark": b.value, "gap": gap, "source": b.source}));
            }
        }
        // Readiness from the newest audit's failed checks.
        let audit = i
            .results
            .iter()
            .find(|(n, _)| n == "technical")
            .map(|(_, r)| r);
        let failed: Vec<String> = audit
            .and_then(|r| r.output.get("issues").and_then(Value::as_array))
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("check").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let readiness: Vec<Value> = match audit {
            None => {
                not_measured.push("Google and Yandex readiness (no stored audit)".into());
                Vec::new()
            }
            Some(_) => c
                .readiness
                .iter()
                .map(|g| {
                    let failing: Vec<&String> =
                        g.checks.iter().filter(|k| failed.contains(k)).collect();
                    let n = seo_domain::num::f64_of(g.checks.len()).max(1.0);
                    let ready = round2(100.0 * (n - seo_domain::num::f64_of(failing.len())) / n);
                    json!({"engine": g.engine, "readiness": ready, "failing_checks": failing})
                })
                .collect(),
        };
        // Projection.
        let mut assumptions = Vec::new();
        let projection = match (i.monthly_clicks.as_ref(), position) {
            (Some((clicks, from)), Some(p)) => {
                let band = c
                    .growth_bands
                    .iter()
                    .filter(|b| p >= b.from_score)
                    .max_by(|a, b| a.from_score.total_cmp(&b.from_score));
                band.map(|b| {
                    assumptions.push(format!("monthly clicks now: {clicks} ({from})"));
                    assumptions.push(format!(
                        "position score {p} is in the band from {}: yearly growth {:?}",
                        b.from_score, b.growth
                    ));
                    assumptions.push(
                        "growth compounds year on year; the backlog and roadmap are carried out"
                            .into(),
                    );
                    let mut v = *clicks;
                    b.growth
                        .iter()
                        .enumerate()
                        .map(|(y, g)| {
                            v *= 1.0 + g;
                            json!({"year": y + 1, "growth": g, "monthly_clicks": round2(v)})
                        })
                        .collect::<Vec<_>>()
                })
            }
            (None, _) => {
                not_measured.push("three-year projection (no monthly clicks: give monthly_clicks or import Search Console data and run a KPI report)".into());
                None
            }
            (_, None) => None,
        };
        // Roadmap: the backlog by quarter, then the missing analyses.
        let items = audit
            .map(|r| {
                TechnicalSeoOperationsManager::new(self.backlog.clone())
                    .backlog(&r.output, self.backlog.sprint_capacity)
            })
            .unwrap_or_default();
        let per = self.config.items_per_quarter.max(1);
        let mut roadmap: Vec<Value> = items
            .chunks(per)
            .take(4)
            .enumerate()
            .map(|(q, chunk)| json!({"quarter": q + 1, "actions": chunk.iter().map(|it| format!("{} ({}, {} pages)", it.fix, it.check, it.pages_affected)).collect::<Vec<_>>()}))
            .collect();
        let gaps: Vec<String> = c
            .components
            .iter()
            .filter(|k| !scores.iter().any(|(n, _)| *n == k.name))
            .map(|k| format!("run {} to measure {}", k.agent_id, k.name))
            .collect();
        if !gaps.is_empty() {
            roadmap.push(json!({"quarter": "next", "actions": gaps}));
        }
        let mut extra = Map::new();
        extra.insert("position_score".into(), json!(position));
        extra.insert("benchmarks".into(), json!(comparisons));
        extra.insert("readiness".into(), json!(readiness));
        extra.insert(
            "projection".into(),
            json!({"years": projection, "assumptions": assumptions}),
        );
        extra.insert("roadmap".into(), json!(roadmap));
        AgentOutput {
            summary: match position {
                Some(p) => format!(
                    "Strategic position {p}/100 from {} measured component(s); {} roadmap step(s).",
                    scores.len(),
                    roadmap.len()
                ),
                None => "No stored results to judge the position from: run the audit first.".into(),
            },
            score: position,
            factors,
            findings,
            recommendations: roadmap
                .first()
                .and_then(|r| r.get("actions"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            data_sources: i
                .results
                .iter()
                .map(|(n, r)| format!("{n}: stored {} result (task {})", r.agent_id, r.task_id))
                .chain(["weights, benchmarks and growth bands (configuration)".to_string()])
                .collect(),
            not_measured,
            extra,
        }
    }
}

#[async_trait]
impl Agent for ChiefSeoStrategist {
    fn id(&self) -> &'static str {
        "chief_seo_strategist"
    }
    fn name(&self) -> &'static str {
        "Chief SEO Strategist Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Executive
    }
    fn description(&self) -> &'static str {
        "Strategic position score from the stored audit, content, competitive, link and KPI results (weights in configuration), comparison with a benchmark table whose every figure states its source, Google and Yandex readiness from check groups, a three-year projection with its assumptions, and a roadmap from the backlog and the gaps."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: PLAN,
            description: "Build the strategic plan from stored results",
            input_schema: schema_of::<PlanInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        check(input).map(|_| ())
    }
    async fn run(
        &self,
        _task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let p = check(input)?;
        let scope = ctx.scope();
        let (client, campaign) = (
            p.client_id.or(scope.client_id),
            p.campaign_id.or(scope.campaign_id),
        );
        let host = p.url.as_deref().and_then(host_of);
        let transient = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let mut inputs = Inputs {
            industry: p.industry.clone(),
            ..Default::default()
        };
        if inputs.industry.is_none()
            && let Some(c) = client
        {
            inputs.industry = ctx
                .data()
                .client(c)
                .await
                .map_err(transient)?
                .and_then(|c| c.industry);
        }
        for k in &self.config.components {
            let base = ResultQuery {
                agent_id: k.agent_id.clone(),
                ..Default::default()
            };
            let site = host
                .clone()
                .filter(|_| k.agent_id == "technical_seo_auditor");
            if let Some(r) = super::newest_result(ctx, base, campaign, client, site).await? {
                inputs.results.push((k.name.clone(), r));
            }
        }
        inputs.monthly_clicks = p
            .monthly_clicks
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map(|c| (c, "task input".to_string()))
            .or_else(|| {
                let kpi = inputs
                    .results
                    .iter()
                    .find(|(_, r)| r.agent_id == "reporting")?;
                let clicks = kpi
                    .1
                    .output
                    .pointer("/kpis/clicks/current")
                    .and_then(Value::as_f64)?;
                Some((clicks, format!("KPI report (task {})", kpi.1.task_id)))
            });
        Ok(self.plan(&inputs))
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "reads the other agents' stored results".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Client,
            DataKind::AgentResults,
        ]
    }
}

fn check(input: &Value) -> Result<PlanInput, AgentError> {
    let p: PlanInput = parse_input(input)?;
    if p.monthly_clicks.is_some_and(|c| !c.is_finite() || c < 0.0) {
        return Err(AgentError::InvalidInput {
            field: "monthly_clicks".into(),
            message: "must be a number ≥ 0".into(),
        });
    }
    Ok(p)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn result(agent: &str, output: Value) -> StoredResult {
        StoredResult {
            task_id: Uuid::new_v4(),
            agent_id: agent.into(),
            task_type: "t".into(),
            input: json!({}),
            output,
            finished_at: None,
        }
    }

    /// Technical 50 (weight 0.35) and links 80 (0.15) measured: position = (17.5 + 12) / 0.5
    /// = 59; Google readiness: 2 of its 10 checks fail → 80; projection from 1,000 clicks in
    /// the 40+ band: 1,350, 1,687.5, 1,940.62.
    #[test]
    fn position_readiness_and_projection_as_worked_by_hand() {
        let audit = json!({"audit_score": 50.0, "crawl": {"pages_crawled": 4}, "issues": [
            {"check": "no_https", "severity": "critical", "pages_affected": 4, "fix": "serve https"},
            {"check": "title_missing", "severity": "high", "pages_affected": 1, "fix": "add titles"},
        ]});
        let i = Inputs {
            results: vec![
                ("technical".into(), result("technical_seo_auditor", audit)),
                (
                    "links".into(),
                    result("link_building", json!({"score": 80.0})),
                ),
            ],
            industry: Some("E-commerce".into()),
            monthly_clicks: Some((1000.0, "task input".into())),
        };
        let out = ChiefSeoStrategist::default().plan(&i);
        assert_eq!(out.score, Some(59.0));
        assert_eq!(
            out.extra["readiness"][0],
            json!({"engine": "google", "readiness": 80.0, "failing_checks": ["no_https", "title_missing"]})
        );
        assert_eq!(out.extra["readiness"][1]["readiness"], 90.0);
        let years: Vec<f64> = out.extra["projection"]["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["monthly_clicks"].as_f64().unwrap())
            .collect();
        assert_eq!(
            years,
            vec![1350.0, 1687.5, 1940.62],
            "1,940.625 as f64 lies just below the half"
        );
        // The e-commerce benchmark (85) beats the general one; technical is 35 below it.
        assert_eq!(out.extra["benchmarks"][0]["benchmark"], 85.0);
        assert_eq!(out.extra["benchmarks"][0]["gap"], -35.0);
        assert!(out.not_measured.iter().any(|m| m.starts_with("content")));
        assert_eq!(out.extra["roadmap"][0]["quarter"], 1);
    }
}
