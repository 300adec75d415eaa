//! robots.txt: the group for our user agent (else `*`), longest-match Allow/Disallow with
//! `*` and `$` wildcards, and the Sitemap lines.

/// One `User-agent` group while parsing: agents, (allow?, pattern) rules, crawl delay.
type Group = (Vec<String>, Vec<(bool, String)>, Option<f64>);

/// Parsed rules for one user agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Vec<(bool, String)>,
    /// `Sitemap:` URLs listed in the file.
    pub sitemaps: Vec<String>,
    /// `Crawl-delay` in seconds, when given for our group.
    pub crawl_delay: Option<f64>,
    /// Lines that could not be understood.
    pub invalid_lines: usize,
    /// Yandex's `Host:` directive, when present (obsolete since 2018).
    pub host: Option<String>,
    /// Yandex `Clean-param:` lines.
    pub clean_params: usize,
}

impl Robots {
    /// Parses `text` for the agent token `agent` (e.g. `seoarchitectsbot`).
    pub fn parse(text: &str, agent: &str) -> Self {
        let agent = agent.to_lowercase();
        // Groups: (agents, rules, delay).
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        let mut invalid = 0;
        let mut in_agents = false;
        let mut host = None;
        let mut clean_params = 0;
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                invalid += 1;
                continue;
            };
            let (key, value) = (key.trim().to_lowercase(), value.trim().to_string());
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new(), None));
                    }
                    if let Some(g) = groups.last_mut() {
                        g.0.push(value.to_lowercase());
                    }
                    in_agents = true;
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    match groups.last_mut() {
                        Some(g) => {
                            if !value.is_empty() {
                                g.1.push((key == "allow", value));
                            }
                        }
                        None => invalid += 1,
                    }
                }
                "crawl-delay" => {
                    in_agents = false;
                    // Only a finite, non-negative number of seconds is a delay; `NaN`,
                    // `inf`, `-1` or words are an invalid line, never a value we compute with.
                    match (groups.last_mut(), value.parse::<f64>()) {
                        (Some(g), Ok(d)) if d.is_finite() && d >= 0.0 => g.2 = Some(d),
                        _ => invalid += 1,
                    }
                }
                "sitemap" => sitemaps.push(value),
                "host" => host = Some(value),
                "clean-param" => clean_params += 1,
                _ => {
                    in_agents = false;
                }
            }
        }
        let mine = groups
            .iter()
            .find(|g| g.0.iter().any(|a| a != "*" && agent.contains(a.as_str())))
            .or_else(|| groups.iter().find(|g| g.0.iter().any(|a| a == "*")));
        Robots {
            rules: mine.map(|g| g.1.clone()).unwrap_or_default(),
            sitemaps,
            crawl_delay: mine.and_then(|g| g.2),
            invalid_lines: invalid,
            host,
            clean_params,
        }
    }

    /// Whether `path` (path and query) may be fetched. The longest matching rule wins; on a
    /// tie, Allow wins.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                match best {
                    Some((l, a)) if l > len || (l == len && a) => {}
                    _ => best = Some((len, *allow)),
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// robots.txt pattern match: `*` is any run, a trailing `$` anchors the end.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if let Some(found) = path[pos..].find(part) {
            pos += found + part.len();
        } else {
            return false;
        }
    }
    if anchored {
        // The last literal part must end the path.
        let last = parts.last().copied().unwrap_or_default();
        return path.ends_with(last) && (parts.len() > 1 || pos == path.len());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_rules_and_wildcards() {
        let text = "User-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /*.pdf$\n\n\
                    User-agent: SEOArchitectsBot\nDisallow: /no-bots\nCrawl-delay: 0.5\n\nSitemap: https://x.test/sitemap.xml\nnonsense";
        let ours = Robots::parse(text, "SEOArchitectsBot/0.1");
        assert!(!ours.allows("/no-bots/page"));
        assert!(
            ours.allows("/private/x"),
            "our own group replaces the * group"
        );
        assert_eq!(ours.crawl_delay, Some(0.5));
        for bad in ["NaN", "inf", "-1", "-inf", "soon", "1e400"] {
            let r = Robots::parse(&format!("User-agent: *\nCrawl-delay: {bad}\n"), "x");
            assert_eq!((r.crawl_delay, r.invalid_lines), (None, 1), "{bad}");
        }
        assert_eq!(ours.sitemaps, vec!["https://x.test/sitemap.xml"]);
        assert_eq!(ours.invalid_lines, 1);
        let other = Robots::parse(text, "otherbot");
        assert!(!other.allows("/private/x"));
        assert!(other.allows("/private/open/a"), "longest match wins");
        assert!(!other.allows("/files/a.pdf"));
        assert!(other.allows("/files/a.pdf?x=1"), "$ anchors the end");
        assert!(other.allows("/"));
        assert!(Robots::parse("", "x").allows("/anything"));
    }
}
