//! The site-intelligence agents over stored results: an audit of a fixture site becomes a
//! backlog and a strategic plan for its client.

use reqwest::Method;
use serde_json::{Value, json};

use crate::core::site;
use seo_e2e::spawn_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_becomes_a_backlog_and_a_plan() {
    let (url, _site) = site(vec![
        ("/robots.txt", "text/plain", "User-agent: *\nAllow: /\n"),
        ("/", "text/html", "<!doctype html><html><head></head><body><p>No title, no language, <a href=\"/a\">a</a>.</p></body></html>"),
        ("/a", "text/html", "<!doctype html><html lang=\"en\"><head><title>Page A of the fixture site</title></head><body><h1>A</h1></body></html>"),
    ])
    .await;
    let app = spawn_with(|c| {
        c.crawler_allow_private = true;
    })
    .await;
    let t = app.admin_token().await;
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Fixture Shop", "industry": "E-commerce"})),
        )
        .await;
    let cid = client["id"].as_str().unwrap();
    let run = |agent: &'static str, body: Value| {
        let (app, t) = (&app, t.clone());
        async move {
            let (s, task) = app
                .send(
                    Method::POST,
                    &format!("/api/agents/{agent}/tasks?wait=30"),
                    &t,
                    Some(body),
                )
                .await;
            assert_eq!(
                (s, task["status"].as_str()),
                (200, Some("completed")),
                "{task}"
            );
            task["output"].clone()
        }
    };
    let audit = run(
        "technical_seo_auditor",
        json!({"input": {"url": url, "max_pages": 5}, "client_id": cid}),
    )
    .await;
    let failed: Vec<&str> = audit["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert!(failed.contains(&"title_missing"), "{failed:?}");

    let backlog = run(
        "technical_seo_operations_manager",
        json!({"input": {"client_id": cid, "sprint_capacity": 5}}),
    )
    .await;
    let items = backlog["backlog"].as_array().unwrap();
    assert_eq!(items.len(), failed.len(), "one item per failed check");
    let prios: Vec<f64> = items
        .iter()
        .map(|i| i["priority"].as_f64().unwrap())
        .collect();
    assert!(
        prios.windows(2).all(|w| w[0] >= w[1]),
        "ordered by priority: {prios:?}"
    );
    assert!(items.iter().all(|i| i["sprint"].as_u64().unwrap() >= 1));
    assert_eq!(backlog["project_status"]["tasks"]["done"], 1, "the audit");

    let plan = run(
        "chief_seo_strategist",
        json!({"input": {"client_id": cid, "monthly_clicks": 1000}}),
    )
    .await;
    assert_eq!(
        plan["position_score"], audit["audit_score"],
        "only the audit is measured: {plan}"
    );
    assert_eq!(plan["readiness"].as_array().unwrap().len(), 2);
    assert_eq!(plan["projection"]["years"].as_array().unwrap().len(), 3);
    assert!(
        plan["not_measured"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("content"))
    );
}

