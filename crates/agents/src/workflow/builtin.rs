//! The built-in workflow definitions: `lead` and `site_audit` (data; an operator replaces
//! either with `[workflows.<id>]`).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Condition, Op, StepDef, Trigger, WorkflowDef};

/// The built-in definitions. `lead`: qualification; a hot or warm lead gets a call plan and
/// a proposal; the sales-operations review above 1,000,000 and the BD director's above
/// 5,000,000. `site_audit`: the audit; content, competition (when competitors are given) and
/// links; the backlog; the strategist under 60; the report. Every class and threshold is a
/// condition's value, an operator's to change.
pub fn builtin_workflows() -> BTreeMap<String, WorkflowDef> {
    let map = |pairs: &[(&str, &str)]| -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let hot_or_warm = Condition {
        path: "steps.qualify.classification".into(),
        op: Op::In,
        value: json!(["hot", "warm"]),
    };
    let lead = WorkflowDef {
        id: "lead".into(),
        description: "Qualifies a lead; a hot or warm lead gets a call plan and a priced proposal; above 1,000,000 a sales-operations review, above 5,000,000 also the BD director's assessment. A proposal above an approval gate waits for people.".into(),
        trigger: Some(Trigger {
            agent_id: "lead_qualification".into(),
            task_type: crate::lead::QUALIFY.into(),
            step: "qualify".into(),
        }),
        steps: vec![
            StepDef {
                id: "qualify".into(),
                agent_id: "lead_qualification".into(),
                task_type: crate::lead::QUALIFY.into(),
                after: vec![],
                when: vec![],
                input: None,
            },
            StepDef {
                id: "call_plan".into(),
                agent_id: "sales_conversation".into(),
                task_type: crate::sales::conversation::CALL_PLAN.into(),
                after: vec!["qualify".into()],
                when: vec![hot_or_warm.clone()],
                input: map(&[
                    ("company_name", "input.company_name"),
                    ("contact_role", "input.contact_role"),
                    ("industry", "input.industry"),
                    ("website", "input.website"),
                    ("budget_range", "input.budget_range"),
                    ("timeline", "input.timeline"),
                    ("pain_points", "input.pain_points"),
                    ("goals", "input.goals"),
                    ("lead_id", "input.lead_id"),
                ]),
            },
            StepDef {
                id: "proposal".into(),
                agent_id: "proposal_generation".into(),
                task_type: crate::proposal::PROPOSE.into(),
                after: vec!["call_plan".into()],
                when: vec![hot_or_warm],
                input: map(&[
                    ("company_name", "input.company_name"),
                    ("industry", "input.industry"),
                    ("company_size", "input.company_size"),
                    ("lead_score", "steps.qualify.score"),
                    ("lead_class", "steps.qualify.classification"),
                    ("lead_id", "input.lead_id"),
                ]),
            },
            StepDef {
                id: "sales_ops_review".into(),
                agent_id: "sales_operations_manager".into(),
                task_type: crate::sales::operations::PIPELINE.into(),
                after: vec!["proposal".into()],
                when: vec![Condition {
                    path: "steps.proposal.annual_value".into(),
                    op: Op::Gt,
                    value: json!(1_000_000),
                }],
                input: map(&[
                    ("deal_value", "steps.proposal.annual_value"),
                    ("lead_id", "input.lead_id"),
                ]),
            },
            StepDef {
                id: "bd_assessment".into(),
                agent_id: "business_development_director".into(),
                task_type: crate::sales::director::ASSESS.into(),
                after: vec!["sales_ops_review".into()],
                when: vec![Condition {
                    path: "steps.proposal.annual_value".into(),
                    op: Op::Gt,
                    value: json!(5_000_000),
                }],
                input: map(&[
                    ("company_name", "input.company_name"),
                    ("industry", "input.industry"),
                    ("deal_value", "steps.proposal.annual_value"),
                    ("lead_id", "input.lead_id"),
                ]),
            },
        ],
    };
    let step = |id: &str,
                agent: &str,
                task: &str,
                after: &[&str],
                when: Vec<Condition>,
                input: &[(&str, &str)]| StepDef {
        id: id.into(),
        agent_id: agent.into(),
        task_type: task.into(),
        after: after.iter().map(|a| a.to_string()).collect(),
        when,
        input: map(input),
    };
    let given = |field: &str| Condition {
        path: format!("input.{field}"),
        op: Op::Given,
        value: json!(true),
    };
    let site_audit = WorkflowDef {
        id: "site_audit".into(),
        description: "Audits a site; then content strategy, competitive analysis (when competitors are given) and link building side by side; the technical backlog once they are done; the strategist's plan when the audit scores under 60; the client's audit report.".into(),
        trigger: None,
        steps: vec![
            step("audit", "technical_seo_auditor", crate::auditor::AUDIT, &[], vec![], &[("url", "input.url"), ("max_pages", "input.max_pages")]),
            step("content", "content_strategy", crate::strategy::content::PLAN, &["audit"], vec![], &[
                ("url", "input.url"), ("client_id", "input.client_id"), ("keywords", "input.keywords"), ("monthly_budget", "input.monthly_budget"),
            ]),
            step("competitive", "competitive_analysis", crate::strategy::competitive::COMPARE, &["audit"], vec![given("competitors")], &[
                ("url", "input.url"), ("competitors", "input.competitors"), ("max_pages", "input.max_pages"),
            ]),
            step("links", "link_building", crate::strategy::links::PROFILE, &["audit"], vec![], &[
                ("url", "input.url"), ("client_id", "input.client_id"), ("monthly_budget", "input.monthly_budget"),
            ]),
            step("backlog", "technical_seo_operations_manager", crate::strategy::backlog::BACKLOG, &["content", "competitive", "links"], vec![], &[
                ("client_id", "input.client_id"), ("url", "input.url"),
            ]),
            step("strategy", "chief_seo_strategist", crate::strategy::chief::PLAN, &["backlog"], vec![Condition {
                path: "steps.audit.audit_score".into(),
                op: Op::Lt,
                value: json!(60),
            }], &[("client_id", "input.client_id"), ("url", "input.url")]),
            step("report", "reporting", crate::reporting::AUDIT_REPORT, &["backlog", "strategy"], vec![given("client_id")], &[("client_id", "input.client_id")]),
        ],
    };
    BTreeMap::from([(lead.id.clone(), lead), (site_audit.id.clone(), site_audit)])
}
