//! `audit_report`: the client's newest stored technical audit as a client-ready report.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::Reporting;
use crate::contract::{AgentError, AgentOutput, Factor, Finding, TaskContext, parse_input};
use crate::data::ResultQuery;

/// Which stored audit to report on.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AuditReportInput {
    /// The client whose newest stored audit is reported.
    pub client_id: String,
    /// Only audits of this campaign.
    #[serde(default)]
    pub campaign_id: Option<String>,
}

pub(super) fn check_audit(input: &Value) -> Result<(uuid::Uuid, Option<uuid::Uuid>), AgentError> {
    let i: AuditReportInput = parse_input(input)?;
    let id = |field: &str, s: &str| {
        uuid::Uuid::parse_str(s.trim()).map_err(|_| AgentError::InvalidInput {
            field: field.into(),
            message: "must be a UUID".into(),
        })
    };
    let client = id("client_id", &i.client_id)?;
    let campaign = match i
        .campaign_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => Some(id("campaign_id", c)?),
    };
    Ok((client, campaign))
}

/// A list field of the stored audit output, empty when absent or of another shape.
fn list_of<T: DeserializeOwned>(out: &Value, key: &str) -> Vec<T> {
    out.get(key)
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

impl Reporting {
    /// A stored audit as a client-ready report: score and grade, category scores with their
    /// reasons, issue counts by severity, the issues in priority order with why and how to
    /// fix, and the crawl behind it.
    pub(super) async fn audit_report(
        &self,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        let (client_id, campaign_id) = check_audit(input)?;
        let stored = ctx
            .data()
            .latest_result(&ResultQuery {
                agent_id: "technical_seo_auditor".into(),
                client_id: Some(client_id),
                campaign_id,
                ..ResultQuery::default()
            })
            .await
            .map_err(|e| AgentError::Transient(e.to_string()))?;
        let Some(audit) = stored else {
            return Ok(AgentOutput {
                summary: "No stored audit for this client: run a technical audit first.".into(),
                score: None,
                factors: Vec::new(),
                findings: Vec::new(),
                recommendations: vec!["Run a technical SEO audit of the client's site".into()],
                data_sources: Vec::new(),
                not_measured: vec!["audit (no stored technical audit for the client)".into()],
                extra: Map::new(),
            });
        };
        let out = &audit.output;
        let issues: Vec<Value> = out
            .get("issues")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut by_severity: BTreeMap<String, usize> = BTreeMap::new();
        for i in &issues {
            let s = i
                .get("severity")
                .and_then(Value::as_str)
                .unwrap_or("info")
                .to_string();
            *by_severity.entry(s).or_default() += 1;
        }
        let top: Vec<Value> = issues
            .iter()
            .take(self.config.audit_top_issues)
            .cloned()
            .collect();
        let factors: Vec<Factor> = list_of(out, "factors");
        let findings: Vec<Finding> = list_of(out, "findings");
        let recommendations: Vec<String> = list_of(out, "recommendations");
        let not_measured: Vec<String> = list_of(out, "not_measured");
        let score = out.get("score").and_then(Value::as_f64);
        let grade = out.get("grade").and_then(Value::as_str).unwrap_or("—");
        let site = out
            .pointer("/crawl/start_url")
            .and_then(Value::as_str)
            .unwrap_or("the site");
        let counts = by_severity
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ");
        let health = match (
            out.get("health_score").and_then(Value::as_f64),
            out.get("health_band").and_then(Value::as_str),
        ) {
            (Some(h), Some(b)) => format!(", health {h} ({b})"),
            _ => String::new(),
        };
        let summary = format!(
            "Audit report for {site}: score {}/100 ({grade}){health}; {} issue type(s){}.",
            score.map_or_else(|| "—".to_string(), |s| format!("{s}")),
            issues.len(),
            if counts.is_empty() {
                String::new()
            } else {
                format!(": {counts}")
            }
        );
        let mut extra = Map::new();
        extra.insert("audit_task_id".into(), json!(audit.task_id));
        extra.insert("audited_at".into(), json!(audit.finished_at));
        extra.insert("site".into(), json!(site));
        extra.insert("grade".into(), json!(grade));
        extra.insert("issues_by_severity".into(), json!(by_severity));
        extra.insert("top_issues".into(), json!(top));
        extra.insert("issues_total".into(), json!(issues.len()));
        // Audits stored before the health score have none; then it is not shown.
        for k in ["health_score", "health_band", "health", "diff", "audit_id"] {
            if let Some(v) = out.get(k) {
                extra.insert(k.into(), v.clone());
            }
        }
        extra.insert(
            "crawl".into(),
            out.get("crawl").cloned().unwrap_or(Value::Null),
        );
        Ok(AgentOutput {
            summary,
            score,
            factors,
            findings,
            recommendations,
            data_sources: vec![format!("audit task {}", audit.task_id)],
            not_measured,
            extra,
        })
    }
}
