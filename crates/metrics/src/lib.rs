//! Metrics of SEO Architects.
//!
//! - The Prometheus recorder (metrics-exporter-prometheus, no HTTP listener of its own: the
//!   transport serves [`Metrics::render`] at `/metrics`), with explicit histogram buckets.
//! - HTTP series by method, matched route pattern (`unmatched` for everything else, so unknown
//!   paths never create series) and status; task series by agent and status.
//! - System and process CPU and memory, sampled by a background task so no request waits.
//! - A per-minute history of the last 24 hours (requests, errors, p50/p95 latency, tasks by
//!   status) behind `/api/metrics/detailed`.

use seo_domain::num::{f64_of, usize_of};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

/// Latency buckets (seconds) of `http_request_duration_seconds`.
pub const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Duration buckets (seconds) of `agent_task_duration_seconds`.
pub const TASK_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
];
/// Minutes of history kept.
pub const HISTORY_MINUTES: usize = 24 * 60;
/// Latency samples kept per minute for the percentiles.
const SAMPLES_PER_MINUTE: usize = 5_000;

/// Why the recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("metrics recorder: {0}")]
pub struct MetricsError(String);

#[derive(Debug, Default)]
struct Minute {
    start: Option<DateTime<Utc>>,
    requests: u64,
    errors: u64,
    latencies_ms: Vec<f64>,
    tasks: BTreeMap<String, u64>,
}

/// One minute of history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinuteStats {
    /// Start of the minute (UTC).
    pub minute: DateTime<Utc>,
    /// Requests finished in it.
    pub requests: u64,
    /// Of which 5xx.
    pub errors: u64,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 95th percentile latency, ms.
    pub p95_ms: Option<f64>,
    /// Tasks finished in it, by final status.
    pub tasks: BTreeMap<String, u64>,
}

/// System and process figures from the last sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SystemSnapshot {
    /// When it was taken.
    pub sampled_at: Option<DateTime<Utc>>,
    /// Whole-machine CPU use, percent.
    pub cpu_percent: f64,
    /// Whole-machine memory in use, percent.
    pub memory_percent: f64,
    /// Memory in use, bytes.
    pub memory_used_bytes: u64,
    /// Memory installed, bytes.
    pub memory_total_bytes: u64,
    /// This process's CPU use, percent of one core.
    pub process_cpu_percent: f64,
    /// This process's resident memory, bytes.
    pub process_resident_bytes: u64,
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the smallest value with at least q of the values at or below it.
    let rank = usize_of((f64_of(sorted.len()) * q).ceil()).clamp(1, sorted.len());
    sorted.get(rank - 1).map(|v| (v * 1000.0).round() / 1000.0)
}

/// The metrics of one process. Clone the `Arc` to share it.
#[derive(Debug)]
pub struct Metrics {
    handle: PrometheusHandle,
    history: Mutex<VecDeque<Minute>>,
    system: RwLock<SystemSnapshot>,
    /// Registered series handles by route, then (method, status): after a route's first
    /// request, recording is a map lookup and atomic adds, with no label allocation.
    http: RwLock<HashMap<String, SeriesByMethodStatus>>,
}

/// A route's series by (method label, status).
type SeriesByMethodStatus = HashMap<(&'static str, u16), HttpSeries>;

/// The series one (method, route, status) writes to.
struct HttpSeries {
    requests: metrics::Counter,
    duration: metrics::Histogram,
    /// Only for statuses of 500 and above (the only ones `http_errors_total` counts).
    errors: Option<metrics::Counter>,
}

impl std::fmt::Debug for HttpSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpSeries")
    }
}

