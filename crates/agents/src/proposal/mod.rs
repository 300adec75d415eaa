//! `proposal_generation`: services chosen by SEO maturity, prices from the rate table and
//! multipliers, three packages, and an ROI projection whose every assumption is stated.

mod config;
mod price;
mod stored;

pub use config::ProposalConfig;
use price::Band;
use stored::enrich;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::data::DataKind;
use crate::lead::NumOrText;
use crate::parse::parse_amount;

/// The task type.
pub const PROPOSE: &str = "generate_proposal";

/// What the proposal is for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ProposalInput {
    /// Company name.
    pub company_name: String,
    /// The lead it is for: the stored proposal is linked to it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<uuid::Uuid>,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Employees: a number or a range.
    #[serde(default)]
    pub company_size: Option<NumOrText>,
    /// Lead score 0–100 (from `lead_qualification`).
    #[serde(default)]
    pub lead_score: Option<f64>,
    /// Lead class: hot, warm, cold, mql or unqualified.
    #[serde(default)]
    pub lead_class: Option<String>,
    /// Technical audit score 0–100 of the site, when an audit exists.
    #[serde(default)]
    pub audit_score: Option<f64>,
    /// The client's monthly organic visits, when known.
    #[serde(default)]
    pub monthly_traffic: Option<f64>,
    /// The client's conversion rate in percent, when known.
    #[serde(default)]
    pub conversion_rate: Option<f64>,
    /// The client's average deal value, when known.
    #[serde(default)]
    pub average_deal_value: Option<f64>,
    /// low, medium or high.
    #[serde(default)]
    pub urgency: Option<String>,
}

/// The `proposal_generation` agent.
#[derive(Debug, Clone, Default)]
pub struct ProposalGeneration {
    config: ProposalConfig,
}