/// A backlink export with known toxic links becomes the exact disavow file expected; an
/// operator's exclusion takes a domain out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toxic_links_become_the_disavow_file() {
    let app = spawn_with(|_| {}).await;
    let t = app.admin_token().await;
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Acme Tools", "website": "https://acme.example"})),
        )
        .await;
    let cid = client["id"].as_str().unwrap();
    let r = app
        .http
        .get(app.url(&format!("/api/clients/{cid}/disavow.txt")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a client without link analysis has an empty file"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.lines().all(|l| l.starts_with('#')),
        "nothing to disavow before the first analysis: {body}"
    );
    let csv = "Source URL,Target URL,Anchor,Nofollow\n\
               https://spam.xyz/p,https://acme.example/,best casino bonus,false\n\
               https://farm.example/link-exchange/1,https://acme.example/,acme,false\n\
               https://blog.example/post,https://acme.example/,Acme Tools review,false\n\
               https://mixed.example/links.html,https://acme.example/,tools,false\n\
               https://mixed.example/article,https://acme.example/,acme,false\n";
    let r = app
        .http
        .post(app.url(&format!("/api/clients/{cid}/datasets?filename=links.csv")))
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/link_building/tasks?wait=30",
            &t,
            Some(json!({"input": {"client_id": cid}, "client_id": cid})),
        )
        .await;
    assert_eq!(
        (s, task["status"].as_str()),
        (200, Some("completed")),
        "{task}"
    );
    let p = &task["output"]["profile"];
    assert_eq!(
        p["toxic_domains"],
        json!(["farm.example", "spam.xyz"]),
        "{p}"
    );
    let get = |path: String| {
        let (app, t) = (&app, t.clone());
        async move {
            let r = app
                .http
                .get(app.url(&path))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string()),
                r.text().await.unwrap(),
            )
        }
    };
    let (s, ctype, text) = get(format!("/api/clients/{cid}/disavow.txt")).await;
    assert_eq!(s, 200);
    assert_eq!(ctype.as_deref(), Some("text/plain; charset=utf-8"));
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    // Whole domains, then the toxic link of a domain that also has a clean one.
    assert_eq!(
        body,
        vec![
            "domain:farm.example",
            "domain:spam.xyz",
            "https://mixed.example/links.html"
        ],
        "{text}"
    );
    let (s, e) = app
        .send(
            Method::POST,
            &format!("/api/clients/{cid}/disavow/exclusions"),
            &t,
            Some(json!({"entry": "domain:FARM.example", "reason": "a partner"})),
        )
        .await;
    assert_eq!((s, e["entry"].as_str()), (201, Some("domain:farm.example")));
    let (s, _) = app
        .send(
            Method::POST,
            &format!("/api/clients/{cid}/disavow/exclusions"),
            &t,
            Some(json!({"entry": "domain:farm.example"})),
        )
        .await;
    assert_eq!(s, 200, "the same exclusion again changes nothing");
    let (s, _) = app
        .send(
            Method::POST,
            &format!("/api/clients/{cid}/disavow/exclusions"),
            &t,
            Some(json!({"entry": "not a url"})),
        )
        .await;
    assert_eq!(s, 422);
    let (_, _, text) = get(format!("/api/clients/{cid}/disavow.txt")).await;
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        body,
        vec!["domain:spam.xyz", "https://mixed.example/links.html"]
    );
    let (_, list) = app
        .send(
            Method::GET,
            &format!("/api/clients/{cid}/disavow/exclusions"),
            &t,
            None,
        )
        .await;
    assert_eq!(list["total"], 1);
}

