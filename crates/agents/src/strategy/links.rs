//! `link_building`: the client's link profile from its newest backlink dataset (referring
//! domains, dofollow share, anchor distribution, lost links, toxicity by a stated rule table
//! with each flagged link's reasons), the internal link graph of a crawl of its site (pages
//! with few inbound links, internal authority by a PageRank-style iteration) and an outreach
//! plan whose volume follows the budget.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use schemars::JsonSchema;
use seo_crawler::CrawlReport;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auditor::{AuditConfig, TechnicalSeoAuditor, start_url};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{DataKind, host_of};
use crate::sales::{fold, ratio, round2};
use seo_domain::num::Total;

/// Task type.
pub const PROFILE: &str = "link_profile";

/// A toxicity rule: when it matches a link, it adds `weight` with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicRule {
    /// Stable id.
    pub id: String,
    /// `tld:<a,b,…>` (the source host's last label), `anchor:<a,b,…>` (anchor substrings),
    /// `path:<a,b,…>` (source URL substrings), `ip_host`, `deep_subdomain:<n>` (more than n
    /// labels), `links_per_domain:<n>` (the source domain gives more than n links).
    pub when: String,
    /// Points it adds.
    pub weight: f64,
}

/// `[agents.link_building]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinksConfig {
    /// Toxicity rules.
    pub toxic_rules: Vec<ToxicRule>,
    /// A link whose points reach this is toxic.
    pub toxic_threshold: f64,
    /// Generic anchors (case-folded, whole anchor).
    pub generic_anchors: Vec<String>,
    /// PageRank damping factor.
    pub damping: f64,
    /// PageRank iterations.
    pub iterations: usize,
    /// A page with at most this many internal inbound links is weakly linked.
    pub weak_inlinks: usize,
    /// Most pages crawled for the internal graph.
    pub max_pages: usize,
    /// Outreach cost of one link (budget ÷ this = links per month).
    pub cost_per_link: f64,
    /// Outreach anchor mix: brand, generic, partial, exact (sum 1).
    pub anchor_mix: [f64; 4],
    /// Profile score weights: dofollow share, non-toxic share, natural-anchor share.
    pub score_weights: [f64; 3],
}

fn rule(id: &str, when: &str, weight: f64) -> ToxicRule {
    ToxicRule {
        id: id.into(),
        when: when.into(),
        weight,
    }
}

impl Default for LinksConfig {
    fn default() -> Self {
        Self {
            toxic_rules: vec![
                rule(
                    "spam_tld",
                    "tld:xyz,top,click,loan,win,gq,tk,ml,cf,ga,work,bid",
                    40.0,
                ),
                rule(
                    "spam_anchor",
                    "anchor:casino,viagra,porn,loan,payday,бесплатно скачать,казино,букмекер,кредит онлайн",
                    60.0,
                ),
                rule(
                    "link_farm_path",
                    "path:link-exchange,/links.html,/links/,linkfarm,free-links,каталог-ссылок",
                    50.0,
                ),
                rule("ip_host", "ip_host", 30.0),
                rule("deep_subdomain", "deep_subdomain:4", 20.0),
                rule("sitewide", "links_per_domain:50", 20.0),
            ],
            toxic_threshold: 50.0,
            generic_anchors: [
                "click here",
                "here",
                "website",
                "this site",
                "read more",
                "link",
                "source",
                "тут",
                "здесь",
                "сайт",
                "подробнее",
                "ссылка",
                "источник",
            ]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
            damping: 0.85,
            iterations: 30,
            weak_inlinks: 1,
            max_pages: 200,
            cost_per_link: 15_000.0,
            anchor_mix: [0.5, 0.2, 0.2, 0.1],
            score_weights: [0.3, 0.4, 0.3],
        }
    }
}

/// What to analyse.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct LinksInput {
    /// The client (default: the task's client).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Uuid>,
    /// The client's site, crawled for the internal link graph (default: the campaign's domain).
    #[serde(default)]
    pub url: Option<String>,
    /// The client's brand words (default: from its name and domain).
    #[serde(default)]
    pub brand: Vec<String>,
    /// Target keywords (default: the campaign's keywords).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Monthly outreach budget.
    #[serde(default)]
    pub monthly_budget: Option<f64>,
}

