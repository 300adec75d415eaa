//! The site as a whole and its headers: https and its variants, security headers, forms,
//! robots.txt, sitemaps, llms.txt, favicon, structured data presence, Yandex specifics.

use seo_crawler::SiteFile;

use super::{Check, Ctx, facts, page, site};

const C: &str = "crawlability";
const S: &str = "security";
const M: &str = "metadata";

/// The site serves the Russian-speaking market: its host ends in one of the configured
/// top-level domains, or most pages declare Russian.
fn russian_market(c: &Ctx<'_>) -> bool {
    let host = c.host().to_lowercase();
    let tld = c
        .cfg()
        .yandex_market_tlds
        .iter()
        .any(|t| host.ends_with(&t.to_lowercase()));
    let ru = c
        .ok_html
        .iter()
        .filter(|p| {
            facts(p)
                .and_then(|f| f.lang.as_deref())
                .is_some_and(|l| l.to_lowercase().starts_with("ru"))
        })
        .count();
    tld || (!c.ok_html.is_empty() && ru * 2 > c.ok_html.len())
}

fn redirects_to_https(p: &seo_crawler::Probe) -> bool {
    p.status.is_some_and(|s| (300..400).contains(&s))
        && p.location
            .as_deref()
            .is_some_and(|l| l.starts_with("https://"))
}

