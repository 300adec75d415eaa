//! Requests beyond the pages: the site's other scheme and host variant, a URL that cannot
//! exist, and HEAD checks of sub-resources and external links within their budgets.

use std::collections::HashSet;

use futures_util::StreamExt;
use url::Url;

use crate::{Crawl, Page, Probe, Probes, Resource, net};

/// The path asked for to learn how the site answers a URL that does not exist.
const MISSING_PATH: &str = "/seo-architects-probe-this-page-does-not-exist";

/// Whether two hosts are one site: equal, or equal once a leading `www.` is dropped.
pub fn same_site(a: Option<&str>, b: Option<&str>) -> bool {
    let bare = |h: &str| {
        let h = h.to_ascii_lowercase();
        h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
    };
    match (a, b) {
        (Some(a), Some(b)) => bare(a) == bare(b),
        _ => false,
    }
}

impl Crawl {
    /// Where the start URL really lives: its redirects followed (up to the crawl's limit)
    /// while they stay on the same site — another scheme, another path, or the host with
    /// `www.` added or dropped. `example.com` answering with a redirect to
    /// `https://www.example.com/` is audited at the latter, not as a one-redirect site.
    pub(crate) async fn settle_start(&self, start: Url) -> Url {
        let mut current = start.clone();
        for _ in 0..self.cfg.max_redirects {
            let Ok(f) = self.get(&current).await else {
                break;
            };
            if !(300..400).contains(&f.status) {
                break;
            }
            let Some(next) = f.headers.get("location").and_then(|l| current.join(l).ok()) else {
                break;
            };
            if !matches!(next.scheme(), "http" | "https")
                || !same_site(start.host_str(), next.host_str())
                || next == current
            {
                break;
            }
            current = next;
        }
        current
    }

    /// One GET, no redirect followed: its status and absolute `Location`.
    async fn probe(&self, url: Url) -> Probe {
        let (status, location) = match self.get(&url).await {
            Ok(f) => (
                Some(f.status),
                f.headers
                    .get("location")
                    .and_then(|l| url.join(l).ok())
                    .map(|u| u.to_string()),
            ),
            Err(_) => (None, None),
        };
        Probe {
            url: url.to_string(),
            status,
            location,
        }
    }

    /// The http variant (for an https site), the www / non-www variant (for a domain name)
    /// and a missing page.
    pub(crate) async fn probes(&self, start: &Url) -> Probes {
        let mut out = Probes::default();
        let Ok(origin) = start.join("/") else {
            return out;
        };
        if origin.scheme() == "https" {
            let mut http = origin.clone();
            if http.set_scheme("http").is_ok() && http.set_port(None).is_ok() {
                out.http = Some(self.probe(http).await);
            }
        }
        if let Some(url::Host::Domain(d)) = origin.host()
            && d.contains('.')
        {
            let other = match d.strip_prefix("www.") {
                Some(bare) => bare.to_string(),
                None => format!("www.{d}"),
            };
            let mut alt = origin.clone();
            if alt.set_host(Some(&other)).is_ok() {
                out.alternate_host = Some(self.probe(alt).await);
            }
        }
        if let Ok(missing) = origin.join(MISSING_PATH) {
            out.missing_page = Some(self.probe(missing).await);
        }
        out
    }

    /// HEAD (GET when HEAD is refused) with redirects followed up to the crawl's limit.
    async fn head(&self, url: Url, kind: &'static str) -> Resource {
        let mut r = Resource {
            url: url.to_string(),
            kind,
            status: None,
            redirected: false,
            bytes: None,
            content_type: None,
        };
        let mut current = url;
        for _ in 0..=self.cfg.max_redirects {
            if !self.cfg.allow_private && net::check_url_host(&current).is_err() {
                return r;
            }
            if current.host_str() == Some(self.host.as_str()) {
                self.polite().await;
            }
            let mut res = self.client.head(current.as_str()).send().await;
            if let Ok(x) = &res
                && matches!(x.status().as_u16(), 405 | 501)
            {
                res = self.client.get(current.as_str()).send().await;
            }
            let Ok(res) = res else {
                return r;
            };
            let status = res.status().as_u16();
            let header = |n: &str| {
                res.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            if (300..400).contains(&status)
                && let Some(next) = header("location").and_then(|l| current.join(&l).ok())
            {
                r.redirected = true;
                current = next;
                continue;
            }
            r.status = Some(status);
            r.bytes = header("content-length").and_then(|l| l.trim().parse().ok());
            r.content_type = header("content-type").map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase()
            });
            return r;
        }
        r
    }

    /// Images, scripts and style sheets of the crawled pages (first seen first, each once)
    /// up to `max_resource_checks`; external links up to `max_external_link_checks`.
    pub(crate) async fn resources(&self, pages: &[Page]) -> Vec<Resource> {
        let mut seen = HashSet::new();
        let mut wanted: Vec<(Url, &'static str)> = Vec::new();
        let mut external = 0;
        for f in pages.iter().filter_map(|p| p.facts.as_ref()) {
            let subs = f
                .images
                .iter()
                .map(|i| (i.src.as_str(), "image"))
                .chain(f.scripts.iter().map(|s| (s.as_str(), "script")))
                .chain(f.stylesheets.iter().map(|s| (s.as_str(), "stylesheet")));
            for (u, kind) in subs {
                let budget = wanted.len() - external < self.cfg.max_resource_checks;
                if budget
                    && !u.is_empty()
                    && seen.insert(u.to_string())
                    && let Ok(u) = Url::parse(u)
                {
                    wanted.push((u, kind));
                }
            }
            for l in &f.links {
                if external < self.cfg.max_external_link_checks
                    && let Ok(u) = Url::parse(&l.url)
                    && u.host_str() != Some(self.host.as_str())
                    && seen.insert(l.url.clone())
                {
                    external += 1;
                    wanted.push((u, "external_link"));
                }
            }
        }
        let mut out = Vec::with_capacity(wanted.len());
        let mut queue = wanted.into_iter();
        let mut running = futures_util::stream::FuturesUnordered::new();
        loop {
            while running.len() < self.cfg.concurrency.max(1) {
                let Some((u, kind)) = queue.next() else {
                    break;
                };
                running.push(self.head(u, kind));
            }
            match running.next().await {
                Some(r) => out.push(r),
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_site_is_the_host_with_or_without_www() {
        use super::same_site;
        assert!(same_site(Some("example.com"), Some("www.example.com")));
        assert!(same_site(Some("WWW.Example.com"), Some("example.com")));
        assert!(same_site(Some("a.test"), Some("a.test")));
        assert!(!same_site(Some("example.com"), Some("shop.example.com")));
        assert!(!same_site(Some("example.com"), Some("example.org")));
        assert!(!same_site(Some("example.com"), None));
    }
}
