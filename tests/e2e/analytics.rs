//! Analytics: numbers checked against rows the test created; exports parse and match.

use std::time::{Duration, Instant};

use reqwest::Method;
use seo_e2e::spawn_app;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_figures_come_from_the_rows() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut clients = Vec::new();
    for name in ["Alpha", "Beta"] {
        let (s, c) = app
            .send(
                Method::POST,
                "/api/clients",
                &t,
                Some(json!({"company_name": name})),
            )
            .await;
        assert_eq!(s, 201);
        clients.push(c["id"].clone());
    }
    for (name, budget, action) in [
        ("Active one", 1000.0, vec!["start"]),
        ("Paused one", 500.0, vec!["start", "pause"]),
        ("Draft", 9999.0, vec![]),
    ] {
        let (_, c) = app
            .send(Method::POST, "/api/campaigns", &t, Some(json!({"client_id": clients[0], "name": name, "campaign_type": "content", "budget": budget})))
            .await;
        for a in action {
            let (s, _) = app
                .send(
                    Method::POST,
                    &format!("/api/campaigns/{}/{a}", c["id"].as_str().unwrap()),
                    &t,
                    None,
                )
                .await;
            assert_eq!(s, 200);
        }
    }
    let hot = json!({"input": {"company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce", "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP", "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]}});
    let (s, _) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(hot),
        )
        .await;
    assert_eq!(s, 200);
    // Wait for the proposal the lead earns.
    let start = Instant::now();
    let proposal = loop {
        let (_, l) = app
            .send(
                Method::GET,
                "/api/tasks?agent_id=proposal_generation&status=completed",
                &t,
                None,
            )
            .await;
        if let Some(p) = l["items"].as_array().and_then(|i| i.first()).cloned() {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let growth_first_year = proposal["output"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["recommended"] == true)
        .unwrap()["first_year"]
        .as_f64()
        .unwrap();

    // And for the rest of its workflow (the reviews of a large proposal).
    loop {
        let (_, runs) = app
            .send(
                Method::GET,
                "/api/workflows/runs?workflow_id=lead",
                &t,
                None,
            )
            .await;
        if runs["items"][0]["status"] != "running" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (s, b) = app
        .send(
            Method::GET,
            "/api/analytics/business?timeframe=24h",
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d = &b["data"];
    assert_eq!(d["new_clients"], 2);
    assert_eq!(d["active_campaigns"], 1);
    assert_eq!(
        d["running_budget"], 1500.0,
        "active and paused budgets; the draft's is not running"
    );
    assert_eq!(
        d["tasks_completed"], 5,
        "the lead workflow: qualification, call plan, proposal, sales-ops review, BD assessment"
    );
    assert_eq!(d["proposals"], 1);
    assert_eq!(d["pipeline_value"], growth_first_year);

    let (s, a) = app
        .send(
            Method::GET,
            "/api/analytics/agents?timeframe=1h&agent_id=lead_qualification",
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(a["data"]["metrics"][0]["successful_tasks"], 1);
    assert_eq!(
        app.send(
            Method::GET,
            "/api/analytics/agents?agent_id=nobody",
            &t,
            None
        )
        .await
        .0,
        404
    );
    let (s, dash) = app
        .send(Method::GET, "/api/analytics/dashboard", &t, None)
        .await;
    assert_eq!(s, 200);
    assert!(dash["data"]["alerts"].is_array());
    assert_eq!(dash["data"]["recent_activity"].as_array().unwrap().len(), 5);
    assert_eq!(
        dash["data"]["agents_summary"]["total_agents"],
        serde_json::json!(app.running.state.agents.ids().len())
    );
    for bad in [
        "/api/analytics/system?timeframe=2h",
        "/api/analytics/export?format=xml",
        "/api/analytics/export",
    ] {
        assert_eq!(app.send(Method::GET, bad, &t, None).await.0, 422, "{bad}");
    }
    // Longer than the kept request history: refused, naming the limit, never shortened.
    for longer in [
        "/api/analytics/system?timeframe=30d",
        "/api/analytics/system?timeframe=7d",
        "/api/analytics/export?format=csv&timeframe=30d",
        "/api/analytics/export?format=json&timeframe=365d",
    ] {
        let (s, e) = app.send(Method::GET, longer, &t, None).await;
        assert_eq!(s, 422, "{longer}");
        let f = &e["error"]["details"]["fields"][0];
        assert_eq!(
            (f["field"].as_str(), f["code"].as_str()),
            (Some("timeframe"), Some("beyond_history"))
        );
        assert!(f["message"].as_str().unwrap().contains("24 hours"));
    }
    // Task and business figures come from the database and cover long windows.
    let (s, _) = app
        .send(
            Method::GET,
            "/api/analytics/business?timeframe=30d",
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_download_and_parse() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for _ in 0..3 {
        app.send(Method::GET, "/api/clients", &t, None).await;
    }
    let r = app
        .http
        .get(app.url("/api/analytics/export?format=csv&timeframe=1h"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"metrics_export_1h_")
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "minute,requests,errors,p50_ms,p95_ms,tasks_completed,tasks_failed"
    );
    let mut requests = 0;
    for l in lines {
        let cols: Vec<&str> = l.split(',').collect();
        assert_eq!(cols.len(), 7, "{l}");
        assert!(chrono::DateTime::parse_from_rfc3339(cols[0]).is_ok());
        requests += cols[1].parse::<u64>().unwrap();
    }
    assert!(requests >= 4, "the requests made are counted: {requests}");

    let r = app
        .http
        .get(app.url("/api/analytics/export?format=json"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["timeframe"], "24h");
    assert!(doc["minutes"].is_array() && doc["business"]["total_clients"].is_number());
    let (_, b) = app
        .send(
            Method::GET,
            "/api/analytics/business?timeframe=24h",
            &t,
            None,
        )
        .await;
    assert_eq!(doc["business"]["total_clients"], b["data"]["total_clients"]);
    let (s, h) = app
        .send(Method::GET, "/api/analytics/health", &t, None)
        .await;
    assert_eq!((s, h["data"]["database"].as_str()), (200, Some("up")));
}