/// One backlink as the profile reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Backlink {
    /// Linking page.
    pub source_url: String,
    /// Linked page.
    #[serde(default)]
    pub target_url: String,
    /// Anchor text.
    #[serde(default)]
    pub anchor: String,
    /// nofollow.
    #[serde(default)]
    pub nofollow: bool,
    /// Reported lost.
    #[serde(default)]
    pub lost: bool,
}

/// The `link_building` agent.
#[derive(Debug, Clone, Default)]
pub struct LinkBuilding {
    config: LinksConfig,
    auditor: TechnicalSeoAuditor,
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| fold(x.trim()))
        .filter(|x| !x.is_empty())
        .collect()
}

/// The anchor class of a link.
pub fn anchor_class(
    anchor: &str,
    brand: &[String],
    keywords: &[String],
    generic: &[String],
) -> &'static str {
    let a = fold(anchor.trim());
    if a.is_empty() {
        return "empty";
    }
    if a.starts_with("http://")
        || a.starts_with("https://")
        || a.starts_with("www.")
        || (a.contains('.') && !a.contains(' '))
    {
        return "url";
    }
    if brand
        .iter()
        .any(|b| !b.is_empty() && a.contains(b.as_str()))
    {
        return "brand";
    }
    if keywords.contains(&a) {
        return "exact";
    }
    if generic.iter().any(|g| fold(g) == a) {
        return "generic";
    }
    let tokens: BTreeSet<&str> = keywords
        .iter()
        .flat_map(|k| k.split_whitespace())
        .filter(|t| t.chars().count() > 2)
        .collect();
    if a.split_whitespace().any(|w| tokens.contains(w)) {
        return "partial";
    }
    "other"
}

impl LinkBuilding {
    /// The agent with `config`, crawling with the auditor's settings.
    pub fn new(config: LinksConfig, audit: AuditConfig) -> Self {
        Self {
            config,
            auditor: TechnicalSeoAuditor::new(audit),
        }
    }

    /// The toxicity points of a link and their reasons.
    pub fn toxicity(
        &self,
        l: &Backlink,
        per_domain: &BTreeMap<String, usize>,
    ) -> (f64, Vec<String>) {
        let host = host_of(&l.source_url).unwrap_or_default();
        let anchor = fold(&l.anchor);
        let url = fold(&l.source_url);
        let mut points = 0.0;
        let mut why = Vec::new();
        for r in &self.config.toxic_rules {
            let (kind, arg) = r.when.split_once(':').unwrap_or((r.when.as_str(), ""));
            let hit = match kind {
                "tld" => host
                    .rsplit('.')
                    .next()
                    .is_some_and(|t| list(arg).iter().any(|x| x == t)),
                "anchor" => list(arg).iter().any(|x| anchor.contains(x.as_str())),
                "path" => list(arg).iter().any(|x| url.contains(x.as_str())),
                "ip_host" => host.parse::<std::net::IpAddr>().is_ok(),
                "deep_subdomain" => arg
                    .parse::<usize>()
                    .is_ok_and(|n| host.split('.').count() > n),
                "links_per_domain" => arg
                    .parse::<usize>()
                    .is_ok_and(|n| per_domain.get(&host).is_some_and(|c| *c > n)),
                _ => false,
            };
            if hit {
                points += r.weight;
                why.push(format!("{} (+{})", r.id, r.weight));
            }
        }
        (points, why)
    }

