//! Crawlability and indexability: status codes, redirects, robots directives, canonicals,
//! sitemap entries, reachability and URL hygiene.

use seo_crawler::Page;

use super::{Check, Ctx, canonical, canonicalised_away, facts, noindex, page, set, url as any_url};

const C: &str = "crawlability";

fn loop_error(p: &Page) -> bool {
    p.error
        .as_deref()
        .is_some_and(|e| e.starts_with("redirect loop") || e.starts_with("more than"))
}

fn timed_out(p: &Page) -> bool {
    p.error.as_deref().is_some_and(|e| e.contains("timed out"))
}

/// The path and query of a URL as written (percent-encoded by the URL parser).
fn parsed(p: &Page) -> Option<url::Url> {
    url::Url::parse(&p.url).ok()
}

/// A percent-encoded byte of 0x80 or above: the URL was written with non-ASCII characters.
fn encodes_non_ascii(path: &str) -> bool {
    path.split('%').skip(1).any(|rest| {
        rest.chars()
            .next()
            .is_some_and(|h| matches!(h, '8'..='9' | 'a'..='f' | 'A'..='F'))
    })
}

/// The canonical target of a page when it is another crawled URL.
fn canonical_target<'a>(p: &Page, c: &Ctx<'a>) -> Option<&'a Page> {
    canonical(p).filter(|t| *t != p.url).and_then(|t| c.page(t))
}

/// Sitemap entries whose crawled page satisfies `pred`.
fn sitemap_entries(c: &Ctx<'_>, pred: fn(&Page, &Ctx<'_>) -> bool) -> Vec<String> {
    c.report
        .sitemap_urls
        .iter()
        .filter(|u| c.page(u).is_some_and(|p| pred(p, c)))
        .cloned()
        .collect()
}

