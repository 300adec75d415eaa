//! `technical_seo_operations_manager`: a prioritised technical backlog from the newest stored
//! audit — priority = impact (severity weight × share of pages) × pages affected ÷ effort —
//! grouped into sprints by a configured capacity, and the project status of the client's
//! campaigns and tasks (done, blocked, overdue).

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{ClientActivity, DataKind, ResultQuery, host_of};
use crate::sales::round2;
use seo_domain::num::Total;

/// Task type.
pub const BACKLOG: &str = "technical_backlog";

/// A named number (a severity's weight, a check's effort).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    /// Severity or check id.
    pub name: String,
    /// Its value.
    pub value: f64,
}

fn w(rows: &[(&str, f64)]) -> Vec<Weight> {
    rows.iter()
        .map(|&(n, v)| Weight {
            name: n.into(),
            value: v,
        })
        .collect()
}

/// `[agents.technical_seo_operations_manager]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacklogConfig {
    /// Weight of each severity.
    pub severity_weights: Vec<Weight>,
    /// Effort of fixing a check (points; e.g. hours).
    pub effort: Vec<Weight>,
    /// Effort of a check without its own row.
    pub default_effort: f64,
    /// Effort points that fit in one sprint.
    pub sprint_capacity: f64,
    /// Days of a sprint.
    pub sprint_days: i64,
    /// A pending task older than this many hours is overdue.
    pub overdue_hours: f64,
    /// Days of task history read for the project status.
    pub history_days: i64,
}

impl Default for BacklogConfig {
    fn default() -> Self {
        Self {
            severity_weights: w(&[
                ("critical", 10.0),
                ("high", 7.0),
                ("medium", 4.0),
                ("low", 2.0),
                ("info", 1.0),
            ]),
            effort: w(&[
                ("http_5xx", 8.0),
                ("http_4xx", 3.0),
                ("redirect_loop", 2.0),
                ("fetch_error", 5.0),
                ("redirect_chain", 2.0),
                ("noindex", 1.0),
                ("truncated_page", 5.0),
                ("title_missing", 2.0),
                ("title_multiple", 1.0),
                ("title_length", 2.0),
                ("description_missing", 2.0),
                ("description_length", 2.0),
                ("canonical_missing", 2.0),
                ("canonical_multiple", 1.0),
                ("viewport_missing", 1.0),
                ("lang_missing", 1.0),
                ("title_duplicate", 3.0),
                ("description_duplicate", 3.0),
                ("duplicate_content", 5.0),
                ("h1_missing", 2.0),
                ("h1_multiple", 1.0),
                ("heading_order", 2.0),
                ("thin_content", 8.0),
                ("broken_internal_link", 3.0),
                ("link_to_redirect", 2.0),
                ("too_many_links", 3.0),
                ("image_alt_missing", 3.0),
                ("image_dimensions_missing", 2.0),
                ("slow_ttfb", 13.0),
                ("heavy_page", 8.0),
                ("no_compression", 1.0),
                ("no_https", 8.0),
                ("hsts_missing", 1.0),
                ("csp_missing", 3.0),
                ("nosniff_missing", 1.0),
                ("insecure_form", 3.0),
                ("mixed_content", 3.0),
                ("json_ld_invalid", 2.0),
                ("structured_data_missing", 5.0),
                ("robots_txt_missing", 1.0),
                ("robots_txt_invalid", 1.0),
                ("sitemap_missing", 2.0),
                ("llms_txt_missing", 1.0),
            ]),
            default_effort: 3.0,
            sprint_capacity: 20.0,
            sprint_days: 14,
            overdue_hours: 24.0,
            history_days: 30,
        }
    }
}

/// What to plan for.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct BacklogInput {
    /// The client (default: the task's client).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Uuid>,
    /// The campaign (default: the task's campaign).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub campaign_id: Option<Uuid>,
    /// The site, when no client or campaign has an audit.
    #[serde(default)]
    pub url: Option<String>,
    /// Effort points per sprint (default from configuration).
    #[serde(default)]
    pub sprint_capacity: Option<f64>,
}

/// The `technical_seo_operations_manager` agent.
#[derive(Debug, Clone, Default)]
pub struct TechnicalSeoOperationsManager {
    config: BacklogConfig,
}

/// One backlog item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Check id.
    pub check: String,
    /// Severity.
    pub severity: String,
    /// Pages affected.
    pub pages_affected: f64,
    /// Share of crawled pages.
    pub share: f64,
    /// Severity weight × share.
    pub impact: f64,
    /// Effort points.
    pub effort: f64,
    /// impact × pages ÷ effort.
    pub priority: f64,
    /// How to fix it.
    pub fix: String,
    /// Sprint number (from 1).
    pub sprint: usize,
}

impl TechnicalSeoOperationsManager {
    /// The agent with `config`.
    pub fn new(config: BacklogConfig) -> Self {
        Self { config }
    }

