//! Facts an SEO audit needs, read from one HTML page (parsed once, synchronously: scraper's
//! DOM is not `Send`).

use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

/// A link found on a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// Absolute URL (fragment removed).
    pub url: String,
    /// Anchor text, trimmed.
    pub text: String,
    /// `rel="nofollow"`.
    pub nofollow: bool,
}

/// An image on a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    /// Absolute URL.
    pub src: String,
    /// The alt text; `None` when the attribute is missing.
    pub alt: Option<String>,
    /// Both width and height are set.
    pub has_dimensions: bool,
}

/// What an HTML page says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageFacts {
    /// Every `<title>` text.
    pub titles: Vec<String>,
    /// Every meta description.
    pub descriptions: Vec<String>,
    /// `<link rel="canonical">` targets (absolute).
    pub canonicals: Vec<String>,
    /// `<meta name="robots">` content, lower-cased.
    pub meta_robots: Option<String>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// A viewport meta tag is present.
    pub has_viewport: bool,
    /// Heading levels in document order (1–6).
    pub headings: Vec<u8>,
    /// Text of the `<h1>`s.
    pub h1: Vec<String>,
    /// Words of visible body text.
    pub word_count: usize,
    /// Hash of the normalised body text (duplicate detection).
    pub text_hash: u64,
    /// Links (at most the crawl's `max_links_per_page`).
    pub links: Vec<Link>,
    /// Links on the page, kept or not.
    pub links_total: usize,
    /// Images (at most the crawl's `max_images_per_page`).
    pub images: Vec<Image>,
    /// Images on the page, kept or not.
    pub images_total: usize,
    /// `hreflang` alternates: (code, absolute URL).
    pub hreflang: Vec<(String, String)>,
    /// JSON-LD blocks: `Ok(types)` when valid JSON, `Err(message)` otherwise.
    pub json_ld: Vec<Result<Vec<String>, String>>,
    /// `og:` properties present.
    pub open_graph: Vec<String>,
    /// Forms posting to `http:` URLs.
    pub insecure_forms: usize,
    /// Sub-resources loaded over `http:` (mixed content on an https page).
    pub http_resources: usize,
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty()
        || href.starts_with('#')
        || href.starts_with("javascript:")
        || href.starts_with("mailto:")
        || href.starts_with("tel:")
    {
        return None;
    }
    let mut u = base.join(href).ok()?;
    u.set_fragment(None);
    matches!(u.scheme(), "http" | "https").then_some(u)
}

fn collect_json_types(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            match m.get("@type") {
                Some(serde_json::Value::String(t)) => out.push(t.clone()),
                Some(serde_json::Value::Array(a)) => {
                    out.extend(a.iter().filter_map(|t| t.as_str().map(str::to_string)))
                }
                _ => {}
            }
            if let Some(g) = m.get("@graph") {
                collect_json_types(g, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_json_types(x, out)),
        _ => {}
    }
}

/// Reads the facts of one page.
pub fn extract(html: &str, base: &Url) -> PageFacts {
    extract_capped(html, base, usize::MAX, usize::MAX)
}

/// [`extract`], keeping at most `max_links` links and `max_images` images (a hostile page
/// with a million anchors costs a count, not a million stored links).
pub fn extract_capped(html: &str, base: &Url, max_links: usize, max_images: usize) -> PageFacts {
    let doc = Html::parse_document(html);
    let mut f = PageFacts::default();
    head(&doc, base, &mut f);
    outline(&doc, &mut f);
    body_text(&doc, &mut f);
    links(&doc, base, max_links, &mut f);
    images(&doc, base, max_images, &mut f);
    page_security(&doc, base, &mut f);
    f
}

