//! The sales pipeline as a user works it: leads and their stages, proposals and their
//! approval gates, and the lead workflow that ties them together.

use reqwest::Method;
use serde_json::{Value, json};

use crate::core::{on_every_backend, wait_run};
use seo_e2e::{TestApp, spawn_app};

async fn create_lead(app: &TestApp, t: &str, body: Value) -> Value {
    let (s, lead) = app.send(Method::POST, "/api/leads", t, Some(body)).await;
    assert_eq!(s, 201, "{lead}");
    lead
}

async fn stage(app: &TestApp, t: &str, id: &str, to: &str, reason: Option<&str>) -> (u16, Value) {
    let mut body = json!({"stage": to});
    if let Some(r) = reason {
        body["reason"] = json!(r);
    }
    app.send(
        Method::POST,
        &format!("/api/leads/{id}/stage"),
        t,
        Some(body),
    )
    .await
}

/// Every stage move, legal and refused, with its history; won creates the client once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_move_through_the_pipeline_and_won_creates_the_client() {
    let app = spawn_app().await;
    let t = app.token_for("manager").await;
    // A cold lead with nothing to qualify on: the workflow stops after qualification.
    let lead = create_lead(
        &app,
        &t,
        json!({"company_name": "Zeta Tools", "email": "ops@zeta.example", "phone": "+1 555 0100",
               "pain_points": ["  slow site  "], "source": "webinar"}),
    )
    .await;
    let id = lead["id"].as_str().unwrap().to_string();
    assert_eq!(lead["stage"], "new");
    assert_eq!(lead["pain_points"], json!(["slow site"]));

    // Illegal moves are 409 and change nothing.
    for to in ["won", "negotiation", "proposal_sent"] {
        let (s, e) = stage(&app, &t, &id, to, None).await;
        assert_eq!(s, 409, "new → {to}: {e}");
    }
    let (s, e) = stage(&app, &t, &id, "lost", None).await;
    assert_eq!(s, 422, "lost needs a reason: {e}");
    let (s, e) = stage(&app, &t, &id, "sideways", None).await;
    assert_eq!(s, 422, "{e}");

    // Forward one step at a time (the qualification may already have moved it).
    let (_, now) = app
        .send(Method::GET, &format!("/api/leads/{id}"), &t, None)
        .await;
    let mut at = now["stage"].as_str().unwrap().to_string();
    for to in ["qualified", "call_planned", "proposal_sent", "negotiation"] {
        if at == to {
            continue;
        }
        let (s, l) = stage(&app, &t, &id, to, Some("next step")).await;
        assert_eq!(s, 200, "{at} → {to}: {l}");
        assert_eq!(l["stage"], to);
        at = to.to_string();
    }
    // A client of the same name (other case) exists: won links it, no duplicate.
    let (s, existing) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "ZETA TOOLS"})),
        )
        .await;
    assert_eq!(s, 201);
    let (s, won) = stage(&app, &t, &id, "won", None).await;
    assert_eq!(s, 200, "{won}");
    assert_eq!(won["client_id"], existing["id"]);
    let (s, e) = stage(&app, &t, &id, "lost", Some("changed mind")).await;
    assert_eq!(s, 409, "won is closed: {e}");

    let (s, h) = app
        .send(Method::GET, &format!("/api/leads/{id}/history"), &t, None)
        .await;
    assert_eq!(s, 200);
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.first().unwrap()["to_stage"], "new");
    assert_eq!(items.last().unwrap()["to_stage"], "won");
    assert_eq!(items.last().unwrap()["from_stage"], "negotiation");
    assert!(
        items.last().unwrap()["username"]
            .as_str()
            .unwrap()
            .starts_with("manager-")
    );
    assert!(items.last().unwrap()["created_at"].is_string());

    // A second lead, won with no client of its name: the client is created from it.
    let other = create_lead(
        &app,
        &t,
        json!({"company_name": "Omega Parts", "contact_name": "Ira", "website": "https://omega.example"}),
    )
    .await;
    let oid = other["id"].as_str().unwrap();
    let (_, l) = app
        .send(Method::GET, &format!("/api/leads/{oid}"), &t, None)
        .await;
    let mut at = l["stage"].as_str().unwrap().to_string();
    for to in [
        "qualified",
        "call_planned",
        "proposal_sent",
        "negotiation",
        "won",
    ] {
        if at != to {
            let (s, l) = stage(&app, &t, oid, to, None).await;
            assert_eq!(s, 200, "{l}");
            at = to.into();
        }
    }
    let (_, l) = app
        .send(Method::GET, &format!("/api/leads/{oid}"), &t, None)
        .await;
    let (s, c) = app
        .send(
            Method::GET,
            &format!("/api/clients/{}", l["client_id"].as_str().unwrap()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        (
            c["company_name"].as_str(),
            c["website"].as_str(),
            c["contact_person"].as_str()
        ),
        (
            Some("Omega Parts"),
            Some("https://omega.example"),
            Some("Ira")
        )
    );

    // Lost needs a reason and keeps it.
    let third = create_lead(&app, &t, json!({"company_name": "Kappa"})).await;
    let kid = third["id"].as_str().unwrap();
    let (s, l) = stage(&app, &t, kid, "lost", Some("no budget")).await;
    assert_eq!((s, l["lost_reason"].as_str()), (200, Some("no budget")));

    // Filters, patch, delete.
    let (_, lost) = app
        .send(Method::GET, "/api/leads?stage=lost", &t, None)
        .await;
    assert_eq!(lost["total"], 1);
    let (_, q) = app.send(Method::GET, "/api/leads?q=omega", &t, None).await;
    assert_eq!(q["total"], 1);
    let (s, p) = app
        .send(
            Method::PATCH,
            &format!("/api/leads/{kid}"),
            &t,
            Some(json!({"notes": "call in Q3", "source": null})),
        )
        .await;
    assert_eq!(
        (s, p["notes"].as_str(), p["stage"].as_str()),
        (200, Some("call in Q3"), Some("lost"))
    );
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/leads/{kid}"),
            &t,
            Some(json!({"stage": "won"})),
        )
        .await;
    assert_eq!(s, 422, "the stage is not a patch field");
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/leads/{kid}"),
            &t,
            Some(json!({"email": "nope"})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/leads/{kid}"),
            &t,
            Some(json!({"owner_id": uuid::Uuid::new_v4()})),
        )
        .await;
    assert_eq!(s, 422, "an unknown owner is refused");
    let (s, _) = app
        .send(Method::DELETE, &format!("/api/leads/{kid}"), &t, None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .send(Method::GET, &format!("/api/leads/{kid}/history"), &t, None)
        .await;
    assert_eq!(s, 404);

    // Operators read, never write.
    let op = app.token_for("operator").await;
    let (s, _) = app.send(Method::GET, "/api/leads", &op, None).await;
    assert_eq!(s, 200);
    let (s, _) = app
        .send(
            Method::POST,
            "/api/leads",
            &op,
            Some(json!({"company_name": "X Co"})),
        )
        .await;
    assert_eq!(s, 403);
}

