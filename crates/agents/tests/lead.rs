//! Lead scores worked out by hand (the arithmetic is in each comment).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use seo_agents::{AgentError, AgentManager, AgentsConfig, TaskContext};
use serde_json::{Value, json};

async fn qualify(input: Value) -> seo_agents::AgentOutput {
    let m = AgentManager::with_config(AgentsConfig::default());
    m.run(
        "lead_qualification",
        "qualify_lead",
        &input,
        &TaskContext::detached(),
    )
    .await
    .unwrap()
}

fn factor(out: &seo_agents::AgentOutput, name: &str) -> f64 {
    out.factors
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("factor {name}"))
        .value
}

#[tokio::test]
async fn a_ceo_with_budget_and_urgency_is_hot() {
    let out = qualify(json!({
        "company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce",
        "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP",
        "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]
    }))
    .await;
    // BANT = budget 20 (5M tier) + authority 25 (CEO) + need 5+3·2 = 11 + timeline 25 = 81
    assert_eq!(factor(&out, "bant"), 81.0);
    // MEDDIC = goals 15 + C-level 20 + budget&timeline 15 + size<500 15 + 5·2 pains = 75
    assert_eq!(factor(&out, "meddic"), 75.0);
    // Pain = 20 + two high-impact pains 20 + 20 = 60
    assert_eq!(factor(&out, "pain"), 60.0);
    assert_eq!(factor(&out, "authority"), 100.0);
    // Industry = 1.0·100 + 10 (high expertise), capped at 100
    assert_eq!(factor(&out, "industry_fit"), 100.0);
    // 0.30·81 + 0.25·75 + 0.20·60 + 0.15·100 + 0.10·100 = 80.05
    assert_eq!(out.score, Some(80.05));
    assert_eq!(out.extra["classification"], "hot");
    assert_eq!(
        out.extra["lead_type"], "mid_market",
        "50-500 employees, midpoint 275"
    );
    assert_eq!(
        out.extra["estimated_deal_value"], 5_000_000.0,
        "the stated budget's lower bound"
    );
    // 0.8005 + 0.05·3 strengths (score ≥ 80, budget ≥ 2.5M, C-level) − 0 risks → capped at 0.95
    assert_eq!(out.extra["close_probability"], 0.95);
    // 0.6·7/8 fields + 0.4·0.8005 = 0.8452
    assert_eq!(out.extra["confidence"], 0.8452);
    assert!(out.not_measured.is_empty());
    let weights: f64 = out.factors.iter().map(|f| f.weight.unwrap()).sum();
    assert!((weights - 1.0).abs() < 1e-9);
    assert!(
        out.factors.iter().all(|f| !f.reason.is_empty()),
        "every factor states its reasons"
    );
}

#[tokio::test]
async fn missing_components_are_not_measured_and_weights_renormalise() {
    let out = qualify(json!({
        "company_name": "Beta School", "industry": "Education", "contact_role": "Marketing assistant",
        "budget_range": "100k", "timeline": "in 6 months"
    }))
    .await;
    // BANT = budget 5 (under 250k) + authority 5 (assistant) + need 0 (nothing stated) + timeline 10 (≤ 6 months) = 20
    assert_eq!(factor(&out, "bant"), 20.0);
    // MEDDIC = contact without authority 5 + budget&timeline 15 = 20
    assert_eq!(factor(&out, "meddic"), 20.0);
    assert_eq!(factor(&out, "authority"), 25.0);
    // Industry = 0.70·100 − 10 (low expertise) = 60
    assert_eq!(factor(&out, "industry_fit"), 60.0);
    assert!(out.factors.iter().all(|f| f.name != "pain"));
    assert!(out.not_measured.iter().any(|n| n.starts_with("pain")));
    // (0.30·20 + 0.25·20 + 0.15·25 + 0.10·60) / 0.80 = 25.9375
    assert_eq!(out.score, Some(25.94));
    assert_eq!(out.extra["classification"], "mql");
    assert_eq!(out.extra["lead_type"], "smb");
    assert_eq!(out.extra["measured_weight"], 0.8);
    // 0.259375 × 0.80 measured − 0.03·3 risks (no decision maker, small budget, low-expertise
    // industry): what was not measured counts as nothing
    assert_eq!(out.extra["close_probability"], 0.1175);
    let actions: Vec<&str> = out.recommendations.iter().map(String::as_str).collect();
    assert!(
        !actions.contains(&"Find out the budget"),
        "the budget is known"
    );
}

