//! Proposal prices and ROI worked out by hand.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use seo_agents::{AgentManager, AgentsConfig, TaskContext};
use serde_json::{Value, json};

async fn propose(input: Value) -> seo_agents::AgentOutput {
    let m = AgentManager::with_config(AgentsConfig::default());
    m.run(
        "proposal_generation",
        "generate_proposal",
        &input,
        &TaskContext::detached(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn prices_packages_and_roi_from_stated_figures() {
    let out = propose(json!({
        "company_name": "Beta B2B", "industry": "B2B services", "company_size": 20, "lead_score": 90,
        "lead_class": "hot", "audit_score": 70, "monthly_traffic": 10000, "conversion_rate": 2,
        "average_deal_value": 10000
    }))
    .await;
    // Audit 70 → intermediate → audit + link building + retainer. SMB rates × 1.0 (B2B) × 1.2 (hot):
    // audit 250,000 → 300,000 one-time; links 200,000 → 240,000 and retainer 350,000 → 420,000 monthly.
    assert_eq!(out.extra["seo_maturity"], "intermediate");
    assert_eq!(out.extra["totals"]["one_time"], 300_000.0);
    assert_eq!(out.extra["totals"]["monthly"], 660_000.0);
    let growth = &out.extra["packages"][1];
    assert_eq!(
        (growth["one_time"].as_f64(), growth["monthly"].as_f64()),
        (Some(270_000.0), Some(594_000.0)),
        "10 % off"
    );
    let max = &out.extra["packages"][2];
    // ×1.5 then 15 % off: 300,000·1.275 = 382,500; 660,000·1.275 = 841,500
    assert_eq!(
        (max["one_time"].as_f64(), max["monthly"].as_f64()),
        (Some(382_500.0), Some(841_500.0))
    );
    // ROI of Growth: opportunity min(0.99, 0.9 + 0.1) = 0.99; 6-month uplift 0.5·0.99 = 0.495.
    // Each visit is worth 2 % × 10,000 = 200; months 1..6 ramp linearly: revenue
    // 10,000 · 200 · 0.495 · (1+…+6)/6 = 3,465,000; cost 270,000 + 6·594,000 = 3,834,000.
    let six = &out.extra["roi"]["horizons"]["6_months"];
    assert_eq!(six["incremental_revenue"], 3_465_000.0);
    assert_eq!(six["investment"], 3_834_000.0);
    assert_eq!(six["roi"], -0.096);
    // Month 7: uplift 0.495 + (1.188 − 0.495)/6 = 0.6105 → +1,221,000 → 4,686,000 ≥ 4,428,000.
    assert_eq!(out.extra["roi"]["breakeven_month"], 7);
    let assumptions = out.extra["roi"]["assumptions"].as_array().unwrap();
    assert_eq!(
        assumptions.len(),
        1,
        "only the growth curve is assumed: {assumptions:?}"
    );
    assert!(out.not_measured.is_empty());
}

#[tokio::test]
async fn unknown_figures_are_table_values_and_say_so() {
    let out = propose(json!({"company_name": "Acme SaaS", "industry": "SaaS", "company_size": 200, "lead_score": 85, "lead_class": "hot"}))
        .await;
    // Mid-market, no audit → "basic" (estimated) → audit 500k + content 350k one-time, retainer 850k monthly, × 1.3 × 1.2.
    assert_eq!(out.extra["totals"]["one_time"], 1_326_000.0);
    assert_eq!(out.extra["totals"]["monthly"], 1_326_000.0);
    assert!(
        out.not_measured
            .iter()
            .any(|n| n.starts_with("audit_score"))
    );
    let assumptions: Vec<String> =
        serde_json::from_value(out.extra["roi"]["assumptions"].clone()).unwrap();
    for word in [
        "monthly organic visits 25000",
        "conversion rate 3.5%",
        "average deal value 60000",
    ] {
        assert!(
            assumptions.iter().any(|a| a.contains(word)),
            "{word} missing from {assumptions:?}"
        );
    }
}

#[tokio::test]
async fn invalid_figures_are_refused_with_the_field() {
    let m = AgentManager::with_config(AgentsConfig::default());
    for (input, field) in [
        (
            json!({"company_name": "Acme", "lead_score": 120}),
            "lead_score",
        ),
        (
            json!({"company_name": "Acme", "lead_class": "lukewarm"}),
            "lead_class",
        ),
        (
            json!({"company_name": "Acme", "monthly_traffic": -5}),
            "monthly_traffic",
        ),
    ] {
        match m.validate("proposal_generation", "generate_proposal", &input) {
            Err(seo_agents::AgentError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn a_hot_or_warm_lead_hands_off_to_a_proposal() {
    use seo_agents::workflow::{advance, start};
    use std::collections::BTreeMap;
    let m = AgentManager::with_config(AgentsConfig::default());
    let def = m
        .workflow("lead")
        .expect("the lead workflow is runnable")
        .clone();
    let input = json!({"company_name": "Acme", "industry": "SaaS", "company_size": "50-500"});
    let first = start(&def, &input);
    assert_eq!(first.start.len(), 1);
    assert_eq!(first.start[0].step, "qualify");
    let outputs = |class: &str| {
        BTreeMap::from([(
            "qualify".to_string(),
            json!({"score": 72.0, "classification": class}),
        )])
    };
    let next = advance(
        &def,
        &first.steps,
        &input,
        &outputs("warm"),
        "qualify",
        true,
        None,
    );
    let call = &next.start[0];
    assert_eq!(
        (call.agent_id.as_str(), call.task_type.as_str()),
        ("sales_conversation", "call_plan")
    );
    let mut outs = outputs("warm");
    outs.insert("call_plan".to_string(), json!({"summary": "plan"}));
    let after_call = advance(&def, &next.steps, &input, &outs, "call_plan", true, None);
    let step = &after_call.start[0];
    assert_eq!(
        (step.agent_id.as_str(), step.task_type.as_str()),
        ("proposal_generation", "generate_proposal")
    );
    assert_eq!(
        step.input,
        json!({"company_name": "Acme", "industry": "SaaS", "company_size": "50-500", "lead_score": 72.0, "lead_class": "warm"})
    );
    assert!(
        m.validate(&step.agent_id, &step.task_type, &step.input)
            .is_ok(),
        "the hand-off is a valid proposal input"
    );
    let cold = advance(
        &def,
        &first.steps,
        &input,
        &outputs("cold"),
        "qualify",
        true,
        None,
    );
    assert!(cold.start.is_empty());
    assert_eq!(cold.status, seo_domain::RunStatus::Completed);
    assert!(
        cold.steps["call_plan"]
            .reason
            .as_ref()
            .unwrap()
            .contains("\"cold\"")
    );
}

/// With no audit score in the input, the proposal reads the latest stored audit of the
/// task's campaign, and the industry and size from the client record, through the data
/// port; what the input gives always wins.
#[tokio::test]
async fn maturity_and_profile_come_from_stored_data() {
    use seo_agents::TaskScope;
    use seo_agents::data::{MemoryData, StoredResult};
    use std::sync::Arc;
    let m = AgentManager::with_config(AgentsConfig::default());
    let data = MemoryData::default();
    let (client_id, campaign_id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let now = chrono::Utc::now();
    data.add_client(seo_domain::Client {
        id: client_id,
        company_name: "Acme SaaS".into(),
        industry: Some("SaaS".into()),
        website: None,
        annual_revenue: None,
        employee_count: Some(200),
        country: None,
        contact_person: None,
        contact_email: None,
        contact_phone: None,
        metadata: serde_json::Map::new(),
        created_at: now,
        updated_at: now,
    });
    let audit = |score: f64| StoredResult {
        task_id: uuid::Uuid::new_v4(),
        agent_id: "technical_seo_auditor".into(),
        task_type: "technical_seo_audit".into(),
        input: json!({"url": "https://acme.example/"}),
        output: json!({"score": score}),
        finished_at: Some(now),
    };
    data.add_result(audit(35.0), Some(client_id), Some(campaign_id));
    data.add_result(audit(72.0), Some(client_id), Some(campaign_id));
    let ctx = TaskContext::detached().with_data(
        Arc::new(data),
        TaskScope {
            task_id: None,
            client_id: Some(client_id),
            campaign_id: Some(campaign_id),
        },
    );
    let out = m
        .run(
            "proposal_generation",
            "generate_proposal",
            &json!({"company_name": "Acme SaaS", "lead_class": "hot"}),
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(
        out.extra["seo_maturity"], "intermediate",
        "the latest audit (72) decides"
    );
    assert_eq!(
        out.extra["company_tier"], "mid_market",
        "200 employees from the client record"
    );
    assert!(
        out.data_sources
            .iter()
            .any(|s| s.contains("stored audit of https://acme.example/")),
        "{:?}",
        out.data_sources
    );
    assert!(
        out.data_sources
            .iter()
            .any(|s| s.contains("client record 'Acme SaaS' (industry, employee count)"))
    );
    assert!(
        !out.not_measured
            .iter()
            .any(|n| n.starts_with("audit_score"))
    );
    // The input wins over stored data.
    let out = m
        .run(
            "proposal_generation",
            "generate_proposal",
            &json!({"company_name": "Acme SaaS", "audit_score": 30, "industry": "B2B"}),
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(out.extra["seo_maturity"], "beginner");
    assert!(!out.data_sources.iter().any(|s| s.contains("stored audit")));
    assert!(m.info("proposal_generation").unwrap().data_providers.len() == 3);
}
