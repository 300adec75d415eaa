//! `lead_qualification`: BANT, MEDDIC, pain, authority and industry fit, combined with the
//! weights 0.30/0.25/0.20/0.15/0.10 into one score, with every rule hit given as a reason.
//! A component whose inputs are all missing is reported under `not_measured` and the
//! weights of the others are renormalised; nothing is guessed.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::parse::parse_amount;

/// The task type.
pub const QUALIFY: &str = "qualify_lead";

/// Every threshold, weight and table of the lead score; the defaults follow the spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadConfig {
    /// Weights of BANT, MEDDIC, pain, authority, industry fit (sum 1).
    pub weights: [f64; 5],
    /// Class thresholds: hot, warm, cold, mql.
    pub classes: [f64; 4],
    /// Budget points (of 25) by the lower bound of the stated budget: `(at least, points)`,
    /// highest first. Amounts are in the lead's own currency (defaults: yearly RUB).
    pub budget_tiers: Vec<(f64, f64)>,
    /// Industry weights (0–1) and expertise (`high`, `medium`, `low`), matched by substring.
    pub industries: Vec<(String, f64, String)>,
    /// Base deal value by lead type: SMB, mid-market, enterprise.
    pub deal_values: [f64; 3],
    /// Company size (employees) from which a company is mid-market, and enterprise. Set from
    /// the shared `[agents.company_size]` table, never per agent.
    #[serde(skip)]
    pub size_thresholds: [f64; 2],
}

