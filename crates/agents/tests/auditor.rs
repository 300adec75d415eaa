//! The technical SEO auditor against fixture sites served by the test: every planted defect
//! is reported with the right page count, and a clean site yields no finding.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

#[path = "../../crawler/tests/fixture/mod.rs"]
mod fixture;

use std::collections::BTreeMap;

use fixture::*;
use seo_agents::{AgentManager, AgentsConfig, AuditConfig, TaskContext};
use serde_json::{Value, json};

fn secure(mut f: Fixture) -> Fixture {
    f.headers
        .push(("content-security-policy", "default-src 'self'".into()));
    f.headers.push(("x-content-type-options", "nosniff".into()));
    f
}

fn manager() -> AgentManager {
    let cfg = AgentsConfig {
        technical_seo_auditor: AuditConfig {
            // Fixture sites are served over plain http on 127.0.0.1.
            disabled_checks: vec!["no_https".into()],
            crawl: seo_crawler::CrawlConfig {
                allow_private: true,
                timeout_ms: 2_000,
                ..Default::default()
            },
            ..AuditConfig::default()
        },
        ..AgentsConfig::default()
    };
    AgentManager::with_config(cfg)
}

fn site_files() -> Vec<(&'static str, Fixture)> {
    vec![
        (
            "/robots.txt",
            text(
                200,
                "text/plain",
                "User-agent: *\nAllow: /\nSitemap: BASE_URL/sitemap.xml\n",
            ),
        ),
        (
            "/sitemap.xml",
            text(
                200,
                "application/xml",
                "<urlset><url><loc>BASE_URL/</loc></url></urlset>",
            ),
        ),
        ("/llms.txt", text(200, "text/plain", "# Fixture site")),
        ("/logo.png", text(200, "image/png", "\u{89}PNG")),
    ]
}

