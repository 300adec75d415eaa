//! The core as a user notices it: workers survive a panicking agent and hostile sites,
//! campaign starts refuse what the auditor would refuse, the last-admin rule holds under
//! concurrency, and workflows run as graphs through `/api/workflows`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use seo_agents::workflow::{Condition, Op, StepDef, WorkflowDef};
use seo_agents::{
    Agent, AgentError, AgentHealth, AgentManager, AgentOutput, TaskContext, TaskTypeSpec, Tier,
};
use seo_domain::{TaskInput, TaskStatus};
use seo_e2e::{TestApp, external_services, spawn_with};
use seo_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

/// A test agent: `panic` panics, `score` returns the input's `score`, anything else
/// completes at once.
struct Probe(&'static str);

#[async_trait::async_trait]
impl Agent for Probe {
    fn id(&self) -> &'static str {
        self.0
    }
    fn name(&self) -> &'static str {
        self.0
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "test agent"
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![TaskTypeSpec {
            name: "work",
            description: "test",
            input_schema: json!({"type": "object"}),
        }]
    }
    fn validate(&self, _: &str, _: &Value) -> Result<(), AgentError> {
        Ok(())
    }
    async fn run(
        &self,
        _: &str,
        input: &Value,
        _: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        if self.0 == "panicky" {
            let items: Vec<u8> = Vec::new();
            // A bug in an agent: indexing past the end.
            #[allow(clippy::indexing_slicing)]
            let _ = items[input["index"].as_u64().unwrap_or(3) as usize];
        }
        Ok(AgentOutput {
            summary: format!("{} done", self.0),
            score: input["score"].as_f64(),
            ..Default::default()
        })
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "test".into(),
        }
    }
}

fn probes(ids: &'static [&'static str]) -> AgentManager {
    AgentManager::new(move || {
        ids.iter()
            .map(|id| Arc::new(Probe(id)) as Arc<dyn Agent>)
            .collect()
    })
}

fn fast() -> EngineConfig {
    EngineConfig {
        workers: 1,
        heartbeat: Duration::from_millis(100),
        poll: Duration::from_millis(50),
        ..EngineConfig::default()
    }
}

