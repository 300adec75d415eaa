//! Audits as records: the snapshot a technical audit leaves (pages and issues), its stored
//! summary, and what changed between two audits.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One crawled URL as an audit saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotPage {
    /// The URL as discovered.
    pub url: String,
    /// Where its redirects ended (the URL itself when none).
    pub final_url: String,
    /// Final HTTP status; `null` when no answer came.
    pub status: Option<u16>,
    /// The URL redirects (it is not counted as a page of its own).
    pub redirect: bool,
    /// The first `<title>`.
    pub title: Option<String>,
    /// The first canonical.
    pub canonical: Option<String>,
    /// Words of visible text.
    pub word_count: usize,
    /// Hash of the normalised text (hex): equal fingerprints are identical content.
    pub fingerprint: Option<String>,
    /// Link distance from the start page.
    pub depth: u32,
    /// Internal links pointing at it.
    pub inlinks: usize,
}

/// One check that failed in an audit, with every page it affected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotIssue {
    /// The check id.
    pub check: String,
    /// Its score category.
    pub category: String,
    /// `error`, `warning` or `notice`.
    pub severity: String,
    /// The pages affected (empty for a site-wide issue).
    pub pages: Vec<String>,
    /// It concerns the site as a whole.
    pub site_wide: bool,
}

/// What an audit saw: every crawled URL and every failed check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditSnapshot {
    /// Crawled URLs in discovery order.
    pub pages: Vec<SnapshotPage>,
    /// Failed checks.
    pub issues: Vec<SnapshotIssue>,
}

/// Issue counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeverityCounts {
    /// Error-severity issue types found.
    pub error: i64,
    /// Warning-severity issue types found.
    pub warning: i64,
    /// Notice-severity issue types found.
    pub notice: i64,
}

/// The figures of an audit, stored with its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditSummary {
    /// The start URL.
    pub url: String,
    /// The host audited.
    pub host: String,
    /// Weighted category score, 0–100.
    pub audit_score: f64,
    /// `excellent`, `good`, `needs_work` or `poor`.
    pub grade: String,
    /// Share of crawled HTML pages without an error-severity issue × 100.
    pub health_score: f64,
    /// `weak`, `fair`, `good` or `excellent`.
    pub health_band: String,
    /// URLs fetched (redirect sources included).
    pub pages_crawled: i64,
    /// HTML pages answered 200 (the health score's denominator).
    pub html_pages: i64,
    /// HTML pages with at least one error-severity issue.
    pub pages_with_errors: i64,
    /// Issue types found by severity.
    pub issues: SeverityCounts,
}

/// A stored audit without its snapshot (the list view).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Audit {
    /// Id.
    pub id: Uuid,
    /// The audit task that produced it.
    pub task_id: Option<Uuid>,
    /// The client audited.
    pub client_id: Option<Uuid>,
    /// The campaign audited.
    pub campaign_id: Option<Uuid>,
    /// Scores and counts.
    #[serde(flatten)]
    pub summary: AuditSummary,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A stored audit with its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditDetail {
    /// The record.
    #[serde(flatten)]
    pub audit: Audit,
    /// Pages and issues.
    pub snapshot: AuditSnapshot,
}

/// An audit to store (the engine writes it when an audit task completes).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    /// Its id (named in the task's output).
    pub id: Uuid,
    /// The task.
    pub task_id: Uuid,
    /// The client.
    pub client_id: Option<Uuid>,
    /// The campaign.
    pub campaign_id: Option<Uuid>,
    /// Scores and counts.
    pub summary: AuditSummary,
    /// Pages and issues.
    pub snapshot: AuditSnapshot,
    /// Snapshots kept per campaign (older ones are deleted).
    pub retention: usize,
}

/// A check whose affected pages changed between two audits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueChange {
    /// The check id.
    pub check: String,
    /// Its severity (in the audit where it is present).
    pub severity: String,
    /// Site-wide issue.
    pub site_wide: bool,
    /// Pages newly affected (new issues) or no longer affected (fixed issues).
    pub pages: Vec<String>,
}

/// A URL whose status changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    /// The URL.
    pub url: String,
    /// Status in the earlier audit.
    pub from: Option<u16>,
    /// Status in the later audit.
    pub to: Option<u16>,
}

/// A score in two audits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreChange {
    /// In the earlier audit.
    pub from: f64,
    /// In the later audit.
    pub to: f64,
    /// `to − from`, one decimal.
    pub change: f64,
}

impl ScoreChange {
    fn new(from: f64, to: f64) -> Self {
        Self {
            from,
            to,
            // `+ 0.0` turns the `-0` of a tiny drop rounded away into `0`.
            change: ((to - from) * 10.0).round() / 10.0 + 0.0,
        }
    }
}

/// What changed from an earlier audit to a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditDiff {
    /// The later audit (`null` while it is being produced).
    pub audit_id: Option<Uuid>,
    /// The earlier audit compared against.
    pub against: Uuid,
    /// Checks failing on pages (or site-wide) where they did not before.
    pub new_issues: Vec<IssueChange>,
    /// Checks no longer failing on pages (or site-wide) where they did before.
    pub fixed_issues: Vec<IssueChange>,
    /// URLs crawled now and not before.
    pub pages_added: Vec<String>,
    /// URLs crawled before and not now.
    pub pages_removed: Vec<String>,
    /// URLs crawled both times whose status changed.
    pub status_changes: Vec<StatusChange>,
    /// Weighted audit score.
    pub audit_score: ScoreChange,
    /// Health score.
    pub health_score: ScoreChange,
}

