//! MCP data providers: a local MCP server started by the test serves company facts; agents
//! switched to their providers use them (cache hit and miss counted), a slow provider times
//! out, a failing one is retried, and a provider that is down never fails a task.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use reqwest::Method;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use seo_e2e::{TestApp, spawn_with};
use seo_mcp::{McpConfig, ProviderConfig};
use serde_json::{Value, json};

/// Calls per tool.
#[derive(Debug, Default)]
struct Counts {
    lookup: AtomicU32,
    slow: AtomicU32,
    flaky: AtomicU32,
}

#[derive(Debug, Clone)]
struct CompanyFacts(Arc<Counts>);

impl ServerHandler for CompanyFacts {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({"type": "object", "properties": {"company_name": {"type": "string"}}});
        let tools = ["lookup_company", "slow_lookup", "flaky_lookup"]
            .into_iter()
            .map(|n| Tool::new(n, "company facts", schema.as_object().cloned().unwrap()))
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let facts = json!({"employees": 250, "industry": "e-commerce"});
        match request.name.as_ref() {
            "lookup_company" => {
                self.0.lookup.fetch_add(1, Ordering::SeqCst);
            }
            "slow_lookup" => {
                self.0.slow.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            "flaky_lookup" => {
                // The first call fails at the protocol level (a transient failure).
                if self.0.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(ErrorData::internal_error("temporarily unavailable", None));
                }
            }
            _ => return Err(ErrorData::invalid_params("unknown tool", None)),
        }
        Ok(CallToolResult::structured(facts).into())
    }
}

type Svc = StreamableHttpService<CompanyFacts, NeverSessionManager>;

async fn bridge(req: HttpRequest, body: web::Bytes, svc: web::Data<Svc>) -> HttpResponse {
    let mut b = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (k, v) in req.headers() {
        b = b.header(k.as_str(), v.as_bytes());
    }
    let r = b
        .body(http_body_util::Full::new(bytes::Bytes::from(body.to_vec())))
        .unwrap();
    let (parts, body) = svc.handle(r).await.into_parts();
    let mut out =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(parts.status.as_u16()).unwrap());
    for (k, v) in &parts.headers {
        out.append_header((k.as_str(), v.as_bytes()));
    }
    out.streaming(http_body_util::BodyExt::into_data_stream(body))
}

/// Starts the company-facts MCP server on a free port; its `/mcp` URL and call counts.
fn start_provider() -> (String, Arc<Counts>, actix_web::dev::ServerHandle) {
    let counts = Arc::new(Counts::default());
    let handler = CompanyFacts(counts.clone());
    let svc: Svc = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(NeverSessionManager::default()),
        StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true),
    );
    let data = web::Data::new(svc);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .route("/mcp", web::post().to(bridge))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{addr}/mcp"), counts, handle)
}

fn provider(name: &str, url: &str, tool: &str) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        url: Some(url.into()),
        command: None,
        args: Vec::new(),
        env: BTreeMap::new(),
        headers: BTreeMap::new(),
        allowed_tools: Vec::new(),
        capabilities: BTreeMap::from([("company_profile".into(), tool.into())]),
        cache_ttl_seconds: 300,
        timeout_ms: 2000,
        retries: 0,
        retry_backoff_ms: 10,
    }
}

async fn app_with(providers: Vec<ProviderConfig>) -> TestApp {
    spawn_with(move |c| c.mcp = McpConfig { providers }).await
}

/// A lead without size or industry: what the provider fills in.
fn bare_lead(name: &str) -> Value {
    json!({"input": {"company_name": name, "contact_role": "CEO", "budget_range": "2m", "timeline": "asap"}})
}

async fn qualify(app: &TestApp, token: &str, name: &str) -> Value {
    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=20",
            token,
            Some(bare_lead(name)),
        )
        .await;
    assert_eq!(s, 200, "{task}");
    assert_eq!(task["status"], "completed", "{task}");
    task["output"].clone()
}

fn mentions(list: &Value, needle: &str) -> bool {
    list.as_array()
        .unwrap()
        .iter()
        .any(|s| s.as_str().unwrap_or("").contains(needle))
}

