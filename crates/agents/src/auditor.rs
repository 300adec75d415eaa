//! `technical_seo_auditor`: crawls the site and runs the check catalogue. Each finding has
//! its check id, severity, pages affected (count and sample URLs), why it matters and how to
//! fix it. Category scores are combined with weights that sum to 1; Core Web Vitals count
//! only when the user supplies them, otherwise they are listed under `not_measured` and the
//! other weights are renormalised.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use schemars::JsonSchema;
use seo_crawler::{CrawlConfig, CrawlReport, Page, crawl};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};

/// The task type.
pub const AUDIT: &str = "technical_seo_audit";

/// Thresholds, weights and switches of the audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditConfig {
    /// Title length bounds (characters).
    pub title_len: [usize; 2],
    /// Meta description length bounds (characters).
    pub description_len: [usize; 2],
    /// Fewer words than this is thin content.
    pub thin_words: usize,
    /// Slower time to first byte than this (ms) is flagged.
    pub slow_ttfb_ms: f64,
    /// Heavier HTML than this (bytes) is flagged.
    pub heavy_page_bytes: usize,
    /// More links than this on one page is flagged.
    pub max_links: usize,
    /// Category weights (sum 1 including `core_web_vitals`).
    pub weights: Vec<(String, f64)>,
    /// Penalty per severity, applied × share of pages affected.
    pub severity_penalty: Vec<(String, f64)>,
    /// Check ids switched off.
    pub disabled_checks: Vec<String>,
    /// Default crawl limits (the task may lower them).
    pub crawl: CrawlConfig,
}

impl Default for AuditConfig {
    fn default() -> Self {
        let w = |n: &str, v: f64| (n.to_string(), v);
        Self {
            title_len: [10, 70],
            description_len: [50, 160],
            thin_words: 200,
            slow_ttfb_ms: 800.0,
            heavy_page_bytes: 2 * 1024 * 1024,
            max_links: 300,
            weights: vec![
                w("crawlability", 0.20),
                w("metadata", 0.15),
                w("content", 0.15),
                w("links", 0.10),
                w("media", 0.05),
                w("performance", 0.10),
                w("security", 0.10),
                w("structured_data", 0.05),
                w("core_web_vitals", 0.10),
            ],
            severity_penalty: vec![
                w("critical", 0.6),
                w("high", 0.4),
                w("medium", 0.2),
                w("low", 0.08),
                w("info", 0.0),
            ],
            disabled_checks: Vec::new(),
            crawl: CrawlConfig::default(),
        }
    }
}

/// Field measurements the user supplies (the crawler cannot measure them).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CoreWebVitals {
    /// Largest Contentful Paint, ms.
    pub lcp_ms: Option<f64>,
    /// Interaction to Next Paint, ms.
    pub inp_ms: Option<f64>,
    /// Cumulative Layout Shift.
    pub cls: Option<f64>,
}

/// What to audit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AuditInput {
    /// The site: an absolute http(s) URL or a bare domain (https is assumed).
    pub url: String,
    /// Most pages to crawl (1–1000).
    #[serde(default)]
    pub max_pages: Option<usize>,
    /// Deepest link distance (0–20).
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// Field Core Web Vitals, when known.
    #[serde(default)]
    pub core_web_vitals: Option<CoreWebVitals>,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
struct Hit {
    check: &'static str,
    category: &'static str,
    severity: &'static str,
    pages: Vec<String>,
    site_wide: bool,
    why: &'static str,
    fix: &'static str,
}

/// The `technical_seo_auditor` agent.
#[derive(Debug, Clone, Default)]
pub struct TechnicalSeoAuditor {
    config: AuditConfig,
}

fn start_url(raw: &str) -> Result<String, AgentError> {
    let t = raw.trim();
    let candidate = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}/")
    };
    let u = url::Url::parse(&candidate).map_err(|e| AgentError::InvalidInput {
        field: "url".into(),
        message: e.to_string(),
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(AgentError::InvalidInput {
            field: "url".into(),
            message: "must be an http(s) URL or a domain".into(),
        });
    }
    Ok(u.to_string())
}

