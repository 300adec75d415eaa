//! Pricing, packages and the ROI projection of a proposal.

use serde_json::{Map, Value, json};

use super::{ProposalConfig, ProposalGeneration, ProposalInput, round0, round3};

/// A company's size band: picks its column of a `[smb, mid_market, enterprise]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Band {
    Smb,
    MidMarket,
    Enterprise,
}

impl Band {
    pub(super) fn pick<T: Clone>(self, [smb, mid, ent]: &[T; 3]) -> T {
        match self {
            Band::Smb => smb.clone(),
            Band::MidMarket => mid.clone(),
            Band::Enterprise => ent.clone(),
        }
    }
}

/// Piecewise-linear uplift (growth − 1) at month `m` through (0,0), (6,g6), (12,g12), (24,g24).
fn uplift([g6, g12, g24]: [f64; 3], m: f64) -> f64 {
    let pts = [
        (0.0, 0.0),
        (6.0, g6 - 1.0),
        (12.0, g12 - 1.0),
        (24.0, g24 - 1.0),
    ];
    let mut prev = (0.0, 0.0);
    for (x1, y1) in pts {
        let (x0, y0) = prev;
        if m <= x1 && x1 > x0 {
            return y0 + (y1 - y0) * (m - x0) / (x1 - x0);
        }
        prev = (x1, y1);
    }
    prev.1
}

/// SEO maturity and its basis: from a real audit score when one exists, else assumed from
/// the size band (and listed as not measured).
pub(super) fn maturity(
    c: &ProposalConfig,
    p: &ProposalInput,
    tier: Band,
    tier_name: &str,
    not_measured: &mut Vec<String>,
) -> (String, String) {
    let [basic_from, intermediate_from, advanced_from] = c.maturity_bands;
    match p.audit_score {
        Some(a) => (
            match a {
                a if a < basic_from => "beginner",
                a if a < intermediate_from => "basic",
                a if a < advanced_from => "intermediate",
                _ => "advanced",
            }
            .to_string(),
            format!("technical audit score {a:.0}/100"),
        ),
        None => {
            not_measured.push("audit_score (maturity estimated from company size)".to_string());
            (
                tier.pick(&c.maturity_by_size),
                format!("no audit yet: estimated from size ({tier_name})"),
            )
        }
    }
}

/// The priced service lines and their totals.
pub(super) struct Pricing {
    pub lines: Vec<Value>,
    pub one_time: f64,
    pub monthly: f64,
}

/// Each service at its band's rate × industry × class multiplier.
pub(super) fn price(
    c: &ProposalConfig,
    services: &[String],
    tier: Band,
    industry_mult: f64,
    class_mult: f64,
) -> Pricing {
    let mut out = Pricing {
        lines: Vec::new(),
        one_time: 0.0,
        monthly: 0.0,
    };
    for name in services {
        let Some((_, rates, billing)) = c.rates.iter().find(|(n, _, _)| n == name) else {
            continue;
        };
        let base_rate = tier.pick(rates);
        let price = round0(base_rate * industry_mult * class_mult);
        if billing == "monthly" {
            out.monthly += price;
        } else {
            out.one_time += price;
        }
        out.lines.push(json!({
            "service": name, "billing": billing, "base_rate": base_rate,
            "industry_multiplier": industry_mult, "class_multiplier": class_mult, "price": price,
        }));
    }
    out
}

/// The three packages, and the recommended (Growth) one's one-time and monthly price.
pub(super) struct Packages {
    pub json: Value,
    pub growth: (f64, f64),
}

