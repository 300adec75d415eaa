//! The OpenAPI 3.1 document, built from the route table, so every served route is
//! documented and no documented route is missing: the table carries each route's summary,
//! body, query parameters and success response; errors follow from its access rule and shape.

use std::collections::BTreeMap;

use actix_web::http::Method;
use seo_auth::Access;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::{IntoParams, ToSchema};

use crate::routes::RouteInfo;

type Schemas = Vec<(String, RefOr<Schema>)>;
/// Registers a schema (and what it references) and returns a reference to it.
pub type SchemaFn = fn(&mut Schemas) -> RefOr<Schema>;

fn schema_of<T: ToSchema>(acc: &mut Schemas) -> RefOr<Schema> {
    T::schemas(acc);
    acc.push((T::name().into_owned(), T::schema()));
    Ref::from_schema_name(T::name()).into()
}

/// Documentation of one route.
#[derive(Clone, Copy)]
pub struct Doc {
    /// One-line summary.
    pub summary: &'static str,
    /// Request body schema.
    pub body: Option<SchemaFn>,
    /// Success status and its body schema (none for 204).
    pub ok: (u16, Option<SchemaFn>),
    /// Query parameters.
    pub query: Option<fn() -> Vec<utoipa::openapi::path::Parameter>>,
    /// A further error this route can answer (e.g. 404 for an unknown id in a query).
    pub also: Option<(u16, &'static str)>,
    /// The body is a file upload (multipart `file`, or the raw file).
    pub upload: bool,
    /// The success is a document download: its media types and their JSON Schema types.
    pub download: Option<&'static [(&'static str, &'static str)]>,
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc")
            .field("summary", &self.summary)
            .field("ok", &self.ok.0)
            .finish()
    }
}

impl Doc {
    /// A route answering 200 with no documented body yet.
    pub const fn new(summary: &'static str) -> Self {
        Self {
            summary,
            body: None,
            ok: (200, None),
            query: None,
            also: None,
            upload: false,
            download: None,
        }
    }

    /// The success is a downloaded document: `text/html`, `application/pdf`, `text/csv` or
    /// `application/json`.
    pub fn download(mut self) -> Self {
        self.download = Some(&[
            ("text/html", "string"),
            ("application/pdf", "string"),
            ("text/csv", "string"),
            ("application/json", "object"),
        ]);
        self
    }

    /// The success is a downloaded plain-text file (`text/plain`).
    pub fn text_download(mut self) -> Self {
        self.download = Some(&[("text/plain", "string")]);
        self
    }

    /// The body is a file: `multipart/form-data` with a `file` part (and text parts for
    /// options), or the file itself as the body.
    pub fn upload(mut self) -> Self {
        self.upload = true;
        self
    }

    /// Documents a further error status.
    pub fn also(mut self, status: u16, text: &'static str) -> Self {
        self.also = Some((status, text));
        self
    }

    /// The JSON request body.
    pub fn body<T: ToSchema>(mut self) -> Self {
        self.body = Some(schema_of::<T>);
        self
    }

    /// The success status and its JSON body.
    pub fn ok<T: ToSchema>(mut self, status: u16) -> Self {
        self.ok = (status, Some(schema_of::<T>));
        self
    }

    /// A success without a body (204).
    pub fn no_content(mut self) -> Self {
        self.ok = (204, None);
        self
    }

    /// Query parameters.
    pub fn query<Q: IntoParams>(mut self) -> Self {
        self.query = Some(|| Q::into_params(|| Some(ParameterIn::Query)));
        self
    }
}

/// The error body every failure has.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// snake_case code, e.g. `not_found`, `validation_error`, `rate_limited`.
    code: String,
    /// Human explanation.
    message: String,
    /// For `validation_error`: `{"fields": [{field, code, message}]}`.
    #[schema(value_type = Option<Object>)]
    details: Option<Value>,
    /// The request id (also in the `X-Request-Id` header).
    request_id: String,
}

fn tag(path: &str) -> &'static str {
    match path {
        p if p.starts_with("/auth") => "auth",
        p if p.starts_with("/api/users") => "users",
        p if p.starts_with("/api/clients") => "clients",
        p if p.starts_with("/api/campaigns") => "campaigns",
        p if p.starts_with("/api/tasks") => "tasks",
        p if p.starts_with("/api/agents") => "agents",
        p if p.starts_with("/api/analytics") => "analytics",
        p if p.starts_with("/api/metrics") || p == "/metrics" => "metrics",
        p if p.starts_with("/api/docs")
            || p.starts_with("/api/redoc")
            || p.starts_with("/api/openapi") =>
        {
            "docs"
        }
        _ => "service",
    }
}

fn http_method(m: &Method) -> Option<HttpMethod> {
    Some(match *m {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => return None,
    })
}

