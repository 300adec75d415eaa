//! The optional LLM writes prose only; an unreachable one never fails a task.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use seo_agents::{AgentManager, AgentsConfig, LlmClient, LlmConfig, TaskContext};
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

async fn completions(
    req: HttpRequest,
    body: web::Json<Value>,
    seen: web::Data<Seen>,
) -> HttpResponse {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    seen.lock().unwrap().push((auth, body.into_inner()));
    HttpResponse::Ok().json(json!({"choices": [{"message": {"role": "assistant", "content": "Acme is a strong lead."}}]}))
}

fn client(base: String) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url: base,
        model: "stand-in".into(),
        api_key: Some("sk-test-123".into()),
        timeout: Duration::from_secs(2),
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_llm_adds_a_narrative_and_changes_no_number() {
    let seen: Seen = Arc::default();
    let data = web::Data::new(seen.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let srv = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/v1/chat/completions", web::post().to(completions))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(srv);
    let lead = json!({"company_name": "Acme", "contact_role": "CEO", "budget_range": "5m+"});
    let plain = AgentManager::with_config(AgentsConfig::default());
    let with_llm = AgentManager::with_config(AgentsConfig::default()).with_llm(client(base));
    let a = plain
        .run(
            "lead_qualification",
            "qualify_lead",
            &lead,
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    let b = with_llm
        .run(
            "lead_qualification",
            "qualify_lead",
            &lead,
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    assert_eq!(b.extra["narrative"], "Acme is a strong lead.");
    assert!(a.extra.get("narrative").is_none(), "off by default");
    assert_eq!(
        (a.score, &a.factors),
        (b.score, &b.factors),
        "the LLM changes no number"
    );
    assert!(b.data_sources.iter().any(|d| d.contains("stand-in")));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0.as_deref(), Some("Bearer sk-test-123"));
    assert_eq!(seen[0].1["model"], "stand-in");
    assert!(
        seen[0].1["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("\"score\""),
        "it is given the computed figures"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_llm_never_fails_a_task() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = AgentManager::with_config(AgentsConfig::default())
        .with_llm(client(format!("http://127.0.0.1:{closed}/v1")));
    let out = m
        .run(
            "lead_qualification",
            "qualify_lead",
            &json!({"company_name": "Acme"}),
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    assert!(out.extra.get("narrative").is_none());
    assert_eq!(m.stats("lead_qualification").successes, 1);
    assert!(
        !format!("{m:?}").contains("sk-test-123"),
        "the key never reaches Debug output"
    );
}
