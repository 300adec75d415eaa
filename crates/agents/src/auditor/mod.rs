//! `technical_seo_auditor`: crawls the site and runs the check catalogue. Each finding has
//! its check id, severity, pages affected (count and sample URLs), why it matters and how to
//! fix it. Category scores are combined with weights that sum to 1; Core Web Vitals count
//! only when the user supplies them, otherwise they are listed under `not_measured` and the
//! other weights are renormalised.

mod checks;
mod config;
mod overrides;
mod report;

pub use checks::{
    CheckInfo, Scope, catalogue, severity_of_impact, threshold_keys, thresholds, thresholds_in,
};
pub use config::{AuditConfig, VitalLimits, VitalsConfig};
pub use overrides::{AuditOverrides, SEVERITIES};
pub use report::summary_of;

use async_trait::async_trait;
use schemars::JsonSchema;
use seo_crawler::crawl;
use serde::Deserialize;
use serde_json::Value;

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, TaskContext, TaskTypeSpec, Tier, parse_input,
    schema_of,
};

/// The task type.
pub const AUDIT: &str = "technical_seo_audit";

/// Field measurements the user supplies (the crawler cannot measure them).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CoreWebVitals {
    /// Largest Contentful Paint, ms.
    pub lcp_ms: Option<f64>,
    /// Interaction to Next Paint, ms.
    pub inp_ms: Option<f64>,
    /// Cumulative Layout Shift.
    pub cls: Option<f64>,
}

/// What to audit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AuditInput {
    /// The site: an absolute http(s) URL or a bare domain (https is assumed).
    pub url: String,
    /// Most pages to crawl (1–1000).
    #[serde(default)]
    pub max_pages: Option<usize>,
    /// Deepest link distance (0–20).
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// Field Core Web Vitals, when known.
    #[serde(default)]
    pub core_web_vitals: Option<CoreWebVitals>,
}

/// The external capability the auditor consumes.
pub const CORE_WEB_VITALS: &str = "core_web_vitals";

/// Field Core Web Vitals from the MCP providers, when the agent is switched to them and the
/// input gave none: the vitals, where they came from, or why they could not be had.
async fn field_vitals(
    url: &str,
    ctx: &TaskContext,
) -> (Option<CoreWebVitals>, Option<String>, Option<String>) {
    let Some(ext) = ctx.external() else {
        return (None, None, None);
    };
    match ext
        .call(CORE_WEB_VITALS, serde_json::json!({"url": url}))
        .await
    {
        Ok(found) => {
            let num = |k: &str| {
                found
                    .value
                    .get(k)
                    .and_then(Value::as_f64)
                    .filter(|n| n.is_finite() && *n >= 0.0)
            };
            let v = CoreWebVitals {
                lcp_ms: num("lcp_ms"),
                inp_ms: num("inp_ms"),
                cls: num("cls"),
            };
            let got: Vec<&str> = [("lcp_ms", v.lcp_ms), ("inp_ms", v.inp_ms), ("cls", v.cls)]
                .into_iter()
                .filter_map(|(k, n)| n.map(|_| k))
                .collect();
            let source = format!(
                "MCP provider '{}' (tool '{}'{}) for {CORE_WEB_VITALS}: {}",
                found.provider,
                found.tool,
                if found.cached { ", cached" } else { "" },
                if got.is_empty() {
                    "no usable figures".to_string()
                } else {
                    got.join(", ")
                }
            );
            (Some(v), Some(source), None)
        }
        Err(why) => (
            None,
            None,
            Some(format!("{CORE_WEB_VITALS} from MCP providers ({why})")),
        ),
    }
}

/// The `technical_seo_auditor` agent.
#[derive(Debug, Clone, Default)]
pub struct TechnicalSeoAuditor {
    config: AuditConfig,
}

pub(crate) fn start_url(raw: &str) -> Result<String, AgentError> {
    let t = raw.trim();
    let candidate = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}/")
    };
    let u = url::Url::parse(&candidate).map_err(|e| AgentError::InvalidInput {
        field: "url".into(),
        message: e.to_string(),
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(AgentError::InvalidInput {
            field: "url".into(),
            message: "must be an http(s) URL or a domain".into(),
        });
    }
    Ok(u.to_string())
}

