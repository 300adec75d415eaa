//! The PDF rendering: A4 pages laid out here (wrapping, tables whose header repeats on every
//! page they span, charts drawn as vector paths), drawn with krilla, with the DejaVu Sans fonts
//! embedded (subset) so Cyrillic text renders on any reader. Every page carries the agency in
//! its header and "Page N of M" in its footer.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::html::short;
use crate::{
    BarChart, Block, Brand, Cell, LineChart, LogoFormat, RenderError, Report, Rgb, Table,
    tone_colour,
};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const TOP: f32 = MARGIN + 22.0;
const BOTTOM: f32 = PAGE_H - MARGIN - 6.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;
const LEADING: f32 = 1.35;
const PAD: f32 = 4.0;
const TEXT: Rgb = Rgb(0x22, 0x22, 0x22);
const MUTED: Rgb = Rgb(0x66, 0x66, 0x66);
const RULE: Rgb = Rgb(0xcc, 0xcc, 0xcc);
const SHADE: Rgb = Rgb(0xf2, 0xf2, 0xf2);

/// One of the two embedded faces, with the metrics the layout measures text by.
struct Face {
    font: Font,
    metrics: ttf_parser::Face<'static>,
    upem: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        let metrics = ttf_parser::Face::parse(bytes, 0).ok()?;
        Some(Self {
            upem: f32::from(metrics.units_per_em()),
            font: Font::new(bytes.into(), 0)?,
            metrics,
        })
    }

    /// The advance width of `text` at `size` points (kerning left out: a line is at most a
    /// fraction of a point narrower than measured, which the padding absorbs).
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.metrics
                    .glyph_index(c)
                    .and_then(|g| self.metrics.glyph_hor_advance(g))
                    .map_or(self.upem * 0.6, f32::from)
            })
            .sum();
        units * size / self.upem
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

/// The fonts are parsed once; `None` only if the embedded files were corrupt, which the
/// crate's tests rule out.
static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Face::load(REGULAR)?,
        bold: Face::load(BOLD)?,
    })
});

pub(crate) fn image_of(
    format: LogoFormat,
    bytes: &std::sync::Arc<Vec<u8>>,
) -> Result<Image, String> {
    let data = krilla::Data::from(bytes.clone());
    match format {
        LogoFormat::Png => Image::from_png(data, true),
        LogoFormat::Jpeg => Image::from_jpeg(data, true),
    }
}

/// Narrows a chart value to the drawing precision (saturating; charts need no more).
#[allow(clippy::as_conversions)]
fn narrow(v: f64) -> f32 {
    v as f32
}

/// A count as a coordinate factor (counts here are lines, columns and chart points).
fn count(n: usize) -> f32 {
    f32::from(u16::try_from(n).unwrap_or(u16::MAX))
}