pub(super) const CHECKS: &[Check] = &[
    site(
        "no_https",
        S,
        "high",
        |c| !c.https(),
        "browsers mark http sites insecure and engines prefer https",
        "serve the site over https and redirect http to it",
    ),
    site(
        "http_not_redirected",
        S,
        "high",
        |c| {
            c.report
                .probes
                .http
                .as_ref()
                .is_some_and(|p| p.status.is_some() && !redirects_to_https(p))
        },
        "an http version that answers without redirecting to https splits the site in two",
        "redirect every http URL to its https twin with a 301",
    ),
    site(
        "www_and_non_www",
        C,
        "high",
        |c| {
            c.report
                .probes
                .alternate_host
                .as_ref()
                .is_some_and(|p| p.status == Some(200))
        },
        "the www and non-www hosts both answer 200: every page exists twice",
        "pick one host and 301-redirect the other to it",
    ),
    site(
        "missing_page_answers_200",
        C,
        "high",
        |c| {
            c.report
                .probes
                .missing_page
                .as_ref()
                .is_some_and(|p| p.status == Some(200))
        },
        "a URL that cannot exist answered 200: missing pages are soft 404s",
        "answer unknown URLs with 404",
    ),
    page(
        "hsts_missing",
        S,
        "medium",
        // Only meaningful on an https site (an http one already fails `no_https`).
        |p, c| c.https() && p.header("strict-transport-security").is_none(),
        "without HSTS the first visit can be downgraded to http",
        "send Strict-Transport-Security",
    ),
    page(
        "csp_missing",
        S,
        "low",
        |p, _| p.header("content-security-policy").is_none(),
        "a Content-Security-Policy limits the damage of injected scripts",
        "send a Content-Security-Policy header",
    ),
    page(
        "nosniff_missing",
        S,
        "low",
        |p, _| p.header("x-content-type-options").is_none(),
        "without nosniff browsers may misread file types",
        "send X-Content-Type-Options: nosniff",
    ),
    page(
        "insecure_form",
        S,
        "high",
        |p, _| facts(p).is_some_and(|f| f.insecure_forms > 0),
        "forms posting over http expose what users type",
        "post forms to https URLs",
    ),
    page(
        "form_on_http",
        S,
        "high",
        |p, _| p.url.starts_with("http://") && facts(p).is_some_and(|f| f.forms > 0),
        "a form on an http page sends what users type in clear text",
        "serve the page over https",
    ),
    page(
        "mixed_content",
        S,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.http_resources > 0),
        "http resources on https pages are blocked or warned about",
        "load every resource over https",
    ),
    page(
        "http_page",
        S,
        "medium",
        |p, c| c.https() && p.url.starts_with("http://"),
        "an https site that still serves pages over http",
        "redirect the http pages to https",
    ),
    site(
        "structured_data_missing",
        "structured_data",
        "low",
        |c| {
            !c.ok_html.is_empty()
                && c.ok_html
                    .iter()
                    .all(|p| facts(p).is_some_and(|f| f.json_ld.is_empty()))
        },
        "structured data makes pages eligible for rich results",
        "add schema.org JSON-LD (Organization, WebSite, and page types)",
    ),
    site(
        "favicon_missing",
        M,
        "low",
        |c| {
            !c.ok_html.is_empty()
                && c.ok_html
                    .iter()
                    .all(|p| facts(p).is_some_and(|f| !f.has_favicon))
        },
        "results show a site icon; without one a generic globe is shown",
        "add <link rel=\"icon\" href=\"/favicon.ico\">",
    ),
    // Site files.
    site(
        "robots_txt_missing",
        C,
        "low",
        |c| !c.report.robots_txt.found(),
        "robots.txt tells crawlers what to skip and where the sitemap is",
        "publish /robots.txt",
    ),
    site(
        "robots_txt_invalid",
        C,
        "medium",
        // Lines that do not parse, and values that are not numbers a crawler can use
        // (e.g. `Crawl-delay: NaN`).
        |c| c.report.robots_txt.found() && c.report.robots_invalid_lines > 0,
        "lines crawlers cannot parse may not do what you meant",
        "fix the robots.txt syntax",
    ),
    site(
        "sitemap_missing",
        C,
        "medium",
        |c| !c.report.sitemaps.iter().any(SiteFile::found),
        "a sitemap helps engines find every page",
        "publish /sitemap.xml and list it in robots.txt",
    ),
    site(
        "sitemap_not_in_robots",
        C,
        "low",
        |c| {
            c.report.robots_txt.found()
                && c.report.sitemaps.iter().any(SiteFile::found)
                && c.report.robots.sitemaps.is_empty()
        },
        "engines find a sitemap fastest through a Sitemap: line in robots.txt",
        "add Sitemap: https://your-site/sitemap.xml to robots.txt",
    ),
    site(
        "sitemap_too_large",
        C,
        "high",
        |c| {
            c.report.sitemaps.iter().any(|s| {
                s.entries > c.cfg().max_sitemap_urls || s.bytes > c.cfg().max_sitemap_bytes
            })
        },
        "a sitemap over 50,000 URLs or 50 MB is rejected",
        "split it into several sitemaps under a sitemap index",
    ),
    site(
        "llms_txt_missing",
        C,
        "info",
        |c| !c.report.llms_txt.found(),
        "llms.txt guides AI assistants to your key content",
        "publish /llms.txt",
    ),
    // Yandex, for Russian-market sites.
    site(
        "robots_host_directive",
        C,
        "info",
        |c| c.report.robots.host.is_some(),
        "Yandex ignores the Host directive since 2018; the main mirror is set by a 301",
        "remove Host: and redirect the secondary mirror with a 301",
    ),
    site(
        "clean_param_missing",
        C,
        "low",
        |c| {
            russian_market(c)
                && c.report.robots.clean_params == 0
                && c.report.pages.iter().any(|p| {
                    url::Url::parse(&p.url).is_ok_and(|u| {
                        u.query_pairs().any(|(k, _)| {
                            let k = k.to_lowercase();
                            k.starts_with("utm_") || k == "yclid" || k == "gclid" || k == "from"
                        })
                    })
                })
        },
        "Yandex crawls every tracking-parameter variant unless robots.txt has Clean-param",
        "add Clean-param: utm_source&utm_medium&utm_campaign&yclid to robots.txt",
    ),
    site(
        "yandex_verification_missing",
        C,
        "info",
        |c| {
            russian_market(c)
                && c.home()
                    .and_then(|p| facts(p))
                    .is_some_and(|f| !f.verification.iter().any(|v| v == "yandex-verification"))
        },
        "a Russian-market site is managed in Yandex Webmaster, which needs verification",
        "add the yandex-verification meta tag to the home page",
    ),
];
