//! `reporting`: period-over-period KPIs from the client's imported datasets (search
//! performance and traffic), top movers by query and page, anomalies in the daily series,
//! alerts on falling KPIs, and the latest stored audit score.
//!
//! Every figure is computed from the stored rows and says which dataset it came from; what
//! the datasets do not hold is listed under `not_measured`.

mod audit;
mod config;

pub use audit::AuditReportInput;
use audit::check_audit;
pub use config::ReportingConfig;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{Datelike, Duration, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{DataKind, ResultQuery};
use seo_domain::num::Total;

/// The task type of the KPI report.
pub const KPI_REPORT: &str = "kpi_report";
/// The task type of the client-ready audit report.
pub const AUDIT_REPORT: &str = "audit_report";

/// What to compare the period with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The same number of days just before.
    #[default]
    PreviousPeriod,
    /// The same dates a year earlier.
    PreviousYear,
}

/// The report to make.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct KpiInput {
    /// The client (its imported datasets are read).
    pub client_id: String,
    /// Only datasets of this campaign.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// First day of the period (default: the configured number of days before `period_to`).
    #[serde(default)]
    pub period_from: Option<NaiveDate>,
    /// Last day of the period (default: the last day the datasets hold).
    #[serde(default)]
    pub period_to: Option<NaiveDate>,
    /// `previous_period` (default) or `previous_year`.
    #[serde(default)]
    pub compare: Option<Compare>,
}

/// One KPI over the period and the comparison period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// The period's value.
    pub current: f64,
    /// The comparison period's value.
    pub previous: f64,
    /// current − previous.
    pub change: f64,
    /// change ÷ previous × 100 (absent when previous is 0).
    pub change_pct: Option<f64>,
}

impl Kpi {
    fn new(current: f64, previous: f64) -> Self {
        let change = current - previous;
        Self {
            current,
            previous,
            change,
            change_pct: (previous != 0.0).then(|| change / previous * 100.0),
        }
    }
}

/// Reads one figure of a day.
type Metric = fn(&Day) -> Option<f64>;

/// One day of a daily series.
#[derive(Debug, Clone, Copy, Default)]
struct Day {
    clicks: f64,
    impressions: f64,
    weighted_position: f64,
    sessions: Option<f64>,
    users: Option<f64>,
    key_events: Option<f64>,
    revenue: Option<f64>,
}

/// The `reporting` agent.
#[derive(Debug, Clone, Default)]
pub struct Reporting {
    config: ReportingConfig,
}

impl Reporting {
    /// The agent with its configuration.
    pub fn new(config: ReportingConfig) -> Self {
        Self { config }
    }
}

fn check(input: &Value) -> Result<(KpiInput, uuid::Uuid, Option<uuid::Uuid>), AgentError> {
    let i: KpiInput = parse_input(input)?;
    let client =
        uuid::Uuid::parse_str(i.client_id.trim()).map_err(|_| AgentError::InvalidInput {
            field: "client_id".into(),
            message: "must be a UUID".into(),
        })?;
    let campaign = match i
        .campaign_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => Some(
            uuid::Uuid::parse_str(c).map_err(|_| AgentError::InvalidInput {
                field: "campaign_id".into(),
                message: "must be a UUID".into(),
            })?,
        ),
    };
    if let (Some(f), Some(t)) = (i.period_from, i.period_to)
        && f > t
    {
        return Err(AgentError::InvalidInput {
            field: "period_from".into(),
            message: "must not be after period_to".into(),
        });
    }
    Ok((i, client, campaign))
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|n| n.is_finite())
}

