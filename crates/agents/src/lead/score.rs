//! One scorer per dimension of the lead score. Each reads the parsed [`Facts`] and the
//! configuration and returns a [`Component`] (0–100, with its reasons) or why it could not
//! be measured.

use super::config::{LeadConfig, RoleLevel, TimelineConfig};
use super::{LeadInput, NumOrText};
use crate::parse::{Amount, parse_amount};

/// Whether `text` contains any of `words`.
pub(crate) fn has(text: &str, words: &[String]) -> bool {
    words.iter().any(|w| text.contains(w.as_str()))
}

fn nonblank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
}

/// The level of a role text by the configured rules (first match wins).
pub(crate) fn role_level(role: &str, cfg: &LeadConfig) -> RoleLevel {
    let r = role.to_lowercase();
    let tokens: Vec<&str> = r
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    cfg.roles
        .iter()
        .find(|rule| {
            tokens.iter().any(|t| rule.words.iter().any(|w| w == t)) || has(&r, &rule.phrases)
        })
        .map_or(RoleLevel::Other, |rule| rule.level)
}

/// Timeline points (of 25) and why.
pub(crate) fn timeline_points(t: &str, c: &TimelineConfig) -> (f64, String) {
    if has(t, &c.immediate_words) || t == "now" {
        return (c.immediate_points, "wants to start immediately".into());
    }
    if has(t, &c.first_half_words) {
        return (c.first_half_points, "targets the first half-year".into());
    }
    if has(t, &c.third_quarter_words) {
        return (c.third_quarter_points, "targets Q3".into());
    }
    if has(t, &c.later_words) {
        return (c.later_points, "targets late in the year or later".into());
    }
    // "in 3 months": the first number with its unit; a unit alone means one.
    let n: f64 = t
        .split(|ch: char| !ch.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    const DAYS_PER_MONTH: f64 = 30.0;
    const WEEKS_PER_MONTH: f64 = 4.0;
    const MONTHS_PER_YEAR: f64 = 12.0;
    let months = if has(t, &c.day_words) {
        Some(n / DAYS_PER_MONTH)
    } else if has(t, &c.week_words) {
        Some(n / WEEKS_PER_MONTH)
    } else if has(t, &c.month_words) {
        Some(n)
    } else if has(t, &c.year_words) {
        Some(n * MONTHS_PER_YEAR)
    } else {
        None
    };
    match months {
        Some(m) => c
            .month_bands
            .iter()
            .find(|(within, _)| m <= *within)
            .map_or_else(
                || (c.beyond_points, format!("starts in about {m:.0} months")),
                |(within, pts)| (*pts, format!("starts within {within:.0} month(s) ({m:.1})")),
            ),
        None => (c.undated_points, "timeline stated without a date".into()),
    }
}

/// The lead's fields, parsed once for every scorer.
pub(crate) struct Facts {
    pub role: Option<String>,
    pub level: Option<RoleLevel>,
    pub budget_text: Option<String>,
    pub budget: Option<Amount>,
    pub size: Option<Amount>,
    pub size_text: String,
    pub timeline: Option<String>,
    pub current_seo: Option<String>,
    pub pains: Vec<String>,
    pub goals: bool,
    pub source: Option<String>,
    pub referral: bool,
    pub industry: Option<String>,
    /// The industry's table entry: weight and expertise.
    pub industry_entry: Option<(f64, String)>,
}

impl Facts {
    pub(crate) fn of(lead: &LeadInput, cfg: &LeadConfig) -> Self {
        let role = nonblank(&lead.contact_role);
        let level = role.as_deref().map(|r| role_level(r, cfg));
        let budget_text = lead
            .budget_range
            .as_ref()
            .map(NumOrText::text)
            .filter(|t| !t.trim().is_empty());
        let budget = budget_text.as_deref().and_then(parse_amount);
        let size_text = lead
            .company_size
            .as_ref()
            .map(NumOrText::text)
            .unwrap_or_default();
        let size = parse_amount(&size_text);
        let source = nonblank(&lead.source);
        let referral = lead
            .referral_source
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
            || source
                .as_deref()
                .is_some_and(|s| has(s, &cfg.meddic.referral_words));
        let industry = nonblank(&lead.industry);
        let industry_entry = industry.as_deref().and_then(|i| {
            cfg.industries
                .iter()
                .find(|(k, _, _)| i.contains(k.as_str()))
                .map(|(_, w, e)| (*w, e.clone()))
        });
        Self {
            role,
            level,
            budget_text,
            budget,
            size,
            size_text: size_text.to_lowercase(),
            timeline: nonblank(&lead.timeline),
            current_seo: nonblank(&lead.current_seo),
            pains: lead
                .pain_points
                .iter()
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect(),
            goals: lead.goals.iter().any(|g| !g.trim().is_empty()),
            source,
            referral,
            industry,
            industry_entry,
        }
    }
    fn pain_count(&self) -> f64 {
        seo_domain::num::f64_of(self.pains.len())
    }
}

/// One scored dimension.
pub(crate) struct Component {
    pub name: &'static str,
    pub value: f64,
    pub reasons: Vec<String>,
}

/// A dimension's score, or why it could not be measured.
pub(crate) type Scored = Result<Component, String>;

/// BANT: budget, authority, need and timeline, 25 points each.
pub(crate) fn bant(f: &Facts, cfg: &LeadConfig) -> Scored {
    if f.budget.is_none()
        && f.level.is_none()
        && f.pains.is_empty()
        && f.current_seo.is_none()
        && f.timeline.is_none()
    {
        return Err("bant (no budget, role, pains, current SEO or timeline given)".into());
    }
    let mut reasons = Vec::new();
    let budget = match (&f.budget, &f.budget_text) {
        (Some(b), _) => {
            let p = cfg
                .budget_tiers
                .iter()
                .find(|(min, _)| b.low >= *min)
                .map_or(0.0, |(_, p)| *p);
            reasons.push(format!("budget: lower bound {:.0} → {p}/25", b.low));
            p
        }
        (None, Some(t)) => {
            reasons.push(format!("budget '{t}' is not a readable amount → 0/25"));
            0.0
        }
        (None, None) => {
            reasons.push("budget not stated → 0/25".into());
            0.0
        }
    };
    let authority = f.level.map_or(0.0, |l| cfg.bant_authority.of(l));
    reasons.push(format!(
        "authority: {} → {authority}/25",
        f.role.as_deref().unwrap_or("role not stated")
    ));
    let n = &cfg.need;
    let seo_bonus = match f.current_seo.as_deref() {
        Some(s) if has(s, &n.no_seo_words) => n.no_seo_bonus,
        Some(s) if has(s, &n.basic_seo_words) => n.basic_seo_bonus,
        _ => 0.0,
    };
    let need = if f.pains.is_empty() && seo_bonus == 0.0 {
        0.0
    } else {
        (n.base + (n.per_pain * f.pain_count()).min(n.pains_cap) + seo_bonus).min(n.max)
    };
    reasons.push(format!(
        "need: {} pain(s), current SEO {} → {need}/25",
        f.pains.len(),
        f.current_seo.as_deref().unwrap_or("not stated")
    ));
    let (timeline, why) = f.timeline.as_deref().map_or_else(
        || (0.0, "timeline not stated".to_string()),
        |t| timeline_points(t, &cfg.timeline),
    );
    reasons.push(format!("timeline: {why} → {timeline}/25"));
    Ok(Component {
        name: "bant",
        value: budget + authority + need + timeline,
        reasons,
    })
}

/// MEDDIC: metrics, economic buyer, decision criteria and process, identified pain, champion.
pub(crate) fn meddic(f: &Facts, cfg: &LeadConfig) -> Scored {
    let c = &cfg.meddic;
    if !(f.goals
        || f.level.is_some()
        || f.budget.is_some()
        || f.timeline.is_some()
        || f.size.is_some()
        || !f.pains.is_empty()
        || f.source.is_some()
        || f.referral)
    {
        return Err("meddic (no qualifying facts given)".into());
    }
    let mut total = 0.0;
    let mut reasons = Vec::new();
    let mut add = |pts: f64, why: String| {
        if pts > 0.0 {
            total += pts;
            reasons.push(format!("+{pts}: {why}"));
        }
    };
    if f.goals {
        add(c.goals, "metrics: goals are stated".into());
    }
    match f.level {
        Some(RoleLevel::CLevel) => add(c.economic_buyer, "economic buyer: C-level contact".into()),
        Some(RoleLevel::VpDirector | RoleLevel::Manager) => add(
            c.decision_maker,
            "decision maker: director/manager contact".into(),
        ),
        Some(_) => add(c.other_contact, "contact without decision authority".into()),
        None => {}
    }
    if f.budget.is_some() && f.timeline.is_some() {
        add(
            c.criteria,
            "decision criteria: budget and timeline are known".into(),
        );
    }
    if let Some(s) = &f.size {
        if s.low >= cfg.size_thresholds[1] {
            add(
                c.enterprise_process,
                "decision process: enterprise (longer process)".into(),
            );
        } else {
            add(
                c.short_process,
                "decision process: small or mid-size company (short process)".into(),
            );
        }
    }
    add(
        (c.per_pain * f.pain_count()).min(c.pains_cap),
        format!("identified pain: {} stated", f.pains.len()),
    );
    if f.referral {
        add(c.referral, "champion: referred lead".into());
    }
    if f.source
        .as_deref()
        .is_some_and(|s| has(s, &c.inbound_words))
    {
        add(c.inbound, "inbound through our content".into());
    }
    Ok(Component {
        name: "meddic",
        value: total.min(c.max),
        reasons,
    })
}

/// Pain: a base for having any, plus points per pain by its impact.
pub(crate) fn pain(f: &Facts, cfg: &LeadConfig) -> Scored {
    let c = &cfg.pain;
    if f.pains.is_empty() {
        return Err("pain (no pain points given)".into());
    }
    let mut total = c.base;
    let mut reasons = Vec::new();
    for item in &f.pains {
        let (pts, kind) = if has(item, &c.high_words) {
            (c.high_points, "high impact")
        } else if has(item, &c.medium_words) {
            (c.medium_points, "medium impact")
        } else {
            (c.other_points, "other")
        };
        total += pts;
        reasons.push(format!("'{item}': {kind} +{pts}"));
    }
    Ok(Component {
        name: "pain",
        value: total.min(c.max),
        reasons,
    })
}

/// Authority: the contact's level.
pub(crate) fn authority(f: &Facts, cfg: &LeadConfig) -> Scored {
    match (f.level, &f.role) {
        (Some(l), Some(r)) => Ok(Component {
            name: "authority",
            value: cfg.authority.of(l),
            reasons: vec![format!("'{r}' → {l:?}")],
        }),
        _ => Err("authority (no contact role given)".into()),
    }
}

/// Industry fit: the industry's weight, adjusted by our expertise in it.
pub(crate) fn industry_fit(f: &Facts, cfg: &LeadConfig) -> Scored {
    let c = &cfg.industry_fit;
    let Some(name) = &f.industry else {
        return Err("industry_fit (no industry given)".into());
    };
    let (value, reason) = match &f.industry_entry {
        Some((w, expertise)) => {
            let adj = match expertise.as_str() {
                "high" => c.high_expertise,
                "low" => c.low_expertise,
                _ => 0.0,
            };
            (
                (w * 100.0 + adj).clamp(c.min, c.max),
                format!("'{name}': weight {w}, {expertise} expertise ({adj:+})"),
            )
        }
        None => (
            c.unknown,
            format!(
                "'{name}' is not in the industry table: weight {}",
                c.unknown / 100.0
            ),
        ),
    };
    Ok(Component {
        name: "industry_fit",
        value,
        reasons: vec![reason],
    })
}

/// The scorers in the order of `weights`.
pub(crate) const SCORERS: [fn(&Facts, &LeadConfig) -> Scored; 5] =
    [bant, meddic, pain, authority, industry_fit];
