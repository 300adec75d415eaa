//! The site crawler of SEO Architects.
//!
//! It fetches a site the way a polite, fast crawler does: robots.txt obeyed for its own user
//! agent, sitemap discovery, breadth-first within the start host, `max_pages` and
//! `max_depth`, bounded concurrency with a per-host delay, timeouts, a body-size cap,
//! redirect chains recorded hop by hop, time to first byte and total time, response headers
//! kept, http(s) only. Addresses in private, loopback and link-local ranges are refused unless
//! `allow_private` is set, so the server cannot be used to probe an internal network.

pub mod html;
mod model;
mod net;
mod probe;
pub mod robots;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Mutex;
use url::Url;

pub use html::{Image, Link, PageFacts};
pub use model::{
    CrawlConfig, CrawlReport, Hop, KEPT_HEADERS, Page, Probe, Probes, Resource, RobotsFacts,
    SiteFile,
};
pub use net::{check_url_host, is_non_public};
pub use probe::same_site;
pub use robots::Robots;

/// Why a crawl could not start.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// Not an absolute http(s) URL with a host.
    #[error("not a crawlable URL: {0}")]
    InvalidUrl(String),
    /// The address is private, loopback or link-local.
    #[error("refused: {0}")]
    Refused(String),
    /// The HTTP client could not be built.
    #[error("crawler set-up failed: {0}")]
    Setup(String),
}

struct Fetched {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    truncated: bool,
    ttfb: Duration,
}

/// The crawler for one site.
struct Crawl {
    client: reqwest::Client,
    cfg: CrawlConfig,
    host: String,
    robots: Robots,
    /// When the next request to the host may start.
    next_slot: Mutex<Instant>,
    delay: Duration,
}

impl Crawl {
    async fn polite(&self) {
        if self.delay.is_zero() {
            return;
        }
        let wait = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + self.delay;
            start - now
        };
        tokio::time::sleep(wait).await;
    }

    /// One request, no redirects followed, body read up to the cap.
    async fn get(&self, url: &Url) -> Result<Fetched, String> {
        if !self.cfg.allow_private {
            net::check_url_host(url)?;
        }
        self.polite().await;
        let start = Instant::now();
        let mut res = self
            .client
            .get(url.as_str())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let ttfb = start.elapsed();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .filter(|(k, _)| KEPT_HEADERS.contains(&k.as_str()))
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match res.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.cfg.max_body_bytes.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(chunk.get(..room).unwrap_or_default());
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(format!("body read failed: {}", describe(&e))),
            }
        }
        Ok(Fetched {
            status,
            headers,
            body,
            truncated,
            ttfb,
        })
    }

    /// Fetches `url`, following redirects (recorded; loops and overlong chains are errors).
    async fn page(&self, url: Url, depth: u32) -> Page {
        let start = Instant::now();
        let mut current = url.clone();
        let mut hops = Vec::new();
        let mut seen = HashSet::new();
        let mut page = Page {
            url: url.to_string(),
            final_url: url.to_string(),
            status: None,
            redirects: Vec::new(),
            headers: BTreeMap::new(),
            bytes: 0,
            truncated: false,
            ttfb_ms: 0.0,
            total_ms: 0.0,
            depth,
            error: None,
            facts: None,
        };
        loop {
            if !seen.insert(current.to_string()) {
                page.error = Some(format!("redirect loop back to {current}"));
                break;
            }
            match self.get(&current).await {
                Err(e) => {
                    page.error = Some(e);
                    break;
                }
                Ok(f) => {
                    let location = f.headers.get("location").and_then(|l| current.join(l).ok());
                    if (300..400).contains(&f.status)
                        && let Some(next) = location
                    {
                        hops.push(Hop {
                            url: current.to_string(),
                            status: f.status,
                        });
                        if hops.len() > self.cfg.max_redirects {
                            page.error =
                                Some(format!("more than {} redirects", self.cfg.max_redirects));
                            break;
                        }
                        if !matches!(next.scheme(), "http" | "https") {
                            page.error = Some(format!("redirect to a non-http URL {next}"));
                            break;
                        }
                        current = next;
                        continue;
                    }
                    page.status = Some(f.status);
                    page.ttfb_ms = f.ttfb.as_secs_f64() * 1000.0;
                    page.bytes = f.body.len();
                    page.truncated = f.truncated;
                    page.headers = f.headers;
                    page.final_url = current.to_string();
                    // A redirected URL is not a page of its own: the crawl fetches its target.
                    if hops.is_empty()
                        && page.is_html()
                        && current.host_str() == Some(self.host.as_str())
                    {
                        let base = current.clone();
                        let text = String::from_utf8_lossy(&f.body).into_owned();
                        let (links, images) =
                            (self.cfg.max_links_per_page, self.cfg.max_images_per_page);
                        page.facts = tokio::task::spawn_blocking(move || {
                            html::extract_capped(&text, &base, links, images)
                        })
                        .await
                        .ok();
                    }
                    break;
                }
            }
        }
        page.redirects = hops;
        page.total_ms = start.elapsed().as_secs_f64() * 1000.0;
        page
    }

    async fn file(&self, url: Url) -> (SiteFile, Option<String>) {
        let mut current = url.clone();
        for _ in 0..5 {
            match self.get(&current).await {
                Ok(f) if (300..400).contains(&f.status) => {
                    match f.headers.get("location").and_then(|l| current.join(l).ok()) {
                        Some(next) => current = next,
                        None => {
                            return (
                                SiteFile {
                                    url: url.to_string(),
                                    status: Some(f.status),
                                    ..SiteFile::default()
                                },
                                None,
                            );
                        }
                    }
                }
                Ok(f) => {
                    let text =
                        (f.status == 200).then(|| String::from_utf8_lossy(&f.body).into_owned());
                    return (
                        SiteFile {
                            url: url.to_string(),
                            status: Some(f.status),
                            bytes: f.body.len(),
                            entries: 0,
                        },
                        text,
                    );
                }
                Err(_) => {
                    return (
                        SiteFile {
                            url: url.to_string(),
                            ..SiteFile::default()
                        },
                        None,
                    );
                }
            }
        }
        (
            SiteFile {
                url: url.to_string(),
                ..SiteFile::default()
            },
            None,
        )
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        // The source chain says refused / unreachable / blocked address.
        let mut msg = "connection failed".to_string();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            msg = format!("connection failed: {s}");
            src = s.source();
        }
        msg
    } else {
        e.to_string()
    }
}

