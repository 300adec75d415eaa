//! Reading the exports agencies already have into typed rows: Search Console and Yandex
//! Webmaster search performance, GA4 traffic reports, and backlink lists from Ahrefs,
//! Semrush, Majestic or a generic CSV.
//!
//! No I/O: [`parse`] takes a file's name and bytes. The kind and source are found from the
//! *shape* of each table — its columns matched against alias tables in English and Russian
//! (and the common other UI languages), with compare-mode prefixes and vendor markers — not
//! from English header text alone. Bad rows in a good file are listed and skipped; a file
//! that fits no known shape is an [`ImportError`] saying what was expected.
//!
//! A Search Console export ZIP is read whole: every table in it becomes rows of one dataset.

mod aliases;
mod archive;
mod shapes;
mod summary;
pub mod text;

use chrono::NaiveDate;
use serde::Serialize;

pub use summary::{SearchTotals, summarise};

/// What a dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Search performance: queries, pages, countries, devices, dates.
    SearchPerformance,
    /// Links pointing at the client's site.
    Backlinks,
    /// Sessions, users, key events, revenue.
    Traffic,
}

/// Which tool exported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Google Search Console.
    Gsc,
    /// Yandex Webmaster.
    YandexWebmaster,
    /// Google Analytics 4.
    Ga4,
    /// Ahrefs.
    Ahrefs,
    /// Semrush.
    Semrush,
    /// Majestic.
    Majestic,
    /// A generic CSV (`source_url,target_url,anchor,nofollow`).
    Generic,
}

/// The dimension of a search row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// A search query.
    Query,
    /// A landing page.
    Page,
    /// A country.
    Country,
    /// A device class.
    Device,
    /// A day.
    Date,
    /// A search appearance (rich result type).
    SearchAppearance,
}

/// Which period of a compare-mode export a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The period reported (or the only one).
    Current,
    /// The comparison period.
    Previous,
}

/// One row of search performance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchRow {
    /// The dimension of the table it came from.
    pub dimension: Dimension,
    /// The query, page, country, device, date (ISO) or appearance.
    pub key: String,
    /// Current or previous period.
    pub period: Period,
    /// Clicks.
    pub clicks: i64,
    /// Impressions (Yandex: shows).
    pub impressions: i64,
    /// Click-through rate, 0–1.
    pub ctr: f64,
    /// Average position (Yandex: average show position).
    pub position: f64,
    /// Average click position (Yandex only).
    pub click_position: Option<f64>,
}

/// One backlink.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacklinkRow {
    /// The linking page.
    pub source_url: String,
    /// The page linked to.
    pub target_url: String,
    /// The anchor text.
    pub anchor: String,
    /// Whether the link is nofollow (or UGC/sponsored where the tool says so).
    pub nofollow: bool,
    /// When the tool first saw it.
    pub first_seen: Option<NaiveDate>,
    /// When the tool last saw it.
    pub last_seen: Option<NaiveDate>,
    /// Whether the tool reports it lost.
    pub lost: bool,
}

/// One row of a traffic report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficRow {
    /// The report's dimension (e.g. `session default channel group`, `date`).
    pub dimension: String,
    /// Its value (a date as ISO text).
    pub key: String,
    /// The day, when the dimension is the date.
    pub date: Option<NaiveDate>,
    /// Sessions.
    pub sessions: Option<f64>,
    /// Users.
    pub users: Option<f64>,
    /// Key events (formerly conversions).
    pub key_events: Option<f64>,
    /// Revenue.
    pub revenue: Option<f64>,
}

/// A refused row: its line in the file, the column and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// 1-based line number in the file.
    pub row: usize,
    /// The column header, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Optional hints from the uploader (a hint that contradicts the file's shape is refused).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hint {
    /// The kind the uploader says it is.
    pub kind: Option<Kind>,
    /// The tool the uploader says exported it.
    pub source: Option<Source>,
}

/// Errors listed in a dataset (the rest are counted).
pub const MAX_LISTED_ERRORS: usize = 100;

/// A parsed export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// What it holds.
    pub kind: Kind,
    /// Which tool exported it.
    pub source: Source,
    /// First day covered, when the file says.
    pub period_from: Option<NaiveDate>,
    /// Last day covered, when the file says.
    pub period_to: Option<NaiveDate>,
    /// Search rows.
    pub search: Vec<SearchRow>,
    /// Backlinks.
    pub backlinks: Vec<BacklinkRow>,
    /// Traffic rows.
    pub traffic: Vec<TrafficRow>,
    /// Rows refused (all of them).
    pub rows_rejected: usize,
    /// The first [`MAX_LISTED_ERRORS`] refusals.
    pub errors: Vec<RowError>,
}

impl Parsed {
    /// Rows kept.
    pub fn rows_accepted(&self) -> usize {
        self.search.len() + self.backlinks.len() + self.traffic.len()
    }
}

/// Why a file cannot be imported. Nothing of it is kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Not text in a known encoding.
    #[error("the file cannot be read: expected {expected}")]
    Unreadable {
        /// What would have been readable.
        expected: String,
    },
    /// No table fits a known shape.
    #[error("the file fits no known export: expected {expected}")]
    Unrecognised {
        /// The shapes that are understood.
        expected: String,
    },
    /// The hint contradicts the file.
    #[error("the file is {found}, not the {hinted} the upload names")]
    HintMismatch {
        /// What the file is.
        found: String,
        /// What the upload said.
        hinted: String,
    },
    /// Strict mode: a bad row refuses the whole file.
    #[error("{count} row(s) are invalid and strict mode refuses the whole file (first: line {}, {})", first.row, first.message)]
    Strict {
        /// Bad rows.
        count: usize,
        /// The first of them.
        first: RowError,
    },
}

/// What every shape the importer knows looks like, for error messages.
pub const EXPECTED: &str = "a Search Console performance table (a dimension such as `Top queries`/`Популярные запросы`, then Clicks, Impressions, CTR, Position — in any UI language, compare mode too), a Yandex Webmaster query table (shows, clicks, CTR, average show and click position), a GA4 report (`#` preamble with Start date/End date, sessions, users, key events or conversions, revenue), or a backlink list (Ahrefs, Semrush, Majestic, or `source_url,target_url,anchor,nofollow`)";

/// Parses one export file. `strict` refuses the whole file when any row is bad.
pub fn parse(
    file_name: &str,
    bytes: &[u8],
    hint: Hint,
    strict: bool,
) -> Result<Parsed, ImportError> {
    let parsed = if archive::is_zip(bytes) {
        archive::parse_zip(bytes)?
    } else {
        let text = text::decode(bytes)?;
        shapes::parse_text(file_name, &text)?
    };
    if let Some(k) = hint.kind
        && k != parsed.kind
    {
        return Err(ImportError::HintMismatch {
            found: format!("{:?}", parsed.kind).to_lowercase(),
            hinted: format!("{k:?}").to_lowercase(),
        });
    }
    if let Some(s) = hint.source
        && s != parsed.source
        && parsed.source != Source::Generic
    {
        return Err(ImportError::HintMismatch {
            found: format!("an export of {:?}", parsed.source),
            hinted: format!("{s:?} export"),
        });
    }
    if strict
        && parsed.rows_rejected > 0
        && let Some(first) = parsed.errors.first().cloned()
    {
        return Err(ImportError::Strict {
            count: parsed.rows_rejected,
            first,
        });
    }
    let mut parsed = parsed;
    if let Some(s) = hint.source
        && parsed.source == Source::Generic
    {
        parsed.source = s;
    }
    Ok(parsed)
}
