//! Metadata: titles, descriptions, language, character set, hreflang, social cards.

use seo_crawler::Page;

use super::{Check, Ctx, canonicalised_away, facts, noindex, page, set};

const M: &str = "metadata";

fn title(p: &Page) -> Option<&str> {
    facts(p).and_then(|f| f.titles.first()).map(String::as_str)
}

fn description(p: &Page) -> Option<&str> {
    facts(p)
        .and_then(|f| f.descriptions.first())
        .map(String::as_str)
        .filter(|d| !d.is_empty())
}

/// Characters, not bytes: a Russian title is as long as it reads.
fn chars(s: &str) -> usize {
    s.trim().chars().count()
}

/// A BCP 47 language tag as engines accept it: a 2–3 letter language, optionally a script
/// and a region (`en`, `en-GB`, `zh-Hant-TW`, `es-419`).
fn valid_lang(code: &str) -> bool {
    let mut parts = code.split(['-', '_']);
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok
        && parts.all(|p| {
            (p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
                || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
                || (p.len() == 4 && p.chars().all(|c| c.is_ascii_alphabetic()))
        })
}

fn primary(code: &str) -> String {
    code.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// hreflang targets of a page other than itself that were crawled.
fn hreflang_targets<'a>(p: &Page, c: &Ctx<'a>) -> Vec<&'a Page> {
    facts(p)
        .map(|f| {
            f.hreflang
                .iter()
                .filter(|(_, u)| *u != p.url)
                .filter_map(|(_, u)| c.page(u))
                .collect()
        })
        .unwrap_or_default()
}

/// The Open Graph properties a complete card has.
const OG_REQUIRED: [&str; 4] = ["og:title", "og:description", "og:image", "og:url"];