/// `<loc>` values of a sitemap or sitemap index.
fn sitemap_locs(xml: &str) -> (Vec<String>, bool) {
    let index = xml.contains("<sitemapindex");
    let locs = xml
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .map(|s| s.trim().replace("&amp;", "&"))
        .filter(|s| !s.is_empty())
        .collect();
    (locs, index)
}

fn normalise(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

/// The rule every crawl starts with, for anyone who must decide before crawling (a campaign
/// start): an absolute http(s) URL with a host, and — unless `allow_private` — a host that
/// is not a private, loopback or link-local address or name and that resolves to a public
/// address. Returns the parsed URL.
pub async fn check_target(start: &str, allow_private: bool) -> Result<Url, CrawlError> {
    let start_url =
        Url::parse(start.trim()).map_err(|e| CrawlError::InvalidUrl(format!("{start}: {e}")))?;
    if !matches!(start_url.scheme(), "http" | "https") {
        return Err(CrawlError::InvalidUrl(format!(
            "{start}: only http and https are crawled"
        )));
    }
    if start_url.host_str().is_none_or(str::is_empty) {
        return Err(CrawlError::InvalidUrl(format!("{start}: no host")));
    }
    if !allow_private {
        net::check_url_host(&start_url).map_err(CrawlError::Refused)?;
        net::check_resolves_public(&start_url)
            .await
            .map_err(CrawlError::Refused)?;
    }
    Ok(start_url)
}

/// The HTTP client of a crawl: our user agent, no redirects followed (each hop is recorded),
/// timeouts, no proxy (a proxy would bypass the address check), and — unless private
/// targets are allowed — a resolver that returns public addresses only.
fn http_client(cfg: &CrawlConfig) -> Result<reqwest::Client, CrawlError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(cfg.user_agent.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(cfg.timeout_ms.max(1)))
        .connect_timeout(Duration::from_millis(cfg.timeout_ms.clamp(1, 5_000)))
        .no_proxy()
        .gzip(true);
    if !cfg.allow_private {
        builder = builder.dns_resolver(Arc::new(net::PublicOnly));
    }
    builder
        .build()
        .map_err(|e| CrawlError::Setup(e.to_string()))
}

