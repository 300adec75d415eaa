//! `client_success_manager`: a client's health and churn risk from real activity — tasks in
//! the period, campaign statuses, days since the client was last worked on, failed and
//! overdue work, the clicks trend of its imported Search Console data, its audit score
//! trend — each factor weighted from configuration (renormalised over what was measured),
//! and upsell triggers from its audit results and datasets.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{ratio, round2};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{ClientActivity, DataKind, ResultQuery};
use seo_domain::num::Total;

/// Task type.
pub const HEALTH: &str = "client_health";

/// A band: a value from (or up to) `at` scores `score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreBand {
    /// Threshold.
    pub at: f64,
    /// Score 0–100.
    pub score: f64,
}

/// An upsell offer and what triggers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upsell {
    /// Offer name.
    pub offer: String,
    /// `audit_score_below:<n>`, `category_issues:<category>:<n>` (at least n issue types of
    /// the category in the newest audit) or `no_dataset:<kind>`.
    pub when: String,
    /// Monthly value of the offer.
    pub monthly_value: f64,
}

/// `[agents.client_success_manager]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuccessConfig {
    /// Days of activity read when the input gives no `period_days`.
    pub period_days: i64,
    /// Weights of activity, recency, campaigns, delivery, KPI trend, audit trend.
    pub weights: [f64; 6],
    /// Tasks in the period that count as full activity.
    pub target_tasks: f64,
    /// Days since the client was last worked on → score (the first band not exceeded).
    pub recency_bands: Vec<ScoreBand>,
    /// Campaign status scores: active, paused, draft, completed, cancelled (the best
    /// campaign counts).
    pub campaign_scores: [f64; 5],
    /// A pending task older than this many hours is overdue.
    pub overdue_hours: f64,
    /// Clicks change (percent, recent window against the one before) → score (the highest
    /// band reached).
    pub kpi_bands: Vec<ScoreBand>,
    /// Days in each window of the clicks trend.
    pub kpi_window_days: i64,
    /// Audit score change (points, newest against the one before) → score (highest reached).
    pub audit_bands: Vec<ScoreBand>,
    /// Churn levels: churn risk (100 − health) up to these is low, medium, high (above:
    /// critical).
    pub churn_levels: [f64; 3],
    /// Upsell catalogue.
    pub upsells: Vec<Upsell>,
}

fn b(rows: &[(f64, f64)]) -> Vec<ScoreBand> {
    rows.iter()
        .map(|&(at, score)| ScoreBand { at, score })
        .collect()
}

impl Default for SuccessConfig {
    fn default() -> Self {
        Self {
            period_days: 30,
            weights: [0.2, 0.2, 0.15, 0.15, 0.15, 0.15],
            target_tasks: 10.0,
            recency_bands: b(&[(7.0, 100.0), (14.0, 70.0), (30.0, 40.0), (f64::MAX, 10.0)]),
            campaign_scores: [100.0, 50.0, 30.0, 60.0, 0.0],
            overdue_hours: 24.0,
            kpi_bands: b(&[(10.0, 100.0), (0.0, 70.0), (-10.0, 40.0), (f64::MIN, 10.0)]),
            kpi_window_days: 14,
            audit_bands: b(&[(2.0, 100.0), (-2.0, 70.0), (f64::MIN, 30.0)]),
            churn_levels: [30.0, 60.0, 80.0],
            upsells: vec![
                Upsell {
                    offer: "Advanced Technical SEO".into(),
                    when: "audit_score_below:70".into(),
                    monthly_value: 500_000.0,
                },
                Upsell {
                    offer: "Content Strategy Premium".into(),
                    when: "category_issues:content:3".into(),
                    monthly_value: 300_000.0,
                },
                Upsell {
                    offer: "Link Building".into(),
                    when: "no_dataset:backlinks".into(),
                    monthly_value: 800_000.0,
                },
                Upsell {
                    offer: "Search Console reporting".into(),
                    when: "no_dataset:search_performance".into(),
                    monthly_value: 50_000.0,
                },
            ],
        }
    }
}

