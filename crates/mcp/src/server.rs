//! The MCP server: agents as tools, records as tools and resources.
//!
//! Every call goes through the [`Service`] use-cases, with the caller's permissions checked
//! here exactly as the REST route table checks them: an agent tool needs `agents:write`
//! (like `POST /api/agents/{id}/tasks`), the record tools and resources need the matching
//! `:read` permission.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use seo_auth::{Permission, role_grants};
use seo_domain::{CampaignStatus, PageRequest, Role, TaskInput, TaskPriority, TaskStatus};
use seo_service::{Service, ServiceError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::records::{self, RecordTool};

/// Who is calling: put in the HTTP request's extensions by the transport after its access
/// guard authenticated the bearer token, or fixed for a stdio server.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id.
    pub user_id: Uuid,
    /// The user's name (for logs).
    pub username: String,
    /// The user's current role.
    pub role: Role,
}

/// Settings of the MCP server.
#[derive(Debug, Clone)]
pub struct McpSettings {
    /// How long an agent tool waits for its task when the call names no `wait_seconds`.
    pub default_wait: Duration,
    /// The longest wait a call may ask for.
    pub max_wait: Duration,
}

impl Default for McpSettings {
    fn default() -> Self {
        Self {
            default_wait: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
        }
    }
}

/// How a server learns its caller.
#[derive(Debug, Clone)]
enum Identity {
    /// From each HTTP request (the transport's access guard).
    PerRequest,
    /// One user for the whole connection (stdio), re-read on every call so a disabled user
    /// or a role change takes effect at once.
    Fixed(Uuid),
}

/// Arguments every agent tool accepts besides the agent's own input.
pub const CONTROL_ARGUMENTS: [&str; 4] = ["wait_seconds", "priority", "client_id", "campaign_id"];

/// Items per page of `resources/list`.
const RESOURCE_PAGE: u32 = 100;

/// The MCP server handler. Cheap to clone; one per connection or request.
#[derive(Debug, Clone)]
pub struct SeoMcp {
    service: Service,
    settings: Arc<McpSettings>,
    identity: Identity,
}

/// What a tool name stands for.
#[derive(Debug, Clone)]
enum Target {
    Agent {
        agent_id: &'static str,
        task_type: &'static str,
    },
    Record(RecordTool),
}

/// `<agent_id>__<task_type>`.
pub fn agent_tool_name(agent_id: &str, task_type: &str) -> String {
    format!("{agent_id}__{task_type}")
}

impl SeoMcp {
    /// A server whose caller comes with each HTTP request.
    pub fn per_request(service: Service, settings: Arc<McpSettings>) -> Self {
        Self {
            service,
            settings,
            identity: Identity::PerRequest,
        }
    }

    /// A server acting as one user for the whole connection (stdio).
    pub fn as_user(service: Service, settings: Arc<McpSettings>, user_id: Uuid) -> Self {
        Self {
            service,
            settings,
            identity: Identity::Fixed(user_id),
        }
    }

    /// The caller of this request, or a protocol error when there is none (an HTTP request
    /// that reached the handler without the access guard, or a disabled stdio user).
    async fn caller(&self, ctx: &RequestContext<RoleServer>) -> Result<Caller, McpError> {
        match &self.identity {
            Identity::PerRequest => ctx
                .extensions
                .get::<http::request::Parts>()
                .and_then(|p| p.extensions.get::<Caller>())
                .cloned()
                .ok_or_else(|| McpError::invalid_request("not authenticated", None)),
            Identity::Fixed(id) => {
                let user =
                    self.service.user(*id).await.map_err(|_| {
                        McpError::invalid_request("the user no longer exists", None)
                    })?;
                if !user.is_active {
                    return Err(McpError::invalid_request("the user is disabled", None));
                }
                Ok(Caller {
                    user_id: user.id,
                    username: user.username,
                    role: user.role,
                })
            }
        }
    }

    /// Every tool, by name.
    fn targets(&self) -> BTreeMap<String, (Tool, Target)> {
        let mut out = BTreeMap::new();
        for info in self.service.agents.list() {
            for tt in &info.task_types {
                let name = agent_tool_name(info.agent_id, tt.name);
                let tool = Tool::new(
                    name.clone(),
                    format!("{} — {} ({})", info.name, tt.description, info.description),
                    tool_schema(&tt.input_schema),
                )
                .with_title(format!("{}: {}", info.name, tt.name))
                .with_annotations(
                    ToolAnnotations::new()
                        .read_only(false)
                        .destructive(false)
                        .open_world(info.agent_id == "technical_seo_auditor"),
                );
                out.insert(
                    name,
                    (
                        tool,
                        Target::Agent {
                            agent_id: info.agent_id,
                            task_type: tt.name,
                        },
                    ),
                );
            }
        }
        for rt in RecordTool::ALL {
            let tool = Tool::new(rt.name(), rt.description(), rt.schema())
                .with_annotations(ToolAnnotations::new().read_only(true));
            out.insert(rt.name().to_string(), (tool, Target::Record(rt)));
        }
        out
    }

