//! The check catalogue as a table: one row per check (id, category, impact, scope, rule,
//! why, fix), run by one loop ([`run`]). A rule is a per-page predicate (over every fetched
//! URL or over the pages answered 200 with HTML), a set of pages found across the site
//! (duplicates, orphans, hreflang pairs …) or a site-wide condition; thresholds come from
//! [`AuditConfig`]. The rows live by category in the sibling files.

mod content;
mod crawl;
mod links;
mod meta;
mod site;

use std::collections::{BTreeMap, HashMap, HashSet};

use seo_crawler::{CrawlReport, Page, PageFacts, Resource};
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
    /// Every fetched URL, whatever its status (redirect sources included).
    All,
    /// Pages answered 200 with HTML.
    OkHtml,
}

type PagePred = fn(&Page, &Ctx<'_>) -> bool;

/// How a check decides.
#[derive(Clone, Copy)]
enum Rule {
    /// Pages for which the predicate holds.
    Page(Pages, PagePred),
    /// Pages found by looking across the site (duplicates, orphans …).
    Set(fn(&Ctx<'_>) -> Vec<String>),
    /// A condition of the whole site.
    Site(fn(&Ctx<'_>) -> bool),
}

/// One row of the catalogue.
#[derive(Clone, Copy)]
struct Check {
    id: &'static str,
    category: &'static str,
    /// `critical|high|medium|low|info`: the score penalty; the severity follows from it.
    impact: &'static str,
    rule: Rule,
    why: &'static str,
    fix: &'static str,
}

/// A check on each 200 HTML page.
const fn page(
    id: &'static str,
    category: &'static str,
    impact: &'static str,
    pred: PagePred,
    why: &'static str,
    fix: &'static str,
) -> Check {
    Check {
        id,
        category,
        impact,
        rule: Rule::Page(Pages::OkHtml, pred),
        why,
        fix,
    }
}

/// A check on every fetched URL.
const fn url(
    id: &'static str,
    category: &'static str,
    impact: &'static str,
    pred: PagePred,
    why: &'static str,
    fix: &'static str,
) -> Check {
    Check {
        id,
        category,
        impact,
        rule: Rule::Page(Pages::All, pred),
        why,
        fix,
    }
}

/// A check that finds its pages across the site.
const fn set(
    id: &'static str,
    category: &'static str,
    impact: &'static str,
    find: fn(&Ctx<'_>) -> Vec<String>,
    why: &'static str,
    fix: &'static str,
) -> Check {
    Check {
        id,
        category,
        impact,
        rule: Rule::Set(find),
        why,
        fix,
    }
}

/// A condition of the whole site.
const fn site(
    id: &'static str,
    category: &'static str,
    impact: &'static str,
    cond: fn(&Ctx<'_>) -> bool,
    why: &'static str,
    fix: &'static str,
) -> Check {
    Check {
        id,
        category,
        impact,
        rule: Rule::Site(cond),
        why,
        fix,
    }
}

/// A check as listed (without its rule).
#[derive(Debug, Clone, Serialize)]
pub struct CheckInfo {
    /// Stable id.
    pub id: &'static str,
    /// Score category.
    pub category: &'static str,
    /// Score impact (`critical|high|medium|low|info`).
    pub impact: &'static str,
    /// Default severity (`error|warning|notice`).
    pub severity: &'static str,
    /// Page or site.
    pub scope: Scope,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// The severity an impact has unless configuration says otherwise: critical and high are
/// errors, medium and low warnings, info a notice.
pub fn severity_of_impact(impact: &str) -> &'static str {
    match impact {
        "critical" | "high" => "error",
        "medium" | "low" => "warning",
        _ => "notice",
    }
}

/// One check that failed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Hit {
    pub check: &'static str,
    pub category: &'static str,
    /// Score penalty level (follows an overridden severity).
    pub impact: &'static str,
    /// `error|warning|notice`, after configuration.
    pub severity: &'static str,
    pub pages: Vec<String>,
    pub site_wide: bool,
    pub why: &'static str,
    pub fix: &'static str,
}

/// Internal links pointing at a URL.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Inlinks {
    pub follow: usize,
    pub nofollow: usize,
}

/// What the rules read: the crawl, the configuration and indexes built once.
pub(crate) struct Ctx<'a> {
    report: &'a CrawlReport,
    cfg: &'a AuditConfig,
    by_url: HashMap<&'a str, &'a Page>,
    ok_html: Vec<&'a Page>,
    inlinks: HashMap<&'a str, Inlinks>,
    blocked: HashSet<&'a str>,
    resources: HashMap<&'a str, &'a Resource>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(report: &'a CrawlReport, cfg: &'a AuditConfig) -> Self {
        let ok_html: Vec<&Page> = report
            .pages
            .iter()
            .filter(|p| p.status == Some(200) && p.facts.is_some())
            .collect();
        Self {
            report,
            cfg,
            by_url: report.pages.iter().map(|p| (p.url.as_str(), p)).collect(),
            inlinks: inlinks_of(&ok_html),
            ok_html,
            blocked: report
                .blocked_by_robots
                .iter()
                .map(String::as_str)
                .collect(),
            resources: report
                .resources
                .iter()
                .map(|r| (r.url.as_str(), r))
                .collect(),
        }
    }

    fn https(&self) -> bool {
        self.report.start_url.starts_with("https://")
    }

    fn host(&self) -> &str {
        &self.report.host
    }

    /// Whether `u` is on the audited host.
    fn internal(&self, u: &str) -> bool {
        url::Url::parse(u).is_ok_and(|u| u.host_str() == Some(self.host()))
    }

    /// A crawled URL that failed (no answer or 4xx/5xx).
    fn broken(&self, url: &str) -> bool {
        self.by_url
            .get(url)
            .is_some_and(|t| t.status.is_none_or(|s| s >= 400))
    }

    /// A crawled URL that redirects.
    fn redirects(&self, url: &str) -> bool {
        self.by_url.get(url).is_some_and(|t| t.is_redirect())
    }

    /// The crawled page at `url`, if any.
    fn page(&self, url: &str) -> Option<&'a Page> {
        self.by_url.get(url).copied()
    }

    /// The start page (its redirect target when it redirects).
    fn home(&self) -> Option<&'a Page> {
        let start = self.page(&self.report.start_url)?;
        if start.is_redirect() {
            self.page(&start.final_url)
        } else {
            Some(start)
        }
    }

    /// Inbound internal links of `url`.
    fn inlinks(&self, url: &str) -> Inlinks {
        self.inlinks.get(url).copied().unwrap_or_default()
    }

    /// The configured threshold or list, by name.
    fn cfg(&self) -> &AuditConfig {
        self.cfg
    }
}

/// Internal links pointing at each URL, from the 200 HTML pages (self-links not counted).
fn inlinks_of<'a>(ok_html: &[&'a Page]) -> HashMap<&'a str, Inlinks> {
    let mut inlinks: HashMap<&str, Inlinks> = HashMap::new();
    for p in ok_html {
        for l in p.facts.iter().flat_map(|f| f.links.iter()) {
            if l.url == p.url {
                continue;
            }
            let e = inlinks.entry(l.url.as_str()).or_default();
            if l.nofollow {
                e.nofollow += 1;
            } else {
                e.follow += 1;
            }
        }
    }
    inlinks
}

