//! Every number, threshold, weight and keyword list of the lead score
//! (`[agents.lead_qualification]`). Defaults follow the spec; keyword lists are English and
//! Russian stems matched as substrings of the lower-cased text unless said otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How senior a contact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleLevel {
    /// CEO, founder, owner, C-suite.
    CLevel,
    /// VP or director.
    VpDirector,
    /// Manager or head of a function.
    Manager,
    /// Specialist, analyst, marketer.
    Specialist,
    /// Assistant, intern, junior.
    Junior,
    /// Anything else.
    Other,
}

/// Points per role level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RolePoints {
    /// C-level.
    pub c_level: f64,
    /// VP or director.
    pub vp_director: f64,
    /// Manager.
    pub manager: f64,
    /// Specialist.
    pub specialist: f64,
    /// Junior.
    pub junior: f64,
    /// Unrecognised role.
    pub other: f64,
}

impl RolePoints {
    /// The points of `level`.
    pub fn of(&self, level: RoleLevel) -> f64 {
        match level {
            RoleLevel::CLevel => self.c_level,
            RoleLevel::VpDirector => self.vp_director,
            RoleLevel::Manager => self.manager,
            RoleLevel::Specialist => self.specialist,
            RoleLevel::Junior => self.junior,
            RoleLevel::Other => self.other,
        }
    }
}

/// How a role text is recognised: any whole word of `words`, or any substring of `phrases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRule {
    /// The level this rule gives.
    pub level: RoleLevel,
    /// Whole words (e.g. `ceo`).
    pub words: Vec<String>,
    /// Substrings (e.g. `vice president`, `генеральн`).
    pub phrases: Vec<String>,
}

/// The "need" part of BANT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NeedConfig {
    /// Points for any stated need.
    pub base: f64,
    /// Points per pain point …
    pub per_pain: f64,
    /// … up to this many.
    pub pains_cap: f64,
    /// Current-SEO text that means "none" …
    pub no_seo_words: Vec<String>,
    /// … and its bonus.
    pub no_seo_bonus: f64,
    /// Current-SEO text that means "basic" …
    pub basic_seo_words: Vec<String>,
    /// … and its bonus.
    pub basic_seo_bonus: f64,
    /// Most points.
    pub max: f64,
}

/// The "timeline" part of BANT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineConfig {
    /// "Start now" words (`now` alone counts too) and their points.
    pub immediate_words: Vec<String>,
    /// Points for an immediate start.
    pub immediate_points: f64,
    /// First-half-year words and points.
    pub first_half_words: Vec<String>,
    /// Points for the first half-year.
    pub first_half_points: f64,
    /// Third-quarter words and points.
    pub third_quarter_words: Vec<String>,
    /// Points for Q3.
    pub third_quarter_points: f64,
    /// Late-in-the-year or later words and points.
    pub later_words: Vec<String>,
    /// Points for late or later.
    pub later_points: f64,
    /// `(within months, points)` for a dated start, nearest first.
    pub month_bands: Vec<(f64, f64)>,
    /// Points for a dated start beyond every band.
    pub beyond_points: f64,
    /// Points for a timeline without a date.
    pub undated_points: f64,
    /// Unit words: days, weeks, months, years.
    pub day_words: Vec<String>,
    /// Week unit words.
    pub week_words: Vec<String>,
    /// Month unit words.
    pub month_words: Vec<String>,
    /// Year unit words.
    pub year_words: Vec<String>,
}

/// MEDDIC points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeddicConfig {
    /// Metrics: goals are stated.
    pub goals: f64,
    /// Economic buyer: a C-level contact.
    pub economic_buyer: f64,
    /// Decision maker: a director or manager.
    pub decision_maker: f64,
    /// A contact without decision authority.
    pub other_contact: f64,
    /// Decision criteria: budget and timeline both known.
    pub criteria: f64,
    /// Decision process of an enterprise (longer).
    pub enterprise_process: f64,
    /// Decision process of a smaller company (short).
    pub short_process: f64,
    /// Identified pain: points per pain …
    pub per_pain: f64,
    /// … up to this many.
    pub pains_cap: f64,
    /// Champion: a referred lead.
    pub referral: f64,
    /// Source text meaning a referral.
    pub referral_words: Vec<String>,
    /// Inbound through our content.
    pub inbound: f64,
    /// Source text meaning inbound.
    pub inbound_words: Vec<String>,
    /// Most points.
    pub max: f64,
}

/// The pain component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PainConfig {
    /// Points for having any pain.
    pub base: f64,
    /// High-impact pain phrases and their points.
    pub high_words: Vec<String>,
    /// Points of a high-impact pain.
    pub high_points: f64,
    /// Medium-impact pain phrases and their points.
    pub medium_words: Vec<String>,
    /// Points of a medium-impact pain.
    pub medium_points: f64,
    /// Points of any other pain.
    pub other_points: f64,
    /// Most points.
    pub max: f64,
}

