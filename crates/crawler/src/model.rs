//! What a crawl is told (its configuration) and what it reports: pages, site files, probes,
//! checked resources.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::html::PageFacts;

/// Crawl limits and manners.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CrawlConfig {
    /// Most pages fetched (robots.txt, sitemaps and llms.txt not counted).
    pub max_pages: usize,
    /// Deepest link distance from the start page.
    pub max_depth: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Least time between two requests to the host (robots.txt `Crawl-delay` wins, up to
    /// `max_crawl_delay_ms`).
    pub per_host_delay_ms: u64,
    /// Longest `Crawl-delay` honoured.
    pub max_crawl_delay_ms: u64,
    /// Links kept per page (the rest are counted, not stored).
    pub max_links_per_page: usize,
    /// Images kept per page (the rest are counted, not stored).
    pub max_images_per_page: usize,
    /// Sitemap files fetched (sitemap indexes included).
    pub max_sitemaps: usize,
    /// Time allowed for one request, body included.
    pub timeout_ms: u64,
    /// Bytes read of one body; the rest is dropped and the page marked truncated.
    pub max_body_bytes: usize,
    /// Redirects followed for one URL.
    pub max_redirects: usize,
    /// Sent as `User-Agent`; its first word is matched against robots.txt groups.
    pub user_agent: String,
    /// Allow private, loopback and link-local addresses (tests; never on a public server).
    pub allow_private: bool,
    /// Sub-resources (images, scripts, style sheets) checked with a HEAD request per crawl.
    pub max_resource_checks: usize,
    /// External links checked with a HEAD request per crawl (0: off).
    pub max_external_link_checks: usize,
    /// Probe the other scheme (http → https), the other host variant (www / non-www) and
    /// a URL that cannot exist (soft 404): three requests per crawl.
    pub probe_variants: bool,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            max_pages: 100,
            max_depth: 5,
            concurrency: 8,
            per_host_delay_ms: 0,
            max_crawl_delay_ms: 5_000,
            max_links_per_page: 1_000,
            max_images_per_page: 500,
            max_sitemaps: 10,
            timeout_ms: 10_000,
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 10,
            user_agent: "SEOArchitectsBot/0.1".into(),
            allow_private: false,
            max_resource_checks: 100,
            max_external_link_checks: 0,
            probe_variants: true,
        }
    }
}

/// The response headers a crawl keeps (what the audit reads); the others are dropped so a
/// 10,000-page crawl does not hold every `Date` and `Set-Cookie`.
pub const KEPT_HEADERS: [&str; 12] = [
    "content-type",
    "content-encoding",
    "content-length",
    "content-security-policy",
    "link",
    "location",
    "strict-transport-security",
    "x-content-type-options",
    "x-robots-tag",
    "x-frame-options",
    "referrer-policy",
    "cache-control",
];

/// One redirect hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// Its 3xx status.
    pub status: u16,
}

/// One fetched URL.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The URL as discovered.
    pub url: String,
    /// Where the redirects ended.
    pub final_url: String,
    /// Final status; `None` when no response came (see `error`).
    pub status: Option<u16>,
    /// Redirect hops before the final response.
    pub redirects: Vec<Hop>,
    /// Response headers the audit reads ([`KEPT_HEADERS`], lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Bytes of body read.
    pub bytes: usize,
    /// The body was longer than the cap.
    pub truncated: bool,
    /// Time to the final response's headers, in milliseconds.
    pub ttfb_ms: f64,
    /// Time until the body was read, in milliseconds.
    pub total_ms: f64,
    /// Link distance from the start page.
    pub depth: u32,
    /// Network failure, redirect loop, refused address …
    pub error: Option<String>,
    /// Facts of an HTML page.
    pub facts: Option<PageFacts>,
}

impl Page {
    /// The response header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Whether the final response is HTML.
    pub fn is_html(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.to_lowercase().contains("text/html"))
    }
}

/// A fetched helper file (robots.txt, sitemap, llms.txt).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SiteFile {
    /// Its URL.
    pub url: String,
    /// HTTP status; `None` when unreachable.
    pub status: Option<u16>,
    /// Bytes of the body read.
    pub bytes: usize,
    /// Entries it lists (sitemaps: `<loc>` values).
    pub entries: usize,
}

/// One request made to learn how the site answers (a scheme or host variant, a URL that
/// cannot exist).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Probe {
    /// The URL requested.
    pub url: String,
    /// Its status; `None` when no answer came.
    pub status: Option<u16>,
    /// Its `Location` (absolute), for a redirect.
    pub location: Option<String>,
}

/// The probes of a crawl (when enabled).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probes {
    /// `http://` of the start page, when the site is crawled over https.
    pub http: Option<Probe>,
    /// The other host variant (`www.` added or removed), for a domain name.
    pub alternate_host: Option<Probe>,
    /// A URL on the site that cannot exist.
    pub missing_page: Option<Probe>,
}

/// What robots.txt declares beyond the rules.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RobotsFacts {
    /// `Sitemap:` lines.
    pub sitemaps: Vec<String>,
    /// Yandex `Host:` directive.
    pub host: Option<String>,
    /// Yandex `Clean-param:` lines.
    pub clean_params: usize,
}

/// A sub-resource or external link checked with HEAD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// Absolute URL.
    pub url: String,
    /// `image`, `script`, `stylesheet` or `external_link`.
    pub kind: &'static str,
    /// Final status (redirects followed); `None` when no answer came.
    pub status: Option<u16>,
    /// It redirected before the final answer.
    pub redirected: bool,
    /// `Content-Length`, when sent.
    pub bytes: Option<u64>,
    /// `Content-Type`, when sent (lower case, parameters dropped).
    pub content_type: Option<String>,
}

impl SiteFile {
    /// Served with 200.
    pub fn found(&self) -> bool {
        self.status == Some(200)
    }
}

/// Everything a crawl saw.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlReport {
    /// The URL the crawl was asked for.
    pub requested_url: String,
    /// Where it settled (its same-site redirects followed): the crawl's start.
    pub start_url: String,
    /// The host crawled.
    pub host: String,
    /// Pages in the order they were fetched.
    pub pages: Vec<Page>,
    /// robots.txt.
    pub robots_txt: SiteFile,
    /// Lines of robots.txt that could not be parsed.
    pub robots_invalid_lines: usize,
    /// Sitemaps fetched.
    pub sitemaps: Vec<SiteFile>,
    /// URLs the sitemaps list on this host.
    pub sitemap_urls: Vec<String>,
    /// `/llms.txt`.
    pub llms_txt: SiteFile,
    /// URLs not fetched because robots.txt disallows them.
    pub blocked_by_robots: Vec<String>,
    /// Internal URLs left out because of `max_pages` or `max_depth`.
    pub not_crawled: usize,
    /// Whole crawl time, in milliseconds.
    pub elapsed_ms: f64,
    /// What robots.txt declares besides its rules.
    pub robots: RobotsFacts,
    /// Scheme, host-variant and missing-page probes.
    pub probes: Probes,
    /// Sub-resources and external links checked, within their budgets.
    pub resources: Vec<Resource>,
}

impl Page {
    /// Whether the URL redirected: its final answer belongs to another URL, which the crawl
    /// fetches as a page of its own.
    pub fn is_redirect(&self) -> bool {
        !self.redirects.is_empty()
    }
}