    async fn call_agent(
        &self,
        caller: &Caller,
        agent_id: &str,
        task_type: &str,
        mut args: Map<String, Value>,
    ) -> CallToolResult {
        if !role_grants(caller.role, Permission::AgentsWrite) {
            return denied(Permission::AgentsWrite);
        }
        let own_props = self
            .service
            .agents
            .info(agent_id)
            .and_then(|i| {
                i.task_types
                    .iter()
                    .find(|t| t.name == task_type)
                    .map(|t| property_names(&t.input_schema))
            })
            .unwrap_or_default();
        // Control arguments the agent's own schema does not define are taken out of its input.
        let mut control = Map::new();
        for key in CONTROL_ARGUMENTS {
            if own_props.iter().any(|p| p == key) {
                if let Some(v) = args.get(key) {
                    control.insert(key.to_string(), v.clone());
                }
            } else if let Some(v) = args.remove(key) {
                control.insert(key.to_string(), v);
            }
        }
        let wait = match control.get("wait_seconds") {
            None | Some(Value::Null) => self.settings.default_wait,
            Some(v) => match v.as_f64().filter(|s| s.is_finite() && *s >= 0.0) {
                Some(s) => Duration::from_secs_f64(s).min(self.settings.max_wait),
                None => {
                    return tool_error(
                        "wait_seconds: must be a number of seconds, 0 or more",
                        json!({"field": "wait_seconds", "code": "invalid_value"}),
                    );
                }
            },
        };
        let priority = match control.get("priority") {
            None | Some(Value::Null) => None,
            Some(v) => match serde_json::from_value::<TaskPriority>(v.clone()) {
                Ok(p) => Some(p),
                Err(_) => {
                    return tool_error(
                        "priority: must be one of low, medium, high, critical",
                        json!({"field": "priority", "code": "invalid_value"}),
                    );
                }
            },
        };
        let mut ids = [None, None];
        for (slot, key) in ids.iter_mut().zip(["client_id", "campaign_id"]) {
            match control.get(key) {
                None | Some(Value::Null) => {}
                Some(v) => match v.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                    Some(id) => *slot = Some(id),
                    None => {
                        return tool_error(
                            format!("{key}: must be a UUID"),
                            json!({"field": key, "code": "invalid_uuid"}),
                        );
                    }
                },
            }
        }
        let [client_id, campaign_id] = ids;
        let input = TaskInput {
            agent_id: agent_id.to_string(),
            task_type: task_type.to_string(),
            input: Some(Value::Object(args)),
            priority,
            campaign_id,
            client_id,
            parent_id: None,
            timeout_seconds: None,
            max_attempts: None,
        };
        let new = match input.validate(Some(caller.user_id)) {
            Ok(n) => n,
            Err(e) => return service_error(&ServiceError::Validation(e)),
        };
        let task = match self.service.enqueue(new).await {
            Ok(t) => t,
            Err(e) => return service_error(&e),
        };
        tracing::info!(task_id = %task.id, agent_id, task_type, user = %caller.username, "task queued through MCP");
        let task = match self.service.wait_for_task(task.id, wait).await {
            Ok(t) => t,
            Err(e) => return service_error(&e),
        };
        task_result(&task)
    }

    fn resource_templates() -> Vec<ResourceTemplate> {
        [
            ("seo://clients/{id}", "client", "A client of the agency"),
            ("seo://campaigns/{id}", "campaign", "A campaign"),
            (
                "seo://tasks/{id}",
                "task",
                "A task with its input, status and result",
            ),
        ]
        .into_iter()
        .map(|(uri, name, desc)| {
            ResourceTemplate::new(uri, name)
                .with_description(desc)
                .with_mime_type("application/json")
        })
        .collect()
    }
}