pub(super) const CHECKS: &[Check] = &[
    any_url(
        "http_5xx",
        C,
        "critical",
        |p, _| p.status.is_some_and(|s| s >= 500),
        "server errors keep pages out of the index and waste crawl budget",
        "fix the server error or remove links to the URL",
    ),
    any_url(
        "http_4xx",
        C,
        "high",
        |p, _| p.status.is_some_and(|s| (400..500).contains(&s)),
        "linked pages that do not exist frustrate users and leak link equity",
        "restore the page, redirect it (301) or remove the links",
    ),
    any_url(
        "redirect_loop",
        C,
        "high",
        |p, _| loop_error(p),
        "a redirect loop never reaches content; crawlers give up",
        "make the redirect end at a 200 page",
    ),
    any_url(
        "page_timeout",
        C,
        "high",
        |p, _| p.status.is_none() && timed_out(p),
        "a page that does not answer in time cannot be indexed",
        "speed up the page or the server behind it",
    ),
    any_url(
        "fetch_error",
        C,
        "high",
        |p, _| p.status.is_none() && !loop_error(p) && !timed_out(p),
        "pages that refuse connections cannot be indexed",
        "check server capacity, timeouts and firewall rules",
    ),
    any_url(
        "redirect",
        C,
        "info",
        |p, _| p.is_redirect(),
        "every redirect is an extra request before the content",
        "link to the final URL; keep redirects for moved pages only",
    ),
    any_url(
        "redirect_chain",
        C,
        "medium",
        |p, _| p.redirects.len() > 1,
        "chains of redirects slow crawling and dilute signals",
        "link and redirect straight to the final URL",
    ),
    any_url(
        "redirect_temporary",
        C,
        "low",
        |p, _| {
            p.redirects
                .iter()
                .any(|h| matches!(h.status, 302 | 303 | 307))
        },
        "a temporary redirect keeps the old URL in the index",
        "use 301 or 308 for pages that moved for good",
    ),
    any_url(
        "redirect_to_http",
        C,
        "high",
        |p, _| p.url.starts_with("https://") && p.final_url.starts_with("http://"),
        "a redirect from https to http downgrades the visit",
        "redirect to the https URL",
    ),
    any_url(
        "truncated_page",
        C,
        "medium",
        |p, _| p.truncated,
        "very large HTML documents may be cut off by crawlers",
        "reduce the HTML size",
    ),
    page(
        "noindex",
        C,
        "medium",
        |p, _| noindex(p),
        "noindex pages are dropped from search results",
        "remove noindex from pages that should rank",
    ),
    page(
        "nofollow_page",
        C,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.meta_robots
                    .as_deref()
                    .is_some_and(|m| m.contains("nofollow"))
            })
        },
        "a page-wide nofollow stops link equity flowing to every page it links",
        "remove nofollow from the robots meta tag",
    ),
    page(
        "nosnippet",
        C,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.meta_robots
                    .as_deref()
                    .is_some_and(|m| m.contains("nosnippet"))
            })
        },
        "nosnippet leaves the search result without a description",
        "remove nosnippet unless the text must stay out of results",
    ),
    page(
        "noimageindex",
        C,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.meta_robots
                    .as_deref()
                    .is_some_and(|m| m.contains("noimageindex"))
            })
        },
        "noimageindex keeps the page's images out of image search",
        "remove noimageindex unless the images must stay out",
    ),
    page(
        "meta_refresh_redirect",
        C,
        "medium",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.meta_refresh
                    .as_deref()
                    .is_some_and(|r| r.to_lowercase().contains("url="))
            })
        },
        "meta refresh redirects are slow and passed on less reliably than HTTP redirects",
        "replace the meta refresh with a 301 redirect",
    ),
    set(
        "blocked_by_robots",
        C,
        "info",
        |c| c.report.blocked_by_robots.clone(),
        "linked URLs that robots.txt disallows are never crawled",
        "allow the URLs in robots.txt if they should rank, or stop linking them",
    ),
    // Canonicals.
    page(
        "canonical_missing",
        C,
        "low",
        |p, _| facts(p).is_some_and(|f| f.canonicals.is_empty()),
        "without a canonical, duplicate URLs compete with each other",
        "add <link rel=canonical> to every page",
    ),
    page(
        "canonical_multiple",
        C,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.canonicals.len() > 1),
        "several canonicals are ignored",
        "keep exactly one canonical",
    ),
    page(
        "canonical_relative",
        C,
        "low",
        |p, _| facts(p).is_some_and(|f| f.canonicals_relative > 0),
        "a relative canonical is easily resolved against the wrong host or path",
        "write the canonical as an absolute URL",
    ),
    page(
        "canonical_to_error",
        C,
        "high",
        |p, c| canonical_target(p, c).is_some_and(|t| t.status.is_none_or(|s| s >= 400)),
        "a canonical pointing at a missing page is ignored and confuses indexing",
        "point the canonical at a live 200 page",
    ),
    page(
        "canonical_to_redirect",
        C,
        "medium",
        |p, c| canonical_target(p, c).is_some_and(Page::is_redirect),
        "a canonical pointing at a redirect sends mixed signals",
        "point the canonical at the final URL",
    ),
    page(
        "canonical_to_noindex",
        C,
        "medium",
        |p, c| canonical_target(p, c).is_some_and(noindex),
        "a canonical pointing at a noindex page asks to index a page that refuses it",
        "point the canonical at an indexable page",
    ),
    page(
        "canonical_to_non_canonical",
        C,
        "medium",
        |p, c| canonical_target(p, c).is_some_and(canonicalised_away),
        "a canonical to a page that canonicalises elsewhere forms a chain engines may not follow",
        "point the canonical at the final canonical URL",
    ),
    page(
        "canonical_other_host",
        C,
        "medium",
        |p, c| canonical(p).is_some_and(|t| !c.internal(t)),
        "a canonical on another host hands this page's ranking to that host",
        "keep the canonical on this site unless the content really lives elsewhere",
    ),
    page(
        "canonical_header_mismatch",
        C,
        "medium",
        |p, _| {
            let header = p.header("link").and_then(|l| {
                l.split(',')
                    .find(|part| {
                        part.contains("rel=\"canonical\"") || part.contains("rel=canonical")
                    })
                    .and_then(|part| {
                        part.split_once('<')
                            .and_then(|(_, r)| r.split_once('>'))
                            .map(|(u, _)| u.trim().to_string())
                    })
            });
            match (header, canonical(p)) {
                (Some(h), Some(html)) => {
                    let abs = url::Url::parse(&p.url)
                        .and_then(|b| b.join(&h))
                        .map(|u| u.to_string())
                        .unwrap_or(h);
                    abs != html
                }
                _ => false,
            }
        },
        "an HTML canonical and an HTTP Link canonical that disagree are both ignored",
        "send one canonical, or make both name the same URL",
    ),
    set(
        "duplicate_without_canonical",
        C,
        "medium",
        |c| {
            let dup = super::duplicates(c, |p| {
                facts(p)
                    .filter(|f| f.word_count > 0)
                    .map(|f| f.text_hash.to_string())
            });
            dup.into_iter()
                .filter(|u| c.page(u).is_some_and(|p| canonical(p).is_none()))
                .collect()
        },
        "identical pages with no canonical leave engines to pick one",
        "add a canonical naming the preferred version",
    ),
    // Sitemap entries.
    set(
        "sitemap_redirect",
        C,
        "medium",
        |c| sitemap_entries(c, |p, _| p.is_redirect()),
        "a sitemap should list final URLs, not redirects",
        "replace redirected URLs in the sitemap with their targets",
    ),
    set(
        "sitemap_error",
        C,
        "high",
        |c| sitemap_entries(c, |p, _| p.status.is_none_or(|s| s >= 400)),
        "sitemap URLs that fail waste crawl budget and trust in the sitemap",
        "remove missing and failing URLs from the sitemap",
    ),
    set(
        "sitemap_noindex",
        C,
        "medium",
        |c| sitemap_entries(c, |p, _| !p.is_redirect() && noindex(p)),
        "a sitemap asks for indexing; noindex refuses it",
        "drop noindex pages from the sitemap or make them indexable",
    ),
    set(
        "sitemap_non_canonical",
        C,
        "medium",
        |c| sitemap_entries(c, |p, _| !p.is_redirect() && canonicalised_away(p)),
        "a sitemap should list canonical URLs only",
        "list the canonical URL instead",
    ),
    set(
        "sitemap_blocked",
        C,
        "medium",
        |c| {
            c.report
                .sitemap_urls
                .iter()
                .filter(|u| c.blocked.contains(u.as_str()))
                .cloned()
                .collect()
        },
        "a sitemap URL that robots.txt disallows cannot be crawled",
        "allow the URL in robots.txt or drop it from the sitemap",
    ),
    // Reachability.
    set(
        "orphan_page",
        C,
        "medium",
        |c| {
            let start = c.report.start_url.as_str();
            c.report
                .sitemap_urls
                .iter()
                .filter(|u| u.as_str() != start)
                .filter(|u| {
                    c.page(u)
                        .is_some_and(|p| p.status == Some(200) && !p.is_redirect())
                })
                .filter(|u| {
                    let i = c.inlinks(u);
                    i.follow + i.nofollow == 0
                })
                .cloned()
                .collect()
        },
        "a page in the sitemap that no page links to gets little crawl attention and no link equity",
        "link the page from related pages or the navigation",
    ),
    set(
        "nofollow_inlinks_only",
        C,
        "medium",
        |c| {
            c.ok_html
                .iter()
                .filter(|p| {
                    let i = c.inlinks(&p.url);
                    i.nofollow > 0 && i.follow == 0
                })
                .map(|p| p.url.clone())
                .collect()
        },
        "a page reached only through nofollow links receives no internal link equity",
        "link it with at least one followed link",
    ),
    set(
        "mixed_follow_inlinks",
        C,
        "low",
        |c| {
            c.ok_html
                .iter()
                .filter(|p| {
                    let i = c.inlinks(&p.url);
                    i.nofollow > 0 && i.follow > 0
                })
                .map(|p| p.url.clone())
                .collect()
        },
        "a page linked both with and without nofollow sends mixed signals",
        "link each internal page the same way (followed)",
    ),
    page(
        "click_depth",
        C,
        "low",
        |p, c| p.depth > c.cfg().max_click_depth,
        "pages many clicks from the home page are crawled rarely and rank weakly",
        "link deep pages from hubs closer to the home page",
    ),
    // URL hygiene.
    page(
        "url_uppercase",
        C,
        "low",
        |p, _| parsed(p).is_some_and(|u| u.path().chars().any(char::is_uppercase)),
        "mixed-case URLs create duplicates on case-sensitive servers",
        "use lower-case URLs and redirect the others",
    ),
    page(
        "url_underscore",
        C,
        "info",
        |p, _| parsed(p).is_some_and(|u| u.path().contains('_')),
        "engines read hyphens, not underscores, as word separators",
        "use hyphens between words",
    ),
    page(
        "url_space",
        C,
        "medium",
        // `+` is a literal plus in a path (a space only in a query): `%20` is the space.
        |p, _| parsed(p).is_some_and(|u| u.path().contains("%20")),
        "spaces in URLs break when shared and are encoded inconsistently",
        "replace spaces with hyphens",
    ),
    page(
        "url_double_slash",
        C,
        "low",
        |p, _| parsed(p).is_some_and(|u| u.path().contains("//")),
        "double slashes create duplicate URLs of the same page",
        "fix the links that produce // and redirect them",
    ),
    page(
        "url_too_long",
        C,
        "low",
        |p, c| p.url.chars().count() > c.cfg().max_url_len,
        "long URLs are cut in results and hard to share",
        "shorten the URL",
    ),
    page(
        "url_too_many_params",
        C,
        "low",
        |p, c| parsed(p).is_some_and(|u| u.query_pairs().count() > c.cfg().max_url_params),
        "URLs with many parameters multiply into near-duplicate pages",
        "keep parameters few, or canonicalise parameter variants",
    ),
    page(
        "url_non_ascii",
        C,
        "low",
        |p, _| parsed(p).is_some_and(|u| encodes_non_ascii(u.path())),
        "non-ASCII characters in URLs are percent-encoded into unreadable strings",
        "use transliterated ASCII slugs",
    ),
];
