//! The crawler against fixture sites served by the test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod fixture;

use std::time::Duration;

use fixture::*;
use seo_crawler::{CrawlConfig, CrawlError, crawl};

fn cfg() -> CrawlConfig {
    CrawlConfig {
        allow_private: true,
        timeout_ms: 1_000,
        ..CrawlConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breadth_first_within_the_host_with_robots_and_sitemap() {
    let s = site(vec![
        (
            "/",
            good_page(
                "Home",
                &["/a", "/b", "/private/x", "https://external.example/"],
            ),
        ),
        ("/a", good_page("A", &["/a/deep"])),
        ("/b", good_page("B", &["/"])),
        ("/a/deep", good_page("Deep", &["/a/deeper"])),
        ("/a/deeper", good_page("Deeper", &[])),
        ("/private/x", good_page("Secret", &[])),
        ("/only-in-sitemap", good_page("Listed", &[])),
        (
            "/robots.txt",
            text(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
        ),
        (
            "/sitemap.xml",
            text(
                200,
                "application/xml",
                "<urlset><url><loc>BASE_URL/only-in-sitemap</loc></url></urlset>",
            ),
        ),
        ("/llms.txt", text(200, "text/plain", "# site")),
    ])
    .await;
    let report = crawl(
        &format!("{}/", s.base),
        &CrawlConfig {
            max_depth: 2,
            ..cfg()
        },
    )
    .await
    .unwrap();
    let urls: Vec<String> = report
        .pages
        .iter()
        .map(|p| p.url.trim_start_matches(&s.base).to_string())
        .collect();
    assert_eq!(urls[0], "/", "the start page first");
    assert!(
        urls.contains(&"/a".to_string())
            && urls.contains(&"/b".to_string())
            && urls.contains(&"/a/deep".to_string())
    );
    assert!(
        !urls.contains(&"/a/deeper".to_string()),
        "max_depth 2 stops before depth 3"
    );
    assert!(
        !urls.iter().any(|u| u.starts_with("/private")),
        "robots.txt obeyed"
    );
    assert_eq!(
        report.blocked_by_robots,
        vec![format!("{}/private/x", s.base)]
    );
    assert!(
        !urls.iter().any(|u| u.contains("external")),
        "other hosts are not crawled"
    );
    assert!(report.robots_txt.found() && report.llms_txt.found() && report.sitemaps[0].found());
    assert!(report.not_crawled >= 1);
    assert!(
        urls.contains(&"/only-in-sitemap".to_string()),
        "pages listed only in the sitemap are found"
    );
    assert_eq!(
        report.sitemap_urls,
        vec![format!("{}/only-in-sitemap", s.base)]
    );
    let home = &report.pages[0];
    assert_eq!(home.status, Some(200));
    assert!(home.total_ms >= home.ttfb_ms);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let f = home.facts.as_ref().unwrap();
    assert_eq!(f.h1, vec!["Home"]);
    assert!(f.word_count > 250);
    assert_eq!(f.json_ld, vec![Ok(vec!["WebPage".to_string()])]);
    assert_eq!(f.lang.as_deref(), Some("en"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_caps_the_crawl() {
    let links: Vec<String> = (0..30).map(|i| format!("/p{i}")).collect();
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let mut pages = vec![("/", good_page("Home", &refs))];
    let owned: Vec<(String, Fixture)> = links
        .iter()
        .map(|l| (l.clone(), good_page(l, &[])))
        .collect();
    for (p, f) in &owned {
        pages.push((p.as_str(), f.clone()));
    }
    let s = site(pages).await;
    let report = crawl(
        &s.base,
        &CrawlConfig {
            max_pages: 10,
            ..cfg()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.pages.len(), 10);
    assert_eq!(report.not_crawled, 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_recorded_and_loops_reported() {
    let s = site(vec![
        ("/", good_page("Home", &["/old", "/loop1"])),
        ("/old", redirect(301, "/older")),
        ("/older", redirect(302, "/new")),
        ("/new", good_page("New", &[])),
        ("/loop1", redirect(301, "/loop2")),
        ("/loop2", redirect(301, "/loop1")),
    ])
    .await;
    let report = crawl(&s.base, &cfg()).await.unwrap();
    let old = report
        .pages
        .iter()
        .find(|p| p.url.ends_with("/old"))
        .unwrap();
    assert_eq!(
        old.redirects.iter().map(|h| h.status).collect::<Vec<_>>(),
        vec![301, 302]
    );
    assert!(old.final_url.ends_with("/new") && old.status == Some(200));
    let lp = report
        .pages
        .iter()
        .find(|p| p.url.ends_with("/loop1"))
        .unwrap();
    assert!(
        lp.error.as_deref().unwrap().contains("redirect loop"),
        "{:?}",
        lp.error
    );
    assert_eq!(lp.status, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_huge_and_unreachable_pages_end_as_errors_not_hangs() {
    let mut slow = good_page("Slow", &[]);
    slow.delay = Duration::from_secs(5);
    let huge = html(&format!(
        "<html><body>{}</body></html>",
        "x".repeat(3 * 1024 * 1024)
    ));
    let s = site(vec![
        ("/", good_page("Home", &["/slow", "/huge"])),
        ("/slow", slow),
        ("/huge", huge),
    ])
    .await;
    let report = crawl(
        &s.base,
        &CrawlConfig {
            max_body_bytes: 1024 * 1024,
            timeout_ms: 500,
            ..cfg()
        },
    )
    .await
    .unwrap();
    let slow = report
        .pages
        .iter()
        .find(|p| p.url.ends_with("/slow"))
        .unwrap();
    assert_eq!(slow.error.as_deref(), Some("timed out"));
    let huge = report
        .pages
        .iter()
        .find(|p| p.url.ends_with("/huge"))
        .unwrap();
    assert!(huge.truncated && huge.bytes == 1024 * 1024);

    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = crawl(&format!("http://127.0.0.1:{closed}/"), &cfg())
        .await
        .unwrap();
    assert_eq!(report.pages.len(), 1);
    assert!(
        report.pages[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("connection failed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_unless_allowed() {
    let s = site(vec![("/", good_page("Home", &[]))]).await;
    let strict = CrawlConfig::default();
    for url in [
        s.base.clone(),
        "http://localhost:9/".into(),
        "http://10.0.0.1/".into(),
        "http://[::1]/".into(),
    ] {
        assert!(
            matches!(crawl(&url, &strict).await, Err(CrawlError::Refused(_))),
            "{url}"
        );
    }
    assert!(matches!(
        crawl("ftp://example.com/", &strict).await,
        Err(CrawlError::InvalidUrl(_))
    ));
    assert!(matches!(
        crawl("not a url", &strict).await,
        Err(CrawlError::InvalidUrl(_))
    ));
    assert_eq!(
        crawl(&s.base, &cfg()).await.unwrap().pages[0].status,
        Some(200)
    );
}

/// Sitemaps are read only from the audited host: one named in robots.txt on another host
/// (here `localhost` for a site audited as 127.0.0.1) and one listed in a sitemap index on
/// another host are not fetched; robots.txt `Crawl-delay: NaN` is an invalid line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemaps_only_from_the_audited_host_and_a_nan_delay_is_invalid() {
    let s = site(vec![
        ("/", good_page("Home", &[])),
        ("/from-index", good_page("Listed", &[])),
        ("/foreign", good_page("Foreign", &[])),
        (
            "/robots.txt",
            text(200, "text/plain", "User-agent: *\nCrawl-delay: NaN\nSitemap: FOREIGN/sitemap.xml\nSitemap: BASE_URL/index.xml\n"),
        ),
        (
            "/index.xml",
            text(200, "application/xml", "<sitemapindex><sitemap><loc>BASE_URL/own.xml</loc></sitemap><sitemap><loc>FOREIGN/other.xml</loc></sitemap></sitemapindex>"),
        ),
        (
            "/own.xml",
            text(200, "application/xml", "<urlset><url><loc>BASE_URL/from-index</loc></url><url><loc>FOREIGN/foreign</loc></url></urlset>"),
        ),
        (
            "/other.xml",
            text(200, "application/xml", "<urlset><url><loc>BASE_URL/foreign</loc></url></urlset>"),
        ),
        (
            "/sitemap.xml",
            text(200, "application/xml", "<urlset><url><loc>BASE_URL/foreign</loc></url></urlset>"),
        ),
    ])
    .await;
    let report = crawl(&format!("{}/", s.base), &cfg()).await.unwrap();
    let fetched: Vec<&str> = report.sitemaps.iter().map(|f| f.url.as_str()).collect();
    assert!(
        fetched.iter().all(|u| u.starts_with(&s.base)),
        "{fetched:?}"
    );
    assert!(
        fetched.iter().any(|u| u.ends_with("/own.xml")),
        "{fetched:?}"
    );
    assert!(
        !fetched.iter().any(|u| u.ends_with("/other.xml")),
        "{fetched:?}"
    );
    let urls: Vec<&str> = report.pages.iter().map(|p| p.url.as_str()).collect();
    assert!(urls.iter().any(|u| u.ends_with("/from-index")), "{urls:?}");
    assert!(!urls.iter().any(|u| u.ends_with("/foreign")), "{urls:?}");
    assert_eq!(report.robots_invalid_lines, 1);
}

/// Timings are measured, not invented: a page the server holds back 150 ms has a time to
/// first byte of at least that, and a total time no shorter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttfb_is_at_least_the_server_delay() {
    let mut slow = good_page("Slow", &[]);
    slow.delay = Duration::from_millis(150);
    let s = site(vec![("/", slow)]).await;
    let report = crawl(&format!("{}/", s.base), &cfg()).await.unwrap();
    let home = &report.pages[0];
    assert!(home.ttfb_ms >= 150.0, "{}", home.ttfb_ms);
    assert!(home.total_ms >= home.ttfb_ms);
}

/// Canonical and hreflang targets are fetched even when nothing links to them, images are
/// HEAD-checked within the budget, and the missing-page probe shows how the site answers an
/// unknown URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_and_hreflang_targets_resources_and_probes_are_fetched() {
    let home = html(
        "<!doctype html><html lang=\"en\"><head><title>Home</title>\
         <link rel=\"canonical\" href=\"/canonical-target\">\
         <link rel=\"alternate\" hreflang=\"de\" href=\"BASE_URL/de\"></head>\
         <body><p>Home</p><img src=\"/logo.png\" alt=\"logo\"><img src=\"/gone.png\" alt=\"gone\"></body></html>",
    );
    let s = site(vec![
        ("/", home),
        ("/de", good_page("Start", &[])),
        ("/logo.png", text(200, "image/png", "png")),
    ])
    .await;
    let r = crawl(&format!("{}/", s.base), &cfg()).await.unwrap();
    let status = |path: &str| {
        r.pages
            .iter()
            .find(|p| p.url == format!("{}{path}", s.base))
            .map(|p| p.status)
    };
    assert_eq!(
        status("/canonical-target"),
        Some(Some(404)),
        "{:?}",
        r.pages.iter().map(|p| &p.url).collect::<Vec<_>>()
    );
    assert_eq!(status("/de"), Some(Some(200)));
    let res = |path: &str| {
        r.resources
            .iter()
            .find(|x| x.url == format!("{}{path}", s.base))
            .map(|x| (x.kind, x.status, x.content_type.clone()))
    };
    assert_eq!(
        res("/logo.png"),
        Some(("image", Some(200), Some("image/png".into())))
    );
    assert_eq!(res("/gone.png").map(|x| x.1), Some(Some(404)));
    assert_eq!(
        r.probes.missing_page.as_ref().and_then(|p| p.status),
        Some(404)
    );
    assert!(
        r.probes.http.is_none(),
        "the site is crawled over http already"
    );
    assert!(
        r.probes.alternate_host.is_none(),
        "an IP address has no www variant"
    );
    // Only the headers an audit reads are kept.
    assert!(r.pages.iter().all(|p| {
        p.headers
            .keys()
            .all(|k| seo_crawler::KEPT_HEADERS.contains(&k.as_str()))
    }));
}

/// A start URL that redirects within the site is followed before the crawl: the site is
/// crawled where it settles, and the report says what was asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crawl_starts_where_the_start_url_settles() {
    let s = site(vec![
        ("/", redirect(301, "/home")),
        ("/home", good_page("Home", &["/about"])),
        ("/about", good_page("About", &["/home"])),
    ])
    .await;
    let r = crawl(&format!("{}/", s.base), &cfg()).await.unwrap();
    assert_eq!(r.requested_url, format!("{}/", s.base));
    assert_eq!(r.start_url, format!("{}/home", s.base));
    assert_eq!(r.pages[0].url, format!("{}/home", s.base));
    assert_eq!(r.pages[0].depth, 0);
    assert!(
        r.pages.iter().all(|p| !p.is_redirect()),
        "{:?}",
        r.pages.iter().map(|p| &p.url).collect::<Vec<_>>()
    );
    assert_eq!(r.pages.len(), 2);
}