/// Internal links (followed or not) pointing at each URL of the crawl.
pub(crate) fn inlink_counts(report: &CrawlReport) -> HashMap<&str, usize> {
    let ok: Vec<&Page> = report
        .pages
        .iter()
        .filter(|p| p.status == Some(200) && p.facts.is_some())
        .collect();
    inlinks_of(&ok)
        .into_iter()
        .map(|(u, i)| (u, i.follow + i.nofollow))
        .collect()
}

fn facts(p: &Page) -> Option<&PageFacts> {
    p.facts.as_ref()
}

/// The page says noindex (meta robots or `X-Robots-Tag`).
fn noindex(p: &Page) -> bool {
    facts(p).is_some_and(|f| {
        f.meta_robots
            .as_deref()
            .is_some_and(|m| m.contains("noindex") || m.contains("none"))
    }) || p
        .header("x-robots-tag")
        .is_some_and(|h| h.to_lowercase().contains("noindex"))
}

/// The first canonical of a page.
fn canonical(p: &Page) -> Option<&str> {
    facts(p)
        .and_then(|f| f.canonicals.first())
        .map(String::as_str)
}

/// The page names another URL as canonical.
fn canonicalised_away(p: &Page) -> bool {
    canonical(p).is_some_and(|c| c != p.url)
}

/// Every check of the catalogue, in report order.
fn rows() -> impl Iterator<Item = &'static Check> {
    crawl::CHECKS
        .iter()
        .chain(meta::CHECKS)
        .chain(content::CHECKS)
        .chain(links::CHECKS)
        .chain(site::CHECKS)
}

