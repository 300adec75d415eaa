//! The check catalogue as a table: one row per check (id, category, severity, scope, rule,
//! why, fix), run by one loop ([`run`]). A rule is a per-page predicate over all fetched
//! pages or over the pages that are 200 HTML, a duplicate key across pages, or a site-wide
//! condition; thresholds come from [`AuditConfig`].

use std::collections::HashMap;

use seo_crawler::{CrawlReport, Page, SiteFile};
use serde::Serialize;

use super::config::AuditConfig;

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Each page on its own (or pages sharing a value).
    Page,
    /// The site as a whole.
    Site,
}

/// Which pages a per-page rule runs on.
#[derive(Debug, Clone, Copy)]
enum Pages {
    /// Every fetched URL, whatever its status.
    All,
    /// Pages answered 200 with HTML.
    OkHtml,
}

/// How a check decides.
enum Rule {
    /// Pages for which the predicate holds.
    Page(Pages, fn(&Page, &Ctx<'_>) -> bool),
    /// 200 HTML pages sharing a non-empty key.
    Duplicate(fn(&Page) -> Option<String>),
    /// A condition of the whole site.
    Site(fn(&Ctx<'_>) -> bool),
}

/// One row of the catalogue.
struct Check {
    id: &'static str,
    category: &'static str,
    severity: &'static str,
    rule: Rule,
    why: &'static str,
    fix: &'static str,
}

/// A check as listed (without its rule).
#[derive(Debug, Clone, Serialize)]
pub struct CheckInfo {
    /// Stable id.
    pub id: &'static str,
    /// Score category.
    pub category: &'static str,
    /// Severity.
    pub severity: &'static str,
    /// Page or site.
    pub scope: Scope,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// One check that failed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Hit {
    pub check: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub pages: Vec<String>,
    pub site_wide: bool,
    pub why: &'static str,
    pub fix: &'static str,
}

/// What the rules read: the crawl, the configuration and indexes built once.
pub(crate) struct Ctx<'a> {
    report: &'a CrawlReport,
    cfg: &'a AuditConfig,
    by_url: HashMap<&'a str, &'a Page>,
    ok_html: Vec<&'a Page>,
}

impl<'a> Ctx<'a> {
    fn new(report: &'a CrawlReport, cfg: &'a AuditConfig) -> Self {
        Self {
            report,
            cfg,
            by_url: report.pages.iter().map(|p| (p.url.as_str(), p)).collect(),
            ok_html: report
                .pages
                .iter()
                .filter(|p| p.status == Some(200) && p.facts.is_some())
                .collect(),
        }
    }

    fn https(&self) -> bool {
        self.report.start_url.starts_with("https://")
    }

    /// A crawled URL that failed (no answer or 4xx/5xx).
    fn broken(&self, url: &str) -> bool {
        self.by_url
            .get(url)
            .is_some_and(|t| t.status.is_none_or(|s| s >= 400))
    }

    /// A crawled URL that redirects.
    fn redirects(&self, url: &str) -> bool {
        self.by_url
            .get(url)
            .is_some_and(|t| !t.redirects.is_empty())
    }
}

fn facts(p: &Page) -> Option<&seo_crawler::html::PageFacts> {
    p.facts.as_ref()
}

fn loop_error(p: &Page) -> bool {
    p.error
        .as_deref()
        .is_some_and(|e| e.starts_with("redirect loop") || e.starts_with("more than"))
}

fn out_of(n: usize, [min, max]: [usize; 2]) -> bool {
    n > 0 && (n < min || n > max)
}

/// The catalogue, in report order.
const CHECKS: &[Check] = &[
    // Crawlability.
    Check {
        id: "http_5xx",
        category: "crawlability",
        severity: "critical",
        rule: Rule::Page(Pages::All, |p, _| p.status.is_some_and(|s| s >= 500)),
        why: "server errors keep pages out of the index and waste crawl budget",
        fix: "fix the server error or remove links to the URL",
    },
    Check {
        id: "http_4xx",
        category: "crawlability",
        severity: "high",
        rule: Rule::Page(Pages::All, |p, _| {
            p.status.is_some_and(|s| (400..500).contains(&s))
        }),
        why: "linked pages that do not exist frustrate users and leak link equity",
        fix: "restore the page, redirect it (301) or remove the links",
    },
    Check {
        id: "redirect_loop",
        category: "crawlability",
        severity: "high",
        rule: Rule::Page(Pages::All, |p, _| loop_error(p)),
        why: "a redirect loop never reaches content; crawlers give up",
        fix: "make the redirect end at a 200 page",
    },
    Check {
        id: "fetch_error",
        category: "crawlability",
        severity: "high",
        rule: Rule::Page(Pages::All, |p, _| p.status.is_none() && !loop_error(p)),
        why: "pages that time out or refuse connections cannot be indexed",
        fix: "check server capacity, timeouts and firewall rules",
    },
    Check {
        id: "redirect_chain",
        category: "crawlability",
        severity: "medium",
        rule: Rule::Page(Pages::All, |p, _| p.redirects.len() > 1),
        why: "chains of redirects slow crawling and dilute signals",
        fix: "link and redirect straight to the final URL",
    },
    Check {
        id: "noindex",
        category: "crawlability",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| {
                f.meta_robots
                    .as_deref()
                    .is_some_and(|m| m.contains("noindex"))
            }) || p
                .header("x-robots-tag")
                .is_some_and(|h| h.to_lowercase().contains("noindex"))
        }),
        why: "noindex pages are dropped from search results",
        fix: "remove noindex from pages that should rank",
    },
    Check {
        id: "truncated_page",
        category: "crawlability",
        severity: "medium",
        rule: Rule::Page(Pages::All, |p, _| p.truncated),
        why: "very large HTML documents may be cut off by crawlers",
        fix: "reduce the HTML size",
    },
    // Metadata.
    Check {
        id: "title_missing",
        category: "metadata",
        severity: "high",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.titles.iter().all(|t| t.trim().is_empty()))
        }),
        why: "the title is the headline of the search result",
        fix: "add a unique, descriptive <title>",
    },
    Check {
        id: "title_multiple",
        category: "metadata",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.titles.len() > 1)
        }),
        why: "several titles leave the choice to the search engine",
        fix: "keep one <title>",
    },
    Check {
        id: "title_length",
        category: "metadata",
        severity: "low",
        // Characters, not bytes: a Russian title is as long as it reads.
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p)
                .and_then(|f| f.titles.first())
                .is_some_and(|t| out_of(t.chars().count(), c.cfg.title_len))
        }),
        why: "titles that are too short say little; too long ones are cut off",
        fix: "write titles of sensible length",
    },
    Check {
        id: "description_missing",
        category: "metadata",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.descriptions.iter().all(|d| d.is_empty()))
        }),
        why: "without a description the engine invents the snippet",
        fix: "add a meta description summarising the page",
    },
    Check {
        id: "description_length",
        category: "metadata",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p)
                .and_then(|f| f.descriptions.first())
                .is_some_and(|d| out_of(d.chars().count(), c.cfg.description_len))
        }),
        why: "descriptions that are too short or long make poor snippets",
        fix: "write descriptions of sensible length",
    },
    Check {
        id: "canonical_missing",
        category: "metadata",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.canonicals.is_empty())
        }),
        why: "without a canonical, duplicate URLs compete with each other",
        fix: "add <link rel=canonical> to every page",
    },
    Check {
        id: "canonical_multiple",
        category: "metadata",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.canonicals.len() > 1)
        }),
        why: "several canonicals are ignored",
        fix: "keep exactly one canonical",
    },
    Check {
        id: "viewport_missing",
        category: "metadata",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| !f.has_viewport)
        }),
        why: "without a viewport the page is not mobile-friendly",
        fix: "add <meta name=viewport content=\"width=device-width, initial-scale=1\">",
    },
    Check {
        id: "lang_missing",
        category: "metadata",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.lang.is_none())
        }),
        why: "the page language helps engines and screen readers",
        fix: "set <html lang>",
    },
    Check {
        id: "title_duplicate",
        category: "metadata",
        severity: "medium",
        rule: Rule::Duplicate(|p| facts(p).and_then(|f| f.titles.first().cloned())),
        why: "pages with the same title compete for the same searches",
        fix: "give every page its own title",
    },
    Check {
        id: "description_duplicate",
        category: "metadata",
        severity: "medium",
        rule: Rule::Duplicate(|p| facts(p).and_then(|f| f.descriptions.first().cloned())),
        why: "identical descriptions make results look alike",
        fix: "write a description per page",
    },
    Check {
        id: "duplicate_content",
        category: "content",
        severity: "medium",
        rule: Rule::Duplicate(|p| {
            facts(p)
                .filter(|f| f.word_count > 0)
                .map(|f| f.text_hash.to_string())
        }),
        why: "identical pages split ranking signals",
        fix: "merge the pages or canonicalise one to the other",
    },
    // Content.
    Check {
        id: "h1_missing",
        category: "content",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.h1.is_empty())
        }),
        why: "the H1 tells users and engines what the page is about",
        fix: "add one H1 per page",
    },
    Check {
        id: "h1_multiple",
        category: "content",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.h1.len() > 1)
        }),
        why: "several H1s blur the page's topic",
        fix: "keep one H1 and use H2–H6 below it",
    },
    Check {
        id: "heading_order",
        category: "content",
        severity: "low",
        // A heading more than one level below the one before it skips a level.
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| {
                f.headings
                    .iter()
                    .zip(f.headings.iter().skip(1))
                    .any(|(a, b)| *b > a.saturating_add(1))
            })
        }),
        why: "skipped heading levels break the outline",
        fix: "do not skip levels (H2 before H3)",
    },
    Check {
        id: "thin_content",
        category: "content",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p).is_some_and(|f| f.word_count < c.cfg.thin_words)
        }),
        why: "pages with little text rarely rank",
        fix: "expand the page or merge it into a stronger one",
    },
    // Links.
    Check {
        id: "broken_internal_link",
        category: "links",
        severity: "high",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p).is_some_and(|f| f.links.iter().any(|l| c.broken(&l.url)))
        }),
        why: "links to missing pages lose visitors and link equity",
        fix: "fix or remove the links",
    },
    Check {
        id: "link_to_redirect",
        category: "links",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p).is_some_and(|f| f.links.iter().any(|l| c.redirects(&l.url)))
        }),
        why: "linking through redirects wastes crawl budget",
        fix: "link to the final URL",
    },
    Check {
        id: "too_many_links",
        category: "links",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            facts(p).is_some_and(|f| f.links_total > c.cfg.max_links)
        }),
        why: "very many links dilute each one",
        fix: "trim navigation and footer links",
    },
    // Media.
    Check {
        id: "image_alt_missing",
        category: "media",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.images.iter().any(|i| i.alt.is_none()))
        }),
        why: "images without alt text are invisible to search and screen readers",
        fix: "describe each image in its alt attribute",
    },
    Check {
        id: "image_dimensions_missing",
        category: "media",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.images.iter().any(|i| !i.has_dimensions))
        }),
        why: "images without dimensions shift the layout while loading",
        fix: "set width and height on images",
    },
    // Performance.
    Check {
        id: "slow_ttfb",
        category: "performance",
        severity: "medium",
        rule: Rule::Page(Pages::All, |p, c| {
            p.status.is_some() && p.ttfb_ms > c.cfg.slow_ttfb_ms
        }),
        why: "a slow first byte delays everything else",
        fix: "cache pages or speed up the backend",
    },
    Check {
        id: "heavy_page",
        category: "performance",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, c| p.bytes > c.cfg.heavy_page_bytes),
        why: "heavy HTML is slow on mobile networks",
        fix: "reduce inline data and markup",
    },
    Check {
        id: "no_compression",
        category: "performance",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            p.bytes > c.cfg.compression_min_bytes && p.header("content-encoding").is_none()
        }),
        why: "uncompressed HTML is several times larger on the wire",
        fix: "enable gzip or brotli",
    },
    // Security.
    Check {
        id: "no_https",
        category: "security",
        severity: "high",
        rule: Rule::Site(|c| !c.https()),
        why: "browsers mark http sites insecure and engines prefer https",
        fix: "serve the site over https and redirect http to it",
    },
    Check {
        id: "hsts_missing",
        category: "security",
        severity: "medium",
        // Only meaningful on an https site (an http one already fails `no_https`).
        rule: Rule::Page(Pages::OkHtml, |p, c| {
            c.https() && p.header("strict-transport-security").is_none()
        }),
        why: "without HSTS the first visit can be downgraded to http",
        fix: "send Strict-Transport-Security",
    },
    Check {
        id: "csp_missing",
        category: "security",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            p.header("content-security-policy").is_none()
        }),
        why: "a Content-Security-Policy limits the damage of injected scripts",
        fix: "send a Content-Security-Policy header",
    },
    Check {
        id: "nosniff_missing",
        category: "security",
        severity: "low",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            p.header("x-content-type-options").is_none()
        }),
        why: "without nosniff browsers may misread file types",
        fix: "send X-Content-Type-Options: nosniff",
    },
    Check {
        id: "insecure_form",
        category: "security",
        severity: "high",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.insecure_forms > 0)
        }),
        why: "forms posting over http expose what users type",
        fix: "post forms to https URLs",
    },
    Check {
        id: "mixed_content",
        category: "security",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.http_resources > 0)
        }),
        why: "http resources on https pages are blocked or warned about",
        fix: "load every resource over https",
    },
    // Structured data.
    Check {
        id: "json_ld_invalid",
        category: "structured_data",
        severity: "medium",
        rule: Rule::Page(Pages::OkHtml, |p, _| {
            facts(p).is_some_and(|f| f.json_ld.iter().any(Result::is_err))
        }),
        why: "invalid JSON-LD is ignored by search engines",
        fix: "fix the JSON syntax",
    },
    Check {
        id: "structured_data_missing",
        category: "structured_data",
        severity: "low",
        rule: Rule::Site(|c| {
            !c.ok_html.is_empty()
                && c.ok_html
                    .iter()
                    .all(|p| facts(p).is_some_and(|f| f.json_ld.is_empty()))
        }),
        why: "structured data makes pages eligible for rich results",
        fix: "add schema.org JSON-LD (Organization, WebSite, and page types)",
    },
    // Site files.
    Check {
        id: "robots_txt_missing",
        category: "crawlability",
        severity: "low",
        rule: Rule::Site(|c| !c.report.robots_txt.found()),
        why: "robots.txt tells crawlers what to skip and where the sitemap is",
        fix: "publish /robots.txt",
    },
    Check {
        id: "robots_txt_invalid",
        category: "crawlability",
        severity: "medium",
        // Lines that do not parse, and values that are not numbers a crawler can use
        // (e.g. `Crawl-delay: NaN`).
        rule: Rule::Site(|c| c.report.robots_txt.found() && c.report.robots_invalid_lines > 0),
        why: "lines crawlers cannot parse may not do what you meant",
        fix: "fix the robots.txt syntax",
    },
    Check {
        id: "sitemap_missing",
        category: "crawlability",
        severity: "medium",
        rule: Rule::Site(|c| !c.report.sitemaps.iter().any(SiteFile::found)),
        why: "a sitemap helps engines find every page",
        fix: "publish /sitemap.xml and list it in robots.txt",
    },
    Check {
        id: "llms_txt_missing",
        category: "crawlability",
        severity: "info",
        rule: Rule::Site(|c| !c.report.llms_txt.found()),
        why: "llms.txt guides AI assistants to your key content",
        fix: "publish /llms.txt",
    },
];

