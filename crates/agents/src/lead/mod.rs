//! `lead_qualification`: BANT, MEDDIC, pain, authority and industry fit, combined with the
//! weights 0.30/0.25/0.20/0.15/0.10 into one score, with every rule hit given as a reason.
//! A component whose inputs are all missing is reported under `not_measured` and the
//! weights of the others are renormalised; nothing is guessed.

mod config;
mod outcome;
mod score;

pub use config::{
    CloseConfig, ConfidenceConfig, FitConfig, LeadConfig, LeadTypeConfig, MeddicConfig, NeedConfig,
    PainConfig, RoleLevel, RolePoints, RoleRule, SwotConfig, TimelineConfig,
};
use score::{Facts, SCORERS};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use seo_domain::num::Total;

/// The task type.
pub const QUALIFY: &str = "qualify_lead";

/// The external capability the lead agent consumes.
pub const COMPANY_PROFILE: &str = "company_profile";

/// Fills a lead's missing company size and industry from the `company_profile` capability,
/// when the agent is switched to its MCP providers. Returns what was read (for
/// `data_sources`) and what could not be had (for `not_measured`); never fails the task.
async fn enrich(lead: &mut LeadInput, ctx: &TaskContext) -> (Vec<String>, Vec<String>) {
    let Some(ext) = ctx.external() else {
        return (Vec::new(), Vec::new());
    };
    if lead.company_size.is_some() && lead.industry.is_some() {
        return (Vec::new(), Vec::new());
    }
    let mut args = Map::new();
    args.insert("company_name".into(), json!(lead.company_name));
    if let Some(w) = &lead.website {
        args.insert("website".into(), json!(w));
    }
    match ext.call(COMPANY_PROFILE, Value::Object(args)).await {
        Ok(found) => {
            let mut filled = Vec::new();
            if lead.company_size.is_none()
                && let Some(n) = found
                    .value
                    .get("employees")
                    .and_then(Value::as_f64)
                    .filter(|n| n.is_finite() && *n > 0.0)
            {
                lead.company_size = Some(NumOrText::Number(n));
                filled.push(format!("company_size = {n}"));
            }
            if lead.industry.is_none()
                && let Some(i) = found
                    .value
                    .get("industry")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|i| !i.is_empty())
            {
                lead.industry = Some(i.to_string());
                filled.push(format!("industry = {i}"));
            }
            let how = if found.cached {
                "cached answer of"
            } else {
                "tool"
            };
            let what = if filled.is_empty() {
                "no usable company_size or industry in the answer".to_string()
            } else {
                filled.join(", ")
            };
            (
                vec![format!(
                    "MCP provider '{}' ({how} '{}') for {COMPANY_PROFILE}: {what}",
                    found.provider, found.tool
                )],
                Vec::new(),
            )
        }
        Err(why) => (
            Vec::new(),
            vec![format!("{COMPANY_PROFILE} from MCP providers ({why})")],
        ),
    }
}

/// A number or a phrase ("50-500", "5m+").
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NumOrText {
    /// A plain number.
    Number(f64),
    /// Free text, parsed numerically.
    Text(String),
}

impl NumOrText {
    fn text(&self) -> String {
        match self {
            NumOrText::Number(n) => n.to_string(),
            NumOrText::Text(t) => t.clone(),
        }
    }
}

/// The lead to qualify.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LeadInput {
    /// Company name (at least 2 characters).
    pub company_name: String,
    /// The stored lead this is (its score and class are written back on it).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<uuid::Uuid>,
    /// Contact e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Company website.
    #[serde(default)]
    pub website: Option<String>,
    /// Contact person.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Contact's role, e.g. "CEO", "Head of Marketing".
    #[serde(default)]
    pub contact_role: Option<String>,
    /// Industry, e.g. "E-commerce".
    #[serde(default)]
    pub industry: Option<String>,
    /// Employees: a number or a range ("50-500", "1000+").
    #[serde(default)]
    pub company_size: Option<NumOrText>,
    /// Budget: a number or a phrase ("5m+", "1 000 000 ₽", "25k-50k").
    #[serde(default)]
    pub budget_range: Option<NumOrText>,
    /// When they want to start ("ASAP", "in 3 months", "Q3").
    #[serde(default)]
    pub timeline: Option<String>,
    /// Their SEO today ("none", "basic", "agency").
    #[serde(default)]
    pub current_seo: Option<String>,
    /// Problems they named.
    #[serde(default)]
    pub pain_points: Vec<String>,
    /// Goals they named.
    #[serde(default)]
    pub goals: Vec<String>,
    /// Where the lead came from ("referral", "website", "webinar", …).
    #[serde(default)]
    pub source: Option<String>,
    /// Who referred them.
    #[serde(default)]
    pub referral_source: Option<String>,
}