/// What is drawn, in page coordinates (origin top left, y down).
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        colour: Rgb,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        colour: Rgb,
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    Path {
        points: Vec<(f32, f32)>,
        colour: Rgb,
        width: f32,
    },
    Logo {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

struct Layout<'a> {
    fonts: &'a Fonts,
    accent: Rgb,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(fonts: &'a Fonts, accent: Rgb) -> Self {
        Self {
            fonts,
            accent,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn face(&self, bold: bool) -> &'a Face {
        if bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    /// `text` broken into lines no wider than `width`: at spaces, and inside a word only when
    /// the word alone is wider than the line. Control characters print as spaces.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.face(bold);
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let space = face.width(" ", size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in clean.split(' ').filter(|w| !w.is_empty()) {
            let w = face.width(word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
                continue;
            }
            // A word wider than the line: cut it by characters.
            line_w = 0.0;
            for c in word.chars() {
                let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// A wrapped paragraph at the cursor.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, colour: Rgb, indent: f32) {
        let lh = size * LEADING;
        for line in self.wrap(text, size, bold, WIDTH - indent) {
            self.ensure(lh);
            let baseline = self.y + size;
            self.push(Op::Text {
                x: MARGIN + indent,
                baseline,
                size,
                bold,
                colour,
                text: line,
            });
            self.y += lh;
        }
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least three lines of what follows it.
        self.ensure(14.0 * LEADING + 8.0 + 3.0 * BODY * LEADING);
        self.y += 8.0;
        self.paragraph(text, 14.0, true, self.accent, 0.0);
        self.y += 2.0;
    }

    fn list(&mut self, title: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.heading(title);
        for item in items {
            let lines = self.wrap(item, BODY, false, WIDTH - 12.0);
            let lh = BODY * LEADING;
            for (i, line) in lines.into_iter().enumerate() {
                self.ensure(lh);
                let baseline = self.y + BODY;
                if i == 0 {
                    self.push(Op::Text {
                        x: MARGIN + 2.0,
                        baseline,
                        size: BODY,
                        bold: false,
                        colour: self.accent,
                        text: "•".into(),
                    });
                }
                self.push(Op::Text {
                    x: MARGIN + 12.0,
                    baseline,
                    size: BODY,
                    bold: false,
                    colour: TEXT,
                    text: line,
                });
                self.y += lh;
            }
            self.y += 1.5;
        }
    }

    fn column_widths(&self, t: &Table) -> Vec<f32> {
        let size = SMALL;
        let natural: Vec<f32> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let cells = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|cell| self.face(false).width(&cell.text, size))
                    .fold(0.0_f32, f32::max);
                cells.max(self.face(true).width(&c.title, size)) + 2.0 * PAD
            })
            .collect();
        let fixed: f32 = t
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| c.numeric)
            .map(|(_, w)| w.min(140.0))
            .sum();
        let text_natural: f32 = t
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| !c.numeric)
            .map(|(_, w)| *w)
            .sum();
        let room = (WIDTH - fixed).max(0.0);
        let mut widths: Vec<f32> = t
            .columns
            .iter()
            .zip(&natural)
            .map(|(c, w)| {
                if c.numeric {
                    w.min(140.0)
                } else if text_natural > 0.0 {
                    room * w / text_natural
                } else {
                    *w
                }
            })
            .collect();
        let total: f32 = widths.iter().sum();
        if total > WIDTH {
            for w in &mut widths {
                *w *= WIDTH / total;
            }
        }
        widths
    }

    fn table(&mut self, t: &Table) {
        if t.columns.is_empty() {
            return;
        }
        let widths = self.column_widths(t);
        let lh = SMALL * LEADING;
        let header: Vec<Cell> = t.columns.iter().map(|c| Cell::plain(&c.title)).collect();
        let header_lines = self.cell_lines(&header, &widths, true);
        let header_h = row_height(&header_lines, lh);
        self.y += 4.0;
        self.ensure(header_h + lh + 2.0 * PAD);
        self.row(t, &header, &header_lines, &widths, true);
        for row in &t.rows {
            let mut lines = self.cell_lines(row, &widths, false);
            // A row never outgrows a page: what does not fit is cut with an ellipsis.
            let most = ((BOTTOM - TOP - header_h - 2.0 * PAD) / lh)
                .floor()
                .max(1.0);
            for cell in &mut lines {
                while count(cell.len()) > most {
                    cell.pop();
                    if let Some(last) = cell.last_mut() {
                        last.push('…');
                    }
                }
            }
            let h = row_height(&lines, lh);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(t, &header, &header_lines, &widths, true);
            }
            self.row(t, row, &lines, &widths, false);
        }
        self.y += 6.0;
    }

    fn cell_lines(&self, cells: &[Cell], widths: &[f32], bold: bool) -> Vec<Vec<String>> {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = cells.get(i).map(|c| c.text.as_str()).unwrap_or("");
                self.wrap(text, SMALL, bold, (w - 2.0 * PAD).max(4.0))
            })
            .collect()
    }

    fn row(
        &mut self,
        t: &Table,
        cells: &[Cell],
        lines: &[Vec<String>],
        widths: &[f32],
        header: bool,
    ) {
        let lh = SMALL * LEADING;
        let h = row_height(lines, lh);
        let total: f32 = widths.iter().sum();
        let top = self.y;
        if header {
            self.push(Op::Rect {
                x: MARGIN,
                y: top,
                w: total,
                h,
                colour: SHADE,
            });
        }
        let mut x = MARGIN;
        for (i, w) in widths.iter().enumerate() {
            let numeric = t.columns.get(i).is_some_and(|c| c.numeric);
            let colour = if header {
                TEXT
            } else {
                cells
                    .get(i)
                    .and_then(|c| tone_colour(c.tone))
                    .unwrap_or(TEXT)
            };
            for (j, line) in lines.get(i).into_iter().flatten().enumerate() {
                let lw = self.face(header).width(line, SMALL);
                let lx = if numeric { x + w - PAD - lw } else { x + PAD };
                self.push(Op::Text {
                    x: lx,
                    baseline: top + PAD + count(j) * lh + SMALL,
                    size: SMALL,
                    bold: header,
                    colour,
                    text: line.clone(),
                });
            }
            self.push(Op::Line {
                from: (x, top),
                to: (x, top + h),
                colour: RULE,
                width: 0.5,
            });
            x += w;
        }
        for (from, to) in [
            ((MARGIN, top), (MARGIN + total, top)),
            ((MARGIN, top + h), (MARGIN + total, top + h)),
            ((MARGIN + total, top), (MARGIN + total, top + h)),
        ] {
            self.push(Op::Line {
                from,
                to,
                colour: RULE,
                width: 0.5,
            });
        }
        self.y += h;
    }

    fn caption(&mut self, text: &str) {
        self.paragraph(text, SMALL, false, MUTED, 0.0);
    }

    fn line_chart(&mut self, c: &LineChart) {
        let (h, left, bottom_pad) = (150.0, 40.0, 16.0);
        self.ensure(h + 2.0 * SMALL * LEADING + 10.0);
        self.y += 6.0;
        let top = self.y;
        let plot_top = top + 14.0;
        let base = top + h - bottom_pad;
        let (x0, x1) = (MARGIN + left, MARGIN + WIDTH);
        let n = c.series.iter().map(|s| s.points.len()).max().unwrap_or(0);
        let max = c
            .series
            .iter()
            .flat_map(|s| s.points.iter().flatten())
            .copied()
            .fold(0.0_f64, f64::max);
        let max = if max > 0.0 { max } else { 1.0 };
        let span = count(n.saturating_sub(1)).max(1.0);
        for (from, to) in [((x0, plot_top), (x0, base)), ((x0, base), (x1, base))] {
            self.push(Op::Line {
                from,
                to,
                colour: MUTED,
                width: 0.6,
            });
        }
        let label = |s: &Self, text: String, x: f32, baseline: f32, right: bool| {
            let w = s.face(false).width(&text, SMALL);
            Op::Text {
                x: if right { x - w } else { x },
                baseline,
                size: SMALL,
                bold: false,
                colour: MUTED,
                text,
            }
        };
        let ops = [
            label(self, short(max), x0 - 4.0, plot_top + SMALL, true),
            label(self, "0".into(), x0 - 4.0, base, true),
            label(self, c.x_range.0.clone(), x0, base + 12.0, false),
            label(self, c.x_range.1.clone(), x1, base + 12.0, true),
        ];
        for op in ops {
            self.push(op);
        }
        let mut legend_x = x0 + 8.0;
        for s in &c.series {
            let mut run: Vec<(f32, f32)> = Vec::new();
            for (i, v) in s.points.iter().enumerate() {
                match v {
                    Some(v) => run.push((
                        x0 + (x1 - x0) * count(i) / span,
                        base - (base - plot_top) * narrow(v / max),
                    )),
                    None => {
                        if run.len() > 1 {
                            self.push(Op::Path {
                                points: std::mem::take(&mut run),
                                colour: s.colour,
                                width: 1.5,
                            });
                        }
                        run.clear();
                    }
                }
            }
            if run.len() > 1 {
                self.push(Op::Path {
                    points: run,
                    colour: s.colour,
                    width: 1.5,
                });
            }
            self.push(Op::Rect {
                x: legend_x,
                y: top + 1.0,
                w: 8.0,
                h: 8.0,
                colour: s.colour,
            });
            self.push(Op::Text {
                x: legend_x + 11.0,
                baseline: top + 8.5,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text: s.name.clone(),
            });
            legend_x += 24.0 + self.face(false).width(&s.name, SMALL);
        }
        self.y = top + h + 4.0;
        self.caption(&c.title);
        self.y += 4.0;
    }

    fn bar_chart(&mut self, c: &BarChart) {
        let (row, label_w) = (15.0, 170.0);
        let max = c
            .full_scale
            .unwrap_or_else(|| c.bars.iter().map(|b| b.1).fold(0.0_f64, f64::max));
        let max = if max > 0.0 { max } else { 1.0 };
        self.y += 6.0;
        self.ensure(row * count(c.bars.len().min(6)) + SMALL * LEADING);
        for (label, v) in &c.bars {
            self.ensure(row);
            let top = self.y;
            let mut text = label.clone();
            while self.face(false).width(&text, SMALL) > label_w - 6.0 && text.chars().count() > 1 {
                text.pop();
                text.pop();
                text.push('…');
            }
            let lw = self.face(false).width(&text, SMALL);
            self.push(Op::Text {
                x: MARGIN + label_w - 6.0 - lw,
                baseline: top + 10.0,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text,
            });
            let bw = (WIDTH - label_w - 50.0) * narrow((v.max(0.0) / max).min(1.0));
            if bw > 0.0 {
                self.push(Op::Rect {
                    x: MARGIN + label_w,
                    y: top + 2.0,
                    w: bw,
                    h: 10.0,
                    colour: c.colour,
                });
            }
            self.push(Op::Text {
                x: MARGIN + label_w + bw + 4.0,
                baseline: top + 10.0,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text: short(*v),
            });
            self.y += row;
        }
        self.caption(&c.title);
        self.y += 4.0;
    }
}