/// The tool's input schema: the agent's own, with the control arguments it does not define.
fn tool_schema(agent_schema: &Value) -> Map<String, Value> {
    let mut schema = match agent_schema {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    schema.insert("type".into(), json!("object"));
    let props = schema
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(props) = props {
        let extra = [
            (
                "wait_seconds",
                json!({"type": "number", "minimum": 0, "description": "Seconds to wait for the result before the call returns the task id and status instead (server default and maximum apply)."}),
            ),
            (
                "priority",
                json!({"type": "string", "enum": ["low", "medium", "high", "critical"], "description": "Queue priority of the task."}),
            ),
            (
                "client_id",
                json!({"type": "string", "format": "uuid", "description": "The client the task is for (its data is read through the agent data port)."}),
            ),
            (
                "campaign_id",
                json!({"type": "string", "format": "uuid", "description": "The campaign the task is for."}),
            ),
        ];
        for (k, v) in extra {
            props.entry(k).or_insert(v);
        }
    }
    schema
}

fn property_names(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn tool_error(message: impl Into<String>, detail: Value) -> CallToolResult {
    let message = message.into();
    let mut r = CallToolResult::structured_error(json!({"error": message, "detail": detail}));
    r.content.insert(0, ContentBlock::text(message));
    r
}

fn denied(p: Permission) -> CallToolResult {
    tool_error(
        format!("forbidden: this needs the '{}' permission", p.as_str()),
        json!({"code": "forbidden", "permission": p.as_str()}),
    )
}

/// A refused or failed use-case as a tool error a person can read. Storage failures are
/// logged and reported without their text.
pub(crate) fn service_error(e: &ServiceError) -> CallToolResult {
    use seo_persistence::DbError;
    match e {
        ServiceError::Validation(v) => tool_error(
            format!("invalid input: {v}"),
            json!({"code": "validation_error", "fields": v.0.iter().map(|f| json!({"field": f.field, "code": f.code, "message": f.message})).collect::<Vec<_>>()}),
        ),
        ServiceError::Invalid {
            field,
            code,
            message,
        } => tool_error(
            format!("invalid input: {field}: {message}"),
            json!({"code": "validation_error", "fields": [{"field": field, "code": code, "message": message}]}),
        ),
        ServiceError::Agent(a) => tool_error(
            format!("invalid input: {a}"),
            json!({"code": "validation_error"}),
        ),
        ServiceError::NotFound(what) | ServiceError::Db(DbError::NotFound(what)) => {
            tool_error(format!("{what} not found"), json!({"code": "not_found"}))
        }
        ServiceError::Conflict(m) | ServiceError::Db(DbError::Conflict(m)) => {
            tool_error(m.clone(), json!({"code": "conflict"}))
        }
        ServiceError::Db(DbError::InvalidReference(m)) => {
            tool_error(m.clone(), json!({"code": "invalid_reference"}))
        }
        ServiceError::Forbidden(m) => tool_error(m.clone(), json!({"code": "forbidden"})),
        other => {
            tracing::error!(error = %other, "MCP call failed");
            tool_error(
                "the server could not complete the call; try again later",
                json!({"code": "unavailable"}),
            )
        }
    }
}

/// A finished task as the tool result: its output (structured) and summary (text); a failed
/// task as a tool error; a task still going as its id and status.
fn task_result(task: &seo_domain::Task) -> CallToolResult {
    match task.status {
        TaskStatus::Completed => {
            let output = task.output.clone().unwrap_or(Value::Null);
            let summary = output
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or("done")
                .to_string();
            let mut structured = match output {
                Value::Object(m) => m,
                other => {
                    let mut m = Map::new();
                    m.insert("output".into(), other);
                    m
                }
            };
            structured.insert("task_id".into(), json!(task.id));
            let mut r = CallToolResult::structured(Value::Object(structured));
            r.content.insert(
                0,
                ContentBlock::text(format!("{summary} (task {})", task.id)),
            );
            r
        }
        TaskStatus::Failed | TaskStatus::TimedOut | TaskStatus::Cancelled => {
            let (code, message) = task.error.as_ref().map_or_else(
                || {
                    (
                        "failed".to_string(),
                        "the task did not complete".to_string(),
                    )
                },
                |e| (e.code.clone(), e.message.clone()),
            );
            tool_error(
                format!("task {} {}: {message}", task.id, status_word(task.status)),
                json!({"task_id": task.id, "status": task.status, "code": code}),
            )
        }
        TaskStatus::Pending | TaskStatus::Running => {
            let mut r = CallToolResult::structured(json!({
                "task_id": task.id,
                "status": task.status,
                "progress": task.progress,
                "resource": format!("seo://tasks/{}", task.id),
            }));
            r.content.insert(
                0,
                ContentBlock::text(format!(
                    "task {} is still {} ({}%); read seo://tasks/{} for its result",
                    task.id,
                    status_word(task.status),
                    task.progress,
                    task.id
                )),
            );
            r
        }
    }
}

fn status_word(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Pending => "pending",
        TaskStatus::Running => "running",
        TaskStatus::Completed => "completed",
        TaskStatus::Failed => "failed",
        TaskStatus::TimedOut => "timed out",
        TaskStatus::Cancelled => "cancelled",
    }
}

fn page_of(cursor: Option<&str>) -> Result<u32, McpError> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .parse::<u32>()
            .map_err(|_| McpError::invalid_params("unknown cursor", None)),
    }
}

/// Parses `seo://<kind>/<uuid>`.
fn parse_uri(uri: &str) -> Option<(&str, Uuid)> {
    let rest = uri.strip_prefix("seo://")?;
    let (kind, id) = rest.split_once('/')?;
    Some((kind, Uuid::parse_str(id).ok()?))
}