/// URLs waiting to be fetched, in breadth-first order, with everything seen so far.
struct Frontier {
    host: String,
    max_depth: u32,
    max_pages: usize,
    seen: HashSet<String>,
    queue: VecDeque<(Url, u32)>,
    order: Vec<String>,
    blocked: Vec<String>,
    not_crawled: usize,
}

impl Frontier {
    fn new(host: &str, cfg: &CrawlConfig) -> Self {
        Self {
            host: host.to_string(),
            max_depth: cfg.max_depth,
            max_pages: cfg.max_pages,
            seen: HashSet::new(),
            queue: VecDeque::new(),
            order: Vec::new(),
            blocked: Vec::new(),
            not_crawled: 0,
        }
    }

    /// Queues `u` at `depth` unless it is on another host, seen, blocked by robots.txt, too
    /// deep or past the page cap (counted as not crawled).
    fn push(&mut self, u: Url, depth: u32, robots: &Robots) {
        let key = normalise(&u);
        if u.host_str() != Some(self.host.as_str()) || !self.seen.insert(key.clone()) {
            return;
        }
        let path = match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
        if !robots.allows(&path) {
            self.blocked.push(key);
        } else if depth > self.max_depth || self.seen.len() > self.max_pages + self.blocked.len() {
            self.not_crawled += 1;
        } else {
            self.order.push(key);
            self.queue.push_back((u, depth));
        }
    }
}

impl Crawl {
    /// robots.txt (which also sets the politeness delay) and llms.txt.
    async fn site_files(&mut self, origin: &Url) -> Result<(SiteFile, SiteFile), CrawlError> {
        let at = |p: &str| {
            origin
                .join(p)
                .map_err(|e| CrawlError::InvalidUrl(e.to_string()))
        };
        let agent_token = self
            .cfg
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or_default()
            .to_lowercase();
        let (robots_txt, robots_text) = self.file(at("/robots.txt")?).await;
        self.robots = robots_text
            .as_deref()
            .map(|t| Robots::parse(t, &agent_token))
            .unwrap_or_default();
        if let Some(d) = self.robots.crawl_delay {
            // `Robots` keeps only finite, non-negative delays; `try_` keeps even a future
            // change from turning hostile text into a panic.
            let capped = Duration::try_from_secs_f64(d)
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_millis(self.cfg.max_crawl_delay_ms));
            self.delay = self.delay.max(capped);
        }
        let (llms_txt, _) = self.file(at("/llms.txt")?).await;
        Ok((robots_txt, llms_txt))
    }

    /// The sitemaps robots.txt names (else /sitemap.xml), sitemap indexes followed up to
    /// `max_sitemaps`; only sitemaps and page URLs on the audited host are used.
    async fn sitemaps(&self, origin: &Url) -> Result<(Vec<SiteFile>, Vec<String>), CrawlError> {
        let ours = |u: &Url| u.host_str() == Some(self.host.as_str());
        let mut queue: VecDeque<Url> = self
            .robots
            .sitemaps
            .iter()
            .filter_map(|s| Url::parse(s).ok())
            .filter(ours)
            .collect();
        if queue.is_empty() {
            queue.push_back(
                origin
                    .join("/sitemap.xml")
                    .map_err(|e| CrawlError::InvalidUrl(e.to_string()))?,
            );
        }
        let mut files = Vec::new();
        let mut urls = Vec::new();
        while let Some(sm) = queue.pop_front() {
            if files.len() >= self.cfg.max_sitemaps {
                break;
            }
            let (mut file, text) = self.file(sm).await;
            let locs = text.as_deref().map(sitemap_locs);
            file.entries = locs.as_ref().map_or(0, |(l, _)| l.len());
            files.push(file);
            if let Some((locs, index)) = locs {
                for l in locs
                    .into_iter()
                    .filter_map(|l| Url::parse(&l).ok())
                    .filter(ours)
                {
                    if index {
                        queue.push_back(l);
                    } else {
                        urls.push(normalise(&l));
                    }
                }
            }
        }
        Ok((files, urls))
    }
}

