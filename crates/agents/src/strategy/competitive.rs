//! `competitive_analysis`: crawls the client's site and up to N competitors with the
//! auditor's own crawler and checks, and sets them side by side — pages, words, schema
//! types, median TTFB, audit and category scores, the checks each fails — with the gaps
//! where the client trails and the changes since the last stored comparison.

use std::collections::BTreeSet;

use async_trait::async_trait;
use schemars::JsonSchema;
use seo_crawler::CrawlReport;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::auditor::{AuditConfig, TechnicalSeoAuditor, start_url};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{DataKind, ResultQuery, host_of};
use crate::sales::round2;
use seo_domain::num::Total;

/// Task type.
pub const COMPARE: &str = "competitive_analysis";

/// `[agents.competitive_analysis]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompetitiveConfig {
    /// Most competitors crawled in one task.
    pub max_competitors: usize,
    /// Most pages crawled per site.
    pub max_pages_per_site: usize,
    /// A gap is reported when the client's value is below this share of the best
    /// competitor's (TTFB: above best ÷ share).
    pub gap_share: f64,
}

impl Default for CompetitiveConfig {
    fn default() -> Self {
        Self {
            max_competitors: 5,
            max_pages_per_site: 50,
            gap_share: 0.8,
        }
    }
}

/// What to compare.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CompareInput {
    /// The client's site (default: the campaign's domain).
    #[serde(default)]
    pub url: Option<String>,
    /// Competitor sites (default: the campaign's `config.competitors`).
    #[serde(default)]
    pub competitors: Vec<String>,
    /// Most pages per site (never above the configured maximum).
    #[serde(default)]
    pub max_pages: Option<usize>,
}

/// One site's side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteFigures {
    /// `client` or `competitor`.
    pub role: String,
    /// Host.
    pub host: String,
    /// 200 HTML pages crawled.
    pub pages: usize,
    /// Words over those pages.
    pub words: usize,
    /// Median words per page.
    pub median_words: f64,
    /// JSON-LD types found.
    pub schema_types: Vec<String>,
    /// Median time to first byte, ms.
    pub median_ttfb_ms: Option<f64>,
    /// Audit score.
    pub audit_score: f64,
    /// Category scores.
    pub categories: Map<String, Value>,
    /// Checks failed.
    pub failing_checks: Vec<String>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v.get(n / 2).copied()
    } else {
        Some((v.get(n / 2 - 1)? + v.get(n / 2)?) / 2.0)
    }
}