/// Queries of the current period by average position: one bucket per bound of `bounds`
/// (ascending) and one beyond the last, each with its queries and clicks.
fn position_distribution(rows: &[seo_domain::DatasetRow], bounds: &[f64]) -> Value {
    let mut bounds: Vec<f64> = bounds
        .iter()
        .copied()
        .filter(|b| b.is_finite() && *b > 0.0)
        .collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    let mut counts = vec![(0_u64, 0.0_f64); bounds.len() + 1];
    let mut queries = 0_u64;
    for r in rows.iter().filter(|r| r.period != "previous") {
        let Some(p) = num(&r.data, "position").filter(|p| *p > 0.0) else {
            continue;
        };
        let i = bounds.iter().position(|b| p <= *b).unwrap_or(bounds.len());
        if let Some(c) = counts.get_mut(i) {
            c.0 += 1;
            c.1 += num(&r.data, "clicks").unwrap_or(0.0);
            queries += 1;
        }
    }
    if queries == 0 {
        return Value::Null;
    }
    let mut lower = 1.0;
    let buckets: Vec<Value> = counts
        .iter()
        .enumerate()
        .map(|(i, (n, clicks))| {
            let label = match bounds.get(i) {
                Some(b) => {
                    let l = format!("{lower}–{b}");
                    lower = (b + 1.0).floor();
                    l
                }
                None => format!("over {}", bounds.last().copied().unwrap_or(0.0)),
            };
            json!({"label": label, "upper_bound": bounds.get(i), "queries": n, "clicks": clicks})
        })
        .collect();
    json!({
        "queries": queries,
        "rule": "each query of the current period counted in the first bucket whose upper bound is at or above its average position",
        "buckets": buckets,
    })
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days() + 1
}

/// The same calendar day a year earlier (29 February → 28 February).
fn year_before(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() - 1)
        .or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28))
        .unwrap_or(d)
}

fn sum(
    series: &BTreeMap<NaiveDate, Day>,
    from: NaiveDate,
    to: NaiveDate,
    f: Metric,
) -> Option<f64> {
    let vals: Vec<f64> = series.range(from..=to).filter_map(|(_, d)| f(d)).collect();
    (!vals.is_empty()).then(|| vals.iter().sum())
}

fn round(v: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (v * p).round() / p
}