async fn stored(app: &TestApp, value: f64, name: &str) -> String {
    let db = &app.running.state.db;
    db.store_proposal(seo_domain::NewProposal {
        lead_id: None,
        client_id: None,
        company_name: name.into(),
        annual_value: value,
        required_approvals: seo_domain::proposal::required_gates(
            &seo_domain::proposal::default_gates(),
            value,
        ),
        content: json!({"annual_value": value}),
        task_id: uuid::Uuid::new_v4(),
        workflow_run_id: None,
        created_by: None,
        valid_days: 30,
    })
    .await
    .unwrap();
    let (_, list) = app
        .send(
            Method::GET,
            "/api/proposals?size=100",
            &app.admin_token().await,
            None,
        )
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["company_name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The gates at their exact thresholds, each decided by the right role only, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_gates_hold_at_their_thresholds_and_roles() {
    let app = spawn_app().await;
    let (admin, manager, operator) = (
        app.admin_token().await,
        app.token_for("manager").await,
        app.token_for("operator").await,
    );
    let below = stored(&app, 999_999.0, "Below").await;
    let at = stored(&app, 1_000_000.0, "At").await;
    let above = stored(&app, 1_000_001.0, "Above").await;
    let big = stored(&app, 5_000_001.0, "Big").await;
    let get = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(Method::GET, &format!("/api/proposals/{id}"), &admin, None)
                .await
                .1
        }
    };
    for id in [&below, &at] {
        let p = get(id.clone()).await;
        assert_eq!(
            (p["status"].as_str(), p["required_approvals"].clone()),
            (Some("draft"), json!([])),
            "{p}"
        );
    }
    let p = get(above.clone()).await;
    assert_eq!(p["status"], "in_review");
    assert_eq!(p["required_approvals"], json!(["sales_operations"]));
    assert_eq!(
        get(big.clone()).await["required_approvals"],
        json!(["sales_operations", "business_development_director"])
    );

    let post = |id: &str, what: &str| format!("/api/proposals/{id}/{what}");
    // Sending before the approval: 409. An operator may not approve: 403.
    let (s, _) = app
        .send(Method::POST, &post(&above, "send"), &manager, None)
        .await;
    assert_eq!(s, 409);
    let (s, _) = app
        .send(Method::POST, &post(&above, "approve"), &operator, None)
        .await;
    assert_eq!(s, 403);
    let (s, p) = app
        .send(
            Method::POST,
            &post(&above, "approve"),
            &manager,
            Some(json!({"comment": "fits"})),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("approved")), "{p}");
    let (s, _) = app
        .send(Method::POST, &post(&above, "approve"), &manager, None)
        .await;
    assert_eq!(s, 409, "nothing left to approve");
    let (s, p) = app
        .send(Method::POST, &post(&above, "send"), &manager, None)
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("sent")));
    assert!(p["sent_at"].is_string());
    let (s, p) = app
        .send(Method::POST, &post(&above, "accept"), &manager, None)
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("accepted")));

    // Above the second gate: the director's approval cannot come first, a manager cannot
    // give it, an admin can after sales operations.
    let (s, e) = app
        .send(
            Method::POST,
            &post(&big, "approve"),
            &admin,
            Some(json!({"gate": "business_development_director"})),
        )
        .await;
    assert_eq!(s, 409, "out of order: {e}");
    let (s, _) = app
        .send(Method::POST, &post(&big, "approve"), &manager, None)
        .await;
    assert_eq!(s, 200);
    let (s, e) = app
        .send(Method::POST, &post(&big, "approve"), &manager, None)
        .await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = app
        .send(Method::POST, &post(&big, "send"), &admin, None)
        .await;
    assert_eq!(s, 409, "{e}");
    let (s, p) = app
        .send(
            Method::POST,
            &post(&big, "reject"),
            &admin,
            Some(json!({"comment": "margin too thin"})),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("rejected")));
    let d = get(big.clone()).await;
    let decisions: Vec<(&str, Option<&str>)> = d["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["action"].as_str().unwrap(), x["gate"].as_str()))
        .collect();
    assert_eq!(
        decisions,
        vec![
            ("approve", Some("sales_operations")),
            ("reject", Some("business_development_director"))
        ]
    );
    assert_eq!(d["decisions"][1]["comment"], "margin too thin");
    assert_eq!(d["versions"].as_array().unwrap().len(), 1);

    // Drafts are sent straight away; filters work.
    let (s, _) = app
        .send(Method::POST, &post(&below, "send"), &manager, None)
        .await;
    assert_eq!(s, 200);
    let (_, sent) = app
        .send(Method::GET, "/api/proposals?status=sent", &admin, None)
        .await;
    assert_eq!(sent["total"], 1);
    let (s, _) = app
        .send(Method::GET, "/api/proposals?status=bogus", &admin, None)
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .send(
            Method::POST,
            &post(&uuid::Uuid::new_v4().to_string(), "send"),
            &admin,
            None,
        )
        .await;
    assert_eq!(s, 404);
}

