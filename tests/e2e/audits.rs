//! Audits as records, as an agency uses them: a campaign's site is audited, changed and
//! audited again; the audits are listed, read with their snapshot and compared, the second
//! audit's output carries the diff, the campaign's `config.audit` overrides apply, and the
//! retention keeps the newest audits only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use reqwest::Method;
use serde_json::{Value, json};

use seo_e2e::{TestApp, spawn_with};

type Pages = Arc<RwLock<HashMap<String, (u16, String)>>>;

/// A site whose pages the test can change between crawls.
async fn mutable_site(pages: Pages) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    let srv = HttpServer::new(move || {
        let pages = pages.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            let pages = pages.clone();
            async move {
                let found = pages.read().unwrap().get(req.path()).cloned();
                match found {
                    Some((status, body)) => {
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .content_type("text/html; charset=utf-8")
                            .body(body)
                    }
                    None => HttpResponse::NotFound()
                        .content_type("text/html")
                        .body("<html><body>missing</body></html>"),
                }
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = srv.addrs()[0];
    let srv = srv.run();
    let handle = srv.handle();
    tokio::spawn(srv);
    (format!("http://{addr}"), handle)
}

fn page(title: Option<&str>, stem: &str, links: &[&str]) -> (u16, String) {
    let words: Vec<String> = (0..250).map(|i| format!("{stem}{i}")).collect();
    let links: String = links
        .iter()
        .map(|l| format!("<a href=\"{l}\">to {l}</a> "))
        .collect();
    let title = title
        .map(|t| format!("<title>{t}</title>"))
        .unwrap_or_default();
    (
        200,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{title}</head><body><h1>{stem} heading</h1><p>{}</p>{links}</body></html>",
            words.join(" ")
        ),
    )
}

async fn audit(app: &TestApp, t: &str, url: &str, campaign: &str) -> Value {
    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/technical_seo_auditor/tasks?wait=30",
            t,
            Some(json!({"input": {"url": url, "max_pages": 20}, "campaign_id": campaign})),
        )
        .await;
    assert_eq!(
        (s, task["status"].as_str()),
        (200, Some("completed")),
        "{task}"
    );
    task["output"].clone()
}