fn json_response(description: &str, schema: Option<RefOr<Schema>>) -> utoipa::openapi::Response {
    let mut r = ResponseBuilder::new().description(description);
    if let Some(s) = schema {
        r = r.content(
            "application/json",
            ContentBuilder::new().schema(Some(s)).build(),
        );
    }
    r.build()
}

/// Builds the document for `routes`.
pub fn document(routes: &[RouteInfo]) -> OpenApi {
    let mut schemas: Schemas = Vec::new();
    let error = schema_of::<ErrorBody>(&mut schemas);
    let mut items: BTreeMap<String, Vec<(HttpMethod, utoipa::openapi::path::Operation)>> =
        BTreeMap::new();
    for r in routes {
        let (Some(method), Some(doc)) = (http_method(&r.method), r.doc) else {
            continue;
        };
        let mut op = OperationBuilder::new()
            .summary(Some(doc.summary))
            .tag(tag(r.path))
            .operation_id(Some(format!(
                "{}_{}",
                r.method.as_str().to_lowercase(),
                r.path
                    .trim_matches('/')
                    .replace(['/', '-'], "_")
                    .replace(['{', '}'], "")
            )));
        for name in path_params(r.path) {
            let mut schema =
                utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String);
            if name == "id" || name.ends_with("_id") {
                schema = schema.format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid,
                )));
            }
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(schema)),
            );
        }
        if let Some(q) = doc.query {
            for p in q() {
                op = op.parameter(p);
            }
        }
        if let Some(body) = doc.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(body(&mut schemas)))
                            .build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        if doc.upload {
            let multipart = serde_json::json!({
                "type": "object",
                "required": ["file"],
                "additionalProperties": false,
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The export file."},
                    "kind": {"type": "string", "enum": ["search_performance", "backlinks", "traffic"]},
                    "source": {"type": "string", "enum": ["gsc", "yandex_webmaster", "ga4", "ahrefs", "semrush", "majestic", "generic"]},
                    "campaign_id": {"type": "string", "format": "uuid"},
                    "strict": {"type": "string", "enum": ["true", "false"]},
                    "filename": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"}
                }
            });
            let raw = serde_json::json!({"type": "string", "format": "binary"});
            let schema = |v: serde_json::Value| serde_json::from_value::<RefOr<Schema>>(v).ok();
            let mut rb = RequestBodyBuilder::new().required(Some(Required::True));
            rb = rb.content(
                "multipart/form-data",
                ContentBuilder::new().schema(schema(multipart)).build(),
            );
            for ct in [
                "text/csv",
                "text/tab-separated-values",
                "application/octet-stream",
            ] {
                rb = rb.content(
                    ct,
                    ContentBuilder::new().schema(schema(raw.clone())).build(),
                );
            }
            op = op.request_body(Some(rb.build()));
        }
        let (status, ok_schema) = doc.ok;
        if let Some(types) = doc.download {
            let mut r = ResponseBuilder::new().description("the document, as an attachment");
            for &(ct, ty) in types {
                let s =
                    serde_json::from_value::<RefOr<Schema>>(serde_json::json!({"type": ty})).ok();
                r = r.content(ct, ContentBuilder::new().schema(s).build());
            }
            op = op.response(status.to_string(), r.build());
        } else {
            op = op.response(
                status.to_string(),
                json_response("success", ok_schema.map(|f| f(&mut schemas))),
            );
        }
        let mut errors: Vec<(u16, &str)> = Vec::new();
        if doc.upload {
            errors.extend([
                (400, "malformed multipart body"),
                (413, "file larger than IMPORT_MAX_BYTES"),
                (415, "not multipart/form-data, CSV, TSV or a file"),
            ]);
        }
        if doc.body.is_some() {
            errors.extend([
                (400, "malformed JSON"),
                (413, "body too large"),
                (415, "not application/json"),
            ]);
        }
        let params = !path_params(r.path).is_empty();
        if doc.body.is_some() || doc.upload || doc.query.is_some() || params {
            errors.push((422, "invalid field or parameter"));
        }
        if params {
            errors.push((404, "not found"));
        }
        // Writes can meet a state rule (illegal transition, duplicate name, last admin, a
        // running task): 409.
        if r.method != Method::GET && r.path.starts_with("/api/") {
            errors.push((409, "refused by a state rule"));
        }
        if let Some(extra) = doc.also {
            errors.push(extra);
        }
        if matches!(r.path, "/auth/login" | "/auth/refresh") {
            errors.push((401, "invalid credentials or token"));
        }
        if r.path.starts_with("/ws/") {
            errors.push((400, "not a WebSocket upgrade request"));
        }
        match r.access {
            Access::Public | Access::InBand => {}
            Access::Authenticated => errors.push((401, "missing, invalid or revoked token")),
            Access::Requires(_) | Access::Scrape => errors.extend([
                (401, "missing, invalid or revoked token"),
                (403, "the role lacks the permission"),
            ]),
        }
        if !r.path.starts_with("/health") {
            errors.push((429, "rate limited"));
        }
        // A dependency down (database, kv with fail-closed limits), or too many sign-ins.
        if !matches!(r.path, "/" | "/health/live") && tag(r.path) != "docs" {
            errors.push((503, "a dependency is unavailable or the server is busy"));
        }
        for (code, text) in errors {
            op = op.response(code.to_string(), json_response(text, Some(error.clone())));
        }
        let description = match r.access {
            Access::Public => "Public.".to_string(),
            Access::InBand => "Authenticated inside the protocol: `?token=<access token>` or a first message `{\"type\":\"auth\",\"token\":…}` within 5 s.".to_string(),
            Access::Authenticated => "Any signed-in user.".to_string(),
            Access::Requires(p) => format!("Requires the permission `{}`.", p.as_str()),
            Access::Scrape => "Public when METRICS_PUBLIC=true; otherwise the METRICS_SCRAPE_TOKEN bearer or `system:read`.".to_string(),
        };
        op = op.description(Some(description));
        if !matches!(r.access, Access::Public | Access::InBand) {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        items
            .entry(openapi_path(r.path))
            .or_default()
            .push((method, op.build()));
    }
    let mut paths = PathsBuilder::new();
    for (path, ops) in items {
        let mut item = PathItem::default();
        for (m, op) in ops {
            match m {
                HttpMethod::Get => item.get = Some(op),
                HttpMethod::Post => item.post = Some(op),
                HttpMethod::Put => item.put = Some(op),
                HttpMethod::Patch => item.patch = Some(op),
                HttpMethod::Delete => item.delete = Some(op),
                _ => {}
            }
        }
        paths = paths.path(path, item);
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    schemas.dedup_by(|a, b| a.0 == b.0);
    for (name, s) in schemas {
        components = components.schema(name, s);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("SEO Architects API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Clients, campaigns, tasks and users of an SEO agency. Every error is `{\"error\": {code, message, details?, request_id}}`; lists take `page` and `size` and return `{items, total, page, size}`.")),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// The names of a path's parameters (`/api/x/{id}/y/{tail:.*}` → `id`, `tail`).
fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|p| p.split(':').next().unwrap_or(p).to_string())
        .collect()
}

