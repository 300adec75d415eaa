//! Links: broken, redirected, nofollow, insecure, local and empty links, dead ends,
//! pagination, external links (within the crawl's budget).

use seo_crawler::{Link, Page};

use super::{Check, Ctx, facts, page};

const L: &str = "links";

fn links(p: &Page) -> &[Link] {
    facts(p).map_or(&[], |f| f.links.as_slice())
}

fn external(c: &Ctx<'_>, u: &str, pred: fn(&seo_crawler::Resource) -> bool) -> bool {
    c.resources
        .get(u)
        .is_some_and(|r| r.kind == "external_link" && pred(r))
}

fn is_local_host(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

pub(super) const CHECKS: &[Check] = &[
    page(
        "broken_internal_link",
        L,
        "high",
        |p, c| links(p).iter().any(|l| c.broken(&l.url)),
        "links to missing pages lose visitors and link equity",
        "fix or remove the links",
    ),
    page(
        "link_to_redirect",
        L,
        "low",
        |p, c| links(p).iter().any(|l| c.redirects(&l.url)),
        "linking through redirects wastes crawl budget",
        "link to the final URL",
    ),
    page(
        "too_many_links",
        L,
        "low",
        |p, c| facts(p).is_some_and(|f| f.links_total > c.cfg().max_links),
        "very many links dilute each one",
        "trim navigation and footer links",
    ),
    page(
        "internal_nofollow",
        L,
        "medium",
        |p, c| links(p).iter().any(|l| l.nofollow && c.internal(&l.url)),
        "nofollow on internal links throws away your own link equity",
        "remove nofollow from internal links",
    ),
    page(
        "external_followed",
        L,
        "info",
        |p, c| links(p).iter().any(|l| !l.nofollow && !c.internal(&l.url)),
        "followed external links pass link equity; sponsored or untrusted ones should not",
        "mark paid, user-generated or untrusted external links rel=sponsored, ugc or nofollow",
    ),
    page(
        "links_to_http",
        L,
        "medium",
        |p, c| {
            c.https()
                && p.url.starts_with("https://")
                && links(p)
                    .iter()
                    .any(|l| l.url.starts_with("http://") && c.internal(&l.url))
        },
        "internal links to http on an https site go through a redirect or a downgrade",
        "link to the https URLs",
    ),
    page(
        "localhost_links",
        L,
        "high",
        // Only on a public site: a site audited on localhost links to itself there.
        |p, c| {
            !is_local_host(&c.report.start_url) && links(p).iter().any(|l| is_local_host(&l.url))
        },
        "links to localhost work only on a developer's machine",
        "replace them with the public URLs",
    ),
    page(
        "empty_anchor_text",
        L,
        "low",
        |p, _| links(p).iter().any(|l| l.text.trim().is_empty()),
        "links without text (or image alt) tell engines nothing about their target",
        "give every link text, or an alt text on its image",
    ),
    page(
        "dead_end",
        L,
        "low",
        |p, _| facts(p).is_some_and(|f| f.links_total == 0),
        "a page without outgoing links stops crawlers and visitors",
        "link to related pages and the navigation",
    ),
    page(
        "pagination_not_linked",
        L,
        "medium",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.pagination
                    .iter()
                    .any(|target| !f.links.iter().any(|l| l.url == *target))
            })
        },
        "rel=next/prev without an actual link leaves paginated pages undiscovered",
        "link the next and previous pages with <a href>",
    ),
    page(
        "external_link_broken",
        L,
        "medium",
        |p, c| {
            links(p)
                .iter()
                .any(|l| external(c, &l.url, |r| r.status.is_none_or(|s| s >= 400)))
        },
        "broken outbound links look neglected",
        "update or remove the links",
    ),
    page(
        "external_link_redirect",
        L,
        "info",
        |p, c| {
            links(p).iter().any(|l| {
                external(c, &l.url, |r| {
                    r.redirected && r.status.is_some_and(|s| s < 400)
                })
            })
        },
        "outbound links that redirect may have moved or changed meaning",
        "link to the final URL",
    ),
];