fn checks_on(issues: &Value, page: &str) -> Vec<String> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["pages"].as_array().unwrap().iter().any(|p| p == page))
        .map(|i| i["check"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_audits_of_a_changed_site_are_stored_listed_and_compared() {
    let pages: Pages = Arc::new(RwLock::new(HashMap::from([
        (
            "/".to_string(),
            page(
                Some("Home of the fixture agency site"),
                "home",
                &["/a", "/b"],
            ),
        ),
        (
            "/a".to_string(),
            page(Some("Page A of the fixture agency site"), "alpha", &["/"]),
        ),
        (
            "/b".to_string(),
            page(Some("Page B of the fixture agency site"), "beta", &["/"]),
        ),
    ])));
    let (base, _site) = mutable_site(pages.clone()).await;
    let app = spawn_with(|c| {
        c.crawler_allow_private = true;
        c.agents.technical_seo_auditor.audit_retention = 2;
    })
    .await;
    let t = app.admin_token().await;
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Diff Co"})),
        )
        .await;
    let (s, camp) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": client["id"], "name": "Audit history", "campaign_type": "seo_audit", "domain": "example.com",
                        "config": {"audit": {"disabled": ["csp_missing"], "severity": {"nosniff_missing": "notice"}}}})),
        )
        .await;
    assert_eq!(s, 201, "{camp}");
    let cid = camp["id"].as_str().unwrap();
    // Before any audit the campaign's list is empty, not missing.
    let (s, empty) = app
        .send(
            Method::GET,
            &format!("/api/campaigns/{cid}/audits"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, empty["total"].as_i64()), (200, Some(0)), "{empty}");

    let first = audit(&app, &t, &format!("{base}/"), cid).await;
    assert!(first["audit_id"].is_string(), "{first}");
    assert!(
        first.get("snapshot").is_none(),
        "the snapshot is stored, not repeated in the task"
    );
    assert!(first.get("diff").is_none());
    assert!(
        first["not_measured"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("diff"))
    );
    let kinds: Vec<&str> = first["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.contains(&"csp_missing"),
        "switched off for the campaign: {kinds:?}"
    );
    let nosniff = first["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check"] == "nosniff_missing")
        .unwrap();
    assert_eq!(nosniff["severity"], "notice");
    assert_eq!(first["health_score"], 100.0, "{first}");
    assert_eq!(first["health_band"], "excellent");

    // The site changes: /b is gone, /c is new, /a loses its title.
    {
        let mut p = pages.write().unwrap();
        p.remove("/b");
        p.insert(
            "/".into(),
            page(
                Some("Home of the fixture agency site"),
                "home",
                &["/a", "/b", "/c"],
            ),
        );
        p.insert("/a".into(), page(None, "alpha", &["/"]));
        p.insert(
            "/c".into(),
            page(Some("Page C of the fixture agency site"), "gamma", &["/"]),
        );
    }
    let second = audit(&app, &t, &format!("{base}/"), cid).await;
    let diff = &second["diff"];
    assert_eq!(diff["against"], first["audit_id"], "{diff}");
    assert_eq!(diff["audit_id"], second["audit_id"]);
    assert_eq!(diff["pages_added"], json!([format!("{base}/c")]));
    assert_eq!(diff["pages_removed"], json!([]));
    assert_eq!(
        diff["status_changes"],
        json!([{"url": format!("{base}/b"), "from": 200, "to": 404}])
    );
    let new: Vec<String> = diff["new_issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["check"].as_str().unwrap(),
                i["pages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().trim_start_matches(&base))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    for expected in ["title_missing:/a", "http_4xx:/b", "broken_internal_link:/"] {
        assert!(new.contains(&expected.to_string()), "{expected} in {new:?}");
    }
    // Three of four counted pages have an error-severity issue (/a without title, /b 404,
    // the home page linking to the 404): health 25, weak.
    assert_eq!(second["health"]["html_pages"], 4, "{}", second["health"]);
    assert_eq!(second["health"]["pages_with_errors"], 3);
    assert_eq!(
        (
            second["health_score"].as_f64(),
            second["health_band"].as_str()
        ),
        (Some(25.0), Some("weak"))
    );
    assert_eq!(diff["health_score"]["from"], 100.0);
    assert_eq!(diff["health_score"]["to"], second["health_score"]);
    assert!(diff["audit_score"]["change"].as_f64().unwrap() < 0.0);

    // Listed newest first, read whole, compared on demand: the same diff.
    let (s, list) = app
        .send(
            Method::GET,
            &format!("/api/campaigns/{cid}/audits"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["id"], second["audit_id"]);
    assert_eq!(list["items"][1]["id"], first["audit_id"]);
    assert_eq!(list["items"][0]["health_score"], second["health_score"]);
    assert!(list["items"][0].get("snapshot").is_none());
    let id2 = second["audit_id"].as_str().unwrap();
    let (s, full) = app
        .send(Method::GET, &format!("/api/audits/{id2}"), &t, None)
        .await;
    assert_eq!(s, 200, "{full}");
    assert_eq!(full["campaign_id"], cid);
    assert!(
        checks_on(&full["snapshot"]["issues"], &format!("{base}/a"))
            .contains(&"title_missing".to_string())
    );
    let snap_c = full["snapshot"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"] == format!("{base}/c"))
        .unwrap();
    assert_eq!(
        (snap_c["status"].as_u64(), snap_c["inlinks"].as_u64()),
        (Some(200), Some(1))
    );
    let (s, on_demand) = app
        .send(
            Method::GET,
            &format!(
                "/api/audits/{id2}/diff?against={}",
                first["audit_id"].as_str().unwrap()
            ),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(&on_demand, diff);
    // The same use-cases through MCP (record tools, `campaigns:read`).
    let mcp = crate::mcp::connect(&app, &t).await;
    let call = |name: &'static str, a: Value| {
        let mcp = &mcp;
        async move {
            mcp.call_tool(
                rmcp::model::CallToolRequestParams::new(name).with_arguments(crate::mcp::args(a)),
            )
            .await
            .unwrap()
            .structured_content
            .unwrap()
        }
    };
    let listed = call("list_audits", json!({"campaign_id": cid})).await;
    assert_eq!(listed["total"], 2);
    let by_mcp = call(
        "audit_diff",
        json!({"id": id2, "against": first["audit_id"]}),
    )
    .await;
    assert_eq!(&by_mcp, diff);
    let one = call("get_audit", json!({"id": id2})).await;
    assert_eq!(one["snapshot"], full["snapshot"]);
    mcp.cancel().await.unwrap();
    // Bad comparisons are refused clearly.
    let (s, e) = app
        .send(Method::GET, &format!("/api/audits/{id2}/diff"), &t, None)
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/audits/{id2}/diff?against={id2}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/audits/{id2}/diff?against={}", uuid::Uuid::new_v4()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);

    // A third audit: the retention (2) keeps the two newest.
    let third = audit(&app, &t, &format!("{base}/"), cid).await;
    let diff3 = &third["diff"];
    assert_eq!(diff3["new_issues"], json!([]), "nothing changed: {diff3}");
    assert_eq!(diff3["fixed_issues"], json!([]));
    let (_, list) = app
        .send(
            Method::GET,
            &format!("/api/campaigns/{cid}/audits"),
            &t,
            None,
        )
        .await;
    assert_eq!(list["total"], 2);
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/audits/{}", first["audit_id"].as_str().unwrap()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404, "the oldest audit was pruned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_audit_overrides_are_refused_and_change_nothing() {
    let app = spawn_with(|_| {}).await;
    let t = app.admin_token().await;
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Override Co"})),
        )
        .await;
    for (config, says) in [
        (
            json!({"audit": {"disabled": ["no_such_check"]}}),
            "no_such_check",
        ),
        (
            json!({"audit": {"severity": {"http_4xx": "fatal"}}}),
            "fatal",
        ),
        (
            json!({"audit": {"thresholds": {"title_len": "long"}}}),
            "title_len",
        ),
        (json!({"audit": {"thresholds": {"nope": 1}}}), "nope"),
    ] {
        let (s, e) = app
            .send(
                Method::POST,
                "/api/campaigns",
                &t,
                Some(json!({"client_id": client["id"], "name": "Bad", "campaign_type": "seo_audit", "config": config})),
            )
            .await;
        assert_eq!(s, 422, "{config}: {e}");
        assert!(
            e.to_string().contains("config.audit") && e.to_string().contains(says),
            "{e}"
        );
    }
    let (_, list) = app.send(Method::GET, "/api/campaigns", &t, None).await;
    assert_eq!(list["total"], 0, "nothing stored");
    let (s, c) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(
                json!({"client_id": client["id"], "name": "Good", "campaign_type": "seo_audit",
                        "config": {"audit": {"thresholds": {"title_len": [5, 50]}}}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, e) = app
        .send(
            Method::PATCH,
            &format!("/api/campaigns/{}", c["id"].as_str().unwrap()),
            &t,
            Some(json!({"config": {"audit": {"disabled": ["nope"]}}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, unknown) = app
        .send(
            Method::GET,
            &format!("/api/campaigns/{}/audits", uuid::Uuid::new_v4()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404, "{unknown}");
}
