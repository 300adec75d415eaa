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
use seo_domain::num::Total;
use seo_domain::{AuditSnapshot, AuditSummary, SeverityCounts, SnapshotIssue, SnapshotPage};

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
        let p = 100.0 * penalty(h.impact) * share.min(1.0);
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
    let mean = parts.iter().map(|(_, p)| p).total() / seo_domain::num::f64_of(parts.len());
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
        .total();
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

/// The URLs the health score counts: every crawled URL that is not a redirect source and
/// is HTML or failed (a 404 page counts; images and other files do not).
fn health_pages(report: &CrawlReport) -> Vec<&str> {
    report
        .pages
        .iter()
        .filter(|p| !p.is_redirect() && (p.is_html() || p.status.is_none_or(|s| s >= 400)))
        .map(|p| p.url.as_str())
        .collect()
}

fn band(score: f64, cfg: &AuditConfig) -> &'static str {
    let [fair, good, excellent] = cfg.health_bands;
    match score {
        s if s >= excellent => "excellent",
        s if s >= good => "good",
        s if s >= fair => "fair",
        _ => "weak",
    }
}

/// Health: the share of counted pages without an error-severity page issue, × 100.
fn health(
    report: &CrawlReport,
    hits: &[Hit],
    cfg: &AuditConfig,
) -> (f64, &'static str, usize, usize) {
    let pages = health_pages(report);
    let with_errors: HashSet<&str> = hits
        .iter()
        .filter(|h| h.severity == "error" && !h.site_wide)
        .flat_map(|h| h.pages.iter().map(String::as_str))
        .collect();
    let bad = pages.iter().filter(|p| with_errors.contains(*p)).count();
    let score = if pages.is_empty() {
        0.0
    } else {
        let ok = seo_domain::num::f64_of(pages.len() - bad);
        (ok / seo_domain::num::f64_of(pages.len()) * 1000.0).round() / 10.0
    };
    (score, band(score, cfg), pages.len(), bad)
}

/// The snapshot stored with the audit: every crawled URL and every failed check.
fn snapshot(report: &CrawlReport, hits: &[Hit]) -> AuditSnapshot {
    let inlinks = checks::inlink_counts(report);
    AuditSnapshot {
        pages: report
            .pages
            .iter()
            .map(|p| SnapshotPage {
                url: p.url.clone(),
                final_url: p.final_url.clone(),
                status: p.status,
                redirect: p.is_redirect(),
                title: p.facts.as_ref().and_then(|f| f.titles.first().cloned()),
                canonical: p.facts.as_ref().and_then(|f| f.canonicals.first().cloned()),
                word_count: p.facts.as_ref().map_or(0, |f| f.word_count),
                fingerprint: p.facts.as_ref().map(|f| format!("{:016x}", f.text_hash)),
                depth: p.depth,
                inlinks: inlinks.get(p.url.as_str()).copied().unwrap_or(0),
            })
            .collect(),
        issues: hits
            .iter()
            .map(|h| SnapshotIssue {
                check: h.check.into(),
                category: h.category.into(),
                severity: h.severity.into(),
                pages: h.pages.clone(),
                site_wide: h.site_wide,
            })
            .collect(),
    }
}

impl TechnicalSeoAuditor {
    /// Audits an already crawled site (the part without I/O) with the agent's configuration.
    pub fn audit(&self, report: &CrawlReport, cwv: Option<&CoreWebVitals>) -> AgentOutput {
        Self::audit_with(&self.config, report, cwv)
    }