pub(super) const CHECKS: &[Check] = &[
    page(
        "title_missing",
        M,
        "high",
        |p, _| title(p).is_none_or(|t| t.trim().is_empty()),
        "the title is the headline of the search result",
        "add a unique, descriptive <title>",
    ),
    page(
        "title_multiple",
        M,
        "low",
        |p, _| facts(p).is_some_and(|f| f.titles.len() > 1),
        "several titles leave the choice to the search engine",
        "keep one <title>",
    ),
    page(
        "title_too_short",
        M,
        "low",
        |p, c| title(p).is_some_and(|t| chars(t) > 0 && chars(t) < c.cfg().title_len[0]),
        "a short title says little about the page (counted in characters)",
        "write a descriptive title",
    ),
    page(
        "title_too_long",
        M,
        "low",
        |p, c| title(p).is_some_and(|t| chars(t) > c.cfg().title_len[1]),
        "a long title is cut off in results (counted in characters, not bytes)",
        "shorten the title, key words first",
    ),
    set(
        "title_duplicate",
        M,
        "medium",
        |c| super::duplicates(c, |p| title(p).map(|t| t.trim().to_string())),
        "pages with the same title compete for the same searches",
        "give every page its own title",
    ),
    page(
        "title_same_as_h1",
        M,
        "info",
        |p, _| {
            title(p).is_some_and(|t| {
                facts(p).is_some_and(|f| {
                    f.h1.first()
                        .is_some_and(|h| !h.is_empty() && h.trim().eq_ignore_ascii_case(t.trim()))
                })
            })
        },
        "a title identical to the H1 wastes the chance to target a second phrasing",
        "vary the title and the H1",
    ),
    page(
        "description_missing",
        M,
        "medium",
        |p, _| description(p).is_none(),
        "without a description the engine invents the snippet",
        "add a meta description summarising the page",
    ),
    page(
        "description_multiple",
        M,
        "low",
        |p, _| facts(p).is_some_and(|f| f.descriptions.len() > 1),
        "several descriptions leave the choice to the search engine",
        "keep one meta description",
    ),
    page(
        "description_too_short",
        M,
        "low",
        |p, c| description(p).is_some_and(|d| chars(d) < c.cfg().description_len[0]),
        "a short description makes a poor snippet (counted in characters)",
        "write a description of one or two sentences",
    ),
    page(
        "description_too_long",
        M,
        "low",
        |p, c| description(p).is_some_and(|d| chars(d) > c.cfg().description_len[1]),
        "a long description is cut off in results (counted in characters, not bytes)",
        "shorten the description",
    ),
    set(
        "description_duplicate",
        M,
        "medium",
        |c| super::duplicates(c, |p| description(p).map(str::to_string)),
        "identical descriptions make results look alike",
        "write a description per page",
    ),
    page(
        "meta_keywords",
        M,
        "info",
        |p, _| facts(p).is_some_and(|f| f.meta_keywords),
        "meta keywords are ignored by engines and show competitors your targets",
        "remove the keywords meta tag",
    ),
    page(
        "viewport_missing",
        M,
        "medium",
        |p, _| facts(p).is_some_and(|f| !f.has_viewport),
        "without a viewport the page is not mobile-friendly",
        "add <meta name=viewport content=\"width=device-width, initial-scale=1\">",
    ),
    page(
        "lang_missing",
        M,
        "low",
        |p, _| facts(p).is_some_and(|f| f.lang.is_none()),
        "the page language helps engines and screen readers",
        "set <html lang>",
    ),
    page(
        "lang_invalid",
        M,
        "medium",
        |p, _| {
            facts(p)
                .and_then(|f| f.lang.as_deref())
                .is_some_and(|l| !valid_lang(l))
        },
        "a language code engines do not recognise is ignored",
        "use a BCP 47 code such as en, en-GB or ru",
    ),
    page(
        "charset_missing",
        M,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| f.charset.is_none())
                && !p
                    .header("content-type")
                    .is_some_and(|t| t.to_lowercase().contains("charset="))
        },
        "without a declared character set, text may be garbled",
        "send charset=utf-8 in Content-Type or add <meta charset=\"utf-8\">",
    ),
    page(
        "doctype_missing",
        M,
        "low",
        |p, _| facts(p).is_some_and(|f| !f.has_doctype),
        "without <!DOCTYPE html> browsers render in quirks mode",
        "start the document with <!DOCTYPE html>",
    ),
    page(
        "meta_in_body",
        M,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.metas_in_body > 0),
        "meta tags in the body are ignored by engines",
        "move meta tags into <head>",
    ),
    // hreflang.
    page(
        "hreflang_invalid_code",
        M,
        "medium",
        |p, _| {
            facts(p).is_some_and(|f| {
                f.hreflang
                    .iter()
                    .any(|(code, _)| code != "x-default" && !valid_lang(code))
            })
        },
        "alternates with an invalid language code are ignored",
        "use ISO 639-1 codes, optionally with an ISO 3166-1 region (en-gb)",
    ),
    page(
        "hreflang_relative",
        M,
        "medium",
        |p, _| facts(p).is_some_and(|f| f.hreflang_relative > 0),
        "hreflang URLs must be absolute",
        "write every hreflang href as an absolute URL",
    ),
    page(
        "hreflang_x_default_missing",
        M,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| {
                !f.hreflang.is_empty() && !f.hreflang.iter().any(|(c, _)| c == "x-default")
            })
        },
        "without x-default, visitors of other languages get no fallback",
        "add an x-default alternate",
    ),
    page(
        "hreflang_self_missing",
        M,
        "medium",
        |p, _| {
            facts(p).is_some_and(|f| {
                !f.hreflang.is_empty() && !f.hreflang.iter().any(|(_, u)| *u == p.url)
            })
        },
        "an hreflang set must include the page itself",
        "add an alternate pointing at the page itself",
    ),
    page(
        "hreflang_lang_mismatch",
        M,
        "low",
        |p, _| {
            facts(p).is_some_and(|f| {
                let own = f
                    .hreflang
                    .iter()
                    .find(|(c, u)| *u == p.url && c != "x-default");
                match (own, f.lang.as_deref()) {
                    (Some((code, _)), Some(lang)) => primary(code) != primary(lang),
                    _ => false,
                }
            })
        },
        "the page's own hreflang code disagrees with its html lang",
        "make the self-referencing hreflang match <html lang>",
    ),
    page(
        "hreflang_return_missing",
        M,
        "high",
        |p, c| {
            hreflang_targets(p, c).iter().any(|t| {
                t.status == Some(200)
                    && !t.is_redirect()
                    && facts(t).is_some_and(|f| !f.hreflang.iter().any(|(_, u)| *u == p.url))
            })
        },
        "hreflang without a return link from the alternate is ignored",
        "make every alternate link back to this page",
    ),
    page(
        "hreflang_to_error",
        M,
        "high",
        |p, c| {
            hreflang_targets(p, c)
                .iter()
                .any(|t| t.status.is_none_or(|s| s >= 400))
        },
        "an alternate that fails breaks the language set",
        "point hreflang at live pages",
    ),
    page(
        "hreflang_to_redirect",
        M,
        "medium",
        |p, c| hreflang_targets(p, c).iter().any(|t| t.is_redirect()),
        "an alternate that redirects weakens the language set",
        "point hreflang at the final URL",
    ),
    page(
        "hreflang_to_noindex",
        M,
        "medium",
        |p, c| {
            hreflang_targets(p, c)
                .iter()
                .any(|t| !t.is_redirect() && noindex(t))
        },
        "an alternate that is noindex cannot be shown",
        "point hreflang at indexable pages",
    ),
    page(
        "hreflang_to_non_canonical",
        M,
        "medium",
        |p, c| {
            hreflang_targets(p, c)
                .iter()
                .any(|t| !t.is_redirect() && canonicalised_away(t))
        },
        "an alternate that canonicalises elsewhere is ignored",
        "point hreflang at canonical URLs",
    ),
    set(
        "hreflang_conflicting_codes",
        M,
        "medium",
        |c| {
            let mut codes: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
                std::collections::BTreeMap::new();
            for p in &c.ok_html {
                for (code, u) in facts(p).iter().flat_map(|f| f.hreflang.iter()) {
                    if code != "x-default" {
                        codes.entry(u.as_str()).or_default().insert(code.as_str());
                    }
                }
            }
            codes
                .into_iter()
                .filter(|(_, cs)| cs.len() > 1)
                .map(|(u, _)| u.to_string())
                .collect()
        },
        "a URL named as the alternate for several languages confuses targeting",
        "give each language its own URL",
    ),
    // Social cards.
    page(
        "open_graph_missing",
        M,
        "low",
        |p, _| facts(p).is_some_and(|f| f.open_graph.is_empty()),
        "without Open Graph tags, shared links show a bare URL",
        "add og:title, og:description, og:image and og:url",
    ),
    page(
        "open_graph_incomplete",
        M,
        "info",
        |p, _| {
            facts(p).is_some_and(|f| {
                !f.open_graph.is_empty()
                    && OG_REQUIRED
                        .iter()
                        .any(|r| !f.open_graph.iter().any(|o| o == r))
            })
        },
        "an incomplete Open Graph card is shown without image or text",
        "add the missing og:title, og:description, og:image or og:url",
    ),
    page(
        "twitter_card_missing",
        M,
        "info",
        |p, _| facts(p).is_some_and(|f| !f.twitter.iter().any(|t| t == "twitter:card")),
        "without twitter:card, links shared on X show no preview",
        "add <meta name=\"twitter:card\" content=\"summary_large_image\">",
    ),
];
