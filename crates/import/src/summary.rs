//! The summary stored with a dataset: totals per dimension and period (search), links and
//! referring domains (backlinks), days and totals (traffic).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::shapes::f64_of;
use crate::{Dimension, Kind, Parsed, Period, TrafficRow};

/// Per dimension and period: rows, clicks, impressions, CTR = clicks ÷ impressions, and the
/// impression-weighted position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchTotals {
    /// Rows.
    pub rows: usize,
    /// Sum of clicks.
    pub clicks: i64,
    /// Sum of impressions.
    pub impressions: i64,
    /// clicks ÷ impressions (0 without impressions).
    pub ctr: f64,
    /// Σ position × impressions ÷ Σ impressions.
    pub position: Option<f64>,
}

/// The summary of a parsed export, as stored with the dataset.
pub fn summarise(p: &Parsed) -> serde_json::Value {
    match p.kind {
        Kind::SearchPerformance => {
            let mut by: BTreeMap<(Dimension, Period), (usize, i64, i64, f64)> = BTreeMap::new();
            for r in &p.search {
                let e = by.entry((r.dimension, r.period)).or_default();
                e.0 += 1;
                e.1 += r.clicks;
                e.2 += r.impressions;
                e.3 += r.position * f64_of(r.impressions);
            }
            let mut out = serde_json::Map::new();
            for ((d, period), (rows, clicks, impressions, weighted)) in by {
                let key = serde_json::to_value(d)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let totals = SearchTotals {
                    rows,
                    clicks,
                    impressions,
                    ctr: if impressions > 0 {
                        f64_of(clicks) / f64_of(impressions)
                    } else {
                        0.0
                    },
                    position: (impressions > 0).then(|| weighted / f64_of(impressions)),
                };
                let slot = out
                    .entry(key)
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if let Some(m) = slot.as_object_mut() {
                    let period = if period == Period::Current {
                        "current"
                    } else {
                        "previous"
                    };
                    m.insert(
                        period.into(),
                        serde_json::to_value(totals).unwrap_or_default(),
                    );
                }
            }
            serde_json::json!({
                "dimensions": out,
                "note": "Search Console's query and page tables are capped (top 1,000 rows, rare queries anonymised): their rows do not add up to the totals of the date or device tables.",
            })
        }
        Kind::Backlinks => {
            let domains: BTreeSet<String> = p
                .backlinks
                .iter()
                .filter_map(|b| {
                    url::Url::parse(&b.source_url)
                        .ok()?
                        .host_str()
                        .map(|h| h.trim_start_matches("www.").to_lowercase())
                })
                .collect();
            let nofollow = p.backlinks.iter().filter(|b| b.nofollow).count();
            let links = p.backlinks.len();
            serde_json::json!({
                "links": links,
                "referring_domains": domains.len(),
                "nofollow_share": if links == 0 { 0.0 } else { f64_of(i64::try_from(nofollow).unwrap_or(0)) / f64_of(i64::try_from(links).unwrap_or(1)) },
                "lost": p.backlinks.iter().filter(|b| b.lost).count(),
            })
        }
        Kind::Traffic => {
            let days: BTreeSet<NaiveDate> = p.traffic.iter().filter_map(|r| r.date).collect();
            let sum = |f: fn(&TrafficRow) -> Option<f64>| -> Option<f64> {
                let v: Vec<f64> = p.traffic.iter().filter_map(f).collect();
                (!v.is_empty()).then(|| v.iter().sum())
            };
            serde_json::json!({
                "rows": p.traffic.len(),
                "days": days.len(),
                "sessions": sum(|r| r.sessions),
                "users": sum(|r| r.users),
                "key_events": sum(|r| r.key_events),
                "revenue": sum(|r| r.revenue),
            })
        }
    }
}