fn stats<'a>(providers: &'a Value, name: &str) -> &'a Value {
    providers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switched_agent_uses_its_provider_and_the_cache_counts() {
    let (url, counts, server) = start_provider();
    let app = app_with(vec![provider("facts", &url, "lookup_company")]).await;
    let t = app.admin_token().await;

    // Off by default: the agent does not ask, and says nothing about it.
    let (_, agent) = app
        .send(Method::GET, "/api/agents/lead_qualification", &t, None)
        .await;
    assert_eq!(agent["mcp_enabled"], false);
    assert_eq!(agent["mcp_providers"], json!(["facts"]));
    assert_eq!(agent["external_data"][0]["name"], "company_profile");
    let out = qualify(&app, &t, "Acme").await;
    assert!(!mentions(&out["data_sources"], "MCP"), "{out}");
    assert_eq!(counts.lookup.load(Ordering::SeqCst), 0);

    // An operator may not switch it (agents:write); a manager may.
    let op = app.token_for("operator").await;
    let (s, _) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/enable-mcp",
            &op,
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .send(Method::POST, "/api/agents/nope/enable-mcp", &t, None)
        .await;
    assert_eq!(s, 404);
    let manager = app.token_for("manager").await;
    let (s, on) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/enable-mcp",
            &manager,
            None,
        )
        .await;
    assert_eq!(s, 200, "{on}");
    assert_eq!(
        (on["mcp_enabled"].as_bool(), on["changed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(on["providers"], json!(["facts"]));

    // Miss, then hit: the provider is called once for the same company.
    let first = qualify(&app, &t, "Acme").await;
    assert!(
        mentions(&first["data_sources"], "MCP provider 'facts'"),
        "{first}"
    );
    assert!(
        mentions(&first["data_sources"], "company_size = 250"),
        "{first}"
    );
    assert!(
        mentions(&first["data_sources"], "industry = e-commerce"),
        "{first}"
    );
    let second = qualify(&app, &t, "Acme").await;
    assert!(
        mentions(&second["data_sources"], "cached answer"),
        "{second}"
    );
    assert_eq!(first["score"], second["score"]);
    // The size the provider gave is used as if the lead had stated it.
    let (_, stated) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=20",
            &t,
            Some(json!({"input": {"company_name": "Acme", "contact_role": "CEO", "budget_range": "2m", "timeline": "asap", "company_size": 250, "industry": "e-commerce"}})),
        )
        .await;
    assert_eq!(stated["output"]["score"], first["score"]);
    assert_eq!(counts.lookup.load(Ordering::SeqCst), 1);

    let (s, providers) = app.send(Method::GET, "/api/mcp/providers", &t, None).await;
    assert_eq!(s, 200);
    let p = stats(&providers, "facts");
    assert_eq!(
        (
            p["status"].as_str(),
            p["calls"].as_u64(),
            p["cache_hits"].as_u64(),
            p["failures"].as_u64()
        ),
        (Some("up"), Some(2), Some(1), Some(0)),
        "{p}"
    );
    assert!(p["latency_ms"].as_f64().is_some());
    assert_eq!(p["transport"], "http");

    let (_, agent) = app
        .send(Method::GET, "/api/agents/lead_qualification", &t, None)
        .await;
    assert_eq!(agent["mcp_enabled"], true);
    let (_, health) = app.send(Method::GET, "/health", &t, None).await;
    assert_eq!(health["components"]["mcp"]["status"], "up", "{health}");
    assert_eq!(health["components"]["mcp"]["providers"][0]["name"], "facts");
    // Without a token the providers' names are not shown.
    let (_, _, public) = app.get("/health").await;
    assert_eq!(public["components"]["mcp"]["configured"], 1);
    assert!(public["components"]["mcp"].get("providers").is_none());

    // Off again: no more calls.
    let (s, off) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/disable-mcp",
            &t,
            None,
        )
        .await;
    assert_eq!((s, off["mcp_enabled"].as_bool()), (200, Some(false)));
    let out = qualify(&app, &t, "Other Co").await;
    assert!(!mentions(&out["data_sources"], "MCP"), "{out}");
    assert_eq!(counts.lookup.load(Ordering::SeqCst), 1);
    server.stop(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_times_out_a_failing_one_is_retried_and_a_dead_one_fails_no_task() {
    let (url, counts, server) = start_provider();
    let mut slow = provider("slow", &url, "slow_lookup");
    slow.timeout_ms = 300;
    let mut flaky = provider("flaky", &url, "flaky_lookup");
    flaky.retries = 2;
    let app = app_with(vec![slow, flaky]).await;
    let t = app.admin_token().await;
    let (s, _) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/enable-mcp",
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);

    let out = qualify(&app, &t, "Initech").await;
    // The slow one ran out of time; the flaky one failed once and answered on the retry.
    assert!(
        mentions(&out["data_sources"], "MCP provider 'flaky'"),
        "{out}"
    );
    assert_eq!(counts.slow.load(Ordering::SeqCst), 1);
    assert_eq!(counts.flaky.load(Ordering::SeqCst), 2);
    let (_, providers) = app.send(Method::GET, "/api/mcp/providers", &t, None).await;
    let s = stats(&providers, "slow");
    assert_eq!(
        (
            s["status"].as_str(),
            s["timeouts"].as_u64(),
            s["failures"].as_u64()
        ),
        (Some("down"), Some(1), Some(1)),
        "{s}"
    );
    assert!(
        s["last_error"]
            .as_str()
            .unwrap()
            .contains("timed out after 300 ms"),
        "{s}"
    );
    let f = stats(&providers, "flaky");
    assert_eq!(
        (
            f["status"].as_str(),
            f["retries"].as_u64(),
            f["failures"].as_u64()
        ),
        (Some("up"), Some(1), Some(0)),
        "{f}"
    );
    let (_, health) = app.send(Method::GET, "/health", &t, None).await;
    assert_eq!(health["components"]["mcp"]["status"], "degraded");
    assert_eq!(
        health["status"], "healthy",
        "an optional provider does not degrade the instance"
    );
    server.stop(false).await;

    // A provider that cannot be reached: the task completes and says what it could not get.
    let mut gone = provider("gone", &url, "lookup_company");
    gone.timeout_ms = 500;
    gone.retries = 1;
    let app = app_with(vec![gone]).await;
    let t = app.admin_token().await;
    app.send(
        Method::POST,
        "/api/agents/lead_qualification/enable-mcp",
        &t,
        None,
    )
    .await;
    let out = qualify(&app, &t, "Globex").await;
    assert!(
        mentions(&out["not_measured"], "company_profile from MCP providers"),
        "{out}"
    );
    assert!(out["score"].as_f64().is_some());
    let (_, providers) = app.send(Method::GET, "/api/mcp/providers", &t, None).await;
    let g = stats(&providers, "gone");
    assert_eq!(
        (
            g["status"].as_str(),
            g["retries"].as_u64(),
            g["failures"].as_u64()
        ),
        (Some("down"), Some(1), Some(1)),
        "{g}"
    );
}