impl ServerHandler for SeoMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("seo-architects", env!("CARGO_PKG_VERSION"))
                .with_title("SEO Architects"),
        )
        .with_instructions(
            "SEO Architects: each agent task type is a tool named <agent_id>__<task_type>; a \
             call runs a real task and returns its output with the factors behind every number. \
             list_*/get_* tools and seo://clients|campaigns|tasks/{id} resources read the \
             agency's records.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        self.caller(&ctx).await?;
        Ok(ListToolsResult::with_all_items(
            self.targets().into_values().map(|(t, _)| t).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.targets().remove(name).map(|(t, _)| t)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let caller = self.caller(&ctx).await?;
        let Some((_, target)) = self.targets().remove(request.name.as_ref()) else {
            return Err(McpError::invalid_params(
                format!("unknown tool '{}'", request.name),
                None,
            ));
        };
        let args = request.arguments.unwrap_or_default();
        let result = match target {
            Target::Agent {
                agent_id,
                task_type,
            } => self.call_agent(&caller, agent_id, task_type, args).await,
            Target::Record(rt) => {
                if role_grants(caller.role, rt.permission()) {
                    records::call(&self.service, rt, &args).await
                } else {
                    denied(rt.permission())
                }
            }
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let caller = self.caller(&ctx).await?;
        // One cursor walks clients, then campaigns, then tasks, 100 at a time: the cursor is
        // the number of items already listed.
        let start = page_of(request.as_ref().and_then(|r| r.cursor.as_deref()))?;
        let mut resources: Vec<Resource> = Vec::new();
        let mut skip = start;
        let mut more = false;
        for kind in records::Kind::ALL {
            if !role_grants(caller.role, kind.permission()) {
                continue;
            }
            let want = RESOURCE_PAGE.saturating_sub(u32::try_from(resources.len()).unwrap_or(0));
            let (items, total) = records::list_resources(&self.service, kind, skip, want)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "resources/list failed");
                    McpError::internal_error("the records could not be read", None)
                })?;
            let total = u32::try_from(total).unwrap_or(u32::MAX);
            skip = skip.saturating_sub(total);
            resources.extend(items);
            if u32::try_from(resources.len()).unwrap_or(u32::MAX) >= RESOURCE_PAGE {
                more = true;
                break;
            }
        }
        let listed = u32::try_from(resources.len()).unwrap_or(u32::MAX);
        let mut result = ListResourcesResult::with_all_items(resources);
        if more {
            result.next_cursor = Some(start.saturating_add(listed).to_string());
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        self.caller(&ctx).await?;
        Ok(ListResourceTemplatesResult::with_all_items(
            Self::resource_templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let caller = self.caller(&ctx).await?;
        let uri = request.uri;
        let Some((kind, id)) = parse_uri(&uri).and_then(|(k, id)| {
            records::Kind::ALL
                .into_iter()
                .find(|kind| kind.path() == k)
                .map(|kind| (kind, id))
        }) else {
            return Err(McpError::resource_not_found(
                format!("no resource '{uri}': expected seo://clients|campaigns|tasks/<uuid>"),
                None,
            ));
        };
        if !role_grants(caller.role, kind.permission()) {
            return Err(McpError::invalid_request(
                format!(
                    "forbidden: this needs the '{}' permission",
                    kind.permission().as_str()
                ),
                None,
            ));
        }
        let value = records::read(&self.service, kind, id)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound(_)
                | ServiceError::Db(seo_persistence::DbError::NotFound(_)) => {
                    McpError::resource_not_found(format!("no resource '{uri}'"), None)
                }
                other => {
                    tracing::error!(error = %other, "resources/read failed");
                    McpError::internal_error("the record could not be read", None)
                }
            })?;
        let text = serde_json::to_string_pretty(&value)
            .map_err(|_| McpError::internal_error("the record could not be encoded", None))?;
        let contents = ResourceContents::TextResourceContents {
            uri,
            mime_type: Some("application/json".into()),
            text,
            meta: None,
        };
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}

/// A status name of the campaign list filter.
pub(crate) fn campaign_status(s: &str) -> Option<CampaignStatus> {
    serde_json::from_value(json!(s)).ok()
}

/// A status name of the task list filter.
pub(crate) fn task_status(s: &str) -> Option<TaskStatus> {
    serde_json::from_value(json!(s)).ok()
}

/// A page request from tool arguments.
pub(crate) fn page_request(args: &Map<String, Value>) -> Result<PageRequest, CallToolResult> {
    let num = |k: &str| args.get(k).and_then(Value::as_i64);
    PageRequest::new(num("page"), num("size"))
        .map_err(|e| service_error(&ServiceError::Validation(e)))
}
