//! Users, clients, campaigns and tasks over HTTP: success paths and each documented error.

use reqwest::Method;
use seo_e2e::{TestApp, spawn_app, spawn_with};
use serde_json::{Value, json};

async fn create_client(app: &TestApp, t: &str, name: &str) -> Value {
    let (s, c) = app
        .send(Method::POST, "/api/clients", t, Some(json!({"company_name": name, "industry": "Retail", "country": "de", "annual_revenue": 2_000_000})))
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

async fn create_campaign(app: &TestApp, t: &str, client_id: &Value, name: &str) -> Value {
    let body = json!({
        "client_id": client_id, "name": name, "campaign_type": "seo_audit", "domain": "Example.com",
        "keywords": ["seo"], "budget": 1000.0, "start_date": "2026-01-01", "end_date": "2026-12-31"
    });
    let (s, c) = app
        .send(Method::POST, "/api/campaigns", t, Some(body))
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_crud_filters_stats_and_errors() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let a = create_client(&app, &t, "Acme GmbH").await;
    assert_eq!(a["country"], "DE");
    let id = a["id"].as_str().unwrap();
    let (s, dup) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "ACME gmbh"})),
        )
        .await;
    assert_eq!((s, dup["error"]["code"].as_str()), (409, Some("conflict")));
    let (s, bad) = app
        .send(Method::POST, "/api/clients", &t, Some(json!({"company_name": "", "website": "nope", "contact_email": "x", "country": "XX"})))
        .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = bad["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["company_name", "website", "country", "contact_email"]
    );

    create_client(&app, &t, "Beta").await;
    let (s, page) = app
        .send(
            Method::GET,
            "/api/clients?industry=retail&country=DE&min_revenue=1000000&size=1",
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            page["total"].as_i64(),
            page["size"].as_i64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(2), Some(1), 1)
    );
    let (s, page) = app.send(Method::GET, "/api/clients?q=acme", &t, None).await;
    assert_eq!((s, page["total"].as_i64()), (200, Some(1)));
    for bad in [
        "/api/clients?page=0",
        "/api/clients?size=101",
        "/api/clients?min_revenue=lots",
    ] {
        let (s, e) = app.send(Method::GET, bad, &t, None).await;
        assert_eq!(s, 422, "{bad}: {e}");
    }

    let (s, full) = app
        .send(
            Method::PUT,
            &format!("/api/clients/{id}"),
            &t,
            Some(json!({"company_name": "Acme AG"})),
        )
        .await;
    assert_eq!(
        (s, full["company_name"].as_str(), full["industry"].clone()),
        (200, Some("Acme AG"), Value::Null),
        "PUT replaces"
    );
    let (s, p) = app
        .send(
            Method::PATCH,
            &format!("/api/clients/{id}"),
            &t,
            Some(json!({"industry": "Media"})),
        )
        .await;
    assert_eq!(
        (s, p["company_name"].as_str(), p["industry"].as_str()),
        (200, Some("Acme AG"), Some("Media")),
        "PATCH merges"
    );
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/clients/{}", uuid::Uuid::new_v4()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, e) = app
        .send(Method::GET, "/api/clients/not-a-uuid", &t, None)
        .await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("id"))
    );

    let camp = create_campaign(&app, &t, &a["id"], "Launch").await;
    let (s, with) = app
        .send(
            Method::GET,
            &format!("/api/clients/{id}?include_campaigns=true"),
            &t,
            None,
        )
        .await;
    assert_eq!(
        (s, with["campaigns"][0]["id"].clone()),
        (200, camp["id"].clone())
    );
    let (s, cc) = app
        .send(
            Method::GET,
            &format!("/api/clients/{id}/campaigns?status=draft"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, cc["total"].as_i64()), (200, Some(1)));
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/clients/{}/campaigns", uuid::Uuid::new_v4()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);

    let (s, e) = app
        .send(Method::DELETE, &format!("/api/clients/{id}"), &t, None)
        .await;
    assert_eq!(s, 409, "a draft campaign blocks deletion: {e}");
    let (s, stats) = app
        .send(Method::GET, "/api/clients/stats/overview", &t, None)
        .await;
    assert_eq!((s, stats["total_clients"].as_i64()), (200, Some(2)));
    let (s, h) = app
        .send(Method::GET, "/api/clients/health/clients", &t, None)
        .await;
    assert_eq!(
        (s, h["total_clients"].as_i64(), h["status"].as_str()),
        (200, Some(2), Some("healthy"))
    );

    app.send(
        Method::POST,
        &format!("/api/campaigns/{}/cancel", camp["id"].as_str().unwrap()),
        &t,
        None,
    )
    .await;
    let r = app
        .http
        .delete(app.url(&format!("/api/clients/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.send(Method::GET, &format!("/api/clients/{id}"), &t, None)
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_lifecycle_metrics_and_errors() {
    // The auditor may target any host here (nothing public resolves in a test sandbox).
    let app = spawn_with(|c| c.crawler_allow_private = true).await;
    let t = app.admin_token().await;
    let client = create_client(&app, &t, "Acme").await;
    let c = create_campaign(&app, &t, &client["id"], "Q1").await;
    assert_eq!(
        (c["status"].as_str(), c["domain"].as_str()),
        (Some("draft"), Some("example.com"))
    );
    let id = c["id"].as_str().unwrap().to_string();
    let (s, e) = app
        .send(Method::POST, "/api/campaigns", &t, Some(json!({"client_id": uuid::Uuid::new_v4(), "name": "x", "campaign_type": "seo_audit"})))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_reference"))
    );
    let (s, e) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": client["id"], "name": "x", "campaign_type": "nonsense"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("campaign_type"))
    );
    let (s, _) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": client["id"], "name": "q1", "campaign_type": "content"})),
        )
        .await;
    assert_eq!(s, 409, "names are unique per client, ignoring case");

    let (s, e) = app
        .send(
            Method::POST,
            &format!("/api/campaigns/{id}/pause"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("conflict")));
    let (s, started) = app
        .send(
            Method::POST,
            &format!("/api/campaigns/{id}/start"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, started["status"].as_str()), (200, Some("active")));
    // Starting queues an audit of the campaign's domain.
    let audit = started["audit_task_id"]
        .as_str()
        .expect("start queues an audit");
    let (s, task) = app
        .send(Method::GET, &format!("/api/tasks/{audit}"), &t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(task["agent_id"], "technical_seo_auditor");
    assert_eq!(task["input"]["url"], "https://example.com/");
    assert_eq!(task["campaign_id"].as_str(), Some(id.as_str()));

    let (s, _) = app
        .send(Method::DELETE, &format!("/api/campaigns/{id}"), &t, None)
        .await;
    assert_eq!(s, 409, "active cannot be deleted");
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/campaigns/{id}/pause"),
            &t,
            None
        )
        .await
        .1["status"],
        "paused"
    );
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/campaigns/{id}/resume"),
            &t,
            None
        )
        .await
        .1["status"],
        "active"
    );
    let (s, m) = app
        .send(
            Method::GET,
            &format!("/api/campaigns/{id}/metrics"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(m["tasks"]["total"].as_i64(), Some(1));
    assert_eq!(m["keywords_tracked"], 1);
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/campaigns/{id}/complete"),
            &t,
            None
        )
        .await
        .1["status"],
        "completed"
    );
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/campaigns/{id}/cancel"),
            &t,
            None
        )
        .await
        .0,
        409
    );

    let (s, p) = app
        .send(
            Method::PATCH,
            &format!("/api/campaigns/{id}"),
            &t,
            Some(json!({"keywords": ["a", "b"], "budget": null})),
        )
        .await;
    assert_eq!(
        (
            s,
            p["keywords"].as_array().unwrap().len(),
            p["budget"].clone()
        ),
        (200, 2, Value::Null)
    );
    let (s, e) = app
        .send(
            Method::PATCH,
            &format!("/api/campaigns/{id}"),
            &t,
            Some(json!({"end_date": "2025-01-01"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("end_date"))
    );

    let (s, list) = app
        .send(
            Method::GET,
            "/api/campaigns?status=completed&domain=EXAMPLE.COM",
            &t,
            None,
        )
        .await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)));
    let (s, _) = app
        .send(Method::GET, "/api/campaigns?status=bogus", &t, None)
        .await;
    assert_eq!(s, 422);
    let (s, st) = app
        .send(Method::GET, "/api/campaigns/stats/summary", &t, None)
        .await;
    assert_eq!(
        (s, st["status_breakdown"]["completed"].as_i64()),
        (200, Some(1))
    );
    let (s, h) = app
        .send(Method::GET, "/api/campaigns/health/campaigns", &t, None)
        .await;
    assert_eq!((s, h["total_campaigns"].as_i64()), (200, Some(1)));
    let r = app
        .http
        .delete(app.url(&format!("/api/campaigns/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_create_edit_cancel_delete_and_stats() {
    // API only: no workers, so the task stays pending while it is edited.
    let app = seo_e2e::spawn_with(|c| c.workers = 0).await;
    let t = app.token_for("operator").await;
    let body = json!({"agent_id": "lead_qualification", "task_type": "qualify_lead", "input": {"company_name": "Acme"}, "priority": "high"});
    let r = app
        .http
        .post(app.url("/api/tasks"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/tasks/")
    );
    let task: Value = r.json().await.unwrap();
    assert_eq!(
        (
            task["status"].as_str(),
            task["priority"].as_str(),
            task["attempts"].as_i64()
        ),
        (Some("pending"), Some("high"), Some(0))
    );
    let (_, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    assert_eq!(task["created_by"], me["id"]);
    let id = task["id"].as_str().unwrap();

    let (s, e) = app
        .send(
            Method::POST,
            "/api/tasks",
            &t,
            Some(json!({"agent_id": "Bad Agent", "task_type": "x", "input": []})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = app
        .send(
            Method::POST,
            "/api/tasks",
            &t,
            Some(json!({"agent_id": "a", "task_type": "x", "priority": "asap"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["field"].as_str()),
        (422, Some("priority"))
    );

    let (s, edited) = app
        .send(Method::PUT, &format!("/api/tasks/{id}"), &t, Some(json!({"agent_id": "lead_qualification", "task_type": "qualify_lead", "input": {"company_name": "Beta"}})))
        .await;
    assert_eq!(
        (
            s,
            edited["input"]["company_name"].as_str(),
            edited["priority"].as_str()
        ),
        (200, Some("Beta"), Some("normal"))
    );
    let (s, waited) = app
        .send(Method::GET, &format!("/api/tasks/{id}?wait=0.2"), &t, None)
        .await;
    assert_eq!(
        (s, waited["status"].as_str()),
        (200, Some("pending")),
        "wait returns the latest state when time is up"
    );
    assert_eq!(
        app.send(Method::GET, &format!("/api/tasks/{id}?wait=-1"), &t, None)
            .await
            .0,
        422
    );
    let (s, list) = app
        .send(
            Method::GET,
            "/api/tasks?status=pending&agent_id=lead_qualification&priority=normal",
            &t,
            None,
        )
        .await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)));

    let (s, c) = app
        .send(Method::POST, &format!("/api/tasks/{id}/cancel"), &t, None)
        .await;
    assert_eq!((s, c["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(
        app.send(Method::POST, &format!("/api/tasks/{id}/cancel"), &t, None)
            .await
            .0,
        409
    );
    let (s, _) = app
        .send(
            Method::PUT,
            &format!("/api/tasks/{id}"),
            &t,
            Some(json!({"agent_id": "lead_qualification", "task_type": "qualify_lead", "input": {"company_name": "Gamma"}})),
        )
        .await;
    assert_eq!(s, 409, "only pending tasks can be edited");
    let (s, st) = app
        .send(Method::GET, "/api/tasks/stats/summary", &t, None)
        .await;
    assert_eq!(
        (s, st["status_breakdown"]["cancelled"].as_i64()),
        (200, Some(1))
    );
    let (s, h) = app
        .send(Method::GET, "/api/tasks/health/tasks", &t, None)
        .await;
    assert_eq!((s, h["pending_tasks"].as_i64()), (200, Some(0)));
    let r = app
        .http
        .delete(app.url(&format!("/api/tasks/{id}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.send(Method::GET, &format!("/api/tasks/{id}"), &t, None)
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_administration_guards_the_last_admin() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (s, u) = app
        .send(Method::POST, "/api/users", &t, Some(json!({"username": "mia", "email": "mia@example.com", "role": "manager", "password": "password-123"})))
        .await;
    assert_eq!(s, 201, "{u}");
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let (s, _) = app
        .send(
            Method::POST,
            "/api/users",
            &t,
            Some(json!({"username": "mia", "email": "m2@example.com", "password": "password-123"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, e) = app
        .send(
            Method::POST,
            "/api/users",
            &t,
            Some(
                json!({"username": "No Way", "email": "bad", "password": "short", "role": "root"}),
            ),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, list) = app.send(Method::GET, "/api/users?size=10", &t, None).await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(2)));
    let (_, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    let my_id = me["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/users/{my_id}"),
            &t,
            Some(json!({"role": "operator"})),
        )
        .await;
    assert_eq!(s, 409, "the last admin cannot be demoted");
    let (s, _) = app
        .send(Method::DELETE, &format!("/api/users/{my_id}"), &t, None)
        .await;
    assert_eq!(s, 409, "no one deletes themselves");
    let mia = u["id"].as_str().unwrap();
    let (s, p) = app
        .send(
            Method::PATCH,
            &format!("/api/users/{mia}"),
            &t,
            Some(json!({"full_name": "Mia M", "password": "another-pass-1"})),
        )
        .await;
    assert_eq!((s, p["full_name"].as_str()), (200, Some("Mia M")));
    app.login("mia", "another-pass-1").await;
    let r = app
        .http
        .delete(app.url(&format!("/api/users/{mia}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.send(Method::GET, &format!("/api/users/{mia}"), &t, None)
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_methods_and_routes() {
    let app = spawn_app().await;
    let r = app
        .http
        .patch(app.url("/api/clients"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    let r = app
        .http
        .get(app.url("/api/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