/// The configuration keys a check's rule reads (`[agents.technical_seo_auditor]`) with their
/// values in `cfg`.
pub fn thresholds(id: &str, cfg: &AuditConfig) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    match id {
        "title_length" => vec![("title_len", json!(cfg.title_len))],
        "description_length" => vec![("description_len", json!(cfg.description_len))],
        "thin_content" => vec![("thin_words", json!(cfg.thin_words))],
        "slow_ttfb" => vec![("slow_ttfb_ms", json!(cfg.slow_ttfb_ms))],
        "heavy_page" => vec![("heavy_page_bytes", json!(cfg.heavy_page_bytes))],
        "no_compression" => vec![("compression_min_bytes", json!(cfg.compression_min_bytes))],
        "too_many_links" => vec![("max_links", json!(cfg.max_links))],
        _ => Vec::new(),
    }
}

/// Every check of the catalogue, in report order.
pub fn catalogue() -> Vec<CheckInfo> {
    CHECKS
        .iter()
        .map(|c| CheckInfo {
            id: c.id,
            category: c.category,
            severity: c.severity,
            scope: match c.rule {
                Rule::Site(_) => Scope::Site,
                Rule::Page(..) | Rule::Duplicate(_) => Scope::Page,
            },
            why: c.why,
            fix: c.fix,
        })
        .collect()
}