/// The industry-fit component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitConfig {
    /// Added for an industry where our expertise is high.
    pub high_expertise: f64,
    /// Added for an industry where our expertise is low (negative).
    pub low_expertise: f64,
    /// Least value.
    pub min: f64,
    /// Most value.
    pub max: f64,
    /// Value of an industry missing from the table.
    pub unknown: f64,
}

/// How the lead type is decided when the company size does not say it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadTypeConfig {
    /// Size text that means enterprise.
    pub enterprise_words: Vec<String>,
    /// With no size: a budget of at least this is an enterprise …
    pub enterprise_budget: f64,
    /// … and at least this mid-market.
    pub mid_market_budget: f64,
}

/// SWOT rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwotConfig {
    /// A score at least this is a strength.
    pub strong_score: f64,
    /// A score below this is a weakness.
    pub weak_score: f64,
    /// A budget of at least this is a strength.
    pub large_budget: f64,
    /// A budget below this is a risk.
    pub small_budget: f64,
    /// An industry weight at least this is an opportunity.
    pub top_industry_weight: f64,
    /// Current-SEO text that means headroom.
    pub little_seo_words: Vec<String>,
    /// Goal text that means growth.
    pub growth_words: Vec<String>,
}

/// Close probability: score/100 + per strength − per risk, clamped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseConfig {
    /// Added per strength.
    pub per_strength: f64,
    /// Subtracted per risk.
    pub per_risk: f64,
    /// Least probability.
    pub min: f64,
    /// Most probability.
    pub max: f64,
}

/// Confidence: `filled` × share of key fields given + `score` × score/100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfidenceConfig {
    /// Weight of the share of key fields given.
    pub filled: f64,
    /// Weight of the score.
    pub score: f64,
}

/// Every threshold, weight and table of the lead score; the defaults follow the spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadConfig {
    /// Weights of BANT, MEDDIC, pain, authority, industry fit (sum 1).
    pub weights: [f64; 5],
    /// Class thresholds: hot, warm, cold, mql.
    pub classes: [f64; 4],
    /// Share of the total weight that must be measured for the lead to be classed: below it
    /// the lead is `unqualified` whatever its score (a score over one component says too
    /// little), and the reason says what is missing.
    pub min_measured_weight: f64,
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
    /// How role texts map to levels (first matching rule wins, in this order).
    pub roles: Vec<RoleRule>,
    /// BANT authority points per level (of 25).
    pub bant_authority: RolePoints,
    /// The authority component (0–100) per level.
    pub authority: RolePoints,
    /// BANT need.
    pub need: NeedConfig,
    /// BANT timeline.
    pub timeline: TimelineConfig,
    /// MEDDIC.
    pub meddic: MeddicConfig,
    /// Pain.
    pub pain: PainConfig,
    /// Industry fit.
    pub industry_fit: FitConfig,
    /// Lead type.
    pub lead_type: LeadTypeConfig,
    /// SWOT.
    pub swot: SwotConfig,
    /// Close probability.
    pub close: CloseConfig,
    /// Confidence.
    pub confidence: ConfidenceConfig,
    /// Next actions per class (`hot`, `warm`, `cold`, and `other` for the rest).
    pub next_actions: BTreeMap<String, Vec<String>>,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl Default for NeedConfig {
    fn default() -> Self {
        Self {
            base: 5.0,
            per_pain: 3.0,
            pains_cap: 15.0,
            no_seo_words: words(&["none", "no seo", "nothing", "нет", "никак"]),
            no_seo_bonus: 5.0,
            basic_seo_words: words(&["basic", "minimal", "poor", "слаб", "базов"]),
            basic_seo_bonus: 3.0,
            max: 25.0,
        }
    }
}

impl Default for TimelineConfig {
    fn default() -> Self {
        Self {
            immediate_words: words(&[
                "asap",
                "immediately",
                "urgent",
                "right now",
                "срочно",
                "немедленно",
            ]),
            immediate_points: 25.0,
            first_half_words: words(&["q1", "q2"]),
            first_half_points: 20.0,
            third_quarter_words: words(&["q3"]),
            third_quarter_points: 15.0,
            later_words: words(&["q4", "next year", "следующ"]),
            later_points: 10.0,
            month_bands: vec![(1.0, 20.0), (3.0, 15.0), (6.0, 10.0)],
            beyond_points: 5.0,
            undated_points: 5.0,
            day_words: words(&["day", "дн", "ден"]),
            week_words: words(&["week", "недел"]),
            month_words: words(&["month", "месяц", "мес"]),
            year_words: words(&["year", "год", "лет"]),
        }
    }
}

impl Default for MeddicConfig {
    fn default() -> Self {
        Self {
            goals: 15.0,
            economic_buyer: 20.0,
            decision_maker: 15.0,
            other_contact: 5.0,
            criteria: 15.0,
            enterprise_process: 10.0,
            short_process: 15.0,
            per_pain: 5.0,
            pains_cap: 20.0,
            referral: 15.0,
            referral_words: words(&["referral", "рекоменд"]),
            inbound: 10.0,
            inbound_words: words(&[
                "website",
                "content",
                "webinar",
                "organic",
                "seo",
                "blog",
                "сайт",
                "вебинар",
            ]),
            max: 100.0,
        }
    }
}