#[tokio::test]
async fn a_lead_known_by_its_industry_alone_is_not_classed_hot() {
    let out = qualify(json!({
        "company_name": "Helios Dental Clinics", "industry": "healthcare", "employee_count": 40
    }))
    .await;
    // The one measured component scores high on its own…
    assert_eq!(factor(&out, "industry_fit"), 85.0);
    assert_eq!(out.score, Some(85.0));
    // …but it is 10 % of the weight: too little to class the lead.
    assert_eq!(out.extra["measured_weight"], 0.1);
    assert_eq!(out.extra["classification"], "unqualified");
    let reason = out.extra["classification_reason"].as_str().unwrap();
    assert!(
        reason.contains("only 10 %") && reason.contains("bant"),
        "{reason}"
    );
    let p = out.extra["close_probability"].as_f64().unwrap();
    assert!(
        p < 0.2,
        "close probability {p} rests on 10 % of the evidence"
    );
    assert!(
        out.summary.contains("too little to class"),
        "{}",
        out.summary
    );
}

#[tokio::test]
async fn a_name_alone_is_not_scored() {
    let out = qualify(json!({"company_name": "Gamma"})).await;
    assert_eq!(out.score, None);
    assert_eq!(out.extra["classification"], "unqualified");
    assert_eq!(out.not_measured.len(), 5);
    assert!(out.factors.is_empty());
    assert!(
        out.recommendations
            .iter()
            .any(|r| r == "Find out the budget")
    );
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let m = AgentManager::with_config(AgentsConfig::default());
    let cases = [
        (json!({}), "company_name"),
        (json!({"company_name": "X"}), "company_name"),
        (
            json!({"company_name": "Acme", "pain_points": "not a list"}),
            "pain_points",
        ),
        (
            json!({"company_name": "Acme", "pain_points": ["ok", 5]}),
            "pain_points[1]",
        ),
    ];
    for (input, field) in cases {
        match m.validate("lead_qualification", "qualify_lead", &input) {
            Err(AgentError::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
    assert!(matches!(
        m.validate("nope", "x", &json!({})),
        Err(AgentError::UnknownAgent(_))
    ));
    assert!(matches!(
        m.validate("lead_qualification", "x", &json!({})),
        Err(AgentError::UnknownTaskType { .. })
    ));
}

#[tokio::test]
async fn statistics_count_runs_and_failures() {
    let m = AgentManager::with_config(AgentsConfig::default());
    let ctx = TaskContext::detached();
    m.run(
        "lead_qualification",
        "qualify_lead",
        &json!({"company_name": "Acme"}),
        &ctx,
    )
    .await
    .unwrap();
    assert!(
        m.run(
            "lead_qualification",
            "qualify_lead",
            &json!({"company_name": 1}),
            &ctx
        )
        .await
        .is_err()
    );
    let s = m.stats("lead_qualification");
    assert_eq!(
        (s.runs, s.successes, s.failures, s.running_now),
        (1, 1, 0, 0),
        "invalid input is refused before a run"
    );
    assert_eq!(s.success_rate, Some(1.0));
    assert!(s.p95_duration_ms.is_some() && s.last_activity.is_some());
    assert_eq!(
        m.recreate_all(),
        vec![
            "business_development_director",
            "chief_seo_strategist",
            "client_success_manager",
            "competitive_analysis",
            "content_strategy",
            "lead_qualification",
            "link_building",
            "proposal_generation",
            "reporting",
            "sales_conversation",
            "sales_operations_manager",
            "task_coordination",
            "technical_seo_auditor",
            "technical_seo_operations_manager"
        ]
    );
    assert_eq!(
        m.stats("lead_qualification").runs,
        0,
        "re-initialising resets statistics"
    );
    let info = m.info("lead_qualification").unwrap();
    assert_eq!(info.task_types[0].name, "qualify_lead");
    assert_eq!(
        info.task_types[0].input_schema["required"],
        json!(["company_name"])
    );
    assert_eq!(
        m.health("lead_qualification").await.unwrap().status,
        "healthy"
    );
}

#[tokio::test]
async fn a_shut_down_manager_refuses_new_runs() {
    let m = AgentManager::with_config(AgentsConfig::default());
    assert_eq!(m.shutdown(std::time::Duration::from_millis(10)).await, 0);
    let r = m
        .run(
            "lead_qualification",
            "qualify_lead",
            &json!({"company_name": "Acme"}),
            &TaskContext::detached(),
        )
        .await;
    assert!(matches!(r, Err(AgentError::Transient(_))), "{r:?}");
}
