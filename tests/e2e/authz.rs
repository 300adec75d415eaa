//! The authorization matrix: every served route × anonymous, operator, manager, admin.
//!
//! The expected access of every route is written out here, from SPEC §4. The test fails
//! when the app serves a route this table does not list (so a new route must decide who
//! may call it) or lists a route the app does not serve.

use std::collections::BTreeMap;

use reqwest::Method;
use seo_e2e::spawn_app;
use serde_json::json;

/// (method, path) → "public" | "authenticated" | a permission.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/", "public"),
    ("GET", "/health", "public"),
    ("GET", "/health/live", "public"),
    ("GET", "/health/ready", "public"),
    ("GET", "/ws/dashboard", "in-band"),
    ("POST", "/auth/login", "public"),
    ("POST", "/auth/refresh", "public"),
    ("POST", "/auth/logout", "authenticated"),
    ("GET", "/auth/me", "authenticated"),
    ("GET", "/auth/verify", "authenticated"),
    ("GET", "/auth/health", "system:read"),
    ("GET", "/api/users", "users:admin"),
    ("POST", "/api/users", "users:admin"),
    ("POST", "/api/users/me/password", "authenticated"),
    ("GET", "/api/users/{id}", "users:admin"),
    ("PATCH", "/api/users/{id}", "users:admin"),
    ("DELETE", "/api/users/{id}", "users:admin"),
    ("GET", "/api/clients", "clients:read"),
    ("POST", "/api/clients", "clients:write"),
    ("GET", "/api/clients/stats/overview", "clients:read"),
    ("GET", "/api/clients/health/clients", "clients:read"),
    ("GET", "/api/clients/{id}", "clients:read"),
    ("PUT", "/api/clients/{id}", "clients:write"),
    ("PATCH", "/api/clients/{id}", "clients:write"),
    ("DELETE", "/api/clients/{id}", "clients:delete"),
    ("GET", "/api/clients/{id}/campaigns", "clients:read"),
    ("GET", "/api/clients/{id}/disavow.txt", "clients:read"),
    (
        "GET",
        "/api/clients/{id}/disavow/exclusions",
        "clients:read",
    ),
    (
        "POST",
        "/api/clients/{id}/disavow/exclusions",
        "clients:write",
    ),
    ("GET", "/api/audit/checks", "campaigns:read"),
    ("GET", "/api/campaigns/{id}/audits", "campaigns:read"),
    ("GET", "/api/audits/{id}", "campaigns:read"),
    ("GET", "/api/audits/{id}/diff", "campaigns:read"),
    ("GET", "/api/leads", "leads:read"),
    ("POST", "/api/leads", "leads:write"),
    ("GET", "/api/leads/{id}", "leads:read"),
    ("PATCH", "/api/leads/{id}", "leads:write"),
    ("DELETE", "/api/leads/{id}", "leads:write"),
    ("POST", "/api/leads/{id}/stage", "leads:write"),
    ("GET", "/api/leads/{id}/history", "leads:read"),
    ("GET", "/api/proposals", "proposals:read"),
    ("GET", "/api/proposals/{id}", "proposals:read"),
    ("POST", "/api/proposals/{id}/approve", "proposals:approve"),
    ("POST", "/api/proposals/{id}/reject", "proposals:approve"),
    ("POST", "/api/proposals/{id}/send", "proposals:write"),
    ("POST", "/api/proposals/{id}/accept", "proposals:write"),
    ("POST", "/api/proposals/{id}/decline", "proposals:write"),
    ("GET", "/api/campaigns", "campaigns:read"),
    ("POST", "/api/campaigns", "campaigns:write"),
    ("GET", "/api/campaigns/stats/summary", "campaigns:read"),
    ("GET", "/api/campaigns/health/campaigns", "campaigns:read"),
    ("GET", "/api/campaigns/{id}", "campaigns:read"),
    ("PUT", "/api/campaigns/{id}", "campaigns:write"),
    ("PATCH", "/api/campaigns/{id}", "campaigns:write"),
    ("DELETE", "/api/campaigns/{id}", "campaigns:delete"),
    ("GET", "/api/campaigns/{id}/metrics", "campaigns:read"),
    ("POST", "/api/campaigns/{id}/start", "campaigns:write"),
    ("POST", "/api/campaigns/{id}/pause", "campaigns:write"),
    ("POST", "/api/campaigns/{id}/resume", "campaigns:write"),
    ("POST", "/api/campaigns/{id}/complete", "campaigns:write"),
    ("POST", "/api/campaigns/{id}/cancel", "campaigns:write"),
    ("GET", "/api/tasks", "tasks:read"),
    ("POST", "/api/tasks", "tasks:write"),
    ("GET", "/api/tasks/stats/summary", "tasks:read"),
    ("GET", "/api/tasks/health/tasks", "tasks:read"),
    ("GET", "/api/tasks/{id}", "tasks:read"),
    ("PUT", "/api/tasks/{id}", "tasks:write"),
    ("DELETE", "/api/tasks/{id}", "tasks:write"),
    ("POST", "/api/tasks/{id}/cancel", "tasks:write"),
    ("GET", "/api/agents", "agents:read"),
    ("POST", "/api/agents/create-all", "agents:admin"),
    ("GET", "/api/agents/health/all", "agents:read"),
    ("POST", "/api/agents/test/comprehensive", "agents:write"),
    ("GET", "/api/agents/{id}", "agents:read"),
    ("POST", "/api/agents/{id}/tasks", "agents:write"),
    ("POST", "/api/agents/{id}/enable-mcp", "agents:write"),
    ("POST", "/api/agents/{id}/disable-mcp", "agents:write"),
    ("POST", "/mcp", "agents:read"),
    ("GET", "/api/tasks/{id}/report", "tasks:read"),
    ("POST", "/api/clients/{id}/datasets", "clients:write"),
    ("GET", "/api/clients/{id}/datasets", "clients:read"),
    ("GET", "/api/datasets/{id}", "clients:read"),
    ("GET", "/api/datasets/{id}/rows", "clients:read"),
    ("DELETE", "/api/datasets/{id}", "clients:write"),
    ("GET", "/api/mcp/providers", "agents:read"),
    ("GET", "/api/agents/{id}/health", "agents:read"),
    ("GET", "/api/agents/{id}/stats", "agents:read"),
    ("GET", "/api/workflows", "agents:read"),
    ("GET", "/api/workflows/runs", "agents:read"),
    ("GET", "/api/workflows/runs/{run_id}", "agents:read"),
    ("POST", "/api/workflows/{id}/runs", "agents:write"),
    ("GET", "/metrics", "scrape"),
    ("GET", "/api/analytics/system", "analytics:read"),
    ("GET", "/api/analytics/agents", "analytics:read"),
    ("GET", "/api/analytics/business", "analytics:read"),
    ("GET", "/api/analytics/dashboard", "analytics:read"),
    ("GET", "/api/analytics/export", "analytics:read"),
    ("GET", "/api/analytics/health", "analytics:read"),
    ("GET", "/api/metrics/system", "system:read"),
    ("GET", "/api/metrics/agents", "system:read"),
    ("GET", "/api/metrics/detailed", "system:read"),
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/api/docs", "public"),
    ("GET", "/api/docs/{tail:.*}", "public"),
    ("GET", "/api/redoc", "public"),
    ("GET", "/api/redoc/redoc.standalone.js", "public"),
    ("GET", "/dashboard", "public"),
    ("GET", "/dashboard/dashboard.js", "public"),
    ("GET", "/dashboard/dashboard.css", "public"),
];

