//! The plan itself, pure: clusters, their figures and CTR gaps, content gaps,
//! cannibalisation, E-E-A-T signals and the publishing calendar.

use std::collections::BTreeSet;

use seo_crawler::CrawlReport;
use serde_json::{Map, Value, json};

use super::{ContentFacts, ContentStrategy, PageTopic, QueryFigures, jaccard};
use crate::contract::{AgentOutput, Factor, Finding};
use crate::sales::{fold, ratio, round2};
use seo_domain::num::Total;

impl ContentStrategy {
    /// The plan; pure.
    pub fn plan(&self, f: &ContentFacts) -> AgentOutput {
        let c = &self.config;
        // Phrases: seeds and queries, each with its stems; clustered greedily against each
        // cluster's first phrase, in order (seeds first, then queries by impressions).
        let mut queries = f.queries.clone();
        queries.sort_by(|a, b| {
            b.impressions
                .total_cmp(&a.impressions)
                .then_with(|| a.query.cmp(&b.query))
        });
        let mut clusters: Vec<(BTreeSet<String>, Vec<String>, Vec<QueryFigures>)> = Vec::new();
        let phrases = f
            .seeds
            .iter()
            .map(|s| (s.clone(), None))
            .chain(queries.iter().map(|q| (q.query.clone(), Some(q.clone()))));
        for (p, q) in phrases {
            let st = self.stems(&p);
            if st.is_empty() {
                continue;
            }
            match clusters
                .iter_mut()
                .find(|(head, _, _)| jaccard(head, &st) >= c.cluster_threshold)
            {
                Some((_, ps, qs)) => {
                    if !ps.contains(&p) {
                        ps.push(p);
                    }
                    qs.extend(q);
                }
                None => clusters.push((st, vec![p], q.into_iter().collect())),
            }
        }
        let page_stems: Vec<(BTreeSet<String>, &PageTopic)> =
            f.pages.iter().map(|p| (self.stems(&p.text), p)).collect();
        let rival_stems: Vec<BTreeSet<String>> =
            f.competitor_topics.iter().map(|t| self.stems(t)).collect();
        let covers = |head: &BTreeSet<String>, other: &BTreeSet<String>| {
            !other.is_empty() && jaccard(head, other) >= c.cluster_threshold
                || (!head.is_empty() && head.is_subset(other))
        };
        let mut out_clusters = Vec::new();
        let mut gaps = Vec::new();
        let mut cannibal = Vec::new();
        let mut missed_total = 0.0;
        for (head, ps, qs) in &clusters {
            let clicks: f64 = qs.iter().map(|q| q.clicks).total();
            let imps: f64 = qs.iter().map(|q| q.impressions).total();
            let pos =
                (imps > 0.0).then(|| qs.iter().map(|q| q.position * q.impressions).total() / imps);
            let ctr = (imps > 0.0).then(|| clicks / imps);
            let expected = pos.map(|p| self.expected_ctr(p));
            let missed = match (expected, ctr) {
                (Some(e), Some(a)) if e > a => (e - a) * imps,
                _ => 0.0,
            };
            missed_total += missed;
            let pages: Vec<&PageTopic> = page_stems
                .iter()
                .filter(|(st, _)| covers(head, st))
                .map(|(_, p)| *p)
                .collect();
            let name = ps.first().cloned().unwrap_or_default();
            let best_pos = qs.iter().map(|q| q.position).fold(f64::INFINITY, f64::min);
            if imps > 0.0 && best_pos > c.top_position {
                gaps.push(json!({"cluster": name, "kind": "not_in_top", "reason": format!("{imps} impressions, best position {best_pos:.1} (beyond {})", c.top_position)}));
            } else if imps == 0.0 && pages.is_empty() && !f.pages.is_empty() {
                gaps.push(json!({"cluster": name, "kind": "no_page", "reason": "a seed keyword no crawled page covers"}));
            }
            if pages.is_empty() && rival_stems.iter().any(|r| covers(head, r)) {
                gaps.push(json!({"cluster": name, "kind": "competitor_covers", "reason": "a competitor's page covers it; no page of the client does"}));
            }
            let with_imps: Vec<&&PageTopic> =
                pages.iter().filter(|p| p.impressions > 0.0).collect();
            if imps > 0.0 && with_imps.len() >= 2 {
                cannibal.push(json!({"cluster": name, "pages": with_imps.iter().map(|p| json!({"url": p.url, "impressions": p.impressions})).collect::<Vec<_>>()}));
            }
            let phrases_ref: Vec<&str> = ps.iter().map(String::as_str).collect();
            out_clusters.push(json!({
                "name": name, "stems": head, "phrases": ps, "intent": self.intent(&phrases_ref),
                "clicks": clicks, "impressions": imps, "ctr": ctr.map(|v| (v * 10_000.0).round() / 10_000.0), "position": pos.map(round2),
                "expected_ctr": expected, "missed_clicks": round2(missed), "pages": pages.iter().map(|p| p.url.clone()).collect::<Vec<_>>(),
            }));
        }
        // Calendar: the gaps first, then the clusters missing most clicks.
        let per_month = match f.budget {
            Some(b) => (b / c.cost_per_article.max(1.0)).floor().min(c.cadence[1]),
            None => c.cadence[0],
        };
        let per_week = per_month * 12.0 / 52.0;
        let mut topics: Vec<String> = gaps
            .iter()
            .filter_map(|g| g["cluster"].as_str().map(str::to_string))
            .collect();
        let mut by_missed: Vec<&Value> = out_clusters.iter().collect();
        by_missed.sort_by(|a, b| {
            b["missed_clicks"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&a["missed_clicks"].as_f64().unwrap_or(0.0))
        });
        for cl in by_missed {
            if let Some(n) = cl["name"].as_str()
                && !topics.iter().any(|t| t == n)
            {
                topics.push(n.to_string());
            }
        }
        let total = seo_domain::num::usize_of(
            (per_week * seo_domain::num::f64_of(c.calendar_weeks)).floor(),
        );
        let calendar: Vec<Value> = topics
            .iter()
            .take(total)
            .enumerate()
            .map(|(k, t)| json!({"week": seo_domain::num::usize_of(seo_domain::num::f64_of(k) / per_week.max(1e-9)) + 1, "topic": t}))
            .collect();
        let mut not_measured = Vec::new();
        if f.queries.is_empty() {
            not_measured.push(
                "search figures per cluster (no Search Console dataset with queries)".to_string(),
            );
        }
        if f.pages.is_empty() {
            not_measured
                .push("page coverage and cannibalisation (no crawl of the client's site)".into());
        }
        let eeat = match &f.eeat {
            Some(sig) => json!(
                sig.iter()
                    .map(|(k, v)| json!({"signal": k, "found": v.is_some(), "evidence": v}))
                    .collect::<Vec<_>>()
            ),
            None => {
                not_measured.push("E-E-A-T signals (no crawl)".into());
                Value::Null
            }
        };
        let eeat_score = f
            .eeat
            .as_ref()
            .map(|s| round2(100.0 * ratio(s.iter().filter(|(_, v)| v.is_some()).count(), s.len())));
        let findings: Vec<Finding> = cannibal
            .iter()
            .map(|c| Finding {
                id: "cannibalisation".into(),
                severity: "medium".into(),
                message: format!(
                    "{}: {} pages with impressions",
                    c["cluster"],
                    c["pages"].as_array().map_or(0, Vec::len)
                ),
            })
            .chain(gaps.iter().map(|g| Finding {
                id: format!("content_gap_{}", g["kind"].as_str().unwrap_or_default()),
                severity: "low".into(),
                message: format!("{}: {}", g["cluster"], g["reason"]),
            }))
            .collect();
        let covered = ratio(
            out_clusters
                .iter()
                .filter(|c| c["pages"].as_array().is_some_and(|p| !p.is_empty()))
                .count(),
            out_clusters.len(),
        );
        let score = (!f.pages.is_empty() && !out_clusters.is_empty())
            .then(|| round2(100.0 * (covered * 0.6 + eeat_score.unwrap_or(0.0) / 100.0 * 0.4)));
        let mut factors = vec![Factor {
            name: "clusters_covered".into(),
            value: round2(covered * 100.0),
            weight: Some(0.6),
            contribution: score.map(|_| round2(covered * 60.0)),
            reason: "share of clusters a crawled page covers".into(),
        }];
        if let Some(e) = eeat_score {
            factors.push(Factor {
                name: "eeat".into(),
                value: e,
                weight: Some(0.4),
                contribution: Some(round2(e * 0.4)),
                reason: "share of E-E-A-T signals found".into(),
            });
        }
        let mut extra = Map::new();
        extra.insert("clusters".into(), json!(out_clusters));
        extra.insert("content_gaps".into(), json!(gaps));
        extra.insert("cannibalisation".into(), json!(cannibal));
        extra.insert("eeat".into(), eeat);
        extra.insert("missed_clicks".into(), json!(round2(missed_total)));
        extra.insert(
            "calendar".into(),
            json!({"articles_per_month": per_month, "weeks": c.calendar_weeks, "items": calendar}),
        );
        AgentOutput {
            summary: format!(
                "{} cluster(s), {} content gap(s), {} cannibalised cluster(s); {per_month} article(s) a month.",
                out_clusters.len(),
                gaps.len(),
                cannibal.len()
            ),
            score,
            factors,
            findings,
            recommendations: calendar
                .iter()
                .take(5)
                .filter_map(|c| Some(format!("Week {}: {}", c["week"], c["topic"].as_str()?)))
                .collect(),
            data_sources: vec![
                "seed keywords".into(),
                "imported Search Console queries".into(),
                "crawled titles and headings".into(),
                "marker and stop-word tables (configuration)".into(),
            ],
            not_measured,
            extra,
        }
    }