    /// The backlink profile; pure.
    pub fn profile(
        &self,
        links: &[Backlink],
        brand: &[String],
        keywords: &[String],
    ) -> (Value, Vec<Factor>, Vec<Finding>, Option<f64>) {
        let c = &self.config;
        let mut per_domain: BTreeMap<String, usize> = BTreeMap::new();
        for l in links {
            *per_domain
                .entry(host_of(&l.source_url).unwrap_or_default())
                .or_default() += 1;
        }
        let live: Vec<&Backlink> = links.iter().filter(|l| !l.lost).collect();
        let dofollow = live.iter().filter(|l| !l.nofollow).count();
        let mut anchors: BTreeMap<&str, usize> = BTreeMap::new();
        let mut toxic = Vec::new();
        let mut by_domain: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for l in &live {
            *anchors
                .entry(anchor_class(&l.anchor, brand, keywords, &c.generic_anchors))
                .or_default() += 1;
            let (pts, why) = self.toxicity(l, &per_domain);
            let host = host_of(&l.source_url).unwrap_or_default();
            let e = by_domain.entry(host.clone()).or_default();
            e.0 += 1;
            if pts >= c.toxic_threshold {
                e.1 += 1;
                toxic.push(json!({"source_url": l.source_url, "domain": host, "anchor": l.anchor, "points": pts, "reasons": why}));
            }
        }
        // A domain all of whose live links are toxic is disavowed as a whole.
        let toxic_domains: Vec<&String> = by_domain
            .iter()
            .filter(|(_, (n, t))| *n > 0 && n == t)
            .map(|(d, _)| d)
            .collect();
        let n = live.len();
        let natural = ["brand", "generic", "url", "empty"]
            .iter()
            .map(|k| anchors.get(k).copied().unwrap_or(0))
            .sum::<usize>();
        let [w_do, w_clean, w_nat] = c.score_weights;
        let parts = [
            (
                "dofollow_share",
                ratio(dofollow, n),
                w_do,
                format!("{dofollow} of {n} live links are dofollow"),
            ),
            (
                "non_toxic_share",
                1.0 - ratio(toxic.len(), n),
                w_clean,
                format!("{} of {n} live links are toxic", toxic.len()),
            ),
            (
                "natural_anchor_share",
                ratio(natural, n),
                w_nat,
                format!("{natural} of {n} anchors are brand, generic, URL or empty"),
            ),
        ];
        let score = (n > 0).then(|| {
            round2(parts.iter().map(|p| 100.0 * p.1 * p.2).total() / (w_do + w_clean + w_nat))
        });
        let factors = parts
            .iter()
            .map(|(name, v, w, why)| Factor {
                name: (*name).into(),
                value: round2(v * 100.0),
                weight: Some(*w),
                contribution: Some(round2(100.0 * v * w)),
                reason: why.clone(),
            })
            .collect();
        let findings = toxic
            .iter()
            .map(|t| Finding {
                id: "toxic_link".into(),
                severity: "high".into(),
                message: format!(
                    "{}: {}",
                    t["source_url"].as_str().unwrap_or_default(),
                    t["reasons"]
                        .as_array()
                        .map(|r| r
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default()
                ),
            })
            .collect();
        let dist: Map<String, Value> = anchors
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_string(),
                    json!({"count": v, "share": round2(ratio(*v, n))}),
                )
            })
            .collect();
        let profile = json!({
            "links": links.len(), "live_links": n, "lost_links": links.len() - n,
            "referring_domains": per_domain.len(), "dofollow_share": round2(ratio(dofollow, n)),
            "anchor_distribution": dist, "toxic_links": toxic, "toxic_domains": toxic_domains,
        });
        (profile, factors, findings, score)
    }

    /// Internal links of a crawl: inbound counts and PageRank; pure.
    pub fn internal_graph(&self, report: &CrawlReport) -> Value {
        let c = &self.config;
        let pages: Vec<&seo_crawler::Page> = report
            .pages
            .iter()
            .filter(|p| p.status == Some(200) && p.facts.is_some())
            .collect();
        let index: BTreeMap<&str, usize> = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.final_url.as_str(), i))
            .chain(pages.iter().enumerate().map(|(i, p)| (p.url.as_str(), i)))
            .collect();
        let mut out: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); pages.len()];
        let mut inbound = vec![0usize; pages.len()];
        for (i, p) in pages.iter().enumerate() {
            for l in p
                .facts
                .as_ref()
                .map(|f| f.links.as_slice())
                .unwrap_or_default()
            {
                if l.nofollow {
                    continue;
                }
                if let Some(&j) = index.get(l.url.as_str())
                    && j != i
                    && out.get_mut(i).is_some_and(|o| o.insert(j))
                    && let Some(x) = inbound.get_mut(j)
                {
                    *x += 1;
                }
            }
        }
        let n = seo_domain::num::f64_of(pages.len()).max(1.0);
        let mut rank = vec![1.0 / n; pages.len()];
        for _ in 0..c.iterations {
            let dangling: f64 = rank
                .iter()
                .zip(&out)
                .filter(|(_, o)| o.is_empty())
                .map(|(r, _)| r)
                .total();
            let mut next = vec![(1.0 - c.damping) / n + c.damping * dangling / n; pages.len()];
            for (i, o) in out.iter().enumerate() {
                let share =
                    rank.get(i).copied().unwrap_or(0.0) / seo_domain::num::f64_of(o.len()).max(1.0);
                for j in o {
                    if let Some(x) = next.get_mut(*j) {
                        *x += c.damping * share;
                    }
                }
            }
            rank = next;
        }
        let mut by_rank: Vec<(usize, f64)> = rank.iter().copied().enumerate().collect();
        by_rank.sort_by(|a, b| b.1.total_cmp(&a.1));
        let url = |i: usize| {
            pages
                .get(i)
                .map(|p| p.final_url.clone())
                .unwrap_or_default()
        };
        let weak: Vec<Value> = pages
            .iter()
            .enumerate()
            .filter(|(i, p)| p.depth > 0 && inbound.get(*i).is_some_and(|n| *n <= c.weak_inlinks))
            .map(|(i, p)| json!({"url": p.final_url, "inlinks": inbound.get(i)}))
            .collect();
        json!({
            "pages": pages.len(),
            "authority": by_rank.iter().take(20).map(|(i, r)| json!({"url": url(*i), "pagerank": (r * 10_000.0).round() / 10_000.0, "inlinks": inbound.get(*i)})).collect::<Vec<_>>(),
            "weakly_linked": weak,
            "damping": c.damping,
        })
    }
}

