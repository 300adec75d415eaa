//! `sales_operations_manager`: funnel and pipeline analytics from the stored pipeline —
//! counts and value per stage, stage-to-stage conversion, median days per stage, win rate, a
//! forecast weighted by stage probabilities, the bottleneck, per-owner figures — for the
//! leads created in a period.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use schemars::JsonSchema;
use seo_domain::{Lead, LeadStage, Proposal, ProposalStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{ratio, round2};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskTypeSpec, Tier,
    parse_input, schema_of,
};
use crate::data::{DataKind, Pipeline};
use seo_domain::num::Total;

/// Task type.
pub const PIPELINE: &str = "pipeline_analysis";

/// A value per stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageValue {
    /// The stage.
    pub stage: LeadStage,
    /// Its value.
    pub value: f64,
}

/// `[agents.sales_operations_manager]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperationsConfig {
    /// Days of the period when the input gives no `period_from`.
    pub default_period_days: i64,
    /// Probability that a lead at a stage is won (the forecast's weights).
    pub stage_probabilities: Vec<StageValue>,
    /// Benchmark conversion into each stage from the one before it.
    pub benchmarks: Vec<StageValue>,
    /// A transition converting below this share of its benchmark is a bottleneck finding.
    pub bottleneck_share: f64,
    /// Fewest leads entering a stage for its conversion to count.
    pub min_sample: usize,
}

fn sv(rows: &[(LeadStage, f64)]) -> Vec<StageValue> {
    rows.iter()
        .map(|&(stage, value)| StageValue { stage, value })
        .collect()
}

impl Default for OperationsConfig {
    fn default() -> Self {
        use LeadStage as S;
        Self {
            default_period_days: 90,
            stage_probabilities: sv(&[
                (S::New, 0.05),
                (S::Qualified, 0.1),
                (S::CallPlanned, 0.2),
                (S::ProposalSent, 0.35),
                (S::Negotiation, 0.6),
                (S::Won, 1.0),
                (S::Lost, 0.0),
            ]),
            benchmarks: sv(&[
                (S::Qualified, 0.25),
                (S::CallPlanned, 0.8),
                (S::ProposalSent, 0.6),
                (S::Negotiation, 0.5),
                (S::Won, 0.6),
            ]),
            bottleneck_share: 0.8,
            min_sample: 1,
        }
    }
}

/// The period and optional focus of the analysis.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PipelineInput {
    /// First day (default: `default_period_days` before `period_to`).
    #[serde(default)]
    pub period_from: Option<NaiveDate>,
    /// Last day (default: today).
    #[serde(default)]
    pub period_to: Option<NaiveDate>,
    /// Only this owner's leads.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub owner_id: Option<Uuid>,
    /// A deal under review (annual value): where it sits in the open pipeline.
    #[serde(default)]
    pub deal_value: Option<f64>,
    /// The lead under review.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<Uuid>,
}

/// The `sales_operations_manager` agent.
#[derive(Debug, Clone, Default)]
pub struct SalesOperationsManager {
    config: OperationsConfig,
}

const FUNNEL: [LeadStage; 6] = [
    LeadStage::New,
    LeadStage::Qualified,
    LeadStage::CallPlanned,
    LeadStage::ProposalSent,
    LeadStage::Negotiation,
    LeadStage::Won,
];

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mid = n / 2;
    if n % 2 == 1 {
        v.get(mid).copied()
    } else {
        Some((v.get(mid - 1)? + v.get(mid)?) / 2.0)
    }
}

/// The value of a lead: the annual value of its newest proposal that is not rejected or
/// expired.
fn lead_values(proposals: &[Proposal]) -> BTreeMap<Uuid, f64> {
    let mut newest: BTreeMap<Uuid, &Proposal> = BTreeMap::new();
    for p in proposals
        .iter()
        .filter(|p| !matches!(p.status, ProposalStatus::Rejected | ProposalStatus::Expired))
    {
        if let Some(l) = p.lead_id {
            let e = newest.entry(l).or_insert(p);
            if p.created_at > e.created_at {
                *e = p;
            }
        }
    }
    newest
        .into_iter()
        .map(|(l, p)| (l, p.annual_value))
        .collect()
}