fn check(input: &Value) -> Result<(AuditInput, String), AgentError> {
    let i: AuditInput = parse_input(input)?;
    let url = start_url(&i.url)?;
    if i.max_pages.is_some_and(|p| !(1..=1000).contains(&p)) {
        return Err(AgentError::InvalidInput {
            field: "max_pages".into(),
            message: "must be between 1 and 1000".into(),
        });
    }
    if i.max_depth.is_some_and(|d| d > 20) {
        return Err(AgentError::InvalidInput {
            field: "max_depth".into(),
            message: "must be at most 20".into(),
        });
    }
    Ok((i, url))
}

/// Scores one Core Web Vital: 100 good, 60 needs improvement, 20 poor.
fn cwv_points(v: f64, good: f64, poor: f64) -> f64 {
    if v <= good {
        100.0
    } else if v <= poor {
        60.0
    } else {
        20.0
    }
}

/// The hit of a per-page check, when any page fails it.
fn page_hit(
    check: &'static str,
    category: &'static str,
    severity: &'static str,
    why: &'static str,
    fix: &'static str,
    pred: &dyn Fn(&Page) -> bool,
    from: &[&Page],
) -> Option<Hit> {
    let affected: Vec<String> = from
        .iter()
        .filter(|p| pred(p))
        .map(|p| p.url.clone())
        .collect();
    (!affected.is_empty()).then_some(Hit {
        check,
        category,
        severity,
        pages: affected,
        site_wide: false,
        why,
        fix,
    })
}

/// The hit of a duplicate check: pages sharing a non-empty key.
fn dup_hit(
    pages: &[&Page],
    check: &'static str,
    why: &'static str,
    fix: &'static str,
    key: &dyn Fn(&Page) -> Option<String>,
) -> Option<Hit> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for p in pages {
        if let Some(k) = key(p).filter(|k| !k.is_empty()) {
            groups.entry(k).or_default().push(p.url.clone());
        }
    }
    let mut affected: Vec<String> = groups
        .into_values()
        .filter(|v| v.len() > 1)
        .flatten()
        .collect();
    affected.sort();
    let category = if check == "duplicate_content" {
        "content"
    } else {
        "metadata"
    };
    (!affected.is_empty()).then_some(Hit {
        check,
        category,
        severity: "medium",
        pages: affected,
        site_wide: false,
        why,
        fix,
    })
}

impl TechnicalSeoAuditor {
    /// The agent with `config`.
    pub fn new(config: AuditConfig) -> Self {
        Self { config }
    }