/// The figures of one crawled and audited site.
pub fn figures(role: &str, report: &CrawlReport, audit: &AgentOutput) -> SiteFigures {
    let ok: Vec<_> = report
        .pages
        .iter()
        .filter(|p| p.status == Some(200) && p.facts.is_some())
        .collect();
    let words: Vec<usize> = ok
        .iter()
        .filter_map(|p| p.facts.as_ref().map(|f| f.word_count))
        .collect();
    let types: BTreeSet<String> = ok
        .iter()
        .filter_map(|p| p.facts.as_ref())
        .flat_map(|f| {
            f.json_ld
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .flatten()
                .cloned()
        })
        .collect();
    SiteFigures {
        role: role.into(),
        host: host_of(&report.start_url).unwrap_or_default(),
        pages: ok.len(),
        words: words.iter().sum(),
        median_words: median(words.iter().map(|w| seo_domain::num::f64_of(*w)).collect())
            .unwrap_or(0.0),
        schema_types: types.into_iter().collect(),
        median_ttfb_ms: median(ok.iter().map(|p| p.ttfb_ms).collect()).map(round2),
        audit_score: audit.score.unwrap_or(0.0),
        categories: audit
            .factors
            .iter()
            .map(|f| (f.name.clone(), json!(f.value)))
            .collect(),
        failing_checks: audit
            .extra
            .get("issues")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.get("check")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Reads one compared figure of a site.
type Metric = fn(&SiteFigures) -> f64;

/// The `competitive_analysis` agent.
#[derive(Debug, Clone, Default)]
pub struct CompetitiveAnalysis {
    config: CompetitiveConfig,
    auditor: TechnicalSeoAuditor,
}

impl CompetitiveAnalysis {
    /// The agent with `config`, auditing with `audit`.
    pub fn new(config: CompetitiveConfig, audit: AuditConfig) -> Self {
        Self {
            config,
            auditor: TechnicalSeoAuditor::new(audit),
        }
    }

    /// The comparison of the client's figures with the competitors', and the changes since
    /// `previous` (an earlier output); pure.
    pub fn compare(
        &self,
        client: &SiteFigures,
        competitors: &[SiteFigures],
        previous: Option<&Value>,
    ) -> AgentOutput {
        let share = self.config.gap_share;
        let best = |f: fn(&SiteFigures) -> f64| {
            competitors
                .iter()
                .map(f)
                .fold(None::<f64>, |m, v| Some(m.map_or(v, |m| m.max(v))))
        };
        let mut gaps = Vec::new();
        let mut parts = Vec::new();
        let metrics: [(&str, Metric); 4] = [
            ("pages", |s| seo_domain::num::f64_of(s.pages)),
            ("words", |s| seo_domain::num::f64_of(s.words)),
            ("audit_score", |s| s.audit_score),
            ("schema_types", |s| {
                seo_domain::num::f64_of(s.schema_types.len())
            }),
        ];
        for (name, f) in metrics {
            let (mine, top) = (f(client), best(f));
            if let Some(top) = top.filter(|t| *t > 0.0) {
                parts.push((
                    name,
                    (mine / top).min(1.0),
                    format!("client {mine} against the best competitor's {top}"),
                ));
                if mine < top * share {
                    gaps.push(json!({"metric": name, "client": mine, "best_competitor": top}));
                }
            }
        }
        let fastest = competitors
            .iter()
            .filter_map(|s| s.median_ttfb_ms)
            .fold(None::<f64>, |m, v| Some(m.map_or(v, |m| m.min(v))));
        if let (Some(mine), Some(fast)) = (client.median_ttfb_ms, fastest)
            && mine > 0.0
        {
            parts.push((
                "median_ttfb_ms",
                (fast / mine).min(1.0),
                format!("client {mine} ms against the fastest competitor's {fast} ms"),
            ));
            if mine > fast / share {
                gaps.push(
                    json!({"metric": "median_ttfb_ms", "client": mine, "best_competitor": fast}),
                );
            }
        }
        let theirs: BTreeSet<&String> = competitors
            .iter()
            .flat_map(|c| c.schema_types.iter())
            .collect();
        let missing_types: Vec<&&String> = theirs
            .iter()
            .filter(|t| !client.schema_types.contains(t))
            .collect();
        let passed_by_all: Vec<&String> = client
            .failing_checks
            .iter()
            .filter(|c| competitors.iter().all(|s| !s.failing_checks.contains(c)))
            .collect();
        let n = seo_domain::num::f64_of(parts.len());
        let score =
            (!parts.is_empty()).then(|| round2(100.0 * parts.iter().map(|p| p.1).total() / n));
        let factors = parts
            .iter()
            .map(|(name, v, why)| Factor {
                name: (*name).into(),
                value: round2(v * 100.0),
                weight: Some(round2(1.0 / n)),
                contribution: Some(round2(v * 100.0 / n)),
                reason: why.clone(),
            })
            .collect();
        // Changes since the last stored comparison, per competitor host.
        let changes: Vec<Value> = previous
            .and_then(|p| p.get("sites").and_then(Value::as_array))
            .map(|old| {
                competitors
                    .iter()
                    .chain(std::iter::once(client))
                    .filter_map(|s| {
                        let o = old.iter().find(|o| o.get("host").and_then(Value::as_str) == Some(s.host.as_str()))?;
                        let num = |k: &str| o.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                        Some(json!({"host": s.host, "audit_score": round2(s.audit_score - num("audit_score")), "pages": seo_domain::num::f64_of(s.pages) - num("pages"), "words": seo_domain::num::f64_of(s.words) - num("words")}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let findings: Vec<Finding> = gaps
            .iter()
            .map(|g| Finding {
                id: format!("trails_on_{}", g["metric"].as_str().unwrap_or_default()),
                severity: "medium".into(),
                message: format!(
                    "{}: client {} against {}",
                    g["metric"], g["client"], g["best_competitor"]
                ),
            })
            .collect();
        let mut recommendations: Vec<String> = passed_by_all
            .iter()
            .map(|c| format!("Fix {c}: every competitor passes it"))
            .collect();
        recommendations.extend(
            missing_types
                .iter()
                .map(|t| format!("Add {t} structured data (a competitor has it)")),
        );
        let mut sites = vec![client.clone()];
        sites.extend(competitors.iter().cloned());
        let mut extra = Map::new();
        extra.insert("sites".into(), json!(sites));
        extra.insert("gaps".into(), json!(gaps));
        extra.insert("missing_schema_types".into(), json!(missing_types));
        extra.insert("checks_only_client_fails".into(), json!(passed_by_all));
        extra.insert("changes_since_last".into(), json!(changes));
        AgentOutput {
            summary: format!(
                "{} against {} competitor(s): relative score {}; {} gap(s).",
                client.host,
                competitors.len(),
                score.map_or("n/a".into(), |s| s.to_string()),
                gaps.len()
            ),
            score,
            factors,
            findings,
            recommendations,
            data_sources: vec![
                "crawls of the client's and the competitors' sites".into(),
                "the auditor's checks".into(),
            ],
            not_measured: if previous.is_none() {
                vec!["changes (no earlier comparison stored)".into()]
            } else {
                Vec::new()
            },
            extra,
        }
    }
}

#[async_trait]
impl Agent for CompetitiveAnalysis {
    fn id(&self) -> &'static str {
        "competitive_analysis"
    }
    fn name(&self) -> &'static str {
        "Competitive Analysis Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Crawls the client's site and up to N competitors with the auditor's crawler and checks; side by side pages, words, schema types, median TTFB, audit and category scores and failing checks; the gaps where the client trails; changes since the last stored comparison."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: COMPARE,
            description: "Compare the client's site with competitors",
            input_schema: schema_of::<CompareInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        let i: CompareInput = parse_input(input)?;
        if let Some(u) = &i.url {
            start_url(u)?;
        }
        for (n, c) in i.competitors.iter().enumerate() {
            start_url(c).map_err(|e| AgentError::InvalidInput {
                field: format!("competitors[{n}]"),
                message: e.to_string(),
            })?;
        }
        if i.competitors.len() > self.config.max_competitors {
            return Err(AgentError::InvalidInput {
                field: "competitors".into(),
                message: format!("at most {} competitors", self.config.max_competitors),
            });
        }
        Ok(())
    }
    async fn run(
        &self,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        self.validate(task_type, input)?;
        let i: CompareInput = parse_input(input)?;
        let scope = ctx.scope();
        let transient = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let campaign = match scope.campaign_id {
            Some(id) => ctx.data().campaign(id).await.map_err(transient)?,
            None => None,
        };
        let url = i
            .url
            .clone()
            .or_else(|| campaign.as_ref().and_then(|c| c.domain.clone()))
            .ok_or_else(|| AgentError::InvalidInput {
                field: "url".into(),
                message: "give url (or run for a campaign with a domain)".into(),
            })?;
        let mut rivals = i.competitors.clone();
        if rivals.is_empty()
            && let Some(list) = campaign
                .as_ref()
                .and_then(|c| c.config.get("competitors"))
                .and_then(Value::as_array)
        {
            rivals = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .take(self.config.max_competitors)
                .collect();
        }
        if rivals.is_empty() {
            return Err(AgentError::InvalidInput {
                field: "competitors".into(),
                message: "give at least one competitor (or set the campaign's config.competitors)"
                    .into(),
            });
        }
        let pages = Some(
            i.max_pages
                .unwrap_or(self.config.max_pages_per_site)
                .min(self.config.max_pages_per_site),
        );
        let total = seo_domain::num::f64_of(rivals.len() + 1);
        let mut sites = Vec::new();
        for (n, u) in std::iter::once(&url).chain(rivals.iter()).enumerate() {
            ctx.checkpoint()?;
            let start = start_url(u)?;
            let report = self.auditor.crawl_site(&start, pages).await?;
            let audit = self.auditor.audit(&report, None);
            sites.push(figures(
                if n == 0 { "client" } else { "competitor" },
                &report,
                &audit,
            ));
            ctx.report(
                u8::try_from(seo_domain::num::u64_of(
                    100.0 * seo_domain::num::f64_of(n + 1) / total,
                ))
                .unwrap_or(100),
            );
        }
        let (client, competitors) = sites
            .split_first()
            .ok_or_else(|| AgentError::Failed("nothing crawled".into()))?;
        let previous = match scope.client_id.or(campaign.as_ref().map(|c| c.client_id)) {
            Some(cid) => ctx
                .data()
                .latest_result(&ResultQuery {
                    agent_id: "competitive_analysis".into(),
                    client_id: Some(cid),
                    ..Default::default()
                })
                .await
                .map_err(transient)?,
            None => None,
        };
        Ok(self.compare(client, competitors, previous.as_ref().map(|p| &p.output)))
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "crawls sites on demand with the auditor's crawler".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Campaign,
            DataKind::Website,
            DataKind::AgentResults,
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn site(
        host: &str,
        pages: usize,
        words: usize,
        score: f64,
        ttfb: f64,
        types: &[&str],
        failing: &[&str],
    ) -> SiteFigures {
        SiteFigures {
            role: "x".into(),
            host: host.into(),
            pages,
            words,
            median_words: 0.0,
            schema_types: types.iter().map(|t| (*t).to_string()).collect(),
            median_ttfb_ms: Some(ttfb),
            audit_score: score,
            categories: Map::new(),
            failing_checks: failing.iter().map(|t| (*t).to_string()).collect(),
        }
    }

    /// Client 10 pages, 2,000 words, score 60, TTFB 400, no schema; competitors (20, 5,000,
    /// 80, 200, [Organization]) and (5, 1,000, 70, 300, []). Parts: pages 10/20 = 0.5, words
    /// 2,000/5,000 = 0.4, score 60/80 = 0.75, schema 0/1 = 0, TTFB 200/400 = 0.5 → 43.
    #[test]
    fn a_two_site_comparison_as_worked_by_hand() {
        let client = site(
            "client.example",
            10,
            2000,
            60.0,
            400.0,
            &[],
            &["title_missing", "no_https"],
        );
        let rivals = vec![
            site(
                "a.example",
                20,
                5000,
                80.0,
                200.0,
                &["Organization"],
                &["no_https"],
            ),
            site("b.example", 5, 1000, 70.0, 300.0, &[], &[]),
        ];
        let previous = json!({"sites": [{"host": "a.example", "audit_score": 75.0, "pages": 18, "words": 4000}]});
        let out = CompetitiveAnalysis::default().compare(&client, &rivals, Some(&previous));
        assert_eq!(out.score, Some(43.0));
        let gaps: Vec<&str> = out.extra["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["metric"].as_str().unwrap())
            .collect();
        assert_eq!(
            gaps,
            vec![
                "pages",
                "words",
                "audit_score",
                "schema_types",
                "median_ttfb_ms"
            ]
        );
        assert_eq!(out.extra["missing_schema_types"], json!(["Organization"]));
        assert_eq!(
            out.extra["checks_only_client_fails"],
            json!(["title_missing"])
        );
        assert_eq!(
            out.extra["changes_since_last"],
            json!([{"host": "a.example", "audit_score": 5.0, "pages": 2.0, "words": 1000.0}])
        );
    }
}