async fn audit(base: &str) -> Value {
    let out = manager()
        .run(
            "technical_seo_auditor",
            "technical_seo_audit",
            &json!({"url": format!("{base}/")}),
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    serde_json::to_value(out).unwrap()
}

fn counts(out: &Value) -> BTreeMap<String, u64> {
    out["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["check"].as_str().unwrap().to_string(),
                i["pages_affected"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_site_has_no_findings() {
    let mut pages = site_files();
    pages.push(("/", secure(good_page("Home", &["/about", "/services"]))));
    pages.push(("/about", secure(good_page("About", &["/"]))));
    pages.push(("/services", secure(good_page("Services", &["/about"]))));
    let s = site(pages).await;
    let out = audit(&s.base).await;
    assert_eq!(counts(&out), BTreeMap::new(), "{:#}", out["issues"]);
    assert_eq!(out["score"], 100.0);
    assert_eq!(out["crawl"]["pages_crawled"], 3);
    assert!(
        out["not_measured"][0]
            .as_str()
            .unwrap()
            .starts_with("core_web_vitals")
    );
    let weights: f64 = out["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["weight"].as_f64().unwrap())
        .sum();
    assert!(
        (weights - 1.0).abs() < 1e-3,
        "weights renormalised without Core Web Vitals: {weights}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_planted_defect_is_reported_with_its_page_count() {
    let no_title = secure(good_page("Untitled", &[]));
    let no_title = Fixture {
        body: no_title
            .body
            .replace("<title>Untitled — a page title of fine length</title>", ""),
        ..no_title
    };
    let thin = secure(html(
        "<!doctype html><html lang=\"en\"><head><title>Thin page — a page title of fine length</title>\
         <meta name=\"description\" content=\"A thin page with hardly any words on it, planted by the audit test on purpose.\">\
         <meta name=\"viewport\" content=\"width=device-width\"><link rel=\"canonical\" href=\"PLACEHOLDER\">\
         <script type=\"application/ld+json\">{\"@type\":\"WebPage\"}</script></head><body><h1>Thin</h1><p>Only a few words here.</p></body></html>",
    ));
    let no_alt = secure(good_page("Gallery", &[]));
    let no_alt = Fixture {
        body: no_alt.body.replace("alt=\"logo\" ", ""),
        ..no_alt
    };
    let two_h1 = secure(good_page("Headings", &[]));
    let two_h1 = Fixture {
        body: two_h1
            .body
            .replace("<h1>Headings</h1>", "<h1>Headings</h1><h1>Again</h1>"),
        ..two_h1
    };
    let mut pages = site_files();
    pages.extend([
        (
            "/",
            secure(good_page(
                "Home",
                &[
                    "/missing-title",
                    "/dup1",
                    "/dup2",
                    "/thin",
                    "/noalt",
                    "/gone",
                    "/chain",
                    "/two-h1",
                ],
            )),
        ),
        ("/missing-title", no_title),
        ("/dup1", secure(good_page("Twin", &[]))),
        ("/dup2", secure(good_page("Twin", &[]))),
        ("/thin", thin),
        ("/noalt", no_alt),
        ("/chain", redirect(301, "/chain2")),
        ("/chain2", redirect(301, "/new-home")),
        ("/new-home", secure(good_page("New home", &[]))),
        ("/two-h1", two_h1),
    ]);
    let s = site(pages).await;
    let out = audit(&s.base).await;
    let expected: BTreeMap<String, u64> = [
        ("broken_internal_link", 1),
        // The seven leaf pages link nowhere.
        ("dead_end", 7),
        ("description_duplicate", 2),
        ("duplicate_content", 2),
        ("h1_duplicate", 2),
        ("h1_multiple", 1),
        ("http_4xx", 1),
        ("image_alt_missing", 1),
        ("link_to_redirect", 1),
        // The thin page: little text in its markup, no social cards.
        ("low_text_ratio", 1),
        ("open_graph_missing", 1),
        ("twitter_card_missing", 1),
        // /chain is a redirect (not a page of its own) and a chain of two hops.
        ("redirect", 1),
        ("redirect_chain", 1),
        ("thin_content", 1),
        ("title_duplicate", 2),
        ("title_missing", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counts(&out), expected, "{:#}", out["issues"]);
    let gone = out["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check"] == "http_4xx")
        .unwrap();
    assert_eq!(gone["sample_urls"], json!([format!("{}/gone", s.base)]));
    assert!(gone["why"].is_string() && gone["fix"].is_string());
    assert!(out["score"].as_f64().unwrap() < 100.0);
    assert_eq!(out["findings"][0]["severity"], "high", "the worst first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_web_vitals_count_only_when_supplied() {
    let mut pages = site_files();
    pages.push(("/", secure(good_page("Home", &["/"]))));
    let s = site(pages).await;
    let input = json!({"url": format!("{}/", s.base), "core_web_vitals": {"lcp_ms": 3000, "inp_ms": 150, "cls": 0.3}});
    let out = manager()
        .run(
            "technical_seo_auditor",
            "technical_seo_audit",
            &input,
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    let cwv = out
        .factors
        .iter()
        .find(|f| f.name == "core_web_vitals")
        .unwrap();
    // LCP 3.0 s needs improvement (60), INP 150 ms good (100), CLS 0.3 poor (20): mean 60.
    assert_eq!(cwv.value, 60.0);
    assert_eq!(cwv.weight, Some(0.1));
    assert!(out.not_measured.is_empty());
    // Everything else is clean: 0.9·100 + 0.1·60 = 96.
    assert_eq!(out.score, Some(96.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_at_validation() {
    let m = AgentManager::with_config(AgentsConfig::default());
    for url in [
        "http://127.0.0.1/",
        "http://localhost:8000",
        "http://10.0.0.1/x",
    ] {
        assert!(
            m.validate(
                "technical_seo_auditor",
                "technical_seo_audit",
                &json!({"url": url})
            )
            .is_err(),
            "{url}"
        );
    }
    assert!(
        m.validate(
            "technical_seo_auditor",
            "technical_seo_audit",
            &json!({"url": "example.com"})
        )
        .is_ok()
    );
    assert!(
        m.validate(
            "technical_seo_auditor",
            "technical_seo_audit",
            &json!({"url": "ftp://example.com"})
        )
        .is_err()
    );
    assert!(
        m.validate(
            "technical_seo_auditor",
            "technical_seo_audit",
            &json!({"url": "example.com", "max_pages": 0})
        )
        .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pages_end_as_findings_not_hangs() {
    let mut slow = secure(good_page("Slow", &[]));
    slow.delay = std::time::Duration::from_secs(5);
    let huge = secure(html(&format!(
        "<html><body>{}</body></html>",
        "y ".repeat(3 * 1024 * 1024)
    )));
    let garbage = Fixture {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: String::from_utf8_lossy(&(0..=255u8).cycle().take(50_000).collect::<Vec<u8>>())
            .into_owned(),
        delay: std::time::Duration::ZERO,
    };
    let mut pages = site_files();
    pages.extend([
        (
            "/",
            secure(good_page("Home", &["/slow", "/huge", "/garbage", "/loop"])),
        ),
        ("/slow", slow),
        ("/huge", huge),
        ("/garbage", garbage),
        ("/loop", redirect(302, "/loop")),
    ]);
    let s = site(pages).await;
    let cfg = AgentsConfig {
        technical_seo_auditor: AuditConfig {
            disabled_checks: vec!["no_https".into()],
            crawl: seo_crawler::CrawlConfig {
                allow_private: true,
                timeout_ms: 700,
                max_body_bytes: 1024 * 1024,
                ..Default::default()
            },
            ..AuditConfig::default()
        },
        ..AgentsConfig::default()
    };
    let out = AgentManager::with_config(cfg)
        .run(
            "technical_seo_auditor",
            "technical_seo_audit",
            &json!({"url": format!("{}/", s.base)}),
            &TaskContext::detached(),
        )
        .await
        .unwrap();
    let out = serde_json::to_value(out).unwrap();
    let c = counts(&out);
    assert_eq!(
        c.get("page_timeout"),
        Some(&1),
        "the slow page timed out: {c:?}"
    );
    assert_eq!(
        c.get("truncated_page"),
        Some(&1),
        "the huge page was cut at the cap"
    );
    assert_eq!(c.get("redirect_loop"), Some(&1));
    assert_eq!(
        out["crawl"]["pages_crawled"], 5,
        "the garbage page was read like any other"
    );
}