/// The method label: the standard methods by name, anything else as `other`, so a client
/// inventing methods cannot create series.
fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// The process-wide handle; the mutex makes concurrent first installs (tests start several
/// apps in one process) install exactly once.
static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// Gives every series its `# HELP` text, and sets the ones a scraper expects from the first
/// scrape (gauges and unlabelled-by-request counters) to zero so they exist before any event.
fn describe_and_zero() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests by method, route pattern and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method and route pattern"
    );
    describe_counter!(
        "http_errors_total",
        "HTTP responses with status 400 or above"
    );
    describe_counter!(
        "agent_tasks_total",
        "Finished agent tasks by agent and status"
    );
    describe_histogram!(
        "agent_task_duration_seconds",
        metrics::Unit::Seconds,
        "Agent task run time by agent"
    );
    describe_gauge!(
        "agent_success_rate",
        "Share of an agent's finished tasks that completed"
    );
    describe_gauge!("task_queue_depth", "Tasks pending and running");
    describe_counter!(
        "rate_limited_total",
        "Requests refused by the rate limiter, by reason"
    );
    describe_gauge!("db_pool_connections", "Database pool connections by state");
    describe_gauge!("ws_connections", "Open dashboard WebSocket connections");
    describe_gauge!(
        "system_active_connections",
        "Open dashboard WebSocket connections"
    );
    describe_gauge!("system_cpu_percent", "Whole-machine CPU use, percent");
    describe_gauge!("system_memory_percent", "Whole-machine memory use, percent");
    describe_gauge!(
        "process_cpu_percent",
        "This process's CPU use, percent of one core"
    );
    describe_gauge!(
        "process_resident_memory_bytes",
        metrics::Unit::Bytes,
        "This process's resident memory"
    );
    metrics::gauge!("ws_connections").set(0.0);
    metrics::gauge!("system_active_connections").set(0.0);
    for reason in ["limit", "store_down"] {
        metrics::counter!("rate_limited_total", "reason" => reason).increment(0);
    }
}

impl Metrics {
    /// Installs the process-wide recorder (once; later calls share it) and returns a new
    /// history and snapshot.
    pub fn install() -> Result<Arc<Self>, MetricsError> {
        let mut slot = HANDLE.lock().unwrap_or_else(|p| p.into_inner());
        let handle = match slot.as_ref() {
            Some(h) => h.clone(),
            None => {
                let h = PrometheusBuilder::new()
                    .set_buckets_for_metric(
                        Matcher::Full("http_request_duration_seconds".into()),
                        HTTP_BUCKETS,
                    )
                    .and_then(|b| {
                        b.set_buckets_for_metric(
                            Matcher::Full("agent_task_duration_seconds".into()),
                            TASK_BUCKETS,
                        )
                    })
                    .map_err(|e| MetricsError(e.to_string()))?
                    .install_recorder()
                    .map_err(|e| MetricsError(e.to_string()))?;
                *slot = Some(h.clone());
                describe_and_zero();
                h
            }
        };
        drop(slot);
        Ok(Arc::new(Self {
            handle,
            history: Mutex::new(VecDeque::new()),
            system: RwLock::new(SystemSnapshot::default()),
            http: RwLock::new(HashMap::new()),
        }))
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    fn with_minute(&self, f: impl FnOnce(&mut Minute)) {
        let now = Utc::now();
        let start = now
            .duration_trunc(chrono::Duration::minutes(1))
            .unwrap_or(now);
        let mut h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        if h.back().and_then(|m| m.start) != Some(start) {
            h.push_back(Minute {
                start: Some(start),
                ..Minute::default()
            });
            while h.len() > HISTORY_MINUTES {
                h.pop_front();
            }
        }
        if let Some(m) = h.back_mut() {
            f(m);
        }
    }

    /// Records one finished HTTP request. `route` is the matched pattern or `unmatched`.
    pub fn record_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        let record = |s: &HttpSeries| {
            s.requests.increment(1);
            s.duration.record(elapsed.as_secs_f64());
            if let Some(e) = &s.errors {
                e.increment(1);
            }
        };
        let recorded = {
            let http = self.http.read().unwrap_or_else(|p| p.into_inner());
            http.get(route)
                .and_then(|r| r.get(&(method, status)))
                .map(record)
                .is_some()
        };
        if !recorded {
            let labels = [
                ("method", method.to_string()),
                ("route", route.to_string()),
                ("status", status.to_string()),
            ];
            let series = HttpSeries {
                requests: metrics::counter!("http_requests_total", &labels),
                duration: metrics::histogram!("http_request_duration_seconds", &labels[..2]),
                errors: (status >= 500).then(|| metrics::counter!("http_errors_total", &labels)),
            };
            record(&series);
            self.http
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(route.to_string())
                .or_default()
                .insert((method, status), series);
        }
        let ms = elapsed.as_secs_f64() * 1000.0;
        self.with_minute(|m| {
            m.requests += 1;
            if status >= 500 {
                m.errors += 1;
            }
            if m.latencies_ms.len() < SAMPLES_PER_MINUTE {
                m.latencies_ms.push(ms);
            }
        });
    }

