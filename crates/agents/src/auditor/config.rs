//! Every threshold, weight and band of the audit (`[agents.technical_seo_auditor]`).

use std::collections::BTreeMap;

use seo_crawler::CrawlConfig;
use serde::{Deserialize, Serialize};

/// Good and poor limits of one Core Web Vital (at most `good` is good; above `poor` is
/// poor; between needs improvement).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VitalLimits {
    /// Upper bound of "good".
    pub good: f64,
    /// Upper bound of "needs improvement".
    pub poor: f64,
}

/// Core Web Vitals limits (Google's published thresholds) and the points of each band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VitalsConfig {
    /// Largest Contentful Paint, ms.
    pub lcp_ms: VitalLimits,
    /// Interaction to Next Paint, ms.
    pub inp_ms: VitalLimits,
    /// Cumulative Layout Shift.
    pub cls: VitalLimits,
    /// Points of a good, a needs-improvement and a poor value.
    pub points: [f64; 3],
}

impl Default for VitalsConfig {
    fn default() -> Self {
        Self {
            lcp_ms: VitalLimits {
                good: 2500.0,
                poor: 4000.0,
            },
            inp_ms: VitalLimits {
                good: 200.0,
                poor: 500.0,
            },
            cls: VitalLimits {
                good: 0.1,
                poor: 0.25,
            },
            points: [100.0, 60.0, 20.0],
        }
    }
}

impl VitalsConfig {
    /// The points of `v` against `limits`.
    pub fn points_of(&self, v: f64, limits: VitalLimits) -> f64 {
        let [good, improve, poor] = self.points;
        if v <= limits.good {
            good
        } else if v <= limits.poor {
            improve
        } else {
            poor
        }
    }
}

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
    /// HTML larger than this (bytes) sent without compression is flagged.
    pub compression_min_bytes: usize,
    /// More links than this on one page is flagged.
    pub max_links: usize,
    /// Category weights (sum 1 including `core_web_vitals`).
    pub weights: Vec<(String, f64)>,
    /// Penalty per severity, applied × share of pages affected.
    pub severity_penalty: Vec<(String, f64)>,
    /// Lowest scores of the grades `excellent`, `good` and `needs_work` (below: `poor`).
    pub grade_bands: [f64; 3],
    /// Core Web Vitals limits and points.
    pub core_web_vitals: VitalsConfig,
    /// Findings listed as recommendations, most severe first.
    pub max_recommendations: usize,
    /// Sample URLs given per finding.
    pub sample_urls: usize,
    /// Check ids switched off.
    pub disabled_checks: Vec<String>,
    /// Severity per check id (`error|warning|notice`), replacing the check's default.
    pub severity: BTreeMap<String, String>,
    /// Longest H1 (characters).
    pub h1_max_len: usize,
    /// Deepest acceptable click depth from the start page.
    pub max_click_depth: u32,
    /// Longest URL (characters).
    pub max_url_len: usize,
    /// Most query parameters in a URL.
    pub max_url_params: usize,
    /// Most elements in one document.
    pub max_dom_nodes: usize,
    /// Heaviest image (bytes, from `Content-Length`).
    pub max_image_bytes: u64,
    /// Longest alt text (characters).
    pub max_alt_len: usize,
    /// Least share of visible text in the HTML (bytes ÷ bytes).
    pub min_text_ratio: f64,
    /// Simhash similarity (0–1) at or above which two pages are near-duplicates.
    pub near_duplicate_similarity: f64,
    /// Pages with fewer words are not compared for near-duplication.
    pub near_duplicate_min_words: usize,
    /// Phrases in a 200 page's title or H1 that make it a soft 404.
    pub soft_404_phrases: Vec<String>,
    /// Required schema.org properties per JSON-LD type (`a|b`: either will do).
    pub schema_required: Vec<(String, Vec<String>)>,
    /// Most URLs in one sitemap file.
    pub max_sitemap_urls: usize,
    /// Largest sitemap file (bytes).
    pub max_sitemap_bytes: usize,
    /// Host endings of Russian-market sites (Yandex checks apply; so does a site whose
    /// pages are mostly `lang="ru"`).
    pub yandex_market_tlds: Vec<String>,
    /// Lowest health scores of the bands fair, good and excellent (below: weak).
    pub health_bands: [f64; 3],
    /// Audit snapshots kept per campaign (older ones are deleted when a new one is stored).
    pub audit_retention: usize,
    /// Default crawl limits (a task may lower them, never raise them).
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
            compression_min_bytes: 10 * 1024,
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
            grade_bands: [90.0, 75.0, 60.0],
            core_web_vitals: VitalsConfig::default(),
            max_recommendations: 10,
            sample_urls: 5,
            disabled_checks: Vec::new(),
            severity: BTreeMap::new(),
            h1_max_len: 70,
            max_click_depth: 4,
            max_url_len: 115,
            max_url_params: 3,
            max_dom_nodes: 1500,
            max_image_bytes: 500_000,
            max_alt_len: 100,
            min_text_ratio: 0.1,
            near_duplicate_similarity: 0.9,
            near_duplicate_min_words: 50,
            soft_404_phrases: [
                "page not found",
                "not found",
                "error 404",
                "404 error",
                "страница не найдена",
                "ошибка 404",
            ]
            .map(String::from)
            .to_vec(),
            schema_required: vec![
                ("Organization".into(), vec!["name".into(), "url".into()]),
                (
                    "LocalBusiness".into(),
                    vec!["name".into(), "address".into()],
                ),
                (
                    "Product".into(),
                    vec!["name".into(), "offers|review|aggregateRating".into()],
                ),
                (
                    "Article".into(),
                    vec!["headline".into(), "author".into(), "datePublished".into()],
                ),
                ("BreadcrumbList".into(), vec!["itemListElement".into()]),
                ("FAQPage".into(), vec!["mainEntity".into()]),
            ],
            max_sitemap_urls: 50_000,
            max_sitemap_bytes: 50 * 1024 * 1024,
            yandex_market_tlds: [".ru", ".xn--p1ai", ".su", ".by", ".kz"]
                .map(String::from)
                .to_vec(),
            health_bands: [31.0, 71.0, 91.0],
            audit_retention: 20,
            crawl: CrawlConfig::default(),
        }
    }
}
