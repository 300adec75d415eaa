//! `business_development_director`: enterprise score, deal tier, strategic value, partnership
//! fit, and a recommendation for each approval level the deal reaches — the original's
//! deterministic formulas, with its never-passed deal value made an input and every table in
//! `[agents.business_development_director]`.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{fold, round2};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::data::DataKind;
use seo_domain::num::Total;

/// Task type.
pub const ASSESS: &str = "enterprise_assessment";

/// A step table: the points of the first row whose `from` the value reaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Lowest value of the row.
    pub from: f64,
    /// Points.
    pub points: f64,
}

fn step_points(table: &[Step], v: f64) -> Option<f64> {
    table
        .iter()
        .filter(|s| v >= s.from)
        .max_by(|a, b| a.from.total_cmp(&b.from))
        .map(|s| s.points)
}

fn steps(rows: &[(f64, f64)]) -> Vec<Step> {
    rows.iter()
        .map(|&(from, points)| Step { from, points })
        .collect()
}

/// A named weight or point value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    /// Key (an industry substring, a brand level).
    pub name: String,
    /// Its value.
    pub value: f64,
}

fn named(rows: &[(&str, f64)]) -> Vec<Named> {
    rows.iter()
        .map(|&(n, v)| Named {
            name: n.into(),
            value: v,
        })
        .collect()
}

/// A deal tier: reached at `min_score` and `min_revenue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Tier name.
    pub tier: String,
    /// Least enterprise score.
    pub min_score: f64,
    /// Least annual revenue.
    pub min_revenue: f64,
    /// Executive involvement for the tier.
    pub involvement: String,
}

/// An approval level a deal's annual value can reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalLevel {
    /// Level id.
    pub id: String,
    /// Annual value above which it applies.
    pub above: f64,
    /// Least enterprise score to recommend approval at this level.
    pub approve_from_score: f64,
    /// Least strategic value to recommend approval at this level.
    pub approve_from_strategic_value: f64,
}

/// `[agents.business_development_director]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectorConfig {
    /// Revenue points (below the lowest row: revenue ÷ `revenue_linear_unit` × its points).
    pub revenue_points: Vec<Step>,
    /// Revenue unit of the linear part below the table.
    pub revenue_linear_unit: f64,
    /// Industry weights (substring of the industry → 0–1); the score adds weight × 10.
    pub industry_weights: Vec<Named>,
    /// Brand recognition points for the enterprise score.
    pub brand_points: Vec<Named>,
    /// Brand recognition points for the brand value.
    pub brand_value_points: Vec<Named>,
    /// Growth points by revenue growth rate (below the lowest row: rate × `growth_linear`).
    pub growth_points: Vec<Step>,
    /// Points per growth unit below the table.
    pub growth_linear: f64,
    /// Points per technology, per partnership, and their cap.
    pub tech_partner_points: [f64; 3],
    /// Cap of the market-share points (1 point per percent).
    pub market_share_cap: f64,
    /// Deal value points (annual value).
    pub deal_value_points: Vec<Step>,
    /// Points per region served and their cap.
    pub region_points: [f64; 2],
    /// Deal tiers, best first.
    pub tiers: Vec<TierRule>,
    /// Brand value: media mentions per 20 points (cap 20), followers per 15 points (cap 15),
    /// points per award (cap 25).
    pub brand_value_scale: [f64; 3],
    /// Reference potential when willing to be a case study, and when not.
    pub reference_potential: [f64; 2],
    /// Market influence per percent of market share.
    pub influence_per_share: f64,
    /// Competitive position by market share (percent), highest first.
    pub positions: Vec<Named>,
    /// Partnership points: tech stack ≥5 / ≥3 / else, partnerships ≥5 / ≥2 / else, revenue
    /// ≥100M / ≥50M / else.
    pub partnership_points: [f64; 9],
    /// Partnership fit bands: high from, medium from.
    pub partnership_bands: [f64; 2],
    /// Approval levels by annual value (SPEC: 2.5M / 5M / 10M).
    pub approval_levels: Vec<ApprovalLevel>,
}