/// SPEC §4: operator = every `:read` + `tasks:write`; manager = all but `clients:delete`,
/// `agents:admin`, `users:admin`; admin = all.
fn grants(role: &str, permission: &str) -> bool {
    // The scrape route without METRICS_PUBLIC or a scrape token is a `system:read` route.
    let permission = if permission == "scrape" {
        "system:read"
    } else {
        permission
    };
    match role {
        "admin" => true,
        "manager" => !matches!(
            permission,
            "clients:delete" | "agents:admin" | "users:admin"
        ),
        "operator" => permission.ends_with(":read") || permission == "tasks:write",
        _ => false,
    }
}

/// Paths anyone may call without a token (SPEC §4).
fn may_be_public(path: &str) -> bool {
    path == "/"
        || path.starts_with("/health")
        || path == "/auth/login"
        || path == "/auth/refresh"
        || path.starts_with("/api/docs")
        || path.starts_with("/api/redoc")
        || path == "/api/openapi.json"
        || path == "/dashboard"
        || path.starts_with("/dashboard/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let served: BTreeMap<(String, String), String> = seo_transport::route_table()
        .into_iter()
        .map(|r| {
            let access = match r.access {
                seo_auth::Access::Public => "public".to_string(),
                seo_auth::Access::Authenticated => "authenticated".to_string(),
                seo_auth::Access::Requires(p) => p.as_str().to_string(),
                seo_auth::Access::Scrape => "scrape".to_string(),
                seo_auth::Access::InBand => "in-band".to_string(),
            };
            ((r.method.as_str().to_string(), r.path.to_string()), access)
        })
        .collect();
    let expected: BTreeMap<(String, String), String> = EXPECTED
        .iter()
        .map(|(m, p, a)| ((m.to_string(), p.to_string()), a.to_string()))
        .collect();
    for (k, v) in &served {
        assert_eq!(
            expected.get(k),
            Some(v),
            "route {k:?} is served with access {v} but the matrix says {:?}",
            expected.get(k)
        );
    }
    for k in expected.keys() {
        assert!(
            served.contains_key(k),
            "the matrix lists {k:?} but the app does not serve it"
        );
    }
    for ((_, path), access) in &served {
        if access == "public" {
            assert!(may_be_public(path), "{path} must not be public");
        }
        if access == "in-band" {
            assert_eq!(
                path, "/ws/dashboard",
                "only the WebSocket authenticates in-band"
            );
        }
    }

    let app = spawn_app().await;
    let tokens = [
        ("operator", app.token_for("operator").await),
        ("manager", app.token_for("manager").await),
        ("admin", app.admin_token().await),
    ];
    let id = uuid::Uuid::new_v4().to_string();
    // Logout revokes the caller's token: check it last, with throwaway tokens.
    let mut rows: Vec<_> = EXPECTED.iter().collect();
    rows.sort_by_key(|(_, p, _)| *p == "/auth/logout");
    for (method, path, access) in rows {
        let url_path = path.replace("{id}", &id).replace("{tail:.*}", "index.css");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
        let (anon, _) = app.send(method.clone(), &url_path, "", body.clone()).await;
        if *access == "public" || *access == "in-band" {
            assert!(
                anon != 401 && anon != 403 && anon < 500,
                "{method} {path} anonymous: {anon}"
            );
            continue;
        }
        assert_eq!(anon, 401, "{method} {path} anonymous");
        for (role, token) in &tokens {
            let token = if *path == "/auth/logout" {
                app.token_for(role).await
            } else {
                token.clone()
            };
            let (status, resp) = app
                .send(method.clone(), &url_path, &token, body.clone())
                .await;
            let allowed = *access == "authenticated" || grants(role, access);
            if allowed {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{method} {path} as {role}: {status} {resp}"
                );
            } else {
                assert_eq!(status, 403, "{method} {path} as {role}: {resp}");
                assert_eq!(resp["error"]["code"], "forbidden");
            }
        }
    }
}