/// A new lead runs the lead workflow: qualification is written on the lead, the proposal is
/// stored for it, the run waits for the approval and completes when it is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_lead_is_qualified_priced_and_waits_for_approval() {
    for app in &on_every_backend().await {
        let t = app.admin_token().await;
        let lead = create_lead(
            app,
            &t,
            json!({"company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce",
                   "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP",
                   "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]}),
        )
        .await;
        let id = lead["id"].as_str().unwrap();
        let (_, runs) = app
            .send(
                Method::GET,
                "/api/workflows/runs?workflow_id=lead",
                &t,
                None,
            )
            .await;
        let run = runs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["input"]["lead_id"] == id)
            .expect("the lead started a run")
            .clone();
        let run = wait_run(app, &t, run["id"].as_str().unwrap()).await;
        assert_eq!(run["status"], "waiting_approval", "{run}");
        let (_, l) = app
            .send(Method::GET, &format!("/api/leads/{id}"), &t, None)
            .await;
        assert_eq!(l["classification"], "hot", "{l}");
        assert!(l["score"].as_f64().unwrap() >= 80.0);
        assert_eq!(l["stage"], "call_planned", "qualified, then its call plan");
        let steps: Vec<(&str, &str)> = run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            &steps[..3],
            &[
                ("qualify", "completed"),
                ("call_plan", "completed"),
                ("proposal", "completed")
            ]
        );
        let (_, ps) = app
            .send(
                Method::GET,
                &format!("/api/proposals?lead_id={id}"),
                &t,
                None,
            )
            .await;
        assert_eq!(ps["total"], 1, "{ps}");
        let p = &ps["items"][0];
        assert_eq!(p["status"], "in_review");
        assert_eq!(p["workflow_run_id"], run["id"]);
        let value = p["annual_value"].as_f64().unwrap();
        assert_eq!(Some(value), p["content"]["annual_value"].as_f64());
        let pid = p["id"].as_str().unwrap();
        for _ in 0..p["required_approvals"].as_array().unwrap().len() {
            let (s, _) = app
                .send(
                    Method::POST,
                    &format!("/api/proposals/{pid}/approve"),
                    &t,
                    None,
                )
                .await;
            assert_eq!(s, 200);
        }
        let (_, run) = app
            .send(
                Method::GET,
                &format!("/api/workflows/runs/{}", run["id"].as_str().unwrap()),
                &t,
                None,
            )
            .await;
        assert_eq!(run["status"], "completed", "{run}");
        let (s, p) = app
            .send(
                Method::POST,
                &format!("/api/proposals/{pid}/send"),
                &t,
                None,
            )
            .await;
        assert_eq!((s, p["status"].as_str()), (200, Some("sent")));
        let (_, l) = app
            .send(Method::GET, &format!("/api/leads/{id}"), &t, None)
            .await;
        assert_eq!(l["stage"], "proposal_sent", "sending moves the lead on");
    }
}