fn row_height(lines: &[Vec<String>], lh: f32) -> f32 {
    count(lines.iter().map(Vec::len).max().unwrap_or(1).max(1)) * lh + 2.0 * PAD
}

fn colour(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(surface: &mut Surface<'_>, c: Rgb) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: colour(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

fn stroke(surface: &mut Surface<'_>, c: Rgb, width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: colour(c).into(),
        width,
        ..Stroke::default()
    }));
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, op: &Op, logo: Option<&Image>) {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            colour,
            text,
        } => {
            fill(surface, *colour);
            let face = if *bold { &fonts.bold } else { &fonts.regular };
            surface.draw_text(
                Point::from_xy(*x, *baseline),
                face.font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line {
            from,
            to,
            colour,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            if let Some(path) = pb.finish() {
                stroke(surface, *colour, *width);
                surface.draw_path(&path);
            }
        }
        Op::Rect { x, y, w, h, colour } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                fill(surface, *colour);
                surface.draw_path(&path);
            }
        }
        Op::Path {
            points,
            colour,
            width,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            if let Some(path) = pb.finish() {
                stroke(surface, *colour, *width);
                surface.draw_path(&path);
            }
        }
        Op::Logo { x, y, w, h } => {
            if let (Some(image), Some(size)) = (logo, Size::from_wh(*w, *h)) {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_image(image.clone(), size);
                surface.pop();
            }
        }
    }
}

