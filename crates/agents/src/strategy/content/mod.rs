//! `content_strategy`: keyword clusters from the campaign's keywords, the client's imported
//! Search Console queries and its crawled titles and headings — case folding, Snowball
//! stemming (Russian or English per word), stop words, clustering by stem overlap —; intent
//! by marker tables; per cluster clicks, impressions, CTR, impression-weighted position and
//! the CTR gap against an expected-CTR curve; content gaps; cannibalisation; E-E-A-T signals
//! from the crawl; a publishing calendar whose cadence follows the budget.

mod config;
mod plan;

pub use config::*;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use rust_stemmers::{Algorithm, Stemmer};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auditor::{AuditConfig, TechnicalSeoAuditor, start_url};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, TaskContext, TaskTypeSpec, Tier, parse_input,
    schema_of,
};
use crate::data::DataKind;
use crate::sales::{fold, ratio};
use plan::topics;

/// Task type.
pub const PLAN: &str = "content_plan";

/// What to plan.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ContentInput {
    /// The client (default: the task's client).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Uuid>,
    /// Seed keywords (default: the campaign's keywords).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The client's site (default: the campaign's domain or the client's website).
    #[serde(default)]
    pub url: Option<String>,
    /// Competitor sites whose titles and headings show topics they cover.
    #[serde(default)]
    pub competitors: Vec<String>,
    /// Monthly content budget.
    #[serde(default)]
    pub monthly_budget: Option<f64>,
}

/// One query's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryFigures {
    /// The query.
    pub query: String,
    /// Clicks.
    pub clicks: f64,
    /// Impressions.
    pub impressions: f64,
    /// Average position.
    pub position: f64,
}

/// A crawled page's topic text.
#[derive(Debug, Clone, PartialEq)]
pub struct PageTopic {
    /// URL.
    pub url: String,
    /// Title and H1s.
    pub text: String,
    /// Impressions of the page in the search dataset.
    pub impressions: f64,
}

/// Everything the plan reads.
#[derive(Debug, Clone, Default)]
pub struct ContentFacts {
    /// Seed keywords.
    pub seeds: Vec<String>,
    /// Search Console queries.
    pub queries: Vec<QueryFigures>,
    /// The client's pages.
    pub pages: Vec<PageTopic>,
    /// Competitors' page topics.
    pub competitor_topics: Vec<String>,
    /// E-E-A-T signals found (name → evidence), when crawled.
    pub eeat: Option<Vec<(String, Option<String>)>>,
    /// Monthly budget.
    pub budget: Option<f64>,
}

/// The `content_strategy` agent.
pub struct ContentStrategy {
    config: ContentConfig,
    auditor: TechnicalSeoAuditor,
    en: Stemmer,
    ru: Stemmer,
}

impl std::fmt::Debug for ContentStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentStrategy")
            .field("config", &self.config)
            .finish()
    }
}

impl Default for ContentStrategy {
    fn default() -> Self {
        Self::new(ContentConfig::default(), AuditConfig::default())
    }
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.union(b).count();
    ratio(inter, union)
}

impl ContentStrategy {
    /// The agent with `config`, crawling with the auditor's settings.
    pub fn new(config: ContentConfig, audit: AuditConfig) -> Self {
        Self {
            config,
            auditor: TechnicalSeoAuditor::new(audit),
            en: Stemmer::create(Algorithm::English),
            ru: Stemmer::create(Algorithm::Russian),
        }
    }

    /// The stems of a phrase: case-folded words, stop words dropped, each stemmed as Russian
    /// when it has Cyrillic letters, else as English.
    pub fn stems(&self, phrase: &str) -> BTreeSet<String> {
        let stop: BTreeSet<String> = self.config.stop_words.iter().map(|w| fold(w)).collect();
        fold(phrase)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !stop.contains(*w))
            .map(|w| {
                let cyr = w.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
                if cyr {
                    self.ru.stem(w).into_owned()
                } else {
                    self.en.stem(w).into_owned()
                }
            })
            .collect()
    }

    /// The intent of a cluster's phrases: the intent with most marker hits (stem
    /// comparison), the first in the table on a tie; none → informational.
    pub fn intent(&self, phrases: &[&str]) -> String {
        let words: Vec<BTreeSet<String>> = phrases
            .iter()
            .map(|p| {
                fold(p)
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        let cyr = w.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
                        if cyr {
                            self.ru.stem(w).into_owned()
                        } else {
                            self.en.stem(w).into_owned()
                        }
                    })
                    .collect()
            })
            .collect();
        let mut best: Option<(&str, usize)> = None;
        for m in &self.config.intents {
            let marks: Vec<BTreeSet<String>> = m
                .markers
                .iter()
                .map(|x| {
                    fold(x)
                        .split_whitespace()
                        .map(|w| {
                            let cyr = w.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
                            if cyr {
                                self.ru.stem(w).into_owned()
                            } else {
                                self.en.stem(w).into_owned()
                            }
                        })
                        .collect()
                })
                .collect();
            let hits = words
                .iter()
                .map(|w| {
                    marks
                        .iter()
                        .filter(|mk| !mk.is_empty() && mk.is_subset(w))
                        .count()
                })
                .sum::<usize>();
            if hits > 0 && best.is_none_or(|(_, h)| hits > h) {
                best = Some((m.intent.as_str(), hits));
            }
        }
        best.map_or("informational", |(i, _)| i).to_string()
    }

    fn expected_ctr(&self, position: f64) -> f64 {
        let c = &self.config.expected_ctr;
        let i = seo_domain::num::usize_of(position.round().max(1.0)) - 1;
        c.get(i).or_else(|| c.last()).copied().unwrap_or(0.0)
    }
}

