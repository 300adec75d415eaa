//! Every threshold, weight and band of the audit (`[agents.technical_seo_auditor]`).

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
            crawl: CrawlConfig::default(),
        }
    }
}