    fn findings(&self, r: &CrawlReport) -> Vec<Hit> {
        let c = &self.config;
        let mut hits: Vec<Hit> = Vec::new();
        let pages: Vec<&Page> = r.pages.iter().collect();
        let ok_html: Vec<&Page> = pages
            .iter()
            .copied()
            .filter(|p| p.status == Some(200) && p.facts.is_some())
            .collect();
        // Crawlability.
        hits.extend(page_hit(
            "http_5xx",
            "crawlability",
            "critical",
            "server errors keep pages out of the index and waste crawl budget",
            "fix the server error or remove links to the URL",
            &|p| p.status.is_some_and(|s| s >= 500),
            &pages,
        ));
        hits.extend(page_hit(
            "http_4xx",
            "crawlability",
            "high",
            "linked pages that do not exist frustrate users and leak link equity",
            "restore the page, redirect it (301) or remove the links",
            &|p| p.status.is_some_and(|s| (400..500).contains(&s)),
            &pages,
        ));
        hits.extend(page_hit(
            "redirect_loop",
            "crawlability",
            "high",
            "a redirect loop never reaches content; crawlers give up",
            "make the redirect end at a 200 page",
            &|p| {
                p.error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("redirect loop") || e.starts_with("more than"))
            },
            &pages,
        ));
        hits.extend(page_hit(
            "fetch_error",
            "crawlability",
            "high",
            "pages that time out or refuse connections cannot be indexed",
            "check server capacity, timeouts and firewall rules",
            &|p| {
                p.status.is_none()
                    && !p.error.as_deref().is_some_and(|e| {
                        e.starts_with("redirect loop") || e.starts_with("more than")
                    })
            },
            &pages,
        ));
        hits.extend(page_hit(
            "redirect_chain",
            "crawlability",
            "medium",
            "chains of redirects slow crawling and dilute signals",
            "link and redirect straight to the final URL",
            &|p| p.redirects.len() > 1,
            &pages,
        ));
        hits.extend(page_hit(
            "noindex",
            "crawlability",
            "medium",
            "noindex pages are dropped from search results",
            "remove noindex from pages that should rank",
            &|p| {
                p.facts.as_ref().is_some_and(|f| {
                    f.meta_robots
                        .as_deref()
                        .is_some_and(|m| m.contains("noindex"))
                }) || p
                    .header("x-robots-tag")
                    .is_some_and(|h| h.to_lowercase().contains("noindex"))
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "truncated_page",
            "crawlability",
            "medium",
            "very large HTML documents may be cut off by crawlers",
            "reduce the HTML size",
            &|p| p.truncated,
            &pages,
        ));
        // Metadata.
        hits.extend(page_hit(
            "title_missing",
            "metadata",
            "high",
            "the title is the headline of the search result",
            "add a unique, descriptive <title>",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.titles.iter().all(|t| t.trim().is_empty()))
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "title_multiple",
            "metadata",
            "low",
            "several titles leave the choice to the search engine",
            "keep one <title>",
            &|p| p.facts.as_ref().is_some_and(|f| f.titles.len() > 1),
            &ok_html,
        ));
        let [tmin, tmax] = c.title_len;
        hits.extend(page_hit(
            "title_length",
            "metadata",
            "low",
            "titles that are too short say little; too long ones are cut off",
            "write titles of sensible length",
            &|p| {
                p.facts
                    .as_ref()
                    .and_then(|f| f.titles.first())
                    .is_some_and(|t| {
                        let n = t.chars().count();
                        n > 0 && (n < tmin || n > tmax)
                    })
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "description_missing",
            "metadata",
            "medium",
            "without a description the engine invents the snippet",
            "add a meta description summarising the page",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.descriptions.iter().all(|d| d.is_empty()))
            },
            &ok_html,
        ));
        let [dmin, dmax] = c.description_len;
        hits.extend(page_hit(
            "description_length",
            "metadata",
            "low",
            "descriptions that are too short or long make poor snippets",
            "write descriptions of sensible length",
            &|p| {
                p.facts
                    .as_ref()
                    .and_then(|f| f.descriptions.first())
                    .is_some_and(|d| {
                        let n = d.chars().count();
                        n > 0 && (n < dmin || n > dmax)
                    })
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "canonical_missing",
            "metadata",
            "low",
            "without a canonical, duplicate URLs compete with each other",
            "add <link rel=canonical> to every page",
            &|p| p.facts.as_ref().is_some_and(|f| f.canonicals.is_empty()),
            &ok_html,
        ));
        hits.extend(page_hit(
            "canonical_multiple",
            "metadata",
            "medium",
            "several canonicals are ignored",
            "keep exactly one canonical",
            &|p| p.facts.as_ref().is_some_and(|f| f.canonicals.len() > 1),
            &ok_html,
        ));
        hits.extend(page_hit(
            "viewport_missing",
            "metadata",
            "medium",
            "without a viewport the page is not mobile-friendly",
            "add <meta name=viewport content=\"width=device-width, initial-scale=1\">",
            &|p| p.facts.as_ref().is_some_and(|f| !f.has_viewport),
            &ok_html,
        ));
        hits.extend(page_hit(
            "lang_missing",
            "metadata",
            "low",
            "the page language helps engines and screen readers",
            "set <html lang>",
            &|p| p.facts.as_ref().is_some_and(|f| f.lang.is_none()),
            &ok_html,
        ));
        // Duplicate titles/descriptions across pages.
        hits.extend(dup_hit(
            &ok_html,
            "title_duplicate",
            "pages with the same title compete for the same searches",
            "give every page its own title",
            &|p| p.facts.as_ref().and_then(|f| f.titles.first().cloned()),
        ));
        hits.extend(dup_hit(
            &ok_html,
            "description_duplicate",
            "identical descriptions make results look alike",
            "write a description per page",
            &|p| {
                p.facts
                    .as_ref()
                    .and_then(|f| f.descriptions.first().cloned())
            },
        ));
        hits.extend(dup_hit(
            &ok_html,
            "duplicate_content",
            "identical pages split ranking signals",
            "merge the pages or canonicalise one to the other",
            &|p| {
                p.facts
                    .as_ref()
                    .filter(|f| f.word_count > 0)
                    .map(|f| f.text_hash.to_string())
            },
        ));
        // Content.
        hits.extend(page_hit(
            "h1_missing",
            "content",
            "medium",
            "the H1 tells users and engines what the page is about",
            "add one H1 per page",
            &|p| p.facts.as_ref().is_some_and(|f| f.h1.is_empty()),
            &ok_html,
        ));
        hits.extend(page_hit(
            "h1_multiple",
            "content",
            "low",
            "several H1s blur the page's topic",
            "keep one H1 and use H2–H6 below it",
            &|p| p.facts.as_ref().is_some_and(|f| f.h1.len() > 1),
            &ok_html,
        ));
        hits.extend(page_hit(
            "heading_order",
            "content",
            "low",
            "skipped heading levels break the outline",
            "do not skip levels (H2 before H3)",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.headings.windows(2).any(|w| w[1] > w[0] + 1))
            },
            &ok_html,
        ));
        let thin = c.thin_words;
        hits.extend(page_hit(
            "thin_content",
            "content",
            "medium",
            "pages with little text rarely rank",
            "expand the page or merge it into a stronger one",
            &|p| p.facts.as_ref().is_some_and(|f| f.word_count < thin),
            &ok_html,
        ));
        // Links.
        let status_of: HashMap<&str, &Page> = pages.iter().map(|p| (p.url.as_str(), *p)).collect();
        let broken = |u: &str| {
            status_of
                .get(u)
                .is_some_and(|t| t.status.is_none_or(|s| s >= 400))
        };
        hits.extend(page_hit(
            "broken_internal_link",
            "links",
            "high",
            "links to missing pages lose visitors and link equity",
            "fix or remove the links",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.links.iter().any(|l| broken(&l.url)))
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "link_to_redirect",
            "links",
            "low",
            "linking through redirects wastes crawl budget",
            "link to the final URL",
            &|p| {
                p.facts.as_ref().is_some_and(|f| {
                    f.links.iter().any(|l| {
                        status_of
                            .get(l.url.as_str())
                            .is_some_and(|t| !t.redirects.is_empty())
                    })
                })
            },
            &ok_html,
        ));
        let max_links = c.max_links;
        hits.extend(page_hit(
            "too_many_links",
            "links",
            "low",
            "very many links dilute each one",
            "trim navigation and footer links",
            &|p| p.facts.as_ref().is_some_and(|f| f.links.len() > max_links),
            &ok_html,
        ));
        // Media.
        hits.extend(page_hit(
            "image_alt_missing",
            "media",
            "medium",
            "images without alt text are invisible to search and screen readers",
            "describe each image in its alt attribute",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.images.iter().any(|i| i.alt.is_none()))
            },
            &ok_html,
        ));
        hits.extend(page_hit(
            "image_dimensions_missing",
            "media",
            "low",
            "images without dimensions shift the layout while loading",
            "set width and height on images",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.images.iter().any(|i| !i.has_dimensions))
            },
            &ok_html,
        ));
        // Performance.
        let (slow, heavy) = (c.slow_ttfb_ms, c.heavy_page_bytes);
        hits.extend(page_hit(
            "slow_ttfb",
            "performance",
            "medium",
            "a slow first byte delays everything else",
            "cache pages or speed up the backend",
            &|p| p.status.is_some() && p.ttfb_ms > slow,
            &pages,
        ));
        hits.extend(page_hit(
            "heavy_page",
            "performance",
            "medium",
            "heavy HTML is slow on mobile networks",
            "reduce inline data and markup",
            &|p| p.bytes > heavy,
            &ok_html,
        ));
        hits.extend(page_hit(
            "no_compression",
            "performance",
            "low",
            "uncompressed HTML is several times larger on the wire",
            "enable gzip or brotli",
            &|p| p.bytes > 10 * 1024 && p.header("content-encoding").is_none(),
            &ok_html,
        ));
        // Security.
        let https = r.start_url.starts_with("https://");
        if !https {
            hits.push(Hit {
                check: "no_https",
                category: "security",
                severity: "high",
                pages: Vec::new(),
                site_wide: true,
                why: "browsers mark http sites insecure and engines prefer https",
                fix: "serve the site over https and redirect http to it",
            });
        } else {
            hits.extend(page_hit(
                "hsts_missing",
                "security",
                "medium",
                "without HSTS the first visit can be downgraded to http",
                "send Strict-Transport-Security",
                &|p| p.header("strict-transport-security").is_none(),
                &ok_html,
            ));
        }
        hits.extend(page_hit(
            "csp_missing",
            "security",
            "low",
            "a Content-Security-Policy limits the damage of injected scripts",
            "send a Content-Security-Policy header",
            &|p| p.header("content-security-policy").is_none(),
            &ok_html,
        ));
        hits.extend(page_hit(
            "nosniff_missing",
            "security",
            "low",
            "without nosniff browsers may misread file types",
            "send X-Content-Type-Options: nosniff",
            &|p| p.header("x-content-type-options").is_none(),
            &ok_html,
        ));
        hits.extend(page_hit(
            "insecure_form",
            "security",
            "high",
            "forms posting over http expose what users type",
            "post forms to https URLs",
            &|p| p.facts.as_ref().is_some_and(|f| f.insecure_forms > 0),
            &ok_html,
        ));
        hits.extend(page_hit(
            "mixed_content",
            "security",
            "medium",
            "http resources on https pages are blocked or warned about",
            "load every resource over https",
            &|p| p.facts.as_ref().is_some_and(|f| f.http_resources > 0),
            &ok_html,
        ));
        // Structured data.
        hits.extend(page_hit(
            "json_ld_invalid",
            "structured_data",
            "medium",
            "invalid JSON-LD is ignored by search engines",
            "fix the JSON syntax",
            &|p| {
                p.facts
                    .as_ref()
                    .is_some_and(|f| f.json_ld.iter().any(Result::is_err))
            },
            &ok_html,
        ));
        if !ok_html.is_empty()
            && ok_html
                .iter()
                .all(|p| p.facts.as_ref().is_some_and(|f| f.json_ld.is_empty()))
        {
            hits.push(Hit {
                check: "structured_data_missing",
                category: "structured_data",
                severity: "low",
                pages: Vec::new(),
                site_wide: true,
                why: "structured data makes pages eligible for rich results",
                fix: "add schema.org JSON-LD (Organization, WebSite, and page types)",
            });
        }
        // Site files.
        if !r.robots_txt.found() {
            hits.push(Hit {
                check: "robots_txt_missing",
                category: "crawlability",
                severity: "low",
                pages: Vec::new(),
                site_wide: true,
                why: "robots.txt tells crawlers what to skip and where the sitemap is",
                fix: "publish /robots.txt",
            });
        } else if r.robots_invalid_lines > 0 {
            hits.push(Hit {
                check: "robots_txt_invalid",
                category: "crawlability",
                severity: "medium",
                pages: Vec::new(),
                site_wide: true,
                why: "lines crawlers cannot parse may not do what you meant",
                fix: "fix the robots.txt syntax",
            });
        }
        if !r.sitemaps.iter().any(seo_crawler::SiteFile::found) {
            hits.push(Hit {
                check: "sitemap_missing",
                category: "crawlability",
                severity: "medium",
                pages: Vec::new(),
                site_wide: true,
                why: "a sitemap helps engines find every page",
                fix: "publish /sitemap.xml and list it in robots.txt",
            });
        }
        if !r.llms_txt.found() {
            hits.push(Hit {
                check: "llms_txt_missing",
                category: "crawlability",
                severity: "info",
                pages: Vec::new(),
                site_wide: true,
                why: "llms.txt guides AI assistants to your key content",
                fix: "publish /llms.txt",
            });
        }
        hits.retain(|h| !c.disabled_checks.iter().any(|d| d == h.check));
        hits
    }

    /// Audits an already crawled site (the part without I/O).
    pub fn audit(&self, report: &CrawlReport, cwv: Option<&CoreWebVitals>) -> AgentOutput {
        let c = &self.config;
        let hits = self.findings(report);
        let total_pages = report.pages.len().max(1) as f64;
        let penalty = |sev: &str| {
            c.severity_penalty
                .iter()
                .find(|(s, _)| s == sev)
                .map_or(0.0, |(_, p)| *p)
        };
        let mut category_scores: BTreeMap<String, (f64, Vec<String>)> = BTreeMap::new();
        for (name, _) in &c.weights {
            if name != "core_web_vitals" {
                category_scores.insert(name.clone(), (100.0, Vec::new()));
            }
        }
        for h in &hits {
            let share = if h.site_wide {
                1.0
            } else {
                h.pages.len() as f64 / total_pages
            };
            let p = 100.0 * penalty(h.severity) * share.min(1.0);
            if let Some((score, why)) = category_scores.get_mut(h.category) {
                *score -= p;
                if p > 0.0 {
                    why.push(format!("{} −{p:.1}", h.check));
                }
            }
        }
        let mut not_measured = Vec::new();
        match cwv {
            Some(v) => {
                let mut parts = Vec::new();
                if let Some(l) = v.lcp_ms {
                    parts.push(("lcp", cwv_points(l, 2500.0, 4000.0)));
                }
                if let Some(i) = v.inp_ms {
                    parts.push(("inp", cwv_points(i, 200.0, 500.0)));
                }
                if let Some(cl) = v.cls {
                    parts.push(("cls", cwv_points(cl, 0.1, 0.25)));
                }
                if parts.is_empty() {
                    not_measured
                        .push("core_web_vitals (none of lcp_ms, inp_ms, cls given)".to_string());
                } else {
                    let mean = parts.iter().map(|(_, p)| p).sum::<f64>() / parts.len() as f64;
                    let why = parts.iter().map(|(n, p)| format!("{n} {p}")).collect();
                    category_scores.insert("core_web_vitals".into(), (mean, why));
                }
            }
            None => not_measured.push(
                "core_web_vitals (supply lcp_ms, inp_ms and cls to include them)".to_string(),
            ),
        }
        let measured: f64 = c
            .weights
            .iter()
            .filter(|(n, _)| category_scores.contains_key(n))
            .map(|(_, w)| w)
            .sum();
        let mut factors = Vec::new();
        let mut score = 0.0;
        for (name, w) in &c.weights {
            if let Some((s, why)) = category_scores.get(name) {
                let s = s.clamp(0.0, 100.0);
                let eff = w / measured;
                score += s * eff;
                factors.push(Factor {
                    name: name.clone(),
                    value: (s * 10.0).round() / 10.0,
                    weight: Some((eff * 10_000.0).round() / 10_000.0),
                    contribution: Some((s * eff * 100.0).round() / 100.0),
                    reason: if why.is_empty() {
                        "no issue found".into()
                    } else {
                        why.join("; ")
                    },
                });
            }
        }
        let score = (score * 10.0).round() / 10.0;
        let sev_rank = |s: &str| {
            ["critical", "high", "medium", "low", "info"]
                .iter()
                .position(|x| *x == s)
                .unwrap_or(5)
        };
        let mut sorted = hits.clone();
        sorted.sort_by_key(|h| (sev_rank(h.severity), std::cmp::Reverse(h.pages.len())));
        let findings: Vec<Finding> = sorted
            .iter()
            .map(|h| Finding {
                id: h.check.into(),
                severity: h.severity.into(),
                message: if h.site_wide {
                    format!("{}: site-wide", h.check)
                } else {
                    format!("{}: {} page(s)", h.check, h.pages.len())
                },
            })
            .collect();
        let details: Vec<Value> = sorted
            .iter()
            .map(|h| {
                json!({
                    "check": h.check, "category": h.category, "severity": h.severity,
                    "pages_affected": if h.site_wide { report.pages.len() } else { h.pages.len() },
                    "site_wide": h.site_wide,
                    "sample_urls": h.pages.iter().take(5).collect::<Vec<_>>(),
                    "why": h.why, "fix": h.fix,
                })
            })
            .collect();
        let recommendations: Vec<String> = sorted
            .iter()
            .filter(|h| h.severity != "info")
            .take(10)
            .map(|h| format!("{} ({})", h.fix, h.check))
            .collect();
        let grade = match score {
            s if s >= 90.0 => "excellent",
            s if s >= 75.0 => "good",
            s if s >= 60.0 => "needs_work",
            _ => "poor",
        };
        let ok = report
            .pages
            .iter()
            .filter(|p| p.status == Some(200))
            .count();
        let mut extra = Map::new();
        extra.insert("audit_score".into(), json!(score));
        extra.insert("grade".into(), json!(grade));
        extra.insert("issues".into(), json!(details));
        extra.insert(
            "crawl".into(),
            json!({
                "start_url": report.start_url, "pages_crawled": report.pages.len(), "pages_ok": ok,
                "not_crawled": report.not_crawled, "blocked_by_robots": report.blocked_by_robots.len(),
                "robots_txt": report.robots_txt.status, "sitemap_urls": report.sitemap_urls.len(),
                "llms_txt": report.llms_txt.status, "elapsed_ms": report.elapsed_ms.round(),
            }),
        );
        let issues: HashSet<&str> = hits.iter().map(|h| h.check).collect();
        AgentOutput {
            summary: format!(
                "{}: technical score {score}/100 ({grade}) over {} crawled page(s); {} issue type(s) found.",
                report.host,
                report.pages.len(),
                issues.len()
            ),
            score: Some(score),
            factors,
            findings,
            recommendations,
            data_sources: vec![format!(
                "crawl of {} ({} pages)",
                report.start_url,
                report.pages.len()
            )],
            not_measured,
            extra,
        }
    }
}

