//! The record tools (`list_clients`, `get_client`, …) and the `seo://` resources: the
//! agency's records as an assistant asks about them, read through the service use-cases.

use rmcp::model::{CallToolResult, ContentBlock, Resource};
use seo_auth::Permission;
use seo_domain::{CampaignFilter, ClientFilter, PageRequest, TaskFilter};
use seo_service::{Service, ServiceError, ServiceResult};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::server::{campaign_status, page_request, service_error, task_status};

/// A kind of record served as a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `seo://clients/{id}`.
    Client,
    /// `seo://campaigns/{id}`.
    Campaign,
    /// `seo://tasks/{id}`.
    Task,
}

impl Kind {
    /// Every kind, in listing order.
    pub const ALL: [Kind; 3] = [Kind::Client, Kind::Campaign, Kind::Task];

    /// The URI path segment.
    pub fn path(self) -> &'static str {
        match self {
            Kind::Client => "clients",
            Kind::Campaign => "campaigns",
            Kind::Task => "tasks",
        }
    }

    /// The permission reading it needs (as on the REST API).
    pub fn permission(self) -> Permission {
        match self {
            Kind::Client => Permission::ClientsRead,
            Kind::Campaign => Permission::CampaignsRead,
            Kind::Task => Permission::TasksRead,
        }
    }
}

/// A record tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTool {
    /// `list_clients`.
    ListClients,
    /// `get_client`.
    GetClient,
    /// `list_campaigns`.
    ListCampaigns,
    /// `get_campaign`.
    GetCampaign,
    /// `list_tasks`.
    ListTasks,
    /// `get_task`.
    GetTask,
    /// `list_audits`.
    ListAudits,
    /// `get_audit`.
    GetAudit,
    /// `audit_diff`.
    AuditDiff,
}

