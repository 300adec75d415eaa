//! Content, media, performance and structured data of each page.

use seo_crawler::Page;

use super::{Check, Ctx, facts, page, set};

const CONTENT: &str = "content";
const MEDIA: &str = "media";
const PERF: &str = "performance";
const SD: &str = "structured_data";

/// Resources of a page (`kind`) that were checked and satisfy `pred`.
fn resource(p: &Page, c: &Ctx<'_>, kind: &str, pred: fn(&seo_crawler::Resource) -> bool) -> bool {
    let Some(f) = facts(p) else {
        return false;
    };
    let urls: Box<dyn Iterator<Item = &str>> = match kind {
        "image" => Box::new(f.images.iter().map(|i| i.src.as_str())),
        "script" => Box::new(f.scripts.iter().map(String::as_str)),
        _ => Box::new(f.stylesheets.iter().map(String::as_str)),
    };
    urls.filter_map(|u| c.resources.get(u)).any(|r| pred(r))
}

fn failed(r: &seo_crawler::Resource) -> bool {
    r.status.is_none_or(|s| s >= 400)
}

/// A typed JSON-LD item of the page lacks a property the configured table requires for its
/// type (`a|b` means either will do).
fn schema_incomplete(p: &Page, c: &Ctx<'_>, ty: &str) -> bool {
    let Some(required) = c
        .cfg()
        .schema_required
        .iter()
        .find(|(t, _)| t == ty)
        .map(|(_, r)| r)
    else {
        return false;
    };
    facts(p).is_some_and(|f| {
        f.json_ld_items
            .iter()
            .filter(|(t, _)| t == ty)
            .any(|(_, props)| {
                required
                    .iter()
                    .any(|need| !need.split('|').any(|alt| props.iter().any(|p| p == alt)))
            })
    })
}