impl Reporting {
    async fn kpi_report(
        &self,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let (i, client_id, campaign_id) = check(input)?;
        let cfg = &self.config;
        let data = ctx.data();
        let unavailable = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let mut sources = Vec::new();
        let mut missing = Vec::new();
        let mut series: BTreeMap<NaiveDate, Day> = BTreeMap::new();
        let mut has_search_days = false;
        let mut has_traffic_days = false;
        let mut movers = Map::new();
        let mut distribution = Value::Null;

        let search = data
            .latest_dataset(client_id, campaign_id, "search_performance")
            .await
            .map_err(unavailable)?;
        if let Some(ds) = &search {
            sources.push(format!(
                "dataset {} ({} from {}, {} rows)",
                ds.id, ds.file_name, ds.source, ds.rows_accepted
            ));
            for r in data
                .dataset_rows(ds.id, Some("date"))
                .await
                .map_err(unavailable)?
            {
                let Ok(day) = r.key.parse::<NaiveDate>() else {
                    continue;
                };
                if r.period != "current" {
                    continue;
                }
                let e = series.entry(day).or_default();
                let impressions = num(&r.data, "impressions").unwrap_or(0.0);
                e.clicks += num(&r.data, "clicks").unwrap_or(0.0);
                e.impressions += impressions;
                e.weighted_position += num(&r.data, "position").unwrap_or(0.0) * impressions;
                has_search_days = true;
            }
            // Top movers need both periods of a compare-mode export.
            for dim in ["query", "page"] {
                let rows = data
                    .dataset_rows(ds.id, Some(dim))
                    .await
                    .map_err(unavailable)?;
                if dim == "query" {
                    distribution = position_distribution(&rows, &cfg.position_buckets);
                }
                let mut by_key: BTreeMap<String, (Option<f64>, Option<f64>)> = BTreeMap::new();
                for r in &rows {
                    let e = by_key.entry(r.key.clone()).or_default();
                    let clicks = num(&r.data, "clicks");
                    if r.period == "previous" {
                        e.1 = clicks;
                    } else {
                        e.0 = clicks;
                    }
                }
                let both: Vec<(String, f64, f64)> = by_key
                    .into_iter()
                    .filter_map(|(k, (c, p))| Some((k, c?, p?)))
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                if both.is_empty() {
                    missing.push(format!("top movers by {dim} (the search export holds one period: export it in compare mode)"));
                    continue;
                }
                let mut changes: Vec<(String, f64, f64, f64)> =
                    both.into_iter().map(|(k, c, p)| (k, c, p, c - p)).collect();
                changes.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
                let entry = |(k, c, p, d): &(String, f64, f64, f64)| json!({"key": k, "clicks": c, "previous_clicks": p, "change": d});
                let up: Vec<Value> = changes
                    .iter()
                    .filter(|x| x.3 > 0.0)
                    .take(cfg.top_movers)
                    .map(entry)
                    .collect();
                let down: Vec<Value> = changes
                    .iter()
                    .rev()
                    .filter(|x| x.3 < 0.0)
                    .take(cfg.top_movers)
                    .map(entry)
                    .collect();
                movers.insert(dim.to_string(), json!({"up": up, "down": down}));
            }
        } else {
            missing.push(
                "search performance (no Search Console or Yandex dataset imported for the client)"
                    .into(),
            );
        }

        let traffic = data
            .latest_dataset(client_id, campaign_id, "traffic")
            .await
            .map_err(unavailable)?;
        if let Some(ds) = &traffic {
            sources.push(format!(
                "dataset {} ({} from {}, {} rows)",
                ds.id, ds.file_name, ds.source, ds.rows_accepted
            ));
            for r in data.dataset_rows(ds.id, None).await.map_err(unavailable)? {
                let Some(day) = r
                    .data
                    .get("date")
                    .and_then(Value::as_str)
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                else {
                    continue;
                };
                let e = series.entry(day).or_default();
                let add = |slot: &mut Option<f64>, v: Option<f64>| {
                    if let Some(v) = v {
                        *slot = Some(slot.unwrap_or(0.0) + v);
                    }
                };
                add(&mut e.sessions, num(&r.data, "sessions"));
                add(&mut e.users, num(&r.data, "users"));
                add(&mut e.key_events, num(&r.data, "key_events"));
                add(&mut e.revenue, num(&r.data, "revenue"));
                has_traffic_days = true;
            }
            if !has_traffic_days {
                missing.push("traffic KPIs (the traffic dataset has no daily rows: export GA4 with the Date dimension)".into());
            }
        } else {
            missing.push("traffic (no GA4 dataset imported for the client)".into());
        }

        // The period: the input's, else the last configured number of days the data holds.
        let last_day = series.keys().next_back().copied();
        let period_to = i.period_to.or(last_day);
        let kpis_and_period = period_to.map(|to| {
            let from = i
                .period_from
                .unwrap_or(to - Duration::days(cfg.default_period_days.saturating_sub(1)));
            let compare = i.compare.unwrap_or_default();
            let (pfrom, pto) = match compare {
                Compare::PreviousPeriod => {
                    let len = days_between(from, to);
                    (from - Duration::days(len), from - Duration::days(1))
                }
                Compare::PreviousYear => (year_before(from), year_before(to)),
            };
            (from, to, pfrom, pto, compare)
        });

        let mut kpis = Map::new();
        let mut daily = Vec::new();
        let mut alerts = Vec::new();
        let mut findings = Vec::new();
        let mut anomalies = Vec::new();
        let period_json;
        if let Some((from, to, pfrom, pto, compare)) = kpis_and_period {
            for (day, d) in series.range(from..=to) {
                daily.push(json!({
                    "date": day,
                    "clicks": has_search_days.then_some(d.clicks),
                    "impressions": has_search_days.then_some(d.impressions),
                    "sessions": d.sessions,
                }));
            }
            period_json = json!({
                "current": {"from": from, "to": to},
                "comparison": {"from": pfrom, "to": pto, "compare": match compare { Compare::PreviousPeriod => "previous_period", Compare::PreviousYear => "previous_year" }},
            });
            let metrics: [(&str, Metric, bool); 6] = [
                ("clicks", |d| Some(d.clicks), true),
                ("impressions", |d| Some(d.impressions), true),
                ("sessions", |d| d.sessions, false),
                ("users", |d| d.users, false),
                ("key_events", |d| d.key_events, false),
                ("revenue", |d| d.revenue, false),
            ];
            for (name, f, search_metric) in metrics {
                if (search_metric && !has_search_days) || (!search_metric && !has_traffic_days) {
                    continue;
                }
                match (sum(&series, from, to, f), sum(&series, pfrom, pto, f)) {
                    (Some(c), Some(p)) => {
                        kpis.insert(name.into(), json!(Kpi::new(c, p)));
                    }
                    (None, _) => {
                        missing.push(format!("{name} (no daily data between {from} and {to})"))
                    }
                    (_, None) => missing.push(format!(
                        "{name} change (no daily data for the comparison period {pfrom} to {pto})"
                    )),
                }
            }
            if has_search_days {
                let ratio = |a: fn(&Day) -> Option<f64>,
                             b: fn(&Day) -> Option<f64>,
                             f: NaiveDate,
                             t: NaiveDate| {
                    match (sum(&series, f, t, a), sum(&series, f, t, b)) {
                        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
                        _ => None,
                    }
                };
                let clicks: Metric = |d| Some(d.clicks);
                let impressions: Metric = |d| Some(d.impressions);
                let weighted: Metric = |d| Some(d.weighted_position);
                for (name, a, b) in [
                    ("ctr", clicks, impressions),
                    ("position", weighted, impressions),
                ] {
                    if let (Some(c), Some(p)) = (ratio(a, b, from, to), ratio(a, b, pfrom, pto)) {
                        kpis.insert(name.into(), json!(Kpi::new(round(c, 6), round(p, 6))));
                    }
                }
            }
            // Alerts: a KPI that fell by more than the configured share.
            for (name, v) in &kpis {
                let (Some(c), Some(p)) = (num(v, "current"), num(v, "previous")) else {
                    continue;
                };
                // A higher position is worse: it "falls" when it grows.
                let fell = if name == "position" { c - p } else { p - c };
                if p > 0.0 && fell / p > cfg.alert_drop_share {
                    let text = format!(
                        "{name} {} {:.1} % ({p} → {c}), beyond the {:.0} % alert threshold",
                        if name == "position" {
                            "worsened"
                        } else {
                            "fell"
                        },
                        fell / p * 100.0,
                        cfg.alert_drop_share * 100.0
                    );
                    alerts.push(json!({"kpi": name, "current": c, "previous": p, "message": text}));
                    findings.push(Finding {
                        id: "kpi_drop".into(),
                        severity: "high".into(),
                        message: text,
                    });
                }
            }
            // Anomalies: a day outside mean ± k·σ of the days before it.
            let daily: [(&str, Metric); 2] =
                [("clicks", |d| Some(d.clicks)), ("sessions", |d| d.sessions)];
            for (name, f) in daily {
                for (day, d) in series.range(from..=to) {
                    let Some(x) = f(d) else { continue };
                    let base: Vec<f64> = series
                        .range(*day - Duration::days(cfg.anomaly_window_days)..*day)
                        .filter_map(|(_, b)| f(b))
                        .collect();
                    if base.len() < cfg.anomaly_min_days {
                        continue;
                    }
                    let n = f64::from(u32::try_from(base.len()).unwrap_or(u32::MAX));
                    let mean = base.iter().total() / n;
                    let sigma = (base.iter().map(|v| (v - mean).powi(2)).total() / n).sqrt();
                    if sigma > 0.0 && (x - mean).abs() > cfg.anomaly_sigma * sigma {
                        let z = (x - mean) / sigma;
                        anomalies.push(json!({"metric": name, "date": day, "value": x, "mean": round(mean, 3), "sigma": round(sigma, 3), "z": round(z, 2)}));
                        findings.push(Finding {
                            id: "anomaly".into(),
                            severity: "medium".into(),
                            message: format!("{name} on {day}: {x} against a mean of {mean:.1} ± {sigma:.1} over the previous {} days (z = {z:.1})", base.len()),
                        });
                    }
                }
            }
        } else {
            period_json = Value::Null;
            missing.push("period KPIs (no daily search or traffic data)".into());
        }

        // The latest stored audit of the client.
        let audits = data
            .recent_results(
                &ResultQuery {
                    agent_id: "technical_seo_auditor".into(),
                    client_id: Some(client_id),
                    ..ResultQuery::default()
                },
                2,
            )
            .await
            .map_err(unavailable)?;
        let audit_json = match (audits.first(), audits.get(1)) {
            (Some(a), previous) => {
                sources.push(format!("audit task {}", a.task_id));
                let score = a.output.get("score").and_then(Value::as_f64);
                let mut j =
                    json!({"task_id": a.task_id, "score": score, "finished_at": a.finished_at});
                match previous {
                    Some(p) => {
                        sources.push(format!("audit task {} (the one before)", p.task_id));
                        let prev = p.output.get("score").and_then(Value::as_f64);
                        if let Some(o) = j.as_object_mut() {
                            o.insert("previous_task_id".into(), json!(p.task_id));
                            o.insert("previous_score".into(), json!(prev));
                            o.insert("previous_finished_at".into(), json!(p.finished_at));
                            o.insert(
                                "change".into(),
                                json!(score.zip(prev).map(|(s, p)| round(s - p, 2))),
                            );
                        }
                    }
                    None => missing
                        .push("audit score change (one stored audit of the client so far)".into()),
                }
                j
            }
            (None, _) => {
                missing.push("audit score (no stored audit for the client)".into());
                Value::Null
            }
        };

        let headline = match kpis.get("clicks").or_else(|| kpis.get("sessions")) {
            Some(k) => {
                let name = if kpis.contains_key("clicks") {
                    "clicks"
                } else {
                    "sessions"
                };
                match num(k, "change_pct") {
                    Some(p) => format!(
                        "{name} {} {:+.1} % period over period",
                        num(k, "current").unwrap_or(0.0),
                        p
                    ),
                    None => format!("{name} {}", num(k, "current").unwrap_or(0.0)),
                }
            }
            None => "no KPI could be computed from the imported datasets".into(),
        };
        let summary = format!(
            "KPI report: {headline}; {} alert(s), {} anomal{}.",
            alerts.len(),
            anomalies.len(),
            if anomalies.len() == 1 { "y" } else { "ies" }
        );
        let mut recommendations = Vec::new();
        if search.is_none() {
            recommendations
                .push("Import the Search Console performance export (ZIP) for this client".into());
        }
        if traffic.is_none() {
            recommendations.push("Import a GA4 traffic report with the Date dimension".into());
        }
        for a in &alerts {
            if let Some(k) = a.get("kpi").and_then(Value::as_str) {
                recommendations.push(format!(
                    "Investigate the {k} drop: compare top movers and recent site changes"
                ));
            }
        }
        let mut extra = Map::new();
        extra.insert("period".into(), period_json);
        extra.insert("kpis".into(), Value::Object(kpis));
        extra.insert("daily".into(), Value::Array(daily));
        extra.insert("top_movers".into(), Value::Object(movers));
        extra.insert("position_distribution".into(), distribution);
        extra.insert("anomalies".into(), Value::Array(anomalies));
        extra.insert("alerts".into(), Value::Array(alerts));
        extra.insert("audit".into(), audit_json);
        extra.insert(
            "rules".into(),
            json!({
                "anomaly": format!("a day outside mean ± {}σ of the previous {} days (at least {} days of history)", cfg.anomaly_sigma, cfg.anomaly_window_days, cfg.anomaly_min_days),
                "alert": format!("a KPI falling by more than {:.0} % (position: rising)", cfg.alert_drop_share * 100.0),
            }),
        );
        Ok(AgentOutput {
            summary,
            score: None,
            factors: Vec::new(),
            findings,
            recommendations,
            data_sources: sources,
            not_measured: missing,
            extra,
        })
    }
}