/// The client to assess.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SuccessInput {
    /// The client (default: the task's client).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Uuid>,
    /// Days of activity read (1–365).
    #[serde(default)]
    pub period_days: Option<i64>,
}

/// What was read about the client.
#[derive(Debug, Clone, Default)]
pub struct ClientFacts {
    /// Its records and work.
    pub activity: Option<ClientActivity>,
    /// Audit scores, newest first, with their issues.
    pub audits: Vec<(f64, Vec<Value>)>,
    /// Daily clicks of its newest search dataset, by day.
    pub daily_clicks: Vec<(NaiveDate, f64)>,
    /// Dataset kinds it has.
    pub dataset_kinds: Vec<String>,
}

/// The `client_success_manager` agent.
#[derive(Debug, Clone, Default)]
pub struct ClientSuccessManager {
    config: SuccessConfig,
}

fn first_not_exceeded(bands: &[ScoreBand], v: f64) -> Option<f64> {
    bands.iter().find(|b| v <= b.at).map(|b| b.score)
}

fn highest_reached(bands: &[ScoreBand], v: f64) -> Option<f64> {
    bands
        .iter()
        .filter(|b| v >= b.at)
        .max_by(|x, y| x.at.total_cmp(&y.at))
        .map(|b| b.score)
}

impl ClientSuccessManager {
    /// The agent with `config`.
    pub fn new(config: SuccessConfig) -> Self {
        Self { config }
    }