async fn run_agent(app: &TestApp, t: &str, agent: &str, body: Value) -> Value {
    let (s, task) = app
        .send(
            Method::POST,
            &format!("/api/agents/{agent}/tasks?wait=10"),
            t,
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{task}");
    assert_eq!(task["status"], "completed", "{task}");
    task
}

/// The coordinator routes free text, and with dispatch: true the task exists when it
/// completes, a child of the coordinator's; a dispatch its target refuses creates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coordinator_dispatches_real_tasks() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let task = run_agent(
        &app,
        &t,
        "task_coordination",
        json!({"task_type": "route_task", "input": {
            "request": "Подготовьте коммерческое предложение", "client_value": 2000000, "tier": "enterprise",
            "dispatch": true, "input": {"company_name": "Acme Retail", "industry": "E-commerce"}
        }}),
    )
    .await;
    let out = &task["output"];
    assert_eq!(out["routing"]["agent_id"], "proposal_generation");
    assert_eq!(out["dispatch"]["status"], "created", "{out}");
    let id = out["dispatch"]["task_id"].as_str().unwrap();
    let (s, child) = app
        .send(Method::GET, &format!("/api/tasks/{id}"), &t, None)
        .await;
    assert_eq!(s, 200, "{child}");
    assert_eq!(child["agent_id"], "proposal_generation");
    assert_eq!(child["parent_id"], task["id"]);

    let refused = run_agent(
        &app,
        &t,
        "task_coordination",
        json!({"task_type": "route_task", "input": {
            "agent_id": "proposal_generation", "task_type": "generate_proposal", "dispatch": true, "input": {"industry": "x"}
        }}),
    )
    .await;
    let d = &refused["output"]["dispatch"];
    assert_eq!(d["status"], "refused", "{d}");
    assert!(d["error"].as_str().unwrap().contains("company_name"));
    assert!(d.get("task_id").is_none());
    let (_, all) = app
        .send(
            Method::GET,
            "/api/tasks?agent_id=proposal_generation",
            &t,
            None,
        )
        .await;
    assert_eq!(all["total"], 1, "only the valid dispatch made a task");
}