/// actix patterns with a regex tail (`{tail:.*}`) are shown as plain parameters.
fn openapi_path(p: &str) -> String {
    p.replace(":.*}", "}")
}

mod constraints;
pub use constraints::{
    constrain_campaign_config, constrain_campaign_lists, constrain_fields, split_nullable_formats,
};

/// Doc-only shapes of responses whose runtime types are generic or live elsewhere.
pub mod shapes {
    use seo_domain::{Campaign, Client, Lead, Proposal, Role, StageChange, Task, User};
    use serde::Serialize;
    use utoipa::ToSchema;

    macro_rules! page {
        ($name:ident, $item:ty) => {
            /// One page of results.
            #[derive(Debug, Serialize, ToSchema)]
            pub struct $name {
                items: Vec<$item>,
                /// Rows matching the filters.
                total: i64,
                page: u32,
                size: u32,
            }
        };
    }
    page!(ClientPage, Client);
    page!(CampaignPage, Campaign);
    page!(TaskPage, Task);
    page!(UserPage, User);
    page!(LeadPage, Lead);
    page!(ProposalPage, Proposal);
    page!(AuditPage, seo_domain::Audit);

    /// `GET /api/leads/{id}/history`.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct LeadHistory {
        lead_id: uuid::Uuid,
        total: usize,
        /// Oldest first.
        items: Vec<StageChange>,
    }

    /// `POST /auth/login` and `/auth/refresh` answer.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct TokenPair {
        access_token: String,
        refresh_token: String,
        /// Always `bearer`.
        token_type: String,
        /// Access-token lifetime in seconds.
        expires_in: u64,
    }

    /// `GET /auth/me`: the user and the permissions of their role.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Me {
        #[serde(flatten)]
        user: User,
        permissions: Vec<String>,
    }

    /// `GET /auth/verify`.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct TokenCheck {
        valid: bool,
        user_id: uuid::Uuid,
        username: String,
        role: Role,
        is_active: bool,
        expires_at: String,
    }

    /// A status answer (`/health*`, `/auth/logout`, area health checks).
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Status {
        /// e.g. `healthy`, `degraded`, `ready`, `alive`, `logged_out`.
        status: String,
    }
}
