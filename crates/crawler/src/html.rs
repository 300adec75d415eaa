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
    /// Canonical `href`s written as relative URLs.
    pub canonicals_relative: usize,
    /// `<meta http-equiv="refresh">` content, when present.
    pub meta_refresh: Option<String>,
    /// `twitter:` meta names present.
    pub twitter: Vec<String>,
    /// JSON-LD items: (`@type`, top-level property names), `@graph` and arrays unrolled.
    pub json_ld_items: Vec<(String, Vec<String>)>,
    /// A `<link rel="icon">` (or `shortcut icon` / `apple-touch-icon`) is present.
    pub has_favicon: bool,
    /// Element count of the document.
    pub dom_nodes: usize,
    /// `id` values used more than once (at most 20 kept).
    pub duplicate_ids: Vec<String>,
    /// `<picture>` elements without an `<img>`.
    pub pictures_without_img: usize,
    /// `<meta>` elements inside `<body>`.
    pub metas_in_body: usize,
    /// hreflang `href`s written as relative URLs.
    pub hreflang_relative: usize,
    /// `<link rel="next|prev">` targets (absolute).
    pub pagination: Vec<String>,
    /// External script URLs (at most the image cap kept).
    pub scripts: Vec<String>,
    /// Style sheet URLs (at most the image cap kept).
    pub stylesheets: Vec<String>,
    /// `<form>` elements.
    pub forms: usize,
    /// Site verification meta names present (`yandex-verification`, `google-site-verification`).
    pub verification: Vec<String>,
    /// A `<meta name="keywords">` is present.
    pub meta_keywords: bool,
    /// The declared character set (`<meta charset>` or `http-equiv` content type).
    pub charset: Option<String>,
    /// The document starts with `<!DOCTYPE`.
    pub has_doctype: bool,
    /// Bytes of visible text (the text-to-HTML ratio's numerator).
    pub text_bytes: usize,
    /// Bytes of HTML read.
    pub html_bytes: usize,
    /// 64-bit simhash of the body's word 3-shingles (near-duplicate detection).
    pub simhash: u64,
    /// The body contains "lorem ipsum" placeholder text.
    pub placeholder_text: bool,
    /// Headings (h1–h6) with no text.
    pub empty_headings: usize,
    /// Obsolete presentational elements (`font`, `center`, `marquee`, `blink`).
    pub deprecated_tags: usize,
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