    /// Audits an already crawled site with `c` (the agent's configuration with a campaign's
    /// overrides applied).
    pub fn audit_with(
        c: &AuditConfig,
        report: &CrawlReport,
        cwv: Option<&CoreWebVitals>,
    ) -> AgentOutput {
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
        sorted.sort_by_key(|h| (rank(h.impact), std::cmp::Reverse(h.pages.len())));
        let findings: Vec<Finding> = sorted
            .iter()
            .map(|h| Finding {
                id: h.check.into(),
                severity: h.impact.into(),
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
                    "check": h.check, "category": h.category, "severity": h.severity, "impact": h.impact,
                    "pages_affected": if h.site_wide { report.pages.len() } else { h.pages.len() },
                    "site_wide": h.site_wide,
                    "sample_urls": h.pages.iter().take(c.sample_urls).collect::<Vec<_>>(),
                    "why": h.why, "fix": h.fix,
                })
            })
            .collect();
        let recommendations: Vec<String> = sorted
            .iter()
            .filter(|h| h.impact != "info")
            .take(c.max_recommendations)
            .map(|h| format!("{} ({})", h.fix, h.check))
            .collect();
        let grade = grade(score, c);
        let ok = report
            .pages
            .iter()
            .filter(|p| p.status == Some(200))
            .count();
        let (health_score, health_band, counted, with_errors) = health(report, &hits, c);
        let count = |sev: &str| hits.iter().filter(|h| h.severity == sev).count();
        let mut extra = Map::new();
        extra.insert("audit_score".into(), json!(score));
        extra.insert("grade".into(), json!(grade));
        extra.insert(
            "score_rule".into(),
            json!("each category starts at 100 and loses the check's severity_penalty × the share of pages affected; categories are combined with their weights, renormalised over those measured"),
        );
        extra.insert("health_score".into(), json!(health_score));
        extra.insert("health_band".into(), json!(health_band));
        let [fair, good, excellent] = c.health_bands;
        extra.insert(
            "health".into(),
            json!({
                "score": health_score, "band": health_band, "html_pages": counted,
                "pages_with_errors": with_errors,
                "rule": format!("share of crawled HTML pages (redirect sources and other files not counted; failed pages counted) without an error-severity page issue × 100; bands: below {fair} weak, from {fair} fair, from {good} good, from {excellent} excellent"),
            }),
        );
        extra.insert(
            "issue_counts".into(),
            json!({"error": count("error"), "warning": count("warning"), "notice": count("notice")}),
        );
        extra.insert("issues".into(), json!(details));
        extra.insert(
            "crawl".into(),
            json!({
                "requested_url": report.requested_url, "start_url": report.start_url, "host": report.host, "pages_crawled": report.pages.len(), "pages_ok": ok,
                "not_crawled": report.not_crawled, "blocked_by_robots": report.blocked_by_robots.len(),
                "robots_txt": report.robots_txt.status, "sitemap_urls": report.sitemap_urls.len(),
                "llms_txt": report.llms_txt.status, "elapsed_ms": report.elapsed_ms.round(),
            }),
        );
        extra.insert("snapshot".into(), json!(snapshot(report, &hits)));
        let issues: HashSet<&str> = hits.iter().map(|h| h.check).collect();
        AgentOutput {
            summary: format!(
                "{}: technical score {score}/100 ({grade}), health {health_score} ({health_band}) over {} crawled page(s); {} issue type(s) found.",
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

/// The stored summary and snapshot an audit output carries (what the engine stores): `e` is
/// the output's extra fields, or the whole serialised output.
pub fn summary_of(e: &Map<String, Value>) -> Option<(AuditSummary, AuditSnapshot)> {
    let snapshot: AuditSnapshot = serde_json::from_value(e.get("snapshot")?.clone()).ok()?;
    let crawl = e.get("crawl")?;
    let health = e.get("health")?;
    let counts = e.get("issue_counts")?;
    let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
    Some((
        AuditSummary {
            url: crawl.get("start_url")?.as_str()?.to_string(),
            host: seo_crawler_host(crawl)?,
            audit_score: e.get("audit_score")?.as_f64()?,
            grade: e.get("grade")?.as_str()?.to_string(),
            health_score: health.get("score")?.as_f64()?,
            health_band: health.get("band")?.as_str()?.to_string(),
            pages_crawled: int(crawl, "pages_crawled"),
            html_pages: int(health, "html_pages"),
            pages_with_errors: int(health, "pages_with_errors"),
            issues: SeverityCounts {
                error: int(counts, "error"),
                warning: int(counts, "warning"),
                notice: int(counts, "notice"),
            },
        },
        snapshot,
    ))
}

fn seo_crawler_host(crawl: &Value) -> Option<String> {
    crawl
        .get("host")
        .and_then(Value::as_str)
        .map(str::to_string)
}
