//! From the checks that failed to the audit result: category scores (penalty per severity ×
//! share of pages affected), Core Web Vitals when supplied, the weighted total renormalised
//! over what was measured, the grade, and the findings with their pages.

use std::collections::{BTreeMap, HashSet};

use seo_crawler::CrawlReport;
use serde_json::{Map, Value, json};

use super::checks::{self, Hit};
use super::config::AuditConfig;
use super::{CoreWebVitals, TechnicalSeoAuditor};
use crate::contract::{AgentOutput, Factor, Finding};

/// Severities, most severe first (the order findings are reported in).
const SEVERITY_ORDER: [&str; 5] = ["critical", "high", "medium", "low", "info"];

type Categories = BTreeMap<String, (f64, Vec<String>)>;

/// Every weighted category (except Core Web Vitals) starts at 100 and loses each failed
/// check's penalty × the share of pages it affects (all of them for a site-wide check).
fn category_scores(hits: &[Hit], cfg: &AuditConfig, pages: usize) -> Categories {
    let total_pages = seo_domain::num::f64_of(pages.max(1));
    let penalty = |sev: &str| {
        cfg.severity_penalty
            .iter()
            .find(|(s, _)| s == sev)
            .map_or(0.0, |(_, p)| *p)
    };
    let mut scores: Categories = cfg
        .weights
        .iter()
        .filter(|(name, _)| name != "core_web_vitals")
        .map(|(name, _)| (name.clone(), (100.0, Vec::new())))
        .collect();
    for h in hits {
        let share = if h.site_wide {
            1.0
        } else {
            seo_domain::num::f64_of(h.pages.len()) / total_pages
        };
        let p = 100.0 * penalty(h.severity) * share.min(1.0);
        if let Some((score, why)) = scores.get_mut(h.category)
            && p > 0.0
        {
            *score -= p;
            why.push(format!("{} −{p:.1}", h.check));
        }
    }
    scores
}

/// The Core Web Vitals category from supplied field values; `Err` says what is missing.
fn vitals(cwv: Option<&CoreWebVitals>, cfg: &AuditConfig) -> Result<(f64, Vec<String>), String> {
    let Some(v) = cwv else {
        return Err("core_web_vitals (supply lcp_ms, inp_ms and cls to include them)".into());
    };
    let c = &cfg.core_web_vitals;
    let parts: Vec<(&str, f64)> = [
        ("lcp", v.lcp_ms, c.lcp_ms),
        ("inp", v.inp_ms, c.inp_ms),
        ("cls", v.cls, c.cls),
    ]
    .into_iter()
    .filter_map(|(name, value, limits)| value.map(|x| (name, c.points_of(x, limits))))
    .collect();
    if parts.is_empty() {
        return Err("core_web_vitals (none of lcp_ms, inp_ms, cls given)".into());
    }
    let mean = parts.iter().map(|(_, p)| p).sum::<f64>() / seo_domain::num::f64_of(parts.len());
    Ok((
        mean,
        parts.iter().map(|(n, p)| format!("{n} {p}")).collect(),
    ))
}

/// The weighted total over the measured categories, and one factor per category.
fn weighted(scores: &Categories, cfg: &AuditConfig) -> (f64, Vec<Factor>) {
    let measured: f64 = cfg
        .weights
        .iter()
        .filter(|(n, _)| scores.contains_key(n))
        .map(|(_, w)| w)
        .sum();
    let mut factors = Vec::new();
    let mut total = 0.0;
    for (name, w) in &cfg.weights {
        if let Some((s, why)) = scores.get(name) {
            let s = s.clamp(0.0, 100.0);
            let eff = w / measured;
            total += s * eff;
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
    ((total * 10.0).round() / 10.0, factors)
}

fn grade(score: f64, cfg: &AuditConfig) -> &'static str {
    let [excellent, good, needs_work] = cfg.grade_bands;
    match score {
        s if s >= excellent => "excellent",
        s if s >= good => "good",
        s if s >= needs_work => "needs_work",
        _ => "poor",
    }
}

impl TechnicalSeoAuditor {
    /// Audits an already crawled site (the part without I/O).
    pub fn audit(&self, report: &CrawlReport, cwv: Option<&CoreWebVitals>) -> AgentOutput {
        let c = &self.config;
        let hits = checks::run(report, c);
        let mut scores = category_scores(&hits, c, report.pages.len());
        let mut not_measured = Vec::new();
        match vitals(cwv, c) {
            Ok(v) => {
                scores.insert("core_web_vitals".into(), v);
            }
            Err(why) => not_measured.push(why),
        }
        let (score, factors) = weighted(&scores, c);
        let rank = |s: &str| {
            SEVERITY_ORDER
                .iter()
                .position(|x| *x == s)
                .unwrap_or(SEVERITY_ORDER.len())
        };
        let mut sorted = hits.clone();
        sorted.sort_by_key(|h| (rank(h.severity), std::cmp::Reverse(h.pages.len())));
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
                    "sample_urls": h.pages.iter().take(c.sample_urls).collect::<Vec<_>>(),
                    "why": h.why, "fix": h.fix,
                })
            })
            .collect();
        let recommendations: Vec<String> = sorted
            .iter()
            .filter(|h| h.severity != "info")
            .take(c.max_recommendations)
            .map(|h| format!("{} ({})", h.fix, h.check))
            .collect();
        let grade = grade(score, c);
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
