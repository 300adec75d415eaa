//! Rules of the KPI report (`[agents.reporting]`).

use serde::{Deserialize, Serialize};

/// The report's rules: its default period, the anomaly rule and the alert threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportingConfig {
    /// Days of the period when the input gives no `period_from` (ending on `period_to`, or
    /// on the last day the datasets hold).
    pub default_period_days: i64,
    /// A day is an anomaly when it lies more than this many standard deviations from the
    /// mean of the days before it.
    pub anomaly_sigma: f64,
    /// How many days before a day make its baseline.
    pub anomaly_window_days: i64,
    /// Fewest baseline days for the anomaly rule to apply.
    pub anomaly_min_days: usize,
    /// A KPI falling by more than this share of its previous value raises an alert (0–1).
    pub alert_drop_share: f64,
    /// Queries and pages listed per direction among the top movers.
    pub top_movers: usize,
    /// Issues listed, in priority order, in an audit report.
    pub audit_top_issues: usize,
    /// Upper bounds of the position buckets of the position distribution (ascending; a last
    /// bucket holds every query beyond the largest bound).
    pub position_buckets: Vec<f64>,
}

impl Default for ReportingConfig {
    fn default() -> Self {
        Self {
            default_period_days: 28,
            anomaly_sigma: 3.0,
            anomaly_window_days: 28,
            anomaly_min_days: 7,
            alert_drop_share: 0.2,
            top_movers: 10,
            audit_top_issues: 20,
            position_buckets: vec![3.0, 10.0, 20.0, 50.0],
        }
    }
}