/// An element's text with whitespace collapsed.
fn text_of(e: scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Titles, meta tags, canonical and hreflang links, Open Graph, JSON-LD.
fn head(doc: &Html, base: &Url, f: &mut PageFacts) {
    if let Some(s) = sel("title") {
        f.titles = doc.select(&s).map(text_of).collect();
    }
    if let Some(s) = sel("meta") {
        for m in doc.select(&s) {
            let name = m.value().attr("name").unwrap_or_default().to_lowercase();
            let prop = m
                .value()
                .attr("property")
                .unwrap_or_default()
                .to_lowercase();
            let content = m
                .value()
                .attr("content")
                .unwrap_or_default()
                .trim()
                .to_string();
            match name.as_str() {
                "description" => f.descriptions.push(content.clone()),
                "robots" => f.meta_robots = Some(content.to_lowercase()),
                "viewport" => f.has_viewport = true,
                _ => {}
            }
            if prop.starts_with("og:") {
                f.open_graph.push(prop);
            }
        }
    }
    if let Some(s) = sel("link[href]") {
        for l in doc.select(&s) {
            let rel = l.value().attr("rel").unwrap_or_default().to_lowercase();
            let Some(href) = l.value().attr("href") else {
                continue;
            };
            if rel.split_whitespace().any(|r| r == "canonical") {
                f.canonicals.push(
                    base.join(href.trim())
                        .map(|u| u.to_string())
                        .unwrap_or_else(|_| href.to_string()),
                );
            }
            if rel.split_whitespace().any(|r| r == "alternate")
                && let Some(code) = l.value().attr("hreflang")
                && let Some(u) = resolve(base, href)
            {
                f.hreflang.push((code.trim().to_lowercase(), u.to_string()));
            }
        }
    }
    if let Some(s) = sel("script[type=\"application/ld+json\"]") {
        for sc in doc.select(&s) {
            let raw: String = sc.text().collect();
            f.json_ld
                .push(match serde_json::from_str::<serde_json::Value>(&raw) {
                    Ok(v) => {
                        let mut types = Vec::new();
                        collect_json_types(&v, &mut types);
                        Ok(types)
                    }
                    Err(e) => Err(e.to_string()),
                });
        }
    }
}

/// The document language and its heading outline.
fn outline(doc: &Html, f: &mut PageFacts) {
    if let Some(s) = sel("html") {
        f.lang = doc
            .select(&s)
            .next()
            .and_then(|h| h.value().attr("lang"))
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty());
    }
    if let Some(s) = sel("h1, h2, h3, h4, h5, h6") {
        for h in doc.select(&s) {
            let level = h
                .value()
                .name()
                .as_bytes()
                .get(1)
                .map_or(0, |b| b.saturating_sub(b'0'));
            f.headings.push(level);
            if level == 1 {
                f.h1.push(text_of(h));
            }
        }
    }
}

/// Visible body words (scripts and styles left out): their count and a stable hash.
fn body_text(doc: &Html, f: &mut PageFacts) {
    let Some(s) = sel("body") else {
        return;
    };
    let skip = ["script", "style", "noscript", "template"];
    let mut words = Vec::new();
    if let Some(body) = doc.select(&s).next() {
        for node in body.descendants() {
            if let Some(t) = node.value().as_text() {
                let hidden = node.ancestors().any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| skip.contains(&e.name()))
                });
                if !hidden {
                    words.extend(t.split_whitespace().map(str::to_lowercase));
                }
            }
        }
    }
    f.word_count = words.len();
    // FNV-1a over the normalised words: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in words.join(" ").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    f.text_hash = h;
}

/// Links, at most `max` kept; all counted.
fn links(doc: &Html, base: &Url, max: usize, f: &mut PageFacts) {
    let Some(s) = sel("a[href]") else {
        return;
    };
    for a in doc.select(&s) {
        if let Some(u) = a.value().attr("href").and_then(|h| resolve(base, h)) {
            f.links_total += 1;
            if f.links.len() >= max {
                continue;
            }
            let nofollow = a
                .value()
                .attr("rel")
                .is_some_and(|r| r.to_lowercase().contains("nofollow"));
            f.links.push(Link {
                url: u.to_string(),
                text: text_of(a),
                nofollow,
            });
        }
    }
}

/// Images, at most `max` kept; all counted.
fn images(doc: &Html, base: &Url, max: usize, f: &mut PageFacts) {
    let Some(s) = sel("img") else {
        return;
    };
    for i in doc.select(&s) {
        f.images_total += 1;
        if f.images.len() >= max {
            continue;
        }
        let src = i
            .value()
            .attr("src")
            .and_then(|h| resolve(base, h))
            .map(|u| u.to_string())
            .unwrap_or_default();
        f.images.push(Image {
            src,
            alt: i.value().attr("alt").map(|a| a.trim().to_string()),
            has_dimensions: i.value().attr("width").is_some() && i.value().attr("height").is_some(),
        });
    }
}

/// Forms posting over http, and http resources on an https page.
fn page_security(doc: &Html, base: &Url, f: &mut PageFacts) {
    if let Some(s) = sel("form[action]") {
        f.insecure_forms = doc
            .select(&s)
            .filter(|fm| {
                fm.value()
                    .attr("action")
                    .is_some_and(|a| a.trim().starts_with("http:"))
            })
            .count();
    }
    if base.scheme() == "https"
        && let Some(s) = sel("img[src], script[src], link[rel=stylesheet][href], iframe[src]")
    {
        f.http_resources = doc
            .select(&s)
            .filter(|e| {
                e.value()
                    .attr("src")
                    .or_else(|| e.value().attr("href"))
                    .is_some_and(|v| v.trim().starts_with("http:"))
            })
            .count();
    }
}
