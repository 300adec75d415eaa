//! API documentation: `/api/openapi.json`, Swagger UI at `/api/docs` and ReDoc at
//! `/api/redoc`. Every asset is compiled into the binary (Swagger UI from the vendored
//! crate, ReDoc's standalone bundle from its npm package), so both render offline.

use std::sync::{Arc, OnceLock};

use actix_web::http::Method;
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use seo_auth::Access;

use super::Table;
use crate::ApiError;
use crate::openapi::{Doc, document};

/// What the documentation pages may load: only this server.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
script-src 'self'; worker-src 'self' blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc.standalone.js");

static OPENAPI_JSON: OnceLock<String> = OnceLock::new();

fn openapi_json() -> &'static str {
    OPENAPI_JSON.get_or_init(|| {
        let doc = document(&super::route_table());
        let mut v = serde_json::to_value(&doc).unwrap_or_default();
        crate::openapi::split_nullable_formats(&mut v);
        crate::openapi::constrain_campaign_lists(&mut v);
        crate::openapi::constrain_fields(&mut v);
        crate::openapi::constrain_campaign_config(&mut v);
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
    })
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi_json())
}

fn swagger_config() -> Arc<utoipa_swagger_ui::Config<'static>> {
    static CONFIG: OnceLock<Arc<utoipa_swagger_ui::Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Arc::new(utoipa_swagger_ui::Config::from("/api/openapi.json")))
        .clone()
}

fn swagger_file(path: &str) -> Result<HttpResponse, ApiError> {
    let file = utoipa_swagger_ui::serve(path, swagger_config())
        .map_err(|e| ApiError::internal(format!("swagger ui: {e}")))?
        .ok_or_else(|| ApiError::not_found(&format!("documentation asset {path}")))?;
    let mut res = HttpResponse::Ok();
    res.insert_header((CONTENT_TYPE, file.content_type.clone()))
        .insert_header((CONTENT_SECURITY_POLICY, DOCS_CSP));
    if file.gzpipped {
        res.insert_header((CONTENT_ENCODING, "gzip"));
    }
    let bytes = file.bytes.into_owned();
    if path == "index.html" {
        // The page is served at /api/docs (no trailing slash): make asset links absolute.
        let html = String::from_utf8_lossy(&bytes)
            .replace("href=\"./", "href=\"/api/docs/")
            .replace("src=\"./", "src=\"/api/docs/");
        return Ok(res.body(html));
    }
    Ok(res.body(bytes))
}

async fn swagger_index() -> Result<HttpResponse, ApiError> {
    swagger_file("index.html")
}

async fn swagger_asset(tail: web::Path<String>) -> Result<HttpResponse, ApiError> {
    swagger_file(tail.as_str())
}

async fn redoc() -> HttpResponse {
    let html = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SEO Architects API — ReDoc</title>
</head>
<body>
  <redoc spec-url="/api/openapi.json"></redoc>
  <script src="/api/redoc/redoc.standalone.js"></script>
</body>
</html>"#;
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CONTENT_SECURITY_POLICY, DOCS_CSP))
        .body(html)
}

async fn redoc_js() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/javascript; charset=utf-8"))
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(REDOC_JS)
}

/// Registers the documentation routes (public).
pub fn routes(t: &mut Table<'_>) {
    t.add(Method::GET, "/api/openapi.json", Access::Public, openapi)
        .doc(Doc::new("This OpenAPI 3.1 document"))
        .add(Method::GET, "/api/docs", Access::Public, swagger_index)
        .doc(Doc::new("Swagger UI (HTML)"))
        .add(
            Method::GET,
            "/api/docs/{tail:.*}",
            Access::Public,
            swagger_asset,
        )
        .doc(Doc::new("Swagger UI assets"))
        .add(Method::GET, "/api/redoc", Access::Public, redoc)
        .doc(Doc::new("ReDoc (HTML)"))
        .add(
            Method::GET,
            "/api/redoc/redoc.standalone.js",
            Access::Public,
            redoc_js,
        )
        .doc(Doc::new("ReDoc script"));
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// The rules added after generation are found by schema and field name: a renamed
    /// struct or field would drop its rule silently, so every one is looked for here.
    #[test]
    fn every_added_field_rule_lands_in_the_served_document() {
        let doc: Value = serde_json::from_str(super::openapi_json()).unwrap();
        let prop = |schema: &str, field: &str| {
            doc.pointer(&format!("/components/schemas/{schema}/properties/{field}"))
                .unwrap_or_else(|| panic!("{schema}.{field} is not in the document"))
                .clone()
        };
        for (schema, field) in [
            ("UserInput", "email"),
            ("UserUpdate", "email"),
            ("ClientInput", "contact_email"),
            ("ClientPatch", "contact_email"),
            ("ClientInput", "country"),
            ("ClientPatch", "country"),
            ("ClientInput", "company_name"),
            ("ClientPatch", "company_name"),
            ("CampaignInput", "name"),
            ("CampaignPatch", "name"),
            ("CampaignInput", "domain"),
            ("CampaignPatch", "domain"),
            ("ClientInput", "contact_phone"),
            ("ClientPatch", "contact_phone"),
            ("ClientInput", "industry"),
            ("ClientPatch", "industry"),
            ("ClientInput", "contact_person"),
            ("ClientPatch", "contact_person"),
            ("UserInput", "full_name"),
            ("UserUpdate", "full_name"),
            ("ClientInput", "website"),
            ("ClientPatch", "website"),
        ] {
            assert!(
                prop(schema, field)["pattern"].is_string(),
                "{schema}.{field}"
            );
        }
        assert_eq!(prop("UserUpdate", "password")["minLength"], 8);
        assert!(prop("UserInput", "email")["not"]["pattern"].is_string());
        for schema in ["CampaignInput", "CampaignPatch"] {
            for field in ["keywords", "objectives"] {
                let p = prop(schema, field);
                assert!(
                    p["items"]["pattern"].is_string() && p["maxItems"].is_u64(),
                    "{schema}.{field}"
                );
            }
        }
        // Nullable formats keep their format (a start date is a date or null, never "").
        let start = prop("CampaignInput", "start_date");
        assert_eq!(start["oneOf"][0]["format"], "date", "{start}");
    }
}