#[async_trait]
impl Agent for LinkBuilding {
    fn id(&self) -> &'static str {
        "link_building"
    }
    fn name(&self) -> &'static str {
        "Link Building Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "The link profile from the client's newest backlink dataset (referring domains, dofollow share, anchor distribution, lost links, toxicity by a rule table with reasons — the disavow file), the internal link graph of a crawl (weakly linked pages, PageRank-style authority) and an outreach plan from the budget."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: PROFILE,
            description: "Analyse the link profile and plan outreach",
            input_schema: schema_of::<LinksInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        let i: LinksInput = parse_input(input)?;
        if let Some(u) = &i.url {
            start_url(u)?;
        }
        if i.monthly_budget.is_some_and(|b| !b.is_finite() || b < 0.0) {
            return Err(AgentError::InvalidInput {
                field: "monthly_budget".into(),
                message: "must be a number ≥ 0".into(),
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
        let i: LinksInput = parse_input(input)?;
        let c = &self.config;
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
        let url = i
            .url
            .clone()
            .or_else(|| campaign.as_ref().and_then(|c| c.domain.clone()))
            .or_else(|| client.as_ref().and_then(|c| c.website.clone()));
        let mut brand: Vec<String> = i.brand.iter().map(|b| fold(b)).collect();
        if brand.is_empty() {
            if let Some(cl) = &client {
                brand.extend(
                    cl.company_name
                        .split_whitespace()
                        .filter(|w| w.chars().count() > 2)
                        .map(fold),
                );
            }
            if let Some(h) = url.as_deref().and_then(host_of) {
                brand.extend(h.split('.').next().map(str::to_string));
            }
        }
        let keywords: Vec<String> = if i.keywords.is_empty() {
            campaign
                .as_ref()
                .map(|c| c.keywords.iter().map(|k| fold(k)).collect())
                .unwrap_or_default()
        } else {
            i.keywords.iter().map(|k| fold(k)).collect()
        };
        let mut not_measured = Vec::new();
        let mut data_sources = Vec::new();
        let mut extra = Map::new();
        let (mut factors, mut findings, mut score) = (Vec::new(), Vec::new(), None);
        let dataset = match client_id {
            Some(id) => ctx
                .data()
                .latest_dataset(id, None, "backlinks")
                .await
                .map_err(transient)?,
            None => None,
        };
        match dataset {
            Some(d) => {
                let rows = ctx
                    .data()
                    .dataset_rows(d.id, Some("backlink"))
                    .await
                    .map_err(transient)?;
                let links: Vec<Backlink> = rows
                    .into_iter()
                    .filter_map(|r| serde_json::from_value(r.data).ok())
                    .collect();
                data_sources.push(format!(
                    "backlink dataset {} ({}, {} rows)",
                    d.id,
                    d.file_name,
                    links.len()
                ));
                let (profile, f, fi, s) = self.profile(&links, &brand, &keywords);
                extra.insert("profile".into(), profile);
                factors = f;
                findings = fi;
                score = s;
            }
            None => not_measured
                .push("the backlink profile (no backlink dataset imported for the client)".into()),
        }
        match url.as_deref().map(start_url).transpose()? {
            Some(start) => {
                ctx.report(30);
                match self.auditor.crawl_site(&start, Some(c.max_pages)).await {
                    Ok(report) => {
                        data_sources
                            .push(format!("crawl of {start} ({} pages)", report.pages.len()));
                        extra.insert("internal_links".into(), self.internal_graph(&report));
                    }
                    // A site named in the input must be crawlable; one taken from the
                    // client or campaign only leaves the graph unmeasured.
                    Err(e) if i.url.is_some() => return Err(e),
                    Err(e) => not_measured.push(format!("the internal link graph ({start}: {e})")),
                }
            }
            None => not_measured.push("the internal link graph (no site: give url)".into()),
        }
        let plan = match i.monthly_budget {
            Some(b) => {
                let links = (b / c.cost_per_link.max(1.0)).floor();
                let [brand_s, generic_s, partial_s, exact_s] = c.anchor_mix;
                json!({"monthly_budget": b, "cost_per_link": c.cost_per_link, "links_per_month": links,
                       "anchors": {"brand": (links * brand_s).round(), "generic": (links * generic_s).round(), "partial": (links * partial_s).round(), "exact": (links * exact_s).round()}})
            }
            None => {
                not_measured.push("the outreach plan (no monthly_budget)".into());
                Value::Null
            }
        };
        extra.insert("outreach_plan".into(), plan);
        let toxic = extra
            .get("profile")
            .and_then(|p| p.get("toxic_links"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        Ok(AgentOutput {
            summary: format!(
                "Link profile score {}; {toxic} toxic link(s).",
                score.map_or("not measured".into(), |s: f64| s.to_string())
            ),
            score,
            factors,
            findings,
            recommendations: if toxic > 0 {
                vec!["Review the toxic links and download the disavow file (GET /api/clients/{id}/disavow.txt)".into()]
            } else {
                Vec::new()
            },
            data_sources,
            not_measured,
            extra,
        })
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "reads backlink datasets; crawls the client's site on demand".into(),
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn link(src: &str, anchor: &str, nofollow: bool) -> Backlink {
        Backlink {
            source_url: src.into(),
            target_url: "https://acme.example/".into(),
            anchor: anchor.into(),
            nofollow,
            lost: false,
        }
    }

    /// Five links by hand: a spam TLD with a casino anchor (40 + 60 = 100, toxic), a link
    /// farm path (50, toxic), an IP host (30, clean), a brand and a generic anchor. Toxic
    /// domains: spam.xyz and farm.example (every live link of each is toxic).
    #[test]
    fn toxicity_anchors_and_score_as_worked_by_hand() {
        let a = LinkBuilding::default();
        let links = vec![
            link("https://spam.xyz/p", "best casino bonus", false),
            link("https://farm.example/link-exchange/1", "acme", false),
            link("http://10.0.0.1/page", "here", true),
            link("https://blog.example/post", "Acme Tools review", false),
            link("https://news.example/a", "read more", false),
        ];
        let (p, _, findings, score) = a.profile(&links, &["acme".into()], &["power tools".into()]);
        assert_eq!(p["toxic_domains"], json!(["farm.example", "spam.xyz"]));
        assert_eq!(p["toxic_links"][0]["points"], 100.0);
        assert_eq!(findings.len(), 2);
        assert_eq!(p["anchor_distribution"]["brand"]["count"], 2);
        assert_eq!(p["anchor_distribution"]["generic"]["count"], 2);
        assert_eq!(p["referring_domains"], 5);
        // dofollow 4/5 × 0.3 + clean 3/5 × 0.4 + natural 4/5 × 0.3 = 0.72.
        assert_eq!(score, Some(72.0));
    }
}
