//! The rules of `content_strategy` (`[agents.content_strategy]`): clustering threshold,
//! stop words, intent markers, the expected-CTR curve, cadence and page markers.

use serde::{Deserialize, Serialize};

/// An intent and its marker words (stems are compared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentMarkers {
    /// informational, commercial, transactional or navigational.
    pub intent: String,
    /// Marker words, any language.
    pub markers: Vec<String>,
}

/// `[agents.content_strategy]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentConfig {
    /// Two phrases join a cluster when the Jaccard overlap of their stem sets reaches this.
    pub cluster_threshold: f64,
    /// Stop words dropped before stemming (English and Russian).
    pub stop_words: Vec<String>,
    /// Intent markers, in precedence order on a tie.
    pub intents: Vec<IntentMarkers>,
    /// Expected CTR at positions 1, 2, … (beyond the list: the last value).
    pub expected_ctr: Vec<f64>,
    /// A cluster whose best position is beyond this has no page in the top results.
    pub top_position: f64,
    /// Cost of one article (budget ÷ this = articles per month).
    pub cost_per_article: f64,
    /// Articles per month without a budget, and the most per month.
    pub cadence: [f64; 2],
    /// Weeks in the calendar.
    pub calendar_weeks: usize,
    /// Most pages crawled per site.
    pub max_pages: usize,
    /// About-page markers (URL or anchor substrings).
    pub about_markers: Vec<String>,
    /// Contact-page markers.
    pub contact_markers: Vec<String>,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

impl Default for ContentConfig {
    fn default() -> Self {
        Self {
            cluster_threshold: 0.5,
            stop_words: s(&[
                "a", "an", "the", "and", "or", "for", "of", "in", "on", "to", "with", "by", "at",
                "is", "are", "how", "what", "why", "и", "в", "на", "с", "по", "для", "к", "о",
                "от", "из", "у", "за", "как", "что", "где", "или",
            ]),
            intents: vec![
                IntentMarkers {
                    intent: "transactional".into(),
                    markers: s(&[
                        "buy",
                        "price",
                        "order",
                        "cheap",
                        "discount",
                        "shop",
                        "купить",
                        "цена",
                        "заказать",
                        "стоимость",
                        "недорого",
                        "доставка",
                    ]),
                },
                IntentMarkers {
                    intent: "commercial".into(),
                    markers: s(&[
                        "best",
                        "review",
                        "vs",
                        "top",
                        "compare",
                        "comparison",
                        "alternative",
                        "лучший",
                        "отзывы",
                        "обзор",
                        "сравнение",
                        "рейтинг",
                    ]),
                },
                IntentMarkers {
                    intent: "informational".into(),
                    markers: s(&[
                        "how",
                        "what",
                        "why",
                        "guide",
                        "tutorial",
                        "ideas",
                        "tips",
                        "как",
                        "что",
                        "почему",
                        "зачем",
                        "инструкция",
                        "советы",
                    ]),
                },
                IntentMarkers {
                    intent: "navigational".into(),
                    markers: s(&[
                        "login",
                        "sign in",
                        "official",
                        "contact",
                        "войти",
                        "официальный",
                        "контакты",
                    ]),
                },
            ],
            expected_ctr: vec![
                0.28, 0.15, 0.10, 0.07, 0.05, 0.04, 0.03, 0.025, 0.02, 0.018, 0.01,
            ],
            top_position: 20.0,
            cost_per_article: 10_000.0,
            cadence: [4.0, 20.0],
            calendar_weeks: 12,
            max_pages: 100,
            about_markers: s(&[
                "about",
                "о-нас",
                "o-nas",
                "о нас",
                "about us",
                "company",
                "компания",
            ]),
            contact_markers: s(&["contact", "контакт", "kontakty"]),
        }
    }
}