    /// Records a finished task; `success_rate` is the agent's current rate, when known.
    pub fn record_task(
        &self,
        agent: &str,
        status: &str,
        elapsed: Option<Duration>,
        success_rate: Option<f64>,
    ) {
        metrics::counter!("agent_tasks_total", "agent" => agent.to_string(), "status" => status.to_string()).increment(1);
        if let Some(d) = elapsed {
            metrics::histogram!("agent_task_duration_seconds", "agent" => agent.to_string())
                .record(d.as_secs_f64());
        }
        if let Some(r) = success_rate {
            metrics::gauge!("agent_success_rate", "agent_id" => agent.to_string()).set(r);
        }
        self.with_minute(|m| *m.tasks.entry(status.to_string()).or_default() += 1);
    }

    /// Counts a request refused by the rate limiter (`reason`: `limit` or `store_down`).
    pub fn record_rate_limited(&self, reason: &str) {
        metrics::counter!("rate_limited_total", "reason" => reason.to_string()).increment(1);
    }

    /// Sets the queue depth and database pool gauges.
    pub fn set_queue_and_pool(
        &self,
        pending: i64,
        running: i64,
        pool_in_use: usize,
        pool_idle: usize,
        pool_max: usize,
    ) {
        metrics::gauge!("task_queue_depth", "status" => "pending").set(f64_of(pending));
        metrics::gauge!("task_queue_depth", "status" => "running").set(f64_of(running));
        metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64_of(pool_in_use));
        metrics::gauge!("db_pool_connections", "state" => "idle").set(f64_of(pool_idle));
        metrics::gauge!("db_pool_connections", "state" => "max").set(f64_of(pool_max));
    }

    /// Sets the open WebSocket connection gauge (`ws_connections`, and the original's
    /// `system_active_connections`, which its dashboards read and which counts the same thing).
    pub fn set_ws_connections(&self, n: usize) {
        metrics::gauge!("ws_connections").set(f64_of(n));
        metrics::gauge!("system_active_connections").set(f64_of(n));
    }

    /// The last system sample.
    pub fn system(&self) -> SystemSnapshot {
        self.system
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Per-minute history of the last `hours` hours (1–24), oldest first.
    pub fn detailed(&self, hours: u32) -> Vec<MinuteStats> {
        let since = Utc::now() - chrono::Duration::hours(i64::from(hours.clamp(1, 24)));
        let h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        h.iter()
            .filter_map(|m| {
                let start = m.start?;
                (start >= since).then(|| {
                    let mut lat = m.latencies_ms.clone();
                    lat.sort_by(f64::total_cmp);
                    MinuteStats {
                        minute: start,
                        requests: m.requests,
                        errors: m.errors,
                        p50_ms: percentile(&lat, 0.5),
                        p95_ms: percentile(&lat, 0.95),
                        tasks: m.tasks.clone(),
                    }
                })
            })
            .collect()
    }

    /// Starts the background sampler: system and process figures every `every`, and the
    /// recorder's upkeep. It stops when the returned handle is aborted or the runtime ends.
    pub fn start_sampler(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut sys = match sysinfo::System::new() {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "system figures unavailable");
                    return;
                }
            };
            let pid = sysinfo::get_current_pid().ok();
            loop {
                // sysinfo reads /proc: keep it off the async workers.
                let (snap, s) = match tokio::task::spawn_blocking(move || {
                    sys.refresh_cpu_usage();
                    sys.refresh_memory();
                    let (pcpu, prss) = match pid {
                        Some(p) => {
                            sys.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[p]), true);
                            sys.process(p)
                                .map_or((0.0, 0), |pr| (f64::from(pr.cpu_usage()), pr.memory()))
                        }
                        None => (0.0, 0),
                    };
                    let total = sys.total_memory();
                    let used = sys.used_memory();
                    let snap = SystemSnapshot {
                        sampled_at: Some(Utc::now()),
                        cpu_percent: f64::from(sys.global_cpu_usage()),
                        memory_percent: if total > 0 {
                            f64_of(used) * 100.0 / f64_of(total)
                        } else {
                            0.0
                        },
                        memory_used_bytes: used,
                        memory_total_bytes: total,
                        process_cpu_percent: pcpu,
                        process_resident_bytes: prss,
                    };
                    (snap, sys)
                })
                .await
                {
                    Ok(v) => v,
                    Err(_) => return,
                };
                sys = s;
                metrics::gauge!("system_cpu_percent").set(snap.cpu_percent);
                metrics::gauge!("system_memory_percent").set(snap.memory_percent);
                metrics::gauge!("process_cpu_percent").set(snap.process_cpu_percent);
                metrics::gauge!("process_resident_memory_bytes")
                    .set(f64_of(snap.process_resident_bytes));
                *me.system.write().unwrap_or_else(|p| p.into_inner()) = snap;
                me.handle.run_upkeep();
                tokio::time::sleep(every).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.95), Some(95.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