/// Fetches the frontier breadth-first, `concurrency` at a time, queueing each page's links.
async fn fetch_pages(crawl: &Arc<Crawl>, frontier: &mut Frontier) -> Vec<Page> {
    let cfg = &crawl.cfg;
    // Reserved once: growing by doubling would copy every page held so far (and briefly hold
    // both copies); untouched capacity costs address space, not memory.
    let mut pages = Vec::with_capacity(cfg.max_pages.min(100_000));
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < cfg.concurrency.max(1) && pages.len() + running.len() < cfg.max_pages
        {
            let Some((u, depth)) = frontier.queue.pop_front() else {
                break;
            };
            let c = crawl.clone();
            running.push(async move { c.page(u, depth).await });
        }
        let Some(page) = running.next().await else {
            break;
        };
        if page.is_redirect()
            && let Ok(u) = Url::parse(&page.final_url)
        {
            // The target is fetched as a page at the source's depth.
            frontier.push(u, page.depth, &crawl.robots);
        }
        if let Some(f) = &page.facts {
            // Links past max_depth are counted as not crawled by `push`. Canonical and
            // hreflang targets are fetched too, so one pointing at a missing page is seen
            // even when nothing links to it.
            let targets = f
                .links
                .iter()
                .map(|l| l.url.as_str())
                .chain(f.canonicals.iter().map(String::as_str))
                .chain(f.hreflang.iter().map(|(_, u)| u.as_str()));
            for t in targets {
                if let Ok(u) = Url::parse(t) {
                    frontier.push(u, page.depth + 1, &crawl.robots);
                }
            }
        }
        pages.push(page);
    }
    pages
}

/// Crawls the site at `start`.
pub async fn crawl(start: &str, cfg: &CrawlConfig) -> Result<CrawlReport, CrawlError> {
    let began = Instant::now();
    let start_url = check_target(start, cfg.allow_private).await?;
    let host = start_url
        .host_str()
        .ok_or_else(|| CrawlError::InvalidUrl(format!("{start}: no host")))?
        .to_string();
    let mut crawl = Crawl {
        client: http_client(cfg)?,
        cfg: cfg.clone(),
        host: host.clone(),
        robots: Robots::default(),
        next_slot: Mutex::new(Instant::now()),
        delay: Duration::from_millis(cfg.per_host_delay_ms),
    };
    let requested_url = start_url.to_string();
    // The site is audited where its start URL settles (e.g. http → https, bare → www).
    let start_url = crawl.settle_start(start_url).await;
    let host = start_url.host_str().unwrap_or(&host).to_string();
    crawl.host = host.clone();
    let origin = start_url
        .join("/")
        .map_err(|e| CrawlError::InvalidUrl(e.to_string()))?;
    let (robots_txt, llms_txt) = crawl.site_files(&origin).await?;
    let (sitemaps, sitemap_urls) = crawl.sitemaps(&origin).await?;

    let crawl = Arc::new(crawl);
    let mut frontier = Frontier::new(&host, cfg);
    frontier.push(start_url.clone(), 0, &crawl.robots);
    for s in &sitemap_urls {
        if let Ok(u) = Url::parse(s) {
            frontier.push(u, 1, &crawl.robots);
        }
    }
    let mut pages = fetch_pages(&crawl, &mut frontier).await;
    let probes = if cfg.probe_variants {
        crawl.probes(&start_url).await
    } else {
        Probes::default()
    };
    let resources = crawl.resources(&pages).await;
    let not_crawled = frontier.not_crawled + frontier.queue.len();
    // Report in discovery order (breadth-first), not in the order responses arrived.
    let rank: std::collections::HashMap<&str, usize> = frontier
        .order
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    pages.sort_by_key(|p| rank.get(p.url.as_str()).copied().unwrap_or(usize::MAX));
    Ok(CrawlReport {
        requested_url,
        start_url: start_url.to_string(),
        host,
        pages,
        robots_txt,
        robots_invalid_lines: crawl.robots.invalid_lines,
        sitemaps,
        sitemap_urls,
        llms_txt,
        blocked_by_robots: frontier.blocked,
        not_crawled,
        elapsed_ms: began.elapsed().as_secs_f64() * 1000.0,
        robots: RobotsFacts {
            sitemaps: crawl.robots.sitemaps.clone(),
            host: crawl.robots.host.clone(),
            clean_params: crawl.robots.clean_params,
        },
        probes,
        resources,
    })
}