/// Every typed object of a JSON-LD value with its property names (`@graph`s and arrays
/// unrolled; nested objects are properties of their parent, not items of their own).
fn collect_json_items(v: &serde_json::Value, out: &mut Vec<(String, Vec<String>)>) {
    match v {
        serde_json::Value::Object(m) => {
            let props: Vec<String> = m.keys().filter(|k| !k.starts_with('@')).cloned().collect();
            match m.get("@type") {
                Some(serde_json::Value::String(t)) => out.push((t.clone(), props)),
                Some(serde_json::Value::Array(a)) => out.extend(
                    a.iter()
                        .filter_map(|t| t.as_str().map(|t| (t.to_string(), props.clone()))),
                ),
                _ => {}
            }
            if let Some(g) = m.get("@graph") {
                collect_json_items(g, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_json_items(x, out)),
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
    structure(&doc, base, max_images, &mut f);
    f.html_bytes = html.len();
    // Thousands of pages are held until the audit: no spare capacity.
    f.links.shrink_to_fit();
    f.images.shrink_to_fit();
    f.headings.shrink_to_fit();
    f.has_doctype = html
        .trim_start_matches('\u{feff}')
        .trim_start()
        .get(..9)
        .is_some_and(|d| d.eq_ignore_ascii_case("<!doctype"));
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
                "keywords" => f.meta_keywords = true,
                "yandex-verification" | "google-site-verification" => {
                    f.verification.push(name.clone())
                }
                n if n.starts_with("twitter:") => f.twitter.push(n.to_string()),
                _ => {}
            }
            if prop.starts_with("og:") {
                f.open_graph.push(prop);
            } else if prop.starts_with("twitter:") {
                f.twitter.push(prop);
            }
            if let Some(cs) = m.value().attr("charset") {
                f.charset = Some(cs.trim().to_lowercase());
            }
            match m
                .value()
                .attr("http-equiv")
                .unwrap_or_default()
                .to_lowercase()
                .as_str()
            {
                "refresh" => f.meta_refresh = Some(content.clone()),
                "content-type" => {
                    if let Some((_, cs)) = content.to_lowercase().split_once("charset=") {
                        f.charset = Some(cs.trim().to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(s) = sel("link[href]") {
        for l in doc.select(&s) {
            let rel = l.value().attr("rel").unwrap_or_default().to_lowercase();
            let Some(href) = l.value().attr("href") else {
                continue;
            };
            let rels: Vec<&str> = rel.split_whitespace().collect();
            if rels
                .iter()
                .any(|r| *r == "icon" || *r == "apple-touch-icon")
            {
                f.has_favicon = true;
            }
            if rels.iter().any(|r| *r == "next" || *r == "prev")
                && let Some(u) = resolve(base, href)
            {
                f.pagination.push(u.to_string());
            }
            if rels.contains(&"stylesheet")
                && let Some(u) = resolve(base, href)
            {
                f.stylesheets.push(u.to_string());
            }
            if rel.split_whitespace().any(|r| r == "canonical") {
                if Url::parse(href.trim()).is_err() {
                    f.canonicals_relative += 1;
                }
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
                if Url::parse(href.trim()).is_err() {
                    f.hreflang_relative += 1;
                }
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
                        collect_json_items(&v, &mut f.json_ld_items);
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
    f.text_bytes = words
        .iter()
        .map(|w| w.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    let joined = words.join(" ");
    // "lorem" then "ipsum" as whole words (punctuation aside): not "lorem ipsumque".
    fn bare(w: &str) -> &str {
        w.trim_matches(|c: char| !c.is_alphanumeric())
    }
    f.placeholder_text = words
        .windows(2)
        .any(|pair| matches!(pair, [a, b] if bare(a) == "lorem" && bare(b) == "ipsum"));
    f.text_hash = fnv1a(joined.as_bytes());
    f.simhash = simhash(&words);
}

/// FNV-1a: stable across runs and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Charikar's simhash over word 3-shingles (single words when the text is shorter): pages
/// whose hashes differ in few bits share most of their shingles.
pub fn simhash(words: &[String]) -> u64 {
    let mut votes = [0i64; 64];
    let mut add = |h: u64| {
        for (bit, v) in votes.iter_mut().enumerate() {
            if (h >> bit) & 1 == 1 {
                *v += 1;
            } else {
                *v -= 1;
            }
        }
    };
    if words.len() < 3 {
        words.iter().for_each(|w| add(fnv1a(w.as_bytes())));
    } else {
        for w in words.windows(3) {
            add(fnv1a(w.join(" ").as_bytes()));
        }
    }
    votes
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |h, (bit, _)| h | (1u64 << bit))
}

/// The share of shingles two simhashes agree on, estimated: 1 − differing bits ÷ 64.
pub fn similarity(a: u64, b: u64) -> f64 {
    1.0 - f64::from((a ^ b).count_ones()) / 64.0
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
            // An image link's text is its image's alt text.
            let mut text = text_of(a);
            if text.is_empty()
                && let Some(img) = sel("img[alt]").and_then(|s| a.select(&s).next())
            {
                text = img
                    .value()
                    .attr("alt")
                    .unwrap_or_default()
                    .trim()
                    .to_string();
            }
            f.links.push(Link {
                url: u.to_string(),
                text,
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
    if let Some(s) = sel("form") {
        f.forms = doc.select(&s).count();
    }
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

/// The document's shape: node count, repeated ids, `<picture>` without `<img>`, metas in
/// the body, empty headings, obsolete tags, external scripts.
fn structure(doc: &Html, base: &Url, max: usize, f: &mut PageFacts) {
    let mut ids: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for node in doc.root_element().descendants() {
        if let Some(e) = node.value().as_element() {
            f.dom_nodes += 1;
            if let Some(id) = e.attr("id").map(str::trim).filter(|i| !i.is_empty()) {
                *ids.entry(id).or_default() += 1;
            }
            if matches!(e.name(), "font" | "center" | "marquee" | "blink") {
                f.deprecated_tags += 1;
            }
        }
    }
    let mut dup: Vec<String> = ids
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    dup.sort();
    dup.truncate(20);
    f.duplicate_ids = dup;
    if let (Some(p), Some(img)) = (sel("picture"), sel("img")) {
        f.pictures_without_img = doc
            .select(&p)
            .filter(|pic| pic.select(&img).next().is_none())
            .count();
    }
    if let Some(s) = sel("body meta") {
        f.metas_in_body = doc.select(&s).count();
    }
    if let Some(s) = sel("h1, h2, h3, h4, h5, h6") {
        f.empty_headings = doc
            .select(&s)
            .filter(|h| {
                text_of(*h).is_empty()
                    && sel("img[alt]").is_none_or(|i| h.select(&i).next().is_none())
            })
            .count();
    }
    if let Some(s) = sel("script[src]") {
        f.scripts = doc
            .select(&s)
            .filter_map(|e| e.value().attr("src").and_then(|h| resolve(base, h)))
            .map(|u| u.to_string())
            .take(max)
            .collect();
    }
    f.stylesheets.truncate(max);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_text_is_found_in_the_visible_text_only() {
        let base = Url::parse("https://example.com/").unwrap();
        let page = |body: &str| extract(&format!("<html><body>{body}</body></html>"), &base);
        // Any case, across tags and line breaks.
        assert!(page("<p>LOREM</p>\n<p>Ipsum dolor sit amet</p>").placeholder_text);
        // Not in markup, not in a script, not in words that merely start alike.
        assert!(!page("<p class=\"lorem ipsum\">Real copy</p>").placeholder_text);
        assert!(!page("<script>var t = 'lorem ipsum';</script><p>Real copy</p>").placeholder_text);
        assert!(!page("<p>Lorem ipsumque</p>").placeholder_text);
        assert!(page("<p>Lorem, ipsum.</p>").placeholder_text);
    }
}
