//! Every check of the audit catalogue against fixtures, table-driven: a clean fixture site
//! yields no issue at all; each check has a positive fixture (the clean site with one planted
//! defect, reported with its check id and its page in `sample_urls`) and a negative one (the
//! clean site, or a near miss just inside the threshold, where it stays silent). Fixtures
//! are crawl reports built in memory from HTML, so the table runs in milliseconds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::collections::{BTreeMap, BTreeSet};

use seo_agents::auditor::{AuditConfig, TechnicalSeoAuditor, catalogue};
use seo_crawler::{CrawlReport, Hop, Page, Probe, Probes, Resource, RobotsFacts, SiteFile};
use serde_json::Value;

const BASE: &str = "https://example.com";

/// One page of a fixture: what its HTML is made of, and how it was answered.
#[derive(Clone)]
struct Spec {
    path: String,
    status: Option<u16>,
    error: Option<String>,
    headers: BTreeMap<String, String>,
    redirects: Vec<(String, u16)>,
    final_path: Option<String>,
    depth: u32,
    ttfb_ms: f64,
    truncated: bool,
    pad_bytes: usize,
    /// `None`: not HTML (no facts).
    html: Option<Html>,
}

/// The parts of a page's HTML.
#[derive(Clone)]
struct Html {
    doctype: bool,
    lang: Option<String>,
    charset: bool,
    title: Option<String>,
    description: Option<String>,
    viewport: bool,
    canonical: Option<String>,
    og: Vec<&'static str>,
    twitter: bool,
    favicon: bool,
    json_ld: String,
    head_extra: String,
    h1: Option<String>,
    words: String,
    links: Vec<(String, String, &'static str)>,
    images: Vec<String>,
    body_extra: String,
}

impl Html {
    fn render(&self) -> String {
        let mut h = String::new();
        if self.doctype {
            h.push_str("<!DOCTYPE html>");
        }
        match &self.lang {
            Some(l) => h.push_str(&format!("<html lang=\"{l}\"><head>")),
            None => h.push_str("<html><head>"),
        }
        if self.charset {
            h.push_str("<meta charset=\"utf-8\">");
        }
        if let Some(t) = &self.title {
            h.push_str(&format!("<title>{t}</title>"));
        }
        if let Some(d) = &self.description {
            h.push_str(&format!("<meta name=\"description\" content=\"{d}\">"));
        }
        if self.viewport {
            h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        }
        if let Some(c) = &self.canonical {
            h.push_str(&format!("<link rel=\"canonical\" href=\"{c}\">"));
        }
        for p in &self.og {
            h.push_str(&format!("<meta property=\"{p}\" content=\"x\">"));
        }
        if self.twitter {
            h.push_str("<meta name=\"twitter:card\" content=\"summary\">");
        }
        if self.favicon {
            h.push_str("<link rel=\"icon\" href=\"/favicon.ico\">");
        }
        if !self.json_ld.is_empty() {
            h.push_str(&format!(
                "<script type=\"application/ld+json\">{}</script>",
                self.json_ld
            ));
        }
        h.push_str(&self.head_extra);
        h.push_str("</head><body>");
        if let Some(t) = &self.h1 {
            h.push_str(&format!("<h1>{t}</h1>"));
        }
        h.push_str(&format!("<p>{}</p>", self.words));
        for (href, text, rel) in &self.links {
            if rel.is_empty() {
                h.push_str(&format!("<a href=\"{href}\">{text}</a> "));
            } else {
                h.push_str(&format!("<a href=\"{href}\" rel=\"{rel}\">{text}</a> "));
            }
        }
        for i in &self.images {
            h.push_str(i);
        }
        h.push_str(&self.body_extra);
        h.push_str("</body></html>");
        h
    }
}

fn url(path: &str) -> String {
    if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{BASE}{path}")
    }
}

