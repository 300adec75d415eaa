//! Client-ready report documents.
//!
//! A report is built once as a [`Report`] — a title, a few subtitle lines and a sequence of
//! [`Block`]s (headings, paragraphs, tables, charts, lists) — and rendered by [`html`] into one
//! self-contained page (inline CSS and SVG; nothing loaded from anywhere) or by [`pdf`] into a
//! paginated A4 document with page numbers, drawn in-process with the DejaVu Sans fonts that
//! ship inside this crate (Latin, Cyrillic, Greek). Both renderers show the same content, so a
//! figure a client reads in the PDF is the figure in the HTML.
//!
//! The crate does no I/O: the caller reads the logo file and passes its bytes.

pub mod html;
pub mod pdf;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The logo is not a PNG or JPEG image that can be decoded.
    #[error("the logo is not a readable PNG or JPEG image: {0}")]
    Logo(String),
    /// The PDF writer refused the document.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// A colour as red, green, blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb`.
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        Some(Self(byte(0)?, byte(2)?, byte(4)?))
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The image format of a logo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

/// The agency's logo, checked when it is made.
#[derive(Debug, Clone)]
pub struct Logo {
    format: LogoFormat,
    /// Shared with every PDF the logo is drawn in (krilla keeps its own handle): no copy.
    pub(crate) bytes: std::sync::Arc<Vec<u8>>,
    size: (u32, u32),
}

impl Logo {
    /// A logo from the bytes of a PNG or JPEG file (told apart by their signature); an error
    /// when the bytes are neither or cannot be decoded.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, RenderError> {
        let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            LogoFormat::Png
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            LogoFormat::Jpeg
        } else {
            return Err(RenderError::Logo(
                "the file starts with neither the PNG nor the JPEG signature".into(),
            ));
        };
        let bytes = std::sync::Arc::new(bytes);
        let image = pdf::image_of(format, &bytes).map_err(RenderError::Logo)?;
        Ok(Self {
            format,
            size: image.size(),
            bytes,
        })
    }

    /// The image format.
    pub fn format(&self) -> LogoFormat {
        self.format
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Who the report is from: the white-label part of every page.
#[derive(Debug, Clone)]
pub struct Brand {
    /// The agency's name (title bar and footer).
    pub agency_name: String,
    /// The accent colour of headings and the first chart series.
    pub accent: Rgb,
    /// The agency's logo, top of the first page.
    pub logo: Option<Logo>,
}

/// How a table cell is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// Plain text.
    #[default]
    Plain,
    /// A change for the better (green).
    Good,
    /// A change for the worse (red).
    Bad,
    /// An error-severity finding (red).
    Error,
    /// A warning-severity finding (amber).
    Warning,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// What it shows.
    pub text: String,
    /// Its colour.
    pub tone: Tone,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    /// A coloured cell.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone,
        }
    }
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header.
    pub title: String,
    /// Numbers are right-aligned and never wrapped.
    pub numeric: bool,
}

/// A table with a header row that repeats on every PDF page it spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows; a row shorter than the columns is padded with empty cells.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with the given headers; `numeric` marks the right-aligned ones by index.
    pub fn new(headers: &[&str], numeric: &[usize]) -> Self {
        Self {
            columns: headers
                .iter()
                .enumerate()
                .map(|(i, h)| Column {
                    title: (*h).to_string(),
                    numeric: numeric.contains(&i),
                })
                .collect(),
            rows: Vec::new(),
        }
    }
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Its colour.
    pub colour: Rgb,
    /// The values, one per x position; `None` leaves a gap.
    pub points: Vec<Option<f64>>,
}

/// A line chart over a daily (or other ordered) axis.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// The caption.
    pub title: String,
    /// The first and last x labels (dates).
    pub x_range: (String, String),
    /// The lines, all scaled to the largest value of the chart.
    pub series: Vec<Series>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// The caption.
    pub title: String,
    /// Label and value of each bar.
    pub bars: Vec<(String, f64)>,
    /// The value of a full-width bar; the largest value when `None`.
    pub full_scale: Option<f64>,
    /// The bars' colour.
    pub colour: Rgb,
}

/// A piece of a report, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph.
    Text(String),
    /// A table.
    Table(Table),
    /// A line chart.
    Line(LineChart),
    /// A bar chart.
    Bars(BarChart),
    /// A bulleted list under its own heading (left out when empty).
    List {
        /// The heading.
        title: String,
        /// The items.
        items: Vec<String>,
    },
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The document title (first heading, PDF metadata, HTML `<title>`).
    pub title: String,
    /// Lines under the title: period, site, score.
    pub subtitle: Vec<String>,
    /// The body.
    pub blocks: Vec<Block>,
}

/// The colour of a tone, when it has one.
pub(crate) fn tone_colour(t: Tone) -> Option<Rgb> {
    match t {
        Tone::Plain => None,
        Tone::Good => Some(Rgb(0x06, 0x76, 0x47)),
        Tone::Bad | Tone::Error => Some(Rgb(0xb4, 0x23, 0x18)),
        Tone::Warning => Some(Rgb(0xb5, 0x47, 0x08)),
    }
}

/// The palette of chart series after the accent colour.
pub const SERIES_COLOURS: [Rgb; 3] = [
    Rgb(0x82, 0x50, 0xdf),
    Rgb(0x06, 0x76, 0x47),
    Rgb(0xb5, 0x47, 0x08),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_print() {
        assert_eq!(Rgb::parse("#1f6feb"), Some(Rgb(0x1f, 0x6f, 0xeb)));
        assert_eq!(Rgb(0x1f, 0x6f, 0xeb).hex(), "#1f6feb");
        for bad in ["1f6feb", "#1f6fe", "#1f6fegg", "#ÿÿÿ", ""] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_logo_must_be_an_image() {
        assert!(Logo::from_bytes(b"<svg/>".to_vec()).is_err());
        assert!(Logo::from_bytes(b"\x89PNG\r\n\x1a\nbroken".to_vec()).is_err());
    }
}