    /// Health, churn risk and upsells from `f`; pure.
    pub fn assess(
        &self,
        client: &str,
        f: &ClientFacts,
        period_days: i64,
        now: DateTime<Utc>,
    ) -> AgentOutput {
        let c = &self.config;
        let mut parts: Vec<(&str, f64, f64, String)> = Vec::new();
        let mut not_measured = Vec::new();
        let mut findings = Vec::new();
        let [w_act, w_rec, w_camp, w_del, w_kpi, w_audit] = c.weights;
        match &f.activity {
            None => not_measured.push(
                "activity, recency, campaigns and delivery (no access to stored records)"
                    .to_string(),
            ),
            Some(a) => {
                let n = a.tasks.len();
                parts.push((
                    "activity",
                    (seo_domain::num::f64_of(n) / c.target_tasks.max(1.0)).min(1.0) * 100.0,
                    w_act,
                    format!(
                        "{n} task(s) in {period_days} days (full at {})",
                        c.target_tasks
                    ),
                ));
                match a.last_task_at {
                    Some(t) => {
                        let days = seo_domain::num::f64_of((now - t).num_hours()) / 24.0;
                        if let Some(s) = first_not_exceeded(&c.recency_bands, days) {
                            parts.push((
                                "recency",
                                s,
                                w_rec,
                                format!("last worked on {days:.1} days ago"),
                            ));
                        }
                        if days > 14.0 {
                            findings.push(Finding {
                                id: "not_worked_on".into(),
                                severity: "medium".into(),
                                message: format!("no task for {days:.0} days"),
                            });
                        }
                    }
                    None => {
                        parts.push(("recency", 0.0, w_rec, "never worked on".into()));
                    }
                }
                let [active, paused, draft, completed, cancelled] = c.campaign_scores;
                let best = a
                    .campaigns
                    .iter()
                    .map(|cp| match cp.status {
                        seo_domain::CampaignStatus::Active => active,
                        seo_domain::CampaignStatus::Paused => paused,
                        seo_domain::CampaignStatus::Draft => draft,
                        seo_domain::CampaignStatus::Completed => completed,
                        seo_domain::CampaignStatus::Cancelled => cancelled,
                    })
                    .fold(None::<f64>, |m, v| Some(m.map_or(v, |m| m.max(v))));
                match best {
                    Some(s) => parts.push((
                        "campaigns",
                        s,
                        w_camp,
                        format!("best of {} campaign(s)", a.campaigns.len()),
                    )),
                    None => parts.push(("campaigns", 0.0, w_camp, "no campaign".into())),
                }
                let finished: Vec<_> = a.tasks.iter().filter(|t| t.status.is_terminal()).collect();
                let failed = finished
                    .iter()
                    .filter(|t| {
                        matches!(
                            t.status,
                            seo_domain::TaskStatus::Failed | seo_domain::TaskStatus::TimedOut
                        )
                    })
                    .count();
                let hours_old = |t: &seo_domain::Task| {
                    seo_domain::num::f64_of((now - t.created_at).num_seconds()) / 3600.0
                };
                let overdue = a
                    .tasks
                    .iter()
                    .filter(|t| {
                        t.status == seo_domain::TaskStatus::Pending
                            && hours_old(t) > c.overdue_hours
                    })
                    .count();
                let considered = finished.len() + overdue;
                if considered > 0 {
                    let bad = failed + overdue;
                    parts.push((
                        "delivery",
                        (1.0 - ratio(bad, considered)) * 100.0,
                        w_del,
                        format!("{failed} failed and {overdue} overdue of {considered}"),
                    ));
                    if overdue > 0 {
                        findings.push(Finding {
                            id: "overdue_tasks".into(),
                            severity: "medium".into(),
                            message: format!(
                                "{overdue} task(s) waiting more than {} hours",
                                c.overdue_hours
                            ),
                        });
                    }
                } else {
                    not_measured
                        .push("delivery (no finished or overdue task in the period)".into());
                }
            }
        }
        // Clicks trend: the last window against the one before, from the daily rows.
        let kpi = f
            .daily_clicks
            .iter()
            .map(|(d, _)| *d)
            .max()
            .and_then(|last| {
                let w = c.kpi_window_days.max(1);
                let recent_from = last - TimeDelta::days(w - 1);
                let prev_from = recent_from - TimeDelta::days(w);
                let sum = |a: NaiveDate, b: NaiveDate| {
                    f.daily_clicks
                        .iter()
                        .filter(|(d, _)| *d >= a && *d <= b)
                        .map(|(_, v)| v)
                        .total()
                };
                let days_prev = f
                    .daily_clicks
                    .iter()
                    .filter(|(d, _)| *d >= prev_from && *d < recent_from)
                    .count();
                let (recent, prev) = (
                    sum(recent_from, last),
                    sum(prev_from, recent_from - TimeDelta::days(1)),
                );
                (days_prev > 0 && prev > 0.0)
                    .then(|| (recent, prev, (recent - prev) / prev * 100.0))
            });
        match kpi {
            Some((recent, prev, pct)) => {
                if let Some(s) = highest_reached(&c.kpi_bands, pct) {
                    parts.push(("kpi_trend", s, w_kpi, format!("clicks {recent:.0} in the last {} days against {prev:.0} before ({pct:+.1}%)", c.kpi_window_days)));
                }
                if pct < -10.0 {
                    findings.push(Finding {
                        id: "clicks_falling".into(),
                        severity: "high".into(),
                        message: format!("clicks {pct:+.1}%"),
                    });
                }
            }
            None => not_measured.push(
                "KPI trend (no Search Console dataset with two windows of daily clicks)".into(),
            ),
        }
        match f.audits.as_slice() {
            [(new, _), (old, _), ..] => {
                let d = new - old;
                if let Some(s) = highest_reached(&c.audit_bands, d) {
                    parts.push((
                        "audit_trend",
                        s,
                        w_audit,
                        format!("audit score {old} → {new} ({d:+.1})"),
                    ));
                }
            }
            [(only, _)] => parts.push((
                "audit_trend",
                *only,
                w_audit,
                format!("one audit: score {only}"),
            )),
            [] => not_measured.push("audit trend (no stored audit)".into()),
        }
        let total_w: f64 = parts.iter().map(|p| p.2).total();
        let mut factors = Vec::new();
        let mut health = 0.0;
        for (name, v, w, reason) in &parts {
            let eff = if total_w > 0.0 { w / total_w } else { 0.0 };
            health += v * eff;
            factors.push(Factor {
                name: (*name).into(),
                value: round2(*v),
                weight: Some(round2(eff)),
                contribution: Some(round2(v * eff)),
                reason: reason.clone(),
            });
        }
        let health = (total_w > 0.0).then(|| round2(health));
        let churn = health.map(|h| round2(100.0 - h));
        let [low, medium, high] = c.churn_levels;
        let level = churn.map(|r| {
            if r <= low {
                "low"
            } else if r <= medium {
                "medium"
            } else if r <= high {
                "high"
            } else {
                "critical"
            }
        });
        // Upsells.
        let newest = f.audits.first();
        let upsells: Vec<Value> = c
            .upsells
            .iter()
            .filter_map(|u| {
                let why = match u.when.split(':').collect::<Vec<_>>().as_slice() {
                    ["audit_score_below", n] => {
                        let n: f64 = n.parse().ok()?;
                        newest
                            .filter(|(s, _)| *s < n)
                            .map(|(s, _)| format!("audit score {s} < {n}"))
                    }
                    ["category_issues", cat, n] => {
                        let n: usize = n.parse().ok()?;
                        let k = newest?
                            .1
                            .iter()
                            .filter(|i| i.get("category").and_then(Value::as_str) == Some(*cat))
                            .count();
                        (k >= n).then(|| format!("{k} {cat} issue type(s) in the newest audit"))
                    }
                    ["no_dataset", kind] => (!f.dataset_kinds.iter().any(|k| k == kind))
                        .then(|| format!("no {kind} data imported")),
                    _ => None,
                }?;
                Some(json!({"offer": u.offer, "monthly_value": u.monthly_value, "trigger": why}))
            })
            .collect();
        let mut extra = Map::new();
        extra.insert("health_score".into(), json!(health));
        extra.insert("churn_risk".into(), json!(churn));
        extra.insert("churn_level".into(), json!(level));
        extra.insert("upsell_opportunities".into(), json!(upsells));
        extra.insert("period_days".into(), json!(period_days));
        let mut recommendations: Vec<String> = findings
            .iter()
            .map(|f| format!("Address: {}", f.message))
            .collect();
        recommendations.extend(upsells.iter().filter_map(|u| {
            Some(format!(
                "Offer {} ({})",
                u["offer"].as_str()?,
                u["trigger"].as_str()?
            ))
        }));
        AgentOutput {
            summary: match (health, level) {
                (Some(h), Some(l)) => format!(
                    "{client}: health {h}/100, churn risk {l}; {} upsell trigger(s).",
                    upsells.len()
                ),
                _ => format!(
                    "{client}: health not measurable (no stored activity, datasets or audits)."
                ),
            },
            score: health,
            factors,
            findings,
            recommendations,
            data_sources: vec![
                "client's tasks and campaigns".into(),
                "stored audits".into(),
                "imported datasets".into(),
                "weights and bands (configuration)".into(),
            ],
            not_measured,
            extra,
        }
    }
}

