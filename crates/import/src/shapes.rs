//! The shapes of the exports: alias tables, table classification and row reading.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::aliases::*;
use crate::text::{self, norm};
use crate::{
    BacklinkRow, Dimension, EXPECTED, ImportError, Kind, MAX_LISTED_ERRORS, Parsed, Period,
    RowError, SearchRow, Source, TrafficRow,
};

/// The column whose header is one of `aliases` exactly.
fn col(headers: &[String], aliases: &[&str]) -> Option<usize> {
    headers.iter().position(|h| aliases.contains(&h.as_str()))
}

/// Columns whose header is one of `aliases`, or ends with one after a period label
/// (`Last 28 days Clicks`, `Previous period Clicks`), in file order.
fn metric_cols(headers: &[String], aliases: &[&str]) -> Vec<usize> {
    headers
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            aliases
                .iter()
                .any(|a| h.as_str() == *a || h.ends_with(&format!(" {a}")))
        })
        .map(|(i, _)| i)
        .collect()
}

/// One table of the text: its headers and its body, read record by record when its rows are
/// converted (the records are never all held at once).
struct Table<'a> {
    headers: Vec<String>,
    delimiter: u8,
    header_line: usize,
    /// The table's text from its header line on: a slice of the decoded file.
    body: &'a str,
}

impl<'a> Table<'a> {
    /// The data records with their line numbers in the file; unreadable records are skipped.
    fn records(&self) -> impl Iterator<Item = (usize, csv::StringRecord)> + 'a {
        let header_line = self.header_line;
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(self.body.as_bytes())
            .into_records()
            .filter_map(move |rec| {
                let rec = rec.ok()?;
                let line = rec.position().map_or(header_line, |p| {
                    header_line + usize::try_from(p.line()).unwrap_or(1) - 1
                });
                Some((line, rec))
            })
    }
}

/// Splits the text into tables: runs of lines between `#` comment lines and blank lines;
/// collects GA4's `Start date:` / `End date:`.
fn tables<'a>(text: &'a str) -> (Vec<Table<'a>>, Option<NaiveDate>, Option<NaiveDate>) {
    let mut out = Vec::new();
    let (mut from, mut to) = (None, None);
    // The block being read: its first line (number, text) and its byte range in `text`.
    let mut block: Option<((usize, &str), usize, usize)> = None;
    let flush = |block: &mut Option<((usize, &'a str), usize, usize)>, out: &mut Vec<Table<'a>>| {
        if let Some((first, start, end)) = block.take()
            && let Some(t) = table(first, text.get(start..end).unwrap_or(""))
        {
            out.push(t);
        }
    };
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let line = raw
            .strip_suffix('\n')
            .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            let c = c.trim();
            let lower = c.to_lowercase();
            for (label, slot) in [("start date:", &mut from), ("end date:", &mut to)] {
                if let Some(v) = lower.strip_prefix(label) {
                    *slot = text::date(v).ok();
                }
            }
            flush(&mut block, &mut out);
        } else if t.is_empty() {
            flush(&mut block, &mut out);
        } else {
            match &mut block {
                Some((_, _, end)) => *end = offset,
                None => block = Some(((i + 1, line), line_start, offset)),
            }
        }
    }
    flush(&mut block, &mut out);
    (out, from, to)
}

/// One table from its first line and its text (a slice of the file's text: no copy); `None`
/// when it has no header row.
fn table<'a>((header_line, header): (usize, &str), body: &'a str) -> Option<Table<'a>> {
    let delimiter = text::sniff_delimiter(header);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = reader.headers().ok()?.iter().map(norm).collect();
    Some(Table {
        headers,
        delimiter,
        header_line,
        body,
    })
}

/// Collects row errors: all counted, the first few kept.
#[derive(Default)]
struct Errors {
    listed: Vec<RowError>,
    count: usize,
}

impl Errors {
    fn add(&mut self, row: usize, column: Option<&str>, message: String) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(RowError {
                row,
                column: column.map(str::to_string),
                message,
            });
        }
    }
}

fn cell(row: &csv::StringRecord, i: Option<usize>) -> Option<&str> {
    i.and_then(|i| row.get(i))
}

