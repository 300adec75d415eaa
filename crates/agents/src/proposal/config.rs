//! Rates, multipliers, bands and ROI assumptions of proposals (`[agents.proposal_generation]`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Rates, multipliers and ROI assumptions; defaults follow the original's tables (RUB).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalConfig {
    /// Company size (employees) from which a company is mid-market, and enterprise. Set from
    /// the shared `[agents.company_size]` table, never per agent.
    #[serde(skip)]
    pub size_thresholds: [f64; 2],
    /// Base rates `[smb, mid_market, enterprise]` per service.
    pub rates: Vec<(String, [f64; 3], String)>,
    /// Industry multipliers, matched by substring; others 1.0.
    pub industry_multipliers: Vec<(String, f64)>,
    /// Lead-class multipliers.
    pub class_multipliers: Vec<(String, f64)>,
    /// Discount of the Growth package, and of the Maximum package (after ×`maximum_scale`).
    pub discounts: [f64; 2],
    /// Scope factor of the Maximum package.
    pub maximum_scale: f64,
    /// Traffic growth factors at 6, 12 and 24 months, `[smb, mid_market, enterprise]`.
    pub growth: [[f64; 3]; 3],
    /// Assumed monthly organic visits when the client's are unknown, by size.
    pub base_traffic: [f64; 3],
    /// Assumed conversion rate (%) when unknown, by industry substring; others `default_conversion`.
    pub conversion: Vec<(String, f64)>,
    /// Conversion rate (%) for industries not in the table.
    pub default_conversion: f64,
    /// Assumed average deal value when unknown, by size.
    pub deal_value: [f64; 3],
    /// Audit scores from which maturity is basic, intermediate and advanced (below the
    /// first: beginner).
    pub maturity_bands: [f64; 3],
    /// Maturity assumed without an audit, by size `[smb, mid_market, enterprise]`.
    pub maturity_by_size: [String; 3],
    /// Services proposed per maturity (`beginner`, `basic`, `intermediate`, `advanced`).
    pub services: BTreeMap<String, Vec<String>>,
    /// Lead class assumed when none is given.
    pub default_class: String,
    /// Opportunity from a lead score: score/100 + `opportunity_bonus`, at most
    /// `opportunity_max`; `opportunity_default` without a score.
    pub opportunity_bonus: f64,
    /// Highest opportunity.
    pub opportunity_max: f64,
    /// Opportunity without a lead score.
    pub opportunity_default: f64,
    /// Months of the ROI projection (payback is looked for within them).
    pub projection_months: u32,
    /// Next steps per lead class (`hot`, `warm`, and `other`).
    pub next_steps: BTreeMap<String, Vec<String>>,
    /// The step added first when the client asked for speed (`urgency = high`).
    pub urgent_step: String,
}

impl Default for ProposalConfig {
    fn default() -> Self {
        let s = |n: &str, r: [f64; 3], b: &str| (n.to_string(), r, b.to_string());
        let m = |n: &str, v: f64| (n.to_string(), v);
        let l = |items: &[&str]| items.iter().map(|i| (*i).to_string()).collect::<Vec<_>>();
        Self {
            size_thresholds: [50.0, 500.0],
            rates: vec![
                s("seo_audit", [250_000.0, 500_000.0, 1_200_000.0], "one_time"),
                s(
                    "content_strategy",
                    [150_000.0, 350_000.0, 800_000.0],
                    "one_time",
                ),
                s(
                    "link_building",
                    [200_000.0, 450_000.0, 1_500_000.0],
                    "monthly",
                ),
                s(
                    "monthly_retainer",
                    [350_000.0, 850_000.0, 2_500_000.0],
                    "monthly",
                ),
            ],
            industry_multipliers: vec![
                m("e-commerce", 1.2),
                m("ecommerce", 1.2),
                m("retail", 1.2),
                m("saas", 1.3),
                m("software", 1.3),
                m("healthcare", 1.4),
                m("medical", 1.4),
                m("real estate", 1.1),
                m("b2b", 1.0),
            ],
            class_multipliers: vec![
                m("hot", 1.2),
                m("warm", 1.0),
                m("cold", 0.8),
                m("mql", 1.1),
                m("unqualified", 0.7),
            ],
            discounts: [0.10, 0.15],
            maximum_scale: 1.5,
            growth: [[1.5, 1.3, 1.2], [2.2, 1.8, 1.5], [3.5, 2.8, 2.2]],
            base_traffic: [5_000.0, 25_000.0, 100_000.0],
            conversion: vec![
                m("e-commerce", 2.5),
                m("ecommerce", 2.5),
                m("retail", 2.5),
                m("saas", 3.5),
                m("b2b", 4.5),
                m("healthcare", 3.0),
                m("real estate", 4.0),
            ],
            default_conversion: 2.0,
            deal_value: [20_000.0, 60_000.0, 250_000.0],
            maturity_bands: [40.0, 60.0, 80.0],
            maturity_by_size: ["beginner".into(), "basic".into(), "intermediate".into()],
            services: BTreeMap::from([
                (
                    "beginner".into(),
                    l(&["seo_audit", "content_strategy", "monthly_retainer"]),
                ),
                (
                    "basic".into(),
                    l(&["seo_audit", "content_strategy", "monthly_retainer"]),
                ),
                (
                    "intermediate".into(),
                    l(&["seo_audit", "link_building", "monthly_retainer"]),
                ),
                (
                    "advanced".into(),
                    l(&["seo_audit", "link_building", "monthly_retainer"]),
                ),
            ]),
            default_class: "warm".into(),
            opportunity_bonus: 0.1,
            opportunity_max: 0.99,
            opportunity_default: 0.6,
            projection_months: 36,
            next_steps: BTreeMap::from([
                (
                    "hot".into(),
                    l(&[
                        "Present the proposal on a call within 48 hours",
                        "Offer to start with the audit next week",
                    ]),
                ),
                (
                    "warm".into(),
                    l(&[
                        "Send the proposal with a case study from their industry",
                        "Follow up in 5 working days",
                    ]),
                ),
                (
                    "other".into(),
                    l(&[
                        "Offer the Start package (audit only) first",
                        "Revisit the full proposal after the audit",
                    ]),
                ),
            ]),
            urgent_step: "They asked for speed: propose a start date this month".into(),
        }
    }
}