impl Default for DirectorConfig {
    fn default() -> Self {
        Self {
            revenue_points: steps(&[(1e9, 30.0), (5e8, 25.0), (1e8, 20.0), (5e7, 15.0)]),
            revenue_linear_unit: 5e7,
            industry_weights: named(&[
                ("tech", 0.9),
                ("software", 0.9),
                ("saas", 0.9),
                ("commerce", 0.85),
                ("retail", 0.85),
                ("professional", 0.8),
                ("consult", 0.8),
                ("health", 0.75),
                ("financ", 0.8),
                ("fintech", 0.8),
                ("bank", 0.8),
                ("технолог", 0.9),
                ("ритейл", 0.85),
                ("финанс", 0.8),
            ]),
            brand_points: named(&[
                ("fortune_500", 10.0),
                ("industry_leader", 8.0),
                ("well_known", 6.0),
                ("regional_leader", 4.0),
                ("emerging", 2.0),
                ("unknown", 0.0),
            ]),
            brand_value_points: named(&[
                ("fortune_500", 40.0),
                ("industry_leader", 30.0),
                ("well_known", 20.0),
                ("regional_leader", 10.0),
                ("emerging", 5.0),
                ("unknown", 0.0),
            ]),
            growth_points: steps(&[(0.5, 15.0), (0.3, 12.0), (0.15, 8.0)]),
            growth_linear: 15.0,
            tech_partner_points: [2.0, 1.5, 15.0],
            market_share_cap: 15.0,
            deal_value_points: steps(&[
                (10e6, 10.0),
                (5e6, 8.0),
                (2.5e6, 6.0),
                (1e6, 4.0),
                (0.0, 0.0),
            ]),
            region_points: [2.0, 10.0],
            tiers: vec![
                TierRule {
                    tier: "tier_1".into(),
                    min_score: 90.0,
                    min_revenue: 1e9,
                    involvement: "direct BD-director engagement within 24 hours".into(),
                },
                TierRule {
                    tier: "tier_2".into(),
                    min_score: 70.0,
                    min_revenue: 1e8,
                    involvement: "BD-director oversight".into(),
                },
                TierRule {
                    tier: "tier_3".into(),
                    min_score: 50.0,
                    min_revenue: 5e7,
                    involvement: "BD-director consultation".into(),
                },
                TierRule {
                    tier: "future_potential".into(),
                    min_score: 30.0,
                    min_revenue: 0.0,
                    involvement: "sales operations with BD input".into(),
                },
            ],
            brand_value_scale: [100.0, 100_000.0, 5.0],
            reference_potential: [50.0, 20.0],
            influence_per_share: 2.0,
            positions: named(&[
                ("market_leader", 25.0),
                ("strong_player", 10.0),
                ("established_player", 5.0),
                ("niche_player", 0.0),
            ]),
            partnership_points: [30.0, 20.0, 10.0, 25.0, 15.0, 5.0, 25.0, 15.0, 5.0],
            partnership_bands: [70.0, 40.0],
            approval_levels: vec![
                ApprovalLevel {
                    id: "bd_director_review".into(),
                    above: 2_500_000.0,
                    approve_from_score: 50.0,
                    approve_from_strategic_value: 0.0,
                },
                ApprovalLevel {
                    id: "ceo_approval".into(),
                    above: 5_000_000.0,
                    approve_from_score: 70.0,
                    approve_from_strategic_value: 40.0,
                },
                ApprovalLevel {
                    id: "strategic_partnership_board".into(),
                    above: 10_000_000.0,
                    approve_from_score: 80.0,
                    approve_from_strategic_value: 60.0,
                },
            ],
        }
    }
}

/// The company and the deal to assess.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct DealInput {
    /// Company name.
    pub company_name: String,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Annual revenue.
    #[serde(default)]
    pub annual_revenue: Option<f64>,
    /// Employees.
    #[serde(default)]
    pub employee_count: Option<f64>,
    /// Revenue growth per year as a fraction (0.2 = 20 %).
    #[serde(default)]
    pub revenue_growth_rate: Option<f64>,
    /// Market share in percent.
    #[serde(default)]
    pub market_share_percent: Option<f64>,
    /// Technologies in use.
    #[serde(default)]
    pub tech_stack: Vec<String>,
    /// Existing partnerships.
    #[serde(default)]
    pub existing_partnerships: Vec<String>,
    /// fortune_500, industry_leader, well_known, regional_leader, emerging, unknown.
    #[serde(default)]
    pub brand_recognition: Option<String>,
    /// Willing to be a case study.
    #[serde(default)]
    pub case_study_willingness: Option<bool>,
    /// Media mentions a year.
    #[serde(default)]
    pub annual_media_mentions: Option<f64>,
    /// Social media followers.
    #[serde(default)]
    pub social_media_followers: Option<f64>,
    /// Industry awards.
    #[serde(default)]
    pub industry_awards: Vec<String>,
    /// Regions served.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The deal's annual value (a proposal's `annual_value`).
    #[serde(default)]
    pub deal_value: Option<f64>,
    /// The stored lead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<uuid::Uuid>,
}

