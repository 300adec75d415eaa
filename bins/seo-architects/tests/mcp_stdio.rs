//! `seo-architects mcp --user NAME`: MCP over stdio with the official Rust SDK's client,
//! spawning the real binary against a SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Stdio};

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_seo-architects");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_the_agents_as_the_named_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("app.db").display());
    let mut create = Command::new(BIN)
        .args([
            "users",
            "create",
            "--username",
            "mia",
            "--email",
            "mia@example.com",
            "--role",
            "manager",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &db)
        .env_remove("REDIS_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"password-123\n")
        .unwrap();
    assert!(create.wait().unwrap().success());

    // An unknown user is refused before anything is served.
    let out = Command::new(BIN)
        .args(["mcp", "--user", "nobody"])
        .env("DATABASE_URL", &db)
        .env_remove("REDIS_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named 'nobody'"));

    let transport = TokioChildProcess::new(tokio::process::Command::new(BIN).configure(|c| {
        c.args(["mcp", "--user", "mia"])
            .env("DATABASE_URL", &db)
            .env_remove("REDIS_URL")
            .env("LOG_LEVEL", "warn");
    }))
    .unwrap();
    let client = ClientConfig::default().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools
            .iter()
            .any(|t| t.name == "lead_qualification__qualify_lead")
    );
    let r = client
        .call_tool(
            CallToolRequestParams::new("lead_qualification__qualify_lead").with_arguments(
                json!({"company_name": "Acme", "contact_role": "CEO", "budget_range": "2m", "timeline": "asap"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    let out = r.structured_content.unwrap();
    assert!(out["score"].as_f64().unwrap() > 0.0);
    // The task is recorded as created by that user.
    let list = client
        .call_tool(CallToolRequestParams::new("list_tasks"))
        .await
        .unwrap();
    let l = list.structured_content.unwrap();
    assert!(
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == out["task_id"])
    );
    client.cancel().await.unwrap();
}

/// A provider started as a child process over stdio (here: this binary's own MCP server,
/// whose `list_clients` tool stands in for a data tool): answered, then cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stdio_provider_is_started_called_and_cached() {
    use seo_agents::ExternalData;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("app.db").display());
    let mut create = Command::new(BIN)
        .args([
            "users",
            "create",
            "--username",
            "feed",
            "--email",
            "feed@example.com",
            "--role",
            "operator",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &db)
        .env_remove("REDIS_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"password-123\n")
        .unwrap();
    assert!(create.wait().unwrap().success());

    let config = seo_mcp::McpConfig {
        providers: vec![seo_mcp::ProviderConfig {
            name: "local".into(),
            url: None,
            command: Some(BIN.into()),
            args: vec!["mcp".into(), "--user".into(), "feed".into()],
            env: [
                ("DATABASE_URL".to_string(), db.clone()),
                ("LOG_LEVEL".to_string(), "warn".to_string()),
            ]
            .into_iter()
            .collect(),
            headers: Default::default(),
            allowed_tools: vec!["list_clients".into()],
            capabilities: [("company_profile".to_string(), "list_clients".to_string())]
                .into_iter()
                .collect(),
            cache_ttl_seconds: 60,
            timeout_ms: 20_000,
            retries: 0,
            retry_backoff_ms: 10,
        }],
    };
    let registry = seo_mcp::ProviderRegistry::new(&config).unwrap();
    let first = registry
        .call("company_profile", json!({"company_name": "Acme"}))
        .await
        .unwrap();
    assert_eq!((first.provider.as_str(), first.cached), ("local", false));
    assert_eq!(first.value["total"], 0, "{:?}", first.value);
    let second = registry
        .call("company_profile", json!({"company_name": "Acme"}))
        .await
        .unwrap();
    assert!(second.cached);
    let s = &registry.providers()[0];
    assert_eq!(
        (s.transport, s.status, s.calls, s.cache_hits),
        ("stdio", "up", 2, 1)
    );
    registry.close().await;
}