fn paging() -> [(&'static str, Value); 2] {
    [
        (
            "page",
            json!({"type": "integer", "minimum": 1, "maximum": 1_000_000, "description": "Page number, from 1."}),
        ),
        (
            "size",
            json!({"type": "integer", "minimum": 1, "maximum": 100, "description": "Items per page (default 20)."}),
        ),
    ]
}

fn object(props: Vec<(&'static str, Value)>, required: &[&str]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    m.insert(
        "properties".into(),
        Value::Object(props.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
    );
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m
}

fn id_schema(what: &str) -> Map<String, Value> {
    object(
        vec![(
            "id",
            json!({"type": "string", "format": "uuid", "description": format!("The {what}'s id.")}),
        )],
        &["id"],
    )
}

impl RecordTool {
    /// Every record tool.
    pub const ALL: [RecordTool; 9] = [
        RecordTool::ListClients,
        RecordTool::GetClient,
        RecordTool::ListCampaigns,
        RecordTool::GetCampaign,
        RecordTool::ListTasks,
        RecordTool::GetTask,
        RecordTool::ListAudits,
        RecordTool::GetAudit,
        RecordTool::AuditDiff,
    ];

    /// The tool name.
    pub fn name(self) -> &'static str {
        match self {
            RecordTool::ListClients => "list_clients",
            RecordTool::GetClient => "get_client",
            RecordTool::ListCampaigns => "list_campaigns",
            RecordTool::GetCampaign => "get_campaign",
            RecordTool::ListTasks => "list_tasks",
            RecordTool::GetTask => "get_task",
            RecordTool::ListAudits => "list_audits",
            RecordTool::GetAudit => "get_audit",
            RecordTool::AuditDiff => "audit_diff",
        }
    }

    /// What it does.
    pub fn description(self) -> &'static str {
        match self {
            RecordTool::ListClients => {
                "List the agency's clients, newest first (filters: q, industry, country)."
            }
            RecordTool::GetClient => "One client by id.",
            RecordTool::ListCampaigns => {
                "List campaigns, newest first (filters: status, client_id, domain)."
            }
            RecordTool::GetCampaign => "One campaign by id.",
            RecordTool::ListTasks => {
                "List tasks, newest first (filters: status, agent_id, campaign_id)."
            }
            RecordTool::GetTask => "One task by id, with its input, status, output or error.",
            RecordTool::ListAudits => {
                "A campaign's stored technical audits, newest first: audit and health scores, grade, band, issue counts."
            }
            RecordTool::GetAudit => {
                "One stored audit with its snapshot: every crawled URL and every failed check with its pages."
            }
            RecordTool::AuditDiff => {
                "What changed from audit `against` to audit `id`: new and fixed issues, pages added and removed, status and score changes."
            }
        }
    }

    /// The permission it needs (as the REST route does).
    pub fn permission(self) -> Permission {
        match self {
            RecordTool::ListClients | RecordTool::GetClient => Permission::ClientsRead,
            RecordTool::ListCampaigns
            | RecordTool::GetCampaign
            | RecordTool::ListAudits
            | RecordTool::GetAudit
            | RecordTool::AuditDiff => Permission::CampaignsRead,
            RecordTool::ListTasks | RecordTool::GetTask => Permission::TasksRead,
        }
    }

    /// Its input schema.
    pub fn schema(self) -> Map<String, Value> {
        let text = |d: &str| json!({"type": "string", "description": d});
        match self {
            RecordTool::ListClients => {
                let mut p = paging().to_vec();
                p.push((
                    "q",
                    text("Substring of the company name, contact, e-mail or website."),
                ));
                p.push(("industry", text("Substring of the industry.")));
                p.push(("country", text("ISO country code.")));
                object(p, &[])
            }
            RecordTool::ListCampaigns => {
                let mut p = paging().to_vec();
                p.push((
                    "status",
                    json!({"type": "string", "enum": ["draft", "active", "paused", "completed", "cancelled"]}),
                ));
                p.push(("client_id", json!({"type": "string", "format": "uuid"})));
                p.push(("domain", text("Exact host name.")));
                object(p, &[])
            }
            RecordTool::ListTasks => {
                let mut p = paging().to_vec();
                p.push((
                    "status",
                    json!({"type": "string", "enum": ["pending", "running", "completed", "failed", "timed_out", "cancelled"]}),
                ));
                p.push(("agent_id", text("Agent id.")));
                p.push(("campaign_id", json!({"type": "string", "format": "uuid"})));
                object(p, &[])
            }
            RecordTool::ListAudits => {
                let mut p = paging().to_vec();
                p.push((
                    "campaign_id",
                    json!({"type": "string", "format": "uuid", "description": "The campaign."}),
                ));
                object(p, &["campaign_id"])
            }
            RecordTool::GetAudit => id_schema("audit"),
            RecordTool::AuditDiff => object(
                vec![
                    (
                        "id",
                        json!({"type": "string", "format": "uuid", "description": "The (later) audit."}),
                    ),
                    (
                        "against",
                        json!({"type": "string", "format": "uuid", "description": "The audit to compare with."}),
                    ),
                ],
                &["id", "against"],
            ),
            RecordTool::GetClient => id_schema("client"),
            RecordTool::GetCampaign => id_schema("campaign"),
            RecordTool::GetTask => id_schema("task"),
        }
    }
}

fn bad(field: &str, message: &str) -> CallToolResult {
    let mut e = seo_domain::ValidationErrors::default();
    e.add(field, "invalid_value", message.to_string());
    service_error(&ServiceError::Validation(e))
}

fn text_arg(args: &Map<String, Value>, key: &str) -> Option<String> {
    args.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn uuid_arg(args: &Map<String, Value>, key: &str) -> Result<Option<Uuid>, CallToolResult> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .map(Some)
            .ok_or_else(|| bad(key, "must be a UUID")),
    }
}

fn listing<T: serde::Serialize>(kind: &str, page: seo_domain::Page<T>) -> CallToolResult {
    let text = format!(
        "{} {kind} of {} (page {}, {} per page)",
        page.items.len(),
        page.total,
        page.page,
        page.size
    );
    let mut r = CallToolResult::structured(json!({
        "items": page.items,
        "total": page.total,
        "page": page.page,
        "size": page.size,
    }));
    r.content.insert(0, ContentBlock::text(text));
    r
}

