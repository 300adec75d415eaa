//! The task engine: tasks run on agents, events in order, cancel, timeout, retry, shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use seo_agents::{
    Agent, AgentError, AgentHealth, AgentManager, AgentOutput, TaskContext, TaskTypeSpec, Tier,
};
use seo_domain::{TaskInput, TaskStatus};
use seo_e2e::{spawn_app, spawn_with};
use seo_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_runs_on_its_agent_and_reports_in_order() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut events = app
        .running
        .state
        .kv
        .subscribe(seo_transport::events::CHANNEL)
        .await
        .unwrap();
    let lead = json!({"input": {"company_name": "Acme", "contact_role": "CEO", "industry": "SaaS", "budget_range": "2m", "timeline": "asap", "pain_points": ["no leads"]}});
    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(lead),
        )
        .await;
    assert_eq!(s, 200, "finished within the wait: {task}");
    assert_eq!(task["status"], "completed");
    assert_eq!(
        (task["attempts"].as_i64(), task["progress"].as_i64()),
        (Some(1), Some(100))
    );
    assert!(task["output"]["score"].as_f64().unwrap() > 0.0);
    assert_eq!(task["output"]["factors"].as_array().unwrap().len(), 5);
    assert!(task["finished_at"].is_string());

    let id = task["id"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("completed") {
        let m = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("event")
            .unwrap();
        let v: Value = serde_json::from_str(&m).unwrap();
        if v["type"] != "task_update" {
            // The lead's workflow run reports on its own (workflow_update).
            assert_eq!(v["type"], "workflow_update");
            continue;
        }
        if v["data"]["task_id"] == id.as_str() {
            seen.push(v["data"]["event"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen, ["created", "started", "completed"]);

    let (_, agent) = app
        .send(Method::GET, "/api/agents/lead_qualification", &t, None)
        .await;
    assert_eq!(agent["stats"]["runs"], 1);
    assert_eq!(agent["status"], "active");
    let (_, stats) = app
        .send(
            Method::GET,
            "/api/agents/lead_qualification/stats?timeframe_hours=24",
            &t,
            None,
        )
        .await;
    assert_eq!(stats["tasks"]["by_status"]["completed"], 1);
    assert_eq!(
        app.send(
            Method::GET,
            "/api/agents/lead_qualification/stats?timeframe_hours=500",
            &t,
            None
        )
        .await
        .0,
        422
    );
    let (s, e) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks",
            &t,
            Some(json!({"input": {"company_name": ["x"]}})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("input.company_name"))
    );
    assert_eq!(
        app.send(Method::GET, "/api/agents/nobody", &t, None)
            .await
            .0,
        404
    );
    let (s, all) = app.send(Method::GET, "/api/agents", &t, None).await;
    assert_eq!(
        (s, all["total"].as_i64()),
        (200, Some(14)),
        "only agents that work are registered"
    );
    let (s, test) = app
        .send(Method::POST, "/api/agents/test/comprehensive", &t, None)
        .await;
    assert_eq!(
        (
            s,
            test["summary"]["passed"].as_i64(),
            test["summary"]["failed"].as_i64()
        ),
        (200, Some(6), Some(0)),
        "{test}"
    );
    assert_eq!(
        test["summary"]["skipped"], 8,
        "the auditor, the comparison and the link graph need live sites; the report, the pipeline, client health, the backlog and the plan stored data"
    );
    assert!(
        test["results"]["reporting"]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("stored data")),
        "{test}"
    );
}

/// An agent that works until cancelled (noticing when its run is dropped).
struct Slow {
    dropped: Arc<AtomicBool>,
    started: Arc<AtomicBool>,
}

struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// An agent that fails transiently `fail_first` times, then succeeds.
struct Flaky {
    calls: Arc<AtomicU32>,
    fail_first: u32,
}

fn spec(name: &'static str) -> Vec<TaskTypeSpec> {
    vec![TaskTypeSpec {
        name,
        description: "test",
        input_schema: json!({"type": "object"}),
    }]
}

#[async_trait::async_trait]
impl Agent for Slow {
    fn id(&self) -> &'static str {
        "slow"
    }
    fn name(&self) -> &'static str {
        "Slow"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "test agent"
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        spec("work")
    }
    fn validate(&self, _: &str, _: &Value) -> Result<(), AgentError> {
        Ok(())
    }
    async fn run(&self, _: &str, _: &Value, ctx: &TaskContext) -> Result<AgentOutput, AgentError> {
        let _flag = DropFlag(self.dropped.clone());
        self.started.store(true, Ordering::SeqCst);
        ctx.report(50);
        for _ in 0..600 {
            ctx.checkpoint()?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(AgentOutput {
            summary: "done".into(),
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

#[async_trait::async_trait]
impl Agent for Flaky {
    fn id(&self) -> &'static str {
        "flaky"
    }
    fn name(&self) -> &'static str {
        "Flaky"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "test agent"
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        spec("work")
    }
    fn validate(&self, _: &str, _: &Value) -> Result<(), AgentError> {
        Ok(())
    }
    async fn run(&self, _: &str, _: &Value, _: &TaskContext) -> Result<AgentOutput, AgentError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail_first {
            return Err(AgentError::Transient("connection reset".into()));
        }
        Ok(AgentOutput {
            summary: "finally".into(),
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

struct Rig {
    state: seo_transport::AppState,
    dropped: Arc<AtomicBool>,
    /// The slow agent's run has begun (a task is `running` from its claim, a moment before).
    started: Arc<AtomicBool>,
    calls: Arc<AtomicU32>,
    _app: seo_e2e::TestApp,
}

async fn rig(fail_first: u32) -> (Rig, Engine) {
    let app = spawn_with(|c| c.workers = 0).await;
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU32::new(0));
    let (d, st, c) = (dropped.clone(), started.clone(), calls.clone());
    let manager = AgentManager::new(move || {
        vec![
            Arc::new(Slow {
                dropped: d.clone(),
                started: st.clone(),
            }) as Arc<dyn Agent>,
            Arc::new(Flaky {
                calls: c.clone(),
                fail_first,
            }) as Arc<dyn Agent>,
        ]
    });
    let mut state = app.running.state.clone();
    state.service.agents = Arc::new(manager);
    let cfg = EngineConfig {
        workers: 1,
        heartbeat: Duration::from_millis(100),
        poll: Duration::from_millis(50),
        retry_base: Duration::from_millis(10),
        ..EngineConfig::default()
    };
    let engine = Engine::start(state.service.clone(), &state.instance_id, cfg);
    (
        Rig {
            state,
            dropped,
            started,
            calls,
            _app: app,
        },
        engine,
    )
}

async fn queue(state: &seo_transport::AppState, agent: &str, timeout: Option<i32>) -> uuid::Uuid {
    let new = TaskInput {
        agent_id: agent.into(),
        task_type: "work".into(),
        timeout_seconds: timeout,
        ..Default::default()
    }
    .validate(None)
    .unwrap();
    state.enqueue(new).await.unwrap().id
}

pub(crate) async fn until(
    state: &seo_transport::AppState,
    id: uuid::Uuid,
    within: Duration,
    pred: impl Fn(&seo_domain::Task) -> bool,
) -> seo_domain::Task {
    let start = Instant::now();
    loop {
        let t = state.db.get_task(id).await.unwrap();
        if pred(&t) {
            return t;
        }
        assert!(
            start.elapsed() < within,
            "task never reached the expected state: {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_running_task_stops_it() {
    let (rig, engine) = rig(0).await;
    let id = queue(&rig.state, "slow", None).await;
    until(&rig.state, id, Duration::from_secs(5), |t| {
        t.status == TaskStatus::Running && t.progress == 50
    })
    .await;
    rig.state.db.cancel_task(id).await.unwrap();
    let start = Instant::now();
    while !rig.dropped.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "the run was not stopped"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        rig.state.db.get_task(id).await.unwrap().status,
        TaskStatus::Cancelled
    );
    // The worker is free again.
    let next = queue(&rig.state, "flaky", None).await;
    until(&rig.state, next, Duration::from_secs(5), |t| {
        t.status == TaskStatus::Completed
    })
    .await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_over_its_timeout_is_timed_out() {
    let (rig, engine) = rig(0).await;
    let id = queue(&rig.state, "slow", Some(1)).await;
    let t = until(&rig.state, id, Duration::from_secs(10), |t| {
        t.status.is_terminal()
    })
    .await;
    assert_eq!(t.status, TaskStatus::TimedOut);
    let e = t.error.unwrap();
    assert_eq!(e.code, "timed_out");
    assert!(e.message.contains("timeout of 1 s"));
    assert!(rig.dropped.load(Ordering::SeqCst));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_until_attempts_run_out() {
    let (rig, engine) = rig(2).await;
    let id = queue(&rig.state, "flaky", None).await; // max_attempts 3: fails twice, then succeeds
    let t = until(&rig.state, id, Duration::from_secs(10), |t| {
        t.status.is_terminal()
    })
    .await;
    assert_eq!((t.status, t.attempts), (TaskStatus::Completed, 3));
    assert_eq!(rig.calls.load(Ordering::SeqCst), 3);
    engine.shutdown().await;

    let (rig, engine) = rig_with_failures(5).await;
    let id = queue(&rig.state, "flaky", None).await;
    let t = until(&rig.state, id, Duration::from_secs(10), |t| {
        t.status.is_terminal()
    })
    .await;
    assert_eq!(
        (t.status, t.attempts),
        (TaskStatus::Failed, 3),
        "max_attempts honoured"
    );
    let e = t.error.unwrap();
    assert_eq!(e.code, "transient_failure");
    assert!(e.message.contains("connection reset"));
    engine.shutdown().await;
}

async fn rig_with_failures(n: u32) -> (Rig, Engine) {
    rig(n).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_hands_running_tasks_back() {
    let (rig, engine) = rig(0).await;
    let id = queue(&rig.state, "slow", None).await;
    until(&rig.state, id, Duration::from_secs(5), |t| {
        t.status == TaskStatus::Running
    })
    .await;
    // Wait for the agent itself to be running (the claim comes a moment before).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !rig.started.load(Ordering::SeqCst) {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    engine.shutdown().await;
    let t = rig.state.db.get_task(id).await.unwrap();
    assert_eq!(
        (t.status, t.attempts),
        (TaskStatus::Pending, 0),
        "back in the queue without spending an attempt"
    );
    assert!(rig.dropped.load(Ordering::SeqCst));
}

/// Two instances on one PostgreSQL and Redis share 200 tasks; each runs exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_queue_and_run_each_task_once() {
    let Some((db, redis)) = seo_e2e::external_services().await else {
        eprintln!("TEST_DATABASE_URL/TEST_REDIS_URL not set: skipped");
        return;
    };
    let prefix = format!("eng-{}", uuid::Uuid::new_v4().simple());
    let configure = |c: &mut seo_architects::Config| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
        c.redis_key_prefix = prefix.clone();
        c.workers = 2;
    };
    let a = spawn_with(configure).await;
    let b = spawn_with(configure).await;
    let mut ids = Vec::new();
    for i in 0..200 {
        let new = TaskInput {
            agent_id: "lead_qualification".into(),
            task_type: "qualify_lead".into(),
            input: Some(json!({"company_name": format!("Lead {i}"), "contact_role": "CEO"})),
            ..Default::default()
        }
        .validate(None)
        .unwrap();
        let st = if i % 2 == 0 {
            &a.running.state
        } else {
            &b.running.state
        };
        ids.push(st.enqueue(new).await.unwrap().id);
    }
    for id in &ids {
        until(&a.running.state, *id, Duration::from_secs(60), |t| {
            t.status.is_terminal()
        })
        .await;
    }
    let runs = a.running.state.agents.stats("lead_qualification").runs
        + b.running.state.agents.stats("lead_qualification").runs;
    assert_eq!(
        runs, 200,
        "every task ran exactly once across both instances"
    );
    let s = a.running.state.db.task_stats().await.unwrap();
    assert_eq!(s.status_breakdown["completed"], 200);
    eprintln!(
        "instance a ran {}, b ran {}",
        a.running.state.agents.stats("lead_qualification").runs,
        b.running.state.agents.stats("lead_qualification").runs
    );
}

/// The lead workflow: a hot or warm lead gets a proposal as a child task; a cold one does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qualified_lead_gets_a_proposal_as_a_child_task() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let hot = json!({"input": {
        "company_name": "Acme Retail", "contact_role": "CEO", "industry": "E-commerce", "company_size": "50-500",
        "budget_range": "5m+", "timeline": "ASAP", "pain_points": ["low traffic", "competitors outrank us"], "goals": ["growth"]
    }});
    let (s, lead) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(hot),
        )
        .await;
    assert_eq!(
        (s, lead["output"]["classification"].as_str()),
        (200, Some("hot"))
    );
    let lead_id = lead["id"].as_str().unwrap();
    let start = Instant::now();
    let proposal = loop {
        let (_, list) = app
            .send(
                Method::GET,
                "/api/tasks?agent_id=proposal_generation&status=completed",
                &t,
                None,
            )
            .await;
        if let Some(p) = list["items"].as_array().and_then(|i| i.first()).cloned() {
            break p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no proposal followed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // qualify → call plan → proposal.
    let (_, call) = app
        .send(
            Method::GET,
            &format!("/api/tasks/{}", proposal["parent_id"].as_str().unwrap()),
            &t,
            None,
        )
        .await;
    assert_eq!(call["agent_id"], "sales_conversation");
    assert_eq!(call["parent_id"].as_str(), Some(lead_id));
    assert_eq!(proposal["input"]["lead_class"], "hot");
    assert_eq!(proposal["input"]["lead_score"], 80.05);
    // Mid-market e-commerce, hot: (500,000 + 350,000) × 1.2 × 1.2 one-time; 850,000 × 1.44 monthly.
    assert_eq!(proposal["output"]["totals"]["one_time"], 1_224_000.0);
    assert_eq!(proposal["output"]["totals"]["monthly"], 1_224_000.0);

    let cold = json!({"input": {"company_name": "Cold Co", "industry": "Non-profit", "contact_role": "intern"}});
    let (s, c) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(cold),
        )
        .await;
    assert_eq!(s, 200);
    assert_ne!(c["output"]["classification"], "hot");
    assert_ne!(c["output"]["classification"], "warm");
    // The cold lead's run is decided in the transaction that completed it: once the task
    // is finished, its run is too — nothing to wait for.
    let (_, run) = app
        .send(
            Method::GET,
            &format!(
                "/api/workflows/runs/{}",
                c["workflow_run_id"].as_str().unwrap()
            ),
            &t,
            None,
        )
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["steps"][1]["status"], "skipped");
    let (_, all) = app
        .send(
            Method::GET,
            "/api/tasks?agent_id=proposal_generation",
            &t,
            None,
        )
        .await;
    assert_eq!(all["total"], 1, "a cold lead gets no proposal");
}