/// The site audit workflow on a fixture site, on SQLite and on PostgreSQL + Redis: audit, then content, links (competitive
/// skipped without competitors), the backlog after the join, the plan only under 60 (this
/// site scores above it), and the report after the backlog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_audit_workflow_runs_every_step() {
    let (url, _site) = site(vec![
        ("/", "text/html", "<!doctype html><html><head></head><body><p>No title here <a href=\"/a\">a</a>.</p></body></html>"),
        ("/a", "text/html", "<!doctype html><html><head></head><body><p>Nor here.</p></body></html>"),
    ])
    .await;
    let mut apps = vec![spawn_with(|c| c.crawler_allow_private = true).await];
    if let Some((db, redis)) = seo_e2e::external_services().await {
        apps.push(
            spawn_with(|c| {
                c.crawler_allow_private = true;
                c.database_url = db;
                c.redis_url = Some(redis);
            })
            .await,
        );
    }
    for app in &apps {
        let t = app.admin_token().await;
        let name = format!("Audit Co {}", uuid::Uuid::new_v4().simple());
        let (_, client) = app
            .send(
                Method::POST,
                "/api/clients",
                &t,
                Some(json!({"company_name": name})),
            )
            .await;
        let cid = client["id"].as_str().unwrap();
        let (s, run) = app
        .send(
            Method::POST,
            "/api/workflows/site_audit/runs",
            &t,
            Some(json!({"input": {"url": url, "client_id": cid, "keywords": ["fixture"], "max_pages": 5}})),
        )
        .await;
        assert_eq!(s, 202, "{run}");
        assert_eq!(run["client_id"], cid, "the input's client is the run's");
        let done = crate::core::wait_run(app, &t, run["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "completed", "{done}");
        let (_, audit) = app
            .send(
                Method::GET,
                &format!(
                    "/api/tasks/{}",
                    done["steps"][0]["task_id"].as_str().unwrap()
                ),
                &t,
                None,
            )
            .await;
        let score = audit["output"]["audit_score"].as_f64().unwrap();
        let steps: Vec<(&str, &str)> = done["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("audit", "completed"),
                ("content", "completed"),
                ("competitive", "skipped"),
                ("links", "completed"),
                ("backlog", "completed"),
                (
                    "strategy",
                    if score < 60.0 { "completed" } else { "skipped" }
                ),
                ("report", "completed"),
            ],
            "{done}"
        );
        let report_task = done["steps"][6]["task_id"].as_str().unwrap();
        let r = app
            .http
            .get(app.url(&format!("/api/tasks/{report_task}/report?format=html")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (s, _) = app
            .send(
                Method::POST,
                "/api/workflows/site_audit/runs",
                &t,
                Some(json!({"input": {"url": url, "client_id": uuid::Uuid::new_v4()}})),
            )
            .await;
        assert_eq!(s, 422, "an unknown client is refused");
    }
}

/// Starting a campaign runs the site audit workflow with its audit first; the campaign shows
/// its newest run and, once done, the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_start_runs_the_site_audit_workflow() {
    let app = spawn_with(|c| c.crawler_allow_private = true).await;
    let t = app.admin_token().await;
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Local Co"})),
        )
        .await;
    let (s, camp) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": client["id"], "name": "Launch", "campaign_type": "seo_audit", "domain": "localhost", "keywords": ["local seo"]})),
        )
        .await;
    assert_eq!(s, 201, "{camp}");
    let id = camp["id"].as_str().unwrap();
    let (s, started) = app
        .send(
            Method::POST,
            &format!("/api/campaigns/{id}/start"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{started}");
    let (_, audit) = app
        .send(
            Method::GET,
            &format!("/api/tasks/{}", started["audit_task_id"].as_str().unwrap()),
            &t,
            None,
        )
        .await;
    assert_eq!(audit["workflow_step"], "audit", "{audit}");
    let run_id = audit["workflow_run_id"].as_str().unwrap();
    let done = crate::core::wait_run(&app, &t, run_id).await;
    let (_, c) = app
        .send(Method::GET, &format!("/api/campaigns/{id}"), &t, None)
        .await;
    assert_eq!(c["latest_workflow_run"]["id"], run_id, "{c}");
    assert_eq!(c["latest_workflow_run"]["workflow_id"], "site_audit");
    assert_eq!(c["latest_workflow_run"]["status"], done["status"]);
    // https://localhost answers nothing: the audit completes naming the fetch error, the
    // analyses complete on what they could read, and the report is the run's last step.
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["steps"][0]["status"], "completed");
    assert_eq!(
        c["latest_report_task_id"], done["steps"][6]["task_id"],
        "{done}"
    );
    assert_eq!(done["input"]["keywords"], json!(["local seo"]));
}

/// The check catalogue as data, with the thresholds the running configuration gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_catalogue_is_data() {
    let app = spawn_with(|c| c.agents.technical_seo_auditor.thin_words = 321).await;
    let t = app.token_for("operator").await;
    let (s, cat) = app.send(Method::GET, "/api/audit/checks", &t, None).await;
    assert_eq!(s, 200);
    let items = cat["items"].as_array().unwrap();
    assert_eq!(cat["total"].as_u64().unwrap() as usize, items.len());
    let thin = items.iter().find(|c| c["id"] == "thin_content").unwrap();
    assert_eq!(thin["thresholds"]["thin_words"], 321);
    assert!(
        items
            .iter()
            .all(|c| ["error", "warning", "notice"].contains(&c["severity"].as_str().unwrap()))
    );
    assert!(
        items
            .iter()
            .all(|c| c["why"].is_string() && c["fix"].is_string() && c["scope"].is_string())
    );
    let http5 = items.iter().find(|c| c["id"] == "http_5xx").unwrap();
    assert_eq!(
        (http5["severity"].as_str(), http5["impact"].as_str()),
        (Some("error"), Some("critical"))
    );
}