impl AuditDiff {
    /// Whether nothing changed but (possibly) the scores' rounding.
    pub fn is_empty(&self) -> bool {
        self.new_issues.is_empty()
            && self.fixed_issues.is_empty()
            && self.pages_added.is_empty()
            && self.pages_removed.is_empty()
            && self.status_changes.is_empty()
    }
}

/// Per check: (severity, site-wide, pages).
fn by_check(s: &AuditSnapshot) -> BTreeMap<&str, (&str, bool, BTreeSet<&str>)> {
    s.issues
        .iter()
        .map(|i| {
            (
                i.check.as_str(),
                (
                    i.severity.as_str(),
                    i.site_wide,
                    i.pages.iter().map(String::as_str).collect(),
                ),
            )
        })
        .collect()
}

/// Issues of `a` not in `b`, check by check and page by page.
fn missing_from(
    a: &BTreeMap<&str, (&str, bool, BTreeSet<&str>)>,
    b: &BTreeMap<&str, (&str, bool, BTreeSet<&str>)>,
) -> Vec<IssueChange> {
    a.iter()
        .filter_map(|(check, (sev, site_wide, pages))| {
            let other = b.get(check);
            let gone: Vec<String> = pages
                .iter()
                .filter(|p| other.is_none_or(|(_, _, o)| !o.contains(*p)))
                .map(|p| (*p).to_string())
                .collect();
            let site_changed = *site_wide && other.is_none();
            (site_changed || !gone.is_empty()).then(|| IssueChange {
                check: (*check).to_string(),
                severity: (*sev).to_string(),
                site_wide: *site_wide,
                pages: gone,
            })
        })
        .collect()
}

/// What changed from `earlier` (audit `against`) to `later`.
pub fn diff(
    against: Uuid,
    earlier: (&AuditSummary, &AuditSnapshot),
    audit_id: Option<Uuid>,
    later: (&AuditSummary, &AuditSnapshot),
) -> AuditDiff {
    let (old, new) = (by_check(earlier.1), by_check(later.1));
    let old_pages: BTreeMap<&str, Option<u16>> = earlier
        .1
        .pages
        .iter()
        .map(|p| (p.url.as_str(), p.status))
        .collect();
    let new_pages: BTreeMap<&str, Option<u16>> = later
        .1
        .pages
        .iter()
        .map(|p| (p.url.as_str(), p.status))
        .collect();
    AuditDiff {
        audit_id,
        against,
        new_issues: missing_from(&new, &old),
        fixed_issues: missing_from(&old, &new),
        pages_added: new_pages
            .keys()
            .filter(|u| !old_pages.contains_key(*u))
            .map(|u| (*u).to_string())
            .collect(),
        pages_removed: old_pages
            .keys()
            .filter(|u| !new_pages.contains_key(*u))
            .map(|u| (*u).to_string())
            .collect(),
        status_changes: new_pages
            .iter()
            .filter_map(|(u, to)| {
                old_pages
                    .get(u)
                    .filter(|from| *from != to)
                    .map(|from| StatusChange {
                        url: (*u).to_string(),
                        from: *from,
                        to: *to,
                    })
            })
            .collect(),
        audit_score: ScoreChange::new(earlier.0.audit_score, later.0.audit_score),
        health_score: ScoreChange::new(earlier.0.health_score, later.0.health_score),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn page(url: &str, status: u16) -> SnapshotPage {
        SnapshotPage {
            url: url.into(),
            final_url: url.into(),
            status: Some(status),
            redirect: false,
            title: None,
            canonical: None,
            word_count: 0,
            fingerprint: None,
            depth: 0,
            inlinks: 0,
        }
    }

    fn issue(check: &str, pages: &[&str], site_wide: bool) -> SnapshotIssue {
        SnapshotIssue {
            check: check.into(),
            category: "c".into(),
            severity: "error".into(),
            pages: pages.iter().map(|p| (*p).to_string()).collect(),
            site_wide,
        }
    }

    fn summary(score: f64, health: f64) -> AuditSummary {
        AuditSummary {
            url: "https://a.test/".into(),
            host: "a.test".into(),
            audit_score: score,
            grade: "good".into(),
            health_score: health,
            health_band: "good".into(),
            pages_crawled: 2,
            html_pages: 2,
            pages_with_errors: 0,
            issues: SeverityCounts::default(),
        }
    }

    #[test]
    fn the_diff_names_exactly_what_changed() {
        let before = AuditSnapshot {
            pages: vec![page("/a", 200), page("/b", 200), page("/c", 200)],
            issues: vec![
                issue("title_missing", &["/a", "/b"], false),
                issue("sitemap_missing", &[], true),
            ],
        };
        let after = AuditSnapshot {
            pages: vec![page("/a", 200), page("/b", 404), page("/d", 200)],
            issues: vec![
                issue("title_missing", &["/a", "/d"], false),
                issue("http_4xx", &["/b"], false),
            ],
        };
        let id = Uuid::nil();
        let d = diff(
            id,
            (&summary(70.0, 50.0), &before),
            None,
            (&summary(65.5, 33.3), &after),
        );
        let names = |v: &[IssueChange]| {
            v.iter()
                .map(|i| format!("{}:{}", i.check, i.pages.join(",")))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&d.new_issues), ["http_4xx:/b", "title_missing:/d"]);
        assert_eq!(
            names(&d.fixed_issues),
            ["sitemap_missing:", "title_missing:/b"]
        );
        assert_eq!(d.pages_added, ["/d"]);
        assert_eq!(d.pages_removed, ["/c"]);
        assert_eq!(
            d.status_changes,
            [StatusChange {
                url: "/b".into(),
                from: Some(200),
                to: Some(404)
            }]
        );
        assert_eq!(d.audit_score.change, -4.5);
        assert_eq!(d.health_score.change, -16.7);
        assert!(!d.is_empty());
    }
}