fn check(input: &Value) -> Result<(AuditInput, String), AgentError> {
    let i: AuditInput = parse_input(input)?;
    let url = start_url(&i.url)?;
    if i.max_pages.is_some_and(|p| !(1..=1000).contains(&p)) {
        return Err(AgentError::InvalidInput {
            field: "max_pages".into(),
            message: "must be between 1 and 1000".into(),
        });
    }
    if i.max_depth.is_some_and(|d| d > 20) {
        return Err(AgentError::InvalidInput {
            field: "max_depth".into(),
            message: "must be at most 20".into(),
        });
    }
    Ok((i, url))
}

impl TechnicalSeoAuditor {
    /// The agent with `config`.
    pub fn new(config: AuditConfig) -> Self {
        Self { config }
    }

    /// The check catalogue as this auditor runs it: each check with its category,
    /// severity (`error` for critical and high, `warning` for medium and low, `notice` for
    /// info; the original level as `impact`), scope, the configuration keys it reads with
    /// their values, whether the operator disabled it, why and how to fix.
    pub fn checks(&self) -> Vec<serde_json::Value> {
        let all = serde_json::to_value(&self.config).unwrap_or_default();
        catalogue()
            .into_iter()
            .map(|c| {
                let severity = self
                    .config
                    .severity
                    .get(c.id)
                    .map_or(c.severity, String::as_str);
                let th: serde_json::Map<String, Value> = thresholds_in(c.id, &all)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                serde_json::json!({
                    "id": c.id, "category": c.category, "severity": severity, "impact": c.impact,
                    "scope": c.scope, "thresholds": th,
                    "enabled": !self.config.disabled_checks.iter().any(|d| d == c.id),
                    "why": c.why, "fix": c.fix,
                })
            })
            .collect()
    }

    /// The configuration for this task: the operator's, with the task's campaign's
    /// `config.audit` applied. Also the campaign id and whether it overrode anything.
    async fn campaign_config(
        &self,
        ctx: &TaskContext,
    ) -> Result<(AuditConfig, Option<(uuid::Uuid, bool)>), AgentError> {
        let Some(id) = ctx.scope().campaign_id else {
            return Ok((self.config.clone(), None));
        };
        let campaign = ctx
            .data()
            .campaign(id)
            .await
            .map_err(|e| AgentError::Failed(e.to_string()))?;
        let Some(raw) = campaign.as_ref().and_then(|c| c.config.get("audit")) else {
            return Ok((self.config.clone(), Some((id, false))));
        };
        let bad = |message: String| AgentError::InvalidInput {
            field: "campaign.config.audit".into(),
            message,
        };
        let o = AuditOverrides::parse(raw, &self.config).map_err(bad)?;
        let cfg = self.config.with_overrides(&o).map_err(bad)?;
        Ok((cfg, Some((id, true))))
    }

    /// Adds `diff` (what changed since the campaign's previous stored audit) to the output,
    /// or names in `not_measured` why there is none.
    async fn diff_with_previous(
        &self,
        campaign: uuid::Uuid,
        out: &mut AgentOutput,
        ctx: &TaskContext,
    ) {
        let previous = match ctx.data().latest_audit(campaign).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                out.not_measured
                    .push("diff (no earlier audit of this campaign)".into());
                return;
            }
            Err(e) => {
                out.not_measured.push(format!("diff ({e})"));
                return;
            }
        };
        let Some((summary, snapshot)) = report::summary_of(&out.extra) else {
            return;
        };
        let d = seo_domain::audit::diff(
            previous.audit.id,
            (&previous.audit.summary, &previous.snapshot),
            None,
            (&summary, &snapshot),
        );
        out.data_sources.push(format!(
            "previous audit {} of this campaign ({})",
            previous.audit.id,
            previous.audit.created_at.format("%Y-%m-%d %H:%M UTC")
        ));
        out.extra
            .insert("diff".into(), serde_json::to_value(d).unwrap_or_default());
    }

    /// Crawls `url` (already a start URL) with the operator's crawl settings, at most
    /// `max_pages` pages when given (never more than the operator allows).
    pub(crate) async fn crawl_site(
        &self,
        url: &str,
        max_pages: Option<usize>,
    ) -> Result<seo_crawler::CrawlReport, AgentError> {
        let mut cfg = self.config.crawl.clone();
        if let Some(p) = max_pages {
            cfg.max_pages = cfg.max_pages.min(p);
        }
        crawl(url, &cfg).await.map_err(|e| match e {
            seo_crawler::CrawlError::InvalidUrl(m) | seo_crawler::CrawlError::Refused(m) => {
                AgentError::InvalidInput {
                    field: "url".into(),
                    message: m,
                }
            }
            seo_crawler::CrawlError::Setup(m) => AgentError::Failed(m),
        })
    }
}