/// The `business_development_director` agent.
#[derive(Debug, Clone, Default)]
pub struct BusinessDevelopmentDirector {
    config: DirectorConfig,
}

fn lookup(table: &[Named], key: &str) -> Option<f64> {
    let k = fold(key);
    table
        .iter()
        .find(|n| k.contains(&fold(&n.name)))
        .map(|n| n.value)
}

fn count(v: &[String]) -> f64 {
    seo_domain::num::f64_of(v.len())
}

impl BusinessDevelopmentDirector {
    /// The agent with `config`.
    pub fn new(config: DirectorConfig) -> Self {
        Self { config }
    }

    /// The assessment; pure.
    pub fn assess(&self, d: &DealInput) -> AgentOutput {
        let c = &self.config;
        let mut factors = Vec::new();
        let mut not_measured = Vec::new();
        let mut add = |name: &str, points: Option<f64>, reason: String, nm: &str| match points {
            Some(p) => factors.push(Factor {
                name: name.into(),
                value: round2(p),
                weight: None,
                contribution: Some(round2(p)),
                reason,
            }),
            None => not_measured.push(nm.to_string()),
        };
        let revenue = d.annual_revenue.filter(|r| r.is_finite() && *r >= 0.0);
        let lowest = c
            .revenue_points
            .iter()
            .map(|s| s.from)
            .fold(f64::INFINITY, f64::min);
        let lowest_pts = step_points(&c.revenue_points, lowest).unwrap_or(0.0);
        add(
            "revenue",
            revenue.map(|r| {
                step_points(&c.revenue_points, r).unwrap_or(r / c.revenue_linear_unit * lowest_pts)
            }),
            format!("annual revenue {}", revenue.unwrap_or_default()),
            "annual_revenue",
        );
        let iw = d
            .industry
            .as_deref()
            .and_then(|i| lookup(&c.industry_weights, i));
        add(
            "industry",
            iw.map(|w| w * 10.0),
            format!("industry weight {} × 10", iw.unwrap_or_default()),
            "industry (or not in the weight table)",
        );
        let brand = d
            .brand_recognition
            .as_deref()
            .and_then(|b| lookup(&c.brand_points, b));
        add(
            "brand",
            brand,
            format!(
                "brand recognition {}",
                d.brand_recognition.as_deref().unwrap_or("-")
            ),
            "brand_recognition",
        );
        let g = d.revenue_growth_rate.filter(|g| g.is_finite());
        add(
            "growth",
            g.map(|g| step_points(&c.growth_points, g).unwrap_or((g * c.growth_linear).max(0.0))),
            format!("revenue growth {:.0}%", g.unwrap_or_default() * 100.0),
            "revenue_growth_rate",
        );
        let [pt, pp, cap] = c.tech_partner_points;
        let tp = (pt * count(&d.tech_stack) + pp * count(&d.existing_partnerships)).min(cap);
        add(
            "tech_and_partnerships",
            Some(tp),
            format!(
                "{} technologies × {pt} + {} partnerships × {pp}, at most {cap}",
                d.tech_stack.len(),
                d.existing_partnerships.len()
            ),
            "",
        );
        let share = d
            .market_share_percent
            .filter(|s| s.is_finite() && *s >= 0.0);
        add(
            "market_share",
            share.map(|s| s.min(c.market_share_cap)),
            format!(
                "{}% market share, at most {}",
                share.unwrap_or_default(),
                c.market_share_cap
            ),
            "market_share_percent",
        );
        let deal = d.deal_value.filter(|v| v.is_finite() && *v >= 0.0);
        add(
            "deal_value",
            deal.map(|v| step_points(&c.deal_value_points, v).unwrap_or(0.0)),
            format!("annual deal value {}", deal.unwrap_or_default()),
            "deal_value",
        );
        let [per_region, region_cap] = c.region_points;
        add(
            "regions",
            (!d.regions.is_empty()).then(|| (per_region * count(&d.regions)).min(region_cap)),
            format!(
                "{} region(s) × {per_region}, at most {region_cap}",
                d.regions.len()
            ),
            "regions",
        );
        let score = round2(
            factors
                .iter()
                .filter_map(|f| f.contribution)
                .total()
                .min(100.0),
        );
        let rev = revenue.unwrap_or(0.0);
        let tier = c
            .tiers
            .iter()
            .find(|t| score >= t.min_score && rev >= t.min_revenue);
        let (tier_name, involvement) = tier.map_or(
            (
                "not_qualified".to_string(),
                "standard sales process".to_string(),
            ),
            |t| (t.tier.clone(), t.involvement.clone()),
        );

        // Strategic value: mean of brand value, market influence and reference potential.
        let [per_mentions, per_followers, per_award] = c.brand_value_scale;
        let brand_value = (d
            .brand_recognition
            .as_deref()
            .and_then(|b| lookup(&c.brand_value_points, b))
            .unwrap_or(0.0)
            + (d.annual_media_mentions.unwrap_or(0.0) / per_mentions * 20.0).clamp(0.0, 20.0)
            + (d.social_media_followers.unwrap_or(0.0) / per_followers * 15.0).clamp(0.0, 15.0)
            + (per_award * count(&d.industry_awards)).min(25.0))
        .min(100.0);
        let influence = (share.unwrap_or(0.0) * c.influence_per_share).min(100.0);
        let [willing, not_willing] = c.reference_potential;
        let reference = if d.case_study_willingness == Some(true) {
            willing
        } else {
            not_willing
        };
        let strategic = round2((brand_value + influence + reference) / 3.0);
        let position = c
            .positions
            .iter()
            .filter(|p| share.unwrap_or(0.0) >= p.value)
            .max_by(|a, b| a.value.total_cmp(&b.value))
            .map_or("niche_player".to_string(), |p| p.name.clone());
        let pts = c.partnership_points;
        let pick = |v: f64, hi: f64, mid: f64, i: usize| {
            let at = |k: usize| pts.get(k).copied().unwrap_or(0.0);
            if v >= hi {
                at(i)
            } else if v >= mid {
                at(i + 1)
            } else {
                at(i + 2)
            }
        };
        let partnership = round2(
            (pick(count(&d.tech_stack), 5.0, 3.0, 0)
                + pick(count(&d.existing_partnerships), 5.0, 2.0, 3)
                + pick(rev, 1e8, 5e7, 6))
                * iw.unwrap_or(1.0),
        );
        let [high, medium] = c.partnership_bands;
        let fit = if partnership >= high {
            "high"
        } else if partnership >= medium {
            "medium"
        } else {
            "low"
        };

        let mut recommendations = Vec::new();
        let mut findings = Vec::new();
        let approvals: Vec<Value> = c
            .approval_levels
            .iter()
            .filter(|l| deal.is_some_and(|v| v > l.above))
            .map(|l| {
                let ok_score = score >= l.approve_from_score;
                let ok_value = strategic >= l.approve_from_strategic_value;
                let decision = match (ok_score, ok_value) {
                    (true, true) => "approve",
                    (true, false) | (false, true) => "approve_with_conditions",
                    (false, false) => "decline",
                };
                let reasons = vec![
                    format!("enterprise score {score} {} {}", if ok_score { "≥" } else { "<" }, l.approve_from_score),
                    format!("strategic value {strategic} {} {}", if ok_value { "≥" } else { "<" }, l.approve_from_strategic_value),
                ];
                if decision == "decline" {
                    findings.push(Finding { id: format!("{}_below_bar", l.id), severity: "high".into(), message: format!("{}: {}", l.id, reasons.join("; ")) });
                }
                recommendations.push(format!("{}: {decision} ({})", l.id, reasons.join("; ")));
                json!({"level": l.id, "above": l.above, "recommendation": decision, "reasons": reasons})
            })
            .collect();
        if deal.is_none() {
            recommendations.push("No deal value: approval levels not assessed".into());
        }
        if fit == "high" {
            recommendations
                .push("Explore a partnership (technology integration or referral)".into());
        }
        let mut extra = Map::new();
        extra.insert("enterprise_score".into(), json!(score));
        extra.insert("deal_tier".into(), json!(tier_name));
        extra.insert("executive_involvement".into(), json!(involvement));
        extra.insert("strategic_value".into(), json!({"overall": strategic, "brand_value": round2(brand_value), "market_influence": round2(influence), "reference_potential": reference}));
        extra.insert("competitive_position".into(), json!(position));
        extra.insert(
            "partnership".into(),
            json!({"points": partnership, "fit": fit}),
        );
        extra.insert("approval_recommendations".into(), json!(approvals));
        extra.insert("deal_value".into(), json!(deal));
        AgentOutput {
            summary: format!(
                "{}: enterprise score {score}/100, {tier_name}; strategic value {strategic}; partnership fit {fit}; {} approval level(s) reached.",
                d.company_name.trim(),
                approvals.len()
            ),
            score: Some(score),
            factors,
            findings,
            recommendations,
            data_sources: vec![
                "task input: company and deal".into(),
                "score tables (configuration)".into(),
            ],
            not_measured,
            extra,
        }
    }
}