/// Words of their own for each page: pages share no three-word phrase.
fn words(stem: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{stem}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn clean_page(path: &str, name: &str, links: &[&str]) -> Spec {
    let stem: String = name
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut headers = BTreeMap::new();
    headers.insert("content-type".into(), "text/html; charset=utf-8".into());
    headers.insert(
        "strict-transport-security".into(),
        "max-age=31536000".into(),
    );
    headers.insert(
        "content-security-policy".into(),
        "default-src 'self'".into(),
    );
    headers.insert("x-content-type-options".into(), "nosniff".into());
    Spec {
        path: path.into(),
        status: Some(200),
        error: None,
        headers,
        redirects: Vec::new(),
        final_path: None,
        depth: u32::from(path != "/"),
        ttfb_ms: 120.0,
        truncated: false,
        pad_bytes: 0,
        html: Some(Html {
            doctype: true,
            lang: Some("en".into()),
            charset: true,
            title: Some(format!("{name}: services of the Example agency")),
            description: Some(format!(
                "{name} at Example: what we do, how we work and what it costs, explained in plain words."
            )),
            viewport: true,
            canonical: Some(url(path)),
            og: vec!["og:title", "og:description", "og:image", "og:url"],
            twitter: true,
            favicon: true,
            json_ld: if path == "/" {
                r#"{"@context":"https://schema.org","@type":"Organization","name":"Example","url":"https://example.com/"}"#.into()
            } else {
                r#"{"@context":"https://schema.org","@type":"WebPage","name":"page"}"#.into()
            },
            head_extra: String::new(),
            h1: Some(format!("{name} overview")),
            words: words(&stem, 260),
            links: links
                .iter()
                .map(|l| (url(l), format!("Read {l}"), ""))
                .collect(),
            images: vec![
                "<img src=\"/logo.png\" alt=\"Example logo\" width=\"120\" height=\"40\">".into(),
            ],
            body_extra: String::new(),
        }),
    }
}

/// A fixture site and what the crawl saw besides pages.
#[derive(Clone)]
struct Fx {
    pages: Vec<Spec>,
    sitemap_urls: Vec<String>,
    sitemaps: Vec<SiteFile>,
    robots: SiteFile,
    robots_facts: RobotsFacts,
    robots_invalid_lines: usize,
    llms: SiteFile,
    blocked: Vec<String>,
    probes: Probes,
    resources: Vec<Resource>,
    start: String,
}

fn found(path: &str) -> SiteFile {
    SiteFile {
        url: url(path),
        status: Some(200),
        bytes: 500,
        entries: 4,
    }
}

fn resource(path: &str, kind: &'static str, status: u16, bytes: u64, ctype: &str) -> Resource {
    Resource {
        url: url(path),
        kind,
        status: Some(status),
        redirected: false,
        bytes: Some(bytes),
        content_type: Some(ctype.into()),
    }
}

fn probe(path: &str, status: u16, location: Option<&str>) -> Probe {
    Probe {
        url: path.into(),
        status: Some(status),
        location: location.map(str::to_string),
    }
}

fn clean() -> Fx {
    let pages = vec![
        clean_page("/", "Home", &["/about", "/services", "/blog"]),
        clean_page("/about", "About", &["/", "/services"]),
        clean_page("/services", "Services", &["/", "/blog"]),
        clean_page("/blog", "Blog", &["/", "/about"]),
    ];
    Fx {
        sitemap_urls: pages.iter().map(|p| url(&p.path)).collect(),
        pages,
        sitemaps: vec![found("/sitemap.xml")],
        robots: found("/robots.txt"),
        robots_facts: RobotsFacts {
            sitemaps: vec![url("/sitemap.xml")],
            host: None,
            clean_params: 0,
        },
        robots_invalid_lines: 0,
        llms: found("/llms.txt"),
        blocked: Vec::new(),
        probes: Probes {
            http: Some(probe(
                "http://example.com/",
                301,
                Some("https://example.com/"),
            )),
            alternate_host: Some(probe(
                "https://www.example.com/",
                301,
                Some("https://example.com/"),
            )),
            missing_page: Some(probe("https://example.com/x", 404, None)),
        },
        resources: vec![resource("/logo.png", "image", 200, 4_000, "image/png")],
        start: url("/"),
    }
}

impl Fx {
    fn page(&mut self, path: &str) -> &mut Spec {
        self.pages
            .iter_mut()
            .find(|p| p.path == path)
            .expect("fixture page")
    }

    fn html(&mut self, path: &str) -> &mut Html {
        self.page(path).html.as_mut().expect("an HTML page")
    }

    /// Adds `spec` and a link to it from the home page.
    fn add_linked(&mut self, spec: Spec) {
        let to = url(&spec.path);
        self.html("/").links.push((to, "More".into(), ""));
        self.pages.push(spec);
    }

    fn build(&self) -> CrawlReport {
        let pages = self
            .pages
            .iter()
            .map(|s| {
                let final_url = url(s.final_path.as_deref().unwrap_or(&s.path));
                let body = s.html.as_ref().map(Html::render);
                let facts = body.as_ref().filter(|_| s.redirects.is_empty()).map(|b| {
                    let mut f =
                        seo_crawler::html::extract(b, &url::Url::parse(&final_url).unwrap());
                    f.html_bytes += s.pad_bytes;
                    f
                });
                Page {
                    url: url(&s.path),
                    final_url,
                    status: s.status,
                    redirects: s
                        .redirects
                        .iter()
                        .map(|(u, st)| Hop {
                            url: url(u),
                            status: *st,
                        })
                        .collect(),
                    headers: s.headers.clone(),
                    bytes: body.as_ref().map_or(0, String::len) + s.pad_bytes,
                    truncated: s.truncated,
                    ttfb_ms: s.ttfb_ms,
                    total_ms: s.ttfb_ms + 10.0,
                    depth: s.depth,
                    error: s.error.clone(),
                    facts,
                }
            })
            .collect();
        CrawlReport {
            requested_url: self.start.clone(),
            start_url: self.start.clone(),
            host: url::Url::parse(&self.start)
                .unwrap()
                .host_str()
                .unwrap()
                .to_string(),
            pages,
            robots_txt: self.robots.clone(),
            robots_invalid_lines: self.robots_invalid_lines,
            sitemaps: self.sitemaps.clone(),
            sitemap_urls: self.sitemap_urls.clone(),
            llms_txt: self.llms.clone(),
            blocked_by_robots: self.blocked.clone(),
            not_crawled: 0,
            elapsed_ms: 100.0,
            robots: self.robots_facts.clone(),
            probes: self.probes.clone(),
            resources: self.resources.clone(),
        }
    }
}

fn config() -> AuditConfig {
    AuditConfig {
        sample_urls: 1000,
        ..AuditConfig::default()
    }
}

/// Check id → its sample URLs (empty for a site-wide issue).
fn audit(fx: &Fx) -> BTreeMap<String, Vec<String>> {
    let out = TechnicalSeoAuditor::new(config()).audit(&fx.build(), None);
    let v = serde_json::to_value(out).unwrap();
    v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["check"].as_str().unwrap().to_string(),
                i["sample_urls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

fn redirect_page(path: &str, to: &str, status: u16) -> Spec {
    let mut s = clean_page(path, "Moved", &[]);
    s.redirects = vec![(path.into(), status)];
    s.final_path = Some(to.into());
    s
}

fn error_page(path: &str, status: u16) -> Spec {
    let mut s = clean_page(path, "Missing", &[]);
    s.status = Some(status);
    s.html = None;
    s
}

fn jsonld(fx: &mut Fx, json: &str) {
    fx.html("/about").json_ld = json.into();
}

fn hreflang(fx: &mut Fx, path: &str, alts: &[(&str, &str)]) {
    let extra: String = alts
        .iter()
        .map(|(code, to)| {
            format!(
                "<link rel=\"alternate\" hreflang=\"{code}\" href=\"{}\">",
                url(to)
            )
        })
        .collect();
    fx.html(path).head_extra.push_str(&extra);
}

/// A valid pair: /about (en) and /services (de) name each other and themselves, x-default.
fn hreflang_pair(fx: &mut Fx) {
    let alts = [
        ("en", "/about"),
        ("de", "/services"),
        ("x-default", "/about"),
    ];
    hreflang(fx, "/about", &alts);
    hreflang(fx, "/services", &alts);
    fx.html("/services").lang = Some("de".into());
}

/// /blog gets /about's heading, text and links (its title and description stay its own).
fn same_body(fx: &mut Fx) {
    let about = fx.html("/about").clone();
    let blog = fx.html("/blog");
    blog.h1 = about.h1;
    blog.words = about.words;
    blog.links = about.links;
}

type Mutate = fn(&mut Fx);

/// (check, positive fixture, page expected in `sample_urls` ("" for site-wide), negative
/// fixture (`None`: the clean site)).
const CASES: &[(&str, Mutate, &str, Option<Mutate>)] = &[
    // Crawlability.
    (
        "http_5xx",
        |f| f.add_linked(error_page("/down", 503)),
        "/down",
        Some(|f| f.add_linked(error_page("/down", 404))),
    ),
    (
        "http_4xx",
        |f| f.add_linked(error_page("/gone", 404)),
        "/gone",
        Some(|f| f.add_linked(error_page("/gone", 500))),
    ),
    (
        "redirect_loop",
        |f| {
            let mut s = error_page("/loop", 0);
            s.status = None;
            s.error = Some("redirect loop back to /loop".into());
            f.add_linked(s)
        },
        "/loop",
        None,
    ),
    (
        "page_timeout",
        |f| {
            let mut s = error_page("/slow", 0);
            s.status = None;
            s.error = Some("timed out".into());
            f.add_linked(s)
        },
        "/slow",
        None,
    ),
    (
        "fetch_error",
        |f| {
            let mut s = error_page("/refused", 0);
            s.status = None;
            s.error = Some("connection failed".into());
            f.add_linked(s)
        },
        "/refused",
        Some(|f| {
            let mut s = error_page("/slow", 0);
            s.status = None;
            s.error = Some("timed out".into());
            f.add_linked(s)
        }),
    ),
    (
        "redirect",
        |f| f.add_linked(redirect_page("/old", "/about", 301)),
        "/old",
        None,
    ),
    (
        "redirect_chain",
        |f| {
            let mut s = redirect_page("/old", "/about", 301);
            s.redirects.push(("/older".into(), 301));
            f.add_linked(s)
        },
        "/old",
        Some(|f| f.add_linked(redirect_page("/old", "/about", 301))),
    ),
    (
        "redirect_temporary",
        |f| f.add_linked(redirect_page("/old", "/about", 302)),
        "/old",
        Some(|f| f.add_linked(redirect_page("/old", "/about", 308))),
    ),
    (
        "redirect_to_http",
        |f| f.add_linked(redirect_page("/old", "http://example.com/about", 301)),
        "/old",
        Some(|f| f.add_linked(redirect_page("/old", "/about", 301))),
    ),
    (
        "truncated_page",
        |f| f.page("/blog").truncated = true,
        "/blog",
        None,
    ),
    (
        "noindex",
        |f| f.html("/blog").head_extra = "<meta name=\"robots\" content=\"noindex\">".into(),
        "/blog",
        Some(|f| {
            f.html("/blog").head_extra = "<meta name=\"robots\" content=\"index, follow\">".into()
        }),
    ),
    (
        "nofollow_page",
        |f| f.html("/blog").head_extra = "<meta name=\"robots\" content=\"nofollow\">".into(),
        "/blog",
        None,
    ),
    (
        "nosnippet",
        |f| f.html("/blog").head_extra = "<meta name=\"robots\" content=\"nosnippet\">".into(),
        "/blog",
        None,
    ),
    (
        "noimageindex",
        |f| f.html("/blog").head_extra = "<meta name=\"robots\" content=\"noimageindex\">".into(),
        "/blog",
        None,
    ),
    (
        "meta_refresh_redirect",
        |f| {
            f.html("/blog").head_extra =
                "<meta http-equiv=\"refresh\" content=\"0; url=/about\">".into()
        },
        "/blog",
        Some(|f| {
            f.html("/blog").head_extra = "<meta http-equiv=\"refresh\" content=\"300\">".into()
        }),
    ),
    (
        "blocked_by_robots",
        |f| f.blocked.push(url("/private")),
        "/private",
        None,
    ),
    (
        "canonical_missing",
        |f| f.html("/blog").canonical = None,
        "/blog",
        None,
    ),
    (
        "canonical_multiple",
        |f| {
            f.html("/blog").head_extra =
                format!("<link rel=\"canonical\" href=\"{}\">", url("/blog"))
        },
        "/blog",
        None,
    ),
    (
        "canonical_relative",
        |f| f.html("/blog").canonical = Some("/blog".into()),
        "/blog",
        None,
    ),
    (
        "canonical_to_error",
        |f| {
            f.add_linked(error_page("/gone", 404));
            f.html("/blog").canonical = Some(url("/gone"))
        },
        "/blog",
        Some(|f| f.html("/blog").canonical = Some(url("/about"))),
    ),
    (
        "canonical_to_redirect",
        |f| {
            f.add_linked(redirect_page("/old", "/about", 301));
            f.html("/blog").canonical = Some(url("/old"))
        },
        "/blog",
        Some(|f| f.html("/blog").canonical = Some(url("/about"))),
    ),
    (
        "canonical_to_noindex",
        |f| {
            f.html("/about").head_extra = "<meta name=\"robots\" content=\"noindex\">".into();
            f.html("/blog").canonical = Some(url("/about"))
        },
        "/blog",
        Some(|f| f.html("/blog").canonical = Some(url("/about"))),
    ),
    (
        "canonical_to_non_canonical",
        |f| {
            f.html("/about").canonical = Some(url("/services"));
            f.html("/blog").canonical = Some(url("/about"))
        },
        "/blog",
        Some(|f| f.html("/blog").canonical = Some(url("/about"))),
    ),
    (
        "canonical_other_host",
        |f| f.html("/blog").canonical = Some("https://other.example.org/blog".into()),
        "/blog",
        None,
    ),
    (
        "canonical_header_mismatch",
        |f| {
            f.page("/blog").headers.insert(
                "link".into(),
                format!("<{}>; rel=\"canonical\"", url("/about")),
            );
        },
        "/blog",
        Some(|f| {
            f.page("/blog").headers.insert(
                "link".into(),
                format!("<{}>; rel=\"canonical\"", url("/blog")),
            );
        }),
    ),
    (
        "duplicate_without_canonical",
        |f| {
            same_body(f);
            f.html("/blog").canonical = None;
            f.html("/about").canonical = None
        },
        "/blog",
        Some(same_body),
    ),
    (
        "sitemap_redirect",
        |f| {
            f.pages.push(redirect_page("/old", "/about", 301));
            f.sitemap_urls.push(url("/old"))
        },
        "/old",
        None,
    ),
    (
        "sitemap_error",
        |f| {
            f.pages.push(error_page("/gone", 404));
            f.sitemap_urls.push(url("/gone"))
        },
        "/gone",
        None,
    ),
    (
        "sitemap_noindex",
        |f| f.html("/blog").head_extra = "<meta name=\"robots\" content=\"noindex\">".into(),
        "/blog",
        None,
    ),
    (
        "sitemap_non_canonical",
        |f| f.html("/blog").canonical = Some(url("/about")),
        "/blog",
        None,
    ),
    (
        "sitemap_blocked",
        |f| {
            f.blocked.push(url("/private"));
            f.sitemap_urls.push(url("/private"))
        },
        "/private",
        Some(|f| f.blocked.push(url("/private"))),
    ),
    (
        "orphan_page",
        |f| {
            f.pages.push(clean_page("/lonely", "Lonely", &["/"]));
            f.sitemap_urls.push(url("/lonely"))
        },
        "/lonely",
        None,
    ),
    (
        "nofollow_inlinks_only",
        |f| {
            f.pages.push(clean_page("/terms", "Terms", &["/"]));
            f.html("/")
                .links
                .push((url("/terms"), "Terms".into(), "nofollow"))
        },
        "/terms",
        None,
    ),
    (
        "mixed_follow_inlinks",
        |f| {
            f.html("/services")
                .links
                .push((url("/blog"), "Blog".into(), "nofollow"))
        },
        "/blog",
        None,
    ),
    (
        "click_depth",
        |f| f.page("/blog").depth = 5,
        "/blog",
        Some(|f| f.page("/blog").depth = 4),
    ),
    (
        "url_uppercase",
        |f| f.add_linked(clean_page("/About-Us", "Aboutus", &["/"])),
        "/About-Us",
        None,
    ),
    (
        "url_underscore",
        |f| f.add_linked(clean_page("/about_us", "Aboutus", &["/"])),
        "/about_us",
        None,
    ),
    (
        "url_space",
        |f| f.add_linked(clean_page("/about%20us", "Aboutus", &["/"])),
        "/about%20us",
        None,
    ),
    (
        "url_double_slash",
        |f| f.add_linked(clean_page("/blog//post", "Post", &["/"])),
        "/blog//post",
        None,
    ),
    (
        "url_too_long",
        |f| {
            let p = format!("/{}", "a".repeat(100));
            f.add_linked(clean_page(&p, "Long", &["/"]))
        },
        "/aaaa",
        Some(|f| {
            let p = format!("/{}", "a".repeat(90));
            f.add_linked(clean_page(&p, "Long", &["/"]))
        }),
    ),
    (
        "url_too_many_params",
        |f| f.add_linked(clean_page("/list?a=1&b=2&c=3&d=4", "List", &["/"])),
        "/list?a=1&b=2&c=3&d=4",
        Some(|f| f.add_linked(clean_page("/list?a=1&b=2&c=3", "List", &["/"]))),
    ),
    (
        "url_non_ascii",
        |f| f.add_linked(clean_page("/%D0%BE-%D0%BD%D0%B0%D1%81", "Onas", &["/"])),
        "/%D0%BE",
        Some(|f| f.add_linked(clean_page("/o-nas", "Onas", &["/"]))),
    ),
    // Metadata.
    (
        "title_missing",
        |f| f.html("/blog").title = None,
        "/blog",
        None,
    ),
    (
        "title_multiple",
        |f| f.html("/blog").head_extra = "<title>Another</title>".into(),
        "/blog",
        None,
    ),
    (
        "title_too_short",
        |f| f.html("/blog").title = Some("Blog".into()),
        "/blog",
        Some(|f| f.html("/blog").title = Some("Blog posts".into())),
    ),
    (
        "title_too_long",
        |f| f.html("/blog").title = Some("Б".repeat(71)),
        "/blog",
        Some(|f| {
            f.html("/blog").title = Some("Блог агентства: статьи о поисковой оптимизации".into())
        }),
    ),
    (
        "title_duplicate",
        |f| {
            let t = f.html("/about").title.clone();
            f.html("/blog").title = t
        },
        "/blog",
        None,
    ),
    (
        "title_same_as_h1",
        |f| f.html("/blog").h1 = Some("Blog: services of the Example agency".into()),
        "/blog",
        None,
    ),
    (
        "description_missing",
        |f| f.html("/blog").description = None,
        "/blog",
        None,
    ),
    (
        "description_multiple",
        |f| {
            f.html("/blog").head_extra = "<meta name=\"description\" content=\"Second description of the blog page, also long enough to pass.\">".into()
        },
        "/blog",
        None,
    ),
    (
        "description_too_short",
        |f| f.html("/blog").description = Some("Our blog.".into()),
        "/blog",
        Some(|f| f.html("/blog").description = Some("Д".repeat(50))),
    ),
    (
        "description_too_long",
        |f| f.html("/blog").description = Some("Д".repeat(161)),
        "/blog",
        Some(|f| f.html("/blog").description = Some("Д".repeat(160))),
    ),
    (
        "description_duplicate",
        |f| {
            let d = f.html("/about").description.clone();
            f.html("/blog").description = d
        },
        "/blog",
        None,
    ),
    (
        "meta_keywords",
        |f| f.html("/blog").head_extra = "<meta name=\"keywords\" content=\"seo\">".into(),
        "/blog",
        None,
    ),
    (
        "viewport_missing",
        |f| f.html("/blog").viewport = false,
        "/blog",
        None,
    ),
    (
        "lang_missing",
        |f| f.html("/blog").lang = None,
        "/blog",
        None,
    ),
    (
        "lang_invalid",
        |f| f.html("/blog").lang = Some("english".into()),
        "/blog",
        Some(|f| f.html("/blog").lang = Some("en-GB".into())),
    ),
    (
        "charset_missing",
        |f| {
            f.html("/blog").charset = false;
            f.page("/blog")
                .headers
                .insert("content-type".into(), "text/html".into());
        },
        "/blog",
        Some(|f| f.html("/blog").charset = false),
    ),
    (
        "doctype_missing",
        |f| f.html("/blog").doctype = false,
        "/blog",
        None,
    ),
    (
        "meta_in_body",
        |f| f.html("/blog").body_extra = "<meta name=\"robots\" content=\"index\">".into(),
        "/blog",
        None,
    ),
    (
        "hreflang_invalid_code",
        |f| {
            hreflang_pair(f);
            hreflang(f, "/about", &[("english", "/blog")])
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_relative",
        |f| {
            hreflang_pair(f);
            f.html("/about")
                .head_extra
                .push_str("<link rel=\"alternate\" hreflang=\"fr\" href=\"/blog\">")
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_x_default_missing",
        |f| {
            let alts = [("en", "/about"), ("de", "/services")];
            hreflang(f, "/about", &alts);
            hreflang(f, "/services", &alts);
            f.html("/services").lang = Some("de".into())
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_self_missing",
        |f| {
            hreflang(
                f,
                "/about",
                &[("de", "/services"), ("x-default", "/services")],
            )
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_lang_mismatch",
        |f| {
            hreflang_pair(f);
            f.html("/services").lang = Some("fr".into())
        },
        "/services",
        Some(hreflang_pair),
    ),
    (
        "hreflang_return_missing",
        |f| {
            hreflang(
                f,
                "/about",
                &[
                    ("en", "/about"),
                    ("de", "/services"),
                    ("x-default", "/about"),
                ],
            );
            f.html("/services").lang = Some("de".into())
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_to_error",
        |f| {
            hreflang_pair(f);
            f.add_linked(error_page("/fr", 404));
            hreflang(f, "/about", &[("fr", "/fr")])
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_to_redirect",
        |f| {
            hreflang_pair(f);
            f.add_linked(redirect_page("/fr", "/blog", 301));
            hreflang(f, "/about", &[("fr", "/fr")])
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_to_noindex",
        |f| {
            hreflang_pair(f);
            f.html("/services")
                .head_extra
                .push_str("<meta name=\"robots\" content=\"noindex\">")
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_to_non_canonical",
        |f| {
            hreflang_pair(f);
            f.html("/services").canonical = Some(url("/blog"))
        },
        "/about",
        Some(hreflang_pair),
    ),
    (
        "hreflang_conflicting_codes",
        |f| {
            hreflang_pair(f);
            hreflang(f, "/blog", &[("fr", "/services")])
        },
        "/services",
        Some(hreflang_pair),
    ),
    (
        "open_graph_missing",
        |f| f.html("/blog").og.clear(),
        "/blog",
        None,
    ),
    (
        "open_graph_incomplete",
        |f| f.html("/blog").og = vec!["og:title"],
        "/blog",
        None,
    ),
    (
        "twitter_card_missing",
        |f| f.html("/blog").twitter = false,
        "/blog",
        None,
    ),
    // Content.
    ("duplicate_content", same_body, "/blog", None),
    // The same body under another heading: nearly, not exactly, the same text.
    (
        "near_duplicate",
        |f| {
            let w = f.html("/about").words.clone();
            f.html("/blog").words = w;
        },
        "/blog",
        Some(same_body),
    ),
    ("h1_missing", |f| f.html("/blog").h1 = None, "/blog", None),
    (
        "h1_empty",
        |f| f.html("/blog").h1 = Some(String::new()),
        "/blog",
        None,
    ),
    (
        "h1_multiple",
        |f| f.html("/blog").body_extra = "<h1>Again</h1>".into(),
        "/blog",
        None,
    ),
    (
        "h1_too_long",
        |f| f.html("/blog").h1 = Some("Ш".repeat(71)),
        "/blog",
        Some(|f| f.html("/blog").h1 = Some("Ш".repeat(70))),
    ),
    (
        "h1_duplicate",
        |f| {
            let h = f.html("/about").h1.clone();
            f.html("/blog").h1 = h
        },
        "/blog",
        None,
    ),
    (
        "heading_order",
        |f| f.html("/blog").body_extra = "<h3>Skipped a level</h3>".into(),
        "/blog",
        Some(|f| f.html("/blog").body_extra = "<h2>Section</h2><h3>Sub</h3>".into()),
    ),
    (
        "heading_empty",
        |f| f.html("/blog").body_extra = "<h2></h2>".into(),
        "/blog",
        None,
    ),
    (
        "thin_content",
        |f| f.html("/blog").words = words("blog", 150),
        "/blog",
        Some(|f| f.html("/blog").words = words("blog", 200)),
    ),
    (
        "low_text_ratio",
        |f| f.page("/blog").pad_bytes = 100_000,
        "/blog",
        None,
    ),
    (
        "placeholder_text",
        |f| {
            f.html("/blog")
                .words
                .push_str(" Lorem ipsum dolor sit amet")
        },
        "/blog",
        None,
    ),
    (
        "soft_404",
        |f| f.html("/blog").h1 = Some("Page not found".into()),
        "/blog",
        None,
    ),
    (
        "deprecated_html",
        |f| f.html("/blog").body_extra = "<center>old</center>".into(),
        "/blog",
        None,
    ),
    (
        "duplicate_id",
        |f| f.html("/blog").body_extra = "<div id=\"x\"></div><div id=\"x\"></div>".into(),
        "/blog",
        None,
    ),
    (
        "image_alt_missing",
        |f| {
            f.html("/blog").images = vec!["<img src=\"/logo.png\" width=\"1\" height=\"1\">".into()]
        },
        "/blog",
        Some(|f| {
            f.html("/blog").images =
                vec!["<img src=\"/logo.png\" alt=\"\" width=\"1\" height=\"1\">".into()]
        }),
    ),
    (
        "image_alt_too_long",
        |f| {
            f.html("/blog").images = vec![format!(
                "<img src=\"/logo.png\" alt=\"{}\" width=\"1\" height=\"1\">",
                "а".repeat(101)
            )]
        },
        "/blog",
        Some(|f| {
            f.html("/blog").images = vec![format!(
                "<img src=\"/logo.png\" alt=\"{}\" width=\"1\" height=\"1\">",
                "а".repeat(100)
            )]
        }),
    ),
    (
        "image_dimensions_missing",
        |f| f.html("/blog").images = vec!["<img src=\"/logo.png\" alt=\"logo\">".into()],
        "/blog",
        None,
    ),
    (
        "image_src_missing",
        |f| {
            f.html("/blog")
                .images
                .push("<img alt=\"nothing\" width=\"1\" height=\"1\">".into())
        },
        "/blog",
        None,
    ),
    (
        "picture_without_img",
        |f| f.html("/blog").body_extra = "<picture><source srcset=\"/a.webp\"></picture>".into(),
        "/blog",
        Some(|f| {
            f.html("/blog").body_extra = "<picture><source srcset=\"/a.webp\"><img src=\"/logo.png\" alt=\"a\" width=\"1\" height=\"1\"></picture>".into()
        }),
    ),
    (
        "image_broken",
        |f| {
            f.html("/blog")
                .images
                .push("<img src=\"/gone.png\" alt=\"x\" width=\"1\" height=\"1\">".into());
            f.resources
                .push(resource("/gone.png", "image", 404, 0, "text/html"))
        },
        "/blog",
        None,
    ),
    (
        "image_redirect",
        |f| {
            f.html("/blog")
                .images
                .push("<img src=\"/moved.png\" alt=\"x\" width=\"1\" height=\"1\">".into());
            let mut r = resource("/moved.png", "image", 200, 10, "image/png");
            r.redirected = true;
            f.resources.push(r)
        },
        "/blog",
        None,
    ),
    (
        "image_too_large",
        |f| {
            f.html("/blog")
                .images
                .push("<img src=\"/big.jpg\" alt=\"x\" width=\"1\" height=\"1\">".into());
            f.resources
                .push(resource("/big.jpg", "image", 200, 500_001, "image/jpeg"))
        },
        "/blog",
        Some(|f| {
            f.html("/blog")
                .images
                .push("<img src=\"/big.jpg\" alt=\"x\" width=\"1\" height=\"1\">".into());
            f.resources
                .push(resource("/big.jpg", "image", 200, 500_000, "image/jpeg"))
        }),
    ),
    (
        "image_wrong_type",
        |f| {
            f.html("/blog")
                .images
                .push("<img src=\"/pic.png\" alt=\"x\" width=\"1\" height=\"1\">".into());
            f.resources
                .push(resource("/pic.png", "image", 200, 10, "text/html"))
        },
        "/blog",
        None,
    ),
    // Performance.
    (
        "slow_ttfb",
        |f| f.page("/blog").ttfb_ms = 801.0,
        "/blog",
        Some(|f| f.page("/blog").ttfb_ms = 800.0),
    ),
    (
        "heavy_page",
        |f| {
            f.page("/blog").pad_bytes = 3 * 1024 * 1024;
            f.page("/blog")
                .headers
                .insert("content-encoding".into(), "gzip".into());
        },
        "/blog",
        None,
    ),
    (
        "no_compression",
        |f| f.page("/blog").pad_bytes = 20 * 1024,
        "/blog",
        Some(|f| {
            f.page("/blog").pad_bytes = 20 * 1024;
            f.page("/blog")
                .headers
                .insert("content-encoding".into(), "br".into());
        }),
    ),
    (
        "dom_too_large",
        |f| f.html("/blog").body_extra = "<span></span>".repeat(1600),
        "/blog",
        Some(|f| f.html("/blog").body_extra = "<span></span>".repeat(1400)),
    ),
    (
        "script_broken",
        |f| {
            f.html("/blog").body_extra = "<script src=\"/app.js\"></script>".into();
            f.resources
                .push(resource("/app.js", "script", 404, 0, "text/html"))
        },
        "/blog",
        Some(|f| {
            f.html("/blog").body_extra = "<script src=\"/app.js\"></script>".into();
            f.resources
                .push(resource("/app.js", "script", 200, 10, "text/javascript"))
        }),
    ),
    (
        "stylesheet_broken",
        |f| {
            f.html("/blog").head_extra = "<link rel=\"stylesheet\" href=\"/app.css\">".into();
            f.resources
                .push(resource("/app.css", "stylesheet", 500, 0, "text/html"))
        },
        "/blog",
        None,
    ),
    (
        "resource_redirect",
        |f| {
            f.html("/blog").head_extra = "<link rel=\"stylesheet\" href=\"/app.css\">".into();
            let mut r = resource("/app.css", "stylesheet", 200, 10, "text/css");
            r.redirected = true;
            f.resources.push(r)
        },
        "/blog",
        None,
    ),
    // Structured data.
    (
        "json_ld_invalid",
        |f| jsonld(f, "{\"@type\": \"WebPage\","),
        "/about",
        None,
    ),
    (
        "schema_organization_incomplete",
        |f| jsonld(f, r#"{"@type":"Organization","name":"Example"}"#),
        "/about",
        Some(|f| {
            jsonld(
                f,
                r#"{"@type":"Organization","name":"Example","url":"https://example.com/"}"#,
            )
        }),
    ),
    (
        "schema_localbusiness_incomplete",
        |f| jsonld(f, r#"{"@type":"LocalBusiness","name":"Example"}"#),
        "/about",
        Some(|f| {
            jsonld(
                f,
                r#"{"@type":"LocalBusiness","name":"Example","address":"Main St 1"}"#,
            )
        }),
    ),
    (
        "schema_product_incomplete",
        |f| jsonld(f, r#"{"@type":"Product","name":"Audit"}"#),
        "/about",
        Some(|f| {
            jsonld(
                f,
                r#"{"@type":"Product","name":"Audit","aggregateRating":{"ratingValue":5}}"#,
            )
        }),
    ),
    (
        "schema_article_incomplete",
        |f| jsonld(f, r#"{"@type":"Article","headline":"News"}"#),
        "/about",
        Some(|f| {
            jsonld(
                f,
                r#"{"@type":"Article","headline":"News","author":"A","datePublished":"2026-01-01"}"#,
            )
        }),
    ),
    (
        "schema_breadcrumblist_incomplete",
        |f| jsonld(f, r#"{"@type":"BreadcrumbList"}"#),
        "/about",
        Some(|f| jsonld(f, r#"{"@type":"BreadcrumbList","itemListElement":[]}"#)),
    ),
    (
        "schema_faqpage_incomplete",
        |f| jsonld(f, r#"{"@graph":[{"@type":"FAQPage","name":"FAQ"}]}"#),
        "/about",
        Some(|f| jsonld(f, r#"{"@graph":[{"@type":"FAQPage","mainEntity":[]}]}"#)),
    ),
    // Links.
    (
        "broken_internal_link",
        |f| {
            f.pages.push(error_page("/gone", 404));
            f.html("/blog")
                .links
                .push((url("/gone"), "Gone".into(), ""))
        },
        "/blog",
        None,
    ),
    (
        "link_to_redirect",
        |f| {
            f.pages.push(redirect_page("/old", "/about", 301));
            f.html("/blog").links.push((url("/old"), "Old".into(), ""))
        },
        "/blog",
        None,
    ),
    (
        "too_many_links",
        |f| {
            for i in 0..301 {
                f.html("/blog")
                    .links
                    .push((url(&format!("/blog#{i}")), "x".into(), ""))
            }
        },
        "/blog",
        Some(|f| {
            for i in 0..290 {
                f.html("/blog")
                    .links
                    .push((url(&format!("/blog#{i}")), "x".into(), ""))
            }
        }),
    ),
    (
        "internal_nofollow",
        |f| {
            f.html("/blog")
                .links
                .push((url("/about"), "About".into(), "nofollow"))
        },
        "/blog",
        Some(|f| {
            f.html("/blog").links.push((
                "https://ads.example.net/".into(),
                "Ad".into(),
                "nofollow sponsored",
            ))
        }),
    ),
    (
        "external_followed",
        |f| {
            f.html("/blog").links.push((
                "https://partner.example.net/".into(),
                "Partner".into(),
                "",
            ))
        },
        "/blog",
        Some(|f| {
            f.html("/blog").links.push((
                "https://partner.example.net/".into(),
                "Partner".into(),
                "nofollow",
            ))
        }),
    ),
    (
        "links_to_http",
        |f| {
            f.html("/blog")
                .links
                .push(("http://example.com/about".into(), "About".into(), ""))
        },
        "/blog",
        None,
    ),
    (
        "localhost_links",
        |f| {
            f.html("/blog")
                .links
                .push(("http://localhost:3000/admin".into(), "Admin".into(), ""))
        },
        "/blog",
        None,
    ),
    (
        "empty_anchor_text",
        |f| {
            f.html("/blog")
                .links
                .push((url("/about"), String::new(), ""))
        },
        "/blog",
        Some(|f| {
            f.html("/blog").body_extra = format!(
                "<a href=\"{}\"><img src=\"/logo.png\" alt=\"About us\" width=\"1\" height=\"1\"></a>",
                url("/about")
            )
        }),
    ),
    ("dead_end", |f| f.html("/blog").links.clear(), "/blog", None),
    (
        "pagination_not_linked",
        |f| {
            f.html("/blog").head_extra =
                format!("<link rel=\"next\" href=\"{}\">", url("/blog?page=2"))
        },
        "/blog",
        Some(|f| {
            f.html("/blog").head_extra = format!("<link rel=\"next\" href=\"{}\">", url("/about"));
        }),
    ),
    (
        "external_link_broken",
        |f| {
            f.html("/blog").links.push((
                "https://gone.example.net/".into(),
                "Gone".into(),
                "nofollow",
            ));
            f.resources.push(resource(
                "https://gone.example.net/",
                "external_link",
                404,
                0,
                "text/html",
            ))
        },
        "/blog",
        None,
    ),
    (
        "external_link_redirect",
        |f| {
            f.html("/blog").links.push((
                "https://moved.example.net/".into(),
                "Moved".into(),
                "nofollow",
            ));
            let mut r = resource(
                "https://moved.example.net/",
                "external_link",
                200,
                0,
                "text/html",
            );
            r.redirected = true;
            f.resources.push(r)
        },
        "/blog",
        None,
    ),
    // Site and security.
    (
        "no_https",
        |f| {
            f.start = "http://example.com/".into();
            f.probes.http = None
        },
        "",
        None,
    ),
    (
        "http_not_redirected",
        |f| f.probes.http = Some(probe("http://example.com/", 200, None)),
        "",
        Some(|f| {
            f.probes.http = Some(probe(
                "http://example.com/",
                301,
                Some("https://example.com/"),
            ))
        }),
    ),
    (
        "www_and_non_www",
        |f| f.probes.alternate_host = Some(probe("https://www.example.com/", 200, None)),
        "",
        None,
    ),
    (
        "missing_page_answers_200",
        |f| f.probes.missing_page = Some(probe("https://example.com/x", 200, None)),
        "",
        None,
    ),
    (
        "hsts_missing",
        |f| {
            f.page("/blog").headers.remove("strict-transport-security");
        },
        "/blog",
        None,
    ),
    (
        "csp_missing",
        |f| {
            f.page("/blog").headers.remove("content-security-policy");
        },
        "/blog",
        None,
    ),
    (
        "nosniff_missing",
        |f| {
            f.page("/blog").headers.remove("x-content-type-options");
        },
        "/blog",
        None,
    ),
    (
        "insecure_form",
        |f| f.html("/blog").body_extra = "<form action=\"http://example.com/send\"></form>".into(),
        "/blog",
        Some(|f| f.html("/blog").body_extra = "<form action=\"/send\"></form>".into()),
    ),
    (
        "form_on_http",
        |f| {
            let mut s = clean_page("/contact", "Contact", &["/"]);
            s.path = "http://example.com/contact".into();
            s.html.as_mut().unwrap().body_extra = "<form action=\"/send\"></form>".into();
            f.add_linked(s)
        },
        "http://example.com/contact",
        None,
    ),
    (
        "mixed_content",
        |f| {
            f.html("/blog").images.push(
                "<img src=\"http://cdn.example.com/a.png\" alt=\"a\" width=\"1\" height=\"1\">"
                    .into(),
            )
        },
        "/blog",
        None,
    ),
    (
        "http_page",
        |f| {
            let s = {
                let mut s = clean_page("/legacy", "Legacy", &["/"]);
                s.path = "http://example.com/legacy".into();
                s
            };
            f.add_linked(s)
        },
        "http://example.com/legacy",
        None,
    ),
    (
        "structured_data_missing",
        |f| {
            for p in &mut f.pages {
                if let Some(h) = p.html.as_mut() {
                    h.json_ld.clear()
                }
            }
        },
        "",
        Some(|f| f.html("/blog").json_ld.clear()),
    ),
    (
        "favicon_missing",
        |f| {
            for p in &mut f.pages {
                if let Some(h) = p.html.as_mut() {
                    h.favicon = false
                }
            }
        },
        "",
        Some(|f| f.html("/blog").favicon = false),
    ),
    (
        "robots_txt_missing",
        |f| f.robots.status = Some(404),
        "",
        None,
    ),
    (
        "robots_txt_invalid",
        |f| f.robots_invalid_lines = 2,
        "",
        None,
    ),
    (
        "sitemap_missing",
        |f| {
            f.sitemaps = vec![SiteFile {
                url: url("/sitemap.xml"),
                status: Some(404),
                bytes: 0,
                entries: 0,
            }]
        },
        "",
        None,
    ),
    (
        "sitemap_not_in_robots",
        |f| f.robots_facts.sitemaps.clear(),
        "",
        None,
    ),
    (
        "sitemap_too_large",
        |f| f.sitemaps[0].entries = 50_001,
        "",
        Some(|f| f.sitemaps[0].entries = 50_000),
    ),
    ("llms_txt_missing", |f| f.llms.status = Some(404), "", None),
    (
        "robots_host_directive",
        |f| f.robots_facts.host = Some("example.com".into()),
        "",
        None,
    ),
    (
        "clean_param_missing",
        |f| {
            for p in &mut f.pages {
                if let Some(h) = p.html.as_mut() {
                    h.lang = Some("ru".into());
                    h.head_extra
                        .push_str("<meta name=\"yandex-verification\" content=\"1\">")
                }
            }
            f.add_linked(clean_page("/promo?utm_source=mail", "Promo", &["/"]));
            f.html("/promo?utm_source=mail").lang = Some("ru".into())
        },
        "",
        Some(|f| f.add_linked(clean_page("/promo?utm_source=mail", "Promo", &["/"]))),
    ),
    (
        "yandex_verification_missing",
        |f| {
            for p in &mut f.pages {
                if let Some(h) = p.html.as_mut() {
                    h.lang = Some("ru".into())
                }
            }
        },
        "",
        Some(|f| {
            for p in &mut f.pages {
                if let Some(h) = p.html.as_mut() {
                    h.lang = Some("ru".into());
                    h.head_extra
                        .push_str("<meta name=\"yandex-verification\" content=\"1\">")
                }
            }
        }),
    ),
];

#[test]
fn the_clean_fixture_site_yields_no_issue() {
    let found = audit(&clean());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_check_has_a_positive_and_a_negative_fixture() {
    let ids: BTreeSet<&str> = catalogue().iter().map(|c| c.id).collect();
    let cased: BTreeSet<&str> = CASES.iter().map(|c| c.0).collect();
    assert_eq!(CASES.len(), cased.len(), "a check has two rows");
    let missing: Vec<_> = ids.difference(&cased).collect();
    let unknown: Vec<_> = cased.difference(&ids).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "missing {missing:?}, unknown {unknown:?}"
    );
    assert!(ids.len() >= 120, "{} checks", ids.len());
}

#[test]
fn each_planted_defect_is_reported_with_its_check_and_page() {
    let mut failures = Vec::new();
    for (id, plant, page, near_miss) in CASES {
        let mut fx = clean();
        plant(&mut fx);
        let found = audit(&fx);
        match found.get(*id) {
            None => failures.push(format!(
                "{id}: not reported; found {:?}",
                found.keys().collect::<Vec<_>>()
            )),
            Some(samples)
                if !page.is_empty() && !samples.iter().any(|u| u.starts_with(&url(page))) =>
            {
                failures.push(format!("{id}: {page} not in {samples:?}"))
            }
            Some(samples) if page.is_empty() && !samples.is_empty() => {
                failures.push(format!("{id}: site-wide expected, got {samples:?}"))
            }
            Some(_) => {}
        }
        let mut fx = clean();
        if let Some(neg) = near_miss {
            neg(&mut fx);
        }
        if let Some(samples) = audit(&fx).get(*id) {
            failures.push(format!(
                "{id}: reported on its negative fixture: {samples:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_campaign_override_switches_a_check_off_and_regrades_another() {
    use seo_agents::auditor::AuditOverrides;
    let mut fx = clean();
    fx.html("/blog").title = None;
    fx.page("/blog").headers.remove("content-security-policy");
    let base = config();
    let o = AuditOverrides::parse(
        &serde_json::json!({"disabled": ["csp_missing"], "severity": {"title_missing": "notice"}}),
        &base,
    )
    .unwrap();
    let cfg = base.with_overrides(&o).unwrap();
    let out =
        serde_json::to_value(TechnicalSeoAuditor::audit_with(&cfg, &fx.build(), None)).unwrap();
    let issues = out["issues"].as_array().unwrap();
    assert!(issues.iter().all(|i| i["check"] != "csp_missing"));
    let title = issues
        .iter()
        .find(|i| i["check"] == "title_missing")
        .unwrap();
    assert_eq!(title["severity"], "notice");
    // A notice does not lower health: every page is free of error-severity issues.
    assert_eq!(out["health_score"], 100.0);
    let plain =
        serde_json::to_value(TechnicalSeoAuditor::new(config()).audit(&fx.build(), None)).unwrap();
    // 4 HTML pages, one with an error (title_missing): 75 %, "good".
    assert_eq!(plain["health_score"], 75.0);
    assert_eq!(plain["health_band"], "good");
    assert!(
        plain["health"]["rule"]
            .as_str()
            .unwrap()
            .contains("error-severity")
    );
}

#[test]
fn a_redirect_source_is_not_a_page_and_not_a_duplicate_of_its_target() {
    let mut fx = clean();
    fx.add_linked(redirect_page("/old-about", "/about", 301));
    let out =
        serde_json::to_value(TechnicalSeoAuditor::new(config()).audit(&fx.build(), None)).unwrap();
    let checks: Vec<&str> = out["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap())
        .collect();
    assert!(!checks.contains(&"duplicate_content"), "{checks:?}");
    assert!(!checks.contains(&"title_duplicate"), "{checks:?}");
    assert_eq!(
        out["health"]["html_pages"], 4,
        "the redirect is not counted"
    );
    let snapshot: &Value = &out["snapshot"];
    let old = snapshot["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"] == url("/old-about"))
        .unwrap();
    assert_eq!(old["redirect"], true);
    assert_eq!(old["final_url"], url("/about"));
}