#[async_trait]
impl Agent for ClientSuccessManager {
    fn id(&self) -> &'static str {
        "client_success_manager"
    }
    fn name(&self) -> &'static str {
        "Client Success Manager"
    }
    fn tier(&self) -> Tier {
        Tier::Management
    }
    fn description(&self) -> &'static str {
        "Client health and churn risk from real activity (tasks in the period, campaign statuses, days since last worked on, failed and overdue work, the clicks trend of imported Search Console data, the audit score trend), each factor weighted from configuration; upsell triggers from audits and datasets."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: HEALTH,
            description: "Assess a client's health and churn risk",
            input_schema: schema_of::<SuccessInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        check(input).map(|_| ())
    }
    async fn run(
        &self,
        _task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let i = check(input)?;
        let Some(client_id) = i.client_id.or(ctx.scope().client_id) else {
            return Err(AgentError::InvalidInput {
                field: "client_id".into(),
                message: "give client_id (or run the task for a client)".into(),
            });
        };
        let data = ctx.data();
        let transient = |e: crate::data::DataError| AgentError::Transient(e.to_string());
        let name = data
            .client(client_id)
            .await
            .map_err(transient)?
            .map(|c| c.company_name);
        let days = i.period_days.unwrap_or(self.config.period_days);
        let now = Utc::now();
        let mut f = ClientFacts {
            activity: data
                .client_activity(client_id, now - TimeDelta::days(days))
                .await
                .map_err(transient)?,
            ..Default::default()
        };
        let q = ResultQuery {
            agent_id: "technical_seo_auditor".into(),
            client_id: Some(client_id),
            ..Default::default()
        };
        for r in data.recent_results(&q, 2).await.map_err(transient)? {
            if let Some(s) = r
                .output
                .get("audit_score")
                .or_else(|| r.output.get("score"))
                .and_then(Value::as_f64)
            {
                f.audits.push((
                    s,
                    r.output
                        .get("issues")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                ));
            }
        }
        for kind in ["search_performance", "backlinks", "traffic"] {
            if let Some(d) = data
                .latest_dataset(client_id, None, kind)
                .await
                .map_err(transient)?
            {
                f.dataset_kinds.push(kind.to_string());
                if kind == "search_performance" {
                    for r in data
                        .dataset_rows(d.id, Some("date"))
                        .await
                        .map_err(transient)?
                    {
                        if r.period != "current" {
                            continue;
                        }
                        if let (Ok(day), Some(clicks)) = (
                            NaiveDate::parse_from_str(&r.key, "%Y-%m-%d"),
                            r.data.get("clicks").and_then(Value::as_f64),
                        ) {
                            f.daily_clicks.push((day, clicks));
                        }
                    }
                }
            }
        }
        let label = name.unwrap_or_else(|| client_id.to_string());
        let mut out = self.assess(&label, &f, days, now);
        if f.activity.is_some() && out.extra.get("health_score").is_some_and(Value::is_null) {
            out.not_measured.push("every factor".into());
        }
        Ok(out)
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "reads the client's tasks, campaigns, audits and datasets".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![
            DataKind::TaskInput,
            DataKind::Client,
            DataKind::TaskHistory,
            DataKind::AgentResults,
            DataKind::Datasets,
        ]
    }
}