async fn wait_task(
    state: &seo_transport::AppState,
    id: uuid::Uuid,
    pred: impl Fn(&seo_domain::Task) -> bool,
) -> seo_domain::Task {
    crate::engine::until(state, id, Duration::from_secs(15), pred).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_agent_fails_its_task_and_the_worker_goes_on() {
    let app = spawn_with(|c| c.workers = 0).await;
    let mut state = app.running.state.clone();
    state.service.agents = Arc::new(probes(&["panicky", "quick"]));
    let engine = Engine::start(state.service.clone(), "probe", fast());
    let queue = |agent: &str| {
        TaskInput {
            agent_id: agent.into(),
            task_type: "work".into(),
            ..Default::default()
        }
        .validate(None)
        .unwrap()
    };
    let bad = state.enqueue(queue("panicky")).await.unwrap();
    let good = state.enqueue(queue("quick")).await.unwrap();
    let failed = wait_task(&state, bad.id, |t| t.status.is_terminal()).await;
    assert_eq!(failed.status, TaskStatus::Failed);
    let e = failed.error.unwrap();
    assert_eq!(e.code, "agent_panic");
    assert!(e.message.contains("index out of bounds"), "{}", e.message);
    assert!(
        !e.message.contains("stack backtrace") && !e.message.contains(".rs:"),
        "no backtrace or source location in the body: {}",
        e.message
    );
    assert_eq!(failed.attempts, 1, "a panic is not retried");
    let done = wait_task(&state, good.id, |t| t.status.is_terminal()).await;
    assert_eq!(done.status, TaskStatus::Completed, "the next task runs");
    let w = state.workers.read();
    assert_eq!((w.configured, w.live), (1, 1));
    assert_eq!(state.agents.stats("panicky").failures, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_counts_live_workers() {
    let app = spawn_with(|c| c.workers = 2).await;
    let (s, _, h) = app.get("/health").await;
    assert_eq!(s, 200);
    assert_eq!(h["components"]["workers"]["configured"], 2);
    assert_eq!(h["components"]["workers"]["live"], 2);
    assert_eq!(h["components"]["workers"]["status"], "up");
    assert_eq!(h["components"]["queue"]["unclaimable"], 0);
    // An API-only instance is not degraded for having no workers.
    let api = spawn_with(|c| c.workers = 0).await;
    let (_, _, h) = api.get("/health").await;
    assert_eq!(h["components"]["workers"]["status"], "up");
    assert_eq!(h["status"], "healthy");
}

/// An app on SQLite, and one on PostgreSQL + Redis when `TEST_DATABASE_URL` and
/// `TEST_REDIS_URL` are set.
pub(crate) async fn on_every_backend() -> Vec<TestApp> {
    let mut apps = vec![spawn_with(|_| {}).await];
    if let Some((db, redis)) = external_services().await {
        apps.push(
            spawn_with(|c| {
                c.database_url = db;
                c.redis_url = Some(redis);
            })
            .await,
        );
    }
    apps
}

async fn client_and_campaign(app: &TestApp, t: &str, domain: &str) -> String {
    let (s, c) = app
        .send(
            Method::POST,
            "/api/clients",
            t,
            Some(json!({"company_name": format!("Client {domain}")})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, camp) = app
        .send(
            Method::POST,
            "/api/campaigns",
            t,
            Some(json!({"client_id": c["id"], "name": "Start", "campaign_type": "seo_audit", "domain": domain})),
        )
        .await;
    assert_eq!(s, 201, "{camp}");
    camp["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_on_a_private_or_loopback_domain_does_not_start() {
    let app = spawn_with(|_| {}).await;
    let t = app.admin_token().await;
    for domain in ["localhost", "10.0.0.1", "nothing-here.invalid"] {
        let id = client_and_campaign(&app, &t, domain).await;
        let (s, e) = app
            .send(
                Method::POST,
                &format!("/api/campaigns/{id}/start"),
                &t,
                None,
            )
            .await;
        assert_eq!(s, 422, "{domain}: {e}");
        assert_eq!(e["error"]["details"]["fields"][0]["field"], "domain");
        assert_eq!(
            e["error"]["details"]["fields"][0]["code"],
            "unauditable_domain"
        );
        let (_, c) = app
            .send(Method::GET, &format!("/api/campaigns/{id}"), &t, None)
            .await;
        assert_eq!(c["status"], "draft", "{domain}: the campaign stays a draft");
        let (_, tasks) = app
            .send(
                Method::GET,
                &format!("/api/tasks?campaign_id={id}"),
                &t,
                None,
            )
            .await;
        assert_eq!(tasks["total"], 0, "{domain}: no task was created");
    }
}

/// Two admins demote each other at the same moment, many times over: every time exactly
/// one succeeds and one active admin is left. On SQLite, and on PostgreSQL when configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_leave_exactly_one() {
    let apps = on_every_backend().await;
    for app in &apps {
        for round in 0..8 {
            let root = app.admin_token().await;
            let (_, me) = app.send(Method::GET, "/auth/me", &root, None).await;
            let root_id = me["id"]
                .as_str()
                .or(me["user"]["id"].as_str())
                .unwrap()
                .to_string();
            let mut ids = Vec::new();
            let mut tokens = Vec::new();
            for n in 0..2 {
                let name = format!("adm-{round}-{n}");
                let (s, u) = app
                    .send(Method::POST, "/api/users", &root, Some(json!({
                        "username": name, "email": format!("{name}@example.com"), "role": "admin", "password": "password-123"
                    })))
                    .await;
                assert_eq!(s, 201, "{u}");
                ids.push(u["id"].as_str().unwrap().to_string());
                tokens.push(
                    app.login(&name, "password-123").await["access_token"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
            }
            // The bootstrap admin steps aside, so these two are the last active admins.
            let (s, _) = app
                .send(
                    Method::PATCH,
                    &format!("/api/users/{root_id}"),
                    &tokens[0],
                    Some(json!({"is_active": false})),
                )
                .await;
            assert_eq!(s, 200);
            let (p0, p1) = (
                format!("/api/users/{}", ids[1]),
                format!("/api/users/{}", ids[0]),
            );
            let body = || Some(json!({"role": "operator"}));
            let ((a, _), (b, _)) = tokio::join!(
                app.send(Method::PATCH, &p0, &tokens[0], body()),
                app.send(Method::PATCH, &p1, &tokens[1], body())
            );
            // The loser is refused by the last-admin rule (409) or, when the winner's write
            // landed before the loser's request was authorised, for no longer being an
            // admin (403). Never both succeed.
            let mut outcomes = [a, b];
            outcomes.sort_unstable();
            assert!(
                outcomes == [200, 409] || outcomes == [200, 403],
                "round {round}: exactly one demotion succeeds: {outcomes:?}"
            );
            let survivor = if a == 200 { 0 } else { 1 };
            let (s, _) = app
                .send(
                    Method::PATCH,
                    &format!("/api/users/{root_id}"),
                    &tokens[survivor],
                    Some(json!({"is_active": true})),
                )
                .await;
            assert_eq!(s, 200);
            let root = app.admin_token().await;
            let (_, users) = app
                .send(Method::GET, "/api/users?size=100", &root, None)
                .await;
            let admins: Vec<&str> = users["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| u["role"] == "admin" && u["is_active"] == true)
                .map(|u| u["id"].as_str().unwrap())
                .collect();
            assert_eq!(
                admins.len(),
                2,
                "round {round}: the survivor and the bootstrap admin"
            );
            assert!(admins.contains(&ids[survivor].as_str()));
            // Back to one admin for the next round.
            let (s, _) = app
                .send(
                    Method::PATCH,
                    &format!("/api/users/{}", ids[survivor]),
                    &root,
                    Some(json!({"role": "operator"})),
                )
                .await;
            assert_eq!(s, 200);
        }
    }
}

pub(crate) async fn wait_run(app: &TestApp, t: &str, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (s, run) = app
            .send(Method::GET, &format!("/api/workflows/runs/{id}"), t, None)
            .await;
        assert_eq!(s, 200, "{run}");
        if run["status"] != "running" {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "run stuck: {run}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// lead → proposal through the workflow endpoints, on SQLite and on PostgreSQL + Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_workflow_runs_through_the_workflow_endpoints() {
    let apps = on_every_backend().await;
    for app in &apps {
        let t = app.admin_token().await;
        let (s, defs) = app.send(Method::GET, "/api/workflows", &t, None).await;
        assert_eq!(s, 200);
        let lead = defs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == "lead")
            .expect("the lead workflow is listed")
            .clone();
        assert_eq!(lead["entry_steps"], json!(["qualify"]));
        assert_eq!(lead["steps"][1]["when"][0]["value"], json!(["hot", "warm"]));
        let ids: Vec<&str> = lead["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "qualify",
                "call_plan",
                "proposal",
                "sales_ops_review",
                "bd_assessment"
            ]
        );

        let hot = json!({"input": {
            "company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce", "company_size": "50-500",
            "budget_range": "5m+", "timeline": "ASAP", "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]
        }});
        let (s, run) = app
            .send(Method::POST, "/api/workflows/lead/runs", &t, Some(hot))
            .await;
        assert_eq!(s, 202, "{run}");
        assert_eq!(run["status"], "running");
        assert_eq!(run["steps"][0]["status"], "queued");
        assert!(run["steps"][0]["task_id"].is_string());
        assert_eq!(run["steps"][1]["status"], "waiting");
        let id = run["id"].as_str().unwrap();
        let done = wait_run(app, &t, id).await;
        // Its proposal is above the first approval gate: the run waits for people.
        assert_eq!(done["status"], "waiting_approval", "{done}");
        let (_, stored) = app
            .send(Method::GET, "/api/proposals?status=in_review", &t, None)
            .await;
        let stored = stored["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["workflow_run_id"] == id)
            .expect("the run's proposal is stored")
            .clone();
        let gates = stored["required_approvals"].as_array().unwrap().len();
        assert!(gates >= 1, "{stored}");
        let path = format!("/api/proposals/{}/approve", stored["id"].as_str().unwrap());
        for _ in 0..gates {
            let (s, p) = app
                .send(Method::POST, &path, &t, Some(json!({"comment": "ok"})))
                .await;
            assert_eq!(s, 200, "{p}");
        }
        let (_, done) = app
            .send(Method::GET, &format!("/api/workflows/runs/{id}"), &t, None)
            .await;
        assert_eq!(done["status"], "completed", "{done}");
        let (q, call, p) = (&done["steps"][0], &done["steps"][1], &done["steps"][2]);
        assert_eq!(call["task_status"], "completed", "{done}");
        assert_eq!(
            (q["step"].as_str(), q["task_status"].as_str()),
            (Some("qualify"), Some("completed"))
        );
        assert_eq!(
            (p["step"].as_str(), p["task_status"].as_str()),
            (Some("proposal"), Some("completed"))
        );
        assert!(p["reason"].as_str().unwrap().contains("\"hot\""), "{p}");
        let (_, proposal) = app
            .send(
                Method::GET,
                &format!("/api/tasks/{}", p["task_id"].as_str().unwrap()),
                &t,
                None,
            )
            .await;
        assert_eq!(proposal["parent_id"], call["task_id"]);
        assert_eq!(proposal["workflow_run_id"].as_str(), Some(id));
        assert_eq!(proposal["input"]["lead_class"], "hot");
        assert_eq!(proposal["output"]["totals"]["one_time"], 1_224_000.0);

        let (s, list) = app
            .send(
                Method::GET,
                "/api/workflows/runs?workflow_id=lead&status=completed",
                &t,
                None,
            )
            .await;
        assert_eq!(s, 200);
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == id)
        );
        let (_, none) = app
            .send(Method::GET, "/api/workflows/runs?status=failed", &t, None)
            .await;
        assert_eq!(none["total"], 0);

        // Refusals change nothing.
        let (s, e) = app
            .send(
                Method::POST,
                "/api/workflows/nope/runs",
                &t,
                Some(json!({"input": {}})),
            )
            .await;
        assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
        let (s, e) = app
            .send(
                Method::POST,
                "/api/workflows/lead/runs",
                &t,
                Some(json!({"input": {"industry": "SaaS"}})),
            )
            .await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(
            e["error"]["details"]["fields"][0]["field"],
            "input.company_name"
        );
        let (s, _) = app
            .send(
                Method::POST,
                "/api/workflows/lead/runs",
                &t,
                Some(json!({"input": [1]})),
            )
            .await;
        assert_eq!(s, 422);
        let (s, _) = app
            .send(Method::GET, "/api/workflows/runs/not-a-uuid", &t, None)
            .await;
        assert_eq!(s, 422);
        let (s, _) = app
            .send(
                Method::GET,
                &format!("/api/workflows/runs/{}", uuid::Uuid::new_v4()),
                &t,
                None,
            )
            .await;
        assert_eq!(s, 404);
        let (_, all) = app.send(Method::GET, "/api/workflows/runs", &t, None).await;
        assert_eq!(all["total"], 1, "refused runs stored nothing");
    }
}

/// A graph with a fan-out and a join: `a` → (`b`, and `c` only when a's score < 60) → `d`
/// once both are finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_and_join_run_as_child_tasks() {
    let app = spawn_with(|c| c.workers = 0).await;
    let step = |id: &str, agent: &str, after: &[&str]| StepDef {
        id: id.into(),
        agent_id: agent.into(),
        task_type: "work".into(),
        after: after.iter().map(|s| s.to_string()).collect(),
        when: Vec::new(),
        input: None,
    };
    let mut c = step("c", "quick", &["a"]);
    c.when.push(Condition {
        path: "steps.a.score".into(),
        op: Op::Lt,
        value: json!(60),
    });
    let def = WorkflowDef {
        id: "fan".into(),
        description: "fan-out and join".into(),
        trigger: None,
        steps: vec![
            step("a", "quick", &[]),
            step("b", "quick", &[]),
            c,
            step("d", "other", &["b", "c"]),
        ],
    };
    // `b` is a second first step: both start at once.
    let mut def = def;
    def.steps[1].after = vec!["a".into()];
    def.check().unwrap();
    let mut state = app.running.state.clone();
    state.service.agents = Arc::new(probes(&["quick", "other"]).with_workflows([def]));
    let engine = Engine::start(state.service.clone(), "fan", fast());
    for (score, expect_c) in [(40.0, "completed"), (90.0, "skipped")] {
        let run = state
            .start_workflow(seo_service::workflows::StartRun {
                workflow_id: "fan".into(),
                input: json!({"score": score}),
                client_id: None,
                campaign_id: None,
                created_by: None,
            })
            .await
            .unwrap();
        let start = Instant::now();
        let done = loop {
            let r = state.workflow_run(run.id).await.unwrap();
            if r.status != seo_domain::RunStatus::Running {
                break r;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "stuck: {r:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(done.status, seo_domain::RunStatus::Completed);
        let by: BTreeMap<&str, &seo_service::StepView> =
            done.steps.iter().map(|s| (s.step.as_str(), s)).collect();
        let status = |s: &str| serde_json::to_value(by[s].status).unwrap();
        assert_eq!(status("c"), json!(expect_c), "score {score}");
        assert_eq!(status("d"), json!("completed"), "the join ran");
        let tasks = state.db.workflow_run_tasks(run.id).await.unwrap();
        let d = tasks
            .iter()
            .find(|t| t.workflow_step.as_deref() == Some("d"))
            .unwrap();
        let d_started = d.created_at;
        for pre in ["b", "c"] {
            if let Some(p) = tasks
                .iter()
                .find(|t| t.workflow_step.as_deref() == Some(pre))
            {
                assert!(
                    p.finished_at.unwrap() <= d_started,
                    "{pre} finished before the join was queued"
                );
            }
        }
        assert!(
            tasks
                .iter()
                .all(|t| t.workflow_step.as_deref() == Some("a") || t.parent_id.is_some())
        );
    }
    engine.shutdown().await;
}

/// A fixture site served by the test.
pub(crate) async fn site(
    paths: Vec<(&'static str, &'static str, &'static str)>,
) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    let paths: Arc<Vec<(&'static str, &'static str, &'static str)>> = Arc::new(paths);
    let srv = HttpServer::new(move || {
        let paths = paths.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            let paths = paths.clone();
            async move {
                match paths.iter().find(|(p, _, _)| *p == req.path()) {
                    Some((_, ctype, body)) => HttpResponse::Ok().content_type(*ctype).body(*body),
                    None => HttpResponse::NotFound().finish(),
                }
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = srv.addrs()[0];
    let srv = srv.run();
    let handle = srv.handle();
    tokio::spawn(srv);
    (format!("http://{addr}/"), handle)
}

/// robots.txt says `Crawl-delay: NaN`: the audit ends with the line reported, and the same
/// instance's worker goes on to the next task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_with_a_nan_crawl_delay_is_audited_and_the_worker_goes_on() {
    let (url, site) = site(vec![
        ("/robots.txt", "text/plain", "User-agent: *\nCrawl-delay: NaN\nCrawl-delay: -inf\nAllow: /\n"),
        ("/", "text/html", "<!doctype html><html lang=\"en\"><head><title>A fixture home page title</title></head><body><h1>Hi</h1><p>Some words.</p></body></html>"),
    ])
    .await;
    let app = spawn_with(|c| {
        c.workers = 1;
        c.crawler_allow_private = true;
    })
    .await;
    let t = app.admin_token().await;
    let (s, audit) = app
        .send(
            Method::POST,
            "/api/agents/technical_seo_auditor/tasks?wait=30",
            &t,
            Some(json!({"input": {"url": url, "max_pages": 5}})),
        )
        .await;
    assert_eq!(s, 200, "{audit}");
    assert_eq!(audit["status"], "completed", "{audit}");
    let issues: Vec<&str> = audit["output"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert!(
        issues.contains(&"robots_txt_invalid"),
        "the NaN and -inf delays are reported: {issues:?}"
    );
    let (s, lead) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=20",
            &t,
            Some(json!({"input": {"company_name": "After the audit"}})),
        )
        .await;
    assert_eq!(
        (s, lead["status"].as_str()),
        (200, Some("completed")),
        "{lead}"
    );
    let (_, _, h) = app.get("/health").await;
    assert_eq!(h["components"]["workers"]["live"], 1);
    assert_eq!(h["components"]["workers"]["restarts"], 0);
    site.stop(false).await;
}