#[async_trait]
impl Agent for BusinessDevelopmentDirector {
    fn id(&self) -> &'static str {
        "business_development_director"
    }
    fn name(&self) -> &'static str {
        "Business Development Director Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Executive
    }
    fn description(&self) -> &'static str {
        "Assesses an enterprise deal: enterprise score (revenue, industry, brand, growth, technology and partnerships, market share, deal value, regions), deal tier, strategic value, partnership fit, and a recommendation for each approval level the deal's value reaches, with reasons."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: ASSESS,
            description: "Assess an enterprise deal",
            input_schema: schema_of::<DealInput>(),
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
        let mut d = check(input)?;
        // The task's client fills what the input lacks.
        let mut used_client = false;
        if let Some(id) = ctx.scope().client_id
            && let Ok(Some(cl)) = ctx.data().client(id).await
        {
            if d.annual_revenue.is_none() {
                d.annual_revenue = cl.annual_revenue.map(seo_domain::num::f64_of);
            }
            if d.employee_count.is_none() {
                d.employee_count = cl.employee_count.map(seo_domain::num::f64_of);
            }
            if d.industry.is_none() {
                d.industry = cl.industry.clone();
            }
            used_client = true;
        }
        let mut out = self.assess(&d);
        if used_client {
            out.data_sources.push("client record".into());
        }
        Ok(out)
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "pure computation from the task input and the client record".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![DataKind::TaskInput, DataKind::Client]
    }
    fn reference_case(&self) -> Option<ReferenceCase> {
        Some(ReferenceCase {
            task_type: ASSESS,
            input: json!({"company_name": "Globex", "industry": "Software", "annual_revenue": 2e8, "brand_recognition": "well_known",
                          "revenue_growth_rate": 0.3, "tech_stack": ["a", "b", "c"], "existing_partnerships": ["x", "y"],
                          "market_share_percent": 8, "deal_value": 6e6, "regions": ["EU", "US"]}),
            // By hand: 20 + 9 + 6 + 12 + min(6 + 3, 15) + 8 + 8 + 4 = 76 → tier_2.
            check: |out| match (out.score, out.extra.get("deal_tier")) {
                (Some(s), Some(t)) if (s - 76.0).abs() < 1e-9 && t == "tier_2" => Ok(()),
                other => Err(format!("expected 76 and tier_2, got {other:?}")),
            },
        })
    }
}