/// The access guard keeps a user's record per instance, and a change through the API is
/// seen by the very next request: here, on the instance that made it, and (with Redis) on
/// another instance as soon as the announcement arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = seo_e2e::spawn_app().await;
    let admin = app.admin_token().await;
    let t = app.token_for("operator").await;
    let (_, me) = app.send(reqwest::Method::GET, "/auth/me", &t, None).await;
    let id = me["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/users", &t, None)
            .await
            .0,
        403
    );
    let (s, _) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            Some(serde_json::json!({"role": "admin"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/users", &t, None)
            .await
            .0,
        200,
        "the promotion is seen at once"
    );
    let (s, _) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            Some(serde_json::json!({"role": "operator"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/users", &t, None)
            .await
            .0,
        403,
        "the demotion too"
    );

    let Some((db, redis)) = seo_e2e::external_services().await else {
        return;
    };
    let a = seo_e2e::spawn_with(|c| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
    })
    .await;
    let b = seo_e2e::spawn_with(|c| {
        c.database_url = db;
        c.redis_url = Some(redis);
    })
    .await;
    let root = a.admin_token().await;
    let t = a.token_for("operator").await;
    let (_, me) = a.send(reqwest::Method::GET, "/auth/me", &t, None).await;
    let id = me["id"].as_str().unwrap().to_string();
    assert_eq!(
        b.send(reqwest::Method::GET, "/api/users", &t, None).await.0,
        403,
        "cached on b"
    );
    let (s, _) = a
        .send(
            reqwest::Method::PATCH,
            &format!("/api/users/{id}"),
            &root,
            Some(serde_json::json!({"role": "admin"})),
        )
        .await;
    assert_eq!(s, 200);
    let start = std::time::Instant::now();
    while b.send(reqwest::Method::GET, "/api/users", &t, None).await.0 != 200 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "instance b never saw the promotion"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
