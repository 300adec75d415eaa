//! What follows from the score: class, lead type, SWOT, deal value, close probability,
//! confidence and next actions — each from the configuration's rules.

use super::config::{LeadConfig, RoleLevel};
use super::score::{Facts, has};

/// The class of a score by the `classes` thresholds (`unqualified` when nothing was scored).
pub(crate) fn class(score: Option<f64>, cfg: &LeadConfig) -> &'static str {
    let [hot, warm, cold, mql] = cfg.classes;
    match score {
        None => "unqualified",
        Some(s) if s >= hot => "hot",
        Some(s) if s >= warm => "warm",
        Some(s) if s >= cold => "cold",
        Some(s) if s >= mql => "mql",
        Some(_) => "unqualified",
    }
}

/// SMB, mid-market or enterprise, from the company size (else the budget), and why.
pub(crate) fn lead_type(f: &Facts, cfg: &LeadConfig) -> (&'static str, String) {
    let [mid_size, ent_size] = cfg.size_thresholds;
    let t = &cfg.lead_type;
    match (&f.size, &f.budget) {
        _ if has(&f.size_text, &t.enterprise_words) => {
            ("enterprise", "company size says enterprise".to_string())
        }
        (Some(sz), _) if sz.low >= ent_size => ("enterprise", format!("{:.0}+ employees", sz.low)),
        (Some(sz), _) if sz.typical() >= mid_size => {
            ("mid_market", format!("about {:.0} employees", sz.typical()))
        }
        (Some(sz), _) => ("smb", format!("about {:.0} employees", sz.typical())),
        (None, Some(b)) if b.low >= t.enterprise_budget => (
            "enterprise",
            format!(
                "no size given; budget of {:.0} or more",
                t.enterprise_budget
            ),
        ),
        (None, Some(b)) if b.low >= t.mid_market_budget => (
            "mid_market",
            format!(
                "no size given; budget of {:.0} or more",
                t.mid_market_budget
            ),
        ),
        _ => ("smb", "no size or large budget given".to_string()),
    }
}

/// Strengths, weaknesses, opportunities and risks.
#[derive(Debug, Default)]
pub(crate) struct Swot {
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
    pub opportunities: Vec<String>,
    pub risks: Vec<String>,
}

/// The SWOT rules of the configuration.
pub(crate) fn swot(f: &Facts, score: Option<f64>, goals: &[String], cfg: &LeadConfig) -> Swot {
    let c = &cfg.swot;
    let s = score.unwrap_or(0.0);
    let mut w = Swot::default();
    let mut strength = |cond: bool, text: &str| {
        if cond {
            w.strengths.push(text.to_string());
        }
    };
    strength(s >= c.strong_score, "high qualification score");
    strength(f.referral, "referred lead");
    strength(
        f.budget.is_some_and(|b| b.low >= c.large_budget),
        "substantial budget",
    );
    strength(f.level == Some(RoleLevel::CLevel), "C-level contact");
    let mut weakness = |cond: bool, text: &str| {
        if cond {
            w.weaknesses.push(text.to_string());
        }
    };
    weakness(
        score.is_some() && s < c.weak_score,
        "low qualification score",
    );
    weakness(f.budget.is_none(), "no usable budget");
    weakness(f.timeline.is_none(), "no timeline");
    weakness(f.pains.is_empty(), "no pain points");
    if f.industry_entry
        .as_ref()
        .is_some_and(|(weight, _)| *weight >= c.top_industry_weight)
    {
        w.opportunities
            .push("industry where our SEO work pays off most".to_string());
    }
    if f.current_seo
        .as_deref()
        .is_some_and(|cur| has(cur, &c.little_seo_words))
    {
        w.opportunities
            .push("little SEO so far: large headroom".to_string());
    }
    if goals
        .iter()
        .any(|g| has(&g.to_lowercase(), &c.growth_words))
    {
        w.opportunities
            .push("growth is an explicit goal".to_string());
    }
    if matches!(f.level, None | Some(RoleLevel::Junior)) {
        w.risks.push("no decision maker in contact".to_string());
    }
    if f.budget.is_some_and(|b| b.low < c.small_budget) {
        w.risks.push("small budget".to_string());
    }
    if f.industry_entry.as_ref().is_some_and(|(_, e)| e == "low") {
        w.risks
            .push("industry where we have little expertise".to_string());
    }
    w
}

/// The deal value and its basis: the stated budget wins; else the table value for the lead
/// type, weighted by the industry.
pub(crate) fn deal_value(f: &Facts, lead_type: &str, cfg: &LeadConfig) -> (f64, String) {
    if let Some(b) = &f.budget {
        return (b.low, "the lower bound of the stated budget".to_string());
    }
    let [smb, mid, ent] = cfg.deal_values;
    let base = match lead_type {
        "enterprise" => ent,
        "mid_market" => mid,
        _ => smb,
    };
    match &f.industry_entry {
        Some((w, _)) => (
            base * w,
            format!("table value for {lead_type} ({base}) × industry weight {w}"),
        ),
        None => (
            base,
            format!("table value for {lead_type}; no industry weight applied"),
        ),
    }
}

/// score/100 plus a step per strength, minus a step per risk, clamped.
pub(crate) fn close_probability(score: f64, swot: &Swot, cfg: &LeadConfig) -> f64 {
    let c = &cfg.close;
    (score / 100.0 + c.per_strength * seo_domain::num::f64_of(swot.strengths.len())
        - c.per_risk * seo_domain::num::f64_of(swot.risks.len()))
    .clamp(c.min, c.max)
}

/// How much of the picture was given, weighted with the score.
pub(crate) fn confidence(key_fields: &[bool], score: f64, cfg: &LeadConfig) -> f64 {
    let given = key_fields.iter().filter(|b| **b).count();
    let filled = seo_domain::num::f64_of(given) / seo_domain::num::f64_of(key_fields.len().max(1));
    cfg.confidence.filled * filled + cfg.confidence.score * score / 100.0
}

/// The class's next actions, plus what to find out.
pub(crate) fn next_actions(class: &str, f: &Facts, cfg: &LeadConfig) -> Vec<String> {
    let mut out = cfg
        .next_actions
        .get(class)
        .or_else(|| cfg.next_actions.get("other"))
        .cloned()
        .unwrap_or_default();
    if f.budget.is_none() {
        out.push("Find out the budget".into());
    }
    if f.timeline.is_none() {
        out.push("Find out the timeline".into());
    }
    if f.role.is_none() {
        out.push("Find out the contact's role".into());
    }
    out
}