fn dimension_of(file_name: &str, header: &str, sample: &[&str]) -> Dimension {
    if let Some((d, _)) = DIMENSIONS.iter().find(|(_, a)| a.contains(&header)) {
        return *d;
    }
    let stem = norm(
        file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(file_name)
            .trim_end_matches(".csv")
            .trim_end_matches(".tsv"),
    );
    if let Some((d, _)) = FILE_DIMENSIONS
        .iter()
        .find(|(_, a)| a.contains(&stem.as_str()))
    {
        return *d;
    }
    // By the values: URLs are pages, ISO dates are dates, device words are devices.
    if !sample.is_empty()
        && sample
            .iter()
            .all(|v| v.starts_with("http://") || v.starts_with("https://"))
    {
        Dimension::Page
    } else if !sample.is_empty() && sample.iter().all(|v| text::date(v).is_ok()) {
        Dimension::Date
    } else if !sample.is_empty()
        && sample.iter().all(|v| {
            [
                "desktop",
                "mobile",
                "tablet",
                "компьютеры",
                "мобильные",
                "планшеты",
            ]
            .contains(&v.to_lowercase().as_str())
        })
    {
        Dimension::Device
    } else {
        Dimension::Query
    }
}

/// A search table: its metric columns (current and, in compare mode, previous).
struct SearchCols {
    dim: usize,
    clicks: Vec<usize>,
    impressions: Vec<usize>,
    ctr: Vec<usize>,
    position: Vec<usize>,
    click_position: Option<usize>,
    yandex: bool,
}

fn search_cols(h: &[String]) -> Option<SearchCols> {
    let show = col(h, SHOW_POSITION);
    let yandex = show.is_some();
    let clicks = metric_cols(h, CLICKS);
    let impressions = metric_cols(h, IMPRESSIONS);
    let ctr = metric_cols(h, CTR);
    let position = match show {
        Some(s) => vec![s],
        None => metric_cols(h, POSITION),
    };
    if clicks.is_empty() || impressions.is_empty() {
        return None;
    }
    let metrics: BTreeSet<usize> = clicks
        .iter()
        .chain(&impressions)
        .chain(&ctr)
        .chain(&position)
        .copied()
        .chain(col(h, CLICK_POSITION))
        .collect();
    let dim = (0..h.len()).find(|i| !metrics.contains(i))?;
    Some(SearchCols {
        dim,
        clicks,
        impressions,
        ctr,
        position,
        click_position: col(h, CLICK_POSITION),
        yandex,
    })
}

fn read_search(
    file_name: &str,
    t: &Table,
    c: &SearchCols,
    errors: &mut Errors,
    out: &mut Vec<SearchRow>,
) {
    let header = t.headers.get(c.dim).map_or("", String::as_str);
    let sample_records: Vec<csv::StringRecord> = t.records().take(20).map(|(_, r)| r).collect();
    let sample: Vec<&str> = sample_records.iter().filter_map(|r| r.get(c.dim)).collect();
    let dimension = dimension_of(file_name, header, &sample);
    let comma = t.delimiter == b',';
    let periods = c.clicks.len().min(c.impressions.len()).min(2);
    for (line, row) in t.records() {
        let (line, row) = (&line, &row);
        let Some(key) = cell(row, Some(c.dim)).map(str::trim) else {
            errors.add(*line, Some(header), "the row is empty".into());
            continue;
        };
        if key.is_empty() {
            errors.add(*line, Some(header), "no value".into());
            continue;
        }
        let key = if dimension == Dimension::Date {
            match text::date(key) {
                Ok(d) => d.to_string(),
                Err(m) => {
                    errors.add(*line, Some(header), m);
                    continue;
                }
            }
        } else {
            key.to_string()
        };
        for p in 0..periods {
            let get = |cols: &[usize]| cols.get(p).copied();
            let name = |i: Option<usize>| i.and_then(|i| t.headers.get(i)).map(String::as_str);
            let parsed = (|| {
                let ci = get(&c.clicks);
                let clicks = text::count(cell(row, ci).unwrap_or("")).map_err(|m| (name(ci), m))?;
                let ii = get(&c.impressions);
                let impressions =
                    text::count(cell(row, ii).unwrap_or("")).map_err(|m| (name(ii), m))?;
                let ti = get(&c.ctr);
                let ctr = match cell(row, ti) {
                    Some(v) if !v.trim().is_empty() => {
                        text::rate(v, true, comma).map_err(|m| (name(ti), m))?
                    }
                    _ if impressions > 0 => f64_of(clicks) / f64_of(impressions),
                    _ => 0.0,
                };
                let pi = get(&c.position);
                let position =
                    text::decimal(cell(row, pi).unwrap_or(""), comma).map_err(|m| (name(pi), m))?;
                let click_position = match (p, cell(row, c.click_position)) {
                    (0, Some(v)) if !v.trim().is_empty() => {
                        Some(text::decimal(v, comma).map_err(|m| (name(c.click_position), m))?)
                    }
                    _ => None,
                };
                if clicks > impressions {
                    return Err((
                        name(ci),
                        format!("{clicks} clicks exceed {impressions} impressions"),
                    ));
                }
                Ok((clicks, impressions, ctr, position, click_position))
            })();
            match parsed {
                Ok((clicks, impressions, ctr, position, click_position)) => out.push(SearchRow {
                    dimension,
                    key: key.clone(),
                    period: if p == 0 {
                        Period::Current
                    } else {
                        Period::Previous
                    },
                    clicks,
                    impressions,
                    ctr,
                    position,
                    click_position,
                }),
                Err((column, m)) => {
                    errors.add(*line, column, m);
                    break;
                }
            }
        }
    }
}