/// The `lead_qualification` agent.
#[derive(Debug, Clone, Default)]
pub struct LeadQualification {
    config: LeadConfig,
}

impl LeadQualification {
    /// The agent with `config`.
    pub fn new(config: LeadConfig) -> Self {
        Self { config }
    }

    /// Scores a lead; the whole computation, with no I/O: one scorer per dimension
    /// ([`score`]), weights renormalised over what was measured, then the outcome rules
    /// ([`outcome`]).
    pub fn qualify(&self, lead: &LeadInput) -> AgentOutput {
        let cfg = &self.config;
        let f = Facts::of(lead, cfg);
        let mut not_measured = Vec::new();
        let mut measured = Vec::new();
        for (scorer, weight) in SCORERS.iter().zip(cfg.weights) {
            match scorer(&f, cfg) {
                Ok(c) => measured.push((c, weight)),
                Err(why) => not_measured.push(why),
            }
        }
        let measured_weight: f64 = measured.iter().map(|(_, w)| w).total();
        let mut factors = Vec::new();
        let mut total = 0.0;
        for (c, w) in &measured {
            let eff = w / measured_weight;
            let contribution = c.value * eff;
            total += contribution;
            factors.push(Factor {
                name: c.name.into(),
                value: round2(c.value),
                weight: Some(round4(eff)),
                contribution: Some(round2(contribution)),
                reason: c.reasons.join("; "),
            });
        }
        let score = (measured_weight > 0.0).then(|| round2(total));
        let s = score.unwrap_or(0.0);
        // How much of the evidence the score rests on: a class and a close probability need
        // more than one component's worth of it.
        let total_weight: f64 = cfg.weights.iter().total();
        let measured_share = if total_weight > 0.0 {
            (measured_weight / total_weight).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let enough = measured_share >= cfg.min_measured_weight;
        let class = if enough {
            outcome::class(score, cfg)
        } else {
            "unqualified"
        };
        let class_reason = if score.is_none() {
            "nothing to score".to_string()
        } else if enough {
            format!(
                "score {s:.1} against the class thresholds {:?}",
                cfg.classes
            )
        } else {
            format!(
                "only {:.0} % of the qualification weight could be measured (at least {:.0} % is needed to class a lead); find out: {}",
                measured_share * 100.0,
                cfg.min_measured_weight * 100.0,
                not_measured.join("; ")
            )
        };
        let (lead_type, type_reason) = outcome::lead_type(&f, cfg);
        let swot = outcome::swot(&f, score, &lead.goals, cfg);
        let (deal_value, deal_reason) = outcome::deal_value(&f, lead_type, cfg);
        // What was not measured counts as nothing here: less known, never more likely.
        let close_probability = round4(outcome::close_probability(s * measured_share, &swot, cfg));
        let key_fields = [
            lead.company_size.is_some(),
            f.budget.is_some(),
            f.timeline.is_some(),
            f.role.is_some(),
            f.industry.is_some(),
            !f.pains.is_empty(),
            f.goals,
            f.current_seo.is_some(),
        ];
        let confidence = round4(outcome::confidence(&key_fields, s, cfg));
        let next_actions = outcome::next_actions(class, &f, cfg);

        let findings: Vec<Finding> = swot
            .risks
            .iter()
            .map(|r| Finding {
                id: "lead_risk".into(),
                severity: "medium".into(),
                message: r.clone(),
            })
            .chain(swot.weaknesses.iter().map(|w| Finding {
                id: "lead_gap".into(),
                severity: "low".into(),
                message: w.clone(),
            }))
            .collect();
        let mut data_sources = vec!["task input: lead fields".to_string()];
        if lead.website.is_some() {
            data_sources.push(
                "website given (not crawled: enrichment is not part of this agent yet)".into(),
            );
        }
        let summary = match score {
            Some(sc) if !enough => format!(
                "{} scores {sc:.1}/100 on the {:.0} % of the qualification weight that was given: too little to class it ({class}); estimated deal value {:.0}, close probability {:.0}%.",
                lead.company_name.trim(),
                measured_share * 100.0,
                deal_value,
                close_probability * 100.0
            ),
            Some(sc) => format!(
                "{} scores {sc:.1}/100 ({class}), a {} lead; estimated deal value {:.0}, close probability {:.0}%.",
                lead.company_name.trim(),
                lead_type.replace('_', "-"),
                deal_value,
                close_probability * 100.0
            ),
            None => format!(
                "{} cannot be scored: only the company name was given.",
                lead.company_name.trim()
            ),
        };
        let mut extra = Map::new();
        extra.insert("lead_score".into(), json!(score));
        extra.insert("classification".into(), json!(class));
        extra.insert("classification_reason".into(), json!(class_reason));
        extra.insert("measured_weight".into(), json!(round4(measured_share)));
        extra.insert("lead_type".into(), json!(lead_type));
        extra.insert("lead_type_reason".into(), json!(type_reason));
        extra.insert("estimated_deal_value".into(), json!(round2(deal_value)));
        extra.insert("deal_value_basis".into(), json!(deal_reason));
        extra.insert("close_probability".into(), json!(close_probability));
        extra.insert("confidence".into(), json!(confidence));
        extra.insert("next_actions".into(), json!(next_actions));
        extra.insert(
            "swot".into(),
            json!({"strengths": swot.strengths, "weaknesses": swot.weaknesses, "opportunities": swot.opportunities, "risks": swot.risks}),
        );
        AgentOutput {
            summary,
            score,
            factors,
            findings,
            recommendations: next_actions,
            data_sources,
            not_measured,
            extra,
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn check(input: &Value) -> Result<LeadInput, AgentError> {
    let lead: LeadInput = parse_input(input)?;
    if lead.company_name.trim().chars().count() < 2 {
        return Err(AgentError::InvalidInput {
            field: "company_name".into(),
            message: "must be at least 2 characters".into(),
        });
    }
    for (i, p) in lead.pain_points.iter().enumerate() {
        if p.chars().count() > 500 {
            return Err(AgentError::InvalidInput {
                field: format!("pain_points[{i}]"),
                message: "must be at most 500 characters".into(),
            });
        }
    }
    Ok(lead)
}

#[async_trait]
impl Agent for LeadQualification {
    fn id(&self) -> &'static str {
        "lead_qualification"
    }
    fn name(&self) -> &'static str {
        "Lead Qualification Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Scores a lead 0-100 from BANT, MEDDIC, pain, authority and industry fit, classifies it (hot/warm/cold/mql/unqualified) and lists the reasons, deal value, close probability and next actions."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: QUALIFY,
            description: "Qualify one lead",
            input_schema: schema_of::<LeadInput>(),
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
        let mut lead = check(input)?;
        ctx.checkpoint()?;
        let (sources, missing) = enrich(&mut lead, ctx).await;
        let mut out = self.qualify(&lead);
        out.data_sources.extend(sources);
        out.not_measured.extend(missing);
        ctx.report(100);
        Ok(out)
    }
    fn consumes(&self) -> Vec<crate::external::Capability> {
        vec![crate::external::Capability {
            name: COMPANY_PROFILE,
            description: "Company facts for a lead that lacks them: sends {company_name, website?}; \
                          reads `employees` (number) and `industry` (text) from the answer.",
        }]
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "pure computation from the task input; no external dependency".into(),
        }
    }
    fn reference_case(&self) -> Option<ReferenceCase> {
        Some(ReferenceCase {
            task_type: QUALIFY,
            input: json!({
                "company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce",
                "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP",
                "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]
            }),
            // Worked by hand: 0.30·81 + 0.25·75 + 0.20·60 + 0.15·100 + 0.10·100 = 80.05 → hot.
            check: |out| match (out.score, out.extra.get("classification")) {
                (Some(s), Some(c)) if (s - 80.05).abs() < 1e-9 && c == "hot" => Ok(()),
                other => Err(format!("expected 80.05 and hot, got {other:?}")),
            },
        })
    }
}