fn duplicates(pages: &[&Page], key: fn(&Page) -> Option<String>) -> Vec<String> {
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
    affected
}

/// Runs every enabled check on the crawl; the checks that failed, in catalogue order.
pub(crate) fn run(report: &CrawlReport, cfg: &AuditConfig) -> Vec<Hit> {
    let ctx = Ctx::new(report, cfg);
    CHECKS
        .iter()
        .filter(|c| !cfg.disabled_checks.iter().any(|d| d == c.id))
        .filter_map(|c| {
            let (pages, site_wide) = match c.rule {
                Rule::Page(which, pred) => {
                    let pages: Vec<String> = match which {
                        Pages::All => report
                            .pages
                            .iter()
                            .filter(|p| pred(p, &ctx))
                            .map(|p| p.url.clone())
                            .collect(),
                        Pages::OkHtml => ctx
                            .ok_html
                            .iter()
                            .filter(|p| pred(p, &ctx))
                            .map(|p| p.url.clone())
                            .collect(),
                    };
                    (pages, false)
                }
                Rule::Duplicate(key) => (duplicates(&ctx.ok_html, key), false),
                Rule::Site(cond) => {
                    if !cond(&ctx) {
                        return None;
                    }
                    (Vec::new(), true)
                }
            };
            (site_wide || !pages.is_empty()).then_some(Hit {
                check: c.id,
                category: c.category,
                severity: c.severity,
                pages,
                site_wide,
                why: c.why,
                fix: c.fix,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_categories_are_weighted() {
        let cfg = super::AuditConfig::default();
        let mut ids = std::collections::BTreeSet::new();
        for c in super::catalogue() {
            assert!(ids.insert(c.id), "{} twice", c.id);
            assert!(
                cfg.weights.iter().any(|(n, _)| n == c.category),
                "{} has an unweighted category {}",
                c.id,
                c.category
            );
        }
    }
}
