//! What a proposal reads of the agency's stored data through the data port.

use serde_json::Value;

use super::ProposalInput;
use crate::contract::TaskContext;
use crate::data::ResultQuery;
use crate::lead::NumOrText;

/// Fills what the task input left out from what the agency has stored: the audit score
/// from the latest technical audit of the task's campaign (else client), and the industry
/// and company size from the client record. Returns the sources used; an input value always
/// wins, and a store that does not answer leaves the gap (listed as not measured).
pub(crate) async fn enrich(p: &mut ProposalInput, ctx: &TaskContext) -> Vec<String> {
    let scope = ctx.scope();
    let mut used = Vec::new();
    if p.audit_score.is_none() && (scope.campaign_id.is_some() || scope.client_id.is_some()) {
        let mut q = ResultQuery {
            agent_id: "technical_seo_auditor".into(),
            task_type: Some(crate::auditor::AUDIT.into()),
            campaign_id: scope.campaign_id,
            client_id: None,
            url_host: None,
        };
        let mut found = ctx.data().latest_result(&q).await.ok().flatten();
        if found.is_none() && scope.client_id.is_some() {
            q.campaign_id = None;
            q.client_id = scope.client_id;
            found = ctx.data().latest_result(&q).await.ok().flatten();
        }
        if let Some(r) = found
            && let Some(score) = r.output.get("score").and_then(Value::as_f64)
        {
            p.audit_score = Some(score);
            used.push(format!(
                "stored audit of {} (task {}{})",
                r.input
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or("the site"),
                r.task_id,
                r.finished_at
                    .map(|t| format!(", {}", t.format("%Y-%m-%d")))
                    .unwrap_or_default()
            ));
        }
    }
    if let Some(client_id) = scope.client_id
        && (p.industry.is_none() || p.company_size.is_none())
        && let Ok(Some(client)) = ctx.data().client(client_id).await
    {
        let mut took = Vec::new();
        if p.industry.is_none()
            && let Some(i) = client.industry.clone().filter(|i| !i.trim().is_empty())
        {
            p.industry = Some(i);
            took.push("industry");
        }
        if p.company_size.is_none()
            && let Some(n) = client.employee_count
        {
            let n = seo_domain::num::f64_of(n);
            p.company_size = Some(NumOrText::Number(n));
            took.push("employee count");
        }
        if !took.is_empty() {
            used.push(format!(
                "client record '{}' ({})",
                client.company_name,
                took.join(", ")
            ));
        }
    }
    used
}