impl Default for LeadConfig {
    fn default() -> Self {
        let ind = |n: &str, w: f64, e: &str| (n.to_string(), w, e.to_string());
        Self {
            weights: [0.30, 0.25, 0.20, 0.15, 0.10],
            classes: [80.0, 60.0, 40.0, 20.0],
            budget_tiers: vec![
                (10_000_000.0, 25.0),
                (5_000_000.0, 20.0),
                (1_000_000.0, 15.0),
                (250_000.0, 10.0),
                (0.0, 5.0),
            ],
            industries: vec![
                ind("e-commerce", 1.0, "high"),
                ind("ecommerce", 1.0, "high"),
                ind("интернет-магазин", 1.0, "high"),
                ind("saas", 0.95, "high"),
                ind("b2b", 0.90, "high"),
                ind("healthcare", 0.85, "medium"),
                ind("medical", 0.85, "medium"),
                ind("медицин", 0.85, "medium"),
                ind("real estate", 0.80, "medium"),
                ind("недвижимост", 0.80, "medium"),
                ind("manufacturing", 0.75, "medium"),
                ind("производств", 0.75, "medium"),
                ind("education", 0.70, "low"),
                ind("образовани", 0.70, "low"),
                ind("non-profit", 0.60, "low"),
                ind("nonprofit", 0.60, "low"),
            ],
            deal_values: [15_000.0, 45_000.0, 120_000.0],
            size_thresholds: [50.0, 500.0],
        }
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

fn has(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

fn nonblank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleLevel {
    CLevel,
    VpDirector,
    Manager,
    Specialist,
    Junior,
    Other,
}

fn role_level(role: &str) -> RoleLevel {
    let r = role.to_lowercase();
    let words: Vec<&str> = r
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let word = |w: &[&str]| words.iter().any(|x| w.contains(x));
    if word(&[
        "ceo",
        "founder",
        "cofounder",
        "owner",
        "president",
        "cto",
        "cmo",
        "cfo",
        "coo",
        "cio",
    ]) || has(
        &r,
        &[
            "co-founder",
            "генеральн",
            "владел",
            "основател",
            "учредител",
        ],
    ) {
        RoleLevel::CLevel
    } else if word(&["vp", "director"]) || has(&r, &["vice president", "директор"]) {
        RoleLevel::VpDirector
    } else if word(&["manager", "head", "lead"])
        || has(&r, &["head of", "руководител", "менеджер", "начальник"])
    {
        RoleLevel::Manager
    } else if word(&["specialist", "coordinator", "analyst", "marketer"])
        || has(&r, &["специалист", "аналитик", "маркетолог"])
    {
        RoleLevel::Specialist
    } else if word(&["assistant", "intern", "junior"])
        || has(&r, &["ассистент", "стажер", "стажёр", "помощник"])
    {
        RoleLevel::Junior
    } else {
        RoleLevel::Other
    }
}

fn timeline_points(t: &str) -> (f64, String) {
    if has(
        t,
        &[
            "asap",
            "immediately",
            "urgent",
            "right now",
            "срочно",
            "немедленно",
        ],
    ) || t == "now"
    {
        return (25.0, "wants to start immediately".into());
    }
    if has(t, &["q1", "q2"]) {
        return (20.0, "targets the first half-year".into());
    }
    if t.contains("q3") {
        return (15.0, "targets Q3".into());
    }
    if t.contains("q4") || has(t, &["next year", "следующ"]) {
        return (10.0, "targets late in the year or later".into());
    }
    let n: f64 = t
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let months = if has(t, &["day", "дн", "ден"]) {
        Some(n / 30.0)
    } else if has(t, &["week", "недел"]) {
        Some(n / 4.0)
    } else if has(t, &["month", "месяц", "мес"]) {
        Some(n)
    } else if has(t, &["year", "год", "лет"]) {
        Some(n * 12.0)
    } else {
        None
    };
    match months {
        Some(m) if m <= 1.0 => (20.0, format!("starts within {m:.1} month(s)")),
        Some(m) if m <= 3.0 => (15.0, format!("starts within {m:.0} months")),
        Some(m) if m <= 6.0 => (10.0, format!("starts within {m:.0} months")),
        Some(m) => (5.0, format!("starts in about {m:.0} months")),
        None => (5.0, "timeline stated without a date".into()),
    }
}

const HIGH_PAINS: &[&str] = &[
    "low traffic",
    "traffic drop",
    "poor ranking",
    "low ranking",
    "no leads",
    "few leads",
    "competitor",
    "revenue decline",
    "declining revenue",
    "losing customers",
    "poor roi",
    "manual process",
    "мало трафика",
    "падение трафика",
    "нет заявок",
    "мало заявок",
    "конкурент",
    "падение продаж",
];
const MEDIUM_PAINS: &[&str] = &[
    "slow growth",
    "inconsistent",
    "limited visibility",
    "low visibility",
    "outdated website",
    "old website",
    "user experience",
    "ux",
    "медленный рост",
    "устаревш",
];

/// One scored component.
struct Component {
    name: &'static str,
    value: Option<f64>,
    reasons: Vec<String>,
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

    fn industry(&self, industry: &str) -> Option<(f64, String)> {
        let i = industry.to_lowercase();
        self.config
            .industries
            .iter()
            .find(|(k, _, _)| i.contains(k.as_str()))
            .map(|(_, w, e)| (*w, e.clone()))
    }

    fn budget_points(&self, low: f64) -> f64 {
        self.config
            .budget_tiers
            .iter()
            .find(|(min, _)| low >= *min)
            .map_or(0.0, |(_, p)| *p)
    }

    /// Scores a lead; the whole computation, with no I/O.
    pub fn qualify(&self, lead: &LeadInput) -> AgentOutput {
        let role = nonblank(&lead.contact_role);
        let level = role.as_deref().map(role_level);
        let budget_text = lead
            .budget_range
            .as_ref()
            .map(NumOrText::text)
            .filter(|t| !t.trim().is_empty());
        let budget = budget_text.as_deref().and_then(parse_amount);
        let size = lead
            .company_size
            .as_ref()
            .map(NumOrText::text)
            .as_deref()
            .and_then(parse_amount);
        let timeline = nonblank(&lead.timeline);
        let current_seo = nonblank(&lead.current_seo);
        let pains: Vec<String> = lead
            .pain_points
            .iter()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        let goals = lead.goals.iter().any(|g| !g.trim().is_empty());
        let source = nonblank(&lead.source);
        let referral = lead
            .referral_source
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
            || source
                .as_deref()
                .is_some_and(|s| has(s, &["referral", "рекоменд"]));
        let industry = nonblank(&lead.industry);
        let industry_fit = industry
            .as_deref()
            .map(|i| (i.to_string(), self.industry(i)));
        let mut not_measured = Vec::new();

        // BANT: budget, authority, need, timeline — 25 points each.
        let mut bant = Component {
            name: "bant",
            value: None,
            reasons: Vec::new(),
        };
        let any_bant = budget.is_some()
            || level.is_some()
            || !pains.is_empty()
            || current_seo.is_some()
            || timeline.is_some();
        if any_bant {
            let mut total = 0.0;
            match (&budget, &budget_text) {
                (Some(b), _) => {
                    let p = self.budget_points(b.low);
                    total += p;
                    bant.reasons
                        .push(format!("budget: lower bound {:.0} → {p}/25", b.low));
                }
                (None, Some(t)) => bant
                    .reasons
                    .push(format!("budget '{t}' is not a readable amount → 0/25")),
                (None, None) => bant.reasons.push("budget not stated → 0/25".into()),
            }
            let a = match level {
                Some(RoleLevel::CLevel) => 25.0,
                Some(RoleLevel::VpDirector) => 20.0,
                Some(RoleLevel::Manager) => 15.0,
                Some(RoleLevel::Specialist) => 10.0,
                Some(RoleLevel::Junior | RoleLevel::Other) => 5.0,
                None => 0.0,
            };
            total += a;
            bant.reasons.push(format!(
                "authority: {} → {a}/25",
                role.as_deref().unwrap_or("role not stated")
            ));
            let seo_bonus = match current_seo.as_deref() {
                Some(s) if has(s, &["none", "no seo", "nothing", "нет", "никак"]) => 5.0,
                Some(s) if has(s, &["basic", "minimal", "poor", "слаб", "базов"]) => 3.0,
                _ => 0.0,
            };
            let need = if pains.is_empty() && seo_bonus == 0.0 {
                0.0
            } else {
                (5.0 + (3.0 * pains.len() as f64).min(15.0) + seo_bonus).min(25.0)
            };
            total += need;
            bant.reasons.push(format!(
                "need: {} pain(s), current SEO {} → {need}/25",
                pains.len(),
                current_seo.as_deref().unwrap_or("not stated")
            ));
            let (t, why) = timeline
                .as_deref()
                .map_or((0.0, "timeline not stated".to_string()), timeline_points);
            total += t;
            bant.reasons.push(format!("timeline: {why} → {t}/25"));
            bant.value = Some(total);
        } else {
            not_measured
                .push("bant (no budget, role, pains, current SEO or timeline given)".to_string());
        }

        // MEDDIC.
        let mut meddic = Component {
            name: "meddic",
            value: None,
            reasons: Vec::new(),
        };
        let any_meddic = goals
            || level.is_some()
            || budget.is_some()
            || timeline.is_some()
            || size.is_some()
            || !pains.is_empty()
            || source.is_some()
            || referral;
        if any_meddic {
            let mut m = 0.0;
            let mut add = |pts: f64, why: String| {
                if pts > 0.0 {
                    m += pts;
                    meddic.reasons.push(format!("+{pts}: {why}"));
                }
            };
            if goals {
                add(15.0, "metrics: goals are stated".into());
            }
            match level {
                Some(RoleLevel::CLevel) => add(20.0, "economic buyer: C-level contact".into()),
                Some(RoleLevel::VpDirector | RoleLevel::Manager) => {
                    add(15.0, "decision maker: director/manager contact".into())
                }
                Some(_) => add(5.0, "contact without decision authority".into()),
                None => {}
            }
            if budget.is_some() && timeline.is_some() {
                add(
                    15.0,
                    "decision criteria: budget and timeline are known".into(),
                );
            }
            if let Some(s) = &size {
                if s.low >= self.config.size_thresholds[1] {
                    add(10.0, "decision process: enterprise (longer process)".into());
                } else {
                    add(
                        15.0,
                        "decision process: small or mid-size company (short process)".into(),
                    );
                }
            }
            add(
                (5.0 * pains.len() as f64).min(20.0),
                format!("identified pain: {} stated", pains.len()),
            );
            if referral {
                add(15.0, "champion: referred lead".into());
            }
            if source.as_deref().is_some_and(|s| {
                has(
                    s,
                    &[
                        "website",
                        "content",
                        "webinar",
                        "organic",
                        "seo",
                        "blog",
                        "сайт",
                        "вебинар",
                    ],
                )
            }) {
                add(10.0, "inbound through our content".into());
            }
            meddic.value = Some(m.min(100.0));
        } else {
            not_measured.push("meddic (no qualifying facts given)".to_string());
        }

        // Pain.
        let mut pain = Component {
            name: "pain",
            value: None,
            reasons: Vec::new(),
        };
        if pains.is_empty() {
            not_measured.push("pain (no pain points given)".to_string());
        } else {
            let mut p = 20.0;
            for item in &pains {
                let (pts, kind) = if has(item, HIGH_PAINS) {
                    (20.0, "high impact")
                } else if has(item, MEDIUM_PAINS) {
                    (10.0, "medium impact")
                } else {
                    (5.0, "other")
                };
                p += pts;
                pain.reasons.push(format!("'{item}': {kind} +{pts}"));
            }
            pain.value = Some(f64::min(p, 100.0));
        }

        // Authority.
        let mut authority = Component {
            name: "authority",
            value: None,
            reasons: Vec::new(),
        };
        match (level, &role) {
            (Some(l), Some(r)) => {
                let v = match l {
                    RoleLevel::CLevel => 100.0,
                    RoleLevel::VpDirector => 85.0,
                    RoleLevel::Manager => 70.0,
                    RoleLevel::Specialist => 50.0,
                    RoleLevel::Junior => 25.0,
                    RoleLevel::Other => 40.0,
                };
                authority.reasons.push(format!("'{r}' → {l:?}"));
                authority.value = Some(v);
            }
            _ => not_measured.push("authority (no contact role given)".to_string()),
        }

        // Industry fit.
        let mut fit = Component {
            name: "industry_fit",
            value: None,
            reasons: Vec::new(),
        };
        match &industry_fit {
            Some((name, Some((w, expertise)))) => {
                let adj = match expertise.as_str() {
                    "high" => 10.0,
                    "low" => -10.0,
                    _ => 0.0,
                };
                let v = (w * 100.0 + adj).clamp(20.0, 100.0);
                fit.reasons.push(format!(
                    "'{name}': weight {w}, {expertise} expertise ({adj:+})"
                ));
                fit.value = Some(v);
            }
            Some((name, None)) => {
                fit.reasons
                    .push(format!("'{name}' is not in the industry table: weight 0.5"));
                fit.value = Some(50.0);
            }
            None => not_measured.push("industry_fit (no industry given)".to_string()),
        }

        // Weighted total over what was measured.
        let components = [bant, meddic, pain, authority, fit];
        let measured_weight: f64 = components
            .iter()
            .zip(self.config.weights)
            .filter(|(c, _)| c.value.is_some())
            .map(|(_, w)| w)
            .sum();
        let mut factors = Vec::new();
        let mut score = 0.0;
        for (c, w) in components.iter().zip(self.config.weights) {
            if let Some(v) = c.value {
                let eff = w / measured_weight;
                let contribution = v * eff;
                score += contribution;
                factors.push(Factor {
                    name: c.name.into(),
                    value: round2(v),
                    weight: Some(round4(eff)),
                    contribution: Some(round2(contribution)),
                    reason: c.reasons.join("; "),
                });
            }
        }
        let score = (measured_weight > 0.0).then(|| round2(score));
        let s = score.unwrap_or(0.0);
        let [hot, warm, cold, mql] = self.config.classes;
        let class = if score.is_none() {
            "unqualified"
        } else if s >= hot {
            "hot"
        } else if s >= warm {
            "warm"
        } else if s >= cold {
            "cold"
        } else if s >= mql {
            "mql"
        } else {
            "unqualified"
        };

        // Lead type, from size (else budget).
        let [mid_size, ent_size] = self.config.size_thresholds;
        let size_text = lead
            .company_size
            .as_ref()
            .map(NumOrText::text)
            .unwrap_or_default()
            .to_lowercase();
        let (lead_type, type_reason) = match (&size, &budget) {
            _ if has(&size_text, &["enterprise", "large", "крупн"]) => {
                ("enterprise", "company size says enterprise".to_string())
            }
            (Some(sz), _) if sz.low >= ent_size => {
                ("enterprise", format!("{:.0}+ employees", sz.low))
            }
            (Some(sz), _) if sz.typical() >= mid_size => {
                ("mid_market", format!("about {:.0} employees", sz.typical()))
            }
            (Some(sz), _) => ("smb", format!("about {:.0} employees", sz.typical())),
            (None, Some(b)) if b.low >= 5_000_000.0 => (
                "enterprise",
                "no size given; budget of 5M or more".to_string(),
            ),
            (None, Some(b)) if b.low >= 1_000_000.0 => (
                "mid_market",
                "no size given; budget of 1M or more".to_string(),
            ),
            _ => ("smb", "no size or large budget given".to_string()),
        };

        // SWOT rules.
        let mut strengths = Vec::new();
        let mut weaknesses = Vec::new();
        let mut opportunities = Vec::new();
        let mut risks = Vec::new();
        if s >= 80.0 {
            strengths.push("high qualification score".to_string());
        }
        if referral {
            strengths.push("referred lead".to_string());
        }
        if budget.is_some_and(|b| b.low >= 2_500_000.0) {
            strengths.push("substantial budget".to_string());
        }
        if level == Some(RoleLevel::CLevel) {
            strengths.push("C-level contact".to_string());
        }
        if score.is_some() && s < 50.0 {
            weaknesses.push("low qualification score".to_string());
        }
        if budget.is_none() {
            weaknesses.push("no usable budget".to_string());
        }
        if timeline.is_none() {
            weaknesses.push("no timeline".to_string());
        }
        if pains.is_empty() {
            weaknesses.push("no pain points".to_string());
        }
        if industry_fit
            .as_ref()
            .is_some_and(|(_, f)| f.as_ref().is_some_and(|(w, _)| *w >= 0.95))
        {
            opportunities.push("industry where our SEO work pays off most".to_string());
        }
        if current_seo.as_deref().is_some_and(|c| {
            has(
                c,
                &[
                    "none",
                    "no seo",
                    "nothing",
                    "basic",
                    "minimal",
                    "нет",
                    "базов",
                ],
            )
        }) {
            opportunities.push("little SEO so far: large headroom".to_string());
        }
        if lead
            .goals
            .iter()
            .any(|g| has(&g.to_lowercase(), &["growth", "grow", "рост"]))
        {
            opportunities.push("growth is an explicit goal".to_string());
        }
        if matches!(level, None | Some(RoleLevel::Junior)) {
            risks.push("no decision maker in contact".to_string());
        }
        if budget.is_some_and(|b| b.low < 250_000.0) {
            risks.push("small budget".to_string());
        }
        if industry_fit
            .as_ref()
            .is_some_and(|(_, f)| f.as_ref().is_some_and(|(_, e)| e == "low"))
        {
            risks.push("industry where we have little expertise".to_string());
        }

        // Deal value: the stated budget wins; else the table value for the lead type,
        // weighted by industry fit.
        let (deal_value, deal_reason) = match &budget {
            Some(b) => (b.low, "the lower bound of the stated budget".to_string()),
            None => {
                let base = match lead_type {
                    "enterprise" => self.config.deal_values[2],
                    "mid_market" => self.config.deal_values[1],
                    _ => self.config.deal_values[0],
                };
                match industry_fit.as_ref().and_then(|(_, f)| f.as_ref()) {
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
        };
        let close_probability = round4(
            (s / 100.0 + 0.05 * strengths.len() as f64 - 0.03 * risks.len() as f64)
                .clamp(0.05, 0.95),
        );
        let key_fields = [
            lead.company_size.is_some(),
            budget.is_some(),
            timeline.is_some(),
            role.is_some(),
            industry.is_some(),
            !pains.is_empty(),
            goals,
            current_seo.is_some(),
        ];
        let filled = key_fields.iter().filter(|b| **b).count() as f64 / key_fields.len() as f64;
        let confidence = round4(0.6 * filled + 0.4 * s / 100.0);

        let mut next_actions: Vec<String> = match class {
            "hot" => vec![
                "Call within 24 hours".into(),
                "Prepare a proposal".into(),
                "Book a technical audit of their site".into(),
                "Involve a senior strategist".into(),
            ],
            "warm" => vec![
                "Schedule a discovery call this week".into(),
                "Send a case study from their industry".into(),
                "Offer a free site audit".into(),
                "Confirm budget and timeline".into(),
            ],
            "cold" => vec![
                "Add to a nurturing sequence".into(),
                "Share educational content".into(),
                "Re-qualify in 30 days".into(),
                "Identify the decision maker".into(),
            ],
            _ => vec![
                "Keep in the newsletter".into(),
                "Re-qualify if they engage again".into(),
                "Do not assign sales time yet".into(),
                "Record why the lead did not qualify".into(),
            ],
        };
        if budget.is_none() {
            next_actions.push("Find out the budget".into());
        }
        if timeline.is_none() {
            next_actions.push("Find out the timeline".into());
        }
        if role.is_none() {
            next_actions.push("Find out the contact's role".into());
        }

        let findings: Vec<Finding> = risks
            .iter()
            .map(|r| Finding {
                id: "lead_risk".into(),
                severity: "medium".into(),
                message: r.clone(),
            })
            .chain(weaknesses.iter().map(|w| Finding {
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
        extra.insert("lead_type".into(), json!(lead_type));
        extra.insert("lead_type_reason".into(), json!(type_reason));
        extra.insert("estimated_deal_value".into(), json!(round2(deal_value)));
        extra.insert("deal_value_basis".into(), json!(deal_reason));
        extra.insert("close_probability".into(), json!(close_probability));
        extra.insert("confidence".into(), json!(confidence));
        extra.insert("next_actions".into(), json!(next_actions));
        extra.insert(
            "swot".into(),
            json!({"strengths": strengths, "weaknesses": weaknesses, "opportunities": opportunities, "risks": risks}),
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
        let lead = check(input)?;
        ctx.checkpoint()?;
        let out = self.qualify(&lead);
        ctx.report(100);
        Ok(out)
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