/// Start (the audit alone), Growth (every service, discounted) and Maximum (scaled scope).
pub(super) fn packages(c: &ProposalConfig, pricing: &Pricing, services: &[String]) -> Packages {
    let audit_price = pricing
        .lines
        .first()
        .and_then(|l| l.get("price"))
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let [growth_off, max_off] = c.discounts;
    let growth = (
        round0(pricing.one_time * (1.0 - growth_off)),
        round0(pricing.monthly * (1.0 - growth_off)),
    );
    let max = (
        round0(pricing.one_time * c.maximum_scale * (1.0 - max_off)),
        round0(pricing.monthly * c.maximum_scale * (1.0 - max_off)),
    );
    Packages {
        json: json!([
            {"name": "start", "includes": ["seo_audit"], "one_time": audit_price, "monthly": 0.0, "first_year": audit_price},
            {"name": "growth", "includes": services, "discount": growth_off, "one_time": growth.0, "monthly": growth.1,
             "first_year": growth.0 + 12.0 * growth.1, "recommended": true},
            {"name": "maximum", "includes": services, "scope": c.maximum_scale, "discount": max_off, "one_time": max.0,
             "monthly": max.1, "first_year": max.0 + 12.0 * max.1},
        ]),
        growth,
    }
}

/// The ROI projection of the recommended package.
pub(super) struct Roi {
    pub horizon: Map<String, Value>,
    pub breakeven: Option<u32>,
    pub roi_12: f64,
    pub opportunity: f64,
}

/// Month by month: cost of the package against the revenue of the extra traffic, with every
/// figure the client did not give taken from the tables and listed in `assumptions`.
pub(super) fn roi(
    c: &ProposalConfig,
    p: &ProposalInput,
    tier: Band,
    tier_name: &str,
    industry: &str,
    (one, mon): (f64, f64),
    assumptions: &mut Vec<String>,
) -> Roi {
    // Traffic is monthly: no second division by 12.
    let traffic = p.monthly_traffic.unwrap_or_else(|| {
        let t = tier.pick(&c.base_traffic);
        assumptions.push(format!(
            "monthly organic visits {t} (table value for {tier_name}; client figure unknown)"
        ));
        t
    });
    let conversion = p.conversion_rate.unwrap_or_else(|| {
        let r = ProposalGeneration::lookup(&c.conversion, industry).unwrap_or(c.default_conversion);
        assumptions.push(format!(
            "conversion rate {r}% (table value for the industry; client figure unknown)"
        ));
        r
    });
    let deal = p.average_deal_value.unwrap_or_else(|| {
        let d = tier.pick(&c.deal_value);
        assumptions.push(format!(
            "average deal value {d} (table value for {tier_name}; client figure unknown)"
        ));
        d
    });
    let opportunity = match p.lead_score {
        Some(s) => (s / 100.0 + c.opportunity_bonus).min(c.opportunity_max),
        None => {
            assumptions.push(format!(
                "no lead score: growth taken at {:.0} % of the table (opportunity {})",
                c.opportunity_default * 100.0,
                c.opportunity_default
            ));
            c.opportunity_default
        }
    };
    let g: [f64; 3] = c
        .growth
        .map(|at| 1.0 + (tier.pick(&at) - 1.0) * opportunity);
    let [g6, g12, g24] = g;
    assumptions.push(format!(
        "traffic grows ×{g6:.2} by month 6, ×{g12:.2} by 12, ×{g24:.2} by 24 (table for {tier_name} × opportunity {opportunity:.2}), linearly in between"
    ));
    let value_per_visit = conversion / 100.0 * deal;
    let mut cum_cost = one;
    let mut cum_rev = 0.0;
    let mut breakeven = None;
    let mut horizon = Map::new();
    for m in 1..=c.projection_months {
        cum_cost += mon;
        cum_rev += traffic * uplift(g, f64::from(m)) * value_per_visit;
        if breakeven.is_none() && cum_rev >= cum_cost {
            breakeven = Some(m);
        }
        // The months of the growth table.
        if [6, 12, 24].contains(&m) {
            horizon.insert(
                format!("{m}_months"),
                json!({
                    "investment": round0(cum_cost),
                    "incremental_revenue": round0(cum_rev),
                    "roi": round3((cum_rev - cum_cost) / cum_cost),
                }),
            );
        }
    }
    let roi_12 = horizon
        .get("12_months")
        .and_then(|h| h.get("roi"))
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    Roi {
        horizon,
        breakeven,
        roi_12,
        opportunity,
    }
}
