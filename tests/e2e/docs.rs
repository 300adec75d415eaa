//! The OpenAPI document and the two documentation pages, served offline.

use seo_e2e::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_exactly_the_served_routes() {
    let app = spawn_app().await;
    let (s, h, doc) = app.get("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = 0;
    for r in seo_transport::route_table() {
        assert!(
            r.doc.is_some(),
            "{} {} has no documentation",
            r.method,
            r.path
        );
        let p = r.path.replace(":.*}", "}");
        let op = &paths[&p][r.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            p
        );
        assert!(op["summary"].is_string());
        assert!(op["responses"].is_object());
        if !matches!(
            r.access,
            seo_auth::Access::Public | seo_auth::Access::InBand
        ) {
            assert!(op["responses"]["401"].is_object(), "{p}: 401 documented");
            assert!(op["security"].is_array(), "{p}: bearer security");
        }
        documented += 1;
    }
    let ops: usize = paths.values().map(|v| v.as_object().unwrap().len()).sum();
    assert_eq!(
        ops, documented,
        "the document has no operation the app does not serve"
    );
    // Schemas are resolvable.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Client",
        "ClientInput",
        "Campaign",
        "Task",
        "TaskInput",
        "User",
        "ErrorBody",
        "TokenPair",
        "ClientPage",
    ] {
        assert!(schemas.contains_key(name), "schema {name}");
    }
    assert!(doc.to_string().matches("#/components/schemas/").count() > 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_and_redoc_are_served_from_the_binary() {
    let app = spawn_app().await;
    for page in ["/api/docs", "/api/docs/", "/api/redoc"] {
        let r = app.http.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("default-src 'self'"),
            "{page}: only this server may be loaded: {csp}"
        );
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("https://"),
            "{page} must not load anything from the internet"
        );
        // Every script and stylesheet the page names is served here.
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                let url = part.split('"').next().unwrap();
                if url.starts_with('/') {
                    let a = app.http.get(app.url(url)).send().await.unwrap();
                    assert_eq!(a.status(), 200, "{page} asset {url}");
                }
            }
        }
    }
    let init = app
        .http
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        init.contains("/api/openapi.json"),
        "Swagger UI reads our document"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_page_is_served_whole_and_locked_to_this_server() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), 200, "public, no token");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"));
    assert!(!csp.contains("unsafe"), "no inline code allowed: {csp}");
    let html = r.text().await.unwrap();
    assert!(!html.contains("https://") && !html.contains("http://"));
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "nothing inline, or the CSP would block it"
    );
    for (url, ctype) in [
        (
            "/dashboard/dashboard.js",
            "application/javascript; charset=utf-8",
        ),
        ("/dashboard/dashboard.css", "text/css; charset=utf-8"),
    ] {
        assert!(html.contains(url), "the page loads {url}");
        let a = app.http.get(app.url(url)).send().await.unwrap();
        assert_eq!(a.status(), 200, "{url}");
        assert_eq!(a.headers()["content-type"], ctype);
        let body = a.text().await.unwrap();
        assert!(!body.contains("https://"), "{url} loads nothing external");
        if url.ends_with(".js") {
            for used in [
                "/auth/login",
                "/auth/refresh",
                "/ws/dashboard",
                "/api/analytics/dashboard",
                "/api/metrics/detailed",
            ] {
                assert!(body.contains(used), "the script uses {used}");
            }
            assert!(
                !body.contains("innerHTML"),
                "server data is never parsed as HTML"
            );
        }
    }
    let (_, _, root) = app.get("/").await;
    assert_eq!(root["links"]["dashboard"], "/dashboard");
}