#[async_trait]
impl Agent for TechnicalSeoAuditor {
    fn id(&self) -> &'static str {
        "technical_seo_auditor"
    }
    fn name(&self) -> &'static str {
        "Technical SEO Auditor Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Crawls a site (robots.txt, sitemap, page cap, politeness) and runs the technical check catalogue: status, redirects, titles, descriptions, canonicals, headings, thin and duplicate content, images, links, security headers, structured data, TTFB, page weight, llms.txt."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: AUDIT,
            description: "Crawl and audit a site",
            input_schema: schema_of::<AuditInput>(),
        }]
    }
    fn validate(&self, _: &str, input: &Value) -> Result<(), AgentError> {
        let (_, url) = check(input)?;
        if !self.config.crawl.allow_private
            && let Ok(u) = url::Url::parse(&url)
        {
            seo_crawler::check_url_host(&u).map_err(|m| AgentError::InvalidInput {
                field: "url".into(),
                message: m,
            })?;
        }
        Ok(())
    }
    async fn run(
        &self,
        _: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let (i, url) = check(input)?;
        let (config, campaign) = self.campaign_config(ctx).await?;
        let mut cfg = config.crawl.clone();
        // A task may ask for less than the operator allows, never more.
        if let Some(p) = i.max_pages {
            cfg.max_pages = cfg.max_pages.min(p);
        }
        if let Some(d) = i.max_depth {
            cfg.max_depth = cfg.max_depth.min(d);
        }
        ctx.report(5);
        let report = crawl(&url, &cfg).await.map_err(|e| match e {
            seo_crawler::CrawlError::InvalidUrl(m) | seo_crawler::CrawlError::Refused(m) => {
                AgentError::InvalidInput {
                    field: "url".into(),
                    message: m,
                }
            }
            seo_crawler::CrawlError::Setup(m) => AgentError::Failed(m),
        })?;
        ctx.checkpoint()?;
        ctx.report(90);
        let (vitals, source, missing) = match i.core_web_vitals {
            Some(v) => (Some(v), None, None),
            None => field_vitals(&url, ctx).await,
        };
        let mut out = Self::audit_with(&config, &report, vitals.as_ref());
        out.data_sources.extend(source);
        out.not_measured.extend(missing);
        if let Some((id, overridden)) = campaign {
            if overridden {
                out.data_sources
                    .push(format!("audit overrides of campaign {id} (config.audit)"));
            }
            self.diff_with_previous(id, &mut out, ctx).await;
        }
        ctx.report(100);
        Ok(out)
    }
    fn reads(&self) -> Vec<crate::data::DataKind> {
        vec![
            crate::data::DataKind::TaskInput,
            crate::data::DataKind::Website,
        ]
    }
    fn consumes(&self) -> Vec<crate::external::Capability> {
        vec![crate::external::Capability {
            name: CORE_WEB_VITALS,
            description: "Field Core Web Vitals of a site the input gives none for: sends {url}; \
                          reads `lcp_ms`, `inp_ms` and `cls` (numbers) from the answer.",
        }]
    }
    async fn health(&self) -> AgentHealth {
        // The crawler needs name resolution; probe the resolver.
        match tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::lookup_host("localhost:80"),
        )
        .await
        {
            Ok(Ok(_)) => AgentHealth {
                status: "healthy",
                detail: "name resolution works; sites are fetched on demand".into(),
            },
            Ok(Err(e)) => AgentHealth {
                status: "unhealthy",
                detail: format!("name resolution fails: {e}"),
            },
            Err(_) => AgentHealth {
                status: "unhealthy",
                detail: "name resolution timed out".into(),
            },
        }
    }
}