impl SalesOperationsManager {
    /// The agent with `config`.
    pub fn new(config: OperationsConfig) -> Self {
        Self { config }
    }

    fn prob(&self, s: LeadStage) -> f64 {
        self.config
            .stage_probabilities
            .iter()
            .find(|x| x.stage == s)
            .map_or(0.0, |x| x.value)
    }

    /// The analysis of `p` for the leads created in `[from, to)`; pure.
    pub fn analyze(
        &self,
        p: &Pipeline,
        input: &PipelineInput,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> AgentOutput {
        let c = &self.config;
        let values = lead_values(&p.proposals);
        let cohort: Vec<&Lead> = p
            .leads
            .iter()
            .filter(|l| l.created_at >= from && l.created_at < to)
            .filter(|l| input.owner_id.is_none_or(|o| l.owner_id == Some(o)))
            .collect();
        let ids: BTreeSet<Uuid> = cohort.iter().map(|l| l.id).collect();
        let mut reached: BTreeMap<Uuid, BTreeSet<LeadStage>> = BTreeMap::new();
        let mut entered: BTreeMap<Uuid, Vec<(LeadStage, DateTime<Utc>)>> = BTreeMap::new();
        for ch in p.changes.iter().filter(|ch| ids.contains(&ch.lead_id)) {
            reached.entry(ch.lead_id).or_default().insert(ch.to_stage);
            entered
                .entry(ch.lead_id)
                .or_default()
                .push((ch.to_stage, ch.created_at));
        }
        for l in &cohort {
            let r = reached.entry(l.id).or_default();
            r.insert(LeadStage::New);
            r.insert(l.stage);
            // A stage can only be reached through the ones before it on the way to won.
            if let Some(pos) = FUNNEL.iter().position(|s| *s == l.stage) {
                r.extend(FUNNEL.iter().take(pos + 1));
            }
        }
        // Stage counts and value (current stage of the cohort).
        let mut by_stage = Map::new();
        for s in LeadStage::ALL {
            let here: Vec<&&Lead> = cohort.iter().filter(|l| l.stage == s).collect();
            let value: f64 = here.iter().filter_map(|l| values.get(&l.id)).total();
            by_stage.insert(
                s.as_str().into(),
                json!({"count": here.len(), "value": round2(value)}),
            );
        }
        // Conversion into each funnel stage from the one before it.
        let mut conversions = Vec::new();
        let mut factors = Vec::new();
        let mut findings = Vec::new();
        let mut health_parts = Vec::new();
        let mut bottleneck: Option<(f64, String)> = None;
        for pair in FUNNEL.windows(2) {
            let [a, b] = pair else { continue };
            let at_a = reached.values().filter(|r| r.contains(a)).count();
            let to_b = reached
                .values()
                .filter(|r| r.contains(a) && r.contains(b))
                .count();
            let rate = (at_a >= c.min_sample.max(1)).then(|| ratio(to_b, at_a));
            let bench = c.benchmarks.iter().find(|x| x.stage == *b).map(|x| x.value);
            let name = format!("{}_to_{}", a.as_str(), b.as_str());
            if let (Some(r), Some(bm)) = (rate, bench.filter(|b| *b > 0.0)) {
                let rel = r / bm;
                health_parts.push(rel.min(1.0));
                if rel < c.bottleneck_share {
                    findings.push(Finding {
                        id: format!("bottleneck_{name}"),
                        severity: "medium".into(),
                        message: format!(
                            "{name} converts {:.0}% against a benchmark of {:.0}%",
                            r * 100.0,
                            bm * 100.0
                        ),
                    });
                }
                if bottleneck.as_ref().is_none_or(|(v, _)| rel < *v) {
                    bottleneck = Some((rel, name.clone()));
                }
                factors.push(Factor {
                    name: name.clone(),
                    value: round2(r),
                    weight: None,
                    contribution: None,
                    reason: format!("{to_b} of {at_a} leads moved on; benchmark {bm}"),
                });
            }
            conversions.push(json!({"from": a, "to": b, "entered": at_a, "moved_on": to_b, "rate": rate.map(round2), "benchmark": bench}));
        }
        // Median days spent in each stage (stays that ended).
        let mut stays: BTreeMap<LeadStage, Vec<f64>> = BTreeMap::new();
        for moves in entered.values() {
            for w in moves.windows(2) {
                if let [(s, t0), (_, t1)] = w {
                    let days = (*t1 - *t0).num_seconds();
                    stays
                        .entry(*s)
                        .or_default()
                        .push(seo_domain::num::f64_of(days) / 86_400.0);
                }
            }
        }
        let median_days: Map<String, Value> = stays
            .into_iter()
            .map(|(s, v)| (s.as_str().to_string(), json!(median(v).map(round2))))
            .collect();
        let won = cohort.iter().filter(|l| l.stage == LeadStage::Won).count();
        let lost = cohort.iter().filter(|l| l.stage == LeadStage::Lost).count();
        let win_rate = (won + lost > 0).then(|| round2(ratio(won, won + lost)));
        // Forecast: every open lead (of any age) × its stage's probability.
        let open: Vec<&Lead> = p
            .leads
            .iter()
            .filter(|l| !l.stage.is_closed())
            .filter(|l| input.owner_id.is_none_or(|o| l.owner_id == Some(o)))
            .collect();
        let open_value: f64 = open.iter().filter_map(|l| values.get(&l.id)).total();
        let forecast: f64 = open
            .iter()
            .map(|l| values.get(&l.id).copied().unwrap_or(0.0) * self.prob(l.stage))
            .total();
        let unvalued = open.iter().filter(|l| !values.contains_key(&l.id)).count();
        let won_value: f64 = cohort
            .iter()
            .filter(|l| l.stage == LeadStage::Won)
            .filter_map(|l| values.get(&l.id))
            .total();
        // Per owner.
        let mut owners: BTreeMap<String, (usize, usize, usize, f64)> = BTreeMap::new();
        for l in &cohort {
            let key = l
                .owner_id
                .map_or("unassigned".to_string(), |o| o.to_string());
            let e = owners.entry(key).or_default();
            e.0 += 1;
            if l.stage == LeadStage::Won {
                e.1 += 1;
            }
            if l.stage == LeadStage::Lost {
                e.2 += 1;
            }
            if !l.stage.is_closed() {
                e.3 += values.get(&l.id).copied().unwrap_or(0.0);
            }
        }
        let per_owner: Vec<Value> = owners
            .into_iter()
            .map(|(o, (n, w, l, v))| json!({"owner_id": o, "leads": n, "won": w, "lost": l, "win_rate": (w + l > 0).then(|| round2(ratio(w, w + l))), "open_value": round2(v)}))
            .collect();
        let health = (!health_parts.is_empty()).then(|| {
            round2(
                100.0 * health_parts.iter().total() / seo_domain::num::f64_of(health_parts.len()),
            )
        });
        let mut not_measured = Vec::new();
        if health.is_none() {
            not_measured.push(
                "pipeline health (no lead of the period entered a funnel stage with a benchmark)"
                    .to_string(),
            );
        }
        if unvalued > 0 {
            not_measured.push(format!(
                "value of {unvalued} open lead(s) without a proposal (forecast counts them as 0)"
            ));
        }
        let mut recommendations = Vec::new();
        if let Some((_, b)) = &bottleneck {
            recommendations.push(format!(
                "Work on {b}: it converts furthest below its benchmark"
            ));
        }
        let deal = input.deal_value.filter(|v| v.is_finite() && *v >= 0.0).map(|v| {
            json!({"deal_value": v, "share_of_open_pipeline": (open_value > 0.0).then(|| round2(v / open_value)),
                   "weighted_at_proposal_sent": round2(v * self.prob(LeadStage::ProposalSent))})
        });
        let mut extra = Map::new();
        extra.insert(
            "period".into(),
            json!({"from": from.date_naive(), "to": (to - TimeDelta::days(1)).date_naive()}),
        );
        extra.insert("leads".into(), json!(cohort.len()));
        extra.insert("stages".into(), Value::Object(by_stage));
        extra.insert("conversions".into(), json!(conversions));
        extra.insert("median_days_in_stage".into(), Value::Object(median_days));
        extra.insert("win_rate".into(), json!(win_rate));
        extra.insert("won_value".into(), json!(round2(won_value)));
        extra.insert("open_pipeline_value".into(), json!(round2(open_value)));
        extra.insert("weighted_forecast".into(), json!(round2(forecast)));
        extra.insert("bottleneck".into(), json!(bottleneck.map(|(_, b)| b)));
        extra.insert("per_owner".into(), json!(per_owner));
        if let Some(d) = deal {
            extra.insert("deal_position".into(), d);
        }
        AgentOutput {
            summary: format!(
                "{} lead(s) in the period; win rate {}; open pipeline {:.0}, weighted forecast {:.0}{}.",
                cohort.len(),
                win_rate.map_or("not measurable".into(), |w| format!("{:.0}%", w * 100.0)),
                open_value,
                forecast,
                extra
                    .get("bottleneck")
                    .and_then(Value::as_str)
                    .map_or(String::new(), |b| format!("; bottleneck {b}"))
            ),
            score: health,
            factors,
            findings,
            recommendations,
            data_sources: vec![
                "stored leads, stage history and proposals".into(),
                "stage probabilities and benchmarks (configuration)".into(),
            ],
            not_measured,
            extra,
        }
    }
}

fn period(
    c: &OperationsConfig,
    i: &PipelineInput,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AgentError> {
    let to_day = i.period_to.unwrap_or_else(|| Utc::now().date_naive());
    let from_day = i
        .period_from
        .unwrap_or(to_day - TimeDelta::days(c.default_period_days.max(1) - 1));
    if from_day > to_day {
        return Err(AgentError::InvalidInput {
            field: "period_from".into(),
            message: "must not be after period_to".into(),
        });
    }
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    match (start(from_day), start(to_day + TimeDelta::days(1))) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AgentError::InvalidInput {
            field: "period_to".into(),
            message: "out of range".into(),
        }),
    }
}

