//! Statistics with one definition each.

pub use seo_domain::task::success_rate;

/// [`success_rate`] from task counts by status (as the database reports them).
///
/// ```
/// let counts = [("completed".to_string(), 3), ("failed".into(), 1), ("cancelled".into(), 5)];
/// assert_eq!(seo_service::stats::success_rate_of(&counts.into_iter().collect()), Some(0.75));
/// ```
pub fn success_rate_of(by_status: &std::collections::BTreeMap<String, i64>) -> Option<f64> {
    let n = |s: &str| u64::try_from(by_status.get(s).copied().unwrap_or(0)).unwrap_or(0);
    success_rate(n("completed"), n("failed"), n("timed_out"))
}