/// i64 → f64 for rates (counts far below 2^53).
pub(crate) fn f64_of(v: i64) -> f64 {
    // The high and low 32-bit halves, each converted exactly: exact for every count below
    // 2^53 (far above what an export holds), with no `as` and no string round trip.
    let high = i32::try_from(v >> 32).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
    let low = u32::try_from(v & 0xFFFF_FFFF).unwrap_or(0);
    f64::from(high) * 4_294_967_296.0 + f64::from(low)
}

struct TrafficCols {
    dim: usize,
    sessions: Option<usize>,
    users: Option<usize>,
    key_events: Option<usize>,
    revenue: Option<usize>,
}

fn traffic_cols(h: &[String]) -> Option<TrafficCols> {
    let sessions = col(h, SESSIONS);
    let users = col(h, USERS);
    let key_events = col(h, KEY_EVENTS);
    let revenue = col(h, REVENUE);
    if sessions.is_none() && users.is_none() {
        return None;
    }
    let metrics: BTreeSet<usize> = [sessions, users, key_events, revenue]
        .into_iter()
        .flatten()
        .collect();
    let dim = (0..h.len()).find(|i| !metrics.contains(i))?;
    Some(TrafficCols {
        dim,
        sessions,
        users,
        key_events,
        revenue,
    })
}

fn read_traffic(t: &Table, c: &TrafficCols, errors: &mut Errors, out: &mut Vec<TrafficRow>) {
    let dimension = t.headers.get(c.dim).cloned().unwrap_or_default();
    let is_date = DIMENSIONS
        .iter()
        .any(|(d, a)| *d == Dimension::Date && a.contains(&dimension.as_str()));
    let comma = t.delimiter == b',';
    for (line, row) in t.records() {
        let (line, row) = (&line, &row);
        let key = cell(row, Some(c.dim)).unwrap_or("").trim().to_string();
        if key.is_empty() {
            errors.add(*line, Some(&dimension), "no value".into());
            continue;
        }
        if [
            "grand total",
            "итого",
            "всего",
            "total",
            "gesamtsumme",
            "total general",
        ]
        .contains(&key.to_lowercase().as_str())
        {
            continue;
        }
        let date = if is_date {
            match text::date(&key) {
                Ok(d) => Some(d),
                Err(m) => {
                    errors.add(*line, Some(&dimension), m);
                    continue;
                }
            }
        } else {
            None
        };
        let mut bad = None;
        let mut num = |i: Option<usize>| -> Option<f64> {
            let v = cell(row, i)?.trim();
            if v.is_empty() {
                return None;
            }
            match text::decimal(v, comma) {
                Ok(n) if n >= 0.0 => Some(n),
                Ok(_) => {
                    bad.get_or_insert((i, "must not be negative".to_string()));
                    None
                }
                Err(m) => {
                    bad.get_or_insert((i, m));
                    None
                }
            }
        };
        let r = TrafficRow {
            dimension: dimension.clone(),
            key: date.map_or(key, |d| d.to_string()),
            date,
            sessions: num(c.sessions),
            users: num(c.users),
            key_events: num(c.key_events),
            revenue: num(c.revenue),
        };
        match bad {
            Some((i, m)) => errors.add(
                *line,
                i.and_then(|i| t.headers.get(i)).map(String::as_str),
                m,
            ),
            None => out.push(r),
        }
    }
}

struct LinkCols {
    source: usize,
    target: usize,
    anchor: Option<usize>,
    nofollow: Option<usize>,
    ugc: Option<usize>,
    sponsored: Option<usize>,
    first_seen: Option<usize>,
    last_seen: Option<usize>,
    lost: Option<usize>,
    vendor: Source,
}

fn link_cols(h: &[String]) -> Option<LinkCols> {
    let source = col(h, SOURCE_URL)?;
    let target = col(h, TARGET_URL)?;
    let vendor = if h.iter().any(|x| x == "referring page url") {
        Source::Ahrefs
    } else if h.iter().any(|x| x == "page ascore" || x == "source title") {
        Source::Semrush
    } else if h
        .iter()
        .any(|x| x == "flagnofollow" || x.starts_with("sourcetrustflow") || x == "sourcetrustflow")
    {
        Source::Majestic
    } else {
        Source::Generic
    };
    Some(LinkCols {
        source,
        target,
        anchor: col(h, ANCHOR),
        nofollow: col(h, NOFOLLOW),
        ugc: col(h, &["ugc"]),
        sponsored: col(h, &["sponsored"]),
        first_seen: col(h, FIRST_SEEN),
        last_seen: col(h, LAST_SEEN),
        lost: col(h, LOST),
        vendor,
    })
}