/// Sales operations reads the stored pipeline; client success the client's real work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_and_client_health_come_from_the_records() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for name in ["Lead One", "Lead Two"] {
        create_lead(&app, &t, json!({"company_name": name})).await;
    }
    let (_, l) = app
        .send(Method::GET, "/api/leads?q=lead%20two", &t, None)
        .await;
    let id = l["items"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = stage(&app, &t, &id, "lost", Some("no budget")).await;
    assert_eq!(s, 200);
    let ops = run_agent(
        &app,
        &t,
        "sales_operations_manager",
        json!({"task_type": "pipeline_analysis", "input": {}}),
    )
    .await;
    let o = &ops["output"];
    assert_eq!(o["leads"], 2, "{o}");
    assert_eq!(o["stages"]["lost"]["count"], 1);
    assert_eq!(o["win_rate"], 0.0, "one lost, none won");

    let (_, c) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Health Co"})),
        )
        .await;
    let cid = c["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": cid, "name": "Q1", "campaign_type": "content"})),
        )
        .await;
    assert_eq!(s, 201);
    let h = run_agent(
        &app,
        &t,
        "client_success_manager",
        json!({"task_type": "client_health", "input": {"client_id": cid}}),
    )
    .await;
    let out = &h["output"];
    let names: Vec<&str> = out["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["activity", "recency", "campaigns"], "{out}");
    // A draft campaign (30), never worked on (0), no task (0): weights 0.2/0.2/0.15 → 30 × 0.15 / 0.55.
    assert_eq!(out["score"], 8.18);
    assert!(
        out["not_measured"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("audit trend"))
    );
}

/// A rejection at a gate ends the waiting run with the reason and changes nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_proposal_fails_its_waiting_run_with_the_reason() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let lead = create_lead(
        &app,
        &t,
        json!({"company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce",
               "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP",
               "pain_points": ["low traffic"], "goals": ["growth"]}),
    )
    .await;
    let id = lead["id"].as_str().unwrap();
    let (_, runs) = app
        .send(
            Method::GET,
            "/api/workflows/runs?workflow_id=lead",
            &t,
            None,
        )
        .await;
    let run_id = runs["items"][0]["id"].as_str().unwrap().to_string();
    let run = wait_run(&app, &t, &run_id).await;
    assert_eq!(run["status"], "waiting_approval", "{run}");
    let (_, ps) = app
        .send(
            Method::GET,
            &format!("/api/proposals?lead_id={id}"),
            &t,
            None,
        )
        .await;
    let pid = ps["items"][0]["id"].as_str().unwrap();
    let (s, p) = app
        .send(
            Method::POST,
            &format!("/api/proposals/{pid}/reject"),
            &t,
            Some(json!({"comment": "discount too deep", "gate": ""})),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("rejected")), "{p}");
    let (_, run) = app
        .send(
            Method::GET,
            &format!("/api/workflows/runs/{run_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(run["status"], "failed");
    let err = run["error"].as_str().unwrap();
    assert!(
        err.contains("sales_operations") && err.contains("discount too deep"),
        "{err}"
    );
    // Closed: no further decision.
    for what in ["approve", "send", "accept"] {
        let (s, _) = app
            .send(
                Method::POST,
                &format!("/api/proposals/{pid}/{what}"),
                &t,
                None,
            )
            .await;
        assert_eq!(s, 409, "{what} after a rejection");
    }
}

/// An empty pipeline is zero, not negative zero: the summary never reads "-0", the figures
/// never carry `-0.0` (an empty `f64` sum is `-0.0` in IEEE arithmetic).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_pipeline_reads_zero_not_minus_zero() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let task = run_agent(
        &app,
        &t,
        "sales_operations_manager",
        json!({"task_type": "pipeline_analysis", "input": {}}),
    )
    .await;
    let o = &task["output"];
    assert_eq!(o["leads"], 0, "{o}");
    assert_eq!(o["open_pipeline_value"], 0.0);
    let summary = o["summary"].as_str().unwrap();
    assert!(!summary.contains("-0"), "{summary}");
    assert!(
        !o.to_string().contains("-0.0"),
        "no negative zero anywhere: {o}"
    );
    let (_, business) = app
        .send(
            Method::GET,
            "/api/analytics/business?timeframe=7d",
            &t,
            None,
        )
        .await;
    assert!(!business.to_string().contains("-0.0"), "{business}");
}