    fn lookup(t: &[Weight], name: &str) -> Option<f64> {
        t.iter().find(|x| x.name == name).map(|x| x.value)
    }

    /// The backlog of an audit output, sprints filled in priority order; pure.
    pub fn backlog(&self, audit: &Value, capacity: f64) -> Vec<Item> {
        let c = &self.config;
        let crawled = audit
            .pointer("/crawl/pages_crawled")
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
            .max(1.0);
        let mut items: Vec<Item> = audit
            .get("issues")
            .and_then(Value::as_array)
            .map(|issues| {
                issues
                    .iter()
                    .filter_map(|i| {
                        let check = i.get("check")?.as_str()?.to_string();
                        // `impact` (critical…info) since audits report severity as
                        // error|warning|notice; older stored audits have only `severity`.
                        let severity = i
                            .get("impact")
                            .or_else(|| i.get("severity"))?
                            .as_str()?
                            .to_string();
                        let pages = i
                            .get("pages_affected")
                            .and_then(Value::as_f64)
                            .unwrap_or(1.0)
                            .max(1.0);
                        let weight = Self::lookup(&c.severity_weights, &severity).unwrap_or(1.0);
                        let share = (pages / crawled).min(1.0);
                        let impact = weight * share;
                        let effort = Self::lookup(&c.effort, &check)
                            .unwrap_or(c.default_effort)
                            .max(0.1);
                        Some(Item {
                            fix: i
                                .get("fix")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            priority: round2(impact * pages / effort),
                            impact: round2(impact),
                            share: round2(share),
                            check,
                            severity,
                            pages_affected: pages,
                            effort,
                            sprint: 0,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        items.sort_by(|a, b| {
            b.priority
                .total_cmp(&a.priority)
                .then_with(|| a.check.cmp(&b.check))
        });
        let (mut sprint, mut used) = (1usize, 0.0);
        for it in &mut items {
            if used > 0.0 && used + it.effort > capacity {
                sprint += 1;
                used = 0.0;
            }
            it.sprint = sprint;
            used += it.effort;
        }
        items
    }

    /// Project status of a client's campaigns and tasks.
    pub fn status(&self, a: &ClientActivity, now: chrono::DateTime<Utc>) -> Value {
        let today = now.date_naive();
        let count =
            |s: seo_domain::CampaignStatus| a.campaigns.iter().filter(|c| c.status == s).count();
        let overdue_campaigns: Vec<String> = a
            .campaigns
            .iter()
            .filter(|c| {
                c.status == seo_domain::CampaignStatus::Active
                    && c.end_date.is_some_and(|e| e < today)
            })
            .map(|c| c.name.clone())
            .collect();
        let hours = |t: &seo_domain::Task| {
            seo_domain::num::f64_of((now - t.created_at).num_seconds()) / 3600.0
        };
        use seo_domain::TaskStatus as S;
        json!({
            "campaigns": {
                "active": count(seo_domain::CampaignStatus::Active), "paused": count(seo_domain::CampaignStatus::Paused),
                "done": count(seo_domain::CampaignStatus::Completed), "draft": count(seo_domain::CampaignStatus::Draft),
                "overdue": overdue_campaigns,
            },
            "tasks": {
                "done": a.tasks.iter().filter(|t| t.status == S::Completed).count(),
                "blocked": a.tasks.iter().filter(|t| matches!(t.status, S::Failed | S::TimedOut)).count(),
                "overdue": a.tasks.iter().filter(|t| t.status == S::Pending && hours(t) > self.config.overdue_hours).count(),
                "in_progress": a.tasks.iter().filter(|t| t.status == S::Running).count(),
            },
        })
    }
}

#[async_trait]
impl Agent for TechnicalSeoOperationsManager {
    fn id(&self) -> &'static str {
        "technical_seo_operations_manager"
    }
    fn name(&self) -> &'static str {
        "Technical SEO Operations Manager"
    }
    fn tier(&self) -> Tier {
        Tier::Management
    }
    fn description(&self) -> &'static str {
        "A prioritised technical backlog from the newest stored audit (impact = severity weight × share of pages; priority = impact × pages affected ÷ effort), grouped into sprints by capacity, and the project status of the client's campaigns and tasks."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: BACKLOG,
            description: "Plan the technical backlog from the newest audit",
            input_schema: schema_of::<BacklogInput>(),
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
        let i = check(input)?;
        let scope = ctx.scope();
        let (client, campaign) = (
            i.client_id.or(scope.client_id),
            i.campaign_id.or(scope.campaign_id),
        );
        let transient = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let base = ResultQuery {
            agent_id: "technical_seo_auditor".into(),
            task_type: Some(crate::auditor::AUDIT.into()),
            ..Default::default()
        };
        let audit = super::newest_result(
            ctx,
            base,
            campaign,
            client,
            i.url.as_deref().and_then(host_of),
        )
        .await?;
        let capacity = i.sprint_capacity.unwrap_or(self.config.sprint_capacity);
        let mut not_measured = Vec::new();
        let mut data_sources = vec!["severity weights and efforts (configuration)".to_string()];
        let items = match &audit {
            Some(r) => {
                data_sources.push(format!("stored audit (task {})", r.task_id));
                self.backlog(&r.output, capacity)
            }
            None => {
                not_measured.push("the backlog (no stored audit for this client, campaign or site: run technical_seo_audit first)".into());
                Vec::new()
            }
        };
        let status = match client {
            Some(c) => match ctx
                .data()
                .client_activity(c, Utc::now() - TimeDelta::days(self.config.history_days))
                .await
                .map_err(transient)?
            {
                Some(a) => {
                    data_sources.push("the client's campaigns and tasks".into());
                    self.status(&a, Utc::now())
                }
                None => {
                    not_measured.push("project status (no access to stored records)".into());
                    Value::Null
                }
            },
            None => {
                not_measured.push("project status (no client)".into());
                Value::Null
            }
        };
        let sprints = items.iter().map(|i| i.sprint).max().unwrap_or(0);
        let effort: f64 = items.iter().map(|i| i.effort).total();
        let findings: Vec<Finding> = items
            .iter()
            .filter(|i| i.severity == "critical")
            .map(|i| Finding {
                id: i.check.clone(),
                severity: "critical".into(),
                message: format!("{}: {} page(s), fix first", i.check, i.pages_affected),
            })
            .collect();
        let factors = items
            .iter()
            .take(10)
            .map(|i| Factor {
                name: i.check.clone(),
                value: i.priority,
                weight: None,
                contribution: None,
                reason: format!(
                    "{} × {} pages ÷ effort {}",
                    i.impact, i.pages_affected, i.effort
                ),
            })
            .collect();
        let mut extra = Map::new();
        extra.insert("backlog".into(), json!(items));
        extra.insert("sprints".into(), json!({"count": sprints, "capacity": capacity, "days_each": self.config.sprint_days, "total_effort": effort, "weeks": round2(seo_domain::num::f64_of(sprints) * seo_domain::num::f64_of(self.config.sprint_days) / 7.0)}));
        extra.insert("project_status".into(), status);
        extra.insert(
            "audit_score".into(),
            audit
                .as_ref()
                .and_then(|r| r.output.get("audit_score").cloned())
                .unwrap_or(Value::Null),
        );
        Ok(AgentOutput {
            summary: format!(
                "{} backlog item(s), {effort} effort points in {sprints} sprint(s) of {capacity}.",
                items.len()
            ),
            score: None,
            factors,
            findings,
            recommendations: items
                .iter()
                .take(5)
                .map(|i| format!("Sprint {}: {} ({})", i.sprint, i.fix, i.check))
                .collect(),
            data_sources,
            not_measured,
            extra,
        })
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "reads stored audits and the client's records".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::AgentResults,
            DataKind::TaskHistory,
        ]
    }
}

fn check(input: &Value) -> Result<BacklogInput, AgentError> {
    let i: BacklogInput = parse_input(input)?;
    if i.sprint_capacity
        .is_some_and(|c| !c.is_finite() || c <= 0.0)
    {
        return Err(AgentError::InvalidInput {
            field: "sprint_capacity".into(),
            message: "must be a number above 0".into(),
        });
    }
    Ok(i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Worked by hand over 10 crawled pages: http_5xx (critical, 2 pages, effort 8):
    /// 10 × 0.2 × 2 ÷ 8 = 0.5; title_missing (high, 5, effort 2): 7 × 0.5 × 5 ÷ 2 = 8.75;
    /// image_alt_missing (medium, 10, effort 3): 4 × 1 × 10 ÷ 3 = 13.33. Capacity 10:
    /// sprint 1 = alt (3) + title (2); http_5xx (8) does not fit → sprint 2.
    #[test]
    fn the_backlog_order_and_sprints_as_worked_by_hand() {
        let audit = json!({"crawl": {"pages_crawled": 10}, "issues": [
            {"check": "http_5xx", "severity": "critical", "pages_affected": 2, "fix": "fix"},
            {"check": "title_missing", "severity": "high", "pages_affected": 5, "fix": "fix"},
            {"check": "image_alt_missing", "severity": "medium", "pages_affected": 10, "fix": "fix"},
        ]});
        let items = TechnicalSeoOperationsManager::default().backlog(&audit, 10.0);
        let order: Vec<(&str, f64, usize)> = items
            .iter()
            .map(|i| (i.check.as_str(), i.priority, i.sprint))
            .collect();
        assert_eq!(
            order,
            vec![
                ("image_alt_missing", 13.33, 1),
                ("title_missing", 8.75, 1),
                ("http_5xx", 0.5, 2)
            ]
        );
    }
}