fn read_links(t: &Table, c: &LinkCols, errors: &mut Errors, out: &mut Vec<BacklinkRow>) {
    let name = |i: usize| t.headers.get(i).map(String::as_str);
    for (line, row) in t.records() {
        let (line, row) = (&line, &row);
        let source = cell(row, Some(c.source)).unwrap_or("").trim();
        let target = cell(row, Some(c.target)).unwrap_or("").trim();
        let mut fault: Option<(Option<&str>, String)> = None;
        for (i, v) in [(c.source, source), (c.target, target)] {
            if fault.is_none()
                && url::Url::parse(v).map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
            {
                fault = Some((name(i), format!("'{v}' is not an absolute http(s) URL")));
            }
        }
        let mut flag_of = |i: Option<usize>| -> bool {
            match cell(row, i) {
                None => false,
                Some(v) => text::flag(v).unwrap_or_else(|m| {
                    if fault.is_none() {
                        fault = Some((i.and_then(name), m));
                    }
                    false
                }),
            }
        };
        let nofollow = flag_of(c.nofollow) | flag_of(c.ugc) | flag_of(c.sponsored);
        let date_of = |i: Option<usize>| {
            cell(row, i)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .and_then(|v| text::date(v.get(..10).unwrap_or(v)).ok())
        };
        let lost = cell(row, c.lost).map(str::trim).is_some_and(|v| {
            !v.is_empty()
                && !matches!(
                    v.to_lowercase().as_str(),
                    "false" | "0" | "no" | "active" | "live"
                )
        });
        match fault {
            Some((column, m)) => errors.add(*line, column, m),
            None => out.push(BacklinkRow {
                source_url: source.to_string(),
                target_url: target.to_string(),
                anchor: cell(row, c.anchor).unwrap_or("").trim().to_string(),
                nofollow,
                first_seen: date_of(c.first_seen),
                last_seen: date_of(c.last_seen),
                lost,
            }),
        }
    }
}

/// Reads every table of the text; the first table's shape sets the kind and source.
pub(crate) fn parse_text(file_name: &str, text: &str) -> Result<Parsed, ImportError> {
    let (tables, from, to) = tables(text);
    let mut errors = Errors::default();
    let mut parsed: Option<Parsed> = None;
    for t in &tables {
        let h = &t.headers;
        if let Some(c) = link_cols(h) {
            let p = parsed.get_or_insert_with(|| empty(Kind::Backlinks, c.vendor));
            if p.kind != Kind::Backlinks {
                continue;
            }
            read_links(t, &c, &mut errors, &mut p.backlinks);
        } else if let Some(c) = search_cols(h) {
            let source = if c.yandex {
                Source::YandexWebmaster
            } else {
                Source::Gsc
            };
            let p = parsed.get_or_insert_with(|| empty(Kind::SearchPerformance, source));
            if p.kind != Kind::SearchPerformance {
                continue;
            }
            read_search(file_name, t, &c, &mut errors, &mut p.search);
        } else if let Some(c) = traffic_cols(h) {
            let p = parsed.get_or_insert_with(|| empty(Kind::Traffic, Source::Ga4));
            if p.kind != Kind::Traffic {
                continue;
            }
            read_traffic(t, &c, &mut errors, &mut p.traffic);
        }
    }
    let mut p = parsed.ok_or_else(|| ImportError::Unrecognised {
        expected: EXPECTED.to_string(),
    })?;
    p.rows_rejected = errors.count;
    p.errors = errors.listed;
    // The period: the preamble's dates, else the span of the daily rows.
    let days: Vec<NaiveDate> = p
        .search
        .iter()
        .filter(|r| r.dimension == Dimension::Date && r.period == Period::Current)
        .filter_map(|r| r.key.parse().ok())
        .chain(p.traffic.iter().filter_map(|r| r.date))
        .collect();
    p.period_from = from.or_else(|| days.iter().min().copied());
    p.period_to = to.or_else(|| days.iter().max().copied());
    Ok(p)
}

fn empty(kind: Kind, source: Source) -> Parsed {
    Parsed {
        kind,
        source,
        period_from: None,
        period_to: None,
        search: Vec::new(),
        backlinks: Vec::new(),
        traffic: Vec::new(),
        rows_rejected: 0,
        errors: Vec::new(),
    }
}