/// The configuration keys (`[agents.technical_seo_auditor]`) a check's rule reads.
fn keys_of(id: &str) -> &'static [&'static str] {
    match id {
        "title_too_short" | "title_too_long" => &["title_len"],
        "description_too_short" | "description_too_long" => &["description_len"],
        "thin_content" => &["thin_words"],
        "slow_ttfb" => &["slow_ttfb_ms"],
        "heavy_page" => &["heavy_page_bytes"],
        "no_compression" => &["compression_min_bytes"],
        "too_many_links" => &["max_links"],
        "h1_too_long" => &["h1_max_len"],
        "click_depth" => &["max_click_depth"],
        "url_too_long" => &["max_url_len"],
        "url_too_many_params" => &["max_url_params"],
        "dom_too_large" => &["max_dom_nodes"],
        "image_too_large" => &["max_image_bytes"],
        "image_alt_too_long" => &["max_alt_len"],
        "low_text_ratio" => &["min_text_ratio"],
        "near_duplicate" => &["near_duplicate_similarity"],
        "soft_404" => &["soft_404_phrases"],
        "sitemap_too_large" => &["max_sitemap_urls", "max_sitemap_bytes"],
        "yandex_verification_missing" | "clean_param_missing" => &["yandex_market_tlds"],
        id if id.starts_with("schema_") && id.ends_with("_incomplete") => &["schema_required"],
        _ => &[],
    }
}

/// The configuration keys a check's rule reads with their values in `cfg`.
pub fn thresholds(id: &str, cfg: &AuditConfig) -> Vec<(&'static str, serde_json::Value)> {
    thresholds_in(id, &serde_json::to_value(cfg).unwrap_or_default())
}

/// [`thresholds`] from the configuration already serialised (`all`): the catalogue listing
/// serialises it once, not once per check.
pub fn thresholds_in(id: &str, all: &serde_json::Value) -> Vec<(&'static str, serde_json::Value)> {
    keys_of(id)
        .iter()
        .map(|k| (*k, all.get(*k).cloned().unwrap_or(serde_json::Value::Null)))
        .collect()
}

/// Every threshold key any check reads (what a campaign's `config.audit.thresholds` may
/// set).
pub fn threshold_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = rows().flat_map(|c| keys_of(c.id).iter().copied()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Every check of the catalogue, in report order.
pub fn catalogue() -> Vec<CheckInfo> {
    rows()
        .map(|c| CheckInfo {
            id: c.id,
            category: c.category,
            impact: c.impact,
            severity: severity_of_impact(c.impact),
            scope: match c.rule {
                Rule::Site(_) => Scope::Site,
                Rule::Page(..) | Rule::Set(_) => Scope::Page,
            },
            why: c.why,
            fix: c.fix,
        })
        .collect()
}

/// 200 HTML pages sharing a non-empty key, grouped by final URL (each page once).
fn duplicates(ctx: &Ctx<'_>, key: fn(&Page) -> Option<String>) -> Vec<String> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for p in &ctx.ok_html {
        if let Some(k) = key(p).filter(|k| !k.is_empty()) {
            groups.entry(k).or_default().push(p.final_url.clone());
        }
    }
    let mut affected: Vec<String> = groups
        .into_values()
        .filter(|v| v.len() > 1)
        .flatten()
        .collect();
    affected.sort();
    affected.dedup();
    affected
}

/// The severity of a check after configuration: the operator's (or campaign's) override,
/// else the default of its impact. The impact follows an override, so the weighted score
/// agrees with the severity shown.
fn effective(c: &Check, overrides: &BTreeMap<String, String>) -> (&'static str, &'static str) {
    match overrides.get(c.id).map(String::as_str) {
        Some("error") => (
            "error",
            if c.impact == "critical" {
                "critical"
            } else {
                "high"
            },
        ),
        Some("warning") => ("warning", if c.impact == "low" { "low" } else { "medium" }),
        Some("notice") => ("notice", "info"),
        _ => (severity_of_impact(c.impact), c.impact),
    }
}

/// Runs every enabled check on the crawl; the checks that failed, in catalogue order.
pub(crate) fn run(report: &CrawlReport, cfg: &AuditConfig) -> Vec<Hit> {
    let ctx = Ctx::new(report, cfg);
    rows()
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
                Rule::Set(find) => (find(&ctx), false),
                Rule::Site(cond) => {
                    if !cond(&ctx) {
                        return None;
                    }
                    (Vec::new(), true)
                }
            };
            let (severity, impact) = effective(c, &cfg.severity);
            (site_wide || !pages.is_empty()).then_some(Hit {
                check: c.id,
                category: c.category,
                impact,
                severity,
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
        assert!(ids.len() >= 120, "{} checks", ids.len());
    }
}