#[async_trait]
impl Agent for TechnicalSeoAuditor {
    fn id(&self) -> &'static str {
        "technical_seo_auditor"
    }
    fn name(&self) -> &'static str {
        "Technical SEO Auditor Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Crawls a site (robots.txt, sitemap, page cap, politeness) and runs the technical check catalogue: status, redirects, titles, descriptions, canonicals, headings, thin and duplicate content, images, links, security headers, structured data, TTFB, page weight, llms.txt."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: AUDIT,
            description: "Crawl and audit a site",
            input_schema: schema_of::<AuditInput>(),
        }]
    }
    fn validate(&self, _: &str, input: &Value) -> Result<(), AgentError> {
        let (_, url) = check(input)?;
        if !self.config.crawl.allow_private
            && let Ok(u) = url::Url::parse(&url)
        {
            seo_crawler::check_url_host(&u).map_err(|m| AgentError::InvalidInput {
                field: "url".into(),
                message: m,
            })?;
        }
        Ok(())
    }
    async fn run(
        &self,
        _: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let (i, url) = check(input)?;
        let mut cfg = self.config.crawl.clone();
        // A task may ask for less than the operator allows, never more.
        if let Some(p) = i.max_pages {
            cfg.max_pages = cfg.max_pages.min(p);
        }
        if let Some(d) = i.max_depth {
            cfg.max_depth = cfg.max_depth.min(d);
        }
        ctx.report(5);
        let report = crawl(&url, &cfg).await.map_err(|e| match e {
            seo_crawler::CrawlError::InvalidUrl(m) | seo_crawler::CrawlError::Refused(m) => {
                AgentError::InvalidInput {
                    field: "url".into(),
                    message: m,
                }
            }
            seo_crawler::CrawlError::Setup(m) => AgentError::Failed(m),
        })?;
        ctx.checkpoint()?;
        ctx.report(90);
        let out = self.audit(&report, i.core_web_vitals.as_ref());
        ctx.report(100);
        Ok(out)
    }
    fn reads(&self) -> Vec<crate::data::DataKind> {
        vec![
            crate::data::DataKind::TaskInput,
            crate::data::DataKind::Website,
        ]
    }
    async fn health(&self) -> AgentHealth {
        // The crawler needs name resolution; probe the resolver.
        match tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::lookup_host("localhost:80"),
        )
        .await
        {
            Ok(Ok(_)) => AgentHealth {
                status: "healthy",
                detail: "name resolution works; sites are fetched on demand".into(),
            },
            Ok(Err(e)) => AgentHealth {
                status: "unhealthy",
                detail: format!("name resolution fails: {e}"),
            },
            Err(_) => AgentHealth {
                status: "unhealthy",
                detail: "name resolution timed out".into(),
            },
        }
    }
}