#[async_trait]
impl Agent for ContentStrategy {
    fn id(&self) -> &'static str {
        "content_strategy"
    }
    fn name(&self) -> &'static str {
        "Content Strategy Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Keyword clusters (case folding, Russian/English stemming, stem overlap) and intents from the campaign's keywords, Search Console queries and the site's titles and headings; per cluster clicks, impressions, CTR, position and the CTR gap; content gaps, cannibalisation, E-E-A-T signals, and a publishing calendar from the budget."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: PLAN,
            description: "Plan content from keywords, search data and the site",
            input_schema: schema_of::<ContentInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        let i: ContentInput = parse_input(input)?;
        if let Some(u) = &i.url {
            start_url(u)?;
        }
        for (n, c) in i.competitors.iter().enumerate() {
            start_url(c).map_err(|e| AgentError::InvalidInput {
                field: format!("competitors[{n}]"),
                message: e.to_string(),
            })?;
        }
        if i.keywords.len() > 500 || i.competitors.len() > 5 {
            return Err(AgentError::InvalidInput {
                field: "keywords".into(),
                message: "at most 500 keywords and 5 competitors".into(),
            });
        }
        Ok(())
    }
    async fn run(
        &self,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        self.validate(task_type, input)?;
        let i: ContentInput = parse_input(input)?;
        let scope = ctx.scope();
        let transient = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let client_id = i.client_id.or(scope.client_id);
        let client = match client_id {
            Some(id) => ctx.data().client(id).await.map_err(transient)?,
            None => None,
        };
        let campaign = match scope.campaign_id {
            Some(id) => ctx.data().campaign(id).await.map_err(transient)?,
            None => None,
        };
        let mut f = ContentFacts {
            seeds: if i.keywords.is_empty() {
                campaign
                    .as_ref()
                    .map(|c| c.keywords.clone())
                    .unwrap_or_default()
            } else {
                i.keywords.clone()
            },
            budget: i
                .monthly_budget
                .filter(|b| b.is_finite() && *b >= 0.0)
                .or_else(|| campaign.as_ref().and_then(|c| c.budget)),
            ..Default::default()
        };
        let mut page_impressions: BTreeMap<String, f64> = BTreeMap::new();
        if let Some(id) = client_id
            && let Some(d) = ctx
                .data()
                .latest_dataset(id, None, "search_performance")
                .await
                .map_err(transient)?
        {
            for r in ctx
                .data()
                .dataset_rows(d.id, None)
                .await
                .map_err(transient)?
            {
                if r.period != "current" {
                    continue;
                }
                let num = |k: &str| r.data.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                match r.dimension.as_str() {
                    "query" => f.queries.push(QueryFigures {
                        query: r.key.clone(),
                        clicks: num("clicks"),
                        impressions: num("impressions"),
                        position: num("position"),
                    }),
                    "page" => {
                        page_impressions.insert(r.key.clone(), num("impressions"));
                    }
                    _ => {}
                }
            }
        }
        let url = i
            .url
            .clone()
            .or_else(|| campaign.as_ref().and_then(|c| c.domain.clone()))
            .or_else(|| client.as_ref().and_then(|c| c.website.clone()));
        let mut crawl_note = None;
        if let Some(start) = url.as_deref().map(start_url).transpose()? {
            match self
                .auditor
                .crawl_site(&start, Some(self.config.max_pages))
                .await
            {
                Ok(report) => {
                    f.pages = topics(&report)
                        .into_iter()
                        .map(|(u, t)| PageTopic {
                            impressions: page_impressions.get(&u).copied().unwrap_or(0.0),
                            url: u,
                            text: t,
                        })
                        .collect();
                    f.eeat = Some(self.eeat(&report));
                }
                Err(e) if i.url.is_some() => return Err(e),
                Err(e) => crawl_note = Some(format!("the client's site ({start}: {e})")),
            }
        }
        for c in &i.competitors {
            ctx.checkpoint()?;
            let report = self
                .auditor
                .crawl_site(&start_url(c)?, Some(self.config.max_pages.min(30)))
                .await?;
            f.competitor_topics
                .extend(topics(&report).into_iter().map(|(_, t)| t));
        }
        let mut out = self.plan(&f);
        out.not_measured.extend(crawl_note);
        Ok(out)
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "stemmers loaded; reads datasets and crawls on demand".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Client,
            DataKind::Campaign,
            DataKind::Datasets,
            DataKind::Website,
        ]
    }
    fn reference_case(&self) -> Option<crate::contract::ReferenceCase> {
        Some(crate::contract::ReferenceCase {
            task_type: PLAN,
            input: json!({"keywords": ["buy running shoes", "running shoes buy online", "how to clean suede", "купить кроссовки", "кроссовки купить недорого"]}),
            // By hand: {buy, run, shoe} and {buy, run, shoe, onlin} overlap 3/4; {clean, sued}
            // stands alone; {купит, кроссовк} and {кроссовк, купит, недорог} overlap 2/3:
            // three clusters — transactional, informational, transactional.
            check: |out| {
                let intents: Vec<&str> = out
                    .extra
                    .get("clusters")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().filter_map(|x| x.get("intent")?.as_str()).collect())
                    .unwrap_or_default();
                if intents == ["transactional", "informational", "transactional"] {
                    Ok(())
                } else {
                    Err(format!(
                        "expected transactional, informational, transactional; got {intents:?}"
                    ))
                }
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn q(query: &str, clicks: f64, impressions: f64, position: f64) -> QueryFigures {
        QueryFigures {
            query: query.into(),
            clicks,
            impressions,
            position,
        }
    }

    /// By hand: "buy running shoes" and "running shoes buy online" share {buy, run, shoe} of
    /// {buy, run, shoe, onlin} → 0.75 ≥ 0.5, one cluster: 20 clicks / 1,000 impressions,
    /// position (3 × 600 + 5 × 400) / 1,000 = 3.8 → expected CTR at 4 = 0.07, actual 0.02,
    /// missed 50 clicks. "how to clean suede" (position 25) is a gap beyond the top 20. Two
    /// pages with impressions cover the shoes cluster: cannibalised.
    #[test]
    fn clusters_gaps_and_cannibalisation_as_worked_by_hand() {
        let a = ContentStrategy::default();
        let f = ContentFacts {
            seeds: vec![],
            queries: vec![
                q("buy running shoes", 15.0, 600.0, 3.0),
                q("running shoes buy online", 5.0, 400.0, 5.0),
                q("how to clean suede", 1.0, 100.0, 25.0),
            ],
            pages: vec![
                PageTopic {
                    url: "/shoes".into(),
                    text: "Buy running shoes".into(),
                    impressions: 500.0,
                },
                PageTopic {
                    url: "/sale".into(),
                    text: "Running shoes: buy now".into(),
                    impressions: 80.0,
                },
                PageTopic {
                    url: "/about".into(),
                    text: "About us".into(),
                    impressions: 0.0,
                },
            ],
            competitor_topics: vec![],
            eeat: Some(vec![
                ("organization_schema".into(), Some("x".into())),
                ("author_markup".into(), None),
            ]),
            budget: Some(45_000.0),
        };
        let out = a.plan(&f);
        let cl = out.extra["clusters"].as_array().unwrap();
        assert_eq!(cl.len(), 2);
        assert_eq!(cl[0]["impressions"], 1000.0);
        assert_eq!(cl[0]["position"], 3.8);
        assert_eq!(cl[0]["expected_ctr"], 0.07);
        assert_eq!(cl[0]["missed_clicks"], 50.0);
        assert_eq!(cl[0]["intent"], "transactional");
        assert_eq!(cl[1]["intent"], "informational");
        assert_eq!(
            out.extra["content_gaps"][0]["cluster"],
            "how to clean suede"
        );
        assert_eq!(
            out.extra["cannibalisation"][0]["pages"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(out.extra["calendar"]["articles_per_month"], 4.0);
    }

    #[test]
    fn russian_words_share_stems() {
        let a = ContentStrategy::default();
        assert_eq!(a.stems("купить кроссовки"), a.stems("купить кроссовками"));
        assert_eq!(a.intent(&["купить кроссовки недорого"]), "transactional");
    }
}