/// The report as PDF bytes.
pub fn render(report: &Report, brand: &Brand) -> Result<Vec<u8>, RenderError> {
    let fonts = FONTS
        .as_ref()
        .ok_or_else(|| RenderError::Pdf("the embedded fonts could not be read".into()))?;
    let logo = match &brand.logo {
        Some(l) => Some(
            image_of(l.format(), &std::sync::Arc::new(l.bytes().to_vec()))
                .map_err(RenderError::Logo)?,
        ),
        None => None,
    };
    let mut l = Layout::new(fonts, brand.accent);
    if let (Some(image), Some(_)) = (&logo, &brand.logo) {
        let (pw, ph) = image.size();
        let (pw, ph) = (narrow(f64::from(pw)), narrow(f64::from(ph)));
        if pw > 0.0 && ph > 0.0 {
            let h = 40.0_f32.min(ph);
            let w = (pw * h / ph).min(180.0);
            let h = ph * w / pw;
            l.push(Op::Logo {
                x: MARGIN,
                y: l.y,
                w,
                h,
            });
            l.y += h + 8.0;
        }
    }
    l.paragraph(&report.title, 20.0, true, brand.accent, 0.0);
    l.y += 2.0;
    for line in &report.subtitle {
        l.paragraph(line, BODY, false, MUTED, 0.0);
    }
    l.y += 4.0;
    for block in &report.blocks {
        match block {
            Block::Heading(t) => l.heading(t),
            Block::Text(t) => {
                l.paragraph(t, BODY, false, TEXT, 0.0);
                l.y += 3.0;
            }
            Block::Table(t) => l.table(t),
            Block::Line(c) => l.line_chart(c),
            Block::Bars(c) => l.bar_chart(c),
            Block::List { title, items } => l.list(title, items),
        }
    }

    let pages = std::mem::take(&mut l.pages);
    let total = pages.len();
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(report.title.clone())
            .creator(brand.agency_name.clone())
            .producer("SEO Architects".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| RenderError::Pdf("page size".into()))?;
    for (i, ops) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        let agency = Op::Text {
            x: MARGIN,
            baseline: MARGIN,
            size: SMALL,
            bold: true,
            colour: brand.accent,
            text: brand.agency_name.clone(),
        };
        let rule = Op::Line {
            from: (MARGIN, MARGIN + 5.0),
            to: (MARGIN + WIDTH, MARGIN + 5.0),
            colour: brand.accent,
            width: 1.0,
        };
        let footer = format!("Page {} of {total}", i + 1);
        let footer_w = fonts.regular.width(&footer, SMALL);
        let prepared = Op::Text {
            x: MARGIN,
            baseline: PAGE_H - MARGIN + 16.0,
            size: SMALL,
            bold: false,
            colour: MUTED,
            text: format!("Prepared by {}", brand.agency_name),
        };
        let numbered = Op::Text {
            x: MARGIN + WIDTH - footer_w,
            baseline: PAGE_H - MARGIN + 16.0,
            size: SMALL,
            bold: false,
            colour: MUTED,
            text: footer,
        };
        for op in [&agency, &rule, &prepared, &numbered]
            .into_iter()
            .chain(ops)
        {
            draw(&mut surface, fonts, op, logo.as_ref());
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Tone;

    fn brand() -> Brand {
        Brand {
            agency_name: "Агентство Acme".into(),
            accent: Rgb(0x1f, 0x6f, 0xeb),
            logo: None,
        }
    }

    #[test]
    fn the_embedded_fonts_load_and_measure() {
        let f = FONTS.as_ref().unwrap();
        let w = f.regular.width("Клики", 10.0);
        assert!(w > 20.0 && w < 40.0, "{w}");
        assert!(f.bold.width("Клики", 10.0) > w);
    }

    #[test]
    fn long_words_and_lines_wrap_within_the_width() {
        let f = FONTS.as_ref().unwrap();
        let l = Layout::new(f, Rgb(0, 0, 0));
        let lines = l.wrap(&format!("a {} b\tc", "x".repeat(400)), BODY, false, 200.0);
        assert!(lines.len() > 3);
        assert!(
            lines
                .iter()
                .all(|s| f.regular.width(s, BODY) <= 200.0 + 0.01)
        );
        assert!(lines.iter().all(|s| !s.contains('\t')));
        assert_eq!(l.wrap("", BODY, false, 100.0), vec![String::new()]);
    }

    #[test]
    fn a_long_table_spans_pages_with_its_header_on_each() {
        let mut t = Table::new(&["query", "clicks"], &[1]);
        for i in 0..300 {
            t.rows.push(vec![
                Cell::plain(format!("запрос номер {i}")),
                Cell::toned(i.to_string(), Tone::Good),
            ]);
        }
        let f = FONTS.as_ref().unwrap();
        let mut l = Layout::new(f, Rgb(0, 0, 0));
        l.table(&t);
        assert!(l.pages.len() >= 5, "{} pages", l.pages.len());
        for page in &l.pages {
            let headers = page
                .iter()
                .filter(|op| matches!(op, Op::Text { text, bold: true, .. } if text == "query"))
                .count();
            assert_eq!(headers, 1, "the header row repeats once per page");
            for op in page {
                if let Op::Text { baseline, .. } = op {
                    assert!(
                        *baseline <= BOTTOM + SMALL && *baseline >= TOP,
                        "{baseline}"
                    );
                }
            }
        }
        let report = Report {
            title: "Отчёт".into(),
            subtitle: vec![],
            blocks: vec![Block::Table(t)],
        };
        let pdf = render(&report, &brand()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
