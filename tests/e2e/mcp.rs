//! MCP over streamable HTTP with the official Rust SDK's own client (rmcp): the JWT guard,
//! every agent task type as a tool, a tool call giving the same result as the REST API,
//! record tools and resources, permissions and errors.

use reqwest::Method;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, ClientConfig, ReadResourceRequestParams, ResourceContents,
};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use seo_e2e::{TestApp, spawn_app};
use serde_json::{Map, Value, json};

pub(crate) async fn connect(
    app: &TestApp,
    token: &str,
) -> RunningService<RoleClient, ClientConfig> {
    let transport = StreamableHttpClientTransport::with_client(
        reqwest::Client::builder().no_proxy().build().unwrap(),
        StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(token),
    );
    ClientConfig::default()
        .serve(transport)
        .await
        .expect("MCP initialize")
}

pub(crate) fn args(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn lead() -> Value {
    json!({"company_name": "Acme", "contact_role": "CEO", "industry": "SaaS", "budget_range": "2m", "timeline": "asap", "pain_points": ["no leads"], "company_size": "250"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_without_a_token_is_401_and_with_one_initializes() {
    let app = spawn_app().await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let r = app
        .http
        .post(app.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let t = app.admin_token().await;
    let r = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth(&t)
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["result"]["serverInfo"]["name"], "seo-architects");
    assert!(body["result"]["capabilities"]["tools"].is_object());
    assert!(body["result"]["capabilities"]["resources"].is_object());
    // A Host that is not allowed is refused (DNS-rebinding guard).
    let r = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth(&t)
        .header("host", "evil.example")
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_type_is_a_tool_and_a_call_equals_the_rest_result() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let client = connect(&app, &t).await;

    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    for agent in app.running.state.agents.list() {
        for tt in &agent.task_types {
            let name = format!("{}__{}", agent.agent_id, tt.name);
            let tool = tools.iter().find(|t| t.name == name.as_str());
            let tool = tool.unwrap_or_else(|| panic!("{name} missing from {names:?}"));
            assert!(
                tool.description
                    .as_deref()
                    .unwrap_or("")
                    .contains(tt.description),
                "{name}"
            );
            // The agent's own schema, plus the call's control arguments.
            for (k, _) in tt.input_schema["properties"].as_object().unwrap() {
                assert!(
                    tool.input_schema["properties"].get(k).is_some(),
                    "{name}.{k}"
                );
            }
            assert!(
                tool.input_schema["properties"]
                    .get("wait_seconds")
                    .is_some()
            );
        }
    }
    for record in [
        "list_clients",
        "get_client",
        "list_campaigns",
        "get_campaign",
        "list_tasks",
        "get_task",
        "list_audits",
        "get_audit",
        "audit_diff",
    ] {
        assert!(names.iter().any(|n| n == record), "{record}");
    }
    assert!(names.iter().all(|n| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }));

    // The same input through REST and through MCP: the same score and classification.
    let (s, rest) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(json!({"input": lead()})),
        )
        .await;
    assert_eq!(s, 200, "{rest}");
    let result = client
        .call_tool(
            CallToolRequestParams::new("lead_qualification__qualify_lead")
                .with_arguments(args(lead())),
        )
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(false), "{result:?}");
    let out = result.structured_content.clone().unwrap();
    assert_eq!(out["score"], rest["output"]["score"]);
    assert_eq!(out["classification"], rest["output"]["classification"]);
    let text = serde_json::to_string(&result.content[0]).unwrap();
    assert!(
        text.contains(
            rest["output"]["summary"]
                .as_str()
                .unwrap()
                .split(" (")
                .next()
                .unwrap()
        ),
        "{text}"
    );

    // It is a real task: stored, listed, and readable as a resource.
    let task_id = out["task_id"].as_str().unwrap().to_string();
    let (s, task) = app
        .send(Method::GET, &format!("/api/tasks/{task_id}"), &t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(task["status"], "completed");
    assert_eq!(task["output"]["score"], out["score"]);
    let read = client
        .read_resource(ReadResourceRequestParams::new(format!(
            "seo://tasks/{task_id}"
        )))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents {
        text, mime_type, ..
    } = &read.contents[0]
    else {
        panic!("text contents expected");
    };
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["id"], task_id.as_str());
    assert_eq!(v["output"]["score"], out["score"]);

    // wait_seconds 0: the call answers at once with the task id and status.
    let quick = client
        .call_tool(
            CallToolRequestParams::new("lead_qualification__qualify_lead")
                .with_arguments(args(json!({"company_name": "Quick", "wait_seconds": 0}))),
        )
        .await
        .unwrap();
    let q = quick.structured_content.unwrap();
    assert!(q["task_id"].is_string(), "{q}");
    // Either still queued or running (id and status), or already done (the output).
    assert!(
        ["pending", "running"].contains(&q["status"].as_str().unwrap_or(""))
            || q["summary"].is_string(),
        "{q}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_tools_and_resources_with_the_rest_permissions() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (s, c) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Northwind Ltd", "contact_email": "ops@northwind.example", "industry": "retail"})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let client = connect(&app, &t).await;

    let got = client
        .call_tool(CallToolRequestParams::new("get_client").with_arguments(args(json!({"id": id}))))
        .await
        .unwrap();
    assert_eq!(
        got.structured_content.unwrap()["company_name"],
        "Northwind Ltd"
    );
    let list = client
        .call_tool(
            CallToolRequestParams::new("list_clients").with_arguments(args(json!({"q": "north"}))),
        )
        .await
        .unwrap();
    let l = list.structured_content.unwrap();
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["id"], id.as_str());

    let resources = client.list_all_resources().await.unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.uri == format!("seo://clients/{id}"))
    );
    let read = client
        .read_resource(ReadResourceRequestParams::new(format!(
            "seo://clients/{id}"
        )))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("text contents expected");
    };
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["company_name"],
        "Northwind Ltd"
    );

    // Errors: an unknown record is a tool error; an unknown resource a protocol error; an
    // unknown tool a protocol error; bad input a tool error naming the field.
    let missing = client
        .call_tool(
            CallToolRequestParams::new("get_client")
                .with_arguments(args(json!({"id": uuid::Uuid::new_v4()}))),
        )
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert!(
        client
            .read_resource(ReadResourceRequestParams::new(format!(
                "seo://clients/{}",
                uuid::Uuid::new_v4()
            )))
            .await
            .is_err()
    );
    assert!(
        client
            .call_tool(CallToolRequestParams::new("no_such_tool"))
            .await
            .is_err()
    );
    let bad = client
        .call_tool(
            CallToolRequestParams::new("lead_qualification__qualify_lead")
                .with_arguments(args(json!({"company_name": "X", "company_size": [1]}))),
        )
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    assert!(
        serde_json::to_string(&bad.content)
            .unwrap()
            .contains("company_size")
    );

    // Malformed JSON-RPC is answered by the protocol (400 with a parse error), not a 500.
    for body in [
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"meth",
        "[]",
        "null",
        "{}",
    ] {
        let r = app
            .http
            .post(app.url("/mcp"))
            .bearer_auth(&t)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{body}: {}", r.status());
    }
    client.cancel().await.unwrap();

    // An operator reads records but may not run agents (agents:write), as on REST.
    let op = app.token_for("operator").await;
    let client = connect(&app, &op).await;
    let denied = client
        .call_tool(
            CallToolRequestParams::new("lead_qualification__qualify_lead")
                .with_arguments(args(lead())),
        )
        .await
        .unwrap();
    assert_eq!(denied.is_error, Some(true));
    assert!(
        serde_json::to_string(&denied.content)
            .unwrap()
            .contains("agents:write")
    );
    let (_, tasks) = app.send(Method::GET, "/api/tasks", &t, None).await;
    assert_eq!(tasks["total"], 0, "a refused call creates no task");
    let got = client
        .call_tool(CallToolRequestParams::new("get_client").with_arguments(args(json!({"id": id}))))
        .await
        .unwrap();
    assert_eq!(got.is_error, Some(false));
    client.cancel().await.unwrap();
}