    /// E-E-A-T signals of a crawl.
    pub fn eeat(&self, report: &CrawlReport) -> Vec<(String, Option<String>)> {
        let pages: Vec<&seo_crawler::Page> =
            report.pages.iter().filter(|p| p.facts.is_some()).collect();
        let has_type = |t: &[&str]| {
            pages.iter().find_map(|p| {
                p.facts
                    .as_ref()?
                    .json_ld
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .flatten()
                    .find(|x| t.contains(&x.as_str()))
                    .map(|x| format!("{x} on {}", p.url))
            })
        };
        let link_to = |markers: &[String]| {
            pages.iter().find_map(|p| {
                p.facts
                    .as_ref()?
                    .links
                    .iter()
                    .find(|l| {
                        let (u, a) = (fold(&l.url), fold(&l.text));
                        markers
                            .iter()
                            .any(|m| u.contains(&fold(m)) || a.contains(&fold(m)))
                    })
                    .map(|l| l.url.clone())
            })
        };
        vec![
            (
                "organization_schema".into(),
                has_type(&["Organization", "LocalBusiness", "Corporation"]),
            ),
            (
                "author_markup".into(),
                has_type(&["Person", "Article", "BlogPosting", "NewsArticle"]),
            ),
            ("about_page".into(), link_to(&self.config.about_markers)),
            ("contact_page".into(), link_to(&self.config.contact_markers)),
        ]
    }
}

pub(super) fn topics(report: &CrawlReport) -> Vec<(String, String)> {
    report
        .pages
        .iter()
        .filter(|p| p.status == Some(200))
        .filter_map(|p| {
            let f = p.facts.as_ref()?;
            let text = f
                .titles
                .iter()
                .chain(f.h1.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            (!text.trim().is_empty()).then(|| (p.final_url.clone(), text))
        })
        .collect()
}