fn one<T: serde::Serialize>(kind: &str, id: Uuid, v: &T) -> CallToolResult {
    let mut r = CallToolResult::structured(json!(v));
    r.content.insert(
        0,
        ContentBlock::text(format!("{kind} {id} (seo://{kind}s/{id})")),
    );
    r
}

/// Runs a record tool (the permission is already checked).
pub async fn call(
    service: &Service,
    tool: RecordTool,
    args: &Map<String, Value>,
) -> CallToolResult {
    match run(service, tool, args).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run(
    service: &Service,
    tool: RecordTool,
    args: &Map<String, Value>,
) -> Result<CallToolResult, CallToolResult> {
    let fail = |e: ServiceError| service_error(&e);
    let id = || -> Result<Uuid, CallToolResult> {
        uuid_arg(args, "id")?.ok_or_else(|| bad("id", "is required"))
    };
    Ok(match tool {
        RecordTool::ListClients => {
            let filter = ClientFilter {
                q: text_arg(args, "q"),
                industry: text_arg(args, "industry"),
                country: text_arg(args, "country").map(|c| c.to_uppercase()),
                ..ClientFilter::default()
            };
            listing(
                "clients",
                service
                    .list_clients(filter, page_request(args)?)
                    .await
                    .map_err(fail)?,
            )
        }
        RecordTool::ListCampaigns => {
            let status = match text_arg(args, "status") {
                None => None,
                Some(s) => Some(campaign_status(&s).ok_or_else(|| {
                    bad(
                        "status",
                        "must be one of draft, active, paused, completed, cancelled",
                    )
                })?),
            };
            let filter = CampaignFilter {
                status,
                client_id: uuid_arg(args, "client_id")?,
                domain: text_arg(args, "domain").map(|d| d.to_lowercase()),
            };
            listing(
                "campaigns",
                service
                    .list_campaigns(filter, page_request(args)?)
                    .await
                    .map_err(fail)?,
            )
        }
        RecordTool::ListTasks => {
            let status = match text_arg(args, "status") {
                None => None,
                Some(s) => Some(task_status(&s).ok_or_else(|| {
                    bad(
                        "status",
                        "must be one of pending, running, completed, failed, timed_out, cancelled",
                    )
                })?),
            };
            let filter = TaskFilter {
                status,
                agent_id: text_arg(args, "agent_id"),
                campaign_id: uuid_arg(args, "campaign_id")?,
                priority: None,
            };
            listing(
                "tasks",
                service
                    .list_tasks(filter, page_request(args)?)
                    .await
                    .map_err(fail)?,
            )
        }
        RecordTool::GetClient => {
            let id = id()?;
            one("client", id, &service.client(id).await.map_err(fail)?)
        }
        RecordTool::GetCampaign => {
            let id = id()?;
            one("campaign", id, &service.campaign(id).await.map_err(fail)?)
        }
        RecordTool::GetTask => {
            let id = id()?;
            one("task", id, &service.task(id).await.map_err(fail)?)
        }
        RecordTool::ListAudits => {
            let campaign =
                uuid_arg(args, "campaign_id")?.ok_or_else(|| bad("campaign_id", "is required"))?;
            listing(
                "audits",
                service
                    .campaign_audits(campaign, page_request(args)?)
                    .await
                    .map_err(fail)?,
            )
        }
        RecordTool::GetAudit => {
            let id = id()?;
            let a = service.audit(id).await.map_err(fail)?;
            let mut r = CallToolResult::structured(json!(a));
            r.content.insert(
                0,
                ContentBlock::text(format!(
                    "audit {id} of {}: score {}, health {} ({}), {} URL(s), {} failed check(s)",
                    a.audit.summary.url,
                    a.audit.summary.audit_score,
                    a.audit.summary.health_score,
                    a.audit.summary.health_band,
                    a.snapshot.pages.len(),
                    a.snapshot.issues.len()
                )),
            );
            r
        }
        RecordTool::AuditDiff => {
            let id = id()?;
            let against =
                uuid_arg(args, "against")?.ok_or_else(|| bad("against", "is required"))?;
            let d = service.audit_diff(id, against).await.map_err(fail)?;
            let mut r = CallToolResult::structured(json!(d));
            r.content.insert(
                0,
                ContentBlock::text(format!(
                    "audit {id} against {against}: {} new issue(s), {} fixed, {} page(s) added, {} removed, {} status change(s); health {:+}",
                    d.new_issues.len(),
                    d.fixed_issues.len(),
                    d.pages_added.len(),
                    d.pages_removed.len(),
                    d.status_changes.len(),
                    d.health_score.change
                )),
            );
            r
        }
    })
}

/// One record as JSON.
pub async fn read(service: &Service, kind: Kind, id: Uuid) -> ServiceResult<Value> {
    Ok(match kind {
        Kind::Client => json!(service.client(id).await?),
        Kind::Campaign => json!(service.campaign(id).await?),
        Kind::Task => json!(service.task(id).await?),
    })
}

/// Up to `want` resources of `kind`, skipping the first `skip`; with the kind's total.
pub async fn list_resources(
    service: &Service,
    kind: Kind,
    skip: u32,
    want: u32,
) -> ServiceResult<(Vec<Resource>, i64)> {
    if want == 0 {
        // Only the total matters (to move the cursor past this kind).
        let page = PageRequest { page: 1, size: 1 };
        let total = match kind {
            Kind::Client => {
                service
                    .list_clients(ClientFilter::default(), page)
                    .await?
                    .total
            }
            Kind::Campaign => {
                service
                    .list_campaigns(CampaignFilter::default(), page)
                    .await?
                    .total
            }
            Kind::Task => service.list_tasks(TaskFilter::default(), page).await?.total,
        };
        return Ok((Vec::new(), total));
    }
    // Pages of `want` rows aligned on `skip` are not expressible with page/size when `skip`
    // is not a multiple of `want`; read the two pages that cover the window instead.
    let size = want.clamp(1, 100);
    let first = skip / size + 1;
    let offset = usize::try_from(skip % size).unwrap_or(0);
    let mut out = Vec::new();
    let mut total = 0;
    for page in [first, first + 1] {
        let req = PageRequest { page, size };
        let (mut items, t): (Vec<Resource>, i64) = match kind {
            Kind::Client => {
                let p = service.list_clients(ClientFilter::default(), req).await?;
                (
                    p.items
                        .iter()
                        .map(|c| {
                            Resource::new(format!("seo://clients/{}", c.id), c.company_name.clone())
                                .with_description(format!("client {}", c.company_name))
                                .with_mime_type("application/json")
                        })
                        .collect(),
                    p.total,
                )
            }
            Kind::Campaign => {
                let p = service
                    .list_campaigns(CampaignFilter::default(), req)
                    .await?;
                (
                    p.items
                        .iter()
                        .map(|c| {
                            Resource::new(format!("seo://campaigns/{}", c.id), c.name.clone())
                                .with_description(format!(
                                    "campaign {} ({})",
                                    c.name,
                                    c.domain.as_deref().unwrap_or("no domain")
                                ))
                                .with_mime_type("application/json")
                        })
                        .collect(),
                    p.total,
                )
            }
            Kind::Task => {
                let p = service.list_tasks(TaskFilter::default(), req).await?;
                (
                    p.items
                        .iter()
                        .map(|t| {
                            Resource::new(
                                format!("seo://tasks/{}", t.id),
                                format!("{}/{} {}", t.agent_id, t.task_type, t.id),
                            )
                            .with_description(format!("task {:?}", t.status).to_lowercase())
                            .with_mime_type("application/json")
                        })
                        .collect(),
                    p.total,
                )
            }
        };
        total = t;
        if page == first {
            items = items.into_iter().skip(offset).collect();
        }
        out.extend(items);
        if offset == 0 || out.len() >= usize::try_from(size).unwrap_or(0) {
            break;
        }
    }
    out.truncate(usize::try_from(size).unwrap_or(0));
    Ok((out, total))
}