fn round0(v: f64) -> f64 {
    v.round()
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl ProposalGeneration {
    /// The agent with `config`.
    pub fn new(config: ProposalConfig) -> Self {
        Self { config }
    }

    fn lookup(table: &[(String, f64)], text: &str) -> Option<f64> {
        table
            .iter()
            .find(|(k, _)| text.contains(k.as_str()))
            .map(|(_, v)| *v)
    }

    /// Builds the proposal; pure computation.
    pub fn propose(&self, p: &ProposalInput) -> Result<AgentOutput, AgentError> {
        let c = &self.config;
        let mut not_measured = Vec::new();
        let mut assumptions: Vec<String> = Vec::new();
        let industry = p
            .industry
            .as_deref()
            .map(str::to_lowercase)
            .unwrap_or_default();
        let size = p.company_size.as_ref().map(|s| match s {
            NumOrText::Number(n) => n.to_string(),
            NumOrText::Text(t) => t.clone(),
        });
        let employees = size.as_deref().and_then(parse_amount).map(|a| a.typical());
        let (tier, tier_name) = match employees {
            Some(e) if e >= c.size_thresholds[1] => (Band::Enterprise, "enterprise"),
            Some(e) if e >= c.size_thresholds[0] => (Band::MidMarket, "mid_market"),
            Some(_) => (Band::Smb, "smb"),
            None => {
                not_measured.push("company_size (priced as smb)".to_string());
                (Band::Smb, "smb")
            }
        };
        let class = p
            .lead_class
            .as_deref()
            .map(str::to_lowercase)
            .unwrap_or_else(|| c.default_class.clone());
        let class_mult =
            Self::lookup(&c.class_multipliers, &class).ok_or_else(|| AgentError::InvalidInput {
                field: "lead_class".into(),
                message: format!("unknown class '{class}'"),
            })?;
        if p.lead_class.is_none() {
            assumptions.push(format!(
                "no lead class given: priced as {class} (multiplier {class_mult})"
            ));
        }
        let industry_mult = Self::lookup(&c.industry_multipliers, &industry).unwrap_or(1.0);

        let (maturity, maturity_basis) = price::maturity(c, p, tier, tier_name, &mut not_measured);
        let services: Vec<String> = c.services.get(&maturity).cloned().unwrap_or_default();

        let pricing = price::price(c, &services, tier, industry_mult, class_mult);
        let packages = price::packages(c, &pricing, &services);
        let growth_pkg = packages.growth;
        let price::Pricing {
            lines,
            one_time,
            monthly,
        } = pricing;
        let packages = packages.json;

        let price::Roi {
            horizon,
            breakeven,
            roi_12,
            opportunity,
        } = price::roi(
            c,
            p,
            tier,
            tier_name,
            &industry,
            growth_pkg,
            &mut assumptions,
        );
        let mut factors = vec![
            Factor {
                name: "industry_multiplier".into(),
                value: industry_mult,
                weight: None,
                contribution: None,
                reason: if industry.is_empty() {
                    "no industry: 1.0".into()
                } else {
                    format!("industry '{industry}'")
                },
            },
            Factor {
                name: "class_multiplier".into(),
                value: class_mult,
                weight: None,
                contribution: None,
                reason: format!("lead class {class}"),
            },
            Factor {
                name: "opportunity".into(),
                value: round3(opportunity),
                weight: None,
                contribution: None,
                reason: p.lead_score.map_or("assumed (no lead score)".into(), |s| {
                    format!(
                        "min({}, {s}/100 + {})",
                        c.opportunity_max, c.opportunity_bonus
                    )
                }),
            },
        ];
        if let Some(a) = p.audit_score {
            factors.push(Factor {
                name: "audit_score".into(),
                value: a,
                weight: None,
                contribution: None,
                reason: maturity_basis.clone(),
            });
        }
        let urgency = p.urgency.as_deref().unwrap_or("medium").to_lowercase();
        let mut next_steps: Vec<String> = c
            .next_steps
            .get(class.as_str())
            .or_else(|| c.next_steps.get("other"))
            .cloned()
            .unwrap_or_default();
        if urgency == "high" {
            next_steps.insert(0, c.urgent_step.clone());
        }
        let findings = if breakeven.is_none() {
            vec![Finding {
                id: "no_breakeven".into(),
                severity: "medium".into(),
                message: format!(
                    "the recommended package does not pay back within {} months on these assumptions",
                    c.projection_months
                ),
            }]
        } else {
            Vec::new()
        };
        let mut extra = Map::new();
        extra.insert("company_name".into(), json!(p.company_name));
        extra.insert("company_tier".into(), json!(tier_name));
        extra.insert("seo_maturity".into(), json!(maturity));
        extra.insert("maturity_basis".into(), json!(maturity_basis));
        extra.insert("services".into(), json!(lines));
        extra.insert("totals".into(), json!({"one_time": one_time, "monthly": monthly, "first_year": one_time + 12.0 * monthly}));
        extra.insert("packages".into(), packages);
        // The value approval gates compare: the recommended package's first year.
        extra.insert(
            "annual_value".into(),
            json!(growth_pkg.0 + 12.0 * growth_pkg.1),
        );
        extra.insert("roi".into(), json!({"package": "growth", "horizons": horizon, "breakeven_month": breakeven, "assumptions": assumptions}));
        extra.insert("next_steps".into(), json!(next_steps));
        Ok(AgentOutput {
            summary: format!(
                "{}: {maturity} SEO maturity; recommended Growth package {:.0} one-time + {:.0}/month; 12-month ROI {:.0}%{}.",
                p.company_name.trim(),
                growth_pkg.0,
                growth_pkg.1,
                roi_12 * 100.0,
                breakeven.map_or(
                    format!(", no payback within {} months", c.projection_months),
                    |b| format!(", pays back in month {b}")
                )
            ),
            score: None,
            factors,
            findings,
            recommendations: next_steps,
            data_sources: vec![
                "task input".into(),
                "rate table and multipliers (configuration)".into(),
            ],
            not_measured,
            extra,
        })
    }
}

fn check(input: &Value) -> Result<ProposalInput, AgentError> {
    let p: ProposalInput = parse_input(input)?;
    if p.company_name.trim().chars().count() < 2 {
        return Err(AgentError::InvalidInput {
            field: "company_name".into(),
            message: "must be at least 2 characters".into(),
        });
    }
    for (field, v, max) in [
        ("lead_score", p.lead_score, 100.0),
        ("audit_score", p.audit_score, 100.0),
        ("conversion_rate", p.conversion_rate, 100.0),
    ] {
        if v.is_some_and(|v| !(0.0..=max).contains(&v)) {
            return Err(AgentError::InvalidInput {
                field: field.into(),
                message: format!("must be between 0 and {max}"),
            });
        }
    }
    for (field, v) in [
        ("monthly_traffic", p.monthly_traffic),
        ("average_deal_value", p.average_deal_value),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(AgentError::InvalidInput {
                field: field.into(),
                message: "must be zero or more".into(),
            });
        }
    }
    if let Some(c) = &p.lead_class
        && !["hot", "warm", "cold", "mql", "unqualified"].contains(&c.to_lowercase().as_str())
    {
        return Err(AgentError::InvalidInput {
            field: "lead_class".into(),
            message: "must be hot, warm, cold, mql or unqualified".into(),
        });
    }
    Ok(p)
}

#[async_trait]
impl Agent for ProposalGeneration {
    fn id(&self) -> &'static str {
        "proposal_generation"
    }
    fn name(&self) -> &'static str {
        "Proposal Generation Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Chooses services by SEO maturity, prices them from the rate table and multipliers, builds three packages and an ROI projection with every assumption stated."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: PROPOSE,
            description: "Price a proposal",
            input_schema: schema_of::<ProposalInput>(),
        }]
    }
    fn validate(&self, _: &str, input: &Value) -> Result<(), AgentError> {
        check(input).map(|_| ())
    }
    async fn run(
        &self,
        _: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let mut p = check(input)?;
        ctx.checkpoint()?;
        let sources = enrich(&mut p, ctx).await;
        let mut out = self.propose(&p)?;
        out.data_sources.extend(sources);
        ctx.report(100);
        Ok(out)
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Client,
            DataKind::AgentResults,
        ]
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "pure computation from the task input and the rate table".into(),
        }
    }
    fn reference_case(&self) -> Option<ReferenceCase> {
        Some(ReferenceCase {
            task_type: PROPOSE,
            input: json!({"company_name": "Acme SaaS", "industry": "SaaS", "company_size": 200, "lead_score": 85, "lead_class": "hot"}),
            // mid-market basic: audit 500k, content 350k one-time; retainer 850k monthly; × 1.3 (SaaS) × 1.2 (hot)
            check: |out| {
                let t = out.extra.get("totals").cloned().unwrap_or_default();
                let expected = Some(&json!(1_326_000.0));
                if t.get("one_time") == expected && t.get("monthly") == expected {
                    Ok(())
                } else {
                    Err(format!("expected 1,326,000 one-time and monthly, got {t}"))
                }
            },
        })
    }
}