#[async_trait]
impl Agent for Reporting {
    fn id(&self) -> &'static str {
        "reporting"
    }
    fn name(&self) -> &'static str {
        "Reporting Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Period-over-period KPIs (clicks, impressions, CTR, position, sessions, users, key events, revenue) from the client's imported datasets, top movers by query and page, anomalies in the daily series, alerts on falling KPIs and the latest audit score."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![
            TaskTypeSpec {
                name: KPI_REPORT,
                description: "A KPI report of one client over a period",
                input_schema: schema_of::<KpiInput>(),
            },
            TaskTypeSpec {
                name: AUDIT_REPORT,
                description: "The client's newest stored technical audit as a client-ready report",
                input_schema: schema_of::<AuditReportInput>(),
            },
        ]
    }
    fn validate(&self, task_type: &str, input: &Value) -> Result<(), AgentError> {
        if task_type == AUDIT_REPORT {
            return check_audit(input).map(|_| ());
        }
        check(input).map(|_| ())
    }
    async fn run(
        &self,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        ctx.checkpoint()?;
        let out = if task_type == AUDIT_REPORT {
            self.audit_report(input, ctx).await?
        } else {
            self.kpi_report(input, ctx).await?
        };
        ctx.report(100);
        Ok(out)
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Datasets,
            DataKind::AgentResults,
        ]
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "computes from stored datasets and results; no external dependency".into(),
        }
    }
}