/// Pages whose body text is nearly the same as another page's (simhash similarity at or
/// above the threshold) but not identical; each pair compared once.
fn near_duplicates(c: &Ctx<'_>) -> Vec<String> {
    let min = c.cfg().near_duplicate_similarity;
    let pages: Vec<(&str, u64, u64)> = c
        .ok_html
        .iter()
        .filter_map(|p| {
            facts(p)
                .filter(|f| f.word_count >= c.cfg().near_duplicate_min_words)
                .map(|f| (p.final_url.as_str(), f.simhash, f.text_hash))
        })
        .collect();
    let mut hit = vec![false; pages.len()];
    for (i, a) in pages.iter().enumerate() {
        for (j, b) in pages.iter().enumerate().skip(i + 1) {
            if a.2 != b.2 && seo_crawler::html::similarity(a.1, b.1) >= min {
                if let Some(h) = hit.get_mut(i) {
                    *h = true;
                }
                if let Some(h) = hit.get_mut(j) {
                    *h = true;
                }
            }
        }
    }
    let mut out: Vec<String> = pages
        .iter()
        .zip(hit)
        .filter(|(_, h)| *h)
        .map(|(p, _)| p.0.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(super) const CHECKS: &[Check] = &[
    set(
        "duplicate_content",
        CONTENT,
        "medium",
        |c| {
            super::duplicates(c, |p| {
                facts(p)
                    .filter(|f| f.word_count > 0)
                    .map(|f| f.text_hash.to_string())
            })
        },
        "identical pages split ranking signals",
        "merge the pages or canonicalise one to the other",
    ),
    set(
        "near_duplicate",
        CONTENT,
        "medium",
        near_duplicates,
        "pages with nearly the same text compete with each other and look thin",
        "merge them, differentiate their text, or canonicalise one to the other",
    ),
    page(
        "h1_missing",
        CONTENT,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.h1.is_empty()),
        "the H1 tells users and engines what the page is about",
        "add one H1 per page",
    ),
    page(
        "h1_empty",
        CONTENT,
        "medium",
        |p, _| facts(p).is_some_and(|f| !f.h1.is_empty() && f.h1.iter().all(String::is_empty)),
        "an empty H1 says nothing about the page",
        "write the page's topic in its H1",
    ),
    page(
        "h1_multiple",
        CONTENT,
        "low",
        |p, _| facts(p).is_some_and(|f| f.h1.len() > 1),
        "several H1s blur the page's topic",
        "keep one H1 and use H2–H6 below it",
    ),
    page(
        "h1_too_long",
        CONTENT,
        "info",
        |p, c| {
            facts(p)
                .and_then(|f| f.h1.first())
                .is_some_and(|h| h.chars().count() > c.cfg().h1_max_len)
        },
        "a very long H1 reads as a paragraph, not a headline",
        "shorten the H1 to the page's topic",
    ),
    set(
        "h1_duplicate",
        CONTENT,
        "low",
        |c| {
            super::duplicates(c, |p| {
                facts(p)
                    .and_then(|f| f.h1.first())
                    .map(|h| h.to_lowercase())
            })
        },
        "pages with the same H1 look like the same topic",
        "give every page its own H1",
    ),
    page(
        "heading_order",
        CONTENT,
        "low",
        // A heading more than one level below the one before it skips a level.
        |p, _| {
            facts(p).is_some_and(|f| {
                f.headings
                    .iter()
                    .zip(f.headings.iter().skip(1))
                    .any(|(a, b)| *b > a.saturating_add(1))
            })
        },
        "skipped heading levels break the outline",
        "do not skip levels (H2 before H3)",
    ),
    page(
        "heading_empty",
        CONTENT,
        "low",
        |p, _| facts(p).is_some_and(|f| f.empty_headings > 0),
        "empty headings break the outline and confuse screen readers",
        "give every heading text or remove it",
    ),
    page(
        "thin_content",
        CONTENT,
        "medium",
        |p, c| facts(p).is_some_and(|f| f.word_count < c.cfg().thin_words),
        "pages with little text rarely rank",
        "expand the page or merge it into a stronger one",
    ),
    page(
        "low_text_ratio",
        CONTENT,
        "info",
        |p, c| {
            facts(p).is_some_and(|f| {
                f.html_bytes > 0
                    && seo_domain::num::f64_of(f.text_bytes)
                        < c.cfg().min_text_ratio * seo_domain::num::f64_of(f.html_bytes)
            })
        },
        "pages that are mostly markup carry little content per byte downloaded",
        "trim markup and inline code, or add content",
    ),
    page(
        "placeholder_text",
        CONTENT,
        "high",
        |p, _| facts(p).is_some_and(|f| f.placeholder_text),
        "lorem ipsum left on a live page looks unfinished to users and engines",
        "replace the placeholder text",
    ),
    page(
        "soft_404",
        CONTENT,
        "high",
        // The rule: a 200 page whose title or H1 contains one of the configured phrases.
        |p, c| {
            let Some(f) = facts(p) else { return false };
            let texts = f.titles.iter().chain(f.h1.iter()).map(|t| t.to_lowercase());
            texts.into_iter().any(|t| {
                c.cfg()
                    .soft_404_phrases
                    .iter()
                    .any(|ph| t.contains(&ph.to_lowercase()))
            })
        },
        "a 'not found' page answered with 200 is indexed as a thin page",
        "answer missing pages with 404 or 410",
    ),
    page(
        "deprecated_html",
        CONTENT,
        "info",
        |p, _| facts(p).is_some_and(|f| f.deprecated_tags > 0),
        "obsolete tags (font, center, marquee) signal an unmaintained page",
        "replace them with CSS",
    ),
    page(
        "duplicate_id",
        CONTENT,
        "low",
        |p, _| facts(p).is_some_and(|f| !f.duplicate_ids.is_empty()),
        "repeated id attributes break anchors, scripts and accessibility",
        "make every id unique in the page",
    ),
    // Media.
    page(
        "image_alt_missing",
        MEDIA,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.images.iter().any(|i| i.alt.is_none())),
        "images without alt text are invisible to search and screen readers",
        "describe each image in its alt attribute",
    ),
    page(
        "image_alt_too_long",
        MEDIA,
        "low",
        |p, c| {
            facts(p).is_some_and(|f| {
                f.images.iter().any(|i| {
                    i.alt
                        .as_deref()
                        .is_some_and(|a| a.chars().count() > c.cfg().max_alt_len)
                })
            })
        },
        "very long alt text is truncated by screen readers and reads as stuffing",
        "describe the image in a short phrase",
    ),
    page(
        "image_dimensions_missing",
        MEDIA,
        "low",
        |p, _| facts(p).is_some_and(|f| f.images.iter().any(|i| !i.has_dimensions)),
        "images without dimensions shift the layout while loading",
        "set width and height on images",
    ),
    page(
        "image_src_missing",
        MEDIA,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.images.iter().any(|i| i.src.is_empty())),
        "an <img> without a usable src shows nothing",
        "give every image a src, or remove it",
    ),
    page(
        "picture_without_img",
        MEDIA,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.pictures_without_img > 0),
        "a <picture> needs an <img> fallback to show anything",
        "add an <img> inside every <picture>",
    ),
    page(
        "image_broken",
        MEDIA,
        "high",
        |p, c| resource(p, c, "image", failed),
        "broken images look careless and waste requests",
        "fix the image URL or remove the image",
    ),
    page(
        "image_redirect",
        MEDIA,
        "low",
        |p, c| resource(p, c, "image", |r| r.redirected && !failed(r)),
        "images behind redirects load slower",
        "reference the image's final URL",
    ),
    page(
        "image_too_large",
        MEDIA,
        "medium",
        |p, c| {
            let max = c.cfg().max_image_bytes;
            facts(p).is_some_and(|f| {
                f.images
                    .iter()
                    .filter_map(|i| c.resources.get(i.src.as_str()))
                    .any(|r| r.bytes.is_some_and(|b| b > max))
            })
        },
        "heavy images slow the page, above all on mobile",
        "compress and resize images (WebP/AVIF, srcset)",
    ),
    page(
        "image_wrong_type",
        MEDIA,
        "low",
        |p, c| {
            resource(p, c, "image", |r| {
                r.status == Some(200)
                    && r.content_type.as_deref().is_some_and(|t| {
                        !t.starts_with("image/") && t != "application/octet-stream"
                    })
            })
        },
        "an image served with a non-image media type may not be shown or indexed",
        "serve images with their image/* Content-Type",
    ),
    // Performance.
    super::url(
        "slow_ttfb",
        PERF,
        "medium",
        |p, c| p.status.is_some() && !p.is_redirect() && p.ttfb_ms > c.cfg().slow_ttfb_ms,
        "a slow first byte delays everything else",
        "cache pages or speed up the backend",
    ),
    page(
        "heavy_page",
        PERF,
        "medium",
        |p, c| p.bytes > c.cfg().heavy_page_bytes,
        "heavy HTML is slow on mobile networks",
        "reduce inline data and markup",
    ),
    page(
        "no_compression",
        PERF,
        "low",
        |p, c| p.bytes > c.cfg().compression_min_bytes && p.header("content-encoding").is_none(),
        "uncompressed HTML is several times larger on the wire",
        "enable gzip or brotli",
    ),
    page(
        "dom_too_large",
        PERF,
        "low",
        |p, c| facts(p).is_some_and(|f| f.dom_nodes > c.cfg().max_dom_nodes),
        "a very large DOM slows rendering and interaction",
        "simplify the markup; paginate or lazy-render long lists",
    ),
    page(
        "script_broken",
        PERF,
        "high",
        |p, c| resource(p, c, "script", failed),
        "a failing script can break the page and wastes a request",
        "fix the script URL or remove the tag",
    ),
    page(
        "stylesheet_broken",
        PERF,
        "high",
        |p, c| resource(p, c, "stylesheet", failed),
        "a failing style sheet leaves the page unstyled",
        "fix the style sheet URL or remove the link",
    ),
    page(
        "resource_redirect",
        PERF,
        "low",
        |p, c| {
            resource(p, c, "script", |r| r.redirected && !failed(r))
                || resource(p, c, "stylesheet", |r| r.redirected && !failed(r))
        },
        "scripts and style sheets behind redirects block rendering longer",
        "reference the final URL",
    ),
    // Structured data.
    page(
        "json_ld_invalid",
        SD,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.json_ld.iter().any(Result::is_err)),
        "invalid JSON-LD is ignored by search engines",
        "fix the JSON syntax",
    ),
    page(
        "schema_organization_incomplete",
        SD,
        "low",
        |p, c| schema_incomplete(p, c, "Organization"),
        "an Organization without its required properties earns no knowledge panel data",
        "add the properties schema_required lists for Organization",
    ),
    page(
        "schema_localbusiness_incomplete",
        SD,
        "medium",
        |p, c| schema_incomplete(p, c, "LocalBusiness"),
        "a LocalBusiness without name and address is not eligible for local rich results",
        "add the properties schema_required lists for LocalBusiness",
    ),
    page(
        "schema_product_incomplete",
        SD,
        "medium",
        |p, c| schema_incomplete(p, c, "Product"),
        "a Product without offers, review or rating is not eligible for product rich results",
        "add the properties schema_required lists for Product",
    ),
    page(
        "schema_article_incomplete",
        SD,
        "low",
        |p, c| schema_incomplete(p, c, "Article"),
        "an Article without headline, author or date loses article rich results",
        "add the properties schema_required lists for Article",
    ),
    page(
        "schema_breadcrumblist_incomplete",
        SD,
        "low",
        |p, c| schema_incomplete(p, c, "BreadcrumbList"),
        "a BreadcrumbList without items shows no breadcrumb in results",
        "add itemListElement entries",
    ),
    page(
        "schema_faqpage_incomplete",
        SD,
        "low",
        |p, c| schema_incomplete(p, c, "FAQPage"),
        "an FAQPage without questions is ignored",
        "add mainEntity with the questions and answers",
    ),
];