fn check(input: &Value) -> Result<SuccessInput, AgentError> {
    let i: SuccessInput = parse_input(input)?;
    if i.period_days.is_some_and(|d| !(1..=365).contains(&d)) {
        return Err(AgentError::InvalidInput {
            field: "period_days".into(),
            message: "must be 1-365".into(),
        });
    }
    Ok(i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn health_and_churn_as_worked_by_hand() {
        let now = Utc::now();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        // Clicks: days 1–14 total 1,400; days 15–28 total 1,120 → −20 % → 10 points.
        let mut clicks: Vec<(NaiveDate, f64)> = (1..=14).map(|d| (day(d), 100.0)).collect();
        clicks.extend((15..=28).map(|d| (day(d), 80.0)));
        let f = ClientFacts {
            activity: Some(ClientActivity {
                campaigns: vec![],
                tasks: vec![],
                last_task_at: Some(now - TimeDelta::days(10)),
            }),
            audits: vec![(62.0, vec![]), (58.0, vec![])],
            daily_clicks: clicks,
            dataset_kinds: vec!["search_performance".into()],
        };
        let out = ClientSuccessManager::default().assess("Acme", &f, 30, now);
        // activity 0 (w .2), recency 70 (.2), campaigns 0 (.15), kpi 10 (.15), audit +4 → 100 (.15);
        // delivery unmeasured: weights sum 0.85. Health = (0 + 14 + 0 + 1.5 + 15) / 0.85 = 35.88.
        assert_eq!(out.score, Some(35.88));
        assert_eq!(out.extra["churn_risk"], 64.12);
        assert_eq!(out.extra["churn_level"], "high");
        let offers: Vec<&str> = out.extra["upsell_opportunities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["offer"].as_str().unwrap())
            .collect();
        assert_eq!(offers, vec!["Advanced Technical SEO", "Link Building"]);
        assert!(out.findings.iter().any(|f| f.id == "clicks_falling"));
    }
}