impl Default for PainConfig {
    fn default() -> Self {
        Self {
            base: 20.0,
            high_words: words(&[
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
            ]),
            high_points: 20.0,
            medium_words: words(&[
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
            ]),
            medium_points: 10.0,
            other_points: 5.0,
            max: 100.0,
        }
    }
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            high_expertise: 10.0,
            low_expertise: -10.0,
            min: 20.0,
            max: 100.0,
            unknown: 50.0,
        }
    }
}

impl Default for LeadTypeConfig {
    fn default() -> Self {
        Self {
            enterprise_words: words(&["enterprise", "large", "крупн"]),
            enterprise_budget: 5_000_000.0,
            mid_market_budget: 1_000_000.0,
        }
    }
}

impl Default for SwotConfig {
    fn default() -> Self {
        Self {
            strong_score: 80.0,
            weak_score: 50.0,
            large_budget: 2_500_000.0,
            small_budget: 250_000.0,
            top_industry_weight: 0.95,
            little_seo_words: words(&[
                "none",
                "no seo",
                "nothing",
                "basic",
                "minimal",
                "нет",
                "базов",
            ]),
            growth_words: words(&["growth", "grow", "рост"]),
        }
    }
}

impl Default for CloseConfig {
    fn default() -> Self {
        Self {
            per_strength: 0.05,
            per_risk: 0.03,
            min: 0.05,
            max: 0.95,
        }
    }
}

impl Default for ConfidenceConfig {
    fn default() -> Self {
        Self {
            filled: 0.6,
            score: 0.4,
        }
    }
}

fn role(level: RoleLevel, w: &[&str], p: &[&str]) -> RoleRule {
    RoleRule {
        level,
        words: words(w),
        phrases: words(p),
    }
}

impl Default for LeadConfig {
    fn default() -> Self {
        let ind = |n: &str, w: f64, e: &str| (n.to_string(), w, e.to_string());
        let actions = |a: &[&str]| words(a);
        Self {
            weights: [0.30, 0.25, 0.20, 0.15, 0.10],
            classes: [80.0, 60.0, 40.0, 20.0],
            min_measured_weight: 0.5,
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
            roles: vec![
                role(
                    RoleLevel::CLevel,
                    &[
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
                    ],
                    &[
                        "co-founder",
                        "генеральн",
                        "владел",
                        "основател",
                        "учредител",
                    ],
                ),
                role(
                    RoleLevel::VpDirector,
                    &["vp", "director"],
                    &["vice president", "директор"],
                ),
                role(
                    RoleLevel::Manager,
                    &["manager", "head", "lead"],
                    &["head of", "руководител", "менеджер", "начальник"],
                ),
                role(
                    RoleLevel::Specialist,
                    &["specialist", "coordinator", "analyst", "marketer"],
                    &["специалист", "аналитик", "маркетолог"],
                ),
                role(
                    RoleLevel::Junior,
                    &["assistant", "intern", "junior"],
                    &["ассистент", "стажер", "стажёр", "помощник"],
                ),
            ],
            bant_authority: RolePoints {
                c_level: 25.0,
                vp_director: 20.0,
                manager: 15.0,
                specialist: 10.0,
                junior: 5.0,
                other: 5.0,
            },
            authority: RolePoints {
                c_level: 100.0,
                vp_director: 85.0,
                manager: 70.0,
                specialist: 50.0,
                junior: 25.0,
                other: 40.0,
            },
            need: NeedConfig::default(),
            timeline: TimelineConfig::default(),
            meddic: MeddicConfig::default(),
            pain: PainConfig::default(),
            industry_fit: FitConfig::default(),
            lead_type: LeadTypeConfig::default(),
            swot: SwotConfig::default(),
            close: CloseConfig::default(),
            confidence: ConfidenceConfig::default(),
            next_actions: BTreeMap::from([
                (
                    "hot".to_string(),
                    actions(&[
                        "Call within 24 hours",
                        "Prepare a proposal",
                        "Book a technical audit of their site",
                        "Involve a senior strategist",
                    ]),
                ),
                (
                    "warm".to_string(),
                    actions(&[
                        "Schedule a discovery call this week",
                        "Send a case study from their industry",
                        "Offer a free site audit",
                        "Confirm budget and timeline",
                    ]),
                ),
                (
                    "cold".to_string(),
                    actions(&[
                        "Add to a nurturing sequence",
                        "Share educational content",
                        "Re-qualify in 30 days",
                        "Identify the decision maker",
                    ]),
                ),
                (
                    "other".to_string(),
                    actions(&[
                        "Keep in the newsletter",
                        "Re-qualify if they engage again",
                        "Do not assign sales time yet",
                        "Record why the lead did not qualify",
                    ]),
                ),
            ]),
        }
    }
}