#[async_trait]
impl Agent for SalesOperationsManager {
    fn id(&self) -> &'static str {
        "sales_operations_manager"
    }
    fn name(&self) -> &'static str {
        "Sales Operations Manager"
    }
    fn tier(&self) -> Tier {
        Tier::Management
    }
    fn description(&self) -> &'static str {
        "Funnel and pipeline analytics from the stored leads, stage history and proposals: count and value per stage, stage-to-stage conversion against benchmarks, median days per stage, win rate, a forecast weighted by stage probabilities, the bottleneck, per-owner figures."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: PIPELINE,
            description: "Analyse the sales pipeline for a period",
            input_schema: schema_of::<PipelineInput>(),
        }]
    }
    fn validate(&self, _task_type: &str, input: &Value) -> Result<(), AgentError> {
        let i: PipelineInput = parse_input(input)?;
        period(&self.config, &i).map(|_| ())
    }
    async fn run(
        &self,
        _task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let i: PipelineInput = parse_input(input)?;
        let (from, to) = period(&self.config, &i)?;
        let pipeline = ctx
            .data()
            .pipeline()
            .await
            .map_err(|e| AgentError::Transient(e.to_string()))?;
        let Some(p) = pipeline else {
            let mut out = self.analyze(&Pipeline::default(), &i, from, to);
            out.not_measured
                .push("the sales pipeline (this run has no access to stored records)".into());
            return Ok(out);
        };
        Ok(self.analyze(&p, &i, from, to))
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "reads the stored pipeline".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![DataKind::TaskInput, DataKind::Pipeline]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use LeadStage as S;
    use seo_domain::StageChange;

    fn at(day: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn lead(stage: S, day: u32) -> Lead {
        Lead {
            id: Uuid::new_v4(),
            company_name: "x".into(),
            contact_name: None,
            contact_role: None,
            email: None,
            phone: None,
            website: None,
            industry: None,
            company_size: None,
            budget_range: None,
            timeline: None,
            pain_points: vec![],
            goals: vec![],
            source: None,
            notes: None,
            owner_id: None,
            stage,
            lost_reason: None,
            score: None,
            classification: None,
            client_id: None,
            created_by: None,
            created_at: at(day),
            updated_at: at(day),
        }
    }

    fn path(l: &Lead, stages: &[(S, u32)]) -> Vec<StageChange> {
        let mut prev = None;
        stages
            .iter()
            .map(|&(s, d)| {
                let ch = StageChange {
                    id: Uuid::new_v4(),
                    lead_id: l.id,
                    from_stage: prev,
                    to_stage: s,
                    reason: None,
                    user_id: None,
                    username: None,
                    created_at: at(d),
                };
                prev = Some(s);
                ch
            })
            .collect()
    }

    fn proposal(l: &Lead, value: f64) -> Proposal {
        Proposal {
            id: Uuid::new_v4(),
            lead_id: Some(l.id),
            client_id: None,
            company_name: "x".into(),
            status: ProposalStatus::Sent,
            version: 1,
            annual_value: value,
            required_approvals: vec![],
            approvals: vec![],
            content: json!({}),
            task_id: None,
            workflow_run_id: None,
            created_by: None,
            created_at: l.created_at,
            updated_at: l.created_at,
            expires_at: l.created_at,
            sent_at: None,
        }
    }

    /// Four leads worked by hand: A won (new 1 → qualified 3 → call 5 → sent 9 → negotiation
    /// 10 → won 12), B lost after qualification, C at proposal_sent (value 100,000), D new.
    #[test]
    fn conversions_win_rate_and_forecast_as_worked_by_hand() {
        let (a, b, c, d) = (
            lead(S::Won, 1),
            lead(S::Lost, 2),
            lead(S::ProposalSent, 3),
            lead(S::New, 4),
        );
        let mut changes = path(
            &a,
            &[
                (S::New, 1),
                (S::Qualified, 3),
                (S::CallPlanned, 5),
                (S::ProposalSent, 9),
                (S::Negotiation, 10),
                (S::Won, 12),
            ],
        );
        changes.extend(path(&b, &[(S::New, 2), (S::Qualified, 4), (S::Lost, 6)]));
        changes.extend(path(
            &c,
            &[
                (S::New, 3),
                (S::Qualified, 4),
                (S::CallPlanned, 6),
                (S::ProposalSent, 8),
            ],
        ));
        changes.extend(path(&d, &[(S::New, 4)]));
        let proposals = vec![proposal(&a, 50_000.0), proposal(&c, 100_000.0)];
        let p = Pipeline {
            leads: vec![a, b, c, d],
            changes,
            proposals,
        };
        let out =
            SalesOperationsManager::default().analyze(&p, &PipelineInput::default(), at(1), at(30));
        let conv = out.extra["conversions"].as_array().unwrap();
        // new→qualified 3/4, qualified→call 2/3, call→sent 2/2, sent→negotiation 1/2, negotiation→won 1/1.
        let rates: Vec<f64> = conv.iter().map(|c| c["rate"].as_f64().unwrap()).collect();
        assert_eq!(rates, vec![0.75, 0.67, 1.0, 0.5, 1.0]);
        assert_eq!(out.extra["win_rate"], 0.5);
        // Open: C 100,000 × 0.35 + D unvalued.
        assert_eq!(out.extra["weighted_forecast"], 35_000.0);
        assert_eq!(out.extra["open_pipeline_value"], 100_000.0);
        assert_eq!(out.extra["won_value"], 50_000.0);
        // qualified→call_planned 0.667 / 0.8 = 0.83 is the furthest below its benchmark.
        assert_eq!(out.extra["bottleneck"], "qualified_to_call_planned");
        // Days in qualified: A 2, B 2, C 2 → median 2; in call_planned: A 4, C 2 → 3.
        assert_eq!(out.extra["median_days_in_stage"]["qualified"], 2.0);
        assert_eq!(out.extra["median_days_in_stage"]["call_planned"], 3.0);
        assert_eq!(
            out.extra["stages"]["proposal_sent"],
            json!({"count": 1, "value": 100_000.0})
        );
        // Health: mean of min(rate/benchmark, 1) = (1 + 0.8333 + 1 + 1 + 1) / 5.
        assert_eq!(out.score, Some(96.67));
    }
}