fn check(input: &Value) -> Result<DealInput, AgentError> {
    let d: DealInput = parse_input(input)?;
    if d.company_name.trim().is_empty() {
        return Err(AgentError::InvalidInput {
            field: "company_name".into(),
            message: "must not be blank".into(),
        });
    }
    for (f, v) in [
        ("annual_revenue", d.annual_revenue),
        ("deal_value", d.deal_value),
        ("market_share_percent", d.market_share_percent),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(AgentError::InvalidInput {
                field: f.into(),
                message: "must be a number ≥ 0".into(),
            });
        }
    }
    Ok(d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_deal_scores_as_worked_by_hand() {
        let a = BusinessDevelopmentDirector::default();
        let case = a.reference_case().unwrap();
        let out = a.assess(&serde_json::from_value(case.input).unwrap());
        (case.check)(&out).unwrap();
        // 6M reaches the 2.5M and 5M levels, not 10M.
        let levels: Vec<&str> = out.extra["approval_recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, vec!["bd_director_review", "ceo_approval"]);
        // Strategic value: brand 20 + influence 16 + reference 20 → 56/3.
        assert_eq!(out.extra["strategic_value"]["overall"], 18.67);
        assert_eq!(
            out.extra["approval_recommendations"][1]["recommendation"],
            "approve_with_conditions"
        );
    }

    #[test]
    fn a_bare_company_says_what_is_missing() {
        let out = BusinessDevelopmentDirector::default().assess(&DealInput {
            company_name: "X".into(),
            ..Default::default()
        });
        assert_eq!(out.score, Some(0.0));
        assert!(out.not_measured.contains(&"annual_revenue".to_string()));
        assert_eq!(out.extra["deal_tier"], "not_qualified");
    }
}
